//! `baoxiu`: the server binary.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use baoxiu_server::auth;
#[cfg(feature = "dev-tools")]
use baoxiu_server::devtools::demo;
use baoxiu_sync_core::{DeviceId, OfficeId, Role, UserId};
use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "baoxiu",
    version,
    about = "報修 — repair requests, dispatch and offline field work"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the server.
    Serve {
        /// Data directory: database and signing key (created on first run).
        #[arg(long, default_value = "./baoxiu-data", env = "BAOXIU_DATA")]
        data: PathBuf,
        /// Address to listen on (port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:8080", env = "BAOXIU_LISTEN")]
        listen: SocketAddr,
        /// On SIGTERM, seconds to stay up unready (sessions told to reconnect elsewhere)
        /// before no longer accepting connections.
        #[arg(long, default_value_t = 5, env = "BAOXIU_DRAIN_GRACE")]
        drain_grace: u64,
        /// A PostgreSQL database shared by several nodes (postgres://user@host/db),
        /// instead of SQLite in the data directory (which then keeps only this node's own
        /// files). Run `baoxiu migrate --database …` first.
        #[arg(long, env = "BAOXIU_DATABASE")]
        database: Option<String>,
        /// Seed a demo office with people and orders, and print a token for each person.
        #[cfg(feature = "dev-tools")]
        #[arg(long)]
        demo: bool,
    },
    /// A field trial in one process: a server, an office and N technicians over D days,
    /// phones offline at random with skewed clocks; checks every replica converged and
    /// prints the month's statistics.
    #[cfg(feature = "dev-tools")]
    Simulate {
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value_t = 8)]
        technicians: usize,
        #[arg(long, default_value_t = 7)]
        days: u32,
        #[arg(long, default_value_t = 12)]
        orders_per_day: usize,
        /// Chance that a phone goes offline on a given day (for 1–3 days).
        #[arg(long, default_value_t = 0.3)]
        offline_ratio: f64,
        /// Keep the data here (default: a temporary directory).
        #[arg(long)]
        data: Option<PathBuf>,
        /// No per-day progress lines.
        #[arg(long)]
        quiet: bool,
        /// Also write the month's statistics (the API's JSON) to this file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Bring the database to this build's schema, then exit (for rolling deploys: run it
    /// once, then start the nodes of the new version).
    Migrate {
        /// Data directory whose SQLite database to migrate (without --database).
        #[arg(long, default_value = "./baoxiu-data", env = "BAOXIU_DATA")]
        data: PathBuf,
        /// A PostgreSQL database instead: postgres://user@host:port/name
        #[arg(long, env = "BAOXIU_DATABASE")]
        database: Option<String>,
    },
    /// Write a consistent copy of the data directory's database to a new file, while the
    /// server runs (restore: docs/deploy.md).
    Backup {
        #[arg(long, default_value = "./baoxiu-data", env = "BAOXIU_DATA")]
        data: PathBuf,
        /// The new file.
        #[arg(long)]
        to: PathBuf,
    },
    /// Appoint a person no office appoints itself — head office (R-CS-HQ), which reads
    /// every office, or an office's first admin — and print their id for `baoxiu token`.
    Appoint {
        #[arg(long, default_value = "./baoxiu-data", env = "BAOXIU_DATA")]
        data: PathBuf,
        /// A PostgreSQL database instead of the data directory's SQLite.
        #[arg(long, env = "BAOXIU_DATABASE")]
        database: Option<String>,
        /// The office the person is seated in (head office reads every office whatever it is).
        #[arg(long)]
        office: OfficeId,
        #[arg(long)]
        name: String,
        /// head_office or admin
        #[arg(long)]
        role: Role,
    },
    /// Print a token signed with the data directory's key.
    Token {
        #[arg(long, default_value = "./baoxiu-data", env = "BAOXIU_DATA")]
        data: PathBuf,
        #[arg(long)]
        user: UserId,
        /// front_desk, administrator, dispatcher, technician, finance, supervisor, admin,
        /// cs_agent, cs_manager, qa_inspector, head_office, and S3's roles
        #[arg(long)]
        role: Role,
        #[arg(long)]
        office: OfficeId,
        /// The device a technician's token is bound to.
        #[arg(long)]
        device: Option<DeviceId>,
        /// How long the token is valid: e.g. 30m, 8h, 7d.
        #[arg(long, default_value = "8h", value_parser = parse_ttl)]
        ttl: i64,
    },
}

