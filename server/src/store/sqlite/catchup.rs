//! Catch-up on SQLite: what a device must receive after its cursor (changes of orders it
//! holds, whole documents of orders new to it, revocations), read in one snapshot; then
//! what was sent is recorded by the writer, so the next catch-up knows.
//!
//! A catch-up is cut into pages of a byte budget. Documents come first: those that fit
//! are delivered (and recorded), the rest wait for the next page, whose cursor no longer
//! counts them as known. Changes follow in log order while the budget lasts, and the
//! cursor moves only to the last log row read, so the next page starts there. A page
//! always carries at least one document or change, so every page makes progress.

use std::collections::{HashMap, HashSet};

use baoxiu_sync_core::doc::actor_for;
use baoxiu_sync_core::protocol::{Cursor, Document, MAX_CHANGES_PER_FRAME, OrderChanges};
use baoxiu_sync_core::{Millis, OrderId, Role};
use rusqlite::{Connection, OptionalExtension, params};

use super::{Inner, cursor_check, ids, load_doc, parse};
use crate::error::Result;
use crate::store::{CatchUp, DeviceCtx};

/// What the read found, before anything is recorded.
#[derive(Debug)]
pub(super) struct Planned {
    up: CatchUp,
    deliver: Vec<OrderId>,
    revoke: Vec<OrderId>,
    /// A repair's orders in scope that later pages will deliver: the device keeps them
    /// (they are in the repair's `scope`), so they must be revoked if they leave it.
    pending: Vec<OrderId>,
    /// The delivery the device's valid cursor confirms.
    confirm_upto: Option<u64>,
}

/// What the writer records about this catch-up.
#[derive(Debug)]
pub(super) struct Record {
    delivery: u64,
    repair: bool,
    deliver: Vec<OrderId>,
    revoke: Vec<OrderId>,
    pending: Vec<OrderId>,
    confirm_upto: Option<u64>,
}

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
    plan_in(inner, &tx, dev, cursor, page_bytes)
}

