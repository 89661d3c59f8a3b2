//! Complaints (R-CPL-*): the views with their next deadline and likely repeats, and the
//! service-quality report (R-CPL-REPORT). The lifecycle rules are sync-core's.

use std::collections::BTreeMap;

use baoxiu_sync_core::UserId;
use baoxiu_sync_core::calendar::OfficeCalendar;
use baoxiu_sync_core::complaint::{Complaint, Status};
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use super::month::{Month, MonthStats, Rate};

/// Repeats are proposed when the same complainant, unit and subject recur within this
/// many days (a person still decides).
const DUPLICATE_WINDOW_DAYS: i64 = 180;

/// A complaint with its next deadline and likely repeats.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintView {
    #[schema(value_type = Object)]
    pub complaint: serde_json::Value,
    pub status: String,
    #[schema(value_type = Option<Object>)]
    pub next_deadline: Option<serde_json::Value>,
    /// R-CPL-REFERRAL: the referring body's reply date, until the report is sent.
    #[schema(value_type = Option<Object>)]
    pub referral_deadline: Option<serde_json::Value>,
    pub likely_duplicates: Vec<String>,
    /// When the earlier complaint changed (merged new facts): it, as it is now.
    #[schema(value_type = Option<Object>)]
    pub earlier: Option<serde_json::Value>,
}

/// Likely repeats of `x`: same complainant, unit and subject within the window.
pub fn likely_duplicates(all: &[Complaint], x: &Complaint) -> Vec<String> {
    let norm = |s: &str| s.trim().to_lowercase();
    all.iter()
        .filter(|o| o.id != x.id && o.status != Status::Merged)
        .filter(|o| norm(&o.complainant) == norm(&x.complainant) && norm(&o.unit) == norm(&x.unit))
        .filter(|o| norm(&o.subject) == norm(&x.subject))
        .filter(|o| (x.received_day - o.received_day).num_days().abs() <= DUPLICATE_WINDOW_DAYS)
        .map(|o| o.id.clone())
        .collect()
}

pub fn view(
    x: &Complaint,
    cal: &OfficeCalendar,
    today: NaiveDate,
    all: &[Complaint],
) -> ComplaintView {
    ComplaintView {
        complaint: serde_json::to_value(x).unwrap_or_default(),
        status: x.status.as_str().to_owned(),
        next_deadline: x
            .next_deadline(today, &cal.calendar)
            .and_then(|d| serde_json::to_value(d).ok()),
        referral_deadline: x
            .referral_deadline(today, &cal.calendar)
            .and_then(|d| serde_json::to_value(d).ok()),
        likely_duplicates: likely_duplicates(all, x),
        earlier: None,
    }
}

/// Complaints and service quality for one office-month (R-CPL-REPORT, S5).
#[derive(Debug, Serialize, ToSchema)]
pub struct QualityReport {
    pub month: String,
    pub complaints_received: u64,
    pub by_channel: BTreeMap<String, u64>,
    pub by_category: BTreeMap<String, u64>,
    /// Status now, or the decision's outcome once decided.
    pub by_outcome: BTreeMap<String, u64>,
    /// Deadlines (supplement notice, acceptance, decision, telling the complainant, a
    /// referral's reply) kept, of those due or met.
    pub on_time_handling: Rate,
    /// The same by deadline: `supplement_notice`, `acceptance`, `decision`, `tell`,
    /// `referral_reply` (R-CPL-DECIDE's two deadlines each on their own).
    pub on_time_by_deadline: BTreeMap<String, Rate>,
    /// Complaints that repeat an earlier one.
    pub repeat_complaints: u64,
    /// R-CPL-EVAL: the month's complaints whose handling was evaluated, by rating (good,
    /// acceptable, poor), the people held to account, and the complainants' average
    /// satisfaction (1–5, ×100) from the complaint call-backs those evaluations read.
    pub evaluated: u64,
    pub evaluations_by_rating: BTreeMap<String, u64>,
    pub held_to_account: u64,
    pub complainant_satisfaction_hundredths: Option<u64>,
    /// 抱怨率: complaints received in the month and accepted as about the office's service
    /// (accepted, decided or closed), per order completed in the month. Refused repeats,
    /// merged duplicates and transfers are not counted.
    pub complaint_rate: Rate,
    /// The same per technician, for complaints that name one: theirs per order they
    /// completed in the month.
    pub complaint_rate_per_technician: Vec<TechnicianComplaints>,
    pub satisfaction_average_hundredths: Option<u64>,
    pub on_time: Rate,
    pub pass: Rate,
}

