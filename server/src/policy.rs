//! Who may do what, in one table. Every endpoint asks here before it acts.

use baoxiu_sync_core::{Role, WorkOrderState};

use crate::auth::Claims;
use crate::error::{Error, Result};

/// What a caller wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    ReadOrder,
    ListOrders,
    Intake,
    Receive,
    Price,
    Suggest,
    Assign,
    Appoint,
    Cancel,
    Receipt,
    ListUsers,
    ManageUsers,
    Sync,
    /// Month-end statistics (R-MONTH).
    Stats,
    /// The paid-service register.
    Register,
    /// Call-backs and spot-check samples (R-VISIT).
    Callbacks,
}

/// Whether `role` may perform `action` at all (inside its own office).
pub fn role_allows(role: Role, action: Action) -> bool {
    use Action as A;
    use Role as R;
    match action {
        A::ReadOrder | A::ListOrders => role != R::System,
        A::Intake => matches!(
            role,
            R::FrontDesk | R::Administrator | R::Dispatcher | R::Admin
        ),
        A::Receive | A::Price | A::Suggest | A::Assign | A::Cancel => {
            matches!(role, R::Dispatcher | R::Admin)
        }
        A::Appoint => matches!(
            role,
            R::Dispatcher | R::FrontDesk | R::Administrator | R::Admin
        ),
        A::Receipt => matches!(role, R::Finance | R::Admin),
        A::ListUsers => matches!(
            role,
            R::Dispatcher | R::FrontDesk | R::Administrator | R::Supervisor | R::Finance | R::Admin
        ),
        A::ManageUsers => role == R::Admin,
        A::Sync => role != R::System,
        A::Stats | A::Callbacks => matches!(role, R::Supervisor | R::Dispatcher | R::Admin),
        A::Register => matches!(role, R::Supervisor | R::Dispatcher | R::Finance | R::Admin),
    }
}

/// Checks `action` for the caller, and — for actions on one order — that the order is in
/// the caller's office and, for a technician, assigned to them or created by them.
/// Orders outside the caller's reach are reported as not found, so ids do not leak.
pub fn authorize(c: &Claims, action: Action, order: Option<&WorkOrderState>) -> Result<()> {
    if let Some(s) = order {
        let visible = s.office.id == c.office
            && (c.role != Role::Technician || s.in_technician_scope(&c.sub));
        if !visible {
            return Err(Error::NotFound(format!("work order {}", s.order)));
        }
    }
    if !role_allows(c.role, action) {
        return Err(Error::Forbidden(format!(
            "a {} may not {action:?}",
            c.role.as_str()
        )));
    }
    Ok(())
}
