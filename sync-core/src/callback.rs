//! Call-backs (回訪, R-VISIT) and spot-check samples (抽查回訪, R-MONTH): the records and
//! their rules, pure. The server stores them; what may be recorded, and how a sample is
//! drawn, is decided here once.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::model::{Millis, OrderId, PassFail, UserId};
use crate::questionnaire::{Answer, DimensionScores, check_answers};

const DAY_MS: Millis = 24 * 3600 * 1000;
/// R-VISIT: a customer not reached is tried again this long after, unless a time is given.
pub const DEFAULT_FALLBACK_AFTER: Millis = DAY_MS;

/// How a call-back is made (R-VISIT): by phone (agents), on site (field staff) or by an
/// online survey (the customer-service manager).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum CallbackMethod {
    Phone,
    OnSite,
    OnlineSurvey,
}

/// Where a call-back stands.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum CallbackStatus {
    Planned,
    /// The customer was reached and the result recorded (R-VISIT-RECORD).
    Done,
    /// Not reached; a fallback may have been planned.
    Failed,
    /// Never made: its sample was redrawn (R-MONTH 抽查回訪).
    Cancelled,
}

impl CallbackMethod {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl CallbackStatus {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A call-back: planned, then recorded once (R-VISIT, R-VISIT-RECORD, R-VISIT-OWNER).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Callback {
    pub id: String,
    /// What it is about: an order, or a complaint (R-VISIT-CONTENT's complaint-handling
    /// call-back); exactly one of the two.
    pub order: Option<OrderId>,
    #[serde(default)]
    pub complaint: Option<String>,
    pub method: CallbackMethod,
    pub planned_at: Millis,
    pub assignee: Option<UserId>,
    pub content: String,
    pub status: CallbackStatus,
    pub reached: Option<bool>,
    /// 1 to 5.
    pub satisfaction: Option<u8>,
    pub repair_held: Option<PassFail>,
    pub problems: String,
    /// Who must act on the problems found (R-VISIT-OWNER).
    pub responsible: Option<String>,
    pub fallback_method: Option<CallbackMethod>,
    pub sample: Option<String>,
    pub recorded_by: Option<UserId>,
    pub recorded_at: Option<Millis>,
    pub created_at: Millis,
    /// The programme it was planned under (S5 25), if any.
    #[serde(default)]
    pub programme: Option<String>,
    /// The customer's scores on the quality dimensions asked (S5 8), and their answers to
    /// the free questions, as recorded.
    #[serde(default)]
    pub scores: DimensionScores,
    #[serde(default)]
    pub answers: Vec<Answer>,
}

/// A call-back to plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackPlan {
    /// An order's call-back, or (with `complaint`) a complaint's; exactly one.
    pub order: Option<OrderId>,
    pub complaint: Option<String>,
    pub method: CallbackMethod,
    pub planned_at: Millis,
    pub assignee: Option<UserId>,
    pub content: String,
    pub sample: Option<String>,
    pub programme: Option<String>,
}

impl CallbackPlan {
    /// The planned call-back, with a fresh id.
    pub fn into_callback(self, now: Millis) -> Callback {
        Callback {
            id: uuid::Uuid::now_v7().to_string(),
            order: self.order,
            complaint: self.complaint,
            method: self.method,
            planned_at: self.planned_at,
            assignee: self.assignee,
            content: self.content,
            status: CallbackStatus::Planned,
            reached: None,
            satisfaction: None,
            repair_held: None,
            problems: String::new(),
            responsible: None,
            fallback_method: None,
            sample: self.sample,
            recorded_by: None,
            recorded_at: None,
            created_at: now,
            programme: self.programme,
            scores: DimensionScores::default(),
            answers: Vec::new(),
        }
    }
}

/// What is recorded when a call-back is made (the default: not reached, nothing said).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackResult {
    pub reached: bool,
    pub satisfaction: Option<u8>,
    pub repair_held: Option<PassFail>,
    #[serde(default)]
    pub problems: String,
    pub responsible: Option<String>,
    #[serde(default)]
    pub content: String,
    /// When the customer was not reached: try again this way (R-VISIT).
    pub fallback_method: Option<CallbackMethod>,
    /// When to try the fallback (UTC ms); default a day later.
    pub fallback_at: Option<Millis>,
    /// R-VISIT-OWNER: the person who must act on the problem found; a task is opened for
    /// them (`task::OwnerTask`).
    #[serde(default)]
    pub task_owner: Option<UserId>,
    /// The questionnaire's answers (S5 8's dimensions, the free questions).
    #[serde(default)]
    pub scores: DimensionScores,
    #[serde(default)]
    pub answers: Vec<Answer>,
}

