//! The server's check of a device's changes before it stores any of them.
//!
//! The server never trusts a device. For each order in a batch, every change new to the
//! server must: decode; be authored by the device's own actor; only append new facts to
//! the event list (no edit, no removal, nothing outside the list); carry facts that decode
//! and name this device, user and role; be facts that role may record; and touch only
//! orders in the device's scope. Anything else refuses the batch whole.
//!
//! Domain rules beyond role and scope (consent before work, …) are *not* grounds for
//! refusal here: with offline replicas a fact can break a rule through no fault of the
//! device (a concurrent reassignment), and facts that happened are never dropped. The
//! reducer flags those as anomalies.

use std::collections::{HashMap, HashSet};

use automerge::{Automerge, Change, ChangeHash, ObjType, ROOT, ReadDoc, Value};

mod case;

pub use case::{ValidatedCase, kind_of_new_case, validate_case};

use crate::command::intake_complete;
use crate::dispatch::{assignable, can_receive};
use crate::doc::{CaseDoc, CaseFacts, WorkOrderDoc, actor_for, count_appends, decode_changes};
use crate::error::RuleViolation;
use crate::event::{Event, EventBody};
use crate::fee_schedule::{ScheduleItem, check_fact};
use crate::model::{Author, Channel, EventId, Millis, OfficeId, OrderId, Person, Role, UserId};
use crate::protocol::{ErrorCode, MAX_OPS_PER_CHANGE};
use crate::rules::{needs_assignment, role_may_record, well_formed};
use crate::state::{self, WorkOrderState};

/// Who is submitting: from the verified token, never from the frame.
#[derive(Clone, Debug)]
pub struct Submitter {
    pub author: Author,
    pub office: OfficeId,
}

/// Why a batch was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: String,
}

fn refuse<T>(code: ErrorCode, message: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal {
        code,
        message: message.into(),
    })
}

/// Changes that passed, for one order.
#[derive(Debug, Clone)]
pub struct Validated {
    pub order: OrderId,
    /// The order's document with the changes applied.
    pub doc: WorkOrderDoc,
    pub state: WorkOrderState,
    /// Changes new to the server, in an order where dependencies come first.
    pub new_changes: Vec<Change>,
    /// Hashes in the batch the server already had (acked without storing again).
    pub duplicates: Vec<ChangeHash>,
    /// The order did not exist on the server before this batch.
    pub created: bool,
    /// The new facts, each with its (offset-corrected) time.
    pub new_facts: Vec<(EventId, Millis)>,
}

/// A technician writes to orders they were ever assigned to (work done while a
/// reassignment was on its way is kept and flagged, not refused) or created in the field.
pub fn technician_may_write(user: &UserId, doc: &WorkOrderDoc, state: &WorkOrderState) -> bool {
    state.created_by.user == *user
        || doc.events().iter().any(|e| {
            matches!(&e.event, Ok(Event { body: EventBody::Assigned { technicians, .. }, .. })
                if technicians.contains(user))
        })
}

/// A device's changes to one order after the checks that need only the changes and a
/// look at the server's copy (nothing applied yet).
#[derive(Debug, Clone)]
pub struct Prechecked {
    pub(crate) new_changes: Vec<Change>,
    pub(crate) duplicates: Vec<ChangeHash>,
    /// Facts the new changes append (counted from their ops; 0 for a creation, which is
    /// checked whole once applied).
    pub(crate) appended: usize,
}

impl Prechecked {
    /// True when every change of the batch was already stored.
    pub fn is_empty(&self) -> bool {
        self.new_changes.is_empty()
    }

    /// Changes of the batch the server already has.
    pub fn duplicates(&self) -> &[ChangeHash] {
        &self.duplicates
    }
}

/// Validates a device's changes to one order against the server's copy (`None` if the
/// server does not have the order). Nothing is stored here; the copy is not changed.
pub fn validate_order(
    existing: Option<&WorkOrderDoc>,
    order: OrderId,
    who: &Submitter,
    encoded: &[Vec<u8>],
    may_follow_up: &dyn Fn(OrderId) -> bool,
    lookups: &Lookups<'_>,
) -> Result<Validated, Refusal> {
    let pre = precheck(existing, who, encoded)?;
    apply_checked(existing.cloned(), order, who, pre, may_follow_up, lookups)
}

/// What validation looks up in the server's records: people (R-DISPATCH, R-HANDOVER) and
/// published fee-schedule items by version and code (R-PAID).
pub struct Lookups<'a> {
    pub person: &'a dyn Fn(UserId) -> Option<Person>,
    pub schedule_item: &'a dyn Fn(u32, &str) -> Option<ScheduleItem>,
}

