//! Sync benchmark (issue "The server"): a real server on port 0, real WebSocket clients.
//!
//! 1. Reconnect bytes and round trips for a device holding N orders with 10 changed on
//!    each side, against the size of the changes and against Automerge's per-document
//!    sync (fresh sync states, as after a reconnect) on the same documents.
//! 2. Durable changes per second through `/sync` with many devices at once.
//! 3. Many devices reconnecting at once, each with one change: time until all are acked.
//!
//! Run: `cargo bench -p baoxiu-tests --bench sync` (set `BAOXIU_BENCH_QUICK=1` for small
//! sizes, `BAOXIU_BENCH_STORM=1000,5000` for only the reconnect storms of those sizes).

// Benchmark code: a failed unwrap is a failed run; floats only report ratios and times.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::float_arithmetic)]

use std::sync::Arc;
use std::time::Instant;

use automerge::sync::{State as SyncState, SyncDoc};
use baoxiu_sync_core::{
    Author, Channel, Customer, DeviceId, EventBody, FeeItem, Money, NewOrder, OrderId, Role,
    WorkOrderDoc,
};
use baoxiu_tests::server::{Login, Phone, TestServer, chrono_now};

/// Counts the live heap, for the memory an idle session costs (the resident size alone
/// says little: the allocator keeps and reuses what the storm freed).
#[global_allocator]
static ALLOC: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, usize::MAX);

fn quick() -> bool {
    std::env::var("BAOXIU_BENCH_QUICK").is_ok_and(|v| v == "1")
}

/// Creates `n` orders in office `a` concurrently; returns their ids.
async fn create_orders(srv: &TestServer, n: usize, assign_to: Option<&Login>) -> Vec<OrderId> {
    let office = {
        let id = srv.who("a.desk").person.office;
        srv.state().store.office(id).await.unwrap().unwrap()
    };
    let desk = srv.who("a.desk").person.clone();
    let disp = srv.who("a.dispatcher").person.clone();
    let server = srv.state().store.server_device();
    let mut tasks = Vec::new();
    for i in 0..n {
        let store = srv.state().store.clone();
        let office = office.clone();
        let (desk, disp) = (desk.clone(), disp.clone());
        let tech = assign_to.map(|l| l.person.id);
        tasks.push(tokio::spawn(async move {
            let a = |p: &baoxiu_sync_core::Person| Author {
                user: p.id,
                device: server,
                role: p.role,
            };
            let new = NewOrder {
                office: office.clone(),
                customer: Customer {
                    name: format!("住戶{i}"),
                    unit: format!("A棟-{}F-{}", i % 20 + 1, i % 6 + 1),
                    phone: "0912-000-000".into(),
                },
                channel: Channel::Phone,
                description: "廚房水龍頭漏水".into(),
                follow_up_of: None,
            };
            let s = store.create(a(&desk), new, chrono_now()).await.unwrap();
            if let Some(t) = tech {
                for body in [
                    EventBody::Received,
                    EventBody::Priced {
                        paid: true,
                        items: vec![FeeItem {
                            description: "換水龍頭".into(),
                            materials: Money(12000),
                            labour: Money(5000),
                            code: None,
                        }],
                        schedule: None,
                    },
                    EventBody::Assigned {
                        technicians: vec![t],
                        reason: String::new(),
                    },
                    EventBody::AppointmentSet {
                        at: chrono_now() + 3_600_000,
                    },
                ] {
                    store
                        .command(a(&disp), office.id, s.order, body, chrono_now())
                        .await
                        .unwrap();
                }
            }
            s.order
        }));
    }
    let mut ids = Vec::with_capacity(n);
    for t in tasks {
        ids.push(t.await.unwrap());
    }
    ids
}

