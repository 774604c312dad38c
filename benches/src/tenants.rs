//! Scenario 7, many tenants: a `Tenants` registry holding 100,000 users. Measures the resident
//! memory per user while loaded (first use on one thread, then a second thread using each user
//! too) and after eviction, the store reads of a first use after eviction, and the registry's
//! token fast path (`Tenants::cached_token`: map lookup and the manager's lock-free path) with
//! every user registered, on 1 and 2 threads.
//!
//! The store synthesises a valid record for any key (and counts reads), so that the memory
//! measured is the registry's alone, as with a store in another process (Redis).

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use zoho_oauth_core::oauth::OAuthClient;
use zoho_oauth_core::store::{StoreError, StoreKey, StoreLock, TokenRecord, TokenStore};
use zoho_oauth_core::tenants::Tenants;
use zoho_oauth_core::{AccessToken, Client, ClientSecret, DynamicScopes, TokenParts};

use crate::common::{READ, Reader, VirtualClock};
use crate::stats::median;

/// A store that makes up a valid record for every key it is asked for, and counts the reads.
struct Synth {
    clock: VirtualClock,
    reads: Arc<AtomicU64>,
    scopes: DynamicScopes,
}

#[async_trait::async_trait]
impl TokenStore for Synth {
    async fn load(&self, key: &StoreKey) -> Result<Option<TokenRecord>, StoreError> {
        let n = self.reads.fetch_add(1, Ordering::Relaxed);
        let token = AccessToken::new(
            format!("1000.{n:016x}.{:016x}", n.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
            self.clock.now() + Duration::from_secs(3600),
            self.scopes.clone(),
        );
        Ok(Some(TokenRecord::from_parts(key, &TokenParts::new(token), self.clock.now())))
    }
    async fn save(&self, _: &StoreKey, _: &TokenRecord) -> Result<(), StoreError> {
        Ok(())
    }
    async fn remove(&self, _: &StoreKey) -> Result<(), StoreError> {
        Ok(())
    }
    async fn lock(&self, _: &StoreKey, _: Duration, _: Duration) -> Result<StoreLock, StoreError> {
        struct Nothing;
        #[async_trait::async_trait]
        impl zoho_oauth_core::store::LockRelease for Nothing {
            async fn release(self: Box<Self>) -> Result<(), StoreError> {
                Ok(())
            }
        }
        Ok(StoreLock::new(Nothing))
    }
}

/// The results.
#[derive(Debug, Clone)]
pub struct TenantsResult {
    /// Users registered.
    pub tenants: usize,
    /// Resident bytes per user: loaded (one thread used each), loaded (two threads used each),
    /// after eviction.
    pub per_tenant_loaded: f64,
    /// As above, after a second thread used each user too (its own token copy per user).
    pub per_tenant_two_threads: f64,
    /// As above, after every user was evicted.
    pub per_tenant_evicted: f64,
    /// Store reads per user by the first use (all users), and by the first use of an evicted one.
    pub reads_first_use: f64,
    /// Store reads of one first use after eviction.
    pub reads_after_eviction: u64,
    /// `Tenants::cached_token` ns per call, medians over runs: one thread on one user, one
    /// thread walking all users, two threads on one user each, two threads on the same user.
    pub fast_path_ns: [f64; 4],
    /// A held user's `TokenManager::cached` (what `Client::send` takes) ns per call, medians:
    /// one thread, two threads on one user each, two threads on the same user.
    pub manager_ns: [f64; 3],
    /// Resident bytes per user added by loading as many new users after the eviction (the
    /// freed memory is reused).
    pub per_tenant_second_batch: f64,
}

fn resident_bytes() -> io::Result<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm")?;
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    Ok(pages * 4096)
}

fn ns_per_call(threads: usize, calls: usize, f: impl Fn(usize, usize) + Sync) -> f64 {
    let barrier = std::sync::Barrier::new(threads);
    let times: Vec<f64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (f, barrier) = (&f, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    let start = Instant::now();
                    for i in 0..calls {
                        f(t, i);
                    }
                    start.elapsed().as_nanos() as f64 / calls as f64
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).collect()
    });
    times.iter().sum::<f64>() / times.len() as f64
}

