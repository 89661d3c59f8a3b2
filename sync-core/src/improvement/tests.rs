use super::*;

fn plan() -> Plan {
    Plan {
        cause: "夜間報修無人接聽，次日才派工".into(),
        biggest_factor: "夜班只有一人值守".into(),
        actions: vec![PlannedAction {
            what: "夜間來電轉接值班技工手機".into(),
            owner: Some(UserId::new()),
            due: NaiveDate::from_ymd_opt(2026, 12, 15),
        }],
    }
}

fn found(with_plan: bool) -> Improvement {
    Improvement::new(
        NewImprovement {
            problem: "十一月回訪：夜間報修響應慢".into(),
            source: Source::Callback,
            reference: "2026-11".into(),
            plan: with_plan.then(plan),
        },
        UserId::new(),
        1_000,
    )
    .unwrap()
}

fn act(leftover: &str) -> Step {
    Step::Act {
        consolidated: "夜間轉接寫入值班制度".into(),
        leftover: leftover.into(),
    }
}

fn check(resolved: bool) -> Step {
    Step::Check {
        results: "十二月夜間報修平均響應 25 分鐘".into(),
        resolved,
    }
}

fn done() -> Step {
    Step::Do {
        note: "十二月一日起夜間來電轉接".into(),
    }
}

#[derive(Debug, PartialEq)]
enum Want {
    Ok(Stage),
    Invalid,
    Conflict,
}

#[test]
fn pdca_register_table() {
    // (has a plan, steps before, the step, what it gives)
    let cases: Vec<(bool, Vec<Step>, Step, Want)> = vec![
        (true, vec![], done(), Want::Ok(Stage::Do)),
        (true, vec![], Step::Plan(plan()), Want::Ok(Stage::Plan)),
        // Do waits for the plan: a carried problem is planned first.
        (false, vec![], done(), Want::Conflict),
        (false, vec![Step::Plan(plan())], done(), Want::Ok(Stage::Do)),
        (true, vec![done()], done(), Want::Ok(Stage::Do)),
        (
            true,
            vec![done(); MAX_DONE - 1],
            done(),
            Want::Ok(Stage::Do),
        ),
        (true, vec![done(); MAX_DONE], done(), Want::Conflict),
        // Once carried out, the plan is what was done: not rewritten.
        (true, vec![done()], Step::Plan(plan()), Want::Conflict),
        (true, vec![], check(true), Want::Conflict),
        (true, vec![done()], check(true), Want::Ok(Stage::Check)),
        (true, vec![done(), check(true)], check(true), Want::Conflict),
        (true, vec![done(), check(true)], done(), Want::Conflict),
        (true, vec![done()], act(""), Want::Conflict),
        (
            true,
            vec![done(), check(true)],
            act(""),
            Want::Ok(Stage::Closed),
        ),
        (
            true,
            vec![done(), check(true)],
            act("週末仍慢"),
            Want::Ok(Stage::Closed),
        ),
        // Unresolved: what is left must be named, to carry it on.
        (true, vec![done(), check(false)], act(""), Want::Conflict),
        (
            true,
            vec![done(), check(false)],
            act("週末仍慢"),
            Want::Ok(Stage::Closed),
        ),
        (
            true,
            vec![done(), check(true), act("")],
            act(""),
            Want::Conflict,
        ),
        (
            true,
            vec![done(), check(true), act("")],
            done(),
            Want::Conflict,
        ),
        // Texts: required ones not blank, none over the limit.
        (true, vec![], Step::Do { note: "  ".into() }, Want::Invalid),
        (
            true,
            vec![],
            Step::Do {
                note: "長".repeat(MAX_IMPROVEMENT_TEXT + 1),
            },
            Want::Invalid,
        ),
        (
            true,
            vec![done()],
            Step::Check {
                results: String::new(),
                resolved: true,
            },
            Want::Invalid,
        ),
        (
            true,
            vec![],
            Step::Plan(Plan {
                actions: vec![],
                ..plan()
            }),
            Want::Invalid,
        ),
        (
            true,
            vec![],
            Step::Plan(Plan {
                biggest_factor: " ".into(),
                ..plan()
            }),
            Want::Invalid,
        ),
        (
            true,
            vec![],
            Step::Plan(Plan {
                actions: vec![plan().actions[0].clone(); MAX_ACTIONS + 1],
                ..plan()
            }),
            Want::Invalid,
        ),
    ];
    for (i, (with_plan, before, step, want)) in cases.into_iter().enumerate() {
        let mut x = found(with_plan);
        for s in before {
            x.step(s, UserId::new(), 2_000).unwrap();
        }
        let was = x.clone();
        let got = match x.step(step, UserId::new(), 3_000) {
            Ok(_) => Want::Ok(x.stage()),
            Err(Error::InvalidInput(_)) => Want::Invalid,
            Err(Error::Conflict(_)) => Want::Conflict,
            Err(e) => panic!("case {i}: {e}"),
        };
        assert_eq!(got, want, "case {i}");
        if !matches!(got, Want::Ok(_)) {
            assert_eq!(x, was, "case {i}: a refused step changes nothing");
        }
    }
}

