//! Catch-up on SQLite: the reads the planning needs (`store/catchup.rs`), in one read
//! transaction, and the record of what was sent, in the writer's transaction.

use std::collections::HashSet;

use baoxiu_sync_core::protocol::Cursor;
use baoxiu_sync_core::validate::Submitter;
use baoxiu_sync_core::{DeviceId, Millis, OrderId};
use rusqlite::{Connection, OptionalExtension, params};

use super::{Inner, cursor_check, ids, load_bytes, parse};
use crate::error::Result;
use crate::store::DeviceCtx;
use crate::store::catchup::{self, CatchUpReads, Planned, Record};
use crate::store::decode::assemble_saved;

fn int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Reads what `dev` must receive after `cursor`, in one read transaction.
pub(super) fn plan(
    inner: &Inner,
    c: &Connection,
    dev: &DeviceCtx,
    cursor: Option<Cursor>,
    page_bytes: usize,
) -> Result<Planned> {
    // A read transaction, ended (rolled back) when dropped whatever happens: the
    // connection never returns to the pool holding one.
    let tx = c.unchecked_transaction()?;
    catchup::plan(&mut Reads { inner, c: &tx }, dev, cursor, page_bytes)
}

struct Reads<'a> {
    inner: &'a Inner,
    c: &'a Connection,
}

