//! The company's published fee schedule (有償服務收費標準, S1 附表2) and its free
//! service-item list (維修服務項目表): R-PAID and R-SERVICE-LIST.
//!
//! The schedule is data, versioned: each publication is a new version with the date it
//! takes effect, and an order keeps the version it was quoted from. Phones hold the
//! current version (it comes with the sync welcome), so a technician can quote from it
//! offline. An item quoted from the schedule at its schedule price is pre-approved; any
//! other item or amount is a proposal the manager approves or changes.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::error::{Error, RuleViolation};
use crate::event::EventBody;
use crate::model::{FeeItem, Millis, Money};
use crate::rules::{MAX_AMOUNT, MAX_FEE_ITEMS};

/// Most items one schedule may list.
pub const MAX_SCHEDULE_ITEMS: usize = 2_000;

/// One standard item of the schedule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleItem {
    /// Stable within the company, e.g. `PL-012`.
    pub code: String,
    pub name: String,
    /// The kind of fault it belongs to (`plumbing`, `electrical`…), as orders are classified.
    #[serde(default)]
    pub category: String,
    /// Standard materials price, minor units.
    pub materials: Money,
    /// Standard labour price, minor units.
    pub labour: Money,
    /// On the free service-item list (維修服務項目表): done without charge.
    #[serde(default)]
    pub free: bool,
}

impl ScheduleItem {
    /// The item as a fee line quoted at its schedule price (zero when on the free list).
    pub fn quote(&self) -> FeeItem {
        let (materials, labour) = if self.free {
            (Money::ZERO, Money::ZERO)
        } else {
            (self.materials, self.labour)
        };
        FeeItem {
            description: self.name.clone(),
            materials,
            labour,
            code: Some(self.code.clone()),
        }
    }
}

/// One published version of the schedule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeSchedule {
    /// 1, 2, … in order of publication.
    pub version: u32,
    /// When it takes effect (UTC ms).
    pub effective_from: Millis,
    pub items: Vec<ScheduleItem>,
}

impl FeeSchedule {
    /// Refuses a schedule no office could mean: no items, a duplicate or empty code or
    /// name, an amount out of bounds, a free item with a price.
    pub fn check(&self) -> Result<(), Error> {
        let bad = |m: String| Err(Error::InvalidInput(m));
        if self.items.is_empty() || self.items.len() > MAX_SCHEDULE_ITEMS {
            return bad(format!("a schedule lists 1 to {MAX_SCHEDULE_ITEMS} items"));
        }
        let mut codes = HashSet::new();
        for i in &self.items {
            if i.code.trim().is_empty() || i.name.trim().is_empty() {
                return bad("every item has a code and a name".into());
            }
            let chars = |s: &str| s.chars().count();
            if chars(&i.code) > 32 || chars(&i.name) > 200 || chars(&i.category) > 64 {
                return bad(format!(
                    "item {:?}: code ≤ 32, name ≤ 200, category ≤ 64 characters",
                    i.code
                ));
            }
            if !codes.insert(i.code.as_str()) {
                return bad(format!("item code {:?} appears twice", i.code));
            }
            let ok = |m: Money| (0..=MAX_AMOUNT).contains(&m.0);
            if !ok(i.materials) || !ok(i.labour) {
                return bad(format!("item {:?}: amounts are 0 to {MAX_AMOUNT}", i.code));
            }
            if i.free && (i.materials.0 != 0 || i.labour.0 != 0) {
                return bad(format!(
                    "item {:?} is on the free list and cannot carry a price",
                    i.code
                ));
            }
        }
        Ok(())
    }

    pub fn item(&self, code: &str) -> Option<&ScheduleItem> {
        self.items.iter().find(|i| i.code == code)
    }
}

/// R-PAID: a fee line that names a schedule item must carry that item's name and schedule
/// price (zero for a free-list item) — checked by the phone before it records the line and
/// by the server before it stores it, so a coded line can be trusted as pre-approved.
/// `item` looks a code up in the version the order was quoted from.
pub fn check_coded(
    items: &[FeeItem],
    item: &dyn Fn(&str) -> Option<ScheduleItem>,
) -> Result<(), RuleViolation> {
    for line in items.iter().take(MAX_FEE_ITEMS) {
        let Some(code) = &line.code else { continue };
        let matches = item(code).is_some_and(|s| {
            let q = s.quote();
            q.description == line.description
                && q.materials == line.materials
                && q.labour == line.labour
        });
        if !matches {
            return Err(RuleViolation::NotTheSchedulePrice { item: code.clone() });
        }
    }
    Ok(())
}

/// R-PAID: the coded lines of a fee-bearing fact (pricing, fee told, completion,
/// amendment) checked against the schedule version the fact names — by the phone before it
/// records the fact, by the server for a REST command and for a device's change alike.
/// `lookup(version, code)` finds an item in a published version.
pub fn check_fact(
    body: &EventBody,
    lookup: &dyn Fn(u32, &str) -> Option<ScheduleItem>,
) -> Result<(), RuleViolation> {
    let Some((items, version)) = quoted(body) else {
        return Ok(());
    };
    check_coded(items, &|code| version.and_then(|v| lookup(v, code)))
}

