//! The parameters of an `imbot.v2.Chat.Message.Reaction.add` or `.delete`
//! call and their conversion into the engine's
//! [`ReactionRequest`](crate::ReactionRequest).

use serde::Serialize;

use crate::ids::{AppId, Arg, BotId, MessageId};
use crate::reaction::{Reaction, UnknownReaction};
use crate::v2::{ReactionErrorCode, ReactionRequest};
use crate::wire::fields::Slot;
use crate::wire::fields::sealed::Fields;
use crate::wire::params::param_sources;
use crate::wire::text::TextArg;

/// The parameters of an `imbot.v2.Chat.Message.Reaction.add` or `.delete`
/// call.
///
/// The method's own names are camelCase (`botId`, `messageId`,
/// `reaction`, `botToken`) and, like every name this layer reads, matched
/// in any ASCII case; the legacy spellings (`BOT_ID`) are not read. The
/// `reaction` value is case-sensitive: `redHeart` is a kind, `REDHEART` an
/// unknown code. A malformed id or an unknown code is kept as
/// [`Arg::Invalid`], so the engine reports it at its own check (V1, V4,
/// V5). `auth` and `CLIENT_ID` are kept as in
/// [`LikeParams`](crate::wire::LikeParams).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct ReactionParams {
    /// `botId`.
    pub bot: Arg<BotId>,
    /// `messageId`.
    pub message: Arg<MessageId>,
    /// `reaction`.
    pub reaction: Arg<Reaction, UnknownReaction>,
    /// `botToken`: the token the bot was registered with, which webhook
    /// calls must send.
    pub bot_token: TextArg,
    /// `CLIENT_ID`: the calling application of a webhook call.
    pub client_id: TextArg,
    /// `auth`: the OAuth access token.
    pub auth: TextArg,
}

impl Fields for ReactionParams {
    const NAMES: &'static [&'static str] = &[
        "botId",
        "messageId",
        "reaction",
        "botToken",
        "CLIENT_ID",
        "auth",
    ];

    fn slot(&mut self, index: usize) -> Option<Slot<'_>> {
        Some(match index {
            0 => Slot::Bot(&mut self.bot),
            1 => Slot::Message(&mut self.message),
            2 => Slot::Reaction(&mut self.reaction),
            3 => Slot::Text(&mut self.bot_token),
            4 => Slot::Text(&mut self.client_id),
            5 => Slot::Text(&mut self.auth),
            _ => return None,
        })
    }
}

param_sources!(ReactionParams);

impl ReactionParams {
    /// No parameter sent yet.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            bot: Arg::Omitted,
            message: Arg::Omitted,
            reaction: Arg::Omitted,
            bot_token: TextArg::Omitted,
            client_id: TextArg::Omitted,
            auth: TextArg::Omitted,
        }
    }

    /// The request these parameters make for a caller whose application is
    /// `app` (`None` for a caller with none).
    #[must_use]
    pub fn request(&self, app: Option<AppId>) -> ReactionRequest {
        let request = ReactionRequest::new(self.bot, self.message, self.reaction);
        match app {
            Some(app) => request.app(app),
            None => request,
        }
    }

    /// `botToken` as a webhook call must send it, checked before the
    /// engine's V1: the token's text, or `None` when the value was sent
    /// but is no string or too long to be any token (so it matches none).
    ///
    /// # Errors
    /// [`ReactionErrorCode::BotTokenNotSpecified`] when `botToken` was not
    /// sent, or sent empty.
    pub fn webhook_bot_token(&self) -> Result<Option<&str>, ReactionErrorCode> {
        match &self.bot_token {
            TextArg::Omitted => Err(ReactionErrorCode::BotTokenNotSpecified),
            TextArg::Given(text) if text.is_empty() => Err(ReactionErrorCode::BotTokenNotSpecified),
            TextArg::Given(text) => Ok(Some(text.as_str())),
            TextArg::Invalid => Ok(None),
        }
    }
}
