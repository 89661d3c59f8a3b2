//! R-MONTH 抽查回訪 and R-VISIT: the month's spot-check sample, drawn once (a redraw names
//! its reason), and the supervisors' call-back queue with what a caller needs to make the
//! call: the customer, the unit, the phone, the technician and the work done.

use baoxiu_sync_core::callback::{
    self, Callback, CallbackMethod, CallbackPlan, CallbackStatus, Progress, SampleParams, Stratum,
    draw_sample,
};
use baoxiu_sync_core::{Millis, Office, OfficeId, UserId};
use serde::Serialize;

use super::month::{Month, office_or_404};
use crate::error::{Error, Result};
use crate::store::{CallbackFilter, SampleRecord, Store};

const DAY_MS: Millis = 24 * 3600 * 1000;

/// What the content of a spot-check call-back asks.
const SAMPLE_CONTENT: &str = "抽查回訪：滿意度與維修是否合格";

/// A sample drawn, or the month's sample already in force.
#[derive(Debug)]
pub struct Drawn {
    pub sample: SampleRecord,
    /// False when the month's sample was already drawn and is returned as it is.
    pub new: bool,
}

/// Draws the month's spot-check sample and plans a phone call-back for each order in it
/// (the supervisors' queue). The month has one sample: asked again, this returns it
/// unchanged; with a `redraw` reason it draws anew and `callback::redraw` says which
/// planned call-backs are cancelled and which orders are planned.
pub async fn create_sample(
    store: &dyn Store,
    office: OfficeId,
    month: &str,
    p: SampleParams,
    redraw: Option<String>,
    by: UserId,
    now: Millis,
) -> Result<Drawn> {
    let o = office_or_404(store, office).await?;
    let m = Month::parse(month, &o.time_zone)?;
    let earlier = store.month_samples(office, m.to_string()).await?;
    let current = earlier.last().cloned();
    let (replaces, reason) = match (current, redraw) {
        (Some(s), None) => {
            return Ok(Drawn {
                sample: with_strata(store, &o, s).await?,
                new: false,
            });
        }
        (None, Some(_)) => {
            return Err(Error::Conflict(format!(
                "{m} has no sample to redraw; draw it first"
            )));
        }
        (Some(s), Some(reason)) => (Some(s.id), Some(reason)),
        (None, None) => (None, None),
    };
    let seed = p.seed.unwrap_or_else(|| {
        let b = uuid::Uuid::now_v7().into_bytes();
        u64::from_be_bytes([b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]])
    });
    let completed = store.completed_orders(office, m.period()).await?;
    let (orders, strata) = draw_sample(&completed, p.percent, p.min_per_technician, seed)?;
    let sample = SampleRecord {
        id: uuid::Uuid::now_v7().to_string(),
        month: m.to_string(),
        seed,
        percent: p.percent,
        min_per_technician: p.min_per_technician,
        orders: orders.clone(),
        created_by: by,
        created_at: now,
        replaces,
        reason: reason.clone(),
        strata,
    };
    let plan = match &reason {
        Some(reason) => {
            let queue = month_callbacks(store, office, &earlier).await?;
            callback::redraw(reason, &queue, &orders)?
        }
        None => callback::Redraw {
            cancel: Vec::new(),
            plan: orders.clone(),
        },
    };
    let callbacks: Vec<Callback> = plan
        .plan
        .iter()
        .map(|o| {
            CallbackPlan {
                order: Some(*o),
                complaint: None,
                method: CallbackMethod::Phone,
                planned_at: now.saturating_add(DAY_MS),
                assignee: Some(by),
                content: SAMPLE_CONTENT.into(),
                sample: Some(sample.id.clone()),
                programme: None,
            }
            .into_callback(now)
        })
        .collect();
    store
        .insert_sample(office, sample.clone(), plan.cancel, callbacks)
        .await?;
    Ok(Drawn { sample, new: true })
}

