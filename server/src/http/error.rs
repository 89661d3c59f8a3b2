//! The one place errors become HTTP: status, `{"error":{"code","message"}}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use baoxiu_sync_core::RuleViolation;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::Error;

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `unauthorized`, `R-CONSENT`.
    pub code: String,
    pub message: String,
    /// The request's id (also the `x-request-id` header), to quote when reporting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

pub fn status(e: &Error) -> StatusCode {
    match e {
        Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
        Error::Forbidden(_) | Error::Untrained(_) => StatusCode::FORBIDDEN,
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::Conflict(_) => StatusCode::CONFLICT,
        Error::Rule(RuleViolation::RoleNotAllowed { .. }) => StatusCode::FORBIDDEN,
        Error::Rule(_) => StatusCode::CONFLICT,
        Error::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Error::Complaint { invalid: true, .. } => StatusCode::UNPROCESSABLE_ENTITY,
        Error::Complaint { .. } | Error::CaseRule { .. } => StatusCode::CONFLICT,
        Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        Error::Corrupt(_) | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

pub fn code(e: &Error) -> String {
    match e {
        Error::Unauthorized(_) => "unauthorized".into(),
        Error::Forbidden(_) => "forbidden".into(),
        Error::Untrained(_) => "R-CS-TRAINING".into(),
        Error::NotFound(_) => "not_found".into(),
        Error::Conflict(_) => "conflict".into(),
        Error::Rule(v) => v.rule().into(),
        Error::Invalid(_) => "invalid".into(),
        Error::Complaint { rule, .. } | Error::CaseRule { rule, .. } => (*rule).into(),
        Error::Unavailable(_) => "unavailable".into(),
        Error::Corrupt(_) => "corrupt".into(),
        Error::Internal(_) => "internal".into(),
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if matches!(self, Error::Internal(_) | Error::Corrupt(_)) {
            tracing::error!(error = %self, "internal error");
        }
        // Internals (storage messages, decoder details) go to the log, with the request
        // id of the span; the caller gets the request id to quote.
        let message = match &self {
            Error::Internal(_) | Error::Corrupt(_) => "internal error (see the server log)".into(),
            other => other.to_string(),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: code(&self),
                message,
                request_id: None,
            },
        };
        (status(&self), Json(body)).into_response()
    }
}
