//! Delivery figures in `cargo test`: events reach a loopback handler
//! within 50 ms of the change's answer at the median, and a run of posts
//! with a handler failing one attempt in ten is delivered exactly once
//! each, in order. `DELIVERY_MESSAGES=N` sets the second run's size
//! (default 300); `examples/delivery.rs` runs 10,000 in release.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bot_support;

use std::time::Duration;

use bot_support::run::run;

/// The median latency the host promises for a loopback handler.
const MEDIAN_TARGET: Duration = Duration::from_millis(50);

#[test]
fn events_reach_a_loopback_handler_within_50_ms_at_the_median() {
    let figures = run(100, |_| false, true, Duration::from_secs(5));
    println!(
        "paced, 100 posts: p50 {:?}, p90 {:?}, max {:?}",
        figures.latency_at(0.5),
        figures.latency_at(0.9),
        figures.latency_at(1.0)
    );
    assert_eq!(figures.delivered, 100);
    assert!(figures.in_order);
    assert!(
        figures.latency_at(0.5) <= MEDIAN_TARGET,
        "median {:?}",
        figures.latency_at(0.5)
    );
}

#[test]
fn every_message_is_delivered_once_in_order_when_one_attempt_in_ten_fails() {
    let messages = std::env::var("DELIVERY_MESSAGES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    // Each failure pauses the bot's queue 100 ms before its retry.
    let patience = Duration::from_secs(30) + Duration::from_millis(20) * messages as u32;
    let figures = run(messages, |n| n % 10 == 9, false, patience);
    println!(
        "{} posts: {} delivered in {:?}, {} attempts ({} failed), p50 {:?} from answer to event",
        figures.posted,
        figures.delivered,
        figures.elapsed,
        figures.attempts,
        figures.failed_attempts,
        figures.latency_at(0.5)
    );
    assert_eq!(figures.delivered, messages, "each message once");
    assert!(figures.in_order, "in the order posted");
    // Request 0 is the join; no two failures in a row, so each failure
    // costs one retry.
    assert_eq!(figures.attempts, 1 + messages + figures.failed_attempts);
    assert_eq!(figures.failed_attempts, figures.attempts / 10);
}
