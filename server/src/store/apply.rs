//! Writing to orders, for every backend: a device's batch (validated whole, stored whole
//! or refused whole), a REST command as the server's device, a new order. The rules are
//! sync-core's; a backend gives its transaction's rows (`OrderRows`) and the writer's
//! documents (`Docs`), and commits.

use baoxiu_sync_core::doc::decode_changes;
use baoxiu_sync_core::fee_schedule::{ScheduleItem, check_fact};
use baoxiu_sync_core::kinds::Kind;
use baoxiu_sync_core::protocol::{Hash, OrderChanges};
use baoxiu_sync_core::validate::{
    Lookups, Refusal, Submitter, Validated, apply_checked, doubt_future_times, kind_of_new_case,
    precheck, technician_may_write,
};
use baoxiu_sync_core::{
    Author, Change, DeviceId, EventBody, Millis, NewOrder, OfficeId, OrderId, Person, Role, UserId,
    WorkOrderDoc, WorkOrderState, create_order, execute, state,
};

use super::cases::{self, CaseError, CaseRow};
use super::docs::Docs;
use crate::error::{Error, Result};
use crate::store::decode::StoredBytes;
use crate::store::{CommittedOrder, SubmitError};

/// A backend's rows inside the writer's transaction. Methods take `&self`: the checks
/// call them from shared closures, one at a time.
pub(crate) trait OrderRows {
    /// An order's document (snapshot and log), written as `device`.
    fn load_doc(&self, order: OrderId, device: DeviceId) -> Result<Option<WorkOrderDoc>>;
    fn person(&self, id: UserId) -> Result<Option<Person>>;
    /// One item of a published fee schedule, for checking a coded fee line.
    fn schedule_item(&self, version: u32, code: &str) -> Result<Option<ScheduleItem>>;
    /// Appends changes to the log and updates the projection (and snapshot); returns the
    /// order's last log position.
    fn store_changes(
        &self,
        order: OrderId,
        doc: &WorkOrderDoc,
        st: &WorkOrderState,
        changes: &[Change],
    ) -> Result<i64>;
    /// A device's created order is in its scope from the moment it is stored.
    fn add_to_scope(&self, device: DeviceId, order: OrderId) -> Result<()>;
    /// The kind of a case that is not a work order, if the server has it.
    fn case_kind(&self, id: OrderId) -> Result<Option<Kind>>;
    /// A case's stored bytes: its snapshot (if any) and the log rows after it. The case
    /// is the writer's until it commits.
    fn case_bytes(&self, id: OrderId) -> Result<StoredBytes>;
    /// Whether `user` is a member of the case.
    fn is_member(&self, id: OrderId, user: UserId) -> Result<bool>;
    /// The office's fleet register as stored (JSON), if it set one.
    fn fleet(&self, office: OfficeId) -> Result<Option<String>>;
    /// Appends a case's changes to the log and writes its row and members; returns its
    /// last log position (0 when the backend takes positions at the group's end).
    fn store_case(&self, row: &CaseRow, members: &[UserId], changes: &[Change]) -> Result<i64>;
}

/// What a job changed, for the group's bookkeeping: orders to announce, and the states
/// to publish to readers (with the order's last log position).
#[derive(Default)]
pub(crate) struct Touched {
    pub(crate) orders: Vec<CommittedOrder>,
    pub(crate) states: Vec<(OrderId, i64, WorkOrderState)>,
}

impl Touched {
    fn add(&mut self, seq: i64, st: WorkOrderState) {
        self.orders.push(CommittedOrder::of(&st));
        self.states.push((st.order, seq, st));
    }
}

