//! `RegisterStore` on SQLite: one JSON document per office and register.

use async_trait::async_trait;
use baoxiu_sync_core::OfficeId;
use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use super::directory::office_or_404;
use crate::error::Result;
use crate::store::{Register, RegisterStore};

#[async_trait]
impl RegisterStore for SqliteStore {
    async fn register(&self, office: OfficeId, which: Register) -> Result<Option<String>> {
        let kind: &'static str = which.into();
        self.read(move |_, c| {
            office_or_404(c, office)?;
            Ok(c.query_row(
                "SELECT data FROM office_registers WHERE office = ?1 AND kind = ?2",
                params![office.to_string(), kind],
                |r| r.get(0),
            )
            .optional()?)
        })
        .await
    }

    async fn set_register(&self, office: OfficeId, which: Register, data: String) -> Result<()> {
        let kind: &'static str = which.into();
        self.exec(move |c| {
            office_or_404(c, office)?;
            c.execute(
                "INSERT INTO office_registers (office, kind, data) VALUES (?1, ?2, ?3)
                 ON CONFLICT (office, kind) DO UPDATE SET data = excluded.data",
                params![office.to_string(), kind, data],
            )?;
            Ok(())
        })
        .await
    }
}
