//! Office supplies (S3, 機關辦公用品采購、發放管理制度): the catalogue and its dealers
//! (`catalogue.rs`), stock as a ledger of movements (`ledger.rs`), issuing against a
//! requisition (`issue.rs`), the quarterly count (`count.rs`) and the purchase plan
//! (`plan.rs`).
//!
//! These are the rules as pure functions over the facts, the same on a clerk's phone in
//! the storeroom and on the server. Stock is never a number that is overwritten: every
//! level, at any instant, is the sum of the movements up to it, so two devices recording
//! movements offline merge by keeping both.

pub mod catalogue;
pub mod count;
pub mod count_register;
pub mod issue;
pub mod ledger;
pub mod plan;
pub mod purchase;
pub mod report;
pub mod requisition;
pub mod stock_count;

pub use catalogue::{Catalogue, Category, Item};
pub use ledger::{Ledger, Movement, MovementKind, StockFlag};
