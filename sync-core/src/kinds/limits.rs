//! The bounds a fact of each kind keeps, whichever door it came through (a device's
//! change or the server's command): one place, so device and server agree.

use crate::model::Money;
use crate::rules::MAX_AMOUNT;
use crate::supplies::issue::Line;
use crate::supplies::ledger::MAX_QUANTITY;
use crate::supplies::purchase::PlanBody;
use crate::supplies::requisition::RequisitionBody;
use crate::supplies::stock_count::CountBody;
use crate::vehicles::case::RepairBody;
use crate::vehicles::log::LogBody;
use crate::vehicles::register::MAX_ODOMETER_KM;
use crate::vehicles::repair::RepairItem;

/// The longest text of a fact (a fault, a note, a reason), in characters.
pub const MAX_TEXT_CHARS: usize = 2_000;
/// The most lines a fact lists (items, parts, counted lines).
pub const MAX_LIST: usize = 200;
/// The longest warranty a fitted part may carry, months.
const MAX_WARRANTY_MONTHS: u32 = 600;
/// The most fuel one refuelling can take, millilitres (a tanker's load).
const MAX_REFUEL_ML: u64 = 100_000_000;

type Checked = Result<(), String>;

fn text(what: &str, s: &str) -> Checked {
    if s.chars().count() > MAX_TEXT_CHARS {
        return Err(format!("{what} is longer than {MAX_TEXT_CHARS} characters"));
    }
    Ok(())
}

fn list<T>(what: &str, l: &[T]) -> Checked {
    if l.len() > MAX_LIST {
        return Err(format!("{what} lists more than {MAX_LIST} lines"));
    }
    Ok(())
}

fn money(what: &str, m: Money) -> Checked {
    if !(0..=MAX_AMOUNT).contains(&m.0) {
        return Err(format!(
            "{what} must be between 0 and {MAX_AMOUNT} minor units"
        ));
    }
    Ok(())
}

fn quantity(what: &str, q: u64) -> Checked {
    if q > MAX_QUANTITY {
        return Err(format!("{what} must be at most {MAX_QUANTITY}"));
    }
    Ok(())
}

fn item(i: &RepairItem) -> Checked {
    text("an item's code", &i.code)?;
    text("an item's description", &i.description)?;
    money("an item's estimate", i.estimate)
}

fn lines(what: &str, l: &[Line]) -> Checked {
    list(what, l)?;
    for line in l {
        text("an item", &line.item)?;
        quantity("a quantity", line.quantity)?;
    }
    Ok(())
}

pub(super) fn repair(b: &RepairBody) -> Checked {
    use RepairBody as B;
    match b {
        B::Requested { plate, fault, .. } => {
            text("the plate", plate)?;
            text("the fault", fault)
        }
        B::Assessed { items } => {
            list("the form", items)?;
            items.iter().try_for_each(item)
        }
        B::Approved { ceiling } => ceiling.map_or(Ok(()), |c| money("the ceiling", c)),
        B::Filed => Ok(()),
        B::Sent { shop } => text("the shop", shop),
        B::Quoted { code, amount } => {
            text("the item's code", code)?;
            money("the quote", *amount)
        }
        B::Proposed { item: i } => item(i),
        B::Reviewed { code } | B::ItemApproved { code } => text("the item's code", code),
        B::PartFitted { part } => {
            text("the item's code", &part.item)?;
            text("the part", &part.part)?;
            money("the part's price", part.unit_price)?;
            if part.warranty_months > MAX_WARRANTY_MONTHS {
                return Err(format!(
                    "a warranty must be at most {MAX_WARRANTY_MONTHS} months"
                ));
            }
            Ok(())
        }
        B::Completed { done, labour } => {
            list("the items done", done)?;
            done.iter().try_for_each(|d| text("an item's code", d))?;
            money("the labour", *labour)
        }
        B::Accepted { signed_hash } => text("the signed hash", signed_hash),
        B::Note { text: t } => text("the note", t),
    }
}

pub(super) fn log(b: &LogBody) -> Checked {
    let odometer = |what: &str, km: u64| {
        if km > MAX_ODOMETER_KM {
            return Err(format!("{what} must be at most {MAX_ODOMETER_KM} km"));
        }
        Ok(())
    };
    match b {
        LogBody::Opened { plate, .. } => text("the plate", plate),
        LogBody::Trip {
            odometer_start,
            odometer_end,
            ..
        } => {
            odometer("the odometer at the start", *odometer_start)?;
            odometer("the odometer at the end", *odometer_end)
        }
        LogBody::Refuelled {
            station,
            millilitres,
            amount,
            odometer_km,
        } => {
            text("the station", station)?;
            if *millilitres > MAX_REFUEL_ML {
                return Err(format!("a refuelling is at most {MAX_REFUEL_ML} ml"));
            }
            money("the amount", *amount)?;
            odometer("the odometer", *odometer_km)
        }
        LogBody::Serviced { odometer_km, shop } => {
            text("the shop", shop)?;
            odometer("the odometer", *odometer_km)
        }
        LogBody::PrivateUseApproved { .. } | LogBody::LeaveConsented { .. } => Ok(()),
        LogBody::Note { text: t } => text("the note", t),
    }
}