/// Runs the scenario with `n` users; `reps` timing runs per fast-path variant.
pub fn tenants(n: usize, reps: usize) -> io::Result<TenantsResult> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let clock = VirtualClock::default();
    clock.set_ms(1_700_000_000_000);
    let reads = Arc::new(AtomicU64::new(0));
    let scopes = DynamicScopes::parse_list(READ).map_err(io::Error::other)?;
    let store = Synth { clock: clock.clone(), reads: Arc::clone(&reads), scopes };
    let oauth = OAuthClient::builder("1000.BENCH", ClientSecret::new("bench-secret"))
        .accounts_url("http://127.0.0.1:9/".parse().map_err(io::Error::other)?)
        .build()
        .map_err(io::Error::other)?;
    let tenants = Tenants::builder::<Reader>(oauth, store)
        .client(Client::builder())
        .clock(clock.as_clock())
        .idle_timeout(Duration::from_secs(600))
        .build()
        .map_err(io::Error::other)?;
    let users: Vec<String> = (0..n).map(|i| format!("user-{i:06}@example.com")).collect();

    let before = resident_bytes()?;
    runtime.block_on(async {
        for u in &users {
            drop(tenants.client(u).await.map_err(io::Error::other)?);
            if tenants.cached_token(u).is_none() {
                return Err(io::Error::other("no cached token after the first use"));
            }
        }
        Ok::<_, io::Error>(())
    })?;
    let loaded = resident_bytes()?;
    let reads_first_use = reads.load(Ordering::Relaxed) as f64 / n as f64;
    std::thread::scope(|s| {
        s.spawn(|| users.iter().all(|u| tenants.cached_token(u).is_some())).join().expect("second thread")
    })
    .then_some(())
    .ok_or_else(|| io::Error::other("a user without a token on the second thread"))?;
    let two_threads = resident_bytes()?;

    let calls = 2_000_000;
    let one = &users[0];
    let mut runs: [Vec<f64>; 4] = Default::default();
    for _ in 0..reps {
        runs[0].push(ns_per_call(1, calls, |_, _| {
            std::hint::black_box(tenants.cached_token(one));
        }));
        runs[1].push(ns_per_call(1, calls, |_, i| {
            std::hint::black_box(tenants.cached_token(&users[(i * 7919) % users.len()]));
        }));
        runs[2].push(ns_per_call(2, calls, |t, _| {
            std::hint::black_box(tenants.cached_token(&users[t * (users.len() / 2)]));
        }));
        runs[3].push(ns_per_call(2, calls, |_, _| {
            std::hint::black_box(tenants.cached_token(one));
        }));
    }

    let held: Vec<_> = [0, users.len() / 2]
        .iter()
        .map(|&i| tenants.manager(&users[i]).ok_or_else(|| io::Error::other("not loaded")))
        .collect::<io::Result<_>>()?;
    let mut manager_runs: [Vec<f64>; 3] = Default::default();
    for _ in 0..reps {
        manager_runs[0].push(ns_per_call(1, calls, |_, _| {
            std::hint::black_box(held[0].cached());
        }));
        manager_runs[1].push(ns_per_call(2, calls, |t, _| {
            std::hint::black_box(held[t].cached());
        }));
        manager_runs[2].push(ns_per_call(2, calls, |_, _| {
            std::hint::black_box(held[0].cached());
        }));
    }
    drop(held);

    clock.set_ms(1_700_000_000_000 + 601_000);
    let evicted = tenants.evict_idle();
    if evicted != n {
        return Err(io::Error::other(format!("evicted {evicted} of {n}")));
    }
    let after = resident_bytes()?;
    let reads_before = reads.load(Ordering::Relaxed);
    runtime.block_on(tenants.client(one)).map_err(io::Error::other)?;
    let reads_after_eviction = reads.load(Ordering::Relaxed) - reads_before;
    let after_one = resident_bytes()?;
    runtime.block_on(async {
        for i in 0..n {
            drop(tenants.client(&format!("second-{i:06}@example.com")).await.map_err(io::Error::other)?);
        }
        Ok::<_, io::Error>(())
    })?;
    let second = resident_bytes()?;

    let per = |bytes: u64| bytes.saturating_sub(before) as f64 / n as f64;
    Ok(TenantsResult {
        tenants: n,
        per_tenant_loaded: per(loaded),
        per_tenant_two_threads: per(two_threads),
        per_tenant_evicted: per(after),
        reads_first_use,
        reads_after_eviction,
        fast_path_ns: runs.map(|r| median(&r)),
        manager_ns: manager_runs.map(|r| median(&r)),
        per_tenant_second_batch: second.saturating_sub(after_one) as f64 / n as f64,
    })
}

/// The scenario's Markdown table.
pub fn report(r: &TenantsResult) -> String {
    format!(
        "| {} tenants | value |\n|---|---|\n\
         | resident per tenant, loaded (first use, one thread) | {:.0} B |\n\
         | resident per tenant, loaded and used from a second thread | {:.0} B |\n\
         | resident per tenant after every tenant was evicted | {:.0} B |\n\
         | resident added per tenant by as many new tenants after the eviction | {:.0} B |\n\
         | store reads per tenant, first use | {:.2} |\n\
         | store reads, first use of an evicted tenant | {} |\n\
         | `cached_token`, 1 thread, one tenant (median ns) | {:.1} |\n\
         | `cached_token`, 1 thread, walking all tenants (median ns) | {:.1} |\n\
         | `cached_token`, 2 threads, a tenant each (median ns) | {:.1} |\n\
         | `cached_token`, 2 threads, the same tenant (median ns) | {:.1} |\n\
         | held tenant's `TokenManager::cached`, 1 thread (median ns) | {:.1} |\n\
         | held tenant's `TokenManager::cached`, 2 threads, a tenant each (median ns) | {:.1} |\n\
         | held tenant's `TokenManager::cached`, 2 threads, the same tenant (median ns) | {:.1} |\n",
        r.tenants,
        r.per_tenant_loaded,
        r.per_tenant_two_threads,
        r.per_tenant_evicted,
        r.per_tenant_second_batch,
        r.reads_first_use,
        r.reads_after_eviction,
        r.fast_path_ns[0],
        r.fast_path_ns[1],
        r.fast_path_ns[2],
        r.fast_path_ns[3],
        r.manager_ns[0],
        r.manager_ns[1],
        r.manager_ns[2],
    )
}
