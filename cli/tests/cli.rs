//! The real `zoho` binary against a sandbox started in this process: every test reads what left
//! the process (the binary's stdout, stderr and exit code, the files it wrote, what the
//! sandbox saw). The binary's config and token files live in a temporary home.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Output, Stdio};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use zoho_projects::oauth::OAuthClient;
use zoho_projects::{ClientSecret, OAuthError, RefreshToken, TokenParts};
use zoho_sandbox::{ClientCredentials, ClientKind, ClientSpec, Dc, Sandbox};

/// A guard against a hung binary, not a timer: every command here ends in well under a second.
const HANG: Duration = Duration::from_secs(120);

const DEFAULT_SCOPES: &str = "ZohoProjects.portals.READ,ZohoProjects.projects.READ,ZohoProjects.tasks.READ";

/// A temporary home for the binary: its config and token files, and nothing of the user's.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home { dir: tempfile::tempdir().expect("temp dir") }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("config").join("zoho").join("config.json")
    }

    fn tokens(&self) -> PathBuf {
        self.dir.path().join("data").join("tokens.json")
    }

    /// The binary with only this home in its environment (no ZOHO_* of the caller, no DISPLAY).
    fn zoho(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_zoho"));
        c.env_clear()
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("xdg-config"))
            .env("XDG_DATA_HOME", self.dir.path().join("xdg-data"))
            .env("ZOHO_CONFIG", self.config())
            .env("ZOHO_TOKEN_FILE", self.tokens())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        c
    }

    async fn run(&self, args: &[&str]) -> Output {
        tokio::time::timeout(HANG, self.zoho().args(args).output()).await.expect("zoho hung").expect("ran")
    }

    /// The token file's record (there is one profile in these tests).
    fn record(&self) -> serde_json::Value {
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(self.tokens()).expect("token file")).expect("JSON");
        let records = doc["records"].as_object().expect("records");
        assert_eq!(records.len(), 1, "{doc}");
        records.values().next().expect("one").clone()
    }

    fn secret_of(&self, field: &str) -> String {
        self.record()[field].as_str().unwrap_or_else(|| panic!("{field} in {}", self.record())).to_owned()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited")
}

fn server_args(sb: &Sandbox, app: &ClientCredentials) -> Vec<String> {
    vec![
        "--client-id".into(),
        app.client_id.clone(),
        "--client-secret".into(),
        app.client_secret.clone(),
        "--accounts-url".into(),
        sb.accounts_url(Dc::Us).to_string(),
        "--api-url".into(),
        sb.api_url(Dc::Us).to_string(),
    ]
}

fn device_client(sb: &Sandbox) -> ClientCredentials {
    sb.register_client(ClientSpec {
        name: "zoho cli test".into(),
        kind: ClientKind::Device,
        redirect_uris: Vec::new(),
        owner: None,
    })
}

/// Reads the binary's stderr until a line satisfies `pick`; returns what `pick` took from it.
async fn read_stderr_until<T>(child: &mut Child, mut pick: impl FnMut(&str) -> Option<T>) -> (T, String) {
    let stderr = child.stderr.take().expect("stderr piped");
    let mut lines = BufReader::new(stderr).lines();
    let mut seen = String::new();
    loop {
        let line = tokio::time::timeout(HANG, lines.next_line())
            .await
            .expect("zoho hung")
            .expect("read")
            .unwrap_or_else(|| panic!("stderr ended before the expected line; it said:\n{seen}"));
        seen.push_str(&line);
        seen.push('\n');
        if let Some(found) = pick(&line) {
            // Keep draining so the binary never blocks on a full pipe.
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            return (found, seen);
        }
    }
}

