//! `batch` work stays bounded by the request: a command that would expand
//! to megabytes through `$result` references is refused with
//! `ERROR_BATCH_LENGTH_EXCEEDED` and runs nothing, and the process's peak
//! memory stays flat. The only test in its file, so the peak is its own.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Server;
use serde_json::{Map, Value, json};

/// Resets the process's peak resident memory to its current one (Linux:
/// `5` to `/proc/self/clear_refs`); whether that worked.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The process's peak resident memory in KiB (`VmHWM`).
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmHWM:"));
    line.and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

/// A JSON batch of named commands (run in the order of their names, as
/// `serde_json` writes an object's members sorted).
fn batch(commands: &[(&str, String)]) -> String {
    let cmd: Map<String, Value> = commands
        .iter()
        .map(|(name, text)| ((*name).to_owned(), Value::String(text.clone())))
        .collect();
    json!({ "halt": 0, "cmd": cmd }).to_string()
}

#[test]
fn a_batch_expansion_bomb_is_refused_and_memory_stays_flat() {
    let s = Server::default_world();
    let text = "a".repeat(8_000);
    let reference = "$result[b_read][messages][0][text]";
    // 1,500 references to an 8,000-byte value: 12 MB from a 62 KB body.
    let bomb = reference.repeat(1_500);
    let body = batch(&[
        (
            "a_post",
            format!("im.message.add?DIALOG_ID=chat7&MESSAGE={text}"),
        ),
        (
            "b_read",
            "im.dialog.messages.get?DIALOG_ID=chat7".to_owned(),
        ),
        (
            "c_bomb",
            format!("im.message.add?DIALOG_ID=chat7&MESSAGE={bomb}"),
        ),
    ]);
    assert!(body.len() < imbot_like_host::BODY_LIMIT, "{}", body.len());
    let measured = reset_peak();
    let before = peak_kib();
    let answer = s.json("/rest/1/w-demo/batch", &body);
    let after = peak_kib();
    eprintln!("batch bomb: peak resident memory {before} KiB before, {after} KiB after");
    assert_eq!(answer.status, 200, "{answer:?}");
    let result = &answer.body["result"];
    assert_eq!(result["result"]["a_post"], 4);
    let error = &result["result_error"]["c_bomb"];
    assert_eq!(error["error"], "ERROR_BATCH_LENGTH_EXCEEDED", "{error}");
    assert!(error["error_description"].is_string());
    assert_eq!(s.host.inspect(|e| e.message_count()), 4);
    assert!(
        !measured || after < before + 8 * 1024,
        "peak memory grew: {before} -> {after} KiB"
    );
}
