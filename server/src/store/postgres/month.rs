//! Month end on PostgreSQL: the same counts as SQLite's (`sqlite/month.rs`, whose
//! comments give each rule), in PostgreSQL's SQL; the register's lines, call-backs and
//! samples. Recording a call-back reads it `FOR UPDATE`.

use std::collections::{BTreeMap, HashMap};

use super::sql::Sql;
use async_trait::async_trait;
use baoxiu_sync_core::callback::{Callback, CallbackResult};
use baoxiu_sync_core::task::OwnerTask;
use baoxiu_sync_core::{Millis, OfficeId, OrderId, UserId};
use postgres::types::ToSql;

use super::PgStore;
use crate::error::{Error, Result};
use crate::store::decode::{
    CALLBACK_COLUMNS, CallbackRow, from_json, parse, score_columns, to_callback, to_json, user,
};
use crate::store::{
    CallbackFilter, CountParams, MonthCounts, MonthStore, Period, RegisterLine, SampleRecord,
    TechnicianCounts, UncertainArrival,
};

/// An order's total as summed into a month is clamped, as on SQLite.
const CLAMP: i64 = baoxiu_sync_core::rules::MAX_AMOUNT;

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Runs a `technician, a, b[, c]` aggregate and applies each row to that technician.
fn per_technician(
    c: &mut impl Sql,
    per: &mut BTreeMap<Option<String>, TechnicianCounts>,
    sql: &str,
    args: &[&(dyn ToSql + Sync)],
    apply: impl Fn(&mut TechnicianCounts, i64, i64, i64),
) -> Result<()> {
    for r in c.query(sql, args)? {
        let third = if r.len() > 3 { r.try_get(3)? } else { 0 };
        apply(
            per.entry(r.try_get(0)?).or_default(),
            r.try_get(1)?,
            r.try_get(2)?,
            third,
        );
    }
    Ok(())
}

/// A small repair: the manager's classification, else the total against the limit.
const SMALL: &str = "coalesce(small_override, CASE WHEN total <= $4 THEN 1 ELSE 0 END) = 1";