fn plan_in(
    inner: &Inner,
    c: &Connection,
    dev: &DeviceCtx,
    cursor: Option<Cursor>,
    page_bytes: usize,
) -> Result<Planned> {
    let who = &dev.submitter;
    let device = dev.device().to_string();
    let actor = actor_for(dev.device()).to_bytes().to_vec();
    let max_seq: i64 = c.query_row("SELECT coalesce(max(seq), 0) FROM log", [], |r| r.get(0))?;
    let max_seq = u64::try_from(max_seq).unwrap_or(0);
    let deliveries: i64 = c
        .query_row(
            "SELECT deliveries FROM devices WHERE id = ?1",
            [&device],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    let deliveries = u64::try_from(deliveries).unwrap_or(0);
    let valid = cursor.and_then(|cur| {
        let ok = cur.epoch == inner.epoch
            && cur.seq <= max_seq
            && cur.delivery <= deliveries
            && cursor_check(c, cur.seq).ok().flatten() == Some(cur.check);
        ok.then_some(cur)
    });
    let scope = match who.author.role {
        Role::Technician => ids(
            c,
            "SELECT order_id FROM order_technicians WHERE user_id = ?1
             UNION SELECT id FROM orders WHERE created_by = ?1 AND office = ?2",
            &[&who.author.user.to_string(), &who.office.to_string()],
        )?,
        _ => ids(
            c,
            "SELECT id FROM orders WHERE office = ?1",
            &[&who.office.to_string()],
        )?,
    };
    let mut up = CatchUp::default();
    // `known`: delivered in a delivery the device confirmed; `held`: any order the
    // device may hold (also one delivered later, or one a paged repair named in its scope
    // and has not delivered yet), which is what must be revoked when it leaves the scope.
    let mut known = HashSet::new();
    let mut held = HashSet::new();
    let mut pending_revoke = HashSet::new();
    match valid {
        // One read of the device's rows; the three sets are views of it.
        Some(cur) => {
            let confirmed = int(cur.delivery);
            let mut stmt = c.prepare_cached(
                "SELECT order_id, delivered, revoked FROM device_scope WHERE device = ?1",
            )?;
            let rows = stmt.query_map([&device], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                ))
            })?;
            for row in rows {
                let (o, delivered, revoked) = row?;
                let o: OrderId = parse("order id", &o)?;
                match revoked {
                    None => {
                        held.insert(o);
                        if delivered <= confirmed {
                            known.insert(o);
                        }
                    }
                    Some(r) if r > confirmed => {
                        pending_revoke.insert(o);
                    }
                    Some(_) => {}
                }
            }
        }
        None => up.repair = true,
    }
    let mut deliver: Vec<OrderId> = if up.repair {
        scope.iter().copied().collect()
    } else {
        scope.difference(&known).copied().collect()
    };
    deliver.sort();
    let mut revoke: Vec<OrderId> = held
        .difference(&scope)
        .copied()
        .chain(pending_revoke)
        .collect();
    revoke.sort();
    if who.author.role == Role::Technician {
        let gone: HashSet<&OrderId> = revoke.iter().collect();
        let mut holds: Vec<OrderId> = scope
            .union(&held)
            .filter(|o| !gone.contains(o))
            .copied()
            .collect();
        holds.sort();
        up.holds = Some(holds);
    }
    if up.repair {
        up.scope = scope.iter().copied().collect();
        up.scope.sort();
    }
    // A document or change, its order id and framing: 64 bytes is generous.
    let mut used = 0usize;
    let fits =
        |used: usize, size: usize, empty: bool| empty || used.saturating_add(size) <= page_bytes;
    let mut sent = 0usize;
    for o in &deliver {
        if let Some(d) = load_doc(c, *o, inner.server_device)? {
            let bytes = d.save();
            let size = bytes.len().saturating_add(64);
            if !fits(used, size, up.documents.is_empty()) {
                up.more = true;
                break;
            }
            used = used.saturating_add(size);
            up.documents.push(Document { order: *o, bytes });
        }
        sent += 1;
    }
    // Orders not sent on this page are delivered on a later one.
    deliver.truncate(sent);
    let pending: Vec<OrderId> = if up.repair {
        let sent: HashSet<&OrderId> = deliver.iter().collect();
        up.scope
            .iter()
            .filter(|o| !sent.contains(o))
            .copied()
            .collect()
    } else {
        Vec::new()
    };
    // Where the changes read stop: the device's cursor until a row is read.
    let mut read_to = valid.map(|v| v.seq).unwrap_or(max_seq);
    if let Some(cur) = valid.filter(|_| !up.more) {
        let mut by_order: Vec<OrderChanges> = Vec::new();
        let mut index: HashMap<OrderId, usize> = HashMap::new();
        let mut any = !up.documents.is_empty();
        let mut count = 0usize;
        read_to = cur.seq;
        let mut cut = false;
        let wanted: Vec<OrderId> = known.intersection(&scope).copied().collect();
        let per_order = wanted.len() <= PER_ORDER_READS;
        each_new_row(
            c,
            cur.seq,
            max_seq,
            &actor,
            per_order.then_some(&wanted),
            |seq, o, bytes| {
                if !known.contains(&o) || !scope.contains(&o) {
                    read_to = seq;
                    return Ok(true);
                }
                let size = bytes.len().saturating_add(64);
                if count >= MAX_CHANGES_PER_FRAME || !fits(used, size, !any) {
                    // This row and the rest go on the next page; the cursor stays on the
                    // last row read (a row that exists, so the cursor checks out).
                    up.more = true;
                    cut = true;
                    return Ok(false);
                }
                read_to = seq;
                count += 1;
                used = used.saturating_add(size);
                any = true;
                let i = *index.entry(o).or_insert_with(|| {
                    by_order.push(OrderChanges {
                        order: o,
                        changes: Vec::new(),
                    });
                    by_order.len() - 1
                });
                by_order[i].changes.push(bytes);
                Ok(true)
            },
        )?;
        if !cut {
            // Everything up to the snapshot was read (the device's own rows included).
            read_to = max_seq;
        }
        up.changes = by_order;
    }
    up.revoked = revoke.clone();
    let next_delivery = if deliver.is_empty() && revoke.is_empty() {
        deliveries
    } else {
        deliveries + 1
    };
    // A repair sends documents only (as of this snapshot): once its pages are done the
    // device is at `max_seq`; a page that stopped early resumes where it stopped.
    let seq = if up.repair { max_seq } else { read_to };
    up.cursor = Some(Cursor {
        epoch: inner.epoch,
        seq,
        check: cursor_check(c, seq)?.unwrap_or([0; 8]),
        delivery: next_delivery,
    });
    Ok(Planned {
        up,
        deliver,
        revoke,
        pending,
        confirm_upto: valid.map(|v| v.delivery),
    })
}

