//! Call-backs (回訪, R-VISIT) and spot-check samples (抽查回訪, R-MONTH): the records and
//! their rules, pure. The server stores them; what may be recorded, and how a sample is
//! drawn, is decided here once.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::model::{Millis, OrderId, PassFail, UserId};

const DAY_MS: Millis = 24 * 3600 * 1000;

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
    pub order: OrderId,
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
}

/// A call-back to plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackPlan {
    pub order: OrderId,
    pub method: CallbackMethod,
    pub planned_at: Millis,
    pub assignee: Option<UserId>,
    pub content: String,
    pub sample: Option<String>,
}

impl CallbackPlan {
    /// The planned call-back, with a fresh id.
    pub fn into_callback(self, now: Millis) -> Callback {
        Callback {
            id: uuid::Uuid::now_v7().to_string(),
            order: self.order,
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
        }
    }
}

/// What is recorded when a call-back is made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// The lowest and highest satisfaction score.
pub const SATISFACTION_SCALE: std::ops::RangeInclusive<u8> = 1..=5;

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
                method,
                planned_at: r.fallback_at.unwrap_or(now.saturating_add(DAY_MS)),
                assignee: self.assignee,
                content: self.content.clone(),
                sample: self.sample.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn planned() -> Callback {
        CallbackPlan {
            order: OrderId::new(),
            method: CallbackMethod::Phone,
            planned_at: 0,
            assignee: None,
            content: "滿意度".into(),
            sample: None,
        }
        .into_callback(0)
    }

    fn result(reached: bool) -> CallbackResult {
        CallbackResult {
            reached,
            satisfaction: None,
            repair_held: None,
            problems: String::new(),
            responsible: None,
            content: String::new(),
            fallback_method: None,
            fallback_at: None,
        }
    }

    #[test]
    fn r_visit_record_table() {
        let by = UserId::new();
        // (result, accepted, status afterwards, a next attempt planned)
        let cases: Vec<(CallbackResult, bool, CallbackStatus, bool)> = vec![
            (
                CallbackResult {
                    satisfaction: Some(5),
                    ..result(true)
                },
                true,
                CallbackStatus::Done,
                false,
            ),
            (
                CallbackResult {
                    repair_held: Some(PassFail::Fail),
                    ..result(true)
                },
                true,
                CallbackStatus::Done,
                false,
            ),
            (result(true), false, CallbackStatus::Planned, false),
            (
                CallbackResult {
                    satisfaction: Some(6),
                    ..result(true)
                },
                false,
                CallbackStatus::Planned,
                false,
            ),
            (
                CallbackResult {
                    satisfaction: Some(0),
                    ..result(true)
                },
                false,
                CallbackStatus::Planned,
                false,
            ),
            (result(false), true, CallbackStatus::Failed, false),
            (
                CallbackResult {
                    fallback_method: Some(CallbackMethod::OnSite),
                    ..result(false)
                },
                true,
                CallbackStatus::Failed,
                true,
            ),
        ];
        for (i, (r, ok, status, next)) in cases.into_iter().enumerate() {
            let mut cb = planned();
            let out = cb.record(&r, by, 1_000);
            assert_eq!(out.is_ok(), ok, "case {i}");
            assert_eq!(cb.status, status, "case {i}");
            assert_eq!(out.ok().flatten().is_some(), next, "case {i}");
        }
    }

    #[test]
    fn r_visit_a_recorded_call_back_is_not_recorded_again() {
        let mut cb = planned();
        let r = CallbackResult {
            satisfaction: Some(4),
            ..result(true)
        };
        assert!(cb.record(&r, UserId::new(), 1).is_ok());
        assert!(matches!(
            cb.record(&r, UserId::new(), 2),
            Err(Error::Conflict(_))
        ));
    }

    #[test]
    fn r_visit_fallback_is_a_day_later_by_default() {
        let mut cb = planned();
        let next = cb
            .record(
                &CallbackResult {
                    fallback_method: Some(CallbackMethod::OnlineSurvey),
                    ..result(false)
                },
                UserId::new(),
                5_000,
            )
            .ok()
            .flatten();
        let next = next.map(|n| (n.method, n.planned_at, n.order));
        assert_eq!(
            next,
            Some((CallbackMethod::OnlineSurvey, 5_000 + DAY_MS, cb.order))
        );
    }

    #[test]
    fn methods_and_statuses_round_trip_as_text() {
        for m in [
            CallbackMethod::Phone,
            CallbackMethod::OnSite,
            CallbackMethod::OnlineSurvey,
        ] {
            assert_eq!(m.as_str().parse::<CallbackMethod>().ok(), Some(m));
            assert_eq!(
                serde_json::to_value(m).ok(),
                Some(serde_json::Value::String(m.as_str().into()))
            );
        }
        assert_eq!(
            "on_site".parse::<CallbackMethod>().ok(),
            Some(CallbackMethod::OnSite)
        );
        assert!("fax".parse::<CallbackMethod>().is_err());
        assert_eq!(
            "done".parse::<CallbackStatus>().ok(),
            Some(CallbackStatus::Done)
        );
    }

    #[test]
    fn r_month_sample_is_reproducible_and_per_technician() {
        let (a, b) = (Some(UserId::new()), Some(UserId::new()));
        let mut completed: Vec<(Option<UserId>, OrderId)> =
            (0..20).map(|_| (a, OrderId::new())).collect();
        completed.extend((0..3).map(|_| (b, OrderId::new())));
        let one = draw_sample(&completed, 10, 1, 42).ok();
        let two = draw_sample(&completed, 10, 1, 42).ok();
        assert_eq!(one, two);
        let (orders, strata) = one.unwrap_or_default();
        // ⌈10 % of 20⌉ = 2; ⌈10 % of 3⌉ = 1 (and min 1).
        assert_eq!(orders.len(), 3);
        let drawn: Vec<(Option<UserId>, u64, u64)> = strata
            .iter()
            .map(|s| (s.technician, s.completed, s.drawn))
            .collect();
        assert!(drawn.contains(&(a, 20, 2)));
        assert!(drawn.contains(&(b, 3, 1)));
        // Another seed draws another sample (for this data: checked, not assumed).
        let other = (0..50u64)
            .filter_map(|s| draw_sample(&completed, 10, 1, s).ok())
            .any(|(o, _)| o != orders);
        assert!(other);
        assert!(draw_sample(&completed, 101, 1, 1).is_err());
    }

    #[test]
    fn r_month_sample_minimum_is_capped_by_what_was_completed() {
        let t = Some(UserId::new());
        let completed = vec![(t, OrderId::new())];
        let (orders, _) = draw_sample(&completed, 0, 5, 1).unwrap_or_default();
        assert_eq!(orders.len(), 1);
    }
}
