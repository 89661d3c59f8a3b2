//! Stock as a ledger of movements: received, issued, returned to the supplier, exchanged,
//! adjusted by a count. A level is never stored and overwritten; the level of any item at
//! any instant is the sum of its movements up to that instant, so movements recorded on
//! two devices offline merge by keeping both, in any order, with the same result.
//!
//! The ledger keeps its movements in time order (instant, then id) with item codes
//! interned, so the level of every item at an instant is one pass over small entries,
//! and keeps each item's running total, so the levels now need no pass at all.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::catalogue::Catalogue;
use crate::error::Error;
use crate::model::{Millis, Money};

/// Units one movement may move at most: a bound, so sums over any ledger stay exact in
/// `i64` (checked all the same). Limits live here, once, for phone and server.
pub const MAX_QUANTITY: u64 = 1_000_000_000;

/// What a movement did, with its own quantities.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MovementKind {
    /// R-SUP-PLAN: received from a vendor (against a purchase plan when there is one).
    Received {
        quantity: u64,
        vendor: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        plan: Option<String>,
    },
    /// R-SUP-ISSUE: issued to a department against its requisition. An issue beyond the
    /// stock needs an override, whose reason is kept and flagged.
    Issued {
        quantity: u64,
        department: String,
        requisition: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        override_reason: Option<String>,
    },
    /// R-SUP-RETURN: sent back to the supplier (unsuitable or damaged on receipt).
    Returned {
        quantity: u64,
        supplier: String,
        /// The supplier's reference for the return.
        reference: String,
        reason: String,
    },
    /// R-SUP-RETURN: exchanged through the supplier: `returned` went back, `received`
    /// came in their place.
    Exchanged {
        returned: u64,
        received: u64,
        supplier: String,
        reference: String,
        reason: String,
    },
    /// R-SUP-COUNT: a confirmed count's difference (counted − the ledger at the count).
    Adjusted { delta: i64, count: String },
}

/// One movement of one item: the fact's id and instant (UTC), and what moved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Movement {
    pub id: String,
    pub item: String,
    pub at: Millis,
    #[serde(flatten)]
    pub kind: MovementKind,
}

fn quantity(q: u64) -> Result<i64, Error> {
    if q > MAX_QUANTITY {
        return Err(Error::InvalidInput(format!(
            "a movement moves at most {MAX_QUANTITY} units"
        )));
    }
    i64::try_from(q).map_err(|_| Error::InvalidInput("quantity".into()))
}

impl Movement {
    /// What it does to the item's level, checked against the limits.
    pub fn delta(&self) -> Result<i64, Error> {
        match &self.kind {
            MovementKind::Received { quantity: q, .. } => quantity(*q),
            MovementKind::Issued { quantity: q, .. }
            | MovementKind::Returned { quantity: q, .. } => Ok(-quantity(*q)?),
            MovementKind::Exchanged {
                returned, received, ..
            } => Ok(quantity(*received)? - quantity(*returned)?),
            MovementKind::Adjusted { delta, .. } => {
                if delta.unsigned_abs() > MAX_QUANTITY {
                    return Err(Error::InvalidInput(format!(
                        "an adjustment moves at most {MAX_QUANTITY} units"
                    )));
                }
                Ok(*delta)
            }
        }
    }

    /// Whether it may take the level below zero: only an issue with an override.
    fn overrides(&self) -> Option<&str> {
        match &self.kind {
            MovementKind::Issued {
                override_reason: Some(r),
                ..
            } => Some(r),
            _ => None,
        }
    }
}

/// A movement the rules flag.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StockFlag {
    /// R-SUP-ISSUE: the item's level went below zero, with no override (two devices
    /// issuing the last units offline, or an error): kept, and shown for the clerk.
    BelowZero {
        movement: String,
        item: String,
        level: i64,
    },
    /// R-SUP-ISSUE: issued beyond the stock with an override: allowed, and on the record.
    Overridden {
        movement: String,
        item: String,
        level: i64,
        reason: String,
    },
}

#[derive(Clone, Debug)]
struct Entry {
    at: Millis,
    id: String,
    item: u32,
    delta: i64,
}

/// An office's stock ledger.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    items: Vec<String>,
    index: HashMap<String, u32>,
    /// In time order (instant, then id).
    entries: Vec<Entry>,
    movements: HashMap<String, Movement>,
    /// Each item's level after every movement (by index).
    totals: Vec<i64>,
}

impl Ledger {
    pub fn new() -> Self {
        Self::default()
    }

