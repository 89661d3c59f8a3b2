//! Month end (R-MONTH): statistics, call-backs (R-VISIT), spot-check samples and the
//! paid-service register, computed from the projection — which every merge updates in the
//! same transaction as the changes, so a late replica changes the figures by itself.
//!
//! Definitions with worked examples: `docs/statistics.md`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use baoxiu_sync_core::{FeeItem, OfficeId, OrderId, UserId};
use chrono::{Datelike, NaiveDate, TimeZone};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::error::{Error, Result};

/// R-APPOINT: arrival later than appointment + 10 minutes is late.
const GRACE_MS: i64 = 10 * 60 * 1000;
const DAY_MS: i64 = 24 * 3600 * 1000;

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
        let (y, m) = s
            .split_once('-')
            .ok_or_else(|| Error::Invalid(format!("month {s:?} is not YYYY-MM")))?;
        let year: i32 = y
            .parse()
            .map_err(|_| Error::Invalid(format!("month {s:?}")))?;
        let month: u32 = m
            .parse()
            .map_err(|_| Error::Invalid(format!("month {s:?}")))?;
        let first = NaiveDate::from_ymd_opt(year, month, 1)
            .ok_or_else(|| Error::Invalid(format!("month {s:?}")))?;
        let next = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)
        }
        .ok_or_else(|| Error::Invalid(format!("month {s:?}")))?;
        Ok(Month {
            year: first.year(),
            month: first.month(),
            start: local_midnight(tz, first)?,
            end: local_midnight(tz, next)?,
        })
    }
}

/// A ratio kept as integers; `percent` is rounded to two decimals with integer arithmetic.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Rate {
    pub numerator: u64,
    pub denominator: u64,
    /// Hundredths of a percent (9333 = 93.33 %), or null when nothing was counted.
    pub basis_points: Option<u64>,
}

impl Rate {
    pub fn new(numerator: u64, denominator: u64) -> Rate {
        let basis_points =
            (denominator > 0).then(|| (numerator * 10_000 + denominator / 2) / denominator);
        Rate {
            numerator,
            denominator,
            basis_points,
        }
    }

    pub fn percent(&self) -> String {
        match self.basis_points {
            Some(bp) => format!("{}.{:02}%", bp / 100, bp % 100),
            None => "—".into(),
        }
    }
}

/// Knobs of the definitions.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub struct Params {
    /// A new order for the same unit and kind of fault within this many days of completion
    /// is rework: the repair did not pass.
    #[serde(default = "default_rework_days")]
    pub rework_days: i64,
    /// An arrival whose time is uncertain (device never synced its clock) and within this
    /// many minutes of the deadline is listed for review.
    #[serde(default = "default_margin")]
    pub margin_minutes: i64,
}

fn default_rework_days() -> i64 {
    30
}
fn default_margin() -> i64 {
    15
}

impl Default for Params {
    fn default() -> Self {
        Params {
            rework_days: default_rework_days(),
            margin_minutes: default_margin(),
        }
    }
}

/// One technician's month.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct TechnicianStats {
    #[schema(value_type = Option<String>)]
    pub technician: Option<UserId>,
    pub name: String,
    pub on_time: Rate,
    pub completed: u64,
    pub pass: Rate,
    /// Sum and count of call-back satisfaction scores (1–5).
    pub satisfaction: Satisfaction,
    /// Paid work completed, minor units.
    pub paid_total: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Satisfaction {
    pub sum: u64,
    pub count: u64,
    /// Average × 100, rounded (e.g. 467 = 4.67), or null.
    pub average_hundredths: Option<u64>,
}

impl Satisfaction {
    fn new(sum: u64, count: u64) -> Self {
        Satisfaction {
            sum,
            count,
            average_hundredths: (count > 0).then(|| (sum * 100 + count / 2) / count),
        }
    }
}

/// An arrival counted on raw device time whose classification could go either way.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UncertainArrival {
    #[schema(value_type = String)]
    pub order: OrderId,
    pub arrived_at: i64,
    pub deadline: i64,
    pub counted_on_time: bool,
}

