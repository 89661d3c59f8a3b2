//! Complaints (R-CPL-*), with working-day deadlines that cross weekends, Spring Festival and
//! National Day 2026 and their make-up Saturdays (mainland calendar), and an office's own
//! holidays.

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

async fn mainland(srv: &TestServer) {
    let (s, v) = srv
        .as_(
            "a.supervisor",
            "PUT",
            "/api/v1/calendar",
            Some(json!({"kind": "cn"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["coverage_ends"], "2026-12-25");
}

fn body(received: i64, complete: bool) -> Value {
    json!({
        "channel": "hotline", "complainant": "王小明", "contact": "0912", "by_customer_or_agent": true,
        "unit": "A棟-12F-3", "subject": "維修後仍漏水", "category": "repair", "material_complete": complete,
        "received_at": received
    })
}

async fn file(srv: &TestServer, b: Value) -> Value {
    let (s, v) = srv
        .as_("a.desk", "POST", "/api/v1/complaints", Some(b))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v
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

fn id(v: &Value) -> String {
    v["complaint"]["id"].as_str().unwrap().to_owned()
}

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_cpl_channel_every_channel_and_nothing_else() {
    let srv = TestServer::start().await;
    for ch in ["hotline", "fax", "letter", "walk_in", "email", "online"] {
        let mut b = body(at(2026, 11, 2), true);
        b["channel"] = json!(ch);
        file(&srv, b).await;
    }
    let mut b = body(at(2026, 11, 2), true);
    b["channel"] = json!("carrier_pigeon");
    let (s, v) = srv
        .as_("a.desk", "POST", "/api/v1/complaints", Some(b))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code(&v), "R-CPL-CHANNEL");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_cpl_incomplete_notice_due_in_5_working_days_across_spring_festival() {
    let srv = TestServer::start().await;
    mainland(&srv).await;
    // Thu 2026-02-12, incomplete: Fri 13, Sat 14 (make-up working day), then Feb 15–23 off,
    // Tue 24, Wed 25, Thu 26.
    let v = file(&srv, body(at(2026, 2, 12), false)).await;
    let c = id(&v);
    assert_eq!(v["complaint"]["supplement_due"], "2026-02-26");
    srv.set_today("2026-02-14");
    let (_, v) = srv
        .as_("a.desk", "GET", &format!("/api/v1/complaints/{c}"), None)
        .await;
    assert_eq!(v["next_deadline"]["kind"], "supplement_notice");
    assert_eq!(v["next_deadline"]["working_days_left"], 3);
    srv.set_today("2026-02-25");
    let (_, v) = srv
        .as_("a.desk", "GET", &format!("/api/v1/complaints/{c}"), None)
        .await;
    assert_eq!(v["next_deadline"]["at_risk"], true);
    srv.set_today("2026-02-25");
    let (_, list) = srv
        .as_(
            "a.supervisor",
            "GET",
            "/api/v1/complaints?at_risk=true",
            None,
        )
        .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    srv.set_today("2026-02-27");
    let (_, list) = srv
        .as_(
            "a.supervisor",
            "GET",
            "/api/v1/complaints?overdue=true",
            None,
        )
        .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["next_deadline"]["working_days_left"], -1);
    // The notice must say what to add.
    let (s, v) = act(
        &srv,
        "a.desk",
        &c,
        json!({"action": "notice", "day": "2026-02-24"}),
    )
    .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "R-CPL-INCOMPLETE")
    );
    let (s, v) = act(
        &srv,
        "a.desk",
        &c,
        json!({"action": "notice", "day": "2026-02-24", "missing": "維修單影本與照片"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(
        v["next_deadline"].is_null(),
        "noticed: nothing due until the material arrives"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_cpl_accept_within_10_working_days_across_national_day() {
    let srv = TestServer::start().await;
    mainland(&srv).await;
    let v = file(&srv, body(at(2026, 9, 28), false)).await;
    let c = id(&v);
    // Deciding before the material is complete names the rule.
    let (s, v) = act(
        &srv,
        "a.supervisor",
        &c,
        json!({"action": "answer", "decision": "accept", "day": "2026-09-29"}),
    )
    .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "R-CPL-ACCEPT"));
    // Complete on Tue Sep 29: Sep 30, Oct 1–7 off, 8, 9, Sat 10 (make-up), 12 … 16, 19.
    let (s, v) = act(
        &srv,
        "a.desk",
        &c,
        json!({"action": "material", "day": "2026-09-29"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["complaint"]["acceptance_due"], "2026-10-19");
    // A refusal without a reason names the rule.
    let (s, v) = act(
        &srv,
        "a.supervisor",
        &c,
        json!({"action": "answer", "decision": "refuse", "day": "2026-10-09"}),
    )
    .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "R-CPL-ACCEPT")
    );
    // Only supervisors decide.
    let (s, _) = act(
        &srv,
        "a.desk",
        &c,
        json!({"action": "answer", "decision": "accept"}),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = act(
        &srv,
        "a.supervisor",
        &c,
        json!({"action": "answer", "decision": "accept", "day": "2026-10-09"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "accepted");
    // Default decision period 15 working days from Fri Oct 9: Sat 10, 12–16, 19–23, 26–29.
    assert_eq!(v["complaint"]["decision_due"], "2026-10-29");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_cpl_reject_not_the_customer_duplicates_merge_and_transfer() {
    let srv = TestServer::start().await;
    mainland(&srv).await;
    // Not filed by the customer or their agent: cannot be accepted, only refused.
    let mut b = body(at(2026, 11, 2), true);
    b["by_customer_or_agent"] = json!(false);
    let c = id(&file(&srv, b).await);
    let (s, v) = act(
        &srv,
        "a.supervisor",
        &c,
        json!({"action": "answer", "decision": "accept"}),
    )
    .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "R-CPL-REJECT"));
    let (s, v) = act(
        &srv,
        "a.supervisor",
        &c,
        json!({"action": "answer", "decision": "refuse", "reason": "非業主或其代理人"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "not_accepted");

    // A complaint in handling (received Mon Nov 2, complete).
    let first = file(&srv, body(at(2026, 11, 2), true)).await;
    let f = id(&first);
    assert_eq!(first["complaint"]["acceptance_due"], "2026-11-16");
    // The system proposes the likely repeat; a person must say whether there are new facts.
    let mut again = body(at(2026, 11, 4), true);
    let proposed = file(&srv, again.clone()).await;
    assert!(
        proposed["likely_duplicates"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x == f.as_str())
    );
    again["same_as"] = json!(f);
    let (s, v) = srv
        .as_("a.desk", "POST", "/api/v1/complaints", Some(again.clone()))
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "R-CPL-REJECT")
    );
    // 1. Same complaint during handling, no new facts → not accepted.
    again["new_facts"] = json!(false);
    let v = file(&srv, again.clone()).await;
    assert_eq!(v["status"], "not_accepted");
    assert_eq!(v["complaint"]["duplicate_of"], f.as_str());
    // 2. Same complaint with new facts during handling → merged; the deadline restarts from
    //    the new material (Wed Nov 11 + 10 working days = Wed Nov 25).
    let mut newer = body(at(2026, 11, 11), true);
    newer["same_as"] = json!(f);
    newer["new_facts"] = json!(true);
    let v = file(&srv, newer).await;
    assert_eq!(v["status"], "merged");
    assert_eq!(v["earlier"]["acceptance_due"], "2026-11-25");
    assert_eq!(v["earlier"]["restarts"], 1);
    // Decide the first: accept, decide, tell.
    let (s, _) = act(
        &srv,
        "a.supervisor",
        &f,
        json!({"action": "answer", "decision": "accept", "day": "2026-11-12"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = act(&srv, "a.supervisor", &f, json!({"action": "decide", "outcome": "upheld", "text": "重新維修並補償", "day": "2026-11-20", "remedies": [{"kind": "repair"}, {"kind": "compensation", "amount": 20000}]})).await;
    assert_eq!(s, StatusCode::OK);
    // 3. Same complaint after the decision, no new facts → not accepted.
    let mut late = body(at(2026, 11, 23), true);
    late["same_as"] = json!(f);
    late["new_facts"] = json!(false);
    let v = file(&srv, late).await;
    assert_eq!(v["status"], "not_accepted");
    assert!(
        v["complaint"]["refusal_reason"]
            .as_str()
            .unwrap()
            .contains("after a decision")
    );
    // For another unit or department: transferred, naming where.
    let other = id(&file(&srv, body(at(2026, 11, 24), true)).await);
    let (s, v) = act(
        &srv,
        "a.supervisor",
        &other,
        json!({"action": "answer", "decision": "transfer"}),
    )
    .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "R-CPL-REJECT")
    );
    let (s, v) = act(
        &srv,
        "a.supervisor",
        &other,
        json!({"action": "answer", "decision": "transfer", "transfer_to": "保全部"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["status"], "transferred");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_cpl_decide_within_the_office_period_and_tell() {
    let srv = TestServer::start().await;
    // Office b keeps a weekday calendar (Taiwan) with its own holiday.
    let (s, v) = srv
        .as_(
            "b.admin",
            "PUT",
            "/api/v1/calendar",
            Some(json!({"decision_days": 5, "overrides": {"2026-11-06": false}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["kind"], "weekends");
    let (s, v) = srv
        .as_(
            "b.desk",
            "POST",
            "/api/v1/complaints",
            Some(body(at(2026, 11, 2), true)),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let c = id(&v);
    let (s, v) = act(
        &srv,
        "b.supervisor",
        &c,
        json!({"action": "decide", "outcome": "upheld", "text": "x", "remedies": [{"kind": "apology"}]}),
    )
    .await;
    assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "R-CPL-DECIDE"));
    let (_, v) = act(
        &srv,
        "b.supervisor",
        &c,
        json!({"action": "answer", "decision": "accept", "day": "2026-11-03"}),
    )
    .await;
    // Tue Nov 3 + 5: Wed 4, Thu 5, (Fri 6 office holiday), Mon 9, Tue 10, Wed 11.
    assert_eq!(v["complaint"]["decision_due"], "2026-11-11");
    let (s, v) = act(
        &srv,
        "b.supervisor",
        &c,
        json!({"action": "decide", "outcome": "maybe", "text": "x", "remedies": [{"kind": "apology"}]}),
    )
    .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "R-CPL-DECIDE")
    );
    let (s, _) = act(&srv, "b.supervisor", &c, json!({"action": "told"})).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = act(&srv, "b.supervisor", &c, json!({"action": "decide", "outcome": "partly_upheld", "text": "部分成立，已道歉", "day": "2026-11-10", "remedies": [{"kind": "apology"}]})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = act(
        &srv,
        "b.supervisor",
        &c,
        json!({"action": "told", "day": "2026-11-10"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["status"], "closed");
    // Other offices and other roles.
    assert_eq!(
        srv.as_(
            "a.supervisor",
            "GET",
            &format!("/api/v1/complaints/{c}"),
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        srv.as_("b.tech1", "GET", "/api/v1/complaints", None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // Dispatchers see only complaints tied to orders.
    let (_, list) = srv
        .as_("b.dispatcher", "GET", "/api/v1/complaints", None)
        .await;
    assert_eq!(list.as_array().unwrap().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_cpl_report_against_hand_computed_figures() {
    let srv = TestServer::start().await;
    mainland(&srv).await;
    // November 2026, office a:
    // 1 hotline, complete Nov 2 → accepted Nov 10 (due Nov 16: kept) → decided Nov 20
    //   (due 15 working days from Nov 10 = Dec 1: kept) → upheld.
    // 2 email, incomplete Nov 3 (notice due Nov 10) → notice Nov 12: missed.
    // 3 letter, complete Nov 4 → refused Nov 25 (due Nov 18): missed.
    // 4 hotline, a repeat of 1 with no new facts (1 is decided by then) → not accepted.
    // 5 online, complete Nov 20 → still awaiting on Nov 27 (due Dec 4): not yet counted.
    // Deadlines kept 2 of 4 → 50.00 %; 5 complaints; by channel hotline 2, email 1, letter 1,
    // online 1; repeats 1.
    // The first names the technician it is about.
    let tech = srv.who("a.tech1").person.id.to_string();
    let mut b = body(at(2026, 11, 2), true);
    b["technician"] = json!(tech);
    let one = id(&file(&srv, b).await);
    act(
        &srv,
        "a.supervisor",
        &one,
        json!({"action": "answer", "decision": "accept", "day": "2026-11-10"}),
    )
    .await;
    act(
        &srv,
        "a.supervisor",
        &one,
        json!({"action": "decide", "outcome": "upheld", "text": "成立", "day": "2026-11-20", "remedies": [{"kind": "repair"}]}),
    )
    .await;
    let mut b = body(at(2026, 11, 3), false);
    b["channel"] = json!("email");
    b["complainant"] = json!("李小姐");
    let two = id(&file(&srv, b).await);
    act(
        &srv,
        "a.desk",
        &two,
        json!({"action": "notice", "missing": "照片", "day": "2026-11-12"}),
    )
    .await;
    let mut b = body(at(2026, 11, 4), true);
    b["channel"] = json!("letter");
    b["complainant"] = json!("張先生");
    b["category"] = json!("noise");
    let three = id(&file(&srv, b).await);
    let (s, _) = act(&srv, "a.supervisor", &three, json!({"action": "answer", "decision": "refuse", "reason": "非本處管轄", "day": "2026-11-25"})).await;
    assert_eq!(s, StatusCode::OK);
    let mut b = body(at(2026, 11, 5), true);
    b["same_as"] = json!(one);
    b["new_facts"] = json!(false);
    file(&srv, b).await;
    let mut b = body(at(2026, 11, 20), true);
    b["channel"] = json!("online");
    b["complainant"] = json!("陳太太");
    file(&srv, b).await;

    srv.set_today("2026-11-27");
    let (s, r) = srv
        .as_("a.supervisor", "GET", "/api/v1/quality?month=2026-11", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["complaints_received"], 5);
    assert_eq!(
        r["by_channel"],
        json!({"email": 1, "hotline": 2, "letter": 1, "online": 1})
    );
    assert_eq!(r["by_category"], json!({"noise": 1, "repair": 4}));
    assert_eq!(
        r["by_outcome"],
        json!({"awaiting_acceptance": 1, "incomplete": 1, "not_accepted": 2, "upheld": 1})
    );
    assert_eq!(r["on_time_handling"]["numerator"], 2);
    assert_eq!(r["on_time_handling"]["denominator"], 4);
    assert_eq!(r["on_time_handling"]["basis_points"], 5000);
    // By deadline: the decision kept; telling the complainant (due Nov 27, five working days
    // after Nov 20) not yet due, so not counted.
    let by = |k: &str| {
        let x = &r["on_time_by_deadline"][k];
        (x["numerator"].as_u64(), x["denominator"].as_u64())
    };
    assert_eq!(by("supplement_notice"), (Some(0), Some(1)));
    assert_eq!(by("acceptance"), (Some(1), Some(2)));
    assert_eq!(by("decision"), (Some(1), Some(1)));
    assert_eq!(by("tell"), (None, None));
    assert_eq!(r["repeat_complaints"], 1);
    // 抱怨率 counts only the complaint accepted (1), not the refusal, the refused repeat, or
    // the two not yet accepted; no orders were completed in the month: no denominator.
    assert_eq!(r["complaint_rate"]["numerator"], 1);
    assert_eq!(r["complaint_rate"]["denominator"], 0);
    // Per technician: the accepted complaint names tech1, who completed nothing this month.
    let per = r["complaint_rate_per_technician"].as_array().unwrap();
    let t1 = per
        .iter()
        .find(|x| x["technician"] == json!(tech))
        .expect("tech1 listed");
    assert_eq!(
        (
            t1["rate"]["numerator"].as_u64(),
            t1["rate"]["denominator"].as_u64()
        ),
        (Some(1), Some(0))
    );
    // Exported like the other registers.
    srv.set_today("2026-11-27");
    let res = srv
        .http
        .get(srv.url("/api/v1/quality?month=2026-11&format=csv"))
        .bearer_auth(&srv.who("a.supervisor").token)
        .send()
        .await
        .unwrap();
    let csv = res.text().await.unwrap();
    assert!(csv.contains("投訴件數,5"), "{csv}");
    assert!(csv.contains("按時處理率,50.00%"), "{csv}");
}
