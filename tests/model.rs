//! Model-based test of the whole engine: random sequences of host transitions
//! (contract section 1), legacy like requests (section 2, rules L1–L10;
//! section 4, the user variant) and v2 reaction requests (checks V1–V8 of
//! the `v2` module docs) run against the engine and against a small
//! reference model built on std collections. After every step both must
//! give the same answer and show the same state, and a refused step must
//! leave the engine exactly as it was.
//!
//! Both APIs act on one state: the model keeps, per message, one set of
//! (kind, user) reactions. The legacy like is the `like` kind, so a like set
//! through either API is seen by the other, and the per-message capacity
//! counts reactions of every kind (rule L9 and check V8 share it).
//!
//! The model re-derives every answer from the contract and the module docs;
//! it shares no code with the engine. Capacities are tiny and ids come from
//! small ranges, so full tables, duplicate ids, unknown ids, members and
//! non-members, owners and foreign applications all occur often.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{bot, chat, msg, user};
use imbot_like::{
    Action, AppId, Arg, BotId, BotPolicy, Change, CloseChatError, DeleteMessageError, Engine,
    IdError, JoinChatError, LeaveChatError, LikeError, LikeRequest, MessageId, OpenChatError,
    Outcome, PostMessageError, Reaction, ReactionError, ReactionOutcome, ReactionRequest,
    RegisterBotError, UnknownReaction, UnregisterBotError, UserId, UserLikeRequest,
};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::Union;
use proptest::test_runner::{FileFailurePersistence, RngAlgorithm};
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest, prop_state_machine};

/// Registered bots the engine holds.
const BOTS: usize = 4;
/// Open chats the engine holds.
const CHATS: usize = 4;
/// Members of one chat.
const MEMBERS: usize = 4;
/// Stored messages.
const MESSAGES: usize = 8;
/// Reactions of all kinds (likes included) on one message.
const LIKES: usize = 3;

/// The engine under test: every table small enough to fill up.
type Sut = Engine<BOTS, CHATS, MEMBERS, MESSAGES, LIKES>;

/// Users and bots share one id space: 1..=8.
const USER_IDS: std::ops::RangeInclusive<u32> = 1..=8;
/// Chat ids: 1..=5, one more than the chat table holds.
const CHAT_IDS: std::ops::RangeInclusive<u32> = 1..=5;
/// Message ids: 1..=10, more than the message table holds.
const MESSAGE_IDS: std::ops::RangeInclusive<u64> = 1..=10;
/// Application handles: 0..=3 (a caller may also have none).
const APP_IDS: std::ops::RangeInclusive<u32> = 0..=3;
/// The reaction kinds requests use: `like` (the legacy like), the first and
/// the last kind of [`Reaction::ALL`], and two between them.
const KINDS: [Reaction; 5] = [
    Reaction::Like,
    Reaction::Dislike,
    Reaction::RedHeart,
    Reaction::Eyes,
    Reaction::HundredPoints,
];

/// Default number of generated cases; `PROPTEST_CASES` overrides it.
const DEFAULT_CASES: u32 = 2000;
/// Longest sequence of steps in one case.
const MAX_STEPS: usize = 100;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

/// Which v2 reaction method a step calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verb {
    /// `imbot.v2.Chat.Message.Reaction.add`.
    Add,
    /// `imbot.v2.Chat.Message.Reaction.delete`.
    Delete,
}

