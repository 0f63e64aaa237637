//! Golden JSON for every response shape, and the HTTP statuses.

extern crate std;

use crate::wire::{ErrorResponse, FrameworkError, Reply, Success, Time};
use crate::{ErrorCode, IdError, LikeError, ReactionError, ReactionErrorCode};

fn time() -> Time {
    let date = "2025-01-29T15:09:04+03:00";
    Time::new(1_700_000_000.25, 1_700_000_000.75, 0.125, date, date).unwrap()
}

fn to_json<T: serde::Serialize>(value: &T) -> std::string::String {
    serde_json::to_string(value).unwrap()
}

/// Asserts an error body's exact JSON and its status, alone and as a reply.
fn assert_golden(body: ErrorResponse, status: u16, code: &str, text: &str) {
    let want = std::format!(r#"{{"error":"{code}","error_description":"{text}"}}"#);
    assert_eq!(to_json(&body), want);
    assert_eq!(body.http_status(), status, "{code}");
    let reply = Reply::from(body);
    assert_eq!((to_json(&reply), reply.http_status()), (want, status));
}

#[test]
fn success_with_the_operating_fields() {
    let body = Success::new(time().operating(1_700_000_600, 0.0));
    let want = concat!(
        r#"{"result":true,"time":{"start":1700000000.25,"finish":1700000000.75,"#,
        r#""duration":0.5,"processing":0.125,"#,
        r#""date_start":"2025-01-29T15:09:04+03:00","date_finish":"2025-01-29T15:09:04+03:00","#,
        r#""operating_reset_at":1700000600,"operating":0.0}}"#
    );
    assert_eq!(to_json(&body), want);
    assert_eq!(body.http_status(), 200);
}

#[test]
fn success_without_the_operating_fields() {
    let want = concat!(
        r#"{"result":true,"time":{"start":1700000000.25,"finish":1700000000.75,"#,
        r#""duration":0.5,"processing":0.125,"#,
        r#""date_start":"2025-01-29T15:09:04+03:00","date_finish":"2025-01-29T15:09:04+03:00"}}"#
    );
    assert_eq!(to_json(&Success::new(time())), want);
}

#[test]
fn success_reads_back() {
    let body = Success::new(time().operating(1_700_000_600, 1.5));
    let back: Success = serde_json::from_str(&to_json(&body)).unwrap();
    assert_eq!(back, body);
}

#[test]
fn overlong_dates_are_refused() {
    let long = "2025-01-29T15:09:04.123456789+03:00:00";
    assert!(Time::new(0.0, 0.0, 0.0, long, "x").is_err());
}

#[test]
fn every_method_error() {
    let cases = [
        (
            ErrorCode::BotIdError,
            r#"{"error":"BOT_ID_ERROR","error_description":"Bot not found"}"#,
        ),
        (
            ErrorCode::AppIdError,
            r#"{"error":"APP_ID_ERROR","error_description":"Bot was installed by another rest application"}"#,
        ),
        (
            ErrorCode::MessageIdError,
            r#"{"error":"MESSAGE_ID_ERROR","error_description":"Message ID can't be empty"}"#,
        ),
        (
            ErrorCode::WithoutChanges,
            r#"{"error":"WITHOUT_CHANGES","error_description":"Action completed without changes"}"#,
        ),
    ];
    for (code, want) in cases {
        let body = ErrorResponse::from(code);
        assert_eq!(to_json(&body), want);
        assert_eq!(body.http_status(), 400);
    }
    assert_golden(
        ErrorCode::IdempotencyKeyReused.into(),
        422,
        "IDEMPOTENCY_KEY_REUSED",
        "Idempotency key was already used for another request",
    );
}

#[test]
fn every_framework_error() {
    let cases = [
        (
            FrameworkError::NoAuthFound,
            401,
            "NO_AUTH_FOUND",
            "Wrong authorization data",
        ),
        (
            FrameworkError::InvalidToken,
            401,
            "invalid_token",
            "The access token provided is invalid",
        ),
        (
            FrameworkError::ExpiredToken,
            401,
            "expired_token",
            "The access token provided has expired",
        ),
        (
            FrameworkError::InvalidCredentials,
            401,
            "INVALID_CREDENTIALS",
            "Invalid request credentials",
        ),
        (
            FrameworkError::InsufficientScope,
            401,
            "insufficient_scope",
            "The request requires higher privileges than provided by the access token",
        ),
        (
            FrameworkError::MethodNotFound,
            404,
            "ERROR_METHOD_NOT_FOUND",
            "Method not found!",
        ),
        (
            FrameworkError::InvalidRequest,
            400,
            "INVALID_REQUEST",
            "Malformed request: the parameters could not be read",
        ),
        (
            FrameworkError::PayloadTooLarge,
            413,
            "PAYLOAD_TOO_LARGE",
            "Request body is too large",
        ),
        (
            FrameworkError::InternalServerError,
            500,
            "INTERNAL_SERVER_ERROR",
            "Internal server error",
        ),
        (
            FrameworkError::ClientIdNotSpecified,
            403,
            "ACCESS_DENIED",
            "Access denied! Client ID not specified",
        ),
        (
            FrameworkError::MethodNotAllowed,
            405,
            "METHOD_NOT_ALLOWED",
            "Only GET and POST are served",
        ),
        (
            FrameworkError::RequestTimeout,
            408,
            "REQUEST_TIMEOUT",
            "The request did not arrive in time",
        ),
        (
            FrameworkError::UriTooLong,
            414,
            "URI_TOO_LONG",
            "The request URI is too long",
        ),
        (
            FrameworkError::HeadersTooLarge,
            431,
            "REQUEST_HEADER_FIELDS_TOO_LARGE",
            "The request headers are too large",
        ),
        (
            FrameworkError::QueryLimitExceeded,
            503,
            "QUERY_LIMIT_EXCEEDED",
            "Too many requests",
        ),
    ];
    for (error, status, code, text) in cases {
        assert_golden(error.into(), status, code, text);
        assert_eq!(Reply::from(error).http_status(), status);
    }
}

#[test]
fn reply_from_a_like_result() {
    let ok = Reply::from_result(Ok::<(), LikeError>(()), time());
    assert_eq!(ok.http_status(), 200);
    assert!(to_json(&ok).starts_with(r#"{"result":true,"time":{"start":"#));
    let refused = Err::<(), _>(LikeError::BotIdInvalid(IdError::Empty));
    let err = Reply::from_result(refused, time());
    assert_eq!(err.http_status(), 400);
    assert_eq!(
        to_json(&err),
        r#"{"error":"BOT_ID_ERROR","error_description":"Bot not found"}"#
    );
}

#[test]
fn every_reaction_error() {
    use ReactionErrorCode as C;
    let cases = [
        (
            C::BotTokenNotSpecified,
            400,
            "BOT_TOKEN_NOT_SPECIFIED",
            "Bot token is not specified",
        ),
        (
            C::BotIdRequired,
            400,
            "BOT_ID_REQUIRED",
            "Bot ID is required",
        ),
        (C::BotNotFound, 400, "BOT_NOT_FOUND", "Bot not found"),
        (
            C::BotOwnershipError,
            400,
            "BOT_OWNERSHIP_ERROR",
            "Bot is registered by another application",
        ),
        (C::AccessDenied, 403, "ACCESS_DENIED", "Access denied"),
        (
            C::ReactionNotFound,
            400,
            "REACTION_NOT_FOUND",
            "Reaction not found",
        ),
        (
            C::ReactionAlreadySet,
            400,
            "REACTION_ALREADY_SET",
            "Reaction already set",
        ),
        (
            C::ReactionLimitReached,
            400,
            "REACTION_LIMIT_REACHED",
            "No room for another reaction on this message",
        ),
        (
            C::IdempotencyKeyReused,
            422,
            "IDEMPOTENCY_KEY_REUSED",
            "Idempotency key was already used for another request",
        ),
    ];
    for (code, status, name, text) in cases {
        assert_golden(code.into(), status, name, text);
        assert_eq!(Reply::from(code).http_status(), status);
    }
}

#[test]
fn golden_reaction_envelopes() {
    let denied = ErrorResponse::from(ReactionErrorCode::AccessDenied);
    assert_eq!(
        to_json(&denied),
        r#"{"error":"ACCESS_DENIED","error_description":"Access denied"}"#
    );
    assert_eq!(denied.http_status(), 403);
    let token = Reply::from(ReactionErrorCode::BotTokenNotSpecified);
    assert_eq!(
        to_json(&token),
        r#"{"error":"BOT_TOKEN_NOT_SPECIFIED","error_description":"Bot token is not specified"}"#
    );
    assert_eq!(token.http_status(), 400);
}

#[test]
fn reply_from_a_reaction_result() {
    let ok = Reply::from_result(Ok::<(), ReactionError>(()), time());
    assert_eq!(ok.http_status(), 200);
    assert!(to_json(&ok).starts_with(r#"{"result":true,"time":{"start":"#));
    let hidden = Err::<(), _>(ReactionError::NotAMember);
    let err = Reply::from_result(hidden, time());
    assert_eq!(err.http_status(), 403);
    assert_eq!(
        to_json(&err),
        r#"{"error":"ACCESS_DENIED","error_description":"Access denied"}"#
    );
    let set = Reply::from_result(Err::<(), _>(ReactionError::AlreadySet), time());
    assert_eq!(
        set,
        Reply::Error(ErrorResponse::Reaction(
            ReactionErrorCode::ReactionAlreadySet
        ))
    );
    assert_eq!(set.http_status(), 400);
}
