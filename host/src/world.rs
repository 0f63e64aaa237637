//! The world file: applications, tokens, webhooks, bots, chats and
//! messages, checked against the engine's rules and capacities at start.

use std::collections::HashSet;
use std::fmt;

use imbot_like::wire::AppKind;
use imbot_like::{Action, AppId, BotId, ChatId, MessageId, ServerEngine, UserId, UserLikeRequest};
use serde::{Deserialize, Serialize};

use crate::auth::{Caller, Credentials, Grant, WebhookKey};
use crate::identity::{Apps, WebhookBot, WebhookBots};

/// A world file, as JSON.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct World {
    /// OAuth applications with their access tokens.
    #[serde(default)]
    pub apps: Vec<AppSpec>,
    /// Inbound webhooks: a user id, a code and scopes.
    #[serde(default)]
    pub webhooks: Vec<WebhookSpec>,
    /// Chatbots and the application that owns each.
    #[serde(default)]
    pub bots: Vec<BotSpec>,
    /// Chats with their members (user and bot ids).
    #[serde(default)]
    pub chats: Vec<ChatSpec>,
    /// Messages with their chat, author and initial likes.
    #[serde(default)]
    pub messages: Vec<MessageSpec>,
    /// Slash commands registered by bots (`imbot.command.register`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<CommandSpec>,
}

/// A bot's slash command.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CommandSpec {
    /// The command id.
    pub id: u32,
    /// The bot it belongs to (of the bot's application).
    pub bot: u32,
    /// The command, without its `/`.
    pub command: String,
    /// `ONIMCOMMANDADD`'s handler for the bot's application (the last
    /// command of an application in the file names it).
    pub handler: String,
    /// `COMMON=Y`: heard in every chat.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub common: bool,
    /// `HIDDEN=Y`: left out of the list users pick from.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
    /// `EXTRANET_SUPPORT=Y`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub extranet_support: bool,
    /// `LANG`: each language's title and parameter hint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lang: Vec<CommandLang>,
}

/// A command's title in one language.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CommandLang {
    /// The language id, lower case (`en`).
    pub language_id: String,
    /// The title.
    pub title: String,
    /// The parameter hint.
    #[serde(default)]
    pub params: String,
}

/// An application.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AppSpec {
    /// The application's client id.
    pub client_id: String,
    /// Its access tokens.
    #[serde(default)]
    pub tokens: Vec<TokenSpec>,
}

/// An OAuth access token.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TokenSpec {
    /// The token text, sent as `auth`.
    pub token: String,
    /// Its scopes (`imbot`, `im`, …).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The user the token was issued to: who acts in `im.message.like`.
    #[serde(default)]
    pub user_id: Option<u32>,
}

/// An inbound webhook.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSpec {
    /// The user the webhook acts as.
    pub user_id: u32,
    /// The webhook code in its URL.
    pub token: String,
    /// Its scopes.
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// A chatbot, installed by an OAuth application (`app`) or registered
/// through a webhook (`client_id` and `registered_by`); exactly one of
/// the two.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BotSpec {
    /// The bot's (user) id.
    pub id: u32,
    /// The client id of the OAuth application that installed it. Only
    /// OAuth calls with that application's tokens can drive it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// The `CLIENT_ID` a webhook registered it with: legacy webhook calls
    /// send it (a namespace apart from OAuth client ids).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The webhook that registered it, as `"{user_id}/{code}"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered_by: Option<String>,
    /// The webhooks allowed to drive it (default: `registered_by` alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driven_by: Option<Vec<String>>,
    /// The token it was registered with: v2 webhook calls send it as
    /// `botToken`, and it is their identity. Webhook-registered bots only;
    /// without one, v2 webhook calls cannot drive the bot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The bot's `CODE`, unique within its application (see `portal`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The bot's `PROPERTIES[NAME]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A chat.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChatSpec {
    /// The chat id.
    pub id: u32,
    /// Its members.
    #[serde(default)]
    pub members: Vec<u32>,
    /// Its `TITLE` (see `portal`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The user or bot who created it, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<u32>,
    /// A private dialog between its two members (opened by a message to a
    /// user id), not a group chat.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub private: bool,
}

/// A message.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MessageSpec {
    /// The message id.
    pub id: u64,
    /// The chat it was posted in.
    pub chat: u32,
    /// Its author, a member of the chat.
    pub author: u32,
    /// The users who like it, each a member of the chat.
    #[serde(default)]
    pub likes: Vec<u32>,
    /// Its text (the engine keeps none; see `portal`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Reactions other than `like`, set by bots: a reaction code and the
    /// bots that set it (see `portal`).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub reactions: std::collections::BTreeMap<String, Vec<u32>>,
    /// Its keyboard: the buttons as `imbot.message.add` checked them
    /// (taken as given from a world file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyboard: Option<serde_json::Value>,
    /// Its attachment, likewise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<serde_json::Value>,
    /// Its menu's items, likewise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub menu: Option<serde_json::Value>,
}

/// Why a world was refused, naming the offending entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorldError(pub String);

