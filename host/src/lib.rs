//! A reference REST host for `imbot-like`: serves `imbot.message.like`,
//! `im.message.like` and `imbot.v2.Chat.Message.Reaction.add` / `.delete`
//! over HTTP as a Bitrix24 portal does, on one engine loaded from a world
//! file.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use std::sync::Arc;
//! use imbot_like_host::{Host, serve};
//!
//! let host = Arc::new(Host::default_world().expect("the default world loads"));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! serve(listener, host).await
//! # }
//! ```
//!
//! Every request is one atomic transition: the engine sits behind a mutex
//! held only for the call itself, and a call that fails changes nothing.

mod auth;
mod batch;
mod body;
mod calls;
mod clock;
mod dispatch;
pub mod durable;
mod envelope;
mod events;
mod identity;
mod limits;
pub mod options;
mod ratelimit;
mod reply;
mod retry;
mod routes;
mod server;
pub mod world;
// The local portal: world methods, control API, page, scenarios.
pub mod control;
mod live;
mod live_routes;
mod page;
pub mod portal;
mod portal_method;
pub mod scenario;

use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Instant;

use imbot_like::{CommandError, ServerEngine};

pub use auth::Method;
pub use body::BODY_LIMIT;
pub use identity::Apps;
pub use limits::Limits;
pub use live::{LiveHost, LogEntry, Settings};
pub use live_routes::{live_router, serve_live, serve_live_with};
pub use ratelimit::{RateLimit, RateLimitError};
pub use routes::router;
pub use server::{serve, serve_with};
pub use world::{World, WorldError};

use crate::auth::{Caller, Credentials};
use crate::clock::{Clock, Operating};
use crate::identity::WebhookBots;
use crate::ratelimit::RateLimiter;

/// What applying a command returned.
type Applied = Result<imbot_like::Applied, CommandError>;

/// The world compiled into the host.
pub const DEFAULT_WORLD: &str = include_str!("../default-world.json");

/// The host's state: the engine and what authenticates its callers.
pub struct Host {
    engine: durable::SharedEngine,
    /// The data directory's log, when state is kept on disk.
    durable: Option<durable::Durable>,
    /// The application directory; `imbot.register` over a webhook adds
    /// to it.
    apps: RwLock<Apps>,
    credentials: Credentials,
    /// Webhook-registered bots; `imbot.register` / `imbot.unregister`
    /// change them.
    webhook_bots: RwLock<WebhookBots>,
    operating: [Operating; Method::COUNT],
    rate_limit: Option<RateLimit>,
    rate_limiter: Option<RateLimiter>,
    // The local portal's state: the clock, what the engine keeps no copy
    // of (texts, titles, names), and the world the host started with.
    clock: Clock,
    portal: portal::Registry,
    world: World,
    /// Each bot's reaction-change events, read with
    /// `imbot.v2.Event.get`.
    events: events::Events,
}

impl Host {
    /// Reads back from `dir` what the host keeps beside the engine's log:
    /// the world methods' data and the bots' event queues.
    fn restore_host_side(&self, dir: &std::path::Path) -> Result<(), String> {
        portal::restore(self, dir)?;
        let seq = self.durable.as_ref().map_or(0, durable::Durable::appended);
        *self.events.lock() = events::restore(dir, seq)?;
        Ok(())
    }
}

impl Host {
    /// A host on the compiled-in world.
    ///
    /// # Errors
    /// As [`Host::from_json`]; the default world is valid.
    pub fn default_world() -> Result<Self, WorldError> {
        Self::from_json(DEFAULT_WORLD)
    }

    /// A host on a world given as JSON.
    ///
    /// # Errors
    /// [`WorldError`] naming the first entry that is malformed or breaks
    /// the engine's rules or capacities.
    pub fn from_json(text: &str) -> Result<Self, WorldError> {
        Self::new(&World::from_json(text)?)
    }

    /// A host on a world.
    ///
    /// The engine is large (see [`ServerEngine`]), so it is built on a
    /// thread with a stack big enough for it and moved to the heap there.
    ///
    /// # Errors
    /// As [`Host::from_json`].
    pub fn new(world: &World) -> Result<Self, WorldError> {
        Self::with_clock(world, false)
    }

    /// A host on a world; with `deterministic`, its time blocks come from
    /// a stepped clock (see [`Settings::deterministic`]).
    ///
    /// # Errors
    /// As [`Host::from_json`].
    pub fn with_clock(world: &World, deterministic: bool) -> Result<Self, WorldError> {
        let engine = build_engine()?;
        let mut loaded = world.load(engine)?;
        portal::apply_reactions(&mut loaded.engine, world)?;
        Ok(Self {
            engine: Arc::new(Mutex::new(loaded.engine)),
            durable: None,
            apps: RwLock::new(loaded.apps),
            credentials: loaded.credentials,
            webhook_bots: RwLock::new(loaded.webhook_bots),
            operating: Default::default(),
            rate_limit: None,
            rate_limiter: None,
            clock: Clock::new(deterministic),
            portal: portal::Registry::from_world(world),
            world: world.clone(),
            events: events::Events::default(),
        })
    }

