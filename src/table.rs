//! A fixed-capacity table keyed by id: dense rows plus an open-addressing
//! index at most half full.
//!
//! Rows live in one dense array (`N` of them); the index has `2N` slots,
//! each 0 (empty) or a row number plus one, probed linearly from a
//! Fibonacci hash of the id. At most half the slots are ever used, so a
//! lookup reads about 1.5 slots on average even when the table is full, and
//! the index is 8 bytes a row. Removal shifts later entries of the probe
//! run back (no tombstones) and moves the last row into the hole; the
//! caller learns which row moved, so row numbers held elsewhere (a
//! message's chat) can follow it.
//!
//! The arrays come from the engine's [`Sizing`](crate::Sizing), so the
//! capacity is the backing array's length. Ids are assigned by the host,
//! not by callers; the hash is not keyed.

use core::marker::PhantomData;

use crate::array::Array;
use crate::ids::{BotId, ChatId, MessageId};

/// A key the table can hash: an id.
pub trait TableKey: Copy + Eq {
    /// The id's integer value.
    fn value(self) -> u64;
}

/// Dense rows indexed by an open-addressing hash index.
#[derive(Clone)]
pub struct Table<K, V, R, I> {
    rows: R,
    /// `2N` slots, as pairs so the count is the sizing's.
    index: I,
    len: usize,
    marker: PhantomData<(K, V)>,
}

/// Fibonacci hashing: the golden-ratio multiple's top bits.
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

