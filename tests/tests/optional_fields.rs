//! A request field is left out when it is an unset `Option`, however its type is spelt, and a
//! field of any other type is always sent: the derive decides by the field's TYPE. Spelt through
//! a type alias, a renamed import, a full path or a `macro_rules!` `ty` fragment, an unset
//! `Option` body was sent as `null` (on Zoho's PATCH endpoints, `null` where the caller meant
//! "leave unchanged" can clear the field), and an unset `Option` query parameter or header did
//! not compile. Asserted on what the sandbox received (strict by default: every Zoho limit on).
//!
//! The adversary is the endpoint's author: any spelling of a type Rust accepts, including a type
//! of their own named `Option` (not the standard one: always sent, whole).

use serde::Serialize;
use zoho_projects::ClientSecret;
use zoho_projects::multipart::Multipart;
use zoho_projects::oauth::OAuthClient;
use zoho_projects::prelude::*;
use zoho_sandbox::{Dc, Sandbox, SeenRequest};

scope_set! {
    /// What these tests ask for.
    pub struct Edit = ["ZohoProjects.tasks.READ", "ZohoProjects.tasks.UPDATE"];
}

/// A partial update of a task: only what is set changes.
#[derive(Debug, Clone, Serialize)]
pub struct TaskPatch {
    /// The new description.
    pub description: String,
}

/// An `Option` under another name.
pub type MaybePatch = Option<TaskPatch>;
/// A generic alias of `Option`.
pub type Opt<T> = Option<T>;
/// An `Option` of a query value under another name.
pub type MaybeCount = Option<u32>;
/// An `Option` of a header value under another name.
pub type MaybeText = Option<String>;
use std::option::Option as Maybe;

/// A type of the author's own that happens to be called `Option`: not the standard one, so a
/// field of this type is always sent.
pub mod mine {
    use serde::Serialize;
    use std::fmt;

    /// Always holds a value.
    #[derive(Debug, Clone, Serialize)]
    #[serde(transparent)]
    pub struct Option<T>(pub T);

    impl<T: fmt::Display> fmt::Display for Option<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.fmt(f)
        }
    }
}

/// `PATCH …/tasks/{task}` with the body field's type written as the tokens given (spelt as is,
/// not through a `ty` fragment).
macro_rules! patch_task {
    ($name:ident, $($body:tt)+) => {
        /// Updates a task.
        #[derive(Debug, Clone, Endpoint)]
        #[zoho(method = "PATCH", path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}",
               scope = "ZohoProjects.tasks.UPDATE", response = serde_json::Value)]
        pub struct $name {
            /// The portal.
            #[zoho(path)]
            pub portal: String,
            /// The project.
            #[zoho(path)]
            pub project: String,
            /// The task.
            #[zoho(path)]
            pub task: String,
            /// The update.
            #[zoho(body)]
            pub patch: $($body)+,
        }
    };
}

/// The same, the body type passed as a `ty` fragment (it reaches the derive in an invisible
/// group).
macro_rules! patch_task_ty {
    ($name:ident, $body:ty) => {
        patch_task!($name, $body);
    };
}

patch_task!(PatchPlain, Option<TaskPatch>);
patch_task!(PatchAlias, MaybePatch);
patch_task!(PatchGenericAlias, Opt<TaskPatch>);
patch_task!(PatchRenamed, Maybe<TaskPatch>);
patch_task!(PatchStd, std::option::Option<TaskPatch>);
patch_task!(PatchCore, ::core::option::Option<TaskPatch>);
patch_task_ty!(PatchFragment, Option<TaskPatch>);
patch_task_ty!(PatchFragmentAlias, MaybePatch);
patch_task!(PatchRequired, TaskPatch);

/// An `Option` of a multipart form under another name.
pub type MaybeParts = Option<Multipart>;

/// `PATCH …/tasks/{task}` with a form body behind an alias of `Option` (Zoho's task update takes
/// JSON: only what is sent matters here).
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "PATCH", path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}",
       scope = "ZohoProjects.tasks.UPDATE", response = serde_json::Value)]
pub struct PatchForm {
    /// The portal.
    #[zoho(path)]
    pub portal: String,
    /// The project.
    #[zoho(path)]
    pub project: String,
    /// The task.
    #[zoho(path)]
    pub task: String,
    /// The update, form-encoded.
    #[zoho(form)]
    pub form: MaybePatch,
}

