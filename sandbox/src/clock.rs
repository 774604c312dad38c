//! The virtual clock every expiry and limit reads.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};

/// A virtual clock shared by the sandbox and, if they like, the clients under test.
///
/// It starts at a fixed instant (by default the real time when the sandbox was built) and then
/// stands still: it moves only when [`Clock::advance`] or [`Clock::set`] is called. Every expiry
/// and every limit in the sandbox (codes, access tokens, throttling windows, device polling)
/// reads this clock, so a test can jump an hour ahead without sleeping. [`Clock::run_real`]
/// makes it also follow real (monotonic) time from where it stands, as at Zoho, for clients that
/// cannot step it; it still moves forward only. Cloning is cheap; all clones share one time.
#[derive(Clone, Debug)]
pub struct Clock {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug)]
struct Inner {
    /// The virtual time when `real_since` was taken (or the time, when standing still).
    base: SystemTime,
    /// Running with real time since this instant.
    real_since: Option<Instant>,
}

impl Inner {
    fn now(&self) -> SystemTime {
        let t = match self.real_since {
            Some(since) => self.base.checked_add(since.elapsed()).unwrap_or(self.base),
            None => self.base,
        };
        whole_ms(t)
    }
}

/// `t` truncated to whole milliseconds, so that `now_ms` and `now_system` agree exactly.
fn whole_ms(t: SystemTime) -> SystemTime {
    let ms = t.duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
    UNIX_EPOCH + Duration::from_millis(ms)
}

impl Clock {
    /// A clock standing at `start`.
    pub fn new(start: SystemTime) -> Self {
        Clock { inner: Arc::new(Mutex::new(Inner { base: whole_ms(start), real_since: None })) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current virtual time.
    pub fn now(&self) -> DateTime<Utc> {
        DateTime::<Utc>::from(self.now_system())
    }

    /// The current virtual time as a [`SystemTime`].
    pub fn now_system(&self) -> SystemTime {
        self.lock().now()
    }

    /// The current virtual time in milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        self.now_system().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
    }

    /// Moves the clock forward by `by` (whole milliseconds; an advance past the end of
    /// `SystemTime` is ignored).
    pub fn advance(&self, by: Duration) {
        let mut inner = self.lock();
        let by = Duration::from_millis(u64::try_from(by.as_millis()).unwrap_or(u64::MAX));
        if let Some(t) = inner.base.checked_add(by) {
            inner.base = t;
        }
    }

    /// Moves the clock to `at`, which must not be earlier than now: Zoho's time never runs
    /// backwards, and an expired token or a passed window must stay so. Returns the time it
    /// stands at.
    pub fn set(&self, at: SystemTime) -> Result<SystemTime, crate::Error> {
        let mut inner = self.lock();
        let now = inner.now();
        let at = whole_ms(at);
        if at < now {
            let ms = |t: SystemTime| t.duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
            return Err(crate::Error::ClockBackwards { now_ms: ms(now), asked_ms: ms(at) });
        }
        if let Some(since) = inner.real_since.as_mut() {
            *since = Instant::now();
        }
        inner.base = at;
        Ok(at)
    }

    /// `true`: from now on the clock also follows real time (an hour later, tokens have expired
    /// as at Zoho); [`Clock::advance`] and [`Clock::set`] still jump it forward. `false`: it
    /// stands still where it is (the default).
    pub fn run_real(&self, yes: bool) {
        let mut inner = self.lock();
        let now = inner.now();
        inner.base = now;
        inner.real_since = yes.then(Instant::now);
    }

    /// Whether the clock follows real time ([`Clock::run_real`]).
    pub fn is_real(&self) -> bool {
        self.lock().real_since.is_some()
    }
}

impl Default for Clock {
    /// A clock standing at the current real time.
    fn default() -> Self {
        Clock::new(SystemTime::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_all_clones() {
        let c = Clock::new(UNIX_EPOCH + Duration::from_secs(1_000));
        let d = c.clone();
        c.advance(Duration::from_secs(3600));
        assert_eq!(d.now_ms(), 4_600_000);
        assert_eq!(d.now().timestamp(), 4_600);
    }

    #[test]
    fn set_moves_forward_only() {
        let c = Clock::new(UNIX_EPOCH + Duration::from_secs(1_000));
        assert!(c.set(UNIX_EPOCH + Duration::from_secs(2_000)).is_ok());
        assert_eq!(c.now_ms(), 2_000_000);
        let err = c.set(UNIX_EPOCH + Duration::from_secs(1_999)).unwrap_err();
        assert!(matches!(err, crate::Error::ClockBackwards { now_ms: 2_000_000, asked_ms: 1_999_000 }));
        assert_eq!(c.now_ms(), 2_000_000, "a refused set changes nothing");
    }

    #[test]
    fn real_mode_follows_monotonic_time_and_can_stop() {
        let c = Clock::new(UNIX_EPOCH + Duration::from_secs(1_000));
        c.run_real(true);
        assert!(c.is_real());
        // Real time only moves forward from where the clock stood; busy-wait for one tick
        // of the monotonic clock rather than sleeping a fixed time.
        let t0 = std::time::Instant::now();
        while c.now_ms() == 1_000_000 {
            assert!(t0.elapsed() < Duration::from_secs(10), "real clock never moved");
            std::hint::spin_loop();
        }
        assert!(c.now_ms() > 1_000_000);
        c.advance(Duration::from_secs(3600));
        assert!(c.now_ms() > 4_600_000);
        c.run_real(false);
        let stopped = c.now_ms();
        assert_eq!(c.now_ms(), stopped);
        assert!(!c.is_real());
    }
}
