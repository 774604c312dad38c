//! Every OAuth flow end to end against `zoho-sandbox` over real HTTP, and every error provoked
//! for real. Time is the sandbox's virtual clock: nothing sleeps.
#![allow(missing_docs, unreachable_pub)]

use std::time::Duration;
use url::Url;
use zoho_oauth_core::oauth::{AuthorizeOptions, DevicePoll, LoopbackServer, OAuthClient, PendingAuthorization};
use zoho_oauth_core::{Client, ClientSecret, Endpoint, OAuthError, ScopeSet, Token, scope_set};
use zoho_sandbox::{ClientCredentials, ClientSpec, Dc, Fault, Limits, Route, Sandbox};

scope_set! {
    #[zoho(crate = ::zoho_oauth_core)]
    /// Tasks and the portal list.
    pub struct Tasks = ["ZohoProjects.portals.READ", "ZohoProjects.tasks.ALL"];
}

scope_set! {
    #[zoho(crate = ::zoho_oauth_core)]
    /// The portal list only.
    pub struct Portals = ["ZohoProjects.portals.READ"];
}

#[derive(Endpoint)]
#[zoho(crate = ::zoho_oauth_core, method = "GET", path = "/api/v3/portals",
       scope = "ZohoProjects.portals.READ", response = serde_json::Value)]
struct ListPortals;

async fn sandbox() -> Sandbox {
    Sandbox::builder().auto_approve(true).start().await.expect("sandbox starts")
}

async fn sandbox_with(limits: Limits) -> Sandbox {
    Sandbox::builder().auto_approve(true).limits(limits).start().await.expect("sandbox starts")
}

/// An OAuth client for `creds`, starting at the sandbox's US accounts server, knowing its EU and
/// IN servers, on its virtual clock.
fn oauth(sb: &Sandbox, creds: &ClientCredentials) -> OAuthClient {
    oauth_with(sb, &creds.client_id, &creds.client_secret, &creds.redirect_uri)
}

fn oauth_with(sb: &Sandbox, client_id: &str, secret: &str, redirect: &str) -> OAuthClient {
    let clock = sb.clock();
    let mut b = OAuthClient::builder(client_id, ClientSecret::new(secret))
        .accounts_url(sb.accounts_url(Dc::Us))
        .location_accounts_url("eu", sb.accounts_url(Dc::Eu))
        .location_accounts_url("in", sb.accounts_url(Dc::In))
        .clock(move || clock.now_system());
    if !redirect.is_empty() {
        b = b.redirect_uri(redirect.parse().expect("redirect URI"));
    }
    b.build().expect("client builds")
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http client")
}

#[derive(Clone, Copy, PartialEq)]
enum Decision {
    Accept,
    Deny,
}

/// Plays the user's browser: opens the authorization URL, follows Zoho's hand-off to the user's
/// data centre, answers the consent page if one is shown, and returns the redirect to the app
/// (the callback URL).
async fn browse(url: &Url, decision: Decision) -> String {
    let http = no_redirects();
    let mut resp = http.get(url.clone()).send().await.expect("auth page");
    for _ in 0..5 {
        let here = resp.url().clone();
        match resp.status().as_u16() {
            302 => {
                let loc = resp.headers()["location"].to_str().expect("location").to_owned();
                let next = here.join(&loc).expect("absolute location");
                if next.path() != "/oauth/v2/auth" {
                    return loc;
                }
                resp = http.get(next).send().await.expect("follow");
            }
            200 => {
                let page = resp.text().await.expect("page");
                let id = page
                    .split("name=\"request_id\" value=\"")
                    .nth(1)
                    .and_then(|s| s.split('"').next())
                    .unwrap_or_else(|| panic!("no consent form in {page}"))
                    .to_owned();
                let action = if decision == Decision::Accept { "accept" } else { "deny" };
                resp = http
                    .post(here.join("/oauth/v2/auth/consent").expect("consent url"))
                    .form(&[("request_id", id.as_str()), ("action", action)])
                    .send()
                    .await
                    .expect("consent");
            }
            s => panic!("unexpected {s} from {here}: {:?}", resp.text().await),
        }
    }
    panic!("too many hops")
}

/// Authorization URL → browser → complete.
async fn web_login<S: ScopeSet>(oauth: &OAuthClient, options: &AuthorizeOptions) -> Result<Token<S>, OAuthError> {
    let (url, pending) = oauth.authorize_url::<S>(options).await?;
    let callback = browse(&url, Decision::Accept).await;
    oauth.complete(pending, &callback).await
}

fn query(url: &Url, key: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
}

/// Whether the Projects API accepts `token` (V3 portal list).
async fn api_accepts(sb: &Sandbox, dc: Dc, token: &str) -> bool {
    let r = no_redirects()
        .get(sb.api_url(dc).join("api/v3/portals").expect("url"))
        .header("Authorization", format!("Zoho-oauthtoken {token}"))
        .send()
        .await
        .expect("api call");
    r.status().is_success()
}

fn user_email(sb: &Sandbox) -> String {
    sb.demo_user().email
}

// ---------------------------------------------------------------------------------------------
// The web flow

