//! Events as portals deliver them to imbot.v2 bots: every change of a
//! reaction (the legacy like is the `like` reaction) on a message whose
//! author is a bot becomes one `ONIMBOTV2REACTIONCHANGE` event. A bot in
//! fetch mode (the default) finds it in its queue, read with
//! `imbot.v2.Event.get`; a bot in webhook mode (set with
//! `imbot.v2.Bot.update`) has it pushed to its URL instead (see
//! `push::v2`), and its queue gets nothing.
//!
//! Queued event ids grow by one from 1 across all bots (a pushed event
//! has none, as in a portal's webhook request). A change is recognised
//! by the message's version moving, so a keyed retry, which changes
//! nothing, makes no event. Each bot's queue holds the newest
//! [`QUEUE_PER_BOT`] events; when it is full the oldest is dropped.
//!
//! The queues and the bots' modes are part of the host's state (see
//! `state`): the command that made an event is the one that queued it,
//! so a durable host's log and snapshots keep events with the changes
//! that made them.

use std::collections::{BTreeMap, VecDeque};

use imbot_like::{Applied, BotId, Change, MessageId, ServerEngine};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::state::command::EngineCommand as HostCommand;

/// The most events one bot's queue holds; the oldest is dropped beyond.
pub const QUEUE_PER_BOT: usize = 10_000;
/// The event type of a reaction change.
pub const REACTION_CHANGE: &str = "ONIMBOTV2REACTIONCHANGE";

/// One event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Event {
    /// Its id: 1, 2, … across all bots.
    pub(crate) id: u64,
    /// The bot whose message changed.
    pub(crate) bot: u32,
    /// When, as `YYYY-MM-DDTHH:MM:SS+00:00`.
    pub(crate) date: String,
    /// The reaction's code (`like` for the legacy like).
    pub(crate) reaction: String,
    /// Whether it was set.
    pub(crate) added: bool,
    /// The message.
    pub(crate) message: u64,
    /// Its chat.
    pub(crate) chat: u32,
    /// Who set or removed the reaction.
    pub(crate) user: u32,
}

impl Event {
    /// The event as `imbot.v2.Event.get` lists it.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "eventId": self.id,
            "type": REACTION_CHANGE,
            "date": self.date,
            "data": data(self.bot, &self.reaction, self.added, self.message, self.chat, self.user),
        })
    }
}

/// The `data` of a reaction change, with the bot as `{"id": …}`.
fn data(bot: u32, reaction: &str, added: bool, message: u64, chat: u32, user: u32) -> Value {
    json!({
        "bot": {"id": bot},
        "reaction": reaction,
        "action": if added { "add" } else { "delete" },
        "message": {"id": message, "chatId": chat, "authorId": bot},
        "chat": {"id": chat},
        "user": {"id": user},
        "language": "en",
    })
}

/// A change an applied command made, before it is numbered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Made {
    pub(crate) bot: u32,
    reaction: &'static str,
    added: bool,
    message: u64,
    chat: u32,
    user: u32,
}

impl Made {
    /// The event's `data` as a bot in fetch mode would read it.
    pub(crate) fn data(&self) -> Value {
        data(
            self.bot,
            self.reaction,
            self.added,
            self.message,
            self.chat,
            self.user,
        )
    }

    /// Who changed the reaction.
    pub(crate) const fn user(&self) -> u32 {
        self.user
    }
}

/// The queues, with the next id, and the bots in webhook mode.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Queues {
    /// The next event's id.
    next: u64,
    /// Each bot's events, oldest first.
    bots: BTreeMap<u32, VecDeque<Event>>,
    /// The bots in webhook mode, each with the URL its events go to; a
    /// bot not listed is in fetch mode.
    webhooks: BTreeMap<u32, String>,
}

impl Queues {
    /// The URL a bot in webhook mode has its events pushed to; `None` for
    /// a bot in fetch mode.
    pub(crate) fn webhook(&self, bot: u32) -> Option<&str> {
        self.webhooks.get(&bot).map(String::as_str)
    }

