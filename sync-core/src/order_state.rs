//! What the reducer makes of an order: `WorkOrderState` and its parts, and the numbers the
//! rules fix. Types only; the reducer that fills them is `state.rs`, the rules that read
//! them `rules.rs`.

use serde::{Deserialize, Serialize};

use crate::error::RuleViolation;
use crate::event::Event;

use crate::model::{
    Author, Channel, Customer, EventId, FeeItem, Millis, Money, Office, OrderId, PassFail,
    Settlement, UserId, total_of,
};
/// R-APPOINT: arrival later than appointment + 10 minutes is late.
pub const ARRIVAL_GRACE_MS: Millis = 10 * 60 * 1000;
/// R-CLOCK: how much earlier than its order's logging a fact may be timed (devices'
/// clocks differ; an offset not yet measured is common) before the time is not trusted.
pub const PLAUSIBLE_BEFORE_LOGGING_MS: Millis = 24 * 3600 * 1000;
/// R-CLOCK: how long after its logging an order's facts may be timed (an order reopened
/// or collected late included) before the time is not trusted.
pub const PLAUSIBLE_ORDER_SPAN_MS: Millis = 2 * 366 * 24 * 3600 * 1000;
/// R-CLOCK: how far ahead of the server's clock, when the server receives it, a fact's
/// (offset-corrected) time may be before the server records that it doubts it. A
/// device's corrected time is its estimate of server time when it recorded the fact, so
/// anything later than the receipt is wrong; the margin covers clock drift since the
/// device's last sync.
pub const CLOCK_AHEAD_LIMIT_MS: Millis = 3600 * 1000;
/// R-CLOCK: no time of this service is before 2000-01-01 or after 2100-01-01 (UTC).
pub const EARLIEST_TIME: Millis = 946_684_800_000;
pub const LATEST_TIME: Millis = 4_102_444_800_000;
/// R-HANDOVER: the manager receives the order within 30 minutes of logging.
pub const HANDOVER_LIMIT_MS: Millis = 30 * 60 * 1000;

/// Where the job stands.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Status {
    Logged,
    Received,
    Priced,
    Assigned,
    Scheduled,
    OnSite,
    InProgress,
    Completed,
    /// The customer signed to accept.
    Accepted,
    /// Customer and technician both signed.
    Closed,
    /// The customer refused the fee; the job ended without work (R-CONSENT).
    Refused,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Who recorded something and when (corrected device time, and whether the device's
/// clock offset was known).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub event: EventId,
    pub by: UserId,
    pub at: Millis,
    pub time_certain: bool,
}

