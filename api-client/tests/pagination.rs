//! Pagination as a `Stream`, against the sandbox: 450 seeded tasks read through both API
//! generations with several page sizes, checking that no row is skipped or repeated, that the
//! stream asks for exactly the pages it needs, and how it ends (V3 `has_next_page`, bare lists
//! on a short page, restapi on a short page or HTTP 204, errors).

#[path = "../../tests/tests/common/console.rs"]
mod console;
use console::console_token;

use std::collections::HashSet;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use zoho_projects::Error;
use zoho_projects::paginate::{Paginate, paginate, paginate_pages};
use zoho_projects::prelude::*;
use zoho_projects::v3::{projects, tasks, users};
use zoho_sandbox::{Dc, Fault, Route, Sandbox};

const SCOPES: [&str; 3] = ["ZohoProjects.projects.READ", "ZohoProjects.tasks.READ", "ZohoProjects.users.READ"];

scope_set! {
    struct Reader = ["ZohoProjects.projects.READ", "ZohoProjects.tasks.READ", "ZohoProjects.users.READ"];
}

/// A sandbox whose first demo project holds 450 more tasks, a client, the portal and project ids
/// and every task id of that project.
async fn setup() -> (Sandbox, Client<Reader>, String, String, Vec<String>) {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let access = console_token(&sb, &SCOPES).await;
    let token = Token::<Reader>::from_console(&access, &SCOPES.join(","), Duration::from_secs(3600)).expect("token");
    let client = Client::builder().api_base(sb.api_url(Dc::Us)).build(token).expect("client");
    let demo = sb.demo_portal(Dc::Us);
    let project = demo.projects[0].clone();
    let seeded = sb.seed_tasks(Dc::Us, &project.id, 450).expect("seed");
    assert_eq!(seeded.len(), 450);
    let mut all = project.tasks.clone();
    all.extend(seeded);
    (sb, client, demo.id, project.id, all)
}

/// The query strings of the requests seen on paths ending with `suffix`, in order.
fn queries(sb: &Sandbox, suffix: &str) -> Vec<String> {
    sb.requests_seen()
        .iter()
        .filter_map(|r| {
            let (path, query) = r.path_and_query.split_once('?').unwrap_or((&r.path_and_query, ""));
            path.ends_with(suffix).then(|| query.to_owned())
        })
        .collect()
}

/// Every id once, none missing: the rows read are exactly `expected`.
fn assert_exactly(read: &[String], expected: &[String]) {
    let unique: HashSet<&String> = read.iter().collect();
    assert_eq!(unique.len(), read.len(), "a row was repeated");
    let want: HashSet<&String> = expected.iter().collect();
    assert_eq!(unique, want, "rows were skipped or unexpected");
}

#[tokio::test]
async fn v3_tasks_450_without_skips_or_repeats() {
    let (sb, client, portal, project, all) = setup().await;
    assert_eq!(all.len(), 457, "7 seeded demo tasks + 450");

    // The sandbox sends every third `page_info` with strings for values ("true", "3") as Zoho
    // may [T-PAN]: these exact request counts hold only if the client reads both forms.
    for (per_page, requests) in [(100, 5), (200, 3), (50, 10)] {
        let before = queries(&sb, "/tasks").len();
        let ids: Vec<String> = client
            .paginate(tasks::ListTasks::new(portal.as_str(), project.as_str()).per_page(per_page))
            .map_ok(|t| t.id.to_string())
            .try_collect()
            .await
            .expect("tasks");
        assert_exactly(&ids, &all);
        let seen = queries(&sb, "/tasks");
        let asked = &seen[before..];
        assert_eq!(asked.len(), requests, "per_page {per_page}: {asked:?}");
        for (i, q) in asked.iter().enumerate() {
            assert_eq!(q, &format!("page={}&per_page={per_page}", i + 1));
        }
    }

    // The order is the server's, page after page: the same as reading the pages one by one.
    let mut by_hand = Vec::new();
    for page in 1..=3 {
        let rows = client
            .send(tasks::ListTasks::new(portal.as_str(), project.as_str()).page(page).per_page(200))
            .await
            .expect("page");
        by_hand.extend(rows.into_iter().map(|t| t.id.to_string()));
    }
    let streamed: Vec<String> =
        paginate(&client, tasks::ListTasks::new(portal.as_str(), project.as_str()).per_page(200))
            .map_ok(|t| t.id.to_string())
            .try_collect()
            .await
            .expect("stream");
    assert_eq!(streamed, by_hand);

    // Default page size 100; a starting page skips what comes before it.
    let from_third: Vec<String> = client
        .paginate(tasks::ListTasks::new(portal.as_str(), project.as_str()).page(3))
        .map_ok(|t| t.id.to_string())
        .try_collect()
        .await
        .expect("from page 3");
    assert_eq!(from_third, by_hand[200..]);
    assert_eq!(queries(&sb, "/tasks").last().map(String::as_str), Some("page=5&per_page=100"));

    // Whole pages, each non-empty; an out-of-range page size is clamped to Zoho's 1..=200.
    let pages: Vec<Vec<_>> =
        paginate_pages(&client, tasks::ListTasks::new(portal.as_str(), project.as_str()).per_page(1000))
            .try_collect()
            .await
            .expect("pages");
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [200, 200, 57]);

    // Portal-wide lists page the same way.
    let portal_wide: Vec<_> = client
        .paginate(tasks::ListPortalTasks::new(portal.as_str()).per_page(150))
        .try_collect()
        .await
        .expect("portal");
    let ids: HashSet<_> = portal_wide.iter().map(|t| t.id.to_string()).collect();
    assert_eq!(ids.len(), portal_wide.len());
    assert!(all.iter().all(|id| ids.contains(id)));
    sb.shutdown().await;
}

