//! Scenario 1, the token fast path: a valid cached token from `TokenManager::token()` vs a
//! `Mutex<Option<Token>>` (the pattern of yup-oauth2 and octocrab), with `std` and `tokio`
//! mutexes. Every variant checks the expiry against the system clock and clones the token, as
//! the manager does. Measured by `benches/token.rs` (criterion); the smoke test runs each once.

use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant, SystemTime};

use std::pin::pin;
use std::task::{Context, Poll, Waker};
use zoho_oauth_core::store::{MemoryStore, StoreKey};
use zoho_oauth_core::{AccessToken, DynamicScopes, Token, TokenManager, TokenParts, TokenSource};

use crate::common::{NoRefresh, READ, Reader};

/// Never hand out a token with less than this left (the manager's default).
const MARGIN: Duration = Duration::from_secs(30);

/// The three sources, each holding the same valid token.
pub struct Sources {
    /// A logged-in manager (system clock, memory store).
    pub manager: TokenManager<Reader>,
    /// `std::sync::Mutex<Option<AccessToken>>`.
    pub std_mutex: Mutex<Option<AccessToken>>,
    /// `tokio::sync::Mutex<Option<AccessToken>>`.
    pub tokio_mutex: tokio::sync::Mutex<Option<AccessToken>>,
    /// A logged-in manager whose clock is a coarse one: the time kept in an atomic that a
    /// thread updates every millisecond (no clock read per call).
    pub manager_coarse: TokenManager<Reader>,
    token: AccessToken,
}

/// One way to get the token.
pub type Variant = fn(&Sources) -> AccessToken;

/// The variants by name, as the bench and the profiling loop know them.
pub const VARIANTS: [(&str, Variant); 8] = [
    ("manager", Sources::manager),
    ("manager_cached", Sources::manager_cached),
    ("manager_cached_token", Sources::manager_cached_token),
    ("manager_dyn", Sources::manager_dyn),
    ("std_mutex", Sources::std_mutex),
    ("tokio_mutex", Sources::tokio_mutex),
    ("clone_only", Sources::clone_only),
    ("manager_coarse", Sources::manager_coarse),
];

/// A clock read from an atomic that a background thread sets every millisecond.
fn coarse_clock() -> impl Fn() -> SystemTime + Send + Sync + 'static {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    let nanos = || SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    let now = Arc::new(AtomicU64::new(nanos()));
    let ticker = Arc::downgrade(&now);
    std::thread::spawn(move || {
        while let Some(now) = ticker.upgrade() {
            now.store(nanos(), Ordering::Relaxed);
            drop(now);
            std::thread::sleep(Duration::from_millis(1));
        }
    });
    move || std::time::UNIX_EPOCH + Duration::from_nanos(now.load(Ordering::Relaxed))
}

impl Sources {
    /// Builds them (a current-thread runtime logs the manager in).
    pub fn new() -> Sources {
        let scopes = DynamicScopes::parse_list(READ).expect("scope");
        let access = AccessToken::new("1000.abc.def", SystemTime::now() + Duration::from_secs(24 * 3600), scopes);
        let token = Token::<Reader>::from_parts(TokenParts::new(access.clone())).expect("scopes");
        let key = StoreKey::new("https://accounts.zoho.com", "1000.C", "u");
        let manager = TokenManager::builder::<Reader>(NoRefresh, key.clone()).store(MemoryStore::new()).build();
        let manager_coarse =
            TokenManager::builder::<Reader>(NoRefresh, key).store(MemoryStore::new()).clock(coarse_clock()).build();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(manager.login(token.clone())).expect("login");
        rt.block_on(manager_coarse.login(token)).expect("login");
        Sources {
            manager,
            std_mutex: Mutex::new(Some(access.clone())),
            tokio_mutex: tokio::sync::Mutex::new(Some(access.clone())),
            manager_coarse,
            token: access,
        }
    }

    /// `TokenManager::token()` (the fast path is ready at the first poll).
    pub fn manager(&self) -> AccessToken {
        poll_ready(self.manager.token()).expect("token")
    }

    /// `TokenManager::cached()`: the synchronous fast path `token()` starts with and
    /// `Client::send` calls (no future).
    pub fn manager_cached(&self) -> AccessToken {
        self.manager.cached().expect("token")
    }

    /// `TokenSource::cached_token`: `cached()` wrapped in the checked `ScopedToken` and unwrapped
    /// again, exactly what `Client::send` calls (issue 11: the wrapper must cost nothing).
    pub fn manager_cached_token(&self) -> AccessToken {
        TokenSource::cached_token(&self.manager).expect("token").into_access_token()
    }

    /// The same through `TokenSource::access_token` (a boxed future), taken when no token is at hand.
    pub fn manager_dyn(&self) -> AccessToken {
        poll_ready(TokenSource::access_token(&self.manager)).expect("token").into_access_token()
    }

    /// `TokenManager::token()` with the coarse clock.
    pub fn manager_coarse(&self) -> AccessToken {
        poll_ready(self.manager_coarse.token()).expect("token")
    }

    /// Only what every variant ends with: cloning the shared token (one reference count).
    pub fn clone_only(&self) -> AccessToken {
        self.token.clone()
    }

    /// `std::sync::Mutex<Option<AccessToken>>`.
    pub fn std_mutex(&self) -> AccessToken {
        let now = SystemTime::now();
        let guard = self.std_mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        guard.as_ref().filter(|t| t.is_fresh(now, MARGIN)).cloned().expect("valid")
    }

    /// `tokio::sync::Mutex<Option<AccessToken>>`, locked asynchronously.
    pub fn tokio_mutex(&self) -> AccessToken {
        poll_ready(async {
            let now = SystemTime::now();
            let guard = self.tokio_mutex.lock().await;
            guard.as_ref().filter(|t| t.is_fresh(now, MARGIN)).cloned()
        })
        .expect("valid")
    }
}

impl Default for Sources {
    fn default() -> Self {
        Self::new()
    }
}

/// Polls `f` until it is ready, with a no-op waker: the cheapest executor, so that the
/// measurement is the future's own work (a contended tokio mutex is polled again until the lock
/// is handed over).
pub fn poll_ready<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::hint::spin_loop();
    }
}

/// Runs `f` `iters` times on each of `threads` threads started together; returns the wall time
/// until the last one finished (per call: divide by `iters`).
pub fn run_threads<T, F: Fn() -> T + Sync>(threads: usize, iters: u64, f: F) -> Duration {
    let barrier = Barrier::new(threads + 1);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    for _ in 0..iters {
                        std::hint::black_box(f());
                    }
                })
            })
            .collect();
        barrier.wait();
        let started = Instant::now();
        for h in handles {
            h.join().expect("bench thread");
        }
        started.elapsed()
    })
}
