//! A message row: its chat, author and version, its current members'
//! likes as a bit mask, and its other reactions in the reaction pool.

use crate::array::{Array, Blank};
use crate::bits;
use crate::ids::UserId;
use crate::outcome::Change;
use crate::pool::{Block, Pool, entry};
use crate::reaction::Reaction;

/// A message row.
///
/// Likes by the chat's current members are bits of `mask`, by rank (see
/// [`ChatRow`](super::ChatRow)). The pool block holds, ascending, the
/// likes of users who have left the chat (`kept` of them, first) and the
/// other reactions; it also *reserves* one entry for each like in the
/// mask, so it is exactly the block the message would have with every
/// reaction stored in it: pool use and every refusal for want of pool are
/// those of that layout. A member who leaves has their likes moved into
/// reserved entries (no block grows); one who joins has them moved back.
///
/// `prev` and `next` chain the messages of one chat (row numbers plus
/// one, 0 for none), so joins and leaves visit only that chat's messages.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct MessageRow<M> {
    /// The chat's row number in the chat table; kept up to date when a
    /// closed chat's row is filled by another.
    pub(crate) chat: u32,
    pub(crate) author: UserId,
    /// Grows by one (wrapping) on each change of the reactions.
    pub(crate) version: u32,
    /// Likes in all: the mask's and the kept ones.
    pub(crate) likes: u16,
    /// Likes of former members, the block's first entries.
    pub(crate) kept: u16,
    pub(crate) block: Block,
    pub(crate) prev: u32,
    pub(crate) next: u32,
    /// Current members' likes, bit `i` for rank `i`.
    pub(crate) mask: M,
}

/// Why a message's reaction set refused a new entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AddError {
    /// The message holds `LIKES` reactions already.
    Full,
    /// The shared pool has no block for the set to grow into.
    PoolFull,
}

impl<M: Array<u64>> MessageRow<M> {
    /// A new message with no reactions, version 0, in no chain yet.
    pub(crate) const fn new(chat: u32, author: UserId) -> Self {
        Self {
            chat,
            author,
            version: 0,
            likes: 0,
            kept: 0,
            block: Block::EMPTY,
            prev: 0,
            next: 0,
            mask: M::EMPTY,
        }
    }

    /// The author to tell about a change by `actor`: only a mark just set,
    /// and only by someone else.
    pub(crate) fn author_to_notify(&self, actor: UserId, change: Change) -> Option<UserId> {
        (change == Change::Set && self.author != actor).then_some(self.author)
    }

    /// Likes held in the mask: the block's reserved entries.
    fn reserved(&self) -> usize {
        usize::from(self.likes.wrapping_sub(self.kept))
    }

    /// All the message's reactions: the block's entries and reserved ones.
    fn total(&self) -> usize {
        self.block.len().wrapping_add(self.reserved())
    }

    /// Whether the member of this rank likes the message. O(1).
    #[inline]
    pub(crate) fn liked_by_rank(&self, rank: usize) -> bool {
        bits::test(self.mask.as_slice(), rank)
    }

    /// Sets the like of the member of this rank (who does not like it
    /// yet), unless the set holds `capacity` reactions. O(1), or O(LIKES)
    /// when the block grows.
    #[inline]
    pub(crate) fn like_rank<E: Array<u64>>(
        &mut self,
        pool: &mut Pool<E>,
        rank: usize,
        capacity: usize,
    ) -> Result<(), AddError> {
        if self.total() >= capacity {
            return Err(AddError::Full);
        }
        let reserved = self.reserved();
        pool.reserve(&mut self.block, reserved)
            .map_err(|_| AddError::PoolFull)?;
        bits::set(self.mask.as_mut_slice(), rank);
        self.likes = self.likes.wrapping_add(1);
        self.version = self.version.wrapping_add(1);
        Ok(())
    }

    /// Removes the like of the member of this rank (who likes it). O(1).
    #[inline]
    pub(crate) fn unlike_rank<E: Array<u64>>(&mut self, pool: &mut Pool<E>, rank: usize) {
        bits::clear(self.mask.as_mut_slice(), rank);
        self.likes = self.likes.wrapping_sub(1);
        let reserved = self.reserved();
        pool.unreserve(&mut self.block, reserved);
        self.version = self.version.wrapping_add(1);
    }

