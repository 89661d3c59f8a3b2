//! A catch-up larger than a page goes out in bounded pages, each applied and cursored by
//! the device, for documents and for changes, and for a repair (issue "Hardening",
//! item 9): no frame grows with the office, nothing is lost, and a repair never drops an
//! order that a later page brings.

use baoxiu_sync_core::protocol::Frame;

use crate::server_support::*;

/// A page of a few kilobytes, so a few dozen orders take several.
const PAGE: usize = 4096;

async fn server_with_small_pages() -> TestServer {
    TestServer::start_with(baoxiu_server::Limits {
        catch_up_page_bytes: PAGE,
        ..Default::default()
    })
    .await
}

/// Every order of the phone has the server's heads.
async fn same_as_server(srv: &TestServer, phone: &mut Phone, ids: &[String]) {
    let mut held = phone.store.order_ids().unwrap();
    held.sort();
    let mut want: Vec<baoxiu_sync_core::OrderId> = ids.iter().map(|i| i.parse().unwrap()).collect();
    want.sort();
    assert_eq!(held, want);
    for id in &want {
        let bytes = srv.state().store.document(*id).await.unwrap().unwrap();
        let server =
            baoxiu_sync_core::WorkOrderDoc::load(&bytes, baoxiu_sync_core::DeviceId::new())
                .unwrap();
        let mut ours = phone.store.doc(*id).unwrap().heads();
        let mut theirs = server.heads();
        ours.sort();
        theirs.sort();
        assert_eq!(ours, theirs, "order {id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_catch_up_comes_in_bounded_pages_and_loses_nothing() {
    let srv = server_with_small_pages().await;
    let mut ids = Vec::new();
    for _ in 0..40 {
        ids.push(srv.order("a", "logged", "tech1").await);
    }
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Phone::new(srv.who("a.dispatcher"), dir.path());

    // Documents: 40 new orders for an office-wide device.
    phone.sync(&srv.ws_url()).await;
    assert!(phone.received > 3, "{} frames", phone.received);
    assert!(
        phone.largest_received < 2 * PAGE,
        "largest frame {} bytes",
        phone.largest_received
    );
    same_as_server(&srv, &mut phone, &ids).await;

    // Changes: two facts on every order, while the phone was away.
    for id in &ids {
        for (path, body) in [
            ("receive", None),
            (
                "pricing",
                Some(serde_json::json!({"paid": false, "items": []})),
            ),
        ] {
            let (s, v) = srv
                .as_(
                    "a.dispatcher",
                    "POST",
                    &format!("/api/v1/orders/{id}/{path}"),
                    body,
                )
                .await;
            assert!(s.is_success(), "{path}: {v}");
        }
    }
    phone.sync(&srv.ws_url()).await;
    assert!(phone.received > 3, "{} frames", phone.received);
    assert!(
        phone.largest_received < 2 * PAGE,
        "largest frame {} bytes",
        phone.largest_received
    );
    same_as_server(&srv, &mut phone, &ids).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repair_in_pages_keeps_every_order_a_later_page_brings() {
    let srv = server_with_small_pages().await;
    let mut ids = Vec::new();
    for _ in 0..30 {
        ids.push(srv.order("a", "logged", "tech1").await);
    }
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Phone::new(srv.who("a.dispatcher"), dir.path());
    phone.sync(&srv.ws_url()).await;
    same_as_server(&srv, &mut phone, &ids).await;

    // A lost cursor: the server repairs the whole scope, over several pages. After every
    // frame the phone still holds every order.
    phone.store.set_cursor(None).unwrap();
    let mut ws = phone.connect(&srv.ws_url()).await;
    let hello = phone.session.hello(&phone.store, chrono_now()).unwrap();
    phone.send(&mut ws, &hello).await;
    let mut frames = 0;
    let mut repaired = false;
    while !phone.session.is_caught_up() {
        let f = phone.recv(&mut ws).await.expect("a frame");
        if let Frame::Welcome(w) = &f {
            repaired = w.repair;
            assert_eq!(w.scope.len(), ids.len());
            assert!(w.more, "a repair of 30 orders takes more than one page");
        }
        let out = phone
            .session
            .handle(&mut phone.store, f, chrono_now())
            .unwrap();
        for s in &out.send {
            phone.send(&mut ws, s).await;
        }
        frames += 1;
        assert_eq!(
            phone.store.order_ids().unwrap().len(),
            ids.len(),
            "after frame {frames}"
        );
    }
    assert!(repaired);
    assert!(frames > 3, "{frames} frames");
    same_as_server(&srv, &mut phone, &ids).await;
}
