//! The store trait of the QA inspections (R-CS-QA).

use std::fmt::Debug;

use async_trait::async_trait;
use baoxiu_sync_core::qa::{Inspection, Subject};
use baoxiu_sync_core::{Millis, OfficeId};

use crate::error::Result;

#[async_trait]
pub trait QaStore: Send + Sync + Debug {
    /// Keeps an inspection; a piece of work already inspected is a `Conflict` and nothing
    /// is stored.
    async fn add_inspection(&self, office: OfficeId, x: Inspection) -> Result<()>;
    /// The inspections made in `[from, to)` (UTC ms), newest first, at most `limit`.
    async fn inspections(
        &self,
        office: OfficeId,
        from: Millis,
        to: Millis,
        limit: u32,
    ) -> Result<Vec<Inspection>>;
    /// The inspections of these pieces of work, where there are any.
    async fn inspections_of(
        &self,
        office: OfficeId,
        subject: Subject,
        ids: Vec<String>,
    ) -> Result<Vec<Inspection>>;
}
