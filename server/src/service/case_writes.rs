//! Writing the cases of the S3 kinds through the API (a leader approving from the console,
//! a department head requisitioning at a desk). A fact written here becomes an Automerge
//! change by the server's device, in the caller's name, and is submitted through the same
//! path as a phone's batch: the same `validate_case` (role, reach, office, bounds,
//! append-only), the same log, the same acknowledgement after commit, and the same push
//! to the members' phones. Before that, the kind's command check refuses a fact that
//! breaks a rule, as the phone's command does; facts recorded offline are not refused
//! but flagged by the reducer.

use baoxiu_sync_core::doc::{CaseDoc, CaseFacts};
use baoxiu_sync_core::event::Fact;
use baoxiu_sync_core::kinds::{CaseKind, Kind};
use baoxiu_sync_core::protocol::{ErrorCode, OrderChanges};
use baoxiu_sync_core::supplies::purchase::{self, PlanBody};
use baoxiu_sync_core::supplies::requisition::{self, RequisitionBody};
use baoxiu_sync_core::supplies::stock_count::{self, CountBody};
use baoxiu_sync_core::validate::Submitter;
use baoxiu_sync_core::vehicles::case::{self as repair, RepairBody};
use baoxiu_sync_core::vehicles::log::LogBody;
use baoxiu_sync_core::{Author, EventId, OrderId};
use serde::Serialize;

use super::cases::{self, CaseView};
use crate::auth::Claims;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::SubmitError;

/// One fact for a case, of the kind it names.
#[derive(Debug, Clone)]
pub enum CaseFact {
    VehicleRepair(RepairBody),
    VehicleLog(LogBody),
    Requisition(RequisitionBody),
    StockCount(CountBody),
    PurchasePlan(PlanBody),
}

impl CaseFact {
    pub fn kind(&self) -> Kind {
        match self {
            CaseFact::VehicleRepair(_) => Kind::VehicleRepair,
            CaseFact::VehicleLog(_) => Kind::VehicleLog,
            CaseFact::Requisition(_) => Kind::Requisition,
            CaseFact::StockCount(_) => Kind::StockCount,
            CaseFact::PurchasePlan(_) => Kind::PurchasePlan,
        }
    }

    /// The case a first fact opens.
    fn opens(&self) -> Option<OrderId> {
        match self {
            CaseFact::VehicleRepair(b) => b.opens(),
            CaseFact::VehicleLog(b) => b.opens(),
            CaseFact::Requisition(b) => b.opens(),
            CaseFact::StockCount(b) => b.opens(),
            CaseFact::PurchasePlan(b) => b.opens(),
        }
    }

    /// Whether the role records this fact at all: a 403 through any door.
    fn may_record(&self, c: &Claims) -> Result<()> {
        let may = match self {
            CaseFact::VehicleRepair(b) => b.role_may_record(c.role),
            CaseFact::VehicleLog(b) => b.role_may_record(c.role),
            CaseFact::Requisition(b) => b.role_may_record(c.role),
            CaseFact::StockCount(b) => b.role_may_record(c.role),
            CaseFact::PurchasePlan(b) => b.role_may_record(c.role),
        };
        if may {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "a {} does not record this fact of a {}",
                c.role.as_str(),
                self.kind().as_str()
            )))
        }
    }
}

/// Opens a case with its first fact (which names the case's id, as a phone's does).
pub async fn open(st: &AppState, c: &Claims, fact: CaseFact) -> Result<CaseView> {
    fact.may_record(c)?;
    // Not a first fact: there is no case for it yet (a conflict with the case's state,
    // as a step out of order is).
    let id = fact.opens().ok_or_else(|| {
        Error::Conflict(format!(
            "a {} is opened by its first fact; other facts go to POST /api/v1/cases/{{id}}/facts",
            fact.kind().as_str()
        ))
    })?;
    if st.store.case(id).await?.is_some() || st.store.order(id).await?.is_some() {
        return Err(Error::Conflict(format!("case {id} exists")));
    }
    let changes = match fact {
        CaseFact::VehicleRepair(b) => first(st, c, b)?,
        CaseFact::VehicleLog(b) => first(st, c, b)?,
        CaseFact::Requisition(b) => first(st, c, b)?,
        CaseFact::StockCount(b) => first(st, c, b)?,
        CaseFact::PurchasePlan(b) => first(st, c, b)?,
    };
    submit(st, c, id, changes).await?;
    cases::view(st, c, &id.to_string()).await
}

