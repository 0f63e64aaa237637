//! What a successful v2 reaction request tells the host.

use heapless::Vec;
use serde::{Deserialize, Serialize};

use crate::ids::{ChatId, MessageId, UserId};
use crate::outcome::Change;
use crate::reaction::Reaction;

/// How many users set one reaction kind on a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct ReactionCount {
    /// The kind.
    pub reaction: Reaction,
    /// How many users set it (at least one).
    pub count: usize,
}

/// The result of a v2 reaction request that changed the state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[must_use = "the outcome says whom to notify"]
#[non_exhaustive]
pub struct ReactionOutcome<const R: usize> {
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
    /// The message's reaction counts after the change, one per kind that
    /// has any, in [`Reaction::ALL`] order.
    pub counts: Vec<ReactionCount, R>,
    /// The author to notify: set on an add by someone other than the
    /// message's author.
    pub notify: Option<UserId>,
}
