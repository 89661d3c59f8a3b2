//! What one node tells the others, through PostgreSQL's LISTEN/NOTIFY: the orders it
//! committed (so the others wake their live sessions and consoles), and the sync sessions
//! it opened (so another node ends that device's older session: one live session per
//! device across nodes).
//!
//! A notification sent inside a transaction is delivered on its commit and never if it
//! rolls back, so a node announces a commit in the commit itself. Notifications are a
//! wake-up, not the data: a node whose listener lost its connection may have missed some,
//! and says so (`Heard::Missed`); its sessions then read their catch-up by cursor and
//! converge all the same.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::sql::Sql;
use baoxiu_sync_core::{DeviceId, Millis, OfficeId, OrderId, UserId};
use postgres::fallible_iterator::FallibleIterator;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::error::{Error, Result};
use crate::store::{Committed, CommittedOrder};

const CHANNEL: &str = "baoxiu";
/// PostgreSQL refuses a payload of 8,000 bytes or more: a larger commit is announced in
/// parts of at most this much.
const PAYLOAD_MAX: usize = 7_000;

/// What a node heard from the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    /// Orders another node committed (one part of its commit, when it was large).
    Committed(Committed),
    /// Another node opened a sync session for this device at this instant (its clock).
    SessionOpened(DeviceId, Millis),
    /// The listener was disconnected and is back: anything may have been missed.
    Missed,
}

#[derive(Debug, Serialize, Deserialize)]
struct Order {
    o: OrderId,
    f: OfficeId,
    t: Vec<UserId>,
    c: UserId,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "k")]
enum Wire {
    #[serde(rename = "c")]
    Committed {
        n: uuid::Uuid,
        s: u64,
        o: Vec<Order>,
    },
    #[serde(rename = "s")]
    Session {
        n: uuid::Uuid,
        d: DeviceId,
        t: Millis,
    },
}

impl Wire {
    fn node(&self) -> uuid::Uuid {
        match self {
            Wire::Committed { n, .. } | Wire::Session { n, .. } => *n,
        }
    }
}

fn encode(w: &Wire) -> Result<String> {
    serde_json::to_string(w).map_err(|e| Error::Internal(format!("notification: {e}")))
}

/// This node's voice on the bus.
#[derive(Debug, Clone)]
pub struct Bus {
    node: uuid::Uuid,
}

impl Bus {
    pub fn new(node: uuid::Uuid) -> Self {
        Bus { node }
    }

    fn notify(&self, c: &mut impl Sql, payload: &str) -> Result<()> {
        c.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &payload])?;
        Ok(())
    }

    /// Announces a commit, in its transaction (`c`): the others hear it once it commits.
    pub fn committed(&self, c: &mut impl Sql, note: &Committed) -> Result<()> {
        let mut part: Vec<Order> = Vec::new();
        let mut size = 0usize;
        for o in &note.orders {
            let order = Order {
                o: o.order,
                f: o.office,
                t: o.technicians.clone(),
                c: o.created_by,
            };
            let len = encode_len(&order)?;
            if !part.is_empty() && size + len > PAYLOAD_MAX {
                self.send_part(c, note.seq, std::mem::take(&mut part))?;
                size = 0;
            }
            size += len;
            part.push(order);
        }
        if !part.is_empty() {
            self.send_part(c, note.seq, part)?;
        }
        Ok(())
    }

    fn send_part(&self, c: &mut impl Sql, seq: u64, orders: Vec<Order>) -> Result<()> {
        let payload = encode(&Wire::Committed {
            n: self.node,
            s: seq,
            o: orders,
        })?;
        self.notify(c, &payload)
    }

    /// Announces a sync session opened on this node for `device` at `at`.
    pub fn session_opened(&self, c: &mut impl Sql, device: DeviceId, at: Millis) -> Result<()> {
        let payload = encode(&Wire::Session {
            n: self.node,
            d: device,
            t: at,
        })?;
        self.notify(c, &payload)
    }

    /// Listens for the other nodes on a connection of its own (a thread) until the
    /// returned `Listener` is dropped; reconnects after a lost connection, saying
    /// `Missed`.
    pub fn listen(&self, url: &str) -> Result<(Listener, mpsc::UnboundedReceiver<Heard>)> {
        let first = super::connect(url)?;
        let (tx, rx) = mpsc::unbounded_channel();
        let stop = Arc::new(AtomicBool::new(false));
        let (url, node, stopped) = (url.to_owned(), self.node, stop.clone());
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("baoxiu-bus".into())
            .spawn(move || listen(first, &url, node, &tx, &stopped, ready_tx))
            .map_err(|e| Error::Internal(format!("bus thread: {e}")))?;
        // Listening once this returns: nothing committed after it is missed.
        ready_rx
            .recv_timeout(Duration::from_secs(30))
            .map_err(|_| Error::Unavailable("the bus did not start listening".into()))??;
        Ok((Listener { stop }, rx))
    }
}

