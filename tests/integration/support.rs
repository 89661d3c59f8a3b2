//! Fixtures: an office, its people, a controllable clock, and a helper that walks an
//! order through the office's steps.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use baoxiu_sync_core::{
    Author, Channel, Clock, Context, Customer, DeviceId, Error, EventBody, FeeItem, Millis, Money,
    NewOrder, Office, OfficeId, PassFail, Role, RuleViolation, UserId, WorkOrderDoc,
    WorkOrderState, create_order, execute, state,
};

/// 2026-11-02 09:00 Asia/Taipei, in UTC millis.
pub const T0: Millis = 1_793_581_200_000;
pub const MIN: Millis = 60_000;

#[derive(Debug, Clone, Default)]
pub struct TestClock(pub Arc<AtomicI64>);

impl TestClock {
    pub fn at(t: Millis) -> Self {
        TestClock(Arc::new(AtomicI64::new(t)))
    }
    pub fn advance(&self, d: Millis) {
        self.0.fetch_add(d, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> Millis {
        self.0.load(Ordering::SeqCst)
    }
}

pub fn office() -> Office {
    Office {
        id: OfficeId::new(),
        name: "信義大樓管理處".into(),
        time_zone: "Asia/Taipei".into(),
        currency: "TWD".into(),
    }
}

pub fn person(role: Role) -> Author {
    Author {
        user: UserId::new(),
        device: DeviceId::new(),
        role,
    }
}

pub fn customer() -> Customer {
    Customer {
        name: "王小明".into(),
        unit: "12F-3".into(),
        phone: "0912-345-678".into(),
    }
}

pub fn faucet(materials: i64, labour: i64) -> Vec<FeeItem> {
    vec![FeeItem {
        description: "更換廚房水龍頭".into(),
        materials: Money(materials),
        labour: Money(labour),
        code: None,
    }]
}

pub fn strokes() -> Vec<Vec<baoxiu_sync_core::Point>> {
    vec![
        (0..30)
            .map(|i| baoxiu_sync_core::Point {
                x: 5 + i * 4,
                y: 40 - (i % 7) * 3,
            })
            .collect(),
    ]
}

/// The people of one office, each acting on their own replica of an order.
#[derive(Debug)]
pub struct Office1 {
    pub office: Office,
    pub desk: Author,
    /// The property administrator (R-HANDOVER, R-COLLECT).
    pub administrator: Author,
    pub dispatcher: Author,
    pub tech: Author,
    pub tech2: Author,
    pub finance: Author,
    pub supervisor: Author,
}

impl Office1 {
    pub fn new() -> Self {
        Office1 {
            office: office(),
            desk: person(Role::FrontDesk),
            administrator: person(Role::Administrator),
            dispatcher: person(Role::Dispatcher),
            tech: person(Role::Technician),
            tech2: person(Role::Technician),
            finance: person(Role::Finance),
            supervisor: person(Role::Supervisor),
        }
    }

    pub fn ctx(&self, who: &Author, now: Millis) -> Context {
        Context {
            author: who.clone(),
            now,
            offset: Some(0),
        }
    }

    /// The front desk logs a phone request at `T0`.
    pub fn log(&self) -> WorkOrderDoc {
        let (doc, _) = create_order(
            &self.ctx(&self.desk, T0),
            NewOrder {
                office: self.office.clone(),
                customer: customer(),
                channel: Channel::Phone,
                description: "廚房水龍頭漏水".into(),
                follow_up_of: None,
            },
        )
        .expect("log");
        doc
    }

    /// Logged, received at +10 min, priced paid 120.00 + 50.00, assigned to `tech`,
    /// appointment at +2 h.
    pub fn dispatched(&self) -> WorkOrderDoc {
        let mut doc = self.log();
        let d = &self.dispatcher;
        run(&mut doc, &self.ctx(d, T0 + 10 * MIN), EventBody::Received).expect("receive");
        run(
            &mut doc,
            &self.ctx(d, T0 + 12 * MIN),
            EventBody::Priced {
                paid: true,
                items: faucet(12000, 5000),
                schedule: None,
            },
        )
        .expect("price");
        run(
            &mut doc,
            &self.ctx(d, T0 + 13 * MIN),
            EventBody::Assigned {
                technicians: vec![self.tech.user],
                reason: "水電專長".into(),
            },
        )
        .expect("assign");
        run(
            &mut doc,
            &self.ctx(d, T0 + 14 * MIN),
            EventBody::AppointmentSet { at: T0 + 120 * MIN },
        )
        .expect("appointment");
        doc
    }

    /// `dispatched`, then the technician arrives on time, tells the fee and gets consent.
    pub fn consented(&self) -> WorkOrderDoc {
        let mut doc = self.dispatched();
        let t = &self.tech;
        run(
            &mut doc,
            &self.ctx(t, T0 + 118 * MIN),
            EventBody::Arrived {
                confirmed_items: vec!["水龍頭漏水".into()],
            },
        )
        .expect("arrive");
        run(
            &mut doc,
            &self.ctx(t, T0 + 120 * MIN),
            EventBody::FeeTold {
                paid: true,
                items: faucet(12000, 5000),
                schedule: None,
            },
        )
        .expect("fee told");
        run(
            &mut doc,
            &self.ctx(t, T0 + 121 * MIN),
            EventBody::ConsentGiven,
        )
        .expect("consent");
        doc
    }

    /// `consented`, then completed with the told fees.
    pub fn completed(&self) -> WorkOrderDoc {
        let mut doc = self.consented();
        run(
            &mut doc,
            &self.ctx(&self.tech, T0 + 150 * MIN),
            complete_body(faucet(12000, 5000)),
        )
        .expect("complete");
        doc
    }

    /// `completed`, then signed by the customer.
    pub fn signed(&self) -> WorkOrderDoc {
        let mut doc = self.completed();
        let s = state(&doc).expect("state");
        let sig =
            baoxiu_sync_core::Signature::new("王小明", &strokes(), s.fees.paid, &s.fees.items);
        run(
            &mut doc,
            &self.ctx(&self.tech, T0 + 152 * MIN),
            EventBody::CustomerSigned { signature: sig },
        )
        .expect("customer signs");
        doc
    }
}

pub fn complete_body(items: Vec<FeeItem>) -> EventBody {
    EventBody::Completed {
        test_result: PassFail::Pass,
        cleaned_up: true,
        items,
        notes: "更換水龍頭並試水，無滲漏".into(),
        schedule: None,
    }
}

/// Executes a command and returns the state after it.
pub fn run(
    doc: &mut WorkOrderDoc,
    ctx: &Context,
    body: EventBody,
) -> Result<WorkOrderState, Error> {
    execute(doc, ctx, body).map(|(_, _, s)| s)
}

/// Asserts that `body` is refused with `expected` and that nothing was written.
#[track_caller]
pub fn assert_refused(
    doc: &mut WorkOrderDoc,
    ctx: &Context,
    body: EventBody,
    expected: RuleViolation,
) {
    let heads = doc.heads();
    let events = doc.events().len();
    match run(doc, ctx, body) {
        Err(Error::Rule(v)) => assert_eq!(v, expected),
        other => panic!("expected refusal {expected:?}, got {other:?}"),
    }
    assert_eq!(doc.heads(), heads, "a refused command must write nothing");
    assert_eq!(doc.events().len(), events);
}

/// A database's schema: every object's name and SQL, in a stable order.
pub fn schema_of(path: &std::path::Path) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

pub fn user_version(path: &std::path::Path) -> i64 {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}
