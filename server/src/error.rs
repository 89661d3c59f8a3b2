//! The server's one error type, mapped to HTTP in one place.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use baoxiu_sync_core::RuleViolation;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("authentication required: {0}")]
    Unauthorized(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("conflict: {0}")]
    Conflict(String),
    /// Well-formed but refused by a domain rule.
    #[error("refused by {rule}: {0}", rule = .0.rule())]
    Rule(RuleViolation),
    #[error("invalid input: {0}")]
    Invalid(String),
    /// Refused by a complaint rule (R-CPL-*): 422 when the input is malformed, else 409.
    #[error("refused by {rule}: {message}")]
    Complaint {
        rule: &'static str,
        invalid: bool,
        message: String,
    },
    /// The store could not take the write (disk full, shutting down…); nothing was stored.
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<baoxiu_sync_core::Error> for Error {
    fn from(e: baoxiu_sync_core::Error) -> Self {
        use baoxiu_sync_core::Error as C;
        match e {
            C::Rule(v) => Error::Rule(v),
            C::InvalidInput(m) => Error::Invalid(m),
            C::NotFound(m) => Error::NotFound(format!("work order {m}")),
            C::Storage(e) => storage_error(&e),
            other => Error::Internal(other.to_string()),
        }
    }
}

fn storage_error(e: &rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull) | Some(rusqlite::ErrorCode::SystemIoFailure) => {
            Error::Unavailable(format!("storage: {e}"))
        }
        _ => Error::Internal(format!("storage: {e}")),
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        storage_error(&e)
    }
}

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
}

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::Rule(RuleViolation::RoleNotAllowed { .. }) => StatusCode::FORBIDDEN,
            Error::Rule(_) => StatusCode::CONFLICT,
            Error::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Complaint { invalid: true, .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Complaint { .. } => StatusCode::CONFLICT,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> String {
        match self {
            Error::Unauthorized(_) => "unauthorized".into(),
            Error::Forbidden(_) => "forbidden".into(),
            Error::NotFound(_) => "not_found".into(),
            Error::Conflict(_) => "conflict".into(),
            Error::Rule(v) => v.rule().into(),
            Error::Invalid(_) => "invalid".into(),
            Error::Complaint { rule, .. } => (*rule).into(),
            Error::Unavailable(_) => "unavailable".into(),
            Error::Internal(_) => "internal".into(),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if matches!(self, Error::Internal(_)) {
            tracing::error!(error = %self, "internal error");
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.to_string(),
            },
        };
        (self.status(), Json(body)).into_response()
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
