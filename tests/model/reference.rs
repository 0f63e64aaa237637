//! The reference model: the contract's tables as std collections, and each
//! step re-derived from the contract and the module docs.
//!
//! Shared by every model-based test and the `ops` fuzz target: it names
//! its sibling modules through `super`, so an includer declares `reply`
//! and `steps` next to it.
// Included by several test crates and the fuzz target; each uses a part.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use imbot_like::{
    Action, AppId, Arg, BotId, BotPolicy, Change, CloseChatError, DeleteMessageError,
    JoinChatError, LeaveChatError, LikeError, MessageId, OpenChatError, PostMessageError, Reaction,
    ReactionError, RegisterBotError, Sizing, UnknownReaction, UnregisterBotError,
};

use super::reply::{Liked, Reacted, Reply};
use super::steps::{Step, Verb};

/// The capacities the model enforces: an engine sizing's seven numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Caps {
    pub(crate) bots: usize,
    pub(crate) chats: usize,
    pub(crate) members: usize,
    pub(crate) messages: usize,
    /// Reactions of all kinds (likes included) on one message.
    pub(crate) likes: usize,
    /// Entries of the shared reaction pool.
    pub(crate) pool: usize,
    /// Keyed requests the retry window remembers.
    pub(crate) keys: usize,
}

impl Caps {
    /// The capacities of sizing `S`.
    pub(crate) fn of<S: Sizing>() -> Self {
        Self {
            bots: S::BOTS,
            chats: S::CHATS,
            members: S::MEMBERS,
            messages: S::MESSAGES,
            likes: S::LIKES,
            pool: S::POOL,
            keys: S::KEYS,
        }
    }
}

/// Size classes of pool blocks: 1, 2, 4, … 65 536 entries (a set's first
/// block is of two).
const CLASSES: usize = 17;

/// The shared reaction pool as the `Capacity` docs describe it: each
/// message's reactions take one block of `2^class` entries, doubled when
/// full; an emptied or dropped block goes back to its class, and a class
/// reuses only its own blocks before taking new ones from the untouched end
/// of the pool. Which block a set gets never shows, so the model keeps
/// counts only: whether a request fits, and the high-water mark, follow
/// from them exactly.
#[derive(Debug, Clone, Default)]
pub(crate) struct PoolModel {
    /// Entries handed out at least once (`Engine::pool_used`).
    pub(crate) used: usize,
    /// Free blocks per size class.
    free: [usize; CLASSES],
}

impl PoolModel {
    /// Makes room for one more entry in a set of `len` entries whose block
    /// has size class `class`: the new class, or `None` when the pool has
    /// no block for it. Changes nothing on `None`.
    fn grow(&mut self, len: usize, class: u8, size: usize) -> Option<u8> {
        let capacity = if len == 0 { 0 } else { 1usize << class };
        if len < capacity {
            return Some(class);
        }
        // A set's first block holds two entries.
        let next = if len == 0 { 1 } else { class + 1 };
        if usize::from(next) >= CLASSES {
            return None;
        }
        if self.free[usize::from(next)] > 0 {
            self.free[usize::from(next)] -= 1;
        } else if self.used + (1usize << next) <= size {
            self.used += 1usize << next;
        } else {
            return None;
        }
        self.release(len, class);
        Some(next)
    }

    /// Returns the block of a set of `len` entries to its class.
    fn release(&mut self, len: usize, class: u8) {
        if len > 0 {
            self.free[usize::from(class)] += 1;
        }
    }
}

/// A stored message in the model.
#[derive(Debug, Clone)]
pub(crate) struct Post {
    pub(crate) chat: u32,
    pub(crate) author: u32,
    /// Every reaction on the message as (kind, user); a like is
    /// (`Reaction::Like`, user).
    pub(crate) reactions: BTreeSet<(Reaction, u32)>,
    /// One more on every change of `reactions`, from 0 when posted.
    pub(crate) version: u32,
    /// The size class of the set's pool block (meaningless while empty).
    class: u8,
}

