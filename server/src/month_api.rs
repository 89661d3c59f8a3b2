//! Month-end endpoints: statistics, paid-service register, call-backs, spot-check samples,
//! with CSV and XLSX exports (Chinese headings by default, English with `lang=en`).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use baoxiu_sync_core::{Money, OfficeId, OrderId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::ApiJson;
use crate::app::{AppState, Caller, blocking};
use crate::error::{Error, ErrorBody, Result};
use crate::month::{Callback, CallbackResult, MonthStats, Params, Register, Sample, SampleParams};
use crate::policy::{Action, authorize};

#[derive(Debug, Deserialize, ToSchema)]
pub struct MonthQuery {
    /// `YYYY-MM`, in the office's time zone.
    pub month: String,
    /// Must be the caller's office if given.
    pub office: Option<String>,
    /// json (default), csv or xlsx.
    pub format: Option<String>,
    /// zh (default) or en, for export headings.
    pub lang: Option<String>,
    pub rework_days: Option<i64>,
    pub margin_minutes: Option<i64>,
}

fn office_of(c: &Caller, q: &MonthQuery) -> Result<OfficeId> {
    match &q.office {
        Some(o) if o.parse::<OfficeId>().ok() != Some(c.0.office) => {
            Err(Error::NotFound(format!("office {o}")))
        }
        _ => Ok(c.0.office),
    }
}

fn english(q: &MonthQuery) -> bool {
    q.lang.as_deref() == Some("en")
}

/// Minor units as a major-unit number for spreadsheets (display only: stored and summed
/// as integers).
#[allow(clippy::float_arithmetic)]
fn major(minor: i64) -> f64 {
    minor as f64 / 100.0
}

fn money(minor: i64) -> String {
    Money(minor).to_string()
}

/// A table for export: headings and rows of cells.
struct Table {
    name: &'static str,
    headings: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
}

enum Cell {
    Text(String),
    Int(i64),
    Money(i64),
}

fn stats_table(s: &MonthStats, en: bool) -> Table {
    let h = |zh: &'static str, e: &'static str| if en { e } else { zh };
    let headings = vec![
        h("技術員", "Technician"),
        h("到場數", "Arrivals"),
        h("準時數", "On time"),
        h("及時率", "On-time rate"),
        h("完成數", "Completed"),
        h("回訪數", "Called back"),
        h("合格數", "Passed"),
        h("合格率", "Pass rate"),
        h("滿意度平均", "Satisfaction"),
        h("有償金額", "Paid total"),
    ];
    let sat = |x: &crate::month::Satisfaction| {
        x.average_hundredths
            .map(|a| format!("{}.{:02}", a / 100, a % 100))
            .unwrap_or_default()
    };
    let mut rows: Vec<Vec<Cell>> = s
        .per_technician
        .iter()
        .map(|t| {
            vec![
                Cell::Text(if t.name.is_empty() {
                    h("（未指派）", "(unassigned)").to_owned()
                } else {
                    t.name.clone()
                }),
                Cell::Int(t.on_time.denominator as i64),
                Cell::Int(t.on_time.numerator as i64),
                Cell::Text(t.on_time.percent()),
                Cell::Int(t.completed as i64),
                Cell::Int(t.pass.denominator as i64),
                Cell::Int(t.pass.numerator as i64),
                Cell::Text(t.pass.percent()),
                Cell::Text(sat(&t.satisfaction)),
                Cell::Money(t.paid_total),
            ]
        })
        .collect();
    rows.push(vec![
        Cell::Text(h("全處合計", "Office total").to_owned()),
        Cell::Int(s.on_time.denominator as i64),
        Cell::Int(s.on_time.numerator as i64),
        Cell::Text(s.on_time.percent()),
        Cell::Int(s.completed as i64),
        Cell::Int(s.pass.denominator as i64),
        Cell::Int(s.pass.numerator as i64),
        Cell::Text(s.pass.percent()),
        Cell::Text(sat(&s.satisfaction)),
        Cell::Money(s.paid_total),
    ]);
    Table {
        name: if en { "Statistics" } else { "月度統計" },
        headings,
        rows,
    }
}

