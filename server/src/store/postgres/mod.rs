//! The PostgreSQL backend, for several server nodes over one database: the schema
//! (`schema.rs`), the change log that several nodes append to without a reader ever
//! skipping a row (`log.rs`), what nodes tell each other through LISTEN/NOTIFY (`bus.rs`),
//! this node's writer (`writer.rs`, over the shared order code through `rows.rs`), and the
//! store's traits, passing the same conformance suite as SQLite.
//!
//! It uses the `postgres` client (tokio-postgres behind a blocking interface) on threads
//! of its own, as the SQLite backend uses rusqlite: the store's writer keeps one
//! connection and commits in groups, readers take pooled connections, and no async task
//! ever waits on the database.

pub mod bus;
mod cases;
mod complaints;
mod contacts;
mod customers;
mod directory;
mod fee_schedule;
mod improvements;
pub mod log;
mod month;
mod month_close;
mod orders;
mod programmes;
mod projection;
mod qa;
mod registers;
mod rows;
pub mod schema;
pub mod sql;
mod tasks;
mod training;
mod writer;

use std::sync::mpsc::{SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use baoxiu_sync_core::DeviceId;
use tokio::sync::{Semaphore, broadcast};

use crate::store::Committed;
use sql::{Conn, Tx};

use crate::error::{Error, Result};
use crate::store::sqlite::SCHEMA_VERSION;

/// Connections open at once at most, per node (PostgreSQL's own default limit is 100
/// for all nodes together).
const CONNECTIONS: usize = 24;
/// Idle connections kept for reuse.
const IDLE: usize = 16;
/// A pooled connection idle longer than this is checked before use.
const IDLE_CHECK: std::time::Duration = std::time::Duration::from_secs(1);
/// Jobs waiting for the writer before new ones are refused as unavailable.
const QUEUE: usize = 8192;

pub use schema::migrate;

/// Whether `url` names a PostgreSQL database (`postgres://` or `postgresql://`).
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// A database that cannot be reached, or refuses the connection, is unavailable (try
/// again: nothing was stored); an error the server itself caused is internal.
impl From<postgres::Error> for Error {
    fn from(e: postgres::Error) -> Self {
        use postgres::error::SqlState;
        let unavailable = e.is_closed()
            || e.code().is_some_and(|c| {
                c == &SqlState::ADMIN_SHUTDOWN
                    || c == &SqlState::CRASH_SHUTDOWN
                    || c == &SqlState::CANNOT_CONNECT_NOW
                    || c == &SqlState::TOO_MANY_CONNECTIONS
                    || c == &SqlState::DISK_FULL
                    || c == &SqlState::READ_ONLY_SQL_TRANSACTION
                    || c.code().starts_with("08")
            })
            || e.code().is_none();
        if unavailable {
            Error::Unavailable(format!("database: {e}"))
        } else {
            Error::Internal(format!("database: {e}"))
        }
    }
}

/// Opens a connection to `url` (blocking: call it off the async threads).
pub fn connect(url: &str) -> Result<postgres::Client, Error> {
    let config: postgres::Config = url
        .parse()
        .map_err(|e| Error::Invalid(format!("database url: {e}")))?;
    Ok(config.connect(postgres::NoTls)?)
}

/// The PostgreSQL store (being built: the traits implemented so far are in this folder).
/// Cheap to clone: clones share one pool.
#[derive(Debug, Clone)]
pub struct PgStore {
    inner: Arc<Inner>,
}

struct Inner {
    url: String,
    /// Idle connections, with when they were last used.
    idle: Mutex<Vec<(Conn, std::time::Instant)>>,
    permits: Arc<Semaphore>,
    jobs: SyncSender<writer::Job>,
    committed: broadcast::Sender<Committed>,
    /// The database's (a cursor of another database is stale); the same on every node.
    epoch: [u8; 16],
    /// This node's own device: the actor of the changes it makes, never another node's.
    server_device: DeviceId,
    storage_error: Arc<Mutex<Option<String>>>,
}

impl Drop for Inner {
    // A blocking client closes by blocking on its connection, which an async thread must
    // not do: the last clone of the store may well be dropped on one.
    fn drop(&mut self) {
        let idle = std::mem::take(self.idle.get_mut().unwrap_or_else(|p| p.into_inner()));
        if !idle.is_empty() {
            std::thread::spawn(move || drop(idle));
        }
    }
}

impl std::fmt::Debug for Inner {
    // The URL may carry a password; the clients say nothing useful.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").finish_non_exhaustive()
    }
}

/// Links the orders and complaints stored before customers existed (schema 22), once:
/// afterwards each is linked as it is stored. Under the migrations' lock, so two nodes
/// starting together do not both create a unit's customer.
fn link_stored_items(c: &mut postgres::Client) -> Result<()> {
    const LOCK: i64 = 0x6261_6f78_6975_0001;
    c.execute("SELECT pg_advisory_lock($1)", &[&LOCK])?;
    let linked = (|| {
        let mut tx = c.transaction()?;
        let n = customers::backfill_links(&mut tx)?;
        tx.commit()?;
        Ok::<_, Error>(n)
    })();
    let unlocked = c.execute("SELECT pg_advisory_unlock($1)", &[&LOCK]);
    let linked = linked?;
    unlocked?;
    if linked > 0 {
        tracing::info!(items = linked, "linked to customers");
    }
    Ok(())
}