/// A new order, as the server's device.
pub(crate) fn create(
    rows: &impl OrderRows,
    docs: &mut Docs,
    touched: &mut Touched,
    who: Author,
    new: NewOrder,
    now: Millis,
) -> Result<WorkOrderState> {
    let ctx = baoxiu_sync_core::Context {
        author: who,
        now,
        offset: Some(0),
    };
    let (doc, _) = create_order(&ctx, new)?;
    let st = state(&doc)?;
    let changes = doc.all_changes();
    let seq = rows.store_changes(st.order, &doc, &st, &changes)?;
    docs.changed(st.order, doc);
    touched.add(seq, st.clone());
    Ok(st)
}

/// A REST command on an order of `office`, as the server's device.
#[allow(clippy::too_many_arguments)]
pub(crate) fn command(
    rows: &impl OrderRows,
    docs: &mut Docs,
    touched: &mut Touched,
    server_device: DeviceId,
    who: Author,
    office: OfficeId,
    order: OrderId,
    body: EventBody,
    now: Millis,
) -> Result<WorkOrderState> {
    let not_found = || Error::NotFound(format!("work order {order}"));
    let (mut doc, level) = docs
        .take(rows, order, server_device)?
        .ok_or_else(not_found)?;
    let heads = doc.heads();
    let ctx = baoxiu_sync_core::Context {
        author: who,
        now,
        offset: Some(0),
    };
    let done = (|| {
        if state(&doc)?.office.id != office {
            return Err(not_found());
        }
        // R-PAID: the same check of coded fee lines as for a device's change.
        let lookup_failed = std::cell::RefCell::new(None);
        let checked = check_fact(&body, &|v, code| {
            rows.schedule_item(v, code).unwrap_or_else(|e| {
                *lookup_failed.borrow_mut() = Some(e);
                None
            })
        });
        if let Some(e) = lookup_failed.into_inner() {
            return Err(e);
        }
        checked.map_err(Error::Rule)?;
        let (_, hash, st) = execute(&mut doc, &ctx, body)?;
        let change = doc
            .change_by_hash(&hash)
            .ok_or_else(|| Error::Internal("own change missing".into()))?;
        let seq = rows.store_changes(order, &doc, &st, std::slice::from_ref(&change))?;
        Ok((st, seq))
    })();
    match done {
        Ok((st, seq)) => {
            touched.add(seq, st.clone());
            docs.changed(order, doc);
            Ok(st)
        }
        Err(e) => {
            // A refused command (a rule, another office) left the document as it was.
            if doc.heads() == heads {
                docs.put_back(order, doc, level);
            }
            Err(e)
        }
    }
}

