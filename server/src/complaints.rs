//! Complaints (R-CPL-*): storage, endpoints, deadlines, and the service-quality report.
//! The lifecycle rules are sync-core's (`complaint.rs`); this module stores complaints,
//! keeps each office's working-day calendar, and speaks HTTP.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use baoxiu_sync_core::calendar::{Calendar, CalendarKind};
use baoxiu_sync_core::complaint::{
    Complaint, DEFAULT_DECISION_DAYS, Deadline, NewComplaint, Refusal, Status,
};
use baoxiu_sync_core::{Office, OfficeId, Role, UserId};
use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::ApiJson;
use crate::app::{AppState, Caller, blocking};
use crate::error::{Error, ErrorBody, Result};
use crate::month::{Month, Params, Rate};

impl From<Refusal> for Error {
    fn from(r: Refusal) -> Self {
        Error::Complaint {
            rule: r.rule,
            invalid: r.invalid,
            message: r.message,
        }
    }
}

/// An office's calendar and its decision period.
#[derive(Debug, Clone)]
pub struct OfficeCalendar {
    pub calendar: Calendar,
    pub decision_days: u32,
    pub time_zone: chrono_tz::Tz,
}

impl OfficeCalendar {
    pub fn today(&self) -> NaiveDate {
        chrono::Utc::now()
            .with_timezone(&self.time_zone)
            .date_naive()
    }

    pub fn day_of(&self, ms: i64) -> NaiveDate {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|t| t.with_timezone(&self.time_zone).date_naive())
            .unwrap_or_else(|| self.today())
    }
}

fn tz(o: &Office) -> Result<chrono_tz::Tz> {
    o.time_zone
        .parse()
        .map_err(|_| Error::Internal(format!("office time zone {:?}", o.time_zone)))
}

pub fn load_calendar(c: &Connection, o: &Office) -> Result<OfficeCalendar> {
    let row: Option<(String, u32)> = c
        .query_row(
            "SELECT kind, decision_days FROM calendars WHERE office = ?1",
            [o.id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (kind, decision_days) = match row {
        Some((k, d)) => (
            if k == "cn" {
                CalendarKind::Cn
            } else {
                CalendarKind::Weekends
            },
            d,
        ),
        None => (
            CalendarKind::for_time_zone(&o.time_zone),
            DEFAULT_DECISION_DAYS,
        ),
    };
    let mut calendar = Calendar::new(kind);
    let mut stmt =
        c.prepare_cached("SELECT day, working FROM calendar_overrides WHERE office = ?1")?;
    for row in stmt.query_map([o.id.to_string()], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?))
    })? {
        let (day, working) = row?;
        if let Ok(d) = day.parse::<NaiveDate>() {
            calendar.overrides.insert(d, working);
        }
    }
    Ok(OfficeCalendar {
        calendar,
        decision_days,
        time_zone: tz(o)?,
    })
}

pub fn save_calendar(
    c: &Connection,
    o: &Office,
    kind: Option<CalendarKind>,
    decision_days: Option<u32>,
    overrides: &[(NaiveDate, Option<bool>, String)],
) -> Result<OfficeCalendar> {
    let cur = load_calendar(c, o)?;
    let kind = kind.unwrap_or(cur.calendar.kind);
    let days = decision_days.unwrap_or(cur.decision_days);
    if !(1..=120).contains(&days) {
        return Err(Error::Invalid("decision_days is 1–120 working days".into()));
    }
    c.execute(
        "INSERT INTO calendars (office, kind, decision_days) VALUES (?1, ?2, ?3)
         ON CONFLICT (office) DO UPDATE SET kind = excluded.kind, decision_days = excluded.decision_days",
        params![o.id.to_string(), kind.as_str(), days],
    )?;
    for (day, working, note) in overrides {
        match working {
            Some(w) => c.execute(
                "INSERT INTO calendar_overrides (office, day, working, note) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (office, day) DO UPDATE SET working = excluded.working, note = excluded.note",
                params![o.id.to_string(), day.to_string(), w, note],
            )?,
            None => c.execute(
                "DELETE FROM calendar_overrides WHERE office = ?1 AND day = ?2",
                params![o.id.to_string(), day.to_string()],
            )?,
        };
    }
    load_calendar(c, o)
}

fn save(c: &Connection, office: OfficeId, x: &Complaint) -> Result<()> {
    let data = serde_json::to_string(x).map_err(|e| Error::Internal(e.to_string()))?;
    c.execute(
        "INSERT INTO complaints (id, office, received_day, status, complainant, unit, subject, order_id, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, data = excluded.data",
        params![
            x.id,
            office.to_string(),
            x.received_day.to_string(),
            x.status.as_str(),
            x.complainant,
            x.unit,
            x.subject,
            x.order.map(|o| o.to_string()),
            data,
        ],
    )?;
    Ok(())
}

