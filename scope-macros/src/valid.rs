//! The validate stage: every check across keys and fields. Each macro's check returns either a
//! fully-typed value that `expand.rs` turns into code, or the errors plus a partial value that
//! `fallback.rs` turns into a stub (so that one mistake gives one error).

use crate::ast::{EndpointInput, Entry, ModuleDecl, SetDecl};
use crate::attr::{FieldRole, Keyed, PageStyle, PaginateAttr, ScopeInput, ScopeItem, ServiceInput};
use crate::catalogue::{self, SERVICE};
use crate::errors::{Errors, did_you_mean};
use crate::scope::{self, CatalogueScope, Op, parse_op_ident};
use proc_macro2::Span;
use quote::ToTokens;
use std::collections::BTreeMap;
use syn::{Attribute, Data, DeriveInput, Fields, Generics, Ident, LitStr, Path, Type, Visibility};

/// What a check gives: a valid value for `expand.rs`, or (beside the recorded errors) a
/// partial one for `fallback.rs`.
pub(crate) enum Checked<V, P> {
    Valid(V),
    Partial(P),
}

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

// ---------------------------------------------------------------------------------------------
// #[derive(Endpoint)]

/// One piece of a path template.
#[derive(Debug, PartialEq)]
pub(crate) enum Piece {
    Lit(String),
    Param(String),
}

/// The scope of an endpoint: a catalogued string, or a path to a concrete scope type.
pub(crate) enum ScopeType {
    Catalogue(CatalogueScope),
    Path(Path),
}

/// A field with its (required) role.
pub(crate) struct Field<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a Type,
    pub(crate) role: FieldRole,
}

/// A valid endpoint: every part known.
pub(crate) struct Endpoint<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    pub(crate) krate: Path,
    pub(crate) method: Ident,
    pub(crate) path: LitStr,
    pub(crate) pieces: Vec<Piece>,
    /// One scope, or (from a list) one to four, all required.
    pub(crate) scope: Scopes,
    /// `service = …`: overrides the scope's service.
    pub(crate) service: Option<ServiceSpec>,
    /// `header("name" = "value")`: checked names and values.
    pub(crate) headers: Vec<(String, String)>,
    /// `rename_all = …`: how query names derived from field names are spelt.
    pub(crate) rename_all: Option<RenameAll>,
    pub(crate) response: Type,
    /// `#[zoho(idempotent)]`: may be repeated after an ambiguous failure whatever the method.
    pub(crate) idempotent: bool,
    pub(crate) fields: Vec<Field<'a>>,
    /// `paginate(...)`: implement `Paged` too.
    pub(crate) paginate: Option<Paginate>,
}

/// Where a pageable endpoint keeps its position and page size.
pub(crate) enum Cursor {
    /// Two `Option<u32>` fields of its own, named after the style's setters.
    Fields { position: Ident, size: Ident },
    /// One field whose type implements `PageCursor`.
    Field(Ident),
}

/// A checked `paginate(...)`.
pub(crate) struct Paginate {
    pub(crate) item: Type,
    pub(crate) style: PageStyle,
    pub(crate) cursor: Cursor,
    pub(crate) split: Option<Path>,
}

impl PageStyle {
    /// The names of the position and size: fields in the two-field form, setters in both.
    pub(crate) fn names(self) -> (&'static str, &'static str) {
        match self {
            PageStyle::PageNumber => ("page", "per_page"),
            PageStyle::Index => ("index", "range"),
        }
    }
}

/// What is known of an invalid endpoint: enough for a stub impl, when it is a struct whose
/// scope is known (or guessed).
pub(crate) struct PartialEndpoint<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    pub(crate) is_struct: bool,
    pub(crate) krate: Path,
    pub(crate) method: Option<Ident>,
    pub(crate) scope: Option<Scopes>,
    pub(crate) response: Option<Type>,
}

/// `rename_all = "…"`: serde's spellings of a `snake_case` field name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RenameAll {
    Lower,
    Upper,
    Camel,
    Pascal,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
}

