//! Month-end statistics at scale (issue "Month end"): a server database holding 1,000,000
//! synthetic orders across 200 offices and two years; times one office's month and the
//! whole company's month through the store's API.
//!
//! Run: `cargo bench -p baoxiu-tests --bench month` (`BAOXIU_BENCH_QUICK=1`: 20,000 orders;
//! `BAOXIU_BENCH_PG=1` with `BAOXIU_TEST_DATABASE`: the same on PostgreSQL, in the same run).

// Benchmark code: a failed unwrap is a failed run; floats only report times.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::float_arithmetic)]

use std::time::{Duration, Instant};

use baoxiu_server::Store;
use baoxiu_server::service::month::{Params, company_stats, office_stats};
use baoxiu_sync_core::{OfficeId, UserId};
use rusqlite::params;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let quick = std::env::var("BAOXIU_BENCH_QUICK").is_ok_and(|v| v == "1");
    let (offices, per_office) = if quick { (20, 1_000) } else { (200, 5_000) };
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let path = baoxiu_server::db_path(dir.path());
    let store = baoxiu_server::SqliteStore::open(&path).unwrap();

    // Synthetic projection rows: 2025-01 … 2026-12, Asia/Taipei, five technicians each.
    let t = Instant::now();
    let mut conn = rusqlite::Connection::open(&path).unwrap();
    let tx = conn.transaction().unwrap();
    let office_ids: Vec<OfficeId> = (0..offices).map(|_| OfficeId::new()).collect();
    {
        let mut office = tx
            .prepare("INSERT INTO offices VALUES (?1, ?2, 'Asia/Taipei', 'TWD')")
            .unwrap();
        let mut order = tx
            .prepare(
                "INSERT INTO orders (id, office, status, customer_name, unit, phone, description, channel,
                     created_by, logged_at, received_at, paid, appointment, arrived_at, arrived_on_time,
                     completed_at, materials, labour, total, signature_valid, anomalies, updated_at,
                     technician, category, items, arrival_certain, handover_on_time, customer_signed)
                 VALUES (?1, ?2, 'closed', '住戶', ?3, '', '廚房水龍頭漏水', 'phone', ?4, ?5, ?6, ?7, ?8, ?9,
                         ?10, ?11, ?12, ?13, ?14, 1, 0, ?11, ?15, 'plumbing', '[]', ?16, 1, 1)",
            )
            .unwrap();
        let mut cb = tx
            .prepare(
                "INSERT INTO callbacks (id, office, order_id, method, planned_at, content, status, reached,
                     satisfaction, repair_held, created_at, recorded_at)
                 VALUES (?1, ?2, ?3, 'phone', ?4, '', 'done', 1, ?5, ?6, ?4, ?4)",
            )
            .unwrap();
        let start = 1_735_660_800_000i64; // 2025-01-01 00:00 Taipei
        let span = 730i64 * 86_400_000;
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for (k, o) in office_ids.iter().enumerate() {
            office
                .execute(params![o.to_string(), format!("管理處{k}")])
                .unwrap();
            let techs: Vec<String> = (0..5).map(|_| UserId::new().to_string()).collect();
            for i in 0..per_office {
                let id = uuid::Uuid::now_v7().to_string();
                let logged = start + (next() % span as u64) as i64;
                let appointment = logged + 3_600_000;
                let arrived = appointment + (next() % 1_800_000) as i64 - 600_000;
                let completed = arrived + 3_600_000;
                let paid = next() % 3 == 0;
                let (m, l) = if paid { (12_000, 5_000) } else { (0, 0) };
                order
                    .execute(params![
                        id,
                        o.to_string(),
                        format!("A棟-{}F-{}", i % 30, i % 7),
                        techs[0],
                        logged,
                        logged + 600_000,
                        paid,
                        appointment,
                        arrived,
                        arrived <= appointment + 600_000,
                        completed,
                        m,
                        l,
                        m + l,
                        techs[i % 5],
                        next() % 50 != 0,
                    ])
                    .unwrap();
                if i % 10 == 0 {
                    cb.execute(params![
                        uuid::Uuid::now_v7().to_string(),
                        o.to_string(),
                        id,
                        completed + 86_400_000,
                        (next() % 5 + 1) as i64,
                        if next() % 10 == 0 { "fail" } else { "pass" },
                    ])
                    .unwrap();
                }
            }
        }
    }
    tx.commit().unwrap();
    conn.execute_batch("ANALYZE").unwrap();
    let total = offices * per_office;
    println!(
        "seeded {total} orders in {offices} offices in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    measure(&store, &office_ids, total, "");
    if std::env::var("BAOXIU_BENCH_PG").is_ok_and(|v| v == "1") {
        postgres(offices, per_office);
    }
}

