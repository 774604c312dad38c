//! Scenario 3, refresh storm: `calls` concurrent `Client::send` calls at the moment the token
//! has expired, against the sandbox (in a child process). Counts the token requests the sandbox
//! saw (goal: exactly 1) and compares latencies with a storm of the same size without expiry.
//!
//! Every call's latency is measured from the common start of its storm (all calls are issued at
//! once), so p99 is close to the time the whole storm took. Storms with and without expiry
//! alternate, after one warm-up storm that opens the connections (they are reused after that).

use std::io;
use std::time::{Duration, Instant};

use zoho_oauth_core::store::MemoryStore;
use zoho_oauth_core::{Client, RetryPolicy};

use crate::common::{Bench, ListPortals, Reader, RemoteSandbox, http_client};
use crate::stats::{Latency, median};

/// What scenario 3 measured.
#[derive(Debug, Clone, Default)]
pub struct StormResult {
    /// Concurrent calls per storm.
    pub calls: usize,
    /// Token requests the sandbox saw during each storm at expiry.
    pub token_requests: Vec<u64>,
    /// Refresh grants the sandbox saw during each storm at expiry.
    pub refresh_grants: Vec<u64>,
    /// Token requests during the storms without expiry (all of them).
    pub token_requests_without_expiry: u64,
    /// Per storm without expiry.
    pub base: Vec<Latency>,
    /// Per storm at expiry.
    pub expiry: Vec<Latency>,
    /// Failed calls, all storms.
    pub errors: usize,
    /// The first failure, if any.
    pub first_error: Option<String>,
}

impl StormResult {
    /// Median over storms of p50 / p99 (ms): without expiry, at expiry.
    pub fn medians(&self) -> [(f64, f64); 2] {
        let m = |v: &[Latency]| {
            (
                median(&v.iter().map(|l| crate::stats::ms(l.p50)).collect::<Vec<_>>()),
                median(&v.iter().map(|l| crate::stats::ms(l.p99)).collect::<Vec<_>>()),
            )
        };
        [m(&self.base), m(&self.expiry)]
    }

    /// Median over pairs of (p99 at expiry − p99 without), in ms.
    pub fn p99_added_ms(&self) -> f64 {
        let d: Vec<f64> = self
            .base
            .iter()
            .zip(&self.expiry)
            .map(|(b, e)| crate::stats::ms(e.p99) - crate::stats::ms(b.p99))
            .collect();
        median(&d)
    }
}

/// Runs `rounds` pairs of storms of `calls` calls.
pub fn storm(bench: &Bench, calls: usize, rounds: usize) -> io::Result<StormResult> {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    rt.block_on(run(bench, calls, rounds))
}

async fn run(bench: &Bench, calls: usize, rounds: usize) -> io::Result<StormResult> {
    let mut sb = RemoteSandbox::start(bench).await?;
    let manager = sb.manager(MemoryStore::new()).await?;
    let client = Client::builder()
        .api_base(sb.api.clone())
        .http_client(http_client())
        .no_rate_limit()
        .retry(RetryPolicy::never())
        .build(manager)
        .map_err(io::Error::other)?;
    let mut result = StormResult { calls, ..StormResult::default() };
    // Warm-up: opens the connections the storms reuse.
    one_storm(&client, calls, &mut result).await;
    for _ in 0..rounds {
        let before = sb.counters().await?;
        let lat = one_storm(&client, calls, &mut result).await;
        result.base.push(lat);
        result.token_requests_without_expiry += (sb.counters().await? - before).token_requests;

        sb.advance(Duration::from_secs(2 * 3600)).await?;
        let before = sb.counters().await?;
        let lat = one_storm(&client, calls, &mut result).await;
        result.expiry.push(lat);
        let delta = sb.counters().await? - before;
        result.token_requests.push(delta.token_requests);
        result.refresh_grants.push(delta.refresh_grants);
    }
    drop(client);
    sb.stop().await;
    Ok(result)
}

/// `calls` calls spawned at once; latencies from the common start.
async fn one_storm(client: &Client<Reader>, calls: usize, result: &mut StormResult) -> Latency {
    let t0 = Instant::now();
    let tasks: Vec<_> = (0..calls)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move {
                let r = c.send(ListPortals).await;
                (t0.elapsed(), r.err().map(|e| e.to_string()))
            })
        })
        .collect();
    let mut lat = Vec::with_capacity(calls);
    for t in tasks {
        let error = match t.await {
            Ok((d, error)) => {
                lat.push(d);
                error
            }
            Err(e) => Some(e.to_string()),
        };
        if let Some(e) = error {
            result.errors += 1;
            result.first_error.get_or_insert(e);
        }
    }
    let wall = t0.elapsed();
    Latency::of(&mut lat, wall)
}
