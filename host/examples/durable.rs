//! What `--data` costs as the state grows: the rate of durable
//! `imbot.message.add` with 1,000 and with 1,000,000 messages already posted,
//! the time a host with 1,000,000 messages takes to restart, and the
//! latency of likes while snapshots are written.
//!
//! ```text
//! cargo run --release -p imbot-like-host --example durable [MESSAGES [SECONDS]]
//! ```
//!
//! MESSAGES (default 1,000,000) is the large state's size, SECONDS
//! (default 2) each measurement's length (the host's sizing holds
//! 1,048,576 messages, so the posts of a longer run at a million would not
//! fit). A world of 16 users, each with
//! its own webhook, shares one chat with a bot; 16 client threads (one
//! keep-alive connection each) post as the bot (`imbot.message.add`) or
//! toggle their likes over loopback, so every answer is a logged change. The large state is made by applying
//! `im.message.add` commands to the state directly and writing it as the
//! data directory's snapshot, as a host that had served them would have.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::start;
use imbot_like::UserId;
use imbot_like_host::durable::{Config, FsStorage, Journal};
use imbot_like_host::portal::PortalMethod;
use imbot_like_host::{Host, HostCommand, HostState, World};

const CONNECTIONS: u32 = 16;
/// The bot that posts with `imbot.message.add`.
const BOT: u32 = 100;

fn world() -> World {
    let webhooks: Vec<String> = (1..=CONNECTIONS)
        .map(|u| format!(r#"{{"user_id": {u}, "token": "w{u}", "scopes": ["im"]}}"#))
        .collect();
    let mut members: Vec<String> = (1..=CONNECTIONS).map(|u| u.to_string()).collect();
    members.push(BOT.to_string());
    let text = format!(
        r#"{{"apps": [{{"client_id": "bench.app", "tokens": [{{"token": "t-bench", "scopes": ["imbot"]}}]}}],
            "bots": [{{"id": {BOT}, "app": "bench.app"}}],
            "webhooks": [{}], "chats": [{{"id": 1, "members": [{}]}}],
            "messages": [{{"id": 1, "chat": 1, "author": 1, "text": "first"}}]}}"#,
        webhooks.join(","),
        members.join(",")
    );
    World::from_json(&text).expect("the bench world is valid")
}

/// A data directory holding a state with `messages` posted messages.
fn seeded_dir(name: &str, messages: u64) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("imbot-durable-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut state = HostState::from_world(&world()).expect("a state");
    let began = Instant::now();
    for n in 1..messages {
        let user = UserId::new(1 + (n % u64::from(CONNECTIONS)) as u32).expect("a user");
        let text = format!("message number {n} of the bench");
        let params = [("DIALOG_ID", "chat1"), ("MESSAGE", text.as_str())];
        let post = HostCommand::user_call(n * 1000, PortalMethod::UserMessageAdd, user, &params);
        let (answer, changed) = state.apply(&post);
        assert!(changed, "message {n}: {answer:?}");
    }
    let bytes = state.encode(0, &mut Vec::new()).expect("a snapshot");
    let mut journal = Journal::new(FsStorage::new(&dir).expect("a directory"));
    journal.checkpoint(&bytes, 0).expect("the snapshot written");
    println!(
        "  made a state of {messages} messages in {:.1} s ({} MB snapshot)",
        began.elapsed().as_secs_f64(),
        bytes.len() >> 20
    );
    dir
}

