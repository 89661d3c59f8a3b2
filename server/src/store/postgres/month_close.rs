//! Closed months on PostgreSQL (R-MONTH): filed once, never updated.

use async_trait::async_trait;
use baoxiu_sync_core::OfficeId;

use super::PgStore;
use super::sql::Sql;
use crate::error::{Error, Result};
use crate::store::decode::parse;
use crate::store::{FiledMonth, MonthCloseStore};

#[async_trait]
impl MonthCloseStore for PgStore {
    async fn file_month(&self, office: OfficeId, filed: FiledMonth) -> Result<()> {
        self.tx(move |tx| {
            // Two supervisors closing the month on two nodes at once: one row wins.
            let inserted = tx.execute(
                "INSERT INTO month_closes (office, month, closed_at, closed_by, stats, register,
                     sample)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (office, month) DO NOTHING",
                &[
                    &office.to_string(),
                    &filed.month,
                    &filed.closed_at,
                    &filed.closed_by.to_string(),
                    &filed.stats,
                    &filed.register,
                    &filed.sample,
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
        self.with(move |c| {
            c.query_opt(
                "SELECT closed_at, closed_by, stats, register, sample FROM month_closes
                 WHERE office = $1 AND month = $2",
                &[&office.to_string(), &month],
            )?
            .map(|r| {
                Ok(FiledMonth {
                    month: month.clone(),
                    closed_at: r.try_get(0)?,
                    closed_by: parse("user id", &r.try_get::<_, String>(1)?)?,
                    stats: r.try_get(2)?,
                    register: r.try_get(3)?,
                    sample: r.try_get(4)?,
                })
            })
            .transpose()
        })
        .await
    }

    async fn month_sample_id(&self, office: OfficeId, month: String) -> Result<Option<String>> {
        self.with(move |c| {
            Ok(c.query_opt(
                "SELECT id FROM samples WHERE office = $1 AND month = $2
                 ORDER BY created_at DESC, id COLLATE \"C\" DESC LIMIT 1",
                &[&office.to_string(), &month],
            )?
            .map(|r| r.try_get(0))
            .transpose()?)
        })
        .await
    }
}
