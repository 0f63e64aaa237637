//! Read-only queries over the engine's tables.

use core::iter::FusedIterator;
use core::slice;

use serde::{Deserialize, Serialize};

use crate::bits;
use crate::engine::{Engine, Message};
use crate::ids::{AppId, BotId, ChatId, MessageId, UserId};
use crate::pool::{kind_of, user_of};
use crate::reaction::Reaction;
use crate::sizing::Sizing;
use crate::store::ChatRow;

/// A stored message's chat, author and version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct MessageInfo {
    /// The chat the message belongs to.
    pub chat: ChatId,
    /// The message's author.
    pub author: UserId,
    /// The message's version: it grows by one (wrapping) on every change of
    /// its likes or reactions (see [`Outcome::version`](crate::Outcome::version)).
    pub version: u32,
}

/// Users, ascending: those who like a message ([`Engine::likers`]) or
/// who set one reaction kind ([`ReactionGroup::users`]). A borrowed view
/// of the engine's storage; nothing is copied.
///
/// Likes come from two places, merged in order: a bit per current member
/// of the chat (bit `i` is the `i`-th member, ascending) and the likes
/// kept by users who left, ascending.
#[derive(Debug, Clone)]
pub struct Users<'a> {
    /// Bits over `members`; `lo..hi` are the ranks not yet visited.
    mask: &'a [u64],
    members: &'a [UserId],
    lo: usize,
    hi: usize,
    /// Users stored in the pool.
    stored: slice::Iter<'a, u64>,
    /// Users not yet visited.
    left: usize,
}

impl<'a> Users<'a> {
    /// The users of pool entries alone.
    fn new(entries: &'a [u64]) -> Self {
        Self::merged(&[], &[], entries, entries.len())
    }

    /// The members whose bit is set merged with the stored users; `len`
    /// of them in all.
    pub(crate) fn merged(
        mask: &'a [u64],
        members: &'a [UserId],
        stored: &'a [u64],
        len: usize,
    ) -> Self {
        Self {
            mask,
            members,
            lo: 0,
            hi: members.len(),
            stored: stored.iter(),
            left: len,
        }
    }

    /// The first member left with a bit set, and their rank.
    fn front_member(&self) -> Option<(usize, UserId)> {
        let rank = bits::next_set(self.mask, self.lo, self.hi)?;
        Some((rank, *self.members.get(rank)?))
    }

    /// The last member left with a bit set, and their rank.
    fn back_member(&self) -> Option<(usize, UserId)> {
        let rank = bits::prev_set(self.mask, self.lo, self.hi)?;
        Some((rank, *self.members.get(rank)?))
    }
}

/// An entry's user. Stored users are never zero; the fallback keeps the
/// mapping total.
fn user(entry: &u64) -> UserId {
    UserId::new(user_of(*entry)).unwrap_or(UserId::FIRST)
}

impl Iterator for Users<'_> {
    type Item = UserId;

    fn next(&mut self) -> Option<UserId> {
        let stored = self.stored.as_slice().first().map(user);
        let next = match (self.front_member(), stored) {
            (Some((rank, member)), s) if s.is_none_or(|s| member < s) => {
                self.lo = rank.wrapping_add(1);
                member
            }
            _ => self.stored.next().map(user)?,
        };
        self.left = self.left.saturating_sub(1);
        Some(next)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl DoubleEndedIterator for Users<'_> {
    fn next_back(&mut self) -> Option<UserId> {
        let stored = self.stored.as_slice().last().map(user);
        let next = match (self.back_member(), stored) {
            (Some((rank, member)), s) if s.is_none_or(|s| member > s) => {
                self.hi = rank;
                member
            }
            _ => self.stored.next_back().map(user)?,
        };
        self.left = self.left.saturating_sub(1);
        Some(next)
    }
}

impl ExactSizeIterator for Users<'_> {}

impl FusedIterator for Users<'_> {}

/// One reaction kind on a message and the users who set it.
#[derive(Debug, Clone)]
pub struct ReactionGroup<'a> {
    reaction: Reaction,
    users: Users<'a>,
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
        self.users.len()
    }

    /// The users who set it, ascending.
    #[must_use]
    pub fn users(&self) -> Users<'a> {
        self.users.clone()
    }
}

/// A message's reactions grouped by kind, in [`Reaction::ALL`] order.
/// Made by [`Engine::reactions`].
#[derive(Debug, Clone)]
pub struct ReactionGroups<'a> {
    /// The likers, until the first group is taken.
    likes: Option<Users<'a>>,
    /// The other reactions' entries.
    entries: &'a [u64],
}

impl<'a> Iterator for ReactionGroups<'a> {
    type Item = ReactionGroup<'a>;

    fn next(&mut self) -> Option<ReactionGroup<'a>> {
        if let Some(users) = self.likes.take().filter(|u| u.len() > 0) {
            let reaction = Reaction::Like;
            return Some(ReactionGroup { reaction, users });
        }
        let code = kind_of(*self.entries.first()?);
        let len = self.entries.partition_point(|&e| kind_of(e) <= code);
        let (users, rest) = self.entries.split_at_checked(len)?;
        self.entries = rest;
        let reaction = Reaction::from_index(code)?;
        let users = Users::new(users);
        Some(ReactionGroup { reaction, users })
    }
}

