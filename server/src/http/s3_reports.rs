//! The period's figures of vehicles and supplies (item 16 of S3), as JSON or as CSV /
//! XLSX with Chinese headings (English with `lang=en`).

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use baoxiu_sync_core::supplies::report::SuppliesReport;
use baoxiu_sync_core::vehicles::report::FleetReport;
use serde::Deserialize;

use super::ErrorBody;
use super::export::{Table, csv_response, xlsx_response};
use super::extract::{ApiQuery, Caller};
use super::month::english;
use super::s3_export::{fleet_tables, supplies_tables};
use crate::error::{Error, Result};
use crate::service::s3_reports as svc;
use crate::state::AppState;

macro_rules! period_query {
    ($name:ident, $sheets:literal, $doc:literal) => {
        #[derive(Debug, Deserialize, utoipa::IntoParams)]
        #[into_params(parameter_in = Query)]
        pub struct $name {
            /// A month `YYYY-MM` or a quarter `YYYY-Q1`…`YYYY-Q4`, in the office's time
            /// zone.
            #[param(pattern = "^(20[0-9]{2}|2100)-((0[1-9]|1[0-2])|Q[1-4])$")]
            pub period: String,
            /// json (default), csv or xlsx.
            #[param(schema_with = super::schema::export_format)]
            pub format: Option<String>,
            /// zh (default) or en, for export headings.
            #[param(schema_with = super::schema::lang)]
            pub lang: Option<String>,
            #[doc = $doc]
            #[param(pattern = $sheets)]
            pub sheet: Option<String>,
        }

        impl From<$name> for PeriodQuery {
            fn from(q: $name) -> Self {
                PeriodQuery {
                    period: q.period,
                    format: q.format,
                    lang: q.lang,
                    sheet: q.sheet,
                }
            }
        }
    };
}

period_query!(
    SuppliesQuery,
    "^(figures|counts)$",
    "For CSV, which table: the storeroom's `figures` (default) or `counts` (the count register). XLSX holds both, one sheet each."
);
period_query!(
    FleetQuery,
    "^(repairs|fuel|maintenance)$",
    "For CSV, which table: `repairs` (default), `fuel` or `maintenance`. XLSX holds them all, one sheet each."
);

/// What either report was asked for.
pub struct PeriodQuery {
    pub period: String,
    pub format: Option<String>,
    pub lang: Option<String>,
    pub sheet: Option<String>,
}

/// The period, and the office's zone its dates are shown in.
async fn period_of(
    st: &AppState,
    c: &Caller,
    q: &PeriodQuery,
) -> Result<(crate::store::Period, chrono_tz::Tz)> {
    let office = st
        .store
        .office(c.0.office)
        .await?
        .ok_or_else(|| Error::NotFound("office".into()))?;
    let tz = crate::service::zone_of(&office.time_zone)?;
    Ok((svc::period(&q.period, &office.time_zone)?, tz))
}

/// The answer in the format asked for: JSON, one table as CSV (`sheets` names them, the
/// first by default), or every table as XLSX.
fn answer<T: serde::Serialize>(
    q: &PeriodQuery,
    kind: &str,
    sheets: &[&str],
    report: T,
    tables: Vec<Table>,
) -> Result<Response> {
    let file = format!("{kind}-{}", q.period);
    let sheet = match q.sheet.as_deref() {
        None => 0,
        Some(name) => sheets.iter().position(|s| *s == name).ok_or_else(|| {
            Error::Invalid(format!(
                "the {kind} report has no sheet {name:?} ({})",
                sheets.join(", ")
            ))
        })?,
    };
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(report).into_response()),
        "csv" => match tables.get(sheet) {
            Some(t) => csv_response(t, &file),
            None => Err(Error::Internal(format!("{kind}: sheet {sheet} missing"))),
        },
        "xlsx" => xlsx_response(&tables, &file),
        f => Err(Error::Invalid(format!(
            "unknown format {f:?} (json, csv, xlsx)"
        ))),
    }
}

#[utoipa::path(get, path = "/api/v1/reports/supplies", params(SuppliesQuery),
    responses((status = 200, description = "the storeroom's figures for the period as JSON, or CSV / XLSX with `format`", content((SuppliesReportOut = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn supplies(
    State(st): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<SuppliesQuery>,
) -> Result<Response> {
    let q = PeriodQuery::from(q);
    let en = english(q.lang.as_deref())?;
    let (period, tz) = period_of(&st, &c, &q).await?;
    let r: SuppliesReport = svc::supplies_report(&st, c.0.office, period).await?;
    let tables = supplies_tables(&r, en, tz);
    answer(&q, "supplies", &["figures", "counts"], r, tables)
}

#[utoipa::path(get, path = "/api/v1/reports/fleet", params(FleetQuery),
    responses((status = 200, description = "the fleet's repair figures for the period as JSON, or CSV / XLSX with `format`", content((FleetReportOut = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn fleet(
    State(st): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<FleetQuery>,
) -> Result<Response> {
    let q = PeriodQuery::from(q);
    let en = english(q.lang.as_deref())?;
    let (period, tz) = period_of(&st, &c, &q).await?;
    let r: FleetReport = svc::fleet_report(&st, c.0.office, period).await?;
    let tables = fleet_tables(&r, en, tz);
    answer(&q, "fleet", &["repairs", "fuel", "maintenance"], r, tables)
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
    /// R-SUP-COUNT: each quarter starting in the period: its count's lines (item,
    /// expected, count, delta), confirmation and whether it is overdue.
    #[schema(value_type = Vec<Object>)]
    pub counts: (),
}

/// The fleet's figures (JSON): `costs` (plate → repairs, approved, actual), `approvals`
/// (repair, plate, waited ms), `median_wait` (ms), `fuel` and `maintenance`.
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
    /// R-VEH-USE: plate → millilitres, amount, km, ml per 100 km.
    #[schema(value_type = Object)]
    pub fuel: (),
    /// R-VEH-MAINT: services done (plate, at, odometer, due by date / km, on time).
    #[schema(value_type = Vec<Object>)]
    pub maintenance: (),
}
