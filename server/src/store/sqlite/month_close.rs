//! Closed months on SQLite (R-MONTH): filed once, never updated.

use async_trait::async_trait;
use baoxiu_sync_core::OfficeId;
use rusqlite::{OptionalExtension, params};

use super::{SqliteStore, parse};
use crate::error::{Error, Result};
use crate::store::{FiledMonth, MonthCloseStore};

#[async_trait]
impl MonthCloseStore for SqliteStore {
    async fn file_month(&self, office: OfficeId, filed: FiledMonth) -> Result<()> {
        self.exec(move |c| {
            let inserted = c.execute(
                "INSERT INTO month_closes (office, month, closed_at, closed_by, stats, register,
                     sample)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (office, month) DO NOTHING",
                params![
                    office.to_string(),
                    filed.month,
                    filed.closed_at,
                    filed.closed_by.to_string(),
                    filed.stats,
                    filed.register,
                    filed.sample
                ],
            )?;
            if inserted == 0 {
                return Err(Error::Conflict(format!(
                    "{} is already closed; later facts show as amendments",
                    filed.month
                )));
            }
            Ok(())
        })
        .await
    }

    async fn filed_month(&self, office: OfficeId, month: String) -> Result<Option<FiledMonth>> {
        self.read(move |_, c| {
            let row: Option<(i64, String, String, String, Option<String>)> = c
                .query_row(
                    "SELECT closed_at, closed_by, stats, register, sample FROM month_closes
                     WHERE office = ?1 AND month = ?2",
                    params![office.to_string(), month],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()?;
            row.map(|(closed_at, by, stats, register, sample)| {
                Ok(FiledMonth {
                    month: month.clone(),
                    closed_at,
                    closed_by: parse("user id", &by)?,
                    stats,
                    register,
                    sample,
                })
            })
            .transpose()
        })
        .await
    }

    async fn month_sample_id(&self, office: OfficeId, month: String) -> Result<Option<String>> {
        self.read(move |_, c| {
            Ok(c.query_row(
                "SELECT id FROM samples WHERE office = ?1 AND month = ?2
                 ORDER BY created_at DESC, id DESC LIMIT 1",
                params![office.to_string(), month],
                |r| r.get(0),
            )
            .optional()?)
        })
        .await
    }
}
