//! Storage behind small async traits, one per area: orders (change log, catch-up,
//! projection), the directory (offices, people, devices), month end, complaints, office
//! calendars and settings. The types here, and the logic both backends share (`apply`,
//! `catchup`, `docs`, `complaint_rows`, `decode`), are backend-neutral; every SQL
//! statement lives in a backend (`sqlite/`, `postgres/`), and a backend is correct when
//! the conformance suite (`tests/integration/conformance.rs`) passes against it.
//!
//! Every method is async and never blocks the calling task: a backend runs its blocking
//! work on its own threads.

pub(crate) mod apply;
pub(crate) mod cases;
pub(crate) mod catchup;
mod complaint_rows;
mod contacts;
pub mod customer_link;
mod customers;
mod decode;
pub(crate) mod docs;
mod improvements;
mod office;
pub(crate) mod order_job;
pub mod postgres;
mod programmes;
mod qa;
pub(crate) mod reply;
pub mod sqlite;
mod tasks;

pub use contacts::{ContactFilter, ContactStore};
pub use customers::{CustomerFilter, CustomerStore, LinkFilter};
pub use improvements::{ImprovementFilter, ImprovementStore};
pub use office::{CalendarChange, OfficeStore};
pub use programmes::ProgrammeStore;
pub use qa::QaStore;
pub use tasks::{TaskStore, TrainingStore};

use std::collections::HashMap;
use std::fmt::Debug;

use async_trait::async_trait;
use baoxiu_sync_core::calendar::OfficeCalendar;
use baoxiu_sync_core::callback::{Callback, CallbackResult, CallbackStatus, Stratum};
use baoxiu_sync_core::complaint::{Complaint, NewComplaint, Refusal};
use baoxiu_sync_core::fee_schedule::{FeeSchedule, ScheduleItem};
use baoxiu_sync_core::kinds::Kind;
use baoxiu_sync_core::protocol::{CATCH_UP_PAGE_BYTES, Cursor, Document, Hash, OrderChanges};
use baoxiu_sync_core::questionnaire::DimensionTally;
use baoxiu_sync_core::settings::OfficeSettings;
use baoxiu_sync_core::task::OwnerTask;
use baoxiu_sync_core::validate::{Refusal as SyncRefusal, Submitter};
use baoxiu_sync_core::{
    Author, DeviceId, EventBody, FeeItem, Millis, NewOrder, Office, OfficeId, OrderId, Person,
    UserId, WorkOrderState,
};
use tokio::sync::broadcast;

pub use crate::error::{Error, Result};

/// A half-open range of UTC instants `[start, end)`: a month in an office's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: Millis,
    pub end: Millis,
}

/// A web console session (the browser holds the secret; the store its SHA-256).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSession {
    pub hash: String,
    pub user: UserId,
    /// The user's token version when it was made: raising it ends the session.
    pub token_version: u32,
    pub created_at: Millis,
    pub expires_at: Millis,
    pub revoked_at: Option<Millis>,
}

/// Filters for listing orders.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub office: OfficeId,
    pub status: Option<baoxiu_sync_core::Status>,
    pub technician: Option<UserId>,
    pub from: Option<Millis>,
    pub to: Option<Millis>,
    /// Orders whose unit or customer name contains this text, or whose id starts with it
    /// (case-insensitive; `%` and `_` are plain characters), or whose phone contains its
    /// digits when it is a phone number (dashes, spaces and brackets ignored).
    pub search: Option<String>,
    /// Paid service (R-PAID) or free; None for both (and for orders not priced yet).
    pub paid: Option<bool>,
    /// One customer's orders (S5).
    pub customer: Option<String>,
    pub limit: u32,
    pub offset: u32,
}

impl OrderFilter {
    /// The search as a LIKE pattern body (escaped with `\`), lower-cased.
    pub(crate) fn search_pattern(&self) -> Option<String> {
        self.search.as_deref().map(|q| {
            q.to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        })
    }

    /// The search's digits, when it reads as (part of) a phone number: at least three
    /// digits and nothing but digits, spaces, dashes, brackets and a leading `+`.
    pub(crate) fn phone_digits(&self) -> Option<String> {
        let q = self.search.as_deref()?;
        let phone_like = q
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '+'));
        let digits: String = q.chars().filter(char::is_ascii_digit).collect();
        (phone_like && digits.len() >= 3).then_some(digits)
    }
}

