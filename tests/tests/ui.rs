//! What users see: compile errors for every mistake the macros and the scope types catch, and
//! programs that must compile.
//!
//! The pass cases need no snapshot and run on every compiler. The `.stderr` files of the fail
//! cases are pinned to the compiler in `rust-toolchain.toml` (rustc 1.95.0); regenerate them with
//! `TRYBUILD=overwrite cargo test -p zoho-tests --test ui` and review the diff. On another
//! compiler the fail cases are skipped with a `SKIPPED` line on stderr, except under `CI`, where
//! that is a failure: CI must compare every snapshot.

/// The compiler the `.stderr` snapshots were made with (kept equal to `rust-toolchain.toml`).
const PINNED: &str = "1.95.0";

/// Whether this test was built by the pinned compiler (trybuild builds the cases with the same
/// toolchain).
#[rustversion::stable(1.95.0)]
const ON_PINNED_COMPILER: bool = true;
#[rustversion::not(stable(1.95.0))]
const ON_PINNED_COMPILER: bool = false;

#[test]
fn ui_pass_cases_compile() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
}

#[test]
fn ui_fail_cases_give_the_pinned_errors() {
    if !ON_PINNED_COMPILER {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must compare the UI snapshots, which are pinned to rustc {PINNED}: use the toolchain of rust-toolchain.toml"
        );
        eprintln!(
            "SKIPPED: the UI snapshots are pinned to rustc {PINNED} (rust-toolchain.toml); this is another compiler"
        );
        return;
    }
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
}

#[test]
fn the_pinned_compiler_is_the_toolchain_file() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rust-toolchain.toml");
    let toml = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let channel = toml
        .lines()
        .find_map(|l| {
            l.trim().strip_prefix("channel").map(|rest| rest.trim_start_matches([' ', '=']).trim().trim_matches('"'))
        })
        .expect("rust-toolchain.toml names a channel");
    assert_eq!(channel, PINNED, "ui.rs pins the snapshots to {PINNED}, rust-toolchain.toml to {channel}");
}
