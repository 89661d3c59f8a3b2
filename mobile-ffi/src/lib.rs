//! UniFFI bindings over baoxiu-sync-core: the technician's replica for Kotlin (Android),
//! Swift (iOS) and Python (tests). Automerge stays behind this API; everything crossing it
//! is plain records, strings and integers (money in minor units, times in UTC millis).

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use baoxiu_sync_core::client::{ClientConfig, SyncClient, SyncObserver, SyncStatus};
use baoxiu_sync_core::{
    Author, Customer, DeviceId, FeeItem, Money, OfficeId, OrderId, PassFail, Point, Role, Store,
    UserId, WorkOrderState,
};

uniffi::setup_scaffolding!();

mod cases;
mod records;

pub use cases::*;
pub use records::*;

/// The bindings' one error type, converted from the core's errors in one place.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum ReplicaError {
    /// A domain rule refused the command; nothing was written. `rule` is its id (R-…).
    #[error("{rule}: {message}")]
    Rule { rule: String, message: String },
    #[error("invalid input: {message}")]
    InvalidInput { message: String },
    #[error("not found: {message}")]
    NotFound { message: String },
    /// The local database failed or holds damaged data.
    #[error("storage: {message}")]
    Storage { message: String },
    #[error("sync: {message}")]
    Sync { message: String },
}

impl From<baoxiu_sync_core::Error> for ReplicaError {
    fn from(e: baoxiu_sync_core::Error) -> Self {
        use baoxiu_sync_core::Error as E;
        match e {
            E::Rule(v) => ReplicaError::Rule {
                rule: v.rule().to_owned(),
                message: v.to_string(),
            },
            E::InvalidInput(m) => ReplicaError::InvalidInput { message: m },
            E::NotFound(m) => ReplicaError::NotFound { message: m },
            other => ReplicaError::Storage {
                message: other.to_string(),
            },
        }
    }
}

type R<T> = Result<T, ReplicaError>;

fn order_id(s: &str) -> R<OrderId> {
    s.parse().map_err(|_| ReplicaError::InvalidInput {
        message: format!("order id {s:?}"),
    })
}

/// The observers registered now, copied so that they are called with no lock held (an
/// observer may subscribe or read state from inside its callback).
fn snapshot(list: &ObserverList) -> Vec<Arc<dyn ReplicaObserver>> {
    list.lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .map(|(_, o)| o.clone())
        .collect()
}

/// Who a token says its holder is: the user, device and role the replica writes as.
/// (The server verifies the token; the device only reads it, so the ids cannot disagree.)
fn token_identity(token: &str) -> R<Author> {
    token_claims(token).map(|(author, _)| author)
}

/// The token's person on their device, and their office.
fn token_claims(token: &str) -> R<(Author, OfficeId)> {
    use base64::Engine;
    #[derive(serde::Deserialize)]
    struct Claims {
        sub: UserId,
        role: Role,
        office: OfficeId,
        device: Option<DeviceId>,
    }
    let bad = |m: &str| ReplicaError::InvalidInput {
        message: format!("token: {m}"),
    };
    let payload = token.split('.').nth(1).ok_or_else(|| bad("not a JWT"))?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| bad("payload is not base64url"))?;
    let c: Claims = serde_json::from_slice(&bytes).map_err(|_| bad("unreadable claims"))?;
    let device = c
        .device
        .ok_or_else(|| bad("not bound to a device (ask for a device token)"))?;
    Ok((
        Author {
            user: c.sub,
            device,
            role: c.role,
        },
        c.office,
    ))
}

/// Implemented by the app: told when sync state or orders change.
#[uniffi::export(with_foreign)]
pub trait ReplicaObserver: Send + Sync {
    fn on_sync_state(&self, state: SyncStateRecord);
    fn on_orders_changed(&self, order_ids: Vec<String>);
}

type ObserverList = Arc<Mutex<Vec<(u64, Arc<dyn ReplicaObserver>)>>>;

struct Bridge(ObserverList);

