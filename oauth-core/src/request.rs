//! The escape hatch: [`Client::request`] sends a one-off call without declaring an endpoint
//! type, its scope still checked at compile time.
//!
//! ```
//! use zoho_oauth_core::{Client, Method, Token, scope_set, scopes};
//! use std::time::Duration;
//!
//! scope_set! { #[zoho(crate = ::zoho_oauth_core)] struct Tasks = ["ZohoProjects.tasks.ALL"]; }
//!
//! let token = Token::<Tasks>::from_console("1000.a.b", "ZohoProjects.tasks.ALL", Duration::from_secs(3600))?;
//! let client = Client::builder().build(token)?;
//! let call = client
//!     .request::<scopes::tasks::Update>(Method::Patch, "/api/v3/portal/{portal}/projects/{project}/tasks/{task}")
//!     .param("portal", 7)
//!     .param("project", "123")
//!     .param("task", "456")
//!     .json(&serde_json::json!({ "name": "Renamed" }));
//! assert_eq!(call.url()?.path(), "/api/v3/portal/7/projects/123/tasks/456");
//! let _pending = call.send_json(); // a `serde_json::Value`, or `.send::<MyType>()`
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A scope the client's set does not grant is a compile error, as with [`Client::send`]:
//!
//! ```compile_fail,E0277
//! # use zoho_oauth_core::{Client, Method, scope_set, scopes};
//! scope_set! { #[zoho(crate = ::zoho_oauth_core)] struct ReadOnly = ["ZohoProjects.tasks.READ"]; }
//! # fn f(client: Client<ReadOnly>) {
//! let _ = client.request::<scopes::tasks::Delete>(Method::Delete, "/api/v3/portals");
//! # }
//! ```

use crate::client::Client;
use crate::endpoint::{Body, BodyError, Endpoint, Method, PathError, push_segment};
use crate::error::Error;
use crate::scope::{GrantedBy, RequiredScopes};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;
use url::Url;

