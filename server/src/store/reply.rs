//! A writer job's answer, held until its group commits (both backends' writers): the
//! job's own result, turned into "unavailable" when its savepoint or the group's commit
//! fails, so an ack never precedes a durable commit.

use tokio::sync::oneshot;

use baoxiu_sync_core::WorkOrderState;
use baoxiu_sync_core::protocol::Hash;

use crate::error::{Error, Result};
use crate::store::SubmitError;

#[allow(clippy::large_enum_variant)] // short-lived, one per job
pub(crate) enum Reply {
    Submit(
        oneshot::Sender<Result<Vec<Hash>, SubmitError>>,
        Result<Vec<Hash>, SubmitError>,
    ),
    State(
        oneshot::Sender<Result<WorkOrderState>>,
        Result<WorkOrderState>,
    ),
    Unit(oneshot::Sender<Result<()>>, Result<()>),
}

impl Reply {
    /// The storage failure this job hit, if any (disk full, I/O error).
    pub(crate) fn storage_failure(&self) -> Option<String> {
        match self {
            Reply::Submit(_, Err(SubmitError::Unavailable(m))) => Some(m.clone()),
            Reply::State(_, Err(Error::Unavailable(m)))
            | Reply::Unit(_, Err(Error::Unavailable(m))) => Some(m.clone()),
            _ => None,
        }
    }

    pub(crate) fn ok(&self) -> bool {
        match self {
            Reply::Submit(_, r) => r.is_ok(),
            Reply::State(_, r) => r.is_ok(),
            Reply::Unit(_, r) => r.is_ok(),
        }
    }

    /// The same reply, failed as unavailable (its work was rolled back).
    pub(crate) fn failed(self, msg: &str) -> Reply {
        let unavailable = || Error::Unavailable(format!("not stored: {msg}"));
        match self {
            Reply::Submit(tx, _) => {
                Reply::Submit(tx, Err(SubmitError::Unavailable(msg.to_owned())))
            }
            Reply::State(tx, _) => Reply::State(tx, Err(unavailable())),
            Reply::Unit(tx, _) => Reply::Unit(tx, Err(unavailable())),
        }
    }

    pub(crate) fn send(self, commit_error: Option<&str>) {
        let unavailable = |m: &str| Error::Unavailable(format!("not stored: {m}"));
        match self {
            Reply::Submit(tx, r) => {
                let r = match (commit_error, r) {
                    (Some(m), Ok(_)) => Err(SubmitError::Unavailable(m.to_owned())),
                    (_, r) => r,
                };
                let _ = tx.send(r);
            }
            Reply::State(tx, r) => {
                let _ = tx.send(match (commit_error, r) {
                    (Some(m), Ok(_)) => Err(unavailable(m)),
                    (_, r) => r,
                });
            }
            Reply::Unit(tx, r) => {
                let _ = tx.send(match (commit_error, r) {
                    (Some(m), Ok(_)) => Err(unavailable(m)),
                    (_, r) => r,
                });
            }
        }
    }
}