impl Lookups<'static> {
    /// Knows nobody and no schedule (for tests and fuzzing).
    pub const NONE: Lookups<'static> = Lookups {
        person: &|_| None,
        schedule_item: &|_, _| None,
    };
}

impl std::fmt::Debug for Lookups<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Lookups")
    }
}

/// The checks that need only the changes themselves: they decode (bounded, checksummed),
/// are new to the server or else counted as duplicates, carry at most
/// `MAX_OPS_PER_CHANGE` ops, are the device's own, and — for an order the server has —
/// only insert strings into its event list. Each costs the size of the change, not of
/// the order.
pub fn precheck<B: CaseFacts>(
    existing: Option<&CaseDoc<B>>,
    who: &Submitter,
    encoded: &[Vec<u8>],
) -> Result<Prechecked, Refusal> {
    let changes = decode_changes(encoded).map_err(|e| Refusal {
        code: ErrorCode::BadFrame,
        message: e.to_string(),
    })?;
    let actor = actor_for(who.author.device);
    let events = existing.map(CaseDoc::events_id);
    let mut seen = HashSet::new();
    let mut new_changes = Vec::new();
    let mut duplicates = Vec::new();
    let mut appended = 0usize;
    for c in changes {
        if !seen.insert(c.hash()) {
            continue;
        }
        let known = existing.is_some_and(|d| d.change_by_hash(&c.hash()).is_some());
        if known {
            duplicates.push(c.hash());
            continue;
        }
        if c.len() > MAX_OPS_PER_CHANGE {
            return refuse(
                ErrorCode::BadFrame,
                format!("a change may carry at most {MAX_OPS_PER_CHANGE} ops"),
            );
        }
        if c.actor_id() != &actor {
            return refuse(
                ErrorCode::ForgedActor,
                format!("change {} is not authored by this device", c.hash()),
            );
        }
        if let Some(events) = &events {
            appended += count_appends(&c, events).map_err(|n| Refusal {
                code: ErrorCode::NotAppendOnly,
                message: n.message().to_owned(),
            })?;
        }
        new_changes.push(c);
    }
    Ok(Prechecked {
        new_changes,
        duplicates,
        appended,
    })
}

/// Applies prechecked changes to the server's copy and checks the rest: dependencies
/// present, each fact placed at the tail its author had seen, facts that decode and name
/// this device, user and role, facts the role may record, the same bounds as REST, and
/// the order in the device's scope. The copy is taken by value and changed in place (no
/// clone of a long order); on a refusal it is dropped and the caller reads it again.
pub fn apply_checked(
    existing: Option<WorkOrderDoc>,
    order: OrderId,
    who: &Submitter,
    pre: Prechecked,
    may_follow_up: &dyn Fn(OrderId) -> bool,
    lookups: &Lookups<'_>,
) -> Result<Validated, Refusal> {
    let Prechecked {
        new_changes,
        duplicates,
        appended,
    } = pre;
    let created = existing.is_none();
    let (doc, new_elements) = apply_new(existing, who, &new_changes, appended)?;
    if doc.order_id() != order {
        return refuse(ErrorCode::BadFact, "changes belong to another order");
    }
    let state = state::state(&doc).map_err(|e| Refusal {
        code: ErrorCode::BadFact,
        message: e.to_string(),
    })?;

    // Every new fact: decodes, names this device/user/role, and is allowed.
    let new_set: HashSet<ChangeHash> = new_changes.iter().map(|c| c.hash()).collect();
    let ever_assigned = std::cell::OnceCell::new();
    let may_write =
        || *ever_assigned.get_or_init(|| technician_may_write(&who.author.user, &doc, &state));
    let mut new_facts = Vec::new();
    for se in doc.events() {
        if !se.change.is_some_and(|h| new_set.contains(&h)) {
            continue;
        }
        let e = se.event.as_ref().map_err(|m| Refusal {
            code: ErrorCode::BadFact,
            message: format!("fact {} does not decode: {m}", se.index),
        })?;
        if e.author != who.author {
            return refuse(ErrorCode::Forbidden, "a fact names another author");
        }
        check_permission(who, e, may_follow_up, &may_write)?;
        check_shape(who, e, lookups)?;
        new_facts.push((e.id, e.corrected_at()));
    }
    if new_facts.len() != new_elements {
        return refuse(
            ErrorCode::NotAppendOnly,
            "unexpected elements in the event list",
        );
    }
    if !created && !facts_in_scope(who, &state, &may_write) {
        return refuse(
            ErrorCode::Forbidden,
            "the order is not in this device's scope",
        );
    }
    Ok(Validated {
        order,
        doc,
        state,
        new_changes,
        duplicates,
        created,
        new_facts,
    })
}

