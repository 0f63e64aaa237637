//! The world methods themselves. Each checks everything first and changes
//! the engine and the registry last, so an error changes nothing.
//!
//! Access rules (the safe choice where a portal's rule is not documented):
//! - a bot acts only for its own application (`APP_ID_ERROR`), and with no
//!   `BOT_ID` the application's lowest bot id acts (`imbot.unregister`
//!   requires `BOT_ID`);
//! - posting, reading and adding members need membership of the chat
//!   (`ACCESS_ERROR`); a user id as `DIALOG_ID` opens a private dialog on
//!   first use;
//! - a message is deleted or updated only by its author
//!   (`CANT_EDIT_MESSAGE`);
//! - only a chat's owner removes other members; anyone may leave;
//! - private dialogs take no member changes (`ACCESS_ERROR`).

use std::collections::BTreeSet;

use imbot_like::wire::AppKind;
use imbot_like::{AppId, BotId, ChatId, CommandError, MessageId, UserId};
use serde_json::{Value, json};

use super::errors::PortalError;
use super::params::{Params, is_http_url};
use super::registry::{ChatMeta, MAX_BOTS_PER_APP, MessageMeta, Rich, pair};
use super::rich::Fields;
use super::{Caller, PortalMethod};
use crate::auth::WebhookKey;
use crate::identity::WebhookBot;
use crate::push::{self, Delivery};
use crate::state::HostState;
use crate::state::command::EngineCommand;

/// A method's answer: the `result` value, or the error.
pub(super) type Answer = Result<Value, PortalError>;

/// The longest text kept for a message, in bytes (longer is cut at a
/// character boundary).
const MAX_TEXT: usize = 20_000;

/// One call's view of the host's state, and whether the call changed it.
pub(crate) struct Step<'a> {
    pub(super) st: &'a mut HostState,
    pub(super) params: &'a Params,
    /// Randomness for a new bot token (`None`: derived from the id).
    entropy: Option<u64>,
    /// The call's time, for the events it pushes.
    pub(super) at_ms: u64,
    /// Whether the state changed.
    pub(crate) changed: bool,
    /// The events the call pushes to bots' handlers (see `push`).
    pub(crate) deliveries: Vec<Delivery>,
}

impl<'a> Step<'a> {
    /// A step of a call with `params` at `at_ms` on the state.
    pub(crate) fn new(
        st: &'a mut HostState,
        params: &'a Params,
        entropy: Option<u64>,
        at_ms: u64,
    ) -> Self {
        Self {
            st,
            params,
            entropy,
            at_ms,
            changed: false,
            deliveries: Vec::new(),
        }
    }

    /// Pushes `ONIMBOTJOINCHAT` to `user` if it is a bot, added to `chat`
    /// by `actor`.
    fn joined(&mut self, user: u32, chat: u32, actor: u32) {
        if let Some(delivery) = push::join_chat(self.st, user, chat, actor, self.at_ms) {
            self.deliveries.push(delivery);
        }
    }

    /// Runs `method` for `caller`.
    pub(crate) fn run(&mut self, method: PortalMethod, caller: &Caller) -> Answer {
        match (method, caller) {
            (PortalMethod::BotRegister, Caller::App(app)) => self.register(*app, None),
            (PortalMethod::BotRegister, Caller::Webhook { hook, client_id }) => {
                self.register(None, Some((hook, client_id)))
            }
            (PortalMethod::BotList, _) => Ok(self.bot_list()),
            (PortalMethod::BotV2Update, Caller::App(app)) => self.v2_update(*app),
            (method, Caller::App(app)) if method.is_command() => self.command_call(method, *app),
            (method, Caller::App(app)) => {
                let bot = self.bot(*app, method == PortalMethod::BotUnregister)?;
                self.as_member(method, bot.get())
            }
            (method, Caller::User(user)) => self.as_member(method, user.get()),
            (_, Caller::Webhook { .. }) => Err(PortalError::WrongRequest("Wrong request")),
        }
    }