/// The lowest and highest satisfaction score (the questionnaire's scale).
pub use crate::questionnaire::SCORE_SCALE as SATISFACTION_SCALE;

impl Callback {
    /// R-VISIT-RECORD: records the result of a planned call-back. If the customer was not
    /// reached and a fallback method is given, returns the next attempt to plan (R-VISIT:
    /// if one way fails, use another).
    pub fn record(
        &mut self,
        r: &CallbackResult,
        by: UserId,
        now: Millis,
    ) -> Result<Option<CallbackPlan>, Error> {
        if self.status != CallbackStatus::Planned {
            return Err(Error::Conflict(format!(
                "call-back {} is already {}",
                self.id, self.status
            )));
        }
        if let Some(s) = r.satisfaction
            && !SATISFACTION_SCALE.contains(&s)
        {
            return Err(Error::InvalidInput("satisfaction is 1 to 5".into()));
        }
        check_answers(r.reached, &r.scores, &r.answers).map_err(Error::InvalidInput)?;
        if r.task_owner.is_some() && (!r.reached || r.problems.trim().is_empty()) {
            return Err(Error::InvalidInput(
                "a task owner is named for a problem found on a call-back that reached the customer"
                    .into(),
            ));
        }
        // R-VISIT-CONTENT: a complaint's call-back asks how the complaint was handled.
        if self.complaint.is_some() && r.repair_held.is_some() {
            return Err(Error::InvalidInput(
                "a complaint's call-back asks about the handling, not whether a repair held".into(),
            ));
        }
        if self.complaint.is_some() && r.reached && r.satisfaction.is_none() {
            return Err(Error::InvalidInput(
                "a reached complainant's call-back records their satisfaction with the handling"
                    .into(),
            ));
        }
        if r.reached && r.satisfaction.is_none() && r.repair_held.is_none() {
            return Err(Error::InvalidInput(
                "a reached customer's call-back records satisfaction or whether the repair held"
                    .into(),
            ));
        }
        self.status = if r.reached {
            CallbackStatus::Done
        } else {
            CallbackStatus::Failed
        };
        self.reached = Some(r.reached);
        self.satisfaction = r.satisfaction.filter(|_| r.reached);
        self.repair_held = r.repair_held.filter(|_| r.reached);
        self.scores = r.scores;
        self.answers = r.answers.clone();
        self.problems = r.problems.clone();
        self.responsible = r.responsible.clone();
        self.fallback_method = r.fallback_method;
        self.recorded_by = Some(by);
        self.recorded_at = Some(now);
        if !r.content.is_empty() {
            self.content = r.content.clone();
        }
        Ok(match (r.fallback_method, r.reached) {
            (Some(method), false) => Some(CallbackPlan {
                order: self.order,
                complaint: self.complaint.clone(),
                method,
                planned_at: r
                    .fallback_at
                    .unwrap_or(now.saturating_add(DEFAULT_FALLBACK_AFTER)),
                // R-VISIT: each way has its own callers (agents phone, field staff go on
                // site, the manager sends surveys): another way waits for one of them.
                assignee: self.assignee.filter(|_| method == self.method),
                content: self.content.clone(),
                sample: self.sample.clone(),
                programme: self.programme.clone(),
            }),
            _ => None,
        })
    }
}

/// How a spot-check sample is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleParams {
    /// Percent of each technician's completed orders.
    #[serde(default = "SampleParams::default_percent")]
    pub percent: u32,
    /// At least this many per technician (or all they completed, if fewer).
    #[serde(default = "SampleParams::default_min")]
    pub min_per_technician: u32,
    /// Any number; the same seed and parameters draw the same sample.
    pub seed: Option<u64>,
}

impl SampleParams {
    /// The default share of each technician's completed orders called back: the console
    /// shows this value, served by the API, so there is one default.
    pub const DEFAULT_PERCENT: u32 = 10;
    pub const DEFAULT_MIN: u32 = 1;

    fn default_percent() -> u32 {
        Self::DEFAULT_PERCENT
    }
    fn default_min() -> u32 {
        Self::DEFAULT_MIN
    }
}

impl Default for SampleParams {
    fn default() -> Self {
        SampleParams {
            percent: Self::DEFAULT_PERCENT,
            min_per_technician: Self::DEFAULT_MIN,
            seed: None,
        }
    }
}

/// Per technician: how many they completed and how many were drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stratum {
    pub technician: Option<UserId>,
    pub completed: u64,
    pub drawn: u64,
}

