//! Commands: every state change of the engine as a value, for hosts that
//! keep a log of what they applied and replay it.
//!
//! A log-based host applies each accepted request as a [`Command`] through
//! [`Engine::apply`], appends the command's bytes ([`Command::encode`]) to
//! its log, and after a restart restores its last snapshot and applies the
//! logged commands again in order. Replay is deterministic: the same
//! snapshot and the same commands give the same state, byte for byte in
//! the next snapshot. [`Command`]'s documentation shows how a host that
//! outgrows one machine shards and replicates its engines.

use core::fmt;

use heapless::Vec;
use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::error::{
    CloseChatError, DeleteMessageError, JoinChatError, LeaveChatError, LikeError, OpenChatError,
    PostMessageError, RegisterBotError, UnregisterBotError,
};
use crate::ids::{AppId, BotId, ChatId, MessageId, UserId};
use crate::keys::IdempotencyKey;
use crate::outcome::Outcome;
use crate::request::{LikeRequest, UserLikeRequest};
use crate::sizing::Sizing;
use crate::snapshot::encodes_to;
use crate::v2::{ReactionError, ReactionOutcome, ReactionRequest};

/// One state change: a host transition or a request of the like and
/// reaction methods. `M` is the sizing's member capacity: the most initial
/// members [`Command::OpenChat`] can carry.
///
/// A log-based host applies each accepted request as a command through
/// [`Engine::apply`], appends [`Command::encode`]'s bytes to its log, and
/// after a restart restores its last snapshot and applies the logged
/// commands again in order.
///
/// # Sharding and replication
///
/// An engine serves one set of chats. A host that outgrows one machine
/// splits the chats into shards by chat id (every message, member list and
/// reaction lives with its chat; a bot is registered in every shard it acts
/// in), runs one engine per shard, and replicates each shard's command log
/// with an existing consensus library rather than one of its own. With
/// `openraft`, the shard's state machine holds the engine; its `apply`
/// hook receives committed log entries in order, each carrying the
/// encoded command, and does exactly what a single host does on replay:
///
/// ```text
/// for entry in committed_entries {
///     let command = Command::decode(&entry.payload)?;   // canonical or refused
///     let result = shard.engine.apply(&command);          // Ok(Applied) or Err(CommandError)
///     responses.push(result);                             // every replica computes the same
/// }
/// ```
///
/// and builds its snapshots with [`Engine::snapshot`] and installs them
/// with [`Engine::restore_into`]. The router in front maps a request to its
/// shard: a like or reaction by its message's chat (a message id lookup
/// kept by the router), a chat transition by the chat id. Since the engine
/// is deterministic and every replica applies the same committed commands,
/// every replica's state and answers agree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Command<const M: usize> {
    /// [`Engine::register_bot`].
    RegisterBot {
        /// The bot.
        bot: BotId,
        /// Its owner.
        app: AppId,
    },
    /// [`Engine::unregister_bot`].
    UnregisterBot {
        /// The bot.
        bot: BotId,
    },
    /// [`Engine::open_chat`].
    OpenChat {
        /// The chat.
        chat: ChatId,
        /// Its initial members.
        members: Vec<UserId, M>,
    },
    /// [`Engine::close_chat`].
    CloseChat {
        /// The chat.
        chat: ChatId,
    },
    /// [`Engine::join_chat`].
    JoinChat {
        /// The chat.
        chat: ChatId,
        /// The new member.
        user: UserId,
    },
    /// [`Engine::leave_chat`].
    LeaveChat {
        /// The chat.
        chat: ChatId,
        /// The member leaving.
        user: UserId,
    },
    /// [`Engine::post_message`].
    PostMessage {
        /// The message.
        message: MessageId,
        /// Its chat.
        chat: ChatId,
        /// Its author.
        author: UserId,
    },
    /// [`Engine::delete_message`].
    DeleteMessage {
        /// The message.
        message: MessageId,
    },
    /// [`Engine::like`]: `imbot.message.like`.
    Like(LikeRequest),
    /// [`Engine::like_as_user`]: `im.message.like`.
    LikeAsUser(UserLikeRequest),
    /// [`Engine::add_reaction`].
    AddReaction(ReactionRequest),
    /// [`Engine::delete_reaction`].
    DeleteReaction(ReactionRequest),
    /// [`Engine::like_keyed`]: `imbot.message.like` under an idempotency
    /// key.
    KeyedLike(IdempotencyKey, LikeRequest),
    /// [`Engine::like_as_user_keyed`]: `im.message.like` under an
    /// idempotency key.
    KeyedLikeAsUser(IdempotencyKey, UserLikeRequest),
    /// [`Engine::add_reaction_keyed`].
    KeyedAddReaction(IdempotencyKey, ReactionRequest),
    /// [`Engine::delete_reaction_keyed`].
    KeyedDeleteReaction(IdempotencyKey, ReactionRequest),
}

