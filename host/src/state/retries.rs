//! Retry windows, one per caller: each application's and each webhook's
//! last [`KEYS_PER_CALLER`] keyed like and reaction requests with their
//! answers.
//!
//! A caller's keys live in its own window, so the same key text sent by
//! two callers names two requests, and a caller sending fresh keys
//! without end only ever forgets its own oldest keys: another caller's
//! retry is answered from the window however busy the others are. The
//! windows are part of the host's state (logged commands rebuild them;
//! the host snapshot holds them), so a retry after a restart, or on
//! another node of a cluster, gets the first answer.

use std::collections::{BTreeMap, HashMap, VecDeque};

use imbot_like::{
    Applied, CommandError, IdempotencyKey, LikeError, LikeRequest, Outcome, ReactionError,
    ReactionOutcome, ReactionRequest, UserLikeRequest,
};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;

use super::command::EngineCommand;

/// How many keys each caller's window remembers; its oldest key is
/// forgotten when a new one comes in a full window.
pub const KEYS_PER_CALLER: usize = 4096;

/// A like or reaction request that can be sent under a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Keyed {
    /// `imbot.message.like`.
    Like(LikeRequest),
    /// `im.message.like`.
    LikeAsUser(UserLikeRequest),
    /// `imbot.v2.Chat.Message.Reaction.add`.
    AddReaction(ReactionRequest),
    /// `imbot.v2.Chat.Message.Reaction.delete`.
    DeleteReaction(ReactionRequest),
}

impl Keyed {
    /// The engine command that runs the request.
    #[must_use]
    pub fn command(self) -> EngineCommand {
        match self {
            Self::Like(r) => EngineCommand::Like(r),
            Self::LikeAsUser(r) => EngineCommand::LikeAsUser(r),
            Self::AddReaction(r) => EngineCommand::AddReaction(r),
            Self::DeleteReaction(r) => EngineCommand::DeleteReaction(r),
        }
    }

    /// The refusal of this request under a key remembered with another.
    fn key_reused(self) -> CommandError {
        match self {
            Self::Like(_) | Self::LikeAsUser(_) => CommandError::Like(LikeError::KeyReused),
            Self::AddReaction(_) | Self::DeleteReaction(_) => {
                CommandError::Reaction(ReactionError::KeyReused)
            }
        }
    }
}

/// A remembered request and the answer it got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Kept {
    request: Keyed,
    answer: KeptAnswer,
}

/// A like's or a reaction's answer, accepted or refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum KeptAnswer {
    Like(Result<Outcome, LikeError>),
    Reaction(Result<ReactionOutcome, ReactionError>),
}

impl KeptAnswer {
    /// The answer to keep of an engine result (`None` for a result no
    /// like or reaction command gives).
    fn of(result: &Result<Applied, CommandError>) -> Option<Self> {
        match result {
            Ok(Applied::Liked(outcome)) => Some(Self::Like(Ok(*outcome))),
            Ok(Applied::Reacted(outcome)) => Some(Self::Reaction(Ok(*outcome))),
            Err(CommandError::Like(e)) => Some(Self::Like(Err(*e))),
            Err(CommandError::Reaction(e)) => Some(Self::Reaction(Err(*e))),
            _ => None,
        }
    }

    /// The engine result it stands for.
    fn result(self) -> Result<Applied, CommandError> {
        match self {
            Self::Like(answer) => answer.map(Applied::Liked).map_err(CommandError::Like),
            Self::Reaction(answer) => answer.map(Applied::Reacted).map_err(CommandError::Reaction),
        }
    }
}

/// Every caller's window, by caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Retries {
    windows: BTreeMap<Caller, Window>,
}

/// One caller's window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Window {
    /// Keys in arrival order, oldest first.
    order: VecDeque<IdempotencyKey>,
    kept: HashMap<IdempotencyKey, Kept>,
}

/// What a keyed request meets in its caller's window.
pub(crate) enum Recall {
    /// A retry: the first answer.
    Answered(Result<Applied, CommandError>),
    /// The key was used for another request: refused, nothing changes.
    Reused(CommandError),
    /// A new key: the request runs.
    New,
}

/// The windows as the host snapshot stores them: callers ascending, each
/// window's keys oldest first.
pub(crate) type RetriesSection = Vec<(Caller, Vec<(IdempotencyKey, Kept)>)>;

impl Retries {
    /// What `request` under `caller`'s `key` meets.
    pub(crate) fn recall(&self, caller: &Caller, key: IdempotencyKey, request: Keyed) -> Recall {
        let kept = self
            .windows
            .get(caller)
            .and_then(|window| window.kept.get(&key));
        match kept {
            None => Recall::New,
            Some(kept) if kept.request == request => Recall::Answered(kept.answer.result()),
            Some(_) => Recall::Reused(request.key_reused()),
        }
    }