impl RenameAll {
    const EVERY: [(&'static str, RenameAll); 8] = [
        ("lowercase", RenameAll::Lower),
        ("UPPERCASE", RenameAll::Upper),
        ("camelCase", RenameAll::Camel),
        ("PascalCase", RenameAll::Pascal),
        ("snake_case", RenameAll::Snake),
        ("SCREAMING_SNAKE_CASE", RenameAll::ScreamingSnake),
        ("kebab-case", RenameAll::Kebab),
        ("SCREAMING-KEBAB-CASE", RenameAll::ScreamingKebab),
    ];

    /// Spells the `snake_case` name `field`.
    pub(crate) fn apply(self, field: &str) -> String {
        let words = field.split('_').filter(|w| !w.is_empty());
        let capital = |w: &str| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        };
        match self {
            RenameAll::Lower | RenameAll::Snake => field.to_owned(),
            RenameAll::Upper | RenameAll::ScreamingSnake => field.to_ascii_uppercase(),
            RenameAll::Kebab => field.replace('_', "-"),
            RenameAll::ScreamingKebab => field.replace('_', "-").to_ascii_uppercase(),
            RenameAll::Pascal => words.map(capital).collect(),
            RenameAll::Camel => {
                words.enumerate().map(|(i, w)| if i == 0 { w.to_owned() } else { capital(w) }).collect()
            }
        }
    }
}

/// An endpoint's scopes: written as one, or as a list (a tuple type, even of one).
pub(crate) enum Scopes {
    One(ScopeType),
    List(Vec<ScopeType>),
}

/// A checked `service = …`.
pub(crate) enum ServiceSpec {
    /// `"projects"`: `Service::PROJECTS`.
    Projects,
    /// `"api_domain"`: `Service::API_DOMAIN`.
    ApiDomain,
    /// A path to a `Service` constant (its type is checked by the compiler).
    Path(Path),
}

/// The most scopes one endpoint may list (the tuples `RequiredScopes` is implemented for).
const MAX_SCOPES: usize = 4;

/// Checks `service = …`.
pub(crate) fn service(input: &ServiceInput) -> Result<ServiceSpec, syn::Error> {
    match input {
        ServiceInput::Path(p) => Ok(ServiceSpec::Path(p.clone())),
        ServiceInput::Str(lit) => match lit.value().as_str() {
            "projects" => Ok(ServiceSpec::Projects),
            "api_domain" => Ok(ServiceSpec::ApiDomain),
            other => {
                let hint = did_you_mean(other, ["projects", "api_domain"])
                    .map(|g| format!("did you mean \"{g}\"? "))
                    .unwrap_or_default();
                Err(syn::Error::new(
                    lit.span(),
                    format_args!(
                        "unknown service {other:?}; {hint}expected \"projects\" (projectsapi.zoho.<tld>), \"api_domain\" \
                         (www.zohoapis.<tld>), or a path to a `Service` constant declared with \
                         `Service::new(\"ZohoDesk\", HostFamily::Subdomain(\"desk\"))`"
                    ),
                ))
            }
        },
    }
}

