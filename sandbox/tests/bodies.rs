//! Strict V3 request bodies (issue 15 item 5): enum values spelled exactly, nested `{id}`
//! references, one documented date format per field, JSON types kept; refusals in Zoho's V3
//! error shape, nothing stored, never a panic or a 500.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};
use zoho_sandbox::Dc;

struct Env {
    sb: zoho_sandbox::Sandbox,
    at: String,
    portal: String,
    pr: String,
    tl: String,
    ms: String,
    task: String,
}

async fn env() -> Env {
    // The strict default: every Zoho limit on.
    let sb = start().await;
    let at = access(&sb).await;
    let d = sb.demo_portal(Dc::Us);
    let p = &d.projects[0];
    Env {
        portal: d.id.clone(),
        pr: p.id.clone(),
        tl: p.tasklists[0].clone(),
        ms: p.milestones[0].clone(),
        task: p.tasks[0].clone(),
        sb,
        at,
    }
}

impl Env {
    fn p(&self, rest: &str) -> String {
        format!("/api/v3/portal/{}/projects/{}{}", self.portal, self.pr, rest)
    }
    async fn send(&self, m: Method, rest: &str, body: Value) -> (u16, Value) {
        api_send(&self.sb, &self.at, m, &self.p(rest), Some(body)).await
    }
    async fn raw(&self, rest: &str, body: Vec<u8>) -> (u16, Value) {
        let rb = api(&self.sb, &self.at, Method::POST, &self.p(rest))
            .await
            .header("content-type", "application/json")
            .body(body);
        status_and_json(rb).await
    }
    /// Names of every task of the project, across pages.
    async fn task_names(&self) -> Vec<String> {
        let (s, b) = api_get(&self.sb, &self.at, &self.p("/tasks?page=1&per_page=200")).await;
        assert_eq!(s, 200, "{b}");
        b["tasks"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_owned()).collect()
    }
    async fn task(&self) -> Value {
        let (s, b) = api_get(&self.sb, &self.at, &self.p(&format!("/tasks/{}", self.task))).await;
        assert_eq!(s, 200, "{b}");
        b
    }
}

/// A V3 refusal: HTTP 400, `status_code` a string, the request path as `instance`, `title`,
/// the validation `error_type` and the offending field.
#[track_caller]
fn refused(got: (u16, Value), title: &str, field: &str, path_end: &str) {
    let (s, b) = got;
    assert_eq!(s, 400, "{b}");
    let e = &b["error"];
    assert_eq!(e["status_code"], "400", "{b}");
    assert_eq!(e["title"], title, "{b}");
    assert_eq!(e["error_type"], "FIELDS_VALIDATION_ERROR", "{b}");
    assert_eq!(e["details"][0]["field_name"], field, "{b}");
    assert!(e["instance"].as_str().unwrap().ends_with(path_end), "{b}");
}

const BAD: &str = "INVALID_PARAMETER_VALUE";

#[tokio::test]
async fn enum_values_are_case_sensitive() {
    let e = env().await;
    let before = e.task_names().await;
    let t = |extra: Value| {
        let mut b = json!({"name": "enum probe"});
        b.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        b
    };
    // Task priority and billing type are lowercase at Zoho.
    for bad in [json!({"priority": "High"}), json!({"priority": "HIGH"}), json!({"priority": "ｈｉｇｈ"})] {
        refused(e.send(Method::POST, "/tasks", t(bad)).await, BAD, "priority", "/tasks");
    }
    refused(
        e.send(Method::POST, "/tasks", t(json!({"billing_type": "Billable"}))).await,
        BAD,
        "billing_type",
        "/tasks",
    );
    // Issue flags are capitalised; task list flags are not.
    refused(e.send(Method::POST, "/issues", json!({"name": "i", "flag": "internal"})).await, BAD, "flag", "/issues");
    refused(
        e.send(Method::POST, "/tasklists", json!({"name": "l", "flag": "Internal"})).await,
        BAD,
        "flag",
        "/tasklists",
    );
    // Time logs: "Billable"/"Non Billable", module types lowercase.
    let log = |bill: &str, ty: &str| json!({"module": {"type": ty}, "date": "2026-03-02", "hours": "01:00", "bill_status": bill});
    refused(e.send(Method::POST, "/log", log("billable", "general")).await, BAD, "bill_status", "/log");
    refused(e.send(Method::POST, "/log", log("Billable", "General")).await, BAD, "module", "/log");
    // Projects: project_type lowercase.
    let portal_projects = format!("/api/v3/portal/{}/projects", e.portal);
    let got =
        api_send(&e.sb, &e.at, Method::POST, &portal_projects, Some(json!({"name": "P", "project_type": "Active"})))
            .await;
    refused(got, BAD, "project_type", "/projects");
    // Nothing was stored.
    assert_eq!(e.task_names().await, before);
    // The documented spellings pass.
    let (s, b) = e.send(Method::POST, "/tasks", t(json!({"priority": "high", "billing_type": "billable"}))).await;
    assert_eq!((s, b["priority"].as_str()), (201, Some("high")), "{b}");
    assert_eq!(e.send(Method::POST, "/issues", json!({"name": "i", "flag": "Internal"})).await.0, 201);
    assert_eq!(e.send(Method::POST, "/tasklists", json!({"name": "l", "flag": "internal"})).await.0, 201);
    assert_eq!(e.send(Method::POST, "/log", log("Non Billable", "general")).await.0, 201);
}

