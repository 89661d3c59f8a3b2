//! The server's durable store, behind the [`ServerStore`] trait (SQLite now; PostgreSQL
//! can implement the same trait later).
//!
//! One writer thread owns the write connection and commits in groups: it takes every job
//! waiting in its queue, runs each inside its own savepoint (a refused job rolls back
//! alone), commits once — one fsync for many devices — and only then answers. So an ack
//! is never sent for a change that is not on disk. Readers use their own connections
//! (WAL lets them read while the writer writes).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

use baoxiu_sync_core::doc::{WorkOrderDoc, actor_for, decode_changes};
use baoxiu_sync_core::protocol::{Cursor, Document, ErrorCode, Hash, OrderChanges};
use baoxiu_sync_core::validate::{Refusal, Submitter, validate_order};
use baoxiu_sync_core::{
    Author, Change, ChangeHash, DeviceId, EventBody, Millis, NewOrder, Office, OfficeId, OrderId,
    Person, Role, UserId, WorkOrderState, create_order, execute, state,
};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use tokio::sync::{broadcast, oneshot};

use crate::complaints;
use crate::error::{Error, Result};
use crate::month;
use baoxiu_sync_core::calendar::CalendarKind;
use baoxiu_sync_core::complaint::{Complaint, NewComplaint};
use chrono::NaiveDate;

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 3;
/// Jobs waiting for the writer before new ones are refused as unavailable.
const QUEUE: usize = 8192;
/// Most jobs committed together.
const GROUP: usize = 512;
/// Write a fresh snapshot once an order has this many changes after its last one.
const COMPACT_AFTER: i64 = 64;

type Migration = fn(&Transaction<'_>) -> Result<()>;
const MIGRATIONS: &[Migration] = &[migrate_0_to_1, migrate_1_to_2, migrate_2_to_3];

fn migrate_0_to_1(tx: &Transaction<'_>) -> Result<()> {
    Ok(tx.execute_batch(
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
         CREATE TABLE offices (
             id TEXT PRIMARY KEY, name TEXT NOT NULL, time_zone TEXT NOT NULL,
             currency TEXT NOT NULL
         ) STRICT;
         CREATE TABLE users (
             id TEXT PRIMARY KEY, office TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL,
             specialties TEXT NOT NULL, zone TEXT, token_version INTEGER NOT NULL,
             active INTEGER NOT NULL
         ) STRICT;
         CREATE INDEX users_by_office ON users (office, role);
         CREATE TABLE devices (
             id TEXT PRIMARY KEY, user_id TEXT NOT NULL, deliveries INTEGER NOT NULL DEFAULT 0,
             last_sync INTEGER
         ) STRICT;
         -- The change log: every stored change, in the order it was stored. Devices keep a
         -- cursor into it. It also holds the bytes, so an order loads as its snapshot plus
         -- the log rows after it.
         CREATE TABLE log (
             seq INTEGER PRIMARY KEY AUTOINCREMENT,
             order_id TEXT NOT NULL,
             hash BLOB NOT NULL UNIQUE,
             actor BLOB NOT NULL,
             bytes BLOB NOT NULL
         ) STRICT;
         CREATE INDEX log_by_order ON log (order_id, seq);
         CREATE TABLE snapshots (
             order_id TEXT PRIMARY KEY, bytes BLOB NOT NULL, through_seq INTEGER NOT NULL
         ) STRICT;
         -- Projection, updated in the same transaction as the changes.
         CREATE TABLE orders (
             id TEXT PRIMARY KEY,
             office TEXT NOT NULL,
             status TEXT NOT NULL,
             customer_name TEXT NOT NULL,
             unit TEXT NOT NULL,
             phone TEXT NOT NULL,
             description TEXT NOT NULL,
             channel TEXT NOT NULL,
             created_by TEXT NOT NULL,
             logged_at INTEGER NOT NULL,
             received_at INTEGER,
             paid INTEGER,
             appointment INTEGER,
             arrived_at INTEGER,
             arrived_on_time INTEGER,
             completed_at INTEGER,
             materials INTEGER NOT NULL,
             labour INTEGER NOT NULL,
             total INTEGER NOT NULL,
             signature_valid INTEGER,
             receipt TEXT,
             collected INTEGER,
             anomalies INTEGER NOT NULL,
             updated_at INTEGER NOT NULL
         ) STRICT;
         CREATE INDEX orders_by_office ON orders (office, status, logged_at);
         CREATE TABLE order_technicians (
             order_id TEXT NOT NULL, user_id TEXT NOT NULL, PRIMARY KEY (order_id, user_id)
         ) STRICT;
         CREATE INDEX order_technicians_by_user ON order_technicians (user_id);
         -- Which orders a device was sent whole, at which delivery; confirmed when the
         -- device's cursor reaches that delivery.
         CREATE TABLE device_scope (
             device TEXT NOT NULL, order_id TEXT NOT NULL, delivered INTEGER NOT NULL,
             revoked INTEGER, PRIMARY KEY (device, order_id)
         ) STRICT;",
    )?)
}

/// Version 2: month-end figures (issue "Month end"). More projection columns, call-backs
/// and spot-check samples; the projection is rebuilt from the stored documents.
fn migrate_1_to_2(tx: &Transaction<'_>) -> Result<()> {
    tx.execute_batch(
        "ALTER TABLE orders ADD COLUMN technician TEXT;
         ALTER TABLE orders ADD COLUMN category TEXT;
         ALTER TABLE orders ADD COLUMN items TEXT NOT NULL DEFAULT '[]';
         ALTER TABLE orders ADD COLUMN arrival_certain INTEGER;
         ALTER TABLE orders ADD COLUMN handover_on_time INTEGER;
         ALTER TABLE orders ADD COLUMN customer_signed INTEGER NOT NULL DEFAULT 0;
         CREATE INDEX orders_by_completion ON orders (office, completed_at);
         CREATE INDEX orders_by_arrival ON orders (office, arrived_at);
         CREATE INDEX orders_by_unit ON orders (office, unit, category, logged_at);
         CREATE TABLE callbacks (
             id TEXT PRIMARY KEY,
             office TEXT NOT NULL,
             order_id TEXT NOT NULL,
             method TEXT NOT NULL,
             planned_at INTEGER NOT NULL,
             assignee TEXT,
             content TEXT NOT NULL,
             status TEXT NOT NULL,
             reached INTEGER,
             satisfaction INTEGER,
             repair_held TEXT,
             problems TEXT NOT NULL DEFAULT '',
             responsible TEXT,
             fallback_method TEXT,
             sample_id TEXT,
             recorded_by TEXT,
             recorded_at INTEGER,
             created_at INTEGER NOT NULL
         ) STRICT;
         CREATE INDEX callbacks_by_office ON callbacks (office, status, recorded_at);
         CREATE INDEX callbacks_by_order ON callbacks (order_id);
         CREATE TABLE samples (
             id TEXT PRIMARY KEY,
             office TEXT NOT NULL,
             month TEXT NOT NULL,
             seed INTEGER NOT NULL,
             percent INTEGER NOT NULL,
             min_per_technician INTEGER NOT NULL,
             orders TEXT NOT NULL,
             created_by TEXT NOT NULL,
             created_at INTEGER NOT NULL
         ) STRICT;",
    )?;
    let ids: Vec<String> = tx
        .prepare("SELECT id FROM orders")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in ids {
        if let Some(d) = load_doc(tx, id.parse()?, DeviceId::default())? {
            project(tx, &state(&d)?)?;
        }
    }
    Ok(())
}

/// Version 3: complaints (issue "Complaints"), with each office's working-day calendar.
fn migrate_2_to_3(tx: &Transaction<'_>) -> Result<()> {
    tx.execute_batch(
        "CREATE TABLE calendars (
             office TEXT PRIMARY KEY,
             kind TEXT NOT NULL,
             decision_days INTEGER NOT NULL
         ) STRICT;
         CREATE TABLE calendar_overrides (
             office TEXT NOT NULL,
             day TEXT NOT NULL,
             working INTEGER NOT NULL,
             note TEXT NOT NULL,
             PRIMARY KEY (office, day)
         ) STRICT;
         -- The complaint itself is sync-core's Complaint as JSON; the columns are for
         -- finding and listing.
         CREATE TABLE complaints (
             id TEXT PRIMARY KEY,
             office TEXT NOT NULL,
             received_day TEXT NOT NULL,
             status TEXT NOT NULL,
             complainant TEXT NOT NULL,
             unit TEXT NOT NULL,
             subject TEXT NOT NULL,
             order_id TEXT,
             data TEXT NOT NULL
         ) STRICT;
         CREATE INDEX complaints_by_office ON complaints (office, received_day);
         CREATE INDEX complaints_by_person ON complaints (office, complainant, unit);",
    )?;
    Ok(())
}

