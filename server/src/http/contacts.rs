//! R-CS-CONTACT (S2 第六–七條): the one front door. Every contact is logged once, with its
//! channel (the office's list, or "other" with what it was) and time, linked to its
//! customer, and becomes a work order or a complaint in one step with the link kept both
//! ways — or is closed with what was done. Whistle-blowing is the manager's alone: anyone
//! at the door may log it, only the supervisor sees it afterwards; to everyone else it
//! does not exist (404).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use baoxiu_sync_core::complaint::{CHANNELS as COMPLAINT_CHANNELS, NewComplaint};
use baoxiu_sync_core::contact::{Contact, ContactChannels, ContactKind, NewContact, Outcome};
use baoxiu_sync_core::{Channel, Customer};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ErrorBody;
use super::extract::{ApiJson, ApiQuery, Caller};
use crate::error::{Error, Result};
use crate::policy::{Action, role_allows};
use crate::service::office_registers as registers;
use crate::state::AppState;
use crate::store::customer_link::ItemKind;
use crate::store::{ContactFilter, LinkFilter};

#[derive(Debug, Deserialize, ToSchema)]
pub struct ContactIn {
    /// enquiry, repair_report, complaint, whistleblowing, suggestion
    #[schema(schema_with = super::schema::contact_kind)]
    pub kind: String,
    /// One of the office's channels (`GET /api/v1/contact-channels`), or `other`.
    #[schema(min_length = 1, max_length = 30)]
    pub channel: String,
    /// What "other" was (required with it).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub channel_note: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub caller: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub unit: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub phone: String,
    #[schema(pattern = "\\S", max_length = 2000)]
    pub summary: String,
    /// The customer, when the desk found them (404 if not the office's); otherwise matched
    /// by unit and phone.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 100)]
    pub customer: Option<String>,
}

/// A contact as logged, with what it became and its customer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactOut {
    #[serde(flatten)]
    #[schema(inline, value_type = Object)]
    pub contact: serde_json::Value,
    /// open, order, complaint, closed
    pub status: String,
    pub customer: Option<String>,
}

/// Each contact's customer, in one read.
async fn customers_of(
    st: &AppState,
    c: &Caller,
    ids: Vec<String>,
) -> Result<HashMap<String, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(st
        .store
        .links(
            c.0.office,
            LinkFilter {
                kind: Some(ItemKind::Contact),
                items: ids,
                ..Default::default()
            },
        )
        .await?
        .into_iter()
        .map(|l| (l.item, l.customer))
        .collect())
}

fn shown(x: Contact, customer: Option<String>) -> Result<ContactOut> {
    Ok(ContactOut {
        status: x.status().to_owned(),
        contact: serde_json::to_value(&x).map_err(|e| Error::Internal(e.to_string()))?,
        customer,
    })
}

async fn out(st: &AppState, c: &Caller, x: Contact) -> Result<ContactOut> {
    let mut customer = customers_of(st, c, vec![x.id.clone()]).await?;
    let mine = customer.remove(&x.id);
    shown(x, mine)
}

/// A contact the caller may see: another office's, or whistle-blowing for anyone but the
/// manager, is not found.
async fn visible(st: &AppState, c: &Caller, id: &str) -> Result<Contact> {
    st.store
        .contact(c.0.office, id.to_owned())
        .await?
        .filter(|x| x.kind.visible_to(c.0.role))
        .ok_or_else(|| Error::NotFound(format!("contact {id}")))
}

