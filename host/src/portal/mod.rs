//! The world's own methods: messages (with keyboards, attachments and
//! menus), chats, bots and their commands, served statefully
//! through the engine's transitions with a portal's parameter names,
//! answers and error codes.
//!
//! The engine keeps no message text, chat titles or bot names; the
//! registry keeps them, with the counters that hand out new ids. A call
//! is one host command (see `state`): applied whole to the host's state
//! under its lock, logged by a durable host before the answer, and a
//! failed call changes nothing.

mod commands;
mod dump;
mod errors;
mod methods;
mod params;
mod registry;
pub(crate) mod rich;
mod v2;

use axum::response::Response;
use imbot_like::wire::{FrameworkError, LikeParams};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::{Caller as AuthCaller, WebhookKey};
use crate::calls::Call;
use crate::reply::{error, json};
use crate::state::{Answer, HostCommand, Op, PortalCall};

pub(crate) use crate::portal_method::Actor;
pub use crate::portal_method::PortalMethod;
pub(crate) use dump::{apply_commands, apply_reactions, dump};
pub use errors::PortalError;
pub(crate) use methods::Step;
pub(crate) use params::{Params, is_http_url};
pub(crate) use registry::{CommandMeta, MessageMeta, State, pair as dialog_key};

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Caller {
    /// An `imbot` call: the caller's application (`None`: it has none, or
    /// a webhook not allowed to drive the bot it names).
    App(Option<imbot_like::AppId>),
    /// `imbot.register` over a webhook: the webhook and the `CLIENT_ID` it
    /// sent, a namespace apart from OAuth client ids.
    Webhook { hook: WebhookKey, client_id: String },
    /// An `im` call: the acting user.
    User(imbot_like::UserId),
}

/// A success: `{"result": …, "time": {…}}`.
#[derive(Serialize)]
struct Success<'a> {
    result: &'a Value,
    time: imbot_like::wire::Time,
}

/// Serves one call of a world method: parameters, authentication, the
/// method under the locks, then the answer with its time block.
pub(crate) async fn respond(call: &Call<'_>, method: PortalMethod) -> Response {
    match run(call, method).await {
        Ok(response) => response,
        Err(e) => error(e),
    }
}

async fn run(call: &Call<'_>, method: PortalMethod) -> Result<Response, FrameworkError> {
    let mut params = Params::from_input(call.input);
    let caller = match authenticate(call, method, &params)? {
        Ok(caller) => caller,
        Err(refusal) => return Ok(json(refusal.http_status(), &refusal)),
    };
    // The token authenticated the call; no method reads it, so the
    // command (which the durable log and the raft log keep) goes without it.
    params.remove("AUTH");
    let host = call.host;
    let command = HostCommand {
        at_ms: call.at_ms(),
        op: Op::Portal(PortalCall {
            method,
            caller,
            params,
            entropy: host.entropy(),
        }),
    };
    let (answer, processing, wait) = host.run(&command).await?;
    call.wait.set(wait);
    let time = call.time_block(processing)?;
    Ok(match answer {
        Answer::Portal(Ok(result)) => json(
            200,
            &Success {
                result: &result,
                time,
            },
        ),
        Answer::Portal(Err(e)) => json(e.http_status(), &e),
        Answer::Engine(_) => return Err(FrameworkError::InternalServerError),
    })
}

/// Authenticates the call, checks its scope and rate limit, and decides
/// who acts: as for the like methods, an OAuth token names its
/// application, a webhook call of an `imbot` method its `CLIENT_ID` in the
/// webhook namespace (403 `ACCESS_DENIED` without one), limited to the
/// bots that webhook may drive; an `im` method's actor is the token's or
/// webhook's user. An imbot.v2 method's webhook call acts for its bot's
/// application when `botToken` is the bot's (see `identity`); without
/// `botToken` it is refused with `BOT_TOKEN_NOT_SPECIFIED` (the inner
/// error), before anything is logged.
fn authenticate(
    call: &Call<'_>,
    method: PortalMethod,
    params: &Params,
) -> Result<Result<Caller, PortalError>, FrameworkError> {
    if method == PortalMethod::BotV2Update {
        return authenticate_v2(call);
    }
    let auth: LikeParams = call.input.typed();
    let grant = call.admit(&auth)?;
    let host = call.host;
    let caller = match (method.actor(), &grant.caller) {
        (Actor::Bot, AuthCaller::App(app)) => Ok(Caller::App(Some(*app))),
        (Actor::Bot, AuthCaller::Webhook(hook)) if method == PortalMethod::BotRegister => {
            match params.text("CLIENT_ID").map(str::trim) {
                Some(client_id) if !client_id.is_empty() => Ok(Caller::Webhook {
                    hook: hook.clone(),
                    client_id: client_id.to_owned(),
                }),
                _ => Err(FrameworkError::ClientIdNotSpecified),
            }
        }
        (Actor::Bot, AuthCaller::Webhook(hook)) => {
            let state = host.state();
            let app = state.webhook_bots.legacy_app(hook, &auth, &state.apps)?;
            Ok(Caller::App(app))
        }
        (Actor::User, _) => grant
            .user
            .map(Caller::User)
            .ok_or(FrameworkError::NoAuthFound),
    };
    caller.map(Ok)
}

/// [`authenticate`] for an imbot.v2 method: `auth`, `botId` and
/// `botToken` as the reaction methods read them.
fn authenticate_v2(call: &Call<'_>) -> Result<Result<Caller, PortalError>, FrameworkError> {
    let v2: imbot_like::wire::ReactionParams = call.input.typed();
    let grant = call.admit(&v2)?;
    Ok(match &grant.caller {
        AuthCaller::App(app) => Ok(Caller::App(Some(*app))),
        AuthCaller::Webhook(hook) => call
            .host
            .state()
            .webhook_bots
            .v2_app(hook, &v2)
            .map(Caller::App)
            .map_err(PortalError::V2),
    })
}
