//! R-CS-HQ: head office (運營管理部) guides and assesses every office. Its routes read
//! across offices — the month side by side, complaints and QA side by side — and drill
//! into one office's month, complaint analysis, QA report and regulator filing. Head office writes nothing:
//! it has no other route (the policy's table).

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use baoxiu_sync_core::OfficeId;
use serde::Deserialize;

use super::ErrorBody;
use super::complaint_analysis::AnalysisQuery;
use super::complaint_report::ReportQuery;
use super::extract::{ApiQuery, Caller};
use crate::error::{Error, Result};
use crate::service::hq::{self, HqOffice, OfficeComplaints, OfficeMonth, OfficeQa};
use crate::service::month_close::MonthView;
use crate::state::AppState;

/// An office named in the path: one that exists, else 404 (an id that does not parse is
/// no office either).
async fn office(st: &AppState, id: &str) -> Result<OfficeId> {
    let office: OfficeId = id
        .parse()
        .map_err(|_| Error::NotFound(format!("office {id}")))?;
    crate::service::month::office_or_404(&*st.store, office).await?;
    Ok(office)
}

#[utoipa::path(get, path = "/api/v1/hq/offices", responses((status = 200, body = Vec<HqOffice>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn offices(State(st): State<AppState>, _c: Caller) -> Result<Json<Vec<HqOffice>>> {
    Ok(Json(hq::offices(&*st.store).await?))
}

#[utoipa::path(get, path = "/api/v1/hq/months/{month}", params(("month" = String, Path, pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")), responses((status = 200, body = Vec<OfficeMonth>, description = "every office's month, filed figures where it is closed"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn months(
    State(st): State<AppState>,
    _c: Caller,
    Path(month): Path<String>,
) -> Result<Json<Vec<OfficeMonth>>> {
    Ok(Json(hq::months(&*st.store, &month, st.now()).await?))
}

/// The period of the side-by-side complaints.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// First month, `YYYY-MM` (each office's zone).
    #[param(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub from: String,
    /// How many months from `from`, 1–24 (default 6).
    #[param(minimum = 1, maximum = 24)]
    pub months: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/hq/complaints", params(PeriodQuery), responses((status = 200, body = Vec<OfficeComplaints>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn complaints(
    State(st): State<AppState>,
    _c: Caller,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> Result<Json<Vec<OfficeComplaints>>> {
    let count = q.months.unwrap_or(6);
    Ok(Json(
        hq::complaints(&*st.store, &q.from, count, st.now()).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/hq/offices/{office}/months/{month}", params(("office" = String, Path), ("month" = String, Path, pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")), responses((status = 200, body = MonthView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "no such office"), (status = 422, body = ErrorBody)))]
pub async fn office_month(
    State(st): State<AppState>,
    _c: Caller,
    Path((id, month)): Path<(String, String)>,
) -> Result<Json<MonthView>> {
    let o = office(&st, &id).await?;
    Ok(Json(
        hq::office_month(&*st.store, o, &month, st.now()).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/hq/offices/{office}/complaints/analysis", params(("office" = String, Path), AnalysisQuery), responses((status = 200, description = "the office's complaint analysis report as JSON, or as CSV / XLSX with `format`", content((crate::service::complaint_analysis::Analysis = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "no such office"), (status = 422, body = ErrorBody)))]
pub async fn office_complaints(
    State(st): State<AppState>,
    _c: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<AnalysisQuery>,
) -> Result<Response> {
    let o = office(&st, &id).await?;
    super::complaint_analysis::office_report(&st, o, &q).await
}

#[utoipa::path(get, path = "/api/v1/hq/offices/{office}/complaint-filing/report", params(("office" = String, Path), ReportQuery), responses((status = 200, description = "the office's filing, printable HTML", content_type = "text/html"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "no such office"), (status = 409, body = ErrorBody, description = "the office's filing lacks its rules, evaluation scheme or people responsible (named)"), (status = 422, body = ErrorBody)))]
pub async fn office_filing(
    State(st): State<AppState>,
    _c: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Response> {
    let o = office(&st, &id).await?;
    super::complaint_filing::office_report(&st, o, q.lang.as_deref()).await
}

#[utoipa::path(get, path = "/api/v1/hq/qa", params(PeriodQuery), responses((status = 200, body = Vec<OfficeQa>), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody, description = "too many inspections in the period"), (status = 422, body = ErrorBody)))]
pub async fn qa(
    State(st): State<AppState>,
    _c: Caller,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> Result<Json<Vec<OfficeQa>>> {
    Ok(Json(hq::qa(&st, &q.from, q.months.unwrap_or(6)).await?))
}

#[utoipa::path(get, path = "/api/v1/hq/offices/{office}/qa/report", params(("office" = String, Path), super::qa::QaReportQuery), responses((status = 200, description = "the office's QA report as JSON, or as CSV / XLSX with `format`", content((crate::service::qa::QaReport = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "no such office"), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn office_qa(
    State(st): State<AppState>,
    _c: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<super::qa::QaReportQuery>,
) -> Result<Response> {
    let o = office(&st, &id).await?;
    super::qa::office_qa_report(&st, o, &q).await
}
