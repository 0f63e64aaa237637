//! The REST wire layer: what a host that speaks Bitrix24's REST protocol
//! needs around the engine, still `no_std` and allocation-free.
//!
//! - [`LikeParams`](crate::wire::LikeParams) reads a call's parameters from
//!   form or query strings
//!   ([`apply_form`](crate::wire::LikeParams::apply_form)), decoded pairs
//!   ([`from_pairs`](crate::wire::LikeParams::from_pairs)) or any serde map
//!   such as a JSON body ([`apply`](crate::wire::LikeParams::apply)), and
//!   makes the engine's [`LikeRequest`](crate::LikeRequest) or
//!   [`UserLikeRequest`](crate::UserLikeRequest).
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
//! with a [`Time`](crate::wire::Time) block made from its clock.
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
//! let reply = Reply::from_result(result, time);
//! assert_eq!(reply.http_status(), 200);
//! ```

mod apps;
mod form;
mod framework;
mod json;
mod params;
mod response;

#[cfg(test)]
mod tests;

pub use apps::{AppDirectory, AppDirectoryError};
pub use form::FormError;
pub use framework::FrameworkError;
pub use params::{LikeParams, TEXT_CAPACITY, TextArg};
pub use response::{DATE_CAPACITY, DateText, DateTooLong, ErrorResponse, Reply, Success, Time};
