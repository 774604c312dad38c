//! [`TokenManager`]: a [`TokenSource`] that refreshes once — across tasks, processes and
//! machines — and never trips Zoho's token limits.
//!
//! Zoho deletes the oldest access token once a refresh token has more than 30 (15 in stricter
//! products) and throttles after 10 refreshes in 10 minutes (<https://www.zoho.com/accounts/protocol/oauth/web-apps/access-token-expiry.html>). A client that
//! refreshes per request, per worker or per process silently kills the tokens other workers
//! still use. The manager therefore:
//!
//! - hands out a valid cached token without a lock, without I/O and without writing to memory
//!   another thread reads: each thread keeps its own copy of the current token (`thread_local`),
//!   checked against a generation number, with the current one in an `arc-swap`;
//! - refreshes early (by default 5 minutes before expiry, minus up to a minute of jitter), in the
//!   background: the caller that finds the token due and every caller after it keep using the
//!   still-valid token meanwhile;
//! - is **single-flight**: when no valid token is left, N waiting callers cause one token
//!   request, and every waiter re-checks after getting its turn;
//! - runs each refresh in a task of its own (on the current Tokio runtime) that holds the
//!   single-flight lock and the store's lease until it is done: a caller cancelled mid-refresh (a
//!   timeout around `send`) never cancels a refresh that may already have reached Zoho, and the
//!   lease is released on every path; it renews the lease while the refresh runs, so that a slow
//!   refresh never outlives it; a [`Refresher`] that panics becomes
//!   [`OAuthError::RefresherPanicked`] and is backed off from;
//! - shares the refresh through its [`TokenStore`]: it re-reads the store, takes the store's
//!   refresh lock, re-reads again, and refreshes only if nobody else did meanwhile;
//! - after a 401 "invalid token", drops the cached token only if it is still the rejected one
//!   (compare-and-invalidate), so [`Client::send`](crate::Client::send) refreshes once and
//!   retries once; a token fetched after a refusal that is refused too is kept and not replaced
//!   (the refusal is not about the token: a wrong data centre, say): at most one such refresh
//!   per token, and while that refresh is throttled the refused but unexpired token keeps
//!   serving;
//! - keeps a still-valid token when a refresh fails, tells transient failures (network, 5xx,
//!   throttling) from permanent ones (revoked token, wrong client), backs off (exponentially,
//!   with jitter, measured on its [`Clock`]), never loops, never caches an error for longer than
//!   the backoff and never starts an interactive flow;
//! - spawns no task but the refresh's own, which ends with the refresh.

use crate::clock::{Clock, SystemClock, unix_secs};
use crate::error::{Error, OAuthError};
use crate::oauth::OAuthClient;
use crate::store::{MemoryStore, StoreError, StoreKey, StoreLock, TokenRecord, TokenStore};
use crate::token::{
    AccessToken, RefreshToken, ScopeMismatch, ScopeRequirement, ScopedToken, Token, TokenParts, TokenSource,
    check_scopes,
};
use arc_swap::ArcSwapOption;
use futures::FutureExt;
use std::cell::RefCell;
use std::convert::Infallible;
use std::fmt;
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};
use thread_local::ThreadLocal;
use url::Url;

/// What the manager asks for new tokens: Zoho's refresh grant and revocation.
///
/// [`OAuthClient`] implements it; tests and other transports may too.
#[async_trait::async_trait]
pub trait Refresher: Send + Sync + 'static {
    /// Exchanges the refresh token in `parts` for a new access token. The answer may omit the
    /// refresh token, `api_domain`, the accounts server and the location: the manager keeps
    /// the old ones.
    async fn refresh(&self, parts: &TokenParts) -> Result<TokenParts, OAuthError>;

    /// Revokes a refresh token (and with it every access token made from it) at
    /// `accounts_server`.
    async fn revoke(&self, token: &RefreshToken, accounts_server: Option<&Url>) -> Result<(), OAuthError>;

    /// Whether the manager may take the access token of `record`, found in its store, as it
    /// is. By default any record; an [`OAuthClient`] takes only records naming an accounts
    /// server it trusts: a record planted in a shared store naming another would make the
    /// user's calls with whatever token the planter put in it. A record refused here is not
    /// used; its refresh fails with [`OAuthError::UntrustedAccountsServer`].
    fn accepts(&self, record: &TokenRecord) -> bool {
        let _ = record;
        true
    }
}

#[async_trait::async_trait]
impl Refresher for OAuthClient {
    async fn refresh(&self, parts: &TokenParts) -> Result<TokenParts, OAuthError> {
        OAuthClient::refresh(self, parts).await
    }
    async fn revoke(&self, token: &RefreshToken, accounts_server: Option<&Url>) -> Result<(), OAuthError> {
        OAuthClient::revoke(self, token, accounts_server).await
    }
    fn accepts(&self, record: &TokenRecord) -> bool {
        self.recorded_accounts(Url::parse(&record.accounts_server).ok().as_ref()).is_ok()
    }
}

#[async_trait::async_trait]
impl<T: Refresher + ?Sized> Refresher for Arc<T> {
    async fn refresh(&self, parts: &TokenParts) -> Result<TokenParts, OAuthError> {
        (**self).refresh(parts).await
    }
    async fn revoke(&self, token: &RefreshToken, accounts_server: Option<&Url>) -> Result<(), OAuthError> {
        (**self).revoke(token, accounts_server).await
    }
    fn accepts(&self, record: &TokenRecord) -> bool {
        (**self).accepts(record)
    }
}

