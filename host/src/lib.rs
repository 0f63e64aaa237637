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
mod body;
mod bot_token;
mod calls;
mod clock;
mod routes;
pub mod world;
// The local portal: world methods, control API, page, scenarios.
pub mod control;
mod live;
mod page;
pub mod portal;
pub mod scenario;

use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard};
use std::time::Instant;

use imbot_like::ServerEngine;

pub use auth::Method;
pub use body::BODY_LIMIT;
pub use live::{LiveHost, Settings, live_router, serve_live};
pub use routes::{router, serve};
pub use world::{Apps, World, WorldError};

use crate::auth::Credentials;
use crate::bot_token::BotTokens;
use crate::clock::{Clock, Operating};

/// The world compiled into the host.
pub const DEFAULT_WORLD: &str = include_str!("../default-world.json");

/// The host's state: the engine and what authenticates its callers.
pub struct Host {
    engine: Mutex<Box<ServerEngine>>,
    apps: RwLock<Apps>,
    credentials: Credentials,
    bot_tokens: RwLock<BotTokens>,
    operating: [Operating; Method::COUNT],
    // The local portal's state: the clock, what the engine keeps no copy
    // of (texts, titles, names), and the world the host started with.
    clock: Clock,
    portal: portal::Registry,
    world: World,
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
            engine: Mutex::new(loaded.engine),
            apps: RwLock::new(loaded.apps),
            credentials: loaded.credentials,
            bot_tokens: RwLock::new(loaded.bot_tokens),
            operating: Default::default(),
            clock: Clock::new(deterministic),
            portal: portal::Registry::from_world(world),
            world: world.clone(),
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

    /// The bots' v2 tokens.
    fn bot_tokens(&self) -> RwLockReadGuard<'_, BotTokens> {
        self.bot_tokens.read().unwrap_or_else(|e| e.into_inner())
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

    /// Runs one transition under the lock; its result and the time it
    /// took, in seconds.
    fn timed<R>(&self, run: impl FnOnce(&mut ServerEngine) -> R) -> (R, f64) {
        let mut engine = self.lock();
        let began = Instant::now();
        let result = run(&mut engine);
        (result, self.clock.processing(began.elapsed().as_secs_f64()))
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
