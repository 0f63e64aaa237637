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
    /// `ACCESS_DENIED` (403): a webhook call of a legacy bot method sent
    /// no `CLIENT_ID`, so it names no application; portals answer this
    /// before any bot lookup.
    ClientIdNotSpecified,
    /// `ERROR_METHOD_NOT_FOUND` (404): no method has this name.
    MethodNotFound,
    /// `METHOD_NOT_ALLOWED` (405): an HTTP verb other than `GET` or `POST`.
    MethodNotAllowed,
    /// `REQUEST_TIMEOUT` (408): the request did not arrive in time.
    RequestTimeout,
    /// `URI_TOO_LONG` (414): the request line is longer than the host
    /// reads.
    UriTooLong,
    /// `REQUEST_HEADER_FIELDS_TOO_LARGE` (431): the headers are larger
    /// than the host reads.
    HeadersTooLarge,
    /// `QUERY_LIMIT_EXCEEDED` (503): the caller went over its request
    /// rate; the official SDKs wait and retry on this answer.
    QueryLimitExceeded,
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
            Self::ClientIdNotSpecified => "ACCESS_DENIED",
            Self::MethodNotFound => "ERROR_METHOD_NOT_FOUND",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::RequestTimeout => "REQUEST_TIMEOUT",
            Self::UriTooLong => "URI_TOO_LONG",
            Self::HeadersTooLarge => "REQUEST_HEADER_FIELDS_TOO_LARGE",
            Self::QueryLimitExceeded => "QUERY_LIMIT_EXCEEDED",
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
            Self::ClientIdNotSpecified => "Access denied! Client ID not specified",
            Self::MethodNotFound => "Method not found!",
            Self::MethodNotAllowed => "Only GET and POST are served",
            Self::RequestTimeout => "The request did not arrive in time",
            Self::UriTooLong => "The request URI is too long",
            Self::HeadersTooLarge => "The request headers are too large",
            Self::QueryLimitExceeded => "Too many requests",
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
            Self::ClientIdNotSpecified => 403,
            Self::MethodNotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::RequestTimeout => 408,
            Self::UriTooLong => 414,
            Self::HeadersTooLarge => 431,
            Self::QueryLimitExceeded => 503,
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
