//! R-CS-QA's periodic report (作業指標質檢報告): the inspections made in a period — how
//! many, how many passed, the share of the points earned — month by month, per criterion,
//! per person inspected, with the failed ones listed for follow-up.

use std::collections::{BTreeMap, HashMap};

use baoxiu_sync_core::qa::{Inspection, QaScheme};
use baoxiu_sync_core::{OfficeId, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use super::month::{self as month_svc, Month, Rate};
use crate::error::{Error, Result};
use crate::store::Store;

/// The longest period one report covers.
pub const MAX_MONTHS: i64 = 24;
/// The most inspections one report reads (a period beyond it is refused, not cut short).
pub const MAX_INSPECTIONS: u32 = 20_000;

/// A criterion as scored.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreView {
    pub criterion: String,
    pub points: u16,
    pub max_points: u16,
}

/// An inspection as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct InspectionView {
    pub id: String,
    /// `contact` or `callback`.
    pub subject: String,
    pub subject_id: String,
    /// Whose work it was.
    #[schema(value_type = String)]
    pub agent: UserId,
    pub scores: Vec<ScoreView>,
    pub comment: String,
    pub points: u32,
    pub max_points: u32,
    pub pass_percent: u8,
    pub passed: bool,
    #[schema(value_type = String)]
    pub inspected_by: UserId,
    pub inspected_at: i64,
}

impl From<Inspection> for InspectionView {
    fn from(x: Inspection) -> Self {
        let subject: &str = x.subject.into();
        InspectionView {
            id: x.id,
            subject: subject.to_owned(),
            subject_id: x.subject_id,
            agent: x.agent,
            scores: x
                .scores
                .into_iter()
                .map(|s| ScoreView {
                    criterion: s.criterion,
                    points: s.points,
                    max_points: s.max_points,
                })
                .collect(),
            comment: x.comment,
            points: x.points,
            max_points: x.max_points,
            pass_percent: x.pass_percent,
            passed: x.passed,
            inspected_by: x.inspected_by,
            inspected_at: x.inspected_at,
        }
    }
}

/// A month of the report, or a criterion's or a person's line.
#[derive(Debug, Serialize, ToSchema)]
pub struct QaLine {
    /// The month (`YYYY-MM`), the criterion's name, or the person's id.
    pub key: String,
    /// The person's name on a person's line.
    pub name: Option<String>,
    pub inspections: u64,
    /// Inspections that reached the scheme's pass mark, of those made.
    pub passed: Rate,
    /// Points earned of the points there were to earn.
    pub score: Rate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QaReport {
    pub from: String,
    pub to: String,
    pub inspections: u64,
    pub passed: Rate,
    pub score: Rate,
    /// Inspections by what was inspected (`contact`, `callback`).
    pub by_subject: BTreeMap<String, u64>,
    pub trend: Vec<QaLine>,
    /// In the order of the scheme in force; criteria of an earlier scheme after, by name.
    pub by_criterion: Vec<QaLine>,
    /// By name.
    pub by_person: Vec<QaLine>,
    /// Failed inspections, newest first: what to follow up.
    pub failed: Vec<InspectionView>,
}

#[derive(Default, Clone, Copy)]
struct Tally {
    n: u64,
    passed: u64,
    points: u64,
    max: u64,
}

impl Tally {
    fn add(&mut self, x: &Inspection) {
        self.n += 1;
        self.passed += u64::from(x.passed);
        self.points += u64::from(x.points);
        self.max += u64::from(x.max_points);
    }

