//! One test per rule of shared/domain.md, named after its id, with its refusals.

use baoxiu_sync_core::{
    AnomalyKind, Channel, Error, EventBody, Money, NewOrder, PassFail, Role, RuleViolation as V,
    Signature, Status, create_order, state,
};

use crate::support::*;

#[test]
fn r_intake_logs_at_once_with_time_and_channel() {
    let o = Office1::new();
    let doc = o.log();
    let s = state(&doc).unwrap();
    assert_eq!(s.status, Status::Logged);
    assert_eq!(s.channel, Channel::Phone);
    assert_eq!(s.logged_at, T0);
    assert_eq!(s.created_by.user, o.desk.user);
    assert_eq!(s.timeline.len(), 1);
    assert_eq!(s.timeline[0].kind, "logged");
}

#[test]
fn r_intake_verbal_requests_are_logged_too() {
    let o = Office1::new();
    let (doc, _) = create_order(
        &o.ctx(&o.desk, T0),
        NewOrder {
            office: o.office.clone(),
            customer: customer(),
            channel: Channel::Verbal,
            description: "走廊燈不亮".into(),
            follow_up_of: None,
        },
    )
    .unwrap();
    assert_eq!(state(&doc).unwrap().channel, Channel::Verbal);
}

#[test]
fn r_intake_refuses_incomplete_requests_and_wrong_roles() {
    let o = Office1::new();
    let new = |desc: &str, unit: &str, channel| NewOrder {
        office: o.office.clone(),
        customer: baoxiu_sync_core::Customer {
            unit: unit.into(),
            ..customer()
        },
        channel,
        description: desc.into(),
        follow_up_of: None,
    };
    let refused = |r: Result<_, Error>| match r {
        Err(Error::Rule(v)) => v,
        other => panic!("expected a refusal, got {other:?}"),
    };
    assert_eq!(
        refused(create_order(
            &o.ctx(&o.desk, T0),
            new("", "12F", Channel::Phone)
        )),
        V::IntakeIncomplete {
            field: "description".into()
        }
    );
    assert_eq!(
        refused(create_order(
            &o.ctx(&o.desk, T0),
            new("漏水", " ", Channel::Phone)
        )),
        V::IntakeIncomplete {
            field: "unit".into()
        }
    );
    // A technician logs only follow-up jobs found on site.
    assert!(matches!(
        refused(create_order(
            &o.ctx(&o.tech, T0),
            new("漏水", "12F", Channel::Phone)
        )),
        V::RoleNotAllowed {
            role: Role::Technician,
            ..
        }
    ));
    assert!(matches!(
        refused(create_order(
            &o.ctx(&o.finance, T0),
            new("漏水", "12F", Channel::Phone)
        )),
        V::RoleNotAllowed {
            role: Role::Finance,
            ..
        }
    ));
    // A document gets exactly one `logged`.
    let mut doc = o.log();
    let again = EventBody::Logged {
        order: doc.order_id(),
        office: o.office.clone(),
        customer: customer(),
        channel: Channel::Phone,
        description: "again".into(),
        follow_up_of: None,
    };
    assert_refused(&mut doc, &o.ctx(&o.desk, T0), again, V::AlreadyLogged);
}

#[test]
fn r_intake_technician_logs_a_follow_up_job_found_on_site() {
    let o = Office1::new();
    let first = o.consented();
    let (doc, _) = create_order(
        &o.ctx(&o.tech, T0 + 130 * MIN),
        NewOrder {
            office: o.office.clone(),
            customer: customer(),
            channel: Channel::Field,
            description: "浴室排水管老化，建議更換".into(),
            follow_up_of: Some(first.order_id()),
        },
    )
    .unwrap();
    let s = state(&doc).unwrap();
    assert_eq!(s.follow_up_of, Some(first.order_id()));
    assert!(s.in_technician_scope(&o.tech.user));
    assert!(!s.in_technician_scope(&o.tech2.user));
}

