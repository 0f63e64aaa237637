//! The canonical-encoding check: a decoded value must re-encode to exactly
//! the bytes it was decoded from.
//!
//! postcard's decoder accepts overlong varints, so one value has many
//! encodings; only the shortest is canonical. Re-encoding into a flavor that
//! compares byte by byte instead of storing needs no buffer.

use postcard::ser_flavors::Flavor;
use serde::Serialize;

/// A serializer output that compares each byte with the expected input.
struct Compare<'a> {
    expected: &'a [u8],
}

impl Flavor for Compare<'_> {
    type Output = bool;

    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        match self.expected.split_first() {
            Some((&first, rest)) if first == data => {
                self.expected = rest;
                Ok(())
            }
            _ => Err(postcard::Error::SerializeBufferFull),
        }
    }

    fn finalize(self) -> postcard::Result<bool> {
        Ok(self.expected.is_empty())
    }
}

/// Whether `value` encodes to exactly `bytes`.
pub(crate) fn encodes_to<T: Serialize + ?Sized>(value: &T, bytes: &[u8]) -> bool {
    postcard::serialize_with_flavor(value, Compare { expected: bytes }).unwrap_or(false)
}
