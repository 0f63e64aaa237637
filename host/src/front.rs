//! The front of a connection: it reads the client's bytes before the
//! HTTP/1 parser (hyper) does and checks each request head itself, so that
//! a head the parser would refuse is answered with the JSON envelope
//! instead of the parser's own bodiless answer, which cannot be given a
//! body.
//!
//! The front holds each head back until it is whole and reads it with the
//! parser's own head parser (`httparse`) and the parser's rules and limits
//! (`Limits::max_header_bytes`, 100 header lines, a URI of at most 65,534
//! bytes, `Content-Length` and `Transfer-Encoding`). Then:
//!
//! - a head the parser takes is handed on unchanged, and the body it
//!   announces (a `Content-Length`, or `chunked` with its chunk lines,
//!   extensions and trailers) is passed on as it comes, the front following
//!   it to where the next head starts;
//! - a head the parser would refuse is never handed on. The parser gets one
//!   empty line instead, which it skips as it skips any empty line before a
//!   head (and which, lying in its buffer, keeps it from taking the quiet
//!   for a closed connection while it still answers the requests before).
//!   When it next asks for bytes it is waiting for a head, so it has written
//!   every earlier answer: the front writes the refusal with the envelope,
//!   shuts the connection and tells the parser the stream ended.
//!
//! After a request that ends the connection (`Connection: close`, HTTP/1.0
//! without keep-alive) and after a body whose framing the parser will
//! refuse, the parser reads no further head, so the front passes every
//! byte on without looking. The front never touches what the parser
//! writes.

use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::http::{Method, StatusCode, Uri};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::envelope::refusal;

/// Header lines a head may have (the parser's default).
const MAX_HEADERS: usize = 100;
/// The longest URI the parser takes, in bytes.
const MAX_URI: usize = u16::MAX as usize - 1;
/// The longest header name the parser takes, in bytes.
const MAX_NAME: usize = u16::MAX as usize;
/// The largest `Content-Length` the parser takes.
const MAX_LENGTH: u64 = u64::MAX - 2;
/// Bytes of chunk extensions a body may carry, all its chunks together
/// (the parser's limit).
const MAX_EXTENSION_BYTES: u64 = 16 * 1024;
/// How a client that speaks HTTP/2 unasked opens: the parser closes on it
/// without an answer.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// The front's buffer at first, and what it keeps beyond the largest head.
const READ_BYTES: usize = 8 * 1024;

/// What the bytes at the start of a head make.
#[derive(Debug, PartialEq, Eq)]
enum Head {
    /// Not whole yet, and within the limits.
    Partial,
    /// A request the parser takes: the head's length in bytes, its body,
    /// whether the connection goes on after it, and whether it is HTTP/1.0.
    Request {
        len: usize,
        body: Body,
        keep_alive: bool,
        http10: bool,
    },
    /// A head the parser refuses: with the status it answers, or with no
    /// answer at all.
    Refused(Option<StatusCode>),
}

/// How a request's body is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    Length(u64),
    Chunked,
}

/// Reads the head at the start of `data`, of which `seen` bytes were read
/// before without an end; a head over `max_head` bytes is refused.
fn read_head(data: &[u8], seen: usize, max_head: usize) -> Head {
    let read = if seen > 0 && !may_end(data, seen) {
        partial(data, max_head)
    } else {
        let mut headers = [MaybeUninit::<httparse::Header<'_>>::uninit(); MAX_HEADERS];
        let mut request = httparse::Request::new(&mut []);
        match request.parse_with_uninit_headers(data, &mut headers) {
            Ok(httparse::Status::Complete(len)) => check(&request, len, max_head),
            Ok(httparse::Status::Partial) => partial(data, max_head),
            Err(httparse::Error::TooManyHeaders) => {
                Err(Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE))
            }
            // A status line is no request's error; the parser would close.
            Err(httparse::Error::Status) => Err(None),
            Err(_) => Err(Some(StatusCode::BAD_REQUEST)),
        }
    };
    match read {
        Ok(head) => head,
        Err(status) => Head::Refused(status.filter(|_| !opens_h2(data))),
    }
}

/// A head not whole yet: refused once it reaches `max_head` bytes.
fn partial(data: &[u8], max_head: usize) -> Result<Head, Option<StatusCode>> {
    if data.len() >= max_head {
        Err(Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE))
    } else {
        Ok(Head::Partial)
    }
}

/// Whether an empty line may end in `data` past the `seen` bytes already
/// read (so that a head arriving a few bytes at a time is not parsed again
/// on each).
fn may_end(data: &[u8], seen: usize) -> bool {
    let from = seen.saturating_sub(3).min(data.len());
    data[from..].iter().enumerate().any(|(i, &b)| {
        let rest = &data[from + i + 1..];
        b == b'\n' && (rest.first() == Some(&b'\n') || rest.starts_with(b"\r\n"))
    })
}

