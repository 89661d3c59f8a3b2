//! R-VISIT-RECORD (第二十五條 回訪檔案): every call-back made leaves a written record, filed.
//! The month's file — each call-back recorded in the office's month, reached or not, about
//! an order or a complaint — as JSON, CSV or XLSX. Planned and cancelled call-backs are not
//! records: nothing was said.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use baoxiu_sync_core::UserId;
use baoxiu_sync_core::callback::{Callback, CallbackStatus};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ErrorBody;
use super::export::{Cell, Table, csv_response, xlsx_response};
use super::extract::{ApiQuery, Caller};
use super::questionnaire::{AnswerIo, DimensionScoresIo};
use crate::error::{Error, Result};
use crate::service::month::Month;
use crate::state::AppState;
use crate::store::CallbackFilter;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecordsQuery {
    /// `YYYY-MM`, in the office's time zone: call-backs recorded that month.
    #[param(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: String,
    /// json (default), csv, xlsx
    #[param(schema_with = super::schema::export_format)]
    pub format: Option<String>,
    /// zh (default) or en, for export headings.
    #[param(schema_with = super::schema::lang)]
    pub lang: Option<String>,
}

/// One filed call-back record.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallbackRecord {
    pub callback: String,
    /// UTC ms.
    pub recorded_at: i64,
    pub recorded_by: String,
    /// phone | on_site | online_survey
    pub method: String,
    /// order | complaint
    pub about: String,
    /// The order's or complaint's id.
    pub about_id: String,
    pub unit: String,
    /// The customer, or the complainant.
    pub customer: String,
    pub content: String,
    pub reached: bool,
    pub satisfaction: Option<u8>,
    /// pass | fail
    pub repair_held: Option<String>,
    pub problems: String,
    pub responsible: Option<String>,
    /// Not reached: the next way tried.
    pub fallback_method: Option<String>,
    /// The questionnaire as answered: the quality dimensions (S5 8), the free questions.
    pub scores: DimensionScoresIo,
    pub answers: Vec<AnswerIo>,
}

#[utoipa::path(get, path = "/api/v1/callbacks/records", params(RecordsQuery), responses((status = 200, description = "the month's filed call-back records as JSON, or as CSV / XLSX with `format`", content((Vec<CallbackRecord> = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn records(
    State(st): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<RecordsQuery>,
) -> Result<Response> {
    let office = c.0.office;
    let o = st
        .store
        .office(office)
        .await?
        .ok_or_else(|| Error::NotFound("office".into()))?;
    let month = Month::parse(&q.month, &o.time_zone)?;
    let en = super::month::english(q.lang.as_deref())?;
    let format = super::export::format_of(q.format.as_deref())?;
    let mut made: Vec<Callback> = st
        .store
        .callbacks(office, CallbackFilter::default())
        .await?
        .into_iter()
        .filter(|cb| matches!(cb.status, CallbackStatus::Done | CallbackStatus::Failed))
        .filter(|cb| {
            cb.recorded_at
                .is_some_and(|t| t >= month.start && t < month.end)
        })
        .collect();
    made.sort_by_key(|cb| (cb.recorded_at, cb.id.clone()));
    let people = st.store.users(office).await?;
    let name = |u: Option<UserId>| {
        u.map(|u| {
            people
                .iter()
                .find(|p| p.id == u)
                .map_or_else(|| u.to_string(), |p| p.name.clone())
        })
        .unwrap_or_default()
    };
    let mut out = Vec::with_capacity(made.len());
    for cb in made {
        let (about, about_id, unit, customer) = match (cb.order, &cb.complaint) {
            (Some(id), _) => {
                let s = st.store.order(id).await?;
                let (unit, who) =
                    s.map_or_else(Default::default, |s| (s.customer.unit, s.customer.name));
                ("order", id.to_string(), unit, who)
            }
            (None, Some(id)) => {
                let x = st.store.complaint(office, id.clone()).await?;
                let (unit, who) = x.map_or_else(Default::default, |x| (x.unit, x.complainant));
                ("complaint", id.clone(), unit, who)
            }
            (None, None) => continue,
        };
        out.push(CallbackRecord {
            recorded_at: cb.recorded_at.unwrap_or_default(),
            recorded_by: name(cb.recorded_by),
            method: cb.method.as_str().to_owned(),
            about: about.to_owned(),
            about_id,
            unit,
            customer,
            content: cb.content,
            reached: cb.reached == Some(true),
            satisfaction: cb.satisfaction,
            repair_held: cb.repair_held.map(|h| h.as_str().to_owned()),
            problems: cb.problems,
            responsible: cb.responsible,
            fallback_method: cb.fallback_method.map(|m| m.as_str().to_owned()),
            scores: cb.scores.into(),
            answers: cb.answers.into_iter().map(AnswerIo::from).collect(),
            callback: cb.id,
        });
    }
    let filename = format!("callback-records-{month}");
    match format {
        "csv" => csv_response(&table(&out, en, &o.time_zone), &filename),
        "xlsx" => xlsx_response(&[table(&out, en, &o.time_zone)], &filename),
        _ => Ok(Json(out).into_response()),
    }
}

/// A 1–5 score, or an empty cell where none was given.
fn score(s: Option<u8>) -> Cell {
    s.map_or(Cell::Text(String::new()), |s| Cell::Int(i64::from(s)))
}

fn table(rows: &[CallbackRecord], en: bool, zone: &str) -> Table {
    let h = |zh: &'static str, e: &'static str| if en { e } else { zh };
    let tz: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::UTC);
    let when = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    };
    let text = |s: &str| Cell::Text(s.to_owned());
    Table {
        name: h("回訪檔案", "Call-back records"),
        headings: vec![
            h("記錄時間", "Recorded"),
            h("回訪人", "By"),
            h("方式", "Method"),
            h("對象", "About"),
            h("房號", "Unit"),
            h("客戶", "Customer"),
            h("回訪內容", "Content"),
            h("聯繫上", "Reached"),
            h("滿意度", "Satisfaction"),
            h("維修是否合格", "Repair held"),
            h("發現的問題", "Problems"),
            h("責任人", "Responsible"),
            h("改用方式", "Tried next"),
            h("可靠性", "Reliability"),
            h("有形度", "Tangibles"),
            h("響應度", "Responsiveness"),
            h("同理度", "Empathy"),
            h("專業度", "Professionalism"),
            h("問卷回答", "Answers"),
            h("編號", "Number"),
        ],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    Cell::Text(when(r.recorded_at)),
                    text(&r.recorded_by),
                    text(&r.method),
                    text(&r.about),
                    text(&r.unit),
                    text(&r.customer),
                    text(&r.content),
                    text(if r.reached {
                        h("是", "yes")
                    } else {
                        h("否", "no")
                    }),
                    score(r.satisfaction),
                    text(r.repair_held.as_deref().unwrap_or_default()),
                    text(&r.problems),
                    text(r.responsible.as_deref().unwrap_or_default()),
                    text(r.fallback_method.as_deref().unwrap_or_default()),
                    score(r.scores.reliability),
                    score(r.scores.tangibles),
                    score(r.scores.responsiveness),
                    score(r.scores.empathy),
                    score(r.scores.professionalism),
                    text(
                        &r.answers
                            .iter()
                            .map(|a| format!("{}：{}", a.question, a.answer))
                            .collect::<Vec<_>>()
                            .join("；"),
                    ),
                    text(&r.callback),
                ]
            })
            .collect(),
    }
}
