//! R-SUP-PLAN: a purchase plan as a case on the shared engine: drafted by the clerk (from
//! the suggestion, or by hand), approved by the principal leader, then received against —
//! each delivery the ledger's `received` movements. Purchases follow the approved plan:
//! a delivery before the approval, or beyond the plan, is kept and flagged.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::catalogue::Catalogue;
use super::ledger::{MAX_QUANTITY, Movement, MovementKind};
use super::plan::{PlanLine, PlanProblem, check_line};
use crate::doc::{CaseDoc, CaseFacts};
use crate::event::Fact;
use crate::model::{EventId, Millis, OfficeId, OrderId, Role};

/// A plan is identified like any case.
pub type PlanId = OrderId;

/// One fact of a purchase plan.
pub type PlanFact = Fact<PlanBody>;

/// A purchase plan's replicated document.
pub type PlanDoc = CaseDoc<PlanBody>;

/// The kinds of fact of a purchase plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PlanBody {
    /// The clerk drafts the plan. Always the first fact.
    Drafted {
        plan: PlanId,
        office: OfficeId,
        #[cfg_attr(feature = "openapi", schema(max_items = 200))]
        lines: Vec<PlanLine>,
    },
    /// The clerk revises the lines (before the approval).
    Revised {
        #[cfg_attr(feature = "openapi", schema(max_items = 200))]
        lines: Vec<PlanLine>,
    },
    /// The principal leader approves the plan as it stands.
    Approved,
    /// A delivery from a vendor against the plan: (item, quantity).
    Received {
        #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
        vendor: String,
        #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::item_units))]
        delivered: Vec<(String, u64)>,
    },
    Note {
        #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
        text: String,
    },
}

impl CaseFacts for PlanBody {
    const KIND: Option<&'static str> = Some("purchase_plan");
    const FIRST: &'static str = "drafted";
    fn opens(&self) -> Option<OrderId> {
        match self {
            PlanBody::Drafted { plan, .. } => Some(*plan),
            _ => None,
        }
    }
}

/// Why a plan's fact breaks a rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PurchaseProblem {
    RoleNotAllowed {
        role: Role,
    },
    /// Revised after the approval, or approved twice.
    AfterApproval,
    /// Approved with lines that break R-SUP-VENDOR.
    Lines {
        problems: Vec<PlanProblem>,
    },
    /// R-SUP-PLAN: received before the leader approved the plan.
    ReceivedBeforeApproval,
    /// Received beyond the plan's quantity, or an item the plan does not name.
    BeyondPlan {
        item: String,
    },
    Quantity {
        item: String,
    },
}

/// A fact kept with its problem (rule R-SUP-PLAN / R-SUP-VENDOR).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseFlag {
    pub fact: EventId,
    pub problem: PurchaseProblem,
}

/// What a plan's rules read besides its facts.
#[derive(Clone, Debug, Default)]
pub struct PlanContext {
    pub catalogue: Catalogue,
    /// R-SUP-VENDOR: competing vendors the office asks for (its setting; default 3).
    pub min_quotes: usize,
}

/// A purchase plan's state: a pure function of its facts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlanState {
    pub plan: PlanId,
    pub office: OfficeId,
    pub lines: Vec<PlanLine>,
    pub approved_at: Option<Millis>,
    /// Received so far, by item.
    pub received: BTreeMap<String, u64>,
    /// The deliveries as ledger movements, in document order.
    pub movements: Vec<Movement>,
    pub flags: Vec<PurchaseFlag>,
}

impl PlanState {
    fn planned(&self, item: &str) -> u64 {
        self.lines
            .iter()
            .filter(|l| l.item == item)
            .fold(0u64, |s, l| s.saturating_add(l.quantity))
    }
}

/// Who records which fact.
pub fn role_may_record(role: Role, body: &PlanBody) -> bool {
    use Role as R;
    if role == R::Admin {
        return true;
    }
    match body {
        PlanBody::Drafted { .. } | PlanBody::Revised { .. } | PlanBody::Received { .. } => {
            role == R::LogisticsClerk
        }
        PlanBody::Approved => role == R::Leader,
        PlanBody::Note { .. } => matches!(role, R::LogisticsClerk | R::Leader),
    }
}

