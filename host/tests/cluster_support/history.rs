//! The clients' calls checked against the committed log, replayed through
//! a fresh `HostState` on the same seed world as the reference model.
//!
//! Each call is recorded with when it began and ended (one clock, the
//! test process's) and the answer it got, if any: an answer is a body
//! with `result` or `error` under a status below 500; anything else (no
//! answer, 503) leaves the call's fate unknown. The log's entries hold
//! batches of commands; each committed command, in log order, is matched
//! to the call that carried it by what it holds:
//!
//! - a message post by its text, which no other call uses;
//! - a keyed call by its idempotency key (the host maps a key's text to
//!   the engine's key together with the calling application, so the
//!   client computes it from the text and the application the log shows
//!   for the bot);
//! - an unkeyed like or reaction by its bot and message: each client
//!   works on messages of its own, one call at a time, and drops a
//!   message once a call on it went unanswered, so of the calls on one
//!   (bot, message) only the last can be of unknown fate, and the n-th
//!   command on it carries the n-th call.
//!
//! Then: every answered call's answer equals the one the replay gives for
//! its command (for a key, every command of the key answers the same,
//! the first delivery's answer); no command lacks its call, and no call
//! has more commands than it could have made; and real-time order holds:
//! a call answered before another began sits earlier in the log.

use std::collections::BTreeMap;
use std::time::Instant;

use imbot_like::wire::ErrorResponse;
use imbot_like::{Action, Arg, Command, CommandError, IdempotencyKey, LikeRequest};
use imbot_like::{Reaction, ReactionRequest};
use imbot_like_host::state::{Keyed, Op};
use imbot_like_host::{Answer, DEFAULT_WORLD, Host, HostCommand, HostState, World};
use serde_json::{Value, json};

/// Which calls an entry can belong to: one client's, one at a time.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stream {
    /// `imbot.message.add` with this text.
    Post(String),
    /// `imbot.message.like` by `bot` on `message`, unkeyed.
    Like { bot: u32, message: u64 },
    /// A v2 reaction call by `bot` on `message`, unkeyed.
    Reaction { bot: u32, message: u64 },
    /// A keyed like or reaction: the engine's key.
    Keyed(u128),
}

/// What a call asks: its stream and what it does there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub stream: Stream,
    /// `plus`, `minus`, `add CODE`, `delete CODE` (with bot and message
    /// for a keyed call); empty for a post.
    pub action: String,
}

/// How a call names its idempotency key before the application is known.
#[derive(Debug, Clone)]
pub struct Key {
    /// The key's text as sent.
    pub text: String,
    /// The bot whose application the key belongs to.
    pub bot: u32,
}

/// One call a client made.
#[derive(Debug, Clone)]
pub struct Call {
    pub client: usize,
    /// Its stream, with a keyed call's stream filled in by `resolve`.
    pub stream: Stream,
    pub key: Option<Key>,
    pub action: String,
    pub began: Instant,
    pub ended: Instant,
    /// `{"result": …}` or `{"error": CODE}` when answered.
    pub answer: Option<Value>,
}

/// A call's answer as compared: `result`, or the error's code.
pub fn observed(status: u16, body: &Value) -> Option<Value> {
    if status >= 500 {
        return None;
    }
    if let Some(result) = body.get("result") {
        return Some(json!({ "result": result }));
    }
    body.get("error").map(|e| json!({ "error": e }))
}

/// One committed command, replayed.
#[derive(Debug)]
pub struct Replayed {
    /// Its place among the log's commands (an entry holds a batch of
    /// them, in order).
    pub index: u64,
    pub ident: Ident,
    /// What the reference model answered, as [`observed`] shows it.
    pub expected: Value,
}

