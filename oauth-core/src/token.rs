//! Tokens: the secret newtypes, [`Token<S>`], [`ScopedToken<S>`] and the [`TokenSource`] trait.
//!
//! A `Token<S>` can only be made by a checked constructor: the OAuth flows (which requested
//! `S::OAUTH`), a stored record whose scopes cover `S::OAUTH`, or [`Token::from_parts`], which
//! checks the granted scopes itself. A mismatch is a typed [`ScopeMismatch`], never a silent
//! downgrade. A [`TokenSource`] hands out [`ScopedToken<S>`]s, whose only public constructor
//! runs the same check, so a source of its own (a vault, a database) cannot claim a scope set
//! its tokens were not granted.

use crate::error::Error;
use crate::scope::{Dynamic, DynamicScopes, ScopeSet};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Writes `[redacted]` for a secret; used by every `Debug` impl that holds one.
fn redacted(f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    write!(f, "{name}([redacted])")
}

/// An access token, cheap to clone (one reference count). Its `Debug` never shows the secret,
/// and the secret's memory is zeroed when the last clone is dropped (`secrecy`).
#[derive(Clone)]
pub struct AccessToken(Arc<AccessInner>);

struct AccessInner {
    secret: SecretString,
    expires_at: SystemTime,
    scopes: DynamicScopes,
}

impl AccessToken {
    /// Wraps a secret with its absolute expiry and granted scopes.
    pub fn new(secret: impl Into<Box<str>>, expires_at: SystemTime, scopes: DynamicScopes) -> Self {
        AccessToken(Arc::new(AccessInner { secret: SecretString::new(secret.into()), expires_at, scopes }))
    }

    /// Wraps a secret that is already in a [`SecretString`] (no copy).
    pub(crate) fn from_secret(secret: SecretString, expires_at: SystemTime, scopes: DynamicScopes) -> Self {
        AccessToken(Arc::new(AccessInner { secret, expires_at, scopes }))
    }

    /// The secret, for the `Authorization` header. Keep it out of logs and URLs.
    pub fn expose_secret(&self) -> &str {
        self.0.secret.expose_secret()
    }

    /// When the token stops working.
    pub fn expires_at(&self) -> SystemTime {
        self.0.expires_at
    }

    /// The scopes the token was granted.
    pub fn scopes(&self) -> &DynamicScopes {
        &self.0.scopes
    }

    /// Whether the token is still valid at `now`, keeping `margin` in reserve.
    pub fn is_fresh(&self, now: SystemTime, margin: Duration) -> bool {
        now + margin < self.0.expires_at
    }

    /// The same token in an allocation of its own, so that cloning it never touches the
    /// reference count of `self` (used for per-thread copies).
    pub(crate) fn detached(&self) -> AccessToken {
        AccessToken::new(self.expose_secret(), self.0.expires_at, self.0.scopes.clone())
    }

    /// Whether two handles hold the same secret (used to invalidate only the token that was
    /// rejected, never a newer one).
    pub fn same_secret(&self, other: &AccessToken) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.expose_secret() == other.expose_secret()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("secret", &format_args!("[redacted]"))
            .field("expires_at", &self.0.expires_at)
            .field("scopes", &format_args!("{}", self.0.scopes))
            .finish()
    }
}

/// A refresh token: long-lived, so it never appears in `Debug` or `Display`, and its memory is
/// zeroed when the last clone is dropped (`secrecy`).
#[derive(Clone)]
pub struct RefreshToken(Arc<SecretString>);

impl RefreshToken {
    /// Wraps a refresh token.
    pub fn new(secret: impl Into<String>) -> Self {
        RefreshToken(Arc::new(SecretString::from(secret.into())))
    }
    /// Wraps a secret that is already in a [`SecretString`] (no copy).
    pub(crate) fn from_secret(secret: SecretString) -> Self {
        RefreshToken(Arc::new(secret))
    }
    /// The secret, for the token request's form body.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl PartialEq for RefreshToken {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        bool::from(self.expose_secret().as_bytes().ct_eq(other.expose_secret().as_bytes()))
    }
}

impl Eq for RefreshToken {}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        redacted(f, "RefreshToken")
    }
}

/// A client secret from the API console; never shown in `Debug` or `Display`, and its memory is
/// zeroed when the last clone is dropped (`secrecy`).
#[derive(Clone)]
pub struct ClientSecret(Arc<SecretString>);