#[test]
fn r_handover_received_within_30_minutes_is_on_time() {
    let o = Office1::new();
    let mut doc = o.log();
    run(
        &mut doc,
        &o.ctx(&o.desk, T0 + 5 * MIN),
        EventBody::HandedOver {
            to: o.dispatcher.user,
        },
    )
    .unwrap();
    let s = run(
        &mut doc,
        &o.ctx(&o.dispatcher, T0 + 30 * MIN),
        EventBody::Received,
    )
    .unwrap();
    assert_eq!(s.status, Status::Received);
    assert_eq!(s.handover_on_time, Some(true));
    assert!(s.anomalies.is_empty());
    assert_refused(
        &mut doc,
        &o.ctx(&o.dispatcher, T0 + 31 * MIN),
        EventBody::Received,
        V::AlreadyReceived,
    );
}

#[test]
fn r_handover_late_receipt_is_flagged() {
    let o = Office1::new();
    let mut doc = o.log();
    let s = run(
        &mut doc,
        &o.ctx(&o.dispatcher, T0 + 31 * MIN),
        EventBody::Received,
    )
    .unwrap();
    assert_eq!(s.handover_on_time, Some(false));
    assert!(matches!(
        s.anomalies[0].kind,
        AnomalyKind::LateHandover { minutes: 31 }
    ));
    assert_eq!(s.anomalies[0].rule, "R-HANDOVER");
}

#[test]
fn r_handover_only_the_engineering_manager_receives() {
    let o = Office1::new();
    let mut doc = o.log();
    assert_refused(
        &mut doc,
        &o.ctx(&o.tech, T0),
        EventBody::Received,
        V::RoleNotAllowed {
            role: Role::Technician,
            action: "received".into(),
        },
    );
}

#[test]
fn r_paid_manager_prices_paid_and_free_work() {
    let o = Office1::new();
    let mut doc = o.log();
    let d = o.ctx(&o.dispatcher, T0 + MIN);
    assert_refused(
        &mut doc,
        &d,
        EventBody::Priced {
            paid: true,
            items: faucet(1, 1),
        },
        V::NotReceived,
    );
    run(&mut doc, &d, EventBody::Received).unwrap();
    assert_refused(
        &mut doc,
        &d,
        EventBody::Priced {
            paid: true,
            items: vec![],
        },
        V::PaidWithoutPrice,
    );
    assert_refused(
        &mut doc,
        &d,
        EventBody::Priced {
            paid: false,
            items: faucet(100, 0),
        },
        V::FreeJobHasFees,
    );
    assert_refused(
        &mut doc,
        &d,
        EventBody::Priced {
            paid: true,
            items: faucet(-100, 500),
        },
        V::BadAmount,
    );
    assert_refused(
        &mut doc,
        &d,
        EventBody::Priced {
            paid: true,
            items: faucet(i64::MAX, 1),
        },
        V::BadAmount,
    );
    let s = run(
        &mut doc,
        &d,
        EventBody::Priced {
            paid: true,
            items: faucet(12000, 5000),
        },
    )
    .unwrap();
    assert_eq!(s.status, Status::Priced);
    assert_eq!(s.paid, Some(true));
    assert_eq!(
        (s.fees.materials, s.fees.labour, s.fees.total),
        (Money(12000), Money(5000), Money(17000))
    );
    // Free work (無償) is priced at zero.
    let s = run(
        &mut doc,
        &d,
        EventBody::Priced {
            paid: false,
            items: faucet(0, 0),
        },
    )
    .unwrap();
    assert_eq!(s.fees.total, Money(0));
    assert_eq!(s.paid, Some(false));
}

