//! Dispatch: the handover to the manager and its receipt (R-HANDOVER), pricing (R-PAID), suggestions and
//! assignment (R-DISPATCH), the appointment (R-APPOINT).

use axum::Json;
use axum::extract::{Path, State};
use baoxiu_sync_core::dispatch::{Suggestion as CoreSuggestion, assignable, can_receive};
use baoxiu_sync_core::{EventBody, FeeItem, Money, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ErrorBody;
use super::extract::{ApiJson, ApiQuery, Caller};
use super::orders::{OrderView, order_for, run};
use crate::error::{Error, Result};
use crate::service;
use crate::state::AppState;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct FeeItemIn {
    pub description: String,
    /// Minor units (fen / cents).
    pub materials: i64,
    /// Minor units (fen / cents).
    pub labour: i64,
    /// The fee-schedule item this line is quoted from (R-PAID), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl From<FeeItemIn> for FeeItem {
    fn from(i: FeeItemIn) -> Self {
        FeeItem {
            description: i.description,
            materials: Money(i.materials),
            labour: Money(i.labour),
            code: i.code,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PricingIn {
    pub paid: bool,
    #[serde(default)]
    pub items: Vec<FeeItemIn>,
    /// The fee-schedule version coded lines are quoted from (default: the one in force).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 4_294_967_295_u64)]
    pub schedule: Option<u32>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ClassificationIn {
    /// A small repair (零修) or not (a project), whatever the office's rule would say.
    pub small: bool,
    #[schema(pattern = "\\S")]
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct HandoverIn {
    /// The engineering manager (a dispatcher of the office) the order is handed to.
    #[schema(value_type = String, format = Uuid)]
    pub to: UserId,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AssignIn {
    #[schema(schema_with = super::schema::uuids)]
    pub technicians: Vec<UserId>,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AppointmentIn {
    /// UTC milliseconds.
    pub at: i64,
    /// Set when changing an agreed time: the customer must have consented (R-APPOINT).
    #[serde(default)]
    pub customer_consented: Option<bool>,
    #[serde(default)]
    pub reason: String,
}

/// A technician ranked for an order (R-DISPATCH).
#[derive(Debug, Serialize, ToSchema)]
pub struct Suggestion {
    #[schema(value_type = String)]
    pub technician: UserId,
    pub name: String,
    pub specialty_match: bool,
    pub same_zone: bool,
    /// Open orders assigned now.
    pub load: u32,
    pub rank: u32,
}

impl From<CoreSuggestion> for Suggestion {
    fn from(s: CoreSuggestion) -> Self {
        Suggestion {
            technician: s.technician,
            name: s.name,
            specialty_match: s.specialty_match,
            same_zone: s.same_zone,
            load: s.load,
            rank: s.rank,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestQuery {
    /// e.g. plumbing; inferred from the description when absent.
    pub specialty: Option<String>,
    /// e.g. the building; inferred from the unit ("A棟-12F-3" → "A棟") when absent.
    pub zone: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/receive", params(("id" = String, Path)), responses((status = 200, body = OrderView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn receive(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> Result<Json<OrderView>> {
    run(&st, &c, &id, EventBody::Received).await
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/pricing", params(("id" = String, Path)), request_body = PricingIn, responses((status = 200, body = OrderView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn pricing(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<PricingIn>,
) -> Result<Json<OrderView>> {
    let items: Vec<FeeItem> = p.items.into_iter().map(FeeItem::from).collect();
    // R-PAID: an order quoted from the schedule keeps the version it was quoted from.
    let schedule = if items.iter().any(|i| i.code.is_some()) || p.schedule.is_some() {
        super::schedule::version_or_in_force(&st, p.schedule).await?
    } else {
        None
    };
    run(
        &st,
        &c,
        &id,
        EventBody::Priced {
            paid: p.paid,
            items,
            schedule,
        },
    )
    .await
}

#[utoipa::path(get, path = "/api/v1/orders/{id}/suggestions", params(("id" = String, Path), SuggestQuery), responses((status = 200, body = Vec<Suggestion>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn suggestions(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<SuggestQuery>,
) -> Result<Json<Vec<Suggestion>>> {
    let s = order_for(&st, &c, &id).await?;
    let ranked = service::dispatch::suggestions(&*st.store, &s, q.specialty, q.zone).await?;
    Ok(Json(ranked.into_iter().map(Suggestion::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/assign", params(("id" = String, Path)), request_body = AssignIn, responses((status = 200, body = OrderView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn assign(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<AssignIn>,
) -> Result<Json<OrderView>> {
    // Only active technicians of this office can be assigned (the same check as a fact
    // arriving from a device).
    for t in &a.technicians {
        let ok = assignable(st.store.user(*t).await?.as_ref(), c.0.office);
        // A well-formed id of someone who cannot be assigned now: a conflict with the
        // office's people, not a malformed request.
        if !ok {
            return Err(Error::Conflict(format!(
                "{t} is not an active technician of this office"
            )));
        }
    }
    run(
        &st,
        &c,
        &id,
        EventBody::Assigned {
            technicians: a.technicians,
            reason: a.reason,
        },
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/appointment", params(("id" = String, Path)), request_body = AppointmentIn, responses((status = 200, body = OrderView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn appointment(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<AppointmentIn>,
) -> Result<Json<OrderView>> {
    let s = order_for(&st, &c, &id).await?;
    let body = if s.appointment.is_some() {
        EventBody::Rescheduled {
            at: a.at,
            customer_consented: a.customer_consented.unwrap_or(false),
            reason: a.reason,
        }
    } else {
        EventBody::AppointmentSet { at: a.at }
    };
    run(&st, &c, &id, body).await
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/handover", params(("id" = String, Path)), request_body = HandoverIn, responses((status = 200, body = OrderView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn handover(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(h): ApiJson<HandoverIn>,
) -> Result<Json<OrderView>> {
    // The same check as a handover arriving from a device.
    if !can_receive(st.store.user(h.to).await?.as_ref(), c.0.office) {
        return Err(Error::Conflict(format!(
            "{} is not an active engineering manager of this office",
            h.to
        )));
    }
    run(&st, &c, &id, EventBody::HandedOver { to: h.to }).await
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/classification", params(("id" = String, Path)), request_body = ClassificationIn, responses((status = 200, body = OrderView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn classification(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(k): ApiJson<ClassificationIn>,
) -> Result<Json<OrderView>> {
    if k.reason.trim().is_empty() {
        return Err(Error::Invalid("a classification needs a reason".into()));
    }
    run(
        &st,
        &c,
        &id,
        EventBody::Classified {
            small: k.small,
            reason: k.reason,
        },
    )
    .await
}
