//! `scope_set!`: declares a scope set from Zoho's own strings and/or scope type paths.
//!
//! ```text
//! scope_set! {
//!     /// What the reporting job may do.
//!     pub struct Reporting = ["ZohoProjects.portals.READ", "ZohoProjects.tasks.ALL", crm::modules::Read];
//! }
//! ```

use crate::errors::Errors;
use crate::scope::{self, op_type_name};
use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use std::collections::BTreeMap;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Attribute, Ident, LitStr, Path, Token, Visibility, bracketed};

/// One entry of the list.
pub(crate) enum Entry {
    Str(LitStr),
    Path(Path),
}

impl Parse for Entry {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(LitStr) {
            input.parse().map(Entry::Str)
        } else if input.peek(Ident)
            || input.peek(Token![::])
            || input.peek(Token![crate])
            || input.peek(Token![self])
            || input.peek(Token![super])
        {
            input.parse().map(Entry::Path)
        } else {
            Err(input.error("expected a scope string such as \"ZohoProjects.tasks.READ\" or a path to a scope type"))
        }
    }
}

/// One `struct Name = [...]` declaration.
pub(crate) struct SetDecl {
    attrs: Vec<Attribute>,
    vis: Visibility,
    ident: Ident,
    entries: Punctuated<Entry, Token![,]>,
    bracket: Span,
}

impl Parse for SetDecl {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        input.parse::<Token![struct]>()?;
        let ident = input.parse()?;
        input.parse::<Token![=]>()?;
        let content;
        let b = bracketed!(content in input);
        let entries = content.parse_terminated(Entry::parse, Token![,])?;
        Ok(SetDecl { attrs, vis, ident, entries, bracket: b.span.join() })
    }
}

/// The whole macro input: one or more declarations separated by `;`.
pub(crate) struct Input(Vec<SetDecl>);

impl Parse for Input {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut decls = Vec::new();
        while !input.is_empty() {
            decls.push(input.parse()?);
            if !input.is_empty() {
                input.parse::<Token![;]>()?;
            }
        }
        Ok(Input(decls))
    }
}

/// Grant flags of one module: read, create, update, delete.
#[derive(Default, Clone, Copy)]
struct Flags([bool; 4]);

impl Flags {
    fn add(&mut self, op: &str) {
        match op {
            "READ" | "Read" => self.0[0] = true,
            "CREATE" | "Create" => self.0[1] = true,
            "UPDATE" | "Update" => self.0[2] = true,
            "DELETE" | "Delete" => self.0[3] = true,
            _ => self.0 = [true; 4],
        }
    }
}

/// Expands every declaration.
pub(crate) fn expand(input: Input) -> TokenStream {
    input.0.iter().map(expand_one).collect()
}

