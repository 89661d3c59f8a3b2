//! R-VISIT-OWNER: a problem a call-back found becomes a task for whoever caused it, with a
//! due date and reminders; it stays open on the owner's list and the supervisor's until it
//! is closed with what was done. The reminders are of two kinds: the task's own, as its
//! due date nears (the office's `owner_task_remind_days`) and once it has passed; and a
//! person's, who chases the owner (催辦) with a note. Pure: the server stores it with the
//! call-back, atomically.

use serde::{Deserialize, Serialize};

use crate::callback::Callback;
use crate::error::Error;
use crate::model::{Millis, OrderId, UserId};

const DAY_MS: Millis = 24 * 3600 * 1000;
/// The longest problem or outcome text (characters).
pub const MAX_TASK_TEXT: usize = 2000;
/// The longest note of a reminder (characters).
pub const MAX_REMINDER_NOTE: usize = 500;
/// The most reminders one task keeps: past that, chasing again says nothing new.
pub const MAX_REMINDERS: usize = 20;

/// Somebody chased the owner: who, when, and what they said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    pub by: UserId,
    pub at: Millis,
    pub note: String,
}

/// Why an open task asks for its owner's attention now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Attention {
    /// Due within the office's `owner_task_remind_days`.
    DueSoon,
    /// Past its due date.
    Overdue,
    /// Not due yet, but somebody chased it.
    Reminded,
}

/// A problem found on a call-back, owned by the person who must act on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerTask {
    pub id: String,
    /// The call-back that found it, and the order or complaint it was about.
    pub callback: String,
    pub order: Option<OrderId>,
    #[serde(default)]
    pub complaint: Option<String>,
    pub owner: UserId,
    pub problem: String,
    pub due_at: Millis,
    pub created_by: UserId,
    pub created_at: Millis,
    pub closed_at: Option<Millis>,
    pub closed_by: Option<UserId>,
    /// What was done about it.
    pub outcome: String,
    /// Who chased the owner, oldest first.
    #[serde(default)]
    pub reminders: Vec<Reminder>,
}

fn text(what: &str, s: &str) -> Result<String, Error> {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > MAX_TASK_TEXT {
        return Err(Error::InvalidInput(format!(
            "{what} is 1–{MAX_TASK_TEXT} characters"
        )));
    }
    Ok(s.to_owned())
}

/// R-VISIT-OWNER: why an open task due at `due_at` (chased or not) asks for attention at
/// `now`, given the office's `remind_days` — what [`OwnerTask::attention`] answers, for a
/// caller that reads only the due date and whether it was chased (a count of many).
pub fn attention(due_at: Millis, chased: bool, now: Millis, remind_days: u32) -> Option<Attention> {
    let soon = due_at.saturating_sub(i64::from(remind_days).saturating_mul(DAY_MS));
    if now > due_at {
        Some(Attention::Overdue)
    } else if remind_days > 0 && now >= soon {
        Some(Attention::DueSoon)
    } else if chased {
        Some(Attention::Reminded)
    } else {
        None
    }
}

impl OwnerTask {
    /// R-VISIT-OWNER: the task a recorded call-back's problem opens for `owner`, due
    /// `due_days` (the office's `owner_task_days`) after it was found.
    pub fn open(
        cb: &Callback,
        owner: UserId,
        due_days: u32,
        by: UserId,
        now: Millis,
    ) -> Result<OwnerTask, Error> {
        if cb.reached != Some(true) {
            return Err(Error::InvalidInput(
                "a task comes from a call-back that reached the customer".into(),
            ));
        }
        Ok(OwnerTask {
            id: uuid::Uuid::now_v7().to_string(),
            callback: cb.id.clone(),
            order: cb.order,
            complaint: cb.complaint.clone(),
            owner,
            problem: text("the problem", &cb.problems)?,
            due_at: now.saturating_add(i64::from(due_days).saturating_mul(DAY_MS)),
            created_by: by,
            created_at: now,
            closed_at: None,
            closed_by: None,
            outcome: String::new(),
            reminders: Vec::new(),
        })
    }

    /// Closes the task with what was done; closing twice is a conflict.
    pub fn close(&mut self, by: UserId, outcome: &str, now: Millis) -> Result<(), Error> {
        if self.closed_at.is_some() {
            return Err(Error::Conflict(format!(
                "task {} is already closed",
                self.id
            )));
        }
        self.outcome = text("the outcome", outcome)?;
        self.closed_at = Some(now);
        self.closed_by = Some(by);
        Ok(())
    }

    /// Open past its due date: what the owner's list and the supervisor's board remind of.
    pub fn overdue(&self, now: Millis) -> bool {
        self.closed_at.is_none() && now > self.due_at
    }

    /// Whether the open task asks for its owner's attention at `now`, and why (the most
    /// pressing reason): overdue, due within `remind_days`, or chased by somebody.
    pub fn attention(&self, now: Millis, remind_days: u32) -> Option<Attention> {
        if self.closed_at.is_some() {
            return None;
        }
        attention(self.due_at, !self.reminders.is_empty(), now, remind_days)
    }