    /// The bots in webhook mode, ascending.
    pub(crate) fn webhook_bots(&self) -> impl Iterator<Item = u32> + '_ {
        self.webhooks.keys().copied()
    }

    /// Puts `bot` in webhook mode with `url`, or in fetch mode with
    /// `None`; whether that changed anything.
    pub(crate) fn set_mode(&mut self, bot: u32, url: Option<String>) -> bool {
        match url {
            Some(url) => self.webhooks.insert(bot, url.clone()) != Some(url),
            None => self.webhooks.remove(&bot).is_some(),
        }
    }

    /// Adds an event for `made`, dropping the bot's oldest when full.
    pub(crate) fn push(&mut self, made: Made, date: String) {
        self.next = self.next.max(1);
        let event = Event {
            id: self.next,
            bot: made.bot,
            date,
            reaction: made.reaction.to_owned(),
            added: made.added,
            message: made.message,
            chat: made.chat,
            user: made.user,
        };
        self.next += 1;
        let queue = self.bots.entry(made.bot).or_default();
        if queue.len() == QUEUE_PER_BOT {
            queue.pop_front();
        }
        queue.push_back(event);
    }

    /// The bot's events after `offset`, at most `limit`, and whether more
    /// remain.
    pub(crate) fn after(&self, bot: u32, offset: u64, limit: usize) -> (Vec<&Event>, bool) {
        let Some(queue) = self.bots.get(&bot) else {
            return (Vec::new(), false);
        };
        let start = queue.partition_point(|e| e.id <= offset);
        let page: Vec<&Event> = queue.range(start..).take(limit).collect();
        let more = queue.len() - start > page.len();
        (page, more)
    }
}

/// The message a like or reaction command names, if it names one.
pub(crate) fn message_of(command: &HostCommand) -> Option<MessageId> {
    use imbot_like::Arg;
    let arg = match command {
        HostCommand::Like(r) | HostCommand::KeyedLike(_, r) => r.message,
        HostCommand::LikeAsUser(r) | HostCommand::KeyedLikeAsUser(_, r) => r.message,
        HostCommand::AddReaction(r)
        | HostCommand::DeleteReaction(r)
        | HostCommand::KeyedAddReaction(_, r)
        | HostCommand::KeyedDeleteReaction(_, r) => r.message,
        _ => return None,
    };
    match arg {
        Arg::Given(message) => Some(message),
        _ => None,
    }
}

/// The change `applied` made to a bot's message, if it made one: the
/// message's version, `before` the command, moved.
pub(crate) fn change(
    engine: &ServerEngine,
    before: Option<u32>,
    applied: &Applied,
) -> Option<Made> {
    let (message, chat, user, reaction, added) = match applied {
        Applied::Liked(o) => (o.message, o.chat, o.actor, "like", o.change == Change::Set),
        Applied::Reacted(o) => (
            o.message,
            o.chat,
            o.actor,
            o.reaction.code(),
            o.change == Change::Set,
        ),
        _ => return None,
    };
    let info = engine.message(message)?;
    if before == Some(info.version) {
        return None;
    }
    let bot = BotId::new(info.author.get())?;
    engine.bot_owner(bot)?;
    Some(Made {
        bot: bot.get(),
        reaction,
        added,
        message: message.get(),
        chat: chat.get(),
        user: user.get(),
    })
}

/// The longest page `imbot.v2.Event.get` answers.
pub const MAX_LIMIT: usize = 1000;
/// The page length without `limit`.
pub const DEFAULT_LIMIT: usize = 100;