pub(super) fn requisition(b: &RequisitionBody) -> Checked {
    use RequisitionBody as B;
    match b {
        B::Requested {
            department,
            lines: l,
            ..
        } => {
            text("the department", department)?;
            lines("the requisition", l)
        }
        B::Approved | B::Checked => Ok(()),
        B::Issued {
            lines: l,
            override_reason,
        } => {
            lines("the issue", l)?;
            override_reason
                .as_deref()
                .map_or(Ok(()), |r| text("the override's reason", r))
        }
        B::Cancelled { reason } => text("the reason", reason),
        B::Note { text: t } => text("the note", t),
    }
}

pub(super) fn count(b: &CountBody) -> Checked {
    match b {
        CountBody::Opened { quarter, .. } => {
            if !(1..=4).contains(&quarter.q) || !(2000..=2100).contains(&quarter.year) {
                return Err("a quarter is 1–4 of a year 2000–2100".into());
            }
            Ok(())
        }
        CountBody::Counted {
            item,
            counted,
            supersedes,
        } => {
            text("the item", item)?;
            quantity("the count", *counted)?;
            list("the lines replaced", supersedes)
        }
        CountBody::Confirmed { adjustments } => {
            list("the adjustments", adjustments)?;
            for (item, delta) in adjustments {
                text("an item", item)?;
                quantity("an adjustment", delta.unsigned_abs())?;
            }
            Ok(())
        }
        CountBody::Note { text: t } => text("the note", t),
    }
}

pub(super) fn plan(b: &PlanBody) -> Checked {
    let plan_lines = |l: &[crate::supplies::plan::PlanLine]| {
        list("the plan", l)?;
        for line in l {
            text("an item", &line.item)?;
            quantity("a quantity", line.quantity)?;
        }
        Ok(())
    };
    match b {
        PlanBody::Drafted { lines: l, .. } | PlanBody::Revised { lines: l } => plan_lines(l),
        PlanBody::Approved => Ok(()),
        PlanBody::Received { vendor, delivered } => {
            text("the vendor", vendor)?;
            list("the delivery", delivered)?;
            for (item, q) in delivered {
                text("an item", item)?;
                quantity("a quantity", *q)?;
            }
            Ok(())
        }
        PlanBody::Note { text: t } => text("the note", t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{OfficeId, OrderId};

    #[test]
    fn facts_beyond_the_bounds_are_refused_and_those_within_pass() {
        let long = "字".repeat(MAX_TEXT_CHARS + 1);
        let within = "字".repeat(MAX_TEXT_CHARS);
        let line = |q| Line {
            item: "A4".into(),
            quantity: q,
        };
        let cases: Vec<(&str, Checked)> = vec![
            (
                "long fault",
                repair(&RepairBody::Requested {
                    repair: OrderId::new(),
                    office: OfficeId::new(),
                    plate: "AB-1".into(),
                    fault: long.clone(),
                }),
            ),
            (
                "negative quote",
                repair(&RepairBody::Quoted {
                    code: "1".into(),
                    amount: Money(-1),
                }),
            ),
            (
                "huge labour",
                repair(&RepairBody::Completed {
                    done: vec![],
                    labour: Money(MAX_AMOUNT + 1),
                }),
            ),
            (
                "odometer",
                log(&LogBody::Refuelled {
                    station: "S".into(),
                    millilitres: 40_000,
                    amount: Money(1_000),
                    odometer_km: MAX_ODOMETER_KM + 1,
                }),
            ),
            (
                "quantity",
                requisition(&RequisitionBody::Issued {
                    lines: vec![line(MAX_QUANTITY + 1)],
                    override_reason: None,
                }),
            ),
            (
                "too many lines",
                plan(&PlanBody::Received {
                    vendor: "V".into(),
                    delivered: vec![("A4".into(), 1); MAX_LIST + 1],
                }),
            ),
            (
                "adjustment",
                count(&CountBody::Confirmed {
                    adjustments: vec![("A4".into(), -(MAX_QUANTITY as i64) - 1)],
                }),
            ),
        ];
        for (what, r) in cases {
            assert!(r.is_err(), "{what} passed");
        }
        let fine: Vec<Checked> = vec![
            repair(&RepairBody::Note { text: within }),
            requisition(&RequisitionBody::Issued {
                lines: vec![line(MAX_QUANTITY)],
                override_reason: Some("urgent".into()),
            }),
            count(&CountBody::Confirmed {
                adjustments: vec![("A4".into(), -(MAX_QUANTITY as i64))],
            }),
        ];
        for r in fine {
            assert_eq!(r, Ok(()));
        }
    }
}
