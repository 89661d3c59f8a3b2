//! The reducer: a work order's state as a pure function of its document.
//!
//! Facts are replayed in document order (deterministic on every replica holding the same
//! changes). Each fact is checked with the same [`rules::check`] that commands use; a fact
//! that breaks a rule is still applied — it happened — and becomes an [`Anomaly`].

use std::collections::HashMap;

use crate::causality::Causality;
use crate::doc::{StoredEvent, WorkOrderDoc};
use crate::error::RuleViolation;
use crate::event::{Event, EventBody};
use crate::fee_schedule;
use crate::model::{EventId, FeeItem, Millis, PassFail, Role, UserId};
use crate::rules;
use crate::signature::fees_hash;

pub use crate::order_state::*;

impl WorkOrderState {
    fn from_logged(e: &Event) -> Option<Self> {
        let EventBody::Logged {
            order,
            office,
            customer,
            channel,
            description,
            follow_up_of,
        } = &e.body
        else {
            return None;
        };
        Some(WorkOrderState {
            order: *order,
            office: office.clone(),
            customer: customer.clone(),
            channel: *channel,
            description: description.clone(),
            follow_up_of: *follow_up_of,
            created_by: e.author.clone(),
            status: Status::Logged,
            logged_at: e.corrected_at(),
            handed_over: None,
            received_at: None,
            paid: None,
            technicians: Vec::new(),
            first_assigned: None,
            small_repair: None,
            appointment: None,
            arrival: None,
            confirmed_items: Vec::new(),
            fee_told: None,
            consent: None,
            premises: Vec::new(),
            damages: Vec::new(),
            materials: Vec::new(),
            completion: None,
            fees: Fees::default(),
            approved: None,
            schedule_version: None,
            customer_signature: None,
            technician_signature: None,
            receipt: None,
            collection: None,
            cancelled: None,
            reopened: 0,
            notes: Vec::new(),
            arrived_on_time: None,
            handover_on_time: None,
            timeline: Vec::new(),
            anomalies: Vec::new(),
        })
    }

    pub fn refused(&self) -> bool {
        matches!(self.consent, Some(Consent::Refused { .. }))
    }

    /// The latest check of a material by name (R-MATERIALS).
    pub fn latest_material_result(&self, name: &str) -> Option<PassFail> {
        self.materials
            .iter()
            .rev()
            .find(|m| m.name == name)
            .map(|m| m.result)
    }

    /// Whether `user` may see and work this order as a technician: assigned to it, or
    /// created it in the field.
    pub fn in_technician_scope(&self, user: &UserId) -> bool {
        self.technicians.contains(user) || self.created_by.user == *user
    }

    /// The time by which the technician must arrive (R-APPOINT).
    pub fn arrival_deadline(&self) -> Option<Millis> {
        self.appointment
            .as_ref()
            .map(|a| a.at.saturating_add(ARRIVAL_GRACE_MS))
    }

    fn derive_status(&self) -> Status {
        if self.cancelled.is_some() {
            Status::Cancelled
        } else if self.refused() {
            Status::Refused
        } else if self.customer_signature.is_some() && self.technician_signature.is_some() {
            Status::Closed
        } else if self.customer_signature.is_some() {
            Status::Accepted
        } else if self.completion.is_some() {
            Status::Completed
        } else if self.consent.is_some() {
            Status::InProgress
        } else if self.arrival.is_some() {
            Status::OnSite
        } else if !self.technicians.is_empty() && self.appointment.is_some() {
            Status::Scheduled
        } else if !self.technicians.is_empty() {
            Status::Assigned
        } else if self.paid.is_some() {
            Status::Priced
        } else if self.received_at.is_some() {
            Status::Received
        } else {
            Status::Logged
        }
    }

    fn set_fees(&mut self, paid: bool, items: &[FeeItem], e: &Event) {
        let before = fees_hash(self.fees.paid, &self.fees.items);
        self.fees = Fees::new(paid, items.to_vec());
        // R-COMPLETE: an acceptance covers only the fees it was signed for.
        if let Some(sig) = &self.customer_signature
            && fees_hash(paid, items) != before
        {
            self.anomalies.push(Anomaly {
                rule: "R-COMPLETE".into(),
                event: Some(e.id),
                kind: AnomalyKind::FeeChangedAfterSignature {
                    signature: sig.stamp.event,
                },
            });
        }
    }

