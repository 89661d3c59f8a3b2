//! Closing a month (R-MONTH): a supervisor closes it and the figures, the paid-service
//! register and the spot-check sample are filed as they stand, with who closed it and when.
//! Facts that arrive later (a phone that was offline) change the live figures only; the
//! difference from the filed record is listed as amendments — what changed, which figure,
//! by how much — never a silent change.

use std::collections::BTreeMap;

use baoxiu_sync_core::{Millis, OfficeId, OrderId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::month::{self, MonthStats, Params, Rate, Register, RegisterRow};
use crate::error::{Error, Result};
use crate::store::{FiledMonth, Store};

/// One figure that differs between the filed month and the live one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Amendment {
    /// e.g. `on_time.denominator`, `completed`, `paid_total`, `register`.
    pub figure: String,
    /// The technician the figure belongs to; `None` for the office's.
    #[schema(value_type = Option<String>)]
    pub technician: Option<UserId>,
    pub name: String,
    pub filed: i64,
    pub live: i64,
    /// live − filed.
    pub change: i64,
    /// For a register line: the order, and whether it was added, removed or changed.
    #[schema(value_type = Option<String>)]
    pub order: Option<OrderId>,
    pub what: Option<String>,
}

/// A month: open or closed, the live figures, and for a closed month the filed ones and
/// the amendments since.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthView {
    pub month: String,
    pub closed: bool,
    pub closed_at: Option<i64>,
    #[schema(value_type = Option<String>)]
    pub closed_by: Option<UserId>,
    pub sample: Option<String>,
    pub live: MonthStats,
    pub filed: Option<MonthStats>,
    pub filed_register: Option<Register>,
    pub amendments: Vec<Amendment>,
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn decode<T: for<'de> Deserialize<'de>>(what: &str, json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| Error::Corrupt(format!("filed {what}: {e}")))
}

fn encode<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Internal(format!("filing: {e}")))
}

/// The figures a month is compared on, by name.
fn figures_of(s: &month::TechnicianStats) -> Vec<(&'static str, i64)> {
    let rate = |r: &Rate| (to_i64(r.numerator), to_i64(r.denominator));
    let (on, on_d) = rate(&s.on_time);
    let (pass, pass_d) = rate(&s.pass);
    let (sat, sat_d) = rate(&s.satisfaction.satisfied);
    vec![
        ("on_time.numerator", on),
        ("on_time.denominator", on_d),
        ("no_shows", to_i64(s.no_shows)),
        ("completed", to_i64(s.completed)),
        ("pass.numerator", pass),
        ("pass.denominator", pass_d),
        ("satisfied.numerator", sat),
        ("satisfied.denominator", sat_d),
        ("paid_total", s.paid_total),
    ]
}

fn office_figures(s: &MonthStats) -> Vec<(&'static str, i64)> {
    vec![
        ("logged", to_i64(s.logged)),
        (
            "handover_on_time.numerator",
            to_i64(s.handover_on_time.numerator),
        ),
        (
            "handover_on_time.denominator",
            to_i64(s.handover_on_time.denominator),
        ),
        ("on_time.numerator", to_i64(s.on_time.numerator)),
        ("on_time.denominator", to_i64(s.on_time.denominator)),
        ("no_shows", to_i64(s.no_shows)),
        ("completed", to_i64(s.completed)),
        ("pass.numerator", to_i64(s.pass.numerator)),
        ("pass.denominator", to_i64(s.pass.denominator)),
        (
            "satisfied.numerator",
            to_i64(s.satisfaction.satisfied.numerator),
        ),
        (
            "satisfied.denominator",
            to_i64(s.satisfaction.satisfied.denominator),
        ),
        ("paid_total", s.paid_total),
    ]
}