impl crate::calls::Call<'_> {
    /// `imbot.v2.Event.get`: the bot's events after `offset`, as the
    /// other v2 methods authenticate (a webhook call's `botToken` decides
    /// its application) and check the bot (`BOT_ID_REQUIRED`,
    /// `BOT_NOT_FOUND`, `BOT_OWNERSHIP_ERROR`).
    pub(crate) async fn event_get(
        &self,
        params: &imbot_like::wire::ReactionParams,
    ) -> Result<axum::response::Response, imbot_like::wire::FrameworkError> {
        let answer = self.event_page(params).await;
        // Read after every read of the state, so the answer, a refusal
        // included, waits for whatever it may have seen to be durable.
        let host = self.host;
        self.wait
            .set(host.durable().map(crate::durable::Durable::appended));
        answer
    }

    /// `imbot.v2.Event.get` itself, see [`Self::event_get`].
    async fn event_page(
        &self,
        params: &imbot_like::wire::ReactionParams,
    ) -> Result<axum::response::Response, imbot_like::wire::FrameworkError> {
        use crate::auth::Caller;
        use crate::portal::PortalError;
        use crate::reply::json;
        use imbot_like::Arg;
        use imbot_like::ReactionErrorCode as Code;
        use imbot_like::wire::Reply;

        let host = self.host;
        let refuse = |code: Code| Ok(json(code.http_status(), &Reply::from(code)));
        let app = match &self.admit(params)?.caller {
            Caller::App(app) => Some(*app),
            Caller::Webhook(hook) => match host.state().webhook_bots.v2_app(hook, params) {
                Ok(app) => app,
                Err(code) => return refuse(code),
            },
        };
        let bot = match params.bot {
            Arg::Omitted => return refuse(Code::BotIdRequired),
            Arg::Invalid(_) => return refuse(Code::BotNotFound),
            Arg::Given(bot) => bot,
        };
        match host.state().engine.bot_owner(bot) {
            None => return refuse(Code::BotNotFound),
            Some(owner) if Some(owner) != app => return refuse(Code::BotOwnershipError),
            Some(_) => {}
        }
        let offset_text = self.input.text("OFFSET");
        let offset = match offset_text.as_deref().map(str::trim) {
            None | Some("") => 0,
            Some(text) => match text.parse::<u64>() {
                Ok(offset) => offset,
                Err(_) => {
                    let e = PortalError::WrongRequest("offset must be a whole number");
                    return Ok(json(e.http_status(), &e));
                }
            },
        };
        let limit_text = self.input.text("LIMIT");
        let limit = match limit_text.as_deref().map(str::trim) {
            None | Some("") => DEFAULT_LIMIT,
            Some(text) => match text.parse::<usize>() {
                Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => limit,
                _ => {
                    let e = PortalError::WrongRequest("limit must be 1 to 1000");
                    return Ok(json(e.http_status(), &e));
                }
            },
        };
        host.linearize().await?;
        let began = std::time::Instant::now();
        let result = {
            let state = host.state();
            let (page, more) = state.events.after(bot.get(), offset, limit);
            let next = page.last().map_or(offset, |e| e.id);
            let events: Vec<Value> = page.iter().map(|e| e.to_json()).collect();
            json!({"events": events, "nextOffset": next, "hasMore": more})
        };
        self.wait
            .set(host.durable().map(crate::durable::Durable::appended));
        let processing = host.clock.processing(began.elapsed().as_secs_f64());
        let time = self.time_block(processing)?;
        Ok(json(200, &json!({"result": result, "time": time})))
    }
}

#[cfg(test)]
mod tests {
    use super::{Made, QUEUE_PER_BOT, Queues};

    fn made(bot: u32) -> Made {
        Made {
            bot,
            reaction: "like",
            added: true,
            message: 1,
            chat: 7,
            user: 1,
        }
    }

    #[test]
    fn ids_grow_from_one_and_pages_follow_the_offset() {
        let mut q = Queues::default();
        for bot in [39, 40, 39] {
            q.push(made(bot), String::new());
        }
        let (page, more) = q.after(39, 0, 1);
        assert_eq!((page[0].id, more), (1, true));
        let (page, more) = q.after(39, 1, 1);
        assert_eq!((page[0].id, more), (3, false));
        assert!(q.after(39, 3, 10).0.is_empty());
        assert_eq!(q.after(40, 0, 10).0[0].id, 2);
    }

    #[test]
    fn a_full_queue_drops_its_oldest() {
        let mut q = Queues::default();
        for _ in 0..=QUEUE_PER_BOT {
            q.push(made(39), String::new());
        }
        let (page, _) = q.after(39, 0, 1);
        assert_eq!(page[0].id, 2);
    }
}
