//! The office's registers for vehicles and supplies (S3): its fleet (vehicles, designated
//! shops and stations) and its supplies catalogue. Each is checked by its rules before it
//! is stored, and decoded strictly when read: a stored register that does not decode is
//! `Corrupt`, never an empty one.

use baoxiu_sync_core::OfficeId;
use baoxiu_sync_core::complaint::ComplaintContacts;
use baoxiu_sync_core::complaint::filing::ComplaintFiling;
use baoxiu_sync_core::contact::ContactChannels;
use baoxiu_sync_core::qa::QaScheme;
use baoxiu_sync_core::supplies::Catalogue;
use baoxiu_sync_core::vehicles::register::Fleet;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::Register;

async fn read<T: DeserializeOwned + Default>(
    st: &AppState,
    office: OfficeId,
    which: Register,
) -> Result<T> {
    match st.store.register(office, which).await? {
        None => Ok(T::default()),
        Some(text) => serde_json::from_str(&text).map_err(|e| {
            let name: &'static str = which.into();
            Error::Corrupt(format!("the office's {name} register: {e}"))
        }),
    }
}

async fn write<T: Serialize, P: Serialize>(
    st: &AppState,
    office: OfficeId,
    which: Register,
    value: &T,
    problems: Vec<P>,
) -> Result<()> {
    if !problems.is_empty() {
        let name: &'static str = which.into();
        let listed = serde_json::to_string(&problems).unwrap_or_default();
        // Well-formed, but not a register the office may keep: a conflict with the rules
        // (as a fee schedule that breaks them), not a malformed request.
        return Err(Error::Conflict(format!(
            "the {name} register breaks its rules: {listed}"
        )));
    }
    let text = serde_json::to_string(value)
        .map_err(|e| Error::Internal(format!("register does not encode: {e}")))?;
    st.store.set_register(office, which, text).await
}

/// The office's fleet (empty until set).
pub async fn fleet(st: &AppState, office: OfficeId) -> Result<Fleet> {
    read(st, office, Register::Fleet).await
}

/// Replaces the office's fleet; refused whole (`Conflict`), naming each problem, when it
/// breaks a rule.
pub async fn set_fleet(st: &AppState, office: OfficeId, fleet: Fleet) -> Result<()> {
    let problems = fleet.check();
    write(st, office, Register::Fleet, &fleet, problems).await
}

/// The office's supplies catalogue (empty until set).
pub async fn catalogue(st: &AppState, office: OfficeId) -> Result<Catalogue> {
    read(st, office, Register::Catalogue).await
}

/// Replaces the office's catalogue; refused whole, naming each problem (R-SUP-VENDOR's
/// dealers among them), when it breaks a rule.
pub async fn set_catalogue(st: &AppState, office: OfficeId, catalogue: Catalogue) -> Result<()> {
    let problems = catalogue.check();
    write(st, office, Register::Catalogue, &catalogue, problems).await
}

/// R-CPL-CHANNEL: the complaint contacts the office publishes (none until set).
pub async fn complaint_contacts(st: &AppState, office: OfficeId) -> Result<ComplaintContacts> {
    read(st, office, Register::ComplaintContacts).await
}

/// Replaces them; refused whole, naming each problem, when one is too long.
pub async fn set_complaint_contacts(
    st: &AppState,
    office: OfficeId,
    contacts: ComplaintContacts,
) -> Result<()> {
    let problems = contacts.check();
    write(st, office, Register::ComplaintContacts, &contacts, problems).await
}

/// R-CS-CONTACT: the channels the front door offers (the default list until set).
pub async fn contact_channels(st: &AppState, office: OfficeId) -> Result<ContactChannels> {
    read(st, office, Register::ContactChannels).await
}

/// Replaces them; refused whole, naming each problem.
pub async fn set_contact_channels(
    st: &AppState,
    office: OfficeId,
    channels: ContactChannels,
) -> Result<()> {
    let problems = channels.check();
    write(st, office, Register::ContactChannels, &channels, problems).await
}

/// R-CPL-REPORT: what the office files with the regulator (empty until set).
pub async fn complaint_filing(st: &AppState, office: OfficeId) -> Result<ComplaintFiling> {
    read(st, office, Register::ComplaintFiling).await
}

/// Replaces it; refused whole, naming each problem.
pub async fn set_complaint_filing(
    st: &AppState,
    office: OfficeId,
    filing: ComplaintFiling,
) -> Result<()> {
    let problems = filing.check();
    write(st, office, Register::ComplaintFiling, &filing, problems).await
}

/// R-CS-QA: the office's QA scheme (the documented default until set).
pub async fn qa_scheme(st: &AppState, office: OfficeId) -> Result<QaScheme> {
    read(st, office, Register::QaScheme).await
}

/// Replaces the office's QA scheme; refused whole, naming each problem, when it breaks a
/// rule. Inspections already made keep the scheme they were made under.
pub async fn set_qa_scheme(st: &AppState, office: OfficeId, scheme: QaScheme) -> Result<()> {
    let problems = scheme.check();
    write(st, office, Register::QaScheme, &scheme, problems).await
}
