//! One constant per attribute key, so that a typo in a key's name fails to compile (serde's
//! `symbol.rs`). Adding a key: a constant here, a slot in `attr::ContainerAttrs`, its arm in
//! `attr::container`, and its use in `valid.rs`.

/// The helper attribute: `#[zoho(...)]`.
pub(crate) const ZOHO: &str = "zoho";

// Container keys.
/// `method = "GET"`.
pub(crate) const METHOD: &str = "method";
/// `path = "/api/v3/..."` (also a field key).
pub(crate) const PATH: &str = "path";
/// `scope = "ZohoProjects.tasks.READ"` or `scope = path::to::Read`.
pub(crate) const SCOPE: &str = "scope";
/// `response = Type`.
pub(crate) const RESPONSE: &str = "response";
/// `idempotent` (no value): the call may be repeated after an ambiguous failure.
pub(crate) const IDEMPOTENT: &str = "idempotent";
/// `paginate(item = T, style = "page", cursor = field, split = path)`: implements `Paged`.
pub(crate) const PAGINATE: &str = "paginate";
/// `crate = ::zoho_projects` (every macro).
pub(crate) const CRATE: &str = "crate";
/// `service = "api_domain"` or `service = path::to::SERVICE` (`#[derive(Endpoint)]`, `scope_module!`).
pub(crate) const SERVICE: &str = "service";
/// `header("orgId" = "123")` on the container (repeatable); `header = "orgId"` on a field.
pub(crate) const HEADER: &str = "header";
/// `rename_all = "camelCase"`: how query names derived from field names are spelt.
pub(crate) const RENAME_ALL: &str = "rename_all";
/// `repeat` (field, with `query`): one parameter per item of a `Vec` instead of one joined by commas.
pub(crate) const REPEAT: &str = "repeat";
/// `flatten` (field): a struct whose fields are query parameters (`QueryParams`).
pub(crate) const FLATTEN: &str = "flatten";

// Field keys.
/// `query` or `query = "name"`.
pub(crate) const QUERY: &str = "query";
/// `body` (JSON).
pub(crate) const BODY: &str = "body";
/// `form` (form-encoded body).
pub(crate) const FORM: &str = "form";
/// `multipart` (a `Multipart` body).
pub(crate) const MULTIPART: &str = "multipart";
/// `skip`.
pub(crate) const SKIP: &str = "skip";

/// The container keys of `#[derive(Endpoint)]`.
pub(crate) const ENDPOINT_KEYS: &[&str] =
    &[METHOD, PATH, SCOPE, RESPONSE, IDEMPOTENT, SERVICE, HEADER, RENAME_ALL, PAGINATE, CRATE];

// Keys inside `paginate(...)`.
/// `item = Type`: one row.
pub(crate) const ITEM: &str = "item";
/// `style = "page"` or `style = "index"`.
pub(crate) const STYLE: &str = "style";
/// `cursor = field`: the field holding position and size.
pub(crate) const CURSOR: &str = "cursor";
/// `split = path::to::fn`.
pub(crate) const SPLIT: &str = "split";
/// The container keys of `scope_set!`.
pub(crate) const CRATE_ONLY: &[&str] = &[CRATE];
/// The container keys of `scope_module!`.
pub(crate) const MODULE_KEYS: &[&str] = &[SERVICE, CRATE];
