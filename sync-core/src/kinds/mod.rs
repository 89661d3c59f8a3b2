//! The kinds of case the engine carries, and what the engine asks of each: who may record
//! which fact, which bounds a fact keeps through any door, where a case is opened, and who
//! holds a case of the kind (its reach per role).
//!
//! A work order is a kind too (the first, whose document names no kind). The engine
//! (`doc`, `validate`, the server's log and catch-up) is the same for every kind; a kind
//! adds only these answers and its reducer.

mod limits;

use serde::{Deserialize, Serialize};

pub use limits::{MAX_LIST, MAX_TEXT_CHARS};

use crate::doc::CaseFacts;
use crate::model::{OfficeId, Role};
use crate::supplies::purchase::PlanBody;
use crate::supplies::requisition::RequisitionBody;
use crate::supplies::stock_count::CountBody;
use crate::vehicles::case::RepairBody;
use crate::vehicles::log::LogBody;

/// A kind of case, by the name its document's root carries.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Kind {
    WorkOrder,
    VehicleRepair,
    VehicleLog,
    Requisition,
    StockCount,
    PurchasePlan,
}

/// Which cases of a kind a role holds (reads, writes, receives on its devices).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// None of them.
    None,
    /// Those it is a member of: it recorded a fact in them, or (a vehicle's case) it
    /// drives the vehicle.
    Own,
    /// Every case of the kind in its office.
    Office,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The kind a document's root names (`None`: a work order, which predates kinds).
    pub fn of_root(kind: Option<&str>) -> Option<Kind> {
        match kind {
            None => Some(Kind::WorkOrder),
            Some("work_order") => None,
            Some(k) => k.parse().ok(),
        }
    }

    /// The cases of the kind `role` holds. A work order's reach is the order engine's
    /// own (a technician's assigned orders); here it is only whether the role has a part.
    pub fn reach(self, role: Role) -> Reach {
        use Role as R;
        match (self, role) {
            (_, R::Admin) => Reach::Office,
            (Kind::WorkOrder, R::Technician) => Reach::Own,
            (Kind::WorkOrder, r) if r.works_on_orders() => Reach::Office,
            (Kind::VehicleRepair, R::FleetManager | R::Leader | R::LogisticsClerk) => Reach::Office,
            (Kind::VehicleRepair | Kind::VehicleLog, R::Driver) => Reach::Own,
            (Kind::VehicleLog, R::FleetManager | R::Leader) => Reach::Office,
            (Kind::Requisition, R::LogisticsClerk | R::Leader) => Reach::Office,
            (Kind::Requisition, R::DepartmentHead) => Reach::Own,
            (Kind::StockCount | Kind::PurchasePlan, R::LogisticsClerk | R::Leader) => Reach::Office,
            _ => Reach::None,
        }
    }

    /// The kinds other than work orders `role` holds with `reach`.
    pub fn cases_with(role: Role, reach: Reach) -> Vec<Kind> {
        use strum::VariantArray;
        Kind::VARIANTS
            .iter()
            .copied()
            .filter(|k| *k != Kind::WorkOrder && k.reach(role) == reach)
            .collect()
    }

    /// Whether `role` holds every case of some kind in its office (its devices follow the
    /// office, not a list of their own).
    pub fn office_wide(role: Role) -> bool {
        use strum::VariantArray;
        role != Role::Technician
            && Kind::VARIANTS
                .iter()
                .any(|k| k.reach(role) == Reach::Office)
    }
}

/// A kind of case other than a work order, as the engine's checks need to know it.
pub trait CaseKind: CaseFacts {
    const NAME: Kind;
    /// Whether `role` records this fact at all (a refusal through any door).
    fn role_may_record(&self, role: Role) -> bool;
    /// The bounds every fact of the kind keeps, through any door: text and lists of a
    /// bounded size, quantities and amounts in range. Breaking a rule is not here (a fact
    /// recorded offline is kept and flagged); only what no real fact could be.
    fn well_formed(&self) -> Result<(), String>;
    /// The office the case is opened in, when this is its first fact.
    fn opened_in(&self) -> Option<OfficeId>;
    /// The vehicle a case concerns (its drivers are its members), when this is the first
    /// fact of a vehicle's case.
    fn vehicle(&self) -> Option<&str> {
        None
    }
}

