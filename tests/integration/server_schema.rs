//! The server's schema: a database of every released version, holding data, upgrades to
//! the same schema as a fresh one, and its data reads back through the store — orders
//! (with the projection rebuilt by the post-migration job), people, call-backs,
//! complaints, calendars. Databases from before the migrations crate (version only in
//! `PRAGMA user_version`) are adopted the same way.

use baoxiu_server::SqliteStore;
use baoxiu_server::store::sqlite::{SCHEMA_VERSION, open_at_version};
use baoxiu_server::store::{
    CallbackFilter, ComplaintStore, CustomerStore, DirectoryStore, LinkFilter, MonthStore,
    OfficeStore, OrderFilter, OrderStore, Register, RegisterStore, TaskStore,
};
use baoxiu_sync_core::calendar::Calendar;
use baoxiu_sync_core::callback::{CallbackMethod, CallbackStatus};
use baoxiu_sync_core::complaint::{Complaint, NewComplaint};
use baoxiu_sync_core::{PassFail, UserId, WorkOrderDoc, state};
use chrono::NaiveDate;
use rusqlite::{Connection, params};

use crate::support::*;

/// What the old database holds, to find again after the upgrade.
struct Seeded {
    o: Office1,
    doc: WorkOrderDoc,
    complaint: Complaint,
    callback_id: String,
}

fn complaint(o: &Office1) -> Complaint {
    let n = NewComplaint {
        channel: "hotline".into(),
        complainant: "王先生".into(),
        contact: String::new(),
        by_customer_or_agent: true,
        unit: "A棟-12F-3".into(),
        subject: "維修太慢".into(),
        category: "timeliness".into(),
        description: String::new(),
        order: None,
        technician: None,
        material_complete: true,
        missing: String::new(),
        same_as: None,
        new_facts: None,
        referral: None,
        customer: None,
    };
    let day = NaiveDate::from_ymd_opt(2026, 10, 5).unwrap();
    let cal = Calendar::new(baoxiu_sync_core::calendar::CalendarKind::Weekends);
    Complaint::receive("c-1".into(), &n, T0, day, &cal, o.supervisor.user).unwrap()
}