fn expand_one(decl: &SetDecl) -> TokenStream {
    let mut errors = Errors::default();
    let mut attrs = Vec::new();
    let mut krate: Path = syn::parse_quote!(::zoho_projects);
    for a in &decl.attrs {
        if a.path().is_ident("zoho") {
            let res = a.parse_nested_meta(|meta| {
                if meta.path.is_ident("crate") {
                    let p: Path = meta.value()?.parse()?;
                    if p.leading_colon.is_none() {
                        return Err(syn::Error::new_spanned(
                            p,
                            "`crate = ...` must be an absolute path such as `::zoho_projects`",
                        ));
                    }
                    krate = p;
                    Ok(())
                } else {
                    Err(meta.error("unknown #[zoho] key for a scope set; expected `crate`"))
                }
            });
            errors.handle(res);
        } else {
            attrs.push(a);
        }
    }
    if decl.entries.is_empty() {
        errors.push(syn::Error::new(
            decl.bracket,
            "a scope set needs at least one scope, e.g. [\"ZohoProjects.portals.READ\"]",
        ));
    }

    // module key → (module type, flags); BTreeMap keeps the output deterministic.
    let mut modules: BTreeMap<String, (TokenStream, Flags)> = BTreeMap::new();
    let mut oauth: Vec<TokenStream> = Vec::new();
    let mut seen_strings: Vec<String> = Vec::new();
    let mut scope_tys: Vec<TokenStream> = Vec::new();
    let mut checks: Vec<TokenStream> = Vec::new();
    for entry in &decl.entries {
        match entry {
            Entry::Str(lit) => match scope::parse_scope_str(&lit.value()) {
                Ok((module, op)) => {
                    let m = Ident::new(&module, Span::call_site());
                    modules
                        .entry(format!("catalogue::{module}"))
                        .or_insert_with(|| (quote!(#krate::scopes::#m::Module), Flags::default()))
                        .1
                        .add(op);
                    if !seen_strings.contains(&lit.value()) {
                        seen_strings.push(lit.value());
                        oauth.push(quote!(#lit));
                        scope_tys.push(scope::catalogue_ty(&krate, &module, op));
                    }
                }
                Err(e) => errors.spanned(lit, e.message),
            },
            Entry::Path(path) => {
                let Some(last) = path.segments.last() else { continue };
                let op = last.ident.to_string();
                if !["Read", "Create", "Update", "Delete", "All"].contains(&op.as_str()) || path.segments.len() < 2 {
                    errors.spanned(
                        path,
                        "expected a path to a scope type declared with `scope_module!`, ending in the operation: \
                         `module::Read`, `Create`, `Update`, `Delete` or `All`",
                    );
                    continue;
                }
                let mut module_path = path.clone();
                if let Some(seg) = module_path.segments.last_mut() {
                    seg.ident = Ident::new("Module", seg.ident.span());
                }
                let action = Ident::new(op_type_name(&op.to_ascii_uppercase()), last.ident.span());
                let key = module_path.to_token_stream().to_string();
                modules.entry(key).or_insert_with(|| (quote!(#module_path), Flags::default())).1.add(&op);
                oauth.push(quote!(<#path as #krate::__private::Scope>::OAUTH));
                scope_tys.push(quote!(#path));
                // The path's own `Scope` impl must agree with what its name says.
                checks.push(quote! {
                    let _: ::core::marker::PhantomData<(<#path as #krate::__private::Scope>::Module, <#path as #krate::__private::Scope>::Action)> =
                        ::core::marker::PhantomData::<(#module_path, #krate::__private::action::#action)>;
                });
            }
        }
    }
    if !errors.is_empty() {
        return errors.into_compile_errors();
    }

    let SetDecl { vis, ident, .. } = decl;
    let flag = |b: bool| if b { quote!(#krate::__private::Yes) } else { quote!(#krate::__private::No) };
    let grants = modules.values().map(|(module, Flags([r, c, u, d]))| {
        let (r, c, u, d) = (flag(*r), flag(*c), flag(*u), flag(*d));
        quote! {
            #[automatically_derived]
            impl #krate::__private::ModuleGrant<#module> for #ident {
                type Grant = #krate::__private::Grant<#r, #c, #u, #d>;
            }
        }
    });
    let list = scope_tys.iter().rev().fold(quote!(()), |acc, t| quote!((#t, #acc)));
    let doc = format!(
        "Scope set `{ident}`; its token must carry: {}.",
        decl.entries
            .iter()
            .map(|e| match e {
                Entry::Str(l) => format!("`{}`", l.value()),
                Entry::Path(p) => format!("`{}`", p.to_token_stream().to_string().replace(' ', "")),
            })
            .collect::<Vec<_>>()
            .join(", ")
    );
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
            impl #krate::__private::ScopeSet for #ident {
                const OAUTH: &'static [&'static str] = &[#(#oauth),*];
                type Scopes = #list;
            }
            #[allow(dead_code)]
            fn __check_scope_paths() { #(#checks)* }
        };
    }
}
