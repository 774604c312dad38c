//! Typed errors: [`Error`] for a call, [`OAuthError`] for Zoho Accounts, [`ApiError`] for what
//! the Projects API answered. Messages say what happened and what to do; none contains a secret.
//!
//! An error's message never repeats its cause: the cause is its [`source`](std::error::Error::source),
//! so that `anyhow`'s `{:#}` (or any walk of the chain) prints each cause once.

use crate::endpoint::{BodyError, HeaderError, PathError};
use crate::scope::MissingScope;
use crate::token::ScopeMismatch;
use serde::Deserialize;
use std::fmt;
use std::time::Duration;

/// A cause attached to an error: what a custom token store, token source or configuration step
/// saw go wrong, kept as an error (reachable with [`source`](std::error::Error::source) and
/// `downcast_ref`), not as text.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A URL that would send secrets across the network in clear: plain `http` to a host that is
/// not this machine, or a scheme that is not `http(s)` at all. Refused when the client that
/// would call it is built ([`Error::InsecureUrl`], [`OAuthError::InsecureUrl`]), before anything
/// is sent. Plain `http` is accepted only on a loopback host, `127.0.0.0/8`, `::1` or
/// `localhost`, where a local test server such as `zoho-sandbox` listens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{what} must be an https URL, not {origin}: it would send {carries} across the network in clear \
     (plain http is accepted only on a loopback host: 127.0.0.0/8, ::1 or localhost)"
)]
pub struct InsecureUrl {
    what: String,
    carries: &'static str,
    origin: String,
}

impl InsecureUrl {
    /// Checks that `url` is `https`, or `http` on a loopback host, as the clients do when they
    /// are built: for a program that sends a secret to a URL of its own configuration itself.
    /// `what` names the setting in the message (`"the API URL (--api-url)"`), `carries` what
    /// would be sent there (`"the access token"`).
    ///
    /// ```
    /// use zoho_oauth_core::InsecureUrl;
    /// let check = |u: &str| InsecureUrl::check(&u.parse().unwrap(), "the API URL", "the access token");
    /// assert!(check("https://projectsapi.zoho.eu/").is_ok());
    /// assert!(check("http://127.0.0.1:8890/").is_ok());
    /// let refused = check("HTTP://Example.com/api").unwrap_err();
    /// assert_eq!(refused.origin(), "http://example.com");
    /// ```
    pub fn check(url: &url::Url, what: &str, carries: &'static str) -> Result<(), InsecureUrl> {
        Self::check_lazily(url, || what.to_owned(), carries)
    }

    /// [`check`](InsecureUrl::check), the setting's name made only for the error.
    pub(crate) fn check_lazily(
        url: &url::Url,
        what: impl FnOnce() -> String,
        carries: &'static str,
    ) -> Result<(), InsecureUrl> {
        match url.scheme() {
            "https" => Ok(()),
            "http" if is_loopback(url) => Ok(()),
            scheme => {
                // Scheme, host and port only: no user, password, path or query.
                let origin = match (url.host_str(), url.port()) {
                    (Some(host), Some(port)) => format!("{scheme}://{host}:{port}"),
                    (Some(host), None) => format!("{scheme}://{host}"),
                    (None, _) => format!("{scheme}:"),
                };
                Err(InsecureUrl { what: what(), carries, origin: origin.chars().take(120).collect() })
            }
        }
    }

    /// The setting that was refused, e.g. `the accounts server`.
    pub fn what(&self) -> &str {
        &self.what
    }

    /// The refused URL's scheme, host and port (e.g. `http://example.com`), nothing else.
    pub fn origin(&self) -> &str {
        &self.origin
    }
}

