//! `baoxiu serve --demo`: one office (Asia/Taipei, zh-Hant names) with its people and a
//! few dozen orders in every state. Technicians' work is recorded the way a phone records
//! it — sync-core commands on the technician's own replica — and goes through the same
//! validation as a real device.

use baoxiu_sync_core::protocol::OrderChanges;
use baoxiu_sync_core::validate::Submitter;
use baoxiu_sync_core::{
    Author, Context, DeviceId, EventBody, FeeItem, Money, Office, OfficeId, OrderId, PassFail,
    Person, Point, Role, Signature, UserId, WorkOrderDoc, execute, state,
};
use uuid::Uuid;

use crate::auth;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::Store;

/// The demo office's fixed id, so a second `--demo` run finds it.
pub const DEMO_OFFICE: OfficeId =
    OfficeId(Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0001));

/// A person of the demo with their token.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub person: Person,
    pub device: Option<DeviceId>,
    pub token: String,
}

fn person(name: &str, role: Role, specialties: &[&str], zone: Option<&str>) -> Person {
    Person {
        id: UserId::new(),
        name: name.into(),
        role,
        office: DEMO_OFFICE,
        specialties: specialties.iter().map(|s| (*s).to_owned()).collect(),
        zone: zone.map(str::to_owned),
        token_version: 0,
        active: true,
    }
}

const JOBS: &[(&str, &str, &str, i64, i64)] = &[
    ("廚房水龍頭漏水", "A棟-12F-3", "王先生", 12000, 5000),
    ("浴室排水管堵塞", "A棟-8F-1", "李小姐", 0, 8000),
    ("客廳電燈不亮", "A棟-5F-2", "陳太太", 3500, 3000),
    ("冷氣不冷，需清洗濾網", "B棟-10F-6", "林先生", 0, 12000),
    ("大門門鎖卡住", "B棟-3F-2", "張小姐", 6800, 4000),
    ("電梯按鈕失靈", "C棟-1F", "管委會", 0, 0),
    ("馬桶水箱漏水", "C棟-7F-4", "黃先生", 4500, 5000),
    ("插座跳電", "A棟-15F-2", "吳太太", 2000, 4000),
];

/// The demo company's fee schedule (有償服務收費標準): the jobs above as items `S01`…,
/// free where the job is free (the service-item list), and a few more.
async fn publish_schedule(
    st: &AppState,
    people: &[Person],
    now: baoxiu_sync_core::Millis,
) -> Result<baoxiu_sync_core::fee_schedule::FeeSchedule> {
    use baoxiu_sync_core::fee_schedule::ScheduleItem;
    let mut items: Vec<ScheduleItem> = JOBS
        .iter()
        .enumerate()
        .map(|(k, (desc, _, _, materials, labour))| ScheduleItem {
            code: format!("S{:02}", k + 1),
            name: (*desc).into(),
            category: baoxiu_sync_core::category_of(desc)
                .unwrap_or_default()
                .to_owned(),
            materials: Money(*materials),
            labour: Money(*labour),
            free: materials + labour == 0,
        })
        .collect();
    for (code, name, category, materials, labour) in [
        ("P01", "更換燈管", "electrical", 800, 1500),
        ("P02", "更換水龍頭墊片", "plumbing", 300, 2000),
        ("P03", "疏通地漏", "plumbing", 0, 6000),
    ] {
        items.push(ScheduleItem {
            code: code.into(),
            name: name.into(),
            category: category.into(),
            materials: Money(materials),
            labour: Money(labour),
            free: false,
        });
    }
    let by = people
        .iter()
        .find(|p| p.role == Role::Dispatcher)
        .map(|p| p.id)
        .ok_or_else(|| Error::Internal("demo people".into()))?;
    // In force from a day before the demo's first order.
    st.store
        .publish_schedule(now - 86_400_000, items, by, now)
        .await
}

/// Seeds the demo office (once) and returns a token for each person.
pub async fn seed(st: &AppState) -> Result<Vec<DemoLogin>> {
    let existing = st.store.users(DEMO_OFFICE).await?;
    let people = if existing.is_empty() {
        fresh(st).await?
    } else {
        existing
    };
    let devices = st.store.device_syncs(DEMO_OFFICE).await?;
    let mut out = Vec::new();
    for p in people {
        let device = super::demo_s3::on_a_phone(p.role)
            .then(|| devices.iter().find(|d| d.user == p.id).map(|d| d.device))
            .flatten();
        let claims = auth::claims(
            p.id,
            p.role,
            p.office,
            device,
            p.token_version,
            30 * 24 * 3600,
        );
        out.push(DemoLogin {
            token: st.keys.sign(&claims)?,
            person: p,
            device,
        });
    }
    Ok(out)
}

