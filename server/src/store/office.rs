//! The office's calendar (working days and the complaint periods) and its settings.

use std::fmt::Debug;

use async_trait::async_trait;
use baoxiu_sync_core::OfficeId;
use baoxiu_sync_core::calendar::{CalendarKind, OfficeCalendar};
use baoxiu_sync_core::settings::OfficeSettings;
use chrono::NaiveDate;

use crate::error::{Error, Result};

/// A change to an office's calendar.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CalendarChange {
    pub kind: Option<CalendarKind>,
    pub decision_days: Option<u32>,
    pub tell_days: Option<u32>,
    /// Day → working, not working, or None to remove the override.
    pub overrides: Vec<(NaiveDate, Option<bool>)>,
}

impl CalendarChange {
    /// The kind and the two complaint periods (R-CPL-DECIDE) after this change to `cur`,
    /// checked: what a backend stores.
    pub(crate) fn settle(&self, cur: &OfficeCalendar) -> Result<(CalendarKind, u32, u32)> {
        let decide = self.decision_days.unwrap_or(cur.decision_days);
        let tell = self.tell_days.unwrap_or(cur.tell_days);
        if !(1..=120).contains(&decide) {
            return Err(Error::Invalid("decision_days is 1–120 working days".into()));
        }
        if !(1..=60).contains(&tell) {
            return Err(Error::Invalid("tell_days is 1–60 working days".into()));
        }
        Ok((self.kind.unwrap_or(cur.calendar.kind), decide, tell))
    }
}

/// Office calendars (working days) and settings.
#[async_trait]
pub trait OfficeStore: Send + Sync + Debug {
    async fn calendar(&self, office: OfficeId) -> Result<OfficeCalendar>;
    async fn set_calendar(
        &self,
        office: OfficeId,
        change: CalendarChange,
    ) -> Result<OfficeCalendar>;
    /// The office's settings; defaults where it set none.
    async fn settings(&self, office: OfficeId) -> Result<OfficeSettings>;
    async fn set_settings(&self, office: OfficeId, settings: OfficeSettings) -> Result<()>;
}
