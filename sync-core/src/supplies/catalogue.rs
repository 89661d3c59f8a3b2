//! The catalogue of office supplies: items in the four categories (R-SUP-CATALOGUE), their
//! unit, reorder level, price, and who may sell them (R-SUP-VENDOR).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::Money;

/// R-SUP-CATALOGUE: the four series the rules name (書寫工具系列、紙本系列、文具系列、
/// 耗材系列).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Category {
    /// 書寫工具: pens, pencils, markers.
    WritingTools,
    /// 紙本: paper, notebooks, envelopes.
    Paper,
    /// 文具: staplers, clips, folders.
    Stationery,
    /// 耗材: toner, ink, batteries.
    Consumables,
}

impl Category {
    /// The name the register prints.
    pub fn zh(self) -> &'static str {
        match self {
            Category::WritingTools => "書寫工具",
            Category::Paper => "紙本",
            Category::Stationery => "文具",
            Category::Consumables => "耗材",
        }
    }
}

/// R-SUP-VENDOR: a category or item is bought from two or three designated dealers.
pub const DEALERS: std::ops::RangeInclusive<usize> = 2..=3;

/// One item of the catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// The clerk's code for it (unique in the office).
    pub code: String,
    pub name: String,
    pub category: Category,
    /// 支, 包, 盒…
    pub unit: String,
    /// At or below this many units the item is suggested for the next purchase plan.
    pub reorder_level: u64,
    /// A suggested purchase brings the stock up to this many units.
    pub restock_to: u64,
    /// Price of one unit, in minor units (what stock is valued at).
    pub unit_price: Money,
    /// R-SUP-VENDOR: within government procurement: bought centrally through it, never
    /// from a dealer or by quotes.
    pub government_procurement: bool,
    /// The item's own designated dealers; empty: its category's.
    #[serde(default)]
    pub dealers: Vec<String>,
}

/// The office's catalogue: its items and each category's designated dealers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalogue {
    pub items: BTreeMap<String, Item>,
    #[serde(default)]
    pub category_dealers: BTreeMap<Category, Vec<String>>,
}

/// What is wrong with a catalogue entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CatalogueProblem {
    /// R-SUP-VENDOR: neither the item nor its category has two or three dealers.
    Dealers { item: String, found: usize },
    /// A reorder level above the level restocking brings it to.
    RestockBelowReorder { item: String },
    /// A negative price, or one above what any amount may be.
    NegativePrice { item: String },
    /// A code, name, unit or dealer empty or too long.
    Name { item: String },
    /// More items (or dealers) than a catalogue holds.
    TooMany,
    /// A reorder or restock level above what one movement may move.
    Levels { item: String },
    /// R-SUP-VENDOR: a category's designated dealers, when named, are two or three.
    CategoryDealers { category: Category, found: usize },
}

/// Names and codes are at most this many characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Items in a catalogue at most.
pub const MAX_ITEMS: usize = 2_000;

fn bad_name(s: &str) -> bool {
    s.trim().is_empty() || s.chars().count() > MAX_NAME_CHARS
}

impl Catalogue {
    pub fn add(&mut self, item: Item) {
        self.items.insert(item.code.clone(), item);
    }

    pub fn item(&self, code: &str) -> Option<&Item> {
        self.items.get(code)
    }

    /// R-SUP-VENDOR: who may sell `item`: its own dealers, else its category's.
    pub fn dealers_of<'a>(&'a self, item: &'a Item) -> &'a [String] {
        if item.dealers.is_empty() {
            self.category_dealers
                .get(&item.category)
                .map(Vec::as_slice)
                .unwrap_or(&[])
        } else {
            &item.dealers
        }
    }

