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

use common::{drive, median, start, world};
use imbot_like_host::Host;
use imbot_like_host::durable::Config;

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
        memory.push(drive(std::slice::from_ref(&memory_base), seconds));
        durable.push(drive(std::slice::from_ref(&durable_base), seconds));
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
