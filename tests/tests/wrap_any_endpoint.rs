//! Issue 16's acceptance, from outside: a crate that depends on `zoho-projects` and uses only
//! its public API wraps Zoho endpoints the crate does not ship, with the public derive, and runs
//! them against the sandbox (strict by default: every Zoho limit on).
//!
//! - an endpoint of another service (WorkDrive, on the `api_domain` hosts) reaches that
//!   service's host in the data centre of the token: an EU user signs in (the code is exchanged
//!   at the EU accounts listener), a new manager resumes the token from a real file, and only the
//!   EU `api_domain` listener sees the call;
//! - an endpoint that needs two scopes (the missing-scope compile error is
//!   `tests/ui/fail/two-scopes-one-missing.rs`);
//! - headers, static and per call, as the sandbox saw them on the wire;
//! - a multipart upload whose bytes come back exactly (SHA-256 of what was sent and of what was
//!   downloaded), through the sandbox's V3 task attachments: an upload that needs two scopes and
//!   a streamed download that needs three;
//! - a paginated endpoint of its own streaming all 450 seeded tasks, none skipped or repeated.

use std::collections::HashSet;
use std::path::Path;

use futures::TryStreamExt;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use zoho_projects::manager::TokenManager;
use zoho_projects::multipart::{Multipart, Part};
use zoho_projects::oauth::{AuthorizeOptions, OAuthClient};
use zoho_projects::paginate::{PageParts, Paginate, PaginationError};
use zoho_projects::prelude::*;
use zoho_projects::store::{FileStore, StoreKey};
use zoho_projects::{ClientBuilder, ClientSecret, Download, Error, Method, Paging};
use zoho_sandbox::{Dc, Fault, Route, Sandbox, SeenRequest};

scope_module! {
    /// Zoho WorkDrive's users (another service: the `api_domain` hosts, `www.zohoapis.<tld>`).
    pub mod workdrive_users = "WorkDrive.users" { READ }
}
scope_module! {
    /// Zoho WorkDrive's files.
    pub mod workdrive_files = "WorkDrive.files" { READ, CREATE }
}
scope_module! {
    /// Zoho's file store, which Projects' attachments need besides the Projects scope.
    pub mod zohopc_files = "ZohoPC.files" { ALL }
}

scope_set! {
    /// What the wrapping crate asks for.
    pub struct Wrap = [
        "ZohoProjects.portals.READ", "ZohoProjects.tasks.READ", "ZohoProjects.tasks.CREATE", zohopc_files::All,
        workdrive_users::Read, workdrive_files::Read, workdrive_files::Create,
    ];
}

/// WorkDrive's "current user": `GET /workdrive/api/v1/users/me` on `www.zohoapis.<tld>`, with
/// the JSON:API `Accept` WorkDrive documents on the container and a correlation id per call.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/workdrive/api/v1/users/me", scope = workdrive_users::Read,
       header("Accept" = "application/vnd.api+json"), response = WorkDriveUser)]
pub struct WorkDriveMe {
    /// Sent as `X-Correlation-Id`.
    #[zoho(header = "X-Correlation-Id")]
    pub correlation: String,
}

/// The part of WorkDrive's user answer read here.
#[derive(Debug, Deserialize)]
pub struct WorkDriveUser {
    /// `{"id": …, "type": "users", "attributes": {…}}`.
    pub data: WorkDriveResource,
}

/// A JSON:API resource.
#[derive(Debug, Deserialize)]
pub struct WorkDriveResource {
    /// Its id.
    pub id: String,
    /// `users`, `files`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// Its attributes.
    pub attributes: serde_json::Value,
}

/// A task read with two scopes required (as Zoho's attachment calls need `ZohoPC.files.ALL`
/// besides the Projects scope): compiles only for a set that grants both.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}",
       scope = ["ZohoProjects.tasks.READ", zohopc_files::All], response = serde_json::Value)]
pub struct TaskWithFiles {
    /// The portal.
    #[zoho(path)]
    pub portal: String,
    /// The project.
    #[zoho(path)]
    pub project: String,
    /// The task.
    #[zoho(path)]
    pub task: String,
}

/// WorkDrive's upload: `POST /workdrive/api/v1/upload` on `www.zohoapis.<tld>`, the file in the
/// multipart field `content`, the folder in `parent_id`, the name in `filename`.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "POST", path = "/workdrive/api/v1/upload", scope = workdrive_files::Create,
       response = serde_json::Value)]
pub struct WorkDriveUpload {
    /// The form.
    #[zoho(multipart)]
    pub form: Multipart,
}

/// Attaches files to a task: `POST …/tasks/{task}/attachments`, the files in `upload_file`
/// parts. Zoho wants `ZohoPC.files.ALL` besides the Projects scope (V3.md §attachments).
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "POST", path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}/attachments",
       scope = ["ZohoProjects.tasks.CREATE", zohopc_files::All], response = serde_json::Value)]
