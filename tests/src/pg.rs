//! PostgreSQL for the tests: each test gets a database of its own on the server named by
//! `BAOXIU_TEST_DATABASE` (a URL of a database its user may create databases from, e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`), dropped when the test ends.
//!
//! Without `BAOXIU_TEST_DATABASE` a PostgreSQL test says it is skipped and passes, so
//! `cargo test` runs on a machine with SQLite alone; CI sets it (and `BAOXIU_REQUIRE_POSTGRES=1`,
//! which turns a skip into a failure, so PostgreSQL is never silently left out there).

use std::sync::atomic::{AtomicU32, Ordering};

const ADMIN: &str = "BAOXIU_TEST_DATABASE";
const REQUIRE: &str = "BAOXIU_REQUIRE_POSTGRES";

/// A database of one test's own, dropped (connections and all) when this is dropped.
#[derive(Debug)]
pub struct TestDatabase {
    admin: String,
    pub name: String,
    /// The database's URL, for the server.
    pub url: String,
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[authority_start..]
        .find('/')
        .map(|i| authority_start + i)
        .unwrap_or(base.len());
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

fn admin_client(admin: &str) -> postgres::Client {
    postgres::Client::connect(admin, postgres::NoTls)
        .unwrap_or_else(|e| panic!("{ADMIN}={admin}: cannot connect: {e}"))
}

impl TestDatabase {
    /// A fresh, empty database, or `None` (after saying why) when no PostgreSQL server
    /// is configured. Blocking: call it off the async threads (`spawn_blocking`).
    pub fn create(test: &str) -> Option<TestDatabase> {
        let Ok(admin) = std::env::var(ADMIN) else {
            let required = std::env::var(REQUIRE).is_ok_and(|v| v == "1");
            assert!(!required, "{test}: {REQUIRE}=1 but {ADMIN} is not set");
            // Written to the terminal itself, not through the test harness's capture, so
            // the skip shows in a passing run; once a process.
            static SAID: std::sync::Once = std::sync::Once::new();
            SAID.call_once(|| {
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "PostgreSQL tests skipped ({test} and the rest): set \
                     {ADMIN}=postgres://user@host:port/db (a user that may create databases) \
                     to run them; CI does"
                );
            });
            return None;
        };
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "baoxiu_test_{}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst),
            rand::random::<u32>()
        );
        admin_client(&admin)
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("{test}: CREATE DATABASE {name}: {e}"));
        Some(TestDatabase {
            url: with_database(&admin, &name),
            admin,
            name,
        })
    }

    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).unwrap()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Off whatever runtime the test ran on: the blocking client starts its own.
        let (admin, name) = (self.admin.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            admin_client(&admin)
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn a_test_database_url_keeps_the_server_user_and_options() {
        // (admin URL, the test database's URL)
        let cases = [
            (
                "postgres://postgres@127.0.0.1:5432/postgres",
                "postgres://postgres@127.0.0.1:5432/t1",
            ),
            (
                "postgresql://u:p@h/db?sslmode=disable",
                "postgresql://u:p@h/t1?sslmode=disable",
            ),
            ("postgres://u@h:1", "postgres://u@h:1/t1"),
        ];
        for (admin, want) in cases {
            assert_eq!(with_database(admin, "t1"), want, "{admin}");
        }
    }
}