#[test]
fn r_dispatch_assigns_only_priced_orders_and_binds_work_to_the_assignee() {
    let o = Office1::new();
    let mut doc = o.log();
    let d = o.ctx(&o.dispatcher, T0 + MIN);
    run(&mut doc, &d, EventBody::Received).unwrap();
    let assign = |t: &baoxiu_sync_core::Author| EventBody::Assigned {
        technicians: vec![t.user],
        reason: String::new(),
    };
    assert_refused(&mut doc, &d, assign(&o.tech), V::NotPriced);
    run(
        &mut doc,
        &d,
        EventBody::Priced {
            paid: false,
            items: vec![],
        },
    )
    .unwrap();
    assert_refused(
        &mut doc,
        &d,
        EventBody::Assigned {
            technicians: vec![],
            reason: String::new(),
        },
        V::NoTechnician,
    );
    assert_refused(
        &mut doc,
        &o.ctx(&o.desk, T0),
        assign(&o.tech),
        V::RoleNotAllowed {
            role: Role::FrontDesk,
            action: "assigned".into(),
        },
    );
    let s = run(&mut doc, &d, assign(&o.tech)).unwrap();
    assert_eq!(s.status, Status::Assigned);
    assert_eq!(s.technicians, vec![o.tech.user]);
    run(
        &mut doc,
        &d,
        EventBody::AppointmentSet { at: T0 + 60 * MIN },
    )
    .unwrap();
    // Another technician cannot work this order.
    assert_refused(
        &mut doc,
        &o.ctx(&o.tech2, T0 + 55 * MIN),
        EventBody::Arrived {
            confirmed_items: vec!["x".into()],
        },
        V::NotAssignedToYou,
    );
    // Reassignment moves the job.
    run(&mut doc, &d, assign(&o.tech2)).unwrap();
    let s = run(
        &mut doc,
        &o.ctx(&o.tech2, T0 + 55 * MIN),
        EventBody::Arrived {
            confirmed_items: vec!["x".into()],
        },
    )
    .unwrap();
    assert_eq!(s.arrival.unwrap().by, o.tech2.user);
}

#[test]
fn r_appoint_arrival_within_ten_minutes_is_on_time() {
    let o = Office1::new();
    let mut doc = o.dispatched();
    let s = run(
        &mut doc,
        &o.ctx(&o.tech, T0 + 130 * MIN),
        EventBody::Arrived {
            confirmed_items: vec!["漏水".into()],
        },
    )
    .unwrap();
    assert_eq!(s.arrived_on_time, Some(true));
    assert!(s.anomalies.is_empty());
}

#[test]
fn r_appoint_late_arrival_without_consented_reschedule_is_flagged() {
    let o = Office1::new();
    let mut doc = o.dispatched();
    // A new time the customer did not agree to is refused…
    assert_refused(
        &mut doc,
        &o.ctx(&o.tech, T0 + 100 * MIN),
        EventBody::Rescheduled {
            at: T0 + 180 * MIN,
            customer_consented: false,
            reason: "塞車".into(),
        },
        V::RescheduleNeedsConsent,
    );
    // …so arriving at +131 min is late.
    let s = run(
        &mut doc,
        &o.ctx(&o.tech, T0 + 131 * MIN),
        EventBody::Arrived {
            confirmed_items: vec!["漏水".into()],
        },
    )
    .unwrap();
    assert_eq!(s.arrived_on_time, Some(false));
    assert!(matches!(
        s.anomalies[0].kind,
        AnomalyKind::LateArrival {
            minutes_after_appointment: 11
        }
    ));
    assert_eq!(s.anomalies[0].rule, "R-APPOINT");
}

#[test]
fn r_appoint_consented_reschedule_before_the_deadline_moves_the_appointment() {
    let o = Office1::new();
    let mut doc = o.dispatched();
    let s = run(
        &mut doc,
        &o.ctx(&o.tech, T0 + 100 * MIN),
        EventBody::Rescheduled {
            at: T0 + 180 * MIN,
            customer_consented: true,
            reason: "前一單延誤，已徵得同意".into(),
        },
    )
    .unwrap();
    assert_eq!(s.appointment.as_ref().unwrap().at, T0 + 180 * MIN);
    let s = run(
        &mut doc,
        &o.ctx(&o.tech, T0 + 185 * MIN),
        EventBody::Arrived {
            confirmed_items: vec!["漏水".into()],
        },
    )
    .unwrap();
    assert_eq!(s.arrived_on_time, Some(true));
    assert!(s.anomalies.is_empty());
}

