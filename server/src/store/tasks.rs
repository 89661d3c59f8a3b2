//! The store traits of the office's people: the tasks call-backs open (R-VISIT-OWNER) and
//! each person's training records (R-CS-TRAINING).

use std::fmt::Debug;

use async_trait::async_trait;
use baoxiu_sync_core::task::OwnerTask;
use baoxiu_sync_core::training::Training;
use baoxiu_sync_core::{Millis, OfficeId, UserId};

use crate::error::Result;

/// R-CS-TRAINING: each person's training records.
#[async_trait]
pub trait TrainingStore: Send + Sync + Debug {
    /// Records a training of a person of the office (`NotFound` for anyone else).
    async fn add_training(&self, office: OfficeId, t: Training) -> Result<()>;
    /// The office's training records, one person's or everyone's, by completion day.
    async fn trainings(&self, office: OfficeId, person: Option<UserId>) -> Result<Vec<Training>>;
}

/// R-VISIT-OWNER: the tasks call-backs open (a task is opened with its call-back, by
/// `MonthStore::record_callback_task`).
#[async_trait]
pub trait TaskStore: Send + Sync + Debug {
    /// The office's owner tasks (R-VISIT-OWNER), one owner's or everyone's, the open ones
    /// only if asked; oldest due first.
    async fn owner_tasks(
        &self,
        office: OfficeId,
        owner: Option<UserId>,
        open_only: bool,
    ) -> Result<Vec<OwnerTask>>;
    /// The due date of each of `owner`'s open tasks, and whether somebody chased it: what
    /// counting those that ask for attention needs (`/me`), without reading them whole.
    async fn open_task_dues(&self, office: OfficeId, owner: UserId) -> Result<Vec<(Millis, bool)>>;
    /// Closes a task with what was done: by its owner, or by anyone when `any` (a
    /// supervisor); `Forbidden` otherwise, `Conflict` if closed already.
    async fn close_owner_task(
        &self,
        office: OfficeId,
        id: String,
        by: UserId,
        any: bool,
        outcome: String,
        now: Millis,
    ) -> Result<OwnerTask>;
    /// Chases a task's owner with a note (`NotFound` if not the office's; `Conflict` if
    /// closed or reminded too often).
    async fn remind_owner_task(
        &self,
        office: OfficeId,
        id: String,
        by: UserId,
        note: String,
        now: Millis,
    ) -> Result<OwnerTask>;
}
