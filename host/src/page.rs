//! The page at `/`: the chats, their members, the messages with their
//! text, likers and reactions, and the last REST calls with their answers.
//! Plain HTML and a little script that polls `/__control/view` every
//! second and rebuilds the lists (texts are set as text, never as HTML).

use std::sync::Arc;

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::live::LiveHost;
use crate::reply::json;

/// The page.
const PAGE: &str = include_str!("page.html");

/// `GET /`: the page.
pub(crate) async fn index() -> Response {
    let headers = [
        (CONTENT_TYPE, "text/html; charset=utf-8"),
        (CACHE_CONTROL, "no-store"),
    ];
    (headers, PAGE).into_response()
}

/// `GET /__control/view`: what the page shows, as JSON: `world` (as
/// `GET /__control/world`) and `requests` (the last calls, oldest first).
pub(crate) async fn view(State(live): State<Arc<LiveHost>>) -> Response {
    let world = live.host().dump();
    json(200, &json!({ "world": world, "requests": live.log() }))
}
