//! An optional request rate limit per caller (an OAuth application or a
//! webhook): a token bucket that refills at `per_second` up to `burst`.
//!
//! A call over the limit is answered as portals answer it, HTTP 503 with
//! `QUERY_LIMIT_EXCEEDED`, which the official SDKs wait on and retry. The
//! clock is read here, in the host, and passed in; nothing else keeps time.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::Instant;

use crate::Host;
use crate::auth::Caller;

/// A rate limit: the sustained rate and the burst allowed above it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Requests per second a caller may make in the long run (> 0).
    pub per_second: f64,
    /// Requests a caller may make at once after a quiet spell (>= 1).
    pub burst: u32,
}

/// A rate limit that cannot work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimitError {
    /// The rate is not a positive finite number.
    Rate,
    /// The burst is zero.
    Burst,
}

impl fmt::Display for RateLimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Rate => "the rate must be a positive number of requests per second",
            Self::Burst => "the burst must be at least 1",
        })
    }
}

impl std::error::Error for RateLimitError {}

impl RateLimit {
    /// A limit of `per_second` requests with bursts of `burst`.
    ///
    /// # Errors
    /// [`RateLimitError`] for a rate that is not positive and finite, or a
    /// zero burst.
    pub fn new(per_second: f64, burst: u32) -> Result<Self, RateLimitError> {
        if !(per_second.is_finite() && per_second > 0.0) {
            return Err(RateLimitError::Rate);
        }
        if burst == 0 {
            return Err(RateLimitError::Burst);
        }
        Ok(Self { per_second, burst })
    }
}

/// One caller's bucket: tokens left at an instant.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The buckets of every caller seen so far (one per application or
/// webhook the world declares, so their number is bounded by the world).
#[derive(Debug)]
pub(crate) struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<Caller, Bucket>>,
}

impl RateLimiter {
    pub(crate) fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token from `caller`'s bucket at `now`; `false` when it is
    /// empty (the call is refused and takes nothing).
    pub(crate) fn admit(&self, caller: &Caller, now: Instant) -> bool {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let burst = f64::from(self.limit.burst);
        let bucket = buckets.entry(caller.clone()).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.limit.per_second).min(burst);
        bucket.at = bucket.at.max(now);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

impl Host {
    /// Whether `caller` is within its rate limit now (always, without one).
    pub(crate) fn admit(&self, caller: &Caller) -> bool {
        self.rate_limiter
            .as_ref()
            .is_none_or(|limiter| limiter.admit(caller, Instant::now()))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use imbot_like::AppId;

    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_refills_at_the_rate() {
        let limiter = RateLimiter::new(RateLimit::new(2.0, 3).unwrap());
        let (a, b) = (Caller::App(AppId(1)), Caller::App(AppId(2)));
        let t0 = Instant::now();
        assert!((0..3).all(|_| limiter.admit(&a, t0)));
        assert!(!limiter.admit(&a, t0));
        // Callers have buckets of their own.
        assert!(limiter.admit(&b, t0));
        // Half a second at 2/s refills one token.
        let t1 = t0 + Duration::from_millis(500);
        assert!(limiter.admit(&a, t1));
        assert!(!limiter.admit(&a, t1));
        // A long pause refills up to the burst, no more.
        let t2 = t1 + Duration::from_secs(60);
        assert!((0..3).all(|_| limiter.admit(&a, t2)));
        assert!(!limiter.admit(&a, t2));
    }

    #[test]
    fn a_limit_needs_a_positive_rate_and_burst() {
        assert_eq!(RateLimit::new(0.0, 1), Err(RateLimitError::Rate));
        assert_eq!(RateLimit::new(f64::NAN, 1), Err(RateLimitError::Rate));
        assert_eq!(RateLimit::new(1.0, 0), Err(RateLimitError::Burst));
    }
}
