//! Month end (R-MONTH): the office's figures made from the store's counts (the
//! paid-service register is `register.rs`), call-backs (R-VISIT) and spot-check samples. Definitions with
//! worked examples: docs/statistics.md.

use std::collections::HashMap;
use std::fmt;

use baoxiu_sync_core::settings::OfficeSettings;
use baoxiu_sync_core::state::{ARRIVAL_GRACE_MS, HANDOVER_LIMIT_MS};
use baoxiu_sync_core::{Millis, Office, OfficeId, OrderId, UserId};
use chrono::{Datelike, NaiveDate, TimeZone};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use super::rates::{DimensionMean, DimensionMeans, Rate, Satisfaction, hundredths};
pub use super::register::{Register, RegisterRow, RegisterTotal, register};
use crate::error::{Error, Result};
use crate::store::{CountParams, DirectoryStore, MonthCounts, Period, Store};

const DAY_MS: Millis = 24 * 3600 * 1000;

/// A calendar month in an office's time zone, as a UTC half-open range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Month {
    pub year: i32,
    pub month: u32,
    /// First instant of the month (UTC ms).
    pub start: i64,
    /// First instant of the next month (UTC ms).
    pub end: i64,
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

fn local_midnight(tz: chrono_tz::Tz, d: NaiveDate) -> Result<i64> {
    let naive = d
        .and_hms_opt(0, 0, 0)
        .ok_or_else(|| Error::Invalid("bad date".into()))?;
    // Midnight can fall in a DST gap in some zones; take the earliest valid instant.
    tz.from_local_datetime(&naive)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(naive + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.timestamp_millis())
        .ok_or_else(|| Error::Invalid("no such local time".into()))
}

impl Month {
    /// Parses `YYYY-MM` in the office's time zone.
    pub fn parse(s: &str, time_zone: &str) -> Result<Month> {
        let tz: chrono_tz::Tz = time_zone
            .parse()
            .map_err(|_| Error::Invalid(format!("unknown time zone {time_zone:?}")))?;
        let bad = || Error::Invalid(format!("month {s:?} is not YYYY-MM"));
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        let first = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(bad)?;
        let next = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)
        }
        .ok_or_else(bad)?;
        Ok(Month {
            year: first.year(),
            month: first.month(),
            start: local_midnight(tz, first)?,
            end: local_midnight(tz, next)?,
        })
    }

    /// The month after this one, in the same time zone.
    pub fn next(&self, time_zone: &str) -> Result<Month> {
        let (y, m) = if self.month == 12 {
            (self.year + 1, 1)
        } else {
            (self.year, self.month + 1)
        };
        Month::parse(&format!("{y:04}-{m:02}"), time_zone)
    }

    pub fn period(&self) -> Period {
        Period {
            start: self.start,
            end: self.end,
        }
    }

    /// `count` months from `from` (`YYYY-MM`), oldest first (none when `count` < 1).
    pub fn span(from: &str, count: i64, time_zone: &str) -> Result<Vec<Month>> {
        let mut m = Month::parse(from, time_zone)?;
        let mut out = Vec::new();
        for i in 0..count {
            if i > 0 {
                m = m.next(time_zone)?;
            }
            out.push(m);
        }
        Ok(out)
    }
}

/// Knobs of the definitions (the office's settings, or overridden for one request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// A new order for the same unit and kind of fault within this many days of
    /// completion is rework: the repair did not pass.
    pub rework_days: i64,
    /// An arrival whose time is uncertain (device never synced its clock) and within this
    /// many minutes of the deadline is listed for review.
    pub margin_minutes: i64,
    /// A call-back score at or above this counts as satisfied.
    pub satisfied_score: i64,
    /// R-MONTH 零修: the largest total of a small repair (unless the manager classified).
    pub small_max_total: i64,
    /// When the figures are taken: a no-show counts once appointment + 10 minutes has
    /// passed, a never-received order once 30 minutes have. Set it to the server's clock;
    /// the default (the end of time) counts every deadline as passed.
    pub now: Millis,
}

impl From<OfficeSettings> for Params {
    fn from(s: OfficeSettings) -> Self {
        Params {
            rework_days: i64::from(s.rework_days),
            margin_minutes: i64::from(s.margin_minutes),
            satisfied_score: i64::from(s.satisfied_score),
            small_max_total: s.small_repair_max_total,
            now: Millis::MAX,
        }
    }
}

