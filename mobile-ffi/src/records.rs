//! The records the bindings exchange with the app: plain data converted from sync-core's
//! types in one place.

use baoxiu_sync_core::client::{Connection, SyncStatus};
use baoxiu_sync_core::fee_schedule::FeeSchedule;
use baoxiu_sync_core::{AnomalyKind, FeeItem, Money, WorkOrderState};

#[derive(Debug, Clone, uniffi::Record)]
pub struct FeeItemRecord {
    pub description: String,
    /// Minor units (fen / cents).
    pub materials: i64,
    pub labour: i64,
    /// The fee-schedule item the line was quoted from (R-PAID); `None` off the schedule
    /// (a proposal for the manager).
    pub code: Option<String>,
}

impl From<FeeItemRecord> for FeeItem {
    fn from(f: FeeItemRecord) -> Self {
        FeeItem {
            description: f.description,
            materials: Money(f.materials),
            labour: Money(f.labour),
            code: f.code,
        }
    }
}

impl From<&FeeItem> for FeeItemRecord {
    fn from(f: &FeeItem) -> Self {
        FeeItemRecord {
            description: f.description.clone(),
            materials: f.materials.0,
            labour: f.labour.0,
            code: f.code.clone(),
        }
    }
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct PointRecord {
    pub x: i32,
    pub y: i32,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct StrokeRecord {
    pub points: Vec<PointRecord>,
}

/// A row of the order list (from the local projection; no document is loaded).
#[derive(Debug, Clone, uniffi::Record)]
pub struct OrderSummaryRecord {
    pub id: String,
    pub status: String,
    pub customer_name: String,
    pub unit: String,
    pub description: String,
    pub appointment: Option<i64>,
    pub total: i64,
    pub anomalies: u32,
}

/// One order in full.
#[derive(Debug, Clone, uniffi::Record)]
pub struct OrderRecord {
    pub id: String,
    pub status: String,
    pub customer_name: String,
    pub unit: String,
    pub phone: String,
    pub description: String,
    pub appointment: Option<i64>,
    pub paid: Option<bool>,
    pub fees: Vec<FeeItemRecord>,
    pub total: i64,
    /// R-PAID: the total the manager approved, and whether the fees agreed on site still
    /// wait for the manager's approval (lines off the schedule, or free turned paid).
    pub approved_total: Option<i64>,
    pub awaiting_approval: bool,
    pub customer_signed: bool,
    /// Whether the customer's signature still covers the fees shown.
    pub signature_valid: Option<bool>,
    /// Each anomaly as "RULE: description".
    pub anomalies: Vec<String>,
    /// Each fact as "kind".
    pub timeline: Vec<String>,
    /// The whole reducer state as JSON, for screens that need more.
    pub state_json: String,
}

impl From<WorkOrderState> for OrderRecord {
    fn from(s: WorkOrderState) -> Self {
        OrderRecord {
            id: s.order.to_string(),
            status: s.status.as_str().to_owned(),
            customer_name: s.customer.name.clone(),
            unit: s.customer.unit.clone(),
            phone: s.customer.phone.clone(),
            description: s.description.clone(),
            appointment: s.appointment.as_ref().map(|a| a.at),
            paid: s.paid,
            fees: s.fees.items.iter().map(FeeItemRecord::from).collect(),
            total: s.fees.total.0,
            approved_total: s.approved.as_ref().map(|a| a.total.0),
            awaiting_approval: s
                .anomalies
                .iter()
                .any(|a| matches!(a.kind, AnomalyKind::FeesNotApproved { .. })),
            customer_signed: s.customer_signature.is_some(),
            signature_valid: s.customer_signature.as_ref().map(|c| c.valid),
            anomalies: s
                .anomalies
                .iter()
                .map(|a| {
                    format!(
                        "{}: {}",
                        a.rule,
                        serde_json::to_string(&a.kind).unwrap_or_default()
                    )
                })
                .collect(),
            timeline: s.timeline.iter().map(|t| t.kind.clone()).collect(),
            state_json: serde_json::to_string(&s).unwrap_or_default(),
        }
    }
}

/// A standard item of the fee schedule (R-PAID; `free`: on the service-item list).
#[derive(Debug, Clone, uniffi::Record)]
pub struct ScheduleItemRecord {
    pub code: String,
    pub name: String,
    pub category: String,
    pub materials: i64,
    pub labour: i64,
    pub free: bool,
    /// The line to tell the customer: the item at its schedule price (pre-approved).
    pub quote: FeeItemRecord,
}

/// The fee schedule this phone holds (it comes with the sync welcome).
#[derive(Debug, Clone, uniffi::Record)]
pub struct FeeScheduleRecord {
    pub version: u32,
    pub effective_from: i64,
    pub items: Vec<ScheduleItemRecord>,
}

impl From<FeeSchedule> for FeeScheduleRecord {
    fn from(s: FeeSchedule) -> Self {
        FeeScheduleRecord {
            version: s.version,
            effective_from: s.effective_from,
            items: s
                .items
                .into_iter()
                .map(|i| ScheduleItemRecord {
                    quote: FeeItemRecord::from(&i.quote()),
                    code: i.code,
                    name: i.name,
                    category: i.category,
                    materials: i.materials.0,
                    labour: i.labour.0,
                    free: i.free,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SyncConnection {
    Offline,
    Syncing,
    UpToDate,
}

#[derive(Debug, Clone, uniffi::Record)]
pub struct SyncStateRecord {
    pub connection: SyncConnection,
    /// Local changes the server has not acknowledged yet.
    pub pending: u32,
    pub last_sync: Option<i64>,
    pub last_error: Option<String>,
    /// Local changes the server refused for good (kept, never resent): show them.
    pub refused: u32,
    /// Why the last of them was refused (code: message).
    pub refused_reason: Option<String>,
}

impl From<&SyncStatus> for SyncStateRecord {
    fn from(s: &SyncStatus) -> Self {
        SyncStateRecord {
            connection: match s.connection {
                Connection::Offline => SyncConnection::Offline,
                Connection::Syncing => SyncConnection::Syncing,
                Connection::UpToDate => SyncConnection::UpToDate,
            },
            pending: s.pending,
            last_sync: s.last_sync,
            last_error: s.last_error.clone(),
            refused: s.refused,
            refused_reason: s.refused_reason.clone(),
        }
    }
}

/// A local change the server refused, kept on the device.
#[derive(Debug, Clone, uniffi::Record)]
pub struct RefusedChangeRecord {
    pub order_id: String,
    pub code: String,
    pub message: String,
}
