//! Moving a run of elements inside one fixed array with no path to a panic:
//! the sorted arrays (a chat's members, the reaction pool) open and close
//! gaps with it.

/// Copies `src` to start at `dest` within one array; does nothing when
/// either range falls outside the array, which the callers' arithmetic
/// rules out. Elements move one by one (most runs are short, where this
/// beats a call to `memmove`), in the order that never overwrites one not
/// yet moved.
pub(crate) fn shift<T: Copy>(array: &mut [T], src: core::ops::Range<usize>, dest: usize) {
    let count = src.end.saturating_sub(src.start);
    let fits =
        src.start <= src.end && src.end <= array.len() && dest <= array.len().saturating_sub(count);
    if !fits {
        return;
    }
    if dest > src.start {
        for i in (0..count).rev() {
            copy_one(array, src.start.wrapping_add(i), dest.wrapping_add(i));
        }
    } else {
        for i in 0..count {
            copy_one(array, src.start.wrapping_add(i), dest.wrapping_add(i));
        }
    }
}

/// `array[to] = array[from]`, when both are inside the array.
fn copy_one<T: Copy>(array: &mut [T], from: usize, to: usize) {
    if let Some(&value) = array.get(from) {
        if let Some(cell) = array.get_mut(to) {
            *cell = value;
        }
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
mod tests {
    use super::shift;

    #[test]
    fn short_and_long_runs_move_both_ways() {
        for len in [3usize, 20] {
            let mut a = [0u32; 24];
            for (i, cell) in a.iter_mut().enumerate() {
                *cell = u32::try_from(i).unwrap();
            }
            let before = a;
            shift(&mut a, 1..1 + len, 2);
            assert_eq!(a[2..2 + len], before[1..1 + len]);
            shift(&mut a, 2..2 + len, 1);
            assert_eq!(a[1..1 + len], before[1..1 + len]);
        }
        let mut a = [1u8, 2, 3];
        shift(&mut a, 1..3, 2);
        assert_eq!(a, [1, 2, 3], "out of range: nothing moves");
    }
}