/// The same figures over the same shape of data on PostgreSQL (seeded by the database
/// itself: generate_series, random()).
fn postgres(offices: usize, per_office: usize) {
    let db = baoxiu_tests::pg::TestDatabase::create("month bench")
        .expect("BAOXIU_BENCH_PG needs BAOXIU_TEST_DATABASE");
    baoxiu_server::migrate(std::path::Path::new("unused"), Some(&db.url)).unwrap();
    let t = Instant::now();
    let mut c = db.client();
    let office_ids: Vec<OfficeId> = (0..offices).map(|_| OfficeId::new()).collect();
    let start = 1_735_660_800_000i64;
    let span = 730i64 * 86_400_000;
    for (k, o) in office_ids.iter().enumerate() {
        let o = o.to_string();
        c.execute(
            "INSERT INTO offices VALUES ($1, $2, 'Asia/Taipei', 'TWD')",
            &[&o, &format!("管理處{k}")],
        )
        .unwrap();
        let techs: Vec<String> = (0..5).map(|_| UserId::new().to_string()).collect();
        c.execute(
            "INSERT INTO orders (id, office, status, customer_name, unit, phone, description,
                 channel, created_by, logged_at, received_at, paid, appointment, arrived_at,
                 arrived_on_time, completed_at, materials, labour, total, signature_valid,
                 anomalies, updated_at, technician, category, items, arrival_certain,
                 handover_on_time, customer_signed)
             SELECT gen_random_uuid()::text, $1, 'closed', '住戶',
                 'A棟-' || (g % 30) || 'F-' || (g % 7), '', '廚房水龍頭漏水', 'phone', ($2::text[])[1],
                 logged, logged + 600000, paid, logged + 3600000, arrived,
                 CASE WHEN arrived <= logged + 4200000 THEN 1 ELSE 0 END, arrived + 3600000,
                 12000 * paid, 5000 * paid, 17000 * paid, 1, 0, arrived + 3600000,
                 ($2::text[])[(g % 5) + 1], 'plumbing', '[]',
                 CASE WHEN random() < 0.98 THEN 1 ELSE 0 END, 1, 1
             FROM (SELECT g, $3::bigint + floor(random() * $4::bigint)::bigint AS logged,
                          CASE WHEN random() < 0.3333 THEN 1 ELSE 0 END AS paid
                   FROM generate_series(0::bigint, $5::bigint - 1) g) s,
                  LATERAL (SELECT s.logged + 3000000 + floor(random() * 1800000)::bigint
                           AS arrived) a",
            &[&o, &techs, &start, &span, &(per_office as i64)],
        )
        .unwrap();
        c.execute(
            "INSERT INTO callbacks (id, office, order_id, method, planned_at, content, status,
                 reached, satisfaction, repair_held, created_at, recorded_at)
             SELECT gen_random_uuid()::text, office, id, 'phone', completed_at + 86400000, '',
                 'done', 1, 1 + floor(random() * 5)::bigint,
                 CASE WHEN random() < 0.1 THEN 'fail' ELSE 'pass' END,
                 completed_at + 86400000, completed_at + 86400000
             FROM orders WHERE office = $1 AND random() < 0.1",
            &[&o],
        )
        .unwrap();
    }
    c.batch_execute("ANALYZE").unwrap();
    let total = offices * per_office;
    println!(
        "PostgreSQL: seeded {total} orders in {offices} offices in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let store =
        baoxiu_server::store::postgres::PgStore::open(&db.url, baoxiu_sync_core::DeviceId::new())
            .unwrap();
    measure(&store, &office_ids, total, "PostgreSQL: ");
}

/// Times one office-month (21 runs) and the whole company's month (5 runs).
fn measure(store: &dyn Store, office_ids: &[OfficeId], total: usize, label: &str) {
    let offices = office_ids.len();
    let p = Params::default();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let one: Vec<Duration> = (0..21)
        .map(|i| {
            let o = office_ids[i % offices];
            let t = Instant::now();
            let s = rt.block_on(office_stats(store, o, "2026-03", p)).unwrap();
            assert!(s.completed > 0);
            t.elapsed()
        })
        .collect();
    println!(
        "{label}statistics for one office-month ({total} orders in the store): median {:.2} ms",
        median(one).as_secs_f64() * 1000.0
    );
    let all: Vec<Duration> = (0..5)
        .map(|_| {
            let t = Instant::now();
            let s = rt.block_on(company_stats(store, "2026-03", p)).unwrap();
            assert_eq!(s.len(), offices);
            t.elapsed()
        })
        .collect();
    println!(
        "{label}statistics for the whole company's month ({offices} offices): median {:.0} ms",
        median(all).as_secs_f64() * 1000.0
    );
}
