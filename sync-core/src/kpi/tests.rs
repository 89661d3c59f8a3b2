use super::*;
use crate::calendar::{Calendar, CalendarKind};
use crate::complaint::{NewComplaint, Remedy, RemedyKind};

fn c(part: u64, whole: u64) -> Count {
    Count { part, whole }
}

#[test]
fn r_cs_kpi_the_score_is_the_weighted_mean_of_what_was_measured() {
    let w = KpiWeights {
        quality: 40,
        satisfaction: 30,
        complaints: 30,
    };
    // (quality, satisfaction, complaints, weights, score in basis points)
    let cases: Vec<(Count, Count, Count, KpiWeights, Option<u64>)> = vec![
        // 0.4·0.9 + 0.3·0.5 + 0.3·1 = 0.81
        (c(90, 100), c(1, 2), c(4, 4), w, Some(8100)),
        // No call-backs made: quality and complaints share it, 40:30 → (0.4·0.9 + 0.3·1)/0.7
        (c(90, 100), c(0, 0), c(4, 4), w, Some(9429)),
        // Only QA measured: the QA score itself.
        (c(2, 3), c(0, 0), c(0, 0), w, Some(6667)),
        // Nothing measured, or nothing weighed: no score.
        (c(0, 0), c(0, 0), c(0, 0), w, None),
        (
            c(1, 2),
            c(1, 2),
            c(1, 2),
            KpiWeights {
                quality: 0,
                satisfaction: 0,
                complaints: 0,
            },
            None,
        ),
        // A zero weight leaves its indicator out: satisfaction alone.
        (
            c(1, 10),
            c(3, 4),
            c(0, 5),
            KpiWeights {
                quality: 0,
                satisfaction: 50,
                complaints: 0,
            },
            Some(7500),
        ),
        // Half a basis point rounds up: 1/20000 = 0.5 bp.
        (c(1, 20_000), c(0, 0), c(0, 0), w, Some(1)),
        // Counts near the limits neither overflow nor panic.
        (
            c(u64::MAX, u64::MAX),
            c(u64::MAX, u64::MAX),
            c(0, u64::MAX),
            w,
            Some(7000),
        ),
    ];
    for (i, (quality, satisfaction, complaints, w, want)) in cases.into_iter().enumerate() {
        let x = Indicators {
            contacts: 7,
            quality,
            satisfaction,
            complaints,
        };
        assert_eq!(score(w, &x), want, "case {i}");
    }
}

#[test]
fn r_cs_kpi_complaint_steps_are_judged_by_their_own_deadlines() {
    // Received Mon 2 Nov; accepted on the 3rd (due within 10 working days); decided on
    // the 10th with 5 working days to tell (due the 17th); told on the 20th: late.
    let cal = Calendar::new(CalendarKind::Weekends);
    let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or(NaiveDate::MIN);
    let (desk, manager) = (UserId::new(), UserId::new());
    let n: NewComplaint = serde_json::from_value(serde_json::json!({
        "channel": "hotline", "complainant": "王", "by_customer_or_agent": true,
        "unit": "A-1", "subject": "漏水", "material_complete": true
    }))
    .unwrap();
    let mut x = Complaint::receive("c".into(), &n, 0, day(2), &cal, desk).unwrap();
    x.answer(day(3), "accept", None, None, (&cal, 15), desk)
        .unwrap();
    let apology = Remedy {
        kind: RemedyKind::Apology,
        order: None,
        amount: None,
        note: String::new(),
    };
    x.decide(day(10), ("upheld", "成立", &[apology]), (&cal, 5), manager)
        .unwrap();
    x.told(day(20), manager).unwrap();
    let steps = complaint_steps(&x);
    // Receiving has no deadline of its own: three steps, the last one late.
    assert_eq!(
        steps,
        vec![
            (desk, day(3), true),
            (manager, day(10), true),
            (manager, day(20), false),
        ]
    );
}