impl fmt::Display for WorldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "world refused: {}", self.0)
    }
}

impl std::error::Error for WorldError {}

/// Builds an error message for an entry.
fn refuse(entry: String, why: impl fmt::Display) -> WorldError {
    WorldError(format!("{entry}: {why}"))
}

/// Everything a world yields: the engine, the application directory and
/// the webhook-registered bots.
pub(crate) struct Loaded {
    pub(crate) engine: Box<ServerEngine>,
    pub(crate) apps: Apps,
    pub(crate) webhook_bots: WebhookBots,
}

impl World {
    /// Reads a world from JSON.
    ///
    /// # Errors
    /// The JSON error, with its line and column.
    pub fn from_json(text: &str) -> Result<Self, WorldError> {
        serde_json::from_str(text).map_err(|e| WorldError(format!("world file: {e}")))
    }

    /// Registers applications and credentials, then fills `engine`.
    pub(crate) fn load(&self, mut engine: Box<ServerEngine>) -> Result<Loaded, WorldError> {
        let (apps, credentials) = self.load_credentials()?;
        let mut apps = apps;
        let webhook_bots = self.load_bots(&mut engine, &mut apps, &credentials)?;
        self.load_chats(&mut engine)?;
        self.load_messages(&mut engine)?;
        Ok(Loaded {
            engine,
            apps,
            webhook_bots,
        })
    }

    /// The world's access tokens and webhooks, with each application's
    /// handle looked up by its client id in `apps` (the state's directory,
    /// so file order decides nothing).
    ///
    /// # Errors
    /// An application `apps` lacks, or a malformed credential.
    pub(crate) fn credentials_for(&self, apps: &Apps) -> Result<Credentials, WorldError> {
        let mut credentials = Credentials::default();
        for (i, spec) in self.apps.iter().enumerate() {
            let entry = format!("apps[{i}] (client_id {:?})", spec.client_id);
            let app = apps
                .lookup(&spec.client_id)
                .ok_or_else(|| refuse(entry.clone(), "not in the state's applications"))?;
            self.add_tokens(&mut credentials, spec, app, &entry)?;
        }
        self.add_webhooks(&mut credentials)?;
        Ok(credentials)
    }

    /// Which parts of the world differ from `other`, if any: `apps`,
    /// `webhooks`, `bots`, `chats`, `messages`, `commands`.
    #[must_use]
    pub fn differences(&self, other: &World) -> Option<String> {
        let (a, b) = (serde_json::to_value(self), serde_json::to_value(other));
        let (Ok(a), Ok(b)) = (a, b) else {
            return Some("its encoding".into());
        };
        let parts = ["apps", "webhooks", "bots", "chats", "messages", "commands"];
        let differing: Vec<&str> = parts
            .into_iter()
            .filter(|part| a.get(part) != b.get(part))
            .collect();
        (!differing.is_empty()).then(|| differing.join(", "))
    }

    fn add_tokens(
        &self,
        credentials: &mut Credentials,
        spec: &AppSpec,
        app: AppId,
        entry: &str,
    ) -> Result<(), WorldError> {
        for (j, token) in spec.tokens.iter().enumerate() {
            let entry = format!("{entry}.tokens[{j}] ({:?})", token.token);
            let user = token.user_id.map(|id| user_id(id, &entry)).transpose()?;
            let grant = Grant::new(Caller::App(app), user, &token.scopes);
            credentials
                .add_token(&token.token, grant)
                .map_err(|e| refuse(entry, e))?;
        }
        Ok(())
    }

    fn add_webhooks(&self, credentials: &mut Credentials) -> Result<(), WorldError> {
        for (i, hook) in self.webhooks.iter().enumerate() {
            let entry = format!("webhooks[{i}] (user_id {})", hook.user_id);
            let user = user_id(hook.user_id, &entry)?;
            let key = WebhookKey {
                user,
                code: hook.token.clone(),
            };
            let grant = Grant::new(Caller::Webhook(key.clone()), Some(user), &hook.scopes);
            credentials
                .add_webhook(key, grant)
                .map_err(|e| refuse(entry, e))?;
        }
        Ok(())
    }

    fn load_credentials(&self) -> Result<(Apps, Credentials), WorldError> {
        let mut apps = Apps::new();
        let mut credentials = Credentials::default();
        for (i, spec) in self.apps.iter().enumerate() {
            let entry = format!("apps[{i}] (client_id {:?})", spec.client_id);
            let app = apps
                .register(&spec.client_id)
                .map_err(|e| refuse(entry.clone(), e))?;
            self.add_tokens(&mut credentials, spec, app, &entry)?;
        }
        self.add_webhooks(&mut credentials)?;
        Ok((apps, credentials))
    }

