//! The reaction pool: every message's reactions in one shared array.
//!
//! A message's reactions are one [`Block`]: a run of `2^class` entries of
//! the pool, the first `len` in use, ascending. An entry is one `u64`, the
//! kind in the high half and the user in the low half, so ascending entries
//! are sorted by (kind, user), a bisection for the key finds an entry, and
//! likes ([`Reaction::Like`], kind 0) are the run at the front whose values
//! are the users themselves.
//!
//! A block may also hold *reserved* entries: room kept for likes a message
//! holds outside the pool (as bits over its chat's members, see
//! `crate::store`). The caller passes how many; a block grows when its
//! entries plus its reserved ones fill it, and goes back to the free list
//! when both are gone. So a block is exactly as large as it would be with
//! every reaction stored in it, and a reserved entry can be filled later
//! without growing the block.
//!
//! Blocks double when full and go back to a free list of their size class
//! when emptied; a size class only ever reuses its own blocks, and new
//! blocks come from the untouched end of the pool. So no class holds more
//! blocks than there are messages, and a pool of `2 × MESSAGES × LIKES'`
//! entries cannot run out (see [`Capacity`](crate::Capacity)).

use crate::array::Array;
use crate::reaction::Reaction;
use crate::shift::shift;

/// Size classes: blocks of 1, 2, 4, … 65 536 entries.
const CLASSES: usize = 17;

/// A set's first block holds two entries: most sets that get one reaction
/// get a second, and growing from one to two would copy for one entry.
const FIRST_CLASS: u8 = 1;

/// Where one message's reactions live in the pool.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Block {
    /// The block's first entry (meaningless while `class` is 0).
    start: u32,
    /// Entries in use (reserved entries not counted).
    len: u16,
    /// The block holds `2^class` entries; 0: the block has no storage
    /// (no block of class 0 is ever handed out).
    class: u8,
}

/// The pool has no free block of the size a set needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PoolFull;

impl Block {
    /// A block with no entries and no storage.
    pub(crate) const EMPTY: Self = Self {
        start: 0,
        len: 0,
        class: 0,
    };

    /// Entries in use.
    pub(crate) fn len(self) -> usize {
        usize::from(self.len)
    }

    /// The entries' index range in the pool.
    fn range(self) -> core::ops::Range<usize> {
        let start = self.start as usize;
        start..start.wrapping_add(self.len())
    }

    /// How many entries the block's storage holds.
    fn capacity(self) -> usize {
        if self.class == 0 {
            0
        } else {
            1usize.checked_shl(u32::from(self.class)).unwrap_or(0)
        }
    }

    /// Whether `len` entries plus `reserved` ones fill the block.
    fn is_full(self, reserved: usize) -> bool {
        self.len().wrapping_add(reserved) >= self.capacity()
    }
}

/// The size class of the block a set of `len` entries is restored into:
/// the smallest that holds it, never below the first class.
fn class_for(len: usize) -> Option<u8> {
    let size = len.max(1 << FIRST_CLASS).checked_next_power_of_two()?;
    let class = u8::try_from(size.trailing_zeros()).ok()?;
    (usize::from(class) < CLASSES).then_some(class)
}

/// The pool entries a set of `len` entries takes when restored whole.
pub(crate) fn block_size(len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    class_for(len).map_or(usize::MAX, |class| 1 << class)
}

/// The entry for `user`'s reaction of `kind`.
pub(crate) fn entry(kind: Reaction, user: u32) -> u64 {
    (u64::from(kind as u8) << 32) | u64::from(user)
}

/// An entry's kind code (a [`Reaction`] discriminant).
pub(crate) fn kind_of(entry: u64) -> u8 {
    u8::try_from(entry >> 32).unwrap_or(u8::MAX)
}

/// An entry's user id.
pub(crate) fn user_of(entry: u64) -> u32 {
    // The low half, by construction of `entry`.
    (entry & u64::from(u32::MAX)) as u32
}

