//! What the scenarios share: the scope set and endpoint, a virtual clock, a sandbox running in a
//! child process, and logging in a `TokenManager` against it.

use std::io;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout};
use url::Url;
use zoho_oauth_core::oauth::OAuthClient;
use zoho_oauth_core::store::{StoreKey, TokenStore};
use zoho_oauth_core::{
    ClientSecret, Endpoint, OAuthError, RefreshToken, Refresher, Token, TokenManager, TokenParts, scope_set,
};

scope_set! {
    #[zoho(crate = ::zoho_oauth_core)]
    /// The scope set of every scenario.
    pub struct Reader = ["ZohoProjects.portals.READ"];
}

/// The scope string of [`Reader`].
pub const READ: &str = "ZohoProjects.portals.READ";

/// `GET /api/v3/portals`: the small call every scenario makes.
#[derive(Endpoint, Debug, Clone, Copy)]
#[zoho(crate = ::zoho_oauth_core, method = "GET", path = "/api/v3/portals",
       scope = "ZohoProjects.portals.READ", response = serde_json::Value)]
pub struct ListPortals;

/// The environment variable that makes the bench binary play a child role.
pub const ROLE: &str = "ZOHO_BENCH_ROLE";

/// How a scenario runs: which executable plays the child processes, and how big.
#[derive(Debug, Clone)]
pub struct Bench {
    /// The `zoho-bench` binary (children re-execute it with [`ROLE`] set).
    pub exe: PathBuf,
    /// One tiny iteration of everything (CI); no timing is meaningful then.
    pub smoke: bool,
}

impl Bench {
    /// The full-size or smoke-size value.
    pub fn size(&self, full: usize, smoke: usize) -> usize {
        if self.smoke { smoke } else { full }
    }
}

/// A clock that the bench moves by hand, mirroring the sandbox's virtual clock.
#[derive(Clone, Debug, Default)]
pub struct VirtualClock(Arc<AtomicU64>);

impl VirtualClock {
    /// Sets the time (milliseconds since the epoch).
    pub fn set_ms(&self, ms: u64) {
        self.0.store(ms, Ordering::SeqCst);
    }

    /// The time.
    pub fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.0.load(Ordering::SeqCst))
    }

    /// As a [`zoho_oauth_core::Clock`].
    pub fn as_clock(&self) -> impl Fn() -> SystemTime + Clone + Send + Sync + 'static {
        let c = self.clone();
        move || c.now()
    }
}

/// [`OAuthClient`] as a [`Refresher`].
#[derive(Clone, Debug)]
pub struct Refresh(pub OAuthClient);

#[async_trait::async_trait]
impl Refresher for Refresh {
    async fn refresh(&self, parts: &TokenParts) -> Result<TokenParts, OAuthError> {
        self.0.refresh(parts).await
    }
    async fn revoke(&self, token: &RefreshToken, server: Option<&Url>) -> Result<(), OAuthError> {
        self.0.revoke(token, server).await
    }
}

/// A refresher for managers whose token never expires during the run.
#[derive(Clone, Copy, Debug)]
pub struct NoRefresh;

#[async_trait::async_trait]
impl Refresher for NoRefresh {
    async fn refresh(&self, _: &TokenParts) -> Result<TokenParts, OAuthError> {
        Err(OAuthError::InvalidRefreshToken)
    }
    async fn revoke(&self, _: &RefreshToken, _: Option<&Url>) -> Result<(), OAuthError> {
        Ok(())
    }
}

/// The sandbox's counters that the scenarios read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SbCounters {
    /// Token-endpoint requests (all grants).
    pub token_requests: u64,
    /// Successful refresh grants.
    pub refresh_grants: u64,
    /// Projects API requests.
    pub api_requests: u64,
    /// "Access Denied" answers.
    pub access_denied: u64,
}

impl std::ops::Sub for SbCounters {
    type Output = SbCounters;
    fn sub(self, o: SbCounters) -> SbCounters {
        SbCounters {
            token_requests: self.token_requests - o.token_requests,
            refresh_grants: self.refresh_grants - o.refresh_grants,
            api_requests: self.api_requests - o.api_requests,
            access_denied: self.access_denied - o.access_denied,
        }
    }
}

/// A `zoho-sandbox` (relaxed limits) in a child process, driven over its stdin/stdout.
///
/// A separate process keeps 10,000 client sockets and 10,000 server sockets out of one file
/// table, and keeps the server's allocations out of the client's measurements.
pub struct RemoteSandbox {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    /// The US accounts server.
    pub url: Url,
    /// The US Projects API host (another listener, as at Zoho).
    pub api: Url,
    /// The demo client's id.
    pub client_id: String,
    /// The demo client's secret.
    pub client_secret: String,
    /// The demo user's e-mail.
    pub email: String,
    /// Mirrors the sandbox's virtual clock.
    pub clock: VirtualClock,
}