/// Automerge's own per-document sync between two copies of each document, with fresh
/// sync states: returns (messages, bytes).
fn automerge_per_doc_sync(
    pairs: Vec<(automerge::Automerge, automerge::Automerge)>,
) -> (usize, usize, usize) {
    let (mut messages, mut bytes, mut max_rounds) = (0usize, 0usize, 0usize);
    for (mut device, mut server) in pairs {
        let (mut sd, mut ss) = (SyncState::new(), SyncState::new());
        let mut rounds = 0;
        loop {
            let mut quiet = true;
            if let Some(m) = device.generate_sync_message(&mut sd) {
                let enc = m.encode();
                messages += 1;
                bytes += enc.len();
                server
                    .receive_sync_message(&mut ss, automerge::sync::Message::decode(&enc).unwrap())
                    .unwrap();
                quiet = false;
            }
            if let Some(m) = server.generate_sync_message(&mut ss) {
                let enc = m.encode();
                messages += 1;
                bytes += enc.len();
                device
                    .receive_sync_message(&mut sd, automerge::sync::Message::decode(&enc).unwrap())
                    .unwrap();
                quiet = false;
            }
            if quiet {
                break;
            }
            rounds += 1;
        }
        assert_eq!(device.get_heads(), server.get_heads());
        max_rounds = max_rounds.max(rounds);
    }
    (messages, bytes, max_rounds)
}

async fn reconnect_bytes(n: usize) {
    let srv = TestServer::start().await;
    let ids = create_orders(&srv, n, None).await;
    // The dispatcher's device holds every order of the office.
    let mut phone = Phone::in_memory(srv.who("a.dispatcher"));
    phone.sync(&srv.ws_url()).await;
    assert_eq!(phone.store.order_ids().unwrap().len(), n);

    // 10 orders change on the server, 10 others on the device (offline).
    let disp = srv.who("a.dispatcher").person.clone();
    let office = disp.office;
    let server_author = Author {
        user: disp.id,
        device: srv.state().store.server_device(),
        role: Role::Dispatcher,
    };
    for id in &ids[..10] {
        srv.state()
            .store
            .command(
                server_author.clone(),
                office,
                *id,
                EventBody::Note {
                    text: "客戶來電：改為下午".into(),
                },
                chrono_now(),
            )
            .await
            .unwrap();
    }
    for id in &ids[10..20] {
        phone
            .store
            .add_note(*id, "已聯絡住戶，備妥零件".into())
            .unwrap();
    }
    let local: usize = phone
        .store
        .pending_changes()
        .unwrap()
        .iter()
        .map(|p| p.bytes.len())
        .sum();
    let heads: Vec<_> = ids[..10]
        .iter()
        .map(|id| phone.store.doc(*id).unwrap().heads())
        .collect();

    // Automerge per-document sync on the same documents (device copy vs server copy).
    let mut pairs = Vec::with_capacity(n);
    for id in &ids {
        let dev = phone.store.doc(*id).unwrap().automerge().clone();
        let bytes = srv.state().store.document(*id).await.unwrap().unwrap();
        pairs.push((dev, automerge::Automerge::load(&bytes).unwrap()));
    }
    let t = Instant::now();
    let (am_messages, am_bytes, am_rounds) = automerge_per_doc_sync(pairs);
    let am_time = t.elapsed();

    let t = Instant::now();
    phone.sync(&srv.ws_url()).await;
    let elapsed = t.elapsed();
    let remote: usize = ids[..10]
        .iter()
        .zip(&heads)
        .map(|(id, h)| {
            let d: WorkOrderDoc = phone.store.doc(*id).unwrap();
            d.changes_since(h)
                .iter()
                .map(|c| c.raw_bytes().len())
                .sum::<usize>()
        })
        .sum();
    assert!(phone.store.pending_changes().unwrap().is_empty());
    let changes = local + remote;
    let total = phone.bytes_sent + phone.bytes_received;
    println!(
        "| {n:>5} | {changes:>6} B | {total:>6} B | {:>4.2}× | {} ({} frames) | {:>6.1} ms | {am_messages:>5} msgs | {am_bytes:>8} B | {:>5.1}× | {am_rounds} | {:>6.1} ms |",
        total as f64 / changes as f64,
        if phone.sent == 1 && phone.received == 1 {
            "1 round trip"
        } else {
            "more"
        },
        phone.sent + phone.received,
        elapsed.as_secs_f64() * 1000.0,
        am_bytes as f64 / changes as f64,
        am_time.as_secs_f64() * 1000.0,
    );
}

