//! The parameters of a like call, as a portal reads them, and their
//! conversion into the engine's typed requests.
//!
//! [`LikeParams`] is filled one parameter at a time, from any source: text
//! pairs ([`LikeParams::set`], [`LikeParams::apply_form`]) or a serde map
//! ([`LikeParams::apply`]). Every source shares these rules:
//!
//! - Names are matched in any ASCII case (`BOT_ID`, `bot_id`, `Bot_Id`).
//!   Unknown names are ignored, as portals do.
//! - When a name is sent twice (in the same or in another case, or once in
//!   the query and once in the body), the last value wins. A host that
//!   reads the query first and the body second gets the body's value, as
//!   portals do.
//! - A malformed id is kept as [`Arg::Invalid`], never dropped or replaced
//!   by a default, so the engine reports it at its own rule: a bad `BOT_ID`
//!   at L1, a bad `MESSAGE_ID` at L4.

use heapless::String;
use serde::Serialize;

use crate::action::Action;
use crate::ids::{AppId, Arg, BotId, MessageId, UserId};
use crate::request::{LikeRequest, UserLikeRequest};

/// The longest text parameter (`auth`, `CLIENT_ID`) kept, in bytes.
pub const TEXT_CAPACITY: usize = 128;

/// A text parameter as the caller sent it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum TextArg {
    /// The parameter was not sent.
    #[default]
    Omitted,
    /// The parameter's text (possibly empty).
    Given(String<TEXT_CAPACITY>),
    /// The parameter was sent but is longer than [`TEXT_CAPACITY`] or not a
    /// string at all; no valid token or client id looks like that.
    Invalid,
}

impl TextArg {
    /// Keeps `text`, or [`TextArg::Invalid`] when it is too long.
    #[must_use]
    pub fn new(text: &str) -> Self {
        String::try_from(text).map_or(Self::Invalid, Self::Given)
    }

    /// The text, when one was sent and kept.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Given(text) => Some(text.as_str()),
            Self::Omitted | Self::Invalid => None,
        }
    }
}

/// The parameters of an `imbot.message.like` or `im.message.like` call.
///
/// Besides the method's own `BOT_ID`, `MESSAGE_ID` and `ACTION`, it keeps
/// the two parameters a REST host authenticates with: `auth` (the OAuth
/// access token) and `CLIENT_ID` (the application behind a webhook call).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct LikeParams {
    /// `BOT_ID`.
    pub bot: Arg<BotId>,
    /// `MESSAGE_ID`.
    pub message: Arg<MessageId>,
    /// `ACTION` as read by rule L5, or `None` when it was not sent.
    pub action: Option<Action>,
    /// `CLIENT_ID`: the calling application of a webhook call.
    pub client_id: TextArg,
    /// `auth`: the OAuth access token.
    pub auth: TextArg,
}

/// The parameters this layer reads; every other name is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    /// `BOT_ID`.
    Bot,
    /// `MESSAGE_ID`.
    Message,
    /// `ACTION`.
    Action,
    /// `CLIENT_ID`.
    ClientId,
    /// `auth`.
    Auth,
    /// Any other name.
    Other,
}

impl Key {
    /// The longest name this layer reads, in bytes.
    pub(crate) const MAX_LEN: usize = 10;

    /// Classifies a parameter name, in any ASCII case.
    pub(crate) fn of(name: &str) -> Self {
        const NAMES: [(&str, Key); 5] = [
            ("BOT_ID", Key::Bot),
            ("MESSAGE_ID", Key::Message),
            ("ACTION", Key::Action),
            ("CLIENT_ID", Key::ClientId),
            ("AUTH", Key::Auth),
        ];
        NAMES
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
            .map_or(Self::Other, |(_, key)| *key)
    }
}

impl LikeParams {
    /// No parameter sent yet.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            bot: Arg::Omitted,
            message: Arg::Omitted,
            action: None,
            client_id: TextArg::Omitted,
            auth: TextArg::Omitted,
        }
    }

    /// Parameters from already decoded name/value pairs, in order (the last
    /// value of a name wins).
    #[must_use]
    pub fn from_pairs<'a, I>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut params = Self::new();
        for (name, value) in pairs {
            params.set(name, value);
        }
        params
    }

    /// Records one parameter sent as text (a form field or a JSON string).
    ///
    /// Ids are parsed as decimal integers: no sign `+`, no spaces, leading
    /// zeros allowed; a failure is kept as [`Arg::Invalid`]. Unknown names
    /// are ignored. O(length of the value).
    pub fn set(&mut self, name: &str, value: &str) {
        self.set_known(Key::of(name), value);
    }

    /// Records a text value for a classified name.
    pub(crate) fn set_known(&mut self, key: Key, value: &str) {
        match key {
            Key::Bot => self.bot = Arg::parse(value),
            Key::Message => self.message = Arg::parse(value),
            Key::Action => self.action = Some(Action::parse(value)),
            Key::ClientId => self.client_id = TextArg::new(value),
            Key::Auth => self.auth = TextArg::new(value),
            Key::Other => {}
        }
    }

    /// The action rule L5 uses: [`Action::Auto`] when `ACTION` was not sent.
    #[must_use]
    pub fn action_or_default(&self) -> Action {
        self.action.unwrap_or_default()
    }

    /// The `imbot.message.like` request these parameters make for a caller
    /// whose application is `app` (`None` for a caller with none).
    #[must_use]
    pub fn like_request(&self, app: Option<AppId>) -> LikeRequest {
        let request = LikeRequest::new(self.message)
            .bot(self.bot)
            .action(self.action_or_default());
        match app {
            Some(app) => request.app(app),
            None => request,
        }
    }

    /// The `im.message.like` request these parameters make for `user`;
    /// `BOT_ID` does not apply to it and is ignored.
    #[must_use]
    pub fn user_request(&self, user: UserId) -> UserLikeRequest {
        UserLikeRequest::new(user, self.message).action(self.action_or_default())
    }
}
