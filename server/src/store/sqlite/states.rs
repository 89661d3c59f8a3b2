//! Order states as of a log position, shared by the writer (which publishes the state of
//! every order it commits) and the readers (the order page). A reader reads the order's
//! last log position in its own snapshot and uses a state only if it is of exactly that
//! position, so a stale entry is never served — also when another process wrote.

use std::collections::HashMap;
use std::sync::Mutex;

use baoxiu_sync_core::{OrderId, WorkOrderState};

/// States kept; past this the map is emptied (the writer refills it as it commits).
const LIMIT: usize = 4_096;

#[derive(Debug, Default)]
pub(super) struct States {
    map: Mutex<HashMap<OrderId, (i64, WorkOrderState)>>,
}

impl States {
    /// The state of `order` at log position `seq`, if known.
    pub(super) fn get(&self, order: OrderId, seq: i64) -> Option<WorkOrderState> {
        let map = self.map.lock().ok()?;
        match map.get(&order) {
            Some((s, st)) if *s == seq => Some(st.clone()),
            _ => None,
        }
    }

    /// Remembers `order`'s state at `seq`, unless a later one is already known.
    pub(super) fn put(&self, order: OrderId, seq: i64, state: WorkOrderState) {
        let Ok(mut map) = self.map.lock() else { return };
        if map.get(&order).is_some_and(|(s, _)| *s > seq) {
            return;
        }
        if map.len() >= LIMIT && !map.contains_key(&order) {
            map.clear();
        }
        map.insert(order, (seq, state));
    }
}