/// A row of the order list (the projection).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct OrderRow {
    #[schema(value_type = String)]
    pub id: OrderId,
    pub status: String,
    pub customer_name: String,
    pub unit: String,
    pub description: String,
    pub channel: String,
    pub logged_at: i64,
    pub appointment: Option<i64>,
    pub arrived_at: Option<i64>,
    pub arrived_on_time: Option<bool>,
    #[schema(value_type = Vec<String>)]
    pub technicians: Vec<UserId>,
    /// Minor units.
    pub total: i64,
    pub anomalies: i64,
    pub updated_at: i64,
    /// R-PAID: fees agreed on site await the manager's approval.
    pub fees_pending: bool,
}

/// R-COLLECT: the two queues between the customer's sign-off and the money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BillingStage {
    /// Signed paid orders finance has not receipted (copy 3, the billing basis).
    Receipt,
    /// Receipts the administrator has not collected.
    Collection,
}

/// A row of a billing queue, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct BillingRow {
    #[schema(value_type = String)]
    pub id: OrderId,
    pub customer_name: String,
    pub unit: String,
    pub phone: String,
    /// The amount due, minor units: the fees less compensation credited (R-PREMISES).
    pub total: i64,
    /// When the customer signed off (UTC ms).
    pub signed_at: i64,
    pub receipt: Option<String>,
    /// When finance issued the receipt (UTC ms).
    pub receipt_at: Option<i64>,
}

/// What a device is, as far as sync is concerned (from its verified token).
#[derive(Debug, Clone)]
pub struct DeviceCtx {
    pub submitter: Submitter,
}

impl DeviceCtx {
    pub fn device(&self) -> DeviceId {
        self.submitter.author.device
    }
}

/// What a device must receive to be up to date.
#[derive(Debug, Clone, Default)]
pub struct CatchUp {
    pub changes: Vec<OrderChanges>,
    pub documents: Vec<Document>,
    pub revoked: Vec<OrderId>,
    pub cursor: Option<Cursor>,
    pub repair: bool,
    /// With `repair`: every order in the device's scope.
    pub scope: Vec<OrderId>,
    /// This is one page: ask again from `cursor` for the rest.
    pub more: bool,
    /// The orders the device holds or is owed once this page is delivered (its scope and
    /// what it still holds), for a device whose scope is not its whole office; `None`
    /// when it is the office. Not sent: the session watches only these.
    pub holds: Option<Vec<OrderId>>,
}

/// A batch refused whole, or the store failing.
#[derive(Debug, Clone)]
pub enum SubmitError {
    Refused {
        refusal: SyncRefusal,
        refused: Vec<Hash>,
    },
    Unavailable(String),
}

/// Announced after every commit, so live sessions can push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    pub seq: u64,
    pub orders: Vec<CommittedOrder>,
}

/// An order a commit changed, with what decides whose scope it is in: the office, and for
/// a technician's scope its technicians and creator after the commit. A session wakes
/// only for the orders that concern it, so a commit does not cost every live session a
/// catch-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommittedOrder {
    pub order: OrderId,
    pub office: OfficeId,
    pub technicians: Vec<UserId>,
    pub created_by: UserId,
}

impl CommittedOrder {
    pub fn of(st: &WorkOrderState) -> Self {
        CommittedOrder {
            order: st.order,
            office: st.office.id,
            technicians: st.technicians.clone(),
            created_by: st.created_by.user,
        }
    }
}

/// A technician device's last sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSync {
    pub user: UserId,
    pub device: DeviceId,
    pub last_sync: Option<Millis>,
}

