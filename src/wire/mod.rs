//! The REST wire layer: what a host that speaks Bitrix24's REST protocol
//! needs around the engine, still `no_std` and allocation-free.
//!
//! - [`LikeParams`](crate::wire::LikeParams) (`imbot.message.like`,
//!   `im.message.like`) and [`ReactionParams`](crate::wire::ReactionParams)
//!   (`imbot.v2.Chat.Message.Reaction.add` and `.delete`) read a call's
//!   parameters from form or query strings
//!   ([`apply_form`](crate::wire::Params::apply_form)), decoded pairs
//!   ([`from_pairs`](crate::wire::Params::from_pairs)) or any serde map
//!   such as a JSON body ([`apply`](crate::wire::Params::apply)), and make
//!   the engine's [`LikeRequest`](crate::LikeRequest),
//!   [`UserLikeRequest`](crate::UserLikeRequest) or
//!   [`ReactionRequest`](crate::ReactionRequest). [`Params`](crate::wire::Params) is what both
//!   share, for code generic over the method.
//! - [`AppDirectory`](crate::wire::AppDirectory) maps an application's
//!   client id to its [`AppId`](crate::AppId).
//! - [`Success`](crate::wire::Success),
//!   [`ErrorResponse`](crate::wire::ErrorResponse) and
//!   [`Reply`](crate::wire::Reply) serialize to the exact REST envelope,
//!   with their HTTP status; [`FrameworkError`](crate::wire::FrameworkError)
//!   covers the framework's own answers (authentication, scope, unknown
//!   method).
//!
//! A host's request path, in order: read the parameters (query first, then
//! the body, so the body wins), authenticate, build the request, run the
//! engine, and serialize [`Reply::from_result`](crate::wire::Reply::from_result)
//! with a [`Time`](crate::wire::Time) block made from its clock. For the
//! v2 reaction methods, a webhook call's `botToken` is checked
//! ([`webhook_bot_token`](crate::wire::ReactionParams::webhook_bot_token)) after authentication and before
//! the engine.
//!
//! ```
//! use imbot_like::wire::{LikeParams, Reply, Time};
//! use imbot_like::{AppId, BotId, ChatId, MessageId, SmallEngine, UserId};
//!
//! let mut engine = SmallEngine::new();
//! let (bot, chat, user) = (BotId::new(39).unwrap(), ChatId::new(7).unwrap(), UserId::new(1).unwrap());
//! engine.register_bot(bot, AppId(1)).unwrap();
//! engine.open_chat(chat, &[user, bot.user()]).unwrap();
//! engine.post_message(MessageId::new(1).unwrap(), chat, user).unwrap();
//!
//! let mut scratch = [0u8; 256];
//! let params = LikeParams::from_form("BOT_ID=39&MESSAGE_ID=1&ACTION=plus", &mut scratch).unwrap();
//! let result = engine.like(&params.like_request(Some(AppId(1))));
//! let time = Time::new(1.0, 1.5, 0.25, "1970-01-01T00:00:01+00:00", "1970-01-01T00:00:01+00:00").unwrap();
//! let reply = Reply::from_result(result, time.clone());
//! assert_eq!(reply.http_status(), 200);
//!
//! // A JSON body is checked whole before any parameter is read, and an
//! // id number by its exact value.
//! let body = br#"{"BOT_ID":39,"MESSAGE_ID":1e400}"#;
//! let params = LikeParams::from_json(body, &mut scratch).unwrap();
//! assert_eq!(params.message, imbot_like::Arg::Invalid(imbot_like::IdError::TooLarge));
//! let unread_member_broken = br#"{"BOT_ID":39,"MESSAGE_ID":1,"other":[1,]}"#;
//! assert!(LikeParams::from_json(unread_member_broken, &mut scratch).is_err());
//!
//! // The same like, seen through the v2 reaction method: already set.
//! let params = imbot_like::wire::ReactionParams::from_form("botId=39&messageId=1&reaction=like", &mut scratch).unwrap();
//! let result = engine.add_reaction(&params.request(Some(AppId(1))));
//! let reply = Reply::from_result(result, time);
//! assert_eq!(reply.http_status(), 400);
//! ```
//!
//! # Parameter names
//!
//! Names are matched in any ASCII case (`BOT_ID`, `bot_id`; `botId`,
//! `BOTID`), in every source; unknown names are ignored, as portals do.
//! When a name is sent twice (in another case too, or once in the query
//! and once in the body) the last value wins. A malformed id or an unknown
//! reaction code is kept as [`Arg::Invalid`](crate::Arg::Invalid), so the
//! engine reports it at its own check.
//!
//! # JSON bodies
//!
//! [`apply_json`](crate::wire::Params::apply_json) reads a raw JSON
//! request body, and answers every malformed body the same way whichever
//! parameters the method reads: the whole body is checked before any
//! parameter is read, and a body that fails is a
//! [`JsonError`](crate::wire::JsonError) (a host answers it as a malformed
//! request) with nothing recorded.
//!
//! | body | answer |
//! | --- | --- |
//! | not UTF-8, anywhere (in a member the method does not read too) | [`JsonError::NotUtf8`](crate::wire::JsonError::NotUtf8) |
//! | a JSON grammar error anywhere (`{"x":[1,]}`, `{"x":01}`, a raw control character or a bad escape in a string) | [`JsonError::Syntax`](crate::wire::JsonError::Syntax) |
//! | a lone surrogate escape (`"\ud800"`) | [`JsonError::Syntax`](crate::wire::JsonError::Syntax) |
//! | anything but whitespace after the object | [`JsonError::Syntax`](crate::wire::JsonError::Syntax) |
//! | a JSON value that is no object (`[]`, `1`, `null`) | [`JsonError::NotAnObject`](crate::wire::JsonError::NotAnObject) |
//! | arrays and objects nested more than 128 levels inside a member | [`JsonError::TooDeep`](crate::wire::JsonError::TooDeep) |
//! | a value of a parameter the method reads that does not fit in the scratch buffer | [`JsonError::ScratchTooSmall`](crate::wire::JsonError::ScratchTooSmall) |
//!
//! Within a valid body, a value of the wrong kind for its parameter is
//! never a [`JsonError`](crate::wire::JsonError): it is kept as an invalid
//! parameter and answered by the method's own check, with the error the
//! contract gives for that parameter.
//!
//! | value | id (`BOT_ID`, `MESSAGE_ID`, `botId`, `messageId`) | `ACTION` | `reaction` | `auth`, `CLIENT_ID`, `botToken` |
//! | --- | --- | --- | --- | --- |
//! | string | parsed as decimal text, as a form field | rule L5 | its code, or unknown | kept |
//! | number that is an integer, in any notation (`39`, `39.0`, `3.9e1`) | checked against the id's range | `auto` | unknown | invalid |
//! | number with a fraction (`1.5`, `1e-3`) | [`IdError::NotANumber`](crate::IdError::NotANumber) | `auto` | unknown | invalid |
//! | zero or a negative integer (`0`, `-0.0`, `-1e400`) | [`IdError::NotPositive`](crate::IdError::NotPositive) | `auto` | unknown | invalid |
//! | integer beyond the id's range, however large (`4294967296` for a bot, `1e400`) | [`IdError::TooLarge`](crate::IdError::TooLarge) | `auto` | unknown | invalid |
//! | `null` | [`IdError::Empty`](crate::IdError::Empty) | `auto` | unknown | invalid |
//! | `true`, `false`, array, object | [`IdError::NotANumber`](crate::IdError::NotANumber) | `auto` | unknown | invalid |
//!
//! A number is read by its exact decimal value, never through a float:
//! `9007199254740993` and `9007199254740993.0` are the same id, and
//! `1e400` is as much too large as `1e20`. So an out-of-range `BOT_ID` is
//! `BOT_ID_ERROR` (rule L1), an out-of-range `MESSAGE_ID` is
//! `MESSAGE_ID_ERROR` (rule L4); for the v2 methods an invalid `botId` is
//! decided at V1 and an invalid `messageId` at V4 (see [`crate::v2`]).
//! `null` counts as a parameter sent with no value (like `BOT_ID=` in a
//! form), not as an omitted one: an explicit `"BOT_ID": null` is a
//! `BOT_ID_ERROR`, it does not let rule L2 pick a bot. "Unknown" is
//! [`UnknownReaction`](crate::UnknownReaction) and "invalid"
//! [`TextArg::Invalid`](crate::wire::TextArg::Invalid). A text value as a
//! string is read as in a form; rule L4's decimal-only reading applies
//! (portals' `intval` would take `"12abc"` as 12; this layer does not).
//!
//! # Other serde maps
//!
//! [`apply`](crate::wire::Params::apply) reads any serde map with the
//! value rules above, but it sees the input only through the
//! deserializer: whether a malformed input or an unread member is refused,
//! and how a number arrives (a deserializer may hand over a float, and
//! refuse a number beyond `f64`'s range), are the deserializer's. For a raw
//! JSON body, use [`apply_json`](crate::wire::Params::apply_json).

mod apps;
mod fields;
mod form;
mod framework;
mod json;
mod json_body;
mod json_error;
mod json_scan;
mod like;
mod params;
mod reaction;
mod response;
mod text;

#[cfg(test)]
mod tests;

pub use apps::{AppDirectory, AppDirectoryError, AppKind};
pub use form::FormError;
pub use framework::FrameworkError;
pub use json_error::JsonError;
pub use like::LikeParams;
pub use params::Params;
pub use reaction::ReactionParams;
pub use response::{DATE_CAPACITY, DateText, DateTooLong, ErrorResponse, Reply, Success, Time};
pub use text::{TEXT_CAPACITY, TextArg};
