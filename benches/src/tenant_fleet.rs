//! Scenario 8, a fleet serving many tenants: 8 processes, each with a `Tenants` registry on one
//! Redis (tokens, refresh leases and every user's rate window shared), serving 1,000 users
//! signed in through the web flow, through a warm round and two expiries. Counts the token
//! requests per expiry (goal: exactly one per user) and the sandbox's 429s (goal: 0; the
//! sandbox runs with Zoho's limits, strict).
//!
//! Children are the bench binary in the `tenant-worker` role, driven like scenario 4's workers:
//! `T <ms>` starts a round at that virtual time; the answer is `@@ <ok> <failed> <loads> [error]`.

use std::io;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use zoho_oauth_core::oauth::{AuthorizeOptions, OAuthClient};
use zoho_oauth_core::store::RedisStore;
use zoho_oauth_core::tenants::Tenants;
use zoho_oauth_core::{Client, ClientSecret, RateLimiter, RetryPolicy, TokioSleeper};

use crate::child::{answer, var};
use crate::common::{Bench, ListPortals, ROLE, Reader, RemoteSandbox, VirtualClock, http_client, read_answer};

/// What scenario 8 measured.
#[derive(Debug, Clone)]
pub struct TenantFleetResult {
    /// Processes.
    pub procs: usize,
    /// Users.
    pub tenants: usize,
    /// Calls each process makes per user per round.
    pub calls_per_tenant: usize,
    /// Token requests the sandbox saw in each round: the warm round, then one per expiry.
    pub token_requests: Vec<u64>,
    /// Successful refresh grants in each round.
    pub refresh_grants: Vec<u64>,
    /// Users loaded from Redis in each round, all processes together.
    pub loads: Vec<u64>,
    /// Calls answered 429 by the sandbox, all rounds.
    pub rate_limited: u64,
    /// Calls made, all rounds.
    pub calls: u64,
    /// Failed calls.
    pub errors: u64,
    /// The first failure, if any.
    pub first_error: Option<String>,
}

fn oauth(
    url: &url::Url,
    id: &str,
    secret: &str,
    redirect: Option<&str>,
    clock: &VirtualClock,
) -> io::Result<OAuthClient> {
    let mut b = OAuthClient::builder(id, ClientSecret::new(secret))
        .accounts_url(url.clone())
        .clock(clock.as_clock())
        .timeout(Duration::from_secs(60));
    if let Some(r) = redirect {
        b = b.redirect_uri(r.parse().map_err(io::Error::other)?);
    }
    b.build().map_err(io::Error::other)
}

/// Runs it: `procs` workers, `tenants` users, `expiries` expiries, `calls` calls per user per
/// process per round.
pub fn tenant_fleet(
    bench: &Bench,
    redis_url: &str,
    procs: usize,
    tenants: usize,
    expiries: usize,
    calls: usize,
) -> io::Result<TenantFleetResult> {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    rt.block_on(run(bench, redis_url, procs, tenants, expiries, calls))
}

async fn run(
    bench: &Bench,
    redis_url: &str,
    procs: usize,
    n: usize,
    expiries: usize,
    calls: usize,
) -> io::Result<TenantFleetResult> {
    let mut sb = RemoteSandbox::start_role(bench, "sandbox-strict").await?;
    let redirect = sb.ask("REDIRECT").await?;
    let prefix = format!("tenants{}", rand::random::<u32>());
    let store = RedisStore::builder(redis_url).prefix(&prefix).connect().await.map_err(io::Error::other)?;
    let signer = Tenants::builder::<Reader>(
        oauth(&sb.url, &sb.client_id, &sb.client_secret, Some(&redirect), &sb.clock)?,
        store,
    )
    .clock(sb.clock.as_clock())
    .build()
    .map_err(io::Error::other)?;
    let browser =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().map_err(io::Error::other)?;
    for i in 0..n {
        let user = format!("tenant{i:05}@example.com");
        let ok = sb.ask(&format!("SIGNIN {user}")).await?;
        if ok != "OK" {
            return Err(io::Error::other(format!("sandbox sign-in: {ok}")));
        }
        let (url, pending) =
            signer.authorize_url(&user, AuthorizeOptions::new().offline()).await.map_err(io::Error::other)?;
        let resp = browser.get(url).send().await.map_err(io::Error::other)?;
        let callback = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| io::Error::other("no redirect from the consent"))?
            .to_owned();
        signer.complete_sign_in(&user, pending, &callback).await.map_err(io::Error::other)?;
    }
    drop(signer);

    let mut workers = Vec::with_capacity(procs);
    for _ in 0..procs {
        let mut child = tokio::process::Command::new(&bench.exe)
            .env(ROLE, "tenant-worker")
            .env("ZB_URL", sb.url.as_str())
            .env("ZB_API", sb.api.as_str())
            .env("ZB_CLIENT_ID", &sb.client_id)
            .env("ZB_CLIENT_SECRET", &sb.client_secret)
            .env("ZB_REDIS", redis_url)
            .env("ZB_PREFIX", &prefix)
            .env("ZB_TENANTS", n.to_string())
            .env("ZB_CALLS", calls.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()?;
        let stdin = child.stdin.take().ok_or_else(|| io::Error::other("stdin"))?;
        let lines = BufReader::new(child.stdout.take().ok_or_else(|| io::Error::other("stdout"))?).lines();
        workers.push((child, stdin, lines));
    }
    for (_, _, lines) in &mut workers {
        let hello = read_answer(lines).await?;
        if hello != "READY" {
            return Err(io::Error::other(format!("worker: {hello}")));
        }
    }
    let mut result = TenantFleetResult {
        procs,
        tenants: n,
        calls_per_tenant: calls,
        token_requests: Vec::new(),
        refresh_grants: Vec::new(),
        loads: Vec::new(),
        rate_limited: 0,
        calls: 0,
        errors: 0,
        first_error: None,
    };
    let limited_before: u64 = sb.ask("LIMITED").await?.parse().map_err(io::Error::other)?;
    let steps =
        std::iter::once(Duration::from_secs(600)).chain(std::iter::repeat_n(Duration::from_secs(2 * 3600), expiries));
    for advance in steps {
        let now = sb.advance(advance).await?;
        let before = sb.counters().await?;
        for (_, stdin, _) in &mut workers {
            stdin.write_all(format!("T {now}\n").as_bytes()).await?;
            stdin.flush().await?;
        }
        let mut loads = 0;
        for (_, _, lines) in &mut workers {
            let a = tokio::time::timeout(Duration::from_secs(900), read_answer(lines))
                .await
                .map_err(|_| io::Error::other("worker did not answer in 900 s"))??;
            let mut words = a.splitn(4, ' ');
            let mut num = || words.next().and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            let (ok, failed, loaded) = (num(), num(), num());
            result.calls += ok + failed;
            result.errors += failed;
            loads += loaded;
            if let Some(e) = a.splitn(4, ' ').nth(3) {
                result.first_error.get_or_insert_with(|| e.to_owned());
            }
        }
        let delta = sb.counters().await? - before;
        result.token_requests.push(delta.token_requests);
        result.refresh_grants.push(delta.refresh_grants);
        result.loads.push(loads);
    }
    let limited_after: u64 = sb.ask("LIMITED").await?.parse().map_err(io::Error::other)?;
    result.rate_limited = limited_after - limited_before;
    for (mut child, mut stdin, _) in workers {
        let _ = stdin.write_all(b"Q\n").await;
        drop(stdin);
        let _ = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
        let _ = child.start_kill();
    }
    sb.stop().await;
    Ok(result)
}