#[test]
fn pdca_an_unresolved_problem_is_carried_into_the_next_cycle() {
    let mut x = found(true);
    let (by, at) = (UserId::new(), 9_000);
    x.step(done(), by, 5_000).unwrap();
    x.step(check(false), by, 6_000).unwrap();
    let next = x
        .step(act("  週末夜間仍無人接聽 "), by, at)
        .unwrap()
        .unwrap();
    assert_eq!(x.stage(), Stage::Closed);
    let acted = x.act.as_ref().unwrap();
    assert_eq!(acted.carried_to.as_deref(), Some(next.id.as_str()));
    assert_eq!(acted.leftover, "週末夜間仍無人接聽");
    assert_eq!(next.problem, "週末夜間仍無人接聽");
    assert_eq!(next.carried_from.as_deref(), Some(x.id.as_str()));
    assert_eq!((next.cycle, next.source), (2, Source::Callback));
    assert_eq!(next.reference, x.reference);
    assert_eq!((next.stage(), next.plan.is_none()), (Stage::Plan, true));
    assert_eq!((next.created_by, next.created_at), (by, at));
    // Solved with nothing left: no next cycle.
    let mut y = found(true);
    y.step(done(), by, 5_000).unwrap();
    y.step(check(true), by, 6_000).unwrap();
    assert!(y.step(act(""), by, at).unwrap().is_none());
    assert_eq!(y.act.unwrap().carried_to, None);
}

#[test]
fn pdca_a_problem_is_opened_with_its_texts_checked() {
    let new = |problem: &str, plan: Option<Plan>| {
        Improvement::new(
            NewImprovement {
                problem: problem.into(),
                source: Source::Site,
                reference: String::new(),
                plan,
            },
            UserId::new(),
            0,
        )
    };
    let x = new(" 大堂報修單填寫不全 ", None).unwrap();
    assert_eq!(
        (x.problem.as_str(), x.cycle, x.stage()),
        ("大堂報修單填寫不全", 1, Stage::Plan)
    );
    assert!(matches!(new(" ", None), Err(Error::InvalidInput(_))));
    let bad = Plan {
        cause: String::new(),
        ..plan()
    };
    assert!(matches!(new("x", Some(bad)), Err(Error::InvalidInput(_))));
}

#[test]
fn pdca_the_manager_takes_every_step_an_action_s_owner_records_what_was_done() {
    let x = found(true);
    let owner = x.plan.as_ref().unwrap().actions[0].owner.unwrap();
    let other = UserId::new();
    // (step, who, manager, may)
    let cases = [
        (done(), owner, false, true),
        (done(), other, false, false),
        (done(), other, true, true),
        (check(true), owner, false, false),
        (check(true), other, true, true),
        (Step::Plan(plan()), owner, false, false),
        (act("x"), owner, false, false),
    ];
    for (i, (step, who, manager, may)) in cases.into_iter().enumerate() {
        assert_eq!(x.may_take(&step, who, manager), may, "case {i}");
    }
    // No plan yet: nobody owns an action.
    assert!(!found(false).may_take(&done(), owner, false));
}
