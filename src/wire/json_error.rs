//! Why a JSON body could not be read: the one error of the JSON checks,
//! shared by the scanner and the reader.

use core::fmt;

use serde::{Deserialize, Serialize};

/// Why a JSON body could not be read. A host answers each of them as a
/// malformed request, whichever parameters the method reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum JsonError {
    /// The body is not UTF-8 text.
    NotUtf8,
    /// The body is not JSON text: a grammar error anywhere, a lone
    /// surrogate in a `\u` escape, or anything but whitespace after the
    /// value.
    Syntax,
    /// The body is a JSON value, but not an object.
    NotAnObject,
    /// Arrays and objects nested deeper than 128 levels inside a member.
    TooDeep,
    /// A value of a parameter the set reads decodes to more bytes than the
    /// scratch buffer holds; nothing was recorded.
    ScratchTooSmall,
}

impl JsonError {
    /// A short static description of the error.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NotUtf8 => "the body is not UTF-8",
            Self::Syntax => "the body is not JSON",
            Self::NotAnObject => "the body is not a JSON object",
            Self::TooDeep => "the body nests too deep",
            Self::ScratchTooSmall => "a parameter value does not fit in the scratch buffer",
        }
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::error::Error for JsonError {}