/// R-CLOCK: the server, receiving `v`, records that it doubts the time of each new fact
/// timed more than `CLOCK_AHEAD_LIMIT_MS` after `now` — a fact of its own (`TimeDoubted`,
/// by `server`, whose role must be `System`), appended to the document after the
/// device's changes. The device's facts are kept as they are; the reducer flags them and
/// times them at their receipt. Returns the server's changes (`v.doc` and `v.state`
/// include them).
pub fn doubt_future_times(
    v: &mut Validated,
    server: &Author,
    now: Millis,
) -> Result<Vec<Change>, crate::Error> {
    let limit = now.saturating_add(crate::order_state::CLOCK_AHEAD_LIMIT_MS);
    let doubted: Vec<EventId> = v
        .new_facts
        .iter()
        .filter(|(_, at)| *at > limit)
        .map(|(id, _)| *id)
        .collect();
    let mut changes = Vec::new();
    for event in doubted {
        let fact = Event {
            id: EventId::new(),
            author: server.clone(),
            at: now,
            offset: Some(0),
            body: EventBody::TimeDoubted {
                event,
                received_at: now,
            },
        };
        v.doc.set_device(server.device);
        let hash = v.doc.append(&fact)?;
        let change = v
            .doc
            .change_by_hash(&hash)
            .ok_or_else(|| crate::Error::Corrupt("own change missing".into()))?;
        changes.push(change);
    }
    if !changes.is_empty() {
        v.state = state::state(&v.doc)?;
    }
    Ok(changes)
}

fn facts_in_scope(
    who: &Submitter,
    state: &WorkOrderState,
    technician_may_write: &dyn Fn() -> bool,
) -> bool {
    if state.office.id != who.office {
        return false;
    }
    match who.author.role {
        Role::Technician => technician_may_write(),
        r => r.works_on_orders(),
    }
}

/// What a REST command would refuse for its input, refused here too: amounts out of
/// bounds (R-PAID), an assignment of anyone but an active technician of the office
/// (R-DISPATCH). One path for both doors.
fn check_shape(who: &Submitter, e: &Event, lookups: &Lookups<'_>) -> Result<(), Refusal> {
    let person = lookups.person;
    let bad_fact = |v: RuleViolation| Refusal {
        code: ErrorCode::BadFact,
        message: format!("{}: {v}", v.rule()),
    };
    well_formed(&e.body).map_err(bad_fact)?;
    check_fact(&e.body, lookups.schedule_item).map_err(bad_fact)?;
    if let EventBody::Logged {
        customer,
        description,
        ..
    } = &e.body
    {
        intake_complete(customer, description).map_err(bad_fact)?;
    }
    // R-COLLECT: a receipt has a number, and a collection names the receipt handed over —
    // required of a new fact here as of a REST command (older facts replay as they are).
    match &e.body {
        EventBody::ReceiptIssued { number, .. } if number.trim().is_empty() => {
            return refuse(ErrorCode::BadFact, "R-COLLECT: a receipt needs a number");
        }
        EventBody::FeeCollected { receipt, .. } if receipt.trim().is_empty() => {
            return refuse(
                ErrorCode::BadFact,
                "R-COLLECT: a collection names the receipt handed over",
            );
        }
        _ => {}
    }
    if let EventBody::HandedOver { to } = &e.body
        && !can_receive(person(*to).as_ref(), who.office)
    {
        return refuse(
            ErrorCode::BadFact,
            format!("R-HANDOVER: {to} is not an active engineering manager of this office"),
        );
    }
    if let EventBody::Assigned { technicians, .. } = &e.body
        && let Some(t) = technicians
            .iter()
            .find(|t| !assignable(person(**t).as_ref(), who.office))
    {
        return refuse(
            ErrorCode::BadFact,
            format!("R-DISPATCH: {t} is not an active technician of this office"),
        );
    }
    Ok(())
}

