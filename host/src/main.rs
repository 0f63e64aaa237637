//! `rest_host`: serves `imbot.message.like`, `im.message.like` and
//! `imbot.v2.Chat.Message.Reaction.add` / `.delete` on a local port, like
//! a Bitrix24 portal, with the world's own methods (messages, chats,
//! bots), the control API under `/__control/` and the page at `/`.
//! `rest_host --help` lists the options.
//!
//! It prints `listening on http://127.0.0.1:PORT` on stdout, logs one JSON
//! line per request on stderr, and stops on SIGTERM or Ctrl-C after the
//! requests in flight finish, with exit status 0. Without `--data` the
//! state lives in memory only; with it, in `DIR` (snapshots and a command
//! log, see `imbot_like_host::durable`), and a stop writes a last snapshot.
//! With `--node-id` (and `--raft-addr`, `--peers`, `--cluster-token`,
//! `--data`) it is one node of a replicated host, see
//! `imbot_like_host::cluster`.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use imbot_like_host::options::Options;
use imbot_like_host::tls::Identity;
use imbot_like_host::{Host, LiveHost, World, serve_live_tls, serve_live_with};

fn world(options: &Options) -> Result<World, String> {
    let text = match &options.world {
        None => imbot_like_host::DEFAULT_WORLD.to_owned(),
        Some(path) => {
            std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?
        }
    };
    World::from_json(&text).map_err(|e| format!("{}: {e}", shown(options)))
}

/// How messages name the world file.
fn shown(options: &Options) -> String {
    options.world.as_ref().map_or_else(
        || "the default world".to_owned(),
        |p| p.display().to_string(),
    )
}

fn load(options: &Options) -> Result<Host, String> {
    let world = world(options)?;
    let shown = shown(options);
    let deterministic = options.deterministic;
    let host = match &options.data {
        None => Host::with_clock(&world, deterministic).map_err(|e| format!("{shown}: {e}"))?,
        Some(dir) => {
            Host::durable_with_clock(&world, dir, options.durable_config(), deterministic)?
        }
    };
    Ok(match options.rate_limit() {
        Some(limit) => host.with_rate_limit(limit),
        None => host,
    })
}

/// JSON log lines on stderr, filtered by `--log` / `RUST_LOG`.
///
/// Lines are written by a thread of their own (`tracing-appender`), off
/// the request path, into a buffer it flushes whenever no line is
/// waiting, so a burst of requests costs one write, not one per line.
/// Request lines reach it gathered (see `request_line`), unless the
/// filter names spans or fields. The returned guards hand on and flush
/// what is left when dropped, in that order, so they live as long as
/// `main`.
fn init_log(
    directives: &str,
) -> (
    Option<imbot_like_host::request_line::Gathered>,
    tracing_appender::non_blocking::WorkerGuard,
) {
    let filter = tracing_subscriber::EnvFilter::try_new(directives).unwrap_or_default();
    let stderr = std::io::BufWriter::with_capacity(LOG_BUFFER, std::io::stderr());
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE)
        .finish(stderr);
    // A filter on span or field names needs the request's span and event.
    let gathered = (!directives.contains('[')).then(|| {
        imbot_like_host::request_line::write_requests_to(
            writer.clone(),
            imbot_like_host::request_line::GATHER_WAIT,
        )
    });
    tracing_subscriber::fmt()
        .fmt_fields(imbot_like_host::logline::LogFields)
        .event_format(imbot_like_host::logline::LogFormat)
        .with_env_filter(filter)
        .with_writer(writer)
        .init();
    (gathered, guard)
}

/// The log writer's buffer: a write to stderr carries up to this much.
const LOG_BUFFER: usize = 64 * 1024;

/// Messages (a line, or request lines gathered: up to about 16 KiB) that
/// may wait for the writer; past them, further lines are dropped.
const LOG_QUEUE: usize = 2_048;

/// Completes on SIGTERM or Ctrl-C.
async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("stopping: finishing requests in flight");
}

/// The TLS acceptor the options ask for, if any: the certificate given,
/// or one made now and written where the operator is told.
fn tls(options: &Options) -> Result<Option<tokio_rustls::TlsAcceptor>, String> {
    let identity = match (&options.tls_cert, &options.tls_key) {
        (Some(cert), Some(key)) => Identity::from_files(cert, key)?,
        _ if !options.tls => return Ok(None),
        _ => {
            let made = Identity::self_signed()?;
            let path = options.tls_cert_out.clone().unwrap_or_else(|| {
                std::env::temp_dir().join(format!("rest_host-{}.pem", std::process::id()))
            });
            std::fs::write(&path, &made.certificate)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            println!(
                "certificate (self-signed, 127.0.0.1 and localhost): {}",
                path.display()
            );
            made
        }
    };
    identity.acceptor().map(Some)
}

/// Cluster mode: the node on the world's (or its data directory's) state.
async fn start_node(
    options: &Options,
    config: imbot_like_host::cluster::Config,
) -> Result<Host, String> {
    let world = world(options)?;
    let host = imbot_like_host::cluster::start(&world, config, options.deterministic).await?;
    Ok(match options.rate_limit() {
        Some(limit) => host.with_rate_limit(limit),
        None => host,
    })
}

async fn run(options: Options, host: Host) -> std::io::Result<()> {
    let tls = tls(&options).map_err(std::io::Error::other)?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port)).await?;
    let address = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!("listening on {scheme}://{address}");
    host.deliveries().set_domain(address.to_string());
    let live = Arc::new(LiveHost::new(Arc::new(host), options.settings()));
    let (limits, stop) = (options.limits(), stop_signal());
    match tls {
        Some(tls) => serve_live_tls(listener, Arc::clone(&live), limits, tls, stop).await?,
        None => serve_live_with(listener, Arc::clone(&live), limits, stop).await?,
    }
    if let Some(durable) = live.host().durable() {
        durable.shutdown();
    }
    Ok(())
}

/// `--repair`: repairs the data directory and says what was dropped.
fn repair(dir: &std::path::Path) -> ExitCode {
    match imbot_like_host::durable::repair(dir) {
        Ok(lines) => {
            for line in lines {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let options = Options::parse();
    if let (true, Some(dir)) = (options.repair, &options.data) {
        return repair(dir);
    }
    let _log = init_log(&options.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("rest_host: {e}");
            return ExitCode::FAILURE;
        }
    };
    let host = match options.cluster() {
        Ok(None) => load(&options),
        Ok(Some(config)) => runtime.block_on(start_node(&options, config)),
        Err(message) => Err(message),
    };
    let host = match host {
        Ok(host) => host,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(options, host));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rest_host: {e}");
            ExitCode::FAILURE
        }
    }
}
