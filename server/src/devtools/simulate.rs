//! `baoxiu simulate`: a field trial in one process. A server, a front desk, a dispatcher, a
//! supervisor and N technicians with skewed phone clocks work through D days: requests are
//! logged, received, priced and assigned; phones go offline at random (some for days) and
//! do their jobs offline; complaints come in; call-backs are made. At the end every phone
//! reconnects, and the run checks that every replica equals the server's copy.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use baoxiu_sync_core::client::{ClientConfig, Connection, SyncClient};
use baoxiu_sync_core::complaint::NewComplaint;
use baoxiu_sync_core::store::Clock;
use baoxiu_sync_core::{
    Author, Channel, Customer, DeviceId, EventBody, FeeItem, Millis, Money, NewOrder, Office,
    OfficeId, PassFail, Person, Point, Role, Signature, Store, UserId,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use baoxiu_sync_core::callback::{CallbackMethod, CallbackPlan, CallbackResult};

use crate::error::Result;
use crate::service::month::{Params, office_stats};
use crate::state::AppState;

/// What to simulate.
#[derive(Debug, Clone)]
pub struct Options {
    pub seed: u64,
    pub technicians: usize,
    pub days: u32,
    pub orders_per_day: usize,
    /// Chance that a phone is offline on a given day.
    pub offline_ratio: f64,
    pub progress: bool,
}

/// What happened.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub orders: usize,
    pub completed: usize,
    pub device_facts: usize,
    pub offline_device_days: usize,
    pub complaints: usize,
    pub callbacks: usize,
    pub replicas_checked: usize,
    pub mismatches: Vec<String>,
    /// The month's statistics, as the API computes them, and as JSON.
    pub stats: Option<crate::service::month::MonthStats>,
    pub stats_json: String,
}

#[derive(Debug)]
struct SkewClock(Millis);

impl Clock for SkewClock {
    fn now(&self) -> Millis {
        chrono::Utc::now().timestamp_millis() + self.0
    }
}

struct Phone {
    person: Person,
    token: String,
    store: Arc<Mutex<Store>>,
    client: Option<SyncClient>,
    offline_until: u32,
}

