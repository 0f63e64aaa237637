//! A JSON scanner over text that is already known to be UTF-8: the
//! grammar of RFC 8259 checked in full, string values decoded into a
//! caller's buffer, and number literals read as exact integers.
//!
//! Nothing is allocated and nothing recurses: nesting is tracked in a bit
//! stack of [`MAX_DEPTH`] levels, so a hostile body cannot exhaust the
//! stack.

use crate::ids::IdError;
use crate::wire::json_error::JsonError;

/// The deepest nesting of arrays and objects inside a value; one level
/// more is [`JsonError::TooDeep`].
pub(crate) const MAX_DEPTH: u32 = 128;

/// A member value of the top-level object, classified by its first byte.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Value<'a> {
    /// A string, as its raw content between the quotes (escapes not yet
    /// decoded).
    Str(&'a [u8]),
    /// A number literal, as sent.
    Number(&'a [u8]),
    /// `null`.
    Null,
    /// `true`, `false`, an array or an object.
    Other,
}

/// A read position in a JSON text.
pub(crate) struct Cursor<'a> {
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `text`.
    pub(crate) const fn new(text: &'a [u8]) -> Self {
        Self { rest: text }
    }

    /// The next byte, not consumed.
    pub(crate) fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// Consumes and returns the next byte.
    pub(crate) fn bump(&mut self) -> Option<u8> {
        let (&byte, tail) = self.rest.split_first()?;
        self.rest = tail;
        Some(byte)
    }

    /// Consumes `byte` when it comes next.
    pub(crate) fn eat(&mut self, byte: u8) -> bool {
        let next = self.peek() == Some(byte);
        if next {
            self.bump();
        }
        next
    }

    /// Consumes `byte`, which must come next.
    pub(crate) fn expect(&mut self, byte: u8) -> Result<(), JsonError> {
        if self.eat(byte) {
            Ok(())
        } else {
            Err(JsonError::Syntax)
        }
    }

    /// Skips JSON whitespace.
    pub(crate) fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.bump();
        }
    }

    /// Whether only whitespace is left.
    pub(crate) fn at_end(&mut self) -> bool {
        self.skip_ws();
        self.rest.is_empty()
    }

    /// What was consumed since the cursor stood at `before`.
    fn since(&self, before: &'a [u8]) -> &'a [u8] {
        let consumed = before.len().saturating_sub(self.rest.len());
        before.get(..consumed).unwrap_or_default()
    }

    /// Consumes `word` (a literal such as `true`), which must come next.
    fn literal(&mut self, word: &[u8]) -> Result<(), JsonError> {
        let tail = self.rest.strip_prefix(word).ok_or(JsonError::Syntax)?;
        self.rest = tail;
        Ok(())
    }

    /// Consumes a string and returns its raw content.
    pub(crate) fn string(&mut self) -> Result<&'a [u8], JsonError> {
        self.expect(b'"')?;
        let start = self.rest;
        loop {
            let content = self.since(start);
            match self.bump() {
                Some(b'"') => return Ok(content),
                Some(b'\\') => {
                    self.escape()?;
                }
                Some(0x20..) => {}
                // A control character or the end of the text.
                Some(_) | None => return Err(JsonError::Syntax),
            }
        }
    }

    /// Consumes one escape after its `\` and returns the code point it
    /// stands for. A `\u` surrogate must come as a high-low pair.
    fn escape(&mut self) -> Result<u32, JsonError> {
        let simple = match self.bump().ok_or(JsonError::Syntax)? {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => return self.unicode_escape(),
            _ => return Err(JsonError::Syntax),
        };
        Ok(u32::from(simple))
    }

    /// The code point of a `\u` escape after its `u`, with the low half
    /// of a surrogate pair.
    fn unicode_escape(&mut self) -> Result<u32, JsonError> {
        let first = self.hex4()?;
        match first {
            0xd800..=0xdbff => {
                self.literal(b"\\u")?;
                let low = self.hex4()?;
                if !(0xdc00..=0xdfff).contains(&low) {
                    return Err(JsonError::Syntax);
                }
                let high = first.saturating_sub(0xd800);
                let low = low.saturating_sub(0xdc00);
                // Twenty bits above the first plane: an addition, not an
                // `|`, as the high half reaches bit 16.
                Ok(((high << 10) | low).saturating_add(0x1_0000))
            }
            0xdc00..=0xdfff => Err(JsonError::Syntax),
            _ => Ok(first),
        }
    }

    /// Four hex digits.
    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut value = 0u32;
        for _ in 0..4 {
            let digit = self.bump().map(char::from).and_then(|c| c.to_digit(16));
            value = (value << 4) | digit.ok_or(JsonError::Syntax)?;
        }
        Ok(value)
    }

    /// Consumes ASCII digits; whether there was at least one.
    fn digits(&mut self) -> bool {
        let mut any = false;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.bump();
            any = true;
        }
        any
    }

    /// Consumes a number literal and returns it as sent.
    pub(crate) fn number(&mut self) -> Result<&'a [u8], JsonError> {
        let start = self.rest;
        self.eat(b'-');
        if !self.eat(b'0') && !self.digits() {
            return Err(JsonError::Syntax);
        }
        if self.eat(b'.') && !self.digits() {
            return Err(JsonError::Syntax);
        }
        if self.eat(b'e') || self.eat(b'E') {
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if !self.digits() {
                return Err(JsonError::Syntax);
            }
        }
        Ok(self.since(start))
    }

    /// Consumes one value and classifies it.
    pub(crate) fn value(&mut self) -> Result<Value<'a>, JsonError> {
        match self.peek() {
            Some(b'"') => self.string().map(Value::Str),
            Some(b'-' | b'0'..=b'9') => self.number().map(Value::Number),
            Some(b'n') => self.literal(b"null").map(|()| Value::Null),
            _ => self.skip_value().map(|()| Value::Other),
        }
    }

    /// Consumes one complete value of any kind, however nested (up to
    /// [`MAX_DEPTH`]), checking its grammar.
    pub(crate) fn skip_value(&mut self) -> Result<(), JsonError> {
        let mut open = Nesting::default();
        loop {
            self.skip_ws();
            if self.scalar_or_open(&mut open)? {
                continue;
            }
            if !self.close_after_value(&mut open)? {
                return Ok(());
            }
        }
    }

    /// Consumes a scalar, an empty container, or the opening of a
    /// non-empty one up to its first value; `true` when a container was
    /// opened (its first value comes next).
    fn scalar_or_open(&mut self, open: &mut Nesting) -> Result<bool, JsonError> {
        match self.peek() {
            Some(b'{') => {
                self.bump();
                open.push(Container::Object)?;
                self.skip_ws();
                if self.eat(b'}') {
                    open.pop();
                    return Ok(false);
                }
                self.member_name()?;
                Ok(true)
            }
            Some(b'[') => {
                self.bump();
                open.push(Container::Array)?;
                self.skip_ws();
                if self.eat(b']') {
                    open.pop();
                    return Ok(false);
                }
                Ok(true)
            }
            Some(b'"') => self.string().map(|_| false),
            Some(b'-' | b'0'..=b'9') => self.number().map(|_| false),
            Some(b't') => self.literal(b"true").map(|()| false),
            Some(b'f') => self.literal(b"false").map(|()| false),
            Some(b'n') => self.literal(b"null").map(|()| false),
            _ => Err(JsonError::Syntax),
        }
    }

    /// After a complete value: closes every container that ends here;
    /// `true` when another value of an open container comes next, `false`
    /// when the outermost value is complete.
    fn close_after_value(&mut self, open: &mut Nesting) -> Result<bool, JsonError> {
        while let Some(container) = open.top() {
            self.skip_ws();
            match (container, self.bump()) {
                (Container::Object, Some(b',')) => {
                    self.skip_ws();
                    self.member_name()?;
                    return Ok(true);
                }
                (Container::Array, Some(b',')) => return Ok(true),
                (Container::Object, Some(b'}')) | (Container::Array, Some(b']')) => open.pop(),
                _ => return Err(JsonError::Syntax),
            }
        }
        Ok(false)
    }

    /// Consumes an object member's name and its `:`.
    fn member_name(&mut self) -> Result<(), JsonError> {
        self.string()?;
        self.skip_ws();
        self.expect(b':')
    }
}