impl CaseKind for RepairBody {
    const NAME: Kind = Kind::VehicleRepair;
    fn role_may_record(&self, role: Role) -> bool {
        crate::vehicles::case::role_may_record(role, self)
    }
    fn well_formed(&self) -> Result<(), String> {
        limits::repair(self)
    }
    fn opened_in(&self) -> Option<OfficeId> {
        match self {
            RepairBody::Requested { office, .. } => Some(*office),
            _ => None,
        }
    }
    fn vehicle(&self) -> Option<&str> {
        match self {
            RepairBody::Requested { plate, .. } => Some(plate),
            _ => None,
        }
    }
}

impl CaseKind for LogBody {
    const NAME: Kind = Kind::VehicleLog;
    fn role_may_record(&self, role: Role) -> bool {
        crate::vehicles::log::role_may_record(role, self)
    }
    fn well_formed(&self) -> Result<(), String> {
        limits::log(self)
    }
    fn opened_in(&self) -> Option<OfficeId> {
        match self {
            LogBody::Opened { office, .. } => Some(*office),
            _ => None,
        }
    }
    fn vehicle(&self) -> Option<&str> {
        match self {
            LogBody::Opened { plate, .. } => Some(plate),
            _ => None,
        }
    }
}

impl CaseKind for RequisitionBody {
    const NAME: Kind = Kind::Requisition;
    fn role_may_record(&self, role: Role) -> bool {
        crate::supplies::requisition::role_may_record(role, self)
    }
    fn well_formed(&self) -> Result<(), String> {
        limits::requisition(self)
    }
    fn opened_in(&self) -> Option<OfficeId> {
        match self {
            RequisitionBody::Requested { office, .. } => Some(*office),
            _ => None,
        }
    }
}

impl CaseKind for CountBody {
    const NAME: Kind = Kind::StockCount;
    fn role_may_record(&self, role: Role) -> bool {
        crate::supplies::stock_count::role_may_record(role, self)
    }
    fn well_formed(&self) -> Result<(), String> {
        limits::count(self)
    }
    fn opened_in(&self) -> Option<OfficeId> {
        match self {
            CountBody::Opened { office, .. } => Some(*office),
            _ => None,
        }
    }
}

impl CaseKind for PlanBody {
    const NAME: Kind = Kind::PurchasePlan;
    fn role_may_record(&self, role: Role) -> bool {
        crate::supplies::purchase::role_may_record(role, self)
    }
    fn well_formed(&self) -> Result<(), String> {
        limits::plan(self)
    }
    fn opened_in(&self) -> Option<OfficeId> {
        match self {
            PlanBody::Drafted { office, .. } => Some(*office),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_by_its_root_name() {
        use strum::VariantArray;
        for k in Kind::VARIANTS {
            let root = (*k != Kind::WorkOrder).then_some(k.as_str());
            assert_eq!(Kind::of_root(root), Some(*k));
        }
        assert_eq!(
            Kind::of_root(Some("work_order")),
            None,
            "a work order names no kind"
        );
        assert_eq!(Kind::of_root(Some("spaceship")), None);
    }

    #[test]
    fn each_s3_role_holds_only_its_own_kinds() {
        use Reach as X;
        use Role as R;
        let table = [
            (R::Driver, Kind::VehicleRepair, X::Own),
            (R::Driver, Kind::VehicleLog, X::Own),
            (R::Driver, Kind::Requisition, X::None),
            (R::Driver, Kind::WorkOrder, X::None),
            (R::FleetManager, Kind::VehicleRepair, X::Office),
            (R::FleetManager, Kind::StockCount, X::None),
            (R::Leader, Kind::PurchasePlan, X::Office),
            (R::Leader, Kind::VehicleLog, X::Office),
            (R::LogisticsClerk, Kind::VehicleRepair, X::Office),
            (R::LogisticsClerk, Kind::VehicleLog, X::None),
            (R::DepartmentHead, Kind::Requisition, X::Own),
            (R::DepartmentHead, Kind::StockCount, X::None),
            (R::Shop, Kind::VehicleRepair, X::None),
            (R::Technician, Kind::WorkOrder, X::Own),
            (R::Technician, Kind::VehicleRepair, X::None),
            (R::Dispatcher, Kind::WorkOrder, X::Office),
            (R::Dispatcher, Kind::Requisition, X::None),
            (R::Admin, Kind::StockCount, X::Office),
        ];
        for (role, kind, reach) in table {
            assert_eq!(kind.reach(role), reach, "{role:?} on {kind:?}");
        }
        assert!(Kind::office_wide(R::Leader));
        assert!(!Kind::office_wide(R::Driver));
        assert!(!Kind::office_wide(R::Technician));
        assert_eq!(
            Kind::cases_with(R::DepartmentHead, Reach::Own),
            vec![Kind::Requisition]
        );
    }
}