fn lock(s: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

async fn settle(phones: &[Phone]) -> bool {
    for _ in 0..600 {
        let done = phones.iter().all(|p| match &p.client {
            Some(c) => {
                let s = c.status();
                s.connection == Connection::UpToDate && s.pending == 0
            }
            None => true,
        });
        if done {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// Runs a simulation against `state` served at `addr`.
pub async fn run(
    state: &AppState,
    addr: std::net::SocketAddr,
    dir: &std::path::Path,
    o: &Options,
) -> Result<Report> {
    let mut rng = StdRng::seed_from_u64(o.seed);
    let store = state.store.clone();
    let office = Office {
        id: OfficeId::new(),
        name: "模擬管理處".into(),
        time_zone: "Asia/Taipei".into(),
        currency: "TWD".into(),
    };
    let person = |name: String, role: Role, spec: &str| Person {
        id: UserId::new(),
        name,
        role,
        office: office.id,
        specialties: vec![spec.to_owned()],
        zone: None,
        token_version: 0,
        active: true,
    };
    let desk = person("前臺".into(), Role::FrontDesk, "");
    let disp = person("主任".into(), Role::Dispatcher, "");
    let sup = person("主管".into(), Role::Supervisor, "");
    let mut people = vec![desk.clone(), disp.clone(), sup.clone()];
    let mut phones = Vec::new();
    for i in 0..o.technicians {
        let p = person(format!("技師{i}"), Role::Technician, "plumbing");
        people.push(p.clone());
        let device = DeviceId::new();
        let skew = rng.random_range(-10 * 60_000..10 * 60_000);
        let author = Author {
            user: p.id,
            device,
            role: Role::Technician,
        };
        let path = dir.join(format!("phone{i}.db"));
        let s = Store::open_with_clock(&path, author, Box::new(SkewClock(skew)))?;
        let claims = crate::auth::claims(p.id, p.role, p.office, Some(device), 0, 24 * 3600);
        phones.push(Phone {
            token: state.keys.sign(&claims)?,
            person: p,
            store: Arc::new(Mutex::new(s)),
            client: None,
            offline_until: 0,
        });
    }
    store.upsert_office(office.clone()).await?;
    for p in &people {
        store.upsert_user(p.clone()).await?;
    }
    let server = store.server_device();
    let as_ = |p: &Person| Author {
        user: p.id,
        device: server,
        role: p.role,
    };
    let url = format!("ws://{addr}/sync");
    let mut report = Report::default();
    let mut orders = Vec::new();
    for day in 0..o.days {
        // Phones go on- and offline.
        for ph in phones.iter_mut() {
            if day >= ph.offline_until && rng.random_bool(o.offline_ratio) {
                ph.offline_until = day + rng.random_range(1..=3);
            }
            let online = day >= ph.offline_until;
            if !online {
                report.offline_device_days += 1;
            }
            match (online, ph.client.is_some()) {
                (true, false) => {
                    let mut c = ClientConfig::new(url.clone(), ph.token.clone());
                    c.min_backoff = Duration::from_millis(20);
                    c.max_backoff = Duration::from_millis(500);
                    ph.client = Some(SyncClient::start(ph.store.clone(), c));
                }
                (false, true) => {
                    if let Some(c) = ph.client.take() {
                        c.stop().await;
                    }
                }
                _ => {}
            }
        }
        // The office logs, prices and assigns the day's requests.
        for k in 0..o.orders_per_day {
            let new = NewOrder {
                office: office.clone(),
                customer: Customer {
                    name: format!("住戶{day}-{k}"),
                    unit: format!(
                        "A棟-{}F-{}",
                        rng.random_range(1..20),
                        rng.random_range(1..6)
                    ),
                    phone: "0912-000-000".into(),
                },
                channel: [
                    Channel::Phone,
                    Channel::WalkIn,
                    Channel::App,
                    Channel::Verbal,
                ][k % 4],
                description: ["廚房水龍頭漏水", "走廊燈不亮", "冷氣滴水", "門鎖卡住"][k % 4].into(),
                follow_up_of: None,
            };
            let s = store.create(as_(&desk), new, state.now()).await?;
            let paid = rng.random_bool(0.5);
            let items = if paid {
                vec![FeeItem {
                    description: "更換零件".into(),
                    materials: Money(rng.random_range(1..200) * 100),
                    labour: Money(5000),
                    code: None,
                }]
            } else {
                vec![]
            };
            let tech = &phones[rng.random_range(0..phones.len())].person;
            for body in [
                EventBody::Received,
                EventBody::Priced {
                    paid,
                    items,
                    schedule: None,
                },
                EventBody::Assigned {
                    technicians: vec![tech.id],
                    reason: "模擬".into(),
                },
                EventBody::AppointmentSet {
                    at: state.now() + rng.random_range(-30..60) * 60_000,
                },
            ] {
                store
                    .command(as_(&disp), office.id, s.order, body, state.now())
                    .await?;
            }
            orders.push(s.order);
        }
        // Online phones receive their orders.
        settle(&phones).await;
        // Every phone works on what it holds, online or not.
        for ph in &phones {
            let mut s = lock(&ph.store);
            for summary in s.list_orders()? {
                if summary.status != "scheduled" || !rng.random_bool(0.8) {
                    continue;
                }
                let id = summary.id;
                let fees = s.order_state(id)?.fees;
                let signature = Signature::new(
                    "住戶",
                    &[vec![Point { x: 1, y: 1 }, Point { x: 8, y: 3 }]],
                    fees.paid,
                    &fees.items,
                );
                let job = [
                    EventBody::Arrived {
                        confirmed_items: vec!["現場確認".into()],
                    },
                    EventBody::FeeTold {
                        paid: fees.paid,
                        items: fees.items.clone(),
                        schedule: None,
                    },
                    EventBody::ConsentGiven,
                    EventBody::MaterialChecked {
                        name: "零件".into(),
                        supplied_by_customer: false,
                        result: PassFail::Pass,
                        note: String::new(),
                    },
                    EventBody::Completed {
                        test_result: PassFail::Pass,
                        cleaned_up: true,
                        items: fees.items.clone(),
                        notes: "完成".into(),
                        schedule: None,
                    },
                    EventBody::CustomerSigned { signature },
                    EventBody::TechnicianSigned,
                ];
                for body in job {
                    s.record(id, body)?;
                    report.device_facts += 1;
                }
            }
            drop(s);
            if let Some(c) = &ph.client {
                c.local_change();
            }
        }
        // Complaints and call-backs.
        if rng.random_bool(0.5) {
            let n = NewComplaint {
                channel: ["hotline", "email", "walk_in"][rng.random_range(0..3)].into(),
                complainant: format!("住戶{day}"),
                contact: String::new(),
                by_customer_or_agent: true,
                unit: "A棟-3F-2".into(),
                subject: "維修等待太久".into(),
                category: "timeliness".into(),
                description: String::new(),
                order: orders.last().copied(),
                technician: None,
                material_complete: rng.random_bool(0.7),
                missing: String::new(),
                same_as: None,
                new_facts: None,
                referral: None,
                customer: None,
            };
            store
                .create_complaint(office.id, n, state.now(), desk.id)
                .await?;
            report.complaints += 1;
        }
        settle(&phones).await;
        if let Some(done) = orders.iter().rev().find(|_| rng.random_bool(0.3)) {
            let (oid, by) = (office.id, sup.id);
            let sat = rng.random_range(3..=5);
            let cb = CallbackPlan {
                order: Some(*done),
                complaint: None,
                method: CallbackMethod::Phone,
                planned_at: 0,
                assignee: Some(by),
                content: "回訪".into(),
                sample: None,
                programme: None,
            }
            .into_callback(state.now());
            let result = CallbackResult {
                reached: true,
                satisfaction: Some(sat),
                repair_held: Some(PassFail::Pass),
                problems: String::new(),
                responsible: None,
                content: String::new(),
                fallback_method: None,
                fallback_at: None,
                task_owner: None,
                scores: Default::default(),
                answers: Vec::new(),
            };
            let id = cb.id.clone();
            let r = match store.insert_callback(oid, cb).await {
                Ok(()) => store
                    .record_callback(oid, id, result, by, state.now())
                    .await
                    .map(|_| ()),
                Err(e) => Err(e),
            };
            if r.is_ok() {
                report.callbacks += 1;
            }
        }
        if o.progress {
            let online = phones.iter().filter(|p| p.client.is_some()).count();
            eprintln!(
                "day {:>3}/{}: {} orders, {online}/{} phones online",
                day + 1,
                o.days,
                orders.len(),
                phones.len()
            );
        }
    }
    // Everyone reconnects; every replica must equal the server's copy.
    for ph in phones.iter_mut() {
        if ph.client.is_none() {
            let mut c = ClientConfig::new(url.clone(), ph.token.clone());
            c.min_backoff = Duration::from_millis(20);
            c.max_backoff = Duration::from_millis(500);
            ph.client = Some(SyncClient::start(ph.store.clone(), c));
        }
    }
    if !settle(&phones).await {
        report
            .mismatches
            .push("not every phone got up to date".into());
    }
    for ph in phones.iter_mut() {
        if let Some(c) = ph.client.take() {
            c.stop().await;
        }
        let ids = lock(&ph.store).order_ids()?;
        for id in ids {
            let phone = lock(&ph.store).order_state(id)?;
            let server = store.order(id).await?;
            report.replicas_checked += 1;
            if server.as_ref() != Some(&phone) {
                report
                    .mismatches
                    .push(format!("{} differs on {id}", ph.person.name));
            }
        }
    }
    report.orders = orders.len();
    let month = chrono::DateTime::from_timestamp_millis(state.now())
        .unwrap_or_default()
        .with_timezone(&chrono_tz::Asia::Taipei)
        .format("%Y-%m")
        .to_string();
    let stats = office_stats(&*store, office.id, &month, Params::default()).await?;
    report.completed = stats.completed as usize;
    report.stats_json = serde_json::to_string_pretty(&stats).unwrap_or_default();
    report.stats = Some(stats);
    Ok(report)
}

/// The month's figures for a person reading the terminal: rates as percentages with what
/// they count, money in major units.
pub fn summary(s: &crate::service::month::MonthStats) -> String {
    use crate::service::month::Rate;
    let rate = |r: &Rate| match r.basis_points {
        Some(bp) => format!(
            "{}.{:02} % ({}/{})",
            bp / 100,
            bp % 100,
            r.numerator,
            r.denominator
        ),
        None => "— (nothing counted)".to_owned(),
    };
    let average = s
        .satisfaction
        .average_hundredths
        .map(|a| format!("{}.{:02}", a / 100, a % 100))
        .unwrap_or_else(|| "—".to_owned());
    format!(
        "month {} ({}): {} logged, {} completed\n\
         \x20 handover on time   {}\n\
         \x20 on time            {}, no-shows {}\n\
         \x20 pass rate          {}\n\
         \x20 satisfied          {}, average score {}\n\
         \x20 paid services      {} (compensation {})\n",
        s.month,
        s.time_zone,
        s.logged,
        s.completed,
        rate(&s.handover_on_time),
        rate(&s.on_time),
        s.no_shows,
        rate(&s.pass),
        rate(&s.satisfaction.satisfied),
        average,
        Money(s.paid_total),
        Money(s.compensation),
    )
}
