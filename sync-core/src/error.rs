//! The crate's one error type, and the typed rule refusals it carries.

use serde::{Deserialize, Serialize};

use crate::model::Role;

/// Everything that can go wrong in sync-core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A command was refused by a domain rule; nothing was written.
    #[error("refused by {rule}: {0}", rule = .0.rule())]
    Rule(#[from] RuleViolation),
    /// Input that is not well-formed (bad id, unknown time zone, empty field…).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// Stored or received bytes that do not decode.
    #[error("corrupt data: {0}")]
    Corrupt(String),
    #[error("work order {0} not found")]
    NotFound(String),
    /// Well-formed, but not possible in the record's current state (e.g. a call-back
    /// that was already recorded).
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("storage: {0}")]
    Storage(#[from] rusqlite::Error),
    #[error("automerge: {0}")]
    Automerge(#[from] automerge::AutomergeError),
    /// The database was written by a newer version of baoxiu.
    #[error("database schema version {found} is newer than this build supports ({supported})")]
    SchemaTooNew { found: i64, supported: i64 },
}

/// A domain rule refused a command. Each names its rule id (docs/rules.md).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum RuleViolation {
    #[error("a {role:?} may not {action}")]
    RoleNotAllowed { role: Role, action: String },
    #[error("the request is missing {field}")]
    IntakeIncomplete { field: String },
    #[error("the order has already been logged")]
    AlreadyLogged,
    #[error("the order has already been received")]
    AlreadyReceived,
    #[error("the order has already been handed over")]
    AlreadyHandedOver,
    #[error("the engineering manager has not received the order yet")]
    NotReceived,
    #[error("a paid job needs at least one priced item")]
    PaidWithoutPrice,
    #[error("a free job cannot carry fees")]
    FreeJobHasFees,
    #[error("fees cannot be negative or overflow")]
    BadAmount,
    #[error("line {item:?} does not carry the fee schedule's name and price for that item")]
    NotTheSchedulePrice { item: String },
    #[error("the order has not been priced (free or paid) yet")]
    NotPriced,
    #[error("assign at least one technician")]
    NoTechnician,
    #[error("no technician is assigned yet")]
    NotAssigned,
    #[error("you are not assigned to this order")]
    NotAssignedToYou,
    #[error("no appointment has been agreed yet")]
    NoAppointment,
    #[error("a visit is already booked; a new time is a reschedule with the customer's consent")]
    AlreadyBooked,
    #[error("a new time needs the customer's consent")]
    RescheduleNeedsConsent,
    #[error("confirm on site at least one item to repair")]
    NothingConfirmed,
    #[error("already recorded as arrived")]
    AlreadyArrived,
    #[error("record arrival on site first")]
    NotOnSite,
    #[error("tell the customer the fee standard first")]
    FeeNotTold,
    #[error("work may start only after the customer consents to the fee")]
    ConsentRequired,
    #[error("the customer has already answered")]
    ConsentAlreadyGiven,
    #[error("the job has ended; reopen it first")]
    JobEnded,
    #[error("damage must be recorded with an apology")]
    DamageNeedsApology,
    #[error("no such damage on this order")]
    NoSuchDamage,
    #[error("the compensation is not approved yet")]
    CompensationNotApproved,
    #[error("the compensation was already settled")]
    AlreadySettled,
    #[error("a credit of {credit} exceeds the {due} still due on the bill")]
    CreditExceedsBill { credit: i64, due: i64 },
    #[error("customer-supplied material {name:?} failed its check")]
    MaterialFailed { name: String },
    #[error("the repair must pass a test with the customer")]
    TestNotPassed,
    #[error("clean up the site before completing")]
    NotCleanedUp,
    #[error("write what was done before completing")]
    NothingDone,
    #[error("a paid job must list its fees item by item")]
    PaidWithoutItems,
    #[error("the job is not completed yet")]
    NotCompleted,
    #[error("the signature was made for different fees than the order shows")]
    SignatureMismatch,
    #[error("the signature has no strokes")]
    EmptySignature,
    #[error("already signed")]
    AlreadySigned,
    #[error("the customer has not signed to accept yet")]
    CustomerNotSigned,
    #[error("only paid jobs are billed")]
    NotPaidJob,
    #[error("the amount {amount} does not match the total due {due}")]
    AmountMismatch { amount: i64, due: i64 },
    #[error("no receipt has been issued yet")]
    NoReceipt,
    #[error("the fee has already been collected")]
    AlreadyCollected,
    #[error("a receipt has already been issued")]
    AlreadyReceipted,
    #[error("receipt {given:?} is not the one issued ({issued:?})")]
    ReceiptMismatch { given: String, issued: String },
    #[error("the job is already finished")]
    AlreadyFinished,
    #[error("only a finished, refused or cancelled order can be reopened")]
    NotFinished,
    #[error("the order was cancelled")]
    Cancelled,
    #[error("a time outside the years 2000 to 2100")]
    ImplausibleTime,
}

impl RuleViolation {
    /// The rule id (docs/rules.md) this refusal enforces.
    pub fn rule(&self) -> &'static str {
        use RuleViolation::*;
        match self {
            RoleNotAllowed { .. } => "R-ROLE",
            IntakeIncomplete { .. } | AlreadyLogged => "R-INTAKE",
            AlreadyReceived | AlreadyHandedOver => "R-HANDOVER",
            NotReceived
            | PaidWithoutPrice
            | FreeJobHasFees
            | BadAmount
            | NotTheSchedulePrice { .. } => "R-PAID",
            NotPriced | NoTechnician => "R-DISPATCH",
            NoAppointment | RescheduleNeedsConsent | NotAssigned | AlreadyBooked => "R-APPOINT",
            NotAssignedToYou | NothingConfirmed | AlreadyArrived | NotOnSite => "R-ARRIVE",
            FeeNotTold | ConsentRequired | ConsentAlreadyGiven | JobEnded => "R-CONSENT",
            DamageNeedsApology
            | NoSuchDamage
            | CompensationNotApproved
            | AlreadySettled
            | CreditExceedsBill { .. } => "R-PREMISES",
            MaterialFailed { .. } => "R-MATERIALS",
            TestNotPassed | NotCleanedUp | NothingDone | PaidWithoutItems | NotCompleted
            | SignatureMismatch | EmptySignature | AlreadySigned | CustomerNotSigned => {
                "R-COMPLETE"
            }
            NotPaidJob
            | AmountMismatch { .. }
            | NoReceipt
            | AlreadyCollected
            | AlreadyReceipted
            | ReceiptMismatch { .. } => "R-COLLECT",
            AlreadyFinished | NotFinished | Cancelled => "R-LIFECYCLE",
            ImplausibleTime => "R-CLOCK",
        }
    }
}
