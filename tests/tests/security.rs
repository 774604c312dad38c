//! Security checks (see `docs/SECURITY.md`): redirect URIs, `state` and PKCE randomness and
//! comparison, no secret in any URL Zoho sees, the token file's permissions.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use zoho_projects::oauth::{AuthorizeOptions, DevicePoll, OAuthClient};
use zoho_projects::prelude::*;
use zoho_projects::store::{FileStore, StoreError, StoreKey, TokenRecord, TokenStore};
use zoho_projects::{AccessToken, ClientSecret, DynamicScopes, OAuthError, RetryPolicy, TokenParts};
use zoho_sandbox::{ClientSpec, Dc, Sandbox};

scope_set! { struct Portals = ["ZohoProjects.portals.READ"]; }

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portals", scope = "ZohoProjects.portals.READ", response = Vec<serde_json::Value>)]
struct ListPortals;

fn client_with(redirect: &str) -> Result<OAuthClient, OAuthError> {
    OAuthClient::builder("1000.CLIENT", ClientSecret::new("secret"))
        .redirect_uri(redirect.parse().expect("url"))
        .build()
}

#[tokio::test]
async fn redirect_uris_must_be_https_except_on_loopback() {
    for ok in [
        "https://app.example/callback",
        "https://app.example:8443/oauth/cb?x=1",
        "http://127.0.0.1:8080/callback",
        "http://127.8.9.10/callback",
        "http://[::1]:9000/callback",
        "http://localhost:8080/callback",
        "http://LOCALHOST/callback",
    ] {
        assert!(client_with(ok).is_ok(), "{ok} refused");
    }
    for bad in [
        "http://app.example/callback",
        "http://localhost.evil.example/callback",
        "http://127.0.0.1.evil.example/callback",
        "http://10.0.0.1/callback",
        "ftp://app.example/callback",
        "javascript:alert(1)",
    ] {
        match client_with(bad) {
            Err(OAuthError::Config(message)) => assert!(message.contains("https"), "{bad}: {message}"),
            other => panic!("{bad} accepted: {other:?}"),
        }
    }
    // The per-request override is checked too.
    let client = client_with("https://app.example/callback").expect("client");
    let options = AuthorizeOptions::new().redirect_uri("http://app.example/callback".parse().expect("url"));
    assert!(matches!(client.authorize_url::<Portals>(&options).await, Err(OAuthError::Config(_))));
}

#[tokio::test]
async fn state_and_pkce_are_fresh_256_bit_random_values() {
    // A clock that moves a minute per call keeps the authorization-code guard out of the way.
    let minutes = Arc::new(AtomicU64::new(0));
    let clock = Arc::clone(&minutes);
    let client = OAuthClient::builder("1000.CLIENT", ClientSecret::new("secret"))
        .redirect_uri("https://app.example/callback".parse().expect("url"))
        .clock(move || UNIX_EPOCH + Duration::from_secs(1_700_000_000 + 60 * clock.fetch_add(1, Ordering::Relaxed)))
        .build()
        .expect("client");
    let mut states = HashSet::new();
    let mut challenges = HashSet::new();
    for _ in 0..500 {
        let (url, pending) = client.authorize_url::<Portals>(&AuthorizeOptions::new().pkce()).await.expect("url");
        let state = pending.state().to_owned();
        // 32 random bytes, base64url without padding.
        assert_eq!(state.len(), 43, "{state}");
        assert!(state.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert!(!format!("{pending:?}").contains(&state), "Debug shows the state");
        let challenge = url
            .query_pairs()
            .find(|(k, _)| k == "code_challenge")
            .map(|(_, v)| v.into_owned())
            .expect("PKCE challenge");
        assert_eq!(challenge.len(), 43, "S256 of the verifier, base64url");
        assert!(states.insert(state), "a state repeated");
        assert!(challenges.insert(challenge), "a PKCE verifier repeated");
    }
    // No two states share a long prefix either (no counter or clock inside).
    let mut prefixes: Vec<&str> = states.iter().map(|s| &s[..8]).collect();
    prefixes.sort_unstable();
    prefixes.dedup();
    assert_eq!(prefixes.len(), states.len());
}

#[tokio::test]
async fn state_is_checked_exactly() {
    let sb = Sandbox::builder().auto_approve(true).start().await.expect("sandbox");
    let app = sb.demo_client();
    let clock = sb.clock();
    let client = OAuthClient::builder(&app.client_id, ClientSecret::new(app.client_secret.as_str()))
        .redirect_uri(app.redirect_uri.parse().expect("url"))
        .accounts_url(sb.accounts_url(Dc::Us))
        .clock(move || clock.now_system())
        .max_codes_per_minute(8)
        .build()
        .expect("client");
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http");
    let (url, pending) = client.authorize_url::<Portals>(&AuthorizeOptions::new()).await.expect("url");
    let callback = http.get(url).send().await.expect("auth").headers()["location"].to_str().expect("loc").to_owned();
    let state = pending.state().to_owned();
    // Same length, one character off; a prefix; an extension; a case change: all refused, and
    // refusing costs the flow nothing (the code is never sent).
    let mut flipped = state.clone().into_bytes();
    flipped[42] = if flipped[42] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).expect("ascii");
    for forged in [flipped, state[..42].to_owned(), format!("{state}A"), state.to_ascii_lowercase()] {
        if forged == state {
            continue;
        }
        let (_, pending) = client.authorize_url::<Portals>(&AuthorizeOptions::new()).await.expect("url");
        let cb = callback.replace(&state, &forged);
        assert!(matches!(client.complete(pending, &cb).await, Err(OAuthError::StateMismatch)), "{forged}");
    }
    let token = client.complete(pending, &callback).await.expect("the real state passes");
    assert!(!token.access_token().expose_secret().is_empty());
}

