//! Facts: the append-only events inside a work-order document.
//!
//! Each event is stored as one JSON string element of the document's `events` list, so
//! appending a fact is exactly one Automerge insert op, and "nobody edits or removes a
//! fact" can be checked op by op (the server does so before storing a change).

use serde::{Deserialize, Serialize};

use crate::model::{
    Author, Channel, Customer, EventId, FeeItem, Millis, Money, Office, OrderId, PassFail,
    Settlement, UserId,
};
use crate::signature::Signature;

/// One fact of a work order.
pub type Event = Fact<EventBody>;

/// One fact of any kind of case, with who recorded it and when according to their device:
/// the envelope every kind shares (`B` is the kind's own facts).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact<B> {
    pub id: EventId,
    pub author: Author,
    /// The device's wall clock when the fact was recorded (UTC millis).
    pub at: Millis,
    /// The device's last known offset to server time (server − device, millis), if it
    /// has ever synced. Corrected time = `at + offset`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<Millis>,
    #[serde(flatten)]
    pub body: B,
}

impl<B: Serialize> Fact<B> {
    /// The device time corrected by its known clock offset; `None` offset means the
    /// instant is uncertain and the raw device time is used.
    pub fn corrected_at(&self) -> Millis {
        self.at.saturating_add(self.offset.unwrap_or(0))
    }

