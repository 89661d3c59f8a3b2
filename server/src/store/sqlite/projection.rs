//! The order projection on SQLite: one row per order derived from the reducer, written in
//! the same transaction as the order's changes, so lists and month figures never load
//! documents.

use baoxiu_sync_core::{AnomalyKind, OfficeId, OrderId, WorkOrderState};
use rusqlite::{Connection, params};

use super::{parse, to_json};
use crate::error::{Error, Result};
use crate::store::customer_link::Seen;
use crate::store::{BillingRow, BillingStage, OrderFilter, OrderRow};

fn channel_text(s: &WorkOrderState) -> Result<String> {
    match serde_json::to_value(s.channel) {
        Ok(serde_json::Value::String(c)) => Ok(c),
        _ => Err(Error::Internal("channel does not encode as text".into())),
    }
}

/// Writes the order's projection row (and its technicians) from its state.
pub(crate) fn project(tx: &Connection, s: &WorkOrderState) -> Result<()> {
    let id = s.order.to_string();
    let updated = s.timeline.iter().map(|t| t.at).max().unwrap_or(s.logged_at);
    tx.execute(
        "INSERT INTO orders (id, office, status, customer_name, unit, phone, description, channel,
             created_by, logged_at, received_at, paid, appointment, arrived_at, arrived_on_time,
             completed_at, materials, labour, total, signature_valid, receipt, collected,
             anomalies, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, ?21, ?22, ?23, ?24)
         ON CONFLICT (id) DO UPDATE SET
             status = excluded.status, customer_name = excluded.customer_name,
             unit = excluded.unit, phone = excluded.phone, description = excluded.description,
             received_at = excluded.received_at, paid = excluded.paid,
             appointment = excluded.appointment, arrived_at = excluded.arrived_at,
             arrived_on_time = excluded.arrived_on_time, completed_at = excluded.completed_at,
             materials = excluded.materials, labour = excluded.labour, total = excluded.total,
             signature_valid = excluded.signature_valid, receipt = excluded.receipt,
             collected = excluded.collected, anomalies = excluded.anomalies,
             updated_at = excluded.updated_at",
        params![
            id,
            s.office.id.to_string(),
            s.status.as_str(),
            s.customer.name,
            s.customer.unit,
            s.customer.phone,
            s.description,
            channel_text(s)?,
            s.created_by.user.to_string(),
            s.logged_at,
            s.received_at.as_ref().map(|x| x.at),
            s.paid,
            s.appointment.as_ref().map(|a| a.at),
            s.arrival.as_ref().map(|a| a.at),
            s.arrived_on_time,
            s.completion.as_ref().map(|c| c.stamp.at),
            s.fees.materials.0,
            s.fees.labour.0,
            s.fees.total.0,
            s.customer_signature.as_ref().map(|c| c.valid),
            s.receipt.as_ref().map(|r| r.number.clone()),
            s.collection.as_ref().map(|c| c.amount.0),
            i64::try_from(s.anomalies.len()).unwrap_or(i64::MAX),
            updated,
        ],
    )?;
    // R-CS-CONTACT: the order's customer, whatever door the order came through.
    super::customers::link_order(
        tx,
        &s.office.id.to_string(),
        &id,
        Seen {
            name: &s.customer.name,
            unit: &s.customer.unit,
            phone: &s.customer.phone,
        },
        (s.created_by.user, s.logged_at),
    )?;
    // Month-end columns (schema 2) and the billing queues' (schema 5).
    tx.execute(
        "UPDATE orders SET technician = ?2, category = ?3, items = ?4, arrival_certain = ?5,
             handover_on_time = ?6, customer_signed = ?7, handed_over_at = ?8,
             signed_at = ?9, receipt_at = ?10, collected_at = ?11, fees_pending = ?12,
             first_technician = ?13, small_override = ?14, compensation = ?15, credited = ?16
         WHERE id = ?1",
        params![
            id,
            s.technicians.first().map(|t| t.to_string()),
            baoxiu_sync_core::category_of(&s.description),
            to_json(&s.fees.items)?,
            s.arrival.as_ref().map(|a| a.time_certain),
            s.handover_on_time,
            s.customer_signature.is_some(),
            s.handed_over.as_ref().map(|x| x.at),
            s.customer_signature.as_ref().map(|x| x.stamp.at),
            s.receipt.as_ref().map(|x| x.stamp.at),
            s.collection.as_ref().map(|x| x.stamp.at),
            s.anomalies
                .iter()
                .any(|a| matches!(a.kind, AnomalyKind::FeesNotApproved { .. })),
            s.first_assigned.map(|t| t.to_string()),
            s.small_repair,
            s.compensation_approved().0,
            s.credited().0,
        ],
    )?;
    tx.execute("DELETE FROM order_technicians WHERE order_id = ?1", [&id])?;
    for t in &s.technicians {
        tx.execute(
            "INSERT OR IGNORE INTO order_technicians (order_id, user_id) VALUES (?1, ?2)",
            params![id, t.to_string()],
        )?;
    }
    Ok(())
}