/// Whether `data` opens with the HTTP/2 preface (after any empty lines).
fn opens_h2(data: &[u8]) -> bool {
    let start = data
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(data.len());
    data[start..].starts_with(H2_PREFACE)
}

/// The checks the parser makes on a whole head of `len` bytes beyond its
/// syntax, in its order.
fn check(
    request: &httparse::Request<'_, '_>,
    len: usize,
    max_head: usize,
) -> Result<Head, Option<StatusCode>> {
    const BAD: Option<StatusCode> = Some(StatusCode::BAD_REQUEST);
    const TOO_LARGE: Option<StatusCode> = Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    if len > max_head {
        return Err(TOO_LARGE);
    }
    let (Some(method), Some(uri), Some(version)) = (request.method, request.path, request.version)
    else {
        return Err(BAD);
    };
    if uri.len() > MAX_URI {
        return Err(Some(StatusCode::URI_TOO_LONG));
    }
    if Method::from_bytes(method.as_bytes()).is_err() {
        return Err(BAD);
    }
    if request.headers.iter().any(|h| h.name.len() >= MAX_NAME) {
        return Err(TOO_LARGE);
    }
    if !uri_is_valid(uri.as_bytes()) {
        return Err(BAD);
    }
    let http11 = version == 1;
    let mut keep_alive = http11;
    let mut close = false;
    let (mut encoded, mut chunked, mut sized) = (false, false, false);
    let mut length: Option<u64> = None;
    for header in request.headers.iter() {
        let (name, value) = (header.name.as_bytes(), header.value);
        if name.eq_ignore_ascii_case(b"transfer-encoding") {
            if !http11 {
                return Err(BAD);
            }
            encoded = true;
            if sized {
                length = None;
            }
            chunked = last_coding_is_chunked(value);
        } else if name.eq_ignore_ascii_case(b"content-length") {
            sized = true;
            if encoded {
                continue;
            }
            let n = digits(value).ok_or(BAD)?;
            match length {
                Some(before) if before != n => return Err(BAD),
                Some(_) => continue,
                None if n > MAX_LENGTH => return Err(TOO_LARGE),
                None => length = Some(n),
            }
        } else if name.eq_ignore_ascii_case(b"connection") {
            if close || has_token(value, "close") {
                close = true;
                keep_alive = false;
            } else if !keep_alive {
                keep_alive = has_token(value, "keep-alive");
            }
        }
    }
    if encoded && !chunked {
        return Err(BAD);
    }
    let body = if chunked {
        Body::Chunked
    } else {
        Body::Length(length.unwrap_or(0))
    };
    Ok(Head::Request {
        len,
        body,
        keep_alive: keep_alive && !(encoded && sized),
        http10: !http11,
    })
}

/// The bytes a URI made only of them may hold anywhere once it starts with
/// `/`: the `http` crate takes such a URI as it stands.
const PLAIN_URI: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
                    | b'/'
                    | b'%'
                    | b'?'
            );
        b += 1;
    }
    table
};

/// Whether the parser takes `uri` as a URI: at once for a path and query
/// of plain bytes, else through the `http` crate (which copies it).
fn uri_is_valid(uri: &[u8]) -> bool {
    let plain = uri.first() == Some(&b'/') && uri.iter().all(|&b| PLAIN_URI[usize::from(b)]);
    plain || Uri::try_from(uri).is_ok()
}

/// A header value as text, when it is visible ASCII (and tabs).
fn visible(value: &[u8]) -> Option<&str> {
    value
        .iter()
        .all(|&b| b == b'\t' || (b' '..=b'~').contains(&b))
        .then(|| std::str::from_utf8(value).ok())
        .flatten()
}

/// Whether a comma-separated header value lists `token`.
fn has_token(value: &[u8], token: &str) -> bool {
    visible(value).is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
}

/// Whether the last coding a `Transfer-Encoding` value names is `chunked`.
fn last_coding_is_chunked(value: &[u8]) -> bool {
    visible(value)
        .and_then(|v| v.rsplit(',').next())
        .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"))
}

/// A `Content-Length` value: decimal digits only.
fn digits(value: &[u8]) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    value.iter().try_fold(0u64, |n, &b| {
        let digit = char::from(b).to_digit(10)?;
        n.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// Where a chunked body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum ChunkAt {
    /// The first digit of a chunk size.
    #[default]
    Start,
    /// More digits of the size.
    Size,
    /// Blanks after the size.
    SizeBlank,
    /// A chunk extension, up to the end of the line.
    Extension,
    /// The line feed ending the size line.
    SizeEnd,
    /// The chunk's data.
    Data,
    /// The line end after the data.
    DataCr,
    DataLf,
    /// A trailer line.
    Trailer,
    TrailerLf,
    /// A trailer line or the empty line ending the body.
    EndCr,
    EndLf,
}

/// Following a chunked body to its end, with the parser's grammar and
/// limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Chunked {
    at: ChunkAt,
    /// The chunk size read so far, then the data bytes still to come.
    left: u64,
    extension_bytes: u64,
    trailer_bytes: usize,
    trailers: usize,
}

