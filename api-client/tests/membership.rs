//! A user who is not a member of a portal or project, through `zoho-projects` against the
//! sandbox's second seeded account (issue 15 item 6): the refusal arrives as a typed Zoho error
//! that is not mistaken for a missing scope or a bad token (no refresh, no retry: one request),
//! and joining a project opens that project only.

use std::time::Duration;

use zoho_projects::prelude::*;
use zoho_projects::v3::{portals, projects, tasks};
use zoho_projects::{ApiError, Error, ZohoError};
use zoho_sandbox::{Dc, Sandbox};

scope_set! {
    struct Reader = ["ZohoProjects.portals.READ", "ZohoProjects.projects.READ", "ZohoProjects.tasks.READ"];
}

const SCOPES: [&str; 3] = ["ZohoProjects.portals.READ", "ZohoProjects.projects.READ", "ZohoProjects.tasks.READ"];

/// A client of the second account (another company's user), on the strict default sandbox.
async fn other_client() -> (Sandbox, Client<Reader>) {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let access = sb.mint_access_token(&sb.other_user().email, &SCOPES).expect("token");
    let token = Token::<Reader>::from_console(&access, &SCOPES.join(","), Duration::from_secs(3600)).expect("token");
    let client = Client::builder().api_base(sb.api_url(Dc::Us)).build(token).expect("client");
    (sb, client)
}

fn api_err<T: std::fmt::Debug>(r: Result<T, Error>) -> ApiError {
    match r {
        Err(Error::Api(e)) => e,
        other => panic!("expected a Zoho error, got {other:?}"),
    }
}

/// A permission refusal: not a scope problem, not a token problem (so no refresh), not worth
/// retrying, and explained as such.
fn assert_no_access(e: &ApiError, status: u16, code: &str) {
    assert_eq!((e.status, e.code().as_str()), (status, code), "{e}");
    assert!(!e.is_missing_scope() && !e.is_invalid_token() && !e.is_transient(), "{e}");
    assert!(e.meaning().contains("portal or project"), "{}", e.meaning());
}

#[tokio::test]
async fn a_non_member_gets_a_typed_refusal_once_and_reads_their_own_portal() {
    let (sb, client) = other_client().await;
    let (z, o) = (sb.demo_portal(Dc::Us), sb.other_portal());
    let (p1, t1) = (z.projects[0].id.as_str(), z.projects[0].tasks[0].as_str());

    // Their portal list holds their own portal only.
    let mine = client.send(portals::ListPortals).await.expect("portals");
    let ids: Vec<String> = mine.iter().map(|p| p.id.to_string()).collect();
    assert_eq!(ids, [o.id.as_str()]);

    // The demo portal: one request each, refused, nothing refreshed or retried.
    let before = sb.requests_seen().len();
    let e = api_err(client.send(projects::ListProjects::new(z.id.as_str())).await);
    assert_no_access(&e, 403, "NO_PERMISSION");
    assert!(matches!(&e.zoho, ZohoError::V3 { error_type: Some(t), .. } if t == "AUTHORIZATION_ERROR"), "{e}");
    let e = api_err(client.send(tasks::GetTask::new(z.id.as_str(), p1, t1)).await);
    assert_no_access(&e, 403, "NO_PERMISSION");
    let seen = sb.requests_seen();
    assert_eq!(seen.len() - before, 2, "one request per call, no retry");
    assert!(seen[before].path_and_query.starts_with(&format!("/api/v3/portal/{}/projects", z.id)));

    // Their own portal reads normally.
    let own = client.send(projects::ListProjects::new(o.id.as_str())).await.expect("own projects");
    assert_eq!(own.iter().map(|p| p.id.to_string()).collect::<Vec<_>>(), [o.projects[0].id.as_str()]);
    let own_tasks =
        client.send(tasks::ListTasks::new(o.id.as_str(), o.projects[0].id.as_str())).await.expect("own tasks");
    assert_eq!(own_tasks.len(), 2);
    sb.shutdown().await;
}

#[cfg(feature = "restapi")]
#[tokio::test]
async fn the_restapi_refusal_is_not_read_as_a_missing_scope() {
    use zoho_projects::restapi::endpoints as rest;
    let (sb, client) = other_client().await;
    let (z, o) = (sb.demo_portal(Dc::Us), sb.other_portal());
    let e = api_err(client.send(rest::ListTasks::new(z.v2_id.as_str(), z.projects[0].id.as_str())).await);
    assert_no_access(&e, 400, "6403");
    let own = client.send(rest::ListTasks::new(o.v2_id.as_str(), o.projects[0].id.as_str())).await.expect("own");
    assert_eq!(own.map(|p| p.items.len()), Some(2));
    sb.shutdown().await;
}

#[tokio::test]
async fn joining_a_project_opens_that_project_only() {
    let (sb, client) = other_client().await;
    let z = sb.demo_portal(Dc::Us);
    let (p1, p2) = (&z.projects[0], &z.projects[1]);
    sb.add_project_member(Dc::Us, &p1.id, &sb.other_user().email).expect("member");

    let list = client.send(projects::ListProjects::new(z.id.as_str())).await.expect("projects");
    assert_eq!(list.iter().map(|p| p.id.to_string()).collect::<Vec<_>>(), [p1.id.as_str()]);
    let t = client.send(tasks::ListTasks::new(z.id.as_str(), p1.id.as_str())).await.expect("tasks");
    assert_eq!(t.len(), p1.tasks.len());
    let e = api_err(client.send(projects::GetProject::new(z.id.as_str(), p2.id.as_str())).await);
    assert_no_access(&e, 403, "NO_PERMISSION");
    assert_eq!(client.send(portals::ListPortals).await.expect("portals").len(), 2);
    sb.shutdown().await;
}