/// One technician's complaint rate.
#[derive(Debug, Serialize, ToSchema)]
pub struct TechnicianComplaints {
    #[schema(value_type = String)]
    pub technician: UserId,
    pub name: String,
    pub rate: Rate,
}

pub fn quality(
    all: &[Complaint],
    month: &Month,
    cal: &OfficeCalendar,
    today: NaiveDate,
    stats: &MonthStats,
) -> QualityReport {
    let first = cal.day_of(month.start).unwrap_or(today);
    let next = cal.day_of(month.end).unwrap_or(today);
    let mine: Vec<&Complaint> = all
        .iter()
        .filter(|x| x.received_day >= first && x.received_day < next)
        .collect();
    let mut r = QualityReport {
        month: month.to_string(),
        complaints_received: mine.len() as u64,
        by_channel: BTreeMap::new(),
        by_category: BTreeMap::new(),
        by_outcome: BTreeMap::new(),
        on_time_handling: Rate::default(),
        on_time_by_deadline: BTreeMap::new(),
        repeat_complaints: 0,
        evaluated: 0,
        evaluations_by_rating: BTreeMap::new(),
        held_to_account: 0,
        complainant_satisfaction_hundredths: None,
        complaint_rate: Rate::new(
            mine.iter().filter(|x| x.status.counts_in_rate()).count() as u64,
            stats.completed,
        ),
        complaint_rate_per_technician: per_technician(&mine, stats),
        satisfaction_average_hundredths: stats.satisfaction.average_hundredths,
        on_time: stats.on_time,
        pass: stats.pass,
    };
    let (mut kept, mut due) = (0u64, 0u64);
    let mut by_kind: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    let (mut scored, mut score_sum) = (0u64, 0u64);
    for x in mine {
        *r.by_channel.entry(x.channel.clone()).or_default() += 1;
        let cat = if x.category.is_empty() {
            "other".to_owned()
        } else {
            x.category.clone()
        };
        *r.by_category.entry(cat).or_default() += 1;
        let outcome = x
            .outcome
            .clone()
            .unwrap_or_else(|| x.status.as_str().to_owned());
        *r.by_outcome.entry(outcome).or_default() += 1;
        if x.duplicate_of.is_some() {
            r.repeat_complaints += 1;
        }
        if let Some(e) = &x.evaluation {
            r.evaluated += 1;
            let rating: &str = e.rating.into();
            *r.evaluations_by_rating
                .entry(rating.to_owned())
                .or_default() += 1;
            r.held_to_account += e.accountability.len() as u64;
            if let Some(s) = e.satisfaction {
                scored += 1;
                score_sum += u64::from(s);
            }
        }
        for (kind, ok) in x.deadlines_kept(today) {
            due += 1;
            kept += u64::from(ok);
            let k = by_kind.entry(kind).or_default();
            k.0 += u64::from(ok);
            k.1 += 1;
        }
    }
    r.on_time_handling = Rate::new(kept, due);
    r.complainant_satisfaction_hundredths = (scored > 0).then(|| score_sum * 100 / scored);
    r.on_time_by_deadline = by_kind
        .into_iter()
        .map(|(k, (kept, due))| (k.to_owned(), Rate::new(kept, due)))
        .collect();
    r
}

/// Each technician who completed orders in the month or is named by a counted complaint:
/// the complaints naming them per order they completed.
fn per_technician(mine: &[&Complaint], stats: &MonthStats) -> Vec<TechnicianComplaints> {
    let mut named: BTreeMap<UserId, u64> = BTreeMap::new();
    for x in mine.iter().filter(|x| x.status.counts_in_rate()) {
        if let Some(t) = x.technician {
            *named.entry(t).or_default() += 1;
        }
    }
    let mut out: Vec<TechnicianComplaints> = stats
        .per_technician
        .iter()
        .filter_map(|t| {
            let id = t.technician?;
            let n = named.remove(&id).unwrap_or(0);
            Some(TechnicianComplaints {
                technician: id,
                name: t.name.clone(),
                rate: Rate::new(n, t.completed),
            })
        })
        .collect();
    // Named, but nothing completed this month: counted, with no rate.
    out.extend(named.into_iter().map(|(id, n)| TechnicianComplaints {
        technician: id,
        name: String::new(),
        rate: Rate::new(n, 0),
    }));
    out
}
