//! The virtual clock every expiry and limit reads.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};

/// A virtual clock shared by the sandbox and, if they like, the clients under test.
///
/// It starts at a fixed instant (by default the real time when the sandbox was built) and then
/// stands still: it moves only when [`Clock::advance`] is called. Every expiry and every limit in
/// the sandbox (codes, access tokens, throttling windows, device polling) reads this clock, so a
/// test can jump an hour ahead without sleeping. Cloning is cheap; all clones share one time.
#[derive(Clone, Debug)]
pub struct Clock {
    now: Arc<Mutex<SystemTime>>,
}

impl Clock {
    /// A clock standing at `start`.
    pub fn new(start: SystemTime) -> Self {
        // Whole milliseconds keep `now_ms` and `now_system` exactly consistent.
        let ms = start.duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
        Clock { now: Arc::new(Mutex::new(UNIX_EPOCH + Duration::from_millis(ms))) }
    }

    /// The current virtual time.
    pub fn now(&self) -> DateTime<Utc> {
        DateTime::<Utc>::from(self.now_system())
    }

    /// The current virtual time as a [`SystemTime`].
    pub fn now_system(&self) -> SystemTime {
        *self.now.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current virtual time in milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        self.now_system().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
    }

    /// Moves the clock forward by `by` (whole milliseconds; an advance past the end of
    /// `SystemTime` is ignored).
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        let by = Duration::from_millis(u64::try_from(by.as_millis()).unwrap_or(u64::MAX));
        if let Some(t) = now.checked_add(by) {
            *now = t;
        }
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
}
