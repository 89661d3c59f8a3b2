//! R-CS-TRAINING on SQLite: each person's training records.

use async_trait::async_trait;
use baoxiu_sync_core::training::Training;
use baoxiu_sync_core::{OfficeId, UserId};
use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use crate::error::{Error, Result};
use crate::store::TrainingStore;
use crate::store::decode::{TRAINING_COLUMNS, to_training};

#[async_trait]
impl TrainingStore for SqliteStore {
    async fn add_training(&self, office: OfficeId, t: Training) -> Result<()> {
        self.exec(move |c| {
            let known: Option<i64> = c
                .query_row(
                    "SELECT 1 FROM users WHERE id = ?1 AND office = ?2",
                    params![t.person.to_string(), office.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            if known.is_none() {
                return Err(Error::NotFound(format!("person {}", t.person)));
            }
            let kind: &str = t.kind.into();
            c.execute(
                "INSERT INTO trainings (id, office, person, kind, course, completed_on,
                     recorded_by, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    t.id,
                    office.to_string(),
                    t.person.to_string(),
                    kind,
                    t.course,
                    t.completed_on.to_string(),
                    t.recorded_by.to_string(),
                    t.recorded_at,
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn trainings(&self, office: OfficeId, person: Option<UserId>) -> Result<Vec<Training>> {
        self.read(move |_, c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {TRAINING_COLUMNS} FROM trainings
                 WHERE office = ?1 AND (?2 IS NULL OR person = ?2)
                 ORDER BY completed_on, id"
            ))?;
            let rows = stmt
                .query_map(
                    params![office.to_string(), person.map(|p| p.to_string())],
                    |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                            r.get(6)?,
                        ))
                    },
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter().map(to_training).collect()
        })
        .await
    }
}