/// `30s`, `30m`, `8h`, `7d` → seconds.
fn parse_ttl(s: &str) -> Result<i64, String> {
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: i64 = n.parse().map_err(|_| format!("bad duration {s:?}"))?;
    let mult = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("bad duration unit in {s:?} (use s, m, h, d)")),
    };
    n.checked_mul(mult)
        .filter(|v| *v > 0)
        .ok_or_else(|| format!("bad duration {s:?}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,baoxiu=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    match cli.command {
        #[cfg(feature = "dev-tools")]
        Command::Serve {
            data,
            listen,
            drain_grace,
            database,
            demo,
        } => {
            let mut state = open_node(data, database).await?;
            state.limits.drain_grace = std::time::Duration::from_secs(drain_grace);
            if demo {
                let logins = demo::seed(&state).await?;
                let mut out = std::io::stdout().lock();
                writeln!(
                    out,
                    "demo office {} (Asia/Taipei); tokens:",
                    demo::DEMO_OFFICE
                )?;
                for l in logins {
                    let device = l.device.map(|d| format!(" device={d}")).unwrap_or_default();
                    writeln!(
                        out,
                        "{:<12} {} user={}{device}\n  {}",
                        l.person.role.as_str(),
                        l.person.name,
                        l.person.id,
                        l.token
                    )?;
                }
            }
            serve(state, listen).await
        }
        #[cfg(not(feature = "dev-tools"))]
        Command::Serve {
            data,
            listen,
            drain_grace,
            database,
        } => {
            let mut state = open_node(data, database).await?;
            state.limits.drain_grace = std::time::Duration::from_secs(drain_grace);
            serve(state, listen).await
        }
        #[cfg(feature = "dev-tools")]
        Command::Simulate {
            seed,
            technicians,
            days,
            orders_per_day,
            offline_ratio,
            data,
            quiet,
            json,
        } => {
            let tmp = tempfile::tempdir()?;
            let dir = data.unwrap_or_else(|| tmp.path().to_owned());
            let state = open(dir.join("server")).await?;
            let running = baoxiu_server::start(state.clone(), "127.0.0.1:0".parse()?).await?;
            let opts = baoxiu_server::devtools::simulate::Options {
                seed,
                technicians,
                days,
                orders_per_day,
                offline_ratio,
                progress: !quiet,
            };
            let r =
                baoxiu_server::devtools::simulate::run(&state, running.addr, &dir, &opts).await?;
            running.stop().await?;
            if let Some(path) = &json {
                std::fs::write(path, &r.stats_json)?;
            }
            println!(
                "simulated {days} days, {technicians} technicians (seed {seed}): {} orders, {} completed, {} facts recorded on phones, {} phone-days offline, {} complaints, {} call-backs",
                r.orders,
                r.completed,
                r.device_facts,
                r.offline_device_days,
                r.complaints,
                r.callbacks
            );
            if let Some(s) = &r.stats {
                print!("{}", baoxiu_server::devtools::simulate::summary(s));
            }
            if let Some(path) = &json {
                println!("statistics (JSON): {}", path.display());
            }
            if r.mismatches.is_empty() {
                println!(
                    "converged: all {} replica copies equal the server's",
                    r.replicas_checked
                );
                Ok(())
            } else {
                Err(format!("did not converge: {}", r.mismatches.join("; ")).into())
            }
        }
        Command::Migrate { data, database } => {
            let (before, after) = tokio::task::spawn_blocking(move || {
                baoxiu_server::migrate(&data, database.as_deref())
            })
            .await??;
            if before == after {
                println!("schema at version {after}: nothing to do");
            } else {
                println!("schema migrated from version {before} to {after}");
            }
            Ok(())
        }
        Command::Backup { data, to } => {
            let shown = to.display().to_string();
            tokio::task::spawn_blocking(move || baoxiu_server::backup(&data, &to)).await??;
            println!("backup written to {shown}");
            Ok(())
        }
        Command::Appoint {
            data,
            database,
            office,
            name,
            role,
        } => {
            if !matches!(role, Role::HeadOffice | Role::Admin) {
                return Err(format!(
                    "only head_office or admin is appointed here; an office's admin gives {} (POST /api/v1/users)",
                    role.as_str()
                )
                .into());
            }
            if name.trim().is_empty() {
                return Err("the name is empty".into());
            }
            let st = open_node(data, database).await?;
            if st.store.office(office).await?.is_none() {
                return Err(format!("no office {office}").into());
            }
            let person = baoxiu_sync_core::Person {
                id: UserId::new(),
                name,
                role,
                office,
                specialties: Vec::new(),
                zone: None,
                token_version: 0,
                active: true,
            };
            st.store.upsert_user(person.clone()).await?;
            println!("{}", person.id);
            Ok(())
        }
        Command::Token {
            data,
            user,
            role,
            office,
            device,
            ttl,
        } => {
            let keys = baoxiu_server::Keys::load(&data)?;
            // Use the user's current token version when the database knows them.
            let ver = match open(data.clone()).await {
                Ok(st) => st
                    .store
                    .user(user)
                    .await
                    .ok()
                    .flatten()
                    .map(|p| p.token_version)
                    .unwrap_or(0),
                Err(_) => 0,
            };
            let claims = auth::claims(user, role, office, device, ver, ttl);
            println!("{}", keys.sign(&claims)?);
            Ok(())
        }
    }
}

