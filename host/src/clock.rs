//! The time block: the host reads the clock, the wire layer shapes it.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use imbot_like::wire::{DateText, DateTooLong, Time};

use crate::Host;
use crate::auth::Method;

/// The length of a method's operating-time window, as portals count it.
const WINDOW_SECS: u64 = 600;

/// A wall-clock instant as Unix seconds.
pub(crate) fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs_f64()
}

/// The operating time a method used in its current window.
#[derive(Debug, Default)]
pub(crate) struct Operating {
    window: Mutex<(u64, f64)>,
}

impl Operating {
    /// Adds `used` seconds at `at`; returns when the window resets and the
    /// time used in it so far.
    pub(crate) fn record(&self, at: f64, used: f64) -> (u64, f64) {
        let mut window = self.window.lock().unwrap_or_else(|e| e.into_inner());
        let second = at as u64;
        if second >= window.0 {
            *window = (second + WINDOW_SECS, 0.0);
        }
        window.1 += used;
        *window
    }
}

/// Where a host's times come from: the wall clock, or (with
/// `--deterministic`) a stepped clock, so that a sequence of calls gets the
/// same time blocks on every run.
#[derive(Debug)]
pub(crate) enum Clock {
    /// The system clock; processing times as measured.
    Wall,
    /// Call `n` (from 0) starts at `DETERMINISTIC_ORIGIN + n *
    /// DETERMINISTIC_STEP` and spends exactly `DETERMINISTIC_PROCESSING`.
    Stepped(AtomicU64),
}

/// The first call's start under `--deterministic`: 2025-01-01T00:00:00Z.
pub const DETERMINISTIC_ORIGIN: f64 = 1_735_689_600.0;
/// The seconds between two calls' starts under `--deterministic`.
pub const DETERMINISTIC_STEP: f64 = 1.0;
/// Every call's processing time under `--deterministic`, in seconds.
pub const DETERMINISTIC_PROCESSING: f64 = 0.001;

impl Clock {
    /// A clock: stepped when `deterministic`.
    pub(crate) fn new(deterministic: bool) -> Self {
        if deterministic {
            Self::Stepped(AtomicU64::new(0))
        } else {
            Self::Wall
        }
    }

    /// Whether this is the stepped clock of `--deterministic`.
    pub(crate) fn is_stepped(&self) -> bool {
        matches!(self, Self::Stepped(_))
    }

    /// The start of a new call.
    pub(crate) fn start(&self) -> f64 {
        match self {
            Self::Wall => now(),
            Self::Stepped(calls) => {
                let n = calls.fetch_add(1, Ordering::Relaxed);
                DETERMINISTIC_ORIGIN + n as f64 * DETERMINISTIC_STEP
            }
        }
    }

    /// The processing time to report for a `measured` one.
    pub(crate) fn processing(&self, measured: f64) -> f64 {
        match self {
            Self::Wall => measured,
            Self::Stepped(_) => DETERMINISTIC_PROCESSING,
        }
    }

    /// The time block of a call that started at `start` and spent
    /// `processing` seconds (already passed through [`Clock::processing`]).
    pub(crate) fn time_block(
        &self,
        start: f64,
        processing: f64,
        operating: (u64, f64),
    ) -> Result<Time, DateTooLong> {
        let finish = match self {
            Self::Wall => now().max(start),
            Self::Stepped(_) => start + processing,
        };
        finish_block(start, finish, processing, operating)
    }
}

/// The time block of a call from `start` to `finish`.
fn finish_block(
    start: f64,
    finish: f64,
    processing: f64,
    operating: (u64, f64),
) -> Result<Time, DateTooLong> {
    let dates = (date(start), date(finish));
    let time = Time::new(start, finish, processing, &dates.0, &dates.1)?;
    Ok(time.operating(operating.0, operating.1))
}

/// The last second of year 9999: later dates would not fit the block.
const MAX_UNIX: f64 = 253_402_300_799.0;

/// Unix seconds as `YYYY-MM-DDTHH:MM:SS+00:00` (UTC).
///
/// Every call in a second gives the same text, so each thread keeps the
/// last second's and formats a date only when the second changes.
pub(crate) fn iso8601(unix: f64) -> String {
    date(unix).as_str().to_owned()
}

/// [`iso8601`] in the time block's own fixed-capacity text: made without
/// an allocation, as a time block needs two for every call.
pub(crate) fn date(unix: f64) -> DateText {
    #[allow(clippy::cast_possible_truncation)]
    let secs = unix.clamp(0.0, MAX_UNIX) as i64;
    thread_local! {
        static LAST: std::cell::Cell<(i64, DateText)> = const {
            std::cell::Cell::new((-1, DateText::new()))
        };
    }
    LAST.with(|last| {
        let (second, mut text) = last.take();
        if second != secs {
            text = DateText::try_from(format_iso8601(secs).as_str())
                .expect("a date of years 0 to 9999 fits the time block");
        }
        last.set((secs, text.clone()));
        text
    })
}

/// Unix seconds (within years 0 to 9999) as `YYYY-MM-DDTHH:MM:SS+00:00`.
fn format_iso8601(secs: i64) -> String {
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    let (h, m, s) = (rest / 3600, rest % 3600 / 60, rest % 60);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}+00:00")
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl Host {
    /// The operating-time window of a method.
    pub(crate) fn operating(&self, method: Method) -> &Operating {
        &self.operating[method.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::iso8601;

    #[test]
    fn dates_are_utc_iso8601() {
        assert_eq!(iso8601(0.0), "1970-01-01T00:00:00+00:00");
        assert_eq!(iso8601(1_738_152_544.2), "2025-01-29T12:09:04+00:00");
        assert_eq!(iso8601(951_782_400.0), "2000-02-29T00:00:00+00:00");
    }
}
