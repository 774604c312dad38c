//! The expand stage: code for validated input only. Every path in generated code is absolute,
//! through the runtime's hidden `__private` module (catalogue scopes too:
//! `__private::scopes::tasks::Read`), so that a facade that re-exports `__private` works.

use crate::attr::{FieldRole, PageStyle};
use crate::scope::Op;
use crate::valid::{
    Cursor, Endpoint, ModuleRef, Paginate, Piece, ScopeModuleDef, ScopeSetDef, ScopeType, Scopes, ServiceSpec, SetScope,
};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Path, Type};

/// The type of one scope.
fn one_scope_ty(scope: &ScopeType, krate: &Path) -> TokenStream {
    match scope {
        ScopeType::Catalogue(s) => s.ty(krate),
        ScopeType::Path(p) => quote!(#p),
    }
}

/// The scope type of an endpoint: the scope, or a tuple of a list's scopes.
pub(crate) fn scope_ty(scopes: &Scopes, krate: &Path) -> TokenStream {
    match scopes {
        Scopes::One(s) => one_scope_ty(s, krate),
        // A list of one (after a repeated scope was dropped) is that scope.
        Scopes::List(list) if list.len() == 1 => one_scope_ty(&list[0], krate),
        Scopes::List(list) => {
            let tys = list.iter().map(|s| one_scope_ty(s, krate));
            quote!((#(#tys,)*))
        }
    }
}

/// A `Service` value.
pub(crate) fn service(spec: &ServiceSpec, krate: &Path) -> TokenStream {
    match spec {
        ServiceSpec::Projects => quote!(#krate::__private::Service::PROJECTS),
        ServiceSpec::ApiDomain => quote!(#krate::__private::Service::API_DOMAIN),
        ServiceSpec::Path(p) => quote!(#p),
    }
}

/// The type inside the invisible group a `macro_rules!` `ty` fragment is passed in (and inside
/// parentheses): `$T` with `$T = Option<u32>` is still an `Option`.
fn ungroup(mut ty: &Type) -> &Type {
    loop {
        ty = match ty {
            Type::Group(g) => &g.elem,
            Type::Paren(p) => &p.elem,
            _ => return ty,
        }
    }
}

/// Whether a field is sent, and what: an expression of type `Option<&V>`, chosen by the field's
/// type through the runtime's `__private::field` (an `Option` of any spelling — alias, full
/// path, `macro_rules!` fragment — gives its content, `None` when unset; any other type gives
/// itself, always). Needs `field_traits` in scope.
fn present(krate: &Path, place: &TokenStream) -> TokenStream {
    quote!((&&#krate::__private::field::Field(&#place)).__zoho_field())
}

/// The two traits `present` resolves between, imported for the generated function's body.
fn field_traits(krate: &Path) -> TokenStream {
    quote! {
        #[allow(unused_imports)]
        use #krate::__private::field::{Optional as _, Required as _};
    }
}

/// Where an error about a field's sent value points: at `T` of an `Option<T>` written as one,
/// else at the whole type. Only a location: whether the field is an `Option` is decided by its
/// type (`present`).
fn value_span(ty: &Type) -> Span {
    option_inner(ty).unwrap_or(ty).span()
}

/// `Option<T>` → `Some(T)`, recognised by its last path segment (through a macro's `ty` fragment
/// too). Used for error locations and to find a `Vec` inside an `Option`, never to decide
/// whether a field is sent.
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(tp) = ungroup(ty) else { return None };
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

/// `Vec<T>` → `Some(T)`, recognised by its last path segment (as `option_inner` does).
pub(crate) fn vec_inner(ty: &Type) -> Option<&Type> {
    let ty = option_inner(ty).unwrap_or(ty);
    let Type::Path(tp) = ungroup(ty) else { return None };
    let seg = tp.path.segments.last()?;
    if seg.ident != "Vec" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &seg.arguments else { return None };
    match args.args.first()? {
        syn::GenericArgument::Type(t) if args.args.len() == 1 => Some(t),
        _ => None,
    }
}

/// A user token's location with the derive's own hygiene (the call site's). Code spanned by a
/// user token, so that an error points at that token, would otherwise resolve the derive's own
/// locals (`__query`, `__answer`, …) in that token's context: when the token comes from a
/// `macro_rules!` of the author's, the derive's code no longer sees its own variables.
fn here(span: Span) -> Span {
    span.resolved_at(Span::call_site())
}

/// How one query field is pushed: `ty` is the field's type, `value` names what is sent (the
/// content of an `Option` field).
fn push_query(krate: &Path, name: &syn::LitStr, ty: &Type, value: TokenStream, repeat: bool) -> TokenStream {
    match vec_inner(ty) {
        Some(inner) if repeat => {
            let conv = quote_spanned!(here(inner.span())=> #krate::__private::query_value(__item));
            quote!(for __item in #value { __query.push((#name, #conv)); })
        }
        Some(inner) => {
            // Zoho's form: one parameter, the items joined by commas (none: no parameter).
            let conv = quote_spanned!(here(inner.span())=> #krate::__private::query_join(#value));
            quote!(if !#value.is_empty() { __query.push((#name, #conv)); })
        }
        None => {
            let conv = quote_spanned!(here(value_span(ty))=> #krate::__private::query_value(#value));
            quote!(__query.push((#name, #conv));)
        }
    }
}

/// `impl Endpoint for …`.
pub(crate) fn endpoint(v: &Endpoint<'_>) -> TokenStream {
    let krate = &v.krate;
    let scope_ty = scope_ty(&v.scope, krate);
    let ident = v.ident;
    let method = &v.method;
    let response = &v.response;
    let path_lit = &v.path;
    let (impl_g, ty_g, where_c) = v.generics.split_for_impl();
    let idempotent = v.idempotent.then(|| {
        quote!(
            const IDEMPOTENT: bool = true;
        )
    });
    let service_const = v.service.as_ref().map(|spec| {
        let s = service(spec, krate);
        quote!(const SERVICE: #krate::__private::Service = #s;)
    });
    let headers_fn = headers_fn(v);

    let literal_len: usize = v.pieces.iter().map(|p| if let Piece::Lit(s) = p { s.len() } else { 0 }).sum();
    let path_steps = v.pieces.iter().filter_map(|p| match p {
        Piece::Lit(s) => Some(quote!(__path.push_str(#s);)),
        Piece::Param(name) => {
            let f = v.fields.iter().find(|f| f.ident == name)?;
            let (fi, ty) = (f.ident, f.ty);
            Some(quote_spanned!(here(ty.span())=> #krate::__private::push_segment(&mut __path, &self.#fi);))
        }
    });

    let queries: Vec<TokenStream> = v
        .fields
        .iter()
        .filter_map(|f| match &f.role {
            FieldRole::Query { name, explicit, repeat } => {
                let fi = f.ident;
                let name = match v.rename_all {
                    Some(rule) if !explicit => syn::LitStr::new(&rule.apply(&name.value()), name.span()),
                    _ => name.clone(),
                };
                let push = push_query(krate, &name, f.ty, quote!(__v), *repeat);
                let present = present(krate, &quote!(self.#fi));
                Some(quote!(if let ::core::option::Option::Some(__v) = #present { #push }))
            }
            FieldRole::Flatten => {
                let (fi, ty) = (f.ident, f.ty);
                Some(quote_spanned!(here(ty.span())=> #krate::__private::QueryParams::push_query(&self.#fi, &mut __query);))
            }
            _ => None,
        })
        .collect();
    let uses = v.fields.iter().any(|f| matches!(f.role, FieldRole::Query { .. })).then(|| field_traits(krate));
    let query_fn = (!queries.is_empty()).then(|| {
        let n = queries.len();
        quote! {
            fn query(&self) -> ::std::vec::Vec<(&'static str, ::std::string::String)> {
                #uses
                let mut __query = ::std::vec::Vec::with_capacity(#n);
                #(#queries)*
                __query
            }
        }
    });

    let body_fn = v.fields.iter().find_map(|f| {
        let ctor = match &f.role {
            FieldRole::Body => quote!(json),
            FieldRole::Form => quote!(form),
            FieldRole::Multipart => quote!(multipart),
            _ => return None,
        };
        let fi = f.ident;
        let enc = quote_spanned!(here(value_span(f.ty))=> #krate::__private::Body::#ctor(__v));
        let present = present(krate, &quote!(self.#fi));
        let uses = field_traits(krate);
        Some(quote! {
            fn body(&self) -> ::core::result::Result<::core::option::Option<#krate::__private::Body>, #krate::__private::BodyError> {
                #uses
                match #present {
                    ::core::option::Option::Some(__v) => #enc.map(::core::option::Option::Some),
                    ::core::option::Option::None => ::core::result::Result::Ok(::core::option::Option::None),
                }
            }
        })
    });

    let paged = v.paginate.as_ref().map(|p| paged(v, p));
    let decode = decode_fn(krate, response);

    quote! {
        #paged
        #[automatically_derived]
        #[allow(unused_qualifications)]
        impl #impl_g #krate::__private::Endpoint for #ident #ty_g #where_c {
            type Scope = #scope_ty;
            type Response = #response;
            const METHOD: #krate::__private::Method = #krate::__private::Method::#method;
            const PATH: &'static str = #path_lit;
            #idempotent
            #service_const

            fn path(&self) -> ::std::string::String {
                let mut __path = ::std::string::String::with_capacity(#literal_len + 24);
                #(#path_steps)*
                __path
            }
            #query_fn
            #body_fn
            #headers_fn
            #decode
        }
    }
}

/// How the answer is read: chosen by the response type itself, through the runtime's
/// `__private::read` (`Download` streamed, `Bytes` whole, anything else JSON), never by how the
/// type is spelt: an alias, a re-export or a `macro_rules!` `ty` fragment reads as the type it
/// names.
fn decode_fn(krate: &Path, response: &Type) -> TokenStream {
    let p = quote!(#krate::__private);
    let at = here(response.span());
    let read = quote_spanned!(at=> (&&&#p::read::ReadAs::<#response>::NEW).__zoho_read(__answer));
    // The returned future's type is spanned by the response type too: a response that cannot be
    // read (not `Deserialize`) is reported there, not at the derive.
    let returns = quote_spanned!(at=>
        impl ::core::future::Future<Output = ::core::result::Result<Self::Response, #p::Error>> + ::core::marker::Send
    );
    quote! {
        fn decode(__answer: #p::Answer) -> #returns {
            #[allow(unused_imports)]
            use #p::read::{ReadJson as _, ReadStreamed as _, ReadWhole as _};
            #read
        }
    }
}

/// `impl Paged for …`, and the chained setters of position and size (`page`/`per_page` or
/// `index`/`range`).
fn paged(v: &Endpoint<'_>, p: &Paginate) -> TokenStream {
    let pv = {
        let krate = &v.krate;
        quote!(#krate::__private)
    };
    let ident = v.ident;
    let (impl_g, ty_g, where_c) = v.generics.split_for_impl();
    let item = &p.item;
    // `__response` is used where `item` or `split` is (so that an error points at them), with
    // the call site's hygiene, as the parameter is declared: with those tokens' own, a use would
    // not see the parameter when they come from a `macro_rules!` of the author's.
    let split = match &p.split {
        Some(path) => quote_spanned!(here(path.span())=> #path(__response)),
        None => quote_spanned!(here(item.span())=> ::core::convert::Into::<#pv::PageParts<#item>>::into(__response)),
    };
    let (pos_name, size_name) = p.style.names();
    let (pos_set, size_set) = (Ident::new(pos_name, Span::call_site()), Ident::new(size_name, Span::call_site()));
    let (variant, pos_doc) = match p.style {
        PageStyle::PageNumber => {
            (quote!(PageNumber), "Asks for this page (1-based; default 1). With pagination, the first page to read.")
        }
        PageStyle::Index => {
            (quote!(Index), "Starts at this row (1-based; default 1). With pagination, the first row to read.")
        }
    };
    let size_doc = "Rows per page (Zoho accepts 1–200, default 100): the page-size knob.";
    // How the position and size are read and written: two fields, or a `PageCursor` field.
    let (get_pos, get_size, put_pos, put_size) = match &p.cursor {
        Cursor::Fields { position, size } => (
            quote!(self.#position),
            quote!(self.#size),
            quote!(self.#position = ::core::option::Option::Some(__position)),
            quote!(self.#size = ::core::option::Option::Some(__size)),
        ),
        Cursor::Field(field) => (
            quote_spanned!(here(field.span())=> #pv::PageCursor::position(&self.#field)),
            quote_spanned!(here(field.span())=> #pv::PageCursor::size(&self.#field)),
            quote_spanned!(here(field.span())=> #pv::PageCursor::set_position(&mut self.#field, __position)),
            quote_spanned!(here(field.span())=> #pv::PageCursor::set_size(&mut self.#field, __size)),
        ),
    };
    quote! {
        #[automatically_derived]
        impl #impl_g #ident #ty_g #where_c {
            #[doc = #pos_doc]
            #[must_use]
            pub fn #pos_set(mut self, __position: u32) -> Self {
                #put_pos;
                self
            }

            #[doc = #size_doc]
            #[must_use]
            pub fn #size_set(mut self, __size: u32) -> Self {
                #put_size;
                self
            }
        }

        #[automatically_derived]
        #[allow(unused_qualifications)]
        impl #impl_g #pv::Paged for #ident #ty_g #where_c {
            type Item = #item;
            const STYLE: #pv::PageStyle = #pv::PageStyle::#variant;
            fn start(&self) -> u32 { #get_pos.unwrap_or(1) }
            fn size(&self) -> ::core::option::Option<u32> { #get_size }
            fn set_page(&mut self, __position: u32, __size: u32) {
                #put_pos;
                #put_size;
            }
            fn split(__response: <Self as #pv::Endpoint>::Response) -> #pv::PageParts<#item> {
                #split
            }
        }
    }
}

/// `fn headers`: the static headers, then the header fields (an `Option` field only when set).
fn headers_fn(v: &Endpoint<'_>) -> Option<TokenStream> {
    let krate = &v.krate;
    let statics =
        v.headers.iter().map(|(name, value)| quote!(__headers.push((#name, ::std::string::String::from(#value)));));
    let fields: Vec<TokenStream> = v
        .fields
        .iter()
        .filter_map(|f| {
            let FieldRole::Header(name) = &f.role else { return None };
            let fi = f.ident;
            let conv = quote_spanned!(here(value_span(f.ty))=> #krate::__private::query_value(__v));
            let present = present(krate, &quote!(self.#fi));
            Some(quote!(if let ::core::option::Option::Some(__v) = #present { __headers.push((#name, #conv)); }))
        })
        .collect();
    let n = v.headers.len() + fields.len();
    let uses = (!fields.is_empty()).then(|| field_traits(krate));
    (n > 0).then(|| {
        quote! {
            fn headers(&self) -> ::std::vec::Vec<(&'static str, ::std::string::String)> {
                #uses
                let mut __headers = ::std::vec::Vec::with_capacity(#n);
                #(#statics)*
                #(#fields)*
                __headers
            }
        }
    })
}

/// The struct, its grants and its `ScopeSet` impl: `OAUTH`, the grants and the `Scopes` list
/// all come from `def.scopes`.
pub(crate) fn scope_set(def: &ScopeSetDef) -> TokenStream {
    let ScopeSetDef { attrs, vis, ident, krate, scopes, grants, written } = def;
    let p = quote!(#krate::__private);
    let flag = |b: bool| if b { quote!(#p::Yes) } else { quote!(#p::No) };
    let grants = grants.iter().map(|(module, (path, [r, c, u, d]))| {
        let module = match (module, path) {
            (ModuleRef::Catalogue(m), _) => {
                let m = Ident::new(m, Span::call_site());
                quote!(#p::scopes::#m::Module)
            }
            (ModuleRef::Declared(_), Some(path)) => quote!(#path),
            (ModuleRef::Declared(s), None) => unreachable!("a declared module keeps its path: {s}"),
        };
        let (r, c, u, d) = (flag(*r), flag(*c), flag(*u), flag(*d));
        quote! {
            #[automatically_derived]
            impl #p::GrantDeclared<#module> for #ident {}
            #[automatically_derived]
            impl #p::ModuleGrant<#module> for #ident {
                type Grant = #p::Grant<#r, #c, #u, #d>;
            }
        }
    });
    let mut oauth = Vec::new();
    let mut list = Vec::new();
    let mut checks = Vec::new();
    for s in scopes {
        match s {
            SetScope::Catalogue { scope, written_as } => {
                let lit = scope.oauth();
                oauth.push(quote!(#lit));
                let ty = scope.ty(krate);
                if let Some(path) = written_as {
                    // The path must be the catalogue's type it looks like.
                    checks.push(quote_spanned! {path.span()=>
                        let _: ::core::marker::PhantomData<#ty> = ::core::marker::PhantomData::<#path>;
                    });
                }
                list.push(ty);
            }
            SetScope::Declared { path, module, op } => {
                oauth.push(quote!(<#path as #p::Scope>::OAUTH));
                let action = op.ident(Span::call_site());
                // The path's own `Scope` impl must agree with what its name says.
                checks.push(quote_spanned! {path.span()=>
                    let _: ::core::marker::PhantomData<(<#path as #p::Scope>::Module, <#path as #p::Scope>::Action)> =
                        ::core::marker::PhantomData::<(#module, #p::action::#action)>;
                });
                list.push(quote!(#path));
            }
        }
    }
    let list = list.iter().rev().fold(quote!(()), |acc, t| quote!((#t, #acc)));
    let doc = format!("Scope set `{ident}`; its token must carry: {}.", written.join(", "));
    let has_doc = attrs.iter().any(|a| a.path().is_ident("doc"));
    let doc_attr = (!has_doc).then(|| quote!(#[doc = #doc]));
    quote! {
        #(#attrs)*
        #doc_attr
        #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::marker::Copy, ::core::default::Default,
                 ::core::cmp::PartialEq, ::core::cmp::Eq, ::core::hash::Hash)]
        #vis struct #ident;

        const _: () = {
            #(#grants)*
            #[automatically_derived]
            impl #p::SetDeclared for #ident {}
            #[automatically_derived]
            impl #p::ScopeSet for #ident {
                const OAUTH: &'static [&'static str] = &[#(#oauth),*];
                type Scopes = #list;
            }
            #[allow(dead_code)]
            fn __check_scope_paths() { #(#checks)* }
        };
    }
}

/// One scope type per operation beside a `Module` marker.
pub(crate) fn scope_module(def: &ScopeModuleDef) -> TokenStream {
    let ScopeModuleDef { attrs, vis, ident, krate, prefix, service: spec, ops } = def;
    // The items live in a module of their own: a relative path to the service is one level up.
    let service = match spec {
        ServiceSpec::Path(p) => {
            let first = p.segments.first().map(|s| s.ident.to_string());
            match first.as_deref() {
                _ if p.leading_colon.is_some() => quote!(#p),
                Some("crate") => quote!(#p),
                Some("self") => {
                    let rest = p.segments.iter().skip(1);
                    quote!(super #(:: #rest)*)
                }
                _ => quote!(super::#p),
            }
        }
        other => service(other, krate),
    };
    let items = module_items(krate, prefix, ops, &service);
    quote! {
        #(#attrs)*
        #vis mod #ident {
            #items
        }
    }
}

/// The inside of a scope module (shared with the built-in catalogue).
pub(crate) fn module_items(krate: &Path, prefix: &str, ops: &[(Op, Span)], service: &TokenStream) -> TokenStream {
    let p = quote!(#krate::__private);
    let module_doc = format!("The module `{prefix}` as a type.");
    let scopes = ops.iter().map(|(op, span)| {
        let ty = op.ident(*span);
        let oauth = format!("{prefix}.{}", op.zoho());
        let doc = format!("The scope `{oauth}`.");
        let action = op.ident(Span::call_site());
        quote! {
            #[doc = #doc]
            #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::marker::Copy, ::core::default::Default,
                     ::core::cmp::PartialEq, ::core::cmp::Eq, ::core::hash::Hash)]
            pub struct #ty;
            #[automatically_derived]
            impl #p::ScopeDeclared for #ty {}
            #[automatically_derived]
            impl #p::Scope for #ty {
                type Module = Module;
                type Action = #p::action::#action;
                const OAUTH: &'static str = #oauth;
                const SERVICE: #p::Service = #service;
            }
        }
    });
    quote! {
        #[doc = #module_doc]
        #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::marker::Copy, ::core::default::Default,
                 ::core::cmp::PartialEq, ::core::cmp::Eq, ::core::hash::Hash)]
        pub struct Module;
        #(#scopes)*
    }
}

/// The built-in catalogue of `zoho_oauth_core::scopes`, from the one table.
pub(crate) fn catalogue() -> TokenStream {
    use crate::catalogue::{MODULES, SERVICE};
    let krate: Path = syn::parse_quote!(crate);
    let modules = MODULES.iter().map(|(name, ops, about)| {
        let ident = Ident::new(name, Span::call_site());
        let prefix = format!("{SERVICE}.{name}");
        let ops: Vec<(Op, Span)> =
            ops.iter().filter_map(|o| Op::from_zoho(o)).map(|o| (o, Span::call_site())).collect();
        let doc = format!("`{prefix}`: {about}");
        let items = module_items(&krate, &prefix, &ops, &quote!(crate::Service::PROJECTS));
        quote! {
            #[doc = #doc]
            pub mod #ident { #items }
        }
    });
    let table = MODULES.iter().map(|(name, ops, _)| quote!((#name, &[#(#ops),*])));
    quote! {
        #(#modules)*
        /// Every catalogued module with its documented operations, as data (for run-time checks).
        pub const CATALOGUE: &[(&str, &[&str])] = &[#(#table),*];
        /// The service prefix of every catalogued scope.
        pub const SERVICE: &str = #SERVICE;
    }
}
