//! `GET /__cluster/log?from=N&limit=M`: the committed entries of this
//! node's log, a page at a time, under the control API's access rules.
//!
//! ```text
//! {"result": {"node_id": 1, "first": 0, "applied": 812, "next": 257,
//!             "entries": [{"index": 1, "term": 1, "kind": "commands",
//!                          "commands": [{"debug": "HostCommand { … }"}, …]},
//!                         …]}}
//! ```
//!
//! Only entries this node has applied are served (applied means
//! committed), in index order, at most `limit` of them (256 unless
//! asked, 1024 at most). `next` is the index to ask for after this page,
//! `null` once the page reached the last applied entry. `first` is the
//! lowest index the log still holds: entries before it are in a snapshot
//! and purged (a node started with `--keep-log` purges none), and asking
//! for them is answered 410 `LOG_PURGED`. An entry is a blank, a
//! membership change, or a batch of commands applied in order. A command is
//! shown by its debug form with its credentials masked (the values of
//! parameters named as secrets, see [`crate::mask::secret_name`], the
//! code of a caller's webhook, and the randomness a bot token is made
//! from). With `secrets=1`, asked by a loopback peer only (403
//! `ACCESS_DENIED` to any other), it is shown as it is, with the
//! [`crate::HostCommand`] as the log stores it (postcard, see
//! [`crate::HostCommand::decode`]) in lowercase hex as `command`, so a
//! reader can apply it to a [`crate::HostState`] of its own.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::Response;
use openraft::EntryPayload;
use serde_json::{Value, json};

use super::{Node, TypeConfig};
use crate::auth::Caller as AuthCaller;
use crate::guard::{Refusal, is_loopback, peer};
use crate::live::LiveHost;
use crate::portal::Caller;
use crate::reply::json as reply;
use crate::state::{HostCommand, Op};

/// Entries in a page unless `limit` says otherwise.
const PAGE: usize = 256;
/// The most entries a page holds.
const MAX_PAGE: usize = 1024;

/// The page asked for: the first index, the most entries, and whether
/// the commands are shown with their secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Page {
    from: u64,
    limit: usize,
    secrets: bool,
}

impl Page {
    /// `from=N&limit=M&secrets=1`, each optional (0, 256, masked), or
    /// why not.
    fn parse(query: Option<&str>) -> Result<Self, String> {
        let mut page = Self {
            from: 0,
            limit: PAGE,
            secrets: false,
        };
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let number = |what: &str| format!("{what} must be a whole number, not {value:?}");
            match name {
                "from" => page.from = value.parse().map_err(|_| number("from"))?,
                "limit" => page.limit = value.parse().map_err(|_| number("limit"))?,
                "secrets" => {
                    page.secrets = match value {
                        "1" | "true" => true,
                        "0" | "false" => false,
                        _ => return Err(format!("secrets must be 1 or 0, not {value:?}")),
                    }
                }
                _ => return Err(format!("unknown parameter {name:?} (from, limit, secrets)")),
            }
        }
        if (1..=MAX_PAGE).contains(&page.limit) {
            Ok(page)
        } else {
            Err(format!("limit must be between 1 and {MAX_PAGE}"))
        }
    }
}

/// `GET /__cluster/log`.
pub(crate) async fn log(State(live): State<Arc<LiveHost>>, request: Request) -> Response {
    let page = match Page::parse(request.uri().query()) {
        Ok(page) => page,
        Err(why) => return refuse(&why),
    };
    if page.secrets && !is_loopback(peer(&request)) {
        return Refusal::Secrets.response();
    }
    let host = live.host();
    match host.cluster() {
        Some(node) => node.log_page(page),
        None => super::http::not_clustered(),
    }
}

impl Node {
    /// A page of committed entries from `from`, as `/__cluster/log`
    /// answers it.
    fn log_page(&self, page: Page) -> Response {
        let Page {
            from,
            limit,
            secrets,
        } = page;
        let applied = *self.applied.borrow();
        let (entries, first) = self.log.read(from, applied, limit);
        if from < first {
            return reply(
                410,
                &json!({"error": "LOG_PURGED", "first": first,
                        "error_description": format!("Entries before {first} are in a snapshot")}),
            );
        }
        let next = entries
            .last()
            .map(|e| e.log_id.index + 1)
            .filter(|&next| next <= applied);
        let entries: Vec<Value> = entries.iter().map(|e| entry(e, secrets)).collect();
        reply(
            200,
            &json!({"result": {"node_id": self.id, "first": first, "applied": applied,
                               "next": next, "entries": entries}}),
        )
    }
}

