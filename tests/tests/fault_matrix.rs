//! The fault matrix: every network-facing operation × every fault a real Zoho (or the network
//! in between) can produce, against the sandbox.
//!
//! Operations: the web flow's code exchange, a refresh, a revoke (logout), a device-flow poll
//! and a Projects API call (GET, with the client's retries). Faults: HTTP 500, 502 and 503; a
//! timeout (the answer comes after the client's timeout); a connection reset (TCP RST); a
//! truncated body (the connection closes mid-body); an HTML page with HTTP 200; HTTP 200 with
//! an error body; a slow trickle (the answer arrives a few bytes at a time, slower than the
//! timeout). Each fault hits the first matching request only.
//!
//! Every cell must end with a typed error or a success (after a retry where the operation
//! retries), never a panic, within the configured timeouts (plus scheduling slack), and the
//! token store must be unchanged after an error and correctly updated after a success. Each
//! cell must end with exactly the outcome the `EXPECTED` table gives it; that table is the
//! matrix shown in `docs/RELIABILITY.md` (a test compares the two). The observed matrix is
//! printed by `cargo test -p zoho-tests --test fault_matrix -- --nocapture`.
//!
//! Status codes, 200-with-error, HTML and the delay behind the timeout come from the sandbox's
//! `Fault`s; reset, truncation and trickle, which the sandbox cannot produce, come from a small
//! TCP proxy in front of it (below) that damages the next response passing through it.

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use zoho_projects::Error;
use zoho_projects::manager::TokenManager;
use zoho_projects::oauth::{AuthorizeOptions, DevicePoll, OAuthClient};
use zoho_projects::prelude::*;
use zoho_projects::store::{FileStore, StoreKey, TokenStore};
use zoho_projects::{ClientSecret, OAuthError, RetryPolicy};
use zoho_sandbox::{ClientSpec, Dc, Fault, Route, Sandbox};

scope_set! { struct Work = ["ZohoProjects.portals.READ", "ZohoProjects.tasks.ALL"]; }

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portals", scope = "ZohoProjects.portals.READ", response = Vec<serde_json::Value>)]
struct ListPortals;

/// The client-side request timeout configured for every client in the matrix. Every request of
/// a cell but the faulted one must be answered within it: it was 500 ms, and a plain answer
/// 600 ms late (a delay on the first login's token request, as a loaded machine makes it)
/// failed the matrix every time.
const TIMEOUT: Duration = Duration::from_secs(5);
/// Scheduling slack allowed on top of the timeouts (loaded CI machines).
const SLACK: Duration = Duration::from_secs(30);
/// How long the sandbox sits on a request for the timeout fault.
const LATE: Duration = Duration::from_secs(10);
/// The trickle's pace: one byte per this, so that any answer (its head alone) takes longer than
/// [`TIMEOUT`].
const TRICKLE: Duration = Duration::from_millis(100);

// ---------------------------------------------------------------------------------------------
// A fault-injecting TCP proxy

/// What the proxy does to the next response bytes that pass through it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Damage {
    Pass,
    /// Reset the connection (RST) instead of forwarding the answer.
    Reset,
    /// Forward the head and half of the body received so far, then close.
    Truncate,
    /// Forward one byte every [`TRICKLE`].
    Trickle,
}

