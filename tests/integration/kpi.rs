//! R-CS-KPI: each person's KPIs for November, worked out by hand — the contacts they
//! took, the QA score of their work, the satisfaction of the call-backs they made, their
//! complaint steps on time — and the score under the office's weights.

use baoxiu_sync_core::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::server_support::*;

/// 10:00 local (UTC+8) on that day of November 2026, in UTC millis.
fn nov(d: u32) -> i64 {
    chrono::NaiveDate::from_ymd_opt(2026, 11, d)
        .unwrap()
        .and_hms_opt(2, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis()
}

async fn ok(srv: &TestServer, who: &str, method: &str, path: &str, body: Value) -> Value {
    let (s, v) = srv.as_(who, method, path, Some(body)).await;
    assert!(s.is_success(), "{path}: {s} {v}");
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_cs_kpi_each_person_s_indicators_and_score_for_a_month() {
    let srv = TestServer::start().await;
    let qa = srv.add_person("a", "高志偉", Role::QaInspector).await;
    let idle = srv.add_person("a", "新客服", Role::CsAgent).await;
    srv.clock.set(nov(9));
    let order = srv.order("a", "scheduled", "tech1").await;
    // The desk takes two calls.
    let mut contacts = Vec::new();
    for summary in ["停車費", "電費"] {
        let v = ok(&srv, "a.desk", "POST", "/api/v1/contacts", json!({"kind": "enquiry", "channel": "hotline", "caller": "王", "unit": "Z棟-1", "phone": "0912-000-111", "summary": summary})).await;
        contacts.push(v["id"].as_str().unwrap().to_owned());
    }
    // The supervisor makes two call-backs: scored 5 (satisfied) and 3 (not, under 4).
    for score in [5, 3] {
        let v = ok(
            &srv,
            "a.supervisor",
            "POST",
            "/api/v1/callbacks",
            json!({"order": order, "method": "phone", "planned_at": nov(9), "content": "滿意度"}),
        )
        .await;
        let id = v["id"].as_str().unwrap();
        ok(
            &srv,
            "a.supervisor",
            "POST",
            &format!("/api/v1/callbacks/{id}/result"),
            json!({"reached": true, "satisfaction": score}),
        )
        .await;
    }
    // A complaint the desk receives on 2 Nov, the supervisor accepts on the 3rd: on time.
    let v = ok(&srv, "a.desk", "POST", "/api/v1/complaints", json!({
        "channel": "hotline", "complainant": "陳太太", "by_customer_or_agent": true,
        "unit": "C棟-2F-6", "subject": "收費不符", "material_complete": true, "received_at": nov(2)
    }))
    .await;
    let complaint = v["complaint"]["id"].as_str().unwrap().to_owned();
    ok(
        &srv,
        "a.supervisor",
        "POST",
        &format!("/api/v1/complaints/{complaint}/actions"),
        json!({"action": "answer", "decision": "accept", "day": "2026-11-03"}),
    )
    .await;
    // QA: one of the desk's calls full marks, the other 資訊準確 0 of 25 (75 of 100).
    srv.clock.set(nov(10));
    let scheme = ok(
        &srv,
        "a.supervisor",
        "GET",
        "/api/v1/qa/scheme",
        Value::Null,
    )
    .await;
    for (id, docked) in [(&contacts[0], false), (&contacts[1], true)] {
        let scores: Vec<Value> = scheme["criteria"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let points = if docked && c["name"] == "資訊準確" {
                    0
                } else {
                    c["max_points"].as_u64().unwrap()
                };
                json!({"criterion": c["name"], "points": points})
            })
            .collect();
        let body = json!({"subject": "contact", "subject_id": id, "scores": scores, "comment": "報價錯誤"});
        let (s, v) = srv
            .call(
                "POST",
                "/api/v1/qa/inspections",
                Some(&qa.token),
                Some(body),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }

    let (s, r) = srv
        .as_("a.supervisor", "GET", "/api/v1/kpi?from=2026-11", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        r["weights"],
        json!({"quality": 40, "satisfaction": 30, "complaints": 30})
    );
    let line = |r: &Value, name: &str| {
        r["people"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let rate = |v: &Value| {
        (
            v["numerator"].as_u64().unwrap(),
            v["denominator"].as_u64().unwrap(),
        )
    };
    // The desk: 2 contacts; QA 175 of 200; nothing else measured, so the score is the
    // QA score alone: 87.50 %.
    let desk = line(&r, "a-desk");
    assert_eq!(desk["contacts"], 2);
    assert_eq!(rate(&desk["quality"]), (175, 200));
    assert_eq!(rate(&desk["satisfaction"]), (0, 0));
    assert_eq!(rate(&desk["complaints"]), (0, 0));
    assert_eq!(desk["score_basis_points"], 8750);
    // The supervisor: satisfaction 1 of 2, complaint steps 1 of 1, no QA: (30·½ + 30·1)/60.
    let sup = line(&r, "a-supervisor");
    assert_eq!(rate(&sup["satisfaction"]), (1, 2));
    assert_eq!(rate(&sup["complaints"]), (1, 1));
    assert_eq!(rate(&sup["quality"]), (0, 0));
    assert_eq!(sup["score_basis_points"], 7500);
    // An agent with nothing in the month is listed, with no score; nobody else unmeasured.
    let new = line(&r, "新客服");
    assert_eq!(new["contacts"], 0);
    assert_eq!(new["score_basis_points"], Value::Null);
    assert_eq!(line(&r, "a-finance"), Value::Null);
    // October measured nothing of anyone.
    let (_, oct) = srv
        .as_("a.supervisor", "GET", "/api/v1/kpi?from=2026-10", None)
        .await;
    assert_eq!(line(&oct, "a-desk"), Value::Null);

    // The office's scheme: complaints weighed 0, the supervisor's score is satisfaction's.
    let mut settings = ok(&srv, "a.supervisor", "GET", "/api/v1/settings", Value::Null).await;
    settings["kpi_weight_complaints"] = json!(0);
    ok(&srv, "a.supervisor", "PUT", "/api/v1/settings", settings).await;
    let (_, r) = srv
        .as_("a.supervisor", "GET", "/api/v1/kpi?from=2026-11", None)
        .await;
    assert_eq!(line(&r, "a-supervisor")["score_basis_points"], 5000);
    assert_eq!(line(&r, "a-desk")["score_basis_points"], 8750);

    // An agent reads their own line only; the dispatcher and the QA inspector none.
    let (s, mine) = srv
        .call("GET", "/api/v1/kpi?from=2026-11", Some(&idle.token), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(mine["people"].as_array().unwrap().len(), 1);
    assert_eq!(mine["people"][0]["name"], "新客服");
    let (s, _) = srv
        .as_("a.dispatcher", "GET", "/api/v1/kpi?from=2026-11", None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = srv
        .call("GET", "/api/v1/kpi?from=2026-11", Some(&qa.token), None)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // As CSV for the appraisal file.
    let (s, csv) = srv
        .as_(
            "a.supervisor",
            "GET",
            "/api/v1/kpi?from=2026-11&format=csv&lang=en",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        csv.as_str().unwrap().contains("a-desk,2,87.50%,—,—,87.50"),
        "{csv}"
    );
}
