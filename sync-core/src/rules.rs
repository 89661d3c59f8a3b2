//! The repair procedure's rules (docs/rules.md), as one function.
//!
//! [`check`] decides whether a fact may be recorded given the order's state before it.
//! Commands call it before writing (a refusal writes nothing); the reducer calls the same
//! function while replaying merged facts, and turns a refusal into an anomaly instead of
//! dropping the fact. So a rule is written once and holds alike on device and server.

use crate::error::RuleViolation as V;
use crate::event::EventBody;
use crate::model::{Author, FeeItem, Money, PassFail, Role, Settlement, total_of};
use crate::order_state::{Consent, EARLIEST_TIME, LATEST_TIME, WorkOrderState};
use crate::signature::{decode_strokes, fees_hash};

/// Checks one new fact against the order's state. `author` is who records it.
pub fn check(s: &WorkOrderState, author: &Author, body: &EventBody) -> Result<(), V> {
    well_formed(body)?;
    check_role(s, author, body)?;
    check_lifecycle(s, body)?;
    use EventBody as E;
    match body {
        // R-INTAKE: a document is logged once, at creation.
        E::Logged { .. } => Err(V::AlreadyLogged),
        // R-HANDOVER: the administrator signs the register once, before the manager
        // records receipt.
        E::HandedOver { .. } => {
            if s.handed_over.is_some() {
                return Err(V::AlreadyHandedOver);
            }
            if s.received_at.is_some() {
                return Err(V::AlreadyReceived);
            }
            Ok(())
        }
        // R-HANDOVER
        E::Received => {
            if s.received_at.is_some() {
                return Err(V::AlreadyReceived);
            }
            Ok(())
        }
        // R-PAID
        E::Priced { paid, items, .. } => {
            if s.received_at.is_none() {
                return Err(V::NotReceived);
            }
            check_fees(*paid, items)
        }
        // R-DISPATCH
        E::Assigned { technicians, .. } => {
            if s.paid.is_none() {
                return Err(V::NotPriced);
            }
            if technicians.is_empty() {
                return Err(V::NoTechnician);
            }
            Ok(())
        }
        // R-APPOINT: booked with the customer, normally at intake, without waiting for
        // dispatch; once booked, only a consented reschedule moves it.
        E::AppointmentSet { .. } => {
            if s.appointment.is_some() {
                return Err(V::AlreadyBooked);
            }
            Ok(())
        }
        E::Rescheduled {
            customer_consented, ..
        } => {
            if s.appointment.is_none() {
                return Err(V::NoAppointment);
            }
            if !customer_consented {
                return Err(V::RescheduleNeedsConsent);
            }
            Ok(())
        }
        // R-ARRIVE
        E::Arrived { confirmed_items } => {
            if s.appointment.is_none() {
                return Err(V::NoAppointment);
            }
            if s.arrival.is_some() {
                return Err(V::AlreadyArrived);
            }
            if confirmed_items.iter().all(|i| i.trim().is_empty()) {
                return Err(V::NothingConfirmed);
            }
            Ok(())
        }
        // R-CONSENT
        E::FeeTold { paid, items, .. } => {
            on_site(s)?;
            if s.consent.is_some() {
                return Err(V::ConsentAlreadyGiven);
            }
            check_fees(*paid, items)
        }
        E::ConsentGiven | E::ConsentRefused { .. } => {
            on_site(s)?;
            if s.fee_told.is_none() {
                return Err(V::FeeNotTold);
            }
            if s.consent.is_some() {
                return Err(V::ConsentAlreadyGiven);
            }
            Ok(())
        }
        // R-PREMISES
        E::PremisesConsent { .. } => working(s),
        E::DamageRecorded {
            compensation,
            apologised,
            ..
        } => {
            working(s)?;
            if compensation.is_negative() {
                return Err(V::BadAmount);
            }
            if !apologised {
                return Err(V::DamageNeedsApology);
            }
            Ok(())
        }
        // R-PREMISES: the manager approves the amount; it is settled once, after approval,
        // and a credit comes off the bill before the receipt.
        E::CompensationApproved { damage, amount } => {
            let d = s
                .damages
                .iter()
                .find(|d| d.stamp.event == *damage)
                .ok_or(V::NoSuchDamage)?;
            if amount.is_negative() {
                return Err(V::BadAmount);
            }
            if d.settled.is_some() {
                return Err(V::AlreadySettled);
            }
            Ok(())
        }
        E::CompensationSettled { damage, how } => {
            let d = s
                .damages
                .iter()
                .find(|d| d.stamp.event == *damage)
                .ok_or(V::NoSuchDamage)?;
            let Some(amount) = d.approved else {
                return Err(V::CompensationNotApproved);
            };
            if d.settled.is_some() {
                return Err(V::AlreadySettled);
            }
            if *how == Settlement::Credited {
                if s.receipt.is_some() {
                    return Err(V::AlreadyReceipted);
                }
                let due = s.amount_due().0;
                if amount.0 > due {
                    return Err(V::CreditExceedsBill {
                        credit: amount.0,
                        due,
                    });
                }
            }
            Ok(())
        }
        // R-MATERIALS
        E::MaterialChecked { .. } => working(s),
        // R-COMPLETE
        E::Completed {
            test_result,
            cleaned_up,
            items,
            notes,
            ..
        } => {
            working(s)?;
            if s.completion.is_some() {
                return Err(V::AlreadyFinished);
            }
            if *test_result != PassFail::Pass {
                return Err(V::TestNotPassed);
            }
            if !cleaned_up {
                return Err(V::NotCleanedUp);
            }
            // R-COMPLETE: the technician writes what was done.
            if notes.trim().is_empty() {
                return Err(V::NothingDone);
            }
            // R-MATERIALS: a customer's part that failed its check is not used.
            if let Some(failed) = s
                .materials
                .iter()
                .filter(|m| m.supplied_by_customer)
                .filter(|m| s.latest_material_result(&m.name) == Some(PassFail::Fail))
                .map(|m| m.name.clone())
                .next()
            {
                return Err(V::MaterialFailed { name: failed });
            }
            let paid = s.fees.paid;
            if paid && items.is_empty() {
                return Err(V::PaidWithoutItems);
            }
            check_fees(paid, items)
        }
        E::FeesAmended { items, paid, .. } => {
            if s.received_at.is_none() {
                return Err(V::NotReceived);
            }
            check_fees(paid.unwrap_or(s.fees.paid), items)
        }
        E::CustomerSigned { signature } => {
            if s.completion.is_none() {
                return Err(V::NotCompleted);
            }
            if s.customer_signature.is_some() {
                return Err(V::AlreadySigned);
            }
            match decode_strokes(&signature.strokes) {
                Ok(strokes) if strokes.iter().any(|st| !st.is_empty()) => {}
                _ => return Err(V::EmptySignature),
            }
            if signature.signed_hash != fees_hash(s.fees.paid, &s.fees.items) {
                return Err(V::SignatureMismatch);
            }
            Ok(())
        }
        E::TechnicianSigned => {
            if s.customer_signature.is_none() {
                return Err(V::CustomerNotSigned);
            }
            if s.technician_signature.is_some() {
                return Err(V::AlreadySigned);
            }
            Ok(())
        }
        // R-COLLECT: finance receipts a signed paid order once…
        E::ReceiptIssued { amount, .. } => {
            if !s.fees.paid {
                return Err(V::NotPaidJob);
            }
            if s.customer_signature.is_none() {
                return Err(V::CustomerNotSigned);
            }
            if s.receipt.is_some() {
                return Err(V::AlreadyReceipted);
            }
            amount_due(s, amount.0)
        }
        // …and the administrator collects with that receipt.
        E::FeeCollected {
            amount, receipt, ..
        } => {
            let Some(issued) = &s.receipt else {
                return Err(V::NoReceipt);
            };
            if s.collection.is_some() {
                return Err(V::AlreadyCollected);
            }
            if !receipt.is_empty() && *receipt != issued.number {
                return Err(V::ReceiptMismatch {
                    given: receipt.clone(),
                    issued: issued.number.clone(),
                });
            }
            amount_due(s, amount.0)
        }
        E::Cancelled { .. } => {
            if s.completion.is_some() {
                return Err(V::AlreadyFinished);
            }
            Ok(())
        }
        E::Reopened { .. } => {
            if s.cancelled.is_none() && s.completion.is_none() && !s.refused() {
                return Err(V::NotFinished);
            }
            Ok(())
        }
        E::Note { .. } | E::TimeDoubted { .. } | E::Classified { .. } => Ok(()),
    }
}

