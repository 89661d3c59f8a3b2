//! The server's shared state: the store, the signing keys, the clock, metrics, and the
//! shutdown signal that ends long-lived sessions.

use std::sync::Arc;
use std::sync::atomic::AtomicI64;

use baoxiu_sync_core::{Clock, Millis};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::auth::{Claims, Keys};
use crate::error::Error;
use crate::sessions::Sessions;
use crate::store::Store;

/// Limits on connections, each with its default; tests shorten them.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Open connections at most; one more is answered 503 and closed.
    pub max_connections: usize,
    /// A client must send a request's headers within this once it started them.
    pub header_read_timeout: std::time::Duration,
    /// A connection on which nothing was read or written for this long is closed (a
    /// silent socket, an idle keep-alive).
    pub idle_timeout: std::time::Duration,
    /// A sync session pings this often after its welcome…
    pub ws_ping_every: std::time::Duration,
    /// …and ends when nothing (not even a pong) came back for this long.
    pub ws_idle: std::time::Duration,
    /// A catch-up goes to a device in pages of about this many bytes (the protocol's
    /// `CATCH_UP_PAGE_BYTES`; smaller in tests).
    pub catch_up_page_bytes: usize,
    /// On SIGTERM the node first drains for this long — unready, live sessions told to
    /// reconnect (to another node, behind a balancer), new sessions refused — and only
    /// then stops accepting and lets requests in flight finish.
    pub drain_grace: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 4096,
            header_read_timeout: std::time::Duration::from_secs(10),
            idle_timeout: std::time::Duration::from_secs(60),
            ws_ping_every: std::time::Duration::from_secs(20),
            ws_idle: std::time::Duration::from_secs(60),
            catch_up_page_bytes: baoxiu_sync_core::protocol::CATCH_UP_PAGE_BYTES,
            drain_grace: std::time::Duration::from_secs(5),
        }
    }
}

/// Counters exported at `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    pub registry: std::sync::Mutex<Registry>,
    pub http_requests: Family<Vec<(String, String)>, Counter>,
    pub changes_stored: Counter,
    pub batches_refused: Family<Vec<(String, String)>, Counter>,
    pub sync_sessions: Gauge<i64, AtomicI64>,
}

impl Metrics {
    pub fn new() -> Arc<Self> {
        let m = Metrics::default();
        if let Ok(mut r) = m.registry.lock() {
            r.register(
                "baoxiu_http_requests",
                "HTTP requests by status class",
                m.http_requests.clone(),
            );
            r.register(
                "baoxiu_changes_stored",
                "Device changes durably stored",
                m.changes_stored.clone(),
            );
            r.register(
                "baoxiu_batches_refused",
                "Sync batches refused, by reason",
                m.batches_refused.clone(),
            );
            r.register(
                "baoxiu_sync_sessions",
                "Open sync sessions",
                m.sync_sessions.clone(),
            );
        }
        Arc::new(m)
    }
}

#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub keys: Keys,
    pub metrics: Arc<Metrics>,
    /// Where "now" comes from: the system clock in production, a fixed one in tests.
    pub clock: Arc<dyn Clock>,
    /// Flipped to true when the server shuts down, so long-lived sync sessions end.
    pub shutdown: tokio::sync::watch::Sender<bool>,
    /// Live sync sessions and event streams, to end them from outside.
    pub sessions: Arc<Sessions>,
    /// Whom each commit concerns, to wake only those sync sessions.
    pub hub: Arc<crate::hub::Hub>,
    /// The other nodes, when several share one PostgreSQL database.
    pub cluster: Option<crate::cluster::Cluster>,
    pub limits: Limits,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, keys: Keys, clock: Arc<dyn Clock>) -> Self {
        AppState {
            store,
            keys,
            metrics: Metrics::new(),
            clock,
            shutdown: tokio::sync::watch::channel(false).0,
            sessions: Arc::new(Sessions::default()),
            hub: Arc::new(crate::hub::Hub::default()),
            cluster: None,
            limits: Limits::default(),
        }
    }

    pub fn now(&self) -> Millis {
        self.clock.now()
    }

    /// The node is shutting down: it takes no new sessions and says it is not ready.
    pub fn draining(&self) -> bool {
        *self.shutdown.borrow()
    }

    /// Refuses work that would outlive a draining node (a sync session, an event stream).
    pub fn refuse_if_draining(&self) -> Result<(), Error> {
        if self.draining() {
            return Err(Error::Unavailable(
                "this server is shutting down; reconnect (to another node)".into(),
            ));
        }
        Ok(())
    }

    /// Verifies a token and that its user is active with the same token version, role and
    /// office (so deactivation and role changes revoke old tokens).
    pub async fn authenticate(&self, token: &str) -> Result<Claims, Error> {
        let claims = self.keys.verify(token)?;
        self.check_user(claims).await
    }

    /// Checks verified claims against the user as stored now.
    pub async fn check_user(&self, claims: Claims) -> Result<Claims, Error> {
        let user = self
            .store
            .user(claims.sub)
            .await?
            .ok_or_else(|| Error::Unauthorized("unknown user".into()))?;
        if !user.active || user.token_version != claims.ver {
            return Err(Error::Unauthorized("token revoked".into()));
        }
        if user.role != claims.role || user.office != claims.office {
            return Err(Error::Unauthorized("token does not match the user".into()));
        }
        Ok(claims)
    }
}
