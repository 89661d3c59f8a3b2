//! Orders on SQLite: the `OrderStore` implementation over the writer, the log and the
//! projection.

use async_trait::async_trait;
use baoxiu_sync_core::protocol::{Cursor, Hash, OrderChanges};
use baoxiu_sync_core::validate::Submitter;
use baoxiu_sync_core::{
    Author, DeviceId, EventBody, Millis, NewOrder, OfficeId, OrderId, WorkOrderState, state,
};
use tokio::sync::{broadcast, oneshot};

use super::log::load_doc;
use super::writer::Job;
use super::{SqliteStore, catchup, projection};
use crate::error::{Error, Result};
use crate::store::order_job::OrderJob;
use crate::store::{
    BillingRow, BillingStage, CatchUp, Committed, DeviceCtx, OrderFilter, OrderRow, OrderStore,
    SubmitError,
};

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
        now: Millis,
    ) -> Result<Vec<Hash>, SubmitError> {
        let (reply, rx) = oneshot::channel();
        if !self.enqueue(Job::Order(OrderJob::Submit {
            who,
            batch,
            now,
            reply,
        })) {
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
        self.state_job(|reply| {
            Job::Order(OrderJob::Command {
                who,
                office,
                order,
                body,
                now,
                reply,
            })
        })
        .await
    }

    async fn create(&self, who: Author, new: NewOrder, now: Millis) -> Result<WorkOrderState> {
        self.state_job(|reply| {
            Job::Order(OrderJob::Create {
                who,
                new,
                now,
                reply,
            })
        })
        .await
    }

    async fn order(&self, id: OrderId) -> Result<Option<WorkOrderState>> {
        self.read(move |inner, c| {
            // One snapshot for the position and the document, so a state is remembered
            // under the position it is of.
            let tx = c.unchecked_transaction()?;
            let seq: Option<i64> = tx.query_row(
                "SELECT max(seq) FROM log WHERE order_id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )?;
            let Some(seq) = seq else { return Ok(None) };
            if let Some(s) = inner.states.get(id, seq) {
                return Ok(Some(s));
            }
            let s = match load_doc(&tx, id, inner.server_device)? {
                Some(d) => state(&d)?,
                None => return Ok(None),
            };
            tx.commit()?;
            inner.states.put(id, seq, s.clone());
            Ok(Some(s))
        })
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

    async fn billing_queue(
        &self,
        office: OfficeId,
        stage: BillingStage,
    ) -> Result<Vec<BillingRow>> {
        self.read(move |_, c| projection::billing_queue(c, office, stage))
            .await
    }

    async fn catch_up_page(
        &self,
        device: DeviceCtx,
        cursor: Option<Cursor>,
        record_sync: bool,
        now: Millis,
        page_bytes: usize,
    ) -> Result<CatchUp> {
        let read = self
            .read({
                let device = device.clone();
                move |inner, c| catchup::plan(inner, c, &device, cursor, page_bytes)
            })
            .await?;
        let (up, record) = read.finish(record_sync);
        if let Some(record) = record {
            self.exec(move |tx| catchup::write_record(record, tx, &device, now))
                .await?;
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

    async fn ready(&self) -> Result<()> {
        // A write that needs new pages (a 64 KiB row, removed again) and a commit: it
        // fails on a full, read-only or unreachable disk, as a device's changes would.
        self.exec(|c| {
            c.execute(
                "INSERT INTO settings (key, value) VALUES ('readiness_probe', hex(zeroblob(32768)))",
                [],
            )?;
            c.execute("DELETE FROM settings WHERE key = 'readiness_probe'", [])?;
            Ok(())
        })
        .await?;
        // Storage works again: the failure recorded by earlier writes is over.
        if let Ok(mut e) = self.inner.storage_error.lock() {
            *e = None;
        }
        Ok(())
    }

    fn storage_error(&self) -> Option<String> {
        self.inner.storage_error.lock().ok().and_then(|e| e.clone())
    }
}
