//! The questionnaire of a call-back (S5 8; R-VISIT-RECORD): the five quality dimensions
//! scored 1–5, and the answers to free questions kept with the question as asked. What a
//! programme asks is `programme`'s; what any answer may be is decided here.

use serde::{Deserialize, Serialize};

/// The most free questions, and the longest (characters).
pub const MAX_QUESTIONS: usize = 10;
pub const MAX_QUESTION: usize = 300;
/// The longest answer to a free question (characters).
pub const MAX_ANSWER: usize = 2000;
/// A score's scale, the overall satisfaction's and each dimension's: 1 (very
/// dissatisfied) to 5 (very satisfied).
pub const SCORE_SCALE: std::ops::RangeInclusive<u8> = 1..=5;

fn over(s: &str, max: usize) -> bool {
    s.chars().count() > max
}

/// The five quality dimensions asked about (S5 8: 可靠性, 有形度, 響應度, 同理度, 專業度).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
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
pub enum Dimension {
    /// 可靠性: the service promised was done, right the first time.
    Reliability,
    /// 有形度: the staff, tools and site as the customer saw them.
    Tangibles,
    /// 響應度: how quickly and willingly the office responded.
    Responsiveness,
    /// 同理度: care for the customer's situation.
    Empathy,
    /// 專業度: the staff's competence and courtesy.
    Professionalism,
}

impl Dimension {
    pub const ALL: [Dimension; 5] = [
        Dimension::Reliability,
        Dimension::Tangibles,
        Dimension::Responsiveness,
        Dimension::Empathy,
        Dimension::Professionalism,
    ];

    /// The dimension's name as the questionnaire prints it.
    pub fn zh(self) -> &'static str {
        match self {
            Dimension::Reliability => "可靠性",
            Dimension::Tangibles => "有形度",
            Dimension::Responsiveness => "響應度",
            Dimension::Empathy => "同理度",
            Dimension::Professionalism => "專業度",
        }
    }

    /// The question the customer is asked about it (zh-Hant, then English).
    pub fn question(self) -> (&'static str, &'static str) {
        match self {
            Dimension::Reliability => (
                "維修是否按承諾完成、一次修好？",
                "Was the work done as promised, right the first time?",
            ),
            Dimension::Tangibles => (
                "維修人員的儀表、工具與現場整潔如何？",
                "How were the staff's appearance, tools and the tidiness of the site?",
            ),
            Dimension::Responsiveness => (
                "我們回應您的速度與意願如何？",
                "How quickly and willingly did we respond?",
            ),
            Dimension::Empathy => (
                "我們是否體諒您的需要與不便？",
                "Did we care about your needs and inconvenience?",
            ),
            Dimension::Professionalism => (
                "維修人員的專業能力與禮貌如何？",
                "How competent and courteous were the staff?",
            ),
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A customer's score (1–5) on each dimension asked; none where not asked or not answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DimensionScores {
    pub reliability: Option<u8>,
    pub tangibles: Option<u8>,
    pub responsiveness: Option<u8>,
    pub empathy: Option<u8>,
    pub professionalism: Option<u8>,
}

impl DimensionScores {
    pub fn get(&self, d: Dimension) -> Option<u8> {
        match d {
            Dimension::Reliability => self.reliability,
            Dimension::Tangibles => self.tangibles,
            Dimension::Responsiveness => self.responsiveness,
            Dimension::Empathy => self.empathy,
            Dimension::Professionalism => self.professionalism,
        }
    }

    pub fn set(&mut self, d: Dimension, score: Option<u8>) {
        let slot = match d {
            Dimension::Reliability => &mut self.reliability,
            Dimension::Tangibles => &mut self.tangibles,
            Dimension::Responsiveness => &mut self.responsiveness,
            Dimension::Empathy => &mut self.empathy,
            Dimension::Professionalism => &mut self.professionalism,
        };
        *slot = score;
    }

    /// The dimensions scored, with their scores.
    pub fn scored(&self) -> impl Iterator<Item = (Dimension, u8)> + '_ {
        Dimension::ALL
            .into_iter()
            .filter_map(|d| self.get(d).map(|s| (d, s)))
    }

    pub fn is_empty(&self) -> bool {
        self.scored().next().is_none()
    }
}

/// Per dimension, the sum and the number of the scores given: the mean is shown beside the
/// satisfaction rate (R-MONTH 滿意率), never instead of it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DimensionTally {
    pub sums: [u64; 5],
    pub counts: [u64; 5],
}

impl DimensionTally {
    pub fn add(&mut self, scores: &DimensionScores) {
        for (d, s) in scores.scored() {
            let i = d.index();
            self.sums[i] = self.sums[i].saturating_add(u64::from(s));
            self.counts[i] = self.counts[i].saturating_add(1);
        }
    }

    pub fn merge(&mut self, other: &DimensionTally) {
        for i in 0..5 {
            self.sums[i] = self.sums[i].saturating_add(other.sums[i]);
            self.counts[i] = self.counts[i].saturating_add(other.counts[i]);
        }
    }

    /// (sum, count) of one dimension.
    pub fn of(&self, d: Dimension) -> (u64, u64) {
        (self.sums[d.index()], self.counts[d.index()])
    }
}

/// An answer to a free question, kept with the question as it was asked (R-VISIT-RECORD:
/// the written record reads on its own after the questionnaire changes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub question: String,
    pub answer: String,
}

/// R-VISIT-RECORD: the limits of the questionnaire's part of a result, whatever the
/// programme: scores on the 1–5 scale, answers of bounded size, and both only when the
/// customer was reached.
pub fn check_answers(
    reached: bool,
    scores: &DimensionScores,
    answers: &[Answer],
) -> Result<(), String> {
    if scores.scored().any(|(_, s)| !SCORE_SCALE.contains(&s)) {
        return Err("a dimension's score is 1 to 5".into());
    }
    if answers.len() > MAX_QUESTIONS {
        return Err(format!("at most {MAX_QUESTIONS} answers"));
    }
    if answers.iter().any(|a| {
        a.question.trim().is_empty()
            || over(&a.question, MAX_QUESTION)
            || over(&a.answer, MAX_ANSWER)
    }) {
        return Err(format!(
            "an answer names its question (1–{MAX_QUESTION} characters) and is at most {MAX_ANSWER} characters"
        ));
    }
    if !reached && (!scores.is_empty() || !answers.is_empty()) {
        return Err("a customer not reached gave no answers".into());
    }
    Ok(())
}
