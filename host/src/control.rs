//! The control API under `/__control/`, off the portal's namespace: the
//! world as a world file (dump, load, reset) and the scenarios (add, list,
//! clear).
//!
//! Who may call it, and how, is [`crate::guard`]'s to decide. Credentials
//! leave it masked (see [`crate::mask`]), except in a world dump asked for
//! with `?secrets=1` by a loopback peer, for saving a fixture.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::response::Response;
use serde_json::json;

use crate::guard::{Refusal, is_loopback, peer};
use crate::live::LiveHost;
use crate::reply::json;
use crate::scenario::Scenario;
use crate::world::World;

/// `GET /__control/world`: the world now, as a world file, credentials
/// masked; with `?secrets=1`, as it is, to a loopback peer only (403
/// `ACCESS_DENIED` to any other).
pub(crate) async fn get_world(State(live): State<Arc<LiveHost>>, request: Request) -> Response {
    let mut world = match live.host().durable_dump().await {
        Ok(world) => world,
        Err(e) => return crate::reply::not_durable(&e),
    };
    if !wants_secrets(request.uri().query()) {
        crate::mask::world(&mut world);
    } else if !is_loopback(peer(&request)) {
        return Refusal::Secrets.response();
    }
    json(200, &world)
}

/// Whether a query asks for the secrets: `secrets=1` (or `true`).
fn wants_secrets(query: Option<&str>) -> bool {
    query.is_some_and(|q| {
        q.split('&')
            .any(|pair| matches!(pair, "secrets=1" | "secrets=true"))
    })
}

/// `PUT` (or `POST`) `/__control/world`: replaces the world with the
/// body's.
pub(crate) async fn put_world(State(live): State<Arc<LiveHost>>, body: Bytes) -> Response {
    if let Some(refused) = refuse_durable(&live) {
        return refused;
    }
    let text = String::from_utf8_lossy(&body).into_owned();
    let loaded = tokio::task::spawn_blocking(move || {
        let world = World::from_json(&text)?;
        live.load(&world)
    })
    .await;
    answer(loaded)
}

/// `POST /__control/reset`: back to the world the host started with.
pub(crate) async fn reset(State(live): State<Arc<LiveHost>>) -> Response {
    if let Some(refused) = refuse_durable(&live) {
        return refused;
    }
    answer(tokio::task::spawn_blocking(move || live.reset()).await)
}

/// 409 `DATA_DIRECTORY_IN_USE` for a host with a data directory: a new
/// world would bypass its command log.
fn refuse_durable(live: &LiveHost) -> Option<Response> {
    live.host().durable().is_some().then(|| {
        let body = json!({
            "error": "DATA_DIRECTORY_IN_USE",
            "error_description": crate::live::DURABLE_REFUSAL,
        });
        json(409, &body)
    })
}

fn answer(result: Result<Result<(), crate::WorldError>, tokio::task::JoinError>) -> Response {
    match result {
        Ok(Ok(())) => json(200, &json!({ "result": true })),
        Ok(Err(e)) => json(
            400,
            &json!({ "error": "WORLD_REFUSED", "error_description": e.0 }),
        ),
        Err(_) => json(
            500,
            &json!({ "error": "INTERNAL_SERVER_ERROR", "error_description": "the world could not be built" }),
        ),
    }
}

/// What `POST /__control/post` takes: a user, a dialog (`chatN` or a
/// user id) and a text.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PostAs {
    user: u32,
    dialog: String,
    message: String,
}

/// `POST /__control/post`: posts a message as a user, as that user's
/// `im.message.add` would (the same checks, errors and answer), so a
/// developer can write to a bot without a token of the user's.
pub(crate) async fn post_as_user(State(live): State<Arc<LiveHost>>, body: Bytes) -> Response {
    let post = match serde_json::from_slice::<PostAs>(&body) {
        Ok(post) => post,
        Err(e) => {
            let body = json!({ "error": "WRONG_REQUEST", "error_description": e.to_string() });
            return json(400, &body);
        }
    };
    let Some(user) = imbot_like::UserId::new(post.user) else {
        let body =
            json!({ "error": "USER_ID_EMPTY", "error_description": "user must be positive" });
        return json(400, &body);
    };
    let host = live.host();
    let params = [
        ("DIALOG_ID", post.dialog.as_str()),
        ("MESSAGE", post.message.as_str()),
    ];
    let method = crate::portal::PortalMethod::UserMessageAdd;
    let command = crate::HostCommand::user_call(host.now_ms(), method, user, &params);
    run_as_user(&host, &command).await
}

/// What `POST /__control/command` takes: a user, a dialog (`chatN` or a
/// user id), a command (with or without its `/`) and its parameters, and
/// for a keyboard button's press, the message whose keyboard has it.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CommandAs {
    user: u32,
    dialog: String,
    command: String,
    /// The button's parameters; without, the first button with the
    /// command is pressed.
    #[serde(default)]
    params: Option<String>,
    #[serde(default)]
    message_id: Option<u64>,
}

