//! The server's one error type. Backend-neutral: storage backends convert their own
//! errors into it (`store/sqlite`), and it is mapped to HTTP in one place (`http/error.rs`).

use baoxiu_sync_core::RuleViolation;
use baoxiu_sync_core::complaint::Refusal;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("authentication required: {0}")]
    Unauthorized(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// R-CS-TRAINING: an agent not (or no longer) trained for duty takes no contacts (403,
    /// coded by the rule).
    #[error("R-CS-TRAINING: {0}")]
    Untrained(String),
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
    /// A case's fact refused by its kind's rule (R-VEH-*, R-SUP-*): 409, coded by the rule.
    #[error("{message}")]
    CaseRule { rule: &'static str, message: String },
    /// The store could not take the write (disk full, shutting down…); nothing was stored.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// Stored data that does not decode: never replaced by a default.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
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
            C::Conflict(m) => Error::Conflict(m),
            C::Corrupt(m) => Error::Corrupt(m),
            other => Error::Internal(other.to_string()),
        }
    }
}

impl From<Refusal> for Error {
    fn from(r: Refusal) -> Self {
        Error::Complaint {
            rule: r.rule,
            invalid: r.invalid,
            message: r.message,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
