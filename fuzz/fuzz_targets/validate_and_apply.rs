//! The server's validate-and-apply path on arbitrary change bytes from a device: a
//! refusal or validated changes, never a panic (Automerge panics are contained).
#![no_main]

use std::sync::OnceLock;

use baoxiu_sync_core::validate::{Lookups, Submitter, validate_order};
use baoxiu_sync_core::{
    Author, Channel, Context, Customer, DeviceId, EventBody, NewOrder, Office, OfficeId, Role,
    UserId, WorkOrderDoc, create_order, execute,
};
use libfuzzer_sys::fuzz_target;

/// Automerge can panic on hostile bytes; baoxiu contains those panics (catch_unwind) and
/// refuses the input. libFuzzer's hook would abort on any panic, caught or not; this hook
/// stays quiet, so only a panic that escapes baoxiu's containment (which libfuzzer-sys then
/// turns into an abort) counts as a crash.
fn quiet_contained_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::panic::set_hook(Box::new(|_| {})));
}

struct Fixture {
    doc: WorkOrderDoc,
    tech: Submitter,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let office = Office { id: OfficeId::new(), name: "o".into(), time_zone: "Asia/Taipei".into(), currency: "TWD".into() };
        let desk = Author { user: UserId::new(), device: DeviceId::new(), role: Role::FrontDesk };
        let disp = Author { user: UserId::new(), device: DeviceId::new(), role: Role::Dispatcher };
        let tech = Author { user: UserId::new(), device: DeviceId::new(), role: Role::Technician };
        let ctx = |a: &Author| Context { author: a.clone(), now: 1_800_000_000_000, offset: Some(0) };
        let (mut doc, _) = create_order(&ctx(&desk), NewOrder {
            office: office.clone(),
            customer: Customer { name: "n".into(), unit: "u".into(), phone: String::new() },
            channel: Channel::Phone,
            description: "漏水".into(),
            follow_up_of: None,
        })
        .expect("create");
        for b in [
            EventBody::Received,
            EventBody::Priced { paid: false, items: vec![], schedule: None, },
            EventBody::Assigned { technicians: vec![tech.user], reason: String::new() },
        ] {
            execute(&mut doc, &ctx(&disp), b).expect("dispatch");
        }
        Fixture { doc, tech: Submitter { author: tech, office: office.id } }
    })
}

fuzz_target!(|data: &[u8]| {
    quiet_contained_panics();
    let f = fixture();
    // Split the input into changes at 0xFF bytes, so batches of several changes are tried.
    let changes: Vec<Vec<u8>> = data.split(|b| *b == 0xFF).map(<[u8]>::to_vec).collect();
    let _ = validate_order(Some(&f.doc), f.doc.order_id(), &f.tech, &changes, &|_| true, &Lookups::NONE);
    let _ = validate_order(None, f.doc.order_id(), &f.tech, &changes, &|_| true, &Lookups::NONE);
});
