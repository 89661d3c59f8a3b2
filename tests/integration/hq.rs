//! R-CS-HQ: head office reads every office — the month side by side, complaints side by
//! side, one office drilled into — and writes nothing; no office's people see past their
//! office, nor may an office's admin appoint head office.

use baoxiu_server::policy::{Action, ROUTES};
use baoxiu_sync_core::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::server_support::*;

fn complaint(unit: &str) -> Value {
    json!({
        "channel": "hotline", "complainant": "王小明", "contact": "0912", "by_customer_or_agent": true,
        "unit": unit, "subject": "維修後仍漏水", "category": "repair", "material_complete": true,
        // 2026-11-10 10:00 in Taipei.
        "received_at": 1_794_276_000_000_i64
    })
}

fn row<'a>(rows: &'a Value, office: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["office"]["id"] == office)
        .unwrap_or_else(|| panic!("office {office} missing from {rows}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_cs_hq_head_office_reads_two_offices_and_writes_none() {
    let srv = TestServer::start().await;
    srv.set_today("2026-11-20");
    let hq = srv
        .add_person("a", "運營管理部 陳經理", Role::HeadOffice)
        .await;
    let hq_get = |path: String| {
        let token = hq.token.clone();
        let srv = &srv;
        async move { srv.call("GET", &path, Some(&token), None).await }
    };
    let (a, b) = (
        srv.who("a.desk").person.office.to_string(),
        srv.who("b.desk").person.office.to_string(),
    );
    // Office a logs one order, office b two; b has a complaint, a none.
    let a_order = srv.order("a", "logged", "tech1").await;
    srv.order("b", "logged", "tech1").await;
    srv.order("b", "logged", "tech1").await;
    let (s, v) = srv
        .as_(
            "b.desk",
            "POST",
            "/api/v1/complaints",
            Some(complaint("B棟-3F")),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    let (s, offices) = hq_get("/api/v1/hq/offices".into()).await;
    assert_eq!(s, StatusCode::OK, "{offices}");
    assert_eq!(offices.as_array().unwrap().len(), 2, "{offices}");
    assert_eq!(offices[0]["currency"], "TWD");

    // The month side by side, each office its own figures.
    let (s, months) = hq_get("/api/v1/hq/months/2026-11".into()).await;
    assert_eq!(s, StatusCode::OK, "{months}");
    assert_eq!(row(&months, &a)["figures"]["logged"], 1);
    assert_eq!(row(&months, &b)["figures"]["logged"], 2);
    assert_eq!(row(&months, &b)["closed"], false);

    // Complaints side by side over the period.
    let (s, c) = hq_get("/api/v1/hq/complaints?from=2026-10&months=2".into()).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(row(&c, &a)["received"], 0);
    assert_eq!(row(&c, &b)["received"], 1);
    assert_eq!(row(&c, &b)["open"], 1);
    assert_eq!(row(&c, &b)["from"], "2026-10");
    assert_eq!(row(&c, &b)["to"], "2026-11");

    // Drilling into one office: the office's own month and report, as it reads them.
    let (s, m) = hq_get(format!("/api/v1/hq/offices/{b}/months/2026-11")).await;
    assert_eq!(s, StatusCode::OK, "{m}");
    assert_eq!(m["live"]["logged"], 2);
    let (s, own) = srv
        .as_("b.supervisor", "GET", "/api/v1/months/2026-11", None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(m["live"], own["live"]);
    let (s, r) = hq_get(format!(
        "/api/v1/hq/offices/{b}/complaints/analysis?from=2026-11&months=1"
    ))
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["received"], 1);
    assert_eq!(r["open_items"][0]["unit"], "B棟-3F");
    let (s, csv) = hq_get(format!(
        "/api/v1/hq/offices/{a}/complaints/analysis?from=2026-11&months=1&format=csv&lang=en"
    ))
    .await;
    assert_eq!(s, StatusCode::OK);
    // Office a's own figures: no complaint in November.
    let csv = csv.as_str().unwrap().trim_start_matches('\u{feff}');
    assert!(csv.starts_with("Month,Received"), "{csv}");
    assert!(csv.contains("\n2026-11,0,"), "{csv}");
    // The regulator's filing: not printed until the office has filled it in.
    let (s, f) = hq_get(format!("/api/v1/hq/offices/{a}/complaint-filing/report")).await;
    assert_eq!(s, StatusCode::CONFLICT, "{f}");
    // An office that does not exist, or an id that is none.
    for bad in ["0195f0e0-0000-7000-8000-000000000000", "x"] {
        let (s, _) = hq_get(format!("/api/v1/hq/offices/{bad}/months/2026-11")).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{bad}");
    }

    // Head office writes nothing, and reads no office through the office's own routes:
    // every route but its own is forbidden, before any body or record is looked at.
    let mut refused = 0;
    for (method, path, action) in ROUTES {
        if *action == Action::Oversee || matches!(*action, Action::Me | Action::Ticket) {
            continue;
        }
        let path = path
            .replace("{month}", "2026-11")
            .replace("{kind}", "vehicle_repair")
            .replace("{id}", &a_order)
            .replace(['{', '}'], "");
        let body = (*method != "GET").then(|| json!({}));
        let (s, v) = srv.call(method, &path, Some(&hq.token), body).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "head office {method} {path}: {v}");
        refused += 1;
    }
    assert!(refused > 90, "{refused}");
    // Nothing of office a or b changed: still one and two orders.
    let (_, months) = hq_get("/api/v1/hq/months/2026-11".into()).await;
    assert_eq!(row(&months, &a)["figures"]["logged"], 1);
    assert_eq!(row(&months, &b)["figures"]["logged"], 2);

    // No office's people see past their office, its admin included.
    for who in ["a.admin", "a.supervisor", "b.dispatcher", "a.desk"] {
        let (s, _) = srv.as_(who, "GET", "/api/v1/hq/months/2026-11", None).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
        let (s, _) = srv
            .as_(
                who,
                "GET",
                &format!("/api/v1/hq/offices/{b}/months/2026-11"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
    }
    // An office's admin cannot appoint head office (it would see every office).
    let (s, v) = srv
        .as_(
            "a.admin",
            "POST",
            "/api/v1/users",
            Some(json!({"name": "自封總部", "role": "head_office"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("head office")
    );
    // Nor switch off the head office seated in it.
    let (s, v) = srv
        .as_(
            "a.admin",
            "POST",
            &format!("/api/v1/users/{}/deactivate", hq.person.id),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, _) = hq_get("/api/v1/hq/offices".into()).await;
    assert_eq!(s, StatusCode::OK);
}