/// Writes rows as a build of schema `version` would have: the tables of that version
/// only, with a projection row that is out of date (the job must rebuild it).
fn seed(conn: &Connection, version: i64) -> Seeded {
    let o = Office1::new();
    let doc = o.completed();
    let id = doc.order_id().to_string();
    let office = o.office.id.to_string();
    conn.execute(
        "INSERT INTO offices VALUES (?1, ?2, ?3, ?4)",
        params![office, o.office.name, o.office.time_zone, o.office.currency],
    )
    .unwrap();
    for a in [&o.desk, &o.dispatcher, &o.tech, &o.supervisor] {
        conn.execute(
            "INSERT INTO users VALUES (?1, ?2, '某人', ?3, '[\"plumbing\"]', NULL, 0, 1)",
            params![a.user.to_string(), office, a.role.as_str()],
        )
        .unwrap();
    }
    conn.execute(
        "INSERT INTO devices (id, user_id, deliveries, last_sync) VALUES (?1, ?2, 1, ?3)",
        params![o.tech.device.to_string(), o.tech.user.to_string(), T0],
    )
    .unwrap();
    for c in doc.all_changes() {
        conn.execute(
            "INSERT INTO log (order_id, hash, actor, bytes) VALUES (?1, ?2, ?3, ?4)",
            params![
                id,
                c.hash().0.as_slice(),
                c.actor_id().to_bytes(),
                c.raw_bytes()
            ],
        )
        .unwrap();
    }
    // Stale on purpose: "logged", no totals.
    conn.execute(
        "INSERT INTO orders (id, office, status, customer_name, unit, phone, description, channel,
             created_by, logged_at, materials, labour, total, anomalies, updated_at)
         VALUES (?1, ?2, 'logged', 'x', 'x', '', 'x', 'phone', ?3, ?4, 0, 0, 0, 0, ?4)",
        params![id, office, o.desk.user.to_string(), T0],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO order_technicians VALUES (?1, ?2)",
        params![id, o.tech.user.to_string()],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO device_scope (device, order_id, delivered) VALUES (?1, ?2, 1)",
        params![o.tech.device.to_string(), id],
    )
    .unwrap();
    let callback_id = "cb-1".to_owned();
    if version >= 2 {
        conn.execute(
            "INSERT INTO callbacks (id, office, order_id, method, planned_at, content, status,
                 reached, satisfaction, repair_held, created_at, recorded_at, recorded_by)
             VALUES (?1, ?2, ?3, 'on_site', ?4, '回訪', 'done', 1, 5, 'pass', ?4, ?4, ?5)",
            params![callback_id, office, id, T0, o.supervisor.user.to_string()],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO samples (id, office, month, seed, percent, min_per_technician, orders,
                 created_by, created_at)
             VALUES ('s-1', ?1, '2026-11', 42, 10, 1, ?2, ?3, ?4)",
            params![
                office,
                format!("[\"{id}\"]"),
                o.supervisor.user.to_string(),
                T0
            ],
        )
        .unwrap();
    }
    let complaint = complaint(&o);
    if version >= 3 {
        conn.execute(
            "INSERT INTO calendars (office, kind, decision_days) VALUES (?1, 'weekends', 7)",
            [&office],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO calendar_overrides VALUES (?1, '2026-10-10', 0, '國慶日')",
            [&office],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO complaints VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, ?8)",
            params![
                complaint.id,
                office,
                complaint.received_day.to_string(),
                complaint.status.as_str(),
                complaint.complainant,
                complaint.unit,
                complaint.subject,
                serde_json::to_string(&complaint).unwrap()
            ],
        )
        .unwrap();
    }
    if version >= 17 {
        // R-VISIT-OWNER: the call-back's task, kept through migration 19's rebuild.
        conn.execute(
            "INSERT INTO owner_tasks (id, office, callback_id, order_id, owner, problem, due_at,
                 created_by, created_at)
             VALUES ('t-1', ?1, ?2, ?3, ?4, '仍漏水', ?5, ?4, ?5)",
            params![office, callback_id, id, o.dispatcher.user.to_string(), T0],
        )
        .unwrap();
    }
    if version >= 13 {
        // S3's fleet register, kept through migration 20's rebuild of the registers.
        conn.execute(
            "INSERT INTO office_registers (office, kind, data) VALUES (?1, 'fleet', ?2)",
            params![office, r#"{"shops":["順安汽修"]}"#],
        )
        .unwrap();
    }
    Seeded {
        o,
        doc,
        complaint,
        callback_id,
    }
}