fn office_counts(
    c: &mut impl Sql,
    office: OfficeId,
    period: Period,
    p: CountParams,
) -> Result<MonthCounts> {
    let o = office.to_string();
    let (start, end) = (period.start, period.end);
    let logged: i64 = c
        .query_one(
            "SELECT count(*) FROM orders WHERE office = $1 AND logged_at >= $2 AND logged_at < $3",
            &[&o, &start, &end],
        )?
        .try_get(0)?;
    let never = "received_at IS NULL AND status != 'cancelled' AND logged_at + $4 < $5";
    let h = c.query_one(
        &format!(
            "SELECT count(*) FILTER (WHERE handover_on_time = 1),
                    count(handover_on_time) + count(*) FILTER (WHERE {never}),
                    count(*) FILTER (WHERE {never})
             FROM orders WHERE office = $1 AND logged_at >= $2 AND logged_at < $3"
        ),
        &[&o, &start, &end, &p.handover_limit_ms, &p.now],
    )?;
    let (h_on, h_all, h_never): (i64, i64, i64) = (h.try_get(0)?, h.try_get(1)?, h.try_get(2)?);
    let waits: Vec<i64> = c
        .query(
            "SELECT received_at - logged_at FROM orders
             WHERE office = $1 AND logged_at >= $2 AND logged_at < $3
               AND received_at IS NOT NULL
             ORDER BY 1",
            &[&o, &start, &end],
        )?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    let handover_median_ms = waits.get(waits.len().saturating_sub(1) / 2).copied();
    let handover_longest_ms = waits.last().copied();
    let mut per: BTreeMap<Option<String>, TechnicianCounts> = BTreeMap::new();
    per_technician(
        c,
        &mut per,
        &format!(
            "SELECT coalesce(first_technician, technician), count(*),
                 count(*) FILTER (WHERE arrived_on_time = 1),
                 count(*) FILTER (WHERE arrived_at IS NULL)
             FROM orders
             WHERE office = $1 AND appointment >= $2 AND appointment < $3
               AND status != 'cancelled' AND {SMALL}
               AND (arrived_at IS NOT NULL OR appointment + $5 < $6)
             GROUP BY 1"
        ),
        &[&o, &start, &end, &p.small_max_total, &p.grace_ms, &p.now],
        |e, all, on, no_show| {
            e.arrivals = count(all);
            e.on_time = count(on);
            e.no_shows = count(no_show);
        },
    )?;
    per_technician(
        c,
        &mut per,
        "SELECT technician, count(*),
             CAST(coalesce(sum(CASE WHEN paid = 1 THEN LEAST(GREATEST(total, 0), $4)
                                    ELSE 0 END), 0) AS BIGINT),
             CAST(coalesce(sum(LEAST(GREATEST(compensation, 0), $4)), 0) AS BIGINT)
         FROM orders WHERE office = $1 AND completed_at >= $2 AND completed_at < $3
         GROUP BY technician",
        &[&o, &start, &end, &CLAMP],
        |e, n, paid, compensation| {
            e.completed = count(n);
            e.paid_total = paid;
            e.compensation = compensation;
        },
    )?;
    per_technician(
        c,
        &mut per,
        "WITH latest AS (
             SELECT DISTINCT ON (order_id) order_id, repair_held FROM callbacks
             WHERE office = $1 AND status = 'done' AND repair_held IS NOT NULL
             ORDER BY order_id, recorded_at DESC, id DESC
         )
         SELECT o.technician, count(*),
             count(*) FILTER (WHERE l.repair_held = 'pass' AND NOT EXISTS (
                 SELECT 1 FROM orders r WHERE r.office = o.office AND r.unit = o.unit
                   AND r.category = o.category AND r.status != 'cancelled'
                   AND r.id != o.id
                   AND r.logged_at > o.completed_at AND r.logged_at <= o.completed_at + $4
             ))
         FROM orders o JOIN latest l ON l.order_id = o.id
         WHERE o.office = $1 AND o.completed_at >= $2 AND o.completed_at < $3
           AND coalesce(o.small_override, CASE WHEN o.total <= $5 THEN 1 ELSE 0 END) = 1
         GROUP BY o.technician",
        &[&o, &start, &end, &p.rework_ms, &p.small_max_total],
        |e, all, pass, _| {
            e.called_back = count(all);
            e.passed = count(pass);
        },
    )?;
    // R-MONTH satisfaction: the latest scored call-back of each order completed in the
    // month; and (S5 8) the quality dimensions scored on those same call-backs, beside it.
    let rows = c.query(
        "SELECT o.technician, count(*), CAST(coalesce(sum(cb.satisfaction), 0) AS BIGINT),
             count(*) FILTER (WHERE cb.satisfaction >= $4),
             CAST(coalesce(sum(cb.score_reliability), 0) AS BIGINT), count(cb.score_reliability),
             CAST(coalesce(sum(cb.score_tangibles), 0) AS BIGINT), count(cb.score_tangibles),
             CAST(coalesce(sum(cb.score_responsiveness), 0) AS BIGINT),
             count(cb.score_responsiveness),
             CAST(coalesce(sum(cb.score_empathy), 0) AS BIGINT), count(cb.score_empathy),
             CAST(coalesce(sum(cb.score_professionalism), 0) AS BIGINT),
             count(cb.score_professionalism)
         FROM orders o
         JOIN callbacks cb ON cb.id = (
             SELECT c2.id FROM callbacks c2
             WHERE c2.order_id = o.id AND c2.status = 'done' AND c2.satisfaction IS NOT NULL
             ORDER BY c2.recorded_at DESC, c2.id DESC LIMIT 1
         )
         WHERE o.office = $1 AND o.completed_at >= $2 AND o.completed_at < $3
         GROUP BY o.technician",
        &[&o, &start, &end, &p.satisfied_score],
    )?;
    for r in rows {
        let e = per.entry(r.try_get(0)?).or_default();
        e.satisfaction_count = count(r.try_get(1)?);
        e.satisfaction_sum = count(r.try_get(2)?);
        e.satisfied = count(r.try_get(3)?);
        for i in 0..5 {
            e.dimensions.sums[i] = count(r.try_get(4 + 2 * i)?);
            e.dimensions.counts[i] = count(r.try_get(5 + 2 * i)?);
        }
    }
    let uncertain = c
        .query(
            "SELECT id, arrived_at, appointment FROM orders
             WHERE office = $1 AND arrived_at >= $2 AND arrived_at < $3 AND arrival_certain = 0
               AND appointment IS NOT NULL AND abs(arrived_at - appointment - $4) <= $5
             ORDER BY arrived_at",
            &[&o, &start, &end, &p.grace_ms, &p.margin_ms],
        )?
        .iter()
        .map(|r| {
            Ok(UncertainArrival {
                order: parse("order id", &r.try_get::<_, String>(0)?)?,
                arrived_at: r.try_get(1)?,
                appointment: r.try_get(2)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let per_technician = per
        .into_iter()
        .map(|(t, mut counts)| {
            counts.technician = user(t)?;
            Ok(counts)
        })
        .collect::<Result<Vec<_>>>()?;
    let mut names = HashMap::new();
    for r in c.query("SELECT id, name FROM users WHERE office = $1", &[&o])? {
        names.insert(
            parse("user id", &r.try_get::<_, String>(0)?)?,
            r.try_get(1)?,
        );
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

fn callback_row(r: &postgres::Row) -> Result<CallbackRow> {
    let flag =
        |i: usize| -> Result<Option<bool>> { Ok(r.try_get::<_, Option<i64>>(i)?.map(|v| v == 1)) };
    Ok((
        (
            r.try_get(0)?,
            r.try_get(1)?,
            r.try_get(2)?,
            r.try_get(3)?,
            r.try_get(4)?,
            r.try_get(5)?,
            r.try_get(6)?,
        ),
        (
            flag(7)?,
            r.try_get(8)?,
            r.try_get(9)?,
            r.try_get(10)?,
            r.try_get(11)?,
        ),
        (
            r.try_get(12)?,
            r.try_get(13)?,
            r.try_get(14)?,
            r.try_get(15)?,
            r.try_get(16)?,
        ),
        r.try_get(17)?,
        (
            r.try_get(18)?,
            [
                r.try_get(19)?,
                r.try_get(20)?,
                r.try_get(21)?,
                r.try_get(22)?,
                r.try_get(23)?,
            ],
            r.try_get(24)?,
        ),
    ))
}

fn load_callback(
    c: &mut impl Sql,
    office: OfficeId,
    id: &str,
    lock: bool,
) -> Result<Option<Callback>> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    c.query_opt(
        &format!("SELECT {CALLBACK_COLUMNS} FROM callbacks WHERE id = $1 AND office = $2{lock}"),
        &[&id, &office.to_string()],
    )?
    .map(|r| to_callback(callback_row(&r)?))
    .transpose()
}

fn save_callback(c: &mut impl Sql, office: OfficeId, cb: &Callback) -> Result<()> {
    let sc = score_columns(&cb.scores);
    let answers = to_json(&cb.answers)?;
    c.execute(
        "INSERT INTO callbacks (id, office, order_id, method, planned_at, assignee, content,
             status, reached, satisfaction, repair_held, problems, responsible, fallback_method,
             sample_id, recorded_by, recorded_at, created_at, complaint_id, programme_id,
             score_reliability, score_tangibles, score_responsiveness, score_empathy,
             score_professionalism, answers)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
             $19, $20, $21, $22, $23, $24, $25, $26)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, reached = excluded.reached,
             satisfaction = excluded.satisfaction, repair_held = excluded.repair_held,
             problems = excluded.problems, responsible = excluded.responsible,
             fallback_method = excluded.fallback_method, recorded_by = excluded.recorded_by,
             recorded_at = excluded.recorded_at, content = excluded.content,
             score_reliability = excluded.score_reliability,
             score_tangibles = excluded.score_tangibles,
             score_responsiveness = excluded.score_responsiveness,
             score_empathy = excluded.score_empathy,
             score_professionalism = excluded.score_professionalism, answers = excluded.answers",
        &[
            &cb.id,
            &office.to_string(),
            &cb.order.map(|o| o.to_string()),
            &cb.method.as_str(),
            &cb.planned_at,
            &cb.assignee.map(|a| a.to_string()),
            &cb.content,
            &cb.status.as_str(),
            &cb.reached.map(i64::from),
            &cb.satisfaction.map(i64::from),
            &cb.repair_held.map(|h| h.as_str()),
            &cb.problems,
            &cb.responsible,
            &cb.fallback_method.map(|m| m.as_str()),
            &cb.sample,
            &cb.recorded_by.map(|a| a.to_string()),
            &cb.recorded_at,
            &cb.created_at,
            &cb.complaint,
            &cb.programme,
            &sc[0],
            &sc[1],
            &sc[2],
            &sc[3],
            &sc[4],
            &answers,
        ],
    )?;
    Ok(())
}

#[async_trait]
impl MonthStore for PgStore {
    async fn month_counts(
        &self,
        months: Vec<(OfficeId, Period)>,
        params: CountParams,
    ) -> Result<Vec<MonthCounts>> {
        self.with(move |c| {
            // One snapshot for every office asked about.
            let mut tx = c.snapshot()?;
            months
                .iter()
                .map(|(office, period)| office_counts(&mut tx, *office, *period, params))
                .collect::<Result<Vec<_>>>()
        })
        .await
    }

    async fn register_lines(&self, office: OfficeId, period: Period) -> Result<Vec<RegisterLine>> {
        self.with(move |c| {
            c.query(
                "SELECT id, completed_at, customer_name, unit, description, items, materials,
                        labour, total, technician, customer_signed, signature_valid, receipt,
                        collected, fees_pending, compensation, credited
                 FROM orders
                 WHERE office = $1 AND paid = 1 AND completed_at >= $2 AND completed_at < $3
                 ORDER BY completed_at, id COLLATE \"C\"",
                &[&office.to_string(), &period.start, &period.end],
            )?
            .iter()
            .map(|r| {
                Ok(RegisterLine {
                    order: parse("order id", &r.try_get::<_, String>(0)?)?,
                    completed_at: r.try_get(1)?,
                    customer: r.try_get(2)?,
                    unit: r.try_get(3)?,
                    description: r.try_get(4)?,
                    items: from_json("fee items", &r.try_get::<_, String>(5)?)?,
                    materials: r.try_get(6)?,
                    labour: r.try_get(7)?,
                    total: r.try_get(8)?,
                    technician: user(r.try_get(9)?)?,
                    customer_signed: r.try_get::<_, i64>(10)? == 1,
                    signature_valid: r.try_get::<_, Option<i64>>(11)?.map(|v| v == 1),
                    receipt: r.try_get(12)?,
                    collected: r.try_get(13)?,
                    fees_pending: r.try_get::<_, i64>(14)? == 1,
                    compensation: r.try_get(15)?,
                    credited: r.try_get(16)?,
                })
            })
            .collect()
        })
        .await
    }

    async fn completed_orders(
        &self,
        office: OfficeId,
        period: Period,
    ) -> Result<Vec<(Option<UserId>, OrderId)>> {
        self.with(move |c| {
            c.query(
                "SELECT technician, id FROM orders
                 WHERE office = $1 AND completed_at >= $2 AND completed_at < $3",
                &[&office.to_string(), &period.start, &period.end],
            )?
            .iter()
            .map(|r| {
                Ok((
                    user(r.try_get(0)?)?,
                    parse("order id", &r.try_get::<_, String>(1)?)?,
                ))
            })
            .collect()
        })
        .await
    }

    async fn insert_callback(&self, office: OfficeId, callback: Callback) -> Result<()> {
        self.tx(move |tx| save_callback(tx, office, &callback))
            .await
    }

    async fn callback(&self, office: OfficeId, id: String) -> Result<Option<Callback>> {
        self.with(move |c| load_callback(c, office, &id, false))
            .await
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
        self.tx(move |tx| {
            let mut cb = load_callback(tx, office, &id, true)?
                .ok_or_else(|| Error::NotFound(format!("call-back {id}")))?;
            let next = cb.record(&result, by, now)?.map(|p| p.into_callback(now));
            let task = result
                .task_owner
                .map(|owner| OwnerTask::open(&cb, owner, task_days, by, now))
                .transpose()?;
            save_callback(tx, office, &cb)?;
            if let Some(n) = &next {
                save_callback(tx, office, n)?;
            }
            if let Some(t) = &task {
                super::tasks::save_task(tx, office, t)?;
            }
            Ok((cb, next, task))
        })
        .await
    }

    async fn callbacks(&self, office: OfficeId, f: CallbackFilter) -> Result<Vec<Callback>> {
        self.with(move |c| {
            c.query(
                &format!(
                    "SELECT {CALLBACK_COLUMNS} FROM callbacks
                     WHERE office = $1 AND ($2::text IS NULL OR status = $2)
                       AND ($3::text IS NULL OR order_id = $3)
                       AND ($4::text IS NULL OR sample_id = $4)
                       AND ($5::text IS NULL OR complaint_id = $5)
                       AND ($6::text IS NULL OR programme_id = $6)
                       AND ($7::text IS NULL OR assignee = $7)
                     ORDER BY planned_at, id COLLATE \"C\""
                ),
                &[
                    &office.to_string(),
                    &f.status.map(|s| s.as_str()),
                    &f.order.map(|o| o.to_string()),
                    &f.sample,
                    &f.complaint,
                    &f.programme,
                    &f.assignee.map(|a| a.to_string()),
                ],
            )?
            .iter()
            .map(|r| to_callback(callback_row(r)?))
            .collect()
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
        self.tx(move |tx| {
            tx.execute(
                "INSERT INTO samples (id, office, month, seed, percent, min_per_technician, orders,
                                      created_by, created_at, replaces, reason)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                &[
                    &s.id,
                    &office.to_string(),
                    &s.month,
                    // Stored as the same 64 bits; read back with the inverse cast.
                    &s.seed.cast_signed(),
                    &i64::from(s.percent),
                    &i64::from(s.min_per_technician),
                    &orders,
                    &s.created_by.to_string(),
                    &s.created_at,
                    &s.replaces,
                    &s.reason,
                ],
            )?;
            for id in &cancel {
                let n = tx.execute(
                    "UPDATE callbacks SET status = 'cancelled', recorded_by = $3, recorded_at = $4
                     WHERE id = $1 AND office = $2 AND status = 'planned'",
                    &[
                        id,
                        &office.to_string(),
                        &s.created_by.to_string(),
                        &s.created_at,
                    ],
                )?;
                if n != 1 {
                    return Err(Error::Conflict(format!(
                        "call-back {id} was recorded meanwhile; draw again"
                    )));
                }
            }
            for cb in &callbacks {
                save_callback(tx, office, cb)?;
            }
            Ok(())
        })
        .await
    }

    async fn sample(&self, office: OfficeId, id: String) -> Result<Option<SampleRecord>> {
        self.with(move |c| {
            Ok(samples_where(c, "id = $1 AND office = $2", &[&id, &office.to_string()])?.pop())
        })
        .await
    }

    async fn month_samples(&self, office: OfficeId, month: String) -> Result<Vec<SampleRecord>> {
        self.with(move |c| {
            samples_where(
                c,
                "office = $1 AND month = $2",
                &[&office.to_string(), &month],
            )
        })
        .await
    }
}

fn samples_where(
    c: &mut impl Sql,
    clause: &str,
    args: &[&(dyn ToSql + Sync)],
) -> Result<Vec<SampleRecord>> {
    let rows = c.query(
        &format!(
            "SELECT id, month, seed, percent, min_per_technician, orders, created_by, created_at,
                    replaces, reason
             FROM samples WHERE {clause} ORDER BY created_at, id"
        ),
        args,
    )?;
    rows.iter()
        .map(|r| {
            let small = |i: usize| -> Result<u32> {
                let v: i64 = r.try_get(i)?;
                u32::try_from(v).map_err(|_| Error::Corrupt(format!("sample number {v}")))
            };
            Ok(SampleRecord {
                id: r.try_get(0)?,
                month: r.try_get(1)?,
                seed: r.try_get::<_, i64>(2)?.cast_unsigned(),
                percent: small(3)?,
                min_per_technician: small(4)?,
                orders: from_json("sample orders", &r.try_get::<_, String>(5)?)?,
                created_by: parse("user id", &r.try_get::<_, String>(6)?)?,
                created_at: r.try_get(7)?,
                replaces: r.try_get(8)?,
                reason: r.try_get(9)?,
                strata: Vec::new(),
            })
        })
        .collect()
}
