//! The store trait of the front door's log (R-CS-CONTACT).

use std::fmt::Debug;

use async_trait::async_trait;
use baoxiu_sync_core::contact::{Contact, ContactKind, Outcome};
use baoxiu_sync_core::{Millis, OfficeId};

use crate::error::Result;

/// Which contacts to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct ContactFilter {
    /// Received at or after, before (UTC ms).
    pub from: Option<Millis>,
    pub to: Option<Millis>,
    pub kind: Option<ContactKind>,
    /// open, order, complaint, closed
    pub status: Option<String>,
    /// Whistle-blowing too (only for the manager: R-CS-CONTACT).
    pub whistleblowing: bool,
    /// Only these (all when empty).
    pub ids: Vec<String>,
    pub limit: u32,
}

#[async_trait]
pub trait ContactStore: Send + Sync + Debug {
    /// Logs a contact and links it to its customer — the one a person chose (`NotFound`
    /// if not the office's), else the one its unit and phone lead to when it names either
    /// — in one transaction. Returns the customer linked, if any.
    async fn add_contact(
        &self,
        office: OfficeId,
        contact: Contact,
        chosen: Option<String>,
    ) -> Result<Option<String>>;
    async fn contact(&self, office: OfficeId, id: String) -> Result<Option<Contact>>;
    async fn contacts(&self, office: OfficeId, filter: ContactFilter) -> Result<Vec<Contact>>;
    /// Records what the contact became or how it was closed (`Conflict` if it became
    /// something already; `NotFound` if not the office's).
    async fn conclude_contact(
        &self,
        office: OfficeId,
        id: String,
        outcome: Outcome,
    ) -> Result<Contact>;
}