/// A byte-level proxy to `upstream`. `arm` makes the next response (the next bytes the
/// upstream sends on any connection) suffer `Damage`; later responses pass untouched.
struct Proxy {
    addr: SocketAddr,
    armed: Arc<Mutex<Damage>>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let armed = Arc::new(Mutex::new(Damage::Pass));
        let shared = Arc::clone(&armed);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let armed = Arc::clone(&shared);
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(upstream).await {
                        pipe(client, server, armed).await;
                    }
                });
            }
        });
        Proxy { addr, armed, task }
    }

    fn url(&self) -> reqwest::Url {
        format!("http://{}/", self.addr).parse().expect("proxy url")
    }

    fn arm(&self, damage: Damage) {
        *self.armed.lock().unwrap_or_else(|e| e.into_inner()) = damage;
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn pipe(client: TcpStream, server: TcpStream, armed: Arc<Mutex<Damage>>) {
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let up = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut cr, &mut sw).await;
        let _ = sw.shutdown().await;
    });
    let mut damage = Damage::Pass;
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match sr.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if damage == Damage::Pass {
            damage = std::mem::replace(&mut *armed.lock().unwrap_or_else(|e| e.into_inner()), Damage::Pass);
        }
        match damage {
            Damage::Pass => {
                if cw.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
            Damage::Reset => {
                // SO_LINGER 0 and a close without shutdown: the kernel answers with a RST.
                let _ = cw.as_ref().set_zero_linger();
                cw.forget();
                up.abort();
                return;
            }
            Damage::Truncate => {
                let chunk = &buf[..n];
                let head_end = chunk.windows(4).position(|w| w == b"\r\n\r\n").map_or(n / 2, |p| p + 4);
                let keep = head_end + (n - head_end) / 2;
                let _ = cw.write_all(&chunk[..keep]).await;
                let _ = cw.shutdown().await;
                break;
            }
            Damage::Trickle => {
                let mut failed = false;
                for piece in buf[..n].chunks(1) {
                    tokio::time::sleep(TRICKLE).await;
                    if cw.write_all(piece).await.is_err() {
                        failed = true;
                        break;
                    }
                }
                if failed {
                    break;
                }
            }
        }
    }
    up.abort();
}

// ---------------------------------------------------------------------------------------------
// The matrix

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    CodeExchange,
    Refresh,
    Revoke,
    DevicePoll,
    ApiCall,
}

impl Op {
    const ALL: [Op; 5] = [Op::CodeExchange, Op::Refresh, Op::Revoke, Op::DevicePoll, Op::ApiCall];

    fn route(self) -> Route {
        match self {
            Op::CodeExchange | Op::Refresh => Route::Token,
            Op::Revoke => Route::Revoke,
            Op::DevicePoll => Route::DeviceToken,
            Op::ApiCall => Route::Api,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Op::CodeExchange => "code exchange",
            Op::Refresh => "refresh",
            Op::Revoke => "revoke",
            Op::DevicePoll => "device poll",
            Op::ApiCall => "API call (GET)",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    /// No fault: the baseline row, where every operation succeeds and updates the store.
    NoFault,
    S500,
    S502,
    S503,
    Timeout,
    Reset,
    Truncated,
    Html,
    OkWithError,
    Trickle,
}

impl Kind {
    const ALL: [Kind; 10] = [
        Kind::NoFault,
        Kind::S500,
        Kind::S502,
        Kind::S503,
        Kind::Timeout,
        Kind::Reset,
        Kind::Truncated,
        Kind::Html,
        Kind::OkWithError,
        Kind::Trickle,
    ];

    fn name(self) -> &'static str {
        match self {
            Kind::NoFault => "(no fault)",
            Kind::S500 => "500",
            Kind::S502 => "502",
            Kind::S503 => "503",
            Kind::Timeout => "timeout",
            Kind::Reset => "conn reset",
            Kind::Truncated => "truncated body",
            Kind::Html => "HTML body",
            Kind::OkWithError => "200 + error",
            Kind::Trickle => "slow trickle",
        }
    }
}

/// What a cell ended with.
struct Cell {
    op: Op,
    kind: Kind,
    /// `ok`, `ok after N retries`, or the typed error's variant.
    outcome: String,
    /// What happened to the stored token.
    store: &'static str,
    elapsed: Duration,
    /// A broken expectation (panic, hang, store damage), if any.
    problem: Option<String>,
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}; {}", self.outcome, self.store)
    }
}

/// The variant name of an error's `Debug` (`Transport`, `UnexpectedResponse`…), and for a
/// transport error whether it was a timeout.
fn variant(debug: &str) -> String {
    let name: String = debug.chars().take_while(|c| c.is_alphanumeric() || *c == ':').collect();
    if !name.contains("Transport") {
        return name;
    }
    let cause = if debug.contains("TimedOut") || debug.contains("timed out") {
        "(timeout)"
    } else if debug.contains("ConnectionReset") || debug.contains("reset by peer") {
        "(reset)"
    } else if debug.contains("IncompleteBody") || debug.contains("UnexpectedEof") {
        "(truncated)"
    } else if debug.contains("IncompleteMessage") || debug.contains("closed") {
        "(closed)"
    } else {
        ""
    };
    format!("{name}{cause}")
}

