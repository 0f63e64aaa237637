//! Reading a parameter set from a raw JSON request body: the whole body
//! is checked (UTF-8, then the JSON grammar) before any parameter is
//! read, so whether a body is accepted never depends on which names the
//! method reads. How each kind of value is read is in [the wire layer's
//! docs](crate::wire#json-bodies).

use crate::action::Action;
use crate::ids::{Arg, IdError};
use crate::reaction::UnknownReaction;
use crate::wire::fields::sealed::Fields;
use crate::wire::fields::{NAME_CAPACITY, Slot, field};
use crate::wire::json::WireId;
use crate::wire::json_error::JsonError;
use crate::wire::json_scan::{Cursor, Value, decode_string, integer};
use crate::wire::text::TextArg;

/// Records every parameter of a JSON body into `params` (see
/// [`Params::apply_json`](crate::wire::Params::apply_json)). A body that
/// fails any check changes nothing.
pub(crate) fn apply<P: Fields>(
    params: &mut P,
    body: &[u8],
    scratch: &mut [u8],
) -> Result<(), JsonError> {
    let text = core::str::from_utf8(body).map_err(|_| JsonError::NotUtf8)?;
    // First the whole body, with every value it reads decoded into
    // `scratch` (so a value too long for it fails here too); then, with
    // nothing left to fail, the parameters.
    members(text.as_bytes(), |name, value| {
        check(name, value, scratch, field::<P>)
    })?;
    members(text.as_bytes(), |name, value| {
        record(params, name, value, scratch)
    })
}

/// Walks the top-level object of `body`, calling `each` with every
/// member's raw name and value, in order.
fn members<'a>(
    body: &'a [u8],
    mut each: impl FnMut(&'a [u8], Value<'a>) -> Result<(), JsonError>,
) -> Result<(), JsonError> {
    let mut cursor = Cursor::new(body);
    cursor.skip_ws();
    if cursor.peek() != Some(b'{') {
        cursor.skip_value()?;
        return Err(if cursor.at_end() {
            JsonError::NotAnObject
        } else {
            JsonError::Syntax
        });
    }
    cursor.bump();
    cursor.skip_ws();
    if !cursor.eat(b'}') {
        loop {
            cursor.skip_ws();
            let name = cursor.string()?;
            cursor.skip_ws();
            cursor.expect(b':')?;
            cursor.skip_ws();
            each(name, cursor.value()?)?;
            cursor.skip_ws();
            match cursor.bump() {
                Some(b',') => {}
                Some(b'}') => break,
                _ => return Err(JsonError::Syntax),
            }
        }
    }
    if cursor.at_end() {
        Ok(())
    } else {
        Err(JsonError::Syntax)
    }
}

/// The position of a member's name in a set's name table, or `None` for
/// a name the set does not read (one too long for any is not decoded).
fn name_index(
    raw: &[u8],
    lookup: impl Fn(&str) -> Option<usize>,
) -> Result<Option<usize>, JsonError> {
    let mut buf = [0u8; NAME_CAPACITY];
    match decode_string(raw, &mut buf) {
        Ok(name) => Ok(lookup(name)),
        Err(JsonError::ScratchTooSmall) => Ok(None),
        Err(other) => Err(other),
    }
}

/// Checks that a member can be recorded: its name's escapes, and the
/// value of a name the set reads fits in `scratch`.
fn check(
    name: &[u8],
    value: Value<'_>,
    scratch: &mut [u8],
    lookup: impl Fn(&str) -> Option<usize>,
) -> Result<(), JsonError> {
    if name_index(name, lookup)?.is_some() {
        if let Value::Str(raw) = value {
            decode_string(raw, scratch)?;
        }
    }
    Ok(())
}

/// Records one member into its slot, when the set reads its name.
fn record<P: Fields>(
    params: &mut P,
    name: &[u8],
    value: Value<'_>,
    scratch: &mut [u8],
) -> Result<(), JsonError> {
    let Some(slot) = name_index(name, field::<P>)?.and_then(|index| params.slot(index)) else {
        return Ok(());
    };
    let value = match value {
        Value::Str(raw) => Decoded::Text(decode_string(raw, scratch)?),
        Value::Number(raw) => Decoded::Number(raw),
        Value::Null => Decoded::Null,
        Value::Other => Decoded::Other,
    };
    slot.set_json(value);
    Ok(())
}

/// A member value with its string decoded.
enum Decoded<'a> {
    Text(&'a str),
    Number(&'a [u8]),
    Null,
    Other,
}

impl Slot<'_> {
    /// Records a value of a JSON body, by the slot's kind.
    fn set_json(self, value: Decoded<'_>) {
        match (self, value) {
            (slot, Decoded::Text(text)) => slot.set_text(text),
            (Self::Bot(arg), other) => *arg = id_arg(&other),
            (Self::Message(arg), other) => *arg = id_arg(&other),
            (Self::Action(action), _) => *action = Some(Action::Auto),
            (Self::Reaction(arg), _) => *arg = Arg::Invalid(UnknownReaction),
            (Self::Text(text), _) => *text = TextArg::Invalid,
        }
    }
}

/// An id from a value that is no string.
fn id_arg<T: WireId>(value: &Decoded<'_>) -> Arg<T> {
    match value {
        Decoded::Number(raw) => id_from_literal(raw).into(),
        Decoded::Null => Arg::Invalid(IdError::Empty),
        Decoded::Text(text) => Arg::parse(text),
        Decoded::Other => Arg::Invalid(IdError::NotANumber),
    }
}

/// An id from a number literal's exact value.
fn id_from_literal<T: WireId>(raw: &[u8]) -> Result<T, IdError> {
    let value = integer(raw)?;
    let signed = i64::try_from(value).map_err(|_| IdError::TooLarge)?;
    T::from_signed(signed)
}
