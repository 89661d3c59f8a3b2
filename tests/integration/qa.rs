//! R-CS-QA: the QA inspector scores the month's contacts and call-backs against the
//! office's scheme (kept by the centre's manager) and the periodic QA report sums them —
//! worked out by hand below; head office reads it beside the other office's.

use baoxiu_sync_core::Role;
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

async fn post(srv: &TestServer, who: &str, path: &str, body: Value) -> String {
    let (s, v) = srv.as_(who, "POST", path, Some(body)).await;
    assert!(s.is_success(), "{path}: {s} {v}");
    v["id"].as_str().unwrap().to_owned()
}

fn contact(kind: &str, summary: &str) -> Value {
    json!({"kind": kind, "channel": "hotline", "caller": "王", "unit": "Z棟-1", "phone": "0912-000-111", "summary": summary})
}

fn scores(a: u16, b: u16) -> Value {
    json!([{"criterion": "服務規範", "points": a}, {"criterion": "資訊準確", "points": b}])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_cs_qa_contacts_and_call_backs_are_inspected_against_the_scheme_and_reported() {
    let srv = TestServer::start().await;
    let qa = srv.add_person("a", "高志偉", Role::QaInspector).await;
    let manager = srv.add_person("a", "蘇雅琪", Role::CsManager).await;
    let hq = srv.add_person("b", "劉振宇", Role::HeadOffice).await;
    let call = |who: &Login, method: &'static str, path: String, body: Option<Value>| {
        let token = who.token.clone();
        let srv = &srv;
        async move { srv.call(method, &path, Some(&token), body).await }
    };
    srv.clock.set(at(2026, 11, 9));
    let order = srv.order("a", "scheduled", "tech1").await;
    let c1 = post(
        &srv,
        "a.desk",
        "/api/v1/contacts",
        contact("enquiry", "停車費"),
    )
    .await;
    let c2 = post(
        &srv,
        "a.desk",
        "/api/v1/contacts",
        contact("suggestion", "大廳座椅"),
    )
    .await;
    let w = post(
        &srv,
        "a.desk",
        "/api/v1/contacts",
        json!({"kind": "whistleblowing", "channel": "hotline", "summary": "保全收錢"}),
    )
    .await;
    let own = post(
        &srv,
        "a.admin",
        "/api/v1/contacts",
        contact("enquiry", "電費"),
    )
    .await;
    let plan = |p: i64| json!({"order": order, "method": "phone", "planned_at": p, "content": "維修滿意度"});
    let made = post(
        &srv,
        "a.supervisor",
        "/api/v1/callbacks",
        plan(at(2026, 11, 9)),
    )
    .await;
    let planned = post(
        &srv,
        "a.supervisor",
        "/api/v1/callbacks",
        plan(at(2026, 11, 20)),
    )
    .await;
    srv.clock.set(at(2026, 11, 10));
    let (s, v) = srv
        .as_(
            "a.supervisor",
            "POST",
            &format!("/api/v1/callbacks/{made}/result"),
            Some(json!({"reached": true, "satisfaction": 4})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // The scheme: the documented default until the manager sets the office's own.
    let (s, d) = call(&qa, "GET", "/api/v1/qa/scheme".into(), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(d["pass_percent"], 80);
    assert_eq!(d["criteria"].as_array().unwrap().len(), 6);
    let two = json!({"criteria": [{"name": "服務規範", "max_points": 40}, {"name": "資訊準確", "max_points": 60}], "pass_percent": 75});
    let twice = json!({"criteria": [{"name": "服務規範", "max_points": 40}, {"name": "服務規範", "max_points": 60}], "pass_percent": 75});
    for (who, body, want) in [
        (&qa, two.clone(), StatusCode::FORBIDDEN),
        (&manager, twice, StatusCode::CONFLICT),
        (&manager, two, StatusCode::OK),
    ] {
        let (s, v) = call(who, "PUT", "/api/v1/qa/scheme".into(), Some(body)).await;
        assert_eq!(s, want, "{v}");
    }

    // The month's work to inspect: the contacts and the call-back made, not the planned
    // one, nor whistle-blowing (the manager's alone).
    let (s, q) = call(&qa, "GET", "/api/v1/qa/queue?month=2026-11".into(), None).await;
    assert_eq!(s, StatusCode::OK, "{q}");
    let mut ids: Vec<&str> = q
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    let mut want = vec![c1.as_str(), c2.as_str(), own.as_str(), made.as_str()];
    want.sort_unstable();
    assert_eq!(ids, want);
    let cb = q
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == made)
        .unwrap();
    assert_eq!(cb["agent"], srv.who("a.supervisor").person.id.to_string());

    srv.clock.set(at(2026, 11, 12));
    let admin = srv.who("a.admin").clone();
    // (who, subject, id, scores, comment, status, points and passed when made)
    let cases = [
        (
            &qa,
            "contact",
            c1.clone(),
            scores(40, 60),
            "",
            StatusCode::CREATED,
            Some((100, true)),
        ),
        (
            &qa,
            "contact",
            c1.clone(),
            scores(40, 60),
            "",
            StatusCode::CONFLICT,
            None,
        ),
        (
            &qa,
            "contact",
            c2.clone(),
            scores(30, 30),
            "未複述，費用答錯",
            StatusCode::CREATED,
            Some((60, false)),
        ),
        (
            &qa,
            "callback",
            made.clone(),
            scores(40, 20),
            "",
            StatusCode::CONFLICT,
            None,
        ),
        (
            &qa,
            "callback",
            made.clone(),
            scores(41, 60),
            "x",
            StatusCode::CONFLICT,
            None,
        ),
        (
            &qa,
            "callback",
            made.clone(),
            json!([{"criterion": "服務規範", "points": 40}]),
            "x",
            StatusCode::CONFLICT,
            None,
        ),
        (
            &qa,
            "callback",
            made.clone(),
            scores(40, 20),
            "收費標準未告知",
            StatusCode::CREATED,
            Some((60, false)),
        ),
        (
            &qa,
            "callback",
            planned.clone(),
            scores(40, 60),
            "",
            StatusCode::CONFLICT,
            None,
        ),
        (
            &qa,
            "contact",
            w.clone(),
            scores(40, 60),
            "",
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            &qa,
            "contact",
            "nope".into(),
            scores(40, 60),
            "",
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            &manager,
            "contact",
            own.clone(),
            scores(40, 60),
            "",
            StatusCode::FORBIDDEN,
            None,
        ),
        // The admin took that call: nobody inspects their own work.
        (
            &admin,
            "contact",
            own.clone(),
            scores(40, 60),
            "",
            StatusCode::CONFLICT,
            None,
        ),
    ];
    for (i, (who, subject, id, sc, comment, want, made_as)) in cases.into_iter().enumerate() {
        let body = json!({"subject": subject, "subject_id": id, "scores": sc, "comment": comment});
        let (s, v) = call(who, "POST", "/api/v1/qa/inspections".into(), Some(body)).await;
        assert_eq!(s, want, "case {i}: {v}");
        if let Some((points, passed)) = made_as {
            assert_eq!(
                (v["points"].as_u64(), v["passed"].as_bool()),
                (Some(points), Some(passed)),
                "case {i}"
            );
            assert_eq!(v["max_points"], 100);
        } else if s == StatusCode::CONFLICT {
            assert!(
                v["error"]["message"].as_str().unwrap().contains("R-CS-QA"),
                "case {i}: {v}"
            );
        }
    }

    // The report, by hand: three inspections, one passed; 220 of 300 points; 服務規範
    // 40 + 30 + 40 of 120, 資訊準確 60 + 30 + 20 of 180; the desk 160 of 200 (1 of 2
    // passed), the supervisor 60 of 100 (0 of 1); the two failed listed, newest first.
    let (s, r) = call(
        &manager,
        "GET",
        "/api/v1/qa/report?from=2026-11".into(),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let rate = |v: &Value| {
        (
            v["numerator"].as_u64().unwrap(),
            v["denominator"].as_u64().unwrap(),
        )
    };
    assert_eq!(r["inspections"], 3);
    assert_eq!(rate(&r["passed"]), (1, 3));
    assert_eq!(rate(&r["score"]), (220, 300));
    assert_eq!(r["by_subject"], json!({"contact": 2, "callback": 1}));
    assert_eq!(r["by_criterion"][0]["key"], "服務規範");
    assert_eq!(rate(&r["by_criterion"][0]["score"]), (110, 120));
    assert_eq!(rate(&r["by_criterion"][1]["score"]), (110, 180));
    let person = |name: &str| {
        r["by_person"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(rate(&person("a-desk")["score"]), (160, 200));
    assert_eq!(rate(&person("a-desk")["passed"]), (1, 2));
    assert_eq!(rate(&person("a-supervisor")["score"]), (60, 100));
    assert_eq!(r["failed"].as_array().unwrap().len(), 2);
    assert_eq!(r["trend"][0]["key"], "2026-11");
    // October had none.
    let (_, oct) = call(&qa, "GET", "/api/v1/qa/report?from=2026-10".into(), None).await;
    assert_eq!(oct["inspections"], 0);
    // The people inspected as CSV.
    let (s, csv) = call(
        &qa,
        "GET",
        "/api/v1/qa/report?from=2026-11&format=csv&lang=en".into(),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        csv.as_str().unwrap().contains("a-desk,2,50.00%,80.00%"),
        "{csv}"
    );

    // A scheme changed later rewrites nothing inspected under the old one.
    let (s, _) = call(
        &manager,
        "PUT",
        "/api/v1/qa/scheme".into(),
        Some(json!({"criteria": [{"name": "整體", "max_points": 10}], "pass_percent": 50})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (_, again) = call(
        &manager,
        "GET",
        "/api/v1/qa/report?from=2026-11".into(),
        None,
    )
    .await;
    assert_eq!(again["score"], r["score"]);
    assert_eq!(again["by_criterion"], r["by_criterion"]);
    let (_, q) = call(&qa, "GET", "/api/v1/qa/queue?month=2026-11".into(), None).await;
    let c1_row = q
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == c1)
        .unwrap();
    assert_eq!(c1_row["inspection"]["scores"][1]["max_points"], 60);

    // R-CS-HQ: head office reads each office's QA side by side, and one office's report.
    let (s, side) = call(
        &hq,
        "GET",
        "/api/v1/hq/qa?from=2026-11&months=1".into(),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{side}");
    let a = srv.who("a.desk").person.office.to_string();
    let row = |o: &str| {
        side.as_array()
            .unwrap()
            .iter()
            .find(|r| r["office"]["id"] == o)
            .cloned()
            .unwrap()
    };
    assert_eq!(row(&a)["inspections"], 3);
    assert_eq!(rate(&row(&a)["passed"]), (1, 3));
    let b = srv.who("b.desk").person.office.to_string();
    assert_eq!(row(&b)["inspections"], 0);
    let (s, drill) = call(
        &hq,
        "GET",
        format!("/api/v1/hq/offices/{a}/qa/report?from=2026-11"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(drill["score"], r["score"]);
    // And no one else reads the report: the desk and the agents' side are refused.
    for who in ["a.desk", "a.dispatcher", "a.finance"] {
        let (s, _) = srv
            .as_(who, "GET", "/api/v1/qa/report?from=2026-11", None)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{who}");
    }
}