/// Filters for listing orders.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub office: OfficeId,
    pub status: Option<String>,
    pub technician: Option<UserId>,
    pub from: Option<Millis>,
    pub to: Option<Millis>,
    pub limit: u32,
    pub offset: u32,
}

/// A row of the order list.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
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
}

/// A batch refused whole, or the store failing.
#[derive(Debug, Clone)]
pub enum SubmitError {
    Refused {
        refusal: Refusal,
        refused: Vec<Hash>,
    },
    Unavailable(String),
}

/// Announced after every commit, so live sessions can push.
#[derive(Debug, Clone)]
pub struct Committed {
    pub seq: u64,
    pub orders: Vec<(OrderId, OfficeId)>,
}

/// The durable store as the rest of the server sees it.
pub trait ServerStore: Send + Sync + std::fmt::Debug + 'static {
    fn submit(
        &self,
        who: Submitter,
        batch: Vec<OrderChanges>,
    ) -> oneshot::Receiver<Result<Vec<Hash>, SubmitError>>;
    fn command(
        &self,
        who: Author,
        office: OfficeId,
        order: OrderId,
        body: EventBody,
    ) -> oneshot::Receiver<Result<WorkOrderState>>;
    fn create(&self, who: Author, new: NewOrder) -> oneshot::Receiver<Result<WorkOrderState>>;
    fn order(&self, id: OrderId) -> Result<Option<WorkOrderState>>;
    fn list_orders(&self, filter: &OrderFilter) -> Result<(Vec<OrderRow>, u64)>;
    fn catch_up(
        &self,
        device: &DeviceCtx,
        cursor: Option<Cursor>,
        record_sync: bool,
    ) -> Result<CatchUp>;
    /// The order's whole document.
    fn document(&self, id: OrderId) -> Result<Option<Vec<u8>>>;
    fn upsert_office(&self, office: Office) -> Result<()>;
    fn office(&self, id: OfficeId) -> Result<Option<Office>>;
    fn upsert_user(&self, person: Person) -> Result<()>;
    fn user(&self, id: UserId) -> Result<Option<Person>>;
    fn users(&self, office: OfficeId) -> Result<Vec<Person>>;
    /// Open orders per technician of an office (for dispatch suggestions).
    fn technician_load(&self, office: OfficeId) -> Result<HashMap<UserId, u32>>;
    /// Binds a device to a user on first use; refuses a device bound to someone else.
    fn register_device(&self, user: UserId, device: DeviceId) -> Result<()>;
    /// Devices of an office's technicians with their last sync time.
    fn device_syncs(&self, office: OfficeId) -> Result<Vec<(UserId, DeviceId, Option<Millis>)>>;
    fn subscribe(&self) -> broadcast::Receiver<Committed>;
    // ---- Month end ----
    fn month_stats(
        &self,
        office: OfficeId,
        month: &str,
        params: month::Params,
    ) -> Result<month::MonthStats>;
    /// Every office's month (the whole company).
    fn company_stats(&self, month: &str, params: month::Params) -> Result<Vec<month::MonthStats>>;
    fn register(&self, office: OfficeId, month: &str) -> Result<month::Register>;
    fn plan_callback(
        &self,
        office: OfficeId,
        order: OrderId,
        method: String,
        planned_at: i64,
        assignee: Option<UserId>,
        content: String,
    ) -> Result<month::Callback>;
    fn record_callback(
        &self,
        office: OfficeId,
        id: String,
        by: UserId,
        result: month::CallbackResult,
    ) -> Result<(month::Callback, Option<month::Callback>)>;
    fn callbacks(
        &self,
        office: OfficeId,
        status: Option<String>,
        order: Option<OrderId>,
        sample: Option<String>,
    ) -> Result<Vec<month::Callback>>;
    fn create_sample(
        &self,
        office: OfficeId,
        month: &str,
        params: month::SampleParams,
        by: UserId,
    ) -> Result<month::Sample>;
    fn sample(&self, office: OfficeId, id: &str) -> Result<Option<month::Sample>>;
    // ---- Complaints ----
    fn calendar(&self, office: OfficeId) -> Result<complaints::OfficeCalendar>;
    fn set_calendar(
        &self,
        office: OfficeId,
        kind: Option<CalendarKind>,
        decision_days: Option<u32>,
        overrides: Vec<(NaiveDate, Option<bool>, String)>,
    ) -> Result<complaints::OfficeCalendar>;
    fn create_complaint(
        &self,
        office: OfficeId,
        new: NewComplaint,
        received_at: i64,
        by: UserId,
    ) -> Result<(Complaint, Option<Complaint>)>;
    fn complaint(&self, office: OfficeId, id: &str) -> Result<Option<Complaint>>;
    fn update_complaint(
        &self,
        office: OfficeId,
        id: String,
        change: complaints::Change,
    ) -> Result<Complaint>;
    fn complaints(&self, office: OfficeId) -> Result<Vec<Complaint>>;
    /// The server's own device id (actor of changes made through the API).
    fn server_device(&self) -> DeviceId;
    fn log_len(&self) -> Result<u64>;
    /// The last storage failure (e.g. disk full), until a write succeeds again.
    fn storage_error(&self) -> Option<String>;
}

/// Work run inside the writer's transaction.
type ExecFn = Box<dyn FnOnce(&Connection) -> Result<()> + Send>;

enum Job {
    Submit {
        who: Submitter,
        batch: Vec<OrderChanges>,
        reply: oneshot::Sender<Result<Vec<Hash>, SubmitError>>,
    },
    Command {
        who: Author,
        office: OfficeId,
        order: OrderId,
        body: EventBody,
        reply: oneshot::Sender<Result<WorkOrderState>>,
    },
    Create {
        who: Author,
        new: NewOrder,
        reply: oneshot::Sender<Result<WorkOrderState>>,
    },
    Exec {
        work: ExecFn,
        reply: oneshot::Sender<Result<()>>,
    },
}

