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
//! The host is one state machine ([`HostState`]) changed only by host
//! commands ([`HostCommand`]): the edge decodes and authenticates a call
//! into a command, [`Host::execute`] applies it under the state's lock
//! (and, for a durable host, logs it), and the answer goes back through
//! the edge. Every command is atomic, and one that fails changes nothing.
//! A replicated host ([`cluster`]) runs the same state machine under raft
//! consensus: the commands are the raft log's entries.
//!
//! # Method map
//!
//! Every REST method, the code that answers it (private steps are named
//! in code type), what it can refuse with besides the authentication and
//! HTTP answers every method shares (`NO_AUTH_FOUND`, `invalid_token`,
//! `INVALID_CREDENTIALS`, `insufficient_scope`, `INVALID_REQUEST`,
//! `QUERY_LIMIT_EXCEEDED`, …; see `host/README.md`, "Answers"), and the
//! tests that check it.
//!
//! | method | handled by | refused with | tests |
//! | --- | --- | --- | --- |
//! | `imbot.message.like` | `dispatch` → `calls::Call::bot_like` → an engine `Like`, or [`state::KeyedCall`] with a key | rules L1–L9: `BOT_ID_ERROR`, `APP_ID_ERROR`, `MESSAGE_ID_ERROR`, `WITHOUT_CHANGES`; `ACCESS_DENIED` (webhook without `CLIENT_ID`); `IDEMPOTENCY_KEY_REUSED` | `tests/framework.rs`, `tests/identity.rs`, `tests/rules.rs`, `tests/retries.rs` |
//! | `im.message.like` | `calls::Call::user_like` → an engine `LikeAsUser` or a keyed call | `MESSAGE_ID_ERROR`, `WITHOUT_CHANGES`, `IDEMPOTENCY_KEY_REUSED` | `tests/framework.rs`, `tests/retries.rs` |
//! | `imbot.v2.Chat.Message.Reaction.add`, `.delete` | `calls::Call::reaction` → an engine `AddReaction` / `DeleteReaction` or a keyed call | rules V1–V8: `BOT_ID_REQUIRED`, `BOT_NOT_FOUND`, `BOT_OWNERSHIP_ERROR`, `BOT_TOKEN_NOT_SPECIFIED`, `ACCESS_DENIED`, `REACTION_NOT_FOUND`, `REACTION_ALREADY_SET`, `REACTION_LIMIT_REACHED` | `tests/reactions.rs`, `tests/retries.rs` |
//! | `imbot.v2.Event.get` | `events` (`event_get`, a read of the state) | the v2 bot checks above | `tests/events.rs` |
//! | `imbot.message.add`, `im.message.add`, `.update`, `.delete` | [`portal`] (`methods`: `message_add`, `message_update`, `message_delete`; keyboards, attachments and menus in `rich`) as a [`state::PortalCall`] | [`portal::PortalError`]: `DIALOG_ID_EMPTY`, `MESSAGE_EMPTY`, `MESSAGE_ID_ERROR`, `CANT_EDIT_MESSAGE`, `ACCESS_ERROR`, `KEYBOARD_ERROR`, `ATTACH_ERROR`, `MENU_ERROR` and their `_OVERSIZE`, `BOT_ID_ERROR`, `APP_ID_ERROR` | `tests/portal.rs`, `tests/commands.rs` |
//! | `imbot.chat.add`, `.user.add`, `.user.delete`, `.leave` (and `im.` twins) | [`portal`] (`methods`: `chat_add`, `chat_user_add`, `chat_user_delete`, `chat_leave`) | `CHAT_ID_EMPTY`, `USER_ID_EMPTY`, `USERS_EMPTY`, `ACCESS_ERROR`, `WRONG_REQUEST` | `tests/portal.rs` |
//! | `imbot.register`, `imbot.unregister`, `imbot.bot.list` | [`portal`] (`methods`: `register`, `unregister`, `bot_list`) | `CODE_ERROR`, `NAME_ERROR`, `EVENT_…_ERROR`, `MAX_COUNT_ERROR`, `BOT_ID_ERROR`, `APP_ID_ERROR` | `tests/portal.rs`, `tests/identity.rs` |
//! | `imbot.command.register`, `.unregister`, `.update`, `.answer` | [`portal`] (`commands`) | `EVENT_COMMAND_ADD_ERROR`, `COMMAND_ERROR`, `COMMAND_ID_ERROR`, `LANG_ERROR`, `MESSAGE_ID_EMPTY`, `APP_ID_ERROR`, `WRONG_REQUEST` | `tests/commands.rs`, `tests/command_bot.rs` |
//! | `im.dialog.messages.get` | [`portal`] (`methods`: `dialog_messages`) | `DIALOG_ID_EMPTY`, `ACCESS_ERROR`, `FIRST_ID_STRING`, `LAST_ID_STRING` | `tests/portal.rs` |
//! | `batch` | `batch` (each command through the same path, its own authentication) | `ERROR_BATCH_LENGTH_EXCEEDED` | `tests/batch.rs`, `tests/batch_bomb.rs` |
//!
//! Events to bots' handlers are decided by [`push`] from what a command
//! changed and sent by [`deliver`] once the change is durable
//! (`tests/bot_loop.rs`, `tests/commands.rs`, `tests/delivery_faults.rs`).
//!
//! # Layers of a request
//!
//! 1. HTTP edge: `server` (connections, timeouts, the error bodies of the
//!    HTTP layers in `envelope`), `front` (each request head checked
//!    before the HTTP parser reads it, a refused one answered with the
//!    envelope), [`tls`], `routes` and `live_routes` (the REST routes, and
//!    the page and control API behind [`guard`]).
//! 2. Decoding: `body` and [`portal`]'s parameters, `retry` (the
//!    idempotency key), [`scenario`] (what a test armed).
//! 3. Identity: `auth` (the caller and its grant), `identity` (the
//!    applications and webhook bots), `ratelimit`.
//! 4. The method: `dispatch` to `calls` (likes and reactions), `events`,
//!    `portal_method` and [`portal`] (the world's methods) or `batch`; a
//!    change becomes a [`HostCommand`] that [`Host::execute`] applies to
//!    [`HostState`] and, with `--data`, logs ([`durable`]), or that
//!    [`cluster`] commits through raft.
//! 5. The answer: `reply`, `rule` (the `X-Imbot-Rule` header) and the
//!    crate's wire envelopes; then [`push`] and [`deliver`] for the events.