    /// Applies one engine transition, noting that the state changed.
    pub(super) fn exec(&mut self, command: &EngineCommand) -> Result<(), CommandError> {
        let result = self.st.engine.apply(command);
        if result.is_ok() {
            self.changed = true;
        }
        result.map(drop)
    }

    /// The methods where a user or a bot acts as a chat member.
    fn as_member(&mut self, method: PortalMethod, actor: u32) -> Answer {
        use PortalMethod as M;
        match method {
            M::BotMessageAdd => self.message_add(actor, true),
            M::UserMessageAdd => self.message_add(actor, false),
            M::BotMessageUpdate => self.message_update(actor, true),
            M::UserMessageUpdate => self.message_update(actor, false),
            M::ButtonPress => self.press(actor),
            M::BotMessageDelete | M::UserMessageDelete => self.message_delete(actor),
            M::BotChatAdd | M::UserChatAdd => self.chat_add(actor),
            M::BotChatUserAdd | M::UserChatUserAdd => self.chat_user_add(actor),
            M::BotChatUserDelete | M::UserChatUserDelete => self.chat_user_delete(actor),
            M::BotChatLeave | M::UserChatLeave => self.chat_leave(actor),
            M::BotUnregister => self.unregister(actor),
            M::DialogMessagesGet => self.dialog_messages(actor),
            M::BotRegister
            | M::BotV2Update
            | M::BotList
            | M::CommandRegister
            | M::CommandUnregister
            | M::CommandUpdate
            | M::CommandAnswer => Err(PortalError::WrongRequest("Wrong request")),
        }
    }

    /// The acting bot: `BOT_ID`, or the application's lowest bot id.
    pub(super) fn bot(&self, app: Option<AppId>, required: bool) -> Result<BotId, PortalError> {
        let bot = match self.params.text("BOT_ID") {
            Some(text) => text.trim().parse::<BotId>().ok(),
            None if required => None,
            None => self
                .st
                .engine
                .bots()
                .filter(|&(_, owner)| Some(owner) == app)
                .map(|(bot, _)| bot)
                .min(),
        };
        let bot = bot.ok_or(PortalError::BotIdError)?;
        match self.st.engine.bot_owner(bot) {
            None => Err(PortalError::BotIdError),
            Some(owner) if Some(owner) == app => Ok(bot),
            Some(_) => Err(PortalError::AppIdError),
        }
    }

    /// `im.message.add`, `imbot.message.add`: the new message's id. A
    /// user's message that is not `SYSTEM=Y` calls the commands it names
    /// (see `push::command_add`); a bot's calls none.
    fn message_add(&mut self, actor: u32, bot: bool) -> Answer {
        let dialog = self.dialog()?;
        let text = self.params.text("MESSAGE").unwrap_or_default().trim();
        if text.is_empty() {
            return Err(PortalError::MessageEmpty);
        }
        let rich = Fields::read(self.params, bot.then_some(actor))?.apply(&Rich::default());
        let next_chat = self.st.registry.next_chat;
        let chat = self.enter(dialog, actor, true)?;
        let id = match self.store_message(chat, actor, text, rich) {
            Ok(id) => id,
            Err(e) => {
                if self.st.registry.next_chat != next_chat {
                    self.close_new_dialog(chat, next_chat);
                }
                return Err(e);
            }
        };
        if self.params.text("SYSTEM") != Some("Y") {
            let called = push::command_add(self.st, id, self.at_ms);
            self.deliveries.extend(called);
        }
        Ok(json!(id))
    }

    /// Posts and keeps message `text` in `chat` by `actor`, pushing
    /// `ONIMBOTMESSAGEADD` to the bots that hear it: its id.
    pub(super) fn store_message(
        &mut self,
        chat: u32,
        actor: u32,
        text: &str,
        rich: Rich,
    ) -> Result<u64, PortalError> {
        let id = self.st.registry.next_message;
        self.post(id, chat, actor)?;
        let meta = MessageMeta {
            chat,
            author: actor,
            text: Some(cut(text).to_owned()),
            rich,
        };
        self.st.registry.messages.insert(id, meta);
        self.st.registry.next_message = id.saturating_add(1);
        let pushed = push::message_event(self.st, id, push::MESSAGE_ADD, self.at_ms);
        self.deliveries.extend(pushed);
        Ok(id)
    }

