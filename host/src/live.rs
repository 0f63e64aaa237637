//! The local portal around a host: the current world (replaceable by the
//! control API), the scenarios applied to REST calls, the log of recent
//! calls, and the router that serves the REST API, the control API and
//! the page.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use axum::body::Bytes;
use axum::http::{HeaderValue, Method, Uri};
use serde::Serialize;

use crate::Host;
use crate::scenario::Scenarios;
use crate::world::{World, WorldError};

/// Why a durable host refuses to load or reset a world.
pub(crate) const DURABLE_REFUSAL: &str = "the host keeps its state in a data directory (--data): \
     loading or resetting a world would bypass its command log; \
     stop the host and start it on an empty directory instead";

/// How many recent REST calls the log keeps.
pub const LOG_LENGTH: usize = 50;
/// The longest answer text a log entry keeps, in bytes.
pub(crate) const LOG_ANSWER: usize = 2_000;

/// How the local portal runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// Time blocks from a stepped clock: call `n` of a world (counted from
    /// its start, reset or load) starts at 2025-01-01T00:00:00Z plus `n`
    /// seconds and takes 0.001 s, so with ids that grow from the world's,
    /// a sequence of calls gets byte-identical answers on every run.
    pub deterministic: bool,
    /// The token the control API and the page require (header
    /// `X-Control-Token`, or `token` in the query); without one they
    /// answer loopback peers only.
    pub control_token: Option<String>,
    /// Names besides this host's address and the loopback names that the
    /// `Host` header of a request to the page or the control API may
    /// carry (with any port), as a proxy in front of the host sends them;
    /// see [`crate::guard`].
    pub allowed_hosts: Vec<String>,
    /// The longest a call may take before it is answered 408
    /// (`--body-timeout`): a `delay` or `hold` scenario must end before it.
    pub body_timeout: Option<std::time::Duration>,
}

/// One logged REST call.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    /// Its number, from 1, growing.
    pub id: u64,
    /// The HTTP method.
    pub verb: String,
    /// The path and query, with credentials masked (see [`crate::mask`]).
    pub path: String,
    /// The answer's status (0: the connection was dropped).
    pub status: u16,
    /// The answer's body (cut to 2000 bytes).
    pub answer: String,
    /// The scenario applied, if any.
    pub scenario: Option<&'static str>,
    /// The rule behind a refusal (the `X-Imbot-Rule` header), if any.
    pub rule: Option<String>,
}

/// A REST call as the request path records it: kept as received and
/// answered, and made into a [`LogEntry`] (masked, decoded, cut) only when
/// the log is read.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub(crate) verb: Method,
    pub(crate) uri: Uri,
    /// The answer's status (0: the connection was dropped).
    pub(crate) status: u16,
    /// The answer's body, or as much of it as its log entry can show.
    pub(crate) answer: Bytes,
    pub(crate) scenario: Option<&'static str>,
    /// The `X-Imbot-Rule` header of the answer, if any.
    pub(crate) rule: Option<HeaderValue>,
}

impl Recorded {
    /// A call received, not yet answered.
    pub(crate) fn new(verb: Method, uri: Uri, scenario: Option<&'static str>) -> Self {
        Self {
            verb,
            uri,
            status: 0,
            answer: Bytes::new(),
            scenario,
            rule: None,
        }
    }

    /// The call completed with its answer's status, rule and body; of the
    /// body only the bytes its log entry can show are kept.
    pub(crate) fn answered(mut self, status: u16, rule: Option<HeaderValue>, body: &Bytes) -> Self {
        // An entry shows at most LOG_ANSWER bytes of the body decoded
        // lossily; decoding never moves a byte to an earlier position, so
        // the bytes past LOG_ANSWER + 4 (a character's longest encoding)
        // can never show.
        let keep = LOG_ANSWER + 4;
        self.answer = if body.len() > keep {
            Bytes::copy_from_slice(&body[..keep])
        } else {
            body.clone()
        };
        self.status = status;
        self.rule = rule;
        self
    }

