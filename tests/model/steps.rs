//! The steps a run is made of: host transitions and requests with raw ids.
//! Shared by the model test, the simulation, the exhaustive test and the
//! `ops` fuzz target; it depends on nothing but the crate.
// Included by several test crates and the fuzz target; each uses a part.
#![allow(dead_code)]

use imbot_like::{Action, Arg, BotId, MessageId, Reaction, UnknownReaction};

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
#[derive(Debug, Clone)]
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
}