    /// `im.message.update`, `imbot.message.update`: `true`. The message
    /// (`MESSAGE_ID`, or `ID`) must be the caller's own; `MESSAGE`,
    /// `ATTACH`, `KEYBOARD` and `MENU` each replace the message's when
    /// given (an empty or `N` one removes it). When `MESSAGE` is given and
    /// a user wrote the message, the bots that hear it get
    /// `ONIMBOTMESSAGEUPDATE`.
    fn message_update(&mut self, actor: u32, bot: bool) -> Answer {
        let id = self.message_id()?;
        let meta = self.st.registry.messages.get(&id.get());
        let meta = meta
            .filter(|m| m.author == actor)
            .ok_or(PortalError::CantEditMessage)?;
        let fields = Fields::read(self.params, bot.then_some(actor))?;
        let text = match self.params.text("MESSAGE").map(str::trim) {
            Some("") => return Err(PortalError::MessageEmpty),
            Some(text) => Some(cut(text).to_owned()),
            None => None,
        };
        let text_given = text.is_some();
        if !text_given && !fields.any() {
            return Ok(json!(true));
        }
        let rich = fields.apply(&meta.rich);
        if let Some(meta) = self.st.registry.messages.get_mut(&id.get()) {
            meta.text = text.or(meta.text.take());
            meta.rich = rich;
        }
        self.changed = true;
        // Portals tell bots of a new text only.
        if text_given {
            let update = push::MESSAGE_UPDATE;
            let pushed = push::message_event(self.st, id.get(), update, self.at_ms);
            self.deliveries.extend(pushed);
        }
        Ok(json!(true))
    }

    /// Posts message `id` in `chat` by `actor` in the engine.
    fn post(&mut self, id: u64, chat: u32, actor: u32) -> Result<(), PortalError> {
        let (message, chat_id, author) = (message_id(id)?, chat_id(chat)?, user_id(actor)?);
        let post = EngineCommand::PostMessage {
            message,
            chat: chat_id,
            author,
        };
        self.exec(&post)
            .map_err(|_| PortalError::WrongRequest("Message isn't added"))
    }

    /// Takes back a private dialog this call opened, when the message that
    /// opened it was refused: the call then changes nothing.
    fn close_new_dialog(&mut self, chat: u32, next_chat: u32) {
        if let Some(id) = ChatId::new(chat) {
            let _ = self.st.engine.apply(&EngineCommand::CloseChat { chat: id });
        }
        self.st.registry.chats.remove(&chat);
        self.st.registry.dialogs.retain(|_, c| *c != chat);
        self.st.registry.next_chat = next_chat;
    }

    /// `im.message.delete`, `imbot.message.delete`: `true`. The message
    /// is `ID`, or `MESSAGE_ID` when that is given, as portals read it.
    fn message_delete(&mut self, actor: u32) -> Answer {
        let id = self.message_id()?;
        let own = self
            .st
            .registry
            .messages
            .get(&id.get())
            .is_some_and(|m| m.author == actor);
        if !own {
            return Err(PortalError::CantEditMessage);
        }
        let pushed = push::message_delete(self.st, id.get(), actor, self.at_ms);
        self.exec(&EngineCommand::DeleteMessage { message: id })
            .map_err(|_| PortalError::CantEditMessage)?;
        self.deliveries.extend(pushed);
        self.st.registry.messages.remove(&id.get());
        Ok(json!(true))
    }