#[test]
fn r_appoint_reschedule_after_the_deadline_does_not_excuse_lateness() {
    let o = Office1::new();
    let mut doc = o.dispatched();
    // Agreed only at +140 min, after appointment (+120) + 10 had passed.
    let s = run(
        &mut doc,
        &o.ctx(&o.tech, T0 + 140 * MIN),
        EventBody::Rescheduled {
            at: T0 + 180 * MIN,
            customer_consented: true,
            reason: "遲到後才致電".into(),
        },
    )
    .unwrap();
    assert_eq!(s.appointment.as_ref().unwrap().at, T0 + 120 * MIN);
    let s = run(
        &mut doc,
        &o.ctx(&o.tech, T0 + 175 * MIN),
        EventBody::Arrived {
            confirmed_items: vec!["漏水".into()],
        },
    )
    .unwrap();
    assert_eq!(s.arrived_on_time, Some(false));
}

#[test]
fn r_appoint_corrected_device_time_decides_lateness() {
    let o = Office1::new();
    let mut doc = o.dispatched();
    // The phone's clock is 15 minutes fast; its measured offset corrects it.
    let mut ctx = o.ctx(&o.tech, T0 + 140 * MIN);
    ctx.offset = Some(-15 * MIN);
    let s = run(
        &mut doc,
        &ctx,
        EventBody::Arrived {
            confirmed_items: vec!["漏水".into()],
        },
    )
    .unwrap();
    assert_eq!(s.arrival.as_ref().unwrap().at, T0 + 125 * MIN);
    assert_eq!(s.arrived_on_time, Some(true));
    // Without a known offset the time is marked uncertain.
    let mut doc = o.dispatched();
    let mut ctx = o.ctx(&o.tech, T0 + 125 * MIN);
    ctx.offset = None;
    let s = run(
        &mut doc,
        &ctx,
        EventBody::Arrived {
            confirmed_items: vec!["漏水".into()],
        },
    )
    .unwrap();
    assert!(!s.arrival.unwrap().time_certain);
}

#[test]
fn r_arrive_confirms_on_site_what_is_to_be_repaired() {
    let o = Office1::new();
    let mut doc = o.log();
    let t = o.ctx(&o.tech, T0 + 118 * MIN);
    let arrive = |items: Vec<&str>| EventBody::Arrived {
        confirmed_items: items.into_iter().map(String::from).collect(),
    };
    assert_refused(&mut doc, &t, arrive(vec!["漏水"]), V::NotAssignedToYou);
    let mut doc = o.dispatched();
    assert_refused(&mut doc, &t, arrive(vec![]), V::NothingConfirmed);
    assert_refused(&mut doc, &t, arrive(vec!["  "]), V::NothingConfirmed);
    let s = run(&mut doc, &t, arrive(vec!["水龍頭漏水", "止水閥鏽蝕"])).unwrap();
    assert_eq!(s.status, Status::OnSite);
    assert_eq!(s.confirmed_items.len(), 2);
    assert_refused(&mut doc, &t, arrive(vec!["again"]), V::AlreadyArrived);
}

#[test]
fn r_consent_work_starts_only_after_the_customer_agrees() {
    let o = Office1::new();
    let mut doc = o.dispatched();
    let t = o.ctx(&o.tech, T0 + 118 * MIN);
    assert_refused(
        &mut doc,
        &t,
        EventBody::FeeTold {
            paid: true,
            items: faucet(12000, 5000),
        },
        V::NotOnSite,
    );
    run(
        &mut doc,
        &t,
        EventBody::Arrived {
            confirmed_items: vec!["漏水".into()],
        },
    )
    .unwrap();
    assert_refused(&mut doc, &t, EventBody::ConsentGiven, V::FeeNotTold);
    run(
        &mut doc,
        &t,
        EventBody::FeeTold {
            paid: true,
            items: faucet(12000, 5000),
        },
    )
    .unwrap();
    // Work before consent → ConsentRequired.
    assert_refused(
        &mut doc,
        &t,
        complete_body(faucet(12000, 5000)),
        V::ConsentRequired,
    );
    assert_refused(
        &mut doc,
        &t,
        EventBody::MaterialChecked {
            name: "水龍頭".into(),
            supplied_by_customer: true,
            result: PassFail::Pass,
            note: String::new(),
        },
        V::ConsentRequired,
    );
    let s = run(&mut doc, &t, EventBody::ConsentGiven).unwrap();
    assert_eq!(s.status, Status::InProgress);
    assert_refused(
        &mut doc,
        &t,
        EventBody::ConsentRefused {
            reason: "改變主意".into(),
        },
        V::ConsentAlreadyGiven,
    );
}

