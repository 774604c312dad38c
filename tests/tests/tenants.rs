//! Many tenants in one process (`zoho_projects::tenants::Tenants`): against the sandbox with
//! several users signed in through the web flow, tokens in a real file (and in a real
//! `redis-server` further down). Time is the sandbox's virtual clock.

use reqwest::Url;
#[path = "common/redis.rs"]
mod redis;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use zoho_projects::manager::ManagerError;
use zoho_projects::oauth::{AuthorizeOptions, OAuthClient};
use zoho_projects::prelude::*;
use zoho_projects::store::{
    FileStore, MemoryStore, RedisStore, StoreError, StoreKey, StoreLock, TokenRecord, TokenStore,
};
use zoho_projects::tenants::{TenantError, Tenants, TenantsBuilder};
use zoho_projects::v3::portals::ListPortals;
use zoho_projects::{
    AccessToken, ClientSecret, DynamicScopes, RateLimiter, RetryPolicy, SleepFuture, Sleeper, TokenParts, async_trait,
};
use zoho_sandbox::{Dc, Fault, Route, Sandbox};

scope_set! { struct Reader = ["ZohoProjects.portals.READ"]; }

/// A store that counts what the registry asks of it, over a real one.
#[derive(Clone)]
struct Counted<T> {
    inner: T,
    loads: Arc<AtomicUsize>,
}

impl<T> Counted<T> {
    fn new(inner: T) -> Self {
        Counted { inner, loads: Arc::new(AtomicUsize::new(0)) }
    }
    fn loads(&self) -> usize {
        self.loads.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl<T: TokenStore> TokenStore for Counted<T> {
    async fn load(&self, key: &StoreKey) -> Result<Option<TokenRecord>, StoreError> {
        self.loads.fetch_add(1, Ordering::SeqCst);
        self.inner.load(key).await
    }
    async fn save(&self, key: &StoreKey, record: &TokenRecord) -> Result<(), StoreError> {
        self.inner.save(key, record).await
    }
    async fn save_locked(&self, key: &StoreKey, record: &TokenRecord, lock: &StoreLock) -> Result<(), StoreError> {
        self.inner.save_locked(key, record, lock).await
    }
    async fn remove(&self, key: &StoreKey) -> Result<(), StoreError> {
        self.inner.remove(key).await
    }
    async fn lock(&self, key: &StoreKey, ttl: Duration, wait: Duration) -> Result<StoreLock, StoreError> {
        self.inner.lock(key, ttl, wait).await
    }
}

/// Waiting on the sandbox's virtual clock: a wait moves the clock (one waiter at a time).
#[derive(Clone)]
struct VirtualSleep(zoho_sandbox::Clock, Arc<Mutex<()>>);

impl Sleeper for VirtualSleep {
    fn sleep(&self, d: Duration) -> SleepFuture {
        self.0.advance(d);
        Box::pin(async {})
    }

    fn sleep_until(&self, deadline: SystemTime, now: SystemTime) -> SleepFuture {
        if deadline.duration_since(now).unwrap_or_default() < Duration::from_secs(1) {
            return Box::pin(tokio::task::yield_now());
        }
        let _one_at_a_time = self.1.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Ok(step) = deadline.duration_since(self.0.now_system()) {
            self.0.advance(step);
        }
        Box::pin(async {})
    }
}

async fn sandbox() -> Sandbox {
    // The strict default: every Zoho limit on.
    Sandbox::builder().auto_approve(true).start().await.expect("sandbox")
}

fn oauth(sb: &Sandbox) -> OAuthClient {
    let app = sb.demo_client();
    let clock = sb.clock();
    OAuthClient::builder(&app.client_id, ClientSecret::new(app.client_secret.as_str()))
        .accounts_url(sb.accounts_url(Dc::Us))
        .redirect_uri(app.redirect_uri.parse().expect("redirect URI"))
        .clock(move || clock.now_system())
        .build()
        .expect("oauth client")
}

/// A registry on the sandbox's virtual clock, each user paced by an in-memory limiter on that
/// clock (Zoho's 100 calls per 2 minutes; waits move the clock).
fn registry<T: TokenStore>(sb: &Sandbox, store: T, idle: Duration) -> Tenants<Reader> {
    let (clock, limiter_clock) = (sb.clock(), sb.clock());
    let sleeper = VirtualSleep(sb.clock(), Arc::new(Mutex::new(())));
    Tenants::builder::<Reader>(oauth(sb), store)
        .client(Client::builder().api_base(sb.api_url(Dc::Us)).retry(RetryPolicy::never().sleeper(sleeper.clone())))
        .rate_limiter(move |_key| {
            let c = limiter_clock.clone();
            RateLimiter::with_parts(
                100,
                Duration::from_secs(120),
                Duration::from_secs(3600),
                move || c.now_system(),
                sleeper.clone(),
            )
        })
        .clock(move || clock.now_system())
        .idle_timeout(idle)
        .build()
        .expect("registry")
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http client")
}

/// Plays the browser of the signed-in sandbox user: the sandbox approves at once
/// (`auto_approve`) and redirects to the app; returns that callback URL.
async fn browse(url: &Url) -> String {
    let resp = no_redirects().get(url.clone()).send().await.expect("auth page");
    assert_eq!(resp.status().as_u16(), 302, "auto-approved");
    resp.headers()["location"].to_str().expect("location").to_owned()
}

/// Signs the sandbox user `email` in as tenant `user` through the web flow, the pending
/// sign-in travelling through a JSON session as between a web app's instances.
async fn web_sign_in(sb: &Sandbox, tenants: &Tenants<Reader>, user: &str, email: &str) {
    sb.add_user(email, Dc::Us);
    sb.sign_in(email).expect("sign in");
    let (url, pending) =
        tenants.authorize_url(user, AuthorizeOptions::new().offline().pkce()).await.expect("authorize url");
    let session = serde_json::to_string(&pending).expect("serialise");
    let callback = browse(&url).await;
    let pending = serde_json::from_str(&session).expect("deserialise");
    tenants.complete_sign_in(user, pending, &callback).await.expect("signed in");
}

/// The access token the store holds for `user`.
async fn stored_token(store: &impl TokenStore, tenants: &Tenants<Reader>, user: &str) -> String {
    let record = store.load(&tenants.key(user)).await.expect("read").expect("a record");
    record.access_token.expose_secret().to_owned()
}

/// The Authorization headers of the Projects API requests the sandbox saw, in order.
fn api_tokens_seen(sb: &Sandbox) -> Vec<String> {
    sb.requests_seen()
        .into_iter()
        .filter(|r| r.path_and_query.starts_with("/api/v3/"))
        .filter_map(|r| r.headers.into_iter().find(|(n, _)| n.eq_ignore_ascii_case("authorization")).map(|(_, v)| v))
        .collect()
}

const USERS: [(&str, &str); 3] = [("ana", "ana@example.com"), ("bo", "bo@example.com"), ("cy", "cy@example.com")];

/// Three users signed in by one registry; a second registry (a restarted process) over the same
/// file loads each at first use with one store read, however many callers ask at once, and
/// calls Zoho with each user's own token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_load_lazily_from_the_file_once_each_and_call_as_themselves() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().expect("dir");
    let file = FileStore::new(dir.path().join("tokens.json"));
    let first = registry(&sb, file.clone(), Duration::from_secs(900));
    for (user, email) in USERS {
        web_sign_in(&sb, &first, user, email).await;
    }
    assert_eq!(first.stats().signed_in, 3);
    assert_eq!(first.stats().loaded, 3);
    drop(first);

    let store = Counted::new(FileStore::new(dir.path().join("tokens.json")));
    let tenants = registry(&sb, store.clone(), Duration::from_secs(900));
    assert_eq!(tenants.stats().loaded, 0, "nothing is read before a use");
    for (user, _) in USERS {
        // 20 concurrent first uses of one user: one store read.
        let clients = futures::future::join_all((0..20).map(|_| tenants.client(user))).await;
        for c in clients {
            c.expect("client").send(ListPortals).await.expect("call");
        }
    }
    assert_eq!(store.loads(), 3, "one read per user");
    let stats = tenants.stats();
    assert_eq!((stats.loaded, stats.loads, stats.store_reads, stats.refreshes), (3, 3, 3, 0));
    let seen = api_tokens_seen(&sb);
    assert_eq!(seen.len(), 60);
    for (i, (user, _)) in USERS.iter().enumerate() {
        let expected = format!("Zoho-oauthtoken {}", stored_token(&file, &tenants, user).await);
        assert!(seen[i * 20..(i + 1) * 20].iter().all(|h| *h == expected), "{user}'s calls carry {user}'s token");
    }
    assert_eq!(sb.counters().api_rate_limited, 0);
    sb.shutdown().await;
}

/// An idle user is forgotten, and the next use reloads them from the file with one read; a user
/// whose client is held (a call under way) is not forgotten.
#[tokio::test]
async fn idle_users_are_evicted_and_reload_with_one_read() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().expect("dir");
    let store = Counted::new(FileStore::new(dir.path().join("tokens.json")));
    let tenants = registry(&sb, store.clone(), Duration::from_secs(300));
    web_sign_in(&sb, &tenants, "ana", "ana@example.com").await;
    web_sign_in(&sb, &tenants, "bo", "bo@example.com").await;
    tenants.client("ana").await.expect("ana").send(ListPortals).await.expect("call");
    let held = tenants.client("bo").await.expect("bo");

