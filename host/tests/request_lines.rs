//! The request lines the host makes itself: they wait, gathered, until
//! 16 KiB of them or the wait is over, reach the log's writer in the
//! order the requests were answered, and the guard hands on the rest.
//! A test binary of its own: the writer it sets is the whole process's.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Server, agent};
use imbot_like_host::logline::{LogFields, LogFormat};
use imbot_like_host::request_line::write_requests_to;

const OAUTH: &str = "/rest/imbot.message.like";

/// What the log's writer wrote.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Lines {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Lines {
    /// The request ids of the request lines written so far.
    fn ids(&self) -> Vec<String> {
        let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|line| {
                let logged: serde_json::Value = serde_json::from_str(line).unwrap();
                assert_eq!(logged["message"], "answered", "{line}");
                logged["span"]["request_id"].as_str().unwrap().to_owned()
            })
            .collect()
    }
}

/// Likes a message with `line-{n}` as the request id, for `n` in `range`.
fn like(s: &Server, range: std::ops::Range<usize>) {
    for n in range {
        let answer = agent()
            .get(&s.url(&format!("{OAUTH}?auth=t-demo&MESSAGE_ID=1")))
            .header("X-Request-ID", &format!("line-{n}"))
            .call()
            .unwrap();
        assert_eq!(answer.status(), 200);
    }
}

fn ids(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|n| format!("line-{n}")).collect()
}

#[test]
fn request_lines_wait_gathered_and_reach_the_writer_in_order() {
    let lines = Lines::default();
    let (writer, written) = tracing_appender::non_blocking(lines.clone());
    let subscriber = tracing_subscriber::fmt()
        .fmt_fields(LogFields)
        .event_format(LogFormat)
        .with_max_level(tracing::Level::INFO)
        .with_writer(writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    // A wait no test outlasts: only a full gathering or the guard hands on.
    let gathered = write_requests_to(writer, Duration::from_secs(3_600));
    let s = Server::default_world();

    // 20 lines of about 230 bytes: short of a full gathering.
    like(&s, 0..20);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(lines.ids(), ids(0..0), "the lines wait, gathered");

    // 100 more pass 16 KiB: the lines so far are handed on at once.
    like(&s, 20..120);
    let start = Instant::now();
    while lines.ids().is_empty() && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let handed = lines.ids();
    assert!((60..120).contains(&handed.len()), "{}", handed.len());
    assert_eq!(handed, ids(0..handed.len()));

    // The guard hands on the rest; the writer's guard writes it.
    drop(gathered);
    drop(written);
    assert_eq!(lines.ids(), ids(0..120));
}
