//! `ONIMCOMMANDADD`: which registered commands a message (or a keyboard
//! button's press) calls, and the one request per application that tells
//! its handler, as portals build it.

use std::collections::{BTreeMap, HashMap};

use super::{
    COMMAND_ADD, Delivery, application_token, bots_in_chat, chat_params, field, is_private,
    member_id, trailer, user_fields,
};
use crate::portal::CommandMeta;
use crate::state::HostState;

/// The commands a message's text calls: each line that starts with `/`
/// names a command (up to the first space) and its parameters (the rest
/// of the line after that space), as portals read a message; a second
/// leading `/` is dropped too (`//count` calls `count`).
fn called(text: &str) -> Vec<(&str, &str)> {
    text.split('\n')
        .filter_map(|line| line.strip_prefix('/'))
        .map(|line| line.strip_prefix('/').unwrap_or(line))
        .map(|line| line.split_once(' ').unwrap_or((line, "")))
        .filter(|(name, _)| !name.is_empty())
        .collect()
}

/// The `ONIMCOMMANDADD` deliveries of message `id`, just posted: the
/// commands its lines call (see [`called`]), from the message's author,
/// a user (a bot's message calls none).
pub(crate) fn command_add(st: &HostState, id: u64, at_ms: u64) -> Vec<Delivery> {
    let Some(message) = st.registry.messages.get(&id) else {
        return Vec::new();
    };
    // A bot's message never calls commands, as portals post it.
    if super::is_bot(st, message.author) {
        return Vec::new();
    }
    let text = message.text.as_deref().unwrap_or_default();
    let names = called(text);
    // Most messages call nothing: no allocation for them.
    if names.is_empty() || st.registry.commands.is_empty() {
        return Vec::new();
    }
    let call = Call {
        message: id,
        chat: message.chat,
        from: message.author,
        text: text.to_owned(),
        context: "TEXTAREA",
    };
    let found = matching(st, &call, &names, None);
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
/// of), or anywhere when `COMMON`. The names are read once into a
/// lookup and the commands walked once, so the cost is the lines plus
/// the commands (at most 1,000), never their product.
fn matching<'a>(
    st: &'a HostState,
    call: &Call,
    names: &[(&str, &str)],
    only: Option<u32>,
) -> Vec<(u32, &'a CommandMeta, String)> {
    let private = is_private(st, call.chat);
    let bots: Vec<u32> = bots_in_chat(st, call.chat).collect();
    // A later line naming the same command replaces the earlier one.
    let params: HashMap<&str, &str> = names.iter().copied().collect();
    st.registry
        .commands
        .iter()
        .filter(|(_, command)| only.is_none_or(|b| b == command.bot))
        .filter_map(|(&id, command)| {
            let given = params.get(command.command.as_str())?;
            let bot = command.bot;
            let present = bots.contains(&bot) && (!private || bot != call.from);
            (command.common || present).then(|| (id, command, (*given).to_owned()))
        })
        .collect()
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
            for (id, command, params) in &commands {
                fields.extend(command_fields(st, *id, command, params, call, client_id));
            }
            fields.extend(chat_params(st, call.chat, call.from, first));
            let param = |name: &str, value: String| (field("PARAMS", name), value);
            fields.extend([
                param("MESSAGE_ID", call.message.to_string()),
                param("MESSAGE", call.text.clone()),
                param("AUTHOR_ID", call.from.to_string()),
                param("SYSTEM", "N".to_owned()),
            ]);
            fields.extend(
                user_fields(st, call.from)
                    .into_iter()
                    .filter(|(name, _)| !name.ends_with("[IS_BOT]")),
            );
            fields.extend(trailer(at_ms, call.from, token));
            let mut delivery = Delivery {
                bot: first,
                event: COMMAND_ADD,
                url,
                fields,
                domains: Vec::new(),
                endpoints: Vec::new(),
            };
            for (id, ..) in &commands {
                delivery.app_block(&format!("data[COMMAND][{id}]"));
            }
            Some(delivery)
        })
        .collect()
}

/// `data[COMMAND][id][…]`: one called command, with the fields of its
/// application that other events carry in `data[BOT][id]` (the edge adds
/// the domain's).
fn command_fields(
    st: &HostState,
    id: u32,
    command: &CommandMeta,
    params: &str,
    call: &Call,
    client_id: &str,
) -> Vec<(String, String)> {
    let bot = command.bot;
    let code = st.registry.bots.get(&bot).and_then(|b| b.code.clone());
    let token = application_token(client_id);
    let f = |name: &str, value: String| (format!("data[COMMAND][{id}][{name}]"), value);
    vec![
        f("user_id", bot.to_string()),
        f("client_id", client_id.to_owned()),
        f("member_id", member_id()),
        f("application_token", token.clone()),
        f("AUTH][application_token", token),
        f("AUTH][member_id", member_id()),
        f("AUTH][user_id", bot.to_string()),
        f("BOT_ID", bot.to_string()),
        f("BOT_CODE", code.unwrap_or_default()),
        f("COMMAND", command.command.clone()),
        f("COMMAND_ID", id.to_string()),
        f("COMMAND_PARAMS", params.to_owned()),
        f("COMMAND_CONTEXT", call.context.to_owned()),
        f("MESSAGE_ID", call.message.to_string()),
    ]
}

#[cfg(test)]
mod tests {
    use super::called;

    #[test]
    fn a_command_is_a_line_that_starts_with_a_slash() {
        assert_eq!(called("/move 7"), [("move", "7")]);
        assert_eq!(called("/move"), [("move", "")]);
        // One space separates the name; the parameters keep the rest.
        assert_eq!(called("/move  7 steps"), [("move", " 7 steps")]);
        assert_eq!(called("hi\n/move 1\n/stop"), [("move", "1"), ("stop", "")]);
        assert!(called("please /move 7").is_empty());
        assert!(called("/ move").is_empty());
        // Portals drop one more leading slash, and no more.
        assert_eq!(called("//count 2"), [("count", "2")]);
        assert_eq!(called("///count"), [("/count", "")]);
        assert!(called(" /move").is_empty());
    }
}
