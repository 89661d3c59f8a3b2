use super::*;
use crate::doc::CaseFacts;
use crate::event::Fact;
use crate::model::{Author, Money, Role};
use crate::supplies::stock_count::{CountBody, CountDoc};
use crate::test_util::{author, fact};
use crate::vehicles::case::{RepairBody, RepairDoc};
use crate::vehicles::repair::{ItemKind, RepairItem};

fn submitter(a: &Author, office: OfficeId) -> Submitter {
    Submitter {
        author: a.clone(),
        office,
    }
}

fn requested(office: OfficeId) -> RepairBody {
    RepairBody::Requested {
        repair: OrderId::new(),
        office,
        plate: "ABC-1234".into(),
        fault: "剎車異響".into(),
    }
}

/// A repair as the server holds it after `driver` requested it, and the id.
fn held(driver: &Author, office: OfficeId) -> (RepairDoc, OrderId) {
    let body = requested(office);
    let id = body.opens().expect("opens");
    let doc = RepairDoc::create(driver.device, &fact(driver, 0, body)).expect("create");
    (doc, id)
}

/// The device's changes after it appended `body` as `who` to its copy of `server`.
fn appended<B: CaseKind>(server: &CaseDoc<B>, who: &Author, body: B) -> Vec<Vec<u8>> {
    let mut copy = server.fork_for(who.device);
    let heads = server.heads();
    copy.append(&fact(who, 1, body)).expect("append");
    copy.encoded_changes_since(&heads)
}

fn code<T>(r: Result<T, &Refusal>) -> Option<ErrorCode> {
    r.err().map(|e| e.code)
}

#[test]
fn a_new_case_is_created_by_a_role_that_opens_it_in_its_own_office() {
    let office = OfficeId::new();
    let driver = author(Role::Driver);
    let clerk = author(Role::LogisticsClerk);
    let table: Vec<(&str, &Author, OfficeId, Option<ErrorCode>)> = vec![
        ("the driver, at home", &driver, office, None),
        (
            "the driver, elsewhere",
            &driver,
            OfficeId::new(),
            Some(ErrorCode::Forbidden),
        ),
        (
            "the clerk requests no repair",
            &clerk,
            office,
            Some(ErrorCode::Forbidden),
        ),
    ];
    for (what, who, opened_in, want) in table {
        let body = requested(opened_in);
        let id = body.opens().expect("opens");
        let doc = RepairDoc::create(who.device, &fact(who, 0, body)).expect("create");
        let got = validate_case::<RepairBody>(
            None,
            id,
            &submitter(who, office),
            &doc.encoded_changes_since(&[]),
            false,
        );
        assert_eq!(code(got.as_ref().map(|_| ())), want, "{what}");
        if let Ok(v) = got {
            assert!(v.created);
            assert_eq!(v.office, office);
            assert_eq!(v.vehicle.as_deref(), Some("ABC-1234"));
            assert!(v.authors.contains(&who.user));
            assert_eq!(
                kind_of_new_case(&doc.encoded_changes_since(&[])),
                Ok(Kind::VehicleRepair)
            );
        }
    }
}

