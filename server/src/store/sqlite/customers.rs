//! Customers and their links on SQLite (S5, R-CS-CONTACT).

use async_trait::async_trait;
use baoxiu_sync_core::customer::{Customer, phone_key};
use baoxiu_sync_core::{Millis, OfficeId, UserId};
use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use crate::error::{Error, Result};
use crate::store::customer_link::{
    CustomerRows, ItemKind, Link, Seen, Unlinked, backfill, link_by_match, link_new,
};
use crate::store::decode::{from_json, parse, to_json};
use crate::store::{CustomerFilter, CustomerStore, LinkFilter};

fn customer_row(c: &Connection, office: &str, id: &str) -> Result<Option<Customer>> {
    c.query_row(
        "SELECT data FROM customers WHERE id = ?1 AND office = ?2",
        params![id, office],
        |r| r.get::<_, String>(0),
    )
    .optional()?
    .map(|d| from_json("customer", &d))
    .transpose()
}

/// Writes the customer's row and phone keys (insert or replace).
fn put_customer(c: &Connection, office: &str, cu: &Customer) -> Result<()> {
    c.execute(
        "INSERT INTO customers (id, office, name, unit, unit_key, key_account, churned_on,
             created_at, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, unit = excluded.unit,
             unit_key = excluded.unit_key, key_account = excluded.key_account,
             churned_on = excluded.churned_on, data = excluded.data",
        params![
            cu.id,
            office,
            cu.name,
            cu.unit,
            cu.unit_key(),
            cu.key_account,
            cu.churn.as_ref().map(|ch| ch.on.to_string()),
            cu.created_at,
            to_json(cu)?,
        ],
    )?;
    c.execute("DELETE FROM customer_phones WHERE customer = ?1", [&cu.id])?;
    for k in cu.phone_keys() {
        c.execute(
            "INSERT OR IGNORE INTO customer_phones (customer, office, phone_key)
             VALUES (?1, ?2, ?3)",
            params![cu.id, office, k],
        )?;
    }
    Ok(())
}

impl CustomerRows for &Connection {
    fn candidates(
        &mut self,
        office: &str,
        unit_key: &str,
        phone_key: &str,
    ) -> Result<Vec<Customer>> {
        let mut stmt = self.prepare_cached(
            "SELECT data FROM customers WHERE office = ?1 AND (unit_key = ?2 OR id IN
                 (SELECT customer FROM customer_phones WHERE office = ?1 AND phone_key = ?3))",
        )?;
        let rows = stmt.query_map(params![office, unit_key, phone_key], |r| {
            r.get::<_, String>(0)
        })?;
        rows.map(|d| from_json("customer", &d?)).collect()
    }

    fn has_customer(&mut self, office: &str, id: &str) -> Result<bool> {
        Ok(customer_row(self, office, id)?.is_some())
    }

    fn insert_customer(&mut self, office: &str, c: &Customer) -> Result<()> {
        put_customer(self, office, c)
    }

    fn is_linked(&mut self, kind: ItemKind, item: &str) -> Result<bool> {
        let kind: &str = kind.into();
        Ok(self
            .prepare_cached("SELECT 1 FROM customer_links WHERE item_kind = ?1 AND item_id = ?2")?
            .query_row(params![kind, item], |_| Ok(()))
            .optional()?
            .is_some())
    }

    fn put_link(&mut self, office: &str, l: &Link) -> Result<()> {
        let kind: &str = l.kind.into();
        let review: Option<&str> = l.review.map(Into::into);
        self.prepare_cached(
            "INSERT INTO customer_links (item_kind, item_id, office, customer, review, candidate)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (item_kind, item_id) DO UPDATE SET customer = excluded.customer,
                 review = excluded.review, candidate = excluded.candidate",
        )?
        .execute(params![
            kind,
            l.item,
            office,
            l.customer,
            review,
            l.candidate
        ])?;
        Ok(())
    }
}

/// Links an order as it is projected (R-CS-CONTACT: whatever door it came through).
pub(super) fn link_order(
    mut c: &Connection,
    office: &str,
    order: &str,
    seen: Seen<'_>,
    by: (UserId, Millis),
) -> Result<()> {
    link_by_match(&mut c, office, (ItemKind::Order, order), seen, by).map(|_| ())
}

/// Links the orders and complaints stored before customers existed; returns how many.
pub(super) fn backfill_links(mut c: &Connection) -> Result<usize> {
    let mut unlinked = Vec::new();
    let mut stmt = c.prepare(
        "SELECT office, id, customer_name, unit, phone, created_by, logged_at FROM orders o
         WHERE NOT EXISTS (SELECT 1 FROM customer_links l
                           WHERE l.item_kind = 'order' AND l.item_id = o.id)",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, i64>(6)?,
        ))
    })?;
    for r in rows {
        let (office, item, name, unit, phone, by, at) = r?;
        unlinked.push(Unlinked {
            office,
            kind: ItemKind::Order,
            item,
            name,
            unit,
            phone,
            by: parse("user id", &by)?,
            at,
        });
    }
    let mut stmt = c.prepare(
        "SELECT office, data FROM complaints p
         WHERE NOT EXISTS (SELECT 1 FROM customer_links l
                           WHERE l.item_kind = 'complaint' AND l.item_id = p.id)",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for r in rows {
        let (office, data) = r?;
        unlinked.push(Unlinked::complaint(office, &data)?);
    }
    backfill(&mut c, unlinked)
}

