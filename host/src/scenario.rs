//! Test scenarios: for a method, optionally only for calls with given
//! parameters, the next N calls answer a portal error, are applied and
//! then answered 503, are applied and then lose their answer (the
//! connection is dropped), or are answered late; for a bot, the next N
//! attempts to deliver an event to its handler fail as a handler's error
//! or a refused connection would, or are sent late (see `deliver`).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use crate::portal::Params;

/// The longest delay a scenario may ask for, in milliseconds.
pub const MAX_DELAY_MS: u64 = 60_000;
/// The most scenarios armed at once.
pub const MAX_ARMED: usize = 256;

/// A scenario as the control API takes it:
/// `{"method": "imbot.message.like", "params": {"MESSAGE_ID": "5"},
/// "times": 1, "kind": "error", "code": "…", …}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Scenario {
    /// The method's name (any case, an optional `.json` suffix); empty
    /// for a delivery scenario.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub method: String,
    /// Parameters a call must carry (names in any case, values exact); a
    /// call without them is not affected.
    #[serde(default)]
    pub params: HashMap<String, String>,
    /// The bot whose deliveries a delivery scenario affects; none for a
    /// call scenario.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot: Option<u32>,
    /// How many matching calls it affects (default 1).
    #[serde(default = "one")]
    pub times: u32,
    /// What happens to them.
    #[serde(flatten)]
    pub action: Action,
}

fn one() -> u32 {
    1
}

/// What a scenario does to a call.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// The call is not applied; the answer is this error.
    Error {
        /// The HTTP status (default 400).
        #[serde(default = "status_400")]
        status: u16,
        /// The `error` field.
        code: String,
        /// The `error_description` field.
        #[serde(default)]
        description: String,
    },
    /// The call is applied, then answered with HTTP 503 and this error
    /// (default `SERVICE_UNAVAILABLE`, this host's code).
    FailAfterApply {
        /// The `error` field.
        #[serde(default = "unavailable")]
        code: String,
        /// The `error_description` field.
        #[serde(default = "unavailable_text")]
        description: String,
    },
    /// The call is applied, then the connection is closed without an
    /// answer.
    DropAfterApply,
    /// The call is applied at once and answered `ms` milliseconds later
    /// (at most [`MAX_DELAY_MS`]), as a slow portal does: a client that
    /// gives up first does not undo the change, and the call is in the
    /// request log from the moment it was applied.
    Delay {
        /// The delay.
        ms: u64,
    },
    /// The call is held `ms` milliseconds (at most [`MAX_DELAY_MS`]), then
    /// applied and answered, as a slow network before the portal: a client
    /// that gives up during the hold leaves the call unapplied.
    Hold {
        /// The hold.
        ms: u64,
    },
    /// A delivery attempt to the bot's handler is not sent and counts as
    /// the handler answering `status` (default 500): it is retried as
    /// such an answer would be.
    DeliveryError {
        /// The status the attempt counts as (400 to 599).
        #[serde(default = "status_500")]
        status: u16,
    },
    /// A delivery attempt is not sent and counts as a refused connection.
    DeliveryRefused,
    /// A delivery attempt is sent `ms` milliseconds late (at most
    /// [`MAX_DELAY_MS`]), holding up the bot's later events as a slow
    /// network would.
    DeliveryDelay {
        /// The delay.
        ms: u64,
    },
}

impl Action {
    /// Whether the action is for deliveries to a bot, not for calls.
    #[must_use]
    pub const fn is_delivery(&self) -> bool {
        matches!(
            self,
            Self::DeliveryError { .. } | Self::DeliveryRefused | Self::DeliveryDelay { .. }
        )
    }
}

fn status_500() -> u16 {
    500
}

fn status_400() -> u16 {
    400
}

fn unavailable() -> String {
    "SERVICE_UNAVAILABLE".to_owned()
}

fn unavailable_text() -> String {
    "Service is temporarily unavailable".to_owned()
}

/// Why a scenario was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScenarioError {
    /// No method name.
    NoMethod,
    /// `times` is 0.
    NoTimes,
    /// An error status outside 400..=599.
    BadStatus,
    /// An empty error code.
    NoCode,
    /// A delay above [`MAX_DELAY_MS`].
    DelayTooLong,
    /// A delay or hold no shorter than the body timeout, which would answer
    /// 408 before the scenario's answer.
    DelayPastTimeout,
    /// [`MAX_ARMED`] scenarios are armed already.
    TooMany,
    /// A delivery scenario without a bot.
    NoBot,
    /// A delivery scenario with a method or parameters.
    MethodOnDelivery,
    /// A call scenario with a bot.
    BotOnCall,
}

impl ScenarioError {
    /// A description for the control API's answer.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NoMethod => "method is required",
            Self::NoTimes => "times must be at least 1",
            Self::BadStatus => "status must be in 400..=599",
            Self::NoCode => "code must not be empty",
            Self::DelayTooLong => "ms must be at most 60000",
            Self::DelayPastTimeout => {
                "ms must be shorter than the host's body timeout (--body-timeout), \
                 which would answer 408 REQUEST_TIMEOUT first"
            }
            Self::TooMany => "at most 256 scenarios may be armed at once",
            Self::NoBot => "bot is required for a delivery scenario",
            Self::MethodOnDelivery => "a delivery scenario takes bot, not method or params",
            Self::BotOnCall => "bot is only for delivery scenarios",
        }
    }
}

