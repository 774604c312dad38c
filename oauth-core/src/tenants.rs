//! [`Tenants`]: one process serving many Zoho users (tenants) in bounded memory, and a fleet of
//! processes serving them once.
//!
//! A service that integrates Zoho Projects for its customers holds a token per customer user,
//! most of them idle at any moment. A [`Tenants`] registry hands out a [`Client<S>`] for a user
//! on demand:
//!
//! - **lazy**: a user's token is read from the [`TokenStore`] at the user's first use (one
//!   store read, however many callers ask at once), and kept in a [`TokenManager`] of its own
//!   (single-flight refresh, shared through the store's lock: one refresh per user per expiry
//!   across every process sharing the store);
//! - **shared**: every user's client uses one HTTP connection pool, one retry policy and one
//!   list of base URLs; each user has one rate limiter (Zoho's limit is per user: 100 calls per
//!   2 minutes) and the [`OAuthClient`]'s code guard counts sign-ins per user
//!   ([`Tenants::authorize_url`]);
//! - **bounded**: a user idle for [`idle_timeout`](TenantsBuilder::idle_timeout), or the least
//!   recently used beyond [`capacity`](TenantsBuilder::capacity), is forgotten; the store keeps
//!   the token and the next use reloads it. A user is only forgotten when that loses nothing: no
//!   client of theirs is held (no call under way), no refresh runs, and their rate window is
//!   empty (no call ended within the window, no lockout) — or lives in a shared database
//!   ([`RateLimiter::shared`], e.g. `RedisStore::rate_window`), where a reload finds it again.
//!
//! Memory: a loaded user costs about 2.8 KB (3.6 KB once a second thread used them); a
//! forgotten user leaves nothing on the heap (0 B per user of 100,000, after one load/evict
//! cycle and after two: BENCHMARKS.md §7). Whether the process's resident memory falls too
//! depends on the allocator: glibc's keeps the freed pages (and reuses them for the next
//! users); jemalloc (`tikv-jemallocator`) configured with `dirty_decay_ms:0,muzzy_decay_ms:0`
//! (at run time `_RJEM_MALLOC_CONF=…`, or built in with `JEMALLOC_SYS_WITH_MALLOC_CONF=…`)
//! gives them back at once: 165 B per forgotten user remained resident.
//!
//! Counts (tenants loaded, evicted, refreshed, throttled…) are in [`Tenants::stats`] and in
//! `tracing` events of target `zoho_oauth_core::tenants`. With the cargo feature `metrics` they
//! also go to the [`metrics`](https://docs.rs/metrics) facade (whatever recorder the
//! application installed: Prometheus, StatsD…), without labels (a user key is never a label):
//!
//! | name | kind | what |
//! |---|---|---|
//! | `zoho_tenants_loaded_total` | counter | users loaded from the store ([`TenantStats::loads`]) |
//! | `zoho_tenants_store_reads_total` | counter | store reads made to load users ([`TenantStats::store_reads`]) |
//! | `zoho_tenants_evicted_total` | counter | users forgotten for idleness or capacity ([`TenantStats::evicted`]) |
//! | `zoho_tenants_refreshed_total` | counter | access tokens refreshed by this process ([`TenantStats::refreshes`]) |
//! | `zoho_tenants_throttled_total` | counter | calls refused by a user's rate limiter or by Zoho with 429 ([`TenantStats::throttled`]) |
//! | `zoho_tenants_signed_in_total` | counter | users signed in through the registry ([`TenantStats::signed_in`]) |
//! | `zoho_tenants_removed_total` | counter | users removed through the registry ([`TenantStats::removed`]) |
//! | `zoho_tenants_in_memory` | gauge | users held in memory now, by every registry of the process (the sum of their [`TenantStats::loaded`]) |
//!
//! Without the feature none of this is compiled in.
//!
//! Who can do what: the user key is the application's name for a customer user (an e-mail, an
//! account id). It selects a stored token and nothing else: it is never sent to Zoho, it is
//! escaped wherever it becomes part of a file entry or a Redis key ([`StoreKey::id`]), and keys
//! that are empty, longer than [`MAX_USER_LEN`] bytes or contain control characters are refused
//! ([`TenantError::InvalidUser`]). Keys are compared byte for byte, never normalised: `Ana`
//! and `ana`, or `é` composed and decomposed, are different users with records of their own.
//! Anyone who can call the registry with a key can use that user's token: hand keys in from
//! the application's own authenticated session, never from request input.
//!
//! Whoever can write the store can plant a record under any user's key. A record naming an
//! accounts server the [`OAuthClient`] does not trust is refused at load
//! ([`OAuthError::UntrustedAccountsServer`]): its access token is never sent, and the refresh
//! token and client secret go only to trusted servers ([`OAuthClient::refresh`]). A planted
//! record naming a trusted server and holding another account's valid token cannot be told
//! apart from the user's own: a shared store must be writable by the application only.
//!
//! After [`remove`](Tenants::remove), handles of the user taken before are dead for good
//! ([`ManagerError::Removed`]), even once the user signs in again.