/// Why the manager has no token to give.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManagerError {
    /// The refresh failed (this caller's own attempt).
    #[error(transparent)]
    OAuth(#[from] OAuthError),
    /// A refresh failed recently and the next attempt is not due yet; nothing was sent.
    #[error(
        "token refresh is backing off after {attempts} failed attempt(s) ({}); next attempt in {retry_after:?}; last error: {last}",
        if *transient { "transient" } else { "permanent" }
    )]
    Backoff {
        /// How long until the next attempt is allowed.
        retry_after: Duration,
        /// Failed attempts in a row.
        attempts: u32,
        /// Whether the last failure may go away by itself (network, 5xx, throttling).
        transient: bool,
        /// The last failure.
        last: Arc<OAuthError>,
    },
    /// The token store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Zoho granted the refreshed token other scopes than the manager's scope set needs.
    #[error(transparent)]
    ScopeMismatch(#[from] ScopeMismatch),
    /// The store holds no token for this key: log in first ([`TokenManager::login`]).
    #[error("no token stored for {key}: sign the user in first (an OAuth flow, then TokenManager::login)")]
    NotLoggedIn {
        /// The key.
        key: String,
    },
    /// This handle's user was removed ([`Tenants::remove`](crate::tenants::Tenants::remove)):
    /// it hands out no token again, even after the user signs in anew. Ask the registry for a
    /// new client.
    #[error(
        "{key} was removed from the tenant registry: this handle hands out no token again; ask the registry for a new client"
    )]
    Removed {
        /// The key.
        key: String,
    },
    /// The refresh task ended without an answer: the runtime is shutting down, or the token store
    /// panicked. The single-flight lock and the store's lease were released.
    #[error("the token refresh task ended without an answer (runtime shutdown or a panic in the token store)")]
    RefreshAborted,
    /// The stored token has no refresh token (online access) and has expired: authorize again
    /// with offline access.
    #[error("the token for {key} has expired and has no refresh token: authorize again with access_type=offline")]
    NoRefreshToken {
        /// The key.
        key: String,
    },
}

impl ManagerError {
    /// Whether trying again later may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            ManagerError::OAuth(e) => e.is_transient(),
            ManagerError::Backoff { transient, .. } => *transient,
            ManagerError::RefreshAborted => true,
            ManagerError::Store(
                StoreError::LockTimeout { .. }
                | StoreError::Backend(_)
                | StoreError::Unavailable(_)
                | StoreError::Io { .. },
            ) => true,
            _ => false,
        }
    }
}

impl From<ManagerError> for Error {
    fn from(e: ManagerError) -> Error {
        match e {
            ManagerError::OAuth(e) => Error::OAuth(e),
            ManagerError::Backoff { last, .. } => Error::OAuth(OAuthError::clone(&last)),
            ManagerError::ScopeMismatch(m) => Error::ScopeMismatch(m),
            ManagerError::NotLoggedIn { key } | ManagerError::Removed { key } => Error::NotLoggedIn { key },
            ManagerError::NoRefreshToken { key } => Error::NoRefreshToken { key },
            ManagerError::RefreshAborted => Error::OAuth(OAuthError::RefresherPanicked),
            ManagerError::Store(e) => Error::Store(e),
        }
    }
}

/// The manager's timing knobs; see [`TokenManagerBuilder`].
#[derive(Debug, Clone)]
struct Config {
    refresh_before: Duration,
    jitter: Duration,
    min_validity: Duration,
    backoff_min: Duration,
    backoff_max: Duration,
    throttle_backoff: Duration,
    lease_ttl: Duration,
    lock_wait: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            refresh_before: Duration::from_secs(300),
            jitter: Duration::from_secs(60),
            min_validity: Duration::from_secs(30),
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(300),
            throttle_backoff: Duration::from_secs(60),
            lease_ttl: Duration::from_secs(30),
            lock_wait: Duration::from_secs(45),
        }
    }
}

/// Builds a [`TokenManager`]; see [`TokenManager::builder`].
pub struct TokenManagerBuilder<S> {
    refresher: Arc<dyn Refresher>,
    key: StoreKey,
    store: Option<Arc<dyn TokenStore>>,
    clock: Option<Arc<dyn Clock>>,
    config: Config,
    _scopes: PhantomData<fn() -> S>,
}

