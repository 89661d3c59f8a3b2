//! R-CS-KPI: each person's KPIs over a period under the office's scheme (its weights),
//! from what the period recorded — contacts taken, QA inspections of their work, the
//! call-backs they made and the complaint steps they took (sync-core `kpi`).

use std::collections::BTreeMap;

use baoxiu_sync_core::callback::CallbackStatus;
use baoxiu_sync_core::kpi::{Indicators, KpiWeights, complaint_steps, score};
use baoxiu_sync_core::{OfficeId, Role, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use super::month::{self as month_svc, Month, Rate};
use super::qa::MAX_INSPECTIONS;
use crate::error::{Error, Result};
use crate::store::{CallbackFilter, ContactFilter, Store};

/// The longest period one report covers.
pub const MAX_MONTHS: i64 = 12;
/// The most contacts one report reads (a period beyond it is refused, not cut short).
const MAX_CONTACTS: u32 = 100_000;

/// The weights the score was computed with.
#[derive(Debug, Serialize, ToSchema)]
pub struct KpiWeightsOut {
    pub quality: u32,
    pub satisfaction: u32,
    pub complaints: u32,
}

/// One person's KPIs.
#[derive(Debug, Serialize, ToSchema)]
pub struct KpiLine {
    #[schema(value_type = String)]
    pub person: UserId,
    pub name: String,
    pub role: String,
    /// Contacts they took at the front door (counted, not scored).
    pub contacts: u64,
    /// QA points their inspected work earned, of the points there were (R-CS-QA).
    pub quality: Rate,
    /// Call-backs they made that found the customer satisfied (the office's
    /// `satisfied_score` or more), of those the customer scored.
    pub satisfaction: Rate,
    /// Complaint steps they took by the step's deadline, of their steps that had one.
    pub complaints: Rate,
    /// The weighted mean of the indicators that measured something, in basis points;
    /// null when none did.
    pub score_basis_points: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KpiReport {
    pub from: String,
    pub to: String,
    pub weights: KpiWeightsOut,
    /// By name: everyone the period measured, and every active agent.
    pub people: Vec<KpiLine>,
}

fn rate(c: baoxiu_sync_core::kpi::Count) -> Rate {
    Rate::new(c.part, c.whole)
}

/// One office's KPIs over `count` months from `from` (`YYYY-MM` in its zone).
pub async fn office_kpi(
    store: &dyn Store,
    office: OfficeId,
    from: &str,
    count: i64,
) -> Result<KpiReport> {
    let o = month_svc::office_or_404(store, office).await?;
    if !(1..=MAX_MONTHS).contains(&count) {
        return Err(Error::Invalid(format!("months is 1 to {MAX_MONTHS}")));
    }
    let span = Month::span(from, count, &o.time_zone)?;
    let (Some(&first), Some(&last)) = (span.first(), span.last()) else {
        return Err(Error::Invalid(format!("months is 1 to {MAX_MONTHS}")));
    };
    let (start, end) = (first.period().start, last.period().end);
    let settings = store.settings(office).await?;
    let weights = KpiWeights::from(&settings);
    let cal = store.calendar(office).await?;
    let clock = || Error::Internal("the period is out of the calendar's range".into());
    let (first_day, last_day) = (
        cal.day_of(start).ok_or_else(clock)?,
        cal.day_of(end - 1).ok_or_else(clock)?,
    );
    let mut by: BTreeMap<UserId, Indicators> = BTreeMap::new();

    let contacts = store
        .contacts(
            office,
            ContactFilter {
                from: Some(start),
                to: Some(end),
                whistleblowing: true,
                limit: MAX_CONTACTS + 1,
                ..Default::default()
            },
        )
        .await?;
    let inspections = store
        .inspections(office, start, end, MAX_INSPECTIONS + 1)
        .await?;
    if contacts.len() > MAX_CONTACTS as usize || inspections.len() > MAX_INSPECTIONS as usize {
        return Err(Error::Conflict(
            "too many contacts or inspections in the period: ask for fewer months".into(),
        ));
    }
    for x in contacts {
        by.entry(x.taken_by).or_default().contacts += 1;
    }
    for x in inspections {
        by.entry(x.agent)
            .or_default()
            .quality
            .add(u64::from(x.points), u64::from(x.max_points));
    }
    // R-VISIT-APPRAISAL: the call-backs each person made, as the customer scored them.
    let calls = store
        .callbacks(
            office,
            CallbackFilter {
                status: Some(CallbackStatus::Done),
                ..Default::default()
            },
        )
        .await?;
    for x in calls {
        let (Some(who), Some(at), Some(s)) = (x.recorded_by, x.recorded_at, x.satisfaction) else {
            continue;
        };
        if (start..end).contains(&at) {
            let ok = u32::from(s) >= settings.satisfied_score;
            by.entry(who)
                .or_default()
                .satisfaction
                .add(u64::from(ok), 1);
        }
    }
    for c in store.complaints(office).await? {
        for (who, day, kept) in complaint_steps(&c) {
            if (first_day..=last_day).contains(&day) {
                by.entry(who)
                    .or_default()
                    .complaints
                    .add(u64::from(kept), 1);
            }
        }
    }
    let mut people = Vec::new();
    for p in store.users(office).await? {
        let measured = by.remove(&p.id);
        if measured.is_none() && !(p.role == Role::CsAgent && p.active) {
            continue;
        }
        let x = measured.unwrap_or_default();
        people.push(KpiLine {
            person: p.id,
            name: p.name,
            role: p.role.as_str().to_owned(),
            contacts: x.contacts,
            quality: rate(x.quality),
            satisfaction: rate(x.satisfaction),
            complaints: rate(x.complaints),
            score_basis_points: score(weights, &x),
        });
    }
    people.sort_by(|a, b| a.name.cmp(&b.name).then(a.person.cmp(&b.person)));
    Ok(KpiReport {
        from: first.to_string(),
        to: last.to_string(),
        weights: KpiWeightsOut {
            quality: weights.quality,
            satisfaction: weights.satisfaction,
            complaints: weights.complaints,
        },
        people,
    })
}