    /// A ledger of these movements (in any order; one id once).
    pub fn from_movements(movements: impl IntoIterator<Item = Movement>) -> Result<Self, Error> {
        let mut l = Ledger::new();
        l.extend(movements)?;
        Ok(l)
    }

    fn intern(&mut self, item: &str) -> Result<u32, Error> {
        if let Some(i) = self.index.get(item) {
            return Ok(*i);
        }
        let i = u32::try_from(self.items.len())
            .map_err(|_| Error::InvalidInput("too many items".into()))?;
        self.items.push(item.to_owned());
        self.index.insert(item.to_owned(), i);
        Ok(i)
    }

    /// Adds one movement; one already in the ledger (the same id) is not added twice, so
    /// merging another replica's movements is adding them all. Returns whether it was new.
    pub fn add(&mut self, m: Movement) -> Result<bool, Error> {
        Ok(self.extend([m])? == 1)
    }

    /// Adds many movements at once (one sort rather than one insertion each). All or
    /// nothing: a movement out of the limits adds none of them.
    pub fn extend(&mut self, ms: impl IntoIterator<Item = Movement>) -> Result<usize, Error> {
        let mut seen = HashSet::new();
        let mut new = Vec::new();
        for m in ms {
            if self.movements.contains_key(&m.id) || !seen.insert(m.id.clone()) {
                continue;
            }
            let delta = m.delta()?;
            new.push((m, delta));
        }
        let mut totals = self.totals.clone();
        let mut entries = Vec::with_capacity(new.len());
        for (m, delta) in &new {
            let item = self.intern(&m.item)?;
            totals.resize(self.items.len(), 0);
            let total = &mut totals[item as usize];
            *total = total
                .checked_add(*delta)
                .ok_or_else(|| Error::InvalidInput("stock level out of range".into()))?;
            entries.push(Entry {
                at: m.at,
                id: m.id.clone(),
                item,
                delta: *delta,
            });
        }
        self.totals = totals;
        self.totals.resize(self.items.len(), 0);
        let added = entries.len();
        let in_order = self
            .entries
            .last()
            .zip(entries.first())
            .is_none_or(|(a, b)| (a.at, a.id.as_str()) <= (b.at, b.id.as_str()));
        self.entries.extend(entries);
        // Appending in time order, as a device mostly does, needs no sort.
        if !in_order || added > 1 {
            self.entries
                .sort_by(|a, b| (a.at, a.id.as_str()).cmp(&(b.at, b.id.as_str())));
        }
        for (m, _) in new {
            self.movements.insert(m.id.clone(), m);
        }
        Ok(added)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn movement(&self, id: &str) -> Option<&Movement> {
        self.movements.get(id)
    }

    /// The movements in time order.
    pub fn movements(&self) -> impl Iterator<Item = &Movement> {
        self.entries
            .iter()
            .filter_map(|e| self.movements.get(&e.id))
    }

    /// Every item's level after all its movements.
    pub fn levels(&self) -> BTreeMap<String, i64> {
        self.items
            .iter()
            .zip(&self.totals)
            .map(|(i, t)| (i.clone(), *t))
            .collect()
    }

    /// One item's level after all its movements (0 for an item never moved).
    pub fn level(&self, item: &str) -> i64 {
        self.index
            .get(item)
            .map(|i| self.totals[*i as usize])
            .unwrap_or(0)
    }

    /// Every item's level at `at`: the sum of its movements at or before that instant,
    /// read from the ledger itself.
    pub fn levels_at(&self, at: Millis) -> BTreeMap<String, i64> {
        let end = self.entries.partition_point(|e| e.at <= at);
        let mut sums = vec![0i64; self.items.len()];
        for e in &self.entries[..end] {
            // Every partial sum is bounded by the running totals checked on entry.
            sums[e.item as usize] = sums[e.item as usize].saturating_add(e.delta);
        }
        self.items.iter().cloned().zip(sums).collect()
    }

    /// One item's level at `at`.
    pub fn level_at(&self, item: &str, at: Millis) -> i64 {
        let Some(ix) = self.index.get(item) else {
            return 0;
        };
        let end = self.entries.partition_point(|e| e.at <= at);
        self.entries[..end]
            .iter()
            .filter(|e| e.item == *ix)
            .fold(0i64, |s, e| s.saturating_add(e.delta))
    }

    /// R-SUP-ISSUE: the movements that took an item below zero, in time order: with an
    /// override it is on the record; without one it is flagged. Nothing is dropped.
    pub fn flags(&self) -> Vec<StockFlag> {
        let mut sums = vec![0i64; self.items.len()];
        let mut out = Vec::new();
        for e in &self.entries {
            let level = sums[e.item as usize].saturating_add(e.delta);
            sums[e.item as usize] = level;
            if level >= 0 || e.delta >= 0 {
                continue;
            }
            let item = self.items[e.item as usize].clone();
            let movement = e.id.clone();
            out.push(
                match self.movements.get(&e.id).and_then(Movement::overrides) {
                    Some(reason) => StockFlag::Overridden {
                        movement,
                        item,
                        level,
                        reason: reason.to_owned(),
                    },
                    None => StockFlag::BelowZero {
                        movement,
                        item,
                        level,
                    },
                },
            );
        }
        out
    }

    /// The stock's value: each item's level (never less than none) at its catalogue price,
    /// in minor units; an item not in the catalogue counts as unpriced (0).
    pub fn value(&self, catalogue: &Catalogue) -> Result<Money, Error> {
        let mut total = Money::ZERO;
        for (item, level) in self.items.iter().zip(&self.totals) {
            let Some(price) = catalogue.item(item).map(|i| i.unit_price) else {
                continue;
            };
            total = price
                .checked_mul((*level).max(0))
                .and_then(|v| total.checked_add(v))
                .ok_or_else(|| Error::InvalidInput("stock value out of range".into()))?;
        }
        Ok(total)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn received(id: &str, item: &str, at: Millis, q: u64) -> Movement {
        Movement {
            id: id.into(),
            item: item.into(),
            at,
            kind: MovementKind::Received {
                quantity: q,
                vendor: "甲".into(),
                plan: None,
            },
        }
    }

    pub(crate) fn issued(id: &str, item: &str, at: Millis, q: u64, over: Option<&str>) -> Movement {
        Movement {
            id: id.into(),
            item: item.into(),
            at,
            kind: MovementKind::Issued {
                quantity: q,
                department: "辦公室".into(),
                requisition: "r1".into(),
                override_reason: over.map(str::to_owned),
            },
        }
    }

    #[test]
    fn every_kind_of_movement_moves_the_level_its_way() {
        // (movement, its delta)
        let cases: Vec<(MovementKind, i64)> = vec![
            (
                MovementKind::Received {
                    quantity: 5,
                    vendor: "甲".into(),
                    plan: Some("p".into()),
                },
                5,
            ),
            (
                MovementKind::Issued {
                    quantity: 3,
                    department: "d".into(),
                    requisition: "r".into(),
                    override_reason: None,
                },
                -3,
            ),
            (
                MovementKind::Returned {
                    quantity: 2,
                    supplier: "甲".into(),
                    reference: "RMA-1".into(),
                    reason: "破損".into(),
                },
                -2,
            ),
            (
                MovementKind::Exchanged {
                    returned: 4,
                    received: 4,
                    supplier: "甲".into(),
                    reference: "EX-1".into(),
                    reason: "不適用".into(),
                },
                0,
            ),
            (
                MovementKind::Adjusted {
                    delta: -7,
                    count: "c".into(),
                },
                -7,
            ),
        ];
        for (kind, delta) in cases {
            let m = Movement {
                id: "m".into(),
                item: "x".into(),
                at: 0,
                kind: kind.clone(),
            };
            assert_eq!(m.delta().ok(), Some(delta), "{kind:?}");
        }
        let too_many = received("m", "x", 0, MAX_QUANTITY + 1);
        assert!(too_many.delta().is_err());
    }

    #[test]
    fn r_sup_return_returns_and_exchanges_through_the_supplier_move_stock() {
        let back = |id: &str, q: u64| Movement {
            id: id.into(),
            item: "a4".into(),
            at: 20,
            kind: MovementKind::Returned {
                quantity: q,
                supplier: "甲".into(),
                reference: format!("RMA-{id}"),
                reason: "受潮".into(),
            },
        };
        let swap = |id: &str, returned: u64, received: u64| Movement {
            id: id.into(),
            item: "a4".into(),
            at: 30,
            kind: MovementKind::Exchanged {
                returned,
                received,
                supplier: "甲".into(),
                reference: format!("EX-{id}"),
                reason: "規格不符".into(),
            },
        };
        // (movements after receiving 10, level, flagged)
        let cases = [
            (vec![back("r", 2)], 8, false),
            (vec![swap("x", 3, 3)], 10, false),
            (vec![back("r", 2), swap("x", 3, 2)], 7, false),
            // Returning more than is in stock: kept, flagged (a return has no override).
            (vec![back("r", 12)], -2, true),
        ];
        for (moves, level, flagged) in cases {
            let mut l = Ledger::from_movements([received("a", "a4", 10, 10)]).unwrap();
            l.extend(moves.clone()).unwrap();
            assert_eq!(l.level("a4"), level, "{moves:?}");
            assert_eq!(!l.flags().is_empty(), flagged, "{moves:?}");
            // The supplier's reference stays with the movement.
            for m in &moves {
                assert_eq!(l.movement(&m.id), Some(m));
            }
        }
    }

    #[test]
    fn the_level_at_any_instant_is_derived_from_the_ledger() {
        let l = Ledger::from_movements([
            received("a", "pen", 10, 100),
            issued("b", "pen", 20, 30, None),
            received("c", "paper", 15, 5),
            issued("d", "pen", 30, 10, None),
        ])
        .unwrap();
        // (instant, pen, paper)
        let cases = [
            (5, 0, 0),
            (10, 100, 0),
            (15, 100, 5),
            (25, 70, 5),
            (30, 60, 5),
        ];
        for (at, pen, paper) in cases {
            let levels = l.levels_at(at);
            assert_eq!(levels.get("pen").copied().unwrap_or(0), pen, "at {at}");
            assert_eq!(l.level_at("pen", at), pen, "at {at}");
            assert_eq!(levels.get("paper").copied().unwrap_or(0), paper, "at {at}");
        }
        assert_eq!(l.levels(), l.levels_at(Millis::MAX));
        assert_eq!(l.level("nothing"), 0);
    }

    #[test]
    fn movements_recorded_offline_on_two_devices_merge_in_any_order_without_loss() {
        let base = [received("a", "pen", 10, 10)];
        let phone = [
            issued("p1", "pen", 20, 4, None),
            issued("p2", "pen", 40, 1, None),
        ];
        let tablet = [issued("t1", "pen", 30, 3, None)];
        let mut one = Ledger::from_movements(base.clone()).unwrap();
        one.extend(phone.clone()).unwrap();
        for m in tablet.clone() {
            one.add(m).unwrap();
        }
        let mut two = Ledger::from_movements(tablet.clone()).unwrap();
        two.extend(phone.iter().chain(&base).cloned()).unwrap();
        // And the same facts arriving twice (a resend) change nothing.
        assert_eq!(two.extend(phone.clone()).unwrap(), 0);
        assert!(!two.add(tablet[0].clone()).unwrap());
        assert_eq!(one.levels(), two.levels());
        assert_eq!(one.level("pen"), 2);
        let ids = |l: &Ledger| l.movements().map(|m| m.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&one), ["a", "p1", "t1", "p2"]);
        assert_eq!(ids(&one), ids(&two));
    }

    #[test]
    fn r_sup_issue_never_below_zero_without_a_flagged_override() {
        // Two devices each issued the last units offline; one with the leader's override.
        let l = Ledger::from_movements([
            received("a", "toner", 10, 2),
            issued("b", "toner", 20, 2, None),
            issued("c", "toner", 30, 1, None),
            issued("d", "toner", 40, 1, Some("主要領導同意先借用")),
            received("e", "toner", 50, 10),
            issued("f", "toner", 60, 1, None),
        ])
        .unwrap();
        assert_eq!(
            l.flags(),
            vec![
                StockFlag::BelowZero {
                    movement: "c".into(),
                    item: "toner".into(),
                    level: -1
                },
                StockFlag::Overridden {
                    movement: "d".into(),
                    item: "toner".into(),
                    level: -2,
                    reason: "主要領導同意先借用".into()
                },
            ]
        );
        assert_eq!(l.level("toner"), 7);
    }

    #[test]
    fn the_stock_is_valued_at_catalogue_prices_in_minor_units() {
        use super::super::catalogue::{Category, tests::item};
        let mut cat = Catalogue::default();
        cat.add(item("pen", Category::WritingTools, &["甲", "乙"]));
        let l = Ledger::from_movements([
            received("a", "pen", 10, 12),
            received("b", "unknown", 10, 5),
        ])
        .unwrap();
        assert_eq!(l.value(&cat).unwrap(), Money(12 * 250));
        let mut dear = cat.clone();
        if let Some(i) = dear.items.get_mut("pen") {
            i.unit_price = Money(i64::MAX);
        }
        assert!(l.value(&dear).is_err());
    }
}