/// The shared reaction storage: the entries, a bump mark and one free
/// list per size class.
#[derive(Clone)]
pub(crate) struct Pool<E> {
    entries: E,
    /// Entries below this mark have been handed out at least once.
    used: usize,
    /// Per class: the first free block's start plus one (0: none). A free
    /// block's first entry holds the next one's, the same way.
    free: [u32; CLASSES],
}

impl<E: Array<u64>> Pool<E> {
    /// An empty pool.
    pub(crate) const fn new() -> Self {
        Self {
            entries: E::EMPTY,
            used: 0,
            free: [0; CLASSES],
        }
    }

    /// A block's entries, ascending.
    pub(crate) fn entries(&self, block: Block) -> &[u64] {
        self.entries
            .as_slice()
            .get(block.range())
            .unwrap_or_default()
    }

    /// The positions of one kind's run in a block. O(log len).
    pub(crate) fn run(&self, block: Block, kind: Reaction) -> core::ops::Range<usize> {
        let entries = self.entries(block);
        let start = entries.partition_point(|&e| e < entry(kind, 0));
        let end = entries.partition_point(|&e| e <= entry(kind, u32::MAX));
        start..end
    }

    /// `Ok(position)` of (kind, user) in the block, or `Err(position)`
    /// where it would go. O(log len).
    pub(crate) fn find(&self, block: Block, kind: Reaction, user: u32) -> Result<usize, usize> {
        self.entries(block).binary_search(&entry(kind, user))
    }

    /// Inserts (kind, user) at a position [`Self::find`] returned as
    /// `Err`, growing the block when its entries and the `reserved` ones
    /// fill it. O(len).
    pub(crate) fn insert(
        &mut self,
        block: &mut Block,
        pos: usize,
        (kind, user): (Reaction, u32),
        reserved: usize,
    ) -> Result<(), PoolFull> {
        self.reserve(block, reserved)?;
        self.fill(block, pos, kind, user)
    }

    /// Makes room for one more reserved entry next to the `reserved` ones
    /// the block has, growing it when full. O(len).
    #[inline]
    pub(crate) fn reserve(&mut self, block: &mut Block, reserved: usize) -> Result<(), PoolFull> {
        if block.is_full(reserved) {
            self.grow(block)?;
        }
        Ok(())
    }

    /// Gives back one reserved entry, `reserved` being those left; a block
    /// with no entries and none reserved goes back to its free list. O(1).
    pub(crate) fn unreserve(&mut self, block: &mut Block, reserved: usize) {
        if block.len == 0 && reserved == 0 {
            self.release(*block);
            *block = Block::EMPTY;
        }
    }

    /// Turns a reserved entry into (kind, user) at a position
    /// [`Self::find`] returned as `Err`; never grows the block. O(len).
    pub(crate) fn fill(
        &mut self,
        block: &mut Block,
        pos: usize,
        kind: Reaction,
        user: u32,
    ) -> Result<(), PoolFull> {
        if block.len() >= block.capacity() {
            return Err(PoolFull);
        }
        let range = block.range();
        let at = range.start.wrapping_add(pos);
        if at > range.end {
            return Err(PoolFull);
        }
        // The block has room, so `range.end` is inside it.
        let entries = self.entries.as_mut_slice();
        shift(entries, at..range.end, at.wrapping_add(1));
        if let Some(cell) = entries.get_mut(at) {
            *cell = entry(kind, user);
        }
        block.len = block.len.wrapping_add(1);
        Ok(())
    }

    /// Removes the entry at a position [`Self::find`] returned as `Ok`;
    /// a block left with no entries and none of the `reserved` goes back
    /// to its free list. O(len).
    pub(crate) fn remove(&mut self, block: &mut Block, pos: usize, reserved: usize) {
        if self.take(block, pos) {
            self.unreserve(block, reserved);
        }
    }

