//! The demo office's complaints (S2 ch. 4), in every state the service centre works with:
//! material missing, awaiting acceptance, under investigation, decided with remedies and
//! still to be told, closed, and two a regulator referred — one answered with its written
//! report sent, one still due.

use baoxiu_sync_core::callback::{CallbackMethod, CallbackPlan, CallbackResult};
use baoxiu_sync_core::complaint::{
    Accountability, NewComplaint, NewEvaluation, NewReferral, Rating, Remedy, RemedyKind,
    ReplyForm, RootCause,
};
use baoxiu_sync_core::training::{Training, TrainingKind};
use baoxiu_sync_core::{OrderId, Person, Role};
use chrono::{Days, NaiveDate};

use crate::error::{Error, Result};
use crate::state::AppState;

const DAY_MS: i64 = 24 * 3600 * 1000;

fn new(
    channel: &str,
    (complainant, unit): (&str, &str),
    subject: &str,
    category: &str,
    order: Option<OrderId>,
    complete: bool,
) -> NewComplaint {
    NewComplaint {
        channel: channel.into(),
        complainant: complainant.into(),
        contact: "0912-345-678".into(),
        by_customer_or_agent: true,
        unit: unit.into(),
        subject: subject.into(),
        category: category.into(),
        description: String::new(),
        order,
        technician: None,
        material_complete: complete,
        missing: if complete {
            String::new()
        } else {
            "漏水位置照片".into()
        },
        same_as: None,
        new_facts: None,
        referral: None,
        customer: None,
    }
}

