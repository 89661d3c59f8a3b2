//! `OrderStore` on PostgreSQL: writes through this node's writer (group commit), reads on
//! pooled connections; a catch-up reads in one repeatable-read snapshot and records what
//! it sent in a transaction of its own.

use std::sync::mpsc::TrySendError;

use super::sql::Sql;
use async_trait::async_trait;
use baoxiu_sync_core::protocol::{Cursor, Hash, OrderChanges};
use baoxiu_sync_core::validate::Submitter;
use baoxiu_sync_core::{
    Author, DeviceId, EventBody, Millis, NewOrder, OfficeId, OrderId, WorkOrderState, state,
};
use tokio::sync::{broadcast, oneshot};

use super::PgStore;
use super::projection;
use super::rows::{Reads, load_doc};
use super::writer::Job;
use crate::error::{Error, Result};
use crate::store::catchup::{self, Record};
use crate::store::order_job::OrderJob;
use crate::store::{
    BillingRow, BillingStage, CatchUp, Committed, DeviceCtx, OrderFilter, OrderRow, OrderStore,
    SubmitError,
};

fn int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl PgStore {
    fn enqueue(&self, job: Job) -> bool {
        match self.inner.jobs.try_send(job) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => false,
        }
    }

    async fn state_job(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<WorkOrderState>>) -> Job,
    ) -> Result<WorkOrderState> {
        let (reply, rx) = oneshot::channel();
        if !self.enqueue(make(reply)) {
            return Err(Error::Unavailable("the store is overloaded".into()));
        }
        rx.await
            .map_err(|_| Error::Unavailable("the writer stopped".into()))?
    }
}

/// Records a catch-up's delivery (in the writer's group).
pub(super) fn write_record(
    tx: &mut impl Sql,
    record: Record,
    dev: &DeviceCtx,
    now: Millis,
) -> Result<()> {
    let device = dev.device().to_string();
    let user = dev.submitter.author.user.to_string();
    let delivery = int(record.delivery);
    tx.execute(
        "INSERT INTO devices (id, user_id, deliveries, last_sync) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE
             SET deliveries = GREATEST(devices.deliveries, excluded.deliveries),
                 last_sync = excluded.last_sync",
        &[&device, &user, &delivery, &now],
    )?;
    if record.repair {
        tx.execute("DELETE FROM device_scope WHERE device = $1", &[&device])?;
        // Named in the repair's scope, delivered on a later page: held by the device from
        // now on, known to it only once delivered.
        for o in &record.pending {
            tx.execute(
                "INSERT INTO device_scope (device, order_id, delivered) VALUES ($1, $2, $3)
                 ON CONFLICT (device, order_id) DO NOTHING",
                &[&device, &o.to_string(), &i64::MAX],
            )?;
        }
    }
    if let Some(upto) = record.confirm_upto {
        tx.execute(
            "DELETE FROM device_scope
             WHERE device = $1 AND revoked IS NOT NULL AND revoked <= $2",
            &[&device, &int(upto)],
        )?;
    }
    for o in &record.deliver {
        tx.execute(
            "INSERT INTO device_scope (device, order_id, delivered) VALUES ($1, $2, $3)
             ON CONFLICT (device, order_id) DO UPDATE SET delivered = excluded.delivered,
                 revoked = NULL",
            &[&device, &o.to_string(), &delivery],
        )?;
    }
    for o in &record.revoke {
        tx.execute(
            "UPDATE device_scope SET revoked = $3 WHERE device = $1 AND order_id = $2",
            &[&device, &o.to_string(), &delivery],
        )?;
    }
    Ok(())
}

#[async_trait]
impl OrderStore for PgStore {
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
        let device = self.inner.server_device;
        self.with(move |c| {
            load_doc(c, id, device)?
                .map(|d| state(&d).map_err(Error::from))
                .transpose()
        })
        .await
    }

    async fn document(&self, id: OrderId) -> Result<Option<Vec<u8>>> {
        let device = self.inner.server_device;
        self.with(move |c| Ok(load_doc(c, id, device)?.map(|d| d.save())))
            .await
    }

    async fn list_orders(&self, filter: OrderFilter) -> Result<(Vec<OrderRow>, u64)> {
        self.with(move |c| projection::list_orders(c, &filter))
            .await
    }

    async fn billing_queue(
        &self,
        office: OfficeId,
        stage: BillingStage,
    ) -> Result<Vec<BillingRow>> {
        self.with(move |c| projection::billing_queue(c, office, stage))
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
        let epoch = self.inner.epoch;
        let planned = self
            .with(move |c| {
                let planned = {
                    let mut tx = c.snapshot()?;
                    let mut reads = Reads { tx: &mut tx, epoch };
                    catchup::plan(&mut reads, &device, cursor, page_bytes)?
                };
                Ok((planned.finish(record_sync), device))
            })
            .await?;
        let ((up, record), device) = planned;
        if let Some(record) = record {
            let (reply, rx) = oneshot::channel();
            if !self.enqueue(Job::Record {
                record,
                device,
                now,
                reply,
            }) {
                return Err(Error::Unavailable("the store is overloaded".into()));
            }
            rx.await
                .map_err(|_| Error::Unavailable("the writer stopped".into()))??;
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
        self.with(|c| {
            let n: i64 = c.query_one("SELECT count(*) FROM log", &[])?.try_get(0)?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
        .await
    }

    async fn ready(&self) -> Result<()> {
        // A write that changes nothing, committed: it fails while the database is down,
        // read-only (a standby) or refusing writes, as a device's changes would.
        self.tx(|tx| {
            tx.execute("UPDATE settings SET value = value WHERE key = 'epoch'", &[])?;
            Ok(())
        })
        .await?;
        if let Ok(mut e) = self.inner.storage_error.lock() {
            *e = None;
        }
        Ok(())
    }

    fn storage_error(&self) -> Option<String> {
        self.inner.storage_error.lock().ok().and_then(|e| e.clone())
    }
}