/// Orders at most for which the log is read order by order rather than in one scan.
const PER_ORDER_READS: usize = 256;

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
    mut f: impl FnMut(u64, OrderId, Vec<u8>) -> Result<bool>,
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

impl Planned {
    /// The catch-up to send, and what must be recorded first (nothing when the device
    /// only looked and nothing new was delivered or revoked).
    pub(super) fn finish(mut self, record_sync: bool) -> (CatchUp, Option<Record>) {
        self.up.changes.retain(|c| !c.changes.is_empty());
        let repair = self.up.repair;
        if !record_sync && !repair && self.deliver.is_empty() && self.revoke.is_empty() {
            return (self.up, None);
        }
        let delivery = self.up.cursor.map(|c| c.delivery).unwrap_or(0);
        let record = Record {
            delivery,
            repair,
            deliver: self.deliver,
            revoke: self.revoke,
            pending: self.pending,
            confirm_upto: self.confirm_upto,
        };
        (self.up, Some(record))
    }
}

impl Record {
    /// Records the delivery in the writer's transaction.
    pub(super) fn write(self, tx: &Connection, dev: &DeviceCtx, now: Millis) -> Result<()> {
        let device = dev.device().to_string();
        let user = dev.submitter.author.user.to_string();
        let delivery = int(self.delivery);
        tx.execute(
            "INSERT INTO devices (id, user_id, deliveries, last_sync) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET deliveries = max(deliveries, excluded.deliveries),
                 last_sync = excluded.last_sync",
            params![device, user, delivery, now],
        )?;
        if self.repair {
            tx.execute("DELETE FROM device_scope WHERE device = ?1", [&device])?;
            // Named in the repair's scope, delivered on a later page: held by the device
            // from now on, known to it only once delivered.
            for o in &self.pending {
                tx.execute(
                    "INSERT INTO device_scope (device, order_id, delivered) VALUES (?1, ?2, ?3)
                     ON CONFLICT (device, order_id) DO NOTHING",
                    params![device, o.to_string(), i64::MAX],
                )?;
            }
        }
        if let Some(upto) = self.confirm_upto {
            tx.execute(
                "DELETE FROM device_scope
                 WHERE device = ?1 AND revoked IS NOT NULL AND revoked <= ?2",
                params![device, int(upto)],
            )?;
        }
        for o in &self.deliver {
            tx.execute(
                "INSERT INTO device_scope (device, order_id, delivered) VALUES (?1, ?2, ?3)
                 ON CONFLICT (device, order_id) DO UPDATE SET delivered = excluded.delivered,
                     revoked = NULL",
                params![device, o.to_string(), delivery],
            )?;
        }
        for o in &self.revoke {
            tx.execute(
                "UPDATE device_scope SET revoked = ?3 WHERE device = ?1 AND order_id = ?2",
                params![device, o.to_string(), delivery],
            )?;
        }
        Ok(())
    }
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
            each_new_row(&c, 10, 50, &me, only, |seq, o, b| {
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
