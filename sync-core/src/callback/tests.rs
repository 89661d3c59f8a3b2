//! The call-back rules' tests (R-VISIT, R-VISIT-RECORD, R-MONTH's sample).

use super::*;

fn planned() -> Callback {
    CallbackPlan {
        order: Some(OrderId::new()),
        complaint: None,
        method: CallbackMethod::Phone,
        planned_at: 0,
        assignee: None,
        content: "滿意度".into(),
        sample: None,
        programme: None,
    }
    .into_callback(0)
}

fn result(reached: bool) -> CallbackResult {
    CallbackResult {
        reached,
        satisfaction: None,
        repair_held: None,
        problems: String::new(),
        responsible: None,
        content: String::new(),
        fallback_method: None,
        fallback_at: None,
        task_owner: None,
        scores: Default::default(),
        answers: Vec::new(),
    }
}

#[test]
fn r_visit_content_a_complaint_call_back_asks_about_the_handling() {
    let by = UserId::new();
    let about_complaint = || Callback {
        order: None,
        complaint: Some("c-1".into()),
        ..planned()
    };
    // (satisfaction, repair held, accepted?)
    let cases = [
        (Some(4), None, true),
        (None, None, false),
        (Some(4), Some(PassFail::Pass), false),
        (None, Some(PassFail::Fail), false),
    ];
    for (satisfaction, repair_held, ok) in cases {
        let mut cb = about_complaint();
        let r = CallbackResult {
            satisfaction,
            repair_held,
            ..result(true)
        };
        let got = cb.record(&r, by, 1);
        assert_eq!(got.is_ok(), ok, "{satisfaction:?} {repair_held:?}: {got:?}");
    }
    // Not reached: tried again another way, still about the complaint.
    let mut cb = about_complaint();
    let r = CallbackResult {
        fallback_method: Some(CallbackMethod::OnlineSurvey),
        ..result(false)
    };
    let next = cb
        .record(&r, by, 1)
        .ok()
        .flatten()
        .map(|n| (n.order, n.complaint));
    assert_eq!(next, Some((None, Some("c-1".to_owned()))));
}

#[test]
fn r_visit_record_table() {
    let by = UserId::new();
    // (result, accepted, status afterwards, a next attempt planned)
    let cases: Vec<(CallbackResult, bool, CallbackStatus, bool)> = vec![
        (
            CallbackResult {
                satisfaction: Some(5),
                ..result(true)
            },
            true,
            CallbackStatus::Done,
            false,
        ),
        (
            CallbackResult {
                repair_held: Some(PassFail::Fail),
                ..result(true)
            },
            true,
            CallbackStatus::Done,
            false,
        ),
        (result(true), false, CallbackStatus::Planned, false),
        (
            CallbackResult {
                satisfaction: Some(6),
                ..result(true)
            },
            false,
            CallbackStatus::Planned,
            false,
        ),
        (
            CallbackResult {
                satisfaction: Some(0),
                ..result(true)
            },
            false,
            CallbackStatus::Planned,
            false,
        ),
        (result(false), true, CallbackStatus::Failed, false),
        (
            CallbackResult {
                fallback_method: Some(CallbackMethod::OnSite),
                ..result(false)
            },
            true,
            CallbackStatus::Failed,
            true,
        ),
    ];
    for (i, (r, ok, status, next)) in cases.into_iter().enumerate() {
        let mut cb = planned();
        let out = cb.record(&r, by, 1_000);
        assert_eq!(out.is_ok(), ok, "case {i}");
        assert_eq!(cb.status, status, "case {i}");
        assert_eq!(out.ok().flatten().is_some(), next, "case {i}");
    }
}

#[test]
fn r_month_a_redraw_keeps_what_was_called_and_never_queues_an_order_twice() {
    let [a, b, c, d] = [(); 4].map(|()| OrderId::new());
    let with = |order, status| Callback {
        order: Some(order),
        status,
        ..planned()
    };
    let earlier = vec![
        with(a, CallbackStatus::Done),
        with(b, CallbackStatus::Planned),
        with(c, CallbackStatus::Planned),
        with(d, CallbackStatus::Cancelled),
    ];
    let id_of = |o| {
        earlier
            .iter()
            .find(|x| x.order == Some(o))
            .unwrap()
            .id
            .clone()
    };
    let too_long = "理由".repeat(251);
    // (reason, drawn anew, cancelled, planned anew); None: refused
    type Want = Option<(Vec<String>, Vec<OrderId>)>;
    let cases: Vec<(&str, Vec<OrderId>, Want)> = vec![
        // b stays drawn: kept; c leaves: cancelled; d's was cancelled: planned again.
        ("抽錯月份", vec![a, b, d], Some((vec![id_of(c)], vec![d]))),
        // The same orders again: nothing changes.
        ("重抽", vec![a, b, c], Some((vec![], vec![]))),
        // a was called: its call-back stays done even when a is not drawn again.
        ("重抽", vec![b, b], Some((vec![id_of(c)], vec![]))),
        ("", vec![a], None),
        ("   ", vec![a], None),
        (&too_long, vec![a], None),
    ];
    for (i, (reason, drawn, want)) in cases.into_iter().enumerate() {
        let got = redraw(reason, &earlier, &drawn)
            .ok()
            .map(|r| (r.cancel, r.plan));
        assert_eq!(got, want, "case {i}");
    }
}

