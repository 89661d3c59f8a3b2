//! Orders: intake (R-INTAKE, with the visit booked at once, R-APPOINT), the list, one
//! order, cancellation.
//! Handlers run the same sync-core commands and rules a device runs, through the store.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use baoxiu_sync_core::{
    Author, Channel, Customer, EventBody, NewOrder, OrderId, Role, Status, UserId, WorkOrderState,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{ApiJson, ApiQuery, Caller};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::customer_link::ItemKind;
use crate::store::{OrderFilter, OrderRow};

fn parse_id(id: &str) -> Result<OrderId> {
    id.parse()
        .map_err(|_| Error::NotFound(format!("work order {id}")))
}

/// Loads an order and checks the caller may do the route's action on it.
pub(super) async fn order_for(st: &AppState, c: &Caller, id: &str) -> Result<WorkOrderState> {
    let id = parse_id(id)?;
    let s = st
        .store
        .order(id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("work order {id}")))?;
    c.check(Some(&s))?;
    Ok(s)
}

pub(super) fn author(st: &AppState, c: &Caller) -> Author {
    Author {
        user: c.0.sub,
        device: st.store.server_device(),
        role: c.0.role,
    }
}

/// Runs one command on an order the caller may act on.
pub(super) async fn run(
    st: &AppState,
    c: &Caller,
    id: &str,
    body: EventBody,
) -> Result<Json<OrderView>> {
    let s = order_for(st, c, id).await?;
    let out = st
        .store
        .command(author(st, c), c.0.office, s.order, body, st.now())
        .await?;
    Ok(Json(OrderView::from(out)))
}

/// An order with its state, timeline and anomalies (the reducer's output as JSON).
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderView {
    #[schema(value_type = String)]
    pub id: OrderId,
    pub status: String,
    /// What the customer pays: the fees less compensation credited (R-PREMISES, R-COLLECT),
    /// minor units.
    pub amount_due: i64,
    /// The full merged state: customer, stamps, fees (minor units), signatures,
    /// `timeline` and `anomalies`.
    // Serialised straight from the reducer's output: no intermediate JSON tree, whose
    // cost (an allocation per field of every timeline entry) dominated a long order.
    #[schema(value_type = Object)]
    pub state: WorkOrderState,
}

