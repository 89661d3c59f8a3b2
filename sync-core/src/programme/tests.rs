//! The call-back programme's tests (R-VISIT, R-VISIT-PLAN, R-VISIT-SURVEY, S5 25).

use super::*;
use crate::callback::CallbackPlan;
use crate::model::{OrderId, PassFail};
use crate::questionnaire::{Answer, check_answers};

fn draft() -> ProgrammeDraft {
    ProgrammeDraft {
        title: "第四季度滿意度回訪".into(),
        starts: "2026-10-01".into(),
        ends: "2026-12-31".into(),
        audience: "本季完成的小修業戶".into(),
        target: 40,
        kinds: vec![VisitKind::Satisfaction, VisitKind::RepairHeld],
        dimensions: Dimension::ALL.to_vec(),
        questions: vec!["還有什麼建議？".into()],
        schedule: vec![Round {
            on: "2026-11-02".into(),
            focus: "十月完成的訂單".into(),
            target: 20,
        }],
        methods: vec![CallbackMethod::Phone, CallbackMethod::OnlineSurvey],
    }
}

fn programme(d: ProgrammeDraft) -> Programme {
    Programme {
        id: "p1".into(),
        draft: d,
        created_by: UserId::new(),
        created_at: 0,
        updated_at: 0,
    }
}

fn result(reached: bool) -> CallbackResult {
    CallbackResult {
        reached,
        satisfaction: reached.then_some(4),
        ..CallbackResult::default()
    }
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
}

#[test]
fn r_visit_plan_a_programme_is_checked_whole() {
    type Edit = fn(&mut ProgrammeDraft);
    // (what is changed, problems found)
    let cases: Vec<(Edit, usize)> = vec![
        (|_| {}, 0),
        (|d| d.title = " ".into(), 1),
        (|d| d.ends = "2026-09-30".into(), 1), // before its start (rounds wait for a period)
        (|d| d.starts = "2026-13-01".into(), 1),
        (|d| d.starts = "2026-10-1".into(), 1),
        (|d| d.schedule[0].on = "2026-11-2".into(), 1),
        (|d| d.ends = "2027-12-31".into(), 1), // over a year
        (|d| d.audience = String::new(), 1),
        (|d| d.target = 0, 1),
        (|d| d.kinds.clear(), 1),
        (|d| d.kinds.push(VisitKind::Satisfaction), 1),
        (|d| d.dimensions.push(Dimension::Empathy), 1),
        (
            |d| {
                d.dimensions.clear();
                d.questions.clear();
            },
            1,
        ),
        (|d| d.questions.push("還有什麼建議？ ".into()), 1),
        (
            |d| d.questions = (0..11).map(|i| format!("q{i}")).collect(),
            1,
        ),
        (|d| d.questions.push("字".repeat(301)), 1),
        (|d| d.schedule[0].on = "2027-01-04".into(), 1),
        (|d| d.schedule[0].focus = String::new(), 1),
        (|d| d.schedule.push(d.schedule[0].clone()), 1),
        (|d| d.methods.clear(), 1),
        (|d| d.methods.push(CallbackMethod::Phone), 1),
    ];
    for (i, (edit, want)) in cases.into_iter().enumerate() {
        let mut d = draft();
        edit(&mut d);
        assert_eq!(d.check().len(), want, "case {i}: {:?}", d.check());
    }
}

#[test]
fn r_visit_plan_a_call_back_fits_its_programme() {
    let p = programme(draft());
    let phone = CallbackMethod::Phone;
    // (day, way, about a complaint, admitted)
    let cases = [
        ("2026-10-01", phone, false, true),
        ("2026-12-31", phone, false, true),
        ("2026-09-30", phone, false, false),
        ("2027-01-01", phone, false, false),
        ("2026-11-02", CallbackMethod::OnSite, false, false),
        ("2026-11-02", CallbackMethod::OnlineSurvey, false, true),
        // No complaint handling in its kinds.
        ("2026-11-02", phone, true, false),
    ];
    for (on, method, complaint, ok) in cases {
        let got = p.admits(day(on), method, complaint);
        assert_eq!(got.is_ok(), ok, "{on} {method} {complaint}: {got:?}");
    }
    let mut d = draft();
    d.kinds = vec![VisitKind::ComplaintHandling];
    let p = programme(d);
    assert!(p.admits(day("2026-11-02"), phone, true).is_ok());
    assert!(p.admits(day("2026-11-02"), phone, false).is_err());
}

#[test]
fn r_visit_who_calls_which_way() {
    // (way, role, fits)
    let cases = [
        (CallbackMethod::Phone, Role::CsAgent, true),
        (CallbackMethod::Phone, Role::CsManager, true),
        (CallbackMethod::Phone, Role::Technician, false),
        (CallbackMethod::OnSite, Role::Technician, true),
        (CallbackMethod::OnSite, Role::Dispatcher, true),
        (CallbackMethod::OnSite, Role::CsAgent, false),
        (CallbackMethod::OnlineSurvey, Role::CsManager, true),
        (CallbackMethod::OnlineSurvey, Role::CsAgent, false),
        (CallbackMethod::OnlineSurvey, Role::HeadOffice, false),
    ];
    for (method, role, fits) in cases {
        assert_eq!(method_fits(method, role), fits, "{method} {role:?}");
    }
}

