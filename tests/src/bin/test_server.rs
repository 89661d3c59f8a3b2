//! Helper for the fault tests: a real server process to kill. Seeds the demo office on
//! first start, then prints `listening on ADDR`, one JSON line per person with a token, and `ready`.
//! Usage: `test-server <data dir> <listen addr> [<postgres url>]` (a node over that
//! database, its own files in the data directory).

use std::io::Write;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (data, listen, database) = match args.as_slice() {
        [_, data, listen] => (data, listen, None),
        [_, data, listen, url] => (data, listen, Some(url)),
        _ => return Err("usage: test-server <data dir> <listen addr> [<postgres url>]".into()),
    };
    let (data, database) = (std::path::PathBuf::from(data), database.cloned());
    // The blocking PostgreSQL client must not run on the async threads.
    let state = tokio::task::spawn_blocking(move || match database {
        None => baoxiu_server::open(&data),
        Some(url) => baoxiu_server::open_postgres(&data, &url),
    })
    .await??;
    let logins = baoxiu_server::devtools::demo::seed(&state).await?;
    let running = baoxiu_server::start(state, listen.parse()?).await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on {}", running.addr)?;
    for l in logins {
        let line = serde_json::json!({
            "role": l.person.role.as_str(),
            "user": l.person.id.to_string(),
            "device": l.device.map(|d| d.to_string()),
            "token": l.token,
        });
        writeln!(out, "{line}")?;
    }
    writeln!(out, "ready")?;
    out.flush()?;
    drop(out);
    std::future::pending::<()>().await;
    Ok(())
}