#[utoipa::path(post, path = "/api/v1/contacts", request_body = ContactIn, responses((status = 201, body = ContactOut), (status = 403, body = ErrorBody, description = "not a role of the front door, or an agent not trained (R-CS-TRAINING)"), (status = 404, body = ErrorBody, description = "`customer` names no customer of the office"), (status = 409, body = ErrorBody, description = "a channel the office does not offer, or `other` without what it was"), (status = 422, body = ErrorBody)))]
pub async fn log(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<ContactIn>,
) -> Result<(StatusCode, Json<ContactOut>)> {
    // R-CS-TRAINING: the front door's agents take contacts once trained.
    super::trainings::require_trained(&st, &c).await?;
    let kind: ContactKind = b
        .kind
        .parse()
        .map_err(|_| Error::Invalid(format!("contact kind {:?}", b.kind)))?;
    let channels = registers::contact_channels(&st, c.0.office).await?;
    let new = NewContact {
        kind,
        channel: b.channel,
        channel_note: b.channel_note,
        caller: b.caller,
        unit: b.unit,
        phone: b.phone,
        summary: b.summary,
    };
    let x = Contact::new(new, &channels, (c.0.sub, st.now()))?;
    let customer = st
        .store
        .add_contact(c.0.office, x.clone(), b.customer)
        .await?;
    Ok((StatusCode::CREATED, Json(shown(x, customer)?)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactsQuery {
    /// Received at or after (UTC ms).
    #[param(minimum = 0, maximum = 253_402_214_399_999_i64)]
    pub from: Option<i64>,
    /// Received before (UTC ms).
    #[param(minimum = 0, maximum = 253_402_214_399_999_i64)]
    pub to: Option<i64>,
    #[param(schema_with = super::schema::contact_kind)]
    pub kind: Option<String>,
    /// open, order, complaint, closed
    #[param(schema_with = super::schema::contact_status)]
    pub status: Option<String>,
    /// 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/contacts", params(ContactsQuery), responses((status = 200, body = Vec<ContactOut>, description = "newest first; whistle-blowing only for the manager"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    c: Caller,
    ApiQuery(q): ApiQuery<ContactsQuery>,
) -> Result<Json<Vec<ContactOut>>> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(Error::Invalid("limit is 1–500".into()));
    }
    if [q.from, q.to]
        .iter()
        .flatten()
        .any(|t| !(0..=253_402_214_399_999).contains(t))
    {
        return Err(Error::Invalid(
            "from and to are times from 1970 to 9999 (UTC ms)".into(),
        ));
    }
    let kind = q
        .kind
        .as_deref()
        .map(|k| {
            k.parse::<ContactKind>()
                .map_err(|_| Error::Invalid(format!("contact kind {k:?}")))
        })
        .transpose()?;
    if let Some(s) = &q.status
        && !matches!(s.as_str(), "open" | "order" | "complaint" | "closed")
    {
        return Err(Error::Invalid(format!("status {s:?}")));
    }
    let filter = ContactFilter {
        from: q.from,
        to: q.to,
        kind,
        status: q.status,
        whistleblowing: ContactKind::Whistleblowing.visible_to(c.0.role),
        ids: Vec::new(),
        limit,
    };
    let list = st.store.contacts(c.0.office, filter).await?;
    let mut customers = customers_of(&st, &c, list.iter().map(|x| x.id.clone()).collect()).await?;
    let v = list
        .into_iter()
        .map(|x| {
            let customer = customers.remove(&x.id);
            shown(x, customer)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Json(v))
}

#[utoipa::path(get, path = "/api/v1/contacts/{id}", params(("id" = String, Path)), responses((status = 200, body = ContactOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
) -> Result<Json<ContactOut>> {
    let x = visible(&st, &c, &id).await?;
    Ok(Json(out(&st, &c, x).await?))
}

/// What a contact becomes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum ConvertIn {
    /// A work order (R-INTAKE): the caller, unit and phone are the contact's unless given.
    Order {
        #[schema(pattern = "\\S", max_length = 2000)]
        description: String,
        #[serde(default)]
        #[schema(minimum = 946_684_800_000_i64, maximum = 4_102_444_800_000_i64)]
        appointment: Option<i64>,
        #[serde(default)]
        #[schema(max_length = 200)]
        name: Option<String>,
        #[serde(default)]
        #[schema(max_length = 200)]
        unit: Option<String>,
        #[serde(default)]
        #[schema(max_length = 200)]
        phone: Option<String>,
    },
    /// A complaint (R-CPL-*): the complainant and unit are the contact's unless given.
    Complaint {
        #[serde(default)]
        #[schema(max_length = 200)]
        complainant: Option<String>,
        #[serde(default)]
        #[schema(max_length = 200)]
        unit: Option<String>,
        #[schema(pattern = "\\S", max_length = 500)]
        subject: String,
        #[serde(default)]
        #[schema(max_length = 200)]
        category: String,
        by_customer_or_agent: bool,
        material_complete: bool,
        #[serde(default)]
        #[schema(max_length = 2000)]
        missing: String,
    },
}

/// The work order's channel for a contact's: the hotline is a phone call, the door a
/// walk-in, online an app; a letter, e-mail, fax or anything else was passed on.
fn order_channel(contact: &str) -> Channel {
    match contact {
        "hotline" => Channel::Phone,
        "walk_in" => Channel::WalkIn,
        "online" => Channel::App,
        _ => Channel::Verbal,
    }
}

