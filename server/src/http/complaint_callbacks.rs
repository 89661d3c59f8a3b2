//! R-VISIT-CONTENT: a call-back about a complaint (投訴處理回訪) — how the complainant
//! found the handling. Planned here against the complaint; recorded like any call-back
//! (`POST /api/v1/callbacks/{id}/result`), where a problem found opens a task for its
//! owner (R-VISIT-OWNER). R-CPL-EVAL reads the complainant's satisfaction from it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use baoxiu_sync_core::UserId;
use baoxiu_sync_core::callback::CallbackPlan;
use serde::Deserialize;
use utoipa::ToSchema;

use super::ErrorBody;
use super::extract::{ApiJson, Caller};
use super::month::{CallbackOut, method};
use crate::error::Result;
use crate::service::programmes::{self, Planned};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct PlanComplaintCallbackIn {
    /// phone (agents), on_site (field staff), online_survey (the manager) — R-VISIT.
    #[schema(schema_with = super::schema::callback_method)]
    pub method: String,
    /// UTC ms.
    pub planned_at: i64,
    #[schema(schema_with = super::schema::uuid_or_null)]
    pub assignee: Option<UserId>,
    /// What to ask; default: how the complaint was handled.
    #[serde(default)]
    pub content: String,
    /// The programme it is planned under (S5 25); it must make complaint-handling
    /// call-backs, on this day, this way.
    #[serde(default)]
    pub programme: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/complaints/{id}/callbacks", params(("id" = String, Path)), request_body = PlanComplaintCallbackIn, responses((status = 201, body = CallbackOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn plan(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<PlanComplaintCallbackIn>,
) -> Result<(StatusCode, Json<CallbackOut>)> {
    let x = super::complaints::visible(&st, &c, &id).await?;
    let m = method(&b.method)?;
    programmes::check_plan(
        &st,
        c.0.office,
        Planned {
            programme: b.programme.as_deref(),
            planned_at: b.planned_at,
            method: m,
            about_complaint: true,
            assignee: b.assignee,
        },
    )
    .await?;
    let content = if b.content.trim().is_empty() {
        format!("投訴處理回訪：{}", x.subject)
    } else {
        b.content
    };
    let cb = CallbackPlan {
        order: None,
        complaint: Some(x.id),
        method: m,
        planned_at: b.planned_at,
        assignee: b.assignee,
        content,
        sample: None,
        programme: b.programme,
    }
    .into_callback(st.now());
    st.store.insert_callback(c.0.office, cb.clone()).await?;
    Ok((StatusCode::CREATED, Json(cb.into())))
}
