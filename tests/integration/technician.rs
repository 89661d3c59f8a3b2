//! The technician's side (hardening): identity from the token, refused changes shown,
//! the last sync kept, observers called with no lock held.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use baoxiu_mobile_ffi::{Replica, ReplicaError, ReplicaObserver, SyncStateRecord};
use baoxiu_sync_core::client::{ClientConfig, SyncClient};
use baoxiu_sync_core::{Author, DeviceId, Store};

use crate::server_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_replica_takes_user_and_device_from_its_token() {
    let srv = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("phone.db").display().to_string();
    let tech = srv.who("a.tech1").clone();
    let other = srv.who("a.tech2").clone();
    let url = srv.ws_url();
    tokio::task::spawn_blocking(move || {
        let bad = Replica::open(path.clone(), url.clone(), "not.a.token".into());
        assert!(matches!(bad, Err(ReplicaError::InvalidInput { .. })));
        let r = Replica::open(path, url, tech.token.clone()).unwrap();
        // Another person's (or device's) token cannot be slipped in later.
        assert!(matches!(
            r.set_token(other.token.clone()),
            Err(ReplicaError::InvalidInput { .. })
        ));
        assert!(r.set_token(tech.token.clone()).is_ok());
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_changes_are_shown_not_hidden() {
    let srv = TestServer::start().await;
    let id = srv.order("a", "scheduled", "tech1").await;
    let dir = tempfile::tempdir().unwrap();
    let tech = srv.who("a.tech1").clone();
    // A store written under another device's actor (an app that got its ids wrong before
    // the ids came from the token): the server refuses what it writes.
    let wrong = Author {
        device: DeviceId::new(),
        ..tech.author()
    };
    let store = Arc::new(Mutex::new(
        Store::open(&dir.path().join("p.db"), wrong).unwrap(),
    ));
    let mut config = ClientConfig::new(srv.ws_url(), tech.token.clone());
    config.min_backoff = Duration::from_millis(20);
    let c = SyncClient::start(store.clone(), config);
    for _ in 0..200 {
        if store
            .lock()
            .unwrap()
            .order_ids()
            .unwrap()
            .contains(&id.parse().unwrap())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    store
        .lock()
        .unwrap()
        .add_note(id.parse().unwrap(), "寫錯了裝置".into())
        .unwrap();
    c.local_change();
    let mut status = c.status();
    for _ in 0..200 {
        status = c.status();
        if status.refused > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(status.refused, 1, "{status:?}");
    assert!(
        status
            .refused_reason
            .as_deref()
            .is_some_and(|r| r.contains("ForgedActor")),
        "{status:?}"
    );
    c.stop().await;
}

#[derive(Default)]
struct Reentrant {
    replica: Mutex<Option<Arc<Replica>>>,
    calls: Mutex<u32>,
}

impl ReplicaObserver for Reentrant {
    fn on_sync_state(&self, _state: SyncStateRecord) {}

    fn on_orders_changed(&self, _order_ids: Vec<String>) {
        *self.calls.lock().unwrap() += 1;
        // Subscribing from inside a callback (as a Kotlin screen might): no deadlock.
        let r = self.replica.lock().unwrap().clone();
        if let Some(r) = r {
            drop(r.observe(Arc::new(Reentrant::default())));
            let _ = r.sync_state();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observers_may_subscribe_from_their_callbacks_and_last_sync_is_kept() {
    let srv = TestServer::start().await;
    let id = srv.order("a", "scheduled", "tech1").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("phone.db").display().to_string();
    let (url, token) = (srv.ws_url(), srv.who("a.tech1").token.clone());
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let r = Replica::open(path.clone(), url.clone(), token.clone()).unwrap();
        let synced = r.sync_now(20_000);
        assert!(synced.last_sync.is_some());
        let observer = Arc::new(Reentrant::default());
        *observer.replica.lock().unwrap() = Some(r.clone());
        let sub = r.observe(observer.clone());
        r.add_note(id.clone(), "備料".into()).unwrap();
        let calls = *observer.calls.lock().unwrap();
        drop(sub);
        *observer.replica.lock().unwrap() = None;
        drop(r);
        // Reopened with background sync off: the last sync is still known.
        let again = Replica::open(path, url, token).unwrap();
        let kept = again.sync_state().last_sync;
        let _ = done_tx.send((calls, kept, synced.last_sync));
    });
    let (calls, kept, synced) = tokio::task::spawn_blocking(move || {
        done_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("no deadlock")
    })
    .await
    .unwrap();
    assert!(calls >= 1);
    assert_eq!(kept, synced);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_honest_outbox_goes_out_in_pages_without_a_loop() {
    let srv = TestServer::start().await;
    let id: baoxiu_sync_core::OrderId = srv.order("a", "scheduled", "tech1").await.parse().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let tech = srv.who("a.tech1").clone();
    let store = Arc::new(Mutex::new(
        Store::open(&dir.path().join("p.db"), tech.author()).unwrap(),
    ));
    let config = || {
        let mut c = ClientConfig::new(srv.ws_url(), tech.token.clone());
        c.min_backoff = Duration::from_millis(20);
        c.max_backoff = Duration::from_millis(200);
        c
    };
    let c = SyncClient::start(store.clone(), config());
    for _ in 0..400 {
        if store.lock().unwrap().order_ids().unwrap().contains(&id) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    c.stop().await;
    // A day in the basement: 140 long notes, each under the fact limit, 4.3 MB together.
    let text = "量".repeat(10_000);
    for _ in 0..140 {
        store.lock().unwrap().add_note(id, text.clone()).unwrap();
    }
    let before = srv.state().store.log_len().await.unwrap();
    let c = SyncClient::start(store.clone(), config());
    let mut pending = u32::MAX;
    for _ in 0..1200 {
        pending = c.status().pending;
        if pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    c.stop().await;
    assert_eq!(pending, 0, "every page acked");
    assert_eq!(srv.state().store.log_len().await.unwrap(), before + 140);
    assert!(store.lock().unwrap().refused_changes().unwrap().is_empty());
}