    /// The log entry numbered `id`.
    fn entry(&self, id: u64) -> LogEntry {
        LogEntry {
            id,
            verb: self.verb.to_string(),
            path: crate::mask::uri(&self.uri),
            status: self.status,
            answer: cut(&String::from_utf8_lossy(&self.answer)),
            scenario: self.scenario,
            rule: self
                .rule
                .as_ref()
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        }
    }
}

/// `text` cut to the log's length at a character boundary.
fn cut(text: &str) -> String {
    let mut end = text.len().min(LOG_ANSWER);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

/// The local portal: a replaceable host and what lives beside it.
pub struct LiveHost {
    current: RwLock<Arc<Host>>,
    initial: World,
    pub(crate) settings: Settings,
    pub(crate) scenarios: Arc<Scenarios>,
    log: Mutex<(u64, VecDeque<(u64, Recorded)>)>,
    /// Held while a new world's host is built, so that loads arriving
    /// together build one engine at a time, not one each.
    loading: Mutex<()>,
}

impl LiveHost {
    /// A local portal on a world.
    ///
    /// # Errors
    /// As [`Host::new`].
    pub fn from_world(world: &World, settings: Settings) -> Result<Self, WorldError> {
        let host = Host::with_clock(world, settings.deterministic)?;
        Ok(Self::new(Arc::new(host), settings))
    }

    /// A local portal around a running host; a reset goes back to the
    /// host's starting world.
    #[must_use]
    pub fn new(host: Arc<Host>, settings: Settings) -> Self {
        let initial = host.seed();
        let scenarios = Arc::new(Scenarios::default());
        host.deliveries().use_scenarios(Arc::clone(&scenarios));
        Self {
            current: RwLock::new(host),
            initial,
            settings,
            scenarios,
            log: Mutex::new((0, VecDeque::new())),
            loading: Mutex::new(()),
        }
    }

    /// The current host.
    #[must_use]
    pub fn host(&self) -> Arc<Host> {
        Arc::clone(&self.current.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Replaces the world: a new host on `world`, with a fresh clock and
    /// the current host's rate limit. Calls in flight finish on the old
    /// one. Loads run one at a time: each builds a whole engine.
    ///
    /// # Errors
    /// As [`Host::new`]; the current world stays. Refused for a host that
    /// keeps its state in a data directory: a new world would bypass its
    /// command log.
    pub fn load(&self, world: &World) -> Result<(), WorldError> {
        let _one_at_a_time = self.loading.lock().unwrap_or_else(|e| e.into_inner());
        let current = self.host();
        if current.durable().is_some() || current.cluster().is_some() {
            return Err(WorldError(DURABLE_REFUSAL.to_owned()));
        }
        let mut host = Host::with_clock(world, self.settings.deterministic)?;
        if let Some(limit) = current.rate_limit() {
            host = host.with_rate_limit(limit);
        }
        // The new host's events keep the portal's domain and scenarios.
        host.deliveries().use_scenarios(Arc::clone(&self.scenarios));
        if let Some(domain) = current.deliveries().domain() {
            host.deliveries().set_domain(domain.to_owned());
        }
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(host);
        Ok(())
    }

    /// Goes back to the world the portal started with.
    ///
    /// # Errors
    /// As [`LiveHost::load`].
    pub fn reset(&self) -> Result<(), WorldError> {
        self.load(&self.initial)
    }

    /// The recent REST calls, oldest first.
    #[must_use]
    pub fn log(&self) -> Vec<LogEntry> {
        let recorded: Vec<(u64, Recorded)> = self.lock_log().1.iter().cloned().collect();
        recorded.iter().map(|(id, call)| call.entry(*id)).collect()
    }

    fn lock_log(&self) -> MutexGuard<'_, (u64, VecDeque<(u64, Recorded)>)> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a call to the log, numbered next; the oldest beyond
    /// [`LOG_LENGTH`] is dropped (outside the lock).
    pub(crate) fn record(&self, call: Recorded) {
        let mut log = self.lock_log();
        log.0 += 1;
        let id = log.0;
        log.1.push_back((id, call));
        let dropped = (log.1.len() > LOG_LENGTH).then(|| log.1.pop_front());
        drop(log);
        drop(dropped);
    }
}