/// Runs every flow (web with PKCE, refresh, self client, client credentials, device, revoke,
/// API calls) and checks that no secret is in any URL the sandbox saw.
#[tokio::test]
async fn no_secret_in_any_url() {
    let sb = Sandbox::builder().auto_approve(true).start().await.expect("sandbox");
    let web = sb.demo_client();
    let selfc = sb.register_client(ClientSpec::self_client());
    let device = sb.register_client(ClientSpec::device());
    let mut secrets = vec![web.client_secret.clone(), selfc.client_secret.clone(), device.client_secret.clone()];
    let oauth = |id: &str, secret: &str, redirect: &str| {
        let clock = sb.clock();
        let mut b = OAuthClient::builder(id, ClientSecret::new(secret))
            .accounts_url(sb.accounts_url(Dc::Us))
            .location_accounts_url("eu", sb.accounts_url(Dc::Eu))
            .clock(move || clock.now_system());
        if !redirect.is_empty() {
            b = b.redirect_uri(redirect.parse().expect("url"));
        }
        b.build().expect("client")
    };
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http");

    // Web flow, offline, PKCE; then refresh, an API call, and revoke.
    let client = oauth(&web.client_id, &web.client_secret, &web.redirect_uri);
    let (url, pending) = client.authorize_url::<Portals>(&AuthorizeOptions::new().offline().pkce()).await.expect("url");
    let callback = http.get(url).send().await.expect("auth").headers()["location"].to_str().expect("loc").to_owned();
    let code = reqwest::Url::parse(&callback)
        .expect("callback")
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("code");
    let token = client.complete(pending, &callback).await.expect("web token");
    let refresh = token.refresh_token().expect("offline").clone();
    secrets.extend([code, token.access_token().expose_secret().to_owned(), refresh.expose_secret().to_owned()]);
    let fresh = client.refresh_token(&token).await.expect("refresh");
    secrets.push(fresh.access_token().expose_secret().to_owned());
    let api = Client::builder()
        .api_base(sb.api_url(Dc::Us))
        .retry(RetryPolicy::never())
        .no_rate_limit()
        .build(fresh.clone())
        .expect("api client");
    assert!(!api.send(ListPortals).await.expect("portals").is_empty());

    // Self client: "Generate Code", exchange; client credentials.
    let self_client = oauth(&selfc.client_id, &selfc.client_secret, "");
    let code = sb.self_client_code(&selfc.client_id, Portals::OAUTH).expect("code");
    let t = self_client.exchange_self_client_code::<Portals>(&code).await.expect("self client token");
    secrets.extend([code, t.access_token().expose_secret().to_owned()]);
    if let Some(r) = t.refresh_token() {
        secrets.push(r.expose_secret().to_owned());
    }
    let soid = format!("ZohoProjects.{}", sb.demo_portal(zoho_sandbox::Dc::Us).id);
    let cc = self_client.client_credentials::<Portals>(Some(&soid)).await.expect("client credentials");
    secrets.push(cc.access_token().expose_secret().to_owned());
    self_client.revoke_access_token(cc.access_token(), None).await.expect("revoke access token");

    // Device flow.
    let dev_client = oauth(&device.client_id, &device.client_secret, "");
    let mut auth = dev_client.device_start::<Portals>(&AuthorizeOptions::new().offline()).await.expect("device");
    let first = dev_client.device_poll(&mut auth).await.expect("pending");
    assert!(matches!(first, DevicePoll::Pending | DevicePoll::SlowDown));
    sb.approve_device(auth.user_code(), &sb.demo_user().email).expect("approve");
    sb.clock().advance(auth.interval());
    let DevicePoll::Done(dt) = dev_client.device_poll(&mut auth).await.expect("poll") else {
        panic!("device flow not done");
    };
    secrets.push(dt.access_token().expose_secret().to_owned());
    secrets.extend(dt.refresh_token().map(|r| r.expose_secret().to_owned()));

    client.revoke(&refresh, token.parts().accounts_server.as_ref()).await.expect("revoke");

    let seen = sb.requests_seen();
    assert!(seen.len() >= 10, "only {} requests seen", seen.len());
    for request in &seen {
        for secret in &secrets {
            assert!(
                !request.path_and_query.contains(secret.as_str()),
                "a secret in the URL of {} {}",
                request.method,
                request.path_and_query.split('?').next().unwrap_or("")
            );
        }
    }
    // Token requests carry their parameters in the body: their URLs have no query at all.
    for request in seen.iter().filter(|r| r.method == "POST" && r.path_and_query.starts_with("/oauth/")) {
        assert!(!request.path_and_query.contains('?'), "{} has a query", request.path_and_query);
    }
}

