use super::*;
use crate::model::{Author, DeviceId};
use crate::vehicles::repair::ItemKind;

/// The people of one office's fleet, each on a device of their own.
struct People {
    driver: Author,
    other_driver: Author,
    manager: Author,
    leader: Author,
    clerk: Author,
    shop: Author,
    technician: Author,
}

use crate::test_util::{author, fact};

fn people() -> People {
    People {
        driver: author(Role::Driver),
        other_driver: author(Role::Driver),
        manager: author(Role::FleetManager),
        leader: author(Role::Leader),
        clerk: author(Role::LogisticsClerk),
        shop: author(Role::Shop),
        technician: author(Role::Technician),
    }
}

fn ctx() -> RepairContext {
    RepairContext {
        shops: vec!["順安汽修".into()],
        settings: RepairSettings::default(),
    }
}

fn item(code: &str, kind: ItemKind, estimate: i64) -> RepairItem {
    RepairItem {
        code: code.into(),
        description: format!("項目 {code}"),
        kind,
        estimate: Money(estimate),
    }
}

/// Facts in order, a minute apart.
struct Case {
    facts: Vec<RepairFact>,
}

impl Case {
    fn new(p: &People) -> Self {
        let mut c = Case { facts: Vec::new() };
        c.add(
            &p.driver,
            RepairBody::Requested {
                repair: RepairId::new(),
                office: OfficeId::new(),
                plate: "ABC-1234".into(),
                fault: "剎車異響".into(),
            },
        );
        c
    }

    fn add(&mut self, who: &Author, body: RepairBody) -> EventId {
        let f = fact(who, self.facts.len(), body);
        let id = f.id;
        self.facts.push(f);
        id
    }

    fn state(&self) -> RepairState {
        reduce(&self.facts, &ctx()).expect("starts with a request")
    }

    fn problems(&self) -> Vec<RepairProblem> {
        self.state().flags.into_iter().map(|f| f.problem).collect()
    }

    /// Requested → assessed (a brake job, and a costly gearbox) → approved → filed.
    fn filed(p: &People, ceiling: Option<Money>) -> Self {
        let mut c = Case::new(p);
        c.add(
            &p.manager,
            RepairBody::Assessed {
                items: vec![
                    item("1", ItemKind::Work, 30_000),
                    item("2", ItemKind::Assembly, 450_000),
                ],
            },
        );
        c.add(&p.leader, RepairBody::Approved { ceiling });
        c.add(&p.clerk, RepairBody::Filed);
        c
    }
}

fn part(item: &str, price: i64) -> FittedPart {
    FittedPart {
        item: item.into(),
        part: "零件".into(),
        quantity: 1,
        unit_price: Money(price),
        warranty_months: 12,
    }
}

#[test]
fn r_veh_request_the_whole_procedure_in_order_leaves_no_flag() {
    let p = people();
    let mut c = Case::filed(&p, None);
    c.add(
        &p.driver,
        RepairBody::Sent {
            shop: "順安汽修".into(),
        },
    );
    // R-VEH-COSTLY: the gearbox is reviewed, then approved by the leader, before fitting.
    c.add(&p.manager, RepairBody::Reviewed { code: "2".into() });
    c.add(&p.leader, RepairBody::ItemApproved { code: "2".into() });
    c.add(
        &p.shop,
        RepairBody::PartFitted {
            part: part("2", 420_000),
        },
    );
    c.add(
        &p.shop,
        RepairBody::Completed {
            done: vec!["1".into(), "2".into()],
            labour: Money(30_000),
        },
    );
    let hash = c.state().acceptance_hash();
    c.add(&p.driver, RepairBody::Accepted { signed_hash: hash });
    let s = c.state();
    assert_eq!(s.flags, []);
    assert_eq!(s.status, RepairStatus::Accepted);
    assert_eq!(s.shop.as_deref(), Some("順安汽修"));
    assert!(s.acceptance_holds());
    assert!(s.filed_at > s.approved_at);
}