/// Whether `url`'s host is this machine: `127.0.0.0/8`, `::1` or `localhost` (written so; no
/// name is resolved).
pub(crate) fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Everything that can go wrong with a call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Getting or refreshing the token failed.
    #[error(transparent)]
    OAuth(#[from] OAuthError),
    /// The network or the HTTP layer failed (connect, timeout, reset, TLS).
    #[error("transport error talking to Zoho")]
    Transport(#[source] reqwest::Error),
    /// Zoho answered with an error.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// Zoho answered 2xx, but not with the expected shape.
    #[error("could not decode Zoho's HTTP {status} answer to {endpoint} at `{path}`; the body starts with {snippet:?}")]
    Decode {
        /// The HTTP status.
        status: u16,
        /// The path template of the call.
        endpoint: &'static str,
        /// Where in the JSON decoding failed, e.g. `tasks[3].owner.zpuid` (`.` for the top).
        path: String,
        /// The first characters of the body, anything token-like redacted.
        snippet: String,
        /// What serde said, redacted.
        #[source]
        source: DecodeCause,
    },
    /// Zoho's 2xx answer is longer than the client reads whole
    /// ([`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes), 16 MiB
    /// by default): refused on its `Content-Length`, or once the bytes read passed the limit; the
    /// rest was not read. Raise the limit, or read the body as a [`Download`](crate::Download).
    #[error(
        "Zoho's answer to {endpoint} is longer than the limit of {limit} bytes{}; it was not read further \
         (raise ClientBuilder::max_response_bytes, or read it as a Download)",
        declared.map(|n| format!(" (Content-Length: {n})")).unwrap_or_default()
    )]
    ResponseTooLarge {
        /// The path template of the call.
        endpoint: &'static str,
        /// The limit, in bytes.
        limit: u64,
        /// The answer's `Content-Length`, when the server sent one.
        declared: Option<u64>,
    },
    /// Zoho answered a call with a redirect (3xx). Zoho's APIs never redirect a call, so the
    /// redirect was not followed: it would have taken the request's body (and, on the same
    /// origin, the token) to a place the endpoint never named. A wrong base URL or a proxy in
    /// between is the likely cause. (An HTTP client handed in with
    /// [`ClientBuilder::http_client`](crate::ClientBuilder::http_client) follows its own policy.)
    #[error(
        "Zoho answered HTTP {status}, a redirect{}; it was not followed: Zoho's APIs never redirect a call, so \
         check the API base URL and any proxy in between",
        target.as_deref().map(|t| format!(" to {t}")).unwrap_or_default()
    )]
    Redirected {
        /// The HTTP status (301, 302, 303, 307, 308…).
        status: u16,
        /// The origin (scheme, host, port) its `Location` pointed to, when it had one.
        target: Option<String>,
    },
    /// The request body could not be encoded.
    #[error(transparent)]
    Body(#[from] BodyError),
    /// A path value would have left the call's resource (`.`, `..`, empty): nothing was sent.
    #[error(transparent)]
    Path(#[from] PathError),
    /// A request header the endpoint asked for cannot be sent: nothing was sent.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// A [`Dynamic`](crate::Dynamic) token lacks the call's scope (checked before sending).
    #[error(transparent)]
    MissingScope(#[from] MissingScope),
    /// A token does not carry its scope set.
    #[error(transparent)]
    ScopeMismatch(#[from] ScopeMismatch),
    /// Zoho refused the access token again although a new one was just fetched for the call (or
    /// refused the token that was itself fetched after a refusal): a new token does not help,
    /// so none is asked for. `cause` names what is likely wrong.
    #[error("Zoho refused the access token again after a refresh (HTTP {status}): {cause}")]
    TokenRefused {
        /// The HTTP status (401).
        status: u16,
        /// What is likely wrong.
        cause: RefusalCause,
        /// Zoho's answer.
        #[source]
        api: Box<ApiError>,
    },
    /// The client-side rate limiter would exceed Zoho's limit; wait this long.
    #[error("rate limit: waiting would exceed the configured bound; retry in {retry_after:?}")]
    RateLimited {
        /// How long until a call is allowed.
        retry_after: Duration,
    },
    /// Zoho refused a call of this user with 429 and locks them out (30 minutes unless its
    /// `Retry-After` said otherwise): no call is sent before `until`, so as not to extend the
    /// lockout. Every client of the user in the process (and, with a shared window, the fleet)
    /// gets this error until then.
    #[error("Zoho locked this user out after HTTP 429; calls resume in {retry_after:?} (at {})", httpdate::fmt_http_date(*until))]
    LockedOut {
        /// When calls resume (wall clock).
        until: std::time::SystemTime,
        /// How long that is from now.
        retry_after: Duration,
    },
    /// The token store failed (I/O, a corrupt file, Redis unreachable, a lock timeout).
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// No token is stored for this user yet: nothing was sent. Sign the user in first.
    #[error(
        "not signed in: no token is stored for {key}; sign the user in first (an OAuth flow, then \
         TokenManager::login)"
    )]
    NotLoggedIn {
        /// The store key (client and user; no secret).
        key: String,
    },
    /// The stored token has expired and has no refresh token (it was granted for online access):
    /// nothing was sent. Sign the user in again, asking for offline access.
    #[error(
        "the token stored for {key} has expired and has no refresh token; sign the user in again with \
         offline access (AuthorizeOptions::offline)"
    )]
    NoRefreshToken {
        /// The store key (client and user; no secret).
        key: String,
    },
    /// Bad configuration (an unparsable URL, an invalid scope string…); build it with
    /// [`Error::config`] or [`Error::config_caused_by`].
    #[error("configuration error: {message}")]
    Config {
        /// What is wrong, in a sentence.
        message: String,
        /// What reported it, if anything did.
        #[source]
        source: Option<BoxError>,
    },
    /// A base URL set on the [`ClientBuilder`](crate::ClientBuilder) is plain `http` to a host
    /// that is not this machine: every call would send the access token in clear. Refused by
    /// `build`.
    #[error(transparent)]
    InsecureUrl(#[from] InsecureUrl),
    /// Writing a [`Download`](crate::Download) (or reading a file to upload) failed on this
    /// machine.
    #[error("local I/O failed: {0}")]
    Io(#[source] std::io::Error),
    /// A pagination stream stopped because the server's pages made no progress.
    #[error(transparent)]
    Pagination(#[from] crate::paginate::PaginationError),
}

impl Error {
    /// A configuration error with no underlying cause.
    pub fn config(message: impl Into<String>) -> Error {
        Error::Config { message: message.into(), source: None }
    }

    /// A configuration error caused by `source` (e.g. a parse error), which stays reachable
    /// through [`source`](std::error::Error::source).
    pub fn config_caused_by(message: impl Into<String>, source: impl Into<BoxError>) -> Error {
        Error::Config { message: message.into(), source: Some(source.into()) }
    }

    /// Whether the same call may succeed if tried again later (network trouble, 5xx, 429).
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport(_) => true,
            Error::Api(e) => e.is_transient(),
            Error::OAuth(e) => e.is_transient(),
            Error::RateLimited { .. } | Error::LockedOut { .. } => true,
            Error::Store(e) => matches!(
                e,
                crate::store::StoreError::LockTimeout { .. }
                    | crate::store::StoreError::Backend(_)
                    | crate::store::StoreError::Unavailable(_)
                    | crate::store::StoreError::Io { .. }
            ),
            _ => false,
        }
    }
}

