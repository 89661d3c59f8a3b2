//! Linking orders, complaints and contacts to customers (S5, R-CS-CONTACT), the same for
//! every backend: each backend gives the few row operations ([`CustomerRows`]) inside its
//! transaction, and this decides. An order is linked when it is first projected, whatever
//! door it came through; orders and complaints stored before customers existed are linked
//! at start ([`backfill`]), in the order they were logged.

use baoxiu_sync_core::complaint::Complaint;
use baoxiu_sync_core::contact::{Contact, ContactKind};
use baoxiu_sync_core::customer::{Customer, Doubt, Match, match_customer, phone_key, unit_key};
use baoxiu_sync_core::{Millis, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::decode::from_json;
use crate::error::{Error, Result};

/// What a customer link points at.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
// Named apart from the vehicle repair's `ItemKind` in the API document.
#[schema(as = CustomerItemKind)]
pub enum ItemKind {
    Order,
    Complaint,
    Contact,
}

impl ItemKind {
    /// The table the linked items live in (every backend names them alike).
    pub(crate) fn table(self) -> &'static str {
        match self {
            ItemKind::Order => "orders",
            ItemKind::Complaint => "complaints",
            ItemKind::Contact => "contacts",
        }
    }
}

/// One order, complaint or contact's link to its customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub kind: ItemKind,
    pub item: String,
    pub customer: String,
    /// Why a person should look at it; None once linked for sure.
    pub review: Option<Doubt>,
    /// The customer it may really be, while in review.
    pub candidate: Option<String>,
}

/// The row operations a backend gives the linker, inside one transaction.
pub(crate) trait CustomerRows {
    /// The office's customers sharing the unit key or the phone key.
    fn candidates(
        &mut self,
        office: &str,
        unit_key: &str,
        phone_key: &str,
    ) -> Result<Vec<Customer>>;
    /// Whether the office has the customer.
    fn has_customer(&mut self, office: &str, id: &str) -> Result<bool>;
    /// Stores a new customer (with its phone keys).
    fn insert_customer(&mut self, office: &str, c: &Customer) -> Result<()>;
    /// Whether the item is linked already.
    fn is_linked(&mut self, kind: ItemKind, item: &str) -> Result<bool>;
    /// Writes (or replaces) the item's link.
    fn put_link(&mut self, office: &str, link: &Link) -> Result<()>;
}

/// The unit, phone and name an item brings, to match it.
pub(crate) struct Seen<'a> {
    pub name: &'a str,
    pub unit: &'a str,
    pub phone: &'a str,
}

/// Links the item unless it is linked already: to the customer its unit and phone lead
/// to, creating the unit's customer when none does; a doubtful match is linked for
/// review. Returns the customer linked.
pub(crate) fn link_by_match(
    rows: &mut impl CustomerRows,
    office: &str,
    (kind, item): (ItemKind, &str),
    seen: Seen<'_>,
    (by, at): (UserId, Millis),
) -> Result<Option<String>> {
    if rows.is_linked(kind, item)? {
        return Ok(None);
    }
    let candidates = rows.candidates(office, &unit_key(seen.unit), &phone_key(seen.phone))?;
    let (customer, review, candidate) = match match_customer(&candidates, seen.unit, seen.phone) {
        Match::Linked(id) => (id, None, None),
        Match::Doubtful {
            customer: Some(id),
            doubt,
            candidate,
        } => (id, Some(doubt), Some(candidate)),
        Match::Doubtful {
            customer: None,
            doubt,
            candidate,
        } => {
            let c = Customer::found(seen.name, seen.unit, seen.phone, by, at);
            rows.insert_customer(office, &c)?;
            (c.id, Some(doubt), Some(candidate))
        }
        Match::New => {
            let c = Customer::found(seen.name, seen.unit, seen.phone, by, at);
            rows.insert_customer(office, &c)?;
            (c.id, None, None)
        }
    };
    rows.put_link(
        office,
        &Link {
            kind,
            item: item.to_owned(),
            customer: customer.clone(),
            review,
            candidate,
        },
    )?;
    Ok(Some(customer))
}

