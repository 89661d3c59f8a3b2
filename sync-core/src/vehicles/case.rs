//! A vehicle repair as a case: its facts, who may record each, and its state as a pure
//! function of the facts in document order — the same shape as a work order, so the
//! engine that replicates and checks work orders carries repairs too.
//!
//! As with work orders, a command refuses a fact that breaks a rule (`check`); a fact
//! that arrives anyway — recorded offline by someone who could not know — is kept and
//! flagged by the reducer with the same reason. Nothing that happened is dropped.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::repair::{
    Approval, CostlyDecision, FittedPart, ItemKind, RepairItem, RepairSettings, SendProblem,
    acceptance_hash, approval_needed, check_send, under_ceiling,
};
use crate::doc::{CaseDoc, CaseFacts};
use crate::event::Fact;
use crate::model::{EventId, Millis, Money, OfficeId, OrderId, Role, UserId};

/// A repair is identified like any case (the engine keys documents by this id).
pub type RepairId = OrderId;

/// One fact of a vehicle repair.
pub type RepairFact = Fact<RepairBody>;

/// The kinds of fact of a vehicle repair. `kind` names the variant, `data` its payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RepairBody {
    /// R-VEH-REQUEST (and R-VEH-MAINT's fault reported at once): the driver asks for a
    /// repair. Always the first fact.
    Requested {
        repair: RepairId,
        office: OfficeId,
        #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
        plate: String,
        #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
        fault: String,
    },
    /// The fleet manager's assessment and repair form (車輛維修保修單): its items.
    Assessed {
        #[cfg_attr(feature = "openapi", schema(max_items = 200))]
        items: Vec<RepairItem>,
    },
    /// The principal leader approves the form; optionally a ceiling up to which the fleet
    /// manager may approve costly items of this repair.
    Approved {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>, minimum = 0, maximum = 1_000_000_000_000_i64))]
        ceiling: Option<Money>,
    },
    /// The clerk files the approval: only now may the vehicle go to a shop.
    Filed,
    /// The vehicle goes to a shop.
    Sent {
        #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
        shop: String,
    },
    /// The shop's quote for an item (an overhaul needs one before its review).
    Quoted {
        #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
        code: String,
        #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 0, maximum = 1_000_000_000_000_i64))]
        amount: Money,
    },
    /// R-VEH-SCOPE: work outside the authorisation, proposed (by the shop or the fleet
    /// manager); a proposal until approved.
    Proposed { item: RepairItem },
    /// R-VEH-COSTLY: the fleet manager's review of an item.
    Reviewed {
        #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
        code: String,
    },
    /// R-VEH-COSTLY / R-VEH-SCOPE: an item approved: by the leader, or by the fleet manager
    /// under the leader's ceiling.
    ItemApproved {
        #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
        code: String,
    },
    /// R-VEH-PARTS.
    PartFitted { part: FittedPart },
    /// The shop's work is done: the items done and the labour.
    Completed {
        #[cfg_attr(feature = "openapi", schema(max_items = 200))]
        done: Vec<String>,
        #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 0, maximum = 1_000_000_000_000_i64))]
        labour: Money,
    },
    /// R-VEH-ACCEPT: the requester inspects and signs, bound to the repair as it stands.
    Accepted {
        #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
        signed_hash: String,
    },
    Note {
        #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
        text: String,
    },
}

impl CaseFacts for RepairBody {
    const KIND: Option<&'static str> = Some("vehicle_repair");
    const FIRST: &'static str = "requested";
    fn opens(&self) -> Option<OrderId> {
        match self {
            RepairBody::Requested { repair, .. } => Some(*repair),
            _ => None,
        }
    }
}

/// A repair's replicated document: the same engine as a work order's.
pub type RepairDoc = CaseDoc<RepairBody>;

/// The state of the repair a document holds (its facts that decode, in document order).
pub fn state_of(doc: &RepairDoc, ctx: &RepairContext) -> Option<RepairState> {
    reduce(&doc.facts(), ctx)
}

/// Where a repair stands.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RepairStatus {
    Requested,
    Assessed,
    Approved,
    Filed,
    AtShop,
    Completed,
    Accepted,
}

