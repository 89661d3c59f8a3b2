//! The call-back programmes on SQLite (S5 25).

use async_trait::async_trait;
use baoxiu_sync_core::OfficeId;
use baoxiu_sync_core::programme::Programme;
use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use crate::error::Result;
use crate::store::ProgrammeStore;
use crate::store::decode::{from_json, parse, to_json};

const COLUMNS: &str = "id, data, created_by, created_at, updated_at";

type Row = (String, String, String, i64, i64);

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

pub(crate) fn to_programme((id, data, by, at, updated): Row) -> Result<Programme> {
    Ok(Programme {
        draft: from_json("call-back programme", &data)?,
        created_by: parse("user id", &by)?,
        created_at: at,
        updated_at: updated,
        id,
    })
}

#[async_trait]
impl ProgrammeStore for SqliteStore {
    async fn save_programme(&self, office: OfficeId, p: Programme) -> Result<()> {
        self.exec(move |c| {
            c.execute(
                "INSERT INTO callback_programmes
                   (id, office, title, starts, ends, data, created_by, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (id) DO UPDATE SET title = excluded.title,
                   starts = excluded.starts, ends = excluded.ends, data = excluded.data,
                   updated_at = excluded.updated_at",
                params![
                    p.id,
                    office.to_string(),
                    p.draft.title,
                    p.draft.starts,
                    p.draft.ends,
                    to_json(&p.draft)?,
                    p.created_by.to_string(),
                    p.created_at,
                    p.updated_at
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn programme(&self, office: OfficeId, id: String) -> Result<Option<Programme>> {
        self.read(move |_, c| {
            c.query_row(
                &format!("SELECT {COLUMNS} FROM callback_programmes WHERE id = ?1 AND office = ?2"),
                params![id, office.to_string()],
                row,
            )
            .optional()?
            .map(to_programme)
            .transpose()
        })
        .await
    }

    async fn programmes(&self, office: OfficeId) -> Result<Vec<Programme>> {
        self.read(move |_, c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM callback_programmes WHERE office = ?1
                 ORDER BY starts DESC, id DESC"
            ))?;
            let rows = stmt
                .query_map([office.to_string()], row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter().map(to_programme).collect()
        })
        .await
    }
}
