//! `RegisterStore` on PostgreSQL: one JSON document per office and register.

use async_trait::async_trait;
use baoxiu_sync_core::OfficeId;

use super::PgStore;
use super::directory::office_or_404;
use super::sql::Sql;
use crate::error::Result;
use crate::store::{Register, RegisterStore};

#[async_trait]
impl RegisterStore for PgStore {
    async fn register(&self, office: OfficeId, which: Register) -> Result<Option<String>> {
        let kind: &'static str = which.into();
        self.with(move |c| {
            office_or_404(c, office)?;
            c.query_opt(
                "SELECT data FROM office_registers WHERE office = $1 AND kind = $2",
                &[&office.to_string(), &kind],
            )?
            .map(|r| Ok(r.try_get(0)?))
            .transpose()
        })
        .await
    }

    async fn set_register(&self, office: OfficeId, which: Register, data: String) -> Result<()> {
        let kind: &'static str = which.into();
        self.tx(move |tx| {
            office_or_404(tx, office)?;
            tx.execute(
                "INSERT INTO office_registers (office, kind, data) VALUES ($1, $2, $3)
                 ON CONFLICT (office, kind) DO UPDATE SET data = excluded.data",
                &[&office.to_string(), &kind, &data],
            )?;
            Ok(())
        })
        .await
    }
}