#[tokio::test]
async fn references_are_nested_objects_not_bare_ids() {
    let e = env().await;
    let before = e.task_names().await;
    let me = e.task().await["created_by"]["zpuid"].as_str().unwrap().to_owned();
    let tl = e.tl.as_str();
    refused(e.send(Method::POST, "/tasks", json!({"name": "r", "tasklist": tl})).await, BAD, "tasklist", "/tasks");
    refused(
        e.send(Method::POST, "/tasks", json!({"name": "r", "tasklist": {"id": tl, "name": "x"}})).await,
        "EXTRA_KEY_FOUND_IN_JSON",
        "name",
        "/tasks",
    );
    refused(
        e.send(Method::POST, "/tasks", json!({"name": "r", "tasklist": [{"id": tl}]})).await,
        BAD,
        "tasklist",
        "/tasks",
    );
    refused(e.send(Method::POST, "/tasks", json!({"name": "r", "status": "1"})).await, BAD, "status", "/tasks");
    refused(e.send(Method::POST, "/tasks", json!({"name": "r", "milestone": e.ms})).await, BAD, "milestone", "/tasks");
    refused(e.send(Method::POST, "/tasks", json!({"name": "r", "tags": ["1"]})).await, BAD, "tags", "/tasks");
    refused(
        e.send(Method::POST, "/tasklists", json!({"name": "l", "milestone": e.ms})).await,
        BAD,
        "milestone",
        "/tasklists",
    );
    refused(e.send(Method::POST, "/issues", json!({"name": "i", "assignee": me})).await, BAD, "assignee", "/issues");
    refused(e.send(Method::POST, "/issues", json!({"name": "i", "severity": "1"})).await, BAD, "severity", "/issues");
    let task_path = format!("/tasks/{}", e.task);
    let unchanged = e.task().await;
    refused(e.send(Method::PATCH, &task_path, json!({"tasklist": tl})).await, BAD, "tasklist", &task_path);
    let portal_projects = format!("/api/v3/portal/{}/projects", e.portal);
    for (k, v) in
        [("owner", json!(me)), ("owner", json!({"id": me})), ("layout", json!("1")), ("project_group", json!(7))]
    {
        let got = api_send(&e.sb, &e.at, Method::POST, &portal_projects, Some(json!({"name": "P", k: v}))).await;
        let (title, field) = if v.is_object() { ("EXTRA_KEY_FOUND_IN_JSON", "id") } else { (BAD, k) };
        refused(got, title, field, "/projects");
    }
    assert_eq!(e.task_names().await, before);
    assert_eq!(e.task().await, unchanged, "a refused PATCH changes nothing");
    // The documented shapes pass and take effect.
    let (s, b) =
        e.send(Method::POST, "/tasks", json!({"name": "r", "tasklist": {"id": tl}, "milestone": {"id": e.ms}})).await;
    assert_eq!((s, b["tasklist"]["id"].as_str()), (201, Some(tl)), "{b}");
    let (s, b) = e.send(Method::POST, "/issues", json!({"name": "i", "assignee": {"zpuid": me}})).await;
    assert_eq!((s, b["assignee"]["zpuid"].as_str()), (201, Some(me.as_str())), "{b}");
}

#[tokio::test]
async fn dates_come_in_the_one_documented_format() {
    let e = env().await;
    let before = e.task_names().await;
    let portal_projects = format!("/api/v3/portal/{}/projects", e.portal);
    // Projects: YYYY-MM-DD only (no month-first forms).
    for bad in ["03-30-2026", "03/30/2026", "2026-3-30", "2026-03-30T00:00:00.000Z", "2026-02-30"] {
        let got =
            api_send(&e.sb, &e.at, Method::POST, &portal_projects, Some(json!({"name": "D", "start_date": bad}))).await;
        refused(got, BAD, "start_date", "/projects");
    }
    // Tasks: an ISO 8601 date-time; a plain date is refused.
    for bad in ["2026-07-22", "07-22-2026", "2026-07-22T00:00:00"] {
        refused(e.send(Method::POST, "/tasks", json!({"name": "d", "end_date": bad})).await, BAD, "end_date", "/tasks");
    }
    // Issues and time logs: YYYY-MM-DD.
    refused(
        e.send(Method::POST, "/issues", json!({"name": "i", "due_date": "07-22-2026"})).await,
        BAD,
        "due_date",
        "/issues",
    );
    let log = json!({"module": {"type": "general"}, "date": "03/02/2026", "hours": "01:00"});
    refused(e.send(Method::POST, "/log", log).await, BAD, "date", "/log");
    assert_eq!(e.task_names().await, before);
    // The documented formats pass and read back.
    let (s, b) = api_send(
        &e.sb,
        &e.at,
        Method::POST,
        &portal_projects,
        Some(json!({"name": "D", "start_date": "2026-03-30", "end_date": "2026-04-30"})),
    )
    .await;
    assert_eq!((s, b["start_date"].as_str()), (201, Some("2026-03-30")), "{b}");
    let (s, b) = e.send(Method::POST, "/tasks", json!({"name": "d", "end_date": "2026-07-22T00:00:00.000Z"})).await;
    assert_eq!(s, 201, "{b}");
    assert!(b["end_date"].as_str().unwrap().starts_with("2026-07-22T00:00:00"), "{b}");
}

