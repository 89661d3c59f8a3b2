//! The PDCA register on SQLite (S5 16).

use async_trait::async_trait;
use baoxiu_sync_core::improvement::{Improvement, Step};
use baoxiu_sync_core::{Millis, OfficeId, UserId};
use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use crate::error::{Error, Result};
use crate::store::decode::{from_json, to_json};
use crate::store::{ImprovementFilter, ImprovementStore};

fn load(c: &Connection, office: &str, id: &str) -> Result<Option<Improvement>> {
    c.query_row(
        "SELECT data FROM improvements WHERE id = ?1 AND office = ?2",
        params![id, office],
        |r| r.get::<_, String>(0),
    )
    .optional()?
    .map(|d| from_json("improvement", &d))
    .transpose()
}

fn save(c: &Connection, office: &str, x: &Improvement) -> Result<()> {
    let stage: &str = x.stage().into();
    c.execute(
        "INSERT INTO improvements (id, office, stage, cycle, carried_from, created_at, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET stage = excluded.stage, data = excluded.data",
        params![
            x.id,
            office,
            stage,
            x.cycle,
            x.carried_from,
            x.created_at,
            to_json(x)?
        ],
    )?;
    Ok(())
}

#[async_trait]
impl ImprovementStore for SqliteStore {
    async fn add_improvement(&self, office: OfficeId, item: Improvement) -> Result<()> {
        self.exec(move |c| save(c, &office.to_string(), &item))
            .await
    }

    async fn improvement(&self, office: OfficeId, id: String) -> Result<Option<Improvement>> {
        self.read(move |_, c| load(c, &office.to_string(), &id))
            .await
    }

    async fn improvements(
        &self,
        office: OfficeId,
        f: ImprovementFilter,
    ) -> Result<Vec<Improvement>> {
        self.read(move |_, c| {
            // One statement per filter, so each reads its index in order: an `OR` beside
            // the stage would read every row of the office and sort them.
            let (sql, stage): (&str, &str) = match f.stage {
                Some(s) => (
                    "SELECT data FROM improvements WHERE office = ?1 AND stage = ?2
                       AND (?4 = 0 OR stage <> 'closed')
                     ORDER BY created_at DESC, id DESC LIMIT ?3",
                    s.into(),
                ),
                None => (
                    "SELECT data FROM improvements WHERE office = ?1
                       AND ?2 = '' AND (?4 = 0 OR stage <> 'closed')
                     ORDER BY created_at DESC, id DESC LIMIT ?3",
                    "",
                ),
            };
            let mut stmt = c.prepare(sql)?;
            let rows = stmt.query_map(
                params![office.to_string(), stage, i64::from(f.limit), f.open],
                |r| r.get::<_, String>(0),
            )?;
            rows.map(|d| from_json("improvement", &d?)).collect()
        })
        .await
    }

    async fn step_improvement(
        &self,
        office: OfficeId,
        id: String,
        step: Step,
        (by, at): (UserId, Millis),
        manager: bool,
    ) -> Result<(Improvement, Option<Improvement>)> {
        self.exec(move |c| {
            let office = office.to_string();
            let mut x = load(c, &office, &id)?
                .ok_or_else(|| Error::NotFound(format!("improvement {id}")))?;
            // Who may step is decided on the item as it stands in this transaction: a plan
            // rewritten a moment ago decides whose do is accepted.
            if !x.may_take(&step, by, manager) {
                return Err(Error::Forbidden(
                    "plan, check and act are the manager's; do is also an action's owner's".into(),
                ));
            }
            let next = x.step(step, by, at)?;
            save(c, &office, &x)?;
            if let Some(n) = &next {
                save(c, &office, n)?;
            }
            Ok((x, next))
        })
        .await
    }
}
