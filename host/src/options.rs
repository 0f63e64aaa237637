//! The `rest_host` command line, with environment fallbacks. Each option
//! is checked when parsed, so a bad value stops the host before it starts.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use clap::builder::{FalseyValueParser, RangedU64ValueParser};

use crate::durable::Config;
use crate::limits::Limits;
use crate::live::Settings;
use crate::ratelimit::RateLimit;

/// Serves imbot.message.like, im.message.like and
/// imbot.v2.Chat.Message.Reaction.add/.delete on 127.0.0.1, as a
/// Bitrix24 portal does.
#[derive(Debug, Clone, Parser)]
#[command(name = "rest_host", version, about, long_about = None)]
pub struct Options {
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "PORT", default_value_t = 8080)]
    pub port: u16,
    /// World JSON to load (default: the compiled-in world).
    #[arg(long, env = "REST_HOST_WORLD", value_name = "FILE")]
    pub world: Option<PathBuf>,
    /// Connections served at once; more wait until one closes.
    #[arg(long, env = "REST_HOST_MAX_CONNECTIONS", default_value_t = 1024,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=1_000_000))]
    pub max_connections: usize,
    /// Seconds to receive a request's head (also the longest an idle
    /// keep-alive connection waits for its next request).
    #[arg(long, env = "REST_HOST_HEADER_TIMEOUT", value_name = "SECONDS",
          default_value = "10", value_parser = seconds)]
    pub header_timeout: Duration,
    /// Seconds from a complete head to the answer (body and call); over
    /// it the answer is 408.
    #[arg(long, env = "REST_HOST_BODY_TIMEOUT", value_name = "SECONDS",
          default_value = "30", value_parser = seconds)]
    pub body_timeout: Duration,
    /// Seconds a connection may go with no byte moving either way.
    #[arg(long, env = "REST_HOST_IDLE_TIMEOUT", value_name = "SECONDS",
          default_value = "60", value_parser = seconds)]
    pub idle_timeout: Duration,
    /// Seconds requests in flight may take to finish after SIGTERM or
    /// Ctrl-C.
    #[arg(long, env = "REST_HOST_SHUTDOWN_GRACE", value_name = "SECONDS",
          default_value = "10", value_parser = seconds)]
    pub shutdown_grace: Duration,
    /// Largest request head in bytes (answered 431 above it).
    #[arg(long, env = "REST_HOST_MAX_HEADER_BYTES", value_name = "BYTES",
          default_value_t = 64 * 1024,
          value_parser = RangedU64ValueParser::<usize>::new().range(8192..=16 << 20))]
    pub max_header_bytes: usize,
    /// Longest request URI in bytes (answered 414 above it).
    #[arg(long, env = "REST_HOST_MAX_URI_BYTES", value_name = "BYTES",
          default_value_t = 16 * 1024,
          value_parser = RangedU64ValueParser::<usize>::new().range(256..=1 << 20))]
    pub max_uri_bytes: usize,
    /// Requests per second each application and each webhook may make
    /// (a token bucket); over it the answer is 503 QUERY_LIMIT_EXCEEDED.
    /// Off unless given.
    #[arg(long, env = "REST_HOST_RATE_LIMIT", value_name = "PER_SECOND",
          value_parser = rate)]
    pub rate_limit: Option<f64>,
    /// Requests a caller may make at once above the rate limit.
    #[arg(long, env = "REST_HOST_RATE_BURST", default_value_t = 50,
          value_parser = RangedU64ValueParser::<u32>::new().range(1..=1_000_000))]
    pub rate_burst: u32,
    /// Keep the state in this directory (snapshots and a command log, each
    /// change on disk before its answer); without it, memory only.
    #[arg(long, env = "REST_HOST_DATA", value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Serve HTTPS with a self-signed certificate for 127.0.0.1 and
    /// localhost made at start (written as PEM to the path printed at
    /// start, see --tls-cert-out), or with --tls-cert and --tls-key.
    #[arg(long, env = "REST_HOST_TLS")]
    pub tls: bool,
    /// With --tls: where to write the made certificate (PEM), for clients
    /// to trust (default: `rest_host-PID.pem` in the temporary directory).
    #[arg(long, value_name = "FILE", requires = "tls")]
    pub tls_cert_out: Option<PathBuf>,
    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// With `--data`: cut the log at a damaged frame that intact frames
    /// follow (corruption, which otherwise stops the host from starting),
    /// dropping the commands after it (printed), then exit.
    #[arg(long, requires = "data")]
    pub repair: bool,
    /// With `--data`: write a snapshot after this many logged changes.
    #[arg(long, env = "REST_HOST_SNAPSHOT_EVERY", value_name = "CHANGES",
          default_value_t = 10_000,
          value_parser = RangedU64ValueParser::<u64>::new().range(1..=u64::MAX))]
    pub snapshot_every: u64,
    /// Log filter (`info`, `warn`, `imbot_like_host=debug`, …); one JSON
    /// line per request goes to stderr at `info`.
    #[arg(long, env = "RUST_LOG", value_name = "FILTER", default_value = "info",
          value_parser = log_filter)]
    pub log: String,
    /// Stepped clock: call `n` starts at 2025-01-01T00:00:00Z plus `n`
    /// seconds and takes 0.001 s, so the same calls give byte-identical
    /// answers on every run.
    #[arg(long, env = "REST_HOST_DETERMINISTIC",
          value_parser = FalseyValueParser::new(), default_value_t = false,
          num_args = 0, default_missing_value = "true")]
    pub deterministic: bool,
    /// The token the control API (`/__control/`) and the page require, as
    /// the `X-Control-Token` header or `token` in the query; without it
    /// they answer loopback peers only.
    #[arg(long, env = "REST_HOST_CONTROL_TOKEN", value_name = "TOKEN",
          value_parser = nonempty)]
    pub control_token: Option<String>,
    /// A name the page and the control API also answer to in the `Host`
    /// header (with any port), besides this host's address, `localhost`,
    /// `127.0.0.1` and `[::1]` with its port: the name a proxy in front
    /// of the host uses. Repeat it for more names (the environment takes
    /// them comma-separated).
    #[arg(long = "allow-host", env = "REST_HOST_ALLOW_HOST", value_name = "NAME",
          value_delimiter = ',', value_parser = host_name)]
    pub allow_host: Vec<String>,
    /// Cluster mode: this node's id among `--peers` (with `--raft-addr`,
    /// `--peers`, `--cluster-token` and `--data`).
    #[arg(long, env = "REST_HOST_NODE_ID", requires_all = ["raft_addr", "peers", "cluster_token", "data"],
          value_parser = RangedU64ValueParser::<u64>::new().range(1..))]
    pub node_id: Option<u64>,
    /// Cluster mode: where this node serves node-to-node traffic.
    #[arg(
        long,
        env = "REST_HOST_RAFT_ADDR",
        value_name = "HOST:PORT",
        requires = "node_id"
    )]
    pub raft_addr: Option<std::net::SocketAddr>,
    /// Cluster mode: the initial voters, `1=HOST:PORT,2=HOST:PORT,…`
    /// (their raft addresses); the lowest id initialises the cluster on
    /// its first start.
    #[arg(long, env = "REST_HOST_PEERS", value_name = "ID=HOST:PORT,…", requires = "node_id",
          value_parser = crate::cluster::parse_peers)]
    pub peers: Option<std::collections::BTreeMap<u64, String>>,
    /// Cluster mode: the token every node-to-node call must carry.
    #[arg(long, env = "REST_HOST_CLUSTER_TOKEN", value_name = "TOKEN", requires = "node_id",
          value_parser = nonempty)]
    pub cluster_token: Option<String>,
    /// Cluster mode: seconds a call waits for a leader before it is
    /// answered 503 QUERY_LIMIT_EXCEEDED.
    #[arg(long, env = "REST_HOST_LEADER_WAIT", value_name = "SECONDS",
          default_value = "5", value_parser = seconds)]
    pub leader_wait: Duration,
    /// Cluster mode: keep every log entry after a snapshot instead of
    /// purging the ones it holds, so `GET /__cluster/log` reads the whole
    /// history (for audits and tests: the log grows without bound).
    #[arg(long, env = "REST_HOST_KEEP_LOG", requires = "node_id")]
    pub keep_log: bool,
}