/// R-ROLE: whether `role` may record facts of this kind at all.
pub fn role_may_record(role: Role, body: &EventBody) -> bool {
    use EventBody as E;
    use Role as R;
    match body {
        E::Logged { .. } => true,
        // R-HANDOVER: the property administrator signs the register and hands over.
        E::HandedOver { .. } => matches!(role, R::Administrator | R::Admin),
        E::Received
        | E::Priced { .. }
        | E::Assigned { .. }
        | E::Cancelled { .. }
        | E::Classified { .. }
        | E::FeesAmended { .. } => matches!(role, R::Dispatcher | R::Admin),
        E::Reopened { .. } => matches!(role, R::Dispatcher | R::Supervisor | R::Admin),
        E::AppointmentSet { .. } | E::Rescheduled { .. } => matches!(
            role,
            R::Dispatcher | R::FrontDesk | R::CsAgent | R::Administrator | R::Admin | R::Technician
        ),
        // R-PREMISES: the manager approves compensation; finance settles it.
        E::CompensationApproved { .. } => matches!(role, R::Dispatcher | R::Admin),
        E::CompensationSettled { .. } => matches!(role, R::Finance | R::Admin),
        // R-COLLECT: finance issues the receipt; the administrator collects.
        E::ReceiptIssued { .. } => matches!(role, R::Finance | R::Admin),
        E::FeeCollected { .. } => matches!(role, R::Administrator | R::Admin),
        E::Note { .. } => role != R::System,
        E::TimeDoubted { .. } => role == R::System,
        b if b.is_field_work() => role == R::Technician,
        _ => false,
    }
}

