//! The run-time half of the scope guarantee: every token a `Client<S>` sends passed a check
//! against `S`, whatever the token source (one of the user's own, a manager reading a store
//! another program wrote). A token that fails is a typed error and the sandbox sees nothing.

#[path = "common/console.rs"]
mod console;
use console::{console_token, sandbox_oauth};

use std::time::{Duration, SystemTime};
use zoho_projects::Error;
use zoho_projects::prelude::*;
use zoho_projects::store::{FileStore, StoreKey};
use zoho_projects::{AccessToken, DynamicScopes, ScopedToken, TokenManager, async_trait};
use zoho_sandbox::{Dc, Sandbox};

scope_set! {
    struct Reader = ["ZohoProjects.portals.READ"];
    struct Admin = ["ZohoProjects.portals.READ", "ZohoProjects.tasks.ALL"];
}

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portals", scope = "ZohoProjects.portals.READ", response = Vec<serde_json::Value>)]
struct ListPortals;

/// A source of the user's own, done the documented way: tokens kept with the scopes they were
/// granted, handed out through `ScopedToken::check`. The set it claims is `S`.
struct Vault<S> {
    secret: String,
    granted: &'static str,
    _set: std::marker::PhantomData<fn() -> S>,
}

impl<S> Vault<S> {
    fn new(secret: &str, granted: &'static str) -> Self {
        Vault { secret: secret.to_owned(), granted, _set: std::marker::PhantomData }
    }
}

#[async_trait]
impl<S: ScopeSet + Send + Sync> TokenSource for Vault<S> {
    type Scopes = S;

    async fn access_token(&self) -> Result<ScopedToken<S>, Error> {
        let scopes =
            DynamicScopes::parse_list(self.granted).map_err(|e| Error::config_caused_by("the granted scopes", e))?;
        let token = AccessToken::new(self.secret.as_str(), SystemTime::now() + Duration::from_secs(3600), scopes);
        Ok(ScopedToken::check(token)?)
    }
}

fn api_requests(sb: &Sandbox) -> usize {
    sb.requests_seen().iter().filter(|r| r.path_and_query.starts_with("/api/")).count()
}

#[tokio::test]
async fn a_custom_source_claiming_more_than_its_token_sends_nothing() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let access = console_token(&sb, &["ZohoProjects.portals.READ"]).await;

    // The same real token, claimed as `Admin`: refused before any request leaves.
    let forged =
        Client::builder().api_base(sb.api_url(Dc::Us)).build(Vault::<Admin>::new(&access, "ZohoProjects.portals.READ"));
    let forged = forged.expect("client");
    match forged.send(ListPortals).await {
        Err(Error::ScopeMismatch(m)) => {
            assert_eq!(m.requested, ["ZohoProjects.portals.READ", "ZohoProjects.tasks.ALL"]);
            assert_eq!(m.granted, ["ZohoProjects.portals.READ"]);
        }
        other => panic!("expected a scope mismatch, got {other:?}"),
    }
    assert_eq!(sb.counters().api_requests, 0);
    assert_eq!(api_requests(&sb), 0, "the sandbox saw no API request");

    // Claimed as what it was granted, the same source works: exactly one request.
    let honest = Client::builder()
        .api_base(sb.api_url(Dc::Us))
        .build(Vault::<Reader>::new(&access, "ZohoProjects.portals.READ"));
    let portals = honest.expect("client").send(ListPortals).await.expect("granted");
    assert!(!portals.is_empty());
    assert_eq!(sb.counters().api_requests, 1);
    assert_eq!(api_requests(&sb), 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_store_record_for_a_smaller_set_is_not_handed_out_as_a_larger_one() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let app = sb.demo_client();
    let (oauth, now) = sandbox_oauth(&sb);
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("tokens.json");
    let key = StoreKey::new(sb.accounts_url(Dc::Us), &app.client_id, "me");

    // One program signs in for `Reader` and stores its token...
    let code = sb.self_client_code(&app.client_id, &["ZohoProjects.portals.READ"]).expect("code");
    let token = oauth.exchange_self_client_code::<Reader>(&code).await.expect("token");
    let reader = TokenManager::builder::<Reader>(oauth.clone(), key.clone())
        .store(FileStore::new(&path))
        .clock(now.clone())
        .build();
    reader.login(token).await.expect("login");

    // ...another, for `Admin`, reads the same key: the record lacks `tasks.ALL`, so it is not
    // used, and the refresh it leads to is checked as well.
    let admin = TokenManager::builder::<Admin>(oauth, key).store(FileStore::new(&path)).clock(now).build();
    let client = Client::builder().api_base(sb.api_url(Dc::Us)).no_rate_limit().build(admin).expect("client");
    match client.send(ListPortals).await {
        Err(Error::ScopeMismatch(m)) => assert!(m.requested.contains(&"ZohoProjects.tasks.ALL".to_owned()), "{m}"),
        other => panic!("expected a scope mismatch, got {other:?}"),
    }
    assert_eq!(sb.counters().api_requests, 0);
    assert_eq!(api_requests(&sb), 0, "the sandbox saw no API request");
    sb.shutdown().await;
}
