//! TokenManager: fast path, single-flight, early refresh, compare-and-invalidate, backoff, login
//! bookkeeping. With a counting refresher here; against the sandbox over HTTP further down.
#![allow(missing_docs)]

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use zoho_oauth_core::store::{MemoryStore, StoreKey};
use zoho_oauth_core::{
    AccessToken, DynamicScopes, OAuthError, RefreshToken, Refresher, Token, TokenManager, TokenParts, TokenSource,
    scope_set,
};

scope_set! {
    #[zoho(crate = ::zoho_oauth_core)]
    /// The set the tests use.
    pub struct Reader = ["ZohoProjects.portals.READ"];
}

const T0: u64 = 1_700_000_000;

/// A clock the test moves by hand.
#[derive(Clone)]
struct ManualClock(Arc<AtomicU64>);
impl ManualClock {
    fn new() -> Self {
        ManualClock(Arc::new(AtomicU64::new(T0 * 1000)))
    }
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.0.load(Ordering::SeqCst))
    }
    fn advance(&self, d: Duration) {
        self.0.fetch_add(d.as_millis() as u64, Ordering::SeqCst);
    }
    fn as_clock(&self) -> impl Fn() -> SystemTime + Send + Sync + 'static {
        let c = self.clone();
        move || c.now()
    }
}

fn scopes() -> DynamicScopes {
    DynamicScopes::parse_list("ZohoProjects.portals.READ").expect("valid")
}

/// Counts refreshes; mints `access-N` valid for an hour; can be told to fail.
struct Fake {
    clock: ManualClock,
    calls: AtomicUsize,
    revoked: Mutex<Vec<String>>,
    fail: Mutex<Option<fn() -> OAuthError>>,
    delay: Duration,
}

impl Fake {
    fn new(clock: &ManualClock) -> Arc<Self> {
        Arc::new(Fake {
            clock: clock.clone(),
            calls: AtomicUsize::new(0),
            revoked: Mutex::new(Vec::new()),
            fail: Mutex::new(None),
            delay: Duration::from_millis(50),
        })
    }
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait::async_trait]
impl Refresher for Fake {
    async fn refresh(&self, parts: &TokenParts) -> Result<TokenParts, OAuthError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        tokio::time::sleep(self.delay).await;
        if let Some(f) = *self.fail.lock().unwrap() {
            return Err(f());
        }
        assert!(parts.refresh_token.is_some(), "refresh needs the refresh token");
        let at = AccessToken::new(format!("access-{n}"), self.clock.now() + Duration::from_secs(3600), scopes());
        // Like Zoho: no refresh token in the answer.
        Ok(TokenParts::new(at))
    }
    async fn revoke(&self, token: &RefreshToken, _server: Option<&url::Url>) -> Result<(), OAuthError> {
        self.revoked.lock().unwrap().push(token.expose_secret().to_owned());
        Ok(())
    }
}

fn key() -> StoreKey {
    StoreKey::new("https://accounts.zoho.com", "1000.CLIENT", "user")
}

fn login_token(secret: &str, refresh: &str, expires_at: SystemTime) -> Token<Reader> {
    let mut parts = TokenParts::new(AccessToken::new(secret, expires_at, scopes()));
    parts.refresh_token = Some(RefreshToken::new(refresh));
    Token::<Reader>::from_parts(parts).expect("scopes match")
}

async fn manager(clock: &ManualClock, fake: &Arc<Fake>, store: MemoryStore) -> TokenManager<Reader> {
    let m = TokenManager::builder::<Reader>(Arc::clone(fake), key()).store(store).clock(clock.as_clock()).build();
    m.login(login_token("access-0", "refresh-A", clock.now() + Duration::from_secs(3600))).await.expect("login");
    m
}

#[tokio::test(start_paused = true)]
async fn fast_path_serves_the_cached_token_without_refreshing() {
    let clock = ManualClock::new();
    let fake = Fake::new(&clock);
    let m = manager(&clock, &fake, MemoryStore::new()).await;
    for _ in 0..1000 {
        assert_eq!(m.access_token().await.expect("token").expose_secret(), "access-0");
    }
    assert_eq!(fake.calls(), 0);
    // Up to 6 minutes before expiry (5 min + up to 1 min jitter) it stays.
    clock.advance(Duration::from_secs(3600 - 6 * 60 - 1));
    assert_eq!(m.access_token().await.expect("token").expose_secret(), "access-0");
    assert_eq!(fake.calls(), 0);
}

#[tokio::test(start_paused = true)]
async fn ten_thousand_waiters_on_an_expired_token_cause_one_refresh() {
    let clock = ManualClock::new();
    let fake = Fake::new(&clock);
    let m = manager(&clock, &fake, MemoryStore::new()).await;
    clock.advance(Duration::from_secs(2 * 3600));
    let tasks: Vec<_> = (0..10_000)
        .map(|_| {
            let m = m.clone();
            tokio::spawn(async move { m.access_token().await.map(|t| t.expose_secret().to_owned()) })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.expect("joined").expect("token"), "access-1");
    }
    assert_eq!(fake.calls(), 1, "exactly one token request");
}