/// Whether `name` is an HTTP header name (RFC 9110 §5.1: a token).
fn header_name_ok(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The headers the client sets itself (kept in step with `oauth-core`'s run-time list).
const RESERVED_HEADERS: [&str; 7] =
    ["authorization", "host", "content-type", "content-length", "transfer-encoding", "connection", "cookie"];

/// Checks a header name written in an attribute; `seen` holds the names so far (lower case).
fn check_header_name(lit: &LitStr, seen: &mut Vec<String>, errors: &mut Errors) -> Option<String> {
    let name = lit.value();
    let lower = name.to_ascii_lowercase();
    if !header_name_ok(&name) {
        errors.spanned(lit, format_args!("{name:?} is not an HTTP header name (letters, digits and !#$%&'*+-.^_`|~)"));
        return None;
    }
    if RESERVED_HEADERS.contains(&lower.as_str()) {
        errors.spanned(lit, format_args!("the client sets `{name}` itself; an endpoint may not set it"));
        return None;
    }
    if seen.contains(&lower) {
        errors.spanned(lit, format_args!("header `{name}` is set twice"));
        return None;
    }
    seen.push(lower);
    Some(name)
}

/// Splits `/api/v3/portal/{portal_id}/projects` into literal and placeholder pieces.
pub(crate) fn parse_path(s: &str) -> Result<Vec<Piece>, String> {
    if !s.starts_with('/') {
        return Err(format!("the path must start with `/`, e.g. \"/{s}\""));
    }
    if let Some(c) = s.chars().find(|c| c.is_whitespace() || matches!(c, '?' | '#')) {
        return Err(format!("the path may not contain {c:?}; query parameters are fields marked `#[zoho(query)]`"));
    }
    if s.contains("//") {
        return Err("the path contains an empty segment (`//`)".into());
    }
    let mut pieces = Vec::new();
    let mut rest = s;
    while let Some(open) = rest.find(['{', '}']) {
        if rest.as_bytes()[open] == b'}' {
            return Err("unmatched `}` in the path".into());
        }
        if open > 0 {
            pieces.push(Piece::Lit(rest[..open].to_owned()));
        }
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or("unclosed `{` in the path")?;
        let name = &after[..close];
        let valid = name.chars().next().is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
            && name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric());
        if !valid {
            return Err(format!(
                "`{{{name}}}` is not a valid placeholder; placeholders name a field, e.g. `{{portal_id}}`"
            ));
        }
        pieces.push(Piece::Param(name.to_owned()));
        rest = &after[close + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Lit(rest.to_owned()));
    }
    Ok(pieces)
}

/// The scope path of an endpoint must name one concrete scope type: not a type parameter (the
/// caller would choose the scope of the call), not `Self`, and without generic arguments.
fn concrete_scope_path(path: &Path, generics: &Generics) -> Result<(), String> {
    let params: Vec<&Ident> = generics.type_params().map(|p| &p.ident).collect();
    let first = path.segments.first().map(|s| &s.ident);
    if let Some(param) = first.filter(|f| params.contains(f)) {
        return Err(format!(
            "`scope` must name the one scope this call needs, not the type parameter `{param}`: a caller could \
             then pick any scope for it (even `READ` for a `DELETE`); write the scope, e.g. \
             `scope = \"ZohoProjects.tasks.DELETE\"` or `scope = my_module::Delete`"
        ));
    }
    if first.is_some_and(|f| f == "Self") {
        return Err("`scope` must name a scope type such as `scopes::tasks::Read`, not `Self`".into());
    }
    if path.segments.iter().any(|s| !s.arguments.is_none()) {
        return Err(format!(
            "`scope` must name a concrete scope type declared with `scope_module!` (e.g. `my_module::Read`), \
             not the generic type `{}`",
            path.to_token_stream().to_string().replace(' ', "")
        ));
    }
    Ok(())
}

/// Checks the derive's input.
pub(crate) fn endpoint<'a>(ast: EndpointInput<'a>, errors: &mut Errors) -> Checked<Endpoint<'a>, PartialEndpoint<'a>> {
    let input: &'a DeriveInput = ast.original;
    let attrs = &ast.attrs;
    let krate = attrs.crate_path();
    let ident = &input.ident;

    let is_struct = match &input.data {
        Data::Struct(s) => {
            if let Fields::Unnamed(u) = &s.fields {
                errors.spanned(u, "`Endpoint` needs named fields (or none): path placeholders and query parameters are named after fields");
            }
            true
        }
        Data::Enum(e) => {
            errors.spanned(e.enum_token, "`Endpoint` can only be derived for a struct; an enum is not one HTTP call");
            false
        }
        Data::Union(u) => {
            errors.spanned(u.union_token, "`Endpoint` can only be derived for a struct");
            false
        }
    };

    let incomplete = attrs.incomplete;
    let missing = |errors: &mut Errors, key: &str, example: &str| {
        // After a parse error the rest of that attribute was not read: do not guess.
        if !incomplete {
            errors.spanned(ident, format_args!("missing `#[zoho({key} = {example})]` on `{ident}`"));
        }
    };

    let method = match &attrs.method {
        None => {
            missing(errors, "method", "\"GET\"");
            None
        }
        Some(Keyed { value, .. }) => {
            let m = value.value();
            if METHODS.contains(&m.as_str()) {
                let camel = format!("{}{}", &m[..1], m[1..].to_ascii_lowercase());
                Some(Ident::new(&camel, value.span()))
            } else {
                let hint = did_you_mean(&m, METHODS).map(|g| format!("; did you mean \"{g}\"?")).unwrap_or_default();
                errors.spanned(
                    value,
                    format_args!("unknown HTTP method {m:?}; expected one of {}{hint}", METHODS.join(", ")),
                );
                None
            }
        }
    };

    let path = match &attrs.path {
        None => {
            missing(errors, "path", "\"/api/v3/portals\"");
            None
        }
        Some(Keyed { value, .. }) => match parse_path(&value.value()) {
            Ok(pieces) => Some((value.clone(), pieces)),
            Err(msg) => {
                errors.spanned(value, format_args!("malformed path: {msg}"));
                None
            }
        },
    };

    let scope = match &attrs.scope {
        None => {
            missing(errors, "scope", "\"ZohoProjects.<module>.<OPERATION>\"");
            None
        }
        Some(Keyed { value: ScopeInput::One(item), .. }) => scope_item(item, &input.generics, errors).map(Scopes::One),
        Some(Keyed { value: ScopeInput::List(span, items), .. }) => scope_list(*span, items, &input.generics, errors),
    };

    let service = attrs.service.as_ref().and_then(|Keyed { value, .. }| match self::service(value) {
        Ok(s) => Some(s),
        Err(e) => {
            errors.push(e);
            None
        }
    });

    let rename_all = attrs.rename_all.as_ref().and_then(|Keyed { value, .. }| {
        let found = RenameAll::EVERY.iter().find(|(s, _)| *s == value.value()).map(|(_, r)| *r);
        if found.is_none() {
            let all: Vec<&str> = RenameAll::EVERY.iter().map(|(s, _)| *s).collect();
            errors.spanned(
                value,
                format_args!("unknown `rename_all` rule {:?}; expected one of {}", value.value(), all.join(", ")),
            );
        }
        found
    });

    let mut seen_headers = Vec::new();
    let mut headers = Vec::new();
    for h in &attrs.headers {
        let Some(name) = check_header_name(&h.name, &mut seen_headers, errors) else { continue };
        let value = h.value.value();
        if value.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
            errors.spanned(
                &h.value,
                format_args!("the value of header `{name}` has a control character (a line break?)"),
            );
            continue;
        }
        headers.push((name, value));
    }
    for f in &ast.fields {
        if let Some(Keyed { value: FieldRole::Header(lit), .. }) = &f.role {
            check_header_name(lit, &mut seen_headers, errors);
        }
    }

    let response = match &attrs.response {
        None => {
            missing(errors, "response", "MyResponseType");
            None
        }
        Some(Keyed { value, .. }) => Some(value.clone()),
    };

    let paginate = attrs.paginate.as_ref().and_then(|p| check_paginate(p, &ast.fields, errors));
    let fields = check_fields(ast.fields, path.as_ref(), method.as_ref(), errors);

    match (errors.is_empty(), method, path, scope, response, fields) {
        (true, Some(method), Some((path, pieces)), Some(scope), Some(response), Some(fields)) => {
            Checked::Valid(Endpoint {
                ident,
                generics: &input.generics,
                krate,
                method,
                path,
                pieces,
                scope,
                service,
                headers,
                rename_all,
                response,
                idempotent: attrs.idempotent.is_some(),
                fields,
                paginate,
            })
        }
        (_, method, _, scope, response, _) => Checked::Partial(PartialEndpoint {
            ident,
            generics: &input.generics,
            is_struct,
            krate,
            method,
            scope,
            response,
        }),
    }
}

