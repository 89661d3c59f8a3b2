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
struct TicketQuery {
    ticket: Option<String>,
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        // A token pasted with a stray space is still the token.
        .map(str::trim)
}

/// Authenticates the request: the bearer token of the `Authorization` header, else the
/// web console's session cookie; where a browser cannot send a header (`tickets` true: the
/// WebSocket upgrade, the event stream), also a short-lived ticket in `?ticket=`. Tokens
/// are never taken from a URL.
pub async fn authenticate(parts: &Parts, st: &AppState, tickets: bool) -> Result<Claims> {
    if let Some(token) = bearer(parts) {
        let claims = st.keys.verify(token)?;
        return st.check_user(claims).await;
    }
    if let Some(claims) = super::session::caller(parts, st).await? {
        return Ok(claims);
    }
    if tickets
        && let Some(ticket) = Query::<TicketQuery>::try_from_uri(&parts.uri)
            .ok()
            .and_then(|q| q.0.ticket)
    {
        let claims = st.keys.verify_ticket(&ticket)?;
        return st.check_user(claims).await;
    }
    Err(Error::Unauthorized("missing bearer token".into()))
}

/// JSON body whose rejections use our error body (422 for malformed input).
///
/// A number written with a fraction of zero (`5.0`) is an integer as JSON Schema counts
/// them, so it is taken where the API documents an integer.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;
    async fn from_request(req: Request, state: &S) -> Result<Self> {
        let Json(mut value) = Json::<serde_json::Value>::from_request(req, state)
            .await
            .map_err(|e: JsonRejection| Error::Invalid(e.body_text()))?;
        // Every body is an object: serde would also take a struct written as an array.
        if !value.is_object() {
            return Err(Error::Invalid("the body must be a JSON object".into()));
        }
        integral_floats_as_integers(&mut value);
        serde_path_to_error::deserialize(value)
            .map(ApiJson)
            .map_err(|e| {
                Error::Invalid(format!(
                    "Failed to deserialize the JSON body into the target type: {e}"
                ))
            })
    }
}

/// Rewrites every float without a fraction that fits an integer type as that integer.
fn integral_floats_as_integers(v: &mut serde_json::Value) {
    use serde_json::{Number, Value};
    match v {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64())
                && f.fract() == 0.0
            {
                // i64::MAX and u64::MAX as f64 round up to 2^63 and 2^64: both excluded.
                let as_int = if f >= i64::MIN as f64 && f < i64::MAX as f64 {
                    Some(Number::from(f as i64))
                } else if f >= 0.0 && f < u64::MAX as f64 {
                    Some(Number::from(f as u64))
                } else {
                    None
                };
                if let Some(i) = as_int {
                    *n = i;
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_as_integers),
        Value::Object(map) => map.values_mut().for_each(integral_floats_as_integers),
        _ => {}
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

#[cfg(test)]
mod float_tests {
    use super::integral_floats_as_integers;

    /// A whole number written with a fraction is read exactly, whatever its size up to
    /// 2^53 (the contract test sent -2251799813685247.0 for an amount in minor units).
    #[test]
    fn integral_floats_are_read_as_the_integers_they_are() {
        for (text, want) in [
            ("-2251799813685247.0", -2_251_799_813_685_247_i64),
            ("2251799813685247.0", 2_251_799_813_685_247),
            ("9007199254740991.0", 9_007_199_254_740_991),
            ("-595336319.0", -595_336_319),
            ("1e3", 1000),
        ] {
            let mut v: serde_json::Value =
                serde_json::from_str(&format!("{{\"m\": {text}}}")).unwrap();
            integral_floats_as_integers(&mut v);
            assert_eq!(v["m"].as_i64(), Some(want), "{text}");
        }
    }
}