    /// Every entry that breaks the rules, in code order (empty: the catalogue is sound).
    pub fn check(&self) -> Vec<CatalogueProblem> {
        let mut out = Vec::new();
        if self.items.len() > MAX_ITEMS
            || self.category_dealers.values().any(|d| d.len() > MAX_ITEMS)
        {
            out.push(CatalogueProblem::TooMany);
        }
        for (category, dealers) in &self.category_dealers {
            let found = dealers.len();
            if (found > 0 && !DEALERS.contains(&found)) || dealers.iter().any(|d| bad_name(d)) {
                out.push(CatalogueProblem::CategoryDealers {
                    category: *category,
                    found,
                });
            }
        }
        for (code, item) in &self.items {
            let names = [&item.code, &item.name, &item.unit];
            if code != &item.code
                || names.iter().any(|n| bad_name(n))
                || item.dealers.iter().any(|d| bad_name(d))
            {
                out.push(CatalogueProblem::Name {
                    item: item.code.clone(),
                });
            }
            let found = self.dealers_of(item).len();
            // R-SUP-VENDOR: government-procurement items have no dealers of their own.
            if !item.government_procurement && !DEALERS.contains(&found) {
                out.push(CatalogueProblem::Dealers {
                    item: item.code.clone(),
                    found,
                });
            }
            if item.restock_to > super::ledger::MAX_QUANTITY {
                out.push(CatalogueProblem::Levels {
                    item: item.code.clone(),
                });
            } else if item.restock_to < item.reorder_level {
                out.push(CatalogueProblem::RestockBelowReorder {
                    item: item.code.clone(),
                });
            }
            if item.unit_price.is_negative() || item.unit_price.0 > crate::rules::MAX_AMOUNT {
                out.push(CatalogueProblem::NegativePrice {
                    item: item.code.clone(),
                });
            }
        }
        out
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn item(code: &str, category: Category, dealers: &[&str]) -> Item {
        Item {
            code: code.into(),
            name: format!("品項 {code}"),
            category,
            unit: "支".into(),
            reorder_level: 10,
            restock_to: 50,
            unit_price: Money(250),
            government_procurement: false,
            dealers: dealers.iter().map(|d| (*d).to_owned()).collect(),
        }
    }

    #[test]
    fn r_sup_catalogue_has_the_four_series() {
        use strum::VariantArray;
        let names: Vec<&str> = Category::VARIANTS.iter().map(|c| c.zh()).collect();
        assert_eq!(names, ["書寫工具", "紙本", "文具", "耗材"]);
        let json = serde_json::to_string(&Category::WritingTools).unwrap_or_default();
        assert_eq!(json, "\"writing_tools\"");
    }

    #[test]
    fn r_sup_vendor_two_or_three_dealers_per_item_or_category() {
        let mut cat = Catalogue::default();
        cat.category_dealers
            .insert(Category::Paper, vec!["甲".into(), "乙".into()]);
        // (item, expected problem's dealer count, or none)
        let cases: [(Item, Option<usize>); 6] = [
            (item("p1", Category::Paper, &[]), None),
            (item("w1", Category::WritingTools, &[]), Some(0)),
            (item("w2", Category::WritingTools, &["甲"]), Some(1)),
            (
                item("w3", Category::WritingTools, &["甲", "乙", "丙"]),
                None,
            ),
            (
                item("w4", Category::WritingTools, &["甲", "乙", "丙", "丁"]),
                Some(4),
            ),
            (
                Item {
                    government_procurement: true,
                    ..item("g1", Category::Consumables, &[])
                },
                None,
            ),
        ];
        for (it, expected) in cases {
            let mut c = cat.clone();
            let code = it.code.clone();
            c.add(it);
            let found: Vec<_> = c.check();
            match expected {
                None => assert!(found.is_empty(), "{code}: {found:?}"),
                Some(n) => assert_eq!(
                    found,
                    vec![CatalogueProblem::Dealers {
                        item: code.clone(),
                        found: n
                    }],
                    "{code}"
                ),
            }
        }
    }

    #[test]
    fn a_restock_level_below_the_reorder_level_and_a_negative_price_are_refused() {
        let mut c = Catalogue::default();
        c.add(Item {
            reorder_level: 20,
            restock_to: 5,
            unit_price: Money(-1),
            ..item("x", Category::Stationery, &["甲", "乙"])
        });
        assert_eq!(
            c.check(),
            vec![
                CatalogueProblem::RestockBelowReorder { item: "x".into() },
                CatalogueProblem::NegativePrice { item: "x".into() },
            ]
        );
    }
}