/// The kind of an open container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    Object,
    Array,
}

/// The open containers, innermost last, one bit each.
#[derive(Default)]
struct Nesting {
    /// Bit `i` is set when the container at depth `i` is an object.
    objects: u128,
    depth: u32,
}

impl Nesting {
    fn push(&mut self, container: Container) -> Result<(), JsonError> {
        if self.depth >= MAX_DEPTH {
            return Err(JsonError::TooDeep);
        }
        let bit = 1u128.checked_shl(self.depth).unwrap_or(0);
        match container {
            Container::Object => self.objects |= bit,
            Container::Array => self.objects &= !bit,
        }
        self.depth = self.depth.saturating_add(1);
        Ok(())
    }

    fn pop(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn top(&self) -> Option<Container> {
        let index = self.depth.checked_sub(1)?;
        let bit = 1u128.checked_shl(index).unwrap_or(0);
        Some(if self.objects & bit == 0 {
            Container::Array
        } else {
            Container::Object
        })
    }
}

/// Decodes a string's raw content (as [`Cursor::string`] returns it)
/// into `out`.
///
/// # Errors
/// [`JsonError::ScratchTooSmall`] when the decoded text does not fit;
/// [`JsonError::Syntax`] for a malformed escape.
pub(crate) fn decode_string<'o>(raw: &[u8], out: &'o mut [u8]) -> Result<&'o str, JsonError> {
    let mut cursor = Cursor::new(raw);
    let mut len = 0usize;
    while let Some(byte) = cursor.bump() {
        let written = if byte == b'\\' {
            put_char(cursor.escape()?, out, len)
        } else {
            put(byte, out, len)
        };
        len = written.ok_or(JsonError::ScratchTooSmall)?;
    }
    let bytes = out.get(..len).ok_or(JsonError::ScratchTooSmall)?;
    core::str::from_utf8(bytes).map_err(|_| JsonError::Syntax)
}

