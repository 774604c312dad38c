//! Parsing of `#[zoho(...)]` attributes into typed values: ONE container parser, shared by
//! `#[derive(Endpoint)]`, `scope_set!` and `scope_module!` (each passes the keys it accepts).
//! Checks that concern one attribute (duplicate keys, unknown keys, value syntax, a relative
//! `crate` path) live here; checks across the whole input live in `valid.rs`.

use crate::errors::Errors;
use crate::symbol::{
    BODY, CRATE, CURSOR, FLATTEN, FORM, HEADER, IDEMPOTENT, ITEM, METHOD, MULTIPART, PAGINATE, PATH, QUERY, RENAME_ALL,
    REPEAT, RESPONSE, SCOPE, SERVICE, SKIP, SPLIT, STYLE, ZOHO,
};
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Expr, Ident, LitStr, Path, Type};

/// A value together with the key token that set it, so that errors can point at either.
pub(crate) struct Keyed<T> {
    pub(crate) key: Path,
    pub(crate) value: T,
}

/// One scope: `"ZohoProjects.tasks.READ"` or `some::scopes::tasks::Read`.
pub(crate) enum ScopeItem {
    Str(LitStr),
    Path(Path),
}

/// `scope = <one scope>` or `scope = [<scope>, <scope>, …]` (all required).
pub(crate) enum ScopeInput {
    One(ScopeItem),
    /// The bracket's span (for an empty list) and the items.
    List(proc_macro2::Span, Vec<ScopeItem>),
}

/// `service = "projects"`, `service = "api_domain"` or `service = path::to::SERVICE`.
pub(crate) enum ServiceInput {
    Str(LitStr),
    Path(Path),
}

/// `header("orgId" = "123")`: a static request header.
pub(crate) struct StaticHeader {
    pub(crate) name: LitStr,
    pub(crate) value: LitStr,
}

/// The container attributes (every key any macro knows; a macro reads the ones it accepts).
#[derive(Default)]
pub(crate) struct ContainerAttrs {
    pub(crate) method: Option<Keyed<LitStr>>,
    pub(crate) path: Option<Keyed<LitStr>>,
    pub(crate) scope: Option<Keyed<ScopeInput>>,
    pub(crate) response: Option<Keyed<Type>>,
    /// `idempotent`: the key that said so.
    pub(crate) idempotent: Option<Keyed<()>>,
    /// `service = …`.
    pub(crate) service: Option<Keyed<ServiceInput>>,
    /// `header("name" = "value")`, each as written (repeatable).
    pub(crate) headers: Vec<StaticHeader>,
    /// `rename_all = "camelCase"`.
    pub(crate) rename_all: Option<Keyed<LitStr>>,
    /// `paginate(...)`: the endpoint is a pageable list.
    pub(crate) paginate: Option<Keyed<PaginateAttr>>,
    /// Checked to be absolute; `None` when absent or wrong (then the default is used).
    pub(crate) krate: Option<Path>,
    /// An attribute failed to parse, so keys after the mistake were not read: a key that
    /// looks missing may not be.
    pub(crate) incomplete: bool,
}

impl ContainerAttrs {
    /// The runtime path generated code names: `crate = ...`, or `::zoho_projects`.
    pub(crate) fn crate_path(&self) -> Path {
        self.krate.clone().unwrap_or_else(|| syn::parse_quote!(::zoho_projects))
    }
}

/// How pages are addressed (`style = "page"` or `"index"`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum PageStyle {
    /// `page` / `per_page`.
    PageNumber,
    /// `index` / `range`.
    Index,
}

/// `paginate(item = T, style = "...", cursor = field, split = path)`, each key as written.
#[derive(Default)]
pub(crate) struct PaginateAttr {
    pub(crate) item: Option<Type>,
    pub(crate) style: Option<PageStyle>,
    pub(crate) cursor: Option<Ident>,
    pub(crate) split: Option<Path>,
}

/// `style = "page"` or `style = "index"`.
fn parse_page_style(meta: &ParseNestedMeta<'_>) -> syn::Result<PageStyle> {
    let lit: LitStr = meta.value()?.parse()?;
    match lit.value().as_str() {
        "page" => Ok(PageStyle::PageNumber),
        "index" => Ok(PageStyle::Index),
        other => Err(syn::Error::new(
            lit.span(),
            format_args!(
                "unknown pagination style {other:?}; expected \"page\" (page numbers: `page`, `per_page`) \
                 or \"index\" (row indexes: `index`, `range`)"
            ),
        )),
    }
}

