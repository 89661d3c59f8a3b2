//! R-CS-KPI (S2 第八條 業務考核指標方案, 第二十七條): each person's indicators over a
//! period under the office's scheme — the contacts they took (counted, not scored: volume
//! follows the rota), the QA score of their inspected work (R-CS-QA), the satisfaction of
//! the call-backs they made (R-VISIT-APPRAISAL), their complaint steps done by the step's
//! deadline — and one score, the indicators' weighted mean. An indicator with nothing to
//! measure is left out and the others' weights share its part: a person who made no
//! call-back is neither rewarded nor punished for it.

use chrono::NaiveDate;

use crate::complaint::{Complaint, Status};
use crate::model::UserId;
use crate::settings::OfficeSettings;

/// The office's weights (its settings), relative to each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KpiWeights {
    pub quality: u32,
    pub satisfaction: u32,
    pub complaints: u32,
}

impl From<&OfficeSettings> for KpiWeights {
    fn from(s: &OfficeSettings) -> Self {
        KpiWeights {
            quality: s.kpi_weight_quality,
            satisfaction: s.kpi_weight_satisfaction,
            complaints: s.kpi_weight_complaints,
        }
    }
}

/// A ratio as counted: `part` of `whole`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count {
    pub part: u64,
    pub whole: u64,
}

impl Count {
    pub fn add(&mut self, part: u64, whole: u64) {
        self.part = self.part.saturating_add(part);
        self.whole = self.whole.saturating_add(whole);
    }
}

/// One person's indicators over the period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Indicators {
    pub contacts: u64,
    /// QA points earned of the points there were.
    pub quality: Count,
    /// Call-backs they made that found the customer satisfied, of those scored.
    pub satisfaction: Count,
    /// Complaint steps they did by the step's deadline, of their steps that had one.
    pub complaints: Count,
}

/// Each indicator's share is kept to 10⁻¹² before it is weighed: exact for any share
/// that has a half-basis-point tie, so rounding half up rounds as a hand would.
const SHARE_UNIT: u128 = 1_000_000_000_000;

/// R-CS-KPI: the weighted mean of the indicators that measured something, in basis points
/// (10000 = 100 %), rounded half up; `None` when none did or every weight is 0.
pub fn score(w: KpiWeights, x: &Indicators) -> Option<u64> {
    let parts = [
        (w.quality, x.quality),
        (w.satisfaction, x.satisfaction),
        (w.complaints, x.complaints),
    ];
    let (mut sum, mut weights) = (0u128, 0u128);
    for (weight, c) in parts {
        if c.whole == 0 || weight == 0 {
            continue;
        }
        let share = u128::from(c.part.min(c.whole)) * SHARE_UNIT / u128::from(c.whole);
        sum += u128::from(weight) * share;
        weights += u128::from(weight);
    }
    if weights == 0 {
        return None;
    }
    // sum / weights is the mean share in SHARE_UNITs; a basis point is SHARE_UNIT / 10⁴.
    let d = weights * (SHARE_UNIT / 10_000);
    u64::try_from((sum + d / 2) / d).ok()
}

/// R-CS-KPI: each step of a complaint that had a deadline — the supplement notice, the
/// answer on acceptance, the decision, telling the complainant, the referral's report —
/// with who took it, on which day, and whether by the deadline as the complaint now has
/// it. Steps without a deadline (receiving, merging, evaluating) are nobody's indicator.
pub fn complaint_steps(c: &Complaint) -> Vec<(UserId, NaiveDate, bool)> {
    if c.status == Status::Merged {
        return Vec::new();
    }
    c.history
        .iter()
        .filter_map(|e| {
            let due = match e.kind.as_str() {
                "supplement_notice" => c.supplement_due,
                "accept" | "refuse" | "transfer" => c.acceptance_due,
                "decided" => c.decision_due,
                "told" => c.tell_due,
                "report_sent" => c.referral.as_ref().map(|r| r.reply_due),
                _ => None,
            }?;
            Some((e.by, e.day, e.day <= due))
        })
        .collect()
}

#[cfg(test)]
mod tests;
