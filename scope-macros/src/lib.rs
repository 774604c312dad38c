//! Implementation detail of [`zoho-projects`](https://docs.rs/zoho-projects): the
//! `#[derive(Endpoint)]`, `scope_set!` and `scope_module!` macros. Depend on `zoho-projects` (or
//! `zoho-oauth-core`) instead, which re-export these with their runtime support.
//!
//! The macros check Zoho scope strings (`"ZohoProjects.tasks.READ"`) at compile time against
//! the catalogue of documented `ZohoProjects` modules, and point their errors at the literal
//! that is wrong. The examples live (and run as doctests) on the re-exports in
//! [`zoho-oauth-core`](https://docs.rs/zoho-oauth-core), which this crate cannot depend on.
//!
//! The generated code names the runtime through `::zoho_projects::__private` unless told
//! otherwise with `#[zoho(crate = ::other::path)]`.
//!
//! Each macro runs in stages, one module each: `attr` (the one `#[zoho(...)]` parser, keys in
//! `symbol`) and `ast` parse; `valid` checks and returns a typed value or a partial one; `expand`
//! writes code for valid input, `fallback` for partial input beside the errors.

mod ast;
mod attr;
mod catalogue;
mod errors;
mod expand;
mod fallback;
mod scope;
#[cfg(test)]
mod snapshots;
mod symbol;
mod valid;

use errors::Errors;
use proc_macro::TokenStream;
use valid::Checked;

/// Derives `Endpoint` for a struct that describes one HTTP call to Zoho.
///
/// Container keys in `#[zoho(...)]`: `method` (`"GET"`, `"POST"`, `"PUT"`, `"PATCH"`, `"DELETE"`),
/// `path` (with `{field}` placeholders), `scope` (a Zoho scope string checked against the
/// catalogue, or a path to a concrete scope type, never a type parameter), `response` (the decoded
/// type, read as the type itself says whatever it is called: the runtime's `Download` streamed,
/// `Bytes` whole, anything else JSON), optionally `idempotent` (no value: the call has the same
/// effect when Zoho processes it twice, so it may be repeated after an ambiguous failure such as a
/// timeout or a 5xx even though its method is `POST` or `PATCH`; `GET`, `PUT` and `DELETE` are
/// idempotent already), `service` (the host family, when not the scope's), `header("name" =
/// "value")` (repeatable), `rename_all` (query names), `paginate(item = …, style = …, cursor = …,
/// split = …)` and optionally `crate`; `scope` also takes a list `[…]` of scopes, all required.
/// Field keys: `path`, `query` / `query = "name"` (with `repeat` for one parameter per `Vec` item),
/// `flatten` (a `QueryParams` type), `header = "name"`, `body` (JSON), `form` (form-encoded),
/// `multipart` and `skip`. The table and runnable examples of every key are on the re-export,
/// `zoho_oauth_core::Endpoint` (also `zoho_projects::Endpoint`).
#[proc_macro_derive(Endpoint, attributes(zoho))]
pub fn derive_endpoint(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    endpoint(&input).into()
}

/// Declares scope sets: `scope_set! { pub struct Name = ["ZohoProjects.tasks.READ", path::to::Read]; }`.
///
/// Each set becomes a zero-sized type that grants exactly the listed scopes (`ALL` grants the
/// module's four operations) and whose `ScopeSet::OAUTH` lists the strings to request, once
/// each, from the same list.
#[proc_macro]
pub fn scope_set(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as ast::SetInput);
    input.0.iter().map(set).collect::<proc_macro2::TokenStream>().into()
}

/// Declares a module's scopes as types, in any crate:
/// `scope_module! { pub mod crm_modules = "ZohoCRM.modules" { READ, CREATE, UPDATE, DELETE, ALL } }`.
///
/// Each listed operation becomes a type (`READ` → `Read`, `ALL` → `All`) beside a `Module`
/// marker. The prefix is `Service.module`; a module of the built-in `ZohoProjects` catalogue
/// is refused (use `scopes::<module>`).
#[proc_macro]
pub fn scope_module(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as ast::ModuleDecl);
    module(&input).into()
}

/// Generates the scope catalogue of `zoho_oauth_core::scopes` from the one table in this crate.
/// Not public API.
#[doc(hidden)]
#[proc_macro]
pub fn __catalogue(_input: TokenStream) -> TokenStream {
    expand::catalogue().into()
}

fn endpoint(input: &syn::DeriveInput) -> proc_macro2::TokenStream {
    let mut errors = Errors::default();
    let ast = ast::endpoint(input, &mut errors);
    match valid::endpoint(ast, &mut errors) {
        Checked::Valid(v) => expand::endpoint(&v),
        Checked::Partial(partial) => {
            errors.into_compile_errors().into_iter().chain(fallback::endpoint(&partial)).collect()
        }
    }
}

fn set(decl: &ast::SetDecl) -> proc_macro2::TokenStream {
    let mut errors = Errors::default();
    match valid::scope_set(decl, &mut errors) {
        Checked::Valid(v) => expand::scope_set(&v),
        Checked::Partial(partial) => {
            errors.into_compile_errors().into_iter().chain(fallback::scope_set(&partial)).collect()
        }
    }
}

fn module(decl: &ast::ModuleDecl) -> proc_macro2::TokenStream {
    let mut errors = Errors::default();
    match valid::scope_module(decl, &mut errors) {
        Checked::Valid(v) => expand::scope_module(&v),
        Checked::Partial(partial) => {
            errors.into_compile_errors().into_iter().chain(fallback::scope_module(&partial)).collect()
        }
    }
}