/// Links an item just stored: to `chosen` when a person picked the customer (`NotFound`
/// if not the office's), else by its unit and phone ([`link_by_match`]). Returns the
/// customer.
pub(crate) fn link_new(
    rows: &mut impl CustomerRows,
    office: &str,
    (kind, item): (ItemKind, &str),
    seen: Seen<'_>,
    chosen: Option<&str>,
    by: (UserId, Millis),
) -> Result<String> {
    if let Some(customer) = chosen {
        if !rows.has_customer(office, customer)? {
            return Err(Error::NotFound(format!("customer {customer}")));
        }
        let link = Link {
            kind,
            item: item.to_owned(),
            customer: customer.to_owned(),
            review: None,
            candidate: None,
        };
        rows.put_link(office, &link)?;
        return Ok(customer.to_owned());
    }
    link_by_match(rows, office, (kind, item), seen, by)?
        .ok_or_else(|| Error::Conflict(format!("{item} is linked already")))
}

/// A complaint's link: to the customer named when it was recorded, else by its unit and
/// contact.
pub(crate) fn link_complaint(
    rows: &mut impl CustomerRows,
    office: &str,
    x: &Complaint,
    chosen: Option<&str>,
    by: UserId,
) -> Result<String> {
    let seen = Seen {
        name: &x.complainant,
        unit: &x.unit,
        phone: &x.contact,
    };
    link_new(
        rows,
        office,
        (ItemKind::Complaint, &x.id),
        seen,
        chosen,
        (by, x.received_at),
    )
}

/// A contact's link: to the customer chosen, else by its unit and phone when it names
/// either (an anonymous contact is nobody's). Whistle-blowing is linked to nobody: it is
/// the manager's alone (R-CS-CONTACT), never part of a history the desk reads.
pub(crate) fn link_contact(
    rows: &mut impl CustomerRows,
    office: &str,
    c: &Contact,
    chosen: Option<&str>,
) -> Result<Option<String>> {
    let anonymous = chosen.is_none() && c.unit.is_empty() && c.phone.is_empty();
    if anonymous || c.kind == ContactKind::Whistleblowing {
        return Ok(None);
    }
    let seen = Seen {
        name: &c.caller,
        unit: &c.unit,
        phone: &c.phone,
    };
    let item = (ItemKind::Contact, c.id.as_str());
    link_new(
        rows,
        office,
        item,
        seen,
        chosen,
        (c.taken_by, c.received_at),
    )
    .map(Some)
}

/// An item stored before customers existed, as the backfill reads it.
pub(crate) struct Unlinked {
    pub office: String,
    pub kind: ItemKind,
    pub item: String,
    pub name: String,
    pub unit: String,
    pub phone: String,
    pub by: UserId,
    pub at: Millis,
}

impl Unlinked {
    /// A complaint stored before customers existed, from its stored JSON.
    pub(crate) fn complaint(office: String, data: &str) -> Result<Unlinked> {
        let x: Complaint = from_json("complaint", data)?;
        Ok(Unlinked {
            office,
            kind: ItemKind::Complaint,
            by: x
                .history
                .first()
                .map_or(UserId(uuid::Uuid::nil()), |e| e.by),
            at: x.received_at,
            item: x.id,
            name: x.complainant,
            unit: x.unit,
            phone: x.contact,
        })
    }
}

/// Links every item in `unlinked` (oldest first, so a customer is named from its first
/// order); returns how many were linked.
pub(crate) fn backfill(rows: &mut impl CustomerRows, mut unlinked: Vec<Unlinked>) -> Result<usize> {
    unlinked.sort_by(|a, b| (a.at, &a.item).cmp(&(b.at, &b.item)));
    let mut linked = 0;
    for u in unlinked {
        let seen = Seen {
            name: &u.name,
            unit: &u.unit,
            phone: &u.phone,
        };
        if link_by_match(rows, &u.office, (u.kind, &u.item), seen, (u.by, u.at))?.is_some() {
            linked += 1;
        }
    }
    Ok(linked)
}