use crate::client::{Client, ClientBuilder, ClientTemplate};
use crate::clock::{Clock, SystemClock, TokioSleeper};
use crate::error::{Error, OAuthError};
use crate::limit::RateLimiter;
use crate::manager::{LoginOutcome, ManagerError, Refresher, TokenManager};
use crate::oauth::{AuthorizeOptions, OAuthClient, PendingAuthorization};
use crate::scope::ScopeSet;
use crate::store::{StoreError, StoreKey, TokenRecord, TokenStore};
use crate::token::{AccessToken, RefreshToken, ScopeMismatch, Token, TokenParts, check_scopes};
use std::collections::HashMap;
use std::fmt;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use url::Url;

/// The longest user key a registry accepts, in bytes.
pub const MAX_USER_LEN: usize = 512;

/// How many locks the registry's map is split into: callers of different users rarely wait for
/// each other.
const SHARDS: usize = 64;

/// What can go wrong in a [`Tenants`] registry. No message contains a secret or a user key
/// (users are named by [`StoreKey::user_tag`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TenantError {
    /// The user key is empty, too long or contains control characters; nothing was read.
    #[error("invalid tenant key: {reason}")]
    InvalidUser {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The store holds no token for the user: sign them in first ([`Tenants::sign_in`]).
    #[error("tenant {tenant} is not signed in (no token stored)")]
    NotSignedIn {
        /// The user's tag ([`StoreKey::user_tag`]).
        tenant: String,
    },
    /// The stored token lacks scopes of the registry's scope set.
    #[error(transparent)]
    ScopeMismatch(#[from] ScopeMismatch),
    /// The store failed; nothing was cached, so the next use reads again.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Signing in or removing the user failed in its token manager.
    #[error(transparent)]
    Manager(#[from] ManagerError),
    /// The OAuth flow failed (authorization URL, code exchange), or the stored record names an
    /// accounts server the [`OAuthClient`] does not trust
    /// ([`OAuthError::UntrustedAccountsServer`]: a record planted in a shared store; it is
    /// neither used nor changed).
    #[error(transparent)]
    OAuth(#[from] OAuthError),
}

impl TenantError {
    /// Whether trying again later may succeed (a store that cannot be reached, a throttled
    /// token endpoint).
    pub fn is_transient(&self) -> bool {
        match self {
            TenantError::Store(
                StoreError::LockTimeout { .. }
                | StoreError::Backend(_)
                | StoreError::Unavailable(_)
                | StoreError::Io { .. },
            ) => true,
            TenantError::Manager(e) => e.is_transient(),
            TenantError::OAuth(e) => e.is_transient(),
            _ => false,
        }
    }
}

impl From<TenantError> for Error {
    fn from(e: TenantError) -> Error {
        match e {
            TenantError::Store(e) => Error::Store(e),
            TenantError::Manager(e) => e.into(),
            TenantError::OAuth(e) => Error::OAuth(e),
            TenantError::ScopeMismatch(m) => Error::ScopeMismatch(m),
            TenantError::InvalidUser { .. } | TenantError::NotSignedIn { .. } => {
                Error::OAuth(OAuthError::InvalidRefreshToken)
            }
        }
    }
}

/// A snapshot of a registry's counters ([`Tenants::stats`]). Totals count since the registry
/// was built.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TenantStats {
    /// Users held in memory now.
    pub loaded: usize,
    /// Users loaded from the store (total).
    pub loads: u64,
    /// Store reads made to load users (total): one per load.
    pub store_reads: u64,
    /// Users forgotten for idleness or capacity (total).
    pub evicted: u64,
    /// Users signed in through the registry (total).
    pub signed_in: u64,
    /// Users removed through the registry (total).
    pub removed: u64,
    /// Access tokens refreshed by this process (total).
    pub refreshes: u64,
    /// Calls refused by a user's rate limiter (the wait for a slot would have been longer than
    /// allowed, or a lockout runs), or refused by Zoho with 429 (total).
    pub throttled: u64,
}

#[derive(Default)]
struct Counters {
    loaded: AtomicUsize,
    loads: AtomicU64,
    store_reads: AtomicU64,
    evicted: AtomicU64,
    signed_in: AtomicU64,
    removed: AtomicU64,
    refreshes: AtomicU64,
    /// Shared with every client (they count their own throttled calls).
    throttled: Arc<AtomicU64>,
}

/// Adds `n` to the `metrics` counter `name` (feature `metrics`; nothing without it).
#[inline]
pub(crate) fn count(name: &'static str, n: u64) {
    #[cfg(feature = "metrics")]
    metrics::counter!(name).increment(n);
    #[cfg(not(feature = "metrics"))]
    let _ = (name, n);
}

/// Moves the `metrics` gauge of users held in memory by `delta` (feature `metrics`; nothing
/// without it). Moved, never set: the gauge is the process's, and every registry in it (one
/// per scope set, say) adds its own users.
#[inline]
fn in_memory(delta: isize) {
    #[cfg(feature = "metrics")]
    metrics::gauge!("zoho_tenants_in_memory").increment(delta as f64);
    #[cfg(not(feature = "metrics"))]
    let _ = delta;
}

/// The registry's refresher: the [`OAuthClient`], counting successful refreshes.
struct Counting {
    oauth: OAuthClient,
    counters: Arc<Counters>,
}

#[async_trait::async_trait]
impl Refresher for Counting {
    async fn refresh(&self, parts: &TokenParts) -> Result<TokenParts, OAuthError> {
        let refreshed = self.oauth.refresh(parts).await;
        if refreshed.is_ok() {
            let total = self.counters.refreshes.fetch_add(1, Ordering::Relaxed) + 1;
            count("zoho_tenants_refreshed_total", 1);
            tracing::debug!(target: "zoho_oauth_core::tenants", refreshes = total, "tenant token refreshed");
        }
        refreshed
    }
    async fn revoke(&self, token: &RefreshToken, accounts_server: Option<&Url>) -> Result<(), OAuthError> {
        self.oauth.revoke(token, accounts_server).await
    }
    fn accepts(&self, record: &TokenRecord) -> bool {
        Refresher::accepts(&self.oauth, record)
    }
}

/// The registry's clock, shared by the default rate limiters.
struct SharedClock(Arc<dyn Clock>);

impl Clock for SharedClock {
    fn now(&self) -> std::time::SystemTime {
        self.0.now()
    }
    fn now_coarse(&self) -> std::time::SystemTime {
        self.0.now_coarse()
    }
    fn now_coarse_secs(&self) -> u64 {
        self.0.now_coarse_secs()
    }
    fn monotonic(&self) -> Duration {
        self.0.monotonic()
    }
}

type LimiterFactory = Arc<dyn Fn(&StoreKey) -> RateLimiter + Send + Sync>;

/// Builds a [`Tenants`] registry; see [`Tenants::builder`].
pub struct TenantsBuilder<S> {
    oauth: OAuthClient,
    store: Arc<dyn TokenStore>,
    clock: Option<Arc<dyn Clock>>,
    client: ClientBuilder,
    limiter: Option<LimiterFactory>,
    idle: Duration,
    capacity: usize,
    refresh_before: Option<Duration>,
    jitter: Option<Duration>,
    lease: Option<(Duration, Duration)>,
    _scopes: std::marker::PhantomData<fn() -> S>,
}

impl<S> fmt::Debug for TenantsBuilder<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantsBuilder")
            .field("oauth", &self.oauth)
            .field("idle", &self.idle)
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl<S: ScopeSet + Send + Sync> TenantsBuilder<S> {
    /// Where "now" comes from for idleness and for the users' token managers (default:
    /// [`SystemClock`]); e.g. a `zoho-sandbox` virtual clock.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// What every user's client shares: the HTTP client (give one with
    /// [`ClientBuilder::http_client`], or one is made), base URLs, data centre, retries and
    /// timeouts. Its rate-limit setting counts only when it is
    /// [`no_rate_limit`](ClientBuilder::no_rate_limit) (no limiter for any user); a limiter
    /// given with [`rate_limit`](ClientBuilder::rate_limit) is ignored, since each user needs
    /// one of their own: see [`rate_limiter`](Self::rate_limiter).
    pub fn client(mut self, builder: ClientBuilder) -> Self {
        self.client = builder;
        self
    }

    /// Makes each user's rate limiter (called at each load of the user). By default a user gets
    /// Zoho's limit ([`RateLimiter::zoho_projects`]: 100 calls per 2 minutes, waiting up to 2
    /// minutes) measured on the registry's [clock](Self::clock), in this process's memory: a
    /// user is then not forgotten until their window is empty. For a fleet, return a [`RateLimiter::shared`] one whose
    /// window lives in the shared database, e.g.
    /// `RateLimiter::shared(redis.rate_window(&key.id()), 100, window, wait, SystemClock, TokioSleeper)`.
    pub fn rate_limiter(mut self, make: impl Fn(&StoreKey) -> RateLimiter + Send + Sync + 'static) -> Self {
        self.limiter = Some(Arc::new(make));
        self
    }

    /// Forget a user unused for this long (default 15 minutes), once forgetting loses nothing.
    pub fn idle_timeout(mut self, idle: Duration) -> Self {
        self.idle = idle;
        self
    }

    /// Keep at most about this many users in memory (default: no limit): beyond it, the least
    /// recently used users that can be forgotten are. Users that cannot be (a call under way,
    /// a rate window in this process that is not empty) stay, so the count can exceed it.
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// Each user's manager refreshes this long before expiry; see
    /// [`TokenManagerBuilder::refresh_before`](crate::TokenManagerBuilder::refresh_before).
    pub fn refresh_before(mut self, d: Duration) -> Self {
        self.refresh_before = Some(d);
        self
    }

    /// Each user's manager's refresh jitter; see
    /// [`TokenManagerBuilder::jitter`](crate::TokenManagerBuilder::jitter).
    pub fn jitter(mut self, d: Duration) -> Self {
        self.jitter = Some(d);
        self
    }

    /// Each user's manager's store lease; see
    /// [`TokenManagerBuilder::lease`](crate::TokenManagerBuilder::lease).
    pub fn lease(mut self, ttl: Duration, wait: Duration) -> Self {
        self.lease = Some((ttl, wait));
        self
    }

    /// The registry. Fails if no HTTP client could be made, or a base URL of the
    /// [`client`](TenantsBuilder::client) builder is plain `http` to a host that is not this
    /// machine ([`Error::InsecureUrl`]).
    pub fn build(self) -> Result<Tenants<S>, Error> {
        let limiter_off = self.client.limiter_off();
        let template = self.client.template()?;
        let counters = Arc::new(Counters::default());
        let refresher: Arc<dyn Refresher> =
            Arc::new(Counting { oauth: self.oauth.clone(), counters: Arc::clone(&counters) });
        let limiter = if limiter_off {
            None
        } else {
            let clock = self.clock.clone().unwrap_or_else(|| Arc::new(SystemClock));
            Some(self.limiter.unwrap_or_else(|| {
                Arc::new(move |_: &StoreKey| {
                    let window = Duration::from_secs(120);
                    RateLimiter::with_parts(100, window, window, SharedClock(Arc::clone(&clock)), TokioSleeper)
                })
            }))
        };
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let now = clock.monotonic();
        Ok(Tenants {
            shared: Arc::new(Shared {
                accounts_server: self.oauth.accounts_server().to_string(),
                client_id: self.oauth.client_id().to_owned(),
                oauth: self.oauth,
                refresher,
                store: self.store,
                clock,
                template,
                limiter,
                idle: self.idle,
                capacity: self.capacity,
                refresh_before: self.refresh_before,
                jitter: self.jitter,
                lease: self.lease,
                hasher: std::hash::RandomState::new(),
                shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
                counters,
                epoch: now,
                last_sweep_ms: AtomicU64::new(0),
            }),
        })
    }
}

/// Many Zoho users served by one process in bounded memory: hands out a [`Client<S>`] per
/// user key, loading the user's token from the store on first use and forgetting idle users.
/// Cheap to clone (clones share everything). See the [module documentation](self).
///
/// ```
/// use zoho_oauth_core::{Client, ClientSecret, Endpoint, OAuthClient, scope_set};
/// use zoho_oauth_core::store::MemoryStore;
/// use zoho_oauth_core::tenants::{TenantError, Tenants};
/// use zoho_sandbox::{Dc, Sandbox};
///
/// scope_set! { #[zoho(crate = ::zoho_oauth_core)] pub struct Reader = ["ZohoProjects.portals.READ"]; }
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
/// let oauth = OAuthClient::builder(&app.client_id, ClientSecret::new(app.client_secret.as_str()))
///     .accounts_url(sb.accounts_url(Dc::Us))
///     .build()?;
/// let tenants = Tenants::builder::<Reader>(oauth.clone(), MemoryStore::new())
///     .client(Client::builder().api_base(sb.api_url(Dc::Us)))
///     .build()?;
///
/// // A user who never signed in has no client.
/// assert!(matches!(tenants.client("ana@example.com").await, Err(TenantError::NotSignedIn { .. })));
///
/// // Sign the demo user in (here with a self-client code), then call as them.
/// let code = sb.self_client_code(&app.client_id, &["ZohoProjects.portals.READ"])?;
/// tenants.sign_in("demo", oauth.exchange_self_client_code::<Reader>(&code).await?).await?;
/// tenants.client("demo").await?.send(ListPortals).await?;
/// assert_eq!(tenants.stats().loaded, 1);
/// # Ok(()) }
/// ```
pub struct Tenants<S> {
    shared: Arc<Shared<S>>,
}

impl<S> Clone for Tenants<S> {
    fn clone(&self) -> Self {
        Tenants { shared: Arc::clone(&self.shared) }
    }
}

impl<S> fmt::Debug for Tenants<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tenants")
            .field("set", &std::any::type_name::<S>())
            .field("stats", &self.shared.stats())
            .finish_non_exhaustive()
    }
}

