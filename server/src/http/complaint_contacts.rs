//! R-CPL-CHANNEL (第十一條): the complaint contacts the office publishes — phone, fax,
//! postal address, reception address, e-mail — read by anyone of the office (the front
//! desk tells callers), set by those who edit its settings, and printed on the customer's
//! copy of every order.

use axum::Json;
use axum::extract::State;
use baoxiu_sync_core::complaint::ComplaintContacts;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ErrorBody;
use super::extract::{ApiJson, Caller};
use crate::error::Result;
use crate::service::office_registers as registers;
use crate::state::AppState;

/// The published contacts; an empty one is not published.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ContactsIo {
    #[schema(max_length = 500)]
    pub phone: String,
    #[schema(max_length = 500)]
    pub fax: String,
    #[schema(max_length = 500)]
    pub postal_address: String,
    #[schema(max_length = 500)]
    pub reception_address: String,
    #[schema(max_length = 500)]
    pub email: String,
    #[schema(max_length = 500)]
    pub other: String,
}

impl From<ComplaintContacts> for ContactsIo {
    fn from(c: ComplaintContacts) -> Self {
        ContactsIo {
            phone: c.phone,
            fax: c.fax,
            postal_address: c.postal_address,
            reception_address: c.reception_address,
            email: c.email,
            other: c.other,
        }
    }
}

impl From<ContactsIo> for ComplaintContacts {
    fn from(c: ContactsIo) -> Self {
        ComplaintContacts {
            phone: c.phone,
            fax: c.fax,
            postal_address: c.postal_address,
            reception_address: c.reception_address,
            email: c.email,
            other: c.other,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/complaint-contacts", responses((status = 200, body = ContactsIo), (status = 403, body = ErrorBody)))]
pub async fn get(State(st): State<AppState>, c: Caller) -> Result<Json<ContactsIo>> {
    Ok(Json(
        registers::complaint_contacts(&st, c.0.office).await?.into(),
    ))
}

#[utoipa::path(put, path = "/api/v1/complaint-contacts", request_body = ContactsIo, responses((status = 200, body = ContactsIo), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put(
    State(st): State<AppState>,
    c: Caller,
    ApiJson(b): ApiJson<ContactsIo>,
) -> Result<Json<ContactsIo>> {
    registers::set_complaint_contacts(&st, c.0.office, b.into()).await?;
    Ok(Json(
        registers::complaint_contacts(&st, c.0.office).await?.into(),
    ))
}