#[tokio::test]
async fn bare_lists_end_on_a_short_or_empty_page() {
    let (sb, client, portal, _, _) = setup().await;

    // Projects come as a bare array without page_info: a full page asks for the next one, a
    // short or empty page ends the list.
    let one_each: Vec<_> = client
        .paginate(projects::ListProjects::new(portal.as_str()).per_page(1))
        .try_collect()
        .await
        .expect("projects");
    assert_eq!(one_each.len(), 2);
    assert_eq!(queries(&sb, "/projects"), ["page=1&per_page=1", "page=2&per_page=1", "page=3&per_page=1"]);

    let short: Vec<_> =
        client.paginate(projects::ListProjects::new(portal.as_str())).try_collect().await.expect("short");
    assert_eq!(short.len(), 2);
    assert_eq!(queries(&sb, "/projects").len(), 4, "a short first page is the last one");

    let users: Vec<_> =
        client.paginate(users::ListUsers::new(portal.as_str()).per_page(3)).try_collect().await.expect("u");
    let zpuids: HashSet<_> = users.iter().filter_map(|u| u.zpuid.clone()).collect();
    assert_eq!(zpuids.len(), users.len());
    assert_eq!(users.len(), client.send(users::ListUsers::new(portal.as_str())).await.expect("all users").len());

    // A page past the end (V3 answers 204 with no body) yields nothing, after one request.
    let before = queries(&sb, "/projects").len();
    let none: Vec<_> =
        client.paginate(projects::ListProjects::new(portal.as_str()).page(9)).try_collect().await.expect("empty");
    assert!(none.is_empty(), "{none:?}");
    assert_eq!(queries(&sb, "/projects")[before..], ["page=9&per_page=100"]);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_failed_page_ends_the_stream_after_the_error() {
    let (sb, client, portal, project, _) = setup().await;
    let mut stream = client.paginate(tasks::ListTasks::new(portal.as_str(), project.as_str()).per_page(200));
    for _ in 0..200 {
        stream.next().await.expect("row").expect("first page");
    }
    // The second page fails with a non-retryable Zoho error.
    sb.inject(Fault::status(400).on(Route::Path("/api/v3/portal/*/projects/*/tasks".into())).times(1));
    match stream.next().await {
        Some(Err(Error::Api(e))) => assert_eq!(e.status, 400, "{e}"),
        other => panic!("expected the injected error, got {other:?}"),
    }
    assert!(stream.next().await.is_none(), "nothing after an error");
    assert_eq!(queries(&sb, "/tasks").len(), 2, "the failed page is not retried by the stream");
    sb.shutdown().await;
}

#[cfg(feature = "restapi")]
#[tokio::test]
async fn restapi_tasks_450_without_skips_or_repeats() {
    use zoho_projects::restapi::endpoints as rest;

    let (sb, client, portal, project, all) = setup().await;
    // The restapi lists main tasks only: the seeded subtask is left out.
    let main: Vec<String> = {
        let v3: Vec<_> = client
            .paginate(tasks::ListTasks::new(portal.as_str(), project.as_str()).per_page(200))
            .try_collect()
            .await
            .expect("v3");
        v3.into_iter().filter(|t| t.parent_task.is_none()).map(|t| t.id.to_string()).collect()
    };
    assert_eq!(main.len(), all.len() - 1);
    // The restapi takes the portal's own restapi id, not the V3 one.
    let portal = sb.demo_portal(Dc::Us).v2_id;

    // 456 rows: range 200 ends on a short page; range 152 divides them exactly and ends on the
    // HTTP 204 of the fourth request; the default range is 100.
    for (range, indexes) in
        [(Some(200), vec![1, 201, 401]), (Some(152), vec![1, 153, 305, 457]), (None, vec![1, 101, 201, 301, 401])]
    {
        let before = queries(&sb, "/tasks/").len();
        let call = rest::ListTasks::new(portal.as_str(), project.as_str());
        let call = match range {
            Some(r) => call.range(r),
            None => call,
        };
        let ids: Vec<String> =
            paginate(&client, call).map_ok(|t| t.id.to_string()).try_collect().await.expect("restapi tasks");
        assert_exactly(&ids, &main);
        let size = range.unwrap_or(100);
        let asked = &queries(&sb, "/tasks/")[before..];
        let want: Vec<String> = indexes.iter().map(|i| format!("index={i}&range={size}")).collect();
        assert_eq!(asked, want.as_slice(), "range {range:?}");
    }

    // Starting at a row.
    let tail: Vec<_> = client
        .paginate(rest::ListTasks::new(portal.as_str(), project.as_str()).index(401).range(200))
        .try_collect()
        .await
        .expect("tail");
    assert_eq!(tail.len(), 56);

    // An empty list (204 at once: the first row asked for is past the last) yields nothing,
    // after exactly one request.
    let before = queries(&sb, "/tasks/").len();
    let none: Vec<_> = client
        .paginate(rest::ListTasks::new(portal.as_str(), project.as_str()).index(1001).range(100))
        .try_collect()
        .await
        .expect("none");
    assert!(none.is_empty(), "{none:?}");
    assert_eq!(queries(&sb, "/tasks/")[before..], ["index=1001&range=100"]);
    sb.shutdown().await;
}

/// A paging struct of the user's own, shared by their endpoints: `paginate(cursor = field)`.
#[derive(Debug, Clone, Default)]
struct MyPaging {
    page: Option<u32>,
    per_page: Option<u32>,
}

impl zoho_projects::paginate::PageCursor for MyPaging {
    fn position(&self) -> Option<u32> {
        self.page
    }
    fn size(&self) -> Option<u32> {
        self.per_page
    }
    fn set_position(&mut self, position: u32) {
        self.page = Some(position);
    }
    fn set_size(&mut self, size: u32) {
        self.per_page = Some(size);
    }
}

impl zoho_projects::QueryParams for MyPaging {
    fn push_query(&self, query: &mut Vec<(&'static str, String)>) {
        query.extend(self.page.map(|p| ("page", p.to_string())));
        query.extend(self.per_page.map(|n| ("per_page", n.to_string())));
    }
}

/// Task ids out of a raw answer: `{"tasks": [{"id": …}], "page_info": {"has_next_page": …}}`.
fn task_ids(answer: serde_json::Value) -> zoho_projects::paginate::PageParts<String> {
    let items = answer["tasks"].as_array().into_iter().flatten().filter_map(|t| t["id"].as_str()).map(String::from);
    zoho_projects::paginate::PageParts {
        items: items.collect(),
        has_next: answer["page_info"]["has_next_page"].as_bool(),
    }
}

/// An endpoint of the user's own with the derive's public pagination: two fields of its own,
/// raw JSON taken apart by its own function.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects/{project}/tasks", scope = "ZohoProjects.tasks.READ",
       response = serde_json::Value, paginate(item = String, split = task_ids))]
