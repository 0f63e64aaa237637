//! What the host's examples share: serving a host, the like load's world
//! and its driver.

#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use imbot_like_host::{Host, World, serve};

/// Client threads, one keep-alive connection and one user each.
pub const CONNECTIONS: u32 = 16;
/// Messages the like load toggles.
pub const MESSAGES: u64 = 64;

/// 16 users, each with its own webhook (`w1` …), in chat 1 of 64 messages.
pub fn world() -> World {
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

/// Changes answered per second under the like load: each of 16 client
/// threads toggles its own user's likes with `im.message.like` for
/// `seconds`, calling `bases` in turn, so every answer is a state change.
pub fn drive(bases: &[String], seconds: u64) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let began = Instant::now();
    let clients: Vec<_> = (1..=CONNECTIONS)
        .map(|user| {
            let (bases, done, stop) = (bases.to_vec(), Arc::clone(&done), Arc::clone(&stop));
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let base = &bases[(n as usize + user as usize) % bases.len()];
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

/// The median of one or more rates.
pub fn median(rates: &mut [f64]) -> f64 {
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

/// Serves `host` on a free port of 127.0.0.1 from a background runtime;
/// its base URL.
pub fn start(host: Arc<Host>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.set_nonblocking(true).expect("non-blocking");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("a listener");
            serve(listener, host).await.expect("serving");
        });
    });
    base
}
