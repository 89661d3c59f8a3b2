//! R-SUP-COUNT: at the start of each quarter the storeroom is counted item by item (on a
//! phone or tablet, offline, often two people at once), the counts are set against the
//! ledger at the count's instant, and once confirmed the differences become adjustments.
//! A quarter whose count was not confirmed by the office's deadline is flagged.
//!
//! Two devices counting merge by keeping every line. An item counted twice with the same
//! figure is counted; with different figures the count disagrees and cannot be confirmed
//! until someone recounts it (a line that supersedes the ones its counter saw).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{Datelike, Duration, NaiveDate, TimeZone};
use serde::{Deserialize, Serialize};

use super::catalogue::Catalogue;
use super::ledger::{Ledger, MAX_QUANTITY, Movement, MovementKind};
use crate::error::Error;
use crate::model::Millis;

/// A calendar quarter in the office's time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quarter {
    #[cfg_attr(feature = "openapi", schema(minimum = 2000, maximum = 2100))]
    pub year: i32,
    /// 1–4.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 4))]
    pub q: u8,
}

impl Quarter {
    /// The quarter `at` falls in, in `tz`.
    pub fn of(at: Millis, tz: chrono_tz::Tz) -> Option<Quarter> {
        let local = chrono::DateTime::from_timestamp_millis(at)?.with_timezone(&tz);
        let q = u8::try_from((local.month0() / 3) + 1).ok()?;
        Some(Quarter {
            year: local.year(),
            q,
        })
    }

    fn first_day(self) -> Option<NaiveDate> {
        if !(1..=4).contains(&self.q) {
            return None;
        }
        NaiveDate::from_ymd_opt(self.year, u32::from(self.q - 1) * 3 + 1, 1)
    }

    /// Its first instant: midnight of its first day in `tz`.
    pub fn start(self, tz: chrono_tz::Tz) -> Option<Millis> {
        local_midnight(self.first_day()?, tz)
    }

    /// The count's deadline: the end of its `days`-th day (the office's setting).
    pub fn deadline(self, tz: chrono_tz::Tz, days: u32) -> Option<Millis> {
        let last = self
            .first_day()?
            .checked_add_signed(Duration::days(i64::from(days)))?;
        local_midnight(last, tz)
    }
}

fn local_midnight(d: NaiveDate, tz: chrono_tz::Tz) -> Option<Millis> {
    // A zone whose clocks skip midnight: the first instant of the day that exists.
    let t = d.and_hms_opt(0, 0, 0)?;
    tz.from_local_datetime(&t)
        .earliest()
        .or_else(|| tz.from_local_datetime(&(t + Duration::hours(1))).earliest())
        .map(|t| t.timestamp_millis())
}

/// One counted item, by one person on one device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountLine {
    pub id: String,
    pub item: String,
    pub counted: u64,
    pub at: Millis,
    pub by: String,
    /// Lines of the same item this one replaces (a recount, made after seeing them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supersedes: Vec<String>,
}

/// A quarter's count sheet: the instant the stock is counted as of, and its lines.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountSheet {
    pub id: String,
    pub quarter: Quarter,
    /// The ledger is read at this instant (the count's start).
    pub at: Millis,
    pub lines: Vec<CountLine>,
}

/// What the sheet says of one item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum ItemCount {
    Counted(u64),
    /// Counted with different figures that no recount has settled (sorted, distinct).
    Disagree(Vec<u64>),
    NotCounted,
}

/// One item's line in the register: the ledger's level at the count, the count, and the
/// difference (when counted).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Difference {
    pub item: String,
    pub expected: i64,
    pub count: ItemCount,
    pub delta: Option<i64>,
}

/// Why a count cannot be confirmed yet.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CountError {
    #[error("counted with different figures, recount: {0:?}")]
    Disagree(Vec<String>),
    #[error("not counted yet: {0:?}")]
    NotCounted(Vec<String>),
}

impl CountSheet {
    /// Each item's count: the lines no other line supersedes; agreeing figures count.
    pub fn tally(&self) -> BTreeMap<String, ItemCount> {
        let superseded: HashSet<&str> = self
            .lines
            .iter()
            .flat_map(|l| l.supersedes.iter().map(String::as_str))
            .collect();
        let mut figures: BTreeMap<String, BTreeSet<u64>> = BTreeMap::new();
        for l in &self.lines {
            if !superseded.contains(l.id.as_str()) {
                figures.entry(l.item.clone()).or_default().insert(l.counted);
            }
        }
        figures
            .into_iter()
            .map(|(item, f)| {
                let c = match f.len() {
                    1 => ItemCount::Counted(f.into_iter().next().unwrap_or(0)),
                    _ => ItemCount::Disagree(f.into_iter().collect()),
                };
                (item, c)
            })
            .collect()
    }

