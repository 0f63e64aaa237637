//! One authenticated call on the engine, per method: authenticate, check
//! what must be checked before the engine, run one atomic transition, and
//! shape the reply with its time block.

use imbot_like::wire::{ErrorResponse, FrameworkError, LikeParams, Params, ReactionParams, Reply};
use imbot_like::{ReactionError, ReactionRequest, ServerEngine};

use crate::auth::{Caller, Grant, Method, Style};
use crate::{Host, clock};

/// A v2 reaction transition: `Engine::add_reaction` or `delete_reaction`.
pub(crate) type ReactionStep<T> =
    fn(&mut ServerEngine, &ReactionRequest) -> Result<T, ReactionError>;

/// A call whose method is known, started at `start` (Unix seconds).
pub(crate) struct Call<'a> {
    pub(crate) host: &'a Host,
    pub(crate) style: Style<'a>,
    pub(crate) method: Method,
    pub(crate) start: f64,
}

impl Call<'_> {
    /// `imbot.message.like`: the caller's application acts through a bot.
    pub(crate) fn bot_like(&self, params: &LikeParams) -> Result<Reply, FrameworkError> {
        let host = self.host;
        let app = match &self.admit(params)?.caller {
            Caller::App(app) => Some(*app),
            Caller::Webhook(hook) => host.webhook_bots.legacy_app(hook, params, &host.apps)?,
        };
        let request = params.like_request(app);
        let (result, processing) = host.timed(|engine| engine.like(&request).map(drop));
        self.reply(result, processing)
    }

    /// `im.message.like`: the webhook's or the token's user acts.
    pub(crate) fn user_like(&self, params: &LikeParams) -> Result<Reply, FrameworkError> {
        let user = self
            .admit(params)?
            .user
            .ok_or(FrameworkError::NoAuthFound)?;
        let request = params.user_request(user);
        let (result, processing) = self
            .host
            .timed(|engine| engine.like_as_user(&request).map(drop));
        self.reply(result, processing)
    }

    /// `imbot.v2.Chat.Message.Reaction.add` or `.delete`: after
    /// authentication, a webhook call's `botToken` decides its
    /// application, then `step` runs.
    pub(crate) fn reaction<T>(
        &self,
        params: &ReactionParams,
        step: ReactionStep<T>,
    ) -> Result<Reply, FrameworkError> {
        let host = self.host;
        let app = match &self.admit(params)?.caller {
            Caller::App(app) => Some(*app),
            Caller::Webhook(hook) => match host.webhook_bots.v2_app(hook, params) {
                Ok(app) => app,
                Err(code) => return Ok(Reply::from(code)),
            },
        };
        let request = params.request(app);
        let (result, processing) = host.timed(|engine| step(engine, &request).map(drop));
        self.reply(result, processing)
    }

    /// Authenticates the call, checks its scope and its rate limit.
    fn admit<P: Params>(&self, params: &P) -> Result<&Grant, FrameworkError> {
        let grant = self
            .host
            .credentials
            .grant(self.style, self.method, params)?;
        if self.host.admit(&grant.caller) {
            Ok(grant)
        } else {
            Err(FrameworkError::QueryLimitExceeded)
        }
    }

    /// The reply to an engine result, with the time block and the
    /// method's operating time updated.
    fn reply<E: Into<ErrorResponse>>(
        &self,
        result: Result<(), E>,
        processing: f64,
    ) -> Result<Reply, FrameworkError> {
        let operating = self
            .host
            .operating(self.method)
            .record(self.start, processing);
        let time = clock::time_block(self.start, processing, operating)
            .map_err(|_| FrameworkError::InternalServerError)?;
        Ok(Reply::from_result(result, time))
    }
}
