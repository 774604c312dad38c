//! The client secret, access tokens and refresh tokens never appear in `Debug`/`Display` of a
//! public type, in an error message, in a URL the sandbox saw, or in tracing output at TRACE.
#![allow(missing_docs, unreachable_pub)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing_subscriber::EnvFilter;
use zoho_oauth_core::oauth::{AuthorizeOptions, DevicePoll, OAuthClient};
use zoho_oauth_core::{ClientSecret, OAuthError, scope_set};
use zoho_sandbox::{ClientSpec, Dc, Fault, Route, Sandbox};

scope_set! {
    #[zoho(crate = ::zoho_oauth_core)]
    /// Portals.
    pub struct Portals = ["ZohoProjects.portals.READ"];
}

/// A `tracing` writer appending to a shared buffer.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

fn oauth(sb: &Sandbox, id: &str, secret: &str, redirect: &str) -> OAuthClient {
    let clock = sb.clock();
    let mut b = OAuthClient::builder(id, ClientSecret::new(secret))
        .accounts_url(sb.accounts_url(Dc::Us))
        .location_accounts_url("eu", sb.accounts_url(Dc::Eu))
        .clock(move || clock.now_system());
    if !redirect.is_empty() {
        b = b.redirect_uri(redirect.parse().expect("url"));
    }
    b.build().expect("client")
}

async fn callback_for(url: &url::Url) -> String {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http");
    let r = http.get(url.clone()).send().await.expect("auth");
    r.headers()["location"].to_str().expect("location").to_owned()
}

#[tokio::test(flavor = "current_thread")]
async fn secrets_never_leak() {
    let logs = Buffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new("trace,zoho_sandbox=off"))
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sb = Sandbox::builder().auto_approve(true).start().await.expect("sandbox");
    let web = sb.demo_client();
    let selfc = sb.register_client(ClientSpec::self_client());
    let device = sb.register_client(ClientSpec::device());
    let mut secrets: Vec<String> =
        vec![web.client_secret.clone(), selfc.client_secret.clone(), device.client_secret.clone()];
    let mut shown: Vec<String> = Vec::new();

    // Web flow with PKCE, refresh, and the errors along the way.
    let client = oauth(&sb, &web.client_id, &web.client_secret, &web.redirect_uri);
    shown.push(format!("{client:?}"));
    shown.push(format!("{:?}", OAuthClient::builder("id", ClientSecret::new(web.client_secret.as_str()))));
    shown.push(format!("{:?}", ClientSecret::new(web.client_secret.as_str())));
    let (url, pending) =
        client.authorize_url::<Portals>(&AuthorizeOptions::new().offline().prompt_consent().pkce()).await.expect("url");
    shown.push(format!("{pending:?}"));
    // `state` travels in the authorization URL by design; it must not show in `Debug`.
    let state = pending.state().to_owned();
    let cb = callback_for(&url).await;
    let token = client.complete(pending, &cb).await.expect("token");
    let rt = token.refresh_token().expect("offline").clone();
    secrets.push(token.access_token().expose_secret().to_owned());
    secrets.push(rt.expose_secret().to_owned());
    shown.push(format!("{token:?}"));
    shown.push(format!("{:?}", token.parts()));
    shown.push(format!("{:?}", token.access_token()));
    shown.push(format!("{rt:?}"));
    let fresh = client.refresh_token(&token).await.expect("refresh");
    secrets.push(fresh.access_token().expose_secret().to_owned());
    shown.push(format!("{fresh:?}"));

    // Errors of every kind, with secrets in play.
    let mut errors: Vec<OAuthError> = Vec::new();
    let (url, pending) = client.authorize_url::<Portals>(&AuthorizeOptions::new()).await.expect("url");
    let cb = callback_for(&url).await;
    let wrong = cb.replace(pending.state(), "forged");
    errors.push(client.complete(pending, &wrong).await.expect_err("state"));
    let wrong_secret = oauth(&sb, &web.client_id, "wrong-secret", &web.redirect_uri);
    errors.push(wrong_secret.refresh(token.parts()).await.expect_err("secret"));
    sb.inject(Fault::throttled().on(Route::Token));
    errors.push(client.refresh(token.parts()).await.expect_err("throttled"));
    // A body echoing the tokens back, unparsable: the snippet must not show them.
    let echo = format!("<html>{} {}</html>", token.access_token().expose_secret(), rt.expose_secret());
    sb.inject(Fault::respond(500, "text/html", &echo).on(Route::Token));
    errors.push(client.refresh(token.parts()).await.expect_err("500"));
    let json_echo = format!(r#"{{"refresh_token":"{}","oops":1}}"#, rt.expose_secret());
    sb.inject(Fault::respond(200, "application/json", &json_echo).on(Route::Token));
    errors.push(client.refresh(token.parts()).await.expect_err("no access token"));
    sb.inject(Fault::drop_connection().on(Route::Token));
    errors.push(client.refresh(token.parts()).await.expect_err("transport"));

    // Self client and client credentials.
    let self_client = oauth(&sb, &selfc.client_id, &selfc.client_secret, "");
    let code = sb.self_client_code(&selfc.client_id, &["ZohoProjects.portals.READ"]).expect("code");
    let st = self_client.exchange_self_client_code::<Portals>(&code).await.expect("self client");
    secrets.push(st.access_token().expose_secret().to_owned());
    secrets.extend(st.refresh_token().map(|r| r.expose_secret().to_owned()));
    errors.push(self_client.exchange_self_client_code::<Portals>(&code).await.expect_err("reused"));
    let soid = format!("ZohoProjects.{}", sb.demo_portal(zoho_sandbox::Dc::Us).id);
    let cc = self_client.client_credentials::<Portals>(Some(&soid)).await.expect("client credentials");
    secrets.push(cc.access_token().expose_secret().to_owned());
    shown.push(format!("{cc:?}"));

    // Device flow.
    let device_client = oauth(&sb, &device.client_id, &device.client_secret, "");
    let mut d = device_client.device_start::<Portals>(&AuthorizeOptions::new().offline()).await.expect("device");
    shown.push(format!("{d:?}"));
    sb.approve_device(d.user_code(), &sb.demo_user().email).expect("approve");
    sb.clock().advance(Duration::from_secs(30));
    let polled = device_client.device_poll(&mut d).await.expect("poll");
    shown.push(format!("{polled:?}"));
    if let DevicePoll::Done(t) = &polled {
        secrets.push(t.access_token().expose_secret().to_owned());
        secrets.extend(t.refresh_token().map(|r| r.expose_secret().to_owned()));
    } else {
        panic!("expected a token, got {polled:?}");
    }

    // Revoke.
    client.revoke(&rt, None).await.expect("revoke");
    errors.push(client.revoke(&rt, None).await.expect_err("again"));
    errors.push(client.refresh(token.parts()).await.expect_err("revoked"));

    for e in &errors {
        shown.push(e.to_string());
        shown.push(format!("{e:?}"));
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            shown.push(s.to_string());
            source = s.source();
        }
    }

    assert!(shown.iter().all(|s| !s.contains(state.as_str())), "the state shows in a Debug");
    let urls: Vec<String> = sb.requests_seen().into_iter().map(|r| r.path_and_query).collect();
    let log = logs.text();
    assert!(log.contains("zoho accounts answered"), "the tracing capture works: {log}");
    assert!(secrets.len() >= 10);
    for secret in &secrets {
        assert!(secret.len() >= 8, "a real secret: {secret:?}");
        for s in &shown {
            assert!(!s.contains(secret.as_str()), "a secret shows in {s}");
        }
        for u in &urls {
            assert!(!u.contains(secret.as_str()), "a secret is in the URL {u}");
        }
        assert!(!log.contains(secret.as_str()), "a secret is in the tracing output");
    }
}

