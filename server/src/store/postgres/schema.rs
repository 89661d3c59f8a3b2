//! The PostgreSQL schema: frozen SQL migrations (`migrations/V<n>__<name>.sql`) run by the
//! same crate as SQLite's. PostgreSQL's history starts at version 11, the schema SQLite
//! had reached when this backend was added; from there both backends take the same
//! versions.

use crate::error::{Error, Result};
use crate::store::sqlite::SCHEMA_VERSION;

refinery::embed_migrations!("src/store/postgres/migrations");

const HISTORY: &str = "refinery_schema_history";

/// The version the database at `client` is at (0: none yet). History rows that do not
/// decode are `Corrupt` (the migrations crate would panic on them).
pub fn version(client: &mut postgres::Client) -> Result<i64> {
    let exists: bool = client
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&HISTORY])?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let rows = client.query(
        &format!("SELECT version, applied_on, checksum FROM {HISTORY} ORDER BY version"),
        &[],
    )?;
    let mut newest = 0i64;
    for r in rows {
        let version: i32 = r.try_get(0)?;
        let applied: Option<String> = r.try_get(1)?;
        let checksum: Option<String> = r.try_get(2)?;
        let ok = applied
            .as_deref()
            .is_some_and(|a| chrono::DateTime::parse_from_rfc3339(a).is_ok())
            && checksum
                .as_deref()
                .is_some_and(|c| c.parse::<u64>().is_ok());
        if !ok {
            return Err(Error::Corrupt(format!(
                "migration history row {version} does not decode"
            )));
        }
        newest = newest.max(i64::from(version));
    }
    Ok(newest)
}

/// Brings the database at `client` to this build's schema; returns the versions before
/// and after. Safe to run from several nodes at once: the migrations run under a lock
/// held for the session, so one node migrates and the others then find nothing to do.
pub fn migrate(client: &mut postgres::Client) -> Result<(i64, i64)> {
    // Any fixed key: only baoxiu's migrations take it.
    const LOCK: i64 = 0x6261_6f78_6975_0001;
    client.execute("SELECT pg_advisory_lock($1)", &[&LOCK])?;
    let result = (|| {
        let before = version(client)?;
        if before > SCHEMA_VERSION {
            return Err(Error::Internal(format!(
                "database schema {before} is newer than this build ({SCHEMA_VERSION})"
            )));
        }
        migrations::runner()
            .run(client)
            .map_err(|e| Error::Internal(format!("migration: {e}")))?;
        Ok((before, version(client)?))
    })();
    let unlocked = client.execute("SELECT pg_advisory_unlock($1)", &[&LOCK]);
    let out = result?;
    unlocked?;
    Ok(out)
}