#[utoipa::path(post, path = "/api/v1/contacts/{id}/convert", params(("id" = String, Path)), request_body = ConvertIn, responses((status = 200, body = ContactOut, description = "the contact with what it became (its `outcome` names the order or complaint)"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "it became something already, or an order lacks the caller's name, unit or phone"), (status = 422, body = ErrorBody)))]
pub async fn convert(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ConvertIn>,
) -> Result<Json<ContactOut>> {
    let x = visible(&st, &c, &id).await?;
    let needed = match b {
        ConvertIn::Order { .. } => Action::Intake,
        ConvertIn::Complaint { .. } => Action::RecordComplaint,
    };
    if !role_allows(c.0.role, needed) {
        return Err(Error::Forbidden(format!(
            "{:?} may not {needed:?}",
            c.0.role
        )));
    }
    if x.outcome.is_some() {
        return Err(Error::Conflict(format!(
            "the contact is {} already",
            x.status()
        )));
    }
    let customer = out(&st, &c, x.clone()).await?.customer;
    let (by, at) = (c.0.sub, st.now());
    let outcome = match b {
        ConvertIn::Order {
            description,
            appointment,
            name,
            unit,
            phone,
        } => {
            let party = Customer {
                name: name.unwrap_or_else(|| x.caller.clone()),
                unit: unit.unwrap_or_else(|| x.unit.clone()),
                phone: phone.unwrap_or_else(|| x.phone.clone()),
            };
            if [&party.name, &party.unit, &party.phone]
                .iter()
                .any(|s| s.trim().is_empty())
            {
                return Err(Error::Conflict(
                    "an order needs the caller's name, unit and phone: the contact lacks one, give it"
                        .into(),
                ));
            }
            let what = (party, order_channel(&x.channel), description);
            let s = super::orders::intake(&st, &c, what, appointment, customer).await?;
            Outcome::Order {
                id: s.order.to_string(),
                by,
                at,
            }
        }
        ConvertIn::Complaint {
            complainant,
            unit,
            subject,
            category,
            by_customer_or_agent,
            material_complete,
            missing,
        } => {
            super::trainings::require_trained(&st, &c).await?;
            let complainant = complainant.unwrap_or_else(|| x.caller.clone());
            let unit = unit.unwrap_or_else(|| x.unit.clone());
            if complainant.trim().is_empty() || unit.trim().is_empty() {
                return Err(Error::Conflict(
                    "a complaint names the complainant and the unit: the contact lacks one, give it"
                        .into(),
                ));
            }
            let named = COMPLAINT_CHANNELS.contains(&x.channel.as_str());
            let channel = if named {
                x.channel.clone()
            } else {
                "other".into()
            };
            let how = if named || x.channel == "other" {
                x.channel_note.clone()
            } else {
                x.channel.clone()
            };
            let description = if how.is_empty() {
                x.summary.clone()
            } else {
                format!("（{how}）{}", x.summary)
            };
            let new = NewComplaint {
                channel,
                complainant,
                contact: x.phone.clone(),
                by_customer_or_agent,
                unit,
                subject,
                category,
                description,
                order: None,
                technician: None,
                material_complete,
                missing,
                same_as: None,
                new_facts: None,
                referral: None,
                customer,
            };
            let (made, _) = st
                .store
                .create_complaint(c.0.office, new, x.received_at, by)
                .await?;
            Outcome::Complaint {
                id: made.id,
                by,
                at,
            }
        }
    };
    let done = st.store.conclude_contact(c.0.office, id, outcome).await?;
    Ok(Json(out(&st, &c, done).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ContactCloseIn {
    /// What was answered or done.
    #[schema(pattern = "\\S", max_length = 2000)]
    pub note: String,
}

#[utoipa::path(post, path = "/api/v1/contacts/{id}/close", params(("id" = String, Path)), request_body = ContactCloseIn, responses((status = 200, body = ContactOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "it became something already"), (status = 422, body = ErrorBody)))]
pub async fn close(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ContactCloseIn>,
) -> Result<Json<ContactOut>> {
    visible(&st, &c, &id).await?;
    let outcome = Outcome::Closed {
        note: b.note.trim().to_owned(),
        by: c.0.sub,
        at: st.now(),
    };
    let done = st.store.conclude_contact(c.0.office, id, outcome).await?;
    Ok(Json(out(&st, &c, done).await?))
}

/// The channels the front door offers (besides `other`).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelsIo {
    #[schema(min_items = 1, max_items = 20)]
    pub channels: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/contact-channels", responses((status = 200, body = ChannelsIo), (status = 403, body = ErrorBody)))]
pub async fn channels(State(st): State<AppState>, c: Caller) -> Result<Json<ChannelsIo>> {
    let list = registers::contact_channels(&st, c.0.office).await?;
    Ok(Json(ChannelsIo {
        channels: list.channels,
    }))
}

#[utoipa::path(put, path = "/api/v1/contact-channels", request_body = ChannelsIo, responses((status = 200, body = ChannelsIo), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody, description = "the list breaks its rules (each problem named)"), (status = 422, body = ErrorBody)))]
pub async fn set_channels(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<ChannelsIo>,
) -> Result<Json<ChannelsIo>> {
    let list = ContactChannels {
        channels: b.channels,
    };
    registers::set_contact_channels(&st, c.0.office, list.clone()).await?;
    Ok(Json(ChannelsIo {
        channels: list.channels,
    }))
}
