//! Vehicles (S3, 汽車報修管理 and 機關車輛使用管理制度): maintenance by date and
//! distance (`maintenance.rs`), the repair's rules — designated shops, the authorisation's
//! scope, costly parts and the leader's ceiling, parts, the exit inspection's signature
//! (`repair.rs`) — and use: trips and the fuel log (`usage.rs`).
//!
//! The rules as pure functions over the facts, the same on a driver's phone on the road
//! and on the server. The numbers the rules leave open (what is costly, when maintenance
//! is "due soon") are the office's settings, passed in, never constants here.

pub mod case;
pub mod log;
pub mod maintenance;
pub mod register;
pub mod repair;
pub mod report;
pub mod usage;
