//! Customers (S5 客戶): the unit, owner, tenant, owners' committee or corporate tenant an
//! office serves, with a history across orders, complaints, contacts and call-backs
//! (R-CS-CONTACT links each to one). Which customer an order or complaint belongs to is
//! decided by its unit and phone ([`match_customer`]); a doubtful match is linked for a
//! person to review, never silently. Tiers and churn are in [`tiers`].

pub mod tiers;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::model::{Millis, UserId};

/// The longest name, unit or note (characters).
pub const MAX_CUSTOMER_TEXT: usize = 200;
/// The most phone numbers one customer keeps.
pub const MAX_PHONES: usize = 5;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum CustomerKind {
    /// The unit itself, while who lives there is not known (every customer found from an
    /// order starts as this).
    Unit,
    Owner,
    Tenant,
    /// 業主委員會.
    OwnersCommittee,
    /// A company renting premises.
    CorporateTenant,
}

/// S5 26 客戶流失類型.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantNames,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ChurnType {
    /// 自然流失: moved away, sold the unit.
    Natural,
    /// 惡意流失.
    Malicious,
    /// 競爭流失: went to a competitor.
    Competitive,
    /// 過失流失: left because of the office's fault.
    Fault,
}

/// S5 13: why customers leave.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantNames,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ChurnCause {
    /// 因價值而流失.
    Value,
    /// 因系統而流失.
    System,
    /// 因員工而流失.
    Staff,
}

/// A customer leaving, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Churn {
    pub on: NaiveDate,
    #[serde(rename = "type")]
    pub kind: ChurnType,
    pub cause: ChurnCause,
    #[serde(default)]
    pub note: String,
    pub by: UserId,
    pub at: Millis,
}

/// A customer record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub id: String,
    pub kind: CustomerKind,
    pub name: String,
    pub unit: String,
    pub phones: Vec<String>,
    /// S5 21: managed as a key account (大客戶).
    #[serde(default)]
    pub key_account: bool,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub churn: Option<Churn>,
    pub created_by: UserId,
    pub created_at: Millis,
}

/// What a person enters for a customer (new or edited).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerFields {
    pub kind: CustomerKind,
    pub name: String,
    pub unit: String,
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub note: String,
}

fn text(what: &str, s: &str, empty_ok: bool) -> Result<String, Error> {
    let t = s.trim();
    if (t.is_empty() && !empty_ok) || t.chars().count() > MAX_CUSTOMER_TEXT {
        let min = if empty_ok { 0 } else { 1 };
        return Err(Error::InvalidInput(format!(
            "{what} is {min}–{MAX_CUSTOMER_TEXT} characters"
        )));
    }
    Ok(t.to_owned())
}

impl CustomerFields {
    /// Checked and tidied: a name and unit, at most [`MAX_PHONES`] phones each with at
    /// least three digits, no phone twice.
    pub fn checked(self) -> Result<CustomerFields, Error> {
        if self.phones.len() > MAX_PHONES {
            return Err(Error::InvalidInput(format!(
                "a customer keeps at most {MAX_PHONES} phones"
            )));
        }
        let mut phones: Vec<String> = Vec::new();
        for p in &self.phones {
            let p = text("a phone", p, false)?;
            if phone_key(&p).len() < 3 {
                return Err(Error::InvalidInput(format!(
                    "phone {p:?} has fewer than three digits"
                )));
            }
            if !phones.iter().any(|q| phone_key(q) == phone_key(&p)) {
                phones.push(p);
            }
        }
        Ok(CustomerFields {
            kind: self.kind,
            name: text("the name", &self.name, false)?,
            unit: text("the unit", &self.unit, false)?,
            phones,
            note: text("the note", &self.note, true)?,
        })
    }
}

impl Customer {
    pub fn new(fields: CustomerFields, by: UserId, at: Millis) -> Result<Customer, Error> {
        let f = fields.checked()?;
        Ok(Customer {
            id: uuid::Uuid::now_v7().to_string(),
            kind: f.kind,
            name: f.name,
            unit: f.unit,
            phones: f.phones,
            key_account: false,
            note: f.note,
            churn: None,
            created_by: by,
            created_at: at,
        })
    }

    /// The customer an order's unit and phone bring when none matched: the unit, named as
    /// the order names its customer (the name may be blank on a phone report).
    pub fn found(name: &str, unit: &str, phone: &str, by: UserId, at: Millis) -> Customer {
        let clip = |s: &str| s.trim().chars().take(MAX_CUSTOMER_TEXT).collect::<String>();
        let phones = if phone_key(phone).len() >= 3 {
            vec![clip(phone)]
        } else {
            Vec::new()
        };
        let name = clip(name);
        Customer {
            id: uuid::Uuid::now_v7().to_string(),
            kind: CustomerKind::Unit,
            name: if name.is_empty() { clip(unit) } else { name },
            unit: clip(unit),
            phones,
            key_account: false,
            note: String::new(),
            churn: None,
            created_by: by,
            created_at: at,
        }
    }

