//! Client-side guards that keep a program inside Zoho's API limits: a rate limiter (100 calls
//! per 2 minutes, after which Zoho locks the user out for 30 minutes) and a retry policy with
//! backoff.

use crate::clock::{Clock, Sleeper, SystemClock, TokioSleeper};
use crate::error::Error;
use crate::store::StoreError;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::time::Duration;

/// How long Zoho locks a user out after they passed the API limit, when its 429 says nothing
/// else (`Retry-After`): 30 minutes (Zoho's documentation of the limit: "100 calls per 2
/// minutes, then locked for 30 minutes").
pub const ZOHO_LOCKOUT: Duration = Duration::from_secs(30 * 60);

/// A sliding-window rate limiter: at most `max_calls` calls in any `window`, and none at all
/// while Zoho's lockout after a 429 lasts.
///
/// A call holds its slot from the moment it starts until its answer arrives, and the window
/// is measured from that *end*: whatever the latency, no `max_calls + 1` requests can reach
/// Zoho within one window. Time is read from the clock's [monotonic](Clock::monotonic) side,
/// so a step of the wall clock neither stalls the window nor lets a burst through. Every clone
/// shares the window; by default a [`Client`](crate::Client) uses the process-wide limiter of
/// its token's user ([`RateLimiter::for_user`]), so every client of one user in a process
/// counts against one window. A call that would exceed the limit waits for a free slot (or for
/// the end of a lockout); if that wait is longer than `max_wait`, the call fails at once with
/// [`Error::RateLimited`] (or [`Error::LockedOut`], which says until when).
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
    /// The users under whose keys the process-wide map lists this limiter
    /// ([`RateLimiter::for_user`]; none for most): its `Drop` removes their entries.
    registered: Mutex<Vec<RateKey>>,
}

/// What a [`SharedWindow`] answered to a request for a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// The slot was taken.
    Taken,
    /// Every slot is held: ask again after this long.
    Wait(Duration),
    /// Zoho locked the user out (a 429 seen by any process); it ends after this long.
    LockedOut(Duration),
}

/// A rate window shared by several processes or machines, so that a whole fleet stays under
/// one user's limit and honours Zoho's lockout together. `RedisStore::rate_window` (cargo
/// feature `redis`) is one; implement it to use another shared database.
///
/// The contract is the one [`RateLimiter`] keeps in memory: a call takes a slot stamped with
/// its start, and when it ends the stamp moves to its end, so that the window is measured from
/// the moment an answer arrived. Time is the shared database's own (Redis: `TIME`), never the
/// callers': the clocks of a fleet's machines need not agree.
///
/// Who implements it decides how many calls reach Zoho; a wrong answer costs a 429, after which
/// every limiter of the user is locked out.
#[async_trait::async_trait]
pub trait SharedWindow: Send + Sync + 'static {
    /// Takes a slot named `slot` if no lockout is running and fewer than `max_calls` slots are
    /// held (by calls under way, or by calls that ended within `window`).
    async fn try_take(&self, slot: &str, max_calls: usize, window: Duration) -> Result<Take, StoreError>;

    /// The call holding `slot` ended now.
    async fn finish(&self, slot: &str) -> Result<(), StoreError>;

    /// The call holding `slot` was never sent: the slot no longer counts.
    async fn give_back(&self, slot: &str) -> Result<(), StoreError>;

    /// Zoho refused a call with 429: no slot is handed out for `duration` from now (a running
    /// lockout that ends later is kept).
    async fn lock_out(&self, duration: Duration) -> Result<(), StoreError>;
}

#[derive(Default)]
struct Window {
    /// When finished calls ended (monotonic), oldest first.
    ended: VecDeque<Duration>,
    /// Calls under way.
    in_flight: usize,
    /// The end of Zoho's lockout (monotonic), if one was seen.
    locked_until: Option<Duration>,
}

/// Where a permit's slot is.
enum Slot {
    /// In this process's window.
    Local,
    /// In the shared window, under this name.
    Shared(String),
    /// Already given back.
    Done,
}

/// A slot held by one call; dropping it (the call ended, or was cancelled) stamps the end time.
#[must_use = "the slot is released when the permit is dropped"]
pub struct RatePermit {
    limiter: RateLimiter,
    slot: Slot,
}

