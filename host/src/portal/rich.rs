//! What a message carries besides its text: a keyboard (`KEYBOARD`), an
//! attachment (`ATTACH`) and a menu (`MENU`), each read from nested form
//! names, a JSON body or JSON text (see `Params::tree`), checked the way
//! portals check them, and kept as the JSON text of the checked value.
//!
//! - A keyboard is a list of buttons, or `{"BUTTONS": [...]}`. A button
//!   needs a non-blank `TEXT` and either a `LINK` (`/…` or `http(s)://…`)
//!   or a non-blank `COMMAND` (a leading `/` is dropped); `TYPE=NEWLINE`
//!   breaks the row. A button without them is dropped, as portals drop
//!   it; a keyboard left with nothing is `KEYBOARD_ERROR`. Each kept
//!   button is written with the fields portals give it (`BOT_ID`, `TYPE`,
//!   `TEXT`, `LINK` or `COMMAND` and `COMMAND_PARAMS`, `BLOCK`,
//!   `DISABLED`, `DISPLAY`, `VOTE`, and `WIDTH`, `BG_COLOR`, `TEXT_COLOR`
//!   when valid).
//! - An attachment is a list of blocks, or `{"ID", "COLOR", "BLOCKS"}`.
//!   Only its shape is checked: each block an object naming a known block
//!   kind (`MESSAGE`, `LINK`, `IMAGE`, `FILE`, `DELIMITER`, `GRID`,
//!   `USER`, `CHAT`, `HTML`, `RICH_LINK`); others are dropped, and an
//!   attachment left with none is `ATTACH_ERROR`. What a block holds is
//!   stored as given.
//! - A menu is a list of items, or `{"ITEMS": [...]}`; an item needs a
//!   non-blank `TEXT` and a `LINK` or a `COMMAND`; a menu left with none
//!   is `MENU_ERROR`.
//! - Each checked value's JSON must stay under 60 000 bytes
//!   (`KEYBOARD_OVERSIZE`, `ATTACH_OVERSIZE`, `MENU_OVERSIZE`).

use serde_json::{Map, Value, json};

use super::errors::PortalError;
use super::params::{Params, is_http_url};
use super::registry::Rich;

/// The JSON text of a checked value must be shorter than this.
pub(crate) const MAX_JSON: usize = 60_000;

/// Block kinds an attachment may hold.
const BLOCKS: [&str; 10] = [
    "MESSAGE",
    "LINK",
    "IMAGE",
    "FILE",
    "DELIMITER",
    "GRID",
    "USER",
    "CHAT",
    "HTML",
    "RICH_LINK",
];

/// One of a call's `KEYBOARD`, `ATTACH` or `MENU`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Field {
    /// Not given: an update leaves it as it is.
    Absent,
    /// Given empty or as `N`: an update removes it.
    Clear,
    /// Given and checked: its JSON text.
    Set(String),
}

impl Field {
    /// The field's value after a message's `current` one.
    pub(crate) fn after(self, current: Option<String>) -> Option<String> {
        match self {
            Self::Absent => current,
            Self::Clear => None,
            Self::Set(text) => Some(text),
        }
    }
}

/// A call's three fields, checked.
#[derive(Debug, Clone)]
pub(crate) struct Fields {
    pub(crate) keyboard: Field,
    pub(crate) attach: Field,
    pub(crate) menu: Field,
}

impl Fields {
    /// Reads and checks `ATTACH`, `KEYBOARD` and `MENU` (in the portal's
    /// order) for a message of `bot` (`None`: a user's message, which
    /// cannot carry a keyboard or a menu: their buttons belong to a bot).
    pub(crate) fn read(params: &Params, bot: Option<u32>) -> Result<Self, PortalError> {
        let attach = field(params, "ATTACH", attachment)?;
        let keyboard = field(params, "KEYBOARD", |v| {
            bot.and_then(|bot| keyboard(v, bot))
                .ok_or(PortalError::KeyboardError)
        })?;
        let menu = field(params, "MENU", |v| {
            bot.and_then(|bot| menu(v, bot))
                .ok_or(PortalError::MenuError)
        })?;
        Ok(Self {
            keyboard,
            attach,
            menu,
        })
    }

    /// Whether any of the three was given.
    pub(crate) fn any(&self) -> bool {
        [&self.keyboard, &self.attach, &self.menu]
            .iter()
            .any(|f| **f != Field::Absent)
    }

