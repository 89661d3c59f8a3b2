//! One table-driven test per rule of shared/domain.md, named after its id.
//!
//! A row is `(why, fixture, author, fact, expected)`: the fixture builds a fresh order
//! document in some state, the author (on their device's clock) records one fact, and the
//! command is either accepted, leaving the order in the expected status (and passing any
//! further checks on the state after it), or refused with the expected `RuleViolation`,
//! writing nothing.

use baoxiu_sync_core::signature::decode_strokes;
use baoxiu_sync_core::{
    AnomalyKind, Author, Channel, Context, Customer, Error, EventBody, FeeItem, Millis, Money,
    NewOrder, OrderId, PassFail, Role, RuleViolation as V, Signature, Status, Stroke, WorkOrderDoc,
    WorkOrderState, create_order, state,
};

use crate::support::*;

use Who::*;

/// The state a row starts from. Every row gets a fresh document.
#[derive(Debug, Clone, Copy)]
enum Fx {
    /// No document yet: the fact is a `Logged` request and the row runs `create_order`.
    New,
    /// `Office1::log`: logged by the front desk at T0.
    Logged,
    /// Logged, handed over to the dispatcher by the administrator at +5 min.
    HandedOver,
    /// Logged, received by the dispatcher at +1 min.
    Received,
    /// Received, priced paid 120.00 + 50.00.
    Priced,
    /// Received, priced free (無償).
    PricedFree,
    /// PricedFree, assigned to `tech`.
    FreeAssigned,
    /// FreeAssigned, appointment at +60 min.
    FreeScheduled,
    /// FreeScheduled, reassigned to `tech2`.
    FreeReassigned,
    /// FreeScheduled, then on site at +60 min: told free, consent, completed, customer signed.
    FreeSigned,
    /// `Office1::dispatched`: priced paid, assigned to `tech`, appointment at +120 min.
    Dispatched,
    /// Dispatched, moved at +100 min to +180 min with the customer's consent.
    Rescheduled,
    /// Dispatched, moved at +140 min (past appointment + 10) to +180 min with consent.
    RescheduledLate,
    /// Dispatched, `tech` arrived at +118 min.
    OnSite,
    /// OnSite, fee told: paid 120.00 + 50.00 and a hose off the schedule (a proposal).
    Proposed,
    /// OnSite, fee told: paid 120.00 + 50.00.
    FeeTold,
    /// FeeTold, the customer refused.
    Refused,
    /// `Office1::consented`.
    Consented,
    /// Consented, leave to move the dishwasher granted.
    PremisesGranted,
    /// Consented, the customer's own faucet checked: fail.
    MaterialFailed,
    /// MaterialFailed, then the customer's new faucet checked: pass.
    MaterialPassed,
    /// `Office1::completed`: paid 120.00 + 50.00.
    Completed,
    /// `Office1::signed`: Completed, signed by the customer.
    Signed,
    /// Signed, receipt R-2026-0001 issued for 170.00.
    Receipted,
    /// Receipted, 170.00 collected in cash by the administrator.
    Collected,
    /// Dispatched, cancelled by the dispatcher at +30 min.
    Cancelled,
}

impl Fx {
    fn build(self, o: &Office1) -> Option<WorkOrderDoc> {
        // `from`, then one more fact by `who` at T0 + `at` minutes.
        let then = |from: Fx, who: Who, at: Millis, body: EventBody| {
            let mut doc = from.build(o).expect("a document");
            run(&mut doc, &o.ctx(who.of(o), T0 + at * MIN), body)
                .unwrap_or_else(|e| panic!("fixture {self:?}: {e:?}"));
            doc
        };
        Some(match self {
            Fx::New => return None,
            Fx::Logged => o.log(),
            Fx::HandedOver => then(
                Fx::Logged,
                Administrator,
                5,
                EventBody::HandedOver {
                    to: o.dispatcher.user,
                },
            ),
            Fx::Received => then(Fx::Logged, Dispatcher, 1, EventBody::Received),
            Fx::Priced => then(
                Fx::Received,
                Dispatcher,
                1,
                priced(true, faucet(12000, 5000)),
            ),
            Fx::PricedFree => then(Fx::Received, Dispatcher, 1, priced(false, vec![])),
            Fx::FreeAssigned => then(Fx::PricedFree, Dispatcher, 1, assign(&[&o.tech])),
            Fx::FreeScheduled => then(
                Fx::FreeAssigned,
                Dispatcher,
                1,
                EventBody::AppointmentSet { at: T0 + 60 * MIN },
            ),
            Fx::FreeReassigned => then(Fx::FreeScheduled, Dispatcher, 1, assign(&[&o.tech2])),
            Fx::FreeSigned => {
                let mut doc = then(Fx::FreeScheduled, Tech, 60, arrive(&["燈管"]));
                let t = o.ctx(&o.tech, T0 + 60 * MIN);
                for body in [
                    EventBody::FeeTold {
                        paid: false,
                        items: vec![],
                        schedule: None,
                    },
                    EventBody::ConsentGiven,
                    complete_body(vec![]),
                    EventBody::CustomerSigned {
                        signature: Signature::new("王小明", &strokes(), false, &[]),
                    },
                ] {
                    run(&mut doc, &t, body).expect("free job");
                }
                doc
            }
            Fx::Dispatched => o.dispatched(),
            Fx::Rescheduled => then(
                Fx::Dispatched,
                Tech,
                100,
                reschedule(true, "前一單延誤，已徵得同意"),
            ),
            Fx::RescheduledLate => {
                then(Fx::Dispatched, Tech, 140, reschedule(true, "遲到後才致電"))
            }
            Fx::OnSite => then(Fx::Dispatched, Tech, 118, arrive(&["漏水"])),
            Fx::FeeTold => then(Fx::OnSite, Tech, 118, fee_told()),
            Fx::Proposed => then(Fx::OnSite, Tech, 118, told(with_hose(), None)),
            Fx::Refused => then(
                Fx::FeeTold,
                Tech,
                118,
                EventBody::ConsentRefused {
                    reason: "費用太高".into(),
                },
            ),
            Fx::Consented => o.consented(),
            Fx::PremisesGranted => then(
                Fx::Consented,
                Tech,
                125,
                EventBody::PremisesConsent {
                    what: "移動洗碗機".into(),
                    granted: true,
                },
            ),
            Fx::MaterialFailed => then(Fx::Consented, Tech, 125, material(PassFail::Fail)),
            Fx::MaterialPassed => then(Fx::MaterialFailed, Tech, 125, material(PassFail::Pass)),
            Fx::Completed => o.completed(),
            Fx::Signed => o.signed(),
            Fx::Receipted => then(Fx::Signed, Finance, 300, receipt("R-2026-0001", 17000)),
            Fx::Collected => then(Fx::Receipted, Administrator, 300, collect(17000)),
            Fx::Cancelled => then(
                Fx::Dispatched,
                Dispatcher,
                30,
                EventBody::Cancelled {
                    reason: "客戶自行修好".into(),
                },
            ),
        })
    }
}

