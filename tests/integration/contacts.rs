//! R-CS-CONTACT (S2 第六–七條): one front door — every contact logged once with its channel
//! and time, linked to its customer, and converted in one step into what it becomes with
//! the link kept; channels open-ended; whistle-blowing seen only by the manager.

use baoxiu_sync_core::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::server_support::*;

async fn log(srv: &TestServer, who: &str, body: Value) -> (StatusCode, Value) {
    srv.as_(who, "POST", "/api/v1/contacts", Some(body)).await
}

fn contact(kind: &str, channel: &str, summary: &str) -> Value {
    json!({"kind": kind, "channel": channel, "caller": "王小明", "unit": "C棟-5F-2",
        "phone": "0912-111-222", "summary": summary})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_cs_contact_logged_once_and_converted_with_the_link_kept() {
    let srv = TestServer::start().await;
    // A repair report by the hotline: logged, linked to the unit's customer.
    let (s, c) = log(
        &srv,
        "a.desk",
        contact("repair_report", "hotline", "浴室漏水"),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    assert_eq!(c["status"], "open");
    let customer = c["customer"].as_str().unwrap_or_default().to_owned();
    assert!(!customer.is_empty(), "{c}");
    let id = c["id"].as_str().unwrap().to_owned();
    // One step: it becomes a work order, with the caller, unit and phone the contact's.
    let path = format!("/api/v1/contacts/{id}/convert");
    let (s, done) = srv
        .as_(
            "a.desk",
            "POST",
            &path,
            Some(json!({"to": "order", "description": "浴室漏水"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["status"], "order");
    let order = done["outcome"]["id"].as_str().unwrap().to_owned();
    let (_, o) = srv
        .as_("a.desk", "GET", &format!("/api/v1/orders/{order}"), None)
        .await;
    assert_eq!(o["state"]["customer"]["unit"], "C棟-5F-2");
    assert_eq!(o["state"]["channel"], "phone");
    // The order is the same customer's; the customer's page shows the contact too.
    let (_, p) = srv
        .as_(
            "a.desk",
            "GET",
            &format!("/api/v1/customers/{customer}"),
            None,
        )
        .await;
    let has = |list: &Value, id: &str| {
        list.as_array()
            .is_some_and(|a| a.iter().any(|x| x["id"] == id))
    };
    assert!(has(&p["orders"], &order), "{p}");
    assert!(has(&p["contacts"], &id), "{p}");
    // Once: it became something already.
    let (s, _) = srv
        .as_(
            "a.desk",
            "POST",
            &path,
            Some(json!({"to": "order", "description": "again"})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    // A complaint by a channel of the office's own list becomes a complaint, channel
    // "other" with what it was.
    let (_, mut channels) = srv
        .as_("a.desk", "GET", "/api/v1/contact-channels", None)
        .await;
    assert_eq!(channels["channels"][0], "hotline");
    channels["channels"]
        .as_array_mut()
        .unwrap()
        .push(json!("LINE"));
    let (s, _) = srv
        .as_(
            "a.desk",
            "PUT",
            "/api/v1/contact-channels",
            Some(channels.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = srv
        .as_(
            "a.supervisor",
            "PUT",
            "/api/v1/contact-channels",
            Some(channels),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = srv
        .as_(
            "a.supervisor",
            "PUT",
            "/api/v1/contact-channels",
            Some(json!({"channels": ["hotline", "hotline"]})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, c) = log(&srv, "a.desk", contact("complaint", "LINE", "師傅態度差")).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let path = format!("/api/v1/contacts/{}/convert", c["id"].as_str().unwrap());
    let body = json!({"to": "complaint", "subject": "師傅態度差", "by_customer_or_agent": true, "material_complete": true});
    let (s, done) = srv.as_("a.desk", "POST", &path, Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{done}");
    let complaint = done["outcome"]["id"].as_str().unwrap().to_owned();
    let (_, x) = srv
        .as_(
            "a.desk",
            "GET",
            &format!("/api/v1/complaints/{complaint}"),
            None,
        )
        .await;
    assert_eq!(x["complaint"]["channel"], "other");
    assert!(
        x["complaint"]["description"]
            .as_str()
            .unwrap_or_default()
            .contains("LINE"),
        "{x}"
    );
    let (_, p) = srv
        .as_(
            "a.desk",
            "GET",
            &format!("/api/v1/customers/{customer}"),
            None,
        )
        .await;
    assert!(has(&p["complaints"], &complaint), "{p}");
    // Channels: not the office's → 409; "other" names what it was.
    // (channel, note, answer)
    for (channel, note, want) in [
        ("wechat", "", StatusCode::CONFLICT),
        ("other", "", StatusCode::CONFLICT),
        ("other", "里長轉達", StatusCode::CREATED),
    ] {
        let mut body = contact("enquiry", channel, "停車位租金多少");
        body["channel_note"] = json!(note);
        let (s, v) = log(&srv, "a.desk", body).await;
        assert_eq!(s, want, "{channel} {note}: {v}");
    }
    // An enquiry answered is closed with what was said.
    let (_, c) = log(
        &srv,
        "a.desk",
        contact("enquiry", "walk_in", "管理費怎麼繳"),
    )
    .await;
    let path = format!("/api/v1/contacts/{}/close", c["id"].as_str().unwrap());
    let (s, v) = srv
        .as_(
            "a.desk",
            "POST",
            &path,
            Some(json!({"note": "告知可臨櫃或轉帳"})),
        )
        .await;
    assert_eq!((s, v["status"].clone()), (StatusCode::OK, json!("closed")));
    // The log lists them, newest first, by kind and status.
    let (_, all) = srv.as_("a.desk", "GET", "/api/v1/contacts", None).await;
    assert_eq!(all.as_array().map(Vec::len), Some(4));
    let (_, open) = srv
        .as_("a.desk", "GET", "/api/v1/contacts?status=open", None)
        .await;
    assert_eq!(open.as_array().map(Vec::len), Some(1));
    // An untrained agent takes no contact; nothing is logged.
    let agent = srv.add_person("a", "新客服", Role::CsAgent).await;
    let (s, v) = srv
        .call(
            "POST",
            "/api/v1/contacts",
            Some(&agent.token),
            Some(contact("enquiry", "hotline", "?")),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].clone()),
        (StatusCode::FORBIDDEN, json!("R-CS-TRAINING"))
    );
    let (_, all) = srv.as_("a.desk", "GET", "/api/v1/contacts", None).await;
    assert_eq!(all.as_array().map(Vec::len), Some(4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_cs_contact_whistle_blowing_is_seen_only_by_the_manager() {
    let srv = TestServer::start().await;
    let manager = srv.add_person("a", "客服經理", Role::CsManager).await;
    let qa = srv.add_person("a", "質檢", Role::QaInspector).await;
    // Anonymous, by the hotline: the desk logs it and sees the receipt once.
    let body = json!({"kind": "whistleblowing", "channel": "hotline", "summary": "夜班保全向住戶收錢放行"});
    let (s, w) = log(&srv, "a.desk", body).await;
    assert_eq!(s, StatusCode::CREATED, "{w}");
    assert_eq!(w["customer"], Value::Null);
    let id = w["id"].as_str().unwrap().to_owned();
    let (_, other) = log(
        &srv,
        "a.desk",
        contact("suggestion", "hotline", "大廳加裝座椅"),
    )
    .await;
    let token = |who: &str| srv.who(who).token.clone();
    // (who, sees it in the log, reads it, closes it)
    use StatusCode as S;
    for (who, token, listed, read, close) in [
        ("a.desk", token("a.desk"), false, S::NOT_FOUND, S::NOT_FOUND),
        (
            "a.administrator",
            token("a.administrator"),
            false,
            S::NOT_FOUND,
            S::NOT_FOUND,
        ),
        (
            "a.admin",
            token("a.admin"),
            false,
            S::NOT_FOUND,
            S::NOT_FOUND,
        ),
        // The office's supervisor is not the manager of the issue: it may be about them.
        (
            "a.supervisor",
            token("a.supervisor"),
            false,
            S::NOT_FOUND,
            S::NOT_FOUND,
        ),
        (
            "b.supervisor",
            token("b.supervisor"),
            false,
            S::NOT_FOUND,
            S::NOT_FOUND,
        ),
        // The QA inspector reads the log, and not this.
        ("a.qa", qa.token.clone(), false, S::NOT_FOUND, S::FORBIDDEN),
        (
            "a.dispatcher",
            token("a.dispatcher"),
            false,
            S::FORBIDDEN,
            S::FORBIDDEN,
        ),
        // Last: the customer-service manager closes it.
        ("a.manager", manager.token.clone(), true, S::OK, S::OK),
    ] {
        let (s, list) = srv
            .call("GET", "/api/v1/contacts", Some(&token), None)
            .await;
        let seen = list
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x["id"] == id));
        assert_eq!(seen, listed, "{who}: {s} {list}");
        let (s, _) = srv
            .call("GET", &format!("/api/v1/contacts/{id}"), Some(&token), None)
            .await;
        assert_eq!(s, read, "{who}");
        let (s, _) = srv
            .call(
                "POST",
                &format!("/api/v1/contacts/{id}/close"),
                Some(&token),
                Some(json!({"note": "x"})),
            )
            .await;
        assert_eq!(s, close, "{who}");
    }
    // The desk still sees the suggestion.
    let (_, list) = srv.as_("a.desk", "GET", "/api/v1/contacts", None).await;
    assert_eq!(list[0]["id"], other["id"]);
    // The manager closed it with what was done.
    let (_, w) = srv
        .call(
            "GET",
            &format!("/api/v1/contacts/{id}"),
            Some(&manager.token),
            None,
        )
        .await;
    assert_eq!(w["status"], "closed");
}