impl Post {
    pub(crate) fn has(&self, kind: Reaction, user: u32) -> bool {
        self.reactions.contains(&(kind, user))
    }

    /// The users who set `kind`, ascending.
    fn users(&self, kind: Reaction) -> Vec<u32> {
        let mut users: Vec<u32> = self
            .reactions
            .iter()
            .filter(|&&(k, _)| k == kind)
            .map(|&(_, u)| u)
            .collect();
        users.sort_unstable();
        users
    }

    /// The users who like the message (the `like` kind), ascending.
    pub(crate) fn likers(&self) -> Vec<u32> {
        self.users(Reaction::Like)
    }

    /// Each kind present with its users ascending, in [`Reaction::ALL`]
    /// order (the order of the kinds table, whatever the enum derives).
    pub(crate) fn groups(&self) -> Vec<(Reaction, Vec<u32>)> {
        let mut groups: BTreeMap<usize, (Reaction, Vec<u32>)> = BTreeMap::new();
        for &(kind, user) in &self.reactions {
            let rank = Reaction::ALL.iter().position(|&k| k == kind);
            let rank = rank.unwrap_or_else(|| panic!("{kind:?} is missing from Reaction::ALL"));
            groups
                .entry(rank)
                .or_insert((kind, Vec::new()))
                .1
                .push(user);
        }
        groups
            .into_values()
            .map(|(kind, mut users)| {
                users.sort_unstable();
                (kind, users)
            })
            .collect()
    }
}

/// The reference model: the contract's tables as std collections, plus the
/// answer to the last step.
#[derive(Debug, Clone)]
pub(crate) struct Model {
    pub(crate) policy: BotPolicy,
    pub(crate) caps: Caps,
    pub(crate) pool: PoolModel,
    /// Bot id → owning application.
    pub(crate) bots: BTreeMap<u32, u32>,
    /// Chat id → members.
    pub(crate) chats: BTreeMap<u32, BTreeSet<u32>>,
    pub(crate) messages: BTreeMap<u64, Post>,
    /// The retry window (contract section 9): the last `caps.keys` keyed
    /// requests as (key, request, answer), oldest first.
    pub(crate) window: VecDeque<(u8, Step, Reply)>,
    pub(crate) last: Reply,
    /// Whether the last step added a key to the window (a keyed request
    /// refused then still changes the engine: its window).
    pub(crate) remembered: bool,
}

impl Model {
    pub(crate) fn new(policy: BotPolicy, caps: Caps) -> Self {
        Self {
            policy,
            caps,
            pool: PoolModel::default(),
            bots: BTreeMap::new(),
            chats: BTreeMap::new(),
            messages: BTreeMap::new(),
            window: VecDeque::with_capacity(caps.keys),
            last: Reply::Start,
            remembered: false,
        }
    }

    fn register_bot(&mut self, bot: u32, app: u32) -> Result<(), RegisterBotError> {
        if self.bots.contains_key(&bot) {
            return Err(RegisterBotError::AlreadyRegistered);
        }
        if self.bots.len() >= self.caps.bots {
            return Err(RegisterBotError::TableFull);
        }
        self.bots.insert(bot, app);
        Ok(())
    }

    fn unregister_bot(&mut self, bot: u32) -> Result<AppId, UnregisterBotError> {
        self.bots
            .remove(&bot)
            .map(AppId)
            .ok_or(UnregisterBotError::UnknownBot)
    }

    fn open_chat(&mut self, chat: u32, members: &[u32]) -> Result<(), OpenChatError> {
        if self.chats.contains_key(&chat) {
            return Err(OpenChatError::AlreadyOpen);
        }
        let members: BTreeSet<u32> = members.iter().copied().collect();
        if members.len() > self.caps.members {
            return Err(OpenChatError::TooManyMembers);
        }
        if self.chats.len() >= self.caps.chats {
            return Err(OpenChatError::TableFull);
        }
        self.chats.insert(chat, members);
        Ok(())
    }

