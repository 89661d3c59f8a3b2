//! The figures' ratios: a rate kept as integers, and satisfaction — the rate, the mean
//! score and, beside them (S5 8), each quality dimension's mean.

use baoxiu_sync_core::questionnaire::{Dimension, DimensionTally};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A ratio kept as integers; `basis_points` is rounded half up with integer arithmetic.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Rate {
    pub numerator: u64,
    pub denominator: u64,
    /// Hundredths of a percent (9333 = 93.33 %), or null when nothing was counted.
    pub basis_points: Option<u64>,
}

impl Rate {
    pub fn new(numerator: u64, denominator: u64) -> Rate {
        let basis_points = (denominator > 0).then(|| {
            let n = u128::from(numerator) * 10_000 + u128::from(denominator / 2);
            u64::try_from(n / u128::from(denominator)).unwrap_or(u64::MAX)
        });
        Rate {
            numerator,
            denominator,
            basis_points,
        }
    }

    pub(super) fn add(self, other: Rate) -> Rate {
        Rate::new(
            self.numerator.saturating_add(other.numerator),
            self.denominator.saturating_add(other.denominator),
        )
    }

    pub fn percent(&self) -> String {
        match self.basis_points {
            Some(bp) => format!("{}.{:02}%", bp / 100, bp % 100),
            None => "—".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Satisfaction {
    /// R-MONTH 滿意率: of the orders' latest call-back scores, how many were at or above
    /// the office's `satisfied_score`.
    pub satisfied: Rate,
    pub sum: u64,
    pub count: u64,
    /// The mean score × 100, rounded (e.g. 467 = 4.67), or null.
    pub average_hundredths: Option<u64>,
    /// Beside the rate, not instead of it (S5 8): the mean of each quality dimension over
    /// the same call-backs, where the customer scored it. Months filed before schema 29
    /// read as none scored.
    #[serde(default)]
    pub dimensions: DimensionMeans,
}

/// The mean × 100 of `count` scores summing to `sum`, rounded (467 = 4.67), or none.
pub fn hundredths(sum: u64, count: u64) -> Option<u64> {
    (count > 0).then(|| {
        let n = u128::from(sum) * 100 + u128::from(count / 2);
        u64::try_from(n / u128::from(count)).unwrap_or(u64::MAX)
    })
}

/// One quality dimension's scores: how many, their sum, and the mean × 100.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DimensionMean {
    pub count: u64,
    pub sum: u64,
    /// The mean × 100, rounded (467 = 4.67), or null when nobody scored it.
    pub average_hundredths: Option<u64>,
}

/// S5 8's five dimensions (可靠性, 有形度, 響應度, 同理度, 專業度), each with its mean.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct DimensionMeans {
    pub reliability: DimensionMean,
    pub tangibles: DimensionMean,
    pub responsiveness: DimensionMean,
    pub empathy: DimensionMean,
    pub professionalism: DimensionMean,
}

impl DimensionMeans {
    pub fn new(t: &DimensionTally) -> Self {
        let m = |d: Dimension| {
            let (sum, count) = t.of(d);
            DimensionMean {
                count,
                sum,
                average_hundredths: hundredths(sum, count),
            }
        };
        DimensionMeans {
            reliability: m(Dimension::Reliability),
            tangibles: m(Dimension::Tangibles),
            responsiveness: m(Dimension::Responsiveness),
            empathy: m(Dimension::Empathy),
            professionalism: m(Dimension::Professionalism),
        }
    }

    /// Back to sums and counts (to add two technicians' months).
    pub fn tally(&self) -> DimensionTally {
        let mut t = DimensionTally::default();
        for (i, m) in [
            self.reliability,
            self.tangibles,
            self.responsiveness,
            self.empathy,
            self.professionalism,
        ]
        .into_iter()
        .enumerate()
        {
            t.sums[i] = m.sum;
            t.counts[i] = m.count;
        }
        t
    }
}

impl Satisfaction {
    pub fn new(sum: u64, count: u64, satisfied: u64) -> Self {
        Satisfaction {
            satisfied: Rate::new(satisfied, count),
            sum,
            count,
            average_hundredths: hundredths(sum, count),
            dimensions: DimensionMeans::default(),
        }
    }

    /// With the dimensions' tallies over the same call-backs.
    pub fn with_dimensions(self, t: &DimensionTally) -> Self {
        Satisfaction {
            dimensions: DimensionMeans::new(t),
            ..self
        }
    }

    pub(super) fn add(self, other: Satisfaction) -> Satisfaction {
        let mut t = self.dimensions.tally();
        t.merge(&other.dimensions.tally());
        Satisfaction::new(
            self.sum.saturating_add(other.sum),
            self.count.saturating_add(other.count),
            self.satisfied
                .numerator
                .saturating_add(other.satisfied.numerator),
        )
        .with_dimensions(&t)
    }
}
