//! `SignIn` against `zoho-sandbox` over real HTTP, with real token files: the first run signs in
//! (device flow, or loopback with the test as the browser), a later run resumes without a grant,
//! an EU user lands on the EU Projects listener, and the attacks on a stored record (another
//! user's, one naming a foreign accounts server, a damaged or deleted file, a sign-in dropped
//! midway, two sign-ins at once). Time is the sandbox's virtual clock: nothing sleeps.
#![allow(missing_docs, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use zoho_oauth_core::manager::LoginOutcome;
use zoho_oauth_core::oauth::{LoopbackServer, OAuthClient};
use zoho_oauth_core::store::{FileStore, StoreError, StoreKey, TokenRecord, TokenStore};
use zoho_oauth_core::{
    AccessToken, Client, ClientSecret, Dynamic, DynamicScopes, Endpoint, Error, OAuthError, Prompt, RefreshToken,
    Region, Service, SignIn, SignInMethod, TokenParts, scope_set,
};
use zoho_sandbox::{ClientCredentials, ClientKind, ClientSpec, Dc, Fault, Route, Sandbox};

scope_set! {
    #[zoho(crate = ::zoho_oauth_core)]
    /// The portal list.
    pub struct Portals = ["ZohoProjects.portals.READ"];
}

scope_set! {
    #[zoho(crate = ::zoho_oauth_core)]
    /// The portal list and tasks.
    pub struct Tasks = ["ZohoProjects.portals.READ", "ZohoProjects.tasks.READ"];
}

#[derive(Endpoint)]
#[zoho(crate = ::zoho_oauth_core, method = "GET", path = "/api/v3/portals",
       scope = "ZohoProjects.portals.READ", response = serde_json::Value)]
struct ListPortals;

/// A sandbox with every Zoho limit on (the strict default).
async fn sandbox() -> Sandbox {
    Sandbox::builder().start().await.expect("sandbox starts")
}

fn device_client(sb: &Sandbox) -> ClientCredentials {
    sb.register_client(ClientSpec { kind: ClientKind::Device, redirect_uris: vec![], ..ClientSpec::default() })
}

/// An OAuth client starting at the sandbox's US accounts server and knowing its EU and IN ones,
/// on its virtual clock.
fn oauth(sb: &Sandbox, creds: &ClientCredentials, redirect: Option<&str>) -> OAuthClient {
    let clock = sb.clock();
    let mut b = OAuthClient::builder(&creds.client_id, ClientSecret::new(creds.client_secret.as_str()))
        .accounts_url(sb.accounts_url(Dc::Us))
        .location_accounts_url("eu", sb.accounts_url(Dc::Eu))
        .location_accounts_url("in", sb.accounts_url(Dc::In))
        .clock(move || clock.now_system());
    if let Some(uri) = redirect {
        b = b.redirect_uri(uri.parse().expect("redirect URI"));
    }
    b.build().expect("client builds")
}

/// The client builder of a program pointed at the sandbox's Projects listeners.
fn client_builder(sb: &Sandbox) -> zoho_oauth_core::ClientBuilder {
    let mut b = Client::builder();
    for (region, dc) in [(Region::Us, Dc::Us), (Region::Eu, Dc::Eu), (Region::In, Dc::In)] {
        b = b.region_base(region, Service::PROJECTS, sb.api_url(dc));
    }
    b
}

/// What one run of a program does: `SignIn` with a token file at `file`, the sandbox's clock, a
/// device-flow sleeper that moves that clock, and a prompt that hands what it shows to the test.
fn sign_in(sb: &Sandbox, oauth: OAuthClient, file: &Path) -> (SignIn<Portals>, mpsc::UnboundedReceiver<String>) {
    sign_in_as::<Portals>(sb, oauth, file)
}

