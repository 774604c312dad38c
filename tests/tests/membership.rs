//! A user who may not use a portal, through the public API with a `TokenManager` (issue 15
//! item 6): the sandbox's second account signs in through the browser flow, and the permission
//! refusal on the demo portal costs exactly one request: no token refresh (it is not a bad
//! token), no retry (it is not transient). Their own portal works with the same client.

use std::time::Duration;

use zoho_projects::manager::TokenManager;
use zoho_projects::oauth::{AuthorizeOptions, OAuthClient};
use zoho_projects::prelude::*;
use zoho_projects::store::{MemoryStore, StoreKey};
use zoho_projects::v3::projects;
use zoho_projects::{ClientSecret, Error, RetryPolicy};
use zoho_sandbox::{Dc, Route, Sandbox};

scope_set! { struct Reader = ["ZohoProjects.portals.READ", "ZohoProjects.projects.READ"]; }

#[tokio::test]
async fn a_permission_refusal_costs_one_request_and_no_refresh() {
    let sb = Sandbox::builder().auto_approve(true).start().await.expect("sandbox");
    let other = sb.other_user();
    sb.sign_in(&other.email).expect("the second account is seeded");
    let app = sb.demo_client();
    let clock = sb.clock();
    let oauth = OAuthClient::builder(&app.client_id, ClientSecret::new(app.client_secret.as_str()))
        .accounts_url(sb.accounts_url(Dc::Us))
        .redirect_uri(app.redirect_uri.parse().expect("redirect"))
        .clock(move || clock.now_system())
        .build()
        .expect("oauth client");
    let (url, pending) = oauth.authorize_url::<Reader>(&AuthorizeOptions::new().offline()).await.expect("url");
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http");
    let page = http.get(url).send().await.expect("authorization page");
    let callback = page.headers()["location"].to_str().expect("callback").to_owned();
    let token = oauth.complete(pending, &callback).await.expect("the second account's own token");
    let key = StoreKey::new(sb.accounts_url(Dc::Us).as_str(), app.client_id.as_str(), other.email.as_str());
    let clock = sb.clock();
    let manager =
        TokenManager::builder::<Reader>(oauth, key).store(MemoryStore::new()).clock(move || clock.now_system()).build();
    manager.login(token).await.expect("stored");
    let client = Client::builder()
        .api_base(sb.api_url(Dc::Us))
        .retry(RetryPolicy::default().sleeper(|_| async {}))
        .build(manager)
        .expect("client");

    let (z, o) = (sb.demo_portal(Dc::Us), sb.other_portal());
    let before = sb.counters();
    let err = client.send(projects::ListProjects::new(z.id.as_str())).await.expect_err("not a member");
    let Error::Api(api) = &err else { panic!("expected a Zoho error, got {err:?}") };
    assert_eq!((api.status, api.code().as_str()), (403, "NO_PERMISSION"), "{api}");
    let after = sb.counters();
    assert_eq!(after.requests(&Route::Api) - before.requests(&Route::Api), 1, "no retry");
    assert_eq!(after.token_requests, before.token_requests, "no refresh");

    let own = client.send(projects::ListProjects::new(o.id.as_str())).await.expect("their own portal");
    assert_eq!(own.len(), 1);
    // The token itself was fine all along: two hours later one refresh, then their portal again.
    sb.clock().advance(Duration::from_secs(2 * 3600));
    client.send(projects::ListProjects::new(o.id.as_str())).await.expect("after a refresh");
    assert_eq!(sb.counters().refresh_grants - after.refresh_grants, 1);
    sb.shutdown().await;
}