impl std::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::error::Error for ScenarioError {}

impl Scenario {
    /// Checks the scenario and normalizes its method name.
    ///
    /// # Errors
    /// The first [`ScenarioError`] found.
    pub fn checked(mut self) -> Result<Self, ScenarioError> {
        self.method = method_name(&self.method);
        self.check_target()?;
        if self.times == 0 {
            return Err(ScenarioError::NoTimes);
        }
        match &self.action {
            Action::Error { status, .. } | Action::DeliveryError { status }
                if !(400..=599).contains(status) =>
            {
                Err(ScenarioError::BadStatus)
            }
            Action::Error { code, .. } | Action::FailAfterApply { code, .. } if code.is_empty() => {
                Err(ScenarioError::NoCode)
            }
            Action::Delay { ms } | Action::Hold { ms } | Action::DeliveryDelay { ms }
                if *ms > MAX_DELAY_MS =>
            {
                Err(ScenarioError::DelayTooLong)
            }
            _ => Ok(self),
        }
    }

    /// A call scenario names a method and no bot; a delivery scenario a
    /// bot and no method or parameters.
    fn check_target(&self) -> Result<(), ScenarioError> {
        if self.action.is_delivery() {
            if self.bot.is_none() {
                return Err(ScenarioError::NoBot);
            }
            if !self.method.is_empty() || !self.params.is_empty() {
                return Err(ScenarioError::MethodOnDelivery);
            }
        } else {
            if self.method.is_empty() {
                return Err(ScenarioError::NoMethod);
            }
            if self.bot.is_some() {
                return Err(ScenarioError::BotOnCall);
            }
        }
        Ok(())
    }

    /// As [`Scenario::checked`], and a delay or hold must end before
    /// `timeout`, the host's body timeout, when there is one.
    ///
    /// # Errors
    /// The first [`ScenarioError`] found.
    pub fn checked_within(
        self,
        timeout: Option<std::time::Duration>,
    ) -> Result<Self, ScenarioError> {
        let checked = self.checked()?;
        let ms = match checked.action {
            Action::Delay { ms } | Action::Hold { ms } => ms,
            _ => return Ok(checked),
        };
        match timeout {
            Some(limit) if u128::from(ms) >= limit.as_millis() => {
                Err(ScenarioError::DelayPastTimeout)
            }
            _ => Ok(checked),
        }
    }
}

/// A method name as scenarios compare it: lower case, no `.json`.
#[must_use]
pub fn method_name(name: &str) -> String {
    let lower = name.trim().to_ascii_lowercase();
    lower.strip_suffix(".json").unwrap_or(&lower).to_owned()
}

/// A stored scenario with its id and the calls it still affects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Armed {
    /// The id the control API answered.
    pub id: u64,
    /// Matching calls still to affect.
    pub remaining: u32,
    /// The scenario.
    #[serde(flatten)]
    pub scenario: Scenario,
}

/// The armed scenarios, first added first matched.
#[derive(Debug, Default)]
pub(crate) struct Scenarios {
    state: Mutex<(u64, Vec<Armed>)>,
}

impl Scenarios {
    fn lock(&self) -> MutexGuard<'_, (u64, Vec<Armed>)> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Arms a checked scenario; its id.
    ///
    /// # Errors
    /// [`ScenarioError::TooMany`] when [`MAX_ARMED`] are armed.
    pub(crate) fn add(&self, scenario: Scenario) -> Result<u64, ScenarioError> {
        let mut state = self.lock();
        if state.1.len() >= MAX_ARMED {
            return Err(ScenarioError::TooMany);
        }
        state.0 += 1;
        let id = state.0;
        let remaining = scenario.times;
        state.1.push(Armed {
            id,
            remaining,
            scenario,
        });
        Ok(id)
    }

    /// The armed scenarios.
    pub(crate) fn list(&self) -> Vec<Armed> {
        self.lock().1.clone()
    }

    /// Whether none is armed: then no call needs its parameters read for
    /// [`Scenarios::take`].
    pub(crate) fn is_empty(&self) -> bool {
        self.lock().1.is_empty()
    }

    /// Disarms all.
    pub(crate) fn clear(&self) {
        self.lock().1.clear();
    }

    /// The action for a call of `method` with `params`, counting it
    /// against the first matching scenario (which goes once spent).
    pub(crate) fn take(&self, method: &str, params: &Params) -> Option<Action> {
        self.take_first(|s| s.bot.is_none() && s.method == method && params.matches(&s.params))
    }

    /// The action for an attempt to deliver an event to `bot`'s handler,
    /// counting it against the first delivery scenario for that bot.
    pub(crate) fn take_delivery(&self, bot: u32) -> Option<Action> {
        self.take_first(|s| s.bot == Some(bot) && s.action.is_delivery())
    }

    fn take_first(&self, matching: impl Fn(&Scenario) -> bool) -> Option<Action> {
        let mut state = self.lock();
        let list = &mut state.1;
        let at = list.iter().position(|a| matching(&a.scenario))?;
        let armed = list.get_mut(at)?;
        armed.remaining -= 1;
        let action = armed.scenario.action.clone();
        if armed.remaining == 0 {
            list.remove(at);
        }
        Some(action)
    }
}
