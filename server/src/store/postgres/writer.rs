//! The node's writer on PostgreSQL: one thread, one connection, group commit, as on
//! SQLite. Each job runs in its own savepoint (a refused or panicking job rolls back
//! alone); the group's commit carries the announcement to the other nodes (heard once it
//! commits), and only after the commit is any job answered — an ack never precedes it.
//!
//! Other nodes write the same orders: the documents the writer read are dropped after
//! every group, so each group reads what is committed (the log's lock orders appends).

use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};

use baoxiu_sync_core::{DeviceId, Millis};
use tokio::sync::{broadcast, oneshot};

use super::bus::Bus;
use super::orders::write_record;
use super::rows::{Rows, append_staged};
use super::sql::Conn;
use crate::error::Result;
use crate::store::Committed;
use crate::store::DeviceCtx;
use crate::store::apply::Touched;
use crate::store::catchup::Record;
use crate::store::docs::Docs;
use crate::store::order_job::OrderJob;
use crate::store::reply::Reply;

/// Most jobs committed together.
const GROUP: usize = 512;

pub(super) enum Job {
    Order(OrderJob),
    /// What a catch-up sent, recorded in the group's commit (one commit for many
    /// devices reconnecting at once, not one each).
    Record {
        record: Record,
        device: DeviceCtx,
        now: Millis,
        reply: oneshot::Sender<Result<()>>,
    },
}

fn fail(job: Job, m: &str) {
    match job {
        Job::Order(o) => o.fail(m),
        Job::Record { reply, .. } => Reply::Unit(reply, Ok(())).failed(m).send(None),
    }
}

pub(super) struct Writer {
    pub(super) url: String,
    pub(super) client: Option<Conn>,
    pub(super) committed: broadcast::Sender<Committed>,
    pub(super) bus: Bus,
    pub(super) server_device: DeviceId,
    pub(super) storage_error: Arc<Mutex<Option<String>>>,
}

impl Writer {
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

    fn set_error(&self, e: Option<String>) {
        if let Ok(mut s) = self.storage_error.lock() {
            *s = e;
        }
    }

    /// One transaction, one commit, for every job in the group.
    fn group(&mut self, jobs: Vec<Job>) {
        // A connection lost (the database restarted) is made again: checked with a round
        // trip first, so a group never fails on a connection that died while idle.
        let alive = |c: &mut Conn| !c.is_closed() && c.is_valid(std::time::Duration::from_secs(5));
        let client = match self.client.take().take_if(alive) {
            Some(c) => Ok(c),
            None => super::connect(&self.url).map(Conn::new),
        };
        let mut client = match client {
            Ok(c) => c,
            Err(e) => {
                let m = e.to_string();
                self.set_error(Some(m.clone()));
                for job in jobs {
                    fail(job, &m);
                }
                return;
            }
        };
        let outcome = self.run_group(&mut client, jobs);
        self.client = Some(client);
        match outcome {
            Ok((replies, note)) => {
                self.set_error(None);
                for r in replies {
                    r.send(None);
                }
                if let Some(note) = note {
                    let _ = self.committed.send(note);
                }
            }
            Err((replies, m)) => {
                tracing::error!(error = %m, "group commit failed; nothing acknowledged");
                self.set_error(Some(m.clone()));
                for r in replies {
                    r.send(Some(&m));
                }
            }
        }
    }

    #[allow(clippy::type_complexity)]
    fn run_group(
        &self,
        client: &mut Conn,
        jobs: Vec<Job>,
    ) -> Result<(Vec<Reply>, Option<Committed>), (Vec<Reply>, String)> {
        let mut replies = Vec::with_capacity(jobs.len());
        let mut tx = match client.transaction() {
            Ok(tx) => tx,
            Err(e) => {
                let m = e.to_string();
                for job in jobs {
                    fail(job, &m);
                }
                return Err((Vec::new(), m));
            }
        };
        // This group's documents only: another node may have written since.
        let mut docs = Docs::default();
        let mut touched = Touched::default();
        let mut staged = Vec::new();
        for job in jobs {
            let mut mine = Touched::default();
            let mut sp = match tx.savepoint("job") {
                Ok(sp) => sp,
                Err(e) => {
                    let m = e.to_string();
                    fail(job, &m);
                    continue;
                }
            };
            let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match job {
                Job::Record {
                    record,
                    device,
                    now,
                    reply,
                } => (
                    Reply::Unit(reply, write_record(&mut sp, record, &device, now)),
                    Vec::new(),
                ),
                Job::Order(o) => {
                    let rows = Rows::new(&mut sp);
                    let reply = o.run(&rows, &mut docs, &mut mine, self.server_device);
                    (reply, rows.into_staged())
                }
            }));
            let (reply, mut mine_staged) = match run {
                Ok(r) => r,
                Err(_) => {
                    tracing::error!("a write job panicked; it was rolled back");
                    docs.job_done(false);
                    continue;
                }
            };
            let released = reply.ok() && sp.commit().is_ok();
            docs.job_done(released);
            if released {
                touched.orders.append(&mut mine.orders);
                touched.states.append(&mut mine.states);
                staged.append(&mut mine_staged);
                replies.push(reply);
            } else if reply.ok() {
                replies.push(reply.failed("the job's savepoint did not release"));
            } else {
                replies.push(reply);
            }
        }
        // The group's changes go into the log last, so the log's lock — which every
        // node's groups take turns for — is held only for this and the commit.
        let head = match append_staged(
            &mut tx,
            &staged,
            |o| docs.peek(o).map(|d| d.save()),
            |o| docs.peek(o).map(|d| d.events().len()).unwrap_or(0),
        ) {
            Ok(h) => h,
            Err(e) => return Err((replies, e.to_string())),
        };
        let note = if touched.orders.is_empty() {
            None
        } else {
            // (Orders touched without a new change cannot be; read the head to be sure a
            // note never carries position 0, which every session would take as old.)
            let head = match head {
                0 => match super::log::head(&mut tx) {
                    Ok(h) => h,
                    Err(e) => return Err((replies, e.to_string())),
                },
                h => h,
            };
            let note = Committed {
                seq: head,
                orders: touched.orders,
            };
            if let Err(e) = self.bus.committed(&mut tx, &note) {
                return Err((replies, e.to_string()));
            }
            Some(note)
        };
        match tx.commit() {
            Ok(()) => Ok((replies, note)),
            Err(e) => Err((replies, e.to_string())),
        }
    }
}
