//! The writer's documents, at three levels: committed (the cache kept between groups),
//! staged (changed by earlier jobs of the group, whose savepoints were released) and the
//! running job's own. A job *takes* a document out — no clone, however long the order —
//! and either hands it back changed (its level) or, when it only looked, puts it back
//! where it came from. A document taken and lost (a refused batch that had been applied,
//! a panic) is simply read again from the database the next time: what the cache holds
//! is never ahead of what the transaction holds.

use std::collections::HashMap;

use baoxiu_sync_core::{DeviceId, OrderId, WorkOrderDoc};

use super::apply::OrderRows;
use crate::error::Result;

/// Documents kept in memory between groups; the cache is dropped past this.
const CACHE_LIMIT: usize = 20_000;

/// Where a taken document came from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Level {
    Mine,
    Staged,
    Committed,
    /// Read from the transaction: it may hold earlier jobs' uncommitted work, so it goes
    /// back with the staged ones, not into the committed cache.
    Read,
}

#[derive(Debug, Default)]
pub(crate) struct Docs {
    committed: HashMap<OrderId, WorkOrderDoc>,
    staged: HashMap<OrderId, WorkOrderDoc>,
    mine: HashMap<OrderId, WorkOrderDoc>,
}

impl Docs {
    /// Takes `order`'s document out, to be changed by the running job, written as
    /// `device`.
    pub(crate) fn take(
        &mut self,
        rows: &impl OrderRows,
        order: OrderId,
        device: DeviceId,
    ) -> Result<Option<(WorkOrderDoc, Level)>> {
        let found = if let Some(d) = self.mine.remove(&order) {
            Some((d, Level::Mine))
        } else if let Some(d) = self.staged.remove(&order) {
            Some((d, Level::Staged))
        } else if let Some(d) = self.committed.remove(&order) {
            Some((d, Level::Committed))
        } else {
            rows.load_doc(order, device)?.map(|d| (d, Level::Read))
        };
        Ok(found.map(|(mut d, level)| {
            // Whatever copy this is (a device's validated one included), the server
            // writes as itself.
            d.set_device(device);
            (d, level)
        }))
    }

    /// Puts back a document the job took but did not change.
    pub(crate) fn put_back(&mut self, order: OrderId, doc: WorkOrderDoc, level: Level) {
        let to = match level {
            Level::Mine => &mut self.mine,
            Level::Staged | Level::Read => &mut self.staged,
            Level::Committed => &mut self.committed,
        };
        to.insert(order, doc);
    }

    /// Keeps a document the running job changed.
    pub(crate) fn changed(&mut self, order: OrderId, doc: WorkOrderDoc) {
        self.mine.insert(order, doc);
    }

    /// A document the running job changed, to read (e.g. to snapshot it).
    pub(crate) fn mine(&self, order: OrderId) -> Option<&WorkOrderDoc> {
        self.mine.get(&order)
    }

    /// Looks at a document without taking it (`None`: not in memory).
    pub(crate) fn peek(&self, order: OrderId) -> Option<&WorkOrderDoc> {
        self.mine
            .get(&order)
            .or_else(|| self.staged.get(&order))
            .or_else(|| self.committed.get(&order))
    }

    /// The running job ended: its documents join the group's if its savepoint was
    /// released, and are dropped if it rolled back.
    pub(crate) fn job_done(&mut self, released: bool) {
        if released {
            self.staged.extend(self.mine.drain());
        } else {
            self.mine.clear();
        }
    }

    /// The group ended: its documents are the committed ones if it committed, and are
    /// dropped if it did not.
    pub(crate) fn group_done(&mut self, committed: bool) {
        self.mine.clear();
        if committed {
            self.committed.extend(self.staged.drain());
            if self.committed.len() > CACHE_LIMIT {
                self.committed.clear();
            }
        } else {
            self.staged.clear();
        }
    }
}
