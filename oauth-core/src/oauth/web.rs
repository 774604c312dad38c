//! The authorization-code flow for web apps, self-client codes and client credentials.

use super::OAuthClient;
use super::boundary::{Grant, map_error};
use crate::error::{OAuthError, redact_snippet};
use crate::scope::{DynamicScopes, ScopeSet};
use crate::token::{ScopeRequirement, Token};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::fmt;
use std::marker::PhantomData;
use std::time::SystemTime;
use subtle::ConstantTimeEq;
use url::Url;

/// Whether Zoho also hands out a refresh token (`access_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AccessType {
    /// An access token only (Zoho's default).
    #[default]
    Online,
    /// A refresh token as well, the first time the user consents (or every time with
    /// [`AuthorizeOptions::prompt_consent`]).
    Offline,
}

impl AccessType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AccessType::Online => "online",
            AccessType::Offline => "offline",
        }
    }
}

/// How to ask for authorization: access type, `prompt=consent`, PKCE, redirect URI.
///
/// ```
/// use zoho_oauth_core::oauth::{AccessType, AuthorizeOptions};
/// let options = AuthorizeOptions::new().offline().prompt_consent().pkce();
/// assert_eq!(options.access(), AccessType::Offline);
/// ```
#[derive(Debug, Clone, Default)]
pub struct AuthorizeOptions {
    access_type: AccessType,
    prompt_consent: bool,
    pkce: bool,
    redirect_uri: Option<Url>,
    user: Option<String>,
}

impl AuthorizeOptions {
    /// Online access, no `prompt`, no PKCE, the client's redirect URI.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the access type.
    pub fn access_type(mut self, access_type: AccessType) -> Self {
        self.access_type = access_type;
        self
    }

    /// Asks for a refresh token too (`access_type=offline`).
    pub fn offline(self) -> Self {
        self.access_type(AccessType::Offline)
    }

    /// Shows the consent screen every time (`prompt=consent`). With offline access this mints a
    /// new refresh token each time; Zoho keeps at most 20 per user, so use it sparingly.
    pub fn prompt_consent(mut self) -> Self {
        self.prompt_consent = true;
        self
    }

    /// Uses PKCE with S256 (`code_challenge`; the verifier is sent when completing).
    pub fn pkce(mut self) -> Self {
        self.pkce = true;
        self
    }

    /// Uses this redirect URI instead of the client's (it must be registered for the client).
    pub fn redirect_uri(mut self, uri: Url) -> Self {
        self.redirect_uri = Some(uri);
        self
    }

    /// Who is signing in, when the application already knows it (e.g. the account of its own
    /// signed-in session that re-authorizes): the code guard then counts codes per client and
    /// user, as Zoho does (4 per minute), instead of per client. Never pass a value a visitor
    /// types: with a fresh name per request, one visitor could take any number of codes. It is
    /// not sent to Zoho.
    pub fn for_user(mut self, user: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self
    }

    /// The user codes are counted for, if set ([`for_user`](Self::for_user)).
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// The access type.
    pub fn access(&self) -> AccessType {
        self.access_type
    }

    /// Whether `prompt=consent` is sent.
    pub fn wants_consent(&self) -> bool {
        self.prompt_consent
    }

    /// Whether PKCE is used.
    pub fn wants_pkce(&self) -> bool {
        self.pkce
    }
}

