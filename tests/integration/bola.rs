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

/// The roles of vehicles and supplies (S3) have no part in property repairs: they read,
/// list, change and sync no work order, in their own office or another; they may ask
/// who they are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_roles_see_no_work_order_through_any_door() {
    use baoxiu_server::store::DeviceCtx;
    use baoxiu_sync_core::protocol::OrderChanges;
    use baoxiu_sync_core::validate::Submitter;
    use baoxiu_sync_core::{Event, EventBody, EventId, OrderId, Role, WorkOrderDoc};

    let srv = TestServer::start().await;
    let id = srv.order("a", "scheduled", "tech1").await;
    let order: OrderId = id.parse().unwrap();
    let roles = [
        Role::Driver,
        Role::FleetManager,
        Role::Leader,
        Role::LogisticsClerk,
        Role::DepartmentHead,
        Role::Shop,
    ];
    for role in roles {
        let who = srv
            .add_person("a", &format!("a-{}", role.as_str()), role)
            .await;
        let token = Some(who.token.as_str());
        let (s, v) = srv.call("GET", "/api/v1/me", token, None).await;
        assert_eq!(s, StatusCode::OK, "{role:?}: {v}");
        assert_eq!(v["role"], role.as_str());
        for (method, path) in [
            ("GET", format!("/api/v1/orders/{id}")),
            ("GET", "/api/v1/orders".to_owned()),
            ("POST", format!("/api/v1/orders/{id}/receive")),
            ("GET", "/api/v1/settings".to_owned()),
        ] {
            let (s, v) = srv.call(method, &path, token, None).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{role:?} {method} {path}: {v}");
        }
        // Sync: the catch-up delivers no order, even a full repair of an office.
        let ctx = DeviceCtx {
            submitter: Submitter {
                author: who.author(),
                office: who.person.office,
            },
        };
        let up = srv
            .state()
            .store
            .catch_up_page(ctx, None, false, srv.state().now(), 1 << 20)
            .await
            .unwrap();
        assert!(up.repair, "{role:?}");
        assert!(
            up.documents.is_empty() && up.scope.is_empty(),
            "{role:?}: {up:?}"
        );
        // A change to the order (a note, which any repair role may add) is refused.
        let bytes = srv.state().store.document(order).await.unwrap().unwrap();
        let mut doc = WorkOrderDoc::load(&bytes, who.device).unwrap();
        let h = doc
            .append(&Event {
                id: EventId::new(),
                author: who.author(),
                at: srv.state().now(),
                offset: None,
                body: EventBody::Note {
                    text: "看看".into(),
                },
            })
            .unwrap();
        let change = doc.change_by_hash(&h).unwrap().raw_bytes().to_vec();
        let refused = srv
            .state()
            .store
            .submit(
                Submitter {
                    author: who.author(),
                    office: who.person.office,
                },
                vec![OrderChanges {
                    order,
                    changes: vec![change],
                }],
                srv.state().now(),
            )
            .await;
        let e = refused.expect_err("an S3 role wrote to a work order");
        assert!(format!("{e:?}").contains("Forbidden"), "{role:?}: {e:?}");
    }
}

/// A case of another kind sent as a work order is refused whole, naming its change: its
/// document's root says its kind, and a work order's root holds nothing but its schema,
/// id and facts (and the document layer reads a work order only as one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vehicle_repair_from_a_role_that_holds_none_is_refused_naming_its_change() {
    use baoxiu_server::store::SubmitError;
    use baoxiu_sync_core::protocol::{ErrorCode, OrderChanges};
    use baoxiu_sync_core::validate::Submitter;
    use baoxiu_sync_core::vehicles::case::{RepairBody, RepairDoc};
    use baoxiu_sync_core::{EventId, Fact, OrderId};

    let srv = TestServer::start().await;
    let who = srv.who("a.dispatcher");
    let repair = OrderId::new();
    let doc = RepairDoc::create(
        who.device,
        &Fact {
            id: EventId::new(),
            author: who.author(),
            at: srv.state().now(),
            offset: None,
            body: RepairBody::Requested {
                repair,
                office: who.person.office,
                plate: "ABC-1234".into(),
                fault: "剎車異響".into(),
            },
        },
    )
    .unwrap();
    let change = doc.all_changes()[0].clone();
    let refused = srv
        .state()
        .store
        .submit(
            Submitter {
                author: who.author(),
                office: who.person.office,
            },
            vec![OrderChanges {
                order: repair,
                changes: vec![change.raw_bytes().to_vec()],
            }],
            srv.state().now(),
        )
        .await;
    match refused {
        Err(SubmitError::Refused { refused, refusal }) => {
            assert_eq!(refused, vec![change.hash().0], "{refusal:?}");
            // The document names its kind; a dispatcher holds work orders, not repairs.
            assert_eq!(refusal.code, ErrorCode::Forbidden, "{refusal:?}");
            assert!(
                refusal.message.contains("holds no vehicle_repair"),
                "{refusal:?}"
            );
        }
        other => panic!("stored or otherwise refused: {other:?}"),
    }
    assert!(srv.state().store.order(repair).await.unwrap().is_none());
}