#[tokio::test]
async fn web_flow_offline_with_pkce() {
    let sb = sandbox().await;
    let oauth = oauth(&sb, &sb.demo_client());
    let (url, pending) =
        oauth.authorize_url::<Tasks>(&AuthorizeOptions::new().offline().prompt_consent().pkce()).await.expect("url");
    assert_eq!(url.path(), "/oauth/v2/auth");
    assert_eq!(query(&url, "scope").as_deref(), Some("ZohoProjects.portals.READ,ZohoProjects.tasks.ALL"));
    assert_eq!(query(&url, "access_type").as_deref(), Some("offline"));
    assert_eq!(query(&url, "prompt").as_deref(), Some("consent"));
    assert_eq!(query(&url, "code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(query(&url, "state").as_deref(), Some(pending.state()));
    assert!(pending.uses_pkce());
    assert!(query(&url, "client_secret").is_none());

    let callback = browse(&url, Decision::Accept).await;
    let token = oauth.complete(pending, &callback).await.expect("token");
    assert!(token.refresh_token().is_some(), "offline access has a refresh token");
    let parts = token.parts();
    assert_eq!(parts.location.as_deref(), Some("us"));
    assert_eq!(parts.accounts_server.as_ref(), Some(&sb.accounts_url(Dc::Us)));
    assert!(parts.api_domain.is_some());
    assert_eq!(token.access_token().expires_at(), sb.clock().now_system() + Duration::from_secs(3600));
    assert!(token.access_token().scopes().grants("ZohoProjects.tasks.DELETE"));
    assert!(api_accepts(&sb, Dc::Us, token.access_token().expose_secret()).await);
}

/// A web app with several instances: one sends the user to Zoho and keeps the pending sign-in in
/// a session store (here a JSON string), another one receives the callback and completes it.
#[tokio::test]
async fn a_pending_sign_in_completes_in_another_instance() {
    let sb = sandbox().await;
    let (url, session) = {
        let first = oauth(&sb, &sb.demo_client());
        let (url, pending) =
            first.authorize_url::<Tasks>(&AuthorizeOptions::new().offline().pkce()).await.expect("url");
        (url, serde_json::to_string(&pending).expect("serialise"))
    };
    let callback = browse(&url, Decision::Accept).await;

    // Made for another scope set, or altered: refused before any token request.
    assert!(serde_json::from_str::<PendingAuthorization<Portals>>(&session).is_err());
    let tampered = session.replace("\"version\":1", "\"version\":2");
    assert!(serde_json::from_str::<PendingAuthorization<Tasks>>(&tampered).is_err());
    let minted = sb.counters().access_tokens_minted;

    let second = oauth(&sb, &sb.demo_client());
    let pending: PendingAuthorization<Tasks> = serde_json::from_str(&session).expect("deserialise");
    assert!(pending.uses_pkce());
    let token = second.complete(pending, &callback).await.expect("completed by the second instance");
    assert!(token.refresh_token().is_some());
    assert!(api_accepts(&sb, Dc::Us, token.access_token().expose_secret()).await);
    assert_eq!(sb.counters().access_tokens_minted, minted + 1);

    // The verifier travelled with it: the same callback with a record whose verifier was
    // replaced is refused by Zoho (PKCE), so the serialised verifier is the one that counts.
    let (url, pending) =
        oauth(&sb, &sb.demo_client()).authorize_url::<Tasks>(&AuthorizeOptions::new().pkce()).await.expect("url");
    let callback = browse(&url, Decision::Accept).await;
    let mut record: serde_json::Value = serde_json::to_value(&pending).expect("serialise");
    record["verifier"] = serde_json::Value::String("A".repeat(43));
    let forged: PendingAuthorization<Tasks> = serde_json::from_value(record).expect("well-formed");
    let minted = sb.counters().access_tokens_minted;
    let err = second.complete(forged, &callback).await.expect_err("a wrong verifier is refused");
    assert!(matches!(&err, OAuthError::Zoho { error, .. } if error == "invalid_code_verifier"), "{err:?}");
    assert_eq!(sb.counters().access_tokens_minted, minted, "no token for a wrong verifier");
}

#[tokio::test]
async fn a_token_from_a_flow_drives_the_typed_client() {
    let sb = sandbox().await;
    let eu = sb.add_user("lena@example.eu", Dc::Eu);
    sb.sign_in(&eu.email).expect("sign in");
    let oauth = oauth(&sb, &sb.demo_client());
    let token = web_login::<Tasks>(&oauth, &AuthorizeOptions::new()).await.expect("token");
    // Projects lives on the user's DC; the location in the token says which.
    let dc = token.parts().location.as_deref().and_then(Dc::from_location).expect("dc");
    let client = Client::builder().api_base(sb.api_url(dc)).build(token).expect("client");
    let portals = client.send(ListPortals).await.expect("portals");
    assert!(portals.to_string().contains(&sb.demo_portal(Dc::Eu).id), "{portals}");
}

/// Issue 16: a client built from a token source follows the token's data centre. An EU user
/// signs in (handed from the US accounts server to the EU one), the token is stored in a file,
/// a new manager (another process, in effect) resumes from it, and a client built from that
/// manager, knowing the sandbox's listener of each data centre, calls the EU one: the sandbox
/// says which listener saw the call. An explicit region or base URL still wins.
#[tokio::test]
async fn a_client_of_a_resumed_eu_token_calls_the_eu_host() {
    use zoho_oauth_core::store::{FileStore, StoreKey};
    use zoho_oauth_core::{Region, Service, TokenManager};

    let sb = sandbox().await;
    let eu = sb.add_user("lena@example.eu", Dc::Eu);
    sb.sign_in(&eu.email).expect("sign in");
    let app = sb.demo_client();
    let oauth = oauth(&sb, &app);
    let token = web_login::<Tasks>(&oauth, &AuthorizeOptions::new().offline()).await.expect("token");
    assert_eq!(token.parts().location.as_deref(), Some("eu"));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("tokens.json");
    let key = StoreKey::new(sb.accounts_url(Dc::Eu), &app.client_id, &eu.email);
    let clock = sb.clock();
    let manager = || {
        let clock = clock.clone();
        TokenManager::builder::<Tasks>(oauth.clone(), key.clone())
            .store(FileStore::new(&path))
            .clock(move || clock.now_system())
            .build()
    };
    manager().login(token).await.expect("login");

    // The sandbox's listener of each data centre, as a real deployment has Zoho's hosts.
    let hosts = |b: zoho_oauth_core::ClientBuilder| {
        [(Region::Us, Dc::Us), (Region::Eu, Dc::Eu), (Region::In, Dc::In)]
            .into_iter()
            .fold(b, |b, (region, dc)| b.region_base(region, Service::PROJECTS, sb.api_url(dc)))
    };
    let api_calls = |from: usize| -> Vec<Dc> {
        sb.requests_seen()[from..].iter().filter(|r| r.path_and_query.starts_with("/api/")).map(|r| r.dc).collect()
    };

    let resumed = manager();
    let client = hosts(Client::builder()).build(resumed).expect("client");
    let before = sb.requests_seen().len();
    let portals = client.send(ListPortals).await.expect("the EU host accepts the EU token");
    assert!(portals.to_string().contains(&sb.demo_portal(Dc::Eu).id), "{portals}");
    client.send(ListPortals).await.expect("again");
    assert_eq!(api_calls(before), [Dc::Eu, Dc::Eu], "both calls reached the EU listener");
    assert_eq!(client.data_centre(), Region::Eu);
    assert_eq!(client.base_url(), sb.api_url(Dc::Eu));

    // An explicit region wins over the token's: the call goes to the US listener (which
    // refuses the EU token, and the error says why).
    let forced = hosts(Client::builder()).region(Region::Us).retry(zoho_oauth_core::RetryPolicy::never());
    let forced = forced.build(manager()).expect("client");
    let before = sb.requests_seen().len();
    let err = forced.send(ListPortals).await.expect_err("the US host refuses an EU token");
    assert!(err.to_string().contains("`us`") && err.to_string().contains("`eu`"), "{err}");
    assert!(api_calls(before).iter().all(|dc| *dc == Dc::Us), "{:?}", api_calls(before));
    assert!(!api_calls(before).is_empty());

    // A base URL for every data centre wins over the region table.
    let pinned = hosts(Client::builder()).service_base(Service::PROJECTS, sb.api_url(Dc::In));
    let pinned = pinned.retry(zoho_oauth_core::RetryPolicy::never()).build(manager()).expect("client");
    let before = sb.requests_seen().len();
    pinned.send(ListPortals).await.expect_err("the IN host refuses an EU token");
    assert!(api_calls(before).iter().all(|dc| *dc == Dc::In) && !api_calls(before).is_empty());
}

#[tokio::test]
async fn web_flow_online_without_pkce_from_the_query_alone() {
    let sb = sandbox().await;
    let oauth = oauth(&sb, &sb.demo_client());
    let (url, pending) = oauth.authorize_url::<Portals>(&AuthorizeOptions::new()).await.expect("url");
    assert_eq!(query(&url, "access_type").as_deref(), Some("online"));
    assert!(query(&url, "code_challenge").is_none() && query(&url, "prompt").is_none());
    let callback = browse(&url, Decision::Accept).await;
    let q = format!("?{}", Url::parse(&callback).expect("url").query().expect("query"));
    let token = oauth.complete(pending, &q).await.expect("token");
    assert!(token.refresh_token().is_none(), "online access has no refresh token");
    assert!(api_accepts(&sb, Dc::Us, token.access_token().expose_secret()).await);
}

#[tokio::test]
async fn pkce_binds_the_code_to_its_verifier() {
    let sb = sandbox().await;
    let oauth = oauth(&sb, &sb.demo_client());
    let (mut url, _with_pkce) = oauth.authorize_url::<Portals>(&AuthorizeOptions::new().pkce()).await.expect("url");
    let (_, without) = oauth.authorize_url::<Portals>(&AuthorizeOptions::new()).await.expect("url");
    // A code obtained with the first request's challenge, presented by a flow without the verifier.
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" { without.state().to_owned() } else { v.into_owned() };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    let callback = browse(&url, Decision::Accept).await;
    let err = oauth.complete(without, &callback).await.expect_err("no verifier");
    assert!(matches!(&err, OAuthError::Zoho { error, .. } if error == "invalid_code_verifier"), "{err:?}");
}

#[tokio::test]
async fn eu_user_starting_at_us_is_handed_to_eu() {
    let sb = sandbox().await;
    let eu = sb.add_user("marie@example.eu", Dc::Eu);
    sb.sign_in(&eu.email).expect("sign in");
    let oauth = oauth(&sb, &sb.demo_client());
    let token = web_login::<Tasks>(&oauth, &AuthorizeOptions::new().offline()).await.expect("token");
    assert_eq!(token.parts().location.as_deref(), Some("eu"));
    assert_eq!(token.parts().accounts_server.as_ref(), Some(&sb.accounts_url(Dc::Eu)));
    let token_calls: Vec<Dc> = sb.requests_seen().iter().filter(|r| r.route == Route::Token).map(|r| r.dc).collect();
    assert_eq!(token_calls, [Dc::Eu], "the code is exchanged at the user's DC");
    assert!(api_accepts(&sb, Dc::Eu, token.access_token().expose_secret()).await);
    assert!(!api_accepts(&sb, Dc::Us, token.access_token().expose_secret()).await);

    // Refreshing goes to the recorded EU server too.
    let fresh = oauth.refresh_token(&token).await.expect("refresh at eu");
    assert_eq!(fresh.parts().location.as_deref(), Some("eu"));
    assert_eq!(sb.requests_seen().iter().filter(|r| r.route == Route::Token && r.dc == Dc::Eu).count(), 2);
}

#[tokio::test]
async fn consent_denied() {
    let sb = sandbox().await;
    sb.set_auto_approve(false);
    let oauth = oauth(&sb, &sb.demo_client());
    let (url, pending) = oauth.authorize_url::<Portals>(&AuthorizeOptions::new()).await.expect("url");
    let callback = browse(&url, Decision::Deny).await;
    let err = oauth.complete(pending, &callback).await.expect_err("denied");
    assert!(matches!(err, OAuthError::ConsentDenied { .. }), "{err:?}");
    assert_eq!(sb.counters().token_requests, 0);

    // An error redirect without `state` is still reported as the refusal it is.
    let (_, pending) = oauth.authorize_url::<Portals>(&AuthorizeOptions::new()).await.expect("url");
    let err = oauth.complete(pending, "?error=access_denied").await.expect_err("denied");
    assert!(matches!(err, OAuthError::ConsentDenied { .. }), "{err:?}");

    // With consent, the same client goes through.
    let (url, pending) = oauth.authorize_url::<Portals>(&AuthorizeOptions::new()).await.expect("url");
    let callback = browse(&url, Decision::Accept).await;
    oauth.complete(pending, &callback).await.expect("accepted");
}

#[tokio::test]
async fn state_tampering_is_refused_before_any_token_request() {
    let sb = sandbox().await;
    let oauth = oauth(&sb, &sb.demo_client());

    let (url, pending) = oauth.authorize_url::<Portals>(&AuthorizeOptions::new()).await.expect("url");
    let callback = browse(&url, Decision::Accept).await;
    let state = pending.state().to_owned();
    let mut forged = state.clone();
    forged.replace_range(0..1, if forged.starts_with('A') { "B" } else { "A" });
    let tampered = callback.replace(&state, &forged);
    assert_ne!(tampered, callback);
    assert!(matches!(oauth.complete(pending, &tampered).await, Err(OAuthError::StateMismatch)));

    let (url, pending) = oauth.authorize_url::<Portals>(&AuthorizeOptions::new()).await.expect("url");
    let callback = browse(&url, Decision::Accept).await;
    let code = query(&Url::parse(&callback).expect("url"), "code").expect("code");
    assert!(matches!(oauth.complete(pending, &format!("code={code}")).await, Err(OAuthError::StateMismatch)));

    // Right state, but an accounts server this client does not know: the secret is not sent there.
    let (url, pending) = oauth.authorize_url::<Portals>(&AuthorizeOptions::new()).await.expect("url");
    let callback = browse(&url, Decision::Accept).await;
    let mut cb = Url::parse(&callback).expect("url");
    let pairs: Vec<(String, String)> = cb
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "accounts-server" { "https://accounts.evil.example".to_owned() } else { v.into_owned() };
            (k.into_owned(), v)
        })
        .collect();
    cb.query_pairs_mut().clear().extend_pairs(pairs);
    let err = oauth.complete(pending, cb.as_str()).await.expect_err("untrusted server");
    assert!(matches!(err, OAuthError::InvalidCallback(_)), "{err:?}");

    assert_eq!(sb.counters().token_requests, 0, "nothing reached the token endpoint");
}

