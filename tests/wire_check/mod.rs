//! The wire layer's differential check, shared by the `wire` fuzz target
//! and the test that replays its committed seeds: any input, read as a
//! body, a parameter list or a number literal, must never panic and must
//! give the answer of a reference where one exists.
//!
//! The first byte selects how the rest is read:
//! - 0: a raw body. It is read as JSON by both parameter sets (which must
//!   agree on whether it is valid: validity never depends on the names a
//!   method reads), as a form, and compared with `serde_json`'s verdict.
//! - 1: a list of parameters. The same decoded list goes in as pairs, as
//!   a percent-encoded form, as a JSON body and through serde; all four
//!   must read the same parameters.
//! - 2: a number literal built from the bytes, as an id in a JSON body,
//!   compared with a std reference that shifts the decimal point in text.

use imbot_like::wire::{JsonError, LikeParams, Params, ReactionParams};
use imbot_like::{Arg, IdError, MessageId};

/// Runs the check on one input; panics on any disagreement.
pub fn check(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => raw_body(rest),
        1 => parameter_list(rest),
        _ => number_literal(rest),
    }
}

/// Mode 0: arbitrary bytes as a body.
fn raw_body(body: &[u8]) {
    let mut scratch = vec![0u8; body.len()];
    let like = LikeParams::from_json(body, &mut scratch);
    let reaction = ReactionParams::from_json(body, &mut scratch);
    assert_eq!(
        like.as_ref().err(),
        reaction.as_ref().err(),
        "a body's validity depends on the names read"
    );
    if let Ok(text) = core::str::from_utf8(body) {
        LikeParams::from_form(text, &mut scratch).expect("a body-long scratch always suffices");
        ReactionParams::from_form(text, &mut scratch).expect("a body-long scratch always suffices");
    }
    if depth(body) > 100 {
        return;
    }
    let reference = serde_json::from_slice::<serde_json::Value>(body);
    match (&like, &reference) {
        (Ok(_), Err(e)) => assert!(
            serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok(),
            "accepted a body serde_json refuses: {e}"
        ),
        (Err(JsonError::NotAnObject), Ok(value)) => assert!(!value.is_object()),
        (Err(e), Ok(value)) => {
            assert!(!value.is_object(), "refused a JSON object as {e:?}")
        }
        _ => {}
    }
    if let (Ok(like), Ok(serde_json::Value::Object(_))) = (&like, &reference) {
        let through_serde: LikeParams = serde_json::from_slice(body).expect("an object");
        assert_eq!(
            (&like.action, &like.auth, &like.client_id),
            (
                &through_serde.action,
                &through_serde.auth,
                &through_serde.client_id
            ),
        );
    }
}

/// The deepest nesting of brackets outside strings, roughly: enough to
/// keep the comparison within `serde_json`'s recursion limit.
fn depth(body: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0, false, false);
    for &b in body {
        match (in_string, escaped, b) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (true, false, b'"') | (false, _, b'"') => in_string = !in_string,
            (false, _, b'[' | b'{') => depth += 1,
            (false, _, b']' | b'}') => depth = depth.saturating_sub(1),
            _ => {}
        }
        deepest = deepest.max(depth);
    }
    deepest
}

/// The names the sets read, in several cases, and some they do not.
const NAMES: &[&str] = &[
    "BOT_ID",
    "bot_id",
    "MESSAGE_ID",
    "Message_Id",
    "ACTION",
    "action",
    "CLIENT_ID",
    "auth",
    "AUTH",
    "botId",
    "BOTID",
    "messageId",
    "reaction",
    "REACTION",
    "botToken",
    "other",
    "",
    "BOT_ID ",
    "bot%id",
];

/// Values worth trying, besides arbitrary text.
const VALUES: &[&str] = &[
    "39",
    "1",
    "0",
    "-1",
    "007",
    "4294967296",
    "9223372036854775808",
    "plus",
    "MINUS",
    "auto",
    "like",
    "redHeart",
    "",
    " ",
    "t-demo",
    "a&b=c",
    "%",
    "+",
    "\u{e9}",
    "\u{1f600}",
];

/// Mode 1: the same decoded parameters through every source.
fn parameter_list(data: &[u8]) {
    let pairs = decode_pairs(data);
    let borrowed: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    same_everywhere::<LikeParams>(&borrowed);
    same_everywhere::<ReactionParams>(&borrowed);
}

/// Reads name/value pairs: a byte below 0x20 picks a known name or value
/// by index, any other run of bytes up to the next 0x1f is its text.
fn decode_pairs(data: &[u8]) -> Vec<(String, String)> {
    let mut items = data
        .split(|&b| b == 0x1f)
        .enumerate()
        .map(|(i, chunk)| match chunk {
            [pick] if *pick < 0x1f => {
                let table = if i % 2 == 0 { NAMES } else { VALUES };
                table[usize::from(*pick) % table.len()].to_owned()
            }
            _ => String::from_utf8_lossy(chunk).into_owned(),
        });
    let mut pairs = Vec::new();
    while let Some(name) = items.next() {
        pairs.push((name, items.next().unwrap_or_default()));
    }
    pairs
}

