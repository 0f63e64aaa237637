//! The READMEs' curl blocks run as written, against a fresh
//! `rest_host --deterministic` per section, and print what the READMEs
//! say they print (the convention is in `readme_support`, and in
//! host/README.md for its readers).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod readme_support;

use std::path::Path;
use std::process::{Child, Command, Stdio};

use readme_support::{Block, Compare, Step, matches, parse};

/// The READMEs, relative to the host crate.
const READMES: [&str; 2] = ["../README.md", "README.md"];

/// The longest a command may take, through curl's own configuration
/// file (so the command stays as written).
const CURLRC: &str = "max-time = 20\n";

#[test]
fn every_curl_block_of_the_readmes_prints_what_it_says() {
    if Command::new("curl").arg("--version").output().is_err() {
        println!("SKIPPED: no curl on PATH, the README blocks were not run");
        return;
    }
    let mut failures = Vec::new();
    let mut checked = 0;
    for file in READMES {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let readme = parse(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        println!(
            "{file}: {} blocks checked, illustrative at lines {:?}",
            readme.blocks.len(),
            readme.illustrative
        );
        checked += readme.blocks.len();
        for section in sections(&readme.blocks) {
            failures.extend(run_section(file, section));
        }
    }
    assert!(
        checked >= 10,
        "only {checked} curl blocks found: is the convention still followed?"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The blocks grouped by section, in order.
fn sections(blocks: &[Block]) -> Vec<&[Block]> {
    blocks.chunk_by(|a, b| a.section == b.section).collect()
}

/// Runs one section's blocks on a fresh host; the failures, described.
fn run_section(file: &str, blocks: &[Block]) -> Vec<String> {
    let dir = common::scratch("readme-curl");
    std::fs::write(dir.join(".curlrc"), CURLRC).unwrap();
    let (mut host, base) = common::spawn_host(["--deterministic", "--log", "off"], Stdio::null());
    let address = base.strip_prefix("http://").unwrap().to_owned();
    let mut failures = Vec::new();
    for block in blocks {
        for step in &block.steps {
            if let Err(why) = run_step(step, block.compare, &address, &dir) {
                failures.push(format!(
                    "{file}:{} (block at line {}, section {:?}): {}\n{why}",
                    step.line, block.line, block.section, step.command
                ));
            }
        }
    }
    stop(&mut host);
    failures
}

fn stop(host: &mut Child) {
    host.kill().unwrap();
    host.wait().unwrap();
}

/// Runs one command with `sh` in `dir`, the README's address replaced by
/// the host's; why its output or status is not the one expected.
fn run_step(step: &Step, compare: Compare, address: &str, dir: &Path) -> Result<(), String> {
    let command = step
        .command
        .replace("127.0.0.1:8080", address)
        .replace("localhost:8080", address);
    let output = Command::new("sh")
        .arg("-c")
        .arg(&command)
        .current_dir(dir)
        .env("CURL_HOME", dir)
        .output()
        .unwrap();
    let got = String::from_utf8_lossy(&output.stdout).replace('\r', "");
    let got = got.trim_end_matches('\n');
    let status = output.status.code().unwrap_or(-1);
    let same = match compare {
        Compare::Exact => matches(&step.expected.join("\n"), got),
        Compare::LinesInOrder => lines_in_order(&step.expected, got),
    };
    if same && status == step.status {
        return Ok(());
    }
    Err(format!(
        "expected (status {}):\n{}\ngot (status {status}):\n{got}\nstderr: {}",
        step.status,
        step.expected.join("\n"),
        String::from_utf8_lossy(&output.stderr).trim()
    ))
}

/// Whether each expected line matches a line of `got`, in order.
fn lines_in_order(expected: &[String], got: &str) -> bool {
    let mut lines = got.lines();
    expected
        .iter()
        .all(|pattern| lines.any(|line| matches(pattern, line)))
}

#[test]
fn an_ellipsis_stands_for_any_text_and_nothing_else_is_loose() {
    assert!(matches(
        r#"{"result":true,"time":{…}}"#,
        r#"{"result":true,"time":{"start":1.0}}"#
    ));
    assert!(matches("a…b…c", "abc"));
    assert!(matches("a…c", "abbbcbc"));
    assert!(matches("…", ""));
    assert!(!matches("a…c", "abcd"));
    assert!(!matches(r#"{"result":true}"#, r#"{"result":false}"#));
    assert!(!matches("abc", "ab"));
}

#[test]
fn a_block_splits_into_commands_with_their_expected_lines() {
    let text = "## Section\n\n```sh\n# a comment before any command\ncurl -s \\\n  http://127.0.0.1:8080/a\n# {\"a\":1,\n#   \"b\":2}   (joined)\n# (a note)\ncurl -s http://127.0.0.1:8080/b\n# (no output; exit status 52)\n```\n";
    let readme = parse(text).unwrap();
    let [block] = readme.blocks.as_slice() else {
        panic!("{readme:?}")
    };
    assert_eq!(block.section, "Section");
    assert_eq!(block.compare, Compare::Exact);
    let [a, b] = block.steps.as_slice() else {
        panic!("{block:?}")
    };
    assert_eq!(a.command, "curl -s \\\n  http://127.0.0.1:8080/a");
    assert_eq!(a.line, 5);
    assert_eq!(a.expected, ["{\"a\":1,\"b\":2}"]);
    assert_eq!(a.status, 0);
    assert!(b.expected.is_empty());
    assert_eq!(b.status, 52);
}

#[test]
fn markers_make_a_block_illustrative_or_compared_by_lines() {
    let text = "<!-- readme-check: illustrative -->\n\n```sh\ncargo run\ncurl x\n```\n\n<!-- readme-check: lines in order -->\n```sh\ncurl -i x\n# HTTP/1.1 200 OK\n```\n";
    let readme = parse(text).unwrap();
    assert_eq!(readme.illustrative, [3]);
    assert_eq!(readme.blocks.len(), 1);
    assert_eq!(readme.blocks[0].compare, Compare::LinesInOrder);
    assert!(lines_in_order(&["b".into(), "d…".into()], "a\nb\nc\ndone"));
    assert!(!lines_in_order(&["d".into(), "b".into()], "b\nd"));
}

#[test]
fn a_checked_block_that_runs_more_than_curl_is_refused() {
    let error = parse("```sh\ncargo run\ncurl x\n```\n").unwrap_err();
    assert!(
        error.contains("line 2") && error.contains("illustrative"),
        "{error}"
    );
    let error = parse("<!-- readme-check: maybe -->\n```sh\ncurl x\n```\n").unwrap_err();
    assert!(error.contains("unknown readme-check marker"), "{error}");
}