fn encode_len(o: &Order) -> Result<usize> {
    Ok(serde_json::to_vec(o)
        .map_err(|e| Error::Internal(format!("notification: {e}")))?
        .len()
        + 1)
}

/// Stops the listening thread when dropped.
#[derive(Debug)]
pub struct Listener {
    stop: Arc<AtomicBool>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn listen(
    mut client: postgres::Client,
    url: &str,
    node: uuid::Uuid,
    tx: &mpsc::UnboundedSender<Heard>,
    stop: &AtomicBool,
    ready: std::sync::mpsc::Sender<Result<()>>,
) {
    let mut ready = Some(ready);
    let mut backoff = Duration::from_millis(100);
    loop {
        match client.batch_execute(&format!("LISTEN {CHANNEL}")) {
            Ok(()) => {
                backoff = Duration::from_millis(100);
                match ready.take() {
                    Some(r) => {
                        let _ = r.send(Ok(()));
                    }
                    // Back after a lost connection: what was said meanwhile is lost.
                    None => {
                        if tx.send(Heard::Missed).is_err() {
                            return;
                        }
                    }
                }
                if !hear(&mut client, node, tx, stop) {
                    return;
                }
            }
            Err(e) => {
                if let Some(r) = ready.take() {
                    let _ = r.send(Err(e.into()));
                    return;
                }
            }
        }
        // The connection is gone: connect again, more slowly each time.
        loop {
            if stop.load(Ordering::SeqCst) || tx.is_closed() {
                return;
            }
            std::thread::sleep(backoff);
            backoff = (backoff * 2).min(Duration::from_secs(5));
            match super::connect(url) {
                Ok(c) => {
                    client = c;
                    break;
                }
                Err(e) => tracing::warn!(error = %e, "bus: reconnecting"),
            }
        }
    }
}

/// Forwards notifications until the connection drops (false: stop for good).
fn hear(
    client: &mut postgres::Client,
    node: uuid::Uuid,
    tx: &mpsc::UnboundedSender<Heard>,
    stop: &AtomicBool,
) -> bool {
    loop {
        if stop.load(Ordering::SeqCst) || tx.is_closed() {
            return false;
        }
        let mut notes = client.notifications();
        let mut it = notes.timeout_iter(Duration::from_millis(250));
        loop {
            let n = match it.next() {
                Ok(Some(n)) => n,
                Ok(None) => break,
                Err(_) => return true,
            };
            let heard = match serde_json::from_str::<Wire>(n.payload()) {
                Ok(w) if w.node() == node => continue,
                Ok(Wire::Committed { s, o, .. }) => Heard::Committed(Committed {
                    seq: s,
                    orders: o
                        .into_iter()
                        .map(|o| CommittedOrder {
                            order: o.o,
                            office: o.f,
                            technicians: o.t,
                            created_by: o.c,
                        })
                        .collect(),
                }),
                Ok(Wire::Session { d, t, .. }) => Heard::SessionOpened(d, t),
                // Not ours to read (another version's): treat as a commit we cannot
                // place — everyone reads their catch-up.
                Err(e) => {
                    tracing::warn!(error = %e, "bus: a notification that does not decode");
                    Heard::Missed
                }
            };
            if tx.send(heard).is_err() {
                return false;
            }
        }
        drop(it);
        drop(notes);
        if client.is_closed() {
            return true;
        }
    }
}