/// Runs `request(user, n)` from 16 threads for `seconds`; the answers per
/// second and every request's latency.
fn drive(base: &str, seconds: f64, path: fn(u32, u64) -> String) -> (f64, Vec<Duration>) {
    let stop = Arc::new(AtomicBool::new(false));
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let began = Instant::now();
    let clients: Vec<_> = (1..=CONNECTIONS)
        .map(|user| {
            let (base, stop, latencies) =
                (base.to_owned(), Arc::clone(&stop), Arc::clone(&latencies));
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                let mut mine = Vec::new();
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let sent = Instant::now();
                    let url = format!("{base}{}", path(user, n));
                    let mut answer = agent.get(&url).call().expect("an answer");
                    let body = answer.body_mut().read_to_string().expect("a body");
                    assert!(body.starts_with(r#"{"result":"#), "{body}");
                    mine.push(sent.elapsed());
                }
                latencies.lock().expect("latencies").extend(mine);
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs_f64(seconds));
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().expect("a client");
    }
    let latencies = std::mem::take(&mut *latencies.lock().expect("latencies"));
    (
        latencies.len() as f64 / began.elapsed().as_secs_f64(),
        latencies,
    )
}

fn post(user: u32, n: u64) -> String {
    format!(
        "/rest/imbot.message.add?auth=t-bench&BOT_ID={BOT}&DIALOG_ID=chat1&MESSAGE=posted+by+{user}+{n}"
    )
}

fn like(user: u32, n: u64) -> String {
    format!(
        "/rest/{user}/w{user}/im.message.like?MESSAGE_ID={}",
        1 + n % 64
    )
}

/// The `q` quantile of latencies, in milliseconds.
fn quantile(latencies: &mut [Duration], q: f64) -> f64 {
    latencies.sort_unstable();
    let i = ((latencies.len() as f64 - 1.0) * q).round() as usize;
    latencies.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// The posting rate of a durable host on a state of `messages`.
fn posting_rate(messages: u64, seconds: f64) -> f64 {
    let dir = seeded_dir(&format!("post{messages}"), messages);
    let host = Host::durable_in(&world(), &dir, Config::default()).expect("a durable host");
    let host = Arc::new(host);
    let (rate, _) = drive(&start(Arc::clone(&host)), seconds, post);
    host.durable().expect("durable").shutdown();
    let _ = std::fs::remove_dir_all(&dir);
    rate
}

/// Counts the snapshots that appear in `dir` while `watching`.
fn watch_snapshots(
    dir: std::path::PathBuf,
    watching: Arc<AtomicBool>,
) -> std::thread::JoinHandle<usize> {
    std::thread::spawn(move || {
        let mut seen = std::collections::BTreeSet::new();
        let before: Vec<String> = names(&dir);
        while watching.load(Ordering::Relaxed) {
            for name in names(&dir) {
                if name.starts_with("snapshot-")
                    && name.ends_with(".bin")
                    && !before.contains(&name)
                {
                    seen.insert(name);
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        seen.len()
    })
}

fn names(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default()
}

fn main() {
    let arg = |i: usize, default: f64| {
        std::env::args()
            .nth(i)
            .and_then(|s| s.parse().ok())
            .unwrap_or(default)
    };
    let messages = arg(1, 1_000_000.0) as u64;
    let seconds = arg(2, 2.0);

    println!("durable imbot.message.add, 16 connections:");
    let small = posting_rate(1_000, seconds);
    println!("  with 1000 messages posted: {small:.0} messages/s");
    let large = posting_rate(messages, seconds);
    println!("  with {messages} messages posted: {large:.0} messages/s");
    println!("  ratio: {:.2}", small / large);

    println!("restart with {messages} messages with texts:");
    let dir = seeded_dir("restart", messages);
    let began = Instant::now();
    let config = Config {
        every_records: u64::MAX,
        every: Duration::from_millis(500),
    };
    let host = Arc::new(Host::durable_in(&world(), &dir, config).expect("a durable host"));
    println!(
        "  recovered and ready in {:.2} s (the first snapshot written included)",
        began.elapsed().as_secs_f64()
    );

    println!("likes while snapshots of {messages} messages are written every 0.5 s:");
    let watching = Arc::new(AtomicBool::new(true));
    let watcher = watch_snapshots(dir.clone(), Arc::clone(&watching));
    let (rate, mut latencies) = drive(&start(Arc::clone(&host)), seconds, like);
    watching.store(false, Ordering::Relaxed);
    let snapshots = watcher.join().expect("the watcher");
    println!(
        "  {rate:.0} likes/s; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({snapshots} snapshots written meanwhile)",
        quantile(&mut latencies, 0.5),
        quantile(&mut latencies, 0.99),
        quantile(&mut latencies, 1.0)
    );
    host.durable().expect("durable").shutdown();
    let _ = std::fs::remove_dir_all(&dir);
}