/// The reference model's answer as a client sees it.
fn render(answer: &Answer) -> Value {
    match answer {
        Answer::Engine(Ok(_)) => json!({ "result": true }),
        Answer::Engine(Err(CommandError::Like(e))) => {
            json!({ "error": ErrorResponse::from(*e).code() })
        }
        Answer::Engine(Err(CommandError::Reaction(e))) => {
            json!({ "error": ErrorResponse::from(*e).code() })
        }
        Answer::Engine(Err(other)) => json!({ "error": format!("{other:?}") }),
        Answer::Portal(Ok(result)) => json!({ "result": result }),
        Answer::Portal(Err(e)) => {
            let body = serde_json::to_value(e).unwrap_or(Value::Null);
            json!({ "error": body["error"] })
        }
    }
}

/// The committed log's entries (JSON as `/__cluster/log` gives them)
/// replayed in order from the seed world: each command's identity and
/// answer, and the state at the end. The log must be whole (from index
/// 0, no gaps).
pub fn replay(entries: &[Value], posts: &[String]) -> Result<(Vec<Replayed>, HostState), String> {
    let world = World::from_json(DEFAULT_WORLD).map_err(|e| e.to_string())?;
    let mut state = HostState::from_world(&world).map_err(|e| e.to_string())?;
    let mut replayed = Vec::new();
    for (at, entry) in entries.iter().enumerate() {
        let index = entry["index"].as_u64().ok_or("an entry without an index")?;
        if index != at as u64 {
            return Err(format!("the log skips from {} to {index}", at as i64 - 1));
        }
        for (slot, command) in commands(entry)?.into_iter().enumerate() {
            let ident = ident(&command, posts).ok_or_else(|| {
                format!("entry {index}, command {slot} is no call a client made: {command:?}")
            })?;
            let (answer, _) = state.apply(&command);
            replayed.push(Replayed {
                index: replayed.len() as u64,
                ident,
                expected: render(&answer),
            });
        }
    }
    Ok((replayed, state))
}

/// An entry's commands (none for a blank or membership entry).
fn commands(entry: &Value) -> Result<Vec<HostCommand>, String> {
    let index = &entry["index"];
    match entry["kind"].as_str() {
        Some("commands") => entry["commands"]
            .as_array()
            .ok_or(format!("entry {index}: no commands"))?
            .iter()
            .map(|c| command(c).map_err(|e| format!("entry {index}: {e}")))
            .collect(),
        Some("blank" | "membership") => Ok(Vec::new()),
        _ => Err(format!("entry {index}: unknown kind {}", entry["kind"])),
    }
}

/// A command: postcard in hex, as `/__cluster/log` gives it.
fn command(entry: &Value) -> Result<HostCommand, String> {
    let hex = entry["command"].as_str().ok_or("no command")?;
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("x"), 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|e| format!("the command is not hex: {e}"))?;
    HostCommand::decode(&bytes).map_err(|e| e.to_string())
}

/// The replayed state as `GET /__control/world` shows it (secrets
/// masked).
pub fn dump(state: HostState) -> Value {
    let host = Host::from_state(state, false).expect("the replayed state serves");
    let mut world = host.dump();
    imbot_like_host::mask::world(&mut world);
    serde_json::to_value(world).expect("a world serializes")
}

/// An argument's value, when given.
fn given<T: Copy, E>(arg: &Arg<T, E>) -> Option<T> {
    match arg {
        Arg::Given(value) => Some(*value),
        _ => None,
    }
}

/// What a command entry asks, when it is one of the workload's calls.
fn ident(command: &HostCommand, posts: &[String]) -> Option<Ident> {
    match &command.op {
        Op::Engine(engine) => engine_ident(engine),
        Op::Keyed(call) => engine_ident(&keyed_command(call.key, call.request)),
        Op::Portal(call) => {
            // The parameters are the host's own; their debug form shows
            // the text quoted.
            let shown = format!("{call:?}");
            let text = posts
                .iter()
                .find(|t| shown.contains(&format!("{t:?}")))?
                .clone();
            Some(Ident {
                stream: Stream::Post(text),
                action: String::new(),
            })
        }
    }
}