/// What serde said about an answer that did not decode ([`Error::Decode`]), with anything
/// token-like redacted from its message: serde quotes the value it could not read, which may be
/// a token.
pub struct DecodeCause {
    message: String,
    inner: serde_json::Error,
}

impl DecodeCause {
    pub(crate) fn new(inner: serde_json::Error) -> DecodeCause {
        DecodeCause { message: redact_snippet(&inner.to_string(), 300), inner }
    }

    /// The line of the body where decoding failed (1-based).
    pub fn line(&self) -> usize {
        self.inner.line()
    }

    /// The column of the body where decoding failed (1-based).
    pub fn column(&self) -> usize {
        self.inner.column()
    }

    /// Whether the body was not JSON, JSON of another shape, or cut off.
    pub fn category(&self) -> serde_json::error::Category {
        self.inner.classify()
    }

    /// serde's own error, unredacted: its message may quote a secret from the body.
    pub fn serde_error(&self) -> &serde_json::Error {
        &self.inner
    }
}

impl fmt::Display for DecodeCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for DecodeCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeCause")
            .field("message", &self.message)
            .field("line", &self.line())
            .field("column", &self.column())
            .finish()
    }
}

impl std::error::Error for DecodeCause {}

/// Why Zoho keeps refusing an access token that a refresh did not fix ([`Error::TokenRefused`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefusalCause {
    /// The client calls one data centre's API, and the token belongs to another: tokens work
    /// only in the data centre that minted them.
    DataCentre {
        /// The client's data centre (`location` code, e.g. `us`).
        client: String,
        /// The token's data centre (its `location`).
        token: String,
    },
    /// Not known from here (the token's data centre is unknown or matches): check the client's
    /// region or API base, the portal, and whether the user still has access.
    Unknown,
}