/// What to keep between [`OAuthClient::authorize_url`] and [`OAuthClient::complete`]: the
/// `state` sent, the PKCE verifier and the redirect URI. Single use; its `Debug` hides the
/// state and the verifier.
///
/// When the callback may reach another process than the one that sent the user to Zoho (several
/// instances behind a load balancer, a restart in between), keep it in a server-side session: it
/// implements `Serialize` and `Deserialize` (a small versioned JSON-friendly record).
/// **The serialised form holds the `state` and the PKCE verifier in clear**: keep it server-side
/// (or in an encrypted, `HttpOnly` cookie), never in a URL or a log. Deserialising checks that it
/// was made for the same scope set `S`.
///
/// ```
/// use zoho_oauth_core::oauth::{AuthorizeOptions, OAuthClient, PendingAuthorization};
/// use zoho_oauth_core::{ClientSecret, scope_set};
/// scope_set! { #[zoho(crate = ::zoho_oauth_core)] struct Reader = ["ZohoProjects.portals.READ"]; }
/// scope_set! { #[zoho(crate = ::zoho_oauth_core)] struct Writer = ["ZohoProjects.tasks.ALL"]; }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let oauth = OAuthClient::builder("1000.ID", ClientSecret::new("secret"))
///     .redirect_uri("https://app.example.com/callback".parse()?)
///     .build()?;
/// let (_url, pending) = oauth.authorize_url::<Reader>(&AuthorizeOptions::new().pkce()).await?;
/// let session = serde_json::to_string(&pending)?; // into the session store
///
/// // Later, maybe in another process:
/// let back: PendingAuthorization<Reader> = serde_json::from_str(&session)?;
/// assert_eq!(back.state(), pending.state());
/// // A record made for another scope set is refused.
/// assert!(serde_json::from_str::<PendingAuthorization<Writer>>(&session).is_err());
/// # Ok(())
/// # }
/// ```
pub struct PendingAuthorization<S> {
    state: SecretString,
    verifier: Option<SecretString>,
    redirect_uri: Url,
    created_at: SystemTime,
    _scopes: PhantomData<fn() -> S>,
}

impl<S> fmt::Debug for PendingAuthorization<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingAuthorization")
            .field("set", &std::any::type_name::<S>())
            .field("state", &format_args!("[redacted]"))
            .field("pkce", &self.verifier.is_some())
            .field("redirect_uri", &self.redirect_uri.as_str())
            .field("created_at", &self.created_at)
            .finish()
    }
}

impl<S> PendingAuthorization<S> {
    /// The `state` sent to Zoho: a key to find this value again when the callback arrives
    /// (e.g. in a map of pending sign-ins). Treat it as a secret until it is used.
    pub fn state(&self) -> &str {
        self.state.expose_secret()
    }

    /// The redirect URI the code will be sent to.
    pub fn redirect_uri(&self) -> &Url {
        &self.redirect_uri
    }

    /// Whether PKCE is used.
    pub fn uses_pkce(&self) -> bool {
        self.verifier.is_some()
    }

    /// When the authorization URL was made (codes are valid for 2 minutes after the user
    /// consents; the client completes it for [`PENDING_LIFETIME`] by default).
    pub fn created_at(&self) -> SystemTime {
        self.created_at
    }

    /// Refuses a pending sign-in made more than `lifetime` before `now` (or more than a minute
    /// after it: a record from the future is forged or from a badly set clock).
    fn check_fresh(&self, now: SystemTime, lifetime: std::time::Duration) -> Result<(), OAuthError> {
        let fresh = match now.duration_since(self.created_at) {
            Ok(age) => age <= lifetime,
            Err(ahead) => ahead.duration() <= PENDING_CLOCK_SKEW,
        };
        if fresh {
            return Ok(());
        }
        tracing::warn!("an expired pending sign-in was refused");
        Err(OAuthError::AuthorizationExpired { lifetime })
    }
}

/// How long a [`PendingAuthorization`] can be completed by default: 10 minutes.
///
/// Zoho's authorization codes live 2 minutes after the user consents (<https://help.zoho.com/portal/en/kb/projects/faqs/oauth-2-0>), and the
/// callback arrives right after consent; the rest is the time a person needs on Zoho's sign-in
/// and consent pages (password, a second factor), for which 8 minutes is generous. Past that, a
/// pending sign-in can no longer meet a fresh code of its own user, only a `state` that leaked
/// (a log, a stolen session) and an attacker's code: so it is refused.
pub const PENDING_LIFETIME: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// How far in the future a pending sign-in's creation time may lie (clocks of a fleet differ).
const PENDING_CLOCK_SKEW: std::time::Duration = std::time::Duration::from_secs(60);