/// Complaints (R-CPL-*): what each caller should get on office a's complaint — referred by
/// a regulator, tied to no order — written here apart from the server's policy.
fn expected_on_complaint(caller: &str, op: &str) -> StatusCode {
    let (office, who) = caller.split_once('.').unwrap();
    let reads = matches!(who, "desk" | "supervisor" | "admin" | "dispatcher");
    let records = matches!(who, "desk" | "supervisor" | "admin");
    let decides = matches!(who, "supervisor" | "admin");
    let calls_back = matches!(who, "supervisor" | "admin" | "dispatcher");
    let allowed = match op {
        "read" | "report" => reads,
        "refer" => records,
        "callback" => calls_back,
        _ => decides,
    };
    if !allowed {
        return StatusCode::FORBIDDEN;
    }
    // Another office's complaint does not exist; a dispatcher sees only complaints tied to
    // an order.
    if office != "a" || (who == "dispatcher" && op != "refer") {
        return StatusCode::NOT_FOUND;
    }
    match op {
        "read" | "report" => StatusCode::OK,
        "callback" => StatusCode::CREATED,
        // Referred once already; the report answers a decision not made yet; the handling
        // is evaluated once it is over.
        _ => StatusCode::CONFLICT,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bola_complaints_each_role_reaches_only_its_office_s_complaints() {
    let srv = TestServer::start().await;
    let referral =
        serde_json::json!({"body": "消委會", "reply_due": "2099-01-01", "form": "letter"});
    let (s, v) = srv
        .as_(
            "a.desk",
            "POST",
            "/api/v1/complaints",
            Some(serde_json::json!({"channel": "letter", "complainant": "王", "by_customer_or_agent": true,
                "unit": "A-1", "subject": "漏水", "material_complete": true})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["complaint"]["id"].as_str().unwrap().to_owned();
    let actions = format!("/api/v1/complaints/{id}/actions");
    let (s, _) = srv
        .as_(
            "a.desk",
            "POST",
            &actions,
            Some(serde_json::json!({"action": "refer", "referral": referral})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let mut checked = 0;
    for caller in [
        "a.desk",
        "a.dispatcher",
        "a.supervisor",
        "a.finance",
        "a.admin",
        "a.tech1",
        "b.desk",
        "b.dispatcher",
        "b.supervisor",
        "b.finance",
        "b.admin",
        "b.tech1",
    ] {
        for op in [
            "read",
            "report",
            "refer",
            "report_sent",
            "callback",
            "evaluate",
        ] {
            let (method, path, body) = match op {
                "read" => ("GET", format!("/api/v1/complaints/{id}"), None),
                "report" => ("GET", format!("/api/v1/complaints/{id}/report"), None),
                "refer" => (
                    "POST",
                    actions.clone(),
                    Some(serde_json::json!({"action": "refer", "referral": referral})),
                ),
                "callback" => (
                    "POST",
                    format!("/api/v1/complaints/{id}/callbacks"),
                    Some(serde_json::json!({"method": "phone", "planned_at": 0})),
                ),
                "evaluate" => (
                    "POST",
                    actions.clone(),
                    Some(
                        serde_json::json!({"action": "evaluate", "evaluation": {"rating": "good"}}),
                    ),
                ),
                _ => (
                    "POST",
                    actions.clone(),
                    Some(serde_json::json!({"action": "report_sent"})),
                ),
            };
            let res = srv
                .http
                .request(method.parse().unwrap(), srv.url(&path))
                .bearer_auth(&srv.who(caller).token);
            let res = match body {
                Some(b) => res.json(&b),
                None => res,
            };
            let got = res.send().await.unwrap().status();
            assert_eq!(got, expected_on_complaint(caller, op), "{caller} {op}");
            checked += 1;
        }
    }
    assert_eq!(checked, 72);
}