fn register_table(r: &Register, en: bool, tz: chrono_tz::Tz) -> Table {
    let h = |zh: &'static str, e: &'static str| if en { e } else { zh };
    let headings = vec![
        h("完成時間", "Completed"),
        h("住戶", "Customer"),
        h("房號", "Unit"),
        h("報修內容", "Request"),
        h("項目", "Items"),
        h("材料費", "Materials"),
        h("人工費", "Labour"),
        h("合計", "Total"),
        h("維修人員", "Technician"),
        h("客戶簽名", "Customer signed"),
        h("收據號碼", "Receipt"),
        h("已收款", "Collected"),
    ];
    let yes = |b: bool| if b { h("是", "yes") } else { h("否", "no") }.to_owned();
    let when = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    };
    let mut rows: Vec<Vec<Cell>> = r
        .rows
        .iter()
        .map(|x| {
            vec![
                Cell::Text(when(x.completed_at)),
                Cell::Text(x.customer.clone()),
                Cell::Text(x.unit.clone()),
                Cell::Text(x.description.clone()),
                Cell::Text(x.items.clone()),
                Cell::Money(x.materials),
                Cell::Money(x.labour),
                Cell::Money(x.total),
                Cell::Text(x.technician_name.clone()),
                Cell::Text(match x.signature_valid {
                    Some(true) => yes(true),
                    Some(false) => h("已失效", "invalidated").to_owned(),
                    None => yes(false),
                }),
                Cell::Text(x.receipt.clone().unwrap_or_default()),
                Cell::Money(x.collected.unwrap_or(0)),
            ]
        })
        .collect();
    for t in r
        .per_technician
        .iter()
        .chain(std::iter::once(&r.office_total))
    {
        let label = if t.technician.is_none() && std::ptr::eq(t, &r.office_total) {
            h("全處合計", "Office total").to_owned()
        } else {
            format!("{} {}", h("小計", "Subtotal"), t.name)
        };
        rows.push(vec![
            Cell::Text(label),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Text(format!("{} {}", t.orders, h("單", "orders"))),
            Cell::Money(t.materials),
            Cell::Money(t.labour),
            Cell::Money(t.total),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Money(t.collected),
        ]);
    }
    Table {
        name: if en {
            "Paid services"
        } else {
            "有償服務登記表"
        },
        headings,
        rows,
    }
}

fn csv_response(t: &Table, filename: &str) -> Result<Response> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&t.headings)
        .map_err(|e| Error::Internal(e.to_string()))?;
    for row in &t.rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| match c {
                Cell::Text(s) => s.clone(),
                Cell::Int(i) => i.to_string(),
                Cell::Money(m) => money(*m),
            })
            .collect();
        w.write_record(&cells)
            .map_err(|e| Error::Internal(e.to_string()))?;
    }
    let mut body = vec![0xEF, 0xBB, 0xBF]; // BOM, so spreadsheet apps read UTF-8 Chinese
    body.extend(w.into_inner().map_err(|e| Error::Internal(e.to_string()))?);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}.csv\""),
            ),
        ],
        body,
    )
        .into_response())
}

fn xlsx_response(tables: &[Table], filename: &str) -> Result<Response> {
    use rust_xlsxwriter::{Format, Workbook};
    let x = |e: rust_xlsxwriter::XlsxError| Error::Internal(format!("xlsx: {e}"));
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let amount = Format::new().set_num_format("#,##0.00");
    for t in tables {
        let ws = wb.add_worksheet();
        ws.set_name(t.name).map_err(x)?;
        for (col, h) in t.headings.iter().enumerate() {
            ws.write_string_with_format(0, col as u16, *h, &bold)
                .map_err(x)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let r = (r + 1) as u32;
            for (col, cell) in row.iter().enumerate() {
                let col = col as u16;
                match cell {
                    Cell::Text(s) => ws.write_string(r, col, s).map(|_| ()),
                    Cell::Int(i) => ws.write_number(r, col, *i as f64).map(|_| ()),
                    Cell::Money(m) => ws
                        .write_number_with_format(r, col, major(*m), &amount)
                        .map(|_| ()),
                }
                .map_err(x)?;
            }
        }
        ws.autofit();
    }
    let bytes = wb.save_to_buffer().map_err(x)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}.xlsx\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Exports (label, value) pairs as a two-column CSV or XLSX sheet.
