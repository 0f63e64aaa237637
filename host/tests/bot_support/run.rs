//! The delivery figures, measured the same way by `tests/delivery_run.rs`
//! (a short run in `cargo test`) and `examples/delivery.rs` (10,000
//! messages in release): a local portal on loopback, a bot that hears
//! every message of chat 7 (`TYPE=S`), its handler on loopback, and user
//! 2 posting to the chat with `im.message.add`, one call after another.

use std::net::TcpListener;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use imbot_like_host::{DEFAULT_WORLD, LiveHost, Settings, World};

use super::{Heard, serve_handler};

/// What one run measured.
#[derive(Debug)]
pub struct Figures {
    /// Messages posted.
    pub posted: usize,
    /// `ONIMBOTMESSAGEADD` events the handler accepted.
    pub delivered: usize,
    /// Whether they came in the order of the posts, each once.
    pub in_order: bool,
    /// Requests the handler got, and how many it failed.
    pub attempts: usize,
    /// Requests the handler answered 500.
    pub failed_attempts: usize,
    /// From the first post to the last event.
    pub elapsed: Duration,
    /// From each post's answer to its event reaching the handler (zero
    /// when the event came first), sorted.
    pub latencies: Vec<Duration>,
}

impl Figures {
    /// The latency at `share` (0.5: the median).
    #[must_use]
    pub fn latency_at(&self, share: f64) -> Duration {
        let last = self.latencies.len().saturating_sub(1);
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let at = (last as f64 * share).round() as usize;
        self.latencies.get(at).copied().unwrap_or_default()
    }
}

/// A local portal on a free loopback port, served from a thread of its
/// own; its base URL.
fn start_portal() -> String {
    let world = World::from_json(DEFAULT_WORLD).expect("the default world");
    let live = Arc::new(LiveHost::from_world(&world, Settings::default()).expect("a portal"));
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    listener.set_nonblocking(true).expect("non-blocking");
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().expect("a runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("a listener");
            imbot_like_host::serve_live(listener, live)
                .await
                .expect("served");
        });
    });
    base
}

fn call(agent: &ureq::Agent, url: &str) -> serde_json::Value {
    let mut answer = agent.get(url).call().expect("an answer");
    let text = answer
        .body_mut()
        .read_to_string()
        .expect("an answer's body");
    serde_json::from_str(&text).expect("a JSON answer")
}

/// Runs `messages` posts with a handler that fails request `n` when
/// `fails(n)`; `paced` waits for each event before the next post (for
/// latency without a queue), else posts go out as fast as answered.
/// Waits at most `patience` for the events after the last post.
#[must_use]
pub fn run(
    messages: usize,
    fails: impl Fn(usize) -> bool + Send + Sync + 'static,
    paced: bool,
    patience: Duration,
) -> Figures {
    let base = start_portal();
    let (tx, heard) = mpsc::channel::<Heard>();
    let counted = Arc::new(Mutex::new((0usize, 0usize)));
    let counter = Arc::clone(&counted);
    let url = serve_handler(
        move |n| {
            let failed = fails(n);
            let mut c = counter.lock().expect("the counter");
            *c = (c.0 + 1, c.1 + usize::from(failed));
            failed
        },
        move |h| {
            let _ = tx.send(h);
        },
    );
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let register = format!(
        "{base}/rest/1/w-demo/imbot.register?CLIENT_ID=all.app&CODE=all&TYPE=S&PROPERTIES[NAME]=All&EVENT_HANDLER={url}"
    );
    let bot = call(&agent, &register)["result"]
        .as_u64()
        .expect("a bot id");
    call(
        &agent,
        &format!("{base}/rest/1/w-demo/im.chat.user.add?CHAT_ID=7&USERS[]={bot}"),
    );
    let join = heard
        .recv_timeout(Duration::from_secs(10))
        .expect("the join event");
    assert_eq!(join.form["event"], "ONIMBOTJOINCHAT");

    let began = Instant::now();
    let mut posted = Vec::with_capacity(messages);
    let mut events = Vec::with_capacity(messages);
    for n in 0..messages {
        let post = format!("{base}/rest/2/w-other/im.message.add?DIALOG_ID=chat7&MESSAGE=m{n}");
        let id = call(&agent, &post)["result"]
            .as_u64()
            .expect("a message id");
        posted.push((id, Instant::now()));
        if paced {
            events.extend(heard.recv_timeout(patience));
        }
    }
    let deadline = Instant::now() + patience;
    while events.len() < messages {
        let left = deadline.saturating_duration_since(Instant::now());
        match heard.recv_timeout(left) {
            Ok(h) => events.push(h),
            Err(_) => break,
        }
    }
    let elapsed = began.elapsed();
    // Anything more, a duplicate, would come right behind.
    events.extend(heard.recv_timeout(Duration::from_millis(300)));
    figures(&posted, &events, &counted, elapsed)
}

fn figures(
    posted: &[(u64, Instant)],
    events: &[Heard],
    counted: &Mutex<(usize, usize)>,
    elapsed: Duration,
) -> Figures {
    let ids: Vec<u64> = events
        .iter()
        .filter(|h| h.form["event"] == "ONIMBOTMESSAGEADD")
        .map(|h| {
            h.form["data[PARAMS][MESSAGE_ID]"]
                .parse()
                .expect("a message id")
        })
        .collect();
    let in_order = ids.len() == posted.len() && ids.iter().zip(posted).all(|(a, (b, _))| a == b);
    let mut latencies: Vec<Duration> = events
        .iter()
        .zip(posted)
        .map(|(h, (_, answered))| h.at.saturating_duration_since(*answered))
        .collect();
    latencies.sort();
    let (attempts, failed_attempts) = *counted.lock().expect("the counter");
    Figures {
        posted: posted.len(),
        delivered: ids.len(),
        in_order,
        attempts,
        failed_attempts,
        elapsed,
        latencies,
    }
}
