//! Scenario 2, per-call overhead: `Client::send` of a small GET vs the same call made with raw
//! `reqwest`, against a trivial local HTTP server, so that the client's own cost is visible.
//!
//! The server runs on its own thread (current-thread runtime); the calls run on another
//! current-thread runtime. Four variants, each with its own `reqwest::Client` built with the
//! same settings, are interleaved in chunks (the order rotating per chunk) to cancel drift:
//!
//! - raw, the baseline: `http.get(url.clone()).header(AUTHORIZATION, "Zoho-oauthtoken …").send()`
//!   then `.json()`, with the `Url` parsed once;
//! - raw with a `&str` URL (`http.get(&string)`), which reqwest parses on every call;
//! - `client+token`: `Client::send(ListPortals)` with a fixed `Token<Reader>`;
//! - `client+manager`: `Client::send(ListPortals)` with a `TokenManager` holding a valid token.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use futures::StreamExt;
use http_body_util::Full;
use hyper::service::service_fn;
use zoho_oauth_core::store::{MemoryStore, StoreKey};
use zoho_oauth_core::{AccessToken, Client, DynamicScopes, RetryPolicy, Token, TokenManager, TokenParts};

use crate::common::{ListPortals, NoRefresh, READ, Reader, http_client};
use crate::stats::{Latency, median, us};

/// The body the server answers: a one-portal list, as small as a real answer gets.
const BODY: &str = r#"{"portals":[{"id":"123456789","name":"Demo portal"}]}"#;
const SECRET: &str = "1000.0123456789abcdef0123456789abcdef.0123456789abcdef0123456789abcdef";

/// A trivial HTTP/1.1 server on a loopback port, on its own thread; stops with the process.
pub fn tiny_server() -> io::Result<SocketAddr> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    std::thread::Builder::new().name("tiny-server".into()).spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let _ = stream.set_nodelay(true);
                tokio::spawn(async move {
                    let svc = service_fn(|_req| async {
                        Ok::<_, Infallible>(
                            hyper::Response::builder()
                                .header("content-type", "application/json;charset=UTF-8")
                                .body(Full::new(Bytes::from_static(BODY.as_bytes())))
                                .expect("response"),
                        )
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
    })?;
    Ok(addr)
}

/// The variants, in the order of [`OverheadResult::reps`]; the first is the baseline.
pub const VARIANTS: [&str; 4] =
    ["raw reqwest, parsed Url", "raw reqwest, &str URL", "Client + Token", "Client + TokenManager"];
const N: usize = VARIANTS.len();

/// What scenario 2 measured.
#[derive(Debug, Clone)]
pub struct OverheadResult {
    /// Calls in flight at once (1: sequential).
    pub concurrency: usize,
    /// Per repetition, per variant (see [`VARIANTS`]).
    pub reps: Vec<[Latency; N]>,
}

impl OverheadResult {
    /// Medians over repetitions of `variant / raw` for p50 and p99, and of `raw / variant` for
    /// throughput (all three: above 1 means slower than raw).
    pub fn ratios(&self, variant: usize) -> (f64, f64, f64) {
        let ratio = |f: &dyn Fn(&[Latency; N]) -> f64| median(&self.reps.iter().map(f).collect::<Vec<_>>());
        (
            ratio(&|r| r[variant].p50.as_secs_f64() / r[0].p50.as_secs_f64()),
            ratio(&|r| r[variant].p99.as_secs_f64() / r[0].p99.as_secs_f64()),
            ratio(&|r| r[0].throughput / r[variant].throughput),
        )
    }

    /// Medians over repetitions of a variant's p50 (µs), p99 (µs) and calls per second.
    pub fn medians(&self, variant: usize) -> (f64, f64, f64) {
        let m = |f: &dyn Fn(&Latency) -> f64| median(&self.reps.iter().map(|r| f(&r[variant])).collect::<Vec<_>>());
        (m(&|l| us(l.p50)), m(&|l| us(l.p99)), m(&|l| l.throughput))
    }

    /// Calls per variant and repetition.
    pub fn calls(&self) -> usize {
        self.reps.first().map_or(0, |r| r[0].calls)
    }
}

/// `reps` repetitions of: `calls` calls per variant with `concurrency` in flight, interleaved in
/// chunks of `chunk`.
pub fn overhead(calls: usize, concurrency: usize, chunk: usize, reps: usize) -> io::Result<OverheadResult> {
    let addr = tiny_server()?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async {
        let setup = Setup::new(addr).await?;
        // Warm-up: connections, allocator, caches.
        for v in 0..N {
            run_chunk(&setup, v, chunk.clamp(1, calls.max(1)), concurrency).await?;
        }
        let mut result = OverheadResult { concurrency, reps: Vec::with_capacity(reps) };
        for _ in 0..reps.max(1) {
            result.reps.push(one_rep(&setup, calls, concurrency, chunk).await?);
        }
        Ok(result)
    })
}

