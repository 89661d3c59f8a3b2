//! Complaints, office calendars and office settings on SQLite. A complaint is stored as
//! sync-core's `Complaint` in JSON, with columns for finding and listing.

use async_trait::async_trait;
use baoxiu_sync_core::calendar::OfficeCalendar;
use baoxiu_sync_core::complaint::{Complaint, NewComplaint};
use baoxiu_sync_core::settings::OfficeSettings;
use baoxiu_sync_core::{Millis, Office, OfficeId, UserId};
use rusqlite::{Connection, OptionalExtension, params};

use super::directory::office_or_404;
use super::{SqliteStore, from_json, to_json};
use crate::error::Result;
use crate::store::complaint_rows::{self, ComplaintRows};
use crate::store::customer_link::link_complaint;
use crate::store::decode::office_calendar;
use crate::store::{CalendarChange, ComplaintChange, ComplaintStore, OfficeStore};

fn load_calendar(c: &Connection, o: &Office) -> Result<OfficeCalendar> {
    let row: Option<(String, u32, u32)> = c
        .query_row(
            "SELECT kind, decision_days, tell_days FROM calendars WHERE office = ?1",
            [o.id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let mut stmt =
        c.prepare_cached("SELECT day, working FROM calendar_overrides WHERE office = ?1")?;
    let overrides = stmt
        .query_map([o.id.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    office_calendar(o, row, overrides)
}

fn save(c: &Connection, office: OfficeId, x: &Complaint) -> Result<()> {
    c.execute(
        "INSERT INTO complaints (id, office, received_day, status, complainant, unit, subject,
                                 order_id, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, data = excluded.data",
        params![
            x.id,
            office.to_string(),
            x.received_day.to_string(),
            x.status.as_str(),
            x.complainant,
            x.unit,
            x.subject,
            x.order.map(|o| o.to_string()),
            to_json(x)?,
        ],
    )?;
    Ok(())
}

fn load(c: &Connection, office: OfficeId, id: &str) -> Result<Option<Complaint>> {
    let data: Option<String> = c
        .query_row(
            "SELECT data FROM complaints WHERE id = ?1 AND office = ?2",
            params![id, office.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    data.map(|d| from_json(&format!("complaint {id}"), &d))
        .transpose()
}

/// The rows in the writer's transaction (the one writer: a complaint read here cannot
/// change under it).
struct Rows<'a>(&'a Connection);

impl ComplaintRows for Rows<'_> {
    fn calendar(&mut self, office: OfficeId) -> Result<OfficeCalendar> {
        let o = office_or_404(self.0, office)?;
        load_calendar(self.0, &o)
    }

    fn load_for_change(&mut self, office: OfficeId, id: &str) -> Result<Option<Complaint>> {
        load(self.0, office, id)
    }

    fn save(&mut self, office: OfficeId, x: &Complaint) -> Result<()> {
        save(self.0, office, x)
    }
}

#[async_trait]
impl ComplaintStore for SqliteStore {
    async fn create_complaint(
        &self,
        office: OfficeId,
        new: NewComplaint,
        received_at: Millis,
        by: UserId,
    ) -> Result<(Complaint, Option<Complaint>)> {
        self.exec(move |c| {
            let (x, earlier) = complaint_rows::create(&mut Rows(c), office, &new, received_at, by)?;
            let mut rows = c;
            link_complaint(
                &mut rows,
                &office.to_string(),
                &x,
                new.customer.as_deref(),
                by,
            )?;
            Ok((x, earlier))
        })
        .await
    }

    async fn update_complaint(
        &self,
        office: OfficeId,
        id: String,
        change: ComplaintChange,
    ) -> Result<Complaint> {
        self.exec(move |c| complaint_rows::update(&mut Rows(c), office, &id, change))
            .await
    }

    async fn complaint(&self, office: OfficeId, id: String) -> Result<Option<Complaint>> {
        self.read(move |_, c| load(c, office, &id)).await
    }

    async fn complaints(&self, office: OfficeId) -> Result<Vec<Complaint>> {
        self.read(move |_, c| {
            let mut stmt = c.prepare_cached(
                "SELECT data FROM complaints WHERE office = ?1 ORDER BY received_day, id",
            )?;
            let rows = stmt
                .query_map([office.to_string()], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.iter().map(|d| from_json("complaint", d)).collect()
        })
        .await
    }
}

#[async_trait]
impl OfficeStore for SqliteStore {
    async fn calendar(&self, office: OfficeId) -> Result<OfficeCalendar> {
        self.read(move |_, c| load_calendar(c, &office_or_404(c, office)?))
            .await
    }

    async fn set_calendar(
        &self,
        office: OfficeId,
        change: CalendarChange,
    ) -> Result<OfficeCalendar> {
        self.exec(move |c| {
            let o = office_or_404(c, office)?;
            let cur = load_calendar(c, &o)?;
            let (kind, decide, tell) = change.settle(&cur)?;
            c.execute(
                "INSERT INTO calendars (office, kind, decision_days, tell_days)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (office) DO UPDATE SET kind = excluded.kind,
                     decision_days = excluded.decision_days, tell_days = excluded.tell_days",
                params![o.id.to_string(), kind.as_str(), decide, tell],
            )?;
            for (day, working) in &change.overrides {
                match working {
                    Some(w) => c.execute(
                        "INSERT INTO calendar_overrides (office, day, working, note)
                         VALUES (?1, ?2, ?3, '')
                         ON CONFLICT (office, day) DO UPDATE SET working = excluded.working",
                        params![o.id.to_string(), day.to_string(), w],
                    )?,
                    None => c.execute(
                        "DELETE FROM calendar_overrides WHERE office = ?1 AND day = ?2",
                        params![o.id.to_string(), day.to_string()],
                    )?,
                };
            }
            load_calendar(c, &o)
        })
        .await
    }

    async fn settings(&self, office: OfficeId) -> Result<OfficeSettings> {
        self.read(move |_, c| {
            office_or_404(c, office)?;
            let data: Option<String> = c
                .query_row(
                    "SELECT data FROM office_settings WHERE office = ?1",
                    [office.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            data.map(|d| from_json("office settings", &d))
                .transpose()
                .map(Option::unwrap_or_default)
        })
        .await
    }

    async fn set_settings(&self, office: OfficeId, settings: OfficeSettings) -> Result<()> {
        settings.check()?;
        let data = to_json(&settings)?;
        self.exec(move |c| {
            office_or_404(c, office)?;
            c.execute(
                "INSERT INTO office_settings (office, data) VALUES (?1, ?2)
                 ON CONFLICT (office) DO UPDATE SET data = excluded.data",
                params![office.to_string(), data],
            )?;
            Ok(())
        })
        .await
    }
}
