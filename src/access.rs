//! Who may act where: the checks the legacy and the v2 paths share.

use crate::engine::Engine;
use crate::ids::{AppId, BotId, MessageId, UserId};
use crate::store::Message;

/// Why a named bot may not act for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BotDenied {
    /// No bot has this id.
    Unknown,
    /// The bot belongs to another application (or the caller has none).
    Foreign,
}

/// Why a user may not react to a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MessageDenied {
    /// No message has this id.
    Unknown,
    /// The user is not a member of the message's chat.
    NotAMember,
}

impl<
    const BOTS: usize,
    const CHATS: usize,
    const MEMBERS: usize,
    const MESSAGES: usize,
    const LIKES: usize,
> Engine<BOTS, CHATS, MEMBERS, MESSAGES, LIKES>
{
    /// Checks that `bot` is registered and owned by `app`. O(1) expected.
    pub(crate) fn check_bot(&self, app: Option<AppId>, bot: BotId) -> Result<(), BotDenied> {
        let owner = self.bots.get(bot).ok_or(BotDenied::Unknown)?;
        if app == Some(*owner) {
            Ok(())
        } else {
            Err(BotDenied::Foreign)
        }
    }

    /// The message `user` may react to: it exists and `user` is a member of
    /// its chat. O(1) expected, plus O(log MEMBERS).
    pub(crate) fn reachable_message(
        &mut self,
        user: UserId,
        id: MessageId,
    ) -> Result<&mut Message<LIKES>, MessageDenied> {
        let message = self.messages.get_mut(id).ok_or(MessageDenied::Unknown)?;
        let member = self
            .chats
            .get(message.chat)
            .is_some_and(|m| m.contains(user));
        if member {
            Ok(message)
        } else {
            Err(MessageDenied::NotAMember)
        }
    }
}
