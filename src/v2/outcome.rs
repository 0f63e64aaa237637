//! What a successful v2 reaction request tells the host.

use serde::{Deserialize, Serialize};

use crate::ids::{ChatId, MessageId, UserId};
use crate::outcome::Change;
use crate::reaction::Reaction;

/// The result of a v2 reaction request that changed the state.
///
/// It copies nothing out of the tables: the message's reactions grouped by
/// kind are a borrowed view from
/// [`Engine::reactions`](crate::Engine::reactions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[must_use = "the outcome says whom to notify"]
#[non_exhaustive]
pub struct ReactionOutcome {
    /// The message reacted to.
    pub message: MessageId,
    /// The message's chat.
    pub chat: ChatId,
    /// The bot's user id.
    pub actor: UserId,
    /// The kind added or deleted.
    pub reaction: Reaction,
    /// Whether the reaction was set (add) or removed (delete).
    pub change: Change,
    /// How many users set this kind on the message after the change.
    pub count: usize,
    /// The message's version after the change (see
    /// [`Outcome::version`](crate::Outcome::version)).
    pub version: u32,
    /// The author to notify: set on an add by someone other than the
    /// message's author.
    pub notify: Option<UserId>,
}
