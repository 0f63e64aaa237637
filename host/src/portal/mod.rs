//! The world's own methods: messages, chats and bots, served statefully
//! through the engine's transitions with a portal's parameter names,
//! answers and error codes.
//!
//! The engine keeps no message text, chat titles or bot names; the
//! registry keeps them, with the counters that hand out new ids. Every
//! call runs under the registry's lock, then the engine's (always in that
//! order), so a call is one atomic step and a failed call changes nothing.
//! Each engine change is a [`imbot_like::Command`] applied through the
//! host's command path, so a durable host logs it before the answer; the
//! registry is then saved beside the log (see `sidecar`).

mod dump;
mod errors;
mod methods;
mod params;
mod registry;
mod sidecar;

use axum::http::HeaderMap;
use axum::response::Response;
use imbot_like::wire::{FrameworkError, LikeParams};
use serde::Serialize;
use serde_json::Value;

use std::time::Instant;

use crate::auth::{Caller as AuthCaller, WebhookKey};
use crate::calls::Call;
use crate::reply::{error, json};

pub(crate) use crate::portal_method::Actor;
pub use crate::portal_method::PortalMethod;
pub(crate) use dump::{apply_reactions, dump};
pub use errors::PortalError;
pub(crate) use params::Params;
pub(crate) use registry::Registry;
pub(crate) use sidecar::restore;

/// The authenticated caller.
#[derive(Debug, Clone)]
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
pub(crate) fn respond(
    call: &Call<'_>,
    method: PortalMethod,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    match run(call, method, query, headers, body) {
        Ok(response) => response,
        Err(e) => error(e),
    }
}

fn run(
    call: &Call<'_>,
    method: PortalMethod,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, FrameworkError> {
    let params = Params::read(query, headers, body)?;
    let caller = authenticate(call, method, &params)?;
    let host = call.host;
    let mut registry = host.portal.lock();
    let (result, processing, wait) = {
        let mut engine = host.lock();
        let began = Instant::now();
        let mut step = methods::Step::new(host, &mut registry, &mut engine, &params);
        let result = step.run(method, &caller);
        let (wait, changed) = (step.wait, step.changed);
        let processing = host.clock.processing(began.elapsed().as_secs_f64());
        if changed {
            host.save_portal(&registry, &engine);
        }
        (result, processing, wait)
    };
    drop(registry);
    call.wait.set(wait);
    let time = call.time_block(processing)?;
    Ok(match result {
        Ok(result) => json(
            200,
            &Success {
                result: &result,
                time,
            },
        ),
        Err(e) => json(e.http_status(), &e),
    })
}

/// Authenticates the call, checks its scope and rate limit, and decides
/// who acts: as for the like methods, an OAuth token names its
/// application, a webhook call of an `imbot` method its `CLIENT_ID` in the
/// webhook namespace (403 `ACCESS_DENIED` without one), limited to the
/// bots that webhook may drive; an `im` method's actor is the token's or
/// webhook's user.
fn authenticate(
    call: &Call<'_>,
    method: PortalMethod,
    params: &Params,
) -> Result<Caller, FrameworkError> {
    let mut auth = LikeParams::default();
    for (wire, name) in [
        ("auth", "AUTH"),
        ("CLIENT_ID", "CLIENT_ID"),
        ("BOT_ID", "BOT_ID"),
    ] {
        if let Some(value) = params.text(name) {
            auth.set(wire, value);
        }
    }
    let grant = call.admit(&auth)?;
    let host = call.host;
    match (method.actor(), &grant.caller) {
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
            let app = host.webhook_bots().legacy_app(hook, &auth, &host.apps())?;
            Ok(Caller::App(app))
        }
        (Actor::User, _) => grant
            .user
            .map(Caller::User)
            .ok_or(FrameworkError::NoAuthFound),
    }
}