impl PgStore {
    /// Connects to the database at `url`, whose schema must be this build's (`baoxiu
    /// migrate` brings it there: a node does not migrate on its own, so that nodes of two
    /// versions never race to), and starts this node's writer; `server_device` is the
    /// node's own. Blocks: call it at start-up.
    pub fn open(url: &str, server_device: DeviceId) -> Result<Self> {
        let mut c = connect(url)?;
        let found = schema::version(&mut c)?;
        if found != SCHEMA_VERSION {
            return Err(Error::Unavailable(format!(
                "the database's schema is version {found}, this build's {SCHEMA_VERSION}: \
                 run `baoxiu migrate --database …` first"
            )));
        }
        // The first node to start names the database's epoch; the others read it.
        c.execute(
            "INSERT INTO settings (key, value) VALUES ('epoch', $1) ON CONFLICT DO NOTHING",
            &[&uuid::Uuid::now_v7().to_string()],
        )?;
        let epoch: String = c
            .query_one("SELECT value FROM settings WHERE key = 'epoch'", &[])?
            .try_get(0)?;
        link_stored_items(&mut c)?;
        let epoch = uuid::Uuid::parse_str(&epoch)
            .map_err(|e| Error::Corrupt(format!("epoch: {e}")))?
            .into_bytes();
        let (jobs, rx) = sync_channel(QUEUE);
        let (committed, _) = broadcast::channel(1024);
        let storage_error = Arc::new(Mutex::new(None));
        let w = writer::Writer {
            url: url.to_owned(),
            client: Some(Conn::new(connect(url)?)),
            committed: committed.clone(),
            bus: bus::Bus::new(server_device.0),
            server_device,
            storage_error: storage_error.clone(),
        };
        std::thread::Builder::new()
            .name("baoxiu-pg-writer".into())
            .spawn(move || w.run(rx))
            .map_err(|e| Error::Internal(format!("writer thread: {e}")))?;
        Ok(PgStore {
            inner: Arc::new(Inner {
                url: url.to_owned(),
                idle: Mutex::new(vec![(Conn::new(c), std::time::Instant::now())]),
                permits: Arc::new(Semaphore::new(CONNECTIONS)),
                jobs,
                committed,
                epoch,
                server_device,
                storage_error,
            }),
        })
    }

    /// This node's voice on the bus (its id is its device's).
    fn bus(&self) -> bus::Bus {
        bus::Bus::new(self.inner.server_device.0)
    }

    /// Listens to the other nodes (blocking: call it off the async threads).
    pub fn listen(
        &self,
    ) -> Result<(
        bus::Listener,
        tokio::sync::mpsc::UnboundedReceiver<bus::Heard>,
    )> {
        self.bus().listen(&self.inner.url)
    }

    /// Passes another node's commit on to this node's subscribers (sessions, consoles),
    /// as if committed here.
    pub fn relay(&self, note: Committed) {
        let _ = self.inner.committed.send(note);
    }

    /// Tells the other nodes this node opened a sync session for `device` at `at`.
    pub async fn announce_session(
        &self,
        device: DeviceId,
        at: baoxiu_sync_core::Millis,
    ) -> Result<()> {
        let bus = self.bus();
        self.with(move |c| bus.session_opened(c, device, at)).await
    }

    /// Runs `f` with a pooled connection on the blocking threads.
    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Conn) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let permit = self
            .inner
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Error::Unavailable("the store is closed".into()))?;
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            // A connection idle for a while may have died with a database restart: one
            // round trip tells.
            let usable = |(c, since): &mut (Conn, std::time::Instant)| {
                !c.is_closed()
                    && (since.elapsed() < IDLE_CHECK
                        || c.is_valid(std::time::Duration::from_secs(5)))
            };
            let mut pooled = inner.idle.lock().ok().and_then(|mut p| p.pop());
            let mut c = match pooled.take_if(usable) {
                Some((c, _)) => c,
                None => Conn::new(connect(&inner.url)?),
            };
            let out = f(&mut c);
            if !c.is_closed()
                && let Ok(mut p) = inner.idle.lock()
                && p.len() < IDLE
            {
                p.push((c, std::time::Instant::now()));
            }
            out
        })
        .await
        .map_err(|e| Error::Internal(format!("database task: {e}")))?
    }

    /// Runs `f` in a transaction of its own, committed when it returns Ok (rolled back
    /// otherwise).
    async fn tx<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.with(move |c| {
            let mut tx = c.transaction()?;
            let v = f(&mut tx)?;
            tx.commit()?;
            Ok(v)
        })
        .await
    }
}
