//! Scenario 5, macro compile cost: a crate with `n` `#[derive(Endpoint)]` endpoints vs the same
//! `n` endpoints written by hand as the derive expands them ([`crate::endpoints_gen`]).
//!
//! Both crates live in a temporary folder, depend on `zoho-oauth-core` by path, copy the
//! workspace's `Cargo.lock`, and share one `CARGO_TARGET_DIR` (`target/zoho-bench-compile`), so
//! that dependencies are built once (warm-up) and only the generated crate is rebuilt: each
//! repetition rewrites its `lib.rs` and runs `cargo check` or `cargo build`. Two times are
//! taken: the whole cargo invocation (wall), and the generated crate's own `rustc` (through the
//! bench binary as `RUSTC_WRAPPER`). Variants alternate in order per repetition.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Bench, ROLE};
use crate::stats::median;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace").to_path_buf()
}

/// Writes the crate of one variant into `dir`; returns its `lib.rs` path.
pub fn write_crate(dir: &Path, n: usize, derived: bool) -> io::Result<PathBuf> {
    let root = workspace_root();
    let name = if derived { "bench_endpoints_derived" } else { "bench_endpoints_hand" };
    std::fs::create_dir_all(dir.join("src"))?;
    let core = root.join("oauth-core");
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nzoho-oauth-core = {{ path = {core:?} }}\nserde_json = \"1\"\n\n[workspace]\n",
        core = core.display().to_string()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest)?;
    if let Ok(lock) = std::fs::read(root.join("Cargo.lock")) {
        std::fs::write(dir.join("Cargo.lock"), lock)?;
    }
    let lib = dir.join("src").join("lib.rs");
    std::fs::write(&lib, crate::endpoints_gen::endpoints(n, derived, false))?;
    Ok(lib)
}

/// Medians in milliseconds, per `[derived, hand]`.
#[derive(Debug, Clone, Default)]
pub struct CompileResult {
    /// Endpoints per crate.
    pub endpoints: usize,
    /// Repetitions per variant and command.
    pub reps: usize,
    /// `cargo check`, whole invocation.
    pub check_wall: [f64; 2],
    /// `cargo check`, the crate's rustc only.
    pub check_rustc: [f64; 2],
    /// `cargo build`, whole invocation.
    pub build_wall: [f64; 2],
    /// `cargo build`, the crate's rustc only.
    pub build_rustc: [f64; 2],
}

/// Builds both crates `reps` times with each command, after a warm-up.
///
/// `ZOHO_BENCH_MACRO_OPT=<level>` builds proc macros (and build scripts) at that `opt-level`
/// (`CARGO_PROFILE_DEV_BUILD_OVERRIDE_OPT_LEVEL`, in its own target dir);
/// `ZOHO_BENCH_COMPILE_DIR=<dir>` keeps the generated crates there for inspection.
pub fn compile_cost(bench: &Bench, n: usize, reps: usize) -> io::Result<CompileResult> {
    let tmp = tempfile::tempdir()?;
    let base = std::env::var_os("ZOHO_BENCH_COMPILE_DIR").map_or_else(|| tmp.path().to_path_buf(), PathBuf::from);
    let macro_opt = std::env::var("ZOHO_BENCH_MACRO_OPT").ok();
    let target_name = match &macro_opt {
        Some(level) => format!("zoho-bench-compile-macro-opt{level}"),
        None => "zoho-bench-compile".to_owned(),
    };
    let target = workspace_root().join("target").join(target_name);
    let log = base.join("rustc.log");
    let dirs = [base.join("derived"), base.join("hand")];
    let mut libs = Vec::new();
    for (dir, derived) in dirs.iter().zip([true, false]) {
        libs.push(write_crate(dir, n, derived)?);
    }
    let cargo = |dir: &Path, cmd: &str| -> io::Result<Duration> {
        let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        // What an enclosing `cargo run`/`cargo test` set describes another package.
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy();
            if (k.starts_with("CARGO_") && k != "CARGO_HOME") || k == "RUSTC_WRAPPER" || k == "RUSTFLAGS" {
                c.env_remove(&*k);
            }
        }
        if let Some(level) = &macro_opt {
            c.env("CARGO_PROFILE_DEV_BUILD_OVERRIDE_OPT_LEVEL", level);
        }
        c.arg(cmd)
            .arg("--quiet")
            .arg("--offline")
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", &target)
            .env("RUSTC_WRAPPER", &bench.exe)
            .env(ROLE, "rustc-wrapper")
            .env("ZOHO_BENCH_RUSTC_LOG", &log)
            .stdout(Stdio::null());
        let started = Instant::now();
        let status = c.status()?;
        let took = started.elapsed();
        if !status.success() {
            return Err(io::Error::other(format!("`cargo {cmd}` failed in {}", dir.display())));
        }
        Ok(took)
    };
    let last_rustc = || -> io::Result<f64> {
        let text = std::fs::read_to_string(&log)?;
        let ns: u64 =
            text.lines().last().and_then(|l| l.parse().ok()).ok_or_else(|| io::Error::other("no rustc time"))?;
        Ok(ns as f64 / 1e6)
    };
    // Warm-up: builds the dependencies (once per target dir) and both crates.
    for dir in &dirs {
        cargo(dir, "check")?;
        cargo(dir, "build")?;
    }
    let mut walls: [[Vec<f64>; 2]; 2] = Default::default();
    let mut rustcs: [[Vec<f64>; 2]; 2] = Default::default();
    for rep in 0..reps {
        for (ci, cmd) in ["check", "build"].into_iter().enumerate() {
            for k in 0..2 {
                let v = (rep + k) % 2;
                // A new lib.rs (same code, a changed comment) makes cargo rebuild this crate only.
                let mut text = std::fs::read_to_string(&libs[v])?;
                text.push_str(&format!("// rep {rep} {cmd}\n"));
                std::fs::write(&libs[v], text)?;
                std::fs::remove_file(&log)
                    .or_else(|e| if e.kind() == io::ErrorKind::NotFound { Ok(()) } else { Err(e) })?;
                let wall = cargo(&dirs[v], cmd)?;
                walls[ci][v].push(wall.as_secs_f64() * 1e3);
                rustcs[ci][v].push(last_rustc()?);
            }
        }
    }
    let m = |v: &[Vec<f64>; 2]| [median(&v[0]), median(&v[1])];
    Ok(CompileResult {
        endpoints: n,
        reps,
        check_wall: m(&walls[0]),
        check_rustc: m(&rustcs[0]),
        build_wall: m(&walls[1]),
        build_rustc: m(&rustcs[1]),
    })
}
