//! Month end on SQLite: counts over the projection, the paid-service register's lines,
//! call-backs and spot-check samples. The definitions (what counts, and how rates are
//! made of the counts) are in `service/month.rs` and docs/statistics.md.

use std::collections::BTreeMap;

use async_trait::async_trait;
use baoxiu_sync_core::callback::{Callback, CallbackResult};
use baoxiu_sync_core::task::OwnerTask;
use baoxiu_sync_core::{Millis, OfficeId, OrderId, UserId};
use rusqlite::{Connection, params};

use super::callbacks::{callback_row, load_callback, save_callback};
use super::{SqliteStore, from_json, parse, to_json};
use crate::error::{Error, Result};
use crate::store::decode::{CALLBACK_COLUMNS, to_callback, user};
use crate::store::{
    CallbackFilter, CountParams, MonthCounts, MonthStore, Period, RegisterLine, SampleRecord,
    TechnicianCounts, UncertainArrival,
};

/// An order's total as summed into a month is clamped to `rules::MAX_AMOUNT` (ten
/// billion of the currency, far past any repair): nine million such orders still fit in
/// the sum, so one absurd row cannot overflow an office's figures.
const CLAMP: i64 = baoxiu_sync_core::rules::MAX_AMOUNT;

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Runs a `technician, a, b` aggregate and applies each row to that technician's counts.
fn per_technician(
    c: &Connection,
    per: &mut BTreeMap<Option<String>, TechnicianCounts>,
    sql: &str,
    args: &[&dyn rusqlite::ToSql],
    apply: impl Fn(&mut TechnicianCounts, i64, i64),
) -> Result<()> {
    per_technician3(c, per, sql, args, |e, a, b, _| apply(e, a, b))
}

/// As `per_technician`, with three counts a row (a query's fourth column, or 0).
fn per_technician3(
    c: &Connection,
    per: &mut BTreeMap<Option<String>, TechnicianCounts>,
    sql: &str,
    args: &[&dyn rusqlite::ToSql],
    apply: impl Fn(&mut TechnicianCounts, i64, i64, i64),
) -> Result<()> {
    let mut stmt = c.prepare_cached(sql)?;
    let third = stmt.column_count() > 3;
    let rows = stmt.query_map(args, |r| {
        Ok((
            r.get::<_, Option<String>>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
            if third { r.get::<_, i64>(3)? } else { 0 },
        ))
    })?;
    for row in rows {
        let (t, a, b, d) = row?;
        apply(per.entry(t).or_default(), a, b, d);
    }
    Ok(())
}