fn oauth_variant(e: &OAuthError) -> String {
    let inner = variant(&format!("{e:?}"));
    match e {
        OAuthError::UnexpectedResponse { status, .. } => format!("OAuth::UnexpectedResponse({status})"),
        _ => format!("OAuth::{inner}"),
    }
}

fn error_variant(e: &Error) -> String {
    match e {
        Error::OAuth(o) => oauth_variant(o),
        Error::Api(a) => format!("Api({})", a.status),
        Error::Decode { status, .. } => format!("Decode({status})"),
        other => variant(&format!("{other:?}")),
    }
}

/// The stored (access token, refresh token), if any.
async fn stored(store: &FileStore, key: &StoreKey) -> Option<(String, Option<String>)> {
    let record = store.load(key).await.expect("the store reads");
    record.map(|r| (r.access_token.expose_secret().to_owned(), r.refresh_token.map(|t| t.expose_secret().to_owned())))
}

/// Plays the browser: opens the authorization URL (auto-approved), returns the callback with
/// its `accounts-server` pointed at the proxy that stands for the accounts server.
async fn browse(url: reqwest::Url, accounts: &reqwest::Url) -> String {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http");
    let resp = http.get(url).send().await.expect("authorization page");
    let location = resp.headers()["location"].to_str().expect("location").to_owned();
    let mut callback: reqwest::Url = location.parse().expect("callback url");
    let pairs: Vec<(String, String)> = callback
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "accounts-server" { accounts.as_str().trim_end_matches('/').to_owned() } else { v.into() };
            (k.into_owned(), v)
        })
        .collect();
    callback.query_pairs_mut().clear().extend_pairs(pairs);
    callback.to_string()
}

fn addr_of(url: &reqwest::Url) -> SocketAddr {
    url.socket_addrs(|| None).expect("address")[0]
}