/// Who records the fact.
#[derive(Debug, Clone, Copy)]
enum Who {
    Desk,
    Administrator,
    Dispatcher,
    Tech,
    Tech2,
    Finance,
    Supervisor,
}

impl Who {
    fn of(self, o: &Office1) -> &Author {
        match self {
            Desk => &o.desk,
            Administrator => &o.administrator,
            Dispatcher => &o.dispatcher,
            Tech => &o.tech,
            Tech2 => &o.tech2,
            Finance => &o.finance,
            Supervisor => &o.supervisor,
        }
    }

    /// This person, with their device's clock at T0 + `minutes` and a known offset of 0.
    fn at(self, minutes: Millis) -> By {
        By {
            who: self,
            minutes,
            offset: Some(0),
        }
    }
}

/// The author column: who, and what their device's clock says.
#[derive(Debug, Clone, Copy)]
struct By {
    who: Who,
    minutes: Millis,
    offset: Option<Millis>,
}

impl By {
    /// The device's measured offset to server time (`None`: never synced).
    fn offset(self, offset: Option<Millis>) -> By {
        By { offset, ..self }
    }
}

type Check<'a> = Box<dyn Fn(&WorkOrderState) + 'a>;

struct Row<'a> {
    why: &'static str,
    fx: Fx,
    by: By,
    fact: EventBody,
    /// Accepted with this status, or refused with this violation.
    expected: Result<Status, V>,
    /// Further checks on the state after an accepted fact.
    then: Option<Check<'a>>,
}

fn row<'a>(
    why: &'static str,
    fx: Fx,
    by: By,
    fact: EventBody,
    expected: Result<Status, V>,
) -> Row<'a> {
    Row {
        why,
        fx,
        by,
        fact,
        expected,
        then: None,
    }
}

impl<'a> Row<'a> {
    fn then(self, check: impl Fn(&WorkOrderState) + 'a) -> Self {
        assert!(
            self.expected.is_ok(),
            "{}: checks follow acceptance",
            self.why
        );
        Row {
            then: Some(Box::new(check)),
            ..self
        }
    }
}

/// Names the row when anything in it panics.
struct Named(&'static str);

impl Drop for Named {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("failed row: {}", self.0);
        }
    }
}

/// Runs each row on a fresh fixture. A refusal on a document goes through
/// `assert_refused`, which also checks that nothing was written.
fn check(o: &Office1, rows: Vec<Row<'_>>) {
    for r in rows {
        let why = r.why;
        let _named = Named(why);
        let ctx = Context {
            author: r.by.who.of(o).clone(),
            now: T0 + r.by.minutes * MIN,
            offset: r.by.offset,
        };
        let got = match (r.fx.build(o), &r.expected) {
            (None, _) => log(&ctx, r.fact),
            (Some(mut doc), Err(expected)) => {
                assert_refused(&mut doc, &ctx, r.fact, expected.clone());
                continue;
            }
            (Some(mut doc), Ok(_)) => run(&mut doc, &ctx, r.fact),
        };
        match (got, r.expected) {
            (Ok(s), Ok(status)) => {
                assert_eq!(s.status, status, "{why}");
                if let Some(then) = r.then {
                    then(&s);
                }
            }
            (Err(Error::Rule(v)), Err(expected)) => assert_eq!(v, expected, "{why}"),
            (got, expected) => panic!("{why}: expected {expected:?}, got {got:?}"),
        }
    }
}

/// `create_order` for a `Logged` fact, and the new order's state.
fn log(ctx: &Context, fact: EventBody) -> Result<WorkOrderState, Error> {
    let EventBody::Logged {
        office,
        customer,
        channel,
        description,
        follow_up_of,
        ..
    } = fact
    else {
        panic!("a new order starts with `logged`, not {fact:?}");
    };
    let new = NewOrder {
        office,
        customer,
        channel,
        description,
        follow_up_of,
    };
    create_order(ctx, new).and_then(|(doc, _)| state(&doc))
}

fn role_not_allowed(role: Role, action: &str) -> V {
    V::RoleNotAllowed {
        role,
        action: action.into(),
    }
}

/// A request for `customer`, as a `Logged` fact for `Fx::New`.
fn request(
    o: &Office1,
    customer: Customer,
    channel: Channel,
    description: &str,
    follow_up_of: Option<OrderId>,
) -> EventBody {
    EventBody::Logged {
        order: OrderId::new(),
        office: o.office.clone(),
        customer,
        channel,
        description: description.into(),
        follow_up_of,
    }
}

fn unit(unit: &str) -> Customer {
    Customer {
        unit: unit.into(),
        ..customer()
    }
}

fn priced(paid: bool, items: Vec<FeeItem>) -> EventBody {
    EventBody::Priced {
        paid,
        items,
        schedule: None,
    }
}

fn assign(technicians: &[&Author]) -> EventBody {
    EventBody::Assigned {
        technicians: technicians.iter().map(|t| t.user).collect(),
        reason: String::new(),
    }
}

fn arrive(items: &[&str]) -> EventBody {
    EventBody::Arrived {
        confirmed_items: items.iter().map(|&i| i.into()).collect(),
    }
}

fn reschedule(customer_consented: bool, reason: &str) -> EventBody {
    EventBody::Rescheduled {
        at: T0 + 180 * MIN,
        customer_consented,
        reason: reason.into(),
    }
}

/// A check of the customer's own faucet.
fn material(result: PassFail) -> EventBody {
    EventBody::MaterialChecked {
        name: "客戶自購水龍頭".into(),
        supplied_by_customer: true,
        result,
        note: String::new(),
    }
}