#[async_trait]
impl CustomerStore for SqliteStore {
    async fn add_customer(&self, office: OfficeId, c: Customer) -> Result<()> {
        self.exec(move |tx| put_customer(tx, &office.to_string(), &c))
            .await
    }

    async fn customer(&self, office: OfficeId, id: String) -> Result<Option<Customer>> {
        self.read(move |_, c| customer_row(c, &office.to_string(), &id))
            .await
    }

    async fn customers(&self, office: OfficeId, f: CustomerFilter) -> Result<Vec<Customer>> {
        self.read(move |_, c| {
            let pattern = f.search.as_deref().map(|q| {
                let q = baoxiu_sync_core::customer::unit_key(q).to_lowercase();
                format!(
                    "%{}%",
                    q.replace('\\', "\\\\")
                        .replace('%', "\\%")
                        .replace('_', "\\_")
                )
            });
            let digits = f.search.as_deref().map(phone_key).filter(|d| d.len() >= 3);
            let mut stmt = c.prepare(
                "SELECT data FROM customers c WHERE office = ?1
                   AND (?2 = 0 OR key_account = 1)
                   AND (?3 IS NULL
                        OR lower(replace(name, ' ', '')) LIKE ?3 ESCAPE '\\'
                        OR lower(unit_key) LIKE ?3 ESCAPE '\\'
                        OR (?4 IS NOT NULL AND EXISTS (SELECT 1 FROM customer_phones p
                             WHERE p.customer = c.id AND p.phone_key LIKE '%' || ?4 || '%')))
                 ORDER BY name, id LIMIT ?5",
            )?;
            let rows = stmt.query_map(
                params![
                    office.to_string(),
                    f.key_accounts,
                    pattern,
                    digits,
                    i64::from(f.limit)
                ],
                |r| r.get::<_, String>(0),
            )?;
            rows.map(|d| from_json("customer", &d?)).collect()
        })
        .await
    }

    async fn save_customer(&self, office: OfficeId, cu: Customer) -> Result<()> {
        self.exec(move |c| {
            let office = office.to_string();
            if customer_row(c, &office, &cu.id)?.is_none() {
                return Err(Error::NotFound(format!("customer {}", cu.id)));
            }
            put_customer(c, &office, &cu)
        })
        .await
    }

    async fn links(&self, office: OfficeId, f: LinkFilter) -> Result<Vec<Link>> {
        self.read(move |_, c| {
            let kind: Option<&str> = f.kind.map(Into::into);
            // Named items are looked up by their index; an `OR` beside it would scan.
            let items_only = if f.items.is_empty() {
                "?6 = '[]'"
            } else {
                "item_id IN (SELECT value FROM json_each(?6))"
            };
            let mut stmt = c.prepare(&format!(
                "SELECT item_kind, item_id, customer, review, candidate FROM customer_links
                 WHERE office = ?1 AND (?2 IS NULL OR customer = ?2)
                   AND (?3 IS NULL OR item_kind = ?3) AND (?4 = 0 OR review IS NOT NULL)
                   AND {items_only}
                 ORDER BY item_kind, item_id LIMIT ?5"
            ))?;
            let limit = f.limit.map_or(-1, i64::from);
            let items = to_json(&f.items)?;
            let rows = stmt.query_map(
                params![
                    office.to_string(),
                    f.customer,
                    kind,
                    f.review_only,
                    limit,
                    items
                ],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, Option<String>>(4)?,
                    ))
                },
            )?;
            rows.map(|r| {
                let (kind, item, customer, review, candidate) = r?;
                Ok(Link {
                    kind: parse("link kind", &kind)?,
                    item,
                    customer,
                    review: review.map(|d| parse("link review", &d)).transpose()?,
                    candidate,
                })
            })
            .collect()
        })
        .await
    }

    async fn order_parties(
        &self,
        office: OfficeId,
        ids: Vec<String>,
    ) -> Result<Vec<(String, String, String, String)>> {
        self.read(move |_, c| {
            let mut stmt = c.prepare(
                "SELECT id, customer_name, unit, phone FROM orders
                 WHERE office = ?1 AND id IN (SELECT value FROM json_each(?2))",
            )?;
            let rows = stmt.query_map(params![office.to_string(), to_json(&ids)?], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
        .await
    }

    async fn set_link(
        &self,
        office: OfficeId,
        kind: ItemKind,
        item: String,
        customer: String,
    ) -> Result<()> {
        self.exec(move |mut c| {
            let office = office.to_string();
            if customer_row(c, &office, &customer)?.is_none() {
                return Err(Error::NotFound(format!("customer {customer}")));
            }
            let table = kind.table();
            let found = c
                .query_row(
                    &format!("SELECT 1 FROM {table} WHERE id = ?1 AND office = ?2"),
                    params![item, office],
                    |_| Ok(()),
                )
                .optional()?;
            if found.is_none() {
                let kind: &str = kind.into();
                return Err(Error::NotFound(format!("{kind} {item}")));
            }
            let link = Link {
                kind,
                item,
                customer,
                review: None,
                candidate: None,
            };
            c.put_link(&office, &link)
        })
        .await
    }

    async fn link_item(
        &self,
        office: OfficeId,
        (kind, item): (ItemKind, String),
        (name, unit, phone): (String, String, String),
        chosen: Option<String>,
        by: (UserId, Millis),
    ) -> Result<String> {
        self.exec(move |mut c| {
            let seen = Seen {
                name: &name,
                unit: &unit,
                phone: &phone,
            };
            let office = office.to_string();
            link_new(&mut c, &office, (kind, &item), seen, chosen.as_deref(), by)
        })
        .await
    }
}
