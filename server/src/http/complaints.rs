//! Complaint endpoints (R-CPL-*), the office calendar and the service-quality report.
//! Deadlines are reckoned from today in the office's zone, by the server's clock.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use baoxiu_sync_core::calendar::{CalendarKind, OfficeCalendar};
use baoxiu_sync_core::callback::CallbackStatus;
use baoxiu_sync_core::complaint::{
    Complaint, NewComplaint, NewEvaluation, NewReferral, Refusal, Remedy, RootCause,
};
use baoxiu_sync_core::{OfficeId, Role, UserId};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ErrorBody;
use super::export::export_pairs;
use super::extract::{ApiJson, ApiQuery, Caller};
use crate::error::{Error, Result};
use crate::policy::Action;
use crate::service::complaints::{ComplaintView, QualityReport, quality, view};
use crate::service::month::{self as month_svc, Month, Params};
use crate::state::AppState;
use crate::store::{CalendarChange, CallbackFilter, ComplaintChange};

/// Who sees a complaint: the desk, the centre (agents, its manager, the QA inspector),
/// supervisors and admins all of the office's; dispatchers those tied to an order.
fn may_see(r: Role, x: &Complaint) -> bool {
    match r {
        Role::FrontDesk
        | Role::CsAgent
        | Role::CsManager
        | Role::QaInspector
        | Role::Supervisor
        | Role::Admin => true,
        Role::Dispatcher => x.order.is_some(),
        _ => false,
    }
}

fn parse_day(s: &str) -> Result<NaiveDate> {
    s.parse()
        .map_err(|_| Error::Invalid(format!("{s:?} is not a date (YYYY-MM-DD)")))
}

