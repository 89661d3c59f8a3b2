//! S5 16, the PDCA register: the centre's improvement items, each a problem taken through
//! plan, do, check and act; what the check leaves unresolved is carried into the next
//! cycle as a new item. The manager (supervisor) runs the cycle; whoever owns one of the
//! plan's actions records what they did on it.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use baoxiu_sync_core::improvement::{
    Improvement, MAX_ACTIONS, NewImprovement, Plan, PlannedAction, Source, Stage, Step,
};
use baoxiu_sync_core::{Person, UserId};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ErrorBody;
use super::extract::{ApiJson, ApiQuery, Caller};
use crate::error::{Error, Result};
use crate::policy::{Action, role_allows};
use crate::state::AppState;
use crate::store::ImprovementFilter;

/// One measure: what, who carries it out (a person of the office), by when.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PdcaActionIn {
    #[schema(pattern = "\\S", max_length = 2000)]
    pub what: String,
    #[serde(default)]
    #[schema(schema_with = super::schema::uuid_or_null)]
    pub owner: Option<String>,
    /// The office's day it is due (`YYYY-MM-DD`).
    #[serde(default)]
    #[schema(schema_with = super::schema::day_or_null)]
    pub due: Option<String>,
}

/// The plan: ② the cause, ③ the factor that weighs most, ④ the measures.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PdcaPlanIn {
    #[schema(pattern = "\\S", max_length = 2000)]
    pub cause: String,
    #[schema(pattern = "\\S", max_length = 2000)]
    pub biggest_factor: String,
    #[schema(min_items = 1, max_items = 20)]
    pub actions: Vec<PdcaActionIn>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImprovementIn {
    /// ① the problem found.
    #[schema(pattern = "\\S", max_length = 2000)]
    pub problem: String,
    /// complaint, callback, survey, qa, site, statistics, other
    #[schema(schema_with = super::schema::improvement_source)]
    pub source: String,
    /// What it was found on: a complaint, a call-back, a month, a place.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub reference: String,
    /// The plan, now or later (before anything is done).
    #[serde(default)]
    pub plan: Option<PdcaPlanIn>,
}

/// One step of the cycle.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum PdcaStepIn {
    /// Write or rewrite the plan, until something is done.
    Plan {
        #[schema(pattern = "\\S", max_length = 2000)]
        cause: String,
        #[schema(pattern = "\\S", max_length = 2000)]
        biggest_factor: String,
        #[schema(min_items = 1, max_items = 20)]
        actions: Vec<PdcaActionIn>,
    },
    /// What was carried out.
    Do {
        #[schema(pattern = "\\S", max_length = 2000)]
        note: String,
    },
    /// What the measures achieved; whether the problem is solved.
    Check {
        #[schema(pattern = "\\S", max_length = 2000)]
        results: String,
        resolved: bool,
    },
    /// What is consolidated, and what is left for the next cycle (required when the check
    /// found the problem unresolved).
    Act {
        #[schema(pattern = "\\S", max_length = 2000)]
        consolidated: String,
        #[serde(default)]
        #[schema(max_length = 2000)]
        leftover: String,
    },
}

/// An item of the register as stored, with where it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImprovementOut {
    #[serde(flatten)]
    #[schema(inline, value_type = Object)]
    pub item: serde_json::Value,
    /// plan, do, check, closed
    pub stage: String,
    /// The name of each person the item mentions (who opened it, the actions' owners,
    /// who recorded each step), by id: the register is read by roles that cannot list
    /// the office's people.
    pub names: BTreeMap<String, String>,
}

/// A step's answer: the item, and the next cycle's item an act opened.
#[derive(Debug, Serialize, ToSchema)]
pub struct PdcaStepOut {
    pub item: ImprovementOut,
    pub carried: Option<ImprovementOut>,
}

fn shown(x: &Improvement, people: &[Person]) -> Result<ImprovementOut> {
    let mut ids = vec![x.created_by];
    ids.extend(
        x.plan
            .iter()
            .flat_map(|p| &p.actions)
            .filter_map(|a| a.owner),
    );
    ids.extend(x.done.iter().map(|e| e.by));
    ids.extend(x.check.iter().map(|c| c.by));
    ids.extend(x.act.iter().map(|a| a.by));
    let names = ids
        .into_iter()
        .filter_map(|id| {
            let p = people.iter().find(|p| p.id == id)?;
            Some((id.to_string(), p.name.clone()))
        })
        .collect();
    Ok(ImprovementOut {
        stage: <&str>::from(x.stage()).to_owned(),
        item: serde_json::to_value(x).map_err(|e| Error::Internal(e.to_string()))?,
        names,
    })
}

/// A plan as the rules take it; each action's owner is an active person of the office
/// (404 otherwise) whose role sees the register, to record what they did (409 otherwise).
async fn plan_of(
    st: &AppState,
    c: &Caller,
    cause: String,
    biggest_factor: String,
    actions: Vec<PdcaActionIn>,
) -> Result<Plan> {
    // The count first: no person is looked up for a plan that cannot be.
    if actions.is_empty() || actions.len() > MAX_ACTIONS {
        return Err(Error::Invalid(format!(
            "a plan lists 1–{MAX_ACTIONS} actions"
        )));
    }
    let mut out = Vec::with_capacity(actions.len());
    for a in actions {
        let owner = match a.owner {
            Some(o) => {
                let id: UserId = o
                    .parse()
                    .map_err(|_| Error::Invalid(format!("owner {o:?}")))?;
                let person = st
                    .store
                    .user(id)
                    .await?
                    .filter(|p| p.office == c.0.office && p.active)
                    .ok_or_else(|| {
                        Error::NotFound(format!("owner {o}: no active person of this office"))
                    })?;
                if !role_allows(person.role, Action::ReadImprovements) {
                    return Err(Error::Conflict(format!(
                        "owner {}: a {} does not see the register, so could not record what was done",
                        person.name,
                        person.role.as_str()
                    )));
                }
                Some(id)
            }
            None => None,
        };
        let due = a
            .due
            .map(|d| {
                d.parse::<NaiveDate>()
                    .map_err(|_| Error::Invalid(format!("{d:?} is not a date (YYYY-MM-DD)")))
            })
            .transpose()?;
        out.push(PlannedAction {
            what: a.what,
            owner,
            due,
        });
    }
    Ok(Plan {
        cause,
        biggest_factor,
        actions: out,
    })
}