/// The approved faucet and a hose the technician found on site, off the schedule.
fn with_hose() -> Vec<FeeItem> {
    let mut items = faucet(12000, 5000);
    items.push(FeeItem {
        description: "更換老化進水軟管".into(),
        materials: Money(28000),
        labour: Money(6000),
        code: None,
    });
    items
}

fn told(items: Vec<FeeItem>, schedule: Option<u32>) -> EventBody {
    EventBody::FeeTold {
        paid: true,
        items,
        schedule,
    }
}

fn awaiting_approval(s: &WorkOrderState) -> bool {
    s.anomalies
        .iter()
        .any(|a| a.rule == "R-PAID" && matches!(a.kind, AnomalyKind::FeesNotApproved { .. }))
}

fn fee_told() -> EventBody {
    EventBody::FeeTold {
        paid: true,
        items: faucet(12000, 5000),
        schedule: None,
    }
}

fn done(test_result: PassFail, cleaned_up: bool, items: Vec<FeeItem>) -> EventBody {
    EventBody::Completed {
        test_result,
        cleaned_up,
        items,
        notes: "ok".into(),
        schedule: None,
    }
}

fn signed(strokes: &[Stroke], fees: (i64, i64)) -> EventBody {
    EventBody::CustomerSigned {
        signature: Signature::new("王小明", strokes, true, &faucet(fees.0, fees.1)),
    }
}

fn receipt(number: &str, amount: i64) -> EventBody {
    EventBody::ReceiptIssued {
        number: number.into(),
        amount: Money(amount),
    }
}

fn collect(amount: i64) -> EventBody {
    EventBody::FeeCollected {
        amount: Money(amount),
        method: "cash".into(),
        receipt: "R-2026-0001".into(),
    }
}

#[test]
fn r_intake() {
    let o = Office1::new();
    let first = o.consented().order_id();
    let phone = |desc| request(&o, unit("12F"), Channel::Phone, desc, None);
    check(
        &o,
        vec![
            row(
                "the front desk logs a phone request at once, with time and channel",
                Fx::New,
                Desk.at(0),
                request(&o, customer(), Channel::Phone, "廚房水龍頭漏水", None),
                Ok(Status::Logged),
            )
            .then(|s| {
                assert_eq!(s.channel, Channel::Phone);
                assert_eq!(s.logged_at, T0);
                assert_eq!(s.created_by.user, o.desk.user);
                assert_eq!(s.timeline.len(), 1);
                assert_eq!(s.timeline[0].kind, "logged");
            }),
            row(
                "verbal requests are logged too",
                Fx::New,
                Desk.at(0),
                request(&o, customer(), Channel::Verbal, "走廊燈不亮", None),
                Ok(Status::Logged),
            )
            .then(|s| assert_eq!(s.channel, Channel::Verbal)),
            row(
                "a request without a description",
                Fx::New,
                Desk.at(0),
                phone(""),
                Err(V::IntakeIncomplete {
                    field: "description".into(),
                }),
            ),
            row(
                "a request without a unit",
                Fx::New,
                Desk.at(0),
                request(&o, unit(" "), Channel::Phone, "漏水", None),
                Err(V::IntakeIncomplete {
                    field: "unit".into(),
                }),
            ),
            row(
                "a request without the customer's name",
                Fx::New,
                Desk.at(0),
                request(
                    &o,
                    Customer {
                        name: " ".into(),
                        ..customer()
                    },
                    Channel::Phone,
                    "漏水",
                    None,
                ),
                Err(V::IntakeIncomplete {
                    field: "customer name".into(),
                }),
            ),
            row(
                "a request without the customer's phone",
                Fx::New,
                Desk.at(0),
                request(
                    &o,
                    Customer {
                        phone: " ".into(),
                        ..customer()
                    },
                    Channel::Phone,
                    "漏水",
                    None,
                ),
                Err(V::IntakeIncomplete {
                    field: "customer phone".into(),
                }),
            ),
            row(
                "a field request names the order it was found on",
                Fx::New,
                Desk.at(0),
                request(&o, unit("12F"), Channel::Field, "漏水", None),
                Err(V::IntakeIncomplete {
                    field: "the order the follow-up job was found on".into(),
                }),
            ),
            row(
                "a technician logs only follow-up jobs found on site",
                Fx::New,
                Tech.at(0),
                phone("漏水"),
                Err(role_not_allowed(Role::Technician, "logged")),
            ),
            row(
                "finance does not log requests",
                Fx::New,
                Finance.at(0),
                phone("漏水"),
                Err(role_not_allowed(Role::Finance, "logged")),
            ),
            row(
                "a document gets exactly one `logged`",
                Fx::Logged,
                Desk.at(0),
                request(&o, customer(), Channel::Phone, "again", None),
                Err(V::AlreadyLogged),
            ),
            row(
                "a technician logs a follow-up job found on site",
                Fx::New,
                Tech.at(130),
                request(
                    &o,
                    customer(),
                    Channel::Field,
                    "浴室排水管老化，建議更換",
                    Some(first),
                ),
                Ok(Status::Logged),
            )
            .then(|s| {
                assert_eq!(s.follow_up_of, Some(first));
                assert!(s.in_technician_scope(&o.tech.user));
                assert!(!s.in_technician_scope(&o.tech2.user));
            }),
        ],
    );
}

