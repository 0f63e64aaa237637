#![doc = include_str!("../README.md")]
//!
//! # Rule map
//!
//! Every rule of [the contract](contract), the public entry point that
//! enforces it (the private step that does the work is named in the text),
//! the refusal it answers with, and the tests that check it. The
//! model-based test (`tests/model/`) checks every rule and check together
//! against a reference built on std collections.
//!
//! | rule | enforced by | refused with | tests |
//! | --- | --- | --- | --- |
//! | L1 | [`Engine::like`] (`resolve_bot`, then the shared `check_bot`) | [`LikeError::BotNotFound`], [`LikeError::BotIdInvalid`] | `tests/rules.rs`, `src/wire/tests/rules.rs` |
//! | L2 | [`Engine::like`] (`select_bot`) under the [`BotPolicy`] | [`LikeError::NoBotForApp`], [`LikeError::BotIdRequired`] | `tests/rules.rs`, `src/wire/tests/rules.rs` |
//! | L3 | [`Engine::like`] (`check_bot`) | [`LikeError::ForeignBot`] | `tests/rules.rs`, `src/wire/tests/rules.rs` |
//! | L4 | [`Engine::like`], [`Engine::like_as_user`] (`require_message`); the syntax in [`Arg::parse`] and [`MessageId`]'s `FromStr` | [`LikeError::MessageIdMissing`], [`LikeError::MessageIdInvalid`] | `tests/rules.rs`, `tests/ids.rs`, `src/wire/tests/json_body.rs` |
//! | L5 | [`Action::parse`] | — | `tests/rules.rs`, `src/wire/tests/rules.rs` |
//! | L6 | [`Engine::like`], [`Engine::like_as_user`] (`apply_like`, through `reachable_message`) | [`LikeError::MessageNotFound`] | `tests/rules.rs` |
//! | L7 | the same | [`LikeError::NotAMember`] | `tests/rules.rs` |
//! | L8 | the same (`apply_like`) | [`LikeError::AlreadyLiked`], [`LikeError::NotLiked`] | `tests/rules.rs` |
//! | L9 | the same (`apply_like`, the message row's `like_rank`) | [`LikeError::LikeSetFull`], [`LikeError::PoolFull`] | `tests/rules.rs`, `tests/capacity.rs` |
//! | L10 | the same: the one insert or remove | success: [`Outcome`] | `tests/rules.rs` |
//! | V1 | [`Engine::add_reaction`], [`Engine::delete_reaction`] (`check_reaction`) | [`ReactionError::BotIdRequired`], [`ReactionError::BotIdInvalid`] | `tests/reactions.rs`, `src/wire/tests/reaction_checks.rs` |
//! | V2 | the same (`check_bot`) | [`ReactionError::BotNotFound`] | `tests/reactions.rs` |
//! | V3 | the same (`check_bot`) | [`ReactionError::ForeignBot`] | `tests/reactions.rs` |
//! | V4 | the same (`check_reaction`) | [`ReactionError::MessageIdMissing`], [`ReactionError::MessageIdInvalid`] | `tests/reactions.rs` |
//! | V5 | the same (`check_reaction`); the codes in [`Reaction`] | [`ReactionError::ReactionMissing`], [`ReactionError::ReactionUnknown`] | `tests/reactions.rs` |
//! | V6 | the same (`reaction_target`, through `reachable_message`) | [`ReactionError::MessageNotFound`], [`ReactionError::NotAMember`] | `tests/reactions.rs` |
//! | V7 | [`Engine::add_reaction`] / [`Engine::delete_reaction`] | [`ReactionError::AlreadySet`] / [`ReactionError::NotSet`] | `tests/reactions.rs` |
//! | V8 | [`Engine::add_reaction`] (the message row's `like_rank` for a like, `add` for another kind) | [`ReactionError::ReactionsFull`], [`ReactionError::PoolFull`] | `tests/reactions.rs`, `tests/capacity.rs` |
//! | retries (contract section 9) | [`Engine::like_keyed`], [`Engine::like_as_user_keyed`], [`Engine::add_reaction_keyed`], [`Engine::delete_reaction_keyed`] (`keyed`, over the retry window) | [`LikeError::KeyReused`], [`ReactionError::KeyReused`] | `tests/keys.rs`, `tests/snapshot.rs` |
//!
//! The host-side transitions and their refusals are tested in
//! `tests/transitions.rs`, the capacities in `tests/capacity.rs`, the wire
//! envelopes in `src/wire/tests/`.
//!
//! # Modules
//!
//! - [`contract`]: the behaviour contract, rule by rule (documentation only).
//! - [`v2`]: the imbot.v2 reaction methods' request, outcome and errors.
//! - [`wire`]: the REST protocol: parameters, application identity and
//!   response envelopes, `no_std` and allocation-free.
//! - The crate root: the [`Engine`] and its sizings ([`Sizing`],
//!   [`Capacity`], [`SmallEngine`], [`ServerEngine`]), the requests, ids,
//!   outcomes and errors.
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
mod array;
mod bits;
mod chain;
mod command;
mod engine;
mod error;
mod ids;
mod keyed;
mod keys;
mod like;
mod outcome;
mod pool;
mod query;
mod reaction;
mod request;
mod shift;
mod sizing;
pub mod snapshot;
mod store;
mod table;
mod transitions;
pub mod v2;
mod window;
/// The REST wire layer: parameters, application identity and responses
/// (the `wire` feature, on by default).
#[cfg(feature = "wire")]
#[cfg_attr(docsrs, doc(cfg(feature = "wire")))]
pub mod wire;

#[doc = include_str!("../docs/contract.md")]
pub mod contract {}

/// Internal tables, exposed for the crate's own benchmarks only: not
/// covered by semver.
#[cfg(feature = "unstable-internals")]
#[cfg_attr(docsrs, doc(cfg(feature = "unstable-internals")))]
#[doc(hidden)]
pub mod internals {
    pub use crate::table::{Table, TableKey};
}

pub use action::Action;
pub use command::{Applied, CodecError, Command, CommandError};
pub use engine::{Engine, ServerEngine, SmallEngine};
pub use error::{
    CloseChatError, DeleteMessageError, ErrorCode, JoinChatError, LeaveChatError, LikeError,
    OpenChatError, PostMessageError, RegisterBotError, UnregisterBotError,
};
pub use ids::{AppId, Arg, BotId, ChatId, IdError, MessageId, UserId};
pub use keys::IdempotencyKey;
pub use outcome::{Change, Outcome};
pub use query::{MessageInfo, ReactionGroup, ReactionGroups, UserReactions, Users};
pub use reaction::{Reaction, UnknownReaction};
pub use request::{BotPolicy, LikeRequest, UserLikeRequest};
pub use sizing::{Capacity, Server, Sizing, Small, mask_words, pool_for};
pub use snapshot::{RestoreError, SnapshotError};
pub use v2::{ReactionError, ReactionErrorCode, ReactionOutcome, ReactionRequest};