    /// Applies one fact. Rules were already checked by the caller. `received` is when the
    /// server received it, if the server doubted its time.
    fn apply(&mut self, e: &Event, received: Option<Millis>) {
        use EventBody as E;
        let mut stamp = Stamp::of(e);
        // R-CLOCK: a fact timed after the server received it is timed at its receipt.
        let mut flagged = false;
        if let Some(r) = received
            && stamp.at > r
        {
            self.anomalies.push(Anomaly {
                rule: "R-CLOCK".into(),
                event: Some(e.id),
                kind: AnomalyKind::ImplausibleTime { at: stamp.at },
            });
            flagged = true;
            stamp.at = r;
        }
        // R-CLOCK: a time outside the order's plausible window is kept in the timeline
        // as the device said it, flagged, and clamped into the window for everything
        // computed from it (deadlines, months).
        let earliest = self
            .logged_at
            .saturating_sub(PLAUSIBLE_BEFORE_LOGGING_MS)
            .clamp(EARLIEST_TIME, LATEST_TIME);
        let latest = self
            .logged_at
            .saturating_add(PLAUSIBLE_ORDER_SPAN_MS)
            .clamp(EARLIEST_TIME, LATEST_TIME);
        if !(earliest..=latest).contains(&stamp.at) {
            if !flagged {
                self.anomalies.push(Anomaly {
                    rule: "R-CLOCK".into(),
                    event: Some(e.id),
                    kind: AnomalyKind::ImplausibleTime { at: stamp.at },
                });
            }
            stamp.at = stamp.at.clamp(earliest, latest);
        }
        match &e.body {
            E::Logged { .. } => {}
            E::HandedOver { .. } => self.handed_over = Some(stamp),
            E::Received => {
                // R-HANDOVER
                let waited = stamp.at.saturating_sub(self.logged_at);
                let minutes = waited / 60_000;
                let on_time = waited <= HANDOVER_LIMIT_MS;
                self.handover_on_time = Some(on_time);
                if !on_time {
                    self.anomalies.push(Anomaly {
                        rule: "R-HANDOVER".into(),
                        event: Some(e.id),
                        kind: AnomalyKind::LateHandover { minutes },
                    });
                }
                self.received_at = Some(stamp);
            }
            E::Priced {
                paid,
                items,
                schedule,
            } => {
                self.paid = Some(*paid);
                self.approved = Some(Fees::new(*paid, items.clone()));
                self.schedule_version = schedule.or(self.schedule_version);
                self.set_fees(*paid, items, e);
            }
            E::Assigned { technicians, .. } => {
                if self.first_assigned.is_none() {
                    self.first_assigned = technicians.first().copied();
                }
                self.technicians = technicians.clone();
            }
            E::Classified { small, .. } => self.small_repair = Some(*small),
            E::AppointmentSet { at } => {
                self.appointment = Some(Appointment {
                    at: *at,
                    original: *at,
                    reschedules: 0,
                });
            }
            E::Rescheduled {
                at,
                customer_consented,
                ..
            } => {
                // R-APPOINT: a new time counts only if the customer agreed to it before
                // the current deadline passed.
                if let Some(a) = &mut self.appointment
                    && *customer_consented
                    && stamp.at <= a.at.saturating_add(ARRIVAL_GRACE_MS)
                {
                    a.at = *at;
                    a.reschedules += 1;
                }
            }
            E::Arrived { confirmed_items } => {
                if let Some(deadline) = self.arrival_deadline() {
                    let on_time = stamp.at <= deadline;
                    self.arrived_on_time = Some(on_time);
                    if !on_time {
                        self.anomalies.push(Anomaly {
                            rule: "R-APPOINT".into(),
                            event: Some(e.id),
                            kind: AnomalyKind::LateArrival {
                                minutes_after_appointment: stamp
                                    .at
                                    .saturating_sub(deadline)
                                    .saturating_add(ARRIVAL_GRACE_MS)
                                    .div_euclid(60_000),
                            },
                        });
                    }
                }
                self.confirmed_items = confirmed_items.clone();
                self.arrival = Some(stamp);
            }
            E::FeeTold {
                paid,
                items,
                schedule,
            } => {
                self.fee_told = Some(stamp);
                self.schedule_version = schedule.or(self.schedule_version);
                self.set_fees(*paid, items, e);
            }
            E::ConsentGiven => self.consent = Some(Consent::Given),
            E::ConsentRefused { reason } => {
                self.consent = Some(Consent::Refused {
                    reason: reason.clone(),
                })
            }
            E::PremisesConsent { what, granted } => self.premises.push(PremisesRecord {
                what: what.clone(),
                granted: *granted,
                stamp,
            }),
            E::DamageRecorded {
                what,
                compensation,
                apologised,
            } => self.damages.push(Damage {
                what: what.clone(),
                compensation: *compensation,
                apologised: *apologised,
                stamp,
                approved: None,
                settled: None,
            }),
            E::CompensationApproved { damage, amount } => {
                if let Some(d) = self.damages.iter_mut().find(|d| d.stamp.event == *damage) {
                    d.approved = Some(*amount);
                }
            }
            E::CompensationSettled { damage, how } => {
                if let Some(d) = self.damages.iter_mut().find(|d| d.stamp.event == *damage) {
                    d.settled = Some(*how);
                }
            }
            E::MaterialChecked {
                name,
                supplied_by_customer,
                result,
                note,
            } => self.materials.push(MaterialCheck {
                name: name.clone(),
                supplied_by_customer: *supplied_by_customer,
                result: *result,
                note: note.clone(),
                stamp,
            }),
            E::Completed {
                test_result,
                items,
                notes,
                schedule,
                ..
            } => {
                self.schedule_version = schedule.or(self.schedule_version);
                let paid = self.fees.paid;
                self.set_fees(paid, items, e);
                self.completion = Some(Completion {
                    test_result: *test_result,
                    notes: notes.clone(),
                    stamp,
                });
            }
            E::FeesAmended {
                items,
                paid,
                schedule,
                ..
            } => {
                // R-PAID: the manager's approval (or change) of the fees.
                let paid = paid.unwrap_or(self.fees.paid);
                self.paid = Some(paid);
                self.approved = Some(Fees::new(paid, items.clone()));
                self.schedule_version = schedule.or(self.schedule_version);
                self.set_fees(paid, items, e);
            }
            E::CustomerSigned { signature } => {
                self.customer_signature = Some(CustomerSignature {
                    signer: signature.signer.clone(),
                    strokes: signature.strokes.clone(),
                    signed_hash: signature.signed_hash.clone(),
                    valid: true,
                    stamp,
                })
            }
            E::TechnicianSigned => self.technician_signature = Some(stamp),
            E::ReceiptIssued { number, amount } => {
                self.receipt = Some(Receipt {
                    number: number.clone(),
                    amount: *amount,
                    stamp,
                })
            }
            E::FeeCollected {
                amount,
                method,
                receipt,
            } => {
                self.collection = Some(Collection {
                    amount: *amount,
                    method: method.clone(),
                    receipt: receipt.clone(),
                    stamp,
                })
            }
            E::Cancelled { .. } => self.cancelled = Some(stamp),
            E::Reopened { .. } => {
                // A new round of work: the earlier round stays in the timeline.
                self.reopened += 1;
                self.cancelled = None;
                self.arrival = None;
                self.confirmed_items.clear();
                self.fee_told = None;
                self.consent = None;
                self.completion = None;
                self.customer_signature = None;
                self.technician_signature = None;
                self.arrived_on_time = None;
            }
            E::Note { text } => self.notes.push(text.clone()),
            E::TimeDoubted { .. } => {}
        }
    }

