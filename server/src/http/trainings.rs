//! R-CS-TRAINING (S2 第八條 崗前培訓方能上崗): each person's training records, and the check
//! every door that takes a customer's contact makes of an agent — order intake, recording a
//! complaint and its material — before anything is stored.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use baoxiu_sync_core::training::{self, Training, TrainingKind};
use baoxiu_sync_core::{Role, UserId};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ErrorBody;
use super::extract::{ApiJson, ApiQuery, Caller};
use crate::error::{Error, Result};
use crate::state::AppState;

/// The office's day now.
pub(super) async fn today(st: &AppState, c: &Caller) -> Result<NaiveDate> {
    st.store
        .calendar(c.0.office)
        .await?
        .day_of(st.now())
        .ok_or_else(|| Error::Internal("the clock is out of range".into()))
}

/// R-CS-TRAINING: an agent takes contacts only while trained for duty; other roles are not
/// asked. The refusal says until when the last training held, or that there is none.
pub(super) async fn require_trained(st: &AppState, c: &Caller) -> Result<()> {
    if c.0.role != Role::CsAgent {
        return Ok(());
    }
    let records = st.store.trainings(c.0.office, Some(c.0.sub)).await?;
    let days = st.store.settings(c.0.office).await?.cs_training_valid_days;
    let day = today(st, c).await?;
    if training::may_take_contacts(&records, days, day) {
        return Ok(());
    }
    Err(Error::Untrained(
        match training::on_duty_until(&records, days) {
            Some(until) => format!(
                "your training for duty held until {until}: a refresher is due before you take contacts"
            ),
            None => {
                "you have no pre-duty training on record: you take contacts once trained".into()
            }
        },
    ))
}

/// The agent's standing today, for `/me`: until when they may take contacts, if at all.
pub(super) async fn on_duty_until(st: &AppState, c: &Caller) -> Result<Option<String>> {
    let records = st.store.trainings(c.0.office, Some(c.0.sub)).await?;
    let days = st.store.settings(c.0.office).await?.cs_training_valid_days;
    let day = today(st, c).await?;
    Ok(training::may_take_contacts(&records, days, day)
        .then(|| training::on_duty_until(&records, days))
        .flatten()
        .map(|d| d.to_string()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TrainingIn {
    #[schema(value_type = uuid::Uuid, schema_with = super::schema::uuid)]
    pub person: UserId,
    /// pre_duty (崗前培訓), refresher, other
    #[schema(schema_with = super::schema::training_kind)]
    pub kind: String,
    #[schema(pattern = "\\S", max_length = 200)]
    pub course: String,
    /// The day it was completed (not after today).
    #[schema(schema_with = super::schema::day)]
    pub completed_on: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrainingOut {
    pub id: String,
    #[schema(value_type = String)]
    pub person: UserId,
    pub kind: String,
    pub course: String,
    pub completed_on: String,
    #[schema(value_type = String)]
    pub recorded_by: UserId,
    pub recorded_at: i64,
}

impl From<Training> for TrainingOut {
    fn from(t: Training) -> Self {
        let kind: &str = t.kind.into();
        TrainingOut {
            id: t.id,
            person: t.person,
            kind: kind.to_owned(),
            course: t.course,
            completed_on: t.completed_on.to_string(),
            recorded_by: t.recorded_by,
            recorded_at: t.recorded_at,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/trainings", request_body = TrainingIn, responses((status = 201, body = TrainingOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "no such person in the office"), (status = 409, body = ErrorBody, description = "the completion day is after today"), (status = 422, body = ErrorBody)))]
pub async fn record(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<TrainingIn>,
) -> Result<(StatusCode, Json<TrainingOut>)> {
    let kind: TrainingKind = b
        .kind
        .parse()
        .map_err(|_| Error::Invalid(format!("training kind {:?}", b.kind)))?;
    let on: NaiveDate = b
        .completed_on
        .parse()
        .map_err(|_| Error::Invalid(format!("{:?} is not a day", b.completed_on)))?;
    // The person first (404), then the record's own rules.
    if st
        .store
        .user(b.person)
        .await?
        .is_none_or(|p| p.office != c.0.office)
    {
        return Err(Error::NotFound(format!("person {}", b.person)));
    }
    let day = today(&st, &c).await?;
    let t = Training::new(b.person, kind, &b.course, on, (c.0.sub, st.now(), day))?;
    st.store.add_training(c.0.office, t.clone()).await?;
    Ok((StatusCode::CREATED, Json(t.into())))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrainingsQuery {
    /// One person's records.
    #[param(schema_with = super::schema::uuid)]
    pub person: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/trainings", params(TrainingsQuery), responses((status = 200, body = Vec<TrainingOut>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<TrainingsQuery>,
) -> Result<Json<Vec<TrainingOut>>> {
    let person = q
        .person
        .as_deref()
        .map(|p| {
            p.parse::<UserId>()
                .map_err(|_| Error::Invalid(format!("person {p:?}")))
        })
        .transpose()?;
    let out = st.store.trainings(c.0.office, person).await?;
    Ok(Json(out.into_iter().map(TrainingOut::from).collect()))
}