/// One step: a host transition, a like request or a reaction request, with
/// raw ids.
#[derive(Debug, Clone)]
enum Step {
    RegisterBot {
        bot: u32,
        app: u32,
    },
    UnregisterBot {
        bot: u32,
    },
    OpenChat {
        chat: u32,
        members: Vec<u32>,
    },
    CloseChat {
        chat: u32,
    },
    JoinChat {
        chat: u32,
        user: u32,
    },
    LeaveChat {
        chat: u32,
        user: u32,
    },
    PostMessage {
        message: u64,
        chat: u32,
        author: u32,
    },
    DeleteMessage {
        message: u64,
    },
    /// `imbot.message.like`.
    Like {
        app: Option<u32>,
        bot: Arg<BotId>,
        message: Arg<MessageId>,
        action: Action,
    },
    /// `im.message.like`.
    LikeAsUser {
        user: u32,
        message: Arg<MessageId>,
        action: Action,
    },
    /// `imbot.v2.Chat.Message.Reaction.add` or `.delete`.
    React {
        verb: Verb,
        app: Option<u32>,
        bot: Arg<BotId>,
        message: Arg<MessageId>,
        reaction: Arg<Reaction, UnknownReaction>,
    },
}

/// A successful like as plain values (section 3).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Liked {
    message: u64,
    chat: u32,
    actor: u32,
    change: Change,
    likers: Vec<u32>,
    notify: Option<u32>,
}

impl Liked {
    fn from_outcome(outcome: &Outcome<LIKES>) -> Self {
        Self {
            message: outcome.message.get(),
            chat: outcome.chat.get(),
            actor: outcome.actor.get(),
            change: outcome.change,
            likers: outcome.likers.iter().map(|u| u.get()).collect(),
            notify: outcome.notify.map(UserId::get),
        }
    }
}

/// A successful v2 reaction request as plain values.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reacted {
    message: u64,
    chat: u32,
    actor: u32,
    reaction: Reaction,
    change: Change,
    /// (kind, how many users set it), in [`Reaction::ALL`] order.
    counts: Vec<(Reaction, usize)>,
    notify: Option<u32>,
}

impl Reacted {
    fn from_outcome(outcome: &ReactionOutcome<LIKES>) -> Self {
        Self {
            message: outcome.message.get(),
            chat: outcome.chat.get(),
            actor: outcome.actor.get(),
            reaction: outcome.reaction,
            change: outcome.change,
            counts: outcome
                .counts
                .iter()
                .map(|c| (c.reaction, c.count))
                .collect(),
            notify: outcome.notify.map(UserId::get),
        }
    }
}

/// The answer to one step.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reply {
    /// No step has run yet.
    Start,
    RegisterBot(Result<(), RegisterBotError>),
    UnregisterBot(Result<AppId, UnregisterBotError>),
    OpenChat(Result<(), OpenChatError>),
    CloseChat(Result<usize, CloseChatError>),
    JoinChat(Result<(), JoinChatError>),
    LeaveChat(Result<(), LeaveChatError>),
    PostMessage(Result<(), PostMessageError>),
    DeleteMessage(Result<(), DeleteMessageError>),
    Like(Result<Liked, LikeError>),
    React(Result<Reacted, ReactionError>),
}

impl Reply {
    fn is_refused(&self) -> bool {
        match self {
            Self::Start => false,
            Self::RegisterBot(r) => r.is_err(),
            Self::UnregisterBot(r) => r.is_err(),
            Self::OpenChat(r) => r.is_err(),
            Self::CloseChat(r) => r.is_err(),
            Self::JoinChat(r) => r.is_err(),
            Self::LeaveChat(r) => r.is_err(),
            Self::PostMessage(r) => r.is_err(),
            Self::DeleteMessage(r) => r.is_err(),
            Self::Like(r) => r.is_err(),
            Self::React(r) => r.is_err(),
        }
    }
}

/// A stored message in the model.
#[derive(Debug, Clone)]
struct Post {
    chat: u32,
    author: u32,
    /// Every reaction on the message as (kind, user); a like is
    /// (`Reaction::Like`, user).
    reactions: BTreeSet<(Reaction, u32)>,
}

