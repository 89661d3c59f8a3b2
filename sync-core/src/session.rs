//! The device's side of the sync protocol, sans I/O: it turns the store into frames to
//! send and applies the frames received. The caller owns the connection.
//!
//! Losing the connection at any point loses nothing: local changes leave the outbox only
//! when the server acknowledged them, and received changes are applied idempotently.

use std::collections::{BTreeMap, HashSet};

use automerge::{Change, ChangeHash};

use crate::Error;
use crate::doc::{actor_for, heads_of_saved};
use crate::model::{Millis, OrderId};
use crate::protocol::{
    Ack, Document, ErrorCode, ErrorFrame, Frame, Hash, Hello, MAX_CHANGES_PER_FRAME, OrderChanges,
    PROTOCOL_VERSION, Push, UPLOAD_PAGE_BYTES, Welcome,
};
use crate::store::{PendingChange, Store};

/// What a received frame did, for observers.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Frames to send back.
    pub send: Vec<Frame>,
    /// Orders whose state changed.
    pub changed: Vec<OrderId>,
    /// The server refused something.
    pub error: Option<ErrorFrame>,
    /// The reconnect handshake completed.
    pub welcomed: bool,
}

/// One connection's worth of protocol state on the device.
#[derive(Debug, Default)]
pub struct ClientSession {
    hello_sent_at: Option<Millis>,
    in_flight: HashSet<Hash>,
    welcomed: bool,
    /// Halvings of the page budget the server asked for (FrameTooLarge).
    shrink: u32,
    /// The server said more of its catch-up follows.
    catching_up: bool,
}

fn group(pending: &[PendingChange]) -> Vec<OrderChanges> {
    let mut by_order: BTreeMap<OrderId, Vec<Vec<u8>>> = BTreeMap::new();
    let mut order_seen = Vec::new();
    for p in pending {
        if !by_order.contains_key(&p.order) {
            order_seen.push(p.order);
        }
        by_order.entry(p.order).or_default().push(p.bytes.clone());
    }
    // Keep the outbox's order between orders too (a follow-up order after its parent).
    order_seen
        .into_iter()
        .filter_map(|o| {
            by_order
                .remove(&o)
                .map(|changes| OrderChanges { order: o, changes })
        })
        .collect()
}

fn hash_of(h: &ChangeHash) -> Hash {
    h.0
}

impl ClientSession {
    pub fn new() -> Self {
        Self::default()
    }

    /// The next page of the outbox: changes in outbox order until the page's bytes
    /// would pass the budget (at least one change, at most `MAX_CHANGES_PER_FRAME`).
    fn page(&self, pending: impl Iterator<Item = PendingChange>) -> Vec<PendingChange> {
        let budget = UPLOAD_PAGE_BYTES >> self.shrink.min(8);
        let mut bytes = 0usize;
        let mut out = Vec::new();
        for p in pending.take(MAX_CHANGES_PER_FRAME) {
            // A change's bytes, its order id and framing: 64 bytes is generous.
            let size = p.bytes.len().saturating_add(64);
            if !out.is_empty() && bytes.saturating_add(size) > budget {
                break;
            }
            bytes = bytes.saturating_add(size);
            out.push(p);
        }
        out
    }

    /// Whether the server answered this connection's hello.
    pub fn is_live(&self) -> bool {
        self.welcomed
    }

    /// Whether the server's whole catch-up (every page of it) has been applied.
    pub fn is_caught_up(&self) -> bool {
        self.welcomed && !self.catching_up
    }