fn engine_ident(command: &Command<128>) -> Option<Ident> {
    let like = |r: &LikeRequest| -> Option<(u32, u64, String)> {
        let action = match r.action {
            Action::Plus => "plus",
            Action::Minus => "minus",
            _ => return None,
        };
        Some((
            given(&r.bot)?.get(),
            given(&r.message)?.get(),
            action.into(),
        ))
    };
    let react = |r: &ReactionRequest, step: &str| -> Option<(u32, u64, String)> {
        let code = given(&r.reaction)?.code();
        Some((
            given(&r.bot)?.get(),
            given(&r.message)?.get(),
            format!("{step} {code}"),
        ))
    };
    let keyed = |key: &IdempotencyKey, (bot, message, action): (u32, u64, String)| Ident {
        stream: Stream::Keyed(key.0),
        action: format!("{action} by {bot} on {message}"),
    };
    Some(match command {
        Command::Like(r) => {
            let (bot, message, action) = like(r)?;
            Ident {
                stream: Stream::Like { bot, message },
                action,
            }
        }
        Command::AddReaction(r) | Command::DeleteReaction(r) => {
            let step = if matches!(command, Command::AddReaction(_)) {
                "add"
            } else {
                "delete"
            };
            let (bot, message, action) = react(r, step)?;
            Ident {
                stream: Stream::Reaction { bot, message },
                action,
            }
        }
        Command::KeyedLike(key, r) => keyed(key, like(r)?),
        Command::KeyedAddReaction(key, r) => keyed(key, react(r, "add")?),
        Command::KeyedDeleteReaction(key, r) => keyed(key, react(r, "delete")?),
        _ => return None,
    })
}

/// A keyed call's request as the engine's own keyed command, so that
/// it is told apart by its key like one.
fn keyed_command(key: IdempotencyKey, request: Keyed) -> Command<128> {
    match request {
        Keyed::Like(r) => Command::KeyedLike(key, r),
        Keyed::LikeAsUser(r) => Command::KeyedLikeAsUser(key, r),
        Keyed::AddReaction(r) => Command::KeyedAddReaction(key, r),
        Keyed::DeleteReaction(r) => Command::KeyedDeleteReaction(key, r),
    }
}

/// Fills in keyed calls' streams: the key the host makes of the text
/// (each caller has its own retry window, and the workload's key texts
/// are unique across clients).
pub fn resolve(calls: &mut [Call]) {
    for call in calls.iter_mut() {
        if let Some(key) = &call.key {
            call.stream = Stream::Keyed(IdempotencyKey::from_text(&key.text).0);
        }
    }
}

/// A call's place in the log for the real-time check: the entry that
/// carries it (the first of a key's), when it began, and when it was
/// answered (if it was).
struct Placed {
    index: u64,
    began: Instant,
    answered: Option<Instant>,
}

/// What the check counted.
#[derive(Debug, Default)]
pub struct Counts {
    pub calls: usize,
    pub answered: usize,
    pub entries: usize,
    pub streams: usize,
}

/// Checks the calls against the replayed log (see the module's docs).
pub fn check(calls: &[Call], replayed: &[Replayed]) -> Result<Counts, String> {
    let mut by_stream: BTreeMap<&Stream, Vec<&Replayed>> = BTreeMap::new();
    for entry in replayed {
        by_stream
            .entry(&entry.ident.stream)
            .or_default()
            .push(entry);
    }
    let mut calls_by_stream: BTreeMap<&Stream, Vec<&Call>> = BTreeMap::new();
    for call in calls {
        calls_by_stream.entry(&call.stream).or_default().push(call);
    }
    if let Some((stream, entries)) = by_stream
        .iter()
        .find(|(s, _)| !calls_by_stream.contains_key(*s))
    {
        return Err(format!(
            "command {} ({stream:?}) matches no client's call",
            entries[0].index
        ));
    }
    let mut placed = Vec::new();
    for (stream, calls) in &calls_by_stream {
        let entries = by_stream.get(stream).map_or(&[][..], Vec::as_slice);
        if calls.iter().any(|c| c.client != calls[0].client) {
            return Err(format!("{stream:?}: calls of two clients share a stream"));
        }
        match stream {
            Stream::Keyed(_) => placed.extend(keyed(calls, entries)?),
            _ => placed.extend(sequential(calls, entries)?),
        }
    }
    real_time(&mut placed)?;
    Ok(Counts {
        calls: calls.len(),
        answered: calls.iter().filter(|c| c.answer.is_some()).count(),
        entries: replayed.len(),
        streams: calls_by_stream.len(),
    })
}

