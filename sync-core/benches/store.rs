//! Store benchmarks (issue: "The work-order replica"):
//! - record one action durably (goal ≤ 2 ms median);
//! - open a store holding 1,000 orders and list them (goal ≤ 20 ms);
//! - stored size of a typical completed order (goal ≤ 16 KB; printed, and asserted in
//!   the integration test `store::typical_completed_order_is_small`).
//!
//! Run: `cargo bench -p baoxiu-sync-core --bench store`

use std::hint::black_box;
use std::path::Path;

use baoxiu_sync_core::{
    Author, Channel, Context, Customer, DeviceId, EventBody, FeeItem, Money, NewOrder, Office,
    OfficeId, PassFail, Point, Role, Store, UserId, WorkOrderDoc, create_order, execute,
};
use criterion::{Criterion, criterion_group, criterion_main};

const T0: i64 = 1_793_581_200_000;
const MIN: i64 = 60_000;

fn person(role: Role) -> Author {
    Author {
        user: UserId::new(),
        device: DeviceId::new(),
        role,
    }
}

fn items() -> Vec<FeeItem> {
    vec![
        FeeItem {
            description: "更換廚房水龍頭".into(),
            materials: Money(12000),
            labour: Money(5000),
            code: None,
        },
        FeeItem {
            description: "更換止水閥".into(),
            materials: Money(3500),
            labour: Money(1500),
            code: None,
        },
    ]
}

/// An order as the office hands it to a technician: logged, received, priced, assigned,
/// appointment set.
fn dispatched(office: &Office, tech: &Author) -> WorkOrderDoc {
    let desk = person(Role::FrontDesk);
    let disp = person(Role::Dispatcher);
    let ctx = |a: &Author, t| Context {
        author: a.clone(),
        now: t,
        offset: Some(0),
    };
    let (mut doc, _) = create_order(
        &ctx(&desk, T0),
        NewOrder {
            office: office.clone(),
            customer: Customer {
                name: "王小明".into(),
                unit: "12F-3".into(),
                phone: "0912-345-678".into(),
            },
            channel: Channel::Phone,
            description: "廚房水龍頭漏水，止水閥鏽蝕".into(),
            follow_up_of: None,
        },
    )
    .expect("log");
    for body in [
        EventBody::Received,
        EventBody::Priced {
            paid: true,
            items: items(),
            schedule: None,
        },
        EventBody::Assigned {
            technicians: vec![tech.user],
            reason: "水電".into(),
        },
        EventBody::AppointmentSet { at: T0 + 120 * MIN },
    ] {
        execute(&mut doc, &ctx(&disp, T0 + MIN), body).expect("dispatch");
    }
    doc
}

fn office() -> Office {
    Office {
        id: OfficeId::new(),
        name: "信義大樓管理處".into(),
        time_zone: "Asia/Taipei".into(),
        currency: "TWD".into(),
    }
}

/// A typical job: the 5 office facts above plus 10 on site and a signature.
fn do_job(store: &mut Store, order: baoxiu_sync_core::OrderId) {
    let strokes: Vec<Vec<Point>> = (0..6)
        .map(|s| {
            (0..60)
                .map(|i| Point {
                    x: 20 + s * 70 + i,
                    y: 80 + (i * 7 % 23) - s,
                })
                .collect()
        })
        .collect();
    store
        .arrive(order, vec!["水龍頭漏水".into(), "止水閥鏽蝕".into()])
        .expect("arrive");
    store.tell_fee(order, true, items()).expect("fee");
    store.record_consent(order).expect("consent");
    store
        .premises_consent(order, "移動洗碗機".into(), true)
        .expect("premises");
    store
        .check_material(
            order,
            "客戶自購水龍頭".into(),
            true,
            PassFail::Pass,
            "型號相符".into(),
        )
        .expect("material");
    store
        .check_material(order, "止水閥".into(), false, PassFail::Pass, String::new())
        .expect("material");
    store
        .add_note(order, "住戶要求保留舊零件".into())
        .expect("note");
    store
        .complete(
            order,
            PassFail::Pass,
            true,
            items(),
            "更換水龍頭及止水閥，試水無滲漏".into(),
        )
        .expect("complete");
    store
        .customer_sign(order, "王小明".into(), &strokes)
        .expect("sign");
    store.technician_sign(order).expect("tech sign");
}

fn record_action(c: &mut Criterion) {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    let office = office();
    let tech = person(Role::Technician);
    let mut store = Store::open(&dir.path().join("phone.db"), tech.clone()).expect("open");
    // A phone's working set: 200 orders on site with consent, used round-robin so each
    // order ends the run with a realistic 15–30 facts.
    let orders: Vec<_> = (0..200)
        .map(|_| {
            let doc = dispatched(&office, &tech);
            let order = doc.order_id();
            store.import_order(&doc.save()).expect("import");
            store.arrive(order, vec!["漏水".into()]).expect("arrive");
            store.tell_fee(order, true, items()).expect("fee");
            store.record_consent(order).expect("consent");
            order
        })
        .collect();
    let mut i = 0u64;
    c.bench_function("record one action durably", |b| {
        b.iter(|| {
            i += 1;
            let order = orders[(i % 200) as usize];
            let body = EventBody::MaterialChecked {
                name: format!("零件{}", i % 8),
                supplied_by_customer: false,
                result: PassFail::Pass,
                note: String::new(),
            };
            black_box(store.record(order, body).expect("record"));
        })
    });
}

fn fill(path: &Path, n: usize) -> Author {
    let office = office();
    let tech = person(Role::Technician);
    let mut store = Store::open(path, tech.clone()).expect("open");
    for k in 0..n {
        let doc = dispatched(&office, &tech);
        let order = doc.order_id();
        store.import_order(&doc.save()).expect("import");
        if k % 2 == 0 {
            do_job(&mut store, order);
        }
    }
    tech
}

fn open_and_list(c: &mut Criterion) {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    let path = dir.path().join("phone.db");
    let tech = fill(&path, 1000);
    c.bench_function("open store with 1000 orders and list them", |b| {
        b.iter(|| {
            let store = Store::open(&path, tech.clone()).expect("open");
            let list = store.list_orders().expect("list");
            assert_eq!(list.len(), 1000);
            black_box(list);
        })
    });
}

fn stored_size(_: &mut Criterion) {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    let office = office();
    let tech = person(Role::Technician);
    let mut store = Store::open(&dir.path().join("phone.db"), tech.clone()).expect("open");
    let doc = dispatched(&office, &tech);
    let order = doc.order_id();
    store.import_order(&doc.save()).expect("import");
    do_job(&mut store, order);
    let events = store.order_state(order).expect("state").timeline.len();
    let before = store.stored_size(order).expect("size");
    store.compact(order).expect("compact");
    let after = store.stored_size(order).expect("size");
    println!(
        "stored size of a completed order ({events} events + signature): {before} B as snapshot + chunks, {after} B compacted"
    );
}

criterion_group!(benches, record_action, open_and_list, stored_size);
criterion_main!(benches);
