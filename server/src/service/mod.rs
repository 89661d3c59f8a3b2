//! Domain services between HTTP and storage: they depend on the store traits, never on
//! SQL, and on sync-core for the rules.

pub mod case_actions;
pub mod case_writes;
pub mod cases;
pub mod complaint_analysis;
pub mod complaints;
pub mod customers;
pub mod dispatch;
pub mod hq;
pub mod kpi;
pub mod month;
pub mod month_close;
pub mod office_registers;
pub mod programmes;
pub mod qa;
pub mod rates;
pub mod register;
pub mod s3_reports;
pub mod samples;

use baoxiu_sync_core::OfficeId;

use crate::error::{Error, Result};
use crate::state::AppState;

/// An office's time zone, as stored: one that does not parse is `Corrupt`, never a
/// default.
pub fn zone_of(time_zone: &str) -> Result<chrono_tz::Tz> {
    time_zone
        .parse()
        .map_err(|_| Error::Corrupt(format!("the office's time zone {time_zone:?}")))
}

/// The time zone of `office` (its months, deadlines and the times it is shown).
pub async fn office_zone(st: &AppState, office: OfficeId) -> Result<chrono_tz::Tz> {
    let o = st
        .store
        .office(office)
        .await?
        .ok_or_else(|| Error::NotFound("office".into()))?;
    zone_of(&o.time_zone)
}
