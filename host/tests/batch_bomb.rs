//! `batch` work stays bounded by the request: a command that would expand
//! to megabytes through `$result` references is refused with
//! `ERROR_BATCH_LENGTH_EXCEEDED` and runs nothing, and the process's peak
//! memory stays flat. The only test in its file, so the peak is its own.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Server, named_batch, reset_peak, status_kib};

#[test]
fn a_batch_expansion_bomb_is_refused_and_memory_stays_flat() {
    let s = Server::default_world();
    let text = "a".repeat(8_000);
    let reference = "$result[b_read][messages][0][text]";
    // 1,500 references to an 8,000-byte value: 12 MB from a 62 KB body.
    let bomb = reference.repeat(1_500);
    let body = named_batch(&[
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
    let before = status_kib("VmHWM:").unwrap_or(0);
    let answer = s.json("/rest/1/w-demo/batch", &body);
    let after = status_kib("VmHWM:").unwrap_or(0);
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
