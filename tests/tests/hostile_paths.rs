//! Hostile path values (issue 13, item 1): `.`, `..` and empty values never leave the process.
//!
//! The URL standard removes dot segments — `..` with the segment before it — and treats `%2e`
//! as `.`, so a task id of `..` would turn `DELETE …/projects/{q}/tasks/{t}` into a `DELETE` of
//! the project. These tests look at what the sandbox received, and at the final `Url` the client
//! sends to, never at an intermediate string.

#[path = "common/console.rs"]
mod console;
use console::console_token;

use proptest::prelude::*;
use std::time::Duration;
use zoho_projects::ids::*;
use zoho_projects::prelude::*;
use zoho_projects::v3::{issues, milestones, portals, projects, tags, tasklists, tasks, timelogs, users};
use zoho_projects::{Error, PathError, Token};
use zoho_sandbox::{Dc, Sandbox};

const SCOPES: [&str; 10] = [
    "ZohoProjects.portals.READ",
    "ZohoProjects.projects.READ",
    "ZohoProjects.tasks.DELETE",
    "ZohoProjects.tasklists.DELETE",
    "ZohoProjects.milestones.DELETE",
    "ZohoProjects.bugs.READ",
    "ZohoProjects.bugs.DELETE",
    "ZohoProjects.timesheets.DELETE",
    "ZohoProjects.tags.DELETE",
    "ZohoProjects.users.READ",
];

scope_set! {
    struct Everything = [
        "ZohoProjects.portals.READ", "ZohoProjects.projects.READ", "ZohoProjects.tasks.DELETE",
        "ZohoProjects.tasklists.DELETE", "ZohoProjects.milestones.DELETE", "ZohoProjects.bugs.READ",
        "ZohoProjects.bugs.DELETE", "ZohoProjects.timesheets.DELETE", "ZohoProjects.tags.DELETE",
        "ZohoProjects.users.READ",
    ];
}

/// A derived endpoint whose path fields are plain `String`s: nothing checks them at construction.
#[derive(Endpoint)]
#[zoho(method = "DELETE", path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}",
       scope = "ZohoProjects.tasks.DELETE", response = ())]
struct DeleteTaskRaw {
    #[zoho(path)]
    portal: String,
    #[zoho(path)]
    project: String,
    #[zoho(path)]
    task: String,
}