impl std::fmt::Display for RefusalCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RefusalCause::DataCentre { client, token } => write!(
                f,
                "the client calls the `{client}` data centre but the token belongs to `{token}`; a client follows its token's data centre unless built with `.region(…)`: drop it, or use Region::from_location(\"{token}\")"
            ),
            RefusalCause::Unknown => f.write_str(
                "not an expired token; check the client's data centre (region or API base), the portal and the user's access",
            ),
        }
    }
}

/// Errors of Zoho Accounts (OAuth). Zoho sends most of them with HTTP 200 and `{"error": …}`.
///
/// Cloneable, so that every caller waiting on one failed refresh gets the same error.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum OAuthError {
    /// `invalid_code`.
    #[error(
        "invalid authorization code: it expired (codes live 2 minutes), was already used, or was exchanged at \
         another data centre's accounts server; request a new code"
    )]
    InvalidCode,
    /// `invalid_client`.
    #[error(
        "invalid client: Zoho does not know this client id in this data centre; check the client id and enable \
         the data centre for the client in the API console"
    )]
    InvalidClient,
    /// `invalid_client_secret`.
    #[error("invalid client secret: copy the secret again from the API console (it may differ per data centre)")]
    InvalidClientSecret,
    /// `invalid_redirect_uri` / `redirect_uri_mismatch`.
    #[error("redirect URI mismatch: the redirect URI must equal one registered for the client in the API console")]
    RedirectUriMismatch,
    /// `Access Denied`: Zoho throttles this client; the description is Zoho's.
    #[error("access denied by Zoho (throttled): {description}; wait before asking for tokens again")]
    AccessDenied {
        /// Zoho's `error_description`.
        description: String,
    },
    /// The user holds the maximum of 20 refresh tokens (counted across all of the user's apps).
    #[error("refresh token limit reached (20 per user, across all apps); revoke tokens you no longer use")]
    RefreshTokenLimit,
    /// The refresh token was revoked or never existed.
    #[error("invalid refresh token: it was revoked or does not exist; the user must authorize again")]
    InvalidRefreshToken,
    /// The access token was refused (expired, revoked, or from another data centre).
    #[error("invalid access token: expired, revoked or minted in another data centre")]
    InvalidAccessToken,
    /// The `state` in the callback is not the one this flow sent: a forged or stale redirect.
    #[error("state mismatch: the callback does not belong to this authorization request; start again")]
    StateMismatch,
    /// Zoho granted other scopes than the scope set needs.
    #[error(transparent)]
    ScopeMismatch(#[from] ScopeMismatch),
    /// The user denied consent.
    #[error("the user denied consent{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    ConsentDenied {
        /// Zoho's description, if any.
        description: Option<String>,
    },
    /// The device flow's code expired before the user approved it.
    #[error("the device code expired before the user approved it; start the device flow again")]
    DeviceCodeExpired,
    /// More authorization codes than Zoho allows (4 per minute per client and user); refused
    /// here, before Zoho would block the client for 10 minutes.
    #[error(
        "too many authorization codes: Zoho allows 4 per minute per client and user; nothing was asked of Zoho; \
         retry in {retry_after:?}"
    )]
    CodeRateLimited {
        /// How long to wait.
        retry_after: Duration,
    },
    /// A token (e.g. a record read from a shared token store) names an accounts server this
    /// client does not trust: neither one it was configured with nor one of Zoho's data centres.
    /// Nothing was sent; the refresh token and the client secret never left the process.
    #[error(
        "the token names an accounts server this client does not trust ({origin}); nothing was sent: the token \
         store may have been tampered with, or configure the server with OAuthClientBuilder::location_accounts_url"
    )]
    UntrustedAccountsServer {
        /// The server's origin (scheme, host, port).
        origin: String,
    },
    /// The pending sign-in is older than the client accepts (10 minutes by default: Zoho's codes
    /// live 2 minutes after consent), or dated in the future. Nothing was sent.
    #[error(
        "the pending sign-in was started more than {lifetime:?} ago (or is dated in the future); nothing was \
         sent: start the sign-in again"
    )]
    AuthorizationExpired {
        /// The longest a pending sign-in is accepted.
        lifetime: Duration,
    },
    /// The shared authorization-code ledger (e.g. Redis) could not count the code, so none was
    /// handed out: retry when the ledger is back.
    #[error("the shared authorization-code guard is unavailable ({reason}); no code was handed out: retry shortly")]
    CodeGuardUnavailable {
        /// What the ledger said.
        reason: String,
    },
    /// The callback URL could not be read.
    #[error("invalid callback: {0}")]
    InvalidCallback(String),
    /// The network failed.
    #[error("transport error talking to Zoho Accounts")]
    Transport(#[source] std::sync::Arc<reqwest::Error>),
    /// Zoho Accounts' answer is longer than any answer of its should be
    /// ([`MAX_ACCOUNTS_RESPONSE_BYTES`](crate::response::MAX_ACCOUNTS_RESPONSE_BYTES), 64 KiB):
    /// refused on its `Content-Length`, or once the bytes read passed the limit; the rest was not
    /// read. Something between the client and Zoho (a proxy, a captive portal) answers instead.
    #[error(
        "Zoho Accounts' answer is longer than the limit of {limit} bytes{}; it was not read further: check \
         the accounts server URL and any proxy in between",
        declared.map(|n| format!(" (Content-Length: {n})")).unwrap_or_default()
    )]
    ResponseTooLarge {
        /// The limit, in bytes.
        limit: u64,
        /// The answer's `Content-Length`, when the server sent one.
        declared: Option<u64>,
    },
    /// Zoho answered something this crate does not understand.
    #[error("unexpected answer from Zoho Accounts (HTTP {status}): {snippet:?}")]
    UnexpectedResponse {
        /// The HTTP status.
        status: u16,
        /// The start of the body, with anything token-like redacted.
        snippet: String,
    },
    /// The OAuth client is misconfigured (no redirect URI for the web flow, a bad URL…).
    #[error("OAuth configuration error: {0}")]
    Config(String),
    /// An accounts server set on the [`OAuthClientBuilder`](crate::OAuthClientBuilder) is plain
    /// `http` to a host that is not this machine: the client secret, codes and refresh tokens
    /// would cross the network in clear. Refused by `build`.
    #[error(transparent)]
    InsecureUrl(InsecureUrl),
    /// The loopback listener for a desktop or CLI sign-in could not listen or read the redirect.
    #[error("loopback redirect listener failed; check that 127.0.0.1 is reachable and try again")]
    Loopback(#[source] std::sync::Arc<std::io::Error>),
    /// No browser redirect reached the loopback listener in time.
    #[error("no sign-in redirect arrived within {waited:?}; start the authorization again")]
    LoopbackTimeout {
        /// How long the listener waited.
        waited: Duration,
    },
    /// The [`Refresher`](crate::manager::Refresher) panicked instead of answering. The panic's
    /// message is not kept (it could hold anything, a secret included). The token manager backs
    /// off as after any permanent failure.
    #[error("the token refresher panicked; the refresh is backed off (a bug in the refresher)")]
    RefresherPanicked,
    /// An `error` value this crate has no variant for, kept as Zoho sent it.
    #[error("Zoho Accounts error `{error}`{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Zoho {
        /// Zoho's `error` value.
        error: String,
        /// Zoho's `error_description`, if any.
        description: Option<String>,
    },
}

