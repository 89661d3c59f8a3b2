//! The store trait of customers (S5) and their links to orders, complaints and contacts
//! (R-CS-CONTACT). Which customer an item belongs to is decided in `customer_link`.

use std::fmt::Debug;

use async_trait::async_trait;
use baoxiu_sync_core::customer::Customer;
use baoxiu_sync_core::{Millis, OfficeId, UserId};

use super::customer_link::{ItemKind, Link};
use crate::error::Result;

/// Which customers to list.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    /// Customers whose name or unit contains this text (case and spaces ignored), or who
    /// keep a phone containing its digits.
    pub search: Option<String>,
    /// Key accounts only (S5 21).
    pub key_accounts: bool,
    pub limit: u32,
}

/// Which links to list.
#[derive(Debug, Clone, Default)]
pub struct LinkFilter {
    pub customer: Option<String>,
    pub kind: Option<ItemKind>,
    /// Only those waiting for a person's review.
    pub review_only: bool,
    /// Only the links of these items (all when empty).
    pub items: Vec<String>,
    /// At most this many (all when None), in the order of their items' ids (the oldest
    /// first: ids are time-ordered).
    pub limit: Option<u32>,
}

/// Customers and their links.
#[async_trait]
pub trait CustomerStore: Send + Sync + Debug {
    async fn add_customer(&self, office: OfficeId, c: Customer) -> Result<()>;
    async fn customer(&self, office: OfficeId, id: String) -> Result<Option<Customer>>;
    /// The office's customers, by name then id, at most `limit`.
    async fn customers(&self, office: OfficeId, filter: CustomerFilter) -> Result<Vec<Customer>>;
    /// Replaces a customer's record (edited, flagged, churned); `NotFound` if not the
    /// office's.
    async fn save_customer(&self, office: OfficeId, c: Customer) -> Result<()>;
    async fn links(&self, office: OfficeId, filter: LinkFilter) -> Result<Vec<Link>>;
    /// The name, unit and phone the office's orders `ids` were logged with (from the
    /// projection, no document loaded), by order id; ids not the office's are left out.
    async fn order_parties(
        &self,
        office: OfficeId,
        ids: Vec<String>,
    ) -> Result<Vec<(String, String, String, String)>>;
    /// Links an item to the customer a person chose (a review confirmed or moved): both
    /// must be the office's (`NotFound`), and the link is then sure.
    async fn set_link(
        &self,
        office: OfficeId,
        kind: ItemKind,
        item: String,
        customer: String,
    ) -> Result<()>;
    /// Links a complaint or contact just stored: to `chosen` when a person picked the
    /// customer (`NotFound` if not the office's), else by its unit and phone. Returns the
    /// customer.
    async fn link_item(
        &self,
        office: OfficeId,
        item: (ItemKind, String),
        seen: (String, String, String),
        chosen: Option<String>,
        by: (UserId, Millis),
    ) -> Result<String>;
}
