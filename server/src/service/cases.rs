//! The cases of the S3 kinds as the API reads them: who sees which (each role's reach per
//! kind, as on sync), and a case's state — its kind's reducer over its document, with the
//! office's registers as the reducer's context.

use baoxiu_sync_core::doc::CaseDoc;
use baoxiu_sync_core::kinds::{Kind, Reach};
use baoxiu_sync_core::supplies::purchase::{self, PlanBody, PlanContext};
use baoxiu_sync_core::supplies::requisition::{self, RequisitionBody};
use baoxiu_sync_core::supplies::stock_count::{self, CountBody};
use baoxiu_sync_core::vehicles::case::{self as repair, RepairBody, RepairContext};
use baoxiu_sync_core::vehicles::log::{self, LogBody};
use baoxiu_sync_core::vehicles::repair::RepairSettings;
use baoxiu_sync_core::{Money, OfficeId, OrderId};
use serde::Serialize;

use super::case_actions::{self as actions, CaseAction};
use super::office_registers;
use crate::auth::Claims;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::CaseEntry;

/// A case with its state and facts, as the API shows it.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub entry: CaseEntry,
    /// The kind's state (its reducer's output), with its flags.
    pub state: serde_json::Value,
    /// Every fact that decodes, in document order.
    pub facts: Vec<serde_json::Value>,
    /// What the caller may record now (`case_actions`).
    pub actions: Vec<CaseAction>,
}

/// The cases the caller holds: of `kind` when given, newest first, one page.
pub async fn list(
    st: &AppState,
    c: &Claims,
    kind: Option<Kind>,
    limit: u32,
    offset: u32,
) -> Result<Vec<CaseEntry>> {
    let keep = |k: &Kind| kind.is_none_or(|want| want == *k);
    let wide: Vec<Kind> = Kind::cases_with(c.role, Reach::Office)
        .into_iter()
        .filter(keep)
        .collect();
    let own: Vec<Kind> = Kind::cases_with(c.role, Reach::Own)
        .into_iter()
        .filter(keep)
        .collect();
    // Each reach reads enough for the page; the merged list is cut to it.
    let upto = limit.saturating_add(offset);
    let mut all = st.store.cases(c.office, wide, None, upto, 0).await?;
    all.extend(st.store.cases(c.office, own, Some(c.sub), upto, 0).await?);
    all.sort_by(|a, b| b.opened_at.cmp(&a.opened_at).then(a.id.cmp(&b.id)));
    Ok(all
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect())
}

/// A case the caller holds, with its whole document (else `NotFound`, so ids do not
/// leak): the reach check every route on one case starts with.
pub async fn held(st: &AppState, c: &Claims, id: &str) -> Result<(CaseEntry, Vec<u8>)> {
    let not_found = || Error::NotFound(format!("case {id}"));
    let id: OrderId = id.parse().map_err(|_| not_found())?;
    let (entry, members, bytes) = st.store.case(id).await?.ok_or_else(not_found)?;
    let visible = entry.office == c.office
        && match entry.kind.reach(c.role) {
            Reach::Office => true,
            Reach::Own => members.contains(&c.sub),
            Reach::None => false,
        };
    if !visible {
        return Err(not_found());
    }
    Ok((entry, bytes))
}

/// One case, if the caller holds it (else `NotFound`, so ids do not leak).
pub async fn view(st: &AppState, c: &Claims, id: &str) -> Result<CaseView> {
    let (entry, bytes) = held(st, c, id).await?;
    let (state, facts, actions) = reduce(st, c, entry.office, entry.kind, &bytes).await?;
    Ok(CaseView {
        entry,
        state,
        facts,
        actions,
    })
}

/// What a repair's reducer reads besides its facts: the office's designated shops and
/// its threshold for costly parts.
pub async fn repair_context(st: &AppState, office: OfficeId) -> Result<RepairContext> {
    let settings = st.store.settings(office).await?;
    Ok(RepairContext {
        shops: office_registers::fleet(st, office).await?.shops,
        settings: RepairSettings {
            costly_part: Money(settings.costly_part),
        },
    })
}

/// What a purchase plan's reducer reads: the office's catalogue and how many quotes it
/// asks for.
pub async fn plan_context(st: &AppState, office: OfficeId) -> Result<PlanContext> {
    let settings = st.store.settings(office).await?;
    Ok(PlanContext {
        catalogue: office_registers::catalogue(st, office).await?,
        min_quotes: usize::try_from(settings.min_quotes).unwrap_or(usize::MAX),
    })
}

fn json<T: Serialize>(v: &T) -> Result<serde_json::Value> {
    serde_json::to_value(v).map_err(|e| Error::Internal(format!("case state: {e}")))
}

fn facts<B: baoxiu_sync_core::doc::CaseFacts>(doc: &CaseDoc<B>) -> Result<Vec<serde_json::Value>> {
    doc.facts().iter().map(json).collect()
}

/// A case's state, its facts, and what the caller may record on it now.
type Reduced = (serde_json::Value, Vec<serde_json::Value>, Vec<CaseAction>);

async fn reduce(
    st: &AppState,
    c: &Claims,
    office: OfficeId,
    kind: Kind,
    bytes: &[u8],
) -> Result<Reduced> {
    let device = st.store.server_device();
    let corrupt =
        |e: baoxiu_sync_core::Error| Error::Corrupt(format!("a {} case: {e}", kind.as_str()));
    Ok(match kind {
        Kind::VehicleRepair => {
            let doc = CaseDoc::<RepairBody>::load(bytes, device).map_err(corrupt)?;
            let ctx = repair_context(st, office).await?;
            let s = repair::state_of(&doc, &ctx);
            let a = s.as_ref().map(|s| actions::repair(s, c, &ctx));
            (json(&s)?, facts(&doc)?, a.unwrap_or_default())
        }
        Kind::VehicleLog => {
            let doc = CaseDoc::<LogBody>::load(bytes, device).map_err(corrupt)?;
            let stations = office_registers::fleet(st, office).await?.stations;
            let s = log::state_of(&doc, &stations);
            let a = s.as_ref().map(|s| actions::log(s, c));
            (json(&s)?, facts(&doc)?, a.unwrap_or_default())
        }
        Kind::Requisition => {
            let doc = CaseDoc::<RequisitionBody>::load(bytes, device).map_err(corrupt)?;
            let s = requisition::state_of(&doc);
            let a = s.as_ref().map(|s| actions::requisition(s, c));
            (json(&s)?, facts(&doc)?, a.unwrap_or_default())
        }
        Kind::StockCount => {
            let doc = CaseDoc::<CountBody>::load(bytes, device).map_err(corrupt)?;
            let s = stock_count::state_of(&doc);
            let a = s.as_ref().map(|s| actions::count(s, c));
            (json(&s)?, facts(&doc)?, a.unwrap_or_default())
        }
        Kind::PurchasePlan => {
            let doc = CaseDoc::<PlanBody>::load(bytes, device).map_err(corrupt)?;
            let ctx = plan_context(st, office).await?;
            let s = purchase::state_of(&doc, &ctx);
            let a = s.as_ref().map(|s| actions::plan(s, c, &ctx));
            (json(&s)?, facts(&doc)?, a.unwrap_or_default())
        }
        Kind::WorkOrder => return Err(Error::Internal("a work order is not a case here".into())),
    })
}
