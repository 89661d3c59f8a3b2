//! The S3 cases written through the API (the console's door): a fact recorded there takes
//! the phones' path — the same validation, the same log, the same catch-up — so a leader's
//! approval at a desk reaches the driver's phone, and a phone's fact the console's view.

use baoxiu_server::store::Register;
use baoxiu_sync_core::supplies::requisition::{RequisitionBody, RequisitionStatus};
use baoxiu_sync_core::vehicles::case::{self, RepairBody, RepairContext, RepairStatus};
use baoxiu_sync_core::{OrderId, Role};
use baoxiu_tests::server::{Login, Phone, TestServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

const SHOP: &str = "順安汽修";

async fn fleet(srv: &TestServer, driver: &Login) {
    let fleet = json!({ "vehicles": [], "shops": [SHOP], "stations": [] });
    srv.state()
        .store
        .set_register(driver.person.office, Register::Fleet, fleet.to_string())
        .await
        .unwrap();
}

async fn record(srv: &TestServer, who: &Login, id: OrderId, fact: Value) -> (StatusCode, Value) {
    srv.call(
        "POST",
        &format!("/api/v1/cases/{id}/facts"),
        Some(&who.token),
        Some(fact),
    )
    .await
}

async fn facts(srv: &TestServer, who: &Login, id: OrderId) -> usize {
    let (s, v) = srv
        .call(
            "GET",
            &format!("/api/v1/cases/{id}"),
            Some(&who.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["facts"].as_array().unwrap().len()
}

fn requested(office: impl std::fmt::Display, id: OrderId) -> Value {
    json!({ "requisition": { "kind": "requested", "data": {
        "requisition": id, "office": office.to_string(), "department": "總務科",
        "lines": [{ "item": "A4 影印紙", "quantity": 5 }] } } })
}

/// R-SUP-ISSUE at a desk: the head requisitions and approves in the console; the clerk's
/// phone receives it, checks it offline, and the console shows the clerk's step. A step
/// out of order is refused by the rule, and nothing of it is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_sup_issue_a_head_approves_in_the_console_and_the_clerk_s_phone_receives_it() {
    let srv = TestServer::start().await;
    let url = srv.ws_url();
    let head = srv.add_person("a", "許科長", Role::DepartmentHead).await;
    let clerk = srv.add_person("a", "張後勤", Role::LogisticsClerk).await;
    let id = OrderId::new();
    let (s, v) = srv
        .call(
            "POST",
            "/api/v1/cases",
            Some(&head.token),
            Some(requested(head.person.office, id)),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["state"]["status"], "requested");
    assert_eq!(v["facts"][0]["author"]["user"], head.person.id.to_string());

    // Checked before approved: the clerk's step is refused by the rule, not stored.
    let (s, v) = record(
        &srv,
        &clerk,
        id,
        json!({ "requisition": { "kind": "checked" } }),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"]["code"], "R-SUP-ISSUE");
    assert_eq!(facts(&srv, &head, id).await, 1);

    let (s, v) = record(
        &srv,
        &head,
        id,
        json!({ "requisition": { "kind": "approved" } }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"]["status"], "approved");

    let dir = tempfile::tempdir().unwrap();
    let mut c = Phone::new(&clerk, dir.path());
    c.sync(&url).await;
    let doc = c.store.case::<RequisitionBody>(id).unwrap();
    let st = baoxiu_sync_core::supplies::requisition::state_of(&doc).unwrap();
    assert_eq!(
        st.status,
        RequisitionStatus::Approved,
        "on the clerk's phone"
    );
    c.store.record_case(id, RequisitionBody::Checked).unwrap();
    c.sync(&url).await;
    let (_, v) = srv
        .call(
            "GET",
            &format!("/api/v1/cases/{id}"),
            Some(&head.token),
            None,
        )
        .await;
    assert_eq!(v["state"]["status"], "checked");
    assert_eq!(v["facts"].as_array().unwrap().len(), 3);

    // The clerk issues what is left, by the very fact the server offers.
    let (_, v) = srv
        .call(
            "GET",
            &format!("/api/v1/cases/{id}"),
            Some(&clerk.token),
            None,
        )
        .await;
    let issue = v["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "issue")
        .unwrap_or_else(|| panic!("no issue offered: {v}"))["fact"]
        .clone();
    assert_eq!(issue["requisition"]["data"]["lines"][0]["quantity"], 5);
    let (s, v) = record(&srv, &clerk, id, issue).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"]["status"], "issued");
}

/// The names of the steps `who` is offered on the case now.
async fn actions(srv: &TestServer, who: &Login, id: OrderId) -> Vec<String> {
    let (s, v) = srv
        .call(
            "GET",
            &format!("/api/v1/cases/{id}"),
            Some(&who.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_owned())
        .collect()
}

/// R-VEH-REQUEST from the office: the driver's offline request is assessed and approved
/// in the console, and the approval reaches the driver's phone. Nobody but the driver
/// sends the vehicle, whichever the door.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_veh_request_the_leader_approves_in_the_console_and_the_driver_s_phone_receives_it() {
    let srv = TestServer::start().await;
    let url = srv.ws_url();
    let driver = srv.add_person("a", "陳司機", Role::Driver).await;
    let manager = srv.add_person("a", "林車管", Role::FleetManager).await;
    let leader = srv.add_person("a", "王局長", Role::Leader).await;
    fleet(&srv, &driver).await;
    let dir = tempfile::tempdir().unwrap();
    let mut d = Phone::new(&driver, dir.path());
    let id = d
        .store
        .create_case(RepairBody::Requested {
            repair: OrderId::new(),
            office: driver.person.office,
            plate: "ABC-1234".into(),
            fault: "剎車異響".into(),
        })
        .unwrap()
        .order_id();
    d.sync(&url).await;

    let assessed = json!({ "vehicle_repair": { "kind": "assessed", "data": { "items": [
        { "code": "1", "description": "更換剎車片", "kind": "part", "estimate": 80000 } ] } } });
    let (s, v) = record(&srv, &manager, id, assessed).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let approved = json!({ "vehicle_repair": { "kind": "approved", "data": {} } });
    assert_eq!(actions(&srv, &leader, id).await, ["approve", "note"]);
    assert_eq!(actions(&srv, &driver, id).await, ["note"]);
    let (s, v) = record(&srv, &leader, id, approved).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["state"]["status"], "approved");

    // R-VEH-REQUEST: the leader does not send the vehicle (refused at the door).
    let sent = json!({ "vehicle_repair": { "kind": "sent", "data": { "shop": SHOP } } });
    let (s, v) = record(&srv, &leader, id, sent).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(facts(&srv, &leader, id).await, 3);

    d.sync(&url).await;
    let doc = d.store.case::<RepairBody>(id).unwrap();
    let ctx = RepairContext {
        shops: vec![SHOP.into()],
        settings: Default::default(),
    };
    let st = case::state_of(&doc, &ctx).unwrap();
    assert_eq!(st.status, RepairStatus::Approved, "on the driver's phone");
    assert!(st.flags.is_empty(), "{:?}", st.flags);
}

/// BOLA for the writes: a case outside the caller's reach is not found, whatever the
/// fact; a role records only its own facts; a case opens once, in the caller's office,
/// within the kind's bounds. Every refusal leaves the case as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bola_case_writes_each_role_writes_only_what_it_may() {
    let srv = TestServer::start().await;
    let head = srv.add_person("a", "許科長", Role::DepartmentHead).await;
    let other_head = srv.add_person("a", "蔡科長", Role::DepartmentHead).await;
    let clerk = srv.add_person("a", "張後勤", Role::LogisticsClerk).await;
    let driver = srv.add_person("a", "陳司機", Role::Driver).await;
    let elsewhere = srv.add_person("b", "乙後勤", Role::LogisticsClerk).await;
    let dispatcher = srv.who("a.dispatcher").clone();
    let id = OrderId::new();
    let (s, v) = srv
        .call(
            "POST",
            "/api/v1/cases",
            Some(&head.token),
            Some(requested(head.person.office, id)),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let approve = json!({ "requisition": { "kind": "approved" } });
    let note = json!({ "requisition": { "kind": "note", "data": { "text": "請盡快" } } });

    // (who, fact, status, error code when refused)
    let table: Vec<(&Login, Value, StatusCode)> = vec![
        // Not the caller's case: not found, so ids do not leak.
        (&other_head, approve.clone(), StatusCode::NOT_FOUND),
        (&driver, note.clone(), StatusCode::NOT_FOUND),
        (&elsewhere, note.clone(), StatusCode::NOT_FOUND),
        // A role without cases at all: the policy's 403.
        (&dispatcher, note.clone(), StatusCode::FORBIDDEN),
        // The clerk holds the office's requisitions but does not approve them.
        (&clerk, approve.clone(), StatusCode::FORBIDDEN),
        // Another kind's fact on a requisition.
        (
            &clerk,
            json!({ "stock_count": { "kind": "note", "data": { "text": "x" } } }),
            StatusCode::CONFLICT,
        ),
        // A first fact again: the case is open.
        (
            &head,
            requested(head.person.office, id),
            StatusCode::CONFLICT,
        ),
        // Beyond the kind's bounds (R-SUP: text up to 2,000 characters).
        (
            &head,
            json!({ "requisition": { "kind": "note", "data": { "text": "字".repeat(2001) } } }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        // Not a fact at all.
        (
            &head,
            json!({ "requisition": { "kind": "approved", "extra": 1 }, "more": 2 }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (who, fact, want) in table {
        let (s, v) = record(&srv, who, id, fact.clone()).await;
        assert_eq!(s, want, "{} records {fact}: {v}", who.person.name);
        assert!(v["error"]["code"].is_string(), "{v}");
    }
    assert_eq!(
        facts(&srv, &head, id).await,
        1,
        "every refusal stored nothing"
    );

    // Opening: once, in the caller's own office, by a role that opens the kind.
    let open = |who: &Login, body: Value| {
        let token = who.token.clone();
        let srv = &srv;
        async move {
            srv.call("POST", "/api/v1/cases", Some(&token), Some(body))
                .await
        }
    };
    let (s, v) = open(&head, requested(head.person.office, id)).await;
    assert_eq!(s, StatusCode::CONFLICT, "the same id twice: {v}");
    let (s, v) = open(&head, requested(elsewhere.person.office, OrderId::new())).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "in another office: {v}");
    let (s, v) = open(&driver, requested(driver.person.office, OrderId::new())).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "a driver does not requisition: {v}"
    );
    let (s, v) = open(&head, json!({ "requisition": { "kind": "approved" } })).await;
    assert_eq!(s, StatusCode::CONFLICT, "not a first fact: {v}");
    let (s, listed) = srv
        .call("GET", "/api/v1/cases", Some(&clerk.token), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");

    // What each may open, as the console learns it from the server.
    for (who, opens) in [
        (&head, vec!["requisition"]),
        (&driver, vec!["vehicle_repair"]),
        (&clerk, vec!["requisition", "stock_count", "purchase_plan"]),
        (&dispatcher, vec![]),
    ] {
        let (s, me) = srv.call("GET", "/api/v1/me", Some(&who.token), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(me["opens_cases"], json!(opens), "{}", who.person.name);
    }
}
