//! Customers (S5): the record, its page with the whole history, flagging a key account
//! (S5 21) and recording a customer leaving (S5 13, 26).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use baoxiu_sync_core::customer::{ChurnCause, ChurnType, Customer, CustomerFields, CustomerKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ErrorBody;
use super::extract::{ApiJson, ApiQuery, Caller};
use crate::error::{Error, Result};
use crate::service::customers::{self as svc, CustomerPage};
use crate::state::AppState;
use crate::store::CustomerFilter;

/// A customer as entered.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CustomerRecordIn {
    /// unit, owner, tenant, owners_committee, corporate_tenant
    #[schema(schema_with = super::schema::customer_kind)]
    pub kind: String,
    #[schema(pattern = "\\S", max_length = 200)]
    pub name: String,
    #[schema(pattern = "\\S", max_length = 200)]
    pub unit: String,
    /// Up to 5, each with at least three digits.
    #[serde(default)]
    #[schema(schema_with = super::schema::phones)]
    pub phones: Vec<String>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub note: String,
}

impl CustomerRecordIn {
    fn fields(self) -> Result<CustomerFields> {
        let kind: CustomerKind = self
            .kind
            .parse()
            .map_err(|_| Error::Invalid(format!("customer kind {:?}", self.kind)))?;
        Ok(CustomerFields {
            kind,
            name: self.name,
            unit: self.unit,
            phones: self.phones,
            note: self.note,
        }
        .checked()?)
    }
}

/// A customer's leaving, as shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChurnOut {
    pub on: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub cause: String,
    pub note: String,
    pub by: String,
    pub at: i64,
}

/// A customer record.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerOut {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub unit: String,
    pub phones: Vec<String>,
    pub key_account: bool,
    pub note: String,
    pub churn: Option<ChurnOut>,
    pub created_by: String,
    pub created_at: i64,
}

