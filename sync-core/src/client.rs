//! The device's sync client (feature `client`): keeps a replica in step with the server
//! over `/sync`, reconnecting with backoff and jitter, pushing local changes as they are
//! made while online, and reporting its state to observers.
//!
//! Nothing is lost when the connection drops at any point: local changes leave the outbox
//! only when acknowledged, received changes are applied idempotently, and the cursor is
//! stored only after everything it covers was applied. So a retry re-sends at most what
//! was in flight, and the server acks duplicates without storing them twice.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::{Notify, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::Error;
use crate::model::{Millis, OrderId};
use crate::protocol::{Frame, MAX_DOWNLOAD_FRAME_BYTES};
use crate::session::ClientSession;
use crate::store::Store;

/// Where the replica stands with the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    Offline,
    Syncing,
    UpToDate,
}

/// What observers see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncStatus {
    pub connection: Connection,
    /// Local changes the server has not acknowledged.
    pub pending: u32,
    /// When the replica was last fully up to date (device clock).
    pub last_sync: Option<Millis>,
    pub last_error: Option<String>,
    /// Local changes the server refused for good (set aside, never resent), and why the
    /// last of them was refused: the app shows them; they are not silently dropped.
    pub refused: u32,
    pub refused_reason: Option<String>,
}

/// Told about status changes and about orders that changed through sync.
pub trait SyncObserver: Send + Sync {
    fn on_status(&self, status: &SyncStatus);
    fn on_orders_changed(&self, orders: &[OrderId]);
}

/// How to reach the server and how patiently to retry.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `ws://host:port/sync`
    pub url: String,
    pub token: String,
    pub min_backoff: Duration,
    pub max_backoff: Duration,
    /// How long to wait for the server's answer (welcome, ack) before giving up on the
    /// connection and reconnecting: a lost frame must not stall the replica.
    pub reply_timeout: Duration,
    /// When up to date and idle this long, reconnect once: a cheap round trip that also
    /// catches anything a broken link swallowed (a push lost on the way is otherwise only
    /// noticed at the next push).
    pub idle_resync: Duration,
}

impl ClientConfig {
    pub fn new(url: impl Into<String>, token: impl Into<String>) -> Self {
        ClientConfig {
            url: url.into(),
            token: token.into(),
            min_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(60),
            reply_timeout: Duration::from_secs(30),
            idle_resync: Duration::from_secs(300),
        }
    }
}

type Observers = Arc<Mutex<Vec<(u64, Arc<dyn SyncObserver>)>>>;

/// A running sync client. Dropping it (or `stop`) ends the connection.
pub struct SyncClient {
    store: Arc<Mutex<Store>>,
    local_change: Arc<Notify>,
    stop: watch::Sender<bool>,
    status: Arc<Mutex<SyncStatus>>,
    observers: Observers,
    next_id: Mutex<u64>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for SyncClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncClient")
            .field("status", &self.status())
            .finish()
    }
}

fn now() -> Millis {
    chrono::Utc::now().timestamp_millis()
}

fn lock(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    // A panic while holding the lock leaves the SQLite store consistent (transactions),
    // so a poisoned lock is still safe to use.
    store.lock().unwrap_or_else(|p| p.into_inner())
}

struct Shared {
    store: Arc<Mutex<Store>>,
    status: Arc<Mutex<SyncStatus>>,
    observers: Observers,
}

impl Shared {
    fn set(&self, f: impl FnOnce(&mut SyncStatus)) {
        let snapshot = {
            let mut s = self.status.lock().unwrap_or_else(|p| p.into_inner());
            let before = s.clone();
            f(&mut s);
            {
                let store = lock(&self.store);
                s.pending = store
                    .pending_changes()
                    .map(|p| u32::try_from(p.len()).unwrap_or(u32::MAX))
                    .unwrap_or(s.pending);
                if let Ok(refused) = store.refused_changes() {
                    s.refused = u32::try_from(refused.len()).unwrap_or(u32::MAX);
                    s.refused_reason = refused.last().map(|(_, _, c, m)| format!("{c}: {m}"));
                }
                if let Some(at) = s.last_sync.filter(|_| s.last_sync != before.last_sync)
                    && let Err(e) = store.set_last_sync(at)
                {
                    tracing::warn!(error = %e, "could not keep the last sync time");
                }
            }
            (*s != before).then(|| s.clone())
        };
        if let Some(s) = snapshot {
            // Observers are called with no lock held: one may subscribe or read the state
            // from inside its callback.
            for o in self.observers() {
                o.on_status(&s);
            }
        }
    }

