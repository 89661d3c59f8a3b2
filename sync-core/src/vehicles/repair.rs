//! A vehicle repair's rules: where it may go (R-VEH-REQUEST), what the shop may do
//! (R-VEH-SCOPE), which items wait for the leader (R-VEH-COSTLY, with the leader's
//! ceiling for one repair), the parts fitted (R-VEH-PARTS), and what the exit inspection's
//! signature is bound to (R-VEH-ACCEPT).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::model::Money;

/// What an item of the repair form is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ItemKind {
    /// Labour, adjustment, a small part.
    Work,
    /// A part.
    Part,
    /// A major assembly (總成): engine, gearbox, axle…
    Assembly,
    /// An overhaul (大修).
    Overhaul,
}

/// An item of the repair form (車輛維修保修單) or the authorisation (準修通知單).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RepairItem {
    /// Its code on the form, unique in the repair.
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub code: String,
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub description: String,
    pub kind: ItemKind,
    /// The estimate (or the shop's quote), minor units.
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 0, maximum = 1_000_000_000_000_i64))]
    pub estimate: Money,
}

/// The office's settings for repairs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepairSettings {
    /// R-VEH-COSTLY: a part above this (minor units) is costly. Default 200000.
    pub costly_part: Money,
}

impl Default for RepairSettings {
    fn default() -> Self {
        RepairSettings {
            costly_part: Money(200_000),
        }
    }
}

/// Who must agree before an item is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Approval {
    /// The repair's approval covers it.
    Repair,
    /// R-VEH-COSTLY: the fleet manager's review, then the leader's approval, before fitting.
    ReviewThenLeader,
    /// R-VEH-COSTLY: the shop's quote first, then the review, then the leader.
    QuoteReviewThenLeader,
}

/// R-VEH-COSTLY: what an item needs before it is done.
pub fn approval_needed(item: &RepairItem, settings: RepairSettings) -> Approval {
    match item.kind {
        ItemKind::Overhaul => Approval::QuoteReviewThenLeader,
        ItemKind::Assembly => Approval::ReviewThenLeader,
        ItemKind::Part if item.estimate.0 > settings.costly_part.0 => Approval::ReviewThenLeader,
        ItemKind::Part | ItemKind::Work => Approval::Repair,
    }
}

/// How a costly item came to be approved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CostlyDecision {
    /// The leader approved it.
    Leader,
    /// The fleet manager approved it under the leader's ceiling for this repair, which
    /// this use leaves at `remaining` (on the record).
    UnderCeiling { remaining: Money },
    /// Above what is left of the ceiling: it waits for the leader.
    WaitsForLeader { remaining: Money },
}

/// Beyond the rules' anchors: the leader may pre-approve a ceiling for one repair, up to
/// which the fleet manager approves costly items while the leader is unreachable. `used`
/// is what earlier uses took; an item above what is left waits for the leader.
pub fn under_ceiling(
    ceiling: Money,
    used: &[Money],
    item: &RepairItem,
) -> Result<CostlyDecision, Error> {
    let mut taken = Money::ZERO;
    for u in used {
        taken = taken
            .checked_add(*u)
            .ok_or_else(|| Error::InvalidInput("ceiling use out of range".into()))?;
    }
    let left = ceiling
        .0
        .checked_sub(taken.0)
        .ok_or_else(|| Error::InvalidInput("ceiling use out of range".into()))?
        .max(0);
    if item.estimate.0 < 0 {
        return Err(Error::InvalidInput("a negative estimate".into()));
    }
    Ok(if item.estimate.0 <= left {
        CostlyDecision::UnderCeiling {
            remaining: Money(left - item.estimate.0),
        }
    } else {
        CostlyDecision::WaitsForLeader {
            remaining: Money(left),
        }
    })
}

/// R-VEH-SCOPE: the codes of work done outside the authorisation (each needs a new
/// approval: until then it is a proposal), in the order done.
pub fn outside_scope(authorised: &[RepairItem], done: &[RepairItem]) -> Vec<String> {
    let allowed: BTreeSet<&str> = authorised.iter().map(|i| i.code.as_str()).collect();
    done.iter()
        .filter(|i| !allowed.contains(i.code.as_str()))
        .map(|i| i.code.clone())
        .collect()
}

/// Why a vehicle may not go to a shop (R-VEH-REQUEST).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SendProblem {
    /// The repair is not approved by the leader and filed by the fleet clerk yet.
    NotFiled,
    /// Not one of the office's designated shops.
    NotDesignated { shop: String },
}

