//! The bots' tokens: what a webhook call of a v2 reaction method must send
//! as `botToken`.
//!
//! The check runs after authentication and before the engine:
//!
//! 1. no `botToken`, or an empty one: `BOT_TOKEN_NOT_SPECIFIED`;
//! 2. a `botId` that is missing, malformed or names no bot: no token to
//!    compare with, so the engine answers (`BOT_ID_REQUIRED`,
//!    `BOT_NOT_FOUND`);
//! 3. a token other than the one the bot was registered with (or any
//!    token, for a bot registered without one): `BOT_OWNERSHIP_ERROR`, the
//!    answer for a caller that does not own the bot.
//!
//! OAuth calls are not checked: the access token already names the
//! application, and the method needs no `botToken` then.

use std::collections::HashMap;

use imbot_like::wire::ReactionParams;
use imbot_like::{Arg, BotId, ReactionErrorCode};

/// Every bot of the world, with the token it was registered with, if any.
#[derive(Debug, Default)]
pub(crate) struct BotTokens {
    bots: HashMap<BotId, Option<String>>,
}

impl BotTokens {
    /// Records a bot and its token (a bot the engine registered, so never
    /// one recorded before).
    pub(crate) fn add(&mut self, bot: BotId, token: Option<&str>) -> Result<(), &'static str> {
        if token.is_some_and(str::is_empty) {
            return Err("empty bot token");
        }
        self.bots.insert(bot, token.map(str::to_owned));
        Ok(())
    }

    /// Checks a webhook call's `botToken` (see the module docs).
    pub(crate) fn check(&self, params: &ReactionParams) -> Result<(), ReactionErrorCode> {
        let sent = params.webhook_bot_token()?;
        let Arg::Given(bot) = params.bot else {
            return Ok(());
        };
        match (self.bots.get(&bot), sent) {
            (None, _) => Ok(()),
            (Some(Some(registered)), Some(sent)) if registered == sent => Ok(()),
            (Some(_), _) => Err(ReactionErrorCode::BotOwnershipError),
        }
    }
}
