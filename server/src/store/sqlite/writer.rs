//! The writer: one thread, one connection, group commit. Each job runs in its own
//! savepoint (a refused or panicking job rolls back alone); the group commits once, and
//! only then is every job answered — an ack never precedes the fsync.

use std::collections::{HashMap, HashSet};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};

use baoxiu_sync_core::doc::decode_changes;
use baoxiu_sync_core::protocol::{Hash, OrderChanges};
use baoxiu_sync_core::validate::{Refusal, Submitter, validate_order};
use baoxiu_sync_core::{
    Author, DeviceId, EventBody, Millis, NewOrder, OfficeId, OrderId, UserId, WorkOrderDoc,
    WorkOrderState, create_order, execute, state,
};
use rusqlite::Connection;
use tokio::sync::{broadcast, oneshot};

use super::add_to_scope;
use super::directory::person_of;
use super::log::{load_doc, store_changes};
use crate::error::{Error, Result};
use crate::store::{Committed, SubmitError};

/// Most jobs committed together.
const GROUP: usize = 512;
/// Documents kept in memory between groups; the cache is dropped past this.
const CACHE_LIMIT: usize = 20_000;

/// Work run inside the writer's transaction.
pub(super) type ExecFn = Box<dyn FnOnce(&Connection) -> Result<()> + Send>;

pub(super) enum Job {
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
        now: Millis,
        reply: oneshot::Sender<Result<WorkOrderState>>,
    },
    Create {
        who: Author,
        new: NewOrder,
        now: Millis,
        reply: oneshot::Sender<Result<WorkOrderState>>,
    },
    Exec {
        work: ExecFn,
        reply: oneshot::Sender<Result<()>>,
    },
}

pub(super) struct Writer {
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

    /// The same reply, failed as unavailable (its work was rolled back).
    fn failed(self, msg: &str) -> Reply {
        let unavailable = || Error::Unavailable(format!("not stored: {msg}"));
        match self {
            Reply::Submit(tx, _) => {
                Reply::Submit(tx, Err(SubmitError::Unavailable(msg.to_owned())))
            }
            Reply::State(tx, _) => Reply::State(tx, Err(unavailable())),
            Reply::Unit(tx, _) => Reply::Unit(tx, Err(unavailable())),
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
    pub(super) fn new(
        conn: Connection,
        committed: broadcast::Sender<Committed>,
        server_device: DeviceId,
        storage_error: Arc<Mutex<Option<String>>>,
    ) -> Self {
        Writer {
            conn,
            cache: HashMap::new(),
            committed,
            server_device,
            storage_error,
        }
    }

    pub(super) fn run(mut self, rx: Receiver<Job>) {
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
                    let mut reply = reply;
                    if reply.ok() {
                        match sp.commit() {
                            Ok(()) => {
                                staged.extend(mine);
                                touched.extend(my_touched);
                            }
                            // The job's work did not survive its savepoint: never an ack.
                            Err(e) => reply = reply.failed(&e.to_string()),
                        }
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
                if self.cache.len() > CACHE_LIMIT {
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
            now,
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
                    now,
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
        Job::Create {
            who,
            new,
            now,
            reply,
        } => {
            let r = (|| {
                let ctx = baoxiu_sync_core::Context {
                    author: who,
                    now,
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
        // A storage failure while looking people up is the store's, not the device's.
        let lookup_failed = std::cell::RefCell::new(None);
        let person = |u: UserId| match person_of(tx, u) {
            Ok(p) => p,
            Err(e) => {
                *lookup_failed.borrow_mut() = Some(e);
                None
            }
        };
        let v = validate_order(
            existing.as_ref(),
            oc.order,
            who,
            &oc.changes,
            &may_follow_up,
            &person,
        );
        if let Some(e) = lookup_failed.into_inner() {
            return Err(unavailable(e));
        }
        let v = v.map_err(refused)?;
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
            add_to_scope(tx, who.author.device, v.order).map_err(unavailable)?;
        }
        touched.push((v.order, v.state.office.id));
        acked.extend(v.new_changes.iter().map(|c| c.hash().0));
    }
    Ok(acked)
}
