//! Decoding what a backend reads back, the same for every backend: text that does not
//! parse is corrupt data (`Error::Corrupt`), never a default.

use baoxiu_sync_core::calendar::{Calendar, CalendarKind, OfficeCalendar};
use baoxiu_sync_core::callback::{Callback, SATISFACTION_SCALE};
use baoxiu_sync_core::complaint::{DEFAULT_DECISION_DAYS, DEFAULT_TELL_DAYS};
use baoxiu_sync_core::doc::{CaseDoc, CaseFacts};
use baoxiu_sync_core::questionnaire::{Dimension, DimensionScores};
use baoxiu_sync_core::task::OwnerTask;
use baoxiu_sync_core::{DeviceId, Office, OrderId, Person, UserId};
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

/// An office's calendar from its stored row (kind, decision and tell days), if it set one
/// — else the kind its time zone implies and the default periods — and its day overrides.
pub(crate) fn office_calendar(
    o: &Office,
    row: Option<(String, u32, u32)>,
    overrides: Vec<(String, bool)>,
) -> Result<OfficeCalendar> {
    let (kind, decision_days, tell_days) = match row {
        Some((k, d, t)) => (parse::<CalendarKind>("calendar kind", &k)?, d, t),
        None => (
            CalendarKind::for_time_zone(&o.time_zone),
            DEFAULT_DECISION_DAYS,
            DEFAULT_TELL_DAYS,
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
        tell_days,
        time_zone: parse("office time zone", &o.time_zone)?,
    })
}

/// An order's document from its stored snapshot (if any) and the log rows after it, in
/// log order, written as `device`; `None` when neither exists.
pub(crate) fn assemble_doc<B: CaseFacts>(
    order: OrderId,
    snapshot: Option<Vec<u8>>,
    rows: &[Vec<u8>],
    device: DeviceId,
) -> Result<Option<CaseDoc<B>>> {
    let Some(bytes) = snapshot else {
        if rows.is_empty() {
            return Ok(None);
        }
        return Ok(Some(CaseDoc::from_encoded_changes(rows, device)?));
    };
    let mut doc = CaseDoc::load(&bytes, device)?;
    doc.apply_encoded(rows)?;
    if !doc.missing_deps().is_empty() {
        return Err(Error::Corrupt(format!("order {order} is missing changes")));
    }
    Ok(Some(doc))
}

/// A document's stored bytes: its snapshot (if any) and the log rows after it.
pub(crate) type StoredBytes = (Option<Vec<u8>>, Vec<Vec<u8>>);

/// A document of any kind, whole, from its snapshot and the log rows after it (what a
/// device is sent when a case enters its scope). `None` when there is nothing stored.
pub(crate) fn assemble_saved(
    order: OrderId,
    snapshot: Option<Vec<u8>>,
    rows: &[Vec<u8>],
) -> Result<Option<Vec<u8>>> {
    if snapshot.is_none() && rows.is_empty() {
        return Ok(None);
    }
    baoxiu_sync_core::doc::whole_document(snapshot.as_deref(), rows)
        .map(Some)
        .map_err(|e| Error::Corrupt(format!("document {order}: {e}")))
}

/// Write a fresh snapshot once an order has this many changes after its last one, or a
/// quarter of its facts if that is more: a long order is not saved whole every few
/// changes (saving costs its length), yet loads from a snapshot plus at most a quarter.
const COMPACT_AFTER: i64 = 64;

/// Whether an order with `since` log rows after its snapshot and `facts` facts gets a new
/// snapshot.
pub(crate) fn snapshot_due(since: i64, facts: usize) -> bool {
    let facts = i64::try_from(facts).unwrap_or(i64::MAX);
    since >= COMPACT_AFTER.max(facts / 4)
}

pub(crate) fn user(t: Option<String>) -> Result<Option<UserId>> {
    t.map(|t| parse("user id", &t)).transpose()
}

pub(crate) const CALLBACK_COLUMNS: &str = "id, order_id, method, planned_at, assignee, content, status, \
     reached, satisfaction, repair_held, problems, responsible, fallback_method, sample_id, \
     created_at, recorded_by, recorded_at, complaint_id, programme_id, score_reliability, \
     score_tangibles, score_responsiveness, score_empathy, score_professionalism, answers";

/// A `callbacks` row as text and numbers, decoded by [`to_callback`].
pub(crate) type CallbackRow = (
    (
        String,
        Option<String>,
        String,
        i64,
        Option<String>,
        String,
        String,
    ),
    (
        Option<bool>,
        Option<i64>,
        Option<String>,
        String,
        Option<String>,
    ),
    (
        Option<String>,
        Option<String>,
        i64,
        Option<String>,
        Option<i64>,
    ),
    Option<String>,
    (Option<String>, [Option<i64>; 5], String),
);