/// The serialised form of [`PendingAuthorization`] (format version 1).
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PendingRecord<'a> {
    version: u32,
    /// The scope set's OAuth string, checked when read back.
    scopes: std::borrow::Cow<'a, str>,
    state: std::borrow::Cow<'a, str>,
    verifier: Option<std::borrow::Cow<'a, str>>,
    redirect_uri: std::borrow::Cow<'a, str>,
    created_at_ms: u64,
}

const PENDING_VERSION: u32 = 1;

impl<S: ScopeSet> serde::Serialize for PendingAuthorization<S> {
    fn serialize<Z: serde::Serializer>(&self, serializer: Z) -> Result<Z::Ok, Z::Error> {
        PendingRecord {
            version: PENDING_VERSION,
            scopes: S::OAUTH.join(",").into(),
            state: self.state.expose_secret().into(),
            verifier: self.verifier.as_ref().map(|v| v.expose_secret().into()),
            redirect_uri: self.redirect_uri.as_str().into(),
            created_at_ms: self
                .created_at
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        }
        .serialize(serializer)
    }
}

impl<'de, S: ScopeSet> serde::Deserialize<'de> for PendingAuthorization<S> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let r = PendingRecord::deserialize(deserializer)?;
        if r.version != PENDING_VERSION {
            return Err(D::Error::custom(format_args!(
                "pending sign-in of format version {} (this library reads {PENDING_VERSION}): start the sign-in again",
                r.version
            )));
        }
        let expected = S::OAUTH.join(",");
        if r.scopes != expected {
            return Err(D::Error::custom(format_args!(
                "pending sign-in was started for the scopes `{}`, not `{expected}`",
                r.scopes
            )));
        }
        // What `random_token` and PKCE (RFC 7636 §4.1: 43–128 characters) produce.
        let well_formed = |v: &str, min: usize| {
            (min..=128).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        };
        if !well_formed(&r.state, 16) || r.verifier.as_deref().is_some_and(|v| !well_formed(v, 43)) {
            return Err(D::Error::custom("pending sign-in with a malformed state or PKCE verifier"));
        }
        let redirect_uri =
            Url::parse(&r.redirect_uri).map_err(|e| D::Error::custom(format_args!("redirect URI: {e}")))?;
        Ok(PendingAuthorization {
            state: SecretString::from(r.state.into_owned()),
            verifier: r.verifier.map(|v| SecretString::from(v.into_owned())),
            redirect_uri,
            created_at: SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(r.created_at_ms),
            _scopes: PhantomData,
        })
    }
}

impl fmt::Debug for CallbackGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackGrant")
            .field("code", &format_args!("[redacted]"))
            .field("accounts", &self.accounts.as_str())
            .field("location", &self.location)
            .finish()
    }
}

/// 32 random bytes from the operating system's CSPRNG-seeded generator, base64url.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What a callback carries. Its `Debug` hides the code and the state.
#[derive(Default)]
pub(crate) struct Callback {
    pub(crate) code: Option<String>,
    pub(crate) state: Option<String>,
    pub(crate) location: Option<String>,
    pub(crate) accounts_server: Option<String>,
    pub(crate) error: Option<String>,
    pub(crate) error_description: Option<String>,
}