/// The rules a fact must keep, given the plan so far.
pub fn check(
    s: &PlanState,
    role: Role,
    body: &PlanBody,
    ctx: &PlanContext,
) -> Result<(), PurchaseProblem> {
    if !role_may_record(role, body) {
        return Err(PurchaseProblem::RoleNotAllowed { role });
    }
    match body {
        PlanBody::Drafted { .. } => Err(PurchaseProblem::AfterApproval),
        PlanBody::Revised { .. } | PlanBody::Approved if s.approved_at.is_some() => {
            Err(PurchaseProblem::AfterApproval)
        }
        PlanBody::Approved => {
            let problems: Vec<PlanProblem> = s
                .lines
                .iter()
                .flat_map(|l| check_line(&ctx.catalogue, l, ctx.min_quotes))
                .collect();
            if problems.is_empty() {
                Ok(())
            } else {
                Err(PurchaseProblem::Lines { problems })
            }
        }
        PlanBody::Received { delivered, .. } => {
            if s.approved_at.is_none() {
                return Err(PurchaseProblem::ReceivedBeforeApproval);
            }
            let mut now: BTreeMap<&str, u64> = BTreeMap::new();
            for (item, q) in delivered {
                if *q == 0 || *q > MAX_QUANTITY {
                    return Err(PurchaseProblem::Quantity { item: item.clone() });
                }
                let n = now.entry(item).or_default();
                *n = n.saturating_add(*q);
                let before = s.received.get(item).copied().unwrap_or(0);
                if before.saturating_add(*n) > s.planned(item) {
                    return Err(PurchaseProblem::BeyondPlan { item: item.clone() });
                }
            }
            Ok(())
        }
        PlanBody::Revised { .. } | PlanBody::Note { .. } => Ok(()),
    }
}

/// The plan's state from its facts in document order; `None` unless the first drafts it.
pub fn reduce(facts: &[PlanFact], ctx: &PlanContext) -> Option<PlanState> {
    let (first, rest) = facts.split_first()?;
    let PlanBody::Drafted {
        plan,
        office,
        lines,
    } = &first.body
    else {
        return None;
    };
    let mut s = PlanState {
        plan: *plan,
        office: *office,
        lines: lines.clone(),
        approved_at: None,
        received: BTreeMap::new(),
        movements: Vec::new(),
        flags: Vec::new(),
    };
    for f in rest {
        if let Err(problem) = check(&s, f.author.role, &f.body, ctx) {
            s.flags.push(PurchaseFlag {
                fact: f.id,
                problem,
            });
        }
        match &f.body {
            PlanBody::Revised { lines } if s.approved_at.is_none() => s.lines = lines.clone(),
            PlanBody::Approved => {
                s.approved_at.get_or_insert(f.corrected_at());
            }
            PlanBody::Received { vendor, delivered } => {
                for (n, (item, q)) in delivered.iter().enumerate() {
                    let r = s.received.entry(item.clone()).or_default();
                    *r = r.saturating_add(*q);
                    s.movements.push(Movement {
                        id: format!("{}:{n}", f.id),
                        item: item.clone(),
                        at: f.corrected_at(),
                        kind: MovementKind::Received {
                            quantity: (*q).min(MAX_QUANTITY),
                            vendor: vendor.clone(),
                            plan: Some(s.plan.to_string()),
                        },
                    });
                }
            }
            PlanBody::Drafted { .. } | PlanBody::Revised { .. } | PlanBody::Note { .. } => {}
        }
    }
    Some(s)
}

