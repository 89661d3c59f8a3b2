//! Facts merged from replicas that contradict the rules are kept and flagged.

use baoxiu_sync_core::{AnomalyKind, EventBody, RuleViolation, Status, WorkOrderDoc, state};

use crate::support::*;

fn merge(into: &mut WorkOrderDoc, from: &WorkOrderDoc) {
    into.apply_changes(from.all_changes()).unwrap();
}

#[test]
fn r_dispatch_work_by_a_concurrently_unassigned_technician_is_kept_and_flagged() {
    let o = Office1::new();
    let office_doc = o.dispatched();
    // The technician's phone has the order and goes into the basement.
    let mut phone = office_doc.fork_for(o.tech.device);
    let mut office_doc = office_doc;
    // Meanwhile the dispatcher gives the job to someone else.
    run(
        &mut office_doc,
        &o.ctx(&o.dispatcher, T0 + 100 * MIN),
        EventBody::Assigned {
            technicians: vec![o.tech2.user],
            reason: "改派".into(),
        },
    )
    .unwrap();
    // Offline, the first technician arrives and starts.
    run(
        &mut phone,
        &o.ctx(&o.tech, T0 + 118 * MIN),
        EventBody::Arrived {
            confirmed_items: vec!["漏水".into()],
        },
    )
    .unwrap();
    run(
        &mut phone,
        &o.ctx(&o.tech, T0 + 119 * MIN),
        EventBody::FeeTold {
            paid: true,
            items: faucet(12000, 5000),
            schedule: None,
        },
    )
    .unwrap();

    let mut a = office_doc.clone();
    merge(&mut a, &phone);
    let mut b = phone.clone();
    merge(&mut b, &office_doc);
    let (sa, sb) = (state(&a).unwrap(), state(&b).unwrap());
    assert_eq!(sa, sb, "every replica derives the same state");
    assert_eq!(a.heads(), b.heads());
    // Nothing was dropped: both the arrival and the reassignment are there.
    assert!(sa.arrival.is_some());
    assert_eq!(sa.technicians, vec![o.tech2.user]);
    let flagged: Vec<_> = sa
        .anomalies
        .iter()
        .filter(|x| matches!(x.kind, AnomalyKind::ConcurrentUnassignment { technician, .. } if technician == o.tech.user))
        .collect();
    assert_eq!(flagged.len(), 2, "{:?}", sa.anomalies);
    assert!(flagged.iter().all(|x| x.rule == "R-DISPATCH"));
}

#[test]
fn r_dispatch_work_after_a_known_unassignment_is_a_broken_rule() {
    let o = Office1::new();
    let mut doc = o.dispatched();
    run(
        &mut doc,
        &o.ctx(&o.dispatcher, T0 + 100 * MIN),
        EventBody::Assigned {
            technicians: vec![o.tech2.user],
            reason: "改派".into(),
        },
    )
    .unwrap();
    // A hostile or outdated client appends directly, bypassing the command check.
    let e = baoxiu_sync_core::Event {
        id: baoxiu_sync_core::EventId::new(),
        author: o.tech.clone(),
        at: T0 + 118 * MIN,
        offset: Some(0),
        body: EventBody::Arrived {
            confirmed_items: vec!["漏水".into()],
        },
    };
    doc.append(&e).unwrap();
    let s = state(&doc).unwrap();
    assert!(s.arrival.is_some(), "the fact is kept");
    assert!(s.anomalies.iter().any(|a| matches!(
        &a.kind,
        AnomalyKind::RuleBroken {
            violation: RuleViolation::NotAssignedToYou
        }
    ) && a.event == Some(e.id)));
}

#[test]
fn r_lifecycle_completion_concurrent_with_cancellation_is_kept_and_flagged() {
    let o = Office1::new();
    let base = o.consented();
    let mut phone = base.fork_for(o.tech.device);
    let mut office_doc = base.fork_for(o.dispatcher.device);
    run(
        &mut office_doc,
        &o.ctx(&o.dispatcher, T0 + 130 * MIN),
        EventBody::Cancelled {
            reason: "重複報修".into(),
        },
    )
    .unwrap();
    run(
        &mut phone,
        &o.ctx(&o.tech, T0 + 150 * MIN),
        complete_body(faucet(12000, 5000)),
    )
    .unwrap();
    let mut a = office_doc.clone();
    merge(&mut a, &phone);
    let mut b = phone.clone();
    merge(&mut b, &office_doc);
    let (sa, sb) = (state(&a).unwrap(), state(&b).unwrap());
    assert_eq!(sa, sb);
    assert!(sa.completion.is_some() && sa.cancelled.is_some());
    assert_eq!(sa.status, Status::Cancelled);
    assert_eq!(sa.anomalies.len(), 1, "{:?}", sa.anomalies);
}

#[test]
fn r_complete_fee_changed_concurrently_with_signature_shows_invalidated() {
    let o = Office1::new();
    let base = o.completed();
    let mut phone = base.fork_for(o.tech.device);
    let mut office_doc = base.fork_for(o.dispatcher.device);
    run(
        &mut office_doc,
        &o.ctx(&o.dispatcher, T0 + 151 * MIN),
        EventBody::FeesAmended {
            items: faucet(12000, 7000),
            reason: "更正工資".into(),
            paid: None,
            schedule: None,
        },
    )
    .unwrap();
    let s = state(&phone).unwrap();
    let sig = baoxiu_sync_core::Signature::new("王小明", &strokes(), s.fees.paid, &s.fees.items);
    run(
        &mut phone,
        &o.ctx(&o.tech, T0 + 152 * MIN),
        EventBody::CustomerSigned { signature: sig },
    )
    .unwrap();
    let mut a = office_doc.clone();
    merge(&mut a, &phone);
    let mut b = phone;
    merge(&mut b, &office_doc);
    let (sa, sb) = (state(&a).unwrap(), state(&b).unwrap());
    assert_eq!(sa, sb);
    assert!(!sa.customer_signature.as_ref().unwrap().valid);
    assert!(!sa.anomalies.is_empty());
}

#[test]
fn unreadable_events_are_kept_and_flagged() {
    let o = Office1::new();
    let mut doc = o.log();
    let mut forged = baoxiu_sync_core::Event {
        id: baoxiu_sync_core::EventId::new(),
        author: o.desk.clone(),
        at: T0,
        offset: None,
        body: EventBody::Note { text: "x".into() },
    };
    doc.append(&forged).unwrap();
    // An event from a newer app version with an unknown kind.
    forged.body = EventBody::Note { text: "y".into() };
    let json = forged.to_json().replace("\"note\"", "\"teleported\"");
    let mut am = automerge::Automerge::load(&doc.save()).unwrap();
    let events = match automerge::ReadDoc::get(&am, automerge::ROOT, "events").unwrap() {
        Some((_, id)) => id,
        None => panic!("no events"),
    };
    let len = automerge::ReadDoc::length(&am, &events);
    let mut tx = am.transaction();
    automerge::transaction::Transactable::insert(&mut tx, &events, len, json.as_str()).unwrap();
    tx.commit();
    let doc = WorkOrderDoc::load(&am.save(), o.desk.device).unwrap();
    let s = state(&doc).unwrap();
    assert_eq!(s.notes, vec!["x".to_string()]);
    assert!(
        s.anomalies
            .iter()
            .any(|a| matches!(a.kind, AnomalyKind::UnreadableEvent { index: 2, .. }))
    );
}