struct Shared<S> {
    accounts_server: String,
    client_id: String,
    oauth: OAuthClient,
    refresher: Arc<dyn Refresher>,
    store: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
    template: ClientTemplate,
    limiter: Option<LimiterFactory>,
    idle: Duration,
    capacity: usize,
    refresh_before: Option<Duration>,
    jitter: Option<Duration>,
    lease: Option<(Duration, Duration)>,
    hasher: std::hash::RandomState,
    shards: Box<[Mutex<Shard<S>>]>,
    counters: Arc<Counters>,
    /// The clock's monotonic reading at build: `last_used_ms` counts from it.
    epoch: Duration,
    last_sweep_ms: AtomicU64,
}

/// One of the map's parts: user key → slot.
type Shard<S> = HashMap<Box<str>, Arc<Slot<S>>>;

/// A user's place in the map: filled once by the first use (a load) or a sign-in.
struct Slot<S> {
    cell: tokio::sync::OnceCell<Entry<S>>,
    last_used_ms: AtomicU64,
}

struct Entry<S> {
    client: Client<S>,
    manager: TokenManager<S>,
}

impl<S> Drop for Shared<S> {
    /// The registry's users leave the process's gauge with it.
    fn drop(&mut self) {
        let loaded = self.counters.loaded.load(Ordering::Relaxed);
        if loaded > 0 {
            in_memory(-(loaded as isize));
        }
    }
}

