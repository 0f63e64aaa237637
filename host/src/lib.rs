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
//! Each layer is its own files, and a request goes down them in order;
//! a layer calls only the one below it.
//!
//! 1. HTTP edge: `server` (connections, the one service in front of the
//!    routes, which sends `/rest/` paths straight to the REST call and
//!    others through the router and times the call; the error bodies of
//!    the HTTP layers in `envelope`), [`request_line`] (each request's log
//!    line, in the format of [`logline`]), `idle` (a
//!    connection's idle limit), `front` (each request head checked
//!    before the HTTP parser reads it, a refused one answered with the
//!    envelope), [`tls`], `live_routes` (the local portal's scenarios and
//!    request log, and the page and control API behind [`guard`]) and
//!    `routes` (the REST paths and the method's name).
//! 2. Decoding: `body` (the body within its limit) and `input` (the one
//!    reading of the query and body that every later layer takes its
//!    parameters from), `retry` (the idempotency key) and [`scenario`]
//!    (what a test armed).
//! 3. Identity: `auth` (the caller and its grant), `identity` (the
//!    applications and webhook bots) and `ratelimit`.
//! 4. The method: `dispatch` to `calls` (likes and reactions), `events`,
//!    `portal_method` and [`portal`] (the world's methods) or `batch`; a
//!    change becomes a [`HostCommand`] that `machine` ([`Host::execute`])
//!    applies to [`HostState`] and, with `--data`, logs ([`durable`]), or
//!    that [`cluster`] commits through raft.
//! 5. The answer: `reply`, `rule` (the `X-Imbot-Rule` header), `clock`
//!    (the time block and each method's operating time) and the crate's
//!    wire envelopes; then [`push`] and [`deliver`] for the events.
//!
//! [`Host`] is the one object the layers share; its fields are here, and
//! its methods sit with the layer they belong to: making a host in
//! `setup`, the rate limit in `ratelimit`, the state machine in
//! `machine`, the operating time in `clock`.

// The REST call's future nests every layer's, deeper than the default limit
// lets the compiler lay out.
#![recursion_limit = "256"]

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
mod idle;
mod input;
mod limits;
pub mod logline;
mod machine;
pub mod options;
pub mod push;
mod ratelimit;
mod reply;
pub mod request_line;
mod retry;
mod routes;
mod rule;
mod server;
mod setup;
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

use std::sync::Arc;

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

use crate::auth::Credentials;
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
    deliverer: Arc<deliver::Deliverer>,
    /// The access tokens and webhooks of the state's seed world.
    credentials: Credentials,
    operating: [Operating; Method::COUNT],
    rate_limit: Option<RateLimit>,
    rate_limiter: Option<RateLimiter>,
    clock: Clock,
    /// The raft node, for a replicated host (see [`cluster`]).
    cluster: Option<Arc<cluster::Node>>,
}

/// A shared host, as the router takes it.
pub type SharedHost = Arc<Host>;