struct MyTaskIds {
    #[zoho(path)]
    portal: String,
    #[zoho(path)]
    project: String,
    #[zoho(query)]
    page: Option<u32>,
    #[zoho(query)]
    per_page: Option<u32>,
}

#[tokio::test]
async fn an_endpoint_of_ones_own_streams_all_450_through_the_public_derive() {
    let (sb, client, portal, project, all) = setup().await;
    let before = queries(&sb, "/tasks").len();
    let call = MyTaskIds { portal, project, page: None, per_page: None }.per_page(200);
    let ids: Vec<String> = client.paginate(call).try_collect().await.expect("stream");
    assert_exactly(&ids, &all);
    let asked = queries(&sb, "/tasks")[before..].to_vec();
    assert_eq!(asked, ["page=1&per_page=200", "page=2&per_page=200", "page=3&per_page=200"]);
    sb.shutdown().await;
}

/// The same list with its position in a field of its own type (`paginate(cursor = field)`),
/// flattened into the query as the crate's own V3 lists do with `Paging`.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects/{project}/tasks", scope = "ZohoProjects.tasks.READ",
       response = serde_json::Value, paginate(item = String, cursor = paging, split = task_ids))]
struct MyCursorTaskIds {
    #[zoho(path)]
    portal: String,
    #[zoho(path)]
    project: String,
    #[zoho(flatten)]
    paging: MyPaging,
}

