//! What every command works with: the effective settings (flags, environment, config file), the
//! token store and its key, and, with `--sandbox`, the embedded sandbox.

use crate::Global;
use crate::config::{self, ConfigFile};
use crate::error::{Class, CliError, not_signed_in};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use url::Url;
use zoho_projects::manager::LoginOutcome;
use zoho_projects::oauth::OAuthClient;
use zoho_projects::store::{FileStore, MemoryStore, StoreKey, TokenRecord, TokenStore};
use zoho_projects::{
    ClientSecret, Dynamic, DynamicScopes, InsecureUrl, Prompt, Region, ScopeRequirement, ScopeSet, SignIn,
    SignInMethod, TokenManager,
};
use zoho_sandbox::{ClientKind, ClientSpec, Dc, Sandbox};

/// The scopes `zoho login` asks for when `--scopes` is not given: what the typed commands read.
pub(crate) const DEFAULT_SCOPES: &[&str] =
    &["ZohoProjects.portals.READ", "ZohoProjects.projects.READ", "ZohoProjects.tasks.READ"];

/// The settings of one run.
pub(crate) struct Session {
    pub(crate) profile: String,
    pub(crate) client_id: Option<String>,
    client_secret: Option<String>,
    /// The region given (flag, environment or config), if any.
    pub(crate) region_name: Option<String>,
    pub(crate) region: Region,
    /// The accounts server to sign in at, and whether it was configured (not the region's).
    pub(crate) accounts_url: Url,
    accounts_configured: bool,
    pub(crate) api_url: Option<Url>,
    pub(crate) redirect_uri: Option<String>,
    pub(crate) config_path: Option<PathBuf>,
    /// Where tokens are kept: a file, or memory with `--sandbox`.
    store: Arc<dyn TokenStore>,
    pub(crate) store_path: Option<PathBuf>,
    pub(crate) sandbox: Option<Sandbox>,
}

