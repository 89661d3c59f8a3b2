//! S5 19 客戶金字塔: customers ranked by the paid revenue they bring, not by how often they
//! call, into four tiers; and S5 13/26, the customers who left, counted by type and cause.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{ChurnCause, ChurnType, Customer};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantNames,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Tier {
    /// VIP客戶 (鉑金層級).
    Vip,
    /// 主要客戶 (黃金層級).
    Major,
    /// 普通客戶 (鋼鐵層級).
    Ordinary,
    /// 小客戶 (重鉛層級).
    Small,
}

/// The office's cut-offs: the share of its customers (percent, by rank of revenue) in
/// each of the top three tiers; the rest are small. The classic pyramid is 1 / 4 / 15.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TierShares {
    pub vip: u32,
    pub major: u32,
    pub ordinary: u32,
}

/// How many of `n` customers `percent` of them is, rounded up (a share of a small office
/// still names someone).
fn count_of(n: usize, percent: u32) -> usize {
    let p = usize::try_from(percent.min(100)).unwrap_or(100);
    n.saturating_mul(p).div_ceil(100)
}

/// Ranks every customer by revenue (minor units, highest first) and gives each a tier. A
/// customer with no paid revenue is small whatever the shares; customers with the same
/// revenue share a tier (the higher one), so a tie never splits.
pub fn tiers(revenue: &[(String, i64)], shares: TierShares) -> Vec<(String, i64, Tier)> {
    let mut ranked: Vec<&(String, i64)> = revenue.iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let n = ranked.len();
    let vip = count_of(n, shares.vip);
    let major = count_of(n, shares.vip.saturating_add(shares.major));
    let ordinary = count_of(
        n,
        shares
            .vip
            .saturating_add(shares.major)
            .saturating_add(shares.ordinary),
    );
    let mut out: Vec<(String, i64, Tier)> = Vec::with_capacity(n);
    for (i, (id, amount)) in ranked.into_iter().enumerate() {
        let by_rank = if *amount <= 0 {
            Tier::Small
        } else if i < vip {
            Tier::Vip
        } else if i < major {
            Tier::Major
        } else if i < ordinary {
            Tier::Ordinary
        } else {
            Tier::Small
        };
        let tier = match out.last() {
            Some((_, prev, t)) if prev == amount => *t,
            _ => by_rank,
        };
        out.push((id.clone(), *amount, tier));
    }
    out
}

/// One cell of the churn table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChurnCount {
    #[serde(rename = "type")]
    pub kind: ChurnType,
    pub cause: ChurnCause,
    pub customers: u32,
}

/// S5 13/26: the customers who left between `from` and `until` (inclusive), by type and
/// cause; every pair is listed, zero or not, so two periods compare line by line.
pub fn churn_table(customers: &[Customer], from: NaiveDate, until: NaiveDate) -> Vec<ChurnCount> {
    use strum::VariantArray;
    let mut out = Vec::new();
    for kind in ChurnType::VARIANTS {
        for cause in ChurnCause::VARIANTS {
            let n = customers
                .iter()
                .filter_map(|c| c.churn.as_ref())
                .filter(|ch| ch.kind == *kind && ch.cause == *cause)
                .filter(|ch| from <= ch.on && ch.on <= until)
                .count();
            out.push(ChurnCount {
                kind: *kind,
                cause: *cause,
                customers: u32::try_from(n).unwrap_or(u32::MAX),
            });
        }
    }
    out
}
