//! Month end (R-MONTH): each definition against figures computed by hand on a small fixed
//! data set in the office's time zone (Asia/Taipei, UTC+8).

use baoxiu_sync_core::{
    Channel, Context, Customer, EventBody, FeeItem, Millis, Money, NewOrder, OrderId, PassFail,
    Signature, WorkOrderDoc, create_order, execute, state,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::server_support::*;
use crate::support::TestClock;

pub(crate) const MIN: Millis = 60_000;
pub(crate) const HOUR: Millis = 60 * MIN;
const DAY: Millis = 24 * HOUR;

/// Local (UTC+8) wall time → UTC millis.
pub(crate) fn taipei(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Millis {
    chrono::NaiveDate::from_ymd_opt(y, mo, d)
        .unwrap()
        .and_hms_opt(h, mi, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis()
        - 8 * HOUR
}

fn fee(materials: i64, labour: i64) -> Vec<FeeItem> {
    vec![FeeItem {
        description: "更換零件".into(),
        materials: Money(materials),
        labour: Money(labour),
        code: None,
    }]
}

/// What happens to one order of the data set.
pub(crate) struct Job<'a> {
    pub(crate) unit: &'a str,
    pub(crate) description: &'a str,
    pub(crate) tech: &'a str,
    pub(crate) appointment: Millis,
    /// A consented reschedule: (agreed at, new time).
    pub(crate) reschedule: Option<(Millis, Millis)>,
    /// Arrival on the device's clock, and the device's measured offset (None: unknown).
    pub(crate) arrival: Option<(Millis, Option<Millis>)>,
    /// Paid fees (materials, labour), or free.
    pub(crate) fees: Option<(i64, i64)>,
    pub(crate) complete_after: Option<Millis>,
    /// A line off the schedule the technician adds on site (materials, labour): a proposal
    /// the customer agrees to and the manager approves later (R-PAID).
    pub(crate) extra: Option<(i64, i64)>,
}

async fn office(srv: &TestServer) -> baoxiu_sync_core::Office {
    let id = srv.who("a.desk").person.office;
    srv.state().store.office(id).await.unwrap().unwrap()
}

/// Builds the order offline with fixed times (desk, dispatcher, technician each on their
/// own device) and submits it through the server's device validation.
pub(crate) async fn seed(srv: &TestServer, j: Job<'_>) -> OrderId {
    let desk = srv.who("a.desk");
    let disp = srv.who("a.dispatcher");
    let tech = srv.who(&format!("a.{}", j.tech));
    let ctx = |l: &Login, at: Millis, offset: Option<Millis>| Context {
        author: l.author(),
        now: at,
        offset,
    };
    let logged = j.appointment - 2 * HOUR;
    let (mut doc, _) = create_order(
        &ctx(desk, logged, Some(0)),
        NewOrder {
            office: office(srv).await,
            customer: Customer {
                name: "住戶".into(),
                unit: j.unit.into(),
                phone: "0912-000-000".into(),
            },
            channel: Channel::Phone,
            description: j.description.into(),
            follow_up_of: None,
        },
    )
    .unwrap();
    let d = |at| ctx(disp, at, Some(0));
    execute(&mut doc, &d(logged + 10 * MIN), EventBody::Received).unwrap();
    let (paid, items) = match j.fees {
        Some((m, l)) => (true, fee(m, l)),
        None => (false, vec![]),
    };
    execute(
        &mut doc,
        &d(logged + 11 * MIN),
        EventBody::Priced {
            paid,
            items: items.clone(),
            schedule: None,
        },
    )
    .unwrap();
    execute(
        &mut doc,
        &d(logged + 12 * MIN),
        EventBody::Assigned {
            technicians: vec![tech.person.id],
            reason: String::new(),
        },
    )
    .unwrap();
    execute(
        &mut doc,
        &d(logged + 13 * MIN),
        EventBody::AppointmentSet { at: j.appointment },
    )
    .unwrap();
    if let Some((agreed, new_time)) = j.reschedule {
        execute(
            &mut doc,
            &ctx(tech, agreed, Some(0)),
            EventBody::Rescheduled {
                at: new_time,
                customer_consented: true,
                reason: "住戶同意改時間".into(),
            },
        )
        .unwrap();
    }
    // What the customer agrees to on site: the manager's lines and any proposal.
    let mut items = items;
    if let Some((m, l)) = j.extra {
        items.push(FeeItem {
            description: "更換老化進水軟管".into(),
            materials: Money(m),
            labour: Money(l),
            code: None,
        });
    }
    if let Some((device_at, offset)) = j.arrival {
        let t = |k: Millis| ctx(tech, device_at + k * MIN, offset);
        execute(
            &mut doc,
            &t(0),
            EventBody::Arrived {
                confirmed_items: vec![j.description.into()],
            },
        )
        .unwrap();
        execute(
            &mut doc,
            &t(1),
            EventBody::FeeTold {
                paid,
                items: items.clone(),
                schedule: None,
            },
        )
        .unwrap();
        execute(&mut doc, &t(2), EventBody::ConsentGiven).unwrap();
        if let Some(after) = j.complete_after {
            let done = ctx(tech, device_at + after, offset);
            execute(
                &mut doc,
                &done,
                EventBody::Completed {
                    test_result: PassFail::Pass,
                    cleaned_up: true,
                    items: items.clone(),
                    notes: "完成".into(),
                    schedule: None,
                },
            )
            .unwrap();
            let s = state(&doc).unwrap();
            let sig = Signature::new(
                "住戶",
                &[vec![
                    baoxiu_sync_core::Point { x: 1, y: 1 },
                    baoxiu_sync_core::Point { x: 9, y: 4 },
                ]],
                s.fees.paid,
                &s.fees.items,
            );
            execute(
                &mut doc,
                &ctx(tech, device_at + after + MIN, offset),
                EventBody::CustomerSigned { signature: sig },
            )
            .unwrap();
        }
    }
    srv.submit_doc(&doc, &[desk, disp, tech]).await;
    doc.order_id()
}

/// A new request for the same unit, only logged (rework candidate).
async fn log_only(srv: &TestServer, unit: &str, description: &str, at: Millis) -> OrderId {
    let desk = srv.who("a.desk");
    let (doc, _): (WorkOrderDoc, _) = create_order(
        &Context {
            author: desk.author(),
            now: at,
            offset: Some(0),
        },
        NewOrder {
            office: office(srv).await,
            customer: Customer {
                name: "住戶".into(),
                unit: unit.into(),
                phone: "0912-000-000".into(),
            },
            channel: Channel::Phone,
            description: description.into(),
            follow_up_of: None,
        },
    )
    .unwrap();
    srv.submit_doc(&doc, &[desk]).await;
    doc.order_id()
}

async fn callback(srv: &TestServer, order: OrderId, satisfaction: i64, held: &str) {
    let (s, v) = srv
        .as_(
            "a.supervisor",
            "POST",
            "/api/v1/callbacks",
            Some(json!({"order": order, "method": "phone", "planned_at": 0, "content": "回訪"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    let (s, v) = srv
        .as_(
            "a.supervisor",
            "POST",
            &format!("/api/v1/callbacks/{id}/result"),
            Some(json!({"reached": true, "satisfaction": satisfaction, "repair_held": held})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

pub(crate) struct DataSet {
    pub(crate) a: OrderId,
    pub(crate) b: OrderId,
    pub(crate) c: OrderId,
    pub(crate) d: OrderId,
    pub(crate) e: OrderId,
    pub(crate) l: OrderId,
}

/// The fixed October 2026 data set (times are Asia/Taipei):
/// - A tech1, appt 10-05 10:00, arrives 10:05 (offset 0): on time; paid 120+50; call-back 5, held.
/// - B tech1, appt 10-06 10:00, arrives 10:15, no reschedule: late; free; call-back 3, held,
///   but the same unit logs a plumbing request 10 days later: rework.
/// - C tech2, appt 10-07 10:00, reschedule to 11:00 agreed 09:50; arrives 11:05: on time;
///   paid 60+40; call-back 4, did not hold.
/// - D tech2, appt 10-08 10:00; device 7 min fast (offset −7 min measured at sync) shows
///   10:16, truly 10:09: on time; free; call-back 4, held; a request for the same unit 40
///   days later is outside the 30-day window.
/// - E tech1, appt 10-09 10:00; device never synced its clock, shows 10:12: counted late on
///   raw time and listed as uncertain (within 15 min of the 10:10 deadline). Not completed.
/// - F tech2, appt 10-31 23:45, arrives 23:50: on time, in October.
/// - G tech2, appt 11-01 00:00, arrives 00:05 local (Oct 31 16:05 UTC): November here.
/// - H tech1, appt 10-20 10:00, first assigned to tech1 then reassigned to tech2; nobody
///   came: a no-show, counted late and credited to tech1 (first assigned).
/// - I tech2, appt 10-21 10:00, arrives 10:30 (late), priced 4,000.00 + 1,000.01: above
///   the office's small-repair limit (5,000.00), a project, not in the on-time figure.
/// - J tech2, appt 10-22 10:00, arrives 10:40 (late), free, but the manager classified it
///   as a project: not in the on-time figure either.
/// - K is logged on 10-23 and never received: late for the handover figure.
/// - L tech1, appt 10-25 10:00, arrives 10:05: on time; priced 100.00 + 50.00 by the
///   manager; on site the technician finds a hose to replace (280.00 + 60.00, off the
///   schedule: a proposal), the customer agrees and signs for 490.00; the manager approves
///   it afterwards (R-PAID). The register shows 490.00, no longer awaiting approval.
pub(crate) async fn data_set(srv: &TestServer) -> DataSet {
    let job = |unit, description, tech, appointment| Job {
        unit,
        description,
        tech,
        appointment,
        reschedule: None,
        arrival: Some((appointment + 5 * MIN, Some(0))),
        fees: None,
        complete_after: Some(HOUR),
        extra: None,
    };
    let a = seed(
        srv,
        Job {
            fees: Some((12000, 5000)),
            ..job(
                "A棟-1F-1",
                "廚房水龍頭漏水",
                "tech1",
                taipei(2026, 10, 5, 10, 0),
            )
        },
    )
    .await;
    let b = seed(
        srv,
        Job {
            arrival: Some((taipei(2026, 10, 6, 10, 15), Some(0))),
            ..job(
                "A棟-2F-1",
                "浴室排水管堵塞",
                "tech1",
                taipei(2026, 10, 6, 10, 0),
            )
        },
    )
    .await;
    let c = seed(
        srv,
        Job {
            reschedule: Some((taipei(2026, 10, 7, 9, 50), taipei(2026, 10, 7, 11, 0))),
            arrival: Some((taipei(2026, 10, 7, 11, 5), Some(0))),
            fees: Some((6000, 4000)),
            ..job(
                "B棟-3F-2",
                "客廳電燈不亮",
                "tech2",
                taipei(2026, 10, 7, 10, 0),
            )
        },
    )
    .await;
    let d = seed(
        srv,
        Job {
            arrival: Some((taipei(2026, 10, 8, 10, 16), Some(-7 * MIN))),
            ..job(
                "B棟-5F-5",
                "馬桶水箱漏水",
                "tech2",
                taipei(2026, 10, 8, 10, 0),
            )
        },
    )
    .await;
    let e = seed(
        srv,
        Job {
            arrival: Some((taipei(2026, 10, 9, 10, 12), None)),
            complete_after: None,
            ..job("A棟-9F-9", "插座跳電", "tech1", taipei(2026, 10, 9, 10, 0))
        },
    )
    .await;
    seed(
        srv,
        Job {
            complete_after: None,
            ..job(
                "C棟-1F-1",
                "冷氣不冷",
                "tech2",
                taipei(2026, 10, 31, 23, 45),
            )
        },
    )
    .await;
    seed(
        srv,
        Job {
            complete_after: None,
            ..job("C棟-2F-2", "冷氣滴水", "tech2", taipei(2026, 11, 1, 0, 0))
        },
    )
    .await;
    let h = seed(
        srv,
        Job {
            arrival: None,
            complete_after: None,
            ..job(
                "A棟-6F-6",
                "陽台排水慢",
                "tech1",
                taipei(2026, 10, 20, 10, 0),
            )
        },
    )
    .await;
    // Reassigned to tech2 after the no-show: the credit stays with tech1.
    let (s, v) = srv
        .as_(
            "a.dispatcher",
            "POST",
            &format!("/api/v1/orders/{h}/assign"),
            Some(json!({"technicians": [srv.who("a.tech2").person.id]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    seed(
        srv,
        Job {
            arrival: Some((taipei(2026, 10, 21, 10, 30), Some(0))),
            fees: Some((400_000, 100_001)),
            complete_after: None,
            ..job(
                "B棟-7F-1",
                "全室管線更新",
                "tech2",
                taipei(2026, 10, 21, 10, 0),
            )
        },
    )
    .await;
    let j = seed(
        srv,
        Job {
            arrival: Some((taipei(2026, 10, 22, 10, 40), Some(0))),
            complete_after: None,
            ..job("B棟-8F-1", "外牆滲水", "tech2", taipei(2026, 10, 22, 10, 0))
        },
    )
    .await;
    let (s, v) = srv
        .as_(
            "a.dispatcher",
            "POST",
            &format!("/api/v1/orders/{j}/classification"),
            Some(json!({"small": false, "reason": "外牆整修屬工程"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    log_only(srv, "C棟-9F-9", "信箱損壞", taipei(2026, 10, 23, 9, 0)).await;
    let l = seed(
        srv,
        Job {
            fees: Some((10000, 5000)),
            extra: Some((28000, 6000)),
            ..job(
                "A棟-3F-3",
                "廚房水龍頭漏水",
                "tech1",
                taipei(2026, 10, 25, 10, 0),
            )
        },
    )
    .await;
    let (_, before) = srv
        .as_("a.dispatcher", "GET", &format!("/api/v1/orders/{l}"), None)
        .await;
    assert!(
        before["state"]["anomalies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"]["type"] == "fees_not_approved"),
        "{before}"
    );
    let (s, v) = srv
        .as_(
            "a.dispatcher",
            "POST",
            &format!("/api/v1/orders/{l}/fees"),
            Some(json!({"items": before["state"]["fees"]["items"], "reason": "軟管老化，核准"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Rework candidates: B's unit 10 days after B was completed; D's unit 40 days after.
    log_only(
        srv,
        "A棟-2F-1",
        "浴室排水又堵住",
        taipei(2026, 10, 16, 12, 0),
    )
    .await;
    log_only(srv, "B棟-5F-5", "馬桶漏水", taipei(2026, 11, 17, 12, 0)).await;
    callback(srv, a, 5, "pass").await;
    callback(srv, b, 3, "pass").await;
    callback(srv, c, 4, "fail").await;
    callback(srv, d, 4, "pass").await;
    DataSet { a, b, c, d, e, l }
}

fn rate(v: &Value) -> (u64, u64) {
    (
        v["numerator"].as_u64().unwrap(),
        v["denominator"].as_u64().unwrap(),
    )
}

fn tech<'v>(stats: &'v Value, srv: &TestServer, key: &str) -> &'v Value {
    let id = srv.who(key).person.id.to_string();
    stats["per_technician"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["technician"] == id.as_str())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_month_statistics_match_hand_computed_figures() {
    let srv = TestServer::start().await;
    let ds = data_set(&srv).await;
    let (s, st) = srv
        .as_("a.supervisor", "GET", "/api/v1/stats?month=2026-10", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{st}");
    // Logged in October (Taipei): A–L (G's request came in Oct 31 22:00) and B's rework.
    assert_eq!(st["logged"], 13);
    // R-HANDOVER: A–J and L received 10 minutes after logging; B's rework request and K
    // never were, and 30 minutes have long passed: late.
    assert_eq!(rate(&st["handover_on_time"]), (11, 13));
    assert_eq!(st["handover_never_received"], 2);
    assert_eq!(st["handover_median_minutes"], 10);
    assert_eq!(st["handover_longest_minutes"], 10);
    // R-MONTH 及時率 over small repairs whose appointment fell in October: A on, B late,
    // C on (consented reschedule), D on (corrected clock), E late (raw time), F on, H a
    // no-show (late), L on (490.00 is a small repair); I and J are projects; G is November.
    assert_eq!(rate(&st["on_time"]), (5, 8));
    assert_eq!(st["on_time"]["basis_points"], 6250);
    assert_eq!(st["no_shows"], 1);
    // H counts for tech1, first assigned, though it is tech2's now.
    assert_eq!(rate(&tech(&st, &srv, "a.tech1")["on_time"]), (2, 5));
    assert_eq!(tech(&st, &srv, "a.tech1")["no_shows"], 1);
    assert_eq!(rate(&tech(&st, &srv, "a.tech2")["on_time"]), (3, 3));
    // Completed: A, B, C, D, L.
    assert_eq!(st["completed"], 5);
    // R-VISIT-CONTENT: A pass, B rework → fail, C did not hold → fail, D pass (rework
    // outside the window).
    assert_eq!(rate(&st["pass"]), (2, 4));
    assert_eq!(rate(&tech(&st, &srv, "a.tech1")["pass"]), (1, 2));
    assert_eq!(rate(&tech(&st, &srv, "a.tech2")["pass"]), (1, 2));
    // Satisfaction: (5 + 3 + 4 + 4) / 4 = 4.00; 滿意率 (score ≥ 4): A, C, D = 3 of 4.
    assert_eq!(rate(&st["satisfaction"]["satisfied"]), (3, 4));
    assert_eq!(st["satisfaction"]["sum"], 16);
    assert_eq!(st["satisfaction"]["average_hundredths"], 400);
    // Paid work: A 170.00 + C 100.00 + L 490.00 (as agreed on site and approved after).
    assert_eq!(st["paid_total"], 76000);
    assert_eq!(tech(&st, &srv, "a.tech1")["paid_total"], 66000);
    let (_, reg) = srv
        .as_(
            "a.supervisor",
            "GET",
            "/api/v1/register?month=2026-10",
            None,
        )
        .await;
    let rows = reg["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "A, C and L");
    let l = rows.iter().find(|r| r["unit"] == "A棟-3F-3").unwrap();
    assert_eq!(
        (l["total"].as_i64(), l["fees_pending"].as_bool()),
        (Some(49000), Some(false))
    );
    // E is listed as uncertain, counted late.
    let unc = st["uncertain_arrivals"].as_array().unwrap();
    assert_eq!(unc.len(), 1);
    assert_eq!(unc[0]["order"], ds.e.to_string());
    assert_eq!(unc[0]["counted_on_time"], false);

    // November: only G arrived (on time); the 40-day rework request was logged.
    let (_, nov) = srv
        .as_("a.supervisor", "GET", "/api/v1/stats?month=2026-11", None)
        .await;
    assert_eq!(rate(&nov["on_time"]), (1, 1));
    assert_eq!(nov["logged"], 1);

    // A shorter rework window: B's rework (10 days later) no longer counts → 3 of 4 pass.
    let (_, short) = srv
        .as_(
            "a.supervisor",
            "GET",
            "/api/v1/stats?month=2026-10&rework_days=5",
            None,
        )
        .await;
    assert_eq!(rate(&short["pass"]), (3, 4));
    // A longer one catches D's (40 days) too → 1 of 4.
    let (_, long) = srv
        .as_(
            "a.supervisor",
            "GET",
            "/api/v1/stats?month=2026-10&rework_days=60",
            None,
        )
        .await;
    assert_eq!(rate(&long["pass"]), (1, 4));

    // The register lists the paid orders A, C and L with totals.
    let (s, reg) = srv
        .as_("a.finance", "GET", "/api/v1/register?month=2026-10", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{reg}");
    let orders: Vec<&str> = reg["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["order"].as_str().unwrap())
        .collect();
    assert_eq!(
        orders,
        vec![ds.a.to_string(), ds.c.to_string(), ds.l.to_string()]
    );
    assert_eq!(reg["office_total"]["total"], 76000);
    assert_eq!(reg["office_total"]["materials"], 56000);
    assert_eq!(reg["rows"][0]["signature_valid"], true);
    let _ = (ds.b, ds.d);

    // Roles: technicians and front desk do not see month end; finance sees only the register.
    assert_eq!(
        srv.as_("a.tech1", "GET", "/api/v1/stats?month=2026-10", None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        srv.as_("a.finance", "GET", "/api/v1/stats?month=2026-10", None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        srv.as_("a.desk", "GET", "/api/v1/register?month=2026-10", None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        srv.as_("a.supervisor", "GET", "/api/v1/stats?month=2026-13", None)
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let other = srv.who("b.desk").person.office;
    assert_eq!(
        srv.as_(
            "a.supervisor",
            "GET",
            &format!("/api/v1/stats?month=2026-10&office={other}"),
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_visit_samples_are_reproducible_and_cover_every_technician() {
    let srv = TestServer::start().await;
    let ds = data_set(&srv).await;
    let draw = |body: Value| {
        let srv = &srv;
        async move {
            srv.as_("a.supervisor", "POST", "/api/v1/samples", Some(body))
                .await
        }
    };
    let params = |seed: u64| json!({"month": "2026-10", "percent": 10, "min_per_technician": 1, "seed": seed});
    let redraw = |seed: u64, reason: &str| {
        let mut b = params(seed);
        b["redraw"] = json!(reason);
        b
    };
    // A redraw needs a sample to redraw.
    let (s, v) = draw(redraw(7, "重抽")).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, first) = draw(params(7)).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    assert_eq!(first["sample"]["seed"], 7);
    // Every technician with completed orders is represented: one each (10 % of 3 for
    // tech1 — A, B, L — and of 2 for tech2, at least 1).
    let strata = first["sample"]["strata"].as_array().unwrap();
    assert_eq!(strata.len(), 2);
    let mut completed: Vec<i64> = strata
        .iter()
        .map(|s| s["completed"].as_i64().unwrap())
        .collect();
    completed.sort_unstable();
    assert_eq!(completed, vec![2, 3]);
    assert!(strata.iter().all(|s| s["drawn"] == 1));
    let drawn: Vec<String> = first["sample"]["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap().to_owned())
        .collect();
    let tech1 = [ds.a.to_string(), ds.b.to_string(), ds.l.to_string()];
    let tech2 = [ds.c.to_string(), ds.d.to_string()];
    assert!(drawn.iter().any(|o| tech1.contains(o)) && drawn.iter().any(|o| tech2.contains(o)));
    // The sample is the supervisors' call-back queue.
    let queue = first["callbacks"].as_array().unwrap();
    assert_eq!(queue.len(), 2);
    assert!(
        queue
            .iter()
            .all(|c| c["status"] == "planned" && c["sample"] == first["sample"]["id"])
    );
    // R-MONTH: the month is drawn once. Asked again — even with another seed — the same
    // sample comes back, and the queue is not doubled.
    for seed in [7, 8] {
        let (s, again) = draw(params(seed)).await;
        assert_eq!(s, StatusCode::OK, "{again}");
        assert_eq!(again["sample"]["id"], first["sample"]["id"]);
        assert_eq!(again["callbacks"].as_array().unwrap().len(), 2);
    }
    // A redraw must say why.
    for reason in ["", "  ", &"因".repeat(501)] {
        let (s, v) = draw(redraw(9, reason)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{reason:?}: {v}");
    }
    // Redrawn with the same seed, the draw is the same: it is reproducible.
    let (s, same) = draw(redraw(7, "核對抽樣")).await;
    assert_eq!(s, StatusCode::CREATED, "{same}");
    assert_ne!(same["sample"]["id"], first["sample"]["id"]);
    assert_eq!(same["sample"]["orders"], first["sample"]["orders"]);
    assert_eq!(same["sample"]["replaces"], first["sample"]["id"]);
    assert_eq!(same["sample"]["reason"], "核對抽樣");
    assert_eq!(
        same["callbacks"], first["callbacks"],
        "nothing cancelled, nothing doubled"
    );
    // The first call is made; then a redraw with other seeds until the draw differs.
    let made = &first["callbacks"][0];
    let (s, v) = srv
        .as_(
            "a.supervisor",
            "POST",
            &format!("/api/v1/callbacks/{}/result", made["id"].as_str().unwrap()),
            Some(json!({"reached": true, "satisfaction": 5, "repair_held": "pass"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let mut other = None;
    for seed in 100..140 {
        let (s, v) = draw(redraw(seed, "抽樣比例錯誤")).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        if v["sample"]["orders"] != first["sample"]["orders"] {
            other = Some(v);
            break;
        }
    }
    let other = other.expect("some seed draws differently");
    // The queue holds each order once: the call made stays, planned ones of orders no
    // longer drawn are cancelled (not listed), newly drawn orders are planned.
    let (s, q) = srv
        .as_(
            "a.supervisor",
            "GET",
            "/api/v1/callbacks/queue?month=2026-10",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{q}");
    assert_eq!(q["sample"]["id"], other["sample"]["id"]);
    let rows = q["rows"].as_array().unwrap();
    let mut orders: Vec<&str> = rows
        .iter()
        .map(|r| r["callback"]["order"].as_str().unwrap())
        .collect();
    orders.sort_unstable();
    let n = orders.len();
    orders.dedup();
    assert_eq!(orders.len(), n, "no order twice: {q}");
    assert!(rows.iter().all(|r| r["callback"]["status"] != "cancelled"));
    assert!(
        rows.iter()
            .any(|r| r["callback"]["id"] == made["id"] && r["callback"]["status"] == "done"),
        "the call made stays: {q}"
    );
    for o in other["sample"]["orders"].as_array().unwrap() {
        assert!(orders.contains(&o.as_str().unwrap()), "{o} is in the queue");
    }
    assert_eq!(q["progress"]["done"], 1);
    assert_eq!(q["progress"]["to_do"].as_u64().unwrap() as usize, n - 1);
    assert_eq!(q["progress"]["unreachable"], 0);
    // Each row carries what the call needs: the customer, unit, phone, technician and
    // the work done with its date.
    for r in rows {
        let o = &r["order"];
        assert!(!o["customer_name"].as_str().unwrap().is_empty(), "{r}");
        assert!(!o["unit"].as_str().unwrap().is_empty(), "{r}");
        assert!(!o["phone"].as_str().unwrap().is_empty(), "{r}");
        assert_eq!(o["technicians"].as_array().unwrap().len(), 1, "{r}");
        assert!(o["completed_at"].is_i64(), "{r}");
    }
    // Anyone allowed can re-read a sample, with the strata re-drawn from its seed.
    let id = first["sample"]["id"].as_str().unwrap();
    let (s, v) = srv
        .as_(
            "a.dispatcher",
            "GET",
            &format!("/api/v1/samples/{id}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["sample"]["orders"], first["sample"]["orders"]);
    // A month with nothing drawn has an empty queue; another office's is its own.
    let (s, q) = srv
        .as_(
            "a.supervisor",
            "GET",
            "/api/v1/callbacks/queue?month=2026-09",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(q["sample"].is_null() && q["rows"].as_array().unwrap().is_empty());
    let (_, q) = srv
        .as_(
            "b.supervisor",
            "GET",
            "/api/v1/callbacks/queue?month=2026-10",
            None,
        )
        .await;
    assert!(q["rows"].as_array().unwrap().is_empty(), "{q}");
    assert_eq!(
        srv.as_(
            "a.tech1",
            "GET",
            "/api/v1/callbacks/queue?month=2026-10",
            None
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_visit_failed_call_back_falls_back_to_another_method() {
    let srv = TestServer::start().await;
    let ds = data_set(&srv).await;
    let (_, v) = srv
        .as_(
            "a.supervisor",
            "POST",
            "/api/v1/callbacks",
            Some(json!({"order": ds.a, "method": "phone", "planned_at": 1})),
        )
        .await;
    let id = v["id"].as_str().unwrap().to_owned();
    let (s, v) = srv
        .as_(
            "a.supervisor",
            "POST",
            &format!("/api/v1/callbacks/{id}/result"),
            Some(
                json!({"reached": false, "fallback_method": "on_site", "problems": "電話無人接聽"}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["callback"]["status"], "failed");
    assert_eq!(v["next"]["method"], "on_site");
    assert_eq!(v["next"]["status"], "planned");
    // Recording twice is a conflict; bad values are 422.
    assert_eq!(
        srv.as_(
            "a.supervisor",
            "POST",
            &format!("/api/v1/callbacks/{id}/result"),
            Some(json!({"reached": false}))
        )
        .await
        .0,
        StatusCode::CONFLICT
    );
    let next = v["next"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        srv.as_(
            "a.supervisor",
            "POST",
            &format!("/api/v1/callbacks/{next}/result"),
            Some(json!({"reached": true, "satisfaction": 9}))
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        srv.as_(
            "a.supervisor",
            "POST",
            "/api/v1/callbacks",
            Some(json!({"order": ds.a, "method": "pigeon", "planned_at": 1}))
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (_, list) = srv
        .as_(
            "a.supervisor",
            "GET",
            &format!("/api/v1/callbacks?order={}", ds.a),
            None,
        )
        .await;
    assert_eq!(list.as_array().unwrap().len(), 3, "{list}");
    // Another office cannot plan call-backs on this order.
    assert_eq!(
        srv.as_(
            "b.supervisor",
            "POST",
            "/api/v1/callbacks",
            Some(json!({"order": ds.a, "method": "phone", "planned_at": 1}))
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_month_late_replica_changes_the_month_when_it_syncs() {
    let srv = TestServer::start().await;
    data_set(&srv).await;
    let (_, before) = srv
        .as_("a.supervisor", "GET", "/api/v1/stats?month=2026-10", None)
        .await;
    assert_eq!(rate(&before["on_time"]), (5, 8));
    // An order for tech2 on Oct 20; the phone takes it, then goes offline for three days.
    let id = seed(
        &srv,
        Job {
            unit: "C棟-8F-8",
            description: "熱水器不熱",
            tech: "tech2",
            appointment: taipei(2026, 10, 20, 10, 0),
            reschedule: None,
            arrival: None,
            fees: None,
            complete_after: None,
            extra: None,
        },
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let clock = TestClock::at(chrono_now());
    let login = srv.who("a.tech2");
    let store = baoxiu_sync_core::Store::open_with_clock(
        &dir.path().join("p.db"),
        login.author(),
        Box::new(clock.clone()),
    )
    .unwrap();
    let mut phone = Phone::with_store(login, store);
    phone.sync(&srv.ws_url()).await;
    // Offline: arrives 25 minutes after the appointment, works, completes on Oct 20–23.
    // The test moves the phone's clock back to October; its offset, measured at the sync
    // a moment ago on a correct clock, is (to the millisecond) zero.
    clock.0.store(
        taipei(2026, 10, 20, 10, 25),
        std::sync::atomic::Ordering::SeqCst,
    );
    phone.store.set_clock_offset(0).unwrap();
    phone.store.arrive(id, vec!["熱水器".into()]).unwrap();
    phone.store.tell_fee(id, false, vec![]).unwrap();
    phone.store.record_consent(id).unwrap();
    clock.advance(3 * DAY);
    phone
        .store
        .complete(id, PassFail::Pass, true, vec![], "更換點火器".into())
        .unwrap();
    // Still offline: the office sees an appointment passed with no arrival — a no-show,
    // counted late (R-MONTH) — and nothing completed.
    let (_, mid) = srv
        .as_("a.supervisor", "GET", "/api/v1/stats?month=2026-10", None)
        .await;
    assert_eq!(rate(&mid["on_time"]), (5, 9));
    assert_eq!(mid["no_shows"], 2);
    assert_eq!(mid["completed"], 5);
    // Three days later it syncs: the month recomputes with no manual step.
    phone.sync(&srv.ws_url()).await;
    let (_, after) = srv
        .as_("a.supervisor", "GET", "/api/v1/stats?month=2026-10", None)
        .await;
    assert_eq!(rate(&after["on_time"]), (5, 9));
    assert_eq!(after["on_time"]["basis_points"], 5556);
    // That no-show was a late arrival the office had not heard of yet (H still is one).
    assert_eq!(after["no_shows"], 1);
    assert_eq!(after["completed"], 6);
    assert_eq!(rate(&tech(&after, &srv, "a.tech2")["on_time"]), (3, 4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_month_exports_read_back_equal_the_json() {
    let srv = TestServer::start().await;
    data_set(&srv).await;
    let (_, st) = srv
        .as_("a.supervisor", "GET", "/api/v1/stats?month=2026-10", None)
        .await;
    let (_, reg) = srv
        .as_(
            "a.supervisor",
            "GET",
            "/api/v1/register?month=2026-10",
            None,
        )
        .await;
    let token = srv.who("a.supervisor").token.clone();
    let fetch = |q: &'static str| {
        let srv = &srv;
        let token = token.clone();
        async move {
            let res = srv
                .http
                .get(srv.url(q))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            res.bytes().await.unwrap().to_vec()
        }
    };
    use calamine::Reader;
    let bytes = fetch("/api/v1/stats?month=2026-10&format=xlsx").await;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(
        wb.sheet_names(),
        vec!["月度統計".to_string(), "有償服務登記表".to_string()]
    );
    let sheet = wb.worksheet_range("月度統計").unwrap();
    let rows: Vec<Vec<calamine::Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    assert_eq!(rows[0][0].to_string(), "技術員");
    let total = rows.last().unwrap();
    assert_eq!(total[0].to_string(), "全處合計");
    let num = |d: &calamine::Data| d.to_string().parse::<f64>().unwrap();
    assert_eq!(
        num(&total[1]) as u64,
        st["on_time"]["denominator"].as_u64().unwrap()
    );
    assert_eq!(
        num(&total[2]) as u64,
        st["on_time"]["numerator"].as_u64().unwrap()
    );
    assert_eq!(num(&total[4]) as u64, st["completed"].as_u64().unwrap());
    // The satisfaction rate, then the mean score beside it.
    assert_eq!(rows[0][8].to_string(), "滿意率");
    assert_eq!(total[8].to_string(), "75.00%");
    assert_eq!(total[9].to_string(), "4.00");
    assert_eq!(
        (num(&total[10]) * 100.0).round() as i64,
        st["paid_total"].as_i64().unwrap()
    );
    // No-shows, and the handover figure with its median and longest wait (R-HANDOVER is
    // the office's: the technicians' rows leave it blank).
    assert_eq!(rows[0][11].to_string(), "未到場");
    assert_eq!(num(&total[11]) as u64, st["no_shows"].as_u64().unwrap());
    assert_eq!(rows[0][12].to_string(), "交接及時率");
    assert_eq!(total[12].to_string(), "84.62%");
    assert_eq!(
        num(&total[13]) as i64,
        st["handover_median_minutes"].as_i64().unwrap()
    );
    assert_eq!(
        num(&total[14]) as i64,
        st["handover_longest_minutes"].as_i64().unwrap()
    );
    assert_eq!(rows[1][12].to_string(), "");
    let reg_sheet = wb.worksheet_range("有償服務登記表").unwrap();
    let reg_rows: Vec<Vec<calamine::Data>> = reg_sheet.rows().map(|r| r.to_vec()).collect();
    let office_row = reg_rows.last().unwrap();
    assert_eq!(office_row[0].to_string(), "全處合計");
    assert_eq!(
        (num(&office_row[7]) * 100.0).round() as i64,
        reg["office_total"]["total"].as_i64().unwrap()
    );
    // English headings on request; CSV too.
    let bytes = fetch("/api/v1/register?month=2026-10&format=xlsx&lang=en").await;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let r = wb.worksheet_range("Paid services").unwrap();
    assert_eq!(r.rows().next().unwrap()[0].to_string(), "Completed");
    let csv = String::from_utf8(fetch("/api/v1/register?month=2026-10&format=csv").await).unwrap();
    assert!(
        csv.trim_start_matches('\u{feff}')
            .starts_with("完成時間,住戶,房號")
    );
    assert!(csv.contains("760.00"));
    assert_eq!(
        srv.as_(
            "a.supervisor",
            "GET",
            "/api/v1/stats?month=2026-10&format=pdf",
            None
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

/// R-MONTH pass rate: a repair failed by rework only when the same unit reports the same
/// known fault again. Two uncategorised requests are not "the same fault" (SQL's `IS`
/// matched their two NULLs), and a request cancelled as a duplicate is not rework.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_month_rework_is_the_same_known_fault_and_not_a_cancelled_duplicate() {
    let srv = TestServer::start().await;
    let job = |unit, description, appointment| Job {
        unit,
        description,
        tech: "tech1",
        appointment,
        reschedule: None,
        arrival: Some((appointment + 5 * MIN, Some(0))),
        fees: None,
        complete_after: Some(HOUR),
        extra: None,
    };
    // Uncategorised work, then an unrelated uncategorised request from the same unit.
    let x = seed(
        &srv,
        job("C棟-2F-1", "天花板有異音", taipei(2026, 10, 5, 10, 0)),
    )
    .await;
    log_only(&srv, "C棟-2F-1", "牆面裂縫", taipei(2026, 10, 10, 9, 0)).await;
    // Plumbing work, then a plumbing request from the same unit cancelled as a duplicate.
    let y = seed(
        &srv,
        job("C棟-3F-1", "廚房水龍頭漏水", taipei(2026, 10, 6, 10, 0)),
    )
    .await;
    let dup = log_only(&srv, "C棟-3F-1", "廚房漏水", taipei(2026, 10, 12, 9, 0)).await;
    let (s, v) = srv
        .as_(
            "a.dispatcher",
            "POST",
            &format!("/api/v1/orders/{dup}/cancel"),
            Some(json!({"reason": "重複報修"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // X is called back twice (the first call caught the customer on a bad day): the
    // latest counts, once.
    srv.clock.set(taipei(2026, 11, 2, 10, 0));
    callback(&srv, x, 2, "pass").await;
    srv.clock.set(taipei(2026, 11, 3, 10, 0));
    callback(&srv, x, 5, "pass").await;
    callback(&srv, y, 3, "pass").await;
    srv.clock.set(0);
    let (s, st) = srv
        .as_("a.supervisor", "GET", "/api/v1/stats?month=2026-10", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{st}");
    // Both held, neither was reworked: 2 of 2.
    assert_eq!(rate(&st["pass"]), (2, 2), "{st}");
    // R-MONTH 滿意率: X's latest 5 is satisfied, Y's 3 is not (office default 4): 1 of 2;
    // the mean of the latest scores (5 + 3) / 2 = 4.00 beside it.
    assert_eq!(rate(&st["satisfaction"]["satisfied"]), (1, 2), "{st}");
    assert_eq!(st["satisfaction"]["average_hundredths"], 400);
    // An office that counts 3 as satisfied: 2 of 2.
    let (s, v) = srv
        .as_("a.supervisor", "GET", "/api/v1/settings", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let mut settings = v.clone();
    settings["satisfied_score"] = json!(3);
    let (s, v) = srv
        .as_("a.admin", "PUT", "/api/v1/settings", Some(settings))
        .await;
    assert!(s.is_success(), "{v}");
    let (_, st) = srv
        .as_("a.supervisor", "GET", "/api/v1/stats?month=2026-10", None)
        .await;
    assert_eq!(rate(&st["satisfaction"]["satisfied"]), (2, 2), "{st}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_month_close_files_the_month_and_a_late_replica_is_an_amendment() {
    let srv = TestServer::start().await;
    data_set(&srv).await;
    let (s, v) = srv
        .as_("a.supervisor", "GET", "/api/v1/months/2026-10", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["closed"], false);
    // The supervisor draws the spot-check sample, then closes the month.
    let (s, sample) = srv
        .as_(
            "a.supervisor",
            "POST",
            "/api/v1/samples",
            Some(json!({"month": "2026-10"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sample}");
    let (s, _) = srv
        .as_("a.dispatcher", "POST", "/api/v1/months/2026-10/close", None)
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "only a supervisor (or admin) closes"
    );
    srv.clock.set(taipei(2026, 11, 3, 9, 0));
    let (s, v) = srv
        .as_("a.supervisor", "POST", "/api/v1/months/2026-11/close", None)
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "November has not ended: {v}");
    let (s, closed) = srv
        .as_("a.supervisor", "POST", "/api/v1/months/2026-10/close", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{closed}");
    assert_eq!(closed["closed"], true);
    assert_eq!(closed["closed_at"], taipei(2026, 11, 3, 9, 0));
    assert_eq!(
        closed["closed_by"],
        srv.who("a.supervisor").person.id.to_string()
    );
    assert_eq!(closed["sample"], sample["sample"]["id"]);
    assert_eq!(closed["filed"]["completed"], 5);
    assert_eq!(
        closed["filed_register"]["rows"].as_array().unwrap().len(),
        3
    );
    assert!(closed["amendments"].as_array().unwrap().is_empty());
    let (s, _) = srv
        .as_("a.supervisor", "POST", "/api/v1/months/2026-10/close", None)
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "a month is closed once");

    // A phone that was offline delivers a paid job done on Oct 24: the live month changes,
    // the filed one does not, and the difference is listed.
    let late = seed(
        &srv,
        Job {
            unit: "C棟-5F-1",
            description: "廚房水槽漏水",
            tech: "tech2",
            appointment: taipei(2026, 10, 24, 10, 0),
            reschedule: None,
            arrival: Some((taipei(2026, 10, 24, 10, 5), Some(0))),
            fees: Some((3000, 2000)),
            complete_after: Some(HOUR),
            extra: None,
        },
    )
    .await;
    let (_, v) = srv
        .as_("a.supervisor", "GET", "/api/v1/months/2026-10", None)
        .await;
    assert_eq!(v["filed"]["completed"], 5);
    assert_eq!(v["live"]["completed"], 6);
    let amendments = v["amendments"].as_array().unwrap();
    let find = |figure: &str, tech: Option<&str>| {
        amendments
            .iter()
            .find(|a| {
                a["figure"] == figure
                    && match tech {
                        None => a["technician"].is_null(),
                        Some(t) => a["technician"] == t,
                    }
            })
            .unwrap_or_else(|| panic!("no amendment of {figure}: {amendments:?}"))
    };
    let tech2 = srv.who("a.tech2").person.id.to_string();
    assert_eq!(find("completed", None)["change"], 1);
    assert_eq!(find("completed", Some(&tech2))["change"], 1);
    assert_eq!(find("paid_total", None)["change"], 5000);
    assert_eq!(find("on_time.numerator", None)["change"], 1);
    assert_eq!(find("logged", None)["change"], 1);
    let reg = find("register", Some(&tech2));
    assert_eq!(reg["what"], "added");
    assert_eq!(reg["order"], late.to_string());
    assert_eq!(reg["change"], 5000);
    // By hand, nothing else moved: the office's logged, handover (2), on-time (2),
    // completed and paid total; tech2's on-time (2), completed and paid total; one
    // register line added.
    assert_eq!(amendments.len(), 12, "{amendments:?}");
    assert_eq!(find("handover_on_time.denominator", None)["change"], 1);
    assert_eq!(find("on_time.denominator", Some(&tech2))["change"], 1);
    // Both views are served, and exports say which.
    let (_, filed) = srv
        .as_(
            "a.supervisor",
            "GET",
            "/api/v1/stats?month=2026-10&view=filed",
            None,
        )
        .await;
    assert_eq!(filed["completed"], 5);
    let (_, live) = srv
        .as_("a.supervisor", "GET", "/api/v1/stats?month=2026-10", None)
        .await;
    assert_eq!(live["completed"], 6);
    let res = srv
        .http
        .get(srv.url("/api/v1/stats?month=2026-10&view=filed&format=xlsx"))
        .bearer_auth(&srv.who("a.supervisor").token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["x-baoxiu-view"], "filed");
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.contains("stats-2026-10-filed"), "{disposition}");
    use calamine::Reader;
    let bytes = res.bytes().await.unwrap().to_vec();
    let wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(wb.sheet_names(), vec!["月度統計（已結算）".to_string()]);
    // November is open: nothing filed.
    let (s, _) = srv
        .as_(
            "a.supervisor",
            "GET",
            "/api/v1/stats?month=2026-11&view=filed",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_visit_owner_a_problem_found_becomes_a_task_its_owner_closes() {
    let srv = TestServer::start().await;
    let ds = data_set(&srv).await;
    let plan = |order: String| {
        let srv = &srv;
        async move {
            let (s, v) = srv
                .as_(
                    "a.supervisor",
                    "POST",
                    "/api/v1/callbacks",
                    Some(json!({"order": order, "method": "phone", "planned_at": 1})),
                )
                .await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
            v["id"].as_str().unwrap().to_owned()
        }
    };
    let record = |id: String, body: Value| {
        let srv = &srv;
        async move {
            srv.as_(
                "a.supervisor",
                "POST",
                &format!("/api/v1/callbacks/{id}/result"),
                Some(body),
            )
            .await
        }
    };
    let dispatcher = srv.who("a.dispatcher").person.id.to_string();
    let stranger = srv.who("b.dispatcher").person.id.to_string();
    let first = plan(ds.a.to_string()).await;
    // The owner must be a person of this office, and a task needs a problem found on a
    // call-back that reached the customer. Nothing is recorded when refused.
    // Another office's person is no person of this office: not found.
    for (body, want) in [
        (
            json!({"reached": true, "satisfaction": 2, "problems": "仍漏水", "task_owner": stranger}),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"reached": true, "satisfaction": 2, "problems": "", "task_owner": dispatcher}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"reached": false, "problems": "無人接聽", "task_owner": dispatcher}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (s, v) = record(first.clone(), body.clone()).await;
        assert_eq!(s, want, "{body}: {v}");
    }
    let (s, _) = record(
        "no-such-call-back".into(),
        json!({"reached": true, "satisfaction": 2, "problems": "x", "task_owner": dispatcher}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let now = srv.state().now();
    let (s, v) = record(
        first.clone(),
        json!({"reached": true, "satisfaction": 2, "repair_held": "fail", "problems": "維修後仍漏水", "task_owner": dispatcher}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let task = &v["task"];
    assert_eq!(task["owner"], json!(dispatcher));
    assert_eq!(task["problem"], "維修後仍漏水");
    assert_eq!(task["order"], json!(ds.a.to_string()));
    // Due by the office's owner_task_days (default 7).
    let due = task["due_at"].as_i64().unwrap();
    assert!(
        (now + 7 * 86_400_000..now + 7 * 86_400_000 + 60_000).contains(&due),
        "{task}"
    );
    assert_eq!(task["overdue"], false);
    let id = task["id"].as_str().unwrap().to_owned();
    // On the owner's list and the supervisor's, nobody else's.
    let listed = |who: &'static str, query: &'static str| {
        let srv = &srv;
        async move {
            srv.as_(who, "GET", &format!("/api/v1/tasks{query}"), None)
                .await
        }
    };
    let (s, mine) = listed("a.dispatcher", "").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert!(!mine[0]["unit"].as_str().unwrap().is_empty());
    assert!(listed("a.desk", "").await.1.as_array().unwrap().is_empty());
    assert_eq!(listed("a.desk", "?all=true").await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        listed("a.supervisor", "?all=true")
            .await
            .1
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert!(
        listed("b.supervisor", "?all=true")
            .await
            .1
            .as_array()
            .unwrap()
            .is_empty()
    );
    // A week and a day later it is overdue: the reminder on both lists.
    srv.clock.set(now + 8 * 86_400_000);
    assert_eq!(listed("a.dispatcher", "").await.1[0]["overdue"], true);
    // Closed by its owner with what was done; not by another person, not twice.
    let close = |who: &'static str, outcome: &'static str| {
        let srv = &srv;
        let id = id.clone();
        async move {
            srv.as_(
                who,
                "POST",
                &format!("/api/v1/tasks/{id}/close"),
                Some(json!({ "outcome": outcome })),
            )
            .await
        }
    };
    assert_eq!(close("a.desk", "看過了").await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        close("b.supervisor", "看過了").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        close("a.dispatcher", "  ").await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (s, v) = close("a.dispatcher", "已派員重修並回覆住戶").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["outcome"], "已派員重修並回覆住戶");
    assert_eq!(v["closed_by"], json!(dispatcher));
    assert_eq!(v["overdue"], false);
    assert_eq!(close("a.dispatcher", "again").await.0, StatusCode::CONFLICT);
    assert!(
        listed("a.dispatcher", "")
            .await
            .1
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        listed("a.dispatcher", "?open=false")
            .await
            .1
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // A supervisor may close anyone's task.
    let second = plan(ds.c.to_string()).await;
    let (_, v) = record(
        second,
        json!({"reached": true, "satisfaction": 3, "problems": "態度不佳", "task_owner": dispatcher}),
    )
    .await;
    let other = v["task"]["id"].as_str().unwrap().to_owned();
    let (s, v) = srv
        .as_(
            "a.supervisor",
            "POST",
            &format!("/api/v1/tasks/{other}/close"),
            Some(json!({"outcome": "已約談"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}
