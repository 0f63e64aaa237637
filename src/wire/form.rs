//! Reading [`LikeParams`] from a raw form or query string
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

use crate::wire::params::{Key, LikeParams};

/// Why a form or query string could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum FormError {
    /// A value of a parameter this layer reads does not fit in the scratch
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

impl LikeParams {
    /// Records every parameter of a raw form or query string (without the
    /// leading `?`) on top of those already recorded: the last value of a
    /// name wins. `scratch` holds one decoded value at a time.
    ///
    /// O(length of `raw`).
    ///
    /// # Errors
    /// [`FormError::ScratchTooSmall`] when a value this layer reads decodes
    /// to more bytes than `scratch` holds; the segments before it are kept.
    pub fn apply_form(&mut self, raw: &str, scratch: &mut [u8]) -> Result<(), FormError> {
        for segment in raw.split('&').filter(|s| !s.is_empty()) {
            let (name, value) = segment.split_once('=').unwrap_or((segment, ""));
            let mut name_buf = [0u8; Key::MAX_LEN];
            // A name too long for the buffer is none this layer reads.
            let key = decode(name.as_bytes(), &mut name_buf)
                .and_then(|n| core::str::from_utf8(n).ok())
                .map_or(Key::Other, Key::of);
            if key == Key::Other {
                continue;
            }
            let value = decode(value.as_bytes(), scratch).ok_or(FormError::ScratchTooSmall)?;
            self.set_key(key, value);
        }
        Ok(())
    }

    /// Parameters from a raw form or query string (see
    /// [`LikeParams::apply_form`]).
    ///
    /// # Errors
    /// As [`LikeParams::apply_form`].
    pub fn from_form(raw: &str, scratch: &mut [u8]) -> Result<Self, FormError> {
        let mut params = Self::new();
        params.apply_form(raw, scratch)?;
        Ok(params)
    }

    /// Records a decoded value; bytes that are not UTF-8 are read as text
    /// no id, action, token or client id matches.
    fn set_key(&mut self, key: Key, value: &[u8]) {
        let text = core::str::from_utf8(value).unwrap_or("\u{fffd}");
        self.set_known(key, text);
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
