use super::*;
use crate::model::Author;
use crate::supplies::issue::plan_issue;
use crate::supplies::ledger::tests::received;
use crate::supplies::{Ledger, StockFlag};

use crate::test_util::{author, fact};

fn line(item: &str, quantity: u64) -> Line {
    Line {
        item: item.into(),
        quantity,
    }
}

struct Case {
    facts: Vec<RequisitionFact>,
}

impl Case {
    fn new(head: &Author) -> Self {
        let mut c = Case { facts: Vec::new() };
        c.add(
            head,
            RequisitionBody::Requested {
                requisition: RequisitionId::new(),
                office: OfficeId::new(),
                department: "財務科".into(),
                lines: vec![line("a4", 5), line("pen", 10), line("a4", 1)],
            },
        );
        c
    }

    fn add(&mut self, who: &Author, body: RequisitionBody) -> EventId {
        let f = fact(who, self.facts.len(), body);
        let id = f.id;
        self.facts.push(f);
        id
    }

    fn state(&self) -> RequisitionState {
        reduce(&self.facts).expect("starts with a request")
    }

    fn problems(&self) -> Vec<RequisitionProblem> {
        self.state().flags.into_iter().map(|f| f.problem).collect()
    }
}

#[test]
fn r_sup_issue_approved_checked_then_issued_in_parts_as_stock_allows() {
    let (head, clerk) = (author(Role::DepartmentHead), author(Role::LogisticsClerk));
    let mut c = Case::new(&head);
    c.add(&head, RequisitionBody::Approved);
    c.add(&clerk, RequisitionBody::Checked);
    // The store holds 4 packs of A4 and plenty of pens: the clerk issues what there is.
    let ledger =
        Ledger::from_movements([received("r1", "a4", 0, 4), received("r2", "pen", 0, 100)])
            .unwrap();
    let s = c.state();
    let lines: Vec<Line> = s.requested.iter().map(|(i, q)| line(i, *q)).collect();
    let plan = plan_issue(&lines, &s.issued, &ledger).unwrap();
    let now: Vec<Line> = plan
        .iter()
        .filter(|l| l.issue > 0)
        .map(|l| line(&l.item, l.issue))
        .collect();
    c.add(
        &clerk,
        RequisitionBody::Issued {
            lines: now,
            override_reason: None,
        },
    );
    let s = c.state();
    assert_eq!(s.status, RequisitionStatus::PartlyIssued);
    assert_eq!(s.left("a4"), 2);
    assert_eq!(s.left("pen"), 0);
    // Stock arrives; the rest is issued.
    c.add(
        &clerk,
        RequisitionBody::Issued {
            lines: vec![line("a4", 2)],
            override_reason: None,
        },
    );
    let s = c.state();
    assert_eq!(s.status, RequisitionStatus::Issued);
    assert_eq!(s.flags, []);
    // Its issues are the ledger's movements.
    let mut ledger = ledger;
    ledger.extend(s.movements.clone()).unwrap();
    assert_eq!(ledger.level("a4"), -2);
    assert_eq!(ledger.level("pen"), 90);
    assert_eq!(s.movements.len(), 3);
}

#[test]
fn r_sup_issue_the_steps_and_their_roles_are_kept() {
    let (head, clerk, driver) = (
        author(Role::DepartmentHead),
        author(Role::LogisticsClerk),
        author(Role::Driver),
    );
    let issue = |lines: Vec<Line>| RequisitionBody::Issued {
        lines,
        override_reason: None,
    };
    type Step<'a> = (&'a Author, RequisitionBody);
    // (steps after the request, the problems)
    let cases: Vec<(Vec<Step<'_>>, Vec<RequisitionProblem>)> = vec![
        // Issued before the head's approval and the clerk's check.
        (
            vec![(&clerk, issue(vec![line("pen", 1)]))],
            vec![RequisitionProblem::OutOfOrder {
                status: RequisitionStatus::Requested,
            }],
        ),
        // Checked before approval.
        (
            vec![(&clerk, RequisitionBody::Checked)],
            vec![RequisitionProblem::OutOfOrder {
                status: RequisitionStatus::Requested,
            }],
        ),
        // Approved by someone who does not head the department.
        (
            vec![(&driver, RequisitionBody::Approved)],
            vec![RequisitionProblem::RoleNotAllowed { role: Role::Driver }],
        ),
        // More than asked for, or an item not asked for.
        (
            vec![
                (&head, RequisitionBody::Approved),
                (&clerk, RequisitionBody::Checked),
                (&clerk, issue(vec![line("pen", 11)])),
            ],
            vec![RequisitionProblem::BeyondRequest { item: "pen".into() }],
        ),
        (
            vec![
                (&head, RequisitionBody::Approved),
                (&clerk, RequisitionBody::Checked),
                (&clerk, issue(vec![line("toner", 1)])),
            ],
            vec![RequisitionProblem::BeyondRequest {
                item: "toner".into(),
            }],
        ),
        (
            vec![
                (&head, RequisitionBody::Approved),
                (&clerk, RequisitionBody::Checked),
                (&clerk, issue(vec![line("pen", 0)])),
            ],
            vec![RequisitionProblem::Quantity { item: "pen".into() }],
        ),
    ];
    for (steps, expected) in cases {
        let mut c = Case::new(&head);
        for (who, body) in steps {
            c.add(who, body);
        }
        assert_eq!(c.problems(), expected);
    }
}

/// Two clerks, each offline with a copy of the storeroom, issue the last packs to two
/// requisitions: both issues happened and are kept; the ledger flags the level below zero.
#[test]
fn r_sup_issue_two_clerks_offline_issuing_the_last_units_merge_with_a_flag() {
    let (head, clerk1, clerk2) = (
        author(Role::DepartmentHead),
        author(Role::LogisticsClerk),
        author(Role::LogisticsClerk),
    );
    let mut ledger = Ledger::from_movements([received("r1", "a4", 0, 6)]).unwrap();
    for clerk in [&clerk1, &clerk2] {
        let mut c = Case::new(&head);
        c.add(&head, RequisitionBody::Approved);
        c.add(clerk, RequisitionBody::Checked);
        // Each saw 6 packs in stock and issued the 6 asked for (the pens wait).
        c.add(
            clerk,
            RequisitionBody::Issued {
                lines: vec![line("a4", 6)],
                override_reason: None,
            },
        );
        let doc = RequisitionDoc::create(head.device, &c.facts[0]).unwrap();
        let mut copy = doc.fork_for(clerk.device);
        for f in &c.facts[1..] {
            copy.append(f).unwrap();
        }
        let s = state_of(&copy).unwrap();
        assert_eq!(s.status, RequisitionStatus::PartlyIssued);
        assert_eq!(s.left("a4"), 0);
        assert_eq!(s.flags, []);
        ledger.extend(s.movements).unwrap();
    }
    assert_eq!(ledger.level("a4"), -6);
    assert!(matches!(
        ledger.flags().as_slice(),
        [StockFlag::BelowZero { level: -6, .. }]
    ));
}
