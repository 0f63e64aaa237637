//! The steps a run is made of: host transitions and requests with raw ids.
//! Shared by the model test, the simulation, the exhaustive test and the
//! `ops` fuzz target; it depends on nothing but the crate.
// Included by several test crates and the fuzz target; each uses a part.
#![allow(dead_code)]

use imbot_like::{Action, Arg, BotId, IdempotencyKey, MessageId, Reaction, UnknownReaction};

/// Which v2 reaction method a step calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verb {
    /// `imbot.v2.Chat.Message.Reaction.add`.
    Add,
    /// `imbot.v2.Chat.Message.Reaction.delete`.
    Delete,
}

/// One step: a host transition, a like request or a reaction request, with
/// raw ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    RegisterBot {
        bot: u32,
        app: u32,
    },
    UnregisterBot {
        bot: u32,
    },
    OpenChat {
        chat: u32,
        members: Vec<u32>,
    },
    CloseChat {
        chat: u32,
    },
    JoinChat {
        chat: u32,
        user: u32,
    },
    LeaveChat {
        chat: u32,
        user: u32,
    },
    PostMessage {
        message: u64,
        chat: u32,
        author: u32,
    },
    DeleteMessage {
        message: u64,
    },
    /// `imbot.message.like`.
    Like {
        app: Option<u32>,
        bot: Arg<BotId>,
        message: Arg<MessageId>,
        action: Action,
    },
    /// `im.message.like`.
    LikeAsUser {
        user: u32,
        message: Arg<MessageId>,
        action: Action,
    },
    /// `imbot.v2.Chat.Message.Reaction.add` or `.delete`.
    React {
        verb: Verb,
        app: Option<u32>,
        bot: Arg<BotId>,
        message: Arg<MessageId>,
        reaction: Arg<Reaction, UnknownReaction>,
    },
    /// A request through its keyed entry point (contract section 9):
    /// `call` is a [`Step::Like`], [`Step::LikeAsUser`] or [`Step::React`]
    /// (build it with [`Step::keyed`]), `key` a small key number (see
    /// [`Step::idempotency_key`]).
    Keyed {
        key: u8,
        call: Box<Step>,
    },
}

impl Step {
    /// Whether this step is a request, one a key can be sent with.
    pub(crate) fn is_request(&self) -> bool {
        matches!(
            self,
            Self::Like { .. } | Self::LikeAsUser { .. } | Self::React { .. }
        )
    }

    /// `call` sent under `key` if it is a request; any other step as it is.
    pub(crate) fn keyed(key: u8, call: Self) -> Self {
        if call.is_request() {
            Self::Keyed {
                key,
                call: Box::new(call),
            }
        } else {
            call
        }
    }

    /// The engine's key for key number `key`: the number shifted into one
    /// of the four 32-bit quarters of the 128 bits, so keys differ in both
    /// 64-bit halves. Distinct numbers give distinct keys.
    pub(crate) fn idempotency_key(key: u8) -> IdempotencyKey {
        IdempotencyKey(u128::from(key) << (u32::from(key % 4) * 32))
    }
}