/// `n` technicians of `srv`, each with one assigned order already on their phone.
async fn devices_with_orders(
    srv: Arc<TestServer>,
    n: usize,
) -> (Arc<TestServer>, Vec<Phone>, Vec<OrderId>) {
    let mut phones = Vec::new();
    for i in 0..n {
        let login = srv.add_technician("a", &format!("技師{i}")).await;
        phones.push(Phone::in_memory(&login));
    }
    let mut tasks = Vec::new();
    for p in &phones {
        let srv = srv.clone();
        let login = p.login.clone();
        tasks.push(tokio::spawn(async move {
            create_orders(&srv, 1, Some(&login)).await[0]
        }));
    }
    let mut orders = Vec::new();
    for t in tasks {
        orders.push(t.await.unwrap());
    }
    for p in &mut phones {
        p.sync(&srv.ws_url()).await;
    }
    (srv, phones, orders)
}

/// Every phone syncs at once; returns (changes still pending, one round trip?) per phone.
async fn sync_all(phones: Vec<Phone>, url: &str) -> Vec<(usize, bool)> {
    let mut tasks = Vec::new();
    for mut p in phones {
        let url = url.to_owned();
        tasks.push(tokio::spawn(async move {
            p.sync(&url).await;
            (
                p.store.pending_changes().unwrap().len(),
                p.sent == 1 && p.received == 1,
            )
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

async fn throughput(srv: Arc<TestServer>, devices: usize, per_device: usize) {
    let backend = srv.backend();
    let (srv, mut phones, orders) = devices_with_orders(srv, devices).await;
    for (p, o) in phones.iter_mut().zip(&orders) {
        for k in 0..per_device {
            p.store.add_note(*o, format!("工作紀錄 {k}")).unwrap();
        }
    }
    let before = srv.state().store.log_len().await.unwrap();
    let t = Instant::now();
    let results = sync_all(phones, &srv.ws_url()).await;
    let elapsed = t.elapsed();
    let stored = srv.state().store.log_len().await.unwrap() - before;
    assert!(results.iter().all(|(left, _)| *left == 0));
    assert_eq!(stored as usize, devices * per_device);
    println!(
        "durable changes through /sync ({backend}): {devices} devices × {per_device} changes = {stored} in {:.2} s → {:.0} changes/s",
        elapsed.as_secs_f64(),
        stored as f64 / elapsed.as_secs_f64()
    );
}

/// This process's resident memory, KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
        })
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// `devices` technicians, each with one order on their phone and one change made offline,
/// reconnect at once. The phones run in a process of their own (`storm-clients`): a
/// process may hold 20,000 sockets here, and each side of a 10,000-device storm needs as
/// many. Then every phone holds an idle session open, for the memory each costs.
/// Connection limits for storms: every phone connects at once.
fn storm_limits() -> baoxiu_server::Limits {
    baoxiu_server::Limits {
        max_connections: 30_000,
        ..Default::default()
    }
}

async fn reconnect_storm(devices: usize, nodes: &[Arc<TestServer>]) {
    use std::io::{BufRead, BufReader, Write};
    let setup = Instant::now();
    let srv = nodes[0].clone();
    let urls: Vec<String> = nodes.iter().map(|n| n.ws_url()).collect();
    let mut logins = Vec::with_capacity(devices);
    for i in 0..devices {
        logins.push(srv.add_technician("a", &format!("技師{i}")).await);
    }
    // A few hundred at a time: the set-up is not what is measured, and more at once
    // overflows the writer's queue (answered "overloaded", as it should be).
    for chunk in logins.chunks(256) {
        let mut tasks = Vec::new();
        for l in chunk {
            let (srv, l) = (srv.clone(), l.clone());
            tasks.push(tokio::spawn(async move {
                create_orders(&srv, 1, Some(&l)).await;
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("logins.jsonl");
    let mut lines = String::new();
    for l in &logins {
        let v = serde_json::json!({"person": l.person, "device": l.device.to_string(), "token": l.token});
        lines.push_str(&format!("{v}\n"));
    }
    std::fs::write(&file, lines).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_storm-clients"))
        .arg(urls.join(","))
        .arg(&file)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut to = child.stdin.take().unwrap();
    let from = child.stdout.take().unwrap();
    // The child's lines, read off the runtime's threads.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for l in BufReader::new(from).lines() {
            let Ok(l) = l else { break };
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    assert_eq!(rx.recv().await.unwrap(), "ready");
    eprintln!(
        "storm of {devices}: set up in {:.1} s",
        setup.elapsed().as_secs_f64()
    );
    writeln!(to, "go").unwrap();
    let result = rx.recv().await.unwrap();
    let parts: Vec<&str> = result.split_whitespace().collect();
    let (acked, secs, one_trip): (usize, f64, usize) = (
        parts[1].parse().unwrap(),
        parts[2].parse().unwrap(),
        parts[3].parse().unwrap(),
    );
    if acked < devices {
        println!(
            "{devices} devices reconnecting at once ({}), one change each: only {acked} acked, the last after {secs:.2} s; the rest heard nothing for 20 s and gave up",
            srv.backend()
        );
        writeln!(to, "done").unwrap();
        let _ = child.wait();
        return;
    }
    let (heap_before, rss_before) = (ALLOC.allocated(), rss_kib());
    writeln!(to, "hold").unwrap();
    let holding = rx.recv().await.unwrap();
    assert_eq!(holding, format!("holding {devices}"));
    let (heap_after, rss_after) = (ALLOC.allocated(), rss_kib());
    println!(
        "{devices} devices reconnecting at once to {} node(s) ({}), one change each: all acked in {secs:.2} s ({one_trip} in one round trip); {devices} idle sessions: server heap +{:.1} KiB per session (RSS {} → {} MiB)",
        nodes.len(),
        srv.backend(),
        heap_after.saturating_sub(heap_before) as f64 / 1024.0 / devices as f64,
        rss_before / 1024,
        rss_after / 1024,
    );
    writeln!(to, "done").unwrap();
    let _ = child.wait();
}

/// The technician's side through the FFI `Replica`: memory while listing 1,000 orders, and
/// the time from `sync_now` to up to date with 10 changed on each side.
async fn replica_numbers(n: usize) {
    let srv = Arc::new(TestServer::start().await);
    let login = srv.who("a.tech1").clone();
    let ids = create_orders(&srv, n, Some(&login)).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("replica.db").display().to_string();
    let url = srv.ws_url();
    let token = login.token.clone();
    let first = tokio::task::spawn_blocking(move || {
        let r = baoxiu_mobile_ffi::Replica::open(path.clone(), url.clone(), token.clone()).unwrap();
        let s = r.sync_now(120_000);
        assert_eq!(s.pending, 0);
        drop(r);
        (path, url, token)
    })
    .await
    .unwrap();
    // Memory: a separate process opens the replica and lists it (its own RSS, not this
    // process's, which also holds the server).
    let (path, url, token) = first;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_replica-memory"))
        .args([&path, &token])
        .output()
        .unwrap();
    let mem = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(mem.contains(&format!("orders={n}")), "{mem}");
    let r = tokio::task::spawn_blocking(move || {
        baoxiu_mobile_ffi::Replica::open(path, url, token).unwrap()
    })
    .await
    .unwrap();
    let disp = srv.who("a.dispatcher").person.clone();
    let author = Author {
        user: disp.id,
        device: srv.state().store.server_device(),
        role: Role::Dispatcher,
    };
    for id in &ids[..10] {
        srv.state()
            .store
            .command(
                author.clone(),
                disp.office,
                *id,
                EventBody::Note {
                    text: "改約下午".into(),
                },
                srv.state().now(),
            )
            .await
            .unwrap();
    }
    let local: Vec<String> = ids[10..20].iter().map(|i| i.to_string()).collect();
    let (elapsed, pending) = tokio::task::spawn_blocking(move || {
        for id in local {
            r.add_note(id, "已備料".into()).unwrap();
        }
        let t = Instant::now();
        let s = r.sync_now(60_000);
        (t.elapsed(), s.pending)
    })
    .await
    .unwrap();
    assert_eq!(pending, 0);
    println!(
        "replica (FFI) holding {n} orders: open + list in its own process: {mem}; sync_now to up to date with 10 changed each side: {:.1} ms",
        elapsed.as_secs_f64() * 1000.0
    );
}

/// Durable changes per second and a reconnect storm on SQLite (one node) and on
/// PostgreSQL (one node; the storm over two nodes), in one run; `storms_only` for just
/// PostgreSQL's storms.
async fn both_backends(storms_only: bool) {
    let pg = |name: &'static str| {
        tokio::task::spawn_blocking(move || {
            let db = baoxiu_tests::pg::TestDatabase::create(name)
                .expect("BAOXIU_BENCH_PG needs BAOXIU_TEST_DATABASE");
            baoxiu_server::migrate(std::path::Path::new("unused"), Some(&db.url)).unwrap();
            db
        })
    };
    let (d, k, storm) = if quick() {
        (20, 10, 50)
    } else {
        (200, 50, 2000)
    };
    if !storms_only {
        throughput(Arc::new(TestServer::start().await), d, k).await;
        let db = pg("bench_throughput").await.unwrap();
        let node = TestServer::start_postgres(&db.url, Default::default(), None).await;
        throughput(Arc::new(node), d, k).await;
        drop(db);
        let one = Arc::new(TestServer::start_with(storm_limits()).await);
        reconnect_storm(storm, &[one]).await;
    }
    let db = pg("bench_storm").await.unwrap();
    let a = Arc::new(TestServer::start_postgres(&db.url, storm_limits(), None).await);
    let b = Arc::new(TestServer::start_postgres(&db.url, storm_limits(), Some(&a)).await);
    reconnect_storm(storm, std::slice::from_ref(&a)).await;
    reconnect_storm(storm, &[a, b]).await;
    drop(db);
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(64)
        .enable_all()
        .build()
        .unwrap();
    let _ = DeviceId::new();
    rt.block_on(async {
        // `BAOXIU_BENCH_STORM=1000,5000`: only reconnect storms of these sizes.
        if let Ok(sizes) = std::env::var("BAOXIU_BENCH_STORM") {
            for n in sizes.split(',').filter_map(|s| s.trim().parse().ok()) {
                let srv = Arc::new(TestServer::start_with(storm_limits()).await);
                reconnect_storm(n, &[srv]).await;
            }
            return;
        }
        // `BAOXIU_BENCH_PG=1` with `BAOXIU_TEST_DATABASE`: both backends in one run;
        // `BAOXIU_BENCH_PG=storm`: only PostgreSQL's storms (one node, then two).
        match std::env::var("BAOXIU_BENCH_PG").as_deref() {
            Ok("1") => return both_backends(false).await,
            Ok("storm") => return both_backends(true).await,
            _ => {}
        }
        let sizes: &[usize] = if quick() { &[50] } else { &[200, 1000, 5000] };
        println!("\n## Reconnect: device holding N orders, 10 changed on each side\n");
        println!("| N | changes | baoxiu bytes | ÷ changes | round trips | time | Automerge per-doc sync | bytes | ÷ changes | rounds/doc | time |");
        println!("|---|---|---|---|---|---|---|---|---|---|---|");
        for &n in sizes {
            reconnect_bytes(n).await;
        }
        println!();
        let (d, k, storm) = if quick() { (20, 10, 50) } else { (200, 50, 1000) };
        throughput(Arc::new(TestServer::start().await), d, k).await;
        let srv = Arc::new(TestServer::start_with(storm_limits()).await);
        reconnect_storm(storm, &[srv]).await;
        replica_numbers(if quick() { 50 } else { 1000 }).await;
    });
}
