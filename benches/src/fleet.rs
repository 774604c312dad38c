//! Scenario 4, fleets: 1, 2, 4, 8 processes sharing a `FileStore` or a `RedisStore`, each
//! calling the sandbox through its own `TokenManager`, through a warm round and then several
//! expiries. Counts the token requests per expiry (goal: 1 whatever the fleet size) and the
//! fleet's throughput.
//!
//! Children are the bench binary in the `fleet-worker` role. Each round the parent moves the
//! sandbox's virtual clock and sends the new time to every worker (`T <ms>`); each worker then
//! makes `concurrency` × `calls` calls and answers `@@ <ok> <failed> <elapsed µs> [error]`.

use std::io::{self, Write as _};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use zoho_oauth_core::oauth::OAuthClient;
use zoho_oauth_core::store::{FileStore, StoreKey, TokenStore};
use zoho_oauth_core::{Client, ClientSecret, RetryPolicy, TokenManager};

use crate::child::{answer, var};
use crate::common::{Bench, ListPortals, ROLE, Reader, Refresh, RemoteSandbox, VirtualClock, http_client, read_answer};

/// Where the fleet keeps its token.
#[derive(Debug, Clone)]
pub enum FleetStore {
    /// A `FileStore` at this path.
    File(PathBuf),
    /// A `RedisStore` at this URL, with this key prefix.
    Redis {
        /// `redis://127.0.0.1:PORT/`
        url: String,
        /// Keeps runs apart.
        prefix: String,
    },
}

impl FleetStore {
    /// `file` or `redis`.
    pub fn name(&self) -> &'static str {
        match self {
            FleetStore::File(_) => "FileStore",
            FleetStore::Redis { .. } => "RedisStore",
        }
    }

    fn spec(&self) -> String {
        match self {
            FleetStore::File(p) => format!("file:{}", p.display()),
            FleetStore::Redis { url, .. } => format!("redis:{url}"),
        }
    }

    fn prefix(&self) -> &str {
        match self {
            FleetStore::File(_) => "",
            FleetStore::Redis { prefix, .. } => prefix,
        }
    }
}

async fn open_store(spec: &str, prefix: &str) -> io::Result<Arc<dyn TokenStore>> {
    if let Some(path) = spec.strip_prefix("file:") {
        return Ok(Arc::new(FileStore::new(path)));
    }
    if let Some(url) = spec.strip_prefix("redis:") {
        #[cfg(feature = "redis")]
        {
            let store = zoho_oauth_core::store::RedisStore::builder(url)
                .prefix(prefix)
                .connect()
                .await
                .map_err(io::Error::other)?;
            return Ok(Arc::new(store));
        }
        #[cfg(not(feature = "redis"))]
        {
            let _ = (url, prefix);
            return Err(io::Error::other("RedisStore needs zoho-benches' `redis` feature"));
        }
    }
    Err(io::Error::other(format!("unknown store {spec}")))
}

/// One round as the parent saw it.
#[derive(Debug, Clone, Copy)]
pub struct Round {
    /// Whether the token had expired when the round started.
    pub expiry: bool,
    /// Token requests the sandbox saw.
    pub token_requests: u64,
    /// Calls made (all processes).
    pub calls: u64,
    /// From sending the time to the last answer.
    pub wall: Duration,
}

/// What scenario 4 measured for one store and fleet size.
#[derive(Debug, Clone)]
pub struct FleetResult {
    /// `FileStore` or `RedisStore`.
    pub store: &'static str,
    /// Processes.
    pub procs: usize,
    /// The warm round, then one per expiry.
    pub rounds: Vec<Round>,
    /// Failed calls.
    pub errors: u64,
    /// The first failure, if any.
    pub first_error: Option<String>,
}

impl FleetResult {
    /// Token requests of each expiry round.
    pub fn per_expiry(&self) -> Vec<u64> {
        self.rounds.iter().filter(|r| r.expiry).map(|r| r.token_requests).collect()
    }