    /// `im.chat.add`, `imbot.chat.add`: the new chat's id; the caller owns
    /// it and is its first member.
    fn chat_add(&mut self, actor: u32) -> Answer {
        let mut members = BTreeSet::from([actor]);
        for text in self.params.list("USERS") {
            let user = text.trim().parse::<u32>().ok().filter(|&id| id > 0);
            members.insert(user.ok_or(PortalError::WrongRequest("Chat isn't created"))?);
        }
        let id = self.st.registry.next_chat;
        let not_created = PortalError::WrongRequest("Chat isn't created");
        let mut list = heapless::Vec::new();
        for user in members.into_iter().filter_map(UserId::new) {
            list.push(user).map_err(|_| not_created)?;
        }
        let open = EngineCommand::OpenChat {
            chat: chat_id(id)?,
            members: list,
        };
        self.exec(&open).map_err(|_| not_created)?;
        let title = self
            .params
            .text("TITLE")
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let meta = ChatMeta {
            title: title.map(|t| cut(t).to_owned()),
            owner: Some(actor),
            private: false,
        };
        self.st.registry.chats.insert(id, meta);
        self.st.registry.next_chat = id.saturating_add(1);
        for user in members_of(self.st, id) {
            if user != actor {
                self.joined(user, id, actor);
            }
        }
        Ok(json!(id))
    }

    /// `im.chat.user.add`, `imbot.chat.user.add`: `true`. Users already in
    /// the chat are skipped; if all are, nothing changed.
    fn chat_user_add(&mut self, actor: u32) -> Answer {
        let chat = self.group_chat(actor)?;
        let mut users = BTreeSet::new();
        for text in self.params.list("USERS") {
            if let Ok(user) = text.trim().parse::<UserId>() {
                users.insert(user);
            }
        }
        if users.is_empty() {
            return Err(PortalError::UsersEmpty);
        }
        let id = chat_id(chat)?;
        users.retain(|&user| !self.st.engine.is_member(id, user));
        if users.is_empty() {
            return Err(PortalError::WrongRequest("User already member in chat"));
        }
        let room = self.st.engine.chat_members(id).map_or(0, <[UserId]>::len) + users.len();
        if room > MAX_MEMBERS {
            return Err(PortalError::WrongRequest("Too many members in chat"));
        }
        let mut joined = Vec::with_capacity(users.len());
        for user in users {
            if self
                .exec(&EngineCommand::JoinChat { chat: id, user })
                .is_err()
            {
                // All or nothing: those who joined leave again.
                for user in joined {
                    let _ = self
                        .st
                        .engine
                        .apply(&EngineCommand::LeaveChat { chat: id, user });
                }
                return Err(PortalError::WrongRequest("Too many members in chat"));
            }
            joined.push(user);
        }
        for user in joined {
            self.joined(user.get(), chat, actor);
        }
        Ok(json!(true))
    }

    /// `im.chat.user.delete`, `imbot.chat.user.delete`: `true`.
    fn chat_user_delete(&mut self, actor: u32) -> Answer {
        let chat = self.group_chat(actor)?;
        let user = self
            .params
            .text("USER_ID")
            .and_then(|t| t.trim().parse::<UserId>().ok())
            .ok_or(PortalError::UserIdEmpty)?;
        let owner = self.st.registry.chats.get(&chat).and_then(|c| c.owner);
        if user.get() != actor && owner != Some(actor) {
            return Err(PortalError::AccessError);
        }
        let leave = EngineCommand::LeaveChat {
            chat: chat_id(chat)?,
            user,
        };
        self.exec(&leave)
            .map_err(|_| PortalError::WrongRequest("User isn't member in chat"))?;
        Ok(json!(true))
    }

    /// `im.chat.leave`, `imbot.chat.leave`: `true`.
    fn chat_leave(&mut self, actor: u32) -> Answer {
        let chat = self.group_chat(actor)?;
        let leave = EngineCommand::LeaveChat {
            chat: chat_id(chat)?,
            user: user_id(actor)?,
        };
        self.exec(&leave).map_err(|_| PortalError::AccessError)?;
        Ok(json!(true))
    }