/// Unkeyed calls of one stream: the n-th entry carries the n-th call;
/// only the last call may be unanswered, and only it may lack an entry.
fn sequential(calls: &[&Call], entries: &[&Replayed]) -> Result<Vec<Placed>, String> {
    let last = calls.len() - 1;
    if let Some(c) = calls[..last].iter().find(|c| c.answer.is_none()) {
        return Err(format!(
            "{:?}: an unanswered call was not the last",
            c.stream
        ));
    }
    let answered = calls.iter().filter(|c| c.answer.is_some()).count();
    if entries.len() < answered {
        return Err(format!(
            "{:?}: {answered} answered calls, {} entries: an answered change is not in the log",
            calls[0].stream,
            entries.len()
        ));
    }
    if entries.len() > calls.len() {
        return Err(format!(
            "{:?}: {} calls, {} entries: a change no call asked for",
            calls[0].stream,
            calls.len(),
            entries.len()
        ));
    }
    entries
        .iter()
        .zip(calls)
        .map(|(entry, call)| {
            carried(call, entry)?;
            Ok(Placed {
                index: entry.index,
                began: call.began,
                answered: call.answer.as_ref().map(|_| call.ended),
            })
        })
        .collect()
}

/// Whether `entry` is what `call` asked and answers what it was
/// answered.
fn carried(call: &Call, entry: &Replayed) -> Result<(), String> {
    if call.action != entry.ident.action {
        return Err(format!(
            "command {} does {:?}, its call {:?}",
            entry.index, entry.ident.action, call.action
        ));
    }
    match &call.answer {
        Some(answer) if *answer != entry.expected => Err(format!(
            "command {} ({:?} {}): answered {answer}, the replay gives {}",
            entry.index, call.stream, call.action, entry.expected
        )),
        _ => Ok(()),
    }
}

/// The sends of one key: every entry of the key answers the same (the
/// first delivery's answer), every answered send got it, and no more
/// entries than sends. The key's first entry is its place in the log.
fn keyed(calls: &[&Call], entries: &[&Replayed]) -> Result<Option<Placed>, String> {
    if entries.len() > calls.len() {
        return Err(format!(
            "{:?}: {} sends, {} entries",
            calls[0].stream,
            calls.len(),
            entries.len()
        ));
    }
    let answered: Vec<&Call> = calls
        .iter()
        .copied()
        .filter(|c| c.answer.is_some())
        .collect();
    let Some(first) = entries.first() else {
        return match answered.first() {
            Some(c) => Err(format!("{:?}: answered, not in the log", c.stream)),
            None => Ok(None),
        };
    };
    for entry in entries {
        if entry.expected != first.expected {
            return Err(format!(
                "{:?}: command {} answers {}, command {} answers {}",
                calls[0].stream, first.index, first.expected, entry.index, entry.expected
            ));
        }
    }
    for call in calls {
        carried(call, first)?;
    }
    Ok(Some(Placed {
        index: first.index,
        began: calls[0].began,
        answered: answered.iter().map(|c| c.ended).min(),
    }))
}