impl FusedIterator for ReactionGroups<'_> {}

/// The kinds one user set on a message, in [`Reaction::ALL`] order. Made by
/// [`Engine::user_reactions`].
#[derive(Debug, Clone)]
pub struct UserReactions<'a> {
    /// Whether the user likes the message, until the like is taken.
    like: bool,
    /// The other reactions' entries.
    entries: slice::Iter<'a, u64>,
    user: u32,
}

impl Iterator for UserReactions<'_> {
    type Item = Reaction;

    fn next(&mut self) -> Option<Reaction> {
        if core::mem::take(&mut self.like) {
            return Some(Reaction::Like);
        }
        let user = self.user;
        let entry = self.entries.find(|&&e| user_of(e) == user)?;
        Reaction::from_index(kind_of(*entry))
    }
}

impl FusedIterator for UserReactions<'_> {}

impl<S: Sizing> Engine<S> {
    /// The users who like a message, ascending, or `None` for an unknown
    /// message: a borrowed view, nothing copied. O(1) expected to start,
    /// O(MEMBERS / 64 + likes) to walk.
    #[must_use]
    pub fn likers(&self, message: MessageId) -> Option<Users<'_>> {
        let row = self.messages.get(message)?;
        Some(self.likers_of(row))
    }

    /// Whether `user` likes the message; `false` for an unknown message.
    /// O(1) expected for a member of its chat, plus O(log LIKES) for
    /// anyone else.
    #[must_use]
    pub fn is_liked_by(&self, message: MessageId, user: UserId) -> bool {
        self.messages
            .get(message)
            .is_some_and(|row| self.likes(row, user))
    }

    /// Whether `user` likes the message of this row: a bit for a member
    /// of its chat, a bisection of the kept likes for anyone else.
    fn likes(&self, row: &Message<S>, user: UserId) -> bool {
        let rank = self.chat_of(row).and_then(|(_, chat)| chat.rank(user));
        match rank {
            Some(rank) => row.liked_by_rank(rank),
            None => row.kept_like(&self.pool, user),
        }
    }

    /// How many users like the message, or `None` for an unknown message.
    /// O(1) expected.
    #[must_use]
    pub fn like_count(&self, message: MessageId) -> Option<usize> {
        self.messages.get(message).map(|row| usize::from(row.likes))
    }

    /// The message's reactions grouped by kind (kind, count, users
    /// ascending), or `None` for an unknown message. O(1) expected to
    /// start, O(MEMBERS / 64 + LIKES) to walk.
    #[must_use]
    pub fn reactions(&self, message: MessageId) -> Option<ReactionGroups<'_>> {
        let row = self.messages.get(message)?;
        Some(ReactionGroups {
            likes: Some(self.likers_of(row)),
            entries: row.others(&self.pool),
        })
    }

    /// Whether `user` set `reaction` on the message; `false` for an
    /// unknown message. O(1) expected, plus O(log LIKES).
    #[must_use]
    pub fn has_reaction(&self, message: MessageId, user: UserId, reaction: Reaction) -> bool {
        self.messages.get(message).is_some_and(|row| {
            if reaction == Reaction::Like {
                self.likes(row, user)
            } else {
                row.find(&self.pool, reaction, user).is_ok()
            }
        })
    }

    /// The kinds `user` set on the message, or `None` for an unknown
    /// message. O(1) expected, plus O(log LIKES), to start; O(LIKES) to
    /// walk.
    #[must_use]
    pub fn user_reactions(&self, message: MessageId, user: UserId) -> Option<UserReactions<'_>> {
        let row = self.messages.get(message)?;
        Some(UserReactions {
            like: self.likes(row, user),
            entries: row.others(&self.pool).iter(),
            user: user.get(),
        })
    }

    /// A stored message's chat, author and version, or `None` for an
    /// unknown message. O(1) expected.
    #[must_use]
    pub fn message(&self, message: MessageId) -> Option<MessageInfo> {
        self.messages.get(message).and_then(|row| self.info(row))
    }

    /// The stored messages with their chat, author and version, in no
    /// particular order. O(1) a step.
    pub fn messages(&self) -> impl Iterator<Item = (MessageId, MessageInfo)> + '_ {
        let rows = self.messages.iter();
        rows.filter_map(|(id, row)| Some((*id, self.info(row)?)))
    }

    /// The open chats with their members (ascending), in no particular
    /// order. O(1) a step.
    pub fn chats(&self) -> impl Iterator<Item = (ChatId, &[UserId])> + '_ {
        self.chats.iter().map(|(id, row)| (*id, row.as_slice()))
    }

    /// How many entries of the shared reaction pool have been handed out:
    /// its high-water mark, never more than the sizing's `POOL`. A host
    /// sizing its pool watches this under its real load.
    #[must_use]
    pub fn pool_used(&self) -> usize {
        self.pool.high_water()
    }

    fn info(&self, row: &Message<S>) -> Option<MessageInfo> {
        let (chat, _) = self.chat_of(row)?;
        Some(MessageInfo {
            chat,
            author: row.author,
            version: row.version,
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
        self.chats.get(chat).map(ChatRow::as_slice)
    }

    /// Whether `user` is a member of the chat; `false` for an unknown chat.
    /// O(1) expected: a probe of the chat's member index.
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
