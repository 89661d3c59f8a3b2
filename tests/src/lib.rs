//! Shared by the integration tests (`integration/`) and the sync benchmark (`benches/`):
//! an in-process server with two offices and their people, a test phone that speaks the
//! sync protocol over a real WebSocket, and PostgreSQL databases of their own (`pg`).

// Test support: a failed unwrap is a failed test or bench, which is what we want.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod pg;
pub mod server;
