//! What is emitted beside the errors when validation failed: the parts that are known, so that
//! one mistake gives one error (no "`Endpoint` is not implemented" or "cannot find type" at every
//! use of the item).

use crate::expand;
use crate::valid::{PartialEndpoint, PartialModule, PartialSet};
use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::Ident;

/// An `Endpoint` impl whose scope is the one written (or most likely meant).
pub(crate) fn endpoint(v: &PartialEndpoint<'_>) -> TokenStream {
    let krate = &v.krate;
    let (Some(scope), true) = (&v.scope, v.is_struct) else {
        return TokenStream::new();
    };
    let scope_ty = expand::scope_ty(scope, krate);
    let ident = v.ident;
    let (impl_g, ty_g, where_c) = v.generics.split_for_impl();
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
            fn decode(_: #krate::__private::Answer)
                -> impl ::core::future::Future<Output = ::core::result::Result<Self::Response, #krate::__private::Error>> + ::core::marker::Send {
                ::core::future::pending()
            }
        }
    }
}

/// The set with the entries that were valid.
pub(crate) fn scope_set(partial: &PartialSet) -> TokenStream {
    expand::scope_set(&partial.0)
}

/// The module with the operations that were valid.
pub(crate) fn scope_module(partial: &PartialModule) -> TokenStream {
    expand::scope_module(&partial.0)
}
