//! Throughput of the REST host with its state in memory and with
//! `--data` (every change logged and fsynced before its answer), under 16
//! concurrent connections.
//!
//! ```text
//! cargo run --release -p imbot-like-host --example load [SECONDS [ROUNDS]]
//! ```
//!
//! The two modes run alternately, ROUNDS rounds (default 3) of SECONDS each (default 2),
//! so that a busy machine's changing load weighs on both alike; the
//! medians and their ratio are printed. Each mode serves a world of 16 users, each with its own webhook, in one
//! chat of 64 messages; each of 16 client threads (one keep-alive
//! connection each) toggles its own user's likes with `im.message.like`
//! for SECONDS, so every answer is a state change.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::start;
use imbot_like_host::durable::Config;
use imbot_like_host::{Host, World};

const CONNECTIONS: u32 = 16;
const MESSAGES: u64 = 64;

fn world() -> World {
    let webhooks: Vec<String> = (1..=CONNECTIONS)
        .map(|u| format!(r#"{{"user_id": {u}, "token": "w{u}", "scopes": ["im"]}}"#))
        .collect();
    let members: Vec<String> = (1..=CONNECTIONS).map(|u| u.to_string()).collect();
    let messages: Vec<String> = (1..=MESSAGES)
        .map(|m| format!(r#"{{"id": {m}, "chat": 1, "author": 1, "likes": []}}"#))
        .collect();
    let text = format!(
        r#"{{"apps": [], "webhooks": [{}], "bots": [], "chats": [{{"id": 1, "members": [{}]}}], "messages": [{}]}}"#,
        webhooks.join(","),
        members.join(","),
        messages.join(",")
    );
    World::from_json(&text).expect("the load world is valid")
}

/// Changes answered per second by `base` under the load.
fn drive(base: &str, seconds: u64) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let began = Instant::now();
    let clients: Vec<_> = (1..=CONNECTIONS)
        .map(|user| {
            let (base, done, stop) = (base.to_owned(), Arc::clone(&done), Arc::clone(&stop));
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let m = n % MESSAGES + 1;
                    n += 1;
                    let url = format!("{base}/rest/{user}/w{user}/im.message.like?MESSAGE_ID={m}");
                    let mut answer = agent.get(&url).call().expect("an answer");
                    let body = answer.body_mut().read_to_string().expect("a body");
                    assert!(body.starts_with(r#"{"result":true"#), "{body}");
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().expect("a client");
    }
    done.load(Ordering::Relaxed) as f64 / began.elapsed().as_secs_f64()
}

/// The median of three or more rates.
fn median(rates: &mut [f64]) -> f64 {
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

fn main() {
    let seconds = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    let rounds = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(3usize)
        .max(1);
    let world = world();
    let memory_base = start(Arc::new(Host::new(&world).expect("a host")));
    let dir = std::env::temp_dir().join(format!("imbot-load-{}", std::process::id()));
    let host = Host::durable_in(&world, &dir, Config::default()).expect("a durable host");
    let durable_base = start(Arc::new(host));
    let (mut memory, mut durable) = (Vec::new(), Vec::new());
    for round in 1..=rounds {
        memory.push(drive(&memory_base, seconds));
        durable.push(drive(&durable_base, seconds));
        println!(
            "round {round}: in memory {:>8.0} changes/s, with --data {:>8.0} changes/s",
            memory[round - 1],
            durable[round - 1]
        );
    }
    let (memory, durable) = (median(&mut memory), median(&mut durable));
    println!("median in memory:   {memory:>8.0} changes/s");
    println!("median with --data: {durable:>8.0} changes/s (each fsynced before its answer)");
    println!("ratio:              {:>8.1}%", durable / memory * 100.0);
    let _ = std::fs::remove_dir_all(&dir);
}