    /// The register's lines: every item of the catalogue, of the ledger and of the
    /// sheet, set against the ledger at the count's instant.
    pub fn differences(&self, ledger: &Ledger, catalogue: &Catalogue) -> Vec<Difference> {
        let expected = ledger.levels_at(self.at);
        let tally = self.tally();
        let items: BTreeSet<&String> = catalogue
            .items
            .keys()
            .chain(expected.keys())
            .chain(tally.keys())
            .collect();
        items
            .into_iter()
            .map(|item| {
                let exp = expected.get(item).copied().unwrap_or(0);
                let count = tally.get(item).cloned().unwrap_or(ItemCount::NotCounted);
                let delta = match &count {
                    ItemCount::Counted(n) => i64::try_from(*n).ok().map(|n| n - exp),
                    _ => None,
                };
                Difference {
                    item: item.clone(),
                    expected: exp,
                    count,
                    delta,
                }
            })
            .collect()
    }

    /// R-SUP-COUNT: the confirmed count's adjustments, one per item that differs, at the
    /// count's instant. Their ids derive from the sheet and the item, so two devices
    /// confirming the same count record the same movements (merged once). Refused while
    /// an item disagrees or is not counted.
    pub fn adjustments(
        &self,
        ledger: &Ledger,
        catalogue: &Catalogue,
    ) -> Result<Vec<Movement>, CountError> {
        let diffs = self.differences(ledger, catalogue);
        let pick = |f: fn(&ItemCount) -> bool| -> Vec<String> {
            diffs
                .iter()
                .filter(|d| f(&d.count))
                .map(|d| d.item.clone())
                .collect()
        };
        let disagree = pick(|c| matches!(c, ItemCount::Disagree(_)));
        if !disagree.is_empty() {
            return Err(CountError::Disagree(disagree));
        }
        let missing = pick(|c| matches!(c, ItemCount::NotCounted));
        if !missing.is_empty() {
            return Err(CountError::NotCounted(missing));
        }
        Ok(diffs
            .into_iter()
            .filter_map(|d| {
                let delta = d.delta.filter(|d| *d != 0)?;
                Some(Movement {
                    id: format!("{}:{}", self.id, d.item),
                    item: d.item,
                    at: self.at,
                    kind: MovementKind::Adjusted {
                        delta,
                        count: self.id.clone(),
                    },
                })
            })
            .collect())
    }

    /// Items whose level at the count no longer equals the confirmed count: a movement
    /// dated before the count arrived after it was confirmed (kept, and shown).
    pub fn no_longer_matching(&self, ledger: &Ledger) -> Vec<String> {
        self.tally()
            .into_iter()
            .filter_map(|(item, c)| match c {
                ItemCount::Counted(n) => {
                    let at = ledger.level_at(&item, self.at);
                    (i64::try_from(n).ok() != Some(at)).then_some(item)
                }
                _ => None,
            })
            .collect()
    }
}

/// Refuses a count line out of the limits.
pub fn check_line(l: &CountLine) -> Result<(), Error> {
    if l.counted > MAX_QUANTITY {
        return Err(Error::InvalidInput(format!(
            "a count is at most {MAX_QUANTITY} units"
        )));
    }
    Ok(())
}