impl Drop for RatePermit {
    fn drop(&mut self) {
        match std::mem::replace(&mut self.slot, Slot::Done) {
            Slot::Done => {}
            Slot::Local => self.limiter.end_local(),
            Slot::Shared(slot) => {
                // Dropped without `release` (e.g. a cancelled call): moving the stamp is a
                // network call, which Drop cannot await, so it runs as a short task. Should it
                // never run, the slot keeps its "under way" stamp, which only errs on the side
                // of waiting.
                let Some(shared) = self.limiter.inner.shared.clone() else { return };
                if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                    runtime.spawn(async move {
                        if let Err(e) = shared.finish(&slot).await {
                            tracing::warn!(error = %e, "rate limiter: could not stamp the end of a call");
                        }
                    });
                }
            }
        }
    }
}

impl RatePermit {
    /// Ends the call now: stamps its end in the window (awaiting a shared window's answer, so
    /// the stamp is in place before the caller goes on). Dropping the permit does the same,
    /// in the background for a shared window.
    pub async fn release(mut self) {
        if matches!(self.slot, Slot::Shared(_))
            && let Slot::Shared(slot) = std::mem::replace(&mut self.slot, Slot::Done)
            && let Some(shared) = &self.limiter.inner.shared
            && let Err(e) = shared.finish(&slot).await
        {
            tracing::warn!(error = %e, "rate limiter: could not stamp the end of a call");
        }
        // A local slot ends in Drop.
    }
}

impl RatePermit {
    /// The call was never sent (e.g. no token could be had): gives the slot back without
    /// counting it.
    pub async fn unused(mut self) {
        match std::mem::replace(&mut self.slot, Slot::Done) {
            Slot::Done => {}
            Slot::Local => {
                let mut w = self.limiter.window_state();
                w.in_flight = w.in_flight.saturating_sub(1);
                drop(w);
                self.limiter.inner.released.notify_waiters();
            }
            Slot::Shared(slot) => {
                if let Some(shared) = &self.limiter.inner.shared
                    && let Err(e) = shared.give_back(&slot).await
                {
                    tracing::warn!(error = %e, "rate limiter: could not give back an unused slot");
                }
            }
        }
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
            .field("shared", &self.inner.shared.is_some())
            .finish_non_exhaustive()
    }
}

/// Why no slot was taken.
enum Busy {
    /// The oldest slot frees up after this long.
    For(Duration),
    /// Every slot is held by a call under way.
    InFlight,
    /// Zoho's lockout ends after this long.
    LockedOut(Duration),
}

/// The user whose calls a limiter counts. Zoho counts API calls per user; a user is named by
/// the accounts server of their data centre and whatever names them there (e-mail, ZUID, the
/// token store's user). A [`TokenSource`](crate::TokenSource) says whose tokens it hands out
/// through [`TokenSource::rate_key`](crate::TokenSource::rate_key).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RateKey {
    accounts_server: String,
    user: String,
}

impl RateKey {
    /// The key of `user` at `accounts_server` (normalised like a
    /// [`StoreKey`](crate::store::StoreKey)'s: scheme and host in lower case, no trailing `/`).
    pub fn new(accounts_server: impl AsRef<str>, user: impl Into<String>) -> Self {
        let server = crate::store::StoreKey::new(accounts_server, "", "").accounts_server().to_owned();
        RateKey { accounts_server: server, user: user.into() }
    }
}

/// The process-wide limiters, one per user, alive while a client holds them: a limiter removes
/// its own entry when its last handle is dropped (see `LimiterInner`'s `Drop`), so a new user
/// costs one insertion, not a sweep over every user (which made 100,000 first uses O(n²)), and
/// the map holds the users whose limiters live, nothing more.
fn registry() -> &'static Mutex<HashMap<RateKey, Weak<LimiterInner>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<RateKey, Weak<LimiterInner>>>> = OnceLock::new();
    REGISTRY.get_or_init(Mutex::default)
}

impl Drop for LimiterInner {
    fn drop(&mut self) {
        let keys = std::mem::take(self.registered.get_mut().unwrap_or_else(PoisonError::into_inner));
        if keys.is_empty() {
            return;
        }
        let mut map = registry().lock().unwrap_or_else(PoisonError::into_inner);
        for key in &keys {
            // The user's entry may be a newer limiter's already (made after this one's last
            // handle went): that one stays.
            if map.get(key).is_some_and(|entry| std::ptr::eq(entry.as_ptr(), self)) {
                map.remove(key);
            }
        }
        if map.len() < map.capacity() / 4 && map.capacity() > 64 {
            map.shrink_to_fit(); // after a crowd of users left
        }
    }
}

