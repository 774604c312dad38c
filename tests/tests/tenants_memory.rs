//! A service whose users come and go: the tenant registry's memory stays bounded across load and
//! eviction cycles. Its own test binary, because it counts every byte the process allocates
//! (`stats_alloc` around the system allocator): nothing else may run beside it.
//!
//! Not a benchmark (BENCHMARKS.md §7 measures bytes per tenant): what is checked here is that
//! evicting every user gives back what loading them took, cycle after cycle, for new users and
//! for users coming back, which a registry keeping anything per user (a slot, a limiter, a
//! registry entry, a per-thread token copy) would fail by about 2 KB per user per cycle.

use futures::FutureExt;
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};
use std::alloc::System;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};
use zoho_projects::oauth::OAuthClient;
use zoho_projects::prelude::*;
use zoho_projects::store::{MemoryStore, StoreError, StoreKey, StoreLock, TokenRecord, TokenStore};
use zoho_projects::tenants::Tenants;
use zoho_projects::{AccessToken, ClientSecret, DynamicScopes, Token, TokenParts, async_trait};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Bytes allocated and not yet freed, by every thread of the process.
fn live_heap() -> i64 {
    let s = GLOBAL.stats();
    // A reallocation's change is already in these two (`bytes_reallocated` repeats it).
    s.bytes_allocated as i64 - s.bytes_deallocated as i64
}

scope_set! { struct Reader = ["ZohoProjects.portals.READ"]; }

const USERS: usize = 1_000;

/// Runs `test` on a runtime of its own with paused time, one test at a time: each counts the
/// whole process's heap, so another test's runtime must not be built or torn down meanwhile.
fn alone(test: impl Future<Output = ()>) {
    static ONE: Mutex<()> = Mutex::new(());
    let _alone = ONE.lock().unwrap_or_else(PoisonError::into_inner);
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().expect("runtime");
    runtime.block_on(test);
}

/// A registry over `store`, on the system clock (paused Tokio time), idle after 10 minutes.
fn registry(store: impl TokenStore) -> Tenants<Reader> {
    let oauth = OAuthClient::builder("1000.MEMORY", ClientSecret::new("secret"))
        .accounts_url("http://127.0.0.1:9/".parse().expect("url"))
        .build()
        .expect("oauth");
    Tenants::builder::<Reader>(oauth, store).idle_timeout(Duration::from_secs(600)).build().expect("registry")
}

/// Saves a valid token for each of `users` in `store`, under `tenants`' keys.
async fn save_tokens<'a>(store: &MemoryStore, tenants: &Tenants<Reader>, users: impl Iterator<Item = &'a String>) {
    let scopes = DynamicScopes::parse_list("ZohoProjects.portals.READ").expect("scopes");
    for user in users {
        let now = SystemTime::now();
        let token = AccessToken::new(format!("1000.{user}.token"), now + Duration::from_secs(86_400), scopes.clone());
        let key = tenants.key(user);
        store.save(&key, &TokenRecord::from_parts(&key, &TokenParts::new(token), now)).await.expect("save");
    }
}

/// Users loaded, used from two threads (each keeps its own copy of a user's token) with a call's
/// rate-limiter slot taken and given back, then evicted: four cycles (three crowds of new users,
/// then the first crowd again) each give back what they took.
#[test]
fn users_who_come_and_go_leave_no_memory_behind() {
    alone(async {
        // The registry's clock and the rate limiters' are the system clock's: paused Tokio time
        // moves the idle timeout and the limiters' windows together.
        let store = MemoryStore::new();
        let tenants = registry(store.clone());
        let crowds: Vec<Vec<String>> =
            (0..3).map(|c| (0..USERS).map(|i| format!("crowd{c}-user{i:04}@example.com")).collect()).collect();
        // Every user's token is in the store before anything is counted (the store is the
        // application's; its records stay).
        save_tokens(&store, &tenants, crowds.iter().flatten()).await;

        // One warm-up cycle of one user: what the first use of anything allocates once (lazy
        // statics, the limiters' registry, the runtime's timer) is not a user's.
        cycle(&tenants, &crowds[0][..1]).await;
        let baseline = live_heap();

        for (round, crowd) in [0, 1, 2, 0].into_iter().enumerate() {
            let loaded = cycle(&tenants, &crowds[crowd]).await - baseline;
            let left = live_heap() - baseline;
            eprintln!("round {round}: {} B per user loaded, {left} B left after eviction", loaded / USERS as i64);
            // Loading was measured (a loaded user costs kilobytes)...
            assert!(loaded > 1_000 * USERS as i64, "round {round}: {loaded} B for {USERS} users loaded");
            // ...and eviction gave it back, within a few bytes per user of allocator-level noise.
            assert!(left.abs() < 8 * USERS as i64, "round {round}: {left} B left after evicting {USERS} users");
        }
        assert_eq!(tenants.stats().loaded, 0);
    });
}

