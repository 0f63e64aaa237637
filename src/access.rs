//! Who may act where: the checks the legacy and the v2 paths share.

use crate::engine::{Engine, Message, Reactions};
use crate::ids::{AppId, BotId, ChatId, MessageId, UserId};
use crate::sizing::Sizing;

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

/// A message a user may react to: its row, its chat, the user's rank
/// among the chat's members (the bit of their like), and the reaction
/// pool, borrowed together so the change needs no second lookup.
pub(crate) struct Reachable<'a, S: Sizing> {
    pub(crate) row: &'a mut Message<S>,
    pub(crate) chat: ChatId,
    pub(crate) rank: usize,
    pub(crate) pool: &'a mut Reactions<S>,
}

impl<S: Sizing> Engine<S> {
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
    /// its chat. One hash lookup reaches the message; its row names the
    /// chat's row, whose member index gives the user's rank. O(1)
    /// expected.
    #[inline]
    pub(crate) fn reachable_message(
        &mut self,
        user: UserId,
        id: MessageId,
    ) -> Result<Reachable<'_, S>, MessageDenied> {
        let row = self.messages.get_mut(id).ok_or(MessageDenied::Unknown)?;
        let (chat, members) = self
            .chats
            .row(row.chat as usize)
            .ok_or(MessageDenied::NotAMember)?;
        let rank = members.rank(user).ok_or(MessageDenied::NotAMember)?;
        Ok(Reachable {
            row,
            chat: *chat,
            rank,
            pool: &mut self.pool,
        })
    }
}