/// Records one more fact on a case the caller holds.
pub async fn record(st: &AppState, c: &Claims, id: &str, fact: CaseFact) -> Result<CaseView> {
    // The same reach as reading: a case the caller does not hold is not found.
    let (entry, bytes) = cases::held(st, c, id).await?;
    let id = entry.id;
    fact.may_record(c)?;
    if fact.opens().is_some() {
        return Err(Error::Conflict(format!(
            "case {id} is open: a {} is opened once, by its first fact",
            fact.kind().as_str()
        )));
    }
    if entry.kind != fact.kind() {
        return Err(Error::Conflict(format!(
            "case {id} is a {}, not a {}",
            entry.kind.as_str(),
            fact.kind().as_str()
        )));
    }
    let device = st.store.server_device();
    let load = |kind: Kind| {
        move |e: baoxiu_sync_core::Error| Error::Corrupt(format!("a {} case: {e}", kind.as_str()))
    };
    let office = entry.office;
    let changes = match fact {
        CaseFact::VehicleRepair(body) => {
            let mut doc =
                CaseDoc::<RepairBody>::load(&bytes, device).map_err(load(Kind::VehicleRepair))?;
            let ctx = cases::repair_context(st, office).await?;
            if let Some(s) = repair::state_of(&doc, &ctx) {
                repair::check(&s, c.role, c.sub, &body, &ctx).map_err(|p| refused(p.rule(), &p))?;
            }
            next(st, c, &mut doc, body)?
        }
        CaseFact::VehicleLog(body) => {
            // A log's facts are not refused by a rule: out-of-city trips and undesignated
            // stations are flagged (R-VEH-USE), as they happened.
            let mut doc =
                CaseDoc::<LogBody>::load(&bytes, device).map_err(load(Kind::VehicleLog))?;
            next(st, c, &mut doc, body)?
        }
        CaseFact::Requisition(body) => {
            let mut doc = CaseDoc::<RequisitionBody>::load(&bytes, device)
                .map_err(load(Kind::Requisition))?;
            if let Some(s) = requisition::state_of(&doc) {
                requisition::check(&s, c.role, &body).map_err(|p| refused("R-SUP-ISSUE", &p))?;
            }
            next(st, c, &mut doc, body)?
        }
        CaseFact::StockCount(body) => {
            let mut doc =
                CaseDoc::<CountBody>::load(&bytes, device).map_err(load(Kind::StockCount))?;
            if let Some(s) = stock_count::state_of(&doc) {
                stock_count::check(&s, c.role, &body).map_err(|p| refused("R-SUP-COUNT", &p))?;
            }
            next(st, c, &mut doc, body)?
        }
        CaseFact::PurchasePlan(body) => {
            let mut doc =
                CaseDoc::<PlanBody>::load(&bytes, device).map_err(load(Kind::PurchasePlan))?;
            let ctx = cases::plan_context(st, office).await?;
            if let Some(s) = purchase::state_of(&doc, &ctx) {
                purchase::check(&s, c.role, &body, &ctx).map_err(|p| refused("R-SUP-PLAN", &p))?;
            }
            next(st, c, &mut doc, body)?
        }
    };
    submit(st, c, id, changes).await?;
    cases::view(st, c, &id.to_string()).await
}

fn refused<P: Serialize>(rule: &'static str, problem: &P) -> Error {
    let detail = serde_json::to_string(problem).unwrap_or_default();
    Error::CaseRule {
        rule,
        message: format!("refused by {rule}: {detail}"),
    }
}

fn fact<B>(st: &AppState, c: &Claims, body: B) -> Fact<B> {
    Fact {
        id: EventId::new(),
        author: author(st, c),
        at: st.now(),
        // The server's clock is the reference: no offset to correct.
        offset: Some(0),
        body,
    }
}

fn author(st: &AppState, c: &Claims) -> Author {
    Author {
        user: c.sub,
        device: st.store.server_device(),
        role: c.role,
    }
}

/// The first change of a new case, as the server's device in the caller's name.
fn first<B: CaseKind>(st: &AppState, c: &Claims, body: B) -> Result<Vec<Vec<u8>>> {
    let doc = CaseDoc::create(st.store.server_device(), &fact(st, c, body))?;
    Ok(doc.encoded_changes_since(&[]))
}

/// The change that appends `body` to `doc`.
fn next<B: CaseKind>(
    st: &AppState,
    c: &Claims,
    doc: &mut CaseDoc<B>,
    body: B,
) -> Result<Vec<Vec<u8>>> {
    let heads = doc.heads();
    doc.append(&fact(st, c, body))?;
    Ok(doc.encoded_changes_since(&heads))
}

/// Through the devices' door: checked whole by `validate_case`, stored and committed
/// before the answer.
async fn submit(st: &AppState, c: &Claims, id: OrderId, changes: Vec<Vec<u8>>) -> Result<()> {
    let who = Submitter {
        author: author(st, c),
        office: c.office,
    };
    let batch = vec![OrderChanges { order: id, changes }];
    match st.store.submit(who, batch, st.now()).await {
        Ok(_) => Ok(()),
        Err(SubmitError::Refused { refusal, .. }) => Err(match refusal.code {
            ErrorCode::Forbidden | ErrorCode::ForgedActor => Error::Forbidden(refusal.message),
            _ => Error::Invalid(refusal.message),
        }),
        Err(SubmitError::Unavailable(m)) => Err(Error::Unavailable(m)),
    }
}