    /// The kept likes, ascending.
    pub(crate) fn kept<'p, E: Array<u64>>(&self, pool: &'p Pool<E>) -> &'p [u64] {
        let entries = pool.entries(self.block);
        entries.get(..usize::from(self.kept)).unwrap_or_default()
    }

    /// The reactions other than likes, ascending by (kind, user).
    pub(crate) fn others<'p, E: Array<u64>>(&self, pool: &'p Pool<E>) -> &'p [u64] {
        let entries = pool.entries(self.block);
        entries.get(usize::from(self.kept)..).unwrap_or_default()
    }

    /// Whether a non-member kept a like here. O(log LIKES).
    pub(crate) fn kept_like(&self, pool: &Pool<impl Array<u64>>, user: UserId) -> bool {
        self.kept(pool)
            .binary_search(&entry(Reaction::Like, user.get()))
            .is_ok()
    }

    /// `Ok(position)` of (kind, user), a kind other than the like, in the
    /// block, or `Err(position)` where it would go. O(log LIKES).
    pub(crate) fn find<E: Array<u64>>(
        &self,
        pool: &Pool<E>,
        kind: Reaction,
        user: UserId,
    ) -> Result<usize, usize> {
        pool.find(self.block, kind, user.get())
    }

    /// Adds (kind, user), a kind other than the like, at a position
    /// [`Self::find`] returned as `Err`, unless the set holds `capacity`
    /// reactions. O(LIKES).
    pub(crate) fn add<E: Array<u64>>(
        &mut self,
        pool: &mut Pool<E>,
        pos: usize,
        (kind, user): (Reaction, UserId),
        capacity: usize,
    ) -> Result<(), AddError> {
        if self.total() >= capacity {
            return Err(AddError::Full);
        }
        let reserved = self.reserved();
        pool.insert(&mut self.block, pos, (kind, user.get()), reserved)
            .map_err(|_| AddError::PoolFull)?;
        self.version = self.version.wrapping_add(1);
        Ok(())
    }

    /// Removes the reaction, not a like, at a position [`Self::find`]
    /// returned as `Ok`. O(LIKES).
    pub(crate) fn remove<E: Array<u64>>(&mut self, pool: &mut Pool<E>, pos: usize) {
        let reserved = self.reserved();
        pool.remove(&mut self.block, pos, reserved);
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

    /// The member of rank `rank`, `user`, left the chat: their like, if
    /// any, moves from the mask into a reserved entry, and the ranks above
    /// move down. Never allocates. O(WORDS + LIKES).
    pub(crate) fn leave<E: Array<u64>>(&mut self, pool: &mut Pool<E>, rank: usize, user: UserId) {
        if self.liked_by_rank(rank) {
            let like = entry(Reaction::Like, user.get());
            let pos = self.kept(pool).binary_search(&like).unwrap_or_else(|p| p);
            // A reserved entry is waiting for this like: no failure.
            if pool
                .fill(&mut self.block, pos, Reaction::Like, user.get())
                .is_ok()
            {
                self.kept = self.kept.wrapping_add(1);
            }
        }
        bits::close(self.mask.as_mut_slice(), rank);
    }

    /// `user` joined the chat at rank `rank`: the ranks from it move up,
    /// and the like they kept here, if any, moves into the mask (its entry
    /// stays reserved). O(WORDS + LIKES).
    pub(crate) fn join<E: Array<u64>>(&mut self, pool: &mut Pool<E>, rank: usize, user: UserId) {
        bits::open(self.mask.as_mut_slice(), rank);
        let like = entry(Reaction::Like, user.get());
        if let Ok(pos) = self.kept(pool).binary_search(&like) {
            if pool.take(&mut self.block, pos) {
                self.kept = self.kept.wrapping_sub(1);
                bits::set(self.mask.as_mut_slice(), rank);
            }
        }
    }
}

impl<M: Array<u64>> Blank for MessageRow<M> {
    const BLANK: Self = Self::new(0, UserId::FIRST);
}