/// A one-off call being built: [`Client::request`]. Nothing is sent until
/// [`send`](Request::send) or [`send_json`](Request::send_json); a mistake made while building
/// (a value that does not encode, a placeholder without a value) is returned there, before
/// anything is sent.
#[must_use = "a request does nothing until it is sent"]
pub struct Request<'a, S, Sc> {
    client: &'a Client<S>,
    method: Method,
    template: &'static str,
    params: Vec<(&'static str, String)>,
    query: Vec<(&'static str, String)>,
    body: Option<Body>,
    headers: Vec<(&'static str, String)>,
    idempotent: Option<bool>,
    error: Option<BodyError>,
    _scope: PhantomData<fn() -> Sc>,
}

impl<S> Client<S> {
    /// A one-off call: `method` on `template` (a path such as
    /// `/api/v3/portal/{portal}/projects`, whose `{placeholders}` are filled by
    /// [`param`](Request::param), each value percent-encoded as one segment). Compiles only if
    /// the client's scope set grants `Sc` (one scope, or a tuple of them, all required).
    ///
    /// The call goes to the service of `Sc` (its first scope's) in the client's data centre, is
    /// repeated after an ambiguous failure only
    /// when `method` is idempotent (or [`idempotent`](Request::idempotent) says so), and its path
    /// is checked like a derived endpoint's (`.`, `..` or an empty value is refused).
    pub fn request<Sc>(&self, method: Method, template: &'static str) -> Request<'_, S, Sc>
    where
        Sc: RequiredScopes + GrantedBy<S>,
    {
        Request {
            client: self,
            method,
            template,
            params: Vec::new(),
            query: Vec::new(),
            body: None,
            headers: Vec::new(),
            idempotent: None,
            error: None,
            _scope: PhantomData,
        }
    }
}

impl<'a, S, Sc: RequiredScopes> Request<'a, S, Sc> {
    /// Fills the placeholder `{name}` of the path with `value` (percent-encoded as one segment).
    pub fn param(mut self, name: &'static str, value: impl std::fmt::Display) -> Self {
        self.params.retain(|(n, _)| *n != name);
        self.params.push((name, value.to_string()));
        self
    }

    /// Adds the query parameter `name=value` (encoded by the client; repeat the call for a
    /// repeated parameter).
    pub fn query(mut self, name: &'static str, value: impl std::fmt::Display) -> Self {
        self.query.push((name, value.to_string()));
        self
    }

    /// The JSON body.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        match Body::json(body) {
            Ok(b) => self.body = Some(b),
            Err(e) => self.fail(e),
        }
        self
    }

    /// A form-encoded body.
    pub fn form<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        match Body::form(body) {
            Ok(b) => self.body = Some(b),
            Err(e) => self.fail(e),
        }
        self
    }

    /// A `multipart/form-data` body ([`crate::multipart`]): files and text parts. Like an
    /// endpoint's multipart body, it is never repeated after an ambiguous failure, whatever
    /// [`idempotent`](Self::idempotent) says; on a `GET` or `DELETE` (which carry no body to
    /// Zoho) the call fails with [`Error::Body`] before anything is sent.
    pub fn multipart(mut self, form: crate::multipart::Multipart) -> Self {
        if matches!(self.method, Method::Get | Method::Delete) {
            let msg = format!("a {} request to Zoho carries no body, so no multipart upload", self.method);
            self.fail(BodyError::new("multipart", msg));
        } else {
            self.body = Some(Body::Multipart(form));
        }
        self
    }

    /// A request header, checked like an endpoint's ([`Endpoint::headers`]) when sent.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Whether the call has the same effect when Zoho processes it twice (default: what
    /// [`Method::is_idempotent`] says), so that it may be repeated after an ambiguous failure.
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.idempotent = Some(yes);
        self
    }

    fn fail(&mut self, e: BodyError) {
        self.error.get_or_insert(e);
    }

    /// The path with every placeholder filled, checked against the template.
    fn render(&self) -> Result<String, Error> {
        let mut out = String::with_capacity(self.template.len() + 16);
        let mut rest = self.template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let close = after.find('}').ok_or(PathError::new(self.template, "an unclosed `{` in the template"))?;
            let name = &after[..close];
            let (_, value) = self
                .params
                .iter()
                .find(|(n, _)| *n == name)
                .ok_or(PathError::new(self.template, "a placeholder has no value (`.param(name, value)`)"))?;
            push_segment(&mut out, value);
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        if !self.template.starts_with('/') {
            return Err(PathError::new(self.template, "the template does not start with `/`").into());
        }
        if self.template.contains(['?', '#']) {
            return Err(PathError::new(self.template, "query parameters go in `.query(...)`, not the path").into());
        }
        crate::endpoint::check_path(self.template, &out)?;
        Ok(out)
    }

    /// The URL the call would be sent to now (before the first call of a client that follows
    /// its token's data centre, that data centre may not be known yet: see
    /// [`Client::url_for`]).
    pub fn url(&self) -> Result<Url, Error> {
        if let Some(e) = &self.error {
            return Err(Error::Body(e.detached()));
        }
        let raw = Raw::<Sc, serde_json::Value> {
            template: self.template,
            path: self.render()?,
            query: self.query.clone(),
            body: None,
            headers: Vec::new(),
            _types: PhantomData,
        };
        self.client.url_for(&raw)
    }

    /// Sends the call and decodes the answer as `R` (an empty answer as JSON `null`).
    pub async fn send<R: DeserializeOwned + Send + 'static>(self) -> Result<R, Error>
    where
        Sc: GrantedBy<S>,
    {
        if let Some(e) = self.error {
            return Err(e.into());
        }
        let raw = Raw::<Sc, R> {
            template: self.template,
            path: self.render()?,
            query: self.query,
            body: self.body,
            headers: self.headers,
            _types: PhantomData,
        };
        let idempotent = self.idempotent.unwrap_or(self.method.is_idempotent());
        // The method and the repeat rule are constants of an endpoint type: one type per
        // combination, chosen here.
        macro_rules! go {
            ($($m:ident => $code:literal),*) => {
                match (self.method, idempotent) {
                    $(
                        (Method::$m, true) => self.client.send(raw.with::<$code, true>()).await,
                        (Method::$m, false) => self.client.send(raw.with::<$code, false>()).await,
                    )*
                }
            };
        }
        go!(Get => 0, Post => 1, Put => 2, Patch => 3, Delete => 4)
    }

    /// Sends the call and returns the answer as JSON.
    pub async fn send_json(self) -> Result<serde_json::Value, Error>
    where
        Sc: GrantedBy<S>,
    {
        self.send().await
    }
}

/// A built one-off call, as an [`Endpoint`] whose method (`M`: the index in [`METHODS`]) and
/// repeat rule (`I`) are type parameters.
pub(crate) struct Raw<Sc, R, const M: u8 = 0, const I: bool = true> {
    template: &'static str,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Option<Body>,
    headers: Vec<(&'static str, String)>,
    _types: PhantomData<fn() -> (Sc, R)>,
}

const METHODS: [Method; 5] = [Method::Get, Method::Post, Method::Put, Method::Patch, Method::Delete];

impl<Sc, R, const M: u8, const I: bool> Raw<Sc, R, M, I> {
    fn with<const M2: u8, const I2: bool>(self) -> Raw<Sc, R, M2, I2> {
        let Raw { template, path, query, body, headers, _types } = self;
        Raw { template, path, query, body, headers, _types }
    }
}

impl<Sc: RequiredScopes, R: DeserializeOwned + Send + 'static, const M: u8, const I: bool> Endpoint
    for Raw<Sc, R, M, I>
{
    type Scope = Sc;
    type Response = R;
    const METHOD: Method = METHODS[M as usize];
    const PATH: &'static str = "(a one-off request)";
    const IDEMPOTENT: bool = I;

    fn path(&self) -> String {
        self.path.clone()
    }

    fn query(&self) -> Vec<(&'static str, String)> {
        self.query.clone()
    }

    fn body(&self) -> Result<Option<Body>, BodyError> {
        Ok(self.body.clone())
    }

    fn headers(&self) -> Vec<(&'static str, String)> {
        self.headers.clone()
    }

    fn __template(&self) -> &'static str {
        self.template
    }

    fn decode(answer: crate::response::Answer) -> impl Future<Output = Result<R, Error>> + Send {
        answer.json::<R>()
    }
}