#[test]
fn r_visit_a_failed_way_falls_back_to_the_next_the_programme_lists() {
    let mut d = draft();
    d.methods = vec![
        CallbackMethod::Phone,
        CallbackMethod::OnSite,
        CallbackMethod::OnlineSurvey,
    ];
    let p = programme(d);
    // (tried, next)
    let cases = [
        (CallbackMethod::Phone, Some(CallbackMethod::OnSite)),
        (CallbackMethod::OnSite, Some(CallbackMethod::OnlineSurvey)),
        (CallbackMethod::OnlineSurvey, None),
    ];
    for (tried, next) in cases {
        assert_eq!(p.next_method(tried), next, "{tried}");
    }
}

#[test]
fn r_visit_survey_answers_fit_the_questionnaire() {
    let mut d = draft();
    d.dimensions = vec![Dimension::Reliability, Dimension::Empathy];
    let p = programme(d);
    fn answer(q: &str) -> Answer {
        Answer {
            question: q.into(),
            answer: "很好".into(),
        }
    }
    type Edit = fn(&mut CallbackResult);
    // (what is answered, problems against the programme, passes the limits)
    let cases: Vec<(Edit, usize, bool)> = vec![
        (|_| {}, 0, true),
        (|r| r.scores.reliability = Some(5), 0, true),
        (|r| r.scores.tangibles = Some(5), 1, true),
        (|r| r.scores.empathy = Some(6), 0, false),
        (|r| r.scores.empathy = Some(0), 0, false),
        (|r| r.answers = vec![answer("還有什麼建議？")], 0, true),
        (|r| r.answers = vec![answer("別的問題")], 1, true),
        (
            |r| r.answers = vec![answer("還有什麼建議？"), answer("還有什麼建議？")],
            1,
            true,
        ),
        (
            |r| {
                r.answers = vec![Answer {
                    question: "還有什麼建議？".into(),
                    answer: "字".repeat(2001),
                }]
            },
            0,
            false,
        ),
        (
            |r| {
                *r = result(false);
                r.scores.reliability = Some(3);
            },
            0,
            false,
        ),
    ];
    for (i, (edit, problems, fits)) in cases.into_iter().enumerate() {
        let mut r = result(true);
        edit(&mut r);
        assert_eq!(p.check_result(&r).len(), problems, "case {i}");
        assert_eq!(
            check_answers(r.reached, &r.scores, &r.answers).is_ok(),
            fits,
            "case {i}"
        );
    }
}

#[test]
fn r_visit_record_keeps_the_questionnaire_answered() {
    let mut cb = CallbackPlan {
        order: Some(OrderId::new()),
        complaint: None,
        method: CallbackMethod::OnlineSurvey,
        planned_at: 0,
        assignee: None,
        content: String::new(),
        sample: None,
        programme: Some("p1".into()),
    }
    .into_callback(0);
    let mut r = result(true);
    r.scores.empathy = Some(2);
    r.answers = vec![Answer {
        question: "還有什麼建議？".into(),
        answer: "請準時".into(),
    }];
    assert!(cb.record(&r, UserId::new(), 5).is_ok());
    assert_eq!(cb.scores.empathy, Some(2));
    assert_eq!(cb.answers.len(), 1);
    assert_eq!(cb.programme.as_deref(), Some("p1"));
}

#[test]
fn s5_25_a_programme_counts_its_attempts_customers_and_answers() {
    let p = programme(draft());
    let order = OrderId::new();
    let by = UserId::new();
    let plan = |on: i64, method| {
        CallbackPlan {
            order: Some(order),
            complaint: None,
            method,
            planned_at: on,
            assignee: None,
            content: String::new(),
            sample: None,
            programme: Some("p1".into()),
        }
        .into_callback(0)
    };
    // Day numbers stand for dates: 2 is the round's day 2026-11-02.
    let mut failed = plan(2, CallbackMethod::Phone);
    let next = failed
        .record(
            &CallbackResult {
                fallback_method: Some(CallbackMethod::OnlineSurvey),
                fallback_at: Some(3),
                ..result(false)
            },
            by,
            2,
        )
        .ok()
        .flatten();
    let mut answered = next
        .map(|n| n.into_callback(2))
        .unwrap_or_else(|| plan(3, CallbackMethod::OnlineSurvey));
    let mut r = result(true);
    r.satisfaction = Some(5);
    r.repair_held = Some(PassFail::Pass);
    r.scores.reliability = Some(4);
    r.scores.empathy = Some(5);
    r.answers = vec![Answer {
        question: "還有什麼建議？".into(),
        answer: "很好".into(),
    }];
    assert!(answered.record(&r, by, 3).is_ok());
    let other = plan(9, CallbackMethod::Phone);
    let days = |ms: Millis| match ms {
        2 => Some(day("2026-11-02")),
        _ => Some(day("2026-11-20")),
    };
    let got = progress(&p, &[failed, answered.clone(), other], days, 4);
    assert_eq!(got.reached, 1, "one order reached, however many attempts");
    assert_eq!(
        got.attempts,
        Attempts {
            planned: 1,
            done: 1,
            failed: 1
        }
    );
    assert_eq!(got.rounds[0].1.failed, 1);
    assert_eq!(got.unscheduled.planned + got.unscheduled.done, 2);
    let survey = got
        .by_method
        .iter()
        .find(|(m, _)| *m == CallbackMethod::OnlineSurvey)
        .map(|(_, a)| *a);
    assert_eq!(survey.map(|a| a.done), Some(1));
    assert_eq!((got.satisfaction_count, got.satisfied), (1, 1));
    assert_eq!(got.dimensions.of(Dimension::Reliability), (4, 1));
    assert_eq!(got.dimensions.of(Dimension::Tangibles), (0, 0));
    assert_eq!(got.answers[0].1, vec![(answered.id, "很好".to_owned())]);
}
