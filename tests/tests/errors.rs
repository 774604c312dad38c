//! Errors as an application using `anyhow` sees them: `{:#}` prints each cause once, causes stay
//! reachable as errors (not text), a decode error says where in the JSON it failed and shows a
//! redacted start of the body, and "nothing stored yet" is its own error with advice. Real HTTP
//! against the sandbox (strict by default), real sockets, no sleeping.

#[path = "common/console.rs"]
mod console;
use console::{console_token, sandbox_oauth};

use std::collections::BTreeMap;
use std::error::Error as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use zoho_projects::manager::ManagerError;
use zoho_projects::prelude::*;
use zoho_projects::store::{BackendCause, MemoryStore, StoreError, StoreKey, StoreLock, TokenRecord, TokenStore};
use zoho_projects::{
    ApiError, BodyError, DecodeCause, Error, OAuthError, RefusalCause, RetryPolicy, ScopeParseError, TokenManager,
    ZohoError, async_trait,
};
use zoho_sandbox::{Dc, Fault, Route, Sandbox};

scope_set! {
    struct Portals = ["ZohoProjects.portals.READ"];
    struct Tasks = ["ZohoProjects.tasks.CREATE"];
}

/// A portal whose `id` is claimed to be a boolean: Zoho's answer (an id string) does not decode.
#[derive(serde::Deserialize, Debug)]
#[allow(dead_code)] // read by serde only
struct Misread {
    id: bool,
}

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portals", scope = "ZohoProjects.portals.READ", response = Vec<Misread>)]
struct ListPortalsMisread;

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portals", scope = "ZohoProjects.portals.READ", response = Vec<serde_json::Value>)]
struct ListPortals;

/// A body JSON cannot encode: map keys that are not strings.
#[derive(Endpoint)]
#[zoho(method = "POST", path = "/api/v3/portal/{portal}/projects/{project}/tasks", scope = "ZohoProjects.tasks.CREATE",
       response = serde_json::Value)]
struct CreateOddTask {
    #[zoho(path)]
    portal: String,
    #[zoho(path)]
    project: String,
    #[zoho(body)]
    body: BTreeMap<(u8, u8), u8>,
}

/// `err` under anyhow's `{:#}`, after checking that no message in its chain repeats the cause
/// that follows it (which is what makes `{:#}` print a cause twice).
fn each_cause_once(err: impl std::error::Error + Send + Sync + 'static) -> String {
    let err = anyhow::Error::new(err);
    let chain: Vec<String> = err.chain().map(ToString::to_string).collect();
    for pair in chain.windows(2) {
        assert!(!pair[0].contains(pair[1].as_str()), "{:?} repeats its cause {:?}", pair[0], pair[1]);
    }
    let text = format!("{err:#}");
    assert_eq!(text, chain.join(": "));
    text
}

/// A loopback address nothing listens on (bound, then released).
fn closed_port_url() -> url::Url {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}/").parse().expect("url")
}

#[tokio::test]
async fn transport_errors_print_their_cause_once() {
    let token =
        Token::<Portals>::from_console("1000.0123.4567", "ZohoProjects.portals.READ", Duration::from_secs(3600))
            .expect("token");
    let client = Client::builder()
        .api_base(closed_port_url())
        .retry(RetryPolicy::never())
        .no_rate_limit()
        .build(token)
        .expect("client");
    let err = client.send(ListPortals).await.expect_err("nothing listens");
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    let text = each_cause_once(err);
    assert!(text.starts_with("transport error talking to Zoho: "), "{text}");

    // The same for Zoho Accounts.
    let oauth = zoho_projects::oauth::OAuthClient::builder("1000.CLIENT", zoho_projects::ClientSecret::new("s3cret"))
        .accounts_url(closed_port_url())
        .build()
        .expect("oauth client");
    let err = oauth.exchange_self_client_code::<Portals>("1000.code.code").await.expect_err("nothing listens");
    assert!(matches!(err, OAuthError::Transport(_)), "{err:?}");
    let text = each_cause_once(err);
    assert!(text.starts_with("transport error talking to Zoho Accounts: "), "{text}");
    assert!(!text.contains("s3cret"), "{text}");
}

