//! `GET /__cluster/log?from=N&limit=M`: the committed entries of this
//! node's log, a page at a time, under the control API's access rules.
//!
//! ```text
//! {"result": {"node_id": 1, "first": 0, "applied": 812, "next": 257,
//!             "entries": [{"index": 1, "term": 1, "kind": "commands",
//!                          "commands": [{"command": "0a9c…", "debug": "HostCommand { … }"}, …]},
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
//! membership change, or a batch of commands applied in order. A command is the
//! [`crate::HostCommand`] as the log stores it (postcard, see
//! [`crate::HostCommand::decode`]) in lowercase hex, so a reader can
//! apply it to a [`crate::HostState`] of its own, and its debug form to
//! read.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::response::Response;
use openraft::EntryPayload;
use serde_json::{Value, json};

use super::{Node, TypeConfig};
use crate::live::LiveHost;
use crate::reply::json as reply;

/// Entries in a page unless `limit` says otherwise.
const PAGE: usize = 256;
/// The most entries a page holds.
const MAX_PAGE: usize = 1024;

/// The page asked for: the first index and the most entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Page {
    from: u64,
    limit: usize,
}

impl Page {
    /// `from=N&limit=M`, both optional (0 and 256), or why not.
    fn parse(query: Option<&str>) -> Result<Self, String> {
        let mut page = Self {
            from: 0,
            limit: PAGE,
        };
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let number = |what: &str| format!("{what} must be a whole number, not {value:?}");
            match name {
                "from" => page.from = value.parse().map_err(|_| number("from"))?,
                "limit" => page.limit = value.parse().map_err(|_| number("limit"))?,
                _ => return Err(format!("unknown parameter {name:?} (from, limit)")),
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
pub(crate) async fn log(State(live): State<Arc<LiveHost>>, RawQuery(query): RawQuery) -> Response {
    let page = match Page::parse(query.as_deref()) {
        Ok(page) => page,
        Err(why) => return refuse(&why),
    };
    let host = live.host();
    match host.cluster() {
        Some(node) => node.log_page(page.from, page.limit),
        None => super::http::not_clustered(),
    }
}

impl Node {
    /// A page of committed entries from `from`, as `/__cluster/log`
    /// answers it.
    fn log_page(&self, from: u64, limit: usize) -> Response {
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
        let entries: Vec<Value> = entries.iter().map(entry).collect();
        reply(
            200,
            &json!({"result": {"node_id": self.id, "first": first, "applied": applied,
                               "next": next, "entries": entries}}),
        )
    }
}

/// One entry as the page shows it.
fn entry(entry: &openraft::Entry<TypeConfig>) -> Value {
    let (index, term) = (entry.log_id.index, entry.log_id.leader_id.term);
    match &entry.payload {
        EntryPayload::Normal(batch) => {
            let commands: Vec<Value> = batch
                .0
                .iter()
                .map(|command| {
                    json!({
                        "command": command.encode().map(|bytes| hex(&bytes)).unwrap_or_default(),
                        "debug": format!("{command:?}"),
                    })
                })
                .collect();
            json!({"index": index, "term": term, "kind": "commands", "commands": commands})
        }
        EntryPayload::Membership(_) => json!({"index": index, "term": term, "kind": "membership"}),
        EntryPayload::Blank => json!({"index": index, "term": term, "kind": "blank"}),
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
    use super::{MAX_PAGE, PAGE, Page};

    #[test]
    fn a_page_is_from_and_limit_within_bounds() {
        assert_eq!(
            Page::parse(None),
            Ok(Page {
                from: 0,
                limit: PAGE
            })
        );
        assert_eq!(
            Page::parse(Some("from=12&limit=3")),
            Ok(Page { from: 12, limit: 3 })
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
        ] {
            assert!(Page::parse(Some(bad)).is_err(), "{bad:?} accepted");
        }
    }
}
