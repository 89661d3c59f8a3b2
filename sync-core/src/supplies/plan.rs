//! R-SUP-PLAN and R-SUP-VENDOR: the purchase plan. Common items are replenished from
//! stock levels (a suggested plan: every item at or below its reorder level, brought back
//! to its restock level); each line says where it is bought — a designated dealer, the
//! best of competitive quotes, or centrally through government procurement for items
//! within it — and receiving against the approved plan moves stock.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::catalogue::Catalogue;
use super::ledger::{Ledger, MAX_QUANTITY, Movement, MovementKind};
use crate::model::{Millis, Money};

/// A vendor's quote for a line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quote {
    pub vendor: String,
    pub unit_price: Money,
}

/// R-SUP-VENDOR: where a line is bought.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Source {
    /// From one of the item's (or its category's) designated dealers.
    Dealer { vendor: String },
    /// Competitively: the quotes recorded and the one chosen; a choice other than the
    /// cheapest gives its reason.
    Quotes {
        quotes: Vec<Quote>,
        chosen: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Centrally, through government procurement (the item is within it).
    GovernmentProcurement,
}

/// A line of the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanLine {
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub item: String,
    #[cfg_attr(feature = "openapi", schema(maximum = 1_000_000_000_u64))]
    pub quantity: u64,
    pub source: Source,
}

/// What is wrong with a plan line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlanProblem {
    UnknownItem {
        item: String,
    },
    Quantity {
        item: String,
    },
    /// R-SUP-VENDOR: a government-procurement item bought otherwise, or another item
    /// marked as bought centrally.
    Procurement {
        item: String,
    },
    /// R-SUP-VENDOR: the dealer is not designated for the item or its category.
    NotDesignated {
        item: String,
        vendor: String,
    },
    /// R-SUP-VENDOR: fewer competing vendors than the office asks for.
    TooFewQuotes {
        item: String,
        found: usize,
        needed: usize,
    },
    /// The chosen vendor has no quote among them.
    ChosenWithoutQuote {
        item: String,
        vendor: String,
    },
    /// A dearer quote chosen with no reason given.
    DearerWithoutReason {
        item: String,
        vendor: String,
    },
}

/// R-SUP-VENDOR: the problems of one line; `min_quotes` is the office's setting for how
/// many vendors must compete.
pub fn check_line(catalogue: &Catalogue, line: &PlanLine, min_quotes: usize) -> Vec<PlanProblem> {
    let item = line.item.clone();
    let Some(it) = catalogue.item(&line.item) else {
        return vec![PlanProblem::UnknownItem { item }];
    };
    let mut out = Vec::new();
    if line.quantity == 0 || line.quantity > MAX_QUANTITY {
        out.push(PlanProblem::Quantity { item: item.clone() });
    }
    let central = matches!(line.source, Source::GovernmentProcurement);
    if central != it.government_procurement {
        out.push(PlanProblem::Procurement { item });
        return out;
    }
    match &line.source {
        Source::GovernmentProcurement => {}
        Source::Dealer { vendor } => {
            if !catalogue.dealers_of(it).contains(vendor) {
                out.push(PlanProblem::NotDesignated {
                    item,
                    vendor: vendor.clone(),
                });
            }
        }
        Source::Quotes {
            quotes,
            chosen,
            reason,
        } => {
            let vendors: BTreeSet<&str> = quotes.iter().map(|q| q.vendor.as_str()).collect();
            if vendors.len() < min_quotes {
                out.push(PlanProblem::TooFewQuotes {
                    item: item.clone(),
                    found: vendors.len(),
                    needed: min_quotes,
                });
            }
            let cheapest = quotes.iter().map(|q| q.unit_price).min();
            match quotes
                .iter()
                .filter(|q| &q.vendor == chosen)
                .map(|q| q.unit_price)
                .min()
            {
                None => out.push(PlanProblem::ChosenWithoutQuote {
                    item,
                    vendor: chosen.clone(),
                }),
                Some(p) if Some(p) != cheapest && reason.as_deref().is_none_or(str::is_empty) => {
                    out.push(PlanProblem::DearerWithoutReason {
                        item,
                        vendor: chosen.clone(),
                    })
                }
                Some(_) => {}
            }
        }
    }
    out
}

