//! The v2 reaction path: checks V1 to V8, then one insert or remove.

use crate::access::{BotDenied, MessageDenied, Reachable};
use crate::array::Array;
use crate::engine::Engine;
use crate::ids::{Arg, BotId, ChatId, MessageId};
use crate::outcome::Change;
use crate::pool::Pool;
use crate::reaction::Reaction;
use crate::sizing::Sizing;
use crate::store::{AddError, MessageRow};
use crate::v2::error::ReactionError;
use crate::v2::outcome::ReactionOutcome;
use crate::v2::request::ReactionRequest;

/// The checked parameters of a request.
struct Checked {
    bot: BotId,
    message: MessageId,
    reaction: Reaction,
}

impl<S: Sizing> Engine<S> {
    /// Applies `imbot.v2.Chat.Message.Reaction.add`: the bot sets a
    /// reaction. A `like` added here is the legacy like.
    ///
    /// # Errors
    /// The first failing check, V1 to V8 (see [the module docs](crate::v2)):
    /// every [`ReactionError`] but [`ReactionError::NotSet`]. On error
    /// nothing changes.
    ///
    /// # Cost
    /// O(1) expected for a like, O(LIKES) for another kind.
    pub fn add_reaction(
        &mut self,
        request: &ReactionRequest,
    ) -> Result<ReactionOutcome, ReactionError> {
        let checked = self.check_reaction(request)?;
        let user = checked.bot.user();
        let target = self.reaction_target(&checked)?;
        let (row, pool) = (target.row, target.pool);
        let added = if checked.reaction == Reaction::Like {
            if row.liked_by_rank(target.rank) {
                return Err(ReactionError::AlreadySet);
            }
            row.like_rank(pool, target.rank, S::LIKES)
        } else {
            let Err(pos) = row.find(pool, checked.reaction, user) else {
                return Err(ReactionError::AlreadySet);
            };
            row.add(pool, pos, (checked.reaction, user), S::LIKES)
        };
        added.map_err(|e| match e {
            AddError::Full => ReactionError::ReactionsFull,
            AddError::PoolFull => ReactionError::PoolFull,
        })?;
        Ok(outcome(&checked, target.chat, row, pool, Change::Set))
    }

    /// Applies `imbot.v2.Chat.Message.Reaction.delete`: the bot removes a
    /// reaction it set. Deleting `like` here is the legacy `minus`.
    ///
    /// # Errors
    /// The first failing check, V1 to V7 (see [the module docs](crate::v2)):
    /// every [`ReactionError`] but [`ReactionError::AlreadySet`] and
    /// [`ReactionError::ReactionsFull`]. On error nothing changes.
    ///
    /// # Cost
    /// O(1) expected for a like, O(LIKES) for another kind.
    pub fn delete_reaction(
        &mut self,
        request: &ReactionRequest,
    ) -> Result<ReactionOutcome, ReactionError> {
        let checked = self.check_reaction(request)?;
        let user = checked.bot.user();
        let target = self.reaction_target(&checked)?;
        let (row, pool) = (target.row, target.pool);
        if checked.reaction == Reaction::Like {
            if !row.liked_by_rank(target.rank) {
                return Err(ReactionError::NotSet);
            }
            row.unlike_rank(pool, target.rank);
        } else {
            let pos = row
                .find(pool, checked.reaction, user)
                .map_err(|_| ReactionError::NotSet)?;
            row.remove(pool, pos);
        }
        Ok(outcome(&checked, target.chat, row, pool, Change::Removed))
    }

    /// Checks V1 to V5: the parameters and the bot.
    fn check_reaction(&self, request: &ReactionRequest) -> Result<Checked, ReactionError> {
        let bot = match request.bot {
            Arg::Given(bot) => bot,
            Arg::Omitted => return Err(ReactionError::BotIdRequired),
            Arg::Invalid(e) => return Err(ReactionError::BotIdInvalid(e)),
        };
        self.check_bot(request.app, bot).map_err(|e| match e {
            BotDenied::Unknown => ReactionError::BotNotFound,
            BotDenied::Foreign => ReactionError::ForeignBot,
        })?;
        let message = match request.message {
            Arg::Given(message) => message,
            Arg::Omitted => return Err(ReactionError::MessageIdMissing),
            Arg::Invalid(e) => return Err(ReactionError::MessageIdInvalid(e)),
        };
        let reaction = match request.reaction {
            Arg::Given(reaction) => reaction,
            Arg::Omitted => return Err(ReactionError::ReactionMissing),
            Arg::Invalid(_) => return Err(ReactionError::ReactionUnknown),
        };
        Ok(Checked {
            bot,
            message,
            reaction,
        })
    }

    /// Check V6: the message the bot may react to.
    fn reaction_target(&mut self, checked: &Checked) -> Result<Reachable<'_, S>, ReactionError> {
        let user = checked.bot.user();
        self.reachable_message(user, checked.message)
            .map_err(|e| match e {
                MessageDenied::Unknown => ReactionError::MessageNotFound,
                MessageDenied::NotAMember => ReactionError::NotAMember,
            })
    }
}

/// Builds the outcome from the message's state after the change.
fn outcome<M: Array<u64>, E: Array<u64>>(
    checked: &Checked,
    chat: ChatId,
    row: &MessageRow<M>,
    pool: &Pool<E>,
    change: Change,
) -> ReactionOutcome {
    let actor = checked.bot.user();
    ReactionOutcome {
        message: checked.message,
        chat,
        actor,
        reaction: checked.reaction,
        change,
        count: row.count(pool, checked.reaction),
        version: row.version,
        notify: row.author_to_notify(actor, change),
    }
}