    /// The first frame of a connection: cursor, clock, and unacknowledged changes.
    pub fn hello(&mut self, store: &Store, now: Millis) -> Result<Frame, Error> {
        self.in_flight.clear();
        self.welcomed = false;
        self.catching_up = false;
        let pending = store.pending_changes()?;
        let batch = self.page(pending.into_iter());
        self.in_flight
            .extend(batch.iter().map(|p| hash_of(&p.hash)));
        self.hello_sent_at = Some(now);
        let cursor = match store.cursor() {
            Ok(c) => c,
            // Said, not hidden: without a cursor the server repairs the whole scope, which
            // loses nothing; the next welcome stores a good cursor again.
            Err(Error::Corrupt(m)) => {
                tracing::warn!(%m, "the stored sync cursor does not decode; asking for a repair");
                None
            }
            Err(e) => return Err(e),
        };
        // A schedule that does not decode is asked for again, not trusted.
        let fee_schedule = match store.fee_schedule() {
            Ok(s) => s.map(|s| s.version),
            Err(Error::Corrupt(_)) => None,
            Err(e) => return Err(e),
        };
        Ok(Frame::Hello(Hello {
            version: PROTOCOL_VERSION,
            device_time: now,
            cursor,
            changes: group(&batch),
            fee_schedule,
        }))
    }

    /// Local changes not yet sent on this connection (call after a command while live).
    pub fn push_pending(&mut self, store: &Store) -> Result<Option<Frame>, Error> {
        if !self.welcomed {
            return Ok(None);
        }
        let pending = store.pending_changes()?;
        let fresh = self.page(
            pending
                .into_iter()
                .filter(|p| !self.in_flight.contains(&hash_of(&p.hash))),
        );
        if fresh.is_empty() {
            return Ok(None);
        }
        self.in_flight
            .extend(fresh.iter().map(|p| hash_of(&p.hash)));
        Ok(Some(Frame::Push(Push {
            changes: group(&fresh),
            documents: Vec::new(),
            revoked: Vec::new(),
            cursor: None,
            prev: None,
            more: false,
        })))
    }

    /// Applies a frame from the server.
    pub fn handle(
        &mut self,
        store: &mut Store,
        frame: Frame,
        now: Millis,
    ) -> Result<Outcome, Error> {
        let mut out = Outcome::default();
        match frame {
            Frame::Welcome(w) => self.welcome(store, w, now, &mut out)?,
            Frame::Push(p) => {
                let ours = store.cursor()?;
                if p.cursor.is_some() && p.cursor == ours {
                    // A duplicate of a push already applied.
                    return Ok(out);
                }
                if p.prev.is_some() && p.prev != ours {
                    return Err(Error::InvalidInput(
                        "a push from the server was lost; reconnect to catch up".into(),
                    ));
                }
                self.apply_incoming(store, &p.changes, &p.documents, &p.revoked, &mut out)?;
                if let Some(c) = p.cursor {
                    store.set_cursor(Some(c))?;
                    self.catching_up = p.more;
                }
            }
            Frame::Ack(Ack { acked }) => self.ack(store, &acked)?,
            Frame::Error(e) => {
                for h in &e.refused {
                    self.in_flight.remove(h);
                }
                match e.code {
                    // Not the changes' fault: keep them in the outbox and retry on a new
                    // connection. Missing dependencies come from frames arriving out of
                    // order, or from a server that lost history: forgetting the cursor
                    // makes the next connection repair, which re-sends what is missing.
                    ErrorCode::MissingDependencies
                    | ErrorCode::Unavailable
                    | ErrorCode::FrameTooLarge => {
                        // A server that takes less than we thought: smaller pages from now.
                        if e.code == ErrorCode::FrameTooLarge {
                            self.shrink = self.shrink.saturating_add(1);
                        }
                        if e.code == ErrorCode::MissingDependencies {
                            store.set_cursor(None)?;
                        }
                        return Err(Error::InvalidInput(format!(
                            "server {:?}: {} (will retry)",
                            e.code, e.message
                        )));
                    }
                    _ => {
                        let refused: Vec<ChangeHash> =
                            e.refused.iter().map(|h| ChangeHash(*h)).collect();
                        store.refuse_changes(&refused, &format!("{:?}", e.code), &e.message)?;
                    }
                }
                out.error = Some(e);
            }
            Frame::Hello(_) => {
                return Err(Error::InvalidInput("the server sent a hello".into()));
            }
        }
        if self.welcomed
            && let Some(f) = self.push_pending(store)?
        {
            out.send.push(f);
        }
        Ok(out)
    }