#[utoipa::path(post, path = "/api/v1/improvements", request_body = ImprovementIn, responses((status = 201, body = ImprovementOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "an action's owner is no active person of the office"), (status = 409, body = ErrorBody, description = "an action's owner has a role that does not see the register"), (status = 422, body = ErrorBody)))]
pub async fn open(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<ImprovementIn>,
) -> Result<(StatusCode, Json<ImprovementOut>)> {
    let source: Source = b
        .source
        .parse()
        .map_err(|_| Error::Invalid(format!("source {:?}", b.source)))?;
    let plan = match b.plan {
        Some(p) => Some(plan_of(&st, &c, p.cause, p.biggest_factor, p.actions).await?),
        None => None,
    };
    let new = NewImprovement {
        problem: b.problem,
        source,
        reference: b.reference,
        plan,
    };
    let x = Improvement::new(new, c.0.sub, st.now())?;
    st.store.add_improvement(c.0.office, x.clone()).await?;
    let people = st.store.users(c.0.office).await?;
    Ok((StatusCode::CREATED, Json(shown(&x, &people)?)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImprovementsQuery {
    /// plan, do, check, closed
    #[param(schema_with = super::schema::improvement_stage)]
    pub stage: Option<String>,
    /// Only the items not closed.
    pub open: Option<bool>,
    /// 1–500 (default 200).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/improvements", params(ImprovementsQuery), responses((status = 200, body = Vec<ImprovementOut>, description = "the register, newest first"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<ImprovementsQuery>,
) -> Result<Json<Vec<ImprovementOut>>> {
    let limit = q.limit.unwrap_or(200);
    if !(1..=500).contains(&limit) {
        return Err(Error::Invalid("limit is 1–500".into()));
    }
    let stage = q
        .stage
        .as_deref()
        .map(|s| {
            s.parse::<Stage>()
                .map_err(|_| Error::Invalid(format!("stage {s:?}")))
        })
        .transpose()?;
    let filter = ImprovementFilter {
        stage,
        open: q.open.unwrap_or(false),
        limit,
    };
    let list = st.store.improvements(c.0.office, filter).await?;
    let people = st.store.users(c.0.office).await?;
    Ok(Json(
        list.iter()
            .map(|x| shown(x, &people))
            .collect::<Result<_>>()?,
    ))
}

async fn found(st: &AppState, c: &Caller, id: &str) -> Result<Improvement> {
    st.store
        .improvement(c.0.office, id.to_owned())
        .await?
        .ok_or_else(|| Error::NotFound(format!("improvement {id}")))
}

#[utoipa::path(get, path = "/api/v1/improvements/{id}", params(("id" = String, Path)), responses((status = 200, body = ImprovementOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> Result<Json<ImprovementOut>> {
    let x = found(&st, &c, &id).await?;
    let people = st.store.users(c.0.office).await?;
    Ok(Json(shown(&x, &people)?))
}

#[utoipa::path(post, path = "/api/v1/improvements/{id}/steps", params(("id" = String, Path)), request_body = PdcaStepIn, responses((status = 200, body = PdcaStepOut), (status = 403, body = ErrorBody, description = "plan, check and act are the manager's; do is also an action's owner's"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "a step out of order, acting on an unresolved problem without naming what is left, or a plan naming an owner whose role does not see the register"), (status = 422, body = ErrorBody)))]
pub async fn step(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<PdcaStepIn>,
) -> Result<Json<PdcaStepOut>> {
    let manager = role_allows(c.0.role, Action::Improve);
    let refused = || {
        Error::Forbidden(format!(
            "a {} may not take this step of the improvement: plan, check and act are the manager's; do is also an action's owner's",
            c.0.role.as_str()
        ))
    };
    let step = match b {
        PdcaStepIn::Plan {
            cause,
            biggest_factor,
            actions,
        } => {
            // Refused before any owner is looked up (another office's item is not found).
            if !manager {
                found(&st, &c, &id).await?;
                return Err(refused());
            }
            Step::Plan(plan_of(&st, &c, cause, biggest_factor, actions).await?)
        }
        PdcaStepIn::Do { note } => Step::Do { note },
        PdcaStepIn::Check { results, resolved } => Step::Check { results, resolved },
        PdcaStepIn::Act {
            consolidated,
            leftover,
        } => Step::Act {
            consolidated,
            leftover,
        },
    };
    // The store reads the item once, in the step's transaction: not found, then who may
    // take the step on the item as it stands, then the step.
    let (item, carried) = st
        .store
        .step_improvement(c.0.office, id, step, (c.0.sub, st.now()), manager)
        .await?;
    let people = st.store.users(c.0.office).await?;
    Ok(Json(PdcaStepOut {
        item: shown(&item, &people)?,
        carried: carried.as_ref().map(|n| shown(n, &people)).transpose()?,
    }))
}
