//! The store conformance suite: the same tests, written once against the store traits,
//! run against every backend. A backend is correct the day `store_conformance_tests!`
//! passes for it. Each backend gives a constructor returning a fresh, empty store and
//! whatever must live as long as it (a temporary directory, a database to drop).

use std::sync::Arc;

use baoxiu_server::Store;
use baoxiu_server::service::month::Month;
use baoxiu_server::store::postgres::PgStore;
use baoxiu_server::store::{
    CalendarChange, CallbackFilter, ComplaintStore, CountParams, DeviceCtx, DirectoryStore,
    FeeScheduleStore, OfficeStore, OrderFilter, OrderStore, Register, RegisterStore, SubmitError,
};
use baoxiu_sync_core::calendar::CalendarKind;
use baoxiu_sync_core::callback::{CallbackMethod, CallbackPlan, CallbackResult, CallbackStatus};
use baoxiu_sync_core::complaint::{NewComplaint, Status as ComplaintStatus};
use baoxiu_sync_core::doc::actor_for;
use baoxiu_sync_core::protocol::{Cursor, OrderChanges};
use baoxiu_sync_core::questionnaire::{Answer, Dimension, DimensionScores};
use baoxiu_sync_core::settings::OfficeSettings;
use baoxiu_sync_core::state::ARRIVAL_GRACE_MS;
use baoxiu_sync_core::validate::Submitter;
use baoxiu_sync_core::{
    Author, DeviceId, EventBody, OrderId, PassFail, Person, Role, WorkOrderDoc, execute, state,
};
use baoxiu_tests::pg::TestDatabase;

use crate::support::*;

/// Writes the suite for one backend: `$make` is an async fn returning `(store, guard)`,
/// or `None` when the backend is not available here (it said why).
macro_rules! store_conformance_tests {
    ($backend:ident, $make:path; $($case:ident),* $(,)?) => {
        mod $backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let Some((store, _guard)) = $make(stringify!($case)).await else {
                        return;
                    };
                    super::cases::$case(store).await;
                }
            )*
        }
    };
}

pub(crate) async fn sqlite(_case: &str) -> Option<(Arc<dyn Store>, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let store = baoxiu_server::SqliteStore::open(&dir.path().join("conformance.db")).unwrap();
    Some((Arc::new(store), dir))
}

/// A PostgreSQL store over a migrated database of the test's own (`BAOXIU_TEST_DATABASE`).
pub(crate) async fn postgres(case: &str) -> Option<(Arc<PgStore>, TestDatabase)> {
    let case = case.to_owned();
    tokio::task::spawn_blocking(move || {
        let db = TestDatabase::create(&case)?;
        baoxiu_server::migrate(std::path::Path::new("unused"), Some(&db.url)).unwrap();
        let store = PgStore::open(&db.url, DeviceId::new()).unwrap();
        Some((Arc::new(store), db))
    })
    .await
    .unwrap()
}

store_conformance_tests!(sqlite, super::sqlite;
    acks_after_storing_and_again_for_a_duplicate,
    refused_batch_stores_nothing,
    catch_up_from_any_cursor_sends_exactly_what_followed,
    catch_up_pages_resume_where_they_stopped,
    a_paged_repair_revokes_an_order_that_left_before_its_page,
    stale_cursor_means_repair,
    reassignment_revokes_the_order,
    listing_reads_the_projection,
    directory_round_trips_and_devices_bind_once,
    catch_up_records_the_device_s_last_sync,
    month_counts_of_an_office_month,
    register_lists_paid_completed_orders,
    call_backs_record_once_and_plan_the_fallback,
    samples_store_their_call_backs,
    owner_tasks_open_with_their_call_back_and_close_once,
    complaint_call_backs_and_their_tasks_round_trip,
    trainings_round_trip_per_person,
    customers_link_search_and_settle,
    contacts_log_conclude_and_hide_whistle_blowing,
    improvements_step_and_carry_forward,
    qa_inspections_once_each_and_by_time,
    programmes_round_trip_with_their_call_backs,
    complaints_store_repeats_atomically,
    calendar_and_settings_round_trip,
    office_registers_round_trip_per_office_and_kind,
    a_working_store_is_ready,
);

// PostgreSQL (issue 14): the same suite.
store_conformance_tests!(postgres, super::postgres;
    acks_after_storing_and_again_for_a_duplicate,
    refused_batch_stores_nothing,
    catch_up_from_any_cursor_sends_exactly_what_followed,
    catch_up_pages_resume_where_they_stopped,
    a_paged_repair_revokes_an_order_that_left_before_its_page,
    stale_cursor_means_repair,
    reassignment_revokes_the_order,
    listing_reads_the_projection,
    directory_round_trips_and_devices_bind_once,
    catch_up_records_the_device_s_last_sync,
    month_counts_of_an_office_month,
    register_lists_paid_completed_orders,
    call_backs_record_once_and_plan_the_fallback,
    samples_store_their_call_backs,
    owner_tasks_open_with_their_call_back_and_close_once,
    complaint_call_backs_and_their_tasks_round_trip,
    trainings_round_trip_per_person,
    customers_link_search_and_settle,
    contacts_log_conclude_and_hide_whistle_blowing,
    improvements_step_and_carry_forward,
    qa_inspections_once_each_and_by_time,
    programmes_round_trip_with_their_call_backs,
    complaints_store_repeats_atomically,
    calendar_and_settings_round_trip,
    office_registers_round_trip_per_office_and_kind,
    a_working_store_is_ready,
);

/// Another node's store over the same database.
async fn second_node(db: &TestDatabase) -> Arc<PgStore> {
    let url = db.url.clone();
    Arc::new(
        tokio::task::spawn_blocking(move || PgStore::open(&url, DeviceId::new()).unwrap())
            .await
            .unwrap(),
    )
}

/// Two nodes over one PostgreSQL database change the same records at once: nothing is
/// lost, no version is taken twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_nodes_changing_the_same_records_at_once_lose_nothing() {
    let Some((a, db)) = postgres("postgres_nodes_changing_the_same_records").await else {
        return;
    };
    let b = second_node(&db).await;
    let o = cases::office(&*a).await;
    let (x, _) = a
        .create_complaint(
            o.office.id,
            cases::new_complaint(None, None),
            T0,
            o.desk.user,
        )
        .await
        .unwrap();
    // Each node appends to the same complaint ten times and publishes ten fee schedules,
    // all at once: every append stays, every publication takes a version of its own.
    let (mut appends, mut publications) = (Vec::new(), Vec::new());
    for (node, store) in [(&a, 'a'), (&b, 'b')].map(|(s, n)| (n, s.clone())) {
        for _ in 0..10 {
            let (node_store, id, office) = (store.clone(), x.id.clone(), o.office.id);
            appends.push(tokio::spawn(async move {
                node_store
                    .update_complaint(
                        office,
                        id,
                        Box::new(move |c, _| {
                            c.description.push(node);
                            Ok(())
                        }),
                    )
                    .await
                    .unwrap()
            }));
            let (store, by) = (store.clone(), o.supervisor.user);
            publications.push(tokio::spawn(async move {
                let item = baoxiu_sync_core::fee_schedule::ScheduleItem {
                    code: "PL-001".into(),
                    name: "換水龍頭".into(),
                    category: "plumbing".into(),
                    materials: baoxiu_sync_core::Money(12_000),
                    labour: baoxiu_sync_core::Money(5_000),
                    free: false,
                };
                store
                    .publish_schedule(T0, vec![item], by, T0)
                    .await
                    .unwrap()
                    .version
            }));
        }
    }
    for t in appends {
        t.await.unwrap();
    }
    let mut versions = Vec::new();
    for t in publications {
        versions.push(t.await.unwrap());
    }
    versions.sort_unstable();
    assert_eq!(versions, (1..=20).collect::<Vec<u32>>());
    let x = a.complaint(o.office.id, x.id).await.unwrap().unwrap();
    let count = |n: char| x.description.chars().filter(|c| *c == n).count();
    assert_eq!((count('a'), count('b')), (10, 10), "{:?}", x.description);
    let newest = b.fee_schedule(None, T0).await.unwrap().unwrap();
    assert_eq!(newest.version, 20, "twenty publications, twenty versions");
}