    fn ack(&mut self, store: &mut Store, acked: &[Hash]) -> Result<(), Error> {
        let hashes: Vec<ChangeHash> = acked.iter().map(|h| ChangeHash(*h)).collect();
        store.acknowledge(&hashes)?;
        for h in acked {
            self.in_flight.remove(h);
        }
        Ok(())
    }

    fn welcome(
        &mut self,
        store: &mut Store,
        w: Welcome,
        now: Millis,
        out: &mut Outcome,
    ) -> Result<(), Error> {
        // Clock offset: the server's time against the midpoint of our round trip.
        if let Some(sent) = self.hello_sent_at {
            let mid = sent + (now - sent) / 2;
            store.set_clock_offset(w.server_time - mid)?;
        }
        if let Some(schedule) = &w.fee_schedule {
            store.set_fee_schedule(schedule)?;
        }
        self.ack(store, &w.acked)?;
        self.apply_incoming(store, &w.changes, &w.documents, &w.revoked, out)?;
        if w.repair {
            self.repair(store, &w.scope, out)?;
        }
        store.set_cursor(Some(w.cursor))?;
        self.welcomed = true;
        self.catching_up = w.more;
        out.welcomed = true;
        Ok(())
    }

    fn apply_incoming(
        &mut self,
        store: &mut Store,
        changes: &[OrderChanges],
        documents: &[Document],
        revoked: &[OrderId],
        out: &mut Outcome,
    ) -> Result<(), Error> {
        let device = store.author().device;
        let actor = actor_for(device);
        let held: HashSet<OrderId> = if documents.is_empty() {
            HashSet::new()
        } else {
            store.order_ids()?.into_iter().collect()
        };
        for d in documents {
            store.import_document(&d.bytes)?;
            out.changed.push(d.order);
            if !held.contains(&d.order) {
                continue;
            }
            // A whole document for an order we hold (a repair, over however many pages):
            // whatever of ours it lacks goes to the server again, through the outbox, so
            // it is paged like any other change and survives a restart.
            let server_heads = heads_of_saved(&d.bytes)?;
            let missing: Vec<Change> = store
                .changes_since(d.order, &server_heads)?
                .into_iter()
                .filter(|c| c.actor_id() == &actor)
                .collect();
            if !missing.is_empty() {
                store.requeue(d.order, &missing)?;
            }
        }
        for c in changes {
            match store.apply_remote_document(c.order, &c.changes) {
                Ok(()) => out.changed.push(c.order),
                // Changes for an order we do not hold: the server sends whole documents
                // for new orders, so this is a stale frame; the repair path covers it.
                Err(Error::NotFound(_)) => store.set_cursor(None)?,
                Err(e) => return Err(e),
            }
        }
        for o in revoked {
            if store.remove_order(*o)? {
                out.changed.push(*o);
            }
        }
        Ok(())
    }

    /// After a repair welcome: drop orders that are no longer ours, and send again the
    /// field orders we created that the server lost. (Our changes to orders in scope go
    /// again as their documents arrive, see `apply_incoming`.)
    fn repair(
        &mut self,
        store: &mut Store,
        scope: &[OrderId],
        out: &mut Outcome,
    ) -> Result<(), Error> {
        let device = store.author().device;
        let actor = actor_for(device);
        let in_scope: HashSet<OrderId> = scope.iter().copied().collect();
        for order in store.order_ids()? {
            if in_scope.contains(&order) {
                continue;
            }
            let all = store.changes_since(order, &[])?;
            let created_here = all.first().is_some_and(|c| c.actor_id() == &actor);
            if created_here {
                // A field order the server lost: send it whole again (through the
                // outbox, so it goes in pages like any other change).
                let own: Vec<Change> = all.into_iter().filter(|c| c.actor_id() == &actor).collect();
                store.requeue(order, &own)?;
            } else if store.remove_order(order)? {
                out.changed.push(order);
            }
        }
        Ok(())
    }
}
