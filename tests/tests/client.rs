//! `Client<S>` really sends: a token generated as in Zoho's API console, a derived endpoint,
//! real HTTP against the sandbox.

#[path = "common/console.rs"]
mod console;
use console::console_token;

use std::time::Duration;
use zoho_projects::Error;
use zoho_projects::prelude::*;
use zoho_projects::{DynamicScopes, Token};
use zoho_sandbox::{Dc, Sandbox};

scope_set! {
    struct Browse = ["ZohoProjects.portals.READ", "ZohoProjects.projects.ALL"];
    struct PortalsOnly = ["ZohoProjects.portals.READ"];
}

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portals", scope = "ZohoProjects.portals.READ", response = Vec<serde_json::Value>)]
struct ListPortals;

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects", scope = "ZohoProjects.projects.READ",
       response = Vec<serde_json::Value>)]
struct ListProjects {
    #[zoho(path)]
    portal: String,
    #[zoho(query)]
    status: Option<String>,
    #[zoho(query)]
    per_page: u32,
}

#[derive(Endpoint)]
#[zoho(method = "POST", path = "/api/v3/portal/{portal}/projects/{project}/tasks", scope = "ZohoProjects.tasks.CREATE",
       response = serde_json::Value)]
struct CreateTask {
    #[zoho(path)]
    portal: String,
    #[zoho(path)]
    project: String,
    #[zoho(body)]
    body: serde_json::Value,
}

#[tokio::test]
async fn static_token_sends_and_decodes() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let scopes = ["ZohoProjects.portals.READ", "ZohoProjects.projects.ALL"];
    let access = console_token(&sb, &scopes).await;
    let token = Token::<Browse>::from_console(&access, &scopes.join(","), Duration::from_secs(3600)).expect("token");
    let client = Client::builder().api_base(sb.api_url(Dc::Us)).build(token).expect("client");

    let portals = client.send(ListPortals).await.expect("portals");
    let demo = sb.demo_portal(Dc::Us);
    assert!(portals.iter().any(|p| p["id"].as_str() == Some(&demo.id)), "{portals:?}");

    let projects = client
        .send(ListProjects { portal: demo.id.clone(), status: Some("active".into()), per_page: 50 })
        .await
        .expect("projects");
    assert_eq!(projects.len(), demo.projects.len());

    // The header is Zoho's, the token never travels in the URL, the query is encoded.
    let seen = sb.requests_seen();
    let last = seen.iter().rev().find(|r| r.path_and_query.contains("/projects")).expect("seen");
    assert!(last.path_and_query.ends_with("/projects?status=active&per_page=50"), "{}", last.path_and_query);
    let auth = last.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("authorization")).expect("auth header");
    assert_eq!(auth.1, format!("Zoho-oauthtoken {access}"));
    assert!(seen.iter().all(|r| !r.path_and_query.contains(&access)));

    // Narrowed clients share the token and still work.
    let narrow: Client<PortalsOnly> = client.narrow();
    assert_eq!(narrow.send(ListPortals).await.expect("portals").len(), portals.len());
    sb.shutdown().await;
}

#[tokio::test]
async fn dynamic_tokens_are_checked_before_sending() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let access = console_token(&sb, &["ZohoProjects.portals.READ"]).await;
    let token = Token::<Dynamic>::from_console(&access, "ZohoProjects.portals.READ", Duration::from_secs(3600))
        .expect("any scopes make a dynamic token");
    let client = Client::builder().api_base(sb.api_url(Dc::Us)).build(token.clone()).expect("client");
    assert!(!client.send_checked(ListPortals).await.expect("granted").is_empty());

    let before = sb.requests_seen().len();
    let demo = sb.demo_portal(Dc::Us);
    let call = CreateTask {
        portal: demo.id.clone(),
        project: demo.projects[0].id.clone(),
        body: serde_json::json!({"name": "x"}),
    };
    match client.send_checked(call).await {
        Err(Error::MissingScope(e)) => assert_eq!(e.missing, "ZohoProjects.tasks.CREATE"),
        other => panic!("expected a missing-scope error, got {other:?}"),
    }
    assert_eq!(sb.requests_seen().len(), before, "a missing scope is caught before any request");

    // Upgrading the dynamic token to a static set is checked too.
    assert!(token.clone().require::<PortalsOnly>().is_ok());
    let err = token.require::<Browse>().expect_err("projects.ALL was not granted");
    assert!(err.to_string().contains("ZohoProjects.projects.ALL"), "{err}");
    sb.shutdown().await;
}

#[tokio::test]
async fn zoho_errors_are_typed() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    // A token the server never minted: 401 with the invalid-token error, no retry possible.
    let token = Token::<Browse>::from_console(
        "1000.00000000000000000000000000000000.00000000000000000000000000000000",
        "ZohoProjects.portals.READ,ZohoProjects.projects.ALL",
        Duration::from_secs(3600),
    )
    .expect("token");
    let client = Client::builder().api_base(sb.api_url(Dc::Us)).build(token).expect("client");
    match client.send(ListPortals).await {
        Err(Error::Api(e)) => {
            assert_eq!(e.status, 401);
            assert!(e.is_invalid_token(), "{e}");
        }
        other => panic!("expected 401, got {other:?}"),
    }
    sb.shutdown().await;
}

#[test]
fn scope_sets_cost_nothing() {
    assert_eq!(std::mem::size_of::<Client<Browse>>(), std::mem::size_of::<Client<PortalsOnly>>());
    assert_eq!(std::mem::size_of::<Client<Browse>>(), std::mem::size_of::<Client<Dynamic>>());
    assert_eq!(std::mem::size_of::<Browse>(), 0);
    assert_eq!(std::mem::size_of::<zoho_projects::scopes::tasks::Delete>(), 0);
    assert_eq!(Browse::OAUTH, ["ZohoProjects.portals.READ", "ZohoProjects.projects.ALL"]);
    let granted = DynamicScopes::parse(Browse::OAUTH).expect("valid");
    assert!(granted.grants("ZohoProjects.projects.DELETE"));
}
