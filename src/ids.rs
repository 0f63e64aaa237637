//! Identifiers and the parsing of raw id parameters.
//!
//! Users and bots share one id space (a bot is a user), chats have their own,
//! and messages use 63-bit ids as portals do. Every id is a positive integer,
//! so each newtype wraps a `NonZero` integer and `Option<Id>` costs nothing.

use core::fmt;
use core::num::{NonZeroU32, NonZeroU64};
use core::str::FromStr;

use serde::{Deserialize, Serialize};

/// Why a raw id parameter is not a valid id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum IdError {
    /// The parameter was sent with an empty value.
    Empty,
    /// The value is not a decimal integer.
    NotANumber,
    /// The value is zero or negative.
    NotPositive,
    /// The value is larger than the id space allows.
    TooLarge,
}

impl IdError {
    /// A short static description of the error.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Empty => "empty value",
            Self::NotANumber => "not a decimal integer",
            Self::NotPositive => "zero or negative",
            Self::TooLarge => "too large",
        }
    }
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::error::Error for IdError {}

/// Parses a decimal id no larger than `max`.
///
/// Accepts ASCII digits with an optional leading `-` (which makes any
/// non-zero value [`IdError::NotPositive`]); no sign `+`, no spaces.
fn parse_decimal(s: &str, max: u64) -> Result<NonZeroU64, IdError> {
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    if s.is_empty() {
        return Err(IdError::Empty);
    }
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IdError::NotANumber);
    }
    let value = digits.bytes().try_fold(0u64, |acc, b| {
        acc.checked_mul(10)?
            .checked_add(u64::from(b.wrapping_sub(b'0')))
    });
    match value {
        Some(0) => Err(IdError::NotPositive),
        _ if negative => Err(IdError::NotPositive),
        Some(v) if v <= max => NonZeroU64::new(v).ok_or(IdError::NotPositive),
        _ => Err(IdError::TooLarge),
    }
}

/// Checks a signed integer against `1..=max`.
fn check_signed(value: i64, max: u64) -> Result<NonZeroU64, IdError> {
    let unsigned = u64::try_from(value).map_err(|_| IdError::NotPositive)?;
    check_unsigned(unsigned, max)
}

/// Checks an unsigned integer against `1..=max`.
fn check_unsigned(value: u64, max: u64) -> Result<NonZeroU64, IdError> {
    if value > max {
        return Err(IdError::TooLarge);
    }
    NonZeroU64::new(value).ok_or(IdError::NotPositive)
}

/// Declares a 32-bit id newtype with its conversions and parsing.
macro_rules! id32 {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "defmt", derive(defmt::Format))]
        #[serde(transparent)]
        pub struct $name(NonZeroU32);

        impl $name {
            /// The smallest id, 1.
            pub(crate) const FIRST: Self = Self(NonZeroU32::MIN);

            /// The id with this value, or `None` for zero.
            #[must_use]
            pub const fn new(value: u32) -> Option<Self> {
                match NonZeroU32::new(value) {
                    Some(v) => Some(Self(v)),
                    None => None,
                }
            }

            /// The id's integer value.
            #[must_use]
            pub const fn get(self) -> u32 {
                self.0.get()
            }

            /// Checks a signed integer (as a JSON number arrives).
            ///
            /// # Errors
            /// [`IdError::NotPositive`] for zero or less,
            /// [`IdError::TooLarge`] above `u32::MAX`.
            pub fn from_i64(value: i64) -> Result<Self, IdError> {
                let v = check_signed(value, u64::from(u32::MAX))?;
                Self::from_checked(v)
            }

            fn from_checked(v: NonZeroU64) -> Result<Self, IdError> {
                let narrow = u32::try_from(v.get()).map_err(|_| IdError::TooLarge)?;
                Self::new(narrow).ok_or(IdError::NotPositive)
            }
        }

        impl FromStr for $name {
            type Err = IdError;

            /// Parses a decimal id (see [`IdError`] for what is refused).
            fn from_str(s: &str) -> Result<Self, IdError> {
                let v = parse_decimal(s, u64::from(u32::MAX))?;
                Self::from_checked(v)
            }
        }

        impl From<NonZeroU32> for $name {
            fn from(value: NonZeroU32) -> Self {
                Self(value)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    };
}

id32! {
    /// A user id. Bots are users too, so every [`BotId`] is also a `UserId`.
    UserId
}

id32! {
    /// A chatbot's id: the id of the user that is the bot.
    BotId
}

id32! {
    /// A chat id; a private dialog is a chat too.
    ChatId
}

impl BotId {
    /// The bot as a user: the id it appears under in chats and like sets.
    #[must_use]
    pub const fn user(self) -> UserId {
        UserId(self.0)
    }
}

