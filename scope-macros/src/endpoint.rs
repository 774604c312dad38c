//! `#[derive(Endpoint)]`: parse → validate → expand.

use crate::attr::{self, ContainerAttrs, FieldRole, Keyed, ScopeInput};
use crate::errors::{Errors, did_you_mean};
use crate::scope::{self, ScopeRef};
use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident, LitStr, Path, Type};

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// One piece of a path template.
#[derive(Debug, PartialEq)]
pub(crate) enum Piece {
    Lit(String),
    Param(String),
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

struct FieldInfo<'a> {
    ident: &'a Ident,
    ty: &'a Type,
    role: Option<Keyed<FieldRole>>,
}

/// The validated input, ready to expand.
struct Validated<'a> {
    input: &'a DeriveInput,
    krate: Path,
    method: Option<Ident>,
    path: Option<(LitStr, Vec<Piece>)>,
    scope: Option<ScopeRef>,
    response: Option<Type>,
    fields: Vec<FieldInfo<'a>>,
}

/// Expands the derive; on invalid input, every error plus a stub impl that keeps the rest of the
/// user's code from failing too.
pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    let v = validate(input, &mut errors);
    if errors.is_empty() {
        return expand(&v);
    }
    let mut out = errors.into_compile_errors();
    out.extend(stub(&v));
    out
}

fn crate_path(attrs: &ContainerAttrs, errors: &mut Errors) -> Path {
    match &attrs.krate {
        Some(Keyed { value, .. }) if value.leading_colon.is_some() => value.clone(),
        Some(Keyed { value, .. }) => {
            errors.spanned(
                value,
                format_args!(
                    "`crate = {}` must be an absolute path such as `::zoho_projects`; a relative path resolves \
                     differently in every module (inside the crate itself, add `extern crate self as name;`)",
                    value.to_token_stream()
                ),
            );
            syn::parse_quote!(::zoho_projects)
        }
        None => syn::parse_quote!(::zoho_projects),
    }
}

fn validate<'a>(input: &'a DeriveInput, errors: &mut Errors) -> Validated<'a> {
    let attrs = attr::container(&input.attrs, errors);
    let krate = crate_path(&attrs, errors);
    let ident = &input.ident;

    let fields: Vec<FieldInfo<'a>> = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => named
                .named
                .iter()
                .filter_map(|f| {
                    let ident = f.ident.as_ref()?;
                    let role = attr::field(&f.attrs, ident, errors).role;
                    Some(FieldInfo { ident, ty: &f.ty, role })
                })
                .collect(),
            Fields::Unit => Vec::new(),
            Fields::Unnamed(u) => {
                errors.spanned(u, "`Endpoint` needs named fields (or none): path placeholders and query parameters are named after fields");
                Vec::new()
            }
        },
        Data::Enum(e) => {
            errors.spanned(e.enum_token, "`Endpoint` can only be derived for a struct; an enum is not one HTTP call");
            Vec::new()
        }
        Data::Union(u) => {
            errors.spanned(u.union_token, "`Endpoint` can only be derived for a struct");
            Vec::new()
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
        Some(Keyed { value: ScopeInput::Path(p), .. }) => Some(ScopeRef::Path(p.clone())),
        Some(Keyed { value: ScopeInput::Str(lit), .. }) => match scope::parse_scope_str(&lit.value()) {
            Ok((module, op)) => Some(ScopeRef::Catalogue { module, op }),
            Err(e) => {
                errors.spanned(lit, e.message);
                // The stub uses what the user most likely meant, so `send` does not fail as well.
                e.likely.map(|(module, op)| ScopeRef::Catalogue { module, op })
            }
        },
    };

    let response = match &attrs.response {
        None => {
            missing(errors, "response", "MyResponseType");
            None
        }
        Some(Keyed { value, .. }) => Some(value.clone()),
    };

    check_fields(&fields, path.as_ref(), method.as_ref(), errors);

    Validated { input, krate, method, path, scope, response, fields }
}

