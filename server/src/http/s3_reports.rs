//! The period's figures of vehicles and supplies (item 16 of S3), as JSON or as CSV /
//! XLSX with Chinese headings (English with `lang=en`).

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use baoxiu_sync_core::supplies::report::SuppliesReport;
use baoxiu_sync_core::vehicles::report::FleetReport;
use serde::Deserialize;

use super::ErrorBody;
use super::export::{csv_response, fleet_table, supplies_table, xlsx_response};
use super::extract::{ApiQuery, Caller};
use super::month::english;
use crate::error::{Error, Result};
use crate::service::s3_reports as svc;
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// A month `YYYY-MM` or a quarter `YYYY-Q1`…`YYYY-Q4`, in the office's time zone.
    #[param(pattern = "^(20[0-9]{2}|2100)-((0[1-9]|1[0-2])|Q[1-4])$")]
    pub period: String,
    /// json (default), csv or xlsx.
    #[param(schema_with = super::schema::export_format)]
    pub format: Option<String>,
    /// zh (default) or en, for export headings.
    #[param(schema_with = super::schema::lang)]
    pub lang: Option<String>,
}

async fn period_of(st: &AppState, c: &Caller, q: &PeriodQuery) -> Result<crate::store::Period> {
    let office = st
        .store
        .office(c.0.office)
        .await?
        .ok_or_else(|| Error::NotFound("office".into()))?;
    svc::period(&q.period, &office.time_zone)
}

/// The answer in the format asked for: JSON, or one table as CSV or XLSX.
fn answer<T: serde::Serialize>(
    q: &PeriodQuery,
    kind: &str,
    report: T,
    table: impl Fn(&T, bool) -> super::export::Table,
) -> Result<Response> {
    let en = english(q.lang.as_deref())?;
    let file = format!("{kind}-{}", q.period);
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(report).into_response()),
        "csv" => csv_response(&table(&report, en), &file),
        "xlsx" => xlsx_response(&[table(&report, en)], &file),
        f => Err(Error::Invalid(format!(
            "unknown format {f:?} (json, csv, xlsx)"
        ))),
    }
}

#[utoipa::path(get, path = "/api/v1/reports/supplies", params(PeriodQuery),
    responses((status = 200, description = "the storeroom's figures for the period as JSON, or CSV / XLSX with `format`", content((SuppliesReportOut = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn supplies(
    State(st): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> Result<Response> {
    english(q.lang.as_deref())?;
    let period = period_of(&st, &c, &q).await?;
    let r: SuppliesReport = svc::supplies_report(&st, c.0.office, period).await?;
    answer(&q, "supplies", r, supplies_table)
}

#[utoipa::path(get, path = "/api/v1/reports/fleet", params(PeriodQuery),
    responses((status = 200, description = "the fleet's repair figures for the period as JSON, or CSV / XLSX with `format`", content((FleetReportOut = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn fleet(
    State(st): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> Result<Response> {
    english(q.lang.as_deref())?;
    let period = period_of(&st, &c, &q).await?;
    let r: FleetReport = svc::fleet_report(&st, c.0.office, period).await?;
    answer(&q, "fleet", r, fleet_table)
}

/// The storeroom's figures (JSON): `issued` (department → item → units and value),
/// `purchases` and `returns` (vendor → units and value), `adjustments` (item → units),
/// `stock_value` (minor units).
// The schema of the JSON answer only (sync-core's report is what is serialised).
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
#[schema(as = SuppliesReportOut)]
pub struct SuppliesReportOut {
    #[schema(value_type = Object)]
    pub issued: (),
    #[schema(value_type = Object)]
    pub purchases: (),
    #[schema(value_type = Object)]
    pub returns: (),
    #[schema(value_type = Object)]
    pub adjustments: (),
    pub stock_value: i64,
}

/// The fleet's figures (JSON): `costs` (plate → repairs, approved, actual), `approvals`
/// (repair, plate, waited ms) and `median_wait` (ms).
// The schema of the JSON answer only (sync-core's report is what is serialised).
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
#[schema(as = FleetReportOut)]
pub struct FleetReportOut {
    #[schema(value_type = Object)]
    pub costs: (),
    #[schema(value_type = Vec<Object>)]
    pub approvals: (),
    pub median_wait: Option<i64>,
}
