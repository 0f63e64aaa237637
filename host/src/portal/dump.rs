//! The world as a world file again: the started-with credentials, the
//! engine's bots, chats, members, messages, likes and reactions, and the
//! registry's texts, titles and names.

use serde_json::{Value, json};

use imbot_like::{BotId, MessageId, Reaction, ReactionRequest, ServerEngine, UserId};

use super::params::is_http_url;
use super::registry::{CommandMeta, State};
use crate::state::HostState;
use crate::world::{World, WorldError};

/// The state as a world file would give it: the seed's credentials, the
/// bots, chats and messages now.
pub(crate) fn dump(st: &HostState) -> World {
    let mut world = st.seed.clone();
    world.bots = from_values(bots(st));
    world.chats = from_values(chats(&st.registry, &st.engine));
    world.messages = from_values(messages(&st.registry, &st.engine));
    world.commands = from_values(commands(&st.registry));
    world
}

/// The registered commands, each with its application's handler.
fn commands(state: &State) -> Vec<Value> {
    state
        .commands
        .iter()
        .map(|(&id, c)| {
            let handler = state.command_handlers.get(&c.app).cloned();
            let lang: Vec<Value> = c
                .lang
                .iter()
                .map(|(language, title, params)| {
                    json!({ "language_id": language, "title": title, "params": params })
                })
                .collect();
            json!({
                "id": id,
                "bot": c.bot,
                "command": c.command,
                "handler": handler.unwrap_or_default(),
                "common": c.common,
                "hidden": c.hidden,
                "extranet_support": c.extranet,
                "lang": lang,
            })
        })
        .collect()
}

/// Sets a world's commands after the engine loaded its bots: each
/// command's bot must be registered, its id positive and unique, its name
/// and handler (an http(s) URL) given.
pub(crate) fn apply_commands(
    state: &mut State,
    engine: &ServerEngine,
    world: &World,
) -> Result<(), WorldError> {
    for (i, spec) in world.commands.iter().enumerate() {
        let entry = format!("commands[{i}] (id {})", spec.id);
        let refuse = |why: &str| WorldError(format!("{entry}: {why}"));
        let app = BotId::new(spec.bot)
            .and_then(|bot| engine.bot_owner(bot))
            .ok_or_else(|| refuse("its bot is not a registered bot"))?;
        let name = spec.command.trim();
        let name = name.strip_prefix('/').unwrap_or(name);
        let url = spec.handler.trim();
        if spec.id == 0 || spec.id == u32::MAX || state.commands.contains_key(&spec.id) {
            return Err(refuse("the id is zero, 4294967295 or used twice"));
        }
        if name.is_empty() || !is_http_url(url) {
            return Err(refuse("a command needs a name and an http(s) handler"));
        }
        if let Some(why) = state.command_refusal(spec.bot, name, None) {
            return Err(refuse(why));
        }
        let lang = spec
            .lang
            .iter()
            .map(|l| {
                (
                    l.language_id.to_ascii_lowercase(),
                    l.title.clone(),
                    l.params.clone(),
                )
            })
            .collect();
        let meta = CommandMeta {
            bot: spec.bot,
            app: app.0,
            command: name.to_owned(),
            common: spec.common,
            hidden: spec.hidden,
            extranet: spec.extranet_support,
            lang,
        };
        state.commands.insert(spec.id, meta);
        state.command_handlers.insert(app.0, url.to_owned());
        // The id is below `u32::MAX` (checked above).
        state.next_command = state.next_command.max(spec.id + 1);
    }
    Ok(())
}

/// Reads world entries built as JSON, so that fields added to the world
/// types later take their defaults.
fn from_values<T: serde::de::DeserializeOwned>(values: Vec<Value>) -> Vec<T> {
    values
        .into_iter()
        .filter_map(|v| serde_json::from_value(v).ok())
        .collect()
}

