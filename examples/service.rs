//! A thread-safe service around the engine, as a wrapper crate would write
//! it: a cheap-to-clone handle over an `Arc<Mutex<ServerEngine>>` built on
//! the heap, one error type for everything the engine can refuse, and a
//! `main` that drives it from several threads at once.
//!
//! Run it with `cargo run --example service`.

use std::error::Error;
use std::fmt;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;

use imbot_like::{
    Action, AppId, BotId, ChatId, ErrorCode, LikeError, LikeRequest, MessageId, OpenChatError,
    Outcome, PostMessageError, Reaction, ReactionError, ReactionOutcome, ReactionRequest,
    RegisterBotError, ServerEngine, UserId, UserLikeRequest,
};

/// Why a service call failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServiceError {
    /// The engine could not be built: the thread that builds it did not
    /// start or did not finish.
    Start(io::Error),
    /// A like request was refused (rules L1 to L9).
    Like(LikeError),
    /// A v2 reaction request was refused (checks V1 to V8).
    Reaction(ReactionError),
    /// A bot could not be registered.
    RegisterBot(RegisterBotError),
    /// A chat could not be opened.
    OpenChat(OpenChatError),
    /// A message could not be posted.
    PostMessage(PostMessageError),
}

impl ServiceError {
    /// The like request's wire code, for an answer to a REST client.
    pub fn like_code(&self) -> Option<ErrorCode> {
        match self {
            Self::Like(e) => Some(e.code()),
            _ => None,
        }
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The cause is reported by `source`, not repeated here.
        f.write_str(match self {
            Self::Start(_) => "the engine could not be built",
            Self::Like(_) => "like refused",
            Self::Reaction(_) => "reaction refused",
            Self::RegisterBot(_) => "bot not registered",
            Self::OpenChat(_) => "chat not opened",
            Self::PostMessage(_) => "message not posted",
        })
    }
}

impl Error for ServiceError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Start(e) => Some(e),
            Self::Like(e) => Some(e),
            Self::Reaction(e) => Some(e),
            Self::RegisterBot(e) => Some(e),
            Self::OpenChat(e) => Some(e),
            Self::PostMessage(e) => Some(e),
        }
    }
}

/// `?` on an engine result inside the service.
macro_rules! from_engine_error {
    ($($variant:ident($error:ty)),+ $(,)?) => {
        $(impl From<$error> for ServiceError {
            fn from(e: $error) -> Self {
                Self::$variant(e)
            }
        })+
    };
}

from_engine_error!(
    Like(LikeError),
    Reaction(ReactionError),
    RegisterBot(RegisterBotError),
    OpenChat(OpenChatError),
    PostMessage(PostMessageError),
);

/// A handle to one shared engine; clones share it.
#[derive(Clone)]
pub struct LikeService {
    engine: Arc<Mutex<ServerEngine>>,
}

impl LikeService {
    /// An empty engine of the server sizing, on the heap.
    ///
    /// The engine is tens of MiB, more than a thread's stack: an unoptimized
    /// build moves a value through the stack before it reaches the heap.
    /// So it is built on a thread whose stack holds a few copies of it,
    /// boxed there, and moved into the `Arc` by a heap-to-heap copy.
    pub fn new() -> Result<Self, ServiceError> {
        let stack = size_of::<ServerEngine>() * 4 + (16 << 20);
        let builder = thread::Builder::new().name("engine-build".into());
        let boxed = builder
            .stack_size(stack)
            .spawn(|| Box::new(Mutex::new(ServerEngine::new())))
            .map_err(ServiceError::Start)?
            .join()
            .map_err(|_| ServiceError::Start(io::Error::other("the build thread panicked")))?;
        Ok(Self {
            engine: Arc::from(boxed),
        })
    }

    /// Locks the engine. Every engine method either changes the state in
    /// one step or not at all, and none panics, so a lock poisoned by a
    /// panic elsewhere in the holder's code still guards a consistent
    /// engine: the guard is taken back rather than the error passed on.
    fn engine(&self) -> MutexGuard<'_, ServerEngine> {
        self.engine.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a bot owned by `app`.
    pub fn register_bot(&self, bot: BotId, app: AppId) -> Result<(), ServiceError> {
        Ok(self.engine().register_bot(bot, app)?)
    }