/// R-SUP-PLAN: the suggested plan: every catalogue item at or below its reorder level,
/// in code order, for what brings it back to its restock level; bought centrally when
/// within government procurement, else from its first designated dealer (the clerk may
/// change the source, or take quotes).
pub fn suggest(catalogue: &Catalogue, ledger: &Ledger) -> Vec<PlanLine> {
    catalogue
        .items
        .values()
        .filter_map(|it| {
            let level = ledger.level(&it.code);
            let reorder = i64::try_from(it.reorder_level).unwrap_or(i64::MAX);
            if level > reorder {
                return None;
            }
            let target = i64::try_from(it.restock_to).unwrap_or(i64::MAX);
            let quantity = u64::try_from(target.saturating_sub(level)).ok()?;
            if quantity == 0 {
                return None;
            }
            let source = if it.government_procurement {
                Source::GovernmentProcurement
            } else {
                Source::Dealer {
                    vendor: catalogue.dealers_of(it).first()?.clone(),
                }
            };
            Some(PlanLine {
                item: it.code.clone(),
                quantity: quantity.min(MAX_QUANTITY),
                source,
            })
        })
        .collect()
}

/// What receiving against a plan found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The movements to record (stock in).
    pub movements: Vec<Movement>,
    /// Items received beyond the plan's quantity (kept, and shown): (item, beyond).
    pub beyond_plan: Vec<(String, u64)>,
    /// Items received that the plan does not name.
    pub not_planned: Vec<String>,
}

