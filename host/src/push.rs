//! The events portals push to the handlers a bot registered, as the state
//! machine decides them: which bot hears what, and the form fields of each
//! request (the Bitrix24 REST docs' chatbot event pages give the format).
//! Sending them is the edge's job (`deliver`); nothing here does I/O.
//!
//! | event | when | to |
//! | --- | --- | --- |
//! | `ONIMBOTMESSAGEADD` | a message in a private dialog with the bot, or in a group chat the bot is in when it is mentioned (`[USER=id]`) or is a supervisor (`TYPE=S`) | the bot, unless it wrote the message |
//! | `ONIMBOTMESSAGEUPDATE` | a user's message the bot would hear (as for `ONIMBOTMESSAGEADD`) is updated with a new text (`MESSAGE`) | the bot, unless it updated the message |
//! | `ONIMCOMMANDADD` | a user's message names the bot's command on a line of its own (`/name params`), or a user presses a keyboard button with the command | the application's handler, once for all its commands the message calls |
//! | `ONIMBOTJOINCHAT` | the bot is added to a chat, or a private dialog with it opens | the bot |
//! | `ONIMBOTMESSAGEDELETE` | a message is deleted in a chat the bot is in | each bot of the chat but the one deleting |
//! | `ONIMBOTDELETE` | the bot is unregistered | the bot |
//!
//! The handler of each event is `EVENT_HANDLER`, or the event's own
//! (`EVENT_MESSAGE_ADD`, `EVENT_WELCOME_MESSAGE`, `EVENT_MESSAGE_DELETE`,
//! `EVENT_BOT_DELETE`), as given to `imbot.register`. The request carries
//! `event`, `data[BOT][id][…]` (for `ONIMCOMMANDADD`, each
//! `data[COMMAND][id][…]` instead), `data[PARAMS][…]`, `data[USER][…]`,
//! `ts` and `auth[…]`, without the OAuth tokens a portal adds (this host issues
//! none): `application_token` is derived from the bot's client id, and
//! `domain` is the host's own address, which the edge fills in.
//!
//! The imbot.v2 events of a bot in webhook mode take another form, the
//! v2 one (`data[bot][…]`, `data[…]`): see `v2`.

mod commands;
pub(crate) mod v2;

use std::collections::BTreeMap;

use imbot_like::{BotId, IdempotencyKey};

use crate::portal::{MessageMeta, Params, is_http_url};
use crate::state::HostState;

/// A new message in a dialog the bot hears.
pub const MESSAGE_ADD: &str = "ONIMBOTMESSAGEADD";
/// A message the bot hears was updated.
pub const MESSAGE_UPDATE: &str = "ONIMBOTMESSAGEUPDATE";
/// A message or a keyboard button called the bot's command.
pub const COMMAND_ADD: &str = "ONIMCOMMANDADD";
/// The bot joined a chat or a dialog opened.
pub const JOIN_CHAT: &str = "ONIMBOTJOINCHAT";
/// A message was deleted.
pub const MESSAGE_DELETE: &str = "ONIMBOTMESSAGEDELETE";
/// The bot was unregistered.
pub const BOT_DELETE: &str = "ONIMBOTDELETE";

/// Each event and the `imbot.register` parameter naming its own handler.
const HANDLERS: [(&str, &str); 5] = [
    (MESSAGE_ADD, "EVENT_MESSAGE_ADD"),
    (JOIN_CHAT, "EVENT_WELCOME_MESSAGE"),
    (MESSAGE_DELETE, "EVENT_MESSAGE_DELETE"),
    (BOT_DELETE, "EVENT_BOT_DELETE"),
    (MESSAGE_UPDATE, "EVENT_MESSAGE_UPDATE"),
];

pub(crate) use commands::{Press, command_add, command_press};

/// One request to a bot's handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The bot it is for.
    pub bot: u32,
    /// The event.
    pub event: &'static str,
    /// The handler.
    pub url: String,
    /// The form fields, in order (the edge adds the domain's).
    pub fields: Vec<(String, String)>,
    /// The fields the edge fills with the portal's domain, which only it
    /// knows (`auth[domain]` is added to every delivery).
    pub domains: Vec<String>,
    /// The fields the edge fills with the portal's REST endpoint.
    pub endpoints: Vec<String>,
}

impl Delivery {
    /// Marks `block` (`data[BOT][id]`, `data[COMMAND][id]`) as an
    /// application's block: its `domain`, `AUTH][domain` and
    /// `client_endpoint` are the edge's to fill.
    fn app_block(&mut self, block: &str) {
        self.domains.push(format!("{block}[domain]"));
        self.domains.push(format!("{block}[AUTH][domain]"));
        self.endpoints.push(format!("{block}[client_endpoint]"));
    }
}