/// Reads the inside of `paginate(...)`.
fn parse_paginate(meta: &ParseNestedMeta<'_>) -> syn::Result<PaginateAttr> {
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error("`paginate` takes its keys in parentheses: `paginate(item = RowType)`"));
    }
    let mut out = PaginateAttr::default();
    let mut seen: Vec<String> = Vec::new();
    meta.parse_nested_meta(|inner| {
        let key = inner.path.get_ident().map(ToString::to_string).unwrap_or_default();
        if seen.contains(&key) {
            return Err(inner.error(format_args!("duplicate `{key}` key in `paginate(...)`")));
        }
        match key.as_str() {
            ITEM => out.item = Some(inner.value()?.parse()?),
            STYLE => out.style = Some(parse_page_style(&inner)?),
            CURSOR => out.cursor = Some(inner.value()?.parse()?),
            SPLIT => out.split = Some(inner.value()?.parse()?),
            _ => {
                return Err(
                    inner.error("unknown key in `paginate(...)`; expected `item`, `style`, `cursor` or `split`")
                );
            }
        }
        seen.push(key);
        Ok(())
    })?;
    Ok(out)
}

/// What a field contributes to the request.
#[derive(Clone)]
pub(crate) enum FieldRole {
    /// Fills the `{name}` placeholder of the path.
    Path,
    /// A query parameter: its name (`explicit` when written as `query = "name"`, else the
    /// field's), and whether a `Vec` is sent as one parameter per item (`repeat`).
    Query { name: LitStr, explicit: bool, repeat: bool },
    /// A struct whose fields are query parameters (`QueryParams`).
    Flatten,
    /// The JSON body.
    Body,
    /// The form-encoded body.
    Form,
    /// The `multipart/form-data` body (a `Multipart`).
    Multipart,
    /// A request header, under the given name.
    Header(LitStr),
    /// Not part of the request.
    Skip,
}

fn set_once<T>(slot: &mut Option<Keyed<T>>, meta: &ParseNestedMeta<'_>, value: T, what: &str) -> syn::Result<()> {
    if slot.is_some() {
        return Err(meta.error(format_args!("duplicate `{what}` key; each key of #[zoho(...)] may appear once")));
    }
    *slot = Some(Keyed { key: meta.path.clone(), value });
    Ok(())
}

fn expected_keys(allowed: &[&str]) -> String {
    let keys: Vec<String> = allowed.iter().map(|k| format!("`{k}`")).collect();
    match keys.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Parses every `#[zoho(...)]` among `attrs`, accepting the keys in `allowed` (from
/// `symbol.rs`); `context` names the macro in the unknown-key message. Records errors and goes on.
pub(crate) fn container(attrs: &[Attribute], allowed: &[&str], context: &str, errors: &mut Errors) -> ContainerAttrs {
    let mut out = ContainerAttrs::default();
    let mut krate: Option<Keyed<Path>> = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident(ZOHO)) {
        let res = attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
            if !allowed.contains(&key.as_str()) {
                let fields = if allowed.contains(&METHOD) {
                    " (field keys `path`, `query`, `body`, `form`, `multipart`, `header`, `skip` go on fields)"
                } else {
                    ""
                };
                return Err(meta.error(format_args!(
                    "unknown #[zoho] key for {context}; expected {}{fields}",
                    expected_keys(allowed)
                )));
            }
            match key.as_str() {
                METHOD => set_once(&mut out.method, &meta, meta.value()?.parse()?, METHOD),
                PATH => set_once(&mut out.path, &meta, meta.value()?.parse()?, PATH),
                SCOPE => set_once(&mut out.scope, &meta, parse_scope(&meta)?, SCOPE),
                SERVICE => set_once(&mut out.service, &meta, parse_service(&meta)?, SERVICE),
                HEADER => {
                    out.headers.push(parse_static_header(&meta)?);
                    Ok(())
                }
                RENAME_ALL => set_once(&mut out.rename_all, &meta, meta.value()?.parse()?, RENAME_ALL),
                RESPONSE => set_once(&mut out.response, &meta, meta.value()?.parse()?, RESPONSE),
                PAGINATE => set_once(&mut out.paginate, &meta, parse_paginate(&meta)?, PAGINATE),
                IDEMPOTENT => {
                    if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
                        return Err(meta.error("`idempotent` takes no value: write `#[zoho(idempotent)]`"));
                    }
                    set_once(&mut out.idempotent, &meta, (), IDEMPOTENT)
                }
                CRATE => set_once(&mut krate, &meta, meta.value()?.parse()?, CRATE),
                _ => unreachable!("every key of symbol.rs has an arm"),
            }
        });
        out.incomplete |= errors.handle(res).is_none();
    }
    out.krate = krate.and_then(|Keyed { value, .. }| {
        if value.leading_colon.is_some() {
            return Some(value);
        }
        errors.spanned(
            &value,
            format_args!(
                "`crate = {}` must be an absolute path such as `::zoho_projects`; a relative path resolves \
                 differently in every module (inside the crate itself, add `extern crate self as name;`)",
                value.to_token_stream()
            ),
        );
        None
    });
    out
}

