//! Who may do what, in one table (R-ROLE on the server side). Every authenticated route
//! is listed in [`ROUTES`] with the action it performs; the HTTP layer refuses a route
//! missing from the table, so no route goes unchecked. Handlers that act on one order or
//! complaint ask [`authorize`] again with the record, for office and scope.

use baoxiu_sync_core::{Role, WorkOrderState};

use crate::auth::Claims;
use crate::error::{Error, Result};

/// What a caller wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::VariantArray)]
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
    /// R-PAID: read the fee schedule in force (or a version).
    ReadSchedule,
    /// R-PAID: publish a new version of the fee schedule.
    PublishSchedule,
    /// R-HANDOVER: sign the register and hand the order to the engineering manager.
    HandOver,
    /// R-COLLECT: finance issues the receipt.
    Receipt,
    /// R-COLLECT: the administrator collects the fee with the receipt.
    Collect,
    /// R-COLLECT: the queues awaiting a receipt or collection.
    Billing,
    ListUsers,
    ManageUsers,
    /// The last sync of the office's devices.
    Devices,
    /// Who am I: office, zone, role, the rules' numbers and what I may do.
    Me,
    /// R-VISIT-OWNER: the caller's own tasks (all of the office's for a role that makes
    /// call-backs), and closing one they own.
    Tasks,
    /// What a browser's session needs: a short-lived ticket to open the event stream or a
    /// sync session, and signing the console out.
    Ticket,
    /// The server's Prometheus metrics.
    Metrics,
    Sync,
    /// The live event stream of the console.
    Events,
    /// Month-end statistics (R-MONTH).
    Stats,
    /// R-MONTH: close a month (file its figures, register and sample).
    CloseMonth,
    /// The paid-service register.
    Register,
    /// Call-backs and spot-check samples (R-VISIT).
    Callbacks,
    ReadComplaints,
    /// Record a complaint, a supplement notice, complete material (R-CPL-INCOMPLETE).
    RecordComplaint,
    /// Accept / refuse / transfer, decide, tell (R-CPL-ACCEPT, R-CPL-DECIDE).
    DecideComplaint,
    /// The route of complaint actions: either of the two above, checked again per action.
    ActOnComplaint,
    ReadCalendar,
    EditCalendar,
    ReadSettings,
    EditSettings,
    /// The service-quality report (R-CPL-REPORT).
    Quality,
    /// S3: the fleet register (vehicles, designated shops and stations) and maintenance.
    ReadFleet,
    EditFleet,
    /// S3: the supplies catalogue.
    ReadCatalogue,
    EditCatalogue,
    /// S3: the cases the caller holds (vehicle repairs and logs, requisitions, counts,
    /// purchase plans); which ones is each kind's reach for the role.
    ReadCases,
    /// S3: opening a case or recording a fact on one; which fact is each kind's rule
    /// for the role (sync-core's `role_may_record`).
    WriteCases,
    /// S3: the storeroom's figures for a month or quarter.
    SuppliesReport,
    /// S3: the fleet's repair figures for a month or quarter.
    FleetReport,
    /// S5: customer records, their pages and the key accounts.
    ReadCustomers,
    /// S5: add or edit a customer; settle a doubtful link.
    EditCustomers,
    /// S5 21, 13/26: flag a key account, record a customer leaving.
    ManageCustomers,
    /// S5 19, 13/26: the customer pyramid and the churn report.
    CustomerReports,
    /// R-CS-CONTACT: the front door's log (whistle-blowing only for the manager).
    ReadContacts,
    /// R-CS-CONTACT: log a contact, convert it, close it.
    TakeContacts,
    /// S5 16: the PDCA register, and recording what was done on an action one owns.
    ReadImprovements,
    /// S5 16: open an item, plan, check and act on it.
    Improve,
    /// R-CS-HQ: every office's figures and reports, side by side or one office drilled
    /// into; read-only, and head office's alone (an office's admin stays in its office).
    Oversee,
    /// R-CS-QA: the QA scheme, the month's work to inspect, the QA report.
    ReadQa,
    /// R-CS-QA: inspect a contact or a call-back.
    Inspect,
    /// R-CS-QA: set the office's QA scheme (指標質檢方案).
    EditQaScheme,
    /// R-CS-KPI: the people's KPIs (an agent: their own).
    Kpi,
    /// R-VISIT: read the call-backs and the programmes, and record a call-back made — an
    /// agent or field staff only those given to them (the handlers keep to it).
    MakeCallbacks,
    /// S5 25 (R-VISIT-PLAN): keep the office's call-back programmes.
    EditProgrammes,
    /// R-VISIT-SURVEY: send a customer the link to a call-back's online survey.
    SendSurveys,
}