    sb.clock().advance(Duration::from_secs(301));
    assert_eq!(tenants.evict_idle(), 1, "ana goes; bo's client is held");
    assert!(!tenants.is_loaded("ana"));
    assert!(tenants.is_loaded("bo"));
    drop(held);
    assert_eq!(tenants.evict_idle(), 1, "bo goes once his client is dropped");
    let stats = tenants.stats();
    assert_eq!((stats.loaded, stats.evicted), (0, 2));

    let reads = store.loads();
    tenants.client("ana").await.expect("ana again").send(ListPortals).await.expect("call after reload");
    assert_eq!(store.loads(), reads + 1, "one store read to come back");
    assert_eq!(tenants.stats().refreshes, 0, "the stored token was still valid");
    sb.shutdown().await;
}

/// A user forgotten in the middle of a rate window would come back with an empty window and pass
/// Zoho's limit: a user whose window (in this process's memory) is not empty stays, and their
/// 101st call in two minutes waits instead of meeting a 429.
#[tokio::test]
async fn a_user_is_not_forgotten_mid_window() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().expect("dir");
    let tenants = registry(&sb, FileStore::new(dir.path().join("tokens.json")), Duration::from_secs(60));
    web_sign_in(&sb, &tenants, "ana", "ana@example.com").await;
    let start = sb.clock().now_system();
    for _ in 0..100 {
        tenants.client("ana").await.expect("ana").send(ListPortals).await.expect("call");
    }
    sb.clock().advance(Duration::from_secs(61));
    let evicted = tenants.evict_idle();
    let call = tenants.client("ana").await.expect("ana").send(ListPortals).await;
    assert_eq!(sb.counters().api_rate_limited, 0, "no 429");
    call.expect("the 101st call waits");
    assert_eq!(evicted, 0, "idle for longer than the timeout, but the window is full");
    assert!(sb.clock().now_system().duration_since(start).expect("later") >= Duration::from_secs(120));
    // Two minutes after the last call the window is empty: now the user may go.
    sb.clock().advance(Duration::from_secs(121));
    assert_eq!(tenants.evict_idle(), 1);
    sb.shutdown().await;
}

/// Beyond the capacity, the least recently used users go.
#[tokio::test]
async fn beyond_capacity_the_least_recently_used_go() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().expect("dir");
    let file = FileStore::new(dir.path().join("tokens.json"));
    let signer = registry(&sb, file.clone(), Duration::from_secs(900));
    let users = ["u1", "u2", "u3", "u4"];
    for (i, user) in users.iter().enumerate() {
        web_sign_in(&sb, &signer, user, &format!("user{i}@example.com")).await;
    }
    let (clock, limiter_clock) = (sb.clock(), sb.clock());
    let tenants = Tenants::builder::<Reader>(oauth(&sb), file)
        .client(Client::builder().api_base(sb.api_url(Dc::Us)).retry(RetryPolicy::never()))
        .rate_limiter(move |_| {
            let c = limiter_clock.clone();
            RateLimiter::with_parts(100, Duration::from_secs(120), Duration::ZERO, move || c.now_system(), |_| async {})
        })
        .clock(move || clock.now_system())
        .capacity(2)
        .build()
        .expect("registry");
    for user in users {
        // Used a second apart, each after the rate window of the previous one ended.
        tenants.client(user).await.expect("client");
        sb.clock().advance(Duration::from_secs(1));
    }
    assert_eq!(tenants.stats().loaded, 2);
    assert_eq!(tenants.stats().evicted, 2);
    assert!(!tenants.is_loaded("u1") && !tenants.is_loaded("u2"));
    assert!(tenants.is_loaded("u3") && tenants.is_loaded("u4"));
    sb.shutdown().await;
}

/// Keys are the application's names for users: separators, `..`, escapes and unicode name
/// distinct users in the file and never reach the file system; empty, overlong or
/// control-character keys are refused before any store read; an unknown user costs no memory.
#[tokio::test]
async fn hostile_keys_stay_apart_or_are_refused() {
    let sb = sandbox().await;
    let dir = tempfile::tempdir().expect("dir");
    let store = Counted::new(FileStore::new(dir.path().join("tokens.json")));
    let tenants = registry(&sb, store.clone(), Duration::from_secs(900));
    // Keys are never normalised: case, composed and decomposed accents, spaces, unicode line
    // separators and bidi overrides (not control characters) all name users of their own.
    let keys = [
        "a|b",
        "a%7Cb",
        "a",
        "b",
        "..",
        "../../tokens",
        "a:b",
        "ü/ß",
        "x".repeat(512).leak() as &str,
        "A",
        " a",
        "a ",
        "\u{e9}",
        "e\u{301}",
        "a\u{2028}b",
        "a\u{202e}b",
        "\u{20ac}".repeat(170).leak() as &str,
    ];
    for (i, key) in keys.iter().enumerate() {
        let access = sb.mint_access_token(&sb.demo_user().email, Reader::OAUTH).expect("minted");
        let token = Token::<Reader>::from_console(&access, "ZohoProjects.portals.READ", Duration::from_secs(3600))
            .expect("token");
        tenants.sign_in(key, token).await.unwrap_or_else(|e| panic!("key {i}: {e}"));
    }
    let mut seen = std::collections::HashSet::new();
    for key in keys {
        let token = stored_token(&store.inner, &tenants, key).await;
        assert!(seen.insert(token.clone()), "each key has its own record");
        tenants.client(key).await.expect("client").send(ListPortals).await.expect("call");
        assert_eq!(api_tokens_seen(&sb).last(), Some(&format!("Zoho-oauthtoken {token}")), "{key:?} calls as itself");
    }
    let names: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").map(|e| e.expect("entry").file_name()).collect();
    assert!(names.iter().all(|n| n.to_string_lossy().starts_with("tokens.json")), "{names:?}");

    let reads = store.loads();
    let long = "x".repeat(513);
    let long_unicode = "\u{20ac}".repeat(171); // 513 bytes
    for bad in ["", "a\nb", "a\u{0}b", "a\rb", "a\u{7f}", "a\u{85}b", &long, &long_unicode] {
        assert!(matches!(tenants.client(bad).await, Err(TenantError::InvalidUser { .. })), "{bad:?}");
    }
    assert_eq!(store.loads(), reads, "no store read for a refused key");
    let loaded = tenants.stats().loaded;
    assert!(matches!(tenants.client("nobody").await, Err(TenantError::NotSignedIn { .. })));
    assert_eq!(store.loads(), reads + 1);
    assert_eq!(tenants.stats().loaded, loaded);
    assert!(!tenants.is_loaded("nobody"));
    sb.shutdown().await;
}

/// 1,000 users, 5 callers each asking at once for their first use: one store read per user,
/// not one per caller.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_uses_read_the_store_once_per_user() {
    let sb = sandbox().await;
    let store = Counted::new(MemoryStore::new());
    let tenants = registry(&sb, store.clone(), Duration::from_secs(900));
    let scopes = DynamicScopes::parse_list("ZohoProjects.portals.READ").expect("scopes");
    let expires = sb.clock().now_system() + Duration::from_secs(3600);
    for i in 0..1000 {
        let key = tenants.key(&format!("user-{i}"));
        let parts = TokenParts::new(AccessToken::new(format!("1000.access.{i}"), expires, scopes.clone()));
        store.inner.save(&key, &TokenRecord::from_parts(&key, &parts, sb.clock().now_system())).await.expect("save");
    }
    let users: Vec<String> = (0..1000).map(|i| format!("user-{i}")).collect();
    let calls = users.iter().flat_map(|u| (0..5).map(move |_| u)).map(|u| tenants.client(u));
    let clients = futures::future::join_all(calls).await;
    assert!(clients.iter().all(Result::is_ok));
    assert_eq!(store.loads(), 1000);
    let stats = tenants.stats();
    assert_eq!((stats.loaded, stats.loads, stats.store_reads), (1000, 1000, 1000));
    sb.shutdown().await;
}