impl Session {
    /// Reads the settings. With `--sandbox`, starts the embedded sandbox.
    pub(crate) async fn open(global: &Global) -> Result<Session, CliError> {
        if global.sandbox {
            return Self::open_sandbox(global).await;
        }
        let config_path = global.config.clone().or_else(config::default_path);
        let file = match &config_path {
            Some(path) => ConfigFile::load(path)?,
            None => ConfigFile::default(),
        };
        let region_name = global.region.clone().or(file.region.clone());
        let region = match &region_name {
            Some(code) => Region::from_location(code).ok_or_else(|| {
                CliError::usage(format!("unknown region {code:?}")).hint("one of: us, eu, in, au, jp, ca, sa, cn, uk")
            })?,
            None => Region::from_location("us").ok_or_else(|| CliError::other("no US region"))?,
        };
        let parse = |what: &str, s: &str| {
            Url::parse(s).map_err(|e| CliError::usage(format!("the config file's {what} {s:?} is not a URL: {e}")))
        };
        let accounts = match (&global.accounts_url, &file.accounts_url) {
            (Some(u), _) => Some(u.clone()),
            (None, Some(s)) => Some(parse("accounts_url", s)?),
            (None, None) => None,
        };
        let api_url = match (&global.api_url, &file.api_url) {
            (Some(u), _) => Some(u.clone()),
            (None, Some(s)) => Some(parse("api_url", s)?),
            (None, None) => None,
        };
        // `zoho api` sends the access token to the API URL itself, and every command sends the
        // client secret or a refresh token to the accounts server: never in clear across a
        // network.
        let secure = |url: &Url, what: &str, carries: &'static str| {
            InsecureUrl::check(url, what, carries).map_err(|e| CliError::usage(e.to_string()))
        };
        if let Some(url) = &api_url {
            secure(url, "the API URL (--api-url or the config file's api_url)", "the access token")?;
        }
        if let Some(url) = &accounts {
            let what = "the accounts URL (--accounts-url or the config file's accounts_url)";
            secure(url, what, "the client secret and refresh tokens")?;
        }
        let store_path = match &global.token_file {
            Some(p) => p.clone(),
            None => FileStore::default_path()
                .map_err(|e| CliError::other(e.to_string()).hint("give a token file with --token-file"))?,
        };
        Ok(Session {
            profile: global.profile.clone(),
            client_id: global.client_id.clone().or(file.client_id),
            client_secret: global.client_secret.clone().or(file.client_secret),
            region_name,
            region,
            accounts_configured: accounts.is_some(),
            accounts_url: accounts.unwrap_or_else(|| region.accounts()),
            api_url,
            redirect_uri: file.redirect_uri,
            config_path,
            store: Arc::new(FileStore::new(&store_path)),
            store_path: Some(store_path),
            sandbox: None,
        })
    }

    async fn open_sandbox(global: &Global) -> Result<Session, CliError> {
        let sb = Sandbox::builder()
            .auto_approve(true)
            .start()
            .await
            .map_err(|e| CliError::other(format!("could not start the embedded sandbox: {e}")))?;
        eprintln!(
            "zoho: using an embedded zoho-sandbox (accounts {}, projects {}); nothing is written to disk",
            sb.accounts_url(Dc::Us),
            sb.api_url(Dc::Us)
        );
        let region = Region::from_location("us").ok_or_else(|| CliError::other("no US region"))?;
        Ok(Session {
            profile: global.profile.clone(),
            client_id: None,
            client_secret: None,
            region_name: None,
            region,
            accounts_url: sb.accounts_url(Dc::Us),
            accounts_configured: true,
            api_url: Some(sb.api_url(Dc::Us)),
            redirect_uri: None,
            config_path: None,
            store: Arc::new(MemoryStore::new()),
            store_path: None,
            sandbox: Some(sb),
        })
    }

    /// Stops the embedded sandbox, if any.
    pub(crate) async fn close(self) {
        if let Some(sb) = self.sandbox {
            sb.shutdown().await;
        }
    }

    /// In the sandbox: registers a client of `kind` (with `redirect_uri` for a web client) and
    /// uses it. Elsewhere the configured client is used.
    pub(crate) fn sandbox_client(&mut self, kind: ClientKind, redirect_uri: Option<&Url>) {
        let Some(sb) = &self.sandbox else { return };
        let app = sb.register_client(ClientSpec {
            name: "zoho (command line)".into(),
            kind,
            redirect_uris: redirect_uri.map(|u| vec![u.to_string()]).unwrap_or_default(),
            owner: None,
        });
        self.client_id = Some(app.client_id.clone());
        self.client_secret = Some(app.client_secret.clone());
    }

    fn client_id(&self) -> Result<&str, CliError> {
        self.client_id.as_deref().ok_or_else(|| {
            CliError::new(Class::NotSignedIn, "no OAuth client configured").hint(
                "create one at https://api-console.zoho.com and pass --client-id and --client-secret \
                 (or set ZOHO_CLIENT_ID and ZOHO_CLIENT_SECRET) to `zoho login`",
            )
        })
    }

    /// The OAuth client of the configured (or sandbox) client id and secret.
    pub(crate) fn oauth(&self) -> Result<OAuthClient, CliError> {
        self.oauth_with(None)
    }

    /// [`oauth`](Self::oauth) with a loopback redirect URI, for a sign-in.
    fn oauth_with(&self, redirect_uri: Option<&Url>) -> Result<OAuthClient, CliError> {
        let id = self.client_id()?;
        let secret = self.client_secret.as_deref().ok_or_else(|| {
            CliError::new(Class::NotSignedIn, "no client secret configured")
                .hint("pass --client-secret or set ZOHO_CLIENT_SECRET (or sign in again with them: zoho login)")
        })?;
        let mut builder = OAuthClient::builder(id, ClientSecret::new(secret));
        if let Some(uri) = redirect_uri {
            builder = builder.redirect_uri(uri.clone());
        }
        builder = if self.accounts_configured {
            builder.accounts_url(self.accounts_url.clone())
        } else {
            builder.region(self.region)
        };
        if let Some(sb) = &self.sandbox {
            let clock = sb.clock();
            builder = builder.clock(move || clock.now_system());
        }
        Ok(builder.build()?)
    }

    /// The store key: accounts server, client id, profile.
    pub(crate) fn key(&self) -> Result<StoreKey, CliError> {
        Ok(StoreKey::new(self.accounts_url.as_str(), self.client_id()?, &self.profile))
    }

    /// The stored record, if any (no network).
    pub(crate) async fn record(&self) -> Result<Option<TokenRecord>, CliError> {
        let key = self.key()?;
        Ok(self.store.load(&key).await?)
    }

    /// Removes the stored record of `key`.
    pub(crate) async fn store_remove(&self, key: &StoreKey) -> Result<(), CliError> {
        Ok(self.store.remove(key).await?)
    }

    /// The stored record; an error when nobody is signed in.
    pub(crate) async fn signed_in(&self) -> Result<TokenRecord, CliError> {
        self.record().await?.ok_or_else(not_signed_in)
    }

    /// A token manager of the scope set `S` over the store. A new process starts with an empty
    /// cache, so a stored token due for refresh (5 minutes before expiry) is refreshed in the
    /// foreground before it is used, never in a background task the process could outlive.
    pub(crate) fn manager<S: ScopeRequirement>(&self) -> Result<TokenManager<S>, CliError> {
        let builder = TokenManager::builder::<S>(self.oauth()?, self.key()?).store(Arc::clone(&self.store));
        Ok(match &self.sandbox {
            Some(sb) => {
                let clock = sb.clock();
                builder.clock(move || clock.now_system()).build()
            }
            None => builder.build(),
        })
    }

    /// The Projects API server for a token: the configured one, else the one of the token's
    /// data centre, else the region's.
    pub(crate) fn api_base(&self, record: &TokenRecord) -> Url {
        if let Some(url) = &self.api_url {
            return url.clone();
        }
        record.location.as_deref().and_then(Region::from_location).unwrap_or(self.region).projects_api()
    }

    /// Writes what this sign-in used to the config file (not with `--sandbox`).
    pub(crate) fn save_config(&self, redirect_uri: Option<&Url>) -> Result<Option<PathBuf>, CliError> {
        let Some(path) = &self.config_path else { return Ok(None) };
        if self.sandbox.is_some() {
            return Ok(None);
        }
        let mut file = ConfigFile::load(path)?;
        file.client_id = self.client_id.clone();
        file.client_secret = self.client_secret.clone();
        if self.region_name.is_some() {
            file.region = self.region_name.clone();
        }
        if self.accounts_configured {
            file.accounts_url = Some(self.accounts_url.to_string());
        }
        if let Some(api) = &self.api_url {
            file.api_url = Some(api.to_string());
        }
        if let Some(uri) = redirect_uri {
            file.redirect_uri = Some(uri.to_string());
        }
        file.save(path)?;
        Ok(Some(path.clone()))
    }

    /// A sign-in of the profile into the session's store (the library's `SignIn`, so that the
    /// key, the checks of a stored record and the flows are the library's), with `redirect_uri`
    /// for the loopback flow. With `--sandbox`, on the sandbox's clock: the device flow moves it
    /// instead of waiting.
    pub(crate) fn sign_in_builder(&self, redirect_uri: Option<&Url>) -> Result<SignIn<Dynamic>, CliError> {
        let builder =
            SignIn::<Dynamic>::new(self.oauth_with(redirect_uri)?).user(&self.profile).store(Arc::clone(&self.store));
        Ok(match &self.sandbox {
            Some(sb) => {
                let (clock, moved) = (sb.clock(), sb.clock());
                builder.clock(move || clock.now_system()).sleeper(move |wait: Duration| {
                    moved.advance(wait);
                    std::future::ready(())
                })
            }
            None => builder,
        })
    }

    /// Runs `sign_in` (always a new sign-in), its prompt handing what it asks over `shown`.
    /// With `--sandbox` the sandbox's demo user answers: approves the device code, or its
    /// browser follows the sign-in URL.
    pub(crate) async fn sign_in(&self, sign_in: SignIn<Dynamic>, mut shown: Shown) -> Result<LoginOutcome, CliError> {
        let Some(sb) = &self.sandbox else { return Ok(sign_in.sign_in().await?.1) };
        let email = sb.demo_user().email;
        let answer = async {
            while let Some(asked) = shown.recv().await {
                match asked {
                    Asked::EnterCode(code) => {
                        if let Err(e) = sb.approve_device(&code, &email) {
                            return CliError::other(e.to_string());
                        }
                    }
                    Asked::OpenUrl(url) => {
                        tokio::spawn(async move {
                            let _ = reqwest::get(url).await;
                        });
                    }
                }
            }
            std::future::pending().await
        };
        tokio::select! {
            signed_in = sign_in.sign_in() => Ok(signed_in?.1),
            failed = answer => Err(failed),
        }
    }

    /// With `--sandbox`, a command that needs a token signs in first (device flow, approved
    /// through the sandbox, its clock moved instead of waiting).
    pub(crate) async fn sandbox_sign_in(&mut self) -> Result<(), CliError> {
        if self.sandbox.is_none() || self.client_id.is_some() {
            return Ok(());
        }
        self.sandbox_client(ClientKind::Device, None);
        let scopes = DynamicScopes::parse(DEFAULT_SCOPES).map_err(|e| CliError::other(e.to_string()))?;
        let (tx, shown) = tokio::sync::mpsc::unbounded_channel();
        let sign_in =
            self.sign_in_builder(None)?.scopes(scopes.clone()).method(SignInMethod::Device).prompt(move |prompt| {
                if let Prompt::EnterCode { user_code, .. } = prompt {
                    let _ = tx.send(Asked::EnterCode(user_code.to_owned()));
                }
            });
        self.sign_in(sign_in, shown).await?;
        let email = self.sandbox.as_ref().map(|sb| sb.demo_user().email).unwrap_or_default();
        eprintln!("zoho: signed in to the sandbox as {email} with {scopes}");
        Ok(())
    }
}

/// What a sign-in asked the user to do, for the embedded sandbox to answer.
pub(crate) enum Asked {
    /// Open this URL (the loopback flow).
    OpenUrl(Url),
    /// Enter this code (the device flow).
    EnterCode(String),
}

/// The receiving end of what a sign-in's prompt asked.
pub(crate) type Shown = tokio::sync::mpsc::UnboundedReceiver<Asked>;

/// Whether a scope set's every scope is granted by `record` (checked before any request).
pub(crate) fn check_set<S: ScopeSet>(record: &TokenRecord) -> Result<(), CliError> {
    record.access_token.scopes().require_set::<S>().map_err(|m| CliError::missing_scope(&m))
}