pub struct AttachToTask {
    /// The portal.
    #[zoho(path)]
    pub portal: String,
    /// The project.
    #[zoho(path)]
    pub project: String,
    /// The task.
    #[zoho(path)]
    pub task: String,
    /// The files.
    #[zoho(multipart)]
    pub form: Multipart,
}

/// Downloads an attachment as a stream: three scopes, the bytes read chunk by chunk.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET",
       path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}/attachments/{attachment}/download",
       scope = ["ZohoProjects.tasks.READ", zohopc_files::All, workdrive_files::Read], response = Download)]
pub struct DownloadAttachment {
    /// The portal.
    #[zoho(path)]
    pub portal: String,
    /// The project.
    #[zoho(path)]
    pub project: String,
    /// The task.
    #[zoho(path)]
    pub task: String,
    /// The attachment.
    #[zoho(path)]
    pub attachment: String,
}

/// One row of the wrapping crate's own task list.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MyTask {
    /// Task id.
    pub id: String,
    /// Task name.
    pub name: String,
}

/// The answer of the wrapping crate's task list.
#[derive(Debug, Deserialize)]
pub struct MyTaskPage {
    /// The rows.
    #[serde(default)]
    pub tasks: Vec<MyTask>,
    /// Whether more follow.
    pub page_info: Option<MyPageInfo>,
}

/// `page_info` as this crate reads it.
#[derive(Debug, Deserialize)]
pub struct MyPageInfo {
    /// Zoho sends a boolean, or now and then the string `"true"`.
    pub has_next_page: serde_json::Value,
}

impl From<MyTaskPage> for PageParts<MyTask> {
    fn from(page: MyTaskPage) -> Self {
        let has_next = page.page_info.and_then(|i| match i.has_next_page {
            serde_json::Value::Bool(b) => Some(b),
            serde_json::Value::String(s) => s.parse().ok(),
            _ => None,
        });
        PageParts { items: page.tasks, has_next }
    }
}

/// The wrapping crate's own paginated endpoint: the public derive's `paginate(…)`, its
/// position in the crate's public [`Paging`] flattened into the query.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects/{project}/tasks", scope = "ZohoProjects.tasks.READ",
       response = MyTaskPage, paginate(item = MyTask, cursor = paging))]
pub struct MyProjectTasks {
    /// The portal.
    #[zoho(path)]
    pub portal: String,
    /// The project.
    #[zoho(path)]
    pub project: String,
    /// Page and page size.
    #[zoho(flatten)]
    pub paging: Paging,
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http client")
}

/// The demo app's OAuth client: it starts at the US accounts listener and knows the EU and IN
/// ones (Zoho hands an EU user over to the EU accounts server), on the sandbox's clock.
fn oauth(sb: &Sandbox) -> OAuthClient {
    let app = sb.demo_client();
    let clock = sb.clock();
    OAuthClient::builder(&app.client_id, ClientSecret::new(app.client_secret.as_str()))
        .accounts_url(sb.accounts_url(Dc::Us))
        .location_accounts_url("eu", sb.accounts_url(Dc::Eu))
        .location_accounts_url("in", sb.accounts_url(Dc::In))
        .redirect_uri(app.redirect_uri.parse().expect("redirect URI"))
        .clock(move || clock.now_system())
        .build()
        .expect("oauth client")
}

/// A client builder that knows the sandbox's listener of each service in each data centre (as
/// Zoho's hosts per data centre), and nothing else: which one a call reaches is the token's
/// choice.
fn sandbox_hosts(sb: &Sandbox) -> ClientBuilder {
    let mut b = Client::builder();
    for (region, dc) in [(Region::Us, Dc::Us), (Region::Eu, Dc::Eu), (Region::In, Dc::In)] {
        b = b.region_base(region, Service::PROJECTS, sb.api_url(dc)).region_base(
            region,
            Service::API_DOMAIN,
            sb.api_domain_url(dc),
        );
    }
    b
}

/// Signs `email` in through the web flow as a browser would (the sandbox approves at once) and
/// keeps the token in the file `file`; returns the store key.
async fn web_sign_in(sb: &Sandbox, email: &str, file: &Path) -> StoreKey {
    sb.sign_in(email).expect("browser signed in");
    let oauth = oauth(sb);
    let (url, pending) =
        oauth.authorize_url::<Wrap>(&AuthorizeOptions::new().offline().pkce()).await.expect("authorize url");
    // Zoho's US accounts server hands an EU user over to the EU one, which redirects to the app.
    let mut next = url;
    let callback = loop {
        let resp = no_redirects().get(next.clone()).send().await.expect("auth page");
        assert_eq!(resp.status().as_u16(), 302, "auto-approved");
        let location = next.join(resp.headers()["location"].to_str().expect("location")).expect("absolute");
        if location.path() != "/oauth/v2/auth" {
            break location.to_string();
        }
        next = location;
    };
    let token = oauth.complete(pending, &callback).await.expect("code exchanged");
    let key = StoreKey::new(sb.accounts_url(Dc::Us), &sb.demo_client().client_id, email);
    let clock = sb.clock();
    let manager = TokenManager::builder::<Wrap>(oauth, key.clone())
        .store(FileStore::new(file))
        .clock(move || clock.now_system())
        .build();
    manager.login(token).await.expect("stored");
    key
}