/// What changed between the filed month and the live one: office figures, each
/// technician's, and the register's lines.
pub fn amendments(
    filed: &MonthStats,
    live: &MonthStats,
    filed_register: &Register,
    live_register: &Register,
) -> Vec<Amendment> {
    let mut out = Vec::new();
    let mut push = |figure: &str, technician: Option<UserId>, name: &str, f: i64, l: i64| {
        if f != l {
            out.push(Amendment {
                figure: figure.to_owned(),
                technician,
                name: name.to_owned(),
                filed: f,
                live: l,
                change: l.saturating_sub(f),
                order: None,
                what: None,
            });
        }
    };
    for ((figure, f), (_, l)) in office_figures(filed).into_iter().zip(office_figures(live)) {
        push(figure, None, "", f, l);
    }
    let by_tech = |s: &MonthStats| -> BTreeMap<Option<UserId>, month::TechnicianStats> {
        s.per_technician
            .iter()
            .map(|t| (t.technician, t.clone()))
            .collect()
    };
    let (ft, lt) = (by_tech(filed), by_tech(live));
    let blank = month::TechnicianStats::default();
    for key in ft
        .keys()
        .chain(lt.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let f = ft.get(key).unwrap_or(&blank);
        let l = lt.get(key).unwrap_or(&blank);
        let name = if l.name.is_empty() { &f.name } else { &l.name };
        for ((figure, a), (_, b)) in figures_of(f).into_iter().zip(figures_of(l)) {
            push(figure, *key, name, a, b);
        }
    }
    let rows = |r: &Register| -> BTreeMap<OrderId, RegisterRow> {
        r.rows.iter().map(|x| (x.order, x.clone())).collect()
    };
    let (fr, lr) = (rows(filed_register), rows(live_register));
    for order in fr
        .keys()
        .chain(lr.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let (f, l) = (fr.get(order), lr.get(order));
        let what = match (f, l) {
            (None, Some(_)) => "added",
            (Some(_), None) => "removed",
            (Some(a), Some(b)) if a.total != b.total || a.fees_pending != b.fees_pending => {
                "changed"
            }
            _ => continue,
        };
        let total = |x: Option<&RegisterRow>| x.map_or(0, |x| x.total);
        out.push(Amendment {
            figure: "register".into(),
            technician: l.or(f).and_then(|x| x.technician),
            name: l
                .or(f)
                .map(|x| x.technician_name.clone())
                .unwrap_or_default(),
            filed: total(f),
            live: total(l),
            change: total(l).saturating_sub(total(f)),
            order: Some(*order),
            what: Some(what.into()),
        });
    }
    out
}

/// The month as it stands, and as filed if it was closed.
pub async fn view(
    store: &dyn Store,
    office: OfficeId,
    month: &str,
    p: Params,
) -> Result<MonthView> {
    let live = month::office_stats(store, office, month, p).await?;
    let filed = store.filed_month(office, live.month.clone()).await?;
    let Some(filed) = filed else {
        return Ok(MonthView {
            month: live.month.clone(),
            closed: false,
            closed_at: None,
            closed_by: None,
            sample: store.month_sample_id(office, live.month.clone()).await?,
            live,
            filed: None,
            filed_register: None,
            amendments: Vec::new(),
        });
    };
    let filed_stats: MonthStats = decode("figures", &filed.stats)?;
    let filed_register: Register = decode("register", &filed.register)?;
    let live_register = month::register(store, office, month).await?;
    let amendments = amendments(&filed_stats, &live, &filed_register, &live_register);
    Ok(MonthView {
        month: live.month.clone(),
        closed: true,
        closed_at: Some(filed.closed_at),
        closed_by: Some(filed.closed_by),
        sample: filed.sample,
        live,
        filed: Some(filed_stats),
        filed_register: Some(filed_register),
        amendments,
    })
}

/// Closes a month: files its figures, register and sample as they stand now. A month that
/// has not ended yet cannot be closed; a closed month is not closed again.
pub async fn close(
    store: &dyn Store,
    office: OfficeId,
    month: &str,
    p: Params,
    by: UserId,
    now: Millis,
) -> Result<MonthView> {
    let o = store
        .office(office)
        .await?
        .ok_or_else(|| Error::NotFound(format!("office {office}")))?;
    let m = month::Month::parse(month, &o.time_zone)?;
    if now < m.end {
        return Err(Error::Conflict(format!(
            "{m} has not ended yet in {}",
            o.time_zone
        )));
    }
    let stats = month::office_stats(store, office, month, p).await?;
    let register = month::register(store, office, month).await?;
    let sample = store.month_sample_id(office, m.to_string()).await?;
    store
        .file_month(
            office,
            FiledMonth {
                month: m.to_string(),
                closed_at: now,
                closed_by: by,
                stats: encode(&stats)?,
                register: encode(&register)?,
                sample,
            },
        )
        .await?;
    view(store, office, month, p).await
}

/// The filed figures of a closed month (`NotFound` while it is open).
/// The figures an office reports for a month — those filed when it closed the month, else
/// the live ones — and whether it is closed. Only what that needs is read: no register, no
/// amendments.
pub async fn reported(
    store: &dyn Store,
    office: OfficeId,
    month: &str,
    p: Params,
) -> Result<(bool, MonthStats)> {
    let o = month::office_or_404(store, office).await?;
    let m = month::Month::parse(month, &o.time_zone)?;
    match store.filed_month(office, m.to_string()).await? {
        Some(filed) => Ok((true, decode("figures", &filed.stats)?)),
        None => Ok((false, month::office_stats(store, office, month, p).await?)),
    }
}

pub async fn filed_stats(store: &dyn Store, office: OfficeId, month: &str) -> Result<MonthStats> {
    let o = store
        .office(office)
        .await?
        .ok_or_else(|| Error::NotFound(format!("office {office}")))?;
    let m = month::Month::parse(month, &o.time_zone)?;
    let filed = store
        .filed_month(office, m.to_string())
        .await?
        .ok_or_else(|| Error::NotFound(format!("a filed {m} (the month is not closed)")))?;
    decode("figures", &filed.stats)
}
