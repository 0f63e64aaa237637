//! A bot's side of the loop for the tests: an event handler on a loopback
//! port that decodes the portal's form POSTs.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

pub mod run;

/// An event as the handler got it.
#[derive(Debug, Clone)]
pub struct Heard {
    /// The form's fields (the last value of a name wins).
    pub form: HashMap<String, String>,
    /// When its request had been read.
    pub at: Instant,
}

/// A form body as name → value (the last value of a name wins).
pub fn form(body: &str) -> HashMap<String, String> {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| (decode(name), decode(value)))
        .collect()
}

/// A form-encoded text, decoded (`+` is a space, `%XX` a byte).
fn decode(text: &str) -> String {
    let bytes = text.replace('+', " ");
    let mut out = Vec::new();
    let mut it = bytes.bytes();
    while let Some(b) = it.next() {
        if b == b'%' {
            let hex: Vec<u8> = it.by_ref().take(2).collect();
            out.push(u8::from_str_radix(std::str::from_utf8(&hex).unwrap(), 16).unwrap());
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).unwrap()
}

/// The body of the next HTTP request on `reader` (its head read and
/// dropped), or `None` once the client has closed the connection.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Vec<u8>> {
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(body)
}

/// The body of the HTTP request on `stream` (its head read and dropped).
pub fn read_body(stream: &TcpStream) -> Vec<u8> {
    read_request(&mut BufReader::new(stream.try_clone().unwrap())).unwrap_or_default()
}

/// A bot's event handler on a free loopback port, keeping connections
/// alive, one thread each. Request `n` (from 0, across connections) is
/// answered 500 when `fails(n)`; every other is given to `heard` and then
/// answered 200, so the deliverer's next event comes after. Its URL.
pub fn serve_handler(
    fails: impl Fn(usize) -> bool + Send + Sync + 'static,
    heard: impl FnMut(Heard) + Send + 'static,
) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/events", listener.local_addr().unwrap());
    let fails = Arc::new(fails);
    let heard = Arc::new(Mutex::new(heard));
    let count = Arc::new(AtomicUsize::new(0));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let (fails, heard, count) =
                (Arc::clone(&fails), Arc::clone(&heard), Arc::clone(&count));
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut writer = stream;
                while let Some(body) = read_request(&mut reader) {
                    let at = Instant::now();
                    let failed = fails(count.fetch_add(1, Ordering::SeqCst));
                    if !failed {
                        let form = form(&String::from_utf8(body).unwrap());
                        (heard.lock().unwrap())(Heard { form, at });
                    }
                    let status = if failed {
                        "500 Internal Server Error"
                    } else {
                        "200 OK"
                    };
                    let head = format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n");
                    if writer.write_all(head.as_bytes()).is_err() {
                        break;
                    }
                }
            });
        }
    });
    url
}

/// A handler that answers every event 200 and sends its form down the
/// channel. Its URL.
pub fn handler(events: mpsc::Sender<HashMap<String, String>>) -> String {
    serve_handler(
        |_| false,
        move |heard| {
            let _ = events.send(heard.form);
        },
    )
}

/// The next event, within five seconds.
pub fn next(events: &mpsc::Receiver<HashMap<String, String>>) -> HashMap<String, String> {
    events
        .recv_timeout(Duration::from_secs(5))
        .expect("an event within 5 s")
}

/// A bot's handler on a loopback port whose events are read in order of
/// arrival.
pub struct Sink {
    /// The handler's URL.
    pub url: String,
    events: mpsc::Receiver<HashMap<String, String>>,
}

impl Sink {
    /// Starts a handler that answers every event 200.
    pub fn start() -> Self {
        let (tx, events) = mpsc::channel();
        Self {
            url: handler(tx),
            events,
        }
    }

    /// The next event, within five seconds.
    pub fn next(&self) -> HashMap<String, String> {
        next(&self.events)
    }
}
