//! The demo's PDCA register (S5 16): last month's call-backs found night calls answered
//! late — planned, done, checked and closed, the weekend part carried into this cycle and
//! planned again; and a fresh problem from a complaint still waiting for its plan.

use baoxiu_sync_core::improvement::{
    Improvement, NewImprovement, Plan, PlannedAction, Source, Step,
};
use baoxiu_sync_core::{Person, Role};

use crate::error::{Error, Result};
use crate::state::AppState;

const DAY_MS: i64 = 24 * 3600 * 1000;

pub(super) async fn seed(st: &AppState, people: &[Person]) -> Result<()> {
    let office = super::demo::DEMO_OFFICE;
    let find = |r: Role| people.iter().find(|p| p.role == r).map(|p| p.id);
    let (Some(sup), Some(manager)) = (find(Role::Supervisor), find(Role::Dispatcher)) else {
        return Err(Error::Internal("demo people".into()));
    };
    let now = st.now();
    let plan = |cause: &str, factor: &str, what: &str| Plan {
        cause: cause.into(),
        biggest_factor: factor.into(),
        actions: vec![PlannedAction {
            what: what.into(),
            owner: Some(manager),
            due: None,
        }],
    };
    let night = NewImprovement {
        problem: "回訪發現夜間報修響應慢，住戶等候逾一小時".into(),
        source: Source::Callback,
        reference: "上月回訪".into(),
        plan: Some(plan(
            "夜班只有一人值守，來電無人接聽時次日才派工",
            "夜間來電沒有轉接到值班技工",
            "夜間來電轉接值班技工手機",
        )),
    };
    let x = Improvement::new(night, sup, now - 30 * DAY_MS)?;
    let id = x.id.clone();
    st.store.add_improvement(office, x).await?;
    let steps = [
        (
            Step::Do {
                note: "夜間來電已轉接值班技工手機".into(),
            },
            manager,
            20,
        ),
        (
            Step::Check {
                results: "平日夜間平均響應 25 分鐘；週末仍逾一小時".into(),
                resolved: false,
            },
            sup,
            5,
        ),
        (
            Step::Act {
                consolidated: "夜間轉接寫入值班制度".into(),
                leftover: "週末夜間仍無人接聽".into(),
            },
            sup,
            4,
        ),
    ];
    let mut carried = None;
    for (step, by, days_ago) in steps {
        let (_, next) = st
            .store
            .step_improvement(
                office,
                id.clone(),
                step,
                (by, now - days_ago * DAY_MS),
                true,
            )
            .await?;
        carried = carried.or(next);
    }
    if let Some(next) = carried {
        let again = plan("週末無值班表", "週末排班", "排定週末輪值表");
        st.store
            .step_improvement(
                office,
                next.id,
                Step::Plan(again),
                (sup, now - 3 * DAY_MS),
                true,
            )
            .await?;
    }
    let fresh = NewImprovement {
        problem: "投訴：維修後仍滴水，同一故障一週內重修".into(),
        source: Source::Complaint,
        reference: String::new(),
        plan: None,
    };
    let y = Improvement::new(fresh, sup, now - DAY_MS)?;
    st.store.add_improvement(office, y).await
}
