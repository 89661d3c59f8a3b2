//! R-SUP-COUNT: the count register (盤點登記) for a period — each quarter that starts in
//! it, its count's lines (the ledger's level at the count's instant, what was counted,
//! the difference), whether the count was confirmed, and whether it is overdue by the
//! office's deadline. Printable and exported from the storeroom's report.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::catalogue::Catalogue;
use super::count::{Difference, Quarter, overdue};
use super::ledger::{Ledger, Movement, MovementKind};
use super::stock_count::CountState;
use crate::error::Error;
use crate::model::Millis;

/// One quarter's count in the register.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarterCount {
    pub quarter: Quarter,
    /// The count's sheet id (none: not started).
    pub count: Option<String>,
    /// The instant the ledger was read at.
    pub as_of: Option<Millis>,
    pub confirmed_at: Option<Millis>,
    /// Not confirmed by the office's deadline (or confirmed after it).
    pub overdue: bool,
    /// Each item against the ledger before the count's own adjustments.
    pub lines: Vec<Difference>,
}

/// What the register reads besides the counts.
#[derive(Debug)]
pub struct RegisterContext<'a> {
    /// Every movement of the storeroom (the count's own adjustments are set aside).
    pub movements: &'a [Movement],
    pub catalogue: &'a Catalogue,
    pub now: Millis,
    pub tz: chrono_tz::Tz,
    pub deadline_days: u32,
}

/// The register of every quarter that starts in `period`. A quarter counted more than
/// once (two counts opened) shows each; a quarter not counted shows one empty entry.
pub fn count_register(
    counts: &[CountState],
    period: Range<Millis>,
    ctx: &RegisterContext<'_>,
) -> Result<Vec<QuarterCount>, Error> {
    let mut out = Vec::new();
    for q in quarters_starting_in(&period, ctx.tz) {
        let of_q: Vec<&CountState> = counts.iter().filter(|c| c.sheet.quarter == q).collect();
        if of_q.is_empty() {
            out.push(QuarterCount {
                quarter: q,
                count: None,
                as_of: None,
                confirmed_at: None,
                overdue: overdue(q, None, ctx.now, ctx.tz, ctx.deadline_days),
                lines: Vec::new(),
            });
        }
        for c in of_q {
            // The ledger as the counter's device saw it: without this count's adjustments.
            let mut ledger = Ledger::new();
            ledger.extend(
                ctx.movements
                    .iter()
                    .filter(|m| !adjusts(m, &c.sheet.id))
                    .cloned(),
            )?;
            out.push(QuarterCount {
                quarter: q,
                count: Some(c.sheet.id.clone()),
                as_of: Some(c.sheet.at),
                confirmed_at: c.confirmed_at,
                overdue: overdue(q, c.confirmed_at, ctx.now, ctx.tz, ctx.deadline_days),
                lines: c.sheet.differences(&ledger, ctx.catalogue),
            });
        }
    }
    Ok(out)
}

fn adjusts(m: &Movement, count: &str) -> bool {
    matches!(&m.kind, MovementKind::Adjusted { count: c, .. } if c == count)
}

/// The quarters whose first instant falls in `period`.
fn quarters_starting_in(period: &Range<Millis>, tz: chrono_tz::Tz) -> Vec<Quarter> {
    let Some(first) = Quarter::of(period.start, tz) else {
        return Vec::new();
    };
    let mut q = first;
    let mut out = Vec::new();
    // A period is at most a quarter or so; the bound keeps a bad range from looping.
    for _ in 0..8 {
        match q.start(tz) {
            Some(s) if s >= period.end => break,
            Some(s) if period.contains(&s) => out.push(q),
            _ => {}
        }
        q = if q.q == 4 {
            Quarter {
                year: q.year.saturating_add(1),
                q: 1,
            }
        } else {
            Quarter {
                year: q.year,
                q: q.q + 1,
            }
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{OfficeId, OrderId, Role};
    use crate::supplies::count::ItemCount;
    use crate::supplies::ledger::MovementKind;
    use crate::supplies::stock_count::{CountBody, reduce};
    use crate::test_util::{author, fact};

    const TZ: chrono_tz::Tz = chrono_tz::Asia::Taipei;

    fn day(y: i32, m: u32, d: u32) -> Millis {
        use chrono::TimeZone;
        TZ.with_ymd_and_hms(y, m, d, 0, 0, 0)
            .unwrap()
            .timestamp_millis()
    }

    fn received(item: &str, units: u64, at: Millis) -> Movement {
        Movement {
            id: format!("r-{item}-{at}"),
            item: item.into(),
            at,
            kind: MovementKind::Received {
                quantity: units,
                vendor: "文具行".into(),
                plan: None,
            },
        }
    }

    #[test]
    fn r_sup_count_the_register_shows_each_quarter_s_count_against_the_ledger_and_overdue() {
        let clerk = author(Role::LogisticsClerk);
        let q4 = Quarter { year: 2026, q: 4 };
        let as_of = day(2026, 10, 2);
        let mut facts = vec![fact(
            &clerk,
            0,
            CountBody::Opened {
                count: OrderId::new(),
                office: OfficeId::new(),
                quarter: q4,
                as_of,
            },
        )];
        facts.push(fact(
            &clerk,
            1,
            CountBody::Counted {
                item: "P-01".into(),
                counted: 8,
                supersedes: Vec::new(),
            },
        ));
        let count = reduce(&facts).unwrap();
        let movements = [received("P-01", 10, day(2026, 9, 1))];
        let catalogue = Catalogue::default();
        let ctx = |now| RegisterContext {
            movements: &movements,
            catalogue: &catalogue,
            now,
            tz: TZ,
            deadline_days: 10,
        };
        // (period, now, expected: (quarter, counted, overdue, P-01's delta))
        let cases = [
            // October holds Q4's start: the count, 2 short, not yet overdue.
            (
                day(2026, 10, 1)..day(2026, 11, 1),
                day(2026, 10, 5),
                vec![(4, true, false, Some(-2))],
            ),
            // Past the 10th day, still unconfirmed: overdue.
            (
                day(2026, 10, 1)..day(2026, 11, 1),
                day(2026, 10, 20),
                vec![(4, true, true, Some(-2))],
            ),
            // November starts no quarter.
            (day(2026, 11, 1)..day(2026, 12, 1), day(2026, 11, 5), vec![]),
            // Q3 was never counted: one empty, overdue entry.
            (
                day(2026, 7, 1)..day(2026, 10, 1),
                day(2026, 10, 5),
                vec![(3, false, true, None)],
            ),
        ];
        for (period, now, want) in cases {
            let got: Vec<_> =
                count_register(std::slice::from_ref(&count), period.clone(), &ctx(now))
                    .unwrap()
                    .into_iter()
                    .map(|r| {
                        let delta = r
                            .lines
                            .iter()
                            .find(|l| l.item == "P-01")
                            .and_then(|l| l.delta);
                        (r.quarter.q, r.count.is_some(), r.overdue, delta)
                    })
                    .collect();
            assert_eq!(got, want, "{period:?} at {now}");
        }
        let r = count_register(
            std::slice::from_ref(&count),
            day(2026, 10, 1)..day(2026, 11, 1),
            &ctx(day(2026, 10, 5)),
        )
        .unwrap();
        assert_eq!(r[0].lines[0].expected, 10);
        assert_eq!(r[0].lines[0].count, ItemCount::Counted(8));
    }
}
