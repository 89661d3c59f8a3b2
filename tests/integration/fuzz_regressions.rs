//! Replays the inputs under `fuzz/regressions/<target>/` (crashers found by `fuzz/run.sh`
//! and hand-made hostile inputs) through the same code paths as the fuzz targets: each must
//! end in an error or a value, never a panic.

use std::path::Path;

use baoxiu_sync_core::protocol::{Frame, MAX_UPLOAD_FRAME_BYTES};
use baoxiu_sync_core::validate::{Lookups, Submitter, validate_order};
use baoxiu_sync_core::{DeviceId, WorkOrderDoc, state};

use crate::support::*;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no inputs in {dir:?}");
    out
}

#[test]
fn frame_decoder_regressions() {
    for (name, data) in inputs("frame_decoder") {
        if let Ok(f) = Frame::decode(&data, MAX_UPLOAD_FRAME_BYTES) {
            assert_eq!(
                Frame::decode(&f.encode(), usize::MAX).ok(),
                Some(f),
                "{name}"
            );
        }
    }
}

#[test]
fn validate_and_apply_regressions() {
    let o = Office1::new();
    let doc = o.dispatched();
    let tech = Submitter {
        author: o.tech.clone(),
        office: o.office.id,
    };
    for (_, data) in inputs("validate_and_apply") {
        let changes: Vec<Vec<u8>> = data.split(|b| *b == 0xFF).map(<[u8]>::to_vec).collect();
        assert!(
            validate_order(
                Some(&doc),
                doc.order_id(),
                &tech,
                &changes,
                &|_| true,
                &Lookups::NONE
            )
            .is_err()
        );
        assert!(
            validate_order(
                None,
                doc.order_id(),
                &tech,
                &changes,
                &|_| true,
                &Lookups::NONE
            )
            .is_err()
        );
    }
}

#[test]
fn load_stored_order_regressions() {
    for (name, data) in inputs("load_stored_order") {
        let device = DeviceId::new();
        if let Ok(doc) = WorkOrderDoc::load(&data, device) {
            let _ = state(&doc);
        }
        let chunks: Vec<Vec<u8>> = data.split(|b| *b == 0xFF).map(<[u8]>::to_vec).collect();
        assert!(
            WorkOrderDoc::from_encoded_changes(&chunks, device).is_err(),
            "{name}"
        );
    }
}
