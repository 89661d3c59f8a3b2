//! The QA inspections on PostgreSQL (R-CS-QA), as on SQLite.

use async_trait::async_trait;
use baoxiu_sync_core::qa::{Inspection, Subject};
use baoxiu_sync_core::{Millis, OfficeId};

use super::PgStore;
use super::sql::Sql;
use crate::error::{Error, Result};
use crate::store::QaStore;
use crate::store::decode::{from_json, to_json};

#[async_trait]
impl QaStore for PgStore {
    async fn add_inspection(&self, office: OfficeId, x: Inspection) -> Result<()> {
        self.tx(move |tx| {
            let subject: &str = x.subject.into();
            // Two inspectors at once: the second finds the row and is told.
            let added = tx.execute(
                "INSERT INTO qa_inspections
                   (id, office, subject, subject_id, agent, inspected_by, inspected_at, data)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (office, subject, subject_id) DO NOTHING",
                &[
                    &x.id,
                    &office.to_string(),
                    &subject,
                    &x.subject_id,
                    &x.agent.to_string(),
                    &x.inspected_by.to_string(),
                    &x.inspected_at,
                    &to_json(&x)?,
                ],
            )?;
            if added == 0 {
                return Err(Error::Conflict(format!(
                    "R-CS-QA: {subject} {} is inspected already",
                    x.subject_id
                )));
            }
            Ok(())
        })
        .await
    }

    async fn inspections(
        &self,
        office: OfficeId,
        from: Millis,
        to: Millis,
        limit: u32,
    ) -> Result<Vec<Inspection>> {
        self.with(move |c| {
            let rows = c.query(
                "SELECT data FROM qa_inspections
                 WHERE office = $1 AND inspected_at >= $2 AND inspected_at < $3
                 ORDER BY inspected_at DESC, id DESC LIMIT $4",
                &[&office.to_string(), &from, &to, &i64::from(limit)],
            )?;
            rows.iter()
                .map(|r| from_json("inspection", &r.try_get::<_, String>(0)?))
                .collect()
        })
        .await
    }

    async fn inspections_of(
        &self,
        office: OfficeId,
        subject: Subject,
        ids: Vec<String>,
    ) -> Result<Vec<Inspection>> {
        self.with(move |c| {
            let subject: &str = subject.into();
            let rows = c.query(
                "SELECT data FROM qa_inspections
                 WHERE office = $1 AND subject = $2 AND subject_id = ANY($3)",
                &[&office.to_string(), &subject, &ids],
            )?;
            rows.iter()
                .map(|r| from_json("inspection", &r.try_get::<_, String>(0)?))
                .collect()
        })
        .await
    }
}
