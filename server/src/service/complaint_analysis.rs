//! R-CPL-REPORT (第二十條): the periodic complaint analysis report to management — the trend
//! month by month, categories, channels and root causes over the period, how the deadlines
//! were kept, the evaluations, and what is still open today. Each month is the service-quality
//! report's month (`quality`), so the two never disagree.

use std::collections::BTreeMap;

use baoxiu_sync_core::calendar::OfficeCalendar;
use baoxiu_sync_core::complaint::Complaint;
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use baoxiu_sync_core::OfficeId;

use super::complaints::{QualityReport, quality};
use super::month::{self as month_svc, Month, MonthStats, Params, Rate};
use crate::error::{Error, Result};
use crate::store::Store;

/// The longest period one report covers.
pub const MAX_MONTHS: i64 = 24;

/// One office's report over `count` months from `from` (`YYYY-MM` in its zone), each month
/// under the office's own settings, with what is open at `now`.
pub async fn office_analysis(
    store: &dyn Store,
    office: OfficeId,
    from: &str,
    count: i64,
    now: i64,
) -> Result<Analysis> {
    let o = month_svc::office_or_404(store, office).await?;
    Month::parse(from, &o.time_zone)?;
    if !(1..=MAX_MONTHS).contains(&count) {
        return Err(Error::Invalid(format!("months is 1 to {MAX_MONTHS}")));
    }
    let params = Params {
        now,
        ..store.settings(office).await?.into()
    };
    let mut months = Vec::new();
    for m in Month::span(from, count, &o.time_zone)? {
        let stats = month_svc::office_stats(store, office, &m.to_string(), params).await?;
        months.push((m, stats));
    }
    let cal = store.calendar(office).await?;
    let today = cal
        .day_of(now)
        .ok_or_else(|| Error::Internal("the clock is out of range".into()))?;
    Ok(analysis(
        &store.complaints(office).await?,
        &months,
        &cal,
        today,
    ))
}

/// One month of the trend.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrendRow {
    pub month: String,
    pub received: u64,
    /// 抱怨率: accepted complaints about the office's service per completed order.
    pub complaint_rate: Rate,
    pub on_time_handling: Rate,
    pub repeat_complaints: u64,
    pub evaluated: u64,
}

/// A complaint still being handled today, or a referral still to answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenItem {
    pub id: String,
    pub received_day: String,
    pub complainant: String,
    pub unit: String,
    pub subject: String,
    pub status: String,
    /// The next deadline's kind (or `referral_reply`) and day, and whether it has passed.
    pub due_kind: Option<String>,
    pub due: Option<String>,
    pub overdue: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Analysis {
    pub from: String,
    pub to: String,
    pub trend: Vec<TrendRow>,
    /// Over the period's complaints (received in it).
    pub received: u64,
    pub by_category: BTreeMap<String, u64>,
    pub by_channel: BTreeMap<String, u64>,
    /// The decided complaints by the cause the investigation found (`unknown` when it
    /// named none).
    pub by_root_cause: BTreeMap<String, u64>,
    pub on_time_by_deadline: BTreeMap<String, Rate>,
    pub evaluations_by_rating: BTreeMap<String, u64>,
    /// Today: every complaint still in handling and every referral not answered, whatever
    /// month it came in, overdue first, then by due day.
    pub open_items: Vec<OpenItem>,
}

fn add(into: &mut BTreeMap<String, u64>, from: &BTreeMap<String, u64>) {
    for (k, v) in from {
        *into.entry(k.clone()).or_default() += v;
    }
}

/// The report for `months` (each with its month statistics), oldest first.
pub fn analysis(
    all: &[Complaint],
    months: &[(Month, MonthStats)],
    cal: &OfficeCalendar,
    today: NaiveDate,
) -> Analysis {
    let mut a = Analysis {
        from: months
            .first()
            .map(|(m, _)| m.to_string())
            .unwrap_or_default(),
        to: months
            .last()
            .map(|(m, _)| m.to_string())
            .unwrap_or_default(),
        trend: Vec::with_capacity(months.len()),
        received: 0,
        by_category: BTreeMap::new(),
        by_channel: BTreeMap::new(),
        by_root_cause: BTreeMap::new(),
        on_time_by_deadline: BTreeMap::new(),
        evaluations_by_rating: BTreeMap::new(),
        open_items: Vec::new(),
    };
    let mut deadlines: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for (m, stats) in months {
        let q: QualityReport = quality(all, m, cal, today, stats);
        a.received += q.complaints_received;
        add(&mut a.by_category, &q.by_category);
        add(&mut a.by_channel, &q.by_channel);
        add(&mut a.evaluations_by_rating, &q.evaluations_by_rating);
        for (k, r) in &q.on_time_by_deadline {
            let e = deadlines.entry(k.clone()).or_default();
            e.0 += r.numerator;
            e.1 += r.denominator;
        }
        a.trend.push(TrendRow {
            month: q.month,
            received: q.complaints_received,
            complaint_rate: q.complaint_rate,
            on_time_handling: q.on_time_handling,
            repeat_complaints: q.repeat_complaints,
            evaluated: q.evaluated,
        });
    }
    a.on_time_by_deadline = deadlines
        .into_iter()
        .map(|(k, (n, d))| (k, Rate::new(n, d)))
        .collect();
    let first = months.first().and_then(|(m, _)| cal.day_of(m.start));
    let end = months.last().and_then(|(m, _)| cal.day_of(m.end));
    if let (Some(first), Some(end)) = (first, end) {
        for x in all
            .iter()
            .filter(|x| x.received_day >= first && x.received_day < end)
            .filter(|x| x.decided_day.is_some())
        {
            let cause: &str = x.root_cause.map_or("unknown", Into::into);
            *a.by_root_cause.entry(cause.to_owned()).or_default() += 1;
        }
    }
    a.open_items = open_items(all, cal, today);
    a
}

fn open_items(all: &[Complaint], cal: &OfficeCalendar, today: NaiveDate) -> Vec<OpenItem> {
    let mut out: Vec<OpenItem> = all
        .iter()
        .filter_map(|x| {
            let next = x.next_deadline(today, &cal.calendar);
            let referral = x.referral_deadline(today, &cal.calendar);
            // The earlier of the two is what is due next.
            let due = match (next, referral) {
                (Some(n), Some(r)) => Some(if r.due < n.due { r } else { n }),
                (n, r) => n.or(r),
            }?;
            Some(OpenItem {
                id: x.id.clone(),
                received_day: x.received_day.to_string(),
                complainant: x.complainant.clone(),
                unit: x.unit.clone(),
                subject: x.subject.clone(),
                status: x.status.as_str().to_owned(),
                due_kind: Some(due.kind.to_owned()),
                due: Some(due.due.to_string()),
                overdue: due.overdue,
            })
        })
        .collect();
    out.sort_by(|a, b| (!a.overdue, &a.due, &a.id).cmp(&(!b.overdue, &b.due, &b.id)));
    out
}
