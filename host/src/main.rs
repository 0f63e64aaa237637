//! `rest_host`: serves `imbot.message.like`, `im.message.like` and
//! `imbot.v2.Chat.Message.Reaction.add` / `.delete` on a local port, like
//! a Bitrix24 portal.
//!
//! ```text
//! rest_host [--port N] [--world FILE] [--deterministic] [--control-token TOKEN]
//! ```
//!
//! The port defaults to `PORT` from the environment, else 8080; `0` picks
//! a free one. The world defaults to the one compiled in.

use std::process::ExitCode;
use std::sync::Arc;

use imbot_like_host::{LiveHost, Settings, World, serve_live};

/// The command line.
struct Options {
    port: u16,
    world: Option<String>,
    settings: Settings,
}

const USAGE: &str = "usage: rest_host [--port N] [--world FILE]\n\
    serves imbot.message.like, im.message.like and\n\
    imbot.v2.Chat.Message.Reaction.add/.delete on 127.0.0.1\n\
    --port N      port to listen on (default: $PORT, else 8080; 0 picks a free one)\n\
    --world FILE  world JSON to load (default: the compiled-in world)\n\
    --deterministic        stepped clock: reproducible time blocks\n\
    --control-token TOKEN  the control API and page require this X-Control-Token";

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
    let mut settings = Settings::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => port = parse_port(&args.next().ok_or("--port needs a value")?)?,
            "--world" => world = Some(args.next().ok_or("--world needs a file")?),
            "--deterministic" => settings.deterministic = true,
            "--control-token" => {
                settings.control_token = Some(args.next().ok_or("--control-token needs a value")?)
            }
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(Options {
        port,
        world,
        settings,
    })
}

fn load(world: Option<&str>, settings: &Settings) -> Result<LiveHost, String> {
    let (text, path) = match world {
        None => (imbot_like_host::DEFAULT_WORLD.to_owned(), "default world"),
        Some(path) => (
            std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?,
            path,
        ),
    };
    World::from_json(&text)
        .and_then(|world| LiveHost::from_world(&world, settings.clone()))
        .map_err(|e| format!("{path}: {e}"))
}

async fn run(options: Options, host: LiveHost) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port)).await?;
    let address = listener.local_addr()?;
    println!("listening on http://{address}");
    serve_live(listener, Arc::new(host)).await
}

fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let host = match load(options.world.as_deref(), &options.settings) {
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