/// Checks `paginate(...)` against the fields: a row type, and either a `cursor` field or the
/// two fields of the style.
fn check_paginate(
    attr: &Keyed<PaginateAttr>,
    fields: &[crate::ast::FieldInput<'_>],
    errors: &mut Errors,
) -> Option<Paginate> {
    let PaginateAttr { item, style, cursor, split } = &attr.value;
    let Some(item) = item else {
        errors.spanned(&attr.key, "`paginate(...)` needs the row type: `paginate(item = RowType)`");
        return None;
    };
    let style = style.unwrap_or(PageStyle::PageNumber);
    let (position, size) = style.names();
    let cursor = match cursor {
        Some(field) => {
            if !fields.iter().any(|f| f.ident == field) {
                errors.spanned(field, format_args!("`cursor = {field}` names no field of this struct"));
                return None;
            }
            Cursor::Field(field.clone())
        }
        None => {
            let missing: Vec<&str> =
                [position, size].into_iter().filter(|n| !fields.iter().any(|f| f.ident == n)).collect();
            if !missing.is_empty() {
                errors.spanned(
                    &attr.key,
                    format_args!(
                        "`paginate` reads and writes fields `{position}` and `{size}` (`Option<u32>`), and this struct \
                         lacks `{}`; add them (marked `#[zoho(query)]`) or name a field implementing `PageCursor` \
                         with `cursor = field`",
                        missing.join("` and `")
                    ),
                );
                return None;
            }
            let span = attr.key.segments[0].ident.span();
            Cursor::Fields { position: Ident::new(position, span), size: Ident::new(size, span) }
        }
    };
    Some(Paginate { item: item.clone(), style, cursor, split: split.clone() })
}

/// Checks one scope of an endpoint; `None` (an error recorded) unless it or what was most
/// likely meant is known.
fn scope_item(item: &ScopeItem, generics: &Generics, errors: &mut Errors) -> Option<ScopeType> {
    match item {
        ScopeItem::Path(p) => match concrete_scope_path(p, generics) {
            Ok(()) => Some(ScopeType::Path(p.clone())),
            Err(msg) => {
                errors.spanned(p, msg);
                None
            }
        },
        ScopeItem::Str(lit) => match scope::parse_scope_str(&lit.value()) {
            Ok(s) => Some(ScopeType::Catalogue(s)),
            Err(e) => {
                errors.spanned(lit, e.message);
                // The stub uses what the user most likely meant, so `send` does not fail as well.
                e.likely.map(ScopeType::Catalogue)
            }
        },
    }
}

/// What a scope of a list is, for finding a repeated one: the catalogue's string (whether it
/// was written as a string or as a `scopes::<module>::<Op>` path), or the path as written.
fn scope_key(scope: &ScopeType) -> String {
    match scope {
        ScopeType::Catalogue(c) => c.oauth(),
        ScopeType::Path(p) => match set_path(p) {
            Ok(SetScope::Catalogue { scope, .. }) => scope.oauth(),
            _ => p.to_token_stream().to_string().replace(' ', ""),
        },
    }
}

/// Checks `scope = [...]`: one to four scopes, each once.
fn scope_list(span: Span, items: &[ScopeItem], generics: &Generics, errors: &mut Errors) -> Option<Scopes> {
    if items.is_empty() {
        errors.push(syn::Error::new(span, "`scope = []` names no scope; list the scopes the call needs"));
        return None;
    }
    if items.len() > MAX_SCOPES {
        errors.push(syn::Error::new(
            span,
            format_args!("an endpoint can require at most {MAX_SCOPES} scopes; this list has {}", items.len()),
        ));
        return None;
    }
    let mut scopes: Vec<ScopeType> = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    let mut complete = true;
    for item in items {
        let Some(scope) = scope_item(item, generics, errors) else {
            complete = false;
            continue;
        };
        let key = scope_key(&scope);
        if keys.contains(&key) {
            let msg = format!("scope `{key}` is listed twice; list each scope once");
            match item {
                ScopeItem::Str(l) => errors.spanned(l, msg),
                ScopeItem::Path(p) => errors.spanned(p, msg),
            }
            continue;
        }
        keys.push(key);
        scopes.push(scope);
    }
    complete.then_some(Scopes::List(scopes))
}

/// Checks the fields' roles against the path and method; `Some` when every field has a role.
fn check_fields<'a>(
    fields: Vec<crate::ast::FieldInput<'a>>,
    path: Option<&(LitStr, Vec<Piece>)>,
    method: Option<&Ident>,
    errors: &mut Errors,
) -> Option<Vec<Field<'a>>> {
    let mut body_field: Option<&Ident> = None;
    let mut all_roles = true;
    for f in &fields {
        let Some(role) = &f.role else {
            all_roles = false;
            errors.spanned(
                f.ident,
                format_args!(
                    "field `{}` is not part of the request; mark it `#[zoho(path)]`, `#[zoho(query)]`, \
                     `#[zoho(body)]`, `#[zoho(form)]`, `#[zoho(multipart)]` or `#[zoho(skip)]`",
                    f.ident
                ),
            );
            continue;
        };
        match &role.value {
            FieldRole::Path => {
                let used =
                    path.is_none_or(|(_, pieces)| pieces.iter().any(|p| matches!(p, Piece::Param(n) if f.ident == n)));
                if !used {
                    errors.spanned(
                        &role.key,
                        format_args!(
                            "field `{}` is marked `path` but the path has no `{{{}}}` placeholder",
                            f.ident, f.ident
                        ),
                    );
                }
            }
            FieldRole::Body | FieldRole::Form | FieldRole::Multipart => {
                if let Some(first) = body_field {
                    errors
                        .spanned(&role.key, format_args!("a request has one body, and field `{first}` already is it"));
                }
                body_field = Some(f.ident);
                if method.is_some_and(|m| m == "Get" || m == "Delete") {
                    let msg = if matches!(role.value, FieldRole::Multipart) {
                        "a GET or DELETE request to Zoho carries no body, so no multipart upload; uploads are `POST`"
                    } else {
                        "a GET or DELETE request to Zoho carries no body; use `#[zoho(query)]`"
                    };
                    errors.spanned(&role.key, msg);
                }
            }
            FieldRole::Query { repeat: true, .. } if crate::expand::vec_inner(f.ty).is_none() => {
                errors.spanned(
                    &role.key,
                    format_args!(
                        "`repeat` sends one parameter per item of a `Vec`, and field `{}` is not a `Vec` (or `Option<Vec<_>>`)",
                        f.ident
                    ),
                );
            }
            FieldRole::Query { .. } | FieldRole::Flatten | FieldRole::Header(_) | FieldRole::Skip => {}
        }
    }
    if let Some((lit, pieces)) = path {
        for p in pieces {
            let Piece::Param(name) = p else { continue };
            let field = fields.iter().find(|f| f.ident == name);
            match field.and_then(|f| f.role.as_ref().map(|r| &r.value)) {
                Some(FieldRole::Path) => {}
                Some(_) => errors.spanned(
                    lit,
                    format_args!("placeholder `{{{name}}}` names field `{name}`, which is not marked `#[zoho(path)]`"),
                ),
                None if field.is_some() => {} // already reported: field without a role
                None => errors.spanned(
                    lit,
                    format_args!(
                        "placeholder `{{{name}}}` names no field; add a field `{name}` marked `#[zoho(path)]`"
                    ),
                ),
            }
        }
    }
    all_roles.then(|| {
        fields.into_iter().filter_map(|f| Some(Field { ident: f.ident, ty: f.ty, role: f.role?.value })).collect()
    })
}