impl OAuthError {
    /// Whether trying again later may succeed (network, 5xx, throttling); `false` for errors
    /// that need a person (revoked token, wrong secret…).
    pub fn is_transient(&self) -> bool {
        match self {
            OAuthError::Transport(_)
            | OAuthError::AccessDenied { .. }
            | OAuthError::CodeRateLimited { .. }
            | OAuthError::CodeGuardUnavailable { .. } => true,
            OAuthError::UnexpectedResponse { status, .. } => *status >= 500 || *status == 429 || *status == 200,
            _ => false,
        }
    }
}

/// Replaces anything that looks like a Zoho token (`1000.<hex>.<hex>`) in `text`, and cuts it
/// to `max` characters: for error snippets taken from bodies.
pub fn redact_snippet(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max));
    for (i, word) in text.split_inclusive(|c: char| !(c.is_ascii_alphanumeric() || c == '.')).enumerate() {
        if i > 0 && out.len() >= max {
            break;
        }
        let core = word.trim_end_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '.'));
        if core.starts_with("1000.") && core.len() > 12 {
            out.push_str("[redacted]");
            out.push_str(&word[core.len()..]);
        } else {
            out.push_str(word);
        }
    }
    out.chars().take(max).collect()
}

/// [`redact_snippet`], after replacing the user and password of any `scheme://user:password@host`
/// URL in `text`: for messages of other libraries (a store's database driver), which may name
/// a connection URL.
pub(crate) fn redact_secrets(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(4 * max));
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail.find(|c: char| matches!(c, '/' | '?' | '#' | '"' | '\'' | '<' | '>') || c.is_whitespace());
        let authority = &tail[..end.unwrap_or(tail.len())];
        match authority.rfind('@') {
            Some(at) => {
                out.push_str("[redacted]");
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[authority.len()..];
        if out.len() > 4 * max {
            break;
        }
    }
    out.push_str(rest);
    redact_snippet(&out, max)
}

