//! What the host keeps beside the engine: message texts, keyboards,
//! attachments and menus, chat titles, owners and private dialogs, bot
//! codes and names, bots' commands and their handlers, and the counters
//! that hand out new ids.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::world::World;

/// How many bots one application may register (as on portals).
pub const MAX_BOTS_PER_APP: usize = 5;

/// How many commands one bot may hold (the host's own cap).
pub const MAX_COMMANDS_PER_BOT: usize = 100;

/// How many commands the portal holds in all (the host's own cap).
pub const MAX_COMMANDS: usize = 1_000;

/// The longest command name, in bytes (the host's own cap).
pub const MAX_COMMAND_BYTES: usize = 255;

/// A bot's metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct BotMeta {
    /// `CODE`, unique within the bot's application.
    pub(crate) code: Option<String>,
    /// `PROPERTIES[NAME]`.
    pub(crate) name: Option<String>,
    /// `TYPE`: `B` (the default) hears a group chat only when mentioned,
    /// `S` (supervisor) hears every message.
    pub(crate) kind: Option<String>,
    /// The URL each event is pushed to (`ONIMBOTMESSAGEADD` → URL), from
    /// `EVENT_HANDLER` and the `EVENT_*` handlers of `imbot.register`.
    pub(crate) handlers: BTreeMap<String, String>,
}

/// A chat's metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ChatMeta {
    /// `TITLE`.
    pub(crate) title: Option<String>,
    /// Who created it.
    pub(crate) owner: Option<u32>,
    /// A private dialog (no member changes).
    pub(crate) private: bool,
}

/// A message's metadata: where, by whom, what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct MessageMeta {
    /// Its chat.
    pub(crate) chat: u32,
    /// Its author.
    pub(crate) author: u32,
    /// Its text (`None` for a message from a world file without one).
    pub(crate) text: Option<String>,
    /// Its keyboard, attachment and menu, as checked JSON text.
    pub(crate) rich: Rich,
}

/// What a message carries besides its text, each as the JSON text of
/// the checked value (see `rich`): `None` when it has none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Rich {
    /// `KEYBOARD`: the buttons, in order.
    pub(crate) keyboard: Option<String>,
    /// `ATTACH`: the attachment.
    pub(crate) attach: Option<String>,
    /// `MENU`: the menu's items, in order.
    pub(crate) menu: Option<String>,
}

/// A command a bot registered with `imbot.command.register`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CommandMeta {
    /// The bot it belongs to.
    pub(crate) bot: u32,
    /// The application that registered it (the bot's).
    pub(crate) app: u32,
    /// The command, without its leading `/`; matched case-sensitively.
    pub(crate) command: String,
    /// `COMMON=Y`: heard in every chat, not only the bot's own.
    pub(crate) common: bool,
    /// `HIDDEN=Y`: left out of the command list users see.
    pub(crate) hidden: bool,
    /// `EXTRANET_SUPPORT=Y`.
    pub(crate) extranet: bool,
    /// `LANG`: language id (lower case), title and parameter hint.
    pub(crate) lang: Vec<(String, String, String)>,
}

/// The registry: part of the host's state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct State {
    /// Every bot's metadata, by id.
    pub(crate) bots: BTreeMap<u32, BotMeta>,
    /// Every chat ever opened, by id.
    pub(crate) chats: BTreeMap<u32, ChatMeta>,
    /// Private dialogs: the two members, ascending, and the chat.
    pub(crate) dialogs: BTreeMap<(u32, u32), u32>,
    /// Every stored message, by id.
    pub(crate) messages: BTreeMap<u64, MessageMeta>,
    /// Every registered command, by id.
    pub(crate) commands: BTreeMap<u32, CommandMeta>,
    /// Each application's `ONIMCOMMANDADD` handler (the last registered).
    pub(crate) command_handlers: BTreeMap<u32, String>,
    /// The next bot (user) id.
    pub(crate) next_user: u32,
    /// The next chat id.
    pub(crate) next_chat: u32,
    /// The next message id.
    pub(crate) next_message: u64,
    /// The next command id.
    pub(crate) next_command: u32,
}

impl State {
    /// The registry of a world that the engine has loaded.
    pub(crate) fn from_world(world: &World) -> Self {
        let mut state = State::default();
        let mut top_user = 0;
        for hook in &world.webhooks {
            top_user = top_user.max(hook.user_id);
        }
        for token in world.apps.iter().flat_map(|a| &a.tokens) {
            top_user = top_user.max(token.user_id.unwrap_or(0));
        }
        for bot in &world.bots {
            top_user = top_user.max(bot.id);
            let meta = BotMeta {
                code: bot.code.clone(),
                name: bot.name.clone(),
                ..BotMeta::default()
            };
            state.bots.insert(bot.id, meta);
        }
        for chat in &world.chats {
            top_user = chat.members.iter().fold(top_user, |top, &m| top.max(m));
            let meta = ChatMeta {
                title: chat.title.clone(),
                owner: chat.owner,
                private: chat.private,
            };
            if let (true, [a, b]) = (chat.private, chat.members.as_slice()) {
                state.dialogs.insert(pair(*a, *b), chat.id);
            }
            state.chats.insert(chat.id, meta);
        }
        for message in &world.messages {
            top_user = top_user.max(message.author);
            let meta = MessageMeta {
                chat: message.chat,
                author: message.author,
                text: message.text.clone(),
                rich: Rich {
                    keyboard: message.keyboard.as_ref().map(Value::to_string),
                    attach: message.attach.as_ref().map(Value::to_string),
                    menu: message.menu.as_ref().map(Value::to_string),
                },
            };
            state.messages.insert(message.id, meta);
        }
        state.next_user = top_user.saturating_add(1);
        state.next_chat = state
            .chats
            .keys()
            .max()
            .map_or(1, |&id| id.saturating_add(1));
        state.next_message = state
            .messages
            .keys()
            .max()
            .map_or(1, |&id| id.saturating_add(1));
        state.next_command = 1;
        state
    }
}

impl State {
    /// Why bot `bot` cannot hold a command named `name` besides those it
    /// has, `except` aside (a command being renamed): a name too long,
    /// one the bot already has, or no room left for the bot or in all.
    pub(crate) fn command_refusal(
        &self,
        bot: u32,
        name: &str,
        except: Option<u32>,
    ) -> Option<&'static str> {
        if name.len() > MAX_COMMAND_BYTES {
            return Some("the name is longer than 255 bytes");
        }
        let others = self.commands.iter().filter(|(id, _)| Some(**id) != except);
        let mut own = 0;
        for (_, command) in others {
            if command.bot == bot {
                if command.command == name {
                    return Some("the bot already has a command of that name");
                }
                own += 1;
            }
        }
        if except.is_some() {
            return None;
        }
        if own >= MAX_COMMANDS_PER_BOT {
            return Some("the bot has 100 commands already");
        }
        (self.commands.len() >= MAX_COMMANDS).then_some("1000 commands are registered already")
    }
}

/// A private dialog's key: its two members, ascending.
pub(crate) fn pair(a: u32, b: u32) -> (u32, u32) {
    (a.min(b), a.max(b))
}
