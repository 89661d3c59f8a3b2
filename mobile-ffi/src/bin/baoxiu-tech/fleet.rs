//! The fleet's and the storeroom's offline steps (S3), for drivers, the fleet manager,
//! the leader and the logistics clerk: the same `Replica` calls their phones make.

use baoxiu_mobile_ffi::{
    CountRecord, LineRecord, RepairItemRecord, RepairRecord, Replica, ReplicaError,
    RequisitionRecord, VehicleLogRecord,
};
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum Repair {
    /// The driver reports a fault and asks for a repair (R-VEH-REQUEST).
    Request { plate: String, fault: String },
    /// The fleet manager's form: items as `code:kind:description:estimate` (kind: work,
    /// part, assembly, overhaul; estimate in minor units).
    Assess {
        repair: String,
        #[arg(long = "item", required = true)]
        items: Vec<String>,
    },
    /// The principal leader approves (optionally with a ceiling, minor units).
    Approve {
        repair: String,
        #[arg(long)]
        ceiling: Option<i64>,
    },
    /// The clerk files the approval.
    File { repair: String },
    /// The vehicle goes to a designated shop.
    Send { repair: String, shop: String },
    /// The shop's work is done: the items done and the labour (minor units).
    Complete {
        repair: String,
        #[arg(long = "done", required = true)]
        done: Vec<String>,
        #[arg(long)]
        labour: i64,
    },
    /// R-VEH-ACCEPT: the requester inspects and signs over what is shown.
    Accept { repair: String },
    /// One repair in full.
    Show { repair: String },
}

#[derive(Subcommand, Debug)]
pub enum Requisition {
    /// The clerk checks it and logs it in the register.
    Check {
        requisition: String,
    },
    /// The clerk hands items over: `item:quantity`, repeatable.
    Issue {
        requisition: String,
        #[arg(required = true)]
        lines: Vec<String>,
        /// Beyond the stock only with a reason (flagged).
        #[arg(long)]
        override_reason: Option<String>,
    },
    Show {
        requisition: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum Log {
    /// A trip (RFC 3339 times), by the vehicle's driver.
    Trip {
        log: String,
        start: String,
        end: String,
        odometer_start: u64,
        odometer_end: u64,
        #[arg(long)]
        private: bool,
        #[arg(long)]
        out_of_city: bool,
    },
    /// A refuelling: station, millilitres, amount (minor units), odometer.
    Refuel {
        log: String,
        station: String,
        millilitres: u64,
        amount: i64,
        odometer_km: u64,
    },
    /// The vehicle's scheduled service, done now (R-VEH-MAINT): odometer, shop.
    Service {
        log: String,
        odometer_km: u64,
        shop: String,
    },
    Show {
        log: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum Count {
    /// The clerk opens the quarter's count (R-SUP-COUNT).
    Open { year: i32, quarter: u8 },
    /// One item counted on this device.
    Item {
        count: String,
        item: String,
        counted: u64,
    },
    /// The count as this device holds it.
    Show { count: String },
}

fn e(x: ReplicaError) -> String {
    x.to_string()
}

/// Accepts a whole case id or a unique prefix of one.
fn resolve(r: &Replica, given: &str) -> Result<String, String> {
    let all = r.list_cases().map_err(e)?;
    let hits: Vec<_> = all.iter().filter(|c| c.id.starts_with(given)).collect();
    match hits.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => Err(format!("no case {given}")),
        _ => Err(format!(
            "{given} matches {} cases; give more of the id",
            hits.len()
        )),
    }
}

fn money(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, (minor % 100).abs())
}

fn print_repair(r: &RepairRecord) {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "{}  [{}]  {}  {}", r.id, r.status, r.plate, r.fault);
    for i in &r.items {
        let _ = writeln!(
            out,
            "  {} {} ({}) estimate {}",
            i.code,
            i.description,
            i.kind,
            money(i.estimate)
        );
    }
    if let Some(s) = &r.shop {
        let _ = writeln!(out, "  shop {s}");
    }
    if !r.done.is_empty() {
        let _ = writeln!(
            out,
            "  done {}; labour {}",
            r.done.join(", "),
            money(r.labour)
        );
    }
    if r.accepted {
        let _ = writeln!(out, "  accepted by the requester (valid)");
    }
    for f in &r.flags {
        let _ = writeln!(out, "  ! {} {}", f.rule, f.problem);
    }
    print!("{out}");
}

fn print_count(c: &CountRecord) {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  count {}Q{}{}",
        c.id,
        c.year,
        c.quarter,
        if c.confirmed { " (confirmed)" } else { "" }
    );
    for l in &c.lines {
        let what = match (l.counted, l.disagreeing.is_empty()) {
            (Some(n), _) => n.to_string(),
            (None, false) => format!(
                "disagree: {}",
                l.disagreeing
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(" / ")
            ),
            (None, true) => "not counted".into(),
        };
        let _ = writeln!(out, "  {}  {what}", l.item);
    }
    print!("{out}");
}

fn parse_item(s: &str) -> Result<RepairItemRecord, String> {
    let mut parts = s.splitn(3, ':');
    let (Some(code), Some(kind), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!("item {s:?} is not code:kind:description:estimate"));
    };
    let (description, estimate) = rest
        .rsplit_once(':')
        .ok_or_else(|| format!("item {s:?} has no estimate"))?;
    Ok(RepairItemRecord {
        code: code.into(),
        kind: kind.into(),
        description: description.into(),
        estimate: estimate.parse().map_err(|_| format!("estimate in {s:?}"))?,
    })
}