impl Options {
    /// The server limits these options set.
    #[must_use]
    pub fn limits(&self) -> Limits {
        Limits {
            max_connections: self.max_connections,
            header_timeout: self.header_timeout,
            body_timeout: self.body_timeout,
            idle_timeout: self.idle_timeout,
            max_header_bytes: self.max_header_bytes,
            max_uri_bytes: self.max_uri_bytes,
            shutdown_grace: self.shutdown_grace,
        }
    }

    /// How `--data` keeps the state.
    #[must_use]
    pub fn durable_config(&self) -> Config {
        Config {
            every_records: self.snapshot_every,
            ..Config::default()
        }
    }

    /// How the local portal runs: the clock, the control token and the
    /// allowed host names.
    #[must_use]
    pub fn settings(&self) -> Settings {
        Settings {
            deterministic: self.deterministic,
            control_token: self.control_token.clone(),
            allowed_hosts: self.allow_host.clone(),
            body_timeout: Some(self.body_timeout),
        }
    }

    /// The cluster this node joins, in cluster mode.
    ///
    /// # Errors
    /// `--node-id` is not among `--peers`.
    pub fn cluster(&self) -> Result<Option<crate::cluster::Config>, String> {
        let (Some(node_id), Some(raft_addr), Some(peers), Some(token), Some(data)) = (
            self.node_id,
            self.raft_addr,
            self.peers.clone(),
            self.cluster_token.clone(),
            self.data.clone(),
        ) else {
            return Ok(None);
        };
        if !peers.contains_key(&node_id) {
            return Err(format!("--node-id {node_id} is not among --peers"));
        }
        Ok(Some(crate::cluster::Config {
            node_id,
            raft_addr,
            peers,
            token,
            data,
            snapshot_every: self.snapshot_every,
            keep_log: self.keep_log,
            leader_wait: self.leader_wait,
            timing: crate::cluster::Timing::default(),
        }))
    }