#[test]
fn an_existing_case_takes_facts_only_from_its_reach_and_the_roles_that_record_them() {
    let office = OfficeId::new();
    let driver = author(Role::Driver);
    let other_driver = author(Role::Driver);
    let manager = author(Role::FleetManager);
    let leader = author(Role::Leader);
    let head = author(Role::DepartmentHead);
    let (server, id) = held(&driver, office);
    let form = RepairBody::Assessed {
        items: vec![RepairItem {
            code: "1".into(),
            description: "剎車片".into(),
            kind: ItemKind::Part,
            estimate: Money(80_000),
        }],
    };
    let note = || RepairBody::Note {
        text: "路上".into(),
    };
    // (what, who, member as the server knows it, fact, office of the device, refusal)
    type Row<'a> = (
        &'a str,
        &'a Author,
        bool,
        RepairBody,
        OfficeId,
        Option<ErrorCode>,
    );
    let table: Vec<Row> = vec![
        (
            "the manager's form",
            &manager,
            false,
            form.clone(),
            office,
            None,
        ),
        (
            "the leader's approval",
            &leader,
            false,
            RepairBody::Approved { ceiling: None },
            office,
            None,
        ),
        (
            "the driver approves nothing",
            &driver,
            true,
            RepairBody::Approved { ceiling: None },
            office,
            Some(ErrorCode::Forbidden),
        ),
        ("the requester's note", &driver, true, note(), office, None),
        (
            "another driver's note",
            &other_driver,
            false,
            note(),
            office,
            Some(ErrorCode::Forbidden),
        ),
        (
            "a driver of the vehicle",
            &other_driver,
            true,
            note(),
            office,
            None,
        ),
        (
            "a department head holds no repair",
            &head,
            false,
            note(),
            office,
            Some(ErrorCode::Forbidden),
        ),
        (
            "a manager of another office",
            &manager,
            false,
            form.clone(),
            OfficeId::new(),
            Some(ErrorCode::Forbidden),
        ),
        (
            "a second opening",
            &manager,
            false,
            requested(office),
            office,
            Some(ErrorCode::BadFact),
        ),
        (
            "a quote beyond the bounds",
            &manager,
            false,
            RepairBody::Quoted {
                code: "1".into(),
                amount: Money(-5),
            },
            office,
            Some(ErrorCode::BadFact),
        ),
    ];
    for (what, who, member, body, at, want) in table {
        let changes = appended(&server, who, body);
        let got = validate_case(
            Some(server.clone()),
            id,
            &submitter(who, at),
            &changes,
            member,
        );
        assert_eq!(code(got.as_ref().map(|_| ())), want, "{what}");
        if let Ok(v) = got {
            assert_eq!(v.new_changes.len(), 1, "{what}");
            assert!(v.authors.contains(&who.user), "{what}");
        }
    }
}

#[test]
fn a_fact_that_names_another_author_or_a_changed_root_is_refused() {
    let office = OfficeId::new();
    let driver = author(Role::Driver);
    let manager = author(Role::FleetManager);
    let (server, id) = held(&driver, office);
    // The manager's device writes a fact that claims the driver wrote it.
    let mut copy = server.fork_for(manager.device);
    let heads = server.heads();
    let forged = Fact {
        author: driver.clone(),
        ..fact(&manager, 1, RepairBody::Note { text: "x".into() })
    };
    copy.append(&forged).expect("append");
    let got = validate_case(
        Some(server.clone()),
        id,
        &submitter(&manager, office),
        &copy.encoded_changes_since(&heads),
        false,
    );
    assert_eq!(code(got.as_ref().map(|_| ())), Some(ErrorCode::Forbidden));
    // A stock count's changes offered as a repair's: the kinds never mix.
    let clerk = author(Role::LogisticsClerk);
    let count_id = OrderId::new();
    let count = CountDoc::create(
        clerk.device,
        &fact(
            &clerk,
            0,
            CountBody::Opened {
                count: count_id,
                office,
                quarter: crate::supplies::count::Quarter { year: 2026, q: 4 },
                as_of: 1_800_000_000_000,
            },
        ),
    )
    .expect("create");
    let changes = count.encoded_changes_since(&[]);
    assert_eq!(kind_of_new_case(&changes), Ok(Kind::StockCount));
    let got =
        validate_case::<RepairBody>(None, count_id, &submitter(&clerk, office), &changes, false);
    assert!(got.is_err(), "a count read as a repair");
    let ok =
        validate_case::<CountBody>(None, count_id, &submitter(&clerk, office), &changes, false);
    assert!(ok.is_ok(), "{ok:?}");
}

#[test]
fn a_work_order_s_changes_name_no_kind() {
    let who = author(Role::FrontDesk);
    let ctx = crate::Context {
        author: who.clone(),
        now: 1_800_000_000_000,
        offset: Some(0),
    };
    let new = crate::NewOrder {
        office: crate::Office {
            id: OfficeId::new(),
            name: "A".into(),
            time_zone: "Asia/Taipei".into(),
            currency: "TWD".into(),
        },
        customer: crate::Customer {
            name: "王".into(),
            unit: "3F".into(),
            phone: "0912".into(),
        },
        description: "漏水".into(),
        channel: crate::Channel::Phone,
        follow_up_of: None,
    };
    let (doc, _) = crate::create_order(&ctx, new).expect("logged");
    assert_eq!(
        kind_of_new_case(&doc.encoded_changes_since(&[])),
        Ok(Kind::WorkOrder)
    );
    assert_eq!(
        code(kind_of_new_case(&[vec![1, 2, 3]]).as_ref()),
        Some(ErrorCode::BadFrame)
    );
}