/// Today in the office's zone.
fn today(st: &AppState, cal: &OfficeCalendar) -> Result<NaiveDate> {
    cal.day_of(st.now())
        .ok_or_else(|| Error::Internal("the clock is out of range".into()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ComplaintIn {
    /// hotline, fax, letter, walk_in, email, online (R-CPL-CHANNEL)
    #[schema(schema_with = super::schema::complaint_channel)]
    pub channel: String,
    #[schema(pattern = "\\S")]
    pub complainant: String,
    #[serde(default)]
    pub contact: String,
    pub by_customer_or_agent: bool,
    pub unit: String,
    #[schema(pattern = "\\S")]
    pub subject: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub description: String,
    #[schema(schema_with = super::schema::uuid_or_null)]
    pub order: Option<baoxiu_sync_core::OrderId>,
    #[schema(schema_with = super::schema::uuid_or_null)]
    pub technician: Option<UserId>,
    pub material_complete: bool,
    #[serde(default)]
    pub missing: String,
    /// The earlier complaint this one repeats, if a person judged so (404 if the office
    /// has no such complaint).
    pub same_as: Option<String>,
    /// Required with `same_as`.
    pub new_facts: Option<bool>,
    /// When it was received (UTC ms, 1970-01-01 to 9999-12-30), for paper records entered later;
    /// default now.
    #[schema(minimum = 0, maximum = 253_402_214_399_999_i64)]
    pub received_at: Option<i64>,
    /// The customer it is from, when the agent found them (404 if not the office's);
    /// otherwise matched by unit and contact.
    #[serde(default)]
    pub customer: Option<String>,
}

/// The range of `received_at`, UTC ms: 1970-01-01 to 9999-12-30, so the day is in year
/// 9999 at the latest in any time zone.
const RECEIVED_AT: std::ops::RangeInclusive<i64> = 0..=253_402_214_399_999;

impl ComplaintIn {
    fn check(&self) -> Result<()> {
        match self.received_at {
            Some(t) if !RECEIVED_AT.contains(&t) => Err(Error::Invalid(format!(
                "received_at {t} is not a time from 1970 to 9999"
            ))),
            _ => Ok(()),
        }
    }
}

async fn view_now(st: &AppState, office: OfficeId, x: &Complaint) -> Result<ComplaintView> {
    let cal = st.store.calendar(office).await?;
    let all = st.store.complaints(office).await?;
    Ok(view(x, &cal, today(st, &cal)?, &all))
}

#[utoipa::path(post, path = "/api/v1/complaints", request_body = ComplaintIn, responses((status = 201, body = ComplaintView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "`same_as` names no complaint of the office, or `customer` no customer of it"), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<ComplaintIn>,
) -> Result<(StatusCode, Json<ComplaintView>)> {
    // R-CS-TRAINING: a complaint is a customer's contact.
    super::trainings::require_trained(&st, &c).await?;
    b.check()?;
    let new = NewComplaint {
        channel: b.channel,
        complainant: b.complainant,
        contact: b.contact,
        by_customer_or_agent: b.by_customer_or_agent,
        unit: b.unit,
        subject: b.subject,
        category: b.category,
        description: b.description,
        order: b.order,
        technician: b.technician,
        material_complete: b.material_complete,
        missing: b.missing,
        same_as: b.same_as,
        new_facts: b.new_facts,
        referral: None,
        customer: b.customer,
    };
    let at = b.received_at.unwrap_or_else(|| st.now());
    let office = c.0.office;
    let (x, earlier) = st.store.create_complaint(office, new, at, c.0.sub).await?;
    let mut v = view_now(&st, office, &x).await?;
    v.earlier = earlier.map(|e| serde_json::to_value(&e).unwrap_or_default());
    Ok((StatusCode::CREATED, Json(v)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplaintQuery {
    /// Only those due within one working day.
    pub at_risk: Option<bool>,
    pub overdue: Option<bool>,
    #[param(schema_with = super::schema::complaint_status)]
    pub status: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/complaints", params(ComplaintQuery), responses((status = 200, body = Vec<ComplaintView>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<ComplaintQuery>,
) -> Result<Json<Vec<ComplaintView>>> {
    let (office, role) = (c.0.office, c.0.role);
    if let Some(s) = q.status.as_deref()
        && !super::schema::COMPLAINT_STATUSES.contains(&s)
    {
        return Err(Error::Invalid(format!("unknown complaint status {s:?}")));
    }
    let cal = st.store.calendar(office).await?;
    let today = today(&st, &cal)?;
    let all = st.store.complaints(office).await?;
    let out = all
        .iter()
        .filter(|x| may_see(role, x))
        .filter(|x| q.status.as_deref().is_none_or(|s| x.status.as_str() == s))
        .map(|x| view(x, &cal, today, &all))
        .filter(|v| {
            let ds = [v.next_deadline.as_ref(), v.referral_deadline.as_ref()];
            let flag = |k: &str| ds.iter().flatten().any(|d| d[k].as_bool() == Some(true));
            (q.at_risk != Some(true) || flag("at_risk"))
                && (q.overdue != Some(true) || flag("overdue"))
        })
        .collect();
    Ok(Json(out))
}

/// The office's complaint `id`, if the caller may see it; else not found.
pub(super) async fn visible(st: &AppState, c: &Caller, id: &str) -> Result<Complaint> {
    st.store
        .complaint(c.0.office, id.to_owned())
        .await?
        .filter(|x| may_see(c.0.role, x))
        .ok_or_else(|| Error::NotFound(format!("complaint {id}")))
}

#[utoipa::path(get, path = "/api/v1/complaints/{id}", params(("id" = String, Path)), responses((status = 200, body = ComplaintView), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> Result<Json<ComplaintView>> {
    let x = visible(&st, &c, &id).await?;
    Ok(Json(view_now(&st, c.0.office, &x).await?))
}

/// An action on a complaint. `day` back-dates a paper record; default today.
/// Its schema is written by hand (below): what each action needs.
#[derive(Debug, Deserialize)]
pub struct ActionIn {
    /// notice | material | answer | decide | told
    pub action: String,
    pub day: Option<String>,
    /// notice: what the complainant must add.
    pub missing: Option<String>,
    /// answer: accept | refuse | transfer
    pub decision: Option<String>,
    pub reason: Option<String>,
    pub transfer_to: Option<String>,
    /// decide: upheld | partly_upheld | not_upheld
    pub outcome: Option<String>,
    pub text: Option<String>,
    /// decide: what the office does about it.
    pub remedies: Option<Vec<Remedy>>,
    /// decide: the cause the investigation found (R-CPL-REPORT).
    pub root_cause: Option<RootCause>,
    /// refer: the regulator's referral.
    pub referral: Option<NewReferral>,
    /// report_sent: how the report went.
    pub note: Option<String>,
    /// evaluate: the rating and accountability (R-CPL-EVAL).
    pub evaluation: Option<NewEvaluation>,
}

impl utoipa::PartialSchema for ActionIn {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::Schema::OneOf(super::schema::complaint_action()).into()
    }
}

impl ToSchema for ActionIn {}

#[utoipa::path(post, path = "/api/v1/complaints/{id}/actions", params(("id" = String, Path)), request_body = ActionIn, responses((status = 200, body = ComplaintView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn act(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<ActionIn>,
) -> Result<Json<ComplaintView>> {
    let needs = match a.action.as_str() {
        "notice" | "material" | "refer" => Action::RecordComplaint,
        "answer" | "decide" | "told" | "report_sent" | "evaluate" => Action::DecideComplaint,
        other => return Err(Error::Invalid(format!("unknown action {other:?}"))),
    };
    c.check_action(needs)?;
    if needs == Action::RecordComplaint {
        // R-CS-TRAINING: the complainant's material is their contact too.
        super::trainings::require_trained(&st, &c).await?;
    }
    let office = c.0.office;
    let linked: Vec<_> = a
        .remedies
        .iter()
        .flatten()
        .filter_map(|r| r.order)
        .collect();
    if !linked.is_empty() {
        // R-CPL-DECIDE: a remedy's order is one of the office's (the complaint is looked
        // up first, so an unknown complaint is 404 whatever the remedies say).
        visible(&st, &c, &id).await?;
        for o in linked {
            let s = st.store.order(o).await?;
            if s.as_ref().is_none_or(|s| s.office.id != office) {
                return Err(Error::NotFound(format!("work order {o}")));
            }
        }
    }
    let day = a.day.as_deref().map(parse_day).transpose()?;
    // R-CPL-EVAL: the complainant's satisfaction from the complaint's latest call-back that
    // reached them; the people held to account are the office's.
    let mut satisfaction = None;
    if a.action == "evaluate" {
        visible(&st, &c, &id).await?;
        let held = a.evaluation.iter().flat_map(|e| &e.accountability);
        for p in held.filter_map(|h| h.person) {
            if st.store.user(p).await?.is_none_or(|u| u.office != office) {
                return Err(Error::NotFound(format!(
                    "person {p} held to account: no such person in this office"
                )));
            }
        }
        let filter = CallbackFilter {
            complaint: Some(id.clone()),
            status: Some(CallbackStatus::Done),
            ..Default::default()
        };
        satisfaction = st
            .store
            .callbacks(office, filter)
            .await?
            .into_iter()
            .filter(|cb| cb.satisfaction.is_some())
            .max_by_key(|cb| (cb.recorded_at, cb.id.clone()))
            .and_then(|cb| cb.satisfaction);
    }
    let by = c.0.sub;
    let now = st.now();
    let change: ComplaintChange = Box::new(move |x, cal| {
        let day = day.or_else(|| cal.day_of(now)).unwrap_or(x.received_day);
        match a.action.as_str() {
            "notice" => x.supplement_notice(day, a.missing.as_deref().unwrap_or_default(), by),
            "material" => x.material_complete(day, &cal.calendar, by),
            "answer" => x.answer(
                day,
                a.decision.as_deref().unwrap_or_default(),
                a.reason.as_deref(),
                a.transfer_to.as_deref(),
                (&cal.calendar, cal.decision_days),
                by,
            ),
            "decide" => x
                .decide(
                    day,
                    (
                        a.outcome.as_deref().unwrap_or_default(),
                        a.text.as_deref().unwrap_or_default(),
                        a.remedies.as_deref().unwrap_or_default(),
                    ),
                    (&cal.calendar, cal.tell_days),
                    by,
                )
                .map(|()| x.root_cause = a.root_cause),
            "refer" => match &a.referral {
                Some(r) => x.refer(day, r, by),
                None => Err(Refusal {
                    rule: "R-CPL-REFERRAL",
                    invalid: true,
                    message: "name the referral (body, reply_due, form)".into(),
                }),
            },
            "report_sent" => x.report_sent(day, a.note.as_deref().unwrap_or_default(), by),
            "evaluate" => match &a.evaluation {
                Some(e) => x.evaluate(day, e, satisfaction, by),
                None => Err(Refusal {
                    rule: "R-CPL-EVAL",
                    invalid: true,
                    message: "give the evaluation (rating, accountability)".into(),
                }),
            },
            _ => x.told(day, by),
        }
    });
    let x = st.store.update_complaint(office, id, change).await?;
    Ok(Json(view_now(&st, office, &x).await?))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CalendarOut {
    /// cn | weekends
    pub kind: String,
    pub decision_days: u32,
    /// Working days after the decision to tell the complainant (R-CPL-DECIDE).
    pub tell_days: u32,
    /// The public-holiday data ends here; add later holidays as overrides.
    pub coverage_ends: Option<String>,
    pub overrides: BTreeMap<String, bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CalendarIn {
    #[schema(schema_with = super::schema::calendar_kind_or_null)]
    pub kind: Option<String>,
    /// Working days to decide an accepted complaint, 1–120.
    #[schema(minimum = 1, maximum = 120)]
    pub decision_days: Option<u32>,
    /// Working days after the decision to tell the complainant, 1–60.
    #[schema(minimum = 1, maximum = 60)]
    pub tell_days: Option<u32>,
    /// Day → working (true), not working (false), or null to remove the override.
    #[serde(default)]
    #[schema(schema_with = super::schema::day_overrides)]
    pub overrides: BTreeMap<String, Option<bool>>,
}

fn calendar_out(c: &OfficeCalendar) -> CalendarOut {
    CalendarOut {
        kind: c.calendar.kind.as_str().to_owned(),
        decision_days: c.decision_days,
        tell_days: c.tell_days,
        coverage_ends: c.calendar.coverage_ends().map(|d| d.to_string()),
        overrides: c
            .calendar
            .overrides
            .iter()
            .map(|(d, w)| (d.to_string(), *w))
            .collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/calendar", responses((status = 200, body = CalendarOut), (status = 403, body = ErrorBody)))]
pub async fn get_calendar(State(st): State<AppState>, c: Caller) -> Result<Json<CalendarOut>> {
    Ok(Json(calendar_out(&st.store.calendar(c.0.office).await?)))
}

#[utoipa::path(put, path = "/api/v1/calendar", request_body = CalendarIn, responses((status = 200, body = CalendarOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_calendar(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<CalendarIn>,
) -> Result<Json<CalendarOut>> {
    let kind = b
        .kind
        .as_deref()
        .map(|k| {
            k.parse::<CalendarKind>()
                .map_err(|_| Error::Invalid(format!("calendar kind {k:?} (cn, weekends)")))
        })
        .transpose()?;
    let overrides = b
        .overrides
        .iter()
        .map(|(d, w)| Ok((parse_day(d)?, *w)))
        .collect::<Result<Vec<_>>>()?;
    let change = CalendarChange {
        kind,
        decision_days: b.decision_days,
        tell_days: b.tell_days,
        overrides,
    };
    let out = st.store.set_calendar(c.0.office, change).await?;
    Ok(Json(calendar_out(&out)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QualityQuery {
    /// `YYYY-MM`, in the office's time zone.
    #[param(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: String,
    /// json (default), csv, xlsx
    #[param(schema_with = super::schema::export_format)]
    pub format: Option<String>,
    /// zh (default) or en, for export headings.
    #[param(schema_with = super::schema::lang)]
    pub lang: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/quality", params(QualityQuery), responses((status = 200, description = "the service-quality report as JSON, or as CSV / XLSX with `format`", content((QualityReport = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn quality_report(
    State(st): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<QualityQuery>,
) -> Result<Response> {
    let office = c.0.office;
    let o = st
        .store
        .office(office)
        .await?
        .ok_or_else(|| Error::NotFound("office".into()))?;
    let month = Month::parse(&q.month, &o.time_zone)?;
    let params = Params {
        now: st.now(),
        ..st.store.settings(office).await?.into()
    };
    let stats = month_svc::office_stats(&*st.store, office, &q.month, params).await?;
    let cal = st.store.calendar(office).await?;
    let today = today(&st, &cal)?;
    let report = quality(
        &st.store.complaints(office).await?,
        &month,
        &cal,
        today,
        &stats,
    );
    let en = super::month::english(q.lang.as_deref())?;
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(report).into_response()),
        f @ ("csv" | "xlsx") => export_pairs(
            if en {
                "Service quality"
            } else {
                "服務質量報告"
            },
            &quality_rows(&report, en),
            f,
            &format!("quality-{}", report.month),
            en,
        ),
        f => Err(Error::Invalid(format!(
            "unknown format {f:?} (json, csv, xlsx)"
        ))),
    }
}

/// The report as (label, value) rows for export.
fn quality_rows(r: &QualityReport, en: bool) -> Vec<(String, String)> {
    let h = |zh: &str, e: &str| if en { e.to_owned() } else { zh.to_owned() };
    let mut rows = vec![
        (h("月份", "Month"), r.month.clone()),
        (
            h("投訴件數", "Complaints received"),
            r.complaints_received.to_string(),
        ),
        (
            h(
                "投訴率（每完成工單）",
                "Complaint rate (per completed order)",
            ),
            r.complaint_rate.percent(),
        ),
        (
            h("按時處理率", "Handled on time"),
            r.on_time_handling.percent(),
        ),
        (
            h("重複投訴", "Repeat complaints"),
            r.repeat_complaints.to_string(),
        ),
        (h("及時率", "On-time rate"), r.on_time.percent()),
        (h("合格率", "Pass rate"), r.pass.percent()),
        (
            h("滿意度平均", "Satisfaction"),
            r.satisfaction_average_hundredths
                .map(|a| format!("{}.{:02}", a / 100, a % 100))
                .unwrap_or_default(),
        ),
    ];
    for (k, v) in &r.by_channel {
        rows.push((format!("{} {k}", h("渠道", "Channel")), v.to_string()));
    }
    for (k, v) in &r.by_category {
        rows.push((format!("{} {k}", h("類別", "Category")), v.to_string()));
    }
    for (k, v) in &r.by_outcome {
        rows.push((format!("{} {k}", h("結果", "Outcome")), v.to_string()));
    }
    rows
}
