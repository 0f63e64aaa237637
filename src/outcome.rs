//! What a successful like request tells the host.

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
/// It says what changed and whom to tell, and copies nothing out of the
/// tables: portals push the new like list to the chat's members, which a
/// host reads with [`Engine::likers`](crate::Engine::likers) (a borrowed,
/// ascending view), and notify [`Outcome::notify`] of a new like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[must_use = "the outcome says whom to notify"]
#[non_exhaustive]
pub struct Outcome {
    /// The message liked or unliked.
    pub message: MessageId,
    /// The message's chat: whose members see the new like list.
    pub chat: ChatId,
    /// The user who acted (for a bot, the bot's user id).
    pub actor: UserId,
    /// Whether the like was set or removed.
    pub change: Change,
    /// How many users like the message after the change.
    pub count: usize,
    /// The message's version after the change: it grows by one (wrapping)
    /// on every change of the message's likes or reactions, so a consumer
    /// of change events can drop duplicates and order late ones.
    pub version: u32,
    /// The author to notify: set when a like was set by someone other than
    /// the message's author.
    pub notify: Option<UserId>,
}
