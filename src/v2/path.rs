//! The v2 reaction path: checks V1 to V8, then one insert or remove.

use heapless::Vec;

use crate::access::{BotDenied, MessageDenied};
use crate::engine::Engine;
use crate::ids::{Arg, BotId, MessageId};
use crate::outcome::Change;
use crate::reaction::Reaction;
use crate::store::{Message, Runs};
use crate::v2::error::ReactionError;
use crate::v2::outcome::{ReactionCount, ReactionOutcome};
use crate::v2::request::ReactionRequest;

/// The checked parameters of a request.
struct Checked {
    bot: BotId,
    message: MessageId,
    reaction: Reaction,
}

impl<
    const BOTS: usize,
    const CHATS: usize,
    const MEMBERS: usize,
    const MESSAGES: usize,
    const LIKES: usize,
> Engine<BOTS, CHATS, MEMBERS, MESSAGES, LIKES>
{
    /// Applies `imbot.v2.Chat.Message.Reaction.add`: the bot sets a
    /// reaction. A `like` added here is the legacy like.
    ///
    /// # Errors
    /// The first failing check, V1 to V8 (see [the module docs](crate::v2)):
    /// every [`ReactionError`] but [`ReactionError::NotSet`]. On error
    /// nothing changes.
    ///
    /// # Cost
    /// O(1) expected, plus O(log MEMBERS + LIKES).
    pub fn add_reaction(
        &mut self,
        request: &ReactionRequest,
    ) -> Result<ReactionOutcome<LIKES>, ReactionError> {
        let checked = self.check_reaction(request)?;
        let user = checked.bot.user();
        let message = self.reaction_target(&checked)?;
        let reactions = &mut message.reactions;
        let pos = match reactions.find(checked.reaction, user) {
            Ok(_) => return Err(ReactionError::AlreadySet),
            Err(pos) => pos,
        };
        let inserted = reactions.insert_at(pos, checked.reaction, user);
        inserted.map_err(|_| ReactionError::ReactionsFull)?;
        Ok(outcome(&checked, message, Change::Set))
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
    /// O(1) expected, plus O(log MEMBERS + LIKES).
    pub fn delete_reaction(
        &mut self,
        request: &ReactionRequest,
    ) -> Result<ReactionOutcome<LIKES>, ReactionError> {
        let checked = self.check_reaction(request)?;
        let user = checked.bot.user();
        let message = self.reaction_target(&checked)?;
        let pos = message
            .reactions
            .find(checked.reaction, user)
            .map_err(|_| ReactionError::NotSet)?;
        message.reactions.remove_at(pos);
        Ok(outcome(&checked, message, Change::Removed))
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
    fn reaction_target(&mut self, checked: &Checked) -> Result<&mut Message<LIKES>, ReactionError> {
        let user = checked.bot.user();
        self.reachable_message(user, checked.message)
            .map_err(|e| match e {
                MessageDenied::Unknown => ReactionError::MessageNotFound,
                MessageDenied::NotAMember => ReactionError::NotAMember,
            })
    }
}

/// Builds the outcome from the message's state after the change.
fn outcome<const R: usize>(
    checked: &Checked,
    message: &Message<R>,
    change: Change,
) -> ReactionOutcome<R> {
    let actor = checked.bot.user();
    ReactionOutcome {
        message: checked.message,
        chat: message.chat,
        actor,
        reaction: checked.reaction,
        change,
        counts: counts(message),
        notify: message.author_to_notify(actor, change),
    }
}

/// The message's reaction counts, one per kind present.
fn counts<const R: usize>(message: &Message<R>) -> Vec<ReactionCount, R> {
    let mut counts = Vec::new();
    for (reaction, run) in Runs::new(message.reactions.entries()) {
        let count = ReactionCount {
            reaction,
            count: run.len(),
        };
        // Never fails: there are no more kinds present than reactions.
        if counts.push(count).is_err() {
            break;
        }
    }
    counts
}
