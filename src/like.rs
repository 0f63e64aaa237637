//! The like path: rules L1 to L10.
//!
//! Checks run in the contract's order and the first failure decides. The
//! only mutation is the single insert or remove in [`Engine::apply_like`],
//! after every check has passed, so an error leaves the state unchanged.

use crate::access::{BotDenied, MessageDenied, Reachable};
use crate::action::Action;
use crate::engine::Engine;
use crate::error::LikeError;
use crate::ids::{AppId, Arg, BotId, MessageId, UserId};
use crate::outcome::{Change, Outcome};
use crate::request::{BotPolicy, LikeRequest, UserLikeRequest};
use crate::sizing::Sizing;
use crate::store::AddError;

impl<S: Sizing> Engine<S> {
    /// Applies an `imbot.message.like` call: rules L1 to L10.
    ///
    /// # Errors
    /// The first rule that fails, in this order: L1 [`LikeError::BotNotFound`],
    /// [`LikeError::BotIdInvalid`]; L2 [`LikeError::NoBotForApp`],
    /// [`LikeError::BotIdRequired`]; L3 [`LikeError::ForeignBot`];
    /// L4 [`LikeError::MessageIdMissing`], [`LikeError::MessageIdInvalid`];
    /// L6 [`LikeError::MessageNotFound`]; L7 [`LikeError::NotAMember`];
    /// L8 [`LikeError::AlreadyLiked`], [`LikeError::NotLiked`];
    /// L9 [`LikeError::LikeSetFull`], [`LikeError::PoolFull`]. On error
    /// nothing changes.
    ///
    /// # Cost
    /// O(1) expected with `BOT_ID` given; O(BOTS) with it omitted (rule L2
    /// scans the bot table). The membership test is a probe of the chat's
    /// member index and the like is one bit, so the rest is O(1) expected,
    /// plus O(LIKES) when the message's pool block grows.
    pub fn like(&mut self, request: &LikeRequest) -> Result<Outcome, LikeError> {
        let bot = self.resolve_bot(request.app, request.bot)?;
        let message = require_message(request.message)?;
        self.apply_like(bot.user(), message, request.action)
    }

    /// Applies an `im.message.like` call by a human user: rules L4 to L10
    /// (a user needs no bot and no application).
    ///
    /// # Errors
    /// As [`Engine::like`] from rule L4 on. On error nothing changes.
    ///
    /// # Cost
    /// O(1) expected, plus O(LIKES) when the message's pool block grows.
    pub fn like_as_user(&mut self, request: &UserLikeRequest) -> Result<Outcome, LikeError> {
        let message = require_message(request.message)?;
        self.apply_like(request.user, message, request.action)
    }

    /// Rules L1 to L3: the bot that acts for the caller.
    fn resolve_bot(&self, app: Option<AppId>, bot: Arg<BotId>) -> Result<BotId, LikeError> {
        let bot = match bot {
            Arg::Given(bot) => bot,
            Arg::Invalid(e) => return Err(LikeError::BotIdInvalid(e)),
            // A bot chosen among the app's own passes rule L3 by construction.
            Arg::Omitted => return self.select_bot(app),
        };
        match self.check_bot(app, bot) {
            Ok(()) => Ok(bot),
            Err(BotDenied::Unknown) => Err(LikeError::BotNotFound),
            Err(BotDenied::Foreign) => Err(LikeError::ForeignBot),
        }
    }

    /// Rule L2: picks the caller's bot by the engine's policy.
    fn select_bot(&self, app: Option<AppId>) -> Result<BotId, LikeError> {
        let app = app.ok_or(LikeError::NoBotForApp)?;
        let mut owned = self
            .bots
            .iter()
            .filter(|(_, owner)| **owner == app)
            .map(|(bot, _)| *bot);
        let first = owned.next().ok_or(LikeError::NoBotForApp)?;
        match self.policy {
            BotPolicy::Strict if owned.next().is_some() => Err(LikeError::BotIdRequired),
            BotPolicy::Strict => Ok(first),
            BotPolicy::PortalCompatible => Ok(owned.fold(first, Ord::min)),
        }
    }

    /// Rules L6 to L10 for an acting user: one message lookup, the chat
    /// row it names, the user's rank there, and the one bit of their like.
    fn apply_like(
        &mut self,
        user: UserId,
        id: MessageId,
        action: Action,
    ) -> Result<Outcome, LikeError> {
        let Reachable {
            row,
            chat,
            rank,
            pool,
        } = self.reachable_message(user, id).map_err(|e| match e {
            MessageDenied::Unknown => LikeError::MessageNotFound,
            MessageDenied::NotAMember => LikeError::NotAMember,
        })?;
        let change = match (row.liked_by_rank(rank), action) {
            (true, Action::Plus) => return Err(LikeError::AlreadyLiked),
            (false, Action::Minus) => return Err(LikeError::NotLiked),
            (true, _) => {
                row.unlike_rank(pool, rank);
                Change::Removed
            }
            (false, _) => {
                let added = row.like_rank(pool, rank, S::LIKES);
                added.map_err(|e| match e {
                    AddError::Full => LikeError::LikeSetFull,
                    AddError::PoolFull => LikeError::PoolFull,
                })?;
                Change::Set
            }
        };
        Ok(Outcome {
            message: id,
            chat,
            actor: user,
            change,
            count: usize::from(row.likes),
            version: row.version,
            notify: row.author_to_notify(user, change),
        })
    }
}

/// Rule L4: the message id must be present and valid.
fn require_message(arg: Arg<MessageId>) -> Result<MessageId, LikeError> {
    match arg {
        Arg::Given(id) => Ok(id),
        Arg::Omitted => Err(LikeError::MessageIdMissing),
        Arg::Invalid(e) => Err(LikeError::MessageIdInvalid(e)),
    }
}

/// Requests a batch looks up ahead of applying them.
const BATCH: usize = 16;

impl<S: Sizing> Engine<S> {
    /// Applies `imbot.message.like` calls in order, each answer exactly as
    /// [`Engine::like`] would give it one by one, into `answers`; returns
    /// how many were applied (the shorter of the two slices).
    ///
    /// Groups of 16 requests first look up their messages' rows and
    /// chats (reads only), so the memory those requests touch is
    /// fetched side by side instead of one miss after another, then apply
    /// in order. It pays off on tables larger than the CPU's caches.
    ///
    /// # Cost
    /// As [`Engine::like`] per request.
    pub fn like_batch(
        &mut self,
        requests: &[LikeRequest],
        answers: &mut [Result<Outcome, LikeError>],
    ) -> usize {
        let mut done = 0usize;
        for (group, out) in requests.chunks(BATCH).zip(answers.chunks_mut(BATCH)) {
            for request in group {
                if let Arg::Given(id) = request.message {
                    core::hint::black_box(self.touch(id));
                }
            }
            for (request, answer) in group.iter().zip(out.iter_mut()) {
                *answer = self.like(request);
                done = done.wrapping_add(1);
            }
        }
        done
    }

    /// Reads a message's row and its chat's row: the loads a like request
    /// will make, started early.
    fn touch(&self, id: MessageId) -> Option<u64> {
        let row = self.messages.get(id)?;
        let chat = self.chats.rows().get(row.chat as usize);
        Some(chat.map_or(0, |(c, _)| u64::from(c.get())))
    }
}