#[test]
fn r_veh_request_only_after_filing_to_a_designated_shop_by_the_driver_or_fleet_manager() {
    let p = people();
    // (filed first?, who sends, where, the problem)
    let cases = [
        (true, &p.driver, "順安汽修", None),
        (true, &p.manager, "順安汽修", None),
        (
            false,
            &p.driver,
            "順安汽修",
            Some(RepairProblem::SentBeforeFiled),
        ),
        (
            true,
            &p.driver,
            "路邊車行",
            Some(RepairProblem::UndesignatedShop {
                shop: "路邊車行".into(),
            }),
        ),
        (
            true,
            &p.technician,
            "順安汽修",
            Some(RepairProblem::RoleNotAllowed {
                role: Role::Technician,
            }),
        ),
        (
            true,
            &p.leader,
            "順安汽修",
            Some(RepairProblem::RoleNotAllowed { role: Role::Leader }),
        ),
    ];
    for (filed, who, shop, expected) in cases {
        let mut c = if filed {
            Case::filed(&p, None)
        } else {
            let mut c = Case::new(&p);
            c.add(&p.manager, RepairBody::Assessed { items: vec![] });
            c
        };
        c.add(who, RepairBody::Sent { shop: shop.into() });
        // The fact is kept either way: the vehicle went there.
        let s = c.state();
        assert_eq!(s.shop.as_deref(), Some(shop));
        assert_eq!(
            c.problems(),
            expected.into_iter().collect::<Vec<_>>(),
            "{:?} {shop}",
            who.role
        );
    }
    // A command checks the same rule before writing.
    let c = Case::filed(&p, None);
    assert_eq!(
        check(
            &c.state(),
            Role::Driver,
            p.driver.user,
            &RepairBody::Sent {
                shop: "路邊車行".into()
            },
            &ctx()
        ),
        Err(RepairProblem::UndesignatedShop {
            shop: "路邊車行".into()
        })
    );
}

#[test]
fn r_veh_scope_work_outside_the_authorisation_is_a_proposal_until_approved() {
    let p = people();
    let mut c = Case::filed(&p, None);
    c.add(
        &p.driver,
        RepairBody::Sent {
            shop: "順安汽修".into(),
        },
    );
    c.add(
        &p.shop,
        RepairBody::Proposed {
            item: item("3", ItemKind::Part, 8_000),
        },
    );
    assert_eq!(c.state().proposals.len(), 1);
    // Done before approval: flagged.
    let mut early = Case {
        facts: c.facts.clone(),
    };
    early.add(
        &p.shop,
        RepairBody::Completed {
            done: vec!["1".into(), "3".into()],
            labour: Money(0),
        },
    );
    assert_eq!(
        early.problems(),
        [RepairProblem::OutsideScope { code: "3".into() }]
    );
    // Reviewed and approved: part of the authorisation.
    c.add(&p.manager, RepairBody::Reviewed { code: "3".into() });
    c.add(&p.leader, RepairBody::ItemApproved { code: "3".into() });
    c.add(
        &p.shop,
        RepairBody::Completed {
            done: vec!["1".into(), "3".into()],
            labour: Money(0),
        },
    );
    let s = c.state();
    assert_eq!(s.flags, []);
    assert!(s.proposals.is_empty());
    assert!(s.items.iter().any(|i| i.code == "3"));
    // A part for an item nobody named at all.
    c.add(&p.shop, RepairBody::PartFitted { part: part("9", 1) });
    assert_eq!(
        c.problems(),
        [RepairProblem::OutsideScope { code: "9".into() }]
    );
}

#[test]
fn r_veh_costly_items_wait_for_the_review_and_the_leader_or_the_leader_s_ceiling() {
    let p = people();
    type Step<'a> = (&'a Author, RepairBody);
    // (ceiling, steps after sending, the problems)
    let cases: Vec<(Option<Money>, Vec<Step<'_>>, Vec<RepairProblem>)> = vec![
        // Fitted without approval.
        (
            None,
            vec![(
                &p.shop,
                RepairBody::PartFitted {
                    part: part("2", 420_000),
                },
            )],
            vec![RepairProblem::CostlyWithoutApproval { code: "2".into() }],
        ),
        // Approved before the review.
        (
            None,
            vec![(&p.leader, RepairBody::ItemApproved { code: "2".into() })],
            vec![RepairProblem::ApprovedBeforeReview { code: "2".into() }],
        ),
        // The fleet manager approves under the leader's ceiling (450,000 ≤ 500,000).
        (
            Some(Money(500_000)),
            vec![
                (&p.manager, RepairBody::Reviewed { code: "2".into() }),
                (&p.manager, RepairBody::ItemApproved { code: "2".into() }),
                (
                    &p.shop,
                    RepairBody::PartFitted {
                        part: part("2", 420_000),
                    },
                ),
            ],
            vec![],
        ),
        // …but not above it, nor without one.
        (
            Some(Money(400_000)),
            vec![
                (&p.manager, RepairBody::Reviewed { code: "2".into() }),
                (&p.manager, RepairBody::ItemApproved { code: "2".into() }),
            ],
            vec![RepairProblem::AboveCeiling { code: "2".into() }],
        ),
        (
            None,
            vec![
                (&p.manager, RepairBody::Reviewed { code: "2".into() }),
                (&p.manager, RepairBody::ItemApproved { code: "2".into() }),
            ],
            vec![RepairProblem::AboveCeiling { code: "2".into() }],
        ),
        // A part dearer than the office's threshold is costly in itself.
        (
            None,
            vec![(
                &p.shop,
                RepairBody::PartFitted {
                    part: part("1", 250_000),
                },
            )],
            vec![RepairProblem::CostlyWithoutApproval { code: "1".into() }],
        ),
    ];
    for (ceiling, steps, expected) in cases {
        let mut c = Case::filed(&p, ceiling);
        c.add(
            &p.driver,
            RepairBody::Sent {
                shop: "順安汽修".into(),
            },
        );
        for (who, body) in steps {
            c.add(who, body);
        }
        assert_eq!(c.problems(), expected, "ceiling {ceiling:?}");
    }
    // Every use of the ceiling is on the record.
    let mut c = Case::filed(&p, Some(Money(500_000)));
    c.add(&p.manager, RepairBody::Reviewed { code: "2".into() });
    c.add(&p.manager, RepairBody::ItemApproved { code: "2".into() });
    assert_eq!(c.state().ceiling_uses, [("2".to_owned(), Money(450_000))]);
}

