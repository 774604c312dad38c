//! The HTTP layer of both clients as the other side sees it: the `User-Agent` Zoho (the
//! sandbox) receives, a timeout configured with an HTTP client of the application's own applied
//! to each request, a connect timeout that cannot be applied refused, and a client of one's own
//! that follows redirects refused for token requests. Real HTTP against the sandbox.

#[path = "common/console.rs"]
mod console;
use console::console_token;

use std::time::Duration;
use zoho_projects::oauth::OAuthClient;
use zoho_projects::prelude::*;
use zoho_projects::{ClientSecret, DEFAULT_USER_AGENT, Error, OAuthError, RetryPolicy};
use zoho_sandbox::{Dc, Fault, Route, Sandbox, SeenRequest};

scope_set! {
    struct Portals = ["ZohoProjects.portals.READ"];
}

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portals", scope = "ZohoProjects.portals.READ", response = Vec<serde_json::Value>)]
struct ListPortals;

fn user_agent(seen: &SeenRequest) -> Option<&str> {
    seen.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("user-agent")).map(|(_, v)| v.as_str())
}

/// The `User-Agent` of the last request the sandbox saw whose path starts with `prefix`.
fn last_user_agent(sb: &Sandbox, prefix: &str) -> Option<String> {
    let seen = sb.requests_seen();
    let last = seen.iter().rev().find(|r| r.path_and_query.starts_with(prefix)).expect("a request was seen");
    user_agent(last).map(str::to_owned)
}

fn portals_client(sb: &Sandbox, access: &str, builder: zoho_projects::ClientBuilder) -> Client<Portals> {
    let token =
        Token::<Portals>::from_console(access, "ZohoProjects.portals.READ", Duration::from_secs(3600)).expect("token");
    builder.api_base(sb.api_url(Dc::Us)).retry(RetryPolicy::never()).build(token).expect("client")
}

fn oauth_builder(sb: &Sandbox) -> zoho_projects::oauth::OAuthClientBuilder {
    let app = sb.demo_client();
    OAuthClient::builder(&app.client_id, ClientSecret::new(app.client_secret.as_str()))
        .accounts_url(sb.accounts_url(Dc::Us))
}

/// A self-client code exchanged by `oauth`: one token request the sandbox sees. A minute passes
/// first (on the sandbox's clock): Zoho allows 4 codes per minute per client and user.
async fn exchange(sb: &Sandbox, oauth: &OAuthClient) {
    sb.clock().advance(Duration::from_secs(61));
    let code = sb.self_client_code(&sb.demo_client().client_id, &["ZohoProjects.portals.READ"]).expect("code");
    oauth.exchange_self_client_code::<Portals>(&code).await.expect("token");
}

#[tokio::test]
async fn both_clients_send_the_user_agent_unless_told_otherwise() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let ours = format!("zoho-projects-rs/{}", env!("CARGO_PKG_VERSION"));
    let access = console_token(&sb, &["ZohoProjects.portals.READ"]).await;
    assert_eq!(DEFAULT_USER_AGENT, ours);

    // Clients built by the crate.
    exchange(&sb, &oauth_builder(&sb).build().expect("oauth")).await;
    assert_eq!(last_user_agent(&sb, "/oauth/v2/token").as_deref(), Some(ours.as_str()));
    portals_client(&sb, &access, Client::builder()).send(ListPortals).await.expect("portals");
    assert_eq!(last_user_agent(&sb, "/api/v3/portals").as_deref(), Some(ours.as_str()));

    // An HTTP client of the application's own (reqwest sends no User-Agent by itself).
    let plain = || {
        zoho_projects::reqwest::Client::builder()
            .redirect(zoho_projects::reqwest::redirect::Policy::none())
            .build()
            .expect("http")
    };
    exchange(&sb, &oauth_builder(&sb).http_client(plain()).build().expect("oauth")).await;
    assert_eq!(last_user_agent(&sb, "/oauth/v2/token").as_deref(), Some(ours.as_str()));
    portals_client(&sb, &access, Client::builder().http_client(plain())).send(ListPortals).await.expect("portals");
    assert_eq!(last_user_agent(&sb, "/api/v3/portals").as_deref(), Some(ours.as_str()));

    // Told otherwise: a value of the application's, or the own client's.
    exchange(&sb, &oauth_builder(&sb).user_agent("acme-sync/2").build().expect("oauth")).await;
    assert_eq!(last_user_agent(&sb, "/oauth/v2/token").as_deref(), Some("acme-sync/2"));
    let acme = zoho_projects::reqwest::Client::builder().user_agent("acme/1").build().expect("http");
    portals_client(&sb, &access, Client::builder().http_client(acme).no_user_agent())
        .send(ListPortals)
        .await
        .expect("portals");
    assert_eq!(last_user_agent(&sb, "/api/v3/portals").as_deref(), Some("acme/1"));
    sb.shutdown().await;
}