#[tokio::test]
async fn decode_errors_name_the_json_path_and_show_a_redacted_snippet() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let access = console_token(&sb, &["ZohoProjects.portals.READ"]).await;
    let token =
        Token::<Portals>::from_console(&access, "ZohoProjects.portals.READ", Duration::from_secs(3600)).expect("token");
    let client =
        Client::builder().api_base(sb.api_url(Dc::Us)).retry(RetryPolicy::never()).build(token).expect("client");

    // Zoho's real answer (an array of portals with string ids) into a type that reads `id` as a bool.
    let err = client.send(ListPortalsMisread).await.expect_err("misread");
    let Error::Decode { status, endpoint, ref path, .. } = err else { panic!("expected Decode, got {err:?}") };
    assert_eq!((status, endpoint, path.as_str()), (200, "/api/v3/portals", "[0].id"));
    let cause = err.source().and_then(|s| s.downcast_ref::<DecodeCause>()).expect("serde's error as the source");
    assert_eq!(cause.category(), serde_json::error::Category::Data, "{cause}");
    let text = each_cause_once(err);
    assert!(text.contains("at `[0].id`") && text.contains("invalid type: string"), "{text}");

    // A token-shaped value in the body is redacted in the snippet, the path still points at it.
    let secret = "1000.0123456789abcdef0123456789abcdef.0123456789abcdef0123456789abcdef";
    sb.inject(
        Fault::respond(200, "application/json", &format!(r#"[{{"id":true}},{{"id":"{secret}"}}]"#)).on(Route::Any),
    );
    let err = client.send(ListPortalsMisread).await.expect_err("misread");
    let Error::Decode { ref path, ref snippet, .. } = err else { panic!("expected Decode, got {err:?}") };
    assert_eq!(path, "[1].id");
    assert!(snippet.contains("[redacted]") && !snippet.contains("0123456789abcdef"), "{snippet}");
    // serde quotes the value it could not read: the cause's message is redacted too, and so is
    // every Debug.
    assert!(!format!("{err:?}").contains("0123456789abcdef"), "{err:?}");
    let text = each_cause_once(err);
    assert!(text.contains("[redacted]") && !text.contains("0123456789abcdef"), "{text}");
    sb.shutdown().await;
}

/// A store of one's own whose database is down: its cause travels as an error.
#[derive(Clone)]
struct DownStore;

fn down() -> StoreError {
    StoreError::backend(std::io::Error::new(
        std::io::ErrorKind::ConnectionRefused,
        "tokens database refused the connection",
    ))
}

#[async_trait]
impl TokenStore for DownStore {
    async fn load(&self, _: &StoreKey) -> Result<Option<TokenRecord>, StoreError> {
        Err(down())
    }
    async fn save(&self, _: &StoreKey, _: &TokenRecord) -> Result<(), StoreError> {
        Err(down())
    }
    async fn remove(&self, _: &StoreKey) -> Result<(), StoreError> {
        Err(down())
    }
    async fn lock(&self, _: &StoreKey, _: Duration, _: Duration) -> Result<StoreLock, StoreError> {
        Err(down())
    }
}

#[tokio::test]
async fn a_custom_store_attaches_its_cause() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let (oauth, now) = sandbox_oauth(&sb);
    let key = StoreKey::new(sb.accounts_url(Dc::Us), &sb.demo_client().client_id, "ada@example.com");
    let tokens = TokenManager::builder::<Portals>(oauth, key).store(DownStore).clock(now).build();
    let client = Client::builder().api_base(sb.api_url(Dc::Us)).build(tokens).expect("client");
    let err = client.send(ListPortals).await.expect_err("store down");
    assert!(matches!(err, Error::Store(StoreError::Backend(_))), "{err:?}");
    let cause = err.source().and_then(|s| s.downcast_ref::<BackendCause>()).expect("the store's cause");
    let io = cause.get_ref().downcast_ref::<std::io::Error>().expect("the store's own error");
    assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);
    let text = each_cause_once(err);
    assert_eq!(text, "token store backend error: tokens database refused the connection");
    assert!(sb.requests_seen().is_empty(), "nothing was sent");
    sb.shutdown().await;
}

