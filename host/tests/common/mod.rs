//! Shared test helpers: a host on a free port, and a small HTTP client.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use imbot_like::{MessageId, UserId};
use imbot_like_host::{DEFAULT_WORLD, Host, Limits, serve_with};
use serde_json::Value;

/// A running host: its base URL and its state.
pub struct Server {
    pub base: String,
    pub host: Arc<Host>,
}

impl Server {
    /// A host on the compiled-in world.
    pub fn default_world() -> Self {
        Self::start(DEFAULT_WORLD)
    }

    /// Starts a host on a world, on a free port, in a background runtime
    /// that lives as long as the test process.
    pub fn start(world: &str) -> Self {
        Self::start_with(world, Limits::default(), |host| host)
    }

    /// Starts a host on a world within `limits`, after `configure` had
    /// its say on the host.
    pub fn start_with(world: &str, limits: Limits, configure: impl FnOnce(Host) -> Host) -> Self {
        let host = configure(Host::from_json(world).expect("the test world loads"));
        let host = Arc::new(host);
        let served = Arc::clone(&host);
        let base = serve_in_background(move |listener| async move {
            let stop = std::future::pending();
            serve_with(listener, served, limits, stop).await.unwrap();
        });
        Self { base, host }
    }

    /// The `host:port` the server listens on.
    pub fn address(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// The full URL of a path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Whether `user` likes `message` in the host's engine.
    pub fn liked(&self, message: u64, user: u32) -> bool {
        let (message, user) = (MessageId::new(message).unwrap(), UserId::new(user).unwrap());
        self.host.inspect(|e| e.is_liked_by(message, user))
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Answer {
        Answer::from(agent().get(&self.url(path)).call())
    }

    /// `POST path` with a body of a content type.
    pub fn post(&self, path: &str, content_type: &str, body: &str) -> Answer {
        let request = agent()
            .post(&self.url(path))
            .header("Content-Type", content_type);
        Answer::from(request.send(body))
    }

    /// `POST path` with a JSON body.
    pub fn json(&self, path: &str, body: &str) -> Answer {
        self.post(path, "application/json", body)
    }

    /// `POST path` with a form body.
    pub fn form(&self, path: &str, body: &str) -> Answer {
        self.post(path, "application/x-www-form-urlencoded", body)
    }
}

/// An HTTP client that hands back 4xx and 5xx answers instead of failing.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// A response: status, JSON body and the echoed request id.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub request_id: Option<String>,
}

impl Answer {
    /// The `error` field, or `""` for a success.
    pub fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or_default()
    }

    /// Whether this is `{"result":true,"time":{…}}` with status 200.
    pub fn is_true(&self) -> bool {
        self.status == 200 && self.body["result"] == Value::Bool(true)
    }

    /// Asserts a success with a complete time block.
    pub fn assert_true(&self) {
        assert!(self.is_true(), "{self:?}");
        let time = &self.body["time"];
        for field in ["start", "finish", "duration", "processing", "operating"] {
            assert!(time[field].is_f64(), "{field} in {self:?}");
        }
        assert!(time["operating_reset_at"].is_u64(), "{self:?}");
        for field in ["date_start", "date_finish"] {
            assert!(
                time[field].as_str().is_some_and(|d| d.len() == 25),
                "{self:?}"
            );
        }
    }

    /// Asserts an error answer with this status and code.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!((self.status, self.error()), (status, code), "{self:?}");
        assert!(self.body["error_description"].is_string(), "{self:?}");
    }
}

impl From<Result<ureq::http::Response<ureq::Body>, ureq::Error>> for Answer {
    fn from(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Self {
        let mut response = result.expect("the host answers");
        let request_id = response
            .headers()
            .get("x-request-id")
            .map(|v| v.to_str().unwrap().to_owned());
        let text = response.body_mut().read_to_string().unwrap();
        let body = serde_json::from_str(&text).expect("a JSON body");
        Self {
            status: response.status().as_u16(),
            body,
            request_id,
        }
    }
}

/// Sends raw bytes on a new connection and reads the answer until the
/// server closes the connection or `wait` passes: its status and body.
pub fn raw(address: &str, bytes: &[u8], wait: std::time::Duration) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(wait)).unwrap();
    stream.write_all(bytes).unwrap();
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    while let Ok(n) = stream.read(&mut chunk) {
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, b)| b.to_owned());
    (status, body)
}

