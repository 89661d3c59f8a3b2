//! Object-level authorisation of customers (S5): every role of both offices against every
//! customer route on office a's customer, asserted against a policy written here apart
//! from the server's. Another office's customer does not exist for a caller; lists and
//! reports never show it.

use baoxiu_sync_core::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::server_support::*;

const OPS: [&str; 10] = [
    "list", "page", "edit", "key", "withdraw", "review", "settle", "tiers", "churns", "intake",
];

/// What `who` (a role key of the test server) should get for `op` on office a's customer.
fn expected(caller: &str, op: &str) -> StatusCode {
    let (office, who) = caller.split_once('.').unwrap_or(("", caller));
    let reads = matches!(
        who,
        "desk" | "agent" | "administrator" | "dispatcher" | "supervisor" | "admin"
    );
    let edits = matches!(
        who,
        "desk" | "agent" | "administrator" | "supervisor" | "admin"
    );
    let manages = matches!(who, "supervisor" | "admin");
    let reports = matches!(who, "supervisor" | "dispatcher" | "admin");
    let intake = matches!(
        who,
        "desk" | "agent" | "administrator" | "dispatcher" | "admin"
    );
    let allowed = match op {
        "list" | "page" | "review" => reads,
        "edit" | "settle" => edits,
        "key" | "withdraw" => manages,
        "tiers" | "churns" => reports,
        _ => intake,
    };
    if !allowed {
        return StatusCode::FORBIDDEN;
    }
    // Lists and reports answer every office with its own; the customer and its items exist
    // only for office a.
    match (op, office) {
        ("list" | "review" | "tiers" | "churns", _) => StatusCode::OK,
        (_, "b") => StatusCode::NOT_FOUND,
        ("settle", _) => StatusCode::NO_CONTENT,
        // No leaving recorded to withdraw.
        ("withdraw", _) => StatusCode::CONFLICT,
        ("intake", _) => StatusCode::CREATED,
        _ => StatusCode::OK,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bola_customers_each_role_reaches_only_its_office_s_customers() {
    let srv = TestServer::start().await;
    srv.set_today("2026-11-20");
    // Trained agents in both offices (R-CS-TRAINING lets them take the intake).
    let mut agents = Vec::new();
    for office in ["a", "b"] {
        let agent = srv.add_person(office, "客服", Role::CsAgent).await;
        let record = json!({"person": agent.person.id, "kind": "pre_duty", "course": "崗前培訓", "completed_on": "2026-11-01"});
        let (s, _) = srv
            .as_(
                &format!("{office}.admin"),
                "POST",
                "/api/v1/trainings",
                Some(record),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        agents.push((format!("{office}.agent"), agent.token));
    }
    // Office a's customer, with a doubtful order in review.
    let order = |phone: &str| {
        Some(
            json!({"customer": {"name": "王小明", "unit": "Z棟-9F-9", "phone": phone},
            "channel": "phone", "description": "漏水"}),
        )
    };
    let (s, _) = srv
        .as_("a.desk", "POST", "/api/v1/orders", order("0912-000-111"))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, doubtful) = srv
        .as_("a.desk", "POST", "/api/v1/orders", order("0922-000-222"))
        .await;
    let (_, found) = srv
        .as_("a.desk", "GET", "/api/v1/customers?q=Z棟-9F-9", None)
        .await;
    let id = found[0]["id"].as_str().unwrap_or_default().to_owned();
    let item = doubtful["id"].as_str().unwrap_or_default().to_owned();
    let record =
        json!({"kind": "owner", "name": "王小明", "unit": "Z棟-9F-9", "phones": ["0912-000-111"]});
    let mut callers: Vec<(String, String)> = [
        "a.desk",
        "a.administrator",
        "a.dispatcher",
        "a.supervisor",
        "a.finance",
        "a.admin",
        "a.tech1",
        "b.desk",
        "b.administrator",
        "b.dispatcher",
        "b.supervisor",
        "b.finance",
        "b.admin",
        "b.tech1",
    ]
    .iter()
    .map(|c| ((*c).to_owned(), srv.who(c).token.clone()))
    .collect();
    callers.extend(agents);
    let mut checked = 0;
    for (caller, token) in &callers {
        for op in OPS {
            let (method, path, body): (&str, String, Option<Value>) = match op {
                "list" => ("GET", "/api/v1/customers?q=Z棟".into(), None),
                "page" => ("GET", format!("/api/v1/customers/{id}"), None),
                "edit" => (
                    "PUT",
                    format!("/api/v1/customers/{id}"),
                    Some(record.clone()),
                ),
                "key" => (
                    "PUT",
                    format!("/api/v1/customers/{id}/key-account"),
                    Some(json!({"key_account": true})),
                ),
                "withdraw" => ("DELETE", format!("/api/v1/customers/{id}/churn"), None),
                "review" => ("GET", "/api/v1/customers/review".into(), None),
                "settle" => (
                    "POST",
                    "/api/v1/customers/review".into(),
                    Some(json!({"kind": "order", "item": item, "customer": id})),
                ),
                "tiers" => ("GET", "/api/v1/customers/tiers?month=2026-11".into(), None),
                "churns" => ("GET", "/api/v1/customers/churn?from=2026-11".into(), None),
                _ => (
                    "POST",
                    "/api/v1/orders".into(),
                    Some(
                        json!({"customer": {"name": "王", "unit": "Z棟-9F-9", "phone": "0912-000-111"},
                        "channel": "phone", "description": "又漏水", "customer_id": id}),
                    ),
                ),
            };
            let res = srv
                .http
                .request(method.parse().unwrap(), srv.url(&path))
                .bearer_auth(token);
            let res = match body {
                Some(b) => res.json(&b),
                None => res,
            };
            let res = res.send().await.unwrap();
            let got = res.status();
            let text = res.text().await.unwrap_or_default();
            assert_eq!(got, expected(caller, op), "{caller} {op}: {text}");
            // What another office lists never names office a's customer or its items.
            if caller.starts_with("b.") && got == StatusCode::OK {
                assert!(
                    !text.contains(&id) && !text.contains(&item),
                    "{caller} {op}: {text}"
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 160);
}

/// R-CS-CONTACT: what `caller` should get for `op` on office a's contacts — `x` an open
/// enquiry, `w` whistle-blowing, `y` one that became an order already.
fn expected_on_contact(caller: &str, op: &str) -> StatusCode {
    let (office, who) = caller.split_once('.').unwrap_or(("", caller));
    let door = matches!(
        who,
        "desk" | "agent" | "manager" | "administrator" | "supervisor" | "admin"
    );
    // R-CS-QA: the inspector reads the log it inspects, and acts on none of it.
    let reads = door || who == "qa";
    let settings = matches!(who, "supervisor" | "admin");
    let allowed = match op {
        "set_channels" => settings,
        "list" | "channels" | "get_x" | "get_w" => reads,
        _ => door,
    };
    if !allowed {
        return StatusCode::FORBIDDEN;
    }
    match op {
        "list" | "channels" | "set_channels" => StatusCode::OK,
        _ if office == "b" => StatusCode::NOT_FOUND,
        "get_x" => StatusCode::OK,
        // Whistle-blowing exists only for the customer-service manager.
        "get_w" if who == "manager" => StatusCode::OK,
        "get_w" => StatusCode::NOT_FOUND,
        // Converting into an order takes the intake's right too.
        "convert_y" if matches!(who, "supervisor" | "manager") => StatusCode::FORBIDDEN,
        _ => StatusCode::CONFLICT,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bola_contacts_each_role_reaches_only_what_it_may_see() {
    let srv = TestServer::start().await;
    srv.set_today("2026-11-20");
    let mut callers: Vec<(String, String)> = Vec::new();
    for office in ["a", "b"] {
        let agent = srv.add_person(office, "客服", Role::CsAgent).await;
        let record = json!({"person": agent.person.id, "kind": "pre_duty", "course": "崗前培訓", "completed_on": "2026-11-01"});
        let (s, _) = srv
            .as_(
                &format!("{office}.admin"),
                "POST",
                "/api/v1/trainings",
                Some(record),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        for who in [
            "desk",
            "administrator",
            "dispatcher",
            "supervisor",
            "finance",
            "admin",
            "tech1",
        ] {
            let key = format!("{office}.{who}");
            callers.push((key.clone(), srv.who(&key).token.clone()));
        }
        callers.push((format!("{office}.agent"), agent.token));
        let manager = srv.add_person(office, "客服經理", Role::CsManager).await;
        callers.push((format!("{office}.manager"), manager.token));
        let qa = srv.add_person(office, "質檢", Role::QaInspector).await;
        callers.push((format!("{office}.qa"), qa.token));
    }
    let log = |body: Value| {
        let srv = &srv;
        async move {
            let (s, v) = srv
                .as_("a.desk", "POST", "/api/v1/contacts", Some(body))
                .await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
            v["id"].as_str().unwrap_or_default().to_owned()
        }
    };
    let x = log(json!({"kind": "enquiry", "channel": "hotline", "caller": "王", "unit": "Z棟-1", "phone": "0912-000-111", "summary": "停車費"})).await;
    let w =
        log(json!({"kind": "whistleblowing", "channel": "hotline", "summary": "保全收錢"})).await;
    let y = log(json!({"kind": "repair_report", "channel": "hotline", "caller": "王", "unit": "Z棟-1", "phone": "0912-000-111", "summary": "漏水"})).await;
    let (s, _) = srv
        .as_(
            "a.desk",
            "POST",
            &format!("/api/v1/contacts/{y}/convert"),
            Some(json!({"to": "order", "description": "漏水"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let mut checked = 0;
    for (caller, token) in &callers {
        for op in [
            "list",
            "get_x",
            "get_w",
            "convert_y",
            "close_y",
            "channels",
            "set_channels",
        ] {
            let (method, path, body): (&str, String, Option<Value>) = match op {
                "list" => ("GET", "/api/v1/contacts".into(), None),
                "get_x" => ("GET", format!("/api/v1/contacts/{x}"), None),
                "get_w" => ("GET", format!("/api/v1/contacts/{w}"), None),
                "convert_y" => (
                    "POST",
                    format!("/api/v1/contacts/{y}/convert"),
                    Some(json!({"to": "order", "description": "again"})),
                ),
                "close_y" => (
                    "POST",
                    format!("/api/v1/contacts/{y}/close"),
                    Some(json!({"note": "x"})),
                ),
                "channels" => ("GET", "/api/v1/contact-channels".into(), None),
                _ => (
                    "PUT",
                    "/api/v1/contact-channels".into(),
                    Some(json!({"channels": ["hotline", "walk_in", "LINE"]})),
                ),
            };
            let res = srv
                .http
                .request(method.parse().unwrap(), srv.url(&path))
                .bearer_auth(token);
            let res = match body {
                Some(b) => res.json(&b),
                None => res,
            };
            let res = res.send().await.unwrap();
            let got = res.status();
            let text = res.text().await.unwrap_or_default();
            assert_eq!(
                got,
                expected_on_contact(caller, op),
                "{caller} {op}: {text}"
            );
            // The log shows whistle-blowing to the manager only, and nothing across offices.
            if op == "list" && got == StatusCode::OK {
                let sees_w = text.contains(&w);
                assert_eq!(sees_w, caller == "a.manager", "{caller}: {text}");
                if caller.starts_with("b.") {
                    assert!(!text.contains(&x) && !text.contains(&y), "{caller}: {text}");
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 140);
}
