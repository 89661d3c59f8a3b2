//! Month-end endpoints: statistics, the paid-service register, call-backs, spot-check
//! samples, with CSV and XLSX exports.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use baoxiu_sync_core::callback::{
    Callback, CallbackMethod, CallbackPlan, CallbackResult, CallbackStatus,
};
use baoxiu_sync_core::questionnaire::Answer;
use baoxiu_sync_core::{OfficeId, OrderId, PassFail, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ErrorBody;
use super::export::{csv_response, register_table, stats_table, xlsx_response};
use super::extract::{ApiJson, ApiQuery, Caller};
use super::questionnaire::{AnswerIo, DimensionScoresIo};
use crate::error::{Error, Result};
use crate::policy::{Action, role_allows};
use crate::service::month::{self as svc, MonthStats, Params, Register};
use crate::service::programmes::{self, Planned};
use crate::state::AppState;
use crate::store::CallbackFilter;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// `YYYY-MM`, in the office's time zone.
    #[param(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: String,
    /// Must be the caller's office if given (another is not found).
    pub office: Option<String>,
    /// json (default), csv or xlsx.
    #[param(schema_with = super::schema::export_format)]
    pub format: Option<String>,
    /// zh (default) or en, for export headings.
    #[param(schema_with = super::schema::lang)]
    pub lang: Option<String>,
    /// Overrides the office's setting for this request.
    #[param(minimum = 0, maximum = 365)]
    pub rework_days: Option<i64>,
    /// Overrides the office's setting for this request.
    #[param(minimum = 0, maximum = 1440)]
    pub margin_minutes: Option<i64>,
    /// `live` (default): as the facts stand now; `filed`: as filed when the month was
    /// closed (R-MONTH; not found while it is open).
    #[param(schema_with = super::schema::month_view)]
    pub view: Option<String>,
}

/// The register's query: a month of one office.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegisterQuery {
    /// `YYYY-MM`, in the office's time zone.
    #[param(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: String,
    /// Must be the caller's office if given (another is not found).
    pub office: Option<String>,
    /// json (default), csv or xlsx.
    #[param(schema_with = super::schema::export_format)]
    pub format: Option<String>,
    /// zh (default) or en, for export headings.
    #[param(schema_with = super::schema::lang)]
    pub lang: Option<String>,
}

fn office_of(c: &Caller, office: Option<&str>) -> Result<OfficeId> {
    match office {
        Some(o) if o.parse::<OfficeId>().ok() != Some(c.0.office) => {
            Err(Error::NotFound(format!("office {o}")))
        }
        _ => Ok(c.0.office),
    }
}

/// Whether export headings are English (`lang=en`) rather than Chinese (`zh`, default).
pub(super) fn english(lang: Option<&str>) -> Result<bool> {
    match lang {
        None | Some("zh") => Ok(false),
        Some("en") => Ok(true),
        Some(l) => Err(Error::Invalid(format!("unknown lang {l:?} (zh, en)"))),
    }
}

/// The office's settings, overridden by the request where it says so.
async fn params(st: &AppState, office: OfficeId, q: &MonthQuery) -> Result<Params> {
    let d: Params = st.store.settings(office).await?.into();
    let p = Params {
        rework_days: q.rework_days.unwrap_or(d.rework_days),
        margin_minutes: q.margin_minutes.unwrap_or(d.margin_minutes),
        now: st.now(),
        ..d
    };
    if !(0..=365).contains(&p.rework_days) || !(0..=24 * 60).contains(&p.margin_minutes) {
        return Err(Error::Invalid(
            "rework_days is 0–365, margin_minutes 0–1440".into(),
        ));
    }
    Ok(p)
}

fn unknown_format(f: &str) -> Error {
    Error::Invalid(format!("unknown format {f:?} (json, csv, xlsx)"))
}

#[utoipa::path(get, path = "/api/v1/stats", params(MonthQuery),
    responses((status = 200, description = "the month's statistics as JSON, or as CSV / XLSX with `format`", content((MonthStats = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "another office"), (status = 422, body = ErrorBody)))]