/// An office's month.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthStats {
    #[schema(value_type = String)]
    pub office: OfficeId,
    pub month: String,
    pub time_zone: String,
    /// Orders logged in the month.
    pub logged: u64,
    /// R-HANDOVER, over orders logged in the month and received.
    pub handover_on_time: Rate,
    /// R-APPOINT, over arrivals in the month.
    pub on_time: Rate,
    /// Orders completed in the month.
    pub completed: u64,
    /// R-VISIT-CONTENT, over orders completed in the month with a call-back result.
    pub pass: Rate,
    pub satisfaction: Satisfaction,
    /// Paid work completed in the month, minor units.
    pub paid_total: i64,
    pub uncertain_arrivals: Vec<UncertainArrival>,
    pub per_technician: Vec<TechnicianStats>,
    pub params_rework_days: i64,
    pub params_margin_minutes: i64,
}

fn names(c: &Connection, office: OfficeId) -> Result<HashMap<String, String>> {
    let mut stmt = c.prepare_cached("SELECT id, name FROM users WHERE office = ?1")?;
    let rows = stmt
        .query_map([office.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<rusqlite::Result<HashMap<_, _>>>()?;
    Ok(rows)
}

/// Runs a `technician, a, b` aggregate and applies each row to that technician's figures.
fn per_technician(
    c: &Connection,
    per: &mut BTreeMap<Option<String>, TechnicianStats>,
    sql: &str,
    args: &[&dyn rusqlite::ToSql],
    apply: impl Fn(&mut TechnicianStats, i64, i64),
) -> Result<()> {
    let mut stmt = c.prepare_cached(sql)?;
    let rows = stmt.query_map(args, |r| {
        Ok((
            r.get::<_, Option<String>>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    for row in rows {
        let (t, a, b) = row?;
        apply(per.entry(t).or_default(), a, b);
    }
    Ok(())
}

/// The month's statistics for one office.
pub fn office_stats(
    c: &Connection,
    office: OfficeId,
    time_zone: &str,
    month: Month,
    p: Params,
) -> Result<MonthStats> {
    let o = office.to_string();
    let (start, end) = (month.start, month.end);
    let logged: i64 = c.query_row(
        "SELECT count(*) FROM orders WHERE office = ?1 AND logged_at >= ?2 AND logged_at < ?3",
        params![o, start, end],
        |r| r.get(0),
    )?;
    let (h_on, h_all): (i64, i64) = c.query_row(
        "SELECT coalesce(sum(handover_on_time), 0), count(handover_on_time) FROM orders
         WHERE office = ?1 AND logged_at >= ?2 AND logged_at < ?3",
        params![o, start, end],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut per: BTreeMap<Option<String>, TechnicianStats> = BTreeMap::new();
    let window = p.rework_days * DAY_MS;
    let range: [&dyn rusqlite::ToSql; 3] = [&o, &start, &end];
    // R-APPOINT: arrivals in the month.
    per_technician(
        c,
        &mut per,
        "SELECT technician, count(*), coalesce(sum(arrived_on_time), 0) FROM orders
         WHERE office = ?1 AND arrived_at >= ?2 AND arrived_at < ?3 AND appointment IS NOT NULL
         GROUP BY technician",
        &range,
        |e, all, on| e.on_time = Rate::new(on as u64, all as u64),
    )?;
    // Completion, paid total.
    per_technician(
        c,
        &mut per,
        "SELECT technician, count(*), coalesce(sum(CASE WHEN paid = 1 THEN total ELSE 0 END), 0)
         FROM orders WHERE office = ?1 AND completed_at >= ?2 AND completed_at < ?3
         GROUP BY technician",
        &range,
        |e, n, paid| {
            e.completed = n as u64;
            e.paid_total = paid;
        },
    )?;
    // R-VISIT-CONTENT: completed in the month, with a call-back result; pass = the latest
    // result says the repair held and no rework order followed within the window.
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
                   AND r.category IS o.category AND r.id != o.id
                   AND r.logged_at > o.completed_at AND r.logged_at <= o.completed_at + ?4
             ) THEN 1 ELSE 0 END), 0)
         FROM orders o JOIN latest l ON l.order_id = o.id
         WHERE o.office = ?1 AND o.completed_at >= ?2 AND o.completed_at < ?3
         GROUP BY o.technician",
        &[&o, &start, &end, &window],
        |e, all, pass| e.pass = Rate::new(pass as u64, all as u64),
    )?;
    // Satisfaction: call-backs about the work completed in the month.
    per_technician(
        c,
        &mut per,
        "SELECT o.technician, count(cb.satisfaction), coalesce(sum(cb.satisfaction), 0)
         FROM callbacks cb JOIN orders o ON o.id = cb.order_id
         WHERE cb.office = ?1 AND cb.status = 'done'
           AND o.completed_at >= ?2 AND o.completed_at < ?3
         GROUP BY o.technician",
        &range,
        |e, n, sum| e.satisfaction = Satisfaction::new(sum as u64, n as u64),
    )?;
    // Arrivals counted on an unknown clock and close enough to the deadline to flip.
    let mut uncertain = Vec::new();
    {
        let mut stmt = c.prepare_cached(
            "SELECT id, arrived_at, appointment FROM orders
             WHERE office = ?1 AND arrived_at >= ?2 AND arrived_at < ?3 AND arrival_certain = 0
               AND appointment IS NOT NULL AND abs(arrived_at - appointment - ?4) <= ?5
             ORDER BY arrived_at",
        )?;
        let rows = stmt.query_map(
            params![o, start, end, GRACE_MS, p.margin_minutes * 60_000],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            },
        )?;
        for row in rows {
            let (id, at, appt) = row?;
            uncertain.push(UncertainArrival {
                order: id.parse()?,
                arrived_at: at,
                deadline: appt + GRACE_MS,
                counted_on_time: at <= appt + GRACE_MS,
            });
        }
    }
    let names = names(c, office)?;
    let mut total = TechnicianStats::default();
    let mut per_technician = Vec::new();
    for (t, mut s) in per {
        s.technician = t.as_deref().and_then(|t| t.parse().ok());
        s.name = t
            .as_ref()
            .and_then(|t| names.get(t).cloned())
            .unwrap_or_default();
        total.on_time = Rate::new(
            total.on_time.numerator + s.on_time.numerator,
            total.on_time.denominator + s.on_time.denominator,
        );
        total.pass = Rate::new(
            total.pass.numerator + s.pass.numerator,
            total.pass.denominator + s.pass.denominator,
        );
        total.satisfaction = Satisfaction::new(
            total.satisfaction.sum + s.satisfaction.sum,
            total.satisfaction.count + s.satisfaction.count,
        );
        total.completed += s.completed;
        total.paid_total += s.paid_total;
        per_technician.push(s);
    }
    Ok(MonthStats {
        office,
        month: month.to_string(),
        time_zone: time_zone.to_owned(),
        logged: logged as u64,
        handover_on_time: Rate::new(h_on as u64, h_all as u64),
        on_time: total.on_time,
        completed: total.completed,
        pass: total.pass,
        satisfaction: total.satisfaction,
        paid_total: total.paid_total,
        uncertain_arrivals: uncertain,
        per_technician,
        params_rework_days: p.rework_days,
        params_margin_minutes: p.margin_minutes,
    })
}

/// One line of the paid-service register (有償服務登記表).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegisterRow {
    #[schema(value_type = String)]
    pub order: OrderId,
    pub completed_at: i64,
    pub customer: String,
    pub unit: String,
    pub description: String,
    /// `description: materials + labour` per item.
    pub items: String,
    pub materials: i64,
    pub labour: i64,
    pub total: i64,
    #[schema(value_type = Option<String>)]
    pub technician: Option<UserId>,
    pub technician_name: String,
    pub customer_signed: bool,
    pub signature_valid: Option<bool>,
    pub receipt: Option<String>,
    pub collected: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegisterTotal {
    #[schema(value_type = Option<String>)]
    pub technician: Option<UserId>,
    pub name: String,
    pub orders: u64,
    pub materials: i64,
    pub labour: i64,
    pub total: i64,
    pub collected: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Register {
    pub month: String,
    pub currency: String,
    pub rows: Vec<RegisterRow>,
    pub per_technician: Vec<RegisterTotal>,
    pub office_total: RegisterTotal,
}

/// Every paid order completed in the month, with totals per technician and office.
pub fn register(
    c: &Connection,
    office: OfficeId,
    currency: &str,
    month: Month,
) -> Result<Register> {
    let names = names(c, office)?;
    let mut stmt = c.prepare_cached(
        "SELECT id, completed_at, customer_name, unit, description, items, materials, labour,
                total, technician, customer_signed, signature_valid, receipt, collected
         FROM orders WHERE office = ?1 AND paid = 1 AND completed_at >= ?2 AND completed_at < ?3
         ORDER BY completed_at, id",
    )?;
    let rows = stmt.query_map(params![office.to_string(), month.start, month.end], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            (
                r.get::<_, i64>(6)?,
                r.get::<_, i64>(7)?,
                r.get::<_, i64>(8)?,
            ),
            r.get::<_, Option<String>>(9)?,
            r.get::<_, bool>(10)?,
            r.get::<_, Option<bool>>(11)?,
            r.get::<_, Option<String>>(12)?,
            r.get::<_, Option<i64>>(13)?,
        ))
    })?;
    let mut out = Vec::new();
    let mut per: BTreeMap<Option<String>, RegisterTotal> = BTreeMap::new();
    let blank = |t: Option<UserId>, name: String| RegisterTotal {
        technician: t,
        name,
        orders: 0,
        materials: 0,
        labour: 0,
        total: 0,
        collected: 0,
    };
    let mut office_total = blank(None, String::new());
    for row in rows {
        let (
            id,
            completed_at,
            customer,
            unit,
            description,
            items,
            (materials, labour, total),
            tech,
            signed,
            valid,
            receipt,
            collected,
        ) = row?;
        let items: Vec<FeeItem> = serde_json::from_str(&items).unwrap_or_default();
        let items = items
            .iter()
            .map(|i| format!("{}: {} + {}", i.description, i.materials, i.labour))
            .collect::<Vec<_>>()
            .join("; ");
        let name = tech
            .as_ref()
            .and_then(|t| names.get(t).cloned())
            .unwrap_or_default();
        let t_id: Option<UserId> = tech.as_deref().and_then(|t| t.parse().ok());
        for acc in [
            per.entry(tech.clone())
                .or_insert_with(|| blank(t_id, name.clone())),
            &mut office_total,
        ] {
            acc.orders += 1;
            acc.materials += materials;
            acc.labour += labour;
            acc.total += total;
            acc.collected += collected.unwrap_or(0);
        }
        out.push(RegisterRow {
            order: id.parse()?,
            completed_at,
            customer,
            unit,
            description,
            items,
            materials,
            labour,
            total,
            technician: t_id,
            technician_name: name,
            customer_signed: signed,
            signature_valid: valid,
            receipt,
            collected,
        });
    }
    Ok(Register {
        month: month.to_string(),
        currency: currency.to_owned(),
        rows: out,
        per_technician: per.into_values().collect(),
        office_total,
    })
}

