//! A fixed-capacity table keyed by id: dense rows plus an open-addressing
//! index at most half full.
//!
//! Rows live in one dense vector (`N` of them); the index has `2N` slots,
//! each 0 (empty) or a row number plus one, probed linearly from a
//! Fibonacci hash of the id. At most half the slots are ever used, so a
//! lookup reads about 1.5 slots on average even when the table is full, and
//! the index is 8 bytes a row (512 KiB for 65 536 rows), small enough to
//! stay in cache. Removal shifts later entries of the probe run back (no
//! tombstones) and moves the last row into the hole.
//!
//! Ids are assigned by the host, not by callers; the hash is not keyed.

use heapless::Vec;

use crate::ids::{BotId, ChatId, MessageId};

/// A key the table can hash: an id.
pub trait TableKey: Copy + Eq {
    /// The id's integer value.
    fn value(self) -> u64;
}

/// Dense rows indexed by an open-addressing hash index.
///
/// Two tables are equal when they hold the same rows, whatever the order
/// of their rows and slots (which depends on the order of past edits).
#[derive(Debug, Clone)]
pub struct Table<K, V, const N: usize> {
    rows: Vec<(K, V), N>,
    /// `2N` slots, as pairs so the count stays a const generic.
    slots: [[u32; 2]; N],
}

/// Fibonacci hashing: the golden-ratio multiple's top bits.
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

// The engine asks for `len` only; an `is_empty` would be dead code.
#[allow(clippy::len_without_is_empty)]
impl<K: TableKey, V, const N: usize> Table<K, V, N> {
    /// An empty table. `N` must be a power of two no larger than 2^30.
    #[must_use]
    pub const fn new() -> Self {
        const {
            assert!(N >= 1 && N.is_power_of_two() && N <= 1 << 30);
        }
        Self {
            rows: Vec::new(),
            slots: [[0; 2]; N],
        }
    }

    /// The number of rows.
    #[must_use]
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// The row for `key`. O(1) expected.
    #[must_use]
    pub fn get(&self, key: K) -> Option<&V> {
        let row = self.find(key).ok()?.1;
        self.rows.get(row).map(|(_, v)| v)
    }

    /// The row for `key`, mutably. O(1) expected.
    pub fn get_mut(&mut self, key: K) -> Option<&mut V> {
        let row = self.find(key).ok()?.1;
        self.rows.get_mut(row).map(|(_, v)| v)
    }

    /// Whether a row has this key. O(1) expected.
    #[must_use]
    pub fn contains_key(&self, key: K) -> bool {
        self.find(key).is_ok()
    }

    /// Adds a row for a key that has none; hands the row back when full or
    /// when the key is present. O(1) expected.
    ///
    /// # Errors
    /// The row, unchanged, when the table is full or has the key.
    pub fn insert(&mut self, key: K, value: V) -> Result<(), (K, V)> {
        let Err(slot) = self.find(key) else {
            return Err((key, value));
        };
        let Ok(tag) = u32::try_from(self.rows.len().wrapping_add(1)) else {
            return Err((key, value));
        };
        self.rows.push((key, value))?;
        self.set_slot(slot, tag);
        Ok(())
    }

    /// Removes the row for `key` and returns it. O(1) expected.
    pub fn remove(&mut self, key: K) -> Option<V> {
        let (slot, row) = self.find(key).ok()?;
        self.set_slot(slot, 0);
        self.close_gap(slot);
        self.move_last_row_to(row);
        (row < self.rows.len()).then(|| self.rows.swap_remove(row).1)
    }