    /// Calls per second: (warm round, expiry rounds together).
    pub fn throughput(&self) -> (f64, f64) {
        let tput = |rs: Vec<&Round>| {
            let calls: u64 = rs.iter().map(|r| r.calls).sum();
            let wall: Duration = rs.iter().map(|r| r.wall).sum();
            calls as f64 / wall.as_secs_f64().max(1e-9)
        };
        (
            tput(self.rounds.iter().filter(|r| !r.expiry).collect()),
            tput(self.rounds.iter().filter(|r| r.expiry).collect()),
        )
    }
}

/// Runs a fleet of `procs` workers on `store` through `expiries` expiries; each worker makes
/// `concurrency` × `calls` calls per round.
pub fn fleet(
    bench: &Bench,
    store: &FleetStore,
    procs: usize,
    expiries: usize,
    concurrency: usize,
    calls: usize,
) -> io::Result<FleetResult> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(run(bench, store, procs, expiries, concurrency, calls))
}

struct Worker {
    child: tokio::process::Child,
    stdin: tokio::process::ChildStdin,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
}

async fn run(
    bench: &Bench,
    store: &FleetStore,
    procs: usize,
    expiries: usize,
    concurrency: usize,
    calls: usize,
) -> io::Result<FleetResult> {
    let mut sb = RemoteSandbox::start(bench).await?;
    let parent_store = open_store(&store.spec(), store.prefix()).await?;
    let _manager = sb.manager(parent_store).await?;

    let mut workers = Vec::with_capacity(procs);
    for _ in 0..procs {
        let mut child = tokio::process::Command::new(&bench.exe)
            .env(ROLE, "fleet-worker")
            .env("ZB_URL", sb.url.as_str())
            .env("ZB_API", sb.api.as_str())
            .env("ZB_CLIENT_ID", &sb.client_id)
            .env("ZB_CLIENT_SECRET", &sb.client_secret)
            .env("ZB_STORE", store.spec())
            .env("ZB_PREFIX", store.prefix())
            .env("ZB_CONCURRENCY", concurrency.to_string())
            .env("ZB_CALLS", calls.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()?;
        let stdin = child.stdin.take().ok_or_else(|| io::Error::other("stdin"))?;
        let lines = BufReader::new(child.stdout.take().ok_or_else(|| io::Error::other("stdout"))?).lines();
        workers.push(Worker { child, stdin, lines });
    }
    for w in &mut workers {
        let hello = read_answer(&mut w.lines).await?;
        if hello != "READY" {
            return Err(io::Error::other(format!("worker: {hello}")));
        }
    }

    let mut result = FleetResult { store: store.name(), procs, rounds: Vec::new(), errors: 0, first_error: None };
    // A warm round inside the token's validity, then expiries (each past the newest token's hour).
    let steps = std::iter::once((Duration::from_secs(600), false))
        .chain(std::iter::repeat_n((Duration::from_secs(2 * 3600), true), expiries));
    for (advance, expiry) in steps {
        let now = sb.advance(advance).await?;
        let before = sb.counters().await?;
        let started = Instant::now();
        for w in &mut workers {
            w.stdin.write_all(format!("T {now}\n").as_bytes()).await?;
            w.stdin.flush().await?;
        }
        let mut round_calls = 0;
        for w in &mut workers {
            let a = tokio::time::timeout(Duration::from_secs(300), read_answer(&mut w.lines))
                .await
                .map_err(|_| io::Error::other("worker did not answer in 300 s"))??;
            let mut words = a.splitn(4, ' ');
            let mut num = || words.next().and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            let (ok, failed, _us) = (num(), num(), num());
            let error = a.splitn(4, ' ').nth(3).map(str::to_owned);
            round_calls += ok + failed;
            result.errors += failed;
            if let Some(e) = error {
                result.first_error.get_or_insert(e);
            }
        }
        let wall = started.elapsed();
        let delta = sb.counters().await? - before;
        result.rounds.push(Round { expiry, token_requests: delta.token_requests, calls: round_calls, wall });
    }
    for mut w in workers {
        let _ = w.stdin.write_all(b"Q\n").await;
        drop(w.stdin);
        let _ = tokio::time::timeout(Duration::from_secs(10), w.child.wait()).await;
        let _ = w.child.start_kill();
    }
    sb.stop().await;
    Ok(result)
}

/// The `fleet-worker` role.
pub(crate) async fn worker() -> i32 {
    crate::child::exit_code("fleet worker", worker_inner().await)
}

async fn worker_inner() -> io::Result<()> {
    let url: url::Url = var("ZB_URL")?.parse().map_err(io::Error::other)?;
    let api: url::Url = var("ZB_API")?.parse().map_err(io::Error::other)?;
    let client_id = var("ZB_CLIENT_ID")?;
    let concurrency: usize = var("ZB_CONCURRENCY")?.parse().map_err(io::Error::other)?;
    let calls: usize = var("ZB_CALLS")?.parse().map_err(io::Error::other)?;
    let clock = VirtualClock::default();
    let oauth = OAuthClient::builder(&client_id, ClientSecret::new(var("ZB_CLIENT_SECRET")?))
        .accounts_url(url.clone())
        .clock(clock.as_clock())
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(io::Error::other)?;
    let store = open_store(&var("ZB_STORE")?, &var("ZB_PREFIX")?).await?;
    let manager = TokenManager::builder::<Reader>(Refresh(oauth), StoreKey::new(url.as_str(), &client_id, "demo"))
        .store(store)
        .clock(clock.as_clock())
        .build();
    let client: Client<Reader> = Client::builder()
        .api_base(api)
        .http_client(http_client())
        .no_rate_limit()
        .retry(RetryPolicy::never())
        .build(manager)
        .map_err(io::Error::other)?;
    answer("READY");
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await? {
        let line = line.trim();
        if line == "Q" {
            break;
        }
        let Some(ms) = line.strip_prefix("T ").and_then(|v| v.parse().ok()) else { continue };
        clock.set_ms(ms);
        let started = Instant::now();
        let tasks: Vec<_> = (0..concurrency)
            .map(|_| {
                let c = client.clone();
                tokio::spawn(async move {
                    let (mut ok, mut failed, mut first) = (0u64, 0u64, None);
                    for _ in 0..calls {
                        match c.send(ListPortals).await {
                            Ok(_) => ok += 1,
                            Err(e) => {
                                failed += 1;
                                first.get_or_insert_with(|| e.to_string());
                            }
                        }
                    }
                    (ok, failed, first)
                })
            })
            .collect();
        let (mut ok, mut failed, mut first) = (0, 0, None);
        for t in tasks {
            let (o, f, e) = t.await.map_err(io::Error::other)?;
            ok += o;
            failed += f;
            if first.is_none() {
                first = e;
            }
        }
        let us = started.elapsed().as_micros();
        let error = first.map(|e| format!(" {}", e.replace('\n', " "))).unwrap_or_default();
        answer(&format!("{ok} {failed} {us}{error}"));
    }
    let _ = std::io::stdout().flush();
    Ok(())
}

/// A `redis-server` on a free loopback port, without persistence; stopped on drop.
#[derive(Debug)]
pub struct RedisServer {
    child: std::process::Child,
    /// `redis://127.0.0.1:PORT/`
    pub url: String,
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl RedisServer {
    /// Starts one; `None` if `redis-server` is not installed.
    pub fn start() -> io::Result<Option<RedisServer>> {
        use std::process::Command;
        if Command::new("redis-server").arg("--version").stdout(Stdio::null()).status().is_err() {
            return Ok(None);
        }
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
            let child = Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()?;
            let mut server = RedisServer { child, url: format!("redis://127.0.0.1:{port}/") };
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = server.child.try_wait() {
                    break; // the port was taken: try another
                }
                if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
                    use std::io::Read;
                    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
                    let mut buf = [0u8; 7];
                    if s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n" {
                        return Ok(Some(server));
                    }
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Err(io::Error::other("redis-server did not start"))
    }
}
