//! Offices, people and devices on SQLite.

use std::collections::HashMap;

use async_trait::async_trait;
use baoxiu_sync_core::{DeviceId, Millis, Office, OfficeId, Person, UserId};
use rusqlite::{Connection, OptionalExtension, params};

use super::{SqliteStore, parse, to_json};
use crate::error::{Error, Result};
use crate::store::decode::{PERSON_COLUMNS, PersonRow, to_person};
use crate::store::{ConsoleSession, DeviceSync, DirectoryStore};

fn person_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PersonRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

/// A person by id, in the caller's transaction (the writer's validation reads it).
pub(super) fn person_of(c: &Connection, id: UserId) -> Result<Option<Person>> {
    c.query_row(
        &format!("SELECT {PERSON_COLUMNS} FROM users WHERE id = ?1"),
        [id.to_string()],
        person_row,
    )
    .optional()?
    .map(to_person)
    .transpose()
}

fn office_of(c: &Connection, id: OfficeId) -> Result<Option<Office>> {
    let row: Option<(String, String, String)> = c
        .query_row(
            "SELECT name, time_zone, currency FROM offices WHERE id = ?1",
            [id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    Ok(row.map(|(name, time_zone, currency)| Office {
        id,
        name,
        time_zone,
        currency,
    }))
}

/// The office, or not found.
pub(super) fn office_or_404(c: &Connection, id: OfficeId) -> Result<Office> {
    office_of(c, id)?.ok_or_else(|| Error::NotFound(format!("office {id}")))
}

#[async_trait]
impl DirectoryStore for SqliteStore {
    async fn upsert_office(&self, office: Office) -> Result<()> {
        self.exec(move |tx| {
            tx.execute(
                "INSERT INTO offices (id, name, time_zone, currency) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name,
                     time_zone = excluded.time_zone, currency = excluded.currency",
                params![
                    office.id.to_string(),
                    office.name,
                    office.time_zone,
                    office.currency
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn office(&self, id: OfficeId) -> Result<Option<Office>> {
        self.read(move |_, c| office_of(c, id)).await
    }

    async fn offices(&self) -> Result<Vec<Office>> {
        self.read(|_, c| {
            let mut stmt =
                c.prepare_cached("SELECT id, name, time_zone, currency FROM offices ORDER BY id")?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(id, name, time_zone, currency)| {
                    Ok(Office {
                        id: parse("office id", &id)?,
                        name,
                        time_zone,
                        currency,
                    })
                })
                .collect()
        })
        .await
    }

    async fn upsert_user(&self, p: Person) -> Result<()> {
        let specialties = to_json(&p.specialties)?;
        self.exec(move |tx| {
            tx.execute(
                "INSERT INTO users (id, office, name, role, specialties, zone, token_version, active)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (id) DO UPDATE SET office = excluded.office, name = excluded.name,
                     role = excluded.role, specialties = excluded.specialties,
                     zone = excluded.zone, token_version = excluded.token_version,
                     active = excluded.active",
                params![
                    p.id.to_string(),
                    p.office.to_string(),
                    p.name,
                    p.role.as_str(),
                    specialties,
                    p.zone,
                    i64::from(p.token_version),
                    p.active,
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn user(&self, id: UserId) -> Result<Option<Person>> {
        self.read(move |_, c| {
            let row = c
                .query_row(
                    &format!("SELECT {PERSON_COLUMNS} FROM users WHERE id = ?1"),
                    [id.to_string()],
                    person_row,
                )
                .optional()?;
            row.map(to_person).transpose()
        })
        .await
    }

    async fn users(&self, office: OfficeId) -> Result<Vec<Person>> {
        self.read(move |_, c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {PERSON_COLUMNS} FROM users WHERE office = ?1 ORDER BY role, name"
            ))?;
            let rows = stmt
                .query_map([office.to_string()], person_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter().map(to_person).collect()
        })
        .await
    }

    async fn technician_load(&self, office: OfficeId) -> Result<HashMap<UserId, u32>> {
        self.read(move |_, c| {
            let mut stmt = c.prepare_cached(
                "SELECT t.user_id, count(*) FROM order_technicians t
                 JOIN orders o ON o.id = t.order_id
                 WHERE o.office = ?1
                   AND o.status IN ('assigned', 'scheduled', 'on_site', 'in_progress')
                 GROUP BY t.user_id",
            )?;
            let rows = stmt
                .query_map([office.to_string()], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(u, n)| Ok((parse("user id", &u)?, u32::try_from(n).unwrap_or(u32::MAX))))
                .collect()
        })
        .await
    }

    async fn insert_console_session(&self, s: ConsoleSession) -> Result<()> {
        self.exec(move |c| {
            c.execute(
                "INSERT INTO console_sessions (hash, user_id, token_version, created_at,
                                               expires_at, revoked_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    s.hash,
                    s.user.to_string(),
                    s.token_version,
                    s.created_at,
                    s.expires_at,
                    s.revoked_at
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn console_session(&self, hash: String) -> Result<Option<ConsoleSession>> {
        let key = hash.clone();
        let row: Option<(String, u32, i64, i64, Option<i64>)> = self
            .read(move |_, c| {
                Ok(c.query_row(
                    "SELECT user_id, token_version, created_at, expires_at, revoked_at
                     FROM console_sessions WHERE hash = ?1",
                    [&hash],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()?)
            })
            .await?;
        let Some((user, token_version, created_at, expires_at, revoked_at)) = row else {
            return Ok(None);
        };
        Ok(Some(ConsoleSession {
            hash: key,
            user: parse("user id", &user)?,
            token_version,
            created_at,
            expires_at,
            revoked_at,
        }))
    }

    async fn revoke_console_session(&self, hash: String, at: Millis) -> Result<()> {
        self.exec(move |c| {
            c.execute(
                "UPDATE console_sessions SET revoked_at = ?2
                 WHERE hash = ?1 AND revoked_at IS NULL",
                params![hash, at],
            )?;
            Ok(())
        })
        .await
    }

    async fn register_device(&self, user: UserId, device: DeviceId) -> Result<()> {
        let taken = || Error::Forbidden("this device is registered to another user".into());
        let bound: Option<String> = self
            .read(move |_, c| {
                Ok(c.query_row(
                    "SELECT user_id FROM devices WHERE id = ?1",
                    [device.to_string()],
                    |r| r.get(0),
                )
                .optional()?)
            })
            .await?;
        match bound {
            Some(u) if u == user.to_string() => Ok(()),
            Some(_) => Err(taken()),
            None => {
                self.exec(move |tx| {
                    let n = tx.execute(
                        "INSERT OR IGNORE INTO devices (id, user_id) VALUES (?1, ?2)",
                        params![device.to_string(), user.to_string()],
                    )?;
                    if n == 0 {
                        let owner: String = tx.query_row(
                            "SELECT user_id FROM devices WHERE id = ?1",
                            [device.to_string()],
                            |r| r.get(0),
                        )?;
                        if owner != user.to_string() {
                            return Err(taken());
                        }
                    }
                    Ok(())
                })
                .await
            }
        }
    }

    async fn device_syncs(&self, office: OfficeId) -> Result<Vec<DeviceSync>> {
        self.read(move |_, c| {
            let mut stmt = c.prepare_cached(
                "SELECT d.user_id, d.id, d.last_sync FROM devices d
                 JOIN users u ON u.id = d.user_id
                 WHERE u.office = ?1 ORDER BY d.user_id",
            )?;
            let rows = stmt
                .query_map([office.to_string()], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<i64>>(2)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(u, d, t)| {
                    Ok(DeviceSync {
                        user: parse("user id", &u)?,
                        device: parse("device id", &d)?,
                        last_sync: t,
                    })
                })
                .collect()
        })
        .await
    }
}
