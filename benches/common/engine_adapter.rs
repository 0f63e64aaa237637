//! Everything the workload benchmarks know of the engine's API: build the
//! world, prepare a request, apply it and turn the result into an [`Answer`].

use imbot_like::{
    AppId, BotId, Capacity, Change, ChatId, LikeError, LikeRequest, MessageId, Server,
    ServerEngine, Sizing, UserId, pool_for,
};

use crate::workload::{Act, Answer, BOTS, CHATS, Code, FIRST_BOT, Reason, Request, USER};
use crate::workload::{chat_of, is_member, owner};

/// An engine sized for `N` messages, as a host sizes it for its load:
/// 128 bots, 256 chats of up to 64 members, up to 64 reactions a message
/// (every member of a workload chat may like), and a pool of `P` entries.
type Sized<const N: usize, const P: usize> = imbot_like::Engine<Capacity<128, 256, 64, N, 64, P>>;

/// The engine under test, sized for the workload's N: the named server
/// sizing for a million messages, a sizing of exactly N messages below.
pub enum Engine {
    /// 256 messages; a pool that can never run out.
    N256(Box<Sized<256, { pool_for(256, 64) }>>),
    /// 4,096 messages; a pool that can never run out.
    N4096(Box<Sized<4096, { pool_for(4096, 64) }>>),
    /// 65,536 messages; a pool of 16 entries a message.
    N65536(Box<Sized<65_536, { 1 << 20 }>>),
    /// The named server sizing, 1,048,576 messages.
    Server(Box<ServerEngine>),
}

/// The most messages [`Engine`] holds.
pub const MAX_MESSAGES: u64 = 1 << 20;

/// Likes one message holds (rule L9) in the sizing for `n` messages; the
/// peers get the same limit.
pub fn like_cap(n: u64) -> usize {
    if n > 65_536 { Server::LIKES } else { 64 }
}

/// The workload's world with messages `1..=n`, on the heap.
pub fn build(n: u64) -> Box<Engine> {
    Box::new(match n {
        0..=256 => Engine::N256(fill(n)),
        257..=4096 => Engine::N4096(fill(n)),
        4097..=65_536 => Engine::N65536(fill(n)),
        _ => Engine::Server(fill(n)),
    })
}

/// The workload's world with messages `1..=n` in the named server sizing
/// (128 members a chat, a like mask of two words), whatever `n`.
#[allow(dead_code, reason = "the instruction bench only")]
pub fn build_server(n: u64) -> Box<Engine> {
    Box::new(Engine::Server(fill(n)))
}

/// Builds the world on a thread whose stack holds a few copies of the
/// engine: `Box::default` builds the value on the stack before moving it.
fn fill<S: Sizing>(n: u64) -> Box<imbot_like::Engine<S>> {
    let stack = size_of::<imbot_like::Engine<S>>() * 4 + (16 << 20);
    let builder = std::thread::Builder::new().stack_size(stack);
    let worker = builder.spawn(move || fill_here::<S>(n)).expect("thread");
    worker.join().expect("the world builds")
}

fn fill_here<S: Sizing>(n: u64) -> Box<imbot_like::Engine<S>> {
    let mut engine = Box::<imbot_like::Engine<S>>::default();
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

/// Applies one request (the match on the sizing is one predictable
/// branch).
pub fn apply(engine: &mut Engine, request: &LikeRequest) -> Answer {
    let result = match engine {
        Engine::N256(e) => e.like(request),
        Engine::N4096(e) => e.like(request),
        Engine::N65536(e) => e.like(request),
        Engine::Server(e) => e.like(request),
    };
    answer(result)
}

/// One engine answer, as `like_batch` writes it.
pub type Result = std::result::Result<imbot_like::Outcome, LikeError>;

/// Applies requests through `like_batch` into `results` (as long as
/// `requests`).
#[allow(
    dead_code,
    reason = "the instruction bench uses the one-by-one path only"
)]
pub fn apply_batch(engine: &mut Engine, requests: &[LikeRequest], results: &mut [Result]) {
    match engine {
        Engine::N256(e) => e.like_batch(requests, results),
        Engine::N4096(e) => e.like_batch(requests, results),
        Engine::N65536(e) => e.like_batch(requests, results),
        Engine::Server(e) => e.like_batch(requests, results),
    };
}

/// A result as an [`Answer`].
pub fn answer(result: Result) -> Answer {
    match result {
        Ok(outcome) => Answer::Done {
            set: outcome.change == Change::Set,
            count: outcome.count,
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
