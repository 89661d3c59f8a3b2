//! Complaints, office calendars and office settings on PostgreSQL. A complaint is stored
//! as sync-core's `Complaint` in JSON, with columns for finding and listing. Changing one
//! reads it `FOR UPDATE`: two nodes acting on the same complaint take turns.

use super::sql::Sql;
use async_trait::async_trait;
use baoxiu_sync_core::calendar::OfficeCalendar;
use baoxiu_sync_core::complaint::{Complaint, NewComplaint};
use baoxiu_sync_core::settings::OfficeSettings;
use baoxiu_sync_core::{Millis, Office, OfficeId, UserId};

use super::PgStore;
use super::customers::Rows as Linker;
use super::directory::office_or_404;
use crate::error::{Error, Result};
use crate::store::complaint_rows::{self, ComplaintRows};
use crate::store::customer_link::link_complaint;
use crate::store::decode::{from_json, office_calendar, to_json};
use crate::store::{CalendarChange, ComplaintChange, ComplaintStore, OfficeStore};

fn load_calendar(c: &mut impl Sql, o: &Office) -> Result<OfficeCalendar> {
    let row = c
        .query_opt(
            "SELECT kind, decision_days, tell_days FROM calendars WHERE office = $1",
            &[&o.id.to_string()],
        )?
        .map(|r| -> Result<(String, u32, u32)> {
            let days = |i: usize| -> Result<u32> {
                let d: i64 = r.try_get(i)?;
                u32::try_from(d).map_err(|_| Error::Corrupt(format!("calendar period {d}")))
            };
            Ok((r.try_get(0)?, days(1)?, days(2)?))
        })
        .transpose()?;
    let overrides = c
        .query(
            "SELECT day, working FROM calendar_overrides WHERE office = $1",
            &[&o.id.to_string()],
        )?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get::<_, i64>(1)? == 1)))
        .collect::<Result<Vec<_>>>()?;
    office_calendar(o, row, overrides)
}

fn save(c: &mut impl Sql, office: OfficeId, x: &Complaint) -> Result<()> {
    c.execute(
        "INSERT INTO complaints (id, office, received_day, status, complainant, unit, subject,
                                 order_id, data)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, data = excluded.data",
        &[
            &x.id,
            &office.to_string(),
            &x.received_day.to_string(),
            &x.status.as_str(),
            &x.complainant,
            &x.unit,
            &x.subject,
            &x.order.map(|o| o.to_string()),
            &to_json(x)?,
        ],
    )?;
    Ok(())
}

/// A complaint, locked for the rest of the transaction when `lock`.
fn load(c: &mut impl Sql, office: OfficeId, id: &str, lock: bool) -> Result<Option<Complaint>> {
    let sql = if lock {
        "SELECT data FROM complaints WHERE id = $1 AND office = $2 FOR UPDATE"
    } else {
        "SELECT data FROM complaints WHERE id = $1 AND office = $2"
    };
    c.query_opt(sql, &[&id, &office.to_string()])?
        .map(|r| from_json(&format!("complaint {id}"), &r.try_get::<_, String>(0)?))
        .transpose()
}

/// The rows in a transaction: a complaint to change is read `FOR UPDATE`.
struct Rows<'a, S>(&'a mut S);

impl<S: Sql> ComplaintRows for Rows<'_, S> {
    fn calendar(&mut self, office: OfficeId) -> Result<OfficeCalendar> {
        let o = office_or_404(self.0, office)?;
        load_calendar(self.0, &o)
    }

    fn load_for_change(&mut self, office: OfficeId, id: &str) -> Result<Option<Complaint>> {
        load(self.0, office, id, true)
    }

    fn save(&mut self, office: OfficeId, x: &Complaint) -> Result<()> {
        save(self.0, office, x)
    }
}

#[async_trait]
impl ComplaintStore for PgStore {
    async fn create_complaint(
        &self,
        office: OfficeId,
        new: NewComplaint,
        received_at: Millis,
        by: UserId,
    ) -> Result<(Complaint, Option<Complaint>)> {
        self.tx(move |tx| {
            let (x, earlier) =
                complaint_rows::create(&mut Rows(tx), office, &new, received_at, by)?;
            let chosen = new.customer.as_deref();
            link_complaint(&mut Linker(tx), &office.to_string(), &x, chosen, by)?;
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
        self.tx(move |tx| complaint_rows::update(&mut Rows(tx), office, &id, change))
            .await
    }

    async fn complaint(&self, office: OfficeId, id: String) -> Result<Option<Complaint>> {
        self.with(move |c| load(c, office, &id, false)).await
    }

    async fn complaints(&self, office: OfficeId) -> Result<Vec<Complaint>> {
        self.with(move |c| {
            c.query(
                "SELECT data FROM complaints WHERE office = $1
                 ORDER BY received_day, id COLLATE \"C\"",
                &[&office.to_string()],
            )?
            .iter()
            .map(|r| from_json("complaint", &r.try_get::<_, String>(0)?))
            .collect()
        })
        .await
    }
}

#[async_trait]
impl OfficeStore for PgStore {
    async fn calendar(&self, office: OfficeId) -> Result<OfficeCalendar> {
        self.with(move |c| {
            let o = office_or_404(c, office)?;
            load_calendar(c, &o)
        })
        .await
    }

    async fn set_calendar(
        &self,
        office: OfficeId,
        change: CalendarChange,
    ) -> Result<OfficeCalendar> {
        self.tx(move |tx| {
            let o = office_or_404(tx, office)?;
            let cur = load_calendar(tx, &o)?;
            let (kind, decide, tell) = change.settle(&cur)?;
            tx.execute(
                "INSERT INTO calendars (office, kind, decision_days, tell_days)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (office) DO UPDATE SET kind = excluded.kind,
                     decision_days = excluded.decision_days, tell_days = excluded.tell_days",
                &[
                    &o.id.to_string(),
                    &kind.as_str(),
                    &i64::from(decide),
                    &i64::from(tell),
                ],
            )?;
            for (day, working) in &change.overrides {
                match working {
                    Some(w) => tx.execute(
                        "INSERT INTO calendar_overrides (office, day, working, note)
                         VALUES ($1, $2, $3, '')
                         ON CONFLICT (office, day) DO UPDATE SET working = excluded.working",
                        &[&o.id.to_string(), &day.to_string(), &i64::from(*w)],
                    )?,
                    None => tx.execute(
                        "DELETE FROM calendar_overrides WHERE office = $1 AND day = $2",
                        &[&o.id.to_string(), &day.to_string()],
                    )?,
                };
            }
            load_calendar(tx, &o)
        })
        .await
    }

    async fn settings(&self, office: OfficeId) -> Result<OfficeSettings> {
        self.with(move |c| {
            office_or_404(c, office)?;
            c.query_opt(
                "SELECT data FROM office_settings WHERE office = $1",
                &[&office.to_string()],
            )?
            .map(|r| from_json("office settings", &r.try_get::<_, String>(0)?))
            .transpose()
            .map(Option::unwrap_or_default)
        })
        .await
    }

    async fn set_settings(&self, office: OfficeId, settings: OfficeSettings) -> Result<()> {
        settings.check()?;
        let data = to_json(&settings)?;
        self.tx(move |tx| {
            office_or_404(tx, office)?;
            tx.execute(
                "INSERT INTO office_settings (office, data) VALUES ($1, $2)
                 ON CONFLICT (office) DO UPDATE SET data = excluded.data",
                &[&office.to_string(), &data],
            )?;
            Ok(())
        })
        .await
    }
}
