//! R-VISIT-OWNER on SQLite: the owner's list and closing a task (opening one is part of
//! recording its call-back, in `month.rs`).

use async_trait::async_trait;
use baoxiu_sync_core::task::OwnerTask;
use baoxiu_sync_core::{Millis, OfficeId, UserId};
use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use crate::error::{Error, Result};
use crate::store::TaskStore;
use crate::store::decode::{TASK_COLUMNS, TaskRow, to_json, to_task};

#[async_trait]
impl TaskStore for SqliteStore {
    async fn owner_tasks(
        &self,
        office: OfficeId,
        owner: Option<UserId>,
        open_only: bool,
    ) -> Result<Vec<OwnerTask>> {
        self.read(move |_, c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {TASK_COLUMNS} FROM owner_tasks
                 WHERE office = ?1 AND (?2 IS NULL OR owner = ?2)
                   AND (?3 = 0 OR closed_at IS NULL)
                 ORDER BY due_at, id"
            ))?;
            let rows = stmt
                .query_map(
                    params![office.to_string(), owner.map(|o| o.to_string()), open_only],
                    task_row,
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter().map(to_task).collect()
        })
        .await
    }

    async fn open_task_dues(&self, office: OfficeId, owner: UserId) -> Result<Vec<(Millis, bool)>> {
        self.read(move |_, c| {
            let mut stmt = c.prepare_cached(
                "SELECT due_at, reminders <> '[]' FROM owner_tasks
                 WHERE office = ?1 AND owner = ?2 AND closed_at IS NULL",
            )?;
            let rows = stmt
                .query_map(params![office.to_string(), owner.to_string()], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
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
        self.exec(move |c| {
            let mut t = load(c, office, &id)?;
            if !any && t.owner != by {
                return Err(Error::Forbidden(
                    "only the task's owner or a supervisor closes it".into(),
                ));
            }
            t.close(by, &outcome, now)?;
            save_task(c, office, &t)?;
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
        self.exec(move |c| {
            let mut t = load(c, office, &id)?;
            t.remind(by, &note, now)?;
            save_task(c, office, &t)?;
            Ok(t)
        })
        .await
    }
}

/// The office's task, `NotFound` otherwise.
fn load(c: &Connection, office: OfficeId, id: &str) -> Result<OwnerTask> {
    let row = c
        .query_row(
            &format!("SELECT {TASK_COLUMNS} FROM owner_tasks WHERE id = ?1 AND office = ?2"),
            params![id, office.to_string()],
            task_row,
        )
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("task {id}")))?;
    to_task(row)
}

pub(super) fn task_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TaskRow> {
    Ok((
        (
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
        ),
        (
            r.get(6)?,
            r.get(7)?,
            r.get(8)?,
            r.get(9)?,
            r.get(10)?,
            r.get(11)?,
        ),
        r.get(12)?,
    ))
}

pub(super) fn save_task(c: &Connection, office: OfficeId, t: &OwnerTask) -> Result<()> {
    c.execute(
        "INSERT INTO owner_tasks (id, office, callback_id, order_id, owner, problem, due_at,
             created_by, created_at, closed_at, closed_by, outcome, complaint_id, reminders)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (id) DO UPDATE SET closed_at = excluded.closed_at,
             closed_by = excluded.closed_by, outcome = excluded.outcome,
             reminders = excluded.reminders",
        params![
            t.id,
            office.to_string(),
            t.callback,
            t.order.map(|o| o.to_string()),
            t.owner.to_string(),
            t.problem,
            t.due_at,
            t.created_by.to_string(),
            t.created_at,
            t.closed_at,
            t.closed_by.map(|u| u.to_string()),
            t.outcome,
            t.complaint,
            to_json(&t.reminders)?,
        ],
    )?;
    Ok(())
}
