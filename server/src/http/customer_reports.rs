//! Customers across the office: the review list of doubtful links (and settling one), the
//! customer pyramid from paid revenue (S5 19), key accounts with their open items (S5 21)
//! and the churn report (S5 13, 26).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;

use super::ErrorBody;
use super::export::{Cell, Table, csv_response, format_of, h, xlsx_response};
use super::extract::{ApiJson, ApiQuery, Caller};
use crate::error::{Error, Result};
use crate::service::customers::{self as svc, ChurnReport, CustomerView, ReviewItem, TierReport};
use crate::state::AppState;
use crate::store::customer_link::ItemKind;

#[utoipa::path(get, path = "/api/v1/customers/review", responses((status = 200, body = Vec<ReviewItem>), (status = 403, body = ErrorBody)))]
pub async fn review(State(st): State<AppState>, c: Caller) -> Result<Json<Vec<ReviewItem>>> {
    Ok(Json(svc::review(&*st.store, c.0.office, None).await?))
}

/// Settles a doubtful link: the item is this customer's.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SettleIn {
    pub kind: ItemKind,
    #[schema(min_length = 1, max_length = 100)]
    pub item: String,
    /// The customer it belongs to: the one it is linked to (confirming), the candidate, or
    /// any other of the office's.
    #[schema(min_length = 1, max_length = 100)]
    pub customer: String,
    /// Keep the item's phone on the customer too (an order's or complaint's phone the
    /// customer did not have).
    #[serde(default)]
    pub add_phone: bool,
}

#[utoipa::path(post, path = "/api/v1/customers/review", request_body = SettleIn, responses((status = 204, description = "linked for sure"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "no such item or customer in the office"), (status = 422, body = ErrorBody)))]
pub async fn settle(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<SettleIn>,
) -> Result<StatusCode> {
    let office = c.0.office;
    st.store
        .set_link(office, b.kind, b.item.clone(), b.customer.clone())
        .await?;
    if b.add_phone {
        let phone = match b.kind {
            ItemKind::Order => match b.item.parse() {
                Ok(id) => st.store.order(id).await?.map(|s| s.customer.phone),
                Err(_) => None,
            },
            ItemKind::Complaint => st
                .store
                .complaint(office, b.item.clone())
                .await?
                .map(|x| x.contact),
            ItemKind::Contact => st
                .store
                .contact(office, b.item.clone())
                .await?
                .map(|x| x.phone),
        };
        if let (Some(phone), Some(mut cu)) = (phone, st.store.customer(office, b.customer).await?)
            && cu.add_phone(&phone)
        {
            st.store.save_customer(office, cu).await?;
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TiersQuery {
    /// The last month of revenue ranked, `YYYY-MM` (office time zone); the office's
    /// `tier_months` end with it.
    #[param(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: String,
    /// json (default), csv, xlsx
    #[param(schema_with = super::schema::export_format)]
    pub format: Option<String>,
    /// zh (default) or en, for export headings.
    #[param(schema_with = super::schema::lang)]
    pub lang: Option<String>,
}

fn tier_table(r: &TierReport, en: bool) -> Table {
    Table {
        name: h(en, "客戶分層", "Customer tiers"),
        headings: vec![
            h(en, "客戶", "Customer"),
            h(en, "單位", "Unit"),
            h(en, "層級", "Tier"),
            h(en, "有償收入", "Paid revenue"),
            h(en, "大客戶", "Key account"),
        ],
        rows: r
            .customers
            .iter()
            .map(|l| {
                let tier: &str = l.tier.into();
                vec![
                    Cell::Text(l.name.clone()),
                    Cell::Text(l.unit.clone()),
                    Cell::Text(tier.to_owned()),
                    Cell::Money(l.revenue),
                    Cell::Text(if l.key_account { "✓" } else { "" }.to_owned()),
                ]
            })
            .collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/customers/tiers", params(TiersQuery), responses((status = 200, description = "the customer pyramid as JSON, or its customers as CSV / XLSX with `format`", content((TierReport = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn tiers(
    State(st): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<TiersQuery>,
) -> Result<Response> {
    let en = super::month::english(q.lang.as_deref())?;
    let format = format_of(q.format.as_deref())?;
    let r = svc::tier_report(&*st.store, c.0.office, &q.month).await?;
    let filename = format!("customer-tiers-{}-{}", r.from, r.to);
    match format {
        "csv" => csv_response(&tier_table(&r, en), &filename),
        "xlsx" => xlsx_response(&[tier_table(&r, en)], &filename),
        _ => Ok(Json(r).into_response()),
    }
}

#[utoipa::path(get, path = "/api/v1/customers/key-accounts", responses((status = 200, body = Vec<CustomerView>), (status = 403, body = ErrorBody)))]
pub async fn key_accounts(
    State(st): State<AppState>,
    c: Caller,
) -> Result<Json<Vec<CustomerView>>> {
    Ok(Json(
        svc::key_accounts(&*st.store, c.0.office, st.now()).await?,
    ))
}

/// The longest period one churn report covers.
const MAX_MONTHS: u32 = 24;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChurnQuery {
    /// First month, `YYYY-MM` (office time zone).
    #[param(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub from: String,
    /// How many months from `from`, 1–24 (default 12).
    #[param(minimum = 1, maximum = 24)]
    pub months: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/customers/churn", params(ChurnQuery), responses((status = 200, body = ChurnReport), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn churn(
    State(st): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<ChurnQuery>,
) -> Result<Json<ChurnReport>> {
    let months = q.months.unwrap_or(12);
    if !(1..=MAX_MONTHS).contains(&months) {
        return Err(Error::Invalid(format!("months is 1 to {MAX_MONTHS}")));
    }
    Ok(Json(
        svc::churn_report(&*st.store, c.0.office, &q.from, months).await?,
    ))
}
