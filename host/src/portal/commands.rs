//! Bots' slash commands: `imbot.command.register`, `.unregister`,
//! `.update` and `.answer`, and a keyboard button's press, which calls the
//! button's command as the user who pressed it.
//!
//! A command belongs to a bot and its application; the application has
//! one `ONIMCOMMANDADD` handler, the one its last registration (or
//! update) named. Which bot hears a command is decided where the event
//! is built (`push::command_add`, `push::command_press`).

use imbot_like::{AppId, MessageId};
use serde_json::{Value, json};

use super::PortalMethod;
use super::errors::PortalError;
use super::methods::{Answer, Step, cut};
use super::params::is_http_url;
use super::registry::{CommandMeta, Rich};
use super::rich::{self, Fields};
use crate::push;

/// `EVENT_COMMAND_ADD` missing.
const NO_HANDLER: &str = "Handler for \"Command add\" event isn't specified";
/// `EVENT_COMMAND_ADD` not an http(s) URL.
const WRONG_HANDLER: &str = "Wrong handler URL";
/// A registration the caps refuse: a name over 255 bytes, or no room
/// for the bot's 101st command or the 1,001st in all.
const NOT_CREATED: &str = "Command can't be created";
/// An update the caps refuse: a new name over 255 bytes, or one the
/// bot already has.
const NOT_UPDATED: &str = "Command can't be updated";