// ---------------------------------------------------------------------------------------------
// Every public type holding a secret; corrupt records; a whole flow's TRACE log naming the user

use std::time::SystemTime;
use url::Url;
use zoho_oauth_core::store::{FileStore, StoreError, StoreKey, TokenRecord, TokenStore};
use zoho_oauth_core::{AccessToken, DynamicScopes, RefreshToken, Token, TokenManager, TokenParts};

/// Token-shaped values (what `1000.<hex>.<hex>` Zoho tokens look like), one per secret.
const ACCESS: &str = "1000.aaaa0123456789abcdef0123456789ab.cdef0123456789abcdef0123456789ab";
const REFRESH: &str = "1000.bbbb0123456789abcdef0123456789ab.cdef0123456789abcdef0123456789ab";
const CLIENT_SECRET: &str = "cccc0123456789abcdef0123456789abcdef0123";
const EMAIL: &str = "ana.secret-user@example.com";

fn parts() -> TokenParts {
    let scopes = DynamicScopes::parse_list("ZohoProjects.portals.READ").expect("scopes");
    let mut parts = TokenParts::new(AccessToken::new(ACCESS, SystemTime::now() + Duration::from_secs(3600), scopes));
    parts.refresh_token = Some(RefreshToken::new(REFRESH));
    parts.accounts_server = Some("https://accounts.zoho.eu".parse().expect("url"));
    parts
}

/// Display, Debug and the whole source chain of an error.
fn shown_error(e: &dyn std::error::Error) -> Vec<String> {
    let mut out = vec![e.to_string(), format!("{e:?}")];
    let mut source = e.source();
    while let Some(s) = source {
        out.push(s.to_string());
        out.push(format!("{s:?}"));
        source = s.source();
    }
    out
}

