//! An office's settings: the numbers the rules leave to the office (R-MONTH's rework
//! window, the review margin for uncertain clocks, the spot-check share), each with a
//! documented default. The numbers the rules do fix (R-APPOINT's 10 minutes, R-HANDOVER's
//! 30) are constants in `state.rs`, not settings.

use serde::{Deserialize, Serialize};

use crate::callback::SampleParams;
use crate::error::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OfficeSettings {
    /// A new order for the same unit and kind of fault within this many days of
    /// completion is rework: the repair did not pass. Default 30.
    pub rework_days: u32,
    /// An arrival timed by a device that never measured its clock offset, within this many
    /// minutes of the deadline, is listed for review. Default 15.
    pub margin_minutes: u32,
    /// Spot-check call-backs: percent of each technician's completed orders. Default 10.
    pub sample_percent: u32,
    /// Spot-check call-backs: at least this many per technician. Default 1.
    pub sample_min_per_technician: u32,
    /// R-MONTH satisfaction rate: a call-back score (1–5) at or above this counts as
    /// satisfied. Default 4.
    pub satisfied_score: u32,
    /// R-COLLECT: a signed paid order not receipted, or a receipt not collected, this many
    /// days after the step before it is overdue. Default 3.
    pub collection_overdue_days: u32,
    /// R-MONTH 零修: an order whose fees total at most this (minor units) is a small repair
    /// unless the manager classified it otherwise; above it, a project. Default 500000
    /// (5,000.00 of the currency).
    pub small_repair_max_total: i64,
    /// R-COPIES: how many days a share link to a customer's copy works. Default 14.
    pub share_link_days: u32,
    /// R-VISIT-SURVEY: how many days a link to an online survey works. Default 14.
    pub survey_link_days: u32,
    /// R-VEH-COSTLY: a part priced above this (minor units) needs the fleet manager's
    /// review and the leader's approval before it is fitted. Default 200000.
    pub costly_part: i64,
    /// R-SUP-COUNT: a quarter's count not confirmed this many days into the quarter is
    /// overdue. Default 10.
    pub count_deadline_days: u32,
    /// R-SUP-VENDOR: competing quotes asked for an item bought by quotes. Default 3.
    pub min_quotes: u32,
    /// How many hours a web console sign-in lasts before it must be made again (an office
    /// with shared desks may want a shift). Default 12.
    pub console_session_hours: u32,
    /// R-VISIT-OWNER: a task opened for a problem a call-back found is due this many days
    /// later. Default 7.
    pub owner_task_days: u32,
    /// R-VISIT-OWNER: an open task is "due soon" on its owner's list this many days before
    /// it is due (0: only once overdue). Default 2.
    pub owner_task_remind_days: u32,
    /// R-CS-TRAINING: a pre-duty training (or the latest refresher after it) lets an agent
    /// take contacts for this many days. Default 365.
    pub cs_training_valid_days: u32,
    /// S5 19 客戶金字塔: the share of customers (percent, ranked by paid revenue) who are
    /// VIP, major and ordinary; the rest are small. Defaults 1, 4 and 15 (the classic
    /// pyramid); at most 10, 30 and 60, so the three never pass 100.
    pub tier_vip_percent: u32,
    pub tier_major_percent: u32,
    pub tier_ordinary_percent: u32,
    /// The months of paid revenue the tiers rank, ending with the month asked. Default 12.
    pub tier_months: u32,
    /// R-CS-KPI (業務考核指標方案): the weight of each indicator in a person's KPI score —
    /// the QA score of their work, the satisfaction of their call-backs, their complaint
    /// steps done on time. Relative weights, 0–100 each; defaults 40, 30 and 30.
    pub kpi_weight_quality: u32,
    pub kpi_weight_satisfaction: u32,
    pub kpi_weight_complaints: u32,
}

impl Default for OfficeSettings {
    fn default() -> Self {
        OfficeSettings {
            rework_days: 30,
            margin_minutes: 15,
            sample_percent: SampleParams::DEFAULT_PERCENT,
            sample_min_per_technician: SampleParams::DEFAULT_MIN,
            satisfied_score: 4,
            collection_overdue_days: 3,
            small_repair_max_total: 500_000,
            share_link_days: 14,
            survey_link_days: 14,
            console_session_hours: 12,
            owner_task_days: 7,
            owner_task_remind_days: 2,
            cs_training_valid_days: 365,
            tier_vip_percent: 1,
            tier_major_percent: 4,
            tier_ordinary_percent: 15,
            tier_months: 12,
            kpi_weight_quality: 40,
            kpi_weight_satisfaction: 30,
            kpi_weight_complaints: 30,
            costly_part: 200_000,
            count_deadline_days: 10,
            min_quotes: 3,
        }
    }
}