#[tokio::test]
async fn nothing_stored_is_not_logged_in_with_advice() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let (oauth, now) = sandbox_oauth(&sb);
    let key = StoreKey::new(sb.accounts_url(Dc::Us), &sb.demo_client().client_id, "ada@example.com");
    let tokens = TokenManager::builder::<Portals>(oauth, key).store(MemoryStore::new()).clock(now).build();
    let client = Client::builder().api_base(sb.api_url(Dc::Us)).build(tokens).expect("client");
    let err = client.send(ListPortals).await.expect_err("nobody signed in");
    assert!(matches!(err, Error::NotLoggedIn { .. }), "{err:?}");
    let text = each_cause_once(err);
    assert!(
        text.starts_with("not signed in: no token is stored for ") && text.contains("sign the user in first"),
        "{text}"
    );
    assert!(sb.requests_seen().is_empty(), "nothing was sent");
    sb.shutdown().await;
}

#[tokio::test]
async fn config_and_body_errors_keep_their_cause() {
    // A scope list that does not parse: the parse error is the source, not text in the message.
    let err = Token::<Portals>::from_console("1000.0123.4567", "ZohoProjects.portals", Duration::from_secs(3600))
        .expect_err("no operation");
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(err.source().and_then(|s| s.downcast_ref::<ScopeParseError>()).is_some(), "{err:?}");
    each_cause_once(err);

    // A body serde_json cannot encode: refused before anything is sent, serde's error kept.
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let access = console_token(&sb, &["ZohoProjects.tasks.CREATE"]).await;
    let token =
        Token::<Tasks>::from_console(&access, "ZohoProjects.tasks.CREATE", Duration::from_secs(3600)).expect("token");
    let client = Client::builder().api_base(sb.api_url(Dc::Us)).build(token).expect("client");
    let seen_before = sb.requests_seen().len();
    let odd = CreateOddTask { portal: "1".into(), project: "2".into(), body: BTreeMap::from([((1, 2), 3)]) };
    let err = client.send(odd).await.expect_err("unencodable");
    let Error::Body(ref body) = err else { panic!("expected Body, got {err:?}") };
    assert!(body.source().and_then(|s| s.downcast_ref::<serde_json::Error>()).is_some(), "{body:?}");
    let _: &BodyError = body;
    let text = each_cause_once(err);
    assert!(text.starts_with("the request body could not be encoded as JSON: "), "{text}");
    assert_eq!(sb.requests_seen().len(), seen_before, "nothing was sent");
    sb.shutdown().await;
}

