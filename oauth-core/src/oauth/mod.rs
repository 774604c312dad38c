//! Zoho's OAuth 2.0 flows (<https://www.zoho.com/accounts/protocol/oauth.html>), with honest
//! typed tokens.
//!
//! An [`OAuthClient`] holds the client id, the [`ClientSecret`], the redirect URI and the
//! accounts servers, and mints [`Token<S>`] only at checked boundaries: a flow that requested
//! `S::OAUTH` (and, when Zoho reports the granted `scope`, a check that it covers `S`).
//!
//! - Web apps: [`OAuthClient::authorize_url`] → send the user to the URL → on the callback,
//!   [`OAuthClient::complete`] (verifies `state` in constant time, follows the user's data
//!   centre, exchanges the code, PKCE S256 when asked).
//! - Desktop and CLI programs: [`OAuthClient::authorize_with_loopback`] with a
//!   [`LoopbackServer`] on `127.0.0.1`.
//! - Devices without a browser: [`OAuthClient::device_start`] and [`OAuthClient::device_wait`].
//! - Self clients: [`OAuthClient::exchange_self_client_code`] and
//!   [`OAuthClient::client_credentials`].
//! - [`OAuthClient::refresh`] (keeps the refresh token) and [`OAuthClient::revoke`].
//!
//! Zoho's quirks (errors with HTTP 200, "Access Denied" throttling, `expires_in` in seconds or
//! milliseconds or a string, refresh answers without a refresh token) are handled in one place,
//! and parameters travel only in form bodies: no secret ever appears in a URL.
//!
//! # The web flow, against `zoho-sandbox`
//!
//! ```
//! use zoho_oauth_core::oauth::{AuthorizeOptions, OAuthClient};
//! use zoho_oauth_core::{ClientSecret, ScopeSet, scope_set};
//! use zoho_sandbox::{Dc, Sandbox};
//!
//! scope_set! {
//!     #[zoho(crate = ::zoho_oauth_core)]
//!     /// What the web app may do.
//!     pub struct TaskWriter = ["ZohoProjects.portals.READ", "ZohoProjects.tasks.ALL"];
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sb = Sandbox::builder().auto_approve(true).start().await?;
//! let app = sb.demo_client();
//! let oauth = OAuthClient::builder(&app.client_id, ClientSecret::new(app.client_secret.as_str()))
//!     .redirect_uri(app.redirect_uri.parse()?)
//!     .accounts_url(sb.accounts_url(Dc::Us))           // real apps: .region(Region::Us)
//!     .location_accounts_url("eu", sb.accounts_url(Dc::Eu))
//!     .build()?;
//!
//! // 1. Send the user's browser to `url`; keep `pending` (e.g. in the session).
//! let (url, pending) = oauth.authorize_url::<TaskWriter>(&AuthorizeOptions::new().offline().pkce()).await?;
//!
//! // (Here the "browser" is an HTTP client; Zoho redirects to the redirect URI.)
//! let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
//! let answer = http.get(url).send().await?;
//! let callback = answer.headers()["location"].to_str()?.to_owned();
//!
//! // 2. The redirect arrives at your callback: complete the flow with its URL (or query).
//! let token = oauth.complete(pending, &callback).await?;
//! assert!(token.refresh_token().is_some());
//! assert_eq!(token.parts().location.as_deref(), Some("us"));
//!
//! // 3. Later: refresh (the refresh token is kept), and revoke when done.
//! let fresh = oauth.refresh_token(&token).await?;
//! assert!(fresh.refresh_token().is_some());
//! oauth.revoke(token.refresh_token().expect("offline"), token.parts().accounts_server.as_ref()).await?;
//! # Ok(())
//! # }
//! ```
//!
//! # The device flow, against `zoho-sandbox`
//!
//! The waiting between polls is injected: production code passes [`tokio::time::sleep`]; this
//! example moves the sandbox's virtual clock instead, so it runs instantly.
//!
//! ```
//! use zoho_oauth_core::oauth::{AuthorizeOptions, OAuthClient};
//! use zoho_oauth_core::{ClientSecret, scope_set};
//! use zoho_sandbox::{ClientKind, ClientSpec, Dc, Sandbox};
//!
//! scope_set! {
//!     #[zoho(crate = ::zoho_oauth_core)]
//!     /// What the device may do.
//!     pub struct Reader = ["ZohoProjects.portals.READ", "ZohoProjects.projects.READ"];
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sb = Sandbox::builder().start().await?;
//! let creds = sb.register_client(ClientSpec { kind: ClientKind::Device, redirect_uris: vec![], ..ClientSpec::default() });
//! let clock = sb.clock();
//! let oauth = OAuthClient::builder(&creds.client_id, ClientSecret::new(creds.client_secret.as_str()))
//!     .accounts_url(sb.accounts_url(Dc::Us))
//!     .clock(move || clock.now_system())
//!     .build()?;
//!
//! let device = oauth.device_start::<Reader>(&AuthorizeOptions::new().offline()).await?;
//! println!("Open {} and enter {}", device.verification_url(), device.user_code());
//!
//! // The user approves on another screen…
//! sb.approve_device(device.user_code(), &sb.demo_user().email)?;
//!
//! // …while the device polls every 30 s (here: the virtual clock moves 30 s per wait).
//! let clock = sb.clock();
//! let token = oauth
//!     .device_wait(device, |wait| {
//!         clock.advance(wait);
//!         std::future::ready(())
//!     })
//!     .await?;
//! assert!(token.refresh_token().is_some());
//! # Ok(())
//! # }
//! ```