#[test]
fn r_veh_costly_an_overhaul_needs_the_shop_s_quote_before_the_review_counts() {
    let p = people();
    let mut c = Case::new(&p);
    c.add(
        &p.manager,
        RepairBody::Assessed {
            items: vec![item("o", ItemKind::Overhaul, 0)],
        },
    );
    c.add(&p.leader, RepairBody::Approved { ceiling: None });
    c.add(&p.clerk, RepairBody::Filed);
    c.add(&p.manager, RepairBody::Reviewed { code: "o".into() });
    let mut unquoted = Case {
        facts: c.facts.clone(),
    };
    unquoted.add(&p.leader, RepairBody::ItemApproved { code: "o".into() });
    assert_eq!(
        unquoted.problems(),
        [RepairProblem::ApprovedBeforeReview { code: "o".into() }]
    );
    c.add(
        &p.shop,
        RepairBody::Quoted {
            code: "o".into(),
            amount: Money(3_000_000),
        },
    );
    c.add(&p.leader, RepairBody::ItemApproved { code: "o".into() });
    assert_eq!(c.problems(), []);
}

#[test]
fn r_veh_accept_by_the_requester_over_the_repair_as_it_stands() {
    let p = people();
    let mut c = Case::filed(&p, None);
    c.add(
        &p.driver,
        RepairBody::Sent {
            shop: "順安汽修".into(),
        },
    );
    c.add(
        &p.shop,
        RepairBody::Completed {
            done: vec!["1".into()],
            labour: Money(30_000),
        },
    );
    let hash = c.state().acceptance_hash();
    // (who signs, over what, the problem)
    let cases = [
        (&p.driver, hash.clone(), vec![]),
        (
            &p.other_driver,
            hash.clone(),
            vec![RepairProblem::AcceptanceMismatch],
        ),
        (
            &p.driver,
            "0".repeat(64),
            vec![RepairProblem::AcceptanceMismatch],
        ),
    ];
    for (who, signed_hash, expected) in cases {
        let mut signed = Case {
            facts: c.facts.clone(),
        };
        signed.add(who, RepairBody::Accepted { signed_hash });
        assert_eq!(signed.problems(), expected);
    }
    // A later change of items or costs invalidates the acceptance and is flagged.
    c.add(&p.driver, RepairBody::Accepted { signed_hash: hash });
    assert!(c.state().acceptance_holds());
    c.add(
        &p.shop,
        RepairBody::PartFitted {
            part: part("1", 5_000),
        },
    );
    let s = c.state();
    assert!(!s.acceptance_holds());
    assert_eq!(
        s.flags
            .iter()
            .map(|f| f.problem.clone())
            .collect::<Vec<_>>(),
        [RepairProblem::ChangedAfterAcceptance]
    );
    assert_eq!(s.flags[0].rule, "R-VEH-ACCEPT");
}

#[test]
fn a_repair_starts_with_a_request_and_steps_keep_their_order() {
    let p = people();
    let mut c = Case::new(&p);
    assert_eq!(reduce(&c.facts[..0], &ctx()), None);
    let not_a_request = Case {
        facts: vec![Fact {
            body: RepairBody::Filed,
            ..c.facts[0].clone()
        }],
    };
    assert_eq!(reduce(&not_a_request.facts, &ctx()), None);
    // Approved before assessed: kept, flagged.
    c.add(&p.leader, RepairBody::Approved { ceiling: None });
    assert_eq!(
        c.problems(),
        [RepairProblem::OutOfOrder {
            status: RepairStatus::Requested
        }]
    );
    assert_eq!(c.state().status, RepairStatus::Approved);
    // A facts' JSON names its kind, like a work order's.
    let json = serde_json::to_value(&c.facts[1]).unwrap_or_default();
    assert_eq!(json["kind"], "approved");
}