/// Why a fact breaks a rule (a command's refusal, or the flag on a fact kept anyway).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RepairProblem {
    /// This role does not record this fact (R-VEH-REQUEST: nobody else sends a vehicle).
    RoleNotAllowed {
        role: Role,
    },
    /// A step out of order (approved before assessed, completed before sent…).
    OutOfOrder {
        status: RepairStatus,
    },
    /// R-VEH-REQUEST: sent before the approval was filed.
    SentBeforeFiled,
    /// R-VEH-REQUEST: not a designated shop.
    UndesignatedShop {
        shop: String,
    },
    /// R-VEH-SCOPE: done outside the authorisation, not approved.
    OutsideScope {
        code: String,
    },
    /// R-VEH-COSTLY: a costly item or part done or fitted without the leader's approval.
    CostlyWithoutApproval {
        code: String,
    },
    /// R-VEH-COSTLY: approved before its review (or an overhaul before its quote).
    ApprovedBeforeReview {
        code: String,
    },
    /// Beyond the anchors: the fleet manager approved above what is left of the ceiling,
    /// or with no ceiling.
    AboveCeiling {
        code: String,
    },
    /// R-VEH-ACCEPT: signed by someone other than the requester, or over other items
    /// and costs than the repair's.
    AcceptanceMismatch,
    /// R-VEH-ACCEPT: the items or costs changed after the acceptance.
    ChangedAfterAcceptance,
    UnknownItem {
        code: String,
    },
}

impl RepairProblem {
    /// The rule it breaks.
    pub fn rule(&self) -> &'static str {
        use RepairProblem as P;
        match self {
            P::RoleNotAllowed { .. }
            | P::OutOfOrder { .. }
            | P::SentBeforeFiled
            | P::UndesignatedShop { .. } => "R-VEH-REQUEST",
            P::OutsideScope { .. } | P::UnknownItem { .. } => "R-VEH-SCOPE",
            P::CostlyWithoutApproval { .. }
            | P::ApprovedBeforeReview { .. }
            | P::AboveCeiling { .. } => "R-VEH-COSTLY",
            P::AcceptanceMismatch | P::ChangedAfterAcceptance => "R-VEH-ACCEPT",
        }
    }
}

/// A fact kept with the problem it has.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepairFlag {
    pub fact: EventId,
    pub rule: String,
    pub problem: RepairProblem,
}

/// What a repair's rules read besides its facts: the office's designated shops and its
/// threshold for costly parts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RepairContext {
    pub shops: Vec<String>,
    pub settings: RepairSettings,
}

/// A repair's state: a pure function of its facts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RepairState {
    pub repair: RepairId,
    pub office: OfficeId,
    pub plate: String,
    pub requested_by: UserId,
    pub requested_at: Millis,
    pub status: RepairStatus,
    /// The authorisation's items (the form's, then approved proposals).
    pub items: Vec<RepairItem>,
    /// Proposals not approved yet (R-VEH-SCOPE).
    pub proposals: Vec<RepairItem>,
    pub quotes: BTreeMap<String, Money>,
    pub reviewed: BTreeSet<String>,
    /// Costly items and proposals approved.
    pub approved_items: BTreeSet<String>,
    pub ceiling: Option<Money>,
    /// What the fleet manager approved under the ceiling (on the record).
    pub ceiling_uses: Vec<(String, Money)>,
    pub approved_at: Option<Millis>,
    pub filed_at: Option<Millis>,
    pub shop: Option<String>,
    pub parts: Vec<FittedPart>,
    pub done: Vec<String>,
    pub labour: Money,
    pub accepted: Option<String>,
    pub flags: Vec<RepairFlag>,
}

impl RepairState {
    fn item(&self, code: &str) -> Option<&RepairItem> {
        self.items
            .iter()
            .chain(&self.proposals)
            .find(|i| i.code == code)
    }

    /// The items as accepted: those done, with their costs.
    fn done_items(&self) -> Vec<RepairItem> {
        self.done
            .iter()
            .filter_map(|c| self.item(c).cloned())
            .collect()
    }

    /// R-VEH-ACCEPT: the hash the requester's signature must be bound to now.
    pub fn acceptance_hash(&self) -> String {
        acceptance_hash(&self.done_items(), &self.parts, self.labour)
    }

    /// Done may be an item approved on its own, or an item of the authorisation that the
    /// repair's approval covers (not costly).
    fn approved(&self, code: &str, ctx: &RepairContext) -> bool {
        let covered = self
            .items
            .iter()
            .find(|i| i.code == code)
            .is_some_and(|i| approval_needed(i, ctx.settings) == Approval::Repair);
        covered || self.approved_items.contains(code)
    }

    /// R-VEH-ACCEPT: whether the requester's acceptance holds for the repair as it stands
    /// (false before it, and after any change of items or costs).
    pub fn acceptance_holds(&self) -> bool {
        self.accepted.as_deref() == Some(self.acceptance_hash().as_str())
    }
}