impl Callback {
    /// Reads a full callback URL, a path with a query, or just the query (with or without `?`).
    pub(crate) fn parse(callback: &str) -> Callback {
        let callback = callback.trim();
        let query = match Url::parse(callback) {
            Ok(url) => url.query().unwrap_or("").to_owned(),
            Err(_) => match callback.split_once('?') {
                Some((_, q)) => q.to_owned(),
                None => callback.to_owned(),
            },
        };
        let query = query.split('#').next().unwrap_or("");
        let mut out = Callback::default();
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match k.as_ref() {
                "code" => &mut out.code,
                "state" => &mut out.state,
                "location" => &mut out.location,
                "accounts-server" | "accounts_server" => &mut out.accounts_server,
                "error" => &mut out.error,
                "error_description" => &mut out.error_description,
                _ => continue,
            };
            if slot.is_none() && !v.is_empty() {
                *slot = Some(v.into_owned());
            }
        }
        out
    }
}

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callback")
            .field("code", &self.code.as_ref().map(|_| "[redacted]"))
            .field("state", &self.state.as_ref().map(|_| "[redacted]"))
            .field("location", &self.location)
            .field("accounts_server", &self.accounts_server)
            .field("error", &self.error)
            .field("error_description", &self.error_description)
            .finish()
    }
}

/// What a checked callback says: the code, and where to exchange it. Its `Debug` hides the code.
pub(crate) struct CallbackGrant {
    pub(crate) code: SecretString,
    pub(crate) accounts: Url,
    pub(crate) location: Option<String>,
}

impl OAuthClient {
    /// Builds the URL to send the user's browser to, asking for exactly `S::OAUTH`, with a fresh
    /// random `state` (and a PKCE challenge when asked). Keep the returned
    /// [`PendingAuthorization`] and pass it to [`complete`](Self::complete) with the callback.
    ///
    /// Errors: [`OAuthError::CodeRateLimited`] (with the time to wait) when the allowed
    /// authorization URLs for this client and user ([`AuthorizeOptions::for_user`]; for this
    /// client when no user is given) were handed out this minute: Zoho allows 4 codes per minute
    /// per client and user, then blocks for 10 minutes. The count is the client's own, or the
    /// fleet's with [`OAuthClientBuilder::code_ledger`](super::OAuthClientBuilder::code_ledger)
    /// ([`OAuthError::CodeGuardUnavailable`] when that ledger cannot answer).
    /// [`OAuthError::Config`] without a redirect URI.
    pub async fn authorize_url<S: ScopeSet>(
        &self,
        options: &AuthorizeOptions,
    ) -> Result<(Url, PendingAuthorization<S>), OAuthError> {
        self.authorize_url_for(&S::OAUTH.join(","), options).await
    }

