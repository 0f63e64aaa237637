//! Node-to-node calls, the sending side: raft's RPCs (and forwarded
//! writes and read indexes) as HTTP POSTs of postcard bodies to a peer's
//! raft address, each with the cluster token in `X-Cluster-Token`.
//!
//! A peer that cannot be connected to is unreachable (raft backs off); a
//! call that fails after it was sent is a network error; a peer's raft
//! refusing the call comes back as its error.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use openraft::BasicNode;
use openraft::error::{
    InstallSnapshotError, NetworkError, RPCError, RaftError, RemoteError, Unreachable,
};
use openraft::network::{RPCOption, RaftNetwork, RaftNetworkFactory};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse,
    VoteRequest, VoteResponse,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::TypeConfig;

/// The header that carries the cluster token.
pub(crate) const TOKEN_HEADER: &str = "x-cluster-token";

/// Why a node-to-node call failed.
#[derive(Debug)]
pub(crate) enum CallError {
    /// The peer could not be reached: the call was not delivered.
    Unreachable(std::io::Error),
    /// The call failed after it may have been delivered.
    Failed(std::io::Error),
}

impl CallError {
    fn failed(e: impl ToString) -> Self {
        Self::Failed(std::io::Error::other(e.to_string()))
    }
}

/// The HTTP client all of a node's peers share.
#[derive(Clone)]
pub(crate) struct Client {
    http: HttpClient<HttpConnector, Full<Bytes>>,
    token: Arc<str>,
    cut: Arc<AtomicBool>,
}

impl Client {
    /// A client sending `token`, silent while `cut` is set.
    pub(crate) fn new(token: String, cut: Arc<AtomicBool>) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(Duration::from_millis(500)));
        Self {
            http: HttpClient::builder(TokioExecutor::new()).build(connector),
            token: token.into(),
            cut,
        }
    }

    /// POSTs `body` (postcard) to `path` on `addr` and decodes the answer,
    /// within `ttl`.
    pub(crate) async fn call<Q: Serialize, A: DeserializeOwned>(
        &self,
        addr: &str,
        path: &str,
        body: &Q,
        ttl: Duration,
    ) -> Result<A, CallError> {
        if self.cut.load(Ordering::SeqCst) {
            return Err(CallError::Unreachable(std::io::Error::other("cut off")));
        }
        let bytes = postcard::to_allocvec(body).map_err(CallError::failed)?;
        let request = hyper::Request::post(format!("http://{addr}{path}"))
            .header(TOKEN_HEADER, &*self.token)
            .body(Full::new(Bytes::from(bytes)))
            .map_err(CallError::failed)?;
        let exchange = async {
            let response = self.http.request(request).await.map_err(|e| {
                if e.is_connect() {
                    CallError::Unreachable(std::io::Error::other(e.to_string()))
                } else {
                    CallError::failed(e)
                }
            })?;
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(CallError::failed)?;
            if !status.is_success() {
                return Err(CallError::failed(format!("{addr}{path}: HTTP {status}")));
            }
            postcard::from_bytes(&body.to_bytes()).map_err(CallError::failed)
        };
        tokio::time::timeout(ttl, exchange)
            .await
            .unwrap_or_else(|_| Err(CallError::failed(format!("{addr}{path}: timed out"))))
    }
}

/// One peer, as raft's network sees it.
pub(crate) struct Peer {
    target: u64,
    addr: String,
    client: Client,
}

impl Peer {
    async fn rpc<Q: Serialize, A: DeserializeOwned, E: std::error::Error + DeserializeOwned>(
        &self,
        path: &str,
        request: &Q,
        option: &RPCOption,
    ) -> Result<A, RPCError<u64, BasicNode, RaftError<u64, E>>> {
        let answer: Result<A, RaftError<u64, E>> = self
            .client
            .call(&self.addr, path, request, option.hard_ttl())
            .await
            .map_err(|e| match e {
                CallError::Unreachable(e) => RPCError::Unreachable(Unreachable::new(&e)),
                CallError::Failed(e) => RPCError::Network(NetworkError::new(&e)),
            })?;
        answer.map_err(|e| RPCError::RemoteError(RemoteError::new(self.target, e)))
    }
}

impl RaftNetworkFactory<TypeConfig> for Client {
    type Network = Peer;

    async fn new_client(&mut self, target: u64, node: &BasicNode) -> Peer {
        Peer {
            target,
            addr: node.addr.clone(),
            client: self.clone(),
        }
    }
}

impl RaftNetwork<TypeConfig> for Peer {
    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<AppendEntriesResponse<u64>, RPCError<u64, BasicNode, RaftError<u64>>> {
        self.rpc("/raft/append", &rpc, &option).await
    }

    async fn install_snapshot(
        &mut self,
        rpc: InstallSnapshotRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<
        InstallSnapshotResponse<u64>,
        RPCError<u64, BasicNode, RaftError<u64, InstallSnapshotError>>,
    > {
        self.rpc("/raft/snapshot", &rpc, &option).await
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<u64>,
        option: RPCOption,
    ) -> Result<VoteResponse<u64>, RPCError<u64, BasicNode, RaftError<u64>>> {
        self.rpc("/raft/vote", &rpc, &option).await
    }
}