/// `zoho login --device` with `extra` flags: the test reads the user code from stderr, approves
/// it through the sandbox and moves its clock past the poll interval.
async fn device_login(home: &Home, sb: &Sandbox, app: &ClientCredentials, extra: &[&str]) -> String {
    let mut child = home
        .zoho()
        .args(["login", "--device"])
        .args(server_args(sb, app))
        .args(extra)
        .env("ZOHO_DEVICE_POLL_MS", "20")
        .spawn()
        .expect("spawn");
    let (user_code, said) =
        read_stderr_until(&mut child, |l| l.split_once("enter the code: ").map(|(_, c)| c.trim().to_owned())).await;
    sb.approve_device(&user_code, &sb.demo_user().email).expect("approve");
    sb.clock().advance(Duration::from_secs(30));
    let status = tokio::time::timeout(HANG, child.wait()).await.expect("zoho hung").expect("waited");
    assert!(status.success(), "login failed: {status:?}; stderr began:\n{said}");
    said
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).expect("exists").permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_login_then_status_token_and_logout_revoke() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let app = device_client(&sb);
    let home = Home::new();

    let said = device_login(&home, &sb, &app, &[]).await;
    assert!(
        said.contains(&format!("{}oauth/v3/device", sb.accounts_url(Dc::Us))),
        "the verification URL is shown: {said}"
    );
    let c = sb.counters();
    assert_eq!((c.device_codes_issued, c.access_tokens_minted, c.refresh_tokens_issued), (1, 1, 1));
    // The flow asked for exactly the default scopes, comma-separated.
    let start = sb.requests_seen().into_iter().find(|r| r.path_and_query.contains("device/code")).expect("seen");
    assert_eq!(start.method, "POST");

    // Files: the token file and the config file, both mode 0600, in the temporary home.
    assert_eq!(mode(&home.tokens()), 0o600);
    assert_eq!(mode(&home.config()), 0o600);
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(home.config()).expect("config")).expect("JSON");
    assert_eq!(config["client_id"], app.client_id.as_str());
    assert_eq!(config["client_secret"], app.client_secret.as_str());
    assert_eq!(config["accounts_url"], sb.accounts_url(Dc::Us).as_str());
    assert_eq!(config["api_url"], sb.api_url(Dc::Us).as_str());
    let access = home.secret_of("access_token");
    let refresh = home.secret_of("refresh_token");
    assert_eq!(home.record()["scopes"], serde_json::json!(DEFAULT_SCOPES.split(',').collect::<Vec<_>>()));

    // status: from the config file alone (no flags), and never a secret.
    let out = home.run(&["status"]).await;
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    for scope in DEFAULT_SCOPES.split(',') {
        assert!(stdout.contains(scope), "{stdout}");
    }
    assert!(stdout.contains(&home.tokens().display().to_string()), "store location: {stdout}");
    assert!(stdout.contains("stored (offline access)"), "{stdout}");
    for secret in [&access, &refresh, &app.client_secret] {
        assert!(
            !stdout.contains(secret.as_str()) && !stderr.contains(secret.as_str()),
            "a secret in:\n{stdout}{stderr}"
        );
    }
    let out = home.run(&["status", "--json"]).await;
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON status");
    assert_eq!(status["signed_in"], true);
    assert_eq!(status["refresh_token"], true);
    // A configured accounts server names no data centre; the server itself is shown.
    assert_eq!(status["data_centre"], serde_json::Value::Null);
    assert_eq!(status["accounts_server"], sb.accounts_url(Dc::Us).as_str().trim_end_matches('/'));
    assert_eq!(status["api_server"], sb.api_url(Dc::Us).as_str());
    assert_eq!(status["token_store"], home.tokens().display().to_string());
    for secret in [&access, &refresh, &app.client_secret] {
        assert!(!text(&out.stdout).contains(secret.as_str()));
    }

    // token: stdout is the token and a newline, nothing else; no request needed.
    let before = sb.requests_seen().len();
    let out = home.run(&["token"]).await;
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("{access}\n"));
    assert_eq!(sb.requests_seen().len(), before, "a valid token is printed without asking Zoho");

    // logout --revoke: Zoho revokes the refresh token, the record is gone.
    let out = home.run(&["logout", "--revoke"]).await;
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(sb.counters().revocations, 1);
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(home.tokens()).expect("file")).expect("JSON");
    assert_eq!(doc["records"].as_object().map(|r| r.len()), Some(0), "{doc}");
    // The sandbox refuses the revoked refresh token.
    let oauth = OAuthClient::builder(&app.client_id, ClientSecret::new(app.client_secret.as_str()))
        .accounts_url(sb.accounts_url(Dc::Us))
        .build()
        .expect("oauth");
    let mut parts =
        TokenParts::new(zoho_projects::AccessToken::new("x", std::time::SystemTime::now(), Default::default()));
    parts.refresh_token = Some(RefreshToken::new(refresh.as_str()));
    assert!(matches!(oauth.refresh(&parts).await, Err(OAuthError::InvalidRefreshToken)));

    // Signed out: status says so, with exit code 3.
    let out = home.run(&["status"]).await;
    assert_eq!(code(&out), 3, "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("not signed in"), "{}", text(&out.stderr));
    sb.shutdown().await;
}