impl<S> fmt::Debug for TokenManagerBuilder<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenManagerBuilder")
            .field("key", &self.key)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<S: ScopeRequirement> TokenManagerBuilder<S> {
    /// Where tokens live (default: a new [`MemoryStore`]). Share one store between managers,
    /// processes or machines so that they refresh once between them.
    pub fn store(mut self, store: impl TokenStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// Where "now" comes from (default: [`SystemClock`]); e.g. a `zoho-sandbox` virtual clock.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Refresh this long before expiry (default 5 minutes).
    pub fn refresh_before(mut self, d: Duration) -> Self {
        self.config.refresh_before = d;
        self
    }

    /// Refresh up to this much earlier still, at random, so that a fleet spreads its refreshes
    /// (default 1 minute).
    pub fn jitter(mut self, d: Duration) -> Self {
        self.config.jitter = d;
        self
    }

    /// Never hand out a token with less than this left (default 30 s), so that a call does not
    /// expire in flight.
    pub fn min_validity(mut self, d: Duration) -> Self {
        self.config.min_validity = d;
        self
    }

    /// Backoff after failed refreshes: from `min`, doubling per failure, up to `max` (defaults
    /// 1 s and 5 minutes). Permanent failures wait `max` at once; throttling ("Access Denied")
    /// at least a minute.
    pub fn backoff(mut self, min: Duration, max: Duration) -> Self {
        self.config.backoff_min = min;
        self.config.backoff_max = max.max(min);
        self.config.throttle_backoff = self.config.throttle_backoff.min(self.config.backoff_max);
        self
    }

    /// How long a store lease outlives a holder that died (default 30 s; file locks die with
    /// their holder), and how long to wait for another holder (default 45 s). A holder renews its
    /// lease every third of `ttl` while its refresh runs, so a refresh slower than `ttl` keeps it.
    pub fn lease(mut self, ttl: Duration, wait: Duration) -> Self {
        self.config.lease_ttl = ttl;
        self.config.lock_wait = wait;
        self
    }

    /// Shares `store` (already behind an `Arc`) instead of wrapping it again: a registry of many
    /// managers keeps one allocation for all of them.
    pub(crate) fn shared_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Shares `clock` (already behind an `Arc`).
    pub(crate) fn shared_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The manager.
    pub fn build(self) -> TokenManager<S> {
        TokenManager {
            inner: Arc::new(Inner {
                cache: ArcSwapOption::empty(),
                generation: AtomicU64::new(0),
                local: ThreadLocal::new(),
                flight: Arc::new(tokio::sync::Mutex::new(Flight { failure: None })),
                rejected: Mutex::new(None),
                known: Mutex::new(None),
                after_refusal: std::sync::atomic::AtomicBool::new(false),
                suspect: Mutex::new(None),
                has_suspect: std::sync::atomic::AtomicBool::new(false),
                retired: std::sync::atomic::AtomicBool::new(false),
                refresher: self.refresher,
                store: self.store.unwrap_or_else(|| Arc::new(MemoryStore::new())),
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
                key: self.key,
                config: self.config,
            }),
            _scopes: PhantomData,
        }
    }
}

/// A refreshing [`TokenSource`] whose tokens carry the scope set `S`; cheap to clone (clones
/// share the cache).
///
/// ```
/// use std::time::Duration;
/// use zoho_oauth_core::oauth::OAuthClient;
/// use zoho_oauth_core::store::{FileStore, StoreKey};
/// use zoho_oauth_core::{Client, ClientSecret, Endpoint, TokenManager, TokenSource, scope_set};
/// use zoho_sandbox::{Dc, Sandbox};
///
/// scope_set! {
///     #[zoho(crate = ::zoho_oauth_core)]
///     /// What the job may do.
///     pub struct Reader = ["ZohoProjects.portals.READ"];
/// }
///
/// #[derive(Endpoint)]
/// #[zoho(crate = ::zoho_oauth_core, method = "GET", path = "/api/v3/portals",
///        scope = "ZohoProjects.portals.READ", response = serde_json::Value)]
/// struct ListPortals;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let sb = Sandbox::builder().start().await?;
/// let app = sb.demo_client();
/// let clock = sb.clock(); // the sandbox's virtual clock; omit both `.clock` calls in production
/// let now = move || clock.now_system();
/// let oauth = OAuthClient::builder(&app.client_id, ClientSecret::new(app.client_secret.as_str()))
///     .accounts_url(sb.accounts_url(Dc::Us))
///     .clock(now.clone())
///     .build()?;
///
/// // Log in once (here with a self-client code); the manager stores the token.
/// let code = sb.self_client_code(&app.client_id, &["ZohoProjects.portals.READ"])?;
/// let token = oauth.exchange_self_client_code::<Reader>(&code).await?;
/// let dir = tempfile::tempdir()?;
/// let key = StoreKey::new(sb.accounts_url(Dc::Us), &app.client_id, "me");
/// let tokens = TokenManager::builder::<Reader>(oauth, key)
///     .store(FileStore::new(dir.path().join("tokens.json")))
///     .clock(now)
///     .build();
/// tokens.login(token).await?;
///
/// let client = Client::builder().api_base(sb.api_url(Dc::Us)).no_rate_limit().build(tokens.clone())?;
/// client.send(ListPortals).await?;
///
/// // Two hours later the token has expired: the next call refreshes it, once.
/// sb.clock().advance(Duration::from_secs(7200));
/// client.send(ListPortals).await?;
/// client.send(ListPortals).await?;
/// assert_eq!(sb.counters().refresh_grants, 1);
/// # Ok(()) }
/// ```
pub struct TokenManager<S> {
    inner: Arc<Inner>,
    _scopes: PhantomData<fn() -> S>,
}

impl<S> Clone for TokenManager<S> {
    fn clone(&self) -> Self {
        TokenManager { inner: Arc::clone(&self.inner), _scopes: PhantomData }
    }
}

impl<S> fmt::Debug for TokenManager<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenManager")
            .field("set", &std::any::type_name::<S>())
            .field("key", &self.inner.key)
            .field("cached", &self.inner.cache.load().as_ref().map(|c| c.token.clone()))
            .finish_non_exhaustive()
    }
}

struct Inner {
    /// The current token; every change is followed by a bump of `generation`.
    cache: ArcSwapOption<Cached>,
    /// Counts the changes of `cache`: a thread's copy in `local` is current while its generation
    /// is this one.
    generation: AtomicU64,
    /// Each thread's own copy of the current token (its own allocation): threads that hand out
    /// the same token never write to a shared reference count (BENCHMARKS.md §1).
    local: ThreadLocal<Slot>,
    /// The single-flight lock; holds the backoff state. A refresh holds it in its own task.
    flight: Arc<tokio::sync::Mutex<Flight>>,
    /// The last token Zoho rejected: never adopted again.
    rejected: Mutex<Option<AccessToken>>,
    /// The last record this manager read from or wrote to the store: when the store has lost it
    /// (a Redis restarted empty), the next refresh starts from it and writes its result back.
    known: Mutex<Option<TokenRecord>>,
    /// Set when a refusal (401) dropped the current token: the next token adopted is the answer
    /// to it, and becomes `suspect`.
    after_refusal: std::sync::atomic::AtomicBool,
    /// The token fetched because its predecessor was refused: if it is refused too before any
    /// call with it succeeded, it is not replaced (one refresh per token generation).
    suspect: Mutex<Option<AccessToken>>,
    /// Whether `suspect` holds a token: lets [`TokenSource::accepted`] skip the lock on the fast
    /// path.
    has_suspect: std::sync::atomic::AtomicBool,
    /// Set (under `flight`) when the registry removed the user: no token is taken in again.
    retired: std::sync::atomic::AtomicBool,
    refresher: Arc<dyn Refresher>,
    store: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
    key: StoreKey,
    config: Config,
}