/// Everything seeded at `version` reads back through the store after the upgrade.
async fn check(store: &SqliteStore, s: &Seeded, version: i64) {
    let id = s.doc.order_id();
    let office = s.o.office.id;
    let want = state(&s.doc).unwrap();
    assert_eq!(store.order(id).await.unwrap().as_ref(), Some(&want));
    let (rows, total) = store
        .list_orders(OrderFilter {
            office,
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(total, 1);
    // The projection job rewrote the stale row from the document.
    assert_eq!(rows[0].status, want.status.as_str());
    assert_eq!(rows[0].total, want.fees.total.0);
    assert_eq!(rows[0].technicians, vec![s.o.tech.user]);
    let people: Vec<UserId> = store
        .users(office)
        .await
        .unwrap()
        .iter()
        .map(|p| p.id)
        .collect();
    assert!(people.contains(&s.o.tech.user));
    let devices = store.device_syncs(office).await.unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].last_sync, Some(T0));
    let callbacks = store
        .callbacks(office, CallbackFilter::default())
        .await
        .unwrap();
    let fleet = store.register(office, Register::Fleet).await.unwrap();
    assert_eq!(
        fleet.as_deref(),
        (version >= 13).then_some(r#"{"shops":["順安汽修"]}"#)
    );
    let tasks = store.owner_tasks(office, None, false).await.unwrap();
    if version >= 17 {
        assert_eq!(tasks.len(), 1);
        assert_eq!(
            (tasks[0].order, tasks[0].complaint.as_deref()),
            (Some(id), None)
        );
        assert_eq!(tasks[0].callback, s.callback_id);
        // Schema 25: a task stored before has no reminders.
        assert!(tasks[0].reminders.is_empty());
    } else {
        assert!(tasks.is_empty());
    }
    if version >= 2 {
        assert_eq!(callbacks.len(), 1);
        let cb = &callbacks[0];
        assert_eq!(cb.id, s.callback_id);
        assert_eq!(cb.method, CallbackMethod::OnSite);
        assert_eq!(cb.status, CallbackStatus::Done);
        assert_eq!(cb.satisfaction, Some(5));
        assert_eq!(cb.repair_held, Some(PassFail::Pass));
        // Schema 29: a call-back stored before has no programme and no questionnaire.
        assert_eq!(cb.programme, None);
        assert!(cb.scores.is_empty() && cb.answers.is_empty());
        let sample = MonthStore::sample(store, office, "s-1".into())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(sample.orders, vec![id]);
        assert_eq!(sample.seed, 42);
    } else {
        assert!(callbacks.is_empty());
    }
    let complaints = store.complaints(office).await.unwrap();
    let cal = store.calendar(office).await.unwrap();
    if version >= 3 {
        assert_eq!(complaints, vec![s.complaint.clone()]);
        assert_eq!(cal.decision_days, 7);
        // A calendar set before migration 18 tells within the default period.
        assert_eq!(cal.tell_days, 5);
        assert_eq!(
            cal.calendar
                .overrides
                .get(&NaiveDate::from_ymd_opt(2026, 10, 10).unwrap()),
            Some(&false)
        );
    } else {
        assert!(complaints.is_empty());
    }
    // Orders and complaints from before customers existed are linked to the customer their
    // unit and phone lead to (schema 22's backfill).
    let links = store.links(office, LinkFilter::default()).await.unwrap();
    let order_link = links.iter().find(|l| l.item == id.to_string());
    let customer = match order_link {
        Some(l) => store.customer(office, l.customer.clone()).await.unwrap(),
        None => None,
    };
    assert_eq!(
        customer.map(|c| (c.unit, c.phones)),
        Some((
            want.customer.unit.clone(),
            vec![want.customer.phone.clone()]
        )),
        "from {version}"
    );
    assert_eq!(
        links.len(),
        if version >= 3 { 2 } else { 1 },
        "from {version}"
    );
    // And the upgraded store takes new writes.
    let settings = store.settings(office).await.unwrap();
    store.set_settings(office, settings).await.unwrap();
}

#[tokio::test]
async fn server_database_with_data_from_every_released_version_upgrades() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("fresh.db");
    drop(SqliteStore::open(&fresh).unwrap());
    assert_eq!(user_version(&fresh), SCHEMA_VERSION);
    for from in 1..SCHEMA_VERSION {
        // legacy: written before the migrations crate kept its history table.
        for legacy in [false, true] {
            // Versions 1–3 alone were ever released without that table.
            if legacy && from > 3 {
                continue;
            }
            let old = dir.path().join(format!("old{from}-{legacy}.db"));
            let seeded = {
                let conn = open_at_version(&old, from).unwrap();
                // Foreign keys as an older build had them: not declared yet.
                conn.execute_batch("PRAGMA foreign_keys=OFF").unwrap();
                let s = seed(&conn, from);
                if legacy {
                    conn.execute_batch("DROP TABLE refinery_schema_history")
                        .unwrap();
                }
                s
            };
            assert_eq!(user_version(&old), from);
            let store = SqliteStore::open(&old).unwrap();
            assert_eq!(user_version(&old), SCHEMA_VERSION, "from {from}");
            assert_eq!(schema_of(&old), schema_of(&fresh), "from {from}");
            check(&store, &seeded, from).await;
        }
    }
}

