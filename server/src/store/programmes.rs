//! The store trait of the call-back programmes (S5 25, R-VISIT-PLAN).

use std::fmt::Debug;

use async_trait::async_trait;
use baoxiu_sync_core::OfficeId;
use baoxiu_sync_core::programme::Programme;

use crate::error::Result;

#[async_trait]
pub trait ProgrammeStore: Send + Sync + Debug {
    /// Keeps a new programme, or replaces the draft of one kept (its author and creation
    /// time stay as first kept).
    async fn save_programme(&self, office: OfficeId, p: Programme) -> Result<()>;
    async fn programme(&self, office: OfficeId, id: String) -> Result<Option<Programme>>;
    /// The office's programmes, the latest period first.
    async fn programmes(&self, office: OfficeId) -> Result<Vec<Programme>>;
}
