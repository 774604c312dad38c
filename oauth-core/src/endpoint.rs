//! The [`Endpoint`] contract: one HTTP call to Zoho, described as a type.

use crate::error::Error;
use crate::response::Answer;
use crate::scope::RequiredScopes;
use crate::service::Service;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode, utf8_percent_encode};
use serde::Serialize;
use std::fmt::{self, Display, Write as _};

/// The HTTP methods Zoho's APIs use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl Method {
    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Whether sending the request twice has the effect of sending it once (RFC 9110 §9.2.2),
    /// so that it may be repeated after an *ambiguous* failure (a timeout, a reset, a 5xx: the
    /// request may or may not have been processed):
    ///
    /// | method | repeated after an ambiguous failure |
    /// |---|---|
    /// | `GET`, `PUT`, `DELETE` | yes |
    /// | `POST` (creates) | no |
    /// | `PATCH` (Zoho uses it for partial updates and for adding or removing tags, which are not idempotent) | no |
    ///
    /// Every method is repeated when the request was never sent (the connection could not be
    /// made) or Zoho refused it with 429. An endpoint can declare itself idempotent whatever its
    /// method ([`Endpoint::IDEMPOTENT`], `#[zoho(idempotent)]` in the derive).
    pub const fn is_idempotent(self) -> bool {
        matches!(self, Method::Get | Method::Put | Method::Delete)
    }
}

impl Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request body, already encoded (or, for multipart, described: its parts are encoded when
/// sent, files read from disk as they go).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// `application/json`
    Json(Vec<u8>),
    /// `application/x-www-form-urlencoded`
    Form(String),
    /// `multipart/form-data` (see [`crate::multipart`]): never repeated after an ambiguous failure.
    Multipart(crate::multipart::Multipart),
}

/// A body that could not be encoded (e.g. a map with non-string keys); the encoder's error is
/// the [`source`](std::error::Error::source).
#[derive(Debug, thiserror::Error)]
#[error("the request body could not be encoded as {format}")]
pub struct BodyError {
    format: &'static str,
    #[source]
    source: crate::error::BoxError,
}

impl BodyError {
    /// A body that could not be encoded as `format` (e.g. `"JSON"`) because of `source`: for
    /// [`Endpoint::body`] implementations of your own.
    pub fn new(format: &'static str, source: impl Into<crate::error::BoxError>) -> BodyError {
        BodyError { format, source: source.into() }
    }
}

impl BodyError {
    /// The same error with its cause kept as text, for a caller that only borrows it.
    pub(crate) fn detached(&self) -> BodyError {
        BodyError { format: self.format, source: self.source.to_string().into() }
    }
}

impl Body {
    /// Encodes `value` as JSON.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Body, BodyError> {
        serde_json::to_vec(value).map(Body::Json).map_err(|e| BodyError::new("JSON", e))
    }

    /// Encodes `value` as a form.
    pub fn form<T: Serialize + ?Sized>(value: &T) -> Result<Body, BodyError> {
        serde_urlencoded::to_string(value).map(Body::Form).map_err(|e| BodyError::new("a form", e))
    }

    /// A multipart body: a clone of `form` (cheap: bytes are shared, files read when sent).
    pub fn multipart(form: &crate::multipart::Multipart) -> Result<Body, BodyError> {
        Ok(Body::Multipart(form.clone()))
    }

    /// The `Content-Type` header value (for multipart, without the boundary reqwest adds).
    pub fn content_type(&self) -> &'static str {
        match self {
            Body::Json(_) => "application/json",
            Body::Form(_) => "application/x-www-form-urlencoded",
            Body::Multipart(_) => "multipart/form-data",
        }
    }

    /// Whether the body is multipart (then never repeated after an ambiguous failure).
    pub fn is_multipart(&self) -> bool {
        matches!(self, Body::Multipart(_))
    }
}

