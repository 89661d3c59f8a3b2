//! R-CS-TRAINING on PostgreSQL: each person's training records.

use async_trait::async_trait;
use baoxiu_sync_core::training::Training;
use baoxiu_sync_core::{OfficeId, UserId};

use super::PgStore;
use super::sql::Sql;
use crate::error::{Error, Result};
use crate::store::TrainingStore;
use crate::store::decode::{TRAINING_COLUMNS, to_training};

#[async_trait]
impl TrainingStore for PgStore {
    async fn add_training(&self, office: OfficeId, t: Training) -> Result<()> {
        self.tx(move |tx| {
            let known = tx.query_opt(
                "SELECT 1 FROM users WHERE id = $1 AND office = $2",
                &[&t.person.to_string(), &office.to_string()],
            )?;
            if known.is_none() {
                return Err(Error::NotFound(format!("person {}", t.person)));
            }
            let kind: &str = t.kind.into();
            tx.execute(
                "INSERT INTO trainings (id, office, person, kind, course, completed_on,
                     recorded_by, recorded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &t.id,
                    &office.to_string(),
                    &t.person.to_string(),
                    &kind,
                    &t.course,
                    &t.completed_on.to_string(),
                    &t.recorded_by.to_string(),
                    &t.recorded_at,
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn trainings(&self, office: OfficeId, person: Option<UserId>) -> Result<Vec<Training>> {
        self.with(move |c| {
            c.query(
                &format!(
                    "SELECT {TRAINING_COLUMNS} FROM trainings
                     WHERE office = $1 AND ($2::TEXT IS NULL OR person = $2)
                     ORDER BY completed_on, id COLLATE \"C\""
                ),
                &[&office.to_string(), &person.map(|p| p.to_string())],
            )?
            .iter()
            .map(|r| {
                to_training((
                    r.try_get(0)?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                    r.try_get(5)?,
                    r.try_get(6)?,
                ))
            })
            .collect()
        })
        .await
    }
}
