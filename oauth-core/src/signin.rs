//! [`SignIn`]: resume the token stored for a user, or sign the user in, and get a [`Client<S>`]
//! on the user's data centre.

use crate::client::{Client, ClientBuilder};
use crate::clock::{Clock, Sleeper, TokioSleeper};
use crate::error::{Error, OAuthError};
use crate::manager::{LoginOutcome, ManagerError, TokenManager, TokenManagerBuilder};
use crate::oauth::{AuthorizeOptions, LoopbackServer, OAuthClient};
use crate::scope::DynamicScopes;
use crate::store::{FileStore, StoreKey, TokenStore};
use crate::token::{ScopeRequirement, Token};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// What the user has to do to sign in; [`SignIn`] hands it to its prompt (by default printed
/// on standard error).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Prompt<'a> {
    /// Open this URL in a browser on this machine (the loopback flow); the redirect comes back
    /// to this program.
    OpenUrl(&'a Url),
    /// On any device with a browser, visit `verification_url` and enter `user_code` (the
    /// device flow).
    EnterCode {
        /// Zoho's verification page.
        verification_url: &'a str,
        /// The code to enter.
        user_code: &'a str,
    },
}

impl fmt::Display for Prompt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Prompt::OpenUrl(url) => write!(f, "open this URL in your browser to sign in to Zoho:\n  {url}"),
            Prompt::EnterCode { verification_url, user_code } => {
                write!(f, "to sign in to Zoho, visit {verification_url} and enter the code {user_code}")
            }
        }
    }
}

/// How [`SignIn`] signs a user in when nothing usable is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignInMethod {
    /// Authorization code with PKCE, the redirect received on the OAuth client's loopback
    /// redirect URI (a browser on this machine).
    Loopback,
    /// The device flow: a code entered on any device with a browser.
    Device,
}