fn sign_in_as<S: zoho_oauth_core::ScopeRequirement + Send + Sync>(
    sb: &Sandbox,
    oauth: OAuthClient,
    file: &Path,
) -> (SignIn<S>, mpsc::UnboundedReceiver<String>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let clock = sb.clock();
    let sleep_clock = sb.clock();
    let run = SignIn::<S>::new(oauth)
        .store(FileStore::new(file))
        .clock(move || clock.now_system())
        .sleeper(move |wait: Duration| {
            sleep_clock.advance(wait);
            std::future::ready(())
        })
        .client_builder(client_builder(sb))
        .prompt(move |prompt| {
            let shown = match prompt {
                Prompt::EnterCode { user_code, .. } => user_code.to_owned(),
                Prompt::OpenUrl(url) => url.to_string(),
                _ => String::new(),
            };
            let _ = tx.send(shown);
        });
    (run, rx)
}

/// Runs `run` while approving the device code it shows as `email`.
async fn with_device_approval<T>(
    sb: &Sandbox,
    email: &str,
    run: impl Future<Output = T>,
    mut shown: mpsc::UnboundedReceiver<String>,
) -> T {
    let approve = async {
        let code = shown.recv().await.expect("a code is shown");
        sb.approve_device(&code, email).expect("the user approves");
        std::future::pending::<()>().await
    };
    tokio::select! {
        out = run => out,
        _ = approve => unreachable!("approval never finishes"),
    }
}

/// The data centres and hosts of the Projects API calls the sandbox saw since `from`.
fn api_calls(sb: &Sandbox, from: usize) -> Vec<(Dc, zoho_sandbox::Service)> {
    sb.requests_seen()[from..]
        .iter()
        .filter(|r| r.path_and_query.starts_with("/api/"))
        .map(|r| (r.dc, r.service))
        .collect()
}

fn token_file(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("tokens.json")
}

/// A sandbox (strict), a device-flow client, the demo user's e-mail and a token file in a
/// fresh folder (kept while `_dir` lives).
struct Setup {
    sb: Sandbox,
    creds: ClientCredentials,
    email: String,
    file: PathBuf,
    _dir: tempfile::TempDir,
}

async fn setup() -> Setup {
    let sb = sandbox().await;
    let creds = device_client(&sb);
    let email = sb.demo_user().email;
    let _dir = tempfile::tempdir().expect("tempdir");
    let file = token_file(&_dir);
    Setup { sb, creds, email, file, _dir }
}

/// A first run: `email` signs in with the device flow.
async fn signed_in(sb: &Sandbox, creds: &ClientCredentials, email: &str, file: &Path) {
    let (run, shown) = sign_in(sb, oauth(sb, creds, None), file);
    with_device_approval(sb, email, run.client(), shown).await.expect("signed in");
}

#[tokio::test]
async fn the_first_run_signs_in_with_the_device_flow_and_the_next_resumes_without_a_grant() {
    let Setup { sb, creds, email, file, _dir } = setup().await;
    let (run, shown) = sign_in(&sb, oauth(&sb, &creds, None), &file);
    let client = with_device_approval(&sb, &email, run.client(), shown).await.expect("signed in");
    client.send(ListPortals).await.expect("portals");
    let after_first = sb.counters();
    assert_eq!(after_first.device_codes_issued, 1);
    assert_eq!(after_first.refresh_tokens_issued, 1, "one sign-in, with offline access");
    assert!(file.exists(), "the token was stored");

    // The next run: a new SignIn on a new store over the same file. Nothing is shown, nothing
    // is granted.
    let before = sb.requests_seen().len();
    let (run, mut shown) = sign_in(&sb, oauth(&sb, &creds, None), &file);
    let client = run.client().await.expect("resumed");
    client.send(ListPortals).await.expect("portals");
    let after = sb.counters();
    assert!(shown.try_recv().is_err(), "nobody was asked to sign in");
    assert_eq!(after.token_requests, after_first.token_requests, "no token grant of any kind");
    assert_eq!(after.device_codes_issued, 1);
    assert_eq!(api_calls(&sb, before), [(Dc::Us, zoho_sandbox::Service::Projects)]);
    sb.shutdown().await;
}

