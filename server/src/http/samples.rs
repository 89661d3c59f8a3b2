//! The month's spot-check sample (R-MONTH 抽查回訪), drawn once, and the supervisors'
//! call-back queue (R-VISIT): each row with the customer, unit, phone, technician and the
//! work done, and the month's progress.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use baoxiu_sync_core::callback::{MAX_REDRAW_REASON, Progress, SampleParams, Stratum};
use baoxiu_sync_core::{OrderId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ErrorBody;
use super::extract::{ApiJson, ApiQuery, Caller};
use super::month::CallbackOut;
use crate::error::{Error, Result};
use crate::service::samples::{self as svc, QueueOrder};
use crate::state::AppState;
use crate::store::SampleRecord;

#[derive(Debug, Deserialize, ToSchema)]
pub struct SampleIn {
    #[schema(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: String,
    /// Percent of each technician's completed orders; default the office's setting.
    #[schema(maximum = 100)]
    pub percent: Option<u32>,
    /// At least this many per technician; default the office's setting.
    #[schema(value_type = Option<u64>, maximum = 4_294_967_295_u64)]
    pub min_per_technician: Option<u32>,
    /// Any number; the same seed and parameters draw the same sample.
    #[schema(format = "uint64", maximum = 18_446_744_073_709_551_615_u64)]
    pub seed: Option<u64>,
    /// Draws the month's sample again, for this reason (1–500 characters). Without it, a
    /// month already drawn returns its sample unchanged (200).
    #[schema(min_length = 1, max_length = 500, pattern = "\\S")]
    pub redraw: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StratumOut {
    #[schema(value_type = Option<String>)]
    pub technician: Option<UserId>,
    pub completed: u64,
    pub drawn: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SampleBody {
    pub id: String,
    pub month: String,
    pub seed: u64,
    pub percent: u32,
    pub min_per_technician: u32,
    #[schema(value_type = Vec<String>)]
    pub orders: Vec<OrderId>,
    /// Per technician: how many they completed and how many were drawn.
    pub strata: Vec<StratumOut>,
    /// The sample this one redrew, and why.
    pub replaces: Option<String>,
    pub reason: Option<String>,
    #[schema(value_type = String)]
    pub created_by: UserId,
    pub created_at: i64,
}

impl From<SampleRecord> for SampleBody {
    fn from(s: SampleRecord) -> Self {
        SampleBody {
            id: s.id,
            month: s.month,
            seed: s.seed,
            percent: s.percent,
            min_per_technician: s.min_per_technician,
            orders: s.orders,
            strata: s
                .strata
                .into_iter()
                .map(|x: Stratum| StratumOut {
                    technician: x.technician,
                    completed: x.completed,
                    drawn: x.drawn,
                })
                .collect(),
            replaces: s.replaces,
            reason: s.reason,
            created_by: s.created_by,
            created_at: s.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SampleOut {
    pub sample: SampleBody,
    /// The month's call-back queue (every sample of the month, cancelled call-backs
    /// aside).
    pub callbacks: Vec<CallbackOut>,
}

#[utoipa::path(post, path = "/api/v1/samples", request_body = SampleIn, responses((status = 201, body = SampleOut, description = "drawn (or redrawn)"), (status = 200, body = SampleOut, description = "the month's sample, already drawn"), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody, description = "a redraw with no sample to redraw, or a call-back to cancel recorded meanwhile"), (status = 422, body = ErrorBody)))]
pub async fn create_sample(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<SampleIn>,
) -> Result<(StatusCode, Json<SampleOut>)> {
    let (office, by) = (c.0.office, c.0.sub);
    if b.redraw
        .as_deref()
        .is_some_and(|r| r.trim().is_empty() || r.chars().count() > MAX_REDRAW_REASON)
    {
        return Err(Error::Invalid(format!(
            "redraw is the reason, 1–{MAX_REDRAW_REASON} characters"
        )));
    }
    let settings = st.store.settings(office).await?;
    let p = SampleParams {
        percent: b.percent.unwrap_or(settings.sample_percent),
        min_per_technician: b
            .min_per_technician
            .unwrap_or(settings.sample_min_per_technician),
        seed: b.seed,
    };
    let drawn = svc::create_sample(&*st.store, office, &b.month, p, b.redraw, by, st.now()).await?;
    let callbacks = svc::callbacks_of_month(&*st.store, office, &drawn.sample.month).await?;
    let status = if drawn.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(SampleOut {
            sample: drawn.sample.into(),
            callbacks: callbacks.into_iter().map(CallbackOut::from).collect(),
        }),
    ))
}

#[utoipa::path(get, path = "/api/v1/samples/{id}", params(("id" = String, Path)), responses((status = 200, body = SampleOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_sample(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> Result<Json<SampleOut>> {
    let office = c.0.office;
    let sample = svc::sample(&*st.store, office, id.clone())
        .await?
        .ok_or_else(|| Error::NotFound(format!("sample {id}")))?;
    let callbacks = svc::callbacks_of_month(&*st.store, office, &sample.month).await?;
    Ok(Json(SampleOut {
        sample: sample.into(),
        callbacks: callbacks.into_iter().map(CallbackOut::from).collect(),
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// `YYYY-MM`, in the office's time zone.
    #[param(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueRow {
    pub callback: CallbackOut,
    /// The order called about (absent only if it is no longer readable).
    pub order: Option<QueueOrder>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressOut {
    pub done: u64,
    pub to_do: u64,
    pub unreachable: u64,
}

impl From<Progress> for ProgressOut {
    fn from(p: Progress) -> Self {
        ProgressOut {
            done: p.done,
            to_do: p.to_do,
            unreachable: p.unreachable,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueOut {
    /// The month's sample in force; absent until it is drawn.
    pub sample: Option<SampleBody>,
    pub rows: Vec<QueueRow>,
    /// Counted per sampled order.
    pub progress: ProgressOut,
}

#[utoipa::path(get, path = "/api/v1/callbacks/queue", params(QueueQuery), responses((status = 200, body = QueueOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn queue(
    State(st): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> Result<Json<QueueOut>> {
    let out = svc::queue(&*st.store, c.0.office, &q.month).await?;
    Ok(Json(QueueOut {
        sample: out.sample.map(SampleBody::from),
        rows: out
            .rows
            .into_iter()
            .map(|(c, order)| QueueRow {
                callback: c.into(),
                order,
            })
            .collect(),
        progress: out.progress.into(),
    }))
}
