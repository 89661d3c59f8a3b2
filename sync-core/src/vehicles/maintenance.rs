//! R-VEH-MAINT: a vehicle is serviced on a schedule by time and by distance, whichever
//! comes first; the next service is due from the last one (or from registration).

use serde::{Deserialize, Serialize};

use crate::model::Millis;

const DAY_MS: i64 = 86_400_000;

/// A vehicle's maintenance schedule: every so many days and/or kilometres.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub every_days: Option<u32>,
    pub every_km: Option<u64>,
}

/// A service done: when, at what odometer reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub at: Millis,
    pub odometer_km: u64,
}

/// How far ahead "due soon" is announced: the office's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub days: u32,
    pub km: u64,
}

/// Where a vehicle stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MaintenanceStatus {
    /// No schedule: nothing is ever due.
    Unscheduled,
    NotDue {
        next_at: Option<Millis>,
        next_km: Option<u64>,
    },
    DueSoon {
        next_at: Option<Millis>,
        next_km: Option<u64>,
    },
    /// Past its date or its distance: shown as overdue work until serviced.
    Overdue {
        next_at: Option<Millis>,
        next_km: Option<u64>,
    },
}

/// R-VEH-MAINT: the status at `now` with the odometer at `odometer_km`, counted from the
/// last service (`last`, or the vehicle's registration as a service at `since`).
pub fn status(
    schedule: Schedule,
    last: Service,
    now: Millis,
    odometer_km: u64,
    warn: Warning,
) -> MaintenanceStatus {
    if schedule.every_days.is_none() && schedule.every_km.is_none() {
        return MaintenanceStatus::Unscheduled;
    }
    let next_at = schedule
        .every_days
        .map(|d| last.at.saturating_add(i64::from(d).saturating_mul(DAY_MS)));
    let next_km = schedule
        .every_km
        .map(|k| last.odometer_km.saturating_add(k));
    let past = next_at.is_some_and(|t| now >= t) || next_km.is_some_and(|k| odometer_km >= k);
    let soon = next_at
        .is_some_and(|t| now >= t.saturating_sub(i64::from(warn.days).saturating_mul(DAY_MS)))
        || next_km.is_some_and(|k| odometer_km >= k.saturating_sub(warn.km));
    if past {
        MaintenanceStatus::Overdue { next_at, next_km }
    } else if soon {
        MaintenanceStatus::DueSoon { next_at, next_km }
    } else {
        MaintenanceStatus::NotDue { next_at, next_km }
    }
}

/// R-VEH-MAINT: a service done, against when it was due.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceDone {
    pub plate: String,
    pub at: Millis,
    pub odometer_km: u64,
    /// Due from the service before it, by date and/or distance.
    pub due_at: Option<Millis>,
    pub due_km: Option<u64>,
    /// Done by its date and within its distance.
    pub on_time: bool,
}

/// R-VEH-MAINT: each service of one vehicle done in `period`, against when it was due
/// from the one before it. `services` are all that is known (the register's last service
/// and the logged ones, in any order); the earliest is where the schedule starts, and
/// is not itself judged.
pub fn services_done(
    plate: &str,
    schedule: Schedule,
    services: &[Service],
    period: std::ops::Range<Millis>,
) -> Vec<ServiceDone> {
    let mut done: Vec<Service> = services.to_vec();
    done.sort_by_key(|s| (s.at, s.odometer_km));
    done.dedup();
    let Some((&first, rest)) = done.split_first() else {
        return Vec::new();
    };
    let mut previous = first;
    let mut out = Vec::new();
    for &s in rest {
        let due_at = schedule.every_days.map(|d| {
            previous
                .at
                .saturating_add(i64::from(d).saturating_mul(DAY_MS))
        });
        let due_km = schedule
            .every_km
            .map(|k| previous.odometer_km.saturating_add(k));
        if period.contains(&s.at) {
            out.push(ServiceDone {
                plate: plate.to_owned(),
                at: s.at,
                odometer_km: s.odometer_km,
                due_at,
                due_km,
                on_time: due_at.is_none_or(|t| s.at <= t)
                    && due_km.is_none_or(|k| s.odometer_km <= k),
            });
        }
        previous = s;
    }
    out
}

