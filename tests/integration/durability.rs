//! A command that returned Ok is on disk: it survives SIGKILL right after.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use baoxiu_sync_core::Store;
use rand::{Rng, SeedableRng};

use crate::support::*;

#[test]
fn killed_writer_loses_no_acknowledged_action() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("phone.db");
    let o = Office1::new();
    let doc = o.consented();
    let order = doc.order_id();
    {
        let mut store = Store::open(&db, o.tech.clone()).unwrap();
        store.import_order(&doc.save()).unwrap();
    }
    let seed: u64 = rand::rng().random();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut acknowledged: Vec<u64> = Vec::new();
    let mut next = 0u64;
    for round in 0..12 {
        let kill_after = rng.random_range(1..40);
        let mut child = Command::new(env!("CARGO_BIN_EXE_durability-writer"))
            .args([
                db.to_str().unwrap(),
                &o.tech.user.to_string(),
                &o.tech.device.to_string(),
                &order.to_string(),
                &next.to_string(),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let mut seen = 0;
        while seen < kill_after {
            match lines.next() {
                Some(Ok(line)) => {
                    let n: u64 = line.strip_prefix("ok ").unwrap().parse().unwrap();
                    acknowledged.push(n);
                    next = n + 1;
                    seen += 1;
                }
                other => panic!("writer stopped early in round {round}: {other:?}"),
            }
        }
        // SIGKILL, wherever it is: mid-transaction, mid-compaction, between commands.
        child.kill().unwrap();
        child.wait().unwrap();
        // The killed child may have committed one more than it printed; skip past it.
        next += 1;

        let mut store = Store::open(&db, o.tech.clone()).unwrap();
        assert_eq!(
            store.integrity_check().unwrap(),
            "ok",
            "seed {seed} round {round}"
        );
        let s = store.order_state(order).unwrap();
        for n in &acknowledged {
            let found = if n % 3 == 0 {
                s.materials.iter().any(|m| m.name == format!("m{n}"))
            } else {
                s.notes.contains(&format!("n{n}"))
            };
            assert!(
                found,
                "acknowledged action {n} lost (seed {seed}, round {round})"
            );
        }
        // And every acknowledged change is still waiting for the server.
        assert!(store.pending_changes().unwrap().len() >= acknowledged.len());
    }
}

#[test]
fn a_fact_on_disk_is_ok_even_when_compaction_after_it_fails() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.db");
    let o = Office1::new();
    let doc = o.dispatched();
    let order = doc.order_id();
    let mut store = Store::open(&path, o.tech.clone()).unwrap();
    store.import_order(&doc.save()).unwrap();
    // The disk refuses snapshots (as a failing write might), not chunks.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER no_snapshots BEFORE INSERT ON snapshots
             BEGIN SELECT RAISE(FAIL, 'no space for a snapshot'); END;
             CREATE TRIGGER no_snapshot_updates BEFORE UPDATE ON snapshots
             BEGIN SELECT RAISE(FAIL, 'no space for a snapshot'); END;",
        )
        .unwrap();
    let before = store.order_state(order).unwrap().timeline.len();
    // Past the compaction threshold: every fact is still reported as recorded, once.
    for i in 0..40 {
        store.add_note(order, format!("note {i}")).unwrap();
    }
    drop(store);
    let mut store = Store::open(&path, o.tech.clone()).unwrap();
    assert_eq!(
        store.order_state(order).unwrap().timeline.len(),
        before + 40
    );
    assert_eq!(store.pending_changes().unwrap().len(), 40);
}

#[tokio::test]
async fn both_stores_fsync_every_commit() {
    let dir = tempfile::tempdir().unwrap();
    let o = Office1::new();
    let device = Store::open(&dir.path().join("p.db"), o.tech.clone()).unwrap();
    assert_eq!(
        device.synchronous().unwrap(),
        2,
        "device store: synchronous=FULL"
    );
    let server = baoxiu_server::SqliteStore::open(&dir.path().join("s.db")).unwrap();
    assert_eq!(
        server.synchronous().await.unwrap(),
        2,
        "server writer: synchronous=FULL"
    );
}
