//! The local replica store (rusqlite): the phone's durable copy of its work orders.
//!
//! Per order: an Automerge snapshot plus incremental change chunks (Automerge's documented
//! storage pattern: append a chunk per change, compact now and then into a new snapshot,
//! and delete only the chunks that snapshot covers). A projection table lists orders
//! without loading documents. The outbox remembers which local changes the server has not
//! acknowledged yet.
//!
//! Durability: WAL with `synchronous=FULL`, and every command commits its chunk, outbox
//! row and projection in one transaction before returning Ok.

use std::collections::HashMap;
use std::path::Path;

use automerge::{Change, ChangeHash};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::Error;
use crate::command::{self, Context, NewOrder};
use crate::doc::WorkOrderDoc;
use crate::event::{Event, EventBody};
use crate::fee_schedule::FeeSchedule;
use crate::model::{Author, DeviceId, Millis, Money, OrderId, UserId};
use crate::state::{self, WorkOrderState};

mod cases;
mod commands;
mod outbox;
mod schema;

pub use schema::SCHEMA_VERSION;
use schema::{configure, migrate};

/// Compact an order once it has this many chunks on top of its snapshot.
pub const COMPACT_AFTER_CHUNKS: i64 = 32;
/// Documents kept decoded in memory.
const CACHE_CAPACITY: usize = 256;

/// A row of the order list, read without loading documents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderSummary {
    pub id: OrderId,
    pub status: String,
    pub customer_name: String,
    pub unit: String,
    pub description: String,
    pub technicians: Vec<UserId>,
    pub appointment: Option<Millis>,
    pub total: Money,
    pub anomalies: u32,
    pub updated_at: Millis,
}

/// A local change the server has not acknowledged yet.
#[derive(Clone, Debug)]
pub struct PendingChange {
    pub seq: i64,
    pub order: OrderId,
    pub hash: ChangeHash,
    pub bytes: Vec<u8>,
}

/// Where the device's wall clock comes from (injected in tests).
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Millis;
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Millis {
        chrono::Utc::now().timestamp_millis()
    }
}

/// The device's store of work-order replicas.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    author: Author,
    clock: Box<dyn Clock>,
    offset: Option<Millis>,
    cache: HashMap<OrderId, WorkOrderDoc>,
}

impl Store {
    /// Opens (creating or upgrading) the store at `path` for the person and device in
    /// `author`.
    pub fn open(path: &Path, author: Author) -> Result<Self, Error> {
        Self::open_with_clock(path, author, Box::new(SystemClock))
    }

    pub fn open_with_clock(
        path: &Path,
        author: Author,
        clock: Box<dyn Clock>,
    ) -> Result<Self, Error> {
        let mut conn = Connection::open(path)?;
        configure(&conn)?;
        migrate(&mut conn, author.device, SCHEMA_VERSION)?;
        let offset = conn
            .query_row(
                "SELECT value FROM settings WHERE key = 'clock_offset'",
                [],
                |r| r.get::<_, String>(0),
            )
            .optional()?
            .map(|v| {
                v.parse()
                    .map_err(|_| Error::Corrupt(format!("stored clock offset {v:?}")))
            })
            .transpose()?;
        Ok(Store {
            conn,
            author,
            clock,
            offset,
            cache: HashMap::new(),
        })
    }

    /// Opens the database only up to `version`, for migration tests.
    #[doc(hidden)]
    pub fn open_at_version(
        path: &Path,
        device: DeviceId,
        version: i64,
    ) -> Result<Connection, Error> {
        let mut conn = Connection::open(path)?;
        configure(&conn)?;
        migrate(&mut conn, device, version)?;
        Ok(conn)
    }

    pub fn author(&self) -> &Author {
        &self.author
    }

    /// The device's clock offset to the server (server − device), as last measured.
    pub fn clock_offset(&self) -> Option<Millis> {
        self.offset
    }