    /// [`authorize_url`](Self::authorize_url) asking for `scope` (comma-separated).
    pub(crate) async fn authorize_url_for<S>(
        &self,
        scope: &str,
        options: &AuthorizeOptions,
    ) -> Result<(Url, PendingAuthorization<S>), OAuthError> {
        let redirect_uri = options.redirect_uri.clone().or_else(|| self.inner.redirect_uri.clone()).ok_or_else(|| {
            OAuthError::Config(
                "the web flow needs a redirect URI: set OAuthClientBuilder::redirect_uri or AuthorizeOptions::redirect_uri"
                    .to_owned(),
            )
        })?;
        super::check_redirect_uri(&redirect_uri)?;
        if scope.is_empty() {
            return Err(OAuthError::Config("the scope set is empty: Zoho needs at least one scope".to_owned()));
        }
        let now = self.inner.clock.now();
        self.inner.guard.acquire(&self.inner.client_id, options.user.as_deref(), now).await?;
        let state = SecretString::from(random_token());
        let verifier = options.pkce.then(|| SecretString::from(random_token()));
        let mut url = Self::endpoint(&self.inner.accounts, "oauth/v2/auth")?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", &self.inner.client_id)
                .append_pair("scope", scope)
                .append_pair("redirect_uri", redirect_uri.as_str())
                .append_pair("access_type", options.access_type.as_str())
                .append_pair("state", state.expose_secret());
            if options.prompt_consent {
                q.append_pair("prompt", "consent");
            }
            if let Some(v) = &verifier {
                let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(v.expose_secret().as_bytes()));
                q.append_pair("code_challenge", &challenge).append_pair("code_challenge_method", "S256");
            }
        }
        tracing::debug!(
            scopes = %scope,
            access_type = options.access_type.as_str(),
            pkce = verifier.is_some(),
            "authorization URL made"
        );
        let pending = PendingAuthorization { state, verifier, redirect_uri, created_at: now, _scopes: PhantomData };
        Ok((url, pending))
    }

    /// Completes the web flow with the callback (the full URL Zoho redirected to, or its query).
    ///
    /// Refuses a `pending` made longer ago than the client's pending lifetime
    /// ([`OAuthError::AuthorizationExpired`], 10 minutes by default, see [`PENDING_LIFETIME`]);
    /// checks `state` in constant time ([`OAuthError::StateMismatch`] if it is missing or
    /// different; an error redirect without `state` is reported as its error), reports the
    /// user's refusal ([`OAuthError::ConsentDenied`]), then exchanges
    /// the code at the accounts server the callback names (the user's data centre; only servers
    /// this client knows are followed) and returns a token checked against `S`.
    pub async fn complete<S: ScopeSet>(
        &self,
        pending: PendingAuthorization<S>,
        callback: &str,
    ) -> Result<Token<S>, OAuthError> {
        self.complete_requested(pending, callback, &super::requested_scopes::<S>()).await
    }

    /// [`complete`](Self::complete) for a sign-in that asked for `requested`.
    pub(crate) async fn complete_requested<S: ScopeRequirement>(
        &self,
        pending: PendingAuthorization<S>,
        callback: &str,
        requested: &DynamicScopes,
    ) -> Result<Token<S>, OAuthError> {
        pending.check_fresh(self.inner.clock.now(), self.inner.pending_lifetime)?;
        let CallbackGrant { code, accounts, location } = self.read_callback(pending.state.expose_secret(), callback)?;
        let mut form = vec![
            ("client_id", self.inner.client_id.as_str()),
            ("client_secret", self.inner.secret.expose_secret()),
            ("grant_type", "authorization_code"),
            ("code", code.expose_secret()),
            ("redirect_uri", pending.redirect_uri.as_str()),
        ];
        if let Some(v) = &pending.verifier {
            form.push(("code_verifier", v.expose_secret()));
        }
        let raw = self.token_request(&accounts, &form, Grant::AuthorizationCode).await?;
        self.mint_requested::<S>(raw, requested, &accounts, location)
    }

    /// Reads and checks a callback before any request is made: `state` (constant time), the
    /// user's refusal, the `code`, and the accounts server to exchange it at (only servers this
    /// client knows are followed).
    pub(crate) fn read_callback(&self, expected_state: &str, callback: &str) -> Result<CallbackGrant, OAuthError> {
        let cb = Callback::parse(callback);
        let matches =
            cb.state.as_deref().is_some_and(|got| bool::from(got.as_bytes().ct_eq(expected_state.as_bytes())));
        // An error redirect without any `state` (Zoho's error redirects are not documented) is
        // reported as what it says: it cannot lead to a token exchange, so it is harmless.
        let stateless_error = cb.state.is_none() && cb.error.is_some() && cb.code.is_none();
        if !matches && !stateless_error {
            tracing::warn!("authorization callback with a missing or wrong state refused");
            return Err(OAuthError::StateMismatch);
        }
        if let Some(error) = cb.error {
            let description = cb.error_description.map(|d| redact_snippet(&d, 300));
            return Err(if error.eq_ignore_ascii_case("access_denied") {
                OAuthError::ConsentDenied { description }
            } else {
                map_error(Grant::AuthorizationCode, &error, description)
            });
        }
        let code = cb
            .code
            .map(SecretString::from)
            .ok_or_else(|| OAuthError::InvalidCallback("the callback carries no `code`".to_owned()))?;
        let accounts = match (&cb.accounts_server, &cb.location) {
            (Some(server), _) => {
                let url = Url::parse(server).map_err(|_| {
                    OAuthError::InvalidCallback("the callback's `accounts-server` is not a URL".to_owned())
                })?;
                self.trusted_accounts(&url).cloned().ok_or_else(|| {
                    OAuthError::InvalidCallback(format!(
                        "the callback names an accounts server this client does not know ({}); \
                         configure it with OAuthClientBuilder::location_accounts_url",
                        redact_snippet(url.origin().ascii_serialization().as_str(), 100)
                    ))
                })?
            }
            (None, Some(location)) => {
                self.accounts_for_location(location).cloned().unwrap_or_else(|| self.inner.accounts.clone())
            }
            (None, None) => self.inner.accounts.clone(),
        };
        let location = cb.location.map(|l| l.to_ascii_lowercase());
        Ok(CallbackGrant { code, accounts, location })
    }

    /// Exchanges a code made with "Generate Code" in the API console (self client) at the start
    /// accounts server; no redirect URI. The code must have been generated for the scopes of
    /// `S` (Zoho does not report them; a mismatch shows as `INVALID_OAUTHSCOPE` on calls).
    ///
    /// Errors: [`OAuthError::InvalidCode`] when the code expired, was used, or belongs to
    /// another data centre (build the client with that [`Region`](crate::Region)).
    pub async fn exchange_self_client_code<S: ScopeSet>(&self, code: &str) -> Result<Token<S>, OAuthError> {
        let form = [
            ("client_id", self.inner.client_id.as_str()),
            ("client_secret", self.inner.secret.expose_secret()),
            ("grant_type", "authorization_code"),
            ("code", code.trim()),
        ];
        let accounts = self.inner.accounts.clone();
        let raw = self.token_request(&accounts, &form, Grant::AuthorizationCode).await?;
        self.mint::<S>(raw, &accounts, None)
    }

    /// The client-credentials grant (self clients only): an access token for the client's
    /// owner, no refresh token. `soid` (`{service}.{org id}`) is needed by services with several
    /// organisations; without it they answer `missing_org_info` ([`OAuthError::Zoho`]). Zoho
    /// Projects is one (a user may belong to several portals): pass
    /// `Some("ZohoProjects.<portal id>")`, as the sandbox requires. The Projects form of the
    /// `soid` is not documented by Zoho; that one is the sandbox's guess.
    pub async fn client_credentials<S: ScopeSet>(&self, soid: Option<&str>) -> Result<Token<S>, OAuthError> {
        let scope = S::OAUTH.join(",");
        let mut form = vec![
            ("client_id", self.inner.client_id.as_str()),
            ("client_secret", self.inner.secret.expose_secret()),
            ("grant_type", "client_credentials"),
            ("scope", scope.as_str()),
        ];
        if let Some(soid) = soid {
            form.push(("soid", soid));
        }
        let accounts = self.inner.accounts.clone();
        let mut raw = self.token_request(&accounts, &form, Grant::ClientCredentials).await?;
        // Client credentials never carry a refresh token, whatever the answer says.
        raw.refresh_token = None;
        self.mint::<S>(raw, &accounts, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callbacks_parse_in_every_form() {
        let full = Callback::parse(
            "http://localhost:8080/callback?code=1000.a.b&state=xyz&location=eu&accounts-server=https%3A%2F%2Faccounts.zoho.eu",
        );
        assert_eq!(full.code.as_deref(), Some("1000.a.b"));
        assert_eq!(full.state.as_deref(), Some("xyz"));
        assert_eq!(full.location.as_deref(), Some("eu"));
        assert_eq!(full.accounts_server.as_deref(), Some("https://accounts.zoho.eu"));
        let q = Callback::parse("?error=access_denied&state=s");
        assert_eq!(q.error.as_deref(), Some("access_denied"));
        let bare = Callback::parse("code=c&state=s");
        assert_eq!(bare.code.as_deref(), Some("c"));
        let path = Callback::parse("/callback?code=c&state=s#frag");
        assert_eq!(path.state.as_deref(), Some("s"));
        let junk = Callback::parse("\u{0}%%%&&==");
        assert!(junk.code.is_none() && junk.state.is_none());
    }

    #[test]
    fn random_tokens_are_long_and_distinct() {
        let a = random_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_token());
    }
}
