//! Typed like requests and the bot-selection policy of rule L2.

use serde::{Deserialize, Serialize};

use crate::action::Action;
use crate::ids::{AppId, Arg, BotId, MessageId, UserId};

/// How rule L2 picks the bot when `BOT_ID` is omitted.
///
/// ```
/// use imbot_like::{AppId, BotId, BotPolicy, ChatId, LikeError, LikeRequest, MessageId, SmallEngine};
///
/// let app = AppId(1);
/// let (first, second) = (BotId::new(40).unwrap(), BotId::new(41).unwrap());
/// let (chat, message) = (ChatId::new(1).unwrap(), MessageId::new(1).unwrap());
/// let omitted = LikeRequest::new(message).app(app);
///
/// for policy in [BotPolicy::Strict, BotPolicy::PortalCompatible] {
///     let mut engine = SmallEngine::with_policy(policy);
///     engine.register_bot(second, app)?;
///     engine.register_bot(first, app)?;
///     engine.open_chat(chat, &[first.user(), second.user()])?;
///     engine.post_message(message, chat, second.user())?;
///     match policy {
///         // Two bots: the caller must say which one acts.
///         BotPolicy::Strict => {
///             assert_eq!(engine.like(&omitted), Err(LikeError::BotIdRequired));
///         }
///         // As portals do: the lowest id acts.
///         BotPolicy::PortalCompatible => {
///             assert_eq!(engine.like(&omitted)?.actor, first.user());
///         }
///     }
/// }
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum BotPolicy {
    /// The caller's application must own exactly one bot; with several, the
    /// request is refused with [`LikeError::BotIdRequired`](crate::LikeError::BotIdRequired).
    /// This follows the method page: the id may be omitted only when there
    /// is one chatbot, and a guess could act through the wrong bot.
    #[default]
    Strict,
    /// As portals do: the application's first registered bot, which is the
    /// one with the lowest id.
    PortalCompatible,
}

/// An `imbot.message.like` call: a bot sets or removes its like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct LikeRequest {
    /// The calling application, or `None` for a caller with no application.
    pub app: Option<AppId>,
    /// The `BOT_ID` parameter.
    pub bot: Arg<BotId>,
    /// The `MESSAGE_ID` parameter.
    pub message: Arg<MessageId>,
    /// The `ACTION` parameter ([`Action::Auto`] when absent).
    pub action: Action,
}

impl LikeRequest {
    /// A request on `message` with no caller application, `BOT_ID` omitted
    /// and action `auto`; set the rest with the builder methods.
    pub fn new(message: impl Into<Arg<MessageId>>) -> Self {
        Self {
            app: None,
            bot: Arg::Omitted,
            message: message.into(),
            action: Action::Auto,
        }
    }

    /// Sets the calling application.
    #[must_use]
    pub fn app(mut self, app: AppId) -> Self {
        self.app = Some(app);
        self
    }

    /// Sets the `BOT_ID` parameter.
    #[must_use]
    pub fn bot(mut self, bot: impl Into<Arg<BotId>>) -> Self {
        self.bot = bot.into();
        self
    }

    /// Sets the action.
    #[must_use]
    pub fn action(mut self, action: Action) -> Self {
        self.action = action;
        self
    }
}

/// An `im.message.like` call: a human user sets or removes their like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct UserLikeRequest {
    /// The acting user.
    pub user: UserId,
    /// The `MESSAGE_ID` parameter.
    pub message: Arg<MessageId>,
    /// The `ACTION` parameter ([`Action::Auto`] when absent).
    pub action: Action,
}

impl UserLikeRequest {
    /// A request by `user` on `message` with action `auto`.
    pub fn new(user: UserId, message: impl Into<Arg<MessageId>>) -> Self {
        Self {
            user,
            message: message.into(),
            action: Action::Auto,
        }
    }

    /// Sets the action.
    #[must_use]
    pub fn action(mut self, action: Action) -> Self {
        self.action = action;
        self
    }
}