impl ClientSecret {
    /// Wraps a client secret.
    pub fn new(secret: impl Into<String>) -> Self {
        ClientSecret(Arc::new(SecretString::from(secret.into())))
    }
    /// The secret, for a token request's form body.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        redacted(f, "ClientSecret")
    }
}

/// The granted scopes do not cover the scope set a token was asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "scope mismatch: the scope set needs {}, but Zoho granted {}; request the missing scopes when authorizing",
    requested.join(","), if granted.is_empty() { "nothing".to_owned() } else { granted.join(",") }
)]
pub struct ScopeMismatch {
    /// What the scope set requires.
    pub requested: Vec<String>,
    /// What the token carries.
    pub granted: Vec<String>,
}

/// What a scope set requires of a token at run time: its `OAUTH` strings, or nothing for
/// [`Dynamic`]. Implemented for every [`ScopeSet`] and for [`Dynamic`].
pub trait ScopeRequirement: 'static {
    /// Scopes the token must carry.
    fn required() -> &'static [&'static str];
}
impl<S: ScopeSet> ScopeRequirement for S {
    fn required() -> &'static [&'static str] {
        S::OAUTH
    }
}
impl ScopeRequirement for Dynamic {
    fn required() -> &'static [&'static str] {
        &[]
    }
}

/// Checks that `granted` covers every scope `S` requires.
pub fn check_scopes<S: ScopeRequirement>(granted: &DynamicScopes) -> Result<(), ScopeMismatch> {
    if S::required().iter().all(|s| granted.grants(s)) {
        Ok(())
    } else {
        Err(ScopeMismatch {
            requested: S::required().iter().map(|s| (*s).to_owned()).collect(),
            granted: granted.iter().map(ToString::to_string).collect(),
        })
    }
}

/// Everything Zoho tells about a token, before it is checked against a scope set.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TokenParts {
    /// The access token.
    pub access_token: AccessToken,
    /// The refresh token (offline access only).
    pub refresh_token: Option<RefreshToken>,
    /// Zoho's `api_domain` (`https://www.zohoapis.<tld>`); Projects lives elsewhere.
    pub api_domain: Option<String>,
    /// The accounts server that minted the token and must refresh it.
    pub accounts_server: Option<url::Url>,
    /// The user's data centre (`us`, `eu`, `in`, …) when known.
    pub location: Option<String>,
}

impl TokenParts {
    /// Parts with only an access token.
    pub fn new(access_token: AccessToken) -> Self {
        TokenParts { access_token, refresh_token: None, api_domain: None, accounts_server: None, location: None }
    }
}

/// A token guaranteed to carry the scope set `S` (or, for [`Dynamic`], whatever it carries).
pub struct Token<S> {
    parts: TokenParts,
    _scopes: PhantomData<fn() -> S>,
}

impl<S> Clone for Token<S> {
    fn clone(&self) -> Self {
        Token { parts: self.parts.clone(), _scopes: PhantomData }
    }
}

impl<S> fmt::Debug for Token<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("set", &std::any::type_name::<S>())
            .field("access_token", &self.parts.access_token)
            .field("refresh_token", &self.parts.refresh_token)
            .field("api_domain", &self.parts.api_domain)
            .field("accounts_server", &self.parts.accounts_server.as_ref().map(url::Url::as_str))
            .field("location", &self.parts.location)
            .finish()
    }
}

impl<S: ScopeRequirement> Token<S> {
    /// The checked constructor: succeeds only if the access token's granted scopes cover `S`.
    pub fn from_parts(parts: TokenParts) -> Result<Self, ScopeMismatch> {
        check_scopes::<S>(parts.access_token.scopes())?;
        Ok(Token { parts, _scopes: PhantomData })
    }

    /// A token generated by hand, e.g. in Zoho's API console (self client), with the scopes it
    /// was generated for (comma- or space-separated) and its lifetime.
    ///
    /// ```
    /// use std::time::Duration;
    /// zoho_oauth_core::scope_set! {
    ///     #[zoho(crate = ::zoho_oauth_core)]
    ///     struct Reader = ["ZohoProjects.portals.READ"];
    /// }
    /// let token = zoho_oauth_core::Token::<Reader>::from_console(
    ///     "1000.abc.def", "ZohoProjects.portals.ALL", Duration::from_secs(3600))?;
    /// assert!(!format!("{token:?}").contains("1000.abc.def"));
    /// // A token for other scopes is refused, not silently downgraded:
    /// assert!(zoho_oauth_core::Token::<Reader>::from_console(
    ///     "1000.abc.def", "ZohoProjects.tasks.READ", Duration::from_secs(3600)).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_console(access_token: &str, granted: &str, lifetime: Duration) -> Result<Self, Error> {
        let scopes =
            DynamicScopes::parse_list(granted).map_err(|e| Error::config_caused_by("the granted scopes", e))?;
        let token = AccessToken::new(access_token, SystemTime::now() + lifetime, scopes);
        Ok(Self::from_parts(TokenParts::new(token))?)
    }
}

