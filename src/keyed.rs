//! The keyed entry points: a request with an idempotency key runs once;
//! a retry gets the first answer from the retry window (see `window`).

use crate::engine::Engine;
use crate::error::LikeError;
use crate::keys::IdempotencyKey;
use crate::outcome::Outcome;
use crate::request::{LikeRequest, UserLikeRequest};
use crate::sizing::Sizing;
use crate::v2::{ReactionError, ReactionOutcome, ReactionRequest};
use crate::window::Remembered;

impl<S: Sizing> Engine<S> {
    /// Runs `request` under `key`: the remembered answer for a retry,
    /// `None` for a key remembered with another request, else `run`'s
    /// answer, which is then remembered as `pack` builds it. `unpack`
    /// reads an entry of the same method. Every call is static, so the
    /// whole path inlines into each keyed entry point.
    fn keyed<Q: Copy + Eq, A: Copy>(
        &mut self,
        key: IdempotencyKey,
        request: &Q,
        pack: impl FnOnce(Q, A) -> Remembered,
        unpack: impl FnOnce(&Remembered) -> Option<(Q, A)>,
        run: impl FnOnce(&mut Self, &Q) -> A,
    ) -> Option<A> {
        if S::KEYS == 0 {
            return Some(run(self, request));
        }
        if let Some(entry) = self.keys.recall(key) {
            return match unpack(entry) {
                Some((remembered, answer)) if remembered == *request => Some(answer),
                _ => None,
            };
        }
        let answer = run(self, request);
        self.keys.remember(key, pack(*request, answer));
        Some(answer)
    }

    /// [`Engine::like`] made safe to retry: the first delivery of `key`
    /// runs the request and remembers its answer; a later delivery of the
    /// same key with the same request gets that answer again and changes
    /// nothing, so a retried `auto` does not undo itself.
    ///
    /// The engine remembers the last `KEYS` keyed requests of every keyed
    /// method together (see [`Capacity`](crate::Capacity)), refusals
    /// included: a retry of a refused request is refused the same way even
    /// if the state has changed since. The oldest key is forgotten when a
    /// new one comes in a full window; a forgotten key runs as new. With
    /// `KEYS = 0` this is exactly [`Engine::like`].
    ///
    /// ```
    /// use imbot_like::{AppId, BotId, Capacity, ChatId, Engine, IdempotencyKey, LikeRequest, MessageId};
    ///
    /// let mut engine = Engine::<Capacity<4, 4, 4, 8, 4, 64, 16>>::new();
    /// let (app, bot) = (AppId(1), BotId::new(39).unwrap());
    /// let (chat, message) = (ChatId::new(7).unwrap(), MessageId::new(100).unwrap());
    /// engine.register_bot(bot, app)?;
    /// engine.open_chat(chat, &[bot.user()])?;
    /// engine.post_message(message, chat, bot.user())?;
    ///
    /// // `auto` toggles; delivered twice under one key, it toggles once.
    /// let toggle = LikeRequest::new(message).app(app).bot(bot);
    /// let key = IdempotencyKey::from_text("3f2b9c");
    /// let first = engine.like_keyed(key, &toggle);
    /// let retry = engine.like_keyed(key, &toggle);
    /// assert_eq!(first, retry);
    /// assert!(engine.is_liked_by(message, bot.user()));
    /// # Ok::<(), Box<dyn core::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`LikeError::KeyReused`] when `key` is remembered with another
    /// request or method (nothing changes and nothing is remembered); else
    /// the remembered refusal, or [`Engine::like`]'s.
    ///
    /// # Cost
    /// [`Engine::like`]'s plus one lookup, O(1) expected. Keys are chosen
    /// by clients, who can make them collide in the index: since the index
    /// is at most half full, a lookup then costs at most O(KEYS).
    pub fn like_keyed(
        &mut self,
        key: IdempotencyKey,
        request: &LikeRequest,
    ) -> Result<Outcome, LikeError> {
        let unpack = |e: &Remembered| match *e {
            Remembered::Like(q, a) => Some((q, a)),
            _ => None,
        };
        self.keyed(key, request, Remembered::Like, unpack, Self::like)
            .unwrap_or(Err(LikeError::KeyReused))
    }