/// One scope of `scope = …`: a string or a path.
fn scope_item(expr: Expr) -> syn::Result<ScopeItem> {
    match expr {
        Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Ok(ScopeItem::Str(s)),
        Expr::Path(p) if p.qself.is_none() => Ok(ScopeItem::Path(p.path)),
        other => Err(syn::Error::new_spanned(
            other,
            "expected a scope string such as \"ZohoProjects.tasks.READ\" or a path to a scope type",
        )),
    }
}

/// `scope = "…"`, `scope = path`, or `scope = ["…", path, …]`.
fn parse_scope(meta: &ParseNestedMeta<'_>) -> syn::Result<ScopeInput> {
    match meta.value()?.parse::<Expr>()? {
        Expr::Array(list) => {
            let span = list.bracket_token.span.join();
            let items = list.elems.into_iter().map(scope_item).collect::<syn::Result<Vec<_>>>()?;
            Ok(ScopeInput::List(span, items))
        }
        other => scope_item(other).map(ScopeInput::One),
    }
}

/// `service = "api_domain"` or `service = path::to::SERVICE`.
fn parse_service(meta: &ParseNestedMeta<'_>) -> syn::Result<ServiceInput> {
    match meta.value()?.parse::<Expr>()? {
        Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => Ok(ServiceInput::Str(s)),
        Expr::Path(p) if p.qself.is_none() => Ok(ServiceInput::Path(p.path)),
        other => Err(syn::Error::new_spanned(
            other,
            "expected a service: \"projects\", \"api_domain\", or a path to a `Service` constant",
        )),
    }
}

/// `header("orgId" = "123")`.
fn parse_static_header(meta: &ParseNestedMeta<'_>) -> syn::Result<StaticHeader> {
    let usage = "write a static header as `header(\"orgId\" = \"123\")`, or put `#[zoho(header = \"orgId\")]` on a field \
                 for a value per call";
    if !meta.input.peek(syn::token::Paren) {
        return Err(meta.error(usage));
    }
    let content;
    syn::parenthesized!(content in meta.input);
    let name: LitStr = content.parse().map_err(|e| syn::Error::new(e.span(), usage))?;
    if content.is_empty() {
        return Err(syn::Error::new(
            name.span(),
            format_args!("header `{}` has no value; write `header(\"{}\" = \"value\")`", name.value(), name.value()),
        ));
    }
    content.parse::<syn::Token![=]>()?;
    let value: LitStr = content.parse().map_err(|e| syn::Error::new(e.span(), usage))?;
    if !content.is_empty() {
        return Err(content.error("one header per `header(...)`: repeat the key for another"));
    }
    Ok(StaticHeader { name, value })
}

/// Parses the `#[zoho(...)]` of one field: its role, with the key that set it.
pub(crate) fn field(attrs: &[Attribute], field_ident: &Ident, errors: &mut Errors) -> Option<Keyed<FieldRole>> {
    let mut out: Option<Keyed<FieldRole>> = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident(ZOHO)) {
        let res = attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
            let role = match key.as_str() {
                PATH => FieldRole::Path,
                QUERY => {
                    let explicit = meta.input.peek(syn::Token![=]);
                    let name = if explicit {
                        meta.value()?.parse::<LitStr>()?
                    } else {
                        LitStr::new(field_ident.to_string().trim_start_matches("r#"), field_ident.span())
                    };
                    FieldRole::Query { name, explicit, repeat: false }
                }
                REPEAT => {
                    return match &mut out {
                        Some(Keyed { value: FieldRole::Query { repeat, .. }, .. }) => {
                            *repeat = true;
                            Ok(())
                        }
                        _ => Err(meta.error("`repeat` goes after `query`: `#[zoho(query, repeat)]`")),
                    };
                }
                FLATTEN => FieldRole::Flatten,
                BODY => FieldRole::Body,
                FORM => FieldRole::Form,
                MULTIPART => FieldRole::Multipart,
                HEADER => {
                    if !meta.input.peek(syn::Token![=]) {
                        return Err(meta.error("a header field needs the header's name: `#[zoho(header = \"orgId\")]`"));
                    }
                    FieldRole::Header(meta.value()?.parse::<LitStr>()?)
                }
                SKIP => FieldRole::Skip,
                _ => {
                    return Err(meta.error(
                        "unknown #[zoho] field key; expected `path`, `query`, `query = \"name\"`, `body`, `form`, \
                         `multipart`, `header = \"name\"`, `flatten` or `skip`",
                    ));
                }
            };
            if let Some(prev) = &out {
                let prev_name = prev.key.get_ident().map(ToString::to_string).unwrap_or_default();
                return Err(meta.error(format_args!(
                    "a field has one role, and this one is already `{prev_name}`; use one of `path`, `query`, `body`, `form`, `multipart`, `header`, `skip`"
                )));
            }
            out = Some(Keyed { key: meta.path.clone(), value: role });
            Ok(())
        });
        errors.handle(res);
    }
    out
}