impl SyncObserver for Bridge {
    fn on_status(&self, status: &SyncStatus) {
        for o in snapshot(&self.0) {
            o.on_sync_state(SyncStateRecord::from(status));
        }
    }

    fn on_orders_changed(&self, orders: &[OrderId]) {
        let ids: Vec<String> = orders.iter().map(|o| o.to_string()).collect();
        for o in snapshot(&self.0) {
            o.on_orders_changed(ids.clone());
        }
    }
}

/// Keeps an observer registered; dropping it stops the notifications.
#[derive(uniffi::Object)]
pub struct Subscription {
    id: u64,
    observers: ObserverList,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Subscription({})", self.id)
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.observers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|(i, _)| *i != self.id);
    }
}

#[uniffi::export]
impl Subscription {
    /// Stops the notifications now (dropping does the same).
    pub fn cancel(&self) {
        self.observers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|(i, _)| *i != self.id);
    }
}

/// The technician's replica: the local store of their work orders, the commands of the
/// repair procedure, and sync.
#[derive(uniffi::Object)]
pub struct Replica {
    store: Arc<Mutex<Store>>,
    /// The holder's office (from the token): the office a case is opened in.
    office: OfficeId,
    runtime: tokio::runtime::Runtime,
    server_url: String,
    token: Mutex<String>,
    client: Mutex<Option<SyncClient>>,
    observers: ObserverList,
    next_observer: Mutex<u64>,
}

impl std::fmt::Debug for Replica {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replica")
            .field("server_url", &self.server_url)
            .finish()
    }
}

impl Replica {
    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs a command, then tells the sync client and the observers.
    fn record(
        &self,
        order: &str,
        f: impl FnOnce(&mut Store, OrderId) -> Result<WorkOrderState, baoxiu_sync_core::Error>,
    ) -> R<OrderRecord> {
        let id = order_id(order)?;
        let s = f(&mut self.store(), id)?;
        self.changed(vec![order.to_owned()]);
        Ok(s.into())
    }

    fn changed(&self, ids: Vec<String>) {
        if let Some(c) = self
            .client
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            c.local_change();
        }
        for o in snapshot(&self.observers) {
            o.on_orders_changed(ids.clone());
        }
    }

    fn start_client(&self) -> SyncClient {
        let token = self.token.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let _guard = self.runtime.enter();
        let client = SyncClient::start(
            self.store.clone(),
            ClientConfig::new(self.server_url.clone(), token),
        );
        client.observe(Arc::new(Bridge(self.observers.clone())));
        client
    }
}

#[uniffi::export]
impl Replica {
    /// Opens (or creates) the replica at `path` for the holder of `token` — its user,
    /// device and role come from the token, so they cannot disagree with what the server
    /// checks. `server_url` is the sync endpoint, e.g. `ws://host:8080/sync`.
    #[uniffi::constructor]
    pub fn open(path: String, server_url: String, token: String) -> R<Arc<Self>> {
        let (author, office) = token_claims(&token)?;
        let store = Store::open(Path::new(&path), author)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("baoxiu-sync")
            .enable_all()
            .build()
            .map_err(|e| ReplicaError::Sync {
                message: e.to_string(),
            })?;
        Ok(Arc::new(Replica {
            store: Arc::new(Mutex::new(store)),
            office,
            runtime,
            server_url,
            token: Mutex::new(token),
            client: Mutex::new(None),
            observers: Arc::new(Mutex::new(Vec::new())),
            next_observer: Mutex::new(0),
        }))
    }

    /// Replaces the token (e.g. after signing in again); takes effect on the next
    /// connection. It must be the same person on the same device as the replica's.
    pub fn set_token(&self, token: String) -> R<()> {
        let who = token_identity(&token)?;
        if who != *self.store().author() {
            return Err(ReplicaError::InvalidInput {
                message: "the token is another user's or another device's".into(),
            });
        }
        *self.token.lock().unwrap_or_else(|p| p.into_inner()) = token;
        Ok(())
    }

