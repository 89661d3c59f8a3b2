//! baoxiu's cross-crate integration tests: one binary, one module per area.

// Test code: a failed unwrap is a failed test, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod anomalies;
mod api;
mod bola;
mod bola_customers;
mod callback_records;
mod case_writes;
mod cases;
mod cases_offline;
mod client;
mod clock;
mod complaint_filing;
mod complaint_outcomes;
mod complaints;
mod conformance;
mod conformance_customers;
mod conformance_visits;
mod contacts;
mod convergence;
mod customers;
mod durability;
mod faults;
mod fuzz_regressions;
mod hardening;
mod hq;
mod improvements;
mod incremental;
mod jwt;
mod kpi;
mod month;
mod paging;
mod postgres;
mod qa;
mod registers;
mod rules;
mod s3_reports;
mod schedule;
mod server_schema;
mod session;
mod server_support {
    pub use baoxiu_tests::server::*;
}
mod store;
mod supplies;
mod support;
mod sync;
mod tasks;
mod technician;
mod training;
mod visits;