#[tokio::test]
async fn a_cursor_field_of_ones_own_streams_all_450() {
    let (sb, client, portal, project, all) = setup().await;
    let call = MyCursorTaskIds { portal, project, paging: MyPaging::default() }.page(2).per_page(150);
    assert_eq!((call.paging.page, call.paging.per_page), (Some(2), Some(150)), "setters move the cursor field");
    let before = queries(&sb, "/tasks").len();
    let ids: Vec<String> = client.paginate(call.page(1)).try_collect().await.expect("stream");
    assert_exactly(&ids, &all);
    let asked = queries(&sb, "/tasks")[before..].to_vec();
    assert_eq!(asked, ["page=1&per_page=150", "page=2&per_page=150", "page=3&per_page=150", "page=4&per_page=150"]);
    sb.shutdown().await;
}

/// A server that ignores `page` and answers the same full page, claiming more follow, forever
/// (with a "next" URL to another host thrown in): the stream yields the page once, then a typed
/// error, after exactly two requests, all to the Projects host the client was built for.
#[tokio::test]
async fn a_server_repeating_the_same_page_forever_does_not_loop_forever() {
    let (sb, client, portal, project, _) = setup().await;
    let same_page = serde_json::json!({
        "tasks": [{"id": "1", "name": "a"}, {"id": "2", "name": "b"}],
        "page_info": {"page": 1, "per_page": 2, "has_next_page": true,
                      "next_page_url": "http://evil.example/api/v3/portal/1/projects/1/tasks?page=2"}
    });
    sb.inject(
        Fault::respond(200, "application/json", &same_page.to_string())
            .on(Route::Path("/api/v3/portal/*/projects/*/tasks".into()))
            .always(),
    );
    let before = sb.requests_seen().len();
    let mut stream = client.paginate(tasks::ListTasks::new(portal.as_str(), project.as_str()).per_page(2));
    let first: Vec<String> = vec![
        stream.next().await.expect("row").expect("row").id.to_string(),
        stream.next().await.expect("row").expect("row").id.to_string(),
    ];
    assert_eq!(first, ["1", "2"]);
    match stream.next().await {
        Some(Err(Error::Pagination(zoho_projects::paginate::PaginationError::RepeatedPage { position, endpoint }))) => {
            assert_eq!(position, 2);
            assert_eq!(endpoint, "/api/v3/portal/{portal}/projects/{project}/tasks");
        }
        other => panic!("expected RepeatedPage, got {other:?}"),
    }
    assert!(stream.next().await.is_none(), "nothing after the error");
    let seen = &sb.requests_seen()[before..];
    let asked: Vec<&str> = seen.iter().map(|r| r.path_and_query.split_once('?').map_or("", |(_, q)| q)).collect();
    assert_eq!(asked, ["page=1&per_page=2", "page=2&per_page=2"]);
    assert!(
        seen.iter().all(|r| r.dc == Dc::Us && r.service == zoho_sandbox::Service::Projects),
        "every page went to the client's own Projects host: {seen:?}"
    );
    sb.shutdown().await;
}
