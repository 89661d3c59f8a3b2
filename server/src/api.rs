//! The REST API under `/api/v1`. Handlers check the policy, then run the same sync-core
//! commands and rules a device runs, through the store's writer.

use std::collections::HashMap;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use baoxiu_sync_core::{
    Author, Channel, Customer, EventBody, FeeItem, Money, NewOrder, OrderId, Person, Role, UserId,
    WorkOrderState,
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use utoipa::{OpenApi, ToSchema};

use crate::app::{AppState, Caller, blocking};
use crate::error::{Error, ErrorBody, Result};
use crate::policy::{Action, authorize};
use crate::store::{OrderFilter, OrderRow};

/// JSON body whose rejections use our error body (422 for malformed input).
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;
    async fn from_request(req: Request, state: &S) -> Result<Self> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::MissingJsonContentType(e)) => Err(Error::Invalid(e.body_text())),
            Err(e) => Err(Error::Invalid(e.body_text())),
        }
    }
}

fn parse_id(id: &str) -> Result<OrderId> {
    id.parse()
        .map_err(|_| Error::NotFound(format!("work order {id}")))
}

/// Loads an order and checks the caller may `action` it.
async fn order_for(st: &AppState, c: &Caller, id: &str, action: Action) -> Result<WorkOrderState> {
    let id = parse_id(id)?;
    let store = st.store.clone();
    let s = blocking(move || store.order(id))
        .await?
        .ok_or_else(|| Error::NotFound(format!("work order {id}")))?;
    authorize(&c.0, action, Some(&s))?;
    Ok(s)
}

fn author(st: &AppState, c: &Caller) -> Author {
    Author {
        user: c.0.sub,
        device: st.store.server_device(),
        role: c.0.role,
    }
}

async fn run(
    st: &AppState,
    c: &Caller,
    id: &str,
    action: Action,
    body: EventBody,
) -> Result<Json<OrderView>> {
    let s = order_for(st, c, id, action).await?;
    let out = st
        .store
        .command(author(st, c), c.0.office, s.order, body)
        .await
        .map_err(|_| Error::Unavailable("the writer stopped".into()))??;
    Ok(Json(OrderView::from(out)))
}

/// An order with its state, timeline and anomalies (the reducer's output as JSON).
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderView {
    #[schema(value_type = String)]
    pub id: OrderId,
    pub status: String,
    /// The full merged state: customer, stamps, fees (minor units), signatures,
    /// `timeline` and `anomalies`.
    #[schema(value_type = Object)]
    pub state: serde_json::Value,
}