/// A registry per "process", each with its own Redis connection; every user's rate window in
/// Redis, on the sandbox's virtual clock. The store's timeout is a bound against a hung server,
/// never reached by one that answers or is gone (a killed server's refusal is seen at once); it
/// was 500 ms, which a Redis busy for longer (on a loaded CI machine) turned into failed loads.
async fn redis_registry(sb: &Sandbox, url: &str, idle: Duration) -> (Tenants<Reader>, Counted<RedisStore>) {
    let store = Counted::new(
        RedisStore::builder(url).prefix("tenants").timeout(Duration::from_secs(30)).connect().await.expect("redis"),
    );
    let windows = store.inner.clone();
    let (clock, limiter_clock, window_clock) = (sb.clock(), sb.clock(), sb.clock());
    let sleeper = VirtualSleep(sb.clock(), Arc::new(Mutex::new(())));
    let tenants = Tenants::builder::<Reader>(oauth(sb), store.clone())
        .client(Client::builder().api_base(sb.api_url(Dc::Us)).retry(RetryPolicy::never()))
        .rate_limiter(move |key| {
            let (c, w) = (limiter_clock.clone(), window_clock.clone());
            RateLimiter::shared(
                windows.rate_window(&key.id()).virtual_clock(move || w.now_system()),
                100,
                Duration::from_secs(120),
                Duration::from_secs(3600),
                move || c.now_system(),
                sleeper.clone(),
            )
        })
        .clock(move || clock.now_system())
        .idle_timeout(idle)
        .build()
        .expect("registry");
    (tenants, store)
}

/// With the window in Redis, a user is forgotten as soon as they are idle, and neither the
/// reload nor the other process gets a fresh window: 100 calls in two minutes across two
/// processes and an eviction, and the 101st waits; no 429.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_per_user_window_survives_eviction_and_spans_processes() {
    let Some(server) = redis::start() else { return };
    let sb = sandbox().await;
    let (a, a_store) = redis_registry(&sb, &server.url(), Duration::from_secs(10)).await;
    let (b, _) = redis_registry(&sb, &server.url(), Duration::from_secs(10)).await;
    web_sign_in(&sb, &a, "ana", "ana@example.com").await;
    let start = sb.clock().now_system();
    for _ in 0..60 {
        a.client("ana").await.expect("ana on a").send(ListPortals).await.expect("call");
    }
    sb.clock().advance(Duration::from_secs(11));
    assert_eq!(a.evict_idle(), 1, "the window is in Redis: nothing is lost");
    for _ in 0..40 {
        b.client("ana").await.expect("ana on b").send(ListPortals).await.expect("call");
    }
    let reads = a_store.loads();
    a.client("ana").await.expect("ana reloaded").send(ListPortals).await.expect("the 101st call waits");
    assert_eq!(a_store.loads(), reads + 1, "one store read to reload");
    assert_eq!(sb.counters().api_rate_limited, 0, "no 429");
    assert!(sb.clock().now_system().duration_since(start).expect("later") >= Duration::from_secs(120));
    sb.shutdown().await;
}

/// Two processes serving the same five users through two expiries: each user's token is
/// refreshed once per expiry between them, evicted or not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_one_refresh_per_user_per_expiry_across_processes() {
    let Some(server) = redis::start() else { return };
    let sb = sandbox().await;
    let (a, _) = redis_registry(&sb, &server.url(), Duration::from_secs(600)).await;
    let (b, _) = redis_registry(&sb, &server.url(), Duration::from_secs(600)).await;
    let users = ["u0", "u1", "u2", "u3", "u4"];
    for (i, user) in users.iter().enumerate() {
        web_sign_in(&sb, &a, user, &format!("user{i}@example.com")).await;
    }
    for expiry in 1..=2u64 {
        sb.clock().advance(Duration::from_secs(3600));
        let calls = users.iter().flat_map(|u| {
            [&a, &b, &a, &b].map(|t| async move { t.client(u).await.expect("client").send(ListPortals).await })
        });
        for result in futures::future::join_all(calls).await {
            result.expect("call after expiry");
        }
        assert_eq!(sb.counters().refresh_grants, 5 * expiry, "one refresh per user per expiry");
        assert_eq!(a.stats().refreshes + b.stats().refreshes, 5 * expiry);
        // Forget everyone in one process: the next expiry is still refreshed once.
        sb.clock().advance(Duration::from_secs(601));
        a.evict_idle();
    }
    assert_eq!(sb.counters().api_rate_limited, 0);
    sb.shutdown().await;
}

/// Removing a user revokes their refresh token at Zoho and deletes the record in Redis: the
/// other process cannot load them any more, and a client still held fails.
#[tokio::test]
async fn redis_removal_revokes_and_deletes_for_every_process() {
    let Some(server) = redis::start() else { return };
    let sb = sandbox().await;
    let (a, a_store) = redis_registry(&sb, &server.url(), Duration::from_secs(600)).await;
    let (b, _) = redis_registry(&sb, &server.url(), Duration::from_secs(600)).await;
    web_sign_in(&sb, &a, "ana", "ana@example.com").await;
    web_sign_in(&sb, &a, "bo", "bo@example.com").await;
    let held = b.client("ana").await.expect("ana on b");
    held.send(ListPortals).await.expect("call");
    let revocations = sb.counters().revocations;

    a.remove("ana").await.expect("removed");
    assert_eq!(sb.counters().revocations, revocations + 1);
    assert!(a_store.inner.load(&a.key("ana")).await.expect("read").is_none(), "the record is gone");
    assert!(!a.is_loaded("ana"));
    assert_eq!(a.stats().removed, 1);
    assert!(held.send(ListPortals).await.is_err(), "the revoked token is refused");
    drop(held);
    sb.clock().advance(Duration::from_secs(601));
    b.evict_idle();
    assert!(matches!(b.client("ana").await, Err(TenantError::NotSignedIn { .. })));
    // The other user is untouched.
    b.client("bo").await.expect("bo").send(ListPortals).await.expect("bo's call");
    sb.shutdown().await;
}

/// A `redis-server` that keeps its data on disk (append-only file) and can be killed and
/// started again on the same port.
struct DurableRedis {
    child: Option<std::process::Child>,
    port: u16,
    dir: tempfile::TempDir,
}

