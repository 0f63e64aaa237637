//! Node-to-node calls, the receiving side: an HTTP server on the raft
//! address that hands raft's RPCs to raft, and serves the writes and read
//! indexes other nodes forward to the leader. A call without the cluster
//! token is refused with 401; while the node is cut off, every call is
//! refused with 503.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::forward::{self, Refused};
use super::network::TOKEN_HEADER;
use super::pipeline::Pipeline;
use super::{Config, HostRaft};
use crate::state::HostCommand;

/// What the handlers share.
#[derive(Clone)]
struct Shared {
    raft: HostRaft,
    pipeline: Pipeline,
    token: Arc<str>,
    cut: Arc<AtomicBool>,
    wait: std::time::Duration,
}

/// Binds the raft address and serves it in the background.
///
/// # Errors
/// The address cannot be bound.
pub(crate) async fn spawn(
    config: &Config,
    raft: HostRaft,
    pipeline: Pipeline,
    cut: Arc<AtomicBool>,
) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(config.raft_addr)
        .await
        .map_err(|e| format!("--raft-addr {}: {e}", config.raft_addr))?;
    let shared = Shared {
        raft,
        pipeline,
        token: config.token.clone().into(),
        cut,
        wait: config.leader_wait,
    };
    let routes = Router::new()
        .route("/raft/append", post(append))
        .route("/raft/vote", post(vote))
        .route("/raft/snapshot", post(snapshot))
        .route("/raft/write", post(write))
        .route("/raft/read", post(read))
        .layer(middleware::from_fn_with_state(shared.clone(), admit))
        .with_state(shared);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, routes).await {
            tracing::error!(error = %e, "the raft address stopped serving");
        }
    });
    Ok(())
}

/// Refuses calls without the token, and every call while cut off.
async fn admit(State(shared): State<Shared>, request: Request, next: Next) -> Response {
    if shared.cut.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let presented = request.headers().get(TOKEN_HEADER).map(|v| v.as_bytes());
    if !presented.is_some_and(|p| same(p, shared.token.as_bytes())) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    next.run(request).await
}

/// Compares in time independent of where the texts differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A postcard body, or why not.
fn decode<T: DeserializeOwned>(body: &Bytes) -> Result<T, String> {
    postcard::from_bytes(body).map_err(|e| e.to_string())
}

/// The answer to a body that does not decode.
fn bad_request(why: String) -> Response {
    (StatusCode::BAD_REQUEST, why).into_response()
}

/// A postcard answer.
fn encode<T: Serialize>(value: &T) -> Response {
    match postcard::to_allocvec(value) {
        Ok(bytes) => bytes.into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

async fn append(State(shared): State<Shared>, body: Bytes) -> Response {
    match decode(&body) {
        Ok(rpc) => encode(&shared.raft.append_entries(rpc).await),
        Err(why) => bad_request(why),
    }
}

async fn vote(State(shared): State<Shared>, body: Bytes) -> Response {
    match decode(&body) {
        Ok(rpc) => encode(&shared.raft.vote(rpc).await),
        Err(why) => bad_request(why),
    }
}

async fn snapshot(State(shared): State<Shared>, body: Bytes) -> Response {
    match decode(&body) {
        Ok(rpc) => encode(&shared.raft.install_snapshot(rpc).await),
        Err(why) => bad_request(why),
    }
}

/// A write forwarded to this node as the leader.
async fn write(State(shared): State<Shared>, body: Bytes) -> Response {
    match decode::<HostCommand>(&body) {
        Ok(command) => encode(&forward::lead_write(&shared.pipeline, command, shared.wait).await),
        Err(why) => bad_request(why),
    }
}

/// A read index asked of this node as the leader.
async fn read(State(shared): State<Shared>, body: Bytes) -> Response {
    match decode::<()>(&body) {
        Ok(()) => {
            encode::<Result<u64, Refused>>(&forward::lead_read(&shared.raft, shared.wait).await)
        }
        Err(why) => bad_request(why),
    }
}
