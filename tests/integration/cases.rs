//! Cases of the S3 kinds through the sync engine, on both backends: created and written
//! offline, checked by the same validation as orders, stored in the same log and caught
//! up by the same scope rules — each role receives the kinds it holds, and only those.

use std::sync::Arc;

use baoxiu_server::Store;
use baoxiu_server::store::{CatchUp, DeviceCtx, SubmitError};
use baoxiu_sync_core::doc::{CaseDoc, CaseFacts};
use baoxiu_sync_core::protocol::{ErrorCode, OrderChanges};
use baoxiu_sync_core::supplies::count::Quarter;
use baoxiu_sync_core::supplies::stock_count::{self, CountBody, CountDoc};
use baoxiu_sync_core::validate::Submitter;
use baoxiu_sync_core::vehicles::case::{self, RepairBody, RepairContext, RepairDoc, RepairStatus};
use baoxiu_sync_core::vehicles::repair::{ItemKind, RepairItem};
use baoxiu_sync_core::{
    Author, DeviceId, EventId, Fact, Money, Office, OfficeId, OrderId, Person, Role, UserId,
};

use crate::conformance::{postgres, sqlite};

macro_rules! on_both_backends {
    ($($case:ident),* $(,)?) => {
        mod sqlite_backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let (store, _dir) = super::sqlite(stringify!($case)).await.unwrap();
                    super::$case(store).await;
                }
            )*
        }
        mod postgres_backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let Some((store, _db)) = super::postgres(stringify!($case)).await else {
                        return;
                    };
                    super::$case(store).await;
                }
            )*
        }
    };
}

on_both_backends!(
    r_veh_request_a_driver_s_offline_repair_reaches_the_fleet_and_its_approval_the_driver,
    a_role_that_holds_no_repair_is_refused_and_receives_none,
    r_sup_count_two_devices_count_offline_and_the_server_merges_both,
);

const T0: i64 = 1_800_000_000_000;

struct People {
    office: OfficeId,
    driver: Author,
    co_driver: Author,
    manager: Author,
    leader: Author,
    clerk: Author,
    clerk_tablet: Author,
    head: Author,
    dispatcher: Author,
}

fn person(role: Role) -> Author {
    Author {
        user: UserId::new(),
        device: DeviceId::new(),
        role,
    }
}

async fn people(store: &dyn Store) -> People {
    let office = OfficeId::new();
    store
        .upsert_office(Office {
            id: office,
            name: "總務科".into(),
            time_zone: "Asia/Taipei".into(),
            currency: "TWD".into(),
        })
        .await
        .unwrap();
    let clerk = person(Role::LogisticsClerk);
    let p = People {
        office,
        driver: person(Role::Driver),
        co_driver: person(Role::Driver),
        manager: person(Role::FleetManager),
        leader: person(Role::Leader),
        // The clerk counts on a phone and a tablet: one person, two devices.
        clerk_tablet: Author {
            device: DeviceId::new(),
            ..clerk.clone()
        },
        clerk,
        head: person(Role::DepartmentHead),
        dispatcher: person(Role::Dispatcher),
    };
    for a in [
        &p.driver,
        &p.co_driver,
        &p.manager,
        &p.leader,
        &p.clerk,
        &p.head,
        &p.dispatcher,
    ] {
        store
            .upsert_user(Person {
                id: a.user,
                name: format!("{:?}", a.role),
                role: a.role,
                office,
                specialties: vec![],
                zone: None,
                token_version: 0,
                active: true,
            })
            .await
            .unwrap();
    }
    for a in [
        &p.driver,
        &p.co_driver,
        &p.manager,
        &p.leader,
        &p.clerk,
        &p.clerk_tablet,
        &p.head,
        &p.dispatcher,
    ] {
        store.register_device(a.user, a.device).await.unwrap();
    }
    // The co-driver drives the vehicle: a member of its cases without writing in them.
    let fleet = serde_json::json!({
        "vehicles": [{
            "plate": "ABC-1234", "unit": "一中隊", "drivers": [p.co_driver.user],
            "odometer_km": 52000, "schedule": {"every_days": 180, "every_km": 10000},
            "last_service": {"at": T0 - 90 * 86_400_000, "odometer_km": 50000}
        }],
        "shops": ["順安汽修"], "stations": ["中油民權站"]
    });
    store
        .set_register(
            office,
            baoxiu_server::store::Register::Fleet,
            fleet.to_string(),
        )
        .await
        .unwrap();
    p
}

fn submitter(p: &People, a: &Author) -> Submitter {
    Submitter {
        author: a.clone(),
        office: p.office,
    }
}

fn fact<B>(a: &Author, n: i64, body: B) -> Fact<B> {
    Fact {
        id: EventId::new(),
        author: a.clone(),
        at: T0 + n * 60_000,
        offset: Some(0),
        body,
    }
}

