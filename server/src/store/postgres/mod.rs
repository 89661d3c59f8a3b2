//! The PostgreSQL backend, for several server nodes over one database (issue 14). So far:
//! connecting, the schema (`schema.rs`), the change log that several nodes append to
//! without a reader ever skipping a row (`log.rs`) and what nodes tell each other through
//! LISTEN/NOTIFY (`bus.rs`); the store itself follows, passing the same conformance suite
//! as SQLite.
//!
//! It uses the `postgres` client (tokio-postgres behind a blocking interface) on threads
//! of its own, as the SQLite backend uses rusqlite: the store's writer keeps one
//! connection and commits in groups, readers take pooled connections, and no async task
//! ever waits on the database.

pub mod bus;
pub mod log;
pub mod schema;

use crate::error::Error;

pub use schema::migrate;

/// Whether `url` names a PostgreSQL database (`postgres://` or `postgresql://`).
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// A database that cannot be reached, or refuses the connection, is unavailable (try
/// again: nothing was stored); an error the server itself caused is internal.
impl From<postgres::Error> for Error {
    fn from(e: postgres::Error) -> Self {
        use postgres::error::SqlState;
        let unavailable = e.is_closed()
            || e.code().is_some_and(|c| {
                c == &SqlState::ADMIN_SHUTDOWN
                    || c == &SqlState::CRASH_SHUTDOWN
                    || c == &SqlState::CANNOT_CONNECT_NOW
                    || c == &SqlState::TOO_MANY_CONNECTIONS
                    || c == &SqlState::DISK_FULL
                    || c == &SqlState::READ_ONLY_SQL_TRANSACTION
                    || c.code().starts_with("08")
            })
            || e.code().is_none();
        if unavailable {
            Error::Unavailable(format!("database: {e}"))
        } else {
            Error::Internal(format!("database: {e}"))
        }
    }
}

/// Opens a connection to `url` (blocking: call it off the async threads).
pub fn connect(url: &str) -> Result<postgres::Client, Error> {
    let config: postgres::Config = url
        .parse()
        .map_err(|e| Error::Invalid(format!("database url: {e}")))?;
    Ok(config.connect(postgres::NoTls)?)
}
