//! Stock ledger benchmark (issue: "Vehicles and office supplies"): the level of every item
//! from a ledger of 1,000,000 movements (goal ≤ 50 ms), read from the movements at an
//! instant, and the levels now (kept as the ledger grows).
//!
//! Run: `cargo bench -p baoxiu-sync-core --bench ledger`

use std::hint::black_box;

use baoxiu_sync_core::supplies::{Ledger, Movement, MovementKind};
use criterion::{Criterion, criterion_group, criterion_main};

const MOVEMENTS: usize = 1_000_000;
const ITEMS: usize = 2_000;

/// A year of a storeroom: receipts, issues to departments, returns and adjustments,
/// spread over the items, every instant distinct.
fn ledger() -> Ledger {
    let movements = (0..MOVEMENTS).map(|n| {
        let item = format!("item-{:04}", (n * 7919) % ITEMS);
        let kind = match n % 10 {
            0..=2 => MovementKind::Received {
                quantity: 20,
                vendor: "甲".into(),
                plan: None,
            },
            3..=8 => MovementKind::Issued {
                quantity: 3,
                department: "辦公室".into(),
                requisition: format!("r{}", n / 10),
                override_reason: None,
            },
            _ => MovementKind::Adjusted {
                delta: -1,
                count: "q".into(),
            },
        };
        Movement {
            id: format!("m{n:07}"),
            item,
            at: 1_793_581_200_000 + i64::try_from(n).unwrap_or(0) * 30_000,
            kind,
        }
    });
    let l = Ledger::from_movements(movements).expect("movements within the limits");
    assert_eq!(l.len(), MOVEMENTS);
    l
}

fn bench(c: &mut Criterion) {
    let l = ledger();
    let mid = 1_793_581_200_000 + i64::try_from(MOVEMENTS / 2).unwrap_or(0) * 30_000;
    let mut g = c.benchmark_group("ledger");
    g.sample_size(20);
    g.bench_function(
        "levels of every item at an instant, 1,000,000 movements",
        |b| b.iter(|| black_box(l.levels_at(black_box(i64::MAX)))),
    );
    g.bench_function("levels of every item half-way through", |b| {
        b.iter(|| black_box(l.levels_at(black_box(mid))))
    });
    g.bench_function("levels of every item now (kept)", |b| {
        b.iter(|| black_box(l.levels()))
    });
    g.bench_function("flags (below zero) over the ledger", |b| {
        b.iter(|| black_box(l.flags()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
