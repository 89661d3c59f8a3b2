//! The order projection on PostgreSQL: one row per order derived from the reducer, written
//! in the same transaction as the order's changes; the order list and billing queues.

use super::sql::Sql;
use baoxiu_sync_core::{AnomalyKind, OfficeId, OrderId, WorkOrderState};
use postgres::types::ToSql;

use crate::error::{Error, Result};
use crate::store::customer_link::Seen;
use crate::store::decode::{parse, to_json};
use crate::store::{BillingRow, BillingStage, OrderFilter, OrderRow};

fn flag(b: Option<bool>) -> Option<i64> {
    b.map(i64::from)
}

/// Writes the order's projection row (and its technicians) from its state.
pub(super) fn project(tx: &mut impl Sql, s: &WorkOrderState) -> Result<()> {
    let id = s.order.to_string();
    let updated = s.timeline.iter().map(|t| t.at).max().unwrap_or(s.logged_at);
    let channel = match serde_json::to_value(s.channel) {
        Ok(serde_json::Value::String(c)) => c,
        _ => return Err(Error::Internal("channel does not encode as text".into())),
    };
    let fees_pending = s
        .anomalies
        .iter()
        .any(|a| matches!(a.kind, AnomalyKind::FeesNotApproved { .. }));
    tx.execute(
        "INSERT INTO orders (id, office, status, customer_name, unit, phone, description, channel,
             created_by, logged_at, received_at, paid, appointment, arrived_at, arrived_on_time,
             completed_at, materials, labour, total, signature_valid, receipt, collected,
             anomalies, updated_at, technician, category, items, arrival_certain,
             handover_on_time, customer_signed, handed_over_at, signed_at, receipt_at,
             collected_at, fees_pending, first_technician, small_override, compensation,
             credited)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                 $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32,
                 $33, $34, $35, $36, $37, $38, $39)
         ON CONFLICT (id) DO UPDATE SET
             status = excluded.status, customer_name = excluded.customer_name,
             unit = excluded.unit, phone = excluded.phone, description = excluded.description,
             received_at = excluded.received_at, paid = excluded.paid,
             appointment = excluded.appointment, arrived_at = excluded.arrived_at,
             arrived_on_time = excluded.arrived_on_time, completed_at = excluded.completed_at,
             materials = excluded.materials, labour = excluded.labour, total = excluded.total,
             signature_valid = excluded.signature_valid, receipt = excluded.receipt,
             collected = excluded.collected, anomalies = excluded.anomalies,
             updated_at = excluded.updated_at, technician = excluded.technician,
             category = excluded.category, items = excluded.items,
             arrival_certain = excluded.arrival_certain,
             handover_on_time = excluded.handover_on_time,
             customer_signed = excluded.customer_signed,
             handed_over_at = excluded.handed_over_at, signed_at = excluded.signed_at,
             receipt_at = excluded.receipt_at, collected_at = excluded.collected_at,
             fees_pending = excluded.fees_pending,
             first_technician = excluded.first_technician,
             small_override = excluded.small_override, compensation = excluded.compensation,
             credited = excluded.credited",
        &[
            &id,
            &s.office.id.to_string(),
            &s.status.as_str(),
            &s.customer.name,
            &s.customer.unit,
            &s.customer.phone,
            &s.description,
            &channel,
            &s.created_by.user.to_string(),
            &s.logged_at,
            &s.received_at.as_ref().map(|x| x.at),
            &flag(s.paid),
            &s.appointment.as_ref().map(|a| a.at),
            &s.arrival.as_ref().map(|a| a.at),
            &flag(s.arrived_on_time),
            &s.completion.as_ref().map(|c| c.stamp.at),
            &s.fees.materials.0,
            &s.fees.labour.0,
            &s.fees.total.0,
            &flag(s.customer_signature.as_ref().map(|c| c.valid)),
            &s.receipt.as_ref().map(|r| r.number.clone()),
            &s.collection.as_ref().map(|c| c.amount.0),
            &i64::try_from(s.anomalies.len()).unwrap_or(i64::MAX),
            &updated,
            &s.technicians.first().map(|t| t.to_string()),
            &baoxiu_sync_core::category_of(&s.description),
            &to_json(&s.fees.items)?,
            &flag(s.arrival.as_ref().map(|a| a.time_certain)),
            &flag(s.handover_on_time),
            &i64::from(s.customer_signature.is_some()),
            &s.handed_over.as_ref().map(|x| x.at),
            &s.customer_signature.as_ref().map(|x| x.stamp.at),
            &s.receipt.as_ref().map(|x| x.stamp.at),
            &s.collection.as_ref().map(|x| x.stamp.at),
            &i64::from(fees_pending),
            &s.first_assigned.map(|t| t.to_string()),
            &flag(s.small_repair),
            &s.compensation_approved().0,
            &s.credited().0,
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
    tx.execute("DELETE FROM order_technicians WHERE order_id = $1", &[&id])?;
    for t in &s.technicians {
        tx.execute(
            "INSERT INTO order_technicians (order_id, user_id) VALUES ($1, $2)
             ON CONFLICT DO NOTHING",
            &[&id, &t.to_string()],
        )?;
    }
    Ok(())
}

