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
mod month;
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
pub use month::{
    CallbackFilter, CountParams, FiledMonth, MonthCounts, MonthStore, RegisterLine, SampleRecord,
    TechnicianCounts, UncertainArrival,
};
pub use office::{CalendarChange, OfficeStore};
pub use programmes::ProgrammeStore;
pub use qa::QaStore;
pub use tasks::{TaskStore, TrainingStore};

use std::collections::HashMap;
use std::fmt::Debug;

use async_trait::async_trait;
use baoxiu_sync_core::calendar::OfficeCalendar;
use baoxiu_sync_core::complaint::{Complaint, NewComplaint, Refusal};
use baoxiu_sync_core::fee_schedule::{FeeSchedule, ScheduleItem};
use baoxiu_sync_core::kinds::Kind;
use baoxiu_sync_core::protocol::{CATCH_UP_PAGE_BYTES, Cursor, Document, Hash, OrderChanges};
use baoxiu_sync_core::validate::{Refusal as SyncRefusal, Submitter};
use baoxiu_sync_core::{
    Author, DeviceId, EventBody, Millis, NewOrder, Office, OfficeId, OrderId, Person, UserId,
    WorkOrderState,
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
