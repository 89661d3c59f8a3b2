//! The server's check of a device's changes to a case of a kind other than a work order:
//! the same checks as for an order (decode, the device's own actor, append-only at the
//! tail its author saw, sizes, the author named), then the kind's answers — whether the
//! role records the fact, the fact's bounds, the office and the role's reach.
//!
//! As for orders, a fact that breaks a rule of the procedure is not refused here (it
//! happened; the kind's reducer flags it); only what no device of this user may write.

use std::collections::BTreeSet;

use automerge::{Change, ChangeHash, ReadDoc};

use super::{Refusal, Submitter, apply_new, precheck, refuse};
use crate::doc::{CaseDoc, decode_changes};
use crate::kinds::{CaseKind, Kind, Reach};
use crate::model::{OfficeId, OrderId, UserId};
use crate::protocol::ErrorCode;

/// Changes to one case that passed.
#[derive(Debug, Clone)]
pub struct ValidatedCase<B> {
    pub case: OrderId,
    /// The case's document with the changes applied.
    pub doc: CaseDoc<B>,
    pub office: OfficeId,
    /// Changes new to the server, dependencies first.
    pub new_changes: Vec<Change>,
    /// Hashes in the batch the server already had.
    pub duplicates: Vec<ChangeHash>,
    pub created: bool,
    /// Everyone who recorded a fact in the case (with the vehicle's drivers, its
    /// members: those whose reach is their own cases hold it).
    pub authors: BTreeSet<UserId>,
    /// The vehicle the case concerns, if it is a vehicle's case.
    pub vehicle: Option<String>,
}

/// Validates a device's changes to one case of kind `B` against the server's copy
/// (`None` if the server does not have it). `member`: whether the submitter is a member
/// of the existing case as the server knows it (an author, or a driver of its vehicle).
pub fn validate_case<B: CaseKind>(
    existing: Option<CaseDoc<B>>,
    case: OrderId,
    who: &Submitter,
    encoded: &[Vec<u8>],
    member: bool,
) -> Result<ValidatedCase<B>, Refusal> {
    let kind = B::NAME.as_str();
    let reach = B::NAME.reach(who.author.role);
    if reach == Reach::None {
        return refuse(
            ErrorCode::Forbidden,
            format!("a {} holds no {kind}", who.author.role.as_str()),
        );
    }
    let pre = precheck(existing.as_ref(), who, encoded)?;
    let created = existing.is_none();
    if pre.is_empty() {
        let Some(doc) = existing else {
            return refuse(ErrorCode::BadFrame, "a new case with no changes");
        };
        let opening = opening(&doc)?;
        return Ok(ValidatedCase {
            case,
            office: opening.0,
            vehicle: opening.1,
            authors: authors(&doc),
            doc,
            new_changes: Vec::new(),
            duplicates: pre.duplicates,
            created,
        });
    }
    let new_changes = pre.new_changes.clone();
    let (doc, new_elements) = apply_new(existing, who, &new_changes, pre.appended)?;
    if doc.order_id() != case {
        return refuse(ErrorCode::BadFact, "changes belong to another case");
    }
    let (office, vehicle) = opening(&doc)?;
    if office != who.office {
        return refuse(
            ErrorCode::Forbidden,
            format!("the {kind} is not in this device's office"),
        );
    }
    if !created && reach == Reach::Own && !member {
        return refuse(
            ErrorCode::Forbidden,
            format!("the {kind} is not in this device's scope"),
        );
    }
    let new_set: std::collections::HashSet<ChangeHash> =
        new_changes.iter().map(|c| c.hash()).collect();
    let mut new_facts = 0usize;
    for se in doc.events() {
        if !se.change.is_some_and(|h| new_set.contains(&h)) {
            continue;
        }
        let fact = se.event.as_ref().map_err(|m| Refusal {
            code: ErrorCode::BadFact,
            message: format!("fact {} does not decode: {m}", se.index),
        })?;
        if fact.author != who.author {
            return refuse(ErrorCode::Forbidden, "a fact names another author");
        }
        if se.index > 0 && fact.body.opens().is_some() {
            return refuse(
                ErrorCode::BadFact,
                format!("a {kind} is opened once, by its first fact"),
            );
        }
        if !fact.body.role_may_record(who.author.role) {
            return refuse(
                ErrorCode::Forbidden,
                format!(
                    "a {} may not record this fact of a {kind}",
                    who.author.role.as_str()
                ),
            );
        }
        fact.body.well_formed().map_err(|m| Refusal {
            code: ErrorCode::BadFact,
            message: format!("{kind}: {m}"),
        })?;
        new_facts += 1;
    }
    if new_facts != new_elements {
        return refuse(
            ErrorCode::NotAppendOnly,
            "unexpected elements in the event list",
        );
    }
    Ok(ValidatedCase {
        case,
        office,
        vehicle,
        authors: authors(&doc),
        doc,
        new_changes,
        duplicates: pre.duplicates,
        created,
    })
}

/// The kind of case a device's changes create, for a case the server does not have: the
/// name their document root carries (none: a work order). Changes that do not decode are
/// a bad frame; a kind this build does not know is a bad fact.
pub fn kind_of_new_case(encoded: &[Vec<u8>]) -> Result<Kind, Refusal> {
    let bad_frame = |m: String| Refusal {
        code: ErrorCode::BadFrame,
        message: m,
    };
    let changes = decode_changes(encoded).map_err(|e| bad_frame(e.to_string()))?;
    let doc = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut doc = automerge::Automerge::new();
        doc.apply_changes(changes).map(|()| doc)
    }))
    .map_err(|_| bad_frame("changes do not apply".into()))?
    .map_err(|e| bad_frame(format!("changes do not apply: {e}")))?;
    let name = match doc.get(automerge::ROOT, "kind") {
        Ok(None) => None,
        Ok(Some((automerge::Value::Scalar(s), _))) => s.as_str().map(str::to_owned),
        _ => return refuse(ErrorCode::BadFact, "the document's kind is not text"),
    };
    Kind::of_root(name.as_deref()).ok_or_else(|| Refusal {
        code: ErrorCode::BadFact,
        message: format!("no kind of case is called {:?}", name.unwrap_or_default()),
    })
}

/// The office a case was opened in, and its vehicle: from its first fact, which must
/// decode and open the case.
fn opening<B: CaseKind>(doc: &CaseDoc<B>) -> Result<(OfficeId, Option<String>), Refusal> {
    let bad = || Refusal {
        code: ErrorCode::BadFact,
        message: format!("a {} begins with `{}`", B::NAME.as_str(), B::FIRST),
    };
    let first = doc
        .events()
        .first()
        .and_then(|e| e.event.as_ref().ok())
        .ok_or_else(bad)?;
    if first.body.opens() != Some(doc.order_id()) {
        return Err(bad());
    }
    let office = first.body.opened_in().ok_or_else(bad)?;
    Ok((office, first.body.vehicle().map(str::to_owned)))
}

fn authors<B: CaseKind>(doc: &CaseDoc<B>) -> BTreeSet<UserId> {
    doc.events()
        .iter()
        .filter_map(|e| e.event.as_ref().ok())
        .map(|f| f.author.user)
        .collect()
}

#[cfg(test)]
#[path = "case_tests.rs"]
mod tests;