impl From<Customer> for CustomerOut {
    fn from(c: Customer) -> Self {
        let kind: &str = c.kind.into();
        CustomerOut {
            id: c.id,
            kind: kind.to_owned(),
            name: c.name,
            unit: c.unit,
            phones: c.phones,
            key_account: c.key_account,
            note: c.note,
            churn: c.churn.map(|ch| {
                let (kind, cause): (&str, &str) = (ch.kind.into(), ch.cause.into());
                ChurnOut {
                    on: ch.on.to_string(),
                    kind: kind.to_owned(),
                    cause: cause.to_owned(),
                    note: ch.note,
                    by: ch.by.to_string(),
                    at: ch.at,
                }
            }),
            created_by: c.created_by.to_string(),
            created_at: c.created_at,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomersQuery {
    /// The name or unit contains it (case and spaces ignored), or a phone contains its
    /// digits.
    #[param(min_length = 1, max_length = 100)]
    pub q: Option<String>,
    /// Key accounts only.
    pub key_accounts: Option<bool>,
    /// 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/customers", params(CustomersQuery), responses((status = 200, body = Vec<CustomerOut>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<CustomersQuery>,
) -> Result<Json<Vec<CustomerOut>>> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(Error::Invalid("limit is 1–500".into()));
    }
    if q.q
        .as_deref()
        .is_some_and(|s| s.is_empty() || s.chars().count() > 100)
    {
        return Err(Error::Invalid("q is 1–100 characters".into()));
    }
    let search =
        q.q.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
    let filter = CustomerFilter {
        search,
        key_accounts: q.key_accounts.unwrap_or(false),
        limit,
    };
    let out = st.store.customers(c.0.office, filter).await?;
    Ok(Json(out.into_iter().map(CustomerOut::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/customers", request_body = CustomerRecordIn, responses((status = 201, body = CustomerOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<CustomerRecordIn>,
) -> Result<(StatusCode, Json<CustomerOut>)> {
    let cu = Customer::new(b.fields()?, c.0.sub, st.now())?;
    st.store.add_customer(c.0.office, cu.clone()).await?;
    Ok((StatusCode::CREATED, Json(cu.into())))
}

async fn load(st: &AppState, c: &Caller, id: &str) -> Result<Customer> {
    st.store
        .customer(c.0.office, id.to_owned())
        .await?
        .ok_or_else(|| Error::NotFound(format!("customer {id}")))
}

#[utoipa::path(get, path = "/api/v1/customers/{id}", params(("id" = String, Path)), responses((status = 200, body = CustomerPage), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn page(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> Result<Json<CustomerPage>> {
    Ok(Json(
        svc::page(&*st.store, c.0.office, &id, st.now()).await?,
    ))
}

#[utoipa::path(put, path = "/api/v1/customers/{id}", params(("id" = String, Path)), request_body = CustomerRecordIn, responses((status = 200, body = CustomerOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn edit(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CustomerRecordIn>,
) -> Result<Json<CustomerOut>> {
    let mut cu = load(&st, &c, &id).await?;
    cu.edit(b.fields()?)?;
    st.store.save_customer(c.0.office, cu.clone()).await?;
    Ok(Json(cu.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct KeyAccountIn {
    pub key_account: bool,
}

#[utoipa::path(put, path = "/api/v1/customers/{id}/key-account", params(("id" = String, Path)), request_body = KeyAccountIn, responses((status = 200, body = CustomerOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn key_account(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<KeyAccountIn>,
) -> Result<Json<CustomerOut>> {
    let mut cu = load(&st, &c, &id).await?;
    cu.key_account = b.key_account;
    st.store.save_customer(c.0.office, cu.clone()).await?;
    Ok(Json(cu.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChurnIn {
    /// The day the customer left (not after today).
    #[schema(schema_with = super::schema::day)]
    pub on: String,
    /// natural, malicious, competitive, fault (S5 26)
    #[serde(rename = "type")]
    #[schema(schema_with = super::schema::churn_type)]
    pub kind: String,
    /// value, system, staff (S5 13)
    #[schema(schema_with = super::schema::churn_cause)]
    pub cause: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub note: String,
}

#[utoipa::path(post, path = "/api/v1/customers/{id}/churn", params(("id" = String, Path)), request_body = ChurnIn, responses((status = 200, body = CustomerOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "the customer's leaving is recorded already, or the day is after today"), (status = 422, body = ErrorBody)))]
pub async fn churn(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ChurnIn>,
) -> Result<Json<CustomerOut>> {
    let on: NaiveDate =
        b.on.parse()
            .map_err(|_| Error::Invalid(format!("{:?} is not a day", b.on)))?;
    let kind: ChurnType = b
        .kind
        .parse()
        .map_err(|_| Error::Invalid(format!("churn type {:?}", b.kind)))?;
    let cause: ChurnCause = b
        .cause
        .parse()
        .map_err(|_| Error::Invalid(format!("churn cause {:?}", b.cause)))?;
    let mut cu = load(&st, &c, &id).await?;
    let today = super::trainings::today(&st, &c).await?;
    cu.record_churn((on, kind, cause, &b.note), (c.0.sub, st.now(), today))?;
    st.store.save_customer(c.0.office, cu.clone()).await?;
    Ok(Json(cu.into()))
}

#[utoipa::path(delete, path = "/api/v1/customers/{id}/churn", params(("id" = String, Path)), responses((status = 200, body = CustomerOut, description = "the customer is back (or the leaving was recorded by mistake)"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "no leaving recorded")))]
pub async fn withdraw_churn(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> Result<Json<CustomerOut>> {
    let mut cu = load(&st, &c, &id).await?;
    if cu.churn.take().is_none() {
        return Err(Error::Conflict("no leaving is recorded".into()));
    }
    st.store.save_customer(c.0.office, cu.clone()).await?;
    Ok(Json(cu.into()))
}