/// A new process: a manager over the same file, nothing in memory.
fn resume(sb: &Sandbox, key: StoreKey, file: &Path) -> TokenManager<Wrap> {
    let clock = sb.clock();
    TokenManager::builder::<Wrap>(oauth(sb), key).store(FileStore::new(file)).clock(move || clock.now_system()).build()
}

/// The header `name` as the sandbox saw it (every value, in order).
fn header<'a>(seen: &'a SeenRequest, name: &str) -> Vec<&'a str> {
    seen.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
}

#[tokio::test]
async fn another_services_endpoint_reaches_its_host_in_the_token_data_centre_with_its_headers() {
    let sb = Sandbox::builder().auto_approve(true).start().await.expect("sandbox");
    let lena = sb.add_user("lena@example.eu", Dc::Eu);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("tokens.json");

    let key = web_sign_in(&sb, &lena.email, &file).await;
    let exchanged: Vec<Dc> = sb
        .requests_seen()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path_and_query.starts_with("/oauth/v2/token"))
        .map(|r| r.dc)
        .collect();
    assert_eq!(exchanged, [Dc::Eu], "the code was exchanged at the EU accounts listener");
    assert!(std::fs::metadata(&file).expect("token file").len() > 0);

    // Another process: a new manager resumes the token from the file; the client is not told
    // the data centre.
    let grants = sb.counters().token_requests;
    let client = sandbox_hosts(&sb).build(resume(&sb, key, &file)).expect("client");
    let before = sb.requests_seen().len();
    let me = client.send(WorkDriveMe { correlation: "corr-7".into() }).await.expect("WorkDrive answered");
    assert_eq!(client.data_centre(), Region::Eu);
    assert_eq!((me.data.kind.as_str(), me.data.id.as_str()), ("users", lena.zuid.to_string().as_str()));
    assert_eq!(me.data.attributes["email_id"], lena.email.as_str());
    assert_eq!(sb.counters().token_requests, grants, "resumed from the file: no grant");

    let seen = sb.requests_seen()[before..].to_vec();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let call = &seen[0];
    assert_eq!((call.dc, call.service), (Dc::Eu, zoho_sandbox::Service::ApiDomain), "only the EU api_domain listener");
    assert_eq!((call.method.as_str(), call.path_and_query.as_str()), ("GET", "/workdrive/api/v1/users/me"));
    // The headers, on the wire: each once, next to the client's own Authorization.
    assert_eq!(header(call, "Accept"), ["application/vnd.api+json"]);
    assert_eq!(header(call, "X-Correlation-Id"), ["corr-7"]);
    assert_eq!(header(call, "Authorization").len(), 1);

    // The Projects call of the same client goes to the EU Projects listener; the endpoint that
    // needs two scopes compiles because `Wrap` grants both, and its token carries both.
    let demo = sb.demo_portal(Dc::Eu);
    let _ = client
        .send(TaskWithFiles { portal: demo.id.clone(), project: "1".into(), task: "2".into() })
        .await
        .expect_err("no such project: only where it went matters");
    let seen = sb.requests_seen()[before + 1..].to_vec();
    let hosts: Vec<_> = seen.iter().map(|r| (r.dc, r.service)).collect();
    assert_eq!(hosts, [(Dc::Eu, zoho_sandbox::Service::Projects)]);
    assert_eq!(
        <<TaskWithFiles as Endpoint>::Scope as zoho_projects::RequiredScopes>::OAUTH,
        ["ZohoProjects.tasks.READ", "ZohoPC.files.ALL"]
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn the_escape_hatch_reaches_the_same_host_and_refuses_the_headers_the_client_owns() {
    let sb = Sandbox::builder().auto_approve(true).start().await.expect("sandbox");
    let lena = sb.add_user("lena@example.eu", Dc::Eu);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("tokens.json");
    let key = web_sign_in(&sb, &lena.email, &file).await;
    let client = sandbox_hosts(&sb).build(resume(&sb, key, &file)).expect("client");

    let before = sb.requests_seen().len();
    let me = client
        .request::<workdrive_users::Read>(Method::Get, "/workdrive/api/v1/users/me")
        .header("X-Correlation-Id", "hatch")
        .send_json()
        .await
        .expect("answered");
    assert_eq!(me["data"]["attributes"]["email_id"], lena.email.as_str());
    let seen = sb.requests_seen()[before..].to_vec();
    assert_eq!(
        seen.iter().map(|r| (r.dc, r.service)).collect::<Vec<_>>(),
        [(Dc::Eu, zoho_sandbox::Service::ApiDomain)]
    );
    assert_eq!(header(&seen[0], "X-Correlation-Id"), ["hatch"]);

    // Headers the client sets itself, or a value that would add a header line: refused with a
    // typed error, nothing sent.
    let before = sb.requests_seen().len();
    for (name, value) in [
        ("Authorization", "Zoho-oauthtoken 1000.someone-elses"),
        ("authorization", "Zoho-oauthtoken 1000.someone-elses"),
        ("Host", "evil.example"),
        ("X-Correlation-Id", "a\r\nAuthorization: Zoho-oauthtoken 1000.someone-elses"),
        ("X-Correlation-Id", "a\nX-Admin: yes"),
    ] {
        let err = client
            .request::<workdrive_users::Read>(Method::Get, "/workdrive/api/v1/users/me")
            .header(name, value)
            .send_json()
            .await
            .expect_err("refused");
        assert!(matches!(err, Error::Header(_)), "{name}: {err:?}");
        assert!(!err.to_string().contains("someone-elses"), "the value is not shown: {err}");
    }
    let field = client.send(WorkDriveMe { correlation: "a\r\nX-Admin: yes".into() }).await.expect_err("refused");
    assert!(matches!(field, Error::Header(ref e) if e.name() == "X-Correlation-Id"), "{field:?}");
    assert_eq!(sb.requests_seen().len(), before, "nothing was sent");

    // A template that tries to name another host: refused before sending, or sent as a path
    // to the service's own host in the token's data centre.
    for template in ["https://evil.example/x", "@evil.example/x", "/\\evil.example/x"] {
        let err = client.request::<workdrive_users::Read>(Method::Get, template).send_json().await.expect_err(template);
        assert!(matches!(err, Error::Path(_)), "{template}: {err:?}");
    }
    assert_eq!(sb.requests_seen().len(), before, "nothing was sent");
    let _ = client.request::<workdrive_users::Read>(Method::Get, "//evil.example/x").send_json().await;
    let seen = sb.requests_seen()[before..].to_vec();
    let got: Vec<_> = seen.iter().map(|r| (r.dc, r.service, r.path_and_query.as_str())).collect();
    assert_eq!(got, [(Dc::Eu, zoho_sandbox::Service::ApiDomain, "//evil.example/x")]);
    sb.shutdown().await;
}

/// A token straight from the API console (US data centre) for the Projects calls.
async fn console_client(sb: &Sandbox) -> Client<Wrap> {
    let scopes = Wrap::OAUTH;
    let code = sb.self_client_code(&sb.demo_client().client_id, scopes).expect("code");
    let oauth = oauth(sb);
    let token = oauth.exchange_self_client_code::<Wrap>(&code).await.expect("token");
    sandbox_hosts(sb).build(token).expect("client")
}

#[tokio::test]
async fn an_endpoint_of_ones_own_streams_all_450_seeded_tasks_once_each() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let client = console_client(&sb).await;
    let demo = sb.demo_portal(Dc::Us);
    let project = demo.projects[0].clone();
    let seeded = sb.seed_tasks(Dc::Us, &project.id, 450).expect("seeded");
    assert_eq!(seeded.len(), 450);
    let mut expected: HashSet<String> = project.tasks.iter().cloned().collect();
    expected.extend(seeded.iter().cloned());
    assert_eq!(expected.len(), 457, "the demo project's 7 tasks and 450 more");

    // The endpoint that needs two scopes: the console token carries both, and Zoho answers.
    let task = &project.tasks[0];
    let one = client
        .send(TaskWithFiles { portal: demo.id.clone(), project: project.id.clone(), task: task.clone() })
        .await
        .expect("task");
    assert_eq!(one["tasks"][0]["id"].as_str().or(one["id"].as_str()), Some(task.as_str()), "{one}");

    let before = sb.requests_seen().len();
    let call = MyProjectTasks { portal: demo.id.clone(), project: project.id.clone(), paging: Paging::default() };
    let rows: Vec<MyTask> = client.paginate(call.clone().per_page(200)).try_collect().await.expect("streamed");
    let ids: Vec<String> = rows.iter().map(|t| t.id.clone()).collect();
    let unique: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), ids.len(), "no task repeated");
    assert_eq!(unique, expected, "no task skipped");
    assert!(seeded.iter().all(|id| unique.contains(id)));
    assert!(rows.iter().all(|t| !t.name.is_empty()));
    let asked: Vec<String> = sb.requests_seen()[before..].iter().map(|r| r.path_and_query.clone()).collect();
    let path = format!("/api/v3/portal/{}/projects/{}/tasks", demo.id, project.id);
    assert_eq!(
        asked,
        [1, 2, 3].map(|p| format!("{path}?page={p}&per_page=200")),
        "exactly the three pages, in order, on the Projects host"
    );

    // A server that ignores the page and repeats the same full page, saying more follow: the
    // stream ends with a typed error after the second copy instead of looping.
    let same = serde_json::json!({
        "tasks": [{"id": "1", "name": "a"}, {"id": "2", "name": "b"}],
        "page_info": {"has_next_page": true}
    });
    sb.inject(
        Fault::respond(200, "application/json", &same.to_string())
            .on(Route::Path("/api/v3/portal/*/projects/*/tasks".into()))
            .always(),
    );
    let before = sb.requests_seen().len();
    let got: Vec<Result<MyTask, Error>> = futures::StreamExt::collect(client.paginate(call.per_page(2))).await;
    assert_eq!(got.len(), 3, "two rows, then the error: {got:?}");
    assert!(matches!(got[2], Err(Error::Pagination(PaginationError::RepeatedPage { position: 2, .. }))), "{got:?}");
    assert_eq!(sb.requests_seen().len() - before, 2);
    sb.shutdown().await;
}