struct Cached {
    token: AccessToken,
    /// When this manager refreshes it (early, jittered).
    refresh_at: SystemTime,
}

/// A thread's place for its copy. `thread_local` keeps the places of consecutive threads next to
/// each other: the alignment keeps each on cache lines of its own (128 bytes: Intel's adjacent-line
/// prefetcher pairs 64-byte lines), or the borrow flags of two threads would share a line.
#[derive(Default)]
#[repr(align(128))]
struct Slot(RefCell<Option<Local>>);

/// A thread's copy of [`Cached`].
struct Local {
    generation: u64,
    token: AccessToken,
    /// Handed out while the time is before this: the refresh time, or the expiry less the
    /// minimum validity if that comes first (one comparison per call instead of two and an add).
    use_until: SystemTime,
    /// `use_until` in whole seconds since the Unix epoch, rounded down: compared with
    /// [`Clock::now_coarse_secs`] first.
    until_secs: u64,
}

struct Flight {
    failure: Option<Failure>,
}

struct Failure {
    error: Arc<OAuthError>,
    attempts: u32,
    retry_at: SystemTime,
    transient: bool,
}

/// What [`TokenManager::login`] did.
#[derive(Debug)]
#[non_exhaustive]
pub enum LoginOutcome {
    /// No token was stored for the key before.
    Stored,
    /// The stored token had the same refresh token (or none): it was replaced.
    Updated,
    /// A different refresh token was stored for the same user and client: it was replaced and
    /// revoked at Zoho (Zoho allows 20 refresh tokens per user, across all of the user's apps).
    ReplacedAndRevoked,
    /// As [`LoginOutcome::ReplacedAndRevoked`], but the revocation failed; the new token is
    /// stored all the same.
    ReplacedRevokeFailed(OAuthError),
}

impl TokenManager<()> {
    /// A builder for a manager of the scope set `S`, refreshing with `refresher` (usually an
    /// [`OAuthClient`]) the token stored under `key`.
    pub fn builder<S: ScopeRequirement>(refresher: impl Refresher, key: StoreKey) -> TokenManagerBuilder<S> {
        TokenManagerBuilder {
            refresher: Arc::new(refresher),
            key,
            store: None,
            clock: None,
            config: Config::default(),
            _scopes: PhantomData,
        }
    }
}

impl<S> TokenManager<S> {
    /// How many handles share this manager's state (its clones, and a refresh task while one
    /// runs).
    pub(crate) fn handles(&self) -> usize {
        Arc::strong_count(&self.inner)
    }
}

impl TokenManager<()> {
    /// As [`TokenManager::builder`], sharing `refresher` (already behind an `Arc`).
    pub(crate) fn builder_shared<S: ScopeRequirement>(
        refresher: Arc<dyn Refresher>,
        key: StoreKey,
    ) -> TokenManagerBuilder<S> {
        TokenManagerBuilder {
            refresher,
            key,
            store: None,
            clock: None,
            config: Config::default(),
            _scopes: PhantomData,
        }
    }
}

impl<S: ScopeRequirement> TokenManager<S> {
    /// Starts from `record`, just read from the store by the caller: remembered as the last
    /// known record, and its access token made current if it may be handed out. Saves the
    /// first call the store read it would otherwise make.
    pub(crate) fn seed(&self, record: TokenRecord) {
        let now = self.inner.clock.now();
        self.remember(Some(&record));
        if self.inner.refresher.accepts(&record) && self.usable(&record.access_token, now) {
            self.adopt(record.access_token);
        }
    }

    /// The key of the token this manager keeps.
    pub fn key(&self) -> &StoreKey {
        &self.inner.key
    }

    /// A valid access token: the cached one (no lock, no I/O), or a refreshed one.
    ///
    /// The typed form of [`TokenSource::access_token`].
    pub async fn token(&self) -> Result<AccessToken, ManagerError> {
        if let Some(token) = self.cached() {
            return Ok(token);
        }
        // Boxed: keeps `token()`'s own future small, so the fast path's future (boxed by
        // async-trait on every call) stays within the allocator's per-thread cache.
        Box::pin(self.slow()).await
    }

    /// The cached token if it is valid and not yet due for refresh, else `None` (then
    /// [`TokenManager::token`] refreshes). No lock, no I/O, and no write to memory that another
    /// thread reads: each thread hands out its own copy of the token, taken once per token.
    /// Freshness is judged on [`Clock::now_coarse_secs`], and on [`Clock::now_coarse`] in a
    /// token's last second before its deadline.
    ///
    /// ```
    /// use zoho_oauth_core::{ClientSecret, OAuthClient, TokenManager, scope_set, store::StoreKey};
    /// scope_set! { #[zoho(crate = ::zoho_oauth_core)] struct Reader = ["ZohoProjects.tasks.READ"]; }
    ///
    /// let oauth = OAuthClient::builder("1000.ID", ClientSecret::new("secret")).build()?;
    /// let key = StoreKey::new("https://accounts.zoho.com", "1000.ID", "me");
    /// let manager = TokenManager::builder::<Reader>(oauth, key).build();
    /// assert!(manager.cached().is_none(), "nothing is logged in yet");
    /// # Ok::<(), zoho_oauth_core::OAuthError>(())
    /// ```
    pub fn cached(&self) -> Option<AccessToken> {
        let inner = &*self.inner;
        // Read before the token: a change made after this read bumps it, so a copy taken from
        // a newer token under an older generation is only re-taken, never kept past a change.
        let generation = inner.generation.load(Ordering::Acquire);
        let secs = inner.clock.now_coarse_secs();
        let slot = inner.local.get_or_default();
        if let Some(l) = &*slot.0.borrow()
            && l.generation == generation
        {
            // A whole second left (`now < secs + 1 <= until_secs <= use_until`) decides without
            // building a `SystemTime`; only in the last second is the exact time read.
            return (secs < l.until_secs || inner.clock.now_coarse() < l.use_until).then(|| l.token.clone());
        }
        self.take_copy(slot, generation)
    }