impl<S> Shared<S> {
    fn stats(&self) -> TenantStats {
        let c = &self.counters;
        TenantStats {
            loaded: c.loaded.load(Ordering::Relaxed),
            loads: c.loads.load(Ordering::Relaxed),
            store_reads: c.store_reads.load(Ordering::Relaxed),
            evicted: c.evicted.load(Ordering::Relaxed),
            signed_in: c.signed_in.load(Ordering::Relaxed),
            removed: c.removed.load(Ordering::Relaxed),
            refreshes: c.refreshes.load(Ordering::Relaxed),
            throttled: c.throttled.load(Ordering::Relaxed),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.clock.monotonic().saturating_sub(self.epoch).as_millis()).unwrap_or(u64::MAX)
    }

    /// Drops `slot` (held by the caller) from the map if a load failed or was abandoned and
    /// nobody filled it since: an unknown user costs no memory, a failed read is not remembered.
    fn forget_unfilled(&self, user: &str, slot: &Arc<Slot<S>>) {
        let mut map = self.shard(user);
        if let Some(s) = map.get(user)
            && Arc::ptr_eq(s, slot)
            && !s.cell.initialized()
            // Another caller is still waiting on it: they try the load themselves.
            && Arc::strong_count(s) == 2
        {
            map.remove(user);
        }
    }