/// Zoho's error body, in either generation's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ZohoError {
    /// V3: `{"error":{"status_code","instance","title","error_type","details":[…]}}`.
    V3 {
        /// The machine code, e.g. `URL_RULE_NOT_CONFIGURED`.
        title: String,
        /// The category, e.g. `FIELDS_VALIDATION_ERROR`.
        error_type: Option<String>,
        /// The request path Zoho reports.
        instance: Option<String>,
        /// Messages, with the field each is about.
        details: Vec<ErrorDetail>,
    },
    /// restapi: `{"error":{"code":6403,"message":"…"}}`.
    Restapi {
        /// Zoho's numeric code.
        code: u32,
        /// Zoho's message.
        message: String,
    },
    /// A body in neither shape (kept, redacted and cut).
    Other(String),
}

/// One entry of a V3 error's `details`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ErrorDetail {
    /// The message.
    #[serde(default)]
    pub message: Option<String>,
    /// The field it is about.
    #[serde(default)]
    pub field_name: Option<String>,
}

#[derive(Deserialize)]
struct Envelope {
    error: Inner,
}

#[derive(Deserialize)]
struct Inner {
    title: Option<String>,
    error_type: Option<String>,
    instance: Option<String>,
    #[serde(default)]
    details: Vec<ErrorDetail>,
    code: Option<serde_json::Value>,
    message: Option<String>,
}

impl ZohoError {
    /// Reads an error body.
    pub fn parse(body: &[u8]) -> ZohoError {
        let fallback = || ZohoError::Other(redact_snippet(&String::from_utf8_lossy(body), 300));
        let Ok(env) = serde_json::from_slice::<Envelope>(body) else { return fallback() };
        let e = env.error;
        if let Some(title) = e.title {
            return ZohoError::V3 { title, error_type: e.error_type, instance: e.instance, details: e.details };
        }
        let code = match &e.code {
            Some(serde_json::Value::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
            Some(serde_json::Value::String(s)) => s.parse().ok(),
            _ => None,
        };
        match code {
            Some(code) => ZohoError::Restapi { code, message: e.message.unwrap_or_default() },
            None => fallback(),
        }
    }
}

/// An error answer of the Projects API.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// What Zoho said.
    pub zoho: ZohoError,
    /// `Retry-After`, when Zoho sent one.
    pub retry_after: Option<Duration>,
}

