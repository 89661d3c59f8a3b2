//! Customers and their links on PostgreSQL (S5, R-CS-CONTACT), as on SQLite.

use async_trait::async_trait;
use baoxiu_sync_core::customer::{Customer, phone_key, unit_key};
use baoxiu_sync_core::{Millis, OfficeId, UserId};

use super::PgStore;
use super::sql::Sql;
use crate::error::{Error, Result};
use crate::store::customer_link::{
    CustomerRows, ItemKind, Link, Seen, Unlinked, backfill, link_by_match, link_new,
};
use crate::store::decode::{from_json, parse, to_json};
use crate::store::{CustomerFilter, CustomerStore, LinkFilter};

/// A backend's statements, as the linker's rows.
pub(super) struct Rows<'a, S: Sql>(pub &'a mut S);

fn customer_row(c: &mut impl Sql, office: &str, id: &str) -> Result<Option<Customer>> {
    c.query_opt(
        "SELECT data FROM customers WHERE id = $1 AND office = $2",
        &[&id, &office],
    )?
    .map(|r| from_json("customer", &r.try_get::<_, String>(0)?))
    .transpose()
}

fn put_customer(c: &mut impl Sql, office: &str, cu: &Customer) -> Result<()> {
    c.execute(
        "INSERT INTO customers (id, office, name, unit, unit_key, key_account, churned_on,
             created_at, data)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, unit = excluded.unit,
             unit_key = excluded.unit_key, key_account = excluded.key_account,
             churned_on = excluded.churned_on, data = excluded.data",
        &[
            &cu.id,
            &office,
            &cu.name,
            &cu.unit,
            &cu.unit_key(),
            &i64::from(cu.key_account),
            &cu.churn.as_ref().map(|ch| ch.on.to_string()),
            &cu.created_at,
            &to_json(cu)?,
        ],
    )?;
    c.execute("DELETE FROM customer_phones WHERE customer = $1", &[&cu.id])?;
    for k in cu.phone_keys() {
        c.execute(
            "INSERT INTO customer_phones (customer, office, phone_key) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
            &[&cu.id, &office, &k],
        )?;
    }
    Ok(())
}

impl<S: Sql> CustomerRows for Rows<'_, S> {
    fn candidates(
        &mut self,
        office: &str,
        unit_key: &str,
        phone_key: &str,
    ) -> Result<Vec<Customer>> {
        self.0
            .query(
                "SELECT data FROM customers WHERE office = $1 AND (unit_key = $2 OR id IN
                     (SELECT customer FROM customer_phones WHERE office = $1 AND phone_key = $3))",
                &[&office, &unit_key, &phone_key],
            )?
            .iter()
            .map(|r| from_json("customer", &r.try_get::<_, String>(0)?))
            .collect()
    }

    fn has_customer(&mut self, office: &str, id: &str) -> Result<bool> {
        Ok(customer_row(self.0, office, id)?.is_some())
    }

    fn insert_customer(&mut self, office: &str, c: &Customer) -> Result<()> {
        put_customer(self.0, office, c)
    }

    fn is_linked(&mut self, kind: ItemKind, item: &str) -> Result<bool> {
        let kind: &str = kind.into();
        Ok(self
            .0
            .query_opt(
                "SELECT 1 FROM customer_links WHERE item_kind = $1 AND item_id = $2",
                &[&kind, &item],
            )?
            .is_some())
    }

    fn put_link(&mut self, office: &str, l: &Link) -> Result<()> {
        let kind: &str = l.kind.into();
        let review: Option<&str> = l.review.map(Into::into);
        self.0.execute(
            "INSERT INTO customer_links (item_kind, item_id, office, customer, review, candidate)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (item_kind, item_id) DO UPDATE SET customer = excluded.customer,
                 review = excluded.review, candidate = excluded.candidate",
            &[&kind, &l.item, &office, &l.customer, &review, &l.candidate],
        )?;
        Ok(())
    }
}

/// Links an order as it is projected (R-CS-CONTACT: whatever door it came through).
pub(super) fn link_order(
    c: &mut impl Sql,
    office: &str,
    order: &str,
    seen: Seen<'_>,
    by: (UserId, Millis),
) -> Result<()> {
    link_by_match(&mut Rows(c), office, (ItemKind::Order, order), seen, by).map(|_| ())
}

/// Links the orders and complaints stored before customers existed; returns how many.
pub(super) fn backfill_links(c: &mut impl Sql) -> Result<usize> {
    let mut unlinked = Vec::new();
    for r in c.query(
        "SELECT office, id, customer_name, unit, phone, created_by, logged_at FROM orders o
         WHERE NOT EXISTS (SELECT 1 FROM customer_links l
                           WHERE l.item_kind = 'order' AND l.item_id = o.id)",
        &[],
    )? {
        let by: String = r.try_get(5)?;
        unlinked.push(Unlinked {
            office: r.try_get(0)?,
            kind: ItemKind::Order,
            item: r.try_get(1)?,
            name: r.try_get(2)?,
            unit: r.try_get(3)?,
            phone: r.try_get(4)?,
            by: parse("user id", &by)?,
            at: r.try_get(6)?,
        });
    }
    for r in c.query(
        "SELECT office, data FROM complaints p
         WHERE NOT EXISTS (SELECT 1 FROM customer_links l
                           WHERE l.item_kind = 'complaint' AND l.item_id = p.id)",
        &[],
    )? {
        let data: String = r.try_get(1)?;
        unlinked.push(Unlinked::complaint(r.try_get(0)?, &data)?);
    }
    backfill(&mut Rows(c), unlinked)
}