    /// `im.dialog.messages.get`: a page of the dialog's messages with
    /// their text and likers: the newest `LIMIT` (default 20, at most 50),
    /// those before `LAST_ID` newest first, or those after `FIRST_ID`
    /// oldest first, as portals page them.
    fn dialog_messages(&mut self, actor: u32) -> Answer {
        let dialog = self.dialog()?;
        let chat = self.enter(dialog, actor, false)?;
        let page = Page::read(self.params)?;
        let messages = &self.st.registry.messages;
        let in_chat = |&(_, m): &(&u64, &MessageMeta)| m.chat == chat;
        let picked: Vec<Value> = match page.from {
            From::After(first) => messages
                .range(first.saturating_add(1)..)
                .filter(in_chat)
                .take(page.limit)
                .map(|(&id, m)| self.message_json(id, m))
                .collect(),
            From::Before(last) => messages
                .range(..last)
                .rev()
                .filter(in_chat)
                .take(page.limit)
                .map(|(&id, m)| self.message_json(id, m))
                .collect(),
        };
        Ok(json!({ "chat_id": chat, "messages": picked }))
    }

    /// The message a call names: `MESSAGE_ID`, or `ID` when that is not
    /// given, as portals read it.
    fn message_id(&self) -> Result<MessageId, PortalError> {
        self.params
            .text("MESSAGE_ID")
            .or_else(|| self.params.text("ID"))
            .and_then(|t| t.trim().parse::<MessageId>().ok())
            .ok_or(PortalError::MessageIdError)
    }

    fn message_json(&self, id: u64, meta: &MessageMeta) -> Value {
        let likers: Vec<u32> = MessageId::new(id)
            .and_then(|m| self.st.engine.likers(m))
            .map(|users| users.map(UserId::get).collect())
            .unwrap_or_default();
        let mut params = json!({ "LIKE": likers });
        let rich = &meta.rich;
        for (name, text) in [
            ("KEYBOARD", &rich.keyboard),
            ("ATTACH", &rich.attach),
            ("MENU", &rich.menu),
        ] {
            let value = text
                .as_deref()
                .and_then(|t| serde_json::from_str::<Value>(t).ok());
            match (name, value) {
                // Portals list a message's attachments.
                ("ATTACH", Some(attach)) => params[name] = json!([attach]),
                (_, Some(value)) => params[name] = value,
                (_, None) => {}
            }
        }
        json!({
            "id": id,
            "chat_id": meta.chat,
            "author_id": meta.author,
            "text": meta.text.as_deref().unwrap_or_default(),
            "params": params,
        })
    }

    /// `imbot.register`: the new bot's id (or the id of the application's
    /// bot with the same `CODE`). Over a webhook the bot belongs to the
    /// webhook's `CLIENT_ID` (the webhook namespace), is driven by that
    /// webhook only, and gets a bot token for the v2 methods: `BOT_TOKEN`
    /// if given, else one the host makes (read it from the world dump).
    /// A refusal after the webhook's application was registered takes
    /// that registration back, so the call changes nothing.
    fn register(&mut self, app: Option<AppId>, webhook: Option<(&WebhookKey, &String)>) -> Answer {
        let apps_before = self.st.apps.clone();
        let answer = self.try_register(app, webhook);
        if answer.is_err() {
            self.st.apps = apps_before;
        }
        answer
    }