/// Every error of the crates that has a cause, built as the crates build it: its chain under
/// `{:#}` names each cause once. (Transport and decode errors come from real failures above.)
#[test]
fn every_error_with_a_cause_prints_it_once() {
    let io = || std::io::Error::new(std::io::ErrorKind::PermissionDenied, "permission denied (os error 13)");
    let api = ApiError::new(401, ZohoError::parse(br#"{"error":{"code":6401,"message":"Invalid OAuth token"}}"#), None);
    let stored_io = || StoreError::Io { path: "/home/ada/.config/zoho/tokens.json".into(), source: io() };
    let texts = [
        each_cause_once(Error::TokenRefused { status: 401, cause: RefusalCause::Unknown, api: Box::new(api) }),
        each_cause_once(Error::Store(stored_io())),
        each_cause_once(Error::Store(StoreError::backend(io()))),
        each_cause_once(Error::Body(BodyError::new("JSON", io()))),
        each_cause_once(Error::config_caused_by("the API base", io())),
        each_cause_once(Error::OAuth(OAuthError::Loopback(Arc::new(io())))),
        each_cause_once(ManagerError::Store(stored_io())),
        each_cause_once(zoho_sandbox::Error::Bind(io())),
    ];
    for text in texts {
        assert_eq!(
            text.matches("permission denied").count() + text.matches("Invalid OAuth token").count(),
            1,
            "{text}"
        );
    }
}

/// A refresh token and a password, as a database error would quote them.
const QUOTED_TOKEN: &str = "1000.3f2a9c0d1e4b5a6978f0e1d2c3b4a596.8e7d6c5b4a3928170f1e2d3c4b5a6978";

/// A store of one's own in front of a database whose errors quote what they failed on: the
/// connection URL with its password, and the refresh token of a violated unique key.
#[derive(Clone, Default)]
struct QuotingStore {
    inner: MemoryStore,
    saves_fail: Arc<AtomicBool>,
    loads_fail: Arc<AtomicBool>,
}

impl QuotingStore {
    fn check(&self, failing: &AtomicBool) -> Result<(), StoreError> {
        if !failing.load(Ordering::SeqCst) {
            return Ok(());
        }
        let driver = std::io::Error::other(format!(
            "duplicate key value violates unique constraint \"tokens_rt\": Key (refresh_token)=({QUOTED_TOKEN}) already exists"
        ));
        Err(StoreError::backend(Quoted { url: "postgres://app:hunter2@db.internal:5432/tokens", driver }))
    }
}

/// The store's own error type: where it failed, caused by the driver's error.
#[derive(Debug)]
struct Quoted {
    url: &'static str,
    driver: std::io::Error,
}

impl std::fmt::Display for Quoted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "query failed on {}", self.url)
    }
}

impl std::error::Error for Quoted {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.driver)
    }
}

#[async_trait]
impl TokenStore for QuotingStore {
    async fn load(&self, key: &StoreKey) -> Result<Option<TokenRecord>, StoreError> {
        self.check(&self.loads_fail)?;
        self.inner.load(key).await
    }
    async fn save(&self, key: &StoreKey, record: &TokenRecord) -> Result<(), StoreError> {
        self.check(&self.saves_fail)?;
        self.inner.save(key, record).await
    }
    async fn remove(&self, key: &StoreKey) -> Result<(), StoreError> {
        self.inner.remove(key).await
    }
    async fn lock(&self, key: &StoreKey, ttl: Duration, wait: Duration) -> Result<StoreLock, StoreError> {
        self.inner.lock(key, ttl, wait).await
    }
}

/// A `tracing` writer appending to a shared buffer.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_store_cause_quoting_secrets_is_redacted_and_never_logged() {
    use tracing_subscriber::util::SubscriberInitExt;
    let logs = Logs::default();
    let writer = logs.clone();
    let _guard = tracing_subscriber::fmt()
        .with_env_filter("trace,zoho_sandbox=off")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish()
        .set_default();

    let sb = Sandbox::builder().start().await.expect("sandbox");
    let (oauth, now) = sandbox_oauth(&sb);
    let code = sb.self_client_code(&sb.demo_client().client_id, &["ZohoProjects.portals.READ"]).expect("code");
    let token = oauth.exchange_self_client_code::<Portals>(&code).await.expect("token");
    let key = StoreKey::new(sb.accounts_url(Dc::Us), &sb.demo_client().client_id, "ada@example.com");
    let store = QuotingStore::default();
    let tokens = TokenManager::builder::<Portals>(oauth, key).store(store.clone()).clock(now).build();
    tokens.login(token).await.expect("login");
    let client = Client::builder().api_base(sb.api_url(Dc::Us)).build(tokens).expect("client");

    // The token expires; its refresh is fine but the save fails (logged, the call succeeds).
    store.saves_fail.store(true, Ordering::SeqCst);
    sb.clock().advance(Duration::from_secs(2 * 3600));
    client.send(ListPortals).await.expect("refreshed, not saved");
    // Expired again: this time the refresh cannot read the store, and the call fails.
    store.loads_fail.store(true, Ordering::SeqCst);
    sb.clock().advance(Duration::from_secs(2 * 3600));
    let err = client.send(ListPortals).await.expect_err("store down");
    let debug = format!("{err:?}");
    let cause = err.source().and_then(|s| s.downcast_ref::<BackendCause>()).expect("the store's cause");
    // The application can still reach its own error, unredacted.
    assert_eq!(cause.get_ref().to_string(), "query failed on postgres://app:hunter2@db.internal:5432/tokens");
    let text = each_cause_once(err);
    assert!(text.starts_with("token store backend error: query failed on postgres://[redacted]@db.internal"), "{text}");
    assert!(text.contains("Key (refresh_token)=([redacted]) already exists"), "{text}");

    let logged = String::from_utf8_lossy(&logs.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned();
    assert!(logged.contains("could not save the refreshed token"), "{logged}");
    for shown in [&text, &debug, &logged] {
        assert!(!shown.contains("hunter2") && !shown.contains("3f2a9c0d1e4b5a69"), "{shown}");
    }
    sb.shutdown().await;
}

