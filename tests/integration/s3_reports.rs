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
