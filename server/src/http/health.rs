//! Liveness and metrics.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::error::Result;
use crate::state::AppState;

#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "alive"), (status = 503, description = "storage failing (e.g. disk full); nothing is acknowledged that was not stored")))]
pub async fn healthz(State(st): State<AppState>) -> Result<Response> {
    let log = st.store.log_len().await?;
    Ok(match st.store.storage_error() {
        None => Json(serde_json::json!({"status": "ok", "log": log})).into_response(),
        Some(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({"status": "degraded", "storage": e, "log": log})),
        )
            .into_response(),
    })
}

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