pub(super) fn list_orders(c: &mut impl Sql, f: &OrderFilter) -> Result<(Vec<OrderRow>, u64)> {
    let mut sql = String::from(" FROM orders o WHERE o.office = $1");
    let mut args: Vec<Box<dyn ToSql + Sync>> = vec![Box::new(f.office.to_string())];
    if let Some(s) = f.status {
        args.push(Box::new(s.as_str()));
        sql.push_str(&format!(" AND o.status = ${}", args.len()));
    }
    if let Some(t) = &f.technician {
        args.push(Box::new(t.to_string()));
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM order_technicians t
                          WHERE t.order_id = o.id AND t.user_id = ${})",
            args.len()
        ));
    }
    if let Some(from) = f.from {
        args.push(Box::new(from));
        sql.push_str(&format!(" AND o.logged_at >= ${}", args.len()));
    }
    if let Some(to) = f.to {
        args.push(Box::new(to));
        sql.push_str(&format!(" AND o.logged_at < ${}", args.len()));
    }
    if let Some(q) = f.search_pattern() {
        args.push(Box::new(format!("%{q}%")));
        let contains = args.len();
        args.push(Box::new(format!("{q}%")));
        sql.push_str(&format!(
            " AND (lower(o.unit) LIKE ${contains} ESCAPE '\\' \
               OR lower(o.customer_name) LIKE ${contains} ESCAPE '\\' \
               OR lower(o.id) LIKE ${} ESCAPE '\\'",
            args.len()
        ));
        if let Some(digits) = f.phone_digits() {
            // The phone as typed at intake may carry dashes or spaces: compared by digits.
            args.push(Box::new(format!("%{digits}%")));
            sql.push_str(&format!(
                " OR replace(replace(replace(replace(o.phone, '-', ''), ' ', ''), '(', ''), ')', '') LIKE ${}",
                args.len()
            ));
        }
        sql.push(')');
    }
    if let Some(paid) = f.paid {
        args.push(Box::new(i64::from(paid)));
        sql.push_str(&format!(" AND o.paid = ${}", args.len()));
    }
    if let Some(customer) = &f.customer {
        args.push(Box::new(customer.clone()));
        sql.push_str(&format!(
            " AND o.id IN (SELECT item_id FROM customer_links
                           WHERE item_kind = 'order' AND customer = ${})",
            args.len()
        ));
    }
    let counted = args.len();
    args.push(Box::new(i64::from(f.limit)));
    args.push(Box::new(i64::from(f.offset)));
    let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|b| b.as_ref()).collect();
    let total: i64 = c
        .query_one(&format!("SELECT count(*){sql}"), &params[..counted])?
        .try_get(0)?;
    let q = format!(
        "SELECT o.id, o.status, o.customer_name, o.unit, o.description, o.channel, o.logged_at,
                o.appointment, o.arrived_at, o.arrived_on_time, o.total, o.anomalies,
                o.updated_at,
                (SELECT string_agg(user_id, ',') FROM order_technicians t
                 WHERE t.order_id = o.id),
                o.fees_pending
         {sql} ORDER BY o.logged_at DESC, o.id COLLATE \"C\" LIMIT ${} OFFSET ${}",
        counted + 1,
        counted + 2
    );
    let mut out = Vec::new();
    for r in c.query(&q, &params)? {
        let techs: Option<String> = r.try_get(13)?;
        out.push(OrderRow {
            id: parse("order id", &r.try_get::<_, String>(0)?)?,
            status: r.try_get(1)?,
            customer_name: r.try_get(2)?,
            unit: r.try_get(3)?,
            description: r.try_get(4)?,
            channel: r.try_get(5)?,
            logged_at: r.try_get(6)?,
            appointment: r.try_get(7)?,
            arrived_at: r.try_get(8)?,
            arrived_on_time: r.try_get::<_, Option<i64>>(9)?.map(|v| v == 1),
            technicians: techs
                .unwrap_or_default()
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|s| parse("technician id", s))
                .collect::<Result<_>>()?,
            total: r.try_get(10)?,
            anomalies: r.try_get(11)?,
            updated_at: r.try_get(12)?,
            fees_pending: r.try_get::<_, i64>(14)? == 1,
        });
    }
    Ok((out, u64::try_from(total).unwrap_or(0)))
}

/// R-COLLECT: signed paid orders awaiting their receipt, or receipts awaiting collection.
pub(super) fn billing_queue(
    c: &mut impl Sql,
    office: OfficeId,
    stage: BillingStage,
) -> Result<Vec<BillingRow>> {
    let (waiting, order_by) = match stage {
        BillingStage::Receipt => ("receipt IS NULL", "signed_at"),
        BillingStage::Collection => ("receipt IS NOT NULL AND collected IS NULL", "receipt_at"),
    };
    c.query(
        &format!(
            "SELECT id, customer_name, unit, phone, GREATEST(total - credited, 0), signed_at,
                    receipt, receipt_at
             FROM orders
             WHERE office = $1 AND paid = 1 AND signed_at IS NOT NULL
                   AND status != 'cancelled' AND {waiting}
             ORDER BY {order_by}, id COLLATE \"C\""
        ),
        &[&office.to_string()],
    )?
    .iter()
    .map(|r| {
        Ok(BillingRow {
            id: parse::<OrderId>("order id", &r.try_get::<_, String>(0)?)?,
            customer_name: r.try_get(1)?,
            unit: r.try_get(2)?,
            phone: r.try_get(3)?,
            total: r.try_get(4)?,
            signed_at: r.try_get(5)?,
            receipt: r.try_get(6)?,
            receipt_at: r.try_get(7)?,
        })
    })
    .collect()
}