/// What an applied command returned, by transition.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Applied {
    /// A bot was registered.
    BotRegistered,
    /// A bot was unregistered; its former owner.
    BotUnregistered(AppId),
    /// A chat was opened.
    ChatOpened,
    /// A chat was closed; how many messages were dropped with it.
    ChatClosed(usize),
    /// A member joined.
    Joined,
    /// A member left.
    Left,
    /// A message was posted.
    Posted,
    /// A message was deleted.
    Deleted,
    /// A like was set or removed (either like method), or a keyed retry
    /// was answered with the outcome remembered for its key.
    Liked(Outcome),
    /// A reaction was added or deleted, or a keyed retry was answered
    /// with the outcome remembered for its key.
    Reacted(ReactionOutcome),
}

/// Why a command was refused, by transition; the state is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum CommandError {
    /// [`Command::RegisterBot`] failed.
    RegisterBot(RegisterBotError),
    /// [`Command::UnregisterBot`] failed.
    UnregisterBot(UnregisterBotError),
    /// [`Command::OpenChat`] failed.
    OpenChat(OpenChatError),
    /// [`Command::CloseChat`] failed.
    CloseChat(CloseChatError),
    /// [`Command::JoinChat`] failed.
    JoinChat(JoinChatError),
    /// [`Command::LeaveChat`] failed.
    LeaveChat(LeaveChatError),
    /// [`Command::PostMessage`] failed.
    PostMessage(PostMessageError),
    /// [`Command::DeleteMessage`] failed.
    DeleteMessage(DeleteMessageError),
    /// A like command failed.
    Like(LikeError),
    /// A reaction command failed.
    Reaction(ReactionError),
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RegisterBot(e) => e.fmt(f),
            Self::UnregisterBot(e) => e.fmt(f),
            Self::OpenChat(e) => e.fmt(f),
            Self::CloseChat(e) => e.fmt(f),
            Self::JoinChat(e) => e.fmt(f),
            Self::LeaveChat(e) => e.fmt(f),
            Self::PostMessage(e) => e.fmt(f),
            Self::DeleteMessage(e) => e.fmt(f),
            Self::Like(e) => e.fmt(f),
            Self::Reaction(e) => e.fmt(f),
        }
    }
}

impl core::error::Error for CommandError {}

/// Why command bytes were refused or could not be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum CodecError {
    /// The buffer is too small for the command.
    BufferTooSmall,
    /// The bytes do not decode as a command.
    Malformed,
    /// Bytes follow the command.
    TrailingBytes,
    /// The bytes are not the command's shortest encoding.
    NonCanonical,
}

impl CodecError {
    /// A short static description.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BufferTooSmall => "buffer too small for the command",
            Self::Malformed => "malformed command",
            Self::TrailingBytes => "trailing bytes after the command",
            Self::NonCanonical => "non-canonical command encoding",
        }
    }
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::error::Error for CodecError {}

