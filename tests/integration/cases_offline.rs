//! The S3 cases through the real device: each person's phone keeps its own store and
//! syncs with the sync session over the server's WebSocket, as in the field. Facts are
//! recorded with the phone offline and reach the others at the next sync.

use baoxiu_server::store::Register;
use baoxiu_sync_core::kinds::Kind;
use baoxiu_sync_core::vehicles::case::{
    self, RepairBody, RepairContext, RepairProblem, RepairState, RepairStatus,
};
use baoxiu_sync_core::vehicles::repair::{ItemKind, RepairItem};
use baoxiu_sync_core::{Money, OrderId, Role};
use baoxiu_tests::server::{Login, Phone, TestServer};

const SHOP: &str = "順安汽修";

fn ctx() -> RepairContext {
    RepairContext {
        shops: vec![SHOP.into()],
        settings: Default::default(),
    }
}

fn state(phone: &Phone, id: OrderId) -> RepairState {
    let doc = phone.store.case::<RepairBody>(id).unwrap();
    case::state_of(&doc, &ctx()).unwrap()
}

async fn fleet_office(srv: &TestServer) -> (Login, Login, Login, Login) {
    let driver = srv.add_person("a", "陳司機", Role::Driver).await;
    let manager = srv.add_person("a", "林車管", Role::FleetManager).await;
    let leader = srv.add_person("a", "王局長", Role::Leader).await;
    let clerk = srv.add_person("a", "張後勤", Role::LogisticsClerk).await;
    let fleet = serde_json::json!({
        "vehicles": [], "shops": [SHOP], "stations": ["中油民權站"]
    });
    srv.state()
        .store
        .set_register(driver.person.office, Register::Fleet, fleet.to_string())
        .await
        .unwrap();
    (driver, manager, leader, clerk)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_veh_accept_a_driver_requests_and_signs_offline_and_the_leader_approves_offline() {
    let srv = TestServer::start().await;
    let url = srv.ws_url();
    let (driver, manager, leader, clerk) = fleet_office(&srv).await;
    let dir = tempfile::tempdir().unwrap();
    let mut d = Phone::new(&driver, dir.path());
    let mut m = Phone::new(&manager, dir.path());
    let mut l = Phone::new(&leader, dir.path());
    let mut c = Phone::new(&clerk, dir.path());

    // On the road without signal: the driver's request is on the phone only.
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
    assert_eq!(d.store.cases().unwrap(), vec![(id, Kind::VehicleRepair)]);
    d.sync(&url).await;

    // The fleet manager assesses; the leader, away, approves offline and syncs later.
    m.sync(&url).await;
    m.store
        .record_case(
            id,
            RepairBody::Assessed {
                items: vec![RepairItem {
                    code: "1".into(),
                    description: "更換剎車片".into(),
                    kind: ItemKind::Part,
                    estimate: Money(80_000),
                }],
            },
        )
        .unwrap();
    m.sync(&url).await;
    l.sync(&url).await;
    l.store
        .record_case(id, RepairBody::Approved { ceiling: None })
        .unwrap();
    assert_eq!(
        state(&l, id).status,
        RepairStatus::Approved,
        "offline, on the phone"
    );
    l.sync(&url).await;
    c.sync(&url).await;
    c.store.record_case(id, RepairBody::Filed).unwrap();
    c.sync(&url).await;

    // The driver takes it to the designated shop; the fleet manager records the work.
    d.sync(&url).await;
    d.store
        .record_case(id, RepairBody::Sent { shop: SHOP.into() })
        .unwrap();
    d.sync(&url).await;
    m.sync(&url).await;
    m.store
        .record_case(
            id,
            RepairBody::Completed {
                done: vec!["1".into()],
                labour: Money(30_000),
            },
        )
        .unwrap();
    m.sync(&url).await;

    // Leaving the shop, in a basement car park: the driver inspects and signs offline,
    // bound to the items and costs the phone shows.
    d.sync(&url).await;
    let shown = state(&d, id);
    assert_eq!(shown.status, RepairStatus::Completed);
    d.store
        .record_case(
            id,
            RepairBody::Accepted {
                signed_hash: shown.acceptance_hash(),
            },
        )
        .unwrap();
    d.sync(&url).await;

    l.sync(&url).await;
    let st = state(&l, id);
    assert_eq!(st.status, RepairStatus::Accepted);
    assert!(st.acceptance_holds());
    assert!(st.flags.is_empty(), "{:?}", st.flags);
    for p in [&d, &m, &c] {
        assert_eq!(
            p.store.pending_changes().unwrap().len(),
            0,
            "everything acknowledged"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_veh_request_an_unauthorised_send_recorded_offline_is_kept_and_flagged() {
    let srv = TestServer::start().await;
    let url = srv.ws_url();
    let (driver, manager, _leader, _clerk) = fleet_office(&srv).await;
    let dir = tempfile::tempdir().unwrap();
    let mut d = Phone::new(&driver, dir.path());
    let mut m = Phone::new(&manager, dir.path());
    let id = d
        .store
        .create_case(RepairBody::Requested {
            repair: OrderId::new(),
            office: driver.person.office,
            plate: "ABC-1234".into(),
            fault: "冷氣不冷".into(),
        })
        .unwrap()
        .order_id();
    // Offline, before any approval, to a shop that is not designated: it happened, so
    // the phone records it and the server keeps it — flagged, for everyone to see.
    d.store
        .record_case(
            id,
            RepairBody::Sent {
                shop: "路邊車行".into(),
            },
        )
        .unwrap();
    d.sync(&url).await;
    assert_eq!(
        d.store.pending_changes().unwrap().len(),
        0,
        "accepted by the server"
    );
    m.sync(&url).await;
    let problems: Vec<RepairProblem> = state(&m, id).flags.into_iter().map(|f| f.problem).collect();
    // (A fact carries its first problem: here, that nothing was approved and filed.)
    assert_eq!(problems, vec![RepairProblem::SentBeforeFiled]);
    assert_eq!(state(&m, id).shop.as_deref(), Some("路邊車行"), "kept");
    // The phone itself refuses what no driver may record.
    assert!(
        d.store
            .record_case(id, RepairBody::Approved { ceiling: None })
            .is_err()
    );
}

/// BOLA for the case routes: each role reads the cases it holds — as on sync — and no
/// other; another office's, or another driver's, are not found (ids do not leak).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bola_cases_each_role_reads_only_the_cases_it_holds() {
    use baoxiu_sync_core::supplies::stock_count::CountBody;
    use reqwest::StatusCode;

    let srv = TestServer::start().await;
    let url = srv.ws_url();
    let (driver, manager, leader, clerk) = fleet_office(&srv).await;
    let other_driver = srv.add_person("a", "黃司機", Role::Driver).await;
    let head = srv.add_person("a", "許科長", Role::DepartmentHead).await;
    let elsewhere = srv.add_person("b", "乙車管", Role::FleetManager).await;
    let dir = tempfile::tempdir().unwrap();
    let mut d = Phone::new(&driver, dir.path());
    let repair = d
        .store
        .create_case(RepairBody::Requested {
            repair: OrderId::new(),
            office: driver.person.office,
            plate: "ABC-1234".into(),
            fault: "胎壓警示".into(),
        })
        .unwrap()
        .order_id();
    d.sync(&url).await;
    let mut c = Phone::new(&clerk, dir.path());
    let count = c
        .store
        .create_case(CountBody::Opened {
            count: OrderId::new(),
            office: clerk.person.office,
            quarter: baoxiu_sync_core::supplies::count::Quarter { year: 2026, q: 4 },
            as_of: 1_800_000_000_000,
        })
        .unwrap()
        .order_id();
    c.sync(&url).await;

    let dispatcher = srv.who("a.dispatcher").clone();
    // (who, sees the repair, sees the count; None: the role may not read cases at all)
    let table: Vec<(&Login, Option<(bool, bool)>)> = vec![
        (&driver, Some((true, false))),
        (&other_driver, Some((false, false))),
        (&manager, Some((true, false))),
        (&leader, Some((true, true))),
        (&clerk, Some((true, true))),
        (&head, Some((false, false))),
        (&elsewhere, Some((false, false))),
        (&dispatcher, None),
    ];
    for (who, sees) in table {
        let token = Some(who.token.as_str());
        let (s, listed) = srv.call("GET", "/api/v1/cases", token, None).await;
        let name = &who.person.name;
        let Some((repair_seen, count_seen)) = sees else {
            assert_eq!(s, StatusCode::FORBIDDEN, "{name}: {listed}");
            continue;
        };
        assert_eq!(s, StatusCode::OK, "{name}: {listed}");
        let ids: Vec<&str> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap())
            .collect();
        for (id, seen) in [(repair, repair_seen), (count, count_seen)] {
            assert_eq!(
                ids.contains(&id.to_string().as_str()),
                seen,
                "{name} lists {id}"
            );
            let (s, v) = srv
                .call("GET", &format!("/api/v1/cases/{id}"), token, None)
                .await;
            let want = if seen {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(s, want, "{name} reads {id}: {v}");
        }
    }
    // The repair as its driver reads it: its state from the reducer, its one fact.
    let (s, v) = srv
        .call(
            "GET",
            &format!("/api/v1/cases/{repair}"),
            Some(&driver.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["case"]["kind"], "vehicle_repair");
    assert_eq!(v["state"]["status"], "requested");
    assert_eq!(v["facts"].as_array().unwrap().len(), 1);
    let (s, _) = srv
        .call(
            "GET",
            "/api/v1/cases?kind=work_order",
            Some(&leader.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, v) = srv
        .call(
            "GET",
            "/api/v1/cases?kind=stock_count",
            Some(&leader.token),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v.as_array().unwrap().len(), 1);
}

/// R-VEH-COSTLY's threshold is the office's setting: the same repair read under a lower
/// threshold shows the part fitted without the leader's approval.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_veh_costly_the_threshold_is_the_office_s_setting() {
    use baoxiu_sync_core::vehicles::repair::FittedPart;
    use reqwest::StatusCode;

    let srv = TestServer::start().await;
    let url = srv.ws_url();
    let (driver, manager, leader, clerk) = fleet_office(&srv).await;
    let dir = tempfile::tempdir().unwrap();
    let mut d = Phone::new(&driver, dir.path());
    let mut m = Phone::new(&manager, dir.path());
    let mut l = Phone::new(&leader, dir.path());
    let mut c = Phone::new(&clerk, dir.path());
    let id = d
        .store
        .create_case(RepairBody::Requested {
            repair: OrderId::new(),
            office: driver.person.office,
            plate: "ABC-1234".into(),
            fault: "起步抖動".into(),
        })
        .unwrap()
        .order_id();
    d.sync(&url).await;
    m.sync(&url).await;
    m.store
        .record_case(
            id,
            RepairBody::Assessed {
                items: vec![RepairItem {
                    code: "1".into(),
                    description: "更換引擎腳".into(),
                    kind: ItemKind::Part,
                    estimate: Money(80_000),
                }],
            },
        )
        .unwrap();
    m.sync(&url).await;
    l.sync(&url).await;
    l.store
        .record_case(id, RepairBody::Approved { ceiling: None })
        .unwrap();
    l.sync(&url).await;
    c.sync(&url).await;
    c.store.record_case(id, RepairBody::Filed).unwrap();
    c.sync(&url).await;
    m.sync(&url).await;
    m.store
        .record_case(
            id,
            RepairBody::PartFitted {
                part: FittedPart {
                    item: "1".into(),
                    part: "引擎腳（原廠）".into(),
                    quantity: 1,
                    unit_price: Money(80_000),
                    warranty_months: 12,
                },
            },
        )
        .unwrap();
    m.sync(&url).await;

    let flags = || async {
        let (s, v) = srv
            .call(
                "GET",
                &format!("/api/v1/cases/{id}"),
                Some(&manager.token),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["state"]["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["problem"]["kind"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert!(flags().await.is_empty(), "under the default 2,000.00");
    let (_, mut settings) = srv.as_("a.admin", "GET", "/api/v1/settings", None).await;
    settings["costly_part"] = 50_000.into();
    let (s, v) = srv
        .as_("a.admin", "PUT", "/api/v1/settings", Some(settings))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(flags().await, vec!["costly_without_approval".to_owned()]);
}

/// R-VEH-USE through the phones: the fleet manager opens the vehicle's log; its driver —
/// a member because the fleet register lists him for the vehicle — records a trip out of
/// the city offline; it is flagged until the leader's consent arrives, and both merge.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_veh_use_a_driver_s_offline_trip_merges_with_the_leader_s_later_consent() {
    use baoxiu_sync_core::vehicles::log::{self, LogBody};
    use baoxiu_sync_core::vehicles::usage::UseFlag;

    let srv = TestServer::start().await;
    let url = srv.ws_url();
    let (driver, manager, leader, _clerk) = fleet_office(&srv).await;
    // The register lists the driver for the vehicle.
    let fleet = serde_json::json!({
        "vehicles": [{"plate": "ABC-1234", "unit": "總務科", "drivers": [driver.person.id],
            "odometer_km": 52000, "schedule": {"every_days": 180, "every_km": 10000},
            "last_service": {"at": 1_790_000_000_000_i64, "odometer_km": 50000}}],
        "shops": [SHOP], "stations": ["中油民權站"]
    });
    srv.state()
        .store
        .set_register(driver.person.office, Register::Fleet, fleet.to_string())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (mut d, mut m, mut l) = (
        Phone::new(&driver, dir.path()),
        Phone::new(&manager, dir.path()),
        Phone::new(&leader, dir.path()),
    );
    let id = m
        .store
        .create_case(LogBody::Opened {
            log: OrderId::new(),
            office: manager.person.office,
            plate: "ABC-1234".into(),
        })
        .unwrap()
        .order_id();
    m.sync(&url).await;
    d.sync(&url).await;
    assert_eq!(
        d.store.cases().unwrap(),
        vec![(id, Kind::VehicleLog)],
        "the vehicle's driver holds its log"
    );
    // On the road: a trip to another city, recorded offline.
    let t0 = 1_800_000_000_000;
    let trip = d
        .store
        .record_case(
            id,
            LogBody::Trip {
                start: t0,
                end: t0 + 5 * 3_600_000,
                odometer_start: 52_000,
                odometer_end: 52_180,
                private: false,
                out_of_city: true,
            },
        )
        .unwrap()
        .events()
        .last()
        .and_then(|e| e.event.as_ref().ok())
        .map(|f| f.id)
        .unwrap();
    let stations = vec!["中油民權站".to_owned()];
    let flags = |p: &Phone| {
        log::state_of(&p.store.case::<LogBody>(id).unwrap(), &stations)
            .unwrap()
            .flags
    };
    assert_eq!(
        flags(&d),
        vec![UseFlag::LeftCityWithoutConsent {
            trip: trip.to_string()
        }]
    );
    d.sync(&url).await;
    // The leader, reached later, consents; every phone converges on no flag.
    l.sync(&url).await;
    l.store
        .record_case(id, LogBody::LeaveConsented { trip })
        .unwrap();
    l.sync(&url).await;
    d.sync(&url).await;
    m.sync(&url).await;
    for p in [&d, &m, &l] {
        assert!(flags(p).is_empty(), "{:?}", flags(p));
        assert_eq!(p.store.case::<LogBody>(id).unwrap().facts().len(), 3);
    }
}