    /// This thread's first call since the token changed: takes a copy of the current token
    /// (generation `generation`) into `slot`, and hands it out if it is valid. Out of line, so
    /// that the fast path above stays a small function.
    #[cold]
    #[inline(never)]
    fn take_copy(&self, slot: &Slot, generation: u64) -> Option<AccessToken> {
        let inner = &*self.inner;
        let copy = inner.cache.load().as_ref().map(|c| {
            let use_until = c
                .token
                .expires_at()
                .checked_sub(inner.config.min_validity)
                .map_or(SystemTime::UNIX_EPOCH, |t| t.min(c.refresh_at));
            Local { generation, token: c.token.detached(), use_until, until_secs: unix_secs(use_until) }
        });
        // No current token (logged out, or invalidated): the old copy goes too.
        let now = inner.clock.now_coarse();
        let token = copy.as_ref().filter(|l| now < l.use_until).map(|l| l.token.clone());
        *slot.0.borrow_mut() = copy;
        token
    }

    /// Replaces the current token (and so every thread's copy).
    fn set_cache(&self, cached: Option<Cached>) {
        self.inner.cache.store(cached.map(Arc::new));
        self.inner.generation.fetch_add(1, Ordering::Release);
    }

    /// Stores a token obtained by a flow (the manager's scope set is checked by the type), and
    /// makes it current. When the store held a *different* refresh token for the same key, that
    /// one is revoked (Zoho allows 20 refresh tokens per user, across all of the user's apps).
    ///
    /// A token without a refresh token (online access) keeps the stored refresh token.
    pub async fn login(&self, token: Token<S>) -> Result<LoginOutcome, ManagerError> {
        let inner = &self.inner;
        let mut parts = token.into_parts();
        let mut flight = inner.flight.lock().await;
        self.check_retired()?;
        let lock = inner.store.lock(&inner.key, inner.config.lease_ttl, inner.config.lock_wait).await?;
        let old = match inner.store.load(&inner.key).await {
            Ok(old) => old,
            Err(e) => {
                let _ = lock.release().await;
                return Err(e.into());
            }
        };
        if parts.refresh_token.is_none() {
            parts.refresh_token = old.as_ref().and_then(|o| o.refresh_token.clone());
        }
        let record = TokenRecord::from_parts(&inner.key, &parts, inner.clock.now());
        let saved = inner.store.save_locked(&inner.key, &record, &lock).await;
        let _ = lock.release().await;
        saved?;
        self.remember(Some(&record));
        flight.failure = None;
        drop(flight);
        *inner.rejected.lock().unwrap_or_else(PoisonError::into_inner) = None;
        self.adopt(record.access_token.clone());
        let Some(old) = old else { return Ok(LoginOutcome::Stored) };
        match (&old.refresh_token, &record.refresh_token) {
            (Some(previous), Some(new)) if previous != new => {
                let server = Url::parse(&old.accounts_server).ok();
                match inner.refresher.revoke(previous, server.as_ref()).await {
                    Ok(()) => Ok(LoginOutcome::ReplacedAndRevoked),
                    Err(e) => {
                        tracing::warn!(key = %inner.key, error = %e, "could not revoke the replaced refresh token");
                        Ok(LoginOutcome::ReplacedRevokeFailed(e))
                    }
                }
            }
            _ => Ok(LoginOutcome::Updated),
        }
    }

    /// Revokes the stored refresh token at Zoho and removes the record.
    pub async fn logout(&self) -> Result<(), ManagerError> {
        self.logout_and(false).await
    }

    /// As [`logout`](Self::logout), and on success retires this manager (and every clone, and
    /// every client over it) for good: it hands out no token again, and its calls fail with
    /// [`ManagerError::Removed`], even once the key is logged in anew through another manager.
    pub(crate) async fn retire(&self) -> Result<(), ManagerError> {
        self.logout_and(true).await
    }

    /// Whether [`retire`](Self::retire) retired this manager.
    pub(crate) fn is_retired(&self) -> bool {
        self.inner.retired.load(Ordering::Acquire)
    }

    /// [`ManagerError::Removed`] once retired. Checked under `flight`, which `retire` holds: a
    /// token is only ever taken in (login, store, refresh) under it.
    fn check_retired(&self) -> Result<(), ManagerError> {
        if self.is_retired() {
            return Err(ManagerError::Removed { key: self.inner.key.to_string() });
        }
        Ok(())
    }