    fn shard(&self, user: &str) -> std::sync::MutexGuard<'_, Shard<S>> {
        let i = (self.hasher.hash_one(user) % SHARDS as u64) as usize;
        self.shards[i].lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn check_user(user: &str) -> Result<(), TenantError> {
    if user.is_empty() {
        return Err(TenantError::InvalidUser { reason: "empty" });
    }
    if user.len() > MAX_USER_LEN {
        return Err(TenantError::InvalidUser { reason: "longer than 512 bytes" });
    }
    if user.chars().any(char::is_control) {
        return Err(TenantError::InvalidUser { reason: "contains a control character" });
    }
    Ok(())
}

impl Tenants<()> {
    /// A builder for a registry of users whose tokens carry the scope set `S`, refreshed and
    /// revoked with `oauth` (whose client id and accounts server make the users'
    /// [`StoreKey`]s), stored in `store`: a `RedisStore` for a fleet, a
    /// [`FileStore`](crate::store::FileStore) for one machine.
    pub fn builder<S: ScopeSet + Send + Sync>(oauth: OAuthClient, store: impl TokenStore) -> TenantsBuilder<S> {
        TenantsBuilder {
            oauth,
            store: Arc::new(store),
            clock: None,
            client: ClientBuilder::default(),
            limiter: None,
            idle: Duration::from_secs(15 * 60),
            capacity: usize::MAX,
            refresh_before: None,
            jitter: None,
            lease: None,
            _scopes: std::marker::PhantomData,
        }
    }
}

impl<S: ScopeSet + Send + Sync> Tenants<S> {
    /// The store key of `user`.
    pub fn key(&self, user: &str) -> StoreKey {
        StoreKey::new(&self.shared.accounts_server, &self.shared.client_id, user)
    }

    /// The counters.
    pub fn stats(&self) -> TenantStats {
        self.shared.stats()
    }

    /// `user`'s current access token if they are held in memory and it is valid: no I/O, no
    /// wait (a map lookup and the manager's lock-free fast path). `None` otherwise: then
    /// [`client`](Self::client) loads them. For calls this crate does not make (another Zoho
    /// API); a call through the client needs none of this.
    pub fn cached_token(&self, user: &str) -> Option<AccessToken> {
        // Under the shard's lock: cloning the manager would write its shared reference count.
        self.shared.shard(user).get(user)?.cell.get()?.manager.cached()
    }

    /// `user`'s token manager if they are held in memory (e.g. to take their tokens for
    /// another HTTP client through its lock-free [`TokenManager::cached`]). While a manager is
    /// held, the user is not forgotten.
    pub fn manager(&self, user: &str) -> Option<TokenManager<S>> {
        Some(self.shared.shard(user).get(user)?.cell.get()?.manager.clone())
    }

    /// Whether `user` is held in memory now.
    pub fn is_loaded(&self, user: &str) -> bool {
        self.shared.shard(user).get(user).is_some_and(|slot| slot.cell.initialized())
    }

