//! The page at `/`, rendered by a real headless browser (Debian's
//! `chromium`): after a like over the REST API, the liker appears in the
//! DOM the page's script builds (so the page's own requests pass the
//! control API's browser checks), and no credential of the world or of a
//! logged call's query does. Without a chromium binary the test prints a
//! `SKIPPED:` line and passes, unless `PAGE_TEST_NEEDS_BROWSER=1` is set
//! (`.ci/run` sets it when chromium is installed): then it fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::start_live;
use imbot_like_host::{DEFAULT_WORLD, Settings};

/// The browser binary, if one is installed.
fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser"].iter().find_map(|name| {
        std::env::var_os("PATH")?
            .to_str()?
            .split(':')
            .map(|dir| PathBuf::from(dir).join(name))
            .find(|path| path.is_file())
    })
}

/// The DOM of `url` once its scripts have run, as headless `browser`
/// renders it with a fresh profile named after `name`.
fn dump_dom(browser: &Path, url: &str, name: &str) -> String {
    let profile = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--virtual-time-budget=3000", "--dump-dom"])
        .arg(url)
        .output()
        .expect("chromium runs");
    let _ = std::fs::remove_dir_all(&profile);
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_page_shows_a_like_made_over_rest_and_no_secret() {
    let Some(browser) = chromium() else {
        let needed = std::env::var_os("PAGE_TEST_NEEDS_BROWSER").is_some_and(|v| v == "1");
        assert!(
            !needed,
            "PAGE_TEST_NEEDS_BROWSER=1 but no chromium binary on PATH"
        );
        eprintln!(
            "SKIPPED: the_page_shows_a_like_made_over_rest_and_no_secret: no chromium binary on PATH"
        );
        return;
    };
    let (s, _live) = start_live(DEFAULT_WORLD, Settings::default());
    let posted = s.get("/rest/1/w-demo/im.message.add?DIALOG_ID=chat7&MESSAGE=watch+me");
    assert_eq!(posted.body["result"], 4);
    s.get("/rest/imbot.message.like?auth=t-demo&BOT_ID=39&MESSAGE_ID=4")
        .assert_true();
    let react = "imbot.v2.Chat.Message.Reaction.add?botToken=bot-secret&botId=42&messageId=1";
    s.get(&format!("/rest/1/w-demo/{react}&reaction=fire"))
        .assert_true();
    let dom = dump_dom(&browser, &s.url("/"), "portal-page");
    assert!(
        dom.contains(r#"id="message-4""#),
        "no message 4 in the DOM:\n{dom}"
    );
    assert!(
        dom.contains(r#"data-likers="39""#),
        "no like by 39 in the DOM:\n{dom}"
    );
    assert!(dom.contains("watch me"), "no text in the DOM:\n{dom}");
    assert!(
        dom.contains("im.message.add"),
        "no request log in the DOM:\n{dom}"
    );
    assert!(
        dom.contains("botToken=***"),
        "no masked bot token in the DOM:\n{dom}"
    );
    for secret in ["bot-secret", "t-demo", "w-demo"] {
        assert!(!dom.contains(secret), "{secret} in the DOM:\n{dom}");
    }
}

#[test]
fn the_page_shows_a_messages_keyboard_attachment_and_menu() {
    let Some(browser) = chromium() else {
        let needed = std::env::var_os("PAGE_TEST_NEEDS_BROWSER").is_some_and(|v| v == "1");
        assert!(
            !needed,
            "PAGE_TEST_NEEDS_BROWSER=1 but no chromium binary on PATH"
        );
        eprintln!(
            "SKIPPED: the_page_shows_a_messages_keyboard_attachment_and_menu: no chromium binary on PATH"
        );
        return;
    };
    let (s, _live) = start_live(DEFAULT_WORLD, Settings::default());
    let body = "auth=t-demo&BOT_ID=39&DIALOG_ID=chat7&MESSAGE=Pick+a+page\
        &KEYBOARD[0][TEXT]=Next+page&KEYBOARD[0][COMMAND]=page&KEYBOARD[0][COMMAND_PARAMS]=2\
        &KEYBOARD[1][TEXT]=Docs&KEYBOARD[1][LINK]=https://example.org\
        &ATTACH[0][MESSAGE]=Attached+note&MENU[0][TEXT]=Help+me&MENU[0][COMMAND]=help";
    let posted = s.form("/rest/imbot.message.add", body);
    assert_eq!(posted.body["result"], 4, "{posted:?}");
    let dom = dump_dom(&browser, &s.url("/"), "portal-keyboard");
    assert!(
        dom.contains(r#"data-command="page" data-params="2">Next page</button>"#),
        "no button in the DOM:\n{dom}"
    );
    assert!(
        dom.contains(r#"href="https://example.org""#),
        "no link button in the DOM:\n{dom}"
    );
    assert!(
        dom.contains("Attached note"),
        "no attachment in the DOM:\n{dom}"
    );
    assert!(dom.contains("menu: Help me"), "no menu in the DOM:\n{dom}");
    assert!(
        dom.contains(r#"id="press-user""#),
        "no user to press as:\n{dom}"
    );
}
