//! The S3 steps a phone takes offline, for the driver, the fleet manager, the leader, the
//! logistics clerk and department heads: a vehicle repair from the request to the exit
//! inspection, a department's requisition to its issue, and the quarter's storeroom
//! count. Each call records one fact on the phone's replica (checked
//! as the server will check it) and syncs when the phone next can.

use baoxiu_sync_core::doc::CaseDoc;
use baoxiu_sync_core::kinds::CaseKind;
use baoxiu_sync_core::supplies::count::{ItemCount, Quarter};
use baoxiu_sync_core::supplies::issue::Line;
use baoxiu_sync_core::supplies::requisition::{self, RequisitionBody};
use baoxiu_sync_core::supplies::stock_count::{self, CountBody, CountState};
use baoxiu_sync_core::vehicles::case::{
    self, RepairBody, RepairContext, RepairProblem, RepairState,
};
use baoxiu_sync_core::vehicles::log::{self, LogBody};
use baoxiu_sync_core::vehicles::repair::{ItemKind, RepairItem};
use baoxiu_sync_core::{Money, OrderId};

use crate::{R, Replica, ReplicaError, order_id};

/// A case held on the phone.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CaseRecord {
    pub id: String,
    /// `vehicle_repair`, `vehicle_log`, `requisition`, `stock_count`, `purchase_plan`.
    pub kind: String,
}

/// An item of the repair form.
#[derive(Debug, Clone, uniffi::Record)]
pub struct RepairItemRecord {
    pub code: String,
    pub description: String,
    /// `work`, `part`, `assembly` or `overhaul`.
    pub kind: String,
    /// Minor units.
    pub estimate: i64,
}

/// A fact kept with the rule it breaks.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CaseFlagRecord {
    pub rule: String,
    pub problem: String,
}

/// A vehicle repair as the phone's replica holds it.
#[derive(Debug, Clone, uniffi::Record)]
pub struct RepairRecord {
    pub id: String,
    pub plate: String,
    pub fault: String,
    /// `requested`, `assessed`, `approved`, `filed`, `at_shop`, `completed`, `accepted`.
    pub status: String,
    pub items: Vec<RepairItemRecord>,
    pub shop: Option<String>,
    pub done: Vec<String>,
    pub labour: i64,
    /// R-VEH-ACCEPT: what the requester's signature binds now (the items done and costs).
    pub acceptance_hash: String,
    /// Signed, and still over the repair as it stands.
    pub accepted: bool,
    /// The designated-shop check is the server's: the phone does not hold the fleet
    /// register, so no such flag is shown here.
    pub flags: Vec<CaseFlagRecord>,
}

/// A trip of a vehicle's log.
#[derive(Debug, Clone, uniffi::Record)]
pub struct TripRecord {
    pub id: String,
    pub start: i64,
    pub end: i64,
    pub odometer_start: u64,
    pub odometer_end: u64,
    pub private: bool,
    pub out_of_city: bool,
}

/// A vehicle's log (trips and refuellings) as the phone holds it.
#[derive(Debug, Clone, uniffi::Record)]
pub struct VehicleLogRecord {
    pub id: String,
    pub plate: String,
    pub trips: Vec<TripRecord>,
    pub refuels: u32,
    /// R-VEH-MAINT: services logged.
    pub services: u32,
    /// R-VEH-USE flags (the designated-station check is the server's, as for shops).
    pub flags: Vec<CaseFlagRecord>,
}

/// A line of a requisition: an item and a quantity.
#[derive(Debug, Clone, uniffi::Record)]
pub struct LineRecord {
    pub item: String,
    pub quantity: u64,
}

/// A requisition (申請批準單) as the phone holds it.
#[derive(Debug, Clone, uniffi::Record)]
pub struct RequisitionRecord {
    pub id: String,
    pub department: String,
    /// `requested`, `approved`, `checked`, `partly_issued`, `issued`, `cancelled`.
    pub status: String,
    pub requested: Vec<LineRecord>,
    pub issued: Vec<LineRecord>,
    pub flags: Vec<CaseFlagRecord>,
}

/// One item of a stock count.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CountLineRecord {
    pub item: String,
    /// The count, when the counts agree.
    pub counted: Option<u64>,
    /// Differing counts no recount has settled.
    pub disagreeing: Vec<u64>,
}

/// The quarter's count as the phone holds it.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CountRecord {
    pub id: String,
    pub year: i32,
    pub quarter: u8,
    pub lines: Vec<CountLineRecord>,
    pub confirmed: bool,
}

fn kind_name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn bad(message: String) -> ReplicaError {
    ReplicaError::InvalidInput { message }
}

