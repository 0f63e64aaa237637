//! The parameters of a like call, as a portal reads them, and their
//! conversion into the engine's typed requests.

use serde::Serialize;

use crate::action::Action;
use crate::ids::{AppId, Arg, BotId, MessageId, UserId};
use crate::request::{LikeRequest, UserLikeRequest};
use crate::wire::fields::Slot;
use crate::wire::fields::sealed::Fields;
use crate::wire::params::param_sources;
use crate::wire::text::TextArg;

/// The parameters of an `imbot.message.like` or `im.message.like` call.
///
/// Besides the method's own `BOT_ID`, `MESSAGE_ID` and `ACTION`, it keeps
/// the two parameters a REST host authenticates with: `auth` (the OAuth
/// access token) and `CLIENT_ID` (the application behind a webhook call).
/// A malformed id is kept as [`Arg::Invalid`], so the engine reports it at
/// its rule: a bad `BOT_ID` at L1, a bad `MESSAGE_ID` at L4.
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

impl Fields for LikeParams {
    const NAMES: &'static [&'static str] = &["BOT_ID", "MESSAGE_ID", "ACTION", "CLIENT_ID", "AUTH"];

    fn slot(&mut self, index: usize) -> Option<Slot<'_>> {
        Some(match index {
            0 => Slot::Bot(&mut self.bot),
            1 => Slot::Message(&mut self.message),
            2 => Slot::Action(&mut self.action),
            3 => Slot::Text(&mut self.client_id),
            4 => Slot::Text(&mut self.auth),
            _ => return None,
        })
    }
}

param_sources!(LikeParams);

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
