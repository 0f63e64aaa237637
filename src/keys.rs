//! Idempotency keys: the client's name for one request, so a retry of it
//! can be recognised (see [`Engine::like_keyed`](crate::Engine::like_keyed)).

use core::fmt;

use serde::{Deserialize, Serialize};

/// A client-chosen 128-bit name for one request.
///
/// A client sends the same key with every delivery of one request and a
/// new key with each new request. The engine remembers the answers of the
/// last requests by key (see [`Capacity`](crate::Capacity)'s `KEYS`), so a
/// second delivery gets the first answer instead of running again.
///
/// Hosts build a key from whatever the client sends: 16 raw bytes (a UUID)
/// with [`IdempotencyKey::from_bytes`], any header text with
/// [`IdempotencyKey::from_text`], or their own hash of either, passed as
/// the `u128`.
///
/// ```
/// use imbot_like::IdempotencyKey;
///
/// let uuid = [0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00];
/// let key = IdempotencyKey::from_bytes(uuid);
/// assert_eq!(key.to_string(), "123e4567e89b12d3a456426614174000");
/// assert_eq!(key.to_bytes(), uuid);
///
/// let header = IdempotencyKey::from_text("retry-7f3a");
/// assert_eq!(header, IdempotencyKey::from_text("retry-7f3a"));
/// assert_ne!(header, IdempotencyKey::from_text("retry-7f3b"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct IdempotencyKey(pub u128);

/// The FNV-1a offset basis of the 128-bit variant.
const FNV_OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;

/// The FNV prime of the 128-bit variant: 2^88 + 2^8 + 0x3b.
const FNV_PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;

impl IdempotencyKey {
    /// The key whose big-endian bytes these are: a UUID's 16 bytes give
    /// the key that displays as the UUID's 32 hex digits.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(u128::from_be_bytes(bytes))
    }

    /// The key's big-endian bytes: the inverse of
    /// [`IdempotencyKey::from_bytes`].
    #[must_use]
    pub const fn to_bytes(self) -> [u8; 16] {
        self.0.to_be_bytes()
    }

    /// A key from text of any length (an `Idempotency-Key` header, say),
    /// without allocating: the 128-bit FNV-1a hash of its UTF-8 bytes
    /// (offset basis `0x6c62272e07bb014262b821756295c58d`, prime
    /// `2^88 + 0x13b`; for each byte, XOR it into the low bits, then
    /// multiply by the prime, wrapping).
    ///
    /// FNV-1a is fixed and portable, so every replica and every language
    /// derives the same key from the same text. It is **not**
    /// cryptographic: a client can choose texts whose keys collide, which
    /// only lets it confuse its own retries. A host is free to hash the
    /// text with anything it likes and pass the `u128` instead.
    #[must_use]
    pub const fn from_text(text: &str) -> Self {
        let mut hash = FNV_OFFSET;
        let mut rest = text.as_bytes();
        while let [byte, tail @ ..] = rest {
            hash ^= *byte as u128;
            hash = hash.wrapping_mul(FNV_PRIME);
            rest = tail;
        }
        Self(hash)
    }
}

/// The key as 32 lower-case hex digits.
impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

impl From<u128> for IdempotencyKey {
    fn from(value: u128) -> Self {
        Self(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Published FNV-1a-128 test vectors: the empty text is the offset
    /// basis, and "a" is the basis after one step.
    #[test]
    fn from_text_is_fnv_1a_128() {
        assert_eq!(IdempotencyKey::from_text("").0, FNV_OFFSET);
        assert_eq!(
            IdempotencyKey::from_text("a").0,
            0xd228_cb69_6f1a_8caf_7891_2b70_4e4a_8964
        );
    }

    #[test]
    fn display_is_32_hex_digits() {
        extern crate std;
        use std::string::ToString;
        assert_eq!(
            IdempotencyKey(1).to_string(),
            "00000000000000000000000000000001"
        );
    }
}
