//! Cases of the kinds other than work orders, on SQLite: their rows and members (the
//! changes go in the shared log), and the cases in a device's scope.

use std::collections::HashSet;

use baoxiu_sync_core::kinds::{Kind, Reach};
use baoxiu_sync_core::validate::Submitter;
use baoxiu_sync_core::{Change, OfficeId, OrderId, UserId};
use rusqlite::{Connection, OptionalExtension, params};

use super::log::append;
use crate::error::Result;
use crate::store::cases::CaseRow;
use crate::store::decode::parse;

pub(super) fn case_kind(c: &Connection, id: OrderId) -> Result<Option<Kind>> {
    let kind: Option<String> = c
        .prepare_cached("SELECT kind FROM cases WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    kind.map(|k| parse("case kind", &k)).transpose()
}

pub(super) fn is_member(c: &Connection, id: OrderId, user: UserId) -> Result<bool> {
    Ok(
        c.prepare_cached("SELECT 1 FROM case_members WHERE case_id = ?1 AND user_id = ?2")?
            .query_row(params![id.to_string(), user.to_string()], |_| Ok(()))
            .optional()?
            .is_some(),
    )
}

pub(super) fn fleet(c: &Connection, office: OfficeId) -> Result<Option<String>> {
    Ok(
        c.prepare_cached("SELECT data FROM office_registers WHERE office = ?1 AND kind = 'fleet'")?
            .query_row([office.to_string()], |r| r.get(0))
            .optional()?,
    )
}

/// Appends the case's changes and writes its row and members; returns its last log
/// position.
pub(super) fn store_case(
    tx: &Connection,
    row: &CaseRow,
    members: &[UserId],
    changes: &[Change],
) -> Result<i64> {
    let id = row.id.to_string();
    append(tx, row.id, changes)?;
    tx.prepare_cached(
        "INSERT INTO cases (id, office, kind, vehicle, opened_by, opened_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at",
    )?
    .execute(params![
        id,
        row.office.to_string(),
        row.kind.as_str(),
        row.vehicle,
        row.opened_by.to_string(),
        row.opened_at,
        row.updated_at
    ])?;
    let mut add =
        tx.prepare_cached("INSERT OR IGNORE INTO case_members (case_id, user_id) VALUES (?1, ?2)")?;
    for m in members {
        add.execute(params![id, m.to_string()])?;
    }
    Ok(tx
        .prepare_cached("SELECT max(seq) FROM log WHERE order_id = ?1")?
        .query_row([&id], |r| r.get::<_, Option<i64>>(0))?
        .unwrap_or(0))
}

/// The cases in `who`'s scope: of the kinds its role holds office-wide, every one of the
/// office; of the kinds it holds as its own, those it is a member of.
pub(super) fn scope(c: &Connection, who: &Submitter) -> Result<HashSet<OrderId>> {
    let role = who.author.role;
    let mut out = HashSet::new();
    let mut read = |sql: &str, key: String, kinds: Vec<Kind>| -> Result<()> {
        if kinds.is_empty() {
            return Ok(());
        }
        let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        // The kinds are this build's own names, never input.
        let list = format!("'{}'", names.join("','"));
        let mut stmt = c.prepare_cached(&sql.replace("{kinds}", &list))?;
        let rows = stmt
            .query_map(params![key, who.office.to_string()], |r| {
                r.get::<_, String>(0)
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for r in rows {
            out.insert(parse("case id", &r)?);
        }
        Ok(())
    };
    read(
        "SELECT id FROM cases WHERE office = ?1 AND ?2 = ?1 AND kind IN ({kinds})",
        who.office.to_string(),
        Kind::cases_with(role, Reach::Office),
    )?;
    read(
        "SELECT c.id FROM case_members m JOIN cases c ON c.id = m.case_id
         WHERE m.user_id = ?1 AND c.office = ?2 AND c.kind IN ({kinds})",
        who.author.user.to_string(),
        Kind::cases_with(role, Reach::Own),
    )?;
    Ok(out)
}
