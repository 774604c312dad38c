//! Client-side guards that keep a program inside Zoho's API limits: a rate limiter (100 calls
//! per 2 minutes, after which Zoho blocks for 30 minutes) and a retry policy with backoff.

use crate::clock::{Clock, Sleeper, SystemClock, TokioSleeper};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// A sliding-window rate limiter: at most `max_calls` calls in any `window`.
///
/// A call holds its slot from the moment it starts until its answer arrives, and the window
/// is measured from that *end*: whatever the latency, no `max_calls + 1` requests can reach
/// Zoho within one window. Every clone shares the window, so one limiter can serve all
/// clients of a user in a process. A call that would exceed the limit waits for a free slot;
/// if that wait is longer than `max_wait`, the call fails with
/// [`Error::RateLimited`](crate::Error::RateLimited) instead.
///
/// ```
/// use std::time::Duration;
/// let limiter = zoho_oauth_core::RateLimiter::zoho_projects();
/// assert_eq!(limiter.max_calls(), 100);
/// assert_eq!(limiter.window(), Duration::from_secs(120));
/// ```
#[derive(Clone)]
pub struct RateLimiter {
    inner: Arc<LimiterInner>,
}

struct LimiterInner {
    max_calls: usize,
    window: Duration,
    max_wait: Duration,
    clock: Box<dyn Clock>,
    sleeper: Box<dyn Sleeper>,
    state: Mutex<Window>,
    released: tokio::sync::Notify,
    /// A window shared with other processes (e.g. in Redis); `None`: this process only.
    shared: Option<Arc<dyn SharedWindow>>,
}

/// A rate window shared by several processes or machines, so that a whole fleet stays under
/// one user's limit. `RedisStore::rate_window` (cargo feature `redis`) is one; implement it to
/// use another shared database.
///
/// The contract is the one [`RateLimiter`] keeps in memory: a call takes a slot stamped with
/// its start, and when it ends the stamp moves to its end, so that the window is measured from
/// the moment an answer arrived.
#[async_trait::async_trait]
pub trait SharedWindow: Send + Sync + 'static {
    /// Takes a slot named `slot` at `now` if fewer than `max_calls` slots are held (by calls
    /// under way, or by calls that ended within `window` before `now`); otherwise returns how
    /// long to wait before asking again.
    async fn try_take(
        &self,
        slot: &str,
        max_calls: usize,
        window: Duration,
        now: SystemTime,
    ) -> Result<Result<(), Duration>, crate::store::StoreError>;

    /// The call holding `slot` ended at `now`.
    async fn finish(&self, slot: &str, now: SystemTime) -> Result<(), crate::store::StoreError>;
}

#[derive(Default)]
struct Window {
    /// When finished calls ended, oldest first.
    ended: VecDeque<SystemTime>,
    /// Calls under way.
    in_flight: usize,
}

/// A slot held by one call; dropping it (the call ended, or was cancelled) stamps the end time.
#[must_use = "the slot is released when the permit is dropped"]
pub struct RatePermit {
    limiter: RateLimiter,
    /// The slot's name in a shared window.
    slot: Option<String>,
}

impl Drop for RatePermit {
    fn drop(&mut self) {
        let inner = &self.limiter.inner;
        let now = inner.clock.now();
        if inner.shared.is_some() {
            let (Some(shared), Some(slot)) = (&inner.shared, self.slot.take()) else { return };
            // Dropped without `release` (e.g. a cancelled call): moving the stamp is a network
            // call, which Drop cannot await, so it runs as a short task. Should it never run,
            // the slot keeps its "under way" stamp, which only errs on the side of waiting.
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                let shared = Arc::clone(shared);
                runtime.spawn(async move {
                    if let Err(e) = shared.finish(&slot, now).await {
                        tracing::warn!(error = %e, "rate limiter: could not stamp the end of a call");
                    }
                });
            }
            return;
        }
        {
            let mut w = inner.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            w.in_flight = w.in_flight.saturating_sub(1);
            w.ended.push_back(now);
        }
        inner.released.notify_waiters();
    }
}

impl RatePermit {
    /// Ends the call now: stamps its end in the window (awaiting a shared window's answer, so
    /// the stamp is in place before the caller goes on). Dropping the permit does the same,
    /// in the background for a shared window.
    pub async fn release(mut self) {
        let inner = &self.limiter.inner;
        if let (Some(shared), Some(slot)) = (&inner.shared, self.slot.take())
            && let Err(e) = shared.finish(&slot, inner.clock.now()).await
        {
            tracing::warn!(error = %e, "rate limiter: could not stamp the end of a call");
        }
        // A local permit (and a released shared one, now without a slot) ends in Drop.
    }
}

impl std::fmt::Debug for RatePermit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RatePermit")
    }
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("max_calls", &self.inner.max_calls)
            .field("window", &self.inner.window)
            .field("max_wait", &self.inner.max_wait)
            .finish_non_exhaustive()
    }
}

