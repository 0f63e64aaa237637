//! The log's JSON lines, one per event, in the shape of
//! `tracing-subscriber`'s JSON format with flattened event fields and the
//! current span (`timestamp`, `level`, the event's fields, `target`,
//! `span` with the span's fields and `name`):
//!
//! ```json
//! {"timestamp":"2026-01-01T00:00:00.000000Z","level":"INFO","message":"answered","status":200,"latency_us":437,"target":"imbot_like_host::server","span":{"method":"GET","path":"/rest/imbot.message.like","request_id":"r-1","name":"request"}}
//! ```
//!
//! Written here rather than by that crate's own JSON format because the
//! format re-reads each span's fields from their JSON text into a map for
//! every line; this one copies the text as it stands (the span's fields
//! are formatted once, by [`LogFields`], when the span is made), and the
//! timestamp's date and time of day are formatted once a second.
//! [`LogFields`] writes a span's fields as [`JsonFields`] does (an object
//! with its keys in order) without building that object as a map of JSON
//! values first.

use std::borrow::Cow;
use std::fmt;

use tracing::field::{Field, Visit};
use tracing::span::Record;
use tracing::{Event, Subscriber};
use tracing_subscriber::field::RecordFields;
#[cfg(doc)]
use tracing_subscriber::fmt::format::JsonFields;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// The event format of the host's log (see the module's docs); the
/// subscriber's field format must write a JSON object, as [`LogFields`]
/// and [`JsonFields`] do.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogFormat;

impl<S, N> FormatEvent<S, N> for LogFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        writer.write_str("{\"timestamp\":\"")?;
        timestamp(&mut writer)?;
        write!(writer, "\",\"level\":\"{}\"", meta.level())?;
        let mut fields = Fields {
            writer: &mut writer,
            result: Ok(()),
        };
        event.record(&mut Values(&mut fields));
        fields.result?;
        writer.write_str(",\"target\":")?;
        string(&mut writer, meta.target())?;
        if let Some(span) = ctx.lookup_current() {
            writer.write_str(",\"span\":{")?;
            let extensions = span.extensions();
            let recorded = extensions
                .get::<FormattedFields<N>>()
                .map(|fields| fields.fields.as_str())
                .unwrap_or_default();
            let inner = recorded
                .strip_prefix('{')
                .and_then(|text| text.strip_suffix('}'))
                .unwrap_or_default();
            if !inner.is_empty() {
                writer.write_str(inner)?;
                writer.write_char(',')?;
            }
            writer.write_str("\"name\":")?;
            string(&mut writer, span.name())?;
            writer.write_char('}')?;
        }
        writer.write_str("}\n")
    }
}

/// The field format of the host's log: a span's fields as one JSON
/// object, `{"name":value,...}`, keys in order and the last value of a
/// repeated key kept, each value written as [`LogFormat`] writes an
/// event's.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogFields;

impl<'writer> FormatFields<'writer> for LogFields {
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        let mut pairs = Pairs(Vec::new());
        fields.record(&mut Values(&mut pairs));
        pairs.write(&mut writer)
    }

    /// Fields recorded after the span was made join those it has, read
    /// back from its object (rare: the host's spans get all their fields
    /// when made).
    fn add_fields(
        &self,
        current: &'writer mut FormattedFields<Self>,
        fields: &Record<'_>,
    ) -> fmt::Result {
        let had: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&current.fields).unwrap_or_default();
        let mut pairs = Pairs(
            had.into_iter()
                .map(|(name, value)| (Cow::Owned(name), value.to_string()))
                .collect(),
        );
        fields.record(&mut Values(&mut pairs));
        current.fields.clear();
        pairs.write(&mut current.as_writer())
    }
}