// ---- Call-backs (R-VISIT) ----

/// How a call-back is made.
pub const METHODS: &[&str] = &["phone", "on_site", "online_survey"];

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Callback {
    pub id: String,
    #[schema(value_type = String)]
    pub order: OrderId,
    pub method: String,
    pub planned_at: i64,
    #[schema(value_type = Option<String>)]
    pub assignee: Option<UserId>,
    pub content: String,
    /// planned | done | failed
    pub status: String,
    pub reached: Option<bool>,
    pub satisfaction: Option<i64>,
    /// pass | fail
    pub repair_held: Option<String>,
    pub problems: String,
    /// Who must act on the problems found (R-VISIT-OWNER).
    pub responsible: Option<String>,
    pub fallback_method: Option<String>,
    pub sample: Option<String>,
    #[schema(value_type = Option<String>)]
    pub recorded_by: Option<UserId>,
    pub recorded_at: Option<i64>,
}

/// What is recorded when a call-back is made.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CallbackResult {
    pub reached: bool,
    pub satisfaction: Option<i64>,
    pub repair_held: Option<String>,
    #[serde(default)]
    pub problems: String,
    pub responsible: Option<String>,
    #[serde(default)]
    pub content: String,
    /// When the customer was not reached: try again this way (R-VISIT).
    pub fallback_method: Option<String>,
    /// When to try the fallback (UTC ms); default a day later.
    pub fallback_at: Option<i64>,
}

