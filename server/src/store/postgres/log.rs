//! The change log on PostgreSQL, written by several nodes at once.
//!
//! Devices read the log by cursor: "the rows after position N". That is only safe if a
//! position is never committed after a higher one was visible — otherwise a device that
//! read past N+1 while N was still uncommitted never sees N. A sequence number taken
//! before commit does not give that (two nodes' transactions commit in any order).
//!
//! So a transaction takes the log's lock (an advisory lock held to the end of the
//! transaction) before it takes positions, and takes them as the highest committed
//! position plus one: a transaction holding lower positions has committed — and is
//! visible to every snapshot taken since — before any other can take higher ones. A
//! reader that sees position N therefore sees every position below it, whichever node
//! wrote them. The price is that the appends of concurrent transactions take turns from
//! their first append to their commit, which a writer keeps short by appending last and
//! committing in groups.

use super::sql::Sql;
use baoxiu_sync_core::OrderId;

use crate::error::{Error, Result};

/// The advisory lock that orders appends to the log (any fixed key: only baoxiu takes it).
const LOG_LOCK: i64 = 0x6261_6f78_6975_0002;

/// A change to append.
#[derive(Debug, Clone, Copy)]
pub struct NewRow<'a> {
    pub order: OrderId,
    pub hash: &'a [u8],
    pub actor: &'a [u8],
    pub bytes: &'a [u8],
}

fn position(seq: i64) -> Result<u64> {
    u64::try_from(seq).map_err(|_| Error::Corrupt(format!("log position {seq}")))
}

/// Appends `rows` in the caller's transaction, in order, after every position committed
/// so far; a row whose hash the log holds already is skipped. Returns each row's
/// position (`None` for a skipped one). The log's lock is held until the transaction
/// ends: commit soon.
pub fn append(tx: &mut impl Sql, rows: &[NewRow<'_>]) -> Result<Vec<Option<u64>>> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOG_LOCK])?;
    // Read after the lock is held: in READ COMMITTED each statement sees what was
    // committed before it began, the previous holder's rows included.
    let mut last: i64 = tx
        .query_one("SELECT coalesce(max(seq), 0) FROM log", &[])?
        .get(0);
    let insert = "INSERT INTO log (seq, order_id, hash, actor, bytes) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (hash) DO NOTHING";
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let seq = last
            .checked_add(1)
            .ok_or_else(|| Error::Internal("log positions exhausted".into()))?;
        let n = tx.execute(
            insert,
            &[&seq, &r.order.to_string(), &r.hash, &r.actor, &r.bytes],
        )?;
        if n == 1 {
            last = seq;
            out.push(Some(position(seq)?));
        } else {
            out.push(None);
        }
    }
    Ok(out)
}

/// The highest committed position (0: an empty log).
pub fn head(c: &mut impl Sql) -> Result<u64> {
    position(
        c.query_one("SELECT coalesce(max(seq), 0) FROM log", &[])?
            .get(0),
    )
}

/// Up to `limit` rows after position `from`, in log order: (position, order, bytes).
pub fn after(c: &mut impl Sql, from: u64, limit: u32) -> Result<Vec<(u64, OrderId, Vec<u8>)>> {
    let from = i64::try_from(from).map_err(|_| Error::Invalid("cursor".into()))?;
    let rows = c.query(
        "SELECT seq, order_id, bytes FROM log WHERE seq > $1 ORDER BY seq LIMIT $2",
        &[&from, &i64::from(limit)],
    )?;
    rows.iter()
        .map(|r| {
            let order: String = r.get(1);
            Ok((
                position(r.get(0))?,
                order
                    .parse()
                    .map_err(|_| Error::Corrupt(format!("order id {order:?} in the log")))?,
                r.get(2),
            ))
        })
        .collect()
}
