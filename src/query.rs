//! Read-only queries over the engine's tables.

use core::iter::FusedIterator;
use core::slice;

use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::ids::{AppId, BotId, ChatId, MessageId, UserId};
use crate::store::{Entry, Kind};

/// A stored message's chat and author.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct MessageInfo {
    /// The chat the message belongs to.
    pub chat: ChatId,
    /// The message's author.
    pub author: UserId,
}

/// The users who like a message, ascending. Made by [`Engine::likers`].
#[derive(Debug, Clone)]
pub struct Likers<'a> {
    entries: slice::Iter<'a, Entry>,
}

impl Iterator for Likers<'_> {
    type Item = UserId;

    fn next(&mut self) -> Option<UserId> {
        self.entries.next().map(|e| e.user)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.entries.size_hint()
    }
}

impl DoubleEndedIterator for Likers<'_> {
    fn next_back(&mut self) -> Option<UserId> {
        self.entries.next_back().map(|e| e.user)
    }
}

impl ExactSizeIterator for Likers<'_> {}

impl FusedIterator for Likers<'_> {}

impl<
    const BOTS: usize,
    const CHATS: usize,
    const MEMBERS: usize,
    const MESSAGES: usize,
    const LIKES: usize,
> Engine<BOTS, CHATS, MEMBERS, MESSAGES, LIKES>
{
    /// The users who like a message, ascending, or `None` for an unknown
    /// message. O(1) expected, plus O(log LIKES).
    #[must_use]
    pub fn likers(&self, message: MessageId) -> Option<Likers<'_>> {
        let row = self.messages.get(&message)?;
        let entries = row.reactions.run(Kind::LIKE).iter();
        Some(Likers { entries })
    }

    /// Whether `user` likes the message; `false` for an unknown message.
    /// O(1) expected, plus O(log LIKES).
    #[must_use]
    pub fn is_liked_by(&self, message: MessageId, user: UserId) -> bool {
        self.messages
            .get(&message)
            .is_some_and(|row| row.reactions.find(Kind::LIKE, user).is_ok())
    }

    /// How many users like the message, or `None` for an unknown message.
    /// O(1) expected, plus O(log LIKES).
    #[must_use]
    pub fn like_count(&self, message: MessageId) -> Option<usize> {
        self.likers(message).map(|likers| likers.len())
    }

    /// A stored message's chat and author, or `None` for an unknown message.
    /// O(1) expected.
    #[must_use]
    pub fn message(&self, message: MessageId) -> Option<MessageInfo> {
        let row = self.messages.get(&message)?;
        Some(MessageInfo {
            chat: row.chat,
            author: row.author,
        })
    }

    /// The application that owns a bot, or `None` for an unknown bot.
    /// O(1) expected.
    #[must_use]
    pub fn bot_owner(&self, bot: BotId) -> Option<AppId> {
        self.bots.get(&bot).copied()
    }

    /// A chat's members, ascending, or `None` for an unknown chat.
    /// O(1) expected.
    #[must_use]
    pub fn chat_members(&self, chat: ChatId) -> Option<&[UserId]> {
        self.chats.get(&chat).map(|members| members.as_slice())
    }

    /// Whether `user` is a member of the chat; `false` for an unknown chat.
    /// O(1) expected, plus O(log MEMBERS).
    #[must_use]
    pub fn is_member(&self, chat: ChatId, user: UserId) -> bool {
        self.chats.get(&chat).is_some_and(|m| m.contains(user))
    }

    /// The registered bots and their applications, in no particular order.
    pub fn bots(&self) -> impl Iterator<Item = (BotId, AppId)> + '_ {
        self.bots.iter().map(|(bot, app)| (*bot, *app))
    }

    /// How many bots are registered.
    #[must_use]
    pub fn bot_count(&self) -> usize {
        self.bots.len()
    }

    /// How many chats are open.
    #[must_use]
    pub fn chat_count(&self) -> usize {
        self.chats.len()
    }

    /// How many messages are stored.
    #[must_use]
    pub fn message_count(&self) -> usize {
        self.messages.len()
    }
}
