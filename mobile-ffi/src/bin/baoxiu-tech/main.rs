//! `baoxiu-tech`: play technician — or driver, fleet manager, leader, logistics clerk —
//! from a terminal, offline, through the same `Replica` calls the phone apps make through
//! the bindings.
//!
//! ```text
//! baoxiu-tech login --server http://127.0.0.1:8080 --token <technician token>
//! baoxiu-tech sync
//! baoxiu-tech orders
//! baoxiu-tech arrive <order> "水龍頭漏水"      # works with the server down
//! baoxiu-tech sync --watch
//! baoxiu-tech repair request ABC-1234 "剎車異響"   # a driver's token
//! baoxiu-tech count item <count> A4紙 37          # a clerk's token
//! ```

mod fleet;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use baoxiu_mobile_ffi::{
    FeeItemRecord, OrderRecord, PointRecord, Replica, StrokeRecord, SyncConnection,
};
use clap::{Parser, Subcommand};
use serde::{Deserialize, Serialize};

#[derive(Parser, Debug)]
#[command(
    name = "baoxiu-tech",
    version,
    about = "報修 — the technician's replica in a terminal"
)]
struct Cli {
    /// The replica's database (a file beside it keeps the login). Default: `replica.db`
    /// in the user's data directory (`$XDG_DATA_HOME/baoxiu-tech` on Linux).
    #[arg(long, global = true, env = "BAOXIU_TECH_DB")]
    db: Option<PathBuf>,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Remember the server and a technician token (bound to a device).
    Login {
        /// e.g. http://127.0.0.1:8080
        #[arg(long)]
        server: String,
        #[arg(long)]
        token: String,
    },
    /// My orders (from the local replica).
    Orders,
    /// One order in full.
    Show {
        order: String,
    },
    /// R-APPOINT: book the visit agreed with the customer.
    Book {
        order: String,
        /// RFC 3339, e.g. 2026-11-28T10:00:00+08:00
        at: String,
    },
    /// R-APPOINT: move the visit; it counts only if the customer agreed (--consented).
    Reschedule {
        order: String,
        /// RFC 3339, e.g. 2026-11-28T14:00:00+08:00
        at: String,
        #[arg(long)]
        consented: bool,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// R-ARRIVE: on site, confirming what is to be repaired.
    Arrive {
        order: String,
        items: Vec<String>,
    },
    /// R-CONSENT: tell the fee standard: the order's priced lines, plus any schedule items
    /// (`--code`, pre-approved) and lines off the schedule (`--item`, a proposal the
    /// manager approves).
    Fee {
        order: String,
        /// A fee-schedule item code (see `schedule`); repeatable.
        #[arg(long = "code")]
        codes: Vec<String>,
        /// Off the schedule: `description:materials:labour` in minor units; repeatable.
        #[arg(long = "item")]
        items: Vec<String>,
        /// Tell only the lines given, not the order's priced lines.
        #[arg(long)]
        replace: bool,
        #[arg(long)]
        free: bool,
        /// Paid work on an order the manager priced free (a proposal).
        #[arg(long, conflicts_with = "free")]
        paid: bool,
    },
    /// R-PAID: the fee schedule held on this phone.
    Schedule,
    /// R-CONSENT: the customer agrees.
    Consent {
        order: String,
    },
    /// R-CONSENT: the customer refuses; the job ends.
    Refuse {
        order: String,
        reason: String,
    },
    /// R-MATERIALS: check a part or material.
    Material {
        order: String,
        name: String,
        #[arg(long)]
        customer: bool,
        #[arg(long)]
        fail: bool,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// R-PREMISES: the owner's consent to move something.
    Premises {
        order: String,
        what: String,
        #[arg(long)]
        refused: bool,
    },
    /// R-PREMISES: damage, with apology and compensation (minor units).
    Damage {
        order: String,
        what: String,
        compensation: i64,
    },
    /// R-COMPLETE: tested, cleaned up, fees itemised (default: the fees in force).
    Complete {
        order: String,
        #[arg(long = "item")]
        items: Vec<String>,
        /// What was done (R-COMPLETE: required).
        #[arg(long)]
        notes: String,
        #[arg(long)]
        test_failed: bool,
    },
    /// R-COMPLETE: the customer signs (a terminal draws a simple stroke for them).
    Sign {
        order: String,
        signer: String,
    },
    /// R-COMPLETE: the technician signs.
    TechSign {
        order: String,
    },
    Note {
        order: String,
        text: String,
    },
    /// A follow-up job found on site.
    FollowUp {
        order: String,
        description: String,
    },
    /// Sync once, or keep syncing with --watch.
    Sync {
        #[arg(long)]
        watch: bool,
        #[arg(long, default_value_t = 20)]
        timeout: u64,
    },
    /// Changes waiting for the server.
    Status,
    /// S3: the cases held here (vehicle repairs, counts…).
    Cases,
    /// S3: a vehicle repair's steps (driver, fleet manager, leader, clerk).
    #[command(subcommand)]
    Repair(fleet::Repair),
    /// S3: the quarter's storeroom count (the clerk).
    #[command(subcommand)]
    Count(fleet::Count),
    /// S3: a department's requisition (the clerk's steps).
    #[command(subcommand)]
    Requisition(fleet::Requisition),
    /// S3: a vehicle's log (the driver's trips and refuels).
    #[command(subcommand)]
    Log(fleet::Log),
}

#[derive(Debug, Serialize, Deserialize)]
struct Login {
    server: String,
    token: String,
    user: String,
    device: String,
}

fn login_path(db: &std::path::Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".login.json");
    PathBuf::from(p)
}

/// The token's `sub` and `device` claims (the server verifies the token; here we only
/// need to know whose replica this is).
fn claims(token: &str) -> Result<(String, String), String> {
    use base64::Engine;
    let payload = token.split('.').nth(1).ok_or("not a token")?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|e| format!("token: {e}"))?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| format!("token: {e}"))?;
    let user = v["sub"].as_str().ok_or("token has no user")?.to_owned();
    let device = v["device"]
        .as_str()
        .ok_or("token is not bound to a device (ask for a technician token with --device)")?
        .to_owned();
    Ok((user, device))
}

