//! Scenario 7, many tenants: a `Tenants` registry holding 100,000 users. Measures the memory per
//! user while loaded (first use on one thread, then a second thread using each user too) and
//! after eviction — resident (RSS) and live heap bytes (as the binary's allocator counts them:
//! features `alloc-count`, `jemalloc`) —, the store reads of a first use after eviction, the
//! token fast path of a held user with every user registered, against a lone manager and a
//! bare clock read measured in the same run, on 1 and 2 threads, and the cost of
//! `RateLimiter::for_user` for a new user with many users' limiters held.
//!
//! The store synthesises a valid record for any key (and counts reads), so that the memory
//! measured is the registry's alone, as with a store in another process (Redis). The registry
//! runs on the system clock (the coarse read of its fast path, as in production) plus an
//! offset the scenario moves to make every user idle.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use std::time::SystemTime;
use zoho_oauth_core::oauth::OAuthClient;
use zoho_oauth_core::store::{MemoryStore, StoreError, StoreKey, StoreLock, TokenRecord, TokenStore};
use zoho_oauth_core::tenants::Tenants;
use zoho_oauth_core::{
    AccessToken, Client, ClientSecret, Clock, DynamicScopes, RateKey, RateLimiter, SystemClock, Token, TokenManager,
    TokenParts, TokenSource,
};

use crate::common::{NoRefresh, READ, Reader};
use crate::fastpath::Sources;
use crate::stats::median;

/// Live heap bytes as the binary's global allocator counts them; `None` when this build does
/// not count (see the features of `zoho-benches`).
pub type LiveHeap = fn() -> Option<u64>;

/// The system clock moved on by an offset the scenario sets (to make users idle without
/// waiting): each read is the system's, plus one atomic load, and the addition only once the
/// offset is set. The fast path is timed before the scenario moves the clock, so it then costs
/// what it costs on the system clock, as in production (a `SystemTime` addition is ~5 ns).
#[derive(Clone, Default)]
struct Shifted(Arc<AtomicU64>);

impl Shifted {
    fn advance(&self, by: Duration) {
        self.0.fetch_add(by.as_millis() as u64, Ordering::Relaxed);
    }
    fn shift<T: std::ops::Add<Duration, Output = T>>(&self, t: T) -> T {
        match self.0.load(Ordering::Relaxed) {
            0 => t,
            ms => t + Duration::from_millis(ms),
        }
    }
}

impl Clock for Shifted {
    fn now(&self) -> SystemTime {
        self.shift(SystemClock.now())
    }
    fn now_coarse(&self) -> SystemTime {
        self.shift(SystemClock.now_coarse())
    }
    fn now_coarse_secs(&self) -> u64 {
        match self.0.load(Ordering::Relaxed) {
            0 => SystemClock.now_coarse_secs(),
            _ => self.now_coarse().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs()),
        }
    }
    fn monotonic(&self) -> Duration {
        self.shift(SystemClock.monotonic())
    }
}