pub async fn stats(
    State(st): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> Result<Response> {
    let office = office_of(&c, q.office.as_deref())?;
    let en = english(q.lang.as_deref())?;
    let p = params(&st, office, &q).await?;
    // R-MONTH: the live figures, or those filed when the month was closed; exports say
    // which in their name and in a header.
    let filed = match q.view.as_deref() {
        None | Some("live") => false,
        Some("filed") => true,
        Some(v) => return Err(Error::Invalid(format!("unknown view {v:?} (live, filed)"))),
    };
    let (s, view) = if filed {
        let s = crate::service::month_close::filed_stats(&*st.store, office, &q.month).await?;
        (s, "filed")
    } else {
        (
            svc::office_stats(&*st.store, office, &q.month, p).await?,
            "live",
        )
    };
    let name = format!("stats-{}-{view}", s.month);
    let res = match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(&s).into_response()),
        "csv" => csv_response(&stats_table(&s, en, filed), &name),
        "xlsx" => {
            let r = svc::register(&*st.store, office, &q.month).await?;
            let tz = crate::service::office_zone(&st, office).await?;
            let mut sheets = vec![stats_table(&s, en, filed)];
            // The live register beside live figures; a filed month's register is in
            // GET /api/v1/months/{month}.
            if !filed {
                sheets.push(register_table(&r, en, tz));
            }
            xlsx_response(&sheets, &name)
        }
        f => Err(unknown_format(f)),
    };
    res.map(|mut r| {
        r.headers_mut()
            .insert("x-baoxiu-view", axum::http::HeaderValue::from_static(view));
        r
    })
}

#[utoipa::path(get, path = "/api/v1/register", params(RegisterQuery),
    responses((status = 200, description = "the paid-service register as JSON, or as CSV / XLSX with `format`", content((Register = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "another office"), (status = 422, body = ErrorBody)))]
pub async fn register(
    State(st): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<RegisterQuery>,
) -> Result<Response> {
    let office = office_of(&c, q.office.as_deref())?;
    let en = english(q.lang.as_deref())?;
    let r = svc::register(&*st.store, office, &q.month).await?;
    let tz = crate::service::office_zone(&st, office).await?;
    let name = format!("register-{}", r.month);
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(r).into_response()),
        "csv" => csv_response(&register_table(&r, en, tz), &name),
        "xlsx" => xlsx_response(&[register_table(&r, en, tz)], &name),
        f => Err(unknown_format(f)),
    }
}

/// A call-back as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallbackOut {
    pub id: String,
    /// The order it is about, or (R-VISIT-CONTENT) the complaint: one of the two.
    #[schema(value_type = Option<String>)]
    pub order: Option<OrderId>,
    pub complaint: Option<String>,
    /// phone | on_site | online_survey
    pub method: String,
    pub planned_at: i64,
    #[schema(value_type = Option<uuid::Uuid>)]
    pub assignee: Option<UserId>,
    pub content: String,
    /// planned | done | failed | cancelled (its sample was redrawn)
    pub status: String,
    pub reached: Option<bool>,
    pub satisfaction: Option<u8>,
    /// pass | fail
    pub repair_held: Option<String>,
    pub problems: String,
    /// Who must act on the problems found (R-VISIT-OWNER).
    pub responsible: Option<String>,
    pub fallback_method: Option<String>,
    pub sample: Option<String>,
    #[schema(value_type = Option<String>)]
    pub recorded_by: Option<UserId>,
    pub recorded_at: Option<i64>,
    /// The programme it was planned under (S5 25), if any.
    pub programme: Option<String>,
    /// The customer's scores on the quality dimensions (S5 8) and answers to the free
    /// questions, as recorded.
    pub scores: DimensionScoresIo,
    pub answers: Vec<AnswerIo>,
}

impl From<Callback> for CallbackOut {
    fn from(c: Callback) -> Self {
        CallbackOut {
            id: c.id,
            order: c.order,
            complaint: c.complaint,
            method: c.method.as_str().to_owned(),
            planned_at: c.planned_at,
            assignee: c.assignee,
            content: c.content,
            status: c.status.as_str().to_owned(),
            reached: c.reached,
            satisfaction: c.satisfaction,
            repair_held: c.repair_held.map(|h| h.as_str().to_owned()),
            problems: c.problems,
            responsible: c.responsible,
            fallback_method: c.fallback_method.map(|m| m.as_str().to_owned()),
            sample: c.sample,
            recorded_by: c.recorded_by,
            recorded_at: c.recorded_at,
            programme: c.programme,
            scores: c.scores.into(),
            answers: c.answers.into_iter().map(AnswerIo::from).collect(),
        }
    }
}

