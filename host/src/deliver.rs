//! Sending the events the state machine pushes (see [`crate::push`]) to
//! bots' handlers: after the change that made them is durable, in order
//! per bot, each as a form-encoded POST, retried on a connection error or
//! a non-2xx answer up to [`ATTEMPTS`] times with a doubling pause from
//! [`FIRST_PAUSE`], never holding up the call that made them. Each bot has
//! a queue and a sending thread of its own, so one slow handler delays only its own
//! bot's events; the thread ends after [`IDLE`] without an event.
//!
//! The last [`KEPT`] deliveries are kept with their attempts and last
//! status for `GET /__control/deliveries` and the page, and any of them
//! can be sent again ([`Deliverer::replay`]). Delivery scenarios (see
//! [`crate::scenario`]) make attempts to a bot's handler fail or wait
//! without reaching it. Events not yet
//! sent when the host stops are not sent after a restart (portals keep no
//! such promise either); with `--data`, none is sent for a change that did
//! not become durable. At most [`WAITING`] events wait to be sent at a
//! time; past it an event is recorded `dropped`.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, mpsc};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::durable::Durable;
use crate::push::Delivery;
use crate::scenario::{Action, Scenarios};

/// How many times a delivery is tried.
pub const ATTEMPTS: u32 = 5;
/// The pause after the first failed attempt; each next one doubles it.
pub const FIRST_PAUSE: Duration = Duration::from_millis(100);
/// How many deliveries are kept for the control API.
pub const KEPT: usize = 200;
/// How long one attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// How many events may wait to be sent, across all bots: past it a new
/// event is recorded `dropped` and not sent, so a handler that is down or
/// slow cannot make the host hold an unbounded backlog.
pub const WAITING: usize = 20_000;
/// How long a bot's sending thread waits for the bot's next event before
/// it ends, so that bots that come and go leave no threads behind.
pub const IDLE: Duration = Duration::from_secs(30);

/// One delivery as the control API lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    /// Its number, from 1.
    pub id: u64,
    /// The event.
    pub event: &'static str,
    /// The bot.
    pub bot: u32,
    /// The handler.
    pub url: String,
    /// Attempts made so far.
    pub attempts: u32,
    /// `pending`, `delivered`, `failed`, or `dropped` (not sent: the
    /// host already held [`WAITING`] events waiting to be sent).
    pub state: &'static str,
    /// The last attempt's HTTP status, or why it failed.
    pub last: String,
    /// Milliseconds from the change's answer to the delivered request's.
    pub latency_ms: Option<u64>,
    /// The delivery this one sends again, for a replay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay_of: Option<u64>,
    /// What is sent, kept for a replay.
    #[serde(skip)]
    delivery: Delivery,
}

/// A delivery waiting in its bot's queue.
struct Job {
    id: u64,
    delivery: Delivery,
    /// The log position the change must reach first.
    after: Option<u64>,
    queued: Instant,
}

/// Each bot's queue, while its sending thread runs.
type Queues = Arc<Mutex<HashMap<u32, mpsc::Sender<Job>>>>;

/// The deliveries of a host.
pub struct Deliverer {
    queues: Queues,
    /// How long a bot's sending thread waits for its next event before it
    /// ends ([`IDLE`]); the bot's next event starts a new one.
    idle: Duration,
    /// Events queued and not yet finished, across all bots.
    waiting: Arc<AtomicUsize>,
    /// The most that may wait ([`WAITING`]).
    cap: usize,
    records: Arc<Mutex<(u64, VecDeque<Record>)>>,
    /// `host:port` the events name as the portal's domain.
    domain: OnceLock<String>,
    /// The local portal's scenarios, consulted before each attempt.
    scenarios: OnceLock<Arc<Scenarios>>,
}

impl Default for Deliverer {
    fn default() -> Self {
        Self::with(WAITING, IDLE)
    }
}

impl Deliverer {
    /// A deliverer that lets at most `cap` events wait to be sent, whose
    /// bots' threads end after `idle` without an event.
    fn with(cap: usize, idle: Duration) -> Self {
        Self {
            queues: Queues::default(),
            idle,
            waiting: Arc::default(),
            cap,
            records: Arc::default(),
            domain: OnceLock::new(),
            scenarios: OnceLock::new(),
        }
    }

