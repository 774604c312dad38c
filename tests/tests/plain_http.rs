//! No secret crosses the network in clear: a base URL of the API (which receives the access
//! token) or an accounts server (the client secret, codes, refresh tokens) is `https`, or plain
//! `http` only on a loopback host (127.0.0.0/8, `::1`, `localhost`: a local test server such as
//! the sandbox). Anything else is refused with a typed error when the client is built, before any
//! I/O: the refusals are checked here without an async runtime, so that nothing could have been
//! sent.
//!
//! The adversaries: a configuration value from the environment or a file (`--api-url`, a
//! deployment's settings) naming `http://…`, and a token answer or stored record naming a
//! plain-http `api_domain`, which must not move the calls.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use url::Url;
use zoho_projects::manager::TokenManager;
use zoho_projects::oauth::OAuthClient;
use zoho_projects::prelude::*;
use zoho_projects::store::{FileStore, MemoryStore, StoreKey};
use zoho_projects::tenants::Tenants;
use zoho_projects::{ClientSecret, Error, InsecureUrl, OAuthError, Token};
use zoho_sandbox::{Dc, Fault, Route, Sandbox};

scope_module! {
    /// Zoho WorkDrive's users (served on the `api_domain` hosts, `www.zohoapis.<tld>`).
    pub mod workdrive_users = "WorkDrive.users" { READ }
}

scope_set! {
    /// Projects and WorkDrive, read only.
    pub struct Read = ["ZohoProjects.portals.READ", workdrive_users::Read];
}

/// WorkDrive's "current user", on the `api_domain` host of the token's data centre.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/workdrive/api/v1/users/me", scope = workdrive_users::Read,
       response = serde_json::Value)]
pub struct WorkDriveMe;

/// What must be refused: plain http to a host that is not this machine, however it is written,
/// and schemes that are not http at all.
const REFUSED: &[&str] = &[
    "http://example.com",
    "http://10.0.0.1",
    "HTTP://Example.com",
    "http://10.0.0.1:8080/api/",
    "http://localhost.example.com/",
    "http://127.0.0.1.nip.io/",
    "http://localhost@example.com/",
    "http://[::ffff:10.0.0.1]/",
    "http://0.0.0.0:8080/",
    "ws://example.com/",
    "ftp://example.com/",
];

/// What is accepted: https anywhere, plain http on loopback hosts.
const ACCEPTED: &[&str] = &[
    "https://projectsapi.zoho.eu/",
    "https://example.com:8443/zoho/",
    "http://127.0.0.1:8080/",
    "http://127.8.9.10/",
    "http://[::1]:9/",
    "http://localhost:1/",
    "HTTP://LOCALHOST:2/",
];

fn url(s: &str) -> Url {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn token() -> Token<Read> {
    Token::from_console("1000.abc.def", "ZohoProjects.portals.READ,WorkDrive.users.READ", Duration::from_secs(3600))
        .expect("token")
}

/// The refused URL as the error shows it: scheme, host and port, nothing else.
fn assert_refused(result: Result<(), InsecureUrl>, bad: &str) {
    let err = result.expect_err(bad);
    let shown = err.to_string();
    assert!(shown.contains("https"), "{bad}: {shown}");
    assert!(shown.contains("loopback"), "{bad}: {shown}");
    assert!(shown.contains(err.origin()), "{bad}: {shown}");
    assert!(!shown.contains("/api/") && !shown.contains("@"), "{bad}: no path, no user: {shown}");
}

#[test]
fn a_plain_http_api_base_is_refused_when_the_client_is_built() {
    for bad in REFUSED {
        for how in ["api_base", "service_base", "region_base"] {
            let builder = match how {
                "api_base" => Client::builder().api_base(url(bad)),
                "service_base" => Client::builder().service_base(Service::API_DOMAIN, url(bad)),
                _ => Client::builder().region_base(Region::Eu, Service::PROJECTS, url(bad)),
            };
            let result = builder.build(token()).map(|_| ());
            assert_refused(
                match result {
                    Err(Error::InsecureUrl(e)) => Err(e),
                    other => panic!("{how} {bad}: expected Error::InsecureUrl, got {other:?}"),
                },
                bad,
            );
        }
    }
    let refused = Client::builder().api_base(url("HTTP://Example.com")).build(token()).expect_err("refused");
    let Error::InsecureUrl(e) = &refused else { panic!("{refused:?}") };
    assert_eq!(e.origin(), "http://example.com");
    assert!(!refused.is_transient(), "a configuration error: trying again does not help");
    // A good base after a bad one for the same service replaces it (the last call wins).
    Client::builder()
        .api_base(url("http://example.com"))
        .api_base(url("https://example.com"))
        .build(token())
        .expect("replaced");

    // A tenant registry builds its clients from a `ClientBuilder` too: refused when it is built.
    let oauth = OAuthClient::builder("1000.C", ClientSecret::new("s")).build().expect("oauth client");
    let registry = Tenants::builder::<Read>(oauth, MemoryStore::new())
        .client(Client::builder().service_base(Service::API_DOMAIN, url("http://10.0.0.1/")))
        .build();
    assert!(matches!(registry, Err(Error::InsecureUrl(ref e)) if e.origin() == "http://10.0.0.1"), "{registry:?}");

    for good in ACCEPTED {
        Client::builder().api_base(url(good)).build(token()).unwrap_or_else(|e| panic!("{good}: {e}"));
        Client::builder()
            .service_base(Service::API_DOMAIN, url(good))
            .region_base(Region::In, Service::PROJECTS, url(good))
            .build(token())
            .unwrap_or_else(|e| panic!("{good}: {e}"));
    }
}

#[test]
fn a_plain_http_accounts_server_is_refused_when_the_oauth_client_is_built() {
    let start = |u: &str| OAuthClient::builder("1000.C", ClientSecret::new("s")).accounts_url(url(u)).build();
    let location =
        |u: &str| OAuthClient::builder("1000.C", ClientSecret::new("s")).location_accounts_url("eu", url(u)).build();
    for bad in REFUSED {
        for (how, result) in [("accounts_url", start(bad)), ("location_accounts_url", location(bad))] {
            assert_refused(
                match result {
                    Err(OAuthError::InsecureUrl(e)) => Err(e),
                    other => panic!("{how} {bad}: expected OAuthError::InsecureUrl, got {other:?}"),
                },
                bad,
            );
        }
    }
    let Err(OAuthError::InsecureUrl(e)) = start("HTTP://Example.com") else { panic!("refused") };
    assert_eq!(e.origin(), "http://example.com");
    for good in ACCEPTED {
        start(good).unwrap_or_else(|e| panic!("{good}: {e}"));
        location(good).unwrap_or_else(|e| panic!("{good}: {e}"));
    }
}

/// A listener that counts the connections it accepts.
struct Trap {
    url: String,
    accepted: Arc<AtomicUsize>,
}

impl Trap {
    async fn start() -> Trap {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&accepted);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                drop(stream);
            }
        });
        Trap { url, accepted }
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