#[tokio::test]
async fn code_expiry_and_reuse_and_redirect_mismatch() {
    let sb = sandbox().await;
    let two = sb.register_client(ClientSpec {
        redirect_uris: vec!["http://localhost:8080/callback".into(), "http://localhost:9090/other".into()],
        ..ClientSpec::default()
    });
    let oauth = oauth(&sb, &two);

    // Expiry: codes live 2 minutes on Zoho's clock.
    let (url, pending) = oauth.authorize_url::<Portals>(&AuthorizeOptions::new()).await.expect("url");
    let callback = browse(&url, Decision::Accept).await;
    sb.clock().advance(Duration::from_secs(121));
    let err = oauth.complete(pending, &callback).await.expect_err("expired");
    assert!(matches!(err, OAuthError::InvalidCode), "{err:?}");
    assert!(err.to_string().contains("request a new code"), "{err}");

    // Redirect mismatch: the browser was sent with the other registered URI.
    let (mut url, pending) = oauth.authorize_url::<Portals>(&AuthorizeOptions::new()).await.expect("url");
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "redirect_uri" { "http://localhost:9090/other".to_owned() } else { v.into_owned() };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    let callback = browse(&url, Decision::Accept).await;
    let err = oauth.complete(pending, &callback).await.expect_err("mismatch");
    assert!(matches!(err, OAuthError::RedirectUriMismatch), "{err:?}");

    // Reuse: a self-client code works once.
    let selfc = sb.register_client(ClientSpec::self_client());
    let oauth = oauth_with(&sb, &selfc.client_id, &selfc.client_secret, "");
    let code = sb.self_client_code(&selfc.client_id, &["ZohoProjects.portals.READ"]).expect("code");
    oauth.exchange_self_client_code::<Portals>(&code).await.expect("first use");
    let err = oauth.exchange_self_client_code::<Portals>(&code).await.expect_err("second use");
    assert!(matches!(err, OAuthError::InvalidCode), "{err:?}");

    // And a self-client code expires too.
    let code = sb.self_client_code(&selfc.client_id, &["ZohoProjects.portals.READ"]).expect("code");
    sb.clock().advance(Duration::from_secs(121));
    let err = oauth.exchange_self_client_code::<Portals>(&code).await.expect_err("expired");
    assert!(matches!(err, OAuthError::InvalidCode), "{err:?}");
}

