//! Parsing of `#[zoho(...)]` attributes into typed values. Checks that concern one attribute
//! (duplicate keys, unknown keys, value syntax) live here; checks across the whole input live in
//! `valid.rs`.

use crate::errors::Errors;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Expr, Ident, LitStr, Path, Type};

/// The helper attribute's name.
pub(crate) const ZOHO: &str = "zoho";

/// A value together with the key token that set it, so that errors can point at either.
pub(crate) struct Keyed<T> {
    pub(crate) key: Path,
    pub(crate) value: T,
}

/// `scope = "ZohoProjects.tasks.READ"` or `scope = some::scopes::tasks::Read`.
pub(crate) enum ScopeInput {
    Str(LitStr),
    Path(Path),
}

/// The container attributes of `#[derive(Endpoint)]`.
#[derive(Default)]
pub(crate) struct ContainerAttrs {
    pub(crate) method: Option<Keyed<LitStr>>,
    pub(crate) path: Option<Keyed<LitStr>>,
    pub(crate) scope: Option<Keyed<ScopeInput>>,
    pub(crate) response: Option<Keyed<Type>>,
    pub(crate) krate: Option<Keyed<Path>>,
    /// An attribute failed to parse, so keys after the mistake were not read: a key that
    /// looks missing may not be.
    pub(crate) incomplete: bool,
}

/// What a field contributes to the request.
#[derive(Clone)]
pub(crate) enum FieldRole {
    /// Fills the `{name}` placeholder of the path.
    Path,
    /// A query parameter, under the given name.
    Query(LitStr),
    /// The JSON body.
    Body,
    /// The form-encoded body.
    Form,
    /// Not part of the request.
    Skip,
}

/// The attributes of one field.
pub(crate) struct FieldAttrs {
    pub(crate) role: Option<Keyed<FieldRole>>,
}

fn set_once<T>(slot: &mut Option<Keyed<T>>, meta: &ParseNestedMeta<'_>, value: T, what: &str) -> syn::Result<()> {
    if slot.is_some() {
        return Err(meta.error(format_args!("duplicate `{what}` key; each key of #[zoho(...)] may appear once")));
    }
    *slot = Some(Keyed { key: meta.path.clone(), value });
    Ok(())
}

/// Parses every `#[zoho(...)]` on the container, recording errors and going on.
pub(crate) fn container(attrs: &[Attribute], errors: &mut Errors) -> ContainerAttrs {
    let mut out = ContainerAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident(ZOHO)) {
        let res = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("method") {
                let v: LitStr = meta.value()?.parse()?;
                set_once(&mut out.method, &meta, v, "method")
            } else if meta.path.is_ident("path") {
                let v: LitStr = meta.value()?.parse()?;
                set_once(&mut out.path, &meta, v, "path")
            } else if meta.path.is_ident("scope") {
                let v = match meta.value()?.parse::<Expr>()? {
                    Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => ScopeInput::Str(s),
                    Expr::Path(p) if p.qself.is_none() => ScopeInput::Path(p.path),
                    other => {
                        return Err(syn::Error::new_spanned(
                            other,
                            "expected a scope string such as \"ZohoProjects.tasks.READ\" or a path to a scope type",
                        ));
                    }
                };
                set_once(&mut out.scope, &meta, v, "scope")
            } else if meta.path.is_ident("response") {
                let v: Type = meta.value()?.parse()?;
                set_once(&mut out.response, &meta, v, "response")
            } else if meta.path.is_ident("crate") {
                let v: Path = meta.value()?.parse()?;
                set_once(&mut out.krate, &meta, v, "crate")
            } else {
                Err(meta.error(
                    "unknown #[zoho] key; expected `method`, `path`, `scope`, `response` or `crate` \
                     (field keys `path`, `query`, `body`, `form`, `skip` go on fields)",
                ))
            }
        });
        out.incomplete |= errors.handle(res).is_none();
    }
    out
}

/// Parses the `#[zoho(...)]` of one field.
pub(crate) fn field(attrs: &[Attribute], field_ident: &Ident, errors: &mut Errors) -> FieldAttrs {
    let mut out = FieldAttrs { role: None };
    for attr in attrs.iter().filter(|a| a.path().is_ident(ZOHO)) {
        let res = attr.parse_nested_meta(|meta| {
            let role = if meta.path.is_ident("path") {
                FieldRole::Path
            } else if meta.path.is_ident("query") {
                let name = if meta.input.peek(syn::Token![=]) {
                    meta.value()?.parse::<LitStr>()?
                } else {
                    LitStr::new(&field_ident.to_string(), field_ident.span())
                };
                FieldRole::Query(name)
            } else if meta.path.is_ident("body") {
                FieldRole::Body
            } else if meta.path.is_ident("form") {
                FieldRole::Form
            } else if meta.path.is_ident("skip") {
                FieldRole::Skip
            } else {
                return Err(meta.error(
                    "unknown #[zoho] field key; expected `path`, `query`, `query = \"name\"`, `body`, `form` or `skip`",
                ));
            };
            if let Some(prev) = &out.role {
                let prev_name = prev.key.get_ident().map(ToString::to_string).unwrap_or_default();
                return Err(meta.error(format_args!(
                    "a field has one role, and this one is already `{prev_name}`; use one of `path`, `query`, `body`, `form`, `skip`"
                )));
            }
            out.role = Some(Keyed { key: meta.path.clone(), value: role });
            Ok(())
        });
        errors.handle(res);
    }
    out
}