impl RateLimiter {
    /// Zoho Projects' documented limit: 100 calls per 2 minutes; waits up to 2 minutes.
    pub fn zoho_projects() -> Self {
        Self::new(100, Duration::from_secs(120))
    }

    /// The process-wide limiter of `key`'s user: Zoho's limit
    /// ([`zoho_projects`](Self::zoho_projects)), created on first use and shared by every
    /// client of that user in this process until the last one is dropped. This is what a
    /// [`Client`](crate::Client) uses unless told otherwise, so two clients (or two token
    /// managers) of one user never allow more than one user's limit between them.
    pub fn for_user(key: &RateKey) -> Self {
        Self::for_user_or(key, Self::zoho_projects)
    }

    /// As [`for_user`](Self::for_user), but made by `make` if the user has none yet (e.g. a
    /// limiter on a virtual clock in tests, or a fleet-wide [`shared`](Self::shared) one, so
    /// that every client of the user built afterwards uses it). Anyone in the process can do
    /// this for any user: it can only change how this process paces that user's calls.
    pub fn for_user_or(key: &RateKey, make: impl FnOnce() -> RateLimiter) -> Self {
        // A limiter's last handle must never be dropped under the lock: its `Drop` takes it.
        let existing = |map: &HashMap<RateKey, Weak<LimiterInner>>| map.get(key).and_then(Weak::upgrade);
        if let Some(inner) = existing(&registry().lock().unwrap_or_else(PoisonError::into_inner)) {
            return RateLimiter { inner };
        }
        let made = make(); // outside the lock: `make` may itself ask for a limiter
        let mut map = registry().lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(inner) = existing(&map) {
            drop(map);
            drop(made); // another caller made one meanwhile
            return RateLimiter { inner };
        }
        // `make` may hand out one limiter for several users: it is listed under each.
        made.inner.registered.lock().unwrap_or_else(PoisonError::into_inner).push(key.clone());
        map.insert(key.clone(), Arc::downgrade(&made.inner));
        drop(map);
        made
    }

    /// At most `max_calls` per `window`, waiting up to one `window` for a slot.
    pub fn new(max_calls: usize, window: Duration) -> Self {
        Self::with_parts(max_calls, window, window, SystemClock, TokioSleeper)
    }

    /// Fully configured: the clock that measures the window (its [monotonic](Clock::monotonic)
    /// side; its wall time only says until when a lockout runs) and the way to wait (tests pass
    /// a virtual clock and a sleeper that advances it).
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
    /// calling as the same user counts against one window and honours one lockout. `clock` and
    /// `sleeper` as in [`with_parts`](Self::with_parts); the shared window keeps its own time.
    /// While `shared` cannot be reached, calls are paced by this process's own window (a
    /// `tracing` warning says so).
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
                registered: Mutex::new(Vec::new()),
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

    /// Whether `other` is this limiter (a clone of it, or the same user's process-wide one).
    pub fn same_as(&self, other: &RateLimiter) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    fn window_state(&self) -> std::sync::MutexGuard<'_, Window> {
        self.inner.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn end_local(&self) {
        let now = self.inner.clock.monotonic();
        {
            let mut w = self.window_state();
            w.in_flight = w.in_flight.saturating_sub(1);
            w.ended.push_back(now);
        }
        self.inner.released.notify_waiters();
    }

    fn try_take(&self) -> Result<RatePermit, Busy> {
        let now = self.inner.clock.monotonic();
        let mut w = self.window_state();
        if let Some(until) = w.locked_until {
            if now < until {
                return Err(Busy::LockedOut(until - now));
            }
            w.locked_until = None;
        }
        let window = self.inner.window;
        while w.ended.front().is_some_and(|t| now.saturating_sub(*t) >= window) {
            w.ended.pop_front();
        }
        if w.in_flight + w.ended.len() < self.inner.max_calls {
            w.in_flight += 1;
            return Ok(RatePermit { limiter: self.clone(), slot: Slot::Local });
        }
        match w.ended.front() {
            Some(oldest) => Err(Busy::For((*oldest + window).saturating_sub(now).max(Duration::from_millis(1)))),
            None => Err(Busy::InFlight),
        }
    }

