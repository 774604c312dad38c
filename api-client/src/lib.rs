//! The typed Zoho Projects client whose calls only compile when the token carries the right
//! `ZohoProjects.<module>.<operation>` scope.
//!
//! ```
//! use zoho_projects::prelude::*;
//! use std::time::Duration;
//!
//! scope_set! {
//!     /// What this program may do.
//!     pub struct Triage = ["ZohoProjects.portals.READ", "ZohoProjects.tasks.ALL"];
//! }
//!
//! // An endpoint the crate lacks, written by its user with the same derive the crate uses:
//! #[derive(Endpoint)]
//! #[zoho(method = "GET", path = "/api/v3/portal/{portal}/mytasks",
//!        scope = "ZohoProjects.tasks.READ", response = serde_json::Value)]
//! struct MyTasks { #[zoho(path)] portal: String }
//!
//! let token = Token::<Triage>::from_console(
//!     "1000.0123.4567", "ZohoProjects.portals.READ ZohoProjects.tasks.ALL", Duration::from_secs(3600))?;
//! let client = Client::builder().build(token)?;
//! let _pending = client.send(MyTasks { portal: "687892".into() });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Sign in once, resume in later runs ([`SignIn`]): the token is kept in the default token file
//! and the client calls the user's data centre.
//!
//! ```no_run
//! use zoho_projects::prelude::*;
//! use zoho_projects::{ClientSecret, SignIn, oauth::OAuthClient, v3::portals::ListPortals};
//! scope_set! { struct Reader = ["ZohoProjects.portals.READ"]; }
//! # async fn run(client_id: &str, secret: &str) -> Result<(), Box<dyn std::error::Error>> {
//! # let loopback_uri = "http://127.0.0.1:8765/callback".parse()?;
//! let oauth = OAuthClient::builder(client_id, ClientSecret::new(secret)).redirect_uri(loopback_uri).build()?;
//! let client = SignIn::<Reader>::new(oauth).client().await?; // resumes the stored token, or signs in
//! let portals = client.send(ListPortals).await?; // on the user's data centre
//! # Ok(()) }
//! ```
//!
//! Sending a call whose scope the set lacks does not compile:
//!
//! ```compile_fail,E0277
//! use zoho_projects::prelude::*;
//! scope_set! { struct ReadOnly = ["ZohoProjects.tasks.READ"]; }
//! #[derive(Endpoint)]
//! #[zoho(method = "DELETE", path = "/api/v3/portal/{p}/projects/{q}/tasks/{t}",
//!        scope = "ZohoProjects.tasks.DELETE", response = ())]
//! struct DeleteTask { #[zoho(path)] p: u64, #[zoho(path)] q: u64, #[zoho(path)] t: u64 }
//! # fn f(client: Client<ReadOnly>) {
//! let _ = client.send(DeleteTask { p: 1, q: 2, t: 3 }); // missing scope: `ReadOnly` does not grant `tasks::Delete`
//! # }
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

// Lets the derive's default path `::zoho_projects` resolve inside this crate too.
#[allow(unused_extern_crates)]
extern crate self as zoho_projects;

pub mod ids;
pub mod model;
pub mod paginate;
mod paging;
#[cfg(feature = "restapi")]
#[cfg_attr(docsrs, doc(cfg(feature = "restapi")))]
pub mod restapi;
pub mod v3;

pub use paging::Paging;

/// The HTTP client crate of [`ClientBuilder::http_client`] and [`Error::Transport`], re-exported
/// so that its version always matches this crate's.
pub use zoho_oauth_core::reqwest;
pub use zoho_oauth_core::{
    AccessToken, ApiError, Body, BodyError, BoxError, Client, ClientBuilder, ClientSecret, Clock, DEFAULT_USER_AGENT,
    DecodeCause, Dynamic, DynamicScopes, Endpoint, Error, GrantedBy, HasScope, HeaderError, HostFamily, InsecureUrl,
    Method, MissingScope, OAuthError, PathError, QueryParams, RateKey, RateLimiter, RatePermit, RefreshToken,
    RefusalCause, Region, RequiredScopes, RetryPolicy, Scope, ScopeMismatch, ScopeName, ScopeParseError,
    ScopeRequirement, ScopeSet, ScopedToken, Service, SharedWindow, SleepFuture, Sleeper, SystemClock, Take, Token,
    TokenManager, TokenParts, TokenSource, ZOHO_LOCKOUT, ZohoError, action, async_trait, scope_module, scope_set,
    scopes,
};
pub use zoho_oauth_core::{Answer, Download, bytes, manager, multipart, oauth, response, store, tenants};
pub use zoho_oauth_core::{Prompt, SignIn, SignInMethod};

/// Everything most programs need: `use zoho_projects::prelude::*;`.
///
/// It holds no `Error`, so that it never shadows `std::error::Error` or an application's own:
/// name this crate's as [`zoho_projects::Error`](crate::Error).
pub mod prelude {
    pub use zoho_oauth_core::{
        Client, Dynamic, Endpoint, HasScope, HostFamily, Region, Scope, ScopeSet, Service, Token, TokenSource,
        scope_module, scope_set, scopes,
    };
}

/// What generated code uses. Not public API.
#[doc(hidden)]
pub use zoho_oauth_core::__private;
