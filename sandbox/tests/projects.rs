//! The Projects API: V3 resources, envelopes, errors, paging, scopes, rate limit; restapi.

mod common;

use std::time::Duration;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};
use zoho_sandbox::{Dc, Limits};

struct Env {
    sb: zoho_sandbox::Sandbox,
    at: String,
    portal: String,
    /// The restapi id of the same portal.
    v2: String,
    p1: String,
    p2: String,
}

async fn env() -> Env {
    env_with(Limits::default()).await
}

async fn env_with(limits: Limits) -> Env {
    let sb = start_with(limits).await;
    let at = access(&sb).await;
    let d = sb.demo_portal(Dc::Us);
    Env {
        portal: d.id.clone(),
        v2: d.v2_id.clone(),
        p1: d.projects[0].id.clone(),
        p2: d.projects[1].id.clone(),
        sb,
        at,
    }
}

impl Env {
    fn p(&self, rest: &str) -> String {
        format!("/api/v3/portal/{}{}", self.portal, rest)
    }
    async fn get(&self, rest: &str) -> (u16, Value) {
        api_get(&self.sb, &self.at, &self.p(rest)).await
    }
    async fn send(&self, m: Method, rest: &str, body: Value) -> (u16, Value) {
        api_send(&self.sb, &self.at, m, &self.p(rest), Some(body)).await
    }
    async fn raw(&self, m: Method, rest: &str, ct: &str, body: &'static [u8]) -> (u16, Value) {
        let r =
            api(&self.sb, &self.at, m, &self.p(rest)).await.header("content-type", ct).body(body).send().await.unwrap();
        let s = r.status().as_u16();
        (s, serde_json::from_slice(&r.bytes().await.unwrap()).unwrap_or(Value::Null))
    }
}

fn is_id19(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.len() == 19 && s.chars().all(|c| c.is_ascii_digit()))
}

fn title(v: &Value) -> &str {
    v["error"]["title"].as_str().unwrap_or("")
}

#[tokio::test]
async fn portals_list_is_a_bare_array_and_details_are_wrapped() {
    let e = env().await;
    let (s, b) = api_get(&e.sb, &e.at, "/api/v3/portals").await;
    assert_eq!(s, 200);
    assert_eq!(b.as_array().unwrap().len(), 1);
    assert_eq!(b[0]["id"], e.portal.as_str());
    assert_eq!(b[0]["portal_name"], "zylker");
    let (s, b) = e.get("").await;
    assert_eq!(s, 200);
    assert_eq!(b["portal_details"]["id"], e.portal.as_str());
    assert!(b["portal_details"]["owner"]["full_name"].is_string());
    // a wrong portal id
    let (s, b) = api_get(&e.sb, &e.at, "/api/v3/portal/123456789/projects").await;
    assert_eq!(s, 400);
    assert_eq!(title(&b), "INVALID_PARAMETER_VALUE");
    // the plural form is not a route
    let (s, b) = api_get(&e.sb, &e.at, &format!("/api/v3/portals/{}/projects", e.portal)).await;
    assert_eq!(s, 400);
    assert_eq!(title(&b), "URL_RULE_NOT_CONFIGURED");
}

#[tokio::test]
async fn error_shape_unknown_paths_and_wrong_methods() {
    let e = env().await;
    let path = e.p("/forums");
    let (s, b) = api_get(&e.sb, &e.at, &path).await;
    assert_eq!(s, 400);
    assert_eq!(
        b,
        json!({"error": {"status_code": "400", "instance": path, "title": "URL_RULE_NOT_CONFIGURED",
                         "error_type": "FIELDS_VALIDATION_ERROR", "details": [{"message": "Given URL is wrong"}]}})
    );
    for p in ["/api/v3", "/api/v2/portals", "/api/v3/nothing/here", "/api"] {
        let (s, b) = api_get(&e.sb, &e.at, p).await;
        assert_eq!((s, title(&b)), (400, "URL_RULE_NOT_CONFIGURED"), "{p}");
    }
    let (s, b) = e
        .send(
            Method::PUT,
            &format!("/projects/{}/tasks/{}", e.p1, e.sb.demo_portal(Dc::Us).projects[0].tasks[0]),
            json!({"name": "x"}),
        )
        .await;
    assert_eq!((s, title(&b)), (405, "INVALID_METHOD"));
    let (s, b) = e.send(Method::DELETE, &format!("/projects/{}", e.p1), json!({})).await;
    assert_eq!((s, title(&b)), (405, "INVALID_METHOD"));
    let (s, b) = api_send(&e.sb, &e.at, Method::POST, "/api/v3/portals", None).await;
    assert_eq!((s, title(&b)), (405, "INVALID_METHOD"));
    // an unknown id
    let (s, b) = e.get(&format!("/projects/{}/tasks/1234", e.p1)).await;
    assert_eq!((s, title(&b)), (400, "INVALID_PARAMETER_VALUE"));
    assert_eq!(b["error"]["details"][0]["field_name"], "task_id");
}

