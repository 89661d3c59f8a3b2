//! The change log on SQLite: every stored change in the order it was stored (devices
//! keep a cursor into it), and per-order snapshots; an order loads as its snapshot plus
//! the log rows after it.

use baoxiu_sync_core::{Change, DeviceId, OrderId, WorkOrderDoc, WorkOrderState};
use rusqlite::{Connection, OptionalExtension, params};

use super::project;
use crate::error::{Error, Result};

/// Write a fresh snapshot once an order has this many changes after its last one, or a
/// quarter of its facts if that is more: a long order is not saved whole every few
/// changes (saving costs its length), yet loads from a snapshot plus at most a quarter.
const COMPACT_AFTER: i64 = 64;

/// An order's document: its snapshot plus the log rows after it.
pub(crate) fn load_doc(
    conn: &Connection,
    order: OrderId,
    device: DeviceId,
) -> Result<Option<WorkOrderDoc>> {
    let id = order.to_string();
    let snap: Option<(Vec<u8>, i64)> = conn
        .query_row(
            "SELECT bytes, through_seq FROM snapshots WHERE order_id = ?1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (doc, through) = match snap {
        Some((bytes, through)) => (Some(WorkOrderDoc::load(&bytes, device)?), through),
        None => (None, 0),
    };
    let mut stmt =
        conn.prepare_cached("SELECT bytes FROM log WHERE order_id = ?1 AND seq > ?2 ORDER BY seq")?;
    let rows: Vec<Vec<u8>> = stmt
        .query_map(params![id, through], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if doc.is_none() {
        if rows.is_empty() {
            return Ok(None);
        }
        let d = WorkOrderDoc::from_encoded_changes(&rows, device)?;
        return Ok(Some(d));
    }
    let Some(mut doc) = doc else { return Ok(None) };
    doc.apply_encoded(&rows)?;
    if !doc.missing_deps().is_empty() {
        return Err(Error::Corrupt(format!("order {order} is missing changes")));
    }
    Ok(Some(doc))
}

/// Appends changes to the log and updates the projection, in the caller's transaction.
/// Returns the order's last log position.
pub(super) fn store_changes(
    tx: &Connection,
    order: OrderId,
    doc: &WorkOrderDoc,
    st: &WorkOrderState,
    changes: &[Change],
) -> Result<i64> {
    let id = order.to_string();
    {
        let mut ins = tx.prepare_cached(
            "INSERT OR IGNORE INTO log (order_id, hash, actor, bytes) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for c in changes {
            ins.execute(params![
                id,
                c.hash().0.as_slice(),
                c.actor_id().to_bytes(),
                c.raw_bytes()
            ])?;
        }
    }
    project(tx, st)?;
    let (since, max): (i64, i64) = tx.query_row(
        "SELECT (SELECT count(*) FROM log WHERE order_id = ?1
                   AND seq > coalesce((SELECT through_seq FROM snapshots WHERE order_id = ?1), 0)),
                (SELECT max(seq) FROM log WHERE order_id = ?1)",
        [&id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let facts = i64::try_from(doc.events().len()).unwrap_or(i64::MAX);
    if since >= COMPACT_AFTER.max(facts / 4) {
        tx.execute(
            "INSERT INTO snapshots (order_id, bytes, through_seq) VALUES (?1, ?2, ?3)
             ON CONFLICT (order_id) DO UPDATE SET bytes = excluded.bytes,
                 through_seq = excluded.through_seq",
            params![id, doc.save(), max],
        )?;
    }
    Ok(max)
}