fn ws_url(server: &str) -> String {
    let base = server.trim_end_matches('/');
    let base = base
        .strip_prefix("https://")
        .map(|r| format!("wss://{r}"))
        .or_else(|| base.strip_prefix("http://").map(|r| format!("ws://{r}")))
        .unwrap_or_else(|| base.to_owned());
    format!("{base}/sync")
}

fn parse_item(s: &str) -> Result<FeeItemRecord, String> {
    let parts: Vec<&str> = s.rsplitn(3, ':').collect();
    match parts.as_slice() {
        [labour, materials, description] => Ok(FeeItemRecord {
            description: (*description).to_owned(),
            materials: materials
                .parse()
                .map_err(|_| format!("materials in {s:?}"))?,
            labour: labour.parse().map_err(|_| format!("labour in {s:?}"))?,
            code: None,
        }),
        _ => Err(format!("item {s:?} is not description:materials:labour")),
    }
}

fn money(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, (minor % 100).abs())
}

/// Prints an order in one write, so a reader that stops early (`grep -q`, `head`) cannot
/// break the output half-way.
fn print_order(o: &OrderRecord) {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  [{}]  {} {}",
        o.id, o.status, o.unit, o.customer_name
    );
    let _ = writeln!(out, "  {}", o.description);
    if let Some(a) = o.appointment
        && let Some(t) = chrono::DateTime::from_timestamp_millis(a)
    {
        let _ = writeln!(out, "  appointment {}", t.format("%Y-%m-%d %H:%M UTC"));
    }
    for f in &o.fees {
        let from = match &f.code {
            Some(c) => format!("schedule {c}"),
            None => "off the schedule".to_owned(),
        };
        let _ = writeln!(
            out,
            "  {}  materials {}  labour {}  ({from})",
            f.description,
            money(f.materials),
            money(f.labour)
        );
    }
    let _ = writeln!(
        out,
        "  total {}{}",
        money(o.total),
        if o.paid == Some(false) { " (free)" } else { "" }
    );
    if o.awaiting_approval {
        let _ = writeln!(
            out,
            "  awaiting the manager's approval (approved: {})",
            o.approved_total.map(money).unwrap_or_default()
        );
    }
    if o.customer_signed {
        let _ = writeln!(
            out,
            "  customer signed ({})",
            if o.signature_valid == Some(true) {
                "valid"
            } else {
                "no longer covers the fees"
            }
        );
    }
    let _ = writeln!(out, "  facts: {}", o.timeline.join(" → "));
    for a in &o.anomalies {
        let _ = writeln!(out, "  ! {a}");
    }
    print!("{out}");
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn open(db: &std::path::Path) -> Result<Arc<Replica>, String> {
    let text = std::fs::read_to_string(login_path(db))
        .map_err(|_| "not logged in: run `baoxiu-tech login` first".to_owned())?;
    let l: Login = serde_json::from_str(&text).map_err(|e| format!("login file: {e}"))?;
    Replica::open(db.display().to_string(), ws_url(&l.server), l.token).map_err(|e| e.to_string())
}

