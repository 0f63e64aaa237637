//! `imbot.v2.Chat.Message.Reaction.add` and `.delete`: reactions of 48
//! kinds over the same tables as the legacy like.
//!
//! The legacy like *is* the [`Reaction::Like`](crate::Reaction::Like)
//! reaction: a like set through either API is seen by the other, and a
//! message's capacity counts reactions of every kind.
//!
//! Checks run in this order; the first that fails decides the answer:
//!
//! | step | check | wire code |
//! | --- | --- | --- |
//! | V1 | `botId` sent and a valid id | `BOT_ID_REQUIRED` / `BOT_NOT_FOUND` |
//! | V2 | the bot is registered | `BOT_NOT_FOUND` |
//! | V3 | the bot belongs to the caller's app | `BOT_OWNERSHIP_ERROR` |
//! | V4 | `messageId` sent and a valid id | `ACCESS_DENIED` |
//! | V5 | `reaction` sent and a known code (case-sensitive) | `REACTION_NOT_FOUND` |
//! | V6 | the message exists and the bot is a member of its chat | `ACCESS_DENIED` |
//! | V7 | add: not set yet / delete: set | `REACTION_ALREADY_SET` / `REACTION_NOT_FOUND` |
//! | V8 | add: the message has room for another reaction | `REACTION_LIMIT_REACHED` |
//!
//! Where the documentation is silent: a message that does not exist, or a
//! `messageId` that is not a valid id, is `ACCESS_DENIED` (the bot cannot
//! see such a message); deleting a reaction that is not set is
//! `REACTION_NOT_FOUND`; a message with no room left is
//! `REACTION_LIMIT_REACHED`, a code of this crate (portals store reactions
//! without a per-message limit). `BOT_TOKEN_NOT_SPECIFIED` is decided
//! before V1 by whoever authenticates the call, since the engine keeps no
//! tokens.

mod apply;
mod error;
mod outcome;
mod request;

pub use error::{ReactionError, ReactionErrorCode};
pub use outcome::ReactionOutcome;
pub use request::ReactionRequest;