async fn submit<B: CaseFacts>(
    store: &dyn Store,
    p: &People,
    a: &Author,
    doc: &CaseDoc<B>,
    since: &[baoxiu_sync_core::ChangeHash],
) -> Result<usize, SubmitError> {
    let changes = doc.encoded_changes_since(since);
    let n = changes.len();
    store
        .submit(
            submitter(p, a),
            vec![OrderChanges {
                order: doc.order_id(),
                changes,
            }],
            T0 + 3_600_000,
        )
        .await
        .map(|acked| {
            assert_eq!(acked.len(), n, "every change acked");
            n
        })
}

/// Everything `a`'s device receives from scratch.
async fn fresh(store: &dyn Store, p: &People, a: &Author) -> CatchUp {
    store
        .catch_up(
            DeviceCtx {
                submitter: submitter(p, a),
            },
            None,
            true,
            T0 + 3_600_000,
        )
        .await
        .unwrap()
}

fn received<B: CaseFacts>(up: &CatchUp, id: OrderId, device: DeviceId) -> Option<CaseDoc<B>> {
    up.documents
        .iter()
        .find(|d| d.order == id)
        .map(|d| CaseDoc::load(&d.bytes, device).unwrap())
}

fn repair_of(p: &People, a: &Author) -> RepairDoc {
    let requested = RepairBody::Requested {
        repair: OrderId::new(),
        office: p.office,
        plate: "ABC-1234".into(),
        fault: "剎車異響".into(),
    };
    RepairDoc::create(a.device, &fact(a, 0, requested)).unwrap()
}

fn ctx() -> RepairContext {
    RepairContext {
        shops: vec!["順安汽修".into()],
        settings: Default::default(),
    }
}

async fn r_veh_request_a_driver_s_offline_repair_reaches_the_fleet_and_its_approval_the_driver(
    store: Arc<dyn Store>,
) {
    let p = people(&*store).await;
    // On the road, no signal: the request and a note, recorded on the driver's phone.
    let mut phone = repair_of(&p, &p.driver);
    phone
        .append(&fact(
            &p.driver,
            1,
            RepairBody::Note {
                text: "停在國道服務區".into(),
            },
        ))
        .unwrap();
    let id = phone.order_id();
    assert_eq!(
        submit(&*store, &p, &p.driver, &phone, &[]).await.unwrap(),
        2
    );

    // The fleet manager's device receives it whole, assesses and fills in the form.
    let mut desk =
        received::<RepairBody>(&fresh(&*store, &p, &p.manager).await, id, p.manager.device)
            .expect("the fleet manager holds every repair of the office");
    let heads = desk.heads();
    desk.append(&fact(
        &p.manager,
        2,
        RepairBody::Assessed {
            items: vec![RepairItem {
                code: "1".into(),
                description: "更換剎車片".into(),
                kind: ItemKind::Part,
                estimate: Money(80_000),
            }],
        },
    ))
    .unwrap();
    submit(&*store, &p, &p.manager, &desk, &heads)
        .await
        .unwrap();

    // The leader approves away from the office, offline, then syncs.
    let mut leader =
        received::<RepairBody>(&fresh(&*store, &p, &p.leader).await, id, p.leader.device)
            .expect("the leader holds every repair of the office");
    let heads = leader.heads();
    leader
        .append(&fact(&p.leader, 3, RepairBody::Approved { ceiling: None }))
        .unwrap();
    submit(&*store, &p, &p.leader, &leader, &heads)
        .await
        .unwrap();

    // The driver's phone and the vehicle's other driver see the approval.
    for a in [&p.driver, &p.co_driver] {
        let doc = received::<RepairBody>(&fresh(&*store, &p, a).await, id, a.device)
            .expect("a driver holds the vehicle's repairs");
        let st = case::state_of(&doc, &ctx()).unwrap();
        assert_eq!(st.status, RepairStatus::Approved, "{:?}", a.role);
        assert_eq!(st.requested_by, p.driver.user);
        assert_eq!(doc.facts().len(), 4, "every fact kept");
    }
    // The driver's earlier copy merges the server's facts with its own.
    let up = fresh(&*store, &p, &p.driver).await;
    let server_copy = received::<RepairBody>(&up, id, p.driver.device).unwrap();
    phone
        .apply_encoded(&server_copy.encoded_changes_since(&phone.heads()))
        .unwrap();
    assert_eq!(
        case::state_of(&phone, &ctx()).unwrap().status,
        RepairStatus::Approved
    );
}

