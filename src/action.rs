//! The `ACTION` parameter (rule L5).

use core::fmt;

use serde::{Deserialize, Serialize};

/// What a like request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Set the like.
    Plus,
    /// Remove the like.
    Minus,
    /// Set the like when it is not set, remove it when it is.
    #[default]
    Auto,
}

impl Action {
    /// Reads an `ACTION` value as portals do (rule L5): `plus`, `minus` or
    /// `auto` in any ASCII case; anything else, the empty string included,
    /// is [`Action::Auto`]. Use `Action::default()` when it was not sent.
    ///
    /// ```
    /// use imbot_like::Action;
    ///
    /// assert_eq!(Action::parse("PLUS"), Action::Plus);
    /// assert_eq!(Action::parse("Minus"), Action::Minus);
    /// assert_eq!(Action::parse("sideways"), Action::Auto);
    /// assert_eq!(Action::parse(""), Action::Auto);
    /// ```
    #[must_use]
    pub fn parse(value: &str) -> Self {
        if value.eq_ignore_ascii_case("plus") {
            Self::Plus
        } else if value.eq_ignore_ascii_case("minus") {
            Self::Minus
        } else {
            Self::Auto
        }
    }

    /// The canonical lowercase name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Plus => "plus",
            Self::Minus => "minus",
            Self::Auto => "auto",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
