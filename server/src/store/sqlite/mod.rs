//! The SQLite backend: the embedded default. Every SQL statement of the server is in this
//! folder.
//!
//! One writer thread owns the write connection and commits in groups (`writer.rs`): it
//! takes every job waiting in its queue, runs each inside its own savepoint (a refused job
//! rolls back alone), commits once — one fsync for many devices — and only then answers.
//! So an ack is never sent for a change that is not on disk. Readers use pooled
//! connections of their own (WAL lets them read while the writer writes), on the blocking
//! thread pool, so no async task ever waits on SQLite.

mod callbacks;
mod cases;
mod catchup;
mod complaints;
mod contacts;
mod customers;
mod directory;
mod fee_schedule;
mod improvements;
mod log;
mod month;
mod month_close;
mod orders;
mod programmes;
mod projection;
mod qa;
mod registers;
pub mod schema;
mod states;
mod tasks;
mod training;
mod writer;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

use baoxiu_sync_core::{DeviceId, OrderId};
use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::{broadcast, oneshot};

use crate::error::{Error, Result};
use crate::store::Committed;

pub(crate) use log::{load_bytes, load_doc};
pub(crate) use projection::project;
pub use schema::{SCHEMA_VERSION, open_at_version};
use states::States;
use writer::{Faults, Job, Writer};

/// Jobs waiting for the writer before new ones are refused as unavailable.
const QUEUE: usize = 8192;
/// Idle read connections kept for reuse.
const READERS: usize = 16;

/// Storage that cannot take a write now — full, read-only, unreachable, locked — is
/// `Unavailable` (503: try again later; nothing was stored); the rest is internal.
impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as C;
        match e.sqlite_error_code() {
            Some(
                C::DiskFull
                | C::SystemIoFailure
                | C::ReadOnly
                | C::CannotOpen
                | C::PermissionDenied
                | C::DatabaseBusy
                | C::DatabaseLocked,
            ) => Error::Unavailable(format!("storage: {e}")),
            _ => Error::Internal(format!("storage: {e}")),
        }
    }
}

use super::decode::{from_json, parse, to_json};

/// The SQLite store. Cheap to clone: clones share one writer and one pool.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    jobs: SyncSender<Job>,
    readers: Mutex<Vec<Connection>>,
    committed: broadcast::Sender<Committed>,
    epoch: [u8; 16],
    server_device: DeviceId,
    /// The last storage failure (e.g. disk full), cleared by the next successful write.
    storage_error: Arc<Mutex<Option<String>>>,
    /// Order states the writer committed, for the order page.
    states: Arc<States>,
    faults: Arc<Faults>,
}

/// Links the orders and complaints stored before customers existed (schema 22), once:
/// afterwards each is linked as it is stored.
fn link_stored_items(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction()?;
    let linked = customers::backfill_links(&tx)?;
    tx.commit()?;
    if linked > 0 {
        tracing::info!(items = linked, "linked to customers");
    }
    Ok(())
}

impl SqliteStore {
    /// Brings the database at `path` (created if absent) to this build's schema and
    /// projection, and nothing more: `baoxiu migrate`. Returns the schema versions before
    /// and after. Blocks.
    pub fn migrate(path: &Path) -> Result<(i64, i64)> {
        let mut conn = Connection::open(path)?;
        schema::configure(&conn)?;
        let before: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        schema::migrate(&mut conn, SCHEMA_VERSION)?;
        let rebuilt = schema::rebuild_projection(&mut conn)?;
        if rebuilt > 0 {
            tracing::info!(orders = rebuilt, "projection rebuilt");
        }
        link_stored_items(&mut conn)?;
        Ok((before, SCHEMA_VERSION))
    }

    /// Writes a consistent copy of the database at `path` to the new file `to`, while a
    /// server may be serving from it (a read transaction's snapshot, compacted): `baoxiu
    /// backup`. The copy is on disk (fsync'd) when this returns. Blocks.
    pub fn backup(path: &Path, to: &Path) -> Result<()> {
        if !path.exists() {
            return Err(Error::NotFound(format!("{}: no database", path.display())));
        }
        if to.exists() {
            return Err(Error::Conflict(format!("{} exists already", to.display())));
        }
        let target = to
            .to_str()
            .ok_or_else(|| Error::Invalid(format!("{}: not a UTF-8 path", to.display())))?;
        let c = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        c.busy_timeout(std::time::Duration::from_secs(10))?;
        c.execute("VACUUM INTO ?1", [target])?;
        std::fs::File::open(to)
            .and_then(|f| f.sync_all())
            .map_err(|e| Error::Internal(format!("{}: {e}", to.display())))
    }

