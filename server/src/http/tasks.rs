//! R-VISIT-OWNER: the tasks call-backs open for whoever must act on a problem — the owner's
//! list (everyone's, for a role that makes call-backs), what asks for attention now (due
//! soon, overdue, chased), chasing the owner (催辦), and closing one with what was done.

use axum::Json;
use axum::extract::{Path, State};
use baoxiu_sync_core::task::{MAX_TASK_TEXT, OwnerTask, Reminder};
use baoxiu_sync_core::{OfficeId, OrderId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ErrorBody;
use super::extract::{ApiJson, ApiQuery, Caller};
use crate::error::{Error, Result};
use crate::policy::{Action, role_allows};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskOut {
    pub id: String,
    /// The call-back that found the problem, and the order or complaint it was about.
    pub callback: String,
    #[schema(value_type = Option<String>)]
    pub order: Option<OrderId>,
    pub complaint: Option<String>,
    /// The order's (or complaint's) unit and customer, to know what it is about.
    pub unit: Option<String>,
    pub customer_name: Option<String>,
    #[schema(value_type = String)]
    pub owner: UserId,
    pub problem: String,
    pub due_at: i64,
    /// Open past its due date.
    pub overdue: bool,
    /// Why the open task asks for attention now: `overdue`, `due_soon` (within the office's
    /// `owner_task_remind_days`), `reminded` (somebody chased it); null otherwise.
    #[schema(schema_with = super::schema::task_attention)]
    pub attention: Option<String>,
    /// Who chased the owner, when and with what note, oldest first.
    pub reminders: Vec<TaskReminderOut>,
    #[schema(value_type = String)]
    pub created_by: UserId,
    pub created_at: i64,
    pub closed_at: Option<i64>,
    #[schema(value_type = Option<String>)]
    pub closed_by: Option<UserId>,
    pub outcome: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskReminderOut {
    #[schema(value_type = String)]
    pub by: UserId,
    pub at: i64,
    pub note: String,
}

impl From<Reminder> for TaskReminderOut {
    fn from(r: Reminder) -> Self {
        TaskReminderOut {
            by: r.by,
            at: r.at,
            note: r.note,
        }
    }
}

/// A task as the lists show it; `remind_days` is the office's `owner_task_remind_days`.
pub(super) async fn task_out(
    st: &AppState,
    office: OfficeId,
    t: OwnerTask,
    remind_days: u32,
) -> Result<TaskOut> {
    let (unit, customer_name) = match (t.order, &t.complaint) {
        (Some(o), _) => match st.store.order(o).await? {
            Some(s) => (Some(s.customer.unit), Some(s.customer.name)),
            None => (None, None),
        },
        (None, Some(x)) => match st.store.complaint(office, x.clone()).await? {
            Some(x) => (Some(x.unit), Some(x.complainant)),
            None => (None, None),
        },
        (None, None) => (None, None),
    };
    let now = st.now();
    Ok(TaskOut {
        overdue: t.overdue(now),
        attention: t
            .attention(now, remind_days)
            .map(|a| <&str>::from(a).to_owned()),
        reminders: t.reminders.into_iter().map(Into::into).collect(),
        unit,
        customer_name,
        id: t.id,
        callback: t.callback,
        order: t.order,
        complaint: t.complaint,
        owner: t.owner,
        problem: t.problem,
        due_at: t.due_at,
        created_by: t.created_by,
        created_at: t.created_at,
        closed_at: t.closed_at,
        closed_by: t.closed_by,
        outcome: t.outcome,
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TasksQuery {
    /// Only open tasks (default true).
    pub open: Option<bool>,
    /// Everyone's tasks, for a role that makes call-backs (default: the caller's own).
    pub all: Option<bool>,
    /// Only the open tasks that ask for attention now (overdue, due soon, chased).
    pub attention: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/tasks", params(TasksQuery), responses((status = 200, body = Vec<TaskOut>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<TasksQuery>,
) -> Result<Json<Vec<TaskOut>>> {
    let all = q.all.unwrap_or(false);
    if all && !role_allows(c.0.role, Action::Callbacks) {
        return Err(Error::Forbidden(format!(
            "a {} sees only their own tasks",
            c.0.role.as_str()
        )));
    }
    let owner = (!all).then_some(c.0.sub);
    let tasks = st
        .store
        .owner_tasks(c.0.office, owner, q.open.unwrap_or(true))
        .await?;
    let days = st.store.settings(c.0.office).await?.owner_task_remind_days;
    let now = st.now();
    let wanted = |t: &OwnerTask| !q.attention.unwrap_or(false) || t.attention(now, days).is_some();
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks.into_iter().filter(wanted) {
        out.push(task_out(&st, c.0.office, t, days).await?);
    }
    Ok(Json(out))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CloseIn {
    /// What was done about the problem.
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub outcome: String,
}

#[utoipa::path(post, path = "/api/v1/tasks/{id}/close", params(("id" = String, Path)), request_body = CloseIn, responses((status = 200, body = TaskOut), (status = 403, body = ErrorBody, description = "neither the owner nor a supervisor"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "closed already"), (status = 422, body = ErrorBody)))]
pub async fn close(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CloseIn>,
) -> Result<Json<TaskOut>> {
    if b.outcome.trim().is_empty() || b.outcome.chars().count() > MAX_TASK_TEXT {
        return Err(Error::Invalid(format!(
            "outcome is 1–{MAX_TASK_TEXT} characters"
        )));
    }
    let any = role_allows(c.0.role, Action::Callbacks);
    let t = st
        .store
        .close_owner_task(c.0.office, id, c.0.sub, any, b.outcome, st.now())
        .await?;
    let days = st.store.settings(c.0.office).await?.owner_task_remind_days;
    Ok(Json(task_out(&st, c.0.office, t, days).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RemindIn {
    /// What the owner is told (may be empty).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: String,
}

#[utoipa::path(post, path = "/api/v1/tasks/{id}/remind", params(("id" = String, Path)), request_body = RemindIn, responses((status = 200, body = TaskOut), (status = 403, body = ErrorBody, description = "not a role that makes call-backs"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "closed, or reminded 20 times already"), (status = 422, body = ErrorBody)))]
pub async fn remind(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RemindIn>,
) -> Result<Json<TaskOut>> {
    let t = st
        .store
        .remind_owner_task(c.0.office, id, c.0.sub, b.note, st.now())
        .await?;
    let days = st.store.settings(c.0.office).await?.owner_task_remind_days;
    Ok(Json(task_out(&st, c.0.office, t, days).await?))
}
