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
        // The roles of vehicles and supplies (V12).
        (
            "INSERT INTO users VALUES ('u6', 'o1', '陳', 'driver', '[]', NULL, 0, 1)",
            true,
        ),
        (
            "INSERT INTO users VALUES ('u7', 'o1', '林', 'logistics_clerk', '[]', NULL, 0, 1)",
            true,
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

/// The store's connections prepare a statement once and keep it: across transactions,
/// and after a savepoint it was first prepared in rolled back (a prepared statement
/// belongs to the connection, not to the transaction).
#[test]
fn a_connection_prepares_each_statement_once_and_keeps_it_past_a_rollback() {
    use baoxiu_server::store::postgres::sql::{Conn, Sql};
    let Some(db) = TestDatabase::create("a_connection_prepares_each_statement_once") else {
        return;
    };
    let mut conn = Conn::new(baoxiu_server::store::postgres::connect(&db.url).unwrap());
    let prepared = |c: &mut Conn| -> i64 {
        c.query_one("SELECT count(*) FROM pg_prepared_statements", &[])
            .unwrap()
            .get(0)
    };
    let add = "SELECT $1::bigint + 1";
    let sum = |c: &mut dyn Sql, n: i64| -> i64 { c.query_one(add, &[&n]).unwrap().get(0) };
    {
        let mut tx = conn.transaction().unwrap();
        let mut sp = tx.savepoint("job").unwrap();
        assert_eq!(sum(&mut sp, 1), 2);
        // Dropped: the savepoint rolls back, the statement stays.
    }
    assert_eq!(sum(&mut conn, 2), 3);
    // The two statements: the sum and the count itself.
    assert_eq!(prepared(&mut conn), 2);
    for n in 0..10 {
        assert_eq!(sum(&mut conn, n), n + 1);
        let mut tx = conn.transaction().unwrap();
        assert_eq!(sum(&mut tx, n), n + 1);
        tx.commit().unwrap();
    }
    assert_eq!(prepared(&mut conn), 2);
    // A statement meant to give one row says so when it gives none or several, rather
    // than picking one.
    let none = conn.query_one("SELECT 1 WHERE false", &[]).unwrap_err();
    assert!(none.to_string().contains("returned none"), "{none}");
    let many = conn
        .query_opt("SELECT * FROM generate_series(1, 2)", &[])
        .unwrap_err();
    assert!(many.to_string().contains("returned 2"), "{many}");
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

mod log_order {
    //! Issue 14: the change log devices read by cursor never skips a change that another
    //! node committed out of order.

    use std::collections::BTreeSet;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    use baoxiu_server::store::postgres::log::{NewRow, after, append};
    use baoxiu_sync_core::OrderId;
    use baoxiu_tests::pg::TestDatabase;
    use rand::Rng;

    fn migrated(test: &str) -> Option<TestDatabase> {
        let db = TestDatabase::create(test)?;
        baoxiu_server::migrate(std::path::Path::new("unused"), Some(&db.url)).unwrap();
        Some(db)
    }

    fn hash() -> Vec<u8> {
        rand::random::<[u8; 32]>().to_vec()
    }

    /// A device reading by cursor: every row after its cursor, then the cursor moves to
    /// the last row read. Returns the hashes it has seen.
    struct Reader {
        client: postgres::Client,
        cursor: u64,
        seen: Vec<Vec<u8>>,
    }

    impl Reader {
        fn poll(&mut self) {
            for (seq, _, _) in after(&mut self.client, self.cursor, 10_000).unwrap() {
                assert!(seq > self.cursor, "rows come in log order");
                let hash: Vec<u8> = self
                    .client
                    .query_one(
                        "SELECT hash FROM log WHERE seq = $1",
                        &[&i64::try_from(seq).unwrap()],
                    )
                    .unwrap()
                    .get(0);
                self.seen.push(hash);
                self.cursor = seq;
            }
        }
    }

    #[test]
    fn a_node_s_append_waits_for_the_other_s_commit_and_readers_see_both_in_order() {
        let Some(db) = migrated("a_node_s_append_waits_for_the_other_s_commit") else {
            return;
        };
        let mut reader = Reader {
            client: db.client(),
            cursor: 0,
            seen: Vec::new(),
        };
        let (ha, hb) = (hash(), hash());
        let mut node_a = db.client();
        let mut tx_a = node_a.transaction().unwrap();
        let order = OrderId::new();
        fn row(order: OrderId, h: &[u8]) -> NewRow<'_> {
            NewRow {
                order,
                hash: h,
                actor: b"a",
                bytes: b"change",
            }
        }
        assert_eq!(
            append(&mut tx_a, &[row(order, &ha)]).unwrap(),
            vec![Some(1)]
        );
        // Node B appends while A's transaction is open: it waits for A's commit.
        let url = db.url.clone();
        let hb2 = hb.clone();
        let b_done = Arc::new(AtomicBool::new(false));
        let done = b_done.clone();
        let node_b = std::thread::spawn(move || {
            let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            let mut tx = c.transaction().unwrap();
            let pos = append(
                &mut tx,
                &[NewRow {
                    order,
                    hash: &hb2,
                    actor: b"b",
                    bytes: b"change",
                }],
            )
            .unwrap();
            tx.commit().unwrap();
            done.store(true, Ordering::SeqCst);
            pos
        });
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert!(
            !b_done.load(Ordering::SeqCst),
            "B took a position while A held the log"
        );
        reader.poll();
        assert!(reader.seen.is_empty(), "nothing is visible before a commit");
        tx_a.commit().unwrap();
        assert_eq!(node_b.join().unwrap(), vec![Some(2)]);
        reader.poll();
        assert_eq!(reader.seen, vec![ha.clone(), hb]);
        // A change stored again (a device resending) takes no position.
        let mut tx = node_a.transaction().unwrap();
        assert_eq!(append(&mut tx, &[row(order, &ha)]).unwrap(), vec![None]);
        tx.commit().unwrap();
    }

    #[test]
    fn two_nodes_interleaving_transactions_lose_no_change_for_a_reader() {
        let Some(db) = migrated("two_nodes_interleaving_transactions_lose_no_change") else {
            return;
        };
        let committed = Arc::new(Mutex::new(BTreeSet::new()));
        let stop = Arc::new(AtomicBool::new(false));
        // A device polling all along, as live sessions read their catch-up.
        let reader = {
            let (url, stop) = (db.url.clone(), stop.clone());
            std::thread::spawn(move || {
                let client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                let mut r = Reader {
                    client,
                    cursor: 0,
                    seen: Vec::new(),
                };
                while !stop.load(Ordering::SeqCst) {
                    r.poll();
                }
                r.poll();
                r.seen
            })
        };
        let nodes: Vec<_> = (0..2)
            .map(|node: u8| {
                let (url, committed) = (db.url.clone(), committed.clone());
                std::thread::spawn(move || {
                    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                    let mut rng = rand::rng();
                    let actor = [node];
                    for _ in 0..150 {
                        let hashes: Vec<Vec<u8>> =
                            (0..rng.random_range(1..5)).map(|_| hash()).collect();
                        let order = OrderId::new();
                        let rows: Vec<NewRow<'_>> = hashes
                            .iter()
                            .map(|h| NewRow {
                                order,
                                hash: h,
                                actor: &actor,
                                bytes: b"change",
                            })
                            .collect();
                        let mut tx = c.transaction().unwrap();
                        // Other work of the transaction before and after its appends.
                        std::thread::sleep(std::time::Duration::from_micros(
                            rng.random_range(0..500),
                        ));
                        append(&mut tx, &rows).unwrap();
                        std::thread::sleep(std::time::Duration::from_micros(
                            rng.random_range(0..500),
                        ));
                        if rng.random_range(0..10) == 0 {
                            tx.rollback().unwrap();
                        } else {
                            tx.commit().unwrap();
                            committed.lock().unwrap().extend(hashes);
                        }
                    }
                })
            })
            .collect();
        for n in nodes {
            n.join().unwrap();
        }
        stop.store(true, Ordering::SeqCst);
        let seen = reader.join().unwrap();
        let seen_set: BTreeSet<Vec<u8>> = seen.iter().cloned().collect();
        assert_eq!(seen.len(), seen_set.len(), "a change read twice");
        let committed = committed.lock().unwrap().clone();
        assert!(
            committed.len() > 300,
            "the nodes committed {}",
            committed.len()
        );
        let missed = committed.difference(&seen_set).count();
        assert_eq!(
            missed,
            0,
            "the reader missed {missed} of {} committed changes",
            committed.len()
        );
        assert_eq!(seen_set, committed, "the reader saw only committed changes");
    }

    /// Why the lock: positions from a sequence, taken before commit, let a reader skip a
    /// change committed late. The same reader, over such a log, misses one.
    #[test]
    fn positions_taken_before_commit_would_lose_a_change() {
        let Some(db) = migrated("positions_taken_before_commit_would_lose_a_change") else {
            return;
        };
        let mut setup = db.client();
        setup.batch_execute("CREATE SEQUENCE naive").unwrap();
        let naive = |tx: &mut postgres::Transaction<'_>, h: &[u8]| {
            tx.execute(
                "INSERT INTO log (seq, order_id, hash, actor, bytes)
                 VALUES (nextval('naive'), $1, $2, 'x', 'change')",
                &[&OrderId::new().to_string(), &h],
            )
            .unwrap();
        };
        let mut reader = Reader {
            client: db.client(),
            cursor: 0,
            seen: Vec::new(),
        };
        let (mut a, mut b) = (db.client(), db.client());
        let mut tx_a = a.transaction().unwrap();
        naive(&mut tx_a, &hash()); // position 1, not yet committed
        let mut tx_b = b.transaction().unwrap();
        naive(&mut tx_b, &hash()); // position 2
        tx_b.commit().unwrap();
        reader.poll(); // reads 2: its cursor passes 1
        tx_a.commit().unwrap();
        reader.poll();
        assert_eq!(
            reader.seen.len(),
            1,
            "the naive log loses position 1 for this reader"
        );
    }
}

