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
//! # JSON values
//!
//! How each kind of value is read from a serde map:
//!
//! | value | id (`BOT_ID`, `MESSAGE_ID`, `botId`, `messageId`) | `ACTION` | `reaction` | `auth`, `CLIENT_ID`, `botToken` |
//! | --- | --- | --- | --- | --- |
//! | string | parsed as decimal text, as a form field | rule L5 | its code, or unknown | kept |
//! | integer | checked against the id's range | `auto` | unknown | invalid |
//! | float with no fraction (`39.0`) | the same integer | `auto` | unknown | invalid |
//! | other float (`1.5`) | [`IdError::NotANumber`](crate::IdError::NotANumber) | `auto` | unknown | invalid |
//! | float beyond 2⁶³ (`1e30`) | [`IdError::TooLarge`](crate::IdError::TooLarge) | `auto` | unknown | invalid |
//! | `null` | [`IdError::Empty`](crate::IdError::Empty) | `auto` | unknown | invalid |
//! | `true`, `false`, array, object | [`IdError::NotANumber`](crate::IdError::NotANumber) | `auto` | unknown | invalid |
//!
//! An integer beyond the id's range is `TooLarge`; zero or a negative
//! number is `NotPositive`. `null` counts as a parameter sent with no
//! value (like `BOT_ID=` in a form), not as an omitted one: an explicit
//! `"BOT_ID": null` is a `BOT_ID_ERROR`, it does not let rule L2 pick a
//! bot. "Unknown" is [`UnknownReaction`](crate::UnknownReaction) and
//! "invalid" [`TextArg::Invalid`](crate::wire::TextArg::Invalid).

mod apps;
mod form;
mod framework;
mod json;
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
pub use like::LikeParams;
pub use params::Params;
pub use reaction::ReactionParams;
pub use response::{DATE_CAPACITY, DateText, DateTooLong, ErrorResponse, Reply, Success, Time};
pub use text::{TEXT_CAPACITY, TextArg};