impl RemoteSandbox {
    /// Starts one.
    pub async fn start(bench: &Bench) -> io::Result<RemoteSandbox> {
        Self::start_role(bench, "sandbox").await
    }

    /// Starts one in `role`: `sandbox` (relaxed limits) or `sandbox-strict` (Zoho's limits).
    pub async fn start_role(bench: &Bench, role: &str) -> io::Result<RemoteSandbox> {
        let mut child = tokio::process::Command::new(&bench.exe)
            .env(ROLE, role)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()?;
        let stdin = child.stdin.take().ok_or_else(|| io::Error::other("no stdin"))?;
        let stdout = child.stdout.take().ok_or_else(|| io::Error::other("no stdout"))?;
        let mut lines = BufReader::new(stdout).lines();
        let hello = read_answer(&mut lines).await?;
        let parts: Vec<&str> = hello.split(' ').collect();
        let [url, api, id, secret, email, now] = parts[..] else {
            return Err(io::Error::other(format!("bad sandbox hello {hello:?}")));
        };
        let clock = VirtualClock::default();
        clock.set_ms(now.parse().map_err(io::Error::other)?);
        Ok(RemoteSandbox {
            url: url.parse().map_err(io::Error::other)?,
            api: api.parse().map_err(io::Error::other)?,
            client_id: id.to_owned(),
            client_secret: secret.to_owned(),
            email: email.to_owned(),
            clock,
            child,
            stdin,
            lines,
        })
    }

    /// Sends one command line and returns the answer.
    pub async fn ask(&mut self, command: &str) -> io::Result<String> {
        self.stdin.write_all(format!("{command}\n").as_bytes()).await?;
        self.stdin.flush().await?;
        read_answer(&mut self.lines).await
    }

    /// A self-client code for [`Reader`]'s scopes.
    pub async fn code(&mut self) -> io::Result<String> {
        self.ask("CODE").await
    }

    /// Moves the virtual clock (and the mirror) forward; returns the new time in ms.
    pub async fn advance(&mut self, by: Duration) -> io::Result<u64> {
        let now: u64 = self.ask(&format!("ADVANCE {}", by.as_millis())).await?.parse().map_err(io::Error::other)?;
        self.clock.set_ms(now);
        Ok(now)
    }

    /// The counters.
    pub async fn counters(&mut self) -> io::Result<SbCounters> {
        let answer = self.ask("COUNTERS").await?;
        let n: Vec<u64> = answer.split(' ').map(|v| v.parse().map_err(io::Error::other)).collect::<Result<_, _>>()?;
        let [token_requests, refresh_grants, api_requests, access_denied] = n[..] else {
            return Err(io::Error::other(format!("bad counters {answer:?}")));
        };
        Ok(SbCounters { token_requests, refresh_grants, api_requests, access_denied })
    }

    /// An OAuth client for the demo client, on the virtual clock.
    pub fn oauth(&self) -> io::Result<OAuthClient> {
        OAuthClient::builder(&self.client_id, ClientSecret::new(self.client_secret.as_str()))
            .accounts_url(self.url.clone())
            .clock(self.clock.as_clock())
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(io::Error::other)
    }

    /// The store key every manager of a run shares.
    pub fn key(&self) -> StoreKey {
        StoreKey::new(self.url.as_str(), &self.client_id, "demo")
    }

    /// A fresh login (self-client code exchanged), as a token for [`Reader`].
    pub async fn login_token(&mut self) -> io::Result<Token<Reader>> {
        let code = self.code().await?;
        self.oauth()?.exchange_self_client_code::<Reader>(&code).await.map_err(io::Error::other)
    }

    /// A manager on `store`, logged in with a fresh token.
    pub async fn manager(&mut self, store: impl TokenStore) -> io::Result<TokenManager<Reader>> {
        let token = self.login_token().await?;
        let m = TokenManager::builder::<Reader>(Refresh(self.oauth()?), self.key())
            .store(store)
            .clock(self.clock.as_clock())
            .build();
        m.login(token).await.map_err(io::Error::other)?;
        Ok(m)
    }

    /// Stops it.
    pub async fn stop(mut self) {
        let _ = self.stdin.write_all(b"Q\n").await;
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
        let _ = self.child.start_kill();
    }
}

/// The next protocol line (`@@ …`), skipping anything else a child prints.
pub async fn read_answer<R: tokio::io::AsyncBufRead + Unpin>(lines: &mut Lines<R>) -> io::Result<String> {
    loop {
        let line = lines.next_line().await?.ok_or_else(|| io::Error::other("child exited"))?;
        if let Some(answer) = line.trim().strip_prefix("@@ ") {
            return Ok(answer.to_owned());
        }
    }
}

/// A `reqwest` client with the settings every scenario uses (`Client`'s defaults).
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .connect_timeout(Duration::from_secs(10))
        .build()
        .expect("reqwest client")
}
