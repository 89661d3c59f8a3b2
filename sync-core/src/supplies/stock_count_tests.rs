use super::*;
use crate::supplies::Catalogue;
use crate::supplies::catalogue::{Category, tests::item};
use crate::supplies::ledger::tests::{issued, received};
use crate::supplies::{Ledger, count::Quarter};
use crate::test_util::{author, fact};

const AS_OF: Millis = 1_800_000_000_000;

fn setting() -> (Ledger, Catalogue) {
    let ledger = Ledger::from_movements([
        received("a", "pen", AS_OF - 10, 40),
        issued("b", "pen", AS_OF - 5, 5, None),
        received("c", "a4", AS_OF - 10, 10),
    ])
    .unwrap();
    let mut cat = Catalogue::default();
    for code in ["pen", "a4"] {
        cat.add(item(code, Category::Stationery, &["甲", "乙"]));
    }
    (ledger, cat)
}

/// R-SUP-COUNT offline: the clerk's phone and a tablet count different shelves, and both
/// count the pens, with different figures; the copies merge; confirming is refused until
/// a recount settles the pens; the confirmed count's adjustments bring the ledger to the
/// count.
#[test]
fn r_sup_count_two_devices_count_offline_merge_and_confirm_after_a_recount() {
    let (phone_user, tablet_user) = (author(Role::LogisticsClerk), author(Role::LogisticsClerk));
    let opened = fact(
        &phone_user,
        0,
        CountBody::Opened {
            count: CountId::new(),
            office: OfficeId::new(),
            quarter: Quarter { year: 2027, q: 1 },
            as_of: AS_OF,
        },
    );
    let mut phone = CountDoc::create(phone_user.device, &opened).unwrap();
    let mut tablet = phone.fork_for(tablet_user.device);
    // Offline, at once.
    let pen_phone = fact(
        &phone_user,
        1,
        CountBody::Counted {
            item: "pen".into(),
            counted: 33,
            supersedes: vec![],
        },
    );
    phone.append(&pen_phone).unwrap();
    let pen_tablet = fact(
        &tablet_user,
        1,
        CountBody::Counted {
            item: "pen".into(),
            counted: 35,
            supersedes: vec![],
        },
    );
    tablet.append(&pen_tablet).unwrap();
    tablet
        .append(&fact(
            &tablet_user,
            2,
            CountBody::Counted {
                item: "a4".into(),
                counted: 10,
                supersedes: vec![],
            },
        ))
        .unwrap();
    // They merge: every line kept; the pens disagree.
    phone
        .apply_changes(tablet.changes_since(&phone.heads()))
        .unwrap();
    tablet
        .apply_changes(phone.changes_since(&tablet.heads()))
        .unwrap();
    let s = state_of(&phone).unwrap();
    assert_eq!(s.sheet.lines.len(), 3);
    assert_eq!(state_of(&tablet), Some(s.clone()));
    let (ledger, cat) = setting();
    let tally = s.sheet.tally();
    assert_eq!(tally.get("pen"), Some(&ItemCount::Disagree(vec![33, 35])));
    // A command refuses to confirm while they disagree.
    assert_eq!(
        check(
            &s,
            Role::LogisticsClerk,
            &CountBody::Confirmed {
                adjustments: vec![]
            }
        ),
        Err(CountProblem::ConfirmedWhileDisagreeing {
            items: vec!["pen".into()]
        })
    );
    // The recount settles it; the clerk confirms with the sheet's adjustments.
    phone
        .append(&fact(
            &phone_user,
            3,
            CountBody::Counted {
                item: "pen".into(),
                counted: 35,
                supersedes: vec![pen_phone.id, pen_tablet.id],
            },
        ))
        .unwrap();
    let s = state_of(&phone).unwrap();
    let adjustments: Vec<(String, i64)> = s
        .sheet
        .adjustments(&ledger, &cat)
        .unwrap()
        .into_iter()
        .map(|m| {
            let d = m.delta().unwrap_or(0);
            (m.item, d)
        })
        .collect();
    // The recount (35) and the A4 (10) agree with the ledger at the count: nothing to
    // adjust.
    assert!(adjustments.is_empty(), "{adjustments:?}");
    phone
        .append(&fact(&phone_user, 4, CountBody::Confirmed { adjustments }))
        .unwrap();
    let s = state_of(&phone).unwrap();
    assert!(s.confirmed_at.is_some());
    assert_eq!(s.flags, []);
}

#[test]
fn r_sup_count_the_confirmed_adjustments_bring_the_ledger_to_the_count() {
    let clerk = author(Role::LogisticsClerk);
    let mut facts = vec![fact(
        &clerk,
        0,
        CountBody::Opened {
            count: CountId::new(),
            office: OfficeId::new(),
            quarter: Quarter { year: 2027, q: 1 },
            as_of: AS_OF,
        },
    )];
    for (n, (item, counted)) in [("pen", 33), ("a4", 11)].into_iter().enumerate() {
        facts.push(fact(
            &clerk,
            n + 1,
            CountBody::Counted {
                item: item.into(),
                counted,
                supersedes: vec![],
            },
        ));
    }
    let (mut ledger, cat) = setting();
    let s = reduce(&facts).unwrap();
    let adjustments: Vec<(String, i64)> = s
        .sheet
        .adjustments(&ledger, &cat)
        .unwrap()
        .into_iter()
        .map(|m| {
            let d = m.delta().unwrap_or(0);
            (m.item, d)
        })
        .collect();
    assert_eq!(adjustments, [("a4".to_owned(), 1), ("pen".to_owned(), -2)]);
    facts.push(fact(
        &clerk,
        3,
        CountBody::Confirmed {
            adjustments: adjustments.clone(),
        },
    ));
    // A second device confirms the same: merged once; with other figures: flagged.
    facts.push(fact(&clerk, 4, CountBody::Confirmed { adjustments }));
    let s = reduce(&facts).unwrap();
    assert_eq!(s.flags, []);
    ledger.extend(s.movements()).unwrap();
    assert_eq!(ledger.level_at("pen", AS_OF), 33);
    assert_eq!(ledger.level_at("a4", AS_OF), 11);
    assert!(s.sheet.no_longer_matching(&ledger).is_empty());
    // (fact after the confirmation, by, what is flagged)
    let cases: Vec<(CountBody, Role, CountProblem)> = vec![
        (
            CountBody::Confirmed {
                adjustments: vec![("pen".into(), -1)],
            },
            Role::LogisticsClerk,
            CountProblem::ConfirmedDifferently,
        ),
        (
            CountBody::Counted {
                item: "pen".into(),
                counted: 1,
                supersedes: vec![],
            },
            Role::LogisticsClerk,
            CountProblem::AfterConfirmation,
        ),
        (
            CountBody::Counted {
                item: "pen".into(),
                counted: 1,
                supersedes: vec![],
            },
            Role::Driver,
            CountProblem::RoleNotAllowed { role: Role::Driver },
        ),
    ];
    for (body, role, problem) in cases {
        let mut more = facts.clone();
        more.push(fact(&author(role), 9, body));
        let s = reduce(&more).unwrap();
        assert_eq!(
            s.flags
                .iter()
                .map(|f| f.problem.clone())
                .collect::<Vec<_>>(),
            [problem]
        );
        // Kept all the same: the confirmed adjustments do not move.
        assert_eq!(s.movements().len(), 2);
    }
}
