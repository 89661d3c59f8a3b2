//! The fleet's figures for a period (given as UTC instants of the office's month or
//! quarter): repair costs per vehicle, approved against actual, and how long approvals
//! took; the fuel per vehicle comes from `usage::consumption`.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::case::RepairState;
use super::repair::parts_total;
use crate::error::Error;
use crate::model::{Millis, Money};

/// One vehicle's repairs in the period.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VehicleCosts {
    /// Repairs requested in the period.
    pub repairs: u32,
    /// What was approved: the authorisation's items, at the shop's quote where there is
    /// one, else the estimate.
    pub approved: Money,
    /// What it cost: the parts fitted and the labour.
    pub actual: Money,
}

/// How long a repair waited for its approval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalLead {
    pub repair: String,
    pub plate: String,
    /// From the request to the leader's approval, ms.
    pub waited: Millis,
}

/// The fleet's repair figures for one period.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetReport {
    pub costs: BTreeMap<String, VehicleCosts>,
    pub approvals: Vec<ApprovalLead>,
    /// The median wait for approval (of an even count, the later of the middle two; None
    /// without approvals).
    pub median_wait: Option<Millis>,
}

/// The figures for repairs requested in `period`.
pub fn report(repairs: &[RepairState], period: Range<Millis>) -> Result<FleetReport, Error> {
    let out = || Error::InvalidInput("a report's amount out of range".into());
    let mut r = FleetReport::default();
    for s in repairs.iter().filter(|s| period.contains(&s.requested_at)) {
        let c = r.costs.entry(s.plate.clone()).or_default();
        c.repairs = c.repairs.saturating_add(1);
        for i in &s.items {
            let cost = s.quotes.get(&i.code).copied().unwrap_or(i.estimate);
            c.approved = c.approved.checked_add(cost).ok_or_else(out)?;
        }
        c.actual = parts_total(&s.parts)?
            .checked_add(s.labour)
            .and_then(|v| c.actual.checked_add(v))
            .ok_or_else(out)?;
        if let Some(at) = s.approved_at {
            r.approvals.push(ApprovalLead {
                repair: s.repair.to_string(),
                plate: s.plate.clone(),
                waited: at.saturating_sub(s.requested_at).max(0),
            });
        }
    }
    let mut waits: Vec<Millis> = r.approvals.iter().map(|a| a.waited).collect();
    waits.sort_unstable();
    r.median_wait = waits.get(waits.len() / 2).copied();
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{OfficeId, Role};
    use crate::test_util::{author, fact};
    use crate::vehicles::case::{RepairBody, RepairContext, RepairId, reduce};
    use crate::vehicles::repair::{FittedPart, ItemKind, RepairItem};

    /// A repair of `plate` requested at minute `start`, approved `wait` minutes later; one
    /// part quoted dearer than estimated, fitted, and labour.
    fn repair(plate: &str, start: usize, wait: usize) -> RepairState {
        let (driver, manager, leader, clerk, shop) = (
            author(Role::Driver),
            author(Role::FleetManager),
            author(Role::Leader),
            author(Role::LogisticsClerk),
            author(Role::Shop),
        );
        let item = RepairItem {
            code: "1".into(),
            description: "換水泵".into(),
            kind: ItemKind::Part,
            estimate: Money(80_000),
        };
        let facts = vec![
            fact(
                &driver,
                start,
                RepairBody::Requested {
                    repair: RepairId::new(),
                    office: OfficeId::new(),
                    plate: plate.into(),
                    fault: "漏水".into(),
                },
            ),
            fact(
                &manager,
                start + 1,
                RepairBody::Assessed { items: vec![item] },
            ),
            fact(
                &shop,
                start + 2,
                RepairBody::Quoted {
                    code: "1".into(),
                    amount: Money(90_000),
                },
            ),
            fact(
                &leader,
                start + wait,
                RepairBody::Approved { ceiling: None },
            ),
            fact(&clerk, start + wait + 1, RepairBody::Filed),
            fact(
                &shop,
                start + wait + 2,
                RepairBody::PartFitted {
                    part: FittedPart {
                        item: "1".into(),
                        part: "水泵".into(),
                        quantity: 1,
                        unit_price: Money(85_000),
                        warranty_months: 12,
                    },
                },
            ),
            fact(
                &shop,
                start + wait + 3,
                RepairBody::Completed {
                    done: vec!["1".into()],
                    labour: Money(10_000),
                },
            ),
        ];
        reduce(&facts, &RepairContext::default()).expect("a request")
    }

    #[test]
    fn the_fleet_s_repair_costs_approved_against_actual_and_approval_waits() {
        const MIN: i64 = 60_000;
        let t0 = 1_800_000_000_000;
        let repairs = [
            repair("A-1", 0, 10),
            repair("A-1", 100, 30),
            repair("B-2", 200, 20),
        ];
        let r = report(&repairs, t0..t0 + 1_000 * MIN).unwrap();
        let a = &r.costs["A-1"];
        assert_eq!(a.repairs, 2);
        // The quote, not the estimate, is what was approved.
        assert_eq!(a.approved, Money(2 * 90_000));
        assert_eq!(a.actual, Money(2 * (85_000 + 10_000)));
        assert_eq!(r.costs["B-2"].repairs, 1);
        let waits: Vec<Millis> = r.approvals.iter().map(|a| a.waited / MIN).collect();
        assert_eq!(waits, [10, 30, 20]);
        assert_eq!(r.median_wait, Some(20 * MIN));
        // A period before them all holds none.
        let none = report(&repairs, 0..t0).unwrap();
        assert!(none.costs.is_empty() && none.median_wait.is_none());
    }
}
