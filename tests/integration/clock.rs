//! R-CLOCK against the server's clock (issue "Hardening", item 4): a fact whose time is
//! later than its receipt by more than the bound is kept, flagged, and timed at its
//! receipt — through a fact the server records in the document, so every replica's
//! reducer agrees.

use baoxiu_sync_core::EventBody as E;
use baoxiu_sync_core::order_state::CLOCK_AHEAD_LIMIT_MS;

use crate::hardening::{fact_json, raw_append, submit_raw};
use crate::server_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fact_timed_after_its_receipt_is_kept_flagged_and_timed_at_receipt() {
    let srv = TestServer::start().await;
    let id = srv.order("a", "scheduled", "tech1").await;
    let tech = srv.who("a.tech1").clone();
    let now = srv.state().now();
    let clock_flags = |v: &serde_json::Value| -> Vec<String> {
        v["state"]["anomalies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["rule"] == "R-CLOCK")
            .map(|a| a["event"].as_str().unwrap_or_default().to_owned())
            .collect()
    };

    // Within the bound (a phone a few minutes fast): trusted as it is.
    let near = fact_json(
        &tech,
        now + CLOCK_AHEAD_LIMIT_MS / 2,
        Some(0),
        E::Note {
            text: "a few minutes fast".into(),
        },
    );
    let change = raw_append(&srv, &id, "a.tech1", near).await;
    assert_eq!(
        submit_raw(&srv, &id, "a.tech1", change)
            .await
            .unwrap()
            .len(),
        1
    );
    let (_, v) = srv
        .as_("a.dispatcher", "GET", &format!("/api/v1/orders/{id}"), None)
        .await;
    assert!(clock_flags(&v).is_empty(), "{v}");

    // A day ahead of the server, yet well inside the order's own window: before, taken
    // as it was. Now kept (the device's change alone is acked), flagged, timed at receipt.
    let at = now + 86_400_000;
    let arrived: serde_json::Value = serde_json::from_str(&fact_json(
        &tech,
        at,
        Some(0),
        E::Arrived {
            confirmed_items: vec!["水龍頭".into()],
        },
    ))
    .unwrap();
    let change = raw_append(&srv, &id, "a.tech1", arrived.to_string()).await;
    assert_eq!(
        submit_raw(&srv, &id, "a.tech1", change)
            .await
            .unwrap()
            .len(),
        1
    );
    let (_, v) = srv
        .as_("a.dispatcher", "GET", &format!("/api/v1/orders/{id}"), None)
        .await;
    assert_eq!(
        clock_flags(&v),
        vec![arrived["id"].as_str().unwrap().to_owned()],
        "{v}"
    );
    // The timeline still says what the device said.
    let entry = v["state"]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["event"] == arrived["id"])
        .unwrap()
        .clone();
    assert_eq!(entry["device_at"].as_i64(), Some(at));
    // The server's own fact is in the document, by the system, for every replica.
    let last = v["state"]["timeline"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["kind"], "time_doubted", "{last}");
    assert_eq!(last["author"]["role"], "system", "{last}");
    // Timed at its receipt, not at the device's claim.
    let received = last["device_at"].as_i64().unwrap();
    assert!(received >= now && received < at, "{received}");
    assert_eq!(v["state"]["arrival"]["at"].as_i64(), Some(received), "{v}");
}