/// R-VEH-REQUEST: whether the vehicle may go to `shop` now: only once the repair is
/// approved and filed, and only to a designated shop. A command refuses these; a fact
/// that arrives anyway (recorded offline) is flagged with them.
pub fn check_send(shop: &str, designated: &[String], filed: bool) -> Vec<SendProblem> {
    let mut out = Vec::new();
    if !filed {
        out.push(SendProblem::NotFiled);
    }
    if !designated.iter().any(|s| s == shop) {
        out.push(SendProblem::NotDesignated { shop: shop.into() });
    }
    out
}

/// R-VEH-PARTS: a part fitted, with its warranty.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FittedPart {
    /// The authorisation's item it belongs to.
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub item: String,
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub part: String,
    pub quantity: u32,
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 0, maximum = 1_000_000_000_000_i64))]
    pub unit_price: Money,
    #[cfg_attr(feature = "openapi", schema(maximum = 600))]
    pub warranty_months: u32,
}

/// R-VEH-PARTS: the parts' total, minor units, checked.
pub fn parts_total(parts: &[FittedPart]) -> Result<Money, Error> {
    let mut total = Money::ZERO;
    for p in parts {
        if p.quantity == 0 || p.unit_price.is_negative() {
            return Err(Error::InvalidInput(format!(
                "part {:?}: a quantity of at least 1 and a price of at least 0",
                p.part
            )));
        }
        total = p
            .unit_price
            .checked_mul(i64::from(p.quantity))
            .and_then(|line| total.checked_add(line))
            .ok_or_else(|| Error::InvalidInput("parts total out of range".into()))?;
    }
    Ok(total)
}

#[derive(Serialize)]
struct Canonical<'a> {
    v: u8,
    items: Vec<(&'a str, &'a str, i64)>,
    parts: Vec<(&'a str, &'a str, u32, i64, u32)>,
    labour: i64,
}