pub(super) fn list_orders(c: &Connection, f: &OrderFilter) -> Result<(Vec<OrderRow>, u64)> {
    let mut sql = String::from(" FROM orders o WHERE o.office = ?1");
    let mut args: Vec<Box<dyn rusqlite::ToSql>> = vec![Box::new(f.office.to_string())];
    if let Some(s) = f.status {
        args.push(Box::new(s.as_str()));
        sql.push_str(&format!(" AND o.status = ?{}", args.len()));
    }
    if let Some(t) = &f.technician {
        args.push(Box::new(t.to_string()));
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM order_technicians t
                          WHERE t.order_id = o.id AND t.user_id = ?{})",
            args.len()
        ));
    }
    if let Some(from) = f.from {
        args.push(Box::new(from));
        sql.push_str(&format!(" AND o.logged_at >= ?{}", args.len()));
    }
    if let Some(to) = f.to {
        args.push(Box::new(to));
        sql.push_str(&format!(" AND o.logged_at < ?{}", args.len()));
    }
    if let Some(q) = f.search_pattern() {
        args.push(Box::new(format!("%{q}%")));
        let contains = args.len();
        args.push(Box::new(format!("{q}%")));
        sql.push_str(&format!(
            " AND (lower(o.unit) LIKE ?{contains} ESCAPE '\\' \
               OR lower(o.customer_name) LIKE ?{contains} ESCAPE '\\' \
               OR lower(o.id) LIKE ?{} ESCAPE '\\'",
            args.len()
        ));
        if let Some(digits) = f.phone_digits() {
            // The phone as typed at intake may carry dashes or spaces: compared by digits.
            args.push(Box::new(format!("%{digits}%")));
            sql.push_str(&format!(
                " OR replace(replace(replace(replace(o.phone, '-', ''), ' ', ''), '(', ''), ')', '') LIKE ?{}",
                args.len()
            ));
        }
        sql.push(')');
    }
    if let Some(paid) = f.paid {
        args.push(Box::new(i64::from(paid)));
        sql.push_str(&format!(" AND o.paid = ?{}", args.len()));
    }
    if let Some(customer) = &f.customer {
        args.push(Box::new(customer.clone()));
        sql.push_str(&format!(
            " AND o.id IN (SELECT item_id FROM customer_links
                           WHERE item_kind = 'order' AND customer = ?{})",
            args.len()
        ));
    }
    let params: Vec<&dyn rusqlite::ToSql> = args.iter().map(|b| b.as_ref()).collect();
    let total: i64 = c.query_row(&format!("SELECT count(*){sql}"), params.as_slice(), |r| {
        r.get(0)
    })?;
    let q = format!(
        "SELECT o.id, o.status, o.customer_name, o.unit, o.description, o.channel, o.logged_at,
                o.appointment, o.arrived_at, o.arrived_on_time, o.total, o.anomalies,
                o.updated_at,
                (SELECT group_concat(user_id) FROM order_technicians t WHERE t.order_id = o.id),
                o.fees_pending
         {sql} ORDER BY o.logged_at DESC, o.id LIMIT {} OFFSET {}",
        f.limit, f.offset
    );
    let mut stmt = c.prepare(&q)?;
    let rows = stmt.query_map(params.as_slice(), |r| {
        Ok((
            r.get::<_, String>(0)?,
            OrderRow {
                id: OrderId::default(),
                status: r.get(1)?,
                customer_name: r.get(2)?,
                unit: r.get(3)?,
                description: r.get(4)?,
                channel: r.get(5)?,
                logged_at: r.get(6)?,
                appointment: r.get(7)?,
                arrived_at: r.get(8)?,
                arrived_on_time: r.get(9)?,
                technicians: Vec::new(),
                total: r.get(10)?,
                anomalies: r.get(11)?,
                updated_at: r.get(12)?,
                fees_pending: r.get(14)?,
            },
            r.get::<_, Option<String>>(13)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, mut row, techs) = row?;
        row.id = parse("order id", &id)?;
        row.technicians = techs
            .unwrap_or_default()
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| parse("technician id", s))
            .collect::<Result<_>>()?;
        out.push(row);
    }
    Ok((out, u64::try_from(total).unwrap_or(0)))
}

/// R-COLLECT: signed paid orders awaiting their receipt, or receipts awaiting collection.
pub(super) fn billing_queue(
    c: &Connection,
    office: OfficeId,
    stage: BillingStage,
) -> Result<Vec<BillingRow>> {
    let (waiting, order_by) = match stage {
        BillingStage::Receipt => ("receipt IS NULL", "signed_at"),
        BillingStage::Collection => ("receipt IS NOT NULL AND collected IS NULL", "receipt_at"),
    };
    let mut stmt = c.prepare_cached(&format!(
        "SELECT id, customer_name, unit, phone, max(total - credited, 0), signed_at, receipt,
                receipt_at
         FROM orders
         WHERE office = ?1 AND paid = 1 AND signed_at IS NOT NULL AND status != 'cancelled'
               AND {waiting}
         ORDER BY {order_by}, id"
    ))?;
    let rows = stmt.query_map([office.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            BillingRow {
                id: OrderId::default(),
                customer_name: r.get(1)?,
                unit: r.get(2)?,
                phone: r.get(3)?,
                total: r.get(4)?,
                signed_at: r.get(5)?,
                receipt: r.get(6)?,
                receipt_at: r.get(7)?,
            },
        ))
    })?;
    rows.map(|row| {
        let (id, mut row) = row?;
        row.id = parse("order id", &id)?;
        Ok(row)
    })
    .collect()
}