fn check_permission(
    who: &Submitter,
    e: &Event,
    may_follow_up: &dyn Fn(OrderId) -> bool,
    technician_may_write: &dyn Fn() -> bool,
) -> Result<(), Refusal> {
    let role = who.author.role;
    if let EventBody::Logged {
        office,
        channel,
        follow_up_of,
        ..
    } = &e.body
    {
        if office.id != who.office {
            return refuse(
                ErrorCode::Forbidden,
                "an order may be logged only in your office",
            );
        }
        let ok = match role {
            Role::FrontDesk
            | Role::CsAgent
            | Role::Administrator
            | Role::Dispatcher
            | Role::Admin => true,
            Role::Technician => {
                *channel == Channel::Field && follow_up_of.is_some_and(may_follow_up)
            }
            _ => false,
        };
        if !ok {
            return refuse(ErrorCode::Forbidden, "this role may not log this order");
        }
        return Ok(());
    }
    if !role_may_record(role, &e.body) {
        return refuse(
            ErrorCode::Forbidden,
            format!("a {} may not record {}", role.as_str(), e.body.kind()),
        );
    }
    if role == Role::Technician && needs_assignment(&e.body) && !technician_may_write() {
        return refuse(
            ErrorCode::Forbidden,
            "the technician was never assigned to this order",
        );
    }
    Ok(())
}

/// Applies prechecked changes to the server's copy (or, for a new case, to an empty
/// document) and checks what every kind shares: the changes only append facts to the
/// event list (a creation writes the root once and its facts), their dependencies are
/// present, and each fact sits at the tail its author had seen. Returns the document and
/// how many facts the changes added.
pub(crate) fn apply_new<B: CaseFacts>(
    existing: Option<CaseDoc<B>>,
    who: &Submitter,
    new_changes: &[Change],
    appended: usize,
) -> Result<(CaseDoc<B>, usize), Refusal> {
    let bad_frame = |e: crate::Error| Refusal {
        code: ErrorCode::BadFrame,
        message: format!("changes do not apply: {e}"),
    };
    let (doc, seen_before, new_elements) = match existing {
        Some(mut doc) => {
            let seen_before = (doc.heads(), doc.last_event_id());
            if !new_changes.is_empty() {
                // `precheck` read every op of these: inserts into the event list only.
                doc.apply_appends(new_changes.to_vec()).map_err(bad_frame)?;
            }
            (doc, Some(seen_before), appended)
        }
        None => {
            let mut after = Automerge::new();
            after
                .apply_changes(new_changes.to_vec())
                .map_err(|e| bad_frame(e.into()))?;
            let new_elements = check_append_only::<B>(&Automerge::new(), &after, true)?;
            let op_count: usize = new_changes.iter().map(|c| c.len()).sum();
            // A creation writes the root (schema, id, the list, and a kind's name) once,
            // plus its facts.
            let root_ops = if B::KIND.is_some() { 4 } else { 3 };
            if op_count != new_elements.len() + root_ops {
                return refuse(
                    ErrorCode::NotAppendOnly,
                    "changes do more than append facts to the event list",
                );
            }
            let doc =
                CaseDoc::<B>::from_validated(after, who.author.device).map_err(|e| Refusal {
                    code: ErrorCode::BadFact,
                    message: e.to_string(),
                })?;
            (doc, None, new_elements.len())
        }
    };
    if !doc.missing_deps().is_empty() {
        return refuse(
            ErrorCode::MissingDependencies,
            "changes depend on changes the server does not have",
        );
    }
    check_positions(doc.automerge(), new_changes, seen_before.as_ref())?;
    Ok((doc, new_elements))
}