mod bus {
    //! Issue 14: what nodes tell each other through LISTEN/NOTIFY.

    use baoxiu_server::store::postgres::bus::{Bus, Heard};
    use baoxiu_server::store::{Committed, CommittedOrder};
    use baoxiu_sync_core::{DeviceId, OfficeId, OrderId, UserId};
    use baoxiu_tests::pg::TestDatabase;
    use tokio::sync::mpsc::UnboundedReceiver;

    /// The next thing heard, within 10 s.
    fn next(rx: &mut UnboundedReceiver<Heard>) -> Heard {
        for _ in 0..1000 {
            if let Ok(h) = rx.try_recv() {
                return h;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        panic!("nothing heard within 10 s");
    }

    fn note(seq: u64, orders: usize) -> Committed {
        let office = OfficeId::new();
        Committed {
            seq,
            orders: (0..orders)
                .map(|_| CommittedOrder {
                    order: OrderId::new(),
                    office,
                    technicians: vec![UserId::new(), UserId::new()],
                    created_by: UserId::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn nodes_hear_each_other_s_commits_once_committed_and_not_their_own() {
        let Some(db) = TestDatabase::create("nodes_hear_each_other_s_commits") else {
            return;
        };
        let (a, b) = (
            Bus::new(uuid::Uuid::now_v7()),
            Bus::new(uuid::Uuid::now_v7()),
        );
        let (_la, mut heard_a) = a.listen(&db.url).unwrap();
        let (_lb, mut heard_b) = b.listen(&db.url).unwrap();
        let mut c = db.client();

        // Announced in a transaction that rolls back: never heard.
        let mut tx = c.transaction().unwrap();
        a.committed(&mut tx, &note(1, 1)).unwrap();
        tx.rollback().unwrap();
        // Announced in one that commits: heard by B, as sent; not by A itself.
        let small = note(2, 3);
        let mut tx = c.transaction().unwrap();
        a.committed(&mut tx, &small).unwrap();
        tx.commit().unwrap();
        assert_eq!(next(&mut heard_b), Heard::Committed(small));

        // A commit too large for one notification arrives in parts with its position.
        let large = note(3, 400);
        let mut tx = c.transaction().unwrap();
        a.committed(&mut tx, &large).unwrap();
        tx.commit().unwrap();
        let mut got = Vec::new();
        while got.len() < large.orders.len() {
            match next(&mut heard_b) {
                Heard::Committed(part) => {
                    assert_eq!(part.seq, 3);
                    assert!(part.orders.len() < large.orders.len(), "sent in parts");
                    got.extend(part.orders);
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(got, large.orders);

        // B opens a session for a device: A hears it — and nothing of its own before.
        let device = DeviceId::new();
        b.session_opened(&mut c, device, 1_700_000_000_000).unwrap();
        assert_eq!(
            next(&mut heard_a),
            Heard::SessionOpened(device, 1_700_000_000_000)
        );
        assert!(heard_a.try_recv().is_err());
    }

    #[test]
    fn a_listener_that_lost_its_connection_says_so_and_hears_again() {
        let Some(db) = TestDatabase::create("a_listener_that_lost_its_connection") else {
            return;
        };
        let (a, b) = (
            Bus::new(uuid::Uuid::now_v7()),
            Bus::new(uuid::Uuid::now_v7()),
        );
        let (_lb, mut heard_b) = b.listen(&db.url).unwrap();
        let mut c = db.client();
        // The database ends the listener's connection (a restart, a failover).
        let ended: i64 = c
            .query_one(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                 WHERE datname = current_database() AND query LIKE 'LISTEN%'",
                &[],
            )
            .unwrap()
            .get(0);
        assert_eq!(ended, 1);
        assert_eq!(next(&mut heard_b), Heard::Missed);
        let after = note(9, 1);
        a.committed(&mut c, &after).unwrap();
        assert_eq!(next(&mut heard_b), Heard::Committed(after));
    }
}

mod two_nodes {
    //! Issue 14: two server nodes on loopback over one PostgreSQL database.

    use baoxiu_server::{AppState, Running};
    use baoxiu_sync_core::protocol::{Frame, MAX_DOWNLOAD_FRAME_BYTES};
    use baoxiu_sync_core::{
        Author, Channel, Customer, DeviceId, EventBody, FeeItem, Money, NewOrder, Office, OfficeId,
        OrderId, Person, Role, UserId,
    };
    use baoxiu_tests::pg::TestDatabase;
    use baoxiu_tests::server::{Login, Phone, Ws, chrono_now, sign};
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;

    struct Nodes {
        a: Running,
        b: Running,
        people: Vec<Login>,
        _dirs: (tempfile::TempDir, tempfile::TempDir),
        _db: TestDatabase,
    }

    fn url(r: &Running) -> String {
        format!("ws://{}/sync", r.addr)
    }

    /// Two nodes over one migrated database, sharing a signing key, with an office and
    /// its people: dispatcher, technician.
    async fn start(test: &str) -> Option<Nodes> {
        let test = test.to_owned();
        let (db, dirs, a, b) = tokio::task::spawn_blocking(move || {
            let db = TestDatabase::create(&test)?;
            baoxiu_server::migrate(std::path::Path::new("unused"), Some(&db.url)).unwrap();
            let (da, dbb) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
            let a = baoxiu_server::open_postgres(da.path(), &db.url).unwrap();
            // The nodes share their signing key (BAOXIU_SIGNING_KEYS in production).
            std::fs::copy(
                da.path().join("signing.key"),
                dbb.path().join("signing.key"),
            )
            .unwrap();
            let b = baoxiu_server::open_postgres(dbb.path(), &db.url).unwrap();
            Some((db, (da, dbb), a, b))
        })
        .await
        .unwrap()?;
        let office = Office {
            id: OfficeId::new(),
            name: "台北".into(),
            time_zone: "Asia/Taipei".into(),
            currency: "TWD".into(),
        };
        a.store.upsert_office(office.clone()).await.unwrap();
        let mut people = Vec::new();
        for (name, role) in [("陳調度", Role::Dispatcher), ("李師傅", Role::Technician)] {
            let p = Person {
                id: UserId::new(),
                name: name.into(),
                role,
                office: office.id,
                specialties: vec!["plumbing".into()],
                zone: None,
                token_version: 0,
                active: true,
            };
            a.store.upsert_user(p.clone()).await.unwrap();
            let device = DeviceId::new();
            people.push(Login {
                token: sign(&a, &p, Some(device)),
                person: p,
                device,
            });
        }
        let any = "127.0.0.1:0".parse().unwrap();
        Some(Nodes {
            a: baoxiu_server::start(a, any).await.unwrap(),
            b: baoxiu_server::start(b, any).await.unwrap(),
            people,
            _dirs: dirs,
            _db: db,
        })
    }

    /// An order assigned to `tech`, made through `state` as the dispatcher.
    async fn assigned_order(state: &AppState, disp: &Person, tech: &Person) -> OrderId {
        let office = state.store.office(disp.office).await.unwrap().unwrap();
        let who = Author {
            user: disp.id,
            device: state.store.server_device(),
            role: disp.role,
        };
        let new = NewOrder {
            office,
            customer: Customer {
                name: "王小明".into(),
                unit: "A棟-12F-3".into(),
                phone: "0912-000-000".into(),
            },
            channel: Channel::Phone,
            description: "廚房水龍頭漏水".into(),
            follow_up_of: None,
        };
        let s = state
            .store
            .create(who.clone(), new, chrono_now())
            .await
            .unwrap();
        for body in [
            EventBody::Received,
            EventBody::Priced {
                paid: true,
                items: vec![FeeItem {
                    description: "換水龍頭".into(),
                    materials: Money(12000),
                    labour: Money(5000),
                    code: None,
                }],
                schedule: None,
            },
            EventBody::Assigned {
                technicians: vec![tech.id],
                reason: String::new(),
            },
            EventBody::AppointmentSet {
                at: chrono_now() + 3_600_000,
            },
        ] {
            state
                .store
                .command(who.clone(), disp.office, s.order, body, chrono_now())
                .await
                .unwrap();
        }
        s.order
    }

    /// The next protocol frame, or the close code, within 10 s.
    async fn next(ws: &mut Ws) -> Result<Frame, Option<u16>> {
        let wait = async {
            loop {
                match ws.next().await {
                    Some(Ok(Message::Binary(b))) => {
                        return Ok(Frame::decode(&b, MAX_DOWNLOAD_FRAME_BYTES).unwrap());
                    }
                    Some(Ok(Message::Close(f))) => return Err(f.map(|f| u16::from(f.code))),
                    Some(Ok(_)) => continue,
                    _ => return Err(None),
                }
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(10), wait)
            .await
            .expect("something within 10 s")
    }

    /// A live session: hello sent, welcome applied.
    async fn live(p: &mut Phone, url: &str) -> Ws {
        let mut ws = p.connect(url).await;
        let hello = p.session.hello(&p.store, chrono_now()).unwrap();
        p.send(&mut ws, &hello).await;
        let welcome = next(&mut ws).await.unwrap();
        p.session
            .handle(&mut p.store, welcome, chrono_now())
            .unwrap();
        ws
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn devices_on_two_nodes_converge_live_with_one_session_per_device() {
        let Some(n) = start("devices_on_two_nodes_converge_live").await else {
            return;
        };
        let (disp, tech) = (n.people[0].clone(), n.people[1].clone());
        let order = assigned_order(&n.a.state, &disp.person, &tech.person).await;
        let dir = tempfile::tempdir().unwrap();

        // The dispatcher's device is live on node A, and so is the office's console; the
        // technician works through node B.
        let mut office_phone = Phone::new(&disp, dir.path());
        let mut office_ws = live(&mut office_phone, &url(&n.a)).await;
        let mut console = reqwest::Client::new()
            .get(format!("http://{}/api/v1/events", n.a.addr))
            .bearer_auth(&disp.token)
            .send()
            .await
            .unwrap();
        assert_eq!(console.status(), reqwest::StatusCode::OK);
        let mut field = Phone::new(&tech, dir.path());
        field.sync(&url(&n.b)).await;
        field.store.arrive(order, vec!["漏水".into()]).unwrap();
        field.store.add_note(order, "已到場".into()).unwrap();
        field.sync(&url(&n.b)).await;
        assert!(
            field.store.pending_changes().unwrap().is_empty(),
            "acked by B"
        );

        // A pushes B's changes to the dispatcher live.
        let mut pushed = 0;
        while pushed < 2 {
            let f = next(&mut office_ws).await.expect("a push from A");
            if let Frame::Push(p) = &f {
                pushed += p.changes.iter().map(|c| c.changes.len()).sum::<usize>();
            }
            office_phone
                .session
                .handle(&mut office_phone.store, f, chrono_now())
                .unwrap();
        }
        // The console on A hears of B's commit too.
        let heard = tokio::time::timeout(std::time::Duration::from_secs(10), async {
            let mut text = String::new();
            while let Ok(Some(chunk)) = console.chunk().await {
                text.push_str(&String::from_utf8_lossy(&chunk));
                if text.contains(&order.to_string()) {
                    return true;
                }
            }
            false
        })
        .await;
        assert_eq!(heard, Ok(true), "the console on A was told of B's commit");
        let on_a = n.a.state.store.order(order).await.unwrap().unwrap();
        let on_b = n.b.state.store.order(order).await.unwrap().unwrap();
        let seen = |s: &baoxiu_sync_core::WorkOrderState| serde_json::to_value(s).unwrap();
        assert_eq!(seen(&on_a), seen(&on_b));
        assert_eq!(
            seen(&office_phone.store.order_state(order).unwrap()),
            seen(&on_a)
        );
        assert_eq!(seen(&field.store.order_state(order).unwrap()), seen(&on_a));
        assert_eq!(on_a.notes, vec!["已到場".to_owned()]);

        // One live session per device across nodes: the technician's session on A ends
        // when the same device opens one on B.
        let mut on_node_a = live(&mut field, &url(&n.a)).await;
        let _on_node_b = live(&mut field, &url(&n.b)).await;
        let end = loop {
            match next(&mut on_node_a).await {
                Ok(_) => continue,
                Err(code) => break code,
            }
        };
        assert_eq!(end, Some(4000), "replaced by the newer session on B");
    }
}

mod outage {
    //! Issue 14: PostgreSQL restarted mid-run — the node says it is not ready and
    //! acknowledges nothing while the database is down, loses nothing that was
    //! acknowledged, and recovers on its own.

    use baoxiu_sync_core::OrderId;
    use baoxiu_tests::server::{Phone, TestServer};
    use reqwest::StatusCode;

    const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/postgres/cluster.sh");

    /// A PostgreSQL server of this test's own (it is stopped and started mid-test).
    struct Cluster {
        dir: String,
        port: String,
    }

    fn script(args: &[&str]) -> String {
        let out = std::process::Command::new("bash")
            .arg(SCRIPT)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "cluster.sh {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    }

    impl Cluster {
        fn start() -> Option<Cluster> {
            // The same switch as every PostgreSQL test (the skip message is its).
            drop(baoxiu_tests::pg::TestDatabase::create(
                "postgres_restarted_mid_run",
            )?);
            let out = script(&["start"]);
            let mut it = out.split_whitespace();
            Some(Cluster {
                dir: it.next().unwrap().to_owned(),
                port: it.next().unwrap().to_owned(),
            })
        }

        fn url(&self) -> String {
            format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
        }
    }

    impl Drop for Cluster {
        fn drop(&mut self) {
            let _ = std::process::Command::new("bash")
                .args([SCRIPT, "stop", &self.dir])
                .output();
        }
    }

    async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        tokio::task::spawn_blocking(f).await.unwrap()
    }

    async fn readyz(srv: &TestServer) -> StatusCode {
        srv.call("GET", "/readyz", None, None).await.0
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_restarted_mid_run_nodes_report_unready_lose_nothing_and_recover() {
        let Some(cluster) = blocking(Cluster::start).await else {
            return;
        };
        let url = cluster.url();
        let u = url.clone();
        blocking(move || baoxiu_server::migrate(std::path::Path::new("unused"), Some(&u)))
            .await
            .unwrap();
        let srv = TestServer::start_postgres(&url, Default::default(), None).await;
        let x = srv.order("a", "scheduled", "tech1").await;
        let xo: OrderId = x.parse().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut phone = Phone::new(srv.who("a.tech1"), dir.path());
        phone.sync(&srv.ws_url()).await;
        phone.store.add_note(xo, "停電前".into()).unwrap();
        phone.sync(&srv.ws_url()).await;
        assert!(phone.store.pending_changes().unwrap().is_empty(), "acked");
        assert_eq!(readyz(&srv).await, StatusCode::OK);

        let (dir_, port) = (cluster.dir.clone(), cluster.port.clone());
        blocking(move || script(&["down", &dir_])).await;
        assert_eq!(readyz(&srv).await, StatusCode::SERVICE_UNAVAILABLE);
        // The phone works on; its sync is refused at the door (503: the node cannot
        // check its token, let alone store), so it keeps its change.
        phone.store.add_note(xo, "停電中".into()).unwrap();
        let mut req =
            tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
                srv.ws_url().as_str(),
            )
            .unwrap();
        let bearer = format!("Bearer {}", srv.who("a.tech1").token);
        req.headers_mut()
            .insert("Authorization", bearer.parse().unwrap());
        match tokio_tungstenite::connect_async(req).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
                assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
            }
            other => panic!("a sync was let in: {:?}", other.map(|_| ())),
        }
        assert_eq!(phone.store.pending_changes().unwrap().len(), 1);
        let (s, _) = srv
            .as_("a.dispatcher", "GET", &format!("/api/v1/orders/{x}"), None)
            .await;
        assert_eq!(
            s,
            StatusCode::SERVICE_UNAVAILABLE,
            "reads too: 503, not 500"
        );

        let d = cluster.dir.clone();
        blocking(move || script(&["up", &d, &port])).await;
        let mut ready = false;
        for _ in 0..60 {
            if readyz(&srv).await == StatusCode::OK {
                ready = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
        assert!(ready, "the node is ready again once the database is back");
        phone.sync(&srv.ws_url()).await;
        assert!(
            phone.store.pending_changes().unwrap().is_empty(),
            "acked now"
        );
        let (s, v) = srv
            .as_("a.dispatcher", "GET", &format!("/api/v1/orders/{x}"), None)
            .await;
        assert_eq!(s, StatusCode::OK);
        let notes: Vec<&str> = v["state"]["notes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        assert_eq!(notes, vec!["停電前", "停電中"]);
    }
}

mod backup {
    //! Issue 14: docs/deploy.md's PostgreSQL backup and restore — an older backup
    //! restored, the phones repair the gap, as on SQLite.

    use baoxiu_sync_core::OrderId;
    use baoxiu_tests::pg::TestDatabase;
    use baoxiu_tests::server::{Phone, TestServer};
    use reqwest::StatusCode;

    fn run(cmd: &str, args: &[&str]) {
        let out = std::process::Command::new(cmd).args(args).output().unwrap();
        assert!(out.status.success(), "{cmd} {args:?}: {out:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_older_pg_dump_restored_is_repaired_by_the_phones() {
        let Some((old, restored)) = tokio::task::spawn_blocking(|| {
            let old = TestDatabase::create("an_older_pg_dump_restored")?;
            let restored = TestDatabase::create("an_older_pg_dump_restored")?;
            baoxiu_server::migrate(std::path::Path::new("unused"), Some(&old.url)).unwrap();
            Some((old, restored))
        })
        .await
        .unwrap() else {
            return;
        };
        let mut srv = TestServer::start_postgres(&old.url, Default::default(), None).await;
        let x = srv.order("a", "scheduled", "tech1").await;
        let xo: OrderId = x.parse().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut phone = Phone::new(srv.who("a.tech1"), dir.path());
        phone.sync(&srv.ws_url()).await;

        // The backup, taken while the node runs.
        let dump = dir.path().join("baoxiu.dump");
        let (url, file) = (old.url.clone(), dump.to_str().unwrap().to_owned());
        tokio::task::spawn_blocking(move || run("pg_dump", &["-Fc", "-f", &file, &url]))
            .await
            .unwrap();
        // Later work, acknowledged.
        phone.store.arrive(xo, vec!["漏水".into()]).unwrap();
        phone.store.add_note(xo, "已到場".into()).unwrap();
        phone.sync(&srv.ws_url()).await;
        assert!(phone.store.pending_changes().unwrap().is_empty());

        // The node stops; the backup is restored (into a new database here); a node
        // starts over it with the same key.
        srv.running.take().unwrap().stop().await.unwrap();
        let (url, file) = (restored.url.clone(), dump.to_str().unwrap().to_owned());
        tokio::task::spawn_blocking(move || {
            run("pg_restore", &["--no-owner", "-d", &url, &file]);
        })
        .await
        .unwrap();
        let node = TestServer::start_postgres(&restored.url, Default::default(), Some(&srv)).await;
        let (s, v) = srv_get(&node, &srv, &x).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            v["status"], "scheduled",
            "the backup is older than the arrival"
        );

        // The phone reconnects: its cursor is past the restored log, it is repaired and
        // sends back what the server lacks.
        phone.sync(&node.ws_url()).await;
        let (_, v) = srv_get(&node, &srv, &x).await;
        assert_eq!(v["status"], "on_site");
        assert_eq!(v["state"]["notes"], serde_json::json!(["已到場"]));
        assert_eq!(
            serde_json::to_value(phone.store.order_state(xo).unwrap()).unwrap(),
            v["state"]
        );
    }

    /// An order read on `node` by the dispatcher of `people` (the restored database holds
    /// the original people).
    async fn srv_get(
        node: &TestServer,
        people: &TestServer,
        id: &str,
    ) -> (StatusCode, serde_json::Value) {
        let token = people.who("a.dispatcher").token.clone();
        node.call("GET", &format!("/api/v1/orders/{id}"), Some(&token), None)
            .await
    }
}
