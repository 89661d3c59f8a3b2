//! Helper for the sync benchmark: opens a replica, lists its orders, and prints the
//! process's resident memory (VmRSS) and peak (VmHWM) in KiB, so the figure is the
//! replica's alone. Usage: `replica-memory <db> <token>`

use std::sync::Arc;

fn status(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, db, token] = args.as_slice() else {
        return Err("usage: replica-memory <db> <token>".into());
    };
    let before = status("VmRSS:");
    let r: Arc<baoxiu_mobile_ffi::Replica> = baoxiu_mobile_ffi::Replica::open(
        db.clone(),
        "ws://127.0.0.1:9/sync".into(),
        token.clone(),
    )?;
    let list = r.list_orders()?;
    println!(
        "orders={} rss_before_kib={before} rss_kib={} peak_kib={}",
        list.len(),
        status("VmRSS:"),
        status("VmHWM:")
    );
    Ok(())
}
