//! `batch`, as portals serve it: up to [`MAX_COMMANDS`] calls in one
//! request, each written as `method?query` under a key in `cmd` (named,
//! `cmd[key]=…`, or listed, `cmd[0]=…`; form fields or a JSON object or
//! array), each authenticated with the batch's own credentials (its
//! `auth`, or the webhook in its URL) and answered exactly as on its own.
//!
//! The answer gathers, by the command's key, each success's `result` and
//! `time` (and `total` / `next` when the method gives them) and each
//! failure's error envelope:
//!
//! ```text
//! {"result": {"result": {…}, "result_error": {…}, "result_time": {…},
//!             "result_total": {…}, "result_next": {…}}, "time": {…}}
//! ```
//!
//! As portals encode their maps, a map whose keys are `0, 1, …` in order
//! is a JSON array and an empty one is `[]`. With `halt=1` the batch
//! stops at the first failure. A `batch` inside a batch is refused for
//! that command. A reference to an earlier command's result,
//! `$result[key]` or a path into it (`$result[key][ID]`, `$result[key][0]`),
//! is replaced by that value when it is a string, number or boolean;
//! any other reference is left as written.
//!
//! Work stays bounded by the request: a substituted value may be at most
//! [`MAX_VALUE_BYTES`] long and a command's text after substitution at
//! most [`MAX_COMMAND_BYTES`]; a command past either is not run and
//! answers `ERROR_BATCH_LENGTH_EXCEEDED` under its key in `result_error`
//! (so without `halt` the batch goes on). Substitution stops at the cap,
//! so a batch never builds a longer text than that.
//!
//! A batch sent with an idempotency key (see `retry`) gives command `k`
//! the key `"{key}#{k}"`, so a retried batch acts once per command.

use axum::http::HeaderMap;
use axum::response::Response;
use imbot_like::wire::FrameworkError;
use serde_json::{Map, Value, json};

use crate::auth::{Method, Style};
use crate::calls::Call;
use crate::dispatch::dispatch;
use crate::input::{Input, Node};
use crate::reply::json;
use crate::{Host, retry};

/// The most commands one batch may hold.
pub const MAX_COMMANDS: usize = 50;
/// The longest value, in bytes before percent-encoding, that a
/// `$result[…]` reference may be replaced by.
pub const MAX_VALUE_BYTES: usize = 8 * 1024;
/// The longest a command's text may grow to by substitution, in bytes:
/// the largest body a request may have on its own.
pub const MAX_COMMAND_BYTES: usize = crate::body::BODY_LIMIT;

/// Why a command's references could not be substituted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expansion {
    /// A referenced value over [`MAX_VALUE_BYTES`].
    ValueTooLong,
    /// The command over [`MAX_COMMAND_BYTES`] once substituted.
    CommandTooLong,
}

impl Expansion {
    /// The command's answer: its error envelope.
    fn answer(self) -> Value {
        let description = match self {
            Self::ValueTooLong => format!(
                "A $result value substituted into a batch command may be at most \
                 {MAX_VALUE_BYTES} bytes"
            ),
            Self::CommandTooLong => format!(
                "A batch command may be at most {MAX_COMMAND_BYTES} bytes after \
                 $result substitution"
            ),
        };
        json!({"error": "ERROR_BATCH_LENGTH_EXCEEDED", "error_description": description})
    }
}

/// A batch's parameters.
#[derive(Debug, Default, PartialEq, Eq)]
struct Batch {
    /// Each command's key and `method?query` text, in order.
    commands: Vec<(String, String)>,
    /// Whether `cmd` was a list.
    listed: bool,
    /// Stop at the first failure.
    halt: bool,
    /// The batch's `auth`.
    auth: Option<String>,
}

fn refusal(status: u16, code: &str, description: &str) -> Response {
    json(
        status,
        &json!({"error": code, "error_description": description}),
    )
}

/// Serves one batch.
pub(crate) async fn run(
    host: &Host,
    style: Style<'_>,
    start: f64,
    headers: &HeaderMap,
    input: &Input,
) -> Response {
    let batch = read(input);
    if batch.commands.len() > MAX_COMMANDS {
        let text = format!("Max batch length exceeded: {MAX_COMMANDS} commands at most");
        return refusal(400, "ERROR_BATCH_LENGTH_EXCEEDED", &text);
    }
    let key = retry::key_text(headers, input);
    let began = std::time::Instant::now();
    let mut parts: [Vec<(String, Value)>; 5] = Default::default();
    for (name, text) in &batch.commands {
        let (answer, ok) = match substitute(text, &parts[0]) {
            Ok(text) => command(host, style, &batch, key.as_deref(), name, &text).await,
            Err(refused) => (refused.answer(), false),
        };
        let [results, errors, times, totals, nexts] = &mut parts;
        if ok {
            results.push((name.clone(), answer["result"].clone()));
            times.push((name.clone(), answer["time"].clone()));
            for (field, list) in [("total", totals), ("next", nexts)] {
                if let Some(value) = answer.get(field) {
                    list.push((name.clone(), value.clone()));
                }
            }
        } else {
            errors.push((name.clone(), answer));
            if batch.halt {
                break;
            }
        }
    }
    let call = Call {
        host,
        style,
        method: Method::Batch,
        input,
        start,
        wait: Default::default(),
        rule: Default::default(),
        key: None,
    };
    let processing = host.clock.processing(began.elapsed().as_secs_f64());
    let time = match call.time_block(processing) {
        Ok(time) => time,
        Err(e) => return crate::reply::error(e),
    };
    let names = [
        "result",
        "result_error",
        "result_time",
        "result_total",
        "result_next",
    ];
    let mut result = Map::new();
    for (name, entries) in names.into_iter().zip(parts) {
        result.insert(name.to_owned(), portal_map(entries, batch.listed));
    }
    json(200, &json!({"result": result, "time": time}))
}