/// The offline cases on the replica engine: the driver requests a repair on the phone and
/// later signs the exit inspection offline; the leader approves offline, away from the
/// office, while the driver adds a note; the copies merge with every fact kept.
#[test]
fn r_veh_request_offline_on_replicas_a_driver_requests_and_signs_a_leader_approves() {
    use crate::doc::WorkOrderDoc;
    let p = people();
    let repair = RepairId::new();
    let mut c = Case::new(&p);
    // The driver's phone creates the document with the request.
    if let RepairBody::Requested { repair: r, .. } = &mut c.facts[0].body {
        *r = repair;
    }
    let mut phone = RepairDoc::create(p.driver.device, &c.facts[0]).unwrap();
    // (Synced: the fleet manager's copy assesses.)
    let mut office = phone.fork_for(p.manager.device);
    let assessed = c.add(
        &p.manager,
        RepairBody::Assessed {
            items: vec![item("1", ItemKind::Work, 30_000)],
        },
    );
    office.append(c.facts.last().unwrap()).unwrap();
    phone
        .apply_changes(office.changes_since(&phone.heads()))
        .unwrap();
    // Offline at once: the leader approves on her phone, the driver adds a note.
    let mut leader = office.fork_for(p.leader.device);
    c.add(&p.leader, RepairBody::Approved { ceiling: None });
    leader.append(c.facts.last().unwrap()).unwrap();
    c.add(
        &p.driver,
        RepairBody::Note {
            text: "仍可行駛".into(),
        },
    );
    phone.append(c.facts.last().unwrap()).unwrap();
    // They meet again (through the server): both copies hold both facts.
    phone
        .apply_changes(leader.changes_since(&phone.heads()))
        .unwrap();
    office
        .apply_changes(phone.changes_since(&office.heads()))
        .unwrap();
    let s = state_of(&office, &ctx()).unwrap();
    assert_eq!(s.status, RepairStatus::Approved);
    assert_eq!(s.flags, []);
    assert_eq!(office.events().len(), 4);
    assert!(
        office
            .events()
            .iter()
            .any(|e| e.event.as_ref().is_ok_and(|f| f.id == assessed))
    );
    // Filed, sent, done at the shop (through the office's copy).
    for (who, body) in [
        (&p.clerk, RepairBody::Filed),
        (
            &p.driver,
            RepairBody::Sent {
                shop: "順安汽修".into(),
            },
        ),
        (
            &p.shop,
            RepairBody::Completed {
                done: vec!["1".into()],
                labour: Money(30_000),
            },
        ),
    ] {
        c.add(who, body);
        office.append(c.facts.last().unwrap()).unwrap();
    }
    phone
        .apply_changes(office.changes_since(&phone.heads()))
        .unwrap();
    // The driver inspects and signs on the phone, offline, over what the phone shows.
    let hash = state_of(&phone, &ctx()).unwrap().acceptance_hash();
    c.add(&p.driver, RepairBody::Accepted { signed_hash: hash });
    phone.append(c.facts.last().unwrap()).unwrap();
    office
        .apply_changes(phone.changes_since(&office.heads()))
        .unwrap();
    let s = state_of(&office, &ctx()).unwrap();
    assert_eq!(s.status, RepairStatus::Accepted);
    assert!(s.acceptance_holds());
    assert_eq!(s.flags, []);
    // Saved and loaded, it is the same; read as a work order, it is refused, not misread.
    let bytes = office.save();
    let again = RepairDoc::load(&bytes, p.clerk.device).unwrap();
    assert_eq!(state_of(&again, &ctx()), Some(s));
    assert!(matches!(
        WorkOrderDoc::load(&bytes, p.clerk.device),
        Err(crate::Error::Corrupt(_))
    ));
}

#[test]
fn a_work_order_s_document_is_not_read_as_a_repair() {
    use crate::command::{Context, NewOrder, create_order};
    use crate::model::{Channel, Customer, Office};
    let ctx = Context {
        author: author(Role::FrontDesk),
        now: 1_800_000_000_000,
        offset: Some(0),
    };
    let new = NewOrder {
        office: Office {
            id: OfficeId::new(),
            name: "管理處".into(),
            time_zone: "Asia/Taipei".into(),
            currency: "TWD".into(),
        },
        customer: Customer {
            name: "王小明".into(),
            unit: "A棟 3F".into(),
            phone: "0912345678".into(),
        },
        description: "廚房漏水".into(),
        channel: Channel::Phone,
        follow_up_of: None,
    };
    let (doc, _) = create_order(&ctx, new).expect("a complete request");
    assert!(matches!(
        RepairDoc::load(&doc.save(), DeviceId::new()),
        Err(crate::Error::Corrupt(_))
    ));
}