    /// Turns the entry at a position [`Self::find`] returned as `Ok` into
    /// a reserved one (the block keeps its storage); `false` when there is
    /// no such entry. O(len).
    pub(crate) fn take(&mut self, block: &mut Block, pos: usize) -> bool {
        let range = block.range();
        let at = range.start.wrapping_add(pos);
        if at >= range.end {
            return false;
        }
        let next = at.wrapping_add(1);
        shift(self.entries.as_mut_slice(), next..range.end, at);
        block.len = block.len.wrapping_sub(1);
        true
    }

    /// An empty block with room for `len` entries, for a set restored
    /// whole; `EMPTY` for none.
    pub(crate) fn block_for(&mut self, len: usize) -> Result<Block, PoolFull> {
        if len == 0 {
            return Ok(Block::EMPTY);
        }
        let class = class_for(len).ok_or(PoolFull)?;
        let start = self
            .pop_free(class)
            .or_else(|| self.bump(class))
            .ok_or(PoolFull)?;
        // `len` 0 with a class set: the block owns storage but holds none
        // yet; `push` fills it, and what it leaves is reserved.
        Ok(Block {
            start,
            len: 0,
            class,
        })
    }

    /// Appends (kind, user) to a block from [`Self::block_for`]; entries
    /// must come in ascending order, and the block must have room.
    pub(crate) fn push(
        &mut self,
        block: &mut Block,
        kind: Reaction,
        user: u32,
    ) -> Result<(), PoolFull> {
        if block.len() >= block.capacity() {
            return Err(PoolFull);
        }
        let at = block.range().end;
        let cell = self.entries.as_mut_slice().get_mut(at).ok_or(PoolFull)?;
        *cell = entry(kind, user);
        block.len = block.len.wrapping_add(1);
        Ok(())
    }

    /// Empties the pool: every block is free again.
    pub(crate) fn clear(&mut self) {
        self.used = 0;
        self.free = [0; CLASSES];
    }

    /// Frees a block's storage, as when its message is deleted.
    pub(crate) fn release(&mut self, block: Block) {
        if block.class > 0 {
            self.push_free(block.start, block.class);
        }
    }

    /// Entries handed out at least once: the pool's high-water mark.
    pub(crate) fn high_water(&self) -> usize {
        self.used
    }

    /// Moves a full block's entries into a block of twice the size.
    #[cold]
    fn grow(&mut self, block: &mut Block) -> Result<(), PoolFull> {
        let class = if block.class == 0 {
            FIRST_CLASS
        } else {
            block.class.wrapping_add(1)
        };
        if usize::from(class) >= CLASSES {
            return Err(PoolFull);
        }
        let start = self
            .pop_free(class)
            .or_else(|| self.bump(class))
            .ok_or(PoolFull)?;
        let old = *block;
        self.copy(old, start);
        self.release(old);
        *block = Block {
            start,
            len: old.len,
            class,
        };
        Ok(())
    }

    /// Copies a block's entries to `to`. The two never overlap: `to` is a
    /// block that was free.
    fn copy(&mut self, from: Block, to: u32) {
        shift(self.entries.as_mut_slice(), from.range(), to as usize);
    }

    /// A block of `2^class` entries from the pool's untouched end.
    fn bump(&mut self, class: u8) -> Option<u32> {
        let size = 1usize.checked_shl(u32::from(class))?;
        let end = self.used.checked_add(size)?;
        if end > self.entries.as_slice().len() {
            return None;
        }
        let start = u32::try_from(self.used).ok()?;
        self.used = end;
        Some(start)
    }

    fn pop_free(&mut self, class: u8) -> Option<u32> {
        let head = self.free.get_mut(usize::from(class))?;
        let start = head.checked_sub(1)?;
        let next = self.entries.as_slice().get(start as usize).copied()?;
        *head = u32::try_from(next).ok()?;
        Some(start)
    }

