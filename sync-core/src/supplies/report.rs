//! The storeroom's figures for a period (a month or a quarter, in the office's zone, given
//! as UTC instants): supplies issued per department, purchases per vendor, returns per
//! supplier, and the stock's value at the period's end — all from the ledger, valued at
//! catalogue prices in minor units.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::catalogue::Catalogue;
use super::ledger::{Ledger, MovementKind};
use crate::error::Error;
use crate::model::{Millis, Money};

/// Units and their value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amount {
    pub units: u64,
    pub value: Money,
}

impl Amount {
    fn add(&mut self, units: u64, price: Money) -> Result<(), Error> {
        let out = || Error::InvalidInput("a report's amount out of range".into());
        let value = price
            .checked_mul(i64::try_from(units).map_err(|_| out())?)
            .ok_or_else(out)?;
        self.units = self.units.checked_add(units).ok_or_else(out)?;
        self.value = self.value.checked_add(value).ok_or_else(out)?;
        Ok(())
    }
}

/// The storeroom's figures for one period.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuppliesReport {
    /// Issued, by department, then by item.
    pub issued: BTreeMap<String, BTreeMap<String, Amount>>,
    /// Received, by vendor.
    pub purchases: BTreeMap<String, Amount>,
    /// Sent back (returned, or the outgoing half of an exchange), by supplier.
    pub returns: BTreeMap<String, Amount>,
    /// Count adjustments, by item (signed units).
    pub adjustments: BTreeMap<String, i64>,
    /// The stock's value at the period's end.
    pub stock_value: Money,
    /// R-SUP-COUNT: the count register of each quarter that starts in the period
    /// (`count_register`; filled by whoever holds the counts).
    #[serde(default)]
    pub counts: Vec<super::count_register::QuarterCount>,
}

/// The figures for movements in `period` (start included, end excluded).
pub fn report(
    ledger: &Ledger,
    catalogue: &Catalogue,
    period: Range<Millis>,
) -> Result<SuppliesReport, Error> {
    let price = |item: &str| {
        catalogue
            .item(item)
            .map(|i| i.unit_price)
            .unwrap_or(Money::ZERO)
    };
    let mut r = SuppliesReport::default();
    for m in ledger.movements().filter(|m| period.contains(&m.at)) {
        let p = price(&m.item);
        match &m.kind {
            MovementKind::Issued {
                quantity,
                department,
                ..
            } => r
                .issued
                .entry(department.clone())
                .or_default()
                .entry(m.item.clone())
                .or_default()
                .add(*quantity, p)?,
            MovementKind::Received {
                quantity, vendor, ..
            } => r
                .purchases
                .entry(vendor.clone())
                .or_default()
                .add(*quantity, p)?,
            MovementKind::Returned {
                quantity, supplier, ..
            } => r
                .returns
                .entry(supplier.clone())
                .or_default()
                .add(*quantity, p)?,
            MovementKind::Exchanged {
                returned, supplier, ..
            } => r
                .returns
                .entry(supplier.clone())
                .or_default()
                .add(*returned, p)?,
            MovementKind::Adjusted { delta, .. } => {
                let a = r.adjustments.entry(m.item.clone()).or_default();
                *a = a.saturating_add(*delta);
            }
        }
    }
    // The value at the end: each item's level then, at its price.
    let mut value = Money::ZERO;
    for (item, level) in ledger.levels_at(period.end.saturating_sub(1)) {
        let v = price(&item)
            .checked_mul(level.max(0))
            .and_then(|v| value.checked_add(v))
            .ok_or_else(|| Error::InvalidInput("stock value out of range".into()))?;
        value = v;
    }
    r.stock_value = value;
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supplies::catalogue::{Category, tests::item};
    use crate::supplies::ledger::tests::{issued, received};
    use crate::supplies::{Ledger, Movement};

    #[test]
    fn the_storeroom_s_figures_for_a_period_come_from_the_ledger() {
        let mut cat = Catalogue::default();
        cat.add(item("pen", Category::WritingTools, &["甲", "乙"])); // 250 a unit
        let returned = Movement {
            id: "x".into(),
            item: "pen".into(),
            at: 30,
            kind: MovementKind::Returned {
                quantity: 2,
                supplier: "甲".into(),
                reference: "RMA-1".into(),
                reason: "破損".into(),
            },
        };
        let ledger = Ledger::from_movements([
            received("before", "pen", 5, 10),
            received("a", "pen", 10, 20),
            issued("b", "pen", 20, 3, None),
            returned,
            // After the period.
            issued("after", "pen", 100, 5, None),
        ])
        .unwrap();
        let r = report(&ledger, &cat, 10..100).unwrap();
        // The fixtures' vendor and department.
        assert_eq!(
            r.purchases.get("甲"),
            Some(&Amount {
                units: 20,
                value: Money(5_000)
            })
        );
        assert_eq!(
            r.issued.get("辦公室").and_then(|d| d.get("pen")),
            Some(&Amount {
                units: 3,
                value: Money(750)
            })
        );
        assert_eq!(r.returns.get("甲").map(|a| a.units), Some(2));
        // 10 + 20 − 3 − 2 = 25 at the end, at 250.
        assert_eq!(r.stock_value, Money(25 * 250));
        assert!(r.adjustments.is_empty());
    }
}