/// A store that makes up a valid record for every key it is asked for, and counts the reads.
struct Synth {
    clock: Shifted,
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

/// Memory at one point of the scenario, per user (against the process before the users came).
#[derive(Debug, Clone, Copy, Default)]
pub struct PerTenant {
    /// Resident bytes (`/proc/self/statm`) per user.
    pub resident: f64,
    /// Live heap bytes per user, if counted.
    pub heap: Option<f64>,
}

/// The results.
#[derive(Debug, Clone)]
pub struct TenantsResult {
    /// Users registered.
    pub tenants: usize,
    /// The allocator of this build.
    pub allocator: &'static str,
    /// Memory per user: loaded by one thread, used by a second thread too, after every user was
    /// evicted, added by as many new users loaded after that, and left once those were evicted
    /// too (a service whose users come and go: equal to the third when eviction frees all).
    pub memory: [PerTenant; 5],
    /// Load average (1 minute) at the start and at the end of the scenario.
    pub load: [f64; 2],
    /// Per call ns, medians, `[1 thread, 2 threads]`: a held user's client path
    /// (`TokenSource::cached_token` of its manager, what `Client::send` asks), a lone manager's
    /// same path (no registry), the bare coarse clock read, a `std::sync::Mutex` baseline.
    /// Last, a lone manager on the registry's clock (its path without the registry).
    pub held_vs_baselines: [[f64; 2]; 5],
    /// `RateLimiter::for_user` ns per new user while the limiters of 10,000 and of 100,000
    /// users are held.
    pub for_user_ns: [f64; 2],
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

fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(f64::NAN)
}

/// ns per new user of `RateLimiter::for_user` while the limiters of `held` users are held (the
/// cost of the first use of a user by a `Client` of its own).
pub fn for_user_first_uses(held: usize) -> f64 {
    let key = |i: usize| RateKey::new("https://accounts.zoho.com", format!("bench-{held}-{i}@example.com"));
    let keys: Vec<RateKey> = (0..held).map(key).collect();
    let start = Instant::now();
    let limiters: Vec<RateLimiter> = keys.iter().map(RateLimiter::for_user).collect();
    let ns = start.elapsed().as_nanos() as f64 / held as f64;
    drop(limiters);
    ns
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
pub fn tenants(n: usize, reps: usize, allocator: &'static str, heap: LiveHeap) -> io::Result<TenantsResult> {
    let load_start = load_average();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let clock = Shifted::default();
    let reads = Arc::new(AtomicU64::new(0));
    let scopes = DynamicScopes::parse_list(READ).map_err(io::Error::other)?;
    let store = Synth { clock: clock.clone(), reads: Arc::clone(&reads), scopes };
    let oauth = OAuthClient::builder("1000.BENCH", ClientSecret::new("bench-secret"))
        .accounts_url("http://127.0.0.1:9/".parse().map_err(io::Error::other)?)
        .build()
        .map_err(io::Error::other)?;
    let tenants = Tenants::builder::<Reader>(oauth, store)
        .client(Client::builder())
        .clock(clock.clone())
        .idle_timeout(Duration::from_secs(600))
        .build()
        .map_err(io::Error::other)?;
    let users: Vec<String> = (0..n).map(|i| format!("user-{i:06}@example.com")).collect();

    let baseline = Sources::new(); // made before the users: not counted as theirs
    // A lone manager on the registry's clock: the held users' path without the registry.
    let lone = TokenManager::builder::<Reader>(NoRefresh, StoreKey::new("https://accounts.zoho.com", "1000.C", "lone"))
        .store(MemoryStore::new())
        .clock(clock.clone())
        .build();
    {
        let scopes = DynamicScopes::parse_list(READ).map_err(io::Error::other)?;
        let access = AccessToken::new("1000.lone.token", clock.now() + Duration::from_secs(24 * 3600), scopes);
        let token = Token::<Reader>::from_parts(TokenParts::new(access)).map_err(io::Error::other)?;
        runtime.block_on(lone.login(token)).map_err(io::Error::other)?;
    }
    let memory = || -> io::Result<(u64, Option<u64>)> { Ok((resident_bytes()?, heap())) };
    let before = memory()?;
    runtime.block_on(async {
        for u in &users {
            drop(tenants.client(u).await.map_err(io::Error::other)?);
            if tenants.cached_token(u).is_none() {
                return Err(io::Error::other("no cached token after the first use"));
            }
        }
        Ok::<_, io::Error>(())
    })?;
    let loaded = memory()?;
    let reads_first_use = reads.load(Ordering::Relaxed) as f64 / n as f64;
    std::thread::scope(|s| {
        s.spawn(|| users.iter().all(|u| tenants.cached_token(u).is_some())).join().expect("second thread")
    })
    .then_some(())
    .ok_or_else(|| io::Error::other("a user without a token on the second thread"))?;
    let two_threads = memory()?;

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
    let mut versus: [[Vec<f64>; 2]; 5] = Default::default();
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
        // Interleaved: the held user's client path, the same path of a lone manager, the bare
        // clock read and a mutex, each on 1 thread then 2 (a user each).
        for threads in [1, 2] {
            let t = threads - 1;
            versus[0][t].push(ns_per_call(threads, calls, |t, _| {
                std::hint::black_box(TokenSource::cached_token(&held[t]));
            }));
            versus[1][t].push(ns_per_call(threads, calls, |_, _| {
                std::hint::black_box(baseline.manager_cached_token());
            }));
            versus[2][t].push(ns_per_call(threads, calls, |_, _| {
                std::hint::black_box(SystemClock.now_coarse());
            }));
            versus[3][t].push(ns_per_call(threads, calls, |_, _| {
                std::hint::black_box(baseline.std_mutex());
            }));
            versus[4][t].push(ns_per_call(threads, calls, |_, _| {
                std::hint::black_box(TokenSource::cached_token(&lone));
            }));
        }
    }
    drop(held);

    clock.advance(Duration::from_secs(601));
    let evicted = tenants.evict_idle();
    if evicted != n {
        return Err(io::Error::other(format!("evicted {evicted} of {n}")));
    }
    let after = memory()?;
    let reads_before = reads.load(Ordering::Relaxed);
    runtime.block_on(tenants.client(one)).map_err(io::Error::other)?;
    let reads_after_eviction = reads.load(Ordering::Relaxed) - reads_before;
    let after_one = memory()?;
    runtime.block_on(async {
        for i in 0..n {
            drop(tenants.client(&format!("second-{i:06}@example.com")).await.map_err(io::Error::other)?);
        }
        Ok::<_, io::Error>(())
    })?;
    let second = memory()?;
    clock.advance(Duration::from_secs(601));
    let evicted = tenants.evict_idle();
    if evicted != n + 1 {
        return Err(io::Error::other(format!("second eviction: evicted {evicted} of {}", n + 1)));
    }
    let after_second = memory()?;
    let for_user_ns = [for_user_first_uses(n / 10), for_user_first_uses(n)];

    let per_from = |from: (u64, Option<u64>), at: (u64, Option<u64>)| PerTenant {
        resident: at.0 as f64 / n as f64 - from.0 as f64 / n as f64,
        heap: from.1.zip(at.1).map(|(f, a)| a as f64 / n as f64 - f as f64 / n as f64),
    };
    let per = |bytes: (u64, Option<u64>)| bytes.0.saturating_sub(before.0) as f64 / n as f64;
    Ok(TenantsResult {
        tenants: n,
        allocator,
        memory: [
            per_from(before, loaded),
            per_from(before, two_threads),
            per_from(before, after),
            per_from(after_one, second),
            per_from(before, after_second),
        ],
        load: [load_start, load_average()],
        held_vs_baselines: versus.map(|v| v.map(|r| median(&r))),
        for_user_ns,
        per_tenant_loaded: per(loaded),
        per_tenant_two_threads: per(two_threads),
        per_tenant_evicted: per(after),
        reads_first_use,
        reads_after_eviction,
        fast_path_ns: runs.map(|r| median(&r)),
        manager_ns: manager_runs.map(|r| median(&r)),
        per_tenant_second_batch: second.0.saturating_sub(after_one.0) as f64 / n as f64,
    })
}

/// The scenario's Markdown table.
pub fn report(r: &TenantsResult) -> String {
    let heap = |m: &PerTenant| m.heap.map_or_else(|| "not counted".to_owned(), |h| format!("{h:.0} B"));
    let mut t = format!(
        "{} tenants, allocator: {}; load average {:.1} at the start, {:.1} at the end\n\n\
         | memory per tenant | resident | live heap |\n|---|---|---|\n",
        r.tenants, r.allocator, r.load[0], r.load[1]
    );
    for (what, m) in [
        "loaded (first use, one thread)",
        "loaded and used from a second thread",
        "after every tenant was evicted",
        "added by as many new tenants after the eviction",
        "after those were evicted too (two load/evict cycles)",
    ]
    .iter()
    .zip(&r.memory)
    {
        t.push_str(&format!("| {what} | {:.0} B | {} |\n", m.resident, heap(m)));
    }
    t.push_str(&format!(
        "\n| | value |\n|---|---|\n\
         | store reads per tenant, first use | {:.2} |\n\
         | store reads, first use of an evicted tenant | {} |\n\
         | `cached_token`, 1 thread, one tenant (median ns) | {:.1} |\n\
         | `cached_token`, 1 thread, walking all tenants (median ns) | {:.1} |\n\
         | `cached_token`, 2 threads, a tenant each (median ns) | {:.1} |\n\
         | `cached_token`, 2 threads, the same tenant (median ns) | {:.1} |\n\
         | held tenant's `TokenManager::cached`, 1 thread (median ns) | {:.1} |\n\
         | held tenant's `TokenManager::cached`, 2 threads, a tenant each (median ns) | {:.1} |\n\
         | held tenant's `TokenManager::cached`, 2 threads, the same tenant (median ns) | {:.1} |\n\
         | `RateLimiter::for_user`, a new user with {} users' limiters held (ns per user) | {:.0} |\n\
         | `RateLimiter::for_user`, a new user with {} users' limiters held (ns per user) | {:.0} |\n",
        r.reads_first_use,
        r.reads_after_eviction,
        r.fast_path_ns[0],
        r.fast_path_ns[1],
        r.fast_path_ns[2],
        r.fast_path_ns[3],
        r.manager_ns[0],
        r.manager_ns[1],
        r.manager_ns[2],
        r.tenants / 10,
        r.for_user_ns[0],
        r.tenants,
        r.for_user_ns[1],
    ));
    t.push_str(
        "\n| token path, median ns per call | 1 thread | 2 threads (a tenant each) | 2t / 1t |\n|---|---|---|---|\n",
    );
    let names = [
        "held tenant's client path (`TokenSource::cached_token`), all tenants registered",
        "a lone `TokenManager`'s same path (no registry; system clock; 2 threads: the same manager)",
        "`SystemClock::now_coarse()` only",
        "`std::sync::Mutex<Option<AccessToken>>` (one shared)",
        "a lone `TokenManager`'s same path on the registry's clock (system + offset; 2 threads: the same manager)",
    ];
    for (name, [one, two]) in names.iter().zip(&r.held_vs_baselines) {
        t.push_str(&format!("| {name} | {one:.1} | {two:.1} | {:.2} |\n", two / one));
    }
    let [held, lone, _, _, lone_shifted] = r.held_vs_baselines;
    t.push_str(&format!(
        "\nheld tenant / lone manager, same run: {:.2} (1 thread), {:.2} (2 threads); \
         / lone manager on the same clock: {:.2}, {:.2}\n",
        held[0] / lone[0],
        held[1] / lone[1],
        held[0] / lone_shifted[0],
        held[1] / lone_shifted[1]
    ));
    t
}
