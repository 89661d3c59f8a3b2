//! The store conformance case of the call-back programme (S5 25), run on every backend by
//! `conformance.rs`: a programme is kept and replaced, listed per office, and its
//! call-backs are found by it with their questionnaire's answers.

use std::sync::Arc;

use baoxiu_server::Store;
use baoxiu_server::store::CallbackFilter;
use baoxiu_sync_core::callback::{CallbackMethod, CallbackPlan, CallbackResult};
use baoxiu_sync_core::programme::{Programme, ProgrammeDraft, Round, VisitKind};
use baoxiu_sync_core::questionnaire::{Answer, Dimension, DimensionScores};

use crate::conformance::cases::{office, submit_doc};
use crate::support::*;

fn draft(title: &str, starts: &str) -> ProgrammeDraft {
    ProgrammeDraft {
        title: title.into(),
        starts: starts.into(),
        ends: "2026-12-31".into(),
        audience: "本季完成的小修業戶".into(),
        target: 30,
        kinds: vec![VisitKind::Satisfaction],
        dimensions: Dimension::ALL.to_vec(),
        questions: vec!["還有什麼建議？".into()],
        schedule: vec![Round {
            on: "2026-11-02".into(),
            focus: "十月的訂單".into(),
            target: 10,
        }],
        methods: vec![CallbackMethod::Phone, CallbackMethod::OnlineSurvey],
    }
}

pub(crate) async fn programmes_round_trip_with_their_call_backs(store: Arc<dyn Store>) {
    let o = office(&*store).await;
    let other = office(&*store).await;
    let (office_id, by) = (o.office.id, o.supervisor.user);
    let q4 = Programme {
        id: "p-q4".into(),
        draft: draft("第四季度回訪", "2026-10-01"),
        created_by: by,
        created_at: T0,
        updated_at: T0,
    };
    let q3 = Programme {
        id: "p-q3".into(),
        draft: draft("第三季度回訪", "2026-07-01"),
        ..q4.clone()
    };
    for p in [&q3, &q4] {
        store.save_programme(office_id, p.clone()).await.unwrap();
    }
    // A new draft replaces the old; its author and creation stay.
    let edited = Programme {
        draft: ProgrammeDraft {
            target: 45,
            ..q4.draft.clone()
        },
        created_by: o.desk.user,
        created_at: T0 + MIN,
        updated_at: T0 + 2 * MIN,
        ..q4.clone()
    };
    store
        .save_programme(office_id, edited.clone())
        .await
        .unwrap();
    let kept = store
        .programme(office_id, "p-q4".into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.draft.target, 45);
    assert_eq!((kept.created_by, kept.created_at), (by, T0));
    assert_eq!(kept.updated_at, T0 + 2 * MIN);
    let listed: Vec<String> = store
        .programmes(office_id)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(listed, vec!["p-q4".to_owned(), "p-q3".to_owned()]);
    // Nothing crosses offices.
    assert!(store.programmes(other.office.id).await.unwrap().is_empty());
    assert!(
        store
            .programme(other.office.id, "p-q4".into())
            .await
            .unwrap()
            .is_none()
    );
    // Its call-backs, found by it, keep their answers.
    let done = o.completed();
    submit_doc(&*store, &o, &done).await;
    let plan = |programme: Option<&str>| {
        CallbackPlan {
            order: Some(done.order_id()),
            complaint: None,
            method: CallbackMethod::OnlineSurvey,
            planned_at: T0,
            assignee: None,
            content: "回訪".into(),
            sample: None,
            programme: programme.map(str::to_owned),
        }
        .into_callback(T0)
    };
    let under = plan(Some("p-q4"));
    store
        .insert_callback(office_id, under.clone())
        .await
        .unwrap();
    store.insert_callback(office_id, plan(None)).await.unwrap();
    let answered = CallbackResult {
        reached: true,
        satisfaction: Some(4),
        scores: DimensionScores {
            tangibles: Some(3),
            ..Default::default()
        },
        answers: vec![Answer {
            question: "還有什麼建議？".into(),
            answer: "師傅很準時".into(),
        }],
        ..Default::default()
    };
    store
        .record_callback(office_id, under.id.clone(), answered, by, T0 + MIN)
        .await
        .unwrap();
    let found = store
        .callbacks(
            office_id,
            CallbackFilter {
                programme: Some("p-q4".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, under.id);
    assert_eq!(found[0].scores.tangibles, Some(3));
    assert_eq!(found[0].answers[0].answer, "師傅很準時");
}