impl Step<'_> {
    /// One of the `imbot.command.*` methods, called by `app`.
    pub(super) fn command_call(&mut self, method: PortalMethod, app: Option<AppId>) -> Answer {
        match method {
            PortalMethod::CommandRegister => self.command_register(app),
            PortalMethod::CommandUnregister => self.command_unregister(app),
            PortalMethod::CommandUpdate => self.command_update(app),
            _ => self.command_answer(app),
        }
    }

    /// `imbot.command.register`: the command's id (the existing one's
    /// when the bot already has the command). Checked in the portal's
    /// order: the handler, `COMMAND`, `BOT_ID`, `LANG`.
    fn command_register(&mut self, app: Option<AppId>) -> Answer {
        let handler = self
            .handler_url("EVENT_COMMAND_ADD")?
            .ok_or(PortalError::EventCommandAddError(NO_HANDLER))?;
        let command = self
            .command_name("COMMAND")
            .ok_or(PortalError::CommandError)?;
        let bot = self.bot(app, true)?.get();
        let lang = self.langs("LANG")?.ok_or(PortalError::LangError)?;
        let owner = self
            .st
            .engine
            .bot_owner(imbot_like::BotId::new(bot).ok_or(PortalError::BotIdError)?);
        let app = owner.ok_or(PortalError::BotIdError)?.0;
        let flag = |name: &str| self.params.text(name) == Some("Y");
        let meta = CommandMeta {
            bot,
            app,
            command,
            common: flag("COMMON"),
            hidden: flag("HIDDEN"),
            extranet: flag("EXTRANET_SUPPORT"),
            lang,
        };
        let registry = &mut self.st.registry;
        let same = registry
            .commands
            .iter()
            .find(|(_, c)| c.bot == bot && c.command == meta.command)
            .map(|(&id, _)| id);
        // `u32::MAX` is never an id: it marks the ids as run out.
        let id = registry.next_command;
        if same.is_none() && id == u32::MAX {
            return Err(PortalError::WrongRequest("No command id is left"));
        }
        if same.is_none() && registry.command_refusal(bot, &meta.command, None).is_some() {
            return Err(PortalError::WrongRequest(NOT_CREATED));
        }
        registry.command_handlers.insert(app, handler);
        self.changed = true;
        if let Some(id) = same {
            return Ok(json!(id));
        }
        registry.commands.insert(id, meta);
        registry.next_command = id + 1;
        Ok(json!(id))
    }

    /// `imbot.command.unregister`: `true`.
    fn command_unregister(&mut self, app: Option<AppId>) -> Answer {
        let id = self.own_command(app)?;
        self.st.registry.commands.remove(&id);
        self.changed = true;
        Ok(json!(true))
    }

    /// `imbot.command.update`: `true`. `FIELDS[COMMAND]`,
    /// `FIELDS[HIDDEN]`, `FIELDS[EXTRANET_SUPPORT]`, `FIELDS[LANG]` and
    /// `FIELDS[EVENT_COMMAND_ADD]` (the application's handler) replace
    /// what is set; at least one must be given.
    fn command_update(&mut self, app: Option<AppId>) -> Answer {
        let id = self.own_command(app)?;
        let handler = self.handler_url("FIELDS[EVENT_COMMAND_ADD]")?;
        let command = self.command_name("FIELDS[COMMAND]");
        let flag = |name: &str| {
            let value = self.params.text(name).filter(|v| !v.is_empty());
            value.map(|v| v == "Y")
        };
        let (hidden, extranet) = (flag("FIELDS[HIDDEN]"), flag("FIELDS[EXTRANET_SUPPORT]"));
        let lang = self.langs("FIELDS[LANG]")?;
        let nothing = command.is_none() && hidden.is_none() && extranet.is_none();
        if nothing && lang.is_none() && handler.is_none() {
            return Err(PortalError::WrongRequest("Update fields can't be empty"));
        }
        let registry = &mut self.st.registry;
        let bot = registry.commands.get(&id).map(|c| c.bot);
        let bot = bot.ok_or(PortalError::CommandIdError)?;
        let renamed = command.as_deref();
        if renamed.is_some_and(|name| registry.command_refusal(bot, name, Some(id)).is_some()) {
            return Err(PortalError::WrongRequest(NOT_UPDATED));
        }
        let Some(meta) = registry.commands.get_mut(&id) else {
            return Err(PortalError::CommandIdError);
        };
        let app = meta.app;
        meta.command = command.unwrap_or_else(|| meta.command.clone());
        meta.hidden = hidden.unwrap_or(meta.hidden);
        meta.extranet = extranet.unwrap_or(meta.extranet);
        meta.lang = lang.unwrap_or_else(|| meta.lang.clone());
        if let Some(url) = handler {
            registry.command_handlers.insert(app, url);
        }
        self.changed = true;
        Ok(json!(true))
    }

    /// `imbot.command.answer`: the answer's message id. The command is
    /// `COMMAND_ID`, or the caller's command named `COMMAND`; the answer
    /// is posted by the command's bot in the chat of `MESSAGE_ID` (the
    /// message that called it), which the bot must be a member of.
    /// Answers call no commands.
    fn command_answer(&mut self, app: Option<AppId>) -> Answer {
        let id = match self.params.text("COMMAND_ID") {
            Some(_) => self.own_command(app)?,
            None => self.command_by_name(app)?,
        };
        let bot = self.st.registry.commands.get(&id).map(|c| c.bot);
        let bot = bot.ok_or(PortalError::CommandIdError)?;
        let message = self
            .params
            .text("MESSAGE_ID")
            .and_then(|t| t.trim().parse::<MessageId>().ok())
            .ok_or(PortalError::MessageIdEmpty)?;
        let text = self.params.text("MESSAGE").unwrap_or_default().trim();
        if text.is_empty() {
            return Err(PortalError::MessageEmpty);
        }
        let rich = Fields::read(self.params, Some(bot))?.apply(&Rich::default());
        let not_added = PortalError::WrongRequest("Message isn't added");
        let chat = self
            .st
            .registry
            .messages
            .get(&message.get())
            .map(|m| m.chat);
        let chat = chat.ok_or(not_added)?;
        let member = super::methods::chat_id(chat)
            .ok()
            .zip(super::methods::user_id(bot).ok())
            .is_some_and(|(c, u)| self.st.engine.is_member(c, u));
        if !member {
            return Err(not_added);
        }
        let text = cut(text).to_owned();
        Ok(json!(self.store_message(chat, bot, &text, rich)?))
    }

    /// A keyboard button's press by `actor`: `MESSAGE_ID` (a message in a
    /// chat the actor is a member of), `COMMAND` and, when the keyboard
    /// has several buttons with that command, `COMMAND_PARAMS`. Calls the
    /// button's command with its parameters, as the actor, in the
    /// message's chat; changes nothing. The ids of the commands called.
    pub(super) fn press(&mut self, actor: u32) -> Answer {
        let id = self
            .params
            .text("MESSAGE_ID")
            .and_then(|t| t.trim().parse::<MessageId>().ok())
            .ok_or(PortalError::MessageIdError)?;
        let meta = self.st.registry.messages.get(&id.get());
        let meta = meta.ok_or(PortalError::MessageIdError)?;
        let member = super::methods::chat_id(meta.chat)
            .ok()
            .zip(super::methods::user_id(actor).ok())
            .is_some_and(|(c, u)| self.st.engine.is_member(c, u));
        if !member {
            return Err(PortalError::AccessError);
        }
        let command = self
            .command_name("COMMAND")
            .ok_or(PortalError::CommandError)?;
        let wanted = self.params.text("COMMAND_PARAMS");
        let button = rich::buttons(meta.rich.keyboard.as_deref())
            .into_iter()
            .find(|b| {
                b["COMMAND"].as_str() == Some(command.as_str())
                    && wanted.is_none_or(|p| b["COMMAND_PARAMS"].as_str() == Some(p))
            })
            .ok_or(PortalError::WrongRequest("The message has no such button"))?;
        if button["DISABLED"] == "Y" {
            return Err(PortalError::WrongRequest("The button is disabled"));
        }
        let bot = button["BOT_ID"]
            .as_u64()
            .and_then(|b| u32::try_from(b).ok());
        let params = button["COMMAND_PARAMS"].as_str().unwrap_or_default();
        let press = push::Press {
            message: id.get(),
            user: actor,
            bot: bot.unwrap_or_default(),
            command: &command,
            params,
        };
        let (called, deliveries) = push::command_press(self.st, &press, self.at_ms);
        self.deliveries.extend(deliveries);
        Ok(json!({ "commands": called }))
    }

    /// `COMMAND_ID`: a command of the caller's application.
    fn own_command(&self, app: Option<AppId>) -> Result<u32, PortalError> {
        let id = self
            .params
            .text("COMMAND_ID")
            .and_then(|t| t.trim().parse::<u32>().ok())
            .ok_or(PortalError::CommandIdError)?;
        let meta = self.st.registry.commands.get(&id);
        match meta {
            None => Err(PortalError::CommandIdError),
            Some(meta) if Some(meta.app) == app.map(|a| a.0) => Ok(id),
            Some(_) => Err(PortalError::CommandAppIdError),
        }
    }

    /// The caller's command named `COMMAND`.
    fn command_by_name(&self, app: Option<AppId>) -> Result<u32, PortalError> {
        // Compared as given: portals neither trim it nor drop a `/` here.
        let name = self
            .params
            .text("COMMAND")
            .ok_or(PortalError::CommandIdError)?;
        let app = app.map(|a| a.0);
        self.st
            .registry
            .commands
            .iter()
            .find(|(_, c)| Some(c.app) == app && c.command == name)
            .map(|(&id, _)| id)
            .ok_or(PortalError::CommandIdError)
    }

    /// A command name from `name`: trimmed, without its leading `/`;
    /// `None` when blank.
    fn command_name(&self, name: &str) -> Option<String> {
        let text = self.params.text(name)?.trim();
        let text = text.strip_prefix('/').unwrap_or(text);
        (!text.is_empty()).then(|| text.to_owned())
    }

    /// A handler URL from `name`: `None` when absent or empty, refused
    /// when not http(s).
    fn handler_url(&self, name: &str) -> Result<Option<String>, PortalError> {
        match self.params.text(name).map(str::trim) {
            None | Some("") => Ok(None),
            Some(url) if is_http_url(url) => Ok(Some(url.to_owned())),
            Some(_) => Err(PortalError::EventCommandAddError(WRONG_HANDLER)),
        }
    }

    /// `LANG` entries with a language id and a title: (language id in
    /// lower case, title, parameter hint). `None` when `name` is absent
    /// or empty; entries without an id or a title are skipped.
    /// `LANG_ERROR`: a name nested too deep.
    fn langs(&self, name: &str) -> Result<Option<Vec<Lang>>, PortalError> {
        let tree = self.params.tree(name).map_err(|_| PortalError::LangError)?;
        let Some(tree) = tree else { return Ok(None) };
        let entries: Vec<&Value> = match &tree {
            Value::Array(items) => items.iter().collect(),
            Value::Object(map) => map.values().collect(),
            _ => return Ok(None),
        };
        if entries.is_empty() {
            return Ok(None);
        }
        let langs = entries
            .into_iter()
            .filter_map(|entry| {
                let language = field(entry, "LANGUAGE_ID").filter(|l| !l.is_empty())?;
                let title = field(entry, "TITLE")?;
                let params = field(entry, "PARAMS").unwrap_or_default();
                Some((
                    language.to_ascii_lowercase(),
                    title.to_owned(),
                    params.to_owned(),
                ))
            })
            .collect();
        Ok(Some(langs))
    }
}

/// A `LANG` entry: language id, title, parameter hint.
type Lang = (String, String, String);

/// A string field of a `LANG` entry, trimmed.
fn field<'a>(entry: &'a Value, key: &str) -> Option<&'a str> {
    entry.get(key).and_then(Value::as_str).map(str::trim)
}