    fn observers(&self) -> Vec<Arc<dyn SyncObserver>> {
        self.observers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(_, o)| o.clone())
            .collect()
    }

    fn changed(&self, orders: &[OrderId]) {
        if orders.is_empty() {
            return;
        }
        for o in self.observers() {
            o.on_orders_changed(orders);
        }
    }
}

impl SyncClient {
    /// Starts syncing `store` in the background on the current Tokio runtime.
    pub fn start(store: Arc<Mutex<Store>>, config: ClientConfig) -> SyncClient {
        let status = {
            // One lock for every field: a guard lives to the end of its statement.
            let s = lock(&store);
            let refused = s.refused_changes().unwrap_or_default();
            Arc::new(Mutex::new(SyncStatus {
                connection: Connection::Offline,
                pending: s
                    .pending_changes()
                    .map(|p| u32::try_from(p.len()).unwrap_or(u32::MAX))
                    .unwrap_or(0),
                last_sync: s.last_sync().ok().flatten(),
                last_error: None,
                refused: u32::try_from(refused.len()).unwrap_or(u32::MAX),
                refused_reason: refused.last().map(|(_, _, c, m)| format!("{c}: {m}")),
            }))
        };
        let observers: Observers = Arc::new(Mutex::new(Vec::new()));
        let local_change = Arc::new(Notify::new());
        let (stop, stopped) = watch::channel(false);
        let shared = Shared {
            store: store.clone(),
            status: status.clone(),
            observers: observers.clone(),
        };
        let task = tokio::spawn(run(shared, config, local_change.clone(), stopped));
        SyncClient {
            store,
            local_change,
            stop,
            status,
            observers,
            next_id: Mutex::new(0),
            task: Some(task),
        }
    }

    pub fn store(&self) -> &Arc<Mutex<Store>> {
        &self.store
    }

    /// Call after recording something locally: it is pushed at once if online.
    pub fn local_change(&self) {
        self.local_change.notify_one();
    }

    pub fn status(&self) -> SyncStatus {
        self.status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Adds an observer; returns its id for [`SyncClient::unobserve`].
    pub fn observe(&self, o: Arc<dyn SyncObserver>) -> u64 {
        let mut id = self.next_id.lock().unwrap_or_else(|p| p.into_inner());
        *id += 1;
        self.observers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((*id, o));
        *id
    }

    pub fn unobserve(&self, id: u64) {
        self.observers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|(i, _)| *i != id);
    }

