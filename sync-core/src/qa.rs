//! R-CS-QA (S2 第八條: 指標質檢方案、作業指標質檢報告): the QA inspector scores the centre's
//! work — a contact taken at the front door, a call-back made — against the office's QA
//! scheme, criterion by criterion, with comments; the periodic QA report is computed from
//! those inspections (the server's `service/qa.rs`).
//!
//! The scheme is an office register with a documented default. An inspection keeps the
//! criteria and their points as they stood when it was made, so a scheme changed later
//! never rewrites what was inspected under the old one.

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::model::{Millis, UserId};

/// The most criteria a scheme has.
pub const MAX_CRITERIA: usize = 20;
/// The longest criterion name, and its guidance (characters).
pub const MAX_CRITERION_NAME: usize = 100;
pub const MAX_CRITERION_GUIDANCE: usize = 500;
/// The most points one criterion carries.
pub const MAX_CRITERION_POINTS: u16 = 100;
/// The longest comment of an inspection (characters).
pub const MAX_QA_COMMENT: usize = 2000;
/// The default share of the points an inspection must reach to pass, in percent.
pub const DEFAULT_PASS_PERCENT: u8 = 80;

/// One thing the inspector scores, out of `max_points`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub name: String,
    pub max_points: u16,
    /// What earns the points (for the inspector and the agents).
    #[serde(default)]
    pub guidance: String,
}

/// The office's QA scheme (指標質檢方案).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QaScheme {
    pub criteria: Vec<Criterion>,
    /// An inspection passes at this share of the points or more (percent, 1–100).
    pub pass_percent: u8,
}

fn criterion(name: &str, max_points: u16, guidance: &str) -> Criterion {
    Criterion {
        name: name.into(),
        max_points,
        guidance: guidance.into(),
    }
}

impl Default for QaScheme {
    /// The documented default (docs/service-centre.md): six criteria of a hotline's work
    /// worth 100 points, passing at 80.
    fn default() -> Self {
        QaScheme {
            criteria: vec![
                criterion("服務規範", 15, "問候、自報工號、禮貌用語、結束語"),
                criterion("傾聽與確認", 15, "聽清訴求並複述確認"),
                criterion("資訊準確", 25, "答覆內容、收費標準、時限正確"),
                criterion("記錄完整", 20, "客戶、房號、電話、訴求、渠道記錄齊全"),
                criterion("處理與跟進", 15, "轉派及時、告知下一步與時限"),
                criterion("態度與同理", 10, "耐心、同理客戶感受"),
            ],
            pass_percent: DEFAULT_PASS_PERCENT,
        }
    }
}

impl QaScheme {
    /// The problems that keep it from being kept, one each (none: it may be kept).
    pub fn check(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.criteria.is_empty() || self.criteria.len() > MAX_CRITERIA {
            out.push(format!("a scheme has 1–{MAX_CRITERIA} criteria"));
        }
        if !(1..=100).contains(&self.pass_percent) {
            out.push("the pass mark is 1–100 percent".into());
        }
        for (i, c) in self.criteria.iter().enumerate() {
            let n = c.name.trim();
            if n.is_empty() || n.chars().count() > MAX_CRITERION_NAME {
                out.push(format!(
                    "criterion {}: a name of 1–{MAX_CRITERION_NAME} characters",
                    i + 1
                ));
            }
            if !(1..=MAX_CRITERION_POINTS).contains(&c.max_points) {
                out.push(format!(
                    "criterion {}: 1–{MAX_CRITERION_POINTS} points",
                    i + 1
                ));
            }
            if c.guidance.chars().count() > MAX_CRITERION_GUIDANCE {
                out.push(format!(
                    "criterion {}: guidance of at most {MAX_CRITERION_GUIDANCE} characters",
                    i + 1
                ));
            }
            if self.criteria[..i].iter().any(|o| o.name.trim() == n) {
                out.push(format!("criterion {}: the name {n:?} twice", i + 1));
            }
        }
        out
    }
}

/// What is inspected.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Subject {
    /// A contact taken at the front door (R-CS-CONTACT), by whoever took it.
    Contact,
    /// A call-back made (R-VISIT), by whoever recorded it.
    Callback,
}

/// A criterion as scored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    pub criterion: String,
    pub points: u16,
    pub max_points: u16,
}

/// An inspection to record: the points per criterion of the scheme in force, and what
/// the inspector has to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInspection {
    pub subject: Subject,
    pub subject_id: String,
    pub scores: Vec<(String, u16)>,
    pub comment: String,
}

/// One inspection (質檢記錄), as made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspection {
    pub id: String,
    pub subject: Subject,
    pub subject_id: String,
    /// Whose work it was.
    pub agent: UserId,
    pub scores: Vec<Score>,
    pub comment: String,
    pub points: u32,
    pub max_points: u32,
    /// The scheme's pass mark then, and whether the points reached it.
    pub pass_percent: u8,
    pub passed: bool,
    pub inspected_by: UserId,
    pub inspected_at: Millis,
}

impl Inspection {
    /// R-CS-QA: scores `agent`'s work against `scheme`: every criterion exactly once and
    /// no other, each within its points; points taken off say why (a comment); nobody
    /// inspects their own work.
    pub fn new(
        n: NewInspection,
        scheme: &QaScheme,
        agent: UserId,
        by: UserId,
        at: Millis,
    ) -> Result<Inspection, Error> {
        let conflict = |m: String| Err(Error::Conflict(format!("R-CS-QA: {m}")));
        if agent == by {
            return conflict("nobody inspects their own work".into());
        }
        let comment = n.comment.trim().to_owned();
        if comment.chars().count() > MAX_QA_COMMENT {
            return Err(Error::InvalidInput(format!(
                "a comment is at most {MAX_QA_COMMENT} characters"
            )));
        }
        for (i, (name, _)) in n.scores.iter().enumerate() {
            if !scheme.criteria.iter().any(|c| c.name == *name) {
                return conflict(format!("{name:?} is not a criterion of the scheme"));
            }
            if n.scores[..i].iter().any(|(o, _)| o == name) {
                return conflict(format!("{name:?} is scored twice"));
            }
        }
        let mut scores = Vec::with_capacity(scheme.criteria.len());
        for c in &scheme.criteria {
            let Some((_, points)) = n.scores.iter().find(|(name, _)| *name == c.name) else {
                return conflict(format!("{:?} is not scored", c.name));
            };
            if *points > c.max_points {
                return conflict(format!(
                    "{:?} carries at most {} points, not {points}",
                    c.name, c.max_points
                ));
            }
            scores.push(Score {
                criterion: c.name.clone(),
                points: *points,
                max_points: c.max_points,
            });
        }
        let points: u32 = scores.iter().map(|s| u32::from(s.points)).sum();
        let max_points: u32 = scores.iter().map(|s| u32::from(s.max_points)).sum();
        if points < max_points && comment.is_empty() {
            return conflict("points taken off need a comment saying why".into());
        }
        // Integer arithmetic: points / max ≥ pass / 100.
        let passed =
            u64::from(points) * 100 >= u64::from(max_points) * u64::from(scheme.pass_percent);
        Ok(Inspection {
            id: uuid::Uuid::now_v7().to_string(),
            subject: n.subject,
            subject_id: n.subject_id,
            agent,
            scores,
            comment,
            points,
            max_points,
            pass_percent: scheme.pass_percent,
            passed,
            inspected_by: by,
            inspected_at: at,
        })
    }
}

#[cfg(test)]
mod tests;