// ---------------------------------------------------------------------------------------------
// scope_set!

/// A module a set grants on.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ModuleRef {
    /// A catalogued `ZohoProjects` module, by name.
    Catalogue(&'static str),
    /// A module declared with `scope_module!`: the path to its `Module` type, as written.
    Declared(String),
}

/// One scope of a set, once.
pub(crate) enum SetScope {
    /// A catalogued scope, written as a string or as a `scopes::<module>::<Op>` path.
    Catalogue { scope: CatalogueScope, written_as: Option<Path> },
    /// A scope declared with `scope_module!`: its path, its module's path and its operation.
    Declared { path: Path, module: Path, op: Op },
}

/// A valid scope set: the requested strings and the grants come from `scopes`, one list.
pub(crate) struct ScopeSetDef {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) ident: Ident,
    pub(crate) krate: Path,
    /// Each scope once, in the order written.
    pub(crate) scopes: Vec<SetScope>,
    /// The merged grant flags (read, create, update, delete) per module.
    pub(crate) grants: BTreeMap<ModuleRef, (Option<Path>, [bool; 4])>,
    /// The list as written, for the generated doc.
    pub(crate) written: Vec<String>,
}

/// An invalid set: the struct is still declared, with the entries that were valid.
pub(crate) struct PartialSet(pub(crate) ScopeSetDef);