/// One HTTP call to Zoho, with the one scope it requires.
///
/// Derive it with `#[derive(Endpoint)]` (from `zoho-projects` or `zoho-scope-macros`):
///
/// ```
/// use zoho_oauth_core::{Endpoint, Method};
///
/// #[derive(zoho_oauth_core::Endpoint)]
/// #[zoho(crate = ::zoho_oauth_core, method = "GET",
///        path = "/api/v3/portal/{portal}/projects/{project}",
///        scope = "ZohoProjects.projects.READ", response = serde_json::Value)]
/// struct GetProject {
///     #[zoho(path)] portal: String,
///     #[zoho(path)] project: String,
///     #[zoho(query)] fields: Option<String>,
/// }
///
/// let call = GetProject { portal: "123".into(), project: "a b/c".into(), fields: None };
/// assert_eq!(GetProject::METHOD, Method::Get);
/// assert_eq!(call.path(), "/api/v3/portal/123/projects/a%20b%2Fc");
/// assert!(call.query().is_empty());
/// ```
pub trait Endpoint {
    /// The scope a token needs for this call: one [`Scope`](crate::Scope), or a tuple of them
    /// when the call needs several (all required; see [`RequiredScopes`]).
    type Scope: RequiredScopes;
    /// The response: for JSON, an empty body (HTTP 204) is decoded from `null`, so use `()` or an
    /// `Option` where Zoho answers without content; [`Bytes`](bytes::Bytes) and
    /// [`Download`](crate::Download) for files (see [`Endpoint::decode`]).
    type Response: Send + 'static;
    /// The HTTP method.
    const METHOD: Method;
    /// The path template, e.g. `/api/v3/portal/{portal_id}/projects`.
    const PATH: &'static str;
    /// Whether the call may be repeated after an ambiguous failure (a timeout, a reset, a 5xx);
    /// by default what [`Method::is_idempotent`] says of [`Endpoint::METHOD`]. Set it to `true`
    /// only for a call that has the same effect when Zoho processes it twice.
    const IDEMPOTENT: bool = Self::METHOD.is_idempotent();
    /// The service whose host the call goes to: its (first) scope's
    /// ([`Scope::SERVICE`](crate::Scope::SERVICE)) unless the endpoint names another
    /// (`#[zoho(service = …)]` in the derive). The client takes the service's base URL in its
    /// data centre ([`Service::base_url`]).
    const SERVICE: Service = <Self::Scope as RequiredScopes>::SERVICE;

    /// The path with every placeholder filled in and percent-encoded.
    fn path(&self) -> String;

    /// The query parameters (unencoded; the client encodes them).
    fn query(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// The body, if the call has one.
    fn body(&self) -> Result<Option<Body>, BodyError> {
        Ok(None)
    }

    /// Extra request headers (name, value), e.g. Zoho Desk's `orgId`. The client refuses a
    /// name or value HTTP does not allow, and the headers it sets itself (`Authorization`,
    /// `Content-Type`, …), with [`HeaderError`] before anything is sent.
    fn headers(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// The template [`path`](Endpoint::path) fills, which the client checks the path against:
    /// [`Endpoint::PATH`]. Not public API: only [`Client::request`](crate::Client::request)'s
    /// calls, whose template is known at run time, answer otherwise.
    #[doc(hidden)]
    fn __template(&self) -> &'static str {
        Self::PATH
    }

    /// Reads a successful (2xx) answer into the response. The derive writes it from the
    /// `response` type ([`crate::response`]), by the type and not by its name:
    /// [`Answer::download`] for [`Download`](crate::Download), [`Answer::bytes`] for
    /// [`Bytes`](bytes::Bytes), [`Answer::json`] for any other type. A hand-written endpoint with a JSON
    /// response writes `zoho_oauth_core::Answer::json(answer)`.
    fn decode(answer: Answer) -> impl Future<Output = Result<Self::Response, Error>> + Send;
}

impl<E: Endpoint + ?Sized> Endpoint for &E {
    type Scope = E::Scope;
    type Response = E::Response;
    const METHOD: Method = E::METHOD;
    const PATH: &'static str = E::PATH;
    const IDEMPOTENT: bool = E::IDEMPOTENT;
    const SERVICE: Service = E::SERVICE;