/// Who records which fact.
pub fn role_may_record(role: Role, body: &RepairBody) -> bool {
    use RepairBody as B;
    use Role as R;
    if role == R::Admin {
        return true;
    }
    match body {
        B::Requested { .. } => matches!(role, R::Driver | R::FleetManager),
        B::Assessed { .. } | B::Reviewed { .. } => role == R::FleetManager,
        B::Approved { .. } => role == R::Leader,
        B::Filed => role == R::LogisticsClerk,
        // R-VEH-REQUEST: nobody else may send the vehicle for repair.
        B::Sent { .. } => matches!(role, R::Driver | R::FleetManager),
        B::Quoted { .. } | B::Proposed { .. } | B::PartFitted { .. } | B::Completed { .. } => {
            matches!(role, R::Shop | R::FleetManager)
        }
        B::ItemApproved { .. } => matches!(role, R::Leader | R::FleetManager),
        B::Accepted { .. } => role == R::Driver,
        B::Note { .. } => matches!(
            role,
            R::Driver | R::FleetManager | R::Leader | R::LogisticsClerk | R::Shop
        ),
    }
}

/// The rules a fact must keep, given the repair so far. A command refuses on `Err`; the
/// reducer flags a fact that arrives with one.
pub fn check(
    s: &RepairState,
    author_role: Role,
    author: UserId,
    body: &RepairBody,
    ctx: &RepairContext,
) -> Result<(), RepairProblem> {
    use RepairBody as B;
    use RepairStatus as S;
    if !role_may_record(author_role, body) {
        return Err(RepairProblem::RoleNotAllowed { role: author_role });
    }
    let order = |ok: bool| {
        if ok {
            Ok(())
        } else {
            Err(RepairProblem::OutOfOrder { status: s.status })
        }
    };
    let accepted_change = || {
        if s.accepted.is_some() {
            Err(RepairProblem::ChangedAfterAcceptance)
        } else {
            Ok(())
        }
    };
    match body {
        B::Requested { .. } => order(false),
        B::Assessed { .. } => order(s.status <= S::Assessed),
        B::Approved { .. } => order(s.status == S::Assessed),
        B::Filed => order(s.status == S::Approved),
        B::Sent { shop } => {
            // R-VEH-REQUEST: filed first, a designated shop only.
            match check_send(shop, &ctx.shops, s.filed_at.is_some())
                .into_iter()
                .next()
            {
                Some(SendProblem::NotFiled) => Err(RepairProblem::SentBeforeFiled),
                Some(SendProblem::NotDesignated { shop }) => {
                    Err(RepairProblem::UndesignatedShop { shop })
                }
                None => Ok(()),
            }
        }
        B::Quoted { code, .. } | B::Reviewed { code } => match s.item(code) {
            None => Err(RepairProblem::UnknownItem { code: code.clone() }),
            Some(_) => Ok(()),
        },
        B::Proposed { .. } => accepted_change(),
        B::ItemApproved { code } => {
            let Some(item) = s.item(code) else {
                return Err(RepairProblem::UnknownItem { code: code.clone() });
            };
            // R-VEH-COSTLY: reviewed first; an overhaul quoted before that.
            let needs = approval_needed(item, ctx.settings);
            let quoted = needs != Approval::QuoteReviewThenLeader || s.quotes.contains_key(code);
            if !s.reviewed.contains(code) || !quoted {
                return Err(RepairProblem::ApprovedBeforeReview { code: code.clone() });
            }
            if author_role == Role::FleetManager {
                let ceiling = s.ceiling.unwrap_or(Money::ZERO);
                let used: Vec<Money> = s.ceiling_uses.iter().map(|(_, m)| *m).collect();
                let cost = s.quotes.get(code).copied().unwrap_or(item.estimate);
                let priced = RepairItem {
                    estimate: cost,
                    ..item.clone()
                };
                match under_ceiling(ceiling, &used, &priced) {
                    Ok(CostlyDecision::UnderCeiling { .. }) if s.ceiling.is_some() => {}
                    _ => return Err(RepairProblem::AboveCeiling { code: code.clone() }),
                }
            }
            Ok(())
        }
        B::PartFitted { part } => {
            accepted_change()?;
            order(s.status >= S::Filed)?;
            let Some(item) = s.item(&part.item) else {
                return Err(RepairProblem::OutsideScope {
                    code: part.item.clone(),
                });
            };
            // A part dearer than the threshold counts as costly in itself.
            let costly = approval_needed(item, ctx.settings) != Approval::Repair
                || part.unit_price.0 > ctx.settings.costly_part.0;
            if !s.items.iter().any(|i| i.code == part.item)
                && !s.approved_items.contains(&part.item)
            {
                return Err(RepairProblem::OutsideScope {
                    code: part.item.clone(),
                });
            }
            if costly && !s.approved_items.contains(&part.item) {
                return Err(RepairProblem::CostlyWithoutApproval {
                    code: part.item.clone(),
                });
            }
            Ok(())
        }
        B::Completed { done, .. } => {
            accepted_change()?;
            order(s.status >= S::Filed)?;
            for code in done {
                match s.item(code) {
                    None => {
                        return Err(RepairProblem::OutsideScope { code: code.clone() });
                    }
                    Some(_) if !s.approved(code, ctx) => {
                        let authorised = s.items.iter().any(|i| i.code == *code);
                        return Err(if authorised {
                            RepairProblem::CostlyWithoutApproval { code: code.clone() }
                        } else {
                            RepairProblem::OutsideScope { code: code.clone() }
                        });
                    }
                    Some(_) => {}
                }
            }
            Ok(())
        }
        B::Accepted { signed_hash } => {
            order(s.status == S::Completed)?;
            if author != s.requested_by || *signed_hash != s.acceptance_hash() {
                return Err(RepairProblem::AcceptanceMismatch);
            }
            Ok(())
        }
        B::Note { .. } => Ok(()),
    }
}

