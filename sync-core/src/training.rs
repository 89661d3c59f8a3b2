//! R-CS-TRAINING (S2 第八條 崗前培訓方能上崗): customer-service agents are trained before
//! they go on duty. A person's training records; whether they may take contacts on a day.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::model::{Millis, UserId};

/// The longest course name or note (characters).
pub const MAX_TRAINING_TEXT: usize = 200;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum TrainingKind {
    /// 崗前培訓: before going on duty.
    PreDuty,
    /// A refresher, renewing a pre-duty training's validity.
    Refresher,
    /// Anything else (a product briefing): recorded, not counted for duty.
    Other,
}

/// One training a person completed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Training {
    pub id: String,
    pub person: UserId,
    pub kind: TrainingKind,
    pub course: String,
    pub completed_on: NaiveDate,
    pub recorded_by: UserId,
    pub recorded_at: Millis,
}

impl Training {
    /// A record, checked: a course named, a completion day not after `today`.
    pub fn new(
        person: UserId,
        kind: TrainingKind,
        course: &str,
        completed_on: NaiveDate,
        (by, now, today): (UserId, Millis, NaiveDate),
    ) -> Result<Training, Error> {
        let course = course.trim();
        if course.is_empty() || course.chars().count() > MAX_TRAINING_TEXT {
            return Err(Error::InvalidInput(format!(
                "the course is 1–{MAX_TRAINING_TEXT} characters"
            )));
        }
        // Not yet (a state of the world, not a malformed request: 409 like any conflict).
        if completed_on > today {
            return Err(Error::Conflict(
                "a training is recorded once completed, not before".into(),
            ));
        }
        Ok(Training {
            id: uuid::Uuid::now_v7().to_string(),
            person,
            kind,
            course: course.to_owned(),
            completed_on,
            recorded_by: by,
            recorded_at: now,
        })
    }
}

/// R-CS-TRAINING: until which day (inclusive) `records` let a person take contacts — a
/// pre-duty training, renewed by each later refresher, is good for `valid_days` days; None
/// when the person was never trained for duty.
pub fn on_duty_until(records: &[Training], valid_days: u32) -> Option<NaiveDate> {
    let first = records
        .iter()
        .filter(|t| t.kind == TrainingKind::PreDuty)
        .map(|t| t.completed_on)
        .min()?;
    let latest = records
        .iter()
        .filter(|t| matches!(t.kind, TrainingKind::PreDuty | TrainingKind::Refresher))
        .map(|t| t.completed_on)
        .filter(|d| *d >= first)
        .max()?;
    latest.checked_add_days(chrono::Days::new(u64::from(valid_days)))
}

/// R-CS-TRAINING: whether the records let a person take contacts on `day`.
pub fn may_take_contacts(records: &[Training], valid_days: u32, day: NaiveDate) -> bool {
    let trained_by = |t: &&Training| t.completed_on <= day;
    let before: Vec<Training> = records.iter().filter(trained_by).cloned().collect();
    on_duty_until(&before, valid_days).is_some_and(|until| day <= until)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap_or(NaiveDate::MIN)
    }

    fn t(kind: TrainingKind, on: NaiveDate) -> Training {
        Training {
            id: String::new(),
            person: UserId::new(),
            kind,
            course: "崗前培訓".into(),
            completed_on: on,
            recorded_by: UserId::new(),
            recorded_at: 0,
        }
    }

    #[test]
    fn r_cs_training_an_agent_takes_contacts_only_while_trained() {
        use TrainingKind::*;
        // (records, valid days, the day, may take contacts?)
        let cases = [
            (vec![], 365, d(6, 1), false),
            (vec![t(Other, d(1, 5))], 365, d(6, 1), false),
            // A refresher alone is no pre-duty training.
            (vec![t(Refresher, d(1, 5))], 365, d(6, 1), false),
            (vec![t(PreDuty, d(1, 5))], 365, d(6, 1), true),
            // Not before it was completed.
            (vec![t(PreDuty, d(6, 2))], 365, d(6, 1), false),
            (vec![t(PreDuty, d(1, 5))], 30, d(2, 4), true),
            (vec![t(PreDuty, d(1, 5))], 30, d(2, 5), false),
            // A refresher renews it.
            (
                vec![t(PreDuty, d(1, 5)), t(Refresher, d(2, 1))],
                30,
                d(3, 2),
                true,
            ),
            (
                vec![t(PreDuty, d(1, 5)), t(Refresher, d(2, 1))],
                30,
                d(3, 4),
                false,
            ),
        ];
        for (records, days, day, want) in cases {
            assert_eq!(
                may_take_contacts(&records, days, day),
                want,
                "{records:?} {days} {day}"
            );
        }
    }

    #[test]
    fn r_cs_training_a_record_names_its_course_and_is_not_in_the_future() {
        let (by, today) = (UserId::new(), d(6, 1));
        let ok = |course: &str, on| {
            Training::new(
                UserId::new(),
                TrainingKind::PreDuty,
                course,
                on,
                (by, 0, today),
            )
            .is_ok()
        };
        assert!(ok("崗前培訓", d(5, 30)));
        assert!(ok("崗前培訓", today));
        assert!(!ok("  ", d(5, 30)));
        assert!(!ok(&"x".repeat(MAX_TRAINING_TEXT + 1), d(5, 30)));
        assert!(!ok("崗前培訓", d(6, 2)));
    }
}
