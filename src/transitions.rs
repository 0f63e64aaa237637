//! Host-side transitions: the host tells the engine what happened elsewhere.
//!
//! Each transition checks everything first and then changes one table in
//! one step, so an error leaves the state unchanged. A full table refuses
//! the new entry; nothing stored is evicted or overwritten.

use crate::chain::row_of;
use crate::engine::{Engine, Message, Reactions};
use crate::error::{
    CloseChatError, DeleteMessageError, JoinChatError, LeaveChatError, OpenChatError,
    PostMessageError, RegisterBotError, UnregisterBotError,
};
use crate::ids::{AppId, BotId, ChatId, MessageId, UserId};
use crate::sizing::Sizing;
use crate::store::{ChatRow, MemberEdit, MessageRow};

impl<S: Sizing> Engine<S> {
    /// Registers a bot owned by `app`.
    ///
    /// The bot's memberships are its user id's: join it to chats with
    /// [`Engine::join_chat`]. O(1) expected.
    ///
    /// # Errors
    /// [`RegisterBotError::AlreadyRegistered`], [`RegisterBotError::TableFull`].
    pub fn register_bot(&mut self, bot: BotId, app: AppId) -> Result<(), RegisterBotError> {
        if self.bots.contains_key(bot) {
            return Err(RegisterBotError::AlreadyRegistered);
        }
        self.bots
            .insert(bot, app)
            .map(|_| ())
            .map_err(|_| RegisterBotError::TableFull)
    }

    /// Unregisters a bot and returns the application that owned it.
    ///
    /// The bot's user id keeps its memberships and the likes it set, as any
    /// user's; it can no longer act through `imbot.message.like`. O(1) expected.
    ///
    /// # Errors
    /// [`UnregisterBotError::UnknownBot`].
    pub fn unregister_bot(&mut self, bot: BotId) -> Result<AppId, UnregisterBotError> {
        let (app, _) = self
            .bots
            .remove(bot)
            .ok_or(UnregisterBotError::UnknownBot)?;
        Ok(app)
    }

    /// Opens a chat with its initial members (duplicates count once).
    ///
    /// O(MEMBERS²) for the initial list, O(1) expected for the table.
    ///
    /// # Errors
    /// [`OpenChatError::AlreadyOpen`], [`OpenChatError::TooManyMembers`],
    /// [`OpenChatError::TableFull`], checked in that order.
    pub fn open_chat(&mut self, chat: ChatId, members: &[UserId]) -> Result<(), OpenChatError> {
        if self.chats.contains_key(chat) {
            return Err(OpenChatError::AlreadyOpen);
        }
        let mut list = ChatRow::new();
        for &user in members {
            if list.insert(user) == Err(MemberEdit::Full) {
                return Err(OpenChatError::TooManyMembers);
            }
        }
        self.chats
            .insert(chat, list)
            .map(|_| ())
            .map_err(|_| OpenChatError::TableFull)
    }

    /// Closes a chat, dropping its messages and their likes; returns how
    /// many messages were dropped. O(messages of the chat + messages of
    /// the chat whose row moves into the closed one's place): the closed
    /// chat's chain is dropped message by message, then the moved chat's
    /// messages are pointed at its new row.
    ///
    /// # Errors
    /// [`CloseChatError::UnknownChat`].
    pub fn close_chat(&mut self, chat: ChatId) -> Result<usize, CloseChatError> {
        let at = self
            .chats
            .position(chat)
            .ok_or(CloseChatError::UnknownChat)?;
        let mut dropped = 0usize;
        while let Some(id) = self.first_message(at) {
            self.drop_message(id);
            dropped = dropped.wrapping_add(1);
        }
        self.chats.remove(chat);
        let moved = self.chats.rows().get(at).map_or(0, |(_, c)| c.head);
        let to = u32::try_from(at).unwrap_or(u32::MAX);
        self.walk(moved, |row, _| row.chat = to);
        Ok(dropped)
    }

    /// The id of the first message in the chain of the chat at row `chat`.
    fn first_message(&self, chat: usize) -> Option<MessageId> {
        let (_, chat) = self.chats.rows().get(chat)?;
        let (id, _) = self.messages.rows().get(row_of(chat.head)?)?;
        Some(*id)
    }