/// Writes `byte` at `out[len]`; the new length, or `None` when full.
fn put(byte: u8, out: &mut [u8], len: usize) -> Option<usize> {
    *out.get_mut(len)? = byte;
    len.checked_add(1)
}

/// Writes the UTF-8 encoding of the code point `code` at `out[len..]`;
/// the new length, or `None` when full.
fn put_char(code: u32, out: &mut [u8], len: usize) -> Option<usize> {
    /// Continuation byte with bits `shift..shift + 6` of `code`.
    fn tail(code: u32, shift: u32) -> u8 {
        0x80 | low_byte((code >> shift) & 0x3f)
    }
    match code {
        0..=0x7f => put(low_byte(code), out, len),
        0x80..=0x7ff => {
            let len = put(0xc0 | low_byte(code >> 6), out, len)?;
            put(tail(code, 0), out, len)
        }
        0x800..=0xffff => {
            let len = put(0xe0 | low_byte(code >> 12), out, len)?;
            let len = put(tail(code, 6), out, len)?;
            put(tail(code, 0), out, len)
        }
        _ => {
            let len = put(0xf0 | low_byte(code >> 18), out, len)?;
            let len = put(tail(code, 12), out, len)?;
            let len = put(tail(code, 6), out, len)?;
            put(tail(code, 0), out, len)
        }
    }
}

/// The lowest byte of `value`.
fn low_byte(value: u32) -> u8 {
    let [.., low] = value.to_be_bytes();
    low
}

/// The exact value of a number literal (as [`Cursor::number`] returns
/// it) as a non-negative integer.
///
/// # Errors
/// [`IdError::NotANumber`] for a value with a fraction (`1.5`, `1e-3`),
/// [`IdError::NotPositive`] for zero or a negative integer,
/// [`IdError::TooLarge`] for an integer beyond `u64` (`1e400`).
pub(crate) fn integer(raw: &[u8]) -> Result<u64, IdError> {
    let (negative, unsigned) = match raw.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, raw),
    };
    let (mantissa, exponent) = match unsigned.iter().position(|b| matches!(b, b'e' | b'E')) {
        Some(at) => (unsigned.get(..at), unsigned.get(at.saturating_add(1)..)),
        None => (Some(unsigned), None),
    };
    let mantissa = mantissa.unwrap_or_default();
    let (whole, fraction) = match mantissa.iter().position(|&b| b == b'.') {
        Some(at) => (mantissa.get(..at), mantissa.get(at.saturating_add(1)..)),
        None => (Some(mantissa), None),
    };
    let digits = Digits {
        whole: whole.unwrap_or_default(),
        fraction: fraction.unwrap_or_default(),
    };
    let exponent = exponent.map_or(0, exponent_value);
    digits.integer(negative, exponent)
}

/// The value of an exponent's text (`+12`, `-3`, `400`), saturating far
/// beyond any id's range.
fn exponent_value(text: &[u8]) -> i64 {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    let magnitude = digits.iter().fold(0i64, |acc, &b| {
        acc.saturating_mul(10)
            .saturating_add(i64::from(b.wrapping_sub(b'0')))
    });
    if negative {
        magnitude.saturating_neg()
    } else {
        magnitude
    }
}

/// A number's decimal digits, before and after its point.
struct Digits<'a> {
    whole: &'a [u8],
    fraction: &'a [u8],
}

impl Digits<'_> {
    /// Every digit, in order, as its value.
    fn all(&self) -> impl Iterator<Item = u8> + '_ {
        self.whole
            .iter()
            .chain(self.fraction)
            .map(|b| b.wrapping_sub(b'0'))
    }

    /// The integer `digits × 10^exponent` (see [`integer`]).
    fn integer(&self, negative: bool, exponent: i64) -> Result<u64, IdError> {
        let Some(first) = self.all().position(|d| d != 0) else {
            return Err(IdError::NotPositive);
        };
        let total = self.all().count();
        let last = self
            .all()
            .enumerate()
            .filter(|&(_, d)| d != 0)
            .last()
            .map_or(first, |(at, _)| at);
        let trailing = to_i64(total.saturating_sub(last).saturating_sub(1));
        let scale = exponent
            .saturating_add(trailing)
            .saturating_sub(to_i64(self.fraction.len()));
        if scale < 0 {
            return Err(IdError::NotANumber);
        }
        if negative {
            return Err(IdError::NotPositive);
        }
        let significant = last.saturating_sub(first).saturating_add(1);
        if to_i64(significant).saturating_add(scale) > 20 {
            return Err(IdError::TooLarge);
        }
        let value = self
            .all()
            .skip(first)
            .take(significant)
            .try_fold(0u64, |acc, d| {
                acc.checked_mul(10)?.checked_add(u64::from(d))
            });
        (0..scale)
            .try_fold(value.ok_or(IdError::TooLarge)?, |acc, _| {
                acc.checked_mul(10)
            })
            .ok_or(IdError::TooLarge)
    }
}

/// A length as an `i64`, saturating.
fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