// The engine asks for `len` only; an `is_empty` would be dead code.
#[allow(clippy::len_without_is_empty)]
impl<K, V, R, I> Table<K, V, R, I>
where
    K: TableKey,
    V: Copy,
    R: Array<(K, V)>,
    I: Array<[u32; 2]>,
{
    /// An empty table. The capacity must be a power of two no larger than
    /// 2^30 (the engine checks it at compile time).
    #[must_use]
    pub const fn new() -> Self {
        Self {
            rows: R::EMPTY,
            index: I::EMPTY,
            len: 0,
            marker: PhantomData,
        }
    }

    /// The number of rows.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// The rows, in no particular order.
    #[must_use]
    pub fn rows(&self) -> &[(K, V)] {
        self.rows.as_slice().get(..self.len).unwrap_or_default()
    }

    /// The rows, mutably. Keys must not be changed through this.
    pub fn rows_mut(&mut self) -> &mut [(K, V)] {
        let len = self.len;
        self.rows.as_mut_slice().get_mut(..len).unwrap_or_default()
    }

    /// The row number of `key`. O(1) expected.
    #[must_use]
    pub fn position(&self, key: K) -> Option<usize> {
        self.find(key).ok().map(|(_, row)| row)
    }

    /// The row for `key`. O(1) expected.
    #[must_use]
    pub fn get(&self, key: K) -> Option<&V> {
        self.lookup(key).map(|(_, v)| v)
    }

    /// The row number and row for `key`: one probe of the index, the row
    /// read where the probe found it. O(1) expected.
    #[must_use]
    pub fn lookup(&self, key: K) -> Option<(usize, &V)> {
        let (_, row) = self.find(key).ok()?;
        let (_, value) = self.rows.as_slice().get(row)?;
        Some((row, value))
    }

    /// The row at row number `at`, with its key: read from the backing
    /// array directly, so only a number of a row in use means a row.
    /// O(1).
    #[must_use]
    #[inline]
    pub fn row(&self, at: usize) -> Option<(&K, &V)> {
        self.rows.as_slice().get(at).map(|(k, v)| (k, v))
    }

    /// The row for `key`, mutably. O(1) expected.
    #[inline]
    pub fn get_mut(&mut self, key: K) -> Option<&mut V> {
        let (_, row) = self.find(key).ok()?;
        self.rows.as_mut_slice().get_mut(row).map(|(_, v)| v)
    }

    /// Whether a row has this key. O(1) expected.
    #[must_use]
    pub fn contains_key(&self, key: K) -> bool {
        self.find(key).is_ok()
    }

    /// Adds a row for a key that has none and returns its row number;
    /// hands the row back when full or when the key is present. O(1)
    /// expected.
    ///
    /// # Errors
    /// The row, unchanged, when the table is full or has the key.
    pub fn insert(&mut self, key: K, value: V) -> Result<usize, (K, V)> {
        let Err(slot) = self.find(key) else {
            return Err((key, value));
        };
        let row = self.len;
        let Ok(tag) = u32::try_from(row.wrapping_add(1)) else {
            return Err((key, value));
        };
        let Some(cell) = self.rows.as_mut_slice().get_mut(row) else {
            return Err((key, value));
        };
        *cell = (key, value);
        self.len = row.wrapping_add(1);
        self.set_slot(slot, tag);
        Ok(row)
    }

    /// Removes the row for `key` and returns it with its row number. The
    /// last row moves into that number (when it was not the last itself).
    /// O(1) expected.
    pub fn remove(&mut self, key: K) -> Option<(V, usize)> {
        let (slot, row) = self.find(key).ok()?;
        self.set_slot(slot, 0);
        self.close_gap(slot);
        self.move_last_row_to(row);
        let last = self.len.checked_sub(1)?;
        let rows = self.rows.as_mut_slice();
        let (_, value) = *rows.get(row)?;
        let moved = *rows.get(last)?;
        *rows.get_mut(row)? = moved;
        self.len = last;
        Some((value, row))
    }

    /// Removes every row, in place. O(N).
    pub fn clear(&mut self) {
        self.len = 0;
        self.index.as_mut_slice().as_flattened_mut().fill(0);
    }

    /// The rows, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.rows().iter().map(|(k, v)| (k, v))
    }

    /// The index's slot count minus one: a mask, as `2N` is a power of two.
    fn mask(&self) -> usize {
        self.index.as_slice().len().wrapping_mul(2).wrapping_sub(1)
    }

    /// Where `key`'s probe run starts.
    fn home(&self, key: K) -> usize {
        let mask = self.mask();
        let bits = mask.count_ones();
        let hash = key.value().wrapping_mul(GOLDEN);
        // `checked_shr` covers the 64-bit shift of a one-slot index.
        let top = hash.checked_shr(64u32.wrapping_sub(bits)).unwrap_or(0);
        usize::try_from(top).unwrap_or(0) & mask
    }

    fn slot(&self, slot: usize) -> u32 {
        let slots = self.index.as_slice().as_flattened();
        slots.get(slot).copied().unwrap_or(0)
    }

    fn set_slot(&mut self, slot: usize, tag: u32) {
        let slots = self.index.as_mut_slice().as_flattened_mut();
        if let Some(cell) = slots.get_mut(slot) {
            *cell = tag;
        }
    }

    /// The row number a non-empty slot holds.
    fn row_of(tag: u32) -> usize {
        usize::try_from(tag.wrapping_sub(1)).unwrap_or(usize::MAX)
    }

    /// `Ok((slot, row))` holding `key`, or `Err(slot)`: the empty slot
    /// where it would go. The index is at most half full, so a probe run
    /// always ends at an empty slot and the loop needs no step count; a
    /// slot's row is read from the backing array directly (every tag
    /// names a row in use).
    #[inline]
    fn find(&self, key: K) -> Result<(usize, usize), usize> {
        let (mask, slots, rows) = (
            self.mask(),
            self.index.as_slice().as_flattened(),
            self.rows.as_slice(),
        );
        let mut slot = self.home(key);
        loop {
            let tag = slots.get(slot).copied().unwrap_or(0);
            if tag == 0 {
                return Err(slot);
            }
            let row = Self::row_of(tag);
            if rows.get(row).is_some_and(|(k, _)| *k == key) {
                return Ok((slot, row));
            }
            slot = slot.wrapping_add(1) & mask;
        }
    }

    /// Backward-shift deletion: after `hole` was emptied, moves back every
    /// later entry of the run that may sit there, so lookups never stop
    /// early at the hole.
    fn close_gap(&mut self, mut hole: usize) {
        let mut next = hole;
        for _ in 0..self.mask() {
            next = next.wrapping_add(1) & self.mask();
            let tag = self.slot(next);
            if tag == 0 {
                return;
            }
            let Some(&(key, _)) = self.rows().get(Self::row_of(tag)) else {
                return;
            };
            // Distances from the entry's home, modulo the slot count.
            let home = self.home(key);
            let to_hole = hole.wrapping_sub(home) & self.mask();
            let to_next = next.wrapping_sub(home) & self.mask();
            if to_hole < to_next {
                self.set_slot(hole, tag);
                self.set_slot(next, 0);
                hole = next;
            }
        }
    }

    /// Points the last row's slot at `row`, where [`Self::remove`] moves it.
    fn move_last_row_to(&mut self, row: usize) {
        let last = self.len.wrapping_sub(1);
        if row >= last {
            return;
        }
        let Some(&(key, _)) = self.rows().last() else {
            return;
        };
        let (Ok((slot, _)), Ok(tag)) = (self.find(key), u32::try_from(row.wrapping_add(1))) else {
            return;
        };
        self.set_slot(slot, tag);
    }
}

