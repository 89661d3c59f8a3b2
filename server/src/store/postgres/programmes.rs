//! The call-back programmes on PostgreSQL (S5 25), as on SQLite.

use async_trait::async_trait;
use baoxiu_sync_core::OfficeId;
use baoxiu_sync_core::programme::Programme;

use super::PgStore;
use super::sql::Sql;
use crate::error::Result;
use crate::store::ProgrammeStore;
use crate::store::decode::{from_json, parse, to_json};

const COLUMNS: &str = "id, data, created_by, created_at, updated_at";

fn to_programme(r: &postgres::Row) -> Result<Programme> {
    let data: String = r.try_get(1)?;
    let by: String = r.try_get(2)?;
    Ok(Programme {
        id: r.try_get(0)?,
        draft: from_json("call-back programme", &data)?,
        created_by: parse("user id", &by)?,
        created_at: r.try_get(3)?,
        updated_at: r.try_get(4)?,
    })
}

#[async_trait]
impl ProgrammeStore for PgStore {
    async fn save_programme(&self, office: OfficeId, p: Programme) -> Result<()> {
        self.tx(move |tx| {
            tx.execute(
                "INSERT INTO callback_programmes
                   (id, office, title, starts, ends, data, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (id) DO UPDATE SET title = excluded.title,
                   starts = excluded.starts, ends = excluded.ends, data = excluded.data,
                   updated_at = excluded.updated_at",
                &[
                    &p.id,
                    &office.to_string(),
                    &p.draft.title,
                    &p.draft.starts,
                    &p.draft.ends,
                    &to_json(&p.draft)?,
                    &p.created_by.to_string(),
                    &p.created_at,
                    &p.updated_at,
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn programme(&self, office: OfficeId, id: String) -> Result<Option<Programme>> {
        self.with(move |c| {
            c.query_opt(
                &format!("SELECT {COLUMNS} FROM callback_programmes WHERE id = $1 AND office = $2"),
                &[&id, &office.to_string()],
            )?
            .map(|r| to_programme(&r))
            .transpose()
        })
        .await
    }

    async fn programmes(&self, office: OfficeId) -> Result<Vec<Programme>> {
        self.with(move |c| {
            c.query(
                &format!(
                    "SELECT {COLUMNS} FROM callback_programmes WHERE office = $1
                     ORDER BY starts DESC, id COLLATE \"C\" DESC"
                ),
                &[&office.to_string()],
            )?
            .iter()
            .map(to_programme)
            .collect()
        })
        .await
    }
}
