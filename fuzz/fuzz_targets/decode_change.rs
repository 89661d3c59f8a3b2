//! Decoding untrusted change chunks: the header, the bounded inflation of compressed
//! chunks and the checksum. An error or a change within the size limit, never a panic
//! and never an allocation past the limit (libFuzzer's -rss_limit_mb catches that).
#![no_main]

use baoxiu_sync_core::doc::decode_changes;
use baoxiu_sync_core::protocol::MAX_CHANGE_BYTES;
use libfuzzer_sys::fuzz_target;

fn quiet_contained_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::panic::set_hook(Box::new(|_| {})));
}

fuzz_target!(|data: &[u8]| {
    quiet_contained_panics();
    if let Ok(changes) = decode_changes(&[data.to_vec()]) {
        for c in changes {
            assert!(c.raw_bytes().len() <= MAX_CHANGE_BYTES + 16);
        }
    }
});