    /// Calls `visit` on every message of the chain that starts at `head`,
    /// with the pool. O(messages in the chain).
    fn walk(&mut self, head: u32, mut visit: impl FnMut(&mut Message<S>, &mut Reactions<S>)) {
        let mut at = head;
        while let Some(row) = row_of(at) {
            let Some((_, message)) = self.messages.rows_mut().get_mut(row) else {
                return;
            };
            visit(message, &mut self.pool);
            at = message.next;
        }
    }

    /// Adds a member to a chat. The likes they kept from an earlier
    /// membership move back into the messages' masks. O(MEMBERS + m ×
    /// (MEMBERS / 64 + LIKES)) for a chat of m messages: the chat's own
    /// messages are visited, not the table's.
    ///
    /// # Errors
    /// [`JoinChatError::UnknownChat`], [`JoinChatError::AlreadyMember`],
    /// [`JoinChatError::ChatFull`].
    pub fn join_chat(&mut self, chat: ChatId, user: UserId) -> Result<(), JoinChatError> {
        let members = self.chats.get_mut(chat).ok_or(JoinChatError::UnknownChat)?;
        let rank = members.insert(user).map_err(|e| match e {
            MemberEdit::Full => JoinChatError::ChatFull,
            MemberEdit::Present | MemberEdit::Absent => JoinChatError::AlreadyMember,
        })?;
        let head = members.head;
        self.walk(head, |row, pool| row.join(pool, rank, user));
        Ok(())
    }

    /// Removes a member from a chat. The likes they set there stay, but they
    /// can no longer change them (rule L7): each moves from the message's
    /// mask into the entry its pool block keeps for it, so nothing is
    /// allocated and nothing can fail. O(MEMBERS + m × (MEMBERS / 64 +
    /// LIKES)) for a chat of m messages: the chat's own messages are
    /// visited, not the table's.
    ///
    /// # Errors
    /// [`LeaveChatError::UnknownChat`], [`LeaveChatError::NotAMember`].
    pub fn leave_chat(&mut self, chat: ChatId, user: UserId) -> Result<(), LeaveChatError> {
        let members = self
            .chats
            .get_mut(chat)
            .ok_or(LeaveChatError::UnknownChat)?;
        let rank = members
            .remove(user)
            .map_err(|_| LeaveChatError::NotAMember)?;
        let head = members.head;
        self.walk(head, |row, pool| row.leave(pool, rank, user));
        Ok(())
    }

    /// Records a message posted in a chat by one of its members, with no
    /// likes, first in its chat's chain. O(1) expected.
    ///
    /// # Errors
    /// [`PostMessageError::AlreadyExists`], [`PostMessageError::UnknownChat`],
    /// [`PostMessageError::AuthorNotMember`], [`PostMessageError::TableFull`],
    /// checked in that order.
    pub fn post_message(
        &mut self,
        message: MessageId,
        chat: ChatId,
        author: UserId,
    ) -> Result<(), PostMessageError> {
        if self.messages.contains_key(message) {
            return Err(PostMessageError::AlreadyExists);
        }
        let place = self.chats.position(chat);
        let (_, members) = place
            .and_then(|row| self.chats.rows().get(row))
            .ok_or(PostMessageError::UnknownChat)?;
        if !members.contains(author) {
            return Err(PostMessageError::AuthorNotMember);
        }
        let chat_row = place.and_then(|row| u32::try_from(row).ok());
        let chat_row = chat_row.ok_or(PostMessageError::UnknownChat)?;
        let row = self
            .messages
            .insert(message, MessageRow::new(chat_row, author))
            .map_err(|_| PostMessageError::TableFull)?;
        self.link(row);
        Ok(())
    }

    /// Deletes a message and its likes. O(1) expected (it leaves its
    /// chat's chain in O(1)).
    ///
    /// # Errors
    /// [`DeleteMessageError::UnknownMessage`].
    pub fn delete_message(&mut self, message: MessageId) -> Result<(), DeleteMessageError> {
        self.drop_message(message)
            .ok_or(DeleteMessageError::UnknownMessage)
    }
}