    fn path(&self) -> String {
        (**self).path()
    }
    fn query(&self) -> Vec<(&'static str, String)> {
        (**self).query()
    }
    fn body(&self) -> Result<Option<Body>, BodyError> {
        (**self).body()
    }
    fn headers(&self) -> Vec<(&'static str, String)> {
        (**self).headers()
    }
    fn __template(&self) -> &'static str {
        (**self).__template()
    }
    fn decode(answer: Answer) -> impl Future<Output = Result<Self::Response, Error>> + Send {
        E::decode(answer)
    }
}

/// A request header an endpoint asked for that cannot be sent: nothing was sent. The value is
/// never shown (it may be a secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refused to send header `{name}`: {reason}; nothing was sent")]
pub struct HeaderError {
    name: String,
    reason: &'static str,
}

impl HeaderError {
    /// The header's name (at most 100 characters of it).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Why it was refused.
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

/// The headers the client sets itself: an endpoint may not set or repeat them.
const RESERVED_HEADERS: [&str; 7] =
    ["authorization", "host", "content-type", "content-length", "transfer-encoding", "connection", "cookie"];

/// `headers` as a header map, each name and value checked.
pub(crate) fn header_map(headers: Vec<(&'static str, String)>) -> Result<reqwest::header::HeaderMap, HeaderError> {
    use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
    let mut map = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let refuse = |reason| HeaderError { name: name.chars().take(100).collect(), reason };
        let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| refuse("not a valid header name"))?;
        if RESERVED_HEADERS.contains(&header.as_str()) {
            return Err(refuse("the client sets this header itself"));
        }
        let mut value = HeaderValue::from_str(&value).map_err(|_| {
            refuse("the value has a character a header may not carry (a line break, a control character)")
        })?;
        value.set_sensitive(true);
        if map.contains_key(&header) {
            return Err(refuse("the header is given twice"));
        }
        map.insert(header, value);
    }
    Ok(map)
}

/// Everything but RFC 3986's unreserved characters is encoded in a path segment, `/` included,
/// so a value can never add a segment or a query to the path.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Appends `value` to `path` as one percent-encoded segment. Used by derived code.
pub fn push_segment<T: Display + ?Sized>(path: &mut String, value: &T) {
    struct Encoder<'a>(&'a mut String);
    impl fmt::Write for Encoder<'_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            for chunk in utf8_percent_encode(s, SEGMENT) {
                self.0.push_str(chunk);
            }
            Ok(())
        }
    }
    // Writing into a String cannot fail; a Display impl that errors leaves a partial segment,
    // which the server rejects, rather than a panic here.
    let _ = write!(Encoder(path), "{value}");
}

/// A rendered path that would not reach the resource its template names: nothing was sent.
///
/// The URL standard removes `.` and `..` segments (and their percent-encoded forms `%2e`,
/// `%2E%2e`, …) before a request leaves, so a path value of `..` would turn `DELETE …/tasks/{id}`
/// into `DELETE` of the project. [`Client::send`](crate::Client::send) therefore refuses a path
/// whose values are empty or dot segments, or whose segments are not the template's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refused to send {template}: {reason}; nothing was sent")]
pub struct PathError {
    template: &'static str,
    reason: &'static str,
}

impl PathError {
    /// The path template of the refused call.
    pub fn template(&self) -> &'static str {
        self.template
    }

    /// Why the path was refused.
    pub fn reason(&self) -> &'static str {
        self.reason
    }

    pub(crate) fn new(template: &'static str, reason: &'static str) -> Self {
        PathError { template, reason }
    }

    pub(crate) fn rewritten(template: &'static str) -> Self {
        PathError { template, reason: "the URL parser would rewrite the path (a dot segment or a `\\`)" }
    }
}