    /// Names the portal's domain in events (`127.0.0.1:PORT`); the first
    /// call wins. Without one, events name `127.0.0.1`.
    pub fn set_domain(&self, domain: String) {
        let _ = self.domain.set(domain);
    }

    /// The portal's domain events name, once set.
    #[must_use]
    pub fn domain(&self) -> Option<&str> {
        self.domain.get().map(String::as_str)
    }

    /// Has each attempt consult `scenarios` for a delivery scenario of its
    /// bot; the first call wins.
    pub(crate) fn use_scenarios(&self, scenarios: Arc<Scenarios>) {
        let _ = self.scenarios.set(scenarios);
    }

    /// Sends kept delivery `id` again, as a new delivery at the back of
    /// its bot's queue (behind the bot's events queued before it), with
    /// the same form; its id, or `None` when no delivery `id` is kept.
    pub fn replay(&self, id: u64) -> Option<u64> {
        let delivery = {
            let records = lock(&self.records);
            records.1.iter().find(|r| r.id == id)?.delivery.clone()
        };
        let new = self.record(&delivery, Some(id));
        let job = Job {
            id: new,
            delivery,
            after: None,
            queued: Instant::now(),
        };
        self.send(job, None);
        Some(new)
    }

    /// Queues `deliveries`, each sent once log position `after` is durable
    /// (`None`: at once), on the current tokio runtime; without one they
    /// are recorded as failed.
    pub(crate) fn enqueue(
        &self,
        deliveries: Vec<Delivery>,
        after: Option<u64>,
        log: Option<Arc<Durable>>,
    ) {
        for delivery in deliveries {
            let id = self.record(&delivery, None);
            let job = Job {
                id,
                delivery,
                after,
                queued: Instant::now(),
            };
            self.send(job, log.clone());
        }
    }

    /// The kept deliveries, oldest first.
    #[must_use]
    pub fn list(&self) -> Vec<Record> {
        lock(&self.records).1.iter().cloned().collect()
    }

    fn record(&self, delivery: &Delivery, replay_of: Option<u64>) -> u64 {
        let mut records = lock(&self.records);
        records.0 += 1;
        let id = records.0;
        records.1.push_back(Record {
            id,
            event: delivery.event,
            bot: delivery.bot,
            url: delivery.url.clone(),
            attempts: 0,
            state: "pending",
            last: String::new(),
            latency_ms: None,
            replay_of,
            delivery: delivery.clone(),
        });
        while records.1.len() > KEPT {
            records.1.pop_front();
        }
        id
    }

    /// Hands `job` to its bot's sender, starting it on first use: a
    /// thread of its own, which waits on the log through `runtime` and
    /// makes each attempt itself (blocking), with no hand-over per
    /// attempt.
    fn send(&self, job: Job, log: Option<Arc<Durable>>) {
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.cap {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            update(&self.records, job.id, |r| {
                r.state = "dropped";
                r.last = format!("{} events were already waiting to be sent", self.cap);
            });
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            update(&self.records, job.id, |r| {
                r.state = "failed";
                r.last = "no runtime to send from".into();
            });
            return;
        };
        let mut queues = lock(&self.queues);
        let bot = job.delivery.bot;
        let queue = queues.entry(bot).or_insert_with(|| {
            let (tx, rx) = mpsc::channel();
            let worker = Worker {
                bot,
                queues: Arc::clone(&self.queues),
                idle: self.idle,
                records: Arc::clone(&self.records),
                waiting: Arc::clone(&self.waiting),
                domain: self
                    .domain
                    .get()
                    .cloned()
                    .unwrap_or_else(|| "127.0.0.1".into()),
                log,
                scenarios: self.scenarios.get().cloned(),
                agent: agent(),
                runtime,
            };
            // A sender that cannot start leaves the queue without a
            // receiver, so the send below records the job failed.
            let _ = std::thread::Builder::new()
                .name(format!("events-bot-{bot}"))
                .spawn(move || worker.run(rx));
            tx
        });
        if let Err(mpsc::SendError(job)) = queue.send(job) {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            update(&self.records, job.id, |r| r.state = "failed");
        }
    }
}

