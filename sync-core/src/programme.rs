//! The call-back programme (回訪方案, S2 ch. 5, S5 25; R-VISIT): a plan — its period, whom
//! it calls and how many, the kinds of call-back — an outline (the questionnaire: the five
//! quality dimensions of S5 8 and free questions), a schedule of rounds, and the ways of
//! calling in the order they are tried. Call-backs planned under it are checked against
//! it, their answers are checked against its questionnaire, and a failed attempt falls
//! back to the next way it lists (R-VISIT: if one way fails, use another).
//!
//! Pure: the server stores programmes and their call-backs; what a programme may say and
//! what its call-backs may record are decided here once.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::callback::{Callback, CallbackMethod, CallbackResult, CallbackStatus};
use crate::model::{Millis, Role, UserId};
use crate::questionnaire::{Dimension, DimensionTally, MAX_QUESTION, MAX_QUESTIONS};

/// The longest title (characters).
pub const MAX_TITLE: usize = 200;
/// The longest description of whom the programme calls (具體對象, characters).
pub const MAX_AUDIENCE: usize = 500;
/// The most rounds in a schedule, and the longest focus of one (characters).
pub const MAX_ROUNDS: usize = 60;
pub const MAX_FOCUS: usize = 300;
/// The longest period a programme runs (days, both ends counted).
pub const MAX_PERIOD_DAYS: i64 = 366;
/// The most call-backs a programme or a round may aim at.
pub const MAX_TARGET: u32 = 100_000;

/// The kinds of call-back (R-VISIT-CONTENT).
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
pub enum VisitKind {
    /// 服務滿意度: how satisfied the customer is with the service.
    Satisfaction,
    /// 投訴處理: how a complaint was handled (a call-back about a complaint).
    ComplaintHandling,
    /// 維修質量: whether the repair held (feeds the pass rate).
    RepairHeld,
    /// R-COURTESY: how the staff behaved and whether the site was left clean.
    Courtesy,
}

/// A round of the schedule: a day of calling, with its focus (工作重點) and how many
/// call-backs it aims at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Round {
    /// `YYYY-MM-DD`, in the office's time zone.
    pub on: String,
    pub focus: String,
    pub target: u32,
}

/// What a programme says: everything but who wrote it and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeDraft {
    pub title: String,
    /// The period, `YYYY-MM-DD` to `YYYY-MM-DD` (both days included, office time zone).
    pub starts: String,
    pub ends: String,
    /// Whom it calls (具體對象), in words.
    pub audience: String,
    /// How many customers it aims to reach.
    pub target: u32,
    pub kinds: Vec<VisitKind>,
    /// The outline: the dimensions asked (scored 1–5) and the free questions.
    pub dimensions: Vec<Dimension>,
    pub questions: Vec<String>,
    pub schedule: Vec<Round>,
    /// The ways of calling, in the order they are tried.
    pub methods: Vec<CallbackMethod>,
}

/// A call-back programme as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Programme {
    pub id: String,
    pub draft: ProgrammeDraft,
    pub created_by: UserId,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// A day written exactly `YYYY-MM-DD` (chrono also reads `2026-1-5`; kept as typed, such
/// a day would never equal a call-back's day, sort wrong, and pass as a different round).
fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|d| d.format("%Y-%m-%d").to_string() == s)
}

fn over(s: &str, max: usize) -> bool {
    s.chars().count() > max
}

fn unique<T: PartialEq>(items: &[T]) -> bool {
    items
        .iter()
        .enumerate()
        .all(|(i, x)| !items[..i].contains(x))
}