/// The `error` code of a JSON error body.
pub fn error_code(body: &str) -> String {
    let value: Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("JSON: {body:?}"));
    assert!(value["error_description"].is_string(), "{body}");
    value["error"].as_str().unwrap_or_default().to_owned()
}
/// A local portal with settings on a free port, in a background runtime;
/// its current host at start.
pub fn start_live(
    world: &str,
    settings: imbot_like_host::Settings,
) -> (Server, Arc<imbot_like_host::LiveHost>) {
    let world = imbot_like_host::World::from_json(world).expect("the test world loads");
    let live = Arc::new(imbot_like_host::LiveHost::from_world(&world, settings).unwrap());
    let served = Arc::clone(&live);
    let base = serve_in_background(move |listener| async move {
        imbot_like_host::serve_live(listener, served).await.unwrap();
    });
    let host = live.host();
    (Server { base, host }, live)
}

/// A fresh directory under the system's temporary one, unique to this
/// process and moment.
pub fn scratch(name: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Starts the `rest_host` binary on a free port with `args` and returns
/// it with its base URL, read from the line it prints first. Its stderr
/// is kept for the caller (`Stdio::piped()`) or dropped.
pub fn spawn_host<I, A>(args: I, stderr: std::process::Stdio) -> (std::process::Child, String)
where
    I: IntoIterator<Item = A>,
    A: AsRef<std::ffi::OsStr>,
{
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rest_host"))
        .args(["--port", "0"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    (child, base)
}

/// Binds a free loopback port and runs `serve` on it in a background
/// runtime that lives as long as the test process; returns the base URL.
pub fn serve_in_background<F, Fut>(serve: F) -> String
where
    F: FnOnce(tokio::net::TcpListener) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            serve(listener).await;
        });
    });
    base
}

/// The local portal's router (on the default world with `settings`)
/// answering a GET of `path` from `peer` (with `token` as the control
/// token, if any), in process: its status and body.
pub fn through_router(
    settings: imbot_like_host::Settings,
    peer: &str,
    token: Option<&str>,
    path: &str,
) -> (u16, String) {
    use axum::body::{Body, to_bytes};
    use axum::extract::ConnectInfo;
    use tower::ServiceExt;

    let world = imbot_like_host::World::from_json(DEFAULT_WORLD).unwrap();
    let live = Arc::new(imbot_like_host::LiveHost::from_world(&world, settings).unwrap());
    let mut request = axum::http::Request::get(path).header("Host", "127.0.0.1:8080");
    if let Some(token) = token {
        request = request.header("X-Control-Token", token);
    }
    let mut request = request.body(Body::empty()).unwrap();
    let peer: std::net::SocketAddr = peer.parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    let local = std::net::SocketAddr::from(([127, 0, 0, 1], 8080));
    request
        .extensions_mut()
        .insert(imbot_like_host::guard::Listening(local));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let router = imbot_like_host::live_router(live);
        let response = router.oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    })
}

/// The ids of the events an `imbot.v2.Event.get` answer lists.
pub fn event_ids(answer: &Answer) -> Vec<u64> {
    let list = answer.body["result"]["events"].as_array();
    let list = list.unwrap_or_else(|| panic!("{answer:?}"));
    list.iter()
        .map(|e| e["eventId"].as_u64().unwrap())
        .collect()
}

/// A JSON `batch` body of named commands (run in the order of their
/// names, as `serde_json` writes an object's members sorted).
pub fn named_batch(commands: &[(&str, String)]) -> String {
    let cmd: serde_json::Map<String, Value> = commands
        .iter()
        .map(|(name, text)| ((*name).to_owned(), Value::String(text.clone())))
        .collect();
    serde_json::json!({ "halt": 0, "cmd": cmd }).to_string()
}

/// A line of `/proc/self/status` in KiB (`VmRSS:`, `VmHWM:`), where
/// there is one.
pub fn status_kib(name: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(name))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resets the process's peak resident memory (`VmHWM`) to its current
/// one (Linux: `5` to `/proc/self/clear_refs`); whether that worked.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}
