//! The engine's entry points: the like paths, reactions, every host
//! transition and the queries, on [`SmallEngine`]. Outcomes are reduced
//! to `()` so a change of their fields does not touch this file.

use imbot_like::{
    AppId, BotId, ChatId, CloseChatError, DeleteMessageError, LeaveChatError, MessageId,
    OpenChatError, PostMessageError, ReactionError, ReactionRequest, RegisterBotError, SmallEngine,
    UnregisterBotError, UserId,
};
use no_panic::no_panic;

#[no_panic]
pub fn register_bot(
    engine: &mut SmallEngine,
    bot: BotId,
    app: AppId,
) -> Result<(), RegisterBotError> {
    engine.register_bot(bot, app)
}

#[no_panic]
pub fn open_chat(
    engine: &mut SmallEngine,
    chat: ChatId,
    members: &[UserId],
) -> Result<(), OpenChatError> {
    engine.open_chat(chat, members)
}

#[no_panic]
pub fn post_message(
    engine: &mut SmallEngine,
    message: MessageId,
    chat: ChatId,
    author: UserId,
) -> Result<(), PostMessageError> {
    engine.post_message(message, chat, author)
}

#[no_panic]
pub fn delete_reaction(
    engine: &mut SmallEngine,
    request: &ReactionRequest,
) -> Result<(), ReactionError> {
    engine.delete_reaction(request).map(|_| ())
}

#[no_panic]
pub fn unregister_bot(engine: &mut SmallEngine, bot: BotId) -> Result<AppId, UnregisterBotError> {
    engine.unregister_bot(bot)
}

#[no_panic]
pub fn close_chat(engine: &mut SmallEngine, chat: ChatId) -> Result<usize, CloseChatError> {
    engine.close_chat(chat)
}

#[no_panic]
pub fn leave_chat(
    engine: &mut SmallEngine,
    chat: ChatId,
    user: UserId,
) -> Result<(), LeaveChatError> {
    engine.leave_chat(chat, user)
}

#[no_panic]
pub fn delete_message(
    engine: &mut SmallEngine,
    message: MessageId,
) -> Result<(), DeleteMessageError> {
    engine.delete_message(message)
}

#[no_panic]
pub fn like_count(engine: &SmallEngine, message: MessageId) -> Option<usize> {
    engine.like_count(message)
}

#[no_panic]
pub fn is_liked_by(engine: &SmallEngine, message: MessageId, user: UserId) -> bool {
    engine.is_liked_by(message, user)
}

#[no_panic]
pub fn likers(engine: &SmallEngine, message: MessageId) -> usize {
    engine.likers(message).map_or(0, Iterator::count)
}

#[no_panic]
pub fn reactions(engine: &SmallEngine, message: MessageId) -> usize {
    engine.reactions(message).map_or(0, Iterator::count)
}

#[no_panic]
pub fn user_reactions(engine: &SmallEngine, message: MessageId, user: UserId) -> usize {
    engine
        .user_reactions(message, user)
        .map_or(0, Iterator::count)
}

#[no_panic]
pub fn message(engine: &SmallEngine, message: MessageId) -> bool {
    engine.message(message).is_some()
}

#[no_panic]
pub fn bot_owner(engine: &SmallEngine, bot: BotId) -> Option<AppId> {
    engine.bot_owner(bot)
}

#[no_panic]
pub fn chat_members(engine: &SmallEngine, chat: ChatId) -> usize {
    engine.chat_members(chat).map_or(0, <[UserId]>::len)
}

#[no_panic]
pub fn is_member(engine: &SmallEngine, chat: ChatId, user: UserId) -> bool {
    engine.is_member(chat, user)
}

#[no_panic]
pub fn bots(engine: &SmallEngine) -> usize {
    engine.bots().count()
}

#[no_panic]
pub fn counts(engine: &SmallEngine) -> (usize, usize, usize) {
    (
        engine.bot_count(),
        engine.chat_count(),
        engine.message_count(),
    )
}

/// The entry points that insert into a sorted array (the reaction pool or
/// a chat's member list): the like paths, `add_reaction` and `join_chat`.
pub mod inserts {
    use imbot_like::{JoinChatError, LikeError, LikeRequest, UserLikeRequest};

    use super::*;

    #[no_panic]
    pub fn join_chat(
        engine: &mut SmallEngine,
        chat: ChatId,
        user: UserId,
    ) -> Result<(), JoinChatError> {
        engine.join_chat(chat, user)
    }

    #[no_panic]
    pub fn like(engine: &mut SmallEngine, request: &LikeRequest) -> Result<(), LikeError> {
        engine.like(request).map(|_| ())
    }

    #[no_panic]
    pub fn like_as_user(
        engine: &mut SmallEngine,
        request: &UserLikeRequest,
    ) -> Result<(), LikeError> {
        engine.like_as_user(request).map(|_| ())
    }

    #[no_panic]
    pub fn add_reaction(
        engine: &mut SmallEngine,
        request: &ReactionRequest,
    ) -> Result<(), ReactionError> {
        engine.add_reaction(request).map(|_| ())
    }
}

/// The keyed entry points, on a sizing with a retry window of 16 (on
/// [`SmallEngine`], whose window is 0, they would be the unkeyed ones).
pub mod keyed {
    use imbot_like::{
        Capacity, Engine, IdempotencyKey, LikeError, LikeRequest, ReactionError, ReactionRequest,
        UserLikeRequest,
    };
    use no_panic::no_panic;

    /// [`super::SmallEngine`]'s capacities with a window of 16 keys.
    pub type KeyedEngine = Engine<Capacity<4, 8, 8, 64, 8, 256, 16>>;

    #[no_panic]
    pub fn like_keyed(
        engine: &mut KeyedEngine,
        key: IdempotencyKey,
        request: &LikeRequest,
    ) -> Result<(), LikeError> {
        engine.like_keyed(key, request).map(|_| ())
    }

    #[no_panic]
    pub fn like_as_user_keyed(
        engine: &mut KeyedEngine,
        key: IdempotencyKey,
        request: &UserLikeRequest,
    ) -> Result<(), LikeError> {
        engine.like_as_user_keyed(key, request).map(|_| ())
    }

    #[no_panic]
    pub fn add_reaction_keyed(
        engine: &mut KeyedEngine,
        key: IdempotencyKey,
        request: &ReactionRequest,
    ) -> Result<(), ReactionError> {
        engine.add_reaction_keyed(key, request).map(|_| ())
    }

    #[no_panic]
    pub fn delete_reaction_keyed(
        engine: &mut KeyedEngine,
        key: IdempotencyKey,
        request: &ReactionRequest,
    ) -> Result<(), ReactionError> {
        engine.delete_reaction_keyed(key, request).map(|_| ())
    }

    #[no_panic]
    pub fn key_from_text(text: &str) -> IdempotencyKey {
        IdempotencyKey::from_text(text)
    }
}