/// Whether `role` may perform `action` at all (inside its own office).
pub fn role_allows(role: Role, action: Action) -> bool {
    use Action as A;
    use Role as R;
    if role == R::System {
        // The server's own role is never a caller's.
        return false;
    }
    if role == R::HeadOffice {
        // R-CS-HQ: head office reads every office through its own routes and writes
        // nothing; the office-bound routes are not its.
        return matches!(action, A::Me | A::Ticket | A::Oversee);
    }
    match action {
        A::Me | A::Ticket | A::Sync | A::Tasks => true,
        A::Oversee => false,
        // The roles of vehicles and supplies see no work order.
        A::ReadOrder | A::ListOrders | A::ReadSettings | A::ReadSchedule => role.works_on_orders(),
        A::PublishSchedule => matches!(role, R::Dispatcher | R::Admin),
        A::Metrics => matches!(role, R::Supervisor | R::Admin),
        // R-CS-CONTACT: the hotline's agents take repair reports (once trained,
        // R-CS-TRAINING, checked by the handler).
        A::Intake => matches!(
            role,
            R::FrontDesk | R::CsAgent | R::Administrator | R::Dispatcher | R::Admin
        ),
        A::Receive | A::Price | A::Suggest | A::Assign | A::Cancel => {
            matches!(role, R::Dispatcher | R::Admin)
        }
        A::Appoint => matches!(
            role,
            R::Dispatcher | R::FrontDesk | R::Administrator | R::Admin
        ),
        A::HandOver | A::Collect => matches!(role, R::Administrator | R::Admin),
        A::Receipt => matches!(role, R::Finance | R::Admin),
        A::Billing => matches!(
            role,
            R::Finance | R::Administrator | R::Supervisor | R::Admin
        ),
        A::ListUsers | A::Events => matches!(
            role,
            R::Dispatcher
                | R::FrontDesk
                | R::Administrator
                | R::Supervisor
                | R::Finance
                | R::CsManager
                | R::Admin
        ),
        A::Devices => matches!(
            role,
            R::Dispatcher | R::FrontDesk | R::Administrator | R::Supervisor | R::Finance | R::Admin
        ),
        A::ManageUsers => role == R::Admin,
        // The centre's manager runs the call-back programme and its analysis (S2 ch. 5).
        A::Stats | A::Callbacks | A::Quality => {
            matches!(
                role,
                R::Supervisor | R::Dispatcher | R::CsManager | R::Admin
            )
        }
        A::Register => matches!(role, R::Supervisor | R::Dispatcher | R::Finance | R::Admin),
        A::ReadComplaints => matches!(
            role,
            R::FrontDesk
                | R::CsAgent
                | R::CsManager
                | R::QaInspector
                | R::Supervisor
                | R::Dispatcher
                | R::Admin
        ),
        A::RecordComplaint => matches!(
            role,
            R::FrontDesk | R::CsAgent | R::CsManager | R::Supervisor | R::Admin
        ),
        A::CloseMonth => matches!(role, R::Supervisor | R::Admin),
        // S2 ch. 4: complaint handling and evaluation are the centre manager's too.
        A::DecideComplaint => matches!(role, R::Supervisor | R::CsManager | R::Admin),
        A::EditCalendar | A::EditSettings => matches!(role, R::Supervisor | R::Admin),
        A::ActOnComplaint => {
            role_allows(role, A::RecordComplaint) || role_allows(role, A::DecideComplaint)
        }
        A::ReadCalendar => matches!(
            role,
            R::FrontDesk
                | R::CsAgent
                | R::CsManager
                | R::QaInspector
                | R::Administrator
                | R::Supervisor
                | R::Dispatcher
                | R::Admin
        ),
        // S3: the fleet's people read it; the fleet manager keeps it.
        A::ReadFleet => matches!(
            role,
            R::Driver | R::FleetManager | R::Leader | R::LogisticsClerk | R::Admin
        ),
        A::EditFleet => matches!(role, R::FleetManager | R::Admin),
        // S3: who requisitions, approves or keeps the store reads it; the clerk keeps it.
        A::ReadCatalogue => matches!(
            role,
            R::LogisticsClerk | R::DepartmentHead | R::Leader | R::Admin
        ),
        A::EditCatalogue => matches!(role, R::LogisticsClerk | R::Admin),
        A::SuppliesReport => matches!(role, R::LogisticsClerk | R::Leader | R::Admin),
        A::FleetReport => matches!(role, R::FleetManager | R::Leader | R::Admin),
        A::ReadCustomers => matches!(
            role,
            R::FrontDesk
                | R::CsAgent
                | R::CsManager
                | R::QaInspector
                | R::Administrator
                | R::Dispatcher
                | R::Supervisor
                | R::Admin
        ),
        A::EditCustomers => matches!(
            role,
            R::FrontDesk | R::CsAgent | R::CsManager | R::Administrator | R::Supervisor | R::Admin
        ),
        A::ManageCustomers => matches!(role, R::Supervisor | R::CsManager | R::Admin),
        A::CustomerReports => {
            matches!(
                role,
                R::Supervisor | R::Dispatcher | R::CsManager | R::Admin
            )
        }
        // R-CS-CONTACT: the front door is the desk's and the hotline's (agents once trained,
        // checked by the handler), with the administrator and the manager.
        A::TakeContacts => matches!(
            role,
            R::FrontDesk | R::CsAgent | R::CsManager | R::Administrator | R::Supervisor | R::Admin
        ),
        // R-CS-QA: the inspector reads the log it inspects, and takes no contact.
        A::ReadContacts => role_allows(role, A::TakeContacts) || role == R::QaInspector,
        // S5 16: the centre's improvement work is seen by those who carry out its actions;
        // its cycle is run by the manager.
        A::ReadImprovements => matches!(
            role,
            R::CsAgent
                | R::CsManager
                | R::QaInspector
                | R::Administrator
                | R::Dispatcher
                | R::Supervisor
                | R::Admin
        ),
        A::Improve => matches!(role, R::Supervisor | R::CsManager | R::Admin),
        // R-CS-QA: the inspector inspects; the centre's manager sets the scheme; both, and
        // the supervisor, read the report.
        A::ReadQa => matches!(
            role,
            R::QaInspector | R::CsManager | R::Supervisor | R::Admin
        ),
        A::Inspect => matches!(role, R::QaInspector | R::Admin),
        A::EditQaScheme => matches!(role, R::CsManager | R::Supervisor | R::Admin),
        // R-CS-KPI: the centre's manager and the supervisor appraise; an agent sees their
        // own (the handler keeps to it).
        A::Kpi => matches!(role, R::CsManager | R::Supervisor | R::CsAgent | R::Admin),
        // R-VISIT: agents make the phone call-backs given to them, field staff the on-site
        // ones (each only their own: the handlers keep to it).
        A::MakeCallbacks => {
            role_allows(role, A::Callbacks)
                || matches!(role, R::CsAgent | R::Technician | R::Administrator)
        }
        // R-VISIT: the centre's manager runs the programme and the online surveys (the
        // supervisor where an office has no centre of its own).
        A::EditProgrammes | A::SendSurveys => {
            matches!(role, R::CsManager | R::Supervisor | R::Admin)
        }
        A::ReadCases | A::WriteCases => matches!(
            role,
            R::Driver
                | R::FleetManager
                | R::Leader
                | R::LogisticsClerk
                | R::DepartmentHead
                | R::Admin
        ),
    }
}

