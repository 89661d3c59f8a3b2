//! PostgreSQL (issue 14): the schema and `baoxiu migrate`. These tests need
//! `BAOXIU_TEST_DATABASE` (see `baoxiu_tests::pg`) and say they are skipped without it.

use std::collections::BTreeSet;

use baoxiu_server::store::sqlite::{SCHEMA_VERSION, open_at_version};
use baoxiu_tests::pg::TestDatabase;

/// (table, column) and index names of a SQLite database at this build's schema.
fn sqlite_schema() -> (BTreeSet<(String, String)>, BTreeSet<String>) {
    let dir = tempfile::tempdir().unwrap();
    let c = open_at_version(&dir.path().join("s.db"), SCHEMA_VERSION).unwrap();
    let mut stmt = c
        .prepare(
            "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        )
        .unwrap();
    let columns = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut stmt = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        .unwrap();
    let indexes = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    (columns, indexes)
}

fn postgres_schema(db: &TestDatabase) -> (BTreeSet<(String, String)>, BTreeSet<String>) {
    let mut c = db.client();
    let columns = c
        .query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = 'public'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    // Indexes made by CREATE INDEX (not those behind primary keys and UNIQUE).
    let indexes = c
        .query(
            "SELECT indexname::text FROM pg_indexes i WHERE schemaname = 'public'
             AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    (columns, indexes)
}

#[test]
fn postgres_schema_is_sqlite_s_and_migrate_runs_once() {
    let Some(db) = TestDatabase::create("postgres_schema_is_sqlite_s_and_migrate_runs_once") else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let first = baoxiu_server::migrate(data.path(), Some(&db.url)).unwrap();
    assert_eq!(first, (0, SCHEMA_VERSION));
    let again = baoxiu_server::migrate(data.path(), Some(&db.url)).unwrap();
    assert_eq!(
        again,
        (SCHEMA_VERSION, SCHEMA_VERSION),
        "nothing to do the second time"
    );

    let (sqlite_columns, sqlite_indexes) = sqlite_schema();
    let (pg_columns, pg_indexes) = postgres_schema(&db);
    let only_sqlite: Vec<_> = sqlite_columns.difference(&pg_columns).collect();
    let only_pg: Vec<_> = pg_columns.difference(&sqlite_columns).collect();
    assert!(
        only_sqlite.is_empty() && only_pg.is_empty(),
        "columns only in SQLite: {only_sqlite:?}; only in PostgreSQL: {only_pg:?}"
    );
    assert_eq!(sqlite_indexes, pg_indexes);
    // Nothing was written to the data directory: the database is elsewhere.
    assert_eq!(std::fs::read_dir(data.path()).unwrap().count(), 0);
}

#[test]
fn postgres_constraints_refuse_what_sqlite_s_refuse() {
    let Some(db) = TestDatabase::create("postgres_constraints_refuse_what_sqlite_s_refuse") else {
        return;
    };
    baoxiu_server::migrate(std::path::Path::new("unused"), Some(&db.url)).unwrap();
    let mut c = db.client();
    c.batch_execute("INSERT INTO offices VALUES ('o1', '台北', 'Asia/Taipei', 'TWD')")
        .unwrap();
    // (statement, accepted?)
    let cases = [
        ("INSERT INTO offices VALUES ('o2', 'x', '', 'TWD')", false),
        (
            "INSERT INTO offices VALUES ('o3', 'x', 'Asia/Taipei', 'NTD$')",
            false,
        ),
        (
            "INSERT INTO users VALUES ('u1', 'o1', '王', 'technician', '[\"plumbing\"]', NULL, 0, 1)",
            true,
        ),
        (
            "INSERT INTO users VALUES ('u2', 'nowhere', '王', 'technician', '[]', NULL, 0, 1)",
            false,
        ),
        (
            "INSERT INTO users VALUES ('u3', 'o1', '王', 'janitor', '[]', NULL, 0, 1)",
            false,
        ),
        (
            "INSERT INTO users VALUES ('u4', 'o1', '王', 'technician', 'not json', NULL, 0, 1)",
            false,
        ),
        (
            "INSERT INTO users VALUES ('u5', 'o1', '王', 'technician', '[]', NULL, 0, 2)",
            false,
        ),
        (
            "INSERT INTO calendar_overrides VALUES ('o1', '2026-02-30', 0, '')",
            false,
        ),
        (
            "INSERT INTO calendar_overrides VALUES ('o1', '2026-10-10', 0, '國慶日')",
            true,
        ),
        (
            "INSERT INTO month_closes VALUES ('o1', '2026-10-01', 0, 'u1', '{}', '[]', NULL)",
            false,
        ),
        (
            "INSERT INTO month_closes VALUES ('o1', '2026-09', 0, 'u1', 'not json', '[]', NULL)",
            false,
        ),
        (
            "INSERT INTO month_closes VALUES ('o1', '2026-10', 0, 'u1', '{}', '[]', NULL)",
            true,
        ),
        (
            "INSERT INTO fee_schedules VALUES (0, 0, 0, 'u1', '[]')",
            false,
        ),
    ];
    // The same statements on SQLite at this build's schema: both refuse the same.
    let dir = tempfile::tempdir().unwrap();
    let lite = open_at_version(&dir.path().join("s.db"), SCHEMA_VERSION).unwrap();
    lite.execute_batch("INSERT INTO offices VALUES ('o1', '台北', 'Asia/Taipei', 'TWD')")
        .unwrap();
    for (sql, accepted) in cases {
        // Each in a transaction of its own, so a refusal leaves the rest untouched.
        let mut tx = c.transaction().unwrap();
        let ok = tx.batch_execute(sql).is_ok();
        if ok {
            tx.commit().unwrap();
        }
        assert_eq!(ok, accepted, "PostgreSQL: {sql}");
        assert_eq!(lite.execute_batch(sql).is_ok(), accepted, "SQLite: {sql}");
    }
}

#[test]
fn postgres_migrate_refuses_a_newer_schema_and_nodes_migrate_at_once() {
    let Some(db) = TestDatabase::create("postgres_migrate_refuses_a_newer_schema") else {
        return;
    };
    // Two nodes of a rolling deploy start their migration together: one migrates, the
    // other waits for it and finds nothing left to do.
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let url = db.url.clone();
            std::thread::spawn(move || {
                baoxiu_server::migrate(std::path::Path::new("unused"), Some(&url))
            })
        })
        .collect();
    let mut results: Vec<(i64, i64)> = runs
        .into_iter()
        .map(|t| t.join().unwrap().unwrap())
        .collect();
    results.sort();
    assert_eq!(
        results,
        vec![(0, SCHEMA_VERSION), (SCHEMA_VERSION, SCHEMA_VERSION)]
    );

    db.client()
        .batch_execute(
            "INSERT INTO refinery_schema_history VALUES
             (99, 'future', '2030-01-01T00:00:00Z', '1')",
        )
        .unwrap();
    let e = baoxiu_server::migrate(std::path::Path::new("unused"), Some(&db.url)).unwrap_err();
    assert!(e.to_string().contains("newer than this build"), "{e}");
}

#[test]
fn migrate_brings_an_older_sqlite_database_up_once() {
    let data = tempfile::tempdir().unwrap();
    drop(open_at_version(&baoxiu_server::db_path(data.path()), 5).unwrap());
    assert_eq!(
        baoxiu_server::migrate(data.path(), None).unwrap(),
        (5, SCHEMA_VERSION)
    );
    assert_eq!(
        baoxiu_server::migrate(data.path(), None).unwrap(),
        (SCHEMA_VERSION, SCHEMA_VERSION)
    );
    let e = baoxiu_server::migrate(data.path(), Some("mysql://localhost/x")).unwrap_err();
    assert!(e.to_string().contains("postgres://"), "{e}");
}
