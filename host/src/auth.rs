//! Authentication and scopes: who is calling, and may they call this
//! method.
//!
//! OAuth-style calls send an access token as `auth` (query or body); the
//! token belongs to an application and, optionally, a user. Webhook-style
//! calls carry a user id and a webhook code in the URL; for bot methods the
//! application comes from the `CLIENT_ID` parameter.

use std::collections::{HashMap, HashSet};

use imbot_like::wire::{FrameworkError, LikeParams, TextArg};
use imbot_like::{AppId, UserId};

use crate::world::Apps;

/// The REST methods this host serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `imbot.message.like`: a bot likes a message.
    BotLike,
    /// `im.message.like`: a user likes a message.
    UserLike,
}

impl Method {
    /// The method named by a URL's last segment: the name in any case,
    /// with an optional `.json` transport suffix.
    #[must_use]
    pub fn from_segment(segment: &str) -> Option<Self> {
        let lower = segment.to_ascii_lowercase();
        let name = lower.strip_suffix(".json").unwrap_or(&lower);
        match name {
            "imbot.message.like" => Some(Self::BotLike),
            "im.message.like" => Some(Self::UserLike),
            _ => None,
        }
    }

    /// The scope a caller needs for the method.
    #[must_use]
    pub const fn scope(self) -> &'static str {
        match self {
            Self::BotLike => "imbot",
            Self::UserLike => "im",
        }
    }
}

/// What a token or webhook may do, and on whose behalf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Grant {
    app: Option<AppId>,
    user: Option<UserId>,
    scopes: HashSet<String>,
}

impl Grant {
    pub(crate) fn new(app: Option<AppId>, user: Option<UserId>, scopes: &[String]) -> Self {
        let scopes = scopes.iter().cloned().collect();
        Self { app, user, scopes }
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

/// The caller of an authorized request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Caller {
    /// A bot method caller and its application (`None`: it has none).
    App(Option<AppId>),
    /// A user method caller.
    User(UserId),
}

/// The access tokens and webhooks of a world.
#[derive(Debug, Default)]
pub(crate) struct Credentials {
    tokens: HashMap<String, Grant>,
    webhooks: HashMap<(UserId, String), Grant>,
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
        user: UserId,
        code: &str,
        grant: Grant,
    ) -> Result<(), &'static str> {
        if code.is_empty() {
            return Err("empty webhook code");
        }
        if self
            .webhooks
            .insert((user, code.to_owned()), grant)
            .is_some()
        {
            return Err("webhook already declared for this user and code");
        }
        Ok(())
    }

    /// Authenticates a call and checks the method's scope.
    pub(crate) fn authorize(
        &self,
        style: Style<'_>,
        method: Method,
        params: &LikeParams,
        apps: &Apps,
    ) -> Result<Caller, FrameworkError> {
        let grant = match style {
            Style::OAuth => self.token_grant(&params.auth)?,
            Style::Webhook { user_id, code } => self.webhook_grant(user_id, code)?,
        };
        if !grant.scopes.contains(method.scope()) {
            return Err(FrameworkError::InsufficientScope);
        }
        match (method, style) {
            (Method::BotLike, Style::OAuth) => Ok(Caller::App(grant.app)),
            (Method::BotLike, Style::Webhook { .. }) => {
                let app = params.client_id.as_str().and_then(|id| apps.lookup(id));
                Ok(Caller::App(app))
            }
            (Method::UserLike, _) => grant
                .user
                .map(Caller::User)
                .ok_or(FrameworkError::NoAuthFound),
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
        self.webhooks
            .get(&(user, code.to_owned()))
            .ok_or(FrameworkError::InvalidCredentials)
    }
}
