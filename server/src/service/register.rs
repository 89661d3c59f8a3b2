//! The paid-service register (有償服務登記表, R-MONTH): every paid order completed in the
//! month, with totals per technician and for the office.

use std::collections::BTreeMap;

use baoxiu_sync_core::{OfficeId, OrderId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::month::{Month, add_money, names, office_or_404};
use crate::error::Result;
use crate::store::Store;

/// One line of the paid-service register (有償服務登記表).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegisterRow {
    #[schema(value_type = String)]
    pub order: OrderId,
    pub completed_at: i64,
    pub customer: String,
    pub unit: String,
    pub description: String,
    /// `description: materials + labour` per item.
    pub items: String,
    pub materials: i64,
    pub labour: i64,
    pub total: i64,
    #[schema(value_type = Option<String>)]
    pub technician: Option<UserId>,
    pub technician_name: String,
    pub customer_signed: bool,
    pub signature_valid: Option<bool>,
    pub receipt: Option<String>,
    pub collected: Option<i64>,
    /// R-PAID: the fees agreed on site still await the manager's approval.
    pub fees_pending: bool,
    /// R-PREMISES: compensation approved, and the part credited against the bill.
    #[serde(default)]
    pub compensation: i64,
    #[serde(default)]
    pub credited: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegisterTotal {
    #[schema(value_type = Option<String>)]
    pub technician: Option<UserId>,
    pub name: String,
    pub orders: u64,
    pub materials: i64,
    pub labour: i64,
    pub total: i64,
    pub collected: i64,
}

impl RegisterTotal {
    fn blank(technician: Option<UserId>, name: String) -> Self {
        RegisterTotal {
            technician,
            name,
            orders: 0,
            materials: 0,
            labour: 0,
            total: 0,
            collected: 0,
        }
    }

    fn add(&mut self, r: &RegisterRow) {
        self.orders += 1;
        self.materials = add_money(self.materials, r.materials);
        self.labour = add_money(self.labour, r.labour);
        self.total = add_money(self.total, r.total);
        self.collected = add_money(self.collected, r.collected.unwrap_or(0));
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Register {
    pub month: String,
    pub currency: String,
    pub rows: Vec<RegisterRow>,
    pub per_technician: Vec<RegisterTotal>,
    pub office_total: RegisterTotal,
}

/// Every paid order completed in the month, with totals per technician and office.
pub async fn register(store: &dyn Store, office: OfficeId, month: &str) -> Result<Register> {
    let o = office_or_404(store, office).await?;
    let m = Month::parse(month, &o.time_zone)?;
    let lines = store.register_lines(office, m.period()).await?;
    let names = names(store, office).await?;
    let mut rows = Vec::new();
    let mut per: BTreeMap<Option<UserId>, RegisterTotal> = BTreeMap::new();
    let mut office_total = RegisterTotal::blank(None, String::new());
    for l in lines {
        let name = l
            .technician
            .and_then(|t| names.get(&t).cloned())
            .unwrap_or_default();
        let items = l
            .items
            .iter()
            .map(|i| format!("{}: {} + {}", i.description, i.materials, i.labour))
            .collect::<Vec<_>>()
            .join("; ");
        let row = RegisterRow {
            order: l.order,
            completed_at: l.completed_at,
            customer: l.customer,
            unit: l.unit,
            description: l.description,
            items,
            materials: l.materials,
            labour: l.labour,
            total: l.total,
            technician: l.technician,
            technician_name: name.clone(),
            customer_signed: l.customer_signed,
            signature_valid: l.signature_valid,
            receipt: l.receipt,
            collected: l.collected,
            fees_pending: l.fees_pending,
            compensation: l.compensation,
            credited: l.credited,
        };
        per.entry(l.technician)
            .or_insert_with(|| RegisterTotal::blank(l.technician, name))
            .add(&row);
        office_total.add(&row);
        rows.push(row);
    }
    Ok(Register {
        month: m.to_string(),
        currency: o.currency,
        rows,
        per_technician: per.into_values().collect(),
        office_total,
    })
}