/// R-VEH-ACCEPT: hex SHA-256 of the repair as accepted: the items done (code,
/// description, cost), the parts fitted, and the labour. The requester's signature on
/// leaving the shop is bound to it, like the work order's signature to its fees.
pub fn acceptance_hash(items: &[RepairItem], parts: &[FittedPart], labour: Money) -> String {
    let c = Canonical {
        v: 1,
        items: items
            .iter()
            .map(|i| (i.code.as_str(), i.description.as_str(), i.estimate.0))
            .collect(),
        parts: parts
            .iter()
            .map(|p| {
                (
                    p.item.as_str(),
                    p.part.as_str(),
                    p.quantity,
                    p.unit_price.0,
                    p.warranty_months,
                )
            })
            .collect(),
        labour: labour.0,
    };
    let digest = Sha256::digest(serde_json::to_vec(&c).unwrap_or_default());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// R-VEH-ACCEPT: whether an acceptance signed over `signed_hash` still holds for the
/// repair as it stands; a later change of items or cost invalidates it (flagged).
pub fn acceptance_holds(
    signed_hash: &str,
    items: &[RepairItem],
    parts: &[FittedPart],
    labour: Money,
) -> bool {
    acceptance_hash(items, parts, labour) == signed_hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(code: &str, kind: ItemKind, estimate: i64) -> RepairItem {
        RepairItem {
            code: code.into(),
            description: format!("項目 {code}"),
            kind,
            estimate: Money(estimate),
        }
    }

    #[test]
    fn r_veh_costly_assemblies_costly_parts_and_overhauls_wait_for_the_leader() {
        let office = RepairSettings::default();
        let strict = RepairSettings {
            costly_part: Money(50_000),
        };
        // (item, settings, what it needs)
        let cases = [
            (item("a", ItemKind::Work, 900_000), office, Approval::Repair),
            (item("b", ItemKind::Part, 200_000), office, Approval::Repair),
            (
                item("c", ItemKind::Part, 200_001),
                office,
                Approval::ReviewThenLeader,
            ),
            (
                item("d", ItemKind::Part, 60_000),
                strict,
                Approval::ReviewThenLeader,
            ),
            (
                item("e", ItemKind::Assembly, 1),
                office,
                Approval::ReviewThenLeader,
            ),
            (
                item("f", ItemKind::Overhaul, 1),
                office,
                Approval::QuoteReviewThenLeader,
            ),
        ];
        for (it, settings, expected) in cases {
            assert_eq!(approval_needed(&it, settings), expected, "{it:?}");
        }
    }

    #[test]
    fn r_veh_costly_the_leader_s_ceiling_lets_the_fleet_manager_approve_up_to_it() {
        let ceiling = Money(500_000);
        // (used before, item estimate, decision)
        let cases = [
            (
                vec![],
                300_000,
                CostlyDecision::UnderCeiling {
                    remaining: Money(200_000),
                },
            ),
            (
                vec![Money(300_000)],
                200_000,
                CostlyDecision::UnderCeiling {
                    remaining: Money(0),
                },
            ),
            (
                vec![Money(300_000)],
                200_001,
                CostlyDecision::WaitsForLeader {
                    remaining: Money(200_000),
                },
            ),
            (
                vec![Money(600_000)],
                1,
                CostlyDecision::WaitsForLeader {
                    remaining: Money(0),
                },
            ),
        ];
        for (used, estimate, expected) in cases {
            let it = item("x", ItemKind::Assembly, estimate);
            assert_eq!(
                under_ceiling(ceiling, &used, &it).ok(),
                Some(expected.clone()),
                "{used:?} {estimate}"
            );
        }
        assert!(
            under_ceiling(
                ceiling,
                &[Money(i64::MAX), Money(1)],
                &item("x", ItemKind::Part, 1)
            )
            .is_err()
        );
    }

    #[test]
    fn r_veh_scope_work_outside_the_authorisation_is_named() {
        let authorised = [item("1", ItemKind::Work, 1), item("2", ItemKind::Part, 1)];
        let done = [
            item("1", ItemKind::Work, 1),
            item("3", ItemKind::Part, 1),
            item("2", ItemKind::Part, 1),
            item("4", ItemKind::Work, 1),
        ];
        assert_eq!(outside_scope(&authorised, &done), ["3", "4"]);
        assert!(outside_scope(&authorised, &authorised).is_empty());
    }

    #[test]
    fn r_veh_request_only_filed_repairs_to_designated_shops() {
        let shops = vec!["順安汽修".to_owned(), "大華車廠".to_owned()];
        // (shop, filed, problems)
        let cases = [
            ("順安汽修", true, vec![]),
            ("順安汽修", false, vec![SendProblem::NotFiled]),
            (
                "路邊車行",
                true,
                vec![SendProblem::NotDesignated {
                    shop: "路邊車行".into(),
                }],
            ),
            (
                "路邊車行",
                false,
                vec![
                    SendProblem::NotFiled,
                    SendProblem::NotDesignated {
                        shop: "路邊車行".into(),
                    },
                ],
            ),
        ];
        for (shop, filed, expected) in cases {
            assert_eq!(check_send(shop, &shops, filed), expected, "{shop} {filed}");
        }
    }

    #[test]
    fn r_veh_parts_total_is_checked() {
        let part = |q: u32, p: i64| FittedPart {
            item: "2".into(),
            part: "剎車片".into(),
            quantity: q,
            unit_price: Money(p),
            warranty_months: 12,
        };
        assert_eq!(
            parts_total(&[part(2, 45_000), part(1, 10_000)]).ok(),
            Some(Money(100_000))
        );
        assert!(parts_total(&[part(0, 1)]).is_err());
        assert!(parts_total(&[part(1, -1)]).is_err());
        assert!(parts_total(&[part(2, i64::MAX)]).is_err());
    }

    #[test]
    fn r_veh_accept_a_later_change_of_items_or_cost_invalidates_the_signature() {
        let items = vec![
            item("1", ItemKind::Work, 30_000),
            item("2", ItemKind::Part, 90_000),
        ];
        let parts = vec![FittedPart {
            item: "2".into(),
            part: "水泵".into(),
            quantity: 1,
            unit_price: Money(90_000),
            warranty_months: 6,
        }];
        let signed = acceptance_hash(&items, &parts, Money(30_000));
        assert!(acceptance_holds(&signed, &items, &parts, Money(30_000)));
        let mut dearer = items.clone();
        dearer[1].estimate = Money(95_000);
        let mut more = items.clone();
        more.push(item("3", ItemKind::Work, 1));
        let mut shorter_warranty = parts.clone();
        shorter_warranty[0].warranty_months = 3;
        for (i, p, l) in [
            (&dearer, &parts, Money(30_000)),
            (&more, &parts, Money(30_000)),
            (&items, &shorter_warranty, Money(30_000)),
            (&items, &parts, Money(30_001)),
        ] {
            assert!(!acceptance_holds(&signed, i, p, l), "{i:?} {p:?} {l:?}");
        }
    }
}
