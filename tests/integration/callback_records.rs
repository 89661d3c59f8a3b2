//! R-VISIT-RECORD: every call-back made leaves a written record, filed by month and
//! exported.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::server_support::*;

/// 10:00 local (UTC+8) on that day, in UTC millis.
fn at(y: i32, m: u32, d: u32) -> i64 {
    chrono::NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(2, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis()
}

async fn created(srv: &TestServer, path: &str, body: Value) -> String {
    let (s, v) = srv.as_("a.supervisor", "POST", path, Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

async fn record(srv: &TestServer, id: &str, body: Value) {
    let (s, v) = srv
        .as_(
            "a.supervisor",
            "POST",
            &format!("/api/v1/callbacks/{id}/result"),
            Some(body),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_visit_record_a_month_s_call_backs_are_filed_and_exported() {
    let srv = TestServer::start().await;
    let order = srv.order("a", "scheduled", "tech1").await;
    let (s, v) = srv
        .as_(
            "a.desk",
            "POST",
            "/api/v1/complaints",
            Some(
                json!({"channel": "hotline", "complainant": "陳太太", "by_customer_or_agent": true,
                "unit": "C棟-2F-6", "subject": "收費不符", "material_complete": true}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let complaint = v["complaint"]["id"].as_str().unwrap().to_owned();
    let plan = |p: i64| json!({"order": order, "method": "phone", "planned_at": p, "content": "維修滿意度"});
    // October: one made (not in November's file).
    let october = created(&srv, "/api/v1/callbacks", plan(at(2026, 10, 20))).await;
    srv.clock.set(at(2026, 10, 21));
    record(&srv, &october, json!({"reached": true, "satisfaction": 5})).await;
    // November: the order's (not reached, tried again on site) and the complaint's.
    let first = created(&srv, "/api/v1/callbacks", plan(at(2026, 11, 9))).await;
    srv.clock.set(at(2026, 11, 10));
    record(
        &srv,
        &first,
        json!({"reached": false, "fallback_method": "on_site"}),
    )
    .await;
    let about = created(
        &srv,
        &format!("/api/v1/complaints/{complaint}/callbacks"),
        json!({"method": "phone", "planned_at": at(2026, 11, 11)}),
    )
    .await;
    srv.clock.set(at(2026, 11, 12));
    record(
        &srv,
        &about,
        json!({"reached": true, "satisfaction": 3, "problems": "退款未到"}),
    )
    .await;
    // A planned call (the on-site fallback) is not a record yet.
    let (s, rows) = srv
        .as_(
            "a.supervisor",
            "GET",
            "/api/v1/callbacks/records?month=2026-11",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{rows}");
    let rows = rows.as_array().unwrap();
    let got: Vec<(&str, &str, bool, Option<u64>)> = rows
        .iter()
        .map(|r| {
            (
                r["about"].as_str().unwrap(),
                r["unit"].as_str().unwrap(),
                r["reached"].as_bool().unwrap(),
                r["satisfaction"].as_u64(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("order", "A棟-12F-3", false, None),
            ("complaint", "C棟-2F-6", true, Some(3))
        ]
    );
    assert_eq!(rows[0]["fallback_method"], "on_site");
    assert_eq!(rows[1]["customer"], "陳太太");
    assert_eq!(rows[1]["problems"], "退款未到");
    assert_eq!(
        rows[1]["recorded_by"],
        srv.who("a.supervisor").person.name.as_str()
    );
    // Exported, in Chinese and English.
    let get = |q: &str| {
        srv.http
            .get(srv.url(&format!("/api/v1/callbacks/records?month=2026-11{q}")))
            .bearer_auth(&srv.who("a.supervisor").token)
            .send()
    };
    let csv = get("&format=csv").await.unwrap().text().await.unwrap();
    assert!(csv.contains("回訪人"), "{csv}");
    assert!(
        csv.contains("退款未到") && csv.contains("2026-11-12 10:00"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 3, "a heading and two records: {csv}");
    let csv = get("&format=csv&lang=en")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("Tried next"), "{csv}");
    let xlsx = get("&format=xlsx").await.unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    // Another office files none of these; a technician files none at all.
    let (_, theirs) = srv
        .as_(
            "b.supervisor",
            "GET",
            "/api/v1/callbacks/records?month=2026-11",
            None,
        )
        .await;
    assert_eq!(theirs.as_array().unwrap().len(), 0);
    let (s, _) = srv
        .as_(
            "a.tech1",
            "GET",
            "/api/v1/callbacks/records?month=2026-11",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = srv
        .as_(
            "a.supervisor",
            "GET",
            "/api/v1/callbacks/records?month=2026-13",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}
