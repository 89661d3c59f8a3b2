//! The demo office's vehicles and supplies (S3): its fleet people, vehicles, designated
//! shops and stations, a catalogue in the four series with their dealers, stock received
//! against an approved purchase plan, a department's approved requisition waiting for the
//! clerk, and a driver's repair request waiting for the fleet manager. Every case is written the way a phone writes it (each person's own replica)
//! and goes through the same validation as a real device.

use std::collections::BTreeMap;

use baoxiu_sync_core::doc::CaseDoc;
use baoxiu_sync_core::kinds::CaseKind;
use baoxiu_sync_core::protocol::OrderChanges;
use baoxiu_sync_core::supplies::issue::Line;
use baoxiu_sync_core::supplies::plan::{PlanLine, Source};
use baoxiu_sync_core::supplies::purchase::PlanBody;
use baoxiu_sync_core::supplies::requisition::RequisitionBody;
use baoxiu_sync_core::supplies::{Catalogue, Category, Item};
use baoxiu_sync_core::validate::Submitter;
use baoxiu_sync_core::vehicles::case::RepairBody;
use baoxiu_sync_core::vehicles::maintenance::{Schedule, Service, Warning};
use baoxiu_sync_core::vehicles::register::{Fleet, Vehicle};
use baoxiu_sync_core::{Author, ChangeHash, DeviceId, EventId, Fact, Money, OrderId, Person, Role};

use super::demo::DEMO_OFFICE;
use crate::error::{Error, Result};
use crate::service::office_registers;
use crate::state::AppState;

/// The fleet's and the storeroom's people (each signs in on a phone of their own).
pub(super) fn people(person: impl Fn(&str, Role) -> Person) -> Vec<Person> {
    vec![
        person("陳志豪", Role::Driver),
        person("劉家瑋", Role::Driver),
        person("林國棟", Role::FleetManager),
        person("王振華", Role::Leader),
        person("張雅婷", Role::LogisticsClerk),
        person("許文彬", Role::DepartmentHead),
    ]
}

/// Whether the role works from a phone of its own (its token is bound to a device).
pub fn on_a_phone(role: Role) -> bool {
    matches!(
        role,
        Role::Technician
            | Role::Driver
            | Role::FleetManager
            | Role::Leader
            | Role::LogisticsClerk
            | Role::DepartmentHead
    )
}

const DAY: i64 = 86_400_000;

fn find(people: &[(Person, DeviceId)], role: Role) -> Result<Author> {
    people
        .iter()
        .find(|(p, _)| p.role == role)
        .map(|(p, d)| Author {
            user: p.id,
            device: *d,
            role,
        })
        .ok_or_else(|| Error::Internal(format!("no demo {}", role.as_str())))
}

/// Sends what `who`'s phone wrote since `since`, as its sync would.
async fn sync<B: CaseKind>(
    st: &AppState,
    who: &Author,
    doc: &CaseDoc<B>,
    since: &[ChangeHash],
) -> Result<()> {
    st.store
        .submit(
            Submitter {
                author: who.clone(),
                office: DEMO_OFFICE,
            },
            vec![OrderChanges {
                order: doc.order_id(),
                changes: doc.encoded_changes_since(since),
            }],
            st.now(),
        )
        .await
        .map(|_| ())
        .map_err(|e| Error::Internal(format!("demo sync: {e:?}")))
}

fn fact<B>(who: &Author, at: i64, body: B) -> Fact<B> {
    Fact {
        id: EventId::new(),
        author: who.clone(),
        at,
        offset: Some(0),
        body,
    }
}

fn item(
    code: &str,
    name: &str,
    category: Category,
    unit: &str,
    reorder: u64,
    price: i64,
) -> (String, Item) {
    (
        code.into(),
        Item {
            code: code.into(),
            name: name.into(),
            category,
            unit: unit.into(),
            reorder_level: reorder,
            restock_to: reorder * 3,
            unit_price: Money(price),
            government_procurement: code == "C-01",
            dealers: Vec::new(),
        },
    )
}