    fn close_chat(&mut self, chat: u32) -> Result<usize, CloseChatError> {
        if self.chats.remove(&chat).is_none() {
            return Err(CloseChatError::UnknownChat);
        }
        let before = self.messages.len();
        let pool = &mut self.pool;
        self.messages.retain(|_, post| {
            let keep = post.chat != chat;
            if !keep {
                pool.release(post.reactions.len(), post.class);
            }
            keep
        });
        Ok(before - self.messages.len())
    }

    fn join_chat(&mut self, chat: u32, user: u32) -> Result<(), JoinChatError> {
        let members = self
            .chats
            .get_mut(&chat)
            .ok_or(JoinChatError::UnknownChat)?;
        if members.contains(&user) {
            return Err(JoinChatError::AlreadyMember);
        }
        if members.len() >= self.caps.members {
            return Err(JoinChatError::ChatFull);
        }
        members.insert(user);
        Ok(())
    }

    fn leave_chat(&mut self, chat: u32, user: u32) -> Result<(), LeaveChatError> {
        let members = self
            .chats
            .get_mut(&chat)
            .ok_or(LeaveChatError::UnknownChat)?;
        if members.remove(&user) {
            Ok(())
        } else {
            Err(LeaveChatError::NotAMember)
        }
    }

    fn post_message(
        &mut self,
        message: u64,
        chat: u32,
        author: u32,
    ) -> Result<(), PostMessageError> {
        if self.messages.contains_key(&message) {
            return Err(PostMessageError::AlreadyExists);
        }
        let members = self.chats.get(&chat).ok_or(PostMessageError::UnknownChat)?;
        if !members.contains(&author) {
            return Err(PostMessageError::AuthorNotMember);
        }
        if self.messages.len() >= self.caps.messages {
            return Err(PostMessageError::TableFull);
        }
        let post = Post {
            chat,
            author,
            version: 0,
            class: 0,
            reactions: BTreeSet::new(),
        };
        self.messages.insert(message, post);
        Ok(())
    }

    fn delete_message(&mut self, message: u64) -> Result<(), DeleteMessageError> {
        let post = self
            .messages
            .remove(&message)
            .ok_or(DeleteMessageError::UnknownMessage)?;
        self.pool.release(post.reactions.len(), post.class);
        Ok(())
    }

    /// `imbot.message.like`: rules L1–L3 pick the acting bot, then the user
    /// path runs L4–L10 for it.
    fn like(
        &mut self,
        app: Option<u32>,
        bot: Arg<BotId>,
        message: Arg<MessageId>,
        action: Action,
    ) -> Result<Liked, LikeError> {
        let acting = match bot {
            // rule L1: a sent BOT_ID must be a valid id of a registered bot.
            Arg::Invalid(reason) => return Err(LikeError::BotIdInvalid(reason)),
            Arg::Given(id) => {
                let owner = self.bots.get(&id.get()).ok_or(LikeError::BotNotFound)?;
                // rule L3: a caller with no application owns no bot.
                if app != Some(*owner) {
                    return Err(LikeError::ForeignBot);
                }
                id.get()
            }
            // rule L2: the caller's own bots, ascending by id.
            Arg::Omitted => {
                let owned: Vec<u32> = self
                    .bots
                    .iter()
                    .filter(|&(_, owner)| app == Some(*owner))
                    .map(|(&id, _)| id)
                    .collect();
                match (owned.as_slice(), self.policy) {
                    ([], _) => return Err(LikeError::NoBotForApp),
                    ([only], _) => *only,
                    ([lowest, ..], BotPolicy::PortalCompatible) => *lowest,
                    (_, BotPolicy::Strict) => return Err(LikeError::BotIdRequired),
                }
            }
        };
        self.like_as(acting, message, action)
    }

