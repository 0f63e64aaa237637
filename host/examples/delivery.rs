//! Delivery figures for events pushed to a bot's handler on loopback.
//!
//! ```text
//! cargo run --release -p imbot-like-host --example delivery [MESSAGES]
//! ```
//!
//! Three runs, each on a fresh local portal with a `TYPE=S` bot in chat 7
//! and user 2 posting to the chat with `im.message.add`, one call after
//! another: 1,000 posts each waiting for its event (latency from the
//! post's answer to the event at the handler, no queue), 1,000 posts as
//! fast as they are answered with a handler that never fails, and
//! MESSAGES posts (default 10,000) with a handler that fails one request
//! in ten. Each run checks that every message's `ONIMBOTMESSAGEADD` came
//! exactly once and in order. The measuring code is the tests' (see
//! `tests/delivery_run.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/bot_support/mod.rs"]
mod bot_support;

use std::time::Duration;

use bot_support::run::{Figures, run};

fn main() {
    let messages = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let paced = run(1_000, |_| false, true, Duration::from_secs(10));
    report("1,000 posts, each waiting for its event", &paced);
    let burst = run(1_000, |_| false, false, Duration::from_secs(60));
    report("1,000 posts as fast as answered, healthy handler", &burst);
    // Each failure pauses the bot's queue 100 ms before its retry.
    let patience = Duration::from_secs(60) + Duration::from_millis(20) * messages as u32;
    let failing = run(messages, |n| n % 10 == 9, false, patience);
    report(
        &format!("{messages} posts, handler failing 1 request in 10"),
        &failing,
    );
    for figures in [&paced, &burst, &failing] {
        assert!(
            figures.in_order && figures.delivered == figures.posted,
            "{figures:?}"
        );
    }
}

fn report(title: &str, f: &Figures) {
    println!("{title}:");
    println!(
        "  {} of {} delivered, in order and once each: {}; {} handler requests ({} answered 500)",
        f.delivered, f.posted, f.in_order, f.attempts, f.failed_attempts
    );
    println!(
        "  from the post's answer to the event: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(f.latency_at(0.5)),
        ms(f.latency_at(0.9)),
        ms(f.latency_at(0.99)),
        ms(f.latency_at(1.0))
    );
    #[allow(clippy::cast_precision_loss)]
    let rate = f.delivered as f64 / f.elapsed.as_secs_f64();
    println!(
        "  first post to last event: {:.2} s ({rate:.0} events/s)",
        f.elapsed.as_secs_f64()
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
