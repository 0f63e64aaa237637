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
//! are formatted once, by [`JsonFields`], when the span is made), and the
//! timestamp's date and time of day are formatted once a second.

use std::fmt;

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::{JsonFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// The event format of the host's log (see the module's docs); the
/// subscriber's field format must be [`JsonFields`].
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
        event.record(&mut fields);
        fields.result?;
        writer.write_str(",\"target\":")?;
        string(&mut writer, meta.target())?;
        if let Some(span) = ctx.lookup_current() {
            writer.write_str(",\"span\":{")?;
            let extensions = span.extensions();
            let recorded = extensions
                .get::<FormattedFields<JsonFields>>()
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

/// Writes each field of an event as `,"name":value`.
struct Fields<'w, 'a> {
    writer: &'w mut Writer<'a>,
    result: fmt::Result,
}

impl Fields<'_, '_> {
    fn field(&mut self, field: &Field, value: impl FnOnce(&mut Writer<'_>) -> fmt::Result) {
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

impl Visit for Fields<'_, '_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.field(field, |w| match serde_json::Number::from_f64(value) {
            Some(number) => write!(w, "{number}"),
            None => w.write_str("null"),
        });
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.field(field, |w| write!(w, "{value}"));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.field(field, |w| write!(w, "{value}"));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.field(field, |w| write!(w, "{value}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.field(field, |w| string(w, value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.field(field, |w| string(w, &format!("{value:?}")));
    }
}

/// Writes `text` as a JSON string, escaped as `serde_json` escapes it.
fn string(writer: &mut Writer<'_>, text: &str) -> fmt::Result {
    writer.write_char('"')?;
    let mut rest = text;
    while let Some(at) = rest.find(|c: char| c == '"' || c == '\\' || c < ' ') {
        writer.write_str(&rest[..at])?;
        let c = rest[at..].chars().next().unwrap_or_default();
        match c {
            '"' => writer.write_str("\\\"")?,
            '\\' => writer.write_str("\\\\")?,
            '\n' => writer.write_str("\\n")?,
            '\r' => writer.write_str("\\r")?,
            '\t' => writer.write_str("\\t")?,
            '\u{8}' => writer.write_str("\\b")?,
            '\u{c}' => writer.write_str("\\f")?,
            other => write!(writer, "\\u{:04x}", u32::from(other))?,
        }
        rest = &rest[at + c.len_utf8()..];
    }
    writer.write_str(rest)?;
    writer.write_char('"')
}

/// Writes now as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, microseconds).
fn timestamp(writer: &mut Writer<'_>) -> fmt::Result {
    let now = crate::clock::now();
    let date = crate::clock::iso8601(now);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let micros = ((now.fract() * 1e6) as u32).min(999_999);
    write!(
        writer,
        "{}.{micros:06}Z",
        date.get(..19).unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::{Arc, Mutex};

    use tracing_subscriber::fmt::MakeWriter;

    use super::LogFormat;

    /// Lines written to memory.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

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
    /// format and gives the lines written, each without its timestamp.
    fn lines_of<F>(format: F) -> Vec<String>
    where
        F: tracing_subscriber::fmt::FormatEvent<
                tracing_subscriber::Registry,
                tracing_subscriber::fmt::format::JsonFields,
            > + Send
            + Sync
            + 'static,
    {
        let lines = Lines::default();
        let subscriber = tracing_subscriber::fmt()
            .json()
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
        let ours = lines_of(LogFormat);
        let theirs = lines_of(
            tracing_subscriber::fmt::format()
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(false),
        );
        assert_eq!(ours.len(), 4);
        assert_eq!(ours, theirs);
    }

    #[test]
    fn the_timestamp_is_utc_with_microseconds() {
        let lines = Lines::default();
        let subscriber = tracing_subscriber::fmt()
            .json()
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
