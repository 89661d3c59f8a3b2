//! The store conformance cases of customers, the front door and the PDCA register (S5),
//! run on every backend by `conformance.rs`: an order is linked as it is projected, a
//! doubtful one for review; a person settles it; a complaint is linked to the customer
//! chosen; lists search by name, unit and phone; nothing crosses offices.

use std::sync::Arc;

use baoxiu_server::Store;
use baoxiu_server::store::customer_link::ItemKind;
use baoxiu_server::store::{CustomerFilter, LinkFilter};
use baoxiu_sync_core::customer::{Customer as Record, CustomerFields, CustomerKind, Doubt};
use baoxiu_sync_core::{Channel, Customer, NewOrder};

use crate::conformance::cases::office;
use crate::support::*;

pub(crate) async fn customers_link_search_and_settle(store: Arc<dyn Store>) {
    let o = office(&*store).await;
    let office_id = o.office.id;
    let order = |unit: &str, phone: &str| NewOrder {
        office: o.office.clone(),
        customer: Customer {
            name: "王小明".into(),
            unit: unit.into(),
            phone: phone.into(),
        },
        channel: Channel::Phone,
        description: "廚房水龍頭漏水".into(),
        follow_up_of: None,
    };
    let first = store
        .create(o.desk.clone(), order("12F-3", "0912-345-678"), T0)
        .await
        .unwrap();
    let again = store
        .create(o.desk.clone(), order("12f-3", "0912345678"), T0 + MIN)
        .await
        .unwrap();
    let doubtful = store
        .create(o.desk.clone(), order("12F-3", "02-2700-0000"), T0 + 2 * MIN)
        .await
        .unwrap();
    let links = store.links(office_id, LinkFilter::default()).await.unwrap();
    assert_eq!(links.len(), 3);
    let customer = links[0].customer.clone();
    assert!(links.iter().all(|l| l.customer == customer));
    let review = store
        .links(
            office_id,
            LinkFilter {
                review_only: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(review.len(), 1);
    assert_eq!(review[0].item, doubtful.order.to_string());
    assert_eq!(review[0].review, Some(Doubt::OtherPhone));
    let _ = (first, again);
    // The review list reads what each order was logged with from the projection.
    let parties = store
        .order_parties(
            office_id,
            vec![doubtful.order.to_string(), "no-such".to_owned()],
        )
        .await
        .unwrap();
    assert_eq!(
        parties,
        vec![(
            doubtful.order.to_string(),
            "王小明".to_owned(),
            "12F-3".to_owned(),
            "02-2700-0000".to_owned()
        )]
    );
    let first_two = store
        .links(
            office_id,
            LinkFilter {
                limit: Some(2),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(first_two.len(), 2);
    let just_one = store
        .links(
            office_id,
            LinkFilter {
                items: vec![doubtful.order.to_string()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        just_one.iter().map(|l| l.item.clone()).collect::<Vec<_>>(),
        vec![doubtful.order.to_string()]
    );
    // Settled by a person: sure, and still the same customer.
    store
        .set_link(
            office_id,
            ItemKind::Order,
            doubtful.order.to_string(),
            customer.clone(),
        )
        .await
        .unwrap();
    let review = store
        .links(
            office_id,
            LinkFilter {
                review_only: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(review.is_empty());
    // Search by unit (case and spaces ignored), name and phone digits.
    let search = |q: &str| {
        let store = store.clone();
        let q = q.to_owned();
        async move {
            store
                .customers(
                    office_id,
                    CustomerFilter {
                        search: Some(q),
                        limit: 10,
                        ..Default::default()
                    },
                )
                .await
                .unwrap()
                .into_iter()
                .map(|c| c.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(search("12f - 3").await, vec![customer.clone()]);
    assert_eq!(search("小明").await, vec![customer.clone()]);
    assert_eq!(search("345-678").await, vec![customer.clone()]);
    assert!(search("99F").await.is_empty());
    // A record made by hand, flagged a key account.
    let fields = CustomerFields {
        kind: CustomerKind::OwnersCommittee,
        name: "業主委員會".into(),
        unit: "管委會".into(),
        phones: vec!["02-1234-5678".into()],
        note: String::new(),
    };
    let mut mc = Record::new(fields, o.supervisor.user, T0).unwrap();
    store.add_customer(office_id, mc.clone()).await.unwrap();
    mc.key_account = true;
    store.save_customer(office_id, mc.clone()).await.unwrap();
    let keys = store
        .customers(
            office_id,
            CustomerFilter {
                key_accounts: true,
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(keys, vec![mc.clone()]);
    // A complaint linked to the customer chosen; moving an order to the committee.
    let mut new = crate::conformance::cases::new_complaint(None, None);
    new.customer = Some(mc.id.clone());
    let (x, _) = store
        .create_complaint(office_id, new, T0, o.desk.user)
        .await
        .unwrap();
    let mine = store
        .links(
            office_id,
            LinkFilter {
                customer: Some(mc.id.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        mine.iter()
            .map(|l| (l.kind, l.item.clone()))
            .collect::<Vec<_>>(),
        vec![(ItemKind::Complaint, x.id.clone())]
    );
    // Another office's customer, item or an unknown one is not found, and nothing moves.
    let other = office(&*store).await;
    let mut stranger = crate::conformance::cases::new_complaint(None, None);
    stranger.customer = Some(mc.id.clone());
    assert!(matches!(
        store
            .create_complaint(other.office.id, stranger, T0, other.desk.user)
            .await,
        Err(baoxiu_server::Error::NotFound(_))
    ));
    assert!(store.complaints(other.office.id).await.unwrap().is_empty());
    for (office, item, customer) in [
        (
            other.office.id,
            doubtful.order.to_string(),
            customer.clone(),
        ),
        (office_id, doubtful.order.to_string(), "no-such".to_owned()),
        (office_id, "no-such".to_owned(), customer.clone()),
    ] {
        assert!(matches!(
            store
                .set_link(office, ItemKind::Order, item, customer)
                .await,
            Err(baoxiu_server::Error::NotFound(_))
        ));
    }
    assert!(
        store
            .customer(other.office.id, customer.clone())
            .await
            .unwrap()
            .is_none()
    );
}

/// R-CS-CONTACT on every backend: a contact is stored with its customer's link, listed by
/// time, kind and status (whistle-blowing only when asked for), and concludes once.
pub(crate) async fn contacts_log_conclude_and_hide_whistle_blowing(store: Arc<dyn Store>) {
    use baoxiu_server::store::ContactFilter;
    use baoxiu_sync_core::contact::{Contact, ContactChannels, ContactKind, NewContact, Outcome};
    let o = office(&*store).await;
    let office_id = o.office.id;
    let channels = ContactChannels::default();
    let new = |kind, unit: &str, phone: &str, at| {
        let n = NewContact {
            kind,
            channel: "hotline".into(),
            channel_note: String::new(),
            caller: "王小明".into(),
            unit: unit.into(),
            phone: phone.into(),
            summary: "一件事".into(),
        };
        Contact::new(n, &channels, (o.desk.user, at)).unwrap()
    };
    let report = new(ContactKind::RepairReport, "12F-3", "0912-345-678", T0);
    let tip = new(
        ContactKind::Whistleblowing,
        "12F-3",
        "0912-345-678",
        T0 + MIN,
    );
    let anonymous = new(ContactKind::Enquiry, "", "", T0 + 2 * MIN);
    let linked = store
        .add_contact(office_id, report.clone(), None)
        .await
        .unwrap();
    assert!(linked.is_some());
    // Whistle-blowing and an anonymous contact are nobody's.
    for c in [&tip, &anonymous] {
        assert_eq!(
            store.add_contact(office_id, c.clone(), None).await.unwrap(),
            None
        );
    }
    let list = |whistleblowing: bool, status: Option<&str>| {
        let store = store.clone();
        let status = status.map(str::to_owned);
        async move {
            store
                .contacts(
                    office_id,
                    ContactFilter {
                        whistleblowing,
                        status,
                        limit: 10,
                        ..Default::default()
                    },
                )
                .await
                .unwrap()
                .into_iter()
                .map(|c| c.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        list(false, None).await,
        vec![anonymous.id.clone(), report.id.clone()]
    );
    assert_eq!(
        list(true, None).await,
        vec![anonymous.id.clone(), tip.id.clone(), report.id.clone()]
    );
    let done = store
        .conclude_contact(
            office_id,
            report.id.clone(),
            Outcome::Order {
                id: "o-1".into(),
                by: o.desk.user,
                at: T0,
            },
        )
        .await
        .unwrap();
    assert_eq!(done.status(), "order");
    assert_eq!(list(false, Some("order")).await, vec![report.id.clone()]);
    let again = Outcome::Closed {
        note: "x".into(),
        by: o.desk.user,
        at: T0,
    };
    assert!(matches!(
        store
            .conclude_contact(office_id, report.id.clone(), again.clone())
            .await,
        Err(baoxiu_server::Error::Conflict(_))
    ));
    let other = office(&*store).await;
    assert!(matches!(
        store
            .conclude_contact(other.office.id, anonymous.id.clone(), again)
            .await,
        Err(baoxiu_server::Error::NotFound(_))
    ));
    assert!(
        store
            .contact(other.office.id, report.id.clone())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store.contact(office_id, report.id.clone()).await.unwrap(),
        Some(done)
    );
}

/// S5 16 on every backend: an item is stored, stepped in one transaction with the item
/// its act carries forward, listed by stage and openness (newest first), and never seen
/// from another office.
pub(crate) async fn improvements_step_and_carry_forward(store: Arc<dyn Store>) {
    use baoxiu_server::store::ImprovementFilter;
    use baoxiu_sync_core::improvement::{
        Improvement, NewImprovement, Plan, PlannedAction, Source, Stage, Step,
    };
    let o = office(&*store).await;
    let (office_id, by) = (o.office.id, o.dispatcher.user);
    let new = |problem: &str, at| {
        let n = NewImprovement {
            problem: problem.into(),
            source: Source::Complaint,
            reference: String::new(),
            plan: Some(Plan {
                cause: "原因".into(),
                biggest_factor: "因素".into(),
                actions: vec![PlannedAction {
                    what: "措施".into(),
                    owner: Some(by),
                    due: None,
                }],
            }),
        };
        Improvement::new(n, by, at).unwrap()
    };
    let (x, y) = (new("一", T0), new("二", T0 + MIN));
    for i in [&x, &y] {
        store.add_improvement(office_id, i.clone()).await.unwrap();
    }
    // Who may step is asked on the item inside the transaction: a stranger's do is
    // refused, the action's owner's taken.
    let done = || Step::Do {
        note: "做了".into(),
    };
    let stranger = store
        .step_improvement(office_id, x.id.clone(), done(), (o.desk.user, T0), false)
        .await;
    assert!(
        matches!(stranger, Err(baoxiu_server::Error::Forbidden(_))),
        "{stranger:?}"
    );
    let steps = [
        done(),
        Step::Check {
            results: "未全解決".into(),
            resolved: false,
        },
    ];
    for s in steps {
        // The do is the action's owner's own, not the manager's.
        let manager = !matches!(s, Step::Do { .. });
        let (_, carried) = store
            .step_improvement(office_id, x.id.clone(), s, (by, T0 + 2 * MIN), manager)
            .await
            .unwrap();
        assert!(carried.is_none());
    }
    let act = Step::Act {
        consolidated: "制度化".into(),
        leftover: "遺留".into(),
    };
    let (done, carried) = store
        .step_improvement(
            office_id,
            x.id.clone(),
            act.clone(),
            (by, T0 + 3 * MIN),
            true,
        )
        .await
        .unwrap();
    let carried = carried.unwrap();
    assert_eq!((done.stage(), carried.cycle), (Stage::Closed, 2));
    // Out of order: refused, nothing written.
    assert!(matches!(
        store
            .step_improvement(office_id, x.id.clone(), act, (by, T0 + 4 * MIN), true)
            .await,
        Err(baoxiu_server::Error::Conflict(_))
    ));
    let list = |stage: Option<Stage>, open: bool| {
        let store = store.clone();
        async move {
            let f = ImprovementFilter {
                stage,
                open,
                limit: 10,
            };
            store
                .improvements(office_id, f)
                .await
                .unwrap()
                .into_iter()
                .map(|i| i.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        list(None, false).await,
        [carried.id.clone(), y.id.clone(), x.id.clone()]
    );
    assert_eq!(list(None, true).await, [carried.id.clone(), y.id.clone()]);
    assert_eq!(list(Some(Stage::Closed), false).await, vec![x.id.clone()]);
    assert_eq!(
        list(Some(Stage::Plan), true).await,
        [carried.id.clone(), y.id.clone()]
    );
    assert!(list(Some(Stage::Closed), true).await.is_empty());
    assert_eq!(
        store.improvement(office_id, x.id.clone()).await.unwrap(),
        Some(done)
    );
    let other = office(&*store).await;
    assert!(
        store
            .improvement(other.office.id, carried.id.clone())
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        store
            .step_improvement(
                other.office.id,
                y.id.clone(),
                Step::Do { note: "x".into() },
                (by, T0),
                true,
            )
            .await,
        Err(baoxiu_server::Error::NotFound(_))
    ));
}

/// R-CS-QA: a piece of work is inspected once (a second is a conflict and stores
/// nothing); a period's inspections come newest first, bounded by time and office; the
/// inspections of given pieces of work are found by id.
pub(crate) async fn qa_inspections_once_each_and_by_time(store: Arc<dyn Store>) {
    use baoxiu_sync_core::qa::{Inspection, NewInspection, QaScheme, Subject};
    let o = office(&*store).await;
    let other = office(&*store).await;
    let (office_id, agent, qa) = (o.office.id, o.desk.user, o.dispatcher.user);
    let scheme = QaScheme::default();
    let make = |subject, id: &str, at| {
        let n = NewInspection {
            subject,
            subject_id: id.into(),
            scores: scheme
                .criteria
                .iter()
                .map(|c| (c.name.clone(), c.max_points))
                .collect(),
            comment: String::new(),
        };
        Inspection::new(n, &scheme, agent, qa, at).unwrap()
    };
    let x = make(Subject::Contact, "c1", T0);
    let y = make(Subject::Callback, "c1", T0 + MIN);
    let z = make(Subject::Contact, "c2", T0 + 2 * MIN);
    for i in [&x, &y, &z] {
        store.add_inspection(office_id, i.clone()).await.unwrap();
    }
    let again = store
        .add_inspection(office_id, make(Subject::Contact, "c1", T0 + 3 * MIN))
        .await;
    assert!(
        matches!(again, Err(baoxiu_server::Error::Conflict(_))),
        "{again:?}"
    );
    let all = store
        .inspections(office_id, T0, T0 + 10 * MIN, 100)
        .await
        .unwrap();
    assert_eq!(all, vec![z.clone(), y.clone(), x.clone()]);
    let window = store
        .inspections(office_id, T0 + MIN, T0 + 2 * MIN, 100)
        .await
        .unwrap();
    assert_eq!(window, vec![y.clone()]);
    assert_eq!(
        store
            .inspections(office_id, T0, T0 + 10 * MIN, 1)
            .await
            .unwrap(),
        vec![z.clone()]
    );
    let mut of = store
        .inspections_of(
            office_id,
            Subject::Contact,
            vec!["c1".into(), "c2".into(), "c9".into()],
        )
        .await
        .unwrap();
    of.sort_by(|a, b| a.subject_id.cmp(&b.subject_id));
    assert_eq!(of, vec![x, z]);
    // Nothing crosses offices.
    assert!(
        store
            .inspections(other.office.id, T0, T0 + 10 * MIN, 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .inspections_of(other.office.id, Subject::Contact, vec!["c1".into()])
            .await
            .unwrap()
            .is_empty()
    );
}