/// Seeds the registers and cases; `people` are the S3 people with their phones.
pub(super) async fn seed(st: &AppState, people: &[(Person, DeviceId)]) -> Result<()> {
    let now = st.now();
    let driver = find(people, Role::Driver)?;
    let co_driver = people
        .iter()
        .filter(|(p, _)| p.role == Role::Driver)
        .nth(1)
        .map(|(p, _)| p.id);
    let (leader, clerk) = (
        find(people, Role::Leader)?,
        find(people, Role::LogisticsClerk)?,
    );
    let vehicle = |plate: &str, unit: &str, drivers, km, last_days: i64, last_km| Vehicle {
        plate: plate.into(),
        unit: unit.into(),
        drivers,
        odometer_km: km,
        schedule: Schedule {
            every_days: Some(180),
            every_km: Some(10_000),
        },
        last_service: Service {
            at: now - last_days * DAY,
            odometer_km: last_km,
        },
    };
    office_registers::set_fleet(
        st,
        DEMO_OFFICE,
        Fleet {
            vehicles: vec![
                vehicle("ABC-1234", "總務科", vec![driver.user], 52_300, 60, 45_000),
                vehicle(
                    "RCD-5678",
                    "一中隊",
                    co_driver.into_iter().collect(),
                    88_900,
                    190,
                    80_100,
                ),
                vehicle("KLM-0021", "二中隊", vec![], 12_050, 20, 11_900),
            ],
            shops: vec!["順安汽車修理廠".into(), "大華汽車保養廠".into()],
            stations: vec!["中油民權站".into(), "台塑信義站".into()],
            warning: Warning::default(),
        },
    )
    .await?;
    let dealers = |a: &str, b: &str| vec![a.to_owned(), b.to_owned()];
    let catalogue = Catalogue {
        items: BTreeMap::from([
            item(
                "W-01",
                "原子筆（藍）",
                Category::WritingTools,
                "支",
                100,
                800,
            ),
            item("W-02", "螢光筆", Category::WritingTools, "支", 30, 2_500),
            item("P-01", "A4影印紙", Category::Paper, "包", 40, 12_000),
            item("P-02", "公文信封", Category::Paper, "盒", 10, 18_000),
            item("S-01", "釘書機", Category::Stationery, "個", 5, 15_000),
            item("S-02", "迴紋針", Category::Stationery, "盒", 20, 2_000),
            item("C-01", "碳粉匣", Category::Consumables, "個", 4, 250_000),
            item("C-02", "三號電池", Category::Consumables, "顆", 24, 1_500),
        ]),
        category_dealers: BTreeMap::from([
            (Category::WritingTools, dealers("文昌文具行", "大同文具")),
            (Category::Paper, dealers("長春紙業", "文昌文具行")),
            (Category::Stationery, dealers("文昌文具行", "大同文具")),
            (Category::Consumables, dealers("信義電腦耗材", "大同文具")),
        ]),
    };
    office_registers::set_catalogue(st, DEMO_OFFICE, catalogue).await?;

    // Stock: the clerk's plan, the leader's approval from a phone, one delivery received.
    let dealer = |item: &str, quantity: u64, vendor: &str| PlanLine {
        item: item.into(),
        quantity,
        source: Source::Dealer {
            vendor: vendor.into(),
        },
    };
    let lines = vec![
        dealer("W-01", 300, "文昌文具行"),
        dealer("W-02", 60, "大同文具"),
        dealer("P-01", 120, "長春紙業"),
        dealer("P-02", 20, "長春紙業"),
        dealer("S-01", 10, "文昌文具行"),
        dealer("S-02", 40, "大同文具"),
        PlanLine {
            item: "C-01".into(),
            quantity: 8,
            source: Source::GovernmentProcurement,
        },
        dealer("C-02", 48, "信義電腦耗材"),
    ];
    let delivered: Vec<(String, u64)> =
        lines.iter().map(|l| (l.item.clone(), l.quantity)).collect();
    let drafted = PlanBody::Drafted {
        plan: OrderId::new(),
        office: DEMO_OFFICE,
        lines,
    };
    let mut plan = CaseDoc::create(clerk.device, &fact(&clerk, now - 20 * DAY, drafted))?;
    sync(st, &clerk, &plan, &[]).await?;
    let mut approval = plan.fork_for(leader.device);
    let heads = approval.heads();
    approval.append(&fact(&leader, now - 19 * DAY, PlanBody::Approved))?;
    sync(st, &leader, &approval, &heads).await?;
    plan.apply_encoded(&approval.encoded_changes_since(&heads))?;
    let heads = plan.heads();
    plan.append(&fact(
        &clerk,
        now - 15 * DAY,
        PlanBody::Received {
            vendor: "文昌文具行".into(),
            delivered,
        },
    ))?;
    sync(st, &clerk, &plan, &heads).await?;

    // A department's requisition, approved by its head, waiting for the clerk.
    let head = find(people, Role::DepartmentHead)?;
    let asked = RequisitionBody::Requested {
        requisition: OrderId::new(),
        office: DEMO_OFFICE,
        department: "一中隊".into(),
        lines: vec![
            Line {
                item: "P-01".into(),
                quantity: 10,
            },
            Line {
                item: "W-01".into(),
                quantity: 50,
            },
        ],
    };
    let mut req = CaseDoc::create(head.device, &fact(&head, now - 2 * DAY, asked))?;
    req.append(&fact(
        &head,
        now - 2 * DAY + 60_000,
        RequisitionBody::Approved,
    ))?;
    sync(st, &head, &req, &[]).await?;

    // A fault reported on the road, waiting for the fleet manager's assessment.
    let requested = RepairBody::Requested {
        repair: OrderId::new(),
        office: DEMO_OFFICE,
        plate: "ABC-1234".into(),
        fault: "剎車異響，踩踏時有金屬摩擦聲".into(),
    };
    let repair = CaseDoc::create(driver.device, &fact(&driver, now - DAY, requested))?;
    sync(st, &driver, &repair, &[]).await?;
    Ok(())
}