    fn finish(&mut self) {
        if let Some(sig) = &mut self.customer_signature {
            sig.valid = sig.signed_hash == fees_hash(self.fees.paid, &self.fees.items);
        }
        // R-PAID: fees agreed on site that the manager has not approved, until approved.
        if let Some(a) = &self.approved
            && (self.fee_told.is_some() || self.completion.is_some())
            && !fee_schedule::covered(self.fees.paid, &self.fees.items, a.paid, &a.items)
        {
            self.anomalies.push(Anomaly {
                rule: "R-PAID".into(),
                event: None,
                kind: AnomalyKind::FeesNotApproved {
                    agreed: self.fees.total,
                    approved: a.total,
                },
            });
        }
        self.status = self.derive_status();
    }
}

/// The order's state from its document: pure and deterministic.
pub fn state(doc: &WorkOrderDoc) -> Result<WorkOrderState, crate::Error> {
    reduce(doc.events(), &doc.causality())
}

/// The reducer over already-read events (see [`state`]).
pub fn reduce(
    events: &[StoredEvent],
    causality: &Causality<'_>,
) -> Result<WorkOrderState, crate::Error> {
    let mut iter = events.iter();
    let first = iter
        .next()
        .ok_or_else(|| crate::Error::Corrupt("order has no events".into()))?;
    let logged = first
        .event
        .as_ref()
        .map_err(|e| crate::Error::Corrupt(format!("first event unreadable: {e}")))?;
    let mut s = WorkOrderState::from_logged(logged)
        .ok_or_else(|| crate::Error::Corrupt("first event is not `logged`".into()))?;
    // R-CLOCK: facts the server received before the time they carry (it said so in a
    // fact of its own, later in the list).
    let doubted: HashMap<EventId, Millis> = events
        .iter()
        .filter_map(|se| match &se.event {
            Ok(Event {
                author,
                body: EventBody::TimeDoubted { event, received_at },
                ..
            }) if author.role == Role::System => Some((*event, *received_at)),
            _ => None,
        })
        .collect();
    if let Some(&r) = doubted.get(&logged.id)
        && s.logged_at > r
    {
        s.anomalies.push(Anomaly {
            rule: "R-CLOCK".into(),
            event: Some(logged.id),
            kind: AnomalyKind::ImplausibleTime { at: s.logged_at },
        });
        s.logged_at = r;
    }
    s.timeline.push(timeline_entry(logged));

    // Assignments, with the change that wrote them, for the concurrency check.
    let assignments: Vec<(&Event, Option<&automerge::ChangeHash>)> = events
        .iter()
        .filter_map(|se| match &se.event {
            Ok(
                e @ Event {
                    body: EventBody::Assigned { .. },
                    ..
                },
            ) => Some((e, se.change.as_ref())),
            _ => None,
        })
        .collect();

    for se in iter {
        let e = match &se.event {
            Ok(e) => e,
            Err(reason) => {
                s.anomalies.push(Anomaly {
                    rule: "R-INTAKE".into(),
                    event: None,
                    kind: AnomalyKind::UnreadableEvent {
                        index: se.index,
                        reason: reason.clone(),
                    },
                });
                continue;
            }
        };
        match rules::check(&s, &e.author, &e.body) {
            Ok(()) => {
                if e.body.is_field_work() {
                    concurrent_unassignment(&mut s, e, se.change.as_ref(), &assignments, causality);
                }
            }
            // Refused because the technician had been taken off the job, but by an
            // assignment made concurrently: the technician could not have known.
            Err(RuleViolation::NotAssignedToYou)
                if concurrent_unassignment(
                    &mut s,
                    e,
                    se.change.as_ref(),
                    &assignments,
                    causality,
                ) => {}
            Err(violation) => s.anomalies.push(Anomaly {
                rule: violation.rule().into(),
                event: Some(e.id),
                kind: AnomalyKind::RuleBroken { violation },
            }),
        }
        s.apply(e, doubted.get(&e.id).copied());
        s.timeline.push(timeline_entry(e));
    }
    s.finish();
    Ok(s)
}

/// R-DISPATCH: field work that was concurrent with an assignment leaving its author out.
fn concurrent_unassignment(
    s: &mut WorkOrderState,
    e: &Event,
    change: Option<&automerge::ChangeHash>,
    assignments: &[(&Event, Option<&automerge::ChangeHash>)],
    causality: &Causality<'_>,
) -> bool {
    let Some(change) = change else { return false };
    let hit = assignments.iter().find(|(a, ac)| {
        let excludes = matches!(&a.body, EventBody::Assigned { technicians, .. }
            if !technicians.contains(&e.author.user));
        excludes && ac.is_some_and(|ac| causality.concurrent(ac, change))
    });
    if let Some((a, _)) = hit {
        s.anomalies.push(Anomaly {
            rule: "R-DISPATCH".into(),
            event: Some(e.id),
            kind: AnomalyKind::ConcurrentUnassignment {
                technician: e.author.user,
                assignment: a.id,
            },
        });
    }
    hit.is_some()
}

fn timeline_entry(e: &Event) -> TimelineEntry {
    TimelineEntry {
        event: e.id,
        kind: e.body.kind().to_owned(),
        author: e.author.clone(),
        device_at: e.at,
        at: e.corrected_at(),
        time_certain: e.offset.is_some(),
    }
}