/// The repair's state from its facts in document order; `None` when the first is not a
/// request. Every fact is applied; one that breaks a rule is flagged, never dropped.
pub fn reduce(facts: &[RepairFact], ctx: &RepairContext) -> Option<RepairState> {
    let (first, rest) = facts.split_first()?;
    let RepairBody::Requested {
        repair,
        office,
        plate,
        ..
    } = &first.body
    else {
        return None;
    };
    let mut s = RepairState {
        repair: *repair,
        office: *office,
        plate: plate.clone(),
        requested_by: first.author.user,
        requested_at: first.corrected_at(),
        status: RepairStatus::Requested,
        items: Vec::new(),
        proposals: Vec::new(),
        quotes: BTreeMap::new(),
        reviewed: BTreeSet::new(),
        approved_items: BTreeSet::new(),
        ceiling: None,
        ceiling_uses: Vec::new(),
        approved_at: None,
        filed_at: None,
        shop: None,
        parts: Vec::new(),
        done: Vec::new(),
        labour: Money::ZERO,
        accepted: None,
        flags: Vec::new(),
    };
    if !role_may_record(first.author.role, &first.body) {
        s.flags.push(RepairFlag {
            fact: first.id,
            rule: "R-VEH-REQUEST".into(),
            problem: RepairProblem::RoleNotAllowed {
                role: first.author.role,
            },
        });
    }
    for f in rest {
        if let Err(problem) = check(&s, f.author.role, f.author.user, &f.body, ctx) {
            s.flags.push(RepairFlag {
                fact: f.id,
                rule: problem.rule().into(),
                problem,
            });
        }
        apply(&mut s, f);
    }
    Some(s)
}

fn apply(s: &mut RepairState, f: &RepairFact) {
    use RepairBody as B;
    use RepairStatus as S;
    let at = f.corrected_at();
    let advance = |s: &mut RepairState, to: S| s.status = s.status.max(to);
    match &f.body {
        B::Requested { .. } | B::Note { .. } => {}
        B::Assessed { items } => {
            s.items = items.clone();
            advance(s, S::Assessed);
        }
        B::Approved { ceiling } => {
            s.ceiling = *ceiling;
            s.approved_at.get_or_insert(at);
            advance(s, S::Approved);
        }
        B::Filed => {
            s.filed_at.get_or_insert(at);
            advance(s, S::Filed);
        }
        B::Sent { shop } => {
            s.shop = Some(shop.clone());
            advance(s, S::AtShop);
        }
        B::Quoted { code, amount } => {
            s.quotes.insert(code.clone(), *amount);
        }
        B::Proposed { item } => {
            if s.item(&item.code).is_none() {
                s.proposals.push(item.clone());
            }
        }
        B::Reviewed { code } => {
            s.reviewed.insert(code.clone());
        }
        B::ItemApproved { code } => {
            if f.author.role == Role::FleetManager
                && let Some(item) = s.item(code)
            {
                let cost = s.quotes.get(code).copied().unwrap_or(item.estimate);
                s.ceiling_uses.push((code.clone(), cost));
            }
            s.approved_items.insert(code.clone());
            // An approved proposal joins the authorisation (R-VEH-SCOPE).
            if let Some(pos) = s.proposals.iter().position(|i| &i.code == code) {
                let item = s.proposals.remove(pos);
                s.items.push(item);
            }
        }
        B::PartFitted { part } => s.parts.push(part.clone()),
        B::Completed { done, labour } => {
            s.done = done.clone();
            s.labour = *labour;
            advance(s, S::Completed);
        }
        B::Accepted { signed_hash } => {
            s.accepted = Some(signed_hash.clone());
            advance(s, S::Accepted);
        }
    }
}

/// Whether an item is a major assembly or an overhaul (for reports).
pub fn is_major(item: &RepairItem) -> bool {
    matches!(item.kind, ItemKind::Assembly | ItemKind::Overhaul)
}

#[cfg(test)]
#[path = "case_tests.rs"]
mod tests;