impl DurableRedis {
    fn start() -> Self {
        // The port is free when asked for, but may be taken before redis-server binds it: then
        // it exits, and the next attempt takes another port.
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
            let mut me = DurableRedis { child: None, port, dir: tempfile::tempdir().expect("dir") };
            if me.launch() {
                return me;
            }
        }
        panic!("redis-server could not bind a free port in 5 attempts");
    }
    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
    fn restart(&mut self) {
        assert!(self.launch(), "redis-server did not restart on port {}", self.port);
    }

    /// Starts redis-server on this port and data directory; answers whether it came up (it
    /// answers PING with PONG) rather than exiting (the port was taken).
    fn launch(&mut self) -> bool {
        let dir = self.dir.path().to_str().expect("utf-8 path").to_owned();
        let mut child = std::process::Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--dir", &dir])
            .args(["--appendonly", "yes", "--appendfsync", "always"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("redis-server");
        // Back when it answers PING with PONG: while it replays its append-only file it
        // accepts connections but answers LOADING.
        for _ in 0..3000 {
            if matches!(child.try_wait(), Ok(Some(_))) {
                return false;
            }
            if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
                use std::io::{Read, Write};
                // A poll, not a bound: a late answer is asked for again.
                let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
                let mut buf = [0u8; 7];
                if s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n" {
                    self.child = Some(child);
                    return true;
                }
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("redis-server did not answer PING");
    }
}

impl Drop for DurableRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Redis killed while users are evicted: loading one is a typed, transient error and nothing
/// is cached; once Redis is back the same registry loads and serves them.
#[tokio::test]
async fn redis_killed_then_back_the_registry_recovers() {
    // Skips (or fails under CI) exactly as the other Redis tests when redis-server is missing.
    let Some(probe) = redis::start() else { return };
    drop(probe);
    let mut server = DurableRedis::start();
    let sb = sandbox().await;
    let (tenants, store) = redis_registry(&sb, &server.url(), Duration::from_secs(10)).await;
    web_sign_in(&sb, &tenants, "ana", "ana@example.com").await;
    sb.clock().advance(Duration::from_secs(11));
    assert_eq!(tenants.evict_idle(), 1);

    server.kill();
    match tenants.client("ana").await {
        Err(e @ TenantError::Store(StoreError::Unavailable(_))) => assert!(e.is_transient()),
        other => panic!("expected Store(Unavailable), got {other:?}"),
    }
    assert!(!tenants.is_loaded("ana"), "a failed load is not remembered");
    assert_eq!(tenants.stats().loaded, 0);

    server.restart();
    let reads = store.loads();
    tenants.client("ana").await.expect("back").send(ListPortals).await.expect("call after the restart");
    assert_eq!(store.loads(), reads + 1);
    assert_eq!(sb.counters().api_rate_limited, 0);
    sb.shutdown().await;
}

/// The `metrics` counters (feature `metrics`), read by a recorder: each says what happened
/// against the strict sandbox, exactly, and agrees with `stats()`.
#[tokio::test]
async fn metrics_count_loads_evictions_refreshes_and_throttling() {
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    // This thread's recorder: the test runs on a current-thread runtime (the sandbox, the
    // registry and its refresh task all run here), and other tests do not count into it.
    let _recorder = metrics::set_default_local_recorder(&recorder);

    let sb = sandbox().await;
    let dir = tempfile::tempdir().expect("dir");
    let file = FileStore::new(dir.path().join("tokens.json"));
    let signer = registry(&sb, file.clone(), Duration::from_secs(900));
    web_sign_in(&sb, &signer, "ana", "ana@example.com").await;
    web_sign_in(&sb, &signer, "bo", "bo@example.com").await;
    drop(signer);

    // Two calls per two minutes, no waiting: the third call is throttled by the limiter.
    let (clock, limiter_clock) = (sb.clock(), sb.clock());
    let tenants = Tenants::builder::<Reader>(oauth(&sb), file)
        .client(Client::builder().api_base(sb.api_url(Dc::Us)).retry(RetryPolicy::never()))
        .rate_limiter(move |_| {
            let c = limiter_clock.clone();
            RateLimiter::with_parts(2, Duration::from_secs(120), Duration::ZERO, move || c.now_system(), |_| async {})
        })
        .clock(move || clock.now_system())
        .idle_timeout(Duration::from_secs(300))
        .build()
        .expect("registry");
    let ana = tenants.client("ana").await.expect("ana");
    ana.send(ListPortals).await.expect("call 1");
    ana.send(ListPortals).await.expect("call 2");
    assert!(matches!(ana.send(ListPortals).await, Err(zoho_projects::Error::RateLimited { .. })));
    drop(ana);
    assert!(matches!(tenants.client("nobody").await, Err(TenantError::NotSignedIn { .. })));
    // Two hours on: ana's token has expired and she is idle; she goes, comes back with one read,
    // and her next call refreshes her token.
    sb.clock().advance(Duration::from_secs(7200));
    assert_eq!(tenants.evict_idle(), 1);
    tenants.client("ana").await.expect("ana again").send(ListPortals).await.expect("call after the refresh");
    tenants.remove("bo").await.expect("bo removed");

    let mut counters = std::collections::BTreeMap::new();
    let mut gauges = std::collections::BTreeMap::new();
    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        let name = key.key().name().to_owned();
        assert!(key.key().labels().next().is_none(), "{name}: no labels (a user key is never one)");
        match value {
            DebugValue::Counter(n) => counters.insert(name, n),
            DebugValue::Gauge(g) => gauges.insert(name, g.into_inner() as u64),
            DebugValue::Histogram(_) => panic!("{name}: no histograms"),
        };
    }
    let expected = [
        ("zoho_tenants_evicted_total", 1),
        ("zoho_tenants_loaded_total", 2),
        ("zoho_tenants_refreshed_total", 1),
        ("zoho_tenants_removed_total", 1),
        ("zoho_tenants_signed_in_total", 2),
        ("zoho_tenants_store_reads_total", 3),
        ("zoho_tenants_throttled_total", 1),
    ];
    let expected: std::collections::BTreeMap<String, u64> =
        expected.iter().map(|(n, v)| ((*n).to_owned(), *v)).collect();
    assert_eq!(counters, expected);
    assert_eq!(gauges.get("zoho_tenants_in_memory"), Some(&1), "ana is held");
    let stats = tenants.stats();
    assert_eq!(
        (stats.loads, stats.store_reads, stats.evicted, stats.refreshes, stats.throttled, stats.removed, stats.loaded),
        (2, 3, 1, 1, 1, 1, 1)
    );
    assert_eq!(sb.counters().refresh_grants, 1);
    assert_eq!(sb.counters().api_rate_limited, 0, "the throttled call never reached Zoho");
    sb.shutdown().await;
}