/// A hand-written endpoint that renders its path itself (and so may forget to encode).
struct HandWritten(&'static str);

impl Endpoint for HandWritten {
    type Scope = zoho_projects::scopes::projects::Read;
    type Response = serde_json::Value;
    const METHOD: zoho_projects::Method = zoho_projects::Method::Get;
    const PATH: &'static str = "/api/v3/portal/{portal}/projects/{project}";
    fn path(&self) -> String {
        self.0.to_owned()
    }
    fn decode(answer: zoho_projects::Answer) -> impl Future<Output = Result<serde_json::Value, Error>> + Send {
        answer.json()
    }
}

macro_rules! refuses_dots {
    ($($id:ident),* $(,)?) => {$(
        for bad in [".", "..", "", "%2e", "%2E%2e", ".%2E"] {
            let err = $id::new(bad).expect_err(bad);
            assert_eq!(err.kind(), stringify!($id), "{bad:?}");
            let json = serde_json::to_string(bad).expect("a JSON string");
            assert!(serde_json::from_str::<$id>(&json).is_err(), "{} from JSON {json}", stringify!($id));
        }
        for fine in ["...", "..a", "a..", ".a", "a.b", "1817452000006072671"] {
            assert_eq!($id::new(fine).expect(fine).as_str(), fine);
        }
    )*};
}

#[test]
fn every_id_type_refuses_dot_segments() {
    refuses_dots!(
        PortalId,
        ProjectId,
        TasklistId,
        TaskId,
        CommentId,
        MilestoneId,
        IssueId,
        UserId,
        Zuid,
        TimelogId,
        TagId,
        StatusId,
        LayoutId,
        ProjectGroupId,
        ModuleId,
        SeverityId,
        ClassificationId,
        ReproducibilityId,
        ProfileId,
        RoleId,
        AttachmentId,
    );
    let err = TaskId::new("..").expect_err("dot segment");
    assert!(err.to_string().contains("dot segment"), "{err}");
}

/// API requests the sandbox received (token requests excluded).
fn api_requests(sb: &Sandbox) -> Vec<String> {
    sb.requests_seen()
        .into_iter()
        .filter(|r| r.path_and_query.starts_with("/api/"))
        .map(|r| format!("{} {}", r.method, r.path_and_query))
        .collect()
}

fn assert_refused<T: std::fmt::Debug>(what: &str, result: Result<T, Error>) {
    match result {
        Err(Error::Path(e)) => assert!(!e.template().is_empty(), "{what}"),
        other => panic!("{what}: expected Error::Path, got {other:?}"),
    }
}

#[tokio::test]
async fn dot_and_empty_path_values_never_reach_the_server() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let access = console_token(&sb, &SCOPES).await;
    let token =
        Token::<Everything>::from_console(&access, &SCOPES.join(","), Duration::from_secs(3600)).expect("token");
    let client = Client::builder().api_base(sb.api_url(Dc::Us)).build(token).expect("client");
    let demo = sb.demo_portal(Dc::Us);
    let (p, q) = (demo.id.as_str(), demo.projects[0].id.as_str());
    let task = demo.projects[0].tasks[0].as_str();

    // A positive control first: a real call reaches the sandbox at exactly its path.
    client.send(DeleteTaskRaw { portal: p.into(), project: q.into(), task: task.into() }).await.expect("delete");
    assert_eq!(api_requests(&sb), [format!("DELETE /api/v3/portal/{p}/projects/{q}/tasks/{task}")]);

    for bad in [".", "..", ""] {
        // A derived `String` field: checked only at `send`.
        assert_refused(bad, client.send(DeleteTaskRaw { portal: p.into(), project: q.into(), task: bad.into() }).await);
        assert_refused(
            bad,
            client.send(DeleteTaskRaw { portal: p.into(), project: bad.into(), task: "1".into() }).await,
        );
        // Every id type that appears in a path, wrapped without validation (`From<&str>`), in
        // the last segment, where `..` would climb to the parent resource.
        assert_refused(bad, client.send(portals::GetPortal::new(bad)).await);
        assert_refused(bad, client.send(projects::GetProject::new(p, bad)).await);
        assert_refused(bad, client.send(tasks::DeleteTask::new(p, q, bad)).await);
        assert_refused(bad, client.send(tasklists::DeleteTasklist::new(p, q, bad)).await);
        assert_refused(bad, client.send(milestones::DeleteMilestone::new(p, q, bad)).await);
        assert_refused(bad, client.send(issues::DeleteIssue::new(p, q, bad)).await);
        assert_refused(bad, client.send(issues::DeleteIssueComment::new(p, q, "1", bad)).await);
        assert_refused(bad, client.send(tasks::DeleteTaskComment::new(p, q, "1", bad)).await);
        assert_refused(bad, client.send(timelogs::DeleteTimeLog::new(p, q, bad)).await);
        assert_refused(bad, client.send(tags::DeleteTag::new(p, bad)).await);
        assert_refused(bad, client.send(users::GetUser::new(p, bad)).await);
    }
    // A hand-written endpoint that forgot to encode, or encoded the dots itself.
    for path in [
        format!("/api/v3/portal/{p}/projects/.."),
        format!("/api/v3/portal/{p}/projects/%2e%2E"),
        format!("/api/v3/portal/{p}/projects/.%2e"),
        format!("/api/v3/portal/{p}/projects/a\\..\\.."),
        format!("/api/v3/portal/{p}/projects/{q}/tasks"),
    ] {
        let path: &'static str = Box::leak(path.into_boxed_str());
        assert_refused(path, client.send(HandWritten(path)).await);
    }
    // Nothing but the control call left the process.
    assert_eq!(api_requests(&sb), [format!("DELETE /api/v3/portal/{p}/projects/{q}/tasks/{task}")]);
    // The typed error names the template, not the value.
    let Err(Error::Path(e)) = client.send(tasks::DeleteTask::new(p, q, "..")).await else { panic!("refused") };
    assert_eq!(e.template(), "/api/v3/portal/{portal}/projects/{project}/tasks/{task}");
    assert!(matches!(e, PathError { .. }));
    sb.shutdown().await;
}

/// Path values rich in dots, escapes and separators.
fn dotty() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(
            prop_oneof![
                Just(".".to_owned()),
                Just("..".to_owned()),
                Just("%2e".to_owned()),
                Just("%2E".to_owned()),
                Just("/".to_owned()),
                Just("\\".to_owned()),
                Just("%".to_owned()),
                Just("?".to_owned()),
                Just("#".to_owned()),
                "[a-z0-9]{1,3}",
            ],
            0..6,
        )
        .prop_map(|parts| parts.concat()),
    ]
}

/// Decodes `%XX` escapes (the client encodes every value, so this is always well-formed).
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).expect("hex"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8")
}

