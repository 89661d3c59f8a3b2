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
