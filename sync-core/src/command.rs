//! Commands: check the rules, then append one fact. A refused command writes nothing.
//!
//! These are the only way facts get into a document, on a phone and on the server alike.

use automerge::ChangeHash;

use crate::Error;
use crate::doc::WorkOrderDoc;
use crate::error::RuleViolation;
use crate::event::{Event, EventBody};
use crate::model::{Author, Channel, Customer, EventId, Millis, Office, OrderId, Role};
use crate::rules;
use crate::state::{self, WorkOrderState};

/// A stored fact may not exceed this (JSON bytes), so no device can bloat an order.
pub use crate::protocol::MAX_FACT_BYTES as MAX_EVENT_BYTES;

/// Who is acting, and their device's clock.
#[derive(Clone, Debug)]
pub struct Context {
    pub author: Author,
    /// The device's wall clock now (UTC millis).
    pub now: Millis,
    /// The device's last measured offset to server time, if it has synced.
    pub offset: Option<Millis>,
}

impl Context {
    fn event(&self, body: EventBody) -> Result<Event, Error> {
        let e = Event {
            id: EventId::new(),
            author: self.author.clone(),
            at: self.now,
            offset: self.offset,
            body,
        };
        if e.to_json().len() > MAX_EVENT_BYTES {
            return Err(Error::InvalidInput(format!(
                "a fact may be at most {MAX_EVENT_BYTES} bytes"
            )));
        }
        Ok(e)
    }
}

/// What is needed to log a new request (R-INTAKE).
#[derive(Clone, Debug)]
pub struct NewOrder {
    pub office: Office,
    pub customer: Customer,
    pub channel: Channel,
    pub description: String,
    /// Set when a technician logs a follow-up job found on site.
    pub follow_up_of: Option<OrderId>,
}

/// R-INTAKE: creates the order's document with its `logged` fact. The document is
/// created here exactly once; every other replica starts from its bytes.
pub fn create_order(ctx: &Context, new: NewOrder) -> Result<(WorkOrderDoc, Event), Error> {
    intake_complete(&new.customer, &new.description)?;
    new.office.tz()?;
    let role = ctx.author.role;
    let allowed = match role {
        // R-CS-CONTACT: the customer-service hotline takes repair reports too.
        Role::FrontDesk | Role::CsAgent | Role::Administrator | Role::Dispatcher | Role::Admin => {
            true
        }
        // A technician logs only a follow-up job found on site.
        Role::Technician => new.channel == Channel::Field && new.follow_up_of.is_some(),
        _ => false,
    };
    if !allowed {
        return Err(Error::Rule(RuleViolation::RoleNotAllowed {
            role,
            action: "logged".into(),
        }));
    }
    if new.channel == Channel::Field && new.follow_up_of.is_none() {
        return Err(RuleViolation::IntakeIncomplete {
            field: "the order the follow-up job was found on".into(),
        }
        .into());
    }
    let event = ctx.event(EventBody::Logged {
        order: OrderId::new(),
        office: new.office,
        customer: new.customer,
        channel: new.channel,
        description: new.description,
        follow_up_of: new.follow_up_of,
    })?;
    let doc = WorkOrderDoc::create(ctx.author.device, &event)?;
    Ok((doc, event))
}

/// R-INTAKE: what every request must carry, checked by the command and by the server for
/// an order that arrives from a device.
pub fn intake_complete(customer: &Customer, description: &str) -> Result<(), RuleViolation> {
    let missing = [
        ("customer name", customer.name.as_str()),
        ("unit", customer.unit.as_str()),
        // The phone is how the visit is booked and the customer called back.
        ("customer phone", customer.phone.as_str()),
        ("description", description),
    ]
    .into_iter()
    .find(|(_, v)| v.trim().is_empty());
    match missing {
        Some((field, _)) => Err(RuleViolation::IntakeIncomplete {
            field: field.to_owned(),
        }),
        None => Ok(()),
    }
}

/// Checks `body` against the order's current state and, if the rules allow it, appends it.
/// Returns the new fact, the change that carries it and the state after it.
pub fn execute(
    doc: &mut WorkOrderDoc,
    ctx: &Context,
    body: EventBody,
) -> Result<(Event, ChangeHash, WorkOrderState), Error> {
    let before = state::state(doc)?;
    rules::check(&before, &ctx.author, &body)?;
    let event = ctx.event(body)?;
    // A change is always written with the actor of the device its author is on.
    doc.set_device(ctx.author.device);
    let hash = doc.append(&event)?;
    let after = state::state(doc)?;
    Ok((event, hash, after))
}
