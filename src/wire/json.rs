//! Reading [`LikeParams`] through serde from a map of parameters, such as a
//! JSON request body.
//!
//! How each kind of value is read:
//!
//! | value | id (`BOT_ID`, `MESSAGE_ID`) | `ACTION` | `auth`, `CLIENT_ID` |
//! | --- | --- | --- | --- |
//! | string | parsed as decimal text, as a form field | rule L5 | kept |
//! | integer | checked against the id's range | `auto` | invalid |
//! | float with no fraction (`39.0`) | the same integer | `auto` | invalid |
//! | other float (`1.5`) | [`IdError::NotANumber`] | `auto` | invalid |
//! | float beyond 2⁶³ (`1e30`) | [`IdError::TooLarge`] | `auto` | invalid |
//! | `null` | [`IdError::Empty`] | `auto` | invalid |
//! | `true`, `false`, array, object | [`IdError::NotANumber`] | `auto` | invalid |
//!
//! An integer beyond the id's range is [`IdError::TooLarge`]; zero or a
//! negative number is [`IdError::NotPositive`]. `null` counts as a
//! parameter sent with no value (like `BOT_ID=` in a form), not as an
//! omitted one: an explicit `"BOT_ID": null` is a `BOT_ID_ERROR`, it does
//! not let rule L2 pick a bot.

use core::fmt;
use core::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::action::Action;
use crate::ids::{Arg, BotId, IdError, MessageId};
use crate::wire::params::{Key, LikeParams, TextArg};

impl LikeParams {
    /// Records every parameter of a serde map (a JSON object, for example)
    /// on top of those already recorded: the last value of a name wins.
    ///
    /// See the module docs for how each kind of value is read; a value of
    /// the wrong kind is kept as an invalid parameter, never an error here.
    ///
    /// # Errors
    /// Only when the input itself is not a map or is malformed (the
    /// deserializer's error): a host answers that as a bad request.
    pub fn apply<'de, D: Deserializer<'de>>(&mut self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(ParamsVisitor { params: self })
    }
}

impl<'de> Deserialize<'de> for LikeParams {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut params = Self::new();
        params.apply(deserializer)?;
        Ok(params)
    }
}

/// Visits the top-level map, writing into existing parameters.
struct ParamsVisitor<'p> {
    params: &'p mut LikeParams,
}

impl<'de> Visitor<'de> for ParamsVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map of method parameters")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<KeyName>()? {
            let params = &mut *self.params;
            match key.0 {
                Key::Bot => params.bot = map.next_value_seed(IdSeed(PhantomData))?,
                Key::Message => params.message = map.next_value_seed(IdSeed(PhantomData))?,
                Key::Action => params.action = Some(map.next_value_seed(ActionSeed)?),
                Key::ClientId => params.client_id = map.next_value_seed(TextSeed)?,
                Key::Auth => params.auth = map.next_value_seed(TextSeed)?,
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// A parameter name, classified without keeping its text.
struct KeyName(Key);

impl<'de> Deserialize<'de> for KeyName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Classifies a name given as text or bytes; any other name is unknown.
struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = KeyName;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a parameter name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<KeyName, E> {
        Ok(KeyName(Key::of(name)))
    }

    fn visit_bytes<E: de::Error>(self, name: &[u8]) -> Result<KeyName, E> {
        let key = core::str::from_utf8(name).map_or(Key::Other, Key::of);
        Ok(KeyName(key))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<KeyName, E> {
        Ok(KeyName(Key::Other))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<KeyName, E> {
        Ok(KeyName(Key::Other))
    }
}

/// The id types a parameter can hold, read from text or from a number.
trait WireId: Sized + core::str::FromStr<Err = IdError> {
    /// Checks a signed integer against the id's range.
    fn from_signed(value: i64) -> Result<Self, IdError>;
}

impl WireId for BotId {
    fn from_signed(value: i64) -> Result<Self, IdError> {
        Self::from_i64(value)
    }
}

impl WireId for MessageId {
    fn from_signed(value: i64) -> Result<Self, IdError> {
        Self::from_i64(value)
    }
}

/// 2⁶³ as a float: the first value no `i64` holds.
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

/// Reads a float as an integer id: integral values only.
fn id_from_float<T: WireId>(value: f64) -> Result<T, IdError> {
    if value.is_nan() {
        return Err(IdError::NotANumber);
    }
    if value >= TWO_POW_63 {
        return Err(IdError::TooLarge);
    }
    if value < -TWO_POW_63 {
        return Err(IdError::NotPositive);
    }
    // In range, so the cast is exact for integral values; a fraction shows
    // as a round trip that does not come back equal.
    #[expect(
        clippy::cast_possible_truncation,
        reason = "checked against the i64 range above"
    )]
    let integer = value as i64;
    #[expect(clippy::cast_precision_loss, reason = "compared, not kept")]
    let back = integer as f64;
    if back == value {
        T::from_signed(integer)
    } else {
        Err(IdError::NotANumber)
    }
}