/// The same with a multipart body behind an alias of `Option`.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "PATCH", path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}",
       scope = "ZohoProjects.tasks.UPDATE", response = serde_json::Value)]
pub struct PatchParts {
    /// The portal.
    #[zoho(path)]
    pub portal: String,
    /// The project.
    #[zoho(path)]
    pub project: String,
    /// The task.
    #[zoho(path)]
    pub task: String,
    /// The update, as multipart parts.
    #[zoho(multipart)]
    pub parts: MaybeParts,
}

/// A PATCH that borrows its input, the update a reference to an `Option` under another name.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "PATCH", path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}",
       scope = "ZohoProjects.tasks.UPDATE", response = serde_json::Value)]
pub struct PatchBorrowed<'a> {
    /// The portal.
    #[zoho(path)]
    pub portal: &'a str,
    /// The project.
    #[zoho(path)]
    pub project: &'a str,
    /// The task.
    #[zoho(path)]
    pub task: &'a str,
    /// The update.
    #[zoho(body)]
    pub patch: &'a MaybePatch,
}
patch_task!(PatchMine, mine::Option<TaskPatch>);

/// `GET …/tasks` with the page size's and the correlation header's types written as the tokens
/// given.
macro_rules! list_tasks {
    ($name:ident, [$($count:tt)+], [$($text:tt)+]) => {
        /// Lists a project's tasks.
        #[derive(Debug, Clone, Endpoint)]
        #[zoho(method = "GET", path = "/api/v3/portal/{portal}/projects/{project}/tasks",
               scope = "ZohoProjects.tasks.READ", response = serde_json::Value)]
        pub struct $name {
            /// The portal.
            #[zoho(path)]
            pub portal: String,
            /// The project.
            #[zoho(path)]
            pub project: String,
            /// Rows per page.
            #[zoho(query)]
            pub per_page: $($count)+,
            /// Sent as `X-Correlation-Id`.
            #[zoho(header = "X-Correlation-Id")]
            pub correlation: $($text)+,
        }
    };
}

/// The same, the types passed as `ty` fragments.
macro_rules! list_tasks_ty {
    ($name:ident, $count:ty, $text:ty) => {
        list_tasks!($name, [$count], [$text]);
    };
}

list_tasks!(ListPlain, [Option<u32>], [Option<String>]);
list_tasks!(ListAlias, [MaybeCount], [MaybeText]);
list_tasks!(ListGenericAlias, [Opt<u32>], [Opt<String>]);
list_tasks!(ListRenamed, [Maybe<u32>], [Maybe<String>]);
list_tasks!(ListStd, [std::option::Option<u32>], [std::option::Option<String>]);
list_tasks!(ListCore, [::core::option::Option<u32>], [::core::option::Option<String>]);
list_tasks_ty!(ListFragment, Option<u32>, Option<String>);
list_tasks_ty!(ListFragmentAlias, MaybeCount, MaybeText);
list_tasks!(ListMine, [mine::Option<u32>], [mine::Option<String>]);

/// A client of the sandbox's US Projects listener, with a token from the API console.
async fn client(sb: &Sandbox) -> Client<Edit> {
    let app = sb.demo_client();
    let clock = sb.clock();
    let oauth = OAuthClient::builder(&app.client_id, ClientSecret::new(app.client_secret.as_str()))
        .accounts_url(sb.accounts_url(Dc::Us))
        .clock(move || clock.now_system())
        .build()
        .expect("oauth client");
    let code = sb.self_client_code(&app.client_id, Edit::OAUTH).expect("code");
    let token = oauth.exchange_self_client_code::<Edit>(&code).await.expect("token");
    Client::builder().region_base(Region::Us, Service::PROJECTS, sb.api_url(Dc::Us)).build(token).expect("client")
}

/// The one request the sandbox saw since `before`.
fn only_request(sb: &Sandbox, before: usize) -> SeenRequest {
    let seen = sb.requests_seen()[before..].to_vec();
    assert_eq!(seen.len(), 1, "{seen:?}");
    seen.into_iter().next().expect("one")
}

/// The header `name` as the sandbox saw it (every value, in order).
fn header<'a>(seen: &'a SeenRequest, name: &str) -> Vec<&'a str> {
    seen.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
}

