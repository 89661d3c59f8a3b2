//! Object-level authorisation: every role × own/other office × own/other technician's
//! order × read/write/list, asserted against one policy table written here.

use reqwest::StatusCode;

use crate::server_support::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Read,
    /// POST /receive on a received order: allowed roles reach the rule (409).
    WriteReceive,
    /// POST /receipt on an unsigned order: finance reaches the rule (409).
    WriteReceipt,
    /// POST /appointment with a consented new time: allowed roles succeed (200).
    WriteAppointment,
    List,
}

/// The policy, independently of the server's code: what each caller should get.
fn expected(caller: &str, op: Op) -> StatusCode {
    let (office, who) = caller.split_once('.').unwrap();
    let same = office == "a";
    // Outside the office, or a technician not on the job: the order does not exist.
    let visible = same && who != "tech2";
    if op == Op::List {
        return StatusCode::OK;
    }
    if !visible {
        return StatusCode::NOT_FOUND;
    }
    let allowed = match op {
        Op::Read => true,
        Op::WriteReceive => matches!(who, "dispatcher" | "admin"),
        Op::WriteReceipt => matches!(who, "finance" | "admin"),
        Op::WriteAppointment => matches!(who, "dispatcher" | "admin" | "desk"),
        Op::List => true,
    };
    match (allowed, op) {
        (false, _) => StatusCode::FORBIDDEN,
        (true, Op::WriteReceive | Op::WriteReceipt) => StatusCode::CONFLICT,
        (true, _) => StatusCode::OK,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bola_matrix_matches_the_policy_table() {
    let srv = TestServer::start().await;
    // One order of office a, assigned to a.tech1.
    let id = srv.order("a", "scheduled", "tech1").await;
    let callers = [
        "a.desk",
        "a.dispatcher",
        "a.supervisor",
        "a.finance",
        "a.admin",
        "a.tech1",
        "a.tech2",
        "b.desk",
        "b.dispatcher",
        "b.supervisor",
        "b.finance",
        "b.admin",
        "b.tech1",
        "b.tech2",
    ];
    let mut checked = 0;
    for caller in callers {
        for op in [
            Op::Read,
            Op::WriteReceive,
            Op::WriteReceipt,
            Op::WriteAppointment,
            Op::List,
        ] {
            let (method, path, body) = match op {
                Op::Read => ("GET", format!("/api/v1/orders/{id}"), None),
                Op::WriteReceive => ("POST", format!("/api/v1/orders/{id}/receive"), None),
                Op::WriteReceipt => (
                    "POST",
                    format!("/api/v1/orders/{id}/receipt"),
                    Some(serde_json::json!({"number": "R1", "amount": 17000})),
                ),
                Op::WriteAppointment => (
                    "POST",
                    format!("/api/v1/orders/{id}/appointment"),
                    Some(
                        serde_json::json!({"at": chrono_now() + 7_200_000, "customer_consented": true, "reason": "x"}),
                    ),
                ),
                Op::List => ("GET", "/api/v1/orders?limit=500".to_owned(), None),
            };
            let (s, v) = srv.as_(caller, method, &path, body).await;
            assert_eq!(s, expected(caller, op), "{caller} {op:?}: {v}");
            if op == Op::List {
                let listed = v["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|i| i["id"] == id.as_str());
                let should = caller.starts_with("a.") && caller != "a.tech2";
                assert_eq!(listed, should, "{caller} lists the order: {listed}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 70);
}