/// A file name is written into the part's header block: one with a line break would add header
/// lines to the part (a second `Content-Type`, even a forged part). It is refused with a typed
/// error before anything is sent, by the derive's endpoint and by the escape hatch.
#[tokio::test]
async fn an_upload_whose_file_name_carries_a_line_break_is_refused_before_sending() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let client = console_client(&sb).await;
    let before = sb.requests_seen().len();
    let form = |name: &str| {
        Multipart::new()
            .part("content", Part::bytes(&b"hello"[..]).file_name(name).content_type("text/plain"))
            .text("parent_id", "folder")
    };
    for name in ["report.txt\r\nContent-Type: text/html", "a\nb.txt", "a\rb.txt", "nul\0.txt", "tab\t.txt"] {
        let err = client.send(WorkDriveUpload { form: form(name) }).await.expect_err("refused");
        assert!(matches!(err, Error::Body(_)), "{name:?}: {err:?}");
        let cause = std::error::Error::source(&err).map(ToString::to_string).unwrap_or_default();
        assert!(cause.contains("file name") && !cause.contains("text/html"), "{err}: {cause}");
        let err = client
            .request::<workdrive_files::Create>(Method::Post, "/workdrive/api/v1/upload")
            .multipart(form(name))
            .send_json()
            .await
            .expect_err("refused");
        assert!(matches!(err, Error::Body(_)), "{name:?}: {err:?}");
    }
    assert_eq!(sb.requests_seen().len(), before, "nothing was sent");
    sb.shutdown().await;
}

