//! `rest_host`: serves `imbot.message.like`, `im.message.like` and
//! `imbot.v2.Chat.Message.Reaction.add` / `.delete` on a local port, like
//! a Bitrix24 portal.
//!
//! ```text
//! rest_host [--port N] [--world FILE] [--data DIR]
//! ```
//!
//! The port defaults to `PORT` from the environment, else 8080; `0` picks
//! a free one. The world defaults to the one compiled in. Without `--data`
//! the state lives in memory only; with it, in `DIR` (see `durable`).

use std::process::ExitCode;
use std::sync::Arc;

use imbot_like_host::durable::{self, Config};
use imbot_like_host::{Host, World, serve};

/// The command line.
struct Options {
    port: u16,
    world: Option<String>,
    data: Option<String>,
    snapshot_every: Option<u64>,
}

const USAGE: &str = "usage: rest_host [--port N] [--world FILE] [--data DIR]\n\
    serves imbot.message.like, im.message.like and\n\
    imbot.v2.Chat.Message.Reaction.add/.delete on 127.0.0.1\n\
    --port N      port to listen on (default: $PORT, else 8080; 0 picks a free one)\n\
    --world FILE  world JSON to load (default: the compiled-in world)\n\
    --data DIR    keep the state in DIR: snapshots and a command log (default: memory only)\n\
    --snapshot-every N  with --data: snapshot after N logged changes (default 10000)";

fn parse_port(text: &str) -> Result<u16, String> {
    text.parse()
        .map_err(|_| format!("not a port number: {text:?}"))
}

fn parse_args() -> Result<Options, String> {
    let mut port = match std::env::var("PORT") {
        Ok(text) => parse_port(&text)?,
        Err(_) => 8080,
    };
    let mut world = None;
    let mut data = None;
    let mut snapshot_every = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => port = parse_port(&args.next().ok_or("--port needs a value")?)?,
            "--world" => world = Some(args.next().ok_or("--world needs a file")?),
            "--data" => data = Some(args.next().ok_or("--data needs a directory")?),
            "--snapshot-every" => {
                let n = args.next().ok_or("--snapshot-every needs a count")?;
                snapshot_every = Some(n.parse().map_err(|_| format!("not a count: {n:?}"))?);
            }
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(Options {
        port,
        world,
        data,
        snapshot_every,
    })
}

fn load(options: &Options) -> Result<Host, String> {
    let world = options.world.as_deref();
    if let Some(dir) = options.data.as_deref() {
        let world = match world {
            None => World::from_json(imbot_like_host::DEFAULT_WORLD),
            Some(path) => std::fs::read_to_string(path)
                .map_err(|e| imbot_like_host::WorldError(format!("{path}: {e}")))
                .and_then(|text| World::from_json(&text)),
        };
        let world = world.map_err(|e| e.to_string())?;
        let mut config = Config::default();
        if let Some(n) = options.snapshot_every {
            config.every_records = n.max(1);
        }
        return Host::durable_in(&world, dir.as_ref(), config);
    }
    match world {
        None => Host::default_world().map_err(|e| e.to_string()),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
            Host::from_json(&text).map_err(|e| format!("{path}: {e}"))
        }
    }
}

async fn run(options: Options, host: Host) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port)).await?;
    let address = listener.local_addr()?;
    println!("listening on http://{address}");
    if host.durable().is_some() {
        return durable::serve_until_signal(listener, Arc::new(host)).await;
    }
    serve(listener, Arc::new(host)).await
}

fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let host = match load(&options) {
        Ok(host) => host,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build();
    let result = runtime.and_then(|rt| rt.block_on(run(options, host)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rest_host: {e}");
            ExitCode::FAILURE
        }
    }
}