#[test]
fn r_handover() {
    let o = Office1::new();
    check(
        &o,
        vec![
            row(
                "received within 30 minutes of logging is on time",
                Fx::HandedOver,
                Dispatcher.at(30),
                EventBody::Received,
                Ok(Status::Received),
            )
            .then(|s| {
                assert_eq!(s.handover_on_time, Some(true));
                assert!(s.anomalies.is_empty());
            }),
            row(
                "an order is received once",
                Fx::Received,
                Dispatcher.at(31),
                EventBody::Received,
                Err(V::AlreadyReceived),
            ),
            row(
                "a late receipt is flagged",
                Fx::Logged,
                Dispatcher.at(31),
                EventBody::Received,
                Ok(Status::Received),
            )
            .then(|s| {
                assert_eq!(s.handover_on_time, Some(false));
                assert!(matches!(
                    s.anomalies[0].kind,
                    AnomalyKind::LateHandover { minutes: 31 }
                ));
                assert_eq!(s.anomalies[0].rule, "R-HANDOVER");
            }),
            row(
                "only the engineering manager receives",
                Fx::Logged,
                Tech.at(0),
                EventBody::Received,
                Err(role_not_allowed(Role::Technician, "received")),
            ),
            row(
                "the administrator signs the register and hands the order over",
                Fx::Logged,
                Administrator.at(5),
                EventBody::HandedOver {
                    to: o.dispatcher.user,
                },
                Ok(Status::Logged),
            )
            .then(|s| assert_eq!(s.handed_over.as_ref().unwrap().at, T0 + 5 * MIN)),
            row(
                "an order is handed over once",
                Fx::HandedOver,
                Administrator.at(6),
                EventBody::HandedOver {
                    to: o.dispatcher.user,
                },
                Err(V::AlreadyHandedOver),
            ),
            row(
                "not after the manager has received it",
                Fx::Received,
                Administrator.at(6),
                EventBody::HandedOver {
                    to: o.dispatcher.user,
                },
                Err(V::AlreadyReceived),
            ),
            row(
                "the front desk does not sign the register",
                Fx::Logged,
                Desk.at(5),
                EventBody::HandedOver {
                    to: o.dispatcher.user,
                },
                Err(role_not_allowed(Role::FrontDesk, "handed_over")),
            ),
        ],
    );
}

#[test]
fn r_paid() {
    let o = Office1::new();
    let d = Dispatcher.at(1);
    check(
        &o,
        vec![
            row(
                "pricing comes after receipt",
                Fx::Logged,
                d,
                priced(true, faucet(1, 1)),
                Err(V::NotReceived),
            ),
            row(
                "paid work needs a price",
                Fx::Received,
                d,
                priced(true, vec![]),
                Err(V::PaidWithoutPrice),
            ),
            row(
                "free work has no fees",
                Fx::Received,
                d,
                priced(false, faucet(100, 0)),
                Err(V::FreeJobHasFees),
            ),
            row(
                "no negative amounts",
                Fx::Received,
                d,
                priced(true, faucet(-100, 500)),
                Err(V::BadAmount),
            ),
            row(
                "no overflowing totals",
                Fx::Received,
                d,
                priced(true, faucet(i64::MAX, 1)),
                Err(V::BadAmount),
            ),
            row(
                "the manager prices paid work",
                Fx::Received,
                d,
                priced(true, faucet(12000, 5000)),
                Ok(Status::Priced),
            )
            .then(|s| {
                assert_eq!(s.paid, Some(true));
                assert_eq!(
                    (s.fees.materials, s.fees.labour, s.fees.total),
                    (Money(12000), Money(5000), Money(17000))
                );
            }),
            row(
                "free work (無償) is priced at zero",
                Fx::Priced,
                d,
                priced(false, faucet(0, 0)),
                Ok(Status::Priced),
            )
            .then(|s| {
                assert_eq!(s.fees.total, Money(0));
                assert_eq!(s.paid, Some(false));
            }),
            row(
                "fees told as the manager approved them raise nothing",
                Fx::OnSite,
                Tech.at(118),
                fee_told(),
                Ok(Status::OnSite),
            )
            .then(|s| assert!(!awaiting_approval(s))),
            row(
                "a line off the approval is a proposal: recorded, flagged until approved",
                Fx::OnSite,
                Tech.at(118),
                told(with_hose(), None),
                Ok(Status::OnSite),
            )
            .then(|s| {
                assert!(awaiting_approval(s));
                assert_eq!(
                    s.fees.total,
                    Money(51000),
                    "the customer was told the proposal"
                );
                assert_eq!(s.approved.as_ref().unwrap().total, Money(17000));
            }),
            row(
                "a schedule line at its schedule price is pre-approved",
                Fx::OnSite,
                Tech.at(118),
                told(
                    {
                        let mut items = faucet(12000, 5000);
                        items.push(FeeItem {
                            description: "更換水龍頭墊片".into(),
                            materials: Money(300),
                            labour: Money(2000),
                            code: Some("PL-02".into()),
                        });
                        items
                    },
                    Some(1),
                ),
                Ok(Status::OnSite),
            )
            .then(|s| {
                assert!(!awaiting_approval(s));
                assert_eq!(s.schedule_version, Some(1));
            }),
            row(
                "a technician cannot turn paid work free: that is a proposal too",
                Fx::OnSite,
                Tech.at(118),
                EventBody::FeeTold {
                    paid: false,
                    items: vec![],
                    schedule: None,
                },
                Ok(Status::OnSite),
            )
            .then(|s| assert!(awaiting_approval(s))),
            row(
                "the manager's approval of the proposal, after the work, resolves it",
                Fx::Proposed,
                Dispatcher.at(400),
                EventBody::FeesAmended {
                    items: with_hose(),
                    reason: "現場發現軟管老化，核准".into(),
                    paid: None,
                    schedule: None,
                },
                Ok(Status::OnSite),
            )
            .then(|s| {
                assert!(!awaiting_approval(s));
                assert_eq!(s.approved.as_ref().unwrap().total, Money(51000));
            }),
            row(
                "a manager who changes the proposal sets the fees in force",
                Fx::Proposed,
                Dispatcher.at(400),
                EventBody::FeesAmended {
                    items: faucet(12000, 5000),
                    reason: "軟管由住戶自備".into(),
                    paid: None,
                    schedule: None,
                },
                Ok(Status::OnSite),
            )
            .then(|s| {
                assert!(!awaiting_approval(s));
                assert_eq!(s.fees.total, Money(17000));
            }),
            row(
                "a technician does not amend fees",
                Fx::Proposed,
                Tech.at(120),
                EventBody::FeesAmended {
                    items: with_hose(),
                    reason: "x".into(),
                    paid: None,
                    schedule: None,
                },
                Err(role_not_allowed(Role::Technician, "fees_amended")),
            ),
        ],
    );
}