async fn fresh(st: &AppState) -> Result<Vec<Person>> {
    let office = Office {
        id: DEMO_OFFICE,
        name: "信義華廈管理處".into(),
        time_zone: "Asia/Taipei".into(),
        currency: "TWD".into(),
    };
    let people = vec![
        person("林美華", Role::FrontDesk, &[], None),
        person("周怡君", Role::Administrator, &[], None),
        person("陳建國", Role::Dispatcher, &[], None),
        person("黃淑芬", Role::Supervisor, &[], None),
        person("林佳穎", Role::CsAgent, &[], None),
        person("蘇雅琪", Role::CsManager, &[], None),
        person("高志偉", Role::QaInspector, &[], None),
        // R-CS-HQ: head office, seated here; it reads this office and 大安 side by side.
        person("劉振宇", Role::HeadOffice, &[], None),
        person("張志明", Role::Finance, &[], None),
        person("系統管理員", Role::Admin, &[], None),
        person("王大明", Role::Technician, &["plumbing"], Some("A棟")),
        person("李志強", Role::Technician, &["electrical"], Some("A棟")),
        person("吳俊傑", Role::Technician, &["hvac"], Some("B棟")),
        person(
            "蔡宗翰",
            Role::Technician,
            &["carpentry", "plumbing"],
            Some("B棟"),
        ),
        person(
            "鄭文雄",
            Role::Technician,
            &["lift", "electrical"],
            Some("C棟"),
        ),
    ];
    let mut people = people;
    people.extend(super::demo_s3::people(|name, role| {
        person(name, role, &[], None)
    }));
    st.store.upsert_office(office.clone()).await?;
    for p in &people {
        st.store.upsert_user(p.clone()).await?;
    }
    // The fleet's and the storeroom's phones, their registers and cases (S3).
    let s3: Vec<(Person, DeviceId)> = people
        .iter()
        .filter(|p| super::demo_s3::on_a_phone(p.role) && p.role != Role::Technician)
        .map(|p| (p.clone(), DeviceId::new()))
        .collect();
    for (p, d) in &s3 {
        st.store.register_device(p.id, *d).await?;
    }
    super::demo_s3::seed(st, &s3).await?;
    let now = st.now();
    let schedule = publish_schedule(st, &people, now).await?;
    let find = |role: Role| people.iter().find(|p| p.role == role).cloned();
    let (desk, admin, disp, fin) = match (
        find(Role::FrontDesk),
        find(Role::Administrator),
        find(Role::Dispatcher),
        find(Role::Finance),
    ) {
        (Some(a), Some(b), Some(c), Some(d)) => (a, b, c, d),
        _ => return Err(Error::Internal("demo people".into())),
    };
    let techs: Vec<(Person, DeviceId)> = people
        .iter()
        .filter(|p| p.role == Role::Technician)
        .map(|p| (p.clone(), DeviceId::new()))
        .collect();
    for (t, d) in &techs {
        st.store.register_device(t.id, *d).await?;
    }
    let server = st.store.server_device();
    let as_author = |p: &Person| Author {
        user: p.id,
        device: server,
        role: p.role,
    };
    let channels = ["phone", "walk_in", "app", "verbal"];
    for i in 0..36usize {
        let (desc, unit, name, materials, labour) = JOBS[i % JOBS.len()];
        let new = baoxiu_sync_core::NewOrder {
            office: office.clone(),
            customer: baoxiu_sync_core::Customer {
                name: name.into(),
                unit: unit.into(),
                phone: format!("0912-{:03}-{:03}", 100 + i, 200 + i),
            },
            channel: serde_json::from_value(serde_json::Value::String(channels[i % 4].into()))
                .unwrap_or(baoxiu_sync_core::Channel::Phone),
            description: desc.into(),
            follow_up_of: None,
        };
        let s = st.store.create(as_author(&desk), new, now).await?;
        let stage = i % 6;
        let order = s.order;
        let cmd = |p: &Person, body: EventBody| {
            st.store
                .command(as_author(p), DEMO_OFFICE, order, body, st.now())
        };
        // R-APPOINT: the front desk books the visit with the caller at intake.
        let appointment = now + ((i as i64 % 5) - 2) * 3_600_000;
        if stage >= 2 || i % 4 == 0 {
            cmd(&desk, EventBody::AppointmentSet { at: appointment }).await?;
        }
        if stage == 0 {
            continue;
        }
        // R-HANDOVER: the administrator signs the register and hands it over.
        cmd(&admin, EventBody::HandedOver { to: disp.id }).await?;
        cmd(&disp, EventBody::Received).await?;
        if stage == 1 {
            continue;
        }
        // R-PAID: the manager prices from the published schedule.
        let paid = materials + labour > 0;
        let items = if paid {
            vec![FeeItem {
                description: desc.into(),
                materials: Money(materials),
                labour: Money(labour),
                code: Some(format!("S{:02}", i % JOBS.len() + 1)),
            }]
        } else {
            Vec::new()
        };
        let schedule = Some(schedule.version);
        cmd(
            &disp,
            EventBody::Priced {
                paid,
                items: items.clone(),
                schedule,
            },
        )
        .await?;
        let (tech, device) = &techs[i % techs.len()];
        cmd(
            &disp,
            EventBody::Assigned {
                technicians: vec![tech.id],
                reason: "專長與距離".into(),
            },
        )
        .await?;
        if stage == 2 {
            continue;
        }
        // The technician's phone: its own replica, its own actor.
        let me = Author {
            user: tech.id,
            device: *device,
            role: Role::Technician,
        };
        let bytes = st
            .store
            .document(order)
            .await?
            .ok_or_else(|| Error::Internal("demo order vanished".into()))?;
        let mut doc = WorkOrderDoc::load(&bytes, *device)?;
        let heads = doc.heads();
        let at = |m: i64| Context {
            author: me.clone(),
            now: appointment + m * 60_000,
            offset: Some(0),
        };
        let mut steps = vec![
            EventBody::Arrived {
                confirmed_items: vec![desc.into()],
            },
            EventBody::FeeTold {
                paid,
                // One job found more to do on site: a line off the schedule, proposed to
                // the manager (R-PAID), shown as awaiting approval.
                items: if i == 9 {
                    let mut more = items.clone();
                    more.push(FeeItem {
                        description: "更換老化進水軟管".into(),
                        materials: Money(28000),
                        labour: Money(6000),
                        code: None,
                    });
                    more
                } else {
                    items.clone()
                },
                schedule,
            },
            EventBody::ConsentGiven,
        ];
        if stage >= 4 {
            steps.push(EventBody::MaterialChecked {
                name: "零件".into(),
                supplied_by_customer: i % 2 == 0,
                result: PassFail::Pass,
                note: String::new(),
            });
            steps.push(EventBody::Completed {
                test_result: PassFail::Pass,
                cleaned_up: true,
                items: items.clone(),
                notes: "已修復並與住戶共同測試".into(),
                schedule,
            });
        }
        // Arrive a little late on some orders, so the board has something to show.
        let late = if i % 4 == 3 { 14 } else { 3 };
        for (k, body) in steps.into_iter().enumerate() {
            execute(&mut doc, &at(late + k as i64), body)?;
        }
        if stage >= 4 {
            let s = state(&doc)?;
            let strokes: Vec<Vec<Point>> = vec![
                (0..40)
                    .map(|k| Point {
                        x: 10 + k * 5,
                        y: 40 + (k * 13 % 17),
                    })
                    .collect(),
            ];
            let sig = Signature::new(name, &strokes, s.fees.paid, &s.fees.items);
            execute(
                &mut doc,
                &at(late + 40),
                EventBody::CustomerSigned { signature: sig },
            )?;
            execute(&mut doc, &at(late + 41), EventBody::TechnicianSigned)?;
        }
        let who = Submitter {
            author: me.clone(),
            office: DEMO_OFFICE,
        };
        let batch = vec![OrderChanges {
            order,
            changes: doc.encoded_changes_since(&heads),
        }];
        st.store
            .submit(who, batch, st.now())
            .await
            .map_err(|e| Error::Internal(format!("demo sync: {e:?}")))?;
        if stage == 5 && paid {
            let total = Money(materials + labour);
            let number = format!("R{:05}", i);
            cmd(
                &fin,
                EventBody::ReceiptIssued {
                    number: number.clone(),
                    amount: total,
                },
            )
            .await?;
            // R-COLLECT: the administrator has collected some of them already.
            if i % 4 == 1 {
                cmd(
                    &admin,
                    EventBody::FeeCollected {
                        amount: total,
                        method: "cash".into(),
                        receipt: number,
                    },
                )
                .await?;
            }
        }
    }
    // The service centre's complaints, one redone by the first order.
    let orders = order_ids(&*st.store).await?;
    super::demo_cs::seed(st, &people, &orders).await?;
    super::demo_customers::seed(st, &people).await?;
    super::demo_pdca::seed(st, &people).await?;
    super::demo_visits::seed(st, &people).await?;
    super::demo_qa::seed(st, &people).await?;
    super::demo_hq::seed(st).await?;
    Ok(people)
}

/// The order ids of the demo office (for tests).
pub async fn order_ids(store: &dyn Store) -> Result<Vec<OrderId>> {
    let (rows, _) = store
        .list_orders(crate::store::OrderFilter {
            office: DEMO_OFFICE,
            limit: 500,
            ..Default::default()
        })
        .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}
