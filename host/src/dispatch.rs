//! Running one call of a known method and answering it: the methods'
//! own paths, shared by single calls and the commands of a `batch`.

use axum::response::Response;
use serde_json::json;

use crate::Host;
use crate::auth::Method;
use crate::calls::{Call, ReactionStep};
use crate::reply::{error, json};

/// Runs a call of any method but `batch` and answers it.
pub(crate) async fn dispatch(call: Call<'_>) -> Response {
    let host = call.host;
    let input = call.input;
    let answer = match call.method {
        Method::BotLike => call.bot_like(&input.typed()).await,
        Method::UserLike => call.user_like(&input.typed()).await,
        Method::ReactionAdd => call.reaction(&input.typed(), ReactionStep::Add).await,
        Method::ReactionDelete => call.reaction(&input.typed(), ReactionStep::Delete).await,
        Method::EventGet => {
            let response = call.event_get(&input.typed()).await.unwrap_or_else(error);
            return settle(host, call.wait.get(), response).await;
        }
        Method::Portal(method) => {
            let response = crate::portal::respond(&call, method).await;
            return settle(host, call.wait.get(), response).await;
        }
        Method::Batch => return nested_batch(),
    };
    let mut response = match answer {
        Ok(reply) => crate::reply::reply(&reply),
        Err(e) => error(e),
    };
    crate::rule::add(&mut response, call.rule.take());
    settle(host, call.wait.get(), response).await
}

/// For a durable host, holds the answer until what it reports is on disk;
/// when the log cannot be written, answers 503 instead: the change is not
/// acknowledged.
async fn settle(host: &Host, wait: Option<u64>, response: Response) -> Response {
    match host.settled(wait).await {
        Ok(()) => response,
        Err(e) => crate::reply::not_durable(&e),
    }
}

/// A `batch` inside a batch, which portals refuse.
pub(crate) fn nested_batch() -> Response {
    json(
        400,
        &json!({
            "error": "ERROR_BATCH_METHOD_NOT_ALLOWED",
            "error_description": "Method is not allowed for batch usage",
        }),
    )
}