mod auth;
mod batch;
mod body;
mod calls;
mod clock;
pub mod cluster;
pub mod deliver;
mod dispatch;
pub mod durable;
mod envelope;
mod events;
mod front;
mod identity;
mod limits;
pub mod options;
pub mod push;
mod ratelimit;
mod reply;
mod retry;
mod routes;
mod rule;
mod server;
pub mod state;
pub mod tls;
pub mod world;
// The local portal: world methods, control API, page, scenarios.
pub mod control;
pub mod guard;
mod live;
mod live_routes;
pub mod mask;
mod page;
pub mod portal;
mod portal_method;
pub mod scenario;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use imbot_like::ServerEngine;

pub use auth::Method;
pub use body::BODY_LIMIT;
pub use identity::Apps;
pub use limits::Limits;
pub use live::{LiveHost, LogEntry, Settings};
pub use live_routes::{live_router, serve_live, serve_live_tls, serve_live_with};
pub use ratelimit::{RateLimit, RateLimitError};
pub use routes::router;
pub use server::{serve, serve_with};
pub use state::{Answer, HostCommand, HostState};
pub use world::{World, WorldError};

use crate::auth::{Caller, Credentials};
use crate::clock::{Clock, Operating};
use crate::ratelimit::RateLimiter;

/// The world compiled into the host.
pub const DEFAULT_WORLD: &str = include_str!("../default-world.json");