/// The handlers `imbot.register`'s parameters name, by event.
pub(crate) fn handlers(params: &Params) -> BTreeMap<String, String> {
    let url = |name: &str| {
        params
            .text(name)
            .map(str::trim)
            .filter(|u| is_http_url(u))
            .map(str::to_owned)
    };
    let all = url("EVENT_HANDLER");
    HANDLERS
        .iter()
        .filter_map(|&(event, own)| Some((event.to_owned(), url(own).or_else(|| all.clone())?)))
        .collect()
}

/// The `event` (`ONIMBOTMESSAGEADD` or `ONIMBOTMESSAGEUPDATE`)
/// deliveries of message `id`, just posted or updated.
pub(crate) fn message_event(
    st: &HostState,
    id: u64,
    event: &'static str,
    at_ms: u64,
) -> Vec<Delivery> {
    let Some(message) = st.registry.messages.get(&id) else {
        return Vec::new();
    };
    // Portals look for the bots of an update only when a user wrote the
    // message.
    if event == MESSAGE_UPDATE && is_bot(st, message.author) {
        return Vec::new();
    }
    let private = is_private(st, message.chat);
    let text = message.text.as_deref().unwrap_or_default();
    bots_in_chat(st, message.chat)
        .filter(|&bot| bot != message.author)
        .filter(|&bot| private || hears_all(st, bot) || text.contains(&format!("[USER={bot}]")))
        .filter_map(|bot| {
            let mut fields = message_params(st, id, message, bot);
            fields.extend(user_fields(st, message.author));
            build(st, bot, event, message.author, at_ms, fields)
        })
        .collect()
}

/// The `ONIMBOTMESSAGEDELETE` deliveries of message `id`, deleted by
/// `actor` (called before the registry forgets it).
pub(crate) fn message_delete(st: &HostState, id: u64, actor: u32, at_ms: u64) -> Vec<Delivery> {
    let Some(message) = st.registry.messages.get(&id) else {
        return Vec::new();
    };
    bots_in_chat(st, message.chat)
        .filter(|&bot| bot != actor)
        .filter_map(|bot| {
            let mut fields = message_params(st, id, message, bot);
            fields.extend(user_fields(st, actor));
            build(st, bot, MESSAGE_DELETE, actor, at_ms, fields)
        })
        .collect()
}

/// The `ONIMBOTJOINCHAT` delivery to `bot`, added to `chat` by `actor`.
pub(crate) fn join_chat(
    st: &HostState,
    bot: u32,
    chat: u32,
    actor: u32,
    at_ms: u64,
) -> Option<Delivery> {
    let mut fields = chat_params(st, chat, actor, bot);
    fields.extend(user_fields(st, actor));
    build(st, bot, JOIN_CHAT, actor, at_ms, fields)
}

/// The `ONIMBOTDELETE` delivery to `bot`, unregistered (called before the
/// state forgets it).
pub(crate) fn bot_delete(st: &HostState, bot: u32, at_ms: u64) -> Option<Delivery> {
    let fields = vec![(field("PARAMS", "BOT_ID"), bot.to_string())];
    build(st, bot, BOT_DELETE, bot, at_ms, fields)
}

/// The bots among `chat`'s members.
fn bots_in_chat(st: &HostState, chat: u32) -> impl Iterator<Item = u32> + '_ {
    let members = imbot_like::ChatId::new(chat).and_then(|c| st.engine.chat_members(c));
    members
        .unwrap_or_default()
        .iter()
        .map(|m| m.get())
        .filter(|&m| BotId::new(m).is_some_and(|b| st.engine.bot_owner(b).is_some()))
}

/// Whether `user` is a registered bot.
fn is_bot(st: &HostState, user: u32) -> bool {
    BotId::new(user).is_some_and(|b| st.engine.bot_owner(b).is_some())
}

fn is_private(st: &HostState, chat: u32) -> bool {
    st.registry.chats.get(&chat).is_some_and(|c| c.private)
}

fn hears_all(st: &HostState, bot: u32) -> bool {
    st.registry.bots.get(&bot).and_then(|b| b.kind.as_deref()) == Some("S")
}

/// `data[PARAMS]` of a message event, as `bot` sees the dialog.
fn message_params(
    st: &HostState,
    id: u64,
    message: &MessageMeta,
    bot: u32,
) -> Vec<(String, String)> {
    let mut fields = chat_params(st, message.chat, message.author, bot);
    let param = |name: &str, value: String| (field("PARAMS", name), value);
    fields.extend([
        param("MESSAGE_ID", id.to_string()),
        param("MESSAGE", message.text.clone().unwrap_or_default()),
        param("AUTHOR_ID", message.author.to_string()),
        param("SYSTEM", "N".to_owned()),
    ]);
    fields
}

