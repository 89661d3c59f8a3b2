//! The office's fleet as data: its vehicles (plate, unit, drivers, odometer, maintenance
//! schedule and last service), its designated repair shops and refuelling stations, and
//! how far ahead maintenance is announced (R-VEH-MAINT, R-VEH-REQUEST, R-VEH-USE).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::maintenance::{MaintenanceStatus, Schedule, Service, Warning, status};
use crate::model::{Millis, UserId};
use crate::order_state::{EARLIEST_TIME, LATEST_TIME};

/// Names, plates and the like are at most this many characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Entries of each list at most.
pub const MAX_ENTRIES: usize = 1_000;
/// An odometer reads at most this many km.
pub const MAX_ODOMETER_KM: u64 = 10_000_000;
/// A schedule is at most this many days…
pub const MAX_EVERY_DAYS: u32 = 3_650;
/// …or this many km.
pub const MAX_EVERY_KM: u64 = 1_000_000;

/// A vehicle of the office.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vehicle {
    /// The licence plate (unique in the office).
    pub plate: String,
    /// The unit (科室、中隊) that keeps it.
    #[serde(default)]
    pub unit: String,
    /// Its drivers.
    #[serde(default)]
    pub drivers: Vec<UserId>,
    /// The last odometer reading known, km.
    pub odometer_km: u64,
    pub schedule: Schedule,
    /// The last service (or the day it was registered, at its odometer then).
    pub last_service: Service,
}

/// The office's fleet register.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fleet {
    #[serde(default)]
    pub vehicles: Vec<Vehicle>,
    /// R-VEH-REQUEST: the designated repair shops.
    #[serde(default)]
    pub shops: Vec<String>,
    /// R-VEH-USE: the designated refuelling stations.
    #[serde(default)]
    pub stations: Vec<String>,
    /// R-VEH-MAINT: how far ahead "due soon" is announced (the office's setting).
    #[serde(default)]
    pub warning: Warning,
}

impl Default for Warning {
    /// 14 days or 500 km ahead.
    fn default() -> Self {
        Warning { days: 14, km: 500 }
    }
}

/// What is wrong with a fleet register.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FleetProblem {
    /// A name, plate or unit empty or too long.
    Name {
        what: String,
    },
    DuplicatePlate {
        plate: String,
    },
    Duplicate {
        what: String,
        name: String,
    },
    TooMany {
        what: String,
    },
    /// A schedule by neither days nor km is allowed (never due); one of 0, or beyond ten
    /// years or a million km, is not.
    Schedule {
        plate: String,
    },
    /// The odometer reads less than at the last service, or more than any vehicle's.
    Odometer {
        plate: String,
    },
    Warning,
    /// The last service is not a time in the years 2000 to 2100.
    Time {
        plate: String,
    },
}

fn bad_name(s: &str) -> bool {
    s.trim().is_empty() || s.chars().count() > MAX_NAME_CHARS
}

impl Fleet {
    /// Every problem, in register order (empty: it may be stored).
    pub fn check(&self) -> Vec<FleetProblem> {
        let mut out = Vec::new();
        for (what, n) in [
            ("vehicles", self.vehicles.len()),
            ("shops", self.shops.len()),
            ("stations", self.stations.len()),
        ] {
            if n > MAX_ENTRIES {
                out.push(FleetProblem::TooMany { what: what.into() });
            }
        }
        let mut plates = BTreeSet::new();
        for v in &self.vehicles {
            if bad_name(&v.plate) {
                out.push(FleetProblem::Name {
                    what: "plate".into(),
                });
            } else if !plates.insert(v.plate.trim().to_uppercase()) {
                out.push(FleetProblem::DuplicatePlate {
                    plate: v.plate.clone(),
                });
            }
            if v.unit.chars().count() > MAX_NAME_CHARS {
                out.push(FleetProblem::Name {
                    what: "unit".into(),
                });
            }
            let days_ok = v
                .schedule
                .every_days
                .is_none_or(|d| (1..=MAX_EVERY_DAYS).contains(&d));
            let km_ok = v
                .schedule
                .every_km
                .is_none_or(|k| (1..=MAX_EVERY_KM).contains(&k));
            if !days_ok || !km_ok {
                out.push(FleetProblem::Schedule {
                    plate: v.plate.clone(),
                });
            }
            if !(EARLIEST_TIME..=LATEST_TIME).contains(&v.last_service.at) {
                out.push(FleetProblem::Time {
                    plate: v.plate.clone(),
                });
            }
            if v.odometer_km < v.last_service.odometer_km || v.odometer_km > MAX_ODOMETER_KM {
                out.push(FleetProblem::Odometer {
                    plate: v.plate.clone(),
                });
            }
        }
        for (what, names) in [("shop", &self.shops), ("station", &self.stations)] {
            let mut seen = BTreeSet::new();
            for n in names {
                if bad_name(n) {
                    out.push(FleetProblem::Name { what: what.into() });
                } else if !seen.insert(n.trim()) {
                    out.push(FleetProblem::Duplicate {
                        what: what.into(),
                        name: n.clone(),
                    });
                }
            }
        }
        if self.warning.days > 365 || self.warning.km > 100_000 {
            out.push(FleetProblem::Warning);
        }
        out
    }

