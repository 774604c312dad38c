//! Where "now" comes from: the system clock, or a test's virtual clock.

use std::time::SystemTime;

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
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

impl<F: Fn() -> SystemTime + Send + Sync + 'static> Clock for F {
    fn now(&self) -> SystemTime {
        self()
    }
}
