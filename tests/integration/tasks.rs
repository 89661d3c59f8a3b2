//! R-VISIT-OWNER's reminders over HTTP: a task asks for its owner's attention as it falls
//! due (the office's `owner_task_remind_days`) and once overdue; those who make call-backs
//! chase the owner with a note; the owner's `/me` counts what asks for attention; and every
//! role of both offices against the task routes.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::month::data_set;
use crate::server_support::*;

const DAY: i64 = 86_400_000;

/// A call-back on office a's order A finds a problem for the dispatcher: the task's id.
async fn a_task(srv: &TestServer) -> String {
    let ds = data_set(srv).await;
    let plan = json!({"order": ds.a.to_string(), "method": "phone", "planned_at": 1});
    let (s, cb) = srv
        .as_("a.supervisor", "POST", "/api/v1/callbacks", Some(plan))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{cb}");
    let owner = srv.who("a.dispatcher").person.id.to_string();
    let result = json!({"reached": true, "satisfaction": 2, "problems": "維修後仍漏水", "task_owner": owner});
    let path = format!("/api/v1/callbacks/{}/result", cb["id"].as_str().unwrap());
    let (s, v) = srv.as_("a.supervisor", "POST", &path, Some(result)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["task"]["id"].as_str().unwrap().to_owned()
}

async fn attention(srv: &TestServer, id: &str) -> (Value, u64) {
    let (_, list) = srv.as_("a.dispatcher", "GET", "/api/v1/tasks", None).await;
    let t = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .cloned()
        .unwrap();
    (t["attention"].clone(), needing_attention(srv).await)
}

/// The dispatcher's count of tasks asking for attention (`/me`).
async fn needing_attention(srv: &TestServer) -> u64 {
    let (_, me) = srv.as_("a.dispatcher", "GET", "/api/v1/me", None).await;
    me["tasks_needing_attention"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_visit_owner_a_task_reminds_its_owner_as_it_falls_due_and_when_chased() {
    let srv = TestServer::start().await;
    let id = a_task(&srv).await;
    let (_, list) = srv.as_("a.dispatcher", "GET", "/api/v1/tasks", None).await;
    let due = list[0]["due_at"].as_i64().unwrap();
    // Found now, due in 7 days: nothing to remind of yet.
    assert_eq!(attention(&srv, &id).await, (Value::Null, 0));
    let (_, asked) = srv
        .as_("a.dispatcher", "GET", "/api/v1/tasks?attention=true", None)
        .await;
    assert!(asked.as_array().unwrap().is_empty());
    // The supervisor chases the owner with a note: the owner's list says who and why.
    let remind = |who: &'static str, note: String| {
        let srv = &srv;
        let path = format!("/api/v1/tasks/{id}/remind");
        async move {
            srv.as_(who, "POST", &path, Some(json!({ "note": note })))
                .await
        }
    };
    let (s, v) = remind("a.supervisor", "住戶再次來電，請週五前處理".into()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["reminders"][0]["note"], "住戶再次來電，請週五前處理");
    assert_eq!(
        v["reminders"][0]["by"],
        srv.who("a.supervisor").person.id.to_string()
    );
    assert_eq!(attention(&srv, &id).await, (json!("reminded"), 1));
    let (_, asked) = srv
        .as_("a.dispatcher", "GET", "/api/v1/tasks?attention=true", None)
        .await;
    assert_eq!(asked[0]["id"], id.as_str());
    // The office's days before the due date: 3 instead of the default 2.
    let (_, mut settings) = srv.as_("a.admin", "GET", "/api/v1/settings", None).await;
    assert_eq!(settings["owner_task_remind_days"], 2);
    settings["owner_task_remind_days"] = json!(3);
    let (s, v) = srv
        .as_("a.admin", "PUT", "/api/v1/settings", Some(settings))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    srv.clock.set(due - 3 * DAY);
    assert_eq!(attention(&srv, &id).await, (json!("due_soon"), 1));
    srv.clock.set(due + 1);
    assert_eq!(attention(&srv, &id).await, (json!("overdue"), 1));
    // A note too long is refused; a closed task has nothing to remind of.
    let (s, _) = remind("a.supervisor", "催".repeat(501)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let path = format!("/api/v1/tasks/{id}/close");
    let (s, _) = srv
        .as_(
            "a.dispatcher",
            "POST",
            &path,
            Some(json!({"outcome": "已重修"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(needing_attention(&srv).await, 0);
    let (s, _) = remind("a.supervisor", String::new()).await;
    assert_eq!(s, StatusCode::CONFLICT);
}

/// What `caller` should get for `op` on office a's task (owned by a.dispatcher).
fn expected(caller: &str, op: &str) -> StatusCode {
    let (office, who) = caller.split_once('.').unwrap_or(("", caller));
    let calls_back = matches!(who, "supervisor" | "dispatcher" | "admin");
    match op {
        "mine" => StatusCode::OK,
        _ if !calls_back => StatusCode::FORBIDDEN,
        "all" => StatusCode::OK,
        _ if office == "b" => StatusCode::NOT_FOUND,
        _ => StatusCode::OK,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bola_tasks_each_role_reaches_only_its_office_s_tasks() {
    let srv = TestServer::start().await;
    let id = a_task(&srv).await;
    let mut checked = 0;
    for office in ["a", "b"] {
        for who in [
            "desk",
            "administrator",
            "dispatcher",
            "supervisor",
            "finance",
            "admin",
            "tech1",
        ] {
            let caller = format!("{office}.{who}");
            for op in ["mine", "all", "remind"] {
                let (method, path, body) = match op {
                    "mine" => ("GET", "/api/v1/tasks".to_owned(), None),
                    "all" => ("GET", "/api/v1/tasks?all=true".to_owned(), None),
                    _ => (
                        "POST",
                        format!("/api/v1/tasks/{id}/remind"),
                        Some(json!({"note": "請處理"})),
                    ),
                };
                let (got, answer) = srv.as_(&caller, method, &path, body).await;
                assert_eq!(got, expected(&caller, op), "{caller} {op}: {answer}");
                // Only the owner's own list, office a's whole list and a reminder's answer
                // name the task.
                if got.is_success() {
                    let should = op == "remind"
                        || (op == "all" && office == "a")
                        || caller == "a.dispatcher";
                    let names = answer.to_string().contains(&id);
                    assert_eq!(names, should, "{caller} {op}: {answer}");
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 42);
}
