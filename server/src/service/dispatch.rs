//! R-DISPATCH: suggestions for one order, from the office's people and their open jobs.
//! The ranking itself is sync-core's (`dispatch::rank`).

use baoxiu_sync_core::WorkOrderState;
use baoxiu_sync_core::dispatch::{Need, Suggestion, rank};

use crate::error::Result;
use crate::store::DirectoryStore;

/// The office's active technicians ranked for `order`.
pub async fn suggestions(
    store: &dyn DirectoryStore,
    order: &WorkOrderState,
    specialty: Option<String>,
    zone: Option<String>,
) -> Result<Vec<Suggestion>> {
    let office = order.office.id;
    let need = Need::infer(&order.description, &order.customer.unit, specialty, zone);
    let people = store.users(office).await?;
    let load = store.technician_load(office).await?;
    Ok(rank(people, &load, &need))
}
