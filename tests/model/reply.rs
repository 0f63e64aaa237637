//! The answer to one step as plain values, and the engine's answer.
// Included by several test crates and the fuzz target; each uses a part.
#![allow(dead_code)]

use imbot_like::{
    AppId, Change, CloseChatError, DeleteMessageError, Engine, IdempotencyKey, JoinChatError,
    LeaveChatError, LikeError, LikeRequest, OpenChatError, Outcome, PostMessageError, Reaction,
    ReactionError, ReactionOutcome, ReactionRequest, RegisterBotError, Sizing, UnregisterBotError,
    UserId, UserLikeRequest,
};

use super::common::{bot, chat, msg, user};
use super::steps::{Step, Verb};

/// A successful like as plain values (section 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Liked {
    pub(crate) message: u64,
    pub(crate) chat: u32,
    pub(crate) actor: u32,
    pub(crate) change: Change,
    /// How many users like the message after the change.
    pub(crate) count: usize,
    /// The message's version after the change.
    pub(crate) version: u32,
    pub(crate) notify: Option<u32>,
}

impl Liked {
    fn from_outcome(outcome: &Outcome) -> Self {
        Self {
            message: outcome.message.get(),
            chat: outcome.chat.get(),
            actor: outcome.actor.get(),
            change: outcome.change,
            count: outcome.count,
            version: outcome.version,
            notify: outcome.notify.map(UserId::get),
        }
    }
}

/// A successful v2 reaction request as plain values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reacted {
    pub(crate) message: u64,
    pub(crate) chat: u32,
    pub(crate) actor: u32,
    pub(crate) reaction: Reaction,
    pub(crate) change: Change,
    /// How many users set this kind after the change.
    pub(crate) count: usize,
    /// The message's version after the change.
    pub(crate) version: u32,
    pub(crate) notify: Option<u32>,
}

impl Reacted {
    fn from_outcome(outcome: &ReactionOutcome) -> Self {
        Self {
            message: outcome.message.get(),
            chat: outcome.chat.get(),
            actor: outcome.actor.get(),
            reaction: outcome.reaction,
            change: outcome.change,
            count: outcome.count,
            version: outcome.version,
            notify: outcome.notify.map(UserId::get),
        }
    }
}

/// The answer to one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reply {
    /// No step has run yet.
    Start,
    RegisterBot(Result<(), RegisterBotError>),
    UnregisterBot(Result<AppId, UnregisterBotError>),
    OpenChat(Result<(), OpenChatError>),
    CloseChat(Result<usize, CloseChatError>),
    JoinChat(Result<(), JoinChatError>),
    LeaveChat(Result<(), LeaveChatError>),
    PostMessage(Result<(), PostMessageError>),
    DeleteMessage(Result<(), DeleteMessageError>),
    Like(Result<Liked, LikeError>),
    React(Result<Reacted, ReactionError>),
}

impl Reply {
    pub(crate) fn is_refused(&self) -> bool {
        match self {
            Self::Start => false,
            Self::RegisterBot(r) => r.is_err(),
            Self::UnregisterBot(r) => r.is_err(),
            Self::OpenChat(r) => r.is_err(),
            Self::CloseChat(r) => r.is_err(),
            Self::JoinChat(r) => r.is_err(),
            Self::LeaveChat(r) => r.is_err(),
            Self::PostMessage(r) => r.is_err(),
            Self::DeleteMessage(r) => r.is_err(),
            Self::Like(r) => r.is_err(),
            Self::React(r) => r.is_err(),
        }
    }
}
/// Runs one step on the engine.
pub(crate) fn run<S: Sizing>(engine: &mut Engine<S>, step: &Step) -> Reply {
    match step {
        Step::Keyed { key, call } if call.is_request() => {
            request(engine, call, Some(Step::idempotency_key(*key)))
        }
        Step::Keyed { call, .. } => run(engine, call),
        Step::Like { .. } | Step::LikeAsUser { .. } | Step::React { .. } => {
            request(engine, step, None)
        }
        _ => transition(engine, step),
    }
}

/// Runs one host transition on the engine.
fn transition<S: Sizing>(engine: &mut Engine<S>, step: &Step) -> Reply {
    match step {
        Step::RegisterBot { bot: b, app } => {
            Reply::RegisterBot(engine.register_bot(bot(*b), AppId(*app)))
        }
        Step::UnregisterBot { bot: b } => Reply::UnregisterBot(engine.unregister_bot(bot(*b))),
        Step::OpenChat { chat: c, members } => {
            let members: Vec<UserId> = members.iter().map(|&u| user(u)).collect();
            Reply::OpenChat(engine.open_chat(chat(*c), &members))
        }
        Step::CloseChat { chat: c } => Reply::CloseChat(engine.close_chat(chat(*c))),
        Step::JoinChat { chat: c, user: u } => {
            Reply::JoinChat(engine.join_chat(chat(*c), user(*u)))
        }
        Step::LeaveChat { chat: c, user: u } => {
            Reply::LeaveChat(engine.leave_chat(chat(*c), user(*u)))
        }
        Step::PostMessage {
            message,
            chat: c,
            author,
        } => Reply::PostMessage(engine.post_message(msg(*message), chat(*c), user(*author))),
        Step::DeleteMessage { message } => {
            Reply::DeleteMessage(engine.delete_message(msg(*message)))
        }
        _ => request(engine, step, None),
    }
}

/// Runs one request on the engine, through its keyed entry point when
/// `key` is given.
fn request<S: Sizing>(engine: &mut Engine<S>, step: &Step, key: Option<IdempotencyKey>) -> Reply {
    match step {
        Step::Like {
            app,
            bot: b,
            message,
            action,
        } => {
            let mut request = LikeRequest::new(*message).bot(*b).action(*action);
            if let Some(app) = app {
                request = request.app(AppId(*app));
            }
            let result = match key {
                Some(key) => engine.like_keyed(key, &request),
                None => engine.like(&request),
            };
            Reply::Like(result.as_ref().map(Liked::from_outcome).map_err(|e| *e))
        }
        Step::LikeAsUser {
            user: u,
            message,
            action,
        } => {
            let request = UserLikeRequest::new(user(*u), *message).action(*action);
            let result = match key {
                Some(key) => engine.like_as_user_keyed(key, &request),
                None => engine.like_as_user(&request),
            };
            Reply::Like(result.as_ref().map(Liked::from_outcome).map_err(|e| *e))
        }
        Step::React {
            verb,
            app,
            bot: b,
            message,
            reaction,
        } => {
            let mut request = ReactionRequest::new(*b, *message, *reaction);
            if let Some(app) = app {
                request = request.app(AppId(*app));
            }
            let result = match (verb, key) {
                (Verb::Add, Some(key)) => engine.add_reaction_keyed(key, &request),
                (Verb::Add, None) => engine.add_reaction(&request),
                (Verb::Delete, Some(key)) => engine.delete_reaction_keyed(key, &request),
                (Verb::Delete, None) => engine.delete_reaction(&request),
            };
            Reply::React(result.as_ref().map(Reacted::from_outcome).map_err(|e| *e))
        }
        _ => run(engine, step),
    }
}