    /// Opens a chat with its first members.
    pub fn open_chat(&self, chat: ChatId, members: &[UserId]) -> Result<(), ServiceError> {
        Ok(self.engine().open_chat(chat, members)?)
    }

    /// Records a posted message.
    pub fn post_message(
        &self,
        message: MessageId,
        chat: ChatId,
        author: UserId,
    ) -> Result<(), ServiceError> {
        Ok(self.engine().post_message(message, chat, author)?)
    }

    /// `imbot.message.like`.
    pub fn like(&self, request: &LikeRequest) -> Result<Outcome, ServiceError> {
        Ok(self.engine().like(request)?)
    }

    /// `im.message.like`.
    pub fn like_as_user(&self, request: &UserLikeRequest) -> Result<Outcome, ServiceError> {
        Ok(self.engine().like_as_user(request)?)
    }

    /// `imbot.v2.Chat.Message.Reaction.add`.
    pub fn add_reaction(&self, request: &ReactionRequest) -> Result<ReactionOutcome, ServiceError> {
        Ok(self.engine().add_reaction(request)?)
    }

    /// The users who like a message, ascending, copied out so the lock is
    /// not held while the caller reads them; `None` for an unknown message.
    pub fn likers(&self, message: MessageId) -> Option<Vec<UserId>> {
        Some(self.engine().likers(message)?.collect())
    }
}

/// An id from a literal the example knows is valid.
fn user(id: u32) -> UserId {
    UserId::new(id).expect("a non-zero user id")
}

fn main() -> Result<(), Box<dyn Error>> {
    let service = LikeService::new()?;
    let app = AppId(1);
    let bot = BotId::new(39).ok_or("bot id")?;
    let chat = ChatId::new(7).ok_or("chat id")?;
    let post = MessageId::new(1).ok_or("message id")?;
    let members: Vec<UserId> = (1..=8).map(user).chain([bot.user()]).collect();
    service.register_bot(bot, app)?;
    service.open_chat(chat, &members)?;
    service.post_message(post, chat, user(1))?;

    // Eight threads, one per member: each likes the post, then tries again.
    let workers: Vec<_> = (1..=8)
        .map(|id| {
            let service = service.clone();
            thread::spawn(move || {
                let like = UserLikeRequest::new(user(id), post).action(Action::Plus);
                let first = service.like_as_user(&like);
                let second = service.like_as_user(&like);
                (first.map(|o| o.count), second.map(|o| o.count))
            })
        })
        .collect();
    let mut counts = Vec::new();
    for worker in workers {
        let (first, second) = worker.join().map_err(|_| "a worker panicked")?;
        counts.push(first?);
        let refused = second.expect_err("a second plus changes nothing");
        assert_eq!(refused.like_code(), Some(ErrorCode::WithoutChanges));
    }
    counts.sort_unstable();
    println!("like counts the eight users saw: {counts:?}");
    assert_eq!(counts, (1..=8).collect::<Vec<_>>());

    // The bot, from the application's side, with BOT_ID omitted.
    let outcome = service.like(&LikeRequest::new(post).app(app))?;
    println!("the bot likes it too: {} likes", outcome.count);

    // A v2 reaction on the same state.
    let fire = ReactionRequest::new(bot, post, Reaction::Fire).app(app);
    let reacted = service.add_reaction(&fire)?;
    println!(
        "the bot adds `{}`: {} of that kind",
        reacted.reaction, reacted.count
    );

    // A refusal, reported through the error chain.
    let stranger = UserLikeRequest::new(user(99), post).action(Action::Plus);
    if let Err(e) = service.like_as_user(&stranger) {
        let cause = e.source().map(ToString::to_string).unwrap_or_default();
        println!("user 99: {e}: {cause} (wire code {:?})", e.like_code());
        assert!(matches!(e, ServiceError::Like(LikeError::NotAMember)));
    }
    let likers = service.likers(post).ok_or("the post exists")?;
    println!(
        "likers: {:?}",
        likers.iter().map(|u| u.get()).collect::<Vec<_>>()
    );
    assert_eq!(likers.len(), 9);
    Ok(())
}