#[test]
fn r_consent_refusal_ends_the_job_without_work() {
    let o = Office1::new();
    let mut doc = o.dispatched();
    let t = o.ctx(&o.tech, T0 + 118 * MIN);
    run(
        &mut doc,
        &t,
        EventBody::Arrived {
            confirmed_items: vec!["漏水".into()],
        },
    )
    .unwrap();
    run(
        &mut doc,
        &t,
        EventBody::FeeTold {
            paid: true,
            items: faucet(12000, 5000),
        },
    )
    .unwrap();
    let s = run(
        &mut doc,
        &t,
        EventBody::ConsentRefused {
            reason: "費用太高".into(),
        },
    )
    .unwrap();
    assert_eq!(s.status, Status::Refused);
    assert_refused(
        &mut doc,
        &t,
        complete_body(faucet(12000, 5000)),
        V::JobEnded,
    );
    assert_refused(
        &mut doc,
        &t,
        EventBody::PremisesConsent {
            what: "移動櫥櫃".into(),
            granted: true,
        },
        V::JobEnded,
    );
    // The dispatcher can reopen it (e.g. the customer calls back and agrees).
    let s = run(
        &mut doc,
        &o.ctx(&o.dispatcher, T0 + 200 * MIN),
        EventBody::Reopened {
            reason: "客戶回電同意".into(),
        },
    )
    .unwrap();
    assert_eq!(s.status, Status::Scheduled);
    assert_eq!(s.reopened, 1);
}

#[test]
fn r_premises_consent_and_damage_with_apology_and_compensation() {
    let o = Office1::new();
    let mut doc = o.consented();
    let t = o.ctx(&o.tech, T0 + 125 * MIN);
    run(
        &mut doc,
        &t,
        EventBody::PremisesConsent {
            what: "移動洗碗機".into(),
            granted: true,
        },
    )
    .unwrap();
    assert_refused(
        &mut doc,
        &t,
        EventBody::DamageRecorded {
            what: "磁磚裂".into(),
            compensation: Money(80000),
            apologised: false,
        },
        V::DamageNeedsApology,
    );
    assert_refused(
        &mut doc,
        &t,
        EventBody::DamageRecorded {
            what: "磁磚裂".into(),
            compensation: Money(-1),
            apologised: true,
        },
        V::BadAmount,
    );
    let s = run(
        &mut doc,
        &t,
        EventBody::DamageRecorded {
            what: "磁磚裂".into(),
            compensation: Money(80000),
            apologised: true,
        },
    )
    .unwrap();
    assert!(s.premises[0].granted);
    assert_eq!(s.damages[0].compensation, Money(80000));
}

#[test]
fn r_materials_customer_supplied_parts_are_checked_and_failures_block_completion() {
    let o = Office1::new();
    let mut doc = o.consented();
    let t = o.ctx(&o.tech, T0 + 125 * MIN);
    let check = |r| EventBody::MaterialChecked {
        name: "客戶自購水龍頭".into(),
        supplied_by_customer: true,
        result: r,
        note: String::new(),
    };
    let s = run(&mut doc, &t, check(PassFail::Fail)).unwrap();
    assert_eq!(
        s.latest_material_result("客戶自購水龍頭"),
        Some(PassFail::Fail)
    );
    assert_refused(
        &mut doc,
        &t,
        complete_body(faucet(12000, 5000)),
        V::MaterialFailed {
            name: "客戶自購水龍頭".into(),
        },
    );
    // The customer brings a good one; it passes, and the job can complete.
    run(&mut doc, &t, check(PassFail::Pass)).unwrap();
    let s = run(&mut doc, &t, complete_body(faucet(12000, 5000))).unwrap();
    assert_eq!(s.status, Status::Completed);
    assert_eq!(s.materials.len(), 2);
}

