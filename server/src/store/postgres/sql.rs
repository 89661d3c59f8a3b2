//! Statements, prepared once per connection.
//!
//! A query given as text costs PostgreSQL a parse, an analysis and a plan, and the
//! client a round trip to prepare it before the one that runs it. The store's statements
//! are a few dozen fixed texts run thousands of times, so each connection keeps the
//! statements it prepared (`Conn`, and `Tx` for a transaction on it) and runs them with
//! one round trip; after a few runs PostgreSQL keeps a generic plan too. Code that reads
//! and writes rows takes any `Sql`: a pooled connection, the writer's transaction or
//! savepoint, or a plain client (tests, migrations), which prepares nothing.

use std::collections::HashMap;

use postgres::types::ToSql;
use postgres::{GenericClient, IsolationLevel, Row, Statement};

use crate::error::{Error, Result};

/// Distinct statements kept per connection at most; past it the cache starts again (the
/// store's texts are fixed, so this is only a guard).
const KEPT: usize = 256;

type Params<'p> = &'p [&'p (dyn ToSql + Sync)];

/// What the store's row code runs statements on.
pub trait Sql {
    fn query(&mut self, sql: &str, params: Params<'_>) -> Result<Vec<Row>>;
    fn execute(&mut self, sql: &str, params: Params<'_>) -> Result<u64>;

    /// At most one row; more is the statement's mistake, not the data's.
    fn query_opt(&mut self, sql: &str, params: Params<'_>) -> Result<Option<Row>> {
        let mut rows = self.query(sql, params)?;
        if rows.len() > 1 {
            return Err(Error::Internal(format!(
                "a statement meant to return one row returned {}",
                rows.len()
            )));
        }
        Ok(rows.pop())
    }

    /// Exactly one row.
    fn query_one(&mut self, sql: &str, params: Params<'_>) -> Result<Row> {
        self.query_opt(sql, params)?.ok_or_else(|| {
            Error::Internal("a statement meant to return one row returned none".into())
        })
    }
}

/// Statements a connection has prepared, by their text.
#[derive(Default)]
pub struct Statements(HashMap<String, Statement>);

impl Statements {
    fn get(&mut self, c: &mut impl GenericClient, sql: &str) -> Result<Statement> {
        if let Some(s) = self.0.get(sql) {
            return Ok(s.clone());
        }
        let s = c.prepare(sql)?;
        if self.0.len() >= KEPT {
            self.0.clear();
        }
        self.0.insert(sql.to_owned(), s.clone());
        Ok(s)
    }
}

fn cached_query(
    c: &mut impl GenericClient,
    st: &mut Statements,
    sql: &str,
    params: Params<'_>,
) -> Result<Vec<Row>> {
    let s = st.get(c, sql)?;
    Ok(c.query(&s, params)?)
}

fn cached_execute(
    c: &mut impl GenericClient,
    st: &mut Statements,
    sql: &str,
    params: Params<'_>,
) -> Result<u64> {
    let s = st.get(c, sql)?;
    Ok(c.execute(&s, params)?)
}

impl std::fmt::Debug for Statements {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Statements")
            .field("kept", &self.0.len())
            .finish()
    }
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("statements", &self.statements)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Tx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tx")
            .field("statements", &*self.statements)
            .finish_non_exhaustive()
    }
}

/// A connection with the statements prepared on it.
pub struct Conn {
    client: postgres::Client,
    statements: Statements,
}

impl Conn {
    pub fn new(client: postgres::Client) -> Self {
        Conn {
            client,
            statements: Statements::default(),
        }
    }

    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    /// One round trip: whether the connection still answers.
    pub fn is_valid(&mut self, timeout: std::time::Duration) -> bool {
        self.client.is_valid(timeout).is_ok()
    }

    /// A read-committed transaction.
    pub fn transaction(&mut self) -> Result<Tx<'_>, postgres::Error> {
        Ok(Tx {
            tx: self.client.transaction()?,
            statements: &mut self.statements,
        })
    }

    /// A read-only transaction that sees one snapshot throughout.
    pub fn snapshot(&mut self) -> Result<Tx<'_>, postgres::Error> {
        Ok(Tx {
            tx: self
                .client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?,
            statements: &mut self.statements,
        })
    }

    /// Statements sent as one text, without parameters (nothing is prepared).
    pub fn batch_execute(&mut self, sql: &str) -> Result<(), postgres::Error> {
        self.client.batch_execute(sql)
    }
}

impl Sql for Conn {
    fn query(&mut self, sql: &str, params: Params<'_>) -> Result<Vec<Row>> {
        cached_query(&mut self.client, &mut self.statements, sql, params)
    }
    fn execute(&mut self, sql: &str, params: Params<'_>) -> Result<u64> {
        cached_execute(&mut self.client, &mut self.statements, sql, params)
    }
}

/// A transaction (or savepoint) on a `Conn`, using its statements.
pub struct Tx<'a> {
    tx: postgres::Transaction<'a>,
    statements: &'a mut Statements,
}

impl Tx<'_> {
    pub fn commit(self) -> Result<(), postgres::Error> {
        self.tx.commit()
    }

    /// A savepoint: its work is kept when it commits, undone when it is dropped.
    pub fn savepoint(&mut self, name: &str) -> Result<Tx<'_>, postgres::Error> {
        Ok(Tx {
            tx: self.tx.savepoint(name)?,
            statements: &mut *self.statements,
        })
    }
}

impl Sql for Tx<'_> {
    fn query(&mut self, sql: &str, params: Params<'_>) -> Result<Vec<Row>> {
        cached_query(&mut self.tx, self.statements, sql, params)
    }
    fn execute(&mut self, sql: &str, params: Params<'_>) -> Result<u64> {
        cached_execute(&mut self.tx, self.statements, sql, params)
    }
}

/// A plain client prepares nothing of its own (tests, migrations, one-off tools).
macro_rules! plain {
    ($t:ty) => {
        impl Sql for $t {
            fn query(&mut self, sql: &str, params: Params<'_>) -> Result<Vec<Row>> {
                Ok(GenericClient::query(self, sql, params)?)
            }
            fn execute(&mut self, sql: &str, params: Params<'_>) -> Result<u64> {
                Ok(GenericClient::execute(self, sql, params)?)
            }
        }
    };
}
plain!(postgres::Client);
plain!(postgres::Transaction<'_>);

impl<S: Sql + ?Sized> Sql for &mut S {
    fn query(&mut self, sql: &str, params: Params<'_>) -> Result<Vec<Row>> {
        (**self).query(sql, params)
    }
    fn execute(&mut self, sql: &str, params: Params<'_>) -> Result<u64> {
        (**self).execute(sql, params)
    }
}