/// `n` bytes that are not a short repeat (xorshift), so that a dropped or moved chunk changes
/// the hash.
fn noise(n: usize, mut seed: u64) -> Vec<u8> {
    (0..n)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect()
}

/// The SHA-256 of a download, read chunk by chunk (never whole in memory), and its length.
async fn hash_download(mut download: Download) -> (String, u64) {
    let mut hash = Sha256::new();
    let mut n = 0u64;
    while let Some(chunk) = download.chunk().await.expect("chunk") {
        n += chunk.len() as u64;
        hash.update(&chunk);
    }
    (format!("{:x}", hash.finalize()), n)
}

#[tokio::test]
async fn a_multipart_upload_round_trips_byte_for_byte() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let client = console_client(&sb).await;
    let demo = sb.demo_portal(Dc::Us);
    let project = demo.projects[0].clone();
    let task = project.tasks[0].clone();

    // One file streamed from disk, one from memory: 700 KiB in all, under the sandbox's
    // (Zoho-like) 1 MiB body limit.
    let dir = tempfile::tempdir().expect("tempdir");
    let on_disk = noise(512 * 1024 + 7, 0x9e37_79b9_7f4a_7c15);
    let path = dir.path().join("sensor log.bin");
    std::fs::write(&path, &on_disk).expect("written");
    let in_memory = noise(188 * 1024, 42);
    let form = Multipart::new()
        .part("upload_file", Part::file(&path).content_type("application/octet-stream"))
        .part("upload_file", Part::bytes(in_memory.clone()).file_name("Zürich notes.txt").content_type("text/plain"));
    let sent = |bytes: &[u8]| format!("{:x}", Sha256::digest(bytes));

    let before = sb.requests_seen().len();
    let answer = client
        .send(AttachToTask { portal: demo.id.clone(), project: project.id.clone(), task: task.clone(), form })
        .await
        .expect("uploaded");
    let uploads = &sb.requests_seen()[before..];
    assert_eq!(uploads.len(), 1, "one request: {uploads:?}");
    assert!(header(&uploads[0], "content-type")[0].starts_with("multipart/form-data; boundary="));
    let stored = answer["attachment"].as_array().expect("attachments");
    assert_eq!(stored.len(), 2, "{answer}");

    for (row, (bytes, name, mime)) in stored
        .iter()
        .zip([(&on_disk, "sensor log.bin", "application/octet-stream"), (&in_memory, "Zürich notes.txt", "text/plain")])
    {
        assert_eq!(row["name"], name, "{row}");
        let id = row["id"].as_str().expect("id").to_owned();
        let download = client
            .send(DownloadAttachment {
                portal: demo.id.clone(),
                project: project.id.clone(),
                task: task.clone(),
                attachment: id,
            })
            .await
            .expect("download");
        assert_eq!(download.content_type(), Some(mime));
        assert_eq!(download.content_length(), Some(bytes.len() as u64));
        assert_eq!(download.file_name(), Some(name));
        let (hash, n) = hash_download(download).await;
        assert_eq!(n, bytes.len() as u64);
        assert_eq!(hash, sent(bytes), "{name}: the bytes came back exactly");
    }
    sb.shutdown().await;
}

