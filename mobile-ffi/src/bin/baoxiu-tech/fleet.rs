//! The fleet's and the storeroom's offline steps (S3), for drivers, the fleet manager,
//! the leader and the logistics clerk: the same `Replica` calls their phones make.

use baoxiu_mobile_ffi::{CountRecord, RepairItemRecord, RepairRecord, Replica, ReplicaError};
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
