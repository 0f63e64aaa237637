//! An in-place heapsort of 8-byte big-endian ids in a byte slice: O(n log n),
//! no allocation, no recursion. Byte order equals numeric order for
//! big-endian words, so the bytes sort as the ids do.

/// The id in an 8-byte chunk (0 for a short chunk, which never occurs).
pub(crate) fn read_id(chunk: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    if let Some(bytes) = chunk.get(..8) {
        word.copy_from_slice(bytes);
    }
    u64::from_be_bytes(word)
}

fn get(ids: &[u8], i: usize) -> u64 {
    ids.get(i.wrapping_mul(8)..).map_or(0, read_id)
}

fn set(ids: &mut [u8], i: usize, value: u64) {
    let start = i.wrapping_mul(8);
    if let Some(slot) = ids.get_mut(start..start.wrapping_add(8)) {
        slot.copy_from_slice(&value.to_be_bytes());
    }
}

/// Sorts the slice's 8-byte words ascending (a trailing partial word is
/// left alone).
pub(crate) fn sort_ids(ids: &mut [u8]) {
    sort_ids_by(ids, |id| id);
}

/// Sorts the slice's 8-byte words ascending by `key` of each word.
pub(crate) fn sort_ids_by<K: Ord>(ids: &mut [u8], key: impl Fn(u64) -> K) {
    let n = ids.len() / 8;
    for start in (0..n / 2).rev() {
        sift_down(ids, start, n, &key);
    }
    for end in (1..n).rev() {
        let top = get(ids, 0);
        set(ids, 0, get(ids, end));
        set(ids, end, top);
        sift_down(ids, 0, end, &key);
    }
}

/// Restores the max-heap property below `root` within the first `len` words.
fn sift_down<K: Ord>(ids: &mut [u8], mut root: usize, len: usize, key: &impl Fn(u64) -> K) {
    let value = get(ids, root);
    let value_key = key(value);
    loop {
        let left = root.wrapping_mul(2).wrapping_add(1);
        if left >= len {
            break;
        }
        let right = left.wrapping_add(1);
        let mut child = left;
        if right < len && key(get(ids, right)) > key(get(ids, left)) {
            child = right;
        }
        let child_value = get(ids, child);
        if key(child_value) <= value_key {
            break;
        }
        set(ids, root, child_value);
        root = child;
    }
    set(ids, root, value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_ids_orders_words_ascending() {
        let values = [9u64, 1, 1 << 40, 7, 3, 3, 0, u64::MAX, 2];
        let mut bytes = [0u8; 72];
        for (i, v) in values.iter().enumerate() {
            set(&mut bytes, i, *v);
        }
        sort_ids(&mut bytes);
        let sorted: [u64; 9] = core::array::from_fn(|i| get(&bytes, i));
        assert_eq!(sorted, [0, 1, 2, 3, 3, 7, 9, 1 << 40, u64::MAX]);
    }
}
