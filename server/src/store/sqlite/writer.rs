//! The writer: one thread, one connection, group commit. Each job runs in its own
//! savepoint (a refused or panicking job rolls back alone); the group commits once, and
//! only then is every job answered — an ack never precedes the fsync.

use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};

use baoxiu_sync_core::doc::decode_changes;
use baoxiu_sync_core::fee_schedule::check_fact;
use baoxiu_sync_core::protocol::{Hash, OrderChanges};
use baoxiu_sync_core::validate::{
    Lookups, Refusal, Submitter, Validated, apply_checked, doubt_future_times, precheck,
    technician_may_write,
};
use baoxiu_sync_core::{
    Author, DeviceId, EventBody, Millis, NewOrder, OfficeId, OrderId, Role, UserId, WorkOrderDoc,
    WorkOrderState, create_order, execute, state,
};
use rusqlite::Connection;
use tokio::sync::{broadcast, oneshot};

use super::add_to_scope;
use super::directory::person_of;
use super::docs::Docs;
use super::fee_schedule::schedule_item_of;
use super::log::{load_doc, store_changes};
use super::states::States;
use crate::error::{Error, Result};
use crate::store::{Committed, CommittedOrder, SubmitError};

/// Most jobs committed together.
const GROUP: usize = 512;

/// Work run inside the writer's transaction.
pub(super) type ExecFn = Box<dyn FnOnce(&Connection) -> Result<()> + Send>;

pub(super) enum Job {
    Submit {
        who: Submitter,
        batch: Vec<OrderChanges>,
        now: Millis,
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
    docs: Docs,
    states: Arc<States>,
    committed: broadcast::Sender<Committed>,
    server_device: DeviceId,
    storage_error: Arc<Mutex<Option<String>>>,
    faults: Arc<Faults>,
}

/// Failures a test can ask the writer to meet, for paths no real input reaches on demand.
#[derive(Debug, Default)]
pub(super) struct Faults {
    /// The next savepoint RELEASE fails (as on an I/O error).
    pub(super) fail_release: std::sync::atomic::AtomicBool,
}

/// What a job changed, for the group's bookkeeping: orders to announce, and the states
/// to publish to readers (with the order's last log position).
#[derive(Default)]
struct Touched {
    orders: Vec<CommittedOrder>,
    states: Vec<(OrderId, i64, WorkOrderState)>,
}

impl Touched {
    fn add(&mut self, seq: i64, st: WorkOrderState) {
        self.orders.push(CommittedOrder::of(&st));
        self.states.push((st.order, seq, st));
    }
}

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
        states: Arc<States>,
        faults: Arc<Faults>,
    ) -> Self {
        Writer {
            conn,
            docs: Docs::default(),
            states,
            committed,
            server_device,
            storage_error,
            faults,
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
        let mut touched = Touched::default();
        let mut replies = Vec::with_capacity(jobs.len());
        let docs = &mut self.docs;
        let server_device = self.server_device;
        let faults = &self.faults;
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
            let mut mine = Touched::default();
            let reply = match tx.savepoint() {
                Ok(mut sp) => {
                    // A panic on hostile input (e.g. inside Automerge) fails this job only:
                    // its savepoint rolls back, its caller's reply channel closes (answered
                    // as unavailable), and the writer goes on with the others.
                    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        run_job(job, &mut sp, docs, &mut mine, server_device)
                    }));
                    let mut reply = match run {
                        Ok(r) => r,
                        Err(_) => {
                            tracing::error!("a write job panicked; it was rolled back");
                            Reply::Unit(
                                oneshot::channel().0,
                                Err(Error::Internal("job panicked".into())),
                            )
                        }
                    };
                    let mut released = false;
                    if reply.ok() {
                        let release = if faults
                            .fail_release
                            .swap(false, std::sync::atomic::Ordering::SeqCst)
                        {
                            Err("savepoint release failed (injected)".to_owned())
                        } else {
                            sp.commit().map_err(|e| e.to_string())
                        };
                        match release {
                            Ok(()) => released = true,
                            // The job's work did not survive its savepoint: never an ack.
                            Err(e) => reply = reply.failed(&e),
                        }
                    }
                    docs.job_done(released);
                    if released {
                        touched.orders.append(&mut mine.orders);
                        touched.states.append(&mut mine.states);
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
                    if storage_failure.is_some() || !touched.orders.is_empty() {
                        *e = storage_failure;
                    }
                }
                self.docs.group_done(true);
                for (order, seq, st) in touched.states {
                    self.states.put(order, seq, st);
                }
                for r in replies {
                    r.send(None);
                }
                if !touched.orders.is_empty() {
                    let _ = self.committed.send(Committed {
                        seq: seq.unwrap_or(0) as u64,
                        orders: touched.orders,
                    });
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "group commit failed; nothing acknowledged");
                self.docs.group_done(false);
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

fn run_job(
    job: Job,
    tx: &mut rusqlite::Savepoint<'_>,
    docs: &mut Docs,
    touched: &mut Touched,
    server_device: DeviceId,
) -> Reply {
    match job {
        Job::Submit {
            who,
            batch,
            now,
            reply,
        } => {
            let r = submit(tx, &who, batch, now, docs, touched, server_device);
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
            let r = command(
                tx,
                docs,
                touched,
                server_device,
                who,
                office,
                order,
                body,
                now,
            );
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
                let seq = store_changes(tx, st.order, &doc, &st, &changes)?;
                docs.changed(st.order, doc);
                touched.add(seq, st.clone());
                Ok(st)
            })();
            Reply::State(reply, r)
        }
        Job::Exec { work, reply } => Reply::Unit(reply, work(&*tx)),
    }
}