impl From<WorkOrderState> for OrderView {
    fn from(s: WorkOrderState) -> Self {
        OrderView {
            id: s.order,
            status: s.status.as_str().to_owned(),
            state: serde_json::to_value(&s).unwrap_or_default(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CustomerIn {
    pub name: String,
    pub unit: String,
    #[serde(default)]
    pub phone: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct IntakeIn {
    pub customer: CustomerIn,
    /// walk_in, phone, verbal, app
    pub channel: String,
    pub description: String,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct FeeItemIn {
    pub description: String,
    /// Minor units (fen / cents).
    pub materials: i64,
    /// Minor units (fen / cents).
    pub labour: i64,
}

impl From<FeeItemIn> for FeeItem {
    fn from(i: FeeItemIn) -> Self {
        FeeItem {
            description: i.description,
            materials: Money(i.materials),
            labour: Money(i.labour),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PricingIn {
    pub paid: bool,
    #[serde(default)]
    pub items: Vec<FeeItemIn>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AssignIn {
    #[schema(value_type = Vec<String>)]
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

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReasonIn {
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReceiptIn {
    pub number: String,
    /// Minor units; must equal the order's total.
    pub amount: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ListQuery {
    pub status: Option<String>,
    pub technician: Option<String>,
    /// Logged at or after, UTC ms.
    pub from: Option<i64>,
    /// Logged before, UTC ms.
    pub to: Option<i64>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderPage {
    pub items: Vec<OrderRow>,
    pub total: u64,
    pub limit: u32,
    pub offset: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonOut {
    #[schema(value_type = String)]
    pub id: UserId,
    pub name: String,
    pub role: String,
    pub specialties: Vec<String>,
    pub zone: Option<String>,
    pub active: bool,
}

impl From<Person> for PersonOut {
    fn from(p: Person) -> Self {
        PersonOut {
            id: p.id,
            name: p.name,
            role: p.role.as_str().to_owned(),
            specialties: p.specialties,
            zone: p.zone,
            active: p.active,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PersonIn {
    pub name: String,
    pub role: String,
    #[serde(default)]
    pub specialties: Vec<String>,
    #[serde(default)]
    pub zone: Option<String>,
}

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

#[derive(Debug, Deserialize, ToSchema)]
pub struct SuggestQuery {
    /// e.g. plumbing; inferred from the description when absent.
    pub specialty: Option<String>,
    /// e.g. the building; inferred from the unit ("A棟-12F-3" → "A棟") when absent.
    pub zone: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceOut {
    #[schema(value_type = String)]
    pub user: UserId,
    pub device: String,
    pub last_sync: Option<i64>,
}

#[derive(OpenApi, Debug)]
#[openapi(
    info(
        title = "baoxiu",
        description = "Repair requests, dispatch and offline field work"
    ),
    paths(
        list_users,
        create_user,
        deactivate_user,
        create_order,
        list_orders,
        get_order,
        receive,
        pricing,
        suggestions,
        assign,
        appointment,
        cancel,
        receipt,
        devices,
        healthz
    ),
    components(schemas(
        ErrorBody,
        OrderView,
        IntakeIn,
        CustomerIn,
        PricingIn,
        FeeItemIn,
        AssignIn,
        AppointmentIn,
        ReasonIn,
        ReceiptIn,
        OrderPage,
        OrderRow,
        PersonOut,
        PersonIn,
        Suggestion,
        DeviceOut
    ))
)]
pub struct ApiDoc;

pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "alive"), (status = 503, description = "storage failing (e.g. disk full); nothing is acknowledged that was not stored")))]
pub async fn healthz(State(st): State<AppState>) -> Result<Response> {
    let store = st.store.clone();
    let log = blocking(move || store.log_len()).await?;
    Ok(match st.store.storage_error() {
        None => Json(serde_json::json!({"status": "ok", "log": log})).into_response(),
        Some(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({"status": "degraded", "storage": e, "log": log})),
        )
            .into_response(),
    })
}

pub async fn metrics(State(st): State<AppState>) -> Response {
    let mut out = String::new();
    if let Ok(r) = st.metrics.registry.lock() {
        let _ = prometheus_client::encoding::text::encode(&mut out, &r);
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        out,
    )
        .into_response()
}

pub async fn not_found() -> Error {
    Error::NotFound("route".into())
}

#[utoipa::path(get, path = "/api/v1/users", responses((status = 200, body = Vec<PersonOut>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_users(State(st): State<AppState>, c: Caller) -> Result<Json<Vec<PersonOut>>> {
    authorize(&c.0, Action::ListUsers, None)?;
    let store = st.store.clone();
    let office = c.0.office;
    let people = blocking(move || store.users(office)).await?;
    Ok(Json(people.into_iter().map(PersonOut::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/users", request_body = PersonIn, responses((status = 201, body = PersonOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_user(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(p): ApiJson<PersonIn>,
) -> Result<(StatusCode, Json<PersonOut>)> {
    authorize(&c.0, Action::ManageUsers, None)?;
    let role: Role = p.role.parse()?;
    if p.name.trim().is_empty() {
        return Err(Error::Invalid("name is empty".into()));
    }
    let person = Person {
        id: UserId::new(),
        name: p.name,
        role,
        office: c.0.office,
        specialties: p.specialties,
        zone: p.zone,
        token_version: 0,
        active: true,
    };
    let store = st.store.clone();
    let saved = person.clone();
    blocking(move || store.upsert_user(saved)).await?;
    Ok((StatusCode::CREATED, Json(person.into())))
}

#[utoipa::path(post, path = "/api/v1/users/{id}/deactivate", responses((status = 200, body = PersonOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn deactivate_user(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> Result<Json<PersonOut>> {
    authorize(&c.0, Action::ManageUsers, None)?;
    let id: UserId = id
        .parse()
        .map_err(|_| Error::NotFound(format!("user {id}")))?;
    let store = st.store.clone();
    let office = c.0.office;
    let p = blocking(move || -> Result<Person> {
        let mut p = store
            .user(id)?
            .filter(|p| p.office == office)
            .ok_or_else(|| Error::NotFound(format!("user {id}")))?;
        p.active = false;
        // Every token issued before now stops working.
        p.token_version += 1;
        store.upsert_user(p.clone())?;
        Ok(p)
    })
    .await?;
    Ok(Json(p.into()))
}

fn channel(s: &str) -> Result<Channel> {
    let c: Channel = serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| Error::Invalid(format!("unknown channel {s:?}")))?;
    if c == Channel::Field {
        return Err(Error::Invalid(
            "field orders are logged by technicians on their devices".into(),
        ));
    }
    Ok(c)
}

#[utoipa::path(post, path = "/api/v1/orders", request_body = IntakeIn, responses((status = 201, body = OrderView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_order(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(i): ApiJson<IntakeIn>,
) -> Result<(StatusCode, Json<OrderView>)> {
    authorize(&c.0, Action::Intake, None)?;
    let store = st.store.clone();
    let office_id = c.0.office;
    let office = blocking(move || store.office(office_id))
        .await?
        .ok_or_else(|| Error::NotFound("office".into()))?;
    let new = NewOrder {
        office,
        customer: Customer {
            name: i.customer.name,
            unit: i.customer.unit,
            phone: i.customer.phone,
        },
        channel: channel(&i.channel)?,
        description: i.description,
        follow_up_of: None,
    };
    let s = st
        .store
        .create(author(&st, &c), new)
        .await
        .map_err(|_| Error::Unavailable("the writer stopped".into()))??;
    Ok((StatusCode::CREATED, Json(s.into())))
}

#[utoipa::path(get, path = "/api/v1/orders", params(("status" = Option<String>, Query), ("technician" = Option<String>, Query), ("from" = Option<i64>, Query), ("to" = Option<i64>, Query), ("limit" = Option<u32>, Query), ("offset" = Option<u32>, Query)), responses((status = 200, body = OrderPage), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_orders(
    State(st): State<AppState>,
    c: Caller,
    q: std::result::Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<OrderPage>> {
    authorize(&c.0, Action::ListOrders, None)?;
    let Query(q) = q.map_err(|e| Error::Invalid(e.body_text()))?;
    let mut technician = match q.technician.as_deref() {
        Some(t) => Some(
            t.parse::<UserId>()
                .map_err(|_| Error::Invalid(format!("technician {t:?}")))?,
        ),
        None => None,
    };
    // A technician lists only their own orders.
    if c.0.role == Role::Technician {
        technician = Some(c.0.sub);
    }
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let offset = q.offset.unwrap_or(0);
    let filter = OrderFilter {
        office: c.0.office,
        status: q.status,
        technician,
        from: q.from,
        to: q.to,
        limit,
        offset,
    };
    let store = st.store.clone();
    let (items, total) = blocking(move || store.list_orders(&filter)).await?;
    Ok(Json(OrderPage {
        items,
        total,
        limit,
        offset,
    }))
}

#[utoipa::path(get, path = "/api/v1/orders/{id}", responses((status = 200, body = OrderView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_order(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> Result<Json<OrderView>> {
    Ok(Json(
        order_for(&st, &c, &id, Action::ReadOrder).await?.into(),
    ))
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/receive", responses((status = 200, body = OrderView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn receive(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> Result<Json<OrderView>> {
    run(&st, &c, &id, Action::Receive, EventBody::Received).await
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/pricing", request_body = PricingIn, responses((status = 200, body = OrderView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn pricing(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<PricingIn>,
) -> Result<Json<OrderView>> {
    let items = p.items.into_iter().map(FeeItem::from).collect();
    run(
        &st,
        &c,
        &id,
        Action::Price,
        EventBody::Priced {
            paid: p.paid,
            items,
        },
    )
    .await
}

#[utoipa::path(get, path = "/api/v1/orders/{id}/suggestions", params(("specialty" = Option<String>, Query), ("zone" = Option<String>, Query)), responses((status = 200, body = Vec<Suggestion>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn suggestions(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Query(q): Query<SuggestQuery>,
) -> Result<Json<Vec<Suggestion>>> {
    let s = order_for(&st, &c, &id, Action::Suggest).await?;
    let specialty = q
        .specialty
        .or_else(|| baoxiu_sync_core::category_of(&s.description).map(str::to_owned));
    let zone = q
        .zone
        .or_else(|| s.customer.unit.split('-').next().map(str::to_owned));
    let store = st.store.clone();
    let office = c.0.office;
    let (people, load): (Vec<Person>, HashMap<UserId, u32>) =
        blocking(move || Ok::<_, Error>((store.users(office)?, store.technician_load(office)?)))
            .await?;
    let mut out: Vec<Suggestion> = people
        .into_iter()
        .filter(|p| p.role == Role::Technician && p.active)
        .map(|p| Suggestion {
            technician: p.id,
            specialty_match: specialty
                .as_ref()
                .is_some_and(|sp| p.specialties.contains(sp)),
            same_zone: zone.is_some() && p.zone == zone,
            load: load.get(&p.id).copied().unwrap_or(0),
            name: p.name,
            rank: 0,
        })
        .collect();
    // Specialty first, then who can be there fastest: same zone, then fewer open jobs.
    out.sort_by(|a, b| {
        b.specialty_match
            .cmp(&a.specialty_match)
            .then(b.same_zone.cmp(&a.same_zone))
            .then(a.load.cmp(&b.load))
            .then(a.name.cmp(&b.name))
    });
    for (i, s) in out.iter_mut().enumerate() {
        s.rank = u32::try_from(i + 1).unwrap_or(u32::MAX);
    }
    Ok(Json(out))
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/assign", request_body = AssignIn, responses((status = 200, body = OrderView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn assign(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<AssignIn>,
) -> Result<Json<OrderView>> {
    // Only active technicians of this office can be assigned.
    let store = st.store.clone();
    let techs = a.technicians.clone();
    let office = c.0.office;
    blocking(move || -> Result<()> {
        for t in techs {
            let ok = store
                .user(t)?
                .is_some_and(|p| p.office == office && p.role == Role::Technician && p.active);
            if !ok {
                return Err(Error::Invalid(format!(
                    "{t} is not an active technician of this office"
                )));
            }
        }
        Ok(())
    })
    .await?;
    run(
        &st,
        &c,
        &id,
        Action::Assign,
        EventBody::Assigned {
            technicians: a.technicians,
            reason: a.reason,
        },
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/appointment", request_body = AppointmentIn, responses((status = 200, body = OrderView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn appointment(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<AppointmentIn>,
) -> Result<Json<OrderView>> {
    let s = order_for(&st, &c, &id, Action::Appoint).await?;
    let body = if s.appointment.is_some() {
        EventBody::Rescheduled {
            at: a.at,
            customer_consented: a.customer_consented.unwrap_or(false),
            reason: a.reason,
        }
    } else {
        EventBody::AppointmentSet { at: a.at }
    };
    run(&st, &c, &id, Action::Appoint, body).await
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/cancel", request_body = ReasonIn, responses((status = 200, body = OrderView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<ReasonIn>,
) -> Result<Json<OrderView>> {
    if r.reason.trim().is_empty() {
        return Err(Error::Invalid("a cancellation needs a reason".into()));
    }
    run(
        &st,
        &c,
        &id,
        Action::Cancel,
        EventBody::Cancelled { reason: r.reason },
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/receipt", request_body = ReceiptIn, responses((status = 200, body = OrderView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn receipt(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<ReceiptIn>,
) -> Result<Json<OrderView>> {
    if r.number.trim().is_empty() {
        return Err(Error::Invalid("a receipt needs a number".into()));
    }
    run(
        &st,
        &c,
        &id,
        Action::Receipt,
        EventBody::ReceiptIssued {
            number: r.number,
            amount: Money(r.amount),
        },
    )
    .await
}

#[utoipa::path(get, path = "/api/v1/devices", responses((status = 200, body = Vec<DeviceOut>), (status = 403, body = ErrorBody)))]
pub async fn devices(State(st): State<AppState>, c: Caller) -> Result<Json<Vec<DeviceOut>>> {
    authorize(&c.0, Action::ListUsers, None)?;
    let store = st.store.clone();
    let office = c.0.office;
    let rows = blocking(move || store.device_syncs(office)).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(user, device, last_sync)| DeviceOut {
                user,
                device: device.to_string(),
                last_sync,
            })
            .collect(),
    ))
}