    /// Records a newly measured offset; later facts carry it.
    pub fn set_clock_offset(&mut self, offset: Millis) -> Result<(), Error> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES ('clock_offset', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [offset.to_string()],
        )?;
        self.offset = Some(offset);
        Ok(())
    }

    fn context(&self) -> Context {
        Context {
            author: self.author.clone(),
            now: self.clock.now(),
            offset: self.offset,
        }
    }

    /// Logs a new order on this device (front desk, or a technician's follow-up job).
    pub fn create_order(&mut self, new: NewOrder) -> Result<WorkOrderState, Error> {
        let (doc, _) = command::create_order(&self.context(), new)?;
        let state = state::state(&doc)?;
        let change = doc
            .all_changes()
            .into_iter()
            .next()
            .ok_or_else(|| Error::Corrupt("new document has no change".into()))?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO snapshots (order_id, bytes) VALUES (?1, ?2)",
            params![state.order.to_string(), doc.save()],
        )?;
        push_outbox(&tx, state.order, &change)?;
        project(&tx, &state)?;
        tx.commit()?;
        self.remember(doc);
        Ok(state)
    }

    /// Records one fact on an order after checking the rules. On Ok it is on disk.
    pub fn record(&mut self, order: OrderId, body: EventBody) -> Result<WorkOrderState, Error> {
        // R-PAID: a line quoted from the schedule carries its schedule price, checked
        // against the schedule this phone holds. A version the phone does not hold (an
        // order quoted before the last publication) is left to the server, which holds
        // every version and checks every change.
        // Read (and decoded) only for a fact that carries such lines, not for every command.
        if crate::fee_schedule::has_coded_lines(&body)
            && let Some(schedule) = self.fee_schedule()?
            && crate::fee_schedule::quoted_version(&body).is_none_or(|v| v == schedule.version)
        {
            crate::fee_schedule::check_fact(&body, &|v, code| {
                (v == schedule.version)
                    .then(|| schedule.item(code).cloned())
                    .flatten()
            })?;
        }
        let ctx = self.context();
        let mut doc = self.doc(order)?;
        let (_, hash, state) = command::execute(&mut doc, &ctx, body)?;
        let change = doc
            .change_by_hash(&hash)
            .ok_or_else(|| Error::Corrupt("own change not found".into()))?;
        let tx = self.conn.transaction()?;
        push_chunk(&tx, order, change.raw_bytes())?;
        push_outbox(&tx, order, &change)?;
        project(&tx, &state)?;
        tx.commit()?;
        self.remember(doc);
        self.compact_later(order);
        Ok(state)
    }

    /// R-PAID: the fee schedule in force, as the server last sent it (`None` before the
    /// first sync that brought one).
    pub fn fee_schedule(&self) -> Result<Option<FeeSchedule>, Error> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM settings WHERE key = 'fee_schedule'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        json.map(|j| {
            serde_json::from_str(&j)
                .map_err(|e| Error::Corrupt(format!("stored fee schedule: {e}")))
        })
        .transpose()
    }

    /// Keeps the fee schedule the server sent, replacing the one held.
    pub fn set_fee_schedule(&mut self, schedule: &FeeSchedule) -> Result<(), Error> {
        let json = serde_json::to_string(schedule)
            .map_err(|e| Error::InvalidInput(format!("fee schedule: {e}")))?;
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES ('fee_schedule', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [json],
        )?;
        Ok(())
    }

    /// Stores a whole document received from the server (a new assignment), merging with
    /// any copy already held.
    pub fn import_order(&mut self, bytes: &[u8]) -> Result<WorkOrderState, Error> {
        let incoming = WorkOrderDoc::load(bytes, self.author.device)?;
        self.import_work_order(incoming, bytes)
    }

    /// Stores a whole document of any kind received from the server, merging with any
    /// copy held; returns its id.
    pub fn import_document(&mut self, bytes: &[u8]) -> Result<OrderId, Error> {
        // Read as a work order first (the common case, one load); only a document that
        // is not one is asked its kind.
        match WorkOrderDoc::load(bytes, self.author.device) {
            Ok(doc) => Ok(self.import_work_order(doc, bytes)?.order),
            Err(e) => match cases::kind_of_saved(bytes)? {
                crate::kinds::Kind::WorkOrder => Err(e),
                kind => self.import_case(bytes, kind),
            },
        }
    }

    /// Applies changes from elsewhere to a held document of any kind.
    pub fn apply_remote_document(
        &mut self,
        order: OrderId,
        changes: &[Vec<u8>],
    ) -> Result<(), Error> {
        match self.case_kind(order)? {
            Some(_) => self.apply_remote_case(order, changes),
            None => self.apply_remote(order, changes).map(|_| ()),
        }
    }

    fn import_work_order(
        &mut self,
        incoming: WorkOrderDoc,
        bytes: &[u8],
    ) -> Result<WorkOrderState, Error> {
        let order = incoming.order_id();
        if self.exists(order)? {
            let changes = incoming
                .all_changes()
                .iter()
                .map(|c| c.raw_bytes().to_vec())
                .collect::<Vec<_>>();
            return self.apply_remote(order, &changes);
        }
        let state = state::state(&incoming)?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO snapshots (order_id, bytes) VALUES (?1, ?2)",
            params![order.to_string(), bytes],
        )?;
        project(&tx, &state)?;
        tx.commit()?;
        self.remember(incoming);
        Ok(state)
    }

    /// Applies changes from elsewhere (one encoded change per element). Malformed input
    /// is refused whole; duplicates are harmless.
    pub fn apply_remote(
        &mut self,
        order: OrderId,
        changes: &[Vec<u8>],
    ) -> Result<WorkOrderState, Error> {
        let mut doc = self.doc(order)?;
        let heads = doc.heads();
        doc.apply_encoded(changes)?;
        if doc.heads() == heads {
            return state::state(&doc);
        }
        // Store exactly the changes that were new, so re-delivery adds nothing.
        let new = doc.encoded_changes_since(&heads);
        let state = state::state(&doc)?;
        let tx = self.conn.transaction()?;
        for change in &new {
            push_chunk(&tx, order, change)?;
        }
        project(&tx, &state)?;
        tx.commit()?;
        self.remember(doc);
        self.compact_later(order);
        Ok(state)
    }

    /// The order's document (from memory, or loaded from disk).
    pub fn doc(&mut self, order: OrderId) -> Result<WorkOrderDoc, Error> {
        if let Some(d) = self.cache.get(&order) {
            return Ok(d.clone());
        }
        let tx = self.conn.transaction()?;
        let doc = load_doc(&tx, order, self.author.device)?;
        tx.commit()?;
        Ok(doc)
    }

    /// The order's merged state.
    pub fn order_state(&mut self, order: OrderId) -> Result<WorkOrderState, Error> {
        let doc = self.doc(order)?;
        let s = state::state(&doc)?;
        self.remember(doc);
        Ok(s)
    }

    fn remember(&mut self, doc: WorkOrderDoc) {
        if self.cache.len() >= CACHE_CAPACITY && !self.cache.contains_key(&doc.order_id()) {
            self.cache.clear();
        }
        self.cache.insert(doc.order_id(), doc);
    }

    fn exists(&self, order: OrderId) -> Result<bool, Error> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM snapshots WHERE order_id = ?1",
                [order.to_string()],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Every order, from the projection (no document is loaded).
    pub fn list_orders(&self) -> Result<Vec<OrderSummary>, Error> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, status, customer_name, unit, description, technicians, appointment,
                    total, anomalies, updated_at
             FROM orders ORDER BY appointment IS NULL, appointment, id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<i64>>(6)?,
                r.get::<_, i64>(7)?,
                r.get::<_, i64>(8)?,
                r.get::<_, i64>(9)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (
                id,
                status,
                customer_name,
                unit,
                description,
                techs,
                appointment,
                total,
                anomalies,
                updated_at,
            ) = row?;
            out.push(OrderSummary {
                id: id.parse()?,
                status,
                customer_name,
                unit,
                description,
                technicians: serde_json::from_str(&techs)
                    .map_err(|e| Error::Corrupt(format!("projection technicians: {e}")))?,
                appointment,
                total: Money(total),
                anomalies: u32::try_from(anomalies).unwrap_or(u32::MAX),
                updated_at,
            });
        }
        Ok(out)
    }

    /// Compacts after a commit. The fact is on disk whatever happens here: a failure is
    /// logged, not returned (the caller would retry a fact already stored), and compaction
    /// is tried again after the order's next change.
    fn compact_later(&mut self, order: OrderId) {
        if let Err(e) = self.maybe_compact(order) {
            tracing::warn!(%order, error = %e, "compaction failed; will retry");
        }
    }

    /// The connection's `synchronous` setting (2 = FULL: every commit is fsync'd).
    pub fn synchronous(&self) -> Result<i64, Error> {
        Ok(self
            .conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))?)
    }

    fn maybe_compact(&mut self, order: OrderId) -> Result<(), Error> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM chunks WHERE order_id = ?1",
            [order.to_string()],
            |r| r.get(0),
        )?;
        if n >= COMPACT_AFTER_CHUNKS {
            self.compact(order)?;
        }
        Ok(())
    }

    /// Folds an order's chunks into a new snapshot and deletes exactly the chunks it
    /// covers, in one transaction.
    pub fn compact(&mut self, order: OrderId) -> Result<(), Error> {
        let id = order.to_string();
        let tx = self.conn.transaction()?;
        let last: Option<i64> = tx.query_row(
            "SELECT max(id) FROM chunks WHERE order_id = ?1",
            [&id],
            |r| r.get(0),
        )?;
        let Some(last) = last else { return Ok(()) };
        let doc = load_doc_through(&tx, order, self.author.device, last)?;
        tx.execute(
            "UPDATE snapshots SET bytes = ?2 WHERE order_id = ?1",
            params![id, doc.save()],
        )?;
        tx.execute(
            "DELETE FROM chunks WHERE order_id = ?1 AND id <= ?2",
            params![id, last],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Bytes stored for an order (snapshot + chunks), for measuring.
    pub fn stored_size(&self, order: OrderId) -> Result<u64, Error> {
        let id = order.to_string();
        let snap: i64 = self.conn.query_row(
            "SELECT coalesce(sum(length(bytes)), 0) FROM snapshots WHERE order_id = ?1",
            [&id],
            |r| r.get(0),
        )?;
        let chunks: i64 = self.conn.query_row(
            "SELECT coalesce(sum(length(bytes)), 0) FROM chunks WHERE order_id = ?1",
            [&id],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(snap + chunks).unwrap_or(0))
    }

    /// `PRAGMA integrity_check`, for tests and diagnostics.
    pub fn integrity_check(&self) -> Result<String, Error> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
}

fn push_chunk(tx: &Transaction<'_>, order: OrderId, change: &[u8]) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO chunks (order_id, bytes) VALUES (?1, ?2)",
        params![order.to_string(), change],
    )?;
    Ok(())
}

