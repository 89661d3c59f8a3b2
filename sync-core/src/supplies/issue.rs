//! R-SUP-ISSUE: what to issue against an approved requisition (申請批準單): each line in
//! full while the stock lasts, then partly, the rest short — to issue when stock arrives,
//! never by taking the level below zero (that needs an override, which the ledger flags).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ledger::{Ledger, MAX_QUANTITY};
use crate::error::Error;

/// A requisition's line: so many units of an item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Line {
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub item: String,
    #[cfg_attr(feature = "openapi", schema(maximum = 1_000_000_000_u64))]
    pub quantity: u64,
}

/// What to do with one item of a requisition now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueLine {
    pub item: String,
    /// Asked for in all (the requisition's lines of the item, added up).
    pub requested: u64,
    /// Issued before, against this requisition.
    pub issued_before: u64,
    /// To issue now: what is left of the request, as far as the stock goes.
    pub issue: u64,
    /// Left to issue once stock arrives.
    pub short: u64,
}

/// Plans the next issue of a requisition: `lines` as approved, `issued_before` what was
/// issued against it so far (by item), the stock from `ledger`. Items in the order the
/// requisition names them first.
pub fn plan_issue(
    lines: &[Line],
    issued_before: &BTreeMap<String, u64>,
    ledger: &Ledger,
) -> Result<Vec<IssueLine>, Error> {
    let mut order: Vec<&str> = Vec::new();
    let mut wanted: BTreeMap<&str, u64> = BTreeMap::new();
    for l in lines {
        if l.quantity == 0 || l.quantity > MAX_QUANTITY {
            return Err(Error::InvalidInput(format!(
                "a requisition line asks for 1–{MAX_QUANTITY} units"
            )));
        }
        let w = wanted.entry(&l.item).or_insert_with(|| {
            order.push(&l.item);
            0
        });
        *w = w
            .checked_add(l.quantity)
            .filter(|w| *w <= MAX_QUANTITY)
            .ok_or_else(|| Error::InvalidInput("a requisition asks for too many units".into()))?;
    }
    Ok(order
        .into_iter()
        .map(|item| {
            let requested = wanted.get(item).copied().unwrap_or(0);
            let before = issued_before.get(item).copied().unwrap_or(0);
            let left = requested.saturating_sub(before);
            let stock = u64::try_from(ledger.level(item).max(0)).unwrap_or(0);
            let issue = left.min(stock);
            IssueLine {
                item: item.to_owned(),
                requested,
                issued_before: before,
                issue,
                short: left - issue,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supplies::ledger::tests::{issued, received};

    fn line(item: &str, quantity: u64) -> Line {
        Line {
            item: item.into(),
            quantity,
        }
    }

    #[test]
    fn r_sup_issue_partial_when_stock_is_short() {
        let ledger = Ledger::from_movements([
            received("a", "pen", 0, 10),
            received("b", "paper", 0, 3),
            issued("c", "toner", 0, 1, Some("借用")),
        ])
        .unwrap();
        // (lines, issued before, expected (item, issue, short))
        type Case<'a> = (Vec<Line>, Vec<(&'a str, u64)>, Vec<(&'a str, u64, u64)>);
        let cases: Vec<Case<'_>> = vec![
            // In full while stock lasts.
            (vec![line("pen", 4)], vec![], vec![("pen", 4, 0)]),
            // Partly: 3 of 5, 2 short.
            (vec![line("paper", 5)], vec![], vec![("paper", 3, 2)]),
            // Nothing in stock (below zero after an override): all short.
            (vec![line("toner", 2)], vec![], vec![("toner", 0, 2)]),
            // Unknown to the ledger: all short.
            (vec![line("ink", 1)], vec![], vec![("ink", 0, 1)]),
            // Two lines of one item add up, in the order first named.
            (
                vec![line("pen", 6), line("paper", 1), line("pen", 6)],
                vec![],
                vec![("pen", 10, 2), ("paper", 1, 0)],
            ),
            // The rest of an earlier partial issue.
            (
                vec![line("paper", 5)],
                vec![("paper", 3)],
                vec![("paper", 2, 0)],
            ),
            // Issued in full before: nothing more.
            (vec![line("pen", 2)], vec![("pen", 2)], vec![("pen", 0, 0)]),
        ];
        for (lines, before, expected) in cases {
            let before: BTreeMap<String, u64> =
                before.into_iter().map(|(i, q)| (i.to_owned(), q)).collect();
            let got: Vec<(String, u64, u64)> = plan_issue(&lines, &before, &ledger)
                .unwrap()
                .into_iter()
                .map(|l| (l.item, l.issue, l.short))
                .collect();
            let expected: Vec<(String, u64, u64)> = expected
                .into_iter()
                .map(|(i, a, b)| (i.to_owned(), a, b))
                .collect();
            assert_eq!(got, expected, "{lines:?} after {before:?}");
        }
    }

    #[test]
    fn a_requisition_line_of_nothing_or_too_much_is_refused() {
        let ledger = Ledger::new();
        for bad in [vec![line("pen", 0)], vec![line("pen", MAX_QUANTITY + 1)]] {
            assert!(plan_issue(&bad, &BTreeMap::new(), &ledger).is_err());
        }
        let sum = vec![line("pen", MAX_QUANTITY), line("pen", 1)];
        assert!(plan_issue(&sum, &BTreeMap::new(), &ledger).is_err());
    }
}