#[doc(hidden)]
#[path = "fuzz_hooks.rs"]
pub mod __fuzz;
mod boundary;
mod device;
mod guard;
mod loopback;
mod web;

pub use device::{DeviceAuthorization, DevicePoll, MAX_POLL_FAILURES, MIN_POLL_INTERVAL};
pub use guard::CodeLedger;
pub use loopback::LoopbackServer;
pub use web::{AccessType, AuthorizeOptions, PENDING_LIFETIME, PendingAuthorization};

use crate::clock::{Clock, SystemClock};
use crate::error::{InsecureUrl, OAuthError, redact_snippet};
use crate::http::{Http, HttpSettings, HttpSetupError, UserAgent};
use crate::region::Region;
use crate::scope::{DynamicScopes, ScopeName};
use crate::token::{AccessToken, ClientSecret, RefreshToken, ScopeRequirement, Token, TokenParts};
use boundary::{Grant, RawToken, post_form};
use guard::CodeGuard;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// A Zoho OAuth client (one registered app in Zoho's API console).
///
/// Build one with [`OAuthClient::builder`]; the [module docs](self) show the web flow and the
/// device flow end to end.
///
/// Cheap to clone: clones share one HTTP client (connection pool) and one authorization-code
/// guard. Its `Debug` shows the client id and servers, never the secret.
#[derive(Clone)]
pub struct OAuthClient {
    inner: Arc<Inner>,
}

struct Inner {
    client_id: String,
    secret: ClientSecret,
    redirect_uri: Option<Url>,
    /// Where flows start (the region's accounts server, or the override).
    accounts: Url,
    /// `location` code → accounts server; the servers a callback or `other_dc` may name.
    locations: Vec<(String, Url)>,
    http: Http,
    clock: Arc<dyn Clock>,
    guard: CodeGuard,
    /// How long a [`PendingAuthorization`] may be completed after it was made.
    pending_lifetime: Duration,
}

impl fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthClient")
            .field("client_id", &self.inner.client_id)
            .field("client_secret", &self.inner.secret)
            .field("redirect_uri", &self.inner.redirect_uri.as_ref().map(Url::as_str))
            .field("accounts", &self.inner.accounts.as_str())
            .finish_non_exhaustive()
    }
}

/// Builds an [`OAuthClient`]; see [`OAuthClient::builder`].
pub struct OAuthClientBuilder {
    client_id: String,
    secret: ClientSecret,
    redirect_uri: Option<Url>,
    region: Region,
    accounts: Option<Url>,
    locations: Vec<(String, Url)>,
    http: HttpSettings,
    clock: Option<Arc<dyn Clock>>,
    codes_per_minute: u32,
    code_ledger: Option<Arc<dyn CodeLedger>>,
    pending_lifetime: Duration,
}

impl fmt::Debug for OAuthClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthClientBuilder")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.secret)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

/// Makes sure a base URL ends with `/`, so that `join("oauth/v2/token")` keeps its path.
fn as_base(mut url: Url) -> Url {
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url.set_query(None);
    url.set_fragment(None);
    url
}