    /// Removes every row for which `keep` is false. O(N).
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &V) -> bool) {
        let mut i = 0;
        while let Some((key, value)) = self.rows.get(i) {
            if keep(key, value) {
                i = i.wrapping_add(1);
            } else {
                // The last row moves into `i`: look at `i` again.
                let key = *key;
                self.remove(key);
            }
        }
    }

    /// The rows, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.rows.iter().map(|(k, v)| (k, v))
    }

    /// The index's slot count minus one: a mask, as `2N` is a power of two.
    const fn mask() -> usize {
        N.wrapping_mul(2).wrapping_sub(1)
    }

    /// Where `key`'s probe run starts.
    fn home(key: K) -> usize {
        let bits = Self::mask().count_ones();
        let hash = key.value().wrapping_mul(GOLDEN);
        // `checked_shr` covers the 64-bit shift of a one-slot index.
        let top = hash.checked_shr(64u32.wrapping_sub(bits)).unwrap_or(0);
        usize::try_from(top).unwrap_or(0) & Self::mask()
    }

    fn slot(&self, slot: usize) -> u32 {
        let pair = self.slots.get(slot >> 1);
        pair.and_then(|p| p.get(slot & 1)).copied().unwrap_or(0)
    }

    fn set_slot(&mut self, slot: usize, tag: u32) {
        let pair = self.slots.get_mut(slot >> 1);
        if let Some(cell) = pair.and_then(|p| p.get_mut(slot & 1)) {
            *cell = tag;
        }
    }

    /// The row number a non-empty slot holds.
    fn row_of(tag: u32) -> usize {
        usize::try_from(tag.wrapping_sub(1)).unwrap_or(usize::MAX)
    }

    /// `Ok((slot, row))` holding `key`, or `Err(slot)`: the empty slot
    /// where it would go. The index is at most half full, so a probe run
    /// always ends at an empty slot.
    fn find(&self, key: K) -> Result<(usize, usize), usize> {
        let mut slot = Self::home(key);
        for _ in 0..=Self::mask() {
            let tag = self.slot(slot);
            if tag == 0 {
                return Err(slot);
            }
            let row = Self::row_of(tag);
            if self.rows.get(row).is_some_and(|(k, _)| *k == key) {
                return Ok((slot, row));
            }
            slot = slot.wrapping_add(1) & Self::mask();
        }
        Err(slot)
    }

    /// Backward-shift deletion: after `hole` was emptied, moves back every
    /// later entry of the run that may sit there, so lookups never stop
    /// early at the hole.
    fn close_gap(&mut self, mut hole: usize) {
        let mut next = hole;
        for _ in 0..Self::mask() {
            next = next.wrapping_add(1) & Self::mask();
            let tag = self.slot(next);
            if tag == 0 {
                return;
            }
            let Some(&(key, _)) = self.rows.get(Self::row_of(tag)) else {
                return;
            };
            // Distances from the entry's home, modulo the slot count.
            let home = Self::home(key);
            let to_hole = hole.wrapping_sub(home) & Self::mask();
            let to_next = next.wrapping_sub(home) & Self::mask();
            if to_hole < to_next {
                self.set_slot(hole, tag);
                self.set_slot(next, 0);
                hole = next;
            }
        }
    }

    /// Points the last row's slot at `row`, where `swap_remove` puts it.
    fn move_last_row_to(&mut self, row: usize) {
        let last = self.rows.len().wrapping_sub(1);
        if row >= last {
            return;
        }
        let Some(&(key, _)) = self.rows.last() else {
            return;
        };
        let (Ok((slot, _)), Ok(tag)) = (self.find(key), u32::try_from(row.wrapping_add(1))) else {
            return;
        };
        self.set_slot(slot, tag);
    }
}

impl<K: TableKey, V: PartialEq, const N: usize> PartialEq for Table<K, V, N> {
    /// O(N) expected.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(*k) == Some(v))
    }
}

impl<K: TableKey, V: Eq, const N: usize> Eq for Table<K, V, N> {}

impl<K: TableKey, V, const N: usize> Default for Table<K, V, N> {
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

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u64, u32),
        Remove(u64),
        RetainBelow(u32),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (1..=40u64, any::<u32>()).prop_map(|(k, v)| Op::Insert(k, v)),
            3 => (1..=40u64).prop_map(Op::Remove),
            1 => any::<u32>().prop_map(Op::RetainBelow),
        ]
    }

    fn id(k: u64) -> MessageId {
        MessageId::new(k).unwrap()
    }

    /// Applies one operation to both and checks they agree.
    fn step(table: &mut Table<MessageId, u32, 8>, model: &mut HashMap<u64, u32>, op: Op) {
        match op {
            Op::Insert(k, v) => {
                let room = model.len() < 8 && !model.contains_key(&k);
                assert_eq!(table.insert(id(k), v).is_ok(), room);
                if room {
                    model.insert(k, v);
                }
            }
            Op::Remove(k) => assert_eq!(table.remove(id(k)), model.remove(&k)),
            Op::RetainBelow(limit) => {
                table.retain(|_, v| *v < limit);
                model.retain(|_, v| *v < limit);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn table_matches_a_hash_map(ops in proptest::collection::vec(op(), 1..200)) {
            let mut table = Table::new();
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
    fn equality_ignores_the_order_of_past_edits() {
        let mut a: Table<MessageId, u8, 4> = Table::new();
        let mut b: Table<MessageId, u8, 4> = Table::new();
        for k in [1, 2, 3] {
            a.insert(id(k), 0).unwrap();
        }
        for k in [3, 9, 1, 2] {
            b.insert(id(k), 0).unwrap();
        }
        assert_ne!(a, b);
        b.remove(id(9)).unwrap();
        assert_eq!(a, b);
        b.remove(id(3)).unwrap();
        b.insert(id(3), 1).unwrap();
        assert_ne!(a, b, "same keys, another value");
    }

    #[test]
    fn a_full_table_refuses_and_a_one_row_table_works() {
        let mut table: Table<MessageId, u8, 1> = Table::new();
        table.insert(id(7), 1).unwrap();
        assert_eq!(table.insert(id(8), 2), Err((id(8), 2)));
        assert_eq!(table.insert(id(7), 3), Err((id(7), 3)));
        assert_eq!(table.remove(id(7)), Some(1));
        assert!(!table.contains_key(id(7)));
        table.insert(id(8), 2).unwrap();
        assert_eq!(table.get(id(8)), Some(&2));
    }
}