    /// Chases the owner with a note (may be empty). A closed task, or one chased
    /// [`MAX_REMINDERS`] times already, is a conflict.
    pub fn remind(&mut self, by: UserId, note: &str, now: Millis) -> Result<(), Error> {
        if self.closed_at.is_some() {
            return Err(Error::Conflict(format!(
                "task {} is closed: nothing to remind of",
                self.id
            )));
        }
        if self.reminders.len() >= MAX_REMINDERS {
            return Err(Error::Conflict(format!(
                "task {} was reminded {MAX_REMINDERS} times already",
                self.id
            )));
        }
        let note = note.trim();
        if note.chars().count() > MAX_REMINDER_NOTE {
            return Err(Error::InvalidInput(format!(
                "a reminder's note is at most {MAX_REMINDER_NOTE} characters"
            )));
        }
        self.reminders.push(Reminder {
            by,
            at: now,
            note: note.to_owned(),
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callback::{CallbackMethod, CallbackPlan, CallbackResult};

    fn recorded(reached: bool, problems: &str) -> Callback {
        let mut cb = CallbackPlan {
            order: Some(OrderId::new()),
            complaint: None,
            method: CallbackMethod::Phone,
            planned_at: 0,
            assignee: None,
            content: "抽查回訪".into(),
            sample: None,
            programme: None,
        }
        .into_callback(0);
        cb.record(
            &CallbackResult {
                reached,
                satisfaction: reached.then_some(2),
                repair_held: None,
                problems: problems.into(),
                responsible: None,
                content: String::new(),
                fallback_method: None,
                fallback_at: None,
                task_owner: None,
                scores: Default::default(),
                answers: Vec::new(),
            },
            UserId::new(),
            1_000,
        )
        .unwrap();
        cb
    }

    #[test]
    fn r_visit_owner_a_problem_found_opens_a_task_due_by_the_office_s_days() {
        let (owner, sup) = (UserId::new(), UserId::new());
        // (reached, problem, opens)
        let cases = [
            (true, "維修後仍滴水", true),
            (true, "   ", false),
            (true, "", false),
            (false, "電話無人接聽", false),
            (true, &"長".repeat(MAX_TASK_TEXT + 1), false),
        ];
        for (i, (reached, problem, opens)) in cases.into_iter().enumerate() {
            let cb = recorded(reached, problem);
            let got = OwnerTask::open(&cb, owner, 7, sup, 5_000);
            assert_eq!(got.is_ok(), opens, "case {i}");
            if let Ok(t) = got {
                assert_eq!((t.owner, t.order, &t.callback), (owner, cb.order, &cb.id));
                assert_eq!(t.due_at, 5_000 + 7 * DAY_MS);
                assert!(!t.overdue(t.due_at) && t.overdue(t.due_at + 1));
            }
        }
    }

    #[test]
    fn r_visit_owner_a_task_is_closed_once_with_what_was_done() {
        let owner = UserId::new();
        let mut t = OwnerTask::open(&recorded(true, "門鎖仍卡"), owner, 7, owner, 0).unwrap();
        // (outcome, accepted)
        for (outcome, ok) in [
            ("", false),
            ("  ", false),
            ("已更換鎖芯並回覆住戶", true),
            ("again", false),
        ] {
            assert_eq!(t.close(owner, outcome, 10).is_ok(), ok, "{outcome:?}");
        }
        assert_eq!(t.outcome, "已更換鎖芯並回覆住戶");
        assert_eq!((t.closed_at, t.closed_by), (Some(10), Some(owner)));
        assert!(!t.overdue(i64::MAX), "a closed task is never overdue");
    }

    #[test]
    fn r_visit_owner_a_task_reminds_its_owner_as_it_falls_due() {
        let owner = UserId::new();
        // Found at 0, due in 7 days.
        let t = OwnerTask::open(&recorded(true, "門鎖仍卡"), owner, 7, owner, 0).unwrap();
        let due = t.due_at;
        // (now, the office's remind days, attention)
        let cases = [
            (0, 2, None),
            (due - 2 * DAY_MS - 1, 2, None),
            (due - 2 * DAY_MS, 2, Some(Attention::DueSoon)),
            (due, 2, Some(Attention::DueSoon)),
            (due + 1, 2, Some(Attention::Overdue)),
            // No "due soon" mark when the office sets 0 days; overdue still is.
            (due, 0, None),
            (due + 1, 0, Some(Attention::Overdue)),
            (0, 30, Some(Attention::DueSoon)),
        ];
        for (i, (now, days, want)) in cases.into_iter().enumerate() {
            assert_eq!(t.attention(now, days), want, "case {i}");
        }
        // Chased: it asks for attention before it is due soon; overdue stays overdue.
        let mut chased = t.clone();
        chased.remind(UserId::new(), "", 10).unwrap();
        assert_eq!(chased.attention(0, 2), Some(Attention::Reminded));
        assert_eq!(chased.attention(due + 1, 2), Some(Attention::Overdue));
        chased.close(owner, "已處理", 20).unwrap();
        assert_eq!(
            chased.attention(due + 1, 2),
            None,
            "closed: nothing to remind of"
        );
    }

    #[test]
    fn r_visit_owner_reminders_are_kept_with_who_chased_and_why() {
        let (owner, sup) = (UserId::new(), UserId::new());
        let mut t = OwnerTask::open(&recorded(true, "門鎖仍卡"), owner, 7, owner, 0).unwrap();
        t.remind(sup, "  住戶再次來電，請週五前處理 ", 100).unwrap();
        assert_eq!(
            t.reminders,
            [Reminder {
                by: sup,
                at: 100,
                note: "住戶再次來電，請週五前處理".into()
            }]
        );
        let long = "催".repeat(MAX_REMINDER_NOTE + 1);
        assert!(matches!(
            t.remind(sup, &long, 200),
            Err(Error::InvalidInput(_))
        ));
        for i in 1..MAX_REMINDERS {
            t.remind(sup, "", 200 + i as i64).unwrap();
        }
        assert!(matches!(t.remind(sup, "", 999), Err(Error::Conflict(_))));
        let mut closed = OwnerTask::open(&recorded(true, "x"), owner, 7, owner, 0).unwrap();
        closed.close(owner, "done", 5).unwrap();
        assert!(matches!(closed.remind(sup, "", 6), Err(Error::Conflict(_))));
        assert!(closed.reminders.is_empty());
    }
}
