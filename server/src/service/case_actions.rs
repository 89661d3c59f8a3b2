//! What the caller may record on a case now, as the very facts to send: each candidate
//! step of the case's kind is kept when the role records it (`role_may_record`) and the
//! kind's command check passes on the case as it stands. The console shows these and
//! nothing else, so it keeps no copy of the roles and rules (it posts `fact` as given,
//! filling the note's text).

use baoxiu_sync_core::EventId;
use baoxiu_sync_core::supplies::issue::Line;
use baoxiu_sync_core::supplies::purchase::{self, PlanBody, PlanContext, PlanState};
use baoxiu_sync_core::supplies::requisition::{self, RequisitionBody, RequisitionState};
use baoxiu_sync_core::supplies::stock_count::{self, CountBody, CountState};
use baoxiu_sync_core::vehicles::case::{self as repair, RepairBody, RepairContext, RepairState};
use baoxiu_sync_core::vehicles::log::{self, LogBody, LogState};
use baoxiu_sync_core::vehicles::usage::UseFlag;
use serde::Serialize;

use crate::auth::Claims;

/// One step the caller may take: its name (`approve`, `file`, `consent_leave:<trip>`…)
/// and the body of `POST /api/v1/cases/{id}/facts` that takes it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseAction {
    pub name: String,
    #[schema(value_type = Object)]
    pub fact: serde_json::Value,
}

fn action<B: Serialize>(kind: &str, name: String, body: &B) -> Option<CaseAction> {
    let fact = serde_json::to_value(body).ok()?;
    Some(CaseAction {
        name,
        fact: serde_json::json!({ kind: fact }),
    })
}

/// A note, when the role may write one (its text is the caller's).
fn note<B>(body: B, may: impl Fn(&B) -> bool) -> Option<(String, B)> {
    may(&body).then(|| ("note".to_owned(), body))
}

pub fn repair(s: &RepairState, c: &Claims, ctx: &RepairContext) -> Vec<CaseAction> {
    let mut steps = vec![
        ("approve".to_owned(), RepairBody::Approved { ceiling: None }),
        ("file".to_owned(), RepairBody::Filed),
    ];
    // R-VEH-COSTLY / R-VEH-SCOPE: item by item, the form's and the proposals.
    for i in s.items.iter().chain(&s.proposals) {
        steps.push((
            format!("review:{}", i.code),
            RepairBody::Reviewed {
                code: i.code.clone(),
            },
        ));
        steps.push((
            format!("approve_item:{}", i.code),
            RepairBody::ItemApproved {
                code: i.code.clone(),
            },
        ));
    }
    steps.retain(|(_, b)| repair::check(s, c.role, c.sub, b, ctx).is_ok());
    steps.extend(note(
        RepairBody::Note {
            text: String::new(),
        },
        |b| repair::role_may_record(c.role, b),
    ));
    steps
        .iter()
        .filter_map(|(n, b)| action("vehicle_repair", n.clone(), b))
        .collect()
}

pub fn log(s: &LogState, c: &Claims) -> Vec<CaseAction> {
    let mut steps = Vec::new();
    for f in &s.flags {
        let (name, trip, body): (&str, &String, fn(EventId) -> LogBody) = match f {
            UseFlag::PrivateWithoutApproval { trip } => ("approve_private", trip, |trip| {
                LogBody::PrivateUseApproved { trip }
            }),
            UseFlag::LeftCityWithoutConsent { trip } => ("consent_leave", trip, |trip| {
                LogBody::LeaveConsented { trip }
            }),
            _ => continue,
        };
        if let Ok(id) = trip.parse() {
            steps.push((format!("{name}:{trip}"), body(id)));
        }
    }
    steps.extend(note(
        LogBody::Note {
            text: String::new(),
        },
        |b| log::role_may_record(c.role, b),
    ));
    steps
        .into_iter()
        .filter(|(_, b)| log::role_may_record(c.role, b))
        .filter_map(|(n, b)| action("vehicle_log", n, &b))
        .collect()
}

pub fn requisition(s: &RequisitionState, c: &Claims) -> Vec<CaseAction> {
    // What is left to hand over: each line asked for, less what was issued.
    let left: Vec<Line> = s
        .requested
        .iter()
        .filter_map(|(item, asked)| {
            let done = s.issued.get(item).copied().unwrap_or(0);
            (*asked > done).then(|| Line {
                item: item.clone(),
                quantity: asked - done,
            })
        })
        .collect();
    let mut steps = vec![
        ("approve".to_owned(), RequisitionBody::Approved),
        ("check".to_owned(), RequisitionBody::Checked),
    ];
    if !left.is_empty() {
        steps.push((
            "issue".to_owned(),
            RequisitionBody::Issued {
                lines: left,
                override_reason: None,
            },
        ));
    }
    steps.retain(|(_, b)| requisition::check(s, c.role, b).is_ok());
    steps.extend(note(
        RequisitionBody::Note {
            text: String::new(),
        },
        |b| requisition::role_may_record(c.role, b),
    ));
    steps
        .iter()
        .filter_map(|(n, b)| action("requisition", n.clone(), b))
        .collect()
}

pub fn plan(s: &PlanState, c: &Claims, ctx: &PlanContext) -> Vec<CaseAction> {
    let mut steps = vec![("approve".to_owned(), PlanBody::Approved)];
    steps.retain(|(_, b)| purchase::check(s, c.role, b, ctx).is_ok());
    steps.extend(note(
        PlanBody::Note {
            text: String::new(),
        },
        |b| purchase::role_may_record(c.role, b),
    ));
    steps
        .iter()
        .filter_map(|(n, b)| action("purchase_plan", n.clone(), b))
        .collect()
}

pub fn count(s: &CountState, c: &Claims) -> Vec<CaseAction> {
    let steps: Vec<(String, CountBody)> = note(
        CountBody::Note {
            text: String::new(),
        },
        |b| stock_count::check(s, c.role, b).is_ok(),
    )
    .into_iter()
    .collect();
    steps
        .iter()
        .filter_map(|(n, b)| action("stock_count", n.clone(), b))
        .collect()
}

/// The kinds of case `role` opens (its first fact is the role's to record), by name.
pub fn opens(role: baoxiu_sync_core::Role) -> Vec<&'static str> {
    use baoxiu_sync_core::kinds::CaseKind;
    use baoxiu_sync_core::supplies::count::Quarter;
    use baoxiu_sync_core::{OfficeId, OrderId};
    let (id, office) = (OrderId::new(), OfficeId::new());
    let firsts: [(&'static str, bool); 5] = [
        (
            "vehicle_repair",
            RepairBody::Requested {
                repair: id,
                office,
                plate: String::new(),
                fault: String::new(),
            }
            .role_may_record(role),
        ),
        (
            "vehicle_log",
            LogBody::Opened {
                log: id,
                office,
                plate: String::new(),
            }
            .role_may_record(role),
        ),
        (
            "requisition",
            RequisitionBody::Requested {
                requisition: id,
                office,
                department: String::new(),
                lines: Vec::new(),
            }
            .role_may_record(role),
        ),
        (
            "stock_count",
            CountBody::Opened {
                count: id,
                office,
                quarter: Quarter { year: 2026, q: 1 },
                as_of: 0,
            }
            .role_may_record(role),
        ),
        (
            "purchase_plan",
            PlanBody::Drafted {
                plan: id,
                office,
                lines: Vec::new(),
            }
            .role_may_record(role),
        ),
    ];
    firsts
        .into_iter()
        .filter_map(|(name, may)| may.then_some(name))
        .collect()
}