type PromptFn = Arc<dyn Fn(Prompt<'_>) + Send + Sync>;
type WithClock<S> = Box<dyn FnOnce(TokenManagerBuilder<S>) -> TokenManagerBuilder<S> + Send>;

/// Resumes the token stored for a user, or signs the user in, and returns a [`Client<S>`] on
/// the user's data centre:
///
/// ```no_run
/// # use zoho_oauth_core::{scope_set, ClientSecret, SignIn, oauth::OAuthClient};
/// # scope_set! { #[zoho(crate = ::zoho_oauth_core)] struct Portals = ["ZohoProjects.portals.READ"]; }
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let oauth = OAuthClient::builder("1000.CLIENT", zoho_oauth_core::ClientSecret::new("secret"))
///     .redirect_uri("http://127.0.0.1:8765/callback".parse()?).build()?;
/// let client = SignIn::<Portals>::new(oauth).client().await?; // resumes, or asks to sign in
/// # Ok(()) }
/// ```
///
/// - **Where.** The token lives in a [`FileStore`] at [`FileStore::default_path`] unless
///   [`store`](SignIn::store) says otherwise, under the [`StoreKey`] of the OAuth client's
///   *start* accounts server ([`OAuthClient::accounts_server`], known before anyone signs in),
///   its client id and [`user`](SignIn::user) (`"default"`). The user's data centre (its
///   accounts server and `location`) is in the stored record, so a later run resumes without
///   knowing it.
/// - **Resume.** A stored token is used (refreshed if it has expired) and nothing is asked of
///   the user. A record that names an accounts server the OAuth client does not trust (planted
///   in a shared store) is refused with [`OAuthError::UntrustedAccountsServer`] before anything
///   is sent: the client secret and refresh token go only to the servers configured on the
///   OAuth client, or Zoho's own. A damaged store is an error too, and is left as it is.
/// - **Sign in.** With nothing stored, an expired token without a refresh token, a revoked
///   refresh token, or a token for fewer scopes than `S`, the user signs in: through the OAuth
///   client's loopback redirect URI if it has one, else with the device flow
///   ([`method`](SignIn::method) chooses), asking for offline access so that later runs
///   resume. The new token is stored once the sign-in has succeeded; a sign-in that fails or is
///   dropped midway writes nothing.
/// - **Data centre.** The client calls the data centre of the user's token (built with
///   [`client_builder`](SignIn::client_builder), default [`Client::builder`]).
///
/// Two programs signing the same user in at once both get a working client: the second to
/// store its token replaces (and revokes) the first's, and the first adopts the stored one
/// when Zoho refuses its own.
///
/// For scopes known only at run time (a command-line tool's `--scopes`), use
/// `SignIn::<Dynamic>` with [`scopes`](SignIn::scopes).
pub struct SignIn<S> {
    oauth: OAuthClient,
    scopes: Option<DynamicScopes>,
    user: String,
    method: Option<SignInMethod>,
    loopback: Option<LoopbackServer>,
    client: ClientBuilder,
    store: Option<Arc<dyn TokenStore>>,
    clock: Option<WithClock<S>>,
    sleeper: Arc<dyn Sleeper>,
    timeout: Duration,
    prompt: PromptFn,
    _scopes: std::marker::PhantomData<fn() -> S>,
}

impl<S> fmt::Debug for SignIn<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignIn")
            .field("oauth", &self.oauth)
            .field("user", &self.user)
            .field("method", &self.method)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl<S: ScopeRequirement + Send + Sync> SignIn<S> {
    /// Signs in (or resumes) with `oauth`'s client credentials, for the scope set `S`.
    pub fn new(oauth: OAuthClient) -> SignIn<S> {
        SignIn {
            oauth,
            scopes: None,
            user: "default".to_owned(),
            method: None,
            loopback: None,
            client: Client::builder(),
            store: None,
            clock: None,
            sleeper: Arc::new(TokioSleeper),
            timeout: Duration::from_secs(300),
            prompt: Arc::new(|prompt| eprintln!("{prompt}")),
            _scopes: std::marker::PhantomData,
        }
    }

    /// Names the user whose token to resume or store (default `"default"`): a program that
    /// keeps tokens of several users in one store gives each its own name. The name only picks
    /// the record: whoever signs in under it is the user whose token is stored.
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.user = user.into();
        self
    }

    /// The scopes a sign-in asks for (default: those of `S`). Needed with
    /// [`Dynamic`](crate::Dynamic), whose scopes are known only at run time; with a scope set,
    /// a sign-in whose token lacks one of `S`'s scopes fails with a scope mismatch.
    pub fn scopes(mut self, scopes: DynamicScopes) -> Self {
        self.scopes = Some(scopes);
        self
    }

    /// How to sign in when needed (default: [`SignInMethod::Loopback`] when the OAuth client
    /// has a redirect URI, else [`SignInMethod::Device`]).
    pub fn method(mut self, method: SignInMethod) -> Self {
        self.method = Some(method);
        self
    }

    /// Signs in through this listener, already bound, instead of binding the port of the OAuth
    /// client's redirect URI when a sign-in starts; its
    /// [`redirect_uri`](LoopbackServer::redirect_uri) is the one sent to Zoho (register that
    /// one). Binding first holds the port from then on: a port learnt from
    /// [`LoopbackServer::bind`] (any free one) cannot be taken by another program before the
    /// sign-in listens on it. Makes [`SignInMethod::Loopback`] the default method; when the stored
    /// token is resumed, the listener is dropped unused and its port released.
    pub fn loopback_server(mut self, server: LoopbackServer) -> Self {
        self.loopback = Some(server);
        self
    }

    /// Where the token lives (default: a [`FileStore`] at [`FileStore::default_path`]).
    pub fn store(mut self, store: impl TokenStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// Where the token manager's "now" comes from (default: the system clock; tests pass a
    /// `zoho-sandbox` virtual clock).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Some(Box::new(move |builder| builder.clock(clock)));
        self
    }

    /// How the device flow waits between polls (default `tokio::time::sleep`; tests pass a
    /// sleeper that moves a virtual clock).
    pub fn sleeper(mut self, sleeper: impl Sleeper) -> Self {
        self.sleeper = Arc::new(sleeper);
        self
    }

    /// The builder of the returned client (default [`Client::builder`], which follows the
    /// token's data centre).
    pub fn client_builder(mut self, builder: ClientBuilder) -> Self {
        self.client = builder;
        self
    }

    /// Tells the user what to do to sign in (default: print it on standard error). A program
    /// may open a browser here.
    pub fn prompt(mut self, prompt: impl Fn(Prompt<'_>) + Send + Sync + 'static) -> Self {
        self.prompt = Arc::new(prompt);
        self
    }

    /// How long the loopback sign-in waits for the browser's redirect (default 5 minutes); the
    /// device flow ends when its code expires.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The store key the token is kept under: the OAuth client's start accounts server, its
    /// client id and the user's name.
    pub fn key(&self) -> StoreKey {
        StoreKey::new(self.oauth.accounts_server().as_str(), self.oauth.client_id(), &self.user)
    }

    /// Resumes or signs in, and returns the token manager that holds the user's token.
    pub async fn token_manager(self) -> Result<TokenManager<S>, Error> {
        Ok(self.signed_in().await?.0)
    }

    /// Resumes or signs in, and returns a client on the user's data centre.
    pub async fn client(self) -> Result<Client<S>, Error> {
        let (manager, builder) = self.signed_in().await?;
        builder.build(manager)
    }

    /// Signs the user in whatever is stored (a command-line `login`), stores the token and
    /// returns the token manager and what storing it did (a different refresh token stored
    /// before is revoked). Nothing is resumed, but a stored record naming an untrusted accounts
    /// server is refused all the same: its refresh token would be revoked there.
    pub async fn sign_in(mut self) -> Result<(TokenManager<S>, LoginOutcome), Error> {
        let manager = self.manager().await?;
        let outcome = self.run_sign_in(&manager).await?;
        Ok((manager, outcome))
    }

    /// The token manager over the store, once the stored record (if any) has been checked.
    async fn manager(&mut self) -> Result<TokenManager<S>, Error> {
        let key = self.key();
        let store: Arc<dyn TokenStore> = match self.store.take() {
            Some(store) => store,
            None => Arc::new(FileStore::new(FileStore::default_path()?)),
        };
        // A record naming an accounts server this client does not trust was planted (or
        // written for another client): refuse it before its access token is used for anything.
        if let Some(record) = store.load(&key).await? {
            self.oauth.recorded_accounts(Url::parse(&record.accounts_server).ok().as_ref())?;
        }
        let mut builder = TokenManager::builder::<S>(self.oauth.clone(), key).store(store);
        if let Some(with_clock) = self.clock.take() {
            builder = with_clock(builder);
        }
        Ok(builder.build())
    }

    /// Runs the sign-in and stores its token.
    async fn run_sign_in(&mut self, manager: &TokenManager<S>) -> Result<LoginOutcome, Error> {
        let method = self.method.unwrap_or(match (&self.loopback, self.oauth.redirect_uri()) {
            (Some(_), _) | (None, Some(_)) => SignInMethod::Loopback,
            (None, None) => SignInMethod::Device,
        });
        let requested = match &self.scopes {
            Some(scopes) => scopes.clone(),
            None => DynamicScopes::parse(S::required())
                .map_err(|e| OAuthError::Config(format!("the scope set does not parse: {e}")))?,
        };
        if requested.iter().next().is_none() {
            return Err(OAuthError::Config("no scopes to sign in for: give SignIn::scopes".to_owned()).into());
        }
        let server = self.loopback.take();
        let token =
            sign_in(&self.oauth, &requested, method, server, &*self.prompt, &*self.sleeper, self.timeout).await?;
        // Checked against `S`: a sign-in granted fewer scopes than the set is a mismatch.
        let token = Token::<S>::from_parts(token.into_parts()).map_err(Error::ScopeMismatch)?;
        Ok(manager.login(token).await?)
    }

    async fn signed_in(mut self) -> Result<(TokenManager<S>, ClientBuilder), Error> {
        let manager = self.manager().await?;
        match manager.token().await {
            Ok(_) => return Ok((manager, self.client)),
            Err(
                ManagerError::NotLoggedIn { .. }
                | ManagerError::NoRefreshToken { .. }
                | ManagerError::ScopeMismatch(_)
                | ManagerError::OAuth(OAuthError::InvalidRefreshToken | OAuthError::ScopeMismatch(_)),
            ) => {}
            Err(e) => return Err(e.into()),
        }
        self.run_sign_in(&manager).await?;
        Ok((manager, self.client))
    }
}

async fn sign_in(
    oauth: &OAuthClient,
    requested: &DynamicScopes,
    method: SignInMethod,
    server: Option<LoopbackServer>,
    prompt: &(dyn Fn(Prompt<'_>) + Send + Sync),
    sleeper: &dyn Sleeper,
    timeout: Duration,
) -> Result<Token<crate::Dynamic>, OAuthError> {
    // Consent asked for every time: Zoho gives a user who consented before a refresh token only
    // then, and a sign-in without one would keep the old refresh token (perhaps for fewer scopes).
    let options = AuthorizeOptions::new().offline().prompt_consent();
    match (method, server) {
        (SignInMethod::Loopback, Some(server)) => {
            let open = |url: &Url| prompt(Prompt::OpenUrl(url));
            oauth.authorize_with_loopback_dynamic(server, requested, options, open, timeout).await
        }
        (SignInMethod::Loopback, None) => {
            let redirect = oauth.redirect_uri().ok_or_else(|| {
                OAuthError::Config(
                    "the loopback sign-in needs the OAuth client's redirect URI (OAuthClientBuilder::redirect_uri)"
                        .to_owned(),
                )
            })?;
            // The listener is on 127.0.0.1, and Zoho compares the redirect URI with the registered
            // one character for character: only `http://127.0.0.1:<port>/…` can be both.
            let port = match (redirect.scheme(), redirect.host_str(), redirect.port()) {
                ("http", Some("127.0.0.1"), Some(port)) => port,
                _ => {
                    return Err(OAuthError::Config(
                        "the loopback sign-in needs a redirect URI on 127.0.0.1 with an explicit port, e.g. \
                         http://127.0.0.1:8765/callback (register that one for the client)"
                            .to_owned(),
                    ));
                }
            };
            let server = LoopbackServer::bind_port(port, redirect.path()).await?;
            let open = |url: &Url| prompt(Prompt::OpenUrl(url));
            oauth.authorize_with_loopback_dynamic(server, requested, options, open, timeout).await
        }
        (SignInMethod::Device, _) => {
            let device = oauth.device_start_dynamic(requested, &options).await?;
            prompt(Prompt::EnterCode { verification_url: device.verification_url(), user_code: device.user_code() });
            oauth.device_wait(device, |wait| sleeper.sleep(wait)).await
        }
    }
}