/// What the bytes fed to a [`Chunked`] made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fed {
    /// All of them belong to the body, which goes on.
    More,
    /// The body ended after this many of them.
    End(usize),
    /// The framing is broken: the parser will refuse the body.
    Broken,
}

impl Chunked {
    /// Follows the body through `bytes`; trailers are bounded by
    /// `max_trailer_bytes`, as heads are.
    fn feed(&mut self, bytes: &[u8], max_trailer_bytes: usize) -> Fed {
        let mut i = 0;
        while i < bytes.len() {
            if self.at == ChunkAt::Data {
                let room = u64::try_from(bytes.len() - i).unwrap_or(u64::MAX);
                let take = self.left.min(room);
                i += usize::try_from(take).unwrap_or(usize::MAX);
                self.left -= take;
                if self.left == 0 {
                    self.at = ChunkAt::DataCr;
                }
                continue;
            }
            let byte = bytes[i];
            i += 1;
            match self.step(byte, max_trailer_bytes) {
                Some(true) => return Fed::End(i),
                Some(false) => {}
                None => return Fed::Broken,
            }
        }
        Fed::More
    }

    /// One byte outside a chunk's data: whether the body ended with it, or
    /// `None` when the framing breaks there.
    fn step(&mut self, byte: u8, max_trailer_bytes: usize) -> Option<bool> {
        use ChunkAt::{
            Data, DataCr, DataLf, EndCr, EndLf, Extension, Size, SizeBlank, SizeEnd, Start,
            Trailer, TrailerLf,
        };
        self.at = match (self.at, byte) {
            (Start, _) => {
                self.left = u64::from(hex(byte)?);
                Size
            }
            (Size, b' ' | b'\t') | (SizeBlank, b' ' | b'\t') => SizeBlank,
            (Size | SizeBlank, b';') => Extension,
            (Size | SizeBlank | Extension, b'\r') => SizeEnd,
            (Size, _) => {
                self.left = self
                    .left
                    .checked_mul(16)?
                    .checked_add(u64::from(hex(byte)?))?;
                Size
            }
            (Extension, b'\n') | (SizeBlank, _) => return None,
            (Extension, _) => {
                self.extension_bytes += 1;
                if self.extension_bytes >= MAX_EXTENSION_BYTES {
                    return None;
                }
                Extension
            }
            (SizeEnd, b'\n') if self.left == 0 => EndCr,
            (SizeEnd, b'\n') => Data,
            (DataCr, b'\r') => DataLf,
            (DataLf, b'\n') => Start,
            (EndCr, b'\r') => {
                if self.trailer_bytes > 0 {
                    self.trailer_byte(max_trailer_bytes)?;
                }
                EndLf
            }
            (EndCr, _) => {
                if self.trailer_bytes == 0 {
                    self.trailer_bytes = 1;
                } else {
                    self.trailer_byte(max_trailer_bytes)?;
                }
                Trailer
            }
            (Trailer, _) => {
                self.trailer_byte(max_trailer_bytes)?;
                if byte == b'\r' { TrailerLf } else { Trailer }
            }
            (TrailerLf, b'\n') => {
                if self.trailers >= MAX_HEADERS {
                    return None;
                }
                self.trailers += 1;
                self.trailer_byte(max_trailer_bytes)?;
                EndCr
            }
            (EndLf, b'\n') => {
                if self.trailer_bytes > 0 {
                    self.trailer_byte(max_trailer_bytes)?;
                }
                return Some(true);
            }
            (SizeEnd | DataCr | DataLf | TrailerLf | EndLf | Data, _) => return None,
        };
        Some(false)
    }

    /// Counts one more byte of trailers; `None` once they reach the limit.
    fn trailer_byte(&mut self, max_trailer_bytes: usize) -> Option<()> {
        self.trailer_bytes += 1;
        (self.trailer_bytes < max_trailer_bytes).then_some(())
    }
}