fn check_fields(
    fields: &[FieldInfo<'_>],
    path: Option<&(LitStr, Vec<Piece>)>,
    method: Option<&Ident>,
    errors: &mut Errors,
) {
    let mut body_field: Option<&Ident> = None;
    for f in fields {
        let Some(role) = &f.role else {
            errors.spanned(
                f.ident,
                format_args!(
                    "field `{}` is not part of the request; mark it `#[zoho(path)]`, `#[zoho(query)]`, \
                     `#[zoho(body)]`, `#[zoho(form)]` or `#[zoho(skip)]`",
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
            FieldRole::Body | FieldRole::Form => {
                if let Some(first) = body_field {
                    errors
                        .spanned(&role.key, format_args!("a request has one body, and field `{first}` already is it"));
                }
                body_field = Some(f.ident);
                if method.is_some_and(|m| m == "Get" || m == "Delete") {
                    errors.spanned(&role.key, "a GET or DELETE request to Zoho carries no body; use `#[zoho(query)]`");
                }
            }
            FieldRole::Query(_) | FieldRole::Skip => {}
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
}

/// `Option<T>` → `Some(T)`, recognised by its last path segment, as serde does.
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(tp) = ty else { return None };
    let seg = tp.path.segments.last()?;
    if seg.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &seg.arguments else { return None };
    match args.args.first()? {
        syn::GenericArgument::Type(t) if args.args.len() == 1 => Some(t),
        _ => None,
    }
}

fn expand(v: &Validated<'_>) -> TokenStream {
    let krate = &v.krate;
    let (Some(method), Some((path_lit, pieces)), Some(scope), Some(response)) =
        (&v.method, &v.path, &v.scope, &v.response)
    else {
        return TokenStream::new();
    };
    let scope_ty = scope.ty(krate);
    let ident = &v.input.ident;
    let (impl_g, ty_g, where_c) = v.input.generics.split_for_impl();

    let literal_len: usize = pieces.iter().map(|p| if let Piece::Lit(s) = p { s.len() } else { 0 }).sum();
    let path_steps = pieces.iter().map(|p| match p {
        Piece::Lit(s) => quote!(__path.push_str(#s);),
        Piece::Param(name) => {
            let f = v.fields.iter().find(|f| f.ident == name).map(|f| (f.ident, f.ty));
            let (fi, ty) = f.unwrap_or_else(|| unreachable!("validated: placeholder `{name}` has a field"));
            quote_spanned!(ty.span()=> #krate::__private::push_segment(&mut __path, &self.#fi);)
        }
    });

    let queries: Vec<TokenStream> = v
        .fields
        .iter()
        .filter_map(|f| match f.role.as_ref().map(|r| &r.value) {
            Some(FieldRole::Query(name)) => {
                let fi = f.ident;
                Some(match option_inner(f.ty) {
                    Some(inner) => {
                        let conv = quote_spanned!(inner.span()=> #krate::__private::query_value(__v));
                        quote!(if let ::core::option::Option::Some(__v) = &self.#fi { __query.push((#name, #conv)); })
                    }
                    None => {
                        let conv = quote_spanned!(f.ty.span()=> #krate::__private::query_value(&self.#fi));
                        quote!(__query.push((#name, #conv));)
                    }
                })
            }
            _ => None,
        })
        .collect();
    let query_fn = (!queries.is_empty()).then(|| {
        let n = queries.len();
        quote! {
            fn query(&self) -> ::std::vec::Vec<(&'static str, ::std::string::String)> {
                let mut __query = ::std::vec::Vec::with_capacity(#n);
                #(#queries)*
                __query
            }
        }
    });

    let body_fn = v.fields.iter().find_map(|f| {
        let ctor = match f.role.as_ref().map(|r| &r.value) {
            Some(FieldRole::Body) => quote!(json),
            Some(FieldRole::Form) => quote!(form),
            _ => return None,
        };
        let fi = f.ident;
        let make = match option_inner(f.ty) {
            Some(inner) => {
                let enc = quote_spanned!(inner.span()=> #krate::__private::Body::#ctor(__v));
                quote! {
                    match &self.#fi {
                        ::core::option::Option::Some(__v) => #enc.map(::core::option::Option::Some),
                        ::core::option::Option::None => ::core::result::Result::Ok(::core::option::Option::None),
                    }
                }
            }
            None => {
                let enc = quote_spanned!(f.ty.span()=> #krate::__private::Body::#ctor(&self.#fi));
                quote!(#enc.map(::core::option::Option::Some))
            }
        };
        Some(quote! {
            fn body(&self) -> ::core::result::Result<::core::option::Option<#krate::__private::Body>, #krate::__private::BodyError> {
                #make
            }
        })
    });

    quote! {
        #[automatically_derived]
        #[allow(unused_qualifications)]
        impl #impl_g #krate::__private::Endpoint for #ident #ty_g #where_c {
            type Scope = #scope_ty;
            type Response = #response;
            const METHOD: #krate::__private::Method = #krate::__private::Method::#method;
            const PATH: &'static str = #path_lit;

            fn path(&self) -> ::std::string::String {
                let mut __path = ::std::string::String::with_capacity(#literal_len + 24);
                #(#path_steps)*
                __path
            }
            #query_fn
            #body_fn
        }
    }
}

/// Emitted next to the errors: an impl with the parts that are known, so that `client.send(x)`
/// elsewhere does not add "`Endpoint` is not implemented" to the real mistake.
fn stub(v: &Validated<'_>) -> TokenStream {
    let krate = &v.krate;
    let (Some(scope), Data::Struct(_)) = (&v.scope, &v.input.data) else {
        return TokenStream::new();
    };
    let scope_ty = scope.ty(krate);
    let ident = &v.input.ident;
    let (impl_g, ty_g, where_c) = v.input.generics.split_for_impl();
    let response = v.response.as_ref().map_or_else(|| quote!(()), ToTokens::to_token_stream);
    let method = v.method.clone().unwrap_or_else(|| Ident::new("Get", Span::call_site()));
    quote! {
        #[automatically_derived]
        impl #impl_g #krate::__private::Endpoint for #ident #ty_g #where_c {
            type Scope = #scope_ty;
            type Response = #response;
            const METHOD: #krate::__private::Method = #krate::__private::Method::#method;
            const PATH: &'static str = "/";
            fn path(&self) -> ::std::string::String {
                ::core::unreachable!("this endpoint failed to compile")
            }
        }
    }
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
}