    /// [`Engine::like_as_user`] made safe to retry: as
    /// [`Engine::like_keyed`].
    ///
    /// # Errors
    /// As [`Engine::like_keyed`].
    ///
    /// # Cost
    /// As [`Engine::like_keyed`].
    pub fn like_as_user_keyed(
        &mut self,
        key: IdempotencyKey,
        request: &UserLikeRequest,
    ) -> Result<Outcome, LikeError> {
        let unpack = |e: &Remembered| match *e {
            Remembered::LikeAsUser(q, a) => Some((q, a)),
            _ => None,
        };
        self.keyed(
            key,
            request,
            Remembered::LikeAsUser,
            unpack,
            Self::like_as_user,
        )
        .unwrap_or(Err(LikeError::KeyReused))
    }

    /// [`Engine::add_reaction`] made safe to retry: as
    /// [`Engine::like_keyed`].
    ///
    /// # Errors
    /// [`ReactionError::KeyReused`] when `key` is remembered with another
    /// request or method; else the remembered refusal, or
    /// [`Engine::add_reaction`]'s.
    ///
    /// # Cost
    /// As [`Engine::like_keyed`].
    pub fn add_reaction_keyed(
        &mut self,
        key: IdempotencyKey,
        request: &ReactionRequest,
    ) -> Result<ReactionOutcome, ReactionError> {
        let unpack = |e: &Remembered| match *e {
            Remembered::AddReaction(q, a) => Some((q, a)),
            _ => None,
        };
        self.keyed(
            key,
            request,
            Remembered::AddReaction,
            unpack,
            Self::add_reaction,
        )
        .unwrap_or(Err(ReactionError::KeyReused))
    }

    /// [`Engine::delete_reaction`] made safe to retry: as
    /// [`Engine::like_keyed`].
    ///
    /// # Errors
    /// [`ReactionError::KeyReused`] when `key` is remembered with another
    /// request or method; else the remembered refusal, or
    /// [`Engine::delete_reaction`]'s.
    ///
    /// # Cost
    /// As [`Engine::like_keyed`].
    pub fn delete_reaction_keyed(
        &mut self,
        key: IdempotencyKey,
        request: &ReactionRequest,
    ) -> Result<ReactionOutcome, ReactionError> {
        let unpack = |e: &Remembered| match *e {
            Remembered::DeleteReaction(q, a) => Some((q, a)),
            _ => None,
        };
        self.keyed(
            key,
            request,
            Remembered::DeleteReaction,
            unpack,
            Self::delete_reaction,
        )
        .unwrap_or(Err(ReactionError::KeyReused))
    }

    /// How many keyed requests the engine remembers now (at most the
    /// sizing's `KEYS`).
    #[must_use]
    pub fn remembered_keys(&self) -> usize {
        self.keys.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::Action;
    use crate::ids::{AppId, BotId, ChatId, MessageId, UserId};
    use crate::outcome::Change;
    use crate::reaction::Reaction;
    use crate::window::Remembered;

    /// The snapshot buffer's bound on one entry holds for the longest
    /// values every field can take.
    #[test]
    #[allow(clippy::panic)]
    fn remembered_encoding_fits_the_snapshot_bound() {
        let (Some(bot), Some(user), Some(chat), Some(message)) = (
            BotId::new(u32::MAX),
            UserId::new(u32::MAX),
            ChatId::new(u32::MAX),
            MessageId::new(MessageId::MAX),
        ) else {
            panic!("ids in range");
        };
        let like = LikeRequest::new(message)
            .app(AppId(u32::MAX))
            .bot(bot)
            .action(Action::Minus);
        let outcome = Outcome {
            message,
            chat,
            actor: user,
            change: Change::Removed,
            count: usize::MAX,
            version: u32::MAX,
            notify: Some(user),
        };
        let reaction =
            ReactionRequest::new(bot, message, Reaction::HundredPoints).app(AppId(u32::MAX));
        let reacted = ReactionOutcome {
            message,
            chat,
            actor: user,
            reaction: Reaction::HundredPoints,
            change: Change::Removed,
            count: usize::MAX,
            version: u32::MAX,
            notify: Some(user),
        };
        let entries = [
            Remembered::Like(like, Ok(outcome)),
            Remembered::LikeAsUser(UserLikeRequest::new(user, message), Ok(outcome)),
            Remembered::AddReaction(reaction, Ok(reacted)),
            Remembered::DeleteReaction(
                reaction,
                Err(ReactionError::BotIdInvalid(crate::ids::IdError::TooLarge)),
            ),
        ];
        for entry in entries {
            let mut buf = [0u8; 128];
            let len = postcard::to_slice(&entry, &mut buf).map_or(usize::MAX, |b| b.len());
            assert!(len <= crate::snapshot::REMEMBERED_LEN, "{entry:?}: {len}");
        }
    }
}