#[test]
fn r_dispatch() {
    let o = Office1::new();
    let d = Dispatcher.at(1);
    check(
        &o,
        vec![
            row(
                "only priced orders are assigned",
                Fx::Received,
                d,
                assign(&[&o.tech]),
                Err(V::NotPriced),
            ),
            row(
                "an assignment names a technician",
                Fx::PricedFree,
                d,
                assign(&[]),
                Err(V::NoTechnician),
            ),
            row(
                "the front desk does not assign",
                Fx::PricedFree,
                Desk.at(0),
                assign(&[&o.tech]),
                Err(role_not_allowed(Role::FrontDesk, "assigned")),
            ),
            row(
                "the manager assigns a priced order",
                Fx::PricedFree,
                d,
                assign(&[&o.tech]),
                Ok(Status::Assigned),
            )
            .then(|s| assert_eq!(s.technicians, vec![o.tech.user])),
            row(
                "another technician cannot work this order",
                Fx::FreeScheduled,
                Tech2.at(55),
                arrive(&["x"]),
                Err(V::NotAssignedToYou),
            ),
            row(
                "the manager reassigns the job",
                Fx::FreeScheduled,
                d,
                assign(&[&o.tech2]),
                Ok(Status::Scheduled),
            )
            .then(|s| assert_eq!(s.technicians, vec![o.tech2.user])),
            row(
                "reassignment moves the job to the new technician",
                Fx::FreeReassigned,
                Tech2.at(55),
                arrive(&["x"]),
                Ok(Status::OnSite),
            )
            .then(|s| assert_eq!(s.arrival.as_ref().unwrap().by, o.tech2.user)),
            row(
                "…and away from the old one",
                Fx::FreeReassigned,
                Tech.at(55),
                arrive(&["x"]),
                Err(V::NotAssignedToYou),
            ),
        ],
    );
}

#[test]
fn r_appoint() {
    let o = Office1::new();
    let book = |minutes: Millis| EventBody::AppointmentSet {
        at: T0 + minutes * MIN,
    };
    check(
        &o,
        vec![
            row(
                "the front desk books the visit at intake, without waiting for dispatch",
                Fx::Logged,
                Desk.at(1),
                book(120),
                Ok(Status::Logged),
            )
            .then(|s| assert_eq!(s.appointment.as_ref().unwrap().at, T0 + 120 * MIN)),
            row(
                "once booked, a new time is a reschedule with the customer's consent",
                Fx::Dispatched,
                Dispatcher.at(30),
                book(150),
                Err(V::AlreadyBooked),
            ),
            row(
                "the assigned technician books from the phone",
                Fx::FreeAssigned,
                Tech.at(2),
                book(90),
                Ok(Status::Scheduled),
            )
            .then(|s| assert_eq!(s.appointment.as_ref().unwrap().at, T0 + 90 * MIN)),
            row(
                "a technician not on the job does not book it",
                Fx::FreeAssigned,
                Tech2.at(2),
                book(90),
                Err(V::NotAssignedToYou),
            ),
            row(
                "arrival within ten minutes of the appointment is on time",
                Fx::Dispatched,
                Tech.at(130),
                arrive(&["漏水"]),
                Ok(Status::OnSite),
            )
            .then(|s| {
                assert_eq!(s.arrived_on_time, Some(true));
                assert!(s.anomalies.is_empty());
            }),
            row(
                "a new time the customer did not agree to is refused",
                Fx::Dispatched,
                Tech.at(100),
                reschedule(false, "塞車"),
                Err(V::RescheduleNeedsConsent),
            ),
            row(
                "so arriving at +131 min is late, and flagged",
                Fx::Dispatched,
                Tech.at(131),
                arrive(&["漏水"]),
                Ok(Status::OnSite),
            )
            .then(|s| {
                assert_eq!(s.arrived_on_time, Some(false));
                assert!(matches!(
                    s.anomalies[0].kind,
                    AnomalyKind::LateArrival {
                        minutes_after_appointment: 11
                    }
                ));
                assert_eq!(s.anomalies[0].rule, "R-APPOINT");
            }),
            row(
                "a consented reschedule before the deadline moves the appointment",
                Fx::Dispatched,
                Tech.at(100),
                reschedule(true, "前一單延誤，已徵得同意"),
                Ok(Status::Scheduled),
            )
            .then(|s| assert_eq!(s.appointment.as_ref().unwrap().at, T0 + 180 * MIN)),
            row(
                "arrival by the moved appointment is on time",
                Fx::Rescheduled,
                Tech.at(185),
                arrive(&["漏水"]),
                Ok(Status::OnSite),
            )
            .then(|s| {
                assert_eq!(s.arrived_on_time, Some(true));
                assert!(s.anomalies.is_empty());
            }),
            row(
                "a reschedule agreed after appointment + 10 does not move it",
                Fx::Dispatched,
                Tech.at(140),
                reschedule(true, "遲到後才致電"),
                Ok(Status::Scheduled),
            )
            .then(|s| assert_eq!(s.appointment.as_ref().unwrap().at, T0 + 120 * MIN)),
            row(
                "…and does not excuse lateness",
                Fx::RescheduledLate,
                Tech.at(175),
                arrive(&["漏水"]),
                Ok(Status::OnSite),
            )
            .then(|s| assert_eq!(s.arrived_on_time, Some(false))),
            row(
                "the corrected device time decides lateness (phone 15 minutes fast)",
                Fx::Dispatched,
                Tech.at(140).offset(Some(-15 * MIN)),
                arrive(&["漏水"]),
                Ok(Status::OnSite),
            )
            .then(|s| {
                assert_eq!(s.arrival.as_ref().unwrap().at, T0 + 125 * MIN);
                assert_eq!(s.arrived_on_time, Some(true));
            }),
            row(
                "without a known offset the time is marked uncertain",
                Fx::Dispatched,
                Tech.at(125).offset(None),
                arrive(&["漏水"]),
                Ok(Status::OnSite),
            )
            .then(|s| assert!(!s.arrival.as_ref().unwrap().time_certain)),
        ],
    );
}

#[test]
fn r_arrive() {
    let o = Office1::new();
    let t = Tech.at(118);
    check(
        &o,
        vec![
            row(
                "only an assigned technician arrives",
                Fx::Logged,
                t,
                arrive(&["漏水"]),
                Err(V::NotAssignedToYou),
            ),
            row(
                "arrival confirms something to repair",
                Fx::Dispatched,
                t,
                arrive(&[]),
                Err(V::NothingConfirmed),
            ),
            row(
                "blank items confirm nothing",
                Fx::Dispatched,
                t,
                arrive(&["  "]),
                Err(V::NothingConfirmed),
            ),
            row(
                "the technician confirms on site what is to be repaired",
                Fx::Dispatched,
                t,
                arrive(&["水龍頭漏水", "止水閥鏽蝕"]),
                Ok(Status::OnSite),
            )
            .then(|s| assert_eq!(s.confirmed_items.len(), 2)),
            row(
                "a technician arrives once",
                Fx::OnSite,
                t,
                arrive(&["again"]),
                Err(V::AlreadyArrived),
            ),
        ],
    );
}