// Paused time: the sandbox's delay and the client's timeout are both tokio timers, and the
// runtime jumps to the next one when it has nothing else to do, so no test waits for real.
#[tokio::test(start_paused = true)]
async fn a_timeout_set_beside_an_own_http_client_applies_to_each_request() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let access = console_token(&sb, &["ZohoProjects.portals.READ"]).await;
    // Zoho takes a minute to answer; the application's clients have no timeout of their own.
    sb.inject(Fault::delay(Duration::from_secs(60)).on(Route::Api).always());
    sb.inject(Fault::delay(Duration::from_secs(60)).on(Route::Token).always());
    let own = zoho_projects::reqwest::Client::new();

    let client =
        portals_client(&sb, &access, Client::builder().http_client(own.clone()).timeout(Duration::from_secs(5)));
    let started = tokio::time::Instant::now();
    match client.send(ListPortals).await {
        Err(Error::Transport(e)) => assert!(e.is_timeout(), "{e:?}"),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(60), "{:?}", started.elapsed());

    let oauth = oauth_builder(&sb).http_client(own).timeout(Duration::from_secs(5)).build().expect("oauth");
    let code = sb.self_client_code(&sb.demo_client().client_id, &["ZohoProjects.portals.READ"]).expect("code");
    let started = tokio::time::Instant::now();
    match oauth.exchange_self_client_code::<Portals>(&code).await {
        Err(OAuthError::Transport(e)) => assert!(e.is_timeout(), "{e:?}"),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(60), "{:?}", started.elapsed());
    sb.shutdown().await;
}

#[tokio::test]
async fn a_connect_timeout_that_cannot_apply_is_refused() {
    let own = zoho_projects::reqwest::Client::new();
    let token =
        Token::<Portals>::from_console("1000.0123.4567", "ZohoProjects.portals.READ", Duration::from_secs(3600))
            .expect("token");
    let refused = Client::builder().http_client(own.clone()).connect_timeout(Duration::from_secs(2)).build(token);
    match refused {
        Err(Error::Config { message, .. }) => assert!(message.contains("connect timeout"), "{message}"),
        other => panic!("expected a configuration error, got {other:?}"),
    }
    let refused = OAuthClient::builder("1000.CLIENT", ClientSecret::new("s"))
        .http_client(own)
        .connect_timeout(Duration::from_secs(2))
        .build();
    match refused {
        Err(OAuthError::Config(message)) => assert!(message.contains("connect timeout"), "{message}"),
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

/// Whether `seen` carries a `Content-Length` above zero, i.e. a body.
fn has_body(seen: &SeenRequest) -> bool {
    seen.headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("content-length") && v != "0")
}

#[tokio::test]
async fn token_requests_never_take_a_redirect() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let elsewhere = sb.accounts_url(Dc::Eu).join("oauth/v2/token").expect("url");
    let redirect = |status: u16| {
        Fault::respond(status, "text/plain", "moved").header("location", elsewhere.as_str()).on(Route::Token)
    };
    let to_eu = |sb: &Sandbox| sb.requests_seen().into_iter().filter(|r| r.dc == Dc::Eu).collect::<Vec<_>>();

    // The crate's own client does not follow it: Zoho's redirect is an unexpected answer.
    sb.inject(redirect(307));
    let oauth = oauth_builder(&sb).build().expect("oauth");
    let code = sb.self_client_code(&sb.demo_client().client_id, &["ZohoProjects.portals.READ"]).expect("code");
    let err = oauth.exchange_self_client_code::<Portals>(&code).await.expect_err("redirected");
    assert!(matches!(err, OAuthError::UnexpectedResponse { status: 307, .. }), "{err:?}");
    assert_eq!(to_eu(&sb).len(), 0, "nothing went to the redirect");
    // The form went to the accounts server it was meant for, with its length.
    let sent = sb.requests_seen().into_iter().rev().find(|r| r.path_and_query.starts_with("/oauth/v2/token"));
    assert!(sent.as_ref().is_some_and(has_body), "{sent:?}");

    // A client of one's own that follows redirects (reqwest's default). A 307 or 308 would have
    // it POST the form again (client secret and code) to `Location`: it is not followed.
    for status in [307, 308] {
        sb.clock().advance(Duration::from_secs(61));
        sb.inject(redirect(status));
        let oauth = oauth_builder(&sb).http_client(zoho_projects::reqwest::Client::new()).build().expect("oauth");
        let code = sb.self_client_code(&sb.demo_client().client_id, &["ZohoProjects.portals.READ"]).expect("code");
        let err = oauth.exchange_self_client_code::<Portals>(&code).await.expect_err("redirected");
        assert!(matches!(err, OAuthError::UnexpectedResponse { status: s, .. } if s == status), "{err:?}");
        assert_eq!(to_eu(&sb).len(), 0, "the form was not sent again to the redirect ({status})");
    }

    // A 302 or 303 it follows as a GET without the form: nothing secret leaves, and the answer
    // from elsewhere is refused.
    for status in [302, 303] {
        sb.clock().advance(Duration::from_secs(61));
        sb.inject(redirect(status));
        let oauth = oauth_builder(&sb).http_client(zoho_projects::reqwest::Client::new()).build().expect("oauth");
        let code = sb.self_client_code(&sb.demo_client().client_id, &["ZohoProjects.portals.READ"]).expect("code");
        let before = to_eu(&sb).len();
        let err = oauth.exchange_self_client_code::<Portals>(&code).await.expect_err("redirected");
        match err {
            OAuthError::Config(message) => assert!(message.contains("followed a redirect"), "{message}"),
            other => panic!("expected the redirect refused, got {other:?}"),
        }
        let followed = to_eu(&sb);
        assert_eq!(followed.len(), before + 1, "{status}");
        let last = followed.last().expect("the followed request");
        assert_eq!(last.method, "GET", "{status}");
        assert!(!has_body(last), "{status}: {last:?}");
        assert!(!last.path_and_query.contains(code.as_str()), "{status}: {last:?}");
    }
    sb.shutdown().await;
}
