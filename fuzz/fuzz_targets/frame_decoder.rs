//! The sync frame decoder on arbitrary bytes: an error or a frame, never a panic.
#![no_main]

use baoxiu_sync_core::protocol::{Frame, MAX_UPLOAD_FRAME_BYTES};
use libfuzzer_sys::fuzz_target;

/// Automerge can panic on hostile bytes; baoxiu contains those panics (catch_unwind) and
/// refuses the input. libFuzzer's hook would abort on any panic, caught or not; this hook
/// stays quiet, so only a panic that escapes baoxiu's containment (which libfuzzer-sys then
/// turns into an abort) counts as a crash.
fn quiet_contained_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::panic::set_hook(Box::new(|_| {})));
}

fuzz_target!(|data: &[u8]| {
    quiet_contained_panics();
    if let Ok(f) = Frame::decode(data, MAX_UPLOAD_FRAME_BYTES) {
        // What decodes re-encodes to something that decodes to the same frame.
        let again = Frame::decode(&f.encode(), usize::MAX).expect("re-decodes");
        assert_eq!(again, f);
    }
});
