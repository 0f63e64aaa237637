//! Everything the workload benchmarks know of the engine's API: build the
//! world, prepare a request, apply it and turn the result into an [`Answer`].

use imbot_like::{AppId, BotId, Change, ChatId, LikeError, LikeRequest, MessageId, UserId};

use crate::workload::{Act, Answer, BOTS, CHATS, Code, FIRST_BOT, Reason, Request, USER};
use crate::workload::{chat_of, is_member, owner};

/// The engine sizing under test.
pub type Engine = imbot_like::ServerEngine;
/// The most messages [`Engine`] holds: larger worlds run the std peers only.
pub const MAX_MESSAGES: u64 = 65_536;
/// Likes one message holds (rule L9); the peers get the same limit.
pub const LIKE_CAP: usize = 32;

/// The workload's world with messages `1..=n`, on the heap.
pub fn build(n: u64) -> Box<Engine> {
    let mut engine = Box::<Engine>::default();
    let user = UserId::new(USER).expect("user id");
    for i in 0..BOTS {
        let bot = BotId::new(FIRST_BOT + i).expect("bot id");
        engine.register_bot(bot, AppId(owner(i))).expect("bot");
    }
    for c in 0..CHATS {
        let bots = (0..BOTS).filter(|&i| is_member(i, c));
        let members = bots
            .filter_map(|i| UserId::new(FIRST_BOT + i))
            .chain([user]);
        let members: Vec<UserId> = members.collect();
        let chat = ChatId::new(c + 1).expect("chat id");
        engine.open_chat(chat, &members).expect("chat");
    }
    for m in 1..=n {
        let chat = ChatId::new(chat_of(m)).expect("chat id");
        let id = MessageId::new(m).expect("message id");
        engine.post_message(id, chat, user).expect("message");
    }
    engine
}

/// The request in the engine's types, built before timing as a server
/// would when it parses the call.
pub fn prepare(r: &Request) -> LikeRequest {
    let action = match r.action {
        Act::Plus => imbot_like::Action::Plus,
        Act::Minus => imbot_like::Action::Minus,
        Act::Auto => imbot_like::Action::Auto,
    };
    let message = MessageId::try_from(r.message);
    let bot = BotId::new(r.bot).expect("bot id");
    LikeRequest::new(message)
        .app(AppId(r.app))
        .bot(bot)
        .action(action)
}

/// Applies one request.
pub fn apply(engine: &mut Engine, request: &LikeRequest) -> Answer {
    match engine.like(request) {
        Ok(outcome) => Answer::Done {
            set: outcome.change == Change::Set,
            count: outcome.likers.len(),
        },
        Err(e) => Answer::Refused {
            code: code(e),
            reason: reason(e),
        },
    }
}

fn code(e: LikeError) -> Code {
    match e.code() {
        imbot_like::ErrorCode::BotIdError => Code::BotId,
        imbot_like::ErrorCode::AppIdError => Code::AppId,
        imbot_like::ErrorCode::MessageIdError => Code::MessageId,
        imbot_like::ErrorCode::WithoutChanges => Code::WithoutChanges,
        other => panic!("a wire code the workload does not know: {other:?}"),
    }
}

fn reason(e: LikeError) -> Reason {
    match e {
        LikeError::BotNotFound => Reason::BotNotFound,
        LikeError::ForeignBot => Reason::ForeignBot,
        LikeError::MessageIdInvalid(_) => Reason::MessageIdInvalid,
        LikeError::MessageNotFound => Reason::MessageNotFound,
        LikeError::NotAMember => Reason::NotAMember,
        LikeError::AlreadyLiked => Reason::AlreadyLiked,
        LikeError::NotLiked => Reason::NotLiked,
        LikeError::LikeSetFull => Reason::LikeSetFull,
        other => Reason::Other(other.rule()),
    }
}