#[test]
fn r_consent() {
    let o = Office1::new();
    let t = Tech.at(118);
    check(
        &o,
        vec![
            row(
                "the fee is told on site",
                Fx::Dispatched,
                t,
                fee_told(),
                Err(V::NotOnSite),
            ),
            row(
                "consent comes after the fee is told",
                Fx::OnSite,
                t,
                EventBody::ConsentGiven,
                Err(V::FeeNotTold),
            ),
            row(
                "no completion before consent",
                Fx::FeeTold,
                t,
                complete_body(faucet(12000, 5000)),
                Err(V::ConsentRequired),
            ),
            row(
                "no material check before consent",
                Fx::FeeTold,
                t,
                EventBody::MaterialChecked {
                    name: "水龍頭".into(),
                    supplied_by_customer: true,
                    result: PassFail::Pass,
                    note: String::new(),
                },
                Err(V::ConsentRequired),
            ),
            row(
                "work starts once the customer agrees",
                Fx::FeeTold,
                t,
                EventBody::ConsentGiven,
                Ok(Status::InProgress),
            ),
            row(
                "consent once given is not refused",
                Fx::Consented,
                t,
                EventBody::ConsentRefused {
                    reason: "改變主意".into(),
                },
                Err(V::ConsentAlreadyGiven),
            ),
            row(
                "the customer refuses the fee",
                Fx::FeeTold,
                t,
                EventBody::ConsentRefused {
                    reason: "費用太高".into(),
                },
                Ok(Status::Refused),
            ),
            row(
                "a refusal ends the job without work",
                Fx::Refused,
                t,
                complete_body(faucet(12000, 5000)),
                Err(V::JobEnded),
            ),
            row(
                "a refused job asks no premises consent",
                Fx::Refused,
                t,
                EventBody::PremisesConsent {
                    what: "移動櫥櫃".into(),
                    granted: true,
                },
                Err(V::JobEnded),
            ),
            row(
                "the dispatcher reopens it when the customer calls back and agrees",
                Fx::Refused,
                Dispatcher.at(200),
                EventBody::Reopened {
                    reason: "客戶回電同意".into(),
                },
                Ok(Status::Scheduled),
            )
            .then(|s| assert_eq!(s.reopened, 1)),
        ],
    );
}

#[test]
fn r_premises() {
    let o = Office1::new();
    let t = Tech.at(125);
    let damage = |compensation, apologised| EventBody::DamageRecorded {
        what: "磁磚裂".into(),
        compensation: Money(compensation),
        apologised,
    };
    check(
        &o,
        vec![
            row(
                "leave to move the customer's things is recorded",
                Fx::Consented,
                t,
                EventBody::PremisesConsent {
                    what: "移動洗碗機".into(),
                    granted: true,
                },
                Ok(Status::InProgress),
            )
            .then(|s| assert!(s.premises[0].granted)),
            row(
                "damage needs an apology",
                Fx::PremisesGranted,
                t,
                damage(80000, false),
                Err(V::DamageNeedsApology),
            ),
            row(
                "compensation is not negative",
                Fx::PremisesGranted,
                t,
                damage(-1, true),
                Err(V::BadAmount),
            ),
            row(
                "damage with an apology and compensation",
                Fx::PremisesGranted,
                t,
                damage(80000, true),
                Ok(Status::InProgress),
            )
            .then(|s| {
                assert!(s.premises[0].granted);
                assert_eq!(s.damages[0].compensation, Money(80000));
            }),
        ],
    );
}

#[test]
fn r_materials() {
    let o = Office1::new();
    let t = Tech.at(125);
    check(
        &o,
        vec![
            row(
                "a customer-supplied part is checked",
                Fx::Consented,
                t,
                material(PassFail::Fail),
                Ok(Status::InProgress),
            )
            .then(|s| {
                assert_eq!(
                    s.latest_material_result("客戶自購水龍頭"),
                    Some(PassFail::Fail)
                );
            }),
            row(
                "a failed part blocks completion",
                Fx::MaterialFailed,
                t,
                complete_body(faucet(12000, 5000)),
                Err(V::MaterialFailed {
                    name: "客戶自購水龍頭".into(),
                }),
            ),
            row(
                "the customer brings a good one and it passes",
                Fx::MaterialFailed,
                t,
                material(PassFail::Pass),
                Ok(Status::InProgress),
            )
            .then(|s| {
                assert_eq!(
                    s.latest_material_result("客戶自購水龍頭"),
                    Some(PassFail::Pass)
                );
            }),
            row(
                "…and the job can complete",
                Fx::MaterialPassed,
                t,
                complete_body(faucet(12000, 5000)),
                Ok(Status::Completed),
            )
            .then(|s| assert_eq!(s.materials.len(), 2)),
        ],
    );
}