/// Two registries in one process (one per scope set, say): the `metrics` gauge of users in
/// memory is the process's, their sum, and a dropped registry's users leave it.
#[tokio::test]
async fn the_in_memory_gauge_adds_up_every_registry_of_the_process() {
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _recorder = metrics::set_default_local_recorder(&recorder);
    // A snapshot hands out what moved since the last one (it swaps the values to zero).
    let gauge = std::cell::Cell::new(None::<f64>);
    let in_memory = || {
        for (key, _, _, value) in snapshotter.snapshot().into_vec() {
            if let DebugValue::Gauge(g) = value
                && key.key().name() == "zoho_tenants_in_memory"
            {
                gauge.set(Some(gauge.get().unwrap_or(0.0) + g.into_inner()));
            }
        }
        gauge.get()
    };

    let sb = sandbox().await;
    let dir = tempfile::tempdir().expect("dir");
    let file = FileStore::new(dir.path().join("tokens.json"));
    let first = registry(&sb, file.clone(), Duration::from_secs(900));
    for (user, email) in USERS {
        web_sign_in(&sb, &first, user, email).await;
    }
    assert_eq!(in_memory(), Some(3.0));
    let second = registry(&sb, file, Duration::from_secs(900));
    drop(second.client("ana").await.expect("ana"));
    assert_eq!(in_memory(), Some(4.0), "three users in the first registry, one in the second");
    assert_eq!(first.stats().loaded + second.stats().loaded, 4);
    first.remove("cy").await.expect("cy removed");
    assert_eq!(in_memory(), Some(3.0), "a removed user went");

    sb.clock().advance(Duration::from_secs(901));
    assert_eq!(second.evict_idle(), 1);
    assert_eq!(in_memory(), Some(2.0), "an evicted user went");
    drop(second.client("bo").await.expect("bo"));
    assert_eq!(in_memory(), Some(3.0));
    drop(second);
    assert_eq!(in_memory(), Some(2.0), "the dropped registry's user left with it");
    assert_eq!(first.stats().loaded, 2);
    drop(first);
    assert_eq!(in_memory(), Some(0.0));
    sb.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Attacks on the registry (issue 20): each test is one attack, run against the strict sandbox.
// ---------------------------------------------------------------------------------------------

/// Waits until the sandbox has seen `n` requests on `route`, by yielding (on tokio's paused
/// clock no time passes meanwhile, so an answer the sandbox delays stays delayed).
async fn until_seen(sb: &Sandbox, route: &Route, n: u64) {
    for _ in 0..100_000 {
        if sb.counters().requests(route) >= n {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("the sandbox never saw request {n} on {route:?}");
}

/// A registry over `store` on the sandbox's clock whose users may make `calls` calls per two
/// minutes and never wait for a slot: a call beyond them is refused by the limiter (so what a
/// user's window holds shows), before it reaches Zoho.
fn counting_registry<T: TokenStore>(sb: &Sandbox, store: T, calls: usize, idle: Duration) -> TenantsBuilder<Reader> {
    let (clock, limiter_clock) = (sb.clock(), sb.clock());
    Tenants::builder::<Reader>(oauth(sb), store)
        .client(Client::builder().api_base(sb.api_url(Dc::Us)).retry(RetryPolicy::never()))
        .rate_limiter(move |_| {
            let c = limiter_clock.clone();
            RateLimiter::with_parts(
                calls,
                Duration::from_secs(120),
                Duration::ZERO,
                move || c.now_system(),
                |_| async {},
            )
        })
        .clock(move || clock.now_system())
        .idle_timeout(idle)
}

/// Attack: forget a user while a call of theirs is under way (Zoho answers late), by the idle
/// sweep and by the capacity. Neither takes them (the other, quiet users go instead); the call
/// ends with their token and counts in their window; once that window is empty they go, and
/// come back with one store read. Paused tokio time: the sandbox's delay passes only when the
/// test awaits the call.
#[tokio::test(start_paused = true)]
async fn a_call_under_way_keeps_its_user_through_idle_and_capacity_eviction() {
    let sb = sandbox().await;
    let memory = MemoryStore::new();
    let signer = registry(&sb, memory.clone(), Duration::from_secs(900));
    for (user, email) in USERS {
        web_sign_in(&sb, &signer, user, email).await;
    }
    drop(signer);
    let store = Counted::new(memory.clone());
    let tenants =
        counting_registry(&sb, store.clone(), 2, Duration::from_secs(300)).capacity(1).build().expect("registry");
    drop(tenants.client("bo").await.expect("bo"));

    sb.inject(Fault::delay(Duration::from_secs(1)).on(Route::Api).times(1));
    let ana = tenants.client("ana").await.expect("ana");
    let before = sb.counters().requests(&Route::Api);
    let mut call = ana.send(ListPortals);
    tokio::select! {
        biased;
        _ = &mut call => panic!("the delayed call was answered early"),
        () = until_seen(&sb, &Route::Api, before + 1) => {}
    }
    // The call is at Zoho. Five minutes on, everyone is idle, and two users are loaded for a
    // capacity of one.
    sb.clock().advance(Duration::from_secs(301));
    assert_eq!(tenants.evict_idle(), 1, "bo goes; ana's call is under way");
    assert!(tenants.is_loaded("ana") && !tenants.is_loaded("bo"));
    drop(tenants.client("cy").await.expect("cy"));
    assert_eq!(tenants.evict_idle(), 1, "over the capacity, cy goes instead of ana, the least recently used");
    assert!(tenants.is_loaded("ana") && !tenants.is_loaded("cy"));

    call.await.expect("the call ends well");
    let ana_token = format!("Zoho-oauthtoken {}", stored_token(&memory, &tenants, "ana").await);
    assert_eq!(api_tokens_seen(&sb).last(), Some(&ana_token), "it carried ana's token");
    // It counts in ana's window: one more call passes, the next is refused before Zoho.
    ana.send(ListPortals).await.expect("second call");
    assert!(matches!(ana.send(ListPortals).await, Err(zoho_projects::Error::RateLimited { .. })));
    drop(ana);
    assert_eq!(tenants.evict_idle(), 0, "her window is full");
    assert!(tenants.is_loaded("ana"));

    sb.clock().advance(Duration::from_secs(301));
    assert_eq!(tenants.evict_idle(), 1, "idle, window empty: she goes");
    let reads = store.loads();
    tenants.client("ana").await.expect("ana again").send(ListPortals).await.expect("call after the reload");
    assert_eq!(store.loads(), reads + 1, "one store read to come back");
    assert_eq!(api_tokens_seen(&sb).last(), Some(&ana_token));
    let counters = sb.counters();
    assert_eq!((counters.api_rate_limited, counters.refresh_grants), (0, 0));
    sb.shutdown().await;
}

/// Attack: cancel a caller while their call waits for a token refresh (Zoho's token endpoint
/// answers late), then try to forget the user. The refresh goes on in its own task and keeps
/// the user; it reaches the store; the user then goes, and comes back with one store read and
/// the refreshed token, refreshed once.
#[tokio::test(start_paused = true)]
async fn a_refresh_left_running_by_a_cancelled_caller_keeps_the_user_and_reaches_the_store() {
    let sb = sandbox().await;
    let memory = MemoryStore::new();
    let store = Counted::new(memory.clone());
    let tenants = registry(&sb, store.clone(), Duration::from_secs(300));
    web_sign_in(&sb, &tenants, "ana", "ana@example.com").await;
    sb.clock().advance(Duration::from_secs(3600));
    let expired = stored_token(&memory, &tenants, "ana").await;

    sb.inject(Fault::delay(Duration::from_secs(1)).on(Route::Token).times(1));
    let ana = tenants.client("ana").await.expect("ana");
    let before = sb.counters().requests(&Route::Token);
    {
        let call = ana.send(ListPortals);
        tokio::pin!(call);
        tokio::select! {
            biased;
            _ = &mut call => panic!("the delayed refresh was answered early"),
            () = until_seen(&sb, &Route::Token, before + 1) => {}
        }
    } // the caller gives up: its call is dropped mid-refresh
    drop(ana);
    sb.clock().advance(Duration::from_secs(301));
    assert_eq!(tenants.evict_idle(), 0, "idle and no handle held, but the refresh is under way");
    assert!(tenants.is_loaded("ana"));

    // The refresh ends (the single-flight lock frees): its token is in the store.
    let manager = tenants.manager("ana").expect("still loaded");
    assert_eq!(manager.backoff_until().await, None, "the refresh succeeded");
    drop(manager);
    let refreshed = stored_token(&memory, &tenants, "ana").await;
    assert_ne!(refreshed, expired);
    assert_eq!(sb.counters().refresh_grants, 1);

    sb.clock().advance(Duration::from_secs(301));
    assert_eq!(tenants.evict_idle(), 1, "the refresh is over: she goes");
    let reads = store.loads();
    tenants.client("ana").await.expect("ana again").send(ListPortals).await.expect("call after the reload");
    assert_eq!(store.loads(), reads + 1, "one store read to come back");
    assert_eq!(api_tokens_seen(&sb), vec![format!("Zoho-oauthtoken {refreshed}")], "the cancelled call sent nothing");
    let counters = sb.counters();
    assert_eq!((counters.refresh_grants, counters.api_rate_limited), (1, 0), "the refresh was not made twice");
    sb.shutdown().await;
}

/// Attack: two OS threads read a held user's token on the lock-free fast path (the manager's
/// and the registry's) while the token is refreshed, then while the user is removed. Once the
/// refresh is visible (the store holds the new token and the manager hands it out) neither
/// thread gets the old token again; once `remove` returned, neither gets any token. Handles
/// taken before the removal stay dead after the user signs in anew (decided: a removed user's
/// handles never come back; only new ones carry the new token).
#[test]
fn threads_on_the_fast_path_never_see_the_old_token_after_a_refresh_nor_any_after_removal() {
    use std::sync::atomic::AtomicU8;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let memory = MemoryStore::new();
    let (sb, tenants) = rt.block_on(async {
        let sb = sandbox().await;
        let tenants = registry(&sb, memory.clone(), Duration::from_secs(900));
        web_sign_in(&sb, &tenants, "ana", "ana@example.com").await;
        (sb, tenants)
    });
    let client = rt.block_on(tenants.client("ana")).expect("ana");
    rt.block_on(client.send(ListPortals)).expect("call");
    let manager = tenants.manager("ana").expect("loaded");
    let old = manager.cached().expect("a token");

    // 0: before the refresh; 1: the refresh is visible; 2: removed; 3: stop.
    let phase = AtomicU8::new(0);
    let stale = AtomicUsize::new(0);
    let after_removal = AtomicUsize::new(0);
    let checks = [[AtomicUsize::new(0), AtomicUsize::new(0)], [AtomicUsize::new(0), AtomicUsize::new(0)]];
    let until_checked = |p: usize| {
        for _ in 0..10_000_000 {
            if checks.iter().all(|c| c[p].load(Ordering::SeqCst) >= 20_000) {
                return;
            }
            std::thread::yield_now();
        }
        panic!("the threads did not check in phase {p}");
    };
    let fresh = std::thread::scope(|s| {
        for mine in &checks {
            let (phase, stale, after_removal, manager, tenants, old) =
                (&phase, &stale, &after_removal, &manager, &tenants, &old);
            s.spawn(move || {
                loop {
                    let p = phase.load(Ordering::SeqCst);
                    let held = manager.cached();
                    let looked_up = tenants.cached_token("ana");
                    match p {
                        1 => {
                            // `None` once the removal below has begun (this round read the
                            // phase before): only the old token is a failure.
                            let is_old = |t: &Option<AccessToken>| t.as_ref().is_some_and(|t| t.same_secret(old));
                            stale.fetch_add(
                                usize::from(is_old(&held)) + usize::from(is_old(&looked_up)),
                                Ordering::SeqCst,
                            );
                            let is_fresh = |t: &Option<AccessToken>| t.as_ref().is_some_and(|t| !t.same_secret(old));
                            if is_fresh(&held) && is_fresh(&looked_up) {
                                mine[0].fetch_add(1, Ordering::SeqCst);
                            }
                        }
                        2 => {
                            after_removal.fetch_add(
                                usize::from(held.is_some()) + usize::from(looked_up.is_some()),
                                Ordering::SeqCst,
                            );
                            mine[1].fetch_add(1, Ordering::SeqCst);
                        }
                        3 => break,
                        _ => {}
                    }
                }
            });
        }
        // However the main thread leaves this scope (an assertion failing too), the threads stop.
        struct Stop<'a>(&'a AtomicU8);
        impl Drop for Stop<'_> {
            fn drop(&mut self) {
                self.0.store(3, Ordering::SeqCst);
            }
        }
        let _stop = Stop(&phase);
        let fresh = rt.block_on(manager.refresh_now()).expect("refreshed");
        let stored = rt.block_on(stored_token(&memory, &tenants, "ana"));
        assert_eq!(stored, fresh.expose_secret(), "the store holds the new token");
        assert!(manager.cached().is_some_and(|t| t.same_secret(&fresh)), "the manager says so");
        phase.store(1, Ordering::SeqCst);
        until_checked(0);
        rt.block_on(tenants.remove("ana")).expect("removed");
        phase.store(2, Ordering::SeqCst);
        until_checked(1);
        fresh
    });
    assert_eq!(stale.load(Ordering::SeqCst), 0, "no thread got the old token after the refresh was visible");
    assert_eq!(after_removal.load(Ordering::SeqCst), 0, "no thread got a token after the removal");

    // The held handles: no token, no request; and Zoho refuses the last token they held.
    let api = sb.counters().requests(&Route::Api);
    assert!(matches!(rt.block_on(client.send(ListPortals)), Err(zoho_projects::Error::NotLoggedIn { .. })));
    assert!(matches!(rt.block_on(manager.token()), Err(ManagerError::Removed { .. })));
    assert_eq!(sb.counters().requests(&Route::Api), api, "nothing was sent");
    let refused = rt.block_on(
        reqwest::Client::new()
            .get(sb.api_url(Dc::Us).join("api/v3/portals").expect("url"))
            .header("Authorization", format!("Zoho-oauthtoken {}", fresh.expose_secret()))
            .send(),
    );
    assert_eq!(refused.expect("answer").status().as_u16(), 401, "the removed user's last token is revoked");

    // Ana signs in anew: the old handles stay dead; a new client carries the new token.
    rt.block_on(web_sign_in(&sb, &tenants, "ana", "ana@example.com"));
    let api = sb.counters().requests(&Route::Api);
    assert!(matches!(rt.block_on(client.send(ListPortals)), Err(zoho_projects::Error::NotLoggedIn { .. })));
    assert!(matches!(rt.block_on(manager.token()), Err(ManagerError::Removed { .. })));
    assert!(manager.cached().is_none());
    assert_eq!(sb.counters().requests(&Route::Api), api, "the old handles sent nothing with the new token");
    let new_client = rt.block_on(tenants.client("ana")).expect("ana anew");
    rt.block_on(new_client.send(ListPortals)).expect("a new handle calls");
    let current = rt.block_on(stored_token(&memory, &tenants, "ana"));
    assert_eq!(api_tokens_seen(&sb).last(), Some(&format!("Zoho-oauthtoken {current}")));
    assert_eq!(sb.counters().api_rate_limited, 0);
    rt.block_on(sb.shutdown());
}

/// A listener on 127.0.0.1 that counts the connections made to it (an attacker's server).
fn counting_listener() -> (Url, Arc<AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = Url::parse(&format!("http://{}", listener.local_addr().expect("addr"))).expect("url");
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            count.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (url, accepted)
}

/// Attack: whoever can write the shared store plants a record under ana's key that holds bo's
/// valid access token and a refresh token, and names the planter's accounts server. Loading
/// ana is refused with a typed error before anything is sent: no call goes out as bo for ana,
/// and no connection reaches the planter (with the refresh token or the client secret). The
/// record stays as it is; bo and the other users are untouched.
#[tokio::test]
async fn a_record_planted_under_a_users_key_naming_an_untrusted_server_is_refused_at_load() {
    let sb = sandbox().await;
    let memory = MemoryStore::new();
    let tenants = registry(&sb, memory.clone(), Duration::from_secs(900));
    web_sign_in(&sb, &tenants, "bo", "bo@example.com").await;
    let (planter, accepted) = counting_listener();
    let bos = memory.load(&tenants.key("bo")).await.expect("read").expect("bo's record");
    let mut parts = bos.to_parts();
    parts.accounts_server = Some(planter.clone());
    let planted = TokenRecord::from_parts(&tenants.key("ana"), &parts, sb.clock().now_system());
    memory.save(&tenants.key("ana"), &planted).await.expect("plant");

    match tenants.client("ana").await {
        Err(TenantError::OAuth(zoho_projects::OAuthError::UntrustedAccountsServer { .. })) => {}
        other => panic!("expected UntrustedAccountsServer, got {other:?}"),
    }
    assert!(!tenants.is_loaded("ana"));
    assert_eq!(tenants.stats().loads, 0);
    // Once more, after the access token has expired: still refused, still nothing sent.
    sb.clock().advance(Duration::from_secs(3600));
    assert!(matches!(tenants.client("ana").await, Err(TenantError::OAuth(_))));
    assert_eq!(accepted.load(Ordering::SeqCst), 0, "no connection reached the planter");
    assert!(api_tokens_seen(&sb).is_empty(), "no call went out");
    let kept = memory.load(&tenants.key("ana")).await.expect("read").expect("kept");
    assert_eq!(kept.accounts_server, planted.accounts_server, "the planted record is left as it is");
    tenants.client("bo").await.expect("bo").send(ListPortals).await.expect("bo's own call");
    assert_eq!(sb.counters().refresh_grants, 1, "bo's expired token was refreshed at the sandbox");
    assert_eq!(accepted.load(Ordering::SeqCst), 0);
    sb.shutdown().await;
}

/// Attack: in each of 20 rounds three tasks on two threads use a user for the first time at
/// once (the first round with an expired token), while another task forgets every user it can
/// in a loop (idle timeout zero), and the round ends with the user forgotten. Never two managers
/// refresh the user at once: the sandbox sees one token request in all. Every load is one store
/// read and none is lost count of; every call carries the refreshed token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eviction_racing_first_uses_refreshes_once_and_counts_every_load() {
    let sb = sandbox().await;
    let store = Counted::new(MemoryStore::new());
    let signer = registry(&sb, store.inner.clone(), Duration::from_secs(900));
    web_sign_in(&sb, &signer, "ana", "ana@example.com").await;
    drop(signer);
    sb.clock().advance(Duration::from_secs(3600));
    let clock = sb.clock();
    // No rate limiter: a user is then forgettable whenever no handle is held, which is the
    // attack (61 calls stay under Zoho's 100 per 2 minutes, which the sandbox enforces).
    let tenants = Tenants::builder::<Reader>(oauth(&sb), store.clone())
        .client(Client::builder().api_base(sb.api_url(Dc::Us)).retry(RetryPolicy::never()).no_rate_limit())
        .clock(move || clock.now_system())
        .idle_timeout(Duration::ZERO)
        .build()
        .expect("registry");
    let token_requests = sb.counters().requests(&Route::Token);

    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let evictor = {
        let (tenants, stop) = (tenants.clone(), Arc::clone(&stop));
        tokio::spawn(async move {
            let mut evicted = 0;
            for _ in 0..10_000_000 {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                evicted += tenants.evict_idle();
                tokio::task::yield_now().await;
            }
            evicted
        })
    };
    let mut evicted_between_rounds = 0;
    for _round in 0..20 {
        let callers: Vec<_> = (0..3)
            .map(|_| {
                let tenants = tenants.clone();
                tokio::spawn(async move {
                    let client = tenants.client("ana").await.expect("client");
                    client.send(ListPortals).await.expect("call");
                })
            })
            .collect();
        for caller in callers {
            caller.await.expect("no panic");
        }
        evicted_between_rounds += tenants.evict_idle();
        assert!(!tenants.is_loaded("ana"), "no handle is held after a round");
    }
    stop.store(true, Ordering::SeqCst);
    let evicted = evictor.await.expect("no panic") + evicted_between_rounds;

    assert_eq!(sb.counters().requests(&Route::Token) - token_requests, 1, "one token request in all");
    assert_eq!(sb.counters().refresh_grants, 1);
    let stats = tenants.stats();
    assert_eq!(stats.evicted, evicted as u64);
    assert!(stats.loads >= 20, "loaded again every round: {stats:?}");
    assert_eq!(stats.store_reads, stats.loads, "every read loaded the user");
    assert_eq!(stats.loaded as u64, stats.loads - stats.evicted, "every load was evicted: {stats:?}");
    let refreshed = format!("Zoho-oauthtoken {}", stored_token(&store.inner, &tenants, "ana").await);
    let seen = api_tokens_seen(&sb);
    assert_eq!(seen.len(), 60);
    assert!(seen.iter().all(|t| *t == refreshed), "every call carried the refreshed token");

    // Quiet now: she goes, and comes back with one store read and no refresh.
    tenants.evict_idle();
    assert_eq!(tenants.stats().loaded, 0);
    let (reads, loads) = (store.loads(), tenants.stats().loads);
    tenants.client("ana").await.expect("ana").send(ListPortals).await.expect("call");
    assert_eq!((store.loads(), tenants.stats().loads), (reads + 1, loads + 1));
    assert_eq!(sb.counters().refresh_grants, 1);
    assert_eq!(sb.counters().api_rate_limited, 0);
    sb.shutdown().await;
}