/// Reads one id parameter's value into an [`Arg`].
struct IdSeed<T>(PhantomData<T>);

impl<'de, T: WireId> DeserializeSeed<'de> for IdSeed<T> {
    type Value = Arg<T>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Arg<T>, D::Error> {
        deserializer.deserialize_any(IdVisitor(PhantomData))
    }
}

/// Turns any value into a given or an invalid id.
struct IdVisitor<T>(PhantomData<T>);

impl<'de, T: WireId> Visitor<'de> for IdVisitor<T> {
    type Value = Arg<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an id as a number or a decimal string")
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Arg<T>, E> {
        Ok(T::from_signed(value).into())
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Arg<T>, E> {
        let signed = i64::try_from(value).map_err(|_| IdError::TooLarge);
        Ok(signed.and_then(T::from_signed).into())
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Arg<T>, E> {
        Ok(id_from_float(value).into())
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Arg<T>, E> {
        Ok(Arg::parse(value))
    }

    fn visit_bytes<E: de::Error>(self, value: &[u8]) -> Result<Arg<T>, E> {
        Ok(core::str::from_utf8(value).map_or(Arg::Invalid(IdError::NotANumber), Arg::parse))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Arg<T>, E> {
        Ok(Arg::Invalid(IdError::NotANumber))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Arg<T>, E> {
        Ok(Arg::Invalid(IdError::Empty))
    }

    fn visit_none<E: de::Error>(self) -> Result<Arg<T>, E> {
        Ok(Arg::Invalid(IdError::Empty))
    }

    fn visit_some<D: Deserializer<'de>>(self, inner: D) -> Result<Arg<T>, D::Error> {
        inner.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Arg<T>, A::Error> {
        drain_seq(seq)?;
        Ok(Arg::Invalid(IdError::NotANumber))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Arg<T>, A::Error> {
        drain_map(map)?;
        Ok(Arg::Invalid(IdError::NotANumber))
    }
}

/// Reads `ACTION`: a string by rule L5, anything else is `auto`.
struct ActionSeed;

impl<'de> DeserializeSeed<'de> for ActionSeed {
    type Value = Action;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Action, D::Error> {
        let text = deserializer.deserialize_any(TextVisitor)?;
        Ok(text.as_str().map_or(Action::Auto, Action::parse))
    }
}

/// Reads `auth` or `CLIENT_ID`: a string, or invalid.
struct TextSeed;

impl<'de> DeserializeSeed<'de> for TextSeed {
    type Value = TextArg;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<TextArg, D::Error> {
        deserializer.deserialize_any(TextVisitor)
    }
}

/// Keeps a string value; every other value is [`TextArg::Invalid`].
struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = TextArg;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<TextArg, E> {
        Ok(TextArg::new(value))
    }

    fn visit_bytes<E: de::Error>(self, value: &[u8]) -> Result<TextArg, E> {
        Ok(core::str::from_utf8(value).map_or(TextArg::Invalid, TextArg::new))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<TextArg, E> {
        Ok(TextArg::Invalid)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<TextArg, E> {
        Ok(TextArg::Invalid)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<TextArg, E> {
        Ok(TextArg::Invalid)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<TextArg, E> {
        Ok(TextArg::Invalid)
    }

    fn visit_unit<E: de::Error>(self) -> Result<TextArg, E> {
        Ok(TextArg::Invalid)
    }

    fn visit_none<E: de::Error>(self) -> Result<TextArg, E> {
        Ok(TextArg::Invalid)
    }

    fn visit_some<D: Deserializer<'de>>(self, inner: D) -> Result<TextArg, D::Error> {
        inner.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<TextArg, A::Error> {
        drain_seq(seq)?;
        Ok(TextArg::Invalid)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<TextArg, A::Error> {
        drain_map(map)?;
        Ok(TextArg::Invalid)
    }
}

/// Reads and drops the rest of a sequence.
fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Reads and drops the rest of a map.
fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}