/// Whether a fact carries lines quoted from the schedule (only those need checking).
pub fn has_coded_lines(body: &EventBody) -> bool {
    quoted(body).is_some_and(|(items, _)| items.iter().any(|i| i.code.is_some()))
}

/// The schedule version a fee-bearing fact names, if it names one.
pub fn quoted_version(body: &EventBody) -> Option<u32> {
    quoted(body).and_then(|(_, v)| v)
}

fn quoted(body: &EventBody) -> Option<(&[FeeItem], Option<u32>)> {
    match body {
        EventBody::Priced {
            items, schedule, ..
        }
        | EventBody::FeeTold {
            items, schedule, ..
        }
        | EventBody::Completed {
            items, schedule, ..
        }
        | EventBody::FeesAmended {
            items, schedule, ..
        } => Some((items, *schedule)),
        _ => None,
    }
}

/// R-PAID: whether the fees agreed with the customer are covered by what the manager
/// approved: the same free/paid decision, and every line either quoted from the schedule at
/// its price (coded lines are checked on entry) or one the manager approved — each approved
/// line covering one agreed line, so an approved line told twice is not covered.
pub fn covered(paid: bool, items: &[FeeItem], approved_paid: bool, approved: &[FeeItem]) -> bool {
    if paid != approved_paid {
        return false;
    }
    let key = |i: &FeeItem| (i.description.clone(), i.materials, i.labour);
    let mut left: HashMap<(String, Money, Money), usize> = HashMap::new();
    for a in approved {
        *left.entry(key(a)).or_default() += 1;
    }
    items
        .iter()
        .filter(|i| i.code.is_none())
        .all(|i| match left.get_mut(&key(i)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(code: &str, materials: i64, labour: i64, free: bool) -> ScheduleItem {
        ScheduleItem {
            code: code.into(),
            name: format!("item {code}"),
            category: "plumbing".into(),
            materials: Money(materials),
            labour: Money(labour),
            free,
        }
    }

    #[test]
    fn r_service_list_a_schedule_is_checked_and_free_items_quote_at_zero() {
        let ok = FeeSchedule {
            version: 1,
            effective_from: 0,
            items: vec![item("PL-1", 12000, 5000, false), item("SV-1", 0, 0, true)],
        };
        assert!(ok.check().is_ok());
        assert_eq!(
            ok.item("SV-1").map(|i| i.quote().materials),
            Some(Money::ZERO)
        );
        // (why, schedule items) → refused
        let bad: &[(&str, Vec<ScheduleItem>)] = &[
            ("empty", vec![]),
            (
                "duplicate code",
                vec![item("A", 1, 1, false), item("A", 2, 2, false)],
            ),
            ("free item with a price", vec![item("A", 100, 0, true)]),
            ("negative amount", vec![item("A", -1, 0, false)]),
            ("empty code", vec![item(" ", 1, 0, false)]),
        ];
        for (why, items) in bad {
            let s = FeeSchedule {
                version: 1,
                effective_from: 0,
                items: items.clone(),
            };
            assert!(s.check().is_err(), "{why}");
        }
    }

    #[test]
    fn r_paid_coded_lines_carry_the_schedule_price_and_cover_the_approval() {
        let sched = FeeSchedule {
            version: 1,
            effective_from: 0,
            items: vec![item("PL-1", 12000, 5000, false)],
        };
        let lookup = |c: &str| sched.item(c).cloned();
        let quoted = sched.items[0].quote();
        let off = FeeItem {
            description: "換水管".into(),
            materials: Money(30000),
            labour: Money(8000),
            code: None,
        };
        let wrong = FeeItem {
            labour: Money(9000),
            ..quoted.clone()
        };
        assert_eq!(check_coded(std::slice::from_ref(&quoted), &lookup), Ok(()));
        assert_eq!(check_coded(std::slice::from_ref(&off), &lookup), Ok(()));
        assert_eq!(
            check_coded(&[wrong], &lookup),
            Err(RuleViolation::NotTheSchedulePrice {
                item: "PL-1".into()
            })
        );
        // (why, agreed paid, agreed lines, approved paid, approved lines, covered)
        type Row = (&'static str, bool, Vec<FeeItem>, bool, Vec<FeeItem>, bool);
        let rows: &[Row] = &[
            (
                "as approved",
                true,
                vec![off.clone()],
                true,
                vec![off.clone()],
                true,
            ),
            (
                "a schedule line added on site",
                true,
                vec![off.clone(), quoted.clone()],
                true,
                vec![off.clone()],
                true,
            ),
            (
                "an amount off the approval",
                true,
                vec![FeeItem {
                    labour: Money(1),
                    ..off.clone()
                }],
                true,
                vec![off.clone()],
                false,
            ),
            (
                "a line never approved",
                true,
                vec![off.clone()],
                true,
                vec![],
                false,
            ),
            (
                "free turned paid",
                true,
                vec![quoted.clone()],
                false,
                vec![],
                false,
            ),
        ];
        for (why, paid, items, ap, approved, want) in rows {
            assert_eq!(covered(*paid, items, *ap, approved), *want, "{why}");
        }
    }
}
