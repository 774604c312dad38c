//! The public handle: builder, start, operate, shutdown.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use url::Url;

use crate::clock::Clock;
use crate::config::{Dc, Limits};
use crate::fault::Fault;
use crate::server::{Shared, serve};
use crate::state::{
    ActiveFault, ClientCredentials, ClientKind, ClientSpec, Counters, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET,
    DEMO_REDIRECT, DeviceState, SeenRequest, State, UserInfo,
};

/// Errors from the sandbox's library API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Binding a listener failed.
    #[error("cannot bind a listener: {0}")]
    Bind(#[from] std::io::Error),
    /// No user has this e-mail.
    #[error("unknown user {0}")]
    UnknownUser(String),
    /// No client has this id.
    #[error("unknown client {0}")]
    UnknownClient(String),
    /// The client is not of the kind this operation needs.
    #[error("client {0} is not a {1:?} client")]
    WrongClientKind(String, ClientKind),
    /// A scope is not in the sandbox's scope table.
    #[error("unknown scope {0}")]
    UnknownScope(String),
    /// No pending device authorization has this user code (or it expired).
    #[error("unknown or expired user code {0}")]
    UnknownUserCode(String),
    /// The authorization-code limit for this client and user is exhausted.
    #[error("too many authorization codes: blocked")]
    CodesBlocked,
    /// No project has this id in the DC's demo portal.
    #[error("unknown project {0}")]
    UnknownProject(String),
}

/// Builds a [`Sandbox`]; see [`Sandbox::builder`].
#[derive(Debug, Clone)]
pub struct SandboxBuilder {
    auto_approve: bool,
    limits: Limits,
    start_time: Option<SystemTime>,
    max_body: usize,
    addr: Option<SocketAddr>,
}

impl SandboxBuilder {
    /// Skip the consent page: `/oauth/v2/auth` redirects at once and the device verification
    /// page approves as soon as a code is entered.
    pub fn auto_approve(mut self, yes: bool) -> Self {
        self.auto_approve = yes;
        self
    }

    /// Token and API limits (default: [`Limits::default`], Zoho's documented limits, all on).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Where the virtual clock starts (default: the real time at [`SandboxBuilder::start`]).
    pub fn start_time(mut self, at: SystemTime) -> Self {
        self.start_time = Some(at);
        self
    }

    /// Largest accepted request body in bytes (default 1 MiB); larger bodies get HTTP 413.
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.max_body = n;
        self
    }

    /// Bind the US listener to this address (default `127.0.0.1:0`); the EU and IN listeners
    /// take the next two ports when a non-zero port is given, else random ports.
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = Some(addr);
        self
    }

    /// Binds one listener per DC and starts serving.
    pub async fn start(self) -> Result<Sandbox, Error> {
        let base = self.addr.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        let mut listeners = Vec::new();
        let mut urls = Vec::new();
        for (i, _dc) in Dc::ALL.iter().enumerate() {
            let mut a = base;
            if a.port() != 0 {
                let port = a
                    .port()
                    .checked_add(i as u16)
                    .ok_or_else(|| std::io::Error::other("no room for three consecutive ports"))?;
                a.set_port(port);
            }
            let l = TcpListener::bind(a).await?;
            let local = l.local_addr()?;
            let host = match local.ip() {
                std::net::IpAddr::V4(ip) if ip.is_unspecified() => "127.0.0.1".to_owned(),
                std::net::IpAddr::V4(ip) => ip.to_string(),
                std::net::IpAddr::V6(ip) => format!("[{ip}]"),
            };
            let url = Url::parse(&format!("http://{host}:{}/", local.port()))
                .map_err(|e| std::io::Error::other(e.to_string()))?;
            urls.push(url);
            listeners.push(l);
        }
        let shared = Arc::new(Shared {
            clock: Clock::new(self.start_time.unwrap_or_else(SystemTime::now)),
            limits: self.limits,
            auto_approve: AtomicBool::new(self.auto_approve),
            max_body: self.max_body,
            urls,
            st: Mutex::new(State::new()),
        });
        let (tx, rx) = watch::channel(false);
        let tasks = listeners
            .into_iter()
            .zip(Dc::ALL)
            .map(|(l, dc)| tokio::spawn(serve(l, dc, shared.clone(), rx.clone())))
            .collect();
        Ok(Sandbox { shared, shutdown: tx, tasks })
    }
}

/// A running sandbox. Dropping it stops the listeners.
pub struct Sandbox {
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("us", &self.accounts_url(Dc::Us).as_str())
            .field("eu", &self.accounts_url(Dc::Eu).as_str())
            .field("in", &self.accounts_url(Dc::In).as_str())
            .finish()
    }
}