/// The state of the plan a document holds.
pub fn state_of(doc: &PlanDoc, ctx: &PlanContext) -> Option<PlanState> {
    reduce(&doc.facts(), ctx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supplies::catalogue::{Category, tests::item};
    use crate::supplies::plan::{Source, suggest};
    use crate::supplies::{Ledger, ledger::tests::received};
    use crate::test_util::{author, fact};

    fn ctx() -> PlanContext {
        let mut catalogue = Catalogue::default();
        catalogue.add(item("pen", Category::WritingTools, &["甲", "乙"]));
        catalogue.add(item("a4", Category::Paper, &["丙", "丁"]));
        PlanContext {
            catalogue,
            min_quotes: 3,
        }
    }

    /// The suggested plan, drafted, approved by the leader (offline, on her phone), and
    /// received in two deliveries that move stock.
    #[test]
    fn r_sup_plan_approved_by_the_leader_then_received_into_stock() {
        let (clerk, leader) = (author(Role::LogisticsClerk), author(Role::Leader));
        let ctx = ctx();
        let ledger = Ledger::from_movements([received("r", "pen", 0, 5)]).unwrap();
        let lines = suggest(&ctx.catalogue, &ledger);
        assert_eq!(lines.len(), 2, "{lines:?}");
        let drafted = fact(
            &clerk,
            0,
            PlanBody::Drafted {
                plan: PlanId::new(),
                office: OfficeId::new(),
                lines,
            },
        );
        let office = PlanDoc::create(clerk.device, &drafted).unwrap();
        let mut phone = office.fork_for(leader.device);
        phone.append(&fact(&leader, 1, PlanBody::Approved)).unwrap();
        let mut office = office;
        office
            .apply_changes(phone.changes_since(&office.heads()))
            .unwrap();
        for (n, (vendor, delivered)) in [
            ("甲", vec![("pen".to_owned(), 45)]),
            ("丙", vec![("a4".to_owned(), 30), ("a4".to_owned(), 20)]),
        ]
        .into_iter()
        .enumerate()
        {
            office
                .append(&fact(
                    &clerk,
                    n + 2,
                    PlanBody::Received {
                        vendor: vendor.into(),
                        delivered,
                    },
                ))
                .unwrap();
        }
        let s = state_of(&office, &ctx).unwrap();
        assert_eq!(s.flags, []);
        let mut ledger = ledger;
        ledger.extend(s.movements).unwrap();
        assert_eq!(ledger.level("pen"), 50);
        assert_eq!(ledger.level("a4"), 50);
    }

    #[test]
    fn r_sup_plan_purchases_follow_the_approved_plan() {
        let (clerk, leader) = (author(Role::LogisticsClerk), author(Role::Leader));
        let line = |item: &str, vendor: &str| PlanLine {
            item: item.into(),
            quantity: 10,
            source: Source::Dealer {
                vendor: vendor.into(),
            },
        };
        let recv = |q: u64| PlanBody::Received {
            vendor: "甲".into(),
            delivered: vec![("pen".into(), q)],
        };
        type Step<'a> = (&'a crate::model::Author, PlanBody);
        // (lines, steps after the draft, the problems)
        let cases: Vec<(Vec<PlanLine>, Vec<Step<'_>>, Vec<&str>)> = vec![
            (
                vec![line("pen", "甲")],
                vec![(&clerk, recv(5))],
                vec!["received_before_approval"],
            ),
            (
                vec![line("pen", "甲")],
                vec![(&leader, PlanBody::Approved), (&clerk, recv(11))],
                vec!["beyond_plan"],
            ),
            (
                vec![line("pen", "甲")],
                vec![
                    (&leader, PlanBody::Approved),
                    (&clerk, recv(6)),
                    (&clerk, recv(5)),
                ],
                vec!["beyond_plan"],
            ),
            // R-SUP-VENDOR: a dealer not designated for the item: not approvable.
            (
                vec![line("pen", "丙")],
                vec![(&leader, PlanBody::Approved)],
                vec!["lines"],
            ),
            (
                vec![line("pen", "甲")],
                vec![(&clerk, PlanBody::Approved)],
                vec!["role_not_allowed"],
            ),
            (
                vec![line("pen", "甲")],
                vec![
                    (&leader, PlanBody::Approved),
                    (&clerk, PlanBody::Revised { lines: vec![] }),
                ],
                vec!["after_approval"],
            ),
        ];
        for (lines, steps, expected) in cases {
            let mut facts = vec![fact(
                &clerk,
                0,
                PlanBody::Drafted {
                    plan: PlanId::new(),
                    office: OfficeId::new(),
                    lines,
                },
            )];
            for (n, (who, body)) in steps.into_iter().enumerate() {
                facts.push(fact(who, n + 1, body));
            }
            let s = reduce(&facts, &ctx()).unwrap();
            let kinds: Vec<String> = s
                .flags
                .iter()
                .map(|f| crate::test_util::kind(&f.problem))
                .collect();
            assert_eq!(kinds, expected);
            // A revision after the approval does not change the approved lines.
            assert!(s.approved_at.is_none() || !s.lines.is_empty());
        }
    }
}
