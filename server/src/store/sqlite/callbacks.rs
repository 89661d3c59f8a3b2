//! A call-back's row on SQLite: reading one, and writing one whole (planned, or recorded
//! with its questionnaire's answers). The month's store and the tasks' use them.

use baoxiu_sync_core::OfficeId;
use baoxiu_sync_core::callback::Callback;
use rusqlite::{Connection, OptionalExtension, params};

use super::to_json;
use crate::error::Result;
use crate::store::decode::{CALLBACK_COLUMNS, CallbackRow, score_columns, to_callback};

pub(super) fn callback_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CallbackRow> {
    Ok((
        (
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
        ),
        (r.get(7)?, r.get(8)?, r.get(9)?, r.get(10)?, r.get(11)?),
        (r.get(12)?, r.get(13)?, r.get(14)?, r.get(15)?, r.get(16)?),
        r.get(17)?,
        (
            r.get(18)?,
            [r.get(19)?, r.get(20)?, r.get(21)?, r.get(22)?, r.get(23)?],
            r.get(24)?,
        ),
    ))
}

pub(super) fn load_callback(
    c: &Connection,
    office: OfficeId,
    id: &str,
) -> Result<Option<Callback>> {
    c.query_row(
        &format!("SELECT {CALLBACK_COLUMNS} FROM callbacks WHERE id = ?1 AND office = ?2"),
        params![id, office.to_string()],
        callback_row,
    )
    .optional()?
    .map(to_callback)
    .transpose()
}

/// Inserts or replaces a call-back.
pub(super) fn save_callback(c: &Connection, office: OfficeId, cb: &Callback) -> Result<()> {
    let sc = score_columns(&cb.scores);
    c.execute(
        "INSERT INTO callbacks (id, office, order_id, method, planned_at, assignee, content,
             status, reached, satisfaction, repair_held, problems, responsible, fallback_method,
             sample_id, recorded_by, recorded_at, created_at, complaint_id, programme_id,
             score_reliability, score_tangibles, score_responsiveness, score_empathy,
             score_professionalism, answers)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
             ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, reached = excluded.reached,
             satisfaction = excluded.satisfaction, repair_held = excluded.repair_held,
             problems = excluded.problems, responsible = excluded.responsible,
             fallback_method = excluded.fallback_method, recorded_by = excluded.recorded_by,
             recorded_at = excluded.recorded_at, content = excluded.content,
             score_reliability = excluded.score_reliability,
             score_tangibles = excluded.score_tangibles,
             score_responsiveness = excluded.score_responsiveness,
             score_empathy = excluded.score_empathy,
             score_professionalism = excluded.score_professionalism, answers = excluded.answers",
        params![
            cb.id,
            office.to_string(),
            cb.order.map(|o| o.to_string()),
            cb.method.as_str(),
            cb.planned_at,
            cb.assignee.map(|a| a.to_string()),
            cb.content,
            cb.status.as_str(),
            cb.reached,
            cb.satisfaction,
            cb.repair_held.map(|h| h.as_str()),
            cb.problems,
            cb.responsible,
            cb.fallback_method.map(|m| m.as_str()),
            cb.sample,
            cb.recorded_by.map(|a| a.to_string()),
            cb.recorded_at,
            cb.created_at,
            cb.complaint,
            cb.programme,
            sc[0],
            sc[1],
            sc[2],
            sc[3],
            sc[4],
            to_json(&cb.answers)?,
        ],
    )?;
    Ok(())
}