#[tokio::test]
async fn invalid_client_and_invalid_secret() {
    let sb = sandbox().await;
    let selfc = sb.register_client(ClientSpec::self_client());

    let code = sb.self_client_code(&selfc.client_id, &["ZohoProjects.portals.READ"]).expect("code");
    let unknown = oauth_with(&sb, "1000.NOSUCHCLIENT", &selfc.client_secret, "");
    let err = unknown.exchange_self_client_code::<Portals>(&code).await.expect_err("unknown client");
    assert!(matches!(err, OAuthError::InvalidClient), "{err:?}");

    let wrong = oauth_with(&sb, &selfc.client_id, "not-the-secret", "");
    let err = wrong.exchange_self_client_code::<Portals>(&code).await.expect_err("wrong secret");
    assert!(matches!(err, OAuthError::InvalidClientSecret), "{err:?}");
    let err = wrong.client_credentials::<Portals>(None).await.expect_err("wrong secret");
    assert!(matches!(err, OAuthError::InvalidClientSecret), "{err:?}");
    assert!(!err.is_transient());

    // The three answers carried an `error`, and came with HTTP 200: the body decided. (The
    // same wrong-secret request, replayed by hand, shows the status the client saw.)
    assert_eq!(sb.counters().token_errors, 3);
    let token_url = sb.accounts_url(Dc::Us).join("oauth/v2/token").expect("token url");
    let raw = reqwest::Client::new()
        .post(token_url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", selfc.client_id.as_str()),
            ("client_secret", "not-the-secret"),
            ("scope", "ZohoProjects.portals.READ"),
        ])
        .send()
        .await
        .expect("token endpoint");
    assert_eq!(raw.status(), 200);
    let body: serde_json::Value = raw.json().await.expect("JSON");
    assert_eq!(body["error"], "invalid_client_secret", "{body}");
    assert_eq!(sb.counters().token_errors, 4);
}

// ---------------------------------------------------------------------------------------------
// Self client and client credentials

