//! The PDCA register on PostgreSQL (S5 16), as on SQLite. A step reads its item
//! `FOR UPDATE`: two people acting on it at once take turns, and the second is told
//! where it stands.

use async_trait::async_trait;
use baoxiu_sync_core::improvement::{Improvement, Step};
use baoxiu_sync_core::{Millis, OfficeId, UserId};

use super::PgStore;
use super::sql::Sql;
use crate::error::{Error, Result};
use crate::store::decode::{from_json, to_json};
use crate::store::{ImprovementFilter, ImprovementStore};

fn load(c: &mut impl Sql, office: &str, id: &str, lock: bool) -> Result<Option<Improvement>> {
    let sql = if lock {
        "SELECT data FROM improvements WHERE id = $1 AND office = $2 FOR UPDATE"
    } else {
        "SELECT data FROM improvements WHERE id = $1 AND office = $2"
    };
    c.query_opt(sql, &[&id, &office])?
        .map(|r| from_json("improvement", &r.try_get::<_, String>(0)?))
        .transpose()
}

fn save(c: &mut impl Sql, office: &str, x: &Improvement) -> Result<()> {
    let stage: &str = x.stage().into();
    let cycle = i32::try_from(x.cycle)
        .map_err(|_| Error::Invalid(format!("cycle {} is out of range", x.cycle)))?;
    c.execute(
        "INSERT INTO improvements (id, office, stage, cycle, carried_from, created_at, data)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET stage = excluded.stage, data = excluded.data",
        &[
            &x.id,
            &office,
            &stage,
            &cycle,
            &x.carried_from,
            &x.created_at,
            &to_json(x)?,
        ],
    )?;
    Ok(())
}

#[async_trait]
impl ImprovementStore for PgStore {
    async fn add_improvement(&self, office: OfficeId, item: Improvement) -> Result<()> {
        self.tx(move |tx| save(tx, &office.to_string(), &item))
            .await
    }

    async fn improvement(&self, office: OfficeId, id: String) -> Result<Option<Improvement>> {
        self.with(move |c| load(c, &office.to_string(), &id, false))
            .await
    }

    async fn improvements(
        &self,
        office: OfficeId,
        f: ImprovementFilter,
    ) -> Result<Vec<Improvement>> {
        self.with(move |c| {
            // One statement per filter, so each reads its index in order (as on SQLite).
            let (sql, stage): (&str, &str) = match f.stage {
                Some(s) => (
                    "SELECT data FROM improvements WHERE office = $1 AND stage = $2
                       AND ($4::BIGINT = 0 OR stage <> 'closed')
                     ORDER BY created_at DESC, id COLLATE \"C\" DESC LIMIT $3",
                    s.into(),
                ),
                None => (
                    "SELECT data FROM improvements WHERE office = $1
                       AND $2::TEXT = '' AND ($4::BIGINT = 0 OR stage <> 'closed')
                     ORDER BY created_at DESC, id COLLATE \"C\" DESC LIMIT $3",
                    "",
                ),
            };
            c.query(
                sql,
                &[
                    &office.to_string(),
                    &stage,
                    &i64::from(f.limit),
                    &i64::from(f.open),
                ],
            )?
            .iter()
            .map(|r| from_json("improvement", &r.try_get::<_, String>(0)?))
            .collect()
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
        self.tx(move |tx| {
            let office = office.to_string();
            let mut x = load(tx, &office, &id, true)?
                .ok_or_else(|| Error::NotFound(format!("improvement {id}")))?;
            // Who may step is decided on the item as it stands in this transaction: a plan
            // rewritten a moment ago decides whose do is accepted.
            if !x.may_take(&step, by, manager) {
                return Err(Error::Forbidden(
                    "plan, check and act are the manager's; do is also an action's owner's".into(),
                ));
            }
            let next = x.step(step, by, at)?;
            save(tx, &office, &x)?;
            if let Some(n) = &next {
                save(tx, &office, n)?;
            }
            Ok((x, next))
        })
        .await
    }
}
