//! Helper for the sync benchmark's reconnect storm: the phones, in a process of their own
//! (a process may hold 20,000 sockets here, and a storm of 10,000 devices needs as many
//! on each side), so the server's process holds only the server.
//!
//! Usage: `storm-clients <ws url>[,<ws url>…] <logins file>` (phones take the nodes in
//! turn), one JSON line per phone in the file
//! (`{"person", "device", "token"}`). Then, talking over stdin/stdout:
//! 1. each phone syncs once (gets its order) and records an arrival offline; prints
//!    `ready`;
//! 2. on a `go` line every phone syncs at once; prints `acked <n> <seconds> <one-trip>`
//!    (phones whose change was acked, the time until the last ack, how many needed one
//!    round trip);
//! 3. on a `hold` line every phone opens a session and stays idle after its welcome;
//!    prints `holding <n>`; on `done` (or end of input) exits.

// A helper of the benchmark: a failed unwrap is a failed run; floats only report times.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::float_arithmetic)]

use std::io::BufRead;
use std::sync::Arc;
use std::time::Instant;

use baoxiu_sync_core::protocol::Frame;
use baoxiu_tests::server::{Login, Phone, chrono_now};
use tokio::sync::Semaphore;

fn line() -> String {
    let mut s = String::new();
    std::io::stdin().lock().read_line(&mut s).unwrap();
    s.trim().to_owned()
}

fn say(s: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{s}").unwrap();
    out.flush().unwrap();
}

fn login(v: &serde_json::Value) -> Login {
    Login {
        person: serde_json::from_value(v["person"].clone()).unwrap(),
        device: v["device"].as_str().unwrap().parse().unwrap(),
        token: v["token"].as_str().unwrap().to_owned(),
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, urls, file] = args.as_slice() else {
        panic!("usage: storm-clients <ws url>[,<ws url>…] <logins file>");
    };
    let urls: Vec<String> = urls.split(',').map(str::to_owned).collect();
    let url_of = |i: usize| urls[i % urls.len()].clone();
    let logins: Vec<Login> = std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .map(|l| login(&serde_json::from_str(l).unwrap()))
        .collect();

    // 1. First contact, a few phones at a time, then offline work.
    let gate = Arc::new(Semaphore::new(32));
    let mut tasks = Vec::new();
    for (i, l) in logins.into_iter().enumerate() {
        let (url, gate) = (url_of(i), gate.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire().await.unwrap();
            let mut p = Phone::in_memory(&l);
            p.sync(&url).await;
            let order = p.store.order_ids().unwrap()[0];
            p.store.arrive(order, vec!["漏水".into()]).unwrap();
            p
        }));
    }
    let mut phones = Vec::new();
    for t in tasks {
        phones.push(t.await.unwrap());
    }
    say("ready");

    // 2. The storm.
    assert_eq!(line(), "go");
    let t = Instant::now();
    let mut tasks = Vec::new();
    for (i, mut p) in phones.into_iter().enumerate() {
        let url = url_of(i);
        tasks.push(tokio::spawn(async move {
            p.sync(&url).await;
            let acked = p.store.pending_changes().unwrap().is_empty();
            (acked, p.sent == 1 && p.received == 1, p)
        }));
    }
    let (mut acked, mut one_trip, mut phones) = (0usize, 0usize, Vec::new());
    for task in tasks {
        let (a, one, p) = task.await.unwrap();
        acked += usize::from(a);
        one_trip += usize::from(one);
        phones.push(p);
    }
    say(&format!(
        "acked {acked} {:.3} {one_trip}",
        t.elapsed().as_secs_f64()
    ));

    // 3. Idle sessions, held open until told.
    if line() != "hold" {
        return;
    }
    let n = phones.len();
    let (welcomed, mut welcomes) = tokio::sync::mpsc::unbounded_channel();
    let mut tasks = Vec::new();
    for (i, mut p) in phones.into_iter().enumerate() {
        let url = url_of(i);
        let gate = gate.clone();
        let welcomed = welcomed.clone();
        tasks.push(tokio::spawn(async move {
            let mut ws = {
                let _permit = gate.acquire().await.unwrap();
                let mut ws = p.connect(&url).await;
                let hello = p.session.hello(&p.store, chrono_now()).unwrap();
                p.send(&mut ws, &hello).await;
                let welcome = p.recv(&mut ws).await;
                assert!(matches!(welcome, Some(Frame::Welcome(_))));
                ws
            };
            welcomed.send(()).unwrap();
            // Idle: answer pings (the stream is read) until the server or the end.
            use futures_util::StreamExt;
            while let Some(Ok(_)) = ws.next().await {}
        }));
    }
    for _ in 0..n {
        welcomes.recv().await.unwrap();
    }
    say(&format!("holding {n}"));
    let _ = line();
    drop(tasks);
}