#[tokio::test]
async fn an_eu_user_lands_on_the_eu_projects_listener_and_resumes_there() {
    let sb = sandbox().await;
    let creds = device_client(&sb);
    let lena = sb.add_user("lena@example.eu", Dc::Eu);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = token_file(&dir);

    let (run, shown) = sign_in(&sb, oauth(&sb, &creds, None), &file);
    let client = with_device_approval(&sb, &lena.email, run.client(), shown).await.expect("signed in");
    assert_eq!(client.data_centre(), Region::Eu);
    client.send(ListPortals).await.expect("portals");
    assert_eq!(api_calls(&sb, 0), [(Dc::Eu, zoho_sandbox::Service::Projects)]);

    // The record keeps the EU accounts server under the key of the US start server: the next
    // run finds it without knowing the data centre.
    let key = StoreKey::new(sb.accounts_url(Dc::Us), &creds.client_id, "default");
    let record = FileStore::new(&file).load(&key).await.expect("readable").expect("stored under the start key");
    assert_eq!(record.accounts_server, sb.accounts_url(Dc::Eu).as_str().trim_end_matches('/'));
    assert_eq!(record.location.as_deref(), Some("eu"));

    let before = sb.requests_seen().len();
    let grants = sb.counters().token_requests;
    let (run, _shown) = sign_in(&sb, oauth(&sb, &creds, None), &file);
    let client = run.client().await.expect("resumed");
    client.send(ListPortals).await.expect("portals");
    assert_eq!(sb.counters().token_requests, grants, "resumed without a grant");
    assert_eq!(api_calls(&sb, before), [(Dc::Eu, zoho_sandbox::Service::Projects)]);

    // Two hours later the access token has expired: the next run refreshes it at the EU
    // accounts server, once, and still asks nobody.
    sb.clock().advance(Duration::from_secs(7200));
    let before = sb.requests_seen().len();
    let (run, mut shown) = sign_in(&sb, oauth(&sb, &creds, None), &file);
    let client = run.client().await.expect("resumed and refreshed");
    client.send(ListPortals).await.expect("portals");
    assert!(shown.try_recv().is_err());
    assert_eq!(sb.counters().refresh_grants, 1);
    assert_eq!(sb.counters().device_codes_issued, 1);
    let seen = &sb.requests_seen()[before..];
    let refreshes: Vec<Dc> =
        seen.iter().filter(|r| r.path_and_query.starts_with("/oauth/v2/token")).map(|r| r.dc).collect();
    assert_eq!(refreshes, [Dc::Eu]);
    assert_eq!(api_calls(&sb, before), [(Dc::Eu, zoho_sandbox::Service::Projects)]);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_record_for_another_user_is_not_used_and_is_left_alone() {
    let sb = sandbox().await;
    let creds = device_client(&sb);
    let alice = sb.demo_user();
    let bob = sb.add_user("bob@example.com", Dc::Us);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = token_file(&dir);

    let (run, shown) = sign_in(&sb, oauth(&sb, &creds, None), &file);
    let run = run.user("alice");
    with_device_approval(&sb, &alice.email, run.client(), shown).await.expect("alice signed in");
    let alice_key = StoreKey::new(sb.accounts_url(Dc::Us), &creds.client_id, "alice");
    let alice_token = FileStore::new(&file).load(&alice_key).await.expect("read").expect("stored").access_token;

    // Asking for bob signs bob in: alice's record is not his.
    let (run, shown) = sign_in(&sb, oauth(&sb, &creds, None), &file);
    let run = run.user("bob");
    with_device_approval(&sb, &bob.email, run.client(), shown).await.expect("bob signed in");
    assert_eq!(sb.counters().device_codes_issued, 2, "bob signed in himself");
    assert_eq!(sb.counters().revocations, 0, "nobody's token was replaced");
    let store = FileStore::new(&file);
    let bob_key = StoreKey::new(sb.accounts_url(Dc::Us), &creds.client_id, "bob");
    let bobs = store.load(&bob_key).await.expect("read").expect("stored").access_token;
    let alices = store.load(&alice_key).await.expect("read").expect("kept").access_token;
    assert!(alices.same_secret(&alice_token), "alice's record is untouched");
    assert!(!bobs.same_secret(&alices));
    sb.shutdown().await;
}

/// A record in the store under the key `SignIn` uses, naming `accounts` as its accounts server.
async fn plant(file: &Path, key: &StoreKey, accounts: &str, expires_in: Duration, now: std::time::SystemTime) {
    let scopes = DynamicScopes::parse(["ZohoProjects.portals.READ"]).expect("scopes");
    let mut parts = TokenParts::new(AccessToken::new("1000.planted.access", now + expires_in, scopes));
    parts.refresh_token = Some(RefreshToken::new("1000.planted.refresh"));
    parts.accounts_server = Some(accounts.parse().expect("url"));
    parts.location = Some("eu".to_owned());
    FileStore::new(file).save(key, &TokenRecord::from_parts(key, &parts, now)).await.expect("planted");
}

#[tokio::test]
async fn a_planted_record_naming_another_accounts_server_is_refused_before_anything_is_sent() {
    let Setup { sb, creds, email: _, file, _dir } = setup().await;
    // The host the planted record names: a listener that counts who connects.
    let evil = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let evil_url = format!("http://{}/", evil.local_addr().expect("addr"));
    let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = Arc::clone(&connections);
    let accepting = tokio::spawn(async move {
        while evil.accept().await.is_ok() {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });
    let key = StoreKey::new(sb.accounts_url(Dc::Us), &creds.client_id, "default");
    let now = sb.clock().now_system();

    // Expired (a refresh would send the client secret and refresh token there) and fresh (its
    // access token would be used as if it were the user's): both refused.
    for expires_in in [Duration::ZERO, Duration::from_secs(3600)] {
        plant(&file, &key, &evil_url, expires_in, now).await;
        let planted = std::fs::read(&file).expect("read");
        let (run, mut shown) = sign_in(&sb, oauth(&sb, &creds, None), &file);
        let err = run.client().await.expect_err("refused");
        assert!(matches!(err, Error::OAuth(OAuthError::UntrustedAccountsServer { .. })), "{err:?}");
        assert!(shown.try_recv().is_err(), "no sign-in was started over it");
        assert_eq!(std::fs::read(&file).expect("read"), planted, "the record is left for inspection");
    }
    // Let any connection attempt land before counting.
    tokio::task::yield_now().await;
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 0, "nothing reached the planted host");
    assert_eq!(sb.counters().token_requests, 0);
    assert_eq!(sb.counters().api_requests, 0);
    accepting.abort();
    sb.shutdown().await;
}

#[tokio::test]
async fn a_damaged_token_file_is_an_error_and_left_untouched() {
    let Setup { sb, creds, email, file, _dir } = setup().await;
    signed_in(&sb, &creds, &email, &file).await;

    // Between runs the file is cut short.
    let whole = std::fs::read(&file).expect("read");
    std::fs::write(&file, &whole[..whole.len() / 2]).expect("damage");
    let damaged = std::fs::read(&file).expect("read");
    let (run, mut shown) = sign_in(&sb, oauth(&sb, &creds, None), &file);
    let err = run.client().await.expect_err("a damaged store is not silently replaced");
    assert!(matches!(err, Error::Store(StoreError::Corrupt { .. })), "{err:?}");
    assert!(shown.try_recv().is_err(), "no sign-in over a damaged store");
    assert_eq!(std::fs::read(&file).expect("read"), damaged, "nothing was overwritten");
    assert_eq!(sb.counters().device_codes_issued, 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_deleted_token_file_means_signing_in_again() {
    let Setup { sb, creds, email, file, _dir } = setup().await;
    signed_in(&sb, &creds, &email, &file).await;

    std::fs::remove_file(&file).expect("deleted between runs");
    let (run, shown) = sign_in(&sb, oauth(&sb, &creds, None), &file);
    let client = with_device_approval(&sb, &email, run.client(), shown).await.expect("signed in again");
    client.send(ListPortals).await.expect("portals");
    assert_eq!(sb.counters().device_codes_issued, 2);
    assert!(file.exists());
    sb.shutdown().await;
}

#[tokio::test]
async fn a_token_for_fewer_scopes_leads_to_a_sign_in_for_the_set() {
    let Setup { sb, creds, email, file, _dir } = setup().await;
    let (run, shown) = sign_in(&sb, oauth(&sb, &creds, None), &file);
    with_device_approval(&sb, &email, run.client(), shown).await.expect("signed in for Portals");

    let (run, shown) = sign_in_as::<Tasks>(&sb, oauth(&sb, &creds, None), &file);
    let manager = with_device_approval(&sb, &email, run.token_manager(), shown).await.expect("signed in for Tasks");
    let token = manager.token().await.expect("token");
    assert!(token.scopes().grants("ZohoProjects.tasks.READ"));
    assert_eq!(sb.counters().device_codes_issued, 2);
    // Zoho issues a refresh token to a user who consented before only when asked for consent:
    // without it the new token would keep the old refresh token, for the narrower set.
    assert_eq!(sb.counters().refresh_tokens_issued, 2, "the second sign-in got a refresh token of its own");
    assert_eq!(sb.counters().revocations, 1, "the narrower sign-in's refresh token was revoked");
    // Two hours later the refresh yields a token for the whole set.
    sb.clock().advance(Duration::from_secs(7200));
    let token = manager.token().await.expect("refreshed");
    assert!(token.scopes().grants("ZohoProjects.tasks.READ"));
    sb.shutdown().await;
}

#[tokio::test]
async fn a_sign_in_dropped_midway_writes_nothing_and_frees_the_loopback_port() {
    let sb = sandbox().await;
    // Device flow: dropped while waiting for the user.
    let creds = device_client(&sb);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = token_file(&dir);
    let (run, mut shown) = sign_in(&sb, oauth(&sb, &creds, None), &file);
    tokio::select! {
        _ = run.client() => panic!("nobody approved"),
        code = shown.recv() => assert!(code.is_some()),
    }
    assert!(!file.exists(), "nothing was written");

    // Loopback: dropped while the browser is away.
    let server = LoopbackServer::bind().await.expect("a free loopback port, held from now on");
    let redirect = server.redirect_uri().to_string();
    let port = server.redirect_uri().port().expect("port");
    let web = sb.register_client(ClientSpec::web(&redirect));
    let (run, mut shown) = sign_in(&sb, oauth(&sb, &web, Some(&redirect)), &file);
    let run = run.loopback_server(server);
    tokio::select! {
        _ = run.client() => panic!("no browser came back"),
        url = shown.recv() => assert!(url.is_some_and(|u| u.contains("/oauth/v2/auth"))),
    }
    assert!(!file.exists(), "nothing was written");
    std::net::TcpListener::bind(("127.0.0.1", port)).expect("the loopback port was released");
    assert_eq!(sb.counters().access_tokens_minted, 0);
    assert_eq!(sb.counters().codes_issued, 0);
    sb.shutdown().await;
}

#[tokio::test]
async fn the_loopback_sign_in_completes_with_the_browser_and_resumes_after() {
    let sb = Sandbox::builder().auto_approve(true).start().await.expect("sandbox");
    let lena = sb.add_user("lena@example.eu", Dc::Eu);
    sb.sign_in(&lena.email).expect("the browser is signed in as an EU user");
    // Bound now and held: a port number picked, released and bound again later could be taken
    // by another test in between (seen failing under load).
    let server = LoopbackServer::bind().await.expect("a free loopback port");
    let redirect = server.redirect_uri().to_string();
    let web = sb.register_client(ClientSpec::web(&redirect));
    let dir = tempfile::tempdir().expect("tempdir");
    let file = token_file(&dir);

    let port = server.redirect_uri().port().expect("port");
    let (run, mut shown) = sign_in(&sb, oauth(&sb, &web, Some(&redirect)), &file);
    let run = run.loopback_server(server);
    // Another program cannot take the port before the sign-in listens: the sign-in holds it.
    assert!(std::net::TcpListener::bind(("127.0.0.1", port)).is_err(), "the loopback port is held");
    let browser = async {
        let url = shown.recv().await.expect("a URL to open");
        // The browser follows Zoho's redirects to the loopback listener.
        let page = reqwest::get(&url).await.expect("the redirect reaches the program");
        assert!(page.status().is_success(), "{}", page.status());
        std::future::pending::<()>().await
    };
    let client = tokio::select! {
        client = run.client() => client.expect("signed in"),
        _ = browser => unreachable!(),
    };
    client.send(ListPortals).await.expect("portals");
    assert_eq!(sb.counters().codes_issued, 1);
    assert_eq!(api_calls(&sb, 0), [(Dc::Eu, zoho_sandbox::Service::Projects)]);

    let grants = sb.counters().token_requests;
    let (run, mut shown) = sign_in(&sb, oauth(&sb, &web, Some(&redirect)), &file);
    run.client().await.expect("resumed").send(ListPortals).await.expect("portals");
    assert!(shown.try_recv().is_err());
    assert_eq!(sb.counters().token_requests, grants);
    assert_eq!(sb.counters().codes_issued, 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn two_sign_ins_at_once_for_one_user_both_end_with_a_working_client() {
    let Setup { sb, creds, email, file, _dir } = setup().await;
    // Two programs, each with its own store over the one file.
    // The device flow's waits move the virtual clock only once both codes are approved: a
    // sleeper that moved it at once let the first program poll its code past its expiry while the
    // second was still asking for one (seen under load).
    let (approved_tx, approved) = tokio::sync::watch::channel(false);
    let gated = || {
        let (clock, approved) = (sb.clock(), approved.clone());
        move |wait: Duration| {
            let (clock, mut approved) = (clock.clone(), approved.clone());
            async move {
                let _ = approved.wait_for(|both| *both).await;
                clock.advance(wait);
            }
        }
    };
    let (first, first_shown) = sign_in(&sb, oauth(&sb, &creds, None), &file);
    let (second, second_shown) = sign_in(&sb, oauth(&sb, &creds, None), &file);
    let (first, second) = (first.sleeper(gated()), second.sleeper(gated()));
    // Both are shown a code before either is approved: both sign-ins are under way at once.
    let (mut first_shown, mut second_shown) = (first_shown, second_shown);
    let approve = async {
        let codes = [first_shown.recv().await.expect("code"), second_shown.recv().await.expect("code")];
        for code in codes {
            sb.approve_device(&code, &email).expect("approved");
        }
        approved_tx.send_replace(true);
        std::future::pending::<()>().await
    };
    let (a, b) = tokio::select! {
        both = async { tokio::join!(first.client(), second.client()) } => both,
        _ = approve => unreachable!(),
    };
    let (a, b) = (a.expect("first signed in"), b.expect("second signed in"));
    assert_eq!(sb.counters().device_codes_issued, 2);
    assert_eq!(sb.counters().revocations, 1, "the replaced refresh token was revoked");
    // Whichever stored first lost its refresh token (and Zoho its access tokens): its client
    // adopts the stored one when Zoho refuses its own.
    a.send(ListPortals).await.expect("first works");
    b.send(ListPortals).await.expect("second works");
    let key = StoreKey::new(sb.accounts_url(Dc::Us), &creds.client_id, "default");
    let record = FileStore::new(&file).load(&key).await.expect("read").expect("one record");
    assert!(record.refresh_token.is_some());
    assert_eq!(sb.counters().refresh_tokens_issued, 2);
    sb.shutdown().await;
}

#[tokio::test]
async fn the_loopback_method_without_a_loopback_redirect_uri_is_a_configuration_error() {
    let sb = sandbox().await;
    let creds = device_client(&sb);
    let dir = tempfile::tempdir().expect("tempdir");
    let (run, _shown) = sign_in(&sb, oauth(&sb, &creds, None), &token_file(&dir));
    let err = run.method(SignInMethod::Loopback).client().await.expect_err("no redirect URI");
    assert!(matches!(err, Error::OAuth(OAuthError::Config(_))), "{err:?}");
    assert!(err.to_string().contains("redirect URI"), "{err}");
    // A redirect URI the 127.0.0.1 listener cannot answer to (another host, no port) neither.
    for redirect in ["http://localhost:8765/callback", "https://app.example.com/callback", "http://127.0.0.1/cb"] {
        let web = sb.register_client(ClientSpec::web(redirect));
        let (run, _shown) = sign_in(&sb, oauth(&sb, &web, Some(redirect)), &token_file(&dir));
        let err = run.client().await.expect_err("not a loopback URI with a port");
        assert!(matches!(err, Error::OAuth(OAuthError::Config(_))), "{redirect}: {err:?}");
        assert!(err.to_string().contains("127.0.0.1"), "{err}");
    }
    assert_eq!(sb.counters().token_requests, 0);
    assert!(!token_file(&dir).exists());
    sb.shutdown().await;
}

#[tokio::test]
async fn the_key_is_the_start_server_the_client_id_and_the_user_and_debug_hides_the_secret() {
    let sb = sandbox().await;
    let creds = device_client(&sb);
    let run = SignIn::<Portals>::new(oauth(&sb, &creds, None)).user("ana@example.com");
    assert_eq!(run.key(), StoreKey::new(sb.accounts_url(Dc::Us), &creds.client_id, "ana@example.com"));
    // Its Debug output (logs, panics) shows the client id, never the client secret.
    let shown = format!("{run:?}");
    assert!(shown.contains(&creds.client_id), "{shown}");
    assert!(!shown.contains(&creds.client_secret), "{shown}");
    sb.shutdown().await;
}

#[tokio::test]
async fn scopes_known_at_run_time_and_a_forced_sign_in_replace_and_revoke_the_stored_token() {
    let Setup { sb, creds, email, file, _dir } = setup().await;
    let scopes = DynamicScopes::parse(["ZohoProjects.portals.READ", "ZohoProjects.tasks.READ"]).expect("scopes");

    // A `Dynamic` sign-in without scopes asks for nothing: refused before anything is sent.
    let (run, _shown) = sign_in_as::<Dynamic>(&sb, oauth(&sb, &creds, None), &file);
    let err = run.client().await.expect_err("no scopes");
    assert!(matches!(err, Error::OAuth(OAuthError::Config(_))), "{err:?}");
    assert_eq!(sb.counters().token_requests, 0);

    let (run, shown) = sign_in_as::<Dynamic>(&sb, oauth(&sb, &creds, None), &file);
    let (manager, outcome) =
        with_device_approval(&sb, &email, run.scopes(scopes.clone()).sign_in(), shown).await.expect("signed in");
    assert!(matches!(outcome, LoginOutcome::Stored), "{outcome:?}");
    assert!(manager.token().await.expect("token").scopes().grants("ZohoProjects.tasks.READ"));

    // `sign_in` signs in whatever is stored (a command-line `login`): the stored refresh
    // token is replaced and revoked at Zoho.
    let (run, shown) = sign_in_as::<Dynamic>(&sb, oauth(&sb, &creds, None), &file);
    let (_, outcome) =
        with_device_approval(&sb, &email, run.scopes(scopes).sign_in(), shown).await.expect("signed in again");
    assert!(matches!(outcome, LoginOutcome::ReplacedAndRevoked), "{outcome:?}");
    assert_eq!(sb.counters().device_codes_issued, 2);
    assert_eq!(sb.counters().revocations, 1);

    // A scope set whose scopes the sign-in's do not cover is a mismatch, and nothing is stored.
    let other = tempfile::tempdir().expect("tempdir");
    let (run, shown) = sign_in_as::<Tasks>(&sb, oauth(&sb, &creds, None), &token_file(&other));
    let narrower = DynamicScopes::parse(["ZohoProjects.portals.READ"]).expect("scopes");
    let err = with_device_approval(&sb, &email, run.scopes(narrower).client(), shown).await.expect_err("mismatch");
    assert!(matches!(err, Error::ScopeMismatch(_)), "{err:?}");
    assert!(!token_file(&other).exists());
    sb.shutdown().await;
}

#[tokio::test]
async fn a_record_whose_data_centre_fields_name_other_hosts_sends_the_token_only_to_zoho_hosts() {
    let Setup { sb, creds, email, file, _dir } = setup().await;
    // The host the planted `api_domain` names: a listener that counts who connects.
    let evil = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let evil_url = format!("http://{}", evil.local_addr().expect("addr"));
    let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = Arc::clone(&connections);
    let accepting = tokio::spawn(async move {
        while evil.accept().await.is_ok() {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });
    // A record with a trusted accounts server and a real token of the user, but an `api_domain`
    // and a `location` that name another host: the client's hosts come from its own table of
    // data centres (or its configured bases), never from the record.
    let key = StoreKey::new(sb.accounts_url(Dc::Us), &creds.client_id, "default");
    let now = sb.clock().now_system();
    let minted = sb.mint_access_token(&email, &["ZohoProjects.portals.READ"]).expect("token");
    let scopes = DynamicScopes::parse(["ZohoProjects.portals.READ"]).expect("scopes");
    let mut parts = TokenParts::new(AccessToken::new(minted, now + Duration::from_secs(3000), scopes));
    parts.accounts_server = Some(sb.accounts_url(Dc::Us));
    parts.api_domain = Some(evil_url.clone());
    parts.location = Some(evil_url);
    FileStore::new(&file).save(&key, &TokenRecord::from_parts(&key, &parts, now)).await.expect("planted");

    let (run, _shown) = sign_in(&sb, oauth(&sb, &creds, None), &file);
    let client = run.client().await.expect("resumed");
    client.send(ListPortals).await.expect("portals");
    assert_eq!(client.data_centre(), Region::Us, "an unknown location is no data centre");
    assert_eq!(api_calls(&sb, 0), [(Dc::Us, zoho_sandbox::Service::Projects)]);
    tokio::task::yield_now().await;
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 0, "nothing reached the planted host");
    accepting.abort();
    sb.shutdown().await;
}

#[tokio::test]
async fn a_sign_in_that_fails_at_zoho_is_a_typed_error_and_stores_nothing() {
    let Setup { sb, creds, email, file, _dir } = setup().await;
    // Every poll of the approved code is answered with a 503 page until the code expires
    // (30 + 60 + 120 + 120 s of backoff: four polls).
    sb.inject(Fault::status(503).on(Route::DeviceToken).always());
    let (run, shown) = sign_in(&sb, oauth(&sb, &creds, None), &file);
    let err = with_device_approval(&sb, &email, run.client(), shown).await.expect_err("503");
    assert!(matches!(err, Error::OAuth(OAuthError::UnexpectedResponse { status: 503, .. })), "{err:?}");
    assert!(!file.exists(), "nothing was stored");
    assert_eq!(sb.counters().faults_applied, 4);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_sign_in_survives_one_dropped_poll_and_one_503() {
    let Setup { sb, creds, email, file, _dir } = setup().await;
    sb.inject(Fault::drop_connection().on(Route::DeviceToken));
    sb.inject(Fault::status(503).on(Route::DeviceToken));
    let (run, shown) = sign_in(&sb, oauth(&sb, &creds, None), &file);
    let client = with_device_approval(&sb, &email, run.client(), shown).await.expect("signed in");
    client.send(ListPortals).await.expect("portals");
    assert!(file.exists(), "the token was stored");
    let polls = sb.requests_seen().iter().filter(|r| r.route == Route::DeviceToken).count();
    assert_eq!(polls, 3, "a dropped poll, a 503, the token");
    assert_eq!(sb.counters().faults_applied, 2);
    sb.shutdown().await;
}