/// SQLite implementation.
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    jobs: SyncSender<Job>,
    readers: Mutex<Vec<Connection>>,
    committed: broadcast::Sender<Committed>,
    epoch: [u8; 16],
    server_device: DeviceId,
    /// The last storage failure (e.g. disk full), cleared by the next successful write.
    storage_error: Arc<Mutex<Option<String>>>,
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(()))?;
    conn.execute_batch(
        "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;",
    )
}

/// Opens a connection at `path` and brings its schema to `target`, one step per version.
pub fn open_at_version(path: &Path, target: i64) -> Result<Connection> {
    let mut conn = Connection::open(path)?;
    configure(&conn)?;
    loop {
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(Error::Internal(format!(
                "database schema {version} is newer than this build ({SCHEMA_VERSION})"
            )));
        }
        if version >= target {
            return Ok(conn);
        }
        let tx = conn.transaction()?;
        let step = MIGRATIONS
            .get(usize::try_from(version).unwrap_or(usize::MAX))
            .ok_or_else(|| Error::Internal(format!("no migration from {version}")))?;
        step(&tx)?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
}

fn setting(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
        r.get(0)
    })
    .optional()
}

impl SqliteStore {
    /// Opens (creating or migrating) the database at `path` and starts the writer.
    pub fn open(path: &Path) -> Result<Arc<Self>> {
        let conn = open_at_version(path, SCHEMA_VERSION)?;
        let epoch = match setting(&conn, "epoch")? {
            Some(e) => uuid::Uuid::parse_str(&e)
                .map_err(|e| Error::Internal(format!("epoch: {e}")))?
                .into_bytes(),
            None => {
                let e = uuid::Uuid::now_v7();
                conn.execute("INSERT INTO settings VALUES ('epoch', ?1)", [e.to_string()])?;
                e.into_bytes()
            }
        };
        let server_device: DeviceId = match setting(&conn, "server_device")? {
            Some(d) => d.parse()?,
            None => {
                let d = DeviceId::new();
                conn.execute(
                    "INSERT INTO settings VALUES ('server_device', ?1)",
                    [d.to_string()],
                )?;
                d
            }
        };
        let (jobs, rx) = sync_channel(QUEUE);
        let (committed, _) = broadcast::channel(1024);
        let storage_error = Arc::new(Mutex::new(None));
        let writer = Writer {
            conn,
            cache: HashMap::new(),
            committed: committed.clone(),
            server_device,
            storage_error: storage_error.clone(),
        };
        std::thread::Builder::new()
            .name("baoxiu-writer".into())
            .spawn(move || writer.run(rx))
            .map_err(|e| Error::Internal(format!("writer thread: {e}")))?;
        Ok(Arc::new(SqliteStore {
            path: path.to_owned(),
            jobs,
            readers: Mutex::new(Vec::new()),
            committed,
            epoch,
            server_device,
            storage_error,
        }))
    }

    /// Queues a job for the writer; false if the queue is full or the writer stopped.
    fn enqueue(&self, job: Job) -> bool {
        match self.jobs.try_send(job) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => false,
        }
    }

    /// Runs `f` with a pooled read connection.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = match self.readers.lock().map(|mut p| p.pop()) {
            Ok(Some(c)) => c,
            _ => {
                let c = Connection::open(&self.path)?;
                c.execute_batch("PRAGMA busy_timeout=10000;")?;
                c
            }
        };
        let out = f(&conn);
        if let Ok(mut p) = self.readers.lock()
            && p.len() < 16
        {
            p.push(conn);
        }
        out
    }

    /// Runs `work` in the writer's transaction and returns its value after the commit.
    pub fn exec_with<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (tx, rx) = std::sync::mpsc::channel();
        self.exec(move |c| {
            let v = work(c)?;
            let _ = tx.send(v);
            Ok(())
        })?;
        rx.recv()
            .map_err(|_| Error::Internal("the writer returned nothing".into()))
    }

    /// Limits the database's size in pages (for tests of a full disk; 0 = no limit).
    pub fn set_max_page_count(&self, pages: u64) -> Result<()> {
        let pages = if pages == 0 { 4_294_967_294 } else { pages };
        self.exec(move |c| {
            c.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
            Ok(())
        })
    }

    fn office_of(&self, office: OfficeId) -> Result<Office> {
        self.office(office)?
            .ok_or_else(|| Error::NotFound(format!("office {office}")))
    }

    /// Runs `work` in the writer's transaction (for small admin writes).
    pub fn exec(
        &self,
        work: impl FnOnce(&Connection) -> Result<()> + Send + 'static,
    ) -> Result<()> {
        let (reply, rx) = oneshot::channel();
        if !self.enqueue(Job::Exec {
            work: Box::new(work),
            reply,
        }) {
            return Err(Error::Unavailable("the store is busy".into()));
        }
        rx.blocking_recv()
            .map_err(|_| Error::Unavailable("the writer stopped".into()))?
    }

    fn cursor_check(conn: &Connection, seq: u64) -> Result<Option<[u8; 8]>> {
        if seq == 0 {
            return Ok(Some([0; 8]));
        }
        let hash: Option<Vec<u8>> = conn
            .query_row("SELECT hash FROM log WHERE seq = ?1", [seq as i64], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(hash.map(|h| {
            let mut c = [0u8; 8];
            c.copy_from_slice(&h[..8.min(h.len())]);
            c
        }))
    }
}

