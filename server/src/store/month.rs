//! The store trait of month end (R-MONTH): the counts behind an office's figures, the
//! paid-service register's lines, call-backs and spot-check samples.

use std::collections::HashMap;
use std::fmt::Debug;

use async_trait::async_trait;
use baoxiu_sync_core::callback::{Callback, CallbackResult, CallbackStatus, Stratum};
use baoxiu_sync_core::questionnaire::DimensionTally;
use baoxiu_sync_core::settings::OfficeSettings;
use baoxiu_sync_core::task::OwnerTask;
use baoxiu_sync_core::{FeeItem, Millis, OfficeId, OrderId, UserId};

use super::Period;
use crate::error::Result;

/// One technician's counts for a month (the first assigned technician gets the credit).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TechnicianCounts {
    pub technician: Option<UserId>,
    /// R-MONTH 及時率: small repairs whose appointment in force fell in the month and is
    /// due (arrived, or appointment + grace has passed), how many were on time, and how
    /// many had no arrival at all (no-shows, counted late).
    pub arrivals: u64,
    pub on_time: u64,
    pub no_shows: u64,
    pub completed: u64,
    /// Paid work completed, minor units (checked sum).
    pub paid_total: i64,
    /// R-PREMISES: compensation approved on the orders completed, minor units.
    pub compensation: i64,
    /// Small repairs completed in the month whose latest call-back checked the repair, and
    /// how many held (and were not reworked).
    pub called_back: u64,
    pub passed: u64,
    /// The latest call-back score of each order completed in the month: how many, their
    /// sum, and how many were at or above the office's `satisfied_score`.
    pub satisfaction_count: u64,
    pub satisfaction_sum: u64,
    pub satisfied: u64,
    /// S5 8: the quality dimensions scored on those same call-backs.
    pub dimensions: DimensionTally,
}

/// An arrival timed on an unmeasured clock, close to its deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UncertainArrival {
    pub order: OrderId,
    pub arrived_at: Millis,
    pub appointment: Millis,
}

/// The counts behind an office's month figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MonthCounts {
    pub logged: u64,
    /// R-HANDOVER: of the orders logged in the month, received within the limit, and
    /// counted (received, or never received with the limit passed: late).
    pub handover_on_time: u64,
    pub handover_counted: u64,
    pub handover_never_received: u64,
    /// Logging to receipt, over the orders received: the median and the longest.
    pub handover_median_ms: Option<Millis>,
    pub handover_longest_ms: Option<Millis>,
    pub per_technician: Vec<TechnicianCounts>,
    pub uncertain: Vec<UncertainArrival>,
    /// The office's people by id, read in the same snapshot, to name the technicians.
    pub names: HashMap<UserId, String>,
}

/// How month counts are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountParams {
    /// R-APPOINT's grace after the appointment.
    pub grace_ms: Millis,
    /// Rework window after completion.
    pub rework_ms: Millis,
    /// Review margin for arrivals on unmeasured clocks.
    pub margin_ms: Millis,
    /// A call-back score at or above this counts as satisfied.
    pub satisfied_score: i64,
    /// R-HANDOVER's limit after logging.
    pub handover_limit_ms: Millis,
    /// R-MONTH 零修: the largest total of a small repair, unless the manager classified it.
    pub small_max_total: i64,
    /// The time the figures are taken at: deadlines not yet passed are not counted.
    pub now: Millis,
}

/// A paid order completed in the month (a line of the paid-service register).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterLine {
    pub order: OrderId,
    pub completed_at: Millis,
    pub customer: String,
    pub unit: String,
    pub description: String,
    pub items: Vec<FeeItem>,
    pub materials: i64,
    pub labour: i64,
    pub total: i64,
    pub technician: Option<UserId>,
    pub customer_signed: bool,
    pub signature_valid: Option<bool>,
    pub receipt: Option<String>,
    pub collected: Option<i64>,
    /// R-PAID: the fees agreed on site still await the manager's approval.
    pub fees_pending: bool,
    /// R-PREMISES: compensation approved, and the part credited against the bill.
    pub compensation: i64,
    pub credited: i64,
}

