//! Orders on SQLite: the change log, snapshots, and the `OrderStore` implementation.

use async_trait::async_trait;
use baoxiu_sync_core::protocol::{Cursor, Hash, OrderChanges};
use baoxiu_sync_core::validate::Submitter;
use baoxiu_sync_core::{
    Author, Change, DeviceId, EventBody, Millis, NewOrder, OfficeId, OrderId, WorkOrderDoc,
    WorkOrderState, state,
};
use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::{broadcast, oneshot};

use super::writer::Job;
use super::{SqliteStore, catchup, project, projection};
use crate::error::{Error, Result};
use crate::store::{CatchUp, Committed, DeviceCtx, OrderFilter, OrderRow, OrderStore, SubmitError};

/// Write a fresh snapshot once an order has this many changes after its last one.
const COMPACT_AFTER: i64 = 64;

/// An order's document: its snapshot plus the log rows after it.
pub(crate) fn load_doc(
    conn: &Connection,
    order: OrderId,
    device: DeviceId,
) -> Result<Option<WorkOrderDoc>> {
    let id = order.to_string();
    let snap: Option<(Vec<u8>, i64)> = conn
        .query_row(
            "SELECT bytes, through_seq FROM snapshots WHERE order_id = ?1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (doc, through) = match snap {
        Some((bytes, through)) => (Some(WorkOrderDoc::load(&bytes, device)?), through),
        None => (None, 0),
    };
    let mut stmt =
        conn.prepare_cached("SELECT bytes FROM log WHERE order_id = ?1 AND seq > ?2 ORDER BY seq")?;
    let rows: Vec<Vec<u8>> = stmt
        .query_map(params![id, through], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if doc.is_none() {
        if rows.is_empty() {
            return Ok(None);
        }
        let d = WorkOrderDoc::from_encoded_changes(&rows, device)?;
        return Ok(Some(d));
    }
    let Some(mut doc) = doc else { return Ok(None) };
    doc.apply_encoded(&rows)?;
    if !doc.missing_deps().is_empty() {
        return Err(Error::Corrupt(format!("order {order} is missing changes")));
    }
    Ok(Some(doc))
}

/// Appends changes to the log and updates the projection, in the caller's transaction.
pub(super) fn store_changes(
    tx: &Connection,
    order: OrderId,
    doc: &WorkOrderDoc,
    st: &WorkOrderState,
    changes: &[Change],
) -> Result<()> {
    let id = order.to_string();
    {
        let mut ins = tx.prepare_cached(
            "INSERT OR IGNORE INTO log (order_id, hash, actor, bytes) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for c in changes {
            ins.execute(params![
                id,
                c.hash().0.as_slice(),
                c.actor_id().to_bytes(),
                c.raw_bytes()
            ])?;
        }
    }
    project(tx, st)?;
    let (through, since): (i64, i64) = tx.query_row(
        "SELECT coalesce((SELECT through_seq FROM snapshots WHERE order_id = ?1), 0),
                (SELECT count(*) FROM log WHERE order_id = ?1
                   AND seq > coalesce((SELECT through_seq FROM snapshots WHERE order_id = ?1), 0))",
        [&id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if since >= COMPACT_AFTER {
        let max: i64 =
            tx.query_row("SELECT max(seq) FROM log WHERE order_id = ?1", [&id], |r| {
                r.get(0)
            })?;
        let _ = through;
        tx.execute(
            "INSERT INTO snapshots (order_id, bytes, through_seq) VALUES (?1, ?2, ?3)
             ON CONFLICT (order_id) DO UPDATE SET bytes = excluded.bytes,
                 through_seq = excluded.through_seq",
            params![id, doc.save(), max],
        )?;
    }
    Ok(())
}

impl SqliteStore {
    /// Queues a job that answers with an order's state.
    async fn state_job(
        &self,
        job: impl FnOnce(oneshot::Sender<Result<WorkOrderState>>) -> Job,
    ) -> Result<WorkOrderState> {
        let (reply, rx) = oneshot::channel();
        if !self.enqueue(job(reply)) {
            return Err(Error::Unavailable("the store is overloaded".into()));
        }
        rx.await
            .map_err(|_| Error::Unavailable("the writer stopped".into()))?
    }
}

#[async_trait]
impl OrderStore for SqliteStore {
    async fn submit(
        &self,
        who: Submitter,
        batch: Vec<OrderChanges>,
    ) -> Result<Vec<Hash>, SubmitError> {
        let (reply, rx) = oneshot::channel();
        if !self.enqueue(Job::Submit { who, batch, reply }) {
            return Err(SubmitError::Unavailable("the store is overloaded".into()));
        }
        rx.await
            .map_err(|_| SubmitError::Unavailable("the writer stopped".into()))?
    }

    async fn command(
        &self,
        who: Author,
        office: OfficeId,
        order: OrderId,
        body: EventBody,
        now: Millis,
    ) -> Result<WorkOrderState> {
        self.state_job(|reply| Job::Command {
            who,
            office,
            order,
            body,
            now,
            reply,
        })
        .await
    }

    async fn create(&self, who: Author, new: NewOrder, now: Millis) -> Result<WorkOrderState> {
        self.state_job(|reply| Job::Create {
            who,
            new,
            now,
            reply,
        })
        .await
    }

    async fn order(&self, id: OrderId) -> Result<Option<WorkOrderState>> {
        self.read(
            move |inner, c| match load_doc(c, id, inner.server_device)? {
                Some(d) => Ok(Some(state(&d)?)),
                None => Ok(None),
            },
        )
        .await
    }

    async fn document(&self, id: OrderId) -> Result<Option<Vec<u8>>> {
        self.read(move |inner, c| Ok(load_doc(c, id, inner.server_device)?.map(|d| d.save())))
            .await
    }

    async fn list_orders(&self, filter: OrderFilter) -> Result<(Vec<OrderRow>, u64)> {
        self.read(move |_, c| projection::list_orders(c, &filter))
            .await
    }

    async fn catch_up(
        &self,
        device: DeviceCtx,
        cursor: Option<Cursor>,
        record_sync: bool,
        now: Millis,
    ) -> Result<CatchUp> {
        let read = self
            .read({
                let device = device.clone();
                move |inner, c| catchup::plan(inner, c, &device, cursor)
            })
            .await?;
        let (up, record) = read.finish(record_sync);
        if let Some(record) = record {
            self.exec(move |tx| record.write(tx, &device, now)).await?;
        }
        Ok(up)
    }

    fn subscribe(&self) -> broadcast::Receiver<Committed> {
        self.inner.committed.subscribe()
    }

    fn server_device(&self) -> DeviceId {
        self.inner.server_device
    }

    async fn log_len(&self) -> Result<u64> {
        self.read(|_, c| {
            let n: i64 = c.query_row("SELECT count(*) FROM log", [], |r| r.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
        .await
    }

    fn storage_error(&self) -> Option<String> {
        self.inner.storage_error.lock().ok().and_then(|e| e.clone())
    }
}