fn load_doc(conn: &Connection, order: OrderId, device: DeviceId) -> Result<Option<WorkOrderDoc>> {
    let id = order.to_string();
    let snap: Option<(Vec<u8>, i64)> = conn
        .query_row(
            "SELECT bytes, through_seq FROM snapshots WHERE order_id = ?1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (doc, through) = match snap {
        Some((bytes, through)) => (Some(WorkOrderDoc::load(&bytes, device)?), through),
        None => (None, 0),
    };
    let mut stmt =
        conn.prepare_cached("SELECT bytes FROM log WHERE order_id = ?1 AND seq > ?2 ORDER BY seq")?;
    let rows: Vec<Vec<u8>> = stmt
        .query_map(params![id, through], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if doc.is_none() {
        if rows.is_empty() {
            return Ok(None);
        }
        let d = WorkOrderDoc::from_encoded_changes(&rows, device)?;
        return Ok(Some(d));
    }
    let Some(mut doc) = doc else { return Ok(None) };
    doc.apply_encoded(&rows)?;
    if !doc.missing_deps().is_empty() {
        return Err(Error::Internal(format!("order {order} is missing changes")));
    }
    Ok(Some(doc))
}

struct Writer {
    conn: Connection,
    cache: HashMap<OrderId, WorkOrderDoc>,
    committed: broadcast::Sender<Committed>,
    server_device: DeviceId,
    storage_error: Arc<Mutex<Option<String>>>,
}

/// Documents changed by the jobs of one group, installed in the cache after commit.
type Staged = HashMap<OrderId, WorkOrderDoc>;

#[allow(clippy::large_enum_variant)] // short-lived, one per job
enum Reply {
    Submit(
        oneshot::Sender<Result<Vec<Hash>, SubmitError>>,
        Result<Vec<Hash>, SubmitError>,
    ),
    State(
        oneshot::Sender<Result<WorkOrderState>>,
        Result<WorkOrderState>,
    ),
    Unit(oneshot::Sender<Result<()>>, Result<()>),
}

impl Reply {
    /// The storage failure this job hit, if any (disk full, I/O error).
    fn storage_failure(&self) -> Option<String> {
        match self {
            Reply::Submit(_, Err(SubmitError::Unavailable(m))) => Some(m.clone()),
            Reply::State(_, Err(Error::Unavailable(m)))
            | Reply::Unit(_, Err(Error::Unavailable(m))) => Some(m.clone()),
            _ => None,
        }
    }

    fn ok(&self) -> bool {
        match self {
            Reply::Submit(_, r) => r.is_ok(),
            Reply::State(_, r) => r.is_ok(),
            Reply::Unit(_, r) => r.is_ok(),
        }
    }

    fn send(self, commit_error: Option<&str>) {
        let unavailable = |m: &str| Error::Unavailable(format!("not stored: {m}"));
        match self {
            Reply::Submit(tx, r) => {
                let r = match (commit_error, r) {
                    (Some(m), Ok(_)) => Err(SubmitError::Unavailable(m.to_owned())),
                    (_, r) => r,
                };
                let _ = tx.send(r);
            }
            Reply::State(tx, r) => {
                let _ = tx.send(match (commit_error, r) {
                    (Some(m), Ok(_)) => Err(unavailable(m)),
                    (_, r) => r,
                });
            }
            Reply::Unit(tx, r) => {
                let _ = tx.send(match (commit_error, r) {
                    (Some(m), Ok(_)) => Err(unavailable(m)),
                    (_, r) => r,
                });
            }
        }
    }
}

impl Writer {
    fn run(mut self, rx: Receiver<Job>) {
        while let Ok(first) = rx.recv() {
            let mut jobs = vec![first];
            while jobs.len() < GROUP {
                match rx.try_recv() {
                    Ok(j) => jobs.push(j),
                    Err(_) => break,
                }
            }
            self.group(jobs);
        }
    }

    /// One transaction, one fsync, for every job in the group.
    fn group(&mut self, jobs: Vec<Job>) {
        let mut staged: Staged = HashMap::new();
        let mut touched: Vec<(OrderId, OfficeId)> = Vec::new();
        let mut replies = Vec::with_capacity(jobs.len());
        let cache = &self.cache;
        let server_device = self.server_device;
        let mut tx = match self.conn.transaction() {
            Ok(tx) => tx,
            Err(e) => {
                let msg = e.to_string();
                for job in jobs {
                    fail(job, &msg);
                }
                return;
            }
        };
        for job in jobs {
            let mut mine: Staged = HashMap::new();
            let mut my_touched = Vec::new();
            let reply = match tx.savepoint() {
                Ok(mut sp) => {
                    // A panic on hostile input (e.g. inside Automerge) fails this job only:
                    // its savepoint rolls back, its caller's reply channel closes (answered
                    // as unavailable), and the writer goes on with the others.
                    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        run_job(
                            job,
                            &mut sp,
                            cache,
                            &staged,
                            &mut mine,
                            &mut my_touched,
                            server_device,
                        )
                    }));
                    let reply = match run {
                        Ok(r) => r,
                        Err(_) => {
                            tracing::error!("a write job panicked; it was rolled back");
                            mine.clear();
                            my_touched.clear();
                            Reply::Unit(
                                oneshot::channel().0,
                                Err(Error::Internal("job panicked".into())),
                            )
                        }
                    };
                    let kept = reply.ok() && sp.commit().is_ok();
                    if kept {
                        staged.extend(mine);
                        touched.extend(my_touched);
                    }
                    reply
                }
                Err(e) => {
                    let msg = e.to_string();
                    replies.push(Reply::Unit(
                        oneshot::channel().0,
                        Err(Error::Unavailable(msg)),
                    ));
                    continue;
                }
            };
            replies.push(reply);
        }
        let seq: Option<i64> = tx
            .query_row("SELECT max(seq) FROM log", [], |r| r.get(0))
            .ok()
            .flatten();
        let storage_failure = replies.iter().find_map(Reply::storage_failure);
        match tx.commit() {
            Ok(()) => {
                if let Ok(mut e) = self.storage_error.lock() {
                    // A group that wrote and hit no storage failure shows storage is fine.
                    if storage_failure.is_some() || !touched.is_empty() {
                        *e = storage_failure;
                    }
                }
                self.cache.extend(staged);
                if self.cache.len() > 20_000 {
                    self.cache.clear();
                }
                for r in replies {
                    r.send(None);
                }
                if !touched.is_empty() {
                    let _ = self.committed.send(Committed {
                        seq: seq.unwrap_or(0) as u64,
                        orders: touched,
                    });
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "group commit failed; nothing acknowledged");
                let msg = e.to_string();
                if let Ok(mut s) = self.storage_error.lock() {
                    *s = Some(msg.clone());
                }
                for r in replies {
                    r.send(Some(&msg));
                }
            }
        }
    }
}

fn fail(job: Job, msg: &str) {
    let e = || Error::Unavailable(msg.to_owned());
    match job {
        Job::Submit { reply, .. } => {
            let _ = reply.send(Err(SubmitError::Unavailable(msg.to_owned())));
        }
        Job::Command { reply, .. } | Job::Create { reply, .. } => {
            let _ = reply.send(Err(e()));
        }
        Job::Exec { reply, .. } => {
            let _ = reply.send(Err(e()));
        }
    }
}

fn current(
    tx: &Connection,
    order: OrderId,
    cache: &HashMap<OrderId, WorkOrderDoc>,
    staged: &Staged,
    mine: &Staged,
    device: DeviceId,
) -> Result<Option<WorkOrderDoc>> {
    if let Some(d) = mine
        .get(&order)
        .or_else(|| staged.get(&order))
        .or_else(|| cache.get(&order))
    {
        // Whatever copy this is (a device's validated one included), the server writes
        // as itself.
        let mut d = d.clone();
        d.set_device(device);
        return Ok(Some(d));
    }
    load_doc(tx, order, device)
}

#[allow(clippy::too_many_arguments)]
fn run_job(
    job: Job,
    tx: &mut rusqlite::Savepoint<'_>,
    cache: &HashMap<OrderId, WorkOrderDoc>,
    staged: &Staged,
    mine: &mut Staged,
    touched: &mut Vec<(OrderId, OfficeId)>,
    server_device: DeviceId,
) -> Reply {
    match job {
        Job::Submit { who, batch, reply } => {
            let r = submit(
                &*tx,
                &who,
                batch,
                cache,
                staged,
                mine,
                touched,
                server_device,
            );
            Reply::Submit(reply, r)
        }
        Job::Command {
            who,
            office,
            order,
            body,
            reply,
        } => {
            let r = (|| {
                let mut doc = current(tx, order, cache, staged, mine, server_device)?
                    .ok_or_else(|| Error::NotFound(format!("work order {order}")))?;
                if state(&doc)?.office.id != office {
                    return Err(Error::NotFound(format!("work order {order}")));
                }
                let ctx = baoxiu_sync_core::Context {
                    author: who,
                    now: chrono::Utc::now().timestamp_millis(),
                    offset: Some(0),
                };
                let (_, hash, st) = execute(&mut doc, &ctx, body)?;
                let change = doc
                    .change_by_hash(&hash)
                    .ok_or_else(|| Error::Internal("own change missing".into()))?;
                store_changes(tx, order, &doc, &st, std::slice::from_ref(&change))?;
                touched.push((order, st.office.id));
                mine.insert(order, doc);
                Ok(st)
            })();
            Reply::State(reply, r)
        }
        Job::Create { who, new, reply } => {
            let r = (|| {
                let ctx = baoxiu_sync_core::Context {
                    author: who,
                    now: chrono::Utc::now().timestamp_millis(),
                    offset: Some(0),
                };
                let (doc, _) = create_order(&ctx, new)?;
                let st = state(&doc)?;
                let changes = doc.all_changes();
                store_changes(tx, st.order, &doc, &st, &changes)?;
                touched.push((st.order, st.office.id));
                mine.insert(st.order, doc);
                Ok(st)
            })();
            Reply::State(reply, r)
        }
        Job::Exec { work, reply } => Reply::Unit(reply, work(&*tx)),
    }
}

