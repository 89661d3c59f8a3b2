//! A write to orders, as either backend's writer receives it: a device's batch, a REST
//! command, a new order. The writer runs it over its transaction's `OrderRows` and holds
//! the answer until its group commits.

use baoxiu_sync_core::protocol::{Hash, OrderChanges};
use baoxiu_sync_core::validate::Submitter;
use baoxiu_sync_core::{
    Author, DeviceId, EventBody, Millis, NewOrder, OfficeId, OrderId, WorkOrderState,
};
use tokio::sync::oneshot;

use super::SubmitError;
use super::apply::{self, OrderRows, Touched};
use super::docs::Docs;
use super::reply::Reply;
use crate::error::Result;

pub(crate) enum OrderJob {
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
}

impl OrderJob {
    /// Runs the write over `rows`; the answer waits for the group's commit.
    pub(crate) fn run(
        self,
        rows: &impl OrderRows,
        docs: &mut Docs,
        touched: &mut Touched,
        server_device: DeviceId,
    ) -> Reply {
        match self {
            OrderJob::Submit {
                who,
                batch,
                now,
                reply,
            } => Reply::Submit(
                reply,
                apply::submit(rows, &who, batch, now, docs, touched, server_device),
            ),
            OrderJob::Command {
                who,
                office,
                order,
                body,
                now,
                reply,
            } => Reply::State(
                reply,
                apply::command(
                    rows,
                    docs,
                    touched,
                    server_device,
                    who,
                    office,
                    order,
                    body,
                    now,
                ),
            ),
            OrderJob::Create {
                who,
                new,
                now,
                reply,
            } => Reply::State(reply, apply::create(rows, docs, touched, who, new, now)),
        }
    }

    /// Answers "unavailable" without running it (the writer has no transaction).
    pub(crate) fn fail(self, msg: &str) {
        let reply = match self {
            OrderJob::Submit { reply, .. } => Reply::Submit(reply, Ok(Vec::new())),
            OrderJob::Command { reply, .. } | OrderJob::Create { reply, .. } => {
                Reply::State(reply, Err(crate::error::Error::Unavailable(String::new())))
            }
        };
        reply.failed(msg).send(None);
    }
}
