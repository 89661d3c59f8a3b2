//! The HTTP edge, from tower-http's layers: request ids, trace spans, a request timeout,
//! a body limit, compression, security headers, panics caught; and one last middleware
//! that makes every error the error body, with the request id, whatever produced it (a
//! handler, a rejection, a timeout, a limit, a panic).

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};
use tower_http::trace::TraceLayer;

/// Longest a request may take to be answered (a WebSocket or event stream is answered
/// at once and lives on).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest a request body may take to arrive.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(15);
/// Largest request body of the REST API (sync frames travel over the WebSocket).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The console's policy: its own scripts, styles and API only; never framed.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
    frame-ancestors 'none'";

/// Wraps the router in the edge's layers.
pub fn wrap(router: Router) -> Router {
    let headers = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
    ];
    // Inner layers first: what a handler returns passes the timeouts and limits, then
    // becomes the error body, then gets its headers, then is compressed.
    let mut router = router
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(RequestBodyTimeoutLayer::new(BODY_TIMEOUT))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(CatchPanicLayer::custom(|_| {
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }))
        .layer(axum::middleware::from_fn(error_body));
    for (name, value) in headers {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ));
    }
    router.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
            .layer(PropagateRequestIdLayer::new(REQUEST_ID))
            .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
                let id = req
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                tracing::info_span!("request", method = %req.method(), path = %logged_path(req.uri().path()), request_id = %id)
            }))
            .layer(CompressionLayer::new()),
    )
}

fn code_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::CONFLICT => "conflict",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid",
        StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_server_error() => "internal",
        _ => "error",
    }
}

/// The path as logged: a link whose path is its credential (a customer's copy, an online
/// survey) is logged without it, so reading the logs opens nothing.
fn logged_path(path: &str) -> &str {
    for prefix in ["/copy/", "/survey/"] {
        if path.starts_with(prefix) {
            return prefix;
        }
    }
    path
}

/// Error bodies are small; a larger one is not ours and is replaced.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Every error of the API leaves as `{"error":{"code","message","request_id"}}`.
async fn error_body(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    // A page for a customer's browser (the online survey, R-VISIT-SURVEY) says what went
    // wrong in words; the API's errors are JSON.
    if res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"))
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let mut value = match axum::body::to_bytes(body, MAX_ERROR_BODY).await {
        Ok(bytes) if json => serde_json::from_slice::<serde_json::Value>(&bytes).ok(),
        _ => None,
    }
    .filter(|v| v["error"].is_object())
    .unwrap_or_else(|| {
        serde_json::json!({"error": {
            "code": code_of(status),
            "message": status.canonical_reason().unwrap_or("error"),
        }})
    });
    value["error"]["request_id"] = serde_json::Value::String(id);
    let bytes = serde_json::to_vec(&value).unwrap_or_default();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_ENCODING);
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::logged_path;

    #[test]
    fn a_link_s_credential_is_not_logged() {
        // (path, as logged)
        let cases = [
            ("/survey/eyJ0eXAi.abc.def", "/survey/"),
            ("/copy/eyJ0eXAi.abc.def", "/copy/"),
            ("/api/v1/orders/1", "/api/v1/orders/1"),
            ("/survey.css", "/survey.css"),
        ];
        for (path, want) in cases {
            assert_eq!(logged_path(path), want, "{path}");
        }
    }
}
