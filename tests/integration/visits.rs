//! The call-back programme (S5 25; R-VISIT, R-VISIT-PLAN) and the online survey
//! (R-VISIT-SURVEY) through the API: the manager keeps a programme, its call-backs fit
//! it and are made by the right people, a failed way falls back to the programme's next,
//! and a customer answers through a signed link with no sign-in.

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

fn programme() -> Value {
    json!({
        "title": "第四季度住戶滿意度回訪",
        "starts": "2026-10-01", "ends": "2026-12-31",
        "audience": "本季完成維修的住戶",
        "target": 30,
        "kinds": ["satisfaction", "repair_held"],
        "dimensions": ["reliability", "responsiveness", "professionalism"],
        "questions": ["還有什麼需要我們改進？"],
        "schedule": [{"on": "2026-11-02", "focus": "十月完成的訂單", "target": 15}],
        "methods": ["phone", "online_survey"]
    })
}

/// A manager, an agent and a programme in office a, with an order to call back about.
async fn setup(srv: &TestServer) -> (Login, Login, String, String) {
    let manager = srv.add_person("a", "客服經理", Role::CsManager).await;
    let agent = srv.add_person("a", "客服專員", Role::CsAgent).await;
    let (s, v) = srv
        .call(
            "POST",
            "/api/v1/callback-programmes",
            Some(manager.token.as_str()),
            Some(programme()),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    let order = srv.order("a", "scheduled", "tech1").await;
    (manager, agent, id, order)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_visit_plan_call_backs_fit_their_programme_and_their_caller() {
    let srv = TestServer::start().await;
    // Inside the programme's period, whatever day the test runs.
    srv.clock.set(at(2026, 11, 2));
    let (manager, agent, prog, order) = setup(&srv).await;
    let m = Some(manager.token.as_str());
    // A programme that breaks its rules is refused whole, each problem named.
    let mut bad = programme();
    bad["ends"] = json!("2026-09-01");
    bad["questions"] = json!(["a", "a"]);
    let (s, v) = srv
        .call("POST", "/api/v1/callback-programmes", m, Some(bad))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let said = v["error"]["message"].as_str().unwrap_or_default();
    assert!(said.contains("period") && said.contains("twice"), "{said}");
    let plan = |method: &str, when: i64, assignee: &Login| {
        json!({"order": order, "method": method, "planned_at": when,
            "assignee": assignee.person.id, "programme": prog})
    };
    // (way, day, given to, status): outside the period, a way it does not use, and a
    // person who does not call that way are refused.
    let tech = srv.who("a.tech1").clone();
    let cases = [
        ("phone", at(2027, 1, 5), &agent, StatusCode::CONFLICT),
        ("on_site", at(2026, 11, 2), &tech, StatusCode::CONFLICT),
        (
            "online_survey",
            at(2026, 11, 2),
            &agent,
            StatusCode::CONFLICT,
        ),
        ("phone", at(2026, 11, 2), &tech, StatusCode::CONFLICT),
        ("phone", at(2026, 11, 2), &agent, StatusCode::CREATED),
    ];
    let mut planned = String::new();
    for (method, when, who, want) in cases {
        let (s, v) = srv
            .call(
                "POST",
                "/api/v1/callbacks",
                m,
                Some(plan(method, when, who)),
            )
            .await;
        assert_eq!(s, want, "{method} {when} {}: {v}", who.person.name);
        if s == StatusCode::CREATED {
            planned = v["id"].as_str().unwrap().to_owned();
            assert_eq!(v["programme"], json!(prog));
        }
    }
    // A second call-back, not the agent's: the agent may not record it.
    let (s, v) = srv
        .call(
            "POST",
            "/api/v1/callbacks",
            m,
            Some(plan("phone", at(2026, 11, 3), &manager)),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let not_theirs = v["id"].as_str().unwrap().to_owned();
    let a = Some(agent.token.as_str());
    let (s, _) = srv
        .call(
            "POST",
            &format!("/api/v1/callbacks/{not_theirs}/result"),
            a,
            Some(json!({"reached": false})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // The agent's own: an answer to a question the questionnaire does not ask, or a
    // dimension it does not ask, is refused; the right ones are kept.
    let result = |scores: Value, question: &str| {
        json!({"reached": true, "satisfaction": 4, "repair_held": "pass", "scores": scores,
            "answers": [{"question": question, "answer": "師傅很準時"}]})
    };
    let path = format!("/api/v1/callbacks/{planned}/result");
    let (s, v) = srv
        .call(
            "POST",
            &path,
            a,
            Some(result(json!({"reliability": 5}), "別的問題")),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, v) = srv
        .call(
            "POST",
            &path,
            a,
            Some(result(json!({"tangibles": 5}), "還有什麼需要我們改進？")),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, v) = srv
        .call(
            "POST",
            &path,
            a,
            Some(result(
                json!({"reliability": 5, "professionalism": 4}),
                "還有什麼需要我們改進？",
            )),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["callback"]["scores"]["reliability"], json!(5));
    // R-VISIT: not reached by phone, the programme's next way is planned (online survey).
    let (s, v) = srv
        .call(
            "POST",
            &format!("/api/v1/callbacks/{not_theirs}/result"),
            m,
            Some(json!({"reached": false})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["next"]["method"], json!("online_survey"), "{v}");
    assert_eq!(v["next"]["programme"], json!(prog));
    // Another way is someone else's to make: the next attempt waits unassigned.
    assert_eq!(v["next"]["assignee"], Value::Null);
    // Where the programme stands.
    let (s, v) = srv
        .call(
            "GET",
            &format!("/api/v1/callback-programmes/{prog}"),
            m,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let g = &v["progress"];
    assert_eq!(g["reached"], json!(1), "{g}");
    assert_eq!(g["attempts"], json!({"planned": 1, "done": 1, "failed": 1}));
    assert_eq!(g["rounds"][0]["attempts"]["done"], json!(1), "{g}");
    assert_eq!(
        g["dimensions"]["reliability"]["average_hundredths"],
        json!(500)
    );
    assert_eq!(
        g["dimensions"]["tangibles"]["average_hundredths"],
        Value::Null
    );
    assert_eq!(g["answers"][0]["answers"][0]["answer"], json!("師傅很準時"));
    assert_eq!(g["answers"][0]["total"], json!(1));
    assert_eq!(v["callbacks"].as_array().map(Vec::len), Some(3));
    // The agent sees the figures and the calls given to them, not every customer's.
    let (_, mine) = srv
        .call(
            "GET",
            &format!("/api/v1/callback-programmes/{prog}"),
            a,
            None,
        )
        .await;
    assert_eq!(mine["progress"]["reached"], json!(1));
    assert_eq!(mine["callbacks"].as_array().map(Vec::len), Some(1));
    assert_eq!(mine["progress"]["answers"], json!([]));
    let (_, listed) = srv
        .call(
            "GET",
            &format!("/api/v1/callbacks?programme={prog}"),
            a,
            None,
        )
        .await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    // Another office does not see it.
    let (s, _) = srv
        .as_(
            "b.supervisor",
            "GET",
            &format!("/api/v1/callback-programmes/{prog}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

/// The token of a survey link's path.
fn token_of(url: &Value) -> String {
    url.as_str()
        .unwrap()
        .trim_start_matches("/survey/")
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_visit_survey_a_customer_answers_through_a_signed_link_once() {
    let srv = TestServer::start().await;
    let (manager, _agent, prog, order) = setup(&srv).await;
    let m = Some(manager.token.as_str());
    srv.clock.set(at(2026, 11, 2));
    let plan = |method: &str| {
        json!({"order": order, "method": method, "planned_at": at(2026, 11, 2),
            "assignee": manager.person.id, "programme": prog})
    };
    let (_, v) = srv
        .call("POST", "/api/v1/callbacks", m, Some(plan("online_survey")))
        .await;
    let survey = v["id"].as_str().unwrap().to_owned();
    let (_, v) = srv
        .call("POST", "/api/v1/callbacks", m, Some(plan("phone")))
        .await;
    let phone = v["id"].as_str().unwrap().to_owned();
    // R-VISIT-PLAN: a next attempt the caller names is the programme's too — a way it
    // uses, a day of its period.
    for fallback in [
        json!({"reached": false, "fallback_method": "on_site"}),
        json!({"reached": false, "fallback_method": "online_survey", "fallback_at": at(2027, 1, 4)}),
    ] {
        let (s, v) = srv
            .call(
                "POST",
                &format!("/api/v1/callbacks/{phone}/result"),
                m,
                Some(fallback),
            )
            .await;
        assert_eq!(s, StatusCode::CONFLICT, "{v}");
    }
    // A link is for an online survey only.
    let (s, _) = srv
        .call(
            "POST",
            &format!("/api/v1/callbacks/{phone}/survey"),
            m,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, v) = srv
        .call(
            "POST",
            &format!("/api/v1/callbacks/{survey}/survey"),
            m,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let token = token_of(&v["url"]);
    // The default 14 days.
    assert_eq!(v["expires_at"], json!(at(2026, 11, 16)));
    // No sign-in: the questionnaire the programme asks.
    let page = srv
        .http
        .get(srv.url(&format!("/survey/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    for asked in [
        "可靠性",
        "響應度",
        "專業度",
        "還有什麼需要我們改進？",
        "name=\"held\"",
    ] {
        assert!(html.contains(asked), "{asked} missing");
    }
    assert!(!html.contains("有形度"), "a dimension it does not ask");
    // A tampered link is not found; a missing overall score is asked for again.
    let post = |t: &str, form: &[(&str, &str)]| {
        srv.http
            .post(srv.url(&format!("/survey/{t}")))
            .form(&form.to_vec())
            .send()
    };
    let mut forged = token.clone();
    forged.push('x');
    assert_eq!(
        post(&forged, &[("satisfaction", "5")])
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    // Whether the repair held is asked, never assumed.
    let skipped = post(&token, &[("satisfaction", "4")]).await.unwrap();
    assert_eq!(skipped.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let missing = post(&token, &[("reliability", "5")]).await.unwrap();
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = missing.text().await.unwrap();
    assert!(text.contains("survey-error"), "{text}");
    let answered = post(
        &token,
        &[
            ("satisfaction", "4"),
            ("held", "pass"),
            ("reliability", "5"),
            ("responsiveness", "3"),
            ("q0", "希望早點到"),
            ("q0_asked", "還有什麼需要我們改進？"),
            ("comments", ""),
        ],
    )
    .await
    .unwrap();
    assert_eq!(answered.status(), StatusCode::OK);
    assert!(answered.text().await.unwrap().contains("survey-thanks"));
    // Answered once: the link is spent.
    assert_eq!(
        post(&token, &[("satisfaction", "1")])
            .await
            .unwrap()
            .status(),
        StatusCode::CONFLICT
    );
    let again = srv
        .http
        .get(srv.url(&format!("/survey/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);
    // The answers land as the call-back, made by the one who sent the link.
    let (_, list) = srv
        .call(
            "GET",
            &format!("/api/v1/callbacks?programme={prog}&status=done"),
            m,
            None,
        )
        .await;
    let cb = &list.as_array().unwrap()[0];
    assert_eq!(cb["id"], json!(survey));
    assert_eq!(cb["recorded_by"], json!(manager.person.id));
    assert_eq!(cb["satisfaction"], json!(4));
    assert_eq!(cb["repair_held"], json!("pass"));
    assert_eq!(cb["scores"]["responsiveness"], json!(3));
    assert_eq!(cb["answers"][0]["answer"], json!("希望早點到"));
    // R-VISIT-RECORD: the month's file keeps the questionnaire as answered.
    let (_, file) = srv
        .call("GET", "/api/v1/callbacks/records?month=2026-11", m, None)
        .await;
    let rec = file
        .as_array()
        .and_then(|f| f.iter().find(|r| r["callback"] == json!(survey)))
        .cloned()
        .unwrap_or_default();
    assert_eq!(rec["scores"]["reliability"], json!(5), "{file}");
    assert_eq!(
        rec["answers"][0]["question"],
        json!("還有什麼需要我們改進？")
    );
    // A link past its days no longer works.
    let (_, v) = srv
        .call("POST", "/api/v1/callbacks", m, Some(plan("online_survey")))
        .await;
    let later = v["id"].as_str().unwrap().to_owned();
    let (_, v) = srv
        .call(
            "POST",
            &format!("/api/v1/callbacks/{later}/survey"),
            m,
            None,
        )
        .await;
    let late = token_of(&v["url"]);
    srv.clock.set(at(2026, 11, 17));
    let expired = srv
        .http
        .get(srv.url(&format!("/survey/{late}")))
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), StatusCode::NOT_FOUND);
}

/// Who reaches office a's programme, and its survey link, apart from the server's policy.
fn expected(caller: &str, op: &str) -> StatusCode {
    let (office, who) = caller.split_once('.').unwrap();
    let allowed = match op {
        "read" => matches!(
            who,
            "supervisor" | "dispatcher" | "admin" | "agent" | "manager" | "tech1" | "administrator"
        ),
        _ => matches!(who, "supervisor" | "admin" | "manager"),
    };
    if !allowed {
        return StatusCode::FORBIDDEN;
    }
    if office != "a" {
        return StatusCode::NOT_FOUND;
    }
    StatusCode::OK
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bola_visits_each_role_reaches_only_its_office_s_programmes() {
    let srv = TestServer::start().await;
    let (manager, _agent, prog, order) = setup(&srv).await;
    let (_, v) = srv
        .call(
            "POST",
            "/api/v1/callbacks",
            Some(manager.token.as_str()),
            Some(json!({"order": order, "method": "online_survey", "planned_at": at(2026, 11, 2), "programme": prog})),
        )
        .await;
    let survey = v["id"].as_str().unwrap().to_owned();
    let mut people = std::collections::HashMap::new();
    for office in ["a", "b"] {
        for key in [
            "desk",
            "administrator",
            "dispatcher",
            "supervisor",
            "finance",
            "admin",
            "tech1",
        ] {
            let k = format!("{office}.{key}");
            people.insert(k.clone(), srv.who(&k).token.clone());
        }
        for (key, role) in [
            ("agent", Role::CsAgent),
            ("manager", Role::CsManager),
            ("qa", Role::QaInspector),
        ] {
            let l = srv.add_person(office, key, role).await;
            people.insert(format!("{office}.{key}"), l.token);
        }
    }
    let mut checked = 0;
    for (caller, token) in &people {
        for op in ["read", "edit", "survey"] {
            let (method, path, body) = match op {
                "read" => ("GET", format!("/api/v1/callback-programmes/{prog}"), None),
                "edit" => (
                    "PUT",
                    format!("/api/v1/callback-programmes/{prog}"),
                    Some(programme()),
                ),
                _ => ("POST", format!("/api/v1/callbacks/{survey}/survey"), None),
            };
            let (s, v) = srv.call(method, &path, Some(token.as_str()), body).await;
            assert_eq!(s, expected(caller, op), "{caller} {op}: {v}");
            checked += 1;
        }
    }
    assert_eq!(checked, 60);
}
