//! The technician's commands: what the phone app calls, each one fact through
//! `Store::record` (rules checked, committed before it returns).

use super::Store;
use crate::Error;
use crate::command::NewOrder;
use crate::event::EventBody;
use crate::model::{Customer, FeeItem, Millis, Money, OrderId, PassFail};
use crate::signature::{Signature, Stroke};
use crate::state::WorkOrderState;

impl Store {
    /// R-INTAKE: a follow-up job found on site while working on `found_on`.
    pub fn create_field_order(
        &mut self,
        found_on: OrderId,
        customer: Customer,
        description: String,
    ) -> Result<WorkOrderState, Error> {
        let office = self.order_state(found_on)?.office;
        self.create_order(NewOrder {
            office,
            customer,
            channel: crate::model::Channel::Field,
            description,
            follow_up_of: Some(found_on),
        })
    }

    /// R-ARRIVE
    pub fn arrive(
        &mut self,
        order: OrderId,
        confirmed_items: Vec<String>,
    ) -> Result<WorkOrderState, Error> {
        self.record(order, EventBody::Arrived { confirmed_items })
    }

    /// R-CONSENT: the fee standard as told to the customer.
    pub fn tell_fee(
        &mut self,
        order: OrderId,
        paid: bool,
        items: Vec<FeeItem>,
    ) -> Result<WorkOrderState, Error> {
        let schedule = self.quoted_from(order, &items)?;
        self.record(
            order,
            EventBody::FeeTold {
                paid,
                items,
                schedule,
            },
        )
    }

    /// R-CONSENT
    pub fn record_consent(&mut self, order: OrderId) -> Result<WorkOrderState, Error> {
        self.record(order, EventBody::ConsentGiven)
    }

    /// R-CONSENT: the job ends without work.
    pub fn record_refusal(
        &mut self,
        order: OrderId,
        reason: String,
    ) -> Result<WorkOrderState, Error> {
        self.record(order, EventBody::ConsentRefused { reason })
    }

    /// R-MATERIALS
    pub fn check_material(
        &mut self,
        order: OrderId,
        name: String,
        supplied_by_customer: bool,
        result: PassFail,
        note: String,
    ) -> Result<WorkOrderState, Error> {
        self.record(
            order,
            EventBody::MaterialChecked {
                name,
                supplied_by_customer,
                result,
                note,
            },
        )
    }

    /// R-PREMISES
    pub fn premises_consent(
        &mut self,
        order: OrderId,
        what: String,
        granted: bool,
    ) -> Result<WorkOrderState, Error> {
        self.record(order, EventBody::PremisesConsent { what, granted })
    }

    /// R-PREMISES
    pub fn record_damage(
        &mut self,
        order: OrderId,
        what: String,
        compensation: Money,
        apologised: bool,
    ) -> Result<WorkOrderState, Error> {
        self.record(
            order,
            EventBody::DamageRecorded {
                what,
                compensation,
                apologised,
            },
        )
    }

    /// R-COMPLETE
    pub fn complete(
        &mut self,
        order: OrderId,
        test_result: PassFail,
        cleaned_up: bool,
        items: Vec<FeeItem>,
        notes: String,
    ) -> Result<WorkOrderState, Error> {
        let schedule = self.quoted_from(order, &items)?;
        self.record(
            order,
            EventBody::Completed {
                test_result,
                cleaned_up,
                items,
                notes,
                schedule,
            },
        )
    }

    /// R-PAID: the schedule version coded lines are quoted from: the schedule this phone
    /// holds when they are its items at its prices (lines the technician just quoted),
    /// else the order's own version (the manager's lines, quoted before a newer
    /// publication), which the server holds and checks.
    fn quoted_from(&mut self, order: OrderId, items: &[FeeItem]) -> Result<Option<u32>, Error> {
        if items.iter().all(|i| i.code.is_none()) {
            return Ok(None);
        }
        let held = self.fee_schedule()?;
        if let Some(h) = &held
            && crate::fee_schedule::check_coded(items, &|c| h.item(c).cloned()).is_ok()
        {
            return Ok(Some(h.version));
        }
        match self.order_state(order)?.schedule_version {
            Some(v) => Ok(Some(v)),
            None => Ok(held.map(|s| s.version)),
        }
    }

    /// R-COMPLETE: the customer signs for the fees the order shows now.
    pub fn customer_sign(
        &mut self,
        order: OrderId,
        signer: String,
        strokes: &[Stroke],
    ) -> Result<WorkOrderState, Error> {
        let s = self.order_state(order)?;
        let signature = Signature::new(signer, strokes, s.fees.paid, &s.fees.items);
        self.record(order, EventBody::CustomerSigned { signature })
    }

    /// R-COMPLETE
    pub fn technician_sign(&mut self, order: OrderId) -> Result<WorkOrderState, Error> {
        self.record(order, EventBody::TechnicianSigned)
    }

    /// R-APPOINT: the visit booked with the customer from the phone, offline if need be.
    pub fn book(&mut self, order: OrderId, at: Millis) -> Result<WorkOrderState, Error> {
        self.record(order, EventBody::AppointmentSet { at })
    }

    /// R-APPOINT: a new time; it replaces the booked one only with the customer's consent
    /// given before the booked time (+10 min) passed.
    pub fn reschedule(
        &mut self,
        order: OrderId,
        at: Millis,
        customer_consented: bool,
        reason: String,
    ) -> Result<WorkOrderState, Error> {
        self.record(
            order,
            EventBody::Rescheduled {
                at,
                customer_consented,
                reason,
            },
        )
    }

    pub fn add_note(&mut self, order: OrderId, text: String) -> Result<WorkOrderState, Error> {
        self.record(order, EventBody::Note { text })
    }
}
