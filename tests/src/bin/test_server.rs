//! Helper for the fault tests: a real server process to kill. Seeds the demo office on
//! first start, then prints `listening on ADDR`, one JSON line per person with a token, and `ready`.
//! Usage: `test-server <data dir> <listen addr>`

use std::io::Write;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, data, listen] = args.as_slice() else {
        return Err("usage: test-server <data dir> <listen addr>".into());
    };
    let state = baoxiu_server::open(std::path::Path::new(data))?;
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
