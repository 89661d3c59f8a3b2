//! An in-process server on port 0 with two offices and their people, HTTP helpers, and a
//! test sync client (sync-core's `ClientSession` over a real WebSocket).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use baoxiu_server::{AppState, Running, auth};
use baoxiu_sync_core::protocol::{Frame, MAX_DOWNLOAD_FRAME_BYTES};
use baoxiu_sync_core::session::{ClientSession, Outcome};
use baoxiu_sync_core::{
    Author, Clock, DeviceId, Millis, Office, OfficeId, Person, Role, Store, UserId,
};
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

#[derive(Debug, Clone)]
pub struct Login {
    pub person: Person,
    pub device: DeviceId,
    pub token: String,
}

impl Login {
    pub fn author(&self) -> Author {
        Author {
            user: self.person.id,
            device: self.device,
            role: self.person.role,
        }
    }
}

/// The server's clock in tests: the system's, until a test sets "now".
#[derive(Debug, Default)]
pub struct TestClock {
    /// 0: follow the system clock.
    fixed: AtomicI64,
}

impl TestClock {
    pub fn set(&self, now: Millis) {
        self.fixed.store(now, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> Millis {
        match self.fixed.load(Ordering::SeqCst) {
            0 => chrono::Utc::now().timestamp_millis(),
            t => t,
        }
    }
}

#[derive(Debug)]
pub struct TestServer {
    pub dir: tempfile::TempDir,
    pub running: Option<Running>,
    pub clock: Arc<TestClock>,
    /// `people["a.dispatcher"]`, `people["b.tech1"]`, …
    pub people: HashMap<String, Login>,
    pub http: reqwest::Client,
}

fn office(name: &str) -> Office {
    Office {
        id: OfficeId::new(),
        name: name.into(),
        time_zone: "Asia/Taipei".into(),
        currency: "TWD".into(),
    }
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(baoxiu_server::Limits::default()).await
    }

    /// A server with other connection limits (short timeouts for tests of them).
    pub async fn start_with(limits: baoxiu_server::Limits) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(TestClock::default());
        let state = baoxiu_server::open_with_clock(dir.path(), clock.clone()).unwrap();
        Self::start_on(state, dir, clock, limits).await
    }

    /// A node over the (migrated) PostgreSQL database at `url`, on the system clock;
    /// sharing `peer`'s signing key when given (nodes of one database share theirs).
    pub async fn start_postgres(
        url: &str,
        limits: baoxiu_server::Limits,
        peer: Option<&TestServer>,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        if let Some(p) = peer {
            std::fs::copy(
                p.data_dir().join("signing.key"),
                dir.path().join("signing.key"),
            )
            .unwrap();
        }
        let (path, url) = (dir.path().to_owned(), url.to_owned());
        let state = tokio::task::spawn_blocking(move || baoxiu_server::open_postgres(&path, &url))
            .await
            .unwrap()
            .unwrap();
        Self::start_on(state, dir, Arc::new(TestClock::default()), limits).await
    }