    fn try_register(
        &mut self,
        app: Option<AppId>,
        webhook: Option<(&WebhookKey, &String)>,
    ) -> Answer {
        let code = self.params.text("CODE").map(str::trim).unwrap_or_default();
        if code.is_empty() {
            return Err(PortalError::CodeError);
        }
        let name = ["PROPERTIES[NAME]", "PROPERTIES[LAST_NAME]"]
            .iter()
            .filter_map(|n| self.params.text(n))
            .map(str::trim)
            .find(|n| !n.is_empty())
            .ok_or(PortalError::NameError)?
            .to_owned();
        self.check_handlers()?;
        let wanted_token = self.bot_token()?;
        let app = match (webhook, app) {
            (Some((_, client)), _) => self.webhook_app(client)?,
            (None, Some(app)) => app,
            (None, None) => return Err(PortalError::WrongRequest("Application not found")),
        };
        let own: Vec<BotId> = self
            .st
            .engine
            .bots()
            .filter(|&(_, owner)| owner == app)
            .map(|(bot, _)| bot)
            .collect();
        let same_code = own.iter().find(|bot| {
            let meta = self.st.registry.bots.get(&bot.get());
            meta.and_then(|m| m.code.as_deref()) == Some(code)
        });
        if let Some(bot) = same_code {
            return Ok(json!(bot.get()));
        }
        if own.len() >= MAX_BOTS_PER_APP {
            return Err(PortalError::MaxCountError);
        }
        let id = self.st.registry.next_user;
        let bot = BotId::new(id).ok_or(PortalError::WrongRequest("Bot isn't registered"))?;
        self.exec(&EngineCommand::RegisterBot { bot, app })
            .map_err(|_| PortalError::WrongRequest("Bot isn't registered"))?;
        if let Some((hook, _)) = webhook {
            let token = wanted_token.unwrap_or_else(|| self.new_bot_token(id));
            let entry = WebhookBot {
                app,
                token: Some(token),
                registered_by: hook.clone(),
                drivers: [hook.clone()].into(),
            };
            // The token was checked free above.
            let _ = self.st.webhook_bots.add(bot, entry);
        }
        let kind = self
            .params
            .text("TYPE")
            .map(|t| t.trim().to_ascii_uppercase());
        let meta = super::registry::BotMeta {
            code: Some(code.to_owned()),
            name: Some(name),
            kind: kind.filter(|k| !k.is_empty()),
            handlers: push::handlers(self.params),
        };
        self.st.registry.bots.insert(id, meta);
        self.st.registry.next_user = id.saturating_add(1);
        Ok(json!(id))
    }

    /// `BOT_TOKEN`, when given: not empty. Another bot's token is
    /// accepted, since `botId` and `botToken` together identify a bot; a
    /// refusal would tell the caller that the token exists.
    fn bot_token(&self) -> Result<Option<String>, PortalError> {
        let Some(token) = self.params.text("BOT_TOKEN").map(str::trim) else {
            return Ok(None);
        };
        if token.is_empty() {
            return Err(PortalError::WrongRequest("BOT_TOKEN is empty"));
        }
        Ok(Some(token.to_owned()))
    }

    /// A fresh bot token for bot `id`: from the call's randomness, or
    /// without any derived from the id, so runs repeat.
    fn new_bot_token(&self, id: u32) -> String {
        let mut salt = 0u64;
        loop {
            let token = match self.entropy {
                None => format!("bot-{id}-token-{salt}"),
                Some(entropy) => format!("bot-{id}-{:016x}", mix(entropy, id, salt)),
            };
            if !self.st.webhook_bots.token_taken(&token) {
                return token;
            }
            salt += 1;
        }
    }

    /// `EVENT_HANDLER`, or each of the three handlers, as http(s) URLs.
    fn check_handlers(&self) -> Result<(), PortalError> {
        let url = |name: &str| {
            self.params
                .text(name)
                .is_some_and(|u| is_http_url(u.trim()))
        };
        if url("EVENT_HANDLER") {
            return Ok(());
        }
        let checks = [
            ("EVENT_MESSAGE_ADD", PortalError::EventMessageAddError),
            (
                "EVENT_WELCOME_MESSAGE",
                PortalError::EventWelcomeMessageError,
            ),
            ("EVENT_BOT_DELETE", PortalError::EventBotDeleteError),
        ];
        match checks.into_iter().find(|(name, _)| !url(name)) {
            Some((_, error)) => Err(error),
            None => Ok(()),
        }
    }

    /// The application a webhook's `CLIENT_ID` names, registered on first
    /// use.
    fn webhook_app(&mut self, client: &str) -> Result<AppId, PortalError> {
        if let Some(app) = self.st.apps.lookup_as(AppKind::Webhook, client) {
            return Ok(app);
        }
        let app = self
            .st
            .apps
            .register_as(AppKind::Webhook, client)
            .map_err(|_| PortalError::WrongRequest("CLIENT_ID is not accepted"))?;
        self.changed = true;
        Ok(app)
    }

