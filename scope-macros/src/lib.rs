//! Implementation detail of [`zoho-projects`](https://docs.rs/zoho-projects): the
//! `#[derive(Endpoint)]` and `scope_set!` macros. Depend on `zoho-projects` (or
//! `zoho-oauth-core`) instead, which re-export these with their runtime support.
//!
//! ```
//! use zoho_oauth_core::{Endpoint, Method, Scope, ScopeSet, scope_set};
//!
//! scope_set! {
//!     #[zoho(crate = ::zoho_oauth_core)]
//!     /// What a reporting job may do.
//!     pub struct Reporting = ["ZohoProjects.portals.READ", "ZohoProjects.tasks.ALL"];
//! }
//!
//! #[derive(Endpoint)]
//! #[zoho(crate = ::zoho_oauth_core, method = "GET", path = "/api/v3/portal/{portal}/projects/{project}/tasks",
//!        scope = "ZohoProjects.tasks.READ", response = serde_json::Value)]
//! struct ListTasks {
//!     #[zoho(path)] portal: u64,
//!     #[zoho(path)] project: String,
//!     #[zoho(query)] page: Option<u32>,
//!     #[zoho(query = "per_page")] size: u32,
//! }
//!
//! let call = ListTasks { portal: 7, project: "a/b".into(), page: None, size: 50 };
//! assert_eq!(ListTasks::METHOD, Method::Get);
//! assert_eq!(call.path(), "/api/v3/portal/7/projects/a%2Fb/tasks");
//! assert_eq!(call.query(), [("per_page", "50".to_owned())]);
//! assert_eq!(<<ListTasks as Endpoint>::Scope as Scope>::OAUTH, "ZohoProjects.tasks.READ");
//! assert_eq!(Reporting::OAUTH, ["ZohoProjects.portals.READ", "ZohoProjects.tasks.ALL"]);
//! ```
//!
//! Both macros check Zoho scope strings (`"ZohoProjects.tasks.READ"`) at compile time against
//! the catalogue of documented `ZohoProjects` modules, and point their errors at the literal
//! that is wrong:
//!
//! ```compile_fail
//! #[derive(zoho_oauth_core::Endpoint)]
//! #[zoho(crate = ::zoho_oauth_core, method = "GET", path = "/api/v3/portals",
//!        scope = "ZohoProjects.portal.READ", response = ())]
//! struct ListPortals; // error: unknown ZohoProjects module `portal`; did you mean `portals`?
//! ```
//!
//! The generated code names the runtime through `::zoho_projects` unless told otherwise with
//! `#[zoho(crate = ::other::path)]`.

mod attr;
mod catalogue;
mod endpoint;
mod errors;
mod scope;
mod scope_set;
#[cfg(test)]
mod snapshots;

use proc_macro::TokenStream;

/// Derives `Endpoint` for a struct that describes one HTTP call to Zoho.
///
/// Container keys in `#[zoho(...)]`: `method` (`"GET"`, `"POST"`, `"PUT"`, `"PATCH"`,
/// `"DELETE"`), `path` (with `{field}` placeholders), `scope` (a Zoho scope string checked
/// against the catalogue, or a path to a scope type), `response` (the decoded type) and
/// optionally `crate`. Field keys: `path`, `query` / `query = "name"`, `body` (JSON), `form`
/// (form-encoded) and `skip`. See the `zoho-projects` docs for examples.
#[proc_macro_derive(Endpoint, attributes(zoho))]
pub fn derive_endpoint(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    endpoint::derive(&input).into()
}

/// Declares scope sets: `scope_set! { pub struct Name = ["ZohoProjects.tasks.READ", path::to::Read]; }`.
///
/// Each set becomes a zero-sized type that grants exactly the listed scopes (`ALL` grants the
/// module's four operations) and whose `ScopeSet::OAUTH` lists the strings to request.
#[proc_macro]
pub fn scope_set(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as scope_set::Input);
    scope_set::expand(input).into()
}

/// Generates the scope catalogue of `zoho_oauth_core::scopes` from the one table in this crate.
/// Not public API.
#[doc(hidden)]
#[proc_macro]
pub fn __catalogue(_input: TokenStream) -> TokenStream {
    use quote::quote;
    let modules = catalogue::MODULES.iter().map(|(name, ops, about)| {
        let ident = syn::Ident::new(name, proc_macro2::Span::call_site());
        let prefix = format!("{}.{name}", catalogue::SERVICE);
        let ops = ops.iter().map(|o| syn::Ident::new(o, proc_macro2::Span::call_site()));
        let doc = format!("`{prefix}`: {about}");
        quote! {
            crate::scope_module! {
                #[doc = #doc]
                pub mod #ident = #prefix { #(#ops),* }
            }
        }
    });
    let service = catalogue::SERVICE;
    let table = catalogue::MODULES.iter().map(|(name, ops, _)| quote!((#name, &[#(#ops),*])));
    quote! {
        #(#modules)*
        /// Every catalogued module with its documented operations, as data (for run-time checks).
        pub const CATALOGUE: &[(&str, &[&str])] = &[#(#table),*];
        /// The service prefix of every catalogued scope.
        pub const SERVICE: &str = #service;
    }
    .into()
}
