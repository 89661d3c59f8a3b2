//! The fee schedule (R-PAID, R-SERVICE-LIST): published by a manager or admin, read by
//! everyone (phones receive it with the sync welcome), and the manager's approval or change
//! of an order's fees.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use baoxiu_sync_core::fee_schedule::{FeeSchedule, ScheduleItem};
use baoxiu_sync_core::order_state::{EARLIEST_TIME, LATEST_TIME};
use baoxiu_sync_core::{EventBody, FeeItem, Money};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ErrorBody;
use super::dispatch::FeeItemIn;
use super::extract::{ApiJson, ApiQuery, Caller};
use super::orders::{OrderView, run};
use crate::error::{Error, Result};
use crate::state::AppState;

/// A standard item (minor units; `free`: on the free service-item list).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ScheduleItemIo {
    #[schema(pattern = "\\S", max_length = 32)]
    pub code: String,
    #[schema(pattern = "\\S", max_length = 200)]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 64)]
    pub category: String,
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub materials: i64,
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub labour: i64,
    #[serde(default)]
    pub free: bool,
}

impl From<ScheduleItemIo> for ScheduleItem {
    fn from(i: ScheduleItemIo) -> Self {
        ScheduleItem {
            code: i.code,
            name: i.name,
            category: i.category,
            materials: Money(i.materials),
            labour: Money(i.labour),
            free: i.free,
        }
    }
}

impl From<ScheduleItem> for ScheduleItemIo {
    fn from(i: ScheduleItem) -> Self {
        ScheduleItemIo {
            code: i.code,
            name: i.name,
            category: i.category,
            materials: i.materials.0,
            labour: i.labour.0,
            free: i.free,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PublishIn {
    /// When the new version takes effect (UTC ms).
    #[schema(minimum = 946_684_800_000_i64, maximum = 4_102_444_800_000_i64)]
    pub effective_from: i64,
    #[schema(min_items = 1, max_items = 2000)]
    pub items: Vec<ScheduleItemIo>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleOut {
    pub version: u32,
    pub effective_from: i64,
    pub items: Vec<ScheduleItemIo>,
}

impl From<FeeSchedule> for ScheduleOut {
    fn from(s: FeeSchedule) -> Self {
        ScheduleOut {
            version: s.version,
            effective_from: s.effective_from,
            items: s.items.into_iter().map(ScheduleItemIo::from).collect(),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScheduleQuery {
    /// A published version; default: the one in force now.
    #[param(minimum = 1, maximum = 4_294_967_295_u64)]
    pub version: Option<u32>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct FeesIn {
    /// The fees the manager approves: the technician's proposal as it stands, or changed.
    pub items: Vec<FeeItemIn>,
    /// A change of the free/paid decision; absent keeps it.
    #[serde(default)]
    pub paid: Option<bool>,
    #[schema(pattern = "\\S")]
    pub reason: String,
    /// The fee-schedule version coded lines are quoted from (default: the order's own, else
    /// the one in force).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 4_294_967_295_u64)]
    pub schedule: Option<u32>,
}

/// The version a command names, else the one in force (an order keeps the version it was
/// quoted from).
pub(super) async fn version_or_in_force(st: &AppState, given: Option<u32>) -> Result<Option<u32>> {
    if given == Some(0) {
        return Err(Error::Invalid("schedule versions start at 1".into()));
    }
    if given.is_some() {
        return Ok(given);
    }
    Ok(st
        .store
        .fee_schedule(None, st.now())
        .await?
        .map(|s| s.version))
}

#[utoipa::path(get, path = "/api/v1/fee-schedule", params(ScheduleQuery), responses((status = 200, body = ScheduleOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    _c: Caller,
    ApiQuery(q): ApiQuery<ScheduleQuery>,
) -> Result<Json<ScheduleOut>> {
    let s = st
        .store
        .fee_schedule(q.version, st.now())
        .await?
        .ok_or_else(|| Error::NotFound("fee schedule".into()))?;
    Ok(Json(s.into()))
}

#[utoipa::path(post, path = "/api/v1/fee-schedule", request_body = PublishIn, responses((status = 201, body = ScheduleOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn publish(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(p): ApiJson<PublishIn>,
) -> Result<(StatusCode, Json<ScheduleOut>)> {
    if !(EARLIEST_TIME..=LATEST_TIME).contains(&p.effective_from) {
        return Err(Error::Invalid(
            "effective_from is a time in the years 2000 to 2100".into(),
        ));
    }
    let items: Vec<ScheduleItem> = p.items.into_iter().map(ScheduleItem::from).collect();
    // Well-formed, but not a schedule an office could publish (a code twice, a free item
    // with a price…): a conflict with the rules, not a malformed request.
    FeeSchedule {
        version: 1,
        effective_from: p.effective_from,
        items: items.clone(),
    }
    .check()
    .map_err(|e| Error::Conflict(format!("R-SERVICE-LIST: {e}")))?;
    let s = st
        .store
        .publish_schedule(p.effective_from, items, c.0.sub, st.now())
        .await?;
    Ok((StatusCode::CREATED, Json(s.into())))
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/fees", params(("id" = String, Path)), request_body = FeesIn, responses((status = 200, body = OrderView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn amend(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(f): ApiJson<FeesIn>,
) -> Result<Json<OrderView>> {
    if f.reason.trim().is_empty() {
        return Err(Error::Invalid(
            "approving or changing fees needs a reason".into(),
        ));
    }
    let items: Vec<FeeItem> = f.items.into_iter().map(FeeItem::from).collect();
    let s = super::orders::order_for(&st, &c, &id).await?;
    let schedule = match (f.schedule, s.schedule_version) {
        (Some(v), _) => version_or_in_force(&st, Some(v)).await?,
        (None, Some(v)) => Some(v),
        (None, None) => version_or_in_force(&st, None).await?,
    };
    run(
        &st,
        &c,
        &id,
        EventBody::FeesAmended {
            items,
            reason: f.reason,
            paid: f.paid,
            schedule,
        },
    )
    .await
}
