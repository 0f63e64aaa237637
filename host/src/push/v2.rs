//! The imbot.v2 events pushed to a bot in webhook mode (see `events`): one
//! form-encoded POST per event to the bot's URL, as the Bitrix24 REST docs'
//! imbot.v2 event pages describe it. The request carries `event`, the
//! event's `data[…]` as a bot in fetch mode reads it but with the bot as
//! `data[bot][id]`, `data[bot][code]` and `data[bot][auth][…]`, then `ts`
//! and `auth[…]`. Every scalar is text, as a form's values are: a number
//! in decimal, `true` and `false` as `1` and `0`, `null` as the empty
//! string.
//!
//! `data[bot][auth]` carries no OAuth tokens (this host issues none):
//! `scope`, `member_id`, `user_id` (the bot) and `application_token`, to
//! which the edge adds `domain` and `client_endpoint`; the top-level
//! `auth` has the `user_id` who acted, `member_id` and the same
//! `application_token` (derived from the bot's client id), and the edge
//! adds `domain`.

use imbot_like::BotId;
use serde_json::Value;

use super::{Delivery, application_token, member_id, trailer};
use crate::events::{Made, REACTION_CHANGE};
use crate::state::HostState;

/// The `ONIMBOTV2REACTIONCHANGE` delivery of `made` to `url`, if its bot
/// is still registered.
pub(crate) fn reaction_change(
    st: &HostState,
    made: &Made,
    url: &str,
    at_ms: u64,
) -> Option<Delivery> {
    let mut data = made.data();
    if let Value::Object(map) = &mut data {
        map.remove("bot");
    }
    build(
        st,
        made.bot,
        REACTION_CHANGE,
        made.user(),
        at_ms,
        url,
        &data,
    )
}

/// The whole request of `event` to `bot`: the event, the bot's block,
/// `data`'s fields, the time and `auth`.
fn build(
    st: &HostState,
    bot: u32,
    event: &'static str,
    actor: u32,
    at_ms: u64,
    url: &str,
    data: &Value,
) -> Option<Delivery> {
    let app = BotId::new(bot).and_then(|b| st.engine.bot_owner(b))?;
    let client_id = st.apps.client_id(app).unwrap_or_default();
    let token = application_token(client_id);
    let code = st
        .registry
        .bots
        .get(&bot)
        .and_then(|meta| meta.code.clone())
        .unwrap_or_else(|| format!("bot{bot}"));
    let auth = |name: &str| format!("data[bot][auth][{name}]");
    let mut fields = vec![
        ("event".to_owned(), event.to_owned()),
        ("data[bot][id]".to_owned(), bot.to_string()),
        ("data[bot][code]".to_owned(), code),
        (auth("scope"), "imbot".to_owned()),
        (auth("member_id"), member_id()),
        (auth("user_id"), bot.to_string()),
        (auth("application_token"), token.clone()),
    ];
    flatten("data", data, &mut fields);
    fields.extend(trailer(at_ms, actor, token));
    Some(Delivery {
        bot,
        event,
        url: url.to_owned(),
        fields,
        domains: vec!["data[bot][auth][domain]".to_owned()],
        endpoints: vec!["data[bot][auth][client_endpoint]".to_owned()],
    })
}

/// `value`'s scalars as form fields under `name` (`name[key][…]`), in
/// order, each as text.
fn flatten(name: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                flatten(&format!("{name}[{key}]"), inner, out);
            }
        }
        Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                flatten(&format!("{name}[{i}]"), inner, out);
            }
        }
        Value::Null => out.push((name.to_owned(), String::new())),
        Value::Bool(b) => out.push((name.to_owned(), if *b { "1" } else { "0" }.to_owned())),
        Value::Number(n) => out.push((name.to_owned(), n.to_string())),
        Value::String(s) => out.push((name.to_owned(), s.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::flatten;
    use serde_json::json;

    #[test]
    fn every_scalar_becomes_text_under_its_nested_name() {
        let mut out = Vec::new();
        let value = json!({"a": {"b": 7, "c": true, "d": false}, "e": null, "f": ["x"]});
        flatten("data", &value, &mut out);
        let pairs: Vec<(&str, &str)> = out.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        assert_eq!(
            pairs,
            [
                ("data[a][b]", "7"),
                ("data[a][c]", "1"),
                ("data[a][d]", "0"),
                ("data[e]", ""),
                ("data[f][0]", "x"),
            ]
        );
    }
}