    /// `imbot.unregister`: `true`.
    fn unregister(&mut self, bot: u32) -> Answer {
        let id = BotId::new(bot).ok_or(PortalError::BotIdError)?;
        let pushed = push::bot_delete(self.st, bot, self.at_ms);
        self.exec(&EngineCommand::UnregisterBot { bot: id })
            .map_err(|_| PortalError::BotIdError)?;
        self.deliveries.extend(pushed);
        self.st.registry.bots.remove(&bot);
        self.st.registry.commands.retain(|_, c| c.bot != bot);
        self.st.webhook_bots.remove(id);
        self.st.events.set_mode(bot, None);
        Ok(json!(true))
    }

    /// `imbot.bot.list`: every bot by id, with `ID`, `NAME` and `CODE`.
    fn bot_list(&self) -> Value {
        let mut bots: Vec<u32> = self.st.engine.bots().map(|(bot, _)| bot.get()).collect();
        bots.sort_unstable();
        let mut list = serde_json::Map::new();
        for id in bots {
            let meta = self.st.registry.bots.get(&id).cloned().unwrap_or_default();
            let name = meta.name.unwrap_or_else(|| format!("Bot {id}"));
            let code = meta.code.unwrap_or_else(|| format!("bot{id}"));
            let entry = json!({ "ID": id, "NAME": name, "CODE": code, "OPENLINE": "N" });
            list.insert(id.to_string(), entry);
        }
        Value::Object(list)
    }

    /// `DIALOG_ID`: a chat (`chatN`) or a user id.
    fn dialog(&self) -> Result<Dialog, PortalError> {
        let text = self
            .params
            .text("DIALOG_ID")
            .map(str::trim)
            .unwrap_or_default();
        let dialog = match text.get(..4) {
            Some(prefix) if prefix.eq_ignore_ascii_case("chat") => text[4..]
                .parse::<u32>()
                .ok()
                .filter(|&id| id > 0)
                .map(Dialog::Chat),
            _ => text
                .parse::<u32>()
                .ok()
                .filter(|&id| id > 0)
                .map(Dialog::User),
        };
        dialog.ok_or(PortalError::DialogIdEmpty)
    }

    /// The chat of a dialog the actor is a member of; a private dialog is
    /// opened when `open` and it does not exist yet.
    pub(super) fn enter(
        &mut self,
        dialog: Dialog,
        actor: u32,
        open: bool,
    ) -> Result<u32, PortalError> {
        let chat = match dialog {
            Dialog::Chat(chat) => chat,
            Dialog::User(user) => match self.st.registry.dialogs.get(&pair(actor, user)) {
                Some(&chat) => chat,
                None if open => return self.open_dialog(actor, user),
                None => return Err(PortalError::AccessError),
            },
        };
        if self.st.engine.is_member(chat_id(chat)?, user_id(actor)?) {
            Ok(chat)
        } else {
            Err(PortalError::AccessError)
        }
    }

    /// Opens the private dialog of two users.
    fn open_dialog(&mut self, a: u32, b: u32) -> Result<u32, PortalError> {
        let id = self.st.registry.next_chat;
        let not_added = PortalError::WrongRequest("Message isn't added");
        let mut members = heapless::Vec::new();
        for user in [user_id(a)?, user_id(b)?] {
            members.push(user).map_err(|_| not_added)?;
        }
        let open = EngineCommand::OpenChat {
            chat: chat_id(id)?,
            members,
        };
        self.exec(&open).map_err(|_| not_added)?;
        let meta = ChatMeta {
            title: None,
            owner: None,
            private: true,
        };
        self.st.registry.chats.insert(id, meta);
        self.st.registry.dialogs.insert(pair(a, b), id);
        self.st.registry.next_chat = id.saturating_add(1);
        self.joined(b, id, a);
        Ok(id)
    }