pub fn export_pairs(
    name: &'static str,
    rows: &[(String, String)],
    format: &str,
    filename: &str,
    en: bool,
) -> Result<Response> {
    let t = Table {
        name,
        headings: if en {
            vec!["Item", "Value"]
        } else {
            vec!["項目", "數值"]
        },
        rows: rows
            .iter()
            .map(|(k, v)| vec![Cell::Text(k.clone()), Cell::Text(v.clone())])
            .collect(),
    };
    if format == "csv" {
        csv_response(&t, filename)
    } else {
        xlsx_response(&[t], filename)
    }
}

fn params(q: &MonthQuery) -> Result<Params> {
    let d = Params::default();
    let p = Params {
        rework_days: q.rework_days.unwrap_or(d.rework_days),
        margin_minutes: q.margin_minutes.unwrap_or(d.margin_minutes),
    };
    if !(0..=365).contains(&p.rework_days) || !(0..=24 * 60).contains(&p.margin_minutes) {
        return Err(Error::Invalid(
            "rework_days is 0–365, margin_minutes 0–1440".into(),
        ));
    }
    Ok(p)
}

async fn tz_of(st: &AppState, office: OfficeId) -> Result<chrono_tz::Tz> {
    let store = st.store.clone();
    let o = blocking(move || store.office(office))
        .await?
        .ok_or_else(|| Error::NotFound("office".into()))?;
    o.time_zone
        .parse()
        .map_err(|_| Error::Internal(format!("office time zone {:?}", o.time_zone)))
}

#[utoipa::path(get, path = "/api/v1/stats", params(("month" = String, Query), ("office" = Option<String>, Query), ("format" = Option<String>, Query), ("lang" = Option<String>, Query), ("rework_days" = Option<i64>, Query), ("margin_minutes" = Option<i64>, Query)),
    responses((status = 200, body = MonthStats), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn stats(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<MonthQuery>,
) -> Result<Response> {
    authorize(&c.0, Action::Stats, None)?;
    let office = office_of(&c, &q)?;
    let p = params(&q)?;
    let store = st.store.clone();
    let m = q.month.clone();
    let s = blocking(move || store.month_stats(office, &m, p)).await?;
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(s).into_response()),
        "csv" => csv_response(&stats_table(&s, english(&q)), &format!("stats-{}", s.month)),
        "xlsx" => {
            let store = st.store.clone();
            let m = q.month.clone();
            let r = blocking(move || store.register(office, &m)).await?;
            let tz = tz_of(&st, office).await?;
            let en = english(&q);
            xlsx_response(
                &[stats_table(&s, en), register_table(&r, en, tz)],
                &format!("stats-{}", s.month),
            )
        }
        f => Err(Error::Invalid(format!(
            "unknown format {f:?} (json, csv, xlsx)"
        ))),
    }
}

