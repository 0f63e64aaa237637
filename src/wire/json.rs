//! Reading a parameter set through serde from a map of parameters, such
//! as a JSON request body. How each kind of value is read is in [the wire
//! layer's docs](crate::wire#json-bodies).

use core::fmt;
use core::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::action::Action;
use crate::ids::{Arg, BotId, IdError, MessageId};
use crate::reaction::UnknownReaction;
use crate::wire::fields::sealed::Fields;
use crate::wire::fields::{Slot, field};
use crate::wire::text::TextArg;

/// Records every parameter of a serde map into `params` (see
/// [`Params::apply`](crate::wire::Params::apply)).
pub(crate) fn apply<'de, P: Fields, D: Deserializer<'de>>(
    params: &mut P,
    deserializer: D,
) -> Result<(), D::Error> {
    deserializer.deserialize_map(ParamsVisitor { params })
}

/// Visits the top-level map, writing into existing parameters.
struct ParamsVisitor<'p, P> {
    params: &'p mut P,
}

impl<'de, P: Fields> Visitor<'de> for ParamsVisitor<'_, P> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map of method parameters")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(index) = map.next_key_seed(NameSeed::<P>(PhantomData))? {
            match index.and_then(|index| self.params.slot(index)) {
                Some(slot) => map.next_value_seed(slot)?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// Classifies a parameter name for a set `P` without keeping its text.
struct NameSeed<P>(PhantomData<P>);

impl<'de, P: Fields> DeserializeSeed<'de> for NameSeed<P> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

/// A name given as text or bytes selects a field; any other is unknown.
impl<P: Fields> Visitor<'_> for NameSeed<P> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a parameter name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Self::Value, E> {
        Ok(field::<P>(name))
    }

    fn visit_bytes<E: de::Error>(self, name: &[u8]) -> Result<Self::Value, E> {
        Ok(core::str::from_utf8(name).ok().and_then(field::<P>))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// Reads one parameter's value into its slot, by the slot's kind.
impl<'de> DeserializeSeed<'de> for Slot<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        match self {
            Slot::Bot(arg) => *arg = deserializer.deserialize_any(IdVisitor(PhantomData))?,
            Slot::Message(arg) => *arg = deserializer.deserialize_any(IdVisitor(PhantomData))?,
            Slot::Action(action) => {
                let text = deserializer.deserialize_any(TextVisitor)?;
                *action = Some(text.as_str().map_or(Action::Auto, Action::parse));
            }
            Slot::Reaction(arg) => {
                let text = deserializer.deserialize_any(TextVisitor)?;
                *arg = text
                    .as_str()
                    .map_or(Arg::Invalid(UnknownReaction), Arg::parse);
            }
            Slot::Text(text) => *text = deserializer.deserialize_any(TextVisitor)?,
        }
        Ok(())
    }
}

/// The id types a parameter can hold, read from text or from a number.
pub(crate) trait WireId: Sized + core::str::FromStr<Err = IdError> {
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
