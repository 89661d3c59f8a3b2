//! Decoding what a backend reads back, the same for every backend: text that does not
//! parse is corrupt data (`Error::Corrupt`), never a default.

use baoxiu_sync_core::calendar::{Calendar, CalendarKind, OfficeCalendar};
use baoxiu_sync_core::complaint::DEFAULT_DECISION_DAYS;
use baoxiu_sync_core::{Office, Person};
use chrono::NaiveDate;

use crate::error::{Error, Result};

/// Text read back from a column that does not parse is corrupt data.
pub(crate) fn parse<T: std::str::FromStr>(what: &str, s: &str) -> Result<T> {
    s.parse()
        .map_err(|_| Error::Corrupt(format!("{what} {s:?} does not decode")))
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| Error::Corrupt(format!("{what}: {e}")))
}

pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Internal(format!("encoding: {e}")))
}

/// The columns of a person, in this order, as every backend selects them.
pub(crate) const PERSON_COLUMNS: &str =
    "id, office, name, role, specialties, zone, token_version, active";

/// A `users` row: id, office, name, role, specialties, zone, token version, active.
pub(crate) type PersonRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    bool,
);

pub(crate) fn to_person(
    (id, office, name, role, specialties, zone, ver, active): PersonRow,
) -> Result<Person> {
    Ok(Person {
        id: parse("user id", &id)?,
        office: parse("office id", &office)?,
        name,
        role: parse("role", &role)?,
        specialties: from_json("specialties", &specialties)?,
        zone,
        token_version: u32::try_from(ver)
            .map_err(|_| Error::Corrupt(format!("token version {ver}")))?,
        active,
    })
}

/// An office's calendar from its stored row (kind, decision days), if it set one — else
/// the kind its time zone implies and the default period — and its day overrides.
pub(crate) fn office_calendar(
    o: &Office,
    row: Option<(String, u32)>,
    overrides: Vec<(String, bool)>,
) -> Result<OfficeCalendar> {
    let (kind, decision_days) = match row {
        Some((k, d)) => (parse::<CalendarKind>("calendar kind", &k)?, d),
        None => (
            CalendarKind::for_time_zone(&o.time_zone),
            DEFAULT_DECISION_DAYS,
        ),
    };
    let mut calendar = Calendar::new(kind);
    for (day, working) in overrides {
        calendar
            .overrides
            .insert(parse::<NaiveDate>("calendar day", &day)?, working);
    }
    Ok(OfficeCalendar {
        calendar,
        decision_days,
        time_zone: parse("office time zone", &o.time_zone)?,
    })
}