impl ApiError {
    /// An error answer: `status`, what Zoho said, and its `Retry-After`.
    pub fn new(status: u16, zoho: ZohoError, retry_after: Option<Duration>) -> ApiError {
        ApiError { status, zoho, retry_after }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// What Zoho said.
    pub fn zoho(&self) -> &ZohoError {
        &self.zoho
    }

    /// `Retry-After`, when Zoho sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// The V3 `title` or the restapi code as text.
    pub fn code(&self) -> String {
        match &self.zoho {
            ZohoError::V3 { title, .. } => title.clone(),
            ZohoError::Restapi { code, .. } => code.to_string(),
            ZohoError::Other(_) => String::new(),
        }
    }

    /// Whether the access token was refused (expired, revoked, other data centre).
    pub fn is_invalid_token(&self) -> bool {
        let by_code = match &self.zoho {
            ZohoError::V3 { title, .. } => {
                matches!(
                    title.as_str(),
                    "INVALID_OAUTHTOKEN" | "OAUTHTOKEN_EXPIRED" | "INVALID_TICKET" | "INVALID_TOKEN"
                )
            }
            ZohoError::Restapi { code, .. } => matches!(code, 6401 | 6890),
            ZohoError::Other(_) => false,
        };
        by_code || (self.status == 401 && !self.is_missing_scope())
    }

    /// Whether the token lacks the call's scope.
    pub fn is_missing_scope(&self) -> bool {
        match &self.zoho {
            ZohoError::V3 { title, .. } => title == "INVALID_OAUTHSCOPE",
            ZohoError::Restapi { code, message } => *code == 6403 && message.to_ascii_lowercase().contains("scope"),
            ZohoError::Other(_) => false,
        }
    }

    /// Whether Zoho throttled the caller (429).
    pub fn is_rate_limited(&self) -> bool {
        self.status == 429
    }

    /// Whether trying again later may succeed.
    pub fn is_transient(&self) -> bool {
        self.status == 429 || self.status >= 500
    }

    /// What the error means, in a sentence.
    pub fn meaning(&self) -> &'static str {
        match &self.zoho {
            ZohoError::V3 { title, .. } => match title.as_str() {
                "URL_RULE_NOT_CONFIGURED" => "the path does not exist (check ids and the /portal/ segment)",
                "EXTRA_KEY_FOUND_IN_JSON" => "the body has a field this resource does not know",
                "INVALID_PARAMETER_VALUE" => "a field exists but its value is not accepted",
                "LESS_THAN_MIN_OCCURANCE" => "a required field is missing",
                "JSON_PARSE_ERROR" => "the body is not JSON of the expected shape",
                "INVALID_METHOD" => "this path does not accept this HTTP method",
                "INVALID_OAUTHSCOPE" => "the token lacks the scope this call needs",
                "NO_PERMISSION" => {
                    "the user may not use this portal or project (not a member, or the other API generation's portal id)"
                }
                "INVALID_OAUTHTOKEN" | "OAUTHTOKEN_EXPIRED" | "INVALID_TICKET" => {
                    "the access token is invalid or expired; refresh it"
                }
                _ => self.meaning_by_status(),
            },
            ZohoError::Restapi { code, .. } => match code {
                6401 | 6890 => "the access token is invalid or expired; refresh it",
                6403 => {
                    "not allowed: the token lacks the scope, the user may not use this portal or project, or the \
                     licence forbids the operation"
                }
                6404 | 6504 => "the resource was not found",
                6500 | 6891 => "Zoho failed internally; retry later",
                6831 | 6832 => "a parameter is missing or invalid",
                _ => self.meaning_by_status(),
            },
            ZohoError::Other(_) => self.meaning_by_status(),
        }
    }

