//! The QA inspections on SQLite (R-CS-QA).

use async_trait::async_trait;
use baoxiu_sync_core::qa::{Inspection, Subject};
use baoxiu_sync_core::{Millis, OfficeId};
use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use crate::error::{Error, Result};
use crate::store::QaStore;
use crate::store::decode::{from_json, to_json};

#[async_trait]
impl QaStore for SqliteStore {
    async fn add_inspection(&self, office: OfficeId, x: Inspection) -> Result<()> {
        self.exec(move |c| {
            let subject: &str = x.subject.into();
            let added = c.execute(
                "INSERT INTO qa_inspections
                   (id, office, subject, subject_id, agent, inspected_by, inspected_at, data)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (office, subject, subject_id) DO NOTHING",
                params![
                    x.id,
                    office.to_string(),
                    subject,
                    x.subject_id,
                    x.agent.to_string(),
                    x.inspected_by.to_string(),
                    x.inspected_at,
                    to_json(&x)?
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
        self.read(move |_, c| {
            let mut stmt = c.prepare(
                "SELECT data FROM qa_inspections
                 WHERE office = ?1 AND inspected_at >= ?2 AND inspected_at < ?3
                 ORDER BY inspected_at DESC, id DESC LIMIT ?4",
            )?;
            let rows = stmt.query_map(
                params![office.to_string(), from, to, i64::from(limit)],
                |r| r.get::<_, String>(0),
            )?;
            rows.map(|d| from_json("inspection", &d?)).collect()
        })
        .await
    }

    async fn inspections_of(
        &self,
        office: OfficeId,
        subject: Subject,
        ids: Vec<String>,
    ) -> Result<Vec<Inspection>> {
        self.read(move |_, c| {
            let subject: &str = subject.into();
            let mut stmt = c.prepare(
                "SELECT data FROM qa_inspections
                 WHERE office = ?1 AND subject = ?2 AND subject_id = ?3",
            )?;
            let mut out = Vec::new();
            for id in &ids {
                let found = stmt
                    .query_row(params![office.to_string(), subject, id], |r| {
                        r.get::<_, String>(0)
                    })
                    .optional()?;
                if let Some(d) = found {
                    out.push(from_json("inspection", &d)?);
                }
            }
            Ok(out)
        })
        .await
    }
}