    /// `im.message.like` for `user`: rules L4–L10 on the `like` kind.
    fn like_as(
        &mut self,
        user: u32,
        message: Arg<MessageId>,
        action: Action,
    ) -> Result<Liked, LikeError> {
        // rule L4
        let id = match message {
            Arg::Omitted => return Err(LikeError::MessageIdMissing),
            Arg::Invalid(reason) => return Err(LikeError::MessageIdInvalid(reason)),
            Arg::Given(id) => id.get(),
        };
        // rule L5 holds by construction: the action is already one of three.
        // rule L6
        let post = self
            .messages
            .get_mut(&id)
            .ok_or(LikeError::MessageNotFound)?;
        // rule L7
        let member = self
            .chats
            .get(&post.chat)
            .is_some_and(|members| members.contains(&user));
        if !member {
            return Err(LikeError::NotAMember);
        }
        // rule L8
        let likes = post.has(Reaction::Like, user);
        let set = match (action, likes) {
            (Action::Plus, true) => return Err(LikeError::AlreadyLiked),
            (Action::Minus, false) => return Err(LikeError::NotLiked),
            (Action::Plus, false) => true,
            (Action::Minus, true) => false,
            (Action::Auto, _) => !likes,
        };
        // rule L9: the capacity counts reactions of every kind; then the
        // shared pool must have a block for the set.
        if set && post.reactions.len() >= self.caps.likes {
            return Err(LikeError::LikeSetFull);
        }
        // rule L10
        let change = if set {
            post.class = self
                .pool
                .grow(post.reactions.len(), post.class, self.caps.pool)
                .ok_or(LikeError::PoolFull)?;
            post.reactions.insert((Reaction::Like, user));
            Change::Set
        } else {
            post.reactions.remove(&(Reaction::Like, user));
            if post.reactions.is_empty() {
                self.pool.release(1, post.class);
            }
            Change::Removed
        };
        post.version += 1;
        Ok(Liked {
            message: id,
            chat: post.chat,
            actor: user,
            change,
            count: post.likers().len(),
            version: post.version,
            notify: (set && post.author != user).then_some(post.author),
        })
    }

    /// `imbot.v2.Chat.Message.Reaction.add` / `.delete`: checks V1–V8 in
    /// order, then one insert or remove.
    fn react(
        &mut self,
        verb: Verb,
        app: Option<u32>,
        bot: Arg<BotId>,
        message: Arg<MessageId>,
        reaction: Arg<Reaction, UnknownReaction>,
    ) -> Result<Reacted, ReactionError> {
        // V1: botId is required, and must be a valid id.
        let bot = match bot {
            Arg::Omitted => return Err(ReactionError::BotIdRequired),
            Arg::Invalid(reason) => return Err(ReactionError::BotIdInvalid(reason)),
            Arg::Given(id) => id.get(),
        };
        // V2
        let owner = self.bots.get(&bot).ok_or(ReactionError::BotNotFound)?;
        // V3: a caller with no application owns no bot.
        if app != Some(*owner) {
            return Err(ReactionError::ForeignBot);
        }
        // V4
        let id = match message {
            Arg::Omitted => return Err(ReactionError::MessageIdMissing),
            Arg::Invalid(reason) => return Err(ReactionError::MessageIdInvalid(reason)),
            Arg::Given(id) => id.get(),
        };
        // V5
        let kind = match reaction {
            Arg::Omitted => return Err(ReactionError::ReactionMissing),
            Arg::Invalid(UnknownReaction) => return Err(ReactionError::ReactionUnknown),
            Arg::Given(kind) => kind,
        };
        // V6: the message exists and the bot is in its chat.
        let post = self
            .messages
            .get_mut(&id)
            .ok_or(ReactionError::MessageNotFound)?;
        let member = self
            .chats
            .get(&post.chat)
            .is_some_and(|members| members.contains(&bot));
        if !member {
            return Err(ReactionError::NotAMember);
        }
        // V7
        let set = post.has(kind, bot);
        match (verb, set) {
            (Verb::Add, true) => return Err(ReactionError::AlreadySet),
            (Verb::Delete, false) => return Err(ReactionError::NotSet),
            _ => {}
        }
        // V8: only an add needs room, and every kind takes room.
        if verb == Verb::Add && post.reactions.len() >= self.caps.likes {
            return Err(ReactionError::ReactionsFull);
        }
        let change = match verb {
            Verb::Add => {
                post.class = self
                    .pool
                    .grow(post.reactions.len(), post.class, self.caps.pool)
                    .ok_or(ReactionError::PoolFull)?;
                post.reactions.insert((kind, bot));
                Change::Set
            }
            Verb::Delete => {
                post.reactions.remove(&(kind, bot));
                if post.reactions.is_empty() {
                    self.pool.release(1, post.class);
                }
                Change::Removed
            }
        };
        post.version += 1;
        Ok(Reacted {
            message: id,
            chat: post.chat,
            actor: bot,
            reaction: kind,
            change,
            count: post.users(kind).len(),
            version: post.version,
            notify: (verb == Verb::Add && post.author != bot).then_some(post.author),
        })
    }

