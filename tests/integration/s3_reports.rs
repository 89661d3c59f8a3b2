//! The storeroom's and the fleet's figures over the API (S3 item 16), from cases written
//! on the phones: a delivery against an approved plan and a department's requisition
//! issued make the period's purchases, issues and stock value; CSV and XLSX carry Chinese
//! headings.

use baoxiu_server::store::Register;
use baoxiu_sync_core::OrderId;
use baoxiu_sync_core::Role;
use baoxiu_sync_core::supplies::issue::Line;
use baoxiu_sync_core::supplies::plan::{PlanLine, Source};
use baoxiu_sync_core::supplies::purchase::PlanBody;
use baoxiu_sync_core::supplies::requisition::RequisitionBody;
use baoxiu_tests::server::{Phone, TestServer};
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_sup_issue_the_period_s_purchases_issues_and_stock_value_from_the_phones_cases() {
    let srv = TestServer::start().await;
    let url = srv.ws_url();
    let clerk = srv.add_person("a", "張後勤", Role::LogisticsClerk).await;
    let leader = srv.add_person("a", "王局長", Role::Leader).await;
    let head = srv.add_person("a", "許科長", Role::DepartmentHead).await;
    let manager = srv.add_person("a", "林車管", Role::FleetManager).await;
    let office = clerk.person.office;
    let catalogue = serde_json::json!({
        "items": {"P-01": {"code": "P-01", "name": "A4影印紙", "category": "paper", "unit": "包",
            "reorder_level": 10, "restock_to": 50, "unit_price": 12000,
            "government_procurement": false, "dealers": []}},
        "category_dealers": {"paper": ["長春紙業", "文昌文具行"]}
    });
    srv.state()
        .store
        .set_register(office, Register::Catalogue, catalogue.to_string())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (mut c, mut l, mut h) = (
        Phone::new(&clerk, dir.path()),
        Phone::new(&leader, dir.path()),
        Phone::new(&head, dir.path()),
    );
    let plan = c
        .store
        .create_case(PlanBody::Drafted {
            plan: OrderId::new(),
            office,
            lines: vec![PlanLine {
                item: "P-01".into(),
                quantity: 40,
                source: Source::Dealer {
                    vendor: "長春紙業".into(),
                },
            }],
        })
        .unwrap()
        .order_id();
    c.sync(&url).await;
    l.sync(&url).await;
    l.store.record_case(plan, PlanBody::Approved).unwrap();
    l.sync(&url).await;
    c.sync(&url).await;
    c.store
        .record_case(
            plan,
            PlanBody::Received {
                vendor: "長春紙業".into(),
                delivered: vec![("P-01".into(), 40)],
            },
        )
        .unwrap();
    c.sync(&url).await;
    let req = h
        .store
        .create_case(RequisitionBody::Requested {
            requisition: OrderId::new(),
            office,
            department: "總務科".into(),
            lines: vec![Line {
                item: "P-01".into(),
                quantity: 15,
            }],
        })
        .unwrap()
        .order_id();
    h.store.record_case(req, RequisitionBody::Approved).unwrap();
    h.sync(&url).await;
    c.sync(&url).await;
    c.store.record_case(req, RequisitionBody::Checked).unwrap();
    c.store
        .record_case(
            req,
            RequisitionBody::Issued {
                lines: vec![Line {
                    item: "P-01".into(),
                    quantity: 15,
                }],
                override_reason: None,
            },
        )
        .unwrap();
    c.sync(&url).await;

    // The month the phones recorded in (their clocks: now), in the office's zone (Taipei,
    // UTC+8 all year).
    let month = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .format("%Y-%m")
        .to_string();
    let path = format!("/api/v1/reports/supplies?period={month}");
    let (s, r) = srv.call("GET", &path, Some(&leader.token), None).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["purchases"]["長春紙業"]["units"], 40);
    assert_eq!(r["issued"]["總務科"]["P-01"]["units"], 15);
    assert_eq!(r["issued"]["總務科"]["P-01"]["value"], 15 * 12_000);
    assert_eq!(r["stock_value"], 25 * 12_000);
    let (s, csv) = srv
        .call(
            "GET",
            &format!("{path}&format=csv"),
            Some(&clerk.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let csv = csv
        .as_str()
        .unwrap()
        .trim_start_matches('\u{feff}')
        .to_owned();
    assert!(csv.starts_with("類別,部門或廠商,品項,數量,金額"), "{csv}");
    assert!(csv.contains("領用,總務科,P-01,15,1800.00"), "{csv}");

    // Who may read which: the storeroom's figures are the clerk's and the leader's; the
    // fleet's the fleet manager's and the leader's.
    let table = [
        (&head, "supplies", StatusCode::FORBIDDEN),
        (&manager, "supplies", StatusCode::FORBIDDEN),
        (&clerk, "fleet", StatusCode::FORBIDDEN),
        (&manager, "fleet", StatusCode::OK),
        (&leader, "fleet", StatusCode::OK),
    ];
    for (who, report, want) in table {
        let (s, v) = srv
            .call(
                "GET",
                &format!("/api/v1/reports/{report}?period={month}"),
                Some(&who.token),
                None,
            )
            .await;
        assert_eq!(s, want, "{} {report}: {v}", who.person.name);
    }
    let (s, _) = srv
        .call(
            "GET",
            "/api/v1/reports/fleet?period=2026-Q5",
            Some(&leader.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

/// The period the phones record in (their clocks: now), in the office's zone (Taipei,
/// UTC+8 all year): its month and its quarter.
fn this_month_and_quarter() -> (String, String) {
    use chrono::Datelike;
    let now = chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap());
    (
        now.format("%Y-%m").to_string(),
        format!("{}-Q{}", now.year(), now.month0() / 3 + 1),
    )
}

fn csv_of(v: &serde_json::Value) -> String {
    v.as_str()
        .unwrap()
        .trim_start_matches('\u{feff}')
        .to_owned()
}

/// R-VEH-USE and R-VEH-MAINT in the fleet's report: a driver's refuels and a service,
/// logged on the phone, make the vehicle's fuel and the service against its schedule
/// (late by date here), in JSON and in each CSV sheet; the logged service restarts the
/// vehicle's schedule.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_veh_maint_fuel_and_services_from_the_logs_in_the_fleet_report() {
    use baoxiu_sync_core::vehicles::log::LogBody;
    const DAY: i64 = 86_400_000;
    let srv = TestServer::start().await;
    let url = srv.ws_url();
    let driver = srv.add_person("a", "陳司機", Role::Driver).await;
    let manager = srv.add_person("a", "林車管", Role::FleetManager).await;
    let office = driver.person.office;
    let now = chrono::Utc::now().timestamp_millis();
    let fleet = serde_json::json!({
        "vehicles": [{ "plate": "ABC-1234", "unit": "總務科", "drivers": [driver.person.id],
            "odometer_km": 13_000, "schedule": { "every_days": 180, "every_km": 5_000 },
            "last_service": { "at": now - 190 * DAY, "odometer_km": 10_000 } }],
        "shops": ["順安汽修"], "stations": ["中油民權站"]
    });
    srv.state()
        .store
        .set_register(office, Register::Fleet, fleet.to_string())
        .await
        .unwrap();
    let (s, due) = srv
        .call(
            "GET",
            "/api/v1/fleet/maintenance",
            Some(&manager.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(due[0]["status"], "overdue", "{due}");

    let dir = tempfile::tempdir().unwrap();
    let (mut m, mut d) = (
        Phone::new(&manager, dir.path()),
        Phone::new(&driver, dir.path()),
    );
    let log = m
        .store
        .create_case(LogBody::Opened {
            log: OrderId::new(),
            office,
            plate: "ABC-1234".into(),
        })
        .unwrap()
        .order_id();
    m.sync(&url).await;
    d.sync(&url).await;
    for (ml, km) in [(40_000, 13_000), (30_000, 13_500)] {
        d.store
            .record_case(
                log,
                LogBody::Refuelled {
                    station: "中油民權站".into(),
                    millilitres: ml,
                    amount: baoxiu_sync_core::Money(i64::try_from(ml).unwrap() * 3),
                    odometer_km: km,
                },
            )
            .unwrap();
    }
    d.store
        .record_case(
            log,
            LogBody::Serviced {
                odometer_km: 13_600,
                shop: "順安汽修".into(),
            },
        )
        .unwrap();
    d.sync(&url).await;

    let (month, _) = this_month_and_quarter();
    let path = format!("/api/v1/reports/fleet?period={month}");
    let (s, r) = srv.call("GET", &path, Some(&manager.token), None).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["fuel"]["ABC-1234"]["millilitres"], 70_000);
    assert_eq!(r["fuel"]["ABC-1234"]["km"], 500);
    assert_eq!(r["fuel"]["ABC-1234"]["ml_per_100km"], 6_000);
    assert_eq!(r["maintenance"][0]["plate"], "ABC-1234");
    assert_eq!(
        r["maintenance"][0]["on_time"], false,
        "190 days after the last"
    );
    for (sheet, heading, line) in [
        (
            "fuel",
            "車牌,加油量（公升）,金額,里程（公里）,每百公里油耗（公升）",
            "ABC-1234,70.0,2100.00,500,6.0",
        ),
        (
            "maintenance",
            "車牌,保養日期,里程（公里）,應保養日期,應保養里程,是否如期",
            "13600,",
        ),
    ] {
        let (s, csv) = srv
            .call(
                "GET",
                &format!("{path}&format=csv&sheet={sheet}"),
                Some(&manager.token),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{sheet}");
        let csv = csv_of(&csv);
        assert!(csv.starts_with(heading), "{csv}");
        assert!(csv.contains(line), "{csv}");
    }
    let (s, csv) = srv
        .call(
            "GET",
            &format!("{path}&format=csv&sheet=maintenance"),
            Some(&manager.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(csv_of(&csv).trim_end().ends_with("逾期"), "{csv}");
    let (s, _) = srv
        .call(
            "GET",
            &format!("{path}&format=csv&sheet=counts"),
            Some(&manager.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "the storeroom's sheet");
    let (s, _) = srv
        .call(
            "GET",
            &format!("{path}&format=xlsx"),
            Some(&manager.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // The service logged on the phone restarted the schedule.
    let (_, due) = srv
        .call(
            "GET",
            "/api/v1/fleet/maintenance",
            Some(&manager.token),
            None,
        )
        .await;
    assert_eq!(due[0]["status"], "not_due", "{due}");
}

/// R-SUP-COUNT's register in the storeroom's report: the quarter's count, item by item
/// against the ledger, in JSON and as its own CSV sheet; overdue by the office's deadline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_sup_count_the_quarter_s_count_register_in_the_supplies_report() {
    use baoxiu_sync_core::supplies::count::Quarter;
    use baoxiu_sync_core::supplies::stock_count::CountBody;
    let srv = TestServer::start().await;
    let url = srv.ws_url();
    let clerk = srv.add_person("a", "張後勤", Role::LogisticsClerk).await;
    let office = clerk.person.office;
    let (_, quarter) = this_month_and_quarter();
    let (year, q) = quarter.split_once("-Q").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut c = Phone::new(&clerk, dir.path());
    let count = c
        .store
        .create_case(CountBody::Opened {
            count: OrderId::new(),
            office,
            quarter: Quarter {
                year: year.parse().unwrap(),
                q: q.parse().unwrap(),
            },
            as_of: chrono::Utc::now().timestamp_millis(),
        })
        .unwrap()
        .order_id();
    c.store
        .record_case(
            count,
            CountBody::Counted {
                item: "P-01".into(),
                counted: 3,
                supersedes: Vec::new(),
            },
        )
        .unwrap();
    c.sync(&url).await;

    // The office gives itself the whole quarter to count: not overdue.
    let (s, mut settings) = srv
        .call(
            "GET",
            "/api/v1/settings",
            Some(&srv.who("a.admin").token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    settings["count_deadline_days"] = 90.into();
    let (s, v) = srv
        .call(
            "PUT",
            "/api/v1/settings",
            Some(&srv.who("a.admin").token),
            Some(settings),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    let path = format!("/api/v1/reports/supplies?period={quarter}");
    let (s, r) = srv.call("GET", &path, Some(&clerk.token), None).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let register = &r["counts"][0];
    assert_eq!(register["overdue"], false, "{register}");
    assert_eq!(register["lines"][0]["item"], "P-01");
    assert_eq!(register["lines"][0]["expected"], 0);
    assert_eq!(register["lines"][0]["delta"], 3);
    let (s, csv) = srv
        .call(
            "GET",
            &format!("{path}&format=csv&sheet=counts"),
            Some(&clerk.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let csv = csv_of(&csv);
    assert!(
        csv.starts_with("季度,盤點基準日,品項,帳面數量,盤點數量,差異,確認日期,逾期"),
        "{csv}"
    );
    assert!(
        csv.contains(&format!("{quarter},")) && csv.contains(",P-01,0,3,3,,否"),
        "{csv}"
    );
}