    /// Seeds two offices and their people through `state`, and serves it.
    async fn start_on(
        mut state: AppState,
        dir: tempfile::TempDir,
        clock: Arc<TestClock>,
        limits: baoxiu_server::Limits,
    ) -> Self {
        state.limits = limits;
        let offices = [office("信義華廈管理處"), office("大安大樓管理處")];
        let mut people = HashMap::new();
        for (prefix, o) in [("a", &offices[0]), ("b", &offices[1])] {
            state.store.upsert_office(o.clone()).await.unwrap();
            for (key, role, specialties, zone) in [
                ("desk", Role::FrontDesk, vec![], None),
                ("administrator", Role::Administrator, vec![], None),
                ("dispatcher", Role::Dispatcher, vec![], None),
                ("supervisor", Role::Supervisor, vec![], None),
                ("finance", Role::Finance, vec![], None),
                ("admin", Role::Admin, vec![], None),
                (
                    "tech1",
                    Role::Technician,
                    vec!["plumbing".to_string()],
                    Some("A棟".to_string()),
                ),
                (
                    "tech2",
                    Role::Technician,
                    vec!["electrical".to_string()],
                    Some("B棟".to_string()),
                ),
            ] {
                let p = Person {
                    id: UserId::new(),
                    name: format!("{prefix}-{key}"),
                    role,
                    office: o.id,
                    specialties,
                    zone,
                    token_version: 0,
                    active: true,
                };
                state.store.upsert_user(p.clone()).await.unwrap();
                let device = DeviceId::new();
                let token = sign(&state, &p, Some(device));
                people.insert(
                    format!("{prefix}.{key}"),
                    Login {
                        person: p,
                        device,
                        token,
                    },
                );
            }
        }
        let running = baoxiu_server::start(state, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        TestServer {
            dir,
            running: Some(running),
            clock,
            people,
            http: reqwest::Client::new(),
        }
    }

    /// Adds a technician to office `a` or `b` with a device and token.
    pub async fn add_technician(&self, office: &str, name: &str) -> Login {
        self.add_person(office, name, Role::Technician).await
    }

    /// Adds a person of `role` to office `a` or `b` with a device and token.
    pub async fn add_person(&self, office: &str, name: &str, role: Role) -> Login {
        let office_id = self.who(&format!("{office}.desk")).person.office;
        let specialties = if role == Role::Technician {
            vec!["plumbing".into()]
        } else {
            Vec::new()
        };
        let p = Person {
            id: UserId::new(),
            name: name.into(),
            role,
            office: office_id,
            specialties,
            zone: None,
            token_version: 0,
            active: true,
        };
        self.state().store.upsert_user(p.clone()).await.unwrap();
        let device = DeviceId::new();
        let token = sign(self.state(), &p, Some(device));
        Login {
            person: p,
            device,
            token,
        }
    }

    /// Submits every change of `doc` through the same validation as a device, each by the
    /// person whose device wrote it (in causal order). `people` are the authors' logins.
    pub async fn submit_doc(&self, doc: &baoxiu_sync_core::WorkOrderDoc, people: &[&Login]) {
        use baoxiu_sync_core::doc::actor_for;
        use baoxiu_sync_core::protocol::OrderChanges;
        use baoxiu_sync_core::validate::Submitter;
        for change in doc.all_changes() {
            let login = people
                .iter()
                .find(|l| &actor_for(l.device) == change.actor_id())
                .expect("an author for every change");
            let who = Submitter {
                author: login.author(),
                office: login.person.office,
            };
            let batch = vec![OrderChanges {
                order: doc.order_id(),
                changes: vec![change.raw_bytes().to_vec()],
            }];
            self.state()
                .store
                .submit(who, batch, self.state().now())
                .await
                .unwrap();
        }
    }

    /// Sets the server's "now" to noon of `day` (YYYY-MM-DD) in Asia/Taipei, the test
    /// offices' zone.
    pub fn set_today(&self, day: &str) {
        let noon = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis()
            - 8 * 3_600_000;
        self.clock.set(noon);
    }

    /// Which store the server runs on, for reports.
    pub fn backend(&self) -> &'static str {
        if self.state().cluster.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    }

    pub fn state(&self) -> &AppState {
        &self.running.as_ref().unwrap().state
    }

    pub fn who(&self, key: &str) -> &Login {
        &self.people[key]
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.running.as_ref().unwrap().addr)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/sync", self.running.as_ref().unwrap().addr)
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().to_owned()
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method.parse().unwrap(), self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    pub async fn as_(
        &self,
        who: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let token = self.who(who).token.clone();
        self.call(method, path, Some(&token), body).await
    }