    /// Changes the server refused for good, kept on the device.
    pub fn refused_changes(&self) -> R<Vec<RefusedChangeRecord>> {
        Ok(self
            .store()
            .refused_changes()?
            .into_iter()
            .map(|(order, _, code, message)| RefusedChangeRecord {
                order_id: order.to_string(),
                code,
                message,
            })
            .collect())
    }

    pub fn list_orders(&self) -> R<Vec<OrderSummaryRecord>> {
        Ok(self
            .store()
            .list_orders()?
            .into_iter()
            .map(|o| OrderSummaryRecord {
                id: o.id.to_string(),
                status: o.status,
                customer_name: o.customer_name,
                unit: o.unit,
                description: o.description,
                appointment: o.appointment,
                total: o.total.0,
                anomalies: o.anomalies,
            })
            .collect())
    }

    pub fn order(&self, id: String) -> R<OrderRecord> {
        Ok(self.store().order_state(order_id(&id)?)?.into())
    }

    /// R-ARRIVE
    pub fn arrive(&self, order: String, confirmed_items: Vec<String>) -> R<OrderRecord> {
        self.record(&order, |s, id| s.arrive(id, confirmed_items))
    }

    /// R-CONSENT: the fee standard told to the customer.
    pub fn tell_fee(&self, order: String, paid: bool, items: Vec<FeeItemRecord>) -> R<OrderRecord> {
        self.record(&order, |s, id| {
            s.tell_fee(id, paid, items.into_iter().map(FeeItem::from).collect())
        })
    }

    /// R-CONSENT
    pub fn record_consent(&self, order: String) -> R<OrderRecord> {
        self.record(&order, |s, id| s.record_consent(id))
    }

    /// R-CONSENT: the job ends without work.
    pub fn record_refusal(&self, order: String, reason: String) -> R<OrderRecord> {
        self.record(&order, |s, id| s.record_refusal(id, reason))
    }

    /// R-MATERIALS
    pub fn check_material(
        &self,
        order: String,
        name: String,
        supplied_by_customer: bool,
        passed: bool,
        note: String,
    ) -> R<OrderRecord> {
        let result = if passed {
            PassFail::Pass
        } else {
            PassFail::Fail
        };
        self.record(&order, |s, id| {
            s.check_material(id, name, supplied_by_customer, result, note)
        })
    }

    /// R-PREMISES
    pub fn premises_consent(&self, order: String, what: String, granted: bool) -> R<OrderRecord> {
        self.record(&order, |s, id| s.premises_consent(id, what, granted))
    }

    /// R-PREMISES
    pub fn record_damage(
        &self,
        order: String,
        what: String,
        compensation: i64,
        apologised: bool,
    ) -> R<OrderRecord> {
        self.record(&order, |s, id| {
            s.record_damage(id, what, Money(compensation), apologised)
        })
    }

    /// R-COMPLETE
    pub fn complete(
        &self,
        order: String,
        test_passed: bool,
        cleaned_up: bool,
        items: Vec<FeeItemRecord>,
        notes: String,
    ) -> R<OrderRecord> {
        let result = if test_passed {
            PassFail::Pass
        } else {
            PassFail::Fail
        };
        self.record(&order, |s, id| {
            s.complete(
                id,
                result,
                cleaned_up,
                items.into_iter().map(FeeItem::from).collect(),
                notes,
            )
        })
    }

    /// R-COMPLETE: the customer signs for the fees the order shows now.
    pub fn customer_sign(
        &self,
        order: String,
        signer: String,
        strokes: Vec<StrokeRecord>,
    ) -> R<OrderRecord> {
        let strokes: Vec<Vec<Point>> = strokes
            .into_iter()
            .map(|s| {
                s.points
                    .into_iter()
                    .map(|p| Point { x: p.x, y: p.y })
                    .collect()
            })
            .collect();
        self.record(&order, |s, id| s.customer_sign(id, signer, &strokes))
    }

    /// R-COMPLETE
    pub fn technician_sign(&self, order: String) -> R<OrderRecord> {
        self.record(&order, |s, id| s.technician_sign(id))
    }

