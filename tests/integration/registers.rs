//! The office's registers for vehicles and supplies (S3) through the API: who may read and
//! keep them, a register replaced whole or refused naming each problem, each office's
//! own, and the maintenance each vehicle is due (R-VEH-MAINT).

use baoxiu_sync_core::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::server_support::*;

const DAY: i64 = 86_400_000;

fn fleet(now: i64) -> serde_json::Value {
    json!({
        "vehicles": [
            // Serviced 10 days ago at 10,000 km, now at 11,000: not due.
            {"plate": "ABC-1234", "unit": "辦公室", "odometer_km": 11_000,
             "every_days": 180, "every_km": 5_000,
             "last_service_at": now - 10 * DAY, "last_service_km": 10_000},
            // 170 days ago: due within the office's 14 days.
            {"plate": "XYZ-9", "odometer_km": 12_000, "every_days": 180,
             "last_service_at": now - 170 * DAY, "last_service_km": 11_900},
            // Past its distance.
            {"plate": "KLM-5", "odometer_km": 20_100, "every_km": 5_000,
             "last_service_at": now - DAY, "last_service_km": 15_000},
            // No schedule.
            {"plate": "OLD-1", "odometer_km": 1, "last_service_at": now, "last_service_km": 1}
        ],
        "shops": ["順安汽修", "大華車廠"],
        "stations": ["中油民生站"]
    })
}