#[tokio::test]
async fn self_client_code_and_client_credentials() {
    let sb = sandbox().await;
    let selfc = sb.register_client(ClientSpec::self_client());
    let selfc_oauth = oauth_with(&sb, &selfc.client_id, &selfc.client_secret, "");

    let code =
        sb.self_client_code(&selfc.client_id, &["ZohoProjects.portals.READ", "ZohoProjects.tasks.ALL"]).expect("code");
    let token = selfc_oauth.exchange_self_client_code::<Tasks>(&code).await.expect("token");
    assert!(token.refresh_token().is_some(), "self-client codes are offline");
    assert!(!sb.requests_seen().iter().any(|r| r.path_and_query.contains("redirect_uri")));

    // [V A-CC] Projects has several portals per user: the grant names one (`soid`), else
    // Zoho answers `missing_org_info`.
    let soid = format!("ZohoProjects.{}", sb.demo_portal(Dc::Us).id);
    let cc = selfc_oauth.client_credentials::<Tasks>(Some(&soid)).await.expect("client credentials");
    assert!(cc.refresh_token().is_none());
    assert!(cc.access_token().scopes().grants("ZohoProjects.tasks.CREATE"), "scope reported and checked");
    assert!(api_accepts(&sb, Dc::Us, cc.access_token().expose_secret()).await);
    let minted = sb.counters().access_tokens_minted;
    for soid in [None, Some("ZohoProjects.123456789"), Some("ZohoCRM.1"), Some("ZohoProjects.")] {
        let err = selfc_oauth.client_credentials::<Portals>(soid).await.expect_err("no org");
        assert!(matches!(&err, OAuthError::Zoho { error, .. } if error == "missing_org_info"), "{soid:?}: {err:?}");
    }
    assert_eq!(sb.counters().access_tokens_minted, minted, "nothing minted without the org");

    // A web client may not use the grant: Zoho's own error string is kept.
    let web = oauth(&sb, &sb.demo_client());
    let err = web.client_credentials::<Portals>(None).await.expect_err("web client");
    assert!(matches!(&err, OAuthError::Zoho { error, .. } if error == "unauthorized_client"), "{err:?}");
}

