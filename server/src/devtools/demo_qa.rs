//! The demo office's QA (R-CS-QA): the inspector has inspected a few of the latest
//! contacts and call-backs against the default scheme — most passed, one failed for a
//! wrong fee quoted — so the month's report has something to say.

use baoxiu_sync_core::callback::CallbackStatus;
use baoxiu_sync_core::contact::ContactKind;
use baoxiu_sync_core::qa::{Inspection, NewInspection, QaScheme, Subject};
use baoxiu_sync_core::{Person, Role, UserId};

use super::demo::DEMO_OFFICE;
use crate::error::Result;
use crate::state::AppState;
use crate::store::{CallbackFilter, ContactFilter};

pub async fn seed(st: &AppState, people: &[Person]) -> Result<()> {
    let Some(qa) = people.iter().find(|p| p.role == Role::QaInspector) else {
        return Ok(());
    };
    let scheme = QaScheme::default();
    let contacts = st
        .store
        .contacts(
            DEMO_OFFICE,
            ContactFilter {
                limit: 3,
                ..Default::default()
            },
        )
        .await?;
    let calls = st
        .store
        .callbacks(
            DEMO_OFFICE,
            CallbackFilter {
                status: Some(CallbackStatus::Done),
                ..Default::default()
            },
        )
        .await?;
    let mut work: Vec<(Subject, String, UserId)> = contacts
        .into_iter()
        .filter(|c| c.kind != ContactKind::Whistleblowing)
        .map(|c| (Subject::Contact, c.id, c.taken_by))
        .collect();
    work.extend(
        calls
            .into_iter()
            .filter_map(|c| Some((Subject::Callback, c.id, c.recorded_by?)))
            .take(2),
    );
    let now = st.now();
    for (i, (subject, id, agent)) in work.into_iter().enumerate() {
        if agent == qa.id {
            continue;
        }
        // The second one quoted the wrong fee: 資訊準確 0 of 25, 75 of 100, failed.
        let docked = i == 1;
        let scores = scheme
            .criteria
            .iter()
            .map(|c| {
                let p = if docked && c.name == "資訊準確" {
                    0
                } else {
                    c.max_points
                };
                (c.name.clone(), p)
            })
            .collect();
        let n = NewInspection {
            subject,
            subject_id: id,
            scores,
            comment: if docked {
                "報價用了舊收費標準，未告知上門時限".into()
            } else {
                String::new()
            },
        };
        let x = Inspection::new(n, &scheme, agent, qa.id, now)?;
        st.store.add_inspection(DEMO_OFFICE, x).await?;
    }
    Ok(())
}
