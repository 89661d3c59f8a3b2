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
}
