//! baoxiu's server: HTTP API, auth, the sync endpoint, durable storage and projections.
//!
//! Layers, top to bottom (an arrow only points down):
//! `http` → `service` → `store` (traits) ← `store::sqlite`, `store::postgres` (the
//! backends); `cluster` links the nodes over one PostgreSQL database;
//! `state`, `policy`, `auth` and `error` are shared below `http`. The domain, the rules
//! and the protocol's frames live in `baoxiu-sync-core`.

pub mod auth;
pub mod cluster;
#[cfg(feature = "dev-tools")]
pub mod devtools;
pub mod error;
pub mod http;
pub mod hub;
pub mod policy;
pub mod serve;
pub mod service;
pub mod sessions;
pub mod state;
pub mod store;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use baoxiu_sync_core::{Clock, SystemClock};
use tokio::net::TcpListener;

pub use auth::Keys;
pub use error::{Error, Result};
pub use state::{AppState, Limits, Metrics};
pub use store::Store;
pub use store::sqlite::SqliteStore;

/// Where the server keeps its data and listens.
#[derive(Debug, Clone)]
pub struct Config {
    pub data: PathBuf,
    pub listen: SocketAddr,
}

/// The database file inside the data directory.
pub fn db_path(data: &Path) -> PathBuf {
    data.join("baoxiu.db")
}

/// Brings a database to this build's schema and exits (`baoxiu migrate`: for rolling
/// deploys, run once before the nodes of the new version start): the PostgreSQL database
/// at `database` when given, else the SQLite database of the data directory. Returns the
/// schema versions before and after. Blocks.
pub fn migrate(data: &Path, database: Option<&str>) -> Result<(i64, i64)> {
    match database {
        Some(url) if store::postgres::is_postgres_url(url) => {
            store::postgres::migrate(&mut store::postgres::connect(url)?)
        }
        Some(other) => Err(Error::Invalid(format!(
            "database {other:?}: a postgres:// or postgresql:// URL"
        ))),
        None => {
            std::fs::create_dir_all(data)
                .map_err(|e| Error::Internal(format!("{}: {e}", data.display())))?;
            SqliteStore::migrate(&db_path(data))
        }
    }
}

/// Writes a consistent copy of the data directory's database to the new file `to`, while
/// the server may be running (`baoxiu backup`; restoring is docs/deploy.md's procedure).
/// Blocks.
pub fn backup(data: &Path, to: &Path) -> Result<()> {
    SqliteStore::backup(&db_path(data), to)
}

/// A node over the PostgreSQL database at `url`, its own files (signing key unless
/// `BAOXIU_SIGNING_KEYS` gives the shared ones, the node's device id) in `data`, on the
/// system clock. The schema must be this build's (`baoxiu migrate`). Blocks.
pub fn open_postgres(data: &Path, url: &str) -> Result<AppState> {
    std::fs::create_dir_all(data)
        .map_err(|e| Error::Internal(format!("{}: {e}", data.display())))?;
    let keys = Keys::load(data).map_err(|e| Error::Internal(format!("signing key: {e}")))?;
    let device = node_device(data)?;
    let pg = store::postgres::PgStore::open(url, device)?;
    let mut state = AppState::new(Arc::new(pg.clone()), keys, Arc::new(SystemClock));
    state.cluster = Some(cluster::Cluster::new(pg));
    Ok(state)
}

/// This node's own device id (the actor of the changes it makes), kept in its data
/// directory: never shared by two processes, the same across its restarts.
fn node_device(data: &Path) -> Result<baoxiu_sync_core::DeviceId> {
    let path = data.join("node-device");
    match std::fs::read_to_string(&path) {
        Ok(s) => s
            .trim()
            .parse()
            .map_err(|_| Error::Corrupt(format!("{}: not a device id", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let d = baoxiu_sync_core::DeviceId::new();
            std::fs::write(&path, d.to_string())
                .map_err(|e| Error::Internal(format!("{}: {e}", path.display())))?;
            Ok(d)
        }
        Err(e) => Err(Error::Internal(format!("{}: {e}", path.display()))),
    }
}

/// Opens the data directory (creating it, its key and its database on first run), on the
/// system clock. Blocks: call it at start-up.
pub fn open(data: &Path) -> Result<AppState> {
    open_with_clock(data, Arc::new(SystemClock))
}

/// As [`open`], with the clock given (tests fix "now").
pub fn open_with_clock(data: &Path, clock: Arc<dyn Clock>) -> Result<AppState> {
    std::fs::create_dir_all(data)
        .map_err(|e| Error::Internal(format!("{}: {e}", data.display())))?;
    let keys = Keys::load(data).map_err(|e| Error::Internal(format!("signing key: {e}")))?;
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&db_path(data))?);
    Ok(AppState::new(store, keys, clock))
}

/// A running server: its address, and a handle that stops it gracefully.
#[derive(Debug)]
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Drains, then stops: unready and refusing new sessions at once, live sync sessions
    /// closed with "going away" (the devices reconnect, behind a balancer to another
    /// node); after `grace` (for the balancer to see the node unready) stops accepting,
    /// lets requests in flight finish, and waits.
    pub async fn drain(self, grace: std::time::Duration) -> std::io::Result<()> {
        self.state.shutdown.send_replace(true);
        tokio::time::sleep(grace).await;
        self.stop().await
    }

    /// Stops accepting, lets requests in flight finish, and waits.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        self.state.shutdown.send_replace(true);
        self.task.await.map_err(std::io::Error::other)?
    }
}

/// Binds and serves in the background (port 0 picks a free port).
pub async fn start(state: AppState, listen: SocketAddr) -> std::io::Result<Running> {
    let listener = TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let router = http::router(state.clone());
    let shutdown = state.shutdown.clone();
    let limits = state.limits;
    if let Some(c) = state.cluster.clone() {
        c.listen(
            state.hub.clone(),
            state.sessions.clone(),
            state.shutdown.subscribe(),
        )
        .await
        .map_err(std::io::Error::other)?;
    }
    tokio::spawn(hub::dispatch(
        state.hub.clone(),
        state.store.subscribe(),
        state.shutdown.subscribe(),
    ));
    let task = tokio::spawn(serve::serve(listener, router, limits, async move {
        let _ = stopped.await;
        // Long-lived sessions and streams end, so the drain finishes.
        shutdown.send_replace(true);
    }));
    Ok(Running {
        addr,
        state,
        stop: Some(stop),
        task,
    })
}