pub(crate) mod cases {
    use super::*;
    pub(crate) use crate::conformance_customers::{
        contacts_log_conclude_and_hide_whistle_blowing, customers_link_search_and_settle,
        improvements_step_and_carry_forward, qa_inspections_once_each_and_by_time,
    };
    pub(crate) use crate::conformance_visits::programmes_round_trip_with_their_call_backs;

    const NOW: i64 = T0 + 600 * MIN;

    /// An office with its people in the store.
    pub(crate) async fn office(store: &(impl DirectoryStore + ?Sized)) -> Office1 {
        let o = Office1::new();
        store.upsert_office(o.office.clone()).await.unwrap();
        for a in [
            &o.desk,
            &o.dispatcher,
            &o.tech,
            &o.tech2,
            &o.finance,
            &o.supervisor,
        ] {
            store
                .upsert_user(Person {
                    id: a.user,
                    name: format!("{:?}", a.role),
                    role: a.role,
                    office: o.office.id,
                    specialties: vec!["plumbing".into()],
                    zone: None,
                    token_version: 0,
                    active: true,
                })
                .await
                .unwrap();
            store.register_device(a.user, a.device).await.unwrap();
        }
        o
    }

    fn ctx(o: &Office1, a: &Author) -> DeviceCtx {
        DeviceCtx {
            submitter: Submitter {
                author: a.clone(),
                office: o.office.id,
            },
        }
    }

