//! Tools for trying the server out, outside the production library (cargo feature
//! `dev-tools`): a seeded demo office and an in-process field trial.

pub mod demo;
mod demo_cs;
mod demo_customers;
mod demo_hq;
mod demo_pdca;
mod demo_qa;
mod demo_s3;
mod demo_visits;
pub mod simulate;
