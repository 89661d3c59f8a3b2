//! R-PAID / R-SERVICE-LIST end to end: the fee schedule is published, reaches the phone
//! with the sync welcome, is quoted from offline; a line off the schedule is a proposal
//! the manager approves after the work, when the phone has reconnected.

use baoxiu_sync_core::protocol::OrderChanges;
use baoxiu_sync_core::validate::Submitter;
use baoxiu_sync_core::{
    AnomalyKind, Context, Error, EventBody, FeeItem, Money, OrderId, PassFail, Point,
    RuleViolation, WorkOrderDoc, execute,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::server_support::*;

fn schedule_body() -> Value {
    json!({
        "effective_from": chrono_now() - 60_000,
        "items": [
            {"code": "PL-01", "name": "更換水龍頭", "category": "plumbing", "materials": 12000, "labour": 5000},
            {"code": "PL-02", "name": "更換水龍頭墊片", "category": "plumbing", "materials": 300, "labour": 2000},
            {"code": "SV-01", "name": "檢查漏水", "category": "plumbing", "materials": 0, "labour": 0, "free": true}
        ]
    })
}

fn line(description: &str, materials: i64, labour: i64, code: Option<&str>) -> FeeItem {
    FeeItem {
        description: description.into(),
        materials: Money(materials),
        labour: Money(labour),
        code: code.map(str::to_owned),
    }
}

fn not_approved(v: &Value) -> bool {
    v["state"]["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["kind"]["type"] == "fees_not_approved")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_paid_schedule_reaches_the_phone_and_an_off_schedule_line_is_approved_after_reconnect() {
    let srv = TestServer::start().await;
    // Only a manager or admin publishes; a bad schedule is refused whole.
    let (s, _) = srv
        .as_(
            "a.desk",
            "POST",
            "/api/v1/fee-schedule",
            Some(schedule_body()),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let mut bad = schedule_body();
    bad["items"][1]["code"] = json!("PL-01");
    let (s, v) = srv
        .as_("a.dispatcher", "POST", "/api/v1/fee-schedule", Some(bad))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, v) = srv
        .as_("a.dispatcher", "GET", "/api/v1/fee-schedule", None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let (s, v) = srv
        .as_(
            "a.dispatcher",
            "POST",
            "/api/v1/fee-schedule",
            Some(schedule_body()),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["version"], 1);
    let (s, v) = srv
        .as_("a.tech1", "GET", "/api/v1/fee-schedule", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["items"].as_array().unwrap().len(), 3);

    // The manager prices from the schedule: the order keeps version 1. A coded line at
    // another price is refused (R-PAID), the same as it would be from a phone.
    let id = srv.order("a", "received", "tech1").await;
    let d = "a.dispatcher";
    let price = |items: Value| {
        let srv = &srv;
        let path = format!("/api/v1/orders/{id}/pricing");
        async move {
            srv.as_(
                d,
                "POST",
                &path,
                Some(json!({"paid": true, "items": items})),
            )
            .await
        }
    };
    let (s, v) = price(
        json!([{"description": "更換水龍頭", "materials": 12000, "labour": 9000, "code": "PL-01"}]),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"]["code"], "R-PAID");
    let (s, v) = price(
        json!([{"description": "更換水龍頭", "materials": 12000, "labour": 5000, "code": "PL-01"}]),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"]["schedule_version"], 1, "{v}");
    let tech1 = srv.who("a.tech1").person.id;
    for (path, body) in [
        ("assign", json!({"technicians": [tech1]})),
        ("appointment", json!({"at": chrono_now() + 3_600_000})),
    ] {
        let (s, v) = srv
            .as_(
                d,
                "POST",
                &format!("/api/v1/orders/{id}/{path}"),
                Some(body),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
    }
    let oid: OrderId = id.parse().unwrap();

    // The phone gets the order and the schedule in one sync, then works offline.
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Phone::new(srv.who("a.tech1"), dir.path());
    phone.sync(&srv.ws_url()).await;
    let held = phone
        .store
        .fee_schedule()
        .unwrap()
        .expect("the schedule came with the welcome");
    assert_eq!(held.version, 1);
    phone.store.arrive(oid, vec!["漏水".into()]).unwrap();
    // A coded line at another price is refused on the phone itself.
    let wrong = line("更換水龍頭墊片", 300, 2500, Some("PL-02"));
    match phone.store.tell_fee(oid, true, vec![wrong]) {
        Err(Error::Rule(RuleViolation::NotTheSchedulePrice { item })) => assert_eq!(item, "PL-02"),
        other => panic!("expected the schedule price to be enforced, got {other:?}"),
    }
    // On site: the approved line, a schedule line (pre-approved), and a line off the
    // schedule (a proposal). The customer agrees offline.
    let approved = line("更換水龍頭", 12000, 5000, Some("PL-01"));
    let washer = held.item("PL-02").unwrap().quote();
    let hose = line("更換老化進水軟管", 28000, 6000, None);
    let agreed = vec![approved, washer, hose];
    let s = phone.store.tell_fee(oid, true, agreed.clone()).unwrap();
    assert!(s.anomalies.iter().any(|a| matches!(
        a.kind,
        AnomalyKind::FeesNotApproved {
            agreed: Money(53300),
            approved: Money(17000)
        }
    )));
    phone.store.record_consent(oid).unwrap();
    phone
        .store
        .complete(
            oid,
            PassFail::Pass,
            true,
            agreed.clone(),
            "更換水龍頭與軟管".into(),
        )
        .unwrap();
    let strokes = vec![vec![Point { x: 1, y: 2 }, Point { x: 40, y: 9 }]];
    phone
        .store
        .customer_sign(oid, "王小明".into(), &strokes)
        .unwrap();
    phone.store.technician_sign(oid).unwrap();
    // Back in signal: the manager sees the proposal flagged on the order…
    phone.sync(&srv.ws_url()).await;
    let (_, v) = srv
        .as_(d, "GET", &format!("/api/v1/orders/{id}"), None)
        .await;
    assert!(not_approved(&v), "{v}");
    // …and in the paid-service register (the office is in Asia/Taipei, UTC+8 all year).
    let completed = v["state"]["completion"]["stamp"]["at"].as_i64().unwrap();
    let month = chrono::DateTime::from_timestamp_millis(completed + 8 * 3_600_000)
        .unwrap()
        .format("%Y-%m")
        .to_string();
    let pending_in_register = || {
        let srv = &srv;
        let path = format!("/api/v1/register?month={month}");
        let id = id.clone();
        async move {
            let (s, r) = srv.as_("a.supervisor", "GET", &path, None).await;
            assert_eq!(s, StatusCode::OK, "{r}");
            r["rows"]
                .as_array()
                .unwrap()
                .iter()
                .find(|row| row["order"] == id.as_str())
                .map(|row| row["fees_pending"] == true)
                .expect("the order is in its month's register")
        }
    };
    assert!(pending_in_register().await);
    // …and on the board's list.
    let (_, list) = srv.as_(d, "GET", "/api/v1/orders?limit=500", None).await;
    let row = |list: &Value| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == id.as_str())
            .map(|o| o["fees_pending"] == true)
            .unwrap()
    };
    assert!(row(&list));
    // …approves it as it stands (the route of `fees_amended`)…
    let (s, v) = srv
        .as_(
            d,
            "POST",
            &format!("/api/v1/orders/{id}/fees"),
            Some(json!({
                "items": agreed.iter().map(|i| json!({
                    "description": i.description, "materials": i.materials.0,
                    "labour": i.labour.0, "code": i.code})).collect::<Vec<_>>(),
                "reason": "現場發現軟管老化，核准"
            })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(!not_approved(&v), "{v}");
    assert_eq!(v["state"]["customer_signature"]["valid"], true, "{v}");
    assert_eq!(v["state"]["approved"]["total"], 53300);
    assert!(!pending_in_register().await);
    let (_, list) = srv.as_(d, "GET", "/api/v1/orders?limit=500", None).await;
    assert!(!row(&list));
    // …and the phone learns of the approval on its next sync.
    phone.sync(&srv.ws_url()).await;
    let s = phone.store.order_state(oid).unwrap();
    assert!(
        !s.anomalies
            .iter()
            .any(|a| matches!(a.kind, AnomalyKind::FeesNotApproved { .. }))
    );
    assert_eq!(s.approved.unwrap().total, Money(53300));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_paid_a_device_s_coded_line_off_the_schedule_price_is_refused_by_the_server() {
    let srv = TestServer::start().await;
    let (s, _) = srv
        .as_(
            "a.dispatcher",
            "POST",
            "/api/v1/fee-schedule",
            Some(schedule_body()),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let id: OrderId = srv.order("a", "scheduled", "tech1").await.parse().unwrap();
    let st = srv.state();
    let login = srv.who("a.tech1");
    // A phone without the schedule's check (a modified app): its change goes straight to
    // the server, which holds every version and checks the price.
    let bytes = st.store.document(id).await.unwrap().unwrap();
    let mut doc = WorkOrderDoc::load(&bytes, login.device).unwrap();
    let heads = doc.heads();
    let ctx = Context {
        author: login.author(),
        now: chrono_now(),
        offset: Some(0),
    };
    execute(
        &mut doc,
        &ctx,
        EventBody::Arrived {
            confirmed_items: vec!["漏水".into()],
        },
    )
    .unwrap();
    execute(
        &mut doc,
        &ctx,
        EventBody::FeeTold {
            paid: true,
            items: vec![line("更換水龍頭", 100, 100, Some("PL-01"))],
            schedule: Some(1),
        },
    )
    .unwrap();
    let who = Submitter {
        author: login.author(),
        office: login.person.office,
    };
    let batch = vec![OrderChanges {
        order: id,
        changes: doc.encoded_changes_since(&heads),
    }];
    let refused = st.store.submit(who, batch, st.now()).await.unwrap_err();
    let (code, message, hashes) = refused.into();
    assert_eq!(
        code,
        baoxiu_sync_core::protocol::ErrorCode::BadFact,
        "{message}"
    );
    assert!(message.contains("R-PAID"), "{message}");
    assert_eq!(
        hashes.len(),
        2,
        "the batch is refused whole, naming its changes"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_paid_a_phone_quotes_from_a_version_published_after_the_order_was_priced() {
    let srv = TestServer::start().await;
    let d = "a.dispatcher";
    let (s, _) = srv
        .as_(d, "POST", "/api/v1/fee-schedule", Some(schedule_body()))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let id = srv.order("a", "received", "tech1").await;
    let (s, v) = srv
        .as_(d, "POST", &format!("/api/v1/orders/{id}/pricing"), Some(json!({"paid": true, "items": [{"description": "更換水龍頭", "materials": 12000, "labour": 5000, "code": "PL-01"}]})))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"]["schedule_version"], 1);
    for (path, body) in [
        (
            "assign",
            json!({"technicians": [srv.who("a.tech1").person.id]}),
        ),
        ("appointment", json!({"at": chrono_now() + 3_600_000})),
    ] {
        let (s, v) = srv
            .as_(
                d,
                "POST",
                &format!("/api/v1/orders/{id}/{path}"),
                Some(body),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
    }
    // Version 2 adds an item; the phone syncs and holds version 2 only.
    let mut v2 = schedule_body();
    v2["items"]
        .as_array_mut()
        .unwrap()
        .push(json!({"code": "PL-03", "name": "更換角閥", "category": "plumbing", "materials": 800, "labour": 1500}));
    let (s, _) = srv.as_(d, "POST", "/api/v1/fee-schedule", Some(v2)).await;
    assert_eq!(s, StatusCode::CREATED);
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Phone::new(srv.who("a.tech1"), dir.path());
    phone.sync(&srv.ws_url()).await;
    let held = phone.store.fee_schedule().unwrap().unwrap();
    assert_eq!(held.version, 2);
    let oid: OrderId = id.parse().unwrap();
    phone.store.arrive(oid, vec!["漏水".into()]).unwrap();
    // The manager's line (unchanged in version 2) and a version-2 item: quoted from 2.
    let mut lines = phone.store.order_state(oid).unwrap().fees.items;
    lines.push(held.item("PL-03").unwrap().quote());
    let s = phone.store.tell_fee(oid, true, lines).unwrap();
    assert_eq!(s.schedule_version, Some(2));
    // The server takes it: nothing refused, and no approval is needed.
    let outcomes = phone.sync(&srv.ws_url()).await;
    assert!(outcomes.iter().all(|o| o.error.is_none()), "{outcomes:?}");
    let (_, v) = srv
        .as_(d, "GET", &format!("/api/v1/orders/{id}"), None)
        .await;
    assert!(!not_approved(&v), "{v}");
    assert_eq!(v["state"]["fees"]["total"], 17000 + 2300);
}
