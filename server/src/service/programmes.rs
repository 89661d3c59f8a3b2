//! The call-back programme (S5 25; R-VISIT, R-VISIT-PLAN): keeping one, checking a
//! call-back planned under it and a result recorded under it, and its progress. The
//! rules are sync-core's `programme`; this reads what they need.

use baoxiu_sync_core::callback::{
    Callback, CallbackMethod, CallbackResult, DEFAULT_FALLBACK_AFTER,
};
use baoxiu_sync_core::programme::{
    Programme, ProgrammeDraft, ProgrammeProgress, method_fits, progress,
};
use baoxiu_sync_core::{Millis, OfficeId, UserId};
use chrono::{NaiveDate, TimeZone};

use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::CallbackFilter;

/// The programme `id` of `office` (404 for another office's, or none).
pub async fn programme_or_404(st: &AppState, office: OfficeId, id: &str) -> Result<Programme> {
    st.store
        .programme(office, id.to_owned())
        .await?
        .ok_or_else(|| Error::NotFound(format!("call-back programme {id}")))
}

/// R-VISIT-PLAN: keeps a new programme (`id` none) or a new draft of one; a draft that
/// breaks its rules is a conflict naming each problem.
pub async fn save(
    st: &AppState,
    office: OfficeId,
    id: Option<&str>,
    draft: ProgrammeDraft,
    by: UserId,
) -> Result<Programme> {
    // An unknown programme is not found, whatever its new draft says.
    let kept = match id {
        Some(id) => Some(programme_or_404(st, office, id).await?),
        None => None,
    };
    let draft = draft.tidied();
    let problems = draft.check();
    if !problems.is_empty() {
        return Err(Error::Conflict(format!(
            "R-VISIT-PLAN: the programme breaks its rules: {}",
            problems.join("; ")
        )));
    }
    let now = st.now();
    let p = match kept {
        Some(p) => Programme {
            draft,
            updated_at: now,
            ..p
        },
        None => Programme {
            id: uuid::Uuid::now_v7().to_string(),
            draft,
            created_by: by,
            created_at: now,
            updated_at: now,
        },
    };
    st.store.save_programme(office, p.clone()).await?;
    Ok(p)
}

/// The date of an instant in the office's zone.
pub fn day_in(tz: chrono_tz::Tz, at: Millis) -> Option<NaiveDate> {
    tz.timestamp_millis_opt(at).single().map(|t| t.date_naive())
}

/// What a call-back about to be planned is checked against.
#[derive(Debug)]
pub struct Planned<'a> {
    pub programme: Option<&'a str>,
    pub planned_at: Millis,
    pub method: CallbackMethod,
    pub about_complaint: bool,
    pub assignee: Option<UserId>,
}

/// R-VISIT: the person named makes call-backs this way (agents by phone, field staff on
/// site, the manager by online survey) and is an active person of the office; under a
/// programme, the call-back fits it (R-VISIT-PLAN).
pub async fn check_plan(st: &AppState, office: OfficeId, p: Planned<'_>) -> Result<()> {
    if let Some(a) = p.assignee {
        let person = st
            .store
            .user(a)
            .await?
            .filter(|u| u.office == office && u.active)
            .ok_or_else(|| {
                Error::NotFound(format!("assignee {a}: no active person of this office"))
            })?;
        if !method_fits(p.method, person.role) {
            return Err(Error::Conflict(format!(
                "R-VISIT: {} ({}) does not make {} call-backs (phone: agents; on site: field staff; online survey: the customer-service manager)",
                person.name,
                person.role.as_str(),
                p.method
            )));
        }
    }
    if let Some(id) = p.programme {
        let programme = programme_or_404(st, office, id).await?;
        let tz = super::office_zone(st, office).await?;
        let day = day_in(tz, p.planned_at)
            .ok_or_else(|| Error::Conflict(format!("planned_at {} is no time", p.planned_at)))?;
        programme
            .admits(day, p.method, p.about_complaint)
            .map_err(|m| Error::Conflict(format!("R-VISIT-PLAN: {m}")))?;
    }
    Ok(())
}

/// R-VISIT-SURVEY and R-VISIT: a result under a programme answers its questionnaire, and
/// a customer not reached is tried next the way the programme lists after this one,
/// unless the caller named another way of the programme.
pub async fn prepare_result(
    st: &AppState,
    office: OfficeId,
    cb: &Callback,
    r: &mut CallbackResult,
) -> Result<()> {
    let Some(id) = &cb.programme else {
        return Ok(());
    };
    let p = programme_or_404(st, office, id).await?;
    let problems = p.check_result(r);
    if !problems.is_empty() {
        return Err(Error::Conflict(format!(
            "R-VISIT-SURVEY: {}",
            problems.join("; ")
        )));
    }
    if r.reached {
        return Ok(());
    }
    // R-VISIT-PLAN: the next attempt is a call-back of the programme too — its day in the
    // period, one of its ways. A way the caller names must fit (409); the programme's own
    // next way is planned only where it fits (not after the period has ended).
    let tz = super::office_zone(st, office).await?;
    let at = r
        .fallback_at
        .unwrap_or(st.now().saturating_add(DEFAULT_FALLBACK_AFTER));
    let day = day_in(tz, at);
    let about_complaint = cb.complaint.is_some();
    match r.fallback_method {
        Some(m) => {
            let day = day.ok_or_else(|| Error::Conflict(format!("fallback_at {at} is no time")))?;
            p.admits(day, m, about_complaint)
                .map_err(|why| Error::Conflict(format!("R-VISIT-PLAN: the next attempt: {why}")))?;
        }
        None => {
            r.fallback_method = p
                .next_method(cb.method)
                .filter(|m| day.is_some_and(|d| p.admits(d, *m, about_complaint).is_ok()));
        }
    }
    Ok(())
}

/// A programme with its call-backs and where it stands.
#[derive(Debug)]
pub struct ProgrammeView {
    pub programme: Programme,
    pub progress: ProgrammeProgress,
    pub callbacks: Vec<Callback>,
}

/// S5 25: the programme's progress from its call-backs.
pub async fn view(st: &AppState, office: OfficeId, id: &str) -> Result<ProgrammeView> {
    let programme = programme_or_404(st, office, id).await?;
    let callbacks = st
        .store
        .callbacks(
            office,
            CallbackFilter {
                programme: Some(programme.id.clone()),
                ..Default::default()
            },
        )
        .await?;
    let tz = super::office_zone(st, office).await?;
    let satisfied = st.store.settings(office).await?.satisfied_score;
    let progress = progress(
        &programme,
        &callbacks,
        |at| day_in(tz, at),
        u8::try_from(satisfied).unwrap_or(u8::MAX),
    );
    Ok(ProgrammeView {
        programme,
        progress,
        callbacks,
    })
}