pub fn repair(r: &Replica, cmd: Repair) -> Result<(), String> {
    let shown = match cmd {
        Repair::Request { plate, fault } => r.request_repair(plate, fault),
        Repair::Assess { repair, items } => {
            let items = items
                .iter()
                .map(|i| parse_item(i))
                .collect::<Result<_, _>>()?;
            r.assess_repair(resolve(r, &repair)?, items)
        }
        Repair::Approve { repair, ceiling } => r.approve_repair(resolve(r, &repair)?, ceiling),
        Repair::File { repair } => r.file_repair(resolve(r, &repair)?),
        Repair::Send { repair, shop } => r.send_repair(resolve(r, &repair)?, shop),
        Repair::Complete {
            repair,
            done,
            labour,
        } => r.complete_repair(resolve(r, &repair)?, done, labour),
        Repair::Accept { repair } => r.accept_repair(resolve(r, &repair)?),
        Repair::Show { repair } => r.repair(resolve(r, &repair)?),
    }
    .map_err(e)?;
    print_repair(&shown);
    Ok(())
}

fn print_requisition(q: &RequisitionRecord) {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "{}  [{}]  {}", q.id, q.status, q.department);
    for l in &q.requested {
        let issued = q
            .issued
            .iter()
            .find(|i| i.item == l.item)
            .map(|i| i.quantity)
            .unwrap_or(0);
        let _ = writeln!(out, "  {}  asked {}  issued {issued}", l.item, l.quantity);
    }
    for f in &q.flags {
        let _ = writeln!(out, "  ! {} {}", f.rule, f.problem);
    }
    print!("{out}");
}

fn print_log(l: &VehicleLogRecord) {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  log of {}  ({} refuels, {} services)",
        l.id, l.plate, l.refuels, l.services
    );
    for t in &l.trips {
        let _ = writeln!(
            out,
            "  trip {}  {}–{} km{}{}",
            t.id,
            t.odometer_start,
            t.odometer_end,
            if t.private { "  private" } else { "" },
            if t.out_of_city {
                "  out of the city"
            } else {
                ""
            }
        );
    }
    for f in &l.flags {
        let _ = writeln!(out, "  ! {} {}", f.rule, f.problem);
    }
    print!("{out}");
}

fn parse_line(s: &str) -> Result<LineRecord, String> {
    let (item, quantity) = s
        .rsplit_once(':')
        .ok_or_else(|| format!("line {s:?} is not item:quantity"))?;
    Ok(LineRecord {
        item: item.into(),
        quantity: quantity.parse().map_err(|_| format!("quantity in {s:?}"))?,
    })
}

pub fn requisition(r: &Replica, cmd: Requisition) -> Result<(), String> {
    let shown = match cmd {
        Requisition::Check { requisition } => r.check_requisition(resolve(r, &requisition)?),
        Requisition::Issue {
            requisition,
            lines,
            override_reason,
        } => {
            let lines = lines
                .iter()
                .map(|l| parse_line(l))
                .collect::<Result<_, _>>()?;
            r.issue_supplies(resolve(r, &requisition)?, lines, override_reason)
        }
        Requisition::Show { requisition } => r.requisition(resolve(r, &requisition)?),
    }
    .map_err(e)?;
    print_requisition(&shown);
    Ok(())
}

pub fn log(r: &Replica, cmd: Log) -> Result<(), String> {
    let instant = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| t.timestamp_millis())
            .map_err(|err| format!("{s:?} is not an RFC 3339 time ({err})"))
    };
    let shown = match cmd {
        Log::Trip {
            log,
            start,
            end,
            odometer_start,
            odometer_end,
            private,
            out_of_city,
        } => r.log_trip(
            resolve(r, &log)?,
            instant(&start)?,
            instant(&end)?,
            odometer_start,
            odometer_end,
            private,
            out_of_city,
        ),
        Log::Refuel {
            log,
            station,
            millilitres,
            amount,
            odometer_km,
        } => r.log_refuel(resolve(r, &log)?, station, millilitres, amount, odometer_km),
        Log::Service {
            log,
            odometer_km,
            shop,
        } => r.log_service(resolve(r, &log)?, odometer_km, shop),
        Log::Show { log } => r.vehicle_log(resolve(r, &log)?),
    }
    .map_err(e)?;
    print_log(&shown);
    Ok(())
}

pub fn count(r: &Replica, cmd: Count) -> Result<(), String> {
    let shown = match cmd {
        Count::Open { year, quarter } => r.open_count(year, quarter),
        Count::Item {
            count,
            item,
            counted,
        } => r.count_item(resolve(r, &count)?, item, counted),
        Count::Show { count } => r.stock_count(resolve(r, &count)?),
    }
    .map_err(e)?;
    print_count(&shown);
    Ok(())
}

/// The cases held on this device.
pub fn cases(r: &Replica) -> Result<(), String> {
    for c in r.list_cases().map_err(e)? {
        println!("{}  {}", c.id, c.kind);
    }
    Ok(())
}
