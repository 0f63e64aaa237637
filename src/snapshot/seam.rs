//! The one place where snapshots touch the engine's private tables.
//!
//! Everything else in [`crate::snapshot`] and [`crate::command`] reaches the
//! engine through the [`Store`] trait below. Most of its methods forward to
//! public queries and transitions; the ones marked **private tables** read
//! or write the engine's storage directly, and are what a new storage
//! layout must provide:
//!
//! | method | private tables | why |
//! | --- | --- | --- |
//! | [`Store::CAPACITIES`] | no (the sizing's constants) | the header's capacity list |
//! | [`Store::chat_ids`] | yes | no public iterator over chats |
//! | [`Store::message_ids`] | yes | no public iterator over messages |
//! | [`Store::clear`] | yes | empty every table in place (no large temporary) and set the policy |
//! | [`Store::add_chat`] | yes | builds the member list before inserting the row (one lookup per chat) |
//! | [`Store::add_message`] | yes | the author may have left the chat, which `post_message` refuses, and a departed member's reactions must be restorable, which the like path refuses |
//!
//! Each write method runs after the whole snapshot was validated, so its
//! only failure is a table without room.

use crate::engine::Engine;
use crate::ids::{AppId, BotId, ChatId, MessageId, UserId};
use crate::query::{MessageInfo, ReactionGroups};
use crate::reaction::Reaction;
use crate::request::BotPolicy;
use crate::snapshot::header::Capacities;
use crate::store::{Members, Message, Reactions};

/// A table refused a row while a validated snapshot was being loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NoRoom;

/// The engine as the snapshot code sees it.
pub(crate) trait Store {
    /// The capacities of the engine's sizing, in header order.
    const CAPACITIES: Capacities;

    /// The bot selection policy.
    fn policy(&self) -> BotPolicy;
    /// How many bots, chats and messages are stored.
    fn counts(&self) -> [usize; 3];
    /// Every bot id, in no particular order.
    fn bot_ids(&self) -> impl Iterator<Item = BotId>;
    /// A bot's owner.
    fn bot_owner(&self, bot: BotId) -> Option<AppId>;
    /// **Private tables.** Every chat id, in no particular order.
    fn chat_ids(&self) -> impl Iterator<Item = ChatId>;
    /// A chat's members, ascending.
    fn chat_members(&self, chat: ChatId) -> Option<&[UserId]>;
    /// **Private tables.** Every message id, in no particular order.
    fn message_ids(&self) -> impl Iterator<Item = MessageId>;
    /// A message's chat and author.
    fn message(&self, message: MessageId) -> Option<MessageInfo>;
    /// A message's reactions by kind, users ascending.
    fn reactions(&self, message: MessageId) -> Option<ReactionGroups<'_>>;

    /// **Private tables.** Empties every table and sets the policy.
    fn clear(&mut self, policy: BotPolicy);
    /// Adds a bot.
    fn add_bot(&mut self, bot: BotId, app: AppId) -> Result<(), NoRoom>;
    /// **Private tables.** Opens a chat with these members (ascending,
    /// unique).
    fn add_chat(
        &mut self,
        chat: ChatId,
        members: impl Iterator<Item = UserId>,
    ) -> Result<(), NoRoom>;
    /// **Private tables.** Adds a message with these reactions (by kind,
    /// then user, unique), with no membership or bot check: its author and
    /// the users who reacted may have left the chat.
    fn add_message(
        &mut self,
        id: MessageId,
        chat: ChatId,
        author: UserId,
        reactions: impl Iterator<Item = (Reaction, UserId)>,
    ) -> Result<(), NoRoom>;
}

impl<
    const BOTS: usize,
    const CHATS: usize,
    const MEMBERS: usize,
    const MESSAGES: usize,
    const LIKES: usize,
> Store for Engine<BOTS, CHATS, MEMBERS, MESSAGES, LIKES>
{
    const CAPACITIES: Capacities = Capacities::new([BOTS, CHATS, MEMBERS, MESSAGES, LIKES]);

    fn policy(&self) -> BotPolicy {
        Engine::policy(self)
    }

    fn counts(&self) -> [usize; 3] {
        [self.bot_count(), self.chat_count(), self.message_count()]
    }

    fn bot_ids(&self) -> impl Iterator<Item = BotId> {
        self.bots().map(|(bot, _)| bot)
    }

    fn bot_owner(&self, bot: BotId) -> Option<AppId> {
        Engine::bot_owner(self, bot)
    }

    fn chat_ids(&self) -> impl Iterator<Item = ChatId> {
        self.chats.iter().map(|(chat, _)| *chat)
    }

    fn chat_members(&self, chat: ChatId) -> Option<&[UserId]> {
        Engine::chat_members(self, chat)
    }

    fn message_ids(&self) -> impl Iterator<Item = MessageId> {
        self.messages.iter().map(|(id, _)| *id)
    }

    fn message(&self, message: MessageId) -> Option<MessageInfo> {
        Engine::message(self, message)
    }

    fn reactions(&self, message: MessageId) -> Option<ReactionGroups<'_>> {
        Engine::reactions(self, message)
    }

    fn clear(&mut self, policy: BotPolicy) {
        self.policy = policy;
        self.bots.retain(|_, _| false);
        self.chats.retain(|_, _| false);
        self.messages.retain(|_, _| false);
    }

    fn add_bot(&mut self, bot: BotId, app: AppId) -> Result<(), NoRoom> {
        self.register_bot(bot, app).map_err(|_| NoRoom)
    }

    fn add_chat(
        &mut self,
        chat: ChatId,
        members: impl Iterator<Item = UserId>,
    ) -> Result<(), NoRoom> {
        let mut list = Members::new();
        for user in members {
            list.insert(user).map_err(|_| NoRoom)?;
        }
        self.chats.insert(chat, list).map_err(|_| NoRoom)
    }

    fn add_message(
        &mut self,
        id: MessageId,
        chat: ChatId,
        author: UserId,
        reactions: impl Iterator<Item = (Reaction, UserId)>,
    ) -> Result<(), NoRoom> {
        let mut set = Reactions::new();
        for (kind, user) in reactions {
            // Validated input comes sorted: each entry goes last, no search.
            let end = set.entries().len();
            let last = set.entries().last().map(|e| (e.kind, e.user));
            if last.is_some_and(|last| last >= (kind, user)) {
                return Err(NoRoom);
            }
            set.insert_at(end, kind, user).map_err(|_| NoRoom)?;
        }
        let row = Message {
            chat,
            author,
            reactions: set,
        };
        self.messages.insert(id, row).map_err(|_| NoRoom)
    }
}