/// Loads `users`, takes and gives back a rate-limiter slot for each, reads each one's token on
/// this thread and on another, then lets them idle past the timeout and evicts them; returns
/// the live heap while they were loaded.
async fn cycle(tenants: &Tenants<Reader>, users: &[String]) -> i64 {
    for user in users {
        let client = tenants.client(user).await.expect("client");
        let limiter = client.rate_limiter().expect("a per-user limiter by default");
        drop(limiter.acquire().await.expect("a slot"));
        assert!(tenants.cached_token(user).is_some());
    }
    std::thread::scope(|s| {
        s.spawn(|| assert!(users.iter().all(|u| tenants.cached_token(u).is_some()), "second thread"));
    });
    let loaded = live_heap();
    // Past the idle timeout, and so past every limiter's window.
    tokio::time::advance(Duration::from_secs(601)).await;
    assert_eq!(tenants.evict_idle(), users.len(), "every user was idle and quiet");
    loaded
}

/// A store whose reads, writes and locks wait while the gate is closed.
struct Gated {
    inner: MemoryStore,
    gate: Arc<tokio::sync::RwLock<()>>,
}

#[async_trait]
impl TokenStore for Gated {
    async fn load(&self, key: &StoreKey) -> Result<Option<TokenRecord>, StoreError> {
        let _open = self.gate.read().await;
        self.inner.load(key).await
    }
    async fn save(&self, key: &StoreKey, record: &TokenRecord) -> Result<(), StoreError> {
        let _open = self.gate.read().await;
        self.inner.save(key, record).await
    }
    async fn remove(&self, key: &StoreKey) -> Result<(), StoreError> {
        self.inner.remove(key).await
    }
    async fn lock(&self, key: &StoreKey, ttl: Duration, wait: Duration) -> Result<StoreLock, StoreError> {
        let _open = self.gate.read().await;
        self.inner.lock(key, ttl, wait).await
    }
}

/// Requests cancelled by their clients while their user's first load waits on the store (a
/// slow Redis, a crowd of clients giving up): nothing of them stays, without waiting for an
/// idle sweep; the users load normally afterwards.
#[test]
fn callers_dropped_mid_load_leave_no_memory_behind() {
    alone(async {
        let memory = MemoryStore::new();
        let gate = Arc::new(tokio::sync::RwLock::new(()));
        let tenants = registry(Gated { inner: memory.clone(), gate: Arc::clone(&gate) });
        let waves: Vec<Vec<String>> =
            (0..2).map(|w| (0..USERS).map(|i| format!("wave{w}-user{i:04}@example.com")).collect()).collect();
        save_tokens(&memory, &tenants, waves.iter().flatten()).await;
        let closed = gate.write().await;
        // Polled once: the load starts and waits on the store; then the caller goes.
        let abandon = |users: &[String]| {
            for user in users {
                assert!(tenants.client(user).now_or_never().is_none(), "{user} loaded through a closed gate");
            }
        };
        // A first wave lets the registry's tables reach the size such churn gives them (a size per
        // table, not an entry per user).
        abandon(&waves[0]);
        let baseline = live_heap();
        abandon(&waves[1]);
        let left = live_heap() - baseline;
        eprintln!("{left} B left by {USERS} abandoned loads");
        assert!(left.abs() < 8 * USERS as i64, "{left} B left by {USERS} abandoned loads");
        assert_eq!(tenants.stats().loaded, 0);

        drop(closed);
        for user in waves.iter().flatten() {
            drop(tenants.client(user).await.expect("loads after all"));
        }
        assert_eq!(tenants.stats().loaded, 2 * USERS);
    });
}

/// Sign-ins abandoned while the store write of a new user's token waits (the web request that
/// completes a sign-in, cancelled): nothing of them stays, and the user is not loaded.
#[test]
fn sign_ins_dropped_midway_leave_no_memory_behind() {
    alone(async {
        let gate = Arc::new(tokio::sync::RwLock::new(()));
        let tenants = registry(Gated { inner: MemoryStore::new(), gate: Arc::clone(&gate) });
        let waves: Vec<Vec<String>> =
            (0..2).map(|w| (0..USERS).map(|i| format!("wave{w}-user{i:04}@example.com")).collect()).collect();
        let scopes = DynamicScopes::parse_list("ZohoProjects.portals.READ").expect("scopes");
        let token = |user: &str| {
            let access =
                AccessToken::new(format!("1000.{user}"), SystemTime::now() + Duration::from_secs(3600), scopes.clone());
            Token::<Reader>::from_parts(TokenParts::new(access)).expect("token")
        };
        let closed = gate.write().await;
        let abandon = |users: &[String]| {
            for user in users {
                let sign_in = tenants.sign_in(user, token(user));
                assert!(sign_in.now_or_never().is_none(), "{user} signed in through a closed gate");
            }
        };
        abandon(&waves[0]);
        let baseline = live_heap();
        abandon(&waves[1]);
        let left = live_heap() - baseline;
        eprintln!("{left} B left by {USERS} abandoned sign-ins");
        assert!(left.abs() < 8 * USERS as i64, "{left} B left by {USERS} abandoned sign-ins");
        assert_eq!(tenants.stats().loaded, 0);
        assert!(waves.iter().flatten().all(|u| !tenants.is_loaded(u)));
        drop(closed);
    });
}