    /// R-PAID: the fee schedule held on this phone, to quote from offline (`None` until a
    /// sync brought one).
    pub fn fee_schedule(&self) -> R<Option<FeeScheduleRecord>> {
        Ok(self.store().fee_schedule()?.map(FeeScheduleRecord::from))
    }

    /// R-APPOINT: book the visit agreed with the customer (UTC ms), offline if need be.
    pub fn book(&self, order: String, at: i64) -> R<OrderRecord> {
        self.record(&order, |s, id| s.book(id, at))
    }

    /// R-APPOINT: a new time; it counts only with the customer's consent, given before the
    /// booked time plus 10 minutes.
    pub fn reschedule(
        &self,
        order: String,
        at: i64,
        customer_consented: bool,
        reason: String,
    ) -> R<OrderRecord> {
        self.record(&order, |s, id| {
            s.reschedule(id, at, customer_consented, reason)
        })
    }

    pub fn add_note(&self, order: String, text: String) -> R<OrderRecord> {
        self.record(&order, |s, id| s.add_note(id, text))
    }

    /// R-INTAKE: a follow-up job found on site; returns the new order.
    pub fn create_field_order(
        &self,
        found_on: String,
        customer_name: String,
        unit: String,
        phone: String,
        description: String,
    ) -> R<OrderRecord> {
        let on = order_id(&found_on)?;
        let s = self.store().create_field_order(
            on,
            Customer {
                name: customer_name,
                unit,
                phone,
            },
            description,
        )?;
        self.changed(vec![s.order.to_string()]);
        Ok(s.into())
    }

    /// Local changes the server has not acknowledged yet.
    pub fn pending_changes(&self) -> R<u32> {
        Ok(u32::try_from(self.store().pending_changes()?.len()).unwrap_or(u32::MAX))
    }

    /// Keeps syncing in the background (reconnecting with backoff) until `stop_sync`.
    pub fn start_sync(&self) {
        let mut c = self.client.lock().unwrap_or_else(|p| p.into_inner());
        if c.is_none() {
            *c = Some(self.start_client());
        }
    }

    pub fn stop_sync(&self) {
        let client = self.client.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(c) = client {
            self.runtime.block_on(c.stop());
        }
    }

    /// Syncs until up to date with nothing pending, or the timeout; returns the state.
    /// Starts background sync if it was not running, and leaves it as it found it.
    pub fn sync_now(&self, timeout_ms: u64) -> SyncStateRecord {
        let was_running = self
            .client
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some();
        self.start_sync();
        let deadline = std::time::Instant::now() + Duration::from_millis(timeout_ms);
        let mut state = self.sync_state();
        while std::time::Instant::now() < deadline {
            state = self.sync_state();
            if state.connection == SyncConnection::UpToDate && state.pending == 0 {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        if !was_running {
            self.stop_sync();
        }
        state
    }

    pub fn sync_state(&self) -> SyncStateRecord {
        match self
            .client
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            Some(c) => SyncStateRecord::from(&c.status()),
            None => {
                let store = self.store();
                let refused = store.refused_changes().unwrap_or_default();
                SyncStateRecord {
                    connection: SyncConnection::Offline,
                    pending: store
                        .pending_changes()
                        .map(|p| u32::try_from(p.len()).unwrap_or(u32::MAX))
                        .unwrap_or(0),
                    last_sync: store.last_sync().ok().flatten(),
                    last_error: None,
                    refused: u32::try_from(refused.len()).unwrap_or(u32::MAX),
                    refused_reason: refused.last().map(|(_, _, c, m)| format!("{c}: {m}")),
                }
            }
        }
    }

    /// Registers an observer until the returned subscription is dropped or cancelled.
    pub fn observe(&self, observer: Arc<dyn ReplicaObserver>) -> Arc<Subscription> {
        let mut n = self.next_observer.lock().unwrap_or_else(|p| p.into_inner());
        *n += 1;
        self.observers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((*n, observer));
        Arc::new(Subscription {
            id: *n,
            observers: self.observers.clone(),
        })
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let client = self.client.get_mut().ok().and_then(|c| c.take());
        if let Some(c) = client {
            self.runtime.block_on(c.stop());
        }
    }
}
