//! The rows the shared order code reads and writes, on PostgreSQL: documents (snapshot
//! and log), people, schedule items, storing changes (the log under its lock, the
//! projection, snapshots), scope; and the reads of a catch-up, in one snapshot.

use std::cell::RefCell;
use std::collections::HashSet;

use super::sql::Sql;
use baoxiu_sync_core::fee_schedule::ScheduleItem;
use baoxiu_sync_core::kinds::Kind;
use baoxiu_sync_core::validate::Submitter;
use baoxiu_sync_core::{
    Change, DeviceId, OfficeId, OrderId, Person, UserId, WorkOrderDoc, WorkOrderState,
};

use super::cases;
use super::log::{NewRow, append};
use super::projection::project;
use crate::error::{Error, Result};
use crate::store::apply::OrderRows;
use crate::store::cases::CaseRow;
use crate::store::catchup::{self, CatchUpReads};
use crate::store::decode::StoredBytes;
use crate::store::decode::{
    PERSON_COLUMNS, assemble_doc, assemble_saved, from_json, parse, snapshot_due, to_person,
};

fn seq_of(v: i64) -> Result<u64> {
    u64::try_from(v).map_err(|_| Error::Corrupt(format!("log position {v}")))
}

fn int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// An order's document: its snapshot plus the log rows after it.
pub(super) fn load_doc(
    c: &mut impl Sql,
    order: OrderId,
    device: DeviceId,
) -> Result<Option<WorkOrderDoc>> {
    let (snapshot, rows) = load_bytes(c, order)?;
    assemble_doc(order, snapshot, &rows, device)
}

/// A document's bytes, of any kind: its snapshot (if any) and the log rows after it.
pub(super) fn load_bytes(c: &mut impl Sql, order: OrderId) -> Result<StoredBytes> {
    let id = order.to_string();
    let snap = c.query_opt(
        "SELECT bytes, through_seq FROM snapshots WHERE order_id = $1",
        &[&id],
    )?;
    let (snapshot, through): (Option<Vec<u8>>, i64) = match snap {
        Some(r) => (Some(r.try_get(0)?), r.try_get(1)?),
        None => (None, 0),
    };
    let rows: Vec<Vec<u8>> = c
        .query(
            "SELECT bytes FROM log WHERE order_id = $1 AND seq > $2 ORDER BY seq",
            &[&id, &through],
        )?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    Ok((snapshot, rows))
}

pub(super) fn person_of(c: &mut impl Sql, id: UserId) -> Result<Option<Person>> {
    c.query_opt(
        &format!("SELECT {PERSON_COLUMNS} FROM users WHERE id = $1"),
        &[&id.to_string()],
    )?
    .map(|r| {
        to_person((
            r.try_get(0)?,
            r.try_get(1)?,
            r.try_get(2)?,
            r.try_get(3)?,
            r.try_get(4)?,
            r.try_get(5)?,
            r.try_get(6)?,
            r.try_get::<_, i64>(7)? == 1,
        ))
    })
    .transpose()
}

/// A change stored by a job, appended to the log when its group ends.
pub(super) struct Staged {
    pub(super) order: OrderId,
    pub(super) hash: Vec<u8>,
    pub(super) actor: Vec<u8>,
    pub(super) bytes: Vec<u8>,
}

/// The writer's transaction (a job's savepoint), for the shared order code. The job's
/// changes are staged, not appended: the group appends them all at its end, so the log's
/// lock (which other nodes' groups wait for) is held only for that and the commit.
pub(super) struct Rows<'a, S> {
    tx: RefCell<&'a mut S>,
    staged: RefCell<Vec<Staged>>,
}

impl<'a, S: Sql> Rows<'a, S> {
    pub(super) fn new(tx: &'a mut S) -> Self {
        Rows {
            tx: RefCell::new(tx),
            staged: RefCell::new(Vec::new()),
        }
    }

    /// The changes the job stored, to append when the group ends.
    pub(super) fn into_staged(self) -> Vec<Staged> {
        self.staged.into_inner()
    }
}