    pub fn to_json(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The kinds of fact. `kind` names the variant, `data` holds its payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum EventBody {
    /// R-INTAKE: the request is logged, with its channel. Always the first event.
    Logged {
        order: OrderId,
        office: Office,
        customer: Customer,
        channel: Channel,
        description: String,
        /// For a follow-up job found on site: the order the technician was working on.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        follow_up_of: Option<OrderId>,
    },
    /// R-HANDOVER: the administrator hands the order to the engineering manager.
    HandedOver {
        to: UserId,
    },
    /// R-HANDOVER: the engineering manager records the time received (接單時間).
    Received,
    /// R-PAID: the manager's decision, free or paid, and for paid work the price per item
    /// (from the fee schedule, or the manager's own).
    Priced {
        paid: bool,
        items: Vec<FeeItem>,
        /// The fee-schedule version the coded lines were quoted from (R-PAID).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        schedule: Option<u32>,
    },
    /// R-DISPATCH: the technicians on the job (replaces any earlier assignment).
    Assigned {
        technicians: Vec<UserId>,
        #[serde(default)]
        reason: String,
    },
    /// R-APPOINT: the visit booked with the customer (at intake or later, by the front
    /// desk, the administrator, the manager or the assigned technician).
    AppointmentSet {
        at: Millis,
    },
    /// R-APPOINT: a new time, with whether the customer agreed to it.
    Rescheduled {
        at: Millis,
        customer_consented: bool,
        reason: String,
    },
    /// R-ARRIVE: on site, with what the technician confirmed is to be repaired.
    Arrived {
        confirmed_items: Vec<String>,
    },
    /// R-CONSENT: the fee standard told to the customer. Lines the manager did not approve
    /// and that are not schedule items at schedule price are a proposal (R-PAID).
    FeeTold {
        paid: bool,
        items: Vec<FeeItem>,
        /// The fee-schedule version the coded lines were quoted from (R-PAID).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        schedule: Option<u32>,
    },
    /// R-CONSENT: the customer agrees to the fee; work may start.
    ConsentGiven,
    /// R-CONSENT: the customer refuses; the job ends without work.
    ConsentRefused {
        reason: String,
    },
    /// R-PREMISES: the owner's answer to moving furniture or fittings.
    PremisesConsent {
        what: String,
        granted: bool,
    },
    /// R-PREMISES: something of the customer's was damaged.
    DamageRecorded {
        what: String,
        compensation: Money,
        apologised: bool,
    },
    /// R-PREMISES: the manager approves the compensation for a damage (`damage`: the
    /// `damage_recorded` fact), at the amount priced or another.
    CompensationApproved {
        damage: EventId,
        amount: Money,
    },
    /// R-PREMISES: the approved compensation is settled — paid to the customer, or credited
    /// against the order's bill (before the receipt; the receipt is then for the rest).
    CompensationSettled {
        damage: EventId,
        how: Settlement,
    },
    /// R-MATERIALS: a part or material was checked.
    MaterialChecked {
        name: String,
        supplied_by_customer: bool,
        result: PassFail,
        #[serde(default)]
        note: String,
    },
    /// R-COMPLETE: done, cleaned up, tested with the customer, fees itemised.
    Completed {
        test_result: PassFail,
        cleaned_up: bool,
        items: Vec<FeeItem>,
        notes: String,
        /// The fee-schedule version the coded lines were quoted from (R-PAID).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        schedule: Option<u32>,
    },
    /// R-PAID: the manager approves or changes the fees (a technician's proposal, or a
    /// correction). Any acceptance signed for other fees shows as invalidated.
    FeesAmended {
        items: Vec<FeeItem>,
        reason: String,
        /// A change of the free/paid decision; `None` keeps it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        paid: Option<bool>,
        /// The fee-schedule version the coded lines were quoted from (R-PAID).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        schedule: Option<u32>,
    },
    /// R-COMPLETE: the customer signs to accept.
    CustomerSigned {
        signature: Signature,
    },
    /// R-COMPLETE: the technician signs.
    TechnicianSigned,
    /// R-COLLECT: finance issued the receipt for a signed paid order.
    ReceiptIssued {
        number: String,
        amount: Money,
    },
    /// R-COLLECT: the property administrator collected the fee, handing over the receipt
    /// (`receipt`, its number) and the owner's copy.
    FeeCollected {
        amount: Money,
        method: String,
        /// Empty only in facts recorded before collection named its receipt.
        #[serde(default)]
        receipt: String,
    },
    /// R-MONTH: the manager classifies the order as a small repair (零修) or not (a
    /// project), overriding the office's rule for what counts.
    Classified {
        small: bool,
        reason: String,
    },
    Cancelled {
        reason: String,
    },
    Reopened {
        reason: String,
    },
    /// Free text on the order (維修情況 notes and the like).
    Note {
        text: String,
    },
    /// R-CLOCK, recorded by the server alone: it received fact `event` at `received_at`
    /// (its clock), earlier than the time the fact carries, so that time cannot be true.
    /// The fact is kept, flagged, and timed no later than its receipt.
    TimeDoubted {
        event: EventId,
        received_at: Millis,
    },
}

impl EventBody {
    /// The stable name stored in the document (`kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            EventBody::Logged { .. } => "logged",
            EventBody::HandedOver { .. } => "handed_over",
            EventBody::Received => "received",
            EventBody::Priced { .. } => "priced",
            EventBody::Assigned { .. } => "assigned",
            EventBody::AppointmentSet { .. } => "appointment_set",
            EventBody::Rescheduled { .. } => "rescheduled",
            EventBody::Arrived { .. } => "arrived",
            EventBody::FeeTold { .. } => "fee_told",
            EventBody::ConsentGiven => "consent_given",
            EventBody::ConsentRefused { .. } => "consent_refused",
            EventBody::PremisesConsent { .. } => "premises_consent",
            EventBody::DamageRecorded { .. } => "damage_recorded",
            EventBody::CompensationApproved { .. } => "compensation_approved",
            EventBody::CompensationSettled { .. } => "compensation_settled",
            EventBody::MaterialChecked { .. } => "material_checked",
            EventBody::Completed { .. } => "completed",
            EventBody::FeesAmended { .. } => "fees_amended",
            EventBody::CustomerSigned { .. } => "customer_signed",
            EventBody::TechnicianSigned => "technician_signed",
            EventBody::ReceiptIssued { .. } => "receipt_issued",
            EventBody::FeeCollected { .. } => "fee_collected",
            EventBody::Classified { .. } => "classified",
            EventBody::Cancelled { .. } => "cancelled",
            EventBody::Reopened { .. } => "reopened",
            EventBody::Note { .. } => "note",
            EventBody::TimeDoubted { .. } => "time_doubted",
        }
    }

    /// Facts that are part of doing the job on site: only an assigned technician
    /// (or the field order's creator) records them.
    pub fn is_field_work(&self) -> bool {
        matches!(
            self,
            EventBody::Arrived { .. }
                | EventBody::FeeTold { .. }
                | EventBody::ConsentGiven
                | EventBody::ConsentRefused { .. }
                | EventBody::PremisesConsent { .. }
                | EventBody::DamageRecorded { .. }
                | EventBody::MaterialChecked { .. }
                | EventBody::Completed { .. }
                | EventBody::CustomerSigned { .. }
                | EventBody::TechnicianSigned
        )
    }
}