/// Whether a (percent-encoded) segment is one the URL standard treats as `.` or `..`.
fn is_dot_segment(segment: &[u8]) -> bool {
    // The longest dot segment is `..`, encoded `%2e%2e`: six bytes. Decoded byte by byte, with
    // no allocation: this runs for every placeholder of every call.
    if segment.len() > 6 {
        return false;
    }
    let mut dots = 0;
    for byte in percent_decode(segment) {
        if byte != b'.' {
            return false;
        }
        dots += 1;
    }
    matches!(dots, 1 | 2)
}

/// Checks that `rendered` (what [`Endpoint::path`] returned) fills `template` with exactly one
/// segment per template segment: literal segments unchanged, and no placeholder segment empty
/// or a dot segment (`.`, `..`, or their percent-encoded forms).
pub(crate) fn check_path(template: &'static str, rendered: &str) -> Result<(), PathError> {
    let refuse = |reason| Err(PathError { template, reason });
    // One pass over both, segment by segment, on bytes (`/` is ASCII): this runs on every call,
    // and a `str::split` pair cost about a thousand instructions per call (BENCHMARKS.md §2).
    let end_of_segment =
        |s: &[u8], from: usize| s[from..].iter().position(|&b| b == b'/').map_or(s.len(), |k| from + k);
    let (t, r) = (template.as_bytes(), rendered.as_bytes());
    let (mut i, mut j) = (0, 0);
    loop {
        let t_end = end_of_segment(t, i);
        let want = &t[i..t_end];
        if want.contains(&b'{') {
            let r_end = end_of_segment(r, j);
            let seg = &r[j..r_end];
            if seg.is_empty() {
                return refuse("a path value is empty");
            }
            if is_dot_segment(seg) {
                return refuse(
                    "a path value is `.` or `..` (or an encoded form), which would climb out of the resource",
                );
            }
            j = r_end;
        } else {
            let r_end = j + want.len();
            if r.get(j..r_end) != Some(want) || r_end < r.len() && r[r_end] != b'/' {
                return refuse("a literal segment of the template was changed");
            }
            j = r_end;
        }
        // Both segments end here: at the end of their path, or at a `/`.
        match (t_end == t.len(), j == r.len()) {
            (true, true) => return Ok(()),
            (true, false) => return refuse("the path has more segments than its template"),
            (false, true) => return refuse("the path has fewer segments than its template"),
            (false, false) => (i, j) = (t_end + 1, j + 1),
        }
    }
}

/// Formats a query value. Used by derived code.
pub fn query_value<T: Display + ?Sized>(value: &T) -> String {
    value.to_string()
}

/// Formats a list as Zoho's one comma-separated query value (`ids=1,2,3`). Used by derived code.
pub fn query_join<T: Display>(items: &[T]) -> String {
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{item}");
    }
    out
}