fn catalogue() -> serde_json::Value {
    json!({
        "items": [
            {"code": "pen-b", "name": "原子筆 藍", "category": "writing_tools", "unit": "支",
             "reorder_level": 20, "restock_to": 100, "unit_price": 800,
             "dealers": ["文具行甲", "文具行乙"]},
            {"code": "a4", "name": "A4 影印紙", "category": "paper", "unit": "包",
             "reorder_level": 10, "restock_to": 40, "unit_price": 12_000},
            {"code": "toner", "name": "碳粉匣", "category": "consumables", "unit": "個",
             "reorder_level": 2, "restock_to": 6, "unit_price": 250_000,
             "government_procurement": true}
        ],
        "category_dealers": [{"category": "paper", "dealers": ["紙業甲", "紙業乙", "紙業丙"]}]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_registers_roles_may_read_and_keep_them_as_the_policy_says() {
    let srv = TestServer::start().await;
    let now = srv.state().now();
    // (role, reads the fleet, keeps it, reads the catalogue, keeps it)
    let cases = [
        (Role::Driver, true, false, false, false),
        (Role::FleetManager, true, true, false, false),
        (Role::Leader, true, false, true, false),
        (Role::LogisticsClerk, true, false, true, true),
        (Role::DepartmentHead, false, false, true, false),
        (Role::Shop, false, false, false, false),
        (Role::Admin, true, true, true, true),
        (Role::Dispatcher, false, false, false, false),
        (Role::Technician, false, false, false, false),
    ];
    for (role, read_fleet, keep_fleet, read_cat, keep_cat) in cases {
        let who = srv
            .add_person("a", &format!("a-{}", role.as_str()), role)
            .await;
        let t = Some(who.token.as_str());
        let status = |ok: bool, success: StatusCode| {
            if ok { success } else { StatusCode::FORBIDDEN }
        };
        for (method, path, body, ok) in [
            ("GET", "/api/v1/fleet", None, read_fleet),
            ("GET", "/api/v1/fleet/maintenance", None, read_fleet),
            ("PUT", "/api/v1/fleet", Some(fleet(now)), keep_fleet),
            ("GET", "/api/v1/supplies/catalogue", None, read_cat),
            (
                "PUT",
                "/api/v1/supplies/catalogue",
                Some(catalogue()),
                keep_cat,
            ),
        ] {
            let (s, v) = srv.call(method, path, t, body).await;
            assert_eq!(
                s,
                status(ok, StatusCode::OK),
                "{role:?} {method} {path}: {v}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_veh_maint_the_fleet_register_round_trips_and_shows_what_is_due() {
    let srv = TestServer::start().await;
    let now = srv.state().now();
    let manager = srv.add_person("a", "車管", Role::FleetManager).await;
    let t = Some(manager.token.as_str());
    // Empty until kept.
    let (s, v) = srv.call("GET", "/api/v1/fleet", t, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["vehicles"], json!([]));
    assert_eq!(v["warning_days"], 14);
    let (s, v) = srv.call("PUT", "/api/v1/fleet", t, Some(fleet(now))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, back) = srv.call("GET", "/api/v1/fleet", t, None).await;
    assert_eq!(back, v);
    assert_eq!(back["shops"], json!(["順安汽修", "大華車廠"]));
    let (s, due) = srv.call("GET", "/api/v1/fleet/maintenance", t, None).await;
    assert_eq!(s, StatusCode::OK, "{due}");
    let statuses: Vec<(&str, &str)> = due
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["plate"].as_str().unwrap(), d["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("ABC-1234", "not_due"),
            ("XYZ-9", "due_soon"),
            ("KLM-5", "overdue"),
            ("OLD-1", "unscheduled")
        ]
    );
    assert_eq!(due[2]["next_km"], 20_000);
    // The office's warning is its own: 5 days ahead, XYZ-9 (10 days off) is not due yet.
    let mut f = fleet(now);
    f["warning_days"] = json!(5);
    let (s, _) = srv.call("PUT", "/api/v1/fleet", t, Some(f)).await;
    assert_eq!(s, StatusCode::OK);
    let (_, due) = srv.call("GET", "/api/v1/fleet/maintenance", t, None).await;
    assert_eq!(due[1]["status"], "not_due");
    // Another office's fleet is its own: empty.
    let b = srv.add_person("b", "乙車管", Role::FleetManager).await;
    let (_, other) = srv.call("GET", "/api/v1/fleet", Some(&b.token), None).await;
    assert_eq!(other["vehicles"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_register_that_breaks_a_rule_is_refused_whole_naming_each_problem() {
    let srv = TestServer::start().await;
    let now = srv.state().now();
    let admin = srv.who("a.admin").token.clone();
    let t = Some(admin.as_str());
    let (s, _) = srv.call("PUT", "/api/v1/fleet", t, Some(fleet(now))).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = srv
        .call("PUT", "/api/v1/supplies/catalogue", t, Some(catalogue()))
        .await;
    assert_eq!(s, StatusCode::OK);
    // (path, body, what the refusal names)
    let mut twice = fleet(now);
    twice["vehicles"][1]["plate"] = json!("abc-1234");
    let mut backwards = fleet(now);
    backwards["vehicles"][0]["odometer_km"] = json!(9_000);
    let mut one_dealer = catalogue();
    one_dealer["items"][0]["dealers"] = json!(["文具行甲"]);
    let mut no_dealer = catalogue();
    no_dealer["category_dealers"] = json!([]);
    let mut code_twice = catalogue();
    code_twice["items"][1]["code"] = json!("pen-b");
    let mut far = fleet(now);
    far["vehicles"][0]["odometer_km"] = json!(10_000_001);
    let mut four = catalogue();
    four["category_dealers"][0]["dealers"] = json!(["甲", "乙", "丙", "丁"]);
    let conflict = StatusCode::CONFLICT;
    // (path, body, status, what the refusal names): a register that breaks a rule is a
    // conflict with the rules (409); a body that does not decode is malformed (422).
    let cases = [
        ("/api/v1/fleet", twice, conflict, "duplicate_plate"),
        ("/api/v1/fleet", backwards, conflict, "odometer"),
        ("/api/v1/fleet", far, conflict, "odometer"),
        // R-SUP-VENDOR: two or three dealers, the item's or its category's.
        (
            "/api/v1/supplies/catalogue",
            one_dealer,
            conflict,
            "dealers",
        ),
        ("/api/v1/supplies/catalogue", no_dealer, conflict, "dealers"),
        (
            "/api/v1/supplies/catalogue",
            four,
            conflict,
            "category_dealers",
        ),
        ("/api/v1/supplies/catalogue", code_twice, conflict, "twice"),
        (
            "/api/v1/supplies/catalogue",
            json!({"items": [{"code": "x", "name": "x", "category": "food", "unit": "個",
                   "reorder_level": 1, "restock_to": 2, "unit_price": 1}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
        ),
    ];
    for (path, body, status, named) in cases {
        let (s, v) = srv.call("PUT", path, t, Some(body)).await;
        assert_eq!(s, status, "{path}: {v}");
        let m = v["error"]["message"].as_str().unwrap_or_default();
        assert!(m.contains(named), "{path}: {m}");
    }
    // Nothing of the refused ones was kept.
    let (_, f) = srv.call("GET", "/api/v1/fleet", t, None).await;
    assert_eq!(f["vehicles"][0]["odometer_km"], 11_000);
    assert_eq!(f["vehicles"][1]["plate"], "XYZ-9");
    let (_, c) = srv.call("GET", "/api/v1/supplies/catalogue", t, None).await;
    assert_eq!(c["items"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        c["category_dealers"][0]["dealers"].as_array().map(Vec::len),
        Some(3)
    );
}

/// A register stored by something else than this server that does not decode is an
/// error, never an empty register that a save would then overwrite.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_register_that_does_not_decode_is_corrupt_not_empty() {
    use baoxiu_server::store::Register;
    let srv = TestServer::start().await;
    let office = srv.who("a.admin").person.office;
    srv.state()
        .store
        .set_register(office, Register::Fleet, r#"{"vehicles": 3}"#.into())
        .await
        .unwrap();
    let (s, v) = srv
        .call(
            "GET",
            "/api/v1/fleet",
            Some(&srv.who("a.admin").token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR, "{v}");
    assert_eq!(v["error"]["code"], "corrupt");
}