/// Which call-backs to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallbackFilter {
    pub status: Option<CallbackStatus>,
    pub order: Option<OrderId>,
    pub sample: Option<String>,
    /// A complaint's call-backs (R-VISIT-CONTENT).
    pub complaint: Option<String>,
    /// A programme's call-backs (S5 25).
    pub programme: Option<String>,
    /// The call-backs given to one person (an agent's, R-VISIT).
    pub assignee: Option<UserId>,
}

/// A spot-check sample as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleRecord {
    pub id: String,
    pub month: String,
    pub seed: u64,
    pub percent: u32,
    pub min_per_technician: u32,
    pub orders: Vec<OrderId>,
    pub created_by: UserId,
    pub created_at: Millis,
    /// The month's sample this one redrew, and why (R-MONTH 抽查回訪).
    pub replaces: Option<String>,
    pub reason: Option<String>,
    /// Filled by re-drawing; not stored.
    pub strata: Vec<Stratum>,
}

/// R-MONTH: a closed month as filed (the service's figures and register as JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiledMonth {
    pub month: String,
    pub closed_at: Millis,
    pub closed_by: UserId,
    pub stats: String,
    pub register: String,
    /// The spot-check sample of the month, if one was drawn.
    pub sample: Option<String>,
}

/// Month end: counts from the projection, the register, call-backs and samples.
#[async_trait]
pub trait MonthStore: Send + Sync + Debug {
    /// Counts for several office-months, read in one snapshot.
    async fn month_counts(
        &self,
        months: Vec<(OfficeId, Period)>,
        params: CountParams,
    ) -> Result<Vec<MonthCounts>>;
    async fn register_lines(&self, office: OfficeId, period: Period) -> Result<Vec<RegisterLine>>;
    /// (first technician, order) for the orders completed in the period.
    async fn completed_orders(
        &self,
        office: OfficeId,
        period: Period,
    ) -> Result<Vec<(Option<UserId>, OrderId)>>;
    async fn insert_callback(&self, office: OfficeId, callback: Callback) -> Result<()>;
    async fn callback(&self, office: OfficeId, id: String) -> Result<Option<Callback>>;
    /// Records a result (sync-core's `Callback::record`), plans the fallback and opens the
    /// owner's task for a problem found (R-VISIT-OWNER, due `task_days` later), atomically.
    async fn record_callback_task(
        &self,
        office: OfficeId,
        id: String,
        result: CallbackResult,
        by: UserId,
        now: Millis,
        task_days: u32,
    ) -> Result<(Callback, Option<Callback>, Option<OwnerTask>)>;
    /// `record_callback_task` with the default task period.
    async fn record_callback(
        &self,
        office: OfficeId,
        id: String,
        result: CallbackResult,
        by: UserId,
        now: Millis,
    ) -> Result<(Callback, Option<Callback>)> {
        let days = OfficeSettings::default().owner_task_days;
        let (cb, next, _) = self
            .record_callback_task(office, id, result, by, now, days)
            .await?;
        Ok((cb, next))
    }
    async fn callbacks(&self, office: OfficeId, filter: CallbackFilter) -> Result<Vec<Callback>>;
    /// Stores a sample with its planned call-backs, and cancels the planned call-backs
    /// `cancel` names (a redraw: by the sample's author, at its time), atomically; one of
    /// them no longer planned is a `Conflict` and nothing is stored.
    async fn insert_sample(
        &self,
        office: OfficeId,
        sample: SampleRecord,
        cancel: Vec<String>,
        callbacks: Vec<Callback>,
    ) -> Result<()>;
    async fn sample(&self, office: OfficeId, id: String) -> Result<Option<SampleRecord>>;
    /// The month's samples, oldest first (the last is the one in force).
    async fn month_samples(&self, office: OfficeId, month: String) -> Result<Vec<SampleRecord>>;
}