/// Every call-back of the month's samples (cancelled ones included), in plan order.
async fn month_callbacks(
    store: &dyn Store,
    office: OfficeId,
    samples: &[SampleRecord],
) -> Result<Vec<Callback>> {
    let mut out = Vec::new();
    for s in samples {
        let filter = CallbackFilter {
            sample: Some(s.id.clone()),
            ..Default::default()
        };
        out.extend(store.callbacks(office, filter).await?);
    }
    // A fallback attempt belongs to its sample too; the queue lists it after the first.
    out.sort_by(|a, b| (a.planned_at, &a.id).cmp(&(b.planned_at, &b.id)));
    Ok(out)
}

/// A recorded sample with its strata re-drawn from its seed and parameters (which shows
/// the draw is reproducible). The caller has read the office already.
async fn with_strata(store: &dyn Store, o: &Office, mut s: SampleRecord) -> Result<SampleRecord> {
    let m = Month::parse(&s.month, &o.time_zone)?;
    let completed = store.completed_orders(o.id, m.period()).await?;
    let (_, strata): (_, Vec<Stratum>) =
        draw_sample(&completed, s.percent, s.min_per_technician, s.seed)?;
    s.strata = strata;
    Ok(s)
}

/// A recorded sample, by id.
pub async fn sample(
    store: &dyn Store,
    office: OfficeId,
    id: String,
) -> Result<Option<SampleRecord>> {
    match store.sample(office, id).await? {
        Some(s) => {
            let o = office_or_404(store, office).await?;
            Ok(Some(with_strata(store, &o, s).await?))
        }
        None => Ok(None),
    }
}

/// The call-backs of a sample, or of the month it belongs to.
pub async fn callbacks_of_month(
    store: &dyn Store,
    office: OfficeId,
    month: &str,
) -> Result<Vec<Callback>> {
    let samples = store.month_samples(office, month.to_owned()).await?;
    Ok(month_callbacks(store, office, &samples)
        .await?
        .into_iter()
        .filter(|c| c.status != CallbackStatus::Cancelled)
        .collect())
}

/// What the supervisor needs to make one call.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QueueOrder {
    pub customer_name: String,
    pub unit: String,
    pub phone: String,
    #[schema(value_type = Vec<String>)]
    pub technicians: Vec<UserId>,
    /// What was asked for.
    pub description: String,
    /// The work done: the fee lines' descriptions, and the technician's completion notes.
    pub work: Vec<String>,
    pub completion_notes: String,
    /// When the work was completed (UTC ms).
    pub completed_at: Option<i64>,
}

/// The month's queue: its sample (if drawn), each live call-back with its order, and
/// where the programme stands.
#[derive(Debug)]
pub struct Queue {
    pub sample: Option<SampleRecord>,
    pub rows: Vec<(Callback, Option<QueueOrder>)>,
    pub progress: Progress,
}

pub async fn queue(store: &dyn Store, office: OfficeId, month: &str) -> Result<Queue> {
    let o = office_or_404(store, office).await?;
    let m = Month::parse(month, &o.time_zone)?;
    let samples = store.month_samples(office, m.to_string()).await?;
    let sample = match samples.last() {
        Some(s) => Some(with_strata(store, &o, s.clone()).await?),
        None => None,
    };
    let callbacks: Vec<Callback> = month_callbacks(store, office, &samples)
        .await?
        .into_iter()
        .filter(|c| c.status != CallbackStatus::Cancelled)
        .collect();
    let progress = callback::progress(&callbacks);
    let mut rows = Vec::with_capacity(callbacks.len());
    for c in callbacks {
        let order = match c.order {
            Some(o) => store.order(o).await?,
            None => None,
        };
        let order = order.map(|s| QueueOrder {
            customer_name: s.customer.name,
            unit: s.customer.unit,
            phone: s.customer.phone,
            technicians: s.technicians,
            description: s.description,
            work: s.fees.items.into_iter().map(|i| i.description).collect(),
            completion_notes: s
                .completion
                .as_ref()
                .map(|c| c.notes.clone())
                .unwrap_or_default(),
            completed_at: s.completion.map(|c| c.stamp.at),
        });
        rows.push((c, order));
    }
    Ok(Queue {
        sample,
        rows,
        progress,
    })
}
