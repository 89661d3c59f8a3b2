//! R-SUP-ISSUE: a department's requisition (申請批準單) as a case: requested, approved by
//! the department's head, checked and logged by the clerk, issued — in parts when stock is
//! short. Its issues are the ledger's `issued` movements.
//!
//! As with every case, a command refuses a fact that breaks a rule (`check`); one that
//! arrives anyway (recorded offline) is kept and flagged by the reducer.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::issue::Line;
use super::ledger::{MAX_QUANTITY, Movement, MovementKind};
use crate::doc::{CaseDoc, CaseFacts};
use crate::event::Fact;
use crate::model::{EventId, Millis, OfficeId, OrderId, Role, UserId};

/// A requisition is identified like any case.
pub type RequisitionId = OrderId;

/// One fact of a requisition.
pub type RequisitionFact = Fact<RequisitionBody>;

/// A requisition's replicated document.
pub type RequisitionDoc = CaseDoc<RequisitionBody>;

/// The kinds of fact of a requisition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RequisitionBody {
    /// The department asks for these items. Always the first fact.
    Requested {
        requisition: RequisitionId,
        office: OfficeId,
        #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
        department: String,
        #[cfg_attr(feature = "openapi", schema(max_items = 200))]
        lines: Vec<Line>,
    },
    /// The department head approves (批準).
    Approved,
    /// The clerk checks it and logs it in the register (核對並登記).
    Checked,
    /// Items handed over: all or part of what is left, each line from the stock; an issue
    /// beyond the stock carries the override's reason (the ledger flags it).
    Issued {
        #[cfg_attr(feature = "openapi", schema(max_items = 200))]
        lines: Vec<Line>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
        override_reason: Option<String>,
    },
    Cancelled {
        #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
        reason: String,
    },
    Note {
        #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
        text: String,
    },
}

impl CaseFacts for RequisitionBody {
    const KIND: Option<&'static str> = Some("requisition");
    const FIRST: &'static str = "requested";
    fn opens(&self) -> Option<OrderId> {
        match self {
            RequisitionBody::Requested { requisition, .. } => Some(*requisition),
            _ => None,
        }
    }
}

/// Where a requisition stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequisitionStatus {
    Requested,
    Approved,
    Checked,
    /// Issued in part: the rest waits for stock.
    PartlyIssued,
    Issued,
    Cancelled,
}

/// Why a requisition's fact breaks a rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RequisitionProblem {
    RoleNotAllowed {
        role: Role,
    },
    /// Issued before the head approved and the clerk checked, or any step out of order.
    OutOfOrder {
        status: RequisitionStatus,
    },
    /// More of an item than is left of the request, or an item not requested.
    BeyondRequest {
        item: String,
    },
    /// A line of no units, or too many.
    Quantity {
        item: String,
    },
}

/// A fact kept with its problem (rule R-SUP-ISSUE).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequisitionFlag {
    pub fact: EventId,
    pub problem: RequisitionProblem,
}

/// A requisition's state: a pure function of its facts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RequisitionState {
    pub requisition: RequisitionId,
    pub office: OfficeId,
    pub department: String,
    pub requested_by: UserId,
    pub requested_at: Millis,
    pub status: RequisitionStatus,
    /// Requested, by item (lines of one item added up), in the order first named.
    pub requested: Vec<(String, u64)>,
    /// Issued so far, by item.
    pub issued: BTreeMap<String, u64>,
    /// The issues as ledger movements, in document order.
    pub movements: Vec<Movement>,
    pub flags: Vec<RequisitionFlag>,
}

impl RequisitionState {
    /// What is left to issue of an item.
    pub fn left(&self, item: &str) -> u64 {
        let asked = self
            .requested
            .iter()
            .find(|(i, _)| i == item)
            .map(|(_, q)| *q)
            .unwrap_or(0);
        asked.saturating_sub(self.issued.get(item).copied().unwrap_or(0))
    }

    fn all_issued(&self) -> bool {
        self.requested.iter().all(|(i, _)| self.left(i) == 0)
    }
}

/// Who records which fact.
pub fn role_may_record(role: Role, body: &RequisitionBody) -> bool {
    use RequisitionBody as B;
    use Role as R;
    if role == R::Admin {
        return true;
    }
    match body {
        B::Requested { .. } => matches!(role, R::DepartmentHead | R::LogisticsClerk),
        B::Approved => role == R::DepartmentHead,
        B::Checked | B::Issued { .. } => role == R::LogisticsClerk,
        B::Cancelled { .. } => matches!(role, R::DepartmentHead | R::LogisticsClerk),
        B::Note { .. } => matches!(role, R::DepartmentHead | R::LogisticsClerk | R::Leader),
    }
}