impl From<WorkOrderState> for OrderView {
    fn from(s: WorkOrderState) -> Self {
        OrderView {
            id: s.order,
            status: s.status.as_str().to_owned(),
            amount_due: s.amount_due().0,
            state: s,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CustomerIn {
    #[schema(pattern = "\\S")]
    pub name: String,
    #[schema(pattern = "\\S")]
    pub unit: String,
    /// Required (R-INTAKE): how the visit is booked and the customer called back.
    #[schema(pattern = "\\S")]
    pub phone: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct IntakeIn {
    pub customer: CustomerIn,
    /// walk_in, phone, verbal, app
    #[schema(schema_with = super::schema::intake_channel)]
    pub channel: String,
    #[schema(pattern = "\\S")]
    pub description: String,
    /// R-APPOINT: the visit booked with the customer at intake (UTC ms), if agreed now.
    #[serde(default)]
    #[schema(minimum = 946_684_800_000_i64, maximum = 4_102_444_800_000_i64)]
    pub appointment: Option<i64>,
    /// The customer record it is for, when the desk found it (404 if not the office's);
    /// otherwise the customer is matched by unit and phone.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 100)]
    pub customer_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReasonIn {
    #[schema(pattern = "\\S")]
    pub reason: String,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    #[param(schema_with = super::schema::order_status)]
    pub status: Option<String>,
    /// A technician's user id (ignored for a technician, who lists their own).
    #[param(schema_with = super::schema::uuid)]
    pub technician: Option<String>,
    /// Logged at or after, UTC ms.
    pub from: Option<i64>,
    /// Logged before, UTC ms.
    pub to: Option<i64>,
    /// Search: the unit or customer name contains it, the id starts with it, or — when it
    /// reads as a phone number — the phone contains its digits (1–100 characters).
    #[param(min_length = 1, max_length = 100)]
    pub q: Option<String>,
    /// Paid service (true) or free (false); orders not yet priced match neither.
    pub paid: Option<bool>,
    /// One customer's orders (S5): the customer's id.
    #[param(min_length = 1, max_length = 100)]
    pub customer: Option<String>,
    /// 1–500 (default 50; larger is taken as 500).
    #[param(value_type = Option<u64>, maximum = 4_294_967_295_u64)]
    pub limit: Option<u32>,
    #[param(value_type = Option<u64>, maximum = 4_294_967_295_u64)]
    pub offset: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderPage {
    pub items: Vec<OrderRow>,
    pub total: u64,
    pub limit: u32,
    pub offset: u32,
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

/// R-INTAKE through any of the front door's forms (the intake form, a contact converted):
/// the agent's training checked, the booking checked before anything is logged, the order
/// logged and linked to the customer chosen, then booked.
pub(super) async fn intake(
    st: &AppState,
    c: &Caller,
    (customer, channel, description): (Customer, Channel, String),
    appointment: Option<i64>,
    customer_id: Option<String>,
) -> Result<WorkOrderState> {
    // R-CS-TRAINING: a repair report is a customer's contact.
    super::trainings::require_trained(st, c).await?;
    let office = st
        .store
        .office(c.0.office)
        .await?
        .ok_or_else(|| Error::NotFound("office".into()))?;
    let new = NewOrder {
        office,
        customer,
        channel,
        description,
        follow_up_of: None,
    };
    // Refuse a bad booking before anything is logged, so a refused intake writes nothing.
    let booking = appointment.map(|at| EventBody::AppointmentSet { at });
    if let Some(b) = &booking {
        baoxiu_sync_core::rules::well_formed(b)
            .map_err(|v| Error::Invalid(format!("{}: {v}", v.rule())))?;
    }
    if let Some(id) = &customer_id
        && st.store.customer(c.0.office, id.clone()).await?.is_none()
    {
        return Err(Error::NotFound(format!("customer {id}")));
    }
    let mut s = st.store.create(author(st, c), new, st.now()).await?;
    if let Some(id) = customer_id {
        st.store
            .set_link(c.0.office, ItemKind::Order, s.order.to_string(), id)
            .await?;
    }
    if let Some(b) = booking {
        s = st
            .store
            .command(author(st, c), c.0.office, s.order, b, st.now())
            .await?;
    }
    Ok(s)
}

#[utoipa::path(post, path = "/api/v1/orders", request_body = IntakeIn, responses((status = 201, body = OrderView), (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody, description = "`customer_id` names no customer of the office"), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(i): ApiJson<IntakeIn>,
) -> Result<(StatusCode, Json<OrderView>)> {
    let customer = Customer {
        name: i.customer.name,
        unit: i.customer.unit,
        phone: i.customer.phone,
    };
    let s = intake(
        &st,
        &c,
        (customer, channel(&i.channel)?, i.description),
        i.appointment,
        i.customer_id,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(s.into())))
}

#[utoipa::path(get, path = "/api/v1/orders", params(ListQuery), responses((status = 200, body = OrderPage), (status = 401, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<OrderPage>> {
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
    let status = q
        .status
        .as_deref()
        .map(|s| {
            s.parse::<Status>()
                .map_err(|_| Error::Invalid(format!("unknown status {s:?}")))
        })
        .transpose()?;
    if q.q
        .as_deref()
        .is_some_and(|s| s.is_empty() || s.chars().count() > 100)
    {
        return Err(Error::Invalid("q is 1–100 characters".into()));
    }
    if q.customer
        .as_deref()
        .is_some_and(|s| s.is_empty() || s.chars().count() > 100)
    {
        return Err(Error::Invalid("customer is 1–100 characters".into()));
    }
    // Blank space alone searches for nothing in particular: the whole list.
    let search =
        q.q.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let offset = q.offset.unwrap_or(0);
    let filter = OrderFilter {
        office: c.0.office,
        status,
        technician,
        from: q.from,
        to: q.to,
        search,
        paid: q.paid,
        customer: q.customer,
        limit,
        offset,
    };
    let (items, total) = st.store.list_orders(filter).await?;
    Ok(Json(OrderPage {
        items,
        total,
        limit,
        offset,
    }))
}

#[utoipa::path(get, path = "/api/v1/orders/{id}", params(("id" = String, Path)), responses((status = 200, body = OrderView), (status = 401, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> Result<Json<OrderView>> {
    Ok(Json(order_for(&st, &c, &id).await?.into()))
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/cancel", params(("id" = String, Path)), request_body = ReasonIn, responses((status = 200, body = OrderView), (status = 403, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody)))]
pub async fn cancel(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<ReasonIn>,
) -> Result<Json<OrderView>> {
    if r.reason.trim().is_empty() {
        return Err(Error::Invalid("a cancellation needs a reason".into()));
    }
    run(&st, &c, &id, EventBody::Cancelled { reason: r.reason }).await
}