/// Facts a technician records only on orders they are assigned to.
pub fn needs_assignment(body: &EventBody) -> bool {
    body.is_field_work()
        || matches!(
            body,
            EventBody::AppointmentSet { .. } | EventBody::Rescheduled { .. }
        )
}

/// R-ROLE: who may record which fact. Field work is the assigned technicians' alone.
fn check_role(s: &WorkOrderState, author: &Author, body: &EventBody) -> Result<(), V> {
    let role = author.role;
    if !role_may_record(role, body) {
        return Err(V::RoleNotAllowed {
            role,
            action: body.kind().to_owned(),
        });
    }
    // A technician acts only on orders they are assigned to (R-DISPATCH, R-ARRIVE).
    if role == Role::Technician && needs_assignment(body) && !s.technicians.contains(&author.user) {
        return Err(V::NotAssignedToYou);
    }
    Ok(())
}

/// A cancelled or refused job takes no more work until it is reopened.
fn check_lifecycle(s: &WorkOrderState, body: &EventBody) -> Result<(), V> {
    use EventBody as E;
    if matches!(
        body,
        E::Reopened { .. } | E::Note { .. } | E::Logged { .. } | E::TimeDoubted { .. }
    ) {
        return Ok(());
    }
    if s.cancelled.is_some() {
        return Err(V::Cancelled);
    }
    if s.refused() && body.is_field_work() {
        return Err(V::JobEnded);
    }
    Ok(())
}

fn on_site(s: &WorkOrderState) -> Result<(), V> {
    if s.arrival.is_none() {
        return Err(V::NotOnSite);
    }
    Ok(())
}

/// R-CONSENT: work starts only after the customer agreed to the fee.
fn working(s: &WorkOrderState) -> Result<(), V> {
    on_site(s)?;
    match s.consent {
        Some(Consent::Given) => Ok(()),
        Some(Consent::Refused { .. }) => Err(V::JobEnded),
        None => Err(V::ConsentRequired),
    }
}

/// The largest amount one fee item, compensation, receipt or collection may carry, in
/// minor units (ten billion of the currency): beyond any repair, and small enough that no
/// sum of an order's amounts can overflow.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;
/// Most fee items on one order.
pub const MAX_FEE_ITEMS: usize = 200;

/// R-PAID: the shape of a fact's amounts, whatever door it came through (a REST command,
/// a device's change, the reducer replaying): no negative amount, none past
/// [`MAX_AMOUNT`], at most [`MAX_FEE_ITEMS`] items, totals that add up. A fact that fails
/// this is refused by a command and by the server's sync validation alike.
pub fn well_formed(body: &EventBody) -> Result<(), V> {
    use EventBody as E;
    let amount_ok = |m: Money| (0..=MAX_AMOUNT).contains(&m.0);
    let items_ok = |items: &[FeeItem]| {
        items.len() <= MAX_FEE_ITEMS
            && items
                .iter()
                .all(|i| amount_ok(i.materials) && amount_ok(i.labour))
            && total_of(items).is_some()
    };
    let ok = match body {
        E::Priced { items, .. }
        | E::FeeTold { items, .. }
        | E::Completed { items, .. }
        | E::FeesAmended { items, .. } => items_ok(items),
        E::DamageRecorded { compensation, .. }
        | E::CompensationApproved {
            amount: compensation,
            ..
        } => amount_ok(*compensation),
        E::ReceiptIssued { amount, .. } | E::FeeCollected { amount, .. } => amount_ok(*amount),
        E::AppointmentSet { at }
        | E::Rescheduled { at, .. }
        | E::TimeDoubted {
            received_at: at, ..
        } => {
            // R-CLOCK: an appointment (a receipt) is a real time.
            if !(EARLIEST_TIME..=LATEST_TIME).contains(at) {
                return Err(V::ImplausibleTime);
            }
            true
        }
        _ => true,
    };
    if ok { Ok(()) } else { Err(V::BadAmount) }
}

/// R-PAID: paid work has a positive price; free work has none; no negative amounts.
fn check_fees(paid: bool, items: &[FeeItem]) -> Result<(), V> {
    if items
        .iter()
        .any(|i| i.materials.is_negative() || i.labour.is_negative())
    {
        return Err(V::BadAmount);
    }
    let total = total_of(items).ok_or(V::BadAmount)?;
    if paid && total.0 <= 0 {
        return Err(V::PaidWithoutPrice);
    }
    if !paid && total.0 != 0 {
        return Err(V::FreeJobHasFees);
    }
    Ok(())
}

fn amount_due(s: &WorkOrderState, amount: i64) -> Result<(), V> {
    // R-PREMISES: compensation credited comes off the bill.
    let due = s.amount_due().0;
    if amount != due {
        return Err(V::AmountMismatch { amount, due });
    }
    Ok(())
}
