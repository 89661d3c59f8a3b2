//! R-CS-TRAINING (S2 第八條 崗前培訓方能上崗): a customer-service agent takes contacts —
//! repair reports, complaints and their material — only while trained for duty.

use baoxiu_sync_core::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::server_support::*;

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_cs_training_an_untrained_agent_is_refused() {
    let srv = TestServer::start().await;
    srv.set_today("2026-11-20");
    let agent = srv.add_person("a", "客服小林", Role::CsAgent).await;
    let token = agent.token.clone();
    let as_agent = |method: &'static str, path: &'static str, body: Option<Value>| {
        let (srv, token) = (&srv, token.clone());
        async move { srv.call(method, path, Some(&token), body).await }
    };
    let order = || {
        Some(
            json!({"customer": {"name": "王小明", "unit": "A棟-3F-1", "phone": "0912"},
            "channel": "phone", "description": "浴室漏水"}),
        )
    };
    let complaint = || {
        Some(
            json!({"channel": "hotline", "complainant": "王小明", "by_customer_or_agent": true,
            "unit": "A棟-3F-1", "subject": "等太久", "material_complete": true}),
        )
    };
    let (_, me) = as_agent("GET", "/api/v1/me", None).await;
    assert!(me["on_duty_until"].is_null(), "{me}");
    assert!(
        me["allowed_actions"]
            .as_array()
            .unwrap()
            .contains(&json!("Intake"))
    );
    // Untrained: refused with the rule's code, nothing stored.
    let (_, before) = srv.as_("a.desk", "GET", "/api/v1/orders", None).await;
    for (path, body) in [
        ("/api/v1/orders", order()),
        ("/api/v1/complaints", complaint()),
    ] {
        let (s, v) = as_agent("POST", path, body).await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::FORBIDDEN, "R-CS-TRAINING"),
            "{path}"
        );
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("no pre-duty training")
        );
    }
    let (_, after) = srv.as_("a.desk", "GET", "/api/v1/orders", None).await;
    assert_eq!(before["total"], after["total"]);
    // Training is recorded by the admin, for a person of the office, once completed.
    let record = |kind: &str, day: &str, person: String| json!({"person": person, "kind": kind, "course": "客服中心崗前培訓", "completed_on": day});
    let me_id = agent.person.id.to_string();
    let stranger = srv.who("b.desk").person.id.to_string();
    for (who, body, want) in [
        (
            "a.supervisor",
            record("pre_duty", "2026-11-19", me_id.clone()),
            StatusCode::FORBIDDEN,
        ),
        (
            "a.admin",
            record("pre_duty", "2026-11-21", me_id.clone()),
            StatusCode::CONFLICT,
        ),
        (
            "a.admin",
            record("pre_duty", "2026-11-19", stranger),
            StatusCode::NOT_FOUND,
        ),
        (
            "a.admin",
            record("other", "2026-11-19", me_id.clone()),
            StatusCode::CREATED,
        ),
    ] {
        let (s, v) = srv.as_(who, "POST", "/api/v1/trainings", Some(body)).await;
        assert_eq!(s, want, "{who}: {v}");
    }
    // A briefing is not training for duty.
    let (s, _) = as_agent("POST", "/api/v1/orders", order()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = srv
        .as_(
            "a.admin",
            "POST",
            "/api/v1/trainings",
            Some(record("pre_duty", "2026-11-19", me_id.clone())),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, v) = as_agent("POST", "/api/v1/orders", order()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = as_agent("POST", "/api/v1/complaints", complaint()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (_, me) = as_agent("GET", "/api/v1/me", None).await;
    assert_eq!(me["on_duty_until"], "2027-11-19");
    // The office keeps training for 30 days: a month later it has lapsed, until a refresher.
    let (_, mut settings) = srv.as_("a.admin", "GET", "/api/v1/settings", None).await;
    settings["cs_training_valid_days"] = json!(30);
    let (s, v) = srv
        .as_("a.admin", "PUT", "/api/v1/settings", Some(settings))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    srv.set_today("2026-12-20");
    let (s, v) = as_agent("POST", "/api/v1/complaints", complaint()).await;
    assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "R-CS-TRAINING"));
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2026-12-19"),
        "{v}"
    );
    let (s, _) = srv
        .as_(
            "a.admin",
            "POST",
            "/api/v1/trainings",
            Some(record("refresher", "2026-12-20", me_id.clone())),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = as_agent("POST", "/api/v1/complaints", complaint()).await;
    assert_eq!(s, StatusCode::CREATED);
    // The records, for the office's people; the front desk is never asked.
    let (_, list) = srv
        .as_(
            "a.supervisor",
            "GET",
            &format!("/api/v1/trainings?person={me_id}"),
            None,
        )
        .await;
    assert_eq!(list.as_array().unwrap().len(), 3);
    let (s, _) = srv
        .as_("a.desk", "POST", "/api/v1/complaints", complaint())
        .await;
    assert_eq!(s, StatusCode::CREATED);
}
