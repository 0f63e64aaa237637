//! The reaction pool: every message's reactions in one shared array.
//!
//! A message's reactions are one [`Block`]: a run of `2^class` entries of
//! the pool, the first `len` in use, sorted by (kind, user). Users and
//! kinds sit in two parallel arrays (5 bytes an entry), so the users of one
//! kind are one ascending run of `u32`s; likes ([`Reaction::Like`], kind 0)
//! are the run at the front.
//!
//! Blocks double when full and go back to a free list of their size class
//! when emptied; a size class only ever reuses its own blocks, and new
//! blocks come from the untouched end of the pool. So no class holds more
//! blocks than there are messages, and a pool of `2 × MESSAGES × LIKES'`
//! entries cannot run out (see [`Capacity`](crate::Capacity)).

use crate::reaction::Reaction;
use crate::sizing::Array;

/// Size classes: blocks of 1, 2, 4, … 65 536 entries.
const CLASSES: usize = 17;

/// Where one message's reactions live in the pool.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Block {
    /// The block's first entry (meaningless while `len` is 0).
    start: u32,
    /// Entries in use.
    len: u16,
    /// The block holds `2^class` entries (meaningless while `len` is 0).
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
        if self.len == 0 { 0 } else { 1 << self.class }
    }
}

/// The shared reaction storage: parallel user and kind arrays, a bump
/// mark and one free list per size class.
#[derive(Clone)]
pub(crate) struct Pool<U, K> {
    users: U,
    kinds: K,
    /// Entries below this mark have been handed out at least once.
    used: usize,
    /// Per class: the first free block's start plus one (0: none). A free
    /// block's first user slot holds the next one's, the same way.
    free: [u32; CLASSES],
}

impl<U: Array<u32>, K: Array<u8>> Pool<U, K> {
    /// An empty pool.
    pub(crate) const fn new() -> Self {
        Self {
            users: U::EMPTY,
            kinds: K::EMPTY,
            used: 0,
            free: [0; CLASSES],
        }
    }

    /// The users of a block, in (kind, user) order.
    pub(crate) fn users(&self, block: Block) -> &[u32] {
        self.users.as_slice().get(block.range()).unwrap_or_default()
    }

    /// The kinds of a block, ascending.
    pub(crate) fn kinds(&self, block: Block) -> &[u8] {
        self.kinds.as_slice().get(block.range()).unwrap_or_default()
    }

    /// The positions of one kind's run in a block. O(log len).
    pub(crate) fn run(&self, block: Block, kind: Reaction) -> core::ops::Range<usize> {
        let kinds = self.kinds(block);
        let code = kind as u8;
        let start = kinds.partition_point(|&k| k < code);
        let end = kinds.partition_point(|&k| k <= code);
        start..end
    }

    /// `Ok(position)` of (kind, user) in the block, or `Err(position)`
    /// where it would go. O(log len).
    pub(crate) fn find(&self, block: Block, kind: Reaction, user: u32) -> Result<usize, usize> {
        let run = self.run(block, kind);
        let users = self.users(block).get(run.clone()).unwrap_or_default();
        match users.binary_search(&user) {
            Ok(i) => Ok(run.start.wrapping_add(i)),
            Err(i) => Err(run.start.wrapping_add(i)),
        }
    }

    /// Inserts (kind, user) at a position [`Self::find`] returned as
    /// `Err`, growing the block when it is full. O(len).
    pub(crate) fn insert(
        &mut self,
        block: &mut Block,
        pos: usize,
        kind: Reaction,
        user: u32,
    ) -> Result<(), PoolFull> {
        if block.len() == block.capacity() {
            self.grow(block)?;
        }
        let end = block.range().end;
        let start = block.start as usize;
        let at = start.wrapping_add(pos);
        let users = self
            .users
            .as_mut_slice()
            .get_mut(at..=end)
            .ok_or(PoolFull)?;
        users.rotate_right(1);
        if let Some(first) = users.first_mut() {
            *first = user;
        }
        let kinds = self
            .kinds
            .as_mut_slice()
            .get_mut(at..=end)
            .ok_or(PoolFull)?;
        kinds.rotate_right(1);
        if let Some(first) = kinds.first_mut() {
            *first = kind as u8;
        }
        block.len = block.len.wrapping_add(1);
        Ok(())
    }