/// A host: its state machine behind one lock, the log it is kept in (for a
/// durable host), and what sits at the edges (credentials, rate limits,
/// the clock).
pub struct Host {
    state: durable::SharedState,
    /// The data directory's log, when state is kept on disk.
    durable: Option<Arc<durable::Durable>>,
    /// The events pushed to bots' handlers, being sent.
    deliverer: deliver::Deliverer,
    /// The access tokens and webhooks of the state's seed world.
    credentials: Credentials,
    operating: [Operating; Method::COUNT],
    rate_limit: Option<RateLimit>,
    rate_limiter: Option<RateLimiter>,
    clock: Clock,
    /// The raft node, for a replicated host (see [`cluster`]).
    cluster: Option<cluster::Node>,
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
        Self::from_state(HostState::from_world(world)?, deterministic)
    }

    /// A host on a state (in memory).
    ///
    /// # Errors
    /// The state's seed world names a client id its directory lacks.
    pub fn from_state(state: HostState, deterministic: bool) -> Result<Self, WorldError> {
        Self::from_shared(Arc::new(Mutex::new(state)), deterministic)
    }

    /// A host on a state another owner changes too (a raft state machine).
    fn from_shared(state: durable::SharedState, deterministic: bool) -> Result<Self, WorldError> {
        let credentials = {
            let state = state.lock().unwrap_or_else(|e| e.into_inner());
            state.seed.credentials_for(&state.apps)?
        };
        Ok(Self {
            state,
            durable: None,
            deliverer: deliver::Deliverer::default(),
            credentials,
            operating: Default::default(),
            rate_limit: None,
            rate_limiter: None,
            clock: Clock::new(deterministic),
            cluster: None,
        })
    }

    /// A host on `world` whose state lives in `dir`: recovered from it when
    /// it holds any (the world file then only seeds nothing: a world that
    /// differs from the one the state was seeded from is reported and
    /// ignored), else the world's, and kept there from now on.
    ///
    /// # Errors
    /// Why the world or the directory cannot be used.
    pub fn durable_in(world: &World, dir: &Path, config: durable::Config) -> Result<Self, String> {
        Self::durable_with_clock(world, dir, config, false)
    }

    /// As [`Host::durable_in`], with the stepped clock when
    /// `deterministic` (see [`Settings::deterministic`]).
    ///
    /// # Errors
    /// Why the world or the directory cannot be used.
    pub fn durable_with_clock(
        world: &World,
        dir: &Path,
        config: durable::Config,
        deterministic: bool,
    ) -> Result<Self, String> {
        let where_ = |e: String| format!("{}: {e}", dir.display());
        let mut storage = durable::FsStorage::new(dir).map_err(|e| where_(e.to_string()))?;
        let (state, seq, recovered) = durable::open(world, &mut storage).map_err(where_)?;
        durable::report(dir, recovered.as_ref());
        if recovered.is_some() {
            if let Some(differs) = world.differences(&state.seed) {
                eprintln!(
                    "{}: holds state seeded from another world; the world file is ignored \
                     (it differs in {differs})",
                    dir.display()
                );
            }
        }
        let mut host = Self::from_state(state, deterministic).map_err(|e| where_(e.to_string()))?;
        let log = durable::Durable::start(storage, &host.state(), seq, config).map_err(where_)?;
        host.durable = Some(Arc::new(log));
        Ok(host)
    }

    /// The durable log, for a host with a data directory.
    pub fn durable(&self) -> Option<&durable::Durable> {
        self.durable.as_deref()
    }

    /// The events pushed to bots' handlers: where they stand, and the
    /// domain they name.
    #[must_use]
    pub fn deliveries(&self) -> &deliver::Deliverer {
        &self.deliverer
    }

    /// The world now, as a world file: what `GET /__control/world`
    /// answers.
    #[must_use]
    pub fn dump(&self) -> World {
        portal::dump(&self.state())
    }

    /// The world now, as [`Host::dump`], once what it shows is durable:
    /// a dump never shows a change a crash could undo.
    ///
    /// # Errors
    /// The data directory could not be written, so the dump may show a
    /// change that is not durable.
    pub async fn durable_dump(&self) -> Result<World, durable::NotDurable> {
        let (world, wait) = {
            let state = self.state();
            let wait = self.durable().map(durable::Durable::appended);
            (portal::dump(&state), wait)
        };
        if let (Some(log), Some(seq)) = (self.durable(), wait) {
            log.durable(seq).await?;
        }
        Ok(world)
    }

    /// The world the state was seeded from.
    #[must_use]
    pub fn seed(&self) -> World {
        self.state().seed.clone()
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
        read(&self.state().engine)
    }

    /// Locks the state. A panic while it was held cannot have left a
    /// half-done change (each command checks before it changes), so a
    /// poisoned lock is taken over.
    fn state(&self) -> MutexGuard<'_, HostState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Applies one command under the lock: its answer, the time it took
    /// in seconds, and for a durable host the log position the answer
    /// must wait for (the command's own when it changed the state, else
    /// the last one logged, which what it read may include). A command
    /// that changed the state is logged before the lock is released, so
    /// the log's order is the order of application; the events it pushes
    /// to bots' handlers are queued then, to be sent once it is durable.
    pub fn execute(&self, command: &HostCommand) -> (Answer, f64, Option<u64>) {
        let mut state = self.state();
        let began = Instant::now();
        let (answer, changed, pushed) = state.apply_pushing(command);
        let wait = self.durable.as_ref().map(|log| {
            if changed {
                log.append(command)
            } else {
                log.appended()
            }
        });
        if !pushed.is_empty() {
            // Queued under the lock, so each bot's events keep the order
            // of application.
            self.deliverer.enqueue(pushed, wait, self.durable.clone());
        }
        drop(state);
        let processing = self.clock.processing(began.elapsed().as_secs_f64());
        (answer, processing, wait)
    }

    /// Now, as a command's time (the stepped clock's next call under
    /// `--deterministic`).
    pub(crate) fn now_ms(&self) -> u64 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let ms = (self.clock.start() * 1000.0) as u64;
        ms
    }

    /// Waits until log position `wait` (from [`Host::execute`]) is durable.
    ///
    /// # Errors
    /// The data directory could not be written.
    pub(crate) async fn settled(&self, wait: Option<u64>) -> Result<(), durable::NotDurable> {
        match (self.durable(), wait) {
            (Some(log), Some(seq)) => log.durable(seq).await,
            _ => Ok(()),
        }
    }

    /// The raft node, for a replicated host.
    #[must_use]
    pub fn cluster(&self) -> Option<&cluster::Node> {
        self.cluster.as_ref()
    }

    /// Runs one command: [`Host::execute`] here, or for a replicated host
    /// through the cluster (committed on a majority and applied before it
    /// returns; no leader in time is 503 `QUERY_LIMIT_EXCEEDED`).
    pub(crate) fn run(
        &self,
        command: &HostCommand,
    ) -> Result<(Answer, f64, Option<u64>), imbot_like::wire::FrameworkError> {
        let Some(node) = &self.cluster else {
            return Ok(self.execute(command));
        };
        let began = Instant::now();
        let (answer, pushed) =
            cluster::block_on(node.write(command)).map_err(cluster::unavailable)?;
        if !pushed.is_empty() {
            // Committed: the node the call went to sends its events.
            self.deliverer.enqueue(pushed, None, None);
        }
        let processing = self.clock.processing(began.elapsed().as_secs_f64());
        Ok((answer, processing, None))
    }

    /// For a replicated host, waits until this node has applied every
    /// change committed before the call, so a read of its state after it
    /// is linearizable.
    pub(crate) fn linearize(&self) -> Result<(), imbot_like::wire::FrameworkError> {
        match &self.cluster {
            None => Ok(()),
            Some(node) => cluster::block_on(node.linearize()).map_err(cluster::unavailable),
        }
    }

    /// Randomness for a command that may make a bot token: none under the
    /// stepped clock, so runs repeat.
    fn entropy(&self) -> Option<u64> {
        use std::hash::{BuildHasher, Hasher};
        if self.clock.is_stepped() {
            return None;
        }
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(self.clock.start().to_bits());
        Some(hasher.finish())
    }

    /// The operating-time window of a method.
    fn operating(&self, method: Method) -> &Operating {
        &self.operating[method.index()]
    }
}

/// A shared host, as the router takes it.
pub type SharedHost = Arc<Host>;