/// `data[PARAMS]` naming the dialog: in a private dialog its `DIALOG_ID`
/// is `from` (where the bot answers) and `TO_USER_ID` the dialog's other
/// member (`bot` when there is none), in a group chat `chatN` with the
/// chat's title and owner.
fn chat_params(st: &HostState, chat: u32, from: u32, bot: u32) -> Vec<(String, String)> {
    let param = |name: &str, value: String| (field("PARAMS", name), value);
    let mut fields = vec![
        param("FROM_USER_ID", from.to_string()),
        param("TO_CHAT_ID", chat.to_string()),
        param("LANGUAGE", "en".to_owned()),
    ];
    if is_private(st, chat) {
        let members = imbot_like::ChatId::new(chat).and_then(|c| st.engine.chat_members(c));
        let other = members
            .unwrap_or_default()
            .iter()
            .map(|m| m.get())
            .find(|&m| m != from)
            .unwrap_or(bot);
        fields.extend([
            param("DIALOG_ID", from.to_string()),
            param("TO_USER_ID", other.to_string()),
            param("MESSAGE_TYPE", "P".to_owned()),
            param("CHAT_TYPE", "P".to_owned()),
        ]);
    } else {
        let meta = st.registry.chats.get(&chat);
        let title = meta.and_then(|c| c.title.clone()).unwrap_or_default();
        let owner = meta.and_then(|c| c.owner).unwrap_or_default();
        fields.extend([
            param("DIALOG_ID", format!("chat{chat}")),
            param("CHAT_ID", chat.to_string()),
            param("CHAT_TITLE", title),
            param("CHAT_AUTHOR_ID", owner.to_string()),
            param("MESSAGE_TYPE", "C".to_owned()),
            param("CHAT_TYPE", "C".to_owned()),
        ]);
    }
    fields
}

/// `data[USER]`: who acted.
fn user_fields(st: &HostState, user: u32) -> Vec<(String, String)> {
    let bot = st.registry.bots.get(&user);
    let name = bot
        .and_then(|b| b.name.clone())
        .unwrap_or_else(|| format!("User {user}"));
    vec![
        (field("USER", "ID"), user.to_string()),
        (field("USER", "NAME"), name),
        (field("USER", "IS_BOT"), yes_no(is_bot(st, user))),
    ]
}

/// The whole request of `event` to `bot`, if the bot has a handler for
/// it: the event, the bot's block, `fields`, the time and `auth`.
fn build(
    st: &HostState,
    bot: u32,
    event: &'static str,
    actor: u32,
    at_ms: u64,
    fields: Vec<(String, String)>,
) -> Option<Delivery> {
    let meta = st.registry.bots.get(&bot)?;
    let url = meta.handlers.get(event)?.clone();
    let app = BotId::new(bot).and_then(|b| st.engine.bot_owner(b))?;
    let client_id = st.apps.client_id(app).unwrap_or_default().to_owned();
    let token = application_token(&client_id);
    let mut all = vec![("event".to_owned(), event.to_owned())];
    let bot_field = |name: &str| format!("data[BOT][{bot}][{name}]");
    all.extend([
        (bot_field("BOT_ID"), bot.to_string()),
        (bot_field("BOT_CODE"), meta.code.clone().unwrap_or_default()),
        (bot_field("user_id"), bot.to_string()),
        (bot_field("client_id"), client_id),
        (bot_field("member_id"), member_id()),
        (bot_field("application_token"), token.clone()),
        (bot_field("AUTH][application_token"), token.clone()),
        (bot_field("AUTH][member_id"), member_id()),
        (bot_field("AUTH][user_id"), bot.to_string()),
    ]);
    all.extend(fields);
    all.extend(trailer(at_ms, actor, token));
    let mut delivery = Delivery {
        bot,
        event,
        url,
        fields: all,
        domains: Vec::new(),
        endpoints: Vec::new(),
    };
    delivery.app_block(&format!("data[BOT][{bot}]"));
    Some(delivery)
}

/// `data[GROUP][NAME]`.
fn field(group: &str, name: &str) -> String {
    format!("data[{group}][{name}]")
}

fn yes_no(value: bool) -> String {
    if value { "Y" } else { "N" }.to_owned()
}

/// The application token events of a client id's bots carry: 32 hex
/// digits derived from the client id, the same on every run.
pub(crate) fn application_token(client_id: &str) -> String {
    IdempotencyKey::from_text(&format!("application token\n{client_id}")).to_string()
}

/// The fields every event ends with: its time and the `auth` block of
/// the user who acted.
fn trailer(at_ms: u64, actor: u32, token: String) -> [(String, String); 4] {
    [
        ("ts".to_owned(), (at_ms / 1000).to_string()),
        ("auth[user_id]".to_owned(), actor.to_string()),
        ("auth[member_id]".to_owned(), member_id()),
        ("auth[application_token]".to_owned(), token),
    ]
}

/// The portal's `member_id`: 32 hex digits, the same on every run.
fn member_id() -> String {
    IdempotencyKey::from_text("imbot-like local portal").to_string()
}