    /// The client of `user`: the one in memory, or one made from the token the store holds
    /// (one store read, shared by every caller asking meanwhile). The client is a handle:
    /// while one is held, the user is not forgotten; drop it when the request is done.
    ///
    /// Errors: [`TenantError::NotSignedIn`] when the store holds no token for the user,
    /// [`TenantError::Store`] when it cannot be read (nothing is cached: the next call reads
    /// again), [`TenantError::ScopeMismatch`] when the stored token lacks a scope of `S`,
    /// [`TenantError::InvalidUser`] for a key the registry refuses, [`TenantError::OAuth`]
    /// ([`OAuthError::UntrustedAccountsServer`]) when the stored record names an accounts
    /// server the OAuth client does not trust (nothing is sent with its token).
    pub async fn client(&self, user: &str) -> Result<Client<S>, TenantError> {
        check_user(user)?;
        let hold = Hold { shared: &self.shared, user, slot: self.slot(user) };
        if let Some(entry) = hold.slot.cell.get() {
            return Ok(entry.client.clone());
        }
        // A failed load, or this caller dropped mid-load, leaves the slot empty: `hold` takes
        // it out of the map with its last waiter.
        let client = hold.slot.cell.get_or_try_init(|| self.load(user)).await?.client.clone();
        drop(hold);
        self.after_load();
        Ok(client)
    }

    /// Stores `token` (from any sign-in flow) as `user`'s and makes it current: see
    /// [`TokenManager::login`] (a different refresh token stored before for the user is
    /// revoked). The user is held in memory afterwards.
    pub async fn sign_in(&self, user: &str, token: Token<S>) -> Result<LoginOutcome, TenantError> {
        check_user(user)?;
        let (hold, outcome) = loop {
            // A sign-in that fails or is dropped midway leaves no empty slot behind.
            let hold = Hold { shared: &self.shared, user, slot: self.slot(user) };
            let slot = &hold.slot;
            let result = match slot.cell.get() {
                Some(entry) => entry.manager.login(token.clone()).await,
                None => {
                    // A user not in memory: the entry is made and logged in as one step, so
                    // that a login that fails or is dropped midway leaves no entry without
                    // a token behind.
                    let mut done = None;
                    let (out, attempt) = (&mut done, token.clone());
                    let filled = slot
                        .cell
                        .get_or_try_init(move || async move {
                            let entry = self.new_entry(self.key(user));
                            *out = Some(entry.manager.login(attempt).await?);
                            self.count_loaded();
                            Ok::<_, ManagerError>(entry)
                        })
                        .await;
                    match (filled, done) {
                        (Ok(_), Some(outcome)) => Ok(outcome),
                        // Filled by another caller meanwhile: log in on theirs.
                        (Ok(entry), None) => entry.manager.login(token.clone()).await,
                        (Err(e), _) => Err(e),
                    }
                }
            };
            match result {
                // Removed meanwhile ([`remove`](Self::remove)): sign in on a new entry.
                Err(ManagerError::Removed { .. }) => self.drop_slot(user, slot),
                Err(e) => return Err(e.into()),
                Ok(outcome) => break (hold, outcome),
            }
        };
        self.shared.counters.signed_in.fetch_add(1, Ordering::Relaxed);
        count("zoho_tenants_signed_in_total", 1);
        tracing::debug!(target: "zoho_oauth_core::tenants", tenant = %self.key(user).user_tag(), "tenant signed in");
        drop(hold);
        self.after_load();
        Ok(outcome)
    }

    /// The authorization URL for `user`'s sign-in (the web flow): as
    /// [`OAuthClient::authorize_url`], with the code guard counting this user's codes
    /// ([`AuthorizeOptions::for_user`]: Zoho allows 4 per minute per client and user). Keep the
    /// user key with the [`PendingAuthorization`] (it serialises, for a session store shared
    /// by a web app's instances) and pass both to [`complete_sign_in`](Self::complete_sign_in).
    pub async fn authorize_url(
        &self,
        user: &str,
        options: AuthorizeOptions,
    ) -> Result<(Url, PendingAuthorization<S>), TenantError> {
        check_user(user)?;
        Ok(self.shared.oauth.authorize_url::<S>(&options.for_user(user)).await?)
    }

    /// Completes `user`'s web sign-in from the callback URL and stores the token as theirs
    /// ([`OAuthClient::complete`], then [`sign_in`](Self::sign_in)).
    pub async fn complete_sign_in(
        &self,
        user: &str,
        pending: PendingAuthorization<S>,
        callback: &str,
    ) -> Result<LoginOutcome, TenantError> {
        check_user(user)?;
        let token = self.shared.oauth.complete(pending, callback).await?;
        self.sign_in(user, token).await
    }

    /// Removes `user`: revokes their refresh token at Zoho (and with it their access tokens),
    /// deletes their stored record and forgets them. On an error the user stays as they were
    /// (the record is kept if Zoho could not be told).
    ///
    /// Handles of the user taken before (clients, [managers](Self::manager), on any thread)
    /// are dead from then on, for good: they hand out no token again and their calls fail with
    /// [`ManagerError::Removed`] (as [`Error::NotLoggedIn`] from a client), even after the user
    /// signs in anew, whose token only handles taken afterwards use. A call already under way
    /// carries the revoked token, which Zoho refuses. Other processes sharing the store learn
    /// it from Zoho: their cached access token is refused, and the refresh that follows finds
    /// no record (or a revoked refresh token) and fails.
    pub async fn remove(&self, user: &str) -> Result<(), TenantError> {
        check_user(user)?;
        let slot = self.slot(user);
        let entry = slot.cell.get_or_init(|| async { self.entry(self.key(user)) }).await;
        entry.manager.retire().await?;
        self.drop_slot(user, &slot);
        self.shared.counters.removed.fetch_add(1, Ordering::Relaxed);
        count("zoho_tenants_removed_total", 1);
        tracing::debug!(target: "zoho_oauth_core::tenants", tenant = %self.key(user).user_tag(), "tenant removed");
        Ok(())
    }

