//! The child roles the bench binary plays when [`ROLE`](crate::common::ROLE) is set: the
//! sandbox server, a fleet worker, and a timing `RUSTC_WRAPPER`.

use std::io::Write as _;
use std::time::{Duration, Instant};

use tokio::io::AsyncBufReadExt;
use zoho_sandbox::{Dc, Limits, Sandbox};

use crate::common::READ;

/// Runs `role` to completion; returns the process exit code.
pub fn run(role: &str) -> i32 {
    match role {
        "sandbox" => runtime(2).block_on(sandbox(false)),
        "sandbox-strict" => runtime(2).block_on(sandbox(true)),
        #[cfg(feature = "redis")]
        "tenant-worker" => runtime(2).block_on(crate::tenant_fleet::worker()),
        "fleet-worker" => runtime(2).block_on(crate::fleet::worker()),
        "rustc-wrapper" => rustc_wrapper(),
        "fastpath-loop" => fastpath_loop(),
        "overhead-loop" => overhead_loop(),
        "download-once" => crate::download::child(),
        other => {
            eprintln!("zoho-bench: unknown child role {other}");
            2
        }
    }
}

fn runtime(workers: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build().expect("runtime")
}

/// A named environment variable of a worker, or an error naming it.
pub(crate) fn var(name: &str) -> std::io::Result<String> {
    std::env::var(name).map_err(|_| std::io::Error::other(format!("{name} not set")))
}

/// A worker's exit code: 0, or 1 after telling the parent (`@@ ERROR …`) and standard error.
pub(crate) fn exit_code(role: &str, result: std::io::Result<()>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(e) => {
            answer(&format!("ERROR {e}"));
            eprintln!("{role}: {e}");
            1
        }
    }
}

/// Prints one protocol line.
pub(crate) fn answer(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "@@ {line}");
    let _ = out.flush();
}

/// `zoho-sandbox` with relaxed limits. Hello:
/// `@@ <accounts url> <projects url> <client id> <secret> <e-mail> <now ms>`;
/// then `CODE`, `ADVANCE <ms>`, `COUNTERS`, `Q`.
async fn sandbox(strict: bool) -> i32 {
    // Relaxed: a benchmark measures the client's cost over many calls, not Zoho's limits; the
    // tenant fleet (scenario 8) asks for Zoho's limits, to count the 429s.
    let limits = if strict { Limits::strict() } else { Limits::relaxed() };
    let sb = match Sandbox::builder().limits(limits).auto_approve(true).start().await {
        Ok(sb) => sb,
        Err(e) => {
            eprintln!("sandbox: {e}");
            return 1;
        }
    };
    let app = sb.demo_client();
    answer(&format!(
        "{} {} {} {} {} {}",
        sb.accounts_url(Dc::Us),
        sb.api_url(Dc::Us),
        app.client_id,
        app.client_secret,
        sb.demo_user().email,
        sb.clock().now_ms()
    ));
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("CODE"), _) => match sb.self_client_code(&app.client_id, &[READ]) {
                Ok(code) => answer(&code),
                Err(e) => answer(&format!("ERROR {e}")),
            },
            (Some("ADVANCE"), Some(ms)) => {
                sb.clock().advance(Duration::from_millis(ms.parse().unwrap_or(0)));
                answer(&sb.clock().now_ms().to_string());
            }
            (Some("COUNTERS"), _) => {
                let c = sb.counters();
                answer(&format!("{} {} {} {}", c.token_requests, c.refresh_grants, c.api_requests, c.access_denied));
            }
            (Some("REDIRECT"), _) => answer(&app.redirect_uri),
            (Some("SIGNIN"), Some(email)) => {
                sb.add_user(email, Dc::Us);
                match sb.sign_in(email) {
                    Ok(_) => answer("OK"),
                    Err(e) => answer(&format!("ERROR {e}")),
                }
            }
            (Some("LIMITED"), _) => answer(&sb.counters().api_rate_limited.to_string()),
            (Some("Q"), _) => break,
            _ => answer("ERROR unknown command"),
        }
    }
    sb.shutdown().await;
    0
}

/// `RUSTC_WRAPPER`: runs rustc and, for the crates of scenario 5, appends its wall time in
/// nanoseconds to `$ZOHO_BENCH_RUSTC_LOG`.
fn rustc_wrapper() -> i32 {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let Some((rustc, rest)) = args.split_first() else {
        eprintln!("rustc-wrapper: no rustc given");
        return 2;
    };
    let ours = rest.windows(2).any(|w| w[0] == "--crate-name" && w[1].to_string_lossy().starts_with("bench_endpoints"));
    let started = Instant::now();
    let status = match std::process::Command::new(rustc).args(rest).status() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rustc-wrapper: {e}");
            return 2;
        }
    };
    let elapsed = started.elapsed();
    if ours && let Some(log) = std::env::var_os("ZOHO_BENCH_RUSTC_LOG") {
        let line = format!("{}\n", elapsed.as_nanos());
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .and_then(|mut f| f.write_all(line.as_bytes()));
        if let Err(e) = written {
            eprintln!("rustc-wrapper: cannot log: {e}");
        }
    }
    status.code().unwrap_or(1)
}

/// For profilers (`valgrind --tool=callgrind`, `perf stat`): calls one token fast-path variant
/// (`$ZB_VARIANT`, see [`crate::fastpath::VARIANTS`]) `$ZB_ITERS` times on each of `$ZB_THREADS`
/// threads, and prints the size of the futures involved and the wall time per call.
fn fastpath_loop() -> i32 {
    use crate::fastpath::{Sources, VARIANTS, run_threads};
    let s = Sources::new();
    let num = |name: &str, default: u64| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let (iters, threads) = (num("ZB_ITERS", 1_000_000), num("ZB_THREADS", 1) as usize);
    let name = std::env::var("ZB_VARIANT").unwrap_or_else(|_| "manager".into());
    let Some((_, f)) = VARIANTS.iter().find(|(n, _)| *n == name) else {
        eprintln!("unknown variant {name}");
        return 2;
    };
    eprintln!(
        "size of the TokenManager::token() future: {} bytes; TokenSource::access_token() returns a {}-byte box",
        std::mem::size_of_val(&s.manager.token()),
        std::mem::size_of_val(&zoho_oauth_core::TokenSource::access_token(&s.manager)),
    );
    let wall = run_threads(threads, iters, || f(std::hint::black_box(&s)));
    eprintln!("{name}: {threads} thread(s) × {iters}: {:.1} ns per call (wall)", wall.as_nanos() as f64 / iters as f64);
    0
}

/// For profilers: `$ZB_ITERS` sequential calls of one variant of scenario 2 (`$ZB_VARIANT`: an index into
/// [`crate::overhead::VARIANTS`]) against the tiny server.
fn overhead_loop() -> i32 {
    let iters = std::env::var("ZB_ITERS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let variant = std::env::var("ZB_VARIANT").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
    match crate::overhead::one_variant(variant, iters) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("overhead-loop: {e}");
            1
        }
    }
}