/// An RFC 3339 time (with its offset) as UTC milliseconds.
fn instant(given: &str) -> Result<i64, String> {
    chrono::DateTime::parse_from_rfc3339(given)
        .map(|t| t.timestamp_millis())
        .map_err(|err| format!("{given:?} is not an RFC 3339 time ({err})"))
}

/// Accepts a whole order id or a unique prefix of one.
fn resolve(r: &Replica, given: &str) -> Result<String, String> {
    let all = r.list_orders().map_err(|e| e.to_string())?;
    let hits: Vec<_> = all.iter().filter(|o| o.id.starts_with(given)).collect();
    match hits.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => Err(format!("no order {given}")),
        _ => Err(format!(
            "{given} matches {} orders; give more of the id",
            hits.len()
        )),
    }
}

/// The database given, or `replica.db` in the user's data directory (made if missing,
/// readable by the user only: the login beside it holds a token).
fn db_path(given: Option<PathBuf>) -> Result<PathBuf, String> {
    if let Some(db) = given {
        return Ok(db);
    }
    let dirs = directories::ProjectDirs::from("", "", "baoxiu-tech")
        .ok_or("no home directory: give --db or BAOXIU_TECH_DB")?;
    let dir = dirs.data_dir();
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    private(dir, 0o700)?;
    Ok(dir.join("replica.db"))
}

/// Only the user may read it (Unix; elsewhere the user's profile directory is).
fn private(path: &std::path::Path, mode: u32) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

