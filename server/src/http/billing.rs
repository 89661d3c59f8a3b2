//! From the customer's sign-off to the money (R-COLLECT): finance issues the receipt, the
//! property administrator collects with it; the two queues between, with their age; and
//! compensation for damage (R-PREMISES), approved by the manager and settled by finance.

use axum::Json;
use axum::extract::{Path, State};
use baoxiu_sync_core::{EventBody, EventId, Money, Settlement};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ErrorBody;
use super::extract::{ApiJson, ApiQuery, Caller};
use super::orders::{OrderView, run};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::{BillingRow, BillingStage};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReceiptIn {
    #[schema(pattern = "\\S")]
    pub number: String,
    /// Minor units; must equal the order's total.
    pub amount: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CollectionIn {
    /// Minor units; must equal the order's total.
    pub amount: i64,
    /// cash, card, transfer…
    #[schema(pattern = "\\S")]
    pub method: String,
    /// The number of the receipt handed to the customer with the owner's copy.
    #[schema(pattern = "\\S")]
    pub receipt: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ApprovalIn {
    /// The compensation the manager approves, minor units (the amount priced, or another).
    #[schema(minimum = 0, maximum = 1_000_000_000_000_i64)]
    pub amount: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SettlementIn {
    /// `paid` to the customer, or `credited` against the bill (before the receipt).
    #[schema(value_type = String, pattern = "^(paid|credited)$")]
    pub how: Settlement,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// `receipt`: signed paid orders awaiting their receipt (finance); `collection`:
    /// receipts awaiting collection (the administrator).
    #[param(inline)]
    pub stage: BillingStage,
}

/// One order waiting, with how long it has waited.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueItem {
    #[serde(flatten)]
    pub row: BillingRow,
    /// Milliseconds since the step before this one (sign-off, or the receipt).
    pub age_ms: i64,
    /// Waiting longer than the office's `collection_overdue_days`.
    pub overdue: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Queue {
    pub overdue_days: u32,
    pub items: Vec<QueueItem>,
}

fn required(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::Invalid(format!("{field} is required")));
    }
    Ok(())
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/receipt", params(("id" = String, Path)), request_body = ReceiptIn, responses((status = 200, body = OrderView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn receipt(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<ReceiptIn>,
) -> Result<Json<OrderView>> {
    required("a receipt number", &r.number)?;
    run(
        &st,
        &c,
        &id,
        EventBody::ReceiptIssued {
            number: r.number,
            amount: Money(r.amount),
        },
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/collection", params(("id" = String, Path)), request_body = CollectionIn, responses((status = 200, body = OrderView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn collection(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<CollectionIn>,
) -> Result<Json<OrderView>> {
    required("the method", &r.method)?;
    required("the receipt number", &r.receipt)?;
    run(
        &st,
        &c,
        &id,
        EventBody::FeeCollected {
            amount: Money(r.amount),
            method: r.method,
            receipt: r.receipt,
        },
    )
    .await
}

#[utoipa::path(get, path = "/api/v1/billing", params(QueueQuery), responses((status = 200, body = Queue), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn queue(
    State(st): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> Result<Json<Queue>> {
    let overdue_days = st.store.settings(c.0.office).await?.collection_overdue_days;
    let limit = i64::from(overdue_days).saturating_mul(DAY_MS);
    let now = st.now();
    let items = st
        .store
        .billing_queue(c.0.office, q.stage)
        .await?
        .into_iter()
        .map(|row| {
            let since = match q.stage {
                BillingStage::Receipt => row.signed_at,
                BillingStage::Collection => row.receipt_at.unwrap_or(row.signed_at),
            };
            let age_ms = now.saturating_sub(since).max(0);
            QueueItem {
                row,
                age_ms,
                overdue: age_ms > limit,
            }
        })
        .collect();
    Ok(Json(Queue {
        overdue_days,
        items,
    }))
}

fn damage_id(id: &str) -> Result<EventId> {
    id.parse()
        .map_err(|_| Error::NotFound(format!("damage {id}")))
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/damages/{damage}/approval", params(("id" = String, Path), ("damage" = String, Path, description = "the damage_recorded fact")), request_body = ApprovalIn, responses((status = 200, body = OrderView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn approve_compensation(
    State(st): State<AppState>,
    c: Caller,
    Path((id, damage)): Path<(String, String)>,
    ApiJson(a): ApiJson<ApprovalIn>,
) -> Result<Json<OrderView>> {
    let damage = damage_id(&damage)?;
    run(
        &st,
        &c,
        &id,
        EventBody::CompensationApproved {
            damage,
            amount: Money(a.amount),
        },
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/damages/{damage}/settlement", params(("id" = String, Path), ("damage" = String, Path, description = "the damage_recorded fact")), request_body = SettlementIn, responses((status = 200, body = OrderView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn settle_compensation(
    State(st): State<AppState>,
    c: Caller,
    Path((id, damage)): Path<(String, String)>,
    ApiJson(a): ApiJson<SettlementIn>,
) -> Result<Json<OrderView>> {
    let damage = damage_id(&damage)?;
    run(
        &st,
        &c,
        &id,
        EventBody::CompensationSettled { damage, how: a.how },
    )
    .await
}