/// The ids of one DC's demo portal ([`Sandbox::demo_portal`]).
#[derive(Clone, Debug)]
pub struct DemoPortal {
    /// Portal id (9 digits), used in `/api/v3/portal/{id}` and `/restapi/portal/{id}`.
    pub id: String,
    /// The seeded projects, in creation order.
    pub projects: Vec<DemoProject>,
}

/// The ids of one seeded project.
#[derive(Clone, Debug)]
pub struct DemoProject {
    /// Project id (19 digits).
    pub id: String,
    /// Project name.
    pub name: String,
    /// Task list ids.
    pub tasklists: Vec<String>,
    /// Phase (milestone) ids.
    pub milestones: Vec<String>,
    /// Task ids (including the one subtask).
    pub tasks: Vec<String>,
    /// Issue ids.
    pub issues: Vec<String>,
}

impl Sandbox {
    /// A builder with the defaults: consent page shown, [`Limits::default`], clock at real time.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder {
            auto_approve: false,
            limits: Limits::default(),
            start_time: None,
            max_body: 1 << 20,
            addr: None,
        }
    }

    /// The accounts base URL of `dc`, e.g. `http://127.0.0.1:PORT/` (routes `oauth/...`).
    pub fn accounts_url(&self, dc: Dc) -> Url {
        self.shared.url(dc).clone()
    }

    /// The Projects API base URL of `dc` (the same listener: `api/v3/...`, `restapi/...`).
    pub fn api_url(&self, dc: Dc) -> Url {
        self.shared.url(dc).clone()
    }

    /// The virtual clock.
    pub fn clock(&self) -> Clock {
        self.shared.clock.clone()
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.shared.limits
    }

    /// Turns auto-approval on or off while running.
    pub fn set_auto_approve(&self, yes: bool) {
        self.shared.auto_approve.store(yes, Ordering::SeqCst);
    }

    /// The pre-registered web client (redirect URI `http://localhost:8080/callback`).
    pub fn demo_client(&self) -> ClientCredentials {
        ClientCredentials {
            client_id: DEMO_CLIENT_ID.to_owned(),
            client_secret: DEMO_CLIENT_SECRET.to_owned(),
            redirect_uri: DEMO_REDIRECT.to_owned(),
        }
    }

    /// Registers a client, as in the API console.
    pub fn register_client(&self, spec: ClientSpec) -> ClientCredentials {
        self.shared.lock().register_client(&spec)
    }

    /// The demo user (portal owner, US DC, signed in by default).
    pub fn demo_user(&self) -> UserInfo {
        self.shared.lock().users[0].clone()
    }

    /// Adds a user homed in `dc` (and a member of that DC's demo portal); returns the existing
    /// one if the e-mail is known.
    pub fn add_user(&self, email: &str, dc: Dc) -> UserInfo {
        self.shared.lock().add_user(email, None, dc)
    }

    /// Every known user.
    pub fn users(&self) -> Vec<UserInfo> {
        self.shared.lock().users.clone()
    }

    /// Makes `email` the browser's signed-in user: the one who sees the consent page.
    pub fn sign_in(&self, email: &str) -> Result<UserInfo, Error> {
        let mut st = self.shared.lock();
        let u = st.user_by_email(email).cloned().ok_or_else(|| Error::UnknownUser(email.to_owned()))?;
        st.signed_in = u.email.clone();
        Ok(u)
    }

    /// "Generate Code" for a client (self clients in Zoho's console; any client here), as the
    /// client's owner. The code needs no `redirect_uri` at the token endpoint and yields a
    /// refresh token. It counts towards the code limit.
    pub fn self_client_code(&self, client_id: &str, scopes: &[&str]) -> Result<String, Error> {
        let now = self.shared.clock.now_ms();
        let mut st = self.shared.lock();
        let client = st.clients.get(client_id).cloned().ok_or_else(|| Error::UnknownClient(client_id.to_owned()))?;
        if let Some(bad) = scopes.iter().find(|s| !crate::scopes::is_known(s)) {
            return Err(Error::UnknownScope((*bad).to_owned()));
        }
        let owner = st.user_by_zuid(client.owner_zuid).cloned().unwrap_or_else(|| st.users[0].clone());
        st.issue_code(
            now,
            &self.shared.limits,
            client_id,
            owner.zuid,
            owner.dc,
            scopes.iter().map(|s| (*s).to_owned()).collect(),
            None,
            true,
            None,
        )
        .map_err(|()| Error::CodesBlocked)
    }

    /// Mints an access token for `email` with `scopes` directly (as if the demo client had run
    /// the flow), bound to no refresh token: a shortcut for tests that only need to call the API.
    pub fn mint_access_token(&self, email: &str, scopes: &[&str]) -> Result<String, Error> {
        let now = self.shared.clock.now_ms();
        let mut st = self.shared.lock();
        let user = st.user_by_email(email).cloned().ok_or_else(|| Error::UnknownUser(email.to_owned()))?;
        if let Some(bad) = scopes.iter().find(|s| !crate::scopes::is_known(s)) {
            return Err(Error::UnknownScope((*bad).to_owned()));
        }
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        st.mint_access(now, &self.shared.limits, DEMO_CLIENT_ID, user.zuid, user.dc, &scopes, None)
            .map_err(|_| Error::CodesBlocked)
    }

    /// What a user does on the device verification page: enter `user_code` and accept.
    pub fn approve_device(&self, user_code: &str, email: &str) -> Result<(), Error> {
        self.answer_device(user_code, email, true)
    }

    /// The same, but the user presses Deny.
    pub fn deny_device(&self, user_code: &str, email: &str) -> Result<(), Error> {
        self.answer_device(user_code, email, false)
    }

    fn answer_device(&self, user_code: &str, email: &str, accept: bool) -> Result<(), Error> {
        let now = self.shared.clock.now_ms();
        let mut st = self.shared.lock();
        let user = st.user_by_email(email).cloned().ok_or_else(|| Error::UnknownUser(email.to_owned()))?;
        let Some((_, rec)) = st.device_by_user_code(user_code) else {
            return Err(Error::UnknownUserCode(user_code.to_owned()));
        };
        if now >= rec.expires_ms || rec.state != DeviceState::Pending {
            return Err(Error::UnknownUserCode(user_code.to_owned()));
        }
        rec.state =
            if accept { DeviceState::Approved { zuid: user.zuid, user_dc: user.dc } } else { DeviceState::Denied };
        Ok(())
    }

    /// Injects a fault for the next matching requests.
    pub fn inject(&self, fault: Fault) {
        let left = fault.times;
        self.shared.lock().faults.push(ActiveFault { fault, left });
    }

    /// Removes every pending fault.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// A snapshot of the counters.
    pub fn counters(&self) -> Counters {
        let now = self.shared.clock.now_ms();
        let st = self.shared.lock();
        let mut c = st.counters.clone();
        c.active_per_refresh = st
            .refresh
            .iter()
            .map(|(rt, r)| {
                let n =
                    r.access.iter().filter(|a| st.access.get(*a).is_some_and(|x| x.expires_ms > now)).count() as u64;
                (rt.clone(), n)
            })
            .collect();
        c
    }

    /// Every request received so far, oldest first.
    pub fn requests_seen(&self) -> Vec<SeenRequest> {
        self.shared.lock().seen.clone()
    }

    /// The ids of `dc`'s demo portal and its seeded projects.
    pub fn demo_portal(&self, dc: Dc) -> DemoPortal {
        let st = self.shared.lock();
        let s = &st.data[dc.index()];
        let ids = |it: Vec<u64>| it.into_iter().map(|i| i.to_string()).collect::<Vec<_>>();
        DemoPortal {
            id: s.portal_id.to_string(),
            projects: s
                .projects
                .values()
                .map(|p| DemoProject {
                    id: p.id.to_string(),
                    name: p.name.clone(),
                    tasklists: ids(s.tasklists.values().filter(|t| t.project == p.id).map(|t| t.id).collect()),
                    milestones: ids(s.milestones.values().filter(|t| t.project == p.id).map(|t| t.id).collect()),
                    tasks: ids(s.tasks.values().filter(|t| t.project == p.id).map(|t| t.id).collect()),
                    issues: ids(s.issues.values().filter(|t| t.project == p.id).map(|t| t.id).collect()),
                })
                .collect(),
        }
    }

    /// Bulk-creates `n` tasks named `Bulk task 1..n` in a project of `dc`'s demo portal (in its
    /// first task list) and returns their ids, for paging tests.
    pub fn seed_tasks(&self, dc: Dc, project_id: &str, n: usize) -> Result<Vec<String>, Error> {
        let now = self.shared.clock.now_ms();
        let mut st = self.shared.lock();
        let s = &mut st.data[dc.index()];
        let pid: u64 = project_id
            .parse()
            .ok()
            .filter(|p| s.projects.contains_key(p))
            .ok_or_else(|| Error::UnknownProject(project_id.to_owned()))?;
        Ok(s.bulk_tasks(pid, n, now).into_iter().map(|i| i.to_string()).collect())
    }

    /// Stops the listeners and waits for them.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks.drain(..) {
            let _ = t.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        for t in &self.tasks {
            t.abort();
        }
    }
}
