//! Host commands: every change of the host's state, with its inputs.
//!
//! A command is what the edge decoded from a request once the caller was
//! authenticated: a transition of the engine (a like or reaction, keyed or
//! not, with the application it acts for), or a call of a world method
//! with its caller and parameters. Its time (`at_ms`, Unix milliseconds)
//! is read from the clock once, at the edge, and a fresh bot token's
//! randomness is drawn there too, so applying it is deterministic.
//!
//! The log stores commands as postcard (the serde derive below is the
//! format; `docs/host-format.md` spells it out).

use imbot_like::{Applied, Command, CommandError, IdempotencyKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::Caller as AuthCaller;
use crate::portal::{Caller, Params, PortalError, PortalMethod};

use super::retries::Keyed;

/// The engine command of the host's sizing (chats of up to 128 members).
pub type EngineCommand = Command<128>;

/// One change of the host's state, with everything it depends on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostCommand {
    /// When it was received, in Unix milliseconds.
    pub at_ms: u64,
    /// What it does.
    pub op: Op,
}

/// What a command does.
///
/// A command lives on the stack for one request, so the engine command
/// (up to a chat's member list) stays inline rather than boxed: a like
/// would otherwise allocate.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Op {
    /// An engine transition: a like or a reaction (keyed or not).
    Engine(EngineCommand),
    /// A world method's call.
    Portal(PortalCall),
    /// A like or reaction under an idempotency key, in its caller's own
    /// retry window (see `retries`).
    Keyed(KeyedCall),
}

/// A like or reaction sent with an idempotency key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyedCall {
    /// The application or webhook whose window holds the key.
    pub(crate) caller: AuthCaller,
    /// The key, from the text the client sent.
    pub key: IdempotencyKey,
    /// The request.
    pub request: Keyed,
}

/// A world method's call: the method, who calls, with what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortalCall {
    /// The method.
    pub method: PortalMethod,
    /// The authenticated caller.
    pub(crate) caller: Caller,
    /// The call's parameters.
    pub(crate) params: Params,
    /// Randomness for a bot token the call may make (`None`: tokens are
    /// derived from the bot id, as under the stepped clock).
    pub entropy: Option<u64>,
}

/// What applying a command answered.
#[derive(Debug, Clone)]
pub enum Answer {
    /// An engine transition's result.
    Engine(Result<Applied, CommandError>),
    /// A world method's `result` value, or its error.
    Portal(Result<Value, PortalError>),
}

impl HostCommand {
    /// An engine command received at `at_ms`.
    #[must_use]
    pub fn engine(at_ms: u64, command: EngineCommand) -> Self {
        Self {
            at_ms,
            op: Op::Engine(command),
        }
    }

    /// A world method called by `user` with `params` (name, value pairs
    /// as a form would send them, decoded), received at `at_ms`: for tools
    /// and benchmarks that build a state without HTTP.
    #[must_use]
    pub fn user_call(
        at_ms: u64,
        method: PortalMethod,
        user: imbot_like::UserId,
        params: &[(&str, &str)],
    ) -> Self {
        Self {
            at_ms,
            op: Op::Portal(PortalCall {
                method,
                caller: Caller::User(user),
                params: Params::from_pairs(params),
                entropy: None,
            }),
        }
    }

    /// The command as the log stores it.
    ///
    /// # Errors
    /// postcard's, which a command's types cannot produce.
    pub fn encode(&self) -> Result<Vec<u8>, postcard::Error> {
        postcard::to_allocvec(self)
    }

    /// A command from its logged bytes; every byte must be used.
    ///
    /// # Errors
    /// Bytes that are not exactly one command.
    pub fn decode(bytes: &[u8]) -> Result<Self, postcard::Error> {
        match postcard::take_from_bytes(bytes)? {
            (command, []) => Ok(command),
            _ => Err(postcard::Error::DeserializeUnexpectedEnd),
        }
    }
}

/// Whether an engine command enters the retry window even when refused.
pub(crate) fn is_keyed(command: &EngineCommand) -> bool {
    matches!(
        command,
        Command::KeyedLike(..)
            | Command::KeyedLikeAsUser(..)
            | Command::KeyedAddReaction(..)
            | Command::KeyedDeleteReaction(..)
    )
}
