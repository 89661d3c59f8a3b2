//! The fee schedule on SQLite (R-PAID, R-SERVICE-LIST): published versions, never changed.

use async_trait::async_trait;
use baoxiu_sync_core::fee_schedule::{FeeSchedule, ScheduleItem};
use baoxiu_sync_core::{Millis, UserId};
use rusqlite::{Connection, OptionalExtension, params};

use super::{SqliteStore, from_json, to_json};
use crate::error::{Error, Result};
use crate::store::FeeScheduleStore;

/// One item of a published version, for validating a coded fee line.
pub(super) fn schedule_item_of(
    c: &Connection,
    version: u32,
    code: &str,
) -> Result<Option<ScheduleItem>> {
    let json: Option<String> = c
        .prepare_cached(
            "SELECT j.value FROM fee_schedules s, json_each(s.items) j
             WHERE s.version = ?1 AND json_extract(j.value, '$.code') = ?2",
        )?
        .query_row(params![version, code], |r| r.get(0))
        .optional()?;
    json.map(|j| from_json("fee schedule item", &j)).transpose()
}

/// A version, or (`None`) the one in force at `now`: the newest already effective.
pub(super) fn schedule_of(
    c: &Connection,
    version: Option<u32>,
    now: Millis,
) -> Result<Option<FeeSchedule>> {
    let row: Option<(u32, Millis, String)> = match version {
        Some(v) => c
            .query_row(
                "SELECT version, effective_from, items FROM fee_schedules WHERE version = ?1",
                [v],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?,
        None => c
            .query_row(
                "SELECT version, effective_from, items FROM fee_schedules
                 WHERE effective_from <= ?1 ORDER BY version DESC LIMIT 1",
                [now],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?,
    };
    row.map(|(version, effective_from, items)| {
        Ok(FeeSchedule {
            version,
            effective_from,
            items: from_json("fee schedule", &items)?,
        })
    })
    .transpose()
}

#[async_trait]
impl FeeScheduleStore for SqliteStore {
    async fn publish_schedule(
        &self,
        effective_from: Millis,
        items: Vec<ScheduleItem>,
        by: UserId,
        now: Millis,
    ) -> Result<FeeSchedule> {
        self.exec(move |c| {
            let last: u32 = c.query_row(
                "SELECT coalesce(max(version), 0) FROM fee_schedules",
                [],
                |r| r.get(0),
            )?;
            let schedule = FeeSchedule {
                version: last
                    .checked_add(1)
                    .ok_or_else(|| Error::Conflict("no more schedule versions".into()))?,
                effective_from,
                items,
            };
            schedule.check()?;
            c.execute(
                "INSERT INTO fee_schedules (version, effective_from, published_at, published_by,
                     items)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    schedule.version,
                    schedule.effective_from,
                    now,
                    by.to_string(),
                    to_json(&schedule.items)?
                ],
            )?;
            Ok(schedule)
        })
        .await
    }

    async fn fee_schedule(&self, version: Option<u32>, now: Millis) -> Result<Option<FeeSchedule>> {
        self.read(move |_, c| schedule_of(c, version, now)).await
    }
}
