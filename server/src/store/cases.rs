//! Writing cases of the kinds other than work orders (S3), for every backend: a device's
//! changes to a vehicle repair, a vehicle's log, a requisition, a stock count or a
//! purchase plan are checked by sync-core's `validate_case` for their kind — the same
//! append-only, author, role, bounds, office and reach checks as an order's — and stored
//! in the same log, so they reach other devices by the same catch-up.
//!
//! A case has no projection beyond what scope needs (`CaseRow` and its members); its
//! state is its kind's reducer over its document, computed when read. Its documents are
//! small (one procedure, or a vehicle's month), so they are not cached or snapshotted.

use std::collections::BTreeSet;

use baoxiu_sync_core::doc::CaseDoc;
use baoxiu_sync_core::kinds::{CaseKind, Kind};
use baoxiu_sync_core::protocol::{Hash, OrderChanges};
use baoxiu_sync_core::supplies::purchase::PlanBody;
use baoxiu_sync_core::supplies::requisition::RequisitionBody;
use baoxiu_sync_core::supplies::stock_count::CountBody;
use baoxiu_sync_core::validate::{Refusal, Submitter, validate_case};
use baoxiu_sync_core::vehicles::case::RepairBody;
use baoxiu_sync_core::vehicles::log::LogBody;
use baoxiu_sync_core::vehicles::register::Fleet;
use baoxiu_sync_core::{Change, DeviceId, Millis, OfficeId, OrderId, UserId};

use super::apply::OrderRows;
use super::decode::{assemble_doc, from_json};
use crate::error::{Error, Result};
use crate::store::CommittedOrder;

/// What scope needs of a case: its kind, office and vehicle, who opened it and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CaseRow {
    pub(crate) id: OrderId,
    pub(crate) office: OfficeId,
    pub(crate) kind: Kind,
    pub(crate) vehicle: Option<String>,
    pub(crate) opened_by: UserId,
    /// The first fact's corrected time.
    pub(crate) opened_at: Millis,
    /// The server's clock when it last stored a change of the case.
    pub(crate) updated_at: Millis,
}

/// A case's changes that passed, to store once the whole batch has.
pub(crate) struct CheckedCase {
    pub(crate) row: CaseRow,
    /// Who holds the case when their reach is their own cases: everyone who recorded a
    /// fact in it and, for a vehicle's case, the vehicle's drivers.
    pub(crate) members: Vec<UserId>,
    pub(crate) new_changes: Vec<Change>,
    pub(crate) acked: Vec<Hash>,
    pub(crate) created: bool,
}

impl CheckedCase {
    /// What the commit announces: members stand where an order's technicians do, so a
    /// member's live session wakes.
    pub(crate) fn committed(&self) -> CommittedOrder {
        CommittedOrder {
            order: self.row.id,
            office: self.row.office,
            technicians: self.members.clone(),
            created_by: self.row.opened_by,
        }
    }
}

/// A failure to read what the check needs is the store's, not the device's.
pub(crate) enum CaseError {
    Refused(Refusal),
    Store(Error),
}

impl From<Error> for CaseError {
    fn from(e: Error) -> Self {
        CaseError::Store(e)
    }
}

/// Checks a device's changes to one case of `kind` (not a work order).
pub(crate) fn check(
    rows: &impl OrderRows,
    who: &Submitter,
    oc: &OrderChanges,
    kind: Kind,
    server_device: DeviceId,
    now: Millis,
) -> Result<CheckedCase, CaseError> {
    match kind {
        Kind::VehicleRepair => check_kind::<RepairBody>(rows, who, oc, server_device, now),
        Kind::VehicleLog => check_kind::<LogBody>(rows, who, oc, server_device, now),
        Kind::Requisition => check_kind::<RequisitionBody>(rows, who, oc, server_device, now),
        Kind::StockCount => check_kind::<CountBody>(rows, who, oc, server_device, now),
        Kind::PurchasePlan => check_kind::<PlanBody>(rows, who, oc, server_device, now),
        Kind::WorkOrder => Err(CaseError::Store(Error::Internal(
            "a work order is not written as a case".into(),
        ))),
    }
}

fn check_kind<B: CaseKind>(
    rows: &impl OrderRows,
    who: &Submitter,
    oc: &OrderChanges,
    server_device: DeviceId,
    now: Millis,
) -> Result<CheckedCase, CaseError> {
    let (snapshot, log) = rows.case_bytes(oc.order)?;
    let existing: Option<CaseDoc<B>> = assemble_doc(oc.order, snapshot, &log, server_device)?;
    let member = existing.is_some() && rows.is_member(oc.order, who.author.user)?;
    let v =
        validate_case(existing, oc.order, who, &oc.changes, member).map_err(CaseError::Refused)?;
    let mut members: BTreeSet<UserId> = v.authors.clone();
    if let Some(plate) = &v.vehicle {
        members.extend(drivers(rows, v.office, plate)?);
    }
    let first = v
        .doc
        .events()
        .first()
        .and_then(|e| e.event.as_ref().ok())
        .ok_or_else(|| Error::Internal("a validated case without its first fact".into()))?;
    let acked = v
        .duplicates
        .iter()
        .map(|h| h.0)
        .chain(v.new_changes.iter().map(|c| c.hash().0))
        .collect();
    Ok(CheckedCase {
        row: CaseRow {
            id: oc.order,
            office: v.office,
            kind: B::NAME,
            vehicle: v.vehicle.clone(),
            opened_by: first.author.user,
            opened_at: first.corrected_at(),
            updated_at: now,
        },
        members: members.into_iter().collect(),
        new_changes: v.new_changes,
        acked,
        created: v.created,
    })
}

/// The drivers of a vehicle in the office's fleet register (none when the office has no
/// register or the vehicle is not in it).
fn drivers(rows: &impl OrderRows, office: OfficeId, plate: &str) -> Result<Vec<UserId>> {
    let Some(text) = rows.fleet(office)? else {
        return Ok(Vec::new());
    };
    let fleet: Fleet = from_json("fleet register", &text)?;
    Ok(fleet
        .vehicles
        .into_iter()
        .find(|v| v.plate.eq_ignore_ascii_case(plate))
        .map(|v| v.drivers)
        .unwrap_or_default())
}
