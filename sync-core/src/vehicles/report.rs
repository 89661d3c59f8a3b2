//! The fleet's figures for a period (given as UTC instants of the office's month or
//! quarter): repair costs per vehicle, approved against actual, and how long approvals
//! took (from the repairs); the fuel per vehicle and the services done against when they
//! were due (from the vehicles' logs and the fleet register).

use std::collections::BTreeMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::case::RepairState;
use super::log::LogState;
use super::maintenance::{ServiceDone, services_done};
use super::register::Fleet;
use super::repair::parts_total;
use super::usage::{Consumption, Refuel, consumption};
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
    /// R-VEH-USE: each vehicle's fuel over the period (full-tank method).
    #[serde(default)]
    pub fuel: BTreeMap<String, Consumption>,
    /// R-VEH-MAINT: the services done in the period, each against when it was due.
    #[serde(default)]
    pub maintenance: Vec<ServiceDone>,
}

impl FleetReport {
    /// Adds what the vehicles' logs say of the period: fuel per vehicle, and each
    /// registered vehicle's services against its schedule.
    pub fn with_logs(mut self, logs: &[LogState], fleet: &Fleet, period: Range<Millis>) -> Self {
        let refuels: Vec<Refuel> = logs.iter().flat_map(|l| l.refuels.clone()).collect();
        self.fuel = consumption(&refuels, |at| period.contains(&at));
        for v in &fleet.vehicles {
            let services: Vec<_> = std::iter::once(v.last_service)
                .chain(
                    logs.iter()
                        .filter(|l| l.plate == v.plate)
                        .flat_map(|l| l.services.iter().copied()),
                )
                .collect();
            self.maintenance.extend(services_done(
                &v.plate,
                v.schedule,
                &services,
                period.clone(),
            ));
        }
        self
    }
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

    /// R-VEH-USE and R-VEH-MAINT in the period's figures: the fuel of each vehicle from
    /// its logs, and each service against the date and distance due.
    #[test]
    fn r_veh_use_fuel_per_vehicle_and_r_veh_maint_services_on_time_in_the_report() {
        use crate::vehicles::log::{LogBody, reduce as reduce_log};
        use crate::vehicles::maintenance::{Schedule, Service};
        use crate::vehicles::register::Vehicle;
        const MIN: i64 = 60_000;
        let t0 = 1_800_000_000_000;
        let driver = author(Role::Driver);
        let manager = author(Role::FleetManager);
        let log = |plate: &str, facts: Vec<(usize, LogBody)>| {
            let mut all = vec![fact(
                &manager,
                0,
                LogBody::Opened {
                    log: RepairId::new(),
                    office: OfficeId::new(),
                    plate: plate.into(),
                },
            )];
            all.extend(facts.into_iter().map(|(n, b)| fact(&driver, n, b)));
            reduce_log(&all, &["中油".to_owned()]).unwrap()
        };
        let refuel = |ml: u64, km: u64| LogBody::Refuelled {
            station: "中油".into(),
            millilitres: ml,
            amount: Money(i64::try_from(ml).unwrap() * 3),
            odometer_km: km,
        };
        let serviced = |km: u64| LogBody::Serviced {
            odometer_km: km,
            shop: "順安汽修".into(),
        };
        let logs = [
            log(
                "A-1",
                vec![
                    (1, refuel(40_000, 10_000)),
                    (2, refuel(30_000, 10_500)),
                    (3, serviced(10_600)),
                ],
            ),
            log(
                "B-2",
                vec![(1, refuel(20_000, 50_000)), (2, serviced(56_000))],
            ),
        ];
        let vehicle = |plate: &str, km: u64| Vehicle {
            plate: plate.into(),
            unit: String::new(),
            drivers: Vec::new(),
            odometer_km: km,
            schedule: Schedule {
                every_days: Some(180),
                every_km: Some(5_000),
            },
            last_service: Service {
                at: t0 - 10 * MIN,
                odometer_km: km - 1_000,
            },
        };
        let fleet = Fleet {
            vehicles: vec![vehicle("A-1", 10_000), vehicle("B-2", 50_000)],
            ..Fleet::default()
        };
        let r = FleetReport::default().with_logs(&logs, &fleet, t0..t0 + 100 * MIN);
        let a = &r.fuel["A-1"];
        assert_eq!((a.millilitres, a.km), (70_000, 500));
        // 30 l over 500 km: 6 l per 100 km.
        assert_eq!(a.ml_per_100km, Some(6_000));
        assert_eq!(r.fuel["B-2"].millilitres, 20_000);
        let services: Vec<(&str, u64, bool)> = r
            .maintenance
            .iter()
            .map(|d| (d.plate.as_str(), d.odometer_km, d.on_time))
            .collect();
        // A-1 within 5,000 km of its last service; B-2 at 7,000 km past it: late.
        assert_eq!(services, [("A-1", 10_600, true), ("B-2", 56_000, false)]);
        let later = FleetReport::default().with_logs(&logs, &fleet, t0 + 100 * MIN..t0 + 200 * MIN);
        assert!(later.fuel.is_empty() && later.maintenance.is_empty());
    }
}
