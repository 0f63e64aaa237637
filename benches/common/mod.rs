//! Helpers shared by the benchmarks.

/// Length of a precomputed key or request sequence (a power of two).
pub const SEQ: usize = 1 << 16;

/// A deterministic xorshift64* generator: the same seed, the same sequence.
pub struct Rng(pub u64);

impl Rng {
    /// The next value.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A value in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        let n = u64::try_from(n).expect("usize fits u64");
        usize::try_from(self.next() % n).expect("below n")
    }
}
