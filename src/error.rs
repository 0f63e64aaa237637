//! Wire error codes, the precise reasons behind them, and the errors of the
//! host-side transitions.

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::IdError;

/// The error codes `imbot.message.like` answers with on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ErrorCode {
    /// `BOT_ID_ERROR`: chatbot not found (rules L1, L2).
    BotIdError,
    /// `APP_ID_ERROR`: the chatbot does not belong to the calling
    /// application (rule L3).
    AppIdError,
    /// `MESSAGE_ID_ERROR`: the message id is missing or invalid (rule L4).
    MessageIdError,
    /// `WITHOUT_CHANGES`: the like status did not change (rules L6 to L9).
    WithoutChanges,
    /// `IDEMPOTENCY_KEY_REUSED`: the request's idempotency key was already
    /// used for another request. This crate's code: portals take no keys.
    IdempotencyKeyReused,
}

impl ErrorCode {
    /// The code as sent in the `error` field: `"BOT_ID_ERROR"` and so on.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BotIdError => "BOT_ID_ERROR",
            Self::AppIdError => "APP_ID_ERROR",
            Self::MessageIdError => "MESSAGE_ID_ERROR",
            Self::WithoutChanges => "WITHOUT_CHANGES",
            Self::IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
        }
    }

    /// The text portals send in the `error_description` field.
    #[must_use]
    pub const fn description(self) -> &'static str {
        match self {
            Self::BotIdError => "Bot not found",
            Self::AppIdError => "Bot was installed by another rest application",
            Self::MessageIdError => "Message ID can't be empty",
            Self::WithoutChanges => "Action completed without changes",
            Self::IdempotencyKeyReused => "Idempotency key was already used for another request",
        }
    }

    /// The HTTP status: 400, as portals answer every code, but 422 for
    /// `IDEMPOTENCY_KEY_REUSED` (well-formed, but in conflict with an
    /// earlier request).
    #[must_use]
    pub const fn http_status(self) -> u16 {
        match self {
            Self::IdempotencyKeyReused => 422,
            _ => 400,
        }
    }
}

/// The method page's explanation of the code.
impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::BotIdError => "Chatbot not found.",
            Self::AppIdError => {
                "Chatbot does not belong to this application. Only chatbots \
                 installed within the application can be used."
            }
            Self::MessageIdError => "Message identifier not provided.",
            Self::WithoutChanges => "The \"Like\" status did not change after the call.",
            Self::IdempotencyKeyReused => {
                "The idempotency key was already used for a request with other \
                 parameters or another method."
            }
        })
    }
}

/// Why a like request was refused: the precise reason. [`LikeError::code`]
/// gives the wire code and [`LikeError::rule`] the contract rule that decided.
///
/// ```
/// use imbot_like::{ErrorCode, LikeError};
///
/// let refused = LikeError::NotAMember;
/// assert_eq!(refused.rule(), 7);
/// assert_eq!(refused.code(), ErrorCode::WithoutChanges);
/// // What a REST host sends, with HTTP status 400:
/// assert_eq!(refused.code().as_str(), "WITHOUT_CHANGES");
/// assert_eq!(refused.code().description(), "Action completed without changes");
/// assert_eq!(refused.code().http_status(), 400);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum LikeError {
    /// L1: `BOT_ID` names no registered bot.
    BotNotFound,
    /// L1: `BOT_ID` is not a valid id.
    BotIdInvalid(IdError),
    /// L2: `BOT_ID` was omitted and the caller's application owns no bot.
    NoBotForApp,
    /// L2: `BOT_ID` was omitted and the caller's application owns several
    /// bots, so the id is required (strict policy only).
    BotIdRequired,
    /// L3: the bot belongs to another application (or the caller has none).
    ForeignBot,
    /// L4: `MESSAGE_ID` was not sent.
    MessageIdMissing,
    /// L4: `MESSAGE_ID` is not a valid id.
    MessageIdInvalid(IdError),
    /// L6: no message has this id.
    MessageNotFound,
    /// L7: the acting user is not a member of the message's chat.
    NotAMember,
    /// L8: `plus` on a message the user already likes.
    AlreadyLiked,
    /// L8: `minus` on a message the user does not like.
    NotLiked,
    /// L9: the message's like set is at capacity.
    LikeSetFull,
    /// L9: the engine's shared reaction pool has no room for the message's
    /// set to grow (a sizing whose pool is smaller than the most it could
    /// use; see [`Capacity`](crate::Capacity)). Nothing changed; the host
    /// may raise the pool's capacity.
    PoolFull,
    /// Before the rules: the idempotency key of a keyed request
    /// ([`Engine::like_keyed`](crate::Engine::like_keyed)) is remembered
    /// with another request or method. Nothing changed.
    KeyReused,
}