impl<S> Token<S> {
    /// The access token.
    pub fn access_token(&self) -> &AccessToken {
        &self.parts.access_token
    }
    /// The refresh token, if the token was obtained with offline access.
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.parts.refresh_token.as_ref()
    }
    /// All parts.
    pub fn parts(&self) -> &TokenParts {
        &self.parts
    }
    /// Gives the parts back (e.g. to store them).
    pub fn into_parts(self) -> TokenParts {
        self.parts
    }
    /// Forgets the static scope set, keeping the run-time one.
    pub fn into_dynamic(self) -> Token<Dynamic> {
        Token { parts: self.parts, _scopes: PhantomData }
    }
}

impl Token<Dynamic> {
    /// Checks at run time that this token carries the scope set `T`.
    pub fn require<T: ScopeSet>(self) -> Result<Token<T>, ScopeMismatch> {
        Token::<T>::from_parts(self.parts)
    }
}

/// An access token checked to carry the scope set `S`: what a [`TokenSource`] hands out.
///
/// The one public way to make it is [`ScopedToken::check`], which compares the token's granted
/// scopes (as recorded in the [`AccessToken`]) with `S`'s; a [`Token<S>`] and a
/// [`TokenManager<S>`](crate::TokenManager) hand out theirs without checking again, because
/// every token entered them through the same check. A `Client<S>` sends only tokens that came
/// this way. A newtype over [`AccessToken`]: no cost beyond it.
pub struct ScopedToken<S> {
    token: AccessToken,
    _scopes: PhantomData<fn() -> S>,
}

impl<S> Clone for ScopedToken<S> {
    fn clone(&self) -> Self {
        ScopedToken { token: self.token.clone(), _scopes: PhantomData }
    }
}

impl<S> fmt::Debug for ScopedToken<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopedToken").field("set", &std::any::type_name::<S>()).field("token", &self.token).finish()
    }
}

/// Reads as the [`AccessToken`] it wraps.
impl<S> std::ops::Deref for ScopedToken<S> {
    type Target = AccessToken;
    fn deref(&self) -> &AccessToken {
        &self.token
    }
}

impl<S: ScopeRequirement> ScopedToken<S> {
    /// Checks that `token` was granted every scope of `S` (for [`Dynamic`]: any token).
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use zoho_oauth_core::{AccessToken, DynamicScopes, ScopedToken, scope_set};
    /// scope_set! { #[zoho(crate = ::zoho_oauth_core)] struct TaskAdmin = ["ZohoProjects.tasks.ALL"]; }
    ///
    /// let expiry = SystemTime::now() + Duration::from_secs(3600);
    /// let read_only = AccessToken::new("1000.a.b", expiry, DynamicScopes::parse_list("ZohoProjects.tasks.READ")?);
    /// assert!(ScopedToken::<TaskAdmin>::check(read_only).is_err(), "a READ token is not a TaskAdmin token");
    /// let all = AccessToken::new("1000.c.d", expiry, DynamicScopes::parse_list("ZohoProjects.tasks.ALL")?);
    /// assert!(ScopedToken::<TaskAdmin>::check(all).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check(token: AccessToken) -> Result<Self, ScopeMismatch> {
        check_scopes::<S>(token.scopes())?;
        Ok(ScopedToken { token, _scopes: PhantomData })
    }
}

impl<S> ScopedToken<S> {
    /// For a source whose tokens were checked against `S` when they entered it.
    pub(crate) fn vouched(token: AccessToken) -> Self {
        ScopedToken { token, _scopes: PhantomData }
    }

    /// The access token.
    pub fn access_token(&self) -> &AccessToken {
        &self.token
    }

    /// The access token, unwrapped.
    pub fn into_access_token(self) -> AccessToken {
        self.token
    }
}

