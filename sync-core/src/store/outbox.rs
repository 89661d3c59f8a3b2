//! The device store's side of sync: the outbox and its acknowledgements, changes the
//! server refused (kept and shown), the cursor, the last sync, and small settings.

use automerge::{Change, ChangeHash};
use rusqlite::{OptionalExtension, params};

use super::{PendingChange, Store};
use crate::Error;
use crate::model::{Millis, OrderId};
use crate::protocol::Cursor;

impl Store {
    /// Local changes not yet acknowledged by the server, oldest first.
    pub fn pending_changes(&self) -> Result<Vec<PendingChange>, Error> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT seq, order_id, hash, bytes FROM outbox ORDER BY seq")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Vec<u8>>(2)?,
                r.get::<_, Vec<u8>>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, order, hash, bytes) = row?;
            out.push(PendingChange {
                seq,
                order: order.parse()?,
                hash: ChangeHash::try_from(hash.as_slice())
                    .map_err(|e| Error::Corrupt(format!("outbox hash: {e}")))?,
                bytes,
            });
        }
        Ok(out)
    }

    /// Puts changes of ours back in the outbox: the server turned out not to have them
    /// (a repair after a restore). They go out paged like any new change.
    pub fn requeue(&mut self, order: OrderId, changes: &[Change]) -> Result<(), Error> {
        let tx = self.conn.transaction()?;
        for c in changes {
            super::push_outbox(&tx, order, c)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The server has durably stored these changes: drop them from the outbox.
    pub fn acknowledge(&mut self, hashes: &[ChangeHash]) -> Result<usize, Error> {
        let tx = self.conn.transaction()?;
        let mut n = 0;
        {
            let mut stmt = tx.prepare_cached("DELETE FROM outbox WHERE hash = ?1")?;
            for h in hashes {
                n += stmt.execute([h.as_ref()])?;
            }
        }
        tx.commit()?;
        Ok(n)
    }

    /// When this replica was last fully up to date with the server (device clock), kept
    /// across restarts so an app with background sync off still knows.
    pub fn last_sync(&self) -> Result<Option<Millis>, Error> {
        self.setting("last_sync")?
            .map(|v| {
                v.parse()
                    .map_err(|_| Error::Corrupt(format!("stored last sync {v:?}")))
            })
            .transpose()
    }

    pub fn set_last_sync(&self, at: Millis) -> Result<(), Error> {
        self.set_setting("last_sync", Some(&at.to_string()))
    }

    fn setting(&self, key: &str) -> Result<Option<String>, Error> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    fn set_setting(&self, key: &str, value: Option<&str>) -> Result<(), Error> {
        match value {
            Some(v) => self.conn.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, v],
            )?,
            None => self
                .conn
                .execute("DELETE FROM settings WHERE key = ?1", [key])?,
        };
        Ok(())
    }

    /// The position in the server's log this device has fully received; a stored cursor
    /// that does not decode is `Corrupt`.
    pub fn cursor(&self) -> Result<Option<Cursor>, Error> {
        let Some(v) = self.setting("cursor")? else {
            return Ok(None);
        };
        let parts: Vec<&str> = v.split(':').collect();
        let parsed = match parts.as_slice() {
            [e, s, c, d] => (|| {
                let epoch = uuid::Uuid::parse_str(e).ok()?.into_bytes();
                let check: [u8; 8] = u64::from_str_radix(c, 16).ok()?.to_be_bytes();
                Some(Cursor {
                    epoch,
                    seq: s.parse().ok()?,
                    check,
                    delivery: d.parse().ok()?,
                })
            })(),
            _ => None,
        };
        parsed
            .map(Some)
            .ok_or_else(|| Error::Corrupt(format!("stored cursor {v:?}")))
    }

    pub fn set_cursor(&mut self, cursor: Option<Cursor>) -> Result<(), Error> {
        let v = cursor.map(|c| {
            format!(
                "{}:{}:{:016x}:{}",
                uuid::Uuid::from_bytes(c.epoch),
                c.seq,
                u64::from_be_bytes(c.check),
                c.delivery
            )
        });
        self.set_setting("cursor", v.as_deref())
    }

    /// Moves changes the server refused out of the outbox (kept, with the reason).
    pub fn refuse_changes(
        &mut self,
        hashes: &[ChangeHash],
        code: &str,
        message: &str,
    ) -> Result<usize, Error> {
        let tx = self.conn.transaction()?;
        let mut n = 0;
        for h in hashes {
            n += tx.execute(
                "INSERT OR IGNORE INTO refused (hash, order_id, bytes, code, message)
                 SELECT hash, order_id, bytes, ?2, ?3 FROM outbox WHERE hash = ?1",
                params![h.as_ref(), code, message],
            )?;
            tx.execute("DELETE FROM outbox WHERE hash = ?1", [h.as_ref()])?;
        }
        tx.commit()?;
        Ok(n)
    }

    /// Changes the server refused: (order, hash, code, message).
    pub fn refused_changes(&self) -> Result<Vec<(OrderId, ChangeHash, String, String)>, Error> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT order_id, hash, code, message FROM refused ORDER BY rowid")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get(2)?,
                r.get(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (o, h, c, m) = row?;
            let hash = ChangeHash::try_from(h.as_slice())
                .map_err(|e| Error::Corrupt(format!("refused hash: {e}")))?;
            out.push((o.parse()?, hash, c, m));
        }
        Ok(out)
    }

    /// Removes an order from this device (it left the device's scope). Orders with
    /// changes still waiting for the server are kept until those are acknowledged.
    pub fn remove_order(&mut self, order: OrderId) -> Result<bool, Error> {
        let id = order.to_string();
        let tx = self.conn.transaction()?;
        let waiting: i64 = tx.query_row(
            "SELECT count(*) FROM outbox WHERE order_id = ?1",
            [&id],
            |r| r.get(0),
        )?;
        if waiting > 0 {
            return Ok(false);
        }
        for table in ["snapshots", "chunks", "orders", "cases"] {
            let col = if matches!(table, "orders" | "cases") {
                "id"
            } else {
                "order_id"
            };
            tx.execute(&format!("DELETE FROM {table} WHERE {col} = ?1"), [&id])?;
        }
        tx.commit()?;
        self.cache.remove(&order);
        Ok(true)
    }

    /// Ids of every order held.
    pub fn order_ids(&self) -> Result<Vec<OrderId>, Error> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT order_id FROM snapshots ORDER BY order_id")?;
        let ids = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        ids.iter().map(|s| s.parse()).collect()
    }
}
