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
/// sizing's `MEMBERS`, and a hash index over them for the like path's
/// membership test.
///
/// The index has `2 × MEMBERS` slots (so it is at most half full), each 0
/// or a member's position plus one, probed linearly from a multiplicative
/// hash of the user id. Joins and leaves shift the sorted array, so they
/// rebuild the index: O(MEMBERS), as the shift already is.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct ChatRow<L, X> {
    len: u16,
    members: L,
    index: X,
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

/// Fibonacci hashing's multiplier: the golden ratio's 64-bit fraction.
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

impl<L: Array<UserId>, X: Array<[u16; 2]>> ChatRow<L, X> {
    /// A chat with no members.
    pub(crate) const fn new() -> Self {
        Self {
            len: 0,
            members: L::EMPTY,
            index: X::EMPTY,
        }
    }

    /// A chat of these members, which must be ascending and unique (a
    /// restored snapshot's); `None` if they are not or do not fit.
    /// O(MEMBERS).
    pub(crate) fn from_sorted(users: impl Iterator<Item = UserId>) -> Option<Self> {
        let mut row = Self::new();
        for user in users {
            let at = usize::from(row.len);
            if at > 0 && row.as_slice().last().is_some_and(|last| *last >= user) {
                return None;
            }
            *row.members.as_mut_slice().get_mut(at)? = user;
            row.len = row.len.wrapping_add(1);
        }
        row.reindex();
        Some(row)
    }

    /// The members, ascending.
    pub(crate) fn as_slice(&self) -> &[UserId] {
        let len = usize::from(self.len);
        self.members.as_slice().get(..len).unwrap_or_default()
    }

    /// Whether the user is a member: a probe of the hash index, O(1)
    /// expected.
    pub(crate) fn contains(&self, user: UserId) -> bool {
        let slots = self.index.as_slice().as_flattened();
        let members = self.as_slice();
        let mut at = home(user, slots.len());
        for _ in 0..slots.len() {
            let tag = slots.get(at).copied().unwrap_or(0);
            let Some(pos) = usize::from(tag).checked_sub(1) else {
                return false;
            };
            if members.get(pos) == Some(&user) {
                return true;
            }
            at = next_slot(at, slots.len());
        }
        false
    }

    /// Rebuilds the hash index from the sorted members. O(MEMBERS).
    fn reindex(&mut self) {
        let slots = self.index.as_mut_slice().as_flattened_mut();
        slots.fill(0);
        let count = slots.len();
        for (pos, user) in self
            .members
            .as_slice()
            .iter()
            .take(usize::from(self.len))
            .enumerate()
        {
            let tag = u16::try_from(pos.wrapping_add(1)).unwrap_or(0);
            let mut at = home(*user, count);
            while slots.get(at).is_some_and(|&t| t != 0) {
                at = next_slot(at, count);
            }
            if let Some(slot) = slots.get_mut(at) {
                *slot = tag;
            }
        }
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
        self.reindex();
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
        self.reindex();
        Ok(())
    }
}

impl<L: Array<UserId>, X: Array<[u16; 2]>> Blank for ChatRow<L, X> {
    const BLANK: Self = Self::new();
}

/// Where `user`'s probe run starts in an index of `slots` slots: the
/// hash's top bits scaled to the slot count (no power of two needed).
fn home(user: UserId, slots: usize) -> usize {
    let hash = u64::from(user.get()).wrapping_mul(GOLDEN);
    let scaled = (u128::from(hash).wrapping_mul(slots as u128)) >> 64;
    usize::try_from(scaled).unwrap_or(0)
}

/// The slot after `at`, wrapping to the first.
fn next_slot(at: usize, slots: usize) -> usize {
    let next = at.wrapping_add(1);
    if next >= slots { 0 } else { next }
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
    /// A message restored with its version and reactions' block.
    pub(crate) const fn restored(
        chat: u32,
        author: UserId,
        version: u32,
        likes: u16,
        block: Block,
    ) -> Self {
        Self {
            chat,
            author,
            version,
            likes,
            block,
        }
    }

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