/// One entry as the page shows it, its commands with their secrets or
/// masked.
fn entry(entry: &openraft::Entry<TypeConfig>, secrets: bool) -> Value {
    let (index, term) = (entry.log_id.index, entry.log_id.leader_id.term);
    match &entry.payload {
        EntryPayload::Normal(batch) => {
            let commands: Vec<Value> = batch
                .0
                .iter()
                .map(|command| {
                    if secrets {
                        json!({
                            "command": command.encode().map(|bytes| hex(&bytes)).unwrap_or_default(),
                            "debug": format!("{command:?}"),
                        })
                    } else {
                        json!({"debug": masked(command)})
                    }
                })
                .collect();
            json!({"index": index, "term": term, "kind": "commands", "commands": commands})
        }
        EntryPayload::Membership(_) => json!({"index": index, "term": term, "kind": "membership"}),
        EntryPayload::Blank => json!({"index": index, "term": term, "kind": "blank"}),
    }
}

/// A command's debug form with its credentials masked: secret
/// parameters, the code of a caller's webhook, and the randomness a new
/// bot token is made from.
fn masked(command: &HostCommand) -> String {
    let mut command = command.clone();
    match &mut command.op {
        Op::Portal(call) => {
            call.params.mask_secrets();
            if let Caller::Webhook { hook, .. } = &mut call.caller {
                crate::mask::MASK.clone_into(&mut hook.code);
            }
        }
        Op::Keyed(keyed) => {
            if let AuthCaller::Webhook(hook) = &mut keyed.caller {
                crate::mask::MASK.clone_into(&mut hook.code);
            }
        }
        Op::Engine(_) => {}
    }
    let text = format!("{command:?}");
    match text.split_once("entropy: Some(") {
        Some((before, after)) => {
            let rest = after.split_once(')').map_or("", |(_, rest)| rest);
            format!("{before}entropy: Some({}){rest}", crate::mask::MASK)
        }
        None => text,
    }
}

/// Bytes as lowercase hex.
fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// 400 `WRONG_REQUEST`.
fn refuse(why: &str) -> Response {
    reply(
        400,
        &json!({"error": "WRONG_REQUEST", "error_description": why}),
    )
}

#[cfg(test)]
mod tests {
    use imbot_like::UserId;

    use super::{MAX_PAGE, PAGE, Page, masked};
    use crate::auth::WebhookKey;
    use crate::portal::{Caller, Params, PortalMethod};
    use crate::state::{HostCommand, Op, PortalCall};

    #[test]
    fn the_readable_form_of_a_command_masks_its_credentials() {
        let hook = WebhookKey {
            user: UserId::new(1).unwrap(),
            code: "w-demo".into(),
        };
        let command = HostCommand {
            at_ms: 5,
            op: Op::Portal(PortalCall {
                method: PortalMethod::BotRegister,
                caller: Caller::Webhook {
                    hook,
                    client_id: "echo.app".into(),
                },
                params: Params::from_pairs(&[
                    ("auth", "t-demo"),
                    ("BOT_TOKEN", "bot-secret"),
                    ("CODE", "echo"),
                ]),
                entropy: Some(1_234_567_890),
            }),
        };
        let text = masked(&command);
        for secret in ["t-demo", "bot-secret", "w-demo", "1234567890"] {
            assert!(!text.contains(secret), "{secret} shown in {text}");
        }
        assert!(
            text.contains("echo.app") && text.contains("\"CODE\""),
            "{text}"
        );
        assert!(format!("{command:?}").contains("bot-secret"));
    }

    #[test]
    fn a_page_is_from_and_limit_within_bounds() {
        assert_eq!(
            Page::parse(None),
            Ok(Page {
                from: 0,
                limit: PAGE,
                secrets: false
            })
        );
        assert_eq!(
            Page::parse(Some("from=12&limit=3&secrets=1")),
            Ok(Page {
                from: 12,
                limit: 3,
                secrets: true
            })
        );
        let max = format!("limit={MAX_PAGE}");
        assert_eq!(Page::parse(Some(&max)).map(|p| p.limit), Ok(MAX_PAGE));
        for bad in [
            "from=x",
            "limit=0",
            "limit=1025",
            "from=-1",
            "since=3",
            "limit=",
            "secrets=yes",
        ] {
            assert!(Page::parse(Some(bad)).is_err(), "{bad:?} accepted");
        }
    }
}
