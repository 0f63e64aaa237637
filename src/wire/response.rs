//! The REST envelope: typed success and error bodies whose serde
//! serialization is exactly what portals send, with their HTTP status.
//!
//! ```text
//! {"result":true,"time":{"start":…,"finish":…,"duration":…,"processing":…,
//!   "date_start":"…","date_finish":"…","operating_reset_at":…,"operating":…}}
//! {"error":"MESSAGE_ID_ERROR","error_description":"Message ID can't be empty"}
//! {"error":"ACCESS_DENIED","error_description":"Access denied"}
//! ```
//!
//! The time block's values come from the host: the core never reads a clock.

use heapless::String;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use crate::error::{ErrorCode, LikeError};
use crate::v2::{ReactionError, ReactionErrorCode};
use crate::wire::framework::FrameworkError;

/// The longest date text a [`Time`] keeps, in bytes (an ISO 8601 date with
/// seconds and an offset, `2025-01-29T15:09:04+03:00`, takes 25).
pub const DATE_CAPACITY: usize = 32;

/// A date as portals send it in the time block, ISO 8601 with an offset.
pub type DateText = String<DATE_CAPACITY>;

/// A date text longer than [`DATE_CAPACITY`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DateTooLong;

impl core::fmt::Display for DateTooLong {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("date text longer than the time block keeps")
    }
}

impl core::error::Error for DateTooLong {}

/// The `time` block of a success: when the call ran and how long it took.
///
/// Times are Unix seconds as floats (with a fraction for sub-second
/// precision) and durations seconds, as portals send them. The two
/// `operating` fields describe the method's rate limit: they are left out
/// of the JSON when the host does not know them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct Time {
    /// When the call started, Unix seconds.
    pub start: f64,
    /// When the call finished, Unix seconds.
    pub finish: f64,
    /// `finish - start`, seconds.
    pub duration: f64,
    /// Time spent in the method itself, seconds.
    pub processing: f64,
    /// `start` as an ISO 8601 date with offset.
    pub date_start: DateText,
    /// `finish` as an ISO 8601 date with offset.
    pub date_finish: DateText,
    /// When the method's operating-time limit resets, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operating_reset_at: Option<u64>,
    /// The method's operating time used in the current limit window,
    /// seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operating: Option<f64>,
}

impl Time {
    /// A time block from the host's clock readings; `duration` is computed
    /// and the operating fields are left out (see [`Time::operating`]).
    ///
    /// # Errors
    /// [`DateTooLong`] when a date text is longer than [`DATE_CAPACITY`].
    pub fn new(
        start: f64,
        finish: f64,
        processing: f64,
        date_start: &str,
        date_finish: &str,
    ) -> Result<Self, DateTooLong> {
        Ok(Self {
            start,
            finish,
            duration: finish - start,
            processing,
            date_start: String::try_from(date_start).map_err(|_| DateTooLong)?,
            date_finish: String::try_from(date_finish).map_err(|_| DateTooLong)?,
            operating_reset_at: None,
            operating: None,
        })
    }

    /// Adds the rate-limit fields: when the window resets (Unix seconds)
    /// and the operating time used in it (seconds).
    #[must_use]
    pub fn operating(mut self, reset_at: u64, used: f64) -> Self {
        self.operating_reset_at = Some(reset_at);
        self.operating = Some(used);
        self
    }
}

/// A successful call: `{"result":true,"time":{…}}`, HTTP 200.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct Success {
    /// Always `true` for the like and reaction methods.
    pub result: bool,
    /// When the call ran.
    pub time: Time,
}

impl Success {
    /// The answer to a like or reaction call that changed the state.
    #[must_use]
    pub fn new(time: Time) -> Self {
        Self { result: true, time }
    }

    /// The HTTP status of a success: 200.
    #[must_use]
    pub const fn http_status(&self) -> u16 {
        200
    }
}

/// A failed call: `{"error":"CODE","error_description":"…"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ErrorResponse {
    /// One of the like methods' own codes (HTTP 400).
    Method(ErrorCode),
    /// One of the v2 reaction methods' own codes (HTTP 403 for
    /// `ACCESS_DENIED`, 400 for the rest).
    Reaction(ReactionErrorCode),
    /// The REST framework refused the call before the method ran.
    Framework(FrameworkError),
}

impl ErrorResponse {
    /// The `error` field.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Method(code) => code.as_str(),
            Self::Reaction(code) => code.as_str(),
            Self::Framework(error) => error.as_str(),
        }
    }

    /// The `error_description` field.
    #[must_use]
    pub const fn description(self) -> &'static str {
        match self {
            Self::Method(code) => code.description(),
            Self::Reaction(code) => code.description(),
            Self::Framework(error) => error.description(),
        }
    }

    /// The HTTP status to answer with.
    #[must_use]
    pub const fn http_status(self) -> u16 {
        match self {
            Self::Method(code) => code.http_status(),
            Self::Reaction(code) => code.http_status(),
            Self::Framework(error) => error.http_status(),
        }
    }
}

impl From<ErrorCode> for ErrorResponse {
    fn from(code: ErrorCode) -> Self {
        Self::Method(code)
    }
}

impl From<LikeError> for ErrorResponse {
    fn from(error: LikeError) -> Self {
        Self::Method(error.code())
    }
}

impl From<ReactionErrorCode> for ErrorResponse {
    fn from(code: ReactionErrorCode) -> Self {
        Self::Reaction(code)
    }
}

impl From<ReactionError> for ErrorResponse {
    fn from(error: ReactionError) -> Self {
        Self::Reaction(error.code())
    }
}

impl From<FrameworkError> for ErrorResponse {
    fn from(error: FrameworkError) -> Self {
        Self::Framework(error)
    }
}

impl Serialize for ErrorResponse {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut body = serializer.serialize_struct("ErrorResponse", 2)?;
        body.serialize_field("error", self.code())?;
        body.serialize_field("error_description", self.description())?;
        body.end()
    }
}

/// Either answer to a call, serialized as the bare success or error body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[serde(untagged)]
#[non_exhaustive]
pub enum Reply {
    /// The call succeeded.
    Success(Success),
    /// The call failed.
    Error(ErrorResponse),
}

impl Reply {
    /// The answer to a like or reaction call: a success with `time`, or
    /// the error's wire code ([`LikeError`], [`ReactionError`], or any
    /// other error that makes an [`ErrorResponse`]).
    pub fn from_result<T, E: Into<ErrorResponse>>(result: Result<T, E>, time: Time) -> Self {
        match result {
            Ok(_) => Self::Success(Success::new(time)),
            Err(error) => Self::Error(error.into()),
        }
    }

    /// The HTTP status to answer with.
    #[must_use]
    pub const fn http_status(&self) -> u16 {
        match self {
            Self::Success(success) => success.http_status(),
            Self::Error(error) => error.http_status(),
        }
    }
}

impl From<ErrorResponse> for Reply {
    fn from(error: ErrorResponse) -> Self {
        Self::Error(error)
    }
}

impl From<FrameworkError> for Reply {
    fn from(error: FrameworkError) -> Self {
        Self::Error(error.into())
    }
}

impl From<ReactionErrorCode> for Reply {
    fn from(code: ReactionErrorCode) -> Self {
        Self::Error(code.into())
    }
}