    fn author_of<'a>(o: &'a Office1, change: &baoxiu_sync_core::Change) -> &'a Author {
        [
            &o.desk,
            &o.dispatcher,
            &o.tech,
            &o.tech2,
            &o.finance,
            &o.supervisor,
        ]
        .into_iter()
        .find(|a| &actor_for(a.device) == change.actor_id())
        .unwrap()
    }

    /// Submits every change of `doc` as the device that wrote it, in causal order;
    /// returns the acks.
    pub(crate) async fn submit_doc(
        store: &(impl OrderStore + ?Sized),
        o: &Office1,
        doc: &WorkOrderDoc,
    ) -> usize {
        let mut acked = 0;
        for c in doc.all_changes() {
            let who = ctx(o, author_of(o, &c)).submitter;
            let batch = vec![OrderChanges {
                order: doc.order_id(),
                changes: vec![c.raw_bytes().to_vec()],
            }];
            acked += store.submit(who, batch, NOW).await.unwrap().len();
        }
        acked
    }

    /// The technician's next fact on their own replica; returns its encoded change.
    fn tech_note(o: &Office1, doc: &mut WorkOrderDoc, text: &str) -> Vec<u8> {
        let heads = doc.heads();
        execute(
            doc,
            &o.ctx(&o.tech, NOW),
            EventBody::Note { text: text.into() },
        )
        .unwrap();
        let mut changes = doc.encoded_changes_since(&heads);
        assert_eq!(changes.len(), 1);
        changes.remove(0)
    }

    fn own_copy(bytes: &[u8], device: DeviceId) -> WorkOrderDoc {
        WorkOrderDoc::load(bytes, device).unwrap()
    }

    pub(super) async fn acks_after_storing_and_again_for_a_duplicate(
        store: Arc<impl OrderStore + DirectoryStore + ?Sized>,
    ) {
        let o = office(&*store).await;
        let doc = o.dispatched();
        let n = doc.all_changes().len();
        assert_eq!(submit_doc(&*store, &o, &doc).await, n);
        assert_eq!(store.log_len().await.unwrap(), n as u64);
        let mut mine = own_copy(&doc.save(), o.tech.device);
        let change = tech_note(&o, &mut mine, "到場前聯絡");
        let batch = || {
            vec![OrderChanges {
                order: doc.order_id(),
                changes: vec![change.clone()],
            }]
        };
        let who = ctx(&o, &o.tech).submitter;
        let first = store.submit(who.clone(), batch(), NOW).await.unwrap();
        let again = store.submit(who, batch(), NOW).await.unwrap();
        // The same change acked twice, stored once: a device that lost the ack retries.
        assert_eq!(first, again);
        assert_eq!(first.len(), 1);
        assert_eq!(store.log_len().await.unwrap(), n as u64 + 1);
        let s = store.order(doc.order_id()).await.unwrap().unwrap();
        assert_eq!(s, state(&mine).unwrap());
    }

    pub(super) async fn refused_batch_stores_nothing(
        store: Arc<impl OrderStore + DirectoryStore + ?Sized>,
    ) {
        let o = office(&*store).await;
        let doc = o.dispatched();
        submit_doc(&*store, &o, &doc).await;
        let before = store.log_len().await.unwrap();
        // From the technician's device, a fact naming the dispatcher as its author, after
        // an honest one: the whole batch is refused.
        let mut theirs = own_copy(&doc.save(), o.tech.device);
        let heads = theirs.heads();
        execute(
            &mut theirs,
            &o.ctx(&o.dispatcher, NOW),
            EventBody::Note {
                text: "not mine".into(),
            },
        )
        .unwrap();
        let forged = theirs.encoded_changes_since(&heads);
        let good = tech_note(&o, &mut own_copy(&doc.save(), o.tech.device), "ok");
        let batch = vec![OrderChanges {
            order: doc.order_id(),
            changes: [vec![good], forged].concat(),
        }];
        let r = store.submit(ctx(&o, &o.tech).submitter, batch, NOW).await;
        match r {
            Err(SubmitError::Refused { refused, .. }) => assert_eq!(refused.len(), 2),
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(store.log_len().await.unwrap(), before, "refused whole");
    }

    pub(super) async fn catch_up_from_any_cursor_sends_exactly_what_followed(
        store: Arc<impl OrderStore + DirectoryStore + ?Sized>,
    ) {
        let o = office(&*store).await;
        let doc = o.dispatched();
        submit_doc(&*store, &o, &doc).await;
        let dev = ctx(&o, &o.tech);
        let first = store.catch_up(dev.clone(), None, true, NOW).await.unwrap();
        assert!(first.repair, "no cursor: the whole scope");
        assert_eq!(first.documents.len(), 1);
        // The office writes five notes; after each, remember the cursor.
        let disp = Author {
            device: store.server_device(),
            ..o.dispatcher.clone()
        };
        let mut cursors: Vec<Cursor> = vec![first.cursor.unwrap()];
        for i in 0..5 {
            store
                .command(
                    disp.clone(),
                    o.office.id,
                    doc.order_id(),
                    EventBody::Note {
                        text: format!("office {i}"),
                    },
                    NOW + i,
                )
                .await
                .unwrap();
            let up = store
                .catch_up(dev.clone(), Some(*cursors.last().unwrap()), false, NOW)
                .await
                .unwrap();
            assert!(!up.repair);
            let got: usize = up.changes.iter().map(|c| c.changes.len()).sum();
            assert_eq!(got, 1, "exactly the one change after cursor {i}");
            cursors.push(up.cursor.unwrap());
        }
        // From any older cursor: exactly the changes after it, in the order stored, and
        // applying them gives the server's copy.
        let server = store.document(doc.order_id()).await.unwrap().unwrap();
        for (k, cur) in cursors.iter().enumerate() {
            let up = store
                .catch_up(dev.clone(), Some(*cur), false, NOW)
                .await
                .unwrap();
            let changes: Vec<Vec<u8>> = up.changes.into_iter().flat_map(|c| c.changes).collect();
            assert_eq!(changes.len(), 5 - k, "from cursor {k}");
            let mut copy = own_copy(&first.documents[0].bytes, o.tech.device);
            // Bring the copy to cursor k, then apply what followed.
            let upto = store
                .catch_up(dev.clone(), Some(cursors[0]), false, NOW)
                .await
                .unwrap();
            let before: Vec<Vec<u8>> = upto
                .changes
                .into_iter()
                .flat_map(|c| c.changes)
                .take(k)
                .collect();
            copy.apply_encoded(&before).unwrap();
            copy.apply_encoded(&changes).unwrap();
            assert_eq!(
                state(&copy).unwrap(),
                state(&own_copy(&server, o.tech.device)).unwrap()
            );
        }
        // A device is not sent its own changes back.
        let mut mine = own_copy(&server, o.tech.device);
        let change = tech_note(&o, &mut mine, "mine");
        store
            .submit(
                dev.submitter.clone(),
                vec![OrderChanges {
                    order: doc.order_id(),
                    changes: vec![change],
                }],
                NOW,
            )
            .await
            .unwrap();
        let up = store
            .catch_up(dev, Some(*cursors.last().unwrap()), false, NOW)
            .await
            .unwrap();
        assert!(up.changes.is_empty());
    }

    /// A catch-up in pages (here the smallest: one change a page) sends every change
    /// once, in order, each page's cursor where the next one starts.
    pub(super) async fn catch_up_pages_resume_where_they_stopped(
        store: Arc<impl OrderStore + DirectoryStore + ?Sized>,
    ) {
        let o = office(&*store).await;
        let doc = o.dispatched();
        submit_doc(&*store, &o, &doc).await;
        let dev = ctx(&o, &o.tech);
        let first = store.catch_up(dev.clone(), None, true, NOW).await.unwrap();
        let disp = Author {
            device: store.server_device(),
            ..o.dispatcher.clone()
        };
        for i in 0..12 {
            store
                .command(
                    disp.clone(),
                    o.office.id,
                    doc.order_id(),
                    EventBody::Note {
                        text: format!("office {i}"),
                    },
                    NOW + i,
                )
                .await
                .unwrap();
        }
        let mut copy = own_copy(&first.documents[0].bytes, o.tech.device);
        let mut cursor = first.cursor;
        let mut pages = 0;
        loop {
            let up = store
                .catch_up_page(dev.clone(), cursor, false, NOW, 1)
                .await
                .unwrap();
            assert!(!up.repair);
            let changes: Vec<Vec<u8>> = up.changes.into_iter().flat_map(|c| c.changes).collect();
            assert!(changes.len() <= 1, "a page of one byte carries one change");
            copy.apply_encoded(&changes).unwrap();
            assert!(copy.missing_deps().is_empty(), "in order");
            pages += 1;
            cursor = up.cursor;
            if !up.more {
                break;
            }
        }
        assert!(pages >= 12, "{pages} pages");
        let server = own_copy(
            &store.document(doc.order_id()).await.unwrap().unwrap(),
            o.tech.device,
        );
        let (mut ours, mut theirs) = (copy.heads(), server.heads());
        ours.sort();
        theirs.sort();
        assert_eq!(ours, theirs);
    }

    /// A repair in pages names the whole scope on its first page, so the device keeps
    /// every order in it; one that leaves the scope before its page came is revoked.
    pub(super) async fn a_paged_repair_revokes_an_order_that_left_before_its_page(
        store: Arc<impl OrderStore + DirectoryStore + ?Sized>,
    ) {
        let o = office(&*store).await;
        let mut orders = Vec::new();
        for _ in 0..3 {
            let doc = o.dispatched();
            submit_doc(&*store, &o, &doc).await;
            orders.push(doc.order_id());
        }
        let dev = ctx(&o, &o.tech);
        // One document a page.
        let first = store
            .catch_up_page(dev.clone(), None, true, NOW, 1)
            .await
            .unwrap();
        assert!(first.repair && first.more);
        assert_eq!(first.documents.len(), 1);
        let mut scope = first.scope.clone();
        scope.sort();
        let mut all = orders.clone();
        all.sort();
        assert_eq!(scope, all, "the first page names the whole scope");
        let gone = *orders
            .iter()
            .find(|o| **o != first.documents[0].order)
            .unwrap();
        let disp = Author {
            device: store.server_device(),
            ..o.dispatcher.clone()
        };
        store
            .command(
                disp,
                o.office.id,
                gone,
                EventBody::Assigned {
                    technicians: vec![o.tech2.user],
                    reason: "改派".into(),
                },
                NOW,
            )
            .await
            .unwrap();
        let mut cursor = first.cursor;
        let mut revoked = Vec::new();
        let mut delivered = vec![first.documents[0].order];
        loop {
            let up = store
                .catch_up_page(dev.clone(), cursor, false, NOW, 1)
                .await
                .unwrap();
            assert!(!up.repair);
            revoked.extend(up.revoked.iter().copied());
            delivered.extend(up.documents.iter().map(|d| d.order));
            cursor = up.cursor;
            if !up.more {
                break;
            }
        }
        assert!(revoked.contains(&gone), "revoked {revoked:?}");
        assert!(!delivered.contains(&gone));
        assert_eq!(delivered.len(), 2);
    }

    pub(super) async fn stale_cursor_means_repair(
        store: Arc<impl OrderStore + DirectoryStore + ?Sized>,
    ) {
        let o = office(&*store).await;
        let doc = o.dispatched();
        submit_doc(&*store, &o, &doc).await;
        let dev = ctx(&o, &o.tech);
        let good = store
            .catch_up(dev.clone(), None, true, NOW)
            .await
            .unwrap()
            .cursor
            .unwrap();
        let stale = [
            Cursor {
                epoch: [7; 16],
                ..good
            },
            Cursor {
                check: [9; 8],
                ..good
            },
            Cursor {
                seq: good.seq + 1000,
                ..good
            },
            Cursor {
                delivery: good.delivery + 1000,
                ..good
            },
        ];
        for (i, cur) in stale.into_iter().enumerate() {
            let up = store
                .catch_up(dev.clone(), Some(cur), false, NOW)
                .await
                .unwrap();
            assert!(up.repair, "stale cursor {i}");
            assert_eq!(
                up.documents.len(),
                1,
                "stale cursor {i}: the whole scope again"
            );
        }
        let up = store.catch_up(dev, Some(good), false, NOW).await.unwrap();
        assert!(!up.repair);
    }

    pub(super) async fn reassignment_revokes_the_order(
        store: Arc<impl OrderStore + DirectoryStore + ?Sized>,
    ) {
        let o = office(&*store).await;
        let doc = o.dispatched();
        submit_doc(&*store, &o, &doc).await;
        let (one, two) = (ctx(&o, &o.tech), ctx(&o, &o.tech2));
        let c1 = store.catch_up(one.clone(), None, true, NOW).await.unwrap();
        assert_eq!(c1.documents.len(), 1);
        let c2 = store.catch_up(two.clone(), None, true, NOW).await.unwrap();
        assert!(c2.documents.is_empty(), "not tech2's order yet");
        let disp = Author {
            device: store.server_device(),
            ..o.dispatcher.clone()
        };
        store
            .command(
                disp,
                o.office.id,
                doc.order_id(),
                EventBody::Assigned {
                    technicians: vec![o.tech2.user],
                    reason: "改派".into(),
                },
                NOW,
            )
            .await
            .unwrap();
        let up1 = store.catch_up(one, c1.cursor, true, NOW).await.unwrap();
        assert_eq!(up1.revoked, vec![doc.order_id()]);
        let up2 = store.catch_up(two, c2.cursor, true, NOW).await.unwrap();
        assert_eq!(
            up2.documents.len(),
            1,
            "delivered whole to its new technician"
        );
    }

    pub(super) async fn listing_reads_the_projection(
        store: Arc<impl OrderStore + DirectoryStore + ?Sized>,
    ) {
        let o = office(&*store).await;
        let a = o.dispatched();
        let b = o.log();
        submit_doc(&*store, &o, &a).await;
        submit_doc(&*store, &o, &b).await;
        let all = |status, technician| OrderFilter {
            office: o.office.id,
            status,
            technician,
            limit: 10,
            ..Default::default()
        };
        let (rows, total) = store.list_orders(all(None, None)).await.unwrap();
        assert_eq!(total, 2);
        assert_eq!(rows.len(), 2);
        let (rows, _) = store
            .list_orders(all(Some(baoxiu_sync_core::Status::Scheduled), None))
            .await
            .unwrap();
        assert_eq!(
            rows.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![a.order_id()]
        );
        assert_eq!(rows[0].technicians, vec![o.tech.user]);
        assert_eq!(rows[0].total, 17000);
        let (rows, _) = store
            .list_orders(all(None, Some(o.tech2.user)))
            .await
            .unwrap();
        assert!(rows.is_empty());
        // The board's search: an id's prefix (any case), the unit, and LIKE's wildcards as
        // plain characters.
        let unit = store.list_orders(all(None, None)).await.unwrap().0[0]
            .unit
            .clone();
        let find = |q: String| OrderFilter {
            office: o.office.id,
            search: Some(q),
            limit: 10,
            ..Default::default()
        };
        let prefix = a.order_id().to_string()[..13].to_uppercase();
        let (rows, total) = store.list_orders(find(prefix)).await.unwrap();
        assert_eq!((rows[0].id, total), (a.order_id(), 1));
        let (_, total) = store.list_orders(find(unit)).await.unwrap();
        assert_eq!(total, 2);
        for wild in ["%", "_"] {
            let (_, total) = store.list_orders(find(wild.into())).await.unwrap();
            assert_eq!(total, 0, "{wild} is a plain character");
        }
        // A phone is found by its digits, however it was typed (logged as 0912-345-678).
        for typed in ["0912345678", "0912 345", "345-678", "(0912)"] {
            let (_, total) = store.list_orders(find(typed.into())).await.unwrap();
            assert_eq!(total, 2, "{typed} finds the phone");
        }
        let (_, total) = store.list_orders(find("0913".into())).await.unwrap();
        assert_eq!(total, 0, "another number finds nothing");
        // Paid or free: `a` is priced paid, `b` is not priced yet (neither).
        let paid = |paid| OrderFilter {
            office: o.office.id,
            paid: Some(paid),
            limit: 10,
            ..Default::default()
        };
        let (rows, _) = store.list_orders(paid(true)).await.unwrap();
        assert_eq!(
            rows.iter().map(|r| r.id).collect::<Vec<_>>(),
            vec![a.order_id()]
        );
        let (_, total) = store.list_orders(paid(false)).await.unwrap();
        assert_eq!(total, 0);
        let load = store.technician_load(o.office.id).await.unwrap();
        assert_eq!(load.get(&o.tech.user), Some(&1));
    }

    pub(super) async fn directory_round_trips_and_devices_bind_once(
        store: Arc<impl DirectoryStore + ?Sized>,
    ) {
        let o = office(&*store).await;
        assert_eq!(
            store.office(o.office.id).await.unwrap(),
            Some(o.office.clone())
        );
        assert!(store.offices().await.unwrap().contains(&o.office));
        let mut tech = store.user(o.tech.user).await.unwrap().unwrap();
        assert_eq!(tech.role, Role::Technician);
        tech.active = false;
        tech.token_version += 1;
        store.upsert_user(tech.clone()).await.unwrap();
        assert_eq!(store.user(o.tech.user).await.unwrap(), Some(tech));
        assert_eq!(store.users(o.office.id).await.unwrap().len(), 6);
        // A device belongs to the first user who synced with it.
        assert!(
            store
                .register_device(o.tech.user, o.tech.device)
                .await
                .is_ok()
        );
        assert!(matches!(
            store.register_device(o.tech2.user, o.tech.device).await,
            Err(baoxiu_server::Error::Forbidden(_))
        ));
        assert_eq!(store.technician_load(o.office.id).await.unwrap().len(), 0);
        let syncs = store.device_syncs(o.office.id).await.unwrap();
        assert_eq!(syncs.len(), 6, "every person's device");
        assert!(syncs.iter().all(|d| d.last_sync.is_none()));
    }

    pub(super) async fn catch_up_records_the_device_s_last_sync(
        store: Arc<impl OrderStore + DirectoryStore + ?Sized>,
    ) {
        let o = office(&*store).await;
        store
            .catch_up(ctx(&o, &o.tech2), None, true, NOW)
            .await
            .unwrap();
        let syncs = store.device_syncs(o.office.id).await.unwrap();
        let t2 = syncs.iter().find(|d| d.device == o.tech2.device).unwrap();
        assert_eq!((t2.user, t2.last_sync), (o.tech2.user, Some(NOW)));
    }

    fn period(o: &Office1) -> baoxiu_server::store::Period {
        let month = chrono::DateTime::from_timestamp_millis(T0)
            .unwrap()
            .format("%Y-%m")
            .to_string();
        Month::parse(&month, &o.office.time_zone).unwrap().period()
    }

    pub(super) async fn month_counts_of_an_office_month(store: Arc<dyn Store>) {
        let o = office(&*store).await;
        // One completed on time, one dispatched with no arrival, one logged only.
        for doc in [o.completed(), o.dispatched(), o.log()] {
            submit_doc(&*store, &o, &doc).await;
        }
        // Taken a day after T0: every deadline of the fixture has passed.
        let params = CountParams {
            grace_ms: ARRIVAL_GRACE_MS,
            rework_ms: 30 * 24 * 60 * MIN,
            margin_ms: 15 * MIN,
            satisfied_score: 4,
            handover_limit_ms: 30 * MIN,
            small_max_total: 500_000,
            now: T0 + 24 * 60 * MIN,
        };
        let counts = store
            .month_counts(vec![(o.office.id, period(&o))], params)
            .await
            .unwrap();
        assert_eq!(counts.len(), 1);
        let c = &counts[0];
        assert_eq!(c.logged, 3);
        // Received within 30 minutes: the two dispatched ones; the logged one never was,
        // and 30 minutes have passed: late.
        assert_eq!((c.handover_on_time, c.handover_counted), (2, 3));
        assert_eq!(c.handover_never_received, 1);
        assert!(c.handover_median_ms.is_some() && c.handover_longest_ms.is_some());
        let t = c
            .per_technician
            .iter()
            .find(|t| t.technician == Some(o.tech.user))
            .unwrap();
        // One arrival on time, and the dispatched one whose appointment passed with no
        // arrival: a no-show, counted late.
        assert_eq!(
            (t.arrivals, t.on_time, t.no_shows, t.completed),
            (2, 1, 1, 1)
        );
        assert_eq!(t.paid_total, 17000);
        assert_eq!((t.called_back, t.passed), (0, 0));
        // Another month counts nothing.
        // Taken before any deadline passed, nothing late is counted yet.
        let early = store
            .month_counts(
                vec![(o.office.id, period(&o))],
                CountParams {
                    now: T0 + MIN,
                    ..params
                },
            )
            .await
            .unwrap();
        assert_eq!(early[0].handover_counted, 2);
        let later = baoxiu_server::store::Period {
            start: T0 + 400 * 24 * 60 * MIN,
            end: T0 + 430 * 24 * 60 * MIN,
        };
        let none = store
            .month_counts(vec![(o.office.id, later)], params)
            .await
            .unwrap();
        assert_eq!(none[0].logged, 0);
        assert!(none[0].per_technician.is_empty());
    }

    pub(super) async fn register_lists_paid_completed_orders(store: Arc<dyn Store>) {
        let o = office(&*store).await;
        let done = o.completed();
        submit_doc(&*store, &o, &done).await;
        submit_doc(&*store, &o, &o.dispatched()).await;
        let lines = store.register_lines(o.office.id, period(&o)).await.unwrap();
        assert_eq!(lines.len(), 1);
        let l = &lines[0];
        assert_eq!(l.order, done.order_id());
        assert_eq!((l.materials, l.labour, l.total), (12000, 5000, 17000));
        assert_eq!(l.items, faucet(12000, 5000));
        assert_eq!(l.technician, Some(o.tech.user));
        let completed = store
            .completed_orders(o.office.id, period(&o))
            .await
            .unwrap();
        assert_eq!(completed, vec![(Some(o.tech.user), done.order_id())]);
    }

    fn plan(order: OrderId, method: CallbackMethod) -> baoxiu_sync_core::callback::Callback {
        CallbackPlan {
            order: Some(order),
            complaint: None,
            method,
            planned_at: NOW,
            assignee: None,
            content: "回訪".into(),
            sample: None,
            programme: None,
        }
        .into_callback(NOW)
    }

    pub(super) async fn call_backs_record_once_and_plan_the_fallback(store: Arc<dyn Store>) {
        let o = office(&*store).await;
        let done = o.completed();
        submit_doc(&*store, &o, &done).await;
        let office = o.office.id;
        let cb = plan(done.order_id(), CallbackMethod::Phone);
        store.insert_callback(office, cb.clone()).await.unwrap();
        assert_eq!(
            store.callback(office, cb.id.clone()).await.unwrap(),
            Some(cb.clone())
        );
        let missed = CallbackResult {
            reached: false,
            satisfaction: None,
            repair_held: None,
            problems: String::new(),
            responsible: None,
            content: String::new(),
            fallback_method: Some(CallbackMethod::OnSite),
            fallback_at: Some(NOW + 60 * MIN),
            task_owner: None,
            scores: Default::default(),
            answers: Vec::new(),
        };
        let (failed, next) = store
            .record_callback(
                office,
                cb.id.clone(),
                missed.clone(),
                o.supervisor.user,
                NOW,
            )
            .await
            .unwrap();
        assert_eq!(failed.status, CallbackStatus::Failed);
        let next = next.unwrap();
        assert_eq!(
            (next.method, next.planned_at),
            (CallbackMethod::OnSite, NOW + 60 * MIN)
        );
        // Recorded once: a second result is a conflict and changes nothing.
        assert!(matches!(
            store
                .record_callback(office, cb.id.clone(), missed, o.supervisor.user, NOW)
                .await,
            Err(baoxiu_server::Error::Conflict(_))
        ));
        let reached = CallbackResult {
            reached: true,
            satisfaction: Some(5),
            repair_held: Some(PassFail::Pass),
            problems: String::new(),
            responsible: None,
            content: String::new(),
            fallback_method: None,
            fallback_at: None,
            task_owner: None,
            scores: DimensionScores {
                reliability: Some(4),
                professionalism: Some(5),
                ..Default::default()
            },
            answers: Vec::new(),
        };
        store
            .record_callback(office, next.id.clone(), reached, o.supervisor.user, NOW)
            .await
            .unwrap();
        let planned = store
            .callbacks(
                office,
                CallbackFilter {
                    status: Some(CallbackStatus::Planned),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(planned.is_empty());
        let all = store
            .callbacks(
                office,
                CallbackFilter {
                    order: Some(done.order_id()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(all.len(), 2);
        // The month's pass and satisfaction counts see the recorded result.
        let counts = store
            .month_counts(
                vec![(office, period(&o))],
                CountParams {
                    grace_ms: ARRIVAL_GRACE_MS,
                    rework_ms: 0,
                    margin_ms: 0,
                    satisfied_score: 4,
                    handover_limit_ms: 30 * MIN,
                    small_max_total: 500_000,
                    now: NOW,
                },
            )
            .await
            .unwrap();
        let t = &counts[0].per_technician[0];
        assert_eq!((t.called_back, t.passed), (1, 1));
        assert_eq!((t.satisfaction_count, t.satisfaction_sum), (1, 5));
        assert_eq!(t.satisfied, 1);
        // S5 8: the dimensions scored on the same call-back, beside the rate.
        let d = &t.dimensions;
        assert_eq!(
            (
                d.of(Dimension::Reliability),
                d.of(Dimension::Professionalism),
                d.of(Dimension::Tangibles)
            ),
            ((4, 1), (5, 1), (0, 0))
        );
    }

    /// R-CS-TRAINING: training records, per person of the office.
    pub(super) async fn trainings_round_trip_per_person(store: Arc<dyn Store>) {
        use baoxiu_sync_core::training::{Training, TrainingKind};
        let o = office(&*store).await;
        let office = o.office.id;
        let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let record = |person, kind, d| {
            Training::new(
                person,
                kind,
                "崗前培訓",
                day(d),
                (o.supervisor.user, NOW, day(28)),
            )
            .unwrap()
        };
        let first = record(o.desk.user, TrainingKind::PreDuty, 2);
        let second = record(o.desk.user, TrainingKind::Refresher, 20);
        let other = record(o.supervisor.user, TrainingKind::Other, 5);
        for t in [&second, &first, &other] {
            store.add_training(office, t.clone()).await.unwrap();
        }
        assert_eq!(
            store.trainings(office, Some(o.desk.user)).await.unwrap(),
            vec![first.clone(), second]
        );
        assert_eq!(store.trainings(office, None).await.unwrap().len(), 3);
        // Only a person of the office.
        let stranger = record(baoxiu_sync_core::UserId::new(), TrainingKind::PreDuty, 2);
        assert!(matches!(
            store.add_training(office, stranger).await,
            Err(baoxiu_server::Error::NotFound(_))
        ));
    }

    /// R-VISIT-CONTENT: a call-back about a complaint, and the task its problem opens, are
    /// about the complaint and no order.
    pub(super) async fn complaint_call_backs_and_their_tasks_round_trip(store: Arc<dyn Store>) {
        let o = office(&*store).await;
        let office = o.office.id;
        let (x, _) = store
            .create_complaint(office, new_complaint(None, None), NOW, o.desk.user)
            .await
            .unwrap();
        let cb = CallbackPlan {
            order: None,
            complaint: Some(x.id.clone()),
            method: CallbackMethod::Phone,
            planned_at: NOW,
            assignee: None,
            content: "投訴處理回訪".into(),
            sample: None,
            programme: None,
        }
        .into_callback(NOW);
        store.insert_callback(office, cb.clone()).await.unwrap();
        let found = CallbackResult {
            reached: true,
            satisfaction: Some(3),
            repair_held: None,
            problems: "回覆太慢".into(),
            responsible: None,
            content: String::new(),
            fallback_method: None,
            fallback_at: None,
            task_owner: Some(o.dispatcher.user),
            // S5 8: the questionnaire's answers round-trip with the record.
            scores: DimensionScores {
                responsiveness: Some(2),
                empathy: Some(4),
                ..Default::default()
            },
            answers: vec![Answer {
                question: "還有什麼建議？".into(),
                answer: "請早點回電".into(),
            }],
        };
        let (recorded, _, task) = store
            .record_callback_task(office, cb.id.clone(), found, o.supervisor.user, NOW, 5)
            .await
            .unwrap();
        assert_eq!(
            (recorded.order, recorded.complaint.as_deref()),
            (None, Some(x.id.as_str()))
        );
        let task = task.expect("a task is opened");
        assert_eq!(
            (task.order, task.complaint.as_deref()),
            (None, Some(x.id.as_str()))
        );
        assert_eq!(
            store
                .owner_tasks(office, Some(o.dispatcher.user), true)
                .await
                .unwrap(),
            vec![task]
        );
        let about = |complaint: Option<String>, order: Option<OrderId>| CallbackFilter {
            complaint,
            order,
            ..Default::default()
        };
        let listed = store
            .callbacks(office, about(Some(x.id.clone()), None))
            .await
            .unwrap();
        assert_eq!(listed, vec![recorded]);
        assert!(
            store
                .callbacks(office, about(None, Some(OrderId::new())))
                .await
                .unwrap()
                .is_empty()
        );
    }

    pub(super) async fn owner_tasks_open_with_their_call_back_and_close_once(
        store: Arc<dyn Store>,
    ) {
        let o = office(&*store).await;
        let done = o.completed();
        submit_doc(&*store, &o, &done).await;
        let office = o.office.id;
        let cb = plan(done.order_id(), CallbackMethod::Phone);
        store.insert_callback(office, cb.clone()).await.unwrap();
        let found = CallbackResult {
            reached: true,
            satisfaction: Some(2),
            repair_held: Some(PassFail::Fail),
            problems: "維修後仍漏水".into(),
            responsible: None,
            content: String::new(),
            fallback_method: None,
            fallback_at: None,
            task_owner: Some(o.dispatcher.user),
            scores: Default::default(),
            answers: Vec::new(),
        };
        let (recorded, _, task) = store
            .record_callback_task(office, cb.id.clone(), found, o.supervisor.user, NOW, 5)
            .await
            .unwrap();
        let task = task.expect("a task is opened");
        assert_eq!(recorded.status, CallbackStatus::Done);
        assert_eq!(
            (task.owner, task.due_at),
            (o.dispatcher.user, NOW + 5 * 24 * 60 * MIN)
        );
        let mine = store
            .owner_tasks(office, Some(o.dispatcher.user), true)
            .await
            .unwrap();
        assert_eq!(mine, vec![task.clone()]);
        assert!(
            store
                .owner_tasks(office, Some(o.supervisor.user), true)
                .await
                .unwrap()
                .is_empty()
        );
        // Chased with a note: kept with the task, read back whole; not from another office.
        let reminded = store
            .remind_owner_task(
                office,
                task.id.clone(),
                o.supervisor.user,
                "請週五前處理".into(),
                NOW,
            )
            .await
            .unwrap();
        assert_eq!(reminded.reminders.len(), 1);
        assert_eq!(
            store
                .owner_tasks(office, Some(o.dispatcher.user), true)
                .await
                .unwrap(),
            vec![reminded.clone()]
        );
        let elsewhere = store
            .remind_owner_task(
                baoxiu_sync_core::OfficeId::new(),
                task.id.clone(),
                o.supervisor.user,
                String::new(),
                NOW,
            )
            .await;
        assert!(
            matches!(elsewhere, Err(baoxiu_server::Error::NotFound(_))),
            "{elsewhere:?}"
        );
        // Only the owner (or, with `any`, a supervisor) closes it, once.
        let refused = store
            .close_owner_task(
                office,
                task.id.clone(),
                o.desk.user,
                false,
                "看過".into(),
                NOW,
            )
            .await;
        assert!(
            matches!(refused, Err(baoxiu_server::Error::Forbidden(_))),
            "{refused:?}"
        );
        let closed = store
            .close_owner_task(
                office,
                task.id.clone(),
                o.dispatcher.user,
                false,
                "已重修".into(),
                NOW + 1,
            )
            .await
            .unwrap();
        assert_eq!(
            (closed.closed_at, closed.outcome.as_str()),
            (Some(NOW + 1), "已重修")
        );
        assert_eq!(
            closed.reminders, reminded.reminders,
            "closing keeps the reminders"
        );
        let late = store
            .remind_owner_task(
                office,
                task.id.clone(),
                o.supervisor.user,
                String::new(),
                NOW + 2,
            )
            .await;
        assert!(
            matches!(late, Err(baoxiu_server::Error::Conflict(_))),
            "{late:?}"
        );
        let again = store
            .close_owner_task(
                office,
                task.id.clone(),
                o.supervisor.user,
                true,
                "再次".into(),
                NOW + 2,
            )
            .await;
        assert!(
            matches!(again, Err(baoxiu_server::Error::Conflict(_))),
            "{again:?}"
        );
        assert!(
            store
                .owner_tasks(office, None, true)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store.owner_tasks(office, None, false).await.unwrap(),
            vec![closed]
        );
        // Another office sees none.
        let other = baoxiu_sync_core::OfficeId::new();
        assert!(
            store
                .owner_tasks(other, None, false)
                .await
                .unwrap()
                .is_empty()
        );
    }

    pub(super) async fn samples_store_their_call_backs(store: Arc<dyn Store>) {
        let o = office(&*store).await;
        let done = o.completed();
        submit_doc(&*store, &o, &done).await;
        let office = o.office.id;
        let sample = baoxiu_server::store::SampleRecord {
            id: "s-1".into(),
            month: "2026-11".into(),
            seed: u64::MAX - 3,
            percent: 10,
            min_per_technician: 1,
            orders: vec![done.order_id()],
            created_by: o.supervisor.user,
            created_at: NOW,
            replaces: None,
            reason: None,
            strata: Vec::new(),
        };
        let mut cb = plan(done.order_id(), CallbackMethod::Phone);
        cb.sample = Some("s-1".into());
        store
            .insert_sample(office, sample.clone(), vec![], vec![cb.clone()])
            .await
            .unwrap();
        assert_eq!(
            store.sample(office, "s-1".into()).await.unwrap(),
            Some(sample.clone())
        );
        let queue = store
            .callbacks(
                office,
                CallbackFilter {
                    sample: Some("s-1".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(queue, vec![cb.clone()]);
        // R-MONTH: a redraw names what it replaces and why, and cancels the planned
        // call-back it names, in the same transaction.
        let again = baoxiu_server::store::SampleRecord {
            id: "s-2".into(),
            replaces: Some("s-1".into()),
            reason: Some("抽錯比例".into()),
            created_at: NOW + 1,
            ..sample.clone()
        };
        store
            .insert_sample(office, again.clone(), vec![cb.id.clone()], vec![])
            .await
            .unwrap();
        let month = store.month_samples(office, "2026-11".into()).await.unwrap();
        assert_eq!(month, vec![sample.clone(), again.clone()]);
        let cancelled = store
            .callback(office, cb.id.clone())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(cancelled.status, CallbackStatus::Cancelled);
        assert_eq!(cancelled.recorded_by, Some(o.supervisor.user));
        // A call-back no longer planned cannot be cancelled: nothing of that redraw stays.
        let third = baoxiu_server::store::SampleRecord {
            id: "s-3".into(),
            ..again.clone()
        };
        let refused = store
            .insert_sample(office, third, vec![cb.id.clone()], vec![])
            .await;
        assert!(
            matches!(refused, Err(baoxiu_server::Error::Conflict(_))),
            "{refused:?}"
        );
        assert_eq!(store.sample(office, "s-3".into()).await.unwrap(), None);
        // Another office sees neither.
        let other = baoxiu_sync_core::OfficeId::new();
        assert_eq!(store.sample(other, "s-1".into()).await.unwrap(), None);
        assert!(
            store
                .month_samples(other, "2026-11".into())
                .await
                .unwrap()
                .is_empty()
        );
    }

    pub(crate) fn new_complaint(same_as: Option<String>, new_facts: Option<bool>) -> NewComplaint {
        NewComplaint {
            channel: "hotline".into(),
            complainant: "王先生".into(),
            contact: String::new(),
            by_customer_or_agent: true,
            unit: "A棟-12F-3".into(),
            subject: "維修太慢".into(),
            category: String::new(),
            description: String::new(),
            order: None,
            technician: None,
            material_complete: true,
            missing: String::new(),
            same_as,
            new_facts,
            referral: None,
            customer: None,
        }
    }

    pub(super) async fn complaints_store_repeats_atomically(
        store: Arc<impl DirectoryStore + ComplaintStore + ?Sized>,
    ) {
        let o = office(&*store).await;
        let office = o.office.id;
        let by = o.desk.user;
        let (first, earlier) = store
            .create_complaint(office, new_complaint(None, None), T0, by)
            .await
            .unwrap();
        assert!(earlier.is_none());
        assert_eq!(first.status, ComplaintStatus::AwaitingAcceptance);
        // A repeat with new facts during handling: merged, and the earlier one restarts.
        let (second, earlier) = store
            .create_complaint(
                office,
                new_complaint(Some(first.id.clone()), Some(true)),
                T0 + 60 * MIN,
                by,
            )
            .await
            .unwrap();
        assert_eq!(second.status, ComplaintStatus::Merged);
        let earlier = earlier.unwrap();
        assert_eq!(earlier.restarts, 1);
        assert_eq!(
            store.complaint(office, first.id.clone()).await.unwrap(),
            Some(earlier)
        );
        // A repeat of the merged one follows the merge to the one that lives on.
        let (third, earlier) = store
            .create_complaint(
                office,
                new_complaint(Some(second.id.clone()), Some(false)),
                T0 + 120 * MIN,
                by,
            )
            .await
            .unwrap();
        assert_eq!(third.status, ComplaintStatus::NotAccepted);
        assert_eq!(third.duplicate_of, Some(first.id.clone()));
        assert!(earlier.is_none());
        // A change runs with the office calendar, atomically; a refusal stores nothing.
        let refused = store
            .update_complaint(
                office,
                first.id.clone(),
                Box::new(move |x, cal| {
                    x.decide(
                        cal.day_of(T0).unwrap(),
                        ("upheld", "", &[]),
                        (&cal.calendar, cal.tell_days),
                        by,
                    )
                }),
            )
            .await;
        assert!(refused.is_err());
        let accepted = store
            .update_complaint(
                office,
                first.id.clone(),
                Box::new(move |x, cal| {
                    x.answer(
                        cal.day_of(T0).unwrap(),
                        "accept",
                        None,
                        None,
                        (&cal.calendar, cal.decision_days),
                        by,
                    )
                }),
            )
            .await
            .unwrap();
        assert_eq!(accepted.status, ComplaintStatus::Accepted);
        let all = store.complaints(office).await.unwrap();
        assert_eq!(all.len(), 3);
        assert!(all.contains(&accepted));
        assert!(
            store
                .update_complaint(office, "nope".into(), Box::new(|_, _| Ok(())))
                .await
                .is_err()
        );
    }

    /// S3: each office keeps one document per register, replaced whole; an office that
    /// does not exist is not found, never given an empty register.
    pub(super) async fn office_registers_round_trip_per_office_and_kind(
        store: Arc<impl DirectoryStore + RegisterStore + ?Sized>,
    ) {
        let o = office(&*store).await;
        let office = o.office.id;
        assert_eq!(store.register(office, Register::Fleet).await.unwrap(), None);
        store
            .set_register(office, Register::Fleet, r#"{"shops":["順安汽修"]}"#.into())
            .await
            .unwrap();
        store
            .set_register(office, Register::Catalogue, r#"{"items":{}}"#.into())
            .await
            .unwrap();
        store
            .set_register(office, Register::Fleet, r#"{"shops":["大華車廠"]}"#.into())
            .await
            .unwrap();
        assert_eq!(
            store
                .register(office, Register::Fleet)
                .await
                .unwrap()
                .as_deref(),
            Some(r#"{"shops":["大華車廠"]}"#)
        );
        assert_eq!(
            store
                .register(office, Register::Catalogue)
                .await
                .unwrap()
                .as_deref(),
            Some(r#"{"items":{}}"#)
        );
        // R-CPL-CHANNEL: the published complaint contacts are a register too (schema 20).
        let contacts = r#"{"phone":"0800-123-456"}"#;
        store
            .set_register(office, Register::ComplaintContacts, contacts.into())
            .await
            .unwrap();
        assert_eq!(
            store
                .register(office, Register::ComplaintContacts)
                .await
                .unwrap()
                .as_deref(),
            Some(contacts)
        );
        // R-CPL-REPORT: the regulator's filing likewise (schema 26).
        let filing = r#"{"rules":["客戶投訴處理制度"],"evaluation_scheme":"","people":[]}"#;
        store
            .set_register(office, Register::ComplaintFiling, filing.into())
            .await
            .unwrap();
        assert_eq!(
            store
                .register(office, Register::ComplaintFiling)
                .await
                .unwrap()
                .as_deref(),
            Some(filing)
        );
        let nowhere = baoxiu_sync_core::OfficeId::new();
        assert!(matches!(
            store.register(nowhere, Register::Fleet).await,
            Err(baoxiu_server::Error::NotFound(_))
        ));
        assert!(matches!(
            store
                .set_register(nowhere, Register::Fleet, "{}".into())
                .await,
            Err(baoxiu_server::Error::NotFound(_))
        ));
    }

    pub(super) async fn calendar_and_settings_round_trip(
        store: Arc<impl DirectoryStore + OfficeStore + ?Sized>,
    ) {
        let o = office(&*store).await;
        let office = o.office.id;
        let cal = store.calendar(office).await.unwrap();
        assert_eq!((cal.decision_days, cal.tell_days), (15, 5), "the defaults");
        assert_eq!(
            cal.calendar.kind,
            CalendarKind::for_time_zone(&o.office.time_zone)
        );
        let day = chrono::NaiveDate::from_ymd_opt(2026, 10, 10).unwrap();
        let cal = store
            .set_calendar(
                office,
                CalendarChange {
                    kind: Some(CalendarKind::Cn),
                    decision_days: Some(20),
                    tell_days: Some(8),
                    overrides: vec![(day, Some(false))],
                },
            )
            .await
            .unwrap();
        assert_eq!(cal.calendar.kind, CalendarKind::Cn);
        assert_eq!((cal.decision_days, cal.tell_days), (20, 8));
        assert_eq!(cal.calendar.overrides.get(&day), Some(&false));
        let cal = store
            .set_calendar(
                office,
                CalendarChange {
                    overrides: vec![(day, None)],
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(cal.calendar.overrides.is_empty());
        assert_eq!(
            (cal.decision_days, cal.tell_days),
            (20, 8),
            "unchanged when not given"
        );
        assert!(
            store
                .set_calendar(
                    office,
                    CalendarChange {
                        decision_days: Some(0),
                        ..Default::default()
                    }
                )
                .await
                .is_err()
        );
        assert_eq!(
            store.settings(office).await.unwrap(),
            OfficeSettings::default()
        );
        let s = OfficeSettings {
            rework_days: 14,
            ..Default::default()
        };
        store.set_settings(office, s).await.unwrap();
        assert_eq!(store.settings(office).await.unwrap(), s);
        let bad = OfficeSettings {
            sample_percent: 101,
            ..Default::default()
        };
        assert!(store.set_settings(office, bad).await.is_err());
        assert_eq!(store.settings(office).await.unwrap(), s);
    }

    pub(super) async fn a_working_store_is_ready(
        store: Arc<impl OrderStore + DirectoryStore + ?Sized>,
    ) {
        store.ready().await.unwrap();
        // The probe leaves nothing behind: still empty, still ready.
        assert_eq!(store.log_len().await.unwrap(), 0);
        store.ready().await.unwrap();
        assert!(store.storage_error().is_none());
    }
}

/// Two nodes writing the same order at once: the projection row each leaves is the state
/// of every change, not of its own view alone (each node's writer holds the order while
/// it writes it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_nodes_writing_one_order_at_once_leave_its_whole_state_projected() {
    let Some((a, db)) = postgres("postgres_nodes_writing_one_order").await else {
        return;
    };
    let b = second_node(&db).await;
    let o = cases::office(&*a).await;
    let who = |s: &PgStore| Author {
        user: o.dispatcher.user,
        device: s.server_device(),
        role: Role::Dispatcher,
    };
    let new = baoxiu_sync_core::NewOrder {
        office: o.office.clone(),
        customer: customer(),
        channel: baoxiu_sync_core::Channel::Phone,
        description: "廚房水龍頭漏水".into(),
        follow_up_of: None,
    };
    let created = a.create(who(&a), new, T0).await.unwrap();
    let id = created.order;
    // Five rounds of forty notes, half through each node, all at once.
    for round in 0..5i64 {
        let mut tasks = Vec::new();
        for i in 0..40i64 {
            let store = if i % 2 == 0 { a.clone() } else { b.clone() };
            let (author, office) = (who(&store), o.office.id);
            let at = T0 + (round * 40 + i) * MIN;
            tasks.push(tokio::spawn(async move {
                store
                    .command(
                        author,
                        office,
                        id,
                        EventBody::Note {
                            text: format!("note {round}.{i}"),
                        },
                        at,
                    )
                    .await
                    .unwrap();
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let state = a.order(id).await.unwrap().unwrap();
        assert_eq!(
            state.notes.len(),
            usize::try_from(40 * (round + 1)).unwrap()
        );
        let (rows, _) = b
            .list_orders(OrderFilter {
                office: o.office.id,
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        let last = state.timeline.iter().map(|t| t.at).max().unwrap();
        assert_eq!(
            rows[0].updated_at, last,
            "round {round}: the projection has every note"
        );
    }
}