    async fn logout_and(&self, retire: bool) -> Result<(), ManagerError> {
        let inner = &self.inner;
        let _flight = inner.flight.lock().await;
        let lock = inner.store.lock(&inner.key, inner.config.lease_ttl, inner.config.lock_wait).await?;
        let result = async {
            if let Some(old) = inner.store.load(&inner.key).await? {
                if let Some(rt) = &old.refresh_token {
                    let server = Url::parse(&old.accounts_server).ok();
                    match inner.refresher.revoke(rt, server.as_ref()).await {
                        Ok(()) | Err(OAuthError::InvalidRefreshToken) => {}
                        Err(e) => return Err(ManagerError::OAuth(e)),
                    }
                }
                inner.store.remove(&inner.key).await?;
            }
            Ok(())
        }
        .await;
        let _ = lock.release().await;
        if retire && result.is_ok() {
            inner.retired.store(true, Ordering::Release);
        }
        self.set_cache(None);
        self.remember(None);
        result
    }

    /// Refreshes now, whatever the cached token's age (still single-flight and shared through
    /// the store; still subject to the backoff).
    pub async fn refresh_now(&self) -> Result<AccessToken, ManagerError> {
        let flight = Arc::clone(&self.inner.flight).lock_owned().await;
        let stale = self.inner.cache.load().as_ref().map(|c| c.token.clone());
        self.refresh_in_task(flight, stale, true).await
    }

    /// When the next refresh attempt is allowed, if a failure is being backed off from (waits
    /// for a refresh in flight).
    pub async fn backoff_until(&self) -> Option<SystemTime> {
        self.inner.flight.lock().await.failure.as_ref().map(|f| f.retry_at)
    }

    fn is_rejected(&self, token: &AccessToken) -> bool {
        self.inner
            .rejected
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .is_some_and(|r| r.same_secret(token))
    }

    /// Whether `token` may be handed out: fresh, not rejected, and granted every scope of `S`
    /// (a store record written for a smaller set, by another program or by hand, is not).
    fn usable(&self, token: &AccessToken, now: SystemTime) -> bool {
        token.is_fresh(now, self.inner.config.min_validity)
            && !self.is_rejected(token)
            && check_scopes::<S>(token.scopes()).is_ok()
    }