fn repair_record(doc: &CaseDoc<RepairBody>) -> R<RepairRecord> {
    // The phone holds no fleet register: its shop check is the server's (see `flags`).
    let ctx = RepairContext::default();
    let s: RepairState =
        case::state_of(doc, &ctx).ok_or_else(|| bad("the repair has no request".into()))?;
    let fault = doc
        .facts()
        .into_iter()
        .find_map(|f| match f.body {
            RepairBody::Requested { fault, .. } => Some(fault),
            _ => None,
        })
        .unwrap_or_default();
    Ok(RepairRecord {
        id: doc.order_id().to_string(),
        plate: s.plate.clone(),
        fault,
        status: kind_name(&s.status),
        items: s
            .items
            .iter()
            .map(|i| RepairItemRecord {
                code: i.code.clone(),
                description: i.description.clone(),
                kind: kind_name(&i.kind),
                estimate: i.estimate.0,
            })
            .collect(),
        shop: s.shop.clone(),
        done: s.done.clone(),
        labour: s.labour.0,
        acceptance_hash: s.acceptance_hash(),
        accepted: s.acceptance_holds(),
        flags: s
            .flags
            .iter()
            .filter(|f| !matches!(f.problem, RepairProblem::UndesignatedShop { .. }))
            .map(|f| CaseFlagRecord {
                rule: f.rule.clone(),
                problem: serde_json::to_string(&f.problem).unwrap_or_default(),
            })
            .collect(),
    })
}

fn requisition_record(doc: &CaseDoc<RequisitionBody>) -> R<RequisitionRecord> {
    let s =
        requisition::state_of(doc).ok_or_else(|| bad("the requisition has no request".into()))?;
    let line = |(item, quantity): (&String, &u64)| LineRecord {
        item: item.clone(),
        quantity: *quantity,
    };
    Ok(RequisitionRecord {
        id: doc.order_id().to_string(),
        department: s.department.clone(),
        status: kind_name(&s.status),
        requested: s.requested.iter().map(|(i, q)| line((i, q))).collect(),
        issued: s.issued.iter().map(line).collect(),
        flags: s
            .flags
            .iter()
            .map(|f| CaseFlagRecord {
                rule: "R-SUP-ISSUE".into(),
                problem: serde_json::to_string(&f.problem).unwrap_or_default(),
            })
            .collect(),
    })
}

fn log_record(doc: &CaseDoc<LogBody>) -> R<VehicleLogRecord> {
    // The phone holds no fleet register: no station is known to be designated here.
    let s = log::state_of(doc, &[]).ok_or_else(|| bad("the log was not opened".into()))?;
    Ok(VehicleLogRecord {
        id: doc.order_id().to_string(),
        plate: s.plate.clone(),
        trips: s
            .trips
            .iter()
            .map(|t| TripRecord {
                id: t.id.clone(),
                start: t.start,
                end: t.end,
                odometer_start: t.odometer_start,
                odometer_end: t.odometer_end,
                private: t.private,
                out_of_city: t.out_of_city,
            })
            .collect(),
        refuels: u32::try_from(s.refuels.len()).unwrap_or(u32::MAX),
        services: u32::try_from(s.services.len()).unwrap_or(u32::MAX),
        flags: s
            .flags
            .iter()
            .filter(|f| {
                !matches!(
                    f,
                    baoxiu_sync_core::vehicles::usage::UseFlag::UndesignatedStation { .. }
                )
            })
            .map(|f| CaseFlagRecord {
                rule: "R-VEH-USE".into(),
                problem: serde_json::to_string(f).unwrap_or_default(),
            })
            .collect(),
    })
}

fn event_id(s: &str) -> R<baoxiu_sync_core::EventId> {
    s.parse().map_err(|_| bad(format!("trip id {s:?}")))
}

fn lines(l: Vec<LineRecord>) -> Vec<Line> {
    l.into_iter()
        .map(|l| Line {
            item: l.item,
            quantity: l.quantity,
        })
        .collect()
}

fn count_record(doc: &CaseDoc<CountBody>) -> R<CountRecord> {
    let s: CountState =
        stock_count::state_of(doc).ok_or_else(|| bad("the count was not opened".into()))?;
    Ok(CountRecord {
        id: doc.order_id().to_string(),
        year: s.sheet.quarter.year,
        quarter: s.sheet.quarter.q,
        lines: s
            .sheet
            .tally()
            .into_iter()
            .map(|(item, c)| match c {
                ItemCount::Counted(n) => CountLineRecord {
                    item,
                    counted: Some(n),
                    disagreeing: Vec::new(),
                },
                ItemCount::Disagree(v) => CountLineRecord {
                    item,
                    counted: None,
                    disagreeing: v,
                },
                ItemCount::NotCounted => CountLineRecord {
                    item,
                    counted: None,
                    disagreeing: Vec::new(),
                },
            })
            .collect(),
        confirmed: s.confirmed_at.is_some(),
    })
}

