//! The sync client against a real server through a proxy that cuts the TCP connection
//! mid-frame at random points: every fact ends up on both sides exactly once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use baoxiu_sync_core::client::{ClientConfig, Connection, SyncClient};
use baoxiu_sync_core::{Author, EventBody, OrderId, Store};
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::server_support::*;

/// A TCP proxy: the first `cuts.len()` connections are cut after their budget of bytes
/// (both directions together); later ones pass untouched.
struct Proxy {
    addr: std::net::SocketAddr,
    cut: Arc<AtomicUsize>,
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    budget: Arc<Mutex<Option<usize>>>,
) {
    let mut buf = vec![0u8; 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let allowed = {
            let mut b = budget.lock().unwrap();
            match b.as_mut() {
                None => n,
                Some(left) => {
                    let k = n.min(*left);
                    *left -= k;
                    k
                }
            }
        };
        if to.write_all(&buf[..allowed]).await.is_err() || allowed < n {
            break;
        }
    }
    let _ = to.shutdown().await;
}

impl Proxy {
    async fn start(target: std::net::SocketAddr, cuts: Vec<usize>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let cut = Arc::new(AtomicUsize::new(0));
        let count = cut.clone();
        tokio::spawn(async move {
            let mut i = 0;
            while let Ok((client, _)) = listener.accept().await {
                let budget = Arc::new(Mutex::new(cuts.get(i).copied()));
                if i < cuts.len() {
                    count.fetch_add(1, Ordering::SeqCst);
                }
                i += 1;
                let Ok(server) = TcpStream::connect(target).await else {
                    continue;
                };
                let (cr, cw) = client.into_split();
                let (sr, sw) = server.into_split();
                let b2 = budget.clone();
                tokio::spawn(async move {
                    let a = tokio::spawn(pump(cr, sw, budget));
                    let b = tokio::spawn(pump(sr, cw, b2));
                    // When either side is cut, cut the other too.
                    tokio::select! { _ = a => {}, _ = b => {} }
                });
            }
        });
        Proxy { addr, cut }
    }
}

async fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..1200 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

fn notes(v: &serde_json::Value) -> Vec<String> {
    v["state"]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_survives_100_cuts_mid_frame_with_every_fact_exactly_once() {
    let srv = TestServer::start().await;
    let x = srv.order("a", "scheduled", "tech1").await;
    let xo: OrderId = x.parse().unwrap();
    let login = srv.who("a.tech1").clone();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Mutex::new(
        Store::open(&dir.path().join("p.db"), login.author()).unwrap(),
    ));
    let fast = |url: String| {
        let mut c = ClientConfig::new(url, login.token.clone());
        c.min_backoff = Duration::from_millis(2);
        c.max_backoff = Duration::from_millis(20);
        c
    };

    // First contact straight to the server: the phone gets its order.
    let client = SyncClient::start(store.clone(), fast(srv.ws_url()));
    wait_until("first sync", || {
        client.status().connection == Connection::UpToDate
    })
    .await;
    client.stop().await;
    assert!(store.lock().unwrap().order_ids().unwrap().contains(&xo));

    // Offline work on the phone, and the office's work on the server meanwhile.
    {
        let mut s = store.lock().unwrap();
        s.arrive(xo, vec!["漏水".into()]).unwrap();
        for i in 0..30 {
            s.add_note(xo, format!("phone-{i}")).unwrap();
        }
    }
    let disp = srv.who("a.dispatcher");
    let office_author = Author {
        user: disp.person.id,
        device: srv.state().store.server_device(),
        role: disp.person.role,
    };
    for i in 0..20 {
        srv.state()
            .store
            .command(
                office_author.clone(),
                disp.person.office,
                xo,
                EventBody::Note {
                    text: format!("office-{i}"),
                },
                srv.state().now(),
            )
            .await
            .unwrap();
    }

    // Reconnect through a proxy that cuts the first 100 connections at random byte counts.
    let seed: u64 = rand::rng().random();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let cuts: Vec<usize> = (0..100).map(|_| rng.random_range(1..20_000)).collect();
    let proxy = Proxy::start(srv.running.as_ref().unwrap().addr, cuts).await;
    let client = SyncClient::start(store.clone(), fast(format!("ws://{}/sync", proxy.addr)));
    // More work while the link keeps failing.
    for i in 30..40 {
        tokio::time::sleep(Duration::from_millis(15)).await;
        store
            .lock()
            .unwrap()
            .add_note(xo, format!("phone-{i}"))
            .unwrap();
        client.local_change();
    }
    wait_until("100 cuts", || proxy.cut.load(Ordering::SeqCst) >= 100).await;
    wait_until("up to date after the cuts", || {
        let s = client.status();
        s.connection == Connection::UpToDate && s.pending == 0
    })
    .await;
    client.stop().await;

    let (s, server) = srv
        .as_("a.dispatcher", "GET", &format!("/api/v1/orders/{x}"), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    let mut counts: HashMap<String, usize> = HashMap::new();
    for n in notes(&server) {
        *counts.entry(n).or_default() += 1;
    }
    assert_eq!(counts.len(), 60, "seed {seed}: {counts:?}");
    assert!(
        counts.values().all(|c| *c == 1),
        "seed {seed}: a fact twice: {counts:?}"
    );
    let phone = store.lock().unwrap().order_state(xo).unwrap();
    assert_eq!(
        serde_json::to_value(&phone).unwrap(),
        server["state"],
        "seed {seed}"
    );
    // Every event id once on the phone too.
    let doc = store.lock().unwrap().doc(xo).unwrap();
    let ids: Vec<_> = doc
        .events()
        .iter()
        .map(|e| e.event.as_ref().unwrap().id)
        .collect();
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(ids.len(), unique.len(), "seed {seed}");
}

/// A node that accepts a session, takes its hello and closes it with `code`; counts
/// connections.
async fn closing_node(code: u16) -> (std::net::SocketAddr, Arc<AtomicUsize>) {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::protocol::CloseFrame;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    let count = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
                continue;
            };
            let _hello = ws.next().await;
            count.fetch_add(1, Ordering::SeqCst);
            let _ = ws
                .send(Message::Close(Some(CloseFrame {
                    code: code.into(),
                    reason: "bye".into(),
                })))
                .await;
        }
    });
    (addr, seen)
}

/// A draining node's "going away" is a normal end, not an error: the phone reconnects at
/// once without counting a failure (its backoff does not grow); another close is an
/// error the phone shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn going_away_is_a_reconnect_not_a_failure() {
    let srv = TestServer::start().await;
    let login = srv.who("a.tech1").clone();
    for (code, failure) in [(1001u16, false), (1008, true)] {
        let (addr, seen) = closing_node(code).await;
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Mutex::new(
            Store::open(&dir.path().join("p.db"), login.author()).unwrap(),
        ));
        let mut config = ClientConfig::new(format!("ws://{addr}/sync"), login.token.clone());
        config.min_backoff = Duration::from_millis(2);
        config.max_backoff = Duration::from_millis(20);
        let client = SyncClient::start(store, config);
        wait_until("three sessions closed", || seen.load(Ordering::SeqCst) >= 3).await;
        let status = client.status();
        client.stop().await;
        assert_eq!(
            status.last_error.is_some(),
            failure,
            "close {code}: {status:?}"
        );
    }
}
