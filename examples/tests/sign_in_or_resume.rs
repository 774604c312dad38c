//! `SignIn` across processes: the first run of the `sign_in_or_resume` example signs an EU user
//! in through the loopback redirect (the test plays the browser), the second run, a new
//! process, resumes the stored token without signing in; both call the EU Projects listener. The
//! token is kept in the file store's default path under the child's `HOME`.
//! Real child processes, a real token file, the sandbox's counters and seen requests.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use zoho_sandbox::{ClientSpec, Dc, Sandbox, Service};

fn example(name: &str) -> PathBuf {
    // target/debug/deps/<test>-… → target/debug/examples/<name>
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
    dir.join("examples").join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// A port that was free a moment ago. Another process may take it before the example binds it:
/// the first run then fails with `AddrInUse`, and [`first_run`] tries another.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// How a run of the example ended.
struct Ran {
    status: std::process::ExitStatus,
    stdout: String,
    stderr: String,
}

/// Runs the example to its end and asserts it succeeded; returns its standard output.
async fn run(envs: &[(String, String)], browser: Option<&reqwest::Client>) -> String {
    let ran = run_once(envs, browser).await;
    assert!(ran.status.success(), "{}\n{}\n{}", ran.status, ran.stdout, ran.stderr);
    ran.stdout
}

/// Runs the example to its end, with only `envs` in its environment; each URL it prints is
/// opened by `browser` (none may be printed without one).
async fn run_once(envs: &[(String, String)], browser: Option<&reqwest::Client>) -> Ran {
    let mut child = tokio::process::Command::new(example("sign_in_or_resume"))
        .env_clear()
        .envs(envs.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the example runs");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut out = String::new();
    let finished = async {
        while let Some(line) = lines.next_line().await.expect("stdout") {
            out.push_str(&line);
            out.push('\n');
            if line.starts_with("http://") {
                let browser = browser.expect("a sign-in was asked for where none should be");
                let page = browser.get(line.trim()).send().await.expect("the browser reaches the redirect");
                assert!(page.status().is_success(), "{}", page.status());
            }
        }
        child.wait_with_output().await.expect("exit")
    };
    // A bound against a hung child, not a wait: a run takes well under a second.
    let output = tokio::time::timeout(Duration::from_secs(120), finished).await.expect("the example ends");
    Ran { status: output.status, stdout: out, stderr: String::from_utf8_lossy(&output.stderr).into_owned() }
}

/// The first run: registers a web client whose redirect URI is on a free loopback port and runs
/// the example with it, `browser` following the URL it prints. `taken` is a port another
/// process holds, tried first. A run that finds its port taken (`AddrInUse`: the port was free
/// when picked, and someone bound it before the example did) is tried again on another port, at
/// most 5 times. Returns the environment of the run that succeeded and its output.
async fn first_run(
    sb: &Sandbox,
    base_envs: &[(String, String)],
    browser: &reqwest::Client,
    taken: Option<u16>,
) -> (Vec<(String, String)>, String) {
    let mut ports_taken = 0;
    for attempt in 1..=5 {
        let port = match (attempt, taken) {
            (1, Some(port)) => port,
            _ => free_port(),
        };
        let redirect = format!("http://127.0.0.1:{port}/callback");
        let app = sb.register_client(ClientSpec::web(&redirect));
        let mut envs = vec![
            ("ZOHO_CLIENT_ID".to_owned(), app.client_id.clone()),
            ("ZOHO_CLIENT_SECRET".to_owned(), app.client_secret.clone()),
            ("ZOHO_REDIRECT_URI".to_owned(), redirect),
        ];
        envs.extend_from_slice(base_envs);
        let ran = run_once(&envs, Some(browser)).await;
        if !ran.status.success() && ran.stderr.contains("AddrInUse") {
            assert!(!ran.stdout.contains("http://"), "no sign-in was started on a port it could not bind");
            ports_taken += 1;
            continue;
        }
        assert!(ran.status.success(), "{}\n{}\n{}", ran.status, ran.stdout, ran.stderr);
        assert!(ports_taken >= usize::from(taken.is_some()), "the port held by the test was not free");
        return (envs, ran.stdout);
    }
    panic!("5 free ports in a row were taken before the example bound them");
}

#[tokio::test(flavor = "multi_thread")]
#[cfg_attr(not(target_os = "linux"), ignore = "the default data folder under HOME is Linux's")]
async fn the_first_run_signs_in_and_a_new_process_resumes_on_the_users_data_centre() {
    let sb = Sandbox::builder().auto_approve(true).start().await.expect("sandbox");
    let lena = sb.add_user("lena@example.eu", Dc::Eu);
    sb.sign_in(&lena.email).expect("the browser is signed in as an EU user");
    // The user's home: the token goes to the file store's default path in it (no ZOHO_TOKEN_FILE).
    let home = tempfile::tempdir().expect("tempdir");
    let file = home.path().join(".local/share/zoho-oauth-core/tokens.json");
    let mut envs = vec![("HOME".to_owned(), home.path().display().to_string())];
    for (dc, name) in [(Dc::Us, "US"), (Dc::Eu, "EU"), (Dc::In, "IN")] {
        envs.push((format!("ZOHO_SANDBOX_ACCOUNTS_{name}"), sb.accounts_url(dc).to_string()));
        envs.push((format!("ZOHO_SANDBOX_API_{name}"), sb.api_url(dc).to_string()));
    }
    let api_calls = |from: usize| -> Vec<(Dc, Service)> {
        sb.requests_seen()[from..]
            .iter()
            .filter(|r| r.path_and_query.starts_with("/api/"))
            .map(|r| (r.dc, r.service))
            .collect()
    };
    let eu_portal = sb.demo_portal(Dc::Eu).id;

    // First run: nothing stored, so the user signs in (the browser follows the URL printed).
    // Another process holds the first port the test picks: that run ends with `AddrInUse`
    // before asking anything of Zoho, and the next one, on another port, signs in.
    let other_process = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let held = other_process.local_addr().expect("addr").port();
    let browser = reqwest::Client::new();
    let (envs, out) = first_run(&sb, &envs, &browser, Some(held)).await;
    drop(other_process);
    assert!(out.contains("open this URL in your browser"), "{out}");
    assert!(out.contains("data centre: eu") && out.contains(&format!("portal {eu_portal}")), "{out}");
    let first = sb.counters();
    assert_eq!(first.codes_issued, 1, "one sign-in");
    assert_eq!(first.refresh_tokens_issued, 1);
    assert_eq!(api_calls(0), [(Dc::Eu, Service::Projects)], "the call reached the EU Projects listener");
    assert!(file.exists(), "the token was stored at the default path");

    // Second run, a new process: the stored token is resumed, nobody is asked to sign in.
    let before = sb.requests_seen().len();
    let out = run(&envs, None).await;
    assert!(!out.contains("open this URL"), "{out}");
    assert!(out.contains("data centre: eu") && out.contains(&format!("portal {eu_portal}")), "{out}");
    let second = sb.counters();
    assert_eq!(second.token_requests - first.token_requests, 0, "no token grant of any kind");
    assert_eq!(second.codes_issued, 1, "no second sign-in");
    assert_eq!(api_calls(before), [(Dc::Eu, Service::Projects)]);
    sb.shutdown().await;
}

#[test]
fn without_client_credentials_it_says_what_to_set() {
    let out = std::process::Command::new(example("sign_in_or_resume")).env_clear().output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ZOHO_CLIENT_ID") && err.contains("ZOHO_REDIRECT_URI"), "{err}");
}
