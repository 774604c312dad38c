//! Portal and project membership (issue 15 item 6): a second seeded account with its own tokens
//! and portal cannot use the demo portal, and the demo users cannot use theirs; a project
//! member who is not a portal admin sees that project only. Zoho documents no shape for this
//! refusal; the sandbox answers like the swapped portal id [T-PT, V3.md §1 "Portal id"]:
//! V3 403 `NO_PERMISSION` (`AUTHORIZATION_ERROR`), restapi 400 code 6403.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};
use zoho_sandbox::{Dc, Error, Sandbox};

fn title(v: &Value) -> &str {
    v["error"]["title"].as_str().unwrap_or("")
}

/// A token of the second account, through the real authorization flow (its own consent).
async fn other_token(sb: &Sandbox) -> String {
    sb.sign_in(&sb.other_user().email).expect("the second user is seeded");
    let t = login(sb, ALL_SCOPES).await.0;
    sb.sign_in(&sb.demo_user().email).expect("demo user");
    t
}

async fn refused_v3(sb: &Sandbox, token: &str, path: &str) {
    let (s, b) = api_get(sb, token, path).await;
    assert_eq!((s, title(&b)), (403, "NO_PERMISSION"), "{path}: {b}");
    assert_eq!(b["error"]["error_type"], "AUTHORIZATION_ERROR", "{path}");
}

async fn refused_rest(sb: &Sandbox, token: &str, path: &str) {
    let (s, b) = api_get(sb, token, path).await;
    assert_eq!((s, b["error"]["code"].as_u64()), (400, Some(6403)), "{path}: {b}");
}