    /// The world now, as a world file: what `GET /__control/world`
    /// answers.
    #[must_use]
    pub fn dump(&self) -> World {
        portal::dump(self)
    }

    /// The application directory.
    fn apps(&self) -> RwLockReadGuard<'_, Apps> {
        self.apps.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The application directory, to add to it.
    fn apps_mut(&self) -> RwLockWriteGuard<'_, Apps> {
        self.apps.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The webhook-registered bots.
    fn webhook_bots(&self) -> RwLockReadGuard<'_, WebhookBots> {
        self.webhook_bots.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The webhook-registered bots, to change them.
    fn webhook_bots_mut(&self) -> RwLockWriteGuard<'_, WebhookBots> {
        self.webhook_bots.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Limits each caller (an OAuth application, a webhook) to `limit`;
    /// calls over it are answered 503 `QUERY_LIMIT_EXCEEDED`. Off unless
    /// set.
    #[must_use]
    pub fn with_rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self.rate_limiter = Some(RateLimiter::new(limit));
        self
    }

    /// The rate limit set with [`Host::with_rate_limit`], if any.
    #[must_use]
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.rate_limit
    }

    /// Whether `caller` is within its rate limit now (always, without one).
    fn admit(&self, caller: &Caller) -> bool {
        self.rate_limiter
            .as_ref()
            .is_none_or(|limiter| limiter.admit(caller, Instant::now()))
    }

    /// Reads the engine's state (for tests and tools); blocks calls while
    /// `read` runs.
    pub fn inspect<R>(&self, read: impl FnOnce(&ServerEngine) -> R) -> R {
        read(&self.lock())
    }

    /// Locks the engine. A panic while it was held cannot have left a
    /// half-done change (each transition checks before it changes), so a
    /// poisoned lock is taken over.
    fn lock(&self) -> MutexGuard<'_, Box<ServerEngine>> {
        self.engine.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Applies one command under the lock; its result, the time it took
    /// in seconds, and for a durable host the log position the answer
    /// must wait for. An accepted command is logged before the lock is
    /// released, so the log's order is the order of application.
    fn apply(&self, command: &durable::HostCommand) -> (Applied, f64, Option<u64>) {
        let mut engine = self.lock();
        let began = Instant::now();
        let (result, wait) = self.apply_locked(&mut engine, command);
        let processing = self.clock.processing(began.elapsed().as_secs_f64());
        (result, processing, wait)
    }

    /// Applies one command to the engine the caller has locked (a world
    /// method applies several under one lock), and logs it when accepted;
    /// its result and, for a durable host, the log position to wait for.
    fn apply_locked(
        &self,
        engine: &mut ServerEngine,
        command: &durable::HostCommand,
    ) -> (Applied, Option<u64>) {
        let before = events::message_of(command)
            .and_then(|message| engine.message(message))
            .map(|info| info.version);
        let result = engine.apply(command);
        if let Ok(applied) = &result {
            if let Some(made) = events::change(engine, before, applied) {
                self.record_event(made);
            }
        }
        let wait = self.durable.as_ref().map(|log| match result {
            Ok(_) => log.append(command),
            Err(_) => log.appended(),
        });
        (result, wait)
    }

    /// Queues an event for a change; a durable host writes the queues
    /// before the change's command is logged. Called with the engine
    /// locked, so the next log position is the command's.
    fn record_event(&self, made: events::Made) {
        let seq = self.durable.as_ref().map_or(0, |log| log.appended() + 1);
        let date = clock::iso8601(self.clock.latest());
        let mut queues = self.events.lock();
        queues.push(made, seq, date);
        if let Some(dir) = self.durable_dir() {
            if let Err(e) = events::save(dir, &queues) {
                tracing::error!(error = %e, "cannot save the events");
            }
        }
    }

    /// The operating-time window of a method.
    fn operating(&self, method: Method) -> &Operating {
        &self.operating[method.index()]
    }
}

/// An empty [`ServerEngine`] on the heap, built on a thread whose stack
/// holds a few copies of it (a debug build moves it through the stack).
fn build_engine() -> Result<Box<ServerEngine>, WorldError> {
    let stack = std::mem::size_of::<ServerEngine>() * 4 + (16 << 20);
    std::thread::Builder::new()
        .name("engine-builder".into())
        .stack_size(stack)
        .spawn(|| Box::new(ServerEngine::new()))
        .and_then(|handle| {
            handle
                .join()
                .map_err(|_| std::io::Error::other("engine builder panicked"))
        })
        .map_err(|e| WorldError(format!("cannot build the engine: {e}")))
}

/// A shared host, as the router takes it.
pub type SharedHost = Arc<Host>;