/// Checks one `scope_set!` declaration.
pub(crate) fn scope_set(decl: &SetDecl, errors: &mut Errors) -> Checked<ScopeSetDef, PartialSet> {
    let (zoho, attrs) = decl.split_attrs(errors);
    let krate = zoho.crate_path();
    if decl.entries.is_empty() {
        errors.push(syn::Error::new(
            decl.bracket,
            "a scope set needs at least one scope, e.g. [\"ZohoProjects.portals.READ\"]",
        ));
    }
    let mut def = ScopeSetDef {
        attrs,
        vis: decl.vis.clone(),
        ident: decl.ident.clone(),
        krate,
        scopes: Vec::new(),
        grants: BTreeMap::new(),
        written: Vec::new(),
    };
    let mut seen: Vec<String> = Vec::new();
    for entry in &decl.entries {
        let (key, scope) = match entry {
            Entry::Str(lit) => {
                def.written.push(format!("`{}`", lit.value()));
                match scope::parse_scope_str(&lit.value()) {
                    Ok(s) => (s.oauth(), SetScope::Catalogue { scope: s, written_as: None }),
                    Err(e) => {
                        errors.spanned(lit, e.message);
                        continue;
                    }
                }
            }
            Entry::Path(path) => {
                def.written.push(format!("`{}`", path.to_token_stream().to_string().replace(' ', "")));
                match set_path(path) {
                    Ok(s @ SetScope::Catalogue { .. }) => {
                        let SetScope::Catalogue { scope, .. } = &s else { unreachable!() };
                        (scope.oauth(), s)
                    }
                    Ok(s) => (path.to_token_stream().to_string(), s),
                    Err(msg) => {
                        errors.spanned(path, msg);
                        continue;
                    }
                }
            }
        };
        if seen.contains(&key) {
            continue; // a duplicate: requested and granted once
        }
        seen.push(key);
        let (module, module_path, op) = match &scope {
            SetScope::Catalogue { scope, .. } => (ModuleRef::Catalogue(scope.module), None, scope.op),
            SetScope::Declared { module, op, .. } => {
                (ModuleRef::Declared(module.to_token_stream().to_string()), Some(module.clone()), *op)
            }
        };
        let slot = def.grants.entry(module).or_insert((module_path, [false; 4]));
        for (flag, add) in slot.1.iter_mut().zip(op.flags()) {
            *flag |= add;
        }
        def.scopes.push(scope);
    }
    if errors.is_empty() { Checked::Valid(def) } else { Checked::Partial(PartialSet(def)) }
}

