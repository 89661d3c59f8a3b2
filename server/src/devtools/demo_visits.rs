//! The demo office's call-back programme (S5 25): this quarter's satisfaction call-backs
//! of completed repairs — the agent has phoned most customers (with the five dimensions
//! and the free questions answered), one was not reached and waits for the programme's
//! next way (an online survey the manager sends), and one call is still to make.

use baoxiu_sync_core::callback::{CallbackMethod, CallbackPlan, CallbackResult};
use baoxiu_sync_core::programme::{ProgrammeDraft, Round, VisitKind};
use baoxiu_sync_core::questionnaire::{Answer, Dimension};
use baoxiu_sync_core::{PassFail, Person, Role};
use chrono::{Datelike, Months, NaiveDate, TimeZone};

use super::demo::DEMO_OFFICE;
use crate::error::{Error, Result};
use crate::service::programmes::{self, day_in};
use crate::state::AppState;
use crate::store::Period;

const DAY: i64 = 24 * 3600 * 1000;

/// The quarter holding `day`: its first and last day.
fn quarter(day: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::from_ymd_opt(day.year(), (day.month0() / 3) * 3 + 1, 1)?;
    let last = first.checked_add_months(Months::new(3))?.pred_opt()?;
    Some((first, last))
}

pub async fn seed(st: &AppState, people: &[Person]) -> Result<()> {
    let find = |role: Role| people.iter().find(|p| p.role == role);
    let (Some(manager), Some(agent)) = (find(Role::CsManager), find(Role::CsAgent)) else {
        return Ok(());
    };
    let tz = crate::service::office_zone(st, DEMO_OFFICE).await?;
    let now = st.now();
    let (first, last) = day_in(tz, now)
        .and_then(quarter)
        .ok_or_else(|| Error::Internal("demo quarter".into()))?;
    let on = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let round = |days: u64, focus: &str| Round {
        on: on(first
            .checked_add_days(chrono::Days::new(days))
            .unwrap_or(first)
            .min(last)),
        focus: focus.into(),
        target: 15,
    };
    let questions = vec![
        "還有什麼需要我們改進？".to_owned(),
        "您會推薦我們的維修服務給鄰居嗎？".to_owned(),
    ];
    let draft = ProgrammeDraft {
        title: "本季住戶滿意度回訪".into(),
        starts: on(first),
        ends: on(last),
        audience: "本季完成維修的住戶（小修全數、工程抽查）".into(),
        target: 40,
        kinds: vec![
            VisitKind::Satisfaction,
            VisitKind::RepairHeld,
            VisitKind::Courtesy,
        ],
        dimensions: Dimension::ALL.to_vec(),
        questions: questions.clone(),
        schedule: vec![
            round(14, "上季末完成的訂單"),
            round(45, "本季第一、二個月完成的訂單"),
            round(80, "季末前完成的訂單、投訴相關住戶"),
        ],
        methods: vec![
            CallbackMethod::Phone,
            CallbackMethod::OnlineSurvey,
            CallbackMethod::OnSite,
        ],
    };
    let p = programmes::save(st, DEMO_OFFICE, None, draft, manager.id).await?;
    let start = tz
        .from_local_datetime(&first.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map_or(now, |t| t.timestamp_millis());
    let completed = st
        .store
        .completed_orders(
            DEMO_OFFICE,
            Period {
                start,
                end: now.saturating_add(DAY),
            },
        )
        .await?;
    // (satisfaction, held, five scores, an answer) of the calls made; then one not
    // reached, then one still to make.
    let answers: [(u8, [u8; 5], &str); 4] = [
        (5, [5, 4, 5, 5, 5], "師傅準時又細心"),
        (4, [4, 4, 3, 4, 5], "希望能提早電話告知到達時間"),
        (3, [3, 4, 2, 3, 4], "等了三天才有人來"),
        (5, [5, 5, 4, 5, 5], ""),
    ];
    for (i, (_, order)) in completed.iter().take(6).enumerate() {
        let at = now.saturating_sub(DAY * (6 - i as i64)).max(start);
        let cb = CallbackPlan {
            order: Some(*order),
            complaint: None,
            method: CallbackMethod::Phone,
            planned_at: at,
            assignee: Some(agent.id),
            content: "本季住戶滿意度回訪".into(),
            sample: None,
            programme: Some(p.id.clone()),
        }
        .into_callback(at);
        st.store.insert_callback(DEMO_OFFICE, cb.clone()).await?;
        let mut result = CallbackResult::default();
        match answers.get(i) {
            Some((satisfaction, scores, said)) => {
                result.reached = true;
                result.satisfaction = Some(*satisfaction);
                result.repair_held = Some(PassFail::Pass);
                for (d, s) in Dimension::ALL.into_iter().zip(scores) {
                    result.scores.set(d, Some(*s));
                }
                if !said.is_empty() {
                    result.answers.push(Answer {
                        question: questions[0].clone(),
                        answer: (*said).into(),
                    });
                }
            }
            // Not reached: the programme's next way (an online survey) is planned, two
            // hours later (inside the period whatever day the demo starts).
            None if i == 4 => result.fallback_at = Some(at.saturating_add(2 * 3_600_000)),
            // Still to make.
            None => continue,
        }
        programmes::prepare_result(st, DEMO_OFFICE, &cb, &mut result).await?;
        st.store
            .record_callback(
                DEMO_OFFICE,
                cb.id,
                result,
                agent.id,
                at.saturating_add(3_600_000),
            )
            .await?;
    }
    Ok(())
}
