//! Errors as an application using `anyhow` sees them: `{:#}` prints each cause once, causes stay
//! reachable as errors (not text), a decode error says where in the JSON it failed and shows a
//! redacted start of the body, and "nothing stored yet" is its own error with advice. Real HTTP
//! against the sandbox (strict by default), real sockets, no sleeping.

#[path = "common/console.rs"]
mod console;
use console::{console_token, sandbox_oauth};

use std::collections::BTreeMap;
use std::error::Error as _;
use std::time::Duration;
use zoho_projects::prelude::*;
use zoho_projects::store::{MemoryStore, StoreError, StoreKey, StoreLock, TokenRecord, TokenStore};
use zoho_projects::{
    BodyError, DecodeCause, Error, OAuthError, RetryPolicy, ScopeParseError, TokenManager, async_trait,
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
    let io = err.source().and_then(|s| s.downcast_ref::<std::io::Error>()).expect("the store's own error");
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