    /// A message's fields after these are applied to `current`.
    pub(crate) fn apply(self, current: &Rich) -> Rich {
        Rich {
            keyboard: self.keyboard.after(current.keyboard.clone()),
            attach: self.attach.after(current.attach.clone()),
            menu: self.menu.after(current.menu.clone()),
        }
    }
}

/// Reads `name`: absent, cleared (empty or `N`), or checked by `check`,
/// whose value must stay under [`MAX_JSON`] characters of JSON.
fn field(
    params: &Params,
    name: &str,
    check: impl FnOnce(&Value) -> Result<Value, PortalError>,
) -> Result<Field, PortalError> {
    let too_deep = || match name {
        "KEYBOARD" => PortalError::KeyboardError,
        "ATTACH" => PortalError::AttachError,
        _ => PortalError::MenuError,
    };
    let Some(value) = params.tree(name).map_err(|_| too_deep())? else {
        return Ok(Field::Absent);
    };
    let cleared = match &value {
        Value::String(text) => text.trim().is_empty() || text == "N",
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        _ => false,
    };
    if cleared {
        return Ok(Field::Clear);
    }
    let checked = check(&value)?;
    // Kept values are parsed again when read (at most 128 levels), so one
    // deeper than form names may nest is refused now rather than lost then.
    if depth(&checked) > MAX_DEPTH {
        return Err(too_deep());
    }
    let text = checked.to_string();
    // Portals count the JSON text's characters, not its bytes.
    if text.chars().count() >= MAX_JSON {
        return Err(match name {
            "KEYBOARD" => PortalError::KeyboardOversize,
            "ATTACH" => PortalError::AttachOversize,
            _ => PortalError::MenuOversize,
        });
    }
    Ok(Field::Set(text))
}

/// How deep a kept value may nest: as deep as a form field's name may.
const MAX_DEPTH: usize = 64;

/// How many arrays and objects deep `value` nests (a scalar is 0).
fn depth(value: &Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(value, 0)];
    while let Some((value, level)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        deepest = deepest.max(level + 1);
        stack.extend(children.map(|child| (child, level + 1)));
    }
    deepest
}

/// The list of `value`, or of its `key` when it is an object with one.
fn items<'a>(value: &'a Value, key: &str) -> Option<&'a Vec<Value>> {
    match value {
        Value::Array(items) => Some(items),
        Value::Object(map) => map.get(key)?.as_array(),
        _ => None,
    }
}

/// A non-blank string field.
fn text<'a>(item: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    item.get(name)?.as_str().filter(|t| !t.trim().is_empty())
}