/// Orders: the change log devices read by cursor, the documents, the projection.
#[async_trait]
pub trait OrderStore: Send + Sync + Debug {
    /// Validates a device's batch and stores it whole, or nothing; acks after commit.
    /// Validates a device's batch and stores it whole, or refuses it whole. `now` is the
    /// server's clock at receipt (facts timed well after it are doubted, R-CLOCK).
    async fn submit(
        &self,
        who: Submitter,
        batch: Vec<OrderChanges>,
        now: Millis,
    ) -> Result<Vec<Hash>, SubmitError>;
    /// Runs one sync-core command on an order of `office` as the server's device.
    async fn command(
        &self,
        who: Author,
        office: OfficeId,
        order: OrderId,
        body: EventBody,
        now: Millis,
    ) -> Result<WorkOrderState>;
    async fn create(&self, who: Author, new: NewOrder, now: Millis) -> Result<WorkOrderState>;
    async fn order(&self, id: OrderId) -> Result<Option<WorkOrderState>>;
    /// The order's whole document.
    async fn document(&self, id: OrderId) -> Result<Option<Vec<u8>>>;
    async fn list_orders(&self, filter: OrderFilter) -> Result<(Vec<OrderRow>, u64)>;
    /// R-COLLECT: an office's orders waiting at `stage`, oldest first.
    async fn billing_queue(&self, office: OfficeId, stage: BillingStage)
    -> Result<Vec<BillingRow>>;
    /// What `device` must receive after `cursor`; `record_sync` notes the sync time. One
    /// page of it: documents and changes of about `page_bytes` at most (at least one
    /// document or change), `more` when the rest must be asked for from the new cursor.
    async fn catch_up_page(
        &self,
        device: DeviceCtx,
        cursor: Option<Cursor>,
        record_sync: bool,
        now: Millis,
        page_bytes: usize,
    ) -> Result<CatchUp>;
    /// The first page of a catch-up in pages of the protocol's size.
    async fn catch_up(
        &self,
        device: DeviceCtx,
        cursor: Option<Cursor>,
        record_sync: bool,
        now: Millis,
    ) -> Result<CatchUp> {
        self.catch_up_page(device, cursor, record_sync, now, CATCH_UP_PAGE_BYTES)
            .await
    }
    fn subscribe(&self) -> broadcast::Receiver<Committed>;
    /// The server's own device id (actor of changes made through the API).
    fn server_device(&self) -> DeviceId;
    async fn log_len(&self) -> Result<u64>;
    /// Whether the store can commit now (a write that changes nothing, committed).
    async fn ready(&self) -> Result<()>;
    /// The last storage failure (e.g. disk full), until a write succeeds again.
    fn storage_error(&self) -> Option<String>;
}

/// Offices, people and their devices.
#[async_trait]
pub trait DirectoryStore: Send + Sync + Debug {
    async fn upsert_office(&self, office: Office) -> Result<()>;
    async fn office(&self, id: OfficeId) -> Result<Option<Office>>;
    async fn offices(&self) -> Result<Vec<Office>>;
    async fn upsert_user(&self, person: Person) -> Result<()>;
    async fn user(&self, id: UserId) -> Result<Option<Person>>;
    async fn users(&self, office: OfficeId) -> Result<Vec<Person>>;
    /// Open orders per technician of an office (for dispatch suggestions).
    async fn technician_load(&self, office: OfficeId) -> Result<HashMap<UserId, u32>>;
    /// Binds a device to a user on first use; refuses a device bound to someone else.
    async fn register_device(&self, user: UserId, device: DeviceId) -> Result<()>;
    /// A web console session, by the SHA-256 (hex) of its secret.
    async fn insert_console_session(&self, session: ConsoleSession) -> Result<()>;
    async fn console_session(&self, hash: String) -> Result<Option<ConsoleSession>>;
    /// Signs a session out (at `at`); signing out twice, or an unknown one, is no error.
    async fn revoke_console_session(&self, hash: String, at: Millis) -> Result<()>;
    /// Devices of an office's people with their last sync time.
    async fn device_syncs(&self, office: OfficeId) -> Result<Vec<DeviceSync>>;
}

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

/// A change to a complaint, applied by the backend inside its transaction with the
/// office's calendar.
pub type ComplaintChange =
    Box<dyn FnOnce(&mut Complaint, &OfficeCalendar) -> std::result::Result<(), Refusal> + Send>;

/// Complaints (R-CPL-*): the lifecycle is sync-core's; this stores it atomically.
#[async_trait]
pub trait ComplaintStore: Send + Sync + Debug {
    /// Receives a complaint (sync-core's `receive_complaint`, repeats included) and
    /// stores it with the earlier complaint it changed, in one transaction.
    async fn create_complaint(
        &self,
        office: OfficeId,
        new: NewComplaint,
        received_at: Millis,
        by: UserId,
    ) -> Result<(Complaint, Option<Complaint>)>;
    async fn update_complaint(
        &self,
        office: OfficeId,
        id: String,
        change: ComplaintChange,
    ) -> Result<Complaint>;
    async fn complaint(&self, office: OfficeId, id: String) -> Result<Option<Complaint>>;
    async fn complaints(&self, office: OfficeId) -> Result<Vec<Complaint>>;
}

