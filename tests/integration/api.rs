//! The REST API: happy paths and bad inputs, with the error body.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::server_support::*;

fn assert_error(v: &Value, code: &str) {
    assert_eq!(v["error"]["code"], code, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intake_to_receipt_happy_path() {
    let srv = TestServer::start().await;
    let id = srv.order("a", "scheduled", "tech1").await;
    let (s, v) = srv
        .as_("a.dispatcher", "GET", &format!("/api/v1/orders/{id}"), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["status"], "scheduled");
    assert_eq!(v["state"]["fees"]["total"], 17000);
    assert_eq!(v["state"]["timeline"].as_array().unwrap().len(), 5);
    assert!(v["state"]["anomalies"].as_array().unwrap().is_empty());
    // Listing with filters and paging.
    let tech = srv.who("a.tech1").person.id;
    let (s, v) = srv
        .as_(
            "a.dispatcher",
            "GET",
            &format!("/api/v1/orders?status=scheduled&technician={tech}&limit=10"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["id"], id.as_str());
    let (_, v) = srv
        .as_("a.dispatcher", "GET", "/api/v1/orders?status=closed", None)
        .await;
    assert_eq!(v["total"], 0);
    let (_, v) = srv
        .as_(
            "a.dispatcher",
            "GET",
            &format!("/api/v1/orders?from={}", chrono_now() + 60_000),
            None,
        )
        .await;
    assert_eq!(v["total"], 0);
    // Suggestions rank the plumber first for a leak.
    let (s, v) = srv
        .as_(
            "a.dispatcher",
            "GET",
            &format!("/api/v1/orders/{id}/suggestions"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v[0]["technician"], srv.who("a.tech1").person.id.to_string());
    assert_eq!(v[0]["specialty_match"], true);
    // Users.
    let (s, v) = srv.as_("a.dispatcher", "GET", "/api/v1/users", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v.as_array().unwrap().len(), 8);
    // Reschedule needs the customer's consent (R-APPOINT) → 409 naming the rule.
    let (s, v) = srv
        .as_(
            "a.dispatcher",
            "POST",
            &format!("/api/v1/orders/{id}/appointment"),
            Some(json!({"at": chrono_now()})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_error(&v, "R-APPOINT");
    let (s, v) = srv
        .as_(
            "a.dispatcher",
            "POST",
            &format!("/api/v1/orders/{id}/appointment"),
            Some(json!({"at": chrono_now(), "customer_consented": true, "reason": "客戶改時間"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Finance cannot bill an unsigned order.
    let (s, v) = srv
        .as_(
            "a.finance",
            "POST",
            &format!("/api/v1/orders/{id}/receipt"),
            Some(json!({"number": "R1", "amount": 17000})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_error(&v, "R-COMPLETE");
    // Cancel.
    let (s, v) = srv
        .as_(
            "a.dispatcher",
            "POST",
            &format!("/api/v1/orders/{id}/cancel"),
            Some(json!({"reason": "重複報修"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["status"], "cancelled");
    // Health, metrics, OpenAPI.
    let (s, v) = srv.call("GET", "/healthz", None, None).await;
    assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("ok")));
    let (s, v) = srv.call("GET", "/api/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["paths"]["/api/v1/orders/{id}/assign"]["post"].is_object());
    let (s, v) = srv.as_("a.supervisor", "GET", "/metrics", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(v.as_str().unwrap().contains("baoxiu_http_requests_total"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_inputs_get_clear_errors() {
    let srv = TestServer::start().await;
    let id = srv.order("a", "received", "tech1").await;
    let p = |s: &str| format!("/api/v1/orders/{id}/{s}");
    // 401: no token, garbage token.
    let (s, v) = srv.call("GET", "/api/v1/orders", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_error(&v, "unauthorized");
    let (s, _) = srv
        .call("GET", "/api/v1/orders", Some("nonsense"), None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // 403: wrong role.
    let (s, v) = srv
        .as_(
            "a.finance",
            "POST",
            &p("pricing"),
            Some(json!({"paid": false})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_error(&v, "forbidden");
    // 404: unknown order, malformed id, other office.
    let (s, v) = srv
        .as_(
            "a.dispatcher",
            "GET",
            "/api/v1/orders/0192f000-0000-7000-8000-000000000000",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_error(&v, "not_found");
    let (s, _) = srv
        .as_("a.dispatcher", "GET", "/api/v1/orders/not-a-uuid", None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = srv
        .as_("b.dispatcher", "GET", &format!("/api/v1/orders/{id}"), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // 409: a rule refuses (assign before pricing → R-DISPATCH; receive twice → R-HANDOVER).
    let tech = srv.who("a.tech1").person.id;
    let (s, v) = srv
        .as_(
            "a.dispatcher",
            "POST",
            &p("assign"),
            Some(json!({"technicians": [tech]})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_error(&v, "R-DISPATCH");
    let (s, v) = srv.as_("a.dispatcher", "POST", &p("receive"), None).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_error(&v, "R-HANDOVER");
    let (s, v) = srv
        .as_(
            "a.dispatcher",
            "POST",
            &p("pricing"),
            Some(json!({"paid": true, "items": []})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_error(&v, "R-PAID");
    // 422: malformed bodies and values.
    let (s, v) = srv
        .as_(
            "a.dispatcher",
            "POST",
            &p("pricing"),
            Some(json!({"paid": "yes"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_error(&v, "invalid");
    let (s, v) = srv
        .as_("a.desk", "POST", "/api/v1/orders", Some(json!({"customer": {"name": "x", "unit": "1F", "phone": "0912"}, "channel": "pigeon", "description": "漏水"})))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_error(&v, "invalid");
    let (s, v) = srv
        .as_(
            "a.dispatcher",
            "POST",
            &p("assign"),
            Some(json!({"technicians": [srv.who("b.tech1").person.id]})),
        )
        .await;
    // Well formed, but no one the office can assign: a conflict (as R-PAID's amounts).
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "a technician of another office: {v}"
    );
    let (s, _) = srv
        .as_("a.dispatcher", "GET", "/api/v1/orders?limit=abc", None)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // R-INTAKE: an empty description is refused by the rule.
    let (s, v) = srv
        .as_("a.desk", "POST", "/api/v1/orders", Some(json!({"customer": {"name": "x", "unit": "1F", "phone": "0912"}, "channel": "phone", "description": " "})))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_error(&v, "R-INTAKE");
    let (s, _) = srv
        .as_("a.dispatcher", "GET", "/api/v1/nothing-here", None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_manages_users_and_deactivation_revokes_tokens() {
    let srv = TestServer::start().await;
    let (s, v) = srv
        .as_(
            "a.admin",
            "POST",
            "/api/v1/users",
            Some(json!({"name": "新技師", "role": "technician", "specialties": ["hvac"]})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, _) = srv
        .as_(
            "a.dispatcher",
            "POST",
            "/api/v1/users",
            Some(json!({"name": "x", "role": "admin"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = srv
        .as_(
            "a.admin",
            "POST",
            "/api/v1/users",
            Some(json!({"name": "x", "role": "boss"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // The dispatcher's token works, then the admin deactivates them, then it does not.
    let (s, _) = srv.as_("a.dispatcher", "GET", "/api/v1/orders", None).await;
    assert_eq!(s, StatusCode::OK);
    let target = srv.who("a.dispatcher").person.id;
    let (s, v) = srv
        .as_(
            "a.admin",
            "POST",
            &format!("/api/v1/users/{target}/deactivate"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = srv.as_("a.dispatcher", "GET", "/api/v1/orders", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_error(&v, "unauthorized");
    // Another office's admin cannot reach this office's users.
    let desk = srv.who("a.desk").person.id;
    let (s, _) = srv
        .as_(
            "b.admin",
            "POST",
            &format!("/api/v1/users/{desk}/deactivate"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

/// A paid job (換水龍頭 120.00 + 50.00) on tech1's phone, synced: arrived, fee told,
/// consent, `during` (more facts while working), completed with `notes`, signed by the
/// customer and, if `tech_signs`, by the technician. Returns the order, the phone (still
/// syncing with `dir`) and the state after the customer signed.
async fn phone_job(
    srv: &TestServer,
    dir: &std::path::Path,
    notes: &str,
    during: impl FnOnce(&mut baoxiu_sync_core::Store, baoxiu_sync_core::OrderId),
    tech_signs: bool,
) -> (String, Phone, baoxiu_sync_core::WorkOrderState) {
    let x = srv.order("a", "scheduled", "tech1").await;
    let xo: baoxiu_sync_core::OrderId = x.parse().unwrap();
    let mut phone = Phone::new(srv.who("a.tech1"), dir);
    phone.sync(&srv.ws_url()).await;
    let items = vec![baoxiu_sync_core::FeeItem {
        description: "換水龍頭".into(),
        materials: baoxiu_sync_core::Money(12000),
        labour: baoxiu_sync_core::Money(5000),
        code: None,
    }];
    phone.store.arrive(xo, vec!["漏水".into()]).unwrap();
    phone.store.tell_fee(xo, true, items.clone()).unwrap();
    phone.store.record_consent(xo).unwrap();
    during(&mut phone.store, xo);
    phone
        .store
        .complete(
            xo,
            baoxiu_sync_core::PassFail::Pass,
            true,
            items,
            notes.into(),
        )
        .unwrap();
    let strokes = vec![vec![
        baoxiu_sync_core::Point { x: 1, y: 2 },
        baoxiu_sync_core::Point { x: 30, y: 9 },
    ]];
    let signed = phone
        .store
        .customer_sign(xo, "王小明".into(), &strokes)
        .unwrap();
    if tech_signs {
        phone.store.technician_sign(xo).unwrap();
    }
    phone.sync(&srv.ws_url()).await;
    (x, phone, signed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_collect_finance_receipts_and_the_administrator_collects() {
    let srv = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (x, mut phone, _) = phone_job(&srv, dir.path(), "試水正常", |_, _| {}, true).await;
    let xo: baoxiu_sync_core::OrderId = x.parse().unwrap();
    let (s, v) = srv
        .as_(
            "a.finance",
            "POST",
            &format!("/api/v1/orders/{x}/receipt"),
            Some(json!({"number": "R-0001", "amount": 16000})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "wrong amount");
    assert_error(&v, "R-COLLECT");
    // The signed paid order waits in finance's queue, with its age.
    let queue = |stage: &'static str| {
        let srv = &srv;
        async move {
            let (s, v) = srv
                .as_(
                    "a.finance",
                    "GET",
                    &format!("/api/v1/billing?stage={stage}"),
                    None,
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            v
        }
    };
    let q = queue("receipt").await;
    assert_eq!(q["overdue_days"], 3);
    assert_eq!(q["items"].as_array().unwrap().len(), 1);
    assert_eq!(q["items"][0]["id"], x.as_str());
    assert_eq!(q["items"][0]["total"], 17000);
    assert_eq!(q["items"][0]["overdue"], false);
    assert!(
        queue("collection").await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let (s, v) = srv
        .as_(
            "a.finance",
            "POST",
            &format!("/api/v1/orders/{x}/receipt"),
            Some(json!({"number": "R-0001", "amount": 17000})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "closed");
    assert_eq!(v["state"]["receipt"]["number"], "R-0001");
    assert_eq!(v["state"]["customer_signature"]["valid"], true);
    let finance = v["state"]["timeline"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(finance["kind"], "receipt_issued");
    assert_eq!(
        finance["author"]["device"],
        srv.state().store.server_device().to_string()
    );
    // The phone receives the receipt on its next sync — which needs the server to have
    // written it with its own actor, not the phone's (whose copy it had cached).
    phone.sync(&srv.ws_url()).await;
    assert_eq!(
        phone.store.order_state(xo).unwrap().receipt.unwrap().number,
        "R-0001"
    );
    // Now it waits for the administrator.
    assert!(
        queue("receipt").await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let q = queue("collection").await;
    assert_eq!(q["items"][0]["receipt"], "R-0001");
    // Four days on, it is overdue (the office's default is 3 days).
    srv.clock.set(chrono_now() + 4 * 24 * 3_600_000);
    assert_eq!(queue("collection").await["items"][0]["overdue"], true);
    let collect = |who: &'static str, receipt: &'static str| {
        let srv = &srv;
        let path = format!("/api/v1/orders/{x}/collection");
        async move {
            srv.as_(
                who,
                "POST",
                &path,
                Some(json!({"amount": 17000, "method": "cash", "receipt": receipt})),
            )
            .await
        }
    };
    let (s, _) = collect("a.finance", "R-0001").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "finance no longer collects");
    let (s, v) = collect("a.administrator", "R-0002").await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_error(&v, "R-COLLECT");
    let (s, v) = collect("a.administrator", "R-0001").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"]["collection"]["receipt"], "R-0001");
    assert_eq!(v["state"]["collection"]["amount"], 17000);
    assert!(
        queue("collection").await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_handover_and_r_appoint_at_intake_through_the_api() {
    let srv = TestServer::start().await;
    let at = chrono_now() + 2 * 3_600_000;
    // R-INTAKE: no phone, no order.
    let (s, v) = srv
        .as_("a.desk", "POST", "/api/v1/orders", Some(json!({"customer": {"name": "王", "unit": "1F", "phone": " "}, "channel": "phone", "description": "漏水"})))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_error(&v, "R-INTAKE");
    // R-APPOINT: the front desk books the visit at intake.
    let (s, v) = srv
        .as_("a.desk", "POST", "/api/v1/orders", Some(json!({"customer": {"name": "王", "unit": "1F", "phone": "0912"}, "channel": "phone", "description": "漏水", "appointment": at})))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["state"]["appointment"]["at"], at);
    let id = v["id"].as_str().unwrap().to_owned();
    // R-HANDOVER: only the administrator hands over, and only to a manager.
    let dispatcher = srv.who("a.dispatcher").person.id;
    let handover = |who: &'static str, to: baoxiu_sync_core::UserId| {
        let srv = &srv;
        let path = format!("/api/v1/orders/{id}/handover");
        async move { srv.as_(who, "POST", &path, Some(json!({ "to": to }))).await }
    };
    let (s, _) = handover("a.desk", dispatcher).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = handover("a.administrator", srv.who("a.tech1").person.id).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, v) = handover("a.administrator", dispatcher).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["state"]["handed_over"]["at"].is_i64());
    let (s, v) = handover("a.administrator", dispatcher).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_error(&v, "R-HANDOVER");
    let (s, v) = srv
        .as_(
            "a.dispatcher",
            "POST",
            &format!("/api/v1/orders/{id}/receive"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"]["handover_on_time"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_premises_compensation_through_the_api_the_bill_the_register_and_the_month() {
    let srv = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let record_damage = |store: &mut baoxiu_sync_core::Store, xo| {
        store
            .record_damage(xo, "地磚裂一片".into(), baoxiu_sync_core::Money(8000), true)
            .unwrap();
    };
    let (x, _phone, s) = phone_job(&srv, dir.path(), "完成", record_damage, false).await;
    let damage = s.damages[0].stamp.event;
    let path = |what: &str| format!("/api/v1/orders/{x}/damages/{damage}/{what}");
    // Finance cannot settle what the manager has not approved; the manager approves less.
    let (s, v) = srv
        .as_(
            "a.finance",
            "POST",
            &path("settlement"),
            Some(json!({"how": "credited"})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_error(&v, "R-PREMISES");
    let (s, _) = srv
        .as_(
            "a.finance",
            "POST",
            &path("approval"),
            Some(json!({"amount": 5000})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = srv
        .as_(
            "a.dispatcher",
            "POST",
            &path("approval"),
            Some(json!({"amount": 5000})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = srv
        .as_(
            "a.finance",
            "POST",
            &path("settlement"),
            Some(json!({"how": "credited"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["amount_due"], 12000);
    // Finance's queue shows what is due, and the receipt is for that.
    let (_, q) = srv
        .as_("a.finance", "GET", "/api/v1/billing?stage=receipt", None)
        .await;
    assert_eq!(q["items"][0]["total"], 12000, "{q}");
    let (s, v) = srv
        .as_(
            "a.finance",
            "POST",
            &format!("/api/v1/orders/{x}/receipt"),
            Some(json!({"number": "R-0009", "amount": 12000})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // The register and the month show the compensation.
    let completed = v["state"]["completion"]["stamp"]["at"].as_i64().unwrap();
    let month = chrono::DateTime::from_timestamp_millis(completed + 8 * 3_600_000)
        .unwrap()
        .format("%Y-%m")
        .to_string();
    let (_, reg) = srv
        .as_(
            "a.supervisor",
            "GET",
            &format!("/api/v1/register?month={month}"),
            None,
        )
        .await;
    let row = reg["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["order"] == x.as_str())
        .unwrap();
    assert_eq!(
        (row["compensation"].as_i64(), row["credited"].as_i64()),
        (Some(5000), Some(5000))
    );
    let (_, st) = srv
        .as_(
            "a.supervisor",
            "GET",
            &format!("/api/v1/stats?month={month}"),
            None,
        )
        .await;
    assert_eq!(st["compensation"], 5000, "{st}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_copies_the_four_part_form_and_a_share_link_to_the_customer_copy() {
    let srv = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (x, _phone, s) = phone_job(&srv, dir.path(), "更換水龍頭，試水正常", |_, _| {}, true).await;
    let other = srv.order("a", "scheduled", "tech1").await;
    let hash = s.customer_signature.unwrap().signed_hash;
    let get = |path: String, token: Option<String>| {
        let srv = &srv;
        async move {
            let mut req = srv.http.get(srv.url(&path));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let res = req.send().await.unwrap();
            (res.status(), res.text().await.unwrap())
        }
    };
    // The office's four-part form: every copy, with the fees, the signature drawn, the
    // technician and the hash it was signed against.
    let disp = Some(srv.who("a.dispatcher").token.clone());
    let (s, html) = get(format!("/api/v1/orders/{x}/form"), disp.clone()).await;
    assert_eq!(s, StatusCode::OK);
    for part in ["客戶聯", "存根聯", "財務聯", "業主收費聯"] {
        assert!(html.contains(part), "{part}");
    }
    for needle in [
        "換水龍頭",
        "170.00",
        "a-tech1",
        "王小明",
        hash.as_str(),
        "<svg",
        "更換水龍頭，試水正常",
    ] {
        assert!(html.contains(needle), "{needle} missing");
    }
    // A share link only for a signed order; it reveals that order only, without signing in.
    let (s, _) = srv
        .as_(
            "a.dispatcher",
            "POST",
            &format!("/api/v1/orders/{other}/share"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, v) = srv
        .as_("a.desk", "POST", &format!("/api/v1/orders/{x}/share"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let url = v["url"].as_str().unwrap().to_owned();
    let (s, copy) = get(url.clone(), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(copy.contains("客戶聯") && copy.contains(hash.as_str()) && copy.contains("170.00"));
    assert!(
        !copy.contains("財務聯"),
        "the customer gets their copy only"
    );
    assert!(!copy.contains(&other), "nothing of another order");
    // R-CPL-CHANNEL: once the office publishes its complaint contacts, the copy shows them.
    assert!(!copy.contains("complaint-contacts"), "none published yet");
    let (s, v) = srv
        .as_(
            "a.supervisor",
            "PUT",
            "/api/v1/complaint-contacts",
            Some(json!({"phone": "0800-123-456", "email": "complaints@example.org"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, copy) = get(url.clone(), None).await;
    for needle in ["投訴電話", "0800-123-456", "complaints@example.org"] {
        assert!(copy.contains(needle), "{needle} on the customer's copy");
    }
    assert!(!copy.contains("傳真"), "only what is published");
    // A tampered link is not found; so is one past its days (office setting, default 14).
    let (s, _) = get(format!("{url}x"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    srv.clock.set(chrono_now() + 15 * 24 * 3_600_000);
    let (s, _) = get(url, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Another office's people do not see the form.
    let (s, _) = get(
        format!("/api/v1/orders/{x}/form"),
        Some(srv.who("b.dispatcher").token.clone()),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_collect_a_collection_from_a_device_names_its_receipt_too() {
    let srv = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (x, _phone, _) = phone_job(&srv, dir.path(), "試水正常", |_, _| {}, true).await;
    let (s, v) = srv
        .as_(
            "a.finance",
            "POST",
            &format!("/api/v1/orders/{x}/receipt"),
            Some(json!({"number": "R-0001", "amount": 17000})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // The administrator's change, as a device would send it, without a receipt number.
    let st = srv.state();
    let login = srv.who("a.administrator");
    let id: baoxiu_sync_core::OrderId = x.parse().unwrap();
    let bytes = st.store.document(id).await.unwrap().unwrap();
    let mut doc = baoxiu_sync_core::WorkOrderDoc::load(&bytes, login.device).unwrap();
    let heads = doc.heads();
    baoxiu_sync_core::execute(
        &mut doc,
        &baoxiu_sync_core::Context {
            author: login.author(),
            now: chrono_now(),
            offset: Some(0),
        },
        baoxiu_sync_core::EventBody::FeeCollected {
            amount: baoxiu_sync_core::Money(17000),
            method: "cash".into(),
            receipt: String::new(),
        },
    )
    .unwrap();
    let who = baoxiu_sync_core::validate::Submitter {
        author: login.author(),
        office: login.person.office,
    };
    let batch = vec![baoxiu_sync_core::protocol::OrderChanges {
        order: id,
        changes: doc.encoded_changes_since(&heads),
    }];
    let (code, message, _) = st
        .store
        .submit(who, batch, st.now())
        .await
        .unwrap_err()
        .into();
    assert_eq!(
        code,
        baoxiu_sync_core::protocol::ErrorCode::BadFact,
        "{message}"
    );
    assert!(message.contains("R-COLLECT"), "{message}");
}
