//! The parse stage: the three macros' inputs as typed syntax, before any check across keys.
//! `#[zoho(...)]` attributes are read by the one parser in `attr.rs`.

use crate::attr::{self, ContainerAttrs, FieldRole, Keyed};
use crate::errors::Errors;
use crate::symbol::{CRATE_ONLY, ENDPOINT_KEYS, MODULE_KEYS, ZOHO};
use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Attribute, DeriveInput, Ident, LitStr, Path, Token, Type, Visibility, braced, bracketed};

/// `#[derive(Endpoint)]`'s input.
pub(crate) struct EndpointInput<'a> {
    pub(crate) original: &'a DeriveInput,
    pub(crate) attrs: ContainerAttrs,
    pub(crate) fields: Vec<FieldInput<'a>>,
}

/// One named field with its role, if it has one.
pub(crate) struct FieldInput<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a Type,
    pub(crate) role: Option<Keyed<FieldRole>>,
}

/// Reads the attributes of the derive's input (its shape is checked in `valid.rs`).
pub(crate) fn endpoint<'a>(original: &'a DeriveInput, errors: &mut Errors) -> EndpointInput<'a> {
    let attrs = attr::container(&original.attrs, ENDPOINT_KEYS, "`#[derive(Endpoint)]`", errors);
    let fields = match &original.data {
        syn::Data::Struct(s) => s
            .fields
            .iter()
            .filter_map(|f| {
                let ident = f.ident.as_ref()?;
                Some(FieldInput { ident, ty: &f.ty, role: attr::field(&f.attrs, ident, errors) })
            })
            .collect(),
        _ => Vec::new(),
    };
    EndpointInput { original, attrs, fields }
}

/// Splits `#[zoho(...)]` (read with the shared parser, `crate` only) from the attributes that
/// are passed through (docs, derives, ...).
fn crate_attrs(
    attrs: Vec<Attribute>,
    keys: &[&str],
    context: &str,
    errors: &mut Errors,
) -> (ContainerAttrs, Vec<Attribute>) {
    let (zoho, rest): (Vec<_>, Vec<_>) = attrs.into_iter().partition(|a| a.path().is_ident(ZOHO));
    (attr::container(&zoho, keys, context, errors), rest)
}

/// One entry of a `scope_set!` list.
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

/// One `struct Name = [...]` declaration of `scope_set!`.
pub(crate) struct SetDecl {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) ident: Ident,
    pub(crate) entries: Punctuated<Entry, Token![,]>,
    pub(crate) bracket: Span,
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

impl SetDecl {
    /// The `#[zoho(crate = ...)]` of the declaration, and its other attributes.
    pub(crate) fn split_attrs(&self, errors: &mut Errors) -> (ContainerAttrs, Vec<Attribute>) {
        crate_attrs(self.attrs.clone(), CRATE_ONLY, "`scope_set!`", errors)
    }
}

/// `scope_set!`'s input: one or more declarations separated by `;`.
pub(crate) struct SetInput(pub(crate) Vec<SetDecl>);

impl Parse for SetInput {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut decls = Vec::new();
        while !input.is_empty() {
            decls.push(input.parse()?);
            if !input.is_empty() {
                input.parse::<Token![;]>()?;
            }
        }
        Ok(SetInput(decls))
    }
}

/// `scope_module!`'s input: `pub mod name = "Service.module" { READ, CREATE }`.
pub(crate) struct ModuleDecl {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) ident: Ident,
    pub(crate) prefix: LitStr,
    pub(crate) ops: Punctuated<Ident, Token![,]>,
    pub(crate) brace: Span,
}

impl Parse for ModuleDecl {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        input.parse::<Token![mod]>()?;
        let ident = input.parse()?;
        input.parse::<Token![=]>()?;
        let prefix = input.parse()?;
        let content;
        let b = braced!(content in input);
        let ops = content.parse_terminated(Ident::parse, Token![,])?;
        Ok(ModuleDecl { attrs, vis, ident, prefix, ops, brace: b.span.join() })
    }
}

impl ModuleDecl {
    /// The `#[zoho(service = ..., crate = ...)]` of the declaration, and its other attributes.
    pub(crate) fn split_attrs(&self, errors: &mut Errors) -> (ContainerAttrs, Vec<Attribute>) {
        crate_attrs(self.attrs.clone(), MODULE_KEYS, "`scope_module!`", errors)
    }
}