impl OAuthClientBuilder {
    /// The redirect URI registered for the client (web flow). Not needed for self clients and
    /// the device flow; [`AuthorizeOptions::redirect_uri`] overrides it per request.
    pub fn redirect_uri(mut self, uri: Url) -> Self {
        self.redirect_uri = Some(uri);
        self
    }

    /// The data centre where flows start (default: US, `accounts.zoho.com`, which redirects
    /// users of other data centres to theirs; China needs [`Region::Cn`]).
    pub fn region(mut self, region: Region) -> Self {
        self.region = region;
        self
    }

    /// Overrides the accounts server where flows start (e.g. a `zoho-sandbox`'s
    /// `accounts_url`).
    pub fn accounts_url(mut self, url: Url) -> Self {
        self.accounts = Some(url);
        self
    }

    /// The accounts server of the data centre whose `location` code is `location` (`eu`, `in`…),
    /// replacing Zoho's built-in one. A callback's `accounts-server` and the device flow's
    /// `other_dc` are only followed to servers known this way (or Zoho's own), so that a forged
    /// callback cannot send the client secret elsewhere.
    pub fn location_accounts_url(mut self, location: &str, url: Url) -> Self {
        let location = location.to_ascii_lowercase();
        self.locations.retain(|(l, _)| *l != location);
        self.locations.push((location, as_base(url)));
        self
    }

    /// The connect timeout of token requests (default 10 s). Not with a [client of your
    /// own](OAuthClientBuilder::http_client): set it on that client's builder.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.http.connect_timeout = timeout;
        self.http.connect_timeout_set = true;
        self
    }

    /// The whole-request timeout of token requests (default 30 s; with a [client of your
    /// own](OAuthClientBuilder::http_client), that client's unless set here).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.http.timeout = timeout;
        self.http.timeout_set = true;
        self
    }

    /// Sends token requests with this HTTP client (a proxy, a private CA). It must not follow
    /// redirects (`reqwest::redirect::Policy::none()`): a token request that comes back from
    /// another URL than it was sent to is refused with [`OAuthError::Config`]. A
    /// [`timeout`](OAuthClientBuilder::timeout) set on this builder and the `User-Agent` are
    /// applied to each request; a [`connect_timeout`](OAuthClientBuilder::connect_timeout) cannot
    /// be, and `build` refuses it.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http.client = Some(http);
        self
    }

    /// The `User-Agent` header of token requests (default
    /// [`DEFAULT_USER_AGENT`](crate::DEFAULT_USER_AGENT), `zoho-projects-rs/<version>`).
    pub fn user_agent(mut self, value: impl Into<String>) -> Self {
        self.http.user_agent = UserAgent::Custom(value.into());
        self
    }

    /// Sends no `User-Agent` of this crate's (a client of your own sends its own, if any).
    pub fn no_user_agent(mut self) -> Self {
        self.http.user_agent = UserAgent::Off;
        self
    }

    /// Where "now" comes from, for token expiry and the code-rate guard (default: the system
    /// clock; tests pass the sandbox's virtual clock).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// How many authorization URLs [`OAuthClient::authorize_url`] hands out per minute
    /// (default 4, Zoho's limit per client and user; Zoho blocks the client for 10 minutes
    /// past it). Lower it to keep a margin; `0` forbids the web flow.
    pub fn max_codes_per_minute(mut self, n: u32) -> Self {
        self.codes_per_minute = n;
        self
    }

    /// Counts authorization codes in `ledger` instead of this client's memory: give every
    /// instance of a fleet the same one (e.g. its shared `RedisStore`), so that together they
    /// hand out Zoho's 4 codes per minute per client and user, not 4 each. When the ledger cannot
    /// answer, no code is handed out ([`OAuthError::CodeGuardUnavailable`]).
    pub fn code_ledger(mut self, ledger: impl CodeLedger) -> Self {
        self.code_ledger = Some(Arc::new(ledger));
        self
    }

    /// How long a [`PendingAuthorization`] may be completed after
    /// [`OAuthClient::authorize_url`] made it (default [`PENDING_LIFETIME`], 10 minutes); an
    /// older one is refused with [`OAuthError::AuthorizationExpired`] before anything is sent.
    pub fn pending_lifetime(mut self, lifetime: Duration) -> Self {
        self.pending_lifetime = lifetime;
        self
    }

    /// Builds the client and its HTTP client (rustls, redirects never followed), unless one was
    /// [given](OAuthClientBuilder::http_client).
    pub fn build(self) -> Result<OAuthClient, OAuthError> {
        let http = Http::new(self.http, |builder| builder.use_rustls_tls().redirect(reqwest::redirect::Policy::none()))
            .map_err(|e| match e {
                HttpSetupError::Build(e) => OAuthError::Transport(std::sync::Arc::new(e)),
                HttpSetupError::Config(message, None) => OAuthError::Config(message.to_owned()),
                HttpSetupError::Config(message, Some(source)) => OAuthError::Config(format!("{message} ({source})")),
            })?;
        let accounts = as_base(self.accounts.unwrap_or_else(|| self.region.accounts()));
        check_accounts_url(&accounts, "the accounts server (OAuthClientBuilder::accounts_url)")?;
        for (location, url) in &self.locations {
            check_accounts_url(url, &format!("the accounts server of location {location:?}"))?;
        }
        if let Some(r) = &self.redirect_uri {
            check_redirect_uri(r)?;
        }
        let mut locations = self.locations;
        for region in Region::ALL {
            if !locations.iter().any(|(l, _)| l == region.location()) {
                locations.push((region.location().to_owned(), region.accounts()));
            }
        }
        Ok(OAuthClient {
            inner: Arc::new(Inner {
                client_id: self.client_id,
                secret: self.secret,
                redirect_uri: self.redirect_uri,
                accounts,
                locations,
                http,
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
                guard: CodeGuard::new(self.codes_per_minute, Duration::from_secs(60), self.code_ledger),
                pending_lifetime: self.pending_lifetime,
            }),
        })
    }
}

