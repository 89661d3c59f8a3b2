//! The call-back programme (S5 25; R-VISIT-PLAN): the centre's manager keeps each plan —
//! period, whom it calls and how many, kinds, the questionnaire, the schedule, the ways of
//! calling in order — and everyone who makes call-backs reads it and where it stands.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use baoxiu_sync_core::UserId;
use baoxiu_sync_core::callback::{Callback, CallbackMethod, CallbackStatus};
use baoxiu_sync_core::programme::{Attempts, Programme, ProgrammeDraft, Round, VisitKind};
use baoxiu_sync_core::questionnaire::Dimension;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ErrorBody;
use super::extract::{ApiJson, Caller};
use super::month::CallbackOut;
use crate::error::Result;
use crate::policy::{Action, role_allows};
use crate::service::month::{DimensionMeans, Rate, hundredths};
use crate::service::programmes as svc;
use crate::state::AppState;

/// A round of the schedule: a day of calling, its focus (工作重點) and its target.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundIo {
    /// `YYYY-MM-DD` (office time zone), within the programme's period.
    #[schema(schema_with = super::schema::day)]
    pub on: String,
    #[schema(min_length = 1, max_length = 300, pattern = r"\S")]
    pub focus: String,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100_000)]
    pub target: u32,
}

/// A call-back programme as written (回訪方案): the plan, the outline, the schedule and
/// the ways of calling.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeIn {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub title: String,
    /// The period's first and last day, `YYYY-MM-DD` (office time zone), at most 366 days.
    #[schema(schema_with = super::schema::day)]
    pub starts: String,
    #[schema(schema_with = super::schema::day)]
    pub ends: String,
    /// Whom it calls (具體對象).
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub audience: String,
    /// How many customers it aims to reach.
    #[schema(minimum = 1, maximum = 100_000)]
    pub target: u32,
    /// satisfaction, complaint_handling, repair_held, courtesy (R-VISIT-CONTENT).
    #[schema(schema_with = super::schema::visit_kinds)]
    pub kinds: Vec<VisitKind>,
    /// The quality dimensions asked, scored 1–5 (S5 8).
    #[serde(default)]
    #[schema(schema_with = super::schema::dimensions)]
    pub dimensions: Vec<Dimension>,
    /// Free questions (at most 10).
    #[serde(default)]
    #[schema(schema_with = super::schema::questions)]
    pub questions: Vec<String>,
    #[serde(default)]
    #[schema(max_items = 60)]
    pub schedule: Vec<RoundIo>,
    /// The ways of calling in the order they are tried (R-VISIT: if one way fails, use
    /// another).
    #[schema(schema_with = super::schema::callback_methods)]
    pub methods: Vec<CallbackMethod>,
}

impl From<ProgrammeIn> for ProgrammeDraft {
    fn from(b: ProgrammeIn) -> Self {
        ProgrammeDraft {
            title: b.title,
            starts: b.starts,
            ends: b.ends,
            audience: b.audience,
            target: b.target,
            kinds: b.kinds,
            dimensions: b.dimensions,
            questions: b.questions,
            schedule: b
                .schedule
                .into_iter()
                .map(|r| Round {
                    on: r.on,
                    focus: r.focus,
                    target: r.target,
                })
                .collect(),
            methods: b.methods,
        }
    }
}

