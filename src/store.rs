//! The rows the engine's tables hold: a chat with its member list and a
//! message with its place in the reaction pool.
//!
//! Both row types are public only because the sizing names them in its
//! backing arrays; they are hidden and not covered by semver.

use crate::array::{Array, Blank};
use crate::ids::UserId;
use crate::outcome::Change;
use crate::pool::{Block, Pool, entry};
use crate::reaction::Reaction;
use crate::shift::shift;

/// A chat row: its members, unique and ascending, in an array of the
/// sizing's `MEMBERS`.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct ChatRow<L> {
    len: u16,
    members: L,
}

/// Why a member list refused a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MemberEdit {
    /// Adding a user who is already a member.
    Present,
    /// Removing a user who is not a member.
    Absent,
    /// Adding a user to a full list.
    Full,
}

impl<L: Array<UserId>> ChatRow<L> {
    /// A chat with no members.
    pub(crate) const fn new() -> Self {
        Self {
            len: 0,
            members: L::EMPTY,
        }
    }

    /// The members, ascending.
    pub(crate) fn as_slice(&self) -> &[UserId] {
        let len = usize::from(self.len);
        self.members.as_slice().get(..len).unwrap_or_default()
    }

    /// Whether the user is a member. O(log MEMBERS).
    pub(crate) fn contains(&self, user: UserId) -> bool {
        self.as_slice().binary_search(&user).is_ok()
    }

    /// Adds a user, keeping the order. O(MEMBERS).
    pub(crate) fn insert(&mut self, user: UserId) -> Result<(), MemberEdit> {
        let Err(pos) = self.as_slice().binary_search(&user) else {
            return Err(MemberEdit::Present);
        };
        let len = usize::from(self.len);
        let members = self.members.as_mut_slice();
        if len >= members.len() {
            return Err(MemberEdit::Full);
        }
        shift(members, pos..len, pos.wrapping_add(1));
        if let Some(cell) = members.get_mut(pos) {
            *cell = user;
        }
        self.len = self.len.wrapping_add(1);
        Ok(())
    }

    /// Removes a user. O(MEMBERS).
    pub(crate) fn remove(&mut self, user: UserId) -> Result<(), MemberEdit> {
        let pos = self
            .as_slice()
            .binary_search(&user)
            .map_err(|_| MemberEdit::Absent)?;
        let len = usize::from(self.len);
        shift(self.members.as_mut_slice(), pos.wrapping_add(1)..len, pos);
        self.len = self.len.wrapping_sub(1);
        Ok(())
    }
}

impl<L: Array<UserId>> Blank for ChatRow<L> {
    const BLANK: Self = Self::new();
}

/// A message row: its chat (as the chat table's row number, so a like
/// request reaches the chat without a second lookup), its author, its
/// change version and its reactions' block in the pool. 24 bytes.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct MessageRow {
    /// The chat's row number in the chat table; kept up to date when a
    /// closed chat's row is filled by another.
    pub(crate) chat: u32,
    pub(crate) author: UserId,
    /// Grows by one (wrapping) on each change of the reactions.
    pub(crate) version: u32,
    /// How many of the block's entries are likes (they come first).
    pub(crate) likes: u16,
    pub(crate) block: Block,
}

impl MessageRow {
    /// A new message with no reactions, version 0.
    pub(crate) const fn new(chat: u32, author: UserId) -> Self {
        Self {
            chat,
            author,
            version: 0,
            likes: 0,
            block: Block::EMPTY,
        }
    }

    /// The author to tell about a change by `actor`: only a mark just set,
    /// and only by someone else.
    pub(crate) fn author_to_notify(&self, actor: UserId, change: Change) -> Option<UserId> {
        (change == Change::Set && self.author != actor).then_some(self.author)
    }
}

impl Blank for MessageRow {
    const BLANK: Self = Self::new(0, UserId::FIRST);
}

/// Why a message's reaction set refused a new entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AddError {
    /// The message holds `LIKES` reactions already.
    Full,
    /// The shared pool has no block for the set to grow into.
    PoolFull,
}

impl MessageRow {
    /// `Ok(position)` of (kind, user) in the message's set, or
    /// `Err(position)` where it would go. Likes come first, so a like is
    /// found by bisecting the first `likes` users. O(log LIKES).
    pub(crate) fn find<E: Array<u64>>(
        &self,
        pool: &Pool<E>,
        kind: Reaction,
        user: UserId,
    ) -> Result<usize, usize> {
        if kind == Reaction::Like {
            let entries = pool.entries(self.block);
            let likes = entries.get(..usize::from(self.likes)).unwrap_or_default();
            likes.binary_search(&entry(kind, user.get()))
        } else {
            pool.find(self.block, kind, user.get())
        }
    }

    /// Adds (kind, user) at a position [`Self::find`] returned as `Err`,
    /// unless the set holds `capacity` entries. O(LIKES).
    pub(crate) fn add<E: Array<u64>>(
        &mut self,
        pool: &mut Pool<E>,
        pos: usize,
        (kind, user): (Reaction, UserId),
        capacity: usize,
    ) -> Result<(), AddError> {
        if self.block.len() >= capacity {
            return Err(AddError::Full);
        }
        pool.insert(&mut self.block, pos, kind, user.get())
            .map_err(|_| AddError::PoolFull)?;
        if kind == Reaction::Like {
            self.likes = self.likes.wrapping_add(1);
        }
        self.version = self.version.wrapping_add(1);
        Ok(())
    }

    /// Removes the entry of `kind` at a position [`Self::find`] returned as
    /// `Ok`. O(LIKES).
    pub(crate) fn remove<E: Array<u64>>(&mut self, pool: &mut Pool<E>, pos: usize, kind: Reaction) {
        pool.remove(&mut self.block, pos);
        if kind == Reaction::Like {
            self.likes = self.likes.wrapping_sub(1);
        }
        self.version = self.version.wrapping_add(1);
    }

    /// How many users set `kind`. O(1) for likes, O(log LIKES) otherwise.
    pub(crate) fn count<E: Array<u64>>(&self, pool: &Pool<E>, kind: Reaction) -> usize {
        if kind == Reaction::Like {
            usize::from(self.likes)
        } else {
            pool.run(self.block, kind).len()
        }
    }
}
