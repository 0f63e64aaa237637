//! A serializer that measures instead of writing: it counts the bytes of
//! every name and text and the scalars it is handed. It has no panicking
//! path of its own, so a `#[no_panic]` wrapper around a response's
//! `Serialize` measures the crate's response writers and nothing else
//! (formatting a float as text is a JSON library's job, not the crate's).

use serde::Serialize;
use serde::de::value::Error;
use serde::ser::{Impossible, SerializeStruct, Serializer};

/// Counts what a value serializes to.
pub struct Measure<'a> {
    pub count: &'a mut usize,
}

impl Measure<'_> {
    fn add(self, n: usize) -> Result<(), Error> {
        *self.count = self.count.saturating_add(n);
        Ok(())
    }
}

impl SerializeStruct for Measure<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        *self.count = self.count.saturating_add(key.len());
        value.serialize(Measure { count: self.count })
    }

    fn end(self) -> Result<(), Error> {
        self.add(2)
    }
}

/// Refuses a kind of value no response holds.
fn unsupported<T>() -> Result<T, Error> {
    Err(serde::ser::Error::custom("unsupported"))
}

impl Serializer for Measure<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_bool(self, _: bool) -> Result<(), Error> {
        self.add(5)
    }
    fn serialize_i8(self, _: i8) -> Result<(), Error> {
        self.add(4)
    }
    fn serialize_i16(self, _: i16) -> Result<(), Error> {
        self.add(6)
    }
    fn serialize_i32(self, _: i32) -> Result<(), Error> {
        self.add(11)
    }
    fn serialize_i64(self, _: i64) -> Result<(), Error> {
        self.add(20)
    }
    fn serialize_u8(self, _: u8) -> Result<(), Error> {
        self.add(3)
    }
    fn serialize_u16(self, _: u16) -> Result<(), Error> {
        self.add(5)
    }
    fn serialize_u32(self, _: u32) -> Result<(), Error> {
        self.add(10)
    }
    fn serialize_u64(self, _: u64) -> Result<(), Error> {
        self.add(20)
    }
    fn serialize_f32(self, _: f32) -> Result<(), Error> {
        self.add(16)
    }
    fn serialize_f64(self, _: f64) -> Result<(), Error> {
        self.add(24)
    }
    fn serialize_char(self, c: char) -> Result<(), Error> {
        self.add(c.len_utf8())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.add(v.len().saturating_add(2))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        self.add(v.len())
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.add(4)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.add(4)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.add(4)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.add(variant.len())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        unsupported()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        unsupported()
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        unsupported()
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        unsupported()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        unsupported()
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        unsupported()
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Error> {
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        unsupported()
    }

    fn collect_str<T: core::fmt::Display + ?Sized>(self, _: &T) -> Result<(), Error> {
        unsupported()
    }
}