impl ProgrammeDraft {
    /// R-VISIT-PLAN: the problems that keep it from being kept, one each (none: it may
    /// be kept). A programme has a title, a period, whom it calls and how many, at least
    /// one kind, an outline that asks something, rounds within the period, and at least
    /// one way of calling.
    pub fn check(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.title.trim().is_empty() || over(&self.title, MAX_TITLE) {
            out.push(format!("a title of 1–{MAX_TITLE} characters"));
        }
        let period = match (date(&self.starts), date(&self.ends)) {
            (Some(a), Some(b)) if a <= b && (b - a).num_days() < MAX_PERIOD_DAYS => Some((a, b)),
            (Some(_), Some(_)) => {
                out.push(format!(
                    "the period starts on or before its end and runs at most {MAX_PERIOD_DAYS} days"
                ));
                None
            }
            _ => {
                out.push("the period's days are YYYY-MM-DD".into());
                None
            }
        };
        if self.audience.trim().is_empty() || over(&self.audience, MAX_AUDIENCE) {
            out.push(format!("whom it calls, in 1–{MAX_AUDIENCE} characters"));
        }
        if !(1..=MAX_TARGET).contains(&self.target) {
            out.push(format!("a target of 1–{MAX_TARGET} customers"));
        }
        if self.kinds.is_empty() || !unique(&self.kinds) {
            out.push("at least one kind of call-back, each once".into());
        }
        if !unique(&self.dimensions) {
            out.push("each dimension asked once".into());
        }
        if self.questions.len() > MAX_QUESTIONS {
            out.push(format!("at most {MAX_QUESTIONS} free questions"));
        }
        for (i, q) in self.questions.iter().enumerate() {
            if q.trim().is_empty() || over(q, MAX_QUESTION) {
                out.push(format!("question {}: 1–{MAX_QUESTION} characters", i + 1));
            } else if self.questions[..i].iter().any(|o| o.trim() == q.trim()) {
                out.push(format!("question {}: asked twice", i + 1));
            }
        }
        if self.dimensions.is_empty() && self.questions.is_empty() {
            out.push("the questionnaire asks a dimension or a question".into());
        }
        if self.schedule.len() > MAX_ROUNDS {
            out.push(format!("at most {MAX_ROUNDS} rounds"));
        }
        for (i, r) in self.schedule.iter().enumerate() {
            match (date(&r.on), period) {
                (None, _) => out.push(format!("round {}: a day YYYY-MM-DD", i + 1)),
                (Some(d), Some((a, b))) if d < a || d > b => {
                    out.push(format!("round {}: {d} is outside the period", i + 1));
                }
                _ => {}
            }
            if self.schedule[..i].iter().any(|o| o.on == r.on) {
                out.push(format!("round {}: {} twice", i + 1, r.on));
            }
            if r.focus.trim().is_empty() || over(&r.focus, MAX_FOCUS) {
                out.push(format!(
                    "round {}: a focus of 1–{MAX_FOCUS} characters",
                    i + 1
                ));
            }
            if r.target > MAX_TARGET {
                out.push(format!("round {}: a target of at most {MAX_TARGET}", i + 1));
            }
        }
        if self.methods.is_empty() || !unique(&self.methods) {
            out.push("at least one way of calling, each once".into());
        }
        out
    }

    /// The same draft with its text trimmed and its rounds in date order.
    pub fn tidied(mut self) -> Self {
        self.title = self.title.trim().to_owned();
        self.audience = self.audience.trim().to_owned();
        for q in &mut self.questions {
            *q = q.trim().to_owned();
        }
        for r in &mut self.schedule {
            r.focus = r.focus.trim().to_owned();
        }
        self.schedule.sort_by(|a, b| a.on.cmp(&b.on));
        self
    }
}

/// R-VISIT: who calls which way — agents by phone, field staff on site, the
/// customer-service manager by online survey. The supervisor (主管 / 客服) still makes
/// phone call-backs and sends surveys where an office has no centre of its own.
pub fn method_fits(method: CallbackMethod, role: Role) -> bool {
    match method {
        CallbackMethod::Phone => matches!(role, Role::CsAgent | Role::CsManager | Role::Supervisor),
        CallbackMethod::OnSite => matches!(
            role,
            Role::Technician | Role::Dispatcher | Role::Administrator
        ),
        CallbackMethod::OnlineSurvey => matches!(role, Role::CsManager | Role::Supervisor),
    }
}