impl CatchUpReads for Reads<'_> {
    fn epoch(&self) -> [u8; 16] {
        self.inner.epoch
    }

    fn max_seq(&mut self) -> Result<u64> {
        let max: i64 = self
            .c
            .query_row("SELECT coalesce(max(seq), 0) FROM log", [], |r| r.get(0))?;
        Ok(u64::try_from(max).unwrap_or(0))
    }

    fn deliveries(&mut self, device: DeviceId) -> Result<u64> {
        let n: Option<i64> = self
            .c
            .query_row(
                "SELECT deliveries FROM devices WHERE id = ?1",
                [device.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        Ok(u64::try_from(n.unwrap_or(0)).unwrap_or(0))
    }

    fn check_of(&mut self, seq: u64) -> Result<Option<[u8; 8]>> {
        cursor_check(self.c, seq)
    }

    fn scope(&mut self, who: &Submitter) -> Result<HashSet<OrderId>> {
        if catchup::narrow(who) {
            ids(
                self.c,
                "SELECT order_id FROM order_technicians WHERE user_id = ?1
                 UNION SELECT id FROM orders WHERE created_by = ?1 AND office = ?2",
                &[&who.author.user.to_string(), &who.office.to_string()],
            )
        } else {
            ids(
                self.c,
                "SELECT id FROM orders WHERE office = ?1",
                &[&who.office.to_string()],
            )
        }
    }

    fn device_rows(&mut self, device: DeviceId) -> Result<Vec<(OrderId, u64, Option<u64>)>> {
        let mut stmt = self.c.prepare_cached(
            "SELECT order_id, delivered, revoked FROM device_scope WHERE device = ?1",
        )?;
        let rows = stmt
            .query_map([device.to_string()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(o, d, r)| {
                Ok((
                    parse("order id", &o)?,
                    u64::try_from(d).unwrap_or(0),
                    r.map(|r| u64::try_from(r).unwrap_or(0)),
                ))
            })
            .collect()
    }

    fn case_scope(&mut self, who: &Submitter) -> Result<HashSet<OrderId>> {
        super::cases::scope(self.c, who)
    }

    fn document(&mut self, order: OrderId) -> Result<Option<Vec<u8>>> {
        let (snapshot, rows) = load_bytes(self.c, order)?;
        assemble_saved(order, snapshot, &rows)
    }

    fn each_new_row(
        &mut self,
        from: u64,
        to: u64,
        actor: &[u8],
        only: Option<&Vec<OrderId>>,
        f: &mut dyn FnMut(u64, OrderId, Vec<u8>) -> Result<bool>,
    ) -> Result<()> {
        each_new_row(self.c, from, to, actor, only, f)
    }
}

/// Visits, in log order, the log rows after `from` (to `to`) that another device wrote,
/// until `f` says stop: with `only` (a device holding few orders, a technician's) only
/// those orders' rows, found through the log's index by order and read one by one; else
/// every row, in one scan of the log after the cursor. A storm of reconnecting technicians must not cost
/// each of them a read of every change the others made since (what grew with the square
/// of the devices).
fn each_new_row(
    c: &Connection,
    from: u64,
    to: u64,
    actor: &[u8],
    only: Option<&Vec<OrderId>>,
    f: &mut dyn FnMut(u64, OrderId, Vec<u8>) -> Result<bool>,
) -> Result<()> {
    if let Some(wanted) = only {
        let mut positions = Vec::new();
        let mut stmt = c.prepare_cached(
            "SELECT seq FROM log WHERE order_id = ?1 AND seq > ?2 AND seq <= ?3 AND actor != ?4",
        )?;
        for o in wanted {
            let rows = stmt.query_map(params![o.to_string(), int(from), int(to), actor], |r| {
                r.get::<_, i64>(0)
            })?;
            for seq in rows {
                positions.push((seq?, *o));
            }
        }
        positions.sort_unstable();
        let mut bytes = c.prepare_cached("SELECT bytes FROM log WHERE seq = ?1")?;
        for (seq, o) in positions {
            let b: Vec<u8> = bytes.query_row([seq], |r| r.get(0))?;
            if !f(u64::try_from(seq).unwrap_or(0), o, b)? {
                break;
            }
        }
    } else {
        let mut stmt = c.prepare_cached(
            "SELECT seq, order_id, bytes FROM log WHERE seq > ?1 AND seq <= ?3 AND actor != ?2
             ORDER BY seq",
        )?;
        let mut rows = stmt.query(params![int(from), actor, int(to)])?;
        while let Some(r) = rows.next()? {
            let seq = u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0);
            let o: OrderId = parse("order id", &r.get::<_, String>(1)?)?;
            if !f(seq, o, r.get(2)?)? {
                break;
            }
        }
    }
    Ok(())
}

/// Records a catch-up's delivery in the writer's transaction.
pub(super) fn write_record(
    record: Record,
    tx: &Connection,
    dev: &DeviceCtx,
    now: Millis,
) -> Result<()> {
    let device = dev.device().to_string();
    let user = dev.submitter.author.user.to_string();
    let delivery = int(record.delivery);
    tx.execute(
        "INSERT INTO devices (id, user_id, deliveries, last_sync) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET deliveries = max(deliveries, excluded.deliveries),
                 last_sync = excluded.last_sync",
        params![device, user, delivery, now],
    )?;
    if record.repair {
        tx.execute("DELETE FROM device_scope WHERE device = ?1", [&device])?;
        // Named in the repair's scope, delivered on a later page: held by the device
        // from now on, known to it only once delivered.
        for o in &record.pending {
            tx.execute(
                "INSERT INTO device_scope (device, order_id, delivered) VALUES (?1, ?2, ?3)
                     ON CONFLICT (device, order_id) DO NOTHING",
                params![device, o.to_string(), i64::MAX],
            )?;
        }
    }
    if let Some(upto) = record.confirm_upto {
        tx.execute(
            "DELETE FROM device_scope
                 WHERE device = ?1 AND revoked IS NOT NULL AND revoked <= ?2",
            params![device, int(upto)],
        )?;
    }
    for o in &record.deliver {
        tx.execute(
            "INSERT INTO device_scope (device, order_id, delivered) VALUES (?1, ?2, ?3)
                 ON CONFLICT (device, order_id) DO UPDATE SET delivered = excluded.delivered,
                     revoked = NULL",
            params![device, o.to_string(), delivery],
        )?;
    }
    for o in &record.revoke {
        tx.execute(
            "UPDATE device_scope SET revoked = ?3 WHERE device = ?1 AND order_id = ?2",
            params![device, o.to_string(), delivery],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The two ways of reading the log after a cursor visit the same rows of the orders
    /// asked for, in the same (log) order, skip the device's own rows, and stop when told.
    #[test]
    fn per_order_reads_and_the_scan_visit_the_same_rows_in_log_order() {
        let mut c = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&mut c, super::super::SCHEMA_VERSION).unwrap();
        let orders: Vec<OrderId> = (0..5).map(|_| OrderId::new()).collect();
        let (me, other) = (vec![1u8; 16], vec![2u8; 16]);
        // Interleaved rows of five orders, every third by the device itself.
        for i in 0..60u8 {
            let actor = if i % 3 == 0 { &me } else { &other };
            c.execute(
                "INSERT INTO log (order_id, hash, actor, bytes) VALUES (?1, ?2, ?3, ?4)",
                params![
                    orders[usize::from(i) % 5].to_string(),
                    vec![i; 32],
                    actor,
                    vec![i]
                ],
            )
            .unwrap();
        }
        let wanted = vec![orders[1], orders[3]];
        let visit = |only: Option<&Vec<OrderId>>, stop_after: usize| {
            let mut seen = Vec::new();
            each_new_row(&c, 10, 50, &me, only, &mut |seq, o, b| {
                if wanted.contains(&o) {
                    seen.push((seq, o, b));
                }
                Ok(seen.len() < stop_after)
            })
            .unwrap();
            seen
        };
        let by_order = visit(Some(&wanted), usize::MAX);
        assert_eq!(by_order, visit(None, usize::MAX));
        assert!(by_order.windows(2).all(|w| w[0].0 < w[1].0), "log order");
        assert!(
            by_order
                .iter()
                .all(|(seq, _, b)| *seq > 10 && *seq <= 50 && b[0] % 3 != 0)
        );
        assert_eq!(by_order.len(), 11);
        assert_eq!(visit(Some(&wanted), 4), by_order[..4].to_vec());
    }
}
