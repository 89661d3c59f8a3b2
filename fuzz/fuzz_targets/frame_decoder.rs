//! The sync frame decoder on arbitrary bytes: an error or a frame, never a panic.
#![no_main]

use baoxiu_sync_core::protocol::{Frame, MAX_UPLOAD_FRAME_BYTES};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(f) = Frame::decode(data, MAX_UPLOAD_FRAME_BYTES) {
        // What decodes re-encodes to something that decodes to the same frame.
        let again = Frame::decode(&f.encode(), usize::MAX).expect("re-decodes");
        assert_eq!(again, f);
    }
});