/// The value of a hexadecimal digit.
fn hex(byte: u8) -> Option<u8> {
    char::from(byte)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Where the front is in the stream of requests.
#[derive(Debug)]
enum Phase {
    /// Looking for the next head.
    Head,
    /// Passing on a body of this many more bytes.
    Length(u64),
    /// Passing on a chunked body.
    Chunked(Chunked),
    /// Passing everything on without looking.
    Through,
    /// A head is refused; the parser has not had the empty line yet.
    Refused(Option<StatusCode>),
    /// The parser has had the empty line; its next read ends the stream.
    Marked(Option<StatusCode>),
    /// Writing the refusal: its bytes and how many were written.
    Answering(Vec<u8>, usize),
    /// Flushing and shutting the connection after the refusal.
    Closing,
    /// The stream has ended for the parser.
    Ended,
}

/// What comes after a request's body: the next head, or, when the
/// connection ends with the request, whatever the client sends on.
fn after_body(keep_alive: bool) -> Phase {
    if keep_alive {
        Phase::Head
    } else {
        Phase::Through
    }
}

/// A connection's stream as the HTTP/1 parser reads it, through the front.
#[derive(Debug)]
pub(crate) struct Front<S> {
    inner: S,
    /// Bytes read from the client: `..pos` handed on, `pos..ready` checked
    /// and waiting to be handed on, `ready..end` not yet checked (the start
    /// of a head).
    buf: Vec<u8>,
    pos: usize,
    ready: usize,
    end: usize,
    /// Bytes of the head at `ready` read before without an end.
    seen: usize,
    phase: Phase,
    /// Whether the connection goes on after the current request.
    keep_alive: bool,
    /// Whether the last request handed on was HTTP/1.0 (the parser then
    /// answers in HTTP/1.0).
    http10: bool,
    max_head: usize,
    /// Whether the front has shut the connection.
    shut: bool,
}

impl<S> Front<S> {
    /// The front of `inner`, whose heads may have up to `max_head` bytes.
    pub(crate) fn new(inner: S, max_head: usize) -> Self {
        Self {
            inner,
            buf: vec![0; READ_BYTES],
            pos: 0,
            ready: 0,
            end: 0,
            seen: 0,
            phase: Phase::Head,
            keep_alive: true,
            http10: false,
            max_head,
            shut: false,
        }
    }

    /// Checks the bytes read and not yet checked, as far as they go.
    fn scan(&mut self) {
        loop {
            let unchecked = &self.buf[self.ready..self.end];
            match &mut self.phase {
                Phase::Head => {
                    if unchecked.is_empty() {
                        return;
                    }
                    match read_head(unchecked, self.seen, self.max_head) {
                        Head::Partial => {
                            self.seen = unchecked.len();
                            return;
                        }
                        Head::Refused(status) => {
                            self.phase = Phase::Refused(status);
                            return;
                        }
                        Head::Request {
                            len,
                            body,
                            keep_alive,
                            http10,
                        } => {
                            self.ready += len;
                            self.seen = 0;
                            self.keep_alive = keep_alive;
                            self.http10 = http10;
                            self.phase = match body {
                                Body::Length(0) => after_body(self.keep_alive),
                                Body::Length(n) => Phase::Length(n),
                                Body::Chunked => Phase::Chunked(Chunked::default()),
                            };
                        }
                    }
                }
                Phase::Length(left) => {
                    let room = u64::try_from(unchecked.len()).unwrap_or(u64::MAX);
                    let take = (*left).min(room);
                    *left -= take;
                    self.ready += usize::try_from(take).unwrap_or(usize::MAX);
                    if *left > 0 {
                        return;
                    }
                    self.phase = after_body(self.keep_alive);
                }
                Phase::Chunked(chunked) => match chunked.feed(unchecked, self.max_head) {
                    Fed::More => {
                        self.ready = self.end;
                        return;
                    }
                    Fed::End(n) => {
                        self.ready += n;
                        self.phase = after_body(self.keep_alive);
                    }
                    Fed::Broken => {
                        self.ready = self.end;
                        self.phase = Phase::Through;
                        return;
                    }
                },
                Phase::Through => {
                    self.ready = self.end;
                    return;
                }
                _ => return,
            }
        }
    }

    /// Room at the end of the buffer for another read: the bytes not yet
    /// handed on moved to its start, or a larger buffer (up to a whole
    /// head and one more read).
    fn make_room(&mut self) {
        if self.end < self.buf.len() {
            return;
        }
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.ready -= self.pos;
            self.pos = 0;
            return;
        }
        let most = self.max_head.saturating_add(READ_BYTES);
        let grown = self.buf.len().saturating_mul(2).min(most);
        self.buf.resize(grown.max(self.buf.len() + 1), 0);
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for Front<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.pos < this.ready {
                let n = (this.ready - this.pos).min(out.remaining());
                out.put_slice(&this.buf[this.pos..this.pos + n]);
                this.pos += n;
                if this.pos == this.end {
                    (this.pos, this.ready, this.end) = (0, 0, 0);
                }
                return Poll::Ready(Ok(()));
            }
            match &mut this.phase {
                Phase::Refused(status) => {
                    this.phase = Phase::Marked(*status);
                    out.put_slice(b"\n");
                    return Poll::Ready(Ok(()));
                }
                Phase::Marked(status) => {
                    this.phase = match status {
                        Some(status) => Phase::Answering(refusal(*status, this.http10), 0),
                        None => Phase::Ended,
                    };
                    continue;
                }
                Phase::Answering(answer, written) => {
                    while *written < answer.len() {
                        let n =
                            ready!(Pin::new(&mut this.inner).poll_write(cx, &answer[*written..]))?;
                        if n == 0 {
                            return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                        }
                        *written += n;
                    }
                    this.phase = Phase::Closing;
                    continue;
                }
                Phase::Closing => {
                    ready!(Pin::new(&mut this.inner).poll_flush(cx))?;
                    ready!(Pin::new(&mut this.inner).poll_shutdown(cx))?;
                    this.shut = true;
                    this.phase = Phase::Ended;
                    continue;
                }
                Phase::Ended => return Poll::Ready(Ok(())),
                // Nothing held back: a body the parser reads whole, or
                // anything after the last head, goes straight into its
                // buffer.
                Phase::Through if this.pos == this.end => {
                    return Pin::new(&mut this.inner).poll_read(cx, out);
                }
                Phase::Length(left)
                    if this.pos == this.end
                        && *left >= u64::try_from(out.remaining()).unwrap_or(u64::MAX) =>
                {
                    let before = out.filled().len();
                    ready!(Pin::new(&mut this.inner).poll_read(cx, out))?;
                    let n = out.filled().len() - before;
                    *left -= u64::try_from(n).unwrap_or(u64::MAX);
                    if *left == 0 {
                        this.phase = after_body(this.keep_alive);
                    }
                    return Poll::Ready(Ok(()));
                }
                _ => {}
            }
            this.make_room();
            let mut read = ReadBuf::new(&mut this.buf[this.end..]);
            let result = ready!(Pin::new(&mut this.inner).poll_read(cx, &mut read));
            let n = read.filled().len();
            if n == 0 || result.is_err() {
                if this.pos == this.end {
                    return Poll::Ready(result);
                }
                // A head begun and never finished (the stream ended or
                // failed, as a TLS stream does when the client closes
                // without a close_notify): the parser, which would hold
                // the begun head, answers the requests before and then
                // closes without an answer.
                this.phase = Phase::Refused(None);
                continue;
            }
            this.end += n;
            this.scan();
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Front<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.shut {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::task::Waker;

    use super::*;

    const MAX_HEAD: usize = 64 * 1024;

    /// A client's side of a connection: what it sends, one read at a time
    /// (`None`: nothing yet, the read waits), then the end of the stream,
    /// or, when `open`, a wait that never ends; and what is written to it.
    #[derive(Default)]
    struct Client {
        sends: VecDeque<Option<Vec<u8>>>,
        open: bool,
        fails: bool,
        written: Vec<u8>,
        shut: bool,
    }

    impl Client {
        fn sending<const N: usize>(sends: [&[u8]; N]) -> Self {
            Self {
                sends: sends.iter().map(|s| Some(s.to_vec())).collect(),
                ..Self::default()
            }
        }
    }

    impl AsyncRead for Client {
        fn poll_read(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let this = self.get_mut();
            match this.sends.pop_front() {
                Some(Some(mut bytes)) => {
                    let n = bytes.len().min(buf.remaining());
                    buf.put_slice(&bytes[..n]);
                    if n < bytes.len() {
                        this.sends.push_front(Some(bytes.split_off(n)));
                    }
                    Poll::Ready(Ok(()))
                }
                Some(None) => Poll::Pending,
                None if this.open => Poll::Pending,
                None if this.fails => Poll::Ready(Err(io::ErrorKind::UnexpectedEof.into())),
                None => Poll::Ready(Ok(())),
            }
        }
    }

    impl AsyncWrite for Client {
        fn poll_write(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.get_mut().written.extend_from_slice(buf);
            Poll::Ready(Ok(buf.len()))
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.get_mut().shut = true;
            Poll::Ready(Ok(()))
        }
    }

    /// One read by the parser, with a buffer of `room` bytes: the bytes it
    /// got (empty at the end of the stream), or `None` when it must wait.
    fn read(front: &mut Front<Client>, room: usize) -> Option<Vec<u8>> {
        let mut space = vec![0u8; room];
        let mut buf = ReadBuf::new(&mut space);
        let mut cx = Context::from_waker(Waker::noop());
        match Pin::new(front).poll_read(&mut cx, &mut buf) {
            Poll::Ready(Ok(())) => Some(buf.filled().to_vec()),
            Poll::Ready(Err(e)) => panic!("read failed: {e}"),
            Poll::Pending => None,
        }
    }

    /// Everything the parser reads until the stream ends or a read waits.
    fn read_all(front: &mut Front<Client>) -> Vec<u8> {
        let mut got = Vec::new();
        while let Some(bytes) = read(front, 8192) {
            if bytes.is_empty() {
                break;
            }
            got.extend_from_slice(&bytes);
        }
        got
    }

    fn front<const N: usize>(sends: [&[u8]; N]) -> Front<Client> {
        Front::new(Client::sending(sends), MAX_HEAD)
    }

    fn text(bytes: &[u8]) -> String {
        String::from_utf8_lossy(bytes).into_owned()
    }

    const GET: &[u8] = b"GET /rest/x?a=1 HTTP/1.1\r\nHost: x\r\n\r\n";
    const BAD: &[u8] = b"GET /rest/x HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n";

    #[test]
    fn a_head_split_across_reads_is_handed_on_whole_once_it_ends() {
        let mut client = Client::default();
        for part in [
            &b"GET /rest/x HT"[..],
            b"TP/1.1\r\nHo",
            b"st: x\r",
            b"\n\r\n",
        ] {
            client.sends.push_back(Some(part.to_vec()));
            client.sends.push_back(None);
        }
        client.open = true;
        let mut front = Front::new(client, MAX_HEAD);
        // Nothing of the head reaches the parser while it is coming.
        for _ in 0..3 {
            assert_eq!(read(&mut front, 8192), None);
        }
        assert_eq!(
            read(&mut front, 8192).as_deref(),
            Some(&b"GET /rest/x HTTP/1.1\r\nHost: x\r\n\r\n"[..])
        );
        assert_eq!(read(&mut front, 8192), None);
        assert!(front.inner.written.is_empty());
    }

    #[test]
    fn pipelined_requests_pass_through_unchanged_and_in_order() {
        let post = b"POST /rest/x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
        let all = [GET, post, GET, post].concat();
        let mut front = front([&all]);
        assert_eq!(read_all(&mut front), all);
        assert!(front.inner.written.is_empty() && !front.inner.shut);
        // Handed on in a small buffer, a few bytes at a time, the same.
        let mut front = self::front([&all]);
        let mut got = Vec::new();
        while let Some(bytes) = read(&mut front, 7).filter(|b| !b.is_empty()) {
            got.extend_from_slice(&bytes);
        }
        assert_eq!(got, all);
    }

    #[test]
    fn a_chunked_body_with_extensions_and_trailers_is_followed_to_its_end() {
        let body = b"POST /rest/x HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n\
                     5;name=value;quoted=\"a b\"\r\nhello\r\n\
                     A \t;ext\r\n0123456789\r\n\
                     0;last\r\nX-Trailer: 1\r\nX-Other: 2\r\n\r\n";
        let all = [&body[..], GET, BAD].concat();
        // Whole, and one byte a read.
        let mut front = self::front([&all]);
        let got = read_all(&mut front);
        assert_eq!(text(&got), text(&[&body[..], GET, b"\n"].concat()));
        let client = Client {
            sends: all.chunks(1).map(|b| Some(b.to_vec())).collect(),
            ..Client::default()
        };
        let mut front = Front::new(client, MAX_HEAD);
        let got = read_all(&mut front);
        assert_eq!(text(&got), text(&[&body[..], GET, b"\n"].concat()));
        assert!(text(&front.inner.written).starts_with("HTTP/1.1 400 Bad Request\r\n"));
    }

    #[test]
    fn a_body_that_looks_like_a_head_is_passed_on_as_body() {
        let inside = b"GET / HTTP/1.1\r\n\r\nNOT HTTP AT ALL\r\n\r\n";
        let sized = [
            format!(
                "POST /rest/x HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
                inside.len()
            )
            .as_bytes(),
            inside,
        ]
        .concat();
        let chunked = [
            &b"POST /rest/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"[..],
            format!("{:x}\r\n", inside.len()).as_bytes(),
            inside,
            b"\r\n0\r\n\r\n",
        ]
        .concat();
        for request in [sized, chunked] {
            let all = [&request[..], GET].concat();
            let mut front = front([&all]);
            assert_eq!(text(&read_all(&mut front)), text(&all));
            assert!(front.inner.written.is_empty() && !front.inner.shut);
        }
    }

    #[test]
    fn a_malformed_head_after_a_valid_request_is_answered_after_it_and_the_connection_closed() {
        let mut front = front([&[GET, BAD].concat()]);
        assert_eq!(read(&mut front, 8192).as_deref(), Some(GET));
        // The parser gets an empty line in place of the bad head, and
        // nothing is written while it may still be answering the first.
        assert_eq!(read(&mut front, 8192).as_deref(), Some(&b"\n"[..]));
        assert!(front.inner.written.is_empty() && !front.inner.shut);
        // Its next read, for a head, ends the stream after the answer.
        assert_eq!(read(&mut front, 8192).as_deref(), Some(&b""[..]));
        let answer = text(&front.inner.written);
        assert!(
            answer.starts_with("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n"),
            "{answer}"
        );
        assert!(answer.ends_with(r#"{"error":"INVALID_REQUEST","error_description":"Malformed request: the parameters could not be read"}"#), "{answer}");
        assert!(front.inner.shut);
        assert_eq!(read(&mut front, 8192).as_deref(), Some(&b""[..]));
    }

    #[test]
    fn heads_the_parser_refuses_get_its_status() {
        let refused = |head: &[u8]| match read_head(head, 0, MAX_HEAD) {
            Head::Refused(status) => status.map(|s| s.as_u16()),
            other => panic!("{other:?} for {}", text(head)),
        };
        let pad = |n: usize| "x".repeat(n);
        for (head, status) in [
            (b"NOT HTTP AT ALL\r\n\r\n".to_vec(), 400),
            (BAD.to_vec(), 400),
            (b"G(T / HTTP/1.1\r\n\r\n".to_vec(), 400),
            (b"GET / HTTP/2.0\r\n\r\n".to_vec(), 400),
            (b"GET /a`b HTTP/1.1\r\n\r\n".to_vec(), 400),
            (b"GET /\xff HTTP/1.1\r\n\r\n".to_vec(), 400),
            (b"GET ?a HTTP/1.1\r\n\r\n".to_vec(), 400),
            (b"CONNECT x:1:2 HTTP/1.1\r\n\r\n".to_vec(), 400),
            (
                b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec(),
                400,
            ),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n".to_vec(),
                400,
            ),
            (
                b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n".to_vec(),
                400,
            ),
            (
                b"POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\n".to_vec(),
                400,
            ),
            (
                b"POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\n".to_vec(),
                400,
            ),
            (
                b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n".to_vec(),
                400,
            ),
            (
                b"POST / HTTP/1.1\r\nContent-Length: 18446744073709551614\r\n\r\n".to_vec(),
                431,
            ),
            (
                format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", pad(MAX_HEAD)).into_bytes(),
                431,
            ),
            (
                format!("GET / HTTP/1.1\r\nX: {}", pad(MAX_HEAD)).into_bytes(),
                431,
            ),
            (
                format!("GET / HTTP/1.1\r\n{}\r\n", "X: 1\r\n".repeat(101)).into_bytes(),
                431,
            ),
        ] {
            assert_eq!(
                refused(&head),
                Some(status),
                "{}",
                text(&head[..60.min(head.len())])
            );
        }
        // The URI limit is the parser's, under a larger head limit.
        let long = format!("GET /{} HTTP/1.1\r\n\r\n", pad(70_000));
        assert!(matches!(
            read_head(long.as_bytes(), 0, 256 * 1024),
            Head::Refused(Some(StatusCode::URI_TOO_LONG))
        ));
        // An HTTP/2 preface is closed on without an answer.
        assert_eq!(refused(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), None);
    }

    #[test]
    fn heads_the_parser_takes_are_framed_as_it_frames_them() {
        let request = |head: &[u8]| match read_head(head, 0, MAX_HEAD) {
            Head::Request {
                len,
                body,
                keep_alive,
                ..
            } => {
                assert_eq!(len, head.len(), "{}", text(head));
                (body, keep_alive)
            }
            other => panic!("{other:?} for {}", text(head)),
        };
        for (head, framed) in [
            (&b"GET / HTTP/1.1\r\n\r\n"[..], (Body::Length(0), true)),
            (
                b"\r\n\nGET / HTTP/1.1\nHost: x\n\n",
                (Body::Length(0), true),
            ),
            (b"GET / HTTP/1.0\r\n\r\n", (Body::Length(0), false)),
            (
                b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
                (Body::Length(0), true),
            ),
            (
                b"GET / HTTP/1.1\r\nConnection: close\r\nConnection: keep-alive\r\n\r\n",
                (Body::Length(0), false),
            ),
            (
                b"POST / HTTP/1.1\r\nContent-Length: 7\r\nContent-Length: 7\r\n\r\n",
                (Body::Length(7), true),
            ),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n",
                (Body::Chunked, true),
            ),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
                (Body::Chunked, true),
            ),
            // Both: chunked, and the connection ends after the request.
            (
                b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
                (Body::Chunked, false),
            ),
            (
                b"GET /a{b}/%C3%A9/\xc3\xa9?q=`x`#frag HTTP/1.1\r\n\r\n",
                (Body::Length(0), true),
            ),
            (b"GET http://x/y HTTP/1.1\r\n\r\n", (Body::Length(0), true)),
            (b"OPTIONS * HTTP/1.1\r\n\r\n", (Body::Length(0), true)),
            (b"CONNECT x:443 HTTP/1.1\r\n\r\n", (Body::Length(0), true)),
            (
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZ / HTTP/1.1\r\n\r\n",
                (Body::Length(0), true),
            ),
        ] {
            assert_eq!(request(head), framed, "{}", text(head));
        }
        let hundred = format!("GET / HTTP/1.1\r\n{}\r\n", "X: 1\r\n".repeat(100));
        assert_eq!(request(hundred.as_bytes()), (Body::Length(0), true));
        assert_eq!(
            read_head(b"GET / HTTP/1.1\r\nHost: x\r\n", 0, MAX_HEAD),
            Head::Partial
        );
    }

    #[test]
    fn a_head_over_the_limit_is_refused_before_it_ends() {
        let mut client = Client::default();
        client
            .sends
            .push_back(Some(b"GET / HTTP/1.1\r\nX: ".to_vec()));
        for _ in 0..(MAX_HEAD / 1000 + 1) {
            client.sends.push_back(Some(vec![b'x'; 1000]));
        }
        client.open = true;
        let mut front = Front::new(client, MAX_HEAD);
        assert_eq!(read(&mut front, 8192).as_deref(), Some(&b"\n"[..]));
        assert_eq!(read(&mut front, 8192).as_deref(), Some(&b""[..]));
        let answer = text(&front.inner.written);
        assert!(
            answer.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
            "{answer}"
        );
        assert!(
            answer.contains("REQUEST_HEADER_FIELDS_TOO_LARGE"),
            "{answer}"
        );
    }

    #[test]
    fn a_head_cut_short_by_the_end_of_the_stream_gets_no_answer() {
        let mut front = front([GET, b"GET / HT"]);
        assert_eq!(read_all(&mut front), [GET, b"\n"].concat());
        assert!(front.inner.written.is_empty() && !front.inner.shut);
        // With nothing begun, the end of the stream is passed on as such.
        let mut front = self::front([GET]);
        assert_eq!(read_all(&mut front), GET);
        let mut front = self::front([b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"]);
        assert_eq!(read_all(&mut front), b"\n");
        assert!(front.inner.written.is_empty());
    }

    #[test]
    fn a_stream_that_fails_in_a_head_is_closed_on_after_the_answers_before_it() {
        let mut client = Client::sending([GET, b"GET / HT"]);
        client.fails = true;
        let mut front = Front::new(client, MAX_HEAD);
        assert_eq!(read(&mut front, 8192).as_deref(), Some(GET));
        assert_eq!(read(&mut front, 8192).as_deref(), Some(&b"\n"[..]));
        assert_eq!(read(&mut front, 8192).as_deref(), Some(&b""[..]));
        assert!(front.inner.written.is_empty());
        // With nothing begun, the failure is the parser's to see.
        let mut client = Client::sending([GET]);
        client.fails = true;
        let mut front = Front::new(client, MAX_HEAD);
        assert_eq!(read(&mut front, 8192).as_deref(), Some(GET));
        let mut space = [0u8; 64];
        let mut buf = ReadBuf::new(&mut space);
        let mut cx = Context::from_waker(Waker::noop());
        assert!(matches!(
            Pin::new(&mut front).poll_read(&mut cx, &mut buf),
            Poll::Ready(Err(_))
        ));
    }

    #[test]
    fn after_a_request_that_closes_the_connection_nothing_is_looked_at() {
        for first in [
            &b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n"[..],
            b"GET / HTTP/1.0\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        ] {
            let all = [first, BAD, GET].concat();
            let mut front = front([&all]);
            assert_eq!(text(&read_all(&mut front)), text(&all));
            assert!(front.inner.written.is_empty());
        }
        // After HTTP/1.0 with keep-alive, a refusal is in HTTP/1.0.
        let mut front = front([b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", BAD]);
        read_all(&mut front);
        assert!(text(&front.inner.written).starts_with("HTTP/1.0 400 Bad Request\r\n"));
    }

    #[test]
    fn a_body_with_broken_chunk_framing_lets_the_rest_through() {
        for broken in [
            &b"1g\r\nx\r\n0\r\n\r\n"[..],
            b"1\r\nxx0\r\n\r\n",
            b"1;a\nb\r\nx\r\n0\r\n\r\n",
            b"1 2\r\nx\r\n0\r\n\r\n",
            b"0\r\nBad\rTrailer\r\n\r\n",
            b"ffffffffffffffffff\r\n",
        ] {
            let all = [
                &b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"[..],
                broken,
                BAD,
            ]
            .concat();
            let mut front = front([&all]);
            assert_eq!(text(&read_all(&mut front)), text(&all), "{}", text(broken));
            assert!(front.inner.written.is_empty());
        }
        // Extensions over the parser's limit, counted over the whole body.
        let mut chunked = Chunked::default();
        let ext = format!("1;{}\r\nx\r\n", "e".repeat(9000));
        assert_eq!(chunked.feed(ext.as_bytes(), MAX_HEAD), Fed::More);
        assert_eq!(chunked.feed(ext.as_bytes(), MAX_HEAD), Fed::Broken);
        // Trailers over the head limit.
        let mut chunked = Chunked::default();
        let trailer = format!("0\r\nX: {}\r\n\r\n", "t".repeat(100));
        assert_eq!(chunked.feed(trailer.as_bytes(), 64), Fed::Broken);
        let mut chunked = Chunked::default();
        assert_eq!(
            chunked.feed(trailer.as_bytes(), MAX_HEAD),
            Fed::End(trailer.len())
        );
    }

    #[test]
    fn a_long_body_is_counted_across_reads_to_the_next_head() {
        let body = vec![b'a'; 100_000];
        let head = format!("POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n", body.len());
        let mut client = Client::default();
        client.sends.push_back(Some(head.into_bytes()));
        for part in body.chunks(3000) {
            client.sends.push_back(Some(part.to_vec()));
        }
        client.sends.push_back(Some([GET, BAD].concat()));
        let mut front = Front::new(client, MAX_HEAD);
        let got = read_all(&mut front);
        assert!(got.ends_with(&[&body[body.len() - 10..], GET, b"\n"].concat()));
        assert!(text(&front.inner.written).starts_with("HTTP/1.1 400 "));
    }
}