    fn line(self, key: String, name: Option<String>) -> QaLine {
        QaLine {
            key,
            name,
            inspections: self.n,
            passed: Rate::new(self.passed, self.n),
            score: Rate::new(self.points, self.max),
        }
    }
}

/// The report over `months` (each `[start, end)` with its name), from its inspections.
pub fn report(
    months: &[(String, i64, i64)],
    items: &[Inspection],
    scheme: &QaScheme,
    names: &HashMap<UserId, String>,
) -> QaReport {
    let mut all = Tally::default();
    let mut by_subject = BTreeMap::new();
    let mut per_month = vec![Tally::default(); months.len()];
    let mut per_criterion: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
    let mut per_person: BTreeMap<UserId, Tally> = BTreeMap::new();
    for x in items {
        all.add(x);
        let s: &str = x.subject.into();
        *by_subject.entry(s.to_owned()).or_insert(0u64) += 1;
        if let Some(i) = months
            .iter()
            .position(|(_, a, b)| (*a..*b).contains(&x.inspected_at))
        {
            per_month[i].add(x);
        }
        for sc in &x.scores {
            let e = per_criterion.entry(sc.criterion.clone()).or_default();
            e.0 += 1;
            e.1 += u64::from(sc.points);
            e.2 += u64::from(sc.max_points);
        }
        per_person.entry(x.agent).or_default().add(x);
    }
    let criterion_line = |name: &str, (n, p, m): (u64, u64, u64)| QaLine {
        key: name.to_owned(),
        name: None,
        inspections: n,
        // A criterion has no pass mark of its own: its share of the points only.
        passed: Rate::new(0, 0),
        score: Rate::new(p, m),
    };
    let mut by_criterion = Vec::new();
    for c in &scheme.criteria {
        if let Some(t) = per_criterion.remove(&c.name) {
            by_criterion.push(criterion_line(&c.name, t));
        }
    }
    by_criterion.extend(
        per_criterion
            .into_iter()
            .map(|(k, t)| criterion_line(&k, t)),
    );
    let mut by_person: Vec<QaLine> = per_person
        .into_iter()
        .map(|(u, t)| {
            let name = names.get(&u).cloned().unwrap_or_else(|| u.to_string());
            t.line(u.to_string(), Some(name))
        })
        .collect();
    by_person.sort_by(|a, b| a.name.cmp(&b.name).then(a.key.cmp(&b.key)));
    let mut failed: Vec<Inspection> = items.iter().filter(|x| !x.passed).cloned().collect();
    failed.sort_by(|a, b| b.inspected_at.cmp(&a.inspected_at).then(b.id.cmp(&a.id)));
    let failed = failed.into_iter().map(InspectionView::from).collect();
    QaReport {
        from: months.first().map(|m| m.0.clone()).unwrap_or_default(),
        to: months.last().map(|m| m.0.clone()).unwrap_or_default(),
        inspections: all.n,
        passed: Rate::new(all.passed, all.n),
        score: Rate::new(all.points, all.max),
        by_subject,
        trend: months
            .iter()
            .zip(per_month)
            .map(|((m, _, _), t)| t.line(m.clone(), None))
            .collect(),
        by_criterion,
        by_person,
        failed,
    }
}

/// One office's report over `count` months from `from` (`YYYY-MM` in its zone).
pub async fn office_report(
    store: &dyn Store,
    office: OfficeId,
    from: &str,
    count: i64,
    scheme: &QaScheme,
) -> Result<QaReport> {
    let o = month_svc::office_or_404(store, office).await?;
    if !(1..=MAX_MONTHS).contains(&count) {
        return Err(Error::Invalid(format!("months is 1 to {MAX_MONTHS}")));
    }
    let months: Vec<(String, i64, i64)> = Month::span(from, count, &o.time_zone)?
        .into_iter()
        .map(|m| (m.to_string(), m.period().start, m.period().end))
        .collect();
    let (start, end) = (months[0].1, months[months.len() - 1].2);
    let items = store
        .inspections(office, start, end, MAX_INSPECTIONS + 1)
        .await?;
    if items.len() > MAX_INSPECTIONS as usize {
        return Err(Error::Conflict(format!(
            "more than {MAX_INSPECTIONS} inspections in the period: ask for fewer months"
        )));
    }
    let names = month_svc::names(store, office).await?;
    Ok(report(&months, &items, scheme, &names))
}