/// Where [`Values`] puts each field: its name and a writer of its value's
/// JSON text.
trait Sink {
    fn put(&mut self, field: &Field, value: impl FnOnce(&mut Writer<'_>) -> fmt::Result);
}

/// A visitor that gives each field's value as JSON to its [`Sink`].
struct Values<'s, S>(&'s mut S);

impl<S: Sink> Visit for Values<'_, S> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0
            .put(field, |w| match serde_json::Number::from_f64(value) {
                Some(number) => write!(w, "{number}"),
                None => w.write_str("null"),
            });
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.put(field, |w| write!(w, "{value}"));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.put(field, |w| digits(w, value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.put(field, |w| write!(w, "{value}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.put(field, |w| string(w, value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.put(field, |w| {
            w.write_char('"')?;
            fmt::Write::write_fmt(&mut Escaping(w), format_args!("{value:?}"))?;
            w.write_char('"')
        });
    }
}

/// Writes each field of an event into its line as `,"name":value`.
struct Fields<'w, 'a> {
    writer: &'w mut Writer<'a>,
    result: fmt::Result,
}

impl Sink for Fields<'_, '_> {
    fn put(&mut self, field: &Field, value: impl FnOnce(&mut Writer<'_>) -> fmt::Result) {
        if self.result.is_ok() {
            self.result = (|| {
                self.writer.write_char(',')?;
                string(self.writer, field.name())?;
                self.writer.write_char(':')?;
                value(self.writer)
            })();
        }
    }
}

/// Bytes reserved for a span field's JSON text: a request's method,
/// path and id fit.
const VALUE_BYTES: usize = 64;

/// A span's fields as names and their values' JSON text, in the order
/// recorded.
struct Pairs(Vec<(Cow<'static, str>, String)>);

impl Sink for Pairs {
    fn put(&mut self, field: &Field, value: impl FnOnce(&mut Writer<'_>) -> fmt::Result) {
        let mut text = String::with_capacity(VALUE_BYTES);
        // Writing into a `String` fails only if a value's own formatting
        // does; such a field is left out.
        if value(&mut Writer::new(&mut text)).is_ok() {
            self.0.push((Cow::Borrowed(field.name()), text));
        }
    }
}

impl Pairs {
    /// Writes the fields as one object, keys in order, the last of a
    /// repeated key kept.
    fn write(mut self, writer: &mut Writer<'_>) -> fmt::Result {
        // Stable: of a repeated key, the last recorded sorts last.
        self.0.sort_by(|a, b| a.0.cmp(&b.0));
        // Made whole first, so the span's text is allocated once rather
        // than grown piece by piece.
        let most: usize = self.0.iter().map(|(n, v)| n.len() + v.len() + 4).sum();
        let mut object = String::with_capacity(most + 2);
        let mut out = Writer::new(&mut object);
        out.write_char('{')?;
        let mut first = true;
        for (i, (name, value)) in self.0.iter().enumerate() {
            if self.0.get(i + 1).is_some_and(|next| next.0 == *name) {
                continue;
            }
            if !first {
                out.write_char(',')?;
            }
            first = false;
            string(&mut out, name)?;
            out.write_char(':')?;
            out.write_str(value)?;
        }
        out.write_char('}')?;
        writer.write_str(&object)
    }
}

/// Writes `text` as a JSON string, escaped as `serde_json` escapes it.
pub(crate) fn string(writer: &mut Writer<'_>, text: &str) -> fmt::Result {
    writer.write_char('"')?;
    escaped(writer, text)?;
    writer.write_char('"')
}

/// Writes `text` escaped for the inside of a JSON string: runs that need
/// no escape are written whole.
pub(crate) fn escaped(writer: &mut Writer<'_>, text: &str) -> fmt::Result {
    let mut rest = text;
    // Every byte to escape is ASCII, so the split falls between chars.
    while let Some(at) = rest
        .bytes()
        .position(|b| b == b'"' || b == b'\\' || b < b' ')
    {
        writer.write_str(&rest[..at])?;
        match rest.as_bytes()[at] {
            b'"' => writer.write_str("\\\"")?,
            b'\\' => writer.write_str("\\\\")?,
            b'\n' => writer.write_str("\\n")?,
            b'\r' => writer.write_str("\\r")?,
            b'\t' => writer.write_str("\\t")?,
            0x08 => writer.write_str("\\b")?,
            0x0c => writer.write_str("\\f")?,
            other => write!(writer, "\\u{other:04x}")?,
        }
        rest = &rest[at + 1..];
    }
    writer.write_str(rest)
}

/// A writer that escapes what is written through it into a JSON
/// string's inside, so a value's `Debug` text is escaped as it is made.
struct Escaping<'w, 'a>(&'w mut Writer<'a>);

impl fmt::Write for Escaping<'_, '_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        escaped(self.0, text)
    }
}

/// A number's decimal digits, written without the formatting machinery
/// (every request's line carries two).
pub(crate) fn digits(writer: &mut Writer<'_>, n: u64) -> fmt::Result {
    writer.write_str(itoa::Buffer::new().format(n))
}

/// Writes now as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, microseconds).
pub(crate) fn timestamp(writer: &mut Writer<'_>) -> fmt::Result {
    stamp(writer, crate::clock::now())
}

/// Writes `now` (seconds since the Unix epoch) as [`timestamp`] does.
fn stamp(writer: &mut Writer<'_>, now: f64) -> fmt::Result {
    let date = crate::clock::date(now);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let micros = ((now.fract() * 1e6) as u32).min(999_999);
    writer.write_str(date.get(..19).unwrap_or_default())?;
    writer.write_char('.')?;
    // Six digits: the micros' own, after the zeros they lack.
    let mut buffer = itoa::Buffer::new();
    let digits = buffer.format(micros);
    writer.write_str(MICROS_ZEROS.get(digits.len()..).unwrap_or_default())?;
    writer.write_str(digits)?;
    writer.write_char('Z')
}

/// The zeros that pad a timestamp's microseconds to six digits.
const MICROS_ZEROS: &str = "000000";

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::{Arc, Mutex};

    use tracing_subscriber::fmt::MakeWriter;

    use tracing_subscriber::fmt::format::Writer;

    use super::{LogFields, LogFormat};

    #[test]
    fn digits_are_what_display_writes() {
        for n in [
            0,
            1,
            9,
            10,
            99,
            100,
            437,
            65_535,
            u64::from(u32::MAX),
            u64::MAX - 1,
            u64::MAX,
        ] {
            let mut line = String::new();
            super::digits(
                &mut tracing_subscriber::fmt::format::Writer::new(&mut line),
                n,
            )
            .unwrap();
            assert_eq!(line, n.to_string());
        }
    }

    /// Lines written to memory.
    #[derive(Clone, Default)]
    pub(crate) struct Lines(pub(crate) Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Lines {
        type Writer = Self;

        fn make_writer(&'a self) -> Self {
            self.clone()
        }
    }

    /// Runs the same events under a subscriber with `format` as its event
    /// format and `fields` as its field format, and gives the lines
    /// written, each without its timestamp.
    fn lines_of<F, N>(format: F, fields: N) -> Vec<String>
    where
        F: tracing_subscriber::fmt::FormatEvent<tracing_subscriber::Registry, N>
            + Send
            + Sync
            + 'static,
        N: for<'w> tracing_subscriber::fmt::FormatFields<'w> + Send + Sync + 'static,
    {
        let lines = Lines::default();
        let subscriber = tracing_subscriber::fmt()
            .fmt_fields(fields)
            .with_writer(lines.clone())
            .event_format(format)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!(
                "request",
                method = %"GET",
                path = %"/a\"b\\c",
                request_id = %"r-1"
            );
            let entered = span.enter();
            tracing::info!(
                status = 200_u64,
                latency_us = 437_u64,
                rule = "L7",
                "answered"
            );
            tracing::warn!(error = %"line\nbreak\u{1}", ok = true, "accept failed");
            drop(entered);
            tracing::info!(x = -1_i64, y = 0.5_f64, z = 2.0_f64, "alone");
            let later = tracing::info_span!(
                "later",
                zeta = 1_u64,
                alpha = tracing::field::Empty,
                text = "a\tb"
            );
            later.record("alpha", "set \"later\"");
            later.record("zeta", 2_u64);
            later.in_scope(|| tracing::info!("fields recorded after the span was made"));
            let bare = tracing::info_span!("bare");
            let _bare = bare.enter();
            tracing::info!(answer = ?Some(42), "in a span without fields");
        });
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|line| {
                let (stamp, rest) = line.split_at(line.find("\",\"level\"").unwrap());
                assert!(stamp.starts_with("{\"timestamp\":\""), "{line}");
                rest.to_owned()
            })
            .collect()
    }

