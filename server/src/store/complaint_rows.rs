//! Receiving and changing a complaint, for every backend: the rules are sync-core's; a
//! backend gives the rows (`ComplaintRows`) inside one transaction of its own.

use baoxiu_sync_core::calendar::OfficeCalendar;
use baoxiu_sync_core::complaint::{Complaint, NewComplaint, receive_complaint};
use baoxiu_sync_core::{Millis, OfficeId, UserId};

use crate::error::{Error, Result};
use crate::store::ComplaintChange;

/// A backend's complaint rows, inside its transaction.
pub(crate) trait ComplaintRows {
    /// The office's calendar (not found when there is no such office).
    fn calendar(&mut self, office: OfficeId) -> Result<OfficeCalendar>;
    /// A complaint of the office, held for the rest of the transaction (another writer
    /// changing it waits).
    fn load_for_change(&mut self, office: OfficeId, id: &str) -> Result<Option<Complaint>>;
    fn save(&mut self, office: OfficeId, x: &Complaint) -> Result<()>;
}

/// Receives a complaint (a repeat changes the earlier one it names) and stores both.
pub(crate) fn create(
    rows: &mut impl ComplaintRows,
    office: OfficeId,
    new: &NewComplaint,
    received_at: Millis,
    by: UserId,
) -> Result<(Complaint, Option<Complaint>)> {
    let cal = rows.calendar(office)?;
    let id = uuid::Uuid::now_v7().to_string();
    let (x, earlier) = receive_complaint(id, new, received_at, &cal, by, |id| {
        // `same_as` names a complaint the office does not have: not found.
        rows.load_for_change(office, id)?
            .map(Some)
            .ok_or_else(|| Error::NotFound(format!("complaint {id}")))
    })?;
    if let Some(e) = &earlier {
        rows.save(office, e)?;
    }
    rows.save(office, &x)?;
    Ok((x, earlier))
}

/// Applies `change` to a complaint with the office's calendar and stores it; a refusal
/// stores nothing.
pub(crate) fn update(
    rows: &mut impl ComplaintRows,
    office: OfficeId,
    id: &str,
    change: ComplaintChange,
) -> Result<Complaint> {
    let cal = rows.calendar(office)?;
    let mut x = rows
        .load_for_change(office, id)?
        .ok_or_else(|| Error::NotFound(format!("complaint {id}")))?;
    change(&mut x, &cal)?;
    rows.save(office, &x)?;
    Ok(x)
}
