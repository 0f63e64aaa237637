//! Host-side transitions: the host tells the engine what happened elsewhere.
//!
//! Each transition checks everything first and then changes one table in
//! one step, so an error leaves the state unchanged. A full table refuses
//! the new entry; nothing stored is evicted or overwritten.

use crate::engine::Engine;
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
    /// many messages were dropped. O(MESSAGES): one pass over the message
    /// rows, which also points the messages of the chat row that moved into
    /// the closed one's place at their chat's new row.
    ///
    /// # Errors
    /// [`CloseChatError::UnknownChat`].
    pub fn close_chat(&mut self, chat: ChatId) -> Result<usize, CloseChatError> {
        let (_, closed) = self.chats.remove(chat).ok_or(CloseChatError::UnknownChat)?;
        let moved = self.chats.len();
        let mut dropped = 0usize;
        let mut i = 0;
        while let Some(&(id, row)) = self.messages.rows().get(i) {
            if row.chat as usize == closed {
                // The last row moves into `i`: look at `i` again.
                self.drop_message(id);
                dropped = dropped.wrapping_add(1);
                continue;
            }
            if row.chat as usize == moved {
                if let Some((_, row)) = self.messages.rows_mut().get_mut(i) {
                    row.chat = u32::try_from(closed).unwrap_or(u32::MAX);
                }
            }
            i = i.wrapping_add(1);
        }
        Ok(dropped)
    }

    /// Adds a member to a chat. O(MEMBERS).
    ///
    /// # Errors
    /// [`JoinChatError::UnknownChat`], [`JoinChatError::AlreadyMember`],
    /// [`JoinChatError::ChatFull`].
    pub fn join_chat(&mut self, chat: ChatId, user: UserId) -> Result<(), JoinChatError> {
        let members = self.chats.get_mut(chat).ok_or(JoinChatError::UnknownChat)?;
        members.insert(user).map_err(|e| match e {
            MemberEdit::Full => JoinChatError::ChatFull,
            MemberEdit::Present | MemberEdit::Absent => JoinChatError::AlreadyMember,
        })
    }

    /// Removes a member from a chat. The likes they set there stay, but they
    /// can no longer change them (rule L7). O(MEMBERS).
    ///
    /// # Errors
    /// [`LeaveChatError::UnknownChat`], [`LeaveChatError::NotAMember`].
    pub fn leave_chat(&mut self, chat: ChatId, user: UserId) -> Result<(), LeaveChatError> {
        let members = self
            .chats
            .get_mut(chat)
            .ok_or(LeaveChatError::UnknownChat)?;
        members.remove(user).map_err(|_| LeaveChatError::NotAMember)
    }

    /// Records a message posted in a chat by one of its members, with no
    /// likes. O(1) expected, plus O(log MEMBERS).
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
        self.messages
            .insert(message, MessageRow::new(chat_row, author))
            .map(|_| ())
            .map_err(|_| PostMessageError::TableFull)
    }

    /// Deletes a message and its likes. O(1) expected.
    ///
    /// # Errors
    /// [`DeleteMessageError::UnknownMessage`].
    pub fn delete_message(&mut self, message: MessageId) -> Result<(), DeleteMessageError> {
        self.drop_message(message)
            .ok_or(DeleteMessageError::UnknownMessage)
    }

    /// Removes a message row and frees its reactions' block.
    fn drop_message(&mut self, message: MessageId) -> Option<()> {
        let (row, _) = self.messages.remove(message)?;
        self.pool.release(row.block);
        Some(())
    }
}