#[async_trait]
impl CustomerStore for PgStore {
    async fn add_customer(&self, office: OfficeId, c: Customer) -> Result<()> {
        self.tx(move |tx| put_customer(tx, &office.to_string(), &c))
            .await
    }

    async fn customer(&self, office: OfficeId, id: String) -> Result<Option<Customer>> {
        self.with(move |c| customer_row(c, &office.to_string(), &id))
            .await
    }

    async fn customers(&self, office: OfficeId, f: CustomerFilter) -> Result<Vec<Customer>> {
        self.with(move |c| {
            let pattern = f.search.as_deref().map(|q| {
                let q = unit_key(q).to_lowercase();
                format!(
                    "%{}%",
                    q.replace('\\', "\\\\")
                        .replace('%', "\\%")
                        .replace('_', "\\_")
                )
            });
            let digits = f.search.as_deref().map(phone_key).filter(|d| d.len() >= 3);
            c.query(
                "SELECT data FROM customers c WHERE office = $1
                   AND ($2::BIGINT = 0 OR key_account = 1)
                   AND ($3::TEXT IS NULL
                        OR lower(replace(name, ' ', '')) LIKE $3 ESCAPE '\\'
                        OR lower(unit_key) LIKE $3 ESCAPE '\\'
                        OR ($4::TEXT IS NOT NULL AND EXISTS (SELECT 1 FROM customer_phones p
                             WHERE p.customer = c.id AND p.phone_key LIKE '%' || $4 || '%')))
                 ORDER BY name COLLATE \"C\", id COLLATE \"C\" LIMIT $5",
                &[
                    &office.to_string(),
                    &i64::from(f.key_accounts),
                    &pattern,
                    &digits,
                    &i64::from(f.limit),
                ],
            )?
            .iter()
            .map(|r| from_json("customer", &r.try_get::<_, String>(0)?))
            .collect()
        })
        .await
    }

    async fn save_customer(&self, office: OfficeId, cu: Customer) -> Result<()> {
        self.tx(move |tx| {
            let office = office.to_string();
            if customer_row(tx, &office, &cu.id)?.is_none() {
                return Err(Error::NotFound(format!("customer {}", cu.id)));
            }
            put_customer(tx, &office, &cu)
        })
        .await
    }

    async fn links(&self, office: OfficeId, f: LinkFilter) -> Result<Vec<Link>> {
        self.with(move |c| {
            let kind: Option<&str> = f.kind.map(Into::into);
            // Named items are looked up by their index; an `OR` beside it would scan.
            let items_only = if f.items.is_empty() {
                "cardinality($6::TEXT[]) = 0"
            } else {
                "item_id = ANY($6)"
            };
            c.query(
                &format!(
                    "SELECT item_kind, item_id, customer, review, candidate FROM customer_links
                     WHERE office = $1 AND ($2::TEXT IS NULL OR customer = $2)
                       AND ($3::TEXT IS NULL OR item_kind = $3)
                       AND ($4::BIGINT = 0 OR review IS NOT NULL)
                       AND {items_only}
                     ORDER BY item_kind, item_id COLLATE \"C\" LIMIT $5"
                ),
                &[
                    &office.to_string(),
                    &f.customer,
                    &kind,
                    &i64::from(f.review_only),
                    &f.limit.map(i64::from),
                    &f.items,
                ],
            )?
            .iter()
            .map(|r| {
                let kind: String = r.try_get(0)?;
                let review: Option<String> = r.try_get(3)?;
                Ok(Link {
                    kind: parse("link kind", &kind)?,
                    item: r.try_get(1)?,
                    customer: r.try_get(2)?,
                    review: review.map(|d| parse("link review", &d)).transpose()?,
                    candidate: r.try_get(4)?,
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
        self.with(move |c| {
            c.query(
                "SELECT id, customer_name, unit, phone FROM orders
                 WHERE office = $1 AND id = ANY($2)",
                &[&office.to_string(), &ids],
            )?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
            .collect()
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
        self.tx(move |tx| {
            let office = office.to_string();
            if customer_row(tx, &office, &customer)?.is_none() {
                return Err(Error::NotFound(format!("customer {customer}")));
            }
            let table = kind.table();
            let found = tx.query_opt(
                &format!("SELECT 1 FROM {table} WHERE id = $1 AND office = $2"),
                &[&item, &office],
            )?;
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
            Rows(tx).put_link(&office, &link)
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
        self.tx(move |tx| {
            let seen = Seen {
                name: &name,
                unit: &unit,
                phone: &phone,
            };
            let office = office.to_string();
            link_new(
                &mut Rows(tx),
                &office,
                (kind, &item),
                seen,
                chosen.as_deref(),
                by,
            )
        })
        .await
    }
}
