//! Shared state, the authenticated caller, and the router.

use std::sync::Arc;
use std::sync::atomic::AtomicI64;

use axum::Router;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::routing::{get, post};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use serde::Deserialize;

use crate::auth::{Claims, Keys};
use crate::error::Error;
use crate::store::ServerStore;
use crate::{api, complaints, month_api, sync, web};

/// Counters exported at `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    pub registry: std::sync::Mutex<Registry>,
    pub http_requests: Family<Vec<(String, String)>, Counter>,
    pub changes_stored: Counter,
    pub batches_refused: Family<Vec<(String, String)>, Counter>,
    pub sync_sessions: Gauge<i64, AtomicI64>,
}

impl Metrics {
    pub fn new() -> Arc<Self> {
        let m = Metrics::default();
        if let Ok(mut r) = m.registry.lock() {
            r.register(
                "baoxiu_http_requests",
                "HTTP requests by status class",
                m.http_requests.clone(),
            );
            r.register(
                "baoxiu_changes_stored",
                "Device changes durably stored",
                m.changes_stored.clone(),
            );
            r.register(
                "baoxiu_batches_refused",
                "Sync batches refused, by reason",
                m.batches_refused.clone(),
            );
            r.register(
                "baoxiu_sync_sessions",
                "Open sync sessions",
                m.sync_sessions.clone(),
            );
        }
        Arc::new(m)
    }
}

#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Arc<dyn ServerStore>,
    pub keys: Keys,
    pub metrics: Arc<Metrics>,
    /// Flipped to true when the server shuts down, so long-lived sync sessions end.
    pub shutdown: tokio::sync::watch::Sender<bool>,
}

/// Runs blocking store work off the async threads.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(e.to_string()))?
}

/// The verified caller of a request.
#[derive(Debug, Clone)]
pub struct Caller(pub Claims);

#[derive(Deserialize)]
struct TokenQuery {
    access_token: Option<String>,
}

impl AppState {
    /// Verifies a token and that its user is active with the same token version, role and
    /// office (so deactivation and role changes revoke old tokens).
    pub fn authenticate(&self, token: &str) -> Result<Claims, Error> {
        let claims = self.keys.verify(token)?;
        let user = self
            .store
            .user(claims.sub)?
            .ok_or_else(|| Error::Unauthorized("unknown user".into()))?;
        if !user.active || user.token_version != claims.ver {
            return Err(Error::Unauthorized("token revoked".into()));
        }
        if user.role != claims.role || user.office != claims.office {
            return Err(Error::Unauthorized("token does not match the user".into()));
        }
        Ok(claims)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned);
        // Browsers cannot set headers on a WebSocket upgrade: accept a query token too.
        let token = match header {
            Some(t) => t,
            None => Query::<TokenQuery>::try_from_uri(&parts.uri)
                .ok()
                .and_then(|q| q.0.access_token)
                .ok_or_else(|| Error::Unauthorized("missing bearer token".into()))?,
        };
        let st = state.clone();
        let claims = blocking(move || st.authenticate(&token)).await?;
        Ok(Caller(claims))
    }
}

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/users", get(api::list_users).post(api::create_user))
        .route("/users/{id}/deactivate", post(api::deactivate_user))
        .route("/orders", get(api::list_orders).post(api::create_order))
        .route("/orders/{id}", get(api::get_order))
        .route("/orders/{id}/receive", post(api::receive))
        .route("/orders/{id}/pricing", post(api::pricing))
        .route("/orders/{id}/suggestions", get(api::suggestions))
        .route("/orders/{id}/assign", post(api::assign))
        .route("/orders/{id}/appointment", post(api::appointment))
        .route("/orders/{id}/cancel", post(api::cancel))
        .route("/orders/{id}/receipt", post(api::receipt))
        .route("/devices", get(api::devices))
        .route("/stats", get(month_api::stats))
        .route("/register", get(month_api::register))
        .route(
            "/callbacks",
            get(month_api::list_callbacks).post(month_api::plan_callback),
        )
        .route("/callbacks/{id}/result", post(month_api::record_callback))
        .route("/samples", post(month_api::create_sample))
        .route("/samples/{id}", get(month_api::get_sample))
        .route(
            "/complaints",
            get(complaints::list_complaints).post(complaints::create_complaint),
        )
        .route("/complaints/{id}", get(complaints::get_complaint))
        .route("/complaints/{id}/actions", post(complaints::act))
        .route(
            "/calendar",
            get(complaints::get_calendar).put(complaints::put_calendar),
        )
        .route("/quality", get(complaints::quality_report))
        .route("/events", get(web::events));
    Router::new()
        .nest("/api/v1", api)
        .route("/api/openapi.json", get(api::openapi))
        .route("/healthz", get(api::healthz))
        .route("/metrics", get(api::metrics))
        .route("/sync", get(sync::upgrade))
        .route("/", get(web::index))
        .route("/app.js", get(web::app_js))
        .route("/style.css", get(web::style))
        .route("/i18n/{file}", get(web::catalogue))
        .fallback(api::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            count_requests,
        ))
        .with_state(state)
}

async fn count_requests(
    axum::extract::State(st): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let res = next.run(req).await;
    let class = format!("{}xx", res.status().as_u16() / 100);
    st.metrics
        .http_requests
        .get_or_create(&vec![("class".to_owned(), class)])
        .inc();
    res
}