/// Why no slot was taken.
enum Busy {
    /// The oldest slot frees up after this long.
    For(Duration),
    /// Every slot is held by a call under way.
    InFlight,
}

impl RateLimiter {
    /// Zoho Projects' documented limit: 100 calls per 2 minutes; waits up to 2 minutes.
    pub fn zoho_projects() -> Self {
        Self::new(100, Duration::from_secs(120))
    }

    /// At most `max_calls` per `window`, waiting up to one `window` for a slot.
    pub fn new(max_calls: usize, window: Duration) -> Self {
        Self::with_parts(max_calls, window, window, SystemClock, TokioSleeper)
    }

    /// Fully configured: the clock that measures the window and the way to wait (tests pass a
    /// virtual clock and a sleeper that advances it).
    pub fn with_parts(
        max_calls: usize,
        window: Duration,
        max_wait: Duration,
        clock: impl Clock,
        sleeper: impl Sleeper,
    ) -> Self {
        Self::build(None, max_calls, window, max_wait, Box::new(clock), Box::new(sleeper))
    }

    /// A limiter whose window lives in `shared` (e.g. Redis), so that every process of a fleet
    /// calling as the same user counts against one window. `clock` and `sleeper` as in
    /// [`with_parts`](Self::with_parts); the clocks of the fleet's machines should agree (NTP).
    pub fn shared(
        shared: impl SharedWindow,
        max_calls: usize,
        window: Duration,
        max_wait: Duration,
        clock: impl Clock,
        sleeper: impl Sleeper,
    ) -> Self {
        Self::build(Some(Arc::new(shared)), max_calls, window, max_wait, Box::new(clock), Box::new(sleeper))
    }

    fn build(
        shared: Option<Arc<dyn SharedWindow>>,
        max_calls: usize,
        window: Duration,
        max_wait: Duration,
        clock: Box<dyn Clock>,
        sleeper: Box<dyn Sleeper>,
    ) -> Self {
        RateLimiter {
            inner: Arc::new(LimiterInner {
                max_calls: max_calls.max(1),
                window,
                max_wait,
                clock,
                sleeper,
                state: Mutex::new(Window::default()),
                released: tokio::sync::Notify::new(),
                shared,
            }),
        }
    }

    /// The number of calls per window.
    pub fn max_calls(&self) -> usize {
        self.inner.max_calls
    }

    /// The window.
    pub fn window(&self) -> Duration {
        self.inner.window
    }

    fn try_take(&self) -> Result<RatePermit, Busy> {
        let now = self.inner.clock.now();
        let mut w = self.inner.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let window = self.inner.window;
        while w.ended.front().is_some_and(|t| now.duration_since(*t).is_ok_and(|age| age >= window)) {
            w.ended.pop_front();
        }
        if w.in_flight + w.ended.len() < self.inner.max_calls {
            w.in_flight += 1;
            return Ok(RatePermit { limiter: self.clone(), slot: None });
        }
        match w.ended.front() {
            Some(oldest) => {
                let free_at = *oldest + window;
                Err(Busy::For(free_at.duration_since(now).unwrap_or(Duration::ZERO).max(Duration::from_millis(1))))
            }
            None => Err(Busy::InFlight),
        }
    }

    /// Waits for a slot. Fails with the time to wait when that exceeds `max_wait`.
    pub async fn acquire(&self) -> Result<RatePermit, Duration> {
        if let Some(shared) = &self.inner.shared {
            return self.acquire_shared(shared.as_ref()).await;
        }
        let mut waited = Duration::ZERO;
        loop {
            let released = self.inner.released.notified();
            match self.try_take() {
                Ok(permit) => return Ok(permit),
                Err(Busy::For(wait)) if waited + wait > self.inner.max_wait => return Err(wait),
                Err(Busy::For(wait)) => {
                    // Whichever comes first: the oldest slot ages out, or a call ends.
                    tokio::select! {
                        () = self.inner.sleeper.sleep(wait) => waited += wait,
                        () = released => {}
                    }
                }
                Err(Busy::InFlight) => released.await,
            }
        }
    }

    async fn acquire_shared(&self, shared: &dyn SharedWindow) -> Result<RatePermit, Duration> {
        let slot = format!("{:032x}", rand::random::<u128>());
        let mut waited = Duration::ZERO;
        loop {
            let now = self.inner.clock.now();
            let wait = match shared.try_take(&slot, self.inner.max_calls, self.inner.window, now).await {
                Ok(Ok(())) => return Ok(RatePermit { limiter: self.clone(), slot: Some(slot) }),
                Ok(Err(wait)) => wait,
                Err(e) => {
                    // The shared window is unreachable: waiting a little is safer than
                    // calling Zoho unmetered, and the bound still ends the wait.
                    tracing::warn!(error = %e, "rate limiter: shared window unreachable");
                    Duration::from_secs(1)
                }
            };
            if waited + wait > self.inner.max_wait {
                return Err(wait);
            }
            self.inner.sleeper.sleep_until(now + wait, now).await;
            waited += wait;
        }
    }
}