pub fn check_method(m: &str) -> Result<()> {
    if METHODS.contains(&m) {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "unknown call-back method {m:?} (phone, on_site, online_survey)"
        )))
    }
}

fn callback_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Callback> {
    let order: String = r.get(1)?;
    let assignee: Option<String> = r.get(4)?;
    let recorded_by: Option<String> = r.get(15)?;
    Ok(Callback {
        id: r.get(0)?,
        order: order.parse().unwrap_or_default(),
        method: r.get(2)?,
        planned_at: r.get(3)?,
        assignee: assignee.and_then(|a| a.parse().ok()),
        content: r.get(5)?,
        status: r.get(6)?,
        reached: r.get(7)?,
        satisfaction: r.get(8)?,
        repair_held: r.get(9)?,
        problems: r.get(10)?,
        responsible: r.get(11)?,
        fallback_method: r.get(12)?,
        sample: r.get(13)?,
        recorded_by: recorded_by.and_then(|a| a.parse().ok()),
        recorded_at: r.get(16)?,
    })
}

const CALLBACK_COLUMNS: &str = "id, order_id, method, planned_at, assignee, content, status, reached, satisfaction,
     repair_held, problems, responsible, fallback_method, sample_id, created_at, recorded_by, recorded_at";

/// A call-back to plan.
#[derive(Debug, Clone)]
pub struct NewCallback<'a> {
    pub order: OrderId,
    pub method: &'a str,
    pub planned_at: i64,
    pub assignee: Option<UserId>,
    pub content: &'a str,
    pub sample: Option<&'a str>,
}

