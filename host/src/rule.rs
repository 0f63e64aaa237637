//! The precise reason behind a refusal, where a developer looks for it.
//!
//! A refused like answers the portal's `WITHOUT_CHANGES` whether the bot is
//! not a member, the message is gone or the like is already there. The
//! answer's body stays the portal's; the host adds the rule that decided
//! (`L1`…`L9` for likes, `V1`…`V8` for reactions, see the crate's
//! contract) and its reason in a response header, `X-Imbot-Rule: L7 not a
//! member of the message's chat`, which the request's log line and the
//! page's request log show too.

use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;
use imbot_like::CommandError;

use crate::state::Answer;

/// The header that carries the rule.
pub static X_IMBOT_RULE: HeaderName = HeaderName::from_static("x-imbot-rule");

/// The rule and reason of a refused like or reaction, if it was one.
pub(crate) fn of(answer: &Answer) -> Option<String> {
    match answer {
        Answer::Engine(Err(CommandError::Like(e))) if e.rule() == 0 => Some(format!("KEY {e}")),
        Answer::Engine(Err(CommandError::Like(e))) => Some(format!("L{} {e}", e.rule())),
        Answer::Engine(Err(CommandError::Reaction(e))) => Some(format!("V{} {e}", e.step())),
        _ => None,
    }
}

/// Adds the header to `response` when there is a rule to tell.
pub(crate) fn add(response: &mut Response, rule: Option<String>) {
    let value = rule.and_then(|rule| HeaderValue::from_str(&ascii(&rule)).ok());
    if let Some(value) = value {
        response.headers_mut().insert(X_IMBOT_RULE.clone(), value);
    }
}

/// A header-safe copy of `text`: printable ASCII, anything else as `?`.
fn ascii(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() {
                c
            } else {
                '?'
            }
        })
        .collect()
}

/// The rule a response carries, for the logs.
pub(crate) fn in_response<B>(response: &axum::http::Response<B>) -> Option<&str> {
    response.headers().get(&X_IMBOT_RULE)?.to_str().ok()
}