    #[test]
    fn lines_are_those_of_the_json_format_with_flattened_events_and_the_current_span() {
        let ours = lines_of(LogFormat, LogFields);
        let theirs = lines_of(
            tracing_subscriber::fmt::format()
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(false),
            tracing_subscriber::fmt::format::JsonFields::new(),
        );
        assert_eq!(ours.len(), 5);
        assert_eq!(ours, theirs);
        assert!(ours[3].contains("\"span\":{\"alpha\":\"set \\\"later\\\"\",\"text\""));
    }

    #[test]
    fn a_timestamp_has_six_digits_of_microseconds() {
        // Fractions a binary float holds exactly.
        for (fraction, micros) in [
            (0.0, "000000"),
            (0.000_976_562_5, "000976"),
            (0.5, "500000"),
        ] {
            let mut text = String::new();
            super::stamp(&mut Writer::new(&mut text), 1_700_000_000.0 + fraction).unwrap();
            assert_eq!(text, format!("2023-11-14T22:13:20.{micros}Z"));
        }
    }

    #[test]
    fn the_timestamp_is_utc_with_microseconds() {
        let lines = Lines::default();
        let subscriber = tracing_subscriber::fmt()
            .fmt_fields(LogFields)
            .with_writer(lines.clone())
            .event_format(LogFormat)
            .finish();
        tracing::subscriber::with_default(subscriber, || tracing::info!("now"));
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        let line: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        let stamp = line["timestamp"].as_str().unwrap();
        assert_eq!(stamp.len(), 27, "{stamp}");
        assert_eq!(
            (&stamp[10..11], &stamp[19..20], &stamp[26..]),
            ("T", ".", "Z")
        );
        assert!(stamp[20..26].bytes().all(|b| b.is_ascii_digit()));
    }
}
