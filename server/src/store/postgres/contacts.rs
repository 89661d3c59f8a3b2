//! The front door's log on PostgreSQL (R-CS-CONTACT), as on SQLite. Concluding a contact
//! reads it `FOR UPDATE`: two people converting it at once take turns, and the second is
//! told it became something already.

use async_trait::async_trait;
use baoxiu_sync_core::OfficeId;
use baoxiu_sync_core::contact::{Contact, Outcome};

use super::PgStore;
use super::customers::Rows;
use super::sql::Sql;
use crate::error::{Error, Result};
use crate::store::customer_link::link_contact;
use crate::store::decode::{from_json, to_json};
use crate::store::{ContactFilter, ContactStore};

fn load(c: &mut impl Sql, office: &str, id: &str, lock: bool) -> Result<Option<Contact>> {
    let sql = if lock {
        "SELECT data FROM contacts WHERE id = $1 AND office = $2 FOR UPDATE"
    } else {
        "SELECT data FROM contacts WHERE id = $1 AND office = $2"
    };
    c.query_opt(sql, &[&id, &office])?
        .map(|r| from_json("contact", &r.try_get::<_, String>(0)?))
        .transpose()
}

fn save(c: &mut impl Sql, office: &str, x: &Contact) -> Result<()> {
    let kind: &str = x.kind.into();
    c.execute(
        "INSERT INTO contacts (id, office, kind, status, received_at, data)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, data = excluded.data",
        &[
            &x.id,
            &office,
            &kind,
            &x.status(),
            &x.received_at,
            &to_json(x)?,
        ],
    )?;
    Ok(())
}

#[async_trait]
impl ContactStore for PgStore {
    async fn add_contact(
        &self,
        office: OfficeId,
        contact: Contact,
        chosen: Option<String>,
    ) -> Result<Option<String>> {
        self.tx(move |tx| {
            let office = office.to_string();
            save(tx, &office, &contact)?;
            link_contact(&mut Rows(tx), &office, &contact, chosen.as_deref())
        })
        .await
    }

    async fn contact(&self, office: OfficeId, id: String) -> Result<Option<Contact>> {
        self.with(move |c| load(c, &office.to_string(), &id, false))
            .await
    }

    async fn contacts(&self, office: OfficeId, f: ContactFilter) -> Result<Vec<Contact>> {
        self.with(move |c| {
            let kind: Option<&str> = f.kind.map(Into::into);
            c.query(
                "SELECT data FROM contacts WHERE office = $1
                   AND ($2::BIGINT IS NULL OR received_at >= $2)
                   AND ($3::BIGINT IS NULL OR received_at < $3)
                   AND ($4::TEXT IS NULL OR kind = $4) AND ($5::TEXT IS NULL OR status = $5)
                   AND ($6::BIGINT = 1 OR kind <> 'whistleblowing')
                   AND (cardinality($7::TEXT[]) = 0 OR id = ANY($7))
                 ORDER BY received_at DESC, id COLLATE \"C\" DESC LIMIT $8",
                &[
                    &office.to_string(),
                    &f.from,
                    &f.to,
                    &kind,
                    &f.status,
                    &i64::from(f.whistleblowing),
                    &f.ids,
                    &i64::from(f.limit),
                ],
            )?
            .iter()
            .map(|r| from_json("contact", &r.try_get::<_, String>(0)?))
            .collect()
        })
        .await
    }

    async fn conclude_contact(
        &self,
        office: OfficeId,
        id: String,
        outcome: Outcome,
    ) -> Result<Contact> {
        self.tx(move |tx| {
            let office = office.to_string();
            let mut x = load(tx, &office, &id, true)?
                .ok_or_else(|| Error::NotFound(format!("contact {id}")))?;
            x.conclude(outcome)?;
            save(tx, &office, &x)?;
            Ok(x)
        })
        .await
    }
}
