//! The sync protocol over a real WebSocket on port 0.

use baoxiu_sync_core::protocol::{
    ErrorCode, Frame, Hello, MAX_DOWNLOAD_FRAME_BYTES, OrderChanges, PROTOCOL_VERSION,
};
use baoxiu_sync_core::{Event, EventBody, EventId, OrderId, PassFail};
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use tokio_tungstenite::tungstenite::Message;

use crate::server_support::*;

async fn log_len(srv: &TestServer) -> u64 {
    srv.state().store.log_len().await.unwrap()
}

async fn server_state(srv: &TestServer, id: &str) -> serde_json::Value {
    let (s, v) = srv
        .as_("a.dispatcher", "GET", &format!("/api/v1/orders/{id}"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

/// Sends raw bytes as one frame and returns the first frame answered (if any).
async fn raw(phone: &Phone, url: &str, bytes: Vec<u8>) -> Option<Frame> {
    let mut ws = phone.connect(url).await;
    ws.send(Message::Binary(bytes.into())).await.ok()?;
    loop {
        let m = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
            .await
            .ok()??;
        match m {
            Ok(Message::Binary(b)) => {
                return Some(Frame::decode(&b, MAX_DOWNLOAD_FRAME_BYTES).unwrap());
            }
            Ok(Message::Close(_)) | Err(_) => return None,
            _ => {}
        }
    }
}

fn hello_with(order: OrderId, changes: Vec<Vec<u8>>) -> Vec<u8> {
    Frame::Hello(Hello {
        version: PROTOCOL_VERSION,
        device_time: chrono_now(),
        cursor: None,
        changes: vec![OrderChanges { order, changes }],
        fee_schedule: None,
    })
    .encode()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn technicians_and_dispatcher_edit_offline_and_converge() {
    let srv = TestServer::start().await;
    let x = srv.order("a", "scheduled", "tech1").await;
    let y = srv.order("a", "scheduled", "tech2").await;
    let (xo, yo): (OrderId, OrderId) = (x.parse().unwrap(), y.parse().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let url = srv.ws_url();

    for reverse in [false, true] {
        let mut t1 = Phone::new(srv.who("a.tech1"), dir.path());
        let mut t2 = Phone::new(srv.who("a.tech2"), dir.path());
        let mut d = Phone::new(srv.who("a.dispatcher"), dir.path());
        if reverse {
            // Second round: the phones forget their cursors, so the repair path runs.
            for p in [&mut t1, &mut t2, &mut d] {
                p.store.set_cursor(None).unwrap();
            }
        }
        for p in [&mut t1, &mut t2, &mut d] {
            p.sync(&url).await;
        }
        // Scope: each technician got only their own order; the dispatcher got both.
        let ids = |p: &Phone| p.store.order_ids().unwrap();
        assert!(ids(&t1).contains(&xo) && !ids(&t1).contains(&yo));
        assert!(ids(&t2).contains(&yo) && !ids(&t2).contains(&xo));
        assert!(ids(&d).contains(&xo) && ids(&d).contains(&yo));

        // Offline edits.
        let n = if reverse { "二" } else { "一" };
        if !reverse {
            t1.store.arrive(xo, vec!["水龍頭漏水".into()]).unwrap();
            t1.store
                .tell_fee(
                    xo,
                    true,
                    vec![baoxiu_sync_core::FeeItem {
                        description: "換水龍頭".into(),
                        materials: baoxiu_sync_core::Money(12000),
                        labour: baoxiu_sync_core::Money(5000),
                        code: None,
                    }],
                )
                .unwrap();
            t1.store.record_consent(xo).unwrap();
            t2.store.arrive(yo, vec!["漏水".into()]).unwrap();
        } else {
            t1.store
                .check_material(xo, "水龍頭".into(), true, PassFail::Pass, String::new())
                .unwrap();
            t2.store.add_note(yo, "住戶不在，改約".into()).unwrap();
        }
        t1.store.add_note(xo, format!("第{n}輪 技師一")).unwrap();
        d.store.add_note(xo, format!("第{n}輪 主任 X")).unwrap();
        d.store.add_note(yo, format!("第{n}輪 主任 Y")).unwrap();

        let order: Vec<&mut Phone> = if reverse {
            vec![&mut d, &mut t2, &mut t1]
        } else {
            vec![&mut t1, &mut t2, &mut d]
        };
        for p in order {
            let out = p.sync(&url).await;
            assert!(out.iter().all(|o| o.error.is_none()), "{out:?}");
            assert!(p.store.pending_changes().unwrap().is_empty());
        }
        // A second pass delivers what the others pushed after each one's first sync.
        for p in [&mut t1, &mut t2, &mut d] {
            p.sync(&url).await;
        }
        for (id, o, tech) in [(&x, xo, &mut t1), (&y, yo, &mut t2)] {
            let server = server_state(&srv, id).await;
            let mut heads = Vec::new();
            for p in [&mut *tech, &mut d] {
                let s = p.store.order_state(o).unwrap();
                assert_eq!(
                    serde_json::to_value(&s).unwrap(),
                    server["state"],
                    "{} disagrees on {id}",
                    p.login.person.name
                );
                heads.push(p.store.doc(o).unwrap().heads());
            }
            assert_eq!(heads[0], heads[1]);
            // The projection agrees with the reducer.
            let (_, list) = srv
                .as_("a.dispatcher", "GET", "/api/v1/orders?limit=100", None)
                .await;
            let row = list["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["id"] == id.as_str())
                .unwrap()
                .clone();
            assert_eq!(row["status"], server["status"]);
            assert_eq!(row["total"], server["state"]["fees"]["total"]);
        }
        let sx = server_state(&srv, &x).await;
        let notes = sx["state"]["notes"].as_array().unwrap();
        assert!(
            notes.iter().any(|v| v == &format!("第{n}輪 主任 X")),
            "{notes:?}"
        );
        assert!(
            notes.iter().any(|v| v == &format!("第{n}輪 技師一")),
            "{notes:?}"
        );
    }

    // A reconnect is exactly one round trip: hello with the change, welcome with the ack.
    let mut t1 = Phone::new(srv.who("a.tech1"), dir.path());
    t1.store.add_note(xo, "再連線".into()).unwrap();
    t1.sync(&url).await;
    assert_eq!((t1.sent, t1.received), (1, 1), "one frame each way");
    assert!(t1.store.pending_changes().unwrap().is_empty());
    // And the device measured its clock offset.
    assert!(t1.store.clock_offset().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_frames_are_refused_and_nothing_is_stored() {
    let srv = TestServer::start().await;
    let x = srv.order("a", "scheduled", "tech1").await;
    let xo: OrderId = x.parse().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = srv.ws_url();
    let mut t1 = Phone::new(srv.who("a.tech1"), dir.path());
    let t2 = Phone::new(srv.who("a.tech2"), dir.path());
    t1.sync(&url).await;
    let doc = t1.store.doc(xo).unwrap();
    let before = log_len(&srv).await;
    let tech1 = srv.who("a.tech1").author();

    let fact = |author: baoxiu_sync_core::Author| Event {
        id: EventId::new(),
        author,
        at: chrono_now(),
        offset: Some(0),
        body: EventBody::Arrived {
            confirmed_items: vec!["漏水".into()],
        },
    };

    // 1. Forged actor: tech1's token, a change written by another device's actor.
    let mut other = doc.fork_for(baoxiu_sync_core::DeviceId::new());
    let h = other.heads();
    other.append(&fact(tech1.clone())).unwrap();
    let f = raw(&t1, &url, hello_with(xo, other.encoded_changes_since(&h))).await;
    assert!(
        matches!(f, Some(Frame::Error(ref e)) if e.code == ErrorCode::ForgedActor),
        "{f:?}"
    );

    // 2. Editing an existing fact (a put over element 0), with tech1's own actor.
    let mut am = automerge::Automerge::load(&doc.save())
        .unwrap()
        .with_actor(baoxiu_sync_core::doc::actor_for(tech1.device));
    let events = match automerge::ReadDoc::get(&am, automerge::ROOT, "events").unwrap() {
        Some((_, id)) => id,
        None => panic!(),
    };
    let h = am.get_heads();
    {
        let mut tx = am.transaction();
        automerge::transaction::Transactable::put(&mut tx, &events, 0, "{\"edited\":true}")
            .unwrap();
        tx.commit();
    }
    let edit: Vec<Vec<u8>> = am
        .get_changes(&h)
        .iter()
        .map(|c| c.raw_bytes().to_vec())
        .collect();
    let f = raw(&t1, &url, hello_with(xo, edit)).await;
    assert!(
        matches!(f, Some(Frame::Error(ref e)) if e.code == ErrorCode::NotAppendOnly),
        "{f:?}"
    );

    // 2b. Removing a fact.
    let mut am2 = automerge::Automerge::load(&doc.save())
        .unwrap()
        .with_actor(baoxiu_sync_core::doc::actor_for(tech1.device));
    let h = am2.get_heads();
    {
        let mut tx = am2.transaction();
        automerge::transaction::Transactable::delete(&mut tx, &events, 1).unwrap();
        tx.commit();
    }
    let del: Vec<Vec<u8>> = am2
        .get_changes(&h)
        .iter()
        .map(|c| c.raw_bytes().to_vec())
        .collect();
    let f = raw(&t1, &url, hello_with(xo, del)).await;
    assert!(
        matches!(f, Some(Frame::Error(ref e)) if e.code == ErrorCode::NotAppendOnly),
        "{f:?}"
    );

    // 3. A technician writing another technician's order.
    let tech2 = srv.who("a.tech2").author();
    let mut theirs = doc.fork_for(tech2.device);
    let h = theirs.heads();
    theirs.append(&fact(tech2.clone())).unwrap();
    let f = raw(&t2, &url, hello_with(xo, theirs.encoded_changes_since(&h))).await;
    assert!(
        matches!(f, Some(Frame::Error(ref e)) if e.code == ErrorCode::Forbidden),
        "{f:?}"
    );

    // 3b. A fact that names someone else as its author.
    let mut liar = doc.fork_for(tech1.device);
    let h = liar.heads();
    liar.append(&fact(srv.who("a.dispatcher").author()))
        .unwrap();
    let f = raw(&t1, &url, hello_with(xo, liar.encoded_changes_since(&h))).await;
    assert!(
        matches!(f, Some(Frame::Error(ref e)) if e.code == ErrorCode::Forbidden),
        "{f:?}"
    );

    // 3c. A technician pricing (a dispatcher's fact) on their own order.
    let mut pricer = doc.fork_for(tech1.device);
    let h = pricer.heads();
    let mut e = fact(tech1.clone());
    e.body = EventBody::Priced {
        paid: false,
        items: vec![],
        schedule: None,
    };
    pricer.append(&e).unwrap();
    let f = raw(&t1, &url, hello_with(xo, pricer.encoded_changes_since(&h))).await;
    assert!(
        matches!(f, Some(Frame::Error(ref e)) if e.code == ErrorCode::Forbidden),
        "{f:?}"
    );

    // 4. Garbage and oversized frames.
    let f = raw(&t1, &url, vec![0xde, 0xad, 0xbe, 0xef, 0x00, 0x17]).await;
    assert!(
        matches!(f, Some(Frame::Error(ref e)) if e.code == ErrorCode::BadFrame),
        "{f:?}"
    );
    let f = raw(&t1, &url, vec![7u8; 5 * 1024 * 1024]).await;
    assert!(
        !matches!(f, Some(Frame::Welcome(_))),
        "an oversized frame is not answered: {f:?}"
    );

    assert_eq!(
        log_len(&srv).await,
        before,
        "nothing of any refused batch was stored"
    );
    let (_, v) = srv
        .as_("a.dispatcher", "GET", &format!("/api/v1/orders/{x}"), None)
        .await;
    assert_eq!(v["status"], "scheduled");

    // The server keeps serving: the honest phone still syncs its real work.
    t1.store.arrive(xo, vec!["漏水".into()]).unwrap();
    let out = t1.sync(&url).await;
    assert!(out.iter().all(|o| o.error.is_none()));
    assert_eq!(log_len(&srv).await, before + 1);
    assert_eq!(server_state(&srv, &x).await["status"], "on_site");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_changes_are_kept_aside_not_resent() {
    let srv = TestServer::start().await;
    let x = srv.order("a", "scheduled", "tech1").await;
    let xo: OrderId = x.parse().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = srv.ws_url();
    let mut t1 = Phone::new(srv.who("a.tech1"), dir.path());
    t1.sync(&url).await;
    // A misconfigured app: tech1's token, but a store writing as another device.
    let mut wrong = srv.who("a.tech1").author();
    wrong.device = baoxiu_sync_core::DeviceId::new();
    t1.store = baoxiu_sync_core::Store::open(&dir.path().join("wrong.db"), wrong).unwrap();
    let bytes = {
        let mut ok = Phone::new(srv.who("a.tech1"), dir.path());
        ok.sync(&url).await;
        ok.store.doc(xo).unwrap().save()
    };
    t1.store.import_order(&bytes).unwrap();
    t1.store.arrive(xo, vec!["漏水".into()]).unwrap();
    assert_eq!(t1.store.pending_changes().unwrap().len(), 1);
    let out = t1.sync(&url).await;
    let err = out.iter().find_map(|o| o.error.clone()).expect("refused");
    assert_eq!(err.code, ErrorCode::ForgedActor);
    assert!(
        t1.store.pending_changes().unwrap().is_empty(),
        "refused changes leave the outbox"
    );
    assert_eq!(
        t1.store.refused_changes().unwrap().len(),
        1,
        "and are kept, with the reason"
    );
    // Reconnecting does not send them again: no resend loop.
    let out = t1.sync(&url).await;
    assert!(out.iter().all(|o| o.error.is_none()), "{out:?}");
    assert_eq!((t1.sent, t1.received), (1, 1));
    assert_eq!(server_state(&srv, &x).await["status"], "scheduled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restored_server_repairs_through_the_devices() {
    let mut srv = TestServer::start().await;
    let x = srv.order("a", "scheduled", "tech1").await;
    let xo: OrderId = x.parse().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut t1 = Phone::new(srv.who("a.tech1"), dir.path());
    t1.sync(&srv.ws_url()).await;

    // A backup is taken now, while the server runs (`baoxiu backup`)…
    let backup = dir.path().join("backup.db");
    baoxiu_server::backup(&srv.data_dir(), &backup).unwrap();
    let again = baoxiu_server::backup(&srv.data_dir(), &backup).unwrap_err();
    assert!(again.to_string().contains("exists"), "{again}");
    // …then the technician works and syncs; the server acknowledges everything.
    t1.store.arrive(xo, vec!["漏水".into()]).unwrap();
    t1.store.add_note(xo, "已到場".into()).unwrap();
    t1.sync(&srv.ws_url()).await;
    assert!(t1.store.pending_changes().unwrap().is_empty());
    assert_eq!(server_state(&srv, &x).await["status"], "on_site");

    // The server is restored from the older backup (same key, same users), as
    // docs/deploy.md says; into a new directory here, because this process still holds
    // the old store open, where a real restore follows the server's exit.
    srv.running.take().unwrap().stop().await.unwrap();
    let restored = tempfile::tempdir().unwrap();
    std::fs::copy(&backup, baoxiu_server::db_path(restored.path())).unwrap();
    std::fs::copy(
        srv.data_dir().join("signing.key"),
        restored.path().join("signing.key"),
    )
    .unwrap();
    let state = baoxiu_server::open(restored.path()).unwrap();
    srv.running = Some(
        baoxiu_server::start(state, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap(),
    );
    assert_eq!(
        server_state(&srv, &x).await["status"],
        "scheduled",
        "the restore lost the arrival"
    );

    // The office writes something new before the phone comes back.
    let (s, _) = srv
        .as_("a.dispatcher", "POST", &format!("/api/v1/orders/{x}/appointment"),
             Some(serde_json::json!({"at": chrono_now() + 60_000, "customer_consented": true, "reason": "提前"})))
        .await;
    assert_eq!(s, StatusCode::OK);

    // The phone reconnects: its cursor is stale, the repair path runs, nothing is lost.
    let out = t1.sync(&srv.ws_url()).await;
    assert!(out.iter().any(|o| o.welcomed));
    assert!(out.iter().all(|o| o.error.is_none()), "{out:?}");
    let server = server_state(&srv, &x).await;
    assert_eq!(server["status"], "on_site");
    assert!(
        server["state"]["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n == "已到場")
    );
    let phone = t1.store.order_state(xo).unwrap();
    assert_eq!(serde_json::to_value(&phone).unwrap(), server["state"]);
    assert_eq!(phone.appointment.unwrap().reschedules, 1);
    // And the next reconnect is back to one round trip.
    t1.sync(&srv.ws_url()).await;
    assert_eq!((t1.sent, t1.received), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reinstalled_device_gets_its_orders_and_field_orders_sync_up() {
    let srv = TestServer::start().await;
    let x = srv.order("a", "scheduled", "tech1").await;
    let xo: OrderId = x.parse().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = srv.ws_url();
    let mut t1 = Phone::new(srv.who("a.tech1"), dir.path());
    t1.sync(&url).await;
    t1.store.arrive(xo, vec!["漏水".into()]).unwrap();
    t1.store.tell_fee(xo, false, vec![]).unwrap();
    t1.store.record_consent(xo).unwrap();
    // A follow-up job found on site, logged offline.
    let follow = t1
        .store
        .create_field_order(
            xo,
            baoxiu_sync_core::Customer {
                name: "王小明".into(),
                unit: "A棟-12F-3".into(),
                phone: "0912-000-000".into(),
            },
            "浴室排水管老化".into(),
        )
        .unwrap();
    t1.sync(&url).await;
    let (s, v) = srv
        .as_(
            "a.dispatcher",
            "GET",
            &format!("/api/v1/orders/{}", follow.order),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"]["channel"], "field");
    // The other technician cannot see it; its creator can.
    let (s, _) = srv
        .as_(
            "a.tech2",
            "GET",
            &format!("/api/v1/orders/{}", follow.order),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = srv
        .as_(
            "a.tech1",
            "GET",
            &format!("/api/v1/orders/{}", follow.order),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // The phone is wiped and reinstalled: a new store, no cursor.
    let fresh = tempfile::tempdir().unwrap();
    let mut again = Phone::new(srv.who("a.tech1"), fresh.path());
    again.sync(&url).await;
    let mut ids = again.store.order_ids().unwrap();
    ids.sort();
    let mut want = vec![xo, follow.order];
    want.sort();
    assert_eq!(ids, want);
    assert_eq!(
        again.store.order_state(xo).unwrap().status,
        baoxiu_sync_core::Status::InProgress
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_session_pushes_both_ways() {
    let srv = TestServer::start().await;
    let x = srv.order("a", "scheduled", "tech1").await;
    let xo: OrderId = x.parse().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut t1 = Phone::new(srv.who("a.tech1"), dir.path());
    let mut ws = t1.connect(&srv.ws_url()).await;
    let hello = t1.session.hello(&t1.store, chrono_now()).unwrap();
    ws.send(Message::Binary(hello.encode().into()))
        .await
        .unwrap();
    let welcome = next_frame(&mut ws).await;
    assert!(matches!(welcome, Frame::Welcome(_)));
    t1.session
        .handle(&mut t1.store, welcome, chrono_now())
        .unwrap();
    assert!(t1.store.order_ids().unwrap().contains(&xo));

    // The office changes the order: the connected phone is pushed the change.
    let (s, _) = srv
        .as_("a.dispatcher", "POST", &format!("/api/v1/orders/{x}/appointment"),
             Some(serde_json::json!({"at": chrono_now() + 60_000, "customer_consented": true, "reason": "提前"})))
        .await;
    assert_eq!(s, StatusCode::OK);
    let push = next_frame(&mut ws).await;
    assert!(matches!(push, Frame::Push(_)), "{push:?}");
    t1.session
        .handle(&mut t1.store, push, chrono_now())
        .unwrap();
    assert_eq!(
        t1.store
            .order_state(xo)
            .unwrap()
            .appointment
            .unwrap()
            .reschedules,
        1
    );

    // The phone records work while connected: pushed at once, acked after commit.
    t1.store.arrive(xo, vec!["漏水".into()]).unwrap();
    let push = t1.session.push_pending(&t1.store).unwrap().expect("a push");
    ws.send(Message::Binary(push.encode().into()))
        .await
        .unwrap();
    let ack = next_frame(&mut ws).await;
    assert!(
        matches!(ack, Frame::Ack(ref a) if a.acked.len() == 1),
        "{ack:?}"
    );
    t1.session.handle(&mut t1.store, ack, chrono_now()).unwrap();
    assert!(t1.store.pending_changes().unwrap().is_empty());
    assert_eq!(server_state(&srv, &x).await["status"], "on_site");
}

/// A live technician's session wakes for what concerns its scope only, and still misses
/// none of it: an order assigned to it arrives, one assigned away is revoked, other
/// technicians' work is not sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_technician_is_pushed_what_enters_and_leaves_its_scope() {
    let srv = TestServer::start().await;
    let x = srv.order("a", "scheduled", "tech1").await;
    let dir = tempfile::tempdir().unwrap();
    let mut t1 = Phone::new(srv.who("a.tech1"), dir.path());
    let mut ws = t1.connect(&srv.ws_url()).await;
    let hello = t1.session.hello(&t1.store, chrono_now()).unwrap();
    ws.send(Message::Binary(hello.encode().into()))
        .await
        .unwrap();
    let welcome = next_frame(&mut ws).await;
    t1.session
        .handle(&mut t1.store, welcome, chrono_now())
        .unwrap();
    assert_eq!(
        t1.store.order_ids().unwrap(),
        vec![x.parse::<OrderId>().unwrap()]
    );

    // Another technician's order, then one of tech1's: the first frame is the second.
    let other: OrderId = srv.order("a", "scheduled", "tech2").await.parse().unwrap();
    let mine: OrderId = srv.order("a", "scheduled", "tech1").await.parse().unwrap();
    let mut delivered = Vec::new();
    while !delivered.contains(&mine) {
        let Frame::Push(p) = next_frame(&mut ws).await else {
            panic!("a push")
        };
        delivered.extend(p.documents.iter().map(|d| d.order));
        assert!(
            !delivered.contains(&other),
            "another technician's order was sent"
        );
        t1.session
            .handle(&mut t1.store, Frame::Push(p), chrono_now())
            .unwrap();
    }

    // Assigned away while connected: revoked live.
    let tech2 = srv.who("a.tech2").person.id;
    let (s, v) = srv
        .as_(
            "a.dispatcher",
            "POST",
            &format!("/api/v1/orders/{mine}/assign"),
            Some(serde_json::json!({"technicians": [tech2], "reason": "改派"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let revoked = loop {
        let Frame::Push(p) = next_frame(&mut ws).await else {
            panic!("a push")
        };
        if !p.revoked.is_empty() {
            break p.revoked;
        }
    };
    assert_eq!(revoked, vec![mine]);
}

async fn next_frame(ws: &mut Ws) -> Frame {
    let fut = async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Binary(b))) => {
                    return Frame::decode(&b, MAX_DOWNLOAD_FRAME_BYTES).unwrap();
                }
                Some(Ok(_)) => continue,
                other => panic!("connection ended: {other:?}"),
            }
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), fut)
        .await
        .expect("a frame within 10 s")
}