pub fn load(c: &Connection, office: OfficeId, id: &str) -> Result<Option<Complaint>> {
    let data: Option<String> = c
        .query_row(
            "SELECT data FROM complaints WHERE id = ?1 AND office = ?2",
            params![id, office.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    data.map(|d| {
        serde_json::from_str(&d).map_err(|e| Error::Internal(format!("complaint {id}: {e}")))
    })
    .transpose()
}

pub fn list(c: &Connection, office: OfficeId) -> Result<Vec<Complaint>> {
    let mut stmt = c.prepare_cached(
        "SELECT data FROM complaints WHERE office = ?1 ORDER BY received_day, id",
    )?;
    let rows = stmt
        .query_map([office.to_string()], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.iter()
        .map(|d| serde_json::from_str(d).map_err(|e| Error::Internal(format!("complaint: {e}"))))
        .collect()
}

/// Records a complaint; with `same_as`, applies the repeat rules (R-CPL-REJECT) to both in
/// one transaction. Returns the new complaint and, if it changed, the earlier one.
pub fn create(
    c: &Connection,
    o: &Office,
    n: &NewComplaint,
    received_at: i64,
    by: UserId,
) -> Result<(Complaint, Option<Complaint>)> {
    let cal = load_calendar(c, o)?;
    let day = cal.day_of(received_at);
    if n.same_as.is_some() && n.new_facts.is_none() {
        return Err(Refusal {
            rule: "R-CPL-REJECT",
            invalid: true,
            message: "a repeat must say whether it brings new facts (new_facts: true or false)"
                .into(),
        }
        .into());
    }
    let mut x = Complaint::receive(
        uuid::Uuid::now_v7().to_string(),
        n,
        received_at,
        day,
        &cal.calendar,
        by,
    )?;
    let mut earlier_changed = None;
    if let Some(same) = &n.same_as {
        // A merged complaint lives on in the one it was merged into.
        let mut earlier =
            load(c, o.id, same)?.ok_or_else(|| Error::NotFound(format!("complaint {same}")))?;
        while let Some(into) = earlier.merged_into.clone() {
            earlier = load(c, o.id, &into)?
                .ok_or_else(|| Error::NotFound(format!("complaint {into}")))?;
        }
        let before = earlier.clone();
        x.repeat_of(
            &mut earlier,
            n.new_facts.unwrap_or(false),
            &cal.calendar,
            cal.decision_days,
            by,
        )?;
        if earlier != before {
            save(c, o.id, &earlier)?;
            earlier_changed = Some(earlier);
        }
    }
    save(c, o.id, &x)?;
    Ok((x, earlier_changed))
}

/// A change to a complaint, applied by the writer with the office's calendar.
pub type Change =
    Box<dyn FnOnce(&mut Complaint, &OfficeCalendar) -> std::result::Result<(), Refusal> + Send>;

pub fn update(c: &Connection, o: &Office, id: &str, change: Change) -> Result<Complaint> {
    let cal = load_calendar(c, o)?;
    let mut x = load(c, o.id, id)?.ok_or_else(|| Error::NotFound(format!("complaint {id}")))?;
    change(&mut x, &cal)?;
    save(c, o.id, &x)?;
    Ok(x)
}

/// Likely repeats of `x`: same complainant, unit and subject within 180 days.
fn likely_duplicates(all: &[Complaint], x: &Complaint) -> Vec<String> {
    let norm = |s: &str| s.trim().to_lowercase();
    all.iter()
        .filter(|o| o.id != x.id && o.status != Status::Merged)
        .filter(|o| norm(&o.complainant) == norm(&x.complainant) && norm(&o.unit) == norm(&x.unit))
        .filter(|o| norm(&o.subject) == norm(&x.subject))
        .filter(|o| (x.received_day - o.received_day).num_days().abs() <= 180)
        .map(|o| o.id.clone())
        .collect()
}

// ---- HTTP ----

fn may_record(r: Role) -> bool {
    matches!(r, Role::FrontDesk | Role::Supervisor | Role::Admin)
}

fn may_decide(r: Role) -> bool {
    matches!(r, Role::Supervisor | Role::Admin)
}

/// Who sees a complaint: front desk, supervisors, admins all of the office's; dispatchers
/// those tied to an order.
fn may_see(r: Role, x: &Complaint) -> bool {
    match r {
        Role::FrontDesk | Role::Supervisor | Role::Admin => true,
        Role::Dispatcher => x.order.is_some(),
        _ => false,
    }
}

fn forbid(c: &Caller, what: &str) -> Error {
    Error::Forbidden(format!("a {} may not {what}", c.0.role.as_str()))
}

/// A complaint with its next deadline and likely repeats.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintView {
    #[schema(value_type = Object)]
    pub complaint: serde_json::Value,
    pub status: String,
    #[schema(value_type = Option<Object>)]
    pub next_deadline: Option<serde_json::Value>,
    pub likely_duplicates: Vec<String>,
    /// When the earlier complaint changed (merged new facts): it, as it is now.
    #[schema(value_type = Option<Object>)]
    pub earlier: Option<serde_json::Value>,
}

fn view(x: &Complaint, cal: &OfficeCalendar, today: NaiveDate, all: &[Complaint]) -> ComplaintView {
    let d: Option<Deadline> = x.next_deadline(today, &cal.calendar);
    ComplaintView {
        complaint: serde_json::to_value(x).unwrap_or_default(),
        status: x.status.as_str().to_owned(),
        next_deadline: d.map(|d| serde_json::to_value(d).unwrap_or_default()),
        likely_duplicates: likely_duplicates(all, x),
        earlier: None,
    }
}

fn parse_day(s: &str) -> Result<NaiveDate> {
    s.parse()
        .map_err(|_| Error::Invalid(format!("{s:?} is not a date (YYYY-MM-DD)")))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ComplaintIn {
    /// hotline, fax, letter, walk_in, email, online (R-CPL-CHANNEL)
    pub channel: String,
    pub complainant: String,
    #[serde(default)]
    pub contact: String,
    pub by_customer_or_agent: bool,
    pub unit: String,
    pub subject: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub description: String,
    #[schema(value_type = Option<String>)]
    pub order: Option<baoxiu_sync_core::OrderId>,
    #[schema(value_type = Option<String>)]
    pub technician: Option<UserId>,
    pub material_complete: bool,
    #[serde(default)]
    pub missing: String,
    /// The earlier complaint this one repeats, if a person judged so.
    pub same_as: Option<String>,
    /// Required with `same_as`.
    pub new_facts: Option<bool>,
    /// When it was received (UTC ms), for paper records entered later; default now.
    pub received_at: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/complaints", request_body = ComplaintIn, responses((status = 201, body = ComplaintView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_complaint(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<ComplaintIn>,
) -> Result<(StatusCode, Json<ComplaintView>)> {
    if !may_record(c.0.role) {
        return Err(forbid(&c, "record complaints"));
    }
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
    };
    let at = b
        .received_at
        .unwrap_or_else(|| chrono::Utc::now().timestamp_millis());
    let store = st.store.clone();
    let (office, by) = (c.0.office, c.0.sub);
    let v = blocking(move || {
        let (x, earlier) = store.create_complaint(office, new, at, by)?;
        let cal = store.calendar(office)?;
        let all = store.complaints(office)?;
        let mut v = view(&x, &cal, cal.today(), &all);
        v.earlier = earlier.map(|e| serde_json::to_value(&e).unwrap_or_default());
        Ok(v)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(v)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ComplaintQuery {
    /// Evaluate deadlines as of this day (YYYY-MM-DD); default today in the office.
    pub today: Option<String>,
    /// Only those due within one working day.
    pub at_risk: Option<bool>,
    pub overdue: Option<bool>,
    pub status: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/complaints", params(("today" = Option<String>, Query), ("at_risk" = Option<bool>, Query), ("overdue" = Option<bool>, Query), ("status" = Option<String>, Query)), responses((status = 200, body = Vec<ComplaintView>), (status = 403, body = ErrorBody)))]
pub async fn list_complaints(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<ComplaintQuery>,
) -> Result<Json<Vec<ComplaintView>>> {
    let role = c.0.role;
    if !(may_record(role) || role == Role::Dispatcher) {
        return Err(forbid(&c, "see complaints"));
    }
    let store = st.store.clone();
    let office = c.0.office;
    let out = blocking(move || {
        let cal = store.calendar(office)?;
        let today = match &q.today {
            Some(t) => parse_day(t)?,
            None => cal.today(),
        };
        let all = store.complaints(office)?;
        Ok(all
            .iter()
            .filter(|x| may_see(role, x))
            .filter(|x| q.status.as_deref().is_none_or(|s| x.status.as_str() == s))
            .map(|x| view(x, &cal, today, &all))
            .filter(|v| {
                let d = v.next_deadline.as_ref();
                let flag = |k: &str| d.and_then(|d| d[k].as_bool()).unwrap_or(false);
                (q.at_risk != Some(true) || flag("at_risk"))
                    && (q.overdue != Some(true) || flag("overdue"))
            })
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(Json(out))
}

#[utoipa::path(get, path = "/api/v1/complaints/{id}", params(("today" = Option<String>, Query)), responses((status = 200, body = ComplaintView), (status = 404, body = ErrorBody)))]
pub async fn get_complaint(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    Query(q): Query<ComplaintQuery>,
) -> Result<Json<ComplaintView>> {
    let store = st.store.clone();
    let (office, role) = (c.0.office, c.0.role);
    let v = blocking(move || {
        let x = store
            .complaint(office, &id)?
            .filter(|x| may_see(role, x))
            .ok_or_else(|| Error::NotFound(format!("complaint {id}")))?;
        let cal = store.calendar(office)?;
        let today = match &q.today {
            Some(t) => parse_day(t)?,
            None => cal.today(),
        };
        Ok(view(&x, &cal, today, &store.complaints(office)?))
    })
    .await?;
    Ok(Json(v))
}

/// An action on a complaint. `day` back-dates a paper record; default today.
#[derive(Debug, Deserialize, ToSchema)]
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
}

#[utoipa::path(post, path = "/api/v1/complaints/{id}/actions", request_body = ActionIn, responses((status = 200, body = ComplaintView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn act(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<ActionIn>,
) -> Result<Json<ComplaintView>> {
    let role = c.0.role;
    let allowed = match a.action.as_str() {
        "notice" | "material" => may_record(role),
        "answer" | "decide" | "told" => may_decide(role),
        other => return Err(Error::Invalid(format!("unknown action {other:?}"))),
    };
    if !allowed {
        return Err(forbid(&c, &a.action));
    }
    let day = a.day.as_deref().map(parse_day).transpose()?;
    let by = c.0.sub;
    let change: Change = Box::new(move |x, cal| {
        let day = day.unwrap_or_else(|| cal.today());
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
            "decide" => x.decide(
                day,
                a.outcome.as_deref().unwrap_or_default(),
                a.text.as_deref().unwrap_or_default(),
                by,
            ),
            _ => x.told(day, by),
        }
    });
    let store = st.store.clone();
    let office = c.0.office;
    let v = blocking(move || {
        let x = store.update_complaint(office, id, change)?;
        let cal = store.calendar(office)?;
        Ok(view(&x, &cal, cal.today(), &store.complaints(office)?))
    })
    .await?;
    Ok(Json(v))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CalendarOut {
    /// cn | weekends
    pub kind: String,
    pub decision_days: u32,
    /// The public-holiday data ends here; add later holidays as overrides.
    pub coverage_ends: Option<String>,
    pub overrides: BTreeMap<String, bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CalendarIn {
    pub kind: Option<String>,
    pub decision_days: Option<u32>,
    /// Day → working (true), not working (false), or null to remove the override.
    #[serde(default)]
    pub overrides: BTreeMap<String, Option<bool>>,
}

fn calendar_out(c: &OfficeCalendar) -> CalendarOut {
    CalendarOut {
        kind: c.calendar.kind.as_str().to_owned(),
        decision_days: c.decision_days,
        coverage_ends: c.calendar.coverage_ends().map(|d| d.to_string()),
        overrides: c
            .calendar
            .overrides
            .iter()
            .map(|(d, w)| (d.to_string(), *w))
            .collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/calendar", responses((status = 200, body = CalendarOut)))]
pub async fn get_calendar(State(st): State<AppState>, c: Caller) -> Result<Json<CalendarOut>> {
    let store = st.store.clone();
    let office = c.0.office;
    Ok(Json(calendar_out(
        &blocking(move || store.calendar(office)).await?,
    )))
}

#[utoipa::path(put, path = "/api/v1/calendar", request_body = CalendarIn, responses((status = 200, body = CalendarOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_calendar(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<CalendarIn>,
) -> Result<Json<CalendarOut>> {
    if !matches!(c.0.role, Role::Supervisor | Role::Admin) {
        return Err(forbid(&c, "edit the calendar"));
    }
    let kind = match b.kind.as_deref() {
        None => None,
        Some("cn") => Some(CalendarKind::Cn),
        Some("weekends") => Some(CalendarKind::Weekends),
        Some(k) => {
            return Err(Error::Invalid(format!(
                "calendar kind {k:?} (cn, weekends)"
            )));
        }
    };
    let overrides = b
        .overrides
        .iter()
        .map(|(d, w)| Ok((parse_day(d)?, *w, String::new())))
        .collect::<Result<Vec<_>>>()?;
    let store = st.store.clone();
    let office = c.0.office;
    let out =
        blocking(move || store.set_calendar(office, kind, b.decision_days, overrides)).await?;
    Ok(Json(calendar_out(&out)))
}

/// Complaints and service quality for one office-month (R-CPL-REPORT, seed 5).
#[derive(Debug, Serialize, ToSchema)]
pub struct QualityReport {
    pub month: String,
    pub complaints_received: u64,
    pub by_channel: BTreeMap<String, u64>,
    pub by_category: BTreeMap<String, u64>,
    /// Status now, or the decision's outcome once decided.
    pub by_outcome: BTreeMap<String, u64>,
    /// Deadlines (supplement notice, acceptance, decision) kept, of those due or met.
    pub on_time_handling: Rate,
    /// Complaints that repeat an earlier one.
    pub repeat_complaints: u64,
    /// Complaints received per order completed in the month.
    pub complaint_rate: Rate,
    pub satisfaction_average_hundredths: Option<u64>,
    pub on_time: Rate,
    pub pass: Rate,
}

pub fn quality(
    all: &[Complaint],
    month: &Month,
    tz: chrono_tz::Tz,
    today: NaiveDate,
    stats: &crate::month::MonthStats,
) -> QualityReport {
    let day = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|t| t.with_timezone(&tz).date_naive())
            .unwrap_or(today)
    };
    let (first, next) = (day(month.start), day(month.end));
    let mine: Vec<&Complaint> = all
        .iter()
        .filter(|x| x.received_day >= first && x.received_day < next)
        .collect();
    let mut r = QualityReport {
        month: month.to_string(),
        complaints_received: mine.len() as u64,
        by_channel: BTreeMap::new(),
        by_category: BTreeMap::new(),
        by_outcome: BTreeMap::new(),
        on_time_handling: Rate::default(),
        repeat_complaints: 0,
        complaint_rate: Rate::new(mine.len() as u64, stats.completed),
        satisfaction_average_hundredths: stats.satisfaction.average_hundredths,
        on_time: stats.on_time,
        pass: stats.pass,
    };
    let (mut kept, mut due) = (0u64, 0u64);
    for x in mine {
        *r.by_channel.entry(x.channel.clone()).or_default() += 1;
        let cat = if x.category.is_empty() {
            "other".to_owned()
        } else {
            x.category.clone()
        };
        *r.by_category.entry(cat).or_default() += 1;
        let outcome = x
            .outcome
            .clone()
            .unwrap_or_else(|| x.status.as_str().to_owned());
        *r.by_outcome.entry(outcome).or_default() += 1;
        if x.duplicate_of.is_some() {
            r.repeat_complaints += 1;
        }
        for ok in x.deadlines_kept(today) {
            due += 1;
            kept += u64::from(ok);
        }
    }
    r.on_time_handling = Rate::new(kept, due);
    r
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct QualityQuery {
    pub month: String,
    pub today: Option<String>,
    /// json (default), csv, xlsx
    pub format: Option<String>,
    pub lang: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/quality", params(("month" = String, Query), ("today" = Option<String>, Query), ("format" = Option<String>, Query), ("lang" = Option<String>, Query)), responses((status = 200, body = QualityReport), (status = 403, body = ErrorBody)))]
pub async fn quality_report(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<QualityQuery>,
) -> Result<Response> {
    if !matches!(c.0.role, Role::Supervisor | Role::Dispatcher | Role::Admin) {
        return Err(forbid(&c, "see the quality report"));
    }
    let store = st.store.clone();
    let office = c.0.office;
    let m = q.month.clone();
    let today = q.today.as_deref().map(parse_day).transpose()?;
    let (report, currency_tz) = blocking(move || {
        let o = store
            .office(office)?
            .ok_or_else(|| Error::NotFound("office".into()))?;
        let month = Month::parse(&m, &o.time_zone)?;
        let stats = store.month_stats(office, &m, Params::default())?;
        let cal = store.calendar(office)?;
        let today = today.unwrap_or_else(|| cal.today());
        Ok((
            quality(
                &store.complaints(office)?,
                &month,
                cal.time_zone,
                today,
                &stats,
            ),
            cal.time_zone,
        ))
    })
    .await?;
    let _ = currency_tz;
    let en = q.lang.as_deref() == Some("en");
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(report).into_response()),
        f @ ("csv" | "xlsx") => crate::month_api::export_pairs(
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