/// `#rgb` or `#rrggbb`.
fn is_color(value: &str) -> bool {
    let hex = value.strip_prefix('#').unwrap_or("-");
    matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A link a button or item may open: a path or an http(s) URL.
fn is_link(value: &str) -> bool {
    value.starts_with('/') || is_http_url(value)
}

/// The buttons of a keyboard of `bot`, or `None` when none is valid.
fn keyboard(value: &Value, bot: u32) -> Option<Value> {
    let vote = value.get("VOTE").and_then(Value::as_str) == Some("Y");
    let buttons: Vec<Value> = items(value, "BUTTONS")?
        .iter()
        .filter_map(Value::as_object)
        .filter_map(|b| button(b, bot, vote))
        .collect();
    (!buttons.is_empty()).then_some(Value::Array(buttons))
}

/// One button as portals keep it, or `None` when it is dropped.
fn button(item: &Map<String, Value>, bot: u32, vote: bool) -> Option<Value> {
    if item.get("TYPE").and_then(Value::as_str) == Some("NEWLINE") {
        return Some(json!({ "TYPE": "NEWLINE" }));
    }
    let label = text(item, "TEXT")?.trim();
    let flag = |name: &str| {
        if text(item, name) == Some("Y") {
            "Y"
        } else {
            "N"
        }
    };
    let mut button = json!({ "BOT_ID": bot, "TYPE": "BUTTON" });
    if let Some(link) = text(item, "LINK").filter(|l| is_link(l)) {
        button["LINK"] = json!(link);
    } else if let Some(command) = text(item, "COMMAND") {
        let params = text(item, "COMMAND_PARAMS").unwrap_or_default();
        button["COMMAND"] = json!(command.strip_prefix('/').unwrap_or(command));
        button["COMMAND_PARAMS"] = json!(params);
    } else {
        return None;
    }
    button["TEXT"] = json!(label);
    button["VOTE"] = json!(if vote { "Y" } else { "N" });
    button["BLOCK"] = json!(flag("BLOCK"));
    button["DISABLED"] = json!(flag("DISABLED"));
    let display = text(item, "DISPLAY").filter(|d| matches!(*d, "BLOCK" | "LINE"));
    button["DISPLAY"] = json!(display.unwrap_or("BLOCK"));
    button["WAIT"] = json!("N");
    let context = text(item, "CONTEXT").filter(|c| matches!(*c, "MOBILE" | "DESKTOP"));
    button["CONTEXT"] = json!(context.unwrap_or("ALL"));
    let width = text(item, "WIDTH").and_then(|w| w.trim().parse::<u32>().ok());
    if let Some(width) = width.filter(|&w| w > 0) {
        button["WIDTH"] = json!(width);
    }
    for name in ["BG_COLOR", "TEXT_COLOR"] {
        if let Some(color) = text(item, name).filter(|c| is_color(c)) {
            button[name] = json!(color);
        }
    }
    Some(button)
}

/// An attachment with its known blocks, or an error when it has none.
fn attachment(value: &Value) -> Result<Value, PortalError> {
    let blocks: Vec<Value> = items(value, "BLOCKS")
        .ok_or(PortalError::AttachError)?
        .iter()
        .filter_map(Value::as_object)
        .filter(|block| block.keys().any(|k| BLOCKS.contains(&k.as_str())))
        .map(|block| Value::Object(block.clone()))
        .collect();
    if blocks.is_empty() {
        return Err(PortalError::AttachError);
    }
    let mut attach = json!({ "BLOCKS": blocks });
    for name in ["ID", "COLOR"] {
        if let Some(v) = value.get(name).and_then(Value::as_str) {
            attach[name] = json!(v);
        }
    }
    Ok(attach)
}

/// The items of a menu of `bot`, or `None` when none is valid.
fn menu(value: &Value, bot: u32) -> Option<Value> {
    let entries: Vec<Value> = items(value, "ITEMS")?
        .iter()
        .filter_map(Value::as_object)
        .filter_map(|item| {
            let label = text(item, "TEXT")?.trim();
            let mut entry = json!({ "BOT_ID": bot, "TEXT": label });
            if let Some(link) = text(item, "LINK").filter(|l| is_link(l)) {
                entry["LINK"] = json!(link);
            } else {
                let command = text(item, "COMMAND")?;
                entry["COMMAND"] = json!(command.strip_prefix('/').unwrap_or(command));
                entry["COMMAND_PARAMS"] = json!(text(item, "COMMAND_PARAMS").unwrap_or_default());
            }
            Some(entry)
        })
        .collect();
    (!entries.is_empty()).then_some(Value::Array(entries))
}

/// The buttons of a stored keyboard.
pub(crate) fn buttons(keyboard: Option<&str>) -> Vec<Value> {
    keyboard
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::{Field, Fields};
    use crate::portal::errors::PortalError;
    use crate::portal::params::Params;

    fn read(form: &str, bot: Option<u32>) -> Result<Fields, PortalError> {
        Fields::read(
            &Params::from_input(&crate::input::Input::from_query(form)),
            bot,
        )
    }

    fn set(field: &Field) -> serde_json::Value {
        match field {
            Field::Set(text) => serde_json::from_str(text).unwrap(),
            other => panic!("not set: {other:?}"),
        }
    }

    #[test]
    fn buttons_are_kept_with_the_portals_fields_and_invalid_ones_dropped() {
        let form = "KEYBOARD[0][TEXT]=Next&KEYBOARD[0][COMMAND]=/page&KEYBOARD[0][COMMAND_PARAMS]=2\
                    &KEYBOARD[0][BG_COLOR]=%23abc&KEYBOARD[0][DISPLAY]=LINE\
                    &KEYBOARD[1][TYPE]=NEWLINE\
                    &KEYBOARD[2][TEXT]=Docs&KEYBOARD[2][LINK]=https://example.org&KEYBOARD[2][BG_COLOR]=red\
                    &KEYBOARD[3][TEXT]=nothing+to+do\
                    &KEYBOARD[4][COMMAND]=no_text";
        let fields = read(form, Some(43)).unwrap();
        assert_eq!(
            set(&fields.keyboard),
            json!([
                {"BOT_ID": 43, "TYPE": "BUTTON", "COMMAND": "page", "COMMAND_PARAMS": "2",
                 "TEXT": "Next", "VOTE": "N", "BLOCK": "N", "DISABLED": "N", "DISPLAY": "LINE",
                 "BG_COLOR": "#abc", "WAIT": "N", "CONTEXT": "ALL"},
                {"TYPE": "NEWLINE"},
                {"BOT_ID": 43, "TYPE": "BUTTON", "LINK": "https://example.org", "TEXT": "Docs",
                 "VOTE": "N", "BLOCK": "N", "DISABLED": "N", "DISPLAY": "BLOCK", "WAIT": "N",
                 "CONTEXT": "ALL"}
            ])
        );
        assert_eq!(fields.attach, Field::Absent);
    }

    #[test]
    fn a_keyboard_or_menu_with_no_valid_entry_or_on_a_users_message_is_refused() {
        let none_valid = "KEYBOARD[0][TEXT]=x&KEYBOARD[0][LINK]=ftp://x";
        assert_eq!(
            read(none_valid, Some(43)).unwrap_err(),
            PortalError::KeyboardError
        );
        let good = "KEYBOARD[0][TEXT]=x&KEYBOARD[0][COMMAND]=go";
        assert_eq!(read(good, None).unwrap_err(), PortalError::KeyboardError);
        let menu = "MENU[0][TEXT]=Help";
        assert_eq!(read(menu, Some(43)).unwrap_err(), PortalError::MenuError);
        let menu = r#"MENU={"ITEMS":[{"TEXT":"Help","COMMAND":"help"}]}"#;
        let fields = read(menu, Some(43)).unwrap();
        assert_eq!(
            set(&fields.menu),
            json!([{"BOT_ID": 43, "TEXT": "Help", "COMMAND": "help", "COMMAND_PARAMS": ""}])
        );
    }

    #[test]
    fn attachments_keep_known_blocks_and_refuse_none() {
        let form = "ATTACH[ID]=1&ATTACH[COLOR]=%23c0ffee&ATTACH[BLOCKS][0][MESSAGE]=hi\
                    &ATTACH[BLOCKS][1][ODD]=x&ATTACH[BLOCKS][2][DELIMITER][SIZE]=200";
        let fields = read(form, None).unwrap();
        assert_eq!(
            set(&fields.attach),
            json!({"ID": "1", "COLOR": "#c0ffee",
                   "BLOCKS": [{"MESSAGE": "hi"}, {"DELIMITER": {"SIZE": "200"}}]})
        );
        assert_eq!(
            read("ATTACH[0][ODD]=x", None).unwrap_err(),
            PortalError::AttachError
        );
        assert_eq!(
            read("ATTACH=hello", None).unwrap_err(),
            PortalError::AttachError
        );
    }

    #[test]
    fn a_value_nested_deeper_than_a_form_name_may_is_refused() {
        let deep = |levels: usize| {
            let inner = format!("{}\"x\"{}", "[".repeat(levels), "]".repeat(levels));
            format!("ATTACH=[{{\"MESSAGE\":{inner}}}]")
        };
        assert!(read(&deep(60), None).is_ok());
        assert_eq!(
            read(&deep(125), None).unwrap_err(),
            PortalError::AttachError
        );
    }

    #[test]
    fn empty_or_n_clears_and_oversize_is_refused() {
        let fields = read("KEYBOARD=N&ATTACH=&MENU=N", Some(43)).unwrap();
        assert_eq!(fields.keyboard, Field::Clear);
        assert_eq!(fields.attach, Field::Clear);
        assert!(fields.any());
        let long = "x".repeat(super::MAX_JSON);
        let form = format!("ATTACH[0][MESSAGE]={long}");
        assert_eq!(read(&form, None).unwrap_err(), PortalError::AttachOversize);
        let form = format!("KEYBOARD[0][TEXT]={long}&KEYBOARD[0][COMMAND]=x");
        assert_eq!(
            read(&form, Some(43)).unwrap_err(),
            PortalError::KeyboardOversize
        );
        let form = format!("MENU[0][TEXT]={long}&MENU[0][COMMAND]=x");
        assert_eq!(
            read(&form, Some(43)).unwrap_err(),
            PortalError::MenuOversize
        );
    }
}
