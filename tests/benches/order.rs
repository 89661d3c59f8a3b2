//! Cost per order against its size (issue "Hardening", item 10): one order grows to N
//! facts; at each size, the time to ack one more change (validation, storage, projection,
//! fsync) and to serve the order page, and the server process's resident memory.
//!
//! The facts are notes by the office's dispatcher, written on the dispatcher's device and
//! submitted through the same validation as `/sync` (the store's `submit`); the order page
//! is a real HTTP request on loopback.
//!
//! Run: `cargo bench -p baoxiu-tests --bench order` (set `BAOXIU_BENCH_QUICK=1` for small
//! sizes, or `BAOXIU_BENCH_FACTS=10000,33000` for others).

// Benchmark code: a failed unwrap is a failed run; floats only report times.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::float_arithmetic)]

use std::time::{Duration, Instant};

use baoxiu_sync_core::protocol::OrderChanges;
use baoxiu_sync_core::validate::Submitter;
use baoxiu_sync_core::{Channel, Customer, Event, EventBody, EventId, WorkOrderDoc};
use baoxiu_tests::server::{Login, TestServer, chrono_now};

fn quick() -> bool {
    std::env::var("BAOXIU_BENCH_QUICK").is_ok_and(|v| v == "1")
}

fn fact(who: &Login, body: EventBody) -> Event {
    Event {
        id: EventId::new(),
        author: who.author(),
        at: chrono_now(),
        offset: Some(0),
        body,
    }
}

fn note(who: &Login, i: usize) -> Event {
    fact(
        who,
        EventBody::Note {
            text: format!("巡查紀錄 {i}：水壓正常"),
        },
    )
}

async fn submit(srv: &TestServer, who: &Login, doc: &WorkOrderDoc, changes: Vec<Vec<u8>>) {
    let sub = Submitter {
        author: who.author(),
        office: who.person.office,
    };
    let batch = vec![OrderChanges {
        order: doc.order_id(),
        changes,
    }];
    srv.state()
        .store
        .submit(sub, batch, srv.state().now())
        .await
        .unwrap();
}

/// Resident and peak memory of this process (server and bench share it), in MiB.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn median(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (ms(v[v.len() / 2]), ms(v[v.len() * 95 / 100]))
}

#[tokio::main]
async fn main() {
    let srv = TestServer::start().await;
    let disp = srv.who("a.dispatcher").clone();
    let office = srv
        .state()
        .store
        .office(disp.person.office)
        .await
        .unwrap()
        .unwrap();
    let logged = fact(
        &disp,
        EventBody::Logged {
            order: baoxiu_sync_core::OrderId::new(),
            office,
            customer: Customer {
                name: "王小明".into(),
                unit: "A棟-12F-3".into(),
                phone: "0912".into(),
            },
            channel: Channel::Phone,
            description: "公共區域定期巡查".into(),
            follow_up_of: None,
        },
    );
    let mut doc = WorkOrderDoc::create(disp.device, &logged).unwrap();
    submit(&srv, &disp, &doc, doc.encoded_changes_since(&[])).await;
    let http = reqwest::Client::new();
    let page = srv.url(&format!("/api/v1/orders/{}", doc.order_id()));
    // `BAOXIU_BENCH_FACTS=2500,33000` picks other sizes.
    let custom: Vec<usize> = std::env::var("BAOXIU_BENCH_FACTS")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_default();
    let sizes: &[usize] = if !custom.is_empty() {
        &custom
    } else if quick() {
        &[500, 1_000]
    } else {
        &[2_500, 5_000, 10_000]
    };
    let samples = if quick() { 10 } else { 40 };
    println!(
        "facts | ack one more change: median / p95 ms | order page: median / p95 ms | page bytes | RSS / peak MiB"
    );
    let mut facts = 1usize;
    for &size in sizes {
        // Grow the order in batches (as a device coming back with a long outbox).
        while facts < size {
            let heads = doc.heads();
            let n = (size - facts).min(500);
            for i in 0..n {
                doc.append(&note(&disp, facts + i)).unwrap();
            }
            facts += n;
            submit(&srv, &disp, &doc, doc.encoded_changes_since(&heads)).await;
        }
        let mut acks = Vec::new();
        for _ in 0..samples {
            let heads = doc.heads();
            doc.append(&note(&disp, facts)).unwrap();
            facts += 1;
            let change = doc.encoded_changes_since(&heads);
            let t = Instant::now();
            submit(&srv, &disp, &doc, change).await;
            acks.push(t.elapsed());
        }
        let mut pages = Vec::new();
        let mut bytes = 0;
        for _ in 0..samples {
            let t = Instant::now();
            let res = http
                .get(&page)
                .bearer_auth(&disp.token)
                .send()
                .await
                .unwrap();
            assert!(res.status().is_success());
            bytes = res.bytes().await.unwrap().len();
            pages.push(t.elapsed());
        }
        let (a50, a95) = median(acks);
        let (p50, p95) = median(pages);
        let (rss, peak) = memory();
        println!(
            "{facts} | {a50:.1} / {a95:.1} | {p50:.1} / {p95:.1} | {bytes} | {rss:.0} / {peak:.0}"
        );
    }
}