/// R-SUP-COUNT: whether `quarter`'s count is overdue at `now`: not confirmed by the end
/// of the quarter's `deadline_days`-th day (the office's setting), or confirmed later.
pub fn overdue(
    quarter: Quarter,
    confirmed_at: Option<Millis>,
    now: Millis,
    tz: chrono_tz::Tz,
    deadline_days: u32,
) -> bool {
    let Some(deadline) = quarter.deadline(tz, deadline_days) else {
        return false;
    };
    match confirmed_at {
        Some(c) => c > deadline,
        None => now > deadline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supplies::catalogue::{Category, tests::item};
    use crate::supplies::ledger::tests::{issued, received};

    const TZ: chrono_tz::Tz = chrono_tz::Asia::Taipei;

    fn ms(y: i32, m: u32, d: u32, h: u32) -> Millis {
        TZ.with_ymd_and_hms(y, m, d, h, 0, 0)
            .single()
            .map(|t| t.timestamp_millis())
            .unwrap_or(0)
    }

    fn line(id: &str, item: &str, counted: u64, by: &str, sup: &[&str]) -> CountLine {
        CountLine {
            id: id.into(),
            item: item.into(),
            counted,
            at: 0,
            by: by.into(),
            supersedes: sup.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn quarters_follow_the_office_s_calendar() {
        // (instant, quarter) — 2026-03-31 23:30 in Taipei is Q1 there, Q1 in UTC too;
        // 2026-04-01 00:30 in Taipei is Q2 there but still Q1 in UTC.
        let cases = [
            (ms(2026, 1, 1, 0), 2026, 1),
            (ms(2026, 3, 31, 23), 2026, 1),
            (ms(2026, 4, 1, 0), 2026, 2),
            (ms(2026, 12, 31, 23), 2026, 4),
        ];
        for (at, year, q) in cases {
            assert_eq!(Quarter::of(at, TZ), Some(Quarter { year, q }), "{at}");
        }
        let q2 = Quarter { year: 2026, q: 2 };
        assert_eq!(q2.start(TZ), Some(ms(2026, 4, 1, 0)));
        assert_eq!(q2.deadline(TZ, 10), Some(ms(2026, 4, 11, 0)));
        assert_eq!(Quarter { year: 2026, q: 5 }.start(TZ), None);
    }

    #[test]
    fn r_sup_count_overdue_after_the_office_s_deadline() {
        let q = Quarter { year: 2026, q: 2 };
        // (confirmed at, now, deadline days, overdue)
        let cases = [
            (Some(ms(2026, 4, 3, 9)), ms(2026, 6, 1, 0), 10, false),
            (Some(ms(2026, 4, 12, 9)), ms(2026, 6, 1, 0), 10, true),
            (None, ms(2026, 4, 10, 23), 10, false),
            (None, ms(2026, 4, 11, 1), 10, true),
            // A longer deadline, the office's choice.
            (None, ms(2026, 4, 11, 1), 15, false),
        ];
        for (confirmed, now, days, expected) in cases {
            assert_eq!(
                overdue(q, confirmed, now, TZ, days),
                expected,
                "{confirmed:?} {now} {days}"
            );
        }
    }

    fn setting() -> (Ledger, Catalogue) {
        let ledger = Ledger::from_movements([
            received("a", "pen", ms(2026, 3, 1, 9), 40),
            issued("b", "pen", ms(2026, 3, 20, 9), 5, None),
            received("c", "paper", ms(2026, 3, 2, 9), 10),
            // After the count's instant: not part of what was counted.
            issued("d", "pen", ms(2026, 4, 2, 9), 1, None),
        ])
        .unwrap();
        let mut cat = Catalogue::default();
        for code in ["pen", "paper", "toner"] {
            cat.add(item(code, Category::Stationery, &["甲", "乙"]));
        }
        (ledger, cat)
    }

    #[test]
    fn r_sup_count_differences_against_the_ledger_at_the_count_s_instant() {
        let (ledger, cat) = setting();
        let sheet = CountSheet {
            id: "c26q2".into(),
            quarter: Quarter { year: 2026, q: 2 },
            at: ms(2026, 4, 1, 8),
            // Two devices: the phone counted pens, the tablet paper and toner.
            lines: vec![
                line("l1", "pen", 33, "clerk", &[]),
                line("l2", "paper", 10, "helper", &[]),
                line("l3", "toner", 2, "helper", &[]),
            ],
        };
        let d = sheet.differences(&ledger, &cat);
        let got: Vec<(&str, i64, Option<i64>)> = d
            .iter()
            .map(|d| (d.item.as_str(), d.expected, d.delta))
            .collect();
        assert_eq!(
            got,
            [
                ("paper", 10, Some(0)),
                ("pen", 35, Some(-2)),
                ("toner", 0, Some(2))
            ]
        );
        let adj = sheet.adjustments(&ledger, &cat).unwrap();
        let got: Vec<(&str, &str, i64)> = adj
            .iter()
            .map(|m| {
                (
                    m.id.as_str(),
                    m.item.as_str(),
                    m.delta().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(got, [("c26q2:pen", "pen", -2), ("c26q2:toner", "toner", 2)]);
        // Confirmed on both devices: the same movements, merged once.
        let mut after = ledger.clone();
        assert_eq!(after.extend(adj.clone()).unwrap(), 2);
        assert_eq!(after.extend(adj).unwrap(), 0);
        assert_eq!(after.level_at("pen", sheet.at), 33);
        assert_eq!(after.level("pen"), 32);
        assert!(sheet.no_longer_matching(&after).is_empty());
        // A movement dated before the count arrives late: the count no longer matches.
        after
            .add(issued("late", "toner", ms(2026, 3, 30, 9), 1, None))
            .unwrap();
        assert_eq!(sheet.no_longer_matching(&after), ["toner"]);
    }

    #[test]
    fn r_sup_count_two_devices_disagreeing_need_a_recount() {
        let (ledger, cat) = setting();
        let mut sheet = CountSheet {
            id: "c".into(),
            quarter: Quarter { year: 2026, q: 2 },
            at: ms(2026, 4, 1, 8),
            lines: vec![
                line("l1", "pen", 33, "clerk", &[]),
                line("l2", "pen", 35, "helper", &[]),
                line("l3", "paper", 10, "helper", &[]),
                line("l4", "paper", 10, "clerk", &[]),
            ],
        };
        let tally = sheet.tally();
        assert_eq!(tally.get("pen"), Some(&ItemCount::Disagree(vec![33, 35])));
        assert_eq!(tally.get("paper"), Some(&ItemCount::Counted(10)));
        assert_eq!(
            sheet.adjustments(&ledger, &cat),
            Err(CountError::Disagree(vec!["pen".into()]))
        );
        // The recount settles it; the toner is still not counted.
        sheet
            .lines
            .push(line("l5", "pen", 35, "clerk", &["l1", "l2"]));
        assert_eq!(
            sheet.adjustments(&ledger, &cat),
            Err(CountError::NotCounted(vec!["toner".into()]))
        );
        sheet.lines.push(line("l6", "toner", 0, "clerk", &[]));
        assert_eq!(sheet.adjustments(&ledger, &cat), Ok(Vec::new()));
        assert!(check_line(&line("x", "pen", MAX_QUANTITY + 1, "c", &[])).is_err());
    }
}