pub(crate) fn to_callback(row: CallbackRow) -> Result<Callback> {
    let (
        (id, order, method, planned_at, assignee, content, status),
        (reached, satisfaction, repair_held, problems, responsible),
        (fallback_method, sample, created_at, recorded_by, recorded_at),
        complaint,
        (programme, score_columns, answers),
    ) = row;
    if order.is_some() == complaint.is_some() {
        return Err(Error::Corrupt(format!(
            "call-back {id} is about both an order and a complaint, or neither"
        )));
    }
    Ok(Callback {
        order: order.map(|o| parse("order id", &o)).transpose()?,
        complaint,
        method: parse("call-back method", &method)?,
        planned_at,
        assignee: user(assignee)?,
        content,
        status: parse("call-back status", &status)?,
        reached,
        satisfaction: satisfaction
            .map(|s| u8::try_from(s).map_err(|_| Error::Corrupt(format!("satisfaction {s}"))))
            .transpose()?,
        repair_held: repair_held.map(|h| parse("repair held", &h)).transpose()?,
        problems,
        responsible,
        fallback_method: fallback_method
            .map(|m| parse("call-back method", &m))
            .transpose()?,
        sample,
        recorded_by: user(recorded_by)?,
        recorded_at,
        created_at,
        programme,
        scores: scores_of(&id, score_columns)?,
        answers: from_json("call-back answers", &answers)?,
        id,
    })
}

/// The five score columns, in `Dimension::ALL`'s order.
fn scores_of(id: &str, columns: [Option<i64>; 5]) -> Result<DimensionScores> {
    let mut scores = DimensionScores::default();
    for (d, v) in Dimension::ALL.into_iter().zip(columns) {
        let s = v
            .map(|v| {
                u8::try_from(v)
                    .ok()
                    .filter(|s| SATISFACTION_SCALE.contains(s))
                    .ok_or_else(|| Error::Corrupt(format!("call-back {id}: {d} score {v}")))
            })
            .transpose()?;
        scores.set(d, s);
    }
    Ok(scores)
}

/// The five score columns' values, in `Dimension::ALL`'s order.
pub(crate) fn score_columns(s: &DimensionScores) -> [Option<i64>; 5] {
    Dimension::ALL.map(|d| s.get(d).map(i64::from))
}

pub(crate) const TASK_COLUMNS: &str = "id, callback_id, order_id, owner, problem, due_at, \
     created_by, created_at, closed_at, closed_by, outcome, complaint_id, reminders";

/// An `owner_tasks` row as text and numbers, decoded by [`to_task`].
pub(crate) type TaskRow = (
    (String, String, Option<String>, String, String, i64),
    (
        String,
        i64,
        Option<i64>,
        Option<String>,
        String,
        Option<String>,
    ),
    String,
);

pub(crate) fn to_task(row: TaskRow) -> Result<OwnerTask> {
    let (
        (id, callback, order, owner, problem, due_at),
        (created_by, created_at, closed_at, closed_by, outcome, complaint),
        reminders,
    ) = row;
    if order.is_some() == complaint.is_some() {
        return Err(Error::Corrupt(format!(
            "task {id} is about both an order and a complaint, or neither"
        )));
    }
    Ok(OwnerTask {
        id,
        callback,
        order: order.map(|o| parse("order id", &o)).transpose()?,
        complaint,
        owner: parse("user id", &owner)?,
        problem,
        due_at,
        created_by: parse("user id", &created_by)?,
        created_at,
        closed_at,
        closed_by: user(closed_by)?,
        outcome,
        reminders: from_json("task reminders", &reminders)?,
    })
}

pub(crate) const TRAINING_COLUMNS: &str =
    "id, person, kind, course, completed_on, recorded_by, recorded_at";

/// A `trainings` row as text and numbers, decoded by [`to_training`].
pub(crate) type TrainingRow = (String, String, String, String, String, String, i64);

pub(crate) fn to_training(row: TrainingRow) -> Result<baoxiu_sync_core::training::Training> {
    let (id, person, kind, course, completed_on, recorded_by, recorded_at) = row;
    Ok(baoxiu_sync_core::training::Training {
        id,
        person: parse("user id", &person)?,
        kind: parse("training kind", &kind)?,
        course,
        completed_on: parse("training day", &completed_on)?,
        recorded_by: parse("user id", &recorded_by)?,
        recorded_at,
    })
}
