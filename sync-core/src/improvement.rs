//! S5 16 — the PDCA register (PDCA循環): the centre's improvement work, one item a problem.
//! Plan: the problem found (by site management or survey), its cause (statistics and the
//! team's experience), the factor that weighs most on the work, and the actions to take.
//! Do: the actions carried out. Check: what they achieved, found by whatever means.
//! Act (收尾): what is consolidated, and the problems still unresolved — which go into the
//! next cycle as a new item, linked back, so nothing found is dropped.
//!
//! Pure: the server runs each step inside one transaction with the item (and the carried
//! item it opens).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::model::{Millis, UserId};

/// The longest text of any field (characters).
pub const MAX_IMPROVEMENT_TEXT: usize = 2000;
/// The most actions one plan lists.
pub const MAX_ACTIONS: usize = 20;
/// The most entries of what was done on one item: an item is one problem's cycle, and
/// keeping it bounded keeps every step on it cheap.
pub const MAX_DONE: usize = 100;

/// Where the problem was found.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Source {
    Complaint,
    Callback,
    Survey,
    /// A QA inspection (R-CS-QA).
    Qa,
    /// Site management (現場管理).
    Site,
    /// The month's figures.
    Statistics,
    Other,
}

/// Where an item stands: planning, doing, checking, or closed by its act.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Stage {
    Plan,
    Do,
    Check,
    Closed,
}

/// One measure of the plan: what, who carries it out, by when (the office's day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedAction {
    pub what: String,
    #[serde(default)]
    pub owner: Option<UserId>,
    #[serde(default)]
    pub due: Option<NaiveDate>,
}

/// Plan: ② the cause, ③ the factor weighing most on the work, ④ the measures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub cause: String,
    pub biggest_factor: String,
    pub actions: Vec<PlannedAction>,
}

/// Something carried out (Do), with who recorded it and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub note: String,
    pub by: UserId,
    pub at: Millis,
}

/// Check: what the measures achieved, and whether the problem is solved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checked {
    pub results: String,
    pub resolved: bool,
    pub by: UserId,
    pub at: Millis,
}

/// Act: what is consolidated, and what is left, carried into the next cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acted {
    pub consolidated: String,
    pub leftover: String,
    /// The next cycle's item that took the leftover.
    pub carried_to: Option<String>,
    pub by: UserId,
    pub at: Millis,
}

/// A problem found, to open an item with; the plan may wait (a carried problem has none).
#[derive(Debug, Clone)]
pub struct NewImprovement {
    pub problem: String,
    pub source: Source,
    /// What it was found on: a complaint's or call-back's id, a month, a place.
    pub reference: String,
    pub plan: Option<Plan>,
}

/// One item of the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Improvement {
    pub id: String,
    /// ① the problem found.
    pub problem: String,
    pub source: Source,
    pub reference: String,
    /// 1 for a problem found; one more for each time it was carried forward.
    pub cycle: u32,
    pub carried_from: Option<String>,
    pub plan: Option<Plan>,
    pub done: Vec<Entry>,
    pub check: Option<Checked>,
    pub act: Option<Acted>,
    pub created_by: UserId,
    pub created_at: Millis,
}

/// One step of the cycle.
#[derive(Debug, Clone)]
pub enum Step {
    /// Write or rewrite the plan, while nothing is carried out yet.
    Plan(Plan),
    Do {
        note: String,
    },
    Check {
        results: String,
        resolved: bool,
    },
    Act {
        consolidated: String,
        leftover: String,
    },
}

fn text(what: &str, s: &str, required: bool) -> Result<String, Error> {
    let s = s.trim();
    if (required && s.is_empty()) || s.chars().count() > MAX_IMPROVEMENT_TEXT {
        let least = if required { 1 } else { 0 };
        return Err(Error::InvalidInput(format!(
            "{what} is {least}–{MAX_IMPROVEMENT_TEXT} characters"
        )));
    }
    Ok(s.to_owned())
}

