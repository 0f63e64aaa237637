//! Typed v2 reaction requests.

use serde::{Deserialize, Serialize};

use crate::ids::{AppId, Arg, BotId, MessageId};
use crate::reaction::{Reaction, UnknownReaction};

/// An `imbot.v2.Chat.Message.Reaction.add` or `.delete` call.
///
/// ```
/// use imbot_like::{AppId, BotId, ChatId, MessageId, Reaction, ReactionRequest, SmallEngine};
///
/// let (app, bot) = (AppId(1), BotId::new(39).unwrap());
/// let (chat, message) = (ChatId::new(7).unwrap(), MessageId::new(1).unwrap());
/// let mut engine = SmallEngine::new();
/// engine.register_bot(bot, app)?;
/// engine.open_chat(chat, &[bot.user()])?;
/// engine.post_message(message, chat, bot.user())?;
///
/// let fire = ReactionRequest::new(bot, message, Reaction::Fire).app(app);
/// let added = engine.add_reaction(&fire)?;
/// assert_eq!((added.reaction, added.count), (Reaction::Fire, 1));
/// // A second add of the same kind is check V7.
/// assert_eq!(engine.add_reaction(&fire).unwrap_err().step(), 7);
/// engine.delete_reaction(&fire)?;
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
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
