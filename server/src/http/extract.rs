//! Extractors: the authenticated caller, and JSON / query extractors whose rejections use
//! the error body (no text/plain 400 escapes).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use baoxiu_sync_core::WorkOrderState;

use crate::auth::Claims;
use crate::error::{Error, Result};
use crate::policy::{Action, authorize};
use crate::state::AppState;

/// The verified caller of a request and the route's action from the policy table, put
/// there by the route-table middleware.
#[derive(Debug, Clone)]
pub struct Caller(pub Claims, pub Action);

impl Caller {
    /// The route's action on one record (office, a technician's scope, then role).
    pub fn check(&self, order: Option<&WorkOrderState>) -> Result<()> {
        authorize(&self.0, self.1, order)
    }

    /// Another action of the table, for a route whose action depends on its input.
    pub fn check_action(&self, action: Action) -> Result<()> {
        authorize(&self.0, action, None)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| Error::Unauthorized("missing bearer token".into()))
    }
}

#[derive(Deserialize)]
struct TokenQuery {
    access_token: Option<String>,
}

/// The bearer token of a request: the header, or — where browsers cannot set headers (a
/// WebSocket upgrade, an event stream) — the `access_token` query parameter.
pub fn bearer(parts: &Parts) -> Option<String> {
    let header = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    header.or_else(|| {
        Query::<TokenQuery>::try_from_uri(&parts.uri)
            .ok()
            .and_then(|q| q.0.access_token)
    })
}

/// Authenticates the request's token.
pub async fn authenticate(parts: &Parts, st: &AppState) -> Result<Claims> {
    let token = bearer(parts).ok_or_else(|| Error::Unauthorized("missing bearer token".into()))?;
    st.authenticate(&token).await
}

/// JSON body whose rejections use our error body (422 for malformed input).
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;
    async fn from_request(req: Request, state: &S) -> Result<Self> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::MissingJsonContentType(e)) => Err(Error::Invalid(e.body_text())),
            Err(e) => Err(Error::Invalid(e.body_text())),
        }
    }
}

/// Query string whose rejections use our error body.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self> {
        Query::<T>::try_from_uri(&parts.uri)
            .map(|q| ApiQuery(q.0))
            .map_err(|e| Error::Invalid(e.body_text()))
    }
}
