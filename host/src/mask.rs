//! Masking credentials before anything leaves the host: the world shown
//! by the page and dumped by the control API, the request log, the
//! scenarios listed, and the log line on stderr.
//!
//! A credential is replaced by [`MASK`]: every OAuth access token, every
//! webhook code (in a world, in `registered_by` and `driven_by`, and in a
//! `/rest/{user}/{code}/…` path), every bot token, and the value of every
//! parameter whose name is a secret's (see [`secret_name`]).

use axum::http::Uri;
use serde_json::Value;

use crate::world::World;

/// What a masked credential reads as.
pub const MASK: &str = "***";

/// Whether a parameter of this name carries a credential: `auth` and
/// `auth[…]`, and any name that contains `token`, `secret` or `password`
/// in any case, underscores aside (`botToken`, `BOT_TOKEN`,
/// `application_token`, `access_token`, `client_secret`, the control
/// API's `token`).
#[must_use]
pub fn secret_name(name: &str) -> bool {
    let plain: String = name
        .chars()
        .filter(|&c| c != '_')
        .flat_map(char::to_lowercase)
        .collect();
    plain == "auth"
        || plain.starts_with("auth[")
        || ["token", "secret", "password"]
            .iter()
            .any(|word| plain.contains(word))
}

/// A path with the webhook code of a `/rest/{user}/{code}/…` path masked.
#[must_use]
pub fn path(path: &str) -> String {
    MaskedPath(path).to_string()
}

/// A path as [`path`] masks it, written where it is displayed (the log's
/// span field) without a string of its own.
#[derive(Debug, Clone, Copy)]
pub struct MaskedPath<'a>(pub &'a str);

impl<'a> MaskedPath<'a> {
    /// The masked path in pieces, to be written one after another: the
    /// path itself, or `/rest/`, the user, a slash, the mask in place of
    /// the code, and what follows the code.
    #[must_use]
    pub fn pieces(self) -> [&'a str; 5] {
        // The code is the fourth segment: `/rest/{user}/{code}…`.
        let Some((user, after)) = self
            .0
            .strip_prefix("/rest/")
            .and_then(|rest| rest.split_once('/'))
        else {
            return [self.0, "", "", "", ""];
        };
        let tail = after.find('/').map_or("", |at| &after[at..]);
        ["/rest/", user, "/", MASK, tail]
    }
}

impl std::fmt::Display for MaskedPath<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.pieces()
            .iter()
            .try_for_each(|piece| f.write_str(piece))
    }
}

/// A query string with the value of each secret parameter masked.
#[must_use]
pub fn query(query: &str) -> String {
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if secret_name(&decoded(name)) => format!("{name}={MASK}"),
            _ => pair.to_owned(),
        })
        .collect();
    pairs.join("&")
}

/// A name percent-decoded as a call's are.
fn decoded(name: &str) -> String {
    crate::input::decode(name)
}

/// The path and query of a URI, masked.
#[must_use]
pub fn uri(uri: &Uri) -> String {
    let mut text = path(uri.path());
    if let Some(q) = uri.query() {
        text.push('?');
        text.push_str(&query(q));
    }
    text
}

/// A world with every credential masked: access tokens, webhook codes
/// (also in `registered_by` and `driven_by`, whose user ids stay) and bot
/// tokens. A masked world is for reading, not for loading again.
pub fn world(world: &mut World) {
    for token in world.apps.iter_mut().flat_map(|app| app.tokens.iter_mut()) {
        token.token = MASK.to_owned();
    }
    for webhook in &mut world.webhooks {
        webhook.token = MASK.to_owned();
    }
    for bot in &mut world.bots {
        if let Some(token) = &mut bot.token {
            *token = MASK.to_owned();
        }
        if let Some(hook) = &mut bot.registered_by {
            *hook = webhook(hook);
        }
        for hook in bot.driven_by.iter_mut().flatten() {
            *hook = webhook(hook);
        }
    }
}

/// A webhook written `"{user}/{code}"` with its code masked.
fn webhook(text: &str) -> String {
    let user = text.split_once('/').map_or("", |(user, _)| user);
    format!("{user}/{MASK}")
}

/// A JSON value with the value of each object member whose name is a
/// secret's masked, at any depth.
pub fn json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (name, member) in map.iter_mut() {
                if secret_name(name) {
                    *member = Value::String(MASK.to_owned());
                } else {
                    json(member);
                }
            }
        }
        Value::Array(list) => list.iter_mut().for_each(json),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use axum::http::Uri;
    use serde_json::json;

    use super::{path, secret_name, uri};
    use crate::world::World;

    #[test]
    fn secret_names_in_any_spelling() {
        for name in [
            "auth",
            "AUTH",
            "auth[application_token]",
            "botToken",
            "BOT_TOKEN",
            "bottoken",
            "application_token",
            "access_token",
            "refresh_token",
            "client_secret",
            "token",
        ] {
            assert!(secret_name(name), "{name}");
        }
        for name in ["MESSAGE_ID", "botId", "DIALOG_ID", "author", "CLIENT_ID"] {
            assert!(!secret_name(name), "{name}");
        }
    }

    #[test]
    fn uris_lose_webhook_codes_and_secret_parameters() {
        let text = "/rest/1/w-demo/im.message.add?AUTH=t&DIALOG_ID=chat7&bot%54oken=b&BOT_TOKEN=c";
        let parsed: Uri = text.parse().unwrap_or_default();
        assert_eq!(
            uri(&parsed),
            "/rest/1/***/im.message.add?AUTH=***&DIALOG_ID=chat7&bot%54oken=***&BOT_TOKEN=***"
        );
        assert_eq!(path("/rest/1/w-demo/"), "/rest/1/***/");
        assert_eq!(path("/rest/1/w-demo"), "/rest/1/***");
        assert_eq!(path("/rest/im.message.add"), "/rest/im.message.add");
        assert_eq!(path("/"), "/");
        // The fourth segment, whatever the others, as splitting the path
        // at each slash and joining it again with that one replaced.
        for sent in [
            "",
            "/rest",
            "/rest/",
            "/rest/a",
            "/rest/a/",
            "/rest/a/b",
            "/rest//b",
            "/rest///",
            "/rest/1/c/m/x/",
            "/x/rest/1/c",
            "rest/1/c/m",
            "/REST/1/c/m",
        ] {
            let mut segments: Vec<&str> = sent.split('/').collect();
            if let ["", "rest", _, code, ..] = segments.as_mut_slice() {
                *code = super::MASK;
            }
            assert_eq!(path(sent), segments.join("/"), "{sent}");
        }
    }

    #[test]
    fn a_world_keeps_no_credential() {
        let text = crate::DEFAULT_WORLD;
        let mut world = World::from_json(text).unwrap_or_default();
        super::world(&mut world);
        let shown = serde_json::to_string(&world).unwrap_or_default();
        for secret in [
            "t-demo",
            "t-other",
            "w-demo",
            "w-other",
            "w-tasks",
            "bot-secret",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        let bot = world.bots.iter().find(|b| b.id == 42);
        assert_eq!(bot.and_then(|b| b.registered_by.as_deref()), Some("1/***"));
    }

    #[test]
    fn json_members_with_secret_names_are_masked_at_any_depth() {
        let mut value =
            json!({"params": {"botToken": "b", "BOT_ID": "42"}, "list": [{"auth": "t"}]});
        super::json(&mut value);
        assert_eq!(
            value,
            json!({"params": {"botToken": "***", "BOT_ID": "42"}, "list": [{"auth": "***"}]})
        );
    }
}
