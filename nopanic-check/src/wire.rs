//! The wire layer's entry points: parameter parsers from every source,
//! the requests they make, the application directory and the response
//! writers.

use imbot_like::wire::{
    AppDirectory, AppDirectoryError, ErrorResponse, FormError, FrameworkError, JsonError,
    LikeParams, ReactionParams, Reply, Time,
};
use imbot_like::{
    AppId, LikeError, LikeRequest, ReactionError, ReactionErrorCode, ReactionRequest, UserId,
    UserLikeRequest,
};
use no_panic::no_panic;
use serde::Serialize;
use serde::de::value::Error as ValueError;

use crate::measure::Measure;
use crate::pairs::Pairs;

/// A directory of a few applications, as a host keeps.
pub type Apps = AppDirectory<8, 64>;

#[no_panic]
pub fn like_from_pairs(pairs: &[(&str, &str)]) -> LikeParams {
    LikeParams::from_pairs(pairs.iter().copied())
}

#[no_panic]
pub fn reaction_from_pairs(pairs: &[(&str, &str)]) -> ReactionParams {
    ReactionParams::from_pairs(pairs.iter().copied())
}

#[no_panic]
pub fn like_from_form(raw: &str, scratch: &mut [u8]) -> Result<LikeParams, FormError> {
    LikeParams::from_form(raw, scratch)
}

#[no_panic]
pub fn reaction_from_form(raw: &str, scratch: &mut [u8]) -> Result<ReactionParams, FormError> {
    ReactionParams::from_form(raw, scratch)
}

#[no_panic]
pub fn like_from_json(body: &[u8], scratch: &mut [u8]) -> Result<LikeParams, JsonError> {
    LikeParams::from_json(body, scratch)
}

#[no_panic]
pub fn reaction_from_json(body: &[u8], scratch: &mut [u8]) -> Result<ReactionParams, JsonError> {
    ReactionParams::from_json(body, scratch)
}

/// The serde path, through a map of pairs.
#[no_panic]
pub fn like_from_serde(pairs: &[(&str, &str)]) -> Result<LikeParams, ValueError> {
    let mut params = LikeParams::new();
    params.apply(Pairs::new(pairs))?;
    Ok(params)
}

/// The serde path, through a map of pairs.
#[no_panic]
pub fn reaction_from_serde(pairs: &[(&str, &str)]) -> Result<ReactionParams, ValueError> {
    let mut params = ReactionParams::new();
    params.apply(Pairs::new(pairs))?;
    Ok(params)
}

#[no_panic]
pub fn like_request(params: &LikeParams, app: Option<AppId>) -> LikeRequest {
    params.like_request(app)
}

#[no_panic]
pub fn user_request(params: &LikeParams, user: UserId) -> UserLikeRequest {
    params.user_request(user)
}

#[no_panic]
pub fn reaction_request(params: &ReactionParams, app: Option<AppId>) -> ReactionRequest {
    params.request(app)
}

#[no_panic]
pub fn webhook_bot_token(params: &ReactionParams) -> Result<Option<&str>, ReactionErrorCode> {
    params.webhook_bot_token()
}

#[no_panic]
pub fn apps_register(apps: &mut Apps, client_id: &str) -> Result<AppId, AppDirectoryError> {
    apps.register(client_id)
}

#[no_panic]
pub fn apps_lookup(apps: &Apps, client_id: &str) -> Option<AppId> {
    apps.lookup(client_id)
}

#[no_panic]
pub fn apps_client_id(apps: &Apps, app: AppId) -> Option<&str> {
    apps.client_id(app)
}

#[no_panic]
pub fn time(start: f64, finish: f64, date: &str) -> Option<Time> {
    Time::new(start, finish, 0.0, date, date).ok()
}

#[no_panic]
pub fn like_reply(result: Result<(), LikeError>, time: Time) -> Reply {
    Reply::from_result(result, time)
}

#[no_panic]
pub fn reaction_reply(result: Result<(), ReactionError>, time: Time) -> Reply {
    Reply::from_result(result, time)
}

#[no_panic]
pub fn framework_reply(error: FrameworkError) -> (u16, &'static str, &'static str) {
    let response = ErrorResponse::from(error);
    (
        response.http_status(),
        response.code(),
        response.description(),
    )
}

/// Serializes a reply (the envelope the host writes); its measured size.
#[no_panic]
pub fn write_reply(reply: &Reply) -> Option<usize> {
    let mut count = 0;
    reply.serialize(Measure { count: &mut count }).ok()?;
    Some(count)
}

/// Serializes an error body; its measured size.
#[no_panic]
pub fn write_error(error: &ErrorResponse) -> Option<usize> {
    let mut count = 0;
    error.serialize(Measure { count: &mut count }).ok()?;
    Some(count)
}