/// Attack: two processes (registries with their own Redis connections) call as one user at
/// once, five calls each per round, and the user is forgotten by both after every round and
/// by a task sweeping in a loop meanwhile: reloaded mid-window again and again. 150 calls:
/// the sandbox sees at most 100 in any 2 minutes and answers none with 429.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_two_processes_evicting_and_reloading_mid_window_stay_under_zohos_limit() {
    let Some(server) = redis::start() else { return };
    let sb = sandbox().await;
    let (a, a_store) = redis_registry(&sb, &server.url(), Duration::ZERO).await;
    let (b, b_store) = redis_registry(&sb, &server.url(), Duration::ZERO).await;
    web_sign_in(&sb, &a, "ana", "ana@example.com").await;
    let start = sb.clock().now_system();
    let reads_before = [a_store.loads(), b_store.loads()];

    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sweeper = {
        let (a, b, stop) = (a.clone(), b.clone(), Arc::clone(&stop));
        tokio::spawn(async move {
            for _ in 0..10_000_000 {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                a.evict_idle();
                b.evict_idle();
                tokio::task::yield_now().await;
            }
        })
    };
    for _round in 0..15 {
        let calls = [&a, &b].into_iter().flat_map(|t| {
            (0..5).map(move |_| async move { t.client("ana").await.expect("client").send(ListPortals).await })
        });
        for result in futures::future::join_all(calls).await {
            result.expect("call");
        }
        a.evict_idle();
        b.evict_idle();
    }
    stop.store(true, Ordering::SeqCst);
    sweeper.await.expect("no panic");

    let counters = sb.counters();
    assert_eq!(counters.api_rate_limited, 0, "no 429");
    let mut at: Vec<i64> =
        sb.requests_seen().into_iter().filter(|r| r.path_and_query.starts_with("/api/v3/")).map(|r| r.at_ms).collect();
    assert_eq!(at.len(), 150);
    at.sort_unstable();
    let busiest = (0..at.len()).map(|i| at[i..].iter().take_while(|t| **t - at[i] < 120_000).count()).max();
    assert!(busiest.is_some_and(|n| n <= 100), "at most 100 calls in any 2 minutes: {busiest:?}");
    assert!(sb.clock().now_system().duration_since(start).expect("later") >= Duration::from_secs(120), "calls waited");
    for (t, store, before) in [(&a, &a_store, reads_before[0]), (&b, &b_store, reads_before[1])] {
        let stats = t.stats();
        assert!(stats.evicted >= 15, "forgotten at least once a round: {stats:?}");
        assert_eq!(stats.loaded as u64 + stats.evicted, stats.loads + stats.signed_in, "{stats:?}");
        assert_eq!(stats.store_reads, stats.loads);
        assert_eq!(
            (store.loads() - before) as u64,
            stats.store_reads,
            "no read but the loads (the token stayed valid)"
        );
    }
    sb.shutdown().await;
}

