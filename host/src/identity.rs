//! Which application a webhook call of a bot method acts for.
//!
//! OAuth calls need nothing here: the access token names its application.
//! A webhook call names no application in its URL, so portals derive one:
//!
//! - legacy methods (`imbot.message.like`): the `CLIENT_ID` parameter, in
//!   the webhook namespace (a portal stores `custom` + `CLIENT_ID`), so it
//!   only matches bots registered through a webhook with that `CLIENT_ID`,
//!   never a bot an OAuth application installed. Without `CLIENT_ID` the
//!   call is refused with 403 `ACCESS_DENIED` before any bot lookup.
//! - imbot.v2 methods: the `botToken` the bot was registered with is the
//!   identity; no `CLIENT_ID` is needed. Missing or empty:
//!   `BOT_TOKEN_NOT_SPECIFIED`.
//!
//! On top of the portal rule, each webhook-registered bot lists the
//! webhooks allowed to drive it (by default the one that registered it).
//! A webhook outside that list is treated as a caller with no application
//! for that bot, so knowing a `CLIENT_ID` or a bot token is not enough:
//! the engine then answers `APP_ID_ERROR` (legacy, or `BOT_ID_ERROR` when
//! `BOT_ID` was omitted and the caller can drive no bot) or
//! `BOT_OWNERSHIP_ERROR` (v2), as for any bot of another application.

use std::collections::{BTreeMap, BTreeSet};

use imbot_like::wire::{
    AppDirectory, AppKind, FrameworkError, LikeParams, ReactionParams, TextArg,
};
use imbot_like::{AppId, Arg, BotId, ReactionErrorCode};

use crate::auth::WebhookKey;

/// The applications a host knows, OAuth and webhook namespaces together:
/// at most 64, client ids of at most 128 bytes.
pub type Apps = AppDirectory<64, 128>;

/// A bot registered through a webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WebhookBot {
    /// Its application (the webhook namespace's `CLIENT_ID`).
    pub(crate) app: AppId,
    /// The token it was registered with, which v2 calls send as `botToken`.
    pub(crate) token: Option<String>,
    /// The webhook that registered it.
    pub(crate) registered_by: WebhookKey,
    /// The webhooks allowed to drive it.
    pub(crate) drivers: BTreeSet<WebhookKey>,
}

/// Every webhook-registered bot of the world.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct WebhookBots {
    bots: BTreeMap<BotId, WebhookBot>,
}

impl WebhookBots {
    /// Records a bot the engine registered (so never one recorded before).
    ///
    /// A v2 call names its bot by `botId` and proves it with `botToken`,
    /// so two bots may have the same token: refusing a token another bot
    /// holds would tell a caller that the token exists.
    pub(crate) fn add(&mut self, bot: BotId, entry: WebhookBot) -> Result<(), &'static str> {
        if entry.token.as_deref() == Some("") {
            return Err("empty bot token");
        }
        self.bots.insert(bot, entry);
        Ok(())
    }

    /// Forgets an unregistered bot.
    pub(crate) fn remove(&mut self, bot: BotId) -> Option<WebhookBot> {
        self.bots.remove(&bot)
    }

    /// A webhook-registered bot.
    pub(crate) fn get(&self, bot: BotId) -> Option<&WebhookBot> {
        self.bots.get(&bot)
    }

    /// Every webhook-registered bot, by id.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (BotId, &WebhookBot)> {
        self.bots.iter().map(|(&bot, entry)| (bot, entry))
    }

    /// Whether any bot holds this token (to make fresh tokens unique; never
    /// an answer to a caller).
    pub(crate) fn token_taken(&self, token: &str) -> bool {
        self.bots
            .values()
            .any(|b| b.token.as_deref() == Some(token))
    }

    /// The application a legacy webhook call acts for: its `CLIENT_ID` in
    /// the webhook namespace, unless the bot it targets may not be driven
    /// by `hook`.
    ///
    /// # Errors
    /// [`FrameworkError::ClientIdNotSpecified`] when `CLIENT_ID` is missing
    /// or empty.
    pub(crate) fn legacy_app(
        &self,
        hook: &WebhookKey,
        params: &LikeParams,
        apps: &Apps,
    ) -> Result<Option<AppId>, FrameworkError> {
        let client_id = match &params.client_id {
            TextArg::Omitted => return Err(FrameworkError::ClientIdNotSpecified),
            TextArg::Given(id) if id.is_empty() => {
                return Err(FrameworkError::ClientIdNotSpecified);
            }
            TextArg::Given(id) => Some(id.as_str()),
            _ => None,
        };
        let Some(app) = client_id.and_then(|id| apps.lookup_as(AppKind::Webhook, id)) else {
            return Ok(None);
        };
        let target = match params.bot {
            Arg::Given(bot) => Some(bot),
            Arg::Omitted => self.only_bot_of(app),
            _ => None,
        };
        Ok(match target.and_then(|bot| self.bots.get(&bot)) {
            Some(bot) if bot.app == app && !bot.drivers.contains(hook) => None,
            _ => Some(app),
        })
    }

    /// The application a v2 webhook call acts for: that of the bot named
    /// by `botId` when `botToken` is that bot's token and `hook` may drive
    /// it; `None` otherwise, so the engine answers as for another
    /// application's bot.
    ///
    /// # Errors
    /// [`ReactionErrorCode::BotTokenNotSpecified`] when `botToken` is
    /// missing or empty.
    pub(crate) fn v2_app(
        &self,
        hook: &WebhookKey,
        params: &ReactionParams,
    ) -> Result<Option<AppId>, ReactionErrorCode> {
        let sent = params.webhook_bot_token()?;
        let Arg::Given(bot) = params.bot else {
            return Ok(None);
        };
        Ok(self.bots.get(&bot).and_then(|entry| {
            let owns = match (entry.token.as_deref(), sent) {
                (Some(token), Some(sent)) => {
                    crate::guard::constant_time_eq(token.as_bytes(), sent.as_bytes())
                }
                _ => false,
            };
            (owns && entry.drivers.contains(hook)).then_some(entry.app)
        }))
    }

    /// The one bot of `app`, if it has exactly one.
    fn only_bot_of(&self, app: AppId) -> Option<BotId> {
        let mut bots = self.bots.iter().filter(|(_, b)| b.app == app);
        match (bots.next(), bots.next()) {
            (Some((&id, _)), None) => Some(id),
            _ => None,
        }
    }
}