/// Where a [`Client`](crate::Client) gets its access tokens: a fixed [`Token`], a refreshing
/// [`TokenManager`](crate::TokenManager), or a source of your own. `Scopes` is the set every
/// token it hands out carries, and the type makes that true: a source hands out
/// [`ScopedToken<Self::Scopes>`]s, which only exist once a token's granted scopes were checked.
///
/// # A source of your own (a vault, a database)
///
/// Keep each access token with its expiry and the scopes Zoho granted it (the `scope` of the
/// token answer, or what you asked for in the API console), and hand it out through
/// [`ScopedToken::check`]. A token that lacks a scope of the set is then a typed
/// [`Error::ScopeMismatch`] at the call, before any request leaves.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use zoho_oauth_core::{AccessToken, DynamicScopes, Error, ScopedToken, TokenSource, async_trait, scope_set};
///
/// scope_set! { #[zoho(crate = ::zoho_oauth_core)] pub struct Admin = ["ZohoProjects.tasks.ALL"]; }
///
/// /// Tokens kept in a vault, with the scopes they were granted.
/// struct Vault { secret: String, granted: String, expires_at: SystemTime }
///
/// #[async_trait]
/// impl TokenSource for Vault {
///     type Scopes = Admin;
///
///     async fn access_token(&self) -> Result<ScopedToken<Admin>, Error> {
///         let scopes = DynamicScopes::parse_list(&self.granted).map_err(|e| Error::config_caused_by("the vault's scopes", e))?;
///         let token = AccessToken::new(self.secret.as_str(), self.expires_at, scopes);
///         Ok(ScopedToken::check(token)?) // refused unless the token carries `Admin`
///     }
/// }
/// # let vault = Vault { secret: "1000.a.b".into(), granted: "ZohoProjects.tasks.READ".into(),
/// #                     expires_at: SystemTime::now() + Duration::from_secs(60) };
/// # let rt = tokio::runtime::Builder::new_current_thread().build()?;
/// # assert!(matches!(rt.block_on(vault.access_token()), Err(Error::ScopeMismatch(_))));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[async_trait::async_trait]
pub trait TokenSource: Send + Sync + 'static {
    /// The scope set every token from this source carries.
    type Scopes;

    /// A currently valid access token, checked to carry `Self::Scopes`.
    async fn access_token(&self) -> Result<ScopedToken<Self::Scopes>, Error>;

    /// A valid token if one is at hand without waiting and without I/O, else `None` (the
    /// default). [`Client`](crate::Client) asks this first and awaits
    /// [`TokenSource::access_token`] only on `None`, which saves a boxed future per call.
    fn cached_token(&self) -> Option<ScopedToken<Self::Scopes>> {
        None
    }

    /// Zoho rejected `rejected` as invalid. Drop it if it is still the current token and return
    /// whether a new one may be fetched (the client then retries once). A fixed token returns
    /// `false`.
    async fn invalidate(&self, rejected: &AccessToken) -> bool {
        let _ = rejected;
        false
    }

    /// Zoho answered a call made with `accepted` without refusing the token. A source that
    /// remembers a suspicion about a token (the [`TokenManager`](crate::TokenManager) does, for
    /// a token fetched because its predecessor was refused) drops it here, so that a later
    /// refusal of the same token (it expired, or was revoked) may fetch a new one. Called after
    /// every successful call: keep it cheap. The default does nothing.
    fn accepted(&self, accepted: &AccessToken) {
        let _ = accepted;
    }

    /// The user whose calls these tokens make, so that every [`Client`](crate::Client) of that
    /// user in the process shares one rate limiter ([`RateLimiter::for_user`](crate::RateLimiter::for_user)).
    /// `None` (the default): the client gets a limiter of its own (shared by its clones). A
    /// source that names another user than its own only changes how this process paces calls.
    fn rate_key(&self) -> Option<crate::RateKey> {
        None
    }

    /// The data centre (`location` code, e.g. `eu`) the current token belongs to, when known:
    /// [`Error::TokenRefused`](crate::Error::TokenRefused) names it when it differs from the
    /// client's. The default is `None`.
    fn token_location(&self) -> Option<String> {
        None
    }
}

/// A fixed token never refreshes: the call fails once Zoho rejects it. Its scopes were checked
/// when the `Token` was made.
#[async_trait::async_trait]
impl<S: Send + Sync + 'static> TokenSource for Token<S> {
    type Scopes = S;

    async fn access_token(&self) -> Result<ScopedToken<S>, Error> {
        Ok(ScopedToken::vouched(self.parts.access_token.clone()))
    }

    fn cached_token(&self) -> Option<ScopedToken<S>> {
        Some(ScopedToken::vouched(self.parts.access_token.clone()))
    }

    fn token_location(&self) -> Option<String> {
        self.parts.location.clone()
    }
}
