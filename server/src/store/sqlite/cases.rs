//! Cases of the kinds other than work orders, on SQLite: their rows and members (the
//! changes go in the shared log), and the cases in a device's scope.

use std::collections::HashSet;

use baoxiu_sync_core::kinds::{Kind, Reach};
use baoxiu_sync_core::validate::Submitter;
use baoxiu_sync_core::{Change, OfficeId, OrderId, UserId};
use rusqlite::{Connection, OptionalExtension, params};

use async_trait::async_trait;

use super::SqliteStore;
use super::log::{append, load_bytes};
use crate::error::Result;
use crate::store::cases::CaseRow;
use crate::store::decode::{assemble_saved, parse};
use crate::store::{CaseEntry, CaseStore};

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

const ENTRY: &str = "c.id, c.kind, c.office, c.vehicle, c.opened_by, c.opened_at, c.updated_at";

fn entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<[Option<String>; 5]> {
    Ok([
        Some(r.get(0)?),
        Some(r.get(1)?),
        Some(r.get(2)?),
        r.get(3)?,
        Some(r.get(4)?),
    ])
}

fn to_entry(t: [Option<String>; 5], opened_at: i64, updated_at: i64) -> Result<CaseEntry> {
    let [id, kind, office, vehicle, opened_by] = t;
    let text = |v: Option<String>| v.unwrap_or_default();
    Ok(CaseEntry {
        id: parse("case id", &text(id))?,
        kind: parse("case kind", &text(kind))?,
        office: parse("office id", &text(office))?,
        vehicle,
        opened_by: parse("user id", &text(opened_by))?,
        opened_at,
        updated_at,
    })
}

#[async_trait]
impl CaseStore for SqliteStore {
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
        self.read(move |_, c| {
            // The kinds are this build's own names, never input.
            let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
            let list = format!("'{}'", names.join("','"));
            // (?2 is empty without a member: the condition then holds for every case.)
            let sql = format!(
                "SELECT {ENTRY} FROM cases c
                 WHERE c.office = ?1 AND c.kind IN ({list})
                   AND (?2 = '' OR EXISTS (SELECT 1 FROM case_members m
                        WHERE m.case_id = c.id AND m.user_id = ?2))
                 ORDER BY c.opened_at DESC, c.id LIMIT ?3 OFFSET ?4"
            );
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt
                .query_map(
                    params![
                        office.to_string(),
                        member.map(|m| m.to_string()).unwrap_or_default(),
                        limit,
                        offset
                    ],
                    |r| Ok((entry(r)?, r.get::<_, i64>(5)?, r.get::<_, i64>(6)?)),
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(t, a, u)| to_entry(t, a, u))
                .collect()
        })
        .await
    }

    async fn case(&self, id: OrderId) -> Result<Option<(CaseEntry, Vec<UserId>, Vec<u8>)>> {
        self.read(move |_, c| {
            let row = c
                .prepare_cached(&format!("SELECT {ENTRY} FROM cases c WHERE c.id = ?1"))?
                .query_row([id.to_string()], |r| {
                    Ok((entry(r)?, r.get::<_, i64>(5)?, r.get::<_, i64>(6)?))
                })
                .optional()?;
            let Some((t, a, u)) = row else {
                return Ok(None);
            };
            let e = to_entry(t, a, u)?;
            let members = c
                .prepare_cached("SELECT user_id FROM case_members WHERE case_id = ?1")?
                .query_map([id.to_string()], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?
                .iter()
                .map(|m| parse("user id", m))
                .collect::<Result<Vec<UserId>>>()?;
            let (snapshot, rows) = load_bytes(c, id)?;
            let doc = assemble_saved(id, snapshot, &rows)?
                .ok_or_else(|| crate::error::Error::Corrupt(format!("case {id} has no changes")))?;
            Ok(Some((e, members, doc)))
        })
        .await
    }
}