impl<const M: usize> Command<M> {
    /// The command's postcard encoding, written into `buf`.
    ///
    /// # Errors
    /// [`CodecError::BufferTooSmall`].
    pub fn encode<'b>(&self, buf: &'b mut [u8]) -> Result<&'b [u8], CodecError> {
        match postcard::to_slice(self, buf) {
            Ok(bytes) => Ok(bytes),
            Err(_) => Err(CodecError::BufferTooSmall),
        }
    }

    /// The command these bytes encode: exactly one, in its canonical
    /// encoding (what [`Command::encode`] writes).
    ///
    /// # Errors
    /// [`CodecError::Malformed`], [`CodecError::TrailingBytes`],
    /// [`CodecError::NonCanonical`].
    pub fn decode(bytes: &[u8]) -> Result<Self, CodecError> {
        let (command, rest) =
            postcard::take_from_bytes::<Self>(bytes).map_err(|_| CodecError::Malformed)?;
        if !rest.is_empty() {
            return Err(CodecError::TrailingBytes);
        }
        if !encodes_to(&command, bytes) {
            return Err(CodecError::NonCanonical);
        }
        Ok(command)
    }
}

impl<S: Sizing> Engine<S> {
    /// Applies one command: the single entry point of a log-based host.
    ///
    /// # Errors
    /// The transition's own error, wrapped; the state is then unchanged.
    pub fn apply<const M: usize>(&mut self, command: &Command<M>) -> Result<Applied, CommandError> {
        use CommandError as E;
        match command {
            Command::RegisterBot { bot, app } => self
                .register_bot(*bot, *app)
                .map(|()| Applied::BotRegistered)
                .map_err(E::RegisterBot),
            Command::UnregisterBot { bot } => self
                .unregister_bot(*bot)
                .map(Applied::BotUnregistered)
                .map_err(E::UnregisterBot),
            Command::OpenChat { chat, members } => self
                .open_chat(*chat, members)
                .map(|()| Applied::ChatOpened)
                .map_err(E::OpenChat),
            Command::CloseChat { chat } => self
                .close_chat(*chat)
                .map(Applied::ChatClosed)
                .map_err(E::CloseChat),
            Command::JoinChat { chat, user } => self
                .join_chat(*chat, *user)
                .map(|()| Applied::Joined)
                .map_err(E::JoinChat),
            Command::LeaveChat { chat, user } => self
                .leave_chat(*chat, *user)
                .map(|()| Applied::Left)
                .map_err(E::LeaveChat),
            Command::PostMessage {
                message,
                chat,
                author,
            } => self
                .post_message(*message, *chat, *author)
                .map(|()| Applied::Posted)
                .map_err(E::PostMessage),
            Command::DeleteMessage { message } => self
                .delete_message(*message)
                .map(|()| Applied::Deleted)
                .map_err(E::DeleteMessage),
            Command::Like(request) => self.like(request).map(Applied::Liked).map_err(E::Like),
            Command::LikeAsUser(request) => self
                .like_as_user(request)
                .map(Applied::Liked)
                .map_err(E::Like),
            Command::AddReaction(request) => self
                .add_reaction(request)
                .map(Applied::Reacted)
                .map_err(E::Reaction),
            Command::DeleteReaction(request) => self
                .delete_reaction(request)
                .map(Applied::Reacted)
                .map_err(E::Reaction),
            Command::KeyedLike(key, request) => self
                .like_keyed(*key, request)
                .map(Applied::Liked)
                .map_err(E::Like),
            Command::KeyedLikeAsUser(key, request) => self
                .like_as_user_keyed(*key, request)
                .map(Applied::Liked)
                .map_err(E::Like),
            Command::KeyedAddReaction(key, request) => self
                .add_reaction_keyed(*key, request)
                .map(Applied::Reacted)
                .map_err(E::Reaction),
            Command::KeyedDeleteReaction(key, request) => self
                .delete_reaction_keyed(*key, request)
                .map(Applied::Reacted)
                .map_err(E::Reaction),
        }
    }
}