/// Every authenticated route: method, path as the router writes it, action.
pub const ROUTES: &[(&str, &str, Action)] = &[
    ("GET", "/api/v1/me", Action::Me),
    ("POST", "/api/v1/tickets", Action::Ticket),
    ("DELETE", "/api/v1/session", Action::Ticket),
    ("GET", "/api/v1/tasks", Action::Tasks),
    ("POST", "/api/v1/tasks/{id}/close", Action::Tasks),
    // R-VISIT-OWNER: those who make call-backs (and see everyone's tasks) chase the owners.
    ("POST", "/api/v1/tasks/{id}/remind", Action::Callbacks),
    ("GET", "/metrics", Action::Metrics),
    ("GET", "/api/v1/users", Action::ListUsers),
    ("POST", "/api/v1/users", Action::ManageUsers),
    ("POST", "/api/v1/users/{id}/deactivate", Action::ManageUsers),
    ("GET", "/api/v1/devices", Action::Devices),
    ("GET", "/api/v1/orders", Action::ListOrders),
    ("POST", "/api/v1/orders", Action::Intake),
    ("GET", "/api/v1/orders/{id}", Action::ReadOrder),
    ("POST", "/api/v1/orders/{id}/receive", Action::Receive),
    ("POST", "/api/v1/orders/{id}/pricing", Action::Price),
    ("POST", "/api/v1/orders/{id}/fees", Action::Price),
    ("POST", "/api/v1/orders/{id}/classification", Action::Price),
    ("GET", "/api/v1/fee-schedule", Action::ReadSchedule),
    ("POST", "/api/v1/fee-schedule", Action::PublishSchedule),
    ("GET", "/api/v1/orders/{id}/suggestions", Action::Suggest),
    ("POST", "/api/v1/orders/{id}/assign", Action::Assign),
    ("POST", "/api/v1/orders/{id}/appointment", Action::Appoint),
    ("POST", "/api/v1/orders/{id}/cancel", Action::Cancel),
    ("GET", "/api/v1/orders/{id}/form", Action::ReadOrder),
    ("POST", "/api/v1/orders/{id}/share", Action::ReadOrder),
    ("POST", "/api/v1/orders/{id}/handover", Action::HandOver),
    ("POST", "/api/v1/orders/{id}/receipt", Action::Receipt),
    ("POST", "/api/v1/orders/{id}/collection", Action::Collect),
    ("GET", "/api/v1/billing", Action::Billing),
    (
        "POST",
        "/api/v1/orders/{id}/damages/{damage}/approval",
        Action::Price,
    ),
    (
        "POST",
        "/api/v1/orders/{id}/damages/{damage}/settlement",
        Action::Receipt,
    ),
    ("GET", "/api/v1/stats", Action::Stats),
    ("GET", "/api/v1/months/{month}", Action::Stats),
    ("POST", "/api/v1/months/{month}/close", Action::CloseMonth),
    ("GET", "/api/v1/register", Action::Register),
    ("GET", "/api/v1/callbacks", Action::MakeCallbacks),
    ("POST", "/api/v1/callbacks", Action::Callbacks),
    (
        "POST",
        "/api/v1/callbacks/{id}/result",
        Action::MakeCallbacks,
    ),
    ("POST", "/api/v1/callbacks/{id}/survey", Action::SendSurveys),
    ("GET", "/api/v1/callback-programmes", Action::MakeCallbacks),
    (
        "POST",
        "/api/v1/callback-programmes",
        Action::EditProgrammes,
    ),
    (
        "GET",
        "/api/v1/callback-programmes/{id}",
        Action::MakeCallbacks,
    ),
    (
        "PUT",
        "/api/v1/callback-programmes/{id}",
        Action::EditProgrammes,
    ),
    ("GET", "/api/v1/callbacks/queue", Action::Callbacks),
    ("GET", "/api/v1/callbacks/records", Action::Callbacks),
    ("POST", "/api/v1/samples", Action::Callbacks),
    ("GET", "/api/v1/samples/{id}", Action::Callbacks),
    ("GET", "/api/v1/complaints", Action::ReadComplaints),
    ("POST", "/api/v1/complaints", Action::RecordComplaint),
    ("GET", "/api/v1/complaints/analysis", Action::Quality),
    ("GET", "/api/v1/complaint-contacts", Action::ReadSettings),
    ("GET", "/api/v1/trainings", Action::ListUsers),
    ("GET", "/api/v1/contacts", Action::ReadContacts),
    ("POST", "/api/v1/contacts", Action::TakeContacts),
    ("GET", "/api/v1/contacts/{id}", Action::ReadContacts),
    (
        "POST",
        "/api/v1/contacts/{id}/convert",
        Action::TakeContacts,
    ),
    ("POST", "/api/v1/contacts/{id}/close", Action::TakeContacts),
    ("GET", "/api/v1/contact-channels", Action::ReadContacts),
    ("PUT", "/api/v1/contact-channels", Action::EditSettings),
    ("GET", "/api/v1/improvements", Action::ReadImprovements),
    ("POST", "/api/v1/improvements", Action::Improve),
    ("GET", "/api/v1/improvements/{id}", Action::ReadImprovements),
    (
        "POST",
        "/api/v1/improvements/{id}/steps",
        Action::ReadImprovements,
    ),
    ("GET", "/api/v1/customers", Action::ReadCustomers),
    ("POST", "/api/v1/customers", Action::EditCustomers),
    ("GET", "/api/v1/customers/review", Action::ReadCustomers),
    ("POST", "/api/v1/customers/review", Action::EditCustomers),
    ("GET", "/api/v1/customers/tiers", Action::CustomerReports),
    (
        "GET",
        "/api/v1/customers/key-accounts",
        Action::ReadCustomers,
    ),
    ("GET", "/api/v1/customers/churn", Action::CustomerReports),
    ("GET", "/api/v1/customers/{id}", Action::ReadCustomers),
    ("PUT", "/api/v1/customers/{id}", Action::EditCustomers),
    (
        "PUT",
        "/api/v1/customers/{id}/key-account",
        Action::ManageCustomers,
    ),
    (
        "POST",
        "/api/v1/customers/{id}/churn",
        Action::ManageCustomers,
    ),
    (
        "DELETE",
        "/api/v1/customers/{id}/churn",
        Action::ManageCustomers,
    ),
    ("POST", "/api/v1/trainings", Action::ManageUsers),
    ("PUT", "/api/v1/complaint-contacts", Action::EditSettings),
    // R-CPL-REPORT: the regulator's filing is the manager's, read with the quality report.
    ("GET", "/api/v1/complaint-filing", Action::Quality),
    ("PUT", "/api/v1/complaint-filing", Action::EditSettings),
    ("GET", "/api/v1/complaint-filing/report", Action::Quality),
    ("GET", "/api/v1/complaints/{id}", Action::ReadComplaints),
    (
        "GET",
        "/api/v1/complaints/{id}/report",
        Action::ReadComplaints,
    ),
    (
        "POST",
        "/api/v1/complaints/{id}/callbacks",
        Action::Callbacks,
    ),
    (
        "POST",
        "/api/v1/complaints/{id}/actions",
        Action::ActOnComplaint,
    ),
    ("GET", "/api/v1/calendar", Action::ReadCalendar),
    ("PUT", "/api/v1/calendar", Action::EditCalendar),
    ("GET", "/api/v1/settings", Action::ReadSettings),
    ("PUT", "/api/v1/settings", Action::EditSettings),
    ("GET", "/api/v1/fleet", Action::ReadFleet),
    ("PUT", "/api/v1/fleet", Action::EditFleet),
    ("GET", "/api/v1/fleet/maintenance", Action::ReadFleet),
    ("GET", "/api/v1/supplies/catalogue", Action::ReadCatalogue),
    ("PUT", "/api/v1/supplies/catalogue", Action::EditCatalogue),
    ("GET", "/api/v1/cases", Action::ReadCases),
    ("GET", "/api/v1/reports/supplies", Action::SuppliesReport),
    ("GET", "/api/v1/reports/fleet", Action::FleetReport),
    ("GET", "/api/v1/cases/{id}", Action::ReadCases),
    ("POST", "/api/v1/cases", Action::WriteCases),
    ("POST", "/api/v1/cases/{id}/facts", Action::WriteCases),
    ("GET", "/api/v1/quality", Action::Quality),
    ("GET", "/api/v1/qa/scheme", Action::ReadQa),
    ("PUT", "/api/v1/qa/scheme", Action::EditQaScheme),
    ("GET", "/api/v1/qa/queue", Action::ReadQa),
    ("POST", "/api/v1/qa/inspections", Action::Inspect),
    ("GET", "/api/v1/qa/report", Action::ReadQa),
    ("GET", "/api/v1/kpi", Action::Kpi),
    ("GET", "/api/v1/hq/qa", Action::Oversee),
    (
        "GET",
        "/api/v1/hq/offices/{office}/qa/report",
        Action::Oversee,
    ),
    ("GET", "/api/v1/hq/offices", Action::Oversee),
    ("GET", "/api/v1/hq/months/{month}", Action::Oversee),
    ("GET", "/api/v1/hq/complaints", Action::Oversee),
    (
        "GET",
        "/api/v1/hq/offices/{office}/months/{month}",
        Action::Oversee,
    ),
    (
        "GET",
        "/api/v1/hq/offices/{office}/complaints/analysis",
        Action::Oversee,
    ),
    (
        "GET",
        "/api/v1/hq/offices/{office}/complaint-filing/report",
        Action::Oversee,
    ),
    ("GET", "/api/v1/events", Action::Events),
    ("GET", "/sync", Action::Sync),
];

/// The action of a route, if it is in the table.
pub fn route_action(method: &str, path: &str) -> Option<Action> {
    ROUTES
        .iter()
        .find(|(m, p, _)| *m == method && *p == path)
        .map(|(_, _, a)| *a)
}

fn forbidden(c: &Claims, action: Action) -> Error {
    Error::Forbidden(format!("a {} may not {action:?}", c.role.as_str()))
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
        return Err(forbidden(c, action));
    }
    Ok(())
}

/// The actions a role may take, for the console (`GET /api/v1/me`).
pub fn allowed_actions(role: Role) -> Vec<String> {
    use strum::VariantArray;
    Action::VARIANTS
        .iter()
        .filter(|a| role_allows(role, **a))
        .map(|a| format!("{a:?}"))
        .collect()
}

#[cfg(test)]
mod tests;