    fn push_free(&mut self, start: u32, class: u8) {
        let Some(head) = self.free.get_mut(usize::from(class)) else {
            return;
        };
        if let Some(cell) = self.entries.as_mut_slice().get_mut(start as usize) {
            *cell = u64::from(*head);
            *head = start.wrapping_add(1);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    extern crate std;

    use std::vec::Vec;

    use super::{Block, Pool, PoolFull, entry, kind_of, user_of};
    use crate::reaction::Reaction;

    type Small = Pool<[u64; 8]>;

    fn add(pool: &mut Small, block: &mut Block, kind: Reaction, user: u32) -> Result<(), PoolFull> {
        let pos = pool.find(*block, kind, user).unwrap_err();
        pool.insert(block, pos, (kind, user), 0)
    }

    #[test]
    fn entries_stay_sorted_by_kind_then_user_across_growth() {
        let mut pool = Small::new();
        let mut block = Block::EMPTY;
        for (kind, user) in [
            (Reaction::Fire, 3),
            (Reaction::Like, 9),
            (Reaction::Like, 2),
        ] {
            add(&mut pool, &mut block, kind, user).unwrap();
        }
        let users: Vec<u32> = pool.entries(block).iter().map(|&e| user_of(e)).collect();
        let kinds: Vec<u8> = pool.entries(block).iter().map(|&e| kind_of(e)).collect();
        assert_eq!(users, [2, 9, 3]);
        assert_eq!(kinds, [0, 0, Reaction::Fire as u8]);
        assert_eq!(pool.entries(block)[0], entry(Reaction::Like, 2));
        assert_eq!(pool.run(block, Reaction::Like), 0..2);
        assert_eq!(pool.find(block, Reaction::Fire, 3), Ok(2));
        // Grown 2 -> 4: 6 entries handed out, the freed 2 reusable.
        assert_eq!(pool.high_water(), 6);
    }

    #[test]
    fn an_emptied_block_is_reused_by_its_class() {
        let mut pool = Small::new();
        let mut a = Block::EMPTY;
        add(&mut pool, &mut a, Reaction::Like, 1).unwrap();
        pool.remove(&mut a, 0, 0);
        assert_eq!(a, Block::EMPTY);
        let mut b = Block::EMPTY;
        add(&mut pool, &mut b, Reaction::Like, 5).unwrap();
        assert_eq!(pool.high_water(), 2);
        assert_eq!(pool.entries(b), [5]);
    }

    #[test]
    fn reserved_entries_size_the_block_as_stored_ones_would() {
        let mut pool = Small::new();
        let mut block = Block::EMPTY;
        // Two reserved entries take the first block of two, a third grows
        // it to four: the same as three stored entries.
        for reserved in 0..3 {
            pool.reserve(&mut block, reserved).unwrap();
        }
        assert_eq!(pool.high_water(), 6);
        assert!(pool.entries(block).is_empty());
        // A reserved entry is filled and taken back without growing.
        pool.fill(&mut block, 0, Reaction::Like, 7).unwrap();
        assert_eq!(pool.entries(block), [7]);
        assert!(pool.take(&mut block, 0));
        assert_eq!(pool.high_water(), 6);
        // The block goes back to its free list when nothing is left.
        pool.unreserve(&mut block, 0);
        assert_eq!(block, Block::EMPTY);
        let mut other = Block::EMPTY;
        for reserved in 0..3 {
            pool.reserve(&mut other, reserved).unwrap();
        }
        assert_eq!(pool.high_water(), 6, "the freed blocks were reused");
    }

    #[test]
    fn a_full_pool_refuses_and_keeps_the_set() {
        let mut pool = Small::new();
        let mut block = Block::EMPTY;
        for user in 1..=4 {
            add(&mut pool, &mut block, Reaction::Like, user).unwrap();
        }
        // 2 + 4 entries used; a block of 8 does not fit in the last two.
        assert_eq!(add(&mut pool, &mut block, Reaction::Like, 5), Err(PoolFull));
        assert_eq!(pool.entries(block), [1, 2, 3, 4]);
    }
}