    pub fn edit(&mut self, fields: CustomerFields) -> Result<(), Error> {
        let f = fields.checked()?;
        self.kind = f.kind;
        self.name = f.name;
        self.unit = f.unit;
        self.phones = f.phones;
        self.note = f.note;
        Ok(())
    }

    pub fn unit_key(&self) -> String {
        unit_key(&self.unit)
    }

    pub fn phone_keys(&self) -> Vec<String> {
        self.phones.iter().map(|p| phone_key(p)).collect()
    }

    /// Adds a phone (an order's, confirmed as this customer's); false when already kept
    /// or when the customer keeps [`MAX_PHONES`].
    pub fn add_phone(&mut self, phone: &str) -> bool {
        let k = phone_key(phone);
        if k.len() < 3 || self.phone_keys().contains(&k) || self.phones.len() >= MAX_PHONES {
            return false;
        }
        self.phones
            .push(phone.trim().chars().take(MAX_CUSTOMER_TEXT).collect());
        true
    }

    /// Records the customer leaving (S5 13, 26); once, until withdrawn.
    pub fn record_churn(
        &mut self,
        (on, kind, cause, note): (NaiveDate, ChurnType, ChurnCause, &str),
        (by, at, today): (UserId, Millis, NaiveDate),
    ) -> Result<(), Error> {
        if self.churn.is_some() {
            return Err(Error::Conflict("the customer's leaving is recorded".into()));
        }
        // Not yet (a state of the world, not a malformed request: 409 like any conflict).
        if on > today {
            return Err(Error::Conflict(
                "a customer's leaving is recorded once it happened".into(),
            ));
        }
        self.churn = Some(Churn {
            on,
            kind,
            cause,
            note: text("the note", note, true)?,
            by,
            at,
        });
        Ok(())
    }
}

/// A unit as compared: case, spaces and the dash's many forms do not matter, nor do
/// full-width letters and digits (a phone keyboard's "３－１２０１" is "3-1201").
pub fn unit_key(unit: &str) -> String {
    unit.chars()
        .filter_map(|c| {
            let c = match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                '–' | '—' | '‐' | '―' | '_' => '-',
                c => c,
            };
            (!c.is_whitespace()).then(|| c.to_ascii_uppercase())
        })
        .collect()
}

/// A phone as compared: its digits only (full-width too), "+886 2-2345 6789" and
/// "886223456789" alike.
pub fn phone_key(phone: &str) -> String {
    phone
        .chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(c),
            '０'..='９' => char::from_u32(c as u32 - 0xFEE0),
            _ => None,
        })
        .collect()
}

/// Why a link waits for a person's review.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Doubt {
    /// The unit is a customer's, the phone is not one of theirs (or none was given).
    OtherPhone,
    /// The phone is a customer's at another unit: linked to a new customer for the unit,
    /// the other one named for review.
    OtherUnit,
    /// Unit and phone match more than one customer.
    Several,
}

/// Where an order's or complaint's unit and phone lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// Exactly one customer has the unit and the phone.
    Linked(String),
    /// Linked to `customer` (None: a new one for the unit) for a person to confirm or move;
    /// `candidate` is the customer it may really be.
    Doubtful {
        customer: Option<String>,
        doubt: Doubt,
        candidate: String,
    },
    /// Nobody has the unit or the phone: a new customer.
    New,
}

/// Matches a unit and phone against the office's customers (those sharing the unit or the
/// phone are enough). Customers are taken oldest first, so the same input always leads to
/// the same customer.
pub fn match_customer(candidates: &[Customer], unit: &str, phone: &str) -> Match {
    let (uk, pk) = (unit_key(unit), phone_key(phone));
    let has_phone = |c: &Customer| pk.len() >= 3 && c.phone_keys().contains(&pk);
    let mut sorted: Vec<&Customer> = candidates.iter().collect();
    sorted.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    let same_unit: Vec<&Customer> = sorted
        .iter()
        .copied()
        .filter(|c| c.unit_key() == uk)
        .collect();
    let exact: Vec<&Customer> = same_unit.iter().copied().filter(|c| has_phone(c)).collect();
    match exact.as_slice() {
        [one] => return Match::Linked(one.id.clone()),
        [first, second, ..] => {
            return Match::Doubtful {
                customer: Some(first.id.clone()),
                doubt: Doubt::Several,
                candidate: second.id.clone(),
            };
        }
        [] => {}
    }
    if let Some(first) = same_unit.first() {
        return Match::Doubtful {
            customer: Some(first.id.clone()),
            doubt: Doubt::OtherPhone,
            candidate: first.id.clone(),
        };
    }
    match sorted.iter().find(|c| has_phone(c)) {
        Some(other) => Match::Doubtful {
            customer: None,
            doubt: Doubt::OtherUnit,
            candidate: other.id.clone(),
        },
        None => Match::New,
    }
}

#[cfg(test)]
mod tests;
