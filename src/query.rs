//! Read-only queries over the engine's tables.

use core::iter::FusedIterator;
use core::slice;

use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::ids::{AppId, BotId, ChatId, MessageId, UserId};
use crate::reaction::Reaction;
use crate::store::{Entry, Runs};

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

/// Users, ascending: those who like a message ([`Engine::likers`]) or
/// who set one reaction kind ([`ReactionGroup::users`]).
#[derive(Debug, Clone)]
pub struct Users<'a> {
    entries: slice::Iter<'a, Entry>,
}

impl Iterator for Users<'_> {
    type Item = UserId;

    fn next(&mut self) -> Option<UserId> {
        self.entries.next().map(|e| e.user)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.entries.size_hint()
    }
}

impl DoubleEndedIterator for Users<'_> {
    fn next_back(&mut self) -> Option<UserId> {
        self.entries.next_back().map(|e| e.user)
    }
}

impl ExactSizeIterator for Users<'_> {}

impl FusedIterator for Users<'_> {}

/// One reaction kind on a message and the users who set it.
#[derive(Debug, Clone)]
pub struct ReactionGroup<'a> {
    reaction: Reaction,
    entries: &'a [Entry],
}

impl<'a> ReactionGroup<'a> {
    /// The kind.
    #[must_use]
    pub fn reaction(&self) -> Reaction {
        self.reaction
    }

    /// How many users set it (at least one).
    #[must_use]
    pub fn count(&self) -> usize {
        self.entries.len()
    }

    /// The users who set it, ascending.
    #[must_use]
    pub fn users(&self) -> Users<'a> {
        Users {
            entries: self.entries.iter(),
        }
    }
}

/// A message's reactions grouped by kind, in [`Reaction::ALL`] order.
/// Made by [`Engine::reactions`].
#[derive(Debug, Clone)]
pub struct ReactionGroups<'a> {
    runs: Runs<'a>,
}

impl<'a> Iterator for ReactionGroups<'a> {
    type Item = ReactionGroup<'a>;

    fn next(&mut self) -> Option<ReactionGroup<'a>> {
        let (reaction, entries) = self.runs.next()?;
        Some(ReactionGroup { reaction, entries })
    }
}

impl FusedIterator for ReactionGroups<'_> {}

/// The kinds one user set on a message, in [`Reaction::ALL`] order. Made by
/// [`Engine::user_reactions`].
#[derive(Debug, Clone)]
pub struct UserReactions<'a> {
    entries: slice::Iter<'a, Entry>,
    user: UserId,
}

impl Iterator for UserReactions<'_> {
    type Item = Reaction;

    fn next(&mut self) -> Option<Reaction> {
        let user = self.user;
        self.entries.find(|e| e.user == user).map(|e| e.kind)
    }
}

impl FusedIterator for UserReactions<'_> {}

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
    pub fn likers(&self, message: MessageId) -> Option<Users<'_>> {
        let row = self.messages.get(message)?;
        let entries = row.reactions.run(Reaction::Like).iter();
        Some(Users { entries })
    }

    /// Whether `user` likes the message; `false` for an unknown message.
    /// O(1) expected, plus O(log LIKES).
    #[must_use]
    pub fn is_liked_by(&self, message: MessageId, user: UserId) -> bool {
        self.messages
            .get(message)
            .is_some_and(|row| row.reactions.find(Reaction::Like, user).is_ok())
    }

    /// How many users like the message, or `None` for an unknown message.
    /// O(1) expected, plus O(log LIKES).
    #[must_use]
    pub fn like_count(&self, message: MessageId) -> Option<usize> {
        self.likers(message).map(|likers| likers.len())
    }

    /// The message's reactions grouped by kind (kind, count, users
    /// ascending), or `None` for an unknown message. O(1) expected to
    /// start, O(LIKES) to walk.
    #[must_use]
    pub fn reactions(&self, message: MessageId) -> Option<ReactionGroups<'_>> {
        let row = self.messages.get(message)?;
        let runs = Runs::new(row.reactions.entries());
        Some(ReactionGroups { runs })
    }

    /// The kinds `user` set on the message, or `None` for an unknown
    /// message. O(1) expected to start, O(LIKES) to walk.
    #[must_use]
    pub fn user_reactions(&self, message: MessageId, user: UserId) -> Option<UserReactions<'_>> {
        let row = self.messages.get(message)?;
        let entries = row.reactions.entries().iter();
        Some(UserReactions { entries, user })
    }

    /// A stored message's chat and author, or `None` for an unknown message.
    /// O(1) expected.
    #[must_use]
    pub fn message(&self, message: MessageId) -> Option<MessageInfo> {
        let row = self.messages.get(message)?;
        Some(MessageInfo {
            chat: row.chat,
            author: row.author,
        })
    }

    /// The application that owns a bot, or `None` for an unknown bot.
    /// O(1) expected.
    #[must_use]
    pub fn bot_owner(&self, bot: BotId) -> Option<AppId> {
        self.bots.get(bot).copied()
    }

    /// A chat's members, ascending, or `None` for an unknown chat.
    /// O(1) expected.
    #[must_use]
    pub fn chat_members(&self, chat: ChatId) -> Option<&[UserId]> {
        self.chats.get(chat).map(|members| members.as_slice())
    }

    /// Whether `user` is a member of the chat; `false` for an unknown chat.
    /// O(1) expected, plus O(log MEMBERS).
    #[must_use]
    pub fn is_member(&self, chat: ChatId, user: UserId) -> bool {
        self.chats.get(chat).is_some_and(|m| m.contains(user))
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