/// A call answered before another began sits earlier in the log.
fn real_time(placed: &mut [Placed]) -> Result<(), String> {
    let mut done: Vec<(Instant, u64)> = placed
        .iter()
        .filter_map(|p| p.answered.map(|at| (at, p.index)))
        .collect();
    done.sort_unstable();
    let mut highest = Vec::with_capacity(done.len());
    let mut top = None::<u64>;
    for (_, index) in &done {
        top = top.max(Some(*index));
        highest.push(top);
    }
    for p in placed.iter() {
        let before = done.partition_point(|(at, _)| *at < p.began);
        if let Some(Some(top)) = before.checked_sub(1).map(|i| highest[i]) {
            if top >= p.index {
                return Err(format!(
                    "command {} was answered before the call of command {} began, \
                     yet sits at or after it",
                    top, p.index
                ));
            }
        }
    }
    Ok(())
}

/// The reaction codes the workload uses.
pub fn codes() -> [&'static str; 2] {
    [Reaction::ALL[0].code(), Reaction::ALL[1].code()]
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use serde_json::json;

    use super::{Call, Ident, Replayed, Stream, check};

    fn like(message: u64) -> Stream {
        Stream::Like { bot: 39, message }
    }

    /// A call on `stream` that ran from `began` to `ended` ms after `t0`.
    fn call(t0: Instant, stream: Stream, span: (u64, u64), answer: Option<bool>) -> Call {
        Call {
            client: 0,
            stream,
            key: None,
            action: "plus".into(),
            began: t0 + Duration::from_millis(span.0),
            ended: t0 + Duration::from_millis(span.1),
            answer: answer.map(|a| json!({ "result": a })),
        }
    }

    fn entry(index: u64, stream: Stream) -> Replayed {
        Replayed {
            index,
            ident: Ident {
                stream,
                action: "plus".into(),
            },
            expected: json!({ "result": true }),
        }
    }

    #[test]
    fn answered_calls_in_the_log_in_real_time_order_pass() {
        let t0 = Instant::now();
        let calls = [
            call(t0, like(1), (0, 10), Some(true)),
            call(t0, like(2), (20, 30), Some(true)),
            call(t0, like(2), (40, 50), None),
        ];
        let log = [entry(1, like(1)), entry(2, like(2)), entry(3, like(2))];
        let counts = check(&calls, &log).unwrap();
        assert_eq!((counts.calls, counts.answered, counts.streams), (3, 2, 2));
    }

    #[test]
    fn an_answered_change_missing_from_the_log_is_reported() {
        let t0 = Instant::now();
        let calls = [call(t0, like(1), (0, 10), Some(true))];
        assert!(check(&calls, &[]).unwrap_err().contains("not in the log"));
    }

    #[test]
    fn an_answer_the_replay_does_not_give_is_reported() {
        let t0 = Instant::now();
        let calls = [call(t0, like(1), (0, 10), Some(false))];
        let error = check(&calls, &[entry(1, like(1))]).unwrap_err();
        assert!(error.contains("the replay gives"), "{error}");
    }

    #[test]
    fn an_entry_no_call_made_is_reported() {
        let t0 = Instant::now();
        let calls = [call(t0, like(1), (0, 10), Some(true))];
        let log = [entry(1, like(1)), entry(2, like(1))];
        assert!(
            check(&calls, &log)
                .unwrap_err()
                .contains("no call asked for")
        );
        let log = [entry(1, like(1)), entry(2, like(7))];
        assert!(check(&calls, &log).unwrap_err().contains("matches no"));
    }

    #[test]
    fn a_call_answered_before_another_began_must_sit_earlier() {
        let t0 = Instant::now();
        let calls = [
            call(t0, like(1), (0, 10), Some(true)),
            call(t0, like(2), (20, 30), Some(true)),
        ];
        let log = [entry(1, like(2)), entry(2, like(1))];
        let error = check(&calls, &log).unwrap_err();
        assert!(error.contains("answered before"), "{error}");
        // Overlapping calls may sit in either order.
        let calls = [
            call(t0, like(1), (0, 25), Some(true)),
            call(t0, like(2), (20, 30), Some(true)),
        ];
        check(&calls, &log).unwrap();
    }
}