#[allow(clippy::too_many_arguments)]
fn submit(
    tx: &Connection,
    who: &Submitter,
    batch: Vec<OrderChanges>,
    cache: &HashMap<OrderId, WorkOrderDoc>,
    staged: &Staged,
    mine: &mut Staged,
    touched: &mut Vec<(OrderId, OfficeId)>,
    server_device: DeviceId,
) -> Result<Vec<Hash>, SubmitError> {
    let all_hashes: Vec<Hash> = batch
        .iter()
        .flat_map(|oc| decode_changes(&oc.changes).unwrap_or_default())
        .map(|c| c.hash().0)
        .collect();
    let refused = |refusal: Refusal| SubmitError::Refused {
        refusal,
        refused: all_hashes.clone(),
    };
    let unavailable = |e: Error| SubmitError::Unavailable(e.to_string());
    // Validate everything first; store only if the whole batch passes.
    let mut validated = Vec::new();
    let mut acked = Vec::new();
    let created_in_batch: HashSet<OrderId> = HashSet::new();
    for oc in &batch {
        let existing =
            current(tx, oc.order, cache, staged, mine, server_device).map_err(unavailable)?;
        let may_follow_up = |found_on: OrderId| -> bool {
            if created_in_batch.contains(&found_on) {
                return true;
            }
            match current(tx, found_on, cache, staged, mine, server_device) {
                Ok(Some(d)) => state(&d).is_ok_and(|s| {
                    s.office.id == who.office
                        && baoxiu_sync_core::validate::technician_may_write(
                            &who.author.user,
                            &d,
                            &s,
                        )
                }),
                _ => false,
            }
        };
        let v = validate_order(
            existing.as_ref(),
            oc.order,
            who,
            &oc.changes,
            &may_follow_up,
        )
        .map_err(refused)?;
        acked.extend(v.duplicates.iter().map(|h| h.0));
        mine.insert(oc.order, v.doc.clone());
        validated.push(v);
    }
    for v in &validated {
        if v.new_changes.is_empty() {
            continue;
        }
        store_changes(tx, v.order, &v.doc, &v.state, &v.new_changes).map_err(unavailable)?;
        if v.created {
            // The device holds the order it created: it is in its scope from now on.
            tx.execute(
                "INSERT OR IGNORE INTO device_scope (device, order_id, delivered) VALUES (?1, ?2, 0)",
                params![who.author.device.to_string(), v.order.to_string()],
            )
            .map_err(|e| unavailable(e.into()))?;
        }
        touched.push((v.order, v.state.office.id));
        acked.extend(v.new_changes.iter().map(|c| c.hash().0));
    }
    Ok(acked)
}

/// Appends changes to the log and updates the projection, in the caller's transaction.
fn store_changes(
    tx: &Connection,
    order: OrderId,
    doc: &WorkOrderDoc,
    st: &WorkOrderState,
    changes: &[Change],
) -> Result<()> {
    let id = order.to_string();
    {
        let mut ins = tx.prepare_cached(
            "INSERT OR IGNORE INTO log (order_id, hash, actor, bytes) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for c in changes {
            ins.execute(params![
                id,
                c.hash().0.as_slice(),
                c.actor_id().to_bytes(),
                c.raw_bytes()
            ])?;
        }
    }
    project(tx, st)?;
    let (through, since): (i64, i64) = tx.query_row(
        "SELECT coalesce((SELECT through_seq FROM snapshots WHERE order_id = ?1), 0),
                (SELECT count(*) FROM log WHERE order_id = ?1
                   AND seq > coalesce((SELECT through_seq FROM snapshots WHERE order_id = ?1), 0))",
        [&id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if since >= COMPACT_AFTER {
        let max: i64 =
            tx.query_row("SELECT max(seq) FROM log WHERE order_id = ?1", [&id], |r| {
                r.get(0)
            })?;
        let _ = through;
        tx.execute(
            "INSERT INTO snapshots (order_id, bytes, through_seq) VALUES (?1, ?2, ?3)
             ON CONFLICT (order_id) DO UPDATE SET bytes = excluded.bytes,
                 through_seq = excluded.through_seq",
            params![id, doc.save(), max],
        )?;
    }
    Ok(())
}

fn project(tx: &Connection, s: &WorkOrderState) -> Result<()> {
    let id = s.order.to_string();
    let updated = s.timeline.iter().map(|t| t.at).max().unwrap_or(s.logged_at);
    tx.execute(
        "INSERT INTO orders (id, office, status, customer_name, unit, phone, description, channel,
             created_by, logged_at, received_at, paid, appointment, arrived_at, arrived_on_time,
             completed_at, materials, labour, total, signature_valid, receipt, collected,
             anomalies, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, ?21, ?22, ?23, ?24)
         ON CONFLICT (id) DO UPDATE SET
             status = excluded.status, customer_name = excluded.customer_name,
             unit = excluded.unit, phone = excluded.phone, description = excluded.description,
             received_at = excluded.received_at, paid = excluded.paid,
             appointment = excluded.appointment, arrived_at = excluded.arrived_at,
             arrived_on_time = excluded.arrived_on_time, completed_at = excluded.completed_at,
             materials = excluded.materials, labour = excluded.labour, total = excluded.total,
             signature_valid = excluded.signature_valid, receipt = excluded.receipt,
             collected = excluded.collected, anomalies = excluded.anomalies,
             updated_at = excluded.updated_at",
        params![
            id,
            s.office.id.to_string(),
            s.status.as_str(),
            s.customer.name,
            s.customer.unit,
            s.customer.phone,
            s.description,
            serde_json::to_value(s.channel)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned)),
            s.created_by.user.to_string(),
            s.logged_at,
            s.received_at.as_ref().map(|x| x.at),
            s.paid,
            s.appointment.as_ref().map(|a| a.at),
            s.arrival.as_ref().map(|a| a.at),
            s.arrived_on_time,
            s.completion.as_ref().map(|c| c.stamp.at),
            s.fees.materials.0,
            s.fees.labour.0,
            s.fees.total.0,
            s.customer_signature.as_ref().map(|c| c.valid),
            s.receipt.as_ref().map(|r| r.number.clone()),
            s.collection.as_ref().map(|c| c.amount.0),
            s.anomalies.len() as i64,
            updated,
        ],
    )?;
    // Month-end columns (schema 2).
    tx.execute(
        "UPDATE orders SET technician = ?2, category = ?3, items = ?4, arrival_certain = ?5,
             handover_on_time = ?6, customer_signed = ?7
         WHERE id = ?1",
        params![
            id,
            s.technicians.first().map(|t| t.to_string()),
            baoxiu_sync_core::category_of(&s.description),
            serde_json::to_string(&s.fees.items).unwrap_or_else(|_| "[]".into()),
            s.arrival.as_ref().map(|a| a.time_certain),
            s.handover_on_time,
            s.customer_signature.is_some(),
        ],
    )?;
    tx.execute("DELETE FROM order_technicians WHERE order_id = ?1", [&id])?;
    for t in &s.technicians {
        tx.execute(
            "INSERT OR IGNORE INTO order_technicians (order_id, user_id) VALUES (?1, ?2)",
            params![id, t.to_string()],
        )?;
    }
    Ok(())
}