#[test]
fn r_complete_needs_test_cleanup_itemised_fees_and_signatures() {
    let o = Office1::new();
    let mut doc = o.consented();
    let t = o.ctx(&o.tech, T0 + 150 * MIN);
    let done = |test, clean, items| EventBody::Completed {
        test_result: test,
        cleaned_up: clean,
        items,
        notes: "ok".into(),
    };
    assert_refused(
        &mut doc,
        &t,
        done(PassFail::Fail, true, faucet(12000, 5000)),
        V::TestNotPassed,
    );
    assert_refused(
        &mut doc,
        &t,
        done(PassFail::Pass, false, faucet(12000, 5000)),
        V::NotCleanedUp,
    );
    assert_refused(
        &mut doc,
        &t,
        done(PassFail::Pass, true, vec![]),
        V::PaidWithoutItems,
    );
    assert_refused(
        &mut doc,
        &t,
        EventBody::TechnicianSigned,
        V::CustomerNotSigned,
    );
    let s = run(
        &mut doc,
        &t,
        done(PassFail::Pass, true, faucet(12000, 6000)),
    )
    .unwrap();
    assert_eq!(s.status, Status::Completed);
    assert_eq!(s.fees.total, Money(18000));
    // A signature for other fees is refused.
    let wrong = Signature::new("王小明", &strokes(), true, &faucet(12000, 5000));
    assert_refused(
        &mut doc,
        &t,
        EventBody::CustomerSigned { signature: wrong },
        V::SignatureMismatch,
    );
    let empty = Signature::new("王小明", &[], true, &faucet(12000, 6000));
    assert_refused(
        &mut doc,
        &t,
        EventBody::CustomerSigned { signature: empty },
        V::EmptySignature,
    );
    let sig = Signature::new("王小明", &strokes(), true, &faucet(12000, 6000));
    let s = run(
        &mut doc,
        &t,
        EventBody::CustomerSigned {
            signature: sig.clone(),
        },
    )
    .unwrap();
    assert_eq!(s.status, Status::Accepted);
    assert!(s.customer_signature.as_ref().unwrap().valid);
    assert_refused(
        &mut doc,
        &t,
        EventBody::CustomerSigned { signature: sig },
        V::AlreadySigned,
    );
    let s = run(&mut doc, &t, EventBody::TechnicianSigned).unwrap();
    assert_eq!(s.status, Status::Closed);
    // The strokes survive intact for drawing.
    let drawn = baoxiu_sync_core::signature::decode_strokes(&s.customer_signature.unwrap().strokes)
        .unwrap();
    assert_eq!(drawn, strokes());
}

#[test]
fn r_complete_fee_change_after_signature_invalidates_acceptance() {
    let o = Office1::new();
    let mut doc = o.signed();
    let s = run(
        &mut doc,
        &o.ctx(&o.dispatcher, T0 + 200 * MIN),
        EventBody::FeesAmended {
            items: faucet(12000, 9000),
            reason: "補計夜間工資".into(),
        },
    )
    .unwrap();
    let sig = s.customer_signature.unwrap();
    assert!(!sig.valid, "the signature covered 170.00, not 210.00");
    assert!(
        s.anomalies
            .iter()
            .any(|a| matches!(a.kind, AnomalyKind::FeeChangedAfterSignature { .. }))
    );
}

