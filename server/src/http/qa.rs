//! R-CS-QA: the QA scheme (the centre's manager keeps it), the inspector's queue of a
//! month's work — contacts taken and call-backs made — and its inspections, and the
//! periodic QA report (JSON, CSV of the people inspected, XLSX of every table).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use baoxiu_sync_core::callback::CallbackStatus;
use baoxiu_sync_core::contact::ContactKind;
use baoxiu_sync_core::qa::{
    Criterion, Inspection, MAX_CRITERIA, MAX_QA_COMMENT, NewInspection, QaScheme, Subject,
};
use baoxiu_sync_core::{OfficeId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ErrorBody;
use super::export::{Cell, Table, csv_response, h, xlsx_response};
use super::extract::{ApiJson, ApiQuery, Caller};
use crate::error::{Error, Result};
use crate::service::month::{Month, Rate};
use crate::service::office_registers as registers;
use crate::service::qa::{InspectionView, QaLine, QaReport, office_report};
use crate::state::AppState;
use crate::store::{CallbackFilter, ContactFilter};

/// The most pieces of work of each kind the queue lists for a month (newest first).
const QUEUE_LIMIT: u32 = 500;

/// A criterion of the scheme.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CriterionIo {
    #[schema(max_length = 100)]
    pub name: String,
    #[schema(minimum = 1, maximum = 100)]
    pub max_points: u16,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub guidance: String,
}

/// The office's QA scheme (指標質檢方案).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QaSchemeIo {
    #[schema(max_items = 20)]
    pub criteria: Vec<CriterionIo>,
    /// An inspection passes at this share of the points or more (percent).
    #[schema(minimum = 1, maximum = 100)]
    pub pass_percent: u8,
}

