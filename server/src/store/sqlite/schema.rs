//! The schema: frozen SQL migrations (`migrations/V<n>__<name>.sql`, run by refinery), then
//! the versioned post-migration job that rebuilds the projection with the current reducer.
//! A frozen step never calls live code; the projection job is the only place that does,
//! and it runs again whenever `PROJECTION_VERSION` moves.

use std::path::Path;

use baoxiu_sync_core::{DeviceId, OrderId, state};
use rusqlite::{Connection, OptionalExtension};

use super::{load_doc, project};
use crate::error::{Error, Result};

refinery::embed_migrations!("src/store/sqlite/migrations");

/// The schema version this build writes (the highest migration).
pub const SCHEMA_VERSION: i64 = 29;
/// Raised whenever the projection's columns or the reducer's output they hold change:
/// the next start rebuilds every order's row from its document.
pub const PROJECTION_VERSION: i64 = 6;

const HISTORY: &str = "refinery_schema_history";

/// Per-connection settings: WAL, fsync on every commit, foreign keys enforced.
pub fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(()))?;
    conn.execute_batch(
        "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;",
    )
}

fn migration_error(e: refinery::Error) -> Error {
    Error::Internal(format!("migration: {e}"))
}

fn history_exists(conn: &Connection) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [HISTORY],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Databases written before the migrations crate recorded their version only in
/// `PRAGMA user_version` (1–3, the same steps as V1–V3): record those steps as applied.
fn adopt_user_version(conn: &mut Connection) -> Result<()> {
    if history_exists(conn)? {
        return Ok(());
    }
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version == 0 {
        return Ok(());
    }
    if version > 3 {
        return Err(Error::Corrupt(format!(
            "user_version {version} without a migration history"
        )));
    }
    let tx = conn.transaction()?;
    // The migrations crate's own table, word for word, so the schema is the same as
    // one it created.
    tx.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS {HISTORY}(
             version int4 PRIMARY KEY,
             name VARCHAR(255),
             applied_on VARCHAR(255),
             checksum VARCHAR(255));"
    ))?;
    for m in migrations::runner().get_migrations() {
        if i64::from(m.version()) <= version {
            tx.execute(
                &format!(
                    "INSERT INTO {HISTORY} (version, name, applied_on, checksum)
                     VALUES (?1, ?2, ?3, ?4)"
                ),
                rusqlite::params![
                    m.version(),
                    m.name(),
                    "1970-01-01T00:00:00Z",
                    m.checksum().to_string()
                ],
            )?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// The migrations crate trusts its history table (it panics on a malformed row): check
/// the rows first, so a damaged file is an error, not a crash.
fn check_history(conn: &Connection) -> Result<i64> {
    if !history_exists(conn)? {
        return Ok(0);
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT version, applied_on, checksum FROM {HISTORY} ORDER BY version"
    ))?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut newest = 0;
    for (version, applied_on, checksum) in rows {
        let applied_ok = applied_on
            .as_deref()
            .is_some_and(|a| chrono::DateTime::parse_from_rfc3339(a).is_ok());
        let checksum_ok = checksum
            .as_deref()
            .is_some_and(|c| c.parse::<u64>().is_ok());
        if !applied_ok || !checksum_ok {
            return Err(Error::Corrupt(format!(
                "migration history row {version} does not decode"
            )));
        }
        newest = newest.max(version);
    }
    Ok(newest)
}

/// Brings the schema at `conn` to `target` (at most [`SCHEMA_VERSION`]).
pub fn migrate(conn: &mut Connection, target: i64) -> Result<()> {
    adopt_user_version(conn)?;
    let found = check_history(conn)?;
    if found > SCHEMA_VERSION {
        return Err(Error::Internal(format!(
            "database schema {found} is newer than this build ({SCHEMA_VERSION})"
        )));
    }
    // Rebuilding a table to add constraints needs foreign keys off (they cannot change
    // inside a transaction); every reference is checked before they go back on.
    conn.execute_batch("PRAGMA foreign_keys=OFF;")?;
    let mut runner = migrations::runner();
    if target < SCHEMA_VERSION {
        let v = i32::try_from(target).map_err(|_| Error::Invalid("schema version".into()))?;
        runner = runner.set_target(refinery::Target::Version(v));
    }
    let ran = runner.run(conn).map_err(migration_error);
    let broken: Option<String> = conn
        .query_row(
            "SELECT \"table\" FROM pragma_foreign_key_check LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    conn.execute_batch("PRAGMA foreign_keys=ON;")?;
    ran?;
    if let Some(table) = broken {
        return Err(Error::Corrupt(format!(
            "table {table} refers to rows that do not exist"
        )));
    }
    conn.pragma_update(None, "user_version", target.min(SCHEMA_VERSION))?;
    Ok(())
}

/// Opens a database at `path` and brings its schema to `target` (an upgrade test makes
/// an older database this way).
pub fn open_at_version(path: &Path, target: i64) -> Result<Connection> {
    let mut conn = Connection::open(path)?;
    configure(&conn)?;
    migrate(&mut conn, target)?;
    Ok(conn)
}

pub fn setting(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?)
}

/// The post-migration job: rebuilds every order's projection row from its document
/// when the stored projection version is older than this build's.
pub fn rebuild_projection(conn: &mut Connection) -> Result<usize> {
    let stored: i64 = setting(conn, "projection_version")?
        .map(|v| {
            v.parse()
                .map_err(|_| Error::Corrupt(format!("projection_version {v:?}")))
        })
        .transpose()?
        .unwrap_or(0);
    if stored >= PROJECTION_VERSION {
        return Ok(0);
    }
    let tx = conn.transaction()?;
    let ids: Vec<String> = tx
        .prepare("SELECT DISTINCT order_id FROM log")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut rebuilt = 0;
    for id in ids {
        let order: OrderId = id
            .parse()
            .map_err(|_| Error::Corrupt(format!("order id {id:?} in the log")))?;
        if let Some(d) = load_doc(&tx, order, DeviceId::default())? {
            project(&tx, &state(&d)?)?;
            rebuilt += 1;
        }
    }
    tx.execute(
        "INSERT INTO settings (key, value) VALUES ('projection_version', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [PROJECTION_VERSION.to_string()],
    )?;
    tx.commit()?;
    Ok(rebuilt)
}
