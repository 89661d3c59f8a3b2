//! The change log on SQLite: every stored change in the order it was stored (devices
//! keep a cursor into it), and per-order snapshots; an order loads as its snapshot plus
//! the log rows after it.

use baoxiu_sync_core::{Change, DeviceId, OrderId, WorkOrderDoc, WorkOrderState};
use rusqlite::{Connection, OptionalExtension, params};

use super::project;
use crate::error::Result;
use crate::store::decode::StoredBytes;
use crate::store::decode::{assemble_doc, snapshot_due};

/// An order's document: its snapshot plus the log rows after it.
pub(crate) fn load_doc(
    conn: &Connection,
    order: OrderId,
    device: DeviceId,
) -> Result<Option<WorkOrderDoc>> {
    let (snapshot, rows) = load_bytes(conn, order)?;
    assemble_doc(order, snapshot, &rows, device)
}

/// A document's bytes, of any kind: its snapshot (if any) and the log rows after it.
pub(crate) fn load_bytes(conn: &Connection, order: OrderId) -> Result<StoredBytes> {
    let id = order.to_string();
    let snap: Option<(Vec<u8>, i64)> = conn
        .query_row(
            "SELECT bytes, through_seq FROM snapshots WHERE order_id = ?1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (snapshot, through) = match snap {
        Some((bytes, through)) => (Some(bytes), through),
        None => (None, 0),
    };
    let mut stmt =
        conn.prepare_cached("SELECT bytes FROM log WHERE order_id = ?1 AND seq > ?2 ORDER BY seq")?;
    let rows: Vec<Vec<u8>> = stmt
        .query_map(params![id, through], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok((snapshot, rows))
}

/// Appends changes to the log, in the caller's transaction; a change the log holds
/// already is skipped.
pub(super) fn append(tx: &Connection, order: OrderId, changes: &[Change]) -> Result<()> {
    let id = order.to_string();
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
    Ok(())
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
    append(tx, order, changes)?;
    project(tx, st)?;
    let (since, max): (i64, i64) = tx.query_row(
        "SELECT (SELECT count(*) FROM log WHERE order_id = ?1
                   AND seq > coalesce((SELECT through_seq FROM snapshots WHERE order_id = ?1), 0)),
                (SELECT max(seq) FROM log WHERE order_id = ?1)",
        [&id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if snapshot_due(since, doc.events().len()) {
        tx.execute(
            "INSERT INTO snapshots (order_id, bytes, through_seq) VALUES (?1, ?2, ?3)
             ON CONFLICT (order_id) DO UPDATE SET bytes = excluded.bytes,
                 through_seq = excluded.through_seq",
            params![id, doc.save(), max],
        )?;
    }
    Ok(max)
}
