//! `imbot.v2.Bot.update`, for the one thing this host applies of it: a
//! bot's event delivery mode. `fields[eventMode]` is `fetch` (events are
//! queued for `imbot.v2.Event.get`, the default) or `webhook` (they are
//! pushed to `fields[webhookUrl]`); the bot's other fields are not
//! stored, so they are read and ignored.
//!
//! The bot is named by `botId` and checked as the reaction methods check
//! it (`BOT_ID_REQUIRED`, `BOT_NOT_FOUND`, `BOT_OWNERSHIP_ERROR`); a
//! webhook call's application comes from its `botToken` (see
//! `identity`). Then, before anything changes: an `eventMode` other than
//! the two is `BOT_INVALID_EVENT_MODE`, a `webhookUrl` that is not an
//! http(s) URL of at most [`MAX_URL`] bytes `BOT_INVALID_CALLBACK`, and
//! webhook mode with no URL, sent or kept, `BOT_WEBHOOK_URL_REQUIRED`. A
//! `webhookUrl` applies in webhook mode only: a bot staying in fetch mode
//! keeps none, and switching to fetch mode forgets it.

use imbot_like::wire::ReactionParams;
use imbot_like::{AppId, Arg, BotId, ReactionErrorCode as Code};
use serde_json::{Value, json};

use super::errors::PortalError;
use super::methods::{Answer, Step};

/// The longest `webhookUrl` accepted, in bytes.
pub const MAX_URL: usize = 2048;

/// The two delivery modes.
const FETCH: &str = "fetch";
const WEBHOOK: &str = "webhook";

impl Step<'_> {
    /// `imbot.v2.Bot.update` for `app`'s bot: `{"bot": …, "users": […]}`.
    pub(super) fn v2_update(&mut self, app: Option<AppId>) -> Answer {
        let bot = self.v2_bot(app)?.get();
        let mode = self.params.text("FIELDS[EVENTMODE]").map(str::trim);
        let url = self.params.text("FIELDS[WEBHOOKURL]").map(str::trim);
        let webhook = match mode {
            None => self.st.events.webhook(bot).is_some(),
            Some(FETCH) => false,
            Some(WEBHOOK) => true,
            Some(_) => return Err(PortalError::BotInvalidEventMode),
        };
        if let Some(url) = url {
            if !is_callback(url) {
                return Err(PortalError::BotInvalidCallback);
            }
        }
        let target = if webhook {
            let kept = self.st.events.webhook(bot).map(str::to_owned);
            let url = url.map(str::to_owned).or(kept);
            Some(url.ok_or(PortalError::BotWebhookUrlRequired)?)
        } else {
            None
        };
        if self.st.events.set_mode(bot, target) {
            self.changed = true;
        }
        Ok(self.v2_bot_answer(bot))
    }

    /// The bot `botId` names, if `app` may drive it.
    fn v2_bot(&self, app: Option<AppId>) -> Result<BotId, PortalError> {
        let mut params = ReactionParams::default();
        if let Some(text) = self.params.text("BOTID") {
            params.set("botId", text);
        }
        let bot = match params.bot {
            Arg::Omitted => return Err(PortalError::V2(Code::BotIdRequired)),
            Arg::Invalid(_) => return Err(PortalError::V2(Code::BotNotFound)),
            Arg::Given(bot) => bot,
        };
        match self.st.engine.bot_owner(bot) {
            None => Err(PortalError::V2(Code::BotNotFound)),
            Some(owner) if Some(owner) != app => Err(PortalError::V2(Code::BotOwnershipError)),
            Some(_) => Ok(bot),
        }
    }

    /// The bot as imbot.v2's bot methods answer it, with its user.
    fn v2_bot_answer(&self, bot: u32) -> Value {
        let meta = self.st.registry.bots.get(&bot).cloned().unwrap_or_default();
        let app = BotId::new(bot).and_then(|b| self.st.engine.bot_owner(b));
        let client_id = app
            .and_then(|a| self.st.apps.client_id(a))
            .unwrap_or_default();
        let kind = if meta.kind.as_deref() == Some("S") {
            "supervisor"
        } else {
            "bot"
        };
        let mode = if self.st.events.webhook(bot).is_some() {
            WEBHOOK
        } else {
            FETCH
        };
        json!({
            "bot": {
                "id": bot,
                "code": meta.code.unwrap_or_else(|| format!("bot{bot}")),
                "type": kind,
                "isHidden": false,
                "isSupportOpenline": false,
                "isReactionsEnabled": true,
                "backgroundId": null,
                "language": "en",
                "moduleId": "rest",
                "appId": client_id,
                "eventMode": mode,
            },
            "users": [{
                "id": bot,
                "active": true,
                "name": meta.name.unwrap_or_else(|| format!("Bot {bot}")),
                "bot": true,
                "type": "bot",
            }],
        })
    }
}

/// Whether `url` is an http(s) URL with a host, of at most [`MAX_URL`]
/// bytes, with no white space or control character.
fn is_callback(url: &str) -> bool {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    url.len() <= MAX_URL
        && rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::{MAX_URL, is_callback};

    #[test]
    fn a_callback_is_an_http_url_with_a_host() {
        assert!(is_callback("http://127.0.0.1:9000/bot"));
        assert!(is_callback("https://example.com"));
        for bad in [
            "",
            "ftp://x",
            "http://",
            "https:///x",
            "http://a b",
            "example.com",
        ] {
            assert!(!is_callback(bad), "{bad}");
        }
        let long = format!("http://h/{}", "a".repeat(MAX_URL));
        assert!(!is_callback(&long));
    }
}