    async fn slow(&self) -> Result<AccessToken, ManagerError> {
        let inner = &self.inner;
        let seen = inner.cache.load_full();
        let now = inner.clock.now();
        if let Some(c) = seen.as_ref().filter(|c| self.usable(&c.token, now)) {
            if now < c.refresh_at {
                // Not due: this thread's copy was out of date (the token changed since). Without
                // this check the new token would count as due, and be refreshed again at once.
                return Ok(c.token.clone());
            }
            // Due for an early refresh but still valid: it runs in the background, and every
            // caller (this one too) keeps using the valid token meanwhile. A failure keeps it.
            let Ok(flight) = Arc::clone(&inner.flight).try_lock_owned() else { return Ok(c.token.clone()) };
            if let Some(current) = &*inner.cache.load()
                && !current.token.same_secret(&c.token)
                && self.usable(&current.token, now)
            {
                return Ok(current.token.clone());
            }
            if flight.failure.as_ref().is_some_and(|f| now < f.retry_at) {
                return Ok(c.token.clone());
            }
            let this = self.clone();
            let stale = c.token.clone();
            let early = async move {
                if let Err(e) = this.refresh_in_task(flight, Some(stale), false).await {
                    tracing::debug!(key = %this.inner.key, error = %e, "early refresh failed; the current token stays");
                }
            };
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => drop(runtime.spawn(early)),
                Err(_) => early.await,
            }
            return Ok(c.token.clone());
        }
        // No valid token: wait for the one flight, then re-check.
        let flight = Arc::clone(&inner.flight).lock_owned().await;
        let now = inner.clock.now();
        if let Some(c) = &*inner.cache.load()
            && self.usable(&c.token, now)
        {
            return Ok(c.token.clone());
        }
        let stale = seen.map(|c| c.token.clone());
        match self.refresh_in_task(flight, stale, false).await {
            // Throttled or otherwise briefly failing: a token Zoho refused but that has not
            // expired may have been refused for another reason; it serves until the backoff ends.
            Err(e) if e.is_transient() => match self.refused_but_unexpired(inner.clock.now()) {
                Some(token) => {
                    tracing::debug!(key = %inner.key, error = %e, "refresh failed; the refused but unexpired token serves meanwhile");
                    Ok(token)
                }
                None => Err(e),
            },
            other => other,
        }
    }

    fn refused_but_unexpired(&self, now: SystemTime) -> Option<AccessToken> {
        let rejected = self.inner.rejected.lock().unwrap_or_else(PoisonError::into_inner);
        rejected.as_ref().filter(|t| t.is_fresh(now, self.inner.config.min_validity)).cloned()
    }

    /// Runs the refresh in a task of its own on the current Tokio runtime, which keeps `flight`
    /// (and the store's lease) until the refresh is done, and waits for its answer. Dropping this
    /// future leaves the refresh running: a refresh that may have reached Zoho is never thrown
    /// away, and the waiters behind `flight` find its token. Without a runtime it runs here.
    async fn refresh_in_task(
        &self,
        flight: tokio::sync::OwnedMutexGuard<Flight>,
        stale: Option<AccessToken>,
        force: bool,
    ) -> Result<AccessToken, ManagerError> {
        let this = self.clone();
        let work = async move {
            let mut flight = flight;
            this.refresh_locked(&mut flight, stale.as_ref(), force).await
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => runtime.spawn(work).await.unwrap_or_else(|e| {
                tracing::error!(key = %self.inner.key, error = %e, "the token refresh task ended without an answer");
                Err(ManagerError::RefreshAborted)
            }),
            Err(_) => work.await,
        }
    }

    /// Renews `lock` every third of the lease's time to live (if it is a lease that can lapse),
    /// for as long as it is polled (the refresh runs); never returns. A lease found lost is left alone (the fenced save notices).
    async fn keep_lease(&self, lock: &StoreLock) -> Infallible {
        if lock.fencing_token().is_none() {
            // A lock that cannot lapse (memory, file) needs no renewal.
            return std::future::pending().await;
        }
        let ttl = self.inner.config.lease_ttl;
        let every = (ttl / 3).max(Duration::from_millis(1));
        loop {
            tokio::time::sleep(every).await;
            match lock.renew(ttl).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(key = %self.inner.key, "the refresh lease was lost mid-refresh");
                    return std::future::pending().await;
                }
                Err(e) => tracing::warn!(key = %self.inner.key, error = %e, "could not renew the refresh lease"),
            }
        }
    }

    /// Whether a stored record can be used instead of refreshing: one the refresher accepts,
    /// holding a valid token that is not the stale one (someone refreshed it) and is not yet
    /// due itself.
    fn adoptable(&self, record: &TokenRecord, stale: Option<&AccessToken>, now: SystemTime, force: bool) -> bool {
        let t = &record.access_token;
        self.inner.refresher.accepts(record)
            && self.usable(t, now)
            && !stale.is_some_and(|s| s.same_secret(t))
            && (t.is_fresh(now, self.inner.config.refresh_before) || (stale.is_some() && !force))
    }

    fn adopt(&self, token: AccessToken) -> AccessToken {
        let cfg = &self.inner.config;
        let jitter = if cfg.jitter.is_zero() { Duration::ZERO } else { cfg.jitter.mul_f64(rand::random::<f64>()) };
        let refresh_at = token.expires_at().checked_sub(cfg.refresh_before + jitter).unwrap_or(SystemTime::UNIX_EPOCH);
        let answers_refusal = self.inner.after_refusal.swap(false, Ordering::AcqRel);
        *self.inner.suspect.lock().unwrap_or_else(PoisonError::into_inner) = answers_refusal.then(|| token.clone());
        self.inner.has_suspect.store(answers_refusal, Ordering::Release);
        self.set_cache(Some(Cached { token: token.clone(), refresh_at }));
        token
    }

    async fn refresh_locked(
        &self,
        flight: &mut Flight,
        stale: Option<&AccessToken>,
        force: bool,
    ) -> Result<AccessToken, ManagerError> {
        let inner = &self.inner;
        self.check_retired()?;
        let now = inner.clock.now();
        if let Some(f) = &flight.failure
            && now < f.retry_at
        {
            return Err(ManagerError::Backoff {
                retry_after: f.retry_at.duration_since(now).unwrap_or_default(),
                attempts: f.attempts,
                transient: f.transient,
                last: Arc::clone(&f.error),
            });
        }
        // Another process may have refreshed already: no lock needed to find out.
        if !force
            && let Some(r) = inner.store.load(&inner.key).await?
            && self.adoptable(&r, stale, now, force)
        {
            self.remember(Some(&r));
            return Ok(self.adopt(r.access_token));
        }
        let lock = inner.store.lock(&inner.key, inner.config.lease_ttl, inner.config.lock_wait).await?;
        let result = tokio::select! {
            result = self.refresh_under_lease(flight, stale, force, &lock) => result,
            never = self.keep_lease(&lock) => match never {},
        };
        if let Err(e) = lock.release().await {
            tracing::warn!(key = %inner.key, error = %e, "could not release the refresh lock; it will lapse");
        }
        result
    }

    async fn refresh_under_lease(
        &self,
        flight: &mut Flight,
        stale: Option<&AccessToken>,
        force: bool,
        lock: &StoreLock,
    ) -> Result<AccessToken, ManagerError> {
        let inner = &self.inner;
        let now = inner.clock.now();
        // Re-read after acquiring: the previous holder may have refreshed.
        let record = match inner.store.load(&inner.key).await? {
            Some(record) => {
                self.remember(Some(&record));
                record
            }
            // The store lost the record (a Redis restarted empty, a deleted file): refresh from
            // the last one this manager knew, and store the result. A record removed by a
            // logout elsewhere had its refresh token revoked: that refresh fails and writes
            // nothing.
            None => match self.known() {
                Some(known) => {
                    tracing::warn!(key = %inner.key, "the token store has lost the record; refreshing from the last known one and writing it back");
                    known
                }
                None => return Err(ManagerError::NotLoggedIn { key: inner.key.to_string() }),
            },
        };
        if self.adoptable(&record, stale, now, force) {
            return Ok(self.adopt(record.access_token));
        }
        if record.refresh_token.is_none() {
            if self.usable(&record.access_token, now) && inner.refresher.accepts(&record) {
                return Ok(self.adopt(record.access_token));
            }
            return Err(ManagerError::NoRefreshToken { key: inner.key.to_string() });
        }
        let old = record.to_parts();
        // A refresher that panics is a failure like any other (backed off from), not a crash.
        let refreshed = AssertUnwindSafe(inner.refresher.refresh(&old))
            .catch_unwind()
            .await
            .unwrap_or(Err(OAuthError::RefresherPanicked));
        let now = inner.clock.now();
        let mut parts = match refreshed {
            Ok(p) => p,
            Err(e) => {
                let (attempts, transient) =
                    (flight.failure.as_ref().map_or(0, |f| f.attempts).saturating_add(1), e.is_transient());
                let wait = self.backoff(&e, attempts);
                tracing::warn!(key = %inner.key, error = %e, attempts, transient, ?wait, "token refresh failed");
                flight.failure =
                    Some(Failure { error: Arc::new(e.clone()), attempts, retry_at: now + wait, transient });
                return Err(ManagerError::OAuth(e));
            }
        };
        // Zoho's refresh answer carries no refresh token: keep the old one, and what else it omits.
        parts.refresh_token = parts.refresh_token.or(old.refresh_token);
        parts.accounts_server = parts.accounts_server.or(old.accounts_server);
        parts.api_domain = parts.api_domain.or(old.api_domain);
        parts.location = parts.location.or(old.location);
        if let Err(m) = check_scopes::<S>(parts.access_token.scopes()) {
            let e = OAuthError::ScopeMismatch(m.clone());
            flight.failure = Some(Failure {
                error: Arc::new(e),
                attempts: flight.failure.as_ref().map_or(0, |f| f.attempts).saturating_add(1),
                retry_at: now + inner.config.backoff_max,
                transient: false,
            });
            return Err(ManagerError::ScopeMismatch(m));
        }
        flight.failure = None;
        let fresh = TokenRecord::from_parts(&inner.key, &parts, now);
        // Remembered even if the save fails, so that it is written back with the next refresh.
        self.remember(Some(&fresh));
        match inner.store.save_locked(&inner.key, &fresh, lock).await {
            Ok(()) => {}
            Err(StoreError::LeaseLost { .. }) => {
                // The lease lapsed mid-refresh and the next holder may have stored a newer token:
                // use that one, so the fleet converges on it; ours stays valid meanwhile.
                tracing::warn!(key = %inner.key, "refresh lease lapsed before the save; the stored token wins");
                if let Ok(Some(r)) = inner.store.load(&inner.key).await
                    && inner.refresher.accepts(&r)
                    && self.usable(&r.access_token, now)
                    && !stale.is_some_and(|s| s.same_secret(&r.access_token))
                {
                    self.remember(Some(&r));
                    return Ok(self.adopt(r.access_token));
                }
            }
            // The token is good; other holders will refresh on their own.
            Err(e) => tracing::warn!(key = %inner.key, error = %e, "could not save the refreshed token"),
        }
        tracing::debug!(key = %inner.key, "access token refreshed");
        Ok(self.adopt(fresh.access_token))
    }

    fn remember(&self, record: Option<&TokenRecord>) {
        *self.inner.known.lock().unwrap_or_else(PoisonError::into_inner) = record.cloned();
    }

    fn known(&self) -> Option<TokenRecord> {
        self.inner.known.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn backoff(&self, e: &OAuthError, attempts: u32) -> Duration {
        let cfg = &self.inner.config;
        if !e.is_transient() {
            return cfg.backoff_max;
        }
        let exp = cfg.backoff_min.saturating_mul(1u32 << attempts.saturating_sub(1).min(20)).min(cfg.backoff_max);
        // Between half and all of it, so that a fleet does not retry in step.
        let jittered = exp.mul_f64(0.5 + rand::random::<f64>() / 2.0).max(cfg.backoff_min);
        match e {
            OAuthError::AccessDenied { .. } => jittered.max(cfg.throttle_backoff),
            _ => jittered,
        }
    }
}