#[test]
fn r_complete() {
    let o = Office1::new();
    let t = Tech.at(150);
    check(
        &o,
        vec![
            row(
                "the repair is tested with the customer",
                Fx::Consented,
                t,
                done(PassFail::Fail, true, faucet(12000, 5000)),
                Err(V::TestNotPassed),
            ),
            row(
                "the site is cleaned up",
                Fx::Consented,
                t,
                done(PassFail::Pass, false, faucet(12000, 5000)),
                Err(V::NotCleanedUp),
            ),
            row(
                "a paid job is itemised",
                Fx::Consented,
                t,
                done(PassFail::Pass, true, vec![]),
                Err(V::PaidWithoutItems),
            ),
            row(
                "what was done is written, not left blank",
                Fx::Consented,
                t,
                EventBody::Completed {
                    test_result: PassFail::Pass,
                    cleaned_up: true,
                    items: faucet(12000, 5000),
                    notes: " \n ".into(),
                    schedule: None,
                },
                Err(V::NothingDone),
            ),
            row(
                "the technician signs after the customer",
                Fx::Consented,
                t,
                EventBody::TechnicianSigned,
                Err(V::CustomerNotSigned),
            ),
            row(
                "completed with itemised fees",
                Fx::Consented,
                t,
                done(PassFail::Pass, true, faucet(12000, 6000)),
                Ok(Status::Completed),
            )
            .then(|s| assert_eq!(s.fees.total, Money(18000))),
            row(
                "a signature for other fees is refused",
                Fx::Completed,
                t,
                signed(&strokes(), (12000, 6000)),
                Err(V::SignatureMismatch),
            ),
            row(
                "an empty signature is refused",
                Fx::Completed,
                t,
                signed(&[], (12000, 5000)),
                Err(V::EmptySignature),
            ),
            row(
                "the customer signs for the fees shown",
                Fx::Completed,
                t,
                signed(&strokes(), (12000, 5000)),
                Ok(Status::Accepted),
            )
            .then(|s| assert!(s.customer_signature.as_ref().unwrap().valid)),
            row(
                "the customer signs once",
                Fx::Signed,
                t,
                signed(&strokes(), (12000, 5000)),
                Err(V::AlreadySigned),
            ),
            row(
                "the technician signs, and the strokes survive intact for drawing",
                Fx::Signed,
                t,
                EventBody::TechnicianSigned,
                Ok(Status::Closed),
            )
            .then(|s| {
                let sig = s.customer_signature.as_ref().unwrap();
                assert_eq!(decode_strokes(&sig.strokes).unwrap(), strokes());
            }),
            row(
                "a fee change after the signature invalidates the acceptance",
                Fx::Signed,
                Dispatcher.at(200),
                EventBody::FeesAmended {
                    items: faucet(12000, 9000),
                    reason: "補計夜間工資".into(),
                    paid: None,
                    schedule: None,
                },
                Ok(Status::Accepted),
            )
            .then(|s| {
                let sig = s.customer_signature.as_ref().unwrap();
                assert!(!sig.valid, "the signature covered 170.00, not 210.00");
                assert!(
                    s.anomalies
                        .iter()
                        .any(|a| matches!(a.kind, AnomalyKind::FeeChangedAfterSignature { .. }))
                );
            }),
        ],
    );
}

#[test]
fn r_collect() {
    let o = Office1::new();
    let f = Finance.at(300);
    let a = Administrator.at(300);
    check(
        &o,
        vec![
            row(
                "finance receipts only signed orders",
                Fx::Completed,
                f,
                receipt("R-2026-0001", 17000),
                Err(V::CustomerNotSigned),
            ),
            row(
                "the receipt is for exactly the total",
                Fx::Signed,
                f,
                receipt("R-2026-0001", 16000),
                Err(V::AmountMismatch {
                    amount: 16000,
                    due: 17000,
                }),
            ),
            row(
                "collection comes after the receipt",
                Fx::Signed,
                a,
                collect(17000),
                Err(V::NoReceipt),
            ),
            row(
                "a receipt is issued once",
                Fx::Receipted,
                f,
                receipt("R-2026-0002", 17000),
                Err(V::AlreadyReceipted),
            ),
            row(
                "a technician does not issue receipts",
                Fx::Signed,
                Tech.at(0),
                receipt("R-2026-0001", 17000),
                Err(role_not_allowed(Role::Technician, "receipt_issued")),
            ),
            row(
                "finance receipts a signed paid order",
                Fx::Signed,
                f,
                receipt("R-2026-0001", 17000),
                Ok(Status::Accepted),
            )
            .then(|s| assert_eq!(s.receipt.as_ref().unwrap().number, "R-2026-0001")),
            row(
                "the property administrator collects the fee with the receipt",
                Fx::Receipted,
                a,
                collect(17000),
                Ok(Status::Accepted),
            )
            .then(|s| {
                let c = s.collection.as_ref().unwrap();
                assert_eq!(c.amount, Money(17000));
                assert_eq!(c.receipt, "R-2026-0001");
                assert_eq!(c.stamp.by, o.administrator.user);
            }),
            row(
                "finance no longer collects",
                Fx::Receipted,
                f,
                collect(17000),
                Err(role_not_allowed(Role::Finance, "fee_collected")),
            ),
            row(
                "the receipt handed over is the one issued",
                Fx::Receipted,
                a,
                EventBody::FeeCollected {
                    amount: Money(17000),
                    method: "cash".into(),
                    receipt: "R-9999".into(),
                },
                Err(V::ReceiptMismatch {
                    given: "R-9999".into(),
                    issued: "R-2026-0001".into(),
                }),
            ),
            row(
                "the fee is collected once",
                Fx::Collected,
                a,
                collect(17000),
                Err(V::AlreadyCollected),
            ),
            row(
                "free jobs are not billed",
                Fx::FreeSigned,
                Finance.at(100),
                receipt("R-1", 0),
                Err(V::NotPaidJob),
            ),
        ],
    );
}

#[test]
fn r_role() {
    let o = Office1::new();
    check(
        &o,
        vec![
            row(
                "the administrator hands the order over",
                Fx::Logged,
                Administrator.at(5),
                EventBody::HandedOver {
                    to: o.dispatcher.user,
                },
                Ok(Status::Logged),
            ),
            row(
                "the dispatcher does not hand over",
                Fx::Logged,
                Dispatcher.at(5),
                EventBody::HandedOver {
                    to: o.dispatcher.user,
                },
                Err(role_not_allowed(Role::Dispatcher, "handed_over")),
            ),
            row(
                "finance does not price",
                Fx::Received,
                Finance.at(1),
                priced(true, faucet(12000, 5000)),
                Err(role_not_allowed(Role::Finance, "priced")),
            ),
            row(
                "the dispatcher does no field work",
                Fx::Dispatched,
                Dispatcher.at(118),
                arrive(&["漏水"]),
                Err(role_not_allowed(Role::Dispatcher, "arrived")),
            ),
            row(
                "a technician does not cancel",
                Fx::Dispatched,
                Tech.at(30),
                EventBody::Cancelled { reason: "x".into() },
                Err(role_not_allowed(Role::Technician, "cancelled")),
            ),
            row(
                "the front desk does not reopen",
                Fx::Cancelled,
                Desk.at(40),
                EventBody::Reopened { reason: "x".into() },
                Err(role_not_allowed(Role::FrontDesk, "reopened")),
            ),
        ],
    );
}

