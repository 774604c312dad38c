//! Zoho OAuth with scopes checked by the compiler.
//!
//! A call to a Zoho API is a type implementing [`Endpoint`], which names the one OAuth scope the
//! call needs. A [`Client<S>`] holds a token guaranteed to carry the scope set `S`, and
//! [`Client::send`] compiles only when `S` grants the endpoint's scope:
//!
//! ```
//! use zoho_oauth_core::{Client, Endpoint, ScopeSet, Token, scope_set};
//! use std::time::Duration;
//!
//! scope_set! {
//!     #[zoho(crate = ::zoho_oauth_core)]
//!     /// What the reporting job may do.
//!     pub struct Reporting = ["ZohoProjects.portals.READ", "ZohoProjects.tasks.ALL"];
//! }
//!
//! #[derive(Endpoint)]
//! #[zoho(crate = ::zoho_oauth_core, method = "DELETE",
//!        path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}",
//!        scope = "ZohoProjects.tasks.DELETE", response = ())]
//! struct DeleteTask {
//!     #[zoho(path)] portal: u64,
//!     #[zoho(path)] project: String,
//!     #[zoho(path)] task: String,
//! }
//!
//! // The scopes to request when authorizing, exactly as written:
//! assert_eq!(Reporting::OAUTH, ["ZohoProjects.portals.READ", "ZohoProjects.tasks.ALL"]);
//!
//! // A token from Zoho's API console, checked against the set it claims:
//! let token = Token::<Reporting>::from_console(
//!     "1000.0123.4567", "ZohoProjects.portals.READ,ZohoProjects.tasks.ALL", Duration::from_secs(3600))?;
//! let client = Client::builder().build(token)?;
//!
//! // `tasks.ALL` grants `tasks.DELETE`, so this compiles:
//! let call = DeleteTask { portal: 7, project: "1".into(), task: "2".into() };
//! let _pending = client.send(call);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A call the set does not grant is a compile error that names the set and the missing scope:
//!
//! ```compile_fail,E0277
//! use zoho_oauth_core::{Client, Endpoint, Token, scope_set};
//! scope_set! { #[zoho(crate = ::zoho_oauth_core)] struct ReadOnly = ["ZohoProjects.tasks.READ"]; }
//! #[derive(Endpoint)]
//! #[zoho(crate = ::zoho_oauth_core, method = "DELETE", path = "/api/v3/portal/{p}/projects/{q}/tasks/{t}",
//!        scope = "ZohoProjects.tasks.DELETE", response = ())]
//! struct DeleteTask { #[zoho(path)] p: u64, #[zoho(path)] q: u64, #[zoho(path)] t: u64 }
//! # fn f(client: Client<ReadOnly>) {
//! let _ = client.send(DeleteTask { p: 1, q: 2, t: 3 }); // error[E0277]: missing scope: `ReadOnly` does not grant `tasks::Delete`
//! # }
//! ```
//!
//! Modules the built-in [`scopes`] catalogue lacks, or other Zoho services, are declared with
//! [`scope_module!`] in any crate and then named by path (`scope = my::widgets::Read`).

#![cfg_attr(docsrs, feature(doc_cfg))]

// Lets derived code inside this crate's own tests name it as `::zoho_oauth_core`.
#[allow(unused_extern_crates)]
extern crate self as zoho_oauth_core;

mod client;
mod clock;
mod endpoint;
mod error;
mod http;
mod limit;
pub mod manager;
pub mod multipart;
pub mod oauth;
pub mod paginate;
mod region;
mod request;
pub mod response;
mod scope;
mod service;
mod signin;
pub mod store;
pub mod tenants;
mod token;

