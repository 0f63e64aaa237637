//! Bit sets over a slice of `u64` words: a message's likes by member
//! rank (bit `i` is the chat's `i`-th member in ascending order).
//!
//! Every operation is total: a bit outside the words reads as clear and
//! writes nowhere.

/// Bits in one word.
const WORD: usize = 64;

/// The words a mask over `members` ranks takes: the sizing's
/// [`Sizing::WORDS`](crate::Sizing::WORDS) must be exactly this.
#[must_use]
pub const fn mask_words(members: usize) -> usize {
    members.div_ceil(WORD)
}

/// The word and the bit inside it that hold bit `at`.
fn place(at: usize) -> (usize, u64) {
    (at / WORD, 1u64 << (at % WORD))
}

/// Whether bit `at` is set.
pub(crate) fn test(words: &[u64], at: usize) -> bool {
    let (word, bit) = place(at);
    words.get(word).is_some_and(|w| w & bit != 0)
}

/// Sets bit `at`.
pub(crate) fn set(words: &mut [u64], at: usize) {
    let (word, bit) = place(at);
    if let Some(w) = words.get_mut(word) {
        *w |= bit;
    }
}

/// Clears bit `at`.
pub(crate) fn clear(words: &mut [u64], at: usize) {
    let (word, bit) = place(at);
    if let Some(w) = words.get_mut(word) {
        *w &= !bit;
    }
}

/// Opens a clear bit at `at`: every bit from `at` up moves one place up
/// (the top bit of the last word is dropped). O(words).
pub(crate) fn open(words: &mut [u64], at: usize) {
    let (first, bit) = place(at);
    let below = bit.wrapping_sub(1);
    let mut carry = 0u64;
    for (i, w) in words.iter_mut().enumerate().skip(first) {
        let out = *w >> (WORD - 1);
        *w = if i == first {
            (*w & below) | ((*w & !below) << 1)
        } else {
            (*w << 1) | carry
        };
        carry = out;
    }
}

/// Closes bit `at`: every bit above it moves one place down, and the top
/// bit of the last word becomes clear. O(words).
pub(crate) fn close(words: &mut [u64], at: usize) {
    let (first, bit) = place(at);
    let below = bit.wrapping_sub(1);
    let len = words.len();
    for i in first..len {
        let next = words.get(i.wrapping_add(1)).map_or(0, |w| w & 1);
        if let Some(w) = words.get_mut(i) {
            let kept = if i == first { *w & below } else { 0 };
            let moved = if i == first {
                (*w >> 1) & !below
            } else {
                *w >> 1
            };
            *w = kept | moved | (next << (WORD - 1));
        }
    }
}

/// The lowest set bit in `from..to`.
pub(crate) fn next_set(words: &[u64], from: usize, to: usize) -> Option<usize> {
    let mut at = from;
    while at < to {
        let (word, _) = place(at);
        let bits = words.get(word)? >> (at % WORD);
        if bits != 0 {
            let found = at.wrapping_add(bits.trailing_zeros() as usize);
            return (found < to).then_some(found);
        }
        at = word.wrapping_add(1).wrapping_mul(WORD);
    }
    None
}

/// The highest set bit in `from..to`.
pub(crate) fn prev_set(words: &[u64], from: usize, to: usize) -> Option<usize> {
    let mut end = to;
    while end > from {
        let last = end.wrapping_sub(1);
        let (word, _) = place(last);
        let keep = WORD.wrapping_sub(1).wrapping_sub(last % WORD);
        let bits = words.get(word)? << keep;
        if bits != 0 {
            let found = last.wrapping_sub(bits.leading_zeros() as usize);
            return (found >= from).then_some(found);
        }
        end = word.wrapping_mul(WORD);
    }
    None
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    extern crate std;

    use std::vec::Vec;

    use proptest::prelude::*;

    use super::{clear, close, next_set, open, prev_set, set, test};

    fn bits(words: &[u64], len: usize) -> Vec<bool> {
        (0..len).map(|i| test(words, i)).collect()
    }

    fn from_bits(flags: &[bool]) -> [u64; 3] {
        let mut words = [0u64; 3];
        for (i, &on) in flags.iter().enumerate() {
            if on {
                set(&mut words, i);
            }
        }
        words
    }

    proptest! {
        /// Opening and closing a bit move the bits above it like inserting
        /// into and removing from a list.
        #[test]
        fn open_and_close_act_as_list_insert_and_remove(
            flags in proptest::collection::vec(any::<bool>(), 0..191),
            at in 0usize..191,
        ) {
            let at = at.min(flags.len());
            let mut words = from_bits(&flags);
            open(&mut words, at);
            let mut expected = flags.clone();
            expected.insert(at, false);
            prop_assert_eq!(bits(&words, expected.len()), expected.clone());
            close(&mut words, at);
            prop_assert_eq!(bits(&words, 192), {
                let mut all = flags.clone();
                all.resize(192, false);
                all
            });
        }

        /// The set-bit searches find what a scan of the flags finds.
        #[test]
        fn searches_find_the_nearest_set_bit(
            flags in proptest::collection::vec(any::<bool>(), 0..192),
            from in 0usize..192,
            to in 0usize..193,
        ) {
            let words = from_bits(&flags);
            let on = |i: &usize| flags.get(*i).copied().unwrap_or(false);
            prop_assert_eq!(next_set(&words, from, to), (from..to).find(on));
            prop_assert_eq!(prev_set(&words, from, to), (from..to).rev().find(on));
        }
    }

    #[test]
    fn a_bit_outside_the_words_reads_clear_and_writes_nowhere() {
        let mut words = [0u64; 1];
        set(&mut words, 64);
        assert_eq!(words, [0]);
        assert!(!test(&words, 64));
        set(&mut words, 63);
        clear(&mut words, 63);
        assert_eq!(words, [0]);
    }
}