fn office_counts(
    c: &Connection,
    office: OfficeId,
    period: Period,
    p: CountParams,
) -> Result<MonthCounts> {
    let o = office.to_string();
    let (start, end) = (period.start, period.end);
    let logged: i64 = c.query_row(
        "SELECT count(*) FROM orders WHERE office = ?1 AND logged_at >= ?2 AND logged_at < ?3",
        params![o, start, end],
        |r| r.get(0),
    )?;
    // R-HANDOVER: received within the limit, or never received and the limit passed
    // (late; an order cancelled before anyone received it is not counted).
    let (h_on, h_all, h_never): (i64, i64, i64) = c.query_row(
        "SELECT coalesce(sum(handover_on_time), 0),
             count(handover_on_time)
               + coalesce(sum(received_at IS NULL AND status != 'cancelled'
                              AND logged_at + ?4 < ?5), 0),
             coalesce(sum(received_at IS NULL AND status != 'cancelled'
                          AND logged_at + ?4 < ?5), 0)
         FROM orders WHERE office = ?1 AND logged_at >= ?2 AND logged_at < ?3",
        params![o, start, end, p.handover_limit_ms, p.now],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let waits: Vec<i64> = c
        .prepare_cached(
            "SELECT received_at - logged_at FROM orders
             WHERE office = ?1 AND logged_at >= ?2 AND logged_at < ?3
               AND received_at IS NOT NULL
             ORDER BY 1",
        )?
        .query_map(params![o, start, end], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    // The lower median of an even count: a wait that happened, not an average of two.
    let handover_median_ms = waits.get(waits.len().saturating_sub(1) / 2).copied();
    let handover_longest_ms = waits.last().copied();
    let mut per: BTreeMap<Option<String>, TechnicianCounts> = BTreeMap::new();
    // R-MONTH 及時率: small repairs whose appointment in force fell in the month, once
    // due — arrived, or appointment + grace passed with no arrival (a no-show, late) —
    // credited to the technician first assigned.
    per_technician3(
        c,
        &mut per,
        "SELECT coalesce(first_technician, technician), count(*),
             coalesce(sum(arrived_on_time = 1), 0),
             coalesce(sum(arrived_at IS NULL), 0)
         FROM orders
         WHERE office = ?1 AND appointment >= ?2 AND appointment < ?3
           AND status != 'cancelled' AND coalesce(small_override, total <= ?4) = 1
           AND (arrived_at IS NOT NULL OR appointment + ?5 < ?6)
         GROUP BY 1",
        &[&o, &start, &end, &p.small_max_total, &p.grace_ms, &p.now],
        |e, all, on, no_show| {
            e.arrivals = count(all);
            e.on_time = count(on);
            e.no_shows = count(no_show);
        },
    )?;
    // Completion, paid total, compensation approved (R-PREMISES).
    per_technician3(
        c,
        &mut per,
        "SELECT technician, count(*),
             coalesce(sum(CASE WHEN paid = 1 THEN min(max(total, 0), ?4) ELSE 0 END), 0),
             coalesce(sum(min(max(compensation, 0), ?4)), 0)
         FROM orders WHERE office = ?1 AND completed_at >= ?2 AND completed_at < ?3
         GROUP BY technician",
        &[&o, &start, &end, &CLAMP],
        |e, n, paid, compensation| {
            e.completed = count(n);
            e.paid_total = paid;
            e.compensation = compensation;
        },
    )?;
    // R-VISIT-CONTENT: completed in the month, with a call-back result; pass = the latest
    // result says the repair held and no rework order followed within the window. Rework
    // is the same unit reporting the same *known* fault again (`=`, not `IS`: two
    // uncategorised requests are not the same fault) and not a request cancelled as a
    // duplicate.
    per_technician(
        c,
        &mut per,
        "WITH latest AS (
             SELECT order_id, repair_held, max(recorded_at) FROM callbacks
             WHERE office = ?1 AND status = 'done' AND repair_held IS NOT NULL
             GROUP BY order_id
         )
         SELECT o.technician, count(*),
             coalesce(sum(CASE WHEN l.repair_held = 'pass' AND NOT EXISTS (
                 SELECT 1 FROM orders r WHERE r.office = o.office AND r.unit = o.unit
                   AND r.category = o.category AND r.status != 'cancelled'
                   AND r.id != o.id
                   AND r.logged_at > o.completed_at AND r.logged_at <= o.completed_at + ?4
             ) THEN 1 ELSE 0 END), 0)
         FROM orders o JOIN latest l ON l.order_id = o.id
         WHERE o.office = ?1 AND o.completed_at >= ?2 AND o.completed_at < ?3
           AND coalesce(o.small_override, o.total <= ?5) = 1
         GROUP BY o.technician",
        &[&o, &start, &end, &p.rework_ms, &p.small_max_total],
        |e, all, pass| {
            e.called_back = count(all);
            e.passed = count(pass);
        },
    )?;
    // R-MONTH satisfaction: the latest scored call-back of each order completed in the
    // month (a second call-back replaces the first, it does not count twice); and (S5 8)
    // the quality dimensions scored on those same call-backs, beside it.
    {
        // Driven by the month's completed orders (one index lookup each for the latest
        // call-back), not by every call-back the office ever made.
        let mut stmt = c.prepare_cached(
            "SELECT o.technician, count(*), coalesce(sum(cb.satisfaction), 0),
                 coalesce(sum(CASE WHEN cb.satisfaction >= ?4 THEN 1 ELSE 0 END), 0),
                 coalesce(sum(cb.score_reliability), 0), count(cb.score_reliability),
                 coalesce(sum(cb.score_tangibles), 0), count(cb.score_tangibles),
                 coalesce(sum(cb.score_responsiveness), 0), count(cb.score_responsiveness),
                 coalesce(sum(cb.score_empathy), 0), count(cb.score_empathy),
                 coalesce(sum(cb.score_professionalism), 0), count(cb.score_professionalism)
             FROM orders o
             JOIN callbacks cb ON cb.id = (
                 SELECT c2.id FROM callbacks c2
                 WHERE c2.order_id = o.id AND c2.status = 'done' AND c2.satisfaction IS NOT NULL
                 ORDER BY c2.recorded_at DESC, c2.id DESC LIMIT 1
             )
             WHERE o.office = ?1 AND o.completed_at >= ?2 AND o.completed_at < ?3
             GROUP BY o.technician",
        )?;
        let rows = stmt.query_map(params![o, start, end, p.satisfied_score], |r| {
            let mut v = [0i64; 13];
            for (i, x) in v.iter_mut().enumerate() {
                *x = r.get(i + 1)?;
            }
            Ok((r.get::<_, Option<String>>(0)?, v))
        })?;
        for row in rows {
            let (t, v) = row?;
            let e = per.entry(t).or_default();
            e.satisfaction_count = count(v[0]);
            e.satisfaction_sum = count(v[1]);
            e.satisfied = count(v[2]);
            for i in 0..5 {
                e.dimensions.sums[i] = count(v[3 + 2 * i]);
                e.dimensions.counts[i] = count(v[4 + 2 * i]);
            }
        }
    }
    // Arrivals counted on an unknown clock and close enough to the deadline to flip.
    let mut uncertain = Vec::new();
    {
        let mut stmt = c.prepare_cached(
            "SELECT id, arrived_at, appointment FROM orders
             WHERE office = ?1 AND arrived_at >= ?2 AND arrived_at < ?3 AND arrival_certain = 0
               AND appointment IS NOT NULL AND abs(arrived_at - appointment - ?4) <= ?5
             ORDER BY arrived_at",
        )?;
        let rows = stmt.query_map(params![o, start, end, p.grace_ms, p.margin_ms], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        for row in rows {
            let (id, arrived_at, appointment) = row?;
            uncertain.push(UncertainArrival {
                order: parse("order id", &id)?,
                arrived_at,
                appointment,
            });
        }
    }
    let per_technician = per
        .into_iter()
        .map(|(t, mut counts)| {
            counts.technician = user(t)?;
            Ok(counts)
        })
        .collect::<Result<Vec<_>>>()?;
    let mut names = std::collections::HashMap::new();
    {
        let mut stmt = c.prepare_cached("SELECT id, name FROM users WHERE office = ?1")?;
        let rows = stmt
            .query_map([&o], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (id, name) in rows {
            names.insert(parse("user id", &id)?, name);
        }
    }
    Ok(MonthCounts {
        names,
        logged: count(logged),
        handover_on_time: count(h_on),
        handover_counted: count(h_all),
        handover_never_received: count(h_never),
        handover_median_ms,
        handover_longest_ms,
        per_technician,
        uncertain,
    })
}

#[async_trait]
impl MonthStore for SqliteStore {
    async fn month_counts(
        &self,
        months: Vec<(OfficeId, Period)>,
        params: CountParams,
    ) -> Result<Vec<MonthCounts>> {
        self.read(move |_, c| {
            // One snapshot for every office asked about, ended when dropped.
            let tx = c.unchecked_transaction()?;
            months
                .iter()
                .map(|(office, period)| office_counts(&tx, *office, *period, params))
                .collect::<Result<Vec<_>>>()
        })
        .await
    }

    async fn register_lines(&self, office: OfficeId, period: Period) -> Result<Vec<RegisterLine>> {
        self.read(move |_, c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, completed_at, customer_name, unit, description, items, materials,
                        labour, total, technician, customer_signed, signature_valid, receipt,
                        collected, fees_pending, compensation, credited
                 FROM orders
                 WHERE office = ?1 AND paid = 1 AND completed_at >= ?2 AND completed_at < ?3
                 ORDER BY completed_at, id",
            )?;
            let rows = stmt
                .query_map(params![office.to_string(), period.start, period.end], |r| {
                    Ok((
                        (
                            r.get::<_, String>(0)?,
                            r.get::<_, i64>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                            r.get::<_, String>(4)?,
                            r.get::<_, String>(5)?,
                        ),
                        (
                            r.get::<_, i64>(6)?,
                            r.get::<_, i64>(7)?,
                            r.get::<_, i64>(8)?,
                        ),
                        (
                            r.get::<_, Option<String>>(9)?,
                            r.get::<_, bool>(10)?,
                            r.get::<_, Option<bool>>(11)?,
                            r.get::<_, Option<String>>(12)?,
                            r.get::<_, Option<i64>>(13)?,
                            r.get::<_, bool>(14)?,
                        ),
                        (r.get::<_, i64>(15)?, r.get::<_, i64>(16)?),
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(
                    |(
                        (id, completed_at, customer, unit, description, items),
                        (materials, labour, total),
                        (
                            technician,
                            customer_signed,
                            signature_valid,
                            receipt,
                            collected,
                            fees_pending,
                        ),
                        (compensation, credited),
                    )| {
                        Ok(RegisterLine {
                            order: parse("order id", &id)?,
                            completed_at,
                            customer,
                            unit,
                            description,
                            items: from_json("fee items", &items)?,
                            materials,
                            labour,
                            total,
                            technician: user(technician)?,
                            customer_signed,
                            signature_valid,
                            receipt,
                            collected,
                            fees_pending,
                            compensation,
                            credited,
                        })
                    },
                )
                .collect()
        })
        .await
    }

    async fn completed_orders(
        &self,
        office: OfficeId,
        period: Period,
    ) -> Result<Vec<(Option<UserId>, OrderId)>> {
        self.read(move |_, c| {
            let mut stmt = c.prepare_cached(
                "SELECT technician, id FROM orders
                 WHERE office = ?1 AND completed_at >= ?2 AND completed_at < ?3",
            )?;
            let rows = stmt
                .query_map(params![office.to_string(), period.start, period.end], |r| {
                    Ok((r.get::<_, Option<String>>(0)?, r.get::<_, String>(1)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(t, id)| Ok((user(t)?, parse("order id", &id)?)))
                .collect()
        })
        .await
    }

    async fn insert_callback(&self, office: OfficeId, callback: Callback) -> Result<()> {
        self.exec(move |c| save_callback(c, office, &callback))
            .await
    }

    async fn callback(&self, office: OfficeId, id: String) -> Result<Option<Callback>> {
        self.read(move |_, c| load_callback(c, office, &id)).await
    }

    async fn record_callback_task(
        &self,
        office: OfficeId,
        id: String,
        result: CallbackResult,
        by: UserId,
        now: Millis,
        task_days: u32,
    ) -> Result<(Callback, Option<Callback>, Option<OwnerTask>)> {
        self.exec(move |c| {
            let mut cb = load_callback(c, office, &id)?
                .ok_or_else(|| Error::NotFound(format!("call-back {id}")))?;
            let next = cb.record(&result, by, now)?.map(|p| p.into_callback(now));
            let task = result
                .task_owner
                .map(|owner| OwnerTask::open(&cb, owner, task_days, by, now))
                .transpose()?;
            save_callback(c, office, &cb)?;
            if let Some(n) = &next {
                save_callback(c, office, n)?;
            }
            if let Some(t) = &task {
                super::tasks::save_task(c, office, t)?;
            }
            Ok((cb, next, task))
        })
        .await
    }

    async fn callbacks(&self, office: OfficeId, f: CallbackFilter) -> Result<Vec<Callback>> {
        self.read(move |_, c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {CALLBACK_COLUMNS} FROM callbacks
                 WHERE office = ?1 AND (?2 IS NULL OR status = ?2)
                   AND (?3 IS NULL OR order_id = ?3) AND (?4 IS NULL OR sample_id = ?4)
                   AND (?5 IS NULL OR complaint_id = ?5) AND (?6 IS NULL OR programme_id = ?6)
                   AND (?7 IS NULL OR assignee = ?7)
                 ORDER BY planned_at, id"
            ))?;
            let rows = stmt
                .query_map(
                    params![
                        office.to_string(),
                        f.status.map(|s| s.as_str()),
                        f.order.map(|o| o.to_string()),
                        f.sample,
                        f.complaint,
                        f.programme,
                        f.assignee.map(|a| a.to_string())
                    ],
                    callback_row,
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter().map(to_callback).collect()
        })
        .await
    }

    async fn insert_sample(
        &self,
        office: OfficeId,
        s: SampleRecord,
        cancel: Vec<String>,
        callbacks: Vec<Callback>,
    ) -> Result<()> {
        let orders = to_json(&s.orders)?;
        self.exec(move |c| {
            c.execute(
                "INSERT INTO samples (id, office, month, seed, percent, min_per_technician, orders,
                                      created_by, created_at, replaces, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    s.id,
                    office.to_string(),
                    s.month,
                    // Stored as the same 64 bits; read back with the inverse cast.
                    s.seed.cast_signed(),
                    s.percent,
                    s.min_per_technician,
                    orders,
                    s.created_by.to_string(),
                    s.created_at,
                    s.replaces,
                    s.reason,
                ],
            )?;
            for id in &cancel {
                let n = c.execute(
                    "UPDATE callbacks SET status = 'cancelled', recorded_by = ?3, recorded_at = ?4
                     WHERE id = ?1 AND office = ?2 AND status = 'planned'",
                    params![
                        id,
                        office.to_string(),
                        s.created_by.to_string(),
                        s.created_at
                    ],
                )?;
                if n != 1 {
                    return Err(Error::Conflict(format!(
                        "call-back {id} was recorded meanwhile; draw again"
                    )));
                }
            }
            for cb in &callbacks {
                save_callback(c, office, cb)?;
            }
            Ok(())
        })
        .await
    }

    async fn sample(&self, office: OfficeId, id: String) -> Result<Option<SampleRecord>> {
        self.read(move |_, c| {
            Ok(samples_where(
                c,
                "id = ?1 AND office = ?2",
                params![id, office.to_string()],
            )?
            .pop())
        })
        .await
    }

    async fn month_samples(&self, office: OfficeId, month: String) -> Result<Vec<SampleRecord>> {
        self.read(move |_, c| {
            samples_where(
                c,
                "office = ?1 AND month = ?2",
                params![office.to_string(), month],
            )
        })
        .await
    }
}

fn samples_where(
    c: &Connection,
    clause: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<SampleRecord>> {
    type Row = (
        String,
        String,
        i64,
        u32,
        u32,
        String,
        String,
        i64,
        Option<String>,
        Option<String>,
    );
    let mut stmt = c.prepare_cached(&format!(
        "SELECT id, month, seed, percent, min_per_technician, orders, created_by, created_at,
                replaces, reason
         FROM samples WHERE {clause} ORDER BY created_at, id"
    ))?;
    let rows = stmt
        .query_map(args, |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<Row>>>()?;
    rows.into_iter()
        .map(
            |(id, month, seed, percent, min, orders, by, at, replaces, reason)| {
                Ok(SampleRecord {
                    id,
                    month,
                    seed: seed.cast_unsigned(),
                    percent,
                    min_per_technician: min,
                    orders: from_json("sample orders", &orders)?,
                    created_by: parse("user id", &by)?,
                    created_at: at,
                    replaces,
                    reason,
                    strata: Vec::new(),
                })
            },
        )
        .collect()
}
