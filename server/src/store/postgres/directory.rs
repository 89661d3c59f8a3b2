//! Offices, people and devices on PostgreSQL.

use std::collections::HashMap;

use super::sql::Sql;
use async_trait::async_trait;
use baoxiu_sync_core::{DeviceId, Millis, Office, OfficeId, Person, UserId};

use super::PgStore;
use crate::error::{Error, Result};
use crate::store::decode::{PERSON_COLUMNS, PersonRow, parse, to_json, to_person};
use crate::store::{ConsoleSession, DeviceSync, DirectoryStore};

fn person_row(r: &postgres::Row) -> Result<PersonRow> {
    Ok((
        r.try_get(0)?,
        r.try_get(1)?,
        r.try_get(2)?,
        r.try_get(3)?,
        r.try_get(4)?,
        r.try_get(5)?,
        r.try_get(6)?,
        r.try_get::<_, i64>(7)? == 1,
    ))
}

/// The office, or not found.
pub(super) fn office_or_404(c: &mut impl Sql, id: OfficeId) -> Result<Office> {
    let row = c.query_opt(
        "SELECT name, time_zone, currency FROM offices WHERE id = $1",
        &[&id.to_string()],
    )?;
    let r = row.ok_or_else(|| Error::NotFound(format!("office {id}")))?;
    Ok(Office {
        id,
        name: r.try_get(0)?,
        time_zone: r.try_get(1)?,
        currency: r.try_get(2)?,
    })
}

