//! The host's request path against the HTTP stack beneath it.
//!
//! ```text
//! cargo bench -p imbot-like-host --bench http                 # 3 rounds of 5 s per server
//! cargo bench -p imbot-like-host --bench http -- --rounds 5 --seconds 3
//! cargo bench -p imbot-like-host --bench http -- --smoke      # 1 round of 1 s, answers checked
//! cargo bench -p imbot-like-host --bench http -- --instructions  # under callgrind
//! ```
//!
//! Four servers run side by side, each a process of its own:
//!
//! - the HTTP floor: this program again, serving on the host's own stack
//!   (axum on hyper on a multi-threaded tokio runtime) one fixed JSON
//!   answer of the host's length, whatever the request;
//! - `rest_host --log warn` (state in memory, no request log lines);
//! - `rest_host` with its default log (`info`: one JSON line per request,
//!   sent to `/dev/null`);
//! - `rest_host --log warn --data DIR` (every change synced before its
//!   answer; `DIR` under `BENCH_DIR`, default the temporary directory).
//!
//! The load is built in: 16 kept-alive connections on two client threads
//! (as `wrk -t2 -c16`), each sending `imbot.message.like` as a JSON `POST`
//! for its own message and alternating `ACTION=plus` and `ACTION=minus`,
//! so every call changes the state and must answer `{"result":true,…}`.
//! With `HTTP_BENCH_BASELINE=PATH` (another build of `rest_host`, e.g.
//! from before a change), that binary runs too, with `--log warn` and
//! with its default log, for a before and after in one run.
//!
//! The servers take turns for ROUNDS rounds, so a busy machine weighs on
//! all of them alike; the table gives each round's requests per second,
//! the medians, and the ratios (to the floor, and for `--data` to the
//! host in memory with the same log filter).
//!
//! With `--instructions`, each server but the one with `--data` runs
//! under valgrind's callgrind instead, which counts the instructions its
//! threads run while one connection sends [`COUNTED`] likes after a
//! warm-up: a figure a busy machine does not move, per like and against
//! the floor's.

use std::io::{BufRead, BufReader, Write as _};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Concurrent connections, each with its own message.
const CONNECTIONS: u64 = 16;
/// Client threads driving them.
const CLIENT_THREADS: usize = 2;
/// The likes counted per server with `--instructions`.
const COUNTED: u64 = 2_000;
/// The environment variable that makes this program the floor server.
const FLOOR_ROLE: &str = "IMBOT_HTTP_BENCH_FLOOR";

/// The floor's answer: a like's answer as the host gives it, time block
/// and all: 285 bytes (the host's run from about 270 to 290, with the
/// digits of its times).
const FLOOR_ANSWER: &str = concat!(
    r#"{"result":true,"time":{"start":1767225600.123456,"finish":1767225600.123502,"#,
    r#""duration":0.0000460147857666,"processing":0.0000119209289551,"#,
    r#""date_start":"2026-01-01T00:00:00+00:00","date_finish":"2026-01-01T00:00:00+00:00","#,
    r#""operating_reset_at":1767226200,"operating":0.0000119209289551}}"#
);

/// The world every host serves: application `app.bench` (token
/// `t-bench`) with bot 39 in chat 1, whose 16 messages the connections
/// like and unlike.
fn bench_world() -> String {
    let messages: Vec<String> = (1..=CONNECTIONS)
        .map(|m| format!(r#"{{"id": {m}, "chat": 1, "author": 1, "likes": []}}"#))
        .collect();
    format!(
        r#"{{"apps": [{{"client_id": "app.bench", "tokens": [{{"token": "t-bench", "scopes": ["imbot"], "user_id": 1}}]}}],
 "webhooks": [], "bots": [{{"id": 39, "app": "app.bench"}}],
 "chats": [{{"id": 1, "members": [1, 39]}}], "messages": [{}]}}"#,
        messages.join(", ")
    )
}

/// How long and how often to measure.
struct Plan {
    seconds: f64,
    rounds: usize,
    warm_up: f64,
}

impl Plan {
    fn from_args() -> Self {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let value = |name: &str| {
            args.iter()
                .position(|a| a == name)
                .and_then(|i| args.get(i + 1))
                .and_then(|v| v.parse::<f64>().ok())
        };
        if args.iter().any(|a| a == "--smoke") {
            return Self {
                seconds: 1.0,
                rounds: 1,
                warm_up: 0.2,
            };
        }
        Self {
            seconds: value("--seconds").unwrap_or(5.0).max(0.1),
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            rounds: value("--rounds").unwrap_or(3.0).max(1.0) as usize,
            warm_up: 1.0,
        }
    }
}

