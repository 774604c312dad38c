//! # zoho-sandbox: a local Zoho that behaves as Zoho's documentation says
//!
//! A real HTTP server (tokio + hyper/axum) playing **Zoho Accounts** (OAuth 2.0: consent page,
//! token endpoint, revocation, device flow, `/oauth/serverinfo`, three data centres) and the
//! **Zoho Projects API** (V3 under `/api/v3/…` plus the legacy `/restapi/…` subset) over
//! deterministic in-memory data. Every documented limit is enforced against a virtual
//! [`Clock`], faults can be injected per route, and [`Counters`] let tests assert what happened.
//!
//! ```
//! use zoho_sandbox::{Dc, Sandbox};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sb = Sandbox::builder().auto_approve(true).start().await?;
//! let client = sb.demo_client();
//! // A self-client style code (as "Generate Code" in the API console) …
//! let code = sb.self_client_code(&client.client_id, &["ZohoProjects.portals.READ"])?;
//! assert!(code.starts_with("1000."));
//! // … would be exchanged at POST {accounts_url}oauth/v2/token.
//! let token_url = sb.accounts_url(Dc::Us).join("oauth/v2/token")?;
//! assert_eq!(token_url.host_str(), Some("127.0.0.1"));
//! sb.clock().advance(std::time::Duration::from_secs(3600));
//! sb.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! See `sandbox/README.md` for the HTTP surface, every choice made where Zoho's sources
//! disagree, and a plain-`curl` walkthrough.

mod accounts;
mod api;
mod clock;
mod config;
mod data;
mod fault;
mod input;
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
pub use fault::{Fault, FaultKind, Route};
pub use sandbox::{DemoPortal, DemoProject, Error, Sandbox, SandboxBuilder};
pub use state::{ClientCredentials, ClientKind, ClientSpec, Counters, SeenRequest, UserInfo};