impl Replica {
    /// Records one fact of kind `B` on case `id`, then tells sync and the observers.
    fn record_on<B: CaseKind>(&self, id: &str, body: B) -> R<CaseDoc<B>> {
        let case = order_id(id)?;
        let doc = self.store().record_case(case, body)?;
        self.changed(vec![id.to_owned()]);
        Ok(doc)
    }

    fn open_case<B: CaseKind>(&self, first: B) -> R<CaseDoc<B>> {
        let doc = self.store().create_case(first)?;
        self.changed(vec![doc.order_id().to_string()]);
        Ok(doc)
    }
}

#[uniffi::export]
impl Replica {
    /// The cases of other kinds than work orders held on this phone.
    pub fn list_cases(&self) -> R<Vec<CaseRecord>> {
        Ok(self
            .store()
            .cases()?
            .into_iter()
            .map(|(id, kind)| CaseRecord {
                id: id.to_string(),
                kind: kind.as_str().to_owned(),
            })
            .collect())
    }

    /// The driver reports a fault and asks for a repair (R-VEH-REQUEST, R-VEH-MAINT).
    pub fn request_repair(&self, plate: String, fault: String) -> R<RepairRecord> {
        repair_record(&self.open_case(RepairBody::Requested {
            repair: OrderId::new(),
            office: self.office,
            plate,
            fault,
        })?)
    }

    pub fn repair(&self, id: String) -> R<RepairRecord> {
        repair_record(&self.store().case::<RepairBody>(order_id(&id)?)?)
    }

    /// The fleet manager's assessment and repair form (車輛維修保修單).
    pub fn assess_repair(&self, id: String, items: Vec<RepairItemRecord>) -> R<RepairRecord> {
        let items = items
            .into_iter()
            .map(|i| {
                let kind: ItemKind = serde_json::from_value(serde_json::Value::String(i.kind))
                    .map_err(|_| bad("an item's kind: work, part, assembly or overhaul".into()))?;
                Ok(RepairItem {
                    code: i.code,
                    description: i.description,
                    kind,
                    estimate: Money(i.estimate),
                })
            })
            .collect::<R<Vec<_>>>()?;
        repair_record(&self.record_on(&id, RepairBody::Assessed { items })?)
    }

    /// The principal leader approves, optionally with a ceiling (minor units) up to which
    /// the fleet manager may approve costly items while the leader is away.
    pub fn approve_repair(&self, id: String, ceiling: Option<i64>) -> R<RepairRecord> {
        repair_record(&self.record_on(
            &id,
            RepairBody::Approved {
                ceiling: ceiling.map(Money),
            },
        )?)
    }

    /// The clerk files the approval: only now may the vehicle go to a shop.
    pub fn file_repair(&self, id: String) -> R<RepairRecord> {
        repair_record(&self.record_on(&id, RepairBody::Filed)?)
    }

    /// The vehicle goes to a shop (the driver or the fleet manager only).
    pub fn send_repair(&self, id: String, shop: String) -> R<RepairRecord> {
        repair_record(&self.record_on(&id, RepairBody::Sent { shop })?)
    }

    /// The shop's work is done: the items done and the labour (minor units).
    pub fn complete_repair(&self, id: String, done: Vec<String>, labour: i64) -> R<RepairRecord> {
        repair_record(&self.record_on(
            &id,
            RepairBody::Completed {
                done,
                labour: Money(labour),
            },
        )?)
    }

    /// R-VEH-ACCEPT: the requester inspects and signs, bound to the items and costs the
    /// phone shows now.
    pub fn accept_repair(&self, id: String) -> R<RepairRecord> {
        let shown = self.repair(id.clone())?;
        repair_record(&self.record_on(
            &id,
            RepairBody::Accepted {
                signed_hash: shown.acceptance_hash,
            },
        )?)
    }

    pub fn note_repair(&self, id: String, text: String) -> R<RepairRecord> {
        repair_record(&self.record_on(&id, RepairBody::Note { text })?)
    }

    /// The fleet manager opens a vehicle's log (its drivers hold it through the register).
    pub fn open_vehicle_log(&self, plate: String) -> R<VehicleLogRecord> {
        log_record(&self.open_case(LogBody::Opened {
            log: OrderId::new(),
            office: self.office,
            plate,
        })?)
    }