    /// Removes the entry at a position [`Self::find`] returned as `Ok`;
    /// an emptied block goes back to its free list. O(len).
    pub(crate) fn remove(&mut self, block: &mut Block, pos: usize) {
        let range = block.range();
        let at = range.start.wrapping_add(pos);
        if at >= range.end {
            return;
        }
        if let Some(users) = self.users.as_mut_slice().get_mut(at..range.end) {
            users.rotate_left(1);
        }
        if let Some(kinds) = self.kinds.as_mut_slice().get_mut(at..range.end) {
            kinds.rotate_left(1);
        }
        block.len = block.len.wrapping_sub(1);
        if block.len == 0 {
            self.push_free(block.start, block.class);
            *block = Block::EMPTY;
        }
    }

    /// Frees a block's storage, as when its message is deleted.
    pub(crate) fn release(&mut self, block: Block) {
        if block.len > 0 {
            self.push_free(block.start, block.class);
        }
    }

    /// Entries handed out at least once: the pool's high-water mark.
    pub(crate) fn high_water(&self) -> usize {
        self.used
    }

    /// Moves a full block's entries into a block of twice the size.
    fn grow(&mut self, block: &mut Block) -> Result<(), PoolFull> {
        let class = if block.len == 0 {
            0
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
        let to = to as usize;
        for (offset, at) in from.range().enumerate() {
            let dest = to.wrapping_add(offset);
            let user = self.users.as_slice().get(at).copied().unwrap_or(0);
            let kind = self.kinds.as_slice().get(at).copied().unwrap_or(0);
            if let Some(cell) = self.users.as_mut_slice().get_mut(dest) {
                *cell = user;
            }
            if let Some(cell) = self.kinds.as_mut_slice().get_mut(dest) {
                *cell = kind;
            }
        }
    }

    /// A block of `2^class` entries from the pool's untouched end.
    fn bump(&mut self, class: u8) -> Option<u32> {
        let size = 1usize.checked_shl(u32::from(class))?;
        let end = self.used.checked_add(size)?;
        if end > self.users.as_slice().len() {
            return None;
        }
        let start = u32::try_from(self.used).ok()?;
        self.used = end;
        Some(start)
    }

    fn pop_free(&mut self, class: u8) -> Option<u32> {
        let head = self.free.get_mut(usize::from(class))?;
        let start = head.checked_sub(1)?;
        let next = self.users.as_slice().get(start as usize).copied()?;
        *head = next;
        Some(start)
    }

    fn push_free(&mut self, start: u32, class: u8) {
        let Some(head) = self.free.get_mut(usize::from(class)) else {
            return;
        };
        if let Some(cell) = self.users.as_mut_slice().get_mut(start as usize) {
            *cell = *head;
            *head = start.wrapping_add(1);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::{Block, Pool, PoolFull};
    use crate::reaction::Reaction;

    type Small = Pool<[u32; 8], [u8; 8]>;

    fn add(pool: &mut Small, block: &mut Block, kind: Reaction, user: u32) -> Result<(), PoolFull> {
        let pos = pool.find(*block, kind, user).unwrap_err();
        pool.insert(block, pos, kind, user)
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
        assert_eq!(pool.users(block), [2, 9, 3]);
        assert_eq!(pool.kinds(block), [0, 0, Reaction::Fire as u8]);
        assert_eq!(pool.run(block, Reaction::Like), 0..2);
        assert_eq!(pool.find(block, Reaction::Fire, 3), Ok(2));
        // Grown 1 -> 2 -> 4: 7 entries handed out, the freed 1 and 2 reusable.
        assert_eq!(pool.high_water(), 7);
    }

    #[test]
    fn an_emptied_block_is_reused_by_its_class() {
        let mut pool = Small::new();
        let mut a = Block::EMPTY;
        add(&mut pool, &mut a, Reaction::Like, 1).unwrap();
        pool.remove(&mut a, 0);
        assert_eq!(a, Block::EMPTY);
        let mut b = Block::EMPTY;
        add(&mut pool, &mut b, Reaction::Like, 5).unwrap();
        assert_eq!(pool.high_water(), 1);
        assert_eq!(pool.users(b), [5]);
    }

    #[test]
    fn a_full_pool_refuses_and_keeps_the_set() {
        let mut pool = Small::new();
        let mut block = Block::EMPTY;
        for user in 1..=4 {
            add(&mut pool, &mut block, Reaction::Like, user).unwrap();
        }
        // 1 + 2 + 4 entries used; a block of 8 does not fit in the last one.
        assert_eq!(add(&mut pool, &mut block, Reaction::Like, 5), Err(PoolFull));
        assert_eq!(pool.users(block), [1, 2, 3, 4]);
    }
}
