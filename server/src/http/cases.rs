//! The cases of the S3 kinds, read: a role lists and opens the cases it holds (the same
//! reach as on sync: a driver their own and their vehicle's, the fleet manager the
//! office's repairs…), and write them: a case opened or a fact recorded here takes the
//! same path as a phone's change (`service::case_writes`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use baoxiu_sync_core::kinds::Kind;
use baoxiu_sync_core::supplies::purchase::PlanBody;
use baoxiu_sync_core::supplies::requisition::RequisitionBody;
use baoxiu_sync_core::supplies::stock_count::CountBody;
use baoxiu_sync_core::vehicles::case::RepairBody;
use baoxiu_sync_core::vehicles::log::LogBody;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ErrorBody;
use super::extract::{ApiJson, ApiQuery, Caller};
use crate::error::{Error, Result};
use crate::service::case_actions::CaseAction;
use crate::service::case_writes::{self, CaseFact};
use crate::service::cases::{self, CaseView};
use crate::state::AppState;
use crate::store::CaseEntry;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    #[param(schema_with = super::schema::case_kind)]
    pub kind: Option<String>,
    /// 1–500 (default 100; larger is taken as 500).
    #[param(value_type = Option<u64>, maximum = 4_294_967_295_u64)]
    pub limit: Option<u32>,
    /// Up to 100,000.
    #[param(value_type = Option<u64>, maximum = 100_000)]
    pub offset: Option<u32>,
}

/// A case as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseEntryOut {
    #[schema(value_type = String, format = Uuid)]
    pub id: String,
    #[schema(value_type = String)]
    pub kind: String,
    pub vehicle: Option<String>,
    #[schema(value_type = String, format = Uuid)]
    pub opened_by: String,
    /// UTC ms.
    pub opened_at: i64,
    pub updated_at: i64,
}

impl From<CaseEntry> for CaseEntryOut {
    fn from(e: CaseEntry) -> Self {
        CaseEntryOut {
            id: e.id.to_string(),
            kind: e.kind.as_str().to_owned(),
            vehicle: e.vehicle,
            opened_by: e.opened_by.to_string(),
            opened_at: e.opened_at,
            updated_at: e.updated_at,
        }
    }
}

/// A case with its state (its kind's reducer, flags included) and its facts.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseOut {
    pub case: CaseEntryOut,
    #[schema(value_type = Object)]
    pub state: serde_json::Value,
    #[schema(value_type = Vec<Object>)]
    pub facts: Vec<serde_json::Value>,
    /// What the caller may record now: each step's name and the body that records it.
    pub actions: Vec<CaseAction>,
}

impl From<CaseView> for CaseOut {
    fn from(v: CaseView) -> Self {
        CaseOut {
            case: v.entry.into(),
            state: v.state,
            facts: v.facts,
            actions: v.actions,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/cases", params(CaseQuery), responses((status = 200, body = Vec<CaseEntryOut>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<CaseQuery>,
) -> Result<Json<Vec<CaseEntryOut>>> {
    let kind = match q.kind.as_deref() {
        None => None,
        Some(k) => Some(
            k.parse::<Kind>()
                .ok()
                .filter(|k| *k != Kind::WorkOrder)
                .ok_or_else(|| Error::Invalid(format!("no kind of case is called {k:?}")))?,
        ),
    };
    let offset = q.offset.unwrap_or(0);
    if offset > 100_000 {
        return Err(Error::Invalid("offset is at most 100000".into()));
    }
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    let rows = cases::list(&st, &c.0, kind, limit, offset).await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", params(("id" = String, Path)), responses((status = 200, body = CaseOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> Result<Json<CaseOut>> {
    Ok(Json(cases::view(&st, &c.0, &id).await?.into()))
}

/// One fact, under the name of its case's kind: `{"requisition": {"kind": "approved"}}`.
/// Its `kind`/`data` are the fact as a phone records it (docs/vehicles-supplies.md).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CaseFactIn {
    VehicleRepair(RepairBody),
    VehicleLog(LogBody),
    Requisition(RequisitionBody),
    StockCount(CountBody),
    PurchasePlan(PlanBody),
}

impl From<CaseFactIn> for CaseFact {
    fn from(f: CaseFactIn) -> Self {
        match f {
            CaseFactIn::VehicleRepair(b) => CaseFact::VehicleRepair(b),
            CaseFactIn::VehicleLog(b) => CaseFact::VehicleLog(b),
            CaseFactIn::Requisition(b) => CaseFact::Requisition(b),
            CaseFactIn::StockCount(b) => CaseFact::StockCount(b),
            CaseFactIn::PurchasePlan(b) => CaseFact::PurchasePlan(b),
        }
    }
}

/// Opens a case with its first fact, which carries the new case's id (a UUID the client
/// chooses, as a phone does) and the caller's office.
#[utoipa::path(post, path = "/api/v1/cases", request_body = CaseFactIn, responses((status = 201, body = CaseOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn open(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(f): ApiJson<CaseFactIn>,
) -> Result<(StatusCode, Json<CaseOut>)> {
    let v = case_writes::open(&st, &c.0, f.into()).await?;
    Ok((StatusCode::CREATED, Json(v.into())))
}

/// Records a fact on a case the caller holds; a fact that breaks its kind's rule is
/// refused (409, coded by the rule), as the phone's command refuses it.
#[utoipa::path(post, path = "/api/v1/cases/{id}/facts", params(("id" = String, Path)), request_body = CaseFactIn, responses((status = 200, body = CaseOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(f): ApiJson<CaseFactIn>,
) -> Result<Json<CaseOut>> {
    Ok(Json(
        case_writes::record(&st, &c.0, &id, f.into()).await?.into(),
    ))
}