    /// Stops syncing and waits for the connection to close.
    pub async fn stop(mut self) {
        self.stop.send_replace(true);
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for SyncClient {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

/// Exponential backoff with full jitter.
fn backoff(config: &ClientConfig, attempt: u32) -> Duration {
    let base = config.min_backoff.as_millis() as u64;
    let cap = config.max_backoff.as_millis() as u64;
    let exp = base.saturating_mul(1u64 << attempt.min(20)).min(cap).max(1);
    Duration::from_millis(rand::random_range(exp / 2..=exp))
}

async fn run(
    shared: Shared,
    config: ClientConfig,
    local: Arc<Notify>,
    mut stopped: watch::Receiver<bool>,
) {
    let mut attempt = 0u32;
    loop {
        if *stopped.borrow() {
            break;
        }
        shared.set(|s| s.connection = Connection::Syncing);
        let result = tokio::select! {
            r = connection(&shared, &config, &local) => r,
            _ = stopped.changed() => break,
        };
        let err = match result {
            Ok(()) => {
                // A session that ended normally (idle resync) starts backoff afresh.
                attempt = 0;
                None
            }
            Err(e) => Some(e.to_string()),
        };
        shared.set(|s| {
            s.connection = Connection::Offline;
            if err.is_some() {
                s.last_error = err.clone();
            }
        });
        let wait = backoff(&config, attempt);
        attempt = attempt.saturating_add(1);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stopped.changed() => break,
        }
    }
    shared.set(|s| s.connection = Connection::Offline);
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn send(ws: &mut Ws, f: &Frame) -> Result<(), Error> {
    ws.send(Message::Binary(f.encode().into()))
        .await
        .map_err(|e| Error::InvalidInput(format!("send: {e}")))
}

/// One connection: hello, welcome, then live until it drops.
async fn connection(shared: &Shared, config: &ClientConfig, local: &Notify) -> Result<(), Error> {
    let mut req = config
        .url
        .as_str()
        .into_client_request()
        .map_err(|e| Error::InvalidInput(format!("url: {e}")))?;
    let auth = format!("Bearer {}", config.token)
        .parse()
        .map_err(|_| Error::InvalidInput("token is not a valid header".into()))?;
    req.headers_mut().insert("Authorization", auth);
    let ws_config = WebSocketConfig::default()
        .max_message_size(Some(MAX_DOWNLOAD_FRAME_BYTES))
        .max_frame_size(Some(MAX_DOWNLOAD_FRAME_BYTES));
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(req, Some(ws_config), false)
        .await
        .map_err(|e| Error::InvalidInput(format!("connect: {e}")))?;
    let mut session = ClientSession::new();
    let hello = session.hello(&lock(&shared.store), now())?;
    send(&mut ws, &hello).await?;
    let mut in_flight = 0usize;
    loop {
        let waiting = !session.is_caught_up() || in_flight > 0;
        tokio::select! {
            _ = tokio::time::sleep(config.reply_timeout), if waiting => {
                return Err(Error::InvalidInput("no answer from the server in time".into()));
            }
            _ = tokio::time::sleep(config.idle_resync), if !waiting => {
                let _ = ws.close(None).await;
                return Ok(());
            }
            msg = ws.next() => {
                let bytes = match msg {
                    Some(Ok(Message::Binary(b))) => b,
                    // A draining node says "going away": reconnect at once, as after a
                    // normal end (behind a balancer the next connection reaches another
                    // node), not after a growing backoff.
                    Some(Ok(Message::Close(Some(f)))) if f.code == CloseCode::Away => {
                        return Ok(());
                    }
                    Some(Ok(Message::Close(_))) | None => {
                        return Err(Error::InvalidInput("the server closed the connection".into()));
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => return Err(Error::InvalidInput(format!("receive: {e}"))),
                };
                let frame = Frame::decode(&bytes, MAX_DOWNLOAD_FRAME_BYTES)?;
                let is_reply = matches!(frame, Frame::Ack(_) | Frame::Error(_));
                let out = {
                    let mut store = lock(&shared.store);
                    session.handle(&mut store, frame, now())?
                };
                if is_reply {
                    in_flight = in_flight.saturating_sub(1);
                }
                for f in &out.send {
                    send(&mut ws, f).await?;
                    in_flight += 1;
                }
                shared.changed(&out.changed);
                if let Some(e) = &out.error {
                    let m = format!("{:?}: {}", e.code, e.message);
                    shared.set(|s| s.last_error = Some(m));
                }
                if session.is_caught_up() && in_flight == 0 {
                    shared.set(|s| {
                        s.connection = Connection::UpToDate;
                        s.last_sync = Some(now());
                    });
                } else {
                    shared.set(|_| {});
                }
            }
            _ = local.notified(), if session.is_live() => {
                let push = session.push_pending(&lock(&shared.store))?;
                if let Some(f) = push {
                    send(&mut ws, &f).await?;
                    in_flight += 1;
                    shared.set(|s| s.connection = Connection::Syncing);
                }
            }
        }
    }
}
