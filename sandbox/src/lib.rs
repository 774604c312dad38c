//! # zoho-sandbox: a local Zoho that behaves as Zoho's documentation says
//!
//! A real HTTP server (tokio + hyper/axum) playing **Zoho Accounts** (OAuth 2.0: consent page,
//! token endpoint, revocation, device flow, `/oauth/serverinfo`, three data centres) and the
//! **Zoho Projects API** (V3 under `/api/v3/…` plus the legacy `/restapi/…` subset) over
//! deterministic in-memory data. Every documented limit is enforced against a virtual
//! [`Clock`], faults can be injected per route, and [`Counters`] let tests assert what happened.
//!
//! ```
//! use std::time::Duration;
//! use zoho_sandbox::{Dc, Sandbox};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sb = Sandbox::builder().auto_approve(true).start().await?;
//! let client = sb.demo_client();
//! // "Generate Code" as in Zoho's API console, then exchange it at the token endpoint.
//! let code = sb.self_client_code(&client.client_id, &["ZohoProjects.portals.READ"])?;
//! let http = reqwest::Client::new();
//! let token: serde_json::Value = http
//!     .post(sb.accounts_url(Dc::Us).join("oauth/v2/token")?)
//!     .form(&[
//!         ("grant_type", "authorization_code"),
//!         ("client_id", client.client_id.as_str()),
//!         ("client_secret", client.client_secret.as_str()),
//!         ("code", code.as_str()),
//!     ])
//!     .send()
//!     .await?
//!     .json()
//!     .await?;
//! let access = token["access_token"].as_str().unwrap();
//! assert_eq!(token["expires_in"], 3600);
//!
//! // Call the Projects API (V3) with Zoho's header.
//! let portals: serde_json::Value = http
//!     .get(sb.api_url(Dc::Us).join("api/v3/portals")?)
//!     .header("Authorization", format!("Zoho-oauthtoken {access}"))
//!     .send()
//!     .await?
//!     .json()
//!     .await?;
//! assert_eq!(portals[0]["id"], sb.demo_portal(Dc::Us).id.as_str());
//!
//! // An hour later (virtual time: no sleeping) the token has expired.
//! sb.clock().advance(Duration::from_secs(3600));
//! let status = http
//!     .get(sb.api_url(Dc::Us).join("api/v3/portals")?)
//!     .header("Authorization", format!("Zoho-oauthtoken {access}"))
//!     .send()
//!     .await?
//!     .status();
//! assert_eq!(status, 401);
//! assert_eq!(sb.counters().access_tokens_minted, 1);
//! sb.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! See `sandbox/README.md` for the HTTP surface, every choice made where Zoho's sources
//! disagree, and a plain-`curl` walkthrough.

mod accounts;
mod api;
mod apis;
mod attachments;
mod clock;
mod config;
mod control;
mod data;
mod fault;
mod hosts;
mod input;
mod members;
mod render;
mod restapi;
mod sandbox;
mod scopes;
mod server;
mod state;
mod util;
mod v3;

pub use clock::Clock;
pub use config::{Dc, Limits};
pub use control::Profile;
pub use fault::{Fault, FaultKind, Route};
pub use hosts::Service;
pub use sandbox::{DemoPortal, DemoProject, Error, Sandbox, SandboxBuilder, StoredAttachment};
pub use state::{ClientCredentials, ClientKind, ClientSpec, Counters, SEEN_BODY_BYTES, SeenRequest, UserInfo};

/// Compiles the Rust example in `README.md`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