    /// `CHAT_ID` of a group chat the actor is a member of.
    fn group_chat(&self, actor: u32) -> Result<u32, PortalError> {
        let chat = self
            .params
            .text("CHAT_ID")
            .and_then(|t| t.trim().parse::<u32>().ok())
            .filter(|&id| id > 0)
            .ok_or(PortalError::ChatIdEmpty)?;
        let group = self
            .st
            .registry
            .chats
            .get(&chat)
            .is_some_and(|c| !c.private);
        if group && self.st.engine.is_member(chat_id(chat)?, user_id(actor)?) {
            Ok(chat)
        } else {
            Err(PortalError::AccessError)
        }
    }
}

/// A `DIALOG_ID`.
#[derive(Debug, Clone, Copy)]
pub(super) enum Dialog {
    /// `chatN`.
    Chat(u32),
    /// A user id: the private dialog with that user.
    User(u32),
}

/// A token's 64 bits from the call's randomness, the bot id and a salt
/// (splitmix64 steps: distinct inputs give unrelated outputs).
fn mix(entropy: u64, id: u32, salt: u64) -> u64 {
    let mut x = entropy ^ (u64::from(id) << 32) ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The members of chat `id`, as ids.
fn members_of(st: &HostState, id: u32) -> Vec<u32> {
    let members = ChatId::new(id).and_then(|c| st.engine.chat_members(c));
    members
        .unwrap_or_default()
        .iter()
        .map(|m| m.get())
        .collect()
}

/// The most members a chat holds (the server sizing's).
const MAX_MEMBERS: usize = 128;

pub(super) fn chat_id(id: u32) -> Result<ChatId, PortalError> {
    ChatId::new(id).ok_or(PortalError::ChatIdEmpty)
}

pub(super) fn user_id(id: u32) -> Result<UserId, PortalError> {
    UserId::new(id).ok_or(PortalError::UserIdEmpty)
}

pub(super) fn message_id(id: u64) -> Result<MessageId, PortalError> {
    MessageId::new(id).ok_or(PortalError::WrongRequest("Message isn't added"))
}

/// `text` cut to [`MAX_TEXT`] bytes at a character boundary.
pub(super) fn cut(text: &str) -> &str {
    let mut end = text.len().min(MAX_TEXT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Which messages of a dialog `im.dialog.messages.get` answers.
struct Page {
    from: From,
    limit: usize,
}

/// Where a page starts.
enum From {
    /// The messages after this id, oldest first (`FIRST_ID`; 0 for the
    /// chat's first message).
    After(u64),
    /// The messages before this id, newest first (`LAST_ID`; none sent
    /// for the newest).
    Before(u64),
}

impl Page {
    /// The most messages a page holds, and how many without `LIMIT`.
    const MAX: usize = 50;
    const DEFAULT: usize = 20;

    /// `FIRST_ID` (which wins), `LAST_ID` and `LIMIT`, as portals read
    /// them: an id of other than digits is refused, `LIMIT` over 50 means
    /// 50. A `LIMIT` that is not a positive number means 20 here (portals
    /// then set no limit at all).
    fn read(params: &Params) -> Result<Self, PortalError> {
        let id = |name, refusal| -> Result<Option<u64>, PortalError> {
            let Some(text) = params.text(name) else {
                return Ok(None);
            };
            let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
            if !digits {
                return Err(refusal);
            }
            Ok(Some(text.parse().unwrap_or(u64::MAX)))
        };
        let from = match id("FIRST_ID", PortalError::FirstIdString)? {
            Some(first) => From::After(first),
            None => match id("LAST_ID", PortalError::LastIdString)? {
                Some(last) if last > 0 => From::Before(last),
                _ => From::Before(u64::MAX),
            },
        };
        let limit = params
            .text("LIMIT")
            .and_then(|text| text.trim().parse::<usize>().ok())
            .filter(|&n| n > 0)
            .map_or(Self::DEFAULT, |n| n.min(Self::MAX));
        Ok(Self { from, limit })
    }
}