#[test]
fn server_database_newer_than_the_build_is_refused_not_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    drop(SqliteStore::open(&path).unwrap());
    let conn = Connection::open(&path).unwrap();
    conn.execute(
        "INSERT INTO refinery_schema_history VALUES (99, 'future', '2030-01-01T00:00:00Z', '1')",
        [],
    )
    .unwrap();
    drop(conn);
    let before = schema_of(&path);
    assert!(SqliteStore::open(&path).is_err());
    assert_eq!(schema_of(&path), before);
}

#[test]
fn server_database_with_a_damaged_history_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.db");
    drop(SqliteStore::open(&path).unwrap());
    Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE refinery_schema_history SET applied_on = 'yesterday' WHERE version = 1",
            [],
        )
        .unwrap();
    assert!(matches!(
        SqliteStore::open(&path),
        Err(baoxiu_server::Error::Corrupt(_))
    ));
}

/// R-COMPLETE: "what was done" may not be empty. A database written before the rule holds
/// a completion with blank notes; the upgrade replays its orders (the projection version
/// moved), so the completion shows as an anomaly on the board, not silently as fine.
#[tokio::test]
async fn r_complete_an_old_blank_completion_is_flagged_after_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let o = Office1::new();
    let mut doc = o.consented();
    // Written as a phone of the time would have: no check of the notes.
    let blank = baoxiu_sync_core::Event {
        id: baoxiu_sync_core::EventId::new(),
        author: o.tech.clone(),
        at: T0 + 150 * MIN,
        offset: Some(0),
        body: baoxiu_sync_core::EventBody::Completed {
            test_result: PassFail::Pass,
            cleaned_up: true,
            items: faucet(12000, 5000),
            notes: String::new(),
            schedule: None,
        },
    };
    doc.append(&blank).unwrap();
    let id = doc.order_id();
    {
        let conn = open_at_version(&path, SCHEMA_VERSION).unwrap();
        let office = o.office.id.to_string();
        conn.execute(
            "INSERT INTO offices VALUES (?1, ?2, ?3, ?4)",
            params![office, o.office.name, o.office.time_zone, o.office.currency],
        )
        .unwrap();
        for c in doc.all_changes() {
            conn.execute(
                "INSERT INTO log (order_id, hash, actor, bytes) VALUES (?1, ?2, ?3, ?4)",
                params![
                    id.to_string(),
                    c.hash().0.as_slice(),
                    c.actor_id().to_bytes(),
                    c.raw_bytes()
                ],
            )
            .unwrap();
        }
        // The projection as the build before the rule computed it: no anomaly.
        let before = state(&doc).unwrap();
        conn.execute(
            "INSERT INTO orders (id, office, status, customer_name, unit, phone, description,
                 channel, created_by, logged_at, materials, labour, total, anomalies, updated_at)
             VALUES (?1, ?2, 'completed', 'x', 'x', '', 'x', 'phone', ?3, ?4, 0, 0, 0, 0, ?4)",
            params![id.to_string(), office, o.desk.user.to_string(), T0],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO settings (key, value) VALUES ('projection_version', '1')
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [],
        )
        .unwrap();
        assert!(
            before.anomalies.iter().any(|a| a.rule == "R-COMPLETE"),
            "this build's reducer flags it"
        );
    }
    let store = SqliteStore::open(&path).unwrap();
    let (rows, _) = store
        .list_orders(OrderFilter {
            office: o.office.id,
            status: None,
            technician: None,
            from: None,
            to: None,
            search: None,
            paid: None,
            customer: None,
            limit: 50,
            offset: 0,
        })
        .await
        .unwrap();
    let row = rows.iter().find(|r| r.id == id).unwrap();
    assert!(row.anomalies > 0, "the board shows it after the upgrade");
}