/// A `users` row: id, office, name, role, specialties, zone, token version, active.
type PersonRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    bool,
);

fn person_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PersonRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

fn to_person(
    (id, office, name, role, specialties, zone, ver, active): PersonRow,
) -> Result<Person> {
    Ok(Person {
        id: id.parse()?,
        office: office.parse()?,
        name,
        role: role.parse()?,
        specialties: serde_json::from_str(&specialties).unwrap_or_default(),
        zone,
        token_version: u32::try_from(ver).unwrap_or(u32::MAX),
        active,
    })
}

fn ids(conn: &Connection, sql: &str, args: &[&dyn rusqlite::ToSql]) -> Result<HashSet<OrderId>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows: Vec<String> = stmt
        .query_map(args, |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    rows.iter()
        .map(|s| s.parse().map_err(Error::from))
        .collect()
}

impl ServerStore for SqliteStore {
    fn submit(
        &self,
        who: Submitter,
        batch: Vec<OrderChanges>,
    ) -> oneshot::Receiver<Result<Vec<Hash>, SubmitError>> {
        let (reply, rx) = oneshot::channel();
        if !self.enqueue(Job::Submit { who, batch, reply }) {
            let (tx2, rx2) = oneshot::channel();
            let _ = tx2.send(Err(SubmitError::Unavailable(
                "the store is overloaded".into(),
            )));
            return rx2;
        }
        rx
    }

    fn command(
        &self,
        who: Author,
        office: OfficeId,
        order: OrderId,
        body: EventBody,
    ) -> oneshot::Receiver<Result<WorkOrderState>> {
        let (reply, rx) = oneshot::channel();
        if !self.enqueue(Job::Command {
            who,
            office,
            order,
            body,
            reply,
        }) {
            let (tx2, rx2) = oneshot::channel();
            let _ = tx2.send(Err(Error::Unavailable("the store is overloaded".into())));
            return rx2;
        }
        rx
    }

    fn create(&self, who: Author, new: NewOrder) -> oneshot::Receiver<Result<WorkOrderState>> {
        let (reply, rx) = oneshot::channel();
        if !self.enqueue(Job::Create { who, new, reply }) {
            let (tx2, rx2) = oneshot::channel();
            let _ = tx2.send(Err(Error::Unavailable("the store is overloaded".into())));
            return rx2;
        }
        rx
    }

    fn order(&self, id: OrderId) -> Result<Option<WorkOrderState>> {
        self.read(|c| match load_doc(c, id, self.server_device)? {
            Some(d) => Ok(Some(state(&d)?)),
            None => Ok(None),
        })
    }

