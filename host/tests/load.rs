//! A bounded load test on loopback: 16 client threads, each on its own
//! kept-alive connection, send a fixed number of mixed valid and
//! malformed requests while slow clients hold connections open by
//! trickling partial heads. Every request must be answered as expected,
//! and the process's resident memory must stay flat. Prints requests per
//! second and latency percentiles.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use common::{Answer, Server, agent, status_kib};
use imbot_like_host::{DEFAULT_WORLD, Limits};

const CLIENTS: usize = 16;
const PER_CLIENT: usize = 250;
const SLOW_CLIENTS: usize = 8;

/// Request `i` of a client: a valid call or one of four malformed ones,
/// with the status and code it must be answered with.
fn send(s: &Server, client: &ureq::Agent, i: usize) -> (Answer, u16, &'static str) {
    let (answer, status, code) = match i % 5 {
        0 => (
            client
                .get(&s.url("/rest/imbot.message.like?auth=t-demo&MESSAGE_ID=1"))
                .call(),
            200,
            "",
        ),
        1 => (
            client
                .post(&s.url("/rest/imbot.message.like"))
                .header("Content-Type", "application/json")
                .send(r#"{"auth":"t-demo","MESSAGE_ID":"#),
            400,
            "INVALID_REQUEST",
        ),
        2 => (
            client.get(&s.url("/rest/no.such.method")).call(),
            404,
            "ERROR_METHOD_NOT_FOUND",
        ),
        3 => (
            client
                .get(&s.url("/rest/imbot.message.like?auth=nope"))
                .call(),
            401,
            "invalid_token",
        ),
        _ => (
            client
                .get(&s.url("/rest/1/w-demo/imbot.message.like?MESSAGE_ID=1"))
                .call(),
            403,
            "ACCESS_DENIED",
        ),
    };
    (Answer::from(answer), status, code)
}

/// Runs every client thread once; the latency of each request.
fn round(s: &Arc<Server>, per_client: usize) -> Vec<Duration> {
    let start = Arc::new(Barrier::new(CLIENTS));
    let threads: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (s, start) = (Arc::clone(s), Arc::clone(&start));
            thread::spawn(move || {
                let client = agent();
                start.wait();
                (0..per_client)
                    .map(|i| {
                        let began = Instant::now();
                        let (answer, status, code) = send(&s, &client, c + i);
                        let took = began.elapsed();
                        assert_eq!(
                            (answer.status, answer.error()),
                            (status, code),
                            "{answer:?}"
                        );
                        took
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect()
}

/// A client that opens a connection and sends a head one byte at a time,
/// reconnecting when the host cuts it off, until `done`.
fn slow_client(address: String, done: Arc<AtomicBool>) -> thread::JoinHandle<usize> {
    thread::spawn(move || {
        let head = b"POST /rest/imbot.message.like HTTP/1.1\r\nHost: x\r\nX-Slow: ";
        let mut cut = 0;
        while !done.load(Ordering::Relaxed) {
            let Ok(mut stream) = TcpStream::connect(&address) else {
                break;
            };
            for byte in head.iter().cycle() {
                if done.load(Ordering::Relaxed) || stream.write_all(&[*byte]).is_err() {
                    break;
                }
                thread::sleep(Duration::from_millis(50));
            }
            cut += 1;
        }
        cut
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

#[test]
fn the_host_keeps_answering_under_load_and_memory_stays_flat() {
    let limits = Limits {
        header_timeout: Duration::from_millis(500),
        ..Limits::default()
    };
    let s = Arc::new(Server::start_with(DEFAULT_WORLD, limits, |host| host));
    // Warm up: allocators, connection pools and the runtime settle.
    round(&s, 20);
    let before = status_kib("VmRSS:");

    let done = Arc::new(AtomicBool::new(false));
    let slow: Vec<_> = (0..SLOW_CLIENTS)
        .map(|_| slow_client(s.address().to_owned(), Arc::clone(&done)))
        .collect();
    let began = Instant::now();
    let mut latencies = round(&s, PER_CLIENT);
    let elapsed = began.elapsed();
    done.store(true, Ordering::Relaxed);
    let cut: usize = slow.into_iter().map(|t| t.join().unwrap()).sum();
    let after = status_kib("VmRSS:");

    assert_eq!(
        latencies.len(),
        CLIENTS * PER_CLIENT,
        "every request answered"
    );
    latencies.sort();
    let rps = latencies.len() as f64 / elapsed.as_secs_f64();
    let (p50, p99) = (percentile(&latencies, 0.5), percentile(&latencies, 0.99));
    println!(
        "load: {} requests from {CLIENTS} clients ({SLOW_CLIENTS} slow clients, {cut} slow \
         connections) in {elapsed:.2?}: {rps:.0} requests/s, p50 {p50:.2?}, p99 {p99:.2?}",
        latencies.len()
    );
    if let (Some(before), Some(after)) = (before, after) {
        println!("load: VmRSS {before} KiB before, {after} KiB after");
        assert!(
            after < before + 16 * 1024,
            "memory grew: {before} -> {after} KiB"
        );
    }
    // Every valid call was applied exactly once: one in five requests
    // toggles message 1 for bot 39, so its version counts them and the like
    // is there exactly when their number is odd.
    let toggles = CLIENTS * (20usize.div_ceil(5) + PER_CLIENT.div_ceil(5));
    let message = imbot_like::MessageId::new(1).unwrap();
    let version = s.host.inspect(|e| e.message(message).map(|m| m.version));
    assert_eq!(
        version,
        Some(u32::try_from(toggles).unwrap()),
        "one change per toggle"
    );
    assert_eq!(s.liked(1, 39), toggles % 2 == 1);
    // And still serving.
    s.get("/rest/imbot.message.like?auth=t-demo&MESSAGE_ID=2")
        .assert_true();
}
