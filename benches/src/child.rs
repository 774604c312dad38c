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
        "sandbox" => runtime(2).block_on(sandbox()),
        "fleet-worker" => runtime(2).block_on(crate::fleet::worker()),
        "rustc-wrapper" => rustc_wrapper(),
        other => {
            eprintln!("zoho-bench: unknown child role {other}");
            2
        }
    }
}

fn runtime(workers: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build().expect("runtime")
}

/// Prints one protocol line.
pub(crate) fn answer(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "@@ {line}");
    let _ = out.flush();
}

/// `zoho-sandbox` with relaxed limits. Hello: `@@ <url> <client id> <secret> <e-mail> <now ms>`;
/// then `CODE`, `ADVANCE <ms>`, `COUNTERS`, `Q`.
async fn sandbox() -> i32 {
    let sb = match Sandbox::builder().limits(Limits::relaxed()).auto_approve(true).start().await {
        Ok(sb) => sb,
        Err(e) => {
            eprintln!("sandbox: {e}");
            return 1;
        }
    };
    let app = sb.demo_client();
    answer(&format!(
        "{} {} {} {} {}",
        sb.accounts_url(Dc::Us),
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