/// The attribute for implementing [`TokenSource`], [`store::TokenStore`] and [`Refresher`] (object-safe
/// traits with `async` methods), re-exported so that implementors need no dependency of their own.
pub use async_trait::async_trait;
/// `bytes::Bytes`, the type of `response = Bytes` and of download chunks.
pub use bytes;
pub use client::{Client, ClientBuilder, Sending};
pub use clock::{Clock, SleepFuture, Sleeper, SystemClock, TokioSleeper};
pub use endpoint::{Body, BodyError, Endpoint, HeaderError, Method, PathError, QueryParams};
pub use error::{
    ApiError, BoxError, DecodeCause, Error, ErrorDetail, InsecureUrl, OAuthError, RefusalCause, ZohoError,
    redact_snippet,
};
pub use http::DEFAULT_USER_AGENT;
pub use limit::{RateKey, RateLimiter, RatePermit, RetryPolicy, SharedWindow, Take, ZOHO_LOCKOUT};
pub use manager::{LoginOutcome, ManagerError, Refresher, TokenManager, TokenManagerBuilder};
pub use oauth::{
    AccessType, AuthorizeOptions, DeviceAuthorization, DevicePoll, LoopbackServer, OAuthClient, OAuthClientBuilder,
    PendingAuthorization,
};
pub use region::Region;
pub use request::Request;
/// The HTTP client crate of [`ClientBuilder::http_client`] and [`Error::Transport`], re-exported
/// so that its version always matches this crate's.
pub use reqwest;
pub use response::{Answer, Download};
pub use scope::{
    Dynamic, DynamicScopes, GrantedBy, HasScope, MissingScope, Operation, RequiredScopes, Scope, ScopeName,
    ScopeParseError, ScopeSet, action,
};
pub use service::{HostFamily, Service};
pub use signin::{Prompt, SignIn, SignInMethod};
pub use token::{
    AccessToken, ClientSecret, RefreshToken, ScopeMismatch, ScopeRequirement, ScopedToken, Token, TokenParts,
    TokenSource, check_scopes,
};
/// Derives [`Endpoint`](trait@Endpoint) for a struct that describes one HTTP call.
///
/// ```
/// use zoho_oauth_core::{Endpoint, Method, Scope, ScopeSet, scope_set};
///
/// scope_set! {
///     #[zoho(crate = ::zoho_oauth_core)]
///     /// What a reporting job may do.
///     pub struct Reporting = ["ZohoProjects.portals.READ", "ZohoProjects.tasks.ALL"];
/// }
///
/// #[derive(Endpoint)]
/// #[zoho(crate = ::zoho_oauth_core, method = "GET", path = "/api/v3/portal/{portal}/projects/{project}/tasks",
///        scope = "ZohoProjects.tasks.READ", response = serde_json::Value)]
/// struct ListTasks {
///     #[zoho(path)] portal: u64,
///     #[zoho(path)] project: String,
///     #[zoho(query)] page: Option<u32>,
///     #[zoho(query = "per_page")] size: u32,
/// }
///
/// let call = ListTasks { portal: 7, project: "a/b".into(), page: None, size: 50 };
/// assert_eq!(ListTasks::METHOD, Method::Get);
/// assert_eq!(call.path(), "/api/v3/portal/7/projects/a%2Fb/tasks");
/// assert_eq!(call.query(), [("per_page", "50".to_owned())]);
/// assert_eq!(<<ListTasks as Endpoint>::Scope as Scope>::OAUTH, "ZohoProjects.tasks.READ");
/// assert_eq!(Reporting::OAUTH, ["ZohoProjects.portals.READ", "ZohoProjects.tasks.ALL"]);
/// ```
///
/// The macros check Zoho scope strings (`"ZohoProjects.tasks.READ"`) at compile time against
/// the catalogue of documented `ZohoProjects` modules, and point their errors at the literal
/// that is wrong. This declaration compiles:
///
/// ```
/// #[derive(zoho_oauth_core::Endpoint)]
/// #[zoho(crate = ::zoho_oauth_core, method = "GET", path = "/api/v3/portals",
///        scope = "ZohoProjects.portals.READ", response = ())]
/// struct ListPortals;
/// ```
///
/// and the same one with a misspelt module does not (a macro's `compile_error!` has no error
/// code for the doctest to check; the project's compile-fail UI tests pin the message itself):
///
/// ```compile_fail
/// #[derive(zoho_oauth_core::Endpoint)]
/// #[zoho(crate = ::zoho_oauth_core, method = "GET", path = "/api/v3/portals",
///        scope = "ZohoProjects.portal.READ", response = ())]
/// struct ListPortals; // error: unknown ZohoProjects module `portal`; did you mean `portals`?
/// ```
///
/// # Attributes
///
/// On the struct, `#[zoho(...)]` takes:
///
/// | key | meaning |
/// |---|---|
/// | `method = "GET"` | `GET`, `POST`, `PUT`, `PATCH` or `DELETE` |
/// | `path = "/api/v3/portal/{portal}"` | the path; each `{name}` is filled by the field `name` (one percent-encoded segment) |
/// | `scope = …` | a `ZohoProjects` scope string, checked against the catalogue; a path to a scope type (`scopes::tasks::Read`, or one of a [`scope_module!`]); or a list `[…]` of them, all required |
/// | `response = Type` | the decoded answer, read as its type says whatever it is called (an alias, a re-export, a `macro_rules!` `ty` fragment): [`Download`] streamed, [`Bytes`](bytes::Bytes) read whole, any other type as JSON (`Deserialize`; `()` for HTTP 204; a generic parameter too). A type of one's own named `Download` is JSON like any other |
/// | `service = "api_domain"` / `service = PATH` | the host family the call goes to, when not its scope's ([`Service`]) |
/// | `header("name" = "value")` | a header sent with every call (repeatable) |
/// | `rename_all = "camelCase"` | how query names made from field names are spelt (serde's rules) |
/// | `paginate(item = T, …)` | makes the list pageable ([`paginate`]) |
/// | `idempotent` | the call may be repeated after an ambiguous failure although its method is `POST` or `PATCH` |
/// | `crate = ::path` | where the runtime is (default `::zoho_projects`) |
///
/// On a field: `path`; `query` or `query = "name"` (an `Option` is sent only when set, a `Vec`
/// joined by commas, or one parameter per item with `query, repeat`); `flatten` (a type whose
/// fields are query parameters, [`QueryParams`]); `header = "name"`; `body` (JSON); `form`
/// (form-encoded); `multipart` (a [`Multipart`](multipart::Multipart)); `skip`.
///
/// Several scopes, another service, headers (static and per call):
///
/// ```
/// use zoho_oauth_core::{Endpoint, HostFamily, RequiredScopes, Service, scope_module};
///
/// /// Zoho Desk answers on `desk.zoho.<tld>`.
/// pub const DESK: Service = Service::new("ZohoDesk", HostFamily::Subdomain("desk"));
///
/// scope_module! {
///     #[zoho(crate = ::zoho_oauth_core, service = DESK)]
///     /// Desk tickets, on Desk's hosts.
///     pub mod desk_tickets = "Desk.tickets" { READ }
/// }
/// scope_module! {
///     #[zoho(crate = ::zoho_oauth_core)]
///     /// Zoho's file store (another service: the `api_domain` hosts by default).
///     pub mod zohopc_files = "ZohoPC.files" { ALL }
/// }
///
/// #[derive(Endpoint)]
/// #[zoho(crate = ::zoho_oauth_core, method = "GET", path = "/api/v1/tickets", scope = desk_tickets::Read,
///        header("Accept" = "application/json"), response = serde_json::Value)]
/// struct ListTickets {
///     #[zoho(header = "orgId")] org: u64,
///     #[zoho(query)] limit: Option<u32>,
/// }
///
/// // Both scopes are required; the call goes to the first one's service (Projects).
/// #[derive(Endpoint)]
/// #[zoho(crate = ::zoho_oauth_core, method = "GET",
///        path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}/attachments",
///        scope = ["ZohoProjects.tasks.READ", zohopc_files::All], response = serde_json::Value)]
/// struct ListAttachments { #[zoho(path)] portal: u64, #[zoho(path)] project: u64, #[zoho(path)] task: u64 }
///
/// // A Projects scope, sent to the `api_domain` host of the token's data centre.
/// #[derive(Endpoint)]
/// #[zoho(crate = ::zoho_oauth_core, method = "GET", path = "/projects/v3/me", scope = "ZohoProjects.users.READ",
///        service = "api_domain", response = serde_json::Value)]
/// struct Me;
///
/// # fn main() {
/// let tickets = ListTickets { org: 6071, limit: Some(5) };
/// assert_eq!(ListTickets::SERVICE, DESK);
/// assert_eq!(tickets.headers(), [("Accept", "application/json".to_owned()), ("orgId", "6071".to_owned())]);
/// assert_eq!(tickets.query(), [("limit", "5".to_owned())]);
/// assert_eq!(ListAttachments::SERVICE, Service::PROJECTS);
/// assert_eq!(
///     <<ListAttachments as Endpoint>::Scope as RequiredScopes>::OAUTH,
///     ["ZohoProjects.tasks.READ", "ZohoPC.files.ALL"]
/// );
/// assert_eq!(Me::SERVICE, Service::API_DOMAIN);
/// # }
/// ```
///
/// The client refuses a header it sets itself (`Authorization`, `Host`, `Content-Type`, …) or a
/// value with a line break, at compile time when written in the attribute and with
/// [`Error::Header`] before sending when it comes from a field; the host comes only from the
/// service and the token's data centre (or the [`ClientBuilder`]'s overrides), never from a
/// header or a path value.
///
/// ```compile_fail
/// #[derive(zoho_oauth_core::Endpoint)]
/// #[zoho(crate = ::zoho_oauth_core, method = "GET", path = "/api/v3/portals", scope = "ZohoProjects.portals.READ",
///        header("Authorization" = "Zoho-oauthtoken 1000.someone-elses"), response = ())]
/// struct Stolen; // error: the client sets the header `Authorization` itself
/// ```
///
/// Query parameters: `Vec`s, `rename_all`, `flatten`; bodies: JSON, form, multipart:
///
/// ```
/// use zoho_oauth_core::multipart::{Multipart, Part};
/// use zoho_oauth_core::{Body, Endpoint, QueryParams};
///
/// /// Page and size, shared by many endpoints.
/// #[derive(Clone, Default)]
/// struct Paging { page: Option<u32>, per_page: Option<u32> }
/// impl QueryParams for Paging {
///     fn push_query(&self, query: &mut Vec<(&'static str, String)>) {
///         query.extend(self.page.map(|p| ("page", p.to_string())));
///         query.extend(self.per_page.map(|n| ("per_page", n.to_string())));
///     }
/// }
///
/// #[derive(Endpoint)]
/// #[zoho(crate = ::zoho_oauth_core, method = "GET", path = "/api/v3/portal/{portal}/tasks",
///        scope = "ZohoProjects.tasks.READ", rename_all = "camelCase", response = serde_json::Value)]
/// struct FindTasks {
///     #[zoho(path)] portal: u64,
///     #[zoho(query)] owner_ids: Vec<u64>,              // ownerIds=1,2
///     #[zoho(query = "status", repeat)] states: Vec<String>, // status=open&status=closed
///     #[zoho(flatten)] paging: Paging,
///     #[zoho(skip)] note: &'static str,                // not sent
/// }
///
/// let call = FindTasks {
///     portal: 7,
///     owner_ids: vec![1, 2],
///     states: vec!["open".into(), "closed".into()],
///     paging: Paging { page: Some(2), per_page: None },
///     note: "for the log",
/// };
/// let query: Vec<(&str, String)> = call.query();
/// assert_eq!(
///     query,
///     [("ownerIds", "1,2".into()), ("status", "open".into()), ("status", "closed".into()), ("page", "2".into())]
/// );
///
/// #[derive(Endpoint)]
/// #[zoho(crate = ::zoho_oauth_core, method = "POST", path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}/attachments",
///        scope = "ZohoProjects.tasks.CREATE", response = serde_json::Value)]
/// struct Attach {
///     #[zoho(path)] portal: u64, #[zoho(path)] project: u64, #[zoho(path)] task: u64,
///     #[zoho(multipart)] form: Multipart,
/// }
/// let form = Multipart::new().part("upload_file", Part::bytes(&b"hello"[..]).file_name("a.txt"));
/// let call = Attach { portal: 1, project: 2, task: 3, form };
/// assert!(matches!(call.body(), Ok(Some(Body::Multipart(_)))));
///
/// #[derive(Endpoint)]
/// #[zoho(crate = ::zoho_oauth_core, method = "POST", path = "/api/v3/portal/{portal}/projects",
///        scope = "ZohoProjects.projects.CREATE", response = serde_json::Value)]
/// struct CreateProject { #[zoho(path)] portal: u64, #[zoho(body)] body: serde_json::Value }
/// let call = CreateProject { portal: 1, body: serde_json::json!({"name": "Apollo"}) };
/// assert!(matches!(call.body(), Ok(Some(Body::Json(_)))));
/// ```
///
/// Byte and streamed answers: `response = Bytes` reads the body whole, `response = Download`
/// streams it with its content type, length and file name ([`Download`]); and
/// `paginate(…)` is described with an example in [`paginate`].
///
/// A query, header or body field whose type is an `Option` (or a reference to one) is sent only
/// when `Some`; a field of any other type is always sent. The derive decides by the field's type,
/// not by how it is spelt: `Option<T>`, `std::option::Option<T>`, `&'a Option<T>`, a type alias of
/// an `Option` or a renamed import of it all count (an unset body is no body, never `null`, which
/// Zoho's PATCH endpoints could read as "clear this"), and a type of one's own that happens to be
/// called `Option` is sent whole. A field whose type is the endpoint's type parameter `T` is sent
/// whole; write `Option<T>` for an optional one.
///
/// ```
/// use zoho_oauth_core::Endpoint;
///
/// type Maybe = Option<serde_json::Value>;
///
/// #[derive(Endpoint)]
/// #[zoho(crate = ::zoho_oauth_core, method = "PATCH", path = "/api/v3/portal/{portal}/projects/{project}",
///        scope = "ZohoProjects.projects.UPDATE", response = serde_json::Value)]
/// struct UpdateProject { #[zoho(path)] portal: u64, #[zoho(path)] project: u64, #[zoho(body)] change: Maybe }
/// let call = UpdateProject { portal: 1, project: 2, change: None };
/// assert!(matches!(call.body(), Ok(None)));
/// ```
///
/// The derive works inside a `macro_rules!` of one's own, whatever the macro passes in (types
/// as `ty` fragments, names as `ident`s): field types keep their meaning through a `ty`
/// fragment (an `Option` is told by its type, a `Vec` query value by its name), and the
/// response is read as its type says.
pub use zoho_scope_macros::Endpoint;
pub use zoho_scope_macros::{scope_module, scope_set};

/// The catalogue of documented `ZohoProjects` scopes, one module per Zoho module, generated from
/// the single table in `zoho-scope-macros`. `scopes::tasks::Read` is `ZohoProjects.tasks.READ`.
pub mod scopes {
    zoho_scope_macros::__catalogue!();
}

/// What generated code uses. Not public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::endpoint::{
        Body, BodyError, Endpoint, Method, QueryParams, field, push_segment, query_join, query_value,
    };
    pub use crate::error::Error;
    pub use crate::multipart::Multipart;
    pub use crate::paginate::{PageCursor, PageParts, PageStyle, Paged};
    pub use crate::response::{Answer, Download, read};
    pub use crate::scope::declared::{GrantDeclared, ScopeDeclared, SetDeclared};
    pub use crate::scope::{AllActions, Allows, Grant, GrantsAll, ModuleGrant, No, Scope, ScopeSet, Yes, action};
    /// The catalogue, named by generated code through this one path.
    pub use crate::scopes;
    pub use crate::service::Service;
    pub use bytes::Bytes;
}
