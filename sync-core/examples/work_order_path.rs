//! A fixed amount of work on the work-order path, for counting instructions (not time):
//! log an order, dispatch it, then 200 times record a fact, save the document, load it
//! again and derive its state. Run it under callgrind to compare two builds:
//!
//! ```text
//! cargo build --release -p baoxiu-sync-core --example work_order_path
//! valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out \
//!     target/release/examples/work_order_path
//! ```
//! and read the total `Ir` (instructions) it prints at the end.

// A measurement harness: a failure is a failed run.
#![allow(clippy::expect_used)]

use baoxiu_sync_core::{
    Author, Channel, Context, Customer, DeviceId, EventBody, NewOrder, Office, OfficeId, Role,
    UserId, WorkOrderDoc, create_order, execute, state,
};

const T0: i64 = 1_793_581_200_000;
const MIN: i64 = 60_000;

fn person(role: Role) -> Author {
    Author {
        user: UserId::new(),
        device: DeviceId::new(),
        role,
    }
}

fn main() {
    let (desk, disp) = (person(Role::FrontDesk), person(Role::Dispatcher));
    let ctx = |a: &Author, t| Context {
        author: a.clone(),
        now: t,
        offset: Some(0),
    };
    let (mut doc, _) = create_order(
        &ctx(&desk, T0),
        NewOrder {
            office: Office {
                id: OfficeId::new(),
                name: "信義大樓管理處".into(),
                time_zone: "Asia/Taipei".into(),
                currency: "TWD".into(),
            },
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
    execute(&mut doc, &ctx(&disp, T0 + MIN), EventBody::Received).expect("receive");
    let mut facts = 0;
    for i in 0..200 {
        execute(
            &mut doc,
            &ctx(&disp, T0 + (2 + i) * MIN),
            EventBody::Note {
                text: format!("第 {i} 則備註"),
            },
        )
        .expect("note");
        let bytes = doc.save();
        let again = WorkOrderDoc::load(&bytes, disp.device).expect("load");
        facts = state(&again).expect("state").timeline.len();
    }
    println!("{facts} facts");
}