#[async_trait::async_trait]
impl<S: ScopeRequirement + Send + Sync> TokenSource for TokenManager<S> {
    type Scopes = S;

    /// Every token the manager holds was checked against `S` when it entered (see `usable`).
    async fn access_token(&self) -> Result<ScopedToken<S>, Error> {
        Ok(ScopedToken::vouched(self.token().await?))
    }

    fn cached_token(&self) -> Option<ScopedToken<S>> {
        self.cached().map(ScopedToken::vouched)
    }

    /// Compare-and-invalidate: drops the cached token only if it is still `rejected`, and
    /// remembers `rejected` so that it is never adopted again from the store. Returns whether a
    /// new token may be fetched (`false` while a permanent failure is being backed off from).
    async fn invalidate(&self, rejected: &AccessToken) -> bool {
        let inner = &self.inner;
        // The token fetched because its predecessor was refused is refused too: the refusal is
        // not about the token. Keep it; another would be refused as well.
        if inner
            .suspect
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .is_some_and(|s| s.same_secret(rejected))
        {
            tracing::warn!(key = %inner.key, "a token fetched after a refusal was refused too; not refreshing again");
            return false;
        }
        *inner.rejected.lock().unwrap_or_else(PoisonError::into_inner) = Some(rejected.clone());
        let current = inner.cache.load();
        if let Some(c) = &*current
            && c.token.same_secret(rejected)
        {
            let prev = inner.cache.compare_and_swap(&current, None);
            if prev.as_ref().is_some_and(|p| p.token.same_secret(rejected)) {
                inner.after_refusal.store(true, Ordering::Release);
            }
            inner.generation.fetch_add(1, Ordering::Release);
        }
        let now = inner.clock.now();
        match inner.flight.try_lock() {
            Ok(f) => !f.failure.as_ref().is_some_and(|f| !f.transient && now < f.retry_at),
            Err(_) => true,
        }
    }

    /// A call with the token fetched after a refusal succeeded: it is no longer suspect, so a
    /// later refusal (expiry, revocation) refreshes as usual.
    fn accepted(&self, accepted: &AccessToken) {
        let inner = &self.inner;
        if !inner.has_suspect.load(Ordering::Acquire) {
            return;
        }
        let mut suspect = inner.suspect.lock().unwrap_or_else(PoisonError::into_inner);
        if suspect.as_ref().is_some_and(|s| s.same_secret(accepted)) {
            *suspect = None;
            inner.has_suspect.store(false, Ordering::Release);
        }
    }

    /// The store key's accounts server and user: every client of one user shares a limiter.
    fn rate_key(&self) -> Option<crate::RateKey> {
        let key = self.key();
        Some(crate::RateKey::new(key.accounts_server(), key.user()))
    }

    fn token_location(&self) -> Option<String> {
        self.known().and_then(|r| r.location)
    }
}