    /// R-VEH-USE: a trip, recorded by its driver (private use and leaving the city are
    /// flagged until the leader approves or consents).
    #[allow(clippy::too_many_arguments)]
    pub fn log_trip(
        &self,
        id: String,
        start: i64,
        end: i64,
        odometer_start: u64,
        odometer_end: u64,
        private: bool,
        out_of_city: bool,
    ) -> R<VehicleLogRecord> {
        log_record(&self.record_on(
            &id,
            LogBody::Trip {
                start,
                end,
                odometer_start,
                odometer_end,
                private,
                out_of_city,
            },
        )?)
    }

    /// R-VEH-USE: a refuelling (millilitres, amount in minor units).
    pub fn log_refuel(
        &self,
        id: String,
        station: String,
        millilitres: u64,
        amount: i64,
        odometer_km: u64,
    ) -> R<VehicleLogRecord> {
        log_record(&self.record_on(
            &id,
            LogBody::Refuelled {
                station,
                millilitres,
                amount: Money(amount),
                odometer_km,
            },
        )?)
    }

    /// R-VEH-MAINT: the vehicle's scheduled service, done now at this odometer reading and
    /// shop; the next one is due from it.
    pub fn log_service(&self, id: String, odometer_km: u64, shop: String) -> R<VehicleLogRecord> {
        log_record(&self.record_on(&id, LogBody::Serviced { odometer_km, shop })?)
    }

    /// The leader consents to a trip leaving the city.
    pub fn consent_leave(&self, id: String, trip: String) -> R<VehicleLogRecord> {
        let trip = event_id(&trip)?;
        log_record(&self.record_on(&id, LogBody::LeaveConsented { trip })?)
    }

    /// The leader approves a trip's private use.
    pub fn approve_private_use(&self, id: String, trip: String) -> R<VehicleLogRecord> {
        let trip = event_id(&trip)?;
        log_record(&self.record_on(&id, LogBody::PrivateUseApproved { trip })?)
    }

    pub fn vehicle_log(&self, id: String) -> R<VehicleLogRecord> {
        log_record(&self.store().case::<LogBody>(order_id(&id)?)?)
    }

    /// A department head asks for supplies for the department (R-SUP-ISSUE).
    pub fn request_supplies(
        &self,
        department: String,
        lines_asked: Vec<LineRecord>,
    ) -> R<RequisitionRecord> {
        requisition_record(&self.open_case(RequisitionBody::Requested {
            requisition: OrderId::new(),
            office: self.office,
            department,
            lines: lines(lines_asked),
        })?)
    }

    /// The department head approves (批準).
    pub fn approve_requisition(&self, id: String) -> R<RequisitionRecord> {
        requisition_record(&self.record_on(&id, RequisitionBody::Approved)?)
    }

    /// The clerk checks it and logs it in the register (核對並登記).
    pub fn check_requisition(&self, id: String) -> R<RequisitionRecord> {
        requisition_record(&self.record_on(&id, RequisitionBody::Checked)?)
    }

    /// The clerk hands items over; beyond the stock only with a reason (flagged).
    pub fn issue_supplies(
        &self,
        id: String,
        handed: Vec<LineRecord>,
        override_reason: Option<String>,
    ) -> R<RequisitionRecord> {
        requisition_record(&self.record_on(
            &id,
            RequisitionBody::Issued {
                lines: lines(handed),
                override_reason,
            },
        )?)
    }

    pub fn requisition(&self, id: String) -> R<RequisitionRecord> {
        requisition_record(&self.store().case::<RequisitionBody>(order_id(&id)?)?)
    }

    /// The clerk opens the count of a quarter (R-SUP-COUNT), read against the ledger now.
    pub fn open_count(&self, year: i32, quarter: u8) -> R<CountRecord> {
        if !(1..=4).contains(&quarter) {
            return Err(bad("a quarter is 1 to 4".into()));
        }
        let as_of = chrono::Utc::now().timestamp_millis();
        count_record(&self.open_case(CountBody::Opened {
            count: OrderId::new(),
            office: self.office,
            quarter: Quarter { year, q: quarter },
            as_of,
        })?)
    }

    /// One item counted, on this phone or tablet.
    pub fn count_item(&self, id: String, item: String, counted: u64) -> R<CountRecord> {
        count_record(&self.record_on(
            &id,
            CountBody::Counted {
                item,
                counted,
                supersedes: Vec::new(),
            },
        )?)
    }

    pub fn stock_count(&self, id: String) -> R<CountRecord> {
        count_record(&self.store().case::<CountBody>(order_id(&id)?)?)
    }
}