/// A call-back programme as kept.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammeOut {
    pub id: String,
    pub title: String,
    pub starts: String,
    pub ends: String,
    pub audience: String,
    pub target: u32,
    #[schema(value_type = Vec<String>)]
    pub kinds: Vec<VisitKind>,
    #[schema(value_type = Vec<String>)]
    pub dimensions: Vec<Dimension>,
    pub questions: Vec<String>,
    pub schedule: Vec<RoundIo>,
    #[schema(value_type = Vec<String>)]
    pub methods: Vec<CallbackMethod>,
    #[schema(value_type = String)]
    pub created_by: UserId,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<Programme> for ProgrammeOut {
    fn from(p: Programme) -> Self {
        let d = p.draft;
        ProgrammeOut {
            id: p.id,
            title: d.title,
            starts: d.starts,
            ends: d.ends,
            audience: d.audience,
            target: d.target,
            kinds: d.kinds,
            dimensions: d.dimensions,
            questions: d.questions,
            schedule: d
                .schedule
                .into_iter()
                .map(|r| RoundIo {
                    on: r.on,
                    focus: r.focus,
                    target: r.target,
                })
                .collect(),
            methods: d.methods,
            created_by: p.created_by,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// Attempts planned (still to make), made (the customer reached) and failed.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct AttemptsOut {
    pub planned: u64,
    pub done: u64,
    pub failed: u64,
}

impl From<Attempts> for AttemptsOut {
    fn from(a: Attempts) -> Self {
        AttemptsOut {
            planned: a.planned,
            done: a.done,
            failed: a.failed,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MethodAttempts {
    #[schema(value_type = String)]
    pub method: CallbackMethod,
    pub attempts: AttemptsOut,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoundProgress {
    pub round: RoundIo,
    pub attempts: AttemptsOut,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerLine {
    pub callback: String,
    pub answer: String,
}

/// The most answers a question lists (the latest); `total` counts them all.
const ANSWERS_LIMIT: usize = 100;

#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionAnswers {
    pub question: String,
    /// The latest answers, at most 100.
    pub answers: Vec<AnswerLine>,
    pub total: usize,
}

/// Where a programme stands (S5 25).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammeProgressOut {
    /// Customers reached at least once, against the target.
    pub reached: u64,
    pub target: u32,
    pub attempts: AttemptsOut,
    pub by_method: Vec<MethodAttempts>,
    pub rounds: Vec<RoundProgress>,
    /// Attempts planned on no day of the schedule.
    pub unscheduled: AttemptsOut,
    /// Satisfaction scores at or above the office's threshold, of those given.
    pub satisfied: Rate,
    pub satisfaction_average_hundredths: Option<u64>,
    /// Beside the rate, not instead of it: each dimension's mean.
    pub dimensions: DimensionMeans,
    pub answers: Vec<QuestionAnswers>,
}

/// The most call-backs a programme's view lists; its progress counts them all.
const LIST_LIMIT: usize = 500;

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammeView {
    pub programme: ProgrammeOut,
    pub progress: ProgrammeProgressOut,
    /// Its call-backs: those still to make, by planned time, then the latest made; at most
    /// 500 (`GET /api/v1/callbacks?programme=` lists every one).
    pub callbacks: Vec<CallbackOut>,
    /// How many call-backs it has in all.
    pub callbacks_total: usize,
}

impl From<svc::ProgrammeView> for ProgrammeView {
    fn from(v: svc::ProgrammeView) -> Self {
        let p = v.progress;
        ProgrammeView {
            programme: v.programme.into(),
            progress: ProgrammeProgressOut {
                reached: p.reached,
                target: p.target,
                attempts: p.attempts.into(),
                by_method: p
                    .by_method
                    .into_iter()
                    .map(|(method, a)| MethodAttempts {
                        method,
                        attempts: a.into(),
                    })
                    .collect(),
                rounds: p
                    .rounds
                    .into_iter()
                    .map(|(r, a)| RoundProgress {
                        round: RoundIo {
                            on: r.on,
                            focus: r.focus,
                            target: r.target,
                        },
                        attempts: a.into(),
                    })
                    .collect(),
                unscheduled: p.unscheduled.into(),
                satisfied: Rate::new(p.satisfied, p.satisfaction_count),
                satisfaction_average_hundredths: hundredths(
                    p.satisfaction_sum,
                    p.satisfaction_count,
                ),
                dimensions: DimensionMeans::new(&p.dimensions),
                answers: p
                    .answers
                    .into_iter()
                    .map(|(question, list)| QuestionAnswers {
                        question,
                        total: list.len(),
                        answers: list
                            .into_iter()
                            .rev()
                            .take(ANSWERS_LIMIT)
                            .map(|(callback, answer)| AnswerLine { callback, answer })
                            .collect(),
                    })
                    .collect(),
            },
            callbacks_total: v.callbacks.len(),
            callbacks: listed(v.callbacks),
        }
    }
}

/// The call-backs to list: the planned first (the work to do), by time, then the others,
/// the latest first.
fn listed(mut all: Vec<Callback>) -> Vec<CallbackOut> {
    all.sort_by(|a, b| {
        let planned = |c: &Callback| c.status != CallbackStatus::Planned;
        planned(a).cmp(&planned(b)).then_with(|| {
            if a.status == CallbackStatus::Planned {
                a.planned_at.cmp(&b.planned_at)
            } else {
                b.recorded_at.cmp(&a.recorded_at)
            }
        })
    });
    all.into_iter()
        .take(LIST_LIMIT)
        .map(CallbackOut::from)
        .collect()
}

#[utoipa::path(get, path = "/api/v1/callback-programmes", responses((status = 200, body = Vec<ProgrammeOut>, description = "the office's programmes, the latest period first"), (status = 403, body = ErrorBody)))]
pub async fn list(State(st): State<AppState>, c: Caller) -> Result<Json<Vec<ProgrammeOut>>> {
    let all = st.store.programmes(c.0.office).await?;
    Ok(Json(all.into_iter().map(ProgrammeOut::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/callback-programmes", request_body = ProgrammeIn, responses((status = 201, body = ProgrammeOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody, description = "R-VISIT-PLAN: the programme breaks its rules (each problem named)"), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<ProgrammeIn>,
) -> Result<(StatusCode, Json<ProgrammeOut>)> {
    let p = svc::save(&st, c.0.office, None, b.into(), c.0.sub).await?;
    Ok((StatusCode::CREATED, Json(p.into())))
}

#[utoipa::path(get, path = "/api/v1/callback-programmes/{id}", params(("id" = String, Path)), responses((status = 200, body = ProgrammeView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> Result<Json<ProgrammeView>> {
    let mut v = svc::view(&st, c.0.office, &id).await?;
    if !role_allows(c.0.role, Action::Callbacks) {
        // One who makes only the calls given to them sees the programme's figures and
        // those calls, not every customer's call and answers.
        v.callbacks.retain(|cb| cb.assignee == Some(c.0.sub));
        v.progress.answers.clear();
    }
    Ok(Json(v.into()))
}

#[utoipa::path(put, path = "/api/v1/callback-programmes/{id}", params(("id" = String, Path)), request_body = ProgrammeIn, responses((status = 200, body = ProgrammeOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "R-VISIT-PLAN: the programme breaks its rules (each problem named)"), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ProgrammeIn>,
) -> Result<Json<ProgrammeOut>> {
    let p = svc::save(&st, c.0.office, Some(&id), b.into(), c.0.sub).await?;
    Ok(Json(p.into()))
}