async fn run_cell(op: Op, kind: Kind) -> Cell {
    let sb = Sandbox::builder().auto_approve(true).start().await.expect("sandbox");
    let accounts_proxy = Proxy::start(addr_of(&sb.accounts_url(Dc::Us))).await;
    let api_proxy = Proxy::start(addr_of(&sb.api_url(Dc::Us))).await;
    let creds = if op == Op::DevicePoll { sb.register_client(ClientSpec::device()) } else { sb.demo_client() };
    let clock = sb.clock();
    let mut builder = OAuthClient::builder(&creds.client_id, ClientSecret::new(creds.client_secret.as_str()))
        .accounts_url(accounts_proxy.url())
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .clock(move || clock.now_system());
    if !creds.redirect_uri.is_empty() {
        builder = builder.redirect_uri(creds.redirect_uri.parse().expect("redirect"));
    }
    let oauth = builder.build().expect("oauth client");
    let dir = tempfile::tempdir().expect("temp dir");
    let store = FileStore::new(dir.path().join("tokens.json"));
    let key = StoreKey::new(accounts_proxy.url().as_str(), creds.client_id.as_str(), "demo");
    let clock = sb.clock();
    let manager = TokenManager::builder::<Work>(oauth.clone(), key.clone())
        .store(store.clone())
        .clock(move || clock.now_system())
        .build();

    // A first login (no fault), so that every operation has a stored token to keep or update.
    if op != Op::DevicePoll {
        let (url, pending) = oauth.authorize_url::<Work>(&AuthorizeOptions::new().offline()).await.expect("url");
        let callback = browse(url, &accounts_proxy.url()).await;
        let token = oauth.complete(pending, &callback).await.expect("first login");
        manager.login(token).await.expect("stored");
    }
    let before = stored(&store, &key).await;
    sb.clock().advance(Duration::from_secs(60));

    // The operation's preparation, before the fault is armed.
    let device = if op == Op::DevicePoll {
        let device = oauth.device_start::<Work>(&AuthorizeOptions::new().offline()).await.expect("device start");
        sb.approve_device(device.user_code(), &sb.demo_user().email).expect("approve");
        sb.clock().advance(device.interval());
        Some(device)
    } else {
        None
    };
    let prepared = if op == Op::CodeExchange {
        let (url, pending) = oauth.authorize_url::<Work>(&AuthorizeOptions::new().offline()).await.expect("url");
        Some((browse(url, &accounts_proxy.url()).await, pending))
    } else {
        None
    };
    let api = Client::builder()
        .api_base(api_proxy.url())
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .retry(RetryPolicy::default().sleeper(|_| async {}))
        .no_rate_limit()
        .build(manager.clone())
        .expect("api client");
    let api_before = sb.counters().requests(&Route::Api);

    // Arm the fault for the next matching request only.
    let route = op.route();
    let proxy = if op == Op::ApiCall { &api_proxy } else { &accounts_proxy };
    match kind {
        Kind::NoFault => {}
        Kind::S500 => sb.inject(Fault::status(500).on(route).times(1)),
        Kind::S502 => sb.inject(Fault::status(502).on(route).times(1)),
        Kind::S503 => sb.inject(Fault::status(503).on(route).times(1)),
        Kind::Timeout => sb.inject(Fault::delay(LATE).on(route).times(1)),
        Kind::Html => sb.inject(
            Fault::respond(200, "text/html", "<!doctype html><html><body><h1>Service Unavailable</h1></body></html>")
                .on(route)
                .times(1),
        ),
        Kind::OkWithError => sb.inject(Fault::ok_with_error("Access Denied").on(route).times(1)),
        Kind::Reset => proxy.arm(Damage::Reset),
        Kind::Truncated => proxy.arm(Damage::Truncate),
        Kind::Trickle => proxy.arm(Damage::Trickle),
    }

    // Run it in its own task (a panic is caught and reported), bounded by a hang limit.
    let attempts = if op == Op::ApiCall { 4 } else { 1 };
    let limit = TIMEOUT * attempts + SLACK;
    let started = Instant::now();
    let m = manager.clone();
    let o = oauth.clone();
    let task: tokio::task::JoinHandle<(String, bool, Option<String>)> = tokio::spawn(async move {
        match op {
            Op::CodeExchange => {
                let (callback, pending) = prepared.expect("prepared");
                match o.complete(pending, &callback).await {
                    Ok(token) => {
                        let access = token.access_token().expose_secret().to_owned();
                        m.login(token).await.expect("store the new token");
                        ("ok".into(), true, Some(access))
                    }
                    Err(e) => (oauth_variant(&e), false, None),
                }
            }
            Op::Refresh => match m.refresh_now().await {
                Ok(t) => ("ok".into(), true, Some(t.expose_secret().to_owned())),
                Err(zoho_projects::manager::ManagerError::OAuth(e)) => (oauth_variant(&e), false, None),
                Err(e) => (variant(&format!("{e:?}")), false, None),
            },
            Op::Revoke => match m.logout().await {
                Ok(()) => ("ok".into(), true, None),
                Err(zoho_projects::manager::ManagerError::OAuth(e)) => (oauth_variant(&e), false, None),
                Err(e) => (variant(&format!("{e:?}")), false, None),
            },
            Op::DevicePoll => {
                let mut device = device.expect("device");
                match o.device_poll(&mut device).await {
                    Ok(DevicePoll::Done(token)) => {
                        let access = token.access_token().expose_secret().to_owned();
                        m.login(token).await.expect("store the new token");
                        ("ok".into(), true, Some(access))
                    }
                    Ok(other) => (format!("poll again ({})", poll_name(&other)), false, None),
                    Err(e) => (oauth_variant(&e), false, None),
                }
            }
            Op::ApiCall => match api.send(ListPortals).await {
                Ok(portals) => {
                    assert!(!portals.is_empty());
                    ("ok".into(), true, None)
                }
                Err(e) => (error_variant(&e), false, None),
            },
        }
    });
    let joined = tokio::time::timeout(limit, task).await;
    let elapsed = started.elapsed();
    let mut problem = None;
    let (mut outcome, ok, new_access) = match joined {
        Err(_) => {
            problem = Some(format!("hung for more than {limit:?}"));
            ("HANG".to_owned(), false, None)
        }
        Ok(Err(join)) => {
            problem = Some(format!("panicked: {join}"));
            ("PANIC".to_owned(), false, None)
        }
        Ok(Ok(r)) => r,
    };
    if op == Op::ApiCall && ok {
        let retries = sb.counters().requests(&Route::Api) - api_before - 1;
        if retries > 0 {
            outcome = format!("ok after {retries} retr{}", if retries == 1 { "y" } else { "ies" });
        }
    }

    // The store: unchanged after an error, updated after a success.
    let after = stored(&store, &key).await;
    let store_state = match (op, ok) {
        (_, false) if after == before => "store unchanged",
        (_, false) => {
            problem.get_or_insert_with(|| "the store changed although the operation failed".to_owned());
            "STORE CHANGED"
        }
        (Op::ApiCall, true) if after == before => "store unchanged",
        (Op::Revoke, true) if after.is_none() => "record removed",
        (Op::Refresh, true)
            if after.as_ref().map(|a| (Some(&a.0), &a.1))
                == Some((new_access.as_ref(), &before.as_ref().expect("stored").1)) =>
        {
            "new access token stored, refresh token kept"
        }
        (Op::CodeExchange | Op::DevicePoll, true) if after.as_ref().map(|a| &a.0) == new_access.as_ref() => {
            "new token stored"
        }
        _ => {
            problem.get_or_insert_with(|| format!("store not updated as expected: {after:?} vs {before:?}"));
            "STORE WRONG"
        }
    };
    if !ok && outcome.starts_with("poll again") {
        problem.get_or_insert_with(|| "an approved device poll under a fault did not fail".to_owned());
    }
    drop(api_proxy);
    drop(accounts_proxy);
    Cell { op, kind, outcome, store: store_state, elapsed, problem }
}

