//! The questionnaire of a call-back as the API shows and takes it (S5 8): the quality
//! dimensions' scores and the free questions' answers.

use baoxiu_sync_core::questionnaire::{Answer, DimensionScores};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A customer's scores (1–5) on the quality dimensions (S5 8: 可靠性, 有形度, 響應度,
/// 同理度, 專業度); null where not asked or not answered.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DimensionScoresIo {
    #[schema(minimum = 1, maximum = 5)]
    pub reliability: Option<u8>,
    #[schema(minimum = 1, maximum = 5)]
    pub tangibles: Option<u8>,
    #[schema(minimum = 1, maximum = 5)]
    pub responsiveness: Option<u8>,
    #[schema(minimum = 1, maximum = 5)]
    pub empathy: Option<u8>,
    #[schema(minimum = 1, maximum = 5)]
    pub professionalism: Option<u8>,
}

impl From<DimensionScoresIo> for DimensionScores {
    fn from(s: DimensionScoresIo) -> Self {
        DimensionScores {
            reliability: s.reliability,
            tangibles: s.tangibles,
            responsiveness: s.responsiveness,
            empathy: s.empathy,
            professionalism: s.professionalism,
        }
    }
}

impl From<DimensionScores> for DimensionScoresIo {
    fn from(s: DimensionScores) -> Self {
        DimensionScoresIo {
            reliability: s.reliability,
            tangibles: s.tangibles,
            responsiveness: s.responsiveness,
            empathy: s.empathy,
            professionalism: s.professionalism,
        }
    }
}

/// An answer to one of the questionnaire's free questions, with the question as asked.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerIo {
    #[schema(min_length = 1, max_length = 300, pattern = r"\S")]
    pub question: String,
    #[schema(max_length = 2000)]
    pub answer: String,
}

impl From<AnswerIo> for Answer {
    fn from(a: AnswerIo) -> Self {
        Answer {
            question: a.question,
            answer: a.answer,
        }
    }
}

impl From<Answer> for AnswerIo {
    fn from(a: Answer) -> Self {
        AnswerIo {
            question: a.question,
            answer: a.answer,
        }
    }
}