/// A crate author's own `macro_rules!` that writes paginated endpoints: the derive's code must
/// not depend on where the row type's tokens come from (it did not compile: the generated
/// `split` lost its parameter to the macro's hygiene).
macro_rules! my_paged_list {
    ($Name:ident at $path:tt, rows $Item:ident from $Page:ident) => {
        /// A list written by the author's macro.
        #[derive(Debug, Clone, Endpoint)]
        #[zoho(method = "GET", path = $path, scope = "ZohoProjects.tasks.READ")]
        #[zoho(response = $Page, paginate(item = $Item, cursor = paging))]
        pub struct $Name {
            /// The portal.
            #[zoho(path)]
            pub portal: String,
            /// The project.
            #[zoho(path)]
            pub project: String,
            /// Page and size.
            #[zoho(flatten)]
            pub paging: Paging,
        }
    };
}

my_paged_list!(MacroTasks at "/api/v3/portal/{portal}/projects/{project}/tasks", rows MyTask from MyTaskPage);

#[tokio::test]
async fn a_paginated_endpoint_written_by_an_authors_macro_streams_every_row() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let client = console_client(&sb).await;
    let demo = sb.demo_portal(Dc::Us);
    let project = demo.projects[0].clone();
    assert_eq!(project.tasks.len(), 7, "the demo project's tasks");
    let before = sb.requests_seen().len();
    let call = MacroTasks { portal: demo.id.clone(), project: project.id.clone(), paging: Paging::default() };
    let rows: Vec<MyTask> = client.paginate(call.per_page(3)).try_collect().await.expect("streamed");
    let ids: HashSet<String> = rows.iter().map(|t| t.id.clone()).collect();
    assert_eq!(ids.len(), rows.len(), "no row repeated");
    assert_eq!(ids, project.tasks.iter().cloned().collect::<HashSet<_>>());
    let asked: Vec<String> = sb.requests_seen()[before..].iter().map(|r| r.path_and_query.clone()).collect();
    let path = format!("/api/v3/portal/{}/projects/{}/tasks", demo.id, project.id);
    assert_eq!(asked, [1, 2, 3].map(|p| format!("{path}?page={p}&per_page=3")), "7 rows: three pages of 3, in order");
    sb.shutdown().await;
}

/// A crate author's own `macro_rules!` that writes one-call endpoints, the path value types and
/// the response type taken from the macro's input (`ty` fragments): the derive's code did not
/// compile (`__answer` not found), and the response type's name was hidden from the derive.
macro_rules! my_get {
    ($(#[$meta:meta])* $Name:ident($($field:ident: $Field:ty),+) at $path:tt, scope $scope:tt, response $Response:ty) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Endpoint)]
        #[zoho(method = "GET", path = $path, scope = $scope, response = $Response)]
        pub struct $Name {
            $(
                #[doc = concat!("The ", stringify!($field), ".")]
                #[zoho(path)]
                pub $field: $Field,
            )+
        }
    };
}

my_get! {
    /// One task, read as this crate's row type.
    MacroTask(portal: String, project: String, task: String)
        at "/api/v3/portal/{portal}/projects/{project}/tasks/{task}", scope "ZohoProjects.tasks.READ",
        response MyTask
}

/// The author's own types, one of them unluckily called `Download`: it is not the crate's, and
/// is read as the JSON it is, wherever it is used.
pub mod mine {
    /// A task (or any JSON object with an id and a name).
    #[derive(Debug, Clone, PartialEq, serde::Deserialize)]
    pub struct Download {
        /// Its id.
        pub id: String,
        /// Its name.
        pub name: String,
    }
}

/// One task, its response type the author's own `Download`.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}",
       scope = "ZohoProjects.tasks.READ", response = mine::Download)]
pub struct TaskAsMyDownload {
    /// The portal.
    #[zoho(path)]
    pub portal: String,
    /// The project.
    #[zoho(path)]
    pub project: String,
    /// The task.
    #[zoho(path)]
    pub task: String,
}

/// One task, read as whichever `Deserialize` type the caller picks: a generic response is JSON.
#[derive(Debug, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}",
       scope = "ZohoProjects.tasks.READ", response = R)]
