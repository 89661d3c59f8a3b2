//! The front door's log on SQLite (R-CS-CONTACT).

use async_trait::async_trait;
use baoxiu_sync_core::OfficeId;
use baoxiu_sync_core::contact::{Contact, Outcome};
use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use crate::error::{Error, Result};
use crate::store::customer_link::link_contact;
use crate::store::decode::{from_json, to_json};
use crate::store::{ContactFilter, ContactStore};

fn load(c: &Connection, office: &str, id: &str) -> Result<Option<Contact>> {
    c.query_row(
        "SELECT data FROM contacts WHERE id = ?1 AND office = ?2",
        params![id, office],
        |r| r.get::<_, String>(0),
    )
    .optional()?
    .map(|d| from_json("contact", &d))
    .transpose()
}

fn save(c: &Connection, office: &str, x: &Contact) -> Result<()> {
    let kind: &str = x.kind.into();
    c.execute(
        "INSERT INTO contacts (id, office, kind, status, received_at, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, data = excluded.data",
        params![x.id, office, kind, x.status(), x.received_at, to_json(x)?],
    )?;
    Ok(())
}

#[async_trait]
impl ContactStore for SqliteStore {
    async fn add_contact(
        &self,
        office: OfficeId,
        contact: Contact,
        chosen: Option<String>,
    ) -> Result<Option<String>> {
        self.exec(move |mut c| {
            let office = office.to_string();
            save(c, &office, &contact)?;
            link_contact(&mut c, &office, &contact, chosen.as_deref())
        })
        .await
    }

    async fn contact(&self, office: OfficeId, id: String) -> Result<Option<Contact>> {
        self.read(move |_, c| load(c, &office.to_string(), &id))
            .await
    }

    async fn contacts(&self, office: OfficeId, f: ContactFilter) -> Result<Vec<Contact>> {
        self.read(move |_, c| {
            let kind: Option<&str> = f.kind.map(Into::into);
            let mut stmt = c.prepare(
                "SELECT data FROM contacts WHERE office = ?1
                   AND (?2 IS NULL OR received_at >= ?2) AND (?3 IS NULL OR received_at < ?3)
                   AND (?4 IS NULL OR kind = ?4) AND (?5 IS NULL OR status = ?5)
                   AND (?6 = 1 OR kind <> 'whistleblowing')
                   AND (?7 = '[]' OR id IN (SELECT value FROM json_each(?7)))
                 ORDER BY received_at DESC, id DESC LIMIT ?8",
            )?;
            let rows = stmt.query_map(
                params![
                    office.to_string(),
                    f.from,
                    f.to,
                    kind,
                    f.status,
                    f.whistleblowing,
                    to_json(&f.ids)?,
                    i64::from(f.limit)
                ],
                |r| r.get::<_, String>(0),
            )?;
            rows.map(|d| from_json("contact", &d?)).collect()
        })
        .await
    }

    async fn conclude_contact(
        &self,
        office: OfficeId,
        id: String,
        outcome: Outcome,
    ) -> Result<Contact> {
        self.exec(move |c| {
            let office = office.to_string();
            let mut x =
                load(c, &office, &id)?.ok_or_else(|| Error::NotFound(format!("contact {id}")))?;
            x.conclude(outcome)?;
            save(c, &office, &x)?;
            Ok(x)
        })
        .await
    }
}