#[async_trait]
impl DirectoryStore for PgStore {
    async fn upsert_office(&self, office: Office) -> Result<()> {
        self.tx(move |tx| {
            tx.execute(
                "INSERT INTO offices (id, name, time_zone, currency) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name,
                     time_zone = excluded.time_zone, currency = excluded.currency",
                &[
                    &office.id.to_string(),
                    &office.name,
                    &office.time_zone,
                    &office.currency,
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn office(&self, id: OfficeId) -> Result<Option<Office>> {
        self.with(move |c| match office_or_404(c, id) {
            Ok(o) => Ok(Some(o)),
            Err(Error::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        })
        .await
    }

    async fn offices(&self) -> Result<Vec<Office>> {
        self.with(|c| {
            c.query(
                "SELECT id, name, time_zone, currency FROM offices ORDER BY id COLLATE \"C\"",
                &[],
            )?
            .iter()
            .map(|r| {
                Ok(Office {
                    id: parse("office id", &r.try_get::<_, String>(0)?)?,
                    name: r.try_get(1)?,
                    time_zone: r.try_get(2)?,
                    currency: r.try_get(3)?,
                })
            })
            .collect()
        })
        .await
    }

    async fn upsert_user(&self, p: Person) -> Result<()> {
        let specialties = to_json(&p.specialties)?;
        self.tx(move |tx| {
            tx.execute(
                "INSERT INTO users (id, office, name, role, specialties, zone, token_version, active)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (id) DO UPDATE SET office = excluded.office, name = excluded.name,
                     role = excluded.role, specialties = excluded.specialties,
                     zone = excluded.zone, token_version = excluded.token_version,
                     active = excluded.active",
                &[
                    &p.id.to_string(),
                    &p.office.to_string(),
                    &p.name,
                    &p.role.as_str(),
                    &specialties,
                    &p.zone,
                    &i64::from(p.token_version),
                    &i64::from(p.active),
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn user(&self, id: UserId) -> Result<Option<Person>> {
        self.with(move |c| {
            c.query_opt(
                &format!("SELECT {PERSON_COLUMNS} FROM users WHERE id = $1"),
                &[&id.to_string()],
            )?
            .map(|r| to_person(person_row(&r)?))
            .transpose()
        })
        .await
    }

    async fn users(&self, office: OfficeId) -> Result<Vec<Person>> {
        self.with(move |c| {
            c.query(
                &format!(
                    "SELECT {PERSON_COLUMNS} FROM users WHERE office = $1
                     ORDER BY role COLLATE \"C\", name COLLATE \"C\""
                ),
                &[&office.to_string()],
            )?
            .iter()
            .map(|r| to_person(person_row(r)?))
            .collect()
        })
        .await
    }

    async fn technician_load(&self, office: OfficeId) -> Result<HashMap<UserId, u32>> {
        self.with(move |c| {
            c.query(
                "SELECT t.user_id, count(*) FROM order_technicians t
                 JOIN orders o ON o.id = t.order_id
                 WHERE o.office = $1
                   AND o.status IN ('assigned', 'scheduled', 'on_site', 'in_progress')
                 GROUP BY t.user_id",
                &[&office.to_string()],
            )?
            .iter()
            .map(|r| {
                let n: i64 = r.try_get(1)?;
                Ok((
                    parse("user id", &r.try_get::<_, String>(0)?)?,
                    u32::try_from(n).unwrap_or(u32::MAX),
                ))
            })
            .collect()
        })
        .await
    }

    async fn insert_console_session(&self, s: ConsoleSession) -> Result<()> {
        self.tx(move |tx| {
            tx.execute(
                "INSERT INTO console_sessions (hash, user_id, token_version, created_at,
                                               expires_at, revoked_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &s.hash,
                    &s.user.to_string(),
                    &i64::from(s.token_version),
                    &s.created_at,
                    &s.expires_at,
                    &s.revoked_at,
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn console_session(&self, hash: String) -> Result<Option<ConsoleSession>> {
        let key = hash.clone();
        self.with(move |c| {
            let Some(r) = c.query_opt(
                "SELECT user_id, token_version, created_at, expires_at, revoked_at
                 FROM console_sessions WHERE hash = $1",
                &[&hash],
            )?
            else {
                return Ok(None);
            };
            let version: i64 = r.try_get(1)?;
            Ok(Some(ConsoleSession {
                hash: key,
                user: parse("user id", &r.try_get::<_, String>(0)?)?,
                token_version: u32::try_from(version)
                    .map_err(|_| Error::Corrupt(format!("session token version {version}")))?,
                created_at: r.try_get(2)?,
                expires_at: r.try_get(3)?,
                revoked_at: r.try_get(4)?,
            }))
        })
        .await
    }

    async fn revoke_console_session(&self, hash: String, at: Millis) -> Result<()> {
        self.tx(move |tx| {
            tx.execute(
                "UPDATE console_sessions SET revoked_at = $2
                 WHERE hash = $1 AND revoked_at IS NULL",
                &[&hash, &at],
            )?;
            Ok(())
        })
        .await
    }

    async fn register_device(&self, user: UserId, device: DeviceId) -> Result<()> {
        // Known already (every reconnect): a read, no commit.
        let bound: Option<String> = self
            .with(move |c| {
                Ok(c.query_opt(
                    "SELECT user_id FROM devices WHERE id = $1",
                    &[&device.to_string()],
                )?
                .map(|r| r.try_get(0))
                .transpose()?)
            })
            .await?;
        match bound {
            Some(u) if u == user.to_string() => return Ok(()),
            Some(_) => {
                return Err(Error::Forbidden(
                    "this device is registered to another user".into(),
                ));
            }
            None => {}
        }
        self.tx(move |tx| {
            // Two nodes binding the same new device at once: one insert wins, the other
            // reads the winner's row.
            tx.execute(
                "INSERT INTO devices (id, user_id) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
                &[&device.to_string(), &user.to_string()],
            )?;
            let owner: String = tx
                .query_one(
                    "SELECT user_id FROM devices WHERE id = $1",
                    &[&device.to_string()],
                )?
                .try_get(0)?;
            if owner != user.to_string() {
                return Err(Error::Forbidden(
                    "this device is registered to another user".into(),
                ));
            }
            Ok(())
        })
        .await
    }

    async fn device_syncs(&self, office: OfficeId) -> Result<Vec<DeviceSync>> {
        self.with(move |c| {
            c.query(
                "SELECT d.user_id, d.id, d.last_sync FROM devices d
                 JOIN users u ON u.id = d.user_id
                 WHERE u.office = $1 ORDER BY d.user_id COLLATE \"C\"",
                &[&office.to_string()],
            )?
            .iter()
            .map(|r| {
                Ok(DeviceSync {
                    user: parse("user id", &r.try_get::<_, String>(0)?)?,
                    device: parse("device id", &r.try_get::<_, String>(1)?)?,
                    last_sync: r.try_get(2)?,
                })
            })
            .collect()
        })
        .await
    }
}