/// A path entry of `scope_set!`: `scopes::tasks::Read` (the catalogue) or `my_module::Read`.
fn set_path(path: &Path) -> Result<SetScope, String> {
    let segs: Vec<&Ident> = path.segments.iter().map(|s| &s.ident).collect();
    let op = match (segs.len(), segs.last(), path.segments.iter().all(|s| s.arguments.is_none())) {
        (2.., Some(last), true) => Op::from_type_name(&last.to_string()),
        _ => None,
    };
    let Some(op) = op else {
        return Err("expected a path to a scope type declared with `scope_module!`, ending in the operation: \
                    `module::Read`, `Create`, `Update`, `Delete` or `All`"
            .into());
    };
    // `…::scopes::tasks::Read`: the catalogue, merged with the strings for the same module.
    if let [.., scopes, module, _] = segs[..]
        && scopes == "scopes"
        && let Some(found) = CatalogueScope::find(&module.to_string(), op)
    {
        return Ok(SetScope::Catalogue { scope: found, written_as: Some(path.clone()) });
    }
    let mut module = path.clone();
    if let Some(seg) = module.segments.last_mut() {
        seg.ident = Ident::new("Module", seg.ident.span());
    }
    Ok(SetScope::Declared { path: path.clone(), module, op })
}

// ---------------------------------------------------------------------------------------------
// scope_module!

/// A valid `scope_module!` declaration.
pub(crate) struct ScopeModuleDef {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) ident: Ident,
    pub(crate) krate: Path,
    /// `Service.module`, checked.
    pub(crate) prefix: String,
    /// `service = …`, else Projects for a `ZohoProjects` module and `api_domain` for others.
    pub(crate) service: ServiceSpec,
    /// Each operation once, with the span of its ident.
    pub(crate) ops: Vec<(Op, Span)>,
}

/// An invalid declaration: the module is still declared, with the operations that were valid.
pub(crate) struct PartialModule(pub(crate) ScopeModuleDef);