impl LikeError {
    /// The wire code this reason is answered with.
    #[must_use]
    pub const fn code(self) -> ErrorCode {
        match self {
            Self::BotNotFound | Self::BotIdInvalid(_) | Self::NoBotForApp | Self::BotIdRequired => {
                ErrorCode::BotIdError
            }
            Self::ForeignBot => ErrorCode::AppIdError,
            Self::MessageIdMissing | Self::MessageIdInvalid(_) => ErrorCode::MessageIdError,
            Self::MessageNotFound
            | Self::NotAMember
            | Self::AlreadyLiked
            | Self::NotLiked
            | Self::LikeSetFull
            | Self::PoolFull => ErrorCode::WithoutChanges,
            Self::KeyReused => ErrorCode::IdempotencyKeyReused,
        }
    }

    /// The number of the contract rule that refused the request (1 to 9),
    /// or 0 for [`LikeError::KeyReused`], which is decided before the
    /// rules.
    #[must_use]
    pub const fn rule(self) -> u8 {
        match self {
            Self::BotNotFound | Self::BotIdInvalid(_) => 1,
            Self::NoBotForApp | Self::BotIdRequired => 2,
            Self::ForeignBot => 3,
            Self::MessageIdMissing | Self::MessageIdInvalid(_) => 4,
            Self::MessageNotFound => 6,
            Self::NotAMember => 7,
            Self::AlreadyLiked | Self::NotLiked => 8,
            Self::LikeSetFull | Self::PoolFull => 9,
            Self::KeyReused => 0,
        }
    }
}

impl fmt::Display for LikeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BotNotFound => f.write_str("bot not found"),
            Self::BotIdInvalid(e) => write!(f, "BOT_ID is invalid: {e}"),
            Self::NoBotForApp => f.write_str("the application owns no bot"),
            Self::BotIdRequired => {
                f.write_str("the application owns several bots, so BOT_ID is required")
            }
            Self::ForeignBot => f.write_str("the bot belongs to another application"),
            Self::MessageIdMissing => f.write_str("MESSAGE_ID is missing"),
            Self::MessageIdInvalid(e) => write!(f, "MESSAGE_ID is invalid: {e}"),
            Self::MessageNotFound => f.write_str("message not found"),
            Self::NotAMember => f.write_str("not a member of the message's chat"),
            Self::AlreadyLiked => f.write_str("the message is already liked"),
            Self::NotLiked => f.write_str("the message is not liked"),
            Self::LikeSetFull => f.write_str("the message's like set is full"),
            Self::PoolFull => f.write_str("the engine's reaction pool is full"),
            Self::KeyReused => {
                f.write_str("the idempotency key was already used for another request")
            }
        }
    }
}

impl core::error::Error for LikeError {}

/// Declares a host-transition error: a `Copy` enum whose variants each have
/// a static description, with `Display` and `core::error::Error`.
macro_rules! transition_error {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $text:literal, )+ }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "defmt", derive(defmt::Format))]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// A short static description of the error.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( Self::$variant => $text, )+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl core::error::Error for $name {}
    };
}

transition_error! {
    /// Why a bot could not be registered.
    RegisterBotError {
        /// A bot with this id is already registered.
        AlreadyRegistered => "bot already registered",
        /// The bot table is full.
        TableFull => "bot table full",
    }
}

transition_error! {
    /// Why a bot could not be unregistered.
    UnregisterBotError {
        /// No bot with this id is registered.
        UnknownBot => "unknown bot",
    }
}

transition_error! {
    /// Why a chat could not be opened.
    OpenChatError {
        /// A chat with this id is already open.
        AlreadyOpen => "chat already open",
        /// The initial members do not fit in one chat.
        TooManyMembers => "too many members for one chat",
        /// The chat table is full.
        TableFull => "chat table full",
    }
}

transition_error! {
    /// Why a chat could not be closed.
    CloseChatError {
        /// No chat with this id is open.
        UnknownChat => "unknown chat",
    }
}

transition_error! {
    /// Why a user could not join a chat.
    JoinChatError {
        /// No chat with this id is open.
        UnknownChat => "unknown chat",
        /// The user is already a member.
        AlreadyMember => "already a member",
        /// The chat's member list is full.
        ChatFull => "chat member list full",
    }
}

transition_error! {
    /// Why a user could not leave a chat.
    LeaveChatError {
        /// No chat with this id is open.
        UnknownChat => "unknown chat",
        /// The user is not a member.
        NotAMember => "not a member",
    }
}

transition_error! {
    /// Why a message could not be posted.
    PostMessageError {
        /// A message with this id already exists.
        AlreadyExists => "message already exists",
        /// No chat with this id is open.
        UnknownChat => "unknown chat",
        /// The author is not a member of the chat.
        AuthorNotMember => "author is not a member of the chat",
        /// The message table is full.
        TableFull => "message table full",
    }
}

transition_error! {
    /// Why a message could not be deleted.
    DeleteMessageError {
        /// No message has this id.
        UnknownMessage => "unknown message",
    }
}
