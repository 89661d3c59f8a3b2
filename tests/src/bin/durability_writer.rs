//! Helper for the durability test: records facts on an order in a store and prints
//! `ok <n>` after each command returned Ok, until it is killed.
//!
//! Usage: `durability-writer <db> <user> <device> <order> <start>`

use std::io::Write;
use std::path::Path;

use baoxiu_sync_core::{Author, EventBody, OrderId, PassFail, Role, Store};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, db, user, device, order, start] = args.as_slice() else {
        return Err("usage: durability-writer <db> <user> <device> <order> <start>".into());
    };
    let author = Author {
        user: user.parse()?,
        device: device.parse()?,
        role: Role::Technician,
    };
    let order: OrderId = order.parse()?;
    let start: u64 = start.parse()?;
    let mut store = Store::open(Path::new(db), author)?;
    let mut out = std::io::stdout().lock();
    for n in start.. {
        let body = if n % 3 == 0 {
            EventBody::MaterialChecked {
                name: format!("m{n}"),
                supplied_by_customer: false,
                result: PassFail::Pass,
                note: String::new(),
            }
        } else {
            EventBody::Note {
                text: format!("n{n}"),
            }
        };
        store.record(order, body)?;
        writeln!(out, "ok {n}")?;
        out.flush()?;
    }
    Ok(())
}
