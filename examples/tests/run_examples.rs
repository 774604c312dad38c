//! Runs every example as a user would, so that the README's commands never rot. `cargo test`
//! builds the examples of this package before it runs this file.

use std::path::PathBuf;
use std::process::{Command, Output};

fn example(name: &str) -> PathBuf {
    // target/debug/deps/run_examples-… → target/debug/examples/<name>
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
    dir.join("examples").join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

fn run(name: &str, envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(example(name));
    for var in ["ZOHO_CLIENT_ID", "ZOHO_CLIENT_SECRET", "ZOHO_REDIRECT_URI", "ZOHO_REGION", "REDIS_URL"] {
        cmd.env_remove(var);
    }
    cmd.envs(envs.iter().copied());
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run example {name}: {e}"));
    assert!(
        out.status.success(),
        "example {name} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn quickstart_signs_in_calls_and_refreshes_once() {
    let text = stdout(&run("quickstart", &[]));
    assert!(text.contains("signed in: granted ZohoProjects.portals.READ"), "{text}");
    assert!(text.contains("created task \"Try zoho-projects-rs\""), "{text}");
    assert!(text.contains("after 1 transparent refresh(es)"), "{text}");
    assert!(text.trim_end().ends_with("done."), "{text}");
}

#[test]
fn custom_endpoint_runs() {
    let text = stdout(&run("custom_endpoint", &[]));
    assert!(text.contains("/workdrive/api/v1/files/a%20b%2Fc"), "{text}");
    assert!(text.contains("URL_RULE_NOT_CONFIGURED"), "{text}");
    // The EU user's calls: each on its service's host in the EU, with its headers.
    assert!(text.contains("WorkDrive file \"Welcome (EU).txt\" -> GET /workdrive/api/v1/files/"), "{text}");
    assert_eq!(text.matches("(the eu zohoapis listener)").count(), 1, "{text}");
    assert_eq!(text.matches("(the eu projectsapi listener)").count(), 2, "{text}");
    assert_eq!(text.matches(" listener)").count(), 3, "no other listener: {text}");
    assert!(text.contains("  header Accept: application/vnd.api+json\n  header X-Correlation-Id: lena-1"), "{text}");
    assert!(text.contains("uploaded 4700 bytes as attachment "), "{text}");
    assert!(text.contains("downloaded \"report.txt\" (\"text/plain\", 4700 bytes) -> GET "), "{text}");
    assert!(text.contains("round trip: identical"), "{text}");
}

#[test]
fn device_login_runs() {
    let text = stdout(&run("device_login", &[]));
    assert!(text.contains("enter the code"), "{text}");
    assert!(text.contains("has 2 projects"), "{text}");
}

#[test]
fn tenants_serves_many_users_and_forgets_idle_ones() {
    let text = stdout(&run("tenants", &[]));
    assert!(text.contains("cy@example.com signed in"), "{text}");
    assert_eq!(text.matches("200 {\"portals\":1,\"user\":").count(), 7, "{text}");
    assert!(text.contains("loaded 3 users with 0 store reads"), "{text}");
    assert!(text.contains("evicted 3 idle users"), "{text}");
    assert!(text.contains("loaded 1 user(s), 1 loads in all"), "{text}");
    assert!(text.contains("after removal: 403"), "{text}");
    assert!(text.trim_end().ends_with("done."), "{text}");
}

#[path = "../../tests/tests/common/redis.rs"]
mod redis;

#[test]
fn fleet_refreshes_once_per_expiry() {
    let Some(redis) = redis::start() else { return };
    let url = redis.url();
    let text = stdout(&run("fleet", &[("REDIS_URL", &url)]));
    assert!(text.contains("refreshes per expiry: [1, 1]"), "{text}");
}

#[test]
fn fleet_without_redis_explains_what_to_do() {
    let out = Command::new(example("fleet")).env_remove("REDIS_URL").output().expect("run fleet");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("REDIS_URL=redis://"));
}