fn ident_like(p: &str) -> bool {
    p.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Checks a `Service.module` prefix; `catalogue_ok` is set only for the built-in catalogue.
pub(crate) fn prefix(prefix: &str, catalogue_ok: bool) -> Result<(), String> {
    let parts: Vec<&str> = prefix.split('.').collect();
    let [service, module] = parts[..] else {
        return Err(format!(
            "malformed module prefix `{prefix}`: expected `Service.module`, e.g. \"ZohoCRM.modules\" (the operations \
             go in the braces)"
        ));
    };
    if !ident_like(service) || !ident_like(module) {
        return Err(format!(
            "malformed module prefix `{prefix}`: service and module must be non-empty identifiers \
             (letters, digits, `_`), e.g. \"ZohoCRM.modules\""
        ));
    }
    if !catalogue_ok && service == SERVICE && catalogue::module(module).is_some() {
        return Err(format!(
            "`{SERVICE}.{module}` is already in the built-in catalogue: use `zoho_projects::scopes::{module}` \
             (e.g. `scopes::{module}::Read`, or the string \"{SERVICE}.{module}.READ\") instead of declaring it again"
        ));
    }
    Ok(())
}

/// Checks one `scope_module!` declaration.
pub(crate) fn scope_module(decl: &ModuleDecl, errors: &mut Errors) -> Checked<ScopeModuleDef, PartialModule> {
    let (zoho, attrs) = decl.split_attrs(errors);
    if let Err(msg) = prefix(&decl.prefix.value(), false) {
        errors.spanned(&decl.prefix, msg);
    }
    if decl.ops.is_empty() {
        errors.push(syn::Error::new(decl.brace, "a module needs at least one operation, e.g. { READ }"));
    }
    let mut ops: Vec<(Op, Span)> = Vec::new();
    for ident in &decl.ops {
        match parse_op_ident(ident) {
            Ok(op) if ops.iter().any(|(o, _)| *o == op) => {
                errors.spanned(ident, format_args!("operation `{ident}` is listed twice"));
            }
            Ok(op) => ops.push((op, ident.span())),
            Err(msg) => errors.spanned(ident, msg),
        }
    }
    let prefix = decl.prefix.value();
    let service = match zoho.service.as_ref().map(|k| service(&k.value)) {
        Some(Ok(s)) => s,
        Some(Err(e)) => {
            errors.push(e);
            ServiceSpec::Projects
        }
        // Most Zoho services answer on the token's `api_domain` (FACTS.md §1.10).
        None if prefix.split('.').next() == Some(SERVICE) => ServiceSpec::Projects,
        None => ServiceSpec::ApiDomain,
    };
    let def = ScopeModuleDef {
        attrs,
        vis: decl.vis.clone(),
        ident: decl.ident.clone(),
        krate: zoho.crate_path(),
        prefix,
        service,
        ops,
    };
    if errors.is_empty() { Checked::Valid(def) } else { Checked::Partial(PartialModule(def)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_templates() {
        assert_eq!(
            parse_path("/api/v3/portal/{portal_id}/projects").ok(),
            Some(vec![
                Piece::Lit("/api/v3/portal/".into()),
                Piece::Param("portal_id".into()),
                Piece::Lit("/projects".into())
            ])
        );
        assert!(parse_path("api/v3").unwrap_err().contains("start with `/`"));
        assert!(parse_path("/a/{b").unwrap_err().contains("unclosed"));
        assert!(parse_path("/a/b}").unwrap_err().contains("unmatched"));
        assert!(parse_path("/a/{1x}").unwrap_err().contains("not a valid placeholder"));
        assert!(parse_path("/a?x=1").unwrap_err().contains("query"));
        assert!(parse_path("/a//b").unwrap_err().contains("empty segment"));
    }

    #[test]
    fn module_prefixes() {
        assert!(prefix("ZohoCRM.modules", false).is_ok());
        assert!(prefix("ZohoProjects.newthing", false).is_ok(), "Zoho adds modules: the open world stays open");
        assert!(prefix("ZohoProjects.tasks", false).unwrap_err().contains("scopes::tasks"));
        assert!(prefix("ZohoProjects.tasks", true).is_ok());
        for bad in ["", "ZohoCRM", "ZohoCRM.", ".modules", "Zoho CRM.modules", "ZohoCRM.modules.READ", "a.b-c"] {
            assert!(prefix(bad, false).is_err(), "{bad:?}");
        }
    }

    fn set(tokens: proc_macro2::TokenStream) -> (Checked<ScopeSetDef, PartialSet>, usize) {
        let decl: SetDecl = syn::parse2(tokens).expect("parses");
        let mut errors = Errors::default();
        let r = scope_set(&decl, &mut errors);
        (r, errors.len())
    }

    #[test]
    fn strings_and_catalogue_paths_merge_into_one_grant() {
        let (r, n) = set(
            quote::quote!(struct S = ["ZohoProjects.tasks.READ", scopes::tasks::Create, zoho_projects::scopes::tasks::Read, "ZohoProjects.tasks.READ"]),
        );
        let Checked::Valid(def) = r else { panic!("valid") };
        assert_eq!(n, 0);
        assert_eq!(def.grants.len(), 1, "one module, one grant");
        assert_eq!(def.grants[&ModuleRef::Catalogue("tasks")].1, [true, true, false, false]);
        assert_eq!(def.scopes.len(), 2, "duplicates requested once");
    }

    #[test]
    fn a_wrong_entry_keeps_the_others() {
        let (r, n) = set(quote::quote!(struct S = ["ZohoProjects.tasks.READ", "ZohoProjects.taks.ALL"]));
        let Checked::Partial(PartialSet(def)) = r else { panic!("invalid") };
        assert_eq!(n, 1, "one mistake, one error");
        assert_eq!(def.scopes.len(), 1);
    }
}