    /// The rate limit, when one was asked for.
    #[must_use]
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.rate_limit
            .and_then(|rate| RateLimit::new(rate, self.rate_burst).ok())
    }
}

/// A positive number of seconds, at most a day.
fn seconds(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .parse()
        .map_err(|_| format!("not a number of seconds: {text:?}"))?;
    if secs > 0.0 && secs <= 86_400.0 {
        Ok(Duration::from_secs_f64(secs))
    } else {
        Err("must be more than 0 and at most 86400 seconds".into())
    }
}

/// A positive, finite request rate.
fn rate(text: &str) -> Result<f64, String> {
    let rate: f64 = text
        .parse()
        .map_err(|_| format!("not a number: {text:?}"))?;
    RateLimit::new(rate, 1)
        .map(|limit| limit.per_second)
        .map_err(|e| e.to_string())
}

/// A non-empty text.
fn nonempty(text: &str) -> Result<String, String> {
    if text.is_empty() {
        Err("must not be empty".into())
    } else {
        Ok(text.to_owned())
    }
}

/// A host name: letters, digits, `-` and `.` (or an IPv6 address in
/// brackets), without a port, in lower case.
fn host_name(text: &str) -> Result<String, String> {
    let bracketed = text.starts_with('[') && text.ends_with(']');
    let plain = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.';
    let ipv6 = |c: char| c.is_ascii_hexdigit() || c == ':' || c == '[' || c == ']';
    let valid = if bracketed {
        text.chars().all(ipv6)
    } else {
        text.chars().all(plain)
    };
    if text.is_empty() || !valid {
        return Err("a host name without a port (letters, digits, '-', '.')".into());
    }
    Ok(text.to_ascii_lowercase())
}

/// A log filter `tracing-subscriber` can read.
fn log_filter(text: &str) -> Result<String, String> {
    tracing_subscriber::EnvFilter::try_new(text)
        .map(|_| text.to_owned())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::Options;

    fn parse(args: &[&str]) -> Result<Options, clap::Error> {
        Options::try_parse_from(std::iter::once("rest_host").chain(args.iter().copied()))
    }

    #[test]
    fn options_are_checked_when_parsed() {
        let options = parse(&["--port", "0", "--rate-limit", "2", "--rate-burst", "5"]).unwrap();
        assert_eq!(options.port, 0);
        let limit = options.rate_limit().unwrap();
        assert_eq!((limit.per_second, limit.burst), (2.0, 5));
        assert_eq!(options.limits().header_timeout.as_secs(), 10);
        let defaults = crate::Settings {
            body_timeout: Some(std::time::Duration::from_secs(30)),
            ..crate::Settings::default()
        };
        assert_eq!(options.settings(), defaults);
        let portal = parse(&["--deterministic", "--control-token", "s3"]).unwrap();
        assert!(portal.settings().deterministic);
        assert_eq!(portal.settings().control_token.as_deref(), Some("s3"));
        let named = parse(&["--allow-host", "Dev.Box", "--allow-host", "[::2]"]).unwrap();
        assert_eq!(named.settings().allowed_hosts, ["dev.box", "[::2]"]);
        assert!(portal.cluster().unwrap().is_none());
        let node = parse(&[
            "--node-id",
            "2",
            "--raft-addr",
            "127.0.0.1:7002",
            "--peers",
            "1=127.0.0.1:7001,2=127.0.0.1:7002",
            "--cluster-token",
            "t",
            "--data",
            "d",
        ])
        .unwrap();
        assert_eq!(node.cluster().unwrap().unwrap().peers.len(), 2);
        let stranger = parse(&[
            "--node-id",
            "3",
            "--raft-addr",
            "127.0.0.1:7003",
            "--peers",
            "1=127.0.0.1:7001",
            "--cluster-token",
            "t",
            "--data",
            "d",
        ])
        .unwrap();
        assert!(stranger.cluster().is_err());
        for bad in [
            &["--port", "70000"][..],
            &["--header-timeout", "0"],
            &["--body-timeout", "x"],
            &["--max-connections", "0"],
            &["--max-header-bytes", "100"],
            &["--rate-limit", "-1"],
            &["--rate-burst", "0"],
            &["--log", "a=b=c"],
            &["--nope"],
            &["--control-token", ""],
            &["--allow-host", ""],
            &["--allow-host", "dev.box:8080"],
            &["--allow-host", "evil/x"],
            &["--node-id", "1"],
            &["--peers", "1=x"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