/// When and how often a failed call is tried again.
///
/// Transient failures are retried with exponential backoff and full jitter. Which ones depends
/// on whether the call is idempotent ([`Endpoint::IDEMPOTENT`](crate::Endpoint::IDEMPOTENT),
/// by default [`Method::is_idempotent`](crate::Method::is_idempotent)):
///
/// | failure | `GET`, `PUT`, `DELETE`, or an endpoint declared `idempotent` | `POST`, `PATCH` |
/// |---|---|---|
/// | the connection could not be made (nothing was sent) | retried | retried |
/// | HTTP 429 (refused, not processed) | retried when the wait is at most `max_delay` | same |
/// | timeout, reset, cut-off body, HTTP 5xx, an answer that does not decode | retried | **not** retried: it may have been processed |
/// | any other 4xx | not retried | not retried |
#[derive(Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// The first backoff; it doubles per retry.
    pub base_delay: Duration,
    /// The longest single wait.
    pub max_delay: Duration,
    pub(crate) sleeper: Arc<dyn Sleeper>,
}

impl std::fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_retries", &self.max_retries)
            .field("base_delay", &self.base_delay)
            .field("max_delay", &self.max_delay)
            .finish_non_exhaustive()
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
            sleeper: Arc::new(TokioSleeper),
        }
    }
}

impl RetryPolicy {
    /// No retries.
    pub fn never() -> Self {
        RetryPolicy { max_retries: 0, ..Self::default() }
    }

    /// Waits with `sleeper` instead of tokio's timer (for virtual clocks in tests).
    pub fn sleeper(mut self, sleeper: impl Sleeper) -> Self {
        self.sleeper = Arc::new(sleeper);
        self
    }

    /// The backoff before retry number `attempt` (1-based): a random point in
    /// `[0, min(max_delay, base_delay * 2^(attempt-1))]` ("full jitter").
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self.base_delay.saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let cap = exp.min(self.max_delay);
        cap.mul_f64(rand::random::<f64>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// A virtual clock that the limiter's sleeper advances.
    fn virtual_time() -> (Arc<AtomicU64>, impl Clock, impl Sleeper) {
        let ms = Arc::new(AtomicU64::new(1_000_000));
        let (a, b) = (Arc::clone(&ms), Arc::clone(&ms));
        let clock = move || SystemTime::UNIX_EPOCH + Duration::from_millis(a.load(Ordering::SeqCst));
        let sleeper = move |d: Duration| {
            b.fetch_add(d.as_millis() as u64, Ordering::SeqCst);
            async {}
        };
        (ms, clock, sleeper)
    }

    #[tokio::test]
    async fn never_more_than_max_calls_per_window() {
        let (ms, clock, sleeper) = virtual_time();
        let limiter = RateLimiter::with_parts(100, Duration::from_secs(120), Duration::from_secs(600), clock, sleeper);
        let start = ms.load(Ordering::SeqCst);
        let mut stamps = Vec::new();
        for _ in 0..350 {
            let permit = limiter.acquire().await.expect("slot within max_wait");
            stamps.push(ms.load(Ordering::SeqCst));
            drop(permit);
        }
        // Any 101 consecutive calls span at least the window.
        for w in stamps.windows(101) {
            assert!(w[100] - w[0] >= 120_000, "101 calls within {} ms", w[100] - w[0]);
        }
        // And the limiter does not wait needlessly: 350 calls take 3 windows.
        assert_eq!(ms.load(Ordering::SeqCst) - start, 3 * 120_000);
    }

    #[tokio::test]
    async fn refuses_to_wait_longer_than_max_wait() {
        let (_ms, clock, sleeper) = virtual_time();
        let limiter = RateLimiter::with_parts(2, Duration::from_secs(120), Duration::from_secs(10), clock, sleeper);
        drop(limiter.acquire().await.expect("1"));
        drop(limiter.acquire().await.expect("2"));
        let wait = limiter.acquire().await.expect_err("would wait 120 s");
        assert_eq!(wait, Duration::from_secs(120));
    }

    #[test]
    fn backoff_is_bounded_and_jittered() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            ..Default::default()
        };
        for attempt in 1..30 {
            let d = p.backoff(attempt);
            assert!(d <= Duration::from_secs(1));
            assert!(d <= Duration::from_millis(100) * 2u32.pow(attempt.min(10) - 1));
        }
        let distinct: std::collections::HashSet<_> = (0..20).map(|_| p.backoff(5)).collect();
        assert!(distinct.len() > 1, "jitter varies the delay");
    }
}