proptest! {
    /// Whatever the values, the final `Url` has one segment per placeholder and the template's
    /// literal segments unchanged, each placeholder segment decoding to its value; or the call
    /// is refused, exactly when a value is empty, `.` or `..`.
    #[test]
    fn the_final_url_has_one_segment_per_placeholder(portal in dotty(), project in dotty(), task in dotty()) {
        let token = Token::<Everything>::from_console("1000.x.y", &SCOPES.join(","), Duration::from_secs(3600))
            .expect("token");
        let base: reqwest::Url = "https://projectsapi.zoho.com/base/".parse().expect("url");
        let client = Client::builder().api_base(base).build(token).expect("client");
        let call = DeleteTaskRaw { portal: portal.clone(), project: project.clone(), task: task.clone() };
        let values = [&portal, &project, &task];
        let refused = values.iter().any(|v| v.is_empty() || *v == "." || *v == "..");
        match client.url_for(&call) {
            Err(Error::Path(_)) => prop_assert!(refused, "refused {values:?}"),
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
            Ok(url) => {
                prop_assert!(!refused, "sent {values:?} as {url}");
                let segments: Vec<&str> = url.path_segments().expect("a base URL").collect();
                prop_assert_eq!(segments.len(), 9, "{}", url);
                let literal = ["base", "api", "v3", "portal", "", "projects", "", "tasks", ""];
                for (i, lit) in literal.iter().enumerate() {
                    if !lit.is_empty() {
                        prop_assert_eq!(segments[i], *lit, "{}", url);
                    }
                }
                prop_assert_eq!(decode(segments[4]), portal);
                prop_assert_eq!(decode(segments[6]), project);
                prop_assert_eq!(decode(segments[8]), task);
                prop_assert!(url.query().is_none() && url.fragment().is_none(), "{}", url);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Hostile header values (issue 16): a header an endpoint takes from a field carries a caller's
// value, and a hand-written endpoint names its headers itself. Neither may split the request
// (a line break), replace the token (`Authorization`) or the host, or repeat a header.

/// A derived endpoint with a static header and one from a field.
#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects", scope = "ZohoProjects.projects.READ",
       header("X-Static" = "on"), response = serde_json::Value)]
struct ListProjectsFor {
    #[zoho(path)]
    portal: String,
    #[zoho(header = "orgId")]
    org: String,
}

/// A hand-written endpoint that names its headers itself.
struct HandHeaders(Vec<(&'static str, String)>);

impl Endpoint for HandHeaders {
    type Scope = zoho_projects::scopes::portals::Read;
    type Response = serde_json::Value;
    const METHOD: zoho_projects::Method = zoho_projects::Method::Get;
    const PATH: &'static str = "/api/v3/portals";
    fn path(&self) -> String {
        Self::PATH.to_owned()
    }
    fn headers(&self) -> Vec<(&'static str, String)> {
        self.0.clone()
    }
    fn decode(answer: zoho_projects::Answer) -> impl Future<Output = Result<serde_json::Value, Error>> + Send {
        answer.json()
    }
}

#[tokio::test]
async fn hostile_headers_never_reach_the_server() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let access = console_token(&sb, &SCOPES).await;
    let token =
        Token::<Everything>::from_console(&access, &SCOPES.join(","), Duration::from_secs(3600)).expect("token");
    let client = Client::builder().api_base(sb.api_url(Dc::Us)).build(token).expect("client");
    let p = sb.demo_portal(Dc::Us).id;

    // A positive control: both headers arrive, exactly.
    client.send(ListProjectsFor { portal: p.clone(), org: "6071".into() }).await.expect("listed");
    let seen = sb.requests_seen().into_iter().rev().find(|r| r.path_and_query.starts_with("/api/")).expect("seen");
    let header = |name: &str| seen.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).count();
    assert_eq!((header("orgId"), header("X-Static"), header("Authorization")), (1, 1, 1));
    assert!(seen.headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("orgId") && v == "6071"));
    let control = api_requests(&sb);

    for bad in ["1\r\nX-Admin: yes", "1\nX-Admin: yes", "1\rX-Admin: yes", "1\0"] {
        match client.send(ListProjectsFor { portal: p.clone(), org: bad.into() }).await {
            Err(Error::Header(e)) => {
                assert_eq!(e.name(), "orgId");
                assert!(!e.to_string().contains("X-Admin"), "the value is not shown: {e}");
            }
            other => panic!("{bad:?}: expected Error::Header, got {other:?}"),
        }
    }
    let stolen = || "Zoho-oauthtoken 1000.someone-elses".to_owned();
    for headers in [
        vec![("Authorization", stolen())],
        vec![("authorization", stolen())],
        vec![("Host", "evil.example".to_owned())],
        vec![("Content-Type", "text/plain".to_owned())],
        vec![("bad name", "1".to_owned())],
        vec![("", "1".to_owned())],
        vec![("orgId", "1".to_owned()), ("ORGID", "2".to_owned())],
    ] {
        let what = format!("{headers:?}");
        match client.send(HandHeaders(headers)).await {
            Err(Error::Header(e)) => assert!(!e.to_string().contains("someone-elses"), "{e}"),
            other => panic!("{what}: expected Error::Header, got {other:?}"),
        }
    }
    assert_eq!(api_requests(&sb), control, "nothing was sent");
}
