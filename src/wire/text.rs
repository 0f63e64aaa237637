//! Text parameters (`auth`, `CLIENT_ID`, `botToken`): kept as sent, within
//! a fixed capacity.

use heapless::String;
use serde::Serialize;

/// The longest text parameter (`auth`, `CLIENT_ID`, `botToken`) kept, in
/// bytes.
pub const TEXT_CAPACITY: usize = 128;

/// A text parameter as the caller sent it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum TextArg {
    /// The parameter was not sent.
    #[default]
    Omitted,
    /// The parameter's text (possibly empty).
    Given(String<TEXT_CAPACITY>),
    /// The parameter was sent but is longer than [`TEXT_CAPACITY`] or not a
    /// string at all; no valid token or client id looks like that.
    Invalid,
}

impl TextArg {
    /// Keeps `text`, or [`TextArg::Invalid`] when it is too long.
    #[must_use]
    pub fn new(text: &str) -> Self {
        String::try_from(text).map_or(Self::Invalid, Self::Given)
    }

    /// The text, when one was sent and kept.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Given(text) => Some(text.as_str()),
            Self::Omitted | Self::Invalid => None,
        }
    }
}
