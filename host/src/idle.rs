//! A connection's idle limit: a read or a write that waits longer than
//! the limit fails with `TimedOut`, and the server closes the connection.
//!
//! The timer is lazy. A wait's start is noted when an operation first
//! has to wait, and nothing is done when one completes; the timer is
//! moved only when it fires before the current wait's deadline. A
//! timer moved on every wait and every completion, as a timer per
//! operation does, touches the runtime's timer wheel twice a request.

use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

pin_project_lite::pin_project! {
    /// `S` with reads and writes that may wait at most `limit` each.
    pub(crate) struct Idle<S> {
        #[pin]
        inner: S,
        #[pin]
        read: Wait,
        #[pin]
        write: Wait,
    }
}

pin_project_lite::pin_project! {
    /// One direction's waits: when the current one began, and a timer
    /// that fires no later than its deadline.
    struct Wait {
        limit: Duration,
        since: Option<Instant>,
        #[pin]
        timer: Sleep,
    }
}

impl<S> Idle<S> {
    /// `inner` with reads and writes that may each wait `limit`.
    pub(crate) fn new(inner: S, limit: Duration) -> Self {
        Self {
            inner,
            read: Wait::new(limit),
            write: Wait::new(limit),
        }
    }
}

impl Wait {
    fn new(limit: Duration) -> Self {
        Self {
            limit,
            since: None,
            timer: tokio::time::sleep(limit),
        }
    }

    /// Follows an operation's `poll`: one that completed ends the wait;
    /// one that has to wait starts a wait (if none is on), and becomes
    /// `TimedOut` once the wait has lasted the limit.
    fn follow<T>(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        poll: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        let mut this = self.project();
        if poll.is_ready() {
            *this.since = None;
            return poll;
        }
        let deadline = *this.since.get_or_insert_with(Instant::now) + *this.limit;
        loop {
            if this.timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            // The timer was set for an earlier wait's deadline, or for
            // this one's.
            if Instant::now() >= deadline {
                *this.since = None;
                return Poll::Ready(Err(io::Error::from(io::ErrorKind::TimedOut)));
            }
            this.timer.as_mut().reset(deadline);
        }
    }
}

impl<S: AsyncRead> AsyncRead for Idle<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.project();
        let poll = this.inner.poll_read(cx, buf);
        this.read.follow(cx, poll)
    }
}

impl<S: AsyncWrite> AsyncWrite for Idle<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.project();
        let poll = this.inner.poll_write(cx, buf);
        this.write.follow(cx, poll)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.project();
        let poll = this.inner.poll_write_vectored(cx, bufs);
        this.write.follow(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.project();
        let poll = this.inner.poll_flush(cx);
        this.write.follow(cx, poll)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.project();
        let poll = this.inner.poll_shutdown(cx);
        this.write.follow(cx, poll)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt, duplex};
    use tokio::time::{Instant, sleep};

    use super::Idle;

    const LIMIT: Duration = Duration::from_millis(400);
    /// How late a timer may fire on a busy machine.
    const SLACK: Duration = Duration::from_secs(3);

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
    }

    /// Asserts that `took` is the limit, give or take a busy machine.
    fn about_the_limit(took: Duration) {
        assert!(took >= LIMIT && took < LIMIT + SLACK, "{took:?}");
    }

    #[test]
    fn a_read_that_waits_out_the_limit_times_out() {
        runtime().block_on(async {
            let (_peer, ours) = duplex(64);
            let mut idle = Box::pin(Idle::new(ours, LIMIT));
            let start = Instant::now();
            let e = idle.read_u8().await.unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::TimedOut);
            about_the_limit(start.elapsed());
        });
    }

    #[test]
    fn reads_that_keep_coming_never_time_out() {
        runtime().block_on(async {
            let (mut peer, ours) = duplex(64);
            let mut idle = Box::pin(Idle::new(ours, LIMIT));
            let writer = tokio::spawn(async move {
                for b in 0..12u8 {
                    sleep(LIMIT / 4).await;
                    peer.write_u8(b).await.unwrap();
                }
                peer
            });
            // Three limits in all, no wait longer than a quarter of one.
            for b in 0..12u8 {
                assert_eq!(idle.read_u8().await.unwrap(), b);
            }
            drop(writer.await.unwrap());
        });
    }

    #[test]
    fn a_wait_after_a_long_pause_gets_the_whole_limit() {
        runtime().block_on(async {
            let (mut peer, ours) = duplex(64);
            let mut idle = Box::pin(Idle::new(ours, LIMIT));
            peer.write_u8(1).await.unwrap();
            assert_eq!(idle.read_u8().await.unwrap(), 1);
            // No read for two limits (a call being served), then a read
            // that waits: it has the whole limit from when it began.
            sleep(LIMIT * 2).await;
            let start = Instant::now();
            let e = idle.read_u8().await.unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::TimedOut);
            about_the_limit(start.elapsed());
            drop(peer);
        });
    }

    #[test]
    fn a_write_that_waits_out_the_limit_times_out() {
        runtime().block_on(async {
            let (_peer, ours) = duplex(4);
            let mut idle = Box::pin(Idle::new(ours, LIMIT));
            let start = Instant::now();
            let e = idle.write_all(&[0; 16]).await.unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::TimedOut);
            about_the_limit(start.elapsed());
        });
    }
}