impl Post {
    fn has(&self, kind: Reaction, user: u32) -> bool {
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
    fn likers(&self) -> Vec<u32> {
        self.users(Reaction::Like)
    }

    /// Each kind present with its users ascending, in [`Reaction::ALL`]
    /// order (the order of the kinds table, whatever the enum derives).
    fn groups(&self) -> Vec<(Reaction, Vec<u32>)> {
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
struct Model {
    policy: BotPolicy,
    /// Bot id → owning application.
    bots: BTreeMap<u32, u32>,
    /// Chat id → members.
    chats: BTreeMap<u32, BTreeSet<u32>>,
    messages: BTreeMap<u64, Post>,
    last: Reply,
}

impl Model {
    fn new(policy: BotPolicy) -> Self {
        Self {
            policy,
            bots: BTreeMap::new(),
            chats: BTreeMap::new(),
            messages: BTreeMap::new(),
            last: Reply::Start,
        }
    }

    fn register_bot(&mut self, bot: u32, app: u32) -> Result<(), RegisterBotError> {
        if self.bots.contains_key(&bot) {
            return Err(RegisterBotError::AlreadyRegistered);
        }
        if self.bots.len() >= BOTS {
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
        if members.len() > MEMBERS {
            return Err(OpenChatError::TooManyMembers);
        }
        if self.chats.len() >= CHATS {
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
        self.messages.retain(|_, post| post.chat != chat);
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
        if members.len() >= MEMBERS {
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
        if self.messages.len() >= MESSAGES {
            return Err(PostMessageError::TableFull);
        }
        let post = Post {
            chat,
            author,
            reactions: BTreeSet::new(),
        };
        self.messages.insert(message, post);
        Ok(())
    }

    fn delete_message(&mut self, message: u64) -> Result<(), DeleteMessageError> {
        self.messages
            .remove(&message)
            .map(|_| ())
            .ok_or(DeleteMessageError::UnknownMessage)
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
        // rule L9: the capacity counts reactions of every kind.
        if set && post.reactions.len() >= LIKES {
            return Err(LikeError::LikeSetFull);
        }
        // rule L10
        let change = if set {
            post.reactions.insert((Reaction::Like, user));
            Change::Set
        } else {
            post.reactions.remove(&(Reaction::Like, user));
            Change::Removed
        };
        Ok(Liked {
            message: id,
            chat: post.chat,
            actor: user,
            change,
            likers: post.likers(),
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
        if verb == Verb::Add && post.reactions.len() >= LIKES {
            return Err(ReactionError::ReactionsFull);
        }
        let change = match verb {
            Verb::Add => {
                post.reactions.insert((kind, bot));
                Change::Set
            }
            Verb::Delete => {
                post.reactions.remove(&(kind, bot));
                Change::Removed
            }
        };
        Ok(Reacted {
            message: id,
            chat: post.chat,
            actor: bot,
            reaction: kind,
            change,
            counts: post
                .groups()
                .into_iter()
                .map(|(kind, users)| (kind, users.len()))
                .collect(),
            notify: (verb == Verb::Add && post.author != bot).then_some(post.author),
        })
    }

    fn step(&mut self, step: &Step) -> Reply {
        match step {
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

/// Runs one step on the engine.
fn run(engine: &mut Sut, step: &Step) -> Reply {
    match step {
        Step::RegisterBot { bot: b, app } => {
            Reply::RegisterBot(engine.register_bot(bot(*b), AppId(*app)))
        }
        Step::UnregisterBot { bot: b } => Reply::UnregisterBot(engine.unregister_bot(bot(*b))),
        Step::OpenChat { chat: c, members } => {
            let members: Vec<UserId> = members.iter().map(|&u| user(u)).collect();
            Reply::OpenChat(engine.open_chat(chat(*c), &members))
        }
        Step::CloseChat { chat: c } => Reply::CloseChat(engine.close_chat(chat(*c))),
        Step::JoinChat { chat: c, user: u } => {
            Reply::JoinChat(engine.join_chat(chat(*c), user(*u)))
        }
        Step::LeaveChat { chat: c, user: u } => {
            Reply::LeaveChat(engine.leave_chat(chat(*c), user(*u)))
        }
        Step::PostMessage {
            message,
            chat: c,
            author,
        } => Reply::PostMessage(engine.post_message(msg(*message), chat(*c), user(*author))),
        Step::DeleteMessage { message } => {
            Reply::DeleteMessage(engine.delete_message(msg(*message)))
        }
        Step::Like {
            app,
            bot: b,
            message,
            action,
        } => {
            let mut request = LikeRequest::new(*message).bot(*b).action(*action);
            if let Some(app) = app {
                request = request.app(AppId(*app));
            }
            Reply::Like(
                engine
                    .like(&request)
                    .as_ref()
                    .map(Liked::from_outcome)
                    .map_err(|e| *e),
            )
        }
        Step::LikeAsUser {
            user: u,
            message,
            action,
        } => {
            let request = UserLikeRequest::new(user(*u), *message).action(*action);
            Reply::Like(
                engine
                    .like_as_user(&request)
                    .as_ref()
                    .map(Liked::from_outcome)
                    .map_err(|e| *e),
            )
        }
        Step::React {
            verb,
            app,
            bot: b,
            message,
            reaction,
        } => {
            let mut request = ReactionRequest::new(*b, *message, *reaction);
            if let Some(app) = app {
                request = request.app(AppId(*app));
            }
            let result = match verb {
                Verb::Add => engine.add_reaction(&request),
                Verb::Delete => engine.delete_reaction(&request),
            };
            Reply::React(result.as_ref().map(Reacted::from_outcome).map_err(|e| *e))
        }
    }
}

/// Everything the engine shows through its queries, for every id in the
/// small universes, in a form comparable with the model.
fn assert_same_state(engine: &Sut, model: &Model) {
    assert_eq!(engine.policy(), model.policy);
    assert_eq!(engine.bot_count(), model.bots.len(), "bot_count");
    assert_eq!(engine.chat_count(), model.chats.len(), "chat_count");
    assert_eq!(
        engine.message_count(),
        model.messages.len(),
        "message_count"
    );

    let mut listed: Vec<(u32, u32)> = engine.bots().map(|(b, a)| (b.get(), a.0)).collect();
    listed.sort_unstable();
    let expected: Vec<(u32, u32)> = model.bots.iter().map(|(&b, &a)| (b, a)).collect();
    assert_eq!(listed, expected, "bots()");

    for b in USER_IDS {
        let expected = model.bots.get(&b).copied().map(AppId);
        assert_eq!(engine.bot_owner(bot(b)), expected, "bot_owner({b})");
    }

    for c in CHAT_IDS {
        let expected: Option<Vec<UserId>> = model
            .chats
            .get(&c)
            .map(|members| members.iter().map(|&u| user(u)).collect());
        assert_eq!(
            engine.chat_members(chat(c)),
            expected.as_deref(),
            "chat_members({c})"
        );
        for u in USER_IDS {
            let expected = model.chats.get(&c).is_some_and(|m| m.contains(&u));
            assert_eq!(
                engine.is_member(chat(c), user(u)),
                expected,
                "is_member({c}, {u})"
            );
        }
    }

    for m in MESSAGE_IDS {
        let post = model.messages.get(&m);
        let info = engine
            .message(msg(m))
            .map(|i| (i.chat.get(), i.author.get()));
        assert_eq!(info, post.map(|p| (p.chat, p.author)), "message({m})");
        let likers: Option<Vec<u32>> = engine.likers(msg(m)).map(|l| l.map(UserId::get).collect());
        let expected: Option<Vec<u32>> = post.map(Post::likers);
        assert_eq!(likers, expected, "likers({m})");
        assert_eq!(
            engine.like_count(msg(m)),
            post.map(|p| p.likers().len()),
            "like_count({m})"
        );

        // Every kind present, its count and its users, in kinds-table order.
        let groups: Option<Vec<(Reaction, usize, Vec<u32>)>> = engine.reactions(msg(m)).map(|g| {
            g.map(|group| {
                let users: Vec<u32> = group.users().map(UserId::get).collect();
                (group.reaction(), group.count(), users)
            })
            .collect()
        });
        let expected_groups: Option<Vec<(Reaction, Vec<u32>)>> = post.map(Post::groups);
        let expected: Option<Vec<(Reaction, usize, Vec<u32>)>> =
            expected_groups.as_ref().map(|groups| {
                groups
                    .iter()
                    .map(|(kind, users)| (*kind, users.len(), users.clone()))
                    .collect()
            });
        assert_eq!(groups, expected, "reactions({m})");

        for u in USER_IDS {
            let expected = post.is_some_and(|p| p.has(Reaction::Like, u));
            assert_eq!(
                engine.is_liked_by(msg(m), user(u)),
                expected,
                "is_liked_by({m}, {u})"
            );
            let kinds: Option<Vec<Reaction>> = engine
                .user_reactions(msg(m), user(u))
                .map(Iterator::collect);
            let expected: Option<Vec<Reaction>> = expected_groups.as_ref().map(|groups| {
                groups
                    .iter()
                    .filter(|(_, users)| users.contains(&u))
                    .map(|(kind, _)| *kind)
                    .collect()
            });
            assert_eq!(kinds, expected, "user_reactions({m}, {u})");
        }
    }
}

// ---- strategies ----

fn any_user() -> impl Strategy<Value = u32> {
    USER_IDS
}

fn any_chat() -> impl Strategy<Value = u32> {
    CHAT_IDS
}

fn any_message() -> impl Strategy<Value = u64> {
    MESSAGE_IDS
}

fn any_action() -> impl Strategy<Value = Action> {
    select(&[Action::Plus, Action::Minus, Action::Auto][..])
}

fn any_id_error() -> impl Strategy<Value = IdError> {
    select(
        &[
            IdError::Empty,
            IdError::NotANumber,
            IdError::NotPositive,
            IdError::TooLarge,
        ][..],
    )
}

/// A caller: one of the applications, or none.
fn any_caller() -> impl Strategy<Value = Option<u32>> {
    prop_oneof![1 => Just(None), 4 => APP_IDS.prop_map(Some)]
}

/// A `BOT_ID` parameter: a bot id, omitted, or not a valid id.
fn any_bot_arg() -> impl Strategy<Value = Arg<BotId>> {
    prop_oneof![
        6 => any_user().prop_map(|b| Arg::Given(bot(b))),
        3 => Just(Arg::Omitted),
        1 => any_id_error().prop_map(Arg::Invalid),
    ]
}

/// A `MESSAGE_ID` parameter: a message id, omitted, or not a valid id.
fn any_message_arg() -> impl Strategy<Value = Arg<MessageId>> {
    prop_oneof![
        8 => any_message().prop_map(|m| Arg::Given(msg(m))),
        1 => Just(Arg::Omitted),
        1 => any_id_error().prop_map(Arg::Invalid),
    ]
}

/// A reaction kind from [`KINDS`].
fn any_kind() -> impl Strategy<Value = Reaction> {
    select(&KINDS[..])
}

fn any_verb() -> impl Strategy<Value = Verb> {
    select(&[Verb::Add, Verb::Delete][..])
}

/// A `reaction` parameter: a kind, omitted, or not a known code.
fn any_reaction_arg() -> impl Strategy<Value = Arg<Reaction, UnknownReaction>> {
    prop_oneof![
        8 => any_kind().prop_map(Arg::Given),
        1 => Just(Arg::Omitted),
        1 => Just(Arg::Invalid(UnknownReaction)),
    ]
}

/// Steps drawn from the whole universes, whatever the state.
fn blind_steps() -> Vec<(u32, BoxedStrategy<Step>)> {
    vec![
        (
            4,
            (any_user(), APP_IDS)
                .prop_map(|(bot, app)| Step::RegisterBot { bot, app })
                .boxed(),
        ),
        (
            2,
            any_user()
                .prop_map(|bot| Step::UnregisterBot { bot })
                .boxed(),
        ),
        (
            4,
            (any_chat(), proptest::collection::vec(any_user(), 0..=6))
                .prop_map(|(chat, members)| Step::OpenChat { chat, members })
                .boxed(),
        ),
        (
            1,
            any_chat().prop_map(|chat| Step::CloseChat { chat }).boxed(),
        ),
        (
            2,
            (any_chat(), any_user())
                .prop_map(|(chat, user)| Step::JoinChat { chat, user })
                .boxed(),
        ),
        (
            1,
            (any_chat(), any_user())
                .prop_map(|(chat, user)| Step::LeaveChat { chat, user })
                .boxed(),
        ),
        (
            2,
            (any_message(), any_chat(), any_user())
                .prop_map(|(message, chat, author)| Step::PostMessage {
                    message,
                    chat,
                    author,
                })
                .boxed(),
        ),
        (
            1,
            any_message()
                .prop_map(|message| Step::DeleteMessage { message })
                .boxed(),
        ),
        (
            5,
            (any_caller(), any_bot_arg(), any_message_arg(), any_action())
                .prop_map(|(app, bot, message, action)| Step::Like {
                    app,
                    bot,
                    message,
                    action,
                })
                .boxed(),
        ),
        (
            3,
            (any_user(), any_message_arg(), any_action())
                .prop_map(|(user, message, action)| Step::LikeAsUser {
                    user,
                    message,
                    action,
                })
                .boxed(),
        ),
        (
            5,
            (
                any_verb(),
                any_caller(),
                any_bot_arg(),
                any_message_arg(),
                any_reaction_arg(),
            )
                .prop_map(|(verb, app, bot, message, reaction)| Step::React {
                    verb,
                    app,
                    bot,
                    message,
                    reaction,
                })
                .boxed(),
        ),
    ]
}

thread_local! {
    /// [`blind_steps`], built once: they do not depend on the state.
    static BLIND_STEPS: Vec<(u32, BoxedStrategy<Step>)> = blind_steps();
}

/// Steps aimed at what the state holds, so that host transitions succeed
/// and fill the tables, and requests get past the early rules and reach
/// L7–L10 and V5–V8 often.
fn aimed_steps(model: &Model, steps: &mut Vec<(u32, BoxedStrategy<Step>)>) {
    let chats: Vec<u32> = model.chats.keys().copied().collect();
    if !chats.is_empty() {
        // Someone joins an open chat.
        steps.push((
            3,
            (select(chats), any_user())
                .prop_map(|(chat, user)| Step::JoinChat { chat, user })
                .boxed(),
        ));
    }

    let members: Vec<(u32, u32)> = model
        .chats
        .iter()
        .flat_map(|(&c, members)| members.iter().map(move |&u| (c, u)))
        .collect();
    if !members.is_empty() {
        // A member posts a new message in their chat, or leaves it.
        let free: Vec<u64> = MESSAGE_IDS
            .filter(|m| !model.messages.contains_key(m))
            .collect();
        steps.push((
            6,
            (select(free), select(members.clone()))
                .prop_map(|(message, (chat, author))| Step::PostMessage {
                    message,
                    chat,
                    author,
                })
                .boxed(),
        ));
        steps.push((
            2,
            select(members)
                .prop_map(|(chat, user)| Step::LeaveChat { chat, user })
                .boxed(),
        ));
    }

    let messages: Vec<u64> = model.messages.keys().copied().collect();
    if messages.is_empty() {
        return;
    }
    steps.push((
        1,
        select(messages.clone())
            .prop_map(|message| Step::DeleteMessage { message })
            .boxed(),
    ));

    let bots: Vec<(u32, u32)> = model.bots.iter().map(|(&b, &a)| (b, a)).collect();
    if !bots.is_empty() {
        // A registered bot joins the chat of a stored message.
        let chats_with_messages: Vec<u32> = model
            .messages
            .values()
            .map(|p| p.chat)
            .collect::<BTreeSet<u32>>()
            .into_iter()
            .collect();
        steps.push((
            3,
            (select(bots.clone()), select(chats_with_messages))
                .prop_map(|((bot, _), chat)| Step::JoinChat { chat, user: bot })
                .boxed(),
        ));
        // The owner of a registered bot likes a stored message through it,
        // naming the bot or leaving BOT_ID out.
        steps.push((
            10,
            (
                select(bots.clone()),
                any::<bool>(),
                select(messages.clone()),
                any_action(),
            )
                .prop_map(|((b, app), named, message, action)| Step::Like {
                    app: Some(app),
                    bot: if named {
                        Arg::Given(bot(b))
                    } else {
                        Arg::Omitted
                    },
                    message: Arg::Given(msg(message)),
                    action,
                })
                .boxed(),
        ));
        // A registered bot adds or deletes a reaction on a stored message,
        // mostly for its owner, sometimes for another caller (V3); the
        // reaction is mostly a kind, sometimes missing or unknown (V5).
        steps.push((
            8,
            (
                any_verb(),
                select(bots),
                proptest::bool::weighted(0.85),
                any_caller(),
                prop_oneof![
                    8 => select(messages).prop_map(|m| Arg::Given(msg(m))),
                    1 => any_message_arg(),
                ],
                prop_oneof![
                    18 => any_kind().prop_map(Arg::Given),
                    1 => Just(Arg::Omitted),
                    1 => Just(Arg::Invalid(UnknownReaction)),
                ],
            )
                .prop_map(
                    |(verb, (b, owner), owned, other, message, reaction)| Step::React {
                        verb,
                        app: if owned { Some(owner) } else { other },
                        bot: Arg::Given(bot(b)),
                        message,
                        reaction,
                    },
                )
                .boxed(),
        ));
    }

    // A registered bot in the chat of a stored message adds a kind it has
    // not set there yet, so that reaction sets fill up with mixed kinds
    // (V8, and L9 for the likes that follow).
    let reactors: Vec<(u32, u32, u64, Reaction)> = model
        .bots
        .iter()
        .flat_map(|(&b, &app)| {
            model.messages.iter().flat_map(move |(&m, post)| {
                let member = model
                    .chats
                    .get(&post.chat)
                    .is_some_and(|members| members.contains(&b));
                KINDS
                    .into_iter()
                    .filter(move |&kind| member && !post.has(kind, b))
                    .map(move |kind| (b, app, m, kind))
            })
        })
        .collect();
    if !reactors.is_empty() {
        steps.push((
            7,
            select(reactors)
                .prop_map(|(b, app, message, kind)| Step::React {
                    verb: Verb::Add,
                    app: Some(app),
                    bot: Arg::Given(bot(b)),
                    message: Arg::Given(msg(message)),
                    reaction: Arg::Given(kind),
                })
                .boxed(),
        ));
    }

    // A registered bot deletes a reaction it set, whether or not it is
    // still in the message's chat (V6), or adds it again (V7). For the
    // `like` kind it goes through either API: the legacy `minus` is the
    // delete of `like`, and `plus` its add.
    let setters: Vec<(u32, u32, u64, Reaction)> = model
        .messages
        .iter()
        .flat_map(|(&m, post)| {
            post.reactions
                .iter()
                .filter_map(move |&(kind, u)| model.bots.get(&u).map(|&app| (u, app, m, kind)))
        })
        .collect();
    if !setters.is_empty() {
        steps.push((
            5,
            (
                select(setters),
                proptest::bool::weighted(0.75),
                any::<bool>(),
            )
                .prop_map(|((b, app, message, kind), delete, legacy)| {
                    if legacy && kind == Reaction::Like {
                        Step::Like {
                            app: Some(app),
                            bot: Arg::Given(bot(b)),
                            message: Arg::Given(msg(message)),
                            action: if delete { Action::Minus } else { Action::Plus },
                        }
                    } else {
                        Step::React {
                            verb: if delete { Verb::Delete } else { Verb::Add },
                            app: Some(app),
                            bot: Arg::Given(bot(b)),
                            message: Arg::Given(msg(message)),
                            reaction: Arg::Given(kind),
                        }
                    }
                })
                .boxed(),
        ));
    }

    // A user likes a message of a chat they are in, or one they liked
    // before leaving.
    let likers: Vec<(u32, u64)> = model
        .messages
        .iter()
        .flat_map(|(&m, post)| {
            let members = model.chats.get(&post.chat).into_iter().flatten().copied();
            members.chain(post.likers()).map(move |u| (u, m))
        })
        .collect();
    if !likers.is_empty() {
        steps.push((
            12,
            (select(likers), any_action())
                .prop_map(|((user, message), action)| Step::LikeAsUser {
                    user,
                    message: Arg::Given(msg(message)),
                    action,
                })
                .boxed(),
        ));
    }

    // A member who does not like a message yet likes it, so that like sets
    // fill up (rule L9).
    let fans: Vec<(u32, u64)> = model
        .messages
        .iter()
        .flat_map(|(&m, post)| {
            let members = model.chats.get(&post.chat).into_iter().flatten();
            members
                .filter(|&&u| !post.has(Reaction::Like, u))
                .map(move |&u| (u, m))
        })
        .collect();
    if !fans.is_empty() {
        steps.push((
            6,
            (select(fans), select(&[Action::Plus, Action::Auto][..]))
                .prop_map(|((user, message), action)| Step::LikeAsUser {
                    user,
                    message: Arg::Given(msg(message)),
                    action,
                })
                .boxed(),
        ));
    }
}

/// The reference state machine: the model, started empty under either L2
/// policy.
struct Reference;

impl ReferenceStateMachine for Reference {
    type State = Model;
    type Transition = Step;

    fn init_state() -> BoxedStrategy<Model> {
        prop_oneof![Just(BotPolicy::Strict), Just(BotPolicy::PortalCompatible)]
            .prop_map(Model::new)
            .boxed()
    }

    fn transitions(state: &Model) -> BoxedStrategy<Step> {
        let mut options = BLIND_STEPS.with(Clone::clone);
        aimed_steps(state, &mut options);
        // A union prepares a generator for every option before the one it
        // picks: heavy options first make a step cheaper to generate.
        options.sort_by_key(|&(weight, _)| std::cmp::Reverse(weight));
        Union::new_weighted(options).boxed()
    }

    fn apply(mut state: Model, step: &Step) -> Model {
        state.last = state.step(step);
        state
    }
}

/// The engine driven alongside the model.
struct EngineTest;

impl StateMachineTest for EngineTest {
    type SystemUnderTest = Sut;
    type Reference = Reference;

    fn init_test(model: &Model) -> Sut {
        Sut::with_policy(model.policy)
    }

    fn apply(mut engine: Sut, model: &Model, step: Step) -> Sut {
        let before = engine.clone();
        let reply = run(&mut engine, &step);
        assert_eq!(
            reply, model.last,
            "engine and model answer {step:?} differently"
        );
        if reply.is_refused() {
            assert_eq!(
                engine, before,
                "the refused step {step:?} changed the engine"
            );
        }
        engine
    }

    fn check_invariants(engine: &Sut, model: &Model) {
        assert_same_state(engine, model);
    }
}

prop_state_machine! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        // Each step's weighted union seeds a fresh generator for every
        // option listed before the one it picks; XorShift keeps that cheap
        // in a debug build.
        rng_algorithm: RngAlgorithm::XorShift,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions"
        ))),
        ..ProptestConfig::default()
    })]

    /// Rules L1–L10 (section 2), the user variant (section 4), the outcome
    /// (section 3), every host transition (section 1) and the v2 checks
    /// V1–V8 with their outcome, all over one shared reaction state, agree
    /// with the reference model on random sequences under both L2 policies.
    #[test]
    fn model_legacy_and_v2_match_reference(sequential 1..=MAX_STEPS => EngineTest);
}