/// `POST /__control/command`: sends a command as a user. With
/// `message_id`, presses that message's keyboard button with the command
/// (and parameters; without, its first button with the command), as a
/// user pressing it would; the message must be in
/// `dialog` as the user sees it. Without, writes `/command params` in the
/// dialog as the user's `im.message.add` would.
pub(crate) async fn command_as_user(State(live): State<Arc<LiveHost>>, body: Bytes) -> Response {
    let call = match serde_json::from_slice::<CommandAs>(&body) {
        Ok(call) => call,
        Err(e) => {
            let body = json!({ "error": "WRONG_REQUEST", "error_description": e.to_string() });
            return json(400, &body);
        }
    };
    let Some(user) = imbot_like::UserId::new(call.user) else {
        let body =
            json!({ "error": "USER_ID_EMPTY", "error_description": "user must be positive" });
        return json(400, &body);
    };
    let host = live.host();
    let name = call.command.trim();
    let name = name.strip_prefix('/').unwrap_or(name);
    let (method, params) = match call.message_id {
        Some(id) => {
            if !in_dialog(&host, id, user.get(), &call.dialog) {
                let body = json!({ "error": "ACCESS_ERROR",
                    "error_description": "The message is not in that dialog" });
                return json(400, &body);
            }
            let mut params = vec![("MESSAGE_ID", id.to_string()), ("COMMAND", name.to_owned())];
            if let Some(wanted) = &call.params {
                params.push(("COMMAND_PARAMS", wanted.clone()));
            }
            (crate::portal::PortalMethod::ButtonPress, params)
        }
        None => {
            let text = match call.params.as_deref().unwrap_or_default() {
                "" => format!("/{name}"),
                params => format!("/{name} {params}"),
            };
            let params = vec![("DIALOG_ID", call.dialog.clone()), ("MESSAGE", text)];
            (crate::portal::PortalMethod::UserMessageAdd, params)
        }
    };
    let pairs: Vec<(&str, &str)> = params.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let command = crate::HostCommand::user_call(host.now_ms(), method, user, &pairs);
    run_as_user(&host, &command).await
}

/// Whether message `id` is in `dialog` (`chatN`, or the private dialog
/// with a user id) as `user` sees it.
fn in_dialog(host: &crate::Host, id: u64, user: u32, dialog: &str) -> bool {
    let state = host.state();
    let Some(message) = state.registry.messages.get(&id) else {
        return false;
    };
    let dialog = dialog.trim();
    if let Some(chat) = dialog.strip_prefix("chat") {
        return chat.parse::<u32>() == Ok(message.chat);
    }
    let pair = dialog
        .parse::<u32>()
        .map(|other| crate::portal::dialog_key(user, other));
    pair.ok()
        .and_then(|pair| state.registry.dialogs.get(&pair))
        .is_some_and(|&chat| chat == message.chat)
}

/// Runs a user's command and answers as `POST /__control/post` does.
async fn run_as_user(host: &crate::Host, command: &crate::HostCommand) -> Response {
    let (answer, _, wait) = match host.run(command).await {
        Ok(ran) => ran,
        Err(e) => return crate::reply::error(e),
    };
    if let Err(e) = host.settled(wait).await {
        return crate::reply::not_durable(&e);
    }
    match answer {
        crate::Answer::Portal(Ok(result)) => json(200, &json!({ "result": result })),
        crate::Answer::Portal(Err(e)) => json(e.http_status(), &e),
        crate::Answer::Engine(_) => json(500, &json!({ "error": "INTERNAL_SERVER_ERROR" })),
    }
}

/// `GET /__control/deliveries`: the events pushed to bots' handlers,
/// oldest first, with their attempts and last status (see `deliver`).
pub(crate) async fn deliveries(State(live): State<Arc<LiveHost>>) -> Response {
    json(200, &json!({ "result": live.host().deliveries().list() }))
}

/// `POST /__control/deliveries/{id}/replay`: sends kept delivery `id`
/// again as a new delivery; its id, or 404 `DELIVERY_NOT_FOUND`.
pub(crate) async fn replay_delivery(
    State(live): State<Arc<LiveHost>>,
    Path(id): Path<String>,
) -> Response {
    let replayed = id
        .parse()
        .ok()
        .and_then(|id| live.host().deliveries().replay(id));
    match replayed {
        Some(new) => json(200, &json!({ "result": new })),
        None => json(
            404,
            &json!({
                "error": "DELIVERY_NOT_FOUND",
                "error_description": format!("no delivery {id} is kept (the last {} are)", crate::deliver::KEPT),
            }),
        ),
    }
}

/// `GET /__control/scenarios`: the armed scenarios.
/// Parameters with secret names (`botToken`, `auth`, …) are masked.
pub(crate) async fn list_scenarios(State(live): State<Arc<LiveHost>>) -> Response {
    let mut list = serde_json::to_value(live.scenarios.list()).unwrap_or_default();
    crate::mask::json(&mut list);
    json(200, &json!({ "result": list }))
}

/// `POST /__control/scenarios`: arms a scenario; its id.
pub(crate) async fn add_scenario(State(live): State<Arc<LiveHost>>, body: Bytes) -> Response {
    let scenario = serde_json::from_slice::<Scenario>(&body)
        .map_err(|e| e.to_string())
        .and_then(|s| {
            s.checked_within(live.settings.body_timeout)
                .map_err(|e| e.to_string())
        })
        .and_then(|s| live.scenarios.add(s).map_err(|e| e.to_string()));
    match scenario {
        Ok(id) => json(200, &json!({ "result": id })),
        Err(why) => json(
            400,
            &json!({ "error": "SCENARIO_REFUSED", "error_description": why }),
        ),
    }
}

/// `DELETE /__control/scenarios`: disarms all.
pub(crate) async fn clear_scenarios(State(live): State<Arc<LiveHost>>) -> Response {
    live.scenarios.clear();
    json(200, &json!({ "result": true }))
}

#[cfg(test)]
mod tests {
    use super::wants_secrets;

    #[test]
    fn secrets_are_given_only_when_asked_for() {
        assert!(wants_secrets(Some("secrets=1")));
        assert!(wants_secrets(Some("token=x&secrets=true")));
        assert!(!wants_secrets(None));
        assert!(!wants_secrets(Some("secrets=0")));
        assert!(!wants_secrets(Some("nosecrets=1")));
    }
}