pub fn plan_callback(c: &Connection, office: OfficeId, n: NewCallback<'_>) -> Result<Callback> {
    let NewCallback {
        order,
        method,
        planned_at,
        assignee,
        content,
        sample,
    } = n;
    check_method(method)?;
    let id = uuid::Uuid::now_v7().to_string();
    c.execute(
        "INSERT INTO callbacks (id, office, order_id, method, planned_at, assignee, content, status,
                                sample_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'planned', ?8, ?9)",
        params![
            id,
            office.to_string(),
            order.to_string(),
            method,
            planned_at,
            assignee.map(|a| a.to_string()),
            content,
            sample,
            chrono::Utc::now().timestamp_millis(),
        ],
    )?;
    get_callback(c, office, &id)?.ok_or_else(|| Error::Internal("call-back vanished".into()))
}

pub fn get_callback(c: &Connection, office: OfficeId, id: &str) -> Result<Option<Callback>> {
    Ok(c.query_row(
        &format!("SELECT {CALLBACK_COLUMNS} FROM callbacks WHERE id = ?1 AND office = ?2"),
        params![id, office.to_string()],
        callback_from_row,
    )
    .optional()?)
}

/// Records a call-back's result; if the customer was not reached and a fallback method is
/// given, plans the next attempt that way.
pub fn record_callback(
    c: &Connection,
    office: OfficeId,
    id: &str,
    by: UserId,
    now: i64,
    r: &CallbackResult,
) -> Result<(Callback, Option<Callback>)> {
    let cb =
        get_callback(c, office, id)?.ok_or_else(|| Error::NotFound(format!("call-back {id}")))?;
    if cb.status != "planned" {
        return Err(Error::Conflict(format!(
            "call-back {id} is already {}",
            cb.status
        )));
    }
    if let Some(s) = r.satisfaction
        && !(1..=5).contains(&s)
    {
        return Err(Error::Invalid("satisfaction is 1 to 5".into()));
    }
    if let Some(h) = &r.repair_held
        && h != "pass"
        && h != "fail"
    {
        return Err(Error::Invalid("repair_held is pass or fail".into()));
    }
    if r.reached && r.satisfaction.is_none() && r.repair_held.is_none() {
        return Err(Error::Invalid(
            "a reached customer's call-back records satisfaction or whether the repair held".into(),
        ));
    }
    if let Some(m) = &r.fallback_method {
        check_method(m)?;
    }
    let status = if r.reached { "done" } else { "failed" };
    c.execute(
        "UPDATE callbacks SET status = ?3, reached = ?4, satisfaction = ?5, repair_held = ?6,
             problems = ?7, responsible = ?8, fallback_method = ?9, recorded_by = ?10,
             recorded_at = ?11, content = CASE WHEN ?12 = '' THEN content ELSE ?12 END
         WHERE id = ?1 AND office = ?2",
        params![
            id,
            office.to_string(),
            status,
            r.reached,
            r.satisfaction.filter(|_| r.reached),
            r.repair_held.as_ref().filter(|_| r.reached),
            r.problems,
            r.responsible,
            r.fallback_method,
            by.to_string(),
            now,
            r.content,
        ],
    )?;
    let next = match (&r.fallback_method, r.reached) {
        (Some(m), false) => Some(plan_callback(
            c,
            office,
            NewCallback {
                order: cb.order,
                method: m,
                planned_at: r.fallback_at.unwrap_or(now + DAY_MS),
                assignee: cb.assignee,
                content: &cb.content,
                sample: cb.sample.as_deref(),
            },
        )?),
        _ => None,
    };
    let done =
        get_callback(c, office, id)?.ok_or_else(|| Error::Internal("call-back vanished".into()))?;
    Ok((done, next))
}

