//! `batch`: named and listed commands as form fields or JSON, each
//! answered as on its own under the batch's credentials; `halt`; a
//! failing command among successes; the 50-command limit; no nesting;
//! the cap on a substituted value.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Server, named_batch};
use serde_json::{Value, json};

/// Percent-encodes a command for a form field.
fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn without_time(mut value: Value) -> Value {
    if let Some(map) = value.as_object_mut() {
        map.remove("time");
    }
    value
}

#[test]
fn named_commands_are_answered_as_on_their_own() {
    let s = Server::default_world();
    let body = format!(
        "cmd[like]={}&cmd[bad]={}&cmd[read]={}",
        enc("im.message.like?MESSAGE_ID=1"),
        enc("im.message.like?MESSAGE_ID=999"),
        enc("im.dialog.messages.get?DIALOG_ID=chat7&LIKE=Y"),
    );
    let answer = s.form("/rest/1/w-demo/batch", &body);
    assert_eq!(answer.status, 200, "{answer:?}");
    let result = &answer.body["result"];
    assert_eq!(result["result"]["like"], true);
    assert!(result["result"]["read"].is_object(), "{answer:?}");
    assert!(result["result"].get("bad").is_none());
    let alone = s.get("/rest/1/w-demo/im.message.like?MESSAGE_ID=999");
    assert_eq!(result["result_error"]["bad"], alone.body, "{answer:?}");
    assert!(result["result_time"]["like"]["start"].is_f64());
    assert!(result["result_time"].get("bad").is_none());
    assert!(answer.body["time"]["start"].is_f64());
    assert!(s.liked(1, 1));
    let read = s.get("/rest/1/w-demo/im.dialog.messages.get?DIALOG_ID=chat7&LIKE=Y");
    assert_eq!(
        without_time(result["result"]["read"].clone()),
        without_time(read.body["result"].clone())
    );
}

#[test]
fn listed_commands_in_json_answer_with_arrays() {
    let s = Server::default_world();
    let body = json!({
        "auth": "t-demo",
        "cmd": [
            "imbot.message.like?BOT_ID=39&MESSAGE_ID=1",
            "imbot.message.like?BOT_ID=39&MESSAGE_ID=2",
        ],
    });
    let answer = s.json("/rest/batch.json", &body.to_string());
    assert_eq!(answer.status, 200, "{answer:?}");
    let result = &answer.body["result"];
    assert_eq!(result["result"], json!([true, true]));
    assert_eq!(result["result_error"], json!([]));
    assert_eq!(result["result_time"].as_array().map(Vec::len), Some(2));
    assert!(s.liked(1, 39) && s.liked(2, 39));
    let form = format!(
        "auth=t-demo&cmd[0]={}&cmd[1]={}",
        enc("imbot.message.like?BOT_ID=39&MESSAGE_ID=1"),
        enc("imbot.message.like?BOT_ID=39&MESSAGE_ID=2")
    );
    let again = s.form("/rest/batch", &form);
    assert_eq!(again.body["result"]["result"], json!([true, true]));
    assert!(!s.liked(1, 39) && !s.liked(2, 39));
}

#[test]
fn commands_use_the_batchs_own_credentials() {
    let s = Server::default_world();
    let body = json!({"cmd": {"a": "imbot.message.like?BOT_ID=39&MESSAGE_ID=1"}});
    let answer = s.json("/rest/batch", &body.to_string());
    assert_eq!(
        answer.body["result"]["result_error"]["a"]["error"],
        "NO_AUTH_FOUND"
    );
    let body = json!({
        "auth": "t-other",
        "cmd": {"a": "imbot.message.like?BOT_ID=39&MESSAGE_ID=1&auth=t-demo"},
    });
    let answer = s.json("/rest/batch", &body.to_string());
    let error = &answer.body["result"]["result_error"]["a"]["error"];
    assert_eq!(error, "APP_ID_ERROR", "{answer:?}");
    assert!(!s.liked(1, 39));
}