/// The engine's bots: an OAuth application's with its `app`, a webhook
/// registered one with its `client_id`, `registered_by`, `driven_by` and
/// bot `token`; each with its `code` and `name`.
fn bots(st: &HostState) -> Vec<Value> {
    let mut bots: Vec<(BotId, imbot_like::AppId)> = st.engine.bots().collect();
    bots.sort_unstable_by_key(|(bot, _)| bot.get());
    let (state, apps, webhook_bots) = (&st.registry, &st.apps, &st.webhook_bots);
    bots.into_iter()
        .map(|(bot, app)| {
            let id = bot.get();
            let meta = state.bots.get(&id);
            let client_id = apps.client_id(app).unwrap_or_default();
            let mut entry = match webhook_bots.get(bot) {
                Some(hooked) => {
                    let mut driven_by: Vec<String> =
                        hooked.drivers.iter().map(ToString::to_string).collect();
                    driven_by.sort_unstable();
                    json!({
                        "id": id,
                        "client_id": client_id,
                        "registered_by": hooked.registered_by.to_string(),
                        "driven_by": driven_by,
                        "token": hooked.token,
                    })
                }
                None => json!({ "id": id, "app": client_id }),
            };
            if let Some(meta) = meta {
                entry["code"] = json!(meta.code);
                entry["name"] = json!(meta.name);
            }
            entry
        })
        .collect()
}

fn chats(state: &State, engine: &ServerEngine) -> Vec<Value> {
    state
        .chats
        .iter()
        .filter_map(|(&id, meta)| {
            let members = engine.chat_members(imbot_like::ChatId::new(id)?)?;
            let members: Vec<u32> = members.iter().map(|m| m.get()).collect();
            Some(json!({
                "id": id,
                "members": members,
                "title": meta.title,
                "owner": meta.owner,
                "private": meta.private,
            }))
        })
        .collect()
}

fn messages(state: &State, engine: &ServerEngine) -> Vec<Value> {
    state
        .messages
        .iter()
        .filter_map(|(&id, meta)| {
            let message = MessageId::new(id)?;
            let mut likes = Vec::new();
            let mut reactions = serde_json::Map::new();
            for group in engine.reactions(message)? {
                let users: Vec<u32> = group.users().map(UserId::get).collect();
                if group.reaction() == Reaction::Like {
                    likes = users;
                } else {
                    reactions.insert(group.reaction().code().to_owned(), json!(users));
                }
            }
            let mut entry = json!({
                "id": id,
                "chat": meta.chat,
                "author": meta.author,
                "likes": likes,
                "text": meta.text,
                "reactions": reactions,
            });
            let rich = &meta.rich;
            for (name, text) in [
                ("keyboard", &rich.keyboard),
                ("attach", &rich.attach),
                ("menu", &rich.menu),
            ] {
                if let Some(value) = text.as_deref().and_then(|t| serde_json::from_str(t).ok()) {
                    entry[name] = value;
                }
            }
            Some(entry)
        })
        .collect()
}

/// Sets a world's reactions other than `like` (each set by a bot, through
/// its own application) after the engine loaded the rest.
pub(crate) fn apply_reactions(engine: &mut ServerEngine, world: &World) -> Result<(), WorldError> {
    for (i, spec) in world.messages.iter().enumerate() {
        for (code, bots) in &spec.reactions {
            let entry = format!("messages[{i}] (id {}).reactions.{code}", spec.id);
            let reaction = Reaction::from_code(code)
                .ok_or_else(|| WorldError(format!("{entry}: unknown reaction")))?;
            for &bot in bots {
                let refuse = || WorldError(format!("{entry}: {bot} is not a registered bot"));
                let bot = BotId::new(bot).ok_or_else(refuse)?;
                let app = engine.bot_owner(bot).ok_or_else(refuse)?;
                let message = MessageId::new(spec.id)
                    .ok_or_else(|| WorldError(format!("{entry}: bad message id")))?;
                let request = ReactionRequest::new(bot, message, reaction).app(app);
                engine
                    .add_reaction(&request)
                    .map(drop)
                    .map_err(|e| WorldError(format!("{entry}: bot {}: {e}", bot.get())))?;
            }
        }
    }
    Ok(())
}
