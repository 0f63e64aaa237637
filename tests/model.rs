//! Model-based test of the whole engine: random sequences of host transitions
//! (contract section 1) and like requests (section 2, rules L1–L10; section
//! 4, the user variant) run against the engine and against a small reference
//! model built on std collections. After every step both must give the same
//! answer and show the same state, and a refused step must leave the engine
//! exactly as it was.
//!
//! The model re-derives every answer from the contract; it shares no code
//! with the engine. Capacities are tiny and ids come from small ranges, so
//! full tables, duplicate ids, unknown ids, members and non-members, owners
//! and foreign applications all occur often.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{bot, chat, msg, user};
use imbot_like::{
    Action, AppId, Arg, BotId, BotPolicy, Change, CloseChatError, DeleteMessageError, Engine,
    IdError, JoinChatError, LeaveChatError, LikeError, LikeRequest, MessageId, OpenChatError,
    Outcome, PostMessageError, RegisterBotError, UnregisterBotError, UserId, UserLikeRequest,
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
/// Likes on one message.
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

/// One step: a host transition or a like request, with raw ids.
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
        }
    }
}

/// A stored message in the model.
#[derive(Debug, Clone)]
struct Post {
    chat: u32,
    author: u32,
    likers: BTreeSet<u32>,
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
            likers: BTreeSet::new(),
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

    /// `im.message.like` for `user`: rules L4–L10.
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
        let likes = post.likers.contains(&user);
        let set = match (action, likes) {
            (Action::Plus, true) => return Err(LikeError::AlreadyLiked),
            (Action::Minus, false) => return Err(LikeError::NotLiked),
            (Action::Plus, false) => true,
            (Action::Minus, true) => false,
            (Action::Auto, _) => !likes,
        };
        // rule L9
        if set && post.likers.len() >= LIKES {
            return Err(LikeError::LikeSetFull);
        }
        // rule L10
        let change = if set {
            post.likers.insert(user);
            Change::Set
        } else {
            post.likers.remove(&user);
            Change::Removed
        };
        Ok(Liked {
            message: id,
            chat: post.chat,
            actor: user,
            change,
            likers: post.likers.iter().copied().collect(),
            notify: (set && post.author != user).then_some(post.author),
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
        let expected: Option<Vec<u32>> = post.map(|p| p.likers.iter().copied().collect());
        assert_eq!(likers, expected, "likers({m})");
        assert_eq!(
            engine.like_count(msg(m)),
            post.map(|p| p.likers.len()),
            "like_count({m})"
        );
        for u in USER_IDS {
            let expected = post.is_some_and(|p| p.likers.contains(&u));
            assert_eq!(
                engine.is_liked_by(msg(m), user(u)),
                expected,
                "is_liked_by({m}, {u})"
            );
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
    ]
}

thread_local! {
    /// [`blind_steps`], built once: they do not depend on the state.
    static BLIND_STEPS: Vec<(u32, BoxedStrategy<Step>)> = blind_steps();
}

/// Steps aimed at what the state holds, so that host transitions succeed
/// and fill the tables, and requests get past the early rules and reach
/// L7–L10 often.
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
            (select(bots), any::<bool>(), select(messages), any_action())
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
    }

    // A user likes a message of a chat they are in, or one they liked
    // before leaving.
    let likers: Vec<(u32, u64)> = model
        .messages
        .iter()
        .flat_map(|(&m, post)| {
            let members = model.chats.get(&post.chat).into_iter().flatten();
            members.chain(post.likers.iter()).map(move |&u| (u, m))
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
                .filter(|u| !post.likers.contains(u))
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
    /// (section 3) and every host transition (section 1) agree with the
    /// reference model on random sequences under both L2 policies.
    #[test]
    fn model_rules_l1_to_l10_and_transitions_match_reference(sequential 1..=MAX_STEPS => EngineTest);
}
