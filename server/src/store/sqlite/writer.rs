//! The writer: one thread, one connection, group commit. Each job runs in its own
//! savepoint (a refused or panicking job rolls back alone); the group commits once, and
//! only then is every job answered — an ack never precedes the fsync.

use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};

use baoxiu_sync_core::fee_schedule::ScheduleItem;
use baoxiu_sync_core::kinds::Kind;
use baoxiu_sync_core::{
    Change, DeviceId, OfficeId, OrderId, Person, UserId, WorkOrderDoc, WorkOrderState,
};
use rusqlite::Connection;
use tokio::sync::{broadcast, oneshot};

use super::add_to_scope;
use super::cases;
use super::directory::person_of;
use super::fee_schedule::schedule_item_of;
use super::log::{load_bytes, load_doc, store_changes};
use super::states::States;
use crate::error::{Error, Result};
use crate::store::Committed;
use crate::store::apply::{OrderRows, Touched};
use crate::store::cases::CaseRow;
use crate::store::decode::StoredBytes;
use crate::store::docs::Docs;
use crate::store::order_job::OrderJob;
use crate::store::reply::Reply;

/// Most jobs committed together.
const GROUP: usize = 512;

/// Work run inside the writer's transaction.
pub(super) type ExecFn = Box<dyn FnOnce(&Connection) -> Result<()> + Send>;

#[allow(clippy::large_enum_variant)] // one per write, short-lived (as before the split)
pub(super) enum Job {
    Order(OrderJob),
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
    match job {
        Job::Order(o) => o.fail(msg),
        Job::Exec { reply, .. } => {
            let _ = reply.send(Err(Error::Unavailable(msg.to_owned())));
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
        Job::Order(o) => o.run(&Rows(tx), docs, touched, server_device),
        Job::Exec { work, reply } => Reply::Unit(reply, work(&*tx)),
    }
}

/// The writer's transaction, as the shared order-writing code reads and writes it.
struct Rows<'a>(&'a Connection);

impl OrderRows for Rows<'_> {
    fn load_doc(&self, order: OrderId, device: DeviceId) -> Result<Option<WorkOrderDoc>> {
        load_doc(self.0, order, device)
    }

    fn person(&self, id: UserId) -> Result<Option<Person>> {
        person_of(self.0, id)
    }

    fn schedule_item(&self, version: u32, code: &str) -> Result<Option<ScheduleItem>> {
        schedule_item_of(self.0, version, code)
    }

    fn store_changes(
        &self,
        order: OrderId,
        doc: &WorkOrderDoc,
        st: &WorkOrderState,
        changes: &[Change],
    ) -> Result<i64> {
        store_changes(self.0, order, doc, st, changes)
    }

    fn add_to_scope(&self, device: DeviceId, order: OrderId) -> Result<()> {
        add_to_scope(self.0, device, order)
    }

    fn case_kind(&self, id: OrderId) -> Result<Option<Kind>> {
        cases::case_kind(self.0, id)
    }

    fn case_bytes(&self, id: OrderId) -> Result<StoredBytes> {
        load_bytes(self.0, id)
    }

    fn is_member(&self, id: OrderId, user: UserId) -> Result<bool> {
        cases::is_member(self.0, id, user)
    }

    fn fleet(&self, office: OfficeId) -> Result<Option<String>> {
        cases::fleet(self.0, office)
    }

    fn store_case(&self, row: &CaseRow, members: &[UserId], changes: &[Change]) -> Result<i64> {
        cases::store_case(self.0, row, members, changes)
    }
}