/// A REST command on an order of `office`, as the server's device.
#[allow(clippy::too_many_arguments)]
fn command(
    tx: &Connection,
    docs: &mut Docs,
    touched: &mut Touched,
    server_device: DeviceId,
    who: Author,
    office: OfficeId,
    order: OrderId,
    body: EventBody,
    now: Millis,
) -> Result<WorkOrderState> {
    let not_found = || Error::NotFound(format!("work order {order}"));
    let (mut doc, level) = docs.take(tx, order, server_device)?.ok_or_else(not_found)?;
    let heads = doc.heads();
    let ctx = baoxiu_sync_core::Context {
        author: who,
        now,
        offset: Some(0),
    };
    let done = (|| {
        if state(&doc)?.office.id != office {
            return Err(not_found());
        }
        // R-PAID: the same check of coded fee lines as for a device's change.
        let lookup_failed = std::cell::RefCell::new(None);
        let checked = check_fact(&body, &|v, code| {
            schedule_item_of(tx, v, code).unwrap_or_else(|e| {
                *lookup_failed.borrow_mut() = Some(e);
                None
            })
        });
        if let Some(e) = lookup_failed.into_inner() {
            return Err(e);
        }
        checked.map_err(Error::Rule)?;
        let (_, hash, st) = execute(&mut doc, &ctx, body)?;
        let change = doc
            .change_by_hash(&hash)
            .ok_or_else(|| Error::Internal("own change missing".into()))?;
        let seq = store_changes(tx, order, &doc, &st, std::slice::from_ref(&change))?;
        Ok((st, seq))
    })();
    match done {
        Ok((st, seq)) => {
            touched.add(seq, st.clone());
            docs.changed(order, doc);
            Ok(st)
        }
        Err(e) => {
            // A refused command (a rule, another office) left the document as it was.
            if doc.heads() == heads {
                docs.put_back(order, doc, level);
            }
            Err(e)
        }
    }
}

fn submit(
    tx: &Connection,
    who: &Submitter,
    batch: Vec<OrderChanges>,
    now: Millis,
    docs: &mut Docs,
    touched: &mut Touched,
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
    // Validate everything first; store only if the whole batch passes (the job's
    // savepoint rolls back otherwise).
    let mut validated = Vec::new();
    let mut acked = Vec::new();
    for oc in &batch {
        let taken = docs
            .take(tx, oc.order, server_device)
            .map_err(unavailable)?;
        let pre = precheck(taken.as_ref().map(|(d, _)| d), who, &oc.changes);
        let pre = match (pre, taken) {
            (Ok(p), taken) if !p.is_empty() => (p, taken),
            // Nothing new, or refused before anything was applied: the copy is unchanged.
            (r, taken) => {
                if let Some((d, level)) = taken {
                    docs.put_back(oc.order, d, level);
                }
                let p = r.map_err(refused)?;
                acked.extend(p.duplicates().iter().map(|h| h.0));
                continue;
            }
        };
        let (pre, taken) = pre;
        let v = {
            let docs = &*docs;
            let may_follow_up = |found_on: OrderId| -> bool {
                let check = |d: &WorkOrderDoc| {
                    state(d).is_ok_and(|s| {
                        s.office.id == who.office && technician_may_write(&who.author.user, d, &s)
                    })
                };
                match docs.peek(found_on) {
                    Some(d) => check(d),
                    None => {
                        matches!(load_doc(tx, found_on, server_device), Ok(Some(d)) if check(&d))
                    }
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
            let schedule_item = |v: u32, code: &str| match schedule_item_of(tx, v, code) {
                Ok(i) => i,
                Err(e) => {
                    *lookup_failed.borrow_mut() = Some(e);
                    None
                }
            };
            let v = apply_checked(
                taken.map(|(d, _)| d),
                oc.order,
                who,
                pre,
                &may_follow_up,
                &Lookups {
                    person: &person,
                    schedule_item: &schedule_item,
                },
            );
            if let Some(e) = lookup_failed.into_inner() {
                return Err(unavailable(e));
            }
            v.map_err(refused)?
        };
        let mut v = v;
        acked.extend(v.duplicates.iter().map(|h| h.0));
        acked.extend(v.new_changes.iter().map(|c| c.hash().0));
        // R-CLOCK: what the server saw on receipt goes into the document with the facts.
        let system = Author {
            user: UserId(server_device.0),
            device: server_device,
            role: Role::System,
        };
        let own =
            doubt_future_times(&mut v, &system, now).map_err(|e| unavailable(Error::from(e)))?;
        let Validated {
            order,
            doc,
            state: st,
            mut new_changes,
            created,
            ..
        } = v;
        new_changes.extend(own);
        docs.changed(order, doc);
        validated.push((order, st, new_changes, created));
    }
    for (order, st, new_changes, created) in validated {
        let Some(doc) = docs.mine(order) else {
            return Err(unavailable(Error::Internal(
                "validated order missing".into(),
            )));
        };
        let seq = store_changes(tx, order, doc, &st, &new_changes).map_err(unavailable)?;
        if created {
            // The device holds the order it created: it is in its scope from now on.
            add_to_scope(tx, who.author.device, order).map_err(unavailable)?;
        }
        touched.add(seq, st);
    }
    Ok(acked)
}