    /// Forgets every user idle for the idle timeout whose forgetting loses nothing, and the
    /// least recently used beyond the capacity; returns how many were forgotten. The registry
    /// also does this by itself from time to time (when users are loaded, and every quarter
    /// of the idle timeout at a call); call it from a timer to bound memory in a quiet process.
    pub fn evict_idle(&self) -> usize {
        let now = self.shared.now_ms();
        self.shared.last_sweep_ms.store(now, Ordering::Relaxed);
        let idle_ms = u64::try_from(self.shared.idle.as_millis()).unwrap_or(u64::MAX);
        let mut evicted = 0;
        for shard in self.shared.shards.iter() {
            let mut map = shard.lock().unwrap_or_else(PoisonError::into_inner);
            map.retain(|_, slot| {
                let idle = now.saturating_sub(slot.last_used_ms.load(Ordering::Relaxed)) >= idle_ms;
                let go = idle && forgettable(slot);
                // An empty slot (a load that failed) was never counted as loaded.
                evicted += usize::from(go && slot.cell.initialized());
                !go
            });
            // After a crowd left, give the table's memory back too (all of it once empty).
            if map.is_empty() || (map.capacity() > 64 && map.len() < map.capacity() / 4) {
                map.shrink_to_fit();
            }
        }
        evicted += self.trim_to_capacity();
        self.count_evicted(evicted);
        evicted
    }

    fn count_evicted(&self, n: usize) {
        if n > 0 {
            let c = &self.shared.counters;
            c.loaded.fetch_sub(n, Ordering::Relaxed);
            c.evicted.fetch_add(n as u64, Ordering::Relaxed);
            count("zoho_tenants_evicted_total", n as u64);
            in_memory(-(n as isize));
            tracing::debug!(target: "zoho_oauth_core::tenants", evicted = n, loaded = c.loaded.load(Ordering::Relaxed), "tenants evicted");
        }
    }

    /// Forgets the least recently used forgettable users beyond the capacity; how many.
    fn trim_to_capacity(&self) -> usize {
        let loaded = self.shared.counters.loaded.load(Ordering::Relaxed);
        if loaded <= self.shared.capacity {
            return 0;
        }
        let excess = loaded - self.shared.capacity;
        let mut candidates: Vec<(u64, Box<str>)> = Vec::new();
        for shard in self.shared.shards.iter() {
            let map = shard.lock().unwrap_or_else(PoisonError::into_inner);
            candidates.extend(
                map.iter()
                    .filter(|(_, slot)| slot.cell.initialized() && forgettable(slot))
                    .map(|(user, slot)| (slot.last_used_ms.load(Ordering::Relaxed), user.clone())),
            );
        }
        if candidates.len() > excess {
            candidates.select_nth_unstable(excess);
            candidates.truncate(excess);
        }
        let mut evicted = 0;
        for (used, user) in candidates {
            let mut map = self.shared.shard(&user);
            // Used or taken since it was picked, or replaced by an entry still loading (not
            // counted as loaded: removing it would count one too many): it stays.
            if map.get(&user).is_some_and(|s| {
                s.cell.initialized() && s.last_used_ms.load(Ordering::Relaxed) == used && forgettable(s)
            }) {
                map.remove(&user);
                evicted += 1;
            }
        }
        evicted
    }

    /// After a user was loaded or signed in: trims to the capacity when it is passed by a
    /// sixteenth (so that trimming, which looks at every user, runs once per that many loads),
    /// and sweeps idle users every quarter of the idle timeout.
    fn after_load(&self) {
        let loaded = self.shared.counters.loaded.load(Ordering::Relaxed);
        let cap = self.shared.capacity;
        if loaded > cap.saturating_add(cap / 16).saturating_add(1) {
            let n = self.trim_to_capacity();
            self.count_evicted(n);
        }
        self.maybe_sweep();
    }

    fn maybe_sweep(&self) {
        let now = self.shared.now_ms();
        let every = u64::try_from((self.shared.idle / 4).as_millis()).unwrap_or(u64::MAX).max(1);
        let last = self.shared.last_sweep_ms.load(Ordering::Relaxed);
        if now.saturating_sub(last) >= every
            && self.shared.last_sweep_ms.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
        {
            self.evict_idle();
        }
    }

