//! The stock ledger's merge, as a property: movements recorded on two devices offline —
//! some on both, each device in its own order, some delivered twice — merge into the same
//! levels at every instant and the same flags as the movements recorded in one place.

use baoxiu_sync_core::supplies::{Ledger, Movement, MovementKind};
use proptest::prelude::*;

fn movement() -> impl Strategy<Value = Movement> {
    (0u8..4, 0u8..5, 0i64..50, 1u64..20, any::<bool>()).prop_map(|(item, kind, at, q, over)| {
        let kind = match kind {
            0 => MovementKind::Received {
                quantity: q,
                vendor: "甲".into(),
                plan: None,
            },
            1 => MovementKind::Issued {
                quantity: q,
                department: "辦公室".into(),
                requisition: "r".into(),
                override_reason: over.then(|| "借用".into()),
            },
            2 => MovementKind::Returned {
                quantity: q,
                supplier: "甲".into(),
                reference: "RMA".into(),
                reason: "破損".into(),
            },
            3 => MovementKind::Exchanged {
                returned: q,
                received: q / 2,
                supplier: "甲".into(),
                reference: "EX".into(),
                reason: "不適用".into(),
            },
            _ => MovementKind::Adjusted {
                delta: i64::try_from(q).unwrap_or(0) - 10,
                count: "c".into(),
            },
        };
        Movement {
            id: String::new(),
            item: format!("item-{item}"),
            at,
            kind,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn stock_recorded_offline_on_two_devices_merges_without_loss(
        moves in proptest::collection::vec((movement(), 0u8..3), 1..60),
        order_a in any::<u64>(),
        order_b in any::<u64>(),
        instants in proptest::collection::vec(0i64..55, 1..6),
    ) {
        // Each movement its own id; on device A (0), B (1) or both (2, as after a sync).
        let all: Vec<(Movement, u8)> = moves
            .into_iter()
            .enumerate()
            .map(|(n, (mut m, on))| {
                m.id = format!("m{n:03}");
                (m, on)
            })
            .collect();
        let shuffled = |seed: u64, keep: &dyn Fn(u8) -> bool| {
            let mut v: Vec<Movement> =
                all.iter().filter(|(_, on)| keep(*on)).map(|(m, _)| m.clone()).collect();
            let mut x = seed | 1;
            for i in (1..v.len()).rev() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                v.swap(i, (x % (i as u64 + 1)) as usize);
            }
            v
        };
        let on_a = shuffled(order_a, &|on| on != 1);
        let on_b = shuffled(order_b, &|on| on != 0);
        // A's device, one movement at a time; then B's arrive, twice.
        let mut a = Ledger::new();
        for m in on_a.clone() {
            a.add(m).unwrap();
        }
        a.extend(on_b.clone()).unwrap();
        prop_assert_eq!(a.extend(on_b.clone()).unwrap(), 0);
        // B's device in bulk; then A's arrive.
        let mut b = Ledger::from_movements(on_b).unwrap();
        b.extend(on_a).unwrap();
        let one = Ledger::from_movements(all.iter().map(|(m, _)| m.clone())).unwrap();
        prop_assert_eq!(a.len(), one.len());
        prop_assert_eq!(b.len(), one.len());
        prop_assert_eq!(a.levels(), one.levels());
        prop_assert_eq!(b.levels(), one.levels());
        prop_assert_eq!(a.flags(), one.flags());
        prop_assert_eq!(b.flags(), one.flags());
        for t in instants {
            prop_assert_eq!(a.levels_at(t), one.levels_at(t));
            prop_assert_eq!(b.levels_at(t), one.levels_at(t));
        }
        // And the levels now are the movements' sum, item by item.
        for (item, level) in one.levels() {
            let sum: i64 = all
                .iter()
                .filter(|(m, _)| m.item == item)
                .map(|(m, _)| m.delta().unwrap())
                .sum();
            prop_assert_eq!(level, sum);
        }
    }
}
