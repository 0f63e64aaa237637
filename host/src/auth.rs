//! Authentication and scopes: who is calling, and may they call this
//! method.
//!
//! OAuth-style calls send an access token as `auth` (query or body); the
//! token belongs to an application and, optionally, a user. Webhook-style
//! calls carry a user id and a webhook code in the URL; what application
//! a webhook call of a bot method acts for is decided in `identity`.

use std::collections::{HashMap, HashSet};

use std::fmt;

use imbot_like::wire::{FrameworkError, Params, TextArg};
use imbot_like::{AppId, UserId};
use serde::{Deserialize, Serialize};

/// The REST methods this host serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `imbot.message.like`: a bot likes a message.
    BotLike,
    /// `im.message.like`: a user likes a message.
    UserLike,
    /// `imbot.v2.Chat.Message.Reaction.add`: a bot sets a reaction.
    ReactionAdd,
    /// `imbot.v2.Chat.Message.Reaction.delete`: a bot removes a reaction.
    ReactionDelete,
    /// `imbot.v2.Event.get`: a bot reads its events (fetch mode).
    EventGet,
    /// `batch`: up to 50 calls in one request, see `batch`.
    Batch,
    /// One of the world's own methods (messages, chats, bots), see
    /// `portal`.
    Portal(crate::portal_method::PortalMethod),
}

impl Method {
    /// How many methods there are.
    pub const COUNT: usize = 6 + crate::portal_method::PortalMethod::COUNT;

    /// The longest path segment that can name a method.
    const LONGEST_SEGMENT: usize = 64;

    /// The method named by a URL's last segment: the name in any case,
    /// with an optional `.json` transport suffix.
    #[must_use]
    pub fn from_segment(segment: &str) -> Option<Self> {
        // Lowercased on the stack: a segment longer than the buffer is
        // longer than every method's name with `.json` (a test checks).
        let mut buf = [0u8; Self::LONGEST_SEGMENT];
        let lower = buf.get_mut(..segment.len())?;
        lower.copy_from_slice(segment.as_bytes());
        lower.make_ascii_lowercase();
        let lower = std::str::from_utf8(lower).ok()?;
        let name = lower.strip_suffix(".json").unwrap_or(lower);
        match name {
            "imbot.message.like" => Some(Self::BotLike),
            "im.message.like" => Some(Self::UserLike),
            "imbot.v2.chat.message.reaction.add" => Some(Self::ReactionAdd),
            "imbot.v2.chat.message.reaction.delete" => Some(Self::ReactionDelete),
            "imbot.v2.event.get" => Some(Self::EventGet),
            "batch" => Some(Self::Batch),
            _ => crate::portal_method::PortalMethod::from_name(name).map(Self::Portal),
        }
    }

    /// The scope a caller needs for the method.
    #[must_use]
    pub const fn scope(self) -> &'static str {
        match self {
            Self::BotLike | Self::ReactionAdd | Self::ReactionDelete | Self::EventGet => "imbot",
            Self::UserLike => "im",
            // Each of a batch's calls is checked against its own method.
            Self::Batch => "",
            Self::Portal(method) => method.scope(),
        }
    }

    /// The method's position in `0..COUNT`.
    #[must_use]
    pub const fn index(self) -> usize {
        match self {
            Self::BotLike => 0,
            Self::UserLike => 1,
            Self::ReactionAdd => 2,
            Self::ReactionDelete => 3,
            Self::EventGet => 4,
            Self::Batch => 5,
            Self::Portal(method) => 6 + method.index(),
        }
    }
}

/// An inbound webhook: its user and the code in its URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct WebhookKey {
    pub(crate) user: UserId,
    pub(crate) code: String,
}

impl WebhookKey {
    /// A webhook as the world file names it: `"{user_id}/{code}"`.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let (user, code) = text.split_once('/')?;
        let user = user.parse().ok()?;
        (!code.is_empty() && !code.contains('/')).then(|| Self {
            user,
            code: code.to_owned(),
        })
    }
}

impl fmt::Display for WebhookKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.user, self.code)
    }
}

/// Who a call authenticated as: an OAuth application or a webhook. Rate
/// limits count per caller, and each caller has its own retry window.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) enum Caller {
    /// An access token of this application.
    App(AppId),
    /// This webhook.
    Webhook(WebhookKey),
}

