//! Scenario 2, per-call overhead: `Client::send` of a small GET vs the same call made with raw
//! `reqwest`, against a trivial local HTTP server, so that the client's own cost is visible.
//!
//! The server runs on its own thread (current-thread runtime); the calls run on another
//! current-thread runtime. Three variants, each with its own `reqwest::Client` built with the
//! same settings, are interleaved in chunks (the order rotating per chunk) to cancel drift:
//!
//! - `raw`: `http.get(url).header(AUTHORIZATION, "Zoho-oauthtoken …").send()` then `.json()`;
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
use crate::stats::Latency;

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

/// The variants, in the order of [`OverheadResult::variants`].
pub const VARIANTS: [&str; 3] = ["raw reqwest", "Client + Token", "Client + TokenManager"];

/// What scenario 2 measured.
#[derive(Debug, Clone)]
pub struct OverheadResult {
    /// Calls in flight at once (1: sequential).
    pub concurrency: usize,
    /// Per variant (see [`VARIANTS`]).
    pub variants: [Latency; 3],
}

impl OverheadResult {
    /// `variant / raw` for p50, p99, and `raw / variant` for throughput (all "> 1 = slower").
    pub fn ratios(&self, variant: usize) -> (f64, f64, f64) {
        let (raw, v) = (&self.variants[0], &self.variants[variant]);
        (
            v.p50.as_secs_f64() / raw.p50.as_secs_f64(),
            v.p99.as_secs_f64() / raw.p99.as_secs_f64(),
            raw.throughput / v.throughput,
        )
    }
}

/// Makes `calls` calls per variant with `concurrency` in flight, in chunks of `chunk`.
pub fn overhead(calls: usize, concurrency: usize, chunk: usize) -> io::Result<OverheadResult> {
    let addr = tiny_server()?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(run(addr, calls, concurrency, chunk))
}

async fn run(addr: SocketAddr, calls: usize, concurrency: usize, chunk: usize) -> io::Result<OverheadResult> {
    let base: url::Url = format!("http://{addr}/").parse().map_err(io::Error::other)?;
    let raw_url = format!("{base}api/v3/portals");
    let raw_http = http_client();
    let scopes = || DynamicScopes::parse_list(READ).expect("scope");
    let expires = SystemTime::now() + Duration::from_secs(24 * 3600);
    let fixed = Token::<Reader>::from_parts(TokenParts::new(AccessToken::new(SECRET, expires, scopes())))
        .map_err(io::Error::other)?;
    let client_token = Client::builder()
        .api_base(base.clone())
        .http_client(http_client())
        .no_rate_limit()
        .retry(RetryPolicy::never())
        .build(fixed.clone())
        .map_err(io::Error::other)?;
    let manager = TokenManager::builder::<Reader>(NoRefresh, StoreKey::new("https://accounts.zoho.com", "1000.C", "u"))
        .store(MemoryStore::new())
        .build();
    manager.login(fixed).await.map_err(io::Error::other)?;
    let client_manager = Client::builder()
        .api_base(base)
        .http_client(http_client())
        .no_rate_limit()
        .retry(RetryPolicy::never())
        .build(manager)
        .map_err(io::Error::other)?;

    // One call of variant `v`; every variant decodes the JSON answer.
    let call = |v: usize| {
        let (raw_http, raw_url, ct, cm) = (&raw_http, raw_url.as_str(), &client_token, &client_manager);
        async move {
            let started = Instant::now();
            let value: serde_json::Value = match v {
                0 => {
                    let resp = raw_http
                        .get(raw_url)
                        .header(reqwest::header::AUTHORIZATION, format!("Zoho-oauthtoken {SECRET}"))
                        .send()
                        .await
                        .map_err(io::Error::other)?;
                    resp.error_for_status().map_err(io::Error::other)?.json().await.map_err(io::Error::other)?
                }
                1 => ct.send(ListPortals).await.map_err(io::Error::other)?,
                _ => cm.send(ListPortals).await.map_err(io::Error::other)?,
            };
            if value["portals"][0]["id"] != "123456789" {
                return Err(io::Error::other(format!("unexpected answer {value}")));
            }
            Ok::<Duration, io::Error>(started.elapsed())
        }
    };

    let mut samples: [Vec<Duration>; 3] = Default::default();
    let mut walls = [Duration::ZERO; 3];
    let chunk = chunk.clamp(1, calls.max(1));
    // Warm-up: connections, allocator, caches.
    for v in 0..3 {
        run_chunk(&call, v, chunk.min(calls), concurrency).await?;
    }
    let rounds = calls.div_ceil(chunk);
    for round in 0..rounds {
        let n = chunk.min(calls - round * chunk);
        for k in 0..3 {
            let v = (round + k) % 3;
            let started = Instant::now();
            let mut lat = run_chunk(&call, v, n, concurrency).await?;
            walls[v] += started.elapsed();
            samples[v].append(&mut lat);
        }
    }
    let [a, b, c] = &mut samples;
    Ok(OverheadResult {
        concurrency,
        variants: [Latency::of(a, walls[0]), Latency::of(b, walls[1]), Latency::of(c, walls[2])],
    })
}

async fn run_chunk<F, Fut>(call: &F, variant: usize, n: usize, concurrency: usize) -> io::Result<Vec<Duration>>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = io::Result<Duration>>,
{
    let mut out = Vec::with_capacity(n);
    if concurrency <= 1 {
        for _ in 0..n {
            out.push(call(variant).await?);
        }
    } else {
        let mut s = futures::stream::iter(0..n).map(|_| call(variant)).buffer_unordered(concurrency);
        while let Some(r) = s.next().await {
            out.push(r?);
        }
    }
    Ok(out)
}