    /// A request sent under `key` (contract section 9). A remembered key
    /// answers again what it answered for the same request, and refuses
    /// any other request or method as reused, changing nothing; a new key
    /// runs the request and remembers key, request and answer, refusals
    /// included, forgetting the oldest key of a full window. With no
    /// window (`KEYS = 0`) the request runs as if unkeyed.
    fn keyed(&mut self, key: u8, call: &Step) -> Reply {
        if self.caps.keys == 0 || !call.is_request() {
            return self.step(call);
        }
        if let Some((_, request, reply)) = self.window.iter().find(|(k, _, _)| *k == key) {
            if request == call {
                return reply.clone();
            }
            return match call {
                Step::React { .. } => Reply::React(Err(ReactionError::KeyReused)),
                _ => Reply::Like(Err(LikeError::KeyReused)),
            };
        }
        let reply = self.step(call);
        if self.window.len() == self.caps.keys {
            self.window.pop_front();
        }
        self.window.push_back((key, call.clone(), reply.clone()));
        self.remembered = true;
        reply
    }

    pub(crate) fn step(&mut self, step: &Step) -> Reply {
        self.remembered = false;
        match step {
            Step::Keyed { key, call } => self.keyed(*key, call),
            Step::RegisterBot { bot, app } => Reply::RegisterBot(self.register_bot(*bot, *app)),
            Step::UnregisterBot { bot } => Reply::UnregisterBot(self.unregister_bot(*bot)),
            Step::OpenChat { chat, members } => Reply::OpenChat(self.open_chat(*chat, members)),
            Step::CloseChat { chat } => Reply::CloseChat(self.close_chat(*chat)),
            Step::JoinChat { chat, user } => Reply::JoinChat(self.join_chat(*chat, *user)),
            Step::LeaveChat { chat, user } => Reply::LeaveChat(self.leave_chat(*chat, *user)),
            Step::PostMessage {
                message,
                chat,
                author,
            } => Reply::PostMessage(self.post_message(*message, *chat, *author)),
            Step::DeleteMessage { message } => Reply::DeleteMessage(self.delete_message(*message)),
            Step::Like {
                app,
                bot,
                message,
                action,
            } => Reply::Like(self.like(*app, *bot, *message, *action)),
            Step::LikeAsUser {
                user,
                message,
                action,
            } => Reply::Like(self.like_as(*user, *message, *action)),
            Step::React {
                verb,
                app,
                bot,
                message,
                reaction,
            } => Reply::React(self.react(*verb, *app, *bot, *message, *reaction)),
        }
    }
}
