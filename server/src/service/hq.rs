//! R-CS-HQ: head office's view across its offices (二級機構) — each office's month side by
//! side and its complaints over a period — every figure read under the office's own
//! settings, zone and currency, exactly as the office itself reads it.

use baoxiu_sync_core::OfficeId;
use serde::Serialize;
use utoipa::ToSchema;

use super::complaint_analysis::office_analysis;
use super::month::{MonthStats, Params, Rate};
use super::month_close;
use super::qa::office_report as qa_report;
use crate::error::Result;
use crate::store::Store;

/// An office as head office lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct HqOffice {
    #[schema(value_type = String)]
    pub id: OfficeId,
    pub name: String,
    pub time_zone: String,
    /// ISO 4217: every amount of the office is in its minor units.
    pub currency: String,
}

/// One office's month beside the others.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfficeMonth {
    pub office: HqOffice,
    /// Whether the office has closed the month (R-MONTH); its figures are then the filed
    /// ones, those it reported, else the live ones.
    pub closed: bool,
    pub figures: MonthStats,
}

/// One office's complaints over the period (R-CPL-REPORT's report, summed).
#[derive(Debug, Serialize, ToSchema)]
pub struct OfficeComplaints {
    pub office: HqOffice,
    pub from: String,
    pub to: String,
    pub received: u64,
    /// 抱怨率 over the period: the months' numerators over their denominators.
    pub complaint_rate: Rate,
    pub on_time_handling: Rate,
    /// Open today: complaints in handling and referrals not answered; of them overdue.
    pub open: u64,
    pub overdue: u64,
}

fn out(o: baoxiu_sync_core::Office) -> HqOffice {
    HqOffice {
        id: o.id,
        name: o.name,
        time_zone: o.time_zone,
        currency: o.currency,
    }
}

/// Every office, by name.
pub async fn offices(store: &dyn Store) -> Result<Vec<HqOffice>> {
    let mut all: Vec<HqOffice> = store.offices().await?.into_iter().map(out).collect();
    all.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(all)
}

async fn params(store: &dyn Store, office: OfficeId, now: i64) -> Result<Params> {
    Ok(Params {
        now,
        ..store.settings(office).await?.into()
    })
}

/// One office's month as the office sees it (R-MONTH's view), for head office's drill.
pub async fn office_month(
    store: &dyn Store,
    office: OfficeId,
    month: &str,
    now: i64,
) -> Result<month_close::MonthView> {
    let p = params(store, office, now).await?;
    month_close::view(store, office, month, p).await
}

/// Every office's `month` (`YYYY-MM`, each in its own zone), side by side.
pub async fn months(store: &dyn Store, month: &str, now: i64) -> Result<Vec<OfficeMonth>> {
    let mut rows = Vec::new();
    for o in store.offices().await? {
        let p = params(store, o.id, now).await?;
        let (closed, figures) = month_close::reported(store, o.id, month, p).await?;
        rows.push(OfficeMonth {
            office: out(o),
            closed,
            figures,
        });
    }
    rows.sort_by(|a, b| a.office.name.cmp(&b.office.name));
    Ok(rows)
}

/// Every office's complaints over `count` months from `from`, side by side.
pub async fn complaints(
    store: &dyn Store,
    from: &str,
    count: i64,
    now: i64,
) -> Result<Vec<OfficeComplaints>> {
    let mut rows = Vec::new();
    for o in store.offices().await? {
        let a = office_analysis(store, o.id, from, count, now).await?;
        let sum = |f: fn(&super::complaint_analysis::TrendRow) -> Rate| {
            let (n, d) = a.trend.iter().map(f).fold((0u64, 0u64), |(n, d), r| {
                (
                    n.saturating_add(r.numerator),
                    d.saturating_add(r.denominator),
                )
            });
            Rate::new(n, d)
        };
        let complaint_rate = sum(|t| t.complaint_rate);
        let on_time_handling = sum(|t| t.on_time_handling);
        let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        let overdue = count(a.open_items.iter().filter(|i| i.overdue).count());
        rows.push(OfficeComplaints {
            office: out(o),
            from: a.from.clone(),
            to: a.to.clone(),
            received: a.received,
            complaint_rate,
            on_time_handling,
            open: count(a.open_items.len()),
            overdue,
        });
    }
    rows.sort_by(|a, b| a.office.name.cmp(&b.office.name));
    Ok(rows)
}

/// One office's QA over the period (R-CS-QA's report, summed).
#[derive(Debug, Serialize, ToSchema)]
pub struct OfficeQa {
    pub office: HqOffice,
    pub from: String,
    pub to: String,
    pub inspections: u64,
    /// Inspections that passed the office's own pass mark, of those made.
    pub passed: Rate,
    /// Points earned of the points there were.
    pub score: Rate,
}

/// Every office's QA over `count` months from `from`, side by side, each against its own
/// scheme.
pub async fn qa(st: &crate::state::AppState, from: &str, count: i64) -> Result<Vec<OfficeQa>> {
    let mut rows = Vec::new();
    for o in st.store.offices().await? {
        let scheme = super::office_registers::qa_scheme(st, o.id).await?;
        let r = qa_report(&*st.store, o.id, from, count, &scheme).await?;
        rows.push(OfficeQa {
            office: out(o),
            from: r.from,
            to: r.to,
            inspections: r.inspections,
            passed: r.passed,
            score: r.score,
        });
    }
    rows.sort_by(|a, b| a.office.name.cmp(&b.office.name));
    Ok(rows)
}