fn push_outbox(tx: &Transaction<'_>, order: OrderId, change: &Change) -> Result<(), Error> {
    tx.execute(
        "INSERT OR IGNORE INTO outbox (hash, order_id, bytes) VALUES (?1, ?2, ?3)",
        params![
            change.hash().as_ref(),
            order.to_string(),
            change.raw_bytes()
        ],
    )?;
    Ok(())
}

/// Writes the order's row of the projection.
fn project(tx: &Transaction<'_>, s: &WorkOrderState) -> Result<(), Error> {
    let techs = serde_json::to_string(&s.technicians).unwrap_or_else(|_| "[]".into());
    let updated = s.timeline.iter().map(|t| t.at).max().unwrap_or(s.logged_at);
    tx.execute(
        "INSERT INTO orders (id, office, status, customer_name, unit, description, technicians,
                             appointment, total, anomalies, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET
             office = excluded.office, status = excluded.status,
             customer_name = excluded.customer_name, unit = excluded.unit,
             description = excluded.description, technicians = excluded.technicians,
             appointment = excluded.appointment, total = excluded.total,
             anomalies = excluded.anomalies, updated_at = excluded.updated_at",
        params![
            s.order.to_string(),
            s.office.id.to_string(),
            s.status.as_str(),
            s.customer.name,
            s.customer.unit,
            s.description,
            techs,
            s.appointment.as_ref().map(|a| a.at),
            s.fees.total.0,
            i64::try_from(s.anomalies.len()).unwrap_or(i64::MAX),
            updated,
        ],
    )?;
    Ok(())
}