#[tokio::test]
async fn reported_scopes_that_do_not_cover_the_set_are_a_scope_mismatch() {
    let sb = sandbox().await;
    let selfc = sb.register_client(ClientSpec::self_client());
    let oauth = oauth_with(&sb, &selfc.client_id, &selfc.client_secret, "");
    sb.inject(
        Fault::respond(
            200,
            "application/json",
            r#"{"access_token":"1000.aaaabbbbccccdddd.eeeeffff00001111","scope":"ZohoProjects.portals.READ","api_domain":"x","token_type":"Bearer","expires_in":3600}"#,
        )
        .on(Route::Token),
    );
    let err = oauth.client_credentials::<Tasks>(None).await.expect_err("narrower grant");
    match err {
        OAuthError::ScopeMismatch(m) => {
            assert_eq!(m.requested, Tasks::OAUTH);
            assert_eq!(m.granted, ["ZohoProjects.portals.READ"]);
        }
        other => panic!("expected ScopeMismatch, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Refresh and revoke

#[tokio::test]
async fn refresh_keeps_the_refresh_token_and_revoke_kills_everything() {
    let sb = sandbox().await;
    let oauth = oauth(&sb, &sb.demo_client());
    let token = web_login::<Tasks>(&oauth, &AuthorizeOptions::new().offline()).await.expect("token");
    let rt = token.refresh_token().expect("offline").clone();

    sb.clock().advance(Duration::from_secs(3000));
    let fresh = oauth.refresh_token(&token).await.expect("refresh");
    assert_eq!(fresh.refresh_token(), Some(&rt), "Zoho sends no refresh token; the old one is kept");
    assert!(!fresh.access_token().same_secret(token.access_token()));
    assert_eq!(fresh.access_token().expires_at(), sb.clock().now_system() + Duration::from_secs(3600));
    assert_eq!(fresh.parts().accounts_server, token.parts().accounts_server);
    assert_eq!(fresh.parts().location.as_deref(), Some("us"));
    assert!(fresh.parts().api_domain.is_some());
    assert_eq!(sb.counters().refresh_grants, 1);

    // The untyped entry point the token manager uses.
    let parts = oauth.refresh(token.parts()).await.expect("refresh parts");
    assert_eq!(parts.refresh_token.as_ref(), Some(&rt));

    // Revoking the refresh token kills its access tokens too.
    assert!(api_accepts(&sb, Dc::Us, fresh.access_token().expose_secret()).await);
    oauth.revoke(&rt, token.parts().accounts_server.as_ref()).await.expect("revoke");
    assert_eq!(sb.counters().revocations, 1);
    assert!(!api_accepts(&sb, Dc::Us, fresh.access_token().expose_secret()).await);
    let err = oauth.refresh_token(&token).await.expect_err("revoked");
    assert!(matches!(err, OAuthError::InvalidRefreshToken), "{err:?}");
    let err = oauth.revoke(&rt, None).await.expect_err("already revoked");
    assert!(matches!(err, OAuthError::InvalidRefreshToken), "{err:?}");

    // Revoking a single access token.
    let other = web_login::<Portals>(&oauth, &AuthorizeOptions::new()).await.expect("token");
    oauth.revoke_access_token(other.access_token(), None).await.expect("revoke access token");
    assert!(!api_accepts(&sb, Dc::Us, other.access_token().expose_secret()).await);
    let err = oauth.revoke_access_token(other.access_token(), None).await.expect_err("gone");
    assert!(matches!(err, OAuthError::InvalidAccessToken), "{err:?}");

    // Online tokens cannot be refreshed.
    let err = oauth.refresh(other.parts()).await.expect_err("no refresh token");
    assert!(matches!(err, OAuthError::Config(_)), "{err:?}");
}

#[tokio::test]
async fn throttling_is_access_denied_with_zohos_description() {
    // Real throttling: the Accounts refresh page's 10 access tokens per refresh token per 10 min.
    let sb = sandbox_with(Limits::strict()).await;
    let oauth = oauth(&sb, &sb.demo_client());
    let token = web_login::<Portals>(&oauth, &AuthorizeOptions::new().offline()).await.expect("token");
    // The code exchange minted one; nine refreshes reach ten.
    for _ in 0..9 {
        oauth.refresh(token.parts()).await.expect("within the limit");
    }
    let err = oauth.refresh(token.parts()).await.expect_err("throttled");
    match &err {
        OAuthError::AccessDenied { description } => assert!(description.contains("too many requests"), "{description}"),
        other => panic!("expected AccessDenied, got {other:?}"),
    }
    assert!(err.is_transient());
    assert!(err.to_string().contains("wait"), "{err}");
    // After the window the refresh token works again.
    sb.clock().advance(Duration::from_secs(601));
    oauth.refresh(token.parts()).await.expect("window over");

    // The injected answer Zoho documents (HTTP 200, "Access Denied").
    sb.inject(Fault::throttled().on(Route::Token));
    assert!(matches!(oauth.refresh(token.parts()).await, Err(OAuthError::AccessDenied { .. })));

    // The same answer, naming the refresh-token limit, is that limit.
    sb.inject(
        Fault::respond(
            200,
            "application/json;charset=UTF-8",
            r#"{"error":"Access Denied","error_description":"You have reached the maximum refresh token limit for this user"}"#,
        )
        .on(Route::Token),
    );
    let err = oauth.refresh(token.parts()).await.expect_err("limit");
    assert!(matches!(err, OAuthError::RefreshTokenLimit), "{err:?}");
    assert!(err.to_string().contains("revoke"), "{err}");
}

#[tokio::test]
async fn zoho_quirks_at_the_boundary() {
    let sb = sandbox().await;
    let oauth = oauth(&sb, &sb.demo_client());
    let token = web_login::<Portals>(&oauth, &AuthorizeOptions::new().offline()).await.expect("token");

    // An error inside an HTTP 200.
    sb.inject(Fault::ok_with_error("invalid_client").on(Route::Token));
    assert!(matches!(oauth.refresh(token.parts()).await, Err(OAuthError::InvalidClient)));

    // Legacy `expires_in` in milliseconds beside `expires_in_sec`, and numbers in strings.
    sb.inject(
        Fault::respond(
            200,
            "application/json",
            r#"{"access_token":"1000.1111222233334444.5555666677778888","expires_in":"3600000","expires_in_sec":3600,"token_type":"Bearer"}"#,
        )
        .on(Route::Token),
    );
    let parts = oauth.refresh(token.parts()).await.expect("legacy answer");
    assert_eq!(parts.access_token.expires_at(), sb.clock().now_system() + Duration::from_secs(3600));
    assert_eq!(parts.api_domain, token.parts().api_domain, "api_domain kept when the answer lacks it");
    assert_eq!(parts.access_token.scopes(), token.access_token().scopes(), "scopes kept when not reported");
    sb.inject(
        Fault::respond(200, "application/json", r#"{"access_token":"1000.9999.8888","expires_in":"1800"}"#)
            .on(Route::Token),
    );
    let parts = oauth.refresh(token.parts()).await.expect("string seconds");
    assert_eq!(parts.access_token.expires_at(), sb.clock().now_system() + Duration::from_secs(1800));

    // Garbage, an HTML error page, a dropped connection.
    sb.inject(Fault::malformed_body().on(Route::Token));
    let err = oauth.refresh(token.parts()).await.expect_err("malformed");
    assert!(matches!(err, OAuthError::UnexpectedResponse { status: 200, .. }), "{err:?}");
    sb.inject(Fault::status(502).on(Route::Token));
    let err = oauth.refresh(token.parts()).await.expect_err("502");
    assert!(matches!(err, OAuthError::UnexpectedResponse { status: 502, .. }), "{err:?}");
    assert!(err.is_transient());
    sb.inject(Fault::respond(200, "application/json", r#"{"token_type":"Bearer"}"#).on(Route::Token));
    let err = oauth.refresh(token.parts()).await.expect_err("no access token");
    assert!(matches!(&err, OAuthError::UnexpectedResponse { snippet, .. } if snippet.contains("token_type")));
    sb.inject(Fault::drop_connection().on(Route::Token));
    let err = oauth.refresh(token.parts()).await.expect_err("dropped");
    assert!(matches!(err, OAuthError::Transport(_)), "{err:?}");
    assert!(err.is_transient());

    // Parameters travel in form bodies: no token request has a query string.
    assert!(sb.requests_seen().iter().filter(|r| r.route == Route::Token).all(|r| !r.path_and_query.contains('?')));
}

// ---------------------------------------------------------------------------------------------
// The device flow

fn device_client(sb: &Sandbox) -> (ClientCredentials, OAuthClient) {
    let creds = sb.register_client(ClientSpec::device());
    let oauth = oauth(sb, &creds);
    (creds, oauth)
}

#[tokio::test]
async fn device_flow_slow_down_and_other_dc_step_by_step() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let eu = sb.add_user("kai@example.eu", Dc::Eu);
    let (_, oauth) = device_client(&sb);
    let mut device = oauth.device_start::<Tasks>(&AuthorizeOptions::new().offline()).await.expect("start");
    assert!(!device.user_code().is_empty());
    assert!(device.verification_url().starts_with(sb.accounts_url(Dc::Us).as_str().trim_end_matches('/')));
    assert_eq!(device.interval(), Duration::from_secs(30));
    assert_eq!(device.expires_at(), sb.clock().now_system() + Duration::from_secs(300));

    assert!(matches!(oauth.device_poll(&mut device).await, Ok(DevicePoll::Pending)));
    // Polling again at once is too soon: Zoho says slow_down and the interval grows.
    assert!(matches!(oauth.device_poll(&mut device).await, Ok(DevicePoll::SlowDown)));
    assert_eq!(device.interval(), Duration::from_secs(35));

    sb.approve_device(device.user_code(), &eu.email).expect("approve");
    sb.clock().advance(device.interval());
    match oauth.device_poll(&mut device).await {
        Ok(DevicePoll::SwitchedDataCentre { location }) => assert_eq!(location, "eu"),
        other => panic!("expected other_dc, got {other:?}"),
    }
    assert_eq!(device.accounts_server(), &sb.accounts_url(Dc::Eu));
    sb.clock().advance(device.interval());
    let token = match oauth.device_poll(&mut device).await {
        Ok(DevicePoll::Done(token)) => token,
        other => panic!("expected a token, got {other:?}"),
    };
    assert_eq!(token.parts().location.as_deref(), Some("eu"));
    assert!(token.refresh_token().is_some());
    assert!(api_accepts(&sb, Dc::Eu, token.access_token().expose_secret()).await);
    let polls: Vec<Dc> = sb.requests_seen().iter().filter(|r| r.route == Route::DeviceToken).map(|r| r.dc).collect();
    assert_eq!(polls, [Dc::Us, Dc::Us, Dc::Us, Dc::Eu]);
}

#[tokio::test]
async fn device_wait_backs_off_and_follows_the_user_dc_on_the_virtual_clock() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let eu = sb.add_user("ana@example.eu", Dc::Eu);
    let (_, oauth) = device_client(&sb);
    let device = oauth.device_start::<Portals>(&AuthorizeOptions::new()).await.expect("start");
    let user_code = device.user_code().to_owned();
    let clock = sb.clock();
    let mut waits = Vec::new();
    let token = oauth
        .device_wait(device, |wait| {
            waits.push(wait);
            match waits.len() {
                // A wait that ends early (a suspended laptop's timer, say): the next poll is too soon.
                2 => clock.advance(Duration::from_secs(5)),
                3 => {
                    sb.approve_device(&user_code, &eu.email).expect("approve");
                    clock.advance(wait);
                }
                _ => clock.advance(wait),
            }
            std::future::ready(())
        })
        .await
        .expect("token");
    assert_eq!(token.parts().location.as_deref(), Some("eu"));
    let secs: Vec<u64> = waits.iter().map(Duration::as_secs).collect();
    // pending, slow_down (interval +5 s), other_dc, done
    assert_eq!(secs, [30, 30, 35, 35]);
    assert!(token.refresh_token().is_none(), "online access");
}

#[tokio::test]
async fn device_flow_expiry_and_denial() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let (_, oauth) = device_client(&sb);

    let mut device = oauth.device_start::<Portals>(&AuthorizeOptions::new()).await.expect("start");
    sb.clock().advance(Duration::from_secs(301));
    let err = oauth.device_poll(&mut device).await.expect_err("expired");
    assert!(matches!(err, OAuthError::DeviceCodeExpired), "{err:?}");

    // Nobody answers: the waiting loop ends by itself.
    let device = oauth.device_start::<Portals>(&AuthorizeOptions::new()).await.expect("start");
    let clock = sb.clock();
    let err = oauth
        .device_wait(device, |wait| {
            clock.advance(wait);
            std::future::ready(())
        })
        .await
        .expect_err("expired");
    assert!(matches!(err, OAuthError::DeviceCodeExpired), "{err:?}");

    let mut device = oauth.device_start::<Portals>(&AuthorizeOptions::new()).await.expect("start");
    sb.deny_device(device.user_code(), &user_email(&sb)).expect("deny");
    let err = oauth.device_poll(&mut device).await.expect_err("denied");
    assert!(matches!(err, OAuthError::ConsentDenied { .. }), "{err:?}");

    // A web client cannot start the device flow.
    let web = oauth_with(&sb, &sb.demo_client().client_id, "x", "");
    let err = web.device_start::<Portals>(&AuthorizeOptions::new()).await.expect_err("not a device client");
    assert!(matches!(&err, OAuthError::Zoho { error, .. } if error == "unauthorized_client"), "{err:?}");
}

/// The device-token polls the sandbox saw (faulted ones included).
fn device_polls(sb: &Sandbox) -> usize {
    sb.requests_seen().iter().filter(|r| r.route == Route::DeviceToken).count()
}

#[tokio::test]
async fn device_wait_rides_out_a_dropped_connection_and_a_503_with_backoff() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let (_, oauth) = device_client(&sb);
    let device = oauth.device_start::<Portals>(&AuthorizeOptions::new().offline()).await.expect("start");
    let (user_code, email) = (device.user_code().to_owned(), user_email(&sb));
    let clock = sb.clock();
    let mut waits = Vec::new();
    let token = oauth
        .device_wait(device, |wait| {
            waits.push(wait.as_secs());
            match waits.len() {
                // While the user types the code: the first poll's connection drops…
                1 => sb.inject(Fault::drop_connection().on(Route::DeviceToken)),
                // …the next one is answered "pending"; then Accounts answers 503…
                3 => sb.inject(Fault::status(503).on(Route::DeviceToken)),
                // …and meanwhile the user approves.
                4 => sb.approve_device(&user_code, &email).expect("approve"),
                _ => {}
            }
            clock.advance(wait);
            std::future::ready(())
        })
        .await
        .expect("the sign-in survives both failures");
    assert!(token.refresh_token().is_some());
    // drop (then twice the interval), pending (back to the interval), 503 (twice again), done.
    assert_eq!(waits, [30, 60, 30, 60]);
    assert_eq!(device_polls(&sb), 4);
    assert!(api_accepts(&sb, Dc::Us, token.access_token().expose_secret()).await);
}

#[tokio::test]
async fn device_wait_gives_up_after_max_poll_failures_in_a_row() {
    // Codes that live an hour (Zoho's live 5 minutes): long enough for the failure bound, not
    // the expiry, to end the wait.
    let limits = Limits { device_code_ttl: Duration::from_secs(3600), ..Limits::default() };
    let sb = Sandbox::builder().limits(limits).start().await.expect("sandbox");
    let (_, oauth) = device_client(&sb);
    sb.inject(Fault::status(503).on(Route::DeviceToken).always());
    let device = oauth.device_start::<Portals>(&AuthorizeOptions::new()).await.expect("start");
    let clock = sb.clock();
    let mut waits = Vec::new();
    let err = oauth
        .device_wait(device, |wait| {
            waits.push(wait.as_secs());
            clock.advance(wait);
            std::future::ready(())
        })
        .await
        .expect_err("Accounts keeps failing");
    assert!(matches!(err, OAuthError::UnexpectedResponse { status: 503, .. }), "{err:?}");
    assert_eq!(zoho_oauth_core::oauth::MAX_POLL_FAILURES, 5);
    assert_eq!(waits, [30, 60, 120, 120, 120]);
    assert_eq!(device_polls(&sb), 5);
}

#[tokio::test]
async fn device_wait_failing_until_the_codes_expire_ends_with_the_failure() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let (_, oauth) = device_client(&sb);
    let device = oauth.device_start::<Portals>(&AuthorizeOptions::new()).await.expect("start");
    sb.inject(Fault::drop_connection().on(Route::DeviceToken).always());
    let clock = sb.clock();
    let mut waits = Vec::new();
    let err = oauth
        .device_wait(device, |wait| {
            waits.push(wait.as_secs());
            clock.advance(wait);
            std::future::ready(())
        })
        .await
        .expect_err("Accounts unreachable until the codes expire");
    assert!(matches!(err, OAuthError::Transport(_)), "{err:?}");
    // 30 + 60 + 120 + 120 = 330 s: past the 5 minutes, so the fourth failure is the last.
    assert_eq!(waits, [30, 60, 120, 120]);
    assert_eq!(device_polls(&sb), 4);
}

#[tokio::test]
async fn device_wait_ends_at_once_on_a_permanent_error() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let (_, oauth) = device_client(&sb);
    let device = oauth.device_start::<Portals>(&AuthorizeOptions::new()).await.expect("start");
    sb.inject(Fault::ok_with_error("invalid_client").on(Route::DeviceToken));
    let clock = sb.clock();
    let err = oauth
        .device_wait(device, |wait| {
            clock.advance(wait);
            std::future::ready(())
        })
        .await
        .expect_err("invalid client");
    assert!(matches!(err, OAuthError::InvalidClient), "{err:?}");
    assert_eq!(device_polls(&sb), 1);
}

