//! With `--data`, what the host keeps beside the engine (message texts,
//! chat titles and owners, private dialogs, bot codes and names, the id
//! counters, the webhook applications and webhook-registered bots with
//! their tokens) lives in one JSON file in the data directory, rewritten
//! atomically (temporary file, fsync, rename, fsync of the directory)
//! after each world method that changed something, before its answer.
//!
//! The engine's own state comes from the snapshot and the log; on start
//! the file is read after them. A crash between a command reaching the log
//! and the file being rewritten (an answer not sent yet) can leave an
//! engine object without its host-side data: the counters are then raised
//! past every id the engine holds, and a message without a text shows an
//! empty one.

use std::collections::HashSet;
use std::path::Path;

use imbot_like::wire::AppKind;
use imbot_like::{BotId, ServerEngine};
use serde::{Deserialize, Serialize};

use super::registry::{BotMeta, ChatMeta, MessageMeta, State};
use crate::Host;
use crate::auth::WebhookKey;
use crate::identity::{WebhookBot, WebhookBots};

/// The file's name in the data directory.
pub(crate) const SIDECAR: &str = "portal.json";

/// The file's content.
#[derive(Debug, Serialize, Deserialize)]
struct Sidecar {
    bots: Vec<BotEntry>,
    chats: Vec<ChatEntry>,
    messages: Vec<MessageEntry>,
    /// Webhook `CLIENT_ID`s registered by `imbot.register`, in order.
    webhook_apps: Vec<String>,
    /// Every webhook-registered bot now.
    webhook_bots: Vec<WebhookBotEntry>,
    next_user: u32,
    next_chat: u32,
    next_message: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct BotEntry {
    id: u32,
    code: Option<String>,
    name: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct ChatEntry {
    id: u32,
    title: Option<String>,
    owner: Option<u32>,
    private: bool,
    /// A private dialog's two members.
    pair: Option<(u32, u32)>,
}

#[derive(Debug, Serialize, Deserialize)]
struct MessageEntry {
    id: u64,
    chat: u32,
    author: u32,
    text: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct WebhookBotEntry {
    id: u32,
    client_id: String,
    registered_by: String,
    driven_by: Vec<String>,
    token: Option<String>,
}

impl Host {
    /// Writes the host-side state to the data directory, for a durable
    /// host; a failure is logged (the engine's change is already in the
    /// log).
    pub(crate) fn save_portal(&self, state: &State, engine: &ServerEngine) {
        let Some(dir) = self.durable_dir() else {
            return;
        };
        let sidecar = self.sidecar(state, engine);
        let written = serde_json::to_vec(&sidecar)
            .map_err(std::io::Error::other)
            .and_then(|bytes| write_atomic(dir, &bytes));
        if let Err(e) = written {
            tracing::error!(error = %e, file = SIDECAR, "cannot save the host-side state");
        }
    }

    fn sidecar(&self, state: &State, engine: &ServerEngine) -> Sidecar {
        let pairs: std::collections::HashMap<u32, (u32, u32)> =
            state.dialogs.iter().map(|(&p, &chat)| (chat, p)).collect();
        let apps = self.apps();
        let webhook_bots = self.webhook_bots();
        let webhook_bots = engine
            .bots()
            .filter_map(|(bot, _)| {
                let entry = webhook_bots.get(bot)?;
                let mut driven_by: Vec<String> =
                    entry.drivers.iter().map(ToString::to_string).collect();
                driven_by.sort_unstable();
                Some(WebhookBotEntry {
                    id: bot.get(),
                    client_id: apps.client_id(entry.app)?.to_owned(),
                    registered_by: entry.registered_by.to_string(),
                    driven_by,
                    token: entry.token.clone(),
                })
            })
            .collect();
        Sidecar {
            bots: state
                .bots
                .iter()
                .map(|(&id, m)| BotEntry {
                    id,
                    code: m.code.clone(),
                    name: m.name.clone(),
                })
                .collect(),
            chats: state
                .chats
                .iter()
                .map(|(&id, m)| ChatEntry {
                    id,
                    title: m.title.clone(),
                    owner: m.owner,
                    private: m.private,
                    pair: pairs.get(&id).copied(),
                })
                .collect(),
            messages: state
                .messages
                .iter()
                .map(|(&id, m)| MessageEntry {
                    id,
                    chat: m.chat,
                    author: m.author,
                    text: m.text.clone(),
                })
                .collect(),
            webhook_apps: state.webhook_apps.clone(),
            webhook_bots,
            next_user: state.next_user,
            next_chat: state.next_chat,
            next_message: state.next_message,
        }
    }
}

/// Writes the file atomically: a temporary file (`.part`, which the
/// snapshot writer's cleanup of `.tmp` files leaves alone), fsync, rename
/// over the name, fsync of the directory.
fn write_atomic(dir: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let temporary = dir.join(format!("{SIDECAR}.part"));
    let mut file = std::fs::File::create(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temporary, dir.join(SIDECAR))?;
    std::fs::File::open(dir)?.sync_all()
}

/// Reads the host-side state from `dir` into `host`, if the file is
/// there; the engine is already recovered.
///
/// # Errors
/// Why the file cannot be read or does not fit the world.
pub(crate) fn restore(host: &Host, dir: &Path) -> Result<(), String> {
    let path = dir.join(SIDECAR);
    let text = match std::fs::read(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let sidecar: Sidecar =
        serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut state = host.portal.lock();
    let engine = host.lock();
    let mut apps = host.apps_mut();
    for client_id in &sidecar.webhook_apps {
        if apps.lookup_as(AppKind::Webhook, client_id).is_none() {
            apps.register_as(AppKind::Webhook, client_id)
                .map_err(|e| format!("{}: client_id {client_id:?}: {e}", path.display()))?;
        }
    }
    let mut bots = WebhookBots::default();
    for entry in &sidecar.webhook_bots {
        let refuse = |why: &str| format!("{}: webhook bot {}: {why}", path.display(), entry.id);
        let bot = BotId::new(entry.id).ok_or_else(|| refuse("bad id"))?;
        let app = apps
            .lookup_as(AppKind::Webhook, &entry.client_id)
            .ok_or_else(|| refuse("unknown client_id"))?;
        if engine.bot_owner(bot) != Some(app) {
            return Err(refuse("its application does not match the engine's"));
        }
        let key = |text: &String| WebhookKey::parse(text).ok_or_else(|| refuse("bad webhook"));
        let drivers = entry
            .driven_by
            .iter()
            .map(key)
            .collect::<Result<HashSet<_>, _>>()?;
        let webhook = WebhookBot {
            app,
            token: entry.token.clone(),
            registered_by: key(&entry.registered_by)?,
            drivers,
        };
        bots.add(bot, webhook).map_err(refuse)?;
    }
    drop(apps);
    *host.webhook_bots_mut() = bots;
    *state = state_of(sidecar, &engine);
    Ok(())
}

/// The registry's state from the file, its counters raised past every id
/// the engine holds.
fn state_of(sidecar: Sidecar, engine: &ServerEngine) -> State {
    let mut state = State {
        webhook_apps: sidecar.webhook_apps,
        next_user: sidecar.next_user,
        next_chat: sidecar.next_chat,
        next_message: sidecar.next_message,
        ..State::default()
    };
    for bot in sidecar.bots {
        let meta = BotMeta {
            code: bot.code,
            name: bot.name,
        };
        state.bots.insert(bot.id, meta);
    }
    for chat in sidecar.chats {
        if let Some((a, b)) = chat.pair {
            state.dialogs.insert((a, b), chat.id);
        }
        let meta = ChatMeta {
            title: chat.title,
            owner: chat.owner,
            private: chat.private,
        };
        state.chats.insert(chat.id, meta);
    }
    for message in sidecar.messages {
        let meta = MessageMeta {
            chat: message.chat,
            author: message.author,
            text: message.text,
        };
        state.messages.insert(message.id, meta);
    }
    for (id, info) in engine.messages() {
        state.next_message = state.next_message.max(id.get().saturating_add(1));
        state.messages.entry(id.get()).or_insert(MessageMeta {
            chat: info.chat.get(),
            author: info.author.get(),
            text: None,
        });
    }
    for (id, members) in engine.chats() {
        state.next_chat = state.next_chat.max(id.get().saturating_add(1));
        state.chats.entry(id.get()).or_default();
        for member in members {
            state.next_user = state.next_user.max(member.get().saturating_add(1));
        }
    }
    for (bot, _) in engine.bots() {
        state.next_user = state.next_user.max(bot.get().saturating_add(1));
    }
    state
}
