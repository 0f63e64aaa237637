//! What a successful like request tells the host.

use heapless::Vec;
use serde::{Deserialize, Serialize};

use crate::ids::{ChatId, MessageId, UserId};

/// Whether a request set or removed the like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Change {
    /// The like is now set.
    Set,
    /// The like is now removed.
    Removed,
}

/// The result of a like request that changed the state (rule L10).
///
/// It carries everything a host needs to notify others without reading the
/// state again: portals push [`Outcome::likers`] to the chat's members and
/// notify [`Outcome::notify`] of a new like.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[must_use = "the outcome says whom to notify"]
#[non_exhaustive]
pub struct Outcome<const R: usize> {
    /// The message liked or unliked.
    pub message: MessageId,
    /// The message's chat: whose members see the new like list.
    pub chat: ChatId,
    /// The user who acted (for a bot, the bot's user id).
    pub actor: UserId,
    /// Whether the like was set or removed.
    pub change: Change,
    /// The message's like set after the change, ascending.
    pub likers: Vec<UserId, R>,
    /// The author to notify: set when a like was set by someone other than
    /// the message's author.
    pub notify: Option<UserId>,
}
