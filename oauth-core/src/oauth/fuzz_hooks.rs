//! Entry points for the fuzz targets in `fuzz/` and their corpus replay in `tests/`.
//!
//! **Not public API**: hidden from the docs, may change in any release. Each function runs the
//! real code that reads what a remote party sent, minus the HTTP round trip: the bytes of a
//! Zoho Accounts answer, or a browser's callback URL.

use super::OAuthClient;
use super::boundary::{Grant, RawToken, read_reply};
use super::web::Callback;
use crate::error::OAuthError;
use crate::scope::Dynamic;
use crate::token::{Token, TokenParts};
use url::Url;

crate::scope_set! {
    #[zoho(crate = ::zoho_oauth_core)]
    /// The scope set the fuzzed code exchange asks for.
    pub struct FuzzSet = ["ZohoProjects.portals.READ", "ZohoProjects.tasks.ALL"];
}

/// Which request a fuzzed token answer belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenGrant {
    /// The web flow's or a self client's code exchange, minted as a `Token<FuzzSet>`.
    AuthorizationCode,
    /// A refresh of `previous` (the answer has no refresh token: the old one is kept).
    Refresh,
    /// Client credentials, minted as a `Token<Dynamic>`.
    ClientCredentials,
    /// A device-flow poll that was approved, minted as a `Token<FuzzSet>`.
    DeviceToken,
}

impl TokenGrant {
    /// Every grant, for selecting one from a fuzz input byte.
    pub const ALL: [TokenGrant; 4] =
        [TokenGrant::AuthorizationCode, TokenGrant::Refresh, TokenGrant::ClientCredentials, TokenGrant::DeviceToken];
}

/// Reads a token endpoint answer (`status`, raw `body`) exactly as the flows do once the bytes
/// have arrived: JSON object check, `{"error": …}` whatever the status, "Access Denied",
/// lenient `expires_in`/`expires_in_sec`, optional refresh token, `scope` check against the
/// requested set, and for a refresh the parts kept from `previous`.
pub fn token_answer(
    client: &OAuthClient,
    grant: TokenGrant,
    status: u16,
    body: &[u8],
    previous: &TokenParts,
) -> Result<TokenParts, OAuthError> {
    let wire = match grant {
        TokenGrant::AuthorizationCode => Grant::AuthorizationCode,
        TokenGrant::Refresh => Grant::RefreshToken,
        TokenGrant::ClientCredentials => Grant::ClientCredentials,
        TokenGrant::DeviceToken => Grant::DeviceToken,
    };
    let reply = read_reply(status, body)?.into_success(wire)?;
    let mut raw = RawToken::from_reply(&reply)?;
    let accounts = client.accounts_server().clone();
    Ok(match grant {
        TokenGrant::AuthorizationCode | TokenGrant::DeviceToken => {
            client.mint::<FuzzSet>(raw, &accounts, None)?.into_parts()
        }
        TokenGrant::ClientCredentials => {
            raw.refresh_token = None;
            client.mint::<Dynamic>(raw, &accounts, None)?.into_parts()
        }
        TokenGrant::Refresh => {
            let Some(refresh) = previous.refresh_token.clone() else {
                return Err(OAuthError::Config("no refresh token".to_owned()));
            };
            let fresh = client.refreshed_parts(raw, previous, &accounts, refresh);
            // What `refresh_token::<S>` does next.
            Token::<Dynamic>::from_parts(fresh)?.into_parts()
        }
    })
}

/// The fields of a callback, as read (before any check). Its `Debug` hides the code and state.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallbackFields {
    /// `code`.
    pub code: Option<String>,
    /// `state`.
    pub state: Option<String>,
    /// `location`.
    pub location: Option<String>,
    /// `accounts-server`.
    pub accounts_server: Option<String>,
    /// `error`.
    pub error: Option<String>,
    /// `error_description`.
    pub error_description: Option<String>,
}

impl std::fmt::Debug for CallbackFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackFields")
            .field("code", &self.code.as_ref().map(|_| "[redacted]"))
            .field("state", &self.state.as_ref().map(|_| "[redacted]"))
            .field("location", &self.location)
            .field("accounts_server", &self.accounts_server)
            .field("error", &self.error)
            .field("error_description", &self.error_description)
            .finish()
    }
}

/// Parses a callback (full URL, path and query, or bare query) into its fields.
pub fn callback_fields(callback: &str) -> CallbackFields {
    let c = Callback::parse(callback);
    CallbackFields {
        code: c.code,
        state: c.state,
        location: c.location,
        accounts_server: c.accounts_server,
        error: c.error,
        error_description: c.error_description,
    }
}

/// What [`OAuthClient::complete`] decides before it sends anything: the checked `state`, the
/// user's refusal, the code, and the accounts server (with `location`) to exchange it at.
pub fn check_callback(
    client: &OAuthClient,
    expected_state: &str,
    callback: &str,
) -> Result<(String, Url, Option<String>), OAuthError> {
    let grant = client.read_callback(expected_state, callback)?;
    Ok((secrecy::ExposeSecret::expose_secret(&grant.code).to_owned(), grant.accounts, grant.location))
}

/// Every accounts server `client` would send a code or a secret to (start server, configured
/// and built-in locations).
pub fn trusted_servers(client: &OAuthClient) -> Vec<Url> {
    let mut all = vec![client.inner.accounts.clone()];
    all.extend(client.inner.locations.iter().map(|(_, u)| u.clone()));
    all
}