impl OAuthClient {
    /// A builder for the client registered in Zoho's API console as `client_id`.
    pub fn builder(client_id: impl Into<String>, client_secret: ClientSecret) -> OAuthClientBuilder {
        OAuthClientBuilder {
            client_id: client_id.into(),
            secret: client_secret,
            redirect_uri: None,
            region: Region::Us,
            accounts: None,
            locations: Vec::new(),
            http: HttpSettings::new(Duration::from_secs(30), Duration::from_secs(10)),
            clock: None,
            codes_per_minute: 4,
            code_ledger: None,
            pending_lifetime: PENDING_LIFETIME,
        }
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// The accounts server where flows start.
    pub fn accounts_server(&self) -> &Url {
        &self.inner.accounts
    }

    /// The configured redirect URI, if any.
    pub fn redirect_uri(&self) -> Option<&Url> {
        self.inner.redirect_uri.as_ref()
    }

    /// The accounts server of a data centre's `location` code, if known.
    pub fn accounts_for_location(&self, location: &str) -> Option<&Url> {
        let location = location.trim().to_ascii_lowercase();
        self.inner.locations.iter().find(|(l, _)| *l == location).map(|(_, u)| u)
    }

    /// The configured accounts server with the same origin as `url`, if `url` names one this
    /// client trusts (the start server, a configured location, or Zoho's own).
    fn trusted_accounts(&self, url: &Url) -> Option<&Url> {
        let origin = url.origin();
        if self.inner.accounts.origin() == origin {
            return Some(&self.inner.accounts);
        }
        self.inner.locations.iter().map(|(_, u)| u).find(|u| u.origin() == origin)
    }

    /// The accounts server to refresh or revoke at, for a token that records `recorded` (the start
    /// server if it records none): only a server this client trusts, as configured, so that
    /// whoever can write a token store (a Redis peer, another tenant, a writable token folder)
    /// cannot send the refresh token and the client secret elsewhere by planting a record. The
    /// configured servers are `https`, or plain `http` on a loopback address (checked at build).
    pub(crate) fn recorded_accounts(&self, recorded: Option<&Url>) -> Result<Url, OAuthError> {
        let Some(url) = recorded else { return Ok(self.inner.accounts.clone()) };
        match self.trusted_accounts(url) {
            Some(trusted) => Ok(trusted.clone()),
            None => {
                tracing::warn!("refused a token that names an accounts server this client does not trust");
                Err(OAuthError::UntrustedAccountsServer {
                    origin: redact_snippet(url.origin().ascii_serialization().as_str(), 100),
                })
            }
        }
    }

    /// The `location` code of a configured accounts server.
    fn location_of(&self, accounts: &Url) -> Option<String> {
        let origin = accounts.origin();
        self.inner.locations.iter().find(|(_, u)| u.origin() == origin).map(|(l, _)| l.clone())
    }

    fn endpoint(accounts: &Url, path: &str) -> Result<Url, OAuthError> {
        accounts.join(path).map_err(|e| OAuthError::Config(format!("bad accounts server URL: {e}")))
    }

    /// POSTs to `{accounts}/oauth/v2/token` and reads a token answer.
    async fn token_request(&self, accounts: &Url, form: &[(&str, &str)], grant: Grant) -> Result<RawToken, OAuthError> {
        let url = Self::endpoint(accounts, "oauth/v2/token")?;
        let reply = post_form(&self.inner.http, url, form, grant).await?.into_success(grant)?;
        RawToken::from_reply(&reply)
    }

    /// Wraps a token answer in [`TokenParts`]: the granted scopes are Zoho's `scope` when it
    /// reports one, else `fallback` (what was requested).
    fn parts(
        &self,
        raw: RawToken,
        fallback: &DynamicScopes,
        accounts: &Url,
        location: Option<String>,
        old_refresh: Option<RefreshToken>,
    ) -> TokenParts {
        let scopes = match &raw.scope {
            Some(list) => lenient_scopes(list),
            None => fallback.clone(),
        };
        let expires_at = self.inner.clock.now() + raw.lifetime;
        let mut parts = TokenParts::new(AccessToken::from_secret(raw.access_token, expires_at, scopes));
        parts.refresh_token = raw.refresh_token.map(RefreshToken::from_secret).or(old_refresh);
        parts.api_domain = raw.api_domain;
        parts.accounts_server = Some(accounts.clone());
        parts.location = location.or_else(|| self.location_of(accounts));
        parts
    }

    /// Mints a `Token<S>` through the checked constructor.
    fn mint<S: ScopeRequirement>(
        &self,
        raw: RawToken,
        accounts: &Url,
        location: Option<String>,
    ) -> Result<Token<S>, OAuthError> {
        self.mint_requested::<S>(raw, &requested_scopes::<S>(), accounts, location)
    }

    /// Mints a `Token<S>` through the checked constructor, for a flow that requested
    /// `requested` (the granted scopes when Zoho does not report them).
    fn mint_requested<S: ScopeRequirement>(
        &self,
        raw: RawToken,
        requested: &DynamicScopes,
        accounts: &Url,
        location: Option<String>,
    ) -> Result<Token<S>, OAuthError> {
        let parts = self.parts(raw, requested, accounts, location, None);
        Ok(Token::<S>::from_parts(parts)?)
    }

    /// Refreshes an access token with the refresh token in `parts`, at the accounts server
    /// recorded in `parts` (the start server if none is recorded).
    ///
    /// Zoho's answer carries no refresh token: the old one is kept, as are `api_domain` (unless
    /// Zoho sends a new one), the accounts server and the location. The granted scopes are
    /// Zoho's `scope` when reported, else those of the old access token. The caller re-checks
    /// them against its scope set (e.g. with [`Token::from_parts`]), or uses
    /// [`refresh_token`](Self::refresh_token).
    ///
    /// Errors: [`OAuthError::InvalidRefreshToken`] (revoked; the user must authorize again),
    /// [`OAuthError::AccessDenied`] (throttled: at most 10 access tokens per refresh token in
    /// 10 minutes), [`OAuthError::InvalidClient`], [`OAuthError::Transport`]….
    pub async fn refresh(&self, parts: &TokenParts) -> Result<TokenParts, OAuthError> {
        let Some(refresh) = parts.refresh_token.clone() else {
            return Err(OAuthError::Config(
                "this token has no refresh token (online access): authorize again with access_type=offline".to_owned(),
            ));
        };
        let accounts = self.recorded_accounts(parts.accounts_server.as_ref())?;
        let form = [
            ("client_id", self.inner.client_id.as_str()),
            ("client_secret", self.inner.secret.expose_secret()),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.expose_secret()),
        ];
        let raw = self.token_request(&accounts, &form, Grant::RefreshToken).await?;
        Ok(self.refreshed_parts(raw, parts, &accounts, refresh))
    }