/// Opens this node: over PostgreSQL when a database is given, else the data directory's
/// SQLite database.
async fn open_node(
    data: PathBuf,
    database: Option<String>,
) -> Result<baoxiu_server::AppState, Box<dyn std::error::Error>> {
    match database {
        None => open(data).await,
        Some(url) if baoxiu_server::store::postgres::is_postgres_url(&url) => Ok(
            tokio::task::spawn_blocking(move || baoxiu_server::open_postgres(&data, &url))
                .await??,
        ),
        Some(other) => Err(format!("--database {other:?}: a postgres:// URL").into()),
    }
}

/// Opens the data directory (migrations, key, database) off the async threads.
async fn open(data: PathBuf) -> Result<baoxiu_server::AppState, Box<dyn std::error::Error>> {
    Ok(tokio::task::spawn_blocking(move || baoxiu_server::open(&data)).await??)
}

/// Serves until Ctrl-C or SIGTERM, then stops gracefully.
async fn serve(
    state: baoxiu_server::AppState,
    listen: SocketAddr,
) -> Result<(), Box<dyn std::error::Error>> {
    let running = baoxiu_server::start(state, listen).await?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{}", running.addr)?;
        out.flush()?;
    }
    shutdown_signal().await;
    let grace = running.state.limits.drain_grace;
    tracing::info!(
        grace_ms = grace.as_millis() as u64,
        "draining, then shutting down"
    );
    running.drain(grace).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

#[cfg(test)]
mod tests {
    use super::parse_ttl;

    #[test]
    fn ttl_parses_units_and_refuses_nonsense() {
        // (input, seconds or an error)
        let cases: &[(&str, Option<i64>)] = &[
            ("30", Some(30)),
            ("30s", Some(30)),
            ("30m", Some(1800)),
            ("8h", Some(28_800)),
            ("7d", Some(604_800)),
            ("0", None),
            ("-5m", None),
            ("5w", None),
            ("h", None),
            ("", None),
            ("99999999999999999d", None),
        ];
        for (input, want) in cases {
            assert_eq!(parse_ttl(input).ok(), *want, "{input:?}");
        }
    }
}