impl Default for Params {
    fn default() -> Self {
        OfficeSettings::default().into()
    }
}

impl Params {
    fn counts(self) -> CountParams {
        CountParams {
            grace_ms: ARRIVAL_GRACE_MS,
            rework_ms: self.rework_days.saturating_mul(DAY_MS),
            margin_ms: self.margin_minutes.saturating_mul(60_000),
            satisfied_score: self.satisfied_score,
            handover_limit_ms: HANDOVER_LIMIT_MS,
            small_max_total: self.small_max_total,
            now: self.now,
        }
    }
}

/// One technician's month.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct TechnicianStats {
    #[schema(value_type = Option<String>)]
    pub technician: Option<UserId>,
    pub name: String,
    /// 及時率 of the small repairs first assigned to this technician.
    pub on_time: Rate,
    /// Of those, appointments with no arrival at all (counted late).
    pub no_shows: u64,
    pub completed: u64,
    pub pass: Rate,
    pub satisfaction: Satisfaction,
    /// Paid work completed, minor units.
    pub paid_total: i64,
    /// R-PREMISES: compensation approved on the orders completed, minor units.
    #[serde(default)]
    pub compensation: i64,
}

/// An arrival counted on raw device time whose classification could go either way.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UncertainArrival {
    #[schema(value_type = String)]
    pub order: OrderId,
    pub arrived_at: i64,
    pub deadline: i64,
    pub counted_on_time: bool,
}

/// An office's month.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MonthStats {
    #[schema(value_type = String)]
    pub office: OfficeId,
    pub month: String,
    pub time_zone: String,
    /// Orders logged in the month.
    pub logged: u64,
    /// R-HANDOVER, over orders logged in the month: received within 30 minutes, of those
    /// received and those never received once 30 minutes passed (late).
    pub handover_on_time: Rate,
    /// Of those, never received.
    pub handover_never_received: u64,
    /// Logging to receipt over the orders received: the (lower) median and the longest,
    /// in minutes.
    pub handover_median_minutes: Option<i64>,
    pub handover_longest_minutes: Option<i64>,
    /// R-MONTH 及時率, over small repairs whose appointment in force fell in the month
    /// (no-shows counted late).
    pub on_time: Rate,
    pub no_shows: u64,
    /// Orders completed in the month.
    pub completed: u64,
    /// R-MONTH 合格率, over small repairs completed in the month that a call-back checked.
    pub pass: Rate,
    pub satisfaction: Satisfaction,
    /// Paid work completed in the month, minor units.
    pub paid_total: i64,
    /// R-PREMISES: compensation approved on the orders completed in the month.
    #[serde(default)]
    pub compensation: i64,
    pub uncertain_arrivals: Vec<UncertainArrival>,
    pub per_technician: Vec<TechnicianStats>,
    pub params_rework_days: i64,
    pub params_margin_minutes: i64,
}

/// Money sums: one absurd order must not turn an office's figures into an error.
pub(super) fn add_money(a: i64, b: i64) -> i64 {
    a.saturating_add(b)
}

/// Makes an office's figures from its counts.
pub fn figures(office: &Office, month: Month, p: Params, counts: MonthCounts) -> MonthStats {
    let names = &counts.names;
    let mut total = TechnicianStats::default();
    let mut per_technician = Vec::new();
    for c in counts.per_technician {
        let s = TechnicianStats {
            technician: c.technician,
            name: c
                .technician
                .and_then(|t| names.get(&t).cloned())
                .unwrap_or_default(),
            on_time: Rate::new(c.on_time, c.arrivals),
            no_shows: c.no_shows,
            completed: c.completed,
            pass: Rate::new(c.passed, c.called_back),
            satisfaction: Satisfaction::new(c.satisfaction_sum, c.satisfaction_count, c.satisfied)
                .with_dimensions(&c.dimensions),
            paid_total: c.paid_total,
            compensation: c.compensation,
        };
        total.on_time = total.on_time.add(s.on_time);
        total.no_shows = total.no_shows.saturating_add(s.no_shows);
        total.pass = total.pass.add(s.pass);
        total.satisfaction = total.satisfaction.add(s.satisfaction);
        total.completed = total.completed.saturating_add(s.completed);
        total.paid_total = add_money(total.paid_total, s.paid_total);
        total.compensation = add_money(total.compensation, s.compensation);
        per_technician.push(s);
    }
    let uncertain_arrivals = counts
        .uncertain
        .into_iter()
        .map(|u| {
            let deadline = u.appointment.saturating_add(ARRIVAL_GRACE_MS);
            UncertainArrival {
                order: u.order,
                arrived_at: u.arrived_at,
                deadline,
                counted_on_time: u.arrived_at <= deadline,
            }
        })
        .collect();
    MonthStats {
        office: office.id,
        month: month.to_string(),
        time_zone: office.time_zone.clone(),
        logged: counts.logged,
        handover_on_time: Rate::new(counts.handover_on_time, counts.handover_counted),
        handover_never_received: counts.handover_never_received,
        handover_median_minutes: counts.handover_median_ms.map(|m| m / 60_000),
        handover_longest_minutes: counts.handover_longest_ms.map(|m| m / 60_000),
        on_time: total.on_time,
        no_shows: total.no_shows,
        completed: total.completed,
        pass: total.pass,
        satisfaction: total.satisfaction,
        paid_total: total.paid_total,
        compensation: total.compensation,
        uncertain_arrivals,
        per_technician,
        params_rework_days: p.rework_days,
        params_margin_minutes: p.margin_minutes,
    }
}