/// R-MONTH 抽查回訪: per technician, the orders completed in the month ranked by
/// SHA-256(seed ‖ order id), taking max(min, ⌈percent × n / 100⌉) of them. Pure in the
/// data and the seed, so anyone can re-draw it.
pub fn draw_sample(
    completed: &[(Option<UserId>, OrderId)],
    percent: u32,
    min: u32,
    seed: u64,
) -> Result<(Vec<OrderId>, Vec<Stratum>), Error> {
    if percent > 100 {
        return Err(Error::InvalidInput("percent is 0 to 100".into()));
    }
    let mut by_tech: BTreeMap<Option<UserId>, Vec<OrderId>> = BTreeMap::new();
    for (t, o) in completed {
        by_tech.entry(*t).or_default().push(*o);
    }
    let mut orders = Vec::new();
    let mut strata = Vec::new();
    for (technician, mut ids) in by_tech {
        let n = ids.len() as u64;
        let want = (n * u64::from(percent))
            .div_ceil(100)
            .max(u64::from(min))
            .min(n);
        ids.sort_by_cached_key(|id| {
            let mut h = Sha256::new();
            h.update(seed.to_be_bytes());
            h.update(id.to_string().as_bytes());
            h.finalize()
        });
        orders.extend(ids.iter().take(usize::try_from(want).unwrap_or(usize::MAX)));
        strata.push(Stratum {
            technician,
            completed: n,
            drawn: want,
        });
    }
    Ok((orders, strata))
}

/// The longest reason a redraw may give (characters).
pub const MAX_REDRAW_REASON: usize = 500;

/// What redrawing a month's sample does to its call-backs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Redraw {
    /// Planned call-backs whose order left the sample: cancelled, never made.
    pub cancel: Vec<String>,
    /// Orders of the new sample with no call-back yet: planned anew.
    pub plan: Vec<OrderId>,
}

/// R-MONTH 抽查回訪: a month's sample is drawn once; drawing it again is a redraw, with a
/// reason (1–500 characters, not blank). A call-back made stays what it was (facts that
/// happened are kept); a planned one stays when its order is still drawn, and is
/// cancelled when it is not; an order newly drawn is planned once. So the queue never
/// holds an order twice.
pub fn redraw(reason: &str, earlier: &[Callback], drawn: &[OrderId]) -> Result<Redraw, Error> {
    if reason.trim().is_empty() || reason.chars().count() > MAX_REDRAW_REASON {
        return Err(Error::InvalidInput(format!(
            "a redraw gives its reason (1–{MAX_REDRAW_REASON} characters)"
        )));
    }
    let live: Vec<&Callback> = earlier
        .iter()
        .filter(|c| c.status != CallbackStatus::Cancelled)
        .collect();
    let cancel = live
        .iter()
        .filter(|c| {
            c.status == CallbackStatus::Planned && c.order.is_some_and(|o| !drawn.contains(&o))
        })
        .map(|c| c.id.clone())
        .collect();
    let mut plan: Vec<OrderId> = Vec::new();
    for o in drawn {
        if !plan.contains(o) && !live.iter().any(|c| c.order == Some(*o)) {
            plan.push(*o);
        }
    }
    Ok(Redraw { cancel, plan })
}

/// Where a month's call-back programme stands, counted per sampled order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Progress {
    /// The customer was reached.
    pub done: u64,
    /// A call-back is still planned (a first attempt or a fallback).
    pub to_do: u64,
    /// Every attempt failed and none is planned.
    pub unreachable: u64,
}

/// R-VISIT: counts each order once, by the best of its call-backs (cancelled ones aside).
pub fn progress(callbacks: &[Callback]) -> Progress {
    let mut by_order: BTreeMap<OrderId, CallbackStatus> = BTreeMap::new();
    let rank = |s: CallbackStatus| match s {
        CallbackStatus::Done => 3,
        CallbackStatus::Planned => 2,
        CallbackStatus::Failed => 1,
        CallbackStatus::Cancelled => 0,
    };
    for c in callbacks
        .iter()
        .filter(|c| c.status != CallbackStatus::Cancelled)
    {
        let Some(order) = c.order else { continue };
        let e = by_order.entry(order).or_insert(c.status);
        if rank(c.status) > rank(*e) {
            *e = c.status;
        }
    }
    let mut p = Progress::default();
    for s in by_order.values() {
        match s {
            CallbackStatus::Done => p.done += 1,
            CallbackStatus::Planned => p.to_do += 1,
            _ => p.unreachable += 1,
        }
    }
    p
}

#[cfg(test)]
mod tests;
