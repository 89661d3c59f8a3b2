//! Working days per office: weekends, public holidays, and — in mainland China — the
//! swapped working weekends (調休), plus the office's own overrides.
//!
//! Mainland offices use the `chinese_holiday` crate (State Council schedules, 2004 to
//! 2026-12-25). Beyond its data, and for offices elsewhere (e.g. Taiwan), days are
//! Monday–Friday unless the office's override list says otherwise; `coverage_ends` tells
//! the office when it must add the next year's holidays itself.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// Where an office's public holidays come from.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum CalendarKind {
    /// Mainland China: statutory holidays and make-up working days.
    Cn,
    /// Monday to Friday; holidays only from the office's overrides.
    Weekends,
}

impl CalendarKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The default for an office in this time zone.
    pub fn for_time_zone(tz: &str) -> CalendarKind {
        match tz {
            "Asia/Shanghai" | "Asia/Chongqing" | "Asia/Harbin" | "Asia/Urumqi" | "PRC" => {
                CalendarKind::Cn
            }
            _ => CalendarKind::Weekends,
        }
    }
}

/// The last day the `chinese_holiday` data covers (the crate panics beyond it).
pub fn cn_coverage() -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(2004, 1, 1).unwrap_or(NaiveDate::MIN),
        NaiveDate::from_ymd_opt(2026, 12, 25).unwrap_or(NaiveDate::MIN),
    )
}

/// An office's working-day calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    pub kind: CalendarKind,
    /// Date → working (true) or not (false), set by the office; wins over everything.
    pub overrides: BTreeMap<NaiveDate, bool>,
}

/// A guard against unbounded loops on absurd inputs (about 27 years of days).
const MAX_STEPS: u32 = 10_000;

impl Calendar {
    pub fn new(kind: CalendarKind) -> Self {
        Calendar {
            kind,
            overrides: BTreeMap::new(),
        }
    }

    /// Whether the office's public-holiday data ends, and when.
    pub fn coverage_ends(&self) -> Option<NaiveDate> {
        match self.kind {
            CalendarKind::Cn => Some(cn_coverage().1),
            CalendarKind::Weekends => None,
        }
    }

    pub fn is_working(&self, d: NaiveDate) -> bool {
        if let Some(w) = self.overrides.get(&d) {
            return *w;
        }
        let (first, last) = cn_coverage();
        if self.kind == CalendarKind::Cn && d >= first && d <= last {
            return chinese_holiday::chinese_holiday(&d).is_workday();
        }
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// The `n`-th working day after `start` (`start` itself is not counted; n = 0 gives
    /// `start`). E.g. received on a Thursday before Spring Festival, 5 working days.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Option<NaiveDate> {
        let mut d = start;
        let mut left = n;
        let mut steps = 0;
        while left > 0 {
            d = d.succ_opt()?;
            steps += 1;
            if steps > MAX_STEPS {
                return None;
            }
            if self.is_working(d) {
                left -= 1;
            }
        }
        Some(d)
    }

    /// Working days in `(from, to]`; negative when `to` is before `from`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let (a, b, sign) = if to >= from {
            (from, to, 1)
        } else {
            (to, from, -1)
        };
        let mut n = 0i64;
        let mut d = a;
        let mut steps = 0;
        while d < b && steps <= MAX_STEPS {
            match d.succ_opt() {
                Some(next) => d = next,
                None => break,
            }
            steps += 1;
            if self.is_working(d) {
                n += 1;
            }
        }
        sign * n
    }
}

/// An office's calendar with the settings deadlines need: its time zone (days are the
/// office's days) and its two complaint periods (R-CPL-DECIDE): to decide, and to tell the
/// complainant the decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeCalendar {
    pub calendar: Calendar,
    pub decision_days: u32,
    /// Working days after the decision to tell the complainant.
    pub tell_days: u32,
    pub time_zone: chrono_tz::Tz,
}

impl OfficeCalendar {
    /// The office's day at instant `ms` (UTC milliseconds); None when out of range.
    pub fn day_of(&self, ms: i64) -> Option<NaiveDate> {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|t| t.with_timezone(&self.time_zone).date_naive())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn spring_festival_2026_with_make_up_saturday() {
        let c = Calendar::new(CalendarKind::Cn);
        // Sat Feb 14 is a make-up working day; Feb 15–23 are off.
        assert!(c.is_working(d(2026, 2, 14)));
        assert!(!c.is_working(d(2026, 2, 16)));
        // Thu Feb 12 + 5: Fri 13, Sat 14 (make-up), Tue 24, Wed 25, Thu 26.
        assert_eq!(c.add_working_days(d(2026, 2, 12), 5), Some(d(2026, 2, 26)));
        assert_eq!(c.working_days_between(d(2026, 2, 12), d(2026, 2, 26)), 5);
        assert_eq!(c.working_days_between(d(2026, 2, 26), d(2026, 2, 12)), -5);
    }

    #[test]
    fn national_day_2026_with_make_up_saturday() {
        let c = Calendar::new(CalendarKind::Cn);
        // Tue Sep 29 + 10: Sep 30, Oct 8, 9, Sat 10 (make-up), 12, 13, 14, 15, 16, 19.
        assert_eq!(
            c.add_working_days(d(2026, 9, 29), 10),
            Some(d(2026, 10, 19))
        );
    }

    #[test]
    fn weekends_overrides_and_beyond_the_data() {
        let mut c = Calendar::new(CalendarKind::Weekends);
        assert_eq!(
            c.add_working_days(d(2026, 11, 27), 1),
            Some(d(2026, 11, 30))
        );
        c.overrides.insert(d(2026, 11, 30), false);
        c.overrides.insert(d(2026, 11, 28), true);
        assert_eq!(
            c.add_working_days(d(2026, 11, 27), 1),
            Some(d(2026, 11, 28))
        );
        assert_eq!(c.add_working_days(d(2026, 11, 27), 2), Some(d(2026, 12, 1)));
        // Past the crate's data a mainland calendar falls back to weekdays, no panic.
        let cn = Calendar::new(CalendarKind::Cn);
        assert_eq!(
            cn.add_working_days(d(2026, 12, 24), 5),
            Some(d(2026, 12, 31))
        );
        assert_eq!(cn.coverage_ends(), Some(d(2026, 12, 25)));
        assert!(cn.is_working(d(2003, 6, 2)));
    }
}
