//! The REST framework's own errors: authentication, scope, routing and
//! malformed requests. They come before the method runs, so they are not
//! [`ErrorCode`](crate::ErrorCode)s; hosts answer them with these codes,
//! texts and statuses instead of inventing their own.

use core::fmt;

use serde::{Deserialize, Serialize};

/// An error the REST framework answers before (or instead of) the method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum FrameworkError {
    /// `NO_AUTH_FOUND` (401): no access token or webhook code was sent.
    NoAuthFound,
    /// `invalid_token` (401): the access token is unknown.
    InvalidToken,
    /// `expired_token` (401): the access token has expired.
    ExpiredToken,
    /// `INVALID_CREDENTIALS` (401): no webhook has this user id and code.
    InvalidCredentials,
    /// `insufficient_scope` (401): the token or webhook lacks the method's
    /// scope (`imbot` for `imbot.message.like`, `im` for `im.message.like`).
    InsufficientScope,
    /// `ERROR_METHOD_NOT_FOUND` (404): no method has this name.
    MethodNotFound,
    /// `INVALID_REQUEST` (400): the body or query could not be read (not
    /// JSON where JSON was announced, not a JSON object, an unsupported
    /// content type).
    InvalidRequest,
    /// `PAYLOAD_TOO_LARGE` (413): the body is longer than the host accepts.
    PayloadTooLarge,
    /// `INTERNAL_SERVER_ERROR` (500): the host failed; nothing changed.
    InternalServerError,
}

impl FrameworkError {
    /// The code as sent in the `error` field.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NoAuthFound => "NO_AUTH_FOUND",
            Self::InvalidToken => "invalid_token",
            Self::ExpiredToken => "expired_token",
            Self::InvalidCredentials => "INVALID_CREDENTIALS",
            Self::InsufficientScope => "insufficient_scope",
            Self::MethodNotFound => "ERROR_METHOD_NOT_FOUND",
            Self::InvalidRequest => "INVALID_REQUEST",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::InternalServerError => "INTERNAL_SERVER_ERROR",
        }
    }

    /// The text sent in the `error_description` field.
    #[must_use]
    pub const fn description(self) -> &'static str {
        match self {
            Self::NoAuthFound => "Wrong authorization data",
            Self::InvalidToken => "The access token provided is invalid",
            Self::ExpiredToken => "The access token provided has expired",
            Self::InvalidCredentials => "Invalid request credentials",
            Self::InsufficientScope => {
                "The request requires higher privileges than provided by the access token"
            }
            Self::MethodNotFound => "Method not found!",
            Self::InvalidRequest => "Malformed request: the parameters could not be read",
            Self::PayloadTooLarge => "Request body is too large",
            Self::InternalServerError => "Internal server error",
        }
    }

    /// The HTTP status the error is answered with.
    #[must_use]
    pub const fn http_status(self) -> u16 {
        match self {
            Self::NoAuthFound
            | Self::InvalidToken
            | Self::ExpiredToken
            | Self::InvalidCredentials
            | Self::InsufficientScope => 401,
            Self::MethodNotFound => 404,
            Self::InvalidRequest => 400,
            Self::PayloadTooLarge => 413,
            Self::InternalServerError => 500,
        }
    }
}

impl fmt::Display for FrameworkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

impl core::error::Error for FrameworkError {}
