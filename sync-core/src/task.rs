//! R-VISIT-OWNER: a problem a call-back found becomes a task for whoever caused it, with a
//! due date; it stays open on the owner's list and the supervisor's until it is closed
//! with what was done. Pure: the server stores it with the call-back, atomically.

use serde::{Deserialize, Serialize};

use crate::callback::Callback;
use crate::error::Error;
use crate::model::{Millis, OrderId, UserId};

const DAY_MS: Millis = 24 * 3600 * 1000;
/// The longest problem or outcome text (characters).
pub const MAX_TASK_TEXT: usize = 2000;

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
}
