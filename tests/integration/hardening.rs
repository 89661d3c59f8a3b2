//! Hostile input at the HTTP edge and on the sync path: each test is named after the
//! invariant it defends, and failed before its fix.

use reqwest::StatusCode;
use serde_json::json;

use crate::server_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_one_is_given_the_system_role_and_every_route_checks_roles() {
    let srv = TestServer::start().await;
    let (s, v) = srv
        .as_(
            "a.admin",
            "POST",
            "/api/v1/users",
            Some(json!({"name": "root", "role": "system"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["code"], "invalid");
    let (s, _) = srv
        .as_(
            "a.admin",
            "POST",
            "/api/v1/users",
            Some(json!({"name": "新同事", "role": "front_desk"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    // The calendar is read by the people who work with deadlines, not by technicians.
    let (s, _) = srv.as_("a.tech1", "GET", "/api/v1/calendar", None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = srv.as_("a.desk", "GET", "/api/v1/calendar", None).await;
    assert_eq!(s, StatusCode::OK);
}

/// Logs one request in `office` and returns its id.
async fn log_request(srv: &TestServer, office: &str) -> String {
    let (s, v) = srv
        .as_(
            &format!("{office}.desk"),
            "POST",
            "/api/v1/orders",
            Some(
                json!({"customer": {"name": "住戶", "unit": "A棟-1F-1", "phone": "0912"},
                        "channel": "phone", "description": "走廊燈不亮"}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_carries_only_what_the_caller_may_read() {
    let srv = TestServer::start().await;
    let mut stream = srv
        .http
        .get(srv.url("/api/v1/events"))
        .bearer_auth(&srv.who("b.dispatcher").token)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    // Both offices log requests at once, so commits group orders of both offices.
    let mut tasks = Vec::new();
    let srv = std::sync::Arc::new(srv);
    for i in 0..60 {
        let srv = srv.clone();
        let office = if i % 2 == 0 { "a" } else { "b" };
        tasks.push(tokio::spawn(async move {
            (office, log_request(&srv, office).await)
        }));
    }
    let mut mine = std::collections::HashSet::new();
    let mut theirs = std::collections::HashSet::new();
    for t in tasks {
        let (office, id) = t.await.unwrap();
        if office == "b" {
            mine.insert(id);
        } else {
            theirs.insert(id);
        }
    }
    // Read the stream until every one of office b's orders was announced.
    let mut seen = std::collections::HashSet::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut text = String::new();
    while !mine.is_subset(&seen) {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("every own order announced in time")
            .unwrap()
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
        for line in text.lines().filter_map(|l| l.strip_prefix("data:")) {
            seen.extend(line.trim().split(',').map(str::to_owned));
        }
    }
    let leaked: Vec<&String> = seen.intersection(&theirs).collect();
    assert!(
        leaked.is_empty(),
        "office a's orders leaked to b: {leaked:?}"
    );
    // A technician has no console and no stream.
    let (s, _) = srv.as_("b.tech1", "GET", "/api/v1/events", None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

/// A SQLite store of its own (for its test hooks), with the demo office seeded.
pub(crate) async fn demo_store() -> (
    tempfile::TempDir,
    baoxiu_server::SqliteStore,
    baoxiu_server::AppState,
    Vec<baoxiu_server::devtools::demo::DemoLogin>,
) {
    let dir = tempfile::tempdir().unwrap();
    let store = baoxiu_server::SqliteStore::open(&baoxiu_server::db_path(dir.path())).unwrap();
    let state = baoxiu_server::AppState::new(
        std::sync::Arc::new(store.clone()),
        baoxiu_server::Keys::load_or_create(dir.path()).unwrap(),
        std::sync::Arc::new(baoxiu_sync_core::SystemClock),
    );
    let logins = baoxiu_server::devtools::demo::seed(&state).await.unwrap();
    (dir, store, state, logins)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_cannot_commit_is_unready_and_writes_are_503_not_500() {
    let (_dir, store, state, logins) = demo_store().await;
    let running = baoxiu_server::start(state, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let base = format!("http://{}", running.addr);
    let desk = logins
        .iter()
        .find(|l| l.person.role == baoxiu_sync_core::Role::FrontDesk)
        .unwrap();
    let http = reqwest::Client::new();
    let intake = || {
        http.post(format!("{base}/api/v1/orders"))
            .bearer_auth(&desk.token)
            .json(
                &json!({"customer": {"name": "王", "unit": "A棟-1F", "phone": "0912"},
                          "channel": "phone", "description": "漏水"}),
            )
            .send()
    };
    let get = |path: &str| http.get(format!("{base}{path}")).send();
    assert_eq!(get("/readyz").await.unwrap().status(), StatusCode::OK);

    // The disk turns read-only.
    store.set_read_only(true).await.unwrap();
    assert_eq!(
        get("/healthz").await.unwrap().status(),
        StatusCode::OK,
        "alive"
    );
    let ready = get("/readyz").await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable");
    let res = intake().await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable");

    // Space and writes return.
    store.set_read_only(false).await.unwrap();
    assert_eq!(get("/readyz").await.unwrap().status(), StatusCode::OK);
    assert_eq!(intake().await.unwrap().status(), StatusCode::CREATED);
    running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_is_sent_with_security_headers() {
    let srv = TestServer::start().await;
    for path in ["/", "/app.js", "/api/v1/me"] {
        let res = srv
            .http
            .get(srv.url(path))
            .bearer_auth(&srv.who("a.dispatcher").token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert!(h.contains_key("x-request-id"), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_never_travel_in_urls_and_streams_open_with_short_tickets() {
    let srv = TestServer::start().await;
    let token = srv.who("a.dispatcher").token.clone();
    // A bearer token in the query string is not accepted, on any route.
    for path in ["/api/v1/orders", "/api/v1/events", "/sync"] {
        let (s, v) = srv
            .call("GET", &format!("{path}?access_token={token}"), None, None)
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{path}: {v}");
    }
    // A ticket opens the event stream, and only a stream.
    let (s, v) = srv
        .as_("a.dispatcher", "POST", "/api/v1/tickets", None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["expires_in"], 60);
    let ticket = v["ticket"].as_str().unwrap().to_owned();
    let res = srv
        .http
        .get(srv.url(&format!("/api/v1/events?ticket={ticket}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    drop(res);
    let (s, _) = srv
        .call(
            "GET",
            &format!("/api/v1/orders?ticket={ticket}"),
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "a ticket is not for the API");
    let (s, _) = srv.call("GET", "/api/v1/orders", Some(&ticket), None).await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "a ticket is not a bearer token"
    );
    // Metrics are for the people who run the service.
    let (s, _) = srv.call("GET", "/metrics", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = srv.as_("a.tech1", "GET", "/metrics", None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = srv.as_("a.supervisor", "GET", "/metrics", None).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_is_the_error_body_with_a_request_id() {
    let srv = TestServer::start().await;
    let big = "x".repeat(2 * 1024 * 1024);
    let cases: Vec<(&str, &str, Option<serde_json::Value>, StatusCode, &str)> = vec![
        (
            "GET",
            "/no/such/route",
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "DELETE",
            "/api/v1/orders",
            None,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            "GET",
            "/api/v1/orders?limit=lots",
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            "GET",
            "/api/v1/stats",
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            "POST",
            "/api/v1/orders",
            Some(json!({"nope": 1})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            "POST",
            "/api/v1/orders",
            Some(json!({"description": big})),
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
        (
            "GET",
            "/api/v1/orders/not-an-id",
            None,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    // A connection per request: the server closes one whose oversize body it did not read
    // (413), and a pooled client would race to reuse it for the next request.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    for (method, path, body, status, code) in cases {
        let res = http
            .request(method.parse().unwrap(), srv.url(path))
            .bearer_auth(&srv.who("a.dispatcher").token);
        let res = match body {
            Some(b) => res.json(&b),
            None => res,
        }
        .send()
        .await
        .unwrap();
        assert_eq!(res.status(), status, "{method} {path}");
        let header_id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let v: serde_json::Value = res.json().await.unwrap();
        assert_eq!(v["error"]["code"], code, "{method} {path}: {v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
        assert_eq!(
            v["error"]["request_id"],
            header_id.as_str(),
            "{method} {path}"
        );
    }
}

/// Whether the server closes `ws` within `ms` (a close frame or the end of the stream),
/// as opposed to staying silent.
async fn closed_within(ws: &mut Ws, ms: u64) -> bool {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let wait = async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => continue,
            }
        }
    };
    tokio::time::timeout(std::time::Duration::from_millis(ms), wait)
        .await
        .is_ok()
}

/// A technician's phone with an open, welcomed sync session.
async fn open_session(srv: &TestServer, dir: &std::path::Path, who: &str) -> (Phone, Ws) {
    let mut phone = Phone::new(srv.who(who), dir);
    phone.sync(&srv.ws_url()).await;
    let mut ws = phone.connect(&srv.ws_url()).await;
    let hello = phone.session.hello(&phone.store, chrono_now()).unwrap();
    phone.send(&mut ws, &hello).await;
    let welcome = phone.recv(&mut ws).await.unwrap();
    phone
        .session
        .handle(&mut phone.store, welcome, chrono_now())
        .unwrap();
    (phone, ws)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_user_s_open_session_stores_nothing_more() {
    let srv = TestServer::start().await;
    let id = srv.order("a", "scheduled", "tech1").await;
    let dir = tempfile::tempdir().unwrap();
    let (mut phone, mut ws) = open_session(&srv, dir.path(), "a.tech1").await;
    let mut events = srv
        .http
        .get(srv.url("/api/v1/events"))
        .bearer_auth(&srv.who("a.dispatcher").token)
        .send()
        .await
        .unwrap();
    let before = srv.state().store.log_len().await.unwrap();
    // The technician leaves; the admin deactivates them while the phone is connected.
    let tech = srv.who("a.tech1").person.id;
    let (s, _) = srv
        .as_(
            "a.admin",
            "POST",
            &format!("/api/v1/users/{tech}/deactivate"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    phone
        .store
        .add_note(id.parse().unwrap(), "離職後的紀錄".into())
        .unwrap();
    if let Some(push) = phone.session.push_pending(&phone.store).unwrap() {
        // The socket may already be closed: then the push cannot even be sent.
        let _ = futures_util::SinkExt::send(
            &mut ws,
            tokio_tungstenite::tungstenite::Message::Binary(push.encode().into()),
        )
        .await;
    }
    // No ack: the session ends instead, and nothing was stored.
    let reply = phone.recv(&mut ws).await;
    assert!(
        !matches!(reply, Some(baoxiu_sync_core::protocol::Frame::Ack(_))),
        "{reply:?}"
    );
    assert_eq!(srv.state().store.log_len().await.unwrap(), before);
    // A revoked dispatcher's event stream ends too.
    let disp = srv.who("a.dispatcher").person.id;
    srv.as_(
        "a.admin",
        "POST",
        &format!("/api/v1/users/{disp}/deactivate"),
        None,
    )
    .await;
    let end = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while let Ok(Some(_)) = events.chunk().await {}
    })
    .await;
    assert!(end.is_ok(), "the event stream ended");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_live_session_per_device_and_silent_sessions_end() {
    let limits = baoxiu_server::Limits {
        ws_ping_every: std::time::Duration::from_millis(100),
        ws_idle: std::time::Duration::from_millis(500),
        ..Default::default()
    };
    let srv = TestServer::start_with(limits).await;
    srv.order("a", "scheduled", "tech1").await;
    let dir = tempfile::tempdir().unwrap();
    let (mut first, mut ws1) = open_session(&srv, dir.path(), "a.tech1").await;
    // The same device connects again (a new app start): the older session ends.
    let dir2 = tempfile::tempdir().unwrap();
    let (_second, ws2) = open_session(&srv, dir2.path(), "a.tech1").await;
    assert!(closed_within(&mut ws1, 2000).await, "older session closed");
    let _ = &mut first;
    drop(ws2);
    // A session whose peer answers nothing (no pongs: this socket is never read) ends.
    let (_third, mut ws3) = open_session(&srv, dir.path(), "a.tech1").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(closed_within(&mut ws3, 2000).await, "idle session closed");
}

/// Reads from a raw connection until the server closes it; true if that happens in time.
async fn server_closes(stream: &mut tokio::net::TcpStream, ms: u64) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 1024];
    let wait = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => continue,
            }
        }
    };
    tokio::time::timeout(std::time::Duration::from_millis(ms), wait)
        .await
        .is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_and_dribbling_sockets_are_closed() {
    use tokio::io::AsyncWriteExt;
    let limits = baoxiu_server::Limits {
        header_read_timeout: std::time::Duration::from_millis(300),
        idle_timeout: std::time::Duration::from_millis(300),
        ..Default::default()
    };
    let srv = TestServer::start_with(limits).await;
    let addr = srv.running.as_ref().unwrap().addr;
    let mut silent = tokio::net::TcpStream::connect(addr).await.unwrap();
    assert!(server_closes(&mut silent, 3000).await, "a silent socket");
    let mut dribble = tokio::net::TcpStream::connect(addr).await.unwrap();
    dribble
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    assert!(server_closes(&mut dribble, 3000).await, "half a header");
    // An honest client is unaffected.
    let (s, _) = srv.call("GET", "/healthz", None, None).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_bound_get_a_clear_503() {
    let limits = baoxiu_server::Limits {
        max_connections: 3,
        ..Default::default()
    };
    let srv = TestServer::start_with(limits).await;
    let addr = srv.running.as_ref().unwrap().addr;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(tokio::net::TcpStream::connect(addr).await.unwrap());
    }
    // Give the server a moment to accept them.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let res = reqwest::Client::new()
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(v["error"]["code"], "unavailable");
    // A freed place is taken again.
    held.clear();
    let mut ok = false;
    for _ in 0..50 {
        let res = reqwest::Client::new()
            .get(format!("http://{addr}/healthz"))
            .send()
            .await
            .unwrap();
        if res.status() == StatusCode::OK {
            ok = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(ok);
}

/// A fact by `who` as a device would write it (JSON), with any time and offset.
pub(crate) fn fact_json(
    who: &Login,
    at: i64,
    offset: Option<i64>,
    body: baoxiu_sync_core::EventBody,
) -> String {
    baoxiu_sync_core::Event {
        id: baoxiu_sync_core::EventId::new(),
        author: who.author(),
        at,
        offset,
        body,
    }
    .to_json()
}

/// A change from `who`'s device appending `fact` (any string) to order `id`'s event list,
/// built with Automerge directly, as a hostile client would; compressed when Automerge
/// finds it worth it.
pub(crate) async fn raw_append(srv: &TestServer, id: &str, who: &str, fact: String) -> Vec<u8> {
    use automerge::ReadDoc;
    let bytes = srv
        .state()
        .store
        .document(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let device = srv.who(who).device;
    let mut doc = automerge::AutoCommit::load(&bytes)
        .unwrap()
        .with_actor(baoxiu_sync_core::doc::actor_for(device));
    let (_, events) = doc.get(automerge::ROOT, "events").unwrap().unwrap();
    let len = doc.length(&events);
    automerge::transaction::Transactable::insert(&mut doc, &events, len, fact).unwrap();
    let mut change = doc.get_last_local_change().unwrap();
    change.bytes().into_owned()
}

pub(crate) async fn submit_raw(
    srv: &TestServer,
    id: &str,
    who: &str,
    change: Vec<u8>,
) -> Result<Vec<[u8; 32]>, baoxiu_server::store::SubmitError> {
    let login = srv.who(who);
    srv.state()
        .store
        .submit(
            baoxiu_sync_core::validate::Submitter {
                author: login.author(),
                office: login.person.office,
            },
            vec![baoxiu_sync_core::protocol::OrderChanges {
                order: id.parse().unwrap(),
                changes: vec![change],
            }],
            srv.state().now(),
        )
        .await
}

pub(crate) fn refused_as(r: Result<Vec<[u8; 32]>, baoxiu_server::store::SubmitError>, code: &str) {
    match r {
        Err(baoxiu_server::store::SubmitError::Refused { refusal, .. }) => {
            assert_eq!(format!("{:?}", refusal.code), code, "{}", refusal.message)
        }
        other => panic!("expected a refusal {code}, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sizes_are_checked_after_decompression_and_checksums_verified() {
    let srv = TestServer::start().await;
    let id = srv.order("a", "scheduled", "tech1").await;
    let before = srv.state().store.log_len().await.unwrap();
    // A well-formed note of 2 MB compresses to a few kilobytes: refused before it is
    // inflated (it used to be stored).
    let note = |text: String| {
        fact_json(
            srv.who("a.tech1"),
            chrono_now(),
            Some(0),
            baoxiu_sync_core::EventBody::Note { text },
        )
    };
    let bomb = raw_append(&srv, &id, "a.tech1", note("x".repeat(2_000_000))).await;
    assert!(bomb.len() < 64 * 1024, "compressed: {} bytes", bomb.len());
    assert_eq!(bomb[8], 2, "a compressed chunk");
    refused_as(submit_raw(&srv, &id, "a.tech1", bomb).await, "BadFrame");
    // A fact over the per-fact limit that fits in a change is refused as a bad fact.
    let big = raw_append(&srv, &id, "a.tech1", note("y".repeat(40 * 1024))).await;
    refused_as(submit_raw(&srv, &id, "a.tech1", big).await, "BadFact");
    // A change whose header checksum is wrong.
    let login = srv.who("a.tech1");
    let mut doc = baoxiu_sync_core::WorkOrderDoc::load(
        &srv.state()
            .store
            .document(id.parse().unwrap())
            .await
            .unwrap()
            .unwrap(),
        login.device,
    )
    .unwrap();
    let heads = doc.heads();
    baoxiu_sync_core::execute(
        &mut doc,
        &baoxiu_sync_core::Context {
            author: login.author(),
            now: chrono_now(),
            offset: Some(0),
        },
        baoxiu_sync_core::EventBody::Note { text: "ok".into() },
    )
    .unwrap();
    let mut good = doc.encoded_changes_since(&heads).remove(0);
    let mut tampered = good.clone();
    tampered[5] ^= 0xff;
    refused_as(submit_raw(&srv, &id, "a.tech1", tampered).await, "BadFrame");
    assert_eq!(
        srv.state().store.log_len().await.unwrap(),
        before,
        "nothing stored"
    );
    // The honest change still goes through.
    assert_eq!(
        submit_raw(&srv, &id, "a.tech1", std::mem::take(&mut good))
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fact_is_valid_or_not_whatever_door_it_came_through() {
    let srv = TestServer::start().await;
    let id = srv.order("a", "received", "tech1").await;
    let disp = srv.who("a.dispatcher").clone();
    let fact = |body| fact_json(&disp, chrono_now(), Some(0), body);
    let item = |materials: i64| baoxiu_sync_core::FeeItem {
        description: "零件".into(),
        materials: baoxiu_sync_core::Money(materials),
        labour: baoxiu_sync_core::Money(0),
        code: None,
    };
    let before = srv.state().store.log_len().await.unwrap();
    // Amounts REST refuses are refused from a device too.
    for (why, items) in [
        ("negative", vec![item(-500)]),
        ("near i64::MAX", vec![item(i64::MAX - 1), item(10)]),
        (
            "past the bound",
            vec![item(baoxiu_sync_core::rules::MAX_AMOUNT + 1)],
        ),
    ] {
        let body = baoxiu_sync_core::EventBody::Priced {
            paid: true,
            items,
            schedule: None,
        };
        let change = raw_append(&srv, &id, "a.dispatcher", fact(body)).await;
        match submit_raw(&srv, &id, "a.dispatcher", change).await {
            Err(baoxiu_server::store::SubmitError::Refused { refusal, .. }) => {
                assert!(
                    refusal.message.contains("R-PAID"),
                    "{why}: {}",
                    refusal.message
                )
            }
            other => panic!("{why}: expected a refusal, got {other:?}"),
        }
    }
    // Assignments REST refuses are refused from a device too.
    let office_b_tech = srv.who("b.tech1").person.id;
    let finance = srv.who("a.finance").person.id;
    let leaver = srv.add_technician("a", "離職技師").await;
    srv.as_(
        "a.admin",
        "POST",
        &format!("/api/v1/users/{}/deactivate", leaver.person.id),
        None,
    )
    .await;
    for (why, who) in [
        ("finance", finance),
        ("another office", office_b_tech),
        ("deactivated", leaver.person.id),
        ("nobody", baoxiu_sync_core::UserId::new()),
    ] {
        let body = baoxiu_sync_core::EventBody::Assigned {
            technicians: vec![who],
            reason: String::new(),
        };
        let change = raw_append(&srv, &id, "a.dispatcher", fact(body)).await;
        match submit_raw(&srv, &id, "a.dispatcher", change).await {
            Err(baoxiu_server::store::SubmitError::Refused { refusal, .. }) => {
                assert!(
                    refusal.message.contains("R-DISPATCH"),
                    "{why}: {}",
                    refusal.message
                )
            }
            other => panic!("{why}: expected a refusal, got {other:?}"),
        }
        let (s, _) = srv
            .as_(
                "a.dispatcher",
                "POST",
                &format!("/api/v1/orders/{id}/assign"),
                Some(json!({"technicians": [who]})),
            )
            .await;
        // Well formed, but no one the office can assign: a conflict on the REST door.
        assert_eq!(s, StatusCode::CONFLICT, "REST, {why}");
    }
    assert_eq!(srv.state().store.log_len().await.unwrap(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_absurd_order_cannot_fail_an_office_s_figures() {
    let srv = TestServer::start().await;
    let id = srv.order("a", "scheduled", "tech1").await;
    // A projection row as an older build could have stored it (before the bounds).
    let month = chrono::DateTime::from_timestamp_millis(chrono_now())
        .unwrap()
        .format("%Y-%m")
        .to_string();
    let db = rusqlite::Connection::open(baoxiu_server::db_path(&srv.data_dir())).unwrap();
    db.execute(
        "UPDATE orders SET paid = 1, total = ?2, completed_at = ?3 WHERE id = ?1",
        rusqlite::params![id, i64::MAX - 7, chrono_now()],
    )
    .unwrap();
    let other = srv.order("a", "scheduled", "tech1").await;
    db.execute(
        "UPDATE orders SET paid = 1, total = ?2, completed_at = ?3 WHERE id = ?1",
        rusqlite::params![other, i64::MAX - 7, chrono_now()],
    )
    .unwrap();
    for path in [
        format!("/api/v1/stats?month={month}"),
        format!("/api/v1/stats?month={month}&format=xlsx"),
        format!("/api/v1/register?month={month}"),
        format!("/api/v1/quality?month={month}"),
    ] {
        let (s, v) = srv.as_("a.supervisor", "GET", &path, None).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn implausible_device_times_are_kept_flagged_and_never_trusted() {
    let srv = TestServer::start().await;
    let id = srv.order("a", "scheduled", "tech1").await;
    let tech = srv.who("a.tech1").clone();
    let fact = |at, offset, body| fact_json(&tech, at, offset, body);
    let arrived = baoxiu_sync_core::EventBody::Arrived {
        confirmed_items: vec!["漏水".into()],
    };
    let note = |t: &str| baoxiu_sync_core::EventBody::Note { text: t.into() };
    for (at, offset, body) in [
        (i64::MAX, Some(i64::MAX), arrived),
        (i64::MIN, None, note("before the epoch")),
        (0, Some(i64::MIN), note("1970")),
    ] {
        let change = raw_append(&srv, &id, "a.tech1", fact(at, offset, body)).await;
        // Kept: facts that happened are never dropped, whatever their clock said.
        assert_eq!(
            submit_raw(&srv, &id, "a.tech1", change)
                .await
                .unwrap()
                .len(),
            1
        );
    }
    let (s, v) = srv
        .as_("a.dispatcher", "GET", &format!("/api/v1/orders/{id}"), None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let flagged = v["state"]["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["rule"] == "R-CLOCK")
        .count();
    assert_eq!(flagged, 3, "{v}");
    // Never trusted as is: the arrival counted is inside the order's window.
    let arrived = v["state"]["arrival"]["at"].as_i64().unwrap();
    let logged = v["state"]["logged_at"].as_i64().unwrap();
    assert!(
        arrived >= logged && arrived <= logged + 2 * 366 * 86_400_000,
        "{arrived}"
    );
    let month = chrono::DateTime::from_timestamp_millis(logged)
        .unwrap()
        .format("%Y-%m")
        .to_string();
    let (s, v) = srv
        .as_(
            "a.supervisor",
            "GET",
            &format!("/api/v1/stats?month={month}"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // An appointment is a real time, whichever door it comes through.
    let (s, v) = srv
        .as_(
            "a.dispatcher",
            "POST",
            &format!("/api/v1/orders/{id}/appointment"),
            Some(json!({"at": i64::MAX, "customer_consented": true})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"]["code"], "R-CLOCK");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_cannot_be_rewritten_by_inserting_before_known_facts() {
    use baoxiu_sync_core::{EventBody as E, FeeItem, Money, PassFail};
    let srv = TestServer::start().await;
    let id = srv.order("a", "scheduled", "tech1").await;
    let tech = srv.who("a.tech1").clone();
    let fact = |body| fact_json(&tech, chrono_now(), Some(0), body);
    let items = vec![FeeItem {
        description: "換水龍頭".into(),
        materials: Money(12000),
        labour: Money(5000),
        code: None,
    }];
    // Arrives and completes without telling the fee or getting consent: flagged.
    for body in [
        E::Arrived {
            confirmed_items: vec!["水龍頭".into()],
        },
        E::Completed {
            test_result: PassFail::Pass,
            cleaned_up: true,
            items: items.clone(),
            notes: "換好了".into(),
            schedule: None,
        },
    ] {
        let change = raw_append(&srv, &id, "a.tech1", fact(body)).await;
        submit_raw(&srv, &id, "a.tech1", change).await.unwrap();
    }
    let consent_flags = |v: &serde_json::Value| {
        v["state"]["anomalies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["rule"] == "R-CONSENT")
            .count()
    };
    let (_, v) = srv
        .as_("a.dispatcher", "GET", &format!("/api/v1/orders/{id}"), None)
        .await;
    assert!(consent_flags(&v) > 0, "{v}");
    let before = srv.state().store.log_len().await.unwrap();

    // The cover-up: fee told and consent given, inserted *before* the completion.
    let bytes = srv
        .state()
        .store
        .document(id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let mut doc = automerge::AutoCommit::load(&bytes)
        .unwrap()
        .with_actor(baoxiu_sync_core::doc::actor_for(tech.device));
    let (_, events) = automerge::ReadDoc::get(&doc, automerge::ROOT, "events")
        .unwrap()
        .unwrap();
    let len = automerge::ReadDoc::length(&doc, &events);
    let told = fact(E::FeeTold {
        paid: true,
        items: items.clone(),
        schedule: None,
    });
    let consent = fact(E::ConsentGiven);
    automerge::transaction::Transactable::insert(&mut doc, &events, len - 1, told).unwrap();
    automerge::transaction::Transactable::insert(&mut doc, &events, len, consent).unwrap();
    let cover_up = doc.get_last_local_change().unwrap().raw_bytes().to_vec();
    refused_as(
        submit_raw(&srv, &id, "a.tech1", cover_up).await,
        "NotAppendOnly",
    );
    assert_eq!(srv.state().store.log_len().await.unwrap(), before);
    let (_, v) = srv
        .as_("a.dispatcher", "GET", &format!("/api/v1/orders/{id}"), None)
        .await;
    assert!(consent_flags(&v) > 0, "the anomaly stays");

    // Two devices appending after the same tail, offline from each other: both kept.
    let note = |who: &Login, text: &str| {
        fact_json(who, chrono_now(), Some(0), E::Note { text: text.into() })
    };
    let disp = srv.who("a.dispatcher").clone();
    let from_tech = raw_append(&srv, &id, "a.tech1", note(&tech, "tech")).await;
    let from_disp = raw_append(&srv, &id, "a.dispatcher", note(&disp, "office")).await;
    assert_eq!(
        submit_raw(&srv, &id, "a.tech1", from_tech)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        submit_raw(&srv, &id, "a.dispatcher", from_disp)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversize_frame_gets_an_answer_the_device_can_act_on() {
    use baoxiu_sync_core::protocol::{ErrorCode, Frame};
    let srv = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut phone = Phone::new(srv.who("a.tech1"), dir.path());
    let mut ws = phone.connect(&srv.ws_url()).await;
    let big = vec![7u8; 5 * 1024 * 1024];
    futures_util::SinkExt::send(
        &mut ws,
        tokio_tungstenite::tungstenite::Message::Binary(big.into()),
    )
    .await
    .unwrap();
    match phone.recv(&mut ws).await {
        Some(Frame::Error(e)) => assert_eq!(e.code, ErrorCode::FrameTooLarge, "{}", e.message),
        other => panic!("expected FrameTooLarge, got {other:?}"),
    }
}

/// SIGTERM's first step (issue 14, operations): the node says it is not ready, closes its
/// live sync sessions with "going away" so the devices reconnect (to another node behind
/// the balancer), refuses new sessions and event streams, and still answers requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draining_node_sends_sessions_away_and_reports_unready() {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
    let srv = TestServer::start().await;
    let id = srv.order("a", "scheduled", "tech1").await;
    let dir = tempfile::tempdir().unwrap();
    let (_phone, mut ws) = open_session(&srv, dir.path(), "a.tech1").await;
    let (s, _) = srv.call("GET", "/readyz", None, None).await;
    assert_eq!(s, StatusCode::OK);

    srv.state().shutdown.send_replace(true);
    let close = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(f))) => return f,
                None | Some(Err(_)) => return None,
                Some(Ok(_)) => continue,
            }
        }
    })
    .await
    .expect("the session is closed");
    assert_eq!(close.map(|f| f.code), Some(CloseCode::Away));

    let (s, v) = srv.call("GET", "/readyz", None, None).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    assert_eq!(v["error"]["code"], "unavailable");
    let mut req = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
        srv.ws_url().as_str(),
    )
    .unwrap();
    let bearer = format!("Bearer {}", srv.who("a.tech1").token);
    req.headers_mut()
        .insert("Authorization", bearer.parse().unwrap());
    match tokio_tungstenite::connect_async(req).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
            assert_eq!(
                r.status(),
                StatusCode::SERVICE_UNAVAILABLE,
                "a new session is refused"
            );
        }
        other => panic!("a new session was not refused: {:?}", other.map(|_| ())),
    }
    let (s, _) = srv.as_("a.dispatcher", "GET", "/api/v1/events", None).await;
    assert_eq!(
        s,
        StatusCode::SERVICE_UNAVAILABLE,
        "a new event stream is refused"
    );
    let (s, _) = srv
        .as_("a.dispatcher", "GET", &format!("/api/v1/orders/{id}"), None)
        .await;
    assert_eq!(
        s,
        StatusCode::OK,
        "requests are still answered while draining"
    );
}