    /// `user`'s slot (made if missing), marked used now. The caller's `Arc` keeps it from
    /// being forgotten while it is held.
    fn slot(&self, user: &str) -> Arc<Slot<S>> {
        let now = self.shared.now_ms();
        let slot = {
            let mut map = self.shared.shard(user);
            match map.get(user) {
                Some(slot) => Arc::clone(slot),
                None => {
                    let slot = Arc::new(Slot { cell: tokio::sync::OnceCell::new(), last_used_ms: AtomicU64::new(now) });
                    map.insert(user.into(), Arc::clone(&slot));
                    slot
                }
            }
        };
        if slot.last_used_ms.load(Ordering::Relaxed) != now {
            slot.last_used_ms.store(now, Ordering::Relaxed);
        }
        if slot.cell.initialized() {
            self.maybe_sweep();
        }
        slot
    }

    /// Takes `slot` out of the map if it is still `user`'s there (a removed user's).
    fn drop_slot(&self, user: &str, slot: &Arc<Slot<S>>) {
        let mut shard = self.shared.shard(user);
        if shard.get(user).is_some_and(|s| Arc::ptr_eq(s, slot)) {
            shard.remove(user);
            drop(shard);
            if slot.cell.initialized() {
                self.shared.counters.loaded.fetch_sub(1, Ordering::Relaxed);
                in_memory(-1);
            }
        }
    }

    /// Reads `user`'s record and makes their entry from it.
    async fn load(&self, user: &str) -> Result<Entry<S>, TenantError> {
        let key = self.key(user);
        let c = &self.shared.counters;
        c.store_reads.fetch_add(1, Ordering::Relaxed);
        count("zoho_tenants_store_reads_total", 1);
        let Some(record) = self.shared.store.load(&key).await? else {
            return Err(TenantError::NotSignedIn { tenant: key.user_tag() });
        };
        check_scopes::<S>(record.access_token.scopes())?;
        // A record naming an accounts server the OAuth client does not trust was not written
        // through it (one planted in a shared store): its access token would make this user's
        // calls as whoever planted it. Refused as `SignIn` refuses it; it stays in the store.
        self.shared.oauth.recorded_accounts(Url::parse(&record.accounts_server).ok().as_ref())?;
        let tag = key.user_tag();
        let entry = self.entry(key);
        entry.manager.seed(record);
        let loads = c.loads.fetch_add(1, Ordering::Relaxed) + 1;
        count("zoho_tenants_loaded_total", 1);
        tracing::debug!(target: "zoho_oauth_core::tenants", tenant = %tag, loads, "tenant loaded from the store");
        Ok(entry)
    }

    /// A new entry for `key` with nothing cached (its manager reads the store at its first
    /// token), counted as loaded.
    fn entry(&self, key: StoreKey) -> Entry<S> {
        let entry = self.new_entry(key);
        self.count_loaded();
        entry
    }

    /// One more user held in memory.
    fn count_loaded(&self) {
        self.shared.counters.loaded.fetch_add(1, Ordering::Relaxed);
        in_memory(1);
    }

    /// A new entry for `key` with nothing cached, not counted yet.
    fn new_entry(&self, key: StoreKey) -> Entry<S> {
        let sh = &self.shared;
        let limiter = sh.limiter.as_ref().map(|make| make(&key));
        let mut builder = TokenManager::builder_shared::<S>(Arc::clone(&sh.refresher), key)
            .shared_store(Arc::clone(&sh.store))
            .shared_clock(Arc::clone(&sh.clock));
        if let Some(d) = sh.refresh_before {
            builder = builder.refresh_before(d);
        }
        if let Some(d) = sh.jitter {
            builder = builder.jitter(d);
        }
        if let Some((ttl, wait)) = sh.lease {
            builder = builder.lease(ttl, wait);
        }
        let manager = builder.build();
        let client = sh.template.client(manager.clone(), limiter, Some(Arc::clone(&sh.counters.throttled)));
        Entry { client, manager }
    }
}

/// A caller's hold on `user`'s slot while its load may be under way. However the caller ends
/// (an error, or dropped mid-load: a request cancelled by its client), a slot still empty
/// leaves the map with its last waiter, instead of staying until the next idle sweep.
struct Hold<'a, S> {
    shared: &'a Shared<S>,
    user: &'a str,
    slot: Arc<Slot<S>>,
}

impl<S> Drop for Hold<'_, S> {
    fn drop(&mut self) {
        if !self.slot.cell.initialized() {
            self.shared.forget_unfilled(self.user, &self.slot);
        }
    }
}

/// Whether forgetting `slot` (held only by the map: checked under its shard's lock) loses
/// nothing: nobody holds it or its client, no refresh runs, and its rate window is empty.
fn forgettable<S>(slot: &Arc<Slot<S>>) -> bool {
    if Arc::strong_count(slot) != 1 {
        return false;
    }
    // The count is read relaxed: pair with the release of the last other handle's drop, so that
    // what its holder did before dropping it (cloning the client) is seen below, as `Arc`'s own
    // uniqueness check does.
    std::sync::atomic::fence(Ordering::Acquire);
    match slot.cell.get() {
        // A load that failed left it empty (or one is starting): nothing to lose.
        None => true,
        Some(entry) => {
            !entry.client.is_shared()
                // The entry's handle and the client's: a third is a refresh task.
                && entry.manager.handles() <= 2
                && entry.client.rate_limiter().is_none_or(RateLimiter::is_quiet)
        }
    }
}
