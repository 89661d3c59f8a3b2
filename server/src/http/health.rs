//! Liveness (`/healthz`: the process answers), readiness (`/readyz`: the store can
//! commit now) and metrics.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use crate::error::Result;
use crate::state::AppState;

#[utoipa::path(get, path = "/healthz", security(()), responses((status = 200, description = "the process is alive (says nothing of storage: see /readyz)")))]
pub async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

#[utoipa::path(get, path = "/readyz", security(()), responses((status = 200, description = "the store commits: writes and syncs are taken"), (status = 503, body = super::ErrorBody, description = "the store cannot commit (disk full, read-only, unreachable), or the node is draining before it stops; writes are refused with 503 and nothing is acknowledged")))]
pub async fn readyz(State(st): State<AppState>) -> Result<Response> {
    st.refuse_if_draining()?;
    st.store.ready().await?;
    let log = st.store.log_len().await?;
    Ok(Json(serde_json::json!({"status": "ready", "log": log})).into_response())
}

#[utoipa::path(get, path = "/metrics", responses((status = 200, content_type = "text/plain", description = "Prometheus text format"), (status = 401, body = super::ErrorBody), (status = 403, body = super::ErrorBody)))]
pub async fn metrics(State(st): State<AppState>) -> Response {
    let mut out = String::new();
    if let Ok(r) = st.metrics.registry.lock() {
        let _ = prometheus_client::encoding::text::encode(&mut out, &r);
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        out,
    )
        .into_response()
}
