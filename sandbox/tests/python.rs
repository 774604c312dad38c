//! The sandbox from another language: `tests/python/walkthrough.py` (Python standard library
//! only) starts the real binary with `--json` and walks authorize → token → projects → task →
//! clock +2 h → 401 → refresh → fault → revoke. Without `python3` the test says SKIP, unless
//! `CI` is set: then it fails (`.ci/run` installs python3).

use std::process::Command;

#[test]
fn python_walkthrough_against_the_binary() {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    if Command::new(&python).arg("--version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "CI is set but {python} is missing: install python3");
        eprintln!("SKIP python_walkthrough_against_the_binary: {python} not found");
        return;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/walkthrough.py");
    let out = Command::new(&python).arg(script).arg(env!("CARGO_BIN_EXE_zoho-sandbox")).output().expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "walkthrough.py failed ({}):\n{stdout}\n{stderr}", out.status);
    assert_eq!(stdout.trim(), "PASS", "{stdout}\n{stderr}");
}
