//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) through the very harness
//! functions the cargo-fuzz targets run (`fuzz/harness.rs`), as an ordinary test: every seed
//! and every input a fuzzing session added must keep passing the harness's properties, and a
//! crash once found and fixed stays fixed.

#[path = "../../fuzz/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_input_passes_its_harness() {
    let mut failures = Vec::new();
    let mut total = 0;
    for (target, run) in harness::TARGETS {
        let files = corpus(target);
        assert!(files.len() >= 8, "{target}: only {} corpus files", files.len());
        for file in files {
            let data = std::fs::read(&file).expect("corpus file");
            total += 1;
            if let Err(panic) = std::panic::catch_unwind(|| run(&data)) {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default();
                failures
                    .push(format!("{target}/{}: {message}", file.file_name().unwrap_or_default().to_string_lossy()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} corpus inputs broke a property:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The harnesses do check something: inputs that break each property are caught. (These are
/// the library's own outputs, fed where a remote party's bytes go.)
#[test]
fn the_harnesses_accept_the_documented_shapes() {
    // A documented token answer is a success for the code exchange…
    let body = br#"{"access_token":"1000.2dea.703a","refresh_token":"1000.18e9.1bd8","expires_in":3600,
        "scope":"ZohoProjects.portals.READ,ZohoProjects.tasks.ALL","api_domain":"https://www.zohoapis.com"}"#;
    let mut input = vec![0u8, 0u8];
    input.extend_from_slice(body);
    harness::token_response(&input);
    // …and a callback with the expected state passes, one with a forged server is refused.
    harness::callback(format!("?code=c&state={}", harness::EXPECTED_STATE).as_bytes());
    harness::callback(
        format!("?code=c&state={}&accounts-server=https://evil.example", harness::EXPECTED_STATE).as_bytes(),
    );
    harness::scopes(b"\x01ZohoProjects.tasks.ALL,ZohoProjects.portals.READ");
    harness::projects(b"\x00[]");
}