/// R-MONTH: closing a month files it; the filed record never changes.
#[async_trait]
pub trait MonthCloseStore: Send + Sync + Debug {
    /// Files a closed month; a month is closed once (`Conflict` after).
    async fn file_month(&self, office: OfficeId, filed: FiledMonth) -> Result<()>;
    async fn filed_month(&self, office: OfficeId, month: String) -> Result<Option<FiledMonth>>;
    /// The id of the latest spot-check sample drawn for a month, if any.
    async fn month_sample_id(&self, office: OfficeId, month: String) -> Result<Option<String>>;
}

/// The company's fee schedule (R-PAID, R-SERVICE-LIST): versions are published, never
/// changed.
#[async_trait]
pub trait FeeScheduleStore: Send + Sync + Debug {
    /// Publishes the next version (checked first: `FeeSchedule::check`).
    async fn publish_schedule(
        &self,
        effective_from: Millis,
        items: Vec<ScheduleItem>,
        by: UserId,
        now: Millis,
    ) -> Result<FeeSchedule>;
    /// A version, or (`None`) the one in force at `now`.
    async fn fee_schedule(&self, version: Option<u32>, now: Millis) -> Result<Option<FeeSchedule>>;
}

/// One of an office's registers for vehicles and supplies (S3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Register {
    /// Vehicles, designated shops and stations (`vehicles::register::Fleet`).
    Fleet,
    /// The supplies catalogue (`supplies::Catalogue`).
    Catalogue,
    /// R-CPL-CHANNEL: the complaint contacts the office publishes
    /// (`complaint::ComplaintContacts`).
    ComplaintContacts,
    /// R-CS-CONTACT: the channels the front door offers (`contact::ContactChannels`).
    ContactChannels,
    /// R-CPL-REPORT: what the office files with the regulator
    /// (`complaint::filing::ComplaintFiling`).
    ComplaintFiling,
    /// R-CS-QA: the QA scheme the inspector scores against (`qa::QaScheme`).
    QaScheme,
}

/// The office's registers, each one JSON document (checked and decoded by the service
/// that owns it; the store keeps the text).
#[async_trait]
pub trait RegisterStore: Send + Sync + Debug {
    /// The register as stored; `None` when the office never set it. An unknown office is
    /// `NotFound`.
    async fn register(&self, office: OfficeId, which: Register) -> Result<Option<String>>;
    /// Replaces the register (`data` is JSON).
    async fn set_register(&self, office: OfficeId, which: Register, data: String) -> Result<()>;
}

/// A case of one of the S3 kinds, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseEntry {
    pub id: OrderId,
    pub kind: Kind,
    pub office: OfficeId,
    pub vehicle: Option<String>,
    pub opened_by: UserId,
    /// The first fact's corrected time (UTC ms).
    pub opened_at: Millis,
    /// When the server last stored a change of it.
    pub updated_at: Millis,
}

/// Reading the cases of the S3 kinds (they are written through `OrderStore::submit`).
#[async_trait]
pub trait CaseStore: Send + Sync + Debug {
    /// An office's cases of `kinds`, newest first, one page; with `member`, only those
    /// the user is a member of.
    async fn cases(
        &self,
        office: OfficeId,
        kinds: Vec<Kind>,
        member: Option<UserId>,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<CaseEntry>>;
    /// A case, its members and its whole document.
    async fn case(&self, id: OrderId) -> Result<Option<(CaseEntry, Vec<UserId>, Vec<u8>)>>;
}

/// Everything the server stores, as one object.
pub trait Store:
    OrderStore
    + CaseStore
    + DirectoryStore
    + MonthStore
    + TaskStore
    + TrainingStore
    + CustomerStore
    + ContactStore
    + ImprovementStore
    + QaStore
    + ProgrammeStore
    + MonthCloseStore
    + ComplaintStore
    + OfficeStore
    + FeeScheduleStore
    + RegisterStore
{
}

impl<
    T: OrderStore
        + CaseStore
        + DirectoryStore
        + MonthStore
        + TaskStore
        + TrainingStore
        + CustomerStore
        + ContactStore
        + ImprovementStore
        + QaStore
        + ProgrammeStore
        + MonthCloseStore
        + ComplaintStore
        + OfficeStore
        + FeeScheduleStore
        + RegisterStore,
> Store for T
{
}

impl From<SubmitError> for (baoxiu_sync_core::protocol::ErrorCode, String, Vec<Hash>) {
    fn from(e: SubmitError) -> Self {
        match e {
            SubmitError::Refused { refusal, refused } => (refusal.code, refusal.message, refused),
            SubmitError::Unavailable(m) => (
                baoxiu_sync_core::protocol::ErrorCode::Unavailable,
                m,
                Vec::new(),
            ),
        }
    }
}
