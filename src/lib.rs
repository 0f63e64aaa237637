#![doc = include_str!("../README.md")]
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::std_instead_of_core,
    clippy::todo,
    clippy::unimplemented
)]

mod access;
mod action;
mod engine;
mod error;
mod host;
mod ids;
mod like;
mod outcome;
mod pool;
mod query;
mod reaction;
mod request;
mod shift;
mod sizing;
mod store;
mod table;
pub mod v2;
/// The REST wire layer: parameters, application identity and responses.
pub mod wire;

/// Internal tables, exposed for the crate's own benchmarks only: not
/// covered by semver.
#[cfg(feature = "unstable-internals")]
#[cfg_attr(docsrs, doc(cfg(feature = "unstable-internals")))]
#[doc(hidden)]
pub mod internals {
    pub use crate::table::{Table, TableKey};
}

pub use action::Action;
pub use engine::{Engine, ServerEngine, SmallEngine};
pub use error::{
    CloseChatError, DeleteMessageError, ErrorCode, JoinChatError, LeaveChatError, LikeError,
    OpenChatError, PostMessageError, RegisterBotError, UnregisterBotError,
};
pub use ids::{AppId, Arg, BotId, ChatId, IdError, MessageId, UserId};
pub use outcome::{Change, Outcome};
pub use query::{MessageInfo, ReactionGroup, ReactionGroups, UserReactions, Users};
pub use reaction::{Reaction, UnknownReaction};
pub use request::{BotPolicy, LikeRequest, UserLikeRequest};
pub use sizing::{Capacity, Server, Sizing, Small, pool_for};
pub use v2::{ReactionError, ReactionErrorCode, ReactionOutcome, ReactionRequest};
