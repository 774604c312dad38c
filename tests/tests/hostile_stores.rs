//! A record planted in a shared token store (issue 13, item 2): whoever can write the store (a
//! Redis peer, another tenant, a writable token folder) must not receive the refresh token and
//! the client secret by naming their own accounts server in the record.
//!
//! The planted servers are real local listeners that count the connections they accept: the
//! test asserts they got none, for a `MemoryStore`, a `FileStore` and a `RedisStore`.

#[path = "common/redis.rs"]
mod redis_server;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use zoho_projects::manager::{LoginOutcome, ManagerError};
use zoho_projects::oauth::OAuthClient;
use zoho_projects::store::{FileStore, MemoryStore, RedisStore, StoreKey, TokenRecord, TokenStore};
use zoho_projects::{ClientSecret, OAuthError, TokenManager, scope_set};
use zoho_sandbox::{Dc, Sandbox};

scope_set! {
    struct Reader = ["ZohoProjects.portals.READ"];
}

/// A TCP listener on 127.0.0.1 that accepts and drops connections, counting them.
struct Counting {
    port: u16,
    accepted: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Counting {
    async fn start() -> Counting {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&accepted);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                drop(stream);
            }
        });
        Counting { port, accepted, task }
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for Counting {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Env {
    sb: Sandbox,
    oauth: OAuthClient,
    key: StoreKey,
    /// A listener the client is configured to trust over https only (location `eu`).
    https_only: Counting,
    /// A listener nobody configured.
    stranger: Counting,
}

impl Env {
    async fn start() -> Env {
        let sb = Sandbox::builder().start().await.expect("sandbox");
        let app = sb.demo_client();
        let clock = sb.clock();
        let https_only = Counting::start().await;
        let stranger = Counting::start().await;
        let eu = format!("https://127.0.0.1:{}/", https_only.port).parse().expect("url");
        let oauth = OAuthClient::builder(&app.client_id, ClientSecret::new(app.client_secret.as_str()))
            .accounts_url(sb.accounts_url(Dc::Us))
            .location_accounts_url("eu", eu)
            .clock(move || clock.now_system())
            // A bound against a hung server; the counting listeners drop every connection at
            // once, so a request sent there fails without it. It was 2 s, which a token request
            // answered late under load (a 2.5 s delay on the login's exchange) failed.
            .timeout(Duration::from_secs(30))
            .build()
            .expect("oauth client");
        let key = StoreKey::new(sb.accounts_url(Dc::Us), &app.client_id, "demo");
        Env { sb, oauth, key, https_only, stranger }
    }

    fn manager(&self, store: impl TokenStore) -> TokenManager<Reader> {
        let clock = self.sb.clock();
        TokenManager::builder::<Reader>(self.oauth.clone(), self.key.clone())
            .store(store)
            .clock(move || clock.now_system())
            .build()
    }

    /// A real refresh token for the demo user.
    async fn login(&self) -> zoho_projects::Token<Reader> {
        // The sandbox, like Zoho, hands out 4 codes per minute: let a virtual minute pass.
        self.sb.clock().advance(Duration::from_secs(61));
        let code =
            self.sb.self_client_code(&self.sb.demo_client().client_id, &["ZohoProjects.portals.READ"]).expect("code");
        self.oauth.exchange_self_client_code::<Reader>(&code).await.expect("exchange")
    }

    /// Servers a hostile writer may plant: unconfigured listeners over http and https, by
    /// address and by name, and a downgrade of the trusted `eu` server to plain http.
    fn planted(&self) -> Vec<String> {
        let (s, h) = (self.stranger.port, self.https_only.port);
        vec![
            format!("http://127.0.0.1:{s}"),
            format!("https://127.0.0.1:{s}"),
            format!("http://localhost:{s}/"),
            format!("http://127.0.0.1:{h}"),
            format!("http://[::1]:{s}"),
        ]
    }

    fn connections(&self) -> usize {
        self.stranger.accepted() + self.https_only.accepted()
    }
}

/// Logs in, then for each planted server: plants a record naming it (valid refresh token, an
/// access token that has expired) and asks for a token from a fresh manager (a new process),
/// then logs in over it and logs out. Every attempt is refused with a typed error, and the
/// planted listeners accept no connection. Finally the genuine record refreshes fine.
async fn planted_records_are_refused(env: &Env, store: impl TokenStore + Clone) {
    let first = env.manager(store.clone());
    first.login(env.login().await).await.expect("login");
    let genuine = store.load(&env.key).await.expect("load").expect("record");
    let refreshes = env.sb.counters().refresh_grants;
    // The access token expires: the next `token()` must refresh.
    env.sb.clock().advance(Duration::from_secs(2 * 3600));

    for server in env.planted() {
        let mut planted: TokenRecord = genuine.clone();
        planted.accounts_server = server.clone();
        store.save(&env.key, &planted).await.expect("plant");

        let fresh = env.manager(store.clone());
        match fresh.token().await {
            Err(ManagerError::OAuth(OAuthError::UntrustedAccountsServer { origin })) => {
                assert!(!origin.is_empty(), "{server}");
            }
            other => panic!("{server}: expected UntrustedAccountsServer, got {other:?}"),
        }
        match fresh.logout().await {
            Err(ManagerError::OAuth(OAuthError::UntrustedAccountsServer { .. })) => {}
            other => panic!("{server}: logout: expected UntrustedAccountsServer, got {other:?}"),
        }
        // Logging in over a planted record revokes its refresh token: not at the planted server.
        store.save(&env.key, &planted).await.expect("plant again");
        match env.manager(store.clone()).login(env.login().await).await {
            Ok(LoginOutcome::ReplacedRevokeFailed(OAuthError::UntrustedAccountsServer { .. })) => {}
            other => panic!("{server}: login: expected ReplacedRevokeFailed(Untrusted…), got {other:?}"),
        }
        assert_eq!(env.connections(), 0, "{server} was contacted");
    }
    assert_eq!(env.sb.counters().refresh_grants, refreshes, "no refresh went anywhere");

    // The control: the genuine record (trusted server) refreshes at the sandbox.
    let mut back = genuine.clone();
    back.access_token = zoho_projects::AccessToken::new(
        "1000.expired.x",
        env.sb.clock().now_system() - Duration::from_secs(1),
        genuine.access_token.scopes().clone(),
    );
    store.save(&env.key, &back).await.expect("restore");
    env.manager(store.clone()).token().await.expect("a trusted refresh");
    assert_eq!(env.sb.counters().refresh_grants, refreshes + 1);
    assert_eq!(env.connections(), 0);
}

#[tokio::test]
async fn a_record_planted_in_a_memory_store_reaches_no_one() {
    let env = Env::start().await;
    planted_records_are_refused(&env, Arc::new(MemoryStore::new())).await;
}

#[tokio::test]
async fn a_record_planted_in_a_file_store_reaches_no_one() {
    let env = Env::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(FileStore::new(dir.path().join("tokens.json")));
    planted_records_are_refused(&env, store).await;
}

#[tokio::test]
async fn a_record_planted_in_a_redis_store_reaches_no_one() {
    let Some(server) = redis_server::start() else { return };
    let env = Env::start().await;
    let store = RedisStore::builder(server.url())
        .prefix("planted")
        .timeout(std::time::Duration::from_secs(30))
        .connect()
        .await
        .expect("redis");
    // The writer is another Redis client (a peer of the fleet), not this store.
    let peer = RedisStore::builder(server.url())
        .prefix("planted")
        .timeout(std::time::Duration::from_secs(30))
        .connect()
        .await
        .expect("redis");
    let first = env.manager(store.clone());
    first.login(env.login().await).await.expect("login");
    let mut planted = peer.load(&env.key).await.expect("load").expect("record");
    planted.accounts_server = format!("https://127.0.0.1:{}", env.stranger.port);
    peer.save(&env.key, &planted).await.expect("plant");
    env.sb.clock().advance(Duration::from_secs(2 * 3600));
    assert!(matches!(
        env.manager(store.clone()).token().await,
        Err(ManagerError::OAuth(OAuthError::UntrustedAccountsServer { .. }))
    ));
    assert_eq!(env.connections(), 0);
    peer.remove(&env.key).await.expect("clean");
    planted_records_are_refused(&env, store).await;
}

/// A planted record whose access token is still valid: a fresh manager (a new process) does
/// not hand that token out (its calls would go out with whatever token the planter wrote); it
/// tries the refresh, which is refused as untrusted. Nothing reaches a planted server; the
/// genuine record's token is handed out as it is.
#[tokio::test]
async fn a_planted_record_with_a_valid_access_token_is_not_handed_out() {
    let env = Env::start().await;
    let store = Arc::new(MemoryStore::new());
    env.manager(store.clone()).login(env.login().await).await.expect("login");
    let genuine = store.load(&env.key).await.expect("load").expect("record");
    for server in env.planted() {
        let mut planted = genuine.clone();
        planted.accounts_server = server.clone();
        store.save(&env.key, &planted).await.expect("plant");
        match env.manager(store.clone()).token().await {
            Err(ManagerError::OAuth(OAuthError::UntrustedAccountsServer { .. })) => {}
            other => panic!("{server}: expected UntrustedAccountsServer, got {other:?}"),
        }
    }
    assert_eq!(env.connections(), 0);
    store.save(&env.key, &genuine).await.expect("restore");
    let token = env.manager(store.clone()).token().await.expect("the genuine token");
    assert!(token.same_secret(&genuine.access_token));
}

#[test]
fn accounts_servers_must_be_https_except_on_loopback() {
    let build = |url: &str| {
        OAuthClient::builder("1000.C", ClientSecret::new("s")).accounts_url(url.parse().expect("url")).build()
    };
    let location = |url: &str| {
        OAuthClient::builder("1000.C", ClientSecret::new("s"))
            .location_accounts_url("eu", url.parse().expect("url"))
            .build()
    };
    for ok in ["https://accounts.zoho.eu", "http://127.0.0.1:8080/", "http://localhost:1/", "http://[::1]:2/"] {
        build(ok).expect(ok);
        location(ok).expect(ok);
    }
    for bad in ["http://accounts.zoho.eu", "http://10.0.0.5:8080/", "ftp://accounts.zoho.eu/", "file:///tmp/x"] {
        assert!(matches!(build(bad), Err(OAuthError::InsecureUrl(_))), "{bad}");
        assert!(matches!(location(bad), Err(OAuthError::InsecureUrl(_))), "{bad}");
    }
}