pub struct TaskAs<R: serde::de::DeserializeOwned + Send + 'static> {
    /// The portal.
    #[zoho(path)]
    pub portal: String,
    /// The project.
    #[zoho(path)]
    pub project: String,
    /// The task.
    #[zoho(path)]
    pub task: String,
    /// The type read.
    #[zoho(skip)]
    pub read_as: std::marker::PhantomData<fn() -> R>,
}

#[tokio::test]
async fn a_one_call_endpoint_written_by_an_authors_macro_reads_its_json() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let client = console_client(&sb).await;
    let demo = sb.demo_portal(Dc::Us);
    let project = demo.projects[0].clone();
    let task = project.tasks[0].clone();
    let (portal, pr) = (demo.id.clone(), project.id.clone());

    let before = sb.requests_seen().len();
    let by_macro = client
        .send(MacroTask { portal: portal.clone(), project: pr.clone(), task: task.clone() })
        .await
        .expect("by the macro");
    let named = client
        .send(TaskAsMyDownload { portal: portal.clone(), project: pr.clone(), task: task.clone() })
        .await
        .expect("the author's Download is JSON");
    let generic = client
        .send(TaskAs::<MyTask> {
            portal: portal.clone(),
            project: pr.clone(),
            task: task.clone(),
            read_as: std::marker::PhantomData,
        })
        .await
        .expect("generic");
    assert_eq!(by_macro.id, task);
    assert_eq!((named.id.as_str(), named.name.as_str()), (task.as_str(), by_macro.name.as_str()));
    assert_eq!(generic, by_macro);
    let seen = sb.requests_seen()[before..].to_vec();
    let path = format!("/api/v3/portal/{portal}/projects/{pr}/tasks/{task}");
    let got: Vec<_> = seen.iter().map(|r| (r.method.as_str(), r.path_and_query.as_str(), r.dc)).collect();
    assert_eq!(got, [("GET", path.as_str(), Dc::Us); 3], "one GET each, on the Projects host");
    sb.shutdown().await;
}

/// The crate's `Download`, under a name of the author's.
pub type FileStream = Download;
/// The crate's `Bytes`, under a name of the author's.
pub type WholeFile = zoho_projects::bytes::Bytes;

/// An attachment, streamed: the crate's `Download` under an alias, written in the attribute.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET",
       path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}/attachments/{attachment}/download",
       scope = ["ZohoProjects.tasks.READ", zohopc_files::All, workdrive_files::Read], response = FileStream)]
pub struct AliasedDownload {
    /// The portal.
    #[zoho(path)]
    pub portal: String,
    /// The project.
    #[zoho(path)]
    pub project: String,
    /// The task.
    #[zoho(path)]
    pub task: String,
    /// The attachment.
    #[zoho(path)]
    pub attachment: String,
}

my_get! {
    /// An attachment, streamed: `Download` under an alias, through the macro's `ty` fragment.
    MacroDownload(portal: String, project: String, task: String, attachment: String)
        at "/api/v3/portal/{portal}/projects/{project}/tasks/{task}/attachments/{attachment}/download",
        scope ["ZohoProjects.tasks.READ", zohopc_files::All, workdrive_files::Read], response FileStream
}

my_get! {
    /// An attachment, read whole: `Bytes` under an alias, through the macro's `ty` fragment.
    MacroWholeFile(portal: String, project: String, task: String, attachment: String)
        at "/api/v3/portal/{portal}/projects/{project}/tasks/{task}/attachments/{attachment}/download",
        scope ["ZohoProjects.tasks.READ", zohopc_files::All, workdrive_files::Read], response WholeFile
}

my_get! {
    /// An attachment read as the author's own `Download`: JSON, never a stream.
    FileAsMyDownload(portal: String, project: String, task: String, attachment: String)
        at "/api/v3/portal/{portal}/projects/{project}/tasks/{task}/attachments/{attachment}/download",
        scope ["ZohoProjects.tasks.READ", zohopc_files::All, workdrive_files::Read], response mine::Download
}