impl From<BotId> for UserId {
    fn from(bot: BotId) -> Self {
        bot.user()
    }
}

/// A message id: a positive integer of at most 63 bits, as portals use
/// signed 64-bit ids.
///
/// Text is read as a plain decimal integer (rule L4): unlike a portal's
/// PHP `intval`, trailing characters or an exponent make it invalid
/// rather than some other message.
///
/// ```
/// use imbot_like::{IdError, MessageId};
///
/// assert_eq!("0012".parse::<MessageId>().map(MessageId::get), Ok(12));
/// assert_eq!("12abc".parse::<MessageId>(), Err(IdError::NotANumber));
/// assert_eq!("1e3".parse::<MessageId>(), Err(IdError::NotANumber));
/// assert_eq!("0".parse::<MessageId>(), Err(IdError::NotPositive));
/// assert_eq!("9223372036854775808".parse::<MessageId>(), Err(IdError::TooLarge));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[serde(try_from = "u64", into = "u64")]
pub struct MessageId(NonZeroU64);

impl MessageId {
    /// The largest message id: `i64::MAX`.
    pub const MAX: u64 = i64::MAX.unsigned_abs();

    /// The smallest id, 1.
    pub(crate) const FIRST: Self = Self(NonZeroU64::MIN);

    /// The id with this value, or `None` for zero or a value above [`Self::MAX`].
    #[must_use]
    pub const fn new(value: u64) -> Option<Self> {
        if value > Self::MAX {
            return None;
        }
        match NonZeroU64::new(value) {
            Some(v) => Some(Self(v)),
            None => None,
        }
    }

    /// The id's integer value.
    #[must_use]
    pub const fn get(self) -> u64 {
        self.0.get()
    }

    /// Checks a signed integer (as a JSON number arrives).
    ///
    /// # Errors
    /// [`IdError::NotPositive`] for zero or less.
    pub fn from_i64(value: i64) -> Result<Self, IdError> {
        check_signed(value, Self::MAX).map(Self)
    }
}

impl TryFrom<u64> for MessageId {
    type Error = IdError;

    fn try_from(value: u64) -> Result<Self, IdError> {
        check_unsigned(value, Self::MAX).map(Self)
    }
}

impl From<MessageId> for u64 {
    fn from(id: MessageId) -> Self {
        id.get()
    }
}

impl FromStr for MessageId {
    type Err = IdError;

    /// Parses a decimal id (see [`IdError`] for what is refused).
    fn from_str(s: &str) -> Result<Self, IdError> {
        parse_decimal(s, Self::MAX).map(Self)
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// An application handle: opaque to the core, assigned by the host.
///
/// Mapping an application's client id string to a handle is the host's job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[serde(transparent)]
pub struct AppId(pub u32);

impl fmt::Display for AppId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "app#{}", self.0)
    }
}

/// A parameter as the caller sent it: omitted, a valid value, or a value
/// that is not valid (kept with its reason `E`, so the error is reported at
/// its rule).
///
/// ```
/// use imbot_like::{Arg, BotId, IdError, LikeError, LikeRequest, MessageId, SmallEngine};
///
/// let message: Arg<MessageId> = Arg::parse("abc");
/// assert_eq!(message, Arg::Invalid(IdError::NotANumber));
///
/// // The engine reports a malformed parameter at its rule: here L1,
/// // because BOT_ID is checked before MESSAGE_ID.
/// let request = LikeRequest::new(message).bot(Arg::<BotId>::parse("-5"));
/// let refused = SmallEngine::new().like(&request).unwrap_err();
/// assert_eq!(refused, LikeError::BotIdInvalid(IdError::NotPositive));
/// assert_eq!(refused.rule(), 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Arg<T, E = IdError> {
    /// The parameter was not sent.
    #[default]
    Omitted,
    /// The parameter holds a valid value.
    Given(T),
    /// The parameter was sent but is not valid.
    Invalid(E),
}

impl<T: FromStr<Err = E>, E> Arg<T, E> {
    /// Parses a parameter that was sent with this text.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        text.parse().into()
    }
}

impl<T, E> From<T> for Arg<T, E> {
    fn from(value: T) -> Self {
        Self::Given(value)
    }
}

impl<T, E> From<Option<T>> for Arg<T, E> {
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Omitted, Self::Given)
    }
}

impl<T, E> From<Result<T, E>> for Arg<T, E> {
    fn from(parsed: Result<T, E>) -> Self {
        match parsed {
            Ok(value) => Self::Given(value),
            Err(e) => Self::Invalid(e),
        }
    }
}