impl Programme {
    /// R-VISIT-PLAN: whether a call-back may be planned under it — on a day of its period
    /// (`day`, the planned time's date in the office's zone), one of its ways, and of one of
    /// its kinds (a complaint's call-back needs complaint handling; an order's any other).
    pub fn admits(
        &self,
        day: NaiveDate,
        method: CallbackMethod,
        about_complaint: bool,
    ) -> Result<(), String> {
        let d = &self.draft;
        let (Some(a), Some(b)) = (date(&d.starts), date(&d.ends)) else {
            return Err(format!("programme {} has no period", self.id));
        };
        if day < a || day > b {
            return Err(format!(
                "programme {:?} runs {a} to {b}; the call-back is planned for {day}",
                d.title
            ));
        }
        if !d.methods.contains(&method) {
            return Err(format!(
                "programme {:?} calls by {}, not {method}",
                d.title,
                d.methods
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let fits = if about_complaint {
            d.kinds.contains(&VisitKind::ComplaintHandling)
        } else {
            d.kinds.iter().any(|k| *k != VisitKind::ComplaintHandling)
        };
        if !fits {
            return Err(format!(
                "programme {:?} makes no call-back about {}",
                d.title,
                if about_complaint {
                    "complaints"
                } else {
                    "orders"
                }
            ));
        }
        Ok(())
    }

    /// R-VISIT-SURVEY: the problems of a result against the questionnaire — scores only for
    /// the dimensions it asks, answers only to its questions, each once.
    pub fn check_result(&self, r: &CallbackResult) -> Vec<String> {
        let d = &self.draft;
        let mut out = Vec::new();
        for (dim, _) in r.scores.scored() {
            if !d.dimensions.contains(&dim) {
                out.push(format!("the questionnaire does not ask about {dim}"));
            }
        }
        for (i, a) in r.answers.iter().enumerate() {
            if !d.questions.iter().any(|q| q == &a.question) {
                out.push(format!(
                    "answer {}: not a question of the questionnaire",
                    i + 1
                ));
            } else if r.answers[..i].iter().any(|o| o.question == a.question) {
                out.push(format!("answer {}: the question answered twice", i + 1));
            }
        }
        out
    }

    /// R-VISIT: the way to try after `tried` failed — the next the programme lists.
    pub fn next_method(&self, tried: CallbackMethod) -> Option<CallbackMethod> {
        let m = &self.draft.methods;
        let at = m.iter().position(|x| *x == tried)?;
        m.get(at + 1).copied()
    }
}

/// One way of calling, within a programme: attempts planned, made and failed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempts {
    pub planned: u64,
    pub done: u64,
    pub failed: u64,
}

impl Attempts {
    fn count(&mut self, s: CallbackStatus) {
        match s {
            CallbackStatus::Planned => self.planned += 1,
            CallbackStatus::Done => self.done += 1,
            CallbackStatus::Failed => self.failed += 1,
            CallbackStatus::Cancelled => {}
        }
    }
}

/// Where a programme stands (S5 25: the process managed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgrammeProgress {
    /// Customers (an order or a complaint each) reached at least once, against the target.
    pub reached: u64,
    pub target: u32,
    /// Every attempt, and per way of calling.
    pub attempts: Attempts,
    pub by_method: Vec<(CallbackMethod, Attempts)>,
    /// Per round of the schedule: the attempts planned for its day.
    pub rounds: Vec<(Round, Attempts)>,
    /// Attempts planned on no day of the schedule.
    pub unscheduled: Attempts,
    /// Satisfaction scores given: how many, their sum, how many at or above the office's
    /// threshold; and the dimensions' tallies.
    pub satisfaction_count: u64,
    pub satisfaction_sum: u64,
    pub satisfied: u64,
    pub dimensions: DimensionTally,
    /// Each free question with its answers (call-back id, answer), in the order given.
    pub answers: Vec<(String, Vec<(String, String)>)>,
}

/// S5 25: a programme's progress from its call-backs (cancelled ones aside). `day` gives
/// a planned time's date in the office's zone; `satisfied_score` is the office's threshold.
pub fn progress(
    p: &Programme,
    callbacks: &[Callback],
    day: impl Fn(Millis) -> Option<NaiveDate>,
    satisfied_score: u8,
) -> ProgrammeProgress {
    let d = &p.draft;
    let mut out = ProgrammeProgress {
        target: d.target,
        by_method: d
            .methods
            .iter()
            .map(|m| (*m, Attempts::default()))
            .collect(),
        rounds: d
            .schedule
            .iter()
            .map(|r| (r.clone(), Attempts::default()))
            .collect(),
        answers: d
            .questions
            .iter()
            .map(|q| (q.clone(), Vec::new()))
            .collect(),
        ..Default::default()
    };
    let mut reached: BTreeMap<(Option<String>, Option<String>), ()> = BTreeMap::new();
    for c in callbacks
        .iter()
        .filter(|c| c.status != CallbackStatus::Cancelled)
    {
        out.attempts.count(c.status);
        match out.by_method.iter_mut().find(|(m, _)| *m == c.method) {
            Some((_, a)) => a.count(c.status),
            None => {
                let mut a = Attempts::default();
                a.count(c.status);
                out.by_method.push((c.method, a));
            }
        }
        let on = day(c.planned_at).map(|d| d.format("%Y-%m-%d").to_string());
        match out
            .rounds
            .iter_mut()
            .find(|(r, _)| Some(&r.on) == on.as_ref())
        {
            Some((_, a)) => a.count(c.status),
            None => out.unscheduled.count(c.status),
        }
        if c.status != CallbackStatus::Done {
            continue;
        }
        reached.insert((c.order.map(|o| o.to_string()), c.complaint.clone()), ());
        if let Some(s) = c.satisfaction {
            out.satisfaction_count += 1;
            out.satisfaction_sum += u64::from(s);
            if s >= satisfied_score {
                out.satisfied += 1;
            }
        }
        out.dimensions.add(&c.scores);
        for a in &c.answers {
            if a.answer.trim().is_empty() {
                continue;
            }
            match out.answers.iter_mut().find(|(q, _)| q == &a.question) {
                Some((_, list)) => list.push((c.id.clone(), a.answer.clone())),
                // A question since dropped from the questionnaire keeps its answers.
                None => out
                    .answers
                    .push((a.question.clone(), vec![(c.id.clone(), a.answer.clone())])),
            }
        }
    }
    out.reached = reached.len() as u64;
    out
}

#[cfg(test)]
mod tests;