/// Answers every connection with HTTP 200 and `body`, as bytes (no sandbox route sends bytes that
/// are not UTF-8). Returns the base URL.
async fn raw_server(body: Vec<u8>) -> url::Url {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let body = body.clone();
            tokio::spawn(async move {
                let mut head = [0u8; 4096];
                let _ = conn.read(&mut head).await;
                let start = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = conn.write_all(start.as_bytes()).await;
                let _ = conn.write_all(&body).await;
            });
        }
    });
    format!("http://{addr}/").parse().expect("url")
}

#[tokio::test]
async fn hostile_answers_give_bounded_redacted_decode_errors() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let access = console_token(&sb, &["ZohoProjects.portals.READ"]).await;
    let token =
        Token::<Portals>::from_console(&access, "ZohoProjects.portals.READ", Duration::from_secs(3600)).expect("token");
    let client =
        Client::builder().api_base(sb.api_url(Dc::Us)).retry(RetryPolicy::never()).build(token).expect("client");

    // 10 MB in one JSON string that starts with a token: serde quotes the whole string.
    let big = format!(r#"[{{"id":"{QUOTED_TOKEN} {}"}}]"#, "x".repeat(10 << 20));
    sb.inject(Fault::respond(200, "application/json", &big).on(Route::Any));
    let err = client.send(ListPortalsMisread).await.expect_err("misread");
    let Error::Decode { ref path, ref snippet, .. } = err else { panic!("expected Decode, got {err:?}") };
    assert_eq!(path, "[0].id");
    assert!(snippet.chars().count() <= 200 && snippet.contains("[redacted]"), "{snippet}");
    let debug = format!("{err:?}");
    let text = each_cause_once(err);
    for shown in [&text, &debug] {
        assert!(shown.len() < 2_000, "{} bytes", shown.len());
        assert!(!shown.contains("3f2a9c0d1e4b5a69"), "{shown}");
    }
    sb.shutdown().await;

    // Bytes that are not UTF-8, around a token: a decode error, no panic, the token redacted.
    let mut body = b"[{\"id\":\"\xff\xfe ".to_vec();
    body.extend_from_slice(QUOTED_TOKEN.as_bytes());
    body.extend_from_slice(b" \xc3\x28\"}]");
    let base = raw_server(body).await;
    let token =
        Token::<Portals>::from_console(&access, "ZohoProjects.portals.READ", Duration::from_secs(3600)).expect("token");
    let client =
        Client::builder().api_base(base).retry(RetryPolicy::never()).no_rate_limit().build(token).expect("client");
    let err = client.send(ListPortals).await.expect_err("not UTF-8");
    let Error::Decode { status: 200, ref snippet, .. } = err else { panic!("expected Decode, got {err:?}") };
    assert!(snippet.contains('\u{fffd}') && snippet.contains("[redacted]"), "{snippet}");
    let debug = format!("{err:?}");
    let text = each_cause_once(err);
    for shown in [&text, &debug] {
        assert!(!shown.contains("3f2a9c0d1e4b5a69"), "{shown}");
    }
}