/// A server under test: its process and address, what its answers must
/// start with, and per connection how many calls it made (so the next
/// load goes on with the action its message needs).
struct Server {
    name: &'static str,
    child: Child,
    addr: SocketAddr,
    expect: &'static str,
    calls: Arc<[AtomicU64]>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `command` and reads the address from its first line,
/// `listening on http://ADDR`.
fn spawn(name: &'static str, mut command: Command, expect: &'static str) -> Server {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{name}: cannot start: {e}"));
    let stdout = child.stdout.take().expect("a piped stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the first line");
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("{name}: said {line:?} instead of its address"));
    Server {
        name,
        child,
        addr,
        expect,
        calls: (0..CONNECTIONS).map(|_| AtomicU64::new(0)).collect(),
    }
}

/// The host binary with the bench world on a free port.
fn rest_host(world: &Path, extra: &[&str]) -> Command {
    host_binary(Path::new(env!("CARGO_BIN_EXE_rest_host")), world, extra)
}

/// `binary` (a build of `rest_host`) with the bench world on a free port.
fn host_binary(binary: &Path, world: &Path, extra: &[&str]) -> Command {
    let mut command = Command::new(binary);
    command
        .args(["--port", "0", "--world"])
        .arg(world)
        .args(extra);
    command
}

fn main() {
    if std::env::var_os(FLOOR_ROLE).is_some() {
        serve_floor();
        return;
    }
    if std::env::args().any(|a| a == "--instructions") {
        count_instructions();
        return;
    }
    let plan = Plan::from_args();
    let scratch = std::env::var_os("BENCH_DIR")
        .map_or_else(std::env::temp_dir, PathBuf::from)
        .join(format!("imbot-http-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("a scratch directory");
    let world = scratch.join("world.json");
    std::fs::write(&world, bench_world()).expect("the world file");
    let data = scratch.join("data");
    let data_arg = data.to_str().expect("a UTF-8 path");

    let mut floor = Command::new(std::env::current_exe().expect("this program"));
    floor.env(FLOOR_ROLE, "1");
    let mut servers = vec![
        spawn("HTTP floor", floor, "{\"result\":true"),
        spawn(
            "host in memory, --log warn",
            rest_host(&world, &["--log", "warn"]),
            "{\"result\":true",
        ),
        spawn(
            "host in memory, default log",
            rest_host(&world, &[]),
            "{\"result\":true",
        ),
        spawn(
            "host --data, --log warn",
            rest_host(&world, &["--log", "warn", "--data", data_arg]),
            "{\"result\":true",
        ),
    ];
    if let Some(baseline) = std::env::var_os("HTTP_BENCH_BASELINE") {
        let baseline = PathBuf::from(baseline);
        servers.push(spawn(
            "baseline in memory, --log warn",
            host_binary(&baseline, &world, &["--log", "warn"]),
            "{\"result\":true",
        ));
        servers.push(spawn(
            "baseline in memory, default log",
            host_binary(&baseline, &world, &[]),
            "{\"result\":true",
        ));
    }
    let client = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(CLIENT_THREADS)
        .enable_all()
        .build()
        .expect("a client runtime");
    println!(
        "{} connections on {CLIENT_THREADS} client threads; {} round(s) of {} s per server\n",
        CONNECTIONS, plan.rounds, plan.seconds
    );
    for server in &servers {
        client.block_on(load(server, plan.warm_up));
    }
    let mut rates = vec![Vec::new(); servers.len()];
    for round in 1..=plan.rounds {
        let mut line = format!("round {round}:");
        for (server, rates) in servers.iter().zip(&mut rates) {
            let rate = client.block_on(load(server, plan.seconds));
            rates.push(rate);
            line.push_str(&format!("  {} {rate:.0}", server.name));
        }
        println!("{line}");
    }
    println!();
    print_table(&servers, &rates);
    drop(servers);
    let _ = std::fs::remove_dir_all(&scratch);
}

/// `--instructions`: each server under callgrind, instrumented only
/// while [`COUNTED`] likes are answered on one connection after a
/// warm-up of 200; the instructions per like as a Markdown table.
fn count_instructions() {
    let scratch = std::env::temp_dir().join(format!("imbot-http-count-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("a scratch directory");
    let world = scratch.join("world.json");
    std::fs::write(&world, bench_world()).expect("the world file");
    let this = std::env::current_exe().expect("this program");
    let host = PathBuf::from(env!("CARGO_BIN_EXE_rest_host"));
    let mut runs: Vec<(&'static str, PathBuf, Vec<&str>, bool)> = vec![
        ("HTTP floor", this, vec![], true),
        (
            "host in memory, --log warn",
            host.clone(),
            vec!["--log", "warn"],
            false,
        ),
        ("host in memory, default log", host, vec![], false),
    ];
    let baseline = std::env::var_os("HTTP_BENCH_BASELINE").map(PathBuf::from);
    if let Some(baseline) = &baseline {
        runs.push((
            "baseline in memory, --log warn",
            baseline.clone(),
            vec!["--log", "warn"],
            false,
        ));
        runs.push((
            "baseline in memory, default log",
            baseline.clone(),
            vec![],
            false,
        ));
    }
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a client runtime");
    let mut counts = Vec::new();
    for (name, binary, args, floor) in runs {
        let out = scratch.join(format!("callgrind.{}", counts.len()));
        let mut command = Command::new("valgrind");
        command
            .args(["--tool=callgrind", "--instr-atstart=no"])
            .arg(format!("--callgrind-out-file={}", out.display()))
            .arg(&binary);
        if floor {
            command.env(FLOOR_ROLE, "1");
        } else {
            command
                .args(["--port", "0", "--world"])
                .arg(&world)
                .args(&args);
        }
        let server = spawn(name, command, "{\"result\":true");
        let pid = server.child.id().to_string();
        client.block_on(like_times(&server, 200));
        callgrind_control(&["-i", "on", &pid]);
        client.block_on(like_times(&server, COUNTED));
        callgrind_control(&["-i", "off", &pid]);
        // Ended by a signal it can catch, callgrind writes its counts.
        let mut server = server;
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let _ = server.child.wait();
        drop(server);
        let text = std::fs::read_to_string(&out).expect("callgrind's output");
        let total: u64 = text
            .lines()
            .find_map(|line| line.strip_prefix("totals:"))
            .and_then(|n| n.trim().parse().ok())
            .expect("callgrind's total");
        counts.push((name, total / COUNTED));
    }
    println!("| server | instructions per like | against the floor |");
    println!("| --- | --- | --- |");
    for (name, count) in &counts {
        #[allow(clippy::cast_precision_loss)]
        let ratio = *count as f64 / counts[0].1 as f64;
        println!("| {name} | {count} | {ratio:.2}× |");
    }
    let _ = std::fs::remove_dir_all(&scratch);
}

/// Runs `callgrind_control` with `args`.
fn callgrind_control(args: &[&str]) {
    let status = Command::new("callgrind_control")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("callgrind_control runs");
    assert!(status.success(), "callgrind_control {args:?} failed");
}

/// Sends `count` likes and unlikes of message 1 on one connection,
/// checking each answer.
async fn like_times(server: &Server, count: u64) {
    let done = AtomicU64::new(0);
    let calls = &server.calls[0];
    let go_on = || done.load(Ordering::Relaxed) < count;
    if let Err(e) = drive(server.addr, 1, server.expect, calls, &done, go_on).await {
        panic!("{}: {e}", server.name);
    }
}

/// The results as a Markdown table.
fn print_table(servers: &[Server], rates: &[Vec<f64>]) {
    let medians: Vec<f64> = rates.iter().map(|r| median(r)).collect();
    let rounds = rates[0].len();
    let head: Vec<String> = (1..=rounds).map(|r| format!("round {r}")).collect();
    println!("| requests/s | {} | median | ratio |", head.join(" | "));
    println!("| --- |{} --- | --- |", " --- |".repeat(rounds));
    for (i, server) in servers.iter().enumerate() {
        let ratio = match i {
            0 => "1.00 (the floor)".to_owned(),
            3 => format!(
                "{:.2} of the floor; {:.2} of in memory",
                medians[3] / medians[0],
                medians[3] / medians[1]
            ),
            _ => format!("{:.2} of the floor", medians[i] / medians[0]),
        };
        let cells: Vec<String> = rates[i].iter().map(|r| format!("{r:.0}")).collect();
        println!(
            "| {} | {} | {:.0} | {ratio} |",
            server.name,
            cells.join(" | "),
            medians[i]
        );
    }
}

fn median(rates: &[f64]) -> f64 {
    let mut sorted = rates.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// Requests answered per second by `server` under the load for `seconds`.
async fn load(server: &Server, seconds: f64) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let began = Instant::now();
    let tasks: Vec<_> = (1..=CONNECTIONS)
        .map(|message| {
            let (done, stop) = (Arc::clone(&done), Arc::clone(&stop));
            let (addr, expect, name) = (server.addr, server.expect, server.name);
            let calls = Arc::clone(&server.calls);
            tokio::spawn(async move {
                let calls = &calls[usize::try_from(message - 1).expect("a small index")];
                let go_on = || !stop.load(Ordering::Relaxed);
                if let Err(e) = drive(addr, message, expect, calls, &done, go_on).await {
                    panic!("{name}: {e}");
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let elapsed = began.elapsed().as_secs_f64();
    let answered = done.load(Ordering::Relaxed);
    for task in tasks {
        task.await.expect("a connection");
    }
    #[allow(clippy::cast_precision_loss)]
    let rate = answered as f64 / elapsed;
    rate
}

/// One connection: likes and unlikes `message` in turn while `go_on`,
/// checking each answer and counting it in `done`; `calls` counts the
/// calls on `message` across loads (an even count: it is not liked).
async fn drive(
    addr: SocketAddr,
    message: u64,
    expect: &str,
    calls: &AtomicU64,
    done: &AtomicU64,
    go_on: impl Fn() -> bool,
) -> Result<(), String> {
    let mut stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let requests = [like(addr, message, "plus"), like(addr, message, "minus")];
    let mut buf = Vec::with_capacity(4096);
    while go_on() {
        let n = calls.load(Ordering::Relaxed);
        stream
            .write_all(&requests[usize::from(n % 2 == 1)])
            .await
            .map_err(|e| e.to_string())?;
        let (status, body) = read_answer(&mut stream, &mut buf).await?;
        if status != 200 || !body.starts_with(expect) {
            return Err(format!("answered {status} {body}"));
        }
        calls.store(n + 1, Ordering::Relaxed);
        done.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

/// The request bytes of one like or unlike.
fn like(addr: SocketAddr, message: u64, action: &str) -> Vec<u8> {
    let body =
        format!(r#"{{"auth":"t-bench","BOT_ID":39,"MESSAGE_ID":{message},"ACTION":"{action}"}}"#);
    let mut request = Vec::new();
    write!(
        request,
        "POST /rest/imbot.message.like HTTP/1.1\r\nhost: {addr}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("writing to memory");
    request
}

/// Reads one answer (its head must carry `content-length`): its status
/// and body. `buf` keeps bytes past it for the next answer.
async fn read_answer(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<(u16, String), String> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..end]).map_err(|e| e.to_string())?;
            let status = head
                .get(9..12)
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| format!("a bad status line: {head}"))?;
            let length: usize = head
                .split("\r\n")
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .ok_or_else(|| format!("no content-length: {head}"))?;
            let total = end + 4 + length;
            while buf.len() < total {
                read_more(stream, buf).await?;
            }
            let body = String::from_utf8_lossy(&buf[end + 4..total]).into_owned();
            buf.drain(..total);
            return Ok((status, body));
        }
        read_more(stream, buf).await?;
    }
}

async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<(), String> {
    let mut chunk = [0u8; 4096];
    let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
    if n == 0 {
        return Err("the server closed the connection".to_owned());
    }
    buf.extend_from_slice(&chunk[..n]);
    Ok(())
}

/// The floor: axum on hyper on tokio's multi-threaded runtime (as
/// `rest_host` builds them), reading each request's body and answering
/// [`FLOOR_ANSWER`].
fn serve_floor() {
    use axum::body::Bytes;
    use axum::http::header::CONTENT_TYPE;

    async fn answer(_body: Bytes) -> ([(axum::http::HeaderName, &'static str); 1], &'static str) {
        ([(CONTENT_TYPE, "application/json")], FLOOR_ANSWER)
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        println!(
            "listening on http://{}",
            listener.local_addr().expect("an address")
        );
        let _ = std::io::stdout().flush();
        let app = axum::Router::new().fallback(answer);
        axum::serve(listener, app).await.expect("serving");
    });
}