/// Appends a group's staged changes to the log (under its lock, until the commit) and
/// writes a fresh snapshot of each order that has gathered enough changes since its
/// last. Returns the highest position taken (0 when none was).
pub(super) fn append_staged(
    tx: &mut impl Sql,
    staged: &[Staged],
    doc_of: impl Fn(OrderId) -> Option<Vec<u8>>,
    facts_of: impl Fn(OrderId) -> usize,
) -> Result<u64> {
    if staged.is_empty() {
        return Ok(0);
    }
    let rows: Vec<NewRow<'_>> = staged
        .iter()
        .map(|s| NewRow {
            order: s.order,
            hash: &s.hash,
            actor: &s.actor,
            bytes: &s.bytes,
        })
        .collect();
    let positions = append(tx, &rows)?;
    let mut orders: Vec<OrderId> = staged.iter().map(|s| s.order).collect();
    orders.sort();
    orders.dedup();
    for order in orders {
        let id = order.to_string();
        let r = tx.query_one(
            "SELECT (SELECT count(*) FROM log WHERE order_id = $1
                       AND seq > coalesce((SELECT through_seq FROM snapshots
                                           WHERE order_id = $1), 0)),
                    (SELECT max(seq) FROM log WHERE order_id = $1)",
            &[&id],
        )?;
        let (since, max): (i64, Option<i64>) = (r.try_get(0)?, r.try_get(1)?);
        if let Some(max) = max
            && snapshot_due(since, facts_of(order))
            && let Some(bytes) = doc_of(order)
        {
            tx.execute(
                "INSERT INTO snapshots (order_id, bytes, through_seq) VALUES ($1, $2, $3)
                 ON CONFLICT (order_id) DO UPDATE SET bytes = excluded.bytes,
                     through_seq = excluded.through_seq",
                &[&id, &bytes, &max],
            )?;
        }
    }
    Ok(positions.into_iter().flatten().max().unwrap_or(0))
}

impl<S: Sql> OrderRows for Rows<'_, S> {
    fn load_doc(&self, order: OrderId, device: DeviceId) -> Result<Option<WorkOrderDoc>> {
        let mut tx = self.tx.borrow_mut();
        // The order is this group's until it commits: another node writing it waits, then
        // reads what this one committed — so each node's projection row is the state of
        // every change, never of its own view alone.
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            &[&order.to_string()],
        )?;
        load_doc(&mut **tx, order, device)
    }

    fn person(&self, id: UserId) -> Result<Option<Person>> {
        person_of(&mut **self.tx.borrow_mut(), id)
    }

    fn schedule_item(&self, version: u32, code: &str) -> Result<Option<ScheduleItem>> {
        let items = self.tx.borrow_mut().query_opt(
            "SELECT items FROM fee_schedules WHERE version = $1",
            &[&i64::from(version)],
        )?;
        let Some(r) = items else { return Ok(None) };
        let items: Vec<ScheduleItem> = from_json("fee schedule", &r.try_get::<_, String>(0)?)?;
        Ok(items.into_iter().find(|i| i.code == code))
    }

    fn store_changes(
        &self,
        order: OrderId,
        _doc: &WorkOrderDoc,
        st: &WorkOrderState,
        changes: &[Change],
    ) -> Result<i64> {
        self.staged
            .borrow_mut()
            .extend(changes.iter().map(|c| Staged {
                order,
                hash: c.hash().0.to_vec(),
                actor: c.actor_id().to_bytes().to_vec(),
                bytes: c.raw_bytes().to_vec(),
            }));
        project(&mut **self.tx.borrow_mut(), st)?;
        // Its position is taken when the group ends.
        Ok(0)
    }

    fn case_kind(&self, id: OrderId) -> Result<Option<Kind>> {
        cases::case_kind(&mut **self.tx.borrow_mut(), id)
    }

    fn case_bytes(&self, id: OrderId) -> Result<StoredBytes> {
        let mut tx = self.tx.borrow_mut();
        // The case is this group's until it commits, as an order is (`load_doc`).
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            &[&id.to_string()],
        )?;
        load_bytes(&mut **tx, id)
    }

    fn is_member(&self, id: OrderId, user: UserId) -> Result<bool> {
        cases::is_member(&mut **self.tx.borrow_mut(), id, user)
    }

    fn fleet(&self, office: OfficeId) -> Result<Option<String>> {
        cases::fleet(&mut **self.tx.borrow_mut(), office)
    }

    fn store_case(&self, row: &CaseRow, members: &[UserId], changes: &[Change]) -> Result<i64> {
        self.staged
            .borrow_mut()
            .extend(changes.iter().map(|c| Staged {
                order: row.id,
                hash: c.hash().0.to_vec(),
                actor: c.actor_id().to_bytes().to_vec(),
                bytes: c.raw_bytes().to_vec(),
            }));
        cases::store_row(&mut **self.tx.borrow_mut(), row, members)?;
        // Its position is taken when the group ends.
        Ok(0)
    }

    fn add_to_scope(&self, device: DeviceId, order: OrderId) -> Result<()> {
        self.tx.borrow_mut().execute(
            "INSERT INTO device_scope (device, order_id, delivered) VALUES ($1, $2, 0)
             ON CONFLICT DO NOTHING",
            &[&device.to_string(), &order.to_string()],
        )?;
        Ok(())
    }
}

