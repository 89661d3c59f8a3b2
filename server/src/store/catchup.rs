//! Catch-up, for every backend: what a device must receive after its cursor (changes of
//! orders it holds, whole documents of orders new to it, revocations), planned from one
//! snapshot's reads (`CatchUpReads`, which each backend implements); then what was sent
//! is recorded (`Record`, which each backend writes), so the next catch-up knows.
//!
//! A catch-up is cut into pages of a byte budget. Documents come first: those that fit
//! are delivered (and recorded), the rest wait for the next page, whose cursor no longer
//! counts them as known. Changes follow in log order while the budget lasts, and the
//! cursor moves only to the last log row read, so the next page starts there. A page
//! always carries at least one document or change, so every page makes progress.

use std::collections::{HashMap, HashSet};

use baoxiu_sync_core::doc::actor_for;
use baoxiu_sync_core::kinds::Kind;
use baoxiu_sync_core::protocol::{Cursor, Document, MAX_CHANGES_PER_FRAME, OrderChanges};
use baoxiu_sync_core::validate::Submitter;
use baoxiu_sync_core::{DeviceId, OrderId};

use crate::error::Result;
use crate::store::{CatchUp, DeviceCtx};

/// What a catch-up reads, all in one snapshot of the backend.
pub(crate) trait CatchUpReads {
    /// The database's epoch (a cursor of another database is stale).
    fn epoch(&self) -> [u8; 16];
    /// The highest log position.
    fn max_seq(&mut self) -> Result<u64>;
    /// How many deliveries the device was recorded to have had.
    fn deliveries(&mut self, device: DeviceId) -> Result<u64>;
    /// The first 8 bytes of the hash of the log row at `seq` (zeros for 0), if it exists.
    fn check_of(&mut self, seq: u64) -> Result<Option<[u8; 8]>>;
    /// The orders in `who`'s scope: a technician's assigned and created orders, else the
    /// office's.
    fn scope(&mut self, who: &Submitter) -> Result<HashSet<OrderId>>;
    /// The cases of other kinds in `who`'s scope (`Kind::reach`): every one of the
    /// office's of a kind its role holds office-wide, and those of which it is a member
    /// of a kind it holds as its own.
    fn case_scope(&mut self, who: &Submitter) -> Result<HashSet<OrderId>>;
    /// The device's recorded orders: (order, delivered in, revoked in).
    fn device_rows(&mut self, device: DeviceId) -> Result<Vec<(OrderId, u64, Option<u64>)>>;
    /// An order's whole document, saved.
    fn document(&mut self, order: OrderId) -> Result<Option<Vec<u8>>>;
    /// Visits, in log order, the log rows after `from` (to `to`) not written by `actor`,
    /// until `f` says stop: only `only`'s orders when given (read by order), else all.
    fn each_new_row(
        &mut self,
        from: u64,
        to: u64,
        actor: &[u8],
        only: Option<&Vec<OrderId>>,
        f: &mut dyn FnMut(u64, OrderId, Vec<u8>) -> Result<bool>,
    ) -> Result<()>;
}

/// Whether the scope is a list of its own (a technician's orders, a driver's cases…)
/// rather than the office's cases of some kind.
pub(crate) fn narrow(who: &Submitter) -> bool {
    !Kind::office_wide(who.author.role)
}

/// What the read found, before anything is recorded.
#[derive(Debug)]
pub(crate) struct Planned {
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
pub(crate) struct Record {
    pub(crate) delivery: u64,
    pub(crate) repair: bool,
    pub(crate) deliver: Vec<OrderId>,
    pub(crate) revoke: Vec<OrderId>,
    pub(crate) pending: Vec<OrderId>,
    pub(crate) confirm_upto: Option<u64>,
}

/// Orders at most for which the log is read order by order rather than in one scan.
pub(crate) const PER_ORDER_READS: usize = 256;

/// Plans what `dev` must receive after `cursor`, from one snapshot's reads.
pub(crate) fn plan(
    c: &mut impl CatchUpReads,
    dev: &DeviceCtx,
    cursor: Option<Cursor>,
    page_bytes: usize,
) -> Result<Planned> {
    let who = &dev.submitter;
    let actor = actor_for(dev.device()).to_bytes().to_vec();
    let max_seq = c.max_seq()?;
    let deliveries = c.deliveries(dev.device())?;
    let valid = cursor.and_then(|cur| {
        let ok = cur.epoch == c.epoch()
            && cur.seq <= max_seq
            && cur.delivery <= deliveries
            && c.check_of(cur.seq).ok().flatten() == Some(cur.check);
        ok.then_some(cur)
    });
    // A role with no part in work orders holds none; every role holds its kinds' cases.
    let mut scope = if who.author.role.works_on_orders() {
        c.scope(who)?
    } else {
        HashSet::new()
    };
    scope.extend(c.case_scope(who)?);
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
            let confirmed = cur.delivery;
            let rows = c.device_rows(dev.device())?;
            for (o, delivered, revoked) in rows {
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
    if narrow(who) {
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
        if let Some(bytes) = c.document(*o)? {
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
        c.each_new_row(
            cur.seq,
            max_seq,
            &actor,
            per_order.then_some(&wanted),
            &mut |seq, o, bytes| {
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
        epoch: c.epoch(),
        seq,
        check: c.check_of(seq)?.unwrap_or([0; 8]),
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

impl Planned {
    /// The catch-up to send, and what must be recorded first (nothing when the device
    /// only looked and nothing new was delivered or revoked).
    pub(crate) fn finish(mut self, record_sync: bool) -> (CatchUp, Option<Record>) {
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