fn run(cli: Cli) -> Result<(), String> {
    let db = db_path(cli.db)?;
    if let Cmd::Login { server, token } = &cli.command {
        let (user, device) = claims(token)?;
        let l = Login {
            server: server.clone(),
            token: token.clone(),
            user,
            device,
        };
        std::fs::write(
            login_path(&db),
            serde_json::to_string_pretty(&l).unwrap_or_default(),
        )
        .map_err(|e| e.to_string())?;
        private(&login_path(&db), 0o600)?;
        let r = open(&db)?;
        r.set_token(token.clone()).map_err(|e| e.to_string())?;
        println!("logged in as {} on device {}", l.user, l.device);
        return Ok(());
    }
    let r = open(&db)?;
    let e = |x: baoxiu_mobile_ffi::ReplicaError| x.to_string();
    let done = |o: OrderRecord| {
        print_order(&o);
        Ok(())
    };
    match cli.command {
        Cmd::Login { .. } => Ok(()),
        Cmd::Orders => {
            for o in r.list_orders().map_err(e)? {
                println!(
                    "{}  {:<12} {:<12} {}  {}",
                    &o.id[..13],
                    o.status,
                    o.unit,
                    o.customer_name,
                    o.description
                );
            }
            Ok(())
        }
        Cmd::Show { order } => done(r.order(resolve(&r, &order)?).map_err(e)?),
        Cmd::Book { order, at } => done(r.book(resolve(&r, &order)?, instant(&at)?).map_err(e)?),
        Cmd::Reschedule {
            order,
            at,
            consented,
            reason,
        } => done(
            r.reschedule(resolve(&r, &order)?, instant(&at)?, consented, reason)
                .map_err(e)?,
        ),
        Cmd::Arrive { order, items } => done(r.arrive(resolve(&r, &order)?, items).map_err(e)?),
        Cmd::Fee {
            order,
            codes,
            items,
            replace,
            free,
            paid,
        } => {
            let id = resolve(&r, &order)?;
            let current = r.order(id.clone()).map_err(e)?;
            let mut lines = if replace { Vec::new() } else { current.fees };
            if !codes.is_empty() {
                let schedule = r
                    .fee_schedule()
                    .map_err(e)?
                    .ok_or("no fee schedule on this phone yet: sync first")?;
                for code in &codes {
                    let item =
                        schedule
                            .items
                            .iter()
                            .find(|i| &i.code == code)
                            .ok_or_else(|| {
                                format!("no item {code} in schedule v{}", schedule.version)
                            })?;
                    lines.push(item.quote.clone());
                }
            }
            for s in &items {
                lines.push(parse_item(s)?);
            }
            let paid = paid || (!free && current.paid.unwrap_or(true));
            done(r.tell_fee(id, paid, lines).map_err(e)?)
        }
        Cmd::Schedule => {
            // One write: a reader that stops early (a pipe to `head`) cannot break it
            // half-way.
            let text = match r.fee_schedule().map_err(e)? {
                None => "no fee schedule yet: sync first\n".to_owned(),
                Some(s) => {
                    let mut text = format!("fee schedule v{}\n", s.version);
                    for i in s.items {
                        let price = if i.free {
                            "free (service-item list)".to_owned()
                        } else {
                            format!(
                                "materials {}  labour {}",
                                money(i.materials),
                                money(i.labour)
                            )
                        };
                        text.push_str(&format!("  {:<8} {}  {price}\n", i.code, i.name));
                    }
                    text
                }
            };
            print!("{text}");
            Ok(())
        }
        Cmd::Consent { order } => done(r.record_consent(resolve(&r, &order)?).map_err(e)?),
        Cmd::Refuse { order, reason } => {
            done(r.record_refusal(resolve(&r, &order)?, reason).map_err(e)?)
        }
        Cmd::Material {
            order,
            name,
            customer,
            fail,
            note,
        } => done(
            r.check_material(resolve(&r, &order)?, name, customer, !fail, note)
                .map_err(e)?,
        ),
        Cmd::Premises {
            order,
            what,
            refused,
        } => done(
            r.premises_consent(resolve(&r, &order)?, what, !refused)
                .map_err(e)?,
        ),
        Cmd::Damage {
            order,
            what,
            compensation,
        } => done(
            r.record_damage(resolve(&r, &order)?, what, compensation, true)
                .map_err(e)?,
        ),
        Cmd::Complete {
            order,
            items,
            notes,
            test_failed,
        } => {
            let id = resolve(&r, &order)?;
            let items = if items.is_empty() {
                r.order(id.clone()).map_err(e)?.fees
            } else {
                items
                    .iter()
                    .map(|s| parse_item(s))
                    .collect::<Result<_, _>>()?
            };
            done(
                r.complete(id, !test_failed, true, items, notes)
                    .map_err(e)?,
            )
        }
        Cmd::Sign { order, signer } => {
            let stroke = StrokeRecord {
                points: (0..24)
                    .map(|i| PointRecord {
                        x: 10 + i * 6,
                        y: 40 + (i * 7 % 11),
                    })
                    .collect(),
            };
            done(
                r.customer_sign(resolve(&r, &order)?, signer, vec![stroke])
                    .map_err(e)?,
            )
        }
        Cmd::TechSign { order } => done(r.technician_sign(resolve(&r, &order)?).map_err(e)?),
        Cmd::Note { order, text } => done(r.add_note(resolve(&r, &order)?, text).map_err(e)?),
        Cmd::FollowUp { order, description } => {
            let id = resolve(&r, &order)?;
            let o = r.order(id.clone()).map_err(e)?;
            done(
                r.create_field_order(id, o.customer_name, o.unit, o.phone, description)
                    .map_err(e)?,
            )
        }
        Cmd::Cases => fleet::cases(&r),
        Cmd::Repair(c) => fleet::repair(&r, c),
        Cmd::Count(c) => fleet::count(&r, c),
        Cmd::Requisition(c) => fleet::requisition(&r, c),
        Cmd::Log(c) => fleet::log(&r, c),
        Cmd::Status => {
            let s = r.sync_state();
            println!("{} change(s) waiting for the server", s.pending);
            Ok(())
        }
        Cmd::Sync { watch, timeout } => {
            if watch {
                r.start_sync();
                println!("syncing; Ctrl-C to stop");
                let mut last = None;
                loop {
                    let s = r.sync_state();
                    let line = format!(
                        "{:?}, {} waiting{}",
                        s.connection,
                        s.pending,
                        s.last_error
                            .as_ref()
                            .map(|e| format!(" (last error: {e})"))
                            .unwrap_or_default()
                    );
                    if last.as_ref() != Some(&line) {
                        println!("{line}");
                        last = Some(line);
                    }
                    std::thread::sleep(std::time::Duration::from_millis(500));
                }
            }
            let s = r.sync_now(timeout * 1000);
            if s.connection == SyncConnection::UpToDate && s.pending == 0 {
                println!(
                    "up to date ({} orders, {} other cases)",
                    r.list_orders().map_err(e)?.len(),
                    r.list_cases().map_err(e)?.len()
                );
                Ok(())
            } else {
                Err(format!(
                    "not synced: {} change(s) still waiting{}",
                    s.pending,
                    s.last_error.map(|e| format!(" ({e})")).unwrap_or_default()
                ))
            }
        }
    }
}