    /// Logs an order in office `a` or `b` and takes it to the given stage:
    /// "logged", "received", "priced", "assigned" (to `tech`), "scheduled".
    pub async fn order(&self, office: &str, stage: &str, tech: &str) -> String {
        let (s, v) = self
            .as_(
                &format!("{office}.desk"),
                "POST",
                "/api/v1/orders",
                Some(json!({"customer": {"name": "王小明", "unit": "A棟-12F-3", "phone": "0912"}, "channel": "phone", "description": "廚房水龍頭漏水"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let id = v["id"].as_str().unwrap().to_owned();
        let d = format!("{office}.dispatcher");
        let steps: Vec<(&str, Option<Value>)> = vec![
            ("receive", None),
            (
                "pricing",
                Some(
                    json!({"paid": true, "items": [{"description": "換水龍頭", "materials": 12000, "labour": 5000}]}),
                ),
            ),
            (
                "assign",
                Some(json!({"technicians": [self.who(&format!("{office}.{tech}")).person.id]})),
            ),
            ("appointment", Some(json!({"at": chrono_now() + 3_600_000}))),
        ];
        let upto = match stage {
            "logged" => 0,
            "received" => 1,
            "priced" => 2,
            "assigned" => 3,
            _ => 4,
        };
        for (path, body) in steps.into_iter().take(upto) {
            let (s, v) = self
                .as_(&d, "POST", &format!("/api/v1/orders/{id}/{path}"), body)
                .await;
            assert_eq!(s, StatusCode::OK, "{path}: {v}");
        }
        id
    }
}

pub fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

pub fn sign(state: &AppState, p: &Person, device: Option<DeviceId>) -> String {
    let device = if p.role == Role::Technician || device.is_some() {
        device
    } else {
        None
    };
    state
        .keys
        .sign(&auth::claims(
            p.id,
            p.role,
            p.office,
            device,
            p.token_version,
            3600,
        ))
        .unwrap()
}

/// A phone: its own store and a sync session.
#[derive(Debug)]
pub struct Phone {
    pub login: Login,
    pub store: Store,
    pub session: ClientSession,
    /// Frames this phone sent and received on its last `sync`.
    pub sent: usize,
    pub received: usize,
    pub bytes_sent: usize,
    pub bytes_received: usize,
    /// The largest frame received on the last `sync`.
    pub largest_received: usize,
}

impl Phone {
    pub fn new(login: &Login, dir: &Path) -> Self {
        let path = dir.join(format!("{}-{}.db", login.person.name, login.device));
        Self::with_store(login, Store::open(&path, login.author()).unwrap())
    }

    /// A phone whose store lives in memory (for benchmarks with many phones).
    pub fn in_memory(login: &Login) -> Self {
        Self::with_store(
            login,
            Store::open(Path::new(":memory:"), login.author()).unwrap(),
        )
    }

    /// A phone over a store the caller opened (e.g. with a test clock).
    pub fn with_store(login: &Login, store: Store) -> Self {
        Phone {
            login: login.clone(),
            store,
            session: ClientSession::new(),
            sent: 0,
            received: 0,
            bytes_sent: 0,
            bytes_received: 0,
            largest_received: 0,
        }
    }

    /// Opens a WebSocket to `/sync` with this phone's token. The future does not borrow
    /// the phone, so phones can sync from many tasks at once.
    pub fn connect(&self, url: &str) -> impl Future<Output = Ws> + Send + 'static {
        let token = self.login.token.clone();
        let url = url.to_owned();
        async move {
            let mut req =
                tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
                    url.as_str(),
                )
                .unwrap();
            req.headers_mut()
                .insert("Authorization", format!("Bearer {token}").parse().unwrap());
            let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
                .max_message_size(Some(MAX_DOWNLOAD_FRAME_BYTES))
                .max_frame_size(Some(MAX_DOWNLOAD_FRAME_BYTES));
            let (ws, _) = tokio_tungstenite::connect_async_with_config(req, Some(config), false)
                .await
                .unwrap();
            ws
        }
    }

    pub async fn send(&mut self, ws: &mut Ws, f: &Frame) {
        let b = f.encode();
        self.sent += 1;
        self.bytes_sent += b.len();
        ws.send(Message::Binary(b.into())).await.unwrap();
    }

    /// The next protocol frame, or None when the server closed (or said nothing for 20 s).
    pub async fn recv(&mut self, ws: &mut Ws) -> Option<Frame> {
        loop {
            let m = tokio::time::timeout(std::time::Duration::from_secs(20), ws.next())
                .await
                .ok()??
                .ok()?;
            if let Message::Binary(b) = m {
                self.received += 1;
                self.bytes_received += b.len();
                self.largest_received = self.largest_received.max(b.len());
                return Some(Frame::decode(&b, MAX_DOWNLOAD_FRAME_BYTES).unwrap());
            }
        }
    }

    /// Connects, says hello, applies the welcome, and keeps going until nothing of ours
    /// is in flight. Returns every outcome.
    pub async fn sync(&mut self, url: &str) -> Vec<Outcome> {
        self.sent = 0;
        self.received = 0;
        self.bytes_sent = 0;
        self.bytes_received = 0;
        self.largest_received = 0;
        let mut ws = self.connect(url).await;
        let hello = self.session.hello(&self.store, chrono_now()).unwrap();
        self.send(&mut ws, &hello).await;
        let mut outcomes = Vec::new();
        let mut waiting = 0usize;
        let mut need_welcome = true;
        loop {
            let Some(f) = self.recv(&mut ws).await else {
                break;
            };
            if matches!(f, Frame::Welcome(_)) {
                need_welcome = false;
            }
            let is_reply = matches!(f, Frame::Ack(_) | Frame::Error(_));
            let out = self
                .session
                .handle(&mut self.store, f, chrono_now())
                .unwrap();
            if is_reply && waiting > 0 {
                waiting -= 1;
            }
            for s in &out.send {
                self.send(&mut ws, s).await;
                waiting += 1;
            }
            outcomes.push(out);
            if !need_welcome && waiting == 0 && self.session.is_caught_up() {
                break;
            }
        }
        let _ = ws.close(None).await;
        outcomes
    }
}
