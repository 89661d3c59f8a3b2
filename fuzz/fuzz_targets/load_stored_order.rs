//! Loading a stored order (snapshot bytes, or a list of change chunks) and reducing it: an
//! error or a state, never a panic.
#![no_main]

use baoxiu_sync_core::{DeviceId, WorkOrderDoc, state};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let device = DeviceId::new();
    if let Ok(doc) = WorkOrderDoc::load(data, device) {
        let _ = state(&doc);
    }
    let chunks: Vec<Vec<u8>> = data.split(|b| *b == 0xFF).map(<[u8]>::to_vec).collect();
    if let Ok(doc) = WorkOrderDoc::from_encoded_changes(&chunks, device) {
        let _ = state(&doc);
    }
});