    fn load_bots(
        &self,
        engine: &mut ServerEngine,
        apps: &mut Apps,
        credentials: &Credentials,
    ) -> Result<WebhookBots, WorldError> {
        let mut webhook_bots = WebhookBots::default();
        for (i, spec) in self.bots.iter().enumerate() {
            let entry = format!("bots[{i}] (id {})", spec.id);
            let bot =
                BotId::new(spec.id).ok_or_else(|| refuse(entry.clone(), "id must be positive"))?;
            let registered = spec
                .registration(apps, credentials)
                .map_err(|e| refuse(entry.clone(), e))?;
            let app = registered
                .as_ref()
                .map_or_else(|| spec.oauth_app(apps), |r| Ok(r.app));
            let app = app.map_err(|e| refuse(entry.clone(), e))?;
            engine
                .register_bot(bot, app)
                .map_err(|e| refuse(entry.clone(), e))?;
            if let Some(registered) = registered {
                webhook_bots
                    .add(bot, registered)
                    .map_err(|e| refuse(entry, e))?;
            }
        }
        Ok(webhook_bots)
    }

    fn load_chats(&self, engine: &mut ServerEngine) -> Result<(), WorldError> {
        for (i, spec) in self.chats.iter().enumerate() {
            let entry = format!("chats[{i}] (id {})", spec.id);
            let chat = chat_id(spec.id, &entry)?;
            let mut seen = HashSet::new();
            let mut members = Vec::with_capacity(spec.members.len());
            for &id in &spec.members {
                if !seen.insert(id) {
                    return Err(refuse(entry, format!("member {id} listed twice")));
                }
                members.push(user_id(id, &entry)?);
            }
            engine
                .open_chat(chat, &members)
                .map_err(|e| refuse(entry, e))?;
        }
        Ok(())
    }

    fn load_messages(&self, engine: &mut ServerEngine) -> Result<(), WorldError> {
        for (i, spec) in self.messages.iter().enumerate() {
            let entry = format!("messages[{i}] (id {})", spec.id);
            let message = MessageId::new(spec.id)
                .ok_or_else(|| refuse(entry.clone(), "id must be in 1..=2^63-1"))?;
            let chat = chat_id(spec.chat, &entry)?;
            let author = user_id(spec.author, &entry)?;
            engine
                .post_message(message, chat, author)
                .map_err(|e| refuse(entry.clone(), e))?;
            for &liker in &spec.likes {
                let user = user_id(liker, &entry)?;
                let request = UserLikeRequest::new(user, message).action(Action::Plus);
                if let Err(e) = engine.like_as_user(&request) {
                    return Err(refuse(entry, format!("like by user {liker}: {e}")));
                }
            }
        }
        Ok(())
    }
}

/// A positive user id, or an error naming `entry`.
fn user_id(id: u32, entry: &str) -> Result<UserId, WorldError> {
    UserId::new(id).ok_or_else(|| refuse(entry.to_owned(), "user ids must be positive"))
}

/// A positive chat id, or an error naming `entry`.
fn chat_id(id: u32, entry: &str) -> Result<ChatId, WorldError> {
    ChatId::new(id).ok_or_else(|| refuse(entry.to_owned(), "chat ids must be positive"))
}

impl BotSpec {
    /// The application of a bot an OAuth application installed.
    fn oauth_app(&self, apps: &Apps) -> Result<AppId, String> {
        if self.token.is_some() {
            return Err("a bot token belongs to webhook-registered bots only".into());
        }
        if self.driven_by.is_some() {
            return Err("driven_by belongs to webhook-registered bots only".into());
        }
        let client_id = self.app.as_deref().unwrap_or_default();
        apps.lookup(client_id)
            .ok_or_else(|| format!("unknown app {client_id:?}"))
    }

    /// For a webhook-registered bot: its application (registered in the
    /// webhook namespace on first use), token and drivers. `None` for a
    /// bot an OAuth application installed.
    fn registration(
        &self,
        apps: &mut Apps,
        credentials: &Credentials,
    ) -> Result<Option<WebhookBot>, String> {
        let (client_id, by) = match (&self.app, &self.client_id, &self.registered_by) {
            (Some(_), None, None) => return Ok(None),
            (None, Some(client_id), Some(by)) => (client_id, by),
            (None, Some(_), None) => return Err("client_id needs registered_by".into()),
            _ => return Err("give either app, or client_id with registered_by".into()),
        };
        let registrar = declared_webhook(by, credentials)?;
        let registrar_key = registrar.clone();
        let drivers = match &self.driven_by {
            None => std::collections::BTreeSet::from([registrar]),
            Some(list) => list
                .iter()
                .map(|hook| declared_webhook(hook, credentials))
                .collect::<Result<_, _>>()?,
        };
        let app = match apps.lookup_as(AppKind::Webhook, client_id) {
            Some(app) => app,
            None => apps
                .register_as(AppKind::Webhook, client_id)
                .map_err(|e| format!("client_id {client_id:?}: {e}"))?,
        };
        let token = self.token.clone();
        Ok(Some(WebhookBot {
            app,
            token,
            registered_by: registrar_key,
            drivers,
        }))
    }
}

/// A webhook named as `"{user_id}/{code}"` that the world declares.
fn declared_webhook(text: &str, credentials: &Credentials) -> Result<WebhookKey, String> {
    WebhookKey::parse(text)
        .filter(|key| credentials.has_webhook(key))
        .ok_or_else(|| format!("{text:?} is not a declared webhook (\"user_id/token\")"))
}