/// What a token or webhook may do, and on whose behalf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Grant {
    pub(crate) caller: Caller,
    pub(crate) user: Option<UserId>,
    scopes: HashSet<String>,
}

impl Grant {
    pub(crate) fn new(caller: Caller, user: Option<UserId>, scopes: &[String]) -> Self {
        let scopes = scopes.iter().cloned().collect();
        Self {
            caller,
            user,
            scopes,
        }
    }
}

/// How the call was authenticated, from its URL.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Style<'a> {
    /// `/rest/{method}`: the token is the `auth` parameter.
    OAuth,
    /// `/rest/{user_id}/{code}/{method}`.
    Webhook { user_id: &'a str, code: &'a str },
}

/// The access tokens and webhooks of a world.
#[derive(Debug, Default)]
pub(crate) struct Credentials {
    tokens: HashMap<String, Grant>,
    webhooks: HashMap<WebhookKey, Grant>,
}

impl Credentials {
    pub(crate) fn add_token(&mut self, token: &str, grant: Grant) -> Result<(), &'static str> {
        if token.is_empty() {
            return Err("empty token");
        }
        if self.tokens.insert(token.to_owned(), grant).is_some() {
            return Err("token already used");
        }
        Ok(())
    }

    pub(crate) fn add_webhook(
        &mut self,
        key: WebhookKey,
        grant: Grant,
    ) -> Result<(), &'static str> {
        if key.code.is_empty() || key.code.contains('/') {
            return Err("webhook code must be non-empty and without '/'");
        }
        if self.webhooks.insert(key, grant).is_some() {
            return Err("webhook already declared for this user and code");
        }
        Ok(())
    }

    /// Whether a webhook is declared.
    pub(crate) fn has_webhook(&self, key: &WebhookKey) -> bool {
        self.webhooks.contains_key(key)
    }

    /// Authenticates a call and checks its scope: the grant it carries.
    pub(crate) fn grant<P: Params>(
        &self,
        style: Style<'_>,
        method: Method,
        params: &P,
    ) -> Result<&Grant, FrameworkError> {
        let grant = match style {
            Style::OAuth => self.token_grant(params.auth())?,
            Style::Webhook { user_id, code } => self.webhook_grant(user_id, code)?,
        };
        if grant.scopes.contains(method.scope()) {
            Ok(grant)
        } else {
            Err(FrameworkError::InsufficientScope)
        }
    }

    fn token_grant(&self, auth: &TextArg) -> Result<&Grant, FrameworkError> {
        match auth {
            TextArg::Omitted => Err(FrameworkError::NoAuthFound),
            TextArg::Given(token) if token.is_empty() => Err(FrameworkError::NoAuthFound),
            TextArg::Given(token) => self
                .tokens
                .get(token.as_str())
                .ok_or(FrameworkError::InvalidToken),
            _ => Err(FrameworkError::InvalidToken),
        }
    }

    fn webhook_grant(&self, user_id: &str, code: &str) -> Result<&Grant, FrameworkError> {
        let user = user_id
            .parse::<UserId>()
            .map_err(|_| FrameworkError::InvalidCredentials)?;
        let key = WebhookKey {
            user,
            code: code.to_owned(),
        };
        self.webhooks
            .get(&key)
            .ok_or(FrameworkError::InvalidCredentials)
    }
}

#[cfg(test)]
mod segment_tests {
    use super::Method;
    use crate::portal_method::PortalMethod;

    #[test]
    fn every_method_name_with_json_fits_the_segment_buffer() {
        let ours = [
            "imbot.message.like",
            "im.message.like",
            "imbot.v2.Chat.Message.Reaction.add",
            "imbot.v2.Chat.Message.Reaction.delete",
            "imbot.v2.Event.get",
            "batch",
        ];
        let portal = PortalMethod::ALL.iter().map(|m| m.name());
        for name in ours.into_iter().chain(portal) {
            let segment = format!("{}.JSON", name.to_ascii_uppercase());
            assert!(segment.len() <= Method::LONGEST_SEGMENT, "{segment}");
            if name != PortalMethod::ButtonPress.name() {
                assert!(Method::from_segment(&segment).is_some(), "{segment}");
            }
        }
        let long = format!("{}.json", "a".repeat(Method::LONGEST_SEGMENT));
        assert_eq!(Method::from_segment(&long), None);
    }
}
