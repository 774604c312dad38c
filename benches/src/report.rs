//! Markdown tables of the whole-system scenarios, as `zoho-bench` prints them.

use std::fmt::Write as _;

use crate::compile::CompileResult;
use crate::fleet::FleetResult;
use crate::overhead::{OverheadResult, VARIANTS};
use crate::sandbox_tput::SandboxResult;
use crate::storm::StormResult;

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

/// Scenario 2.
pub fn overhead(results: &[OverheadResult]) -> String {
    let mut s = String::from(
        "Baseline: raw reqwest with a parsed `Url`. Medians over repetitions; each ratio is computed within one repetition, then the median taken.\n\n\
         | in flight | variant | calls × reps | p50 µs | p99 µs | calls/s | p50 ratio | p99 ratio | throughput ratio (baseline/variant) | goal ≤ 1.05 |\n\
         |---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in results {
        for (i, name) in VARIANTS.iter().enumerate() {
            let (p50, p99, tput) = r.ratios(i);
            let (m50, m99, mt) = r.medians(i);
            let goal = if i < 2 { "—" } else { verdict(p50 <= 1.05 && p99 <= 1.05 && tput <= 1.05) };
            let _ = writeln!(
                s,
                "| {} | {name} | {} × {} | {m50:.1} | {m99:.1} | {mt:.0} | {p50:.3} | {p99:.3} | {tput:.3} | {goal} |",
                r.concurrency,
                r.calls(),
                r.reps.len(),
            );
        }
    }
    s
}

/// Scenario 3.
pub fn storm(r: &StormResult) -> String {
    let [(b50, b99), (e50, e99)] = r.medians();
    let ok = !r.token_requests.is_empty() && r.token_requests.iter().all(|&n| n == 1);
    let mut s = String::from(
        "| concurrent calls | storms | token requests per storm at expiry (goal 1) | without expiry | p50 / p99 ms without expiry | p50 / p99 ms at expiry | p99 added ms (median of pairs) | errors | goal |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    let _ = writeln!(
        s,
        "| {} | {} | {:?} | {} | {b50:.1} / {b99:.1} | {e50:.1} / {e99:.1} | {:+.1} | {} | {} |",
        r.calls,
        r.expiry.len(),
        r.token_requests,
        r.token_requests_without_expiry,
        r.p99_added_ms(),
        r.errors,
        verdict(ok && r.errors == 0)
    );
    if let Some(e) = &r.first_error {
        let _ = writeln!(s, "\nfirst error: {e}");
    }
    s
}

/// Scenario 4.
pub fn fleet(results: &[FleetResult]) -> String {
    let mut s = String::from(
        "| store | processes | token requests per expiry (goal 1) | warm round | calls per round | calls/s (warm) | calls/s (expiry rounds) | errors | goal |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    for r in results {
        let per = r.per_expiry();
        let warm: u64 = r.rounds.iter().filter(|x| !x.expiry).map(|x| x.token_requests).sum();
        let (tw, te) = r.throughput();
        let ok = !per.is_empty() && per.iter().all(|&n| n == 1) && warm == 0 && r.errors == 0;
        let _ = writeln!(
            s,
            "| {} | {} | {per:?} | {warm} | {} | {tw:.0} | {te:.0} | {} | {} |",
            r.store,
            r.procs,
            r.rounds.first().map_or(0, |x| x.calls),
            r.errors,
            verdict(ok)
        );
    }
    for r in results {
        if let Some(e) = &r.first_error {
            let _ = writeln!(s, "\n{} × {}: first error: {e}", r.store, r.procs);
        }
    }
    s
}

/// Scenario 5.
pub fn compile(r: &CompileResult) -> String {
    let mut s = format!(
        "{} endpoints per crate, {} repetitions, medians in ms{}\n\n\
         | command | time | derived | hand-written | ratio | goal ≤ 1.25 |\n|---|---|---|---|---|---|\n",
        r.endpoints,
        r.reps,
        std::env::var("ZOHO_BENCH_MACRO_OPT")
            .map(|l| format!("; proc macros built at opt-level {l}"))
            .unwrap_or_default()
    );
    for (cmd, what, v) in [
        ("cargo check", "whole invocation", r.check_wall),
        ("cargo check", "crate's rustc", r.check_rustc),
        ("cargo build", "whole invocation", r.build_wall),
        ("cargo build", "crate's rustc", r.build_rustc),
    ] {
        let ratio = v[0] / v[1];
        let _ = writeln!(s, "| {cmd} | {what} | {:.0} | {:.0} | {ratio:.3} | {} |", v[0], v[1], verdict(ratio <= 1.25));
    }
    s
}

/// Scenario 6.
pub fn sandbox(r: &SandboxResult) -> String {
    let mut s = format!(
        "{} connections, load generator in the same process and runtime (2 workers)\n\n\
         | route | requests | requests/s |\n|---|---|---|\n",
        r.concurrency
    );
    for (route, n, rps) in &r.routes {
        let _ = writeln!(s, "| `{route}` | {n} | {rps:.0} |");
    }
    if r.errors > 0 {
        let _ = writeln!(s, "\nerrors: {}", r.errors);
    }
    s
}