/// A store whose reads wait while a gate is closed (held for writing), over a real store.
#[derive(Clone)]
struct Gated<T> {
    inner: T,
    gate: Arc<tokio::sync::RwLock<()>>,
}

#[async_trait]
impl<T: TokenStore> TokenStore for Gated<T> {
    async fn load(&self, key: &StoreKey) -> Result<Option<TokenRecord>, StoreError> {
        let _open = self.gate.read().await;
        self.inner.load(key).await
    }
    async fn save(&self, key: &StoreKey, record: &TokenRecord) -> Result<(), StoreError> {
        self.inner.save(key, record).await
    }
    async fn save_locked(&self, key: &StoreKey, record: &TokenRecord, lock: &StoreLock) -> Result<(), StoreError> {
        self.inner.save_locked(key, record, lock).await
    }
    async fn remove(&self, key: &StoreKey) -> Result<(), StoreError> {
        self.inner.remove(key).await
    }
    async fn lock(&self, key: &StoreKey, ttl: Duration, wait: Duration) -> Result<StoreLock, StoreError> {
        self.inner.lock(key, ttl, wait).await
    }
}

/// Attack: callers of `client(user)` dropped while the store read of the user's first use
/// waits, first alone, then while another caller waits on the same load. Nothing half-loaded
/// stays: the user is not loaded, nothing counts as a load; the next caller (or the one that
/// waited) loads with one store read of its own and calls as the user.
#[tokio::test]
async fn callers_cancelled_mid_load_leave_nothing_and_the_next_loads_normally() {
    let sb = sandbox().await;
    let memory = MemoryStore::new();
    let signer = registry(&sb, memory.clone(), Duration::from_secs(900));
    web_sign_in(&sb, &signer, "ana", "ana@example.com").await;
    web_sign_in(&sb, &signer, "bo", "bo@example.com").await;
    drop(signer);
    let gate = Arc::new(tokio::sync::RwLock::new(()));
    let store = Counted::new(Gated { inner: memory.clone(), gate: Arc::clone(&gate) });
    let tenants = registry(&sb, store.clone(), Duration::from_secs(900));

    // Two callers at once, both dropped while the read waits.
    let closed = gate.write().await;
    {
        let (first, second) = (tenants.client("ana"), tenants.client("ana"));
        tokio::pin!(first, second);
        let started = async {
            while store.loads() < 1 {
                tokio::task::yield_now().await;
            }
        };
        tokio::select! {
            biased;
            _ = &mut first => panic!("loaded through a closed gate"),
            _ = &mut second => panic!("loaded through a closed gate"),
            () = started => {}
        }
    }
    let stats = tenants.stats();
    assert_eq!((stats.loaded, stats.loads, stats.store_reads), (0, 0, 1), "{stats:?}");
    assert!(!tenants.is_loaded("ana") && tenants.cached_token("ana").is_none() && tenants.manager("ana").is_none());
    drop(closed);
    tenants.client("ana").await.expect("ana").send(ListPortals).await.expect("call");
    assert_eq!(store.loads(), 2, "one read of its own");
    let stats = tenants.stats();
    assert_eq!((stats.loaded, stats.loads, stats.store_reads), (1, 1, 2));

    // The loading caller is dropped while another waits on the same load: that one loads.
    let closed = gate.write().await;
    let waiter = {
        let loading = tenants.client("bo");
        tokio::pin!(loading);
        let started = async {
            while store.loads() < 3 {
                tokio::task::yield_now().await;
            }
        };
        tokio::select! {
            biased;
            _ = &mut loading => panic!("loaded through a closed gate"),
            () = started => {}
        }
        let tenants = tenants.clone();
        let waiter = tokio::spawn(async move { tenants.client("bo").await.expect("bo").send(ListPortals).await });
        for _ in 0..100 {
            tokio::task::yield_now().await;
        }
        waiter
    };
    drop(closed);
    waiter.await.expect("no panic").expect("bo's call");
    assert_eq!(store.loads(), 4, "the waiter read once itself");
    let stats = tenants.stats();
    assert_eq!((stats.loaded, stats.loads, stats.store_reads), (2, 2, 4));
    let bos = format!("Zoho-oauthtoken {}", stored_token(&memory, &tenants, "bo").await);
    assert_eq!(api_tokens_seen(&sb).last(), Some(&bos));
    sb.shutdown().await;
}

