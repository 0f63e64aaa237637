//! The curl blocks of a README, as the README check reads them.
//!
//! The convention, which host/README.md states for its readers too:
//!
//! - every `sh` block with a command starting with `curl` is checked; a
//!   checked block holds only `curl` commands (a command continues on the
//!   next line after a trailing `\`);
//! - the `#` lines after a command are its expected output; a line that
//!   starts with `#` and two or more spaces continues the line before it
//!   (its leading spaces dropped); `   (…)` at the end of a line, after
//!   three spaces, is a note for readers; a line that is all a note in
//!   parentheses is not output, and `exit status N` in such a note is the
//!   status the command must end with (0 otherwise); `#` lines before the
//!   first command are comments;
//! - `…` in an expected line stands for any text;
//! - each section (the text under one heading) runs on a fresh
//!   `rest_host --deterministic` with the default world, its blocks in
//!   order; `127.0.0.1:8080` and `localhost:8080` are that host;
//! - an HTML comment right before the block changes how it is checked:
//!   `<!-- readme-check: illustrative -->` (not run: it needs more than
//!   one fresh host, such as a cluster) or `<!-- readme-check: lines in
//!   order -->` (the expected lines must each match a line of the output,
//!   in order, with other lines between them allowed: for `curl -i`).

/// How a block's output is compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compare {
    /// The whole output matches the expected lines.
    Exact,
    /// Each expected line matches an output line, in order.
    LinesInOrder,
}

/// One command and what it must print.
#[derive(Debug)]
pub struct Step {
    /// The README line the command starts on (1-based).
    pub line: usize,
    /// The command as written, continuation lines included.
    pub command: String,
    /// The expected output, one entry per line.
    pub expected: Vec<String>,
    /// The exit status the command must end with.
    pub status: i32,
}

/// One checked block.
#[derive(Debug)]
pub struct Block {
    /// The heading of the section the block is in.
    pub section: String,
    /// The line of the block's opening fence (1-based).
    pub line: usize,
    /// How its output is compared.
    pub compare: Compare,
    /// Its commands, in order.
    pub steps: Vec<Step>,
}

/// What a README holds: the checked blocks in order, and the lines of
/// the blocks that were marked illustrative.
#[derive(Debug, Default)]
pub struct Readme {
    /// The blocks to run, in order.
    pub blocks: Vec<Block>,
    /// The opening lines of blocks marked illustrative.
    pub illustrative: Vec<usize>,
}

const MARKER: &str = "<!-- readme-check:";

/// Reads the checked blocks of `text`, or says which block breaks the
/// convention.
pub fn parse(text: &str) -> Result<Readme, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut readme = Readme::default();
    let (mut section, mut marker, mut index) = (String::new(), None, 0);
    while index < lines.len() {
        let line = lines[index];
        if let Some(lang) = line.trim_start().strip_prefix("```") {
            let end = closing_fence(&lines, index)?;
            let body = &lines[index + 1..end];
            if lang == "sh" && body.iter().any(|l| is_curl(l)) {
                take_block(&mut readme, &section, marker.take(), index + 1, body)?;
            }
            marker = None;
            index = end + 1;
            continue;
        }
        if line.starts_with('#') {
            section = line.trim_start_matches('#').trim().to_owned();
        }
        if !line.trim().is_empty() {
            marker = line
                .trim()
                .strip_prefix(MARKER)
                .map(|m| m.trim_end().trim_end_matches("-->").trim().to_owned());
        }
        index += 1;
    }
    Ok(readme)
}

fn closing_fence(lines: &[&str], open: usize) -> Result<usize, String> {
    (open + 1..lines.len())
        .find(|&i| lines[i].trim() == "```")
        .ok_or_else(|| format!("line {}: a code block that is never closed", open + 1))
}

fn is_curl(line: &str) -> bool {
    line.split_whitespace().next() == Some("curl")
}

fn take_block(
    readme: &mut Readme,
    section: &str,
    marker: Option<String>,
    line: usize,
    body: &[&str],
) -> Result<(), String> {
    let compare = match marker.as_deref() {
        None => Compare::Exact,
        Some("lines in order") => Compare::LinesInOrder,
        Some("illustrative") => {
            readme.illustrative.push(line);
            return Ok(());
        }
        Some(other) => {
            return Err(format!(
                "line {line}: unknown readme-check marker {other:?}"
            ));
        }
    };
    let steps = steps(body, line + 1)?;
    readme.blocks.push(Block {
        section: section.to_owned(),
        line,
        compare,
        steps,
    });
    Ok(())
}

/// Splits a block's lines (the first at README line `first`) into steps.
fn steps(body: &[&str], first: usize) -> Result<Vec<Step>, String> {
    let mut steps: Vec<Step> = Vec::new();
    let mut continued = false;
    for (offset, raw) in body.iter().enumerate() {
        let line = first + offset;
        if continued {
            let step = steps.last_mut().expect("a continuation follows a command");
            step.command.push('\n');
            step.command.push_str(raw);
            continued = raw.ends_with('\\');
        } else if let Some(comment) = raw.strip_prefix('#') {
            if let Some(step) = steps.last_mut() {
                expect(step, comment, line)?;
            }
        } else if !raw.trim().is_empty() {
            if !is_curl(raw) {
                return Err(format!(
                    "line {line}: a checked block runs only curl, not {raw:?} \
                     (split the block, or mark it <!-- readme-check: illustrative -->)"
                ));
            }
            steps.push(Step {
                line,
                command: (*raw).to_owned(),
                expected: Vec::new(),
                status: 0,
            });
            continued = raw.ends_with('\\');
        }
    }
    Ok(steps)
}

/// Adds one `#` line (without its `#`) to a step's expectations.
fn expect(step: &mut Step, comment: &str, line: usize) -> Result<(), String> {
    if comment.starts_with("  ") {
        let last = step
            .expected
            .last_mut()
            .ok_or_else(|| format!("line {line}: a continuation with no line before it"))?;
        last.push_str(strip_note(comment.trim()));
        return Ok(());
    }
    let text = comment.strip_prefix(' ').unwrap_or(comment);
    if text.starts_with('(') && text.ends_with(')') {
        if let Some(status) = text.split("exit status ").nth(1) {
            let digits: String = status.chars().take_while(char::is_ascii_digit).collect();
            step.status = digits
                .parse()
                .map_err(|_| format!("line {line}: no number after `exit status`"))?;
        }
        return Ok(());
    }
    step.expected.push(strip_note(text).to_owned());
    Ok(())
}

/// `text` without a trailing `   (note)`.
fn strip_note(text: &str) -> &str {
    match text.find("   (") {
        Some(at) if text.ends_with(')') => text[..at].trim_end(),
        _ => text,
    }
}

/// Whether `text` matches `pattern`, where `…` in the pattern stands for
/// any run of characters (none included).
pub fn matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    // Where the last `…` was, and the text position it was tried against.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == '…' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((star_p, star_t)) = star {
            // Let the last `…` take one more character and try again.
            star = Some((star_p, star_t + 1));
            p = star_p + 1;
            t = star_t + 1;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '…')
}