#[tokio::test]
async fn an_unset_option_body_is_not_sent_whatever_its_spelling() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let client = client(&sb).await;
    let demo = sb.demo_portal(Dc::Us);
    let project = &demo.projects[0];
    let task = project.tasks[0].clone();
    let (portal, project) = (demo.id.clone(), project.id.clone());

    // Sends `$ty` with the body `None` and then `Some`: nothing, then exactly the JSON.
    macro_rules! check {
        ($ty:ident) => {{
            let what = stringify!($ty);
            let before = sb.requests_seen().len();
            let unset = $ty { portal: portal.clone(), project: project.clone(), task: task.clone(), patch: None };
            // Zoho (and the sandbox) refuse a PATCH without a body; what matters is that no
            // `null` was sent in place of "nothing to change".
            let _ = client.send(unset).await;
            let seen = only_request(&sb, before);
            assert_eq!(seen.method, "PATCH", "{what}");
            assert_eq!(String::from_utf8_lossy(&seen.body), "", "{what}: an unset body is not sent");
            assert!(header(&seen, "Content-Type").is_empty(), "{what}: no body, no type: {seen:?}");

            let before = sb.requests_seen().len();
            let text = format!("set by {what}");
            let set = $ty {
                portal: portal.clone(),
                project: project.clone(),
                task: task.clone(),
                patch: Some(TaskPatch { description: text.clone() }),
            };
            let answer = client.send(set).await.unwrap_or_else(|e| panic!("{what}: {e:?}"));
            let seen = only_request(&sb, before);
            let body: serde_json::Value = serde_json::from_slice(&seen.body).expect("JSON body");
            assert_eq!(body, serde_json::json!({ "description": text }), "{what}");
            assert_eq!(header(&seen, "Content-Type"), ["application/json"], "{what}");
            assert_eq!(answer["description"], text.as_str(), "{what}: the task changed");
        }};
    }
    check!(PatchPlain);
    check!(PatchAlias);
    check!(PatchGenericAlias);
    check!(PatchRenamed);
    check!(PatchStd);
    check!(PatchCore);
    check!(PatchFragment);
    check!(PatchFragmentAlias);

    // A borrowed `Option`: nothing when `None`, the JSON when `Some`.
    let before = sb.requests_seen().len();
    let _ = client.send(PatchBorrowed { portal: &portal, project: &project, task: &task, patch: &None }).await;
    assert_eq!(
        String::from_utf8_lossy(&only_request(&sb, before).body),
        "",
        "PatchBorrowed: an unset body is not sent"
    );
    let before = sb.requests_seen().len();
    let patch = Some(TaskPatch { description: "borrowed".into() });
    client
        .send(PatchBorrowed { portal: &portal, project: &project, task: &task, patch: &patch })
        .await
        .expect("updated");
    assert_eq!(String::from_utf8_lossy(&only_request(&sb, before).body), r#"{"description":"borrowed"}"#);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_body_of_any_other_type_is_always_sent() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let client = client(&sb).await;
    let demo = sb.demo_portal(Dc::Us);
    let project = &demo.projects[0];
    let (portal, project, task) = (demo.id.clone(), project.id.clone(), project.tasks[0].clone());

    let before = sb.requests_seen().len();
    let call = PatchRequired {
        portal: portal.clone(),
        project: project.clone(),
        task: task.clone(),
        patch: TaskPatch { description: "required".into() },
    };
    client.send(call).await.expect("updated");
    let seen = only_request(&sb, before);
    assert_eq!(String::from_utf8_lossy(&seen.body), r#"{"description":"required"}"#);

    // The author's own `Option` is not the standard one: sent, whole.
    let before = sb.requests_seen().len();
    let call = PatchMine { portal, project, task, patch: mine::Option(TaskPatch { description: "mine".into() }) };
    let answer = client.send(call).await.expect("updated");
    let seen = only_request(&sb, before);
    assert_eq!(String::from_utf8_lossy(&seen.body), r#"{"description":"mine"}"#);
    assert_eq!(answer["description"], "mine");
    sb.shutdown().await;
}

#[tokio::test]
async fn an_unset_option_query_parameter_or_header_is_not_sent_whatever_its_spelling() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let client = client(&sb).await;
    let demo = sb.demo_portal(Dc::Us);
    let (portal, project) = (demo.id.clone(), demo.projects[0].id.clone());
    let path = format!("/api/v3/portal/{portal}/projects/{project}/tasks");

    macro_rules! check {
        ($ty:ident) => {{
            let what = stringify!($ty);
            let before = sb.requests_seen().len();
            let unset = $ty { portal: portal.clone(), project: project.clone(), per_page: None, correlation: None };
            client.send(unset).await.unwrap_or_else(|e| panic!("{what}: {e:?}"));
            let seen = only_request(&sb, before);
            assert_eq!(seen.path_and_query, path, "{what}: no parameter");
            assert!(header(&seen, "X-Correlation-Id").is_empty(), "{what}: no header: {seen:?}");

            let before = sb.requests_seen().len();
            let set = $ty {
                portal: portal.clone(),
                project: project.clone(),
                per_page: Some(5),
                correlation: Some(what.to_owned()),
            };
            let answer = client.send(set).await.unwrap_or_else(|e| panic!("{what}: {e:?}"));
            let seen = only_request(&sb, before);
            assert_eq!(seen.path_and_query, format!("{path}?per_page=5"), "{what}");
            assert_eq!(header(&seen, "X-Correlation-Id"), [what], "{what}");
            assert_eq!(answer["tasks"].as_array().map(Vec::len), Some(5), "{what}: the sandbox read it");
        }};
    }
    check!(ListPlain);
    check!(ListAlias);
    check!(ListGenericAlias);
    check!(ListRenamed);
    check!(ListStd);
    check!(ListCore);
    check!(ListFragment);
    check!(ListFragmentAlias);

    // The author's own `Option` always holds a value: always sent.
    let before = sb.requests_seen().len();
    let call = ListMine {
        portal: portal.clone(),
        project: project.clone(),
        per_page: mine::Option(3),
        correlation: mine::Option("mine".into()),
    };
    let answer = client.send(call).await.expect("listed");
    let seen = only_request(&sb, before);
    assert_eq!(seen.path_and_query, format!("{path}?per_page=3"));
    assert_eq!(header(&seen, "X-Correlation-Id"), ["mine"]);
    assert_eq!(answer["tasks"].as_array().map(Vec::len), Some(3));
    sb.shutdown().await;
}

#[tokio::test]
async fn an_unset_form_or_multipart_body_behind_an_alias_is_not_sent() {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let client = client(&sb).await;
    let demo = sb.demo_portal(Dc::Us);
    let project = &demo.projects[0];
    let (portal, project, task) = (demo.id.clone(), project.id.clone(), project.tasks[0].clone());
    let (p, pr, t) = (&portal, &project, &task);

    // Unset: no body, no content type. The sandbox refuses a PATCH without a body; what matters
    // is what was sent.
    let before = sb.requests_seen().len();
    let _ = client.send(PatchForm { portal: p.clone(), project: pr.clone(), task: t.clone(), form: None }).await;
    let seen = only_request(&sb, before);
    assert_eq!((seen.body.len(), header(&seen, "Content-Type").len()), (0, 0), "form: {seen:?}");
    let before = sb.requests_seen().len();
    let _ = client.send(PatchParts { portal: p.clone(), project: pr.clone(), task: t.clone(), parts: None }).await;
    let seen = only_request(&sb, before);
    assert_eq!((seen.body.len(), header(&seen, "Content-Type").len()), (0, 0), "multipart: {seen:?}");

    // Set: the form, and the parts, as encoded.
    let before = sb.requests_seen().len();
    let form = Some(TaskPatch { description: "a b".into() });
    let _ = client.send(PatchForm { portal: p.clone(), project: pr.clone(), task: t.clone(), form }).await;
    let seen = only_request(&sb, before);
    assert_eq!(String::from_utf8_lossy(&seen.body), "description=a+b");
    assert_eq!(header(&seen, "Content-Type"), ["application/x-www-form-urlencoded"]);
    let before = sb.requests_seen().len();
    let parts = Some(Multipart::new().text("description", "in a part"));
    let _ = client.send(PatchParts { portal: p.clone(), project: pr.clone(), task: t.clone(), parts }).await;
    let seen = only_request(&sb, before);
    assert!(String::from_utf8_lossy(&seen.body).contains("in a part"), "{seen:?}");
    let content_type = header(&seen, "Content-Type");
    assert!(content_type.len() == 1 && content_type[0].starts_with("multipart/form-data; boundary="), "{seen:?}");
    sb.shutdown().await;
}
