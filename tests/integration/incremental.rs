//! The server checks and projects a device's changes incrementally — its copy of an order
//! is changed in place, its decoded facts extended, its state published to readers — so
//! the cost of one more change does not grow with the order (issue "Hardening", item 10;
//! the figures are in docs/performance.md). These tests hold the shortcuts to what the
//! full computation gives, and the writer's savepoints to their answers (item 17).

use baoxiu_sync_core::{EventBody as E, WorkOrderDoc, WorkOrderState};

use crate::hardening::{demo_store, fact_json, raw_append, refused_as, submit_raw};
use crate::server_support::*;

/// The order as the server serves it, and as a fresh read of its stored document gives.
async fn served_and_fresh(srv: &TestServer, id: &str) -> (WorkOrderState, WorkOrderState, usize) {
    let order = id.parse().unwrap();
    let served = srv.state().store.order(order).await.unwrap().unwrap();
    let bytes = srv.state().store.document(order).await.unwrap().unwrap();
    let doc = WorkOrderDoc::load(&bytes, baoxiu_sync_core::DeviceId::new()).unwrap();
    let fresh = baoxiu_sync_core::state(&doc).unwrap();
    (served, fresh, doc.events().len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_s_running_copy_is_always_what_a_fresh_read_gives() {
    let srv = TestServer::start().await;
    let id = srv.order("a", "scheduled", "tech1").await;
    let tech = srv.who("a.tech1").clone();
    let disp = srv.who("a.dispatcher").clone();
    let note = |who: &Login, text: &str| {
        fact_json(who, chrono_now(), Some(0), E::Note { text: text.into() })
    };
    let (_, _, mut facts) = served_and_fresh(&srv, &id).await;

    // Appended at the end: the decoded facts are extended, not read again.
    let c = raw_append(&srv, &id, "a.dispatcher", note(&disp, "one")).await;
    submit_raw(&srv, &id, "a.dispatcher", c).await.unwrap();
    facts += 1;

    // Two devices after the same tail: the second lands wherever Automerge puts it.
    let from_tech = raw_append(&srv, &id, "a.tech1", note(&tech, "tech")).await;
    let from_disp = raw_append(&srv, &id, "a.dispatcher", note(&disp, "office")).await;
    submit_raw(&srv, &id, "a.dispatcher", from_disp)
        .await
        .unwrap();
    submit_raw(&srv, &id, "a.tech1", from_tech).await.unwrap();
    facts += 2;

    // Refused after it was applied to the server's copy (the fact names another author):
    // that copy is dropped, and nothing of the change survives in what is served.
    let forged = raw_append(&srv, &id, "a.tech1", note(&disp, "not mine")).await;
    refused_as(submit_raw(&srv, &id, "a.tech1", forged).await, "Forbidden");
    // Refused before anything was applied (another device's change): the copy stays.
    let theirs = raw_append(&srv, &id, "a.tech1", note(&tech, "theirs")).await;
    refused_as(
        submit_raw(&srv, &id, "a.dispatcher", theirs).await,
        "ForgedActor",
    );
    let (served, fresh, n) = served_and_fresh(&srv, &id).await;
    assert_eq!(n, facts);
    assert_eq!(served, fresh);

    // And a REST command on the same copy, after all of that.
    let (s, v) = srv
        .as_(
            "a.dispatcher",
            "POST",
            &format!("/api/v1/orders/{id}/cancel"),
            Some(serde_json::json!({"reason": "住戶取消"})),
        )
        .await;
    assert!(s.is_success(), "{v}");
    facts += 1;
    let c = raw_append(&srv, &id, "a.tech1", note(&tech, "after")).await;
    submit_raw(&srv, &id, "a.tech1", c).await.unwrap();
    facts += 1;
    let (served, fresh, n) = served_and_fresh(&srv, &id).await;
    assert_eq!(n, facts);
    assert_eq!(served, fresh);
    assert!(served.notes.iter().any(|t| t == "after"));
    assert!(!served.notes.iter().any(|t| t == "not mine"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_savepoint_that_does_not_release_is_never_acked() {
    let (_dir, store, state, logins) = demo_store().await;
    let desk = logins
        .iter()
        .find(|l| l.person.role == baoxiu_sync_core::Role::FrontDesk)
        .unwrap();
    let author = baoxiu_sync_core::Author {
        user: desk.person.id,
        device: state.store.server_device(),
        role: desk.person.role,
    };
    let office = state
        .store
        .office(desk.person.office)
        .await
        .unwrap()
        .unwrap();
    let st = state
        .store
        .create(
            author.clone(),
            baoxiu_sync_core::NewOrder {
                office,
                customer: baoxiu_sync_core::Customer {
                    name: "王小明".into(),
                    unit: "A棟-12F-3".into(),
                    phone: "0912".into(),
                },
                channel: baoxiu_sync_core::Channel::Phone,
                description: "漏水".into(),
                follow_up_of: None,
            },
            chrono_now(),
        )
        .await
        .unwrap();
    let before = state.store.log_len().await.unwrap();
    let note = |text: &str| E::Note { text: text.into() };

    // The job's work ran, but its savepoint did not release: rolled back, so not acked.
    store.fail_next_release();
    let r = state
        .store
        .command(
            author.clone(),
            desk.person.office,
            st.order,
            note("lost"),
            chrono_now(),
        )
        .await;
    assert!(
        matches!(r, Err(baoxiu_server::Error::Unavailable(_))),
        "{r:?}"
    );
    assert_eq!(state.store.log_len().await.unwrap(), before);
    let now = state.store.order(st.order).await.unwrap().unwrap();
    assert!(now.notes.is_empty(), "{:?}", now.notes);

    // The next one is stored, on a copy that does not hold the rolled-back fact.
    let after = state
        .store
        .command(
            author,
            desk.person.office,
            st.order,
            note("kept"),
            chrono_now(),
        )
        .await
        .unwrap();
    assert_eq!(after.notes, vec!["kept".to_owned()]);
    assert_eq!(state.store.log_len().await.unwrap(), before + 1);
}

/// The facts as a replica reads them, against a fresh decode of the same document.
fn same_facts(doc: &WorkOrderDoc) {
    let fresh = WorkOrderDoc::load(&doc.save(), baoxiu_sync_core::DeviceId::new()).unwrap();
    let key = |d: &WorkOrderDoc| -> Vec<(
        usize,
        Option<baoxiu_sync_core::ChangeHash>,
        Option<baoxiu_sync_core::EventId>,
    )> {
        d.events()
            .iter()
            .map(|e| (e.index, e.change, e.event.as_ref().ok().map(|f| f.id)))
            .collect()
    };
    assert_eq!(key(doc), key(&fresh));
}

#[test]
fn decoded_facts_kept_up_to_date_equal_a_fresh_decode() {
    use crate::support::*;
    let o = Office1::new();
    let mut office = o.dispatched();
    let mut tech = office.fork_for(o.tech.device);
    // Read once, so each copy keeps its decoded facts from here on.
    assert!(!office.events().is_empty() && !tech.events().is_empty());
    let base = office.heads();
    for i in 0..3 {
        run(
            &mut office,
            &o.ctx(&o.dispatcher, T0 + 20 * MIN + i),
            E::Note {
                text: format!("office {i}"),
            },
        )
        .unwrap();
        run(
            &mut tech,
            &o.ctx(&o.tech, T0 + 20 * MIN + i),
            E::Note {
                text: format!("tech {i}"),
            },
        )
        .unwrap();
        same_facts(&office);
        same_facts(&tech);
    }
    // Concurrent appends merged both ways: they interleave, not only append.
    let from_tech: Vec<_> = tech.changes_since(&base);
    let from_office: Vec<_> = office.changes_since(&base);
    office.apply_changes(from_tech.clone()).unwrap();
    tech.apply_changes(from_office).unwrap();
    same_facts(&office);
    same_facts(&tech);
    assert_eq!(office.events().len(), tech.events().len());

    // A change that waits for its dependency, then the dependency.
    let mut other = o.dispatched();
    assert!(!other.events().is_empty());
    let (first, second) = (from_tech[0].clone(), from_tech[1].clone());
    other.apply_changes(vec![second]).unwrap();
    same_facts(&other);
    other.apply_changes(vec![first]).unwrap();
    same_facts(&other);
}

/// A batch holding a change the replica already has and a new one concurrent with it: the
/// new one may land before the old one, which then sits at the end of the list — still
/// an old fact, not a new one. Tried with each side's change as the one already held,
/// so one of the two puts the new fact first.
#[test]
fn a_duplicate_in_a_batch_is_not_taken_for_a_new_fact() {
    use crate::support::*;
    let o = Office1::new();
    for held_first in [true, false] {
        let base = o.dispatched();
        let mut office = base.fork_for(o.dispatcher.device);
        let mut tech = base.fork_for(o.tech.device);
        let start = base.heads();
        run(
            &mut office,
            &o.ctx(&o.dispatcher, T0 + 20 * MIN),
            E::Note {
                text: "office".into(),
            },
        )
        .unwrap();
        run(
            &mut tech,
            &o.ctx(&o.tech, T0 + 20 * MIN),
            E::Note {
                text: "tech".into(),
            },
        )
        .unwrap();
        let a = office.changes_since(&start).remove(0);
        let b = tech.changes_since(&start).remove(0);
        let (held, new) = if held_first { (a, b) } else { (b, a) };
        let mut replica = base.fork_for(o.tech2.device);
        replica.apply_changes(vec![held.clone()]).unwrap();
        assert!(!replica.events().is_empty());
        replica.apply_changes(vec![held, new]).unwrap();
        same_facts(&replica);
    }
}
