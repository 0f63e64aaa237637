//! The like handler a server author would write with std collections:
//! rules L1 to L10 for a request with `BOT_ID` given.
//!
//! Bots map id to owning app, chats map id to their member set, messages map
//! id to chat, author and the likers as a sorted `Vec` (portals report them
//! ascending). The handler is generic over the hasher so the same code runs
//! with std's default SipHash ([`SipHandler`]) and with rustc-hash's Fx
//! ([`FxHandler`]).

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;

use rustc_hash::FxBuildHasher;

use crate::workload::{
    Act, Answer, BOTS, CHATS, Code, FIRST_BOT, Reason, Request, USER, chat_of, is_member, owner,
};

/// The largest message id portals use (signed 64-bit).
const MAX_MESSAGE: u64 = i64::MAX.unsigned_abs();

/// A stored message.
struct Message {
    chat: u32,
    /// Kept for the author notification a full handler sends; the answer
    /// compared here does not include it.
    #[allow(dead_code)]
    author: u32,
    /// User ids that like the message, ascending.
    likers: Vec<u32>,
}

/// The std handler over hasher `S`.
pub struct StdHandler<S> {
    bots: HashMap<u32, u32, S>,
    chats: HashMap<u32, HashSet<u32, S>, S>,
    messages: HashMap<u64, Message, S>,
    /// Likes one message may hold (rule L9).
    like_cap: usize,
}

/// With std's default hasher (SipHash-1-3, randomly keyed).
pub type SipHandler = StdHandler<RandomState>;
/// With rustc-hash's Fx hasher.
pub type FxHandler = StdHandler<FxBuildHasher>;

/// A refusal with its wire code.
fn refuse(code: Code, reason: Reason) -> Answer {
    Answer::Refused { code, reason }
}

impl<S: BuildHasher + Default> StdHandler<S> {
    /// The workload's world with messages `1..=n`, each holding at most
    /// `like_cap` likes.
    pub fn build(n: u64, like_cap: usize) -> Self {
        let bots = (0..BOTS).map(|i| (FIRST_BOT + i, owner(i))).collect();
        let chats = (0..CHATS)
            .map(|c| {
                let bots = (0..BOTS)
                    .filter(|&i| is_member(i, c))
                    .map(|i| FIRST_BOT + i);
                let members = bots.chain([USER]).collect();
                (c + 1, members)
            })
            .collect();
        let mut messages = HashMap::with_capacity_and_hasher(n as usize, S::default());
        for m in 1..=n {
            let row = Message {
                chat: chat_of(m),
                author: USER,
                likers: Vec::new(),
            };
            messages.insert(m, row);
        }
        Self {
            bots,
            chats,
            messages,
            like_cap,
        }
    }

    /// Applies one `imbot.message.like` call.
    pub fn apply(&mut self, request: &Request) -> Answer {
        // L1, L3.
        match self.bots.get(&request.bot) {
            None => return refuse(Code::BotId, Reason::BotNotFound),
            Some(&app) if app != request.app => return refuse(Code::AppId, Reason::ForeignBot),
            Some(_) => {}
        }
        // L4.
        if request.message == 0 || request.message > MAX_MESSAGE {
            return refuse(Code::MessageId, Reason::MessageIdInvalid);
        }
        // L6.
        let Some(message) = self.messages.get_mut(&request.message) else {
            return refuse(Code::WithoutChanges, Reason::MessageNotFound);
        };
        // L7.
        let member = self
            .chats
            .get(&message.chat)
            .is_some_and(|members| members.contains(&request.bot));
        if !member {
            return refuse(Code::WithoutChanges, Reason::NotAMember);
        }
        let likers = &mut message.likers;
        match (likers.binary_search(&request.bot), request.action) {
            // L8.
            (Ok(_), Act::Plus) => refuse(Code::WithoutChanges, Reason::AlreadyLiked),
            (Err(_), Act::Minus) => refuse(Code::WithoutChanges, Reason::NotLiked),
            // L9.
            (Err(_), _) if likers.len() >= self.like_cap => {
                refuse(Code::WithoutChanges, Reason::LikeSetFull)
            }
            // L10.
            (Ok(at), _) => {
                likers.remove(at);
                Answer::Done {
                    set: false,
                    count: likers.len(),
                }
            }
            (Err(at), _) => {
                likers.insert(at, request.bot);
                Answer::Done {
                    set: true,
                    count: likers.len(),
                }
            }
        }
    }
}
