//! The store trait of the PDCA register (S5 16).

use std::fmt::Debug;

use async_trait::async_trait;
use baoxiu_sync_core::OfficeId;
use baoxiu_sync_core::improvement::{Improvement, Stage, Step};
use baoxiu_sync_core::{Millis, UserId};

use crate::error::Result;

/// Which items to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct ImprovementFilter {
    pub stage: Option<Stage>,
    /// Only the items not closed yet.
    pub open: bool,
    pub limit: u32,
}

#[async_trait]
pub trait ImprovementStore: Send + Sync + Debug {
    async fn add_improvement(&self, office: OfficeId, item: Improvement) -> Result<()>;
    async fn improvement(&self, office: OfficeId, id: String) -> Result<Option<Improvement>>;
    async fn improvements(
        &self,
        office: OfficeId,
        filter: ImprovementFilter,
    ) -> Result<Vec<Improvement>>;
    /// Takes one step of an item's cycle, and stores the next cycle's item an act opens,
    /// in one transaction (`NotFound` if not the office's; `Forbidden` unless `manager`
    /// or, for a do, the owner of one of the plan's actions as it stands then; `Conflict`
    /// out of order). Returns the item and the item carried forward.
    async fn step_improvement(
        &self,
        office: OfficeId,
        id: String,
        step: Step,
        by: (UserId, Millis),
        manager: bool,
    ) -> Result<(Improvement, Option<Improvement>)>;
}