/// Runs one command: its answer's body and whether it succeeded.
async fn command(
    host: &Host,
    style: Style<'_>,
    batch: &Batch,
    key: Option<&str>,
    name: &str,
    text: &str,
) -> (Value, bool) {
    let (path, own) = text.split_once('?').unwrap_or((text, ""));
    let segment = path.trim_start_matches('/');
    let Some(method) = Method::from_segment(segment) else {
        return into_value(crate::reply::error(FrameworkError::MethodNotFound)).await;
    };
    // The command's parameters are its query's, decoded as a call's are,
    // with the batch's `auth` after them.
    let mut input = Input::from_query(own);
    if let (Style::OAuth, Some(auth)) = (style, &batch.auth) {
        input.push_text("auth", auth);
    }
    let key = match key {
        Some(key) => Some(format!("{key}#{name}")),
        None => retry::parameter(&input),
    };
    let call = Call {
        host,
        style,
        method,
        input: &input,
        start: host.clock.start(),
        wait: Default::default(),
        rule: Default::default(),
        key,
    };
    into_value(dispatch(call).await).await
}

/// `text` with each `$result[key][…]` naming a scalar in `results`
/// replaced by it (percent-encoded), within [`MAX_VALUE_BYTES`] a value
/// and [`MAX_COMMAND_BYTES`] in all (a text already longer may not grow).
fn substitute(text: &str, results: &[(String, Value)]) -> Result<String, Expansion> {
    const MARK: &str = "$result[";
    let cap = MAX_COMMAND_BYTES.max(text.len());
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(MARK) {
        push_within(&mut out, &rest[..at], cap)?;
        let tail = &rest[at..];
        match resolve(&tail[MARK.len() - 1..], results) {
            Some((value, _)) if value.len() > MAX_VALUE_BYTES => {
                return Err(Expansion::ValueTooLong);
            }
            Some((value, used)) => {
                push_within(&mut out, &crate::body::percent_encode(&value), cap)?;
                rest = &tail[MARK.len() - 1 + used..];
            }
            None => {
                push_within(&mut out, MARK, cap)?;
                rest = &tail[MARK.len()..];
            }
        }
    }
    push_within(&mut out, rest, cap)?;
    Ok(out)
}

/// Appends `piece` to `out` unless that makes `out` longer than `cap`.
fn push_within(out: &mut String, piece: &str, cap: usize) -> Result<(), Expansion> {
    if out.len() + piece.len() > cap {
        return Err(Expansion::CommandTooLong);
    }
    out.push_str(piece);
    Ok(())
}

