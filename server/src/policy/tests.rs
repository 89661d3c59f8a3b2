//! The policy table's tests: who may do what, and every route once.
use super::*;
use strum::VariantArray;

#[test]
fn r_role_table_of_who_may_do_what() {
    use Action as A;
    use Role as R;
    // (role, actions allowed; every other action is refused)
    let table: &[(Role, &[Action])] = &[
        (
            R::FrontDesk,
            &[
                A::ReadOrder,
                A::ListOrders,
                A::Me,
                A::Ticket,
                A::Tasks,
                A::Sync,
                A::ReadSettings,
                A::ReadSchedule,
                A::Intake,
                A::Appoint,
                A::ListUsers,
                A::Devices,
                A::Events,
                A::ReadComplaints,
                A::RecordComplaint,
                A::ActOnComplaint,
                A::ReadCalendar,
                A::ReadCustomers,
                A::EditCustomers,
                A::ReadContacts,
                A::TakeContacts,
            ],
        ),
        (
            R::Technician,
            &[
                A::ReadOrder,
                A::ListOrders,
                A::Me,
                A::Ticket,
                A::Tasks,
                A::Sync,
                A::ReadSettings,
                A::ReadSchedule,
                A::MakeCallbacks,
            ],
        ),
        (
            R::Finance,
            &[
                A::ReadOrder,
                A::ListOrders,
                A::Me,
                A::Ticket,
                A::Tasks,
                A::Sync,
                A::ReadSettings,
                A::ReadSchedule,
                A::Receipt,
                A::Billing,
                A::ListUsers,
                A::Devices,
                A::Events,
                A::Register,
            ],
        ),
        (
            R::CsAgent,
            &[
                A::ReadOrder,
                A::ListOrders,
                A::Me,
                A::Ticket,
                A::Tasks,
                A::Sync,
                A::ReadSettings,
                A::ReadSchedule,
                A::Intake,
                A::ReadComplaints,
                A::RecordComplaint,
                A::ActOnComplaint,
                A::ReadCalendar,
                A::ReadCustomers,
                A::EditCustomers,
                A::ReadContacts,
                A::TakeContacts,
                A::ReadImprovements,
                A::Kpi,
                A::MakeCallbacks,
            ],
        ),
        (
            R::QaInspector,
            &[
                A::ReadOrder,
                A::ListOrders,
                A::Me,
                A::Ticket,
                A::Tasks,
                A::Sync,
                A::ReadSettings,
                A::ReadSchedule,
                A::ReadComplaints,
                A::ReadCalendar,
                A::ReadCustomers,
                A::ReadContacts,
                A::ReadImprovements,
                A::ReadQa,
                A::Inspect,
            ],
        ),
        (
            R::CsManager,
            &[
                A::ReadOrder,
                A::ListOrders,
                A::Me,
                A::Ticket,
                A::Tasks,
                A::Sync,
                A::ReadSettings,
                A::ReadSchedule,
                A::ListUsers,
                A::Events,
                A::Stats,
                A::Callbacks,
                A::Quality,
                A::ReadComplaints,
                A::RecordComplaint,
                A::DecideComplaint,
                A::ActOnComplaint,
                A::ReadCalendar,
                A::ReadCustomers,
                A::EditCustomers,
                A::ManageCustomers,
                A::CustomerReports,
                A::ReadContacts,
                A::TakeContacts,
                A::ReadImprovements,
                A::Improve,
                A::ReadQa,
                A::EditQaScheme,
                A::Kpi,
                A::MakeCallbacks,
                A::EditProgrammes,
                A::SendSurveys,
            ],
        ),
        // R-CS-HQ: reads every office, writes none.
        (R::HeadOffice, &[A::Me, A::Ticket, A::Oversee]),
        (R::System, &[]),
    ];
    for (role, allowed) in table {
        for a in Action::VARIANTS {
            assert_eq!(
                role_allows(*role, *a),
                allowed.contains(a),
                "{role:?} {a:?}"
            );
        }
    }
    // Admin may do everything a person of the office may; only head office sees past
    // the office (R-CS-HQ).
    assert!(
        Action::VARIANTS
            .iter()
            .all(|a| role_allows(R::Admin, *a) == (*a != A::Oversee))
    );
}

#[test]
fn every_route_is_in_the_table_once() {
    for (i, (m, p, _)) in ROUTES.iter().enumerate() {
        let again = ROUTES
            .iter()
            .skip(i + 1)
            .any(|(m2, p2, _)| m2 == m && p2 == p);
        assert!(!again, "{m} {p} twice");
    }
    assert_eq!(
        route_action("GET", "/api/v1/calendar"),
        Some(Action::ReadCalendar)
    );
    assert_eq!(route_action("DELETE", "/api/v1/calendar"), None);
}
