//! A serialised `PendingAuthorization` expires (issue 13, item 5): it is refused with a typed
//! error before anything is sent once it is older than the client's pending lifetime (10 minutes
//! by default: Zoho's codes live 2 minutes after consent, plus time for a person to sign in).
#![allow(missing_docs)]

use std::time::Duration;
use zoho_oauth_core::oauth::{AuthorizeOptions, OAuthClient, PENDING_LIFETIME, PendingAuthorization};
use zoho_oauth_core::{ClientSecret, OAuthError, scope_set};
use zoho_sandbox::{Dc, Sandbox};

scope_set! {
    #[zoho(crate = ::zoho_oauth_core)]
    /// The set the tests use.
    pub struct Reader = ["ZohoProjects.portals.READ"];
}

async fn start() -> (Sandbox, OAuthClient) {
    let sb = Sandbox::builder().auto_approve(true).start().await.expect("sandbox");
    let app = sb.demo_client();
    let clock = sb.clock();
    let oauth = OAuthClient::builder(&app.client_id, ClientSecret::new(app.client_secret.as_str()))
        .redirect_uri(app.redirect_uri.parse().expect("url"))
        .accounts_url(sb.accounts_url(Dc::Us))
        .clock(move || clock.now_system())
        .build()
        .expect("client");
    (sb, oauth)
}

/// The user's browser at `url`: the sandbox approves and redirects; the callback URL.
async fn consent(url: reqwest::Url) -> String {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http");
    let answer = http.get(url).send().await.expect("authorize");
    answer.headers()["location"].to_str().expect("ascii").to_owned()
}

/// A pending sign-in kept in a session store, then read back (maybe by another process).
fn through_session(pending: &PendingAuthorization<Reader>) -> PendingAuthorization<Reader> {
    serde_json::from_str(&serde_json::to_string(pending).expect("serialise")).expect("deserialise")
}

#[tokio::test]
async fn a_pending_sign_in_completes_within_its_lifetime_and_not_after() {
    assert_eq!(PENDING_LIFETIME, Duration::from_secs(600));
    let (sb, oauth) = start().await;

    // Within the lifetime: the person takes 9 minutes to sign in, then the code is fresh.
    let (url, pending) = oauth.authorize_url::<Reader>(&AuthorizeOptions::new().offline()).await.expect("url");
    sb.clock().advance(Duration::from_secs(9 * 60));
    let callback = consent(url).await;
    oauth.complete(through_session(&pending), &callback).await.expect("completes at 9 minutes");

    // Exactly at the limit it still completes.
    sb.clock().advance(Duration::from_secs(61)); // a new minute for the code guard
    let (url, pending) = oauth.authorize_url::<Reader>(&AuthorizeOptions::new()).await.expect("url");
    sb.clock().advance(PENDING_LIFETIME);
    let callback = consent(url).await;
    oauth.complete(through_session(&pending), &callback).await.expect("completes at the limit");

    // One millisecond past it: refused, although Zoho's code itself is fresh, and nothing sent.
    let (url, pending) = oauth.authorize_url::<Reader>(&AuthorizeOptions::new()).await.expect("url");
    sb.clock().advance(PENDING_LIFETIME + Duration::from_millis(1));
    let callback = consent(url).await;
    let before = sb.counters().token_requests;
    match oauth.complete(through_session(&pending), &callback).await {
        Err(OAuthError::AuthorizationExpired { lifetime }) => assert_eq!(lifetime, PENDING_LIFETIME),
        other => panic!("expected AuthorizationExpired, got {other:?}"),
    }
    assert_eq!(sb.counters().token_requests, before, "the code was not exchanged");
    sb.shutdown().await;
}

#[tokio::test]
async fn a_pending_sign_in_dated_in_the_future_is_refused_and_the_lifetime_is_configurable() {
    let (sb, oauth) = start().await;
    let (url, pending) = oauth.authorize_url::<Reader>(&AuthorizeOptions::new()).await.expect("url");
    let callback = consent(url).await;
    // A forged record: created a day from now, so that it would never expire.
    let mut record: serde_json::Value = serde_json::to_value(&pending).expect("serialise");
    let created = record["created_at_ms"].as_u64().expect("ms");
    record["created_at_ms"] = (created + 24 * 3600 * 1000).into();
    let forged: PendingAuthorization<Reader> = serde_json::from_value(record.clone()).expect("well-formed");
    let before = sb.counters().token_requests;
    assert!(matches!(oauth.complete(forged, &callback).await, Err(OAuthError::AuthorizationExpired { .. })));
    // A minute of clock skew between machines is tolerated.
    record["created_at_ms"] = (created + 60 * 1000).into();
    let skewed: PendingAuthorization<Reader> = serde_json::from_value(record).expect("well-formed");
    oauth.complete(skewed, &callback).await.expect("a minute ahead is fine");
    assert_eq!(sb.counters().token_requests, before + 1);

    // A shorter configured lifetime applies.
    let app = sb.demo_client();
    let clock = sb.clock();
    let strict = OAuthClient::builder(&app.client_id, ClientSecret::new(app.client_secret.as_str()))
        .redirect_uri(app.redirect_uri.parse().expect("url"))
        .accounts_url(sb.accounts_url(Dc::Us))
        .clock(move || clock.now_system())
        .pending_lifetime(Duration::from_secs(120))
        .build()
        .expect("client");
    let (url, pending) = strict.authorize_url::<Reader>(&AuthorizeOptions::new()).await.expect("url");
    sb.clock().advance(Duration::from_secs(121));
    let callback = consent(url).await;
    match strict.complete(pending, &callback).await {
        Err(OAuthError::AuthorizationExpired { lifetime }) => assert_eq!(lifetime, Duration::from_secs(120)),
        other => panic!("expected AuthorizationExpired, got {other:?}"),
    }
    assert_eq!(sb.counters().token_requests, before + 1);
    sb.shutdown().await;
}