    /// Opens (creating or migrating) the database at `path` and starts the writer. Blocks:
    /// call it at start-up, before serving.
    pub fn open(path: &Path) -> Result<Self> {
        let mut conn = Connection::open(path)?;
        schema::configure(&conn)?;
        schema::migrate(&mut conn, SCHEMA_VERSION)?;
        let rebuilt = schema::rebuild_projection(&mut conn)?;
        if rebuilt > 0 {
            tracing::info!(orders = rebuilt, "projection rebuilt");
        }
        link_stored_items(&mut conn)?;
        let epoch = match schema::setting(&conn, "epoch")? {
            Some(e) => uuid::Uuid::parse_str(&e)
                .map_err(|e| Error::Corrupt(format!("epoch: {e}")))?
                .into_bytes(),
            None => {
                let e = uuid::Uuid::now_v7();
                conn.execute("INSERT INTO settings VALUES ('epoch', ?1)", [e.to_string()])?;
                e.into_bytes()
            }
        };
        let server_device: DeviceId = match schema::setting(&conn, "server_device")? {
            Some(d) => parse("server device", &d)?,
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
        let states = Arc::new(States::default());
        let faults = Arc::new(Faults::default());
        let writer = Writer::new(
            conn,
            committed.clone(),
            server_device,
            storage_error.clone(),
            states.clone(),
            faults.clone(),
        );
        std::thread::Builder::new()
            .name("baoxiu-writer".into())
            .spawn(move || writer.run(rx))
            .map_err(|e| Error::Internal(format!("writer thread: {e}")))?;
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                jobs,
                readers: Mutex::new(Vec::new()),
                committed,
                epoch,
                server_device,
                storage_error,
                states,
                faults,
            }),
        })
    }

    /// Queues a job for the writer; false if the queue is full or the writer stopped.
    fn enqueue(&self, job: Job) -> bool {
        match self.inner.jobs.try_send(job) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => false,
        }
    }

    /// Runs `f` with a pooled read connection, on the blocking pool.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Inner, &Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || inner.read(|c| f(&inner, c)))
            .await
            .map_err(|e| Error::Internal(format!("reader: {e}")))?
    }

    /// Runs `work` in the writer's transaction and returns its value after the commit.
    async fn exec<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (value_tx, value_rx) = oneshot::channel();
        let (reply, rx) = oneshot::channel();
        let job = Job::Exec {
            work: Box::new(move |c| {
                let v = work(c)?;
                let _ = value_tx.send(v);
                Ok(())
            }),
            reply,
        };
        if !self.enqueue(job) {
            return Err(Error::Unavailable("the store is busy".into()));
        }
        rx.await
            .map_err(|_| Error::Unavailable("the writer stopped".into()))??;
        value_rx
            .await
            .map_err(|_| Error::Internal("the writer returned nothing".into()))
    }

    /// Makes the writer's connection refuse writes, as a read-only disk does (for tests of
    /// a store that cannot commit; `false` lifts it).
    pub async fn set_read_only(&self, read_only: bool) -> Result<()> {
        self.exec(move |c| {
            c.pragma_update(None, "query_only", read_only)?;
            Ok(())
        })
        .await
    }

    /// The writer connection's `synchronous` setting (2 = FULL: every commit is fsync'd).
    pub async fn synchronous(&self) -> Result<i64> {
        self.exec(|c| Ok(c.query_row("PRAGMA synchronous", [], |r| r.get(0))?))
            .await
    }

    /// Makes the writer's next savepoint RELEASE fail, as an I/O error there would (for
    /// the test that such a job is answered unavailable, never acked).
    pub fn fail_next_release(&self) {
        self.inner
            .faults
            .fail_release
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Limits the database's size in pages (for tests of a full disk; 0 = no limit).
    pub async fn set_max_page_count(&self, pages: u64) -> Result<()> {
        let pages = if pages == 0 { 4_294_967_294 } else { pages };
        self.exec(move |c| {
            c.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
            Ok(())
        })
        .await
    }
}

impl Inner {
    /// Runs `f` with a pooled read connection on the current (blocking) thread.
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
            && p.len() < READERS
        {
            p.push(conn);
        }
        out
    }
}

/// The first 8 bytes of the hash of the log row at `seq`: a cursor carries them, so a
/// restored database (whose row `seq` is another change) is recognised.
fn cursor_check(conn: &Connection, seq: u64) -> Result<Option<[u8; 8]>> {
    if seq == 0 {
        return Ok(Some([0; 8]));
    }
    let seq = i64::try_from(seq).map_err(|_| Error::Invalid("cursor".into()))?;
    let hash: Option<Vec<u8>> = conn
        .query_row("SELECT hash FROM log WHERE seq = ?1", [seq], |r| r.get(0))
        .optional()?;
    Ok(hash.map(|h| {
        let mut c = [0u8; 8];
        let n = 8.min(h.len());
        c[..n].copy_from_slice(&h[..n]);
        c
    }))
}

/// Order ids from a query's first column.
fn ids(conn: &Connection, sql: &str, args: &[&dyn rusqlite::ToSql]) -> Result<HashSet<OrderId>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows: Vec<String> = stmt
        .query_map(args, |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    rows.iter().map(|s| parse("order id", s)).collect()
}

/// A device's created order is in its scope from the moment it is stored.
fn add_to_scope(tx: &Connection, device: DeviceId, order: OrderId) -> Result<()> {
    tx.execute(
        "INSERT OR IGNORE INTO device_scope (device, order_id, delivered) VALUES (?1, ?2, 0)",
        params![device.to_string(), order.to_string()],
    )?;
    Ok(())
}