/// Compares the document before and after: root untouched, every old fact unchanged,
/// no conflicts, new list elements only strings. Returns the new elements' ids.
/// A change may add facts only at the end of the list as its author saw it (the tail at
/// the change's dependencies), each after the one before it — never between facts that
/// were already in its causal past, where a reordering would rewrite what happened (a
/// consent placed before a completion that came without one). Two offline devices that
/// both appended after the same tail are both accepted.
///
/// `before` is the server's copy as it was (heads, last element): a change whose
/// dependencies are exactly those heads saw that tail, and a change depending on one
/// change of the batch saw the tail that change left — the common cases, answered
/// without reading the list's history.
fn check_positions(
    after: &Automerge,
    changes: &[Change],
    before: Option<&(Vec<ChangeHash>, Option<String>)>,
) -> Result<(), Refusal> {
    use automerge::legacy::{ElementId, Key, ObjectId};
    let bad = |m: &str| Refusal {
        code: ErrorCode::NotAppendOnly,
        message: m.to_owned(),
    };
    let events = match after.get(ROOT, "events") {
        Ok(Some((Value::Object(ObjType::List), id))) => id,
        _ => return Err(bad("no event list")),
    };
    let events_name = events.to_string();
    let same =
        |a: &[ChangeHash], b: &[ChangeHash]| a.len() == b.len() && a.iter().all(|h| b.contains(h));
    let mut tails: HashMap<ChangeHash, Option<String>> = HashMap::new();
    for c in changes {
        let expanded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| c.decode()))
            .map_err(|_| bad("a change does not decode"))?;
        let deps = c.deps();
        let known = match (before, deps) {
            (Some((heads, tail)), _) if same(heads, deps) => Some(tail.clone()),
            (_, [one]) => tails.get(one).cloned(),
            _ => None,
        };
        let mut tail: Option<String> = match known {
            Some(t) => t,
            None => {
                let seen = after.length_at(&events, deps);
                match seen.checked_sub(1) {
                    None => None,
                    Some(last) => after
                        .get_at(&events, last, deps)
                        .map_err(|_| bad("unreadable list"))?
                        .map(|(_, id)| id.to_string()),
                }
            }
        };
        let start = expanded.start_op.get();
        for (i, op) in expanded.operations.iter().enumerate() {
            let into_events = match &op.obj {
                ObjectId::Id(o) => format!("{}@{}", o.0, o.1) == events_name,
                ObjectId::Root => false,
            };
            if !(op.insert && into_events) {
                continue;
            }
            let after_element = match &op.key {
                Key::Seq(ElementId::Head) => None,
                Key::Seq(ElementId::Id(o)) => Some(format!("{}@{}", o.0, o.1)),
                Key::Map(_) => return Err(bad("a list insert with a map key")),
            };
            if after_element != tail {
                return Err(bad(
                    "a fact was placed before facts its author had already seen",
                ));
            }
            let counter = start.saturating_add(u64::try_from(i).unwrap_or(u64::MAX));
            tail = Some(format!("{counter}@{}", expanded.actor_id));
        }
        tails.insert(c.hash(), tail);
    }
    Ok(())
}

fn check_append_only<B: CaseFacts>(
    before: &Automerge,
    after: &Automerge,
    created: bool,
) -> Result<Vec<automerge::ObjId>, Refusal> {
    let bad = |m: &str| Refusal {
        code: ErrorCode::NotAppendOnly,
        message: m.to_owned(),
    };
    let keys: Vec<String> = after.keys(ROOT).collect();
    let expected: &[&str] = if B::KIND.is_some() {
        &["events", "kind", "order", "schema"]
    } else {
        &["events", "order", "schema"]
    };
    if keys != expected {
        return Err(bad("the document root holds other keys"));
    }
    for k in &keys {
        let all = after
            .get_all(ROOT, k.as_str())
            .map_err(|_| bad("unreadable root"))?;
        if all.len() != 1 {
            return Err(bad("the document root was overwritten"));
        }
        if !created {
            let old = before
                .get(ROOT, k.as_str())
                .map_err(|_| bad("unreadable root"))?;
            let new = after
                .get(ROOT, k.as_str())
                .map_err(|_| bad("unreadable root"))?;
            if old != new {
                return Err(bad("the document root was changed"));
            }
        }
    }
    let events = match after.get(ROOT, "events") {
        Ok(Some((Value::Object(ObjType::List), id))) => id,
        _ => return Err(bad("no event list")),
    };
    let mut old: HashMap<automerge::ObjId, String> = HashMap::new();
    if !created {
        let old_events = match before.get(ROOT, "events") {
            Ok(Some((Value::Object(ObjType::List), id))) => id,
            _ => return Err(bad("no event list")),
        };
        for item in before.list_range(&old_events, ..) {
            let id = item.id();
            let v = match item.value {
                automerge::ValueRef::Scalar(automerge::ScalarValueRef::Str(s)) => s.into_owned(),
                _ => String::new(),
            };
            old.insert(id, v);
        }
    }
    let mut new_elements = Vec::new();
    let mut present = 0usize;
    for item in after.list_range(&events, ..) {
        if item.conflict {
            return Err(bad("a fact was overwritten"));
        }
        let automerge::ValueRef::Scalar(automerge::ScalarValueRef::Str(v)) = &item.value else {
            return Err(bad("a fact is not a string"));
        };
        match old.get(&item.id()) {
            Some(was) if was.as_str() == v.as_ref() => present += 1,
            Some(_) => return Err(bad("a fact was edited")),
            None => new_elements.push(item.id()),
        }
    }
    if present != old.len() {
        return Err(bad("a fact was removed"));
    }
    Ok(new_elements)
}