#[tokio::test]
async fn a_second_user_reads_only_their_own_portal() {
    let sb = start().await;
    let (demo_at, other_at) = (access(&sb).await, other_token(&sb).await);
    let (z, o) = (sb.demo_portal(Dc::Us), sb.other_portal());
    assert_ne!((&z.id, &z.v2_id), (&o.id, &o.v2_id));
    let (p1, t1) = (&z.projects[0].id, &z.projects[0].tasks[0]);
    let (op, ot) = (&o.projects[0].id, &o.projects[0].tasks[0]);

    // Each lists only their own portal, in both generations.
    let (s, b) = api_get(&sb, &other_at, "/api/v3/portals").await;
    assert_eq!((s, b.as_array().map(Vec::len)), (200, Some(1)), "{b}");
    assert_eq!(b[0]["id"], o.id.as_str());
    let (_, b) = api_get(&sb, &demo_at, "/api/v3/portals").await;
    assert_eq!((b.as_array().map(Vec::len), &b[0]["id"]), (Some(1), &json!(z.id)));
    let (s, b) = api_get(&sb, &other_at, "/restapi/portals/").await;
    assert_eq!((s, b["portals"].as_array().map(Vec::len)), (200, Some(1)), "{b}");
    assert_eq!(b["portals"][0]["id_string"], o.v2_id.as_str());

    // The second user cannot read the demo portal, its projects or tasks.
    for path in [
        format!("/api/v3/portal/{}", z.id),
        format!("/api/v3/portal/{}/projects", z.id),
        format!("/api/v3/portal/{}/projects/{p1}", z.id),
        format!("/api/v3/portal/{}/projects/{p1}/tasks", z.id),
        format!("/api/v3/portal/{}/projects/{p1}/tasks/{t1}", z.id),
        format!("/api/v3/portal/{}/tasks", z.id),
        format!("/api/v3/portal/{}/users", z.id),
    ] {
        refused_v3(&sb, &other_at, &path).await;
    }
    for path in [
        format!("/restapi/portal/{}/", z.v2_id),
        format!("/restapi/portal/{}/projects/", z.v2_id),
        format!("/restapi/portal/{}/projects/{p1}/tasks/", z.v2_id),
        format!("/restapi/portal/{}/projects/{p1}/tasks/{t1}/", z.v2_id),
        "/restapi/portal/zylker/projects/".to_owned(),
    ] {
        refused_rest(&sb, &other_at, &path).await;
    }
    // Nor write there: the task is not created.
    let (s, b) = api_send(
        &sb,
        &other_at,
        Method::POST,
        &format!("/api/v3/portal/{}/projects/{p1}/tasks", z.id),
        Some(json!({"name": "Planted"})),
    )
    .await;
    assert_eq!((s, title(&b)), (403, "NO_PERMISSION"), "{b}");
    assert_eq!(sb.demo_portal(Dc::Us).projects[0].tasks.len(), z.projects[0].tasks.len());

    // And the demo user cannot read theirs.
    refused_v3(&sb, &demo_at, &format!("/api/v3/portal/{}/projects/{op}/tasks", o.id)).await;
    refused_rest(&sb, &demo_at, &format!("/restapi/portal/{}/projects/{op}/tasks/", o.v2_id)).await;

    // The second user reads their own, in both generations.
    let (s, b) = api_get(&sb, &other_at, &format!("/api/v3/portal/{}/projects", o.id)).await;
    assert_eq!((s, b.as_array().map(Vec::len), &b[0]["key"]), (200, Some(1), &json!("IN1")), "{b}");
    let (s, b) = api_get(&sb, &other_at, &format!("/api/v3/portal/{}/projects/{op}/tasks", o.id)).await;
    assert_eq!((s, b["tasks"].as_array().map(Vec::len)), (200, Some(2)), "{b}");
    assert_eq!(api_get(&sb, &other_at, &format!("/api/v3/portal/{}/projects/{op}/tasks/{ot}", o.id)).await.0, 200);
    let (s, b) =
        api_get(&sb, &other_at, &format!("/restapi/portal/{}/projects/{op}/tasks/?index=1&range=100", o.v2_id)).await;
    assert_eq!((s, b["tasks"].as_array().map(Vec::len)), (200, Some(2)), "{b}");
    assert_eq!(api_get(&sb, &other_at, "/restapi/portal/initech/projects/?index=1&range=100").await.0, 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn forged_paths_do_not_reach_another_portals_data() {
    let sb = start().await;
    let other_at = other_token(&sb).await;
    let (z, o) = (sb.demo_portal(Dc::Us), sb.other_portal());
    let (p1, t1) = (&z.projects[0].id, &z.projects[0].tasks[0]);
    // The demo portal's project and task ids under the second user's own portal: not found there.
    let (s, b) = api_get(&sb, &other_at, &format!("/api/v3/portal/{}/projects/{p1}/tasks/{t1}", o.id)).await;
    assert_eq!((s, title(&b)), (400, "INVALID_PARAMETER_VALUE"), "{b}");
    let (s, b) = api_get(&sb, &other_at, &format!("/restapi/portal/{}/projects/{p1}/tasks/{t1}/", o.v2_id)).await;
    assert_eq!((s, b["error"]["code"].as_u64()), (404, Some(6504)), "{b}");
    // Their own portal's ids swapped between generations: refused like a permission error.
    refused_v3(&sb, &other_at, &format!("/api/v3/portal/{}/projects", o.v2_id)).await;
    refused_rest(&sb, &other_at, &format!("/restapi/portal/{}/projects/", o.id)).await;
    // Spellings of the demo portal's id: no portal, so "not found" rather than a way in.
    for forged in [format!("0{}", z.id), format!("{}%20", z.id), format!("{}x", z.id)] {
        let (s, b) = api_get(&sb, &other_at, &format!("/api/v3/portal/{forged}/projects/{p1}/tasks")).await;
        assert_eq!((s, title(&b)), (400, "INVALID_PARAMETER_VALUE"), "{forged}: {b}");
    }
    let (s, b) = api_get(&sb, &other_at, "/restapi/portal/Zylker/projects/").await;
    assert_eq!((s, b["error"]["code"].as_u64()), (404, Some(6504)), "{b}");
    // An unknown path under a portal they may not use stays an unknown path.
    let (s, b) = api_get(&sb, &other_at, &format!("/api/v3/portal/{}/nothing", z.id)).await;
    assert_eq!((s, title(&b)), (400, "URL_RULE_NOT_CONFIGURED"), "{b}");
    sb.shutdown().await;
}

#[tokio::test]
async fn a_project_member_sees_that_project_and_no_other() {
    let sb = start().await;
    let other_at = other_token(&sb).await;
    let other = sb.other_user();
    let (z, o) = (sb.demo_portal(Dc::Us), sb.other_portal());
    let (p1, p2) = (&z.projects[0], &z.projects[1]);
    refused_v3(&sb, &other_at, &format!("/api/v3/portal/{}/projects/{}/tasks", z.id, p1.id)).await;

    let zpuid = sb.add_project_member(Dc::Us, &p1.id, &other.email).expect("member");
    assert_eq!(sb.add_project_member(Dc::Us, &p1.id, &other.email).expect("again"), zpuid, "idempotent");

    // Now both portals are theirs.
    let (_, b) = api_get(&sb, &other_at, "/api/v3/portals").await;
    let mut ids: Vec<&str> = b.as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    let mut want = vec![z.id.as_str(), o.id.as_str()];
    want.sort_unstable();
    assert_eq!(ids, want);
    let (_, b) = api_get(&sb, &other_at, "/restapi/portals/").await;
    assert_eq!(b["portals"].as_array().map(Vec::len), Some(2), "{b}");
    // Each with the caller's own role there (the real sample carries "Employee").
    let role =
        |id: &str| b["portals"].as_array().unwrap().iter().find(|p| p["id_string"] == id).unwrap()["role"].clone();
    assert_eq!((role(&z.v2_id), role(&o.v2_id)), (json!("Employee"), json!("admin")));

    // In the demo portal: that project, its tasks, and nothing of the other project.
    let (s, b) = api_get(&sb, &other_at, &format!("/api/v3/portal/{}/projects", z.id)).await;
    assert_eq!((s, b.as_array().map(Vec::len), &b[0]["id"]), (200, Some(1), &json!(p1.id)), "{b}");
    let (s, b) = api_get(&sb, &other_at, &format!("/api/v3/portal/{}/projects/{}/tasks", z.id, p1.id)).await;
    assert_eq!((s, b["tasks"].as_array().map(Vec::len)), (200, Some(p1.tasks.len())), "{b}");
    let (s, b) = api_get(&sb, &other_at, &format!("/api/v3/portal/{}/tasks?per_page=100", z.id)).await;
    let all: Vec<&str> = b["tasks"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(s, 200);
    assert!(all.iter().all(|t| p1.tasks.iter().any(|x| x == t)), "portal-wide tasks of p1 only: {all:?}");
    refused_v3(&sb, &other_at, &format!("/api/v3/portal/{}/projects/{}", z.id, p2.id)).await;
    refused_v3(&sb, &other_at, &format!("/api/v3/portal/{}/projects/{}/tasks/{}", z.id, p2.id, p2.tasks[0])).await;
    let (s, b) = api_get(&sb, &other_at, &format!("/restapi/portal/{}/projects/?index=1&range=100", z.v2_id)).await;
    assert_eq!((s, b["projects"].as_array().map(Vec::len)), (200, Some(1)), "{b}");
    let (s, b) =
        api_get(&sb, &other_at, &format!("/restapi/portal/{}/projects/{}/tasks/?index=1&range=100", z.v2_id, p1.id))
            .await;
    assert_eq!((s, b["tasks"].as_array().map(Vec::len)), (200, Some(p1.tasks.len() - 1)), "main tasks: {b}");
    refused_rest(&sb, &other_at, &format!("/restapi/portal/{}/projects/{}/tasks/", z.v2_id, p2.id)).await;
    // The portal's people list them now, as an employee.
    let (_, b) = api_get(&sb, &other_at, &format!("/api/v3/portal/{}/users", z.id)).await;
    assert!(b["users"].as_array().unwrap().iter().any(|u| u["email"] == other.email.as_str()), "{b}");

    // Bad seed calls are typed errors and change nothing.
    let bad = sb.add_project_member(Dc::Us, &format!("0{}", p2.id), &other.email);
    assert!(matches!(bad, Err(Error::UnknownProject(_))), "{bad:?}");
    let bad = sb.add_project_member(Dc::Eu, &o.projects[0].id, &other.email); // a US portal's project
    assert!(matches!(bad, Err(Error::UnknownProject(_))), "{bad:?}");
    let bad = sb.add_project_member(Dc::Us, &p2.id, "nobody@nowhere.example");
    assert!(matches!(bad, Err(Error::UnknownUser(_))), "{bad:?}");
    refused_v3(&sb, &other_at, &format!("/api/v3/portal/{}/projects/{}", z.id, p2.id)).await;
    sb.shutdown().await;
}

#[tokio::test]
async fn the_control_api_names_the_second_user_and_adds_project_members() {
    let sb = start().await;
    let base = sb.control_url().expect("control API on");
    let info = sb.info();
    assert_eq!(info["other_user"]["email"], sb.other_user().email.as_str());
    assert_eq!(info["other_portal"]["id"], sb.other_portal().id.as_str());
    assert_eq!(info["other_portal"]["v2_id"], sb.other_portal().v2_id.as_str());
    let other_at = other_token(&sb).await;
    let z = sb.demo_portal(Dc::Us);
    let p2 = &z.projects[1].id;
    let path = format!("/api/v3/portal/{}/projects/{p2}", z.id);
    refused_v3(&sb, &other_at, &path).await;

    let url = format!("{base}/project-members");
    let send = |b: Value| status_and_json(http().post(&url).json(&b));
    let (s, b) = send(json!({"project_id": p2, "email": "nobody@nowhere.example"})).await;
    assert_eq!((s, &b["error"]), (404, &json!("unknown_user")), "{b}");
    let (s, b) = send(json!({"project_id": "1", "email": sb.other_user().email})).await;
    assert_eq!((s, &b["error"]), (404, &json!("unknown_project")), "{b}");
    let (s, b) = send(json!({"project_id": p2, "email": sb.other_user().email, "role": "admin"})).await;
    assert_eq!((s, &b["error"]), (400, &json!("invalid_json")), "{b}");
    refused_v3(&sb, &other_at, &path).await;

    let (s, b) = send(json!({"dc": "us", "project_id": p2, "email": sb.other_user().email})).await;
    assert_eq!(s, 201, "{b}");
    assert!(b["zpuid"].as_str().is_some_and(|z| !z.is_empty()), "{b}");
    assert_eq!(api_get(&sb, &other_at, &path).await.0, 200);
    sb.shutdown().await;
}