fn poll_name<S>(p: &DevicePoll<S>) -> &'static str {
    match p {
        DevicePoll::Pending => "pending",
        DevicePoll::SlowDown => "slow_down",
        DevicePoll::SwitchedDataCentre { .. } => "other_dc",
        DevicePoll::Done(_) => "done",
        _ => "other",
    }
}

// ---------------------------------------------------------------------------------------------
// The expected matrix: one table drives the test and the documentation

/// What every cell must end with, exactly: one row per fault, one column per operation in
/// [`Op::ALL`] order (`outcome; store`). This table is also the matrix published in
/// `docs/RELIABILITY.md` (between the `fault-matrix` markers): [`the_documented_matrix_is_this_table`]
/// fails when they differ, and `FAULT_MATRIX=overwrite cargo test -p zoho-tests --test fault_matrix`
/// rewrites the document from it. To add a fault: a [`Kind`] variant (its name, and its place
/// in `Kind::ALL`), how to arm it in [`run_cell`], and a row here.
const EXPECTED: &[(Kind, [&str; 5])] = &[
    (
        Kind::NoFault,
        [
            "ok; new token stored",
            "ok; new access token stored, refresh token kept",
            "ok; record removed",
            "ok; new token stored",
            "ok; store unchanged",
        ],
    ),
    (Kind::S500, token_endpoints_fail("OAuth::UnexpectedResponse(500); store unchanged")),
    (Kind::S502, token_endpoints_fail("OAuth::UnexpectedResponse(502); store unchanged")),
    (Kind::S503, token_endpoints_fail("OAuth::UnexpectedResponse(503); store unchanged")),
    (Kind::Timeout, token_endpoints_fail("OAuth::Transport(timeout); store unchanged")),
    (Kind::Reset, token_endpoints_fail("OAuth::Transport(reset); store unchanged")),
    (Kind::Truncated, token_endpoints_fail("OAuth::Transport(truncated); store unchanged")),
    (Kind::Html, token_endpoints_fail("OAuth::UnexpectedResponse(200); store unchanged")),
    (Kind::OkWithError, token_endpoints_fail("OAuth::AccessDenied; store unchanged")),
    (Kind::Trickle, token_endpoints_fail("OAuth::Transport(timeout); store unchanged")),
];

/// A row where the four token-endpoint operations (which never retry on their own) end with
/// `error` and the API GET succeeds after exactly one retry.
const fn token_endpoints_fail(error: &'static str) -> [&'static str; 5] {
    [error, error, error, error, "ok after 1 retry; store unchanged"]
}

/// The markers around the matrix in `docs/RELIABILITY.md`.
const DOC_BEGIN: &str = "<!-- fault-matrix:begin (rendered from EXPECTED in tests/tests/fault_matrix.rs) -->\n";
const DOC_END: &str = "<!-- fault-matrix:end -->";