    fn list_orders(&self, f: &OrderFilter) -> Result<(Vec<OrderRow>, u64)> {
        self.read(|c| {
            let mut sql = String::from(" FROM orders o WHERE o.office = ?1");
            let mut args: Vec<Box<dyn rusqlite::ToSql>> = vec![Box::new(f.office.to_string())];
            if let Some(s) = &f.status {
                args.push(Box::new(s.clone()));
                sql.push_str(&format!(" AND o.status = ?{}", args.len()));
            }
            if let Some(t) = &f.technician {
                args.push(Box::new(t.to_string()));
                sql.push_str(&format!(
                    " AND EXISTS (SELECT 1 FROM order_technicians t WHERE t.order_id = o.id AND t.user_id = ?{})",
                    args.len()
                ));
            }
            if let Some(from) = f.from {
                args.push(Box::new(from));
                sql.push_str(&format!(" AND o.logged_at >= ?{}", args.len()));
            }
            if let Some(to) = f.to {
                args.push(Box::new(to));
                sql.push_str(&format!(" AND o.logged_at < ?{}", args.len()));
            }
            let params: Vec<&dyn rusqlite::ToSql> = args.iter().map(|b| b.as_ref()).collect();
            let total: i64 = c.query_row(&format!("SELECT count(*){sql}"), params.as_slice(), |r| r.get(0))?;
            let q = format!(
                "SELECT o.id, o.status, o.customer_name, o.unit, o.description, o.channel, o.logged_at,
                        o.appointment, o.arrived_at, o.arrived_on_time, o.total, o.anomalies, o.updated_at,
                        (SELECT group_concat(user_id) FROM order_technicians t WHERE t.order_id = o.id)
                 {sql} ORDER BY o.logged_at DESC, o.id LIMIT {} OFFSET {}",
                f.limit, f.offset
            );
            let mut stmt = c.prepare(&q)?;
            let rows = stmt.query_map(params.as_slice(), |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    OrderRow {
                        id: OrderId::default(),
                        status: r.get(1)?,
                        customer_name: r.get(2)?,
                        unit: r.get(3)?,
                        description: r.get(4)?,
                        channel: r.get(5)?,
                        logged_at: r.get(6)?,
                        appointment: r.get(7)?,
                        arrived_at: r.get(8)?,
                        arrived_on_time: r.get(9)?,
                        technicians: Vec::new(),
                        total: r.get(10)?,
                        anomalies: r.get(11)?,
                        updated_at: r.get(12)?,
                    },
                    r.get::<_, Option<String>>(13)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, mut row, techs) = row?;
                row.id = id.parse()?;
                row.technicians = techs
                    .unwrap_or_default()
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .filter_map(|s| s.parse().ok())
                    .collect();
                out.push(row);
            }
            Ok((out, u64::try_from(total).unwrap_or(0)))
        })
    }

    fn catch_up(
        &self,
        dev: &DeviceCtx,
        cursor: Option<Cursor>,
        record_sync: bool,
    ) -> Result<CatchUp> {
        let who = &dev.submitter;
        let device = dev.device().to_string();
        let actor = actor_for(dev.device()).to_bytes().to_vec();
        let (mut up, deliver, revoke, confirm_upto) = self.read(|c| {
            c.execute_batch("BEGIN")?;
            let r = (|| {
                let max_seq: i64 = c.query_row("SELECT coalesce(max(seq), 0) FROM log", [], |r| r.get(0))?;
                let max_seq = max_seq as u64;
                let deliveries: i64 = c
                    .query_row("SELECT deliveries FROM devices WHERE id = ?1", [&device], |r| r.get(0))
                    .optional()?
                    .unwrap_or(0);
                let deliveries = deliveries as u64;
                let valid = cursor.and_then(|cur| {
                    let ok = cur.epoch == self.epoch
                        && cur.seq <= max_seq
                        && cur.delivery <= deliveries
                        && Self::cursor_check(c, cur.seq).ok().flatten() == Some(cur.check);
                    ok.then_some(cur)
                });
                let scope = match who.author.role {
                    Role::Technician => ids(
                        c,
                        "SELECT order_id FROM order_technicians WHERE user_id = ?1
                         UNION SELECT id FROM orders WHERE created_by = ?1 AND office = ?2",
                        &[&who.author.user.to_string(), &who.office.to_string()],
                    )?,
                    _ => ids(c, "SELECT id FROM orders WHERE office = ?1", &[&who.office.to_string()])?,
                };
                let mut up = CatchUp::default();
                let (known, pending_revoke): (HashSet<OrderId>, HashSet<OrderId>) = match valid {
                    Some(cur) => (
                        ids(
                            c,
                            "SELECT order_id FROM device_scope WHERE device = ?1 AND delivered <= ?2 AND revoked IS NULL",
                            &[&device, &(cur.delivery as i64)],
                        )?,
                        ids(
                            c,
                            "SELECT order_id FROM device_scope WHERE device = ?1 AND revoked IS NOT NULL AND revoked > ?2",
                            &[&device, &(cur.delivery as i64)],
                        )?,
                    ),
                    None => {
                        up.repair = true;
                        (HashSet::new(), HashSet::new())
                    }
                };
                let mut deliver: Vec<OrderId> = if up.repair {
                    scope.iter().copied().collect()
                } else {
                    scope.difference(&known).copied().collect()
                };
                deliver.sort();
                let mut revoke: Vec<OrderId> = known.difference(&scope).copied().chain(pending_revoke).collect();
                revoke.sort();
                for o in &deliver {
                    if let Some(d) = load_doc(c, *o, self.server_device)? {
                        up.documents.push(Document { order: *o, bytes: d.save() });
                    }
                }
                if let Some(cur) = valid {
                    let mut stmt = c.prepare_cached(
                        "SELECT order_id, bytes FROM log WHERE seq > ?1 AND actor != ?2 ORDER BY seq",
                    )?;
                    let rows = stmt.query_map(params![cur.seq as i64, actor], |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
                    })?;
                    let mut by_order: Vec<OrderChanges> = Vec::new();
                    let mut index: HashMap<OrderId, usize> = HashMap::new();
                    for row in rows {
                        let (o, bytes) = row?;
                        let o: OrderId = o.parse()?;
                        if !known.contains(&o) || !scope.contains(&o) {
                            continue;
                        }
                        let i = *index.entry(o).or_insert_with(|| {
                            by_order.push(OrderChanges { order: o, changes: Vec::new() });
                            by_order.len() - 1
                        });
                        by_order[i].changes.push(bytes);
                    }
                    up.changes = by_order;
                }
                up.revoked = revoke.clone();
                let next_delivery = if deliver.is_empty() && revoke.is_empty() { deliveries } else { deliveries + 1 };
                up.cursor = Some(Cursor {
                    epoch: self.epoch,
                    seq: max_seq,
                    check: Self::cursor_check(c, max_seq)?.unwrap_or([0; 8]),
                    delivery: next_delivery,
                });
                Ok((up, deliver, revoke, valid.map(|v| v.delivery)))
            })();
            let _ = c.execute_batch("COMMIT");
            r
        })?;
        // Record what was sent (and confirmed), so the next catch-up knows.
        let delivery = up.cursor.map(|c| c.delivery).unwrap_or(0);
        let repair = up.repair;
        let user = who.author.user.to_string();
        let device2 = device.clone();
        let now = chrono::Utc::now().timestamp_millis();
        if !record_sync && !repair && deliver.is_empty() && revoke.is_empty() {
            up.changes.retain(|c| !c.changes.is_empty());
            return Ok(up);
        }
        self.exec(move |tx| {
            tx.execute(
                "INSERT INTO devices (id, user_id, deliveries, last_sync) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET deliveries = max(deliveries, excluded.deliveries),
                     last_sync = excluded.last_sync",
                params![device2, user, delivery as i64, now],
            )?;
            if repair {
                tx.execute("DELETE FROM device_scope WHERE device = ?1", [&device2])?;
            }
            if let Some(upto) = confirm_upto {
                tx.execute(
                    "DELETE FROM device_scope WHERE device = ?1 AND revoked IS NOT NULL AND revoked <= ?2",
                    params![device2, upto as i64],
                )?;
            }
            for o in &deliver {
                tx.execute(
                    "INSERT INTO device_scope (device, order_id, delivered) VALUES (?1, ?2, ?3)
                     ON CONFLICT (device, order_id) DO UPDATE SET delivered = excluded.delivered, revoked = NULL",
                    params![device2, o.to_string(), delivery as i64],
                )?;
            }
            for o in &revoke {
                tx.execute(
                    "UPDATE device_scope SET revoked = ?3 WHERE device = ?1 AND order_id = ?2",
                    params![device2, o.to_string(), delivery as i64],
                )?;
            }
            Ok(())
        })?;
        up.changes.retain(|c| !c.changes.is_empty());
        Ok(up)
    }

    fn document(&self, id: OrderId) -> Result<Option<Vec<u8>>> {
        self.read(|c| Ok(load_doc(c, id, self.server_device)?.map(|d| d.save())))
    }

    fn upsert_office(&self, office: Office) -> Result<()> {
        self.exec(move |tx| {
            tx.execute(
                "INSERT INTO offices (id, name, time_zone, currency) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name,
                     time_zone = excluded.time_zone, currency = excluded.currency",
                params![
                    office.id.to_string(),
                    office.name,
                    office.time_zone,
                    office.currency
                ],
            )?;
            Ok(())
        })
    }

    fn office(&self, id: OfficeId) -> Result<Option<Office>> {
        self.read(|c| {
            let row: Option<(String, String, String)> = c
                .query_row(
                    "SELECT name, time_zone, currency FROM offices WHERE id = ?1",
                    [id.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            Ok(row.map(|(name, time_zone, currency)| Office {
                id,
                name,
                time_zone,
                currency,
            }))
        })
    }

    fn upsert_user(&self, p: Person) -> Result<()> {
        self.exec(move |tx| {
            tx.execute(
                "INSERT INTO users (id, office, name, role, specialties, zone, token_version, active)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (id) DO UPDATE SET office = excluded.office, name = excluded.name,
                     role = excluded.role, specialties = excluded.specialties, zone = excluded.zone,
                     token_version = excluded.token_version, active = excluded.active",
                params![
                    p.id.to_string(),
                    p.office.to_string(),
                    p.name,
                    p.role.as_str(),
                    serde_json::to_string(&p.specialties).unwrap_or_else(|_| "[]".into()),
                    p.zone,
                    i64::from(p.token_version),
                    p.active,
                ],
            )?;
            Ok(())
        })
    }

    fn user(&self, id: UserId) -> Result<Option<Person>> {
        self.read(|c| {
            let row = c
                .query_row(
                    "SELECT id, office, name, role, specialties, zone, token_version, active
                     FROM users WHERE id = ?1",
                    [id.to_string()],
                    person_from_row,
                )
                .optional()?;
            row.map(to_person).transpose()
        })
    }

    fn users(&self, office: OfficeId) -> Result<Vec<Person>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, office, name, role, specialties, zone, token_version, active
                 FROM users WHERE office = ?1 ORDER BY role, name",
            )?;
            let rows = stmt
                .query_map([office.to_string()], person_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter().map(to_person).collect()
        })
    }

    fn technician_load(&self, office: OfficeId) -> Result<HashMap<UserId, u32>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT t.user_id, count(*) FROM order_technicians t JOIN orders o ON o.id = t.order_id
                 WHERE o.office = ?1 AND o.status IN ('assigned','scheduled','on_site','in_progress')
                 GROUP BY t.user_id",
            )?;
            let rows = stmt
                .query_map([office.to_string()], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(u, n)| Ok((u.parse()?, u32::try_from(n).unwrap_or(u32::MAX))))
                .collect()
        })
    }

    fn register_device(&self, user: UserId, device: DeviceId) -> Result<()> {
        let bound: Option<String> = self.read(|c| {
            Ok(c.query_row(
                "SELECT user_id FROM devices WHERE id = ?1",
                [device.to_string()],
                |r| r.get(0),
            )
            .optional()?)
        })?;
        match bound {
            Some(u) if u == user.to_string() => Ok(()),
            Some(_) => Err(Error::Forbidden(
                "this device is registered to another user".into(),
            )),
            None => self.exec(move |tx| {
                let n = tx.execute(
                    "INSERT OR IGNORE INTO devices (id, user_id) VALUES (?1, ?2)",
                    params![device.to_string(), user.to_string()],
                )?;
                if n == 0 {
                    let owner: String = tx.query_row(
                        "SELECT user_id FROM devices WHERE id = ?1",
                        [device.to_string()],
                        |r| r.get(0),
                    )?;
                    if owner != user.to_string() {
                        return Err(Error::Forbidden(
                            "this device is registered to another user".into(),
                        ));
                    }
                }
                Ok(())
            }),
        }
    }

    fn device_syncs(&self, office: OfficeId) -> Result<Vec<(UserId, DeviceId, Option<Millis>)>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT d.user_id, d.id, d.last_sync FROM devices d JOIN users u ON u.id = d.user_id
                 WHERE u.office = ?1 ORDER BY d.user_id",
            )?;
            let rows = stmt
                .query_map([office.to_string()], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<i64>>(2)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(u, d, t)| Ok((u.parse()?, d.parse()?, t)))
                .collect()
        })
    }

    fn subscribe(&self) -> broadcast::Receiver<Committed> {
        self.committed.subscribe()
    }

    fn month_stats(
        &self,
        office: OfficeId,
        m: &str,
        p: month::Params,
    ) -> Result<month::MonthStats> {
        let o = self.office_of(office)?;
        let range = month::Month::parse(m, &o.time_zone)?;
        self.read(|c| month::office_stats(c, office, &o.time_zone, range, p))
    }

    fn company_stats(&self, m: &str, p: month::Params) -> Result<Vec<month::MonthStats>> {
        self.read(|c| {
            let offices: Vec<(String, String)> = c
                .prepare_cached("SELECT id, time_zone FROM offices ORDER BY id")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            c.execute_batch("BEGIN")?;
            let out = offices
                .into_iter()
                .map(|(id, tz)| {
                    let range = month::Month::parse(m, &tz)?;
                    month::office_stats(c, id.parse()?, &tz, range, p)
                })
                .collect::<Result<Vec<_>>>();
            let _ = c.execute_batch("COMMIT");
            out
        })
    }

    fn register(&self, office: OfficeId, m: &str) -> Result<month::Register> {
        let o = self.office_of(office)?;
        let range = month::Month::parse(m, &o.time_zone)?;
        self.read(|c| month::register(c, office, &o.currency, range))
    }

    fn plan_callback(
        &self,
        office: OfficeId,
        order: OrderId,
        method: String,
        planned_at: i64,
        assignee: Option<UserId>,
        content: String,
    ) -> Result<month::Callback> {
        month::check_method(&method)?;
        self.exec_with(move |c| {
            let n = month::NewCallback {
                order,
                method: &method,
                planned_at,
                assignee,
                content: &content,
                sample: None,
            };
            month::plan_callback(c, office, n)
        })
    }

    fn record_callback(
        &self,
        office: OfficeId,
        id: String,
        by: UserId,
        result: month::CallbackResult,
    ) -> Result<(month::Callback, Option<month::Callback>)> {
        let now = chrono::Utc::now().timestamp_millis();
        self.exec_with(move |c| month::record_callback(c, office, &id, by, now, &result))
    }

    fn callbacks(
        &self,
        office: OfficeId,
        status: Option<String>,
        order: Option<OrderId>,
        sample: Option<String>,
    ) -> Result<Vec<month::Callback>> {
        self.read(|c| month::list_callbacks(c, office, status.as_deref(), order, sample.as_deref()))
    }

    fn create_sample(
        &self,
        office: OfficeId,
        m: &str,
        p: month::SampleParams,
        by: UserId,
    ) -> Result<month::Sample> {
        let o = self.office_of(office)?;
        let range = month::Month::parse(m, &o.time_zone)?;
        let now = chrono::Utc::now().timestamp_millis();
        self.exec_with(move |c| month::create_sample(c, office, range, &p, by, now))
    }

    fn calendar(&self, office: OfficeId) -> Result<complaints::OfficeCalendar> {
        let o = self.office_of(office)?;
        self.read(|c| complaints::load_calendar(c, &o))
    }

    fn set_calendar(
        &self,
        office: OfficeId,
        kind: Option<CalendarKind>,
        decision_days: Option<u32>,
        overrides: Vec<(NaiveDate, Option<bool>, String)>,
    ) -> Result<complaints::OfficeCalendar> {
        let o = self.office_of(office)?;
        self.exec_with(move |c| complaints::save_calendar(c, &o, kind, decision_days, &overrides))
    }

    fn create_complaint(
        &self,
        office: OfficeId,
        new: NewComplaint,
        received_at: i64,
        by: UserId,
    ) -> Result<(Complaint, Option<Complaint>)> {
        let o = self.office_of(office)?;
        self.exec_with(move |c| complaints::create(c, &o, &new, received_at, by))
    }

    fn complaint(&self, office: OfficeId, id: &str) -> Result<Option<Complaint>> {
        self.read(|c| complaints::load(c, office, id))
    }

    fn update_complaint(
        &self,
        office: OfficeId,
        id: String,
        change: complaints::Change,
    ) -> Result<Complaint> {
        let o = self.office_of(office)?;
        self.exec_with(move |c| complaints::update(c, &o, &id, change))
    }

    fn complaints(&self, office: OfficeId) -> Result<Vec<Complaint>> {
        self.read(|c| complaints::list(c, office))
    }

    fn sample(&self, office: OfficeId, id: &str) -> Result<Option<month::Sample>> {
        let Some(mut s) = self.read(|c| month::get_sample(c, office, id))? else {
            return Ok(None);
        };
        // Re-draw from the recorded seed and parameters, to show the strata (and that the
        // draw is reproducible).
        let o = self.office_of(office)?;
        let range = month::Month::parse(&s.month, &o.time_zone)?;
        let (_, strata) =
            self.read(|c| month::draw(c, office, range, s.percent, s.min_per_technician, s.seed))?;
        s.strata = strata;
        Ok(Some(s))
    }

    fn server_device(&self) -> DeviceId {
        self.server_device
    }

    fn storage_error(&self) -> Option<String> {
        self.storage_error.lock().ok().and_then(|e| e.clone())
    }

    fn log_len(&self) -> Result<u64> {
        self.read(|c| {
            let n: i64 = c.query_row("SELECT count(*) FROM log", [], |r| r.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
    }
}

impl From<SubmitError> for (ErrorCode, String, Vec<Hash>) {
    fn from(e: SubmitError) -> Self {
        match e {
            SubmitError::Refused { refusal, refused } => (refusal.code, refusal.message, refused),
            SubmitError::Unavailable(m) => (ErrorCode::Unavailable, m, Vec::new()),
        }
    }
}

/// Hash of a change, for tests and logs.
pub fn hex_hash(h: &ChangeHash) -> String {
    hex::encode(h.0)
}