    /// Whether forgetting this limiter loses nothing: no call under way, no call ended within
    /// the window, and no lockout running, in this process's own window. (A shared window
    /// keeps its state in the shared database; its local window only fills while that is
    /// unreachable.)
    pub(crate) fn is_quiet(&self) -> bool {
        let now = self.inner.clock.monotonic();
        let w = self.window_state();
        w.in_flight == 0
            && w.locked_until.is_none_or(|until| until <= now)
            && w.ended.back().is_none_or(|last| now.saturating_sub(*last) >= self.inner.window)
    }

    /// The lockout running in this process, if any: how long it has left.
    fn local_lockout(&self) -> Option<Duration> {
        let now = self.inner.clock.monotonic();
        self.window_state().locked_until.and_then(|until| until.checked_sub(now)).filter(|d| !d.is_zero())
    }

    /// The error for a lockout with `left` to run.
    fn locked_out(&self, left: Duration) -> Error {
        Error::LockedOut { until: self.inner.clock.now() + left, retry_after: left }
    }

    /// Records that Zoho refused a call with 429 and locks every call of this limiter out for
    /// `duration` (Zoho's `Retry-After`, or [`ZOHO_LOCKOUT`]); with a shared window, every
    /// process of the fleet too. A running lockout that ends later is kept.
    pub async fn lock_out(&self, duration: Duration) {
        self.note_lockout(duration);
        tracing::warn!(lockout_s = duration.as_secs(), "Zoho answered 429: calls of this user wait for the lockout");
        if let Some(shared) = &self.inner.shared
            && let Err(e) = shared.lock_out(duration).await
        {
            tracing::warn!(error = %e, "rate limiter: could not share Zoho's lockout");
        }
    }

    /// Waits for a slot. Fails at once with [`Error::RateLimited`] when the wait would exceed
    /// `max_wait`, or with [`Error::LockedOut`] when a lockout runs longer than that.
    pub async fn acquire(&self) -> Result<RatePermit, Error> {
        if let Some(shared) = &self.inner.shared {
            return self.acquire_shared(shared.as_ref()).await;
        }
        self.acquire_local(Duration::ZERO).await
    }