/// Attack: the record is planted while ana is loaded, holding bo's fresh token and naming the
/// planter's accounts server; ana's token has expired, so her manager reads the store for a
/// new one. It does not take the planted token: her call fails with a typed error, no call goes
/// out with bo's token for her, nothing reaches the planter; bo's own call is untouched.
#[tokio::test]
async fn a_record_planted_while_the_user_is_loaded_is_never_adopted() {
    let sb = sandbox().await;
    let memory = MemoryStore::new();
    let tenants = registry(&sb, memory.clone(), Duration::from_secs(7200));
    web_sign_in(&sb, &tenants, "ana", "ana@example.com").await;
    web_sign_in(&sb, &tenants, "bo", "bo@example.com").await;
    let ana = tenants.client("ana").await.expect("ana");
    ana.send(ListPortals).await.expect("ana's call");

    sb.clock().advance(Duration::from_secs(3600));
    tenants.client("bo").await.expect("bo").send(ListPortals).await.expect("bo's call, refreshed");
    let bos = memory.load(&tenants.key("bo")).await.expect("read").expect("bo's record");
    let (planter, accepted) = counting_listener();
    let mut parts = bos.to_parts();
    parts.accounts_server = Some(planter);
    memory
        .save(&tenants.key("ana"), &TokenRecord::from_parts(&tenants.key("ana"), &parts, sb.clock().now_system()))
        .await
        .expect("plant");

    match ana.send(ListPortals).await {
        Err(zoho_projects::Error::OAuth(zoho_projects::OAuthError::UntrustedAccountsServer { .. })) => {}
        other => panic!("expected UntrustedAccountsServer, got {other:?}"),
    }
    assert!(tenants.cached_token("ana").is_none(), "the planted token was not taken");
    let bo_header = format!("Zoho-oauthtoken {}", bos.access_token.expose_secret());
    let with_bos: usize = api_tokens_seen(&sb).iter().filter(|h| **h == bo_header).count();
    assert_eq!(with_bos, 1, "bo's token went out once, for bo");
    assert_eq!(accepted.load(Ordering::SeqCst), 0, "no connection reached the planter");
    assert_eq!(sb.counters().refresh_grants, 1, "only bo's refresh");
    sb.shutdown().await;
}

/// Attack: sign a user in while they are being removed (the removal waits for the store).
/// The sign-in is not lost: it lands after the removal, on a new entry, and a new client
/// calls with its token; the removed handle stays dead.
#[tokio::test]
async fn a_sign_in_racing_a_removal_lands_after_it() {
    let sb = sandbox().await;
    let memory = MemoryStore::new();
    let gate = Arc::new(tokio::sync::RwLock::new(()));
    let store = Counted::new(Gated { inner: memory.clone(), gate: Arc::clone(&gate) });
    let tenants = registry(&sb, store.clone(), Duration::from_secs(900));
    web_sign_in(&sb, &tenants, "ana", "ana@example.com").await;
    let held = tenants.client("ana").await.expect("ana");
    let access = sb.mint_access_token("ana@example.com", Reader::OAUTH).expect("minted");
    let token =
        Token::<Reader>::from_console(&access, "ZohoProjects.portals.READ", Duration::from_secs(3600)).expect("token");

    let closed = gate.write().await;
    let reads = store.loads();
    let removal = {
        let tenants = tenants.clone();
        tokio::spawn(async move { tenants.remove("ana").await })
    };
    while store.loads() == reads {
        tokio::task::yield_now().await; // the removal reads the record under the gate
    }
    let sign_in = {
        let tenants = tenants.clone();
        tokio::spawn(async move { tenants.sign_in("ana", token).await })
    };
    for _ in 0..100 {
        tokio::task::yield_now().await; // the sign-in waits for the removal
    }
    drop(closed);
    removal.await.expect("no panic").expect("removed");
    sign_in.await.expect("no panic").expect("signed in after the removal");

    assert_eq!(stored_token(&memory, &tenants, "ana").await, access, "the new token is stored");
    assert!(matches!(held.send(ListPortals).await, Err(zoho_projects::Error::NotLoggedIn { .. })));
    tenants.client("ana").await.expect("ana anew").send(ListPortals).await.expect("call");
    assert_eq!(api_tokens_seen(&sb).last(), Some(&format!("Zoho-oauthtoken {access}")));
    let stats = tenants.stats();
    assert_eq!((stats.loaded, stats.removed, stats.signed_in), (1, 1, 2));
    sb.shutdown().await;
}

/// Attack: remove a user while a call of theirs is at Zoho (its answer delayed). The removal
/// does not wait for the call; the call was sent with the token `remove` revokes, so Zoho
/// refuses it, and the client's one retry finds the handle retired: the call ends with a typed
/// error and nothing else is sent. Paused tokio time: the delay passes only once the removal
/// is done.
#[tokio::test(start_paused = true)]
async fn a_call_under_way_when_its_user_is_removed_ends_refused_and_sends_nothing_more() {
    let sb = sandbox().await;
    let memory = MemoryStore::new();
    let tenants = registry(&sb, memory.clone(), Duration::from_secs(900));
    web_sign_in(&sb, &tenants, "ana", "ana@example.com").await;
    let ana = tenants.client("ana").await.expect("ana");
    ana.send(ListPortals).await.expect("call");

    sb.inject(Fault::delay(Duration::from_secs(1)).on(Route::Api).times(1));
    let before = sb.counters().requests(&Route::Api);
    let mut call = ana.send(ListPortals);
    tokio::select! {
        biased;
        _ = &mut call => panic!("the delayed call was answered early"),
        () = until_seen(&sb, &Route::Api, before + 1) => {}
    }
    let revocations = sb.counters().revocations;
    tenants.remove("ana").await.expect("removed while the call is at Zoho");
    assert_eq!(sb.counters().revocations, revocations + 1);
    assert_eq!(sb.counters().requests(&Route::Api), before + 1, "the call is still waiting for its answer");

    match call.await {
        Err(zoho_projects::Error::NotLoggedIn { .. }) => {}
        other => panic!("expected NotLoggedIn after the refusal, got {other:?}"),
    }
    assert_eq!(sb.counters().requests(&Route::Api), before + 1, "nothing more was sent");
    assert_eq!(sb.counters().refresh_grants, 0, "no refresh was tried for a removed user");
    assert!(memory.load(&tenants.key("ana")).await.expect("read").is_none());
    sb.shutdown().await;
}

/// Attack: a sign-in of a new user dropped mid-way (while its login waits for the store). It
/// leaves the user in no half-loaded state: not loaded, not counted, and `client` still says
/// the user is not signed in, after one store read; the sign-in done again works.
#[tokio::test]
async fn a_sign_in_dropped_midway_leaves_no_half_loaded_user() {
    let sb = sandbox().await;
    let gate = Arc::new(tokio::sync::RwLock::new(()));
    let store = Counted::new(Gated { inner: MemoryStore::new(), gate: Arc::clone(&gate) });
    let tenants = registry(&sb, store.clone(), Duration::from_secs(900));
    sb.add_user("ana@example.com", Dc::Us);
    let access = sb.mint_access_token("ana@example.com", Reader::OAUTH).expect("minted");
    let token =
        Token::<Reader>::from_console(&access, "ZohoProjects.portals.READ", Duration::from_secs(3600)).expect("token");

    let closed = gate.write().await;
    {
        let sign_in = tenants.sign_in("ana", token.clone());
        tokio::pin!(sign_in);
        let waiting = async {
            while store.loads() < 1 {
                tokio::task::yield_now().await;
            }
        };
        tokio::select! {
            biased;
            _ = &mut sign_in => panic!("signed in through a closed gate"),
            () = waiting => {}
        }
    } // dropped while its login reads the store
    drop(closed);
    let stats = tenants.stats();
    assert_eq!((stats.loaded, stats.signed_in), (0, 0), "{stats:?}");
    assert!(!tenants.is_loaded("ana") && tenants.manager("ana").is_none());
    let reads = store.loads();
    assert!(matches!(tenants.client("ana").await, Err(TenantError::NotSignedIn { .. })));
    assert_eq!(store.loads(), reads + 1, "the first use reads the store");
    assert_eq!(tenants.stats().loaded, 0);

    // The same sign-in done: the user is there and calls as themselves.
    tenants.sign_in("ana", token).await.expect("signed in");
    tenants.client("ana").await.expect("ana").send(ListPortals).await.expect("call");
    assert_eq!(api_tokens_seen(&sb), vec![format!("Zoho-oauthtoken {access}")]);
    assert_eq!(tenants.stats().loaded, 1);
    sb.shutdown().await;
}