async fn a_role_that_holds_no_repair_is_refused_and_receives_none(store: Arc<dyn Store>) {
    let p = people(&*store).await;
    let phone = repair_of(&p, &p.driver);
    let id = phone.order_id();
    submit(&*store, &p, &p.driver, &phone, &[]).await.unwrap();

    // Nobody else's scope: a dispatcher (work orders), a department head (requisitions),
    // a driver of another vehicle — none of them receives the repair.
    let stranger = person(Role::Driver);
    store
        .upsert_user(Person {
            id: stranger.user,
            name: "別車司機".into(),
            role: Role::Driver,
            office: p.office,
            specialties: vec![],
            zone: None,
            token_version: 0,
            active: true,
        })
        .await
        .unwrap();
    store
        .register_device(stranger.user, stranger.device)
        .await
        .unwrap();
    for a in [&p.dispatcher, &p.head, &stranger, &p.clerk] {
        let up = fresh(&*store, &p, a).await;
        let got = up.documents.iter().any(|d| d.order == id);
        // The clerk files approvals, so holds the office's repairs; the others none.
        assert_eq!(got, a.role == Role::LogisticsClerk, "{:?}", a.role);
    }

    // A note on the repair from each of them: refused whole, naming the change.
    let table = [
        (&p.dispatcher, "holds no vehicle_repair"),
        (&p.head, "holds no vehicle_repair"),
        (&stranger, "not in this device's scope"),
    ];
    for (a, why) in table {
        let mut copy = phone.fork_for(a.device);
        let heads = copy.heads();
        copy.append(&fact(a, 5, RepairBody::Note { text: "x".into() }))
            .unwrap();
        let change = copy.encoded_changes_since(&heads);
        match submit(&*store, &p, a, &copy, &heads).await {
            Err(SubmitError::Refused { refusal, refused }) => {
                assert_eq!(refusal.code, ErrorCode::Forbidden, "{:?}", a.role);
                assert!(refusal.message.contains(why), "{:?}: {refusal:?}", a.role);
                assert_eq!(refused.len(), change.len());
            }
            other => panic!("{:?}: {other:?}", a.role),
        }
    }
    // A fleet manager of another office is refused too.
    let elsewhere = Submitter {
        author: p.manager.clone(),
        office: OfficeId::new(),
    };
    let mut copy = phone.fork_for(p.manager.device);
    let heads = copy.heads();
    copy.append(&fact(&p.manager, 6, RepairBody::Note { text: "y".into() }))
        .unwrap();
    let r = store
        .submit(
            elsewhere,
            vec![OrderChanges {
                order: id,
                changes: copy.encoded_changes_since(&heads),
            }],
            T0,
        )
        .await;
    assert!(matches!(r, Err(SubmitError::Refused { .. })), "{r:?}");
    // Nothing refused was stored: the repair still has its one fact.
    let doc = received::<RepairBody>(&fresh(&*store, &p, &p.manager).await, id, p.manager.device)
        .unwrap();
    assert_eq!(doc.facts().len(), 1);
}

async fn r_sup_count_two_devices_count_offline_and_the_server_merges_both(store: Arc<dyn Store>) {
    let p = people(&*store).await;
    let opened = CountBody::Opened {
        count: OrderId::new(),
        office: p.office,
        quarter: Quarter { year: 2027, q: 1 },
        as_of: T0,
    };
    let mut phone = CountDoc::create(p.clerk.device, &fact(&p.clerk, 0, opened)).unwrap();
    let id = phone.order_id();
    submit(&*store, &p, &p.clerk, &phone, &[]).await.unwrap();
    // The tablet took the sheet before going down to the storeroom; both count offline.
    let mut tablet = phone.fork_for(p.clerk_tablet.device);
    let base = phone.heads();
    let counted = |item: &str, n| CountBody::Counted {
        item: item.into(),
        counted: n,
        supersedes: vec![],
    };
    phone
        .append(&fact(&p.clerk, 1, counted("A4紙", 37)))
        .unwrap();
    phone
        .append(&fact(&p.clerk, 2, counted("原子筆", 120)))
        .unwrap();
    tablet
        .append(&fact(&p.clerk_tablet, 1, counted("碳粉匣", 4)))
        .unwrap();
    submit(&*store, &p, &p.clerk_tablet, &tablet, &base)
        .await
        .unwrap();
    submit(&*store, &p, &p.clerk, &phone, &base).await.unwrap();

    // The leader (who reads the count) receives one document with all three lines.
    let doc = received::<CountBody>(&fresh(&*store, &p, &p.leader).await, id, p.leader.device)
        .expect("the leader holds the office's counts");
    let st = stock_count::state_of(&doc).unwrap();
    let tally = st.sheet.tally();
    assert_eq!(tally.len(), 3, "{tally:?}");
    // A department head and a driver hold no count.
    for a in [&p.head, &p.driver] {
        assert!(
            fresh(&*store, &p, a)
                .await
                .documents
                .iter()
                .all(|d| d.order != id)
        );
    }
}
