//! Where "now" comes from: the system clock, or a test's virtual clock.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

/// A source of the current time. Token expiry and refresh decisions read it, so tests can move
/// time (e.g. with `zoho-sandbox`'s virtual clock) instead of sleeping.
///
/// Any `Fn() -> SystemTime` is a clock:
///
/// ```
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
/// use zoho_oauth_core::Clock;
/// let fixed = || UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// assert_eq!(fixed.now(), UNIX_EPOCH + Duration::from_secs(1_700_000_000));
/// assert!(zoho_oauth_core::SystemClock.now() > SystemTime::UNIX_EPOCH);
/// ```
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> SystemTime;

    /// The current time, allowed to lag behind [`Clock::now`] by up to one kernel tick (a few
    /// milliseconds) in exchange for being cheaper to read. The token manager's fast path reads
    /// it, where a token's freshness is judged against a margin of seconds. Defaults to
    /// [`Clock::now`], which is what a virtual clock wants.
    fn now_coarse(&self) -> SystemTime {
        self.now()
    }

    /// [`Clock::now_coarse`] in whole seconds since the Unix epoch, rounded down (0 before the
    /// epoch). The token manager's fast path compares it with a token's deadline first, which
    /// spares it building a `SystemTime` per call (BENCHMARKS.md §1); only in a token's last
    /// second does it read [`Clock::now_coarse`]. An override must agree with `now_coarse`:
    /// never ahead of it by a second or more. Defaults to `now_coarse` rounded down.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use zoho_oauth_core::Clock;
    /// let fixed = || UNIX_EPOCH + Duration::from_millis(1_700_000_000_999);
    /// assert_eq!(fixed.now_coarse_secs(), 1_700_000_000);
    /// ```
    fn now_coarse_secs(&self) -> u64 {
        unix_secs(self.now_coarse())
    }

    /// Time since an arbitrary origin, for measuring durations: it only moves forward, at the
    /// pace of real time, whatever happens to the wall clock (an NTP step, an operator setting
    /// the date). The rate limiter measures its window and Zoho's lockout with it. The system
    /// clock reads [`tokio::time::Instant`] (so tokio's paused time drives it in tests); any
    /// other clock defaults to [`Clock::now`] since the Unix epoch, i.e. a virtual clock is
    /// trusted not to step. A clock whose `now` can step overrides this.
    fn monotonic(&self) -> Duration {
        self.now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default()
    }
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    /// `CLOCK_REALTIME_COARSE` on Linux: read from the vDSO without touching the clock source,
    /// about a third of the cost of [`SystemTime::now`] on a VM (BENCHMARKS.md §1); elsewhere
    /// [`SystemTime::now`].
    fn now_coarse(&self) -> SystemTime {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            let ts = rustix::time::clock_gettime(rustix::time::ClockId::RealtimeCoarse);
            if let (Ok(secs), Ok(nanos)) = (u64::try_from(ts.tv_sec), u32::try_from(ts.tv_nsec)) {
                return SystemTime::UNIX_EPOCH + Duration::new(secs, nanos);
            }
        }
        SystemTime::now()
    }

    /// The seconds of `CLOCK_REALTIME_COARSE` on Linux (the same reading as
    /// [`now_coarse`](Clock::now_coarse), without building a `SystemTime`).
    fn now_coarse_secs(&self) -> u64 {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            let ts = rustix::time::clock_gettime(rustix::time::ClockId::RealtimeCoarse);
            if let Ok(secs) = u64::try_from(ts.tv_sec) {
                return secs;
            }
        }
        unix_secs(SystemTime::now())
    }

    fn monotonic(&self) -> Duration {
        // One origin per process, a day back so that a runtime whose paused clock started
        // before the origin was taken still reads forward from it.
        static ORIGIN: OnceLock<tokio::time::Instant> = OnceLock::new();
        let origin = *ORIGIN.get_or_init(|| {
            let now = tokio::time::Instant::now();
            now.checked_sub(Duration::from_secs(86_400)).unwrap_or(now)
        });
        tokio::time::Instant::now().saturating_duration_since(origin)
    }
}

impl<F: Fn() -> SystemTime + Send + Sync + 'static> Clock for F {
    fn now(&self) -> SystemTime {
        self()
    }
}

/// Whole seconds since the Unix epoch, 0 before it.
pub(crate) fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A boxed future that sleeps.
pub type SleepFuture = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// How to wait. The default is `tokio::time::sleep`; tests that run on a virtual clock pass a
/// sleeper that advances that clock instead, so nothing really sleeps.
pub trait Sleeper: Send + Sync + 'static {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: std::time::Duration) -> SleepFuture;

    /// A future that completes at `deadline`, `now` being the current time on the caller's
    /// clock. A sleeper that drives a virtual clock overrides this to move the clock *to*
    /// `deadline`, so that many callers waiting for the same moment move it once.
    fn sleep_until(&self, deadline: SystemTime, now: SystemTime) -> SleepFuture {
        self.sleep(deadline.duration_since(now).unwrap_or_default())
    }
}

/// Sleeps with `tokio::time::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, duration: std::time::Duration) -> SleepFuture {
        Box::pin(tokio::time::sleep(duration))
    }
}

impl<F, Fut> Sleeper for F
where
    F: Fn(std::time::Duration) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    fn sleep(&self, duration: std::time::Duration) -> SleepFuture {
        Box::pin(self(duration))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_coarse_system_clock_is_the_system_clock_at_most_a_tick_behind() {
        for _ in 0..1000 {
            let before = SystemTime::now();
            let coarse = SystemClock.now_coarse();
            let after = SystemTime::now();
            // Read between the two: never ahead of the later read, and behind the earlier one by
            // at most a kernel tick (1–10 ms; 1 s leaves room for any HZ and a preemption).
            assert!(coarse <= after, "{coarse:?} is ahead of {after:?}");
            assert!(before.duration_since(coarse).unwrap_or_default() < Duration::from_secs(1));
        }
    }

    #[test]
    fn a_custom_clock_is_its_own_coarse_clock() {
        let fixed = || SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(fixed.now_coarse(), fixed.now());
    }
}