pub(super) fn method(m: &str) -> Result<CallbackMethod> {
    m.parse().map_err(|_| {
        Error::Invalid(format!(
            "unknown call-back method {m:?} (phone, on_site, online_survey)"
        ))
    })
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PlanCallbackIn {
    #[schema(schema_with = super::schema::uuid)]
    pub order: OrderId,
    /// phone, on_site, online_survey
    #[schema(schema_with = super::schema::callback_method)]
    pub method: String,
    /// UTC ms.
    pub planned_at: i64,
    #[schema(schema_with = super::schema::uuid_or_null)]
    pub assignee: Option<UserId>,
    #[serde(default)]
    pub content: String,
    /// The programme it is planned under (S5 25): its period, ways and kinds must fit.
    #[serde(default)]
    pub programme: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackQuery {
    #[param(schema_with = super::schema::callback_status)]
    pub status: Option<String>,
    /// A work order's id.
    #[param(schema_with = super::schema::uuid)]
    pub order: Option<String>,
    /// A sample's id.
    pub sample: Option<String>,
    /// A complaint's id: its call-backs (R-VISIT-CONTENT).
    pub complaint: Option<String>,
    /// A programme's id: its call-backs (S5 25).
    pub programme: Option<String>,
}

/// What is recorded when a call-back is made. Its schema is written by hand
/// (`schema::callback_result`): the shapes a record may take.
#[derive(Debug, Deserialize)]
pub struct CallbackResultIn {
    pub reached: bool,
    /// 1 to 5.
    pub satisfaction: Option<u8>,
    /// pass | fail
    pub repair_held: Option<String>,
    #[serde(default)]
    pub problems: String,
    pub responsible: Option<String>,
    #[serde(default)]
    pub content: String,
    /// When the customer was not reached: try again this way (R-VISIT).
    pub fallback_method: Option<String>,
    /// When to try the fallback (UTC ms); default a day later.
    pub fallback_at: Option<i64>,
    /// R-VISIT-OWNER: a person of the office who must act on the problem found; a task
    /// due by the office's `owner_task_days` is opened for them.
    pub task_owner: Option<String>,
    /// The questionnaire: the quality dimensions' scores (S5 8), the free questions'
    /// answers (under a programme, its questions only).
    pub scores: Option<DimensionScoresIo>,
    pub answers: Option<Vec<AnswerIo>>,
}

impl utoipa::PartialSchema for CallbackResultIn {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::Schema::AnyOf(super::schema::callback_result()).into()
    }
}

impl ToSchema for CallbackResultIn {}

impl TryFrom<CallbackResultIn> for CallbackResult {
    type Error = Error;
    fn try_from(r: CallbackResultIn) -> Result<Self> {
        let repair_held = r
            .repair_held
            .as_deref()
            .map(|h| {
                h.parse::<PassFail>()
                    .map_err(|_| Error::Invalid("repair_held is pass or fail".into()))
            })
            .transpose()?;
        Ok(CallbackResult {
            reached: r.reached,
            satisfaction: r.satisfaction,
            repair_held,
            problems: r.problems,
            responsible: r.responsible,
            content: r.content,
            fallback_method: r.fallback_method.as_deref().map(method).transpose()?,
            fallback_at: r.fallback_at,
            task_owner: r
                .task_owner
                .as_deref()
                .map(|u| {
                    u.parse::<UserId>()
                        .map_err(|_| Error::Invalid(format!("task_owner {u:?}")))
                })
                .transpose()?,
            scores: r.scores.unwrap_or_default().into(),
            answers: r
                .answers
                .unwrap_or_default()
                .into_iter()
                .map(Answer::from)
                .collect(),
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordedCallback {
    /// R-VISIT-OWNER: the task opened for the problem found, if an owner was named.
    pub task: Option<super::tasks::TaskOut>,
    pub callback: CallbackOut,
    /// The next attempt, when the customer was not reached and a fallback was given.
    pub next: Option<CallbackOut>,
}

#[utoipa::path(post, path = "/api/v1/callbacks", request_body = PlanCallbackIn, responses((status = 201, body = CallbackOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn plan_callback(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<PlanCallbackIn>,
) -> Result<(StatusCode, Json<CallbackOut>)> {
    let m = method(&b.method)?;
    // The order must be this office's.
    let s = st
        .store
        .order(b.order)
        .await?
        .ok_or_else(|| Error::NotFound(format!("work order {}", b.order)))?;
    c.check(Some(&s))?;
    let office = c.0.office;
    programmes::check_plan(
        &st,
        office,
        Planned {
            programme: b.programme.as_deref(),
            planned_at: b.planned_at,
            method: m,
            about_complaint: false,
            assignee: b.assignee,
        },
    )
    .await?;
    let cb = CallbackPlan {
        order: Some(b.order),
        complaint: None,
        method: m,
        planned_at: b.planned_at,
        assignee: b.assignee,
        content: b.content,
        sample: None,
        programme: b.programme,
    }
    .into_callback(st.now());
    st.store.insert_callback(c.0.office, cb.clone()).await?;
    Ok((StatusCode::CREATED, Json(cb.into())))
}

#[utoipa::path(get, path = "/api/v1/callbacks", params(CallbackQuery), responses((status = 200, body = Vec<CallbackOut>), (status = 403, body = ErrorBody)))]
pub async fn list_callbacks(
    State(st): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<CallbackQuery>,
) -> Result<Json<Vec<CallbackOut>>> {
    let order = q
        .order
        .as_deref()
        .map(|o| {
            o.parse::<OrderId>()
                .map_err(|_| Error::Invalid(format!("order {o:?}")))
        })
        .transpose()?;
    let status = q
        .status
        .as_deref()
        .map(|s| {
            s.parse::<CallbackStatus>()
                .map_err(|_| Error::Invalid(format!("status {s:?} (planned, done, failed)")))
        })
        .transpose()?;
    let filter = CallbackFilter {
        status,
        order,
        sample: q.sample,
        complaint: q.complaint,
        programme: q.programme,
        // R-VISIT: one who only makes the calls given to them (an agent, field staff)
        // lists only those.
        assignee: (!role_allows(c.0.role, Action::Callbacks)).then_some(c.0.sub),
    };
    let out = st.store.callbacks(c.0.office, filter).await?;
    Ok(Json(out.into_iter().map(CallbackOut::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/callbacks/{id}/result", params(("id" = String, Path)), request_body = CallbackResultIn, responses((status = 200, body = RecordedCallback), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_callback(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<CallbackResultIn>,
) -> Result<Json<RecordedCallback>> {
    let mut r = CallbackResult::try_from(r)?;
    let office = c.0.office;
    // Unknown first (404), then another's call-back for one who makes only their own
    // (403), then one already recorded (409), then the owner named: a person of this
    // office, still active.
    let Some(cb) = st.store.callback(office, id.clone()).await? else {
        return Err(Error::NotFound(format!("call-back {id}")));
    };
    // R-VISIT: one who only makes the calls given to them (an agent, field staff) records
    // those; planning and the rest are for those who run call-backs.
    if !role_allows(c.0.role, Action::Callbacks) && cb.assignee != Some(c.0.sub) {
        return Err(Error::Forbidden(format!(
            "call-back {id} is not assigned to you"
        )));
    }
    if cb.status != CallbackStatus::Planned {
        return Err(Error::Conflict(format!(
            "call-back {id} is already {}",
            cb.status
        )));
    }
    // R-VISIT-CONTENT: a complaint's call-back has no repair to hold.
    if cb.complaint.is_some() && r.repair_held.is_some() {
        return Err(Error::Conflict(format!(
            "call-back {id} is about a complaint: it asks about the handling, not whether a repair held"
        )));
    }
    programmes::prepare_result(&st, office, &cb, &mut r).await?;
    if let Some(owner) = r.task_owner {
        let person = st.store.user(owner).await?;
        if !person.is_some_and(|p| p.office == office && p.active) {
            return Err(Error::NotFound(format!(
                "task_owner {owner}: no active person of this office"
            )));
        }
    }
    let days = st.store.settings(office).await?.owner_task_days;
    let (callback, next, task) = st
        .store
        .record_callback_task(office, id, r, c.0.sub, st.now(), days)
        .await?;
    let task = match task {
        Some(t) => {
            let remind = st.store.settings(c.0.office).await?.owner_task_remind_days;
            Some(super::tasks::task_out(&st, c.0.office, t, remind).await?)
        }
        None => None,
    };
    Ok(Json(RecordedCallback {
        callback: callback.into(),
        task,
        next: next.map(CallbackOut::from),
    }))
}
