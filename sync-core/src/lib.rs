//! baoxiu's offline core: the domain rules, one Automerge document per work order, the
//! reducer that derives an order's state from its document, and the local store.
//!
//! The same code runs on a technician's phone and on the server, so a rule holds in a
//! basement with no signal exactly as it does at the office.

pub mod calendar;
pub mod callback;
pub mod causality;
#[cfg(feature = "client")]
pub mod client;
pub mod command;
pub mod complaint;
pub mod contact;
pub mod customer;
pub mod dispatch;
pub mod doc;
mod error;
pub mod event;
pub mod fee_schedule;
pub mod improvement;
pub mod kinds;
pub mod kpi;
pub mod model;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod order_state;
pub mod programme;
pub mod protocol;
pub mod qa;
pub mod questionnaire;
pub mod rules;
pub mod session;
pub mod settings;
pub mod signature;
pub mod state;
pub mod store;
pub mod supplies;
pub mod task;
#[cfg(test)]
mod test_util;
pub mod training;
pub mod validate;
pub mod vehicles;

pub use automerge::{Change, ChangeHash};
pub use command::{Context, NewOrder, create_order, execute};
pub use doc::WorkOrderDoc;
pub use error::{Error, RuleViolation};
pub use event::{Event, EventBody, Fact};
pub use model::*;
pub use signature::{Point, Signature, Stroke};
pub use state::{Anomaly, AnomalyKind, Status, WorkOrderState, state};
pub use store::{Clock, OrderSummary, PendingChange, Store, SystemClock};
