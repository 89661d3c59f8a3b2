//! R-SUP-COUNT: a quarter's storeroom count as a case on the shared engine: opened as of
//! an instant, counted item by item on any number of devices (offline), confirmed by the
//! clerk with the adjustments it makes. Two devices' counts merge by keeping every line;
//! the sheet's tally (`count.rs`) settles agreeing lines and shows disagreeing ones.

use serde::{Deserialize, Serialize};

use super::count::{CountLine, CountSheet, ItemCount, Quarter};
use super::ledger::{Movement, MovementKind};
use crate::doc::{CaseDoc, CaseFacts};
use crate::event::Fact;
use crate::model::{EventId, Millis, OfficeId, OrderId, Role};

/// A count is identified like any case.
pub type CountId = OrderId;

/// One fact of a count.
pub type CountFact = Fact<CountBody>;

/// A count's replicated document.
pub type CountDoc = CaseDoc<CountBody>;

/// The kinds of fact of a count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CountBody {
    /// The count of `quarter` begins, as of `as_of` (the ledger is read then). First.
    Opened {
        count: CountId,
        office: OfficeId,
        quarter: Quarter,
        #[cfg_attr(feature = "openapi", schema(value_type = i64))]
        as_of: Millis,
    },
    /// One item counted; a recount names the lines it replaces (facts its counter saw).
    Counted {
        #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
        item: String,
        #[cfg_attr(feature = "openapi", schema(maximum = 1_000_000_000_u64))]
        counted: u64,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        #[cfg_attr(feature = "openapi", schema(max_items = 200))]
        supersedes: Vec<EventId>,
    },
    /// The clerk confirms: these are the differences the count makes (item, delta), as
    /// the clerk's device computed them against the ledger.
    Confirmed {
        #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::item_deltas))]
        adjustments: Vec<(String, i64)>,
    },
    Note {
        #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
        text: String,
    },
}

impl CaseFacts for CountBody {
    const KIND: Option<&'static str> = Some("stock_count");
    const FIRST: &'static str = "opened";
    fn opens(&self) -> Option<OrderId> {
        match self {
            CountBody::Opened { count, .. } => Some(*count),
            _ => None,
        }
    }
}

/// Why a count's fact breaks a rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CountProblem {
    RoleNotAllowed {
        role: Role,
    },
    /// Counted after the count was confirmed (kept; the count no longer covers it).
    AfterConfirmation,
    /// Confirmed while items disagree (a recount is needed).
    ConfirmedWhileDisagreeing {
        items: Vec<String>,
    },
    /// Confirmed a second time with other adjustments (two devices' ledgers differed).
    ConfirmedDifferently,
}

/// A fact kept with its problem (rule R-SUP-COUNT).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountFlag {
    pub fact: EventId,
    pub problem: CountProblem,
}

/// A count's state: a pure function of its facts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CountState {
    pub office: OfficeId,
    pub sheet: CountSheet,
    pub confirmed_at: Option<Millis>,
    /// The first confirmation's adjustments.
    pub adjustments: Vec<(String, i64)>,
    pub flags: Vec<CountFlag>,
}

impl CountState {
    /// The confirmed count's movements, dated at the count's instant, with ids from the
    /// count and the item (the same on every device, so they merge once).
    pub fn movements(&self) -> Vec<Movement> {
        if self.confirmed_at.is_none() {
            return Vec::new();
        }
        self.adjustments
            .iter()
            .filter(|(_, d)| *d != 0)
            .map(|(item, delta)| Movement {
                id: format!("{}:{item}", self.sheet.id),
                item: item.clone(),
                at: self.sheet.at,
                kind: MovementKind::Adjusted {
                    delta: *delta,
                    count: self.sheet.id.clone(),
                },
            })
            .collect()
    }
}

/// Who records which fact: the storeroom's people.
pub fn role_may_record(role: Role, body: &CountBody) -> bool {
    match body {
        CountBody::Opened { .. } | CountBody::Confirmed { .. } | CountBody::Counted { .. } => {
            matches!(role, Role::LogisticsClerk | Role::Admin)
        }
        CountBody::Note { .. } => matches!(role, Role::LogisticsClerk | Role::Leader | Role::Admin),
    }
}

/// R-SUP-COUNT: the rules a fact must keep, given the count so far.
pub fn check(s: &CountState, role: Role, body: &CountBody) -> Result<(), CountProblem> {
    if !role_may_record(role, body) {
        return Err(CountProblem::RoleNotAllowed { role });
    }
    match body {
        CountBody::Counted { .. } if s.confirmed_at.is_some() => {
            Err(CountProblem::AfterConfirmation)
        }
        CountBody::Confirmed { adjustments } => {
            if s.confirmed_at.is_some() && *adjustments != s.adjustments {
                return Err(CountProblem::ConfirmedDifferently);
            }
            let items: Vec<String> = s
                .sheet
                .tally()
                .into_iter()
                .filter(|(_, c)| matches!(c, ItemCount::Disagree(_)))
                .map(|(i, _)| i)
                .collect();
            if items.is_empty() {
                Ok(())
            } else {
                Err(CountProblem::ConfirmedWhileDisagreeing { items })
            }
        }
        _ => Ok(()),
    }
}

/// The count's state from its facts in document order; `None` unless the first opens it.
pub fn reduce(facts: &[CountFact]) -> Option<CountState> {
    let (first, rest) = facts.split_first()?;
    let CountBody::Opened {
        count,
        office,
        quarter,
        as_of,
    } = &first.body
    else {
        return None;
    };
    let mut s = CountState {
        office: *office,
        sheet: CountSheet {
            id: count.to_string(),
            quarter: *quarter,
            at: *as_of,
            lines: Vec::new(),
        },
        confirmed_at: None,
        adjustments: Vec::new(),
        flags: Vec::new(),
    };
    for f in rest {
        if let Err(problem) = check(&s, f.author.role, &f.body) {
            s.flags.push(CountFlag {
                fact: f.id,
                problem,
            });
        }
        match &f.body {
            CountBody::Counted {
                item,
                counted,
                supersedes,
            } => s.sheet.lines.push(CountLine {
                id: f.id.to_string(),
                item: item.clone(),
                counted: *counted,
                at: f.corrected_at(),
                by: f.author.user.to_string(),
                supersedes: supersedes.iter().map(ToString::to_string).collect(),
            }),
            CountBody::Confirmed { adjustments } => {
                if s.confirmed_at.is_none() {
                    s.confirmed_at = Some(f.corrected_at());
                    s.adjustments = adjustments.clone();
                }
            }
            CountBody::Opened { .. } | CountBody::Note { .. } => {}
        }
    }
    Some(s)
}

/// The state of the count a document holds.
pub fn state_of(doc: &CountDoc) -> Option<CountState> {
    reduce(&doc.facts())
}

#[cfg(test)]
#[path = "stock_count_tests.rs"]
mod tests;
