//! The fee schedule on PostgreSQL (R-PAID, R-SERVICE-LIST): published versions, never
//! changed.

use super::sql::Sql;
use async_trait::async_trait;
use baoxiu_sync_core::fee_schedule::{FeeSchedule, ScheduleItem};
use baoxiu_sync_core::{Millis, UserId};

use super::PgStore;
use crate::error::{Error, Result};
use crate::store::FeeScheduleStore;
use crate::store::decode::{from_json, to_json};

/// Publishing takes turns across nodes (the next version is the last plus one).
const PUBLISH_LOCK: i64 = 0x6261_6f78_6975_0003;

fn version_of(v: i64) -> Result<u32> {
    u32::try_from(v).map_err(|_| Error::Corrupt(format!("fee schedule version {v}")))
}

/// A version, or (`None`) the one in force at `now`: the newest already effective.
pub(super) fn schedule_of(
    c: &mut impl Sql,
    version: Option<u32>,
    now: Millis,
) -> Result<Option<FeeSchedule>> {
    let row = match version {
        Some(v) => c.query_opt(
            "SELECT version, effective_from, items FROM fee_schedules WHERE version = $1",
            &[&i64::from(v)],
        )?,
        None => c.query_opt(
            "SELECT version, effective_from, items FROM fee_schedules
             WHERE effective_from <= $1 ORDER BY version DESC LIMIT 1",
            &[&now],
        )?,
    };
    row.map(|r| {
        Ok(FeeSchedule {
            version: version_of(r.try_get(0)?)?,
            effective_from: r.try_get(1)?,
            items: from_json("fee schedule", &r.try_get::<_, String>(2)?)?,
        })
    })
    .transpose()
}

#[async_trait]
impl FeeScheduleStore for PgStore {
    async fn publish_schedule(
        &self,
        effective_from: Millis,
        items: Vec<ScheduleItem>,
        by: UserId,
        now: Millis,
    ) -> Result<FeeSchedule> {
        self.tx(move |tx| {
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PUBLISH_LOCK])?;
            let last: i64 = tx
                .query_one("SELECT coalesce(max(version), 0) FROM fee_schedules", &[])?
                .try_get(0)?;
            let schedule = FeeSchedule {
                version: version_of(last)?
                    .checked_add(1)
                    .ok_or_else(|| Error::Conflict("no more schedule versions".into()))?,
                effective_from,
                items,
            };
            schedule.check()?;
            tx.execute(
                "INSERT INTO fee_schedules (version, effective_from, published_at, published_by,
                     items)
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    &i64::from(schedule.version),
                    &schedule.effective_from,
                    &now,
                    &by.to_string(),
                    &to_json(&schedule.items)?,
                ],
            )?;
            Ok(schedule)
        })
        .await
    }

    async fn fee_schedule(&self, version: Option<u32>, now: Millis) -> Result<Option<FeeSchedule>> {
        self.with(move |c| schedule_of(c, version, now)).await
    }
}