#[test]
fn r_copies_finance_receipts_signed_paid_orders_and_collects_the_fee() {
    let o = Office1::new();
    let mut doc = o.completed();
    let f = o.ctx(&o.finance, T0 + 300 * MIN);
    let receipt = |amount| EventBody::ReceiptIssued {
        number: "R-2026-0001".into(),
        amount: Money(amount),
    };
    assert_refused(&mut doc, &f, receipt(17000), V::CustomerNotSigned);
    let mut doc = o.signed();
    assert_refused(
        &mut doc,
        &f,
        receipt(16000),
        V::AmountMismatch {
            amount: 16000,
            due: 17000,
        },
    );
    assert_refused(
        &mut doc,
        &f,
        EventBody::FeeCollected {
            amount: Money(17000),
            method: "cash".into(),
        },
        V::NoReceipt,
    );
    assert_refused(
        &mut doc,
        &o.ctx(&o.tech, T0),
        receipt(17000),
        V::RoleNotAllowed {
            role: Role::Technician,
            action: "receipt_issued".into(),
        },
    );
    run(&mut doc, &f, receipt(17000)).unwrap();
    let s = run(
        &mut doc,
        &f,
        EventBody::FeeCollected {
            amount: Money(17000),
            method: "cash".into(),
        },
    )
    .unwrap();
    assert_eq!(s.receipt.unwrap().number, "R-2026-0001");
    assert_eq!(s.collection.unwrap().amount, Money(17000));
    assert_refused(
        &mut doc,
        &f,
        EventBody::FeeCollected {
            amount: Money(17000),
            method: "cash".into(),
        },
        V::AlreadyCollected,
    );
}

#[test]
fn r_copies_free_jobs_are_not_billed() {
    let o = Office1::new();
    let mut doc = o.log();
    let d = o.ctx(&o.dispatcher, T0 + MIN);
    run(&mut doc, &d, EventBody::Received).unwrap();
    run(
        &mut doc,
        &d,
        EventBody::Priced {
            paid: false,
            items: vec![],
        },
    )
    .unwrap();
    run(
        &mut doc,
        &d,
        EventBody::Assigned {
            technicians: vec![o.tech.user],
            reason: String::new(),
        },
    )
    .unwrap();
    run(
        &mut doc,
        &d,
        EventBody::AppointmentSet { at: T0 + 60 * MIN },
    )
    .unwrap();
    let t = o.ctx(&o.tech, T0 + 60 * MIN);
    run(
        &mut doc,
        &t,
        EventBody::Arrived {
            confirmed_items: vec!["燈管".into()],
        },
    )
    .unwrap();
    run(
        &mut doc,
        &t,
        EventBody::FeeTold {
            paid: false,
            items: vec![],
        },
    )
    .unwrap();
    run(&mut doc, &t, EventBody::ConsentGiven).unwrap();
    let s = run(&mut doc, &t, complete_body(vec![])).unwrap();
    let sig = Signature::new("王小明", &strokes(), false, &s.fees.items);
    run(&mut doc, &t, EventBody::CustomerSigned { signature: sig }).unwrap();
    assert_refused(
        &mut doc,
        &o.ctx(&o.finance, T0 + 100 * MIN),
        EventBody::ReceiptIssued {
            number: "R-1".into(),
            amount: Money(0),
        },
        V::NotPaidJob,
    );
}

#[test]
fn r_lifecycle_cancel_and_reopen() {
    let o = Office1::new();
    let mut doc = o.dispatched();
    let d = o.ctx(&o.dispatcher, T0 + 30 * MIN);
    assert_refused(
        &mut doc,
        &d,
        EventBody::Reopened { reason: "x".into() },
        V::NotFinished,
    );
    let s = run(
        &mut doc,
        &d,
        EventBody::Cancelled {
            reason: "客戶自行修好".into(),
        },
    )
    .unwrap();
    assert_eq!(s.status, Status::Cancelled);
    assert_refused(
        &mut doc,
        &o.ctx(&o.tech, T0 + 118 * MIN),
        EventBody::Arrived {
            confirmed_items: vec!["x".into()],
        },
        V::Cancelled,
    );
    let s = run(
        &mut doc,
        &o.ctx(&o.supervisor, T0 + 40 * MIN),
        EventBody::Reopened {
            reason: "誤取消".into(),
        },
    )
    .unwrap();
    assert_eq!(s.status, Status::Scheduled);
    let mut done = o.completed();
    assert_refused(
        &mut done,
        &d,
        EventBody::Cancelled { reason: "x".into() },
        V::AlreadyFinished,
    );
}