/// `EXPECTED` as a Markdown table.
fn render_expected() -> String {
    let mut out = String::from("| fault \\ operation |");
    for op in Op::ALL {
        out.push_str(&format!(" {} |", op.name()));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(Op::ALL.len()));
    out.push('\n');
    for (kind, row) in EXPECTED {
        out.push_str(&format!("| {} |", kind.name()));
        for cell in row {
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    out
}

fn doc_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/RELIABILITY.md")
}

#[test]
fn the_documented_matrix_is_this_table() {
    // Every fault is in the table exactly once, in `Kind::ALL` order.
    let kinds: Vec<Kind> = EXPECTED.iter().map(|(k, _)| *k).collect();
    assert_eq!(kinds, Kind::ALL.to_vec(), "EXPECTED has one row per Kind, in Kind::ALL order");

    let path = doc_path();
    let doc = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let begin = doc.find(DOC_BEGIN).map(|i| i + DOC_BEGIN.len()).expect("RELIABILITY.md has the begin marker");
    let end = begin + doc[begin..].find(DOC_END).expect("RELIABILITY.md has the end marker");
    let rendered = render_expected();
    if doc[begin..end] != rendered && std::env::var("FAULT_MATRIX").as_deref() == Ok("overwrite") {
        let updated = format!("{}{rendered}{}", &doc[..begin], &doc[end..]);
        std::fs::write(&path, updated).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    assert_eq!(
        doc[begin..end],
        rendered,
        "docs/RELIABILITY.md shows another matrix than the one tested; rewrite it with \
         FAULT_MATRIX=overwrite cargo test -p zoho-tests --test fault_matrix"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_operation_survives_every_fault() {
    // Cells run concurrently (each has its own sandbox, proxies and token file).
    // At most 8 at a time, so that a loaded machine does not push plain requests past the
    // short timeout.
    let gate = Arc::new(tokio::sync::Semaphore::new(8));
    let mut tasks = Vec::new();
    for (kind, _) in EXPECTED {
        for op in Op::ALL {
            let gate = Arc::clone(&gate);
            let kind = *kind;
            tasks.push(tokio::spawn(async move {
                let _permit = gate.acquire_owned().await.expect("semaphore");
                run_cell(op, kind).await
            }));
        }
    }
    let mut cells = Vec::new();
    for t in tasks {
        cells.push(t.await.expect("a cell's harness itself panicked"));
    }

    // Print the matrix: one row per fault, one column per operation.
    let width = 48;
    let mut out = format!("{:<15}", "fault \\ op");
    for op in Op::ALL {
        out.push_str(&format!(" | {:<width$}", op.name()));
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out.push_str(&"-".repeat(15 + Op::ALL.len() * (width + 3)));
    out.push('\n');
    for (kind, _) in EXPECTED {
        out.push_str(&format!("{:<15}", kind.name()));
        for op in Op::ALL {
            let cell = cells.iter().find(|c| c.op == op && c.kind == *kind).expect("cell");
            out.push_str(&format!(" | {:<width$}", cell.to_string()));
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
    }
    let slowest = cells.iter().max_by_key(|c| c.elapsed).expect("cells");
    out.push_str(&format!(
        "client timeout {TIMEOUT:?}; slowest cell {:?} ({} × {})\n",
        slowest.elapsed,
        slowest.op.name(),
        slowest.kind.name()
    ));
    println!("{out}");

    // Hangs, panics and store damage, then every cell against its one expected outcome.
    let mut problems: Vec<String> = cells
        .iter()
        .filter_map(|c| c.problem.as_ref().map(|p| format!("{} × {}: {p}", c.op.name(), c.kind.name())))
        .collect();
    for (kind, row) in EXPECTED {
        for (op, expected) in Op::ALL.into_iter().zip(row) {
            let cell = cells.iter().find(|c| c.op == op && c.kind == *kind).expect("cell");
            let got = cell.to_string();
            if got != *expected {
                problems.push(format!("{} × {}: expected `{expected}`, got `{got}`", op.name(), kind.name()));
            }
        }
    }
    assert_eq!(cells.len(), EXPECTED.len() * Op::ALL.len());
    assert!(problems.is_empty(), "broken cells:\n{}\n\n{out}", problems.join("\n"));
}
