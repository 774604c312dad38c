//! Routes Zoho documents: the legacy users routes are served under their scope (FACTS §2.2
//! "Users", §2.4 `user_type`, §2.5 users shape); documented routes the sandbox does not emulate
//! answer as Zoho does for an unknown path.

mod common;

use common::{ALL_SCOPES, api_get};
use zoho_sandbox::Dc;

#[tokio::test]
async fn restapi_portal_and_project_users_are_served_under_their_scope() {
    let sb = common::start().await;
    let at = common::access(&sb).await;
    assert!(ALL_SCOPES.contains("ZohoProjects.users.ALL"));
    let portal = sb.demo_portal(Dc::Us);
    let project = &portal.projects[0];

    let (s, body) = api_get(&sb, &at, &format!("/restapi/portal/{}/users/?index=1&range=100", portal.v2_id)).await;
    assert_eq!(s, 200, "{body}");
    let users = body["users"].as_array().expect("{\"users\":[…]}");
    assert!(!users.is_empty());
    for u in users {
        assert!(u["id"].is_string() && u["name"].is_string() && u["email"].is_string() && u["role"].is_string(), "{u}");
    }
    let demo = sb.demo_user();
    assert!(users.iter().any(|u| u["email"] == demo.email.as_str()));
    // without a trailing slash too, and the portal by name
    assert_eq!(api_get(&sb, &at, &format!("/restapi/portal/{}/users?index=1&range=100", portal.v2_id)).await.0, 200);

    let (s, body) = api_get(
        &sb,
        &at,
        &format!("/restapi/portal/{}/projects/{}/users/?index=1&range=100", portal.v2_id, project.id),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let members = body["users"].as_array().unwrap();
    assert!(!members.is_empty() && members.len() <= users.len());

    // user_type: all = active here; inactive lists nobody (204, as an empty restapi page)
    let all =
        api_get(&sb, &at, &format!("/restapi/portal/{}/users/?index=1&range=100&user_type=all", portal.v2_id)).await;
    assert_eq!(all.1["users"].as_array().unwrap().len(), users.len());
    assert_eq!(
        api_get(&sb, &at, &format!("/restapi/portal/{}/users/?index=1&range=100&user_type=inactive", portal.v2_id))
            .await
            .0,
        204
    );
    let (s, e) =
        api_get(&sb, &at, &format!("/restapi/portal/{}/users/?index=1&range=100&user_type=gone", portal.v2_id)).await;
    assert_eq!((s, &e["error"]["code"]), (400, &serde_json::json!(6832)));

    // the scope is checked: ZohoProjects.users.READ (or ALL)
    let narrow = sb.mint_access_token(&demo.email, &["ZohoProjects.portals.READ"]).unwrap();
    let (s, e) = api_get(&sb, &narrow, &format!("/restapi/portal/{}/users/?index=1&range=100", portal.v2_id)).await;
    assert_eq!((s, &e["error"]["code"]), (400, &serde_json::json!(6403)), "{e}");
    let read = sb.mint_access_token(&demo.email, &["ZohoProjects.users.READ"]).unwrap();
    assert_eq!(api_get(&sb, &read, &format!("/restapi/portal/{}/users/?index=1&range=100", portal.v2_id)).await.0, 200);
    // other verbs on it are not emulated
    let (s, _) =
        common::api_send(&sb, &at, reqwest::Method::POST, &format!("/restapi/portal/{}/users/", portal.v2_id), None)
            .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn documented_routes_not_emulated_answer_as_unknown_paths() {
    let sb = common::start().await;
    let at = common::access(&sb).await;
    let portal = sb.demo_portal(Dc::Us);
    let pr = &portal.projects[0].id;
    // documented (FACTS §2.2) but not emulated: Zoho's unknown-path answers
    for path in [
        format!("/restapi/portal/{}/projects/{pr}/milestones/", portal.v2_id),
        format!("/restapi/portal/{}/projects/{pr}/bugs/", portal.v2_id),
        format!("/restapi/portal/{}/users/availcount/", portal.v2_id),
    ] {
        let (s, e) = api_get(&sb, &at, &path).await;
        assert_eq!((s, &e["error"]["code"]), (404, &serde_json::json!(6404)), "{path}: {e}");
        assert_eq!(e["error"]["message"], "Given URL is wrong");
    }
    for path in [format!("/api/v3/portal/{}/projects/{pr}/forums", portal.id), "/api/v3/nothing".to_owned()] {
        let (s, e) = api_get(&sb, &at, &path).await;
        assert_eq!((s, &e["error"]["title"]), (400, &serde_json::json!("URL_RULE_NOT_CONFIGURED")), "{path}: {e}");
    }
}
