//! Typed v2 reaction requests.

use serde::{Deserialize, Serialize};

use crate::ids::{AppId, Arg, BotId, MessageId};
use crate::reaction::{Reaction, UnknownReaction};

/// An `imbot.v2.Chat.Message.Reaction.add` or `.delete` call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct ReactionRequest {
    /// The calling application, or `None` for a caller with no application.
    pub app: Option<AppId>,
    /// The `botId` parameter (required).
    pub bot: Arg<BotId>,
    /// The `messageId` parameter.
    pub message: Arg<MessageId>,
    /// The `reaction` parameter.
    pub reaction: Arg<Reaction, UnknownReaction>,
}

impl ReactionRequest {
    /// A request with no caller application; set one with [`Self::app`].
    pub fn new(
        bot: impl Into<Arg<BotId>>,
        message: impl Into<Arg<MessageId>>,
        reaction: impl Into<Arg<Reaction, UnknownReaction>>,
    ) -> Self {
        Self {
            app: None,
            bot: bot.into(),
            message: message.into(),
            reaction: reaction.into(),
        }
    }

    /// Sets the calling application.
    #[must_use]
    pub fn app(mut self, app: AppId) -> Self {
        self.app = Some(app);
        self
    }
}
