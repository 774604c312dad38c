//! Scenario 1: the token fast path (criterion). `cargo bench -p zoho-benches --bench token`.
#![allow(missing_docs)]

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use zoho_benches::fastpath::{Sources, VARIANTS, run_threads};
use zoho_oauth_core::{Clock, SystemClock};

fn token_fast_path(c: &mut Criterion) {
    let s = Sources::new();
    let mut g = c.benchmark_group("token_fast_path");
    // The floor every variant pays: reading the system clock.
    g.bench_function("SystemTime::now/inline", |b| b.iter(std::time::SystemTime::now));
    // What the manager's fast path reads instead (`CLOCK_REALTIME_COARSE` on Linux).
    g.bench_function("SystemClock::now_coarse/inline", |b| b.iter(|| SystemClock.now_coarse()));
    g.bench_function("manager/inline", |b| b.iter(|| s.manager()));
    g.bench_function("std_mutex/inline", |b| b.iter(|| s.std_mutex()));
    for threads in [1, 2] {
        g.bench_function(format!("SystemTime::now/{threads}t"), |b| {
            b.iter_custom(|iters| run_threads(threads, iters, std::time::SystemTime::now))
        });
        g.bench_function(format!("SystemClock::now_coarse/{threads}t"), |b| {
            b.iter_custom(|iters| run_threads(threads, iters, || SystemClock.now_coarse()))
        });
        for (name, f) in VARIANTS {
            g.bench_function(format!("{name}/{threads}t"), |b| {
                b.iter_custom(|iters| run_threads(threads, iters, || f(&s)))
            });
        }
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3)).sample_size(60);
    targets = token_fast_path
}
criterion_main!(benches);
