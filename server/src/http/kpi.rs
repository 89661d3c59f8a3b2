//! R-CS-KPI: each person's KPIs over a period under the office's scheme, for the centre's
//! manager and the supervisor (everyone's) and an agent (their own), as JSON, CSV or XLSX.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use baoxiu_sync_core::Role;
use serde::Deserialize;

use super::ErrorBody;
use super::export::{Cell, Table, csv_response, h, xlsx_response};
use super::extract::{ApiQuery, Caller};
use crate::error::Result;
use crate::service::kpi::{KpiReport, office_kpi};
use crate::service::month::Rate;
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KpiQuery {
    /// First month, `YYYY-MM` (office time zone).
    #[param(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub from: String,
    /// How many months from `from`, 1–12 (default 1).
    #[param(minimum = 1, maximum = 12)]
    pub months: Option<i64>,
    /// json (default), csv, xlsx
    #[param(schema_with = super::schema::export_format)]
    pub format: Option<String>,
    /// zh (default) or en, for export headings.
    #[param(schema_with = super::schema::lang)]
    pub lang: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/kpi", params(KpiQuery), responses((status = 200, description = "each person's KPIs (an agent: their own) as JSON, or as CSV / XLSX with `format`", content((KpiReport = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody, description = "too much in the period"), (status = 422, body = ErrorBody)))]
pub async fn report(
    State(st): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<KpiQuery>,
) -> Result<Response> {
    let en = super::month::english(q.lang.as_deref())?;
    let format = super::export::format_of(q.format.as_deref())?;
    let mut r = office_kpi(&*st.store, c.0.office, &q.from, q.months.unwrap_or(1)).await?;
    // An agent reads their own KPIs, nobody else's.
    if c.0.role == Role::CsAgent {
        r.people.retain(|p| p.person == c.0.sub);
    }
    let filename = format!("kpi-{}-{}", r.from, r.to);
    match format {
        "csv" => csv_response(&table(&r, en), &filename),
        "xlsx" => xlsx_response(&[table(&r, en)], &filename),
        _ => Ok(Json(r).into_response()),
    }
}

fn table(r: &KpiReport, en: bool) -> Table {
    let pct = |x: &Rate| Cell::Text(x.percent());
    Table {
        name: h(en, "考核", "KPI"),
        headings: vec![
            h(en, "人員", "Person"),
            h(en, "受理來電", "Contacts"),
            h(en, "質檢得分率", "QA score"),
            h(en, "回訪滿意率", "Satisfied"),
            h(en, "投訴按時", "Complaint steps on time"),
            h(en, "考核分", "Score"),
        ],
        rows: r
            .people
            .iter()
            .map(|p| {
                vec![
                    Cell::Text(p.name.clone()),
                    Cell::Int(i64::try_from(p.contacts).unwrap_or(i64::MAX)),
                    pct(&p.quality),
                    pct(&p.satisfaction),
                    pct(&p.complaints),
                    Cell::Text(p.score_basis_points.map_or_else(
                        || "—".to_owned(),
                        |bp| format!("{}.{:02}", bp / 100, bp % 100),
                    )),
                ]
            })
            .collect(),
    }
}