// ---------------------------------------------------------------------------------------------
// The token file

fn record(key: &StoreKey) -> TokenRecord {
    let scopes = DynamicScopes::parse_list("ZohoProjects.portals.READ").expect("valid");
    let access = AccessToken::new("1000.aaaa.bbbb", SystemTime::now() + Duration::from_secs(3600), scopes);
    TokenRecord::from_parts(key, &TokenParts::new(access), SystemTime::now())
}

#[cfg(unix)]
#[tokio::test]
async fn the_token_file_is_private_and_a_shared_one_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = dir.path().join("zoho");
    let path = folder.join("tokens.json");
    let store = FileStore::new(&path);
    let key = StoreKey::new("https://accounts.zoho.com", "1000.C", "ana");
    store.save(&key, &record(&key)).await.expect("save");
    let mode = |p: &std::path::Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600, "token file");
    assert_eq!(mode(&folder), 0o700, "created folder");

    let saved = std::fs::read(&path).expect("the token file");
    let listing = || {
        let mut names: Vec<_> =
            std::fs::read_dir(&folder).expect("list").map(|e| e.expect("entry").file_name()).collect();
        names.sort();
        names
    };
    let files = listing();
    for shared in [0o644, 0o640, 0o604, 0o620, 0o660, 0o666] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(shared)).expect("chmod");
        let err = store.load(&key).await.expect_err("a shared token file is refused");
        // The advice is in the cause (the message names the file; `{:#}` shows both).
        let message = format!("{err}: {}", std::error::Error::source(&err).expect("the OS error"));
        assert!(
            matches!(&err, StoreError::Io { source, .. } if source.kind() == std::io::ErrorKind::PermissionDenied),
            "{err:?}"
        );
        assert!(message.contains(&format!("{shared:o}")) && message.contains("chmod 600"), "{message}");
        // Writing is refused too (the same typed error), and the file is left as it was: same
        // mode, same bytes, and no other file beside it.
        let other = StoreKey::new("https://accounts.zoho.com", "1000.C", "bob");
        let err = store.save(&other, &record(&other)).await.expect_err("a shared token file is not written");
        assert!(
            matches!(&err, StoreError::Io { source, .. } if source.kind() == std::io::ErrorKind::PermissionDenied),
            "{err:?}"
        );
        assert_eq!(mode(&path), shared);
        assert_eq!(std::fs::read(&path).expect("the token file"), saved, "contents untouched");
        assert_eq!(listing(), files, "nothing written beside it");
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    assert!(store.load(&key).await.expect("private again").is_some());

    // A stale temp file with a wide mode does not make the next file readable by others.
    let tmp = folder.join("tokens.json.tmp");
    std::fs::write(&tmp, b"stale").expect("stale temp file");
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    store.save(&key, &record(&key)).await.expect("save");
    assert_eq!(mode(&path), 0o600);
}

// ---------------------------------------------------------------------------------------------
// Redis credentials

#[tokio::test]
async fn redis_credentials_are_redacted() {
    use zoho_projects::store::RedisStore;
    let url = "redis://app:hunter2-s3cret@127.0.0.1:1/0";
    let builder = RedisStore::builder(url).prefix("zoho");
    let shown = format!("{builder:?}");
    assert!(!shown.contains("hunter2-s3cret") && shown.contains("redacted"), "{shown}");
    // Nothing listens on port 1: the connection error names the server, not the password.
    let err = tokio::time::timeout(Duration::from_secs(30), builder.connect())
        .await
        .expect("a refused connection fails fast")
        .expect_err("nothing listens on port 1");
    let message = format!("{err} {err:?}");
    assert!(!message.contains("hunter2-s3cret"), "{message}");
    // An unparsable URL with credentials is not echoed either.
    let err = RedisStore::connect("redis//app:hunter2-s3cret@").await.expect_err("not a URL");
    assert!(!format!("{err} {err:?}").contains("hunter2-s3cret"), "{err:?}");
}
