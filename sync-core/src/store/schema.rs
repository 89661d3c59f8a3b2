//! The device store's schema: one migration step per version, each run in its own
//! transaction with the new `user_version`, and the connection's settings.

use rusqlite::{Connection, Transaction};

use super::{load_doc, project};
use crate::Error;
use crate::model::{DeviceId, OrderId};
use crate::state::state;

/// The schema version this build writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 4;

/// One migration step per version: `MIGRATIONS[i]` takes the database from `i` to `i + 1`.
type Migration = fn(&Transaction<'_>, DeviceId) -> Result<(), Error>;
const MIGRATIONS: &[Migration] = &[
    migrate_0_to_1,
    migrate_1_to_2,
    migrate_2_to_3,
    migrate_3_to_4,
];

fn migrate_0_to_1(tx: &Transaction<'_>, _: DeviceId) -> Result<(), Error> {
    tx.execute_batch(
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
         CREATE TABLE snapshots (
             order_id TEXT PRIMARY KEY,
             bytes BLOB NOT NULL
         ) STRICT;
         CREATE TABLE chunks (
             id INTEGER PRIMARY KEY AUTOINCREMENT,
             order_id TEXT NOT NULL,
             bytes BLOB NOT NULL
         ) STRICT;
         CREATE INDEX chunks_by_order ON chunks (order_id, id);",
    )?;
    Ok(())
}

/// Version 2 adds the order projection and the outbox, and fills the projection from the
/// documents already stored.
fn migrate_1_to_2(tx: &Transaction<'_>, device: DeviceId) -> Result<(), Error> {
    tx.execute_batch(
        "CREATE TABLE orders (
             id TEXT PRIMARY KEY,
             office TEXT NOT NULL,
             status TEXT NOT NULL,
             customer_name TEXT NOT NULL,
             unit TEXT NOT NULL,
             description TEXT NOT NULL,
             technicians TEXT NOT NULL,
             appointment INTEGER,
             total INTEGER NOT NULL,
             anomalies INTEGER NOT NULL,
             updated_at INTEGER NOT NULL
         ) STRICT;
         CREATE INDEX orders_by_status ON orders (status, appointment);
         CREATE TABLE outbox (
             seq INTEGER PRIMARY KEY AUTOINCREMENT,
             hash BLOB NOT NULL UNIQUE,
             order_id TEXT NOT NULL,
             bytes BLOB NOT NULL
         ) STRICT;",
    )?;
    let ids: Vec<String> = tx
        .prepare("SELECT order_id FROM snapshots")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in ids {
        let order: OrderId = id.parse()?;
        let doc = load_doc(tx, order, device)?;
        project(tx, &state(&doc)?)?;
    }
    Ok(())
}

/// Version 3 keeps the changes the server refused, out of the outbox, so they are shown
/// and never re-sent in a loop.
fn migrate_2_to_3(tx: &Transaction<'_>, _: DeviceId) -> Result<(), Error> {
    tx.execute_batch(
        "CREATE TABLE refused (
             hash BLOB PRIMARY KEY,
             order_id TEXT NOT NULL,
             bytes BLOB NOT NULL,
             code TEXT NOT NULL,
             message TEXT NOT NULL
         ) STRICT;",
    )?;
    Ok(())
}

/// Version 4 holds cases of the kinds other than work orders (S3) beside the orders: their
/// documents in the same snapshots and chunks, their kind here.
fn migrate_3_to_4(tx: &Transaction<'_>, _: DeviceId) -> Result<(), Error> {
    tx.execute_batch("CREATE TABLE cases (id TEXT PRIMARY KEY, kind TEXT NOT NULL) STRICT;")?;
    Ok(())
}

pub(super) fn configure(conn: &Connection) -> Result<(), Error> {
    // WAL so readers never block the writer; FULL so a commit is fsync'd before Ok.
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") && !mode.eq_ignore_ascii_case("memory") {
        return Err(Error::InvalidInput(format!("cannot use WAL (got {mode})")));
    }
    conn.execute_batch(
        "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;",
    )?;
    Ok(())
}

/// Brings the database to `target` one version at a time, each step in its own
/// transaction together with the new `user_version`.
pub(super) fn migrate(conn: &mut Connection, device: DeviceId, target: i64) -> Result<(), Error> {
    loop {
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(Error::SchemaTooNew {
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if version >= target {
            return Ok(());
        }
        let tx = conn.transaction()?;
        let step = usize::try_from(version)
            .ok()
            .and_then(|v| MIGRATIONS.get(v))
            .ok_or_else(|| Error::Corrupt(format!("no migration from version {version}")))?;
        step(&tx, device)?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
}