/// How a response is read follows its type, not its spelling: `Download` under an alias (in the
/// attribute, and through a macro's `ty` fragment) streams, `Bytes` under an alias reads whole,
/// and the author's own type called `Download` is decoded as JSON from the same route.
#[tokio::test]
async fn download_and_bytes_under_other_names_read_the_file_and_a_download_of_ones_own_reads_json() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let client = console_client(&sb).await;
    let demo = sb.demo_portal(Dc::Us);
    let project = demo.projects[0].clone();
    let task = project.tasks[0].clone();
    let (portal, pr) = (demo.id.clone(), project.id.clone());

    // A file whose bytes are a JSON object, padded to span many chunks.
    let content = format!(r#"{{"id": "f-1", "name": "from a file", "pad": "{}"}}"#, "x".repeat(300 * 1024));
    let form = Multipart::new().part(
        "upload_file",
        Part::bytes(content.clone().into_bytes()).file_name("row.json").content_type("application/json"),
    );
    let answer = client
        .send(AttachToTask { portal: portal.clone(), project: pr.clone(), task: task.clone(), form })
        .await
        .expect("uploaded");
    let id = answer["attachment"][0]["id"].as_str().expect("id").to_owned();

    let before = sb.requests_seen().len();
    let streamed = [
        client
            .send(AliasedDownload {
                portal: portal.clone(),
                project: pr.clone(),
                task: task.clone(),
                attachment: id.clone(),
            })
            .await
            .expect("aliased Download"),
        client
            .send(MacroDownload {
                portal: portal.clone(),
                project: pr.clone(),
                task: task.clone(),
                attachment: id.clone(),
            })
            .await
            .expect("Download through the macro"),
    ];
    for download in streamed {
        assert_eq!(download.content_type(), Some("application/json"));
        assert_eq!(download.content_length(), Some(content.len() as u64));
        assert_eq!(download.file_name(), Some("row.json"));
        let (hash, n) = hash_download(download).await;
        assert_eq!((hash, n), (format!("{:x}", Sha256::digest(content.as_bytes())), content.len() as u64));
    }
    let whole = client
        .send(MacroWholeFile {
            portal: portal.clone(),
            project: pr.clone(),
            task: task.clone(),
            attachment: id.clone(),
        })
        .await
        .expect("Bytes through the macro");
    assert_eq!(whole, content.as_bytes(), "read whole, as is");
    let mine = client
        .send(FileAsMyDownload {
            portal: portal.clone(),
            project: pr.clone(),
            task: task.clone(),
            attachment: id.clone(),
        })
        .await
        .expect("the author's Download, decoded");
    assert_eq!(mine, mine::Download { id: "f-1".into(), name: "from a file".into() });

    let path = format!("/api/v3/portal/{portal}/projects/{pr}/tasks/{task}/attachments/{id}/download");
    let seen = sb.requests_seen()[before..].to_vec();
    let got: Vec<_> = seen.iter().map(|r| (r.method.as_str(), r.path_and_query.as_str(), r.dc)).collect();
    assert_eq!(got, [("GET", path.as_str(), Dc::Us); 4], "one GET each, on the Projects host");
    sb.shutdown().await;
}

/// A crate author's macro whose optional query value and optional body have their types from
/// the macro's input: `Option` through a `ty` fragment is still an `Option`.
macro_rules! my_create {
    ($Name:ident, query $Query:ty, body $Body:ty) => {
        /// A task creation written by the author's macro.
        #[derive(Debug, Clone, Endpoint)]
        #[zoho(method = "POST", path = "/api/v3/portal/{portal}/projects/{project}/tasks")]
        #[zoho(scope = "ZohoProjects.tasks.CREATE", response = serde_json::Value)]
        pub struct $Name {
            /// The portal.
            #[zoho(path)]
            pub portal: String,
            /// The project.
            #[zoho(path)]
            pub project: String,
            /// Sent as `notify` only when set.
            #[zoho(query)]
            pub notify: $Query,
            /// The new task, sent only when set.
            #[zoho(body)]
            pub task: $Body,
        }
    };
}

my_create!(MacroCreateTask, query Option<bool>, body Option<serde_json::Value>);

/// An unset `Option` from a macro's `ty` fragment sends nothing: no query parameter, no body
/// (it was a compile error for the query, and a JSON `null` body for the body).
#[tokio::test]
async fn optional_query_and_body_from_an_authors_macro_are_sent_only_when_set() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let client = console_client(&sb).await;
    let demo = sb.demo_portal(Dc::Us);
    let project = demo.projects[0].clone();
    let path = format!("/api/v3/portal/{}/projects/{}/tasks", demo.id, project.id);

    let before = sb.requests_seen().len();
    let unset = MacroCreateTask { portal: demo.id.clone(), project: project.id.clone(), notify: None, task: None };
    let refused = client.send(unset).await.expect_err("Zoho wants a body");
    assert!(matches!(refused, Error::Api(_)), "{refused:?}");
    let set = MacroCreateTask {
        portal: demo.id.clone(),
        project: project.id.clone(),
        notify: Some(true),
        task: Some(serde_json::json!({"name": "From a macro"})),
    };
    let created = client.send(set).await.expect("created");
    assert_eq!(created["tasks"][0]["name"].as_str().or(created["name"].as_str()), Some("From a macro"), "{created}");

    let seen = sb.requests_seen()[before..].to_vec();
    let got: Vec<(String, String)> = seen.iter().map(|r| (r.method.clone(), r.path_and_query.clone())).collect();
    assert_eq!(got, [("POST".to_owned(), path.clone()), ("POST".to_owned(), format!("{path}?notify=true"))]);
    assert_eq!(header(&seen[0], "content-type"), Vec::<&str>::new(), "no body: no content type");
    assert!(header(&seen[0], "content-length").iter().all(|n| *n == "0"), "no body: {:?}", seen[0].headers);
    assert_eq!(header(&seen[1], "content-type"), ["application/json"]);
    sb.shutdown().await;
}