pub(crate) async fn office_or_404(store: &dyn DirectoryStore, office: OfficeId) -> Result<Office> {
    store
        .office(office)
        .await?
        .ok_or_else(|| Error::NotFound(format!("office {office}")))
}

pub(crate) async fn names(
    store: &dyn DirectoryStore,
    office: OfficeId,
) -> Result<HashMap<UserId, String>> {
    Ok(store
        .users(office)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect())
}

/// One office's month.
pub async fn office_stats(
    store: &dyn Store,
    office: OfficeId,
    month: &str,
    p: Params,
) -> Result<MonthStats> {
    let o = office_or_404(store, office).await?;
    let m = Month::parse(month, &o.time_zone)?;
    let counts = store
        .month_counts(vec![(office, m.period())], p.counts())
        .await?
        .pop()
        .unwrap_or_default();
    Ok(figures(&o, m, p, counts))
}

/// Every office's month (the whole company), read in one snapshot.
pub async fn company_stats(store: &dyn Store, month: &str, p: Params) -> Result<Vec<MonthStats>> {
    let offices = store.offices().await?;
    let months = offices
        .iter()
        .map(|o| Month::parse(month, &o.time_zone))
        .collect::<Result<Vec<_>>>()?;
    let asks = offices
        .iter()
        .zip(&months)
        .map(|(o, m)| (o.id, m.period()))
        .collect();
    let counts = store.month_counts(asks, p.counts()).await?;
    let mut out = Vec::with_capacity(offices.len());
    for ((o, m), c) in offices.iter().zip(months).zip(counts) {
        out.push(figures(o, m, p, c));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use baoxiu_sync_core::questionnaire::DimensionTally;

    #[test]
    fn month_periods_follow_the_office_zone_across_dst() {
        // (zone, month, first instant UTC, first instant of the next month UTC)
        let cases = [
            // Taipei has no DST: months start at 16:00 UTC the day before.
            (
                "Asia/Taipei",
                "2026-11",
                "2026-10-31T16:00:00Z",
                "2026-11-30T16:00:00Z",
            ),
            // New York: March has the spring-forward (EST → EDT).
            (
                "America/New_York",
                "2026-03",
                "2026-03-01T05:00:00Z",
                "2026-04-01T04:00:00Z",
            ),
            // November has the fall-back (EDT → EST).
            (
                "America/New_York",
                "2026-11",
                "2026-11-01T04:00:00Z",
                "2026-12-01T05:00:00Z",
            ),
            // December rolls into the next year.
            (
                "UTC",
                "2026-12",
                "2026-12-01T00:00:00Z",
                "2027-01-01T00:00:00Z",
            ),
        ];
        for (tz, m, start, end) in cases {
            let got = Month::parse(m, tz).ok();
            let ms = |s: &str| {
                chrono::DateTime::parse_from_rfc3339(s)
                    .map(|t| t.timestamp_millis())
                    .ok()
            };
            assert_eq!(got.map(|g| g.start), ms(start), "{tz} {m} start");
            assert_eq!(got.map(|g| g.end), ms(end), "{tz} {m} end");
        }
        for bad in ["2026-13", "2026", "26-1x", ""] {
            assert!(Month::parse(bad, "UTC").is_err(), "{bad}");
        }
        assert!(Month::parse("2026-01", "Mars/Olympus").is_err());
    }

    #[test]
    fn rates_round_half_up_in_basis_points() {
        // (numerator, denominator, basis points)
        let cases = [
            (0, 0, None),
            (0, 3, Some(0)),
            (1, 3, Some(3333)),
            (2, 3, Some(6667)),
            (14, 15, Some(9333)),
            (1, 8, Some(1250)),
            (1, 1, Some(10_000)),
            (u64::MAX, u64::MAX, Some(10_000)),
        ];
        for (n, d, bp) in cases {
            assert_eq!(Rate::new(n, d).basis_points, bp, "{n}/{d}");
        }
        assert_eq!(Rate::new(14, 15).percent(), "93.33%");
        assert_eq!(Rate::new(0, 0).percent(), "—");
        assert_eq!(Satisfaction::new(14, 3, 2).average_hundredths, Some(467));
        assert_eq!(Satisfaction::new(14, 3, 2).satisfied.percent(), "66.67%");
        assert_eq!(Satisfaction::new(0, 0, 0).average_hundredths, None);
    }

    #[test]
    fn figures_add_technicians_into_the_office_total() {
        let office = Office {
            id: OfficeId::new(),
            name: "x".into(),
            time_zone: "UTC".into(),
            currency: "TWD".into(),
        };
        let (a, b) = (UserId::new(), UserId::new());
        let counts = MonthCounts {
            logged: 5,
            handover_on_time: 3,
            handover_counted: 4,
            handover_never_received: 1,
            handover_median_ms: Some(12 * 60_000 + 59_999),
            handover_longest_ms: Some(95 * 60_000),
            per_technician: vec![
                crate::store::TechnicianCounts {
                    technician: Some(a),
                    arrivals: 3,
                    on_time: 2,
                    no_shows: 1,
                    completed: 3,
                    paid_total: i64::MAX,
                    compensation: 800,
                    called_back: 2,
                    passed: 1,
                    satisfaction_count: 2,
                    satisfaction_sum: 9,
                    satisfied: 1,
                    dimensions: DimensionTally {
                        sums: [9, 0, 0, 0, 0],
                        counts: [2, 0, 0, 0, 0],
                    },
                },
                crate::store::TechnicianCounts {
                    technician: Some(b),
                    arrivals: 1,
                    on_time: 1,
                    no_shows: 0,
                    completed: 1,
                    paid_total: 500,
                    compensation: 0,
                    called_back: 1,
                    passed: 1,
                    satisfaction_count: 1,
                    satisfaction_sum: 5,
                    satisfied: 1,
                    dimensions: DimensionTally {
                        sums: [4, 0, 0, 3, 0],
                        counts: [1, 0, 0, 1, 0],
                    },
                },
            ],
            uncertain: Vec::new(),
            names: HashMap::from([(a, "甲".to_owned())]),
        };

        let m = Month::parse("2026-10", "UTC").unwrap_or(Month {
            year: 0,
            month: 0,
            start: 0,
            end: 0,
        });
        let s = figures(&office, m, Params::default(), counts);
        assert_eq!((s.on_time.numerator, s.on_time.denominator), (3, 4));
        assert_eq!((s.pass.numerator, s.pass.denominator), (2, 3));
        assert_eq!(s.satisfaction.average_hundredths, Some(467));
        // S5 8: each dimension's mean over those who scored it, beside the rate.
        let d = s.satisfaction.dimensions;
        assert_eq!(
            (
                d.reliability.average_hundredths,
                d.empathy.average_hundredths,
                d.tangibles.average_hundredths
            ),
            (Some(433), Some(300), None)
        );
        assert_eq!(
            (
                s.satisfaction.satisfied.numerator,
                s.satisfaction.satisfied.denominator
            ),
            (2, 3)
        );
        assert_eq!(s.completed, 4);
        // An absurd paid total saturates instead of failing the whole office.
        assert_eq!(s.paid_total, i64::MAX);
        assert_eq!(s.handover_on_time.basis_points, Some(7500));
        assert_eq!(s.no_shows, 1);
        assert_eq!(s.compensation, 800);
        // Whole minutes, rounded down.
        assert_eq!(
            (s.handover_median_minutes, s.handover_longest_minutes),
            (Some(12), Some(95))
        );
        assert_eq!(s.per_technician[0].name, "甲");
        assert_eq!(s.per_technician[1].name, "");
    }
}
