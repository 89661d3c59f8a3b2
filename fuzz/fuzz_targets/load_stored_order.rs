//! Loading a stored order (snapshot bytes, or a list of change chunks) and reducing it: an
//! error or a state, never a panic.
#![no_main]

use baoxiu_sync_core::{DeviceId, WorkOrderDoc, state};
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
    let device = DeviceId::new();
    if let Ok(doc) = WorkOrderDoc::load(data, device) {
        let _ = state(&doc);
    }
    let chunks: Vec<Vec<u8>> = data.split(|b| *b == 0xFF).map(<[u8]>::to_vec).collect();
    if let Ok(doc) = WorkOrderDoc::from_encoded_changes(&chunks, device) {
        let _ = state(&doc);
    }
});