pub fn list_callbacks(
    c: &Connection,
    office: OfficeId,
    status: Option<&str>,
    order: Option<OrderId>,
    sample: Option<&str>,
) -> Result<Vec<Callback>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {CALLBACK_COLUMNS} FROM callbacks
         WHERE office = ?1 AND (?2 IS NULL OR status = ?2) AND (?3 IS NULL OR order_id = ?3)
           AND (?4 IS NULL OR sample_id = ?4)
         ORDER BY planned_at, id"
    ))?;
    let rows = stmt
        .query_map(
            params![
                office.to_string(),
                status,
                order.map(|o| o.to_string()),
                sample
            ],
            callback_from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

// ---- Spot-check samples (抽查回訪) ----

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SampleParams {
    /// Percent of each technician's completed orders.
    #[serde(default = "default_percent")]
    pub percent: u32,
    /// At least this many per technician (or all they completed, if fewer).
    #[serde(default = "default_min")]
    pub min_per_technician: u32,
    /// Any number; the same seed and parameters draw the same sample.
    pub seed: Option<u64>,
}

fn default_percent() -> u32 {
    10
}
fn default_min() -> u32 {
    1
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Sample {
    pub id: String,
    pub month: String,
    pub seed: u64,
    pub percent: u32,
    pub min_per_technician: u32,
    #[schema(value_type = Vec<String>)]
    pub orders: Vec<OrderId>,
    /// Per technician: how many they completed and how many were drawn.
    pub strata: Vec<Stratum>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Stratum {
    #[schema(value_type = Option<String>)]
    pub technician: Option<UserId>,
    pub completed: u64,
    pub drawn: u64,
}

/// Draws the sample: per technician, the orders completed in the month ranked by
/// SHA-256(seed ‖ order id), taking max(min, ⌈percent × n / 100⌉) of them. Pure in the
/// data and the seed, so anyone can re-draw it.
pub fn draw(
    c: &Connection,
    office: OfficeId,
    month: Month,
    percent: u32,
    min: u32,
    seed: u64,
) -> Result<(Vec<OrderId>, Vec<Stratum>)> {
    if percent > 100 {
        return Err(Error::Invalid("percent is 0 to 100".into()));
    }
    let mut stmt = c.prepare_cached(
        "SELECT technician, id FROM orders WHERE office = ?1 AND completed_at >= ?2 AND completed_at < ?3",
    )?;
    let mut by_tech: BTreeMap<Option<String>, Vec<String>> = BTreeMap::new();
    for row in stmt.query_map(params![office.to_string(), month.start, month.end], |r| {
        Ok((r.get::<_, Option<String>>(0)?, r.get::<_, String>(1)?))
    })? {
        let (t, id) = row?;
        by_tech.entry(t).or_default().push(id);
    }
    let mut orders = Vec::new();
    let mut strata = Vec::new();
    for (t, mut ids) in by_tech {
        let n = ids.len() as u64;
        let want = (n * u64::from(percent))
            .div_ceil(100)
            .max(u64::from(min))
            .min(n);
        ids.sort_by_cached_key(|id| {
            let mut h = Sha256::new();
            h.update(seed.to_be_bytes());
            h.update(id.as_bytes());
            h.finalize()
        });
        for id in ids.iter().take(want as usize) {
            orders.push(id.parse()?);
        }
        strata.push(Stratum {
            technician: t.and_then(|t| t.parse().ok()),
            completed: n,
            drawn: want,
        });
    }
    Ok((orders, strata))
}

/// Draws and records a sample, and plans a phone call-back for every order in it.
pub fn create_sample(
    c: &Connection,
    office: OfficeId,
    month: Month,
    p: &SampleParams,
    by: UserId,
    now: i64,
) -> Result<Sample> {
    let seed = p.seed.unwrap_or_else(|| {
        u64::from_be_bytes(
            uuid::Uuid::now_v7().as_bytes()[8..]
                .try_into()
                .unwrap_or([0; 8]),
        )
    });
    let (orders, strata) = draw(c, office, month, p.percent, p.min_per_technician, seed)?;
    let id = uuid::Uuid::now_v7().to_string();
    c.execute(
        "INSERT INTO samples (id, office, month, seed, percent, min_per_technician, orders, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            id,
            office.to_string(),
            month.to_string(),
            seed as i64,
            p.percent,
            p.min_per_technician,
            serde_json::to_string(&orders).unwrap_or_else(|_| "[]".into()),
            by.to_string(),
            now,
        ],
    )?;
    for o in &orders {
        plan_callback(
            c,
            office,
            NewCallback {
                order: *o,
                method: "phone",
                planned_at: now + DAY_MS,
                assignee: Some(by),
                content: "抽查回訪：滿意度與維修是否合格",
                sample: Some(&id),
            },
        )?;
    }
    Ok(Sample {
        id,
        month: month.to_string(),
        seed,
        percent: p.percent,
        min_per_technician: p.min_per_technician,
        orders,
        strata,
    })
}

pub fn get_sample(c: &Connection, office: OfficeId, id: &str) -> Result<Option<Sample>> {
    let row: Option<(String, i64, u32, u32, String)> = c
        .query_row(
            "SELECT month, seed, percent, min_per_technician, orders FROM samples WHERE id = ?1 AND office = ?2",
            params![id, office.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    Ok(row.map(|(month, seed, percent, min, orders)| Sample {
        id: id.to_owned(),
        month,
        seed: seed as u64,
        percent,
        min_per_technician: min,
        orders: serde_json::from_str(&orders).unwrap_or_default(),
        strata: Vec::new(),
    }))
}