/// Moves the stored token's expiry to `at` (what an hour passing looks like to the binary,
/// whose clock is the system's), keeping the file's mode.
fn set_expiry(home: &Home, at: std::time::SystemTime) {
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(home.tokens()).expect("file")).expect("JSON");
    let ms = at.duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_millis() as u64;
    for record in doc["records"].as_object_mut().expect("records").values_mut() {
        record["expires_at_ms"] = ms.into();
    }
    std::fs::write(home.tokens(), doc.to_string()).expect("write");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_is_refreshed_before_it_is_printed_when_little_of_it_is_left() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let app = device_client(&sb);
    let home = Home::new();
    device_login(&home, &sb, &app, &[]).await;
    let first = home.secret_of("access_token");
    let now = std::time::SystemTime::now();

    // Four minutes left: due for refresh (5 minutes before expiry); refreshed first, in the
    // foreground, and stored.
    set_expiry(&home, now + Duration::from_secs(240));
    let out = home.run(&["token"]).await;
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let second = text(&out.stdout).trim_end().to_owned();
    assert_eq!(text(&out.stdout), format!("{second}\n"), "only the token on stdout");
    assert_ne!(second, first, "a fresh token, not the one about to expire");
    assert_eq!(sb.counters().refresh_grants, 1);
    assert_eq!(home.secret_of("access_token"), second, "the refreshed token is stored");

    // Expired: refreshed once more; the new token is accepted by the API.
    set_expiry(&home, now - Duration::from_secs(60));
    let out = home.run(&["token"]).await;
    let third = text(&out.stdout).trim_end().to_owned();
    assert_ne!(third, second);
    assert_eq!(sb.counters().refresh_grants, 2);
    let out = home.run(&["api", "GET", "/api/v3/portals"]).await;
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(sb.counters().refresh_grants, 2, "the stored token serves the call");
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loopback_login_with_the_test_as_the_browser() {
    let sb = Sandbox::builder().auto_approve(true).start().await.expect("sandbox");
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let redirect = format!("http://127.0.0.1:{port}/callback");
    let app = sb.register_client(ClientSpec {
        name: "zoho cli loopback".into(),
        kind: ClientKind::Web,
        redirect_uris: vec![redirect.clone()],
        owner: None,
    });
    let home = Home::new();
    let mut child = home
        .zoho()
        .args(["login", "--no-browser", "--redirect-uri", &redirect, "--scopes", "ZohoProjects.portals.READ"])
        .args(server_args(&sb, &app))
        .spawn()
        .expect("spawn");
    let (url, _) = read_stderr_until(&mut child, |l| l.trim().strip_prefix("http").map(|r| format!("http{r}"))).await;
    let url = url::Url::parse(&url).expect("the sign-in URL");
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q.get("scope").map(String::as_str), Some("ZohoProjects.portals.READ"));
    assert_eq!(q.get("redirect_uri"), Some(&redirect));
    assert_eq!(q.get("code_challenge_method").map(String::as_str), Some("S256"));
    assert_eq!(q.get("access_type").map(String::as_str), Some("offline"));

    // The browser: the sandbox approves and redirects to the CLI's loopback, which answers.
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http");
    let consent = browser.get(url).send().await.expect("consent");
    let callback = consent.headers()["location"].to_str().expect("location").to_owned();
    assert!(callback.starts_with(&redirect), "{callback}");
    let page = browser.get(&callback).send().await.expect("callback");
    assert_eq!(page.status(), 200);
    let status = tokio::time::timeout(HANG, child.wait()).await.expect("hung").expect("waited");
    assert!(status.success(), "{status:?}");

    assert_eq!(mode(&home.tokens()), 0o600);
    assert_eq!(home.record()["scopes"], serde_json::json!(["ZohoProjects.portals.READ"]));
    assert!(home.record()["refresh_token"].is_string());
    let c = sb.counters();
    assert_eq!((c.codes_issued, c.access_tokens_minted, c.refresh_tokens_issued), (1, 1, 1));
    // The redirect URI is remembered: the next login needs no --redirect-uri.
    let config: serde_json::Value = serde_json::from_slice(&std::fs::read(home.config()).expect("c")).expect("JSON");
    assert_eq!(config["redirect_uri"], redirect.as_str());
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_checks_the_scope_before_sending_and_sends_what_it_is_told() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let app = device_client(&sb);
    let home = Home::new();
    device_login(&home, &sb, &app, &[]).await;
    let portal = sb.demo_portal(Dc::Us);
    let project = &portal.projects[0];
    let task_path = format!("/api/v3/portal/{}/projects/{}/tasks/{}", portal.id, project.id, project.tasks[0]);

    // DELETE needs tasks.DELETE, which the default sign-in lacks: refused, nothing sent.
    let seen = sb.requests_seen().len();
    let out = home.run(&["api", "DELETE", &task_path]).await;
    assert_eq!(code(&out), 5, "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("ZohoProjects.tasks.DELETE"), "{stderr}");
    assert!(stderr.contains("ZohoProjects.tasks.ALL"), "the module's ALL is suggested: {stderr}");
    assert!(stderr.contains(&format!("zoho login --scopes {DEFAULT_SCOPES},ZohoProjects.tasks.DELETE")), "{stderr}");
    assert!(out.stdout.is_empty());
    assert_eq!(sb.requests_seen().len(), seen, "the sandbox saw no request");
    // Same with an explicit --scope.
    let out = home.run(&["api", "GET", "/api/v3/portals", "--scope", "ZohoProjects.users.READ"]).await;
    assert_eq!(code(&out), 5);
    assert_eq!(sb.requests_seen().len(), seen, "the sandbox saw no request");

    // A granted call is sent to the API server with the stored token, query encoded.
    let access = home.secret_of("access_token");
    let tasks_path = format!("/api/v3/portal/{}/projects/{}/tasks", portal.id, project.id);
    let out = home.run(&["api", "GET", &tasks_path, "--query", "per_page=1", "-q", "page=1"]).await;
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).expect("raw JSON when piped");
    assert_eq!(body["tasks"].as_array().map(Vec::len), Some(1), "{body}");
    let sent = sb.requests_seen();
    assert_eq!(sent.len(), seen + 1);
    let req = sent.last().expect("one");
    assert_eq!((req.dc, req.method.as_str()), (Dc::Us, "GET"));
    assert_eq!(req.path_and_query, format!("{tasks_path}?per_page=1&page=1"));
    let auth = req.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("authorization")).map(|(_, v)| v.clone());
    assert_eq!(auth, Some(format!("Zoho-oauthtoken {access}")));

    // A path that climbs out is refused before anything is sent.
    for bad in ["/api/v3/portal/1/../../oauth/v2/token", "/api/v3/%2e%2e/x/tasks", "//evil.example/api/v3/portals"] {
        let out = home.run(&["api", "GET", bad, "--scope", "ZohoProjects.portals.READ"]).await;
        assert_eq!(code(&out), 2, "{bad}: {}", text(&out.stderr));
    }
    assert_eq!(sb.requests_seen().len(), seen + 1, "no request for refused paths");
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_http_api_or_accounts_url_to_another_host_is_refused_before_anything_is_sent() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let app = device_client(&sb);
    let home = Home::new();
    device_login(&home, &sb, &app, &[]).await;
    let access = home.secret_of("access_token");
    let seen = sb.requests_seen().len();

    // `zoho api` sends the stored access token to the API URL itself: a plain-http one to a host
    // that is not this machine is a usage error, from a flag or from the config file.
    for (flag, url, shown) in [
        ("--api-url", "http://10.0.0.1:9/", "http://10.0.0.1:9"),
        ("--api-url", "HTTP://Example.com/api/", "http://example.com"),
        ("--accounts-url", "http://example.com/", "http://example.com"),
    ] {
        let out = home.run(&["api", "GET", "/api/v3/portals", flag, url]).await;
        assert_eq!(code(&out), 2, "{flag} {url}: {}", text(&out.stderr));
        let stderr = text(&out.stderr);
        assert!(stderr.contains("must be an https URL") && stderr.contains(shown), "{stderr}");
        assert!(!stderr.contains(&access) && out.stdout.is_empty(), "{stderr}");
    }
    let mut config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(home.config()).expect("config")).expect("JSON");
    config["api_url"] = "http://example.com/".into();
    std::fs::write(home.config(), config.to_string()).expect("config written");
    let out = home.run(&["api", "GET", "/api/v3/portals"]).await;
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("config file's api_url"), "{}", text(&out.stderr));
    assert_eq!(sb.requests_seen().len(), seen, "nothing was sent");
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_sends_a_json_body_from_a_file_and_reports_zohos_errors() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let app = device_client(&sb);
    let home = Home::new();
    let scopes = "ZohoProjects.portals.READ,ZohoProjects.projects.READ,ZohoProjects.tasks.ALL";
    device_login(&home, &sb, &app, &["--scopes", scopes]).await;
    let portal = sb.demo_portal(Dc::Us);
    let project = &portal.projects[0];
    let tasks = format!("/api/v3/portal/{}/projects/{}/tasks", portal.id, project.id);

    // POST with a body read from a file: tasks.ALL grants tasks.CREATE.
    let body = home.dir.path().join("task.json");
    std::fs::write(&body, r#"{"name": "Written from the shell"}"#).expect("body");
    let out = home.run(&["api", "POST", &tasks, "--json", &format!("@{}", body.display())]).await;
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(text(&out.stdout).contains("Written from the shell"), "{created}");
    let req = sb.requests_seen().into_iter().rev().find(|r| r.method == "POST").expect("a POST");
    assert_eq!(req.path_and_query, tasks);
    let ctype = req.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-type")).map(|(_, v)| v.clone());
    assert_eq!(ctype.as_deref(), Some("application/json"));
    let out = home.run(&["tasks", "--portal", &portal.id, "--project", &project.id, "--json"]).await;
    assert!(text(&out.stdout).contains("Written from the shell"), "the task exists");

    // A body that is not JSON is refused before anything is sent (2).
    let seen = sb.requests_seen().len();
    let out = home.run(&["api", "POST", &tasks, "--json", "{nope"]).await;
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    assert_eq!(sb.requests_seen().len(), seen);

    // Zoho's error answer goes to stdout as received, the error class to the exit code (6).
    let missing = format!("/api/v3/portal/{}/projects/1/tasks", portal.id);
    let out = home.run(&["api", "GET", &missing]).await;
    assert_eq!(code(&out), 6, "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("HTTP 400"), "an unknown project: {}", text(&out.stderr));
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).expect("Zoho's JSON error");
    assert!(answer.is_object(), "{answer}");
    assert_eq!(sb.requests_seen().len(), seen + 1);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_as_a_table_and_as_json_across_pages() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let app = device_client(&sb);
    let home = Home::new();
    device_login(&home, &sb, &app, &[]).await;
    let portal = sb.demo_portal(Dc::Us);
    let project = portal.projects[0].clone();
    // 250 more tasks: two pages of 200.
    let seeded = sb.seed_tasks(Dc::Us, &project.id, 250).expect("seed");
    let mut expected: Vec<String> = project.tasks.iter().cloned().chain(seeded).collect();
    expected.sort();

    let seen = sb.requests_seen().len();
    let out = home.run(&["tasks", "--portal", &portal.id, "--project", &project.id, "--json"]).await;
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("a JSON array");
    let mut ids: Vec<String> = rows.iter().map(|r| r["id"].as_str().expect("id").to_owned()).collect();
    ids.sort();
    assert_eq!(ids, expected);
    let pages: Vec<String> = sb.requests_seen()[seen..].iter().map(|r| r.path_and_query.clone()).collect();
    let list = format!("/api/v3/portal/{}/projects/{}/tasks", portal.id, project.id);
    assert_eq!(pages, [format!("{list}?page=1&per_page=200"), format!("{list}?page=2&per_page=200")]);

    let out = home.run(&["tasks", "--portal", &portal.id, "--project", &project.id]).await;
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let table = text(&out.stdout);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines[0].split_whitespace().collect::<Vec<_>>(), ["ID", "KEY", "NAME", "STATUS", "PRIORITY", "DUE"]);
    assert_eq!(lines.len(), expected.len() + 1);
    let mut table_ids: Vec<String> = lines[1..].iter().map(|l| l.split(' ').next().expect("id").to_owned()).collect();
    table_ids.sort();
    assert_eq!(table_ids, expected);
    assert!(table.contains("Bulk task 250"), "names are shown");

    // Without --portal the first portal is used (portals.READ is in the default sign-in).
    let out = home.run(&["portals", "--json"]).await;
    let portals: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(portals.len(), 1);
    assert_eq!(portals[0]["id"], portal.id.as_str());
    let out = home.run(&["projects"]).await;
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    for p in &portal.projects {
        assert!(text(&out.stdout).contains(&p.name), "{}", text(&out.stdout));
    }
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_commands_check_their_scope_set_before_sending() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let app = device_client(&sb);
    let home = Home::new();
    device_login(&home, &sb, &app, &["--scopes", "ZohoProjects.portals.READ"]).await;
    let seen = sb.requests_seen().len();
    let out = home.run(&["tasks", "--portal", "1"]).await;
    assert_eq!(code(&out), 5, "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("ZohoProjects.tasks.READ"), "{}", text(&out.stderr));
    assert_eq!(sb.requests_seen().len(), seen, "nothing sent");
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_without_a_sign_in_or_a_client_say_so() {
    let home = Home::new();
    let out = home.run(&["token"]).await;
    assert_eq!(code(&out), 3, "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--client-id"), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let out = home.run(&["status", "--client-id", "1000.X", "--client-secret", "s"]).await;
    assert_eq!(code(&out), 3);
    assert!(text(&out.stderr).contains("zoho login"), "{}", text(&out.stderr));
    // A faster device poll is refused for a real Zoho, before anything is sent.
    let out = home
        .zoho()
        .args(["login", "--device", "--client-id", "1000.X", "--client-secret", "s", "--region", "eu"])
        .env("ZOHO_DEVICE_POLL_MS", "10")
        .output()
        .await
        .expect("ran");
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    assert!(!home.config().exists() && !home.tokens().exists(), "nothing written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_sandbox_needs_nothing() {
    let home = Home::new();
    let out = home.run(&["--sandbox", "tasks"]).await;
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("ID "), "{}", text(&out.stdout));
    assert!(text(&out.stdout).lines().count() > 1, "demo tasks listed");
    let out = home.run(&["--sandbox", "login"]).await;
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(!home.config().exists() && !home.tokens().exists(), "nothing written with --sandbox");
}

/// Every subcommand and the flags it documents.
const SUBCOMMANDS: &[(&str, &[&str])] = &[
    ("login", &["--device", "--scopes", "--redirect-uri", "--no-browser", "--timeout"]),
    ("status", &["--json"]),
    ("token", &[]),
    ("logout", &["--revoke"]),
    ("api", &["<METHOD>", "<PATH>", "--query", "--json", "--scope"]),
    ("portals", &["--json"]),
    ("projects", &["--portal", "--limit", "--json"]),
    ("tasks", &["--portal", "--project", "--limit", "--json"]),
    ("completions", &["<SHELL>"]),
];

const GLOBAL_FLAGS: &[&str] = &[
    "--client-id",
    "--client-secret",
    "--region",
    "--accounts-url",
    "--api-url",
    "--config",
    "--token-file",
    "--profile",
    "--sandbox",
    "ZOHO_CLIENT_ID",
    "ZOHO_CLIENT_SECRET",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_is_complete_for_every_subcommand() {
    let home = Home::new();
    let out = home.run(&["--help"]).await;
    assert_eq!(code(&out), 0);
    let help = text(&out.stdout);
    for (sub, _) in SUBCOMMANDS {
        assert!(help.lines().any(|l| l.trim_start().starts_with(sub)), "{sub} missing from:\n{help}");
    }
    for flag in GLOBAL_FLAGS {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
    for exit in ["0  success", "3  not signed in", "5  the token lacks", "7  Zoho could not be reached"] {
        assert!(help.contains(exit), "exit codes: {exit}");
    }
    for (sub, flags) in SUBCOMMANDS {
        let out = home.run(&[sub, "--help"]).await;
        assert_eq!(code(&out), 0, "{sub}");
        let help = text(&out.stdout);
        assert!(help.lines().next().is_some_and(|l| l.len() > 10), "{sub} has a description:\n{help}");
        for flag in flags.iter().chain(GLOBAL_FLAGS) {
            assert!(help.contains(flag), "`zoho {sub} --help` lacks {flag}:\n{help}");
        }
    }
    // The secret's value never shows in help, even when set in the environment.
    let out = home.zoho().arg("--help").env("ZOHO_CLIENT_SECRET", "hunter2-secret").output().await.expect("ran");
    assert!(!text(&out.stdout).contains("hunter2-secret"));
    // An unknown subcommand is a usage error (2).
    assert_eq!(code(&home.run(&["frobnicate"]).await), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completions_for_each_shell() {
    let home = Home::new();
    for (shell, marker) in [("bash", "complete -F"), ("zsh", "#compdef zoho"), ("fish", "complete -c zoho")] {
        let out = home.run(&["completions", shell]).await;
        assert_eq!(code(&out), 0, "{shell}");
        let script = text(&out.stdout);
        assert!(script.contains(marker), "{shell}:\n{script}");
        for (sub, _) in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell} completes {sub}");
        }
    }
    assert_eq!(code(&home.run(&["completions", "tcsh"]).await), 2);
}
