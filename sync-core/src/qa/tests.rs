use super::*;

fn people() -> (UserId, UserId) {
    (UserId::new(), UserId::new())
}

fn full(scheme: &QaScheme) -> Vec<(String, u16)> {
    scheme
        .criteria
        .iter()
        .map(|c| (c.name.clone(), c.max_points))
        .collect()
}

fn new(scores: Vec<(String, u16)>, comment: &str) -> NewInspection {
    NewInspection {
        subject: Subject::Contact,
        subject_id: "c1".into(),
        scores,
        comment: comment.into(),
    }
}

#[test]
fn r_cs_qa_the_default_scheme_is_worth_100_points_and_passes_at_80() {
    let s = QaScheme::default();
    assert!(s.check().is_empty(), "{:?}", s.check());
    let total: u16 = s.criteria.iter().map(|c| c.max_points).sum();
    assert_eq!(total, 100);
    assert_eq!(s.pass_percent, 80);
}

#[test]
fn r_cs_qa_a_scheme_is_checked_whole() {
    let c = |n: &str, p: u16| Criterion {
        name: n.into(),
        max_points: p,
        guidance: String::new(),
    };
    // (criteria, pass mark, problems found)
    let cases: Vec<(Vec<Criterion>, u8, usize)> = vec![
        (vec![c("規範", 50), c("準確", 50)], 80, 0),
        (vec![], 80, 1),
        (vec![c("規範", 50)], 0, 1),
        (vec![c("規範", 50)], 101, 1),
        (vec![c(" ", 50)], 80, 1),
        (vec![c("規範", 0)], 80, 1),
        (vec![c("規範", 101)], 80, 1),
        (vec![c("規範", 10), c("規範 ", 10)], 80, 1),
        ((0..21).map(|i| c(&format!("c{i}"), 1)).collect(), 80, 1),
        (vec![c(&"字".repeat(101), 5), c("x", 0)], 80, 2),
    ];
    for (i, (criteria, pass_percent, want)) in cases.into_iter().enumerate() {
        let s = QaScheme {
            criteria,
            pass_percent,
        };
        assert_eq!(s.check().len(), want, "case {i}: {:?}", s.check());
    }
}

#[test]
fn r_cs_qa_an_inspection_scores_every_criterion_within_its_points() {
    let s = QaScheme::default();
    let (agent, qa) = people();
    let mut short = full(&s);
    short.pop();
    let mut over = full(&s);
    over[0].1 += 1;
    let mut twice = full(&s);
    twice.push(twice[0].clone());
    let mut unknown = full(&s);
    unknown.push(("速度".into(), 5));
    let mut docked = full(&s);
    docked[2].1 = 5; // 資訊準確 25 → 5: 80 of 100, passes just
    let mut failing = full(&s);
    failing[2].1 = 4; // 79: fails
    // (scores, comment, by the agent themself, Ok(points, passed) or the refusal's words)
    type Case<'a> = (
        Vec<(String, u16)>,
        &'a str,
        bool,
        Result<(u32, bool), &'a str>,
    );
    let cases: Vec<Case> = vec![
        (full(&s), "", false, Ok((100, true))),
        (docked.clone(), "收費標準答錯", false, Ok((80, true))),
        (
            failing.clone(),
            "收費標準答錯，未告知時限",
            false,
            Ok((79, false)),
        ),
        (docked, "", false, Err("need a comment")),
        (short, "x", false, Err("is not scored")),
        (over, "x", false, Err("at most 15 points")),
        (twice, "x", false, Err("scored twice")),
        (unknown, "x", false, Err("not a criterion")),
        (full(&s), "", true, Err("their own work")),
    ];
    for (i, (scores, comment, own, want)) in cases.into_iter().enumerate() {
        let by = if own { agent } else { qa };
        let got = Inspection::new(new(scores, comment), &s, agent, by, 1_000);
        match (got, want) {
            (Ok(x), Ok((points, passed))) => {
                assert_eq!(
                    (x.points, x.passed, x.max_points),
                    (points, passed, 100),
                    "case {i}"
                );
                assert_eq!(x.scores.len(), s.criteria.len(), "case {i}");
                assert_eq!(x.pass_percent, 80);
            }
            (Err(Error::Conflict(m)), Err(words)) => {
                assert!(
                    m.starts_with("R-CS-QA") && m.contains(words),
                    "case {i}: {m}"
                );
            }
            (got, want) => panic!("case {i}: {got:?}, wanted {want:?}"),
        }
    }
}

#[test]
fn r_cs_qa_an_inspection_keeps_the_scheme_it_was_made_under() {
    let mut s = QaScheme::default();
    let (agent, qa) = people();
    let x = Inspection::new(new(full(&s), ""), &s, agent, qa, 5).unwrap();
    s.criteria[0].max_points = 50;
    s.pass_percent = 95;
    // The record still says 15 points and 80 percent.
    assert_eq!(x.scores[0].max_points, 15);
    assert_eq!(x.pass_percent, 80);
    let back: Inspection = serde_json::from_str(&serde_json::to_string(&x).unwrap()).unwrap();
    assert_eq!(back, x);
}
