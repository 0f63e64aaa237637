//! World files: the compiled-in world, refusals that name the entry, and
//! the `rest_host` binary itself.

mod common;

use std::process::{Command, Stdio};

use common::Server;
use imbot_like_host::{DEFAULT_WORLD, Host, World};

fn refusal(world: &str) -> String {
    match Host::from_json(world) {
        Ok(_) => panic!("accepted: {world}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_default_world_parses_and_loads() {
    let world = World::from_json(DEFAULT_WORLD).unwrap();
    assert_eq!(
        (world.apps.len(), world.bots.len(), world.messages.len()),
        (2, 4, 3)
    );
    let s = Server::default_world();
    assert!(s.liked(2, 1));
}

#[test]
fn broken_worlds_are_refused_naming_the_entry() {
    let cases = [
        (
            r#"{"apps":[{"client_id":"a"},{"client_id":"a"}]}"#,
            "apps[1] (client_id \"a\"): client id already registered",
        ),
        (
            r#"{"bots":[{"id":39,"app":"ghost"}]}"#,
            "bots[0] (id 39): unknown app \"ghost\"",
        ),
        (
            r#"{"chats":[{"id":7,"members":[1,1]}]}"#,
            "chats[0] (id 7): member 1 listed twice",
        ),
        (
            r#"{"chats":[{"id":0,"members":[]}]}"#,
            "chats[0] (id 0): chat ids must be positive",
        ),
        (
            r#"{"messages":[{"id":1,"chat":7,"author":1}]}"#,
            "messages[0] (id 1): unknown chat",
        ),
        (
            r#"{"chats":[{"id":7,"members":[1]}],"messages":[{"id":1,"chat":7,"author":1,"likes":[2]}]}"#,
            "messages[0] (id 1): like by user 2: not a member of the message's chat",
        ),
        (
            r#"{"chats":[{"id":7,"members":[1]}],"messages":[{"id":1,"chat":7,"author":1,"likes":[1,1]}]}"#,
            "messages[0] (id 1): like by user 1: the message is already liked",
        ),
        (
            r#"{"apps":[{"client_id":"a","tokens":[{"token":"t"},{"token":"t"}]}]}"#,
            "apps[0] (client_id \"a\").tokens[1] (\"t\"): token already used",
        ),
        (
            r#"{"webhooks":[{"user_id":0,"token":"w"}]}"#,
            "webhooks[0] (user_id 0): user ids must be positive",
        ),
        (r#"{"bots":[], "extra": 1}"#, "unknown field `extra`"),
        (
            r#"{"bots":[{"id":39,"client_id":"h"}]}"#,
            "bots[0] (id 39): client_id needs registered_by",
        ),
        (
            r#"{"bots":[{"id":39,"client_id":"h","registered_by":"1/nope"}]}"#,
            "bots[0] (id 39): \"1/nope\" is not a declared webhook",
        ),
        (
            r#"{"apps":[{"client_id":"a"}],"bots":[{"id":39,"app":"a","client_id":"h"}]}"#,
            "bots[0] (id 39): give either app, or client_id with registered_by",
        ),
        (
            r#"{"apps":[{"client_id":"a"}],"bots":[{"id":39,"app":"a","token":"x"}]}"#,
            "bots[0] (id 39): a bot token belongs to webhook-registered bots only",
        ),
        (
            r#"{"webhooks":[{"user_id":1,"token":"w"}],"bots":[
                {"id":39,"client_id":"h","registered_by":"1/w","driven_by":["1/w","2/w"]}]}"#,
            "bots[0] (id 39): \"2/w\" is not a declared webhook",
        ),
    ];
    for (world, want) in cases {
        let got = refusal(world);
        assert!(got.contains(want), "{got}\n  wanted: {want}");
    }
}

#[test]
fn the_binary_serves_on_a_free_port_and_refuses_bad_worlds() {
    let exe = env!("CARGO_BIN_EXE_rest_host");
    let (mut child, base) = common::spawn_host(["--log", "off"], Stdio::inherit());
    let url =
        format!("{base}/rest/1/w-demo/imbot.message.like.json?CLIENT_ID=hook.demo&MESSAGE_ID=1");
    let answer = common::Answer::from(common::agent().get(&url).call());
    answer.assert_true();
    // SIGTERM: a graceful stop, exit status 0.
    let pid = child.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(sent.success());
    assert!(child.wait().unwrap().success());

    let dir = std::env::temp_dir().join(format!("rest-host-world-{}.json", std::process::id()));
    std::fs::write(&dir, r#"{"bots":[{"id":39,"app":"ghost"}]}"#).unwrap();
    let out = Command::new(exe).arg("--world").arg(&dir).output().unwrap();
    std::fs::remove_file(&dir).unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bots[0] (id 39): unknown app"), "{stderr}");

    let help = Command::new(exe).arg("--help").output().unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--rate-limit"));
    let bad = Command::new(exe)
        .args(["--header-timeout", "0"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
