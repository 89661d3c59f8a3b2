//! Cases of the kinds other than work orders, on PostgreSQL: their rows and members (the
//! changes go in the shared log, staged like an order's), and the cases in a device's
//! scope.

use std::collections::HashSet;

use baoxiu_sync_core::kinds::{Kind, Reach};
use baoxiu_sync_core::validate::Submitter;
use baoxiu_sync_core::{OfficeId, OrderId, UserId};

use async_trait::async_trait;

use super::PgStore;
use super::rows::load_bytes;
use super::sql::Sql;
use crate::error::{Error, Result};
use crate::store::cases::CaseRow;
use crate::store::decode::{assemble_saved, parse};
use crate::store::{CaseEntry, CaseStore};

pub(super) fn case_kind(c: &mut impl Sql, id: OrderId) -> Result<Option<Kind>> {
    c.query_opt("SELECT kind FROM cases WHERE id = $1", &[&id.to_string()])?
        .map(|r| parse("case kind", &r.try_get::<_, String>(0)?))
        .transpose()
}

pub(super) fn is_member(c: &mut impl Sql, id: OrderId, user: UserId) -> Result<bool> {
    Ok(c.query_opt(
        "SELECT 1 FROM case_members WHERE case_id = $1 AND user_id = $2",
        &[&id.to_string(), &user.to_string()],
    )?
    .is_some())
}

pub(super) fn fleet(c: &mut impl Sql, office: OfficeId) -> Result<Option<String>> {
    c.query_opt(
        "SELECT data FROM office_registers WHERE office = $1 AND kind = 'fleet'",
        &[&office.to_string()],
    )?
    .map(|r| Ok(r.try_get(0)?))
    .transpose()
}

/// Writes the case's row and members (its changes are staged by the caller).
pub(super) fn store_row(c: &mut impl Sql, row: &CaseRow, members: &[UserId]) -> Result<()> {
    let id = row.id.to_string();
    c.execute(
        "INSERT INTO cases (id, office, kind, vehicle, opened_by, opened_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at",
        &[
            &id,
            &row.office.to_string(),
            &row.kind.as_str(),
            &row.vehicle,
            &row.opened_by.to_string(),
            &row.opened_at,
            &row.updated_at,
        ],
    )?;
    for m in members {
        c.execute(
            "INSERT INTO case_members (case_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&id, &m.to_string()],
        )?;
    }
    Ok(())
}

/// The cases in `who`'s scope: of the kinds its role holds office-wide, every one of the
/// office; of the kinds it holds as its own, those it is a member of.
pub(super) fn scope(c: &mut impl Sql, who: &Submitter) -> Result<HashSet<OrderId>> {
    let role = who.author.role;
    let names = |reach| -> Vec<String> {
        Kind::cases_with(role, reach)
            .into_iter()
            .map(|k| k.as_str().to_owned())
            .collect()
    };
    let office = who.office.to_string();
    let mut out = HashSet::new();
    let wide = names(Reach::Office);
    let rows = if wide.is_empty() {
        Vec::new()
    } else {
        c.query(
            "SELECT id FROM cases WHERE office = $1 AND kind = ANY($2)",
            &[&office, &wide],
        )?
    };
    let own = names(Reach::Own);
    let mine = if own.is_empty() {
        Vec::new()
    } else {
        c.query(
            "SELECT c.id FROM case_members m JOIN cases c ON c.id = m.case_id
             WHERE m.user_id = $1 AND c.office = $2 AND c.kind = ANY($3)",
            &[&who.author.user.to_string(), &office, &own],
        )?
    };
    for r in rows.iter().chain(mine.iter()) {
        out.insert(parse("case id", &r.try_get::<_, String>(0)?)?);
    }
    Ok(out)
}

const ENTRY: &str = "c.id, c.kind, c.office, c.vehicle, c.opened_by, c.opened_at, c.updated_at";

fn to_entry(r: &postgres::Row) -> Result<CaseEntry> {
    Ok(CaseEntry {
        id: parse("case id", &r.try_get::<_, String>(0)?)?,
        kind: parse("case kind", &r.try_get::<_, String>(1)?)?,
        office: parse("office id", &r.try_get::<_, String>(2)?)?,
        vehicle: r.try_get(3)?,
        opened_by: parse("user id", &r.try_get::<_, String>(4)?)?,
        opened_at: r.try_get(5)?,
        updated_at: r.try_get(6)?,
    })
}

#[async_trait]
impl CaseStore for PgStore {
    async fn cases(
        &self,
        office: OfficeId,
        kinds: Vec<Kind>,
        member: Option<UserId>,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<CaseEntry>> {
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        self.with(move |c| {
            let names: Vec<String> = kinds.iter().map(|k| k.as_str().to_owned()).collect();
            let member = member.map(|m| m.to_string());
            let rows = c.query(
                &format!(
                    "SELECT {ENTRY} FROM cases c
                     WHERE c.office = $1 AND c.kind = ANY($2)
                       AND ($3::TEXT IS NULL OR EXISTS (SELECT 1 FROM case_members m
                            WHERE m.case_id = c.id AND m.user_id = $3))
                     ORDER BY c.opened_at DESC, c.id LIMIT $4 OFFSET $5"
                ),
                &[
                    &office.to_string(),
                    &names,
                    &member,
                    &i64::from(limit),
                    &i64::from(offset),
                ],
            )?;
            rows.iter().map(to_entry).collect()
        })
        .await
    }

    async fn case(&self, id: OrderId) -> Result<Option<(CaseEntry, Vec<UserId>, Vec<u8>)>> {
        self.with(move |c| {
            let key = id.to_string();
            let Some(row) = c.query_opt(
                &format!("SELECT {ENTRY} FROM cases c WHERE c.id = $1"),
                &[&key],
            )?
            else {
                return Ok(None);
            };
            let e = to_entry(&row)?;
            let members = c
                .query(
                    "SELECT user_id FROM case_members WHERE case_id = $1",
                    &[&key],
                )?
                .iter()
                .map(|r| parse("user id", &r.try_get::<_, String>(0)?))
                .collect::<Result<Vec<UserId>>>()?;
            let (snapshot, rows) = load_bytes(c, id)?;
            let doc = assemble_saved(id, snapshot, &rows)?
                .ok_or_else(|| Error::Corrupt(format!("case {id} has no changes")))?;
            Ok(Some((e, members, doc)))
        })
        .await
    }
}
