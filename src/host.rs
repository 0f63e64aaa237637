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
use crate::store::{MemberEdit, Members, Message, Reactions};

impl<
    const BOTS: usize,
    const CHATS: usize,
    const MEMBERS: usize,
    const MESSAGES: usize,
    const LIKES: usize,
> Engine<BOTS, CHATS, MEMBERS, MESSAGES, LIKES>
{
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
        self.bots.remove(bot).ok_or(UnregisterBotError::UnknownBot)
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
        let mut list = Members::new();
        for &user in members {
            if list.insert(user) == Err(MemberEdit::Full) {
                return Err(OpenChatError::TooManyMembers);
            }
        }
        self.chats
            .insert(chat, list)
            .map_err(|_| OpenChatError::TableFull)
    }

    /// Closes a chat, dropping its messages and their likes; returns how
    /// many messages were dropped. O(MESSAGES).
    ///
    /// # Errors
    /// [`CloseChatError::UnknownChat`].
    pub fn close_chat(&mut self, chat: ChatId) -> Result<usize, CloseChatError> {
        self.chats.remove(chat).ok_or(CloseChatError::UnknownChat)?;
        let before = self.messages.len();
        self.messages.retain(|_, message| message.chat != chat);
        Ok(before.saturating_sub(self.messages.len()))
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
        let members = self.chats.get(chat).ok_or(PostMessageError::UnknownChat)?;
        if !members.contains(author) {
            return Err(PostMessageError::AuthorNotMember);
        }
        let row = Message {
            chat,
            author,
            reactions: Reactions::new(),
        };
        self.messages
            .insert(message, row)
            .map_err(|_| PostMessageError::TableFull)
    }

    /// Deletes a message and its likes. O(1) expected.
    ///
    /// # Errors
    /// [`DeleteMessageError::UnknownMessage`].
    pub fn delete_message(&mut self, message: MessageId) -> Result<(), DeleteMessageError> {
        self.messages
            .remove(message)
            .map(|_| ())
            .ok_or(DeleteMessageError::UnknownMessage)
    }
}