    /// The parts after a refresh answer: the old refresh token, scopes (unless Zoho reports
    /// them), `api_domain` (unless Zoho sends a new one) and location are kept.
    fn refreshed_parts(&self, raw: RawToken, old: &TokenParts, accounts: &Url, refresh: RefreshToken) -> TokenParts {
        let old_scopes = old.access_token.scopes().clone();
        let mut fresh = self.parts(raw, &old_scopes, accounts, old.location.clone(), Some(refresh));
        if fresh.api_domain.is_none() {
            fresh.api_domain = old.api_domain.clone();
        }
        fresh
    }

    /// [`refresh`](Self::refresh) for a typed token: the new token is checked against `S` again.
    pub async fn refresh_token<S: ScopeRequirement>(&self, token: &Token<S>) -> Result<Token<S>, OAuthError> {
        let parts = self.refresh(token.parts()).await?;
        Ok(Token::<S>::from_parts(parts)?)
    }

    /// Revokes a refresh token, and with it every access token made from it, at
    /// `accounts_server` (the one recorded with the token; the start server if `None`).
    ///
    /// Errors: [`OAuthError::InvalidRefreshToken`] when Zoho does not know the token (already
    /// revoked, or another data centre's).
    pub async fn revoke(&self, token: &RefreshToken, accounts_server: Option<&Url>) -> Result<(), OAuthError> {
        self.revoke_secret(token.expose_secret(), accounts_server, Grant::RevokeRefresh).await
    }