#[test]
fn r_visit_progress_counts_each_order_once_by_its_best_call_back() {
    let [a, b, c, d] = [(); 4].map(|()| OrderId::new());
    let with = |order, status| Callback {
        order: Some(order),
        status,
        ..planned()
    };
    let cbs = [
        // a: failed, then reached on the fallback.
        with(a, CallbackStatus::Failed),
        with(a, CallbackStatus::Done),
        // b: failed, fallback planned.
        with(b, CallbackStatus::Failed),
        with(b, CallbackStatus::Planned),
        // c: failed with no fallback.
        with(c, CallbackStatus::Failed),
        // d: cancelled by a redraw: not in the programme.
        with(d, CallbackStatus::Cancelled),
    ];
    assert_eq!(
        progress(&cbs),
        Progress {
            done: 1,
            to_do: 1,
            unreachable: 1
        }
    );
}

#[test]
fn r_visit_a_recorded_call_back_is_not_recorded_again() {
    let mut cb = planned();
    let r = CallbackResult {
        satisfaction: Some(4),
        ..result(true)
    };
    assert!(cb.record(&r, UserId::new(), 1).is_ok());
    assert!(matches!(
        cb.record(&r, UserId::new(), 2),
        Err(Error::Conflict(_))
    ));
}

#[test]
fn r_visit_fallback_is_a_day_later_by_default() {
    let mut cb = planned();
    let next = cb
        .record(
            &CallbackResult {
                fallback_method: Some(CallbackMethod::OnlineSurvey),
                ..result(false)
            },
            UserId::new(),
            5_000,
        )
        .ok()
        .flatten();
    let next = next.map(|n| (n.method, n.planned_at, n.order));
    assert_eq!(
        next,
        Some((CallbackMethod::OnlineSurvey, 5_000 + DAY_MS, cb.order))
    );
}

#[test]
fn r_visit_a_fallback_the_same_way_stays_with_its_caller_another_way_waits() {
    let agent = UserId::new();
    // (the way tried again, still assigned to the agent)
    let cases = [
        (CallbackMethod::Phone, true),
        (CallbackMethod::OnSite, false),
        (CallbackMethod::OnlineSurvey, false),
    ];
    for (method, kept) in cases {
        let mut cb = Callback {
            assignee: Some(agent),
            ..planned()
        };
        let r = CallbackResult {
            fallback_method: Some(method),
            ..result(false)
        };
        let next = cb.record(&r, agent, 1).ok().flatten();
        assert_eq!(
            next.map(|n| n.assignee == Some(agent)),
            Some(kept),
            "{method}"
        );
    }
}

#[test]
fn methods_and_statuses_round_trip_as_text() {
    for m in [
        CallbackMethod::Phone,
        CallbackMethod::OnSite,
        CallbackMethod::OnlineSurvey,
    ] {
        assert_eq!(m.as_str().parse::<CallbackMethod>().ok(), Some(m));
        assert_eq!(
            serde_json::to_value(m).ok(),
            Some(serde_json::Value::String(m.as_str().into()))
        );
    }
    assert_eq!(
        "on_site".parse::<CallbackMethod>().ok(),
        Some(CallbackMethod::OnSite)
    );
    assert!("fax".parse::<CallbackMethod>().is_err());
    assert_eq!(
        "done".parse::<CallbackStatus>().ok(),
        Some(CallbackStatus::Done)
    );
}

#[test]
fn r_month_sample_is_reproducible_and_per_technician() {
    let (a, b) = (Some(UserId::new()), Some(UserId::new()));
    let mut completed: Vec<(Option<UserId>, OrderId)> =
        (0..20).map(|_| (a, OrderId::new())).collect();
    completed.extend((0..3).map(|_| (b, OrderId::new())));
    let one = draw_sample(&completed, 10, 1, 42).ok();
    let two = draw_sample(&completed, 10, 1, 42).ok();
    assert_eq!(one, two);
    let (orders, strata) = one.unwrap_or_default();
    // ⌈10 % of 20⌉ = 2; ⌈10 % of 3⌉ = 1 (and min 1).
    assert_eq!(orders.len(), 3);
    let drawn: Vec<(Option<UserId>, u64, u64)> = strata
        .iter()
        .map(|s| (s.technician, s.completed, s.drawn))
        .collect();
    assert!(drawn.contains(&(a, 20, 2)));
    assert!(drawn.contains(&(b, 3, 1)));
    // Another seed draws another sample (for this data: checked, not assumed).
    let other = (0..50u64)
        .filter_map(|s| draw_sample(&completed, 10, 1, s).ok())
        .any(|(o, _)| o != orders);
    assert!(other);
    assert!(draw_sample(&completed, 101, 1, 1).is_err());
}

#[test]
fn r_month_sample_minimum_is_capped_by_what_was_completed() {
    let t = Some(UserId::new());
    let completed = vec![(t, OrderId::new())];
    let (orders, _) = draw_sample(&completed, 0, 5, 1).unwrap_or_default();
    assert_eq!(orders.len(), 1);
}