#[tokio::test]
async fn projects_crud_and_trash() {
    let e = env().await;
    let (s, b) = e.get("/projects").await;
    assert_eq!(s, 200);
    let arr = b.as_array().expect("bare array");
    assert_eq!(arr.len(), 2);
    let p = &arr[0];
    assert!(is_id19(&p["id"]));
    assert_eq!(p["project_type"], "active");
    assert!(p["owner"]["zuid"].is_u64() && is_id19(&p["owner"]["zpuid"]));
    assert!(p["created_time"].as_str().unwrap().ends_with('Z'));
    assert_eq!(p["start_date"], "2025-03-05");
    assert!(p.get("id_string").is_none() && p.get("link").is_none());
    assert!(p["tasks"]["open_count"].is_u64());

    let (s, created) = e
        .send(
            Method::POST,
            "/projects",
            json!({"name": "Office Move", "start_date": "2025-06-01", "end_date": "2025-07-01"}),
        )
        .await;
    assert_eq!(s, 201);
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["name"], "Office Move");
    let (s, _) = e.send(Method::POST, "/projects", json!({"name": "Office Move"})).await;
    assert_eq!(s, 400, "duplicate name");
    let (s, b) = e
        .send(
            Method::PATCH,
            &format!("/projects/{id}"),
            json!({"project_type": "archived", "description": "<div>x</div>"}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(b["project_type"], "archived");
    let (_, b) = e.get("/projects?status=archived").await;
    assert_eq!(b.as_array().unwrap().len(), 1);
    let (_, b) = e.get("/projects?status=active").await;
    assert_eq!(b.as_array().unwrap().len(), 2);
    let (s, b) = e.get("/projects?status=weird").await;
    assert_eq!((s, title(&b)), (400, "INVALID_PARAMETER_VALUE"));
    // a new project has a General task list
    let (_, b) = e.get(&format!("/projects/{id}/tasklists")).await;
    assert_eq!(b["tasklists"][0]["name"], "General");
    let (s, b) = e.send(Method::POST, &format!("/projects/{id}/trash"), json!({})).await;
    assert_eq!((s, b), (204, Value::Null));
    let (s, _) = e.get(&format!("/projects/{id}")).await;
    assert_eq!(s, 400);
    let (s, b) = e.get(&format!("/projects/{}", e.p2)).await;
    assert_eq!(s, 200);
    assert_eq!(b["name"], "Mobile App");
}

#[tokio::test]
async fn body_validation_titles() {
    let e = env().await;
    let tasks = format!("/projects/{}/tasks", e.p1);
    let cases = [
        (json!({"name": "t", "colour": "red"}), "EXTRA_KEY_FOUND_IN_JSON", Some("colour")),
        (json!({"name": "t", "priority": "urgent"}), "INVALID_PARAMETER_VALUE", Some("priority")),
        (json!({"name": 5}), "INVALID_PARAMETER_VALUE", Some("name")),
        (json!({"name": "   "}), "INVALID_PARAMETER_VALUE", Some("name")),
        (json!({"description": "no name"}), "LESS_THAN_MIN_OCCURANCE", Some("name")),
        (json!({"name": "t", "owners_and_work": [{"zpuid": "1"}]}), "JSON_PARSE_ERROR", None),
        (json!({"name": "t", "assignees": ["1"]}), "INVALID_PARAMETER_VALUE", Some("assignees")),
        (json!({"name": "t", "parent_task": {"id": "1"}}), "INVALID_PARAMETER_VALUE", Some("parent_task")),
        (json!({"name": "t", "status": "Open"}), "INVALID_PARAMETER_VALUE", Some("status")),
        (json!({"name": "t", "tasklist": {"id": "42"}}), "INVALID_PARAMETER_VALUE", Some("tasklist")),
        (json!({"name": "t", "start_date": "yesterday"}), "INVALID_PARAMETER_VALUE", Some("start_date")),
        (json!({"name": "t", "completion_percentage": 101}), "INVALID_PARAMETER_VALUE", Some("completion_percentage")),
        (json!(["name"]), "JSON_PARSE_ERROR", None),
    ];
    for (body, t, field) in cases {
        let (s, b) = e.send(Method::POST, &tasks, body.clone()).await;
        assert_eq!((s, title(&b)), (400, t), "{body}");
        assert_eq!(b["error"]["status_code"], "400");
        if let Some(f) = field {
            assert_eq!(b["error"]["details"][0]["field_name"], f, "{body}");
        }
    }
    let (s, b) = e.raw(Method::POST, &tasks, "application/json", b"{\"name\": ").await;
    assert_eq!((s, title(&b)), (400, "JSON_PARSE_ERROR"));
    let (s, b) = e.raw(Method::POST, &tasks, "application/x-www-form-urlencoded", b"name=t").await;
    assert_eq!((s, title(&b)), (400, "JSON_PARSE_ERROR"));
    let (s, b) = e.raw(Method::POST, &tasks, "application/json", b"\xff\xfe\x00garbage").await;
    assert_eq!((s, title(&b)), (400, "JSON_PARSE_ERROR"));
    // keys Zoho silently ignores
    let (s, b) = e
        .send(
            Method::POST,
            &tasks,
            json!({"name": "ignored keys", "milestone_id": "1", "tasklist_id": "2", "owners": [], "depth": 1}),
        )
        .await;
    assert_eq!(s, 201);
    assert_eq!(b["depth"], 0);
    // a huge body
    // A body past the limit (1 MiB): 413 with Zoho's V3 error, whatever the client had left to
    // send; the server keeps serving.
    let url = e.sb.api_url(Dc::Us).join(e.p(&tasks).trim_start_matches('/')).unwrap();
    let auth = format!("Zoho-oauthtoken {}", e.at);
    let headers = [("Authorization", auth.as_str()), ("Content-Type", "application/json")];
    let (status, body) = oversized_post(&url, &headers, 2 << 20, (1 << 20) + 1).await;
    assert_eq!(status, 413, "{body}");
    let b: Value = serde_json::from_str(&body).unwrap_or_else(|err| panic!("{err}: {body}"));
    assert_eq!(b["error"]["status_code"], "413");
    assert_eq!(e.get("/projects").await.0, 200);
}

#[tokio::test]
async fn tasks_crud_move_and_mytasks() {
    let e = env().await;
    let d = e.sb.demo_portal(Dc::Us);
    let tasks = format!("/projects/{}/tasks", e.p1);
    let (s, b) = e.get(&tasks).await;
    assert_eq!(s, 200);
    assert_eq!(b["tasks"].as_array().unwrap().len(), 7);
    assert_eq!(b["page_info"], json!({"page": 1, "per_page": 100, "has_next_page": false}));
    let t0 = &b["tasks"][0];
    assert!(is_id19(&t0["id"]) && is_id19(&t0["tasklist"]["id"]) && is_id19(&t0["status"]["id"]));
    assert_eq!(t0["prefix"], "ZY1-T1");
    assert!(t0["owners_and_work"]["owners"][0]["zpuid"].is_string());
    assert!(t0["start_date"].as_str().unwrap().ends_with(".000Z"));
    // the seeded subtask
    assert_eq!(b["tasks"][6]["parental_info"]["parent_task_id"], t0["id"]);

    let lena = e.sb.users().into_iter().find(|u| u.email.starts_with("lena")).unwrap();
    let (_, tags) = e.get("/tags").await;
    let urgent = tags["tags"].as_array().unwrap().iter().find(|t| t["name"] == "urgent").unwrap()["id"].clone();
    let (s, c) = e
        .send(
            Method::POST,
            &tasks,
            json!({
                "name": "Write tests", "priority": "high", "tasklist": {"id": d.projects[0].tasklists[1]},
                "start_date": "2025-07-01T09:00:00.000Z", "end_date": "2025-07-03T17:00:00.000Z",
                "owners_and_work": {"owners": [{"zpuid": lena.zpuid}]}, "tags": [{"id": urgent}]
            }),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let id = c["id"].as_str().unwrap().to_owned();
    assert_eq!(c["prefix"], "ZY1-T8");
    assert_eq!(c["tasklist"]["id"], d.projects[0].tasklists[1].as_str());
    assert_eq!(c["owners_and_work"]["owners"][0]["email"], "lena@zylker.example");
    assert_eq!(c["tags"][0]["name"], "urgent");
    let (_, g) = e.get(&format!("{tasks}/{id}")).await;
    assert_eq!(g, c);
    // without a task list it lands in General
    let (_, c2) = e.send(Method::POST, &tasks, json!({"name": "Anywhere"})).await;
    assert_eq!(c2["tasklist"]["name"], "General");

    let closed = "2447529000000016074";
    let (s, u) = e
        .send(Method::PATCH, &format!("{tasks}/{id}"), json!({"status": {"id": closed}, "name": "Write more tests"}))
        .await;
    assert_eq!(s, 200);
    assert_eq!(u["status"]["is_closed_type"], true);
    assert_eq!(u["name"], "Write more tests");
    assert_eq!(u["completion_percentage"], 100);

    let (s, m) = e
        .send(Method::POST, &format!("{tasks}/{id}/move"), json!({"target_tasklist_id": d.projects[0].tasklists[2]}))
        .await;
    assert_eq!(s, 200);
    assert_eq!(m["tasklist"]["id"], d.projects[0].tasklists[2].as_str());
    let (s, b) = e
        .send(Method::POST, &format!("{tasks}/{id}/move"), json!({"target_tasklist_id": d.projects[1].tasklists[0]}))
        .await;
    assert_eq!((s, title(&b)), (400, "INVALID_PARAMETER_VALUE"));
    let (_, b) = e.get(&format!("/projects/{}/tasklists/{}/tasks", e.p1, d.projects[0].tasklists[2])).await;
    assert!(b["tasks"].as_array().unwrap().iter().any(|t| t["id"] == id.as_str()));

    // mytasks: tasks owned by the demo user
    let (_, b) = e.get("/mytasks").await;
    let me = e.sb.demo_user().zpuid;
    let mine = b["tasks"].as_array().unwrap();
    assert!(!mine.is_empty());
    assert!(
        mine.iter()
            .all(|t| { t["owners_and_work"]["owners"].as_array().unwrap().iter().any(|o| o["zpuid"] == me.as_str()) })
    );
    let (_, all) = e.get("/tasks").await;
    assert_eq!(all["tasks"].as_array().unwrap().len(), 7 + 7 + 2);

    let (s, b) = e.send(Method::DELETE, &format!("{tasks}/{id}"), json!({})).await;
    assert_eq!((s, b), (204, Value::Null));
    let (s, _) = e.get(&format!("{tasks}/{id}")).await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn paging_across_450_tasks() {
    let e = env().await;
    e.sb.seed_tasks(Dc::Us, &e.p2, 450 - 7).unwrap();
    let mut seen = Vec::new();
    let mut infos = Vec::new();
    let mut page = 1;
    loop {
        let (s, b) = e.get(&format!("/projects/{}/tasks?page={page}&per_page=200", e.p2)).await;
        assert_eq!(s, 200);
        for t in b["tasks"].as_array().unwrap() {
            seen.push(t["id"].as_str().unwrap().to_owned());
        }
        let info = b["page_info"].clone();
        infos.push(info.clone());
        if !(info["has_next_page"] == true || info["has_next_page"] == "true") {
            break;
        }
        page += 1;
    }
    assert_eq!(page, 3);
    // [T-PAN, V3.md §2] page_info numbers may arrive as strings: every third answer does here.
    assert_eq!(
        infos,
        [
            json!({"page": 1, "per_page": 200, "has_next_page": true}),
            json!({"page": 2, "per_page": 200, "has_next_page": true}),
            json!({"page": "3", "per_page": "200", "has_next_page": "false"}),
        ]
    );
    assert_eq!(seen.len(), 450);
    let mut dedup = seen.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), 450);
    for q in ["per_page=201", "per_page=0", "page=0", "page=x"] {
        let (s, b) = e.get(&format!("/projects/{}/tasks?{q}", e.p2)).await;
        assert_eq!((s, title(&b)), (400, "INVALID_PARAMETER_VALUE"), "{q}");
    }
    // [T-PAN, V3.md §1.1] a page past the end is an empty list: 204, no body.
    let r = api(&e.sb, &e.at, Method::GET, &e.p(&format!("/projects/{}/tasks?page=9&per_page=100", e.p2)))
        .await
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert!(r.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn task_comments() {
    let e = env().await;
    let d = e.sb.demo_portal(Dc::Us);
    let base = format!("/projects/{}/tasks/{}/comments", e.p1, d.projects[0].tasks[0]);
    let (s, b) = e.get(&base).await;
    assert_eq!(s, 200);
    assert_eq!(b["comments"].as_array().unwrap().len(), 2);
    assert_eq!(b["page_info"]["has_next_page"], false);
    let (s, b) = e.send(Method::POST, &base, json!({"content": "wrong field"})).await;
    assert_eq!((s, title(&b)), (400, "LESS_THAN_MIN_OCCURANCE"));
    assert_eq!(b["error"]["details"][0]["field_name"], "comment");
    let (s, b) = e.send(Method::POST, &base, json!({"comment": "<div>Looks good</div>"})).await;
    assert_eq!(s, 201);
    let arr = b.as_array().expect("bare array");
    let cid = arr[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(arr[0]["comment"], "<div>Looks good</div>");
    let (s, b) = e.send(Method::PATCH, &format!("{base}/{cid}"), json!({"comment": "edited"})).await;
    assert_eq!(s, 200);
    assert_eq!(b["comment"], "edited");
    let (_, b) = e.get(&format!("{base}?per_page=2&page=1")).await;
    assert_eq!(b["page_info"]["has_next_page"], true);
    let (s, _) = e.send(Method::DELETE, &format!("{base}/{cid}"), json!({})).await;
    assert_eq!(s, 204);
    let (_, b) = e.get(&base).await;
    assert_eq!(b["comments"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn tasklists_phases_and_alias() {
    let e = env().await;
    let (s, b) = e.get(&format!("/projects/{}/tasklists", e.p1)).await;
    assert_eq!(s, 200);
    assert_eq!(b["tasklists"].as_array().unwrap().len(), 3);
    assert!(b["page_info"].is_object());
    let (_, all) = e.get("/all-tasklists").await;
    assert_eq!(all["tasklists"].as_array().unwrap().len(), 6);

    let (s, ph) = e.get(&format!("/projects/{}/phases", e.p1)).await;
    assert_eq!(s, 200);
    assert_eq!(ph["milestones"].as_array().unwrap().len(), 2);
    assert!(ph["page_info"].is_array(), "page_info is a one-element array for phases");
    let (_, ms) = e.get(&format!("/projects/{}/milestones", e.p1)).await;
    assert_eq!(ms["milestones"], ph["milestones"]);
    // The third answer with page_info here: its values are strings [T-PAN]; the fourth's are not.
    assert_eq!(ph["page_info"], json!([{"page": "1", "per_page": "100", "has_next_page": "false"}]));
    assert_eq!(ms["page_info"], json!([{"page": 1, "per_page": 100, "has_next_page": false}]));
    let (_, portal_wide) = e.get("/phases").await;
    assert_eq!(portal_wide["milestones"].as_array().unwrap().len(), 4);

    let (s, m) = e
        .send(
            Method::POST,
            &format!("/projects/{}/phases", e.p1),
            json!({"name": "Launch", "flag": "internal", "start_date": "07-01-2025", "end_date": "2025-07-31"}),
        )
        .await;
    assert_eq!(s, 201, "{m}");
    let mid = m["id"].as_str().unwrap().to_owned();
    assert_eq!(m["start_date"], "2025-07-01");
    let (s, b) = e
        .send(
            Method::POST,
            &format!("/projects/{}/phases", e.p1),
            json!({"name": "Bad", "start_date": "2025-07-31", "end_date": "2025-07-01"}),
        )
        .await;
    assert_eq!((s, title(&b)), (400, "INVALID_PARAMETER_VALUE"));
    let (s, b) =
        e.send(Method::PATCH, &format!("/projects/{}/milestones/{mid}", e.p1), json!({"name": "Go live"})).await;
    assert_eq!((s, b["name"].as_str()), (200, Some("Go live")));

    let (s, tl) = e
        .send(
            Method::POST,
            &format!("/projects/{}/tasklists", e.p1),
            json!({"name": "QA", "milestone": {"id": mid}, "milestone_id": "ignored"}),
        )
        .await;
    assert_eq!(s, 201, "{tl}");
    assert_eq!(tl["milestone"]["id"], mid.as_str());
    let tlid = tl["id"].as_str().unwrap().to_owned();
    let (s, b) = e
        .send(
            Method::PATCH,
            &format!("/projects/{}/tasklists/{tlid}", e.p1),
            json!({"name": "QA & release", "flag": "external"}),
        )
        .await;
    assert_eq!((s, b["flag"].as_str()), (200, Some("external")));
    let (s, _) = e.send(Method::DELETE, &format!("/projects/{}/phases/{mid}", e.p1), json!({})).await;
    assert_eq!(s, 204);
    let (_, b) = e.get(&format!("/projects/{}/tasklists/{tlid}", e.p1)).await;
    assert!(b.get("milestone").is_none());
    let (s, _) = e.send(Method::DELETE, &format!("/projects/{}/tasklists/{tlid}", e.p1), json!({})).await;
    assert_eq!(s, 204);
}

#[tokio::test]
async fn issues_crud_and_comments() {
    let e = env().await;
    let base = format!("/projects/{}/issues", e.p1);
    let (s, b) = e.get(&base).await;
    assert_eq!(s, 200);
    assert_eq!(b["issues"].as_array().unwrap().len(), 6);
    assert!(b.get("page_info").is_none());
    let (_, all) = e.get("/issues").await;
    assert_eq!(all["issues"].as_array().unwrap().len(), 12);
    let (s, i) = e.send(Method::POST, &base, json!({"name": "Button misaligned", "flag": "External", "due_date": "2025-08-01", "severity": {"id": "2447529000000054201"}})).await;
    assert_eq!(s, 201, "{i}");
    assert_eq!(i["severity"]["value"], "Major");
    assert_eq!(i["prefix"], "ZY1-I7");
    let id = i["id"].as_str().unwrap().to_owned();
    let (s, b) = e.send(Method::PATCH, &format!("{base}/{id}"), json!({"status": {"id": "2447529000000054093"}})).await;
    assert_eq!((s, b["is_closed"].as_bool()), (200, Some(true)));
    let (s, b) = e.send(Method::POST, &base, json!({"name": "x", "flag": "public"})).await;
    assert_eq!((s, title(&b)), (400, "INVALID_PARAMETER_VALUE"));
    let (s, b) = e.send(Method::POST, &format!("{base}/{id}/comments"), json!({"comment": "seen"})).await;
    assert_eq!(s, 201);
    assert_eq!(b[0]["comment"], "seen");
    let (_, b) = e.get(&format!("{base}/{id}/comments")).await;
    assert_eq!(b["comments"].as_array().unwrap().len(), 1);
    let (s, _) = e.send(Method::DELETE, &format!("{base}/{id}"), json!({})).await;
    assert_eq!(s, 204);
    let (s, _) = e.get(&format!("{base}/{id}")).await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn users_timelogs_search_tags() {
    let e = env().await;
    let d = e.sb.demo_portal(Dc::Us);
    let (_, b) = e.get("/users").await;
    assert_eq!(b["users"].as_array().unwrap().len(), 4);
    let me = e.sb.demo_user();
    let (s, u) = e.get(&format!("/users/{}", me.zpuid)).await;
    assert_eq!((s, u["email"].as_str()), (200, Some(me.email.as_str())));
    let (_, b) = e.get(&format!("/users/{}/projects", me.email)).await;
    assert_eq!(b["projects"].as_array().unwrap().len(), 2);
    let (_, b) = e.get(&format!("/projects/{}/users", e.p1)).await;
    assert_eq!(b["users"].as_array().unwrap().len(), 4);

    let logs = format!("/projects/{}/timelogs", e.p1);
    let (s, b) = e.get(&logs).await;
    assert_eq!((s, title(&b)), (400, "LESS_THAN_MIN_OCCURANCE"));
    let (s, b) = e.get(&format!("{logs}?view_type=customdate&start_date=2025-03-01&end_date=2025-03-31")).await;
    assert_eq!(s, 200);
    let n: usize = b["time_logs"].as_array().unwrap().iter().map(|d| d["log_details"].as_array().unwrap().len()).sum();
    assert_eq!(n, 4);
    let (s, _) = e.get(&format!("{logs}?view_type=day&date=2020-01-01")).await;
    assert_eq!(s, 204, "an empty time-log list is 204");
    let (s, l) = e
        .send(
            Method::POST,
            &format!("/projects/{}/log", e.p1),
            json!({
                "module": {"type": "task", "id": d.projects[0].tasks[0]}, "date": "2025-03-20",
                "bill_status": "Billable", "hours": "02:30", "log_name": "pairing"
            }),
        )
        .await;
    assert_eq!(s, 201, "{l}");
    let lid = l["id"].as_str().unwrap().to_owned();
    assert_eq!(l["hours"], "02:30");
    let (s, b) = e
        .send(
            Method::POST,
            &format!("/projects/{}/log", e.p1),
            json!({"module": {"type": "general"}, "date": "2025-03-20", "bill_status": "Billable", "hours": "22:00"}),
        )
        .await;
    assert_eq!(s, 400);
    assert!(b["error"]["details"][0]["message"].as_str().unwrap().contains("You are left with 21:30"));
    let (s, b) = e.send(Method::PATCH, &format!("/projects/{}/logs/{lid}", e.p1), json!({"hours": "03:00"})).await;
    assert_eq!((s, b["hours"].as_str()), (200, Some("03:00")));
    let (s, _) =
        e.send(Method::PATCH, &format!("/projects/{}/logs/{lid}", e.p1), json!({"approval_status": "Approved"})).await;
    assert_eq!(s, 200);
    let (s, b) = e.send(Method::PATCH, &format!("/projects/{}/logs/{lid}", e.p1), json!({"hours": "01:00"})).await;
    assert_eq!(s, 400);
    assert!(b["error"]["details"][0]["message"].as_str().unwrap().contains("approved"));
    let (s, g) = e.get(&format!("/projects/{}/logs/{lid}?type=task", e.p1)).await;
    assert_eq!((s, g["id"].as_str()), (200, Some(lid.as_str())));
    let (_, t) = e.get(&format!("/projects/{}/tasks/{}", e.p1, d.projects[0].tasks[0])).await;
    assert_eq!(t["log_hours"]["total_hours"], "04:30");
    let (s, _) = e.send(Method::DELETE, &format!("/projects/{}/logs/{lid}", e.p1), json!({"module": "task"})).await;
    assert_eq!(s, 204);

    let (s, b) = e.get("/search?search_term=login&module=all").await;
    assert_eq!(s, 200);
    assert_eq!(b["tasks"][0]["name"], "Login screen");
    let (_, b) = e.get(&format!("/projects/{}/search?search_term=login&module=tasks", e.p1)).await;
    assert_eq!(b["tasks"], json!([]));
    let (s, _) = e.get("/search").await;
    assert_eq!(s, 400);

    let (_, b) = e.get("/tags").await;
    assert_eq!(b["tags"].as_array().unwrap().len(), 3);
    let (s, b) = e.send(Method::POST, "/tags", json!({"tags": [{"name": "blocked", "color_class": "bg-tag3"}]})).await;
    assert_eq!(s, 201);
    let tid = b["tags"][0]["id"].as_str().unwrap().to_owned();
    let r = api(&e.sb, &e.at, Method::POST, &e.p("/tags"))
        .await
        .form(&[("tags", r#"[{"name":"later"}]"#)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let (s, b) = e.send(Method::PATCH, &format!("/tags/{tid}"), json!({"name": "on hold"})).await;
    assert_eq!((s, b["tags"]["name"].as_str()), (200, Some("on hold")));
    let (s, _) = e.send(Method::DELETE, &format!("/tags/{tid}"), json!({})).await;
    assert_eq!(s, 204);
    let (_, b) = e.get("/tags?name=lat").await;
    assert_eq!(b["tags"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn scopes_are_enforced_per_endpoint_and_all_implies_the_rest() {
    let sb = start().await;
    let (at, _) = login(&sb, "ZohoProjects.portals.READ,ZohoProjects.tasks.READ,ZohoProjects.projects.ALL").await;
    let d = sb.demo_portal(Dc::Us);
    let p = format!("/api/v3/portal/{}/projects/{}", d.id, d.projects[0].id);
    assert_eq!(api_get(&sb, &at, "/api/v3/portals").await.0, 200);
    assert_eq!(api_get(&sb, &at, &format!("{p}/tasks")).await.0, 200);
    let (s, b) = api_send(&sb, &at, Method::POST, &format!("{p}/tasks"), Some(json!({"name": "x"}))).await;
    assert_eq!((s, title(&b)), (403, "INVALID_OAUTHSCOPE"));
    let (s, b) = api_get(&sb, &at, &format!("{p}/issues")).await;
    assert_eq!((s, title(&b)), (403, "INVALID_OAUTHSCOPE"));
    let (s, _) = api_get(&sb, &at, &format!("{p}/tasklists")).await;
    assert_eq!(s, 403);
    // projects.ALL allows create, update, delete (trash)
    let (s, _) = api_send(&sb, &at, Method::PATCH, &p, Some(json!({"description": "d"}))).await;
    assert_eq!(s, 200);
    // restapi: same scopes, restapi error shape
    let (s, b) =
        api_get(&sb, &at, &format!("/restapi/portal/{}/projects/{}/tasklists/", d.v2_id, d.projects[0].id)).await;
    assert_eq!(s, 400);
    assert_eq!(b["error"]["code"], 6403);
}

#[tokio::test]
async fn bad_authorization_headers() {
    let sb = start().await;
    let url = sb.api_url(Dc::Us).join("api/v3/portals").unwrap();
    let cases: Vec<Option<&[u8]>> = vec![
        None,
        Some(b"Bearer 1000.abc.def"),
        Some(b"Zoho-oauthtoken"),
        Some(b"Zoho-oauthtoken   "),
        Some(b"garbage"),
        Some(b"Zoho-oauthtoken \xff\xfe"),
    ];
    for h in cases {
        let mut rb = http().get(url.clone());
        if let Some(h) = h {
            rb = rb.header("Authorization", reqwest::header::HeaderValue::from_bytes(h).unwrap());
        }
        let r = rb.send().await.unwrap();
        assert_eq!(r.status(), 401, "{h:?}");
        let b: Value = r.json().await.unwrap();
        assert_eq!(b["error"]["status_code"], "401");
        assert_eq!(b["error"]["title"], "INVALID_TICKET", "{h:?}");
    }
    let (s, b) =
        api_get(&sb, "1000.00000000000000000000000000000000.00000000000000000000000000000000", "/api/v3/portals").await;
    assert_eq!((s, title(&b)), (401, "INVALID_OAUTHTOKEN"));
    let (s, b) = api_get(&sb, "nope", "/restapi/portals/").await;
    assert_eq!(s, 401);
    assert_eq!(b["error"]["code"], 6401);
    let (s, b) = api_get(&sb, "", "/restapi/portals/").await;
    assert_eq!(s, 401);
    assert_eq!(b, json!({"error": {"code": 6890, "message": "Invalid Ticket"}}));
}

#[tokio::test]
async fn hundred_requests_per_two_minutes_then_blocked_for_thirty() {
    let sb = start().await;
    let at = access(&sb).await;
    for i in 0..100 {
        assert_eq!(api_get(&sb, &at, "/api/v3/portals").await.0, 200, "request {i}");
    }
    let (s, b) = api_get(&sb, &at, "/api/v3/portals").await;
    assert_eq!((s, title(&b)), (429, "TOO_MANY_REQUESTS"));
    // a fresh token for the same user does not help: the limit is per user
    let at2 = access(&sb).await;
    assert_eq!(api_get(&sb, &at2, "/api/v3/portals").await.0, 429);
    sb.clock().advance(Duration::from_secs(29 * 60 + 59));
    assert_eq!(api_get(&sb, &at2, "/api/v3/portals").await.0, 429);
    sb.clock().advance(Duration::from_secs(1));
    assert_eq!(api_get(&sb, &at2, "/api/v3/portals").await.0, 200);
    assert_eq!(sb.counters().api_rate_limited, 3);

    // a sliding window: 60 now, 60 two minutes later is fine
    let limits = Limits { api_requests_per_window: 5, ..Limits::default() };
    let sb = start_with(limits).await;
    let at = access(&sb).await;
    for _ in 0..5 {
        assert_eq!(api_get(&sb, &at, "/api/v3/portals").await.0, 200);
    }
    sb.clock().advance(Duration::from_secs(120));
    for _ in 0..5 {
        assert_eq!(api_get(&sb, &at, "/api/v3/portals").await.0, 200);
    }
    let (s, b) = api_get(&sb, &at, "/restapi/portals/").await;
    assert_eq!(s, 429);
    assert!(b["error"]["code"].is_u64());
}

#[tokio::test]
async fn restapi_shapes_paging_and_subtasks() {
    let e = env().await;
    let (s, b) = api_get(&e.sb, &e.at, "/restapi/portals/").await;
    assert_eq!(s, 200);
    assert_eq!(b["login_id"], e.sb.demo_user().zuid.to_string());
    let portal = &b["portals"][0];
    assert!(portal["id"].is_u64());
    assert_eq!(portal["id_string"], e.v2.as_str());
    assert!(
        portal["link"]["project"]["url"].as_str().unwrap().ends_with(&format!("/restapi/portal/{}/projects/", e.v2))
    );

    let base = format!("/restapi/portal/{}/projects/", e.v2);
    let (s, b) = api_get(&e.sb, &e.at, &format!("{base}?index=1&range=100")).await;
    assert_eq!(s, 200);
    let p = &b["projects"][0];
    assert!(p["id"].is_u64());
    assert_eq!(p["id"].as_u64().unwrap().to_string(), p["id_string"].as_str().unwrap());
    assert_eq!(p["id_string"], e.p1.as_str());
    assert_eq!(p["created_date"].as_str().unwrap().len(), 10);
    assert_eq!(&p["created_date"].as_str().unwrap()[2..3], "-");
    assert!(p["created_date_long"].is_i64());
    assert_eq!(p["start_date"], "03-05-2025");
    assert!(p["link"]["self"]["url"].as_str().unwrap().contains(&e.p1));
    // the portal name works in place of its id
    assert_eq!(api_get(&e.sb, &e.at, "/restapi/portal/zylker/projects/?index=1&range=100").await.0, 200);

    let tasks = format!("{base}{}/tasks/", e.p1);
    let (_, b) = api_get(&e.sb, &e.at, &format!("{tasks}?index=1&range=100")).await;
    let t = &b["tasks"];
    assert_eq!(t.as_array().unwrap().len(), 6, "main tasks only");
    assert!(t[0]["id"].is_u64() && t[0]["id_string"].is_string());
    assert_eq!(t[0]["key"], "ZY1-T1");
    assert_eq!(t[0]["priority"], "High");
    assert_eq!(t[0]["start_date"], "03-05-2025");
    assert_eq!(t[0]["start_date_long"], 1_741_172_400_000i64);
    assert_eq!(t[0]["status"]["type"], "open");
    assert!(t[0]["details"]["owners"][0]["zpuid"].is_string());
    let (_, b) = api_get(&e.sb, &e.at, &format!("{tasks}?index=3&range=2")).await;
    assert_eq!(b["tasks"][0]["key"], "ZY1-T3");
    assert_eq!(b["tasks"].as_array().unwrap().len(), 2);
    let (s, b) = api_get(&e.sb, &e.at, &format!("{tasks}?index=7&range=100")).await;
    assert_eq!((s, b), (204, Value::Null));
    let (s, b) = api_get(&e.sb, &e.at, &format!("{tasks}?index=1&range=201")).await;
    assert_eq!(s, 400);
    assert_eq!(b["error"]["code"], 6832);
    let (_, b) = api_get(&e.sb, &e.at, &format!("{tasks}?index=1&range=100&status=completed")).await;
    assert!(b["tasks"].as_array().unwrap().iter().all(|t| t["completed"] == true));

    let (s, b) = api_get(&e.sb, &e.at, &format!("{base}{}/tasklists/?flag=allflag&index=1&range=100", e.p1)).await;
    assert_eq!(s, 200);
    assert!(b["tasklists"][0]["id"].is_u64());
    assert!(b["tasklists"][0]["created_time_long"].is_i64());

    // subtask creation (V3 offers none): form body
    let parent = e.sb.demo_portal(Dc::Us).projects[0].tasks[1].clone();
    let lena = e.sb.users().into_iter().find(|u| u.email.starts_with("lena")).unwrap();
    let r = api(&e.sb, &e.at, Method::POST, &format!("{tasks}{parent}/subtasks/"))
        .await
        .form(&[("name", "Sub step"), ("person_responsible", &lena.zpuid), ("start_date", "04-01-2025")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let b: Value = r.json().await.unwrap();
    let sub = &b["tasks"][0];
    assert_eq!(sub["parent_task_id"], parent.as_str());
    assert_eq!(sub["start_date"], "04-01-2025");
    let sid = sub["id_string"].as_str().unwrap().to_owned();
    // V3 sees the same data
    let (_, v3) = e.get(&format!("/projects/{}/tasks/{sid}", e.p1)).await;
    assert_eq!(v3["parental_info"]["parent_task_id"], parent.as_str());
    let (_, b) = api_get(&e.sb, &e.at, &format!("{tasks}{parent}/subtasks/?index=1&range=100")).await;
    assert_eq!(b["tasks"].as_array().unwrap().len(), 1);
    let r = api(&e.sb, &e.at, Method::POST, &format!("{tasks}{parent}/subtasks/"))
        .await
        .form(&[("person_responsible", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], 6831);
    // V3 has no subtask path
    let (s, b) =
        e.send(Method::POST, &format!("/projects/{}/tasks/{parent}/subtasks", e.p1), json!({"name": "x"})).await;
    assert_eq!((s, title(&b)), (400, "URL_RULE_NOT_CONFIGURED"));
    // restapi unknown path
    let (s, b) = api_get(&e.sb, &e.at, "/restapi/portal/1/forums/").await;
    assert_eq!(s, 404);
    assert!(b["error"]["code"].is_u64() && b["error"]["message"].is_string());
    let (s, b) = api_get(&e.sb, &e.at, &format!("{tasks}999/")).await;
    assert_eq!(s, 404);
    assert_eq!(b["error"]["code"], 6504);
    let (s, b) =
        api_get(&e.sb, &e.at, &format!("/restapi/portal/{}/projects/{}/users/?index=1&range=100", e.v2, e.p1)).await;
    assert_eq!(s, 200);
    assert_eq!(b["users"].as_array().unwrap().len(), 4);
}

// ---- conformance with real captured answers (in tests/samples) ---------------

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every key present in both must have the same JSON type, recursively.
fn same_types(path: &str, sample: &Value, ours: &Value, bad: &mut Vec<String>) {
    match (sample, ours) {
        (Value::Null, _) | (_, Value::Null) => {}
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                if let Some(w) = b.get(k) {
                    same_types(&format!("{path}.{k}"), v, w, bad);
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if let (Some(x), Some(y)) = (a.first(), b.first()) {
                same_types(&format!("{path}[0]"), x, y, bad);
            }
        }
        (a, b) if kind(a) != kind(b) => bad.push(format!("{path}: sample {} vs sandbox {}", kind(a), kind(b))),
        _ => {}
    }
}

fn sample(name: &str) -> Value {
    let p = format!("{}/tests/samples/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn conforms(what: &str, sample: &Value, ours: &Value, must_have: &[&str]) {
    let mut bad = Vec::new();
    same_types(what, sample, ours, &mut bad);
    assert!(bad.is_empty(), "{what}: {bad:#?}");
    for k in must_have {
        assert!(sample.get(*k).is_some(), "{what}: sample lacks {k}");
        assert!(ours.get(*k).is_some(), "{what}: sandbox lacks {k}: {ours}");
    }
}

#[tokio::test]
async fn output_has_the_same_shapes_as_real_zoho_answers() {
    let e = env().await;
    let rest = format!("/restapi/portal/{}/projects/", e.v2);
    let (_, portals) = api_get(&e.sb, &e.at, "/restapi/portals/").await;
    conforms(
        "portal(real)",
        &sample("restapi-portals-list-array-real.json")[0],
        &portals["portals"][0],
        &[
            "id",
            "id_string",
            "name",
            "default",
            "role",
            "plan",
            "gmt_time_zone",
            "project_count",
            "locale",
            "layouts",
            "settings",
            "link",
            "profile_id",
        ],
    );
    let doc = sample("restapi-portals-list-docsample-2018.json");
    conforms("portals(doc)", &doc, &portals, &["login_id", "portals"]);

    let (_, projects) = api_get(&e.sb, &e.at, &format!("{rest}?index=1&range=100")).await;
    for f in ["restapi-projects-list-real.json", "restapi-projects-list.json"] {
        conforms(
            f,
            &sample(f)["projects"][0],
            &projects["projects"][0],
            &[
                "id",
                "name",
                "status",
                "created_date",
                "created_date_long",
                "created_date_format",
                "task_count",
                "link",
                "IS_BUG_ENABLED",
                "owner_name",
            ],
        );
    }
    let (_, tls) = api_get(&e.sb, &e.at, &format!("{rest}{}/tasklists/?flag=allflag&index=1&range=100", e.p1)).await;
    let tl_sample = sample("restapi-tasklists-list-array.json");
    let ours = tls["tasklists"].as_array().unwrap().iter().find(|t| t["milestone"]["name"] != "None").unwrap();
    conforms(
        "tasklist",
        &tl_sample[0],
        ours,
        &[
            "id",
            "id_string",
            "name",
            "flag",
            "milestone",
            "completed",
            "created_time",
            "created_time_long",
            "created_time_format",
            "sequence",
            "rolled",
            "task_count",
            "link",
            "last_updated_time_long",
        ],
    );

    let (_, tasks) = api_get(&e.sb, &e.at, &format!("{rest}{}/tasks/?index=1&range=100", e.p1)).await;
    conforms(
        "task",
        &sample("restapi-tasks-list.json")["tasks"][0],
        &tasks["tasks"][0],
        &[
            "id",
            "id_string",
            "key",
            "name",
            "completed",
            "priority",
            "percent_complete",
            "created_by",
            "created_person",
            "created_time",
            "created_time_long",
            "created_time_format",
            "last_updated_time_long",
            "start_date",
            "start_date_long",
            "end_date",
            "end_date_long",
            "details",
            "tasklist",
            "status",
            "link",
            "log_hours",
            "milestone_id",
            "subtasks",
            "isparent",
        ],
    );

    let (_, users) = api_get(&e.sb, &e.at, &format!("{rest}{}/users/?index=1&range=100", e.p1)).await;
    conforms(
        "user",
        &sample("restapi-project-users-list.json")["users"][0],
        &users["users"][0],
        &["id", "zpuid", "name", "email", "role", "active"],
    );

    let (_, v3) = e.get("/projects").await;
    conforms(
        "v3 project",
        &sample("v3-projects-list-item0.json"),
        &v3[0],
        &[
            "id",
            "key",
            "name",
            "project_type",
            "owner",
            "created_time",
            "modified_time",
            "status",
            "layout",
            "percent_complete",
            "tasks",
            "issues",
            "milestones",
            "is_completed",
            "start_date",
            "business_hours_id",
            "project_group",
            "projects_cf_0001",
        ],
    );
}

#[tokio::test]
async fn every_empty_v3_list_is_a_204_without_a_body() {
    // [T-PAN, V3.md §1.1 "204 … also a GET list with no rows"; FACTS P-ERR 204 "No Content
    // (response empty)"]: no rows is HTTP 204 and no body, never 200 with an empty array.
    let e = env().await;
    let (s, p) = e.send(Method::POST, "/projects", json!({"name": "Empty"})).await;
    assert_eq!(s, 201);
    let pr = p["id"].as_str().unwrap().to_owned();
    let (s, t) = e.send(Method::POST, &format!("/projects/{pr}/tasks"), json!({"name": "Lonely"})).await;
    assert_eq!(s, 201);
    let task = t["id"].as_str().unwrap().to_owned();
    let tasklist = t["tasklist"]["id"].as_str().unwrap().to_owned();
    let (s, i) = e.send(Method::POST, &format!("/projects/{pr}/issues"), json!({"name": "Quiet"})).await;
    assert_eq!(s, 201);
    let issue = i["id"].as_str().unwrap().to_owned();
    let me = e.sb.demo_user().zpuid;
    let empty = [
        "/projects?status=template".to_owned(),
        "/projects?page=9".to_owned(),
        format!("/projects/{pr}/tasks?page=2"),
        format!("/projects/{pr}/tasklists?flag=external"),
        format!("/projects/{pr}/tasklists/{tasklist}/tasks?page=2"),
        format!("/projects/{pr}/phases"),
        format!("/projects/{pr}/milestones"),
        format!("/projects/{pr}/issues?page=2"),
        format!("/projects/{pr}/tasks/{task}/comments"),
        format!("/projects/{pr}/issues/{issue}/comments"),
        format!("/projects/{pr}/users?page=9"),
        "/users?page=9".to_owned(),
        format!("/users/{me}/projects?page=9"),
        "/tags?name=no-such-tag".to_owned(),
        "/all-tasklists?page=99".to_owned(),
        "/tasks?page=99".to_owned(),
        "/mytasks?page=99".to_owned(),
        "/phases?page=99".to_owned(),
        "/issues?page=99".to_owned(),
    ];
    for path in &empty {
        let r = api(&e.sb, &e.at, Method::GET, &e.p(path)).await.send().await.unwrap();
        assert_eq!(r.status().as_u16(), 204, "{path}");
        assert!(r.bytes().await.unwrap().is_empty(), "{path}");
    }
    // The same lists with rows answer 200 with them.
    for path in [format!("/projects/{pr}/tasks"), format!("/projects/{pr}/issues"), format!("/projects/{pr}/tasklists")]
    {
        assert_eq!(e.get(&path).await.0, 200, "{path}");
    }
}

#[tokio::test]
async fn v2_and_v3_portal_ids_differ_and_each_api_refuses_the_others() {
    // [T-PT, V3.md §1 "Portal id"] the V3 portal id (9 digits) differs from the restapi id of
    // the same portal (7 digits); swapping them gives a permission-looking error.
    let e = env().await;
    assert_eq!(e.portal.len(), 9);
    assert_eq!(e.v2.len(), 7);
    let (_, rest) = api_get(&e.sb, &e.at, "/restapi/portals/").await;
    assert_eq!(rest["portals"][0]["id_string"], e.v2.as_str());
    let (_, v3) = api_get(&e.sb, &e.at, "/api/v3/portals").await;
    assert_eq!(v3[0]["id"], e.portal.as_str());

    let (s, b) = api_get(&e.sb, &e.at, &format!("/api/v3/portal/{}/projects", e.v2)).await;
    assert_eq!((s, title(&b)), (403, "NO_PERMISSION"));
    assert_eq!(b["error"]["error_type"], "AUTHORIZATION_ERROR");
    let (s, b) = api_get(&e.sb, &e.at, &format!("/restapi/portal/{}/projects/?index=1&range=100", e.portal)).await;
    assert_eq!((s, b["error"]["code"].as_u64()), (400, Some(6403)));
    // Each with its own id works; an id of no portal is "not found", not "no permission".
    assert_eq!(api_get(&e.sb, &e.at, &format!("/api/v3/portal/{}/projects", e.portal)).await.0, 200);
    assert_eq!(api_get(&e.sb, &e.at, &format!("/restapi/portal/{}/projects/?index=1&range=100", e.v2)).await.0, 200);
    let (s, b) = api_get(&e.sb, &e.at, "/api/v3/portal/123456789/projects").await;
    assert_eq!((s, title(&b)), (400, "INVALID_PARAMETER_VALUE"));
}

#[tokio::test]
async fn portal_and_resource_ids_match_only_as_exact_text() {
    // An id is a text at Zoho, not a number: a leading zero, a plus sign or another case of the
    // portal name names no portal, so a forged spelling must not reach the real one.
    let e = env().await;
    let p1 = &e.p1;
    for forged in [format!("0{}", e.portal), format!("+{}", e.portal), format!("00{}", e.v2)] {
        let (s, b) = api_get(&e.sb, &e.at, &format!("/api/v3/portal/{forged}/projects")).await;
        assert_eq!((s, title(&b)), (400, "INVALID_PARAMETER_VALUE"), "{forged}: {b}");
    }
    for forged in [format!("0{}", e.v2), format!("+{}", e.v2), "ZYLKER".to_owned(), format!("0{}", e.portal)] {
        let (s, b) = api_get(&e.sb, &e.at, &format!("/restapi/portal/{forged}/projects/")).await;
        assert_eq!((s, b["error"]["code"].as_u64()), (404, Some(6504)), "{forged}: {b}");
    }
    // the same for project, task list and task ids in both generations
    let (s, b) = api_get(&e.sb, &e.at, &format!("/api/v3/portal/{}/projects/0{p1}", e.portal)).await;
    assert_eq!((s, title(&b)), (400, "INVALID_PARAMETER_VALUE"), "{b}");
    let (s, b) = api_get(&e.sb, &e.at, &format!("/api/v3/portal/{}/projects/+{p1}/tasks", e.portal)).await;
    assert_eq!((s, title(&b)), (400, "INVALID_PARAMETER_VALUE"), "{b}");
    let (s, b) = api_get(&e.sb, &e.at, &format!("/restapi/portal/{}/projects/0{p1}/tasks/", e.v2)).await;
    assert_eq!((s, b["error"]["code"].as_u64()), (404, Some(6504)), "{b}");
    let t = e.sb.demo_portal(Dc::Us).projects[0].tasks[0].clone();
    let (s, b) = api_get(&e.sb, &e.at, &format!("/restapi/portal/{}/projects/{p1}/tasks/0{t}/", e.v2)).await;
    assert_eq!((s, b["error"]["code"].as_u64()), (404, Some(6504)), "{b}");
    let (s, b) = api_get(&e.sb, &e.at, &format!("/api/v3/portal/{}/projects/{p1}/tasks/0{t}", e.portal)).await;
    assert_eq!((s, title(&b)), (400, "INVALID_PARAMETER_VALUE"), "{b}");
    // the exact spellings work
    assert_eq!(api_get(&e.sb, &e.at, &format!("/api/v3/portal/{}/projects/{p1}/tasks/{t}", e.portal)).await.0, 200);
    assert_eq!(api_get(&e.sb, &e.at, &format!("/restapi/portal/zylker/projects/{p1}/tasks/{t}/")).await.0, 200);
}
