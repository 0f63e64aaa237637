//! Reading a parameter set from a raw form or query string
//! (`BOT_ID=39&MESSAGE_ID=1`), with percent and `+` decoding.
//!
//! Nothing is allocated: names are decoded into a small array on the stack
//! and the values of the parameters this layer reads into a scratch buffer
//! the caller provides; the values of unknown names are not decoded at all.
//! A scratch buffer as long as the raw string always suffices; 256 bytes
//! hold every value a valid call carries.
//!
//! Decoding follows what browsers and portals do: `+` is a space, `%XY`
//! with two hex digits is that byte, and a `%` not followed by two hex
//! digits is kept as it is. A decoded value that is not UTF-8 is read as
//! text that is no valid id, token or client id. Empty segments (`a=1&&b=2`)
//! are skipped; a segment with no `=` is a name with an empty value.

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::wire::fields::sealed::Fields;
use crate::wire::fields::{NAME_CAPACITY, field};

/// Why a form or query string could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum FormError {
    /// A value of a parameter the set reads does not fit in the scratch
    /// buffer; nothing from that segment on was recorded.
    ScratchTooSmall,
}

impl FormError {
    /// A short static description of the error.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ScratchTooSmall => "a parameter value does not fit in the scratch buffer",
        }
    }
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::error::Error for FormError {}

/// Records every parameter of a raw form or query string into `params`
/// (see [`Params::apply_form`](crate::wire::Params::apply_form)).
pub(crate) fn apply<P: Fields>(
    params: &mut P,
    raw: &str,
    scratch: &mut [u8],
) -> Result<(), FormError> {
    // Split on bytes, not on `char` patterns: `&` and `=` are ASCII, and
    // the byte search has no panicking branch the optimizer must prove
    // dead.
    for segment in raw.as_bytes().split(|&b| b == b'&') {
        if segment.is_empty() {
            continue;
        }
        let (name, value) = split_once(segment, b'=');
        let mut name_buf = [0u8; NAME_CAPACITY];
        // A name too long for the buffer is none a set reads.
        let index = decode(name, &mut name_buf)
            .and_then(|n| core::str::from_utf8(n).ok())
            .and_then(field::<P>);
        let Some(index) = index else {
            continue;
        };
        let value = decode(value, scratch).ok_or(FormError::ScratchTooSmall)?;
        // Bytes that are not UTF-8 are read as text no id, action, code,
        // token or client id matches.
        let text = core::str::from_utf8(value).unwrap_or("\u{fffd}");
        if let Some(slot) = params.slot(index) {
            slot.set_text(text);
        }
    }
    Ok(())
}

/// The bytes before and after the first `separator`; all of `segment`
/// and nothing when there is none.
fn split_once(segment: &[u8], separator: u8) -> (&[u8], &[u8]) {
    match segment.iter().position(|&b| b == separator) {
        Some(at) => (
            segment.get(..at).unwrap_or_default(),
            segment.get(at.saturating_add(1)..).unwrap_or_default(),
        ),
        None => (segment, &[]),
    }
}

/// Percent- and `+`-decodes `raw` into `out`; the decoded bytes, or `None`
/// when they do not fit.
fn decode<'o>(raw: &[u8], out: &'o mut [u8]) -> Option<&'o [u8]> {
    let mut len = 0usize;
    let mut rest = raw;
    while let Some((&byte, tail)) = rest.split_first() {
        let (decoded, tail) = match (byte, tail) {
            (b'+', _) => (b' ', tail),
            (b'%', [hi, lo, after @ ..]) => match (hex(*hi), hex(*lo)) {
                (Some(hi), Some(lo)) => ((hi << 4) | lo, after),
                _ => (b'%', tail),
            },
            _ => (byte, tail),
        };
        *out.get_mut(len)? = decoded;
        len = len.checked_add(1)?;
        rest = tail;
    }
    out.get(..len)
}

/// The value of one hex digit.
fn hex(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}
