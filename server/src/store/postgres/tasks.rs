//! R-VISIT-OWNER on PostgreSQL: the owner's list and closing a task (opening one is part
//! of recording its call-back, in `month.rs`).

use async_trait::async_trait;
use baoxiu_sync_core::task::OwnerTask;
use baoxiu_sync_core::{Millis, OfficeId, UserId};

use super::PgStore;
use super::sql::Sql;
use crate::error::{Error, Result};
use crate::store::TaskStore;
use crate::store::decode::{TASK_COLUMNS, TaskRow, to_json, to_task};

#[async_trait]
impl TaskStore for PgStore {
    async fn owner_tasks(
        &self,
        office: OfficeId,
        owner: Option<UserId>,
        open_only: bool,
    ) -> Result<Vec<OwnerTask>> {
        self.with(move |c| {
            c.query(
                &format!(
                    "SELECT {TASK_COLUMNS} FROM owner_tasks
                     WHERE office = $1 AND ($2::TEXT IS NULL OR owner = $2)
                       AND (NOT $3 OR closed_at IS NULL)
                     ORDER BY due_at, id"
                ),
                &[
                    &office.to_string(),
                    &owner.map(|o| o.to_string()),
                    &open_only,
                ],
            )?
            .iter()
            .map(|r| to_task(task_row(r)?))
            .collect()
        })
        .await
    }

    async fn open_task_dues(&self, office: OfficeId, owner: UserId) -> Result<Vec<(Millis, bool)>> {
        self.with(move |c| {
            c.query(
                "SELECT due_at, reminders <> '[]' FROM owner_tasks
                 WHERE office = $1 AND owner = $2 AND closed_at IS NULL",
                &[&office.to_string(), &owner.to_string()],
            )?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
        })
        .await
    }

    async fn close_owner_task(
        &self,
        office: OfficeId,
        id: String,
        by: UserId,
        any: bool,
        outcome: String,
        now: Millis,
    ) -> Result<OwnerTask> {
        self.tx(move |tx| {
            let mut t = load_for_update(tx, office, &id)?;
            if !any && t.owner != by {
                return Err(Error::Forbidden(
                    "only the task's owner or a supervisor closes it".into(),
                ));
            }
            t.close(by, &outcome, now)?;
            save_task(tx, office, &t)?;
            Ok(t)
        })
        .await
    }

    async fn remind_owner_task(
        &self,
        office: OfficeId,
        id: String,
        by: UserId,
        note: String,
        now: Millis,
    ) -> Result<OwnerTask> {
        self.tx(move |tx| {
            let mut t = load_for_update(tx, office, &id)?;
            t.remind(by, &note, now)?;
            save_task(tx, office, &t)?;
            Ok(t)
        })
        .await
    }
}

/// The office's task, locked until the transaction ends (two people acting on it take
/// turns); `NotFound` otherwise.
fn load_for_update(c: &mut impl Sql, office: OfficeId, id: &str) -> Result<OwnerTask> {
    let row = c
        .query_opt(
            &format!(
                "SELECT {TASK_COLUMNS} FROM owner_tasks WHERE id = $1 AND office = $2 FOR UPDATE"
            ),
            &[&id, &office.to_string()],
        )?
        .ok_or_else(|| Error::NotFound(format!("task {id}")))?;
    to_task(task_row(&row)?)
}

pub(super) fn task_row(r: &postgres::Row) -> Result<TaskRow> {
    Ok((
        (
            r.try_get(0)?,
            r.try_get(1)?,
            r.try_get(2)?,
            r.try_get(3)?,
            r.try_get(4)?,
            r.try_get(5)?,
        ),
        (
            r.try_get(6)?,
            r.try_get(7)?,
            r.try_get(8)?,
            r.try_get(9)?,
            r.try_get(10)?,
            r.try_get(11)?,
        ),
        r.try_get(12)?,
    ))
}

pub(super) fn save_task(c: &mut impl Sql, office: OfficeId, t: &OwnerTask) -> Result<()> {
    c.execute(
        "INSERT INTO owner_tasks (id, office, callback_id, order_id, owner, problem, due_at,
             created_by, created_at, closed_at, closed_by, outcome, complaint_id, reminders)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT (id) DO UPDATE SET closed_at = excluded.closed_at,
             closed_by = excluded.closed_by, outcome = excluded.outcome,
             reminders = excluded.reminders",
        &[
            &t.id,
            &office.to_string(),
            &t.callback,
            &t.order.map(|o| o.to_string()),
            &t.owner.to_string(),
            &t.problem,
            &t.due_at,
            &t.created_by.to_string(),
            &t.created_at,
            &t.closed_at,
            &t.closed_by.map(|u| u.to_string()),
            &t.outcome,
            &t.complaint,
            &to_json(&t.reminders)?,
        ],
    )?;
    Ok(())
}
