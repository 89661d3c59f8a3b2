//! R-CPL-REPORT: the periodic complaint analysis report to management, as JSON for the
//! console's page and as CSV (the trend) or XLSX (trend, breakdowns, open items).

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::ErrorBody;
use super::export::{Cell, Table, csv_response, h, xlsx_response};
use super::extract::{ApiQuery, Caller};
use baoxiu_sync_core::OfficeId;

use crate::error::Result;
use crate::service::complaint_analysis::{Analysis, office_analysis};
use crate::service::month::Rate;
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnalysisQuery {
    /// First month, `YYYY-MM` (office time zone).
    #[param(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub from: String,
    /// How many months from `from`, 1–24 (default 6).
    #[param(minimum = 1, maximum = 24)]
    pub months: Option<i64>,
    /// json (default), csv, xlsx
    #[param(schema_with = super::schema::export_format)]
    pub format: Option<String>,
    /// zh (default) or en, for export headings.
    #[param(schema_with = super::schema::lang)]
    pub lang: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/complaints/analysis", params(AnalysisQuery), responses((status = 200, description = "the complaint analysis report as JSON, or as CSV / XLSX with `format`", content((Analysis = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn report(
    State(st): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<AnalysisQuery>,
) -> Result<Response> {
    office_report(&st, c.0.office, &q).await
}

/// One office's report in the format asked for: the office's own route, and head office's
/// drill into an office (R-CS-HQ).
pub(super) async fn office_report(
    st: &AppState,
    office: OfficeId,
    q: &AnalysisQuery,
) -> Result<Response> {
    let en = super::month::english(q.lang.as_deref())?;
    let format = super::export::format_of(q.format.as_deref())?;
    let count = q.months.unwrap_or(6);
    let a = office_analysis(&*st.store, office, &q.from, count, st.now()).await?;
    let filename = format!("complaint-analysis-{}-{}", a.from, a.to);
    match format {
        "csv" => csv_response(&trend(&a, en), &filename),
        "xlsx" => xlsx_response(&[trend(&a, en), breakdown(&a, en), open(&a, en)], &filename),
        _ => Ok(Json(a).into_response()),
    }
}

fn rate(r: &Rate) -> Cell {
    Cell::Text(r.percent())
}

fn trend(a: &Analysis, en: bool) -> Table {
    Table {
        name: h(en, "趨勢", "Trend"),
        headings: vec![
            h(en, "月份", "Month"),
            h(en, "投訴件數", "Received"),
            h(en, "投訴率", "Complaint rate"),
            h(en, "按時處理率", "Handled on time"),
            h(en, "重複投訴", "Repeats"),
            h(en, "已考評", "Evaluated"),
        ],
        rows: a
            .trend
            .iter()
            .map(|t| {
                vec![
                    Cell::Text(t.month.clone()),
                    Cell::Int(i64::try_from(t.received).unwrap_or(i64::MAX)),
                    rate(&t.complaint_rate),
                    rate(&t.on_time_handling),
                    Cell::Int(i64::try_from(t.repeat_complaints).unwrap_or(i64::MAX)),
                    Cell::Int(i64::try_from(t.evaluated).unwrap_or(i64::MAX)),
                ]
            })
            .collect(),
    }
}

fn breakdown(a: &Analysis, en: bool) -> Table {
    let mut rows = Vec::new();
    let mut push = |kind: &'static str, map: &std::collections::BTreeMap<String, u64>| {
        for (k, v) in map {
            rows.push(vec![
                Cell::Text(kind.to_owned()),
                Cell::Text(k.clone()),
                Cell::Int(i64::try_from(*v).unwrap_or(i64::MAX)),
            ]);
        }
    };
    push(h(en, "類別", "Category"), &a.by_category);
    push(h(en, "渠道", "Channel"), &a.by_channel);
    push(h(en, "根本原因", "Root cause"), &a.by_root_cause);
    push(h(en, "考評", "Rating"), &a.evaluations_by_rating);
    for (k, r) in &a.on_time_by_deadline {
        rows.push(vec![
            Cell::Text(h(en, "按時（節點）", "On time (deadline)").to_owned()),
            Cell::Text(k.clone()),
            rate(r),
        ]);
    }
    Table {
        name: h(en, "分類", "Breakdown"),
        headings: vec![
            h(en, "維度", "By"),
            h(en, "項目", "Item"),
            h(en, "數值", "Value"),
        ],
        rows,
    }
}

fn open(a: &Analysis, en: bool) -> Table {
    Table {
        name: h(en, "未結事項", "Open items"),
        headings: vec![
            h(en, "收到日期", "Received"),
            h(en, "投訴人", "Complainant"),
            h(en, "房號", "Unit"),
            h(en, "事由", "Subject"),
            h(en, "狀態", "Status"),
            h(en, "下一期限", "Next deadline"),
            h(en, "期限", "Due"),
            h(en, "逾期", "Overdue"),
        ],
        rows: a
            .open_items
            .iter()
            .map(|i| {
                vec![
                    Cell::Text(i.received_day.clone()),
                    Cell::Text(i.complainant.clone()),
                    Cell::Text(i.unit.clone()),
                    Cell::Text(i.subject.clone()),
                    Cell::Text(i.status.clone()),
                    Cell::Text(i.due_kind.clone().unwrap_or_default()),
                    Cell::Text(i.due.clone().unwrap_or_default()),
                    Cell::Text(if i.overdue { h(en, "是", "yes") } else { "" }.to_owned()),
                ]
            })
            .collect(),
    }
}