/// A group of query parameters shared by several endpoints (e.g. a page number and size),
/// flattened into an endpoint with `#[zoho(flatten)]` on a field of this type.
///
/// ```
/// use zoho_oauth_core::{Endpoint, QueryParams};
///
/// /// `page` and `per_page`, when set.
/// #[derive(Default)]
/// struct Paging { page: Option<u32>, per_page: Option<u32> }
///
/// impl QueryParams for Paging {
///     fn push_query(&self, query: &mut Vec<(&'static str, String)>) {
///         query.extend(self.page.map(|p| ("page", p.to_string())));
///         query.extend(self.per_page.map(|n| ("per_page", n.to_string())));
///     }
/// }
///
/// #[derive(Endpoint)]
/// #[zoho(crate = ::zoho_oauth_core, method = "GET", path = "/api/v3/portal/{portal}/projects",
///        scope = "ZohoProjects.projects.READ", response = serde_json::Value, rename_all = "camelCase")]
/// struct ListProjects {
///     #[zoho(path)] portal: u64,
///     #[zoho(query)] sort_by: Option<String>,   // `sortBy`, from `rename_all`
///     #[zoho(query = "ids")] ids: Vec<u64>,      // Zoho's form: `ids=1,2,3`
///     #[zoho(query, repeat)] tag: Vec<String>, // `tag=a&tag=b`
///     #[zoho(flatten)] paging: Paging,
/// }
///
/// let call = ListProjects { portal: 7, sort_by: Some("name".into()), ids: vec![1, 2, 3],
///                           tag: vec!["a".into(), "b".into()], paging: Paging { page: Some(2), per_page: None } };
/// assert_eq!(call.query(), [("sortBy", "name".into()), ("ids", "1,2,3".into()), ("tag", "a".into()),
///                           ("tag", "b".into()), ("page", "2".into())]);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be flattened into an endpoint's query",
    label = "`#[zoho(flatten)]` needs a type implementing `QueryParams`",
    note = "implement `QueryParams` for `{Self}`: push its parameters in `push_query`"
)]
pub trait QueryParams {
    /// Appends the parameters (unencoded; the client encodes them).
    fn push_query(&self, query: &mut Vec<(&'static str, String)>);
}

impl<T: QueryParams + ?Sized> QueryParams for &T {
    fn push_query(&self, query: &mut Vec<(&'static str, String)>) {
        (**self).push_query(query);
    }
}

/// Whether a request field is sent, chosen by the field's TYPE, never by how the type is spelt: a
/// field whose type is an `Option` or a reference to one (written `Option<T>`,
/// `std::option::Option<T>`, `&'a Option<T>`, through a type alias, a re-export or a `macro_rules!`
/// `ty` fragment) is sent only when `Some`, any other field always. Derived code calls
/// `(&&Field(&self.field)).__zoho_field()` with both traits in scope: method resolution tries
/// [`Optional`](field::Optional) first (implemented for `&Field<Option<T>>`, it matches the
/// receiver without a dereference) and takes it where the field's type is an `Option`, and
/// [`Required`](field::Required) otherwise.
///
/// A field whose type is a type parameter of the endpoint (`T`, later `Option<…>`) is a value
/// of that parameter, sent whole: its type is not known to be an `Option` where the code is
/// generated. Write `Option<T>` for an optional one.
pub mod field {
    /// A borrowed request field, as a value to resolve a method on.
    pub struct Field<'a, T: ?Sized>(pub &'a T);

    /// A field whose type is an `Option`: sent as its content, when `Some`.
    pub trait Optional<'a> {
        /// What is sent.
        type Value: ?Sized + 'a;
        /// The value to send, or `None` for no parameter, header or body at all.
        fn __zoho_field(&self) -> Option<&'a Self::Value>;
    }
    impl<'a, T> Optional<'a> for &Field<'a, Option<T>> {
        type Value = T;
        fn __zoho_field(&self) -> Option<&'a T> {
            self.0.as_ref()
        }
    }
    /// A borrowed `Option` (a field `&'b Option<T>` of an endpoint that borrows its input).
    impl<'a, 'b: 'a, T> Optional<'a> for &Field<'a, &'b Option<T>> {
        type Value = T;
        fn __zoho_field(&self) -> Option<&'a T> {
            self.0.as_ref()
        }
    }

    /// Any other field: always sent.
    pub trait Required<'a> {
        /// What is sent.
        type Value: ?Sized + 'a;
        /// The value to send: always `Some`.
        fn __zoho_field(&self) -> Option<&'a Self::Value>;
    }
    impl<'a, T: ?Sized> Required<'a> for Field<'a, T> {
        type Value = T;
        fn __zoho_field(&self) -> Option<&'a T> {
            Some(self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(v: &str) -> String {
        let mut s = String::from("/x/");
        push_segment(&mut s, v);
        s
    }

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(seg("1817452000006072671"), "/x/1817452000006072671");
        assert_eq!(seg("a b"), "/x/a%20b");
        assert_eq!(seg("a/b"), "/x/a%2Fb");
        assert_eq!(seg("../admin"), "/x/..%2Fadmin");
        assert_eq!(seg("?q=1#f"), "/x/%3Fq%3D1%23f");
        assert_eq!(seg("Zürich ☃"), "/x/Z%C3%BCrich%20%E2%98%83");
        assert_eq!(seg("100%"), "/x/100%25");
        assert_eq!(seg("a-b.c_d~e"), "/x/a-b.c_d~e");
        let mut s = String::new();
        push_segment(&mut s, &42_u64);
        assert_eq!(s, "42");
    }

    #[test]
    fn dot_and_empty_segments_are_refused() {
        const T: &str = "/api/v3/portal/{p}/tasks/{t}";
        assert_eq!(check_path(T, "/api/v3/portal/1/tasks/2"), Ok(()));
        assert_eq!(check_path(T, "/api/v3/portal/1/tasks/...."), Ok(()), "only . and .. are special");
        assert_eq!(check_path(T, "/api/v3/portal/1/tasks/a.b"), Ok(()));
        for bad in [".", "..", "%2e", "%2E", ".%2e", "%2e.", "%2E%2e", ""] {
            let e = check_path(T, &format!("/api/v3/portal/1/tasks/{bad}")).expect_err(bad);
            assert_eq!(e.template(), T);
        }
        assert!(check_path(T, "/api/v3/portal/1/tasks/2/x").is_err(), "an extra segment");
        assert!(check_path(T, "/api/v3/portal/1/tasks").is_err(), "a missing segment");
        assert!(check_path(T, "/api/v3/portal/1/task/2").is_err(), "a changed literal");
        assert_eq!(check_path("/x/{a}.json", "/x/..json"), Ok(()));
        assert!(check_path("/x/{a}{b}", "/x/%2E%2E").is_err());
    }

    /// The single-pass check against the plain reading (split both on `/`, compare segment by
    /// segment), over every path made of up to four pieces from a hostile list.
    #[test]
    fn the_single_pass_check_agrees_with_splitting() {
        fn by_split(template: &str, rendered: &str) -> bool {
            let mut got = rendered.split('/');
            for want in template.split('/') {
                let Some(seg) = got.next() else { return false };
                let ok =
                    if want.contains('{') { !seg.is_empty() && !is_dot_segment(seg.as_bytes()) } else { seg == want };
                if !ok {
                    return false;
                }
            }
            got.next().is_none()
        }
        let templates = [
            "/api/v3/portals",
            "/api/v3/portal/{p}/tasks/{t}",
            "/restapi/portal/{p}/projects/",
            "",
            "/",
            "{a}",
            "/x/{a}.json",
        ];
        let pieces = [
            "", "/", "api", "v3", "portal", "portals", "1", ".", "..", "%2e", "tasks", "x", "restapi", "projects",
            "a.json", "//",
        ];
        let mut paths = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> =
                paths.iter().flat_map(|p| pieces.iter().map(move |x| format!("{p}{x}"))).collect();
            paths.extend(longer);
            paths.sort();
            paths.dedup();
        }
        let mut compared = 0;
        for t in templates {
            // The templates themselves, filled, and every generated path.
            let filled = t.replace("{p}", "1").replace("{t}", "2").replace("{a}", "z");
            for r in paths.iter().map(String::as_str).chain([t, filled.as_str()]) {
                assert_eq!(check_path(t, r).is_ok(), by_split(t, r), "template {t:?}, path {r:?}");
                compared += 1;
            }
        }
        assert!(compared > 100_000, "{compared}");
    }

    #[test]
    fn bodies_encode() {
        #[derive(Serialize)]
        struct B<'a> {
            name: &'a str,
            n: u8,
        }
        let b = Body::json(&B { name: "x y", n: 1 }).expect("encodes");
        assert_eq!(b, Body::Json(br#"{"name":"x y","n":1}"#.to_vec()));
        assert_eq!(b.content_type(), "application/json");
        let f = Body::form(&B { name: "x y&z", n: 1 }).expect("encodes");
        assert_eq!(f, Body::Form("name=x+y%26z&n=1".into()));
        let bad = std::collections::HashMap::from([((1, 2), 3)]);
        assert!(Body::form(&bad).is_err());
    }
}