    /// Remembers `request`'s answer under `caller`'s new `key`, forgetting
    /// that caller's oldest key when its window is full.
    pub(crate) fn remember(
        &mut self,
        caller: &Caller,
        key: IdempotencyKey,
        request: Keyed,
        result: &Result<Applied, CommandError>,
    ) {
        let Some(answer) = KeptAnswer::of(result) else {
            return;
        };
        let window = self.windows.entry(caller.clone()).or_default();
        if window.order.len() == KEYS_PER_CALLER {
            if let Some(oldest) = window.order.pop_front() {
                window.kept.remove(&oldest);
            }
        }
        window.order.push_back(key);
        window.kept.insert(key, Kept { request, answer });
    }

    /// How many keys `caller`'s window holds.
    #[cfg(test)]
    pub(crate) fn len(&self, caller: &Caller) -> usize {
        self.windows.get(caller).map_or(0, |w| w.order.len())
    }

    /// The windows for the host snapshot.
    pub(crate) fn section(&self) -> RetriesSection {
        self.windows
            .iter()
            .map(|(caller, window)| {
                let keys = window
                    .order
                    .iter()
                    .filter_map(|key| Some((*key, *window.kept.get(key)?)))
                    .collect();
                (caller.clone(), keys)
            })
            .collect()
    }

    /// The windows a snapshot stored.
    ///
    /// # Errors
    /// Callers out of order or repeated, a window over
    /// [`KEYS_PER_CALLER`], empty, or holding a key twice.
    pub(crate) fn from_section(section: RetriesSection) -> Result<Self, String> {
        let mut windows = BTreeMap::new();
        for (caller, keys) in section {
            if windows
                .keys()
                .next_back()
                .is_some_and(|last| *last >= caller)
            {
                return Err("retry windows: callers not in ascending order".into());
            }
            if keys.is_empty() || keys.len() > KEYS_PER_CALLER {
                return Err(format!("retry windows: {} keys for one caller", keys.len()));
            }
            let mut window = Window::default();
            for (key, kept) in keys {
                if window.kept.insert(key, kept).is_some() {
                    return Err("retry windows: a key held twice".into());
                }
                window.order.push_back(key);
            }
            windows.insert(caller, window);
        }
        Ok(Self { windows })
    }
}

#[cfg(test)]
mod tests {
    use imbot_like::{Action, AppId, BotId, MessageId};

    use super::*;

    fn like(message: u64) -> Keyed {
        let message = MessageId::new(message).unwrap();
        Keyed::Like(
            LikeRequest::new(message)
                .app(AppId(1))
                .bot(BotId::new(39).unwrap())
                .action(Action::Plus),
        )
    }

    fn liked() -> Result<Applied, CommandError> {
        Err(CommandError::Like(LikeError::AlreadyLiked))
    }

    fn key(n: u32) -> IdempotencyKey {
        IdempotencyKey::from_text(&n.to_string())
    }

    #[test]
    fn a_callers_flood_forgets_only_its_own_keys() {
        let (quiet, busy) = (Caller::App(AppId(1)), Caller::App(AppId(2)));
        let mut retries = Retries::default();
        retries.remember(&quiet, key(0), like(1), &liked());
        for n in 0..(KEYS_PER_CALLER as u32 + 10) {
            retries.remember(&busy, key(n), like(1), &liked());
        }
        assert!(matches!(
            retries.recall(&quiet, key(0), like(1)),
            Recall::Answered(_)
        ));
        assert_eq!(retries.len(&busy), KEYS_PER_CALLER);
        assert!(matches!(
            retries.recall(&busy, key(0), like(1)),
            Recall::New
        ));
        assert!(matches!(
            retries.recall(&busy, key(10), like(1)),
            Recall::Answered(_)
        ));
    }

    #[test]
    fn the_same_key_of_two_callers_names_two_requests() {
        let (a, b) = (Caller::App(AppId(1)), Caller::App(AppId(2)));
        let mut retries = Retries::default();
        retries.remember(&a, key(7), like(1), &liked());
        assert!(matches!(retries.recall(&b, key(7), like(2)), Recall::New));
        assert!(matches!(
            retries.recall(&a, key(7), like(2)),
            Recall::Reused(CommandError::Like(LikeError::KeyReused))
        ));
    }

    #[test]
    fn windows_survive_their_section_in_order() {
        let mut retries = Retries::default();
        for n in 0..5 {
            retries.remember(
                &Caller::App(AppId(n % 2 + 1)),
                key(n),
                like(u64::from(n) + 1),
                &liked(),
            );
        }
        let back = Retries::from_section(retries.section()).unwrap();
        assert_eq!(back, retries);
        assert_eq!(back.section(), retries.section());
    }

    #[test]
    fn a_section_with_a_repeated_key_or_caller_is_refused() {
        let kept = Kept {
            request: like(1),
            answer: KeptAnswer::Like(Err(LikeError::AlreadyLiked)),
        };
        let app = Caller::App(AppId(1));
        let twice = vec![(app.clone(), vec![(key(1), kept), (key(1), kept)])];
        assert!(Retries::from_section(twice).is_err());
        let repeated = vec![
            (app.clone(), vec![(key(1), kept)]),
            (app, vec![(key(2), kept)]),
        ];
        assert!(Retries::from_section(repeated).is_err());
    }
}
