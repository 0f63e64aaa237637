//! The rows the engine's tables hold: a chat with its member list and a
//! message with its likes and its place in the reaction pool.
//!
//! Both row types are public only because the sizing names them in its
//! backing arrays; they are hidden and not covered by semver.

mod chat;
mod message;

pub use chat::ChatRow;
pub(crate) use chat::MemberEdit;
pub(crate) use message::AddError;
pub use message::MessageRow;