    fn meaning_by_status(&self) -> &'static str {
        match self.status {
            400 => "the request was rejected as invalid",
            401 => "the access token is invalid or expired; refresh it",
            402 => "the portal's plan does not allow this",
            403 => "forbidden: the user may not use this portal or project",
            404 => "not found",
            405 => "method not allowed",
            409 => "conflict",
            429 => "too many requests: Zoho allows 100 calls per 2 minutes, then blocks for 30 minutes",
            500..=599 => "Zoho failed; retry later",
            _ => "unexpected error",
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Zoho Projects answered HTTP {}", self.status)?;
        match &self.zoho {
            ZohoError::V3 { title, details, .. } => {
                write!(f, " {title}")?;
                for d in details {
                    match (&d.field_name, &d.message) {
                        (Some(field), Some(m)) => write!(f, "; {field}: {m}")?,
                        (None, Some(m)) => write!(f, "; {m}")?,
                        (Some(field), None) => write!(f, "; field {field}")?,
                        (None, None) => {}
                    }
                }
            }
            ZohoError::Restapi { code, message } => write!(f, " code {code}: {message}")?,
            ZohoError::Other(body) if !body.is_empty() => write!(f, ": {body:?}")?,
            ZohoError::Other(_) => {}
        }
        write!(f, " ({})", self.meaning())
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_generations() {
        let v3 = br#"{"error":{"status_code":"400","instance":"/api/v3/portal/1/x","title":"EXTRA_KEY_FOUND_IN_JSON",
            "error_type":"FIELDS_VALIDATION_ERROR","details":[{"message":"Extra key found in JSON.","field_name":"owner"}]}}"#;
        let e = ApiError { status: 400, zoho: ZohoError::parse(v3), retry_after: None };
        assert_eq!(e.code(), "EXTRA_KEY_FOUND_IN_JSON");
        assert_eq!(
            e.to_string(),
            "Zoho Projects answered HTTP 400 EXTRA_KEY_FOUND_IN_JSON; owner: Extra key found in JSON. (the body has a field this resource does not know)"
        );
        let old = ApiError {
            status: 401,
            zoho: ZohoError::parse(br#"{"error":{"code":6890,"message":"Invalid Ticket"}}"#),
            retry_after: None,
        };
        assert!(old.is_invalid_token());
        assert_eq!(old.code(), "6890");
        let scope = ApiError {
            status: 401,
            zoho: ZohoError::parse(br#"{"error":{"code":"6403","message":"Invalid OAuth scope"}}"#),
            retry_after: None,
        };
        assert!(scope.is_missing_scope() && !scope.is_invalid_token());
        let html = ApiError { status: 502, zoho: ZohoError::parse(b"<html>bad gateway</html>"), retry_after: None };
        assert!(html.is_transient());
        assert!(matches!(html.zoho, ZohoError::Other(ref s) if s.contains("bad gateway")));
    }

    #[test]
    fn snippets_hide_tokens() {
        let s = redact_snippet(r#"{"access_token":"1000.2dea0123456789abcdef.703a0123456789abcdef","x":1}"#, 200);
        assert!(!s.contains("2dea"), "{s}");
        assert!(s.contains("[redacted]"));
        assert_eq!(redact_snippet("abcdef", 3), "abc");
    }

    #[test]
    fn secrets_in_urls_and_tokens_are_redacted() {
        let s = redact_secrets(
            "postgres://app:hunter2@db.internal:5432/tokens: key (t)=(1000.0123456789ab.cdef01234567)",
            300,
        );
        assert_eq!(s, "postgres://[redacted]@db.internal:5432/tokens: key (t)=([redacted])");
        assert_eq!(
            redact_secrets("redis://h:6379/0 and https://x.test/a@b", 300),
            "redis://h:6379/0 and https://x.test/a@b"
        );
        assert_eq!(redact_secrets("a://u:p@h", 3), "a:/");
    }
}