/// One bot's sender.
struct Worker {
    bot: u32,
    /// The deliverer's queues, to leave when idle.
    queues: Queues,
    idle: Duration,
    records: Arc<Mutex<(u64, VecDeque<Record>)>>,
    /// The deliverer's count of events waiting, less one per job done.
    waiting: Arc<AtomicUsize>,
    domain: String,
    log: Option<Arc<Durable>>,
    scenarios: Option<Arc<Scenarios>>,
    /// One client for all of the bot's attempts, so a handler that keeps
    /// connections alive is not connected to anew for every event.
    agent: ureq::Agent,
    /// The host's runtime, to wait for the log on.
    runtime: tokio::runtime::Handle,
}

impl Worker {
    /// Sends the bot's events in order until none has come for `idle`;
    /// then leaves the queues, under their lock, so that an event sent
    /// meanwhile is either taken here first or starts a new thread.
    fn run(self, jobs: mpsc::Receiver<Job>) {
        loop {
            let job = match jobs.recv_timeout(self.idle) {
                Ok(job) => job,
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let mut queues = lock(&self.queues);
                    match jobs.try_recv() {
                        Ok(job) => job,
                        Err(_) => {
                            queues.remove(&self.bot);
                            return;
                        }
                    }
                }
            };
            self.finish(&job);
            self.waiting.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Waits for `job`'s change to be durable, then delivers it.
    fn finish(&self, job: &Job) {
        if let (Some(log), Some(seq)) = (&self.log, job.after) {
            if let Err(e) = self.runtime.block_on(log.durable(seq)) {
                update(&self.records, job.id, |r| {
                    r.state = "failed";
                    r.last = e.0;
                });
                return;
            }
        }
        self.deliver(job);
    }

    /// Tries `job` until it is delivered or out of attempts.
    fn deliver(&self, job: &Job) {
        let body = self.body(&job.delivery);
        let mut pause = FIRST_PAUSE;
        for attempt in 1..=ATTEMPTS {
            let outcome = self.attempt(&job.delivery, &body);
            let delivered = matches!(outcome, Ok(status) if (200..300).contains(&status));
            update(&self.records, job.id, |r| {
                r.attempts = attempt;
                r.last = match &outcome {
                    Ok(status) => status.to_string(),
                    Err(e) => e.clone(),
                };
                if delivered {
                    r.state = "delivered";
                    r.latency_ms = u64::try_from(job.queued.elapsed().as_millis()).ok();
                } else if attempt == ATTEMPTS {
                    r.state = "failed";
                }
            });
            if delivered {
                return;
            }
            if attempt < ATTEMPTS {
                std::thread::sleep(pause);
                pause *= 2;
            }
        }
    }

    /// One attempt: the answer's status or why there is none, unless a
    /// delivery scenario for the bot decides it (marked `(scenario)`) or
    /// holds it first.
    fn attempt(&self, delivery: &Delivery, body: &str) -> Result<u16, String> {
        let scenario = self
            .scenarios
            .as_ref()
            .and_then(|s| s.take_delivery(delivery.bot));
        match scenario {
            Some(Action::DeliveryError { status }) => Err(format!("{status} (scenario)")),
            Some(Action::DeliveryRefused) => Err("connection refused (scenario)".to_owned()),
            Some(Action::DeliveryDelay { ms }) => {
                std::thread::sleep(Duration::from_millis(ms));
                send(&self.agent, &delivery.url, body)
            }
            _ => send(&self.agent, &delivery.url, body),
        }
    }

    /// The form body: the delivery's fields, then the domain and the REST
    /// endpoint in the fields the delivery names for them.
    fn body(&self, delivery: &Delivery) -> String {
        let endpoint = format!("http://{}/rest/", self.domain);
        let mut pairs: Vec<String> = delivery
            .fields
            .iter()
            .map(|(name, value)| pair(name, value))
            .collect();
        for name in delivery.domains.iter().map(String::as_str) {
            pairs.push(pair(name, &self.domain));
        }
        pairs.push(pair("auth[domain]", &self.domain));
        for name in &delivery.endpoints {
            pairs.push(pair(name, &endpoint));
        }
        pairs.join("&")
    }
}

fn pair(name: &str, value: &str) -> String {
    use crate::body::percent_encode;
    format!("{}={}", percent_encode(name), percent_encode(value))
}

/// The client a bot's attempts are made with: any status is an answer,
/// and an attempt ends after [`ATTEMPT_TIMEOUT`].
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(ATTEMPT_TIMEOUT))
        .build()
        .into()
}