/// For profilers: `calls` sequential calls of one variant only (after 100 warm-up calls).
pub fn one_variant(variant: usize, calls: usize) -> io::Result<()> {
    let addr = tiny_server()?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async {
        let setup = Setup::new(addr).await?;
        let sending = setup.client_token.send(ListPortals);
        eprintln!("the future Client::send boxes: {} bytes", std::mem::size_of_val(&*sending));
        drop(sending);
        run_chunk(&setup, variant, 100, 1).await?;
        run_chunk(&setup, variant, calls, 1).await?;
        Ok(())
    })
}

struct Setup {
    raw_http: reqwest::Client,
    raw_url: String,
    raw_parsed: url::Url,
    client_token: Client<Reader>,
    client_manager: Client<Reader>,
}

impl Setup {
    async fn new(addr: SocketAddr) -> io::Result<Setup> {
        let base: url::Url = format!("http://{addr}/").parse().map_err(io::Error::other)?;
        let scopes = DynamicScopes::parse_list(READ).map_err(io::Error::other)?;
        let expires = SystemTime::now() + Duration::from_secs(24 * 3600);
        let fixed = Token::<Reader>::from_parts(TokenParts::new(AccessToken::new(SECRET, expires, scopes)))
            .map_err(io::Error::other)?;
        let client_token = Client::builder()
            .api_base(base.clone())
            .http_client(http_client())
            .no_rate_limit()
            .retry(RetryPolicy::never())
            .build(fixed.clone())
            .map_err(io::Error::other)?;
        let key = StoreKey::new("https://accounts.zoho.com", "1000.C", "u");
        let manager = TokenManager::builder::<Reader>(NoRefresh, key).store(MemoryStore::new()).build();
        manager.login(fixed).await.map_err(io::Error::other)?;
        let client_manager = Client::builder()
            .api_base(base.clone())
            .http_client(http_client())
            .no_rate_limit()
            .retry(RetryPolicy::never())
            .build(manager)
            .map_err(io::Error::other)?;
        let raw_url = format!("{base}api/v3/portals");
        let raw_parsed = raw_url.parse().map_err(io::Error::other)?;
        Ok(Setup { raw_http: http_client(), raw_url, raw_parsed, client_token, client_manager })
    }

    /// One call of variant `v`; every variant decodes the JSON answer.
    async fn call(&self, v: usize) -> io::Result<Duration> {
        let started = Instant::now();
        let value: serde_json::Value = match v {
            0 | 1 => {
                let req =
                    if v == 0 { self.raw_http.get(self.raw_parsed.clone()) } else { self.raw_http.get(&self.raw_url) };
                let resp = req
                    .header(reqwest::header::AUTHORIZATION, format!("Zoho-oauthtoken {SECRET}"))
                    .send()
                    .await
                    .map_err(io::Error::other)?;
                resp.error_for_status().map_err(io::Error::other)?.json().await.map_err(io::Error::other)?
            }
            2 => self.client_token.send(ListPortals).await.map_err(io::Error::other)?,
            _ => self.client_manager.send(ListPortals).await.map_err(io::Error::other)?,
        };
        if value["portals"][0]["id"] != "123456789" {
            return Err(io::Error::other(format!("unexpected answer {value}")));
        }
        Ok(started.elapsed())
    }
}

async fn one_rep(setup: &Setup, calls: usize, concurrency: usize, chunk: usize) -> io::Result<[Latency; N]> {
    let mut samples: [Vec<Duration>; N] = Default::default();
    let mut walls = [Duration::ZERO; N];
    let chunk = chunk.clamp(1, calls.max(1));
    let rounds = calls.div_ceil(chunk);
    for round in 0..rounds {
        let n = chunk.min(calls - round * chunk);
        for k in 0..N {
            let v = (round + k) % N;
            let started = Instant::now();
            let mut lat = run_chunk(setup, v, n, concurrency).await?;
            walls[v] += started.elapsed();
            samples[v].append(&mut lat);
        }
    }
    let mut out = [Latency::default(); N];
    for (v, lat) in samples.iter_mut().enumerate() {
        out[v] = Latency::of(lat, walls[v]);
    }
    Ok(out)
}

async fn run_chunk(setup: &Setup, variant: usize, n: usize, concurrency: usize) -> io::Result<Vec<Duration>> {
    let mut out = Vec::with_capacity(n);
    if concurrency <= 1 {
        for _ in 0..n {
            out.push(setup.call(variant).await?);
        }
    } else {
        let mut s = futures::stream::iter(0..n).map(|_| setup.call(variant)).buffer_unordered(concurrency);
        while let Some(r) = s.next().await {
            out.push(r?);
        }
    }
    Ok(out)
}
