//! Domain services between HTTP and storage: they depend on the store traits, never on
//! SQL, and on sync-core for the rules.

pub mod case_actions;
pub mod case_writes;
pub mod cases;
pub mod complaints;
pub mod dispatch;
pub mod month;
pub mod month_close;
pub mod office_registers;
pub mod register;
pub mod s3_reports;