/// R-SUP-ISSUE: the rules a fact must keep, given the requisition so far.
pub fn check(
    s: &RequisitionState,
    role: Role,
    body: &RequisitionBody,
) -> Result<(), RequisitionProblem> {
    use RequisitionBody as B;
    use RequisitionStatus as S;
    if !role_may_record(role, body) {
        return Err(RequisitionProblem::RoleNotAllowed { role });
    }
    let order = |ok: bool| {
        if ok {
            Ok(())
        } else {
            Err(RequisitionProblem::OutOfOrder { status: s.status })
        }
    };
    match body {
        B::Requested { .. } => order(false),
        B::Approved => order(s.status == S::Requested),
        B::Checked => order(s.status == S::Approved),
        B::Issued { lines, .. } => {
            order(matches!(s.status, S::Checked | S::PartlyIssued))?;
            let mut this: BTreeMap<&str, u64> = BTreeMap::new();
            for l in lines {
                if l.quantity == 0 || l.quantity > MAX_QUANTITY {
                    return Err(RequisitionProblem::Quantity {
                        item: l.item.clone(),
                    });
                }
                let n = this.entry(&l.item).or_default();
                *n = n.saturating_add(l.quantity);
                if *n > s.left(&l.item) {
                    return Err(RequisitionProblem::BeyondRequest {
                        item: l.item.clone(),
                    });
                }
            }
            Ok(())
        }
        B::Cancelled { .. } => order(s.status < S::Issued),
        B::Note { .. } => Ok(()),
    }
}

/// The requisition's state from its facts in document order; `None` unless the first is
/// a request. Every fact is applied; one that breaks a rule is flagged.
pub fn reduce(facts: &[RequisitionFact]) -> Option<RequisitionState> {
    let (first, rest) = facts.split_first()?;
    let RequisitionBody::Requested {
        requisition,
        office,
        department,
        lines,
    } = &first.body
    else {
        return None;
    };
    let mut requested: Vec<(String, u64)> = Vec::new();
    for l in lines {
        match requested.iter_mut().find(|(i, _)| *i == l.item) {
            Some((_, q)) => *q = q.saturating_add(l.quantity),
            None => requested.push((l.item.clone(), l.quantity)),
        }
    }
    let mut s = RequisitionState {
        requisition: *requisition,
        office: *office,
        department: department.clone(),
        requested_by: first.author.user,
        requested_at: first.corrected_at(),
        status: RequisitionStatus::Requested,
        requested,
        issued: BTreeMap::new(),
        movements: Vec::new(),
        flags: Vec::new(),
    };
    for f in rest {
        if let Err(problem) = check(&s, f.author.role, &f.body) {
            s.flags.push(RequisitionFlag {
                fact: f.id,
                problem,
            });
        }
        apply(&mut s, f);
    }
    Some(s)
}

fn apply(s: &mut RequisitionState, f: &RequisitionFact) {
    use RequisitionBody as B;
    use RequisitionStatus as S;
    match &f.body {
        B::Requested { .. } | B::Note { .. } => {}
        B::Approved => s.status = s.status.max(S::Approved),
        B::Checked => s.status = s.status.max(S::Checked),
        B::Issued {
            lines,
            override_reason,
        } => {
            for (n, l) in lines.iter().enumerate() {
                let q = s.issued.entry(l.item.clone()).or_default();
                *q = q.saturating_add(l.quantity);
                s.movements.push(Movement {
                    id: format!("{}:{n}", f.id),
                    item: l.item.clone(),
                    at: f.corrected_at(),
                    kind: MovementKind::Issued {
                        quantity: l.quantity.min(MAX_QUANTITY),
                        department: s.department.clone(),
                        requisition: s.requisition.to_string(),
                        override_reason: override_reason.clone(),
                    },
                });
            }
            if s.status != S::Cancelled {
                s.status = if s.all_issued() {
                    S::Issued
                } else {
                    S::PartlyIssued
                };
            }
        }
        B::Cancelled { .. } => s.status = S::Cancelled,
    }
}

/// The state of the requisition a document holds.
pub fn state_of(doc: &RequisitionDoc) -> Option<RequisitionState> {
    reduce(&doc.facts())
}

#[cfg(test)]
#[path = "requisition_tests.rs"]
mod tests;
