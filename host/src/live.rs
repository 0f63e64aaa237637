//! The local portal around a host: the current world (replaceable by the
//! control API), the scenarios applied to REST calls, the log of recent
//! calls, and the router that serves the REST API, the control API and
//! the page.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use axum::Router;
use serde::Serialize;

use crate::scenario::Scenarios;
use crate::world::{World, WorldError};
use crate::{Host, router};

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

/// The local portal: a replaceable host and what lives beside it.
pub struct LiveHost {
    current: RwLock<(Arc<Host>, Router)>,
    initial: World,
    pub(crate) settings: Settings,
    pub(crate) scenarios: Arc<Scenarios>,
    log: Mutex<(u64, VecDeque<LogEntry>)>,
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
        let inner = router(Arc::clone(&host));
        Self {
            current: RwLock::new((host, inner)),
            initial,
            settings,
            scenarios,
            log: Mutex::new((0, VecDeque::new())),
        }
    }

    /// The current host.
    #[must_use]
    pub fn host(&self) -> Arc<Host> {
        Arc::clone(&self.read().0)
    }

    pub(crate) fn read(&self) -> std::sync::RwLockReadGuard<'_, (Arc<Host>, Router)> {
        self.current.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Replaces the world: a new host on `world`, with a fresh clock and
    /// the current host's rate limit. Calls in flight finish on the old
    /// one.
    ///
    /// # Errors
    /// As [`Host::new`]; the current world stays. Refused for a host that
    /// keeps its state in a data directory: a new world would bypass its
    /// command log.
    pub fn load(&self, world: &World) -> Result<(), WorldError> {
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
        let host = Arc::new(host);
        let inner = router(Arc::clone(&host));
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = (host, inner);
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
        self.lock_log().1.iter().cloned().collect()
    }

    fn lock_log(&self) -> MutexGuard<'_, (u64, VecDeque<LogEntry>)> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn record(&self, mut entry: LogEntry) {
        let mut log = self.lock_log();
        log.0 += 1;
        entry.id = log.0;
        log.1.push_back(entry);
        while log.1.len() > LOG_LENGTH {
            log.1.pop_front();
        }
    }
}