impl OfficeSettings {
    /// Refuses values outside what an office could mean.
    pub fn check(&self) -> Result<(), Error> {
        if self.rework_days > 365 {
            return Err(Error::InvalidInput("rework_days is 0–365".into()));
        }
        if self.margin_minutes > 24 * 60 {
            return Err(Error::InvalidInput("margin_minutes is 0–1440".into()));
        }
        if self.sample_percent > 100 {
            return Err(Error::InvalidInput("sample_percent is 0–100".into()));
        }
        if !(1..=5).contains(&self.satisfied_score) {
            return Err(Error::InvalidInput("satisfied_score is 1–5".into()));
        }
        if !(1..=365).contains(&self.collection_overdue_days) {
            return Err(Error::InvalidInput(
                "collection_overdue_days is 1–365".into(),
            ));
        }
        if !(0..=crate::rules::MAX_AMOUNT).contains(&self.small_repair_max_total) {
            return Err(Error::InvalidInput(format!(
                "small_repair_max_total is 0–{}",
                crate::rules::MAX_AMOUNT
            )));
        }
        if !(0..=crate::rules::MAX_AMOUNT).contains(&self.costly_part) {
            return Err(Error::InvalidInput(format!(
                "costly_part is 0–{}",
                crate::rules::MAX_AMOUNT
            )));
        }
        if !(1..=90).contains(&self.count_deadline_days) {
            return Err(Error::InvalidInput("count_deadline_days is 1–90".into()));
        }
        if !(2..=10).contains(&self.min_quotes) {
            return Err(Error::InvalidInput("min_quotes is 2–10".into()));
        }
        if !(1..=90).contains(&self.owner_task_days) {
            return Err(Error::InvalidInput("owner_task_days is 1–90".into()));
        }
        if [
            self.kpi_weight_quality,
            self.kpi_weight_satisfaction,
            self.kpi_weight_complaints,
        ]
        .iter()
        .any(|w| *w > 100)
        {
            return Err(Error::InvalidInput("a KPI weight is 0–100".into()));
        }
        if self.owner_task_remind_days > 30 {
            return Err(Error::InvalidInput("owner_task_remind_days is 0–30".into()));
        }
        if !(1..=3650).contains(&self.cs_training_valid_days) {
            return Err(Error::InvalidInput(
                "cs_training_valid_days is 1–3650".into(),
            ));
        }
        if self.tier_vip_percent > 10
            || self.tier_major_percent > 30
            || self.tier_ordinary_percent > 60
        {
            return Err(Error::InvalidInput(
                "tier_vip_percent is 0–10, tier_major_percent 0–30, tier_ordinary_percent 0–60"
                    .into(),
            ));
        }
        if !(1..=36).contains(&self.tier_months) {
            return Err(Error::InvalidInput("tier_months is 1–36".into()));
        }
        if !(1..=168).contains(&self.console_session_hours) {
            return Err(Error::InvalidInput("console_session_hours is 1–168".into()));
        }
        if !(1..=365).contains(&self.share_link_days) {
            return Err(Error::InvalidInput("share_link_days is 1–365".into()));
        }
        if !(1..=90).contains(&self.survey_link_days) {
            return Err(Error::InvalidInput("survey_link_days is 1–90".into()));
        }
        if self.sample_min_per_technician > 1000 {
            return Err(Error::InvalidInput(
                "sample_min_per_technician is 0–1000".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_out_of_range_values_are_refused() {
        assert!(OfficeSettings::default().check().is_ok());
        // S3's numbers, as docs/vehicles-supplies.md gives them.
        let d = OfficeSettings::default();
        assert_eq!(
            (d.costly_part, d.count_deadline_days, d.min_quotes),
            (200_000, 10, 3)
        );
        let bad = [
            OfficeSettings {
                rework_days: 366,
                ..Default::default()
            },
            OfficeSettings {
                margin_minutes: 1441,
                ..Default::default()
            },
            OfficeSettings {
                sample_percent: 101,
                ..Default::default()
            },
            OfficeSettings {
                collection_overdue_days: 0,
                ..Default::default()
            },
            OfficeSettings {
                small_repair_max_total: -1,
                ..Default::default()
            },
            OfficeSettings {
                costly_part: -1,
                ..Default::default()
            },
            OfficeSettings {
                count_deadline_days: 0,
                ..Default::default()
            },
            OfficeSettings {
                min_quotes: 1,
                ..Default::default()
            },
            OfficeSettings {
                tier_major_percent: 31,
                ..Default::default()
            },
            OfficeSettings {
                tier_months: 0,
                ..Default::default()
            },
            OfficeSettings {
                survey_link_days: 91,
                ..Default::default()
            },
        ];
        for s in bad {
            assert!(s.check().is_err(), "{s:?}");
        }
        // Missing fields take their defaults.
        let partial: OfficeSettings =
            serde_json::from_str(r#"{"rework_days": 7}"#).unwrap_or_default();
        assert_eq!(partial.rework_days, 7);
        assert_eq!(partial.margin_minutes, 15);
    }
}