    /// R-VEH-MAINT: each vehicle's maintenance status at `now`, in register order.
    pub fn maintenance(&self, now: Millis) -> Vec<(String, MaintenanceStatus)> {
        self.vehicles
            .iter()
            .map(|v| {
                (
                    v.plate.clone(),
                    status(v.schedule, v.last_service, now, v.odometer_km, self.warning),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Millis = 1_800_000_000_000;

    fn vehicle(plate: &str, odometer_km: u64, last_km: u64) -> Vehicle {
        Vehicle {
            plate: plate.into(),
            unit: "辦公室".into(),
            drivers: vec![],
            odometer_km,
            schedule: Schedule {
                every_days: Some(180),
                every_km: Some(5_000),
            },
            last_service: Service {
                at: T0,
                odometer_km: last_km,
            },
        }
    }

    #[test]
    fn a_fleet_register_names_each_problem() {
        // (register, expected problem kinds)
        let ok = Fleet {
            vehicles: vec![vehicle("ABC-1234", 12_000, 10_000)],
            shops: vec!["順安汽修".into(), "大華車廠".into()],
            stations: vec!["中油民生站".into()],
            warning: Warning::default(),
        };
        let cases: Vec<(Fleet, Vec<&str>)> = vec![
            (ok.clone(), vec![]),
            (
                Fleet {
                    vehicles: vec![vehicle("ABC-1234", 1, 1), vehicle("abc-1234 ", 1, 1)],
                    ..ok.clone()
                },
                vec!["duplicate_plate"],
            ),
            (
                Fleet {
                    vehicles: vec![vehicle(" ", 1, 1)],
                    ..ok.clone()
                },
                vec!["name"],
            ),
            (
                Fleet {
                    vehicles: vec![vehicle("X", 9_000, 10_000)],
                    ..ok.clone()
                },
                vec!["odometer"],
            ),
            (
                Fleet {
                    shops: vec!["順安汽修".into(), "順安汽修".into()],
                    ..ok.clone()
                },
                vec!["duplicate"],
            ),
            (
                Fleet {
                    warning: Warning { days: 400, km: 1 },
                    ..ok.clone()
                },
                vec!["warning"],
            ),
        ];
        for (fleet, expected) in cases {
            let kinds: Vec<String> = fleet.check().iter().map(crate::test_util::kind).collect();
            assert_eq!(kinds, expected, "{fleet:?}");
        }
        let mut zero = vehicle("Z", 1, 1);
        zero.schedule.every_km = Some(0);
        let f = Fleet {
            vehicles: vec![zero],
            ..Fleet::default()
        };
        assert_eq!(f.check(), [FleetProblem::Schedule { plate: "Z".into() }]);
    }

    #[test]
    fn r_veh_maint_the_register_shows_each_vehicle_s_status() {
        let f = Fleet {
            vehicles: vec![vehicle("A", 11_000, 10_000), vehicle("B", 15_100, 10_000)],
            ..Fleet::default()
        };
        let s = f.maintenance(T0 + 86_400_000);
        assert!(matches!(s[0], (ref p, MaintenanceStatus::NotDue { .. }) if p == "A"));
        assert!(matches!(s[1], (ref p, MaintenanceStatus::Overdue { .. }) if p == "B"));
    }
}
