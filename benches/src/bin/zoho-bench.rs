//! Whole-system benchmarks (scenarios 2 to 9 of `BENCHMARKS.md`), printed as Markdown.
//!
//! ```text
//! cargo run --release -p zoho-benches --features redis --bin zoho-bench -- [--smoke] [overhead|storm|fleet|compile|sandbox|tenants|tenant-fleet|download]...
//! ```
//!
//! `--smoke` (or `ZOHO_BENCH_SMOKE=1`) runs one tiny iteration of each. With `ZOHO_BENCH_ROLE`
//! set, the binary plays a child process of a scenario instead.

use std::io;
use std::time::Instant;

// Live heap bytes for the tenants scenario (BENCHMARKS.md §7): the system allocator behind a
// counting wrapper (feature `alloc-count`), or jemalloc, which counts by itself (feature
// `jemalloc`). Neither needs `unsafe` here. Off by default: the counting adds shared atomic
// writes to every allocation of the other scenarios.
#[cfg(all(feature = "alloc-count", not(feature = "jemalloc")))]
#[global_allocator]
static GLOBAL: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;

#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// The allocator of this build, and its live heap bytes if counted.
fn allocator() -> (&'static str, tenants::LiveHeap) {
    #[cfg(feature = "jemalloc")]
    return ("jemalloc", || {
        // jemalloc's statistics are refreshed by advancing its epoch.
        tikv_jemalloc_ctl::epoch::advance().ok()?;
        tikv_jemalloc_ctl::stats::allocated::read().ok().map(|b| b as u64)
    });
    #[cfg(all(feature = "alloc-count", not(feature = "jemalloc")))]
    return ("glibc malloc (counted)", || {
        // `stats_alloc` already moves a reallocation's growth into `bytes_allocated` and its
        // shrinking into `bytes_deallocated` (`bytes_reallocated` is the same change again):
        // adding it counted every growth twice, a drift of ~53 B per tenant per load cycle.
        let s = GLOBAL.stats();
        u64::try_from(s.bytes_allocated as i128 - s.bytes_deallocated as i128).ok()
    });
    #[cfg(not(feature = "alloc-count"))]
    ("glibc malloc", || None)
}

use zoho_benches::common::{Bench, ROLE};
use zoho_benches::fleet::{FleetStore, RedisServer};
use zoho_benches::{child, compile, download, fleet, overhead, report, sandbox_tput, storm, tenants};

const SCENARIOS: [&str; 8] =
    ["overhead", "storm", "fleet", "compile", "sandbox", "tenants", "tenant-fleet", "download"];

fn main() {
    if let Ok(role) = std::env::var(ROLE) {
        std::process::exit(child::run(&role));
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let smoke = args.iter().any(|a| a == "--smoke") || std::env::var_os("ZOHO_BENCH_SMOKE").is_some_and(|v| v != "0");
    let mut chosen: Vec<&str> = args.iter().map(String::as_str).filter(|a| !a.starts_with("--")).collect();
    if let Some(bad) = chosen.iter().find(|a| !SCENARIOS.contains(a)) {
        eprintln!("unknown scenario {bad}; expected some of {SCENARIOS:?}");
        std::process::exit(2);
    }
    if chosen.is_empty() {
        chosen = SCENARIOS.to_vec();
    }
    let bench = Bench { exe: std::env::current_exe().expect("current exe"), smoke };
    let mut failed = false;
    for name in chosen {
        let started = Instant::now();
        println!("## {name}{}\n", if smoke { " (smoke)" } else { "" });
        match run(&bench, name) {
            Ok(table) => println!("{table}"),
            Err(e) => {
                failed = true;
                println!("FAILED: {e}\n");
            }
        }
        println!("({name}: {:.1} s)\n", started.elapsed().as_secs_f64());
    }
    if failed {
        std::process::exit(1);
    }
}

fn run(bench: &Bench, name: &str) -> io::Result<String> {
    let b = bench;
    match name {
        "overhead" => {
            let calls = b.size(10_000, 60);
            let chunk = b.size(500, 20);
            let reps = b.size(5, 1);
            let results = vec![overhead::overhead(calls, 1, chunk, reps)?, overhead::overhead(calls, 16, chunk, reps)?];
            Ok(report::overhead(&results))
        }
        "storm" => Ok(report::storm(&storm::storm(b, b.size(10_000, 200), b.size(3, 1))?)),
        "fleet" => {
            let sizes: &[usize] = if b.smoke { &[1, 2] } else { &[1, 2, 4, 8] };
            let (expiries, concurrency, calls) = (b.size(3, 1), b.size(8, 2), b.size(250, 2));
            let dir = tempfile::tempdir()?;
            let redis = RedisServer::start()?;
            let mut results = Vec::new();
            for &procs in sizes {
                let file = FleetStore::File(dir.path().join(format!("tokens-{procs}.json")));
                results.push(fleet::fleet(b, &file, procs, expiries, concurrency, calls)?);
                if cfg!(feature = "redis")
                    && let Some(server) = &redis
                {
                    let store = FleetStore::Redis { url: server.url.clone(), prefix: format!("bench{procs}") };
                    results.push(fleet::fleet(b, &store, procs, expiries, concurrency, calls)?);
                }
            }
            let mut table = report::fleet(&results);
            if !cfg!(feature = "redis") || redis.is_none() {
                table.push_str("\nRedisStore skipped: build with `--features redis` and install redis-server.\n");
            }
            Ok(table)
        }
        "compile" => Ok(report::compile(&compile::compile_cost(b, b.size(200, 8), b.size(5, 1))?)),
        "sandbox" => Ok(report::sandbox(&sandbox_tput::sandbox_throughput(b.size(20_000, 200), b.size(16, 4))?)),
        "tenants" => {
            let (name, heap) = allocator();
            Ok(tenants::report(&tenants::tenants(b.size(100_000, 200), b.size(5, 1), name, heap)?))
        }
        "tenant-fleet" => tenant_fleet(b),
        // 50 MiB (more than 50 MB), five runs of each reading, each in a process of its own.
        "download" => Ok(download::report(&download::download(b, b.size(50 << 20, 1 << 20), b.size(5, 1))?)),
        _ => unreachable!("checked"),
    }
}

#[cfg(feature = "redis")]
fn tenant_fleet(b: &Bench) -> io::Result<String> {
    let Some(redis) = RedisServer::start()? else {
        return Ok("skipped: needs redis-server on the PATH\n".to_owned());
    };
    let r = zoho_benches::tenant_fleet::tenant_fleet(b, &redis.url, b.size(8, 2), b.size(1000, 10), 2, b.size(2, 1))?;
    Ok(zoho_benches::tenant_fleet::report(&r))
}

#[cfg(not(feature = "redis"))]
fn tenant_fleet(_: &Bench) -> io::Result<String> {
    Ok("skipped: build with `--features redis`\n".to_owned())
}