/// Resolves `[key][field]…` at the start of `path`: the scalar's text and
/// how many bytes of `path` the reference takes.
fn resolve(path: &str, results: &[(String, Value)]) -> Option<(String, usize)> {
    let mut used = 0;
    let mut segments = Vec::new();
    while let Some(inner) = path[used..].strip_prefix('[') {
        let end = inner.find(']')?;
        segments.push(&inner[..end]);
        used += end + 2;
    }
    let (first, fields) = segments.split_first()?;
    let mut value = &results.iter().find(|(k, _)| k == first)?.1;
    for field in fields {
        value = match value {
            Value::Object(map) => map.get(*field)?,
            Value::Array(list) => list.get(field.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    let text = match value {
        Value::String(text) => text.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => if *b { "1" } else { "" }.to_owned(),
        _ => return None,
    };
    Some((text, used))
}

/// A command's answer as JSON, and whether it is a success.
async fn into_value(response: Response) -> (Value, bool) {
    let ok = response.status().is_success();
    let bytes = crate::body::collect(response.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (value, ok)
}

/// A map as portals encode it: `[]` when empty, an array when the keys
/// are `0, 1, …` in order and `cmd` was a list, else an object.
fn portal_map(entries: Vec<(String, Value)>, listed: bool) -> Value {
    let sequential = entries
        .iter()
        .enumerate()
        .all(|(i, (key, _))| *key == i.to_string());
    if entries.is_empty() || (listed && sequential) {
        Value::Array(entries.into_iter().map(|(_, v)| v).collect())
    } else {
        Value::Object(entries.into_iter().collect())
    }
}

/// Reads `cmd`, `halt` and `auth` from a call's parameters: `cmd` as
/// form fields (`cmd[key]=…`) or as a JSON object or array, whose members
/// run in the order sent.
fn read(input: &Input) -> Batch {
    let mut batch = Batch::default();
    let mut listed = true;
    for (name, node) in input.entries() {
        let lower = name.to_ascii_lowercase();
        match (lower.as_str(), node) {
            ("cmd", Node::Map(members)) => {
                listed = false;
                let named = members.iter().map(|(k, v)| (k.clone(), text_of(v)));
                batch.commands = named.collect();
            }
            ("cmd", Node::List(items)) => {
                listed = true;
                let list = items.iter().enumerate();
                batch.commands = list.map(|(i, v)| (i.to_string(), text_of(v))).collect();
            }
            ("halt", node) => batch.halt = truthy(&text_of(node)),
            ("auth", node) => batch.auth = Some(text_of(node)),
            (_, Node::Text(text)) => {
                let Some(key) = lower
                    .strip_prefix("cmd[")
                    .and_then(|rest| rest.strip_suffix(']'))
                else {
                    continue;
                };
                let key = name[4..4 + key.len()].to_owned();
                listed &= key == batch.commands.len().to_string();
                batch.commands.push((key, text.clone()));
            }
            _ => {}
        }
    }
    batch.listed = listed;
    batch
}

/// A value as a command's text or a flag: lists and objects are none.
fn text_of(node: &Node) -> String {
    node.text().unwrap_or_default()
}

/// Whether a `halt` value is on.
fn truthy(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "y" | "yes"
    )
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderMap;

    use crate::input::Input;

    fn read(body: &[u8]) -> super::Batch {
        super::read(&Input::read(None, &HeaderMap::new(), body).unwrap())
    }

    #[test]
    fn named_and_listed_forms_are_read() {
        let body = b"cmd[a]=im.message.like%3FMESSAGE_ID%3D1&halt=1&auth=t";
        let batch = read(body);
        assert_eq!(
            batch.commands,
            [("a".into(), "im.message.like?MESSAGE_ID=1".into())]
        );
        assert!(batch.halt && !batch.listed);
        assert_eq!(batch.auth.as_deref(), Some("t"));
        let body = b"cmd[0]=x&cmd[1]=y";
        let batch = read(body);
        assert!(batch.listed);
    }

    #[test]
    fn json_arrays_are_listed() {
        let body = br#"{"cmd": ["x", "y"], "halt": 0}"#;
        let batch = read(body);
        assert!(batch.listed && !batch.halt);
        assert_eq!(batch.commands.len(), 2);
    }

    #[test]
    fn references_to_scalars_are_substituted() {
        use serde_json::json;
        let results = vec![
            ("add".to_owned(), json!(4)),
            ("bot".to_owned(), json!({"ID": 39, "LIST": [7, "a b"]})),
        ];
        let text = "m?MESSAGE_ID=$result[add]&BOT_ID=$result[bot][ID]&X=$result[bot][LIST][1]";
        assert_eq!(
            super::substitute(text, &results).as_deref(),
            Ok("m?MESSAGE_ID=4&BOT_ID=39&X=a%20b")
        );
        let kept = "m?A=$result[none]&B=$result[bot]";
        assert_eq!(super::substitute(kept, &results).as_deref(), Ok(kept));
    }

    #[test]
    fn substitution_is_capped_per_value_and_per_command() {
        use super::{Expansion, MAX_COMMAND_BYTES, MAX_VALUE_BYTES, substitute};
        use serde_json::json;
        let long = "a".repeat(MAX_VALUE_BYTES + 1);
        let fits = "a".repeat(MAX_VALUE_BYTES);
        let results = vec![
            ("long".to_owned(), json!(long)),
            ("fits".to_owned(), json!(fits)),
        ];
        assert_eq!(
            substitute("m?X=$result[long]", &results),
            Err(Expansion::ValueTooLong)
        );
        assert!(substitute("m?X=$result[fits]", &results).is_ok());
        let many = "&X=$result[fits]".repeat(MAX_COMMAND_BYTES / MAX_VALUE_BYTES + 1);
        assert_eq!(substitute(&many, &results), Err(Expansion::CommandTooLong));
        // A text already over the cap runs as sent, but may not grow.
        let sent = "x".repeat(MAX_COMMAND_BYTES + 10);
        assert_eq!(substitute(&sent, &results).map(|t| t.len()), Ok(sent.len()));
        let grows = format!("{sent}$result[fits]");
        assert_eq!(substitute(&grows, &results), Err(Expansion::CommandTooLong));
    }

    #[test]
    fn json_members_run_in_the_order_sent() {
        let body = br#"{"cmd": {"z": "a", "b": "c", "a": "e"}, "halt": true}"#;
        let batch = read(body);
        let keys: Vec<&str> = batch.commands.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["z", "b", "a"]);
        assert!(batch.halt && !batch.listed);
    }
}
