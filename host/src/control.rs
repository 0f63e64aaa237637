//! The control API under `/__control/`, off the portal's namespace: the
//! world as a world file (dump, load, reset) and the scenarios (add, list,
//! clear).
//!
//! Access: without a control token, only loopback peers are answered; with
//! one, only requests that carry it (header `X-Control-Token`, or `token`
//! in the query) are, from any peer. Whoever reaches this API can read
//! every token and webhook code of the world and replace the world, so a
//! host listening beyond loopback must have a token (and the token travels
//! in clear over plain HTTP).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderName;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;

use crate::live::LiveHost;
use crate::reply::json;
use crate::scenario::Scenario;
use crate::world::World;

/// The header that carries the control token.
pub static CONTROL_TOKEN: HeaderName = HeaderName::from_static("x-control-token");

/// Whether a request may use the control API: with a `token` configured,
/// exactly when it `presented` that token; without one, exactly when the
/// `peer` is a loopback address (an unknown peer is refused).
#[must_use]
pub fn allowed(token: Option<&str>, presented: Option<&str>, peer: Option<SocketAddr>) -> bool {
    match token {
        Some(token) => presented.is_some_and(|p| same(p.as_bytes(), token.as_bytes())),
        None => peer.is_some_and(|p| p.ip().is_loopback()),
    }
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The token a request presents: the header, else `token` in the query.
fn presented(request: &Request) -> Option<String> {
    if let Some(value) = request.headers().get(&CONTROL_TOKEN) {
        return value.to_str().ok().map(str::to_owned);
    }
    let query = request.uri().query()?;
    query.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        (name == "token").then(|| value.to_owned())
    })
}

/// Refuses, with 403 `ACCESS_DENIED`, what [`allowed`] refuses.
pub(crate) async fn guard(
    State(live): State<Arc<LiveHost>>,
    request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0);
    let token = live.settings.control_token.as_deref();
    if allowed(token, presented(&request).as_deref(), peer) {
        next.run(request).await
    } else {
        let body = json!({
            "error": "ACCESS_DENIED",
            "error_description": "The control API answers loopback peers, or the control token",
        });
        json(403, &body)
    }
}

/// `GET /__control/world`: the world now, as a world file.
pub(crate) async fn get_world(State(live): State<Arc<LiveHost>>) -> Response {
    json(200, &live.host().dump())
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

/// `GET /__control/scenarios`: the armed scenarios.
pub(crate) async fn list_scenarios(State(live): State<Arc<LiveHost>>) -> Response {
    json(200, &json!({ "result": live.scenarios.list() }))
}

/// `POST /__control/scenarios`: arms a scenario; its id.
pub(crate) async fn add_scenario(State(live): State<Arc<LiveHost>>, body: Bytes) -> Response {
    let scenario = serde_json::from_slice::<Scenario>(&body)
        .map_err(|e| e.to_string())
        .and_then(|s| s.checked().map_err(|e| e.to_string()));
    match scenario {
        Ok(scenario) => json(200, &json!({ "result": live.scenarios.add(scenario) })),
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
    use std::net::SocketAddr;

    use super::allowed;

    fn peer(text: &str) -> Option<SocketAddr> {
        text.parse().ok()
    }

    #[test]
    fn without_a_token_only_loopback_peers_are_allowed() {
        assert!(allowed(None, None, peer("127.0.0.1:5000")));
        assert!(allowed(None, None, peer("[::1]:5000")));
        assert!(!allowed(None, None, peer("10.0.0.7:5000")));
        assert!(!allowed(None, Some("anything"), peer("192.168.1.2:5000")));
        assert!(!allowed(None, None, None));
    }

    #[test]
    fn with_a_token_only_that_token_is_allowed_from_any_peer() {
        assert!(allowed(Some("s3"), Some("s3"), peer("10.0.0.7:5000")));
        assert!(!allowed(Some("s3"), None, peer("127.0.0.1:5000")));
        assert!(!allowed(Some("s3"), Some("s4"), peer("127.0.0.1:5000")));
        assert!(!allowed(Some("s3"), Some("s"), peer("10.0.0.7:5000")));
    }
}