#[tokio::test]
async fn numbers_and_booleans_keep_their_json_types() {
    let e = env().await;
    let task_path = format!("/tasks/{}", e.task);
    let unchanged = e.task().await;
    for bad in [json!("50"), json!(50.5), json!(-1), json!(101), json!(true), json!(1e300), json!(u64::MAX)] {
        refused(
            e.send(Method::PATCH, &task_path, json!({"completion_percentage": bad})).await,
            BAD,
            "completion_percentage",
            &task_path,
        );
    }
    refused(e.send(Method::PATCH, &task_path, json!({"is_completed": "true"})).await, BAD, "is_completed", &task_path);
    refused(e.send(Method::PATCH, &task_path, json!({"name": 5})).await, BAD, "name", &task_path);
    refused(
        e.send(Method::PATCH, &task_path, json!({"duration": {"value": 5, "type": "days"}})).await,
        BAD,
        "duration",
        &task_path,
    );
    let portal_projects = format!("/api/v3/portal/{}/projects", e.portal);
    let got =
        api_send(&e.sb, &e.at, Method::POST, &portal_projects, Some(json!({"name": "T", "is_public_project": "true"})))
            .await;
    refused(got, BAD, "is_public_project", "/projects");
    let log = json!({"module": {"type": "general"}, "date": "2026-03-02", "hours": 1});
    refused(e.send(Method::POST, "/log", log).await, BAD, "hours", "/log");
    assert_eq!(e.task().await, unchanged, "refused PATCHes change nothing");
    let (s, b) = e
        .send(
            Method::PATCH,
            &task_path,
            json!({"completion_percentage": 50, "is_completed": false, "duration": {"value": "100:30", "type": "hours"}}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
}

#[tokio::test]
async fn hostile_bodies_are_refused_without_a_500() {
    let e = env().await;
    let before = e.task_names().await;
    let deep = format!("{{\"name\":\"x\",\"tasklist\":{}1{}}}", "[".repeat(5000), "]".repeat(5000));
    let huge_number = format!("{{\"name\":\"x\",\"completion_percentage\":1{}}}", "0".repeat(400));
    let cases: Vec<(Vec<u8>, &str, Option<&str>)> = vec![
        (deep.into_bytes(), "JSON_PARSE_ERROR", None),
        (huge_number.into_bytes(), "JSON_PARSE_ERROR", None),
        (b"[{\"name\":\"x\"}]".to_vec(), "JSON_PARSE_ERROR", None),
        (b"{\"name\":\"x\"".to_vec(), "JSON_PARSE_ERROR", None),
        (b"\xff\xfe".to_vec(), "JSON_PARSE_ERROR", None),
        (br#"{"name":"x","tasklist":{"id":"99999999999999999999"}}"#.to_vec(), BAD, Some("tasklist")),
        (br#"{"name":"x","tasklist":{"id":" 1"}}"#.to_vec(), BAD, Some("tasklist")),
        (br#"{"name":"x","owners_and_work":{"owners":[{"zpuid":{"id":"1"}}]}}"#.to_vec(), BAD, Some("owners_and_work")),
        (br#"{"name":"x","duration":{"value":"1","type":"weeks"}}"#.to_vec(), BAD, Some("duration")),
        (br#"{"name":"x","duration":{"value":"3:75","type":"hours"}}"#.to_vec(), BAD, Some("duration")),
        (br#"{"name":"x","priority":"h\u0000igh"}"#.to_vec(), BAD, Some("priority")),
        (br#"{"name":{"$gt":""}}"#.to_vec(), BAD, Some("name")),
    ];
    for (body, title, field) in cases {
        let (s, b) = e.raw("/tasks", body).await;
        assert_eq!(s, 400, "{b}");
        assert_eq!(b["error"]["title"], title, "{b}");
        if let Some(f) = field {
            assert_eq!(b["error"]["details"][0]["field_name"], f, "{b}");
        }
    }
    assert_eq!(e.task_names().await, before, "nothing was stored and the sandbox still answers");
}