/// A catch-up's reads, in one repeatable-read transaction.
pub(super) struct Reads<'a, S> {
    pub(super) tx: &'a mut S,
    pub(super) epoch: [u8; 16],
}

fn ids(rows: Vec<postgres::Row>) -> Result<HashSet<OrderId>> {
    rows.iter()
        .map(|r| parse("order id", &r.try_get::<_, String>(0)?))
        .collect()
}

impl<S: Sql> CatchUpReads for Reads<'_, S> {
    fn epoch(&self) -> [u8; 16] {
        self.epoch
    }

    fn max_seq(&mut self) -> Result<u64> {
        super::log::head(self.tx)
    }

    fn deliveries(&mut self, device: DeviceId) -> Result<u64> {
        let n: Option<i64> = self
            .tx
            .query_opt(
                "SELECT deliveries FROM devices WHERE id = $1",
                &[&device.to_string()],
            )?
            .map(|r| r.try_get(0))
            .transpose()?;
        Ok(u64::try_from(n.unwrap_or(0)).unwrap_or(0))
    }

    fn check_of(&mut self, seq: u64) -> Result<Option<[u8; 8]>> {
        if seq == 0 {
            return Ok(Some([0; 8]));
        }
        let hash: Option<Vec<u8>> = self
            .tx
            .query_opt("SELECT hash FROM log WHERE seq = $1", &[&int(seq)])?
            .map(|r| r.try_get(0))
            .transpose()?;
        Ok(hash.map(|h| {
            let mut c = [0u8; 8];
            let n = 8.min(h.len());
            c[..n].copy_from_slice(&h[..n]);
            c
        }))
    }

    fn scope(&mut self, who: &Submitter) -> Result<HashSet<OrderId>> {
        if catchup::narrow(who) {
            ids(self.tx.query(
                "SELECT order_id FROM order_technicians WHERE user_id = $1
                 UNION SELECT id FROM orders WHERE created_by = $1 AND office = $2",
                &[&who.author.user.to_string(), &who.office.to_string()],
            )?)
        } else {
            ids(self.tx.query(
                "SELECT id FROM orders WHERE office = $1",
                &[&who.office.to_string()],
            )?)
        }
    }

    fn device_rows(&mut self, device: DeviceId) -> Result<Vec<(OrderId, u64, Option<u64>)>> {
        self.tx
            .query(
                "SELECT order_id, delivered, revoked FROM device_scope WHERE device = $1",
                &[&device.to_string()],
            )?
            .iter()
            .map(|r| {
                let revoked: Option<i64> = r.try_get(2)?;
                Ok((
                    parse("order id", &r.try_get::<_, String>(0)?)?,
                    seq_of(r.try_get(1)?)?,
                    revoked.map(seq_of).transpose()?,
                ))
            })
            .collect()
    }

    fn case_scope(&mut self, who: &Submitter) -> Result<HashSet<OrderId>> {
        cases::scope(self.tx, who)
    }

    fn document(&mut self, order: OrderId) -> Result<Option<Vec<u8>>> {
        let (snapshot, rows) = load_bytes(self.tx, order)?;
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
        // In slices, bytes and all, so a long catch-up is neither read whole before its
        // page's budget cuts it nor fetched a row at a time; a device holding few
        // orders reads only theirs (through the log's index by order).
        let names: Option<Vec<String>> = only.map(|w| w.iter().map(|o| o.to_string()).collect());
        let sql = if names.is_some() {
            "SELECT seq, order_id, bytes FROM log
             WHERE order_id = ANY($4) AND seq > $1 AND seq <= $2 AND actor != $3
             ORDER BY seq LIMIT 512"
        } else {
            "SELECT seq, order_id, bytes FROM log
             WHERE seq > $1 AND seq <= $2 AND actor != $3 ORDER BY seq LIMIT 512"
        };
        let mut at = int(from);
        loop {
            let rows = match &names {
                Some(n) => self.tx.query(sql, &[&at, &int(to), &actor, n])?,
                None => self.tx.query(sql, &[&at, &int(to), &actor])?,
            };
            if rows.is_empty() {
                return Ok(());
            }
            for r in rows {
                let seq: i64 = r.try_get(0)?;
                at = seq;
                let o: OrderId = parse("order id", &r.try_get::<_, String>(1)?)?;
                if !f(seq_of(seq)?, o, r.try_get(2)?)? {
                    return Ok(());
                }
            }
        }
    }
}
