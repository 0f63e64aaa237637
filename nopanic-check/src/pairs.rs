//! A serde map over decoded pairs with no panicking path of its own, so
//! that a `#[no_panic]` wrapper of the serde path measures the crate's
//! visitors and nothing else. (serde's own `MapDeserializer` keeps the
//! pending value in an `Option` it `expect`s, a panic the optimizer
//! cannot rule out across the key and value calls.)

use serde::de::value::{BorrowedStrDeserializer, Error};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};

/// A map of text pairs.
pub struct Pairs<'a> {
    rest: &'a [(&'a str, &'a str)],
    value: &'a str,
}

impl<'a> Pairs<'a> {
    pub const fn new(pairs: &'a [(&'a str, &'a str)]) -> Self {
        Self {
            rest: pairs,
            value: "",
        }
    }
}

impl<'de> Deserializer<'de> for Pairs<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_map(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de> MapAccess<'de> for Pairs<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some(((name, value), rest)) = self.rest.split_first() else {
            return Ok(None);
        };
        self.rest = rest;
        self.value = value;
        seed.deserialize(BorrowedStrDeserializer::new(name))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(BorrowedStrDeserializer::new(self.value))
    }
}
