//! The events portals push to the handlers a bot registered, as the state
//! machine decides them: which bot hears what, and the form fields of each
//! request (the Bitrix24 REST docs' chatbot event pages give the format).
//! Sending them is the edge's job (`deliver`); nothing here does I/O.
//!
//! | event | when | to |
//! | --- | --- | --- |
//! | `ONIMBOTMESSAGEADD` | a message in a private dialog with the bot, or in a group chat the bot is in when it is mentioned (`[USER=id]`) or is a supervisor (`TYPE=S`) | the bot, unless it wrote the message |
//! | `ONIMBOTMESSAGEUPDATE` | a message the bot would hear (as for `ONIMBOTMESSAGEADD`) is updated | the bot, unless it updated the message |
//! | `ONIMCOMMANDADD` | a message names the bot's command on a line of its own (`/name params`), or a user presses a keyboard button with the command | the application's handler, once for all its commands the message calls |
//! | `ONIMBOTJOINCHAT` | the bot is added to a chat, or a private dialog with it opens | the bot |
//! | `ONIMBOTMESSAGEDELETE` | a message is deleted in a chat the bot is in | each bot of the chat but the one deleting |
//! | `ONIMBOTDELETE` | the bot is unregistered | the bot |
//!
//! The handler of each event is `EVENT_HANDLER`, or the event's own
//! (`EVENT_MESSAGE_ADD`, `EVENT_WELCOME_MESSAGE`, `EVENT_MESSAGE_DELETE`,
//! `EVENT_BOT_DELETE`), as given to `imbot.register`. The request carries
//! `event`, `data[BOT][id][…]`, `data[PARAMS][…]`, `data[USER][…]`, `ts`
//! and `auth[…]`, without the OAuth tokens a portal adds (this host issues
//! none): `application_token` is derived from the bot's client id, and
//! `domain` is the host's own address, which the edge fills in.

use std::collections::BTreeMap;

use imbot_like::{BotId, IdempotencyKey};

use crate::portal::{CommandMeta, MessageMeta, Params};
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
}

/// The handlers `imbot.register`'s parameters name, by event.
pub(crate) fn handlers(params: &Params) -> BTreeMap<String, String> {
    let url = |name: &str| {
        params
            .text(name)
            .map(str::trim)
            .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
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

/// The commands a message's text calls: each line that starts with `/`
/// names a command (up to the first space) and its parameters (the rest
/// of the line after that space), as portals read a message.
pub(crate) fn called(text: &str) -> Vec<(&str, &str)> {
    text.split('\n')
        .filter_map(|line| line.strip_prefix('/'))
        .map(|line| line.split_once(' ').unwrap_or((line, "")))
        .filter(|(name, _)| !name.is_empty())
        .collect()
}

/// The `ONIMCOMMANDADD` deliveries of message `id`, just posted: the
/// commands its lines call (see [`called`]), from the message's author.
pub(crate) fn command_add(st: &HostState, id: u64, at_ms: u64) -> Vec<Delivery> {
    let Some(message) = st.registry.messages.get(&id) else {
        return Vec::new();
    };
    let text = message.text.as_deref().unwrap_or_default();
    let call = Call {
        message: id,
        chat: message.chat,
        from: message.author,
        text: text.to_owned(),
        context: "TEXTAREA",
    };
    let found = matching(st, &call, &called(text), None);
    command_deliveries(st, &call, &found, at_ms)
}

/// A keyboard button's press: the message with the keyboard, the user
/// who pressed it, the keyboard's bot, and the button's command.
pub(crate) struct Press<'a> {
    pub(crate) message: u64,
    pub(crate) user: u32,
    pub(crate) bot: u32,
    pub(crate) command: &'a str,
    pub(crate) params: &'a str,
}

/// The `ONIMCOMMANDADD` deliveries of a button's press, with the ids of
/// the commands it calls: the keyboard's bot's commands of that name,
/// heard as if the user had written `/command params` in the message's
/// chat; the event names the keyboard's message.
pub(crate) fn command_press(
    st: &HostState,
    press: &Press<'_>,
    at_ms: u64,
) -> (Vec<u32>, Vec<Delivery>) {
    let Some(message) = st.registry.messages.get(&press.message) else {
        return (Vec::new(), Vec::new());
    };
    let text = if press.params.is_empty() {
        format!("/{}", press.command)
    } else {
        format!("/{} {}", press.command, press.params)
    };
    let call = Call {
        message: press.message,
        chat: message.chat,
        from: press.user,
        text,
        context: "KEYBOARD",
    };
    let found = matching(st, &call, &[(press.command, press.params)], Some(press.bot));
    let ids = found.iter().map(|(id, _, _)| *id).collect();
    (ids, command_deliveries(st, &call, &found, at_ms))
}

/// What calls commands: a message (or a press on it) in `chat` by
/// `from`, with the text the event reports.
struct Call {
    message: u64,
    chat: u32,
    from: u32,
    text: String,
    context: &'static str,
}

/// The registered commands that `names` (name, parameters) call in the
/// call's chat, by id (a command called twice keeps its last
/// parameters), of `only` when given: a command is heard where its bot
/// is (the private dialog with the bot, or a chat the bot is a member
/// of), or anywhere when `COMMON`.
fn matching<'a>(
    st: &'a HostState,
    call: &Call,
    names: &[(&str, &str)],
    only: Option<u32>,
) -> Vec<(u32, &'a CommandMeta, String)> {
    let private = is_private(st, call.chat);
    let bots: Vec<u32> = bots_in_chat(st, call.chat).collect();
    let mut found: BTreeMap<u32, (&CommandMeta, String)> = BTreeMap::new();
    for &(name, params) in names {
        for (&id, command) in &st.registry.commands {
            let bot = command.bot;
            let present = bots.contains(&bot) && (!private || bot != call.from);
            if command.command != name || only.is_some_and(|b| b != bot) {
                continue;
            }
            if command.common || present {
                found.insert(id, (command, params.to_owned()));
            }
        }
    }
    found.into_iter().map(|(id, (c, p))| (id, c, p)).collect()
}