// ---------------------------------------------------------------------------------------------
// The code-rate guard

#[tokio::test]
async fn at_most_four_codes_per_minute_before_zoho_blocks() {
    let sb = sandbox().await;
    let oauth = oauth(&sb, &sb.demo_client());
    for _ in 0..4 {
        web_login::<Portals>(&oauth, &AuthorizeOptions::new()).await.expect("within the limit");
        sb.clock().advance(Duration::from_secs(5));
    }
    let err = oauth.authorize_url::<Portals>(&AuthorizeOptions::new()).await.expect_err("fifth code this minute");
    match err {
        OAuthError::CodeRateLimited { retry_after } => assert_eq!(retry_after, Duration::from_secs(40)),
        other => panic!("expected CodeRateLimited, got {other:?}"),
    }
    assert_eq!(sb.counters().access_denied, 0, "Zoho never had to block the client");
    assert_eq!(sb.counters().codes_issued, 4);

    sb.clock().advance(Duration::from_secs(40));
    web_login::<Portals>(&oauth, &AuthorizeOptions::new()).await.expect("the window moved on");

    // Clones share the guard.
    sb.clock().advance(Duration::from_secs(61));
    let clone = oauth.clone();
    for _ in 0..4 {
        clone.authorize_url::<Portals>(&AuthorizeOptions::new()).await.expect("url");
    }
    assert!(matches!(
        oauth.authorize_url::<Portals>(&AuthorizeOptions::new()).await,
        Err(OAuthError::CodeRateLimited { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// The loopback helper

#[tokio::test]
async fn loopback_sign_in_for_cli_programs() {
    let sb = sandbox().await;
    let server = LoopbackServer::bind().await.expect("bind");
    let redirect = server.redirect_uri().clone();
    assert_eq!(redirect.host_str(), Some("127.0.0.1"));
    let creds = sb.register_client(ClientSpec::web(redirect.as_str()));
    let oauth = oauth(&sb, &creds);

    let (tx, rx) = tokio::sync::oneshot::channel();
    let token = oauth
        .authorize_with_loopback::<Portals, _>(
            server,
            AuthorizeOptions::new().offline(),
            |url| {
                // "Open the browser": a stray favicon request first, then the sign-in.
                let url = url.clone();
                let favicon = redirect.join("/favicon.ico").expect("url");
                tokio::spawn(async move {
                    let http = reqwest::Client::new();
                    let icon = http.get(favicon).send().await.map(|r| r.status().as_u16());
                    let page = http.get(url).send().await.expect("browser").text().await.expect("page");
                    let _ = tx.send((icon, page));
                });
            },
            Duration::from_secs(30),
        )
        .await
        .expect("token");
    assert!(token.refresh_token().is_some());
    let (icon, page) = rx.await.expect("browser finished");
    assert_eq!(icon.ok(), Some(404));
    assert!(page.contains("close this tab"), "{page}");
}

#[tokio::test(start_paused = true)]
async fn loopback_gives_up_after_its_timeout() {
    // No sandbox needed: nobody ever opens the URL. Tokio's paused clock skips the wait.
    let server = LoopbackServer::bind().await.expect("bind");
    let oauth = OAuthClient::builder("1000.X", ClientSecret::new("s"))
        .accounts_url("http://127.0.0.1:9/".parse().expect("url"))
        .build()
        .expect("client");
    let err = oauth
        .authorize_with_loopback::<Portals, _>(server, AuthorizeOptions::new(), |_| {}, Duration::from_secs(120))
        .await
        .expect_err("timeout");
    assert!(matches!(err, OAuthError::LoopbackTimeout { waited } if waited == Duration::from_secs(120)), "{err:?}");
}

#[tokio::test]
async fn configuration_errors_are_typed() {
    let no_redirect = OAuthClient::builder("1000.X", ClientSecret::new("s")).build().expect("client");
    assert!(matches!(no_redirect.authorize_url::<Portals>(&AuthorizeOptions::new()).await, Err(OAuthError::Config(_))));
    let bad = OAuthClient::builder("1000.X", ClientSecret::new("s"))
        .redirect_uri("ftp://example.com/cb".parse().expect("url"))
        .build();
    assert!(matches!(bad, Err(OAuthError::Config(_))));
    // Zoho's own regions are known without configuration.
    assert_eq!(no_redirect.accounts_for_location("EU").map(Url::as_str), Some("https://accounts.zoho.eu/"));
    assert_eq!(no_redirect.accounts_server().as_str(), "https://accounts.zoho.com/");
}