fn load_doc(tx: &Transaction<'_>, order: OrderId, device: DeviceId) -> Result<WorkOrderDoc, Error> {
    load_doc_through(tx, order, device, i64::MAX)
}

/// Snapshot plus chunks with id ≤ `through`.
fn load_doc_through(
    tx: &Transaction<'_>,
    order: OrderId,
    device: DeviceId,
    through: i64,
) -> Result<WorkOrderDoc, Error> {
    let id = order.to_string();
    let snapshot: Vec<u8> = tx
        .query_row(
            "SELECT bytes FROM snapshots WHERE order_id = ?1",
            [&id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| Error::NotFound(id.clone()))?;
    let mut doc = WorkOrderDoc::load(&snapshot, device)?;
    let mut stmt =
        tx.prepare_cached("SELECT bytes FROM chunks WHERE order_id = ?1 AND id <= ?2 ORDER BY id")?;
    let chunks = stmt
        .query_map(params![id, through], |r| r.get::<_, Vec<u8>>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    doc.apply_encoded(&chunks)?;
    if doc.order_id() != order {
        return Err(Error::Corrupt(format!(
            "stored document for {order} is another order"
        )));
    }
    // A chunk whose dependencies never arrived means bytes were lost.
    if !doc.missing_deps().is_empty() {
        return Err(Error::Corrupt(format!("order {order} is missing changes")));
    }
    Ok(doc)
}

/// The events of a stored order, for diagnostics.
pub fn events_of(doc: &WorkOrderDoc) -> Vec<Event> {
    doc.events()
        .iter()
        .filter_map(|e| e.event.clone().ok())
        .collect()
}
