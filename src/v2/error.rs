//! Wire codes of the v2 reaction methods and the reasons behind them.

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::IdError;

/// The error codes the v2 reaction methods answer with on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ReactionErrorCode {
    /// `BOT_TOKEN_NOT_SPECIFIED`: a webhook call without `botToken`.
    BotTokenNotSpecified,
    /// `BOT_ID_REQUIRED`: `botId` was not sent.
    BotIdRequired,
    /// `BOT_NOT_FOUND`: no such bot.
    BotNotFound,
    /// `BOT_OWNERSHIP_ERROR`: the bot was registered by another application.
    BotOwnershipError,
    /// `ACCESS_DENIED`: the bot cannot see the message.
    AccessDenied,
    /// `REACTION_NOT_FOUND`: unknown code, or delete of a reaction not set.
    ReactionNotFound,
    /// `REACTION_ALREADY_SET`: add of a reaction the bot already set.
    ReactionAlreadySet,
    /// `REACTION_LIMIT_REACHED`: the message has no room for another
    /// reaction. This crate's code: portals have no such limit.
    ReactionLimitReached,
    /// `IDEMPOTENCY_KEY_REUSED`: the request's idempotency key was already
    /// used for another request. This crate's code: portals take no keys.
    IdempotencyKeyReused,
}

impl ReactionErrorCode {
    /// The code as sent in the `error` field.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BotTokenNotSpecified => "BOT_TOKEN_NOT_SPECIFIED",
            Self::BotIdRequired => "BOT_ID_REQUIRED",
            Self::BotNotFound => "BOT_NOT_FOUND",
            Self::BotOwnershipError => "BOT_OWNERSHIP_ERROR",
            Self::AccessDenied => "ACCESS_DENIED",
            Self::ReactionNotFound => "REACTION_NOT_FOUND",
            Self::ReactionAlreadySet => "REACTION_ALREADY_SET",
            Self::ReactionLimitReached => "REACTION_LIMIT_REACHED",
            Self::IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
        }
    }

    /// The text sent in the `error_description` field.
    #[must_use]
    pub const fn description(self) -> &'static str {
        match self {
            Self::BotTokenNotSpecified => "Bot token is not specified",
            Self::BotIdRequired => "Bot ID is required",
            Self::BotNotFound => "Bot not found",
            Self::BotOwnershipError => "Bot is registered by another application",
            Self::AccessDenied => "Access denied",
            Self::ReactionNotFound => "Reaction not found",
            Self::ReactionAlreadySet => "Reaction already set",
            Self::ReactionLimitReached => "No room for another reaction on this message",
            Self::IdempotencyKeyReused => "Idempotency key was already used for another request",
        }
    }

    /// The HTTP status: 403 for `ACCESS_DENIED`, 422 for
    /// `IDEMPOTENCY_KEY_REUSED`, 400 for the rest.
    #[must_use]
    pub const fn http_status(self) -> u16 {
        match self {
            Self::AccessDenied => 403,
            Self::IdempotencyKeyReused => 422,
            _ => 400,
        }
    }
}

impl fmt::Display for ReactionErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

/// Why a v2 reaction request was refused: the precise reason.
/// [`ReactionError::code`] gives the wire code, [`ReactionError::step`] the
/// check (V1 to V8, see [the module docs](crate::v2)) that decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ReactionError {
    /// V1: `botId` was not sent.
    BotIdRequired,
    /// V1: `botId` is not a valid id.
    BotIdInvalid(IdError),
    /// V2: no bot has this id.
    BotNotFound,
    /// V3: the bot belongs to another application (or the caller has none).
    ForeignBot,
    /// V4: `messageId` was not sent.
    MessageIdMissing,
    /// V4: `messageId` is not a valid id.
    MessageIdInvalid(IdError),
    /// V5: `reaction` was not sent.
    ReactionMissing,
    /// V5: `reaction` is not a known code.
    ReactionUnknown,
    /// V6: no message has this id.
    MessageNotFound,
    /// V6: the bot is not a member of the message's chat.
    NotAMember,
    /// V7: add of a reaction the bot already set.
    AlreadySet,
    /// V7: delete of a reaction the bot has not set.
    NotSet,
    /// V8: the message's reaction set is at capacity.
    ReactionsFull,
    /// V8: the engine's shared reaction pool has no room for the message's
    /// set to grow (a sizing whose pool is smaller than the most it could
    /// use; see [`Capacity`](crate::Capacity)).
    PoolFull,
    /// Before the checks: the idempotency key of a keyed request
    /// ([`Engine::add_reaction_keyed`](crate::Engine::add_reaction_keyed))
    /// is remembered with another request or method. Nothing changed.
    KeyReused,
}

impl ReactionError {
    /// The wire code this reason is answered with.
    #[must_use]
    pub const fn code(self) -> ReactionErrorCode {
        use ReactionErrorCode as C;
        match self {
            Self::BotIdRequired => C::BotIdRequired,
            Self::BotIdInvalid(_) | Self::BotNotFound => C::BotNotFound,
            Self::ForeignBot => C::BotOwnershipError,
            Self::MessageIdMissing
            | Self::MessageIdInvalid(_)
            | Self::MessageNotFound
            | Self::NotAMember => C::AccessDenied,
            Self::ReactionMissing | Self::ReactionUnknown | Self::NotSet => C::ReactionNotFound,
            Self::AlreadySet => C::ReactionAlreadySet,
            Self::ReactionsFull | Self::PoolFull => C::ReactionLimitReached,
            Self::KeyReused => C::IdempotencyKeyReused,
        }
    }

    /// The number of the check that refused the request (1 to 8), or 0
    /// for [`ReactionError::KeyReused`], which is decided before the
    /// checks.
    #[must_use]
    pub const fn step(self) -> u8 {
        match self {
            Self::BotIdRequired | Self::BotIdInvalid(_) => 1,
            Self::BotNotFound => 2,
            Self::ForeignBot => 3,
            Self::MessageIdMissing | Self::MessageIdInvalid(_) => 4,
            Self::ReactionMissing | Self::ReactionUnknown => 5,
            Self::MessageNotFound | Self::NotAMember => 6,
            Self::AlreadySet | Self::NotSet => 7,
            Self::ReactionsFull | Self::PoolFull => 8,
            Self::KeyReused => 0,
        }
    }
}

impl fmt::Display for ReactionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BotIdRequired => f.write_str("botId is missing"),
            Self::BotIdInvalid(e) => write!(f, "botId is invalid: {e}"),
            Self::BotNotFound => f.write_str("bot not found"),
            Self::ForeignBot => f.write_str("the bot belongs to another application"),
            Self::MessageIdMissing => f.write_str("messageId is missing"),
            Self::MessageIdInvalid(e) => write!(f, "messageId is invalid: {e}"),
            Self::ReactionMissing => f.write_str("reaction is missing"),
            Self::ReactionUnknown => f.write_str("unknown reaction code"),
            Self::MessageNotFound => f.write_str("message not found"),
            Self::NotAMember => f.write_str("not a member of the message's chat"),
            Self::AlreadySet => f.write_str("the reaction is already set"),
            Self::NotSet => f.write_str("the reaction is not set"),
            Self::ReactionsFull => f.write_str("the message's reaction set is full"),
            Self::PoolFull => f.write_str("the engine's reaction pool is full"),
            Self::KeyReused => {
                f.write_str("the idempotency key was already used for another request")
            }
        }
    }
}

impl core::error::Error for ReactionError {}
