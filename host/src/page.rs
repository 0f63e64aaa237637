//! The page at `/`: the chats, their members, the messages with their
//! text, likers and reactions, and the last REST calls with their answers.
//! Plain HTML and a little script that polls `/__control/view` every
//! second and rebuilds the lists (texts are set as text, never as HTML).

use std::sync::Arc;

use axum::extract::State;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_FRAME_OPTIONS,
};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::live::LiveHost;
use crate::reply::json;

/// The page.
const PAGE: &str = include_str!("page.html");

/// What the page may do: its own inline script and style, requests to
/// its own origin only, no frames around it.
const POLICY: &str = "default-src 'none'; script-src 'unsafe-inline'; \
     style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'none'";

/// `GET /`: the page.
pub(crate) async fn index() -> Response {
    let headers = [
        (CONTENT_TYPE, "text/html; charset=utf-8"),
        (CACHE_CONTROL, "no-store"),
        (CONTENT_SECURITY_POLICY, POLICY),
        (X_FRAME_OPTIONS, "DENY"),
        (REFERRER_POLICY, "no-referrer"),
    ];
    (headers, PAGE).into_response()
}

/// `GET /__control/view`: what the page shows, as JSON: `world` (as
/// `GET /__control/world`, credentials masked) and `requests` (the last
/// calls, oldest first, credentials masked when they were logged).
pub(crate) async fn view(State(live): State<Arc<LiveHost>>) -> Response {
    let mut world = match live.host().durable_dump().await {
        Ok(world) => world,
        Err(e) => return crate::reply::not_durable(&e),
    };
    crate::mask::world(&mut world);
    let deliveries = live.host().deliveries().list();
    json(
        200,
        &json!({ "world": world, "requests": live.log(), "deliveries": deliveries }),
    )
}
