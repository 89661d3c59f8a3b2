//! How complaints end (R-CPL-DECIDE's two deadlines and remedies, R-CPL-REFERRAL's written
//! report), on the mainland calendar across National Day 2026: Oct 1–7 off, Sat Oct 10 a
//! make-up working day.

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

fn body(complainant: &str, received: i64) -> Value {
    json!({
        "channel": "letter", "complainant": complainant, "contact": "0912", "by_customer_or_agent": true,
        "unit": "A棟-12F-3", "subject": "維修後仍漏水", "category": "repair", "material_complete": true,
        "received_at": received
    })
}

async fn file(srv: &TestServer, b: Value) -> String {
    let (s, v) = srv
        .as_("a.desk", "POST", "/api/v1/complaints", Some(b))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["complaint"]["id"].as_str().unwrap().to_owned()
}

async fn act(srv: &TestServer, who: &str, id: &str, b: Value) -> (StatusCode, Value) {
    srv.as_(
        who,
        "POST",
        &format!("/api/v1/complaints/{id}/actions"),
        Some(b),
    )
    .await
}

async fn ok(srv: &TestServer, who: &str, id: &str, b: Value) -> Value {
    let (s, v) = act(srv, who, id, b).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

async fn mainland(srv: &TestServer, extra: Value) {
    let mut b = json!({"kind": "cn"});
    b.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let (s, v) = srv
        .as_("a.supervisor", "PUT", "/api/v1/calendar", Some(b))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

/// Accepted and decided on Mon Sep 28.
async fn decided(srv: &TestServer, complainant: &str) -> (String, Value) {
    let c = file(srv, body(complainant, at(2026, 9, 28))).await;
    ok(
        srv,
        "a.supervisor",
        &c,
        json!({"action": "answer", "decision": "accept", "day": "2026-09-28"}),
    )
    .await;
    let v = ok(srv, "a.supervisor", &c, json!({"action": "decide", "outcome": "upheld", "text": "重新維修", "day": "2026-09-28", "remedies": [{"kind": "repair", "note": "更換墊片"}]})).await;
    (c, v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_cpl_decide_two_deadlines_across_a_holiday() {
    let srv = TestServer::start().await;
    mainland(&srv, json!({})).await;
    // Default: tell within 5 working days of the decision. From Mon Sep 28: Sep 29, 30,
    // (Oct 1–7 off) Oct 8, 9, Sat Oct 10 (make-up).
    let (late, v) = decided(&srv, "王小明").await;
    assert_eq!(v["complaint"]["decision_due"], "2026-10-23");
    assert_eq!(v["complaint"]["tell_due"], "2026-10-10");
    assert_eq!(v["next_deadline"]["kind"], "tell");
    assert_eq!(v["next_deadline"]["rule"], "R-CPL-DECIDE");
    assert_eq!(v["next_deadline"]["due"], "2026-10-10");
    // On Fri Oct 9 the telling is due the next working day: at risk, and listed so.
    srv.set_today("2026-10-09");
    let (_, list) = srv
        .as_(
            "a.supervisor",
            "GET",
            "/api/v1/complaints?at_risk=true",
            None,
        )
        .await;
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["complaint"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [late.as_str()]);
    // The office's own period: 3 working days (Sep 29, 30, Oct 8).
    mainland(&srv, json!({"tell_days": 3})).await;
    let (_, cal) = srv
        .as_("a.supervisor", "GET", "/api/v1/calendar", None)
        .await;
    assert_eq!(cal["tell_days"], 3);
    let (kept, v) = decided(&srv, "李小姐").await;
    assert_eq!(v["complaint"]["tell_due"], "2026-10-08");
    // Told before the decision: refused; on time, and late.
    let (s, v) = act(
        &srv,
        "a.supervisor",
        &kept,
        json!({"action": "told", "day": "2026-09-27"}),
    )
    .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "R-CPL-DECIDE")
    );
    ok(
        &srv,
        "a.supervisor",
        &kept,
        json!({"action": "told", "day": "2026-10-08"}),
    )
    .await;
    ok(
        &srv,
        "a.supervisor",
        &late,
        json!({"action": "told", "day": "2026-10-12"}),
    )
    .await;
    // Both deadlines in the report: both decisions on time, one telling of two.
    srv.set_today("2026-10-20");
    let (s, r) = srv
        .as_("a.supervisor", "GET", "/api/v1/quality?month=2026-09", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let by = |k: &str| {
        let x = &r["on_time_by_deadline"][k];
        (x["numerator"].as_u64(), x["denominator"].as_u64())
    };
    assert_eq!(by("acceptance"), (Some(2), Some(2)));
    assert_eq!(by("decision"), (Some(2), Some(2)));
    assert_eq!(by("tell"), (Some(1), Some(2)));
    assert_eq!(
        (
            r["on_time_handling"]["numerator"].as_u64(),
            r["on_time_handling"]["denominator"].as_u64()
        ),
        (Some(5), Some(6))
    );
    // Out of range periods are refused.
    let (s, _) = srv
        .as_(
            "a.supervisor",
            "PUT",
            "/api/v1/calendar",
            Some(json!({"tell_days": 0})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_cpl_decide_remedies_name_the_redo_order() {
    let srv = TestServer::start().await;
    let c = file(&srv, body("王小明", at(2026, 11, 2))).await;
    ok(
        &srv,
        "a.supervisor",
        &c,
        json!({"action": "answer", "decision": "accept", "day": "2026-11-03"}),
    )
    .await;
    let decide = |outcome: &str, remedies: Value| json!({"action": "decide", "outcome": outcome, "text": "調查屬實", "day": "2026-11-10", "remedies": remedies});
    for (outcome, remedies) in [
        ("upheld", json!([])),
        ("upheld", json!([{"kind": "redo"}])),
        (
            "not_upheld",
            json!([{"kind": "compensation", "amount": 5000}]),
        ),
        ("upheld", json!([{"kind": "compensation"}])),
        ("upheld", json!([{"kind": "refund"}])),
    ] {
        let (s, v) = act(&srv, "a.supervisor", &c, decide(outcome, remedies.clone())).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{remedies}: {v}");
    }
    // The redo order must be the office's: another office's is not found.
    let theirs = srv.order("b", "logged", "tech1").await;
    let (s, _) = act(
        &srv,
        "a.supervisor",
        &c,
        decide("upheld", json!([{"kind": "redo", "order": theirs}])),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let redo = srv.order("a", "logged", "tech1").await;
    let v = ok(
        &srv,
        "a.supervisor",
        &c,
        decide(
            "upheld",
            json!([{"kind": "redo", "order": redo}, {"kind": "compensation", "amount": 20000, "note": "地板受損"}]),
        ),
    )
    .await;
    let r = &v["complaint"]["remedies"];
    assert_eq!(r[0]["kind"], "redo");
    assert_eq!(r[0]["order"], json!(redo));
    assert_eq!(r[1]["amount"], 20000);
    assert_eq!(
        v["complaint"]["history"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()["note"],
        "upheld: redo, compensation"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_cpl_referral_with_its_written_report() {
    let srv = TestServer::start().await;
    mainland(&srv, json!({})).await;
    let c = file(&srv, body("陳太太", at(2026, 11, 2))).await;
    let referral = json!({"body": "市消費者委員會", "reference": "消委2026-118", "reply_due": "2026-11-20", "form": "written_report"});
    // Only a referred complaint has a written report.
    let (s, v) = srv
        .as_(
            "a.supervisor",
            "GET",
            &format!("/api/v1/complaints/{c}/report"),
            None,
        )
        .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "R-CPL-REFERRAL"));
    // A reply due before the complaint arrived is refused; the front desk records it.
    let mut early = referral.clone();
    early["reply_due"] = json!("2026-11-01");
    let (s, v) = act(
        &srv,
        "a.desk",
        &c,
        json!({"action": "refer", "referral": early}),
    )
    .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "R-CPL-REFERRAL")
    );
    let v = ok(
        &srv,
        "a.desk",
        &c,
        json!({"action": "refer", "referral": referral, "day": "2026-11-02"}),
    )
    .await;
    assert_eq!(v["complaint"]["referral"]["body"], "市消費者委員會");
    assert_eq!(v["referral_deadline"]["due"], "2026-11-20");
    assert_eq!(v["referral_deadline"]["rule"], "R-CPL-REFERRAL");
    let (s, _) = act(
        &srv,
        "a.desk",
        &c,
        json!({"action": "refer", "referral": referral}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    // The report answers the referral: not before a decision.
    let (s, v) = act(&srv, "a.supervisor", &c, json!({"action": "report_sent"})).await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "R-CPL-REFERRAL"));
    // Due Fri Nov 20: overdue on the 23rd.
    srv.set_today("2026-11-23");
    let (_, v) = srv
        .as_(
            "a.supervisor",
            "GET",
            &format!("/api/v1/complaints/{c}"),
            None,
        )
        .await;
    assert_eq!(v["referral_deadline"]["overdue"], true);
    ok(
        &srv,
        "a.supervisor",
        &c,
        json!({"action": "answer", "decision": "accept", "day": "2026-11-04"}),
    )
    .await;
    ok(&srv, "a.supervisor", &c, json!({"action": "decide", "outcome": "partly_upheld", "text": "部分屬實", "day": "2026-11-16", "remedies": [{"kind": "apology"}, {"kind": "compensation", "amount": 30000}]})).await;
    let res = srv
        .http
        .get(srv.url(&format!("/api/v1/complaints/{c}/report")))
        .bearer_auth(&srv.who("a.supervisor").token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = res.text().await.unwrap();
    for want in [
        "投訴處理書面報告",
        "市消費者委員會",
        "消委2026-118",
        "2026-11-20",
        "written_report",
        "partly_upheld",
        "部分屬實",
        "compensation 300.00",
    ] {
        assert!(html.contains(want), "{want} in {html}");
    }
    let v = ok(
        &srv,
        "a.supervisor",
        &c,
        json!({"action": "report_sent", "day": "2026-11-18", "note": "掛號 RR123"}),
    )
    .await;
    let sent = &v["complaint"]["referral"]["sent"];
    assert_eq!(
        (sent["day"].as_str(), sent["note"].as_str()),
        (Some("2026-11-18"), Some("掛號 RR123"))
    );
    assert!(v["referral_deadline"].is_null());
    let (s, _) = act(&srv, "a.supervisor", &c, json!({"action": "report_sent"})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    // The report in English; technicians see no complaint, and another office none of a's.
    let res = srv
        .http
        .get(srv.url(&format!("/api/v1/complaints/{c}/report?lang=en")))
        .bearer_auth(&srv.who("a.supervisor").token)
        .send()
        .await
        .unwrap();
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Complaint handling report")
    );
    for who in ["a.tech1", "b.supervisor"] {
        let (s, _) = srv
            .as_(who, "GET", &format!("/api/v1/complaints/{c}/report"), None)
            .await;
        assert!(
            s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND,
            "{who}: {s}"
        );
    }
    // Sent on time: the referral's deadline kept in the month's report.
    let (_, r) = srv
        .as_("a.supervisor", "GET", "/api/v1/quality?month=2026-11", None)
        .await;
    assert_eq!(r["on_time_by_deadline"]["referral_reply"]["numerator"], 1);
    assert_eq!(r["on_time_by_deadline"]["referral_reply"]["denominator"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_office_has_complaints_in_every_state_the_centre_works_with() {
    use baoxiu_server::store::ComplaintStore;
    let (_dir, store, _state, _logins) = crate::hardening::demo_store().await;
    let all = store
        .complaints(baoxiu_server::devtools::demo::DEMO_OFFICE)
        .await
        .unwrap();
    let mut statuses: Vec<&str> = all.iter().map(|x| x.status.as_str()).collect();
    statuses.sort_unstable();
    statuses.dedup();
    assert_eq!(
        statuses,
        [
            "accepted",
            "awaiting_acceptance",
            "closed",
            "decided",
            "incomplete"
        ]
    );
    let referred: Vec<bool> = all
        .iter()
        .filter_map(|x| x.referral.as_ref().map(|r| r.sent.is_some()))
        .collect();
    assert!(
        referred.contains(&true) && referred.contains(&false),
        "{referred:?}"
    );
    assert!(
        all.iter()
            .flat_map(|x| &x.remedies)
            .any(|r| r.order.is_some()),
        "a redo names its order"
    );
    let evaluated: Vec<_> = all.iter().filter_map(|x| x.evaluation.as_ref()).collect();
    assert_eq!(evaluated.len(), 2);
    let scored = evaluated.iter().find_map(|e| e.satisfaction);
    assert_eq!(scored, Some(4), "one read its complaint call-back's score");
    use baoxiu_server::store::MonthStore;
    let about_complaints = store
        .callbacks(
            baoxiu_server::devtools::demo::DEMO_OFFICE,
            Default::default(),
        )
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.complaint.is_some())
        .count();
    assert_eq!(about_complaints, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_visit_content_a_complaint_call_back_feeds_r_cpl_eval() {
    let srv = TestServer::start().await;
    let c = file(&srv, body("吳小姐", at(2026, 11, 2))).await;
    let plan = json!({"method": "phone", "planned_at": at(2026, 11, 13)});
    let path = format!("/api/v1/complaints/{c}/callbacks");
    // Planned against the complaint: of this office, by a role that makes call-backs.
    for (who, want) in [
        ("a.tech1", StatusCode::FORBIDDEN),
        ("b.supervisor", StatusCode::NOT_FOUND),
    ] {
        let (s, _) = srv.as_(who, "POST", &path, Some(plan.clone())).await;
        assert_eq!(s, want, "{who}");
    }
    let (s, _) = srv
        .as_(
            "a.supervisor",
            "POST",
            "/api/v1/complaints/nope/callbacks",
            Some(plan.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, cb) = srv.as_("a.supervisor", "POST", &path, Some(plan)).await;
    assert_eq!(s, StatusCode::CREATED, "{cb}");
    assert_eq!(
        (cb["complaint"].as_str(), cb["order"].is_null()),
        (Some(c.as_str()), true)
    );
    assert!(cb["content"].as_str().unwrap().contains("維修後仍漏水"));
    let cb_id = cb["id"].as_str().unwrap().to_owned();
    // Handled: accepted, decided, told (late: due Nov 17, told Nov 19).
    ok(
        &srv,
        "a.supervisor",
        &c,
        json!({"action": "answer", "decision": "accept", "day": "2026-11-03"}),
    )
    .await;
    ok(&srv, "a.supervisor", &c, json!({"action": "decide", "outcome": "upheld", "text": "成立", "day": "2026-11-10", "remedies": [{"kind": "repair"}]})).await;
    ok(
        &srv,
        "a.supervisor",
        &c,
        json!({"action": "told", "day": "2026-11-19"}),
    )
    .await;
    // The call: a complaint's call-back asks about the handling, not whether a repair held.
    let result = format!("/api/v1/callbacks/{cb_id}/result");
    let (s, _) = srv
        .as_(
            "a.supervisor",
            "POST",
            &result,
            Some(json!({"reached": true, "repair_held": "pass", "satisfaction": 4})),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "the call-back's kind has no repair to hold"
    );
    let dispatcher = srv.who("a.dispatcher").person.id;
    let (s, rec) = srv
        .as_(
            "a.supervisor",
            "POST",
            &result,
            Some(json!({"reached": true, "satisfaction": 2, "problems": "告知太慢，沒人回電", "task_owner": dispatcher})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{rec}");
    // R-VISIT-OWNER: the problem is a task about the complaint, on its owner's list.
    let task = &rec["task"];
    assert_eq!(
        (task["complaint"].as_str(), task["unit"].as_str()),
        (Some(c.as_str()), Some("A棟-12F-3"))
    );
    let (_, mine) = srv.as_("a.dispatcher", "GET", "/api/v1/tasks", None).await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    let (s, closed) = srv
        .as_(
            "a.dispatcher",
            "POST",
            &format!("/api/v1/tasks/{}/close", task["id"].as_str().unwrap()),
            Some(json!({"outcome": "已向住戶致電說明"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{closed}");
    let (_, listed) = srv
        .as_(
            "a.supervisor",
            "GET",
            &format!("/api/v1/callbacks?complaint={c}"),
            None,
        )
        .await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    // R-CPL-EVAL: a poor rating holds someone to account; satisfaction comes from the call.
    let evaluate = |e: Value| json!({"action": "evaluate", "day": "2026-11-25", "evaluation": e});
    let (s, v) = act(
        &srv,
        "a.supervisor",
        &c,
        evaluate(json!({"rating": "poor"})),
    )
    .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "R-CPL-EVAL")
    );
    let (s, _) = act(&srv, "a.desk", &c, evaluate(json!({"rating": "good"}))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let tech = srv.who("a.tech1").person.id;
    let v = ok(
        &srv,
        "a.supervisor",
        &c,
        evaluate(json!({"rating": "poor", "accountability": [{"person": tech, "what": "告知逾期兩日，扣減當月績效"}], "note": "再培訓"})),
    )
    .await;
    let e = &v["complaint"]["evaluation"];
    assert_eq!(e["satisfaction"], 2);
    assert_eq!(
        (
            e["deadlines_kept"].as_u64(),
            e["deadlines"].as_u64(),
            e["on_time"].as_bool()
        ),
        (Some(2), Some(3), Some(false))
    );
    assert_eq!(e["outcome"], "upheld");
    let (s, _) = act(
        &srv,
        "a.supervisor",
        &c,
        evaluate(json!({"rating": "good"})),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    // In the month's report.
    srv.set_today("2026-11-30");
    let (_, r) = srv
        .as_("a.supervisor", "GET", "/api/v1/quality?month=2026-11", None)
        .await;
    assert_eq!(r["evaluated"], 1);
    assert_eq!(r["evaluations_by_rating"], json!({"poor": 1}));
    assert_eq!(r["held_to_account"], 1);
    assert_eq!(r["complainant_satisfaction_hundredths"], 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_cpl_report_the_analysis_across_months_against_hand_computed_figures() {
    let srv = TestServer::start().await;
    mainland(&srv, json!({})).await;
    let with = |who: &str, channel: &str, category: &str, y, m, d, complete: bool| {
        let mut b = body(who, at(y, m, d));
        b["channel"] = json!(channel);
        b["category"] = json!(category);
        b["material_complete"] = json!(complete);
        b
    };
    let sup = "a.supervisor";
    let accept = |day: &str| json!({"action": "answer", "decision": "accept", "day": day});
    let decide = |day: &str, cause: Value| json!({"action": "decide", "outcome": "upheld", "text": "成立", "day": day, "remedies": [{"kind": "apology"}], "root_cause": cause});
    let told = |day: &str| json!({"action": "told", "day": day});
    // October: A decided (staff) and told on time; B refused.
    let a = file(&srv, with("甲", "hotline", "repair", 2026, 10, 12, true)).await;
    ok(&srv, sup, &a, accept("2026-10-13")).await;
    ok(&srv, sup, &a, decide("2026-10-20", json!("staff"))).await;
    ok(&srv, sup, &a, told("2026-10-21")).await;
    let b = file(&srv, with("乙", "letter", "noise", 2026, 10, 15, true)).await;
    ok(
        &srv,
        sup,
        &b,
        json!({"action": "answer", "decision": "refuse", "reason": "非本處", "day": "2026-10-16"}),
    )
    .await;
    // November: C decided (materials), never told (due Nov 17); D incomplete (notice due
    // Nov 27); E referred (reply due Nov 30), decided and told the same day.
    let c = file(&srv, with("丙", "email", "repair", 2026, 11, 2, true)).await;
    ok(&srv, sup, &c, accept("2026-11-03")).await;
    ok(&srv, sup, &c, decide("2026-11-10", json!("materials"))).await;
    let d = file(&srv, with("丁", "hotline", "repair", 2026, 11, 20, false)).await;
    let e = file(&srv, with("戊", "fax", "repair", 2026, 11, 5, true)).await;
    ok(&srv, "a.desk", &e, json!({"action": "refer", "referral": {"body": "消委會", "reply_due": "2026-11-30", "form": "letter"}})).await;
    ok(&srv, sup, &e, accept("2026-11-06")).await;
    ok(&srv, sup, &e, decide("2026-11-09", Value::Null)).await;
    ok(&srv, sup, &e, told("2026-11-09")).await;

    srv.set_today("2026-11-27");
    let (s, r) = srv
        .as_(
            sup,
            "GET",
            "/api/v1/complaints/analysis?from=2026-10&months=2",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let rate = |x: &Value| (x["numerator"].as_u64(), x["denominator"].as_u64());
    let trend: Vec<_> = r["trend"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["month"].as_str().unwrap().to_owned(),
                t["received"].as_u64(),
                rate(&t["complaint_rate"]).0,
                rate(&t["on_time_handling"]),
            )
        })
        .collect();
    assert_eq!(
        trend,
        [
            ("2026-10".to_owned(), Some(2), Some(1), (Some(4), Some(4))),
            ("2026-11".to_owned(), Some(3), Some(2), (Some(5), Some(6))),
        ]
    );
    assert_eq!(r["received"], 5);
    assert_eq!(r["by_category"], json!({"noise": 1, "repair": 4}));
    assert_eq!(
        r["by_channel"],
        json!({"email": 1, "fax": 1, "hotline": 2, "letter": 1})
    );
    assert_eq!(
        r["by_root_cause"],
        json!({"materials": 1, "staff": 1, "unknown": 1})
    );
    let by = &r["on_time_by_deadline"];
    assert_eq!(rate(&by["acceptance"]), (Some(4), Some(4)));
    assert_eq!(rate(&by["decision"]), (Some(3), Some(3)));
    assert_eq!(rate(&by["tell"]), (Some(2), Some(3)));
    let open: Vec<_> = r["open_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap().to_owned(),
                i["due_kind"].as_str().unwrap().to_owned(),
                i["due"].as_str().unwrap().to_owned(),
                i["overdue"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        open,
        [
            (c, "tell".to_owned(), "2026-11-17".to_owned(), true),
            (
                d,
                "supplement_notice".to_owned(),
                "2026-11-27".to_owned(),
                false
            ),
            (
                e,
                "referral_reply".to_owned(),
                "2026-11-30".to_owned(),
                false
            ),
        ]
    );
    // Exported: the trend as CSV; a period the wrong way round or too long is refused.
    let csv = srv
        .http
        .get(srv.url("/api/v1/complaints/analysis?from=2026-10&months=2&format=csv"))
        .bearer_auth(&srv.who(sup).token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.contains("2026-11,3"), "{csv}");
    for q in ["from=2026-11&months=0", "from=2026-11&months=25"] {
        let (s, _) = srv
            .as_(
                sup,
                "GET",
                &format!("/api/v1/complaints/analysis?{q}"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{q}");
    }
    let (s, _) = srv
        .as_(
            "a.desk",
            "GET",
            "/api/v1/complaints/analysis?from=2026-10&months=2",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_cpl_channel_the_office_publishes_its_complaint_contacts() {
    let srv = TestServer::start().await;
    let path = "/api/v1/complaint-contacts";
    let (s, v) = srv.as_("a.desk", "GET", path, None).await;
    assert_eq!(
        (s, &v["phone"]),
        (StatusCode::OK, &json!("")),
        "none until set"
    );
    let contacts = json!({"phone": "0800-123-456", "fax": "02-2345-6789", "postal_address": "台北市信義區松仁路 1 號",
        "reception_address": "A棟 1F 服務台", "email": "complaints@example.org", "other": ""});
    let (s, _) = srv.as_("a.desk", "PUT", path, Some(contacts.clone())).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the front desk reads, does not publish"
    );
    let (s, v) = srv
        .as_("a.supervisor", "PUT", path, Some(contacts.clone()))
        .await;
    assert_eq!((s, &v), (StatusCode::OK, &contacts));
    let (_, v) = srv.as_("a.desk", "GET", path, None).await;
    assert_eq!(v, contacts, "the front desk tells callers");
    // Another office publishes its own.
    let (_, v) = srv.as_("b.desk", "GET", path, None).await;
    assert_eq!(v["phone"], "");
    // Unknown fields are malformed; a contact too long breaks the rule and is refused whole.
    let (s, _) = srv
        .as_("a.supervisor", "PUT", path, Some(json!({"pager": "1234"})))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = srv
        .as_(
            "a.supervisor",
            "PUT",
            path,
            Some(json!({"phone": "9".repeat(501)})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (_, v) = srv.as_("a.desk", "GET", path, None).await;
    assert_eq!(v, contacts, "nothing changed");
}