    async fn acquire_local(&self, mut waited: Duration) -> Result<RatePermit, Error> {
        loop {
            let released = self.inner.released.notified();
            match self.try_take() {
                Ok(permit) => return Ok(permit),
                Err(Busy::LockedOut(left)) if waited + left > self.inner.max_wait => {
                    return Err(self.locked_out(left));
                }
                Err(Busy::LockedOut(wait)) => {
                    self.inner.sleeper.sleep(wait).await;
                    waited += wait;
                }
                Err(Busy::For(wait)) if waited + wait > self.inner.max_wait => {
                    return Err(Error::RateLimited { retry_after: wait });
                }
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

    async fn acquire_shared(&self, shared: &dyn SharedWindow) -> Result<RatePermit, Error> {
        let slot = format!("{:032x}", rand::random::<u128>());
        let mut waited = Duration::ZERO;
        loop {
            // Read before asking: the answer's wait counts from about then, and meanwhile other
            // callers may have moved a virtual clock.
            let now = self.inner.clock.now();
            let answer = shared.try_take(&slot, self.inner.max_calls, self.inner.window).await;
            // A lockout this process saw holds too (the shared one may have been lost with a
            // restarted Redis); the longer of the two counts.
            let local = self.local_lockout();
            let (wait, locked) = match answer {
                Ok(Take::Taken) => match local {
                    None => return Ok(RatePermit { limiter: self.clone(), slot: Slot::Shared(slot) }),
                    Some(left) => {
                        if let Err(e) = shared.give_back(&slot).await {
                            tracing::warn!(error = %e, "rate limiter: could not give back an unused slot");
                        }
                        (left, true)
                    }
                },
                Ok(Take::Wait(wait)) => match local {
                    Some(left) if left >= wait => (left, true),
                    _ => (wait, false),
                },
                Ok(Take::LockedOut(left)) => {
                    self.note_lockout(left);
                    (left.max(local.unwrap_or_default()), true)
                }
                Err(e) => {
                    // Unreachable (restarting, failing over): this process's own window paces
                    // the call, which keeps it under the limit on its own.
                    tracing::warn!(error = %e, "rate limiter: shared window unreachable; using this process's window");
                    return self.acquire_local(waited).await;
                }
            };
            if waited + wait > self.inner.max_wait {
                return Err(if locked { self.locked_out(wait) } else { Error::RateLimited { retry_after: wait } });
            }
            self.inner.sleeper.sleep_until(now + wait, now).await;
            waited += wait;
        }
    }

    /// Remembers a lockout that ends after `left`, unless one that ends later is known.
    fn note_lockout(&self, left: Duration) {
        let until = self.inner.clock.monotonic() + left;
        let mut w = self.window_state();
        w.locked_until = Some(w.locked_until.map_or(until, |u| u.max(until)));
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
    use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
    use std::time::SystemTime;

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
        match limiter.acquire().await {
            Err(Error::RateLimited { retry_after }) => assert_eq!(retry_after, Duration::from_secs(120)),
            other => panic!("expected RateLimited, got {other:?}"),
        }
    }

    /// A machine whose wall clock an operator (or NTP) steps, while real time (the virtual
    /// milliseconds the sleeper advances) runs on evenly.
    struct SteppedClock {
        real_ms: Arc<AtomicU64>,
        step_s: AtomicI64,
    }

    impl Clock for Arc<SteppedClock> {
        fn now(&self) -> SystemTime {
            let real = SystemTime::UNIX_EPOCH + Duration::from_millis(self.real_ms.load(Ordering::SeqCst));
            let step = self.step_s.load(Ordering::SeqCst);
            let by = Duration::from_secs(step.unsigned_abs());
            if step >= 0 { real + by } else { real - by }
        }
        fn monotonic(&self) -> Duration {
            Duration::from_millis(self.real_ms.load(Ordering::SeqCst))
        }
    }

    fn stepped() -> (Arc<AtomicU64>, Arc<SteppedClock>, impl Sleeper) {
        let (ms, _, sleeper) = virtual_time();
        (Arc::clone(&ms), Arc::new(SteppedClock { real_ms: ms, step_s: AtomicI64::new(0) }), sleeper)
    }

    /// Wall-clock steps of an hour either way change nothing: after a step back the next call
    /// waits the window's 120 s (not 120 s plus an hour, which `max_wait` would refuse: a stall),
    /// and after a step forward the calls of the last 2 minutes still count (no burst of 100).
    #[tokio::test]
    async fn wall_clock_steps_neither_stall_nor_burst() {
        for step in [-3600, 3600] {
            let (ms, clock, sleeper) = stepped();
            let limiter = RateLimiter::with_parts(
                100,
                Duration::from_secs(120),
                Duration::from_secs(600),
                Arc::clone(&clock),
                sleeper,
            );
            for _ in 0..100 {
                drop(limiter.acquire().await.expect("a slot"));
            }
            let start = ms.load(Ordering::SeqCst);
            clock.step_s.store(step, Ordering::SeqCst);
            let mut stamps = Vec::new();
            for _ in 0..100 {
                drop(limiter.acquire().await.unwrap_or_else(|e| panic!("step {step} s: {e}")));
                stamps.push(ms.load(Ordering::SeqCst) - start);
            }
            assert_eq!(stamps[0], 120_000, "step {step} s: the 101st call waits exactly the window");
            assert_eq!(stamps[99], 120_000, "step {step} s: then the next 99 go at once");
        }
    }

    #[tokio::test]
    async fn a_lockout_holds_every_call_until_it_ends_and_says_until_when() {
        let (ms, clock, sleeper) = virtual_time();
        let clock = Arc::new(clock);
        let wall = move || clock.now();
        let limiter =
            RateLimiter::with_parts(100, Duration::from_secs(120), Duration::from_secs(120), wall.clone(), sleeper);
        limiter.lock_out(ZOHO_LOCKOUT).await;
        let (locked_at, t0) = (wall(), ms.load(Ordering::SeqCst));
        // Longer than `max_wait` (120 s) to go: refused at once.
        for (at_s, left_s) in [(0, 1800), (1679, 121)] {
            ms.store(t0 + at_s * 1000, Ordering::SeqCst);
            match limiter.acquire().await {
                Err(Error::LockedOut { until, retry_after }) => {
                    assert_eq!(retry_after, Duration::from_secs(left_s));
                    assert_eq!(until, locked_at + ZOHO_LOCKOUT, "the same end, said the same way");
                }
                other => panic!("{left_s} s left: expected LockedOut, got {other:?}"),
            }
        }
        // 120 s to go: waited out, to the millisecond of the lockout's end.
        ms.store(t0 + 1_680_000, Ordering::SeqCst);
        drop(limiter.acquire().await.expect("the lockout is over"));
        assert_eq!(ms.load(Ordering::SeqCst), t0 + 1_800_000);
        // A lockout within `max_wait` is waited out instead.
        limiter.lock_out(Duration::from_secs(7)).await;
        let before = ms.load(Ordering::SeqCst);
        drop(limiter.acquire().await.expect("waited"));
        assert_eq!(ms.load(Ordering::SeqCst) - before, 7_000);
    }

    #[tokio::test]
    async fn an_unused_slot_does_not_count() {
        let (ms, clock, sleeper) = virtual_time();
        let limiter = RateLimiter::with_parts(2, Duration::from_secs(120), Duration::from_secs(600), clock, sleeper);
        for _ in 0..10 {
            limiter.acquire().await.expect("a slot").unused().await;
        }
        let start = ms.load(Ordering::SeqCst);
        drop(limiter.acquire().await.expect("1"));
        drop(limiter.acquire().await.expect("2"));
        assert_eq!(ms.load(Ordering::SeqCst), start, "no waiting: the unused slots were given back");
    }

    #[test]
    fn one_limiter_per_user_in_the_process() {
        let key = RateKey::new("https://Accounts.Zoho.EU/", "ana@example.com");
        let a = RateLimiter::for_user(&key);
        let b = RateLimiter::for_user(&RateKey::new("https://accounts.zoho.eu", "ana@example.com"));
        assert!(a.same_as(&b));
        assert!(!a.same_as(&RateLimiter::for_user(&RateKey::new("https://accounts.zoho.com", "ana@example.com"))));
        assert!(!a.same_as(&RateLimiter::for_user(&RateKey::new("https://accounts.zoho.eu", "bo@example.com"))));
        let first = RateLimiter::for_user_or(&key, || panic!("the user has one"));
        assert!(first.same_as(&a));
        drop((a, b, first));
        let fresh = RateLimiter::for_user_or(&key, || RateLimiter::new(7, Duration::from_secs(1)));
        assert_eq!(fresh.max_calls(), 7, "the last client gone, the user's limiter went with it");
    }

    fn listed(key: &RateKey) -> bool {
        registry().lock().unwrap_or_else(PoisonError::into_inner).contains_key(key)
    }

    /// A user's entry goes with their limiter's last handle (no entry of a dropped user is left
    /// for a later sweep), and a newer limiter of the user keeps its entry when an older one
    /// goes.
    #[test]
    fn entries_of_dropped_users_are_cleaned() {
        let keys: Vec<RateKey> =
            (0..1000).map(|i| RateKey::new("https://accounts.zoho.in", format!("cleaned-{i}@example.com"))).collect();
        let limiters: Vec<RateLimiter> = keys.iter().map(RateLimiter::for_user).collect();
        let clones = limiters.clone();
        assert!(keys.iter().all(listed));
        drop(limiters);
        assert!(keys.iter().all(listed), "a clone still holds each");
        drop(clones);
        let left = keys.iter().filter(|k| listed(k)).count();
        assert_eq!(left, 0, "entries of dropped users left in the process-wide map");

        // The old limiter's last handle goes after a newer one took the user's entry.
        let key = &keys[0];
        let old = RateLimiter::for_user(key);
        let old_inner = Arc::downgrade(&old.inner);
        let map_entry = registry().lock().unwrap_or_else(PoisonError::into_inner).remove(key);
        drop(map_entry);
        let newer = RateLimiter::for_user_or(key, || RateLimiter::new(7, Duration::from_secs(1)));
        drop(old);
        assert!(old_inner.upgrade().is_none());
        assert!(listed(key), "the newer limiter's entry stays");
        assert!(RateLimiter::for_user(key).same_as(&newer));
        drop(newer);
        assert!(!listed(key));

        // A limiter handed to two users is listed under both, and cleaned under both.
        let shared = RateLimiter::new(5, Duration::from_secs(1));
        let a = RateLimiter::for_user_or(&keys[1], || shared.clone());
        let b = RateLimiter::for_user_or(&keys[2], || shared.clone());
        assert!(a.same_as(&b) && listed(&keys[1]) && listed(&keys[2]));
        assert!(RateLimiter::for_user(&keys[2]).same_as(&shared));
        drop((a, b, shared));
        assert!(!listed(&keys[1]) && !listed(&keys[2]));
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
