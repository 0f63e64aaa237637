//! One authenticated call on the engine, per method: authenticate, check
//! what must be checked before the engine, run one atomic transition, and
//! shape the reply with its time block.

use std::sync::Mutex;

use imbot_like::wire::{
    ErrorResponse, FrameworkError, LikeParams, Params, ReactionParams, Reply, Time,
};
use imbot_like::{CommandError, IdempotencyKey};

use crate::Host;
use crate::auth::{Caller, Grant, Method, Style};
use crate::input::Input;
use crate::state::{Answer, HostCommand, Keyed, KeyedCall, Op};

/// A v2 reaction transition: adding or deleting a reaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReactionStep {
    /// `imbot.v2.Chat.Message.Reaction.add`.
    Add,
    /// `imbot.v2.Chat.Message.Reaction.delete`.
    Delete,
}

/// A call whose method is known, started at `start` (Unix seconds).
pub(crate) struct Call<'a> {
    pub(crate) host: &'a Host,
    pub(crate) style: Style<'a>,
    pub(crate) method: Method,
    /// The call's parameters, decoded once (see `input`).
    pub(crate) input: &'a Input,
    pub(crate) start: f64,
    /// For a durable host, the log position the answer waits for.
    pub(crate) wait: Note<u64>,
    /// The rule that refused the call, with a short reason, for the
    /// `X-Imbot-Rule` header (see `rule`).
    pub(crate) rule: Note<String>,
    /// The text of the request's idempotency key, if the client sent one
    /// (see `retry`): a like or reaction call then runs as a keyed command
    /// in its caller's own retry window.
    pub(crate) key: Option<String>,
}

/// What a call's steps leave for its answer (the log position to wait
/// for, the rule behind a refusal): set while the call runs, read when it
/// is answered, and shared across the call's awaits.
#[derive(Debug, Default)]
pub(crate) struct Note<T>(Mutex<Option<T>>);

impl<T: Clone> Note<T> {
    /// Leaves `value` (or nothing).
    pub(crate) fn set(&self, value: Option<T>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = value;
    }

    /// What was left, if anything.
    pub(crate) fn get(&self) -> Option<T> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// What was left, taken.
    pub(crate) fn take(&self) -> Option<T> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

impl Call<'_> {
    /// `imbot.message.like`: the caller's application acts through a bot.
    pub(crate) async fn bot_like(&self, params: &LikeParams) -> Result<Reply, FrameworkError> {
        let host = self.host;
        let caller = &self.admit(params)?.caller;
        let app = match caller {
            Caller::App(app) => Some(*app),
            Caller::Webhook(hook) => {
                let state = host.state();
                state.webhook_bots.legacy_app(hook, params, &state.apps)?
            }
        };
        self.run(caller, Keyed::Like(params.like_request(app)))
            .await
    }

    /// `im.message.like`: the webhook's or the token's user acts.
    pub(crate) async fn user_like(&self, params: &LikeParams) -> Result<Reply, FrameworkError> {
        let grant = self.admit(params)?;
        let user = grant.user.ok_or(FrameworkError::NoAuthFound)?;
        self.run(&grant.caller, Keyed::LikeAsUser(params.user_request(user)))
            .await
    }

    /// `imbot.v2.Chat.Message.Reaction.add` or `.delete`: after
    /// authentication, a webhook call's `botToken` decides its
    /// application, then `step` runs (keyed when the call has a key).
    pub(crate) async fn reaction(
        &self,
        params: &ReactionParams,
        step: ReactionStep,
    ) -> Result<Reply, FrameworkError> {
        let host = self.host;
        let caller = &self.admit(params)?.caller;
        let app = match caller {
            Caller::App(app) => Some(*app),
            Caller::Webhook(hook) => match host.state().webhook_bots.v2_app(hook, params) {
                Ok(app) => app,
                Err(code) => return Ok(Reply::from(code)),
            },
        };
        let request = params.request(app);
        self.run(
            caller,
            match step {
                ReactionStep::Add => Keyed::AddReaction(request),
                ReactionStep::Delete => Keyed::DeleteReaction(request),
            },
        )
        .await
    }

    /// The command for `request` by `caller`: keyed, in the caller's own
    /// retry window, when the client sent a key.
    fn op(&self, caller: &Caller, request: Keyed) -> Op {
        match self.key.as_deref() {
            Some(text) => Op::Keyed(KeyedCall {
                caller: caller.clone(),
                key: IdempotencyKey::from_text(text),
                request,
            }),
            None => Op::Engine(request.command()),
        }
    }

    /// Applies `caller`'s request and shapes its reply.
    async fn run(&self, caller: &Caller, request: Keyed) -> Result<Reply, FrameworkError> {
        let command = HostCommand {
            at_ms: self.at_ms(),
            op: self.op(caller, request),
        };
        let (answer, processing, wait) = self.host.run(&command).await?;
        self.wait.set(wait);
        self.rule.set(crate::rule::of(&answer));
        self.reply(wire_result(answer)?, processing)
    }

    /// The call's start in Unix milliseconds: the time its command carries.
    pub(crate) fn at_ms(&self) -> u64 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let ms = (self.start * 1000.0) as u64;
        ms
    }

    /// Authenticates the call, checks its scope and its rate limit.
    pub(crate) fn admit<P: Params>(&self, params: &P) -> Result<&Grant, FrameworkError> {
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

    /// The reply to an engine result, with the time block.
    fn reply<E: Into<ErrorResponse>>(
        &self,
        result: Result<(), E>,
        processing: f64,
    ) -> Result<Reply, FrameworkError> {
        let time = self.time_block(processing)?;
        Ok(Reply::from_result(result, time))
    }

    /// The call's time block, with the method's operating time updated.
    pub(crate) fn time_block(&self, processing: f64) -> Result<Time, FrameworkError> {
        let operating = self
            .host
            .operating(self.method)
            .record(self.start, processing);
        self.host
            .clock
            .time_block(self.start, processing, operating)
            .map_err(|_| FrameworkError::InternalServerError)
    }
}

/// An applied command's result as the wire layer answers it. A like or
/// reaction command only fails with its own error.
fn wire_result(answer: Answer) -> Result<Result<(), ErrorResponse>, FrameworkError> {
    match answer {
        Answer::Engine(Ok(_)) => Ok(Ok(())),
        Answer::Engine(Err(CommandError::Like(e))) => Ok(Err(e.into())),
        Answer::Engine(Err(CommandError::Reaction(e))) => Ok(Err(e.into())),
        _ => Err(FrameworkError::InternalServerError),
    }
}