pub(crate) fn submit(
    rows: &impl OrderRows,
    who: &Submitter,
    batch: Vec<OrderChanges>,
    now: Millis,
    docs: &mut Docs,
    touched: &mut Touched,
    server_device: DeviceId,
) -> Result<Vec<Hash>, SubmitError> {
    let all_hashes: Vec<Hash> = batch
        .iter()
        .flat_map(|oc| decode_changes(&oc.changes).unwrap_or_default())
        .map(|c| c.hash().0)
        .collect();
    let refused = |refusal: Refusal| SubmitError::Refused {
        refusal,
        refused: all_hashes.clone(),
    };
    let unavailable = |e: Error| SubmitError::Unavailable(e.to_string());
    // Validate everything first; store only if the whole batch passes (the job's
    // savepoint rolls back otherwise).
    let mut validated = Vec::new();
    let mut checked_cases = Vec::new();
    let mut acked = Vec::new();
    for oc in &batch {
        // A case of another kind goes by its own check; a cached document is an order's.
        let known_case = match docs.peek(oc.order) {
            Some(_) => None,
            None => rows.case_kind(oc.order).map_err(unavailable)?,
        };
        let taken = match known_case {
            Some(_) => None,
            None => docs
                .take(rows, oc.order, server_device)
                .map_err(unavailable)?,
        };
        let kind = match (known_case, &taken) {
            (Some(k), _) => k,
            (None, Some(_)) => Kind::WorkOrder,
            (None, None) => kind_of_new_case(&oc.changes).map_err(refused)?,
        };
        if kind != Kind::WorkOrder {
            match cases::check(rows, who, oc, kind, server_device, now) {
                Ok(c) => {
                    acked.extend(c.acked.iter().copied());
                    checked_cases.push(c);
                }
                Err(CaseError::Refused(r)) => return Err(refused(r)),
                Err(CaseError::Store(e)) => return Err(unavailable(e)),
            }
            continue;
        }
        let pre = precheck(taken.as_ref().map(|(d, _)| d), who, &oc.changes);
        let pre = match (pre, taken) {
            (Ok(p), taken) if !p.is_empty() => (p, taken),
            // Nothing new, or refused before anything was applied: the copy is unchanged.
            (r, taken) => {
                if let Some((d, level)) = taken {
                    docs.put_back(oc.order, d, level);
                }
                let p = r.map_err(refused)?;
                acked.extend(p.duplicates().iter().map(|h| h.0));
                continue;
            }
        };
        let (pre, taken) = pre;
        let v = {
            let docs = &*docs;
            let may_follow_up = |found_on: OrderId| -> bool {
                let check = |d: &WorkOrderDoc| {
                    state(d).is_ok_and(|s| {
                        s.office.id == who.office && technician_may_write(&who.author.user, d, &s)
                    })
                };
                match docs.peek(found_on) {
                    Some(d) => check(d),
                    None => {
                        matches!(rows.load_doc(found_on, server_device), Ok(Some(d)) if check(&d))
                    }
                }
            };
            // A storage failure while looking people up is the store's, not the device's.
            let lookup_failed = std::cell::RefCell::new(None);
            let person = |u: UserId| match rows.person(u) {
                Ok(p) => p,
                Err(e) => {
                    *lookup_failed.borrow_mut() = Some(e);
                    None
                }
            };
            let schedule_item = |v: u32, code: &str| match rows.schedule_item(v, code) {
                Ok(i) => i,
                Err(e) => {
                    *lookup_failed.borrow_mut() = Some(e);
                    None
                }
            };
            let v = apply_checked(
                taken.map(|(d, _)| d),
                oc.order,
                who,
                pre,
                &may_follow_up,
                &Lookups {
                    person: &person,
                    schedule_item: &schedule_item,
                },
            );
            if let Some(e) = lookup_failed.into_inner() {
                return Err(unavailable(e));
            }
            v.map_err(refused)?
        };
        let mut v = v;
        acked.extend(v.duplicates.iter().map(|h| h.0));
        acked.extend(v.new_changes.iter().map(|c| c.hash().0));
        // R-CLOCK: what the server saw on receipt goes into the document with the facts.
        let system = Author {
            user: UserId(server_device.0),
            device: server_device,
            role: Role::System,
        };
        let own =
            doubt_future_times(&mut v, &system, now).map_err(|e| unavailable(Error::from(e)))?;
        let Validated {
            order,
            doc,
            state: st,
            mut new_changes,
            created,
            ..
        } = v;
        new_changes.extend(own);
        docs.changed(order, doc);
        validated.push((order, st, new_changes, created));
    }
    for (order, st, new_changes, created) in validated {
        let Some(doc) = docs.mine(order) else {
            return Err(unavailable(Error::Internal(
                "validated order missing".into(),
            )));
        };
        let seq = rows
            .store_changes(order, doc, &st, &new_changes)
            .map_err(unavailable)?;
        if created {
            // The device holds the order it created: it is in its scope from now on.
            rows.add_to_scope(who.author.device, order)
                .map_err(unavailable)?;
        }
        touched.add(seq, st);
    }
    for c in checked_cases {
        if c.new_changes.is_empty() {
            continue;
        }
        rows.store_case(&c.row, &c.members, &c.new_changes)
            .map_err(unavailable)?;
        if c.created {
            rows.add_to_scope(who.author.device, c.row.id)
                .map_err(unavailable)?;
        }
        touched.orders.push(c.committed());
    }
    Ok(acked)
}