impl Stamp {
    pub(crate) fn of(e: &Event) -> Self {
        Stamp {
            event: e.id,
            by: e.author.user,
            at: e.corrected_at(),
            time_certain: e.offset.is_some(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointment {
    /// The appointment in force (after consented reschedules).
    pub at: Millis,
    /// The first agreed time.
    pub original: Millis,
    pub reschedules: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum Consent {
    Given,
    Refused { reason: String },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PremisesRecord {
    pub what: String,
    pub granted: bool,
    pub stamp: Stamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Damage {
    pub what: String,
    /// As priced on site.
    pub compensation: Money,
    pub apologised: bool,
    pub stamp: Stamp,
    /// R-PREMISES: the amount the manager approved.
    #[serde(default)]
    pub approved: Option<Money>,
    #[serde(default)]
    pub settled: Option<Settlement>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialCheck {
    pub name: String,
    pub supplied_by_customer: bool,
    pub result: PassFail,
    pub note: String,
    pub stamp: Stamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completion {
    pub test_result: PassFail,
    pub notes: String,
    pub stamp: Stamp,
}

/// The fees in force: the last of priced / told / completed / amended.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fees {
    pub paid: bool,
    pub items: Vec<FeeItem>,
    pub materials: Money,
    pub labour: Money,
    pub total: Money,
}

impl WorkOrderState {
    /// R-PREMISES: approved compensation credited against the bill.
    pub fn credited(&self) -> Money {
        self.damages
            .iter()
            .filter(|d| d.settled == Some(Settlement::Credited))
            .filter_map(|d| d.approved)
            .fold(Money::ZERO, |a, m| Money(a.0.saturating_add(m.0)))
    }

    /// R-COLLECT: what the customer pays: the fees less compensation credited.
    pub fn amount_due(&self) -> Money {
        Money(self.fees.total.0.saturating_sub(self.credited().0).max(0))
    }

    /// R-PREMISES: approved compensation, settled or not.
    pub fn compensation_approved(&self) -> Money {
        self.damages
            .iter()
            .filter_map(|d| d.approved)
            .fold(Money::ZERO, |a, m| Money(a.0.saturating_add(m.0)))
    }
}

impl Fees {
    pub(crate) fn new(paid: bool, items: Vec<FeeItem>) -> Self {
        let sum = |f: fn(&FeeItem) -> Money| {
            items
                .iter()
                .try_fold(Money::ZERO, |a, i| a.checked_add(f(i)))
                .unwrap_or(Money::ZERO)
        };
        Fees {
            paid,
            materials: sum(|i| i.materials),
            labour: sum(|i| i.labour),
            total: total_of(&items).unwrap_or(Money::ZERO),
            items,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerSignature {
    pub signer: String,
    pub strokes: String,
    pub signed_hash: String,
    /// Whether the signature still covers the fees in force (R-COMPLETE).
    pub valid: bool,
    pub stamp: Stamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub number: String,
    pub amount: Money,
    pub stamp: Stamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collection {
    pub amount: Money,
    pub method: String,
    /// The receipt number handed over (empty in collections recorded before it was asked).
    #[serde(default)]
    pub receipt: String,
    pub stamp: Stamp,
}

/// One line of the order's history, for timelines.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub event: EventId,
    pub kind: String,
    pub author: Author,
    /// The device's own clock.
    pub device_at: Millis,
    /// Corrected by the device's clock offset where known.
    pub at: Millis,
    pub time_certain: bool,
}

/// A fact that contradicts the rules. It is kept and shown, never dropped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anomaly {
    /// The rule id, e.g. `R-CONSENT`.
    pub rule: String,
    /// The fact it is about, if it is about one.
    pub event: Option<EventId>,
    pub kind: AnomalyKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AnomalyKind {
    /// The fact was recorded although a rule forbade it (e.g. merged from two devices).
    RuleBroken { violation: RuleViolation },
    /// Field work by a technician whose assignment was changed concurrently, so the
    /// technician could not have known.
    ConcurrentUnassignment {
        technician: UserId,
        assignment: EventId,
    },
    /// R-PAID: the fees agreed with the customer differ from what the manager approved
    /// (lines off the schedule, other amounts, or free turned paid) and the manager has not
    /// approved them yet. Shown until the manager approves or changes them.
    FeesNotApproved { agreed: Money, approved: Money },
    /// The fees changed after the customer signed; the acceptance no longer covers them.
    FeeChangedAfterSignature { signature: EventId },
    /// R-APPOINT: arrived after appointment + 10 minutes without a consented new time.
    LateArrival { minutes_after_appointment: i64 },
    /// R-HANDOVER: received more than 30 minutes after logging.
    LateHandover { minutes: i64 },
    /// An event that could not be decoded (kept as-is, e.g. from a newer app version).
    UnreadableEvent { index: usize, reason: String },
    /// R-CLOCK: a fact timed before its order was logged, or implausibly long after (a
    /// wrong or hostile clock); its time is not trusted.
    ImplausibleTime { at: Millis },
}

/// The merged state of one work order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkOrderState {
    pub order: OrderId,
    pub office: Office,
    pub customer: Customer,
    pub channel: Channel,
    pub description: String,
    pub follow_up_of: Option<OrderId>,
    pub created_by: Author,
    pub status: Status,
    pub logged_at: Millis,
    pub handed_over: Option<Stamp>,
    pub received_at: Option<Stamp>,
    /// `None` until priced; then free (`false`) or paid (`true`).
    pub paid: Option<bool>,
    pub technicians: Vec<UserId>,
    /// R-MONTH: the technician first assigned (credited with the on-time figure), kept
    /// through reassignments.
    #[serde(default)]
    pub first_assigned: Option<UserId>,
    /// R-MONTH: the manager's classification as a small repair (零修) or not, overriding
    /// the office's rule; `None` leaves it to the rule.
    #[serde(default)]
    pub small_repair: Option<bool>,
    pub appointment: Option<Appointment>,
    pub arrival: Option<Stamp>,
    pub confirmed_items: Vec<String>,
    pub fee_told: Option<Stamp>,
    pub consent: Option<Consent>,
    pub premises: Vec<PremisesRecord>,
    pub damages: Vec<Damage>,
    pub materials: Vec<MaterialCheck>,
    pub completion: Option<Completion>,
    /// The fees in force: agreed with the customer once told on site, else the manager's.
    pub fees: Fees,
    /// R-PAID: what the manager approved (pricing, or a later approval / change).
    #[serde(default)]
    pub approved: Option<Fees>,
    /// R-PAID: the fee-schedule version the order was quoted from.
    #[serde(default)]
    pub schedule_version: Option<u32>,
    pub customer_signature: Option<CustomerSignature>,
    pub technician_signature: Option<Stamp>,
    pub receipt: Option<Receipt>,
    pub collection: Option<Collection>,
    pub cancelled: Option<Stamp>,
    /// How many times the order was reopened (each reopening starts a new round of work).
    pub reopened: u32,
    pub notes: Vec<String>,
    /// R-APPOINT: `Some(true)` if the arrival was within appointment + 10 minutes.
    pub arrived_on_time: Option<bool>,
    /// R-HANDOVER: `Some(true)` if received within 30 minutes of logging.
    pub handover_on_time: Option<bool>,
    pub timeline: Vec<TimelineEntry>,
    pub anomalies: Vec<Anomaly>,
}
