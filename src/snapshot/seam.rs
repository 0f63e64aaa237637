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
//! | [`Store::add_message`] | yes | the author may have left the chat, which `post_message` refuses, and a departed member's reactions must be restorable, which the like path refuses; a member's like goes into the mask, a departed one's into the pool block |
//! | [`Store::window_key`], [`Store::window`] | yes | no public view of the retry window |
//! | [`Store::remember`] | yes | restores an entry as remembered, without running its request |
//!
//! Each write method runs after the whole snapshot was validated, so its
//! only failure is a table without room.

use crate::array::Array;
use crate::bits;
use crate::engine::Engine;
use crate::ids::{AppId, BotId, ChatId, MessageId, UserId};
use crate::keys::IdempotencyKey;
use crate::pool::Pool;
use crate::query::{MessageInfo, ReactionGroups};
use crate::reaction::Reaction;
use crate::request::BotPolicy;
use crate::sizing::Sizing;
use crate::snapshot::header::Capacities;
use crate::store::{ChatRow, MessageRow};
use crate::window::Remembered;

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
    /// How many keyed requests the retry window remembers.
    fn window_len(&self) -> usize;
    /// **Private tables.** The remembered key `age` places after the
    /// oldest.
    fn window_key(&self, age: usize) -> Option<IdempotencyKey>;
    /// **Private tables.** The remembered keys and entries, oldest first.
    fn window(&self) -> impl Iterator<Item = (IdempotencyKey, &Remembered)>;

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
    /// **Private tables.** Adds a message with its version and these
    /// reactions (by kind, then user, unique; as many as
    /// `message.reactions` says), with no membership or bot check: its
    /// author and the users who reacted may have left the chat.
    fn add_message(
        &mut self,
        message: Restored,
        reactions: impl Iterator<Item = (Reaction, UserId)>,
    ) -> Result<(), NoRoom>;
    /// **Private tables.** Remembers a keyed request as the newest, as it
    /// was answered (nothing is run).
    fn remember(&mut self, key: IdempotencyKey, entry: Remembered) -> Result<(), NoRoom>;
}

/// A message row as a snapshot stores it, before its reactions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Restored {
    pub(crate) id: MessageId,
    pub(crate) chat: ChatId,
    pub(crate) author: UserId,
    pub(crate) version: u32,
    /// How many reactions follow.
    pub(crate) reactions: usize,
}

impl<S: Sizing> Store for Engine<S> {
    const CAPACITIES: Capacities = Capacities::new([
        S::BOTS,
        S::CHATS,
        S::MEMBERS,
        S::MESSAGES,
        S::LIKES,
        S::POOL,
        S::KEYS,
    ]);

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

    fn window_len(&self) -> usize {
        self.keys.len()
    }

    fn window_key(&self, age: usize) -> Option<IdempotencyKey> {
        self.keys.key_at(age)
    }

    fn window(&self) -> impl Iterator<Item = (IdempotencyKey, &Remembered)> {
        self.keys.iter()
    }

    fn remember(&mut self, key: IdempotencyKey, entry: Remembered) -> Result<(), NoRoom> {
        self.keys.push(key, entry).map_err(|_| NoRoom)
    }

    fn clear(&mut self, policy: BotPolicy) {
        self.policy = policy;
        self.bots.clear();
        self.chats.clear();
        self.messages.clear();
        self.pool.clear();
        self.keys.clear();
    }

    fn add_bot(&mut self, bot: BotId, app: AppId) -> Result<(), NoRoom> {
        self.register_bot(bot, app).map_err(|_| NoRoom)
    }

    fn add_chat(
        &mut self,
        chat: ChatId,
        members: impl Iterator<Item = UserId>,
    ) -> Result<(), NoRoom> {
        let row = ChatRow::from_sorted(members).ok_or(NoRoom)?;
        self.chats.insert(chat, row).map(|_| ()).map_err(|_| NoRoom)
    }

    fn add_message(
        &mut self,
        message: Restored,
        reactions: impl Iterator<Item = (Reaction, UserId)>,
    ) -> Result<(), NoRoom> {
        let at = self.chats.position(message.chat).ok_or(NoRoom)?;
        let chat = u32::try_from(at).map_err(|_| NoRoom)?;
        let mut row = MessageRow::new(chat, message.author);
        row.version = message.version;
        row.block = self.pool.block_for(message.reactions).map_err(|_| NoRoom)?;
        let (_, members) = self.chats.rows().get(at).ok_or(NoRoom)?;
        for (kind, user) in reactions {
            let rank = (kind == Reaction::Like).then(|| members.rank(user));
            restore_reaction(&mut self.pool, &mut row, (kind, user), rank.flatten())?;
        }
        let row = self.messages.insert(message.id, row).map_err(|_| NoRoom)?;
        self.link(row);
        Ok(())
    }
}

/// Puts one restored reaction in its message: a member's like as their
/// rank's bit (its block entry stays reserved), anything else appended to
/// the block (validated input comes sorted: each entry goes last, no
/// search).
fn restore_reaction<M: Array<u64>, E: Array<u64>>(
    pool: &mut Pool<E>,
    row: &mut MessageRow<M>,
    (kind, user): (Reaction, UserId),
    rank: Option<usize>,
) -> Result<(), NoRoom> {
    if let Some(rank) = rank {
        bits::set(row.mask.as_mut_slice(), rank);
    } else {
        pool.push(&mut row.block, kind, user.get())
            .map_err(|_| NoRoom)?;
        if kind == Reaction::Like {
            row.kept = row.kept.wrapping_add(1);
        }
    }
    if kind == Reaction::Like {
        row.likes = row.likes.wrapping_add(1);
    }
    Ok(())
}