#[utoipa::path(get, path = "/api/v1/register", params(("month" = String, Query), ("format" = Option<String>, Query), ("lang" = Option<String>, Query)),
    responses((status = 200, body = Register), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn register(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<MonthQuery>,
) -> Result<Response> {
    authorize(&c.0, Action::Register, None)?;
    let office = office_of(&c, &q)?;
    let store = st.store.clone();
    let m = q.month.clone();
    let r = blocking(move || store.register(office, &m)).await?;
    let tz = tz_of(&st, office).await?;
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(r).into_response()),
        "csv" => csv_response(
            &register_table(&r, english(&q), tz),
            &format!("register-{}", r.month),
        ),
        "xlsx" => xlsx_response(
            &[register_table(&r, english(&q), tz)],
            &format!("register-{}", r.month),
        ),
        f => Err(Error::Invalid(format!(
            "unknown format {f:?} (json, csv, xlsx)"
        ))),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PlanCallbackIn {
    #[schema(value_type = String)]
    pub order: OrderId,
    /// phone, on_site, online_survey
    pub method: String,
    /// UTC ms.
    pub planned_at: i64,
    #[schema(value_type = Option<String>)]
    pub assignee: Option<UserId>,
    #[serde(default)]
    pub content: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CallbackQuery {
    pub status: Option<String>,
    pub order: Option<String>,
    pub sample: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordedCallback {
    pub callback: Callback,
    /// The next attempt, when the customer was not reached and a fallback was given.
    pub next: Option<Callback>,
}

#[utoipa::path(post, path = "/api/v1/callbacks", request_body = PlanCallbackIn, responses((status = 201, body = Callback), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn plan_callback(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<PlanCallbackIn>,
) -> Result<(StatusCode, Json<Callback>)> {
    authorize(&c.0, Action::Callbacks, None)?;
    // The order must be this office's.
    let store = st.store.clone();
    let order = b.order;
    let s = blocking(move || store.order(order))
        .await?
        .ok_or_else(|| Error::NotFound(format!("work order {order}")))?;
    authorize(&c.0, Action::Callbacks, Some(&s))?;
    let store = st.store.clone();
    let office = c.0.office;
    let cb = blocking(move || {
        store.plan_callback(
            office,
            b.order,
            b.method,
            b.planned_at,
            b.assignee,
            b.content,
        )
    })
    .await?;
    Ok((StatusCode::CREATED, Json(cb)))
}

#[utoipa::path(get, path = "/api/v1/callbacks", params(("status" = Option<String>, Query), ("order" = Option<String>, Query), ("sample" = Option<String>, Query)), responses((status = 200, body = Vec<Callback>), (status = 403, body = ErrorBody)))]
pub async fn list_callbacks(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<CallbackQuery>,
) -> Result<Json<Vec<Callback>>> {
    authorize(&c.0, Action::Callbacks, None)?;
    let order = match q.order.as_deref() {
        Some(o) => Some(
            o.parse::<OrderId>()
                .map_err(|_| Error::Invalid(format!("order {o:?}")))?,
        ),
        None => None,
    };
    let store = st.store.clone();
    let office = c.0.office;
    Ok(Json(
        blocking(move || store.callbacks(office, q.status, order, q.sample)).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/callbacks/{id}/result", request_body = CallbackResult, responses((status = 200, body = RecordedCallback), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_callback(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<CallbackResult>,
) -> Result<Json<RecordedCallback>> {
    authorize(&c.0, Action::Callbacks, None)?;
    let store = st.store.clone();
    let (office, by) = (c.0.office, c.0.sub);
    let (callback, next) = blocking(move || store.record_callback(office, id, by, r)).await?;
    Ok(Json(RecordedCallback { callback, next }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SampleIn {
    pub month: String,
    #[serde(flatten)]
    pub params: SampleParams,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SampleOut {
    pub sample: Sample,
    /// The supervisors' call-back queue for this sample.
    pub callbacks: Vec<Callback>,
}

#[utoipa::path(post, path = "/api/v1/samples", request_body = SampleIn, responses((status = 201, body = SampleOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_sample(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<SampleIn>,
) -> Result<(StatusCode, Json<SampleOut>)> {
    authorize(&c.0, Action::Callbacks, None)?;
    let store = st.store.clone();
    let (office, by) = (c.0.office, c.0.sub);
    let out = blocking(move || {
        let sample = store.create_sample(office, &b.month, b.params, by)?;
        let callbacks = store.callbacks(office, None, None, Some(sample.id.clone()))?;
        let sample = store.sample(office, &sample.id)?.unwrap_or(sample);
        Ok(SampleOut { sample, callbacks })
    })
    .await?;
    Ok((StatusCode::CREATED, Json(out)))
}

#[utoipa::path(get, path = "/api/v1/samples/{id}", responses((status = 200, body = SampleOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_sample(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> Result<Json<SampleOut>> {
    authorize(&c.0, Action::Callbacks, None)?;
    let store = st.store.clone();
    let office = c.0.office;
    let out = blocking(move || {
        let sample = store
            .sample(office, &id)?
            .ok_or_else(|| Error::NotFound(format!("sample {id}")))?;
        let callbacks = store.callbacks(office, None, None, Some(id))?;
        Ok(SampleOut { sample, callbacks })
    })
    .await?;
    Ok(Json(out))
}