impl From<QaScheme> for QaSchemeIo {
    fn from(s: QaScheme) -> Self {
        QaSchemeIo {
            criteria: s
                .criteria
                .into_iter()
                .map(|c| CriterionIo {
                    name: c.name,
                    max_points: c.max_points,
                    guidance: c.guidance,
                })
                .collect(),
            pass_percent: s.pass_percent,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/qa/scheme", responses((status = 200, body = QaSchemeIo), (status = 403, body = ErrorBody)))]
pub async fn scheme(State(st): State<AppState>, c: Caller) -> Result<Json<QaSchemeIo>> {
    Ok(Json(registers::qa_scheme(&st, c.0.office).await?.into()))
}

#[utoipa::path(put, path = "/api/v1/qa/scheme", request_body = QaSchemeIo, responses((status = 200, body = QaSchemeIo), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody, description = "a criterion blank or named twice, points or pass mark out of range (each problem named)"), (status = 422, body = ErrorBody)))]
pub async fn set_scheme(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<QaSchemeIo>,
) -> Result<Json<QaSchemeIo>> {
    let scheme = QaScheme {
        criteria: b
            .criteria
            .into_iter()
            .map(|c| Criterion {
                name: c.name.trim().to_owned(),
                max_points: c.max_points,
                guidance: c.guidance.trim().to_owned(),
            })
            .collect(),
        pass_percent: b.pass_percent,
    };
    registers::set_qa_scheme(&st, c.0.office, scheme).await?;
    Ok(Json(registers::qa_scheme(&st, c.0.office).await?.into()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// `YYYY-MM` (office time zone): the month the work was done in.
    #[param(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: String,
}

/// A piece of work the inspector may inspect, with its inspection once made.
#[derive(Debug, Serialize, ToSchema)]
pub struct QaQueueItem {
    /// `contact` or `callback`.
    pub subject: String,
    pub id: String,
    /// When it was taken or made (UTC ms).
    pub at: i64,
    #[schema(value_type = String)]
    pub agent: UserId,
    pub agent_name: String,
    /// The contact's kind, or the call-back's method.
    pub what: String,
    /// The contact's summary, or what the call-back found.
    pub summary: String,
    pub inspection: Option<InspectionView>,
}

#[utoipa::path(get, path = "/api/v1/qa/queue", params(QueueQuery), responses((status = 200, body = Vec<QaQueueItem>, description = "the month's contacts (whistle-blowing aside) and call-backs made, newest first, each with its inspection if made"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn queue(
    State(st): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> Result<Json<Vec<QaQueueItem>>> {
    let office = c.0.office;
    let tz = crate::service::office_zone(&st, office).await?;
    let p = Month::parse(&q.month, tz.name())?.period();
    let who = crate::service::month::names(&*st.store, office).await?;
    let name = |u: &UserId| who.get(u).cloned().unwrap_or_default();
    let contacts = st
        .store
        .contacts(
            office,
            ContactFilter {
                from: Some(p.start),
                to: Some(p.end),
                limit: QUEUE_LIMIT,
                ..Default::default()
            },
        )
        .await?;
    let mut calls: Vec<_> = st
        .store
        .callbacks(
            office,
            CallbackFilter {
                status: Some(CallbackStatus::Done),
                ..Default::default()
            },
        )
        .await?
        .into_iter()
        .filter(|x| x.recorded_at.is_some_and(|t| (p.start..p.end).contains(&t)))
        .collect();
    calls.sort_by_key(|x| std::cmp::Reverse(x.recorded_at));
    calls.truncate(QUEUE_LIMIT as usize);
    let mut done = std::collections::HashMap::new();
    for (subject, ids) in [
        (
            Subject::Contact,
            contacts.iter().map(|x| x.id.clone()).collect(),
        ),
        (
            Subject::Callback,
            calls.iter().map(|x| x.id.clone()).collect(),
        ),
    ] {
        for x in st.store.inspections_of(office, subject, ids).await? {
            done.insert((x.subject, x.subject_id.clone()), x);
        }
    }
    let mut out = Vec::new();
    for x in contacts
        .into_iter()
        .filter(|x| x.kind != ContactKind::Whistleblowing)
    {
        let kind: &str = x.kind.into();
        out.push(QaQueueItem {
            subject: "contact".into(),
            inspection: done
                .remove(&(Subject::Contact, x.id.clone()))
                .map(Into::into),
            at: x.received_at,
            agent: x.taken_by,
            agent_name: name(&x.taken_by),
            what: kind.to_owned(),
            summary: x.summary,
            id: x.id,
        });
    }
    for x in calls {
        let (Some(by), Some(at)) = (x.recorded_by, x.recorded_at) else {
            continue;
        };
        let method: &str = x.method.into();
        out.push(QaQueueItem {
            subject: "callback".into(),
            inspection: done
                .remove(&(Subject::Callback, x.id.clone()))
                .map(Into::into),
            at,
            agent: by,
            agent_name: name(&by),
            what: method.to_owned(),
            summary: if x.problems.is_empty() {
                x.content
            } else {
                x.problems
            },
            id: x.id,
        });
    }
    out.sort_by(|a, b| b.at.cmp(&a.at).then(b.id.cmp(&a.id)));
    Ok(Json(out))
}

/// One criterion's points.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreIn {
    pub criterion: String,
    #[schema(maximum = 100)]
    pub points: u16,
}

/// An inspection of a contact or a call-back against the scheme in force.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectionIn {
    #[schema(schema_with = super::schema::qa_subject)]
    pub subject: Subject,
    pub subject_id: String,
    #[schema(max_items = 20)]
    pub scores: Vec<ScoreIn>,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub comment: String,
}

#[utoipa::path(post, path = "/api/v1/qa/inspections", request_body = InspectionIn, responses((status = 201, body = InspectionView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "no such contact or call-back in the office"), (status = 409, body = ErrorBody, description = "R-CS-QA: a criterion missing, unknown, twice or over its points; points taken off without a comment; one's own work; a call-back not made yet; inspected already"), (status = 422, body = ErrorBody)))]
pub async fn inspect(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<InspectionIn>,
) -> Result<(StatusCode, Json<InspectionView>)> {
    let office = c.0.office;
    if b.scores.len() > MAX_CRITERIA || b.comment.chars().count() > MAX_QA_COMMENT {
        return Err(Error::Invalid(format!(
            "at most {MAX_CRITERIA} scores and {MAX_QA_COMMENT} characters of comment"
        )));
    }
    let agent = match b.subject {
        Subject::Contact => {
            let x = st
                .store
                .contact(office, b.subject_id.clone())
                .await?
                // Whistle-blowing is the manager's alone (R-CS-CONTACT): not the QA's.
                .filter(|x| x.kind.visible_to(c.0.role))
                .ok_or_else(|| Error::NotFound(format!("contact {}", b.subject_id)))?;
            x.taken_by
        }
        Subject::Callback => {
            let x = st
                .store
                .callback(office, b.subject_id.clone())
                .await?
                .ok_or_else(|| Error::NotFound(format!("call-back {}", b.subject_id)))?;
            match (x.status, x.recorded_by) {
                (CallbackStatus::Done, Some(by)) => by,
                _ => {
                    return Err(Error::Conflict(
                        "R-CS-QA: only a call-back made is inspected".into(),
                    ));
                }
            }
        }
    };
    let scheme = registers::qa_scheme(&st, office).await?;
    let n = NewInspection {
        subject: b.subject,
        subject_id: b.subject_id,
        scores: b
            .scores
            .into_iter()
            .map(|s| (s.criterion, s.points))
            .collect(),
        comment: b.comment,
    };
    let x = Inspection::new(n, &scheme, agent, c.0.sub, st.now())?;
    st.store.add_inspection(office, x.clone()).await?;
    Ok((StatusCode::CREATED, Json(x.into())))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QaReportQuery {
    /// First month, `YYYY-MM` (office time zone).
    #[param(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub from: String,
    /// How many months from `from`, 1–24 (default 1).
    #[param(minimum = 1, maximum = 24)]
    pub months: Option<i64>,
    /// json (default), csv (the people inspected), xlsx (every table)
    #[param(schema_with = super::schema::export_format)]
    pub format: Option<String>,
    /// zh (default) or en, for export headings.
    #[param(schema_with = super::schema::lang)]
    pub lang: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/qa/report", params(QaReportQuery), responses((status = 200, description = "the QA report as JSON, or as CSV / XLSX with `format`", content((QaReport = "application/json"), (String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody, description = "too many inspections in the period"), (status = 422, body = ErrorBody)))]
pub async fn report(
    State(st): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<QaReportQuery>,
) -> Result<Response> {
    office_qa_report(&st, c.0.office, &q).await
}

/// One office's report in the format asked for: the office's own route, and head office's
/// drill (R-CS-HQ).
pub(super) async fn office_qa_report(
    st: &AppState,
    office: OfficeId,
    q: &QaReportQuery,
) -> Result<Response> {
    let en = super::month::english(q.lang.as_deref())?;
    let format = super::export::format_of(q.format.as_deref())?;
    let scheme = registers::qa_scheme(st, office).await?;
    let r = office_report(&*st.store, office, &q.from, q.months.unwrap_or(1), &scheme).await?;
    let filename = format!("qa-report-{}-{}", r.from, r.to);
    match format {
        "csv" => csv_response(&lines(&r.by_person, en, h(en, "人員", "Person")), &filename),
        "xlsx" => xlsx_response(
            &[
                lines(&r.trend, en, h(en, "月份", "Month")),
                lines(&r.by_criterion, en, h(en, "指標", "Criterion")),
                lines(&r.by_person, en, h(en, "人員", "Person")),
            ],
            &filename,
        ),
        _ => Ok(Json(r).into_response()),
    }
}

fn lines(rows: &[QaLine], en: bool, what: &'static str) -> Table {
    let pct = |r: &Rate| Cell::Text(r.percent());
    Table {
        name: what,
        headings: vec![
            what,
            h(en, "質檢數", "Inspections"),
            h(en, "合格率", "Passed"),
            h(en, "得分率", "Score"),
        ],
        rows: rows
            .iter()
            .map(|l| {
                vec![
                    Cell::Text(l.name.clone().unwrap_or_else(|| l.key.clone())),
                    Cell::Int(i64::try_from(l.inspections).unwrap_or(i64::MAX)),
                    pct(&l.passed),
                    pct(&l.score),
                ]
            })
            .collect(),
    }
}
