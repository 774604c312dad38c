//! The authorization-code guard (issue 13, item 7): Zoho allows 4 codes per minute per client
//! and user, then blocks for 10 minutes. The guard counts per (client, user) when the user is
//! known, and a fleet sharing a Redis counts once. Against the sandbox, which enforces the same
//! limit per (client, user): its `codes_issued` counter shows what really reached it.

#[path = "common/redis.rs"]
mod redis_server;

use std::time::Duration;
use zoho_projects::oauth::{AuthorizeOptions, OAuthClient};
use zoho_projects::store::RedisStore;
use zoho_projects::{ClientSecret, OAuthError, scope_set};
use zoho_sandbox::{Dc, Sandbox};

scope_set! {
    struct Portals = ["ZohoProjects.portals.READ"];
}

const ANA: &str = "ana@example.com";
const BO: &str = "bo@example.com";
/// Who signs in when the application does not say.
const CY: &str = "cy@example.com";

async fn sandbox() -> Sandbox {
    let sb = Sandbox::builder().auto_approve(true).start().await.expect("sandbox");
    sb.add_user(ANA, Dc::Us);
    sb.add_user(BO, Dc::Us);
    sb.add_user(CY, Dc::Us);
    sb
}

fn oauth(sb: &Sandbox, ledger: Option<RedisStore>) -> OAuthClient {
    let app = sb.demo_client();
    let clock = sb.clock();
    let mut b = OAuthClient::builder(&app.client_id, ClientSecret::new(app.client_secret.as_str()))
        .redirect_uri(app.redirect_uri.parse().expect("url"))
        .accounts_url(sb.accounts_url(Dc::Us))
        .clock(move || clock.now_system());
    if let Some(ledger) = ledger {
        b = b.code_ledger(ledger);
    }
    b.build().expect("client")
}

/// Asks for an authorization URL for `user` and, when handed one, has `user` consent in the
/// sandbox (which issues the code). Returns the guard's refusal, if any.
async fn sign_in(sb: &Sandbox, client: &OAuthClient, user: Option<&str>) -> Result<(), Duration> {
    let mut options = AuthorizeOptions::new();
    if let Some(user) = user {
        options = options.for_user(user);
    }
    match client.authorize_url::<Portals>(&options).await {
        Ok((url, _pending)) => {
            sb.sign_in(user.unwrap_or(CY)).expect("known user");
            let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http");
            // A redirect with the code, or (once Zoho blocks) an error page: `codes_issued` tells.
            http.get(url).send().await.expect("authorize");
            Ok(())
        }
        Err(OAuthError::CodeRateLimited { retry_after }) => Err(retry_after),
        Err(other) => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn codes_are_counted_per_client_and_user() {
    let sb = sandbox().await;
    let client = oauth(&sb, None);
    for _ in 0..4 {
        sign_in(&sb, &client, Some(ANA)).await.expect("within Ana's four");
    }
    sb.clock().advance(Duration::from_secs(20));
    // Ana's fifth is refused here, with the exact wait: her first code leaves the window in 40 s.
    assert_eq!(sign_in(&sb, &client, Some(ANA)).await, Err(Duration::from_secs(40)));
    // Bo is not locked out by Ana's sign-ins, nor is an unknown user.
    for _ in 0..4 {
        sign_in(&sb, &client, Some(BO)).await.expect("within Bo's four");
    }
    sign_in(&sb, &client, None).await.expect("the unknown-user count is apart");
    assert_eq!(sb.counters().codes_issued, 9, "every URL handed out became a code; Zoho blocked no one");
    sb.clock().advance(Duration::from_secs(40));
    sign_in(&sb, &client, Some(ANA)).await.expect("Ana's first code left the window");
    assert_eq!(sb.counters().codes_issued, 10);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_fleet_sharing_redis_counts_once() {
    let Some(server) = redis_server::start() else { return };
    let sb = sandbox().await;
    // Two instances of one web app, each with its own Redis connection, one shared prefix.
    let connect = || async {
        RedisStore::builder(server.url())
            .prefix("fleet")
            .timeout(std::time::Duration::from_secs(30))
            .connect()
            .await
            .expect("redis")
    };
    let (a, b) = (oauth(&sb, Some(connect().await)), oauth(&sb, Some(connect().await)));
    for client in [&a, &b, &a, &b] {
        sign_in(&sb, client, Some(ANA)).await.expect("four between them");
        sb.clock().advance(Duration::from_secs(1));
    }
    // Together they handed out four: both refuse the fifth, with the time until the first
    // code (4 s ago) leaves the window.
    assert_eq!(sign_in(&sb, &a, Some(ANA)).await, Err(Duration::from_secs(56)));
    assert_eq!(sign_in(&sb, &b, Some(ANA)).await, Err(Duration::from_secs(56)));
    // Per user in the fleet too; and the sandbox issued every code and blocked nobody.
    sign_in(&sb, &b, Some(BO)).await.expect("Bo is counted apart");
    assert_eq!(sb.counters().codes_issued, 5);
    sb.clock().advance(Duration::from_secs(56));
    sign_in(&sb, &b, Some(ANA)).await.expect("a slot is free again");
    assert_eq!(sb.counters().codes_issued, 6);

    // Without the shared ledger, each instance counts alone: together they hand out 8 URLs in a
    // minute and Zoho (the sandbox) blocks Ana's fifth code.
    sb.clock().advance(Duration::from_secs(120));
    let (lone_a, lone_b) = (oauth(&sb, None), oauth(&sb, None));
    for client in [&lone_a, &lone_b, &lone_a, &lone_b, &lone_a] {
        sign_in(&sb, client, Some(ANA)).await.expect("each counts alone");
    }
    assert_eq!(sb.counters().codes_issued, 6 + 4, "the fifth URL met Zoho's block instead of a code");

    // The shared ledger down: no code is handed out, with a typed, transient error.
    drop(server);
    match a.authorize_url::<Portals>(&AuthorizeOptions::new().for_user(BO)).await {
        Err(e @ OAuthError::CodeGuardUnavailable { .. }) => assert!(e.is_transient()),
        other => panic!("expected CodeGuardUnavailable, got {other:?}"),
    }
    sb.shutdown().await;
}