fn assert_hidden(shown: &[String], secrets: &[&str]) {
    for s in shown {
        for secret in secrets {
            assert!(!s.contains(secret), "{secret:?} shows in {s}");
        }
    }
}

#[tokio::test]
async fn every_public_type_holding_a_secret_hides_it() {
    let key = StoreKey::new("https://accounts.zoho.eu", "1000.CLIENT", EMAIL);
    let parts = parts();
    let token = Token::<Portals>::from_parts(parts.clone()).expect("token");
    let record = TokenRecord::from_parts(&key, &parts, SystemTime::now());
    let oauth = OAuthClient::builder("1000.CLIENT", ClientSecret::new(CLIENT_SECRET))
        .redirect_uri("http://127.0.0.1:9/callback".parse().expect("url"))
        .build()
        .expect("client");
    let (_url, pending) = oauth.authorize_url::<Portals>(&AuthorizeOptions::new().pkce()).await.expect("url");
    let serialised: serde_json::Value = serde_json::to_value(&pending).expect("serialise");
    let (state, verifier) = (
        serialised["state"].as_str().expect("state").to_owned(),
        serialised["verifier"].as_str().expect("verifier").to_owned(),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let store = FileStore::new(dir.path().join("tokens.json"));
    let manager = TokenManager::builder::<Portals>(oauth.clone(), key.clone()).store(store.clone());
    let shown_builder = format!("{manager:?}");
    let manager = manager.build();
    manager.login(token.clone()).await.expect("login");
    let client =
        zoho_oauth_core::Client::builder().no_rate_limit().build(token.clone()).expect("client from a fixed token");
    let fields = zoho_oauth_core::oauth::__fuzz::callback_fields(&format!("?code={ACCESS}&state={state}"));

    let shown = vec![
        format!("{:?}", parts.access_token),
        format!("{:?}", parts.refresh_token),
        format!("{:?}", ClientSecret::new(CLIENT_SECRET)),
        format!("{parts:?}"),
        format!("{token:?}"),
        format!("{:?}", token.clone().into_dynamic()),
        format!("{record:?}"),
        format!("{key:?}"),
        key.to_string(),
        format!("{oauth:?}"),
        format!("{:?}", OAuthClient::builder("1000.CLIENT", ClientSecret::new(CLIENT_SECRET))),
        format!("{pending:?}"),
        format!("{store:?}"),
        shown_builder,
        format!("{manager:?}"),
        format!("{client:?}"),
        format!("{fields:?}"),
    ];
    assert_hidden(&shown, &[ACCESS, REFRESH, CLIENT_SECRET, EMAIL, &state, &verifier]);
    assert!(shown.iter().any(|s| s.contains(&key.user_tag())), "the key names its user by the tag");
}

#[tokio::test]
async fn corrupt_records_with_secret_shaped_values_never_quote_them() {
    let key = StoreKey::new("https://accounts.zoho.eu", "1000.CLIENT", EMAIL);
    let good: serde_json::Value =
        serde_json::from_str(&TokenRecord::from_parts(&key, &parts(), SystemTime::now()).to_json()).expect("json");
    let damage: Vec<(&str, serde_json::Value)> = vec![
        ("expires_at_ms", ACCESS.into()),
        ("updated_at_ms", REFRESH.into()),
        ("scopes", serde_json::json!([ACCESS])),
        ("scopes", ACCESS.into()),
        ("access_token", serde_json::json!({ "nested": ACCESS })),
        ("refresh_token", serde_json::json!([REFRESH])),
        ("accounts_server", serde_json::json!({ ACCESS: REFRESH })),
        ("format", ACCESS.into()),
        ("location", serde_json::json!([REFRESH, 1])),
    ];
    let mut errors: Vec<StoreError> = Vec::new();
    for (field, value) in &damage {
        let mut bad = good.clone();
        bad[*field] = value.clone();
        errors.push(TokenRecord::from_json(&bad.to_string()).expect_err(field));
    }
    let mut bad = good.clone();
    bad["kind"] = ACCESS.into();
    errors.push(TokenRecord::from_json(&bad.to_string()).expect_err("foreign kind"));
    errors.push(TokenRecord::from_json(&format!("{{\"access_token\": \"{ACCESS}")).expect_err("truncated"));
    errors.push(TokenRecord::from_json(&format!("[\"{ACCESS}\"]")).expect_err("an array"));

    // The same damage inside a token file, under the key of a user with an e-mail address.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("tokens.json");
    let store = FileStore::new(&path);
    store.save(&key, &TokenRecord::from_parts(&key, &parts(), SystemTime::now())).await.expect("save");
    let file: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    for (field, value) in &damage {
        let mut bad = file.clone();
        bad["records"][key.id()][*field] = value.clone();
        std::fs::write(&path, bad.to_string()).expect("write");
        errors.push(store.load(&key).await.expect_err(field));
    }
    let mut bad = file.clone();
    bad["records"] = ACCESS.into();
    std::fs::write(&path, bad.to_string()).expect("write");
    errors.push(store.load(&key).await.expect_err("records not an object"));
    let mut bad = file.clone();
    bad["kind"] = REFRESH.into();
    std::fs::write(&path, bad.to_string()).expect("write");
    errors.push(store.load(&key).await.expect_err("foreign kind"));

    assert_eq!(errors.len(), 2 * damage.len() + 5);
    let shown: Vec<String> = errors.iter().flat_map(|e| shown_error(e)).collect();
    assert_hidden(&shown, &[ACCESS, REFRESH, "aaaa0123", "bbbb0123", EMAIL]);
}

#[tokio::test(flavor = "current_thread")]
async fn a_whole_flow_at_trace_names_the_user_by_a_tag_and_shows_no_secret() {
    let logs = Buffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new("trace,zoho_sandbox=off"))
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sb = Sandbox::builder().auto_approve(true).start().await.expect("sandbox");
    let server = zoho_oauth_core::oauth::LoopbackServer::bind().await.expect("bind");
    let creds = sb.register_client(ClientSpec::web(server.redirect_uri().as_str()));
    let client = oauth(&sb, &creds.client_id, &creds.client_secret, &creds.redirect_uri);
    let email = sb.demo_user().email;
    let mut secrets: Vec<String> = vec![creds.client_secret.clone(), email.clone()];

    // Sign in through the loopback listener, a forged redirect arriving first.
    let (seen_tx, seen_rx) = tokio::sync::oneshot::channel();
    let redirect = server.redirect_uri().clone();
    let token = client
        .authorize_with_loopback::<Portals, _>(
            server,
            AuthorizeOptions::new().offline(),
            |url| {
                let url = url.clone();
                tokio::spawn(async move {
                    let http =
                        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http");
                    let mut forged = redirect.clone();
                    forged.set_query(Some("code=1000.forged0123456789abcdef&state=forged0123456789abcdef"));
                    let _ = http.get(forged).send().await;
                    let callback = http.get(url.clone()).send().await.expect("auth").headers()["location"]
                        .to_str()
                        .expect("location")
                        .to_owned();
                    let query = |k: &str| {
                        Url::parse(&callback)
                            .expect("url")
                            .query_pairs()
                            .find(|(n, _)| n == k)
                            .map(|(_, v)| v.into_owned())
                    };
                    let (code, state) = (query("code").expect("code"), query("state").expect("state"));
                    let _ = seen_tx.send((code, state));
                    let _ = http.get(callback).send().await;
                });
            },
            Duration::from_secs(30),
        )
        .await
        .expect("signed in");
    let (code, state) = seen_rx.await.expect("browser");
    secrets.extend([code, state]);
    secrets.push(token.access_token().expose_secret().to_owned());
    secrets.push(token.refresh_token().expect("offline").expose_secret().to_owned());

    // A manager over a token file, keyed by the user's e-mail address: login, refresh, a
    // damaged record moved aside, logout.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("tokens.json");
    let key = StoreKey::new(sb.accounts_url(Dc::Us), &creds.client_id, &email);
    let clock = sb.clock();
    let manager = TokenManager::builder::<Portals>(client.clone(), key.clone())
        .store(FileStore::new(&path))
        .clock(move || clock.now_system())
        .build();
    manager.login(token.clone()).await.expect("login");
    sb.clock().advance(Duration::from_secs(7200));
    let fresh = manager.token().await.expect("refreshed");
    secrets.push(fresh.expose_secret().to_owned());
    assert_eq!(sb.counters().refresh_grants, 1);
    let mut doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    doc["records"][key.id()]["expires_at_ms"] = fresh.expose_secret().into();
    std::fs::write(&path, doc.to_string()).expect("write");
    let store = FileStore::new(&path);
    let err = store.load(&key).await.expect_err("damaged");
    assert_hidden(&shown_error(&err), &[fresh.expose_secret(), &email]);
    store.save(&key, &TokenRecord::from_parts(&key, token.parts(), SystemTime::now())).await.expect("moved aside");
    manager.logout().await.expect("logout");

    let log = logs.text();
    assert!(log.contains("access token refreshed"), "the capture sees the manager: {log}");
    assert!(log.contains("quarantine"), "the capture sees the store: {log}");
    assert!(log.contains(&key.user_tag()), "the user is named by its tag: {log}");
    for secret in &secrets {
        assert!(secret.len() >= 8, "a real secret: {secret:?}");
        assert!(!log.contains(secret.as_str()), "{secret:?} is in the TRACE log");
    }
}