    /// Revokes one access token.
    pub async fn revoke_access_token(
        &self,
        token: &AccessToken,
        accounts_server: Option<&Url>,
    ) -> Result<(), OAuthError> {
        self.revoke_secret(token.expose_secret(), accounts_server, Grant::RevokeAccess).await
    }

    async fn revoke_secret(&self, secret: &str, accounts: Option<&Url>, grant: Grant) -> Result<(), OAuthError> {
        let accounts = self.recorded_accounts(accounts)?;
        let url = Self::endpoint(&accounts, "oauth/v2/token/revoke")?;
        // The classic endpoint documents `?token=`; Zoho reads form bodies too, and a token
        // never goes into a URL (URLs end up in logs).
        let reply = post_form(&self.inner.http, url, &[("token", secret)], grant).await?.into_success(grant)?;
        match reply.str_field("status") {
            Some(s) if s.eq_ignore_ascii_case("success") => Ok(()),
            _ => Err(OAuthError::UnexpectedResponse { status: reply.status, snippet: reply.keys() }),
        }
    }
}

/// A redirect URI must be `https`, except on the loopback interface (`http://127.0.0.1:8080/…`,
/// `http://[::1]/…`, `http://localhost/…`), where a desktop program receives its own redirect
/// (RFC 8252 §7.3): the authorization code travels in it, and over plain HTTP anyone on the
/// path could read it.
pub(crate) fn check_redirect_uri(uri: &Url) -> Result<(), OAuthError> {
    match uri.scheme() {
        "https" => Ok(()),
        "http" if crate::error::is_loopback(uri) => Ok(()),
        "http" => Err(OAuthError::Config(format!(
            "the redirect URI must use https (plain http is allowed only for loopback addresses such as \
             http://127.0.0.1:8080/callback), not http://{}",
            uri.host_str().unwrap_or("")
        ))),
        other => Err(OAuthError::Config(format!(
            "the redirect URI must start with https:// (or http:// on a loopback address), not {other}:"
        ))),
    }
}

/// An accounts server receives the client secret and refresh tokens: `https`, or plain `http`
/// only on a loopback address (a local test server such as `zoho-sandbox`).
fn check_accounts_url(url: &Url, what: &str) -> Result<(), OAuthError> {
    InsecureUrl::check(url, what, "the client secret, codes and refresh tokens").map_err(OAuthError::InsecureUrl)
}

/// `S::OAUTH` as a run-time set (what a flow requested).
fn requested_scopes<S: ScopeRequirement>() -> DynamicScopes {
    lenient_scopes(&S::required().join(","))
}

/// Parses a scope list, skipping entries that are not `Service.module.OPERATION` (Zoho may
/// report scopes of other shapes, e.g. `aaaserver.profile.read` parses but `openid` does not).
fn lenient_scopes(list: &str) -> DynamicScopes {
    DynamicScopes::parse(list.split([',', ' ']).filter(|s| s.parse::<ScopeName>().is_ok())).unwrap_or_default()
}
