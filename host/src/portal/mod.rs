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
use crate::routes::{error, json};

pub(crate) use dump::{apply_reactions, dump};
pub use errors::PortalError;
pub(crate) use params::Params;
pub(crate) use registry::Registry;
pub(crate) use sidecar::restore;

/// Declares the world's methods: variant, wire name, scope, who acts.
macro_rules! portal_methods {
    ($($variant:ident = $name:literal, $scope:literal, $actor:ident;)+) => {
        /// A method of the world that this host serves besides the like
        /// and reaction methods.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum PortalMethod {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )+
        }

        impl PortalMethod {
            /// Every method, in index order.
            pub const ALL: &'static [PortalMethod] = &[$(PortalMethod::$variant),+];
            /// How many there are.
            pub const COUNT: usize = Self::ALL.len();

            /// The method's name, lower case.
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self { $(Self::$variant => $name,)+ }
            }

            /// The scope a caller needs: `im` or `imbot`.
            #[must_use]
            pub const fn scope(self) -> &'static str {
                match self { $(Self::$variant => $scope,)+ }
            }

            /// Whether a bot (of the caller's application) or the calling
            /// user acts.
            const fn actor(self) -> Actor {
                match self { $(Self::$variant => Actor::$actor,)+ }
            }
        }
    };
}

portal_methods! {
    BotMessageAdd = "imbot.message.add", "imbot", Bot;
    UserMessageAdd = "im.message.add", "im", User;
    BotMessageDelete = "imbot.message.delete", "imbot", Bot;
    UserMessageDelete = "im.message.delete", "im", User;
    BotChatAdd = "imbot.chat.add", "imbot", Bot;
    UserChatAdd = "im.chat.add", "im", User;
    BotChatUserAdd = "imbot.chat.user.add", "imbot", Bot;
    UserChatUserAdd = "im.chat.user.add", "im", User;
    BotChatUserDelete = "imbot.chat.user.delete", "imbot", Bot;
    UserChatUserDelete = "im.chat.user.delete", "im", User;
    BotChatLeave = "imbot.chat.leave", "imbot", Bot;
    UserChatLeave = "im.chat.leave", "im", User;
    BotRegister = "imbot.register", "imbot", Bot;
    BotUnregister = "imbot.unregister", "imbot", Bot;
    BotList = "imbot.bot.list", "imbot", Bot;
    DialogMessagesGet = "im.dialog.messages.get", "im", User;
}

impl PortalMethod {
    /// The method with this lower-case name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|m| m.name() == name)
    }

    /// The method's position in `0..COUNT`.
    #[must_use]
    pub const fn index(self) -> usize {
        self as usize
    }
}

/// Who acts in a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Actor {
    /// A bot of the caller's application (`imbot.*`).
    Bot,
    /// The user the token or webhook belongs to (`im.*`).
    User,
}

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