/// One `ONIMCOMMANDADD` request per application with a handler, naming
/// all of its commands in `found`.
fn command_deliveries(
    st: &HostState,
    call: &Call,
    found: &[(u32, &CommandMeta, String)],
    at_ms: u64,
) -> Vec<Delivery> {
    let mut by_app: BTreeMap<u32, Vec<&(u32, &CommandMeta, String)>> = BTreeMap::new();
    for entry in found {
        by_app.entry(entry.1.app).or_default().push(entry);
    }
    by_app
        .into_iter()
        .filter_map(|(app, commands)| {
            let url = st.registry.command_handlers.get(&app)?.clone();
            let first = commands.first()?.1.bot;
            let client_id = st
                .apps
                .client_id(imbot_like::AppId(app))
                .unwrap_or_default();
            let token = application_token(client_id);
            let mut fields = vec![("event".to_owned(), COMMAND_ADD.to_owned())];
            for (id, command, params) in commands {
                fields.extend(command_fields(st, *id, command, params, call, &token));
            }
            fields.extend(chat_params(st, call.chat, call.from, first));
            let param = |name: &str, value: String| (field("PARAMS", name), value);
            fields.extend([
                param("MESSAGE_ID", call.message.to_string()),
                param("MESSAGE", call.text.clone()),
                param("COMMAND_CONTEXT", call.context.to_owned()),
            ]);
            fields.extend(
                user_fields(st, call.from)
                    .into_iter()
                    .filter(|(name, _)| !name.ends_with("[IS_BOT]")),
            );
            fields.extend([
                ("ts".to_owned(), (at_ms / 1000).to_string()),
                ("auth[user_id]".to_owned(), call.from.to_string()),
                ("auth[member_id]".to_owned(), member_id()),
                ("auth[application_token]".to_owned(), token),
            ]);
            Some(Delivery {
                bot: first,
                event: COMMAND_ADD,
                url,
                fields,
            })
        })
        .collect()
}

/// `data[COMMAND][id][…]`: one called command, with its bot's block.
fn command_fields(
    st: &HostState,
    id: u32,
    command: &CommandMeta,
    params: &str,
    call: &Call,
    token: &str,
) -> Vec<(String, String)> {
    let bot = command.bot;
    let code = st.registry.bots.get(&bot).and_then(|b| b.code.clone());
    let f = |name: &str, value: String| (format!("data[COMMAND][{id}][{name}]"), value);
    vec![
        f("BOT_ID", bot.to_string()),
        f("BOT_CODE", code.unwrap_or_default()),
        f("COMMAND", command.command.clone()),
        f("COMMAND_ID", id.to_string()),
        f("COMMAND_PARAMS", params.to_owned()),
        f("COMMAND_CONTEXT", call.context.to_owned()),
        f("MESSAGE_ID", call.message.to_string()),
        f("AUTH][application_token", token.to_owned()),
        f("AUTH][member_id", member_id()),
        f("AUTH][user_id", bot.to_string()),
    ]
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
/// is the other member's id (where the bot answers), in a group chat
/// `chatN` with the chat's title and owner.
fn chat_params(st: &HostState, chat: u32, from: u32, bot: u32) -> Vec<(String, String)> {
    let param = |name: &str, value: String| (field("PARAMS", name), value);
    let mut fields = vec![
        param("FROM_USER_ID", from.to_string()),
        param("TO_CHAT_ID", chat.to_string()),
        param("LANGUAGE", "en".to_owned()),
    ];
    if is_private(st, chat) {
        fields.extend([
            param("DIALOG_ID", from.to_string()),
            param("TO_USER_ID", bot.to_string()),
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
    let is_bot = BotId::new(user).is_some_and(|b| st.engine.bot_owner(b).is_some());
    vec![
        (field("USER", "ID"), user.to_string()),
        (field("USER", "NAME"), name),
        (field("USER", "IS_BOT"), yes_no(is_bot)),
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
    all.extend([
        ("ts".to_owned(), (at_ms / 1000).to_string()),
        ("auth[user_id]".to_owned(), actor.to_string()),
        ("auth[member_id]".to_owned(), member_id()),
        ("auth[application_token]".to_owned(), token),
    ]);
    Some(Delivery {
        bot,
        event,
        url,
        fields: all,
    })
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

/// The portal's `member_id`: 32 hex digits, the same on every run.
fn member_id() -> String {
    IdempotencyKey::from_text("imbot-like local portal").to_string()
}