/// The last service: the register's, or a later logged one.
pub fn last_service(register: Service, logged: &[Service]) -> Service {
    logged
        .iter()
        .copied()
        .filter(|s| s.at > register.at)
        .max_by_key(|s| (s.at, s.odometer_km))
        .unwrap_or(register)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_veh_maint_due_by_date_or_distance_whichever_first() {
        let last = Service {
            at: 0,
            odometer_km: 10_000,
        };
        let warn = Warning { days: 14, km: 500 };
        let both = Schedule {
            every_days: Some(180),
            every_km: Some(5_000),
        };
        let by_km = Schedule {
            every_days: None,
            every_km: Some(5_000),
        };
        let none = Schedule {
            every_days: None,
            every_km: None,
        };
        // (schedule, days since, odometer, expected kind)
        let cases = [
            (both, 10, 11_000, "not_due"),
            (both, 170, 11_000, "due_soon"),
            (both, 10, 14_600, "due_soon"),
            (both, 180, 11_000, "overdue"),
            (both, 10, 15_000, "overdue"),
            // By distance only: time alone never makes it due.
            (by_km, 900, 11_000, "not_due"),
            (by_km, 900, 15_200, "overdue"),
            (none, 900, 99_000, "unscheduled"),
        ];
        for (schedule, days, odo, expected) in cases {
            let s = status(schedule, last, days * DAY_MS, odo, warn);
            let kind = crate::test_util::kind(&s);
            assert_eq!(kind, expected, "{schedule:?} after {days} days at {odo} km");
        }
        let s = status(both, last, 0, 10_000, warn);
        assert_eq!(
            s,
            MaintenanceStatus::NotDue {
                next_at: Some(180 * DAY_MS),
                next_km: Some(15_000)
            }
        );
    }

    #[test]
    fn r_veh_maint_a_service_is_on_time_by_the_date_and_distance_due_from_the_one_before() {
        let every = Schedule {
            every_days: Some(180),
            every_km: Some(5_000),
        };
        let registered = Service {
            at: 0,
            odometer_km: 10_000,
        };
        let at = |days: i64, km: u64| Service {
            at: days * DAY_MS,
            odometer_km: km,
        };
        // (logged services, period in days, expected (day, on time) in the period)
        type Case = (Vec<Service>, std::ops::Range<i64>, Vec<(i64, bool)>);
        let cases: Vec<Case> = vec![
            (vec![at(170, 14_000)], 0..365, vec![(170, true)]),
            // Late by date; then the next is due from the late one, and is on time.
            (
                vec![at(200, 14_000), at(370, 18_000)],
                0..400,
                vec![(200, false), (370, true)],
            ),
            // Late by distance though early by date.
            (vec![at(90, 15_500)], 0..365, vec![(90, false)]),
            // Out of order in the document: taken in time order.
            (
                vec![at(370, 18_000), at(200, 14_000)],
                300..400,
                vec![(370, true)],
            ),
            // A logged service before the register's: the schedule starts there, and the
            // register's entry is a service done.
            (vec![at(-10, 9_000)], -30..365, vec![(0, true)]),
        ];
        for (logged, days, want) in cases {
            let period = days.start * DAY_MS..days.end * DAY_MS;
            let all: Vec<Service> = std::iter::once(registered).chain(logged.clone()).collect();
            let got: Vec<(i64, bool)> = services_done("ABC", every, &all, period)
                .iter()
                .map(|d| (d.at / DAY_MS, d.on_time))
                .collect();
            assert_eq!(got, want, "{logged:?}");
        }
        assert_eq!(
            last_service(registered, &[at(370, 18_000), at(200, 14_000)]),
            at(370, 18_000)
        );
        assert_eq!(last_service(registered, &[at(-1, 9_000)]), registered);
    }
}