/// What happens to a demo complaint after it is received, day by day (days after receipt).
enum Step {
    Accept(u64),
    Decide(u64, &'static str, &'static str, Vec<Remedy>),
    Told(u64),
    Refer(u64, NewReferral),
    ReportSent(u64, &'static str),
    /// A complaint call-back made that day, scored (R-VISIT-CONTENT).
    CalledBack(u64, u8),
    /// The handling evaluated (R-CPL-EVAL).
    Evaluate(u64, Rating, Vec<Accountability>),
}

fn remedy(kind: RemedyKind, order: Option<OrderId>, amount: Option<i64>, note: &str) -> Remedy {
    Remedy {
        kind,
        order,
        amount,
        note: note.into(),
    }
}

pub(super) async fn seed(st: &AppState, people: &[Person], orders: &[OrderId]) -> Result<()> {
    let office = super::demo::DEMO_OFFICE;
    let find = |r: Role| people.iter().find(|p| p.role == r).map(|p| p.id);
    let (Some(desk), Some(sup)) = (find(Role::FrontDesk), find(Role::Supervisor)) else {
        return Err(Error::Internal("demo people".into()));
    };
    let now = st.now();
    let cal = st.store.calendar(office).await?;
    // R-CS-TRAINING: the hotline's agent went on duty after a pre-duty training.
    if let (Some(agent), Some(admin)) = (find(Role::CsAgent), find(Role::Admin)) {
        let today = cal.day_of(now).unwrap_or_default();
        let on = today.checked_sub_days(Days::new(40)).unwrap_or(today);
        let t = Training::new(
            agent,
            TrainingKind::PreDuty,
            "客服中心崗前培訓",
            on,
            (admin, now, today),
        )?;
        st.store.add_training(office, t).await?;
    }
    let today = cal
        .day_of(now)
        .ok_or_else(|| Error::Internal("the clock is out of range".into()))?;
    let redo = orders.first().copied();
    let on = |days_ago: u64| today.checked_sub_days(Days::new(days_ago)).unwrap_or(today);
    let referral = |body: &str, reference: &str, due: NaiveDate| NewReferral {
        body: body.into(),
        reference: reference.into(),
        reply_due: due,
        form: ReplyForm::WrittenReport,
    };
    // (days ago received, the complaint, what happened since)
    let complaints: Vec<(u64, NewComplaint, Vec<Step>)> = vec![
        (
            2,
            new(
                "email",
                ("林小姐", "A棟-5F-2"),
                "浴室天花板仍滲水",
                "repair",
                None,
                false,
            ),
            vec![],
        ),
        (
            3,
            new(
                "hotline",
                ("陳先生", "B棟-8F-1"),
                "維修人員遲到一小時",
                "timeliness",
                redo,
                true,
            ),
            vec![],
        ),
        (
            9,
            new(
                "walk_in",
                ("黃太太", "C棟-2F-6"),
                "收費與告知不符",
                "fees",
                None,
                true,
            ),
            vec![Step::Accept(1)],
        ),
        (
            16,
            new(
                "letter",
                ("張先生", "A棟-12F-3"),
                "更換水龍頭後仍漏水",
                "repair",
                redo,
                true,
            ),
            vec![
                Step::Accept(2),
                Step::Decide(
                    10,
                    "upheld",
                    "查明墊片安裝不當，安排返工並賠償地板清潔費",
                    vec![
                        remedy(RemedyKind::Redo, redo, None, "免費返工"),
                        remedy(RemedyKind::Compensation, None, Some(30_000), "地板清潔費"),
                    ],
                ),
            ],
        ),
        (
            30,
            new(
                "hotline",
                ("吳小姐", "B棟-3F-2"),
                "電話無人接聽",
                "service",
                None,
                true,
            ),
            vec![
                Step::Accept(1),
                Step::Decide(
                    6,
                    "partly_upheld",
                    "夜間值班人手不足，已調整排班",
                    vec![remedy(RemedyKind::Apology, None, None, "電話致歉")],
                ),
                Step::Told(8),
                Step::CalledBack(12, 4),
                Step::Evaluate(
                    14,
                    Rating::Acceptable,
                    vec![Accountability {
                        person: None,
                        name: "夜班值班組".into(),
                        what: "熱線無人接聽，已增派人手".into(),
                    }],
                ),
            ],
        ),
        (
            25,
            new(
                "letter",
                ("李先生", "C棟-9F-1"),
                "公共區域照明維修拖延",
                "timeliness",
                None,
                true,
            ),
            vec![
                Step::Refer(0, referral("市消費者委員會", "消委2026-118", on(5))),
                Step::Accept(2),
                Step::Decide(
                    9,
                    "not_upheld",
                    "查明為台電停電所致，非本處責任",
                    vec![remedy(
                        RemedyKind::Explanation,
                        None,
                        None,
                        "附台電停電公告",
                    )],
                ),
                Step::Told(11),
                Step::ReportSent(12, "掛號 RR123456789TW"),
                Step::Evaluate(15, Rating::Good, vec![]),
            ],
        ),
        (
            6,
            new(
                "fax",
                ("王女士", "A棟-1F-1"),
                "管理費收據金額錯誤",
                "fees",
                None,
                true,
            ),
            vec![
                Step::Refer(
                    0,
                    referral(
                        "縣政府消費者服務中心",
                        "消保2026-042",
                        on(0).checked_add_days(Days::new(7)).unwrap_or(today),
                    ),
                ),
                Step::Accept(2),
            ],
        ),
    ];
    for (ago, n, steps) in complaints {
        let received = now - i64::try_from(ago).unwrap_or(0) * DAY_MS;
        let (x, _) = st.store.create_complaint(office, n, received, desk).await?;
        let day0 = on(ago);
        for step in steps {
            let at = move |d: u64| {
                day0.checked_add_days(Days::new(d))
                    .unwrap_or(today)
                    .min(today)
            };
            if let Step::CalledBack(d, score) = step {
                let when = received + i64::try_from(d).unwrap_or(0) * DAY_MS;
                called_back(st, &x.id, when.min(now), score, sup).await?;
                continue;
            }
            let change: crate::store::ComplaintChange = match step {
                Step::Accept(d) => Box::new(move |x, cal| {
                    x.answer(
                        at(d),
                        "accept",
                        None,
                        None,
                        (&cal.calendar, cal.decision_days),
                        sup,
                    )
                }),
                Step::Decide(d, outcome, text, remedies) => Box::new(move |x, cal| {
                    x.decide(
                        at(d),
                        (outcome, text, &remedies),
                        (&cal.calendar, cal.tell_days),
                        sup,
                    )?;
                    // R-CPL-REPORT: what the investigation found, for the analysis.
                    x.root_cause = Some(match outcome {
                        "upheld" => RootCause::Staff,
                        "partly_upheld" => RootCause::Process,
                        _ => RootCause::External,
                    });
                    Ok(())
                }),
                Step::Told(d) => Box::new(move |x, _| x.told(at(d), sup)),
                Step::Refer(d, r) => Box::new(move |x, _| x.refer(at(d), &r, desk)),
                Step::ReportSent(d, note) => Box::new(move |x, _| x.report_sent(at(d), note, sup)),
                Step::Evaluate(d, rating, accountability) => {
                    // The score of the complaint's call-back, as the API reads it.
                    let satisfaction = (rating == Rating::Acceptable).then_some(4);
                    let n = NewEvaluation {
                        rating,
                        accountability,
                        note: String::new(),
                    };
                    Box::new(move |x, _| x.evaluate(at(d), &n, satisfaction, sup))
                }
                Step::CalledBack(..) => continue,
            };
            st.store
                .update_complaint(office, x.id.clone(), change)
                .await?;
        }
    }
    Ok(())
}

/// A phone call-back about complaint `id`, made at `at` and scored.
async fn called_back(
    st: &AppState,
    id: &str,
    at: i64,
    score: u8,
    by: baoxiu_sync_core::UserId,
) -> Result<()> {
    let office = super::demo::DEMO_OFFICE;
    let cb = CallbackPlan {
        order: None,
        complaint: Some(id.to_owned()),
        method: CallbackMethod::Phone,
        planned_at: at,
        assignee: Some(by),
        content: "投訴處理回訪：處理結果是否滿意".into(),
        sample: None,
        programme: None,
    }
    .into_callback(at);
    st.store.insert_callback(office, cb.clone()).await?;
    let result = CallbackResult {
        reached: true,
        satisfaction: Some(score),
        repair_held: None,
        problems: String::new(),
        responsible: None,
        content: String::new(),
        fallback_method: None,
        fallback_at: None,
        task_owner: None,
        scores: Default::default(),
        answers: Vec::new(),
    };
    st.store
        .record_callback(office, cb.id, result, by, at)
        .await?;
    Ok(())
}