#[tokio::test]
async fn a_plain_http_api_domain_in_a_token_answer_or_a_stored_record_does_not_move_the_calls() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let trap = Trap::start().await;
    let app = sb.demo_client();
    let clock = sb.clock();
    let oauth = OAuthClient::builder(&app.client_id, ClientSecret::new(app.client_secret.as_str()))
        .accounts_url(sb.accounts_url(Dc::Us))
        .clock(move || clock.now_system())
        .build()
        .expect("oauth client");

    // Zoho's answer to the code exchange names a plain-http `api_domain` (the access token in it
    // is a real one of the sandbox's).
    let access = sb.mint_access_token(&sb.demo_user().email, Read::OAUTH).expect("access token");
    let answer = serde_json::json!({
        "access_token": access,
        "refresh_token": "1000.0123456789abcdef0123456789abcdef.0123456789abcdef0123456789abcdef",
        "api_domain": trap.url,
        "token_type": "Bearer",
        "expires_in": 3600,
        "scope": Read::OAUTH.join(","),
    });
    sb.inject(Fault::respond(200, "application/json", &answer.to_string()).on(Route::Token).times(1));
    let code = sb.self_client_code(&app.client_id, Read::OAUTH).expect("code");
    let token = oauth.exchange_self_client_code::<Read>(&code).await.expect("token");
    assert_eq!(token.parts().api_domain.as_deref(), Some(trap.url.as_str()), "the answer was read");

    // Kept in a store, resumed by a new manager (a new process): the record names it too.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("tokens.json");
    let key = StoreKey::new(sb.accounts_url(Dc::Us), &app.client_id, &sb.demo_user().email);
    let manager = |oauth: OAuthClient| {
        let clock = sb.clock();
        TokenManager::builder::<Read>(oauth, key.clone())
            .store(FileStore::new(&file))
            .clock(move || clock.now_system())
            .build()
    };
    manager(oauth.clone()).login(token.clone()).await.expect("stored");
    assert!(std::fs::read_to_string(&file).expect("record").contains(&trap.url), "the record names it");

    let api_domain = sb.api_domain_url(Dc::Us);
    let fixed = Client::builder().region_base(Region::Us, Service::API_DOMAIN, api_domain.clone()).build(token);
    let resumed =
        Client::builder().region_base(Region::Us, Service::API_DOMAIN, api_domain).build(manager(oauth.clone()));
    for client in [fixed.expect("client"), resumed.expect("client")] {
        let before = sb.requests_seen().len();
        let me = client.send(WorkDriveMe).await.expect("answered");
        assert_eq!(me["data"]["type"], "users");
        let seen = sb.requests_seen()[before..].to_vec();
        let got: Vec<_> = seen.iter().map(|r| (r.dc, r.service, r.path_and_query.as_str())).collect();
        assert_eq!(got, [(Dc::Us, zoho_sandbox::Service::ApiDomain, "/workdrive/api/v1/users/me")]);
    }
    assert_eq!(trap.accepted(), 0, "nothing went to the api_domain of the answer");
    sb.shutdown().await;
}
