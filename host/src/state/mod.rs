//! The host's state machine: everything the host's answers depend on, as
//! one value changed only by [`HostState::apply`].
//!
//! ```text
//! HTTP edge → decoding → HostCommand → HostState::apply → Answer
//!                                   ↘ log (durable host) ↗
//! ```
//!
//! The value holds the engine (bots, chats, members, messages, likes,
//! reactions) and what the host keeps beside it: each caller's retry
//! window, the world methods' registry (texts, keyboards, attachments and
//! menus, titles, owners, private dialogs, bot codes and names, commands
//! and their handlers, id counters), the application directory by client id,
//! the webhook-registered bots with their tokens and drivers, the bots'
//! event queues, and the world the state was seeded from (its access
//! tokens and webhooks). `apply` does no I/O, reads no clock and takes no
//! lock: the time is an input of each command, read once at the edge. A
//! durable host logs every command that changed the value and replays the
//! log on start; the same commands in the same order give the same value
//! and the same answers.

mod apply;
pub(crate) mod command;
pub mod retries;
pub mod snapshot;

use imbot_like::ServerEngine;

use crate::events::Queues;
use crate::identity::{Apps, WebhookBots};
use crate::portal::{self, State as Registry};
use crate::world::{World, WorldError};

use retries::Retries;

pub use command::{Answer, HostCommand, KeyedCall, Op, PortalCall};
pub use retries::Keyed;

/// The host's whole state.
pub struct HostState {
    /// Bots, chats, members, messages, likes, reactions, retry window.
    pub(crate) engine: Box<ServerEngine>,
    /// Texts, keyboards, titles, owners, dialogs, bot metadata,
    /// commands, id counters.
    pub(crate) registry: Registry,
    /// Applications by client id; their handles are the engine's.
    pub(crate) apps: Apps,
    /// Webhook-registered bots with their tokens and drivers.
    pub(crate) webhook_bots: WebhookBots,
    /// Each bot's reaction-change events.
    pub(crate) events: Queues,
    /// Each caller's retry window: its last keyed requests and answers.
    pub(crate) retries: Retries,
    /// The world the state was seeded from: its access tokens and
    /// webhooks authenticate callers.
    pub(crate) seed: World,
}

impl HostState {
    /// The state a world describes.
    ///
    /// # Errors
    /// [`WorldError`] naming the first entry that is malformed or breaks
    /// the engine's rules or capacities.
    pub fn from_world(world: &World) -> Result<Self, WorldError> {
        let mut loaded = world.load(build_engine()?)?;
        portal::apply_reactions(&mut loaded.engine, world)?;
        let mut registry = Registry::from_world(world);
        portal::apply_commands(&mut registry, &loaded.engine, world)?;
        Ok(Self {
            engine: loaded.engine,
            registry,
            apps: loaded.apps,
            webhook_bots: loaded.webhook_bots,
            events: Queues::default(),
            retries: Retries::default(),
            seed: world.clone(),
        })
    }

    /// The engine.
    #[must_use]
    pub fn engine(&self) -> &ServerEngine {
        &self.engine
    }

    /// The world the state was seeded from.
    #[must_use]
    pub fn seed(&self) -> &World {
        &self.seed
    }
}

impl HostState {
    /// A copy of the state. The engine is copied on a thread with a stack
    /// that holds it (see `on_big_stack`), never through this thread's.
    ///
    /// # Errors
    /// That thread could not be started.
    pub fn try_clone(&self) -> std::io::Result<Self> {
        let engine = &self.engine;
        let engine = on_big_stack(|| Box::new((**engine).clone()))?;
        Ok(Self {
            engine,
            registry: self.registry.clone(),
            apps: self.apps.clone(),
            webhook_bots: self.webhook_bots.clone(),
            events: self.events.clone(),
            retries: self.retries.clone(),
            seed: self.seed.clone(),
        })
    }
}

/// Runs `make` on a scoped thread whose stack holds a few engines: an
/// unoptimised build moves a value through the stack on its way to the
/// heap, and an engine is far larger than a default thread stack.
fn on_big_stack<T: Send>(make: impl FnOnce() -> T + Send) -> std::io::Result<T> {
    let stack = std::mem::size_of::<ServerEngine>() * 8 + (16 << 20);
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("engine-builder".into())
            .stack_size(stack)
            .spawn_scoped(scope, make)?
            .join()
            .map_err(|_| std::io::Error::other("engine builder panicked"))
    })
}

/// An empty [`ServerEngine`] on the heap, built on a thread whose stack
/// holds a few copies of it (a debug build moves it through the stack).
pub(crate) fn build_engine() -> Result<Box<ServerEngine>, WorldError> {
    on_big_stack(|| Box::new(ServerEngine::new()))
        .map_err(|e| WorldError(format!("cannot build the engine: {e}")))
}