#[test]
fn r_lifecycle() {
    let o = Office1::new();
    let d = Dispatcher.at(30);
    check(
        &o,
        vec![
            row(
                "an unfinished order is not reopened",
                Fx::Dispatched,
                d,
                EventBody::Reopened { reason: "x".into() },
                Err(V::NotFinished),
            ),
            row(
                "the dispatcher cancels",
                Fx::Dispatched,
                d,
                EventBody::Cancelled {
                    reason: "客戶自行修好".into(),
                },
                Ok(Status::Cancelled),
            ),
            row(
                "no work on a cancelled order",
                Fx::Cancelled,
                Tech.at(118),
                arrive(&["x"]),
                Err(V::Cancelled),
            ),
            row(
                "a supervisor reopens a cancelled order",
                Fx::Cancelled,
                Supervisor.at(40),
                EventBody::Reopened {
                    reason: "誤取消".into(),
                },
                Ok(Status::Scheduled),
            ),
            row(
                "a finished order is not cancelled",
                Fx::Completed,
                d,
                EventBody::Cancelled { reason: "x".into() },
                Err(V::AlreadyFinished),
            ),
        ],
    );
}

#[test]
fn r_month() {
    let o = Office1::new();
    let classify = |small| EventBody::Classified {
        small,
        reason: "工程".into(),
    };
    check(
        &o,
        vec![
            row(
                "the manager classifies an order as a project, overriding the office's rule",
                Fx::Dispatched,
                Dispatcher.at(20),
                classify(false),
                Ok(Status::Scheduled),
            )
            .then(|s| assert_eq!(s.small_repair, Some(false))),
            row(
                "a technician does not classify",
                Fx::Dispatched,
                Tech.at(20),
                classify(true),
                Err(role_not_allowed(Role::Technician, "classified")),
            ),
            row(
                "the technician first assigned keeps the credit through a reassignment",
                Fx::FreeScheduled,
                Dispatcher.at(20),
                assign(&[&o.tech2]),
                Ok(Status::Scheduled),
            )
            .then(|s| {
                assert_eq!(s.first_assigned, Some(o.tech.user));
                assert_eq!(s.technicians, vec![o.tech2.user]);
            }),
        ],
    );
}

#[test]
fn r_premises_compensation_is_approved_settled_and_credited() {
    let o = Office1::new();
    let mut doc = o.consented();
    let at = |who: &Author, m: Millis| o.ctx(who, T0 + m * MIN);
    let s = run(
        &mut doc,
        &at(&o.tech, 125),
        EventBody::DamageRecorded {
            what: "地磚裂一片".into(),
            compensation: Money(8000),
            apologised: true,
        },
    )
    .unwrap();
    let damage = s.damages[0].stamp.event;
    let approve = |amount| EventBody::CompensationApproved {
        damage,
        amount: Money(amount),
    };
    let settle = |how| EventBody::CompensationSettled { damage, how };
    use baoxiu_sync_core::Settlement::{Credited, Paid};
    // (why, who, fact, refusal) — each refused and nothing written.
    let refusals: Vec<(&str, &Author, EventBody, V)> = vec![
        (
            "settled only once approved",
            &o.finance,
            settle(Paid),
            V::CompensationNotApproved,
        ),
        (
            "the technician prices, the manager approves",
            &o.tech,
            approve(8000),
            role_not_allowed(Role::Technician, "compensation_approved"),
        ),
        (
            "a damage of this order",
            &o.dispatcher,
            EventBody::CompensationApproved {
                damage: baoxiu_sync_core::EventId::new(),
                amount: Money(1),
            },
            V::NoSuchDamage,
        ),
    ];
    for (why, who, fact, expected) in refusals {
        let _named = Named(why);
        assert_refused(&mut doc, &at(who, 130), fact, expected);
    }
    // The manager approves less than priced; the customer signs; finance credits it
    // against the bill, so the receipt is for the rest.
    let s = run(&mut doc, &at(&o.dispatcher, 130), approve(5000)).unwrap();
    assert_eq!(s.damages[0].approved, Some(Money(5000)));
    for body in [
        done(PassFail::Pass, true, faucet(12000, 5000)),
        signed(&strokes(), (12000, 5000)),
    ] {
        run(&mut doc, &at(&o.tech, 150), body).unwrap();
    }
    let s = run(&mut doc, &at(&o.finance, 300), settle(Credited)).unwrap();
    assert_eq!(s.amount_due(), Money(12000));
    assert_eq!(s.compensation_approved(), Money(5000));
    assert_refused(
        &mut doc,
        &at(&o.finance, 301),
        settle(Paid),
        V::AlreadySettled,
    );
    assert_refused(
        &mut doc,
        &at(&o.finance, 301),
        receipt("R-2026-0001", 17000),
        V::AmountMismatch {
            amount: 17000,
            due: 12000,
        },
    );
    let s = run(
        &mut doc,
        &at(&o.finance, 302),
        receipt("R-2026-0001", 12000),
    )
    .unwrap();
    assert_eq!(s.receipt.unwrap().amount, Money(12000));
}

#[test]
fn r_premises_a_credit_never_exceeds_the_bill() {
    let o = Office1::new();
    let mut doc = o.consented();
    let at = |who: &Author, m: Millis| o.ctx(who, T0 + m * MIN);
    let s = run(
        &mut doc,
        &at(&o.tech, 125),
        EventBody::DamageRecorded {
            what: "沙發刮傷".into(),
            compensation: Money(50000),
            apologised: true,
        },
    )
    .unwrap();
    let damage = s.damages[0].stamp.event;
    run(
        &mut doc,
        &at(&o.dispatcher, 130),
        EventBody::CompensationApproved {
            damage,
            amount: Money(50000),
        },
    )
    .unwrap();
    assert_refused(
        &mut doc,
        &at(&o.finance, 131),
        EventBody::CompensationSettled {
            damage,
            how: baoxiu_sync_core::Settlement::Credited,
        },
        V::CreditExceedsBill {
            credit: 50000,
            due: 17000,
        },
    );
    // Paid out instead.
    let s = run(
        &mut doc,
        &at(&o.finance, 131),
        EventBody::CompensationSettled {
            damage,
            how: baoxiu_sync_core::Settlement::Paid,
        },
    )
    .unwrap();
    assert_eq!(s.amount_due(), Money(17000));
}