impl Plan {
    fn checked(self) -> Result<Plan, Error> {
        if self.actions.is_empty() || self.actions.len() > MAX_ACTIONS {
            return Err(Error::InvalidInput(format!(
                "a plan lists 1–{MAX_ACTIONS} actions"
            )));
        }
        let actions = self
            .actions
            .into_iter()
            .map(|a| {
                Ok(PlannedAction {
                    what: text("an action", &a.what, true)?,
                    ..a
                })
            })
            .collect::<Result<_, Error>>()?;
        Ok(Plan {
            cause: text("the cause", &self.cause, true)?,
            biggest_factor: text("the biggest factor", &self.biggest_factor, true)?,
            actions,
        })
    }
}

impl Improvement {
    pub fn new(new: NewImprovement, by: UserId, at: Millis) -> Result<Improvement, Error> {
        Ok(Improvement {
            id: uuid::Uuid::now_v7().to_string(),
            problem: text("the problem", &new.problem, true)?,
            source: new.source,
            reference: text("the reference", &new.reference, false)?,
            cycle: 1,
            carried_from: None,
            plan: new.plan.map(Plan::checked).transpose()?,
            done: Vec::new(),
            check: None,
            act: None,
            created_by: by,
            created_at: at,
        })
    }

    pub fn stage(&self) -> Stage {
        if self.act.is_some() {
            Stage::Closed
        } else if self.check.is_some() {
            Stage::Check
        } else if self.done.is_empty() {
            Stage::Plan
        } else {
            Stage::Do
        }
    }

    /// Whether `who` may take `step`: the manager takes every step; an action's owner
    /// records what was done (do) on it.
    pub fn may_take(&self, step: &Step, who: UserId, manager: bool) -> bool {
        manager
            || (matches!(step, Step::Do { .. })
                && self
                    .plan
                    .iter()
                    .flat_map(|p| &p.actions)
                    .any(|a| a.owner == Some(who)))
    }

    /// Takes one step of the cycle; acting with a leftover returns the next cycle's item,
    /// which the caller stores with this one. A step out of order is a conflict.
    pub fn step(
        &mut self,
        step: Step,
        by: UserId,
        at: Millis,
    ) -> Result<Option<Improvement>, Error> {
        let stage = self.stage();
        let refused = |what: &str| {
            Err(Error::Conflict(format!(
                "improvement {} is at {}: {what}",
                self.id,
                <&str>::from(stage)
            )))
        };
        match step {
            Step::Plan(plan) => {
                if stage != Stage::Plan {
                    return refused("the plan is fixed once its actions are being carried out");
                }
                self.plan = Some(plan.checked()?);
            }
            Step::Do { note } => {
                if self.plan.is_none() {
                    return refused("the plan (cause, biggest factor, actions) comes first");
                }
                if !matches!(stage, Stage::Plan | Stage::Do) {
                    return refused("the actions were checked already");
                }
                if self.done.len() >= MAX_DONE {
                    return refused("it holds the most entries of what was done: check it");
                }
                let note = text("what was done", &note, true)?;
                self.done.push(Entry { note, by, at });
            }
            Step::Check { results, resolved } => {
                if stage != Stage::Do {
                    return refused("a check follows what was done, once");
                }
                let results = text("the results", &results, true)?;
                self.check = Some(Checked {
                    results,
                    resolved,
                    by,
                    at,
                });
            }
            Step::Act {
                consolidated,
                leftover,
            } => {
                if stage != Stage::Check {
                    return refused("acting follows the check, once");
                }
                let consolidated = text("what is consolidated", &consolidated, true)?;
                let leftover = text("the problems left", &leftover, false)?;
                let resolved = self.check.as_ref().is_some_and(|c| c.resolved);
                if !resolved && leftover.is_empty() {
                    return refused("the check found the problem unresolved: name what is left");
                }
                let next = (!leftover.is_empty()).then(|| Improvement {
                    id: uuid::Uuid::now_v7().to_string(),
                    problem: leftover.clone(),
                    source: self.source,
                    reference: self.reference.clone(),
                    cycle: self.cycle.saturating_add(1),
                    carried_from: Some(self.id.clone()),
                    plan: None,
                    done: Vec::new(),
                    check: None,
                    act: None,
                    created_by: by,
                    created_at: at,
                });
                self.act = Some(Acted {
                    consolidated,
                    leftover,
                    carried_to: next.as_ref().map(|n| n.id.clone()),
                    by,
                    at,
                });
                return Ok(next);
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests;