impl<K, V, R, I> Default for Table<K, V, R, I>
where
    K: TableKey,
    V: Copy,
    R: Array<(K, V)>,
    I: Array<[u32; 2]>,
{
    fn default() -> Self {
        Self::new()
    }
}

impl TableKey for BotId {
    fn value(self) -> u64 {
        u64::from(self.get())
    }
}

impl TableKey for ChatId {
    fn value(self) -> u64 {
        u64::from(self.get())
    }
}

impl TableKey for MessageId {
    fn value(self) -> u64 {
        self.get()
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
mod tests {
    extern crate std;

    use std::collections::HashMap;
    use std::vec::Vec as StdVec;

    use proptest::prelude::*;

    use super::Table;
    use crate::ids::MessageId;

    type T8 = Table<MessageId, u32, [(MessageId, u32); 8], [[u32; 2]; 8]>;
    type T4 = Table<MessageId, u32, [(MessageId, u32); 4], [[u32; 2]; 4]>;
    type T1 = Table<MessageId, u32, [(MessageId, u32); 1], [[u32; 2]; 1]>;

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u64, u32),
        Remove(u64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (1..=40u64, any::<u32>()).prop_map(|(k, v)| Op::Insert(k, v)),
            3 => (1..=40u64).prop_map(Op::Remove),
        ]
    }

    fn id(k: u64) -> MessageId {
        MessageId::new(k).unwrap()
    }

    /// Applies one operation to both and checks they agree.
    fn step(table: &mut T8, model: &mut HashMap<u64, u32>, op: Op) {
        match op {
            Op::Insert(k, v) => {
                let room = model.len() < 8 && !model.contains_key(&k);
                assert_eq!(table.insert(id(k), v).is_ok(), room);
                if room {
                    model.insert(k, v);
                }
            }
            Op::Remove(k) => assert_eq!(table.remove(id(k)).map(|(v, _)| v), model.remove(&k)),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn table_matches_a_hash_map(ops in proptest::collection::vec(op(), 1..200)) {
            let mut table = T8::new();
            let mut model = HashMap::new();
            for op in ops {
                step(&mut table, &mut model, op);
                prop_assert_eq!(table.len(), model.len());
                for k in 1..=40u64 {
                    prop_assert_eq!(table.get(id(k)), model.get(&k));
                }
                let mut rows: StdVec<_> = table.iter().map(|(k, v)| (k.get(), *v)).collect();
                rows.sort_unstable();
                let mut expected: StdVec<_> = model.iter().map(|(k, v)| (*k, *v)).collect();
                expected.sort_unstable();
                prop_assert_eq!(rows, expected);
            }
        }
    }

    #[test]
    fn removal_moves_the_last_row_into_the_hole() {
        let mut table = T4::new();
        for k in [1, 2, 3] {
            table.insert(id(k), 0).unwrap();
        }
        assert_eq!(table.remove(id(1)), Some((0, 0)));
        assert_eq!(table.position(id(3)), Some(0));
        assert_eq!(table.position(id(2)), Some(1));
        assert_eq!(table.insert(id(9), 5), Ok(2));
    }

    #[test]
    fn a_full_table_refuses_and_a_one_row_table_works() {
        let mut table = T1::new();
        assert_eq!(table.insert(id(7), 1), Ok(0));
        assert_eq!(table.insert(id(8), 2), Err((id(8), 2)));
        assert_eq!(table.insert(id(7), 3), Err((id(7), 3)));
        assert_eq!(table.remove(id(7)), Some((1, 0)));
        assert!(!table.contains_key(id(7)));
        table.insert(id(8), 2).unwrap();
        assert_eq!(table.get(id(8)), Some(&2));
    }
}