/// The most of a handler's answer that is read (and dropped), so that its
/// connection can carry the next event.
const ANSWER_READ: u64 = 64 * 1024;

/// POSTs `body` to `url` as a form; the answer's status.
fn send(agent: &ureq::Agent, url: &str, body: &str) -> Result<u16, String> {
    let mut answer = agent
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(body.as_bytes())
        .map_err(|e| e.to_string())?;
    // An answer longer than this, or one that breaks off, only costs the
    // connection: the status has come.
    let _ = answer
        .body_mut()
        .with_config()
        .limit(ANSWER_READ)
        .read_to_vec();
    Ok(answer.status().as_u16())
}

fn update(records: &Mutex<(u64, VecDeque<Record>)>, id: u64, change: impl FnOnce(&mut Record)) {
    let mut records = lock(records);
    if let Some(record) = records.1.iter_mut().find(|r| r.id == id) {
        change(record);
    }
}

/// Locks; a panic while held leaves a record half-updated at worst.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::time::{Duration, Instant};

    use super::{Deliverer, IDLE, lock};
    use crate::push::Delivery;

    /// A handler on a loopback port that answers every request 200, one
    /// connection at a time. Its URL.
    fn handler() -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/events", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut request = [0; 4096];
                let _ = stream.read(&mut request);
                let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
                let _ = stream.write_all(ok);
            }
        });
        url
    }

    /// Waits up to 5 s for `done`.
    fn eventually(done: impl Fn() -> bool) -> bool {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !done() {
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        true
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn a_bots_sending_thread_ends_when_idle_and_its_next_event_starts_another() {
        let deliverer = Deliverer::with(100, Duration::from_millis(50));
        let url = handler();
        let to_handler = |bot| Delivery {
            url: url.clone(),
            ..to_nowhere(bot)
        };
        deliverer.enqueue(vec![to_handler(39), to_handler(40)], None, None);
        let delivered = |n: usize| {
            let list = deliverer.list();
            list.len() == n && list.iter().all(|r| r.state == "delivered")
        };
        assert!(eventually(|| delivered(2)), "{:?}", deliverer.list());
        assert!(
            eventually(|| lock(&deliverer.queues).is_empty()),
            "both bots' threads end"
        );
        deliverer.enqueue(vec![to_handler(39)], None, None);
        assert!(eventually(|| delivered(3)), "{:?}", deliverer.list());
    }

    /// A delivery to a port nothing listens on: each attempt is refused,
    /// so it waits through its retries.
    fn to_nowhere(bot: u32) -> Delivery {
        Delivery {
            bot,
            event: "ONIMBOTMESSAGEADD",
            url: "http://127.0.0.1:9/events".into(),
            fields: vec![("event".into(), "ONIMBOTMESSAGEADD".into())],
            domains: Vec::new(),
            endpoints: Vec::new(),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn events_past_the_waiting_cap_are_dropped_not_queued() {
        let deliverer = Deliverer::with(3, IDLE);
        let five = (0..5).map(|n| to_nowhere(39 + n % 2)).collect();
        deliverer.enqueue(five, None, None);
        let states: Vec<&str> = deliverer.list().iter().map(|r| r.state).collect();
        assert_eq!(states[..3], ["pending"; 3]);
        assert_eq!(states[3..], ["dropped"; 2]);
        assert!(deliverer.list()[4].last.contains("3 events"));
    }
}
