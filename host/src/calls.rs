//! One authenticated call on the engine, per method: authenticate, check
//! what must be checked before the engine, run one atomic transition, and
//! shape the reply with its time block.

use imbot_like::wire::{ErrorResponse, FrameworkError, LikeParams, ReactionParams, Reply};
use imbot_like::{ReactionError, ReactionRequest, ServerEngine};

use crate::Host;
use crate::auth::{Method, Style};

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
        let app = host
            .credentials
            .app(self.style, self.method, params, &host.apps())?;
        let request = params.like_request(app);
        let (result, processing) = host.timed(|engine| engine.like(&request).map(drop));
        self.reply(result, processing)
    }

    /// `im.message.like`: the webhook's or the token's user acts.
    pub(crate) fn user_like(&self, params: &LikeParams) -> Result<Reply, FrameworkError> {
        let user = self
            .host
            .credentials
            .user(self.style, self.method, params)?;
        let request = params.user_request(user);
        let (result, processing) = self
            .host
            .timed(|engine| engine.like_as_user(&request).map(drop));
        self.reply(result, processing)
    }

    /// `imbot.v2.Chat.Message.Reaction.add` or `.delete`: after
    /// authentication, a webhook call's `botToken` is checked, then `step`
    /// runs.
    pub(crate) fn reaction<T>(
        &self,
        params: &ReactionParams,
        step: ReactionStep<T>,
    ) -> Result<Reply, FrameworkError> {
        let host = self.host;
        let app = host
            .credentials
            .app(self.style, self.method, params, &host.apps())?;
        if let Style::Webhook { .. } = self.style {
            if let Err(code) = host.bot_tokens().check(params) {
                return Ok(Reply::from(code));
            }
        }
        let request = params.request(app);
        let (result, processing) = host.timed(|engine| step(engine, &request).map(drop));
        self.reply(result, processing)
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
        let time = self
            .host
            .clock
            .time_block(self.start, processing, operating)
            .map_err(|_| FrameworkError::InternalServerError)?;
        Ok(Reply::from_result(result, time))
    }
}