#[test]
fn halt_stops_at_the_first_failure() {
    for (halt, ran) in [(1, false), (0, true)] {
        let s = Server::default_world();
        let body = json!({
            "halt": halt,
            "cmd": {
                "a": "im.message.like?MESSAGE_ID=1",
                "b": "im.message.like?MESSAGE_ID=999",
                "c": "im.message.like?MESSAGE_ID=3",
            },
        });
        let answer = s.json("/rest/1/w-demo/batch", &body.to_string());
        let result = &answer.body["result"];
        assert_eq!(result["result"]["a"], true, "{answer:?}");
        assert_eq!(result["result_error"]["b"]["error"], "WITHOUT_CHANGES");
        assert_eq!(result["result"].get("c").is_some(), ran, "{answer:?}");
        assert_eq!(s.liked(3, 1), ran);
    }
}

#[test]
fn at_most_fifty_commands() {
    let s = Server::default_world();
    let commands = |n: usize| -> Value {
        (0..n)
            .map(|_| Value::from("im.dialog.messages.get?DIALOG_ID=chat7"))
            .collect::<Vec<_>>()
            .into()
    };
    let fifty = json!({"cmd": commands(50)});
    let answer = s.json("/rest/1/w-demo/batch", &fifty.to_string());
    assert_eq!(
        answer.body["result"]["result"].as_array().map(Vec::len),
        Some(50)
    );
    let over = json!({"cmd": commands(51)});
    let answer = s.json("/rest/1/w-demo/batch", &over.to_string());
    answer.assert_error(400, "ERROR_BATCH_LENGTH_EXCEEDED");
}

#[test]
fn a_batch_inside_a_batch_is_refused() {
    let s = Server::default_world();
    let body = json!({"cmd": {"inner": "batch?cmd[x]=imbot.bot.list"}});
    let answer = s.json("/rest/1/w-demo/batch", &body.to_string());
    let error = &answer.body["result"]["result_error"]["inner"]["error"];
    assert_eq!(error, "ERROR_BATCH_METHOD_NOT_ALLOWED", "{answer:?}");
}

#[test]
fn a_keyed_batch_retried_acts_once_per_command() {
    let s = Server::default_world();
    let body = json!({"cmd": {"a": "im.message.like?MESSAGE_ID=1"}}).to_string();
    for _ in 0..2 {
        let sent = common::agent()
            .post(&s.url("/rest/1/w-demo/batch"))
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", "batch-1")
            .send(body.as_str());
        let answer = common::Answer::from(sent);
        assert_eq!(answer.body["result"]["result"]["a"], true, "{answer:?}");
    }
    assert!(s.liked(1, 1), "the toggle ran once");
}

#[test]
fn result_references_take_an_earlier_commands_value() {
    let s = Server::default_world();
    // Raw text: the commands run in the order sent.
    let body = r#"{"halt": 1, "cmd": {
        "post": "im.message.add?DIALOG_ID=chat7&MESSAGE=hi",
        "like": "im.message.like?MESSAGE_ID=$result[post]"
    }}"#;
    let answer = s.json("/rest/1/w-demo/batch", body);
    let posted = answer.body["result"]["result"]["post"].as_u64();
    let posted = posted.unwrap_or_else(|| panic!("{answer:?}"));
    assert_eq!(answer.body["result"]["result"]["like"], true, "{answer:?}");
    assert!(s.liked(posted, 1));
}

#[test]
fn a_substituted_value_over_the_cap_is_refused() {
    let s = Server::default_world();
    let text = "b".repeat(9_000);
    let copy = "im.message.add?DIALOG_ID=chat7&MESSAGE=$result[b_read][messages][0][text]";
    let body = named_batch(&[
        (
            "a_post",
            format!("im.message.add?DIALOG_ID=chat7&MESSAGE={text}"),
        ),
        (
            "b_read",
            "im.dialog.messages.get?DIALOG_ID=chat7".to_owned(),
        ),
        ("c_copy", copy.to_owned()),
        (
            "d_small",
            "im.message.add?DIALOG_ID=chat7&MESSAGE=$result[a_post]".to_owned(),
        ),
    ]);
    let answer = s.json("/rest/1/w-demo/batch", &body);
    let result = &answer.body["result"];
    let error = &result["result_error"]["c_copy"]["error"];
    assert_eq!(error, "ERROR_BATCH_LENGTH_EXCEEDED", "{answer:?}");
    // Without halt, the batch goes on; a small value is substituted.
    assert_eq!(result["result"]["d_small"], 5, "{answer:?}");
}