/// R-SUP-PLAN: receiving `delivered` (item, quantity) from `vendor` against the approved
/// plan `plan_id`: each becomes a movement into stock; what goes beyond the plan (counting
/// what `ledger` shows already received against it) or is not in it is listed.
pub fn receive(
    plan_id: &str,
    plan: &[PlanLine],
    ledger: &Ledger,
    vendor: &str,
    delivered: &[(String, u64)],
    at: Millis,
    id_prefix: &str,
) -> Receipt {
    let mut planned: BTreeMap<&str, u64> = BTreeMap::new();
    for l in plan {
        let p = planned.entry(&l.item).or_default();
        *p = p.saturating_add(l.quantity);
    }
    let mut received: BTreeMap<String, u64> = BTreeMap::new();
    for m in ledger.movements() {
        if let MovementKind::Received {
            quantity,
            plan: Some(p),
            ..
        } = &m.kind
            && p == plan_id
        {
            let r = received.entry(m.item.clone()).or_default();
            *r = r.saturating_add(*quantity);
        }
    }
    let mut out = Receipt {
        movements: Vec::new(),
        beyond_plan: Vec::new(),
        not_planned: Vec::new(),
    };
    for (n, (item, quantity)) in delivered.iter().enumerate() {
        let Some(want) = planned.get(item.as_str()) else {
            out.not_planned.push(item.clone());
            continue;
        };
        let before = received.entry(item.clone()).or_default();
        let after = before.saturating_add(*quantity);
        if after > *want {
            out.beyond_plan
                .push((item.clone(), after - (*want).max(*before)));
        }
        *before = after;
        out.movements.push(Movement {
            id: format!("{id_prefix}:{n}"),
            item: item.clone(),
            at,
            kind: MovementKind::Received {
                quantity: *quantity,
                vendor: vendor.to_owned(),
                plan: Some(plan_id.to_owned()),
            },
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supplies::catalogue::{Category, Item, tests::item};
    use crate::supplies::ledger::tests::{issued, received as moved_in};

    fn catalogue() -> Catalogue {
        let mut c = Catalogue::default();
        c.category_dealers
            .insert(Category::Paper, vec!["甲".into(), "乙".into()]);
        c.add(item("pen", Category::WritingTools, &["丙", "丁"]));
        c.add(item("a4", Category::Paper, &[]));
        c.add(Item {
            government_procurement: true,
            ..item("toner", Category::Consumables, &[])
        });
        c
    }

    fn quote(vendor: &str, price: i64) -> Quote {
        Quote {
            vendor: vendor.into(),
            unit_price: Money(price),
        }
    }

    #[test]
    fn r_sup_vendor_every_line_bought_where_the_rules_allow() {
        let c = catalogue();
        let dealer = |v: &str| Source::Dealer { vendor: v.into() };
        let quotes = |chosen: &str, reason: Option<&str>| Source::Quotes {
            quotes: vec![quote("x", 100), quote("y", 120), quote("z", 90)],
            chosen: chosen.into(),
            reason: reason.map(str::to_owned),
        };
        let line = |item: &str, source: Source| PlanLine {
            item: item.into(),
            quantity: 10,
            source,
        };
        // (line, expected problems' kinds)
        let cases: Vec<(PlanLine, Vec<&str>)> = vec![
            (line("pen", dealer("丙")), vec![]),
            (line("pen", dealer("甲")), vec!["not_designated"]),
            // The category's dealers for an item without its own.
            (line("a4", dealer("乙")), vec![]),
            (line("toner", Source::GovernmentProcurement), vec![]),
            (line("toner", dealer("甲")), vec!["procurement"]),
            (
                line("pen", Source::GovernmentProcurement),
                vec!["procurement"],
            ),
            (line("pen", quotes("z", None)), vec![]),
            (
                line("pen", quotes("x", None)),
                vec!["dearer_without_reason"],
            ),
            (line("pen", quotes("x", Some("交貨較快"))), vec![]),
            (line("pen", quotes("w", None)), vec!["chosen_without_quote"]),
            (
                line(
                    "pen",
                    Source::Quotes {
                        quotes: vec![quote("x", 1), quote("x", 2)],
                        chosen: "x".into(),
                        reason: None,
                    },
                ),
                vec!["too_few_quotes"],
            ),
            (line("ink", dealer("丙")), vec!["unknown_item"]),
            (
                PlanLine {
                    quantity: 0,
                    ..line("pen", dealer("丙"))
                },
                vec!["quantity"],
            ),
        ];
        for (l, expected) in cases {
            let kinds: Vec<String> = check_line(&c, &l, 3)
                .iter()
                .map(crate::test_util::kind)
                .collect();
            assert_eq!(kinds, expected, "{l:?}");
        }
        // Fewer quotes asked for by the office: two suffice.
        let two = PlanLine {
            source: Source::Quotes {
                quotes: vec![quote("x", 1), quote("y", 2)],
                chosen: "x".into(),
                reason: None,
            },
            ..line("pen", dealer("丙"))
        };
        assert!(check_line(&c, &two, 2).is_empty());
        assert!(!check_line(&c, &two, 3).is_empty());
    }

    #[test]
    fn r_sup_plan_suggests_what_is_at_or_below_its_reorder_level() {
        let c = catalogue();
        // reorder 10, restock 50 for each.
        let ledger = Ledger::from_movements([
            moved_in("a", "pen", 0, 30),
            moved_in("b", "a4", 0, 12),
            issued("c", "a4", 1, 2, None),
            issued("d", "toner", 1, 1, Some("借用")),
        ])
        .unwrap();
        let s = suggest(&c, &ledger);
        let got: Vec<(&str, u64, &Source)> = s
            .iter()
            .map(|l| (l.item.as_str(), l.quantity, &l.source))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "a4",
                    40,
                    &Source::Dealer {
                        vendor: "甲".into()
                    }
                ),
                ("toner", 51, &Source::GovernmentProcurement),
            ]
        );
        for l in &s {
            assert!(check_line(&c, l, 3).is_empty(), "{l:?}");
        }
    }

    #[test]
    fn r_sup_plan_receiving_moves_stock_and_shows_what_exceeds_the_plan() {
        let plan = vec![
            PlanLine {
                item: "a4".into(),
                quantity: 40,
                source: Source::Dealer {
                    vendor: "甲".into(),
                },
            },
            PlanLine {
                item: "pen".into(),
                quantity: 10,
                source: Source::Dealer {
                    vendor: "丙".into(),
                },
            },
        ];
        let mut ledger = Ledger::new();
        let first = receive("p1", &plan, &ledger, "甲", &[("a4".into(), 30)], 10, "r1");
        assert!(first.beyond_plan.is_empty() && first.not_planned.is_empty());
        ledger.extend(first.movements).unwrap();
        assert_eq!(ledger.level("a4"), 30);
        let second = receive(
            "p1",
            &plan,
            &ledger,
            "甲",
            &[("a4".into(), 15), ("ink".into(), 1)],
            20,
            "r2",
        );
        assert_eq!(second.beyond_plan, [("a4".to_owned(), 5)]);
        assert_eq!(second.not_planned, ["ink"]);
        ledger.extend(second.movements).unwrap();
        assert_eq!(ledger.level("a4"), 45);
        assert_eq!(ledger.level("ink"), 0);
    }
}