/// The `tenant-worker` role.
pub(crate) async fn worker() -> i32 {
    crate::child::exit_code("tenant worker", worker_inner().await)
}

async fn worker_inner() -> io::Result<()> {
    let url: url::Url = var("ZB_URL")?.parse().map_err(io::Error::other)?;
    let api: url::Url = var("ZB_API")?.parse().map_err(io::Error::other)?;
    let n: usize = var("ZB_TENANTS")?.parse().map_err(io::Error::other)?;
    let calls: usize = var("ZB_CALLS")?.parse().map_err(io::Error::other)?;
    let clock = VirtualClock::default();
    let store =
        RedisStore::builder(var("ZB_REDIS")?).prefix(var("ZB_PREFIX")?).connect().await.map_err(io::Error::other)?;
    let windows = store.clone();
    let window_clock = clock.clone();
    let limiter_clock = clock.clone();
    let tenants =
        Tenants::builder::<Reader>(oauth(&url, &var("ZB_CLIENT_ID")?, &var("ZB_CLIENT_SECRET")?, None, &clock)?, store)
            .client(Client::builder().api_base(api).http_client(http_client()).retry(RetryPolicy::never()))
            .rate_limiter(move |key| {
                let w = window_clock.clone();
                RateLimiter::shared(
                    windows.rate_window(&key.id()).virtual_clock(move || w.now()),
                    100,
                    Duration::from_secs(120),
                    Duration::from_secs(120),
                    limiter_clock.as_clock(),
                    TokioSleeper,
                )
            })
            .clock(clock.as_clock())
            .idle_timeout(Duration::from_secs(3600))
            .build()
            .map_err(io::Error::other)?;
    let tenants = Arc::new(tenants);
    answer("READY");
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await? {
        let line = line.trim();
        if line == "Q" {
            break;
        }
        let Some(ms) = line.strip_prefix("T ").and_then(|v| v.parse().ok()) else { continue };
        clock.set_ms(ms);
        let loads_before = tenants.stats().loads;
        let results: Vec<_> = futures::stream::iter((0..n).flat_map(|i| std::iter::repeat_n(i, calls)))
            .map(|i| {
                let t = Arc::clone(&tenants);
                async move {
                    let client = t.client(&format!("tenant{i:05}@example.com")).await.map_err(|e| e.to_string())?;
                    client.send(ListPortals).await.map(drop).map_err(|e| e.to_string())
                }
            })
            .buffer_unordered(64)
            .collect()
            .await;
        let ok = results.iter().filter(|r| r.is_ok()).count();
        let failed = results.len() - ok;
        let first = results.into_iter().find_map(Result::err);
        let loads = tenants.stats().loads - loads_before;
        let error = first.map(|e| format!(" {}", e.replace('\n', " "))).unwrap_or_default();
        answer(&format!("{ok} {failed} {loads}{error}"));
    }
    Ok(())
}

/// The scenario's Markdown table.
pub fn report(r: &TenantFleetResult) -> String {
    let mut out = format!(
        "{} processes on one Redis, {} tenants, {} call(s) per tenant per process per round; sandbox limits strict\n\n\
         | round | token requests | refresh grants | tenants loaded from Redis (all processes) |\n|---|---|---|---|\n",
        r.procs, r.tenants, r.calls_per_tenant
    );
    for (i, ((t, g), l)) in r.token_requests.iter().zip(&r.refresh_grants).zip(&r.loads).enumerate() {
        let name = if i == 0 { "warm".to_owned() } else { format!("expiry {i}") };
        out.push_str(&format!("| {name} | {t} | {g} | {l} |\n"));
    }
    out.push_str(&format!(
        "\ncalls {} · failed {} · 429 from the sandbox {}{}\n",
        r.calls,
        r.errors,
        r.rate_limited,
        r.first_error.as_ref().map(|e| format!(" · first error: {e}")).unwrap_or_default()
    ));
    out
}