/// Checks that pairs, a form, a JSON body and serde read `pairs` alike.
fn same_everywhere<P>(pairs: &[(&str, &str)])
where
    P: Params + PartialEq + core::fmt::Debug + serde::de::DeserializeOwned,
{
    let expected = P::from_pairs(pairs.iter().copied());
    let form = pairs
        .iter()
        .map(|(n, v)| format!("{}={}", percent(n), percent(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut scratch = vec![0u8; form.len()];
    let from_form = P::from_form(&form, &mut scratch).expect("a form-long scratch suffices");
    assert_eq!(from_form, expected, "form {form:?}");

    let members = pairs
        .iter()
        .map(|(n, v)| format!("{}:{}", json_string(n), json_string(v)))
        .collect::<Vec<_>>()
        .join(",");
    let body = format!("{{{members}}}");
    let mut scratch = vec![0u8; body.len()];
    let from_json = P::from_json(body.as_bytes(), &mut scratch).expect("a valid body");
    assert_eq!(from_json, expected, "JSON {body}");
    let through_serde: P = serde_json::from_str(&body).expect("a valid body");
    assert_eq!(through_serde, expected, "serde {body}");
}

/// Percent-encodes every byte but ASCII letters and digits, and a space
/// as `+`.
fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b' ' => "+".to_owned(),
            b if b.is_ascii_alphanumeric() => char::from(b).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// A JSON string literal: control characters, quotes and backslashes
/// escaped, other characters as `\u` escapes or raw, alternating.
fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for (i, c) in text.chars().enumerate() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 || i % 3 == 1 => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Mode 2: a number literal `-?D+(.D+)?(e[+-]?D+)?` from the bytes,
/// against a reference.
fn number_literal(data: &[u8]) {
    let literal = build_literal(data);
    let body = format!(r#"{{"MESSAGE_ID":{literal},"messageId":{literal}}}"#);
    let mut scratch = [0u8; 8];
    let like = LikeParams::from_json(body.as_bytes(), &mut scratch).expect("a valid body");
    let reaction = ReactionParams::from_json(body.as_bytes(), &mut scratch).expect("a valid body");
    let expected = reference_message_id(&literal);
    assert_eq!(like.message, expected, "{literal}");
    assert_eq!(reaction.message, expected, "{literal}");
}

/// A literal with digits from the bytes; its shape from the first byte.
fn build_literal(data: &[u8]) -> String {
    let Some((&shape, rest)) = data.split_first() else {
        return "0".to_owned();
    };
    let digits: String = rest.iter().map(|b| char::from(b'0' + b % 10)).collect();
    let cut = |s: &str, at: usize| {
        let at = at.min(s.len());
        (s[..at].to_owned(), s[at..].to_owned())
    };
    let (whole, rest) = cut(&digits, usize::from(shape >> 4) + 1);
    let (fraction, exponent) = cut(&rest, usize::from(shape & 0x07));
    let mut whole = whole.trim_start_matches('0').to_owned();
    if whole.is_empty() {
        whole.push('0');
    }
    let mut literal = String::new();
    if shape & 0x08 != 0 {
        literal.push('-');
    }
    literal.push_str(&whole);
    if !fraction.is_empty() {
        literal.push('.');
        literal.push_str(&fraction);
    }
    if !exponent.is_empty() {
        literal.push(if exponent.len() % 2 == 0 { 'e' } else { 'E' });
        let exponent = &exponent[..exponent.len().min(6)];
        match exponent.len() % 3 {
            0 => literal.push('-'),
            1 => literal.push('+'),
            _ => {}
        }
        literal.push_str(exponent);
    }
    literal
}

/// The reference: shift the decimal point in text, then read the
/// integer part and check the fraction part is all zeros.
fn reference_message_id(literal: &str) -> Arg<MessageId> {
    let (negative, unsigned) = match literal.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, literal),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (
            &unsigned[..at],
            unsigned[at + 1..].parse::<i64>().expect("digits"),
        ),
        None => (unsigned, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{whole}{fraction}");
    let point = whole.len() as i64 + exponent;
    let (int_part, frac_part) = if point <= 0 {
        (String::new(), digits.clone())
    } else if point as usize >= digits.len() {
        let zeros = (point as usize - digits.len()).min(100);
        (format!("{digits}{}", "0".repeat(zeros)), String::new())
    } else {
        (
            digits[..point as usize].to_owned(),
            digits[point as usize..].to_owned(),
        )
    };
    let int_part = int_part.trim_start_matches('0');
    if digits.chars().all(|c| c == '0') {
        return Arg::Invalid(IdError::NotPositive);
    }
    if frac_part.chars().any(|c| c != '0') {
        return Arg::Invalid(IdError::NotANumber);
    }
    if negative {
        return Arg::Invalid(IdError::NotPositive);
    }
    match int_part.parse::<u128>() {
        Ok(value) if value <= u128::from(MessageId::MAX) => {
            Arg::Given(MessageId::new(value as u64).expect("in range"))
        }
        _ => Arg::Invalid(IdError::TooLarge),
    }
}
