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
use crate::hosts::Service;
use crate::server::{Binding, Shared, serve};
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
    /// A public URL to advertise is not an absolute http(s) URL with a host and without query
    /// or fragment.
    #[error("bad public URL {0:?}: need http(s)://host[:port][/path]")]
    PublicUrl(String),
}

/// Builds a [`Sandbox`]; see [`Sandbox::builder`].
#[derive(Debug, Clone)]
pub struct SandboxBuilder {
    auto_approve: bool,
    limits: Limits,
    start_time: Option<SystemTime>,
    max_body: usize,
    addr: Option<SocketAddr>,
    single_port: bool,
    public_base: Option<Url>,
    public_urls: Vec<(Dc, Service, Url)>,
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

    /// Where to listen (default `127.0.0.1:0`). With separate listeners (the default) every
    /// listener binds this address's IP; a non-zero port goes to the US accounts listener and
    /// every other one takes a free port. In [single-port mode](SandboxBuilder::single_port) the
    /// one listener binds exactly this address.
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = Some(addr);
        self
    }

    /// Serve every host of every DC on one port, told apart by the `Host` header (Zoho's own
    /// names such as `projectsapi.zoho.eu`, also under `.localhost`) or else by a path prefix
    /// (`/eu/projectsapi/api/v3/...`). The advertised URLs use the path prefixes.
    pub fn single_port(mut self, yes: bool) -> Self {
        self.single_port = yes;
        self
    }

    /// The scheme and host (and, in single-port mode, port) to advertise instead of the bound
    /// address, e.g. `http://sandbox:4000` when clients reach the sandbox by another name (from
    /// another container). Separate listeners keep their own ports.
    pub fn public_base(mut self, base: Url) -> Self {
        self.public_base = Some(base);
        self
    }

    /// Advertise exactly `url` for `service` in `dc` (in redirects, `accounts-server`,
    /// `api_domain`, `/oauth/serverinfo` and [`Sandbox::url`]); wins over
    /// [`SandboxBuilder::public_base`].
    pub fn public_url(mut self, dc: Dc, service: Service, url: Url) -> Self {
        self.public_urls.push((dc, service, url));
        self
    }

    /// Binds the listeners and starts serving.
    pub async fn start(self) -> Result<Sandbox, Error> {
        let base = self.addr.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        if let Some(b) = &self.public_base {
            check_public(b)?;
        }
        for (_, _, u) in &self.public_urls {
            check_public(u)?;
        }
        let mut listeners = Vec::new();
        let mut urls: Vec<Vec<Url>> = Vec::new();
        if self.single_port {
            let l = TcpListener::bind(base).await?;
            let root = match &self.public_base {
                Some(b) => b.clone(),
                None => bound_url(l.local_addr()?)?,
            };
            for dc in Dc::ALL {
                urls.push(
                    Service::ALL
                        .into_iter()
                        .map(|s| join_dir(&root, &crate::hosts::prefix(dc, s)))
                        .collect::<Result<_, _>>()?,
                );
            }
            listeners.push((l, Binding::Routed));
        } else {
            for dc in Dc::ALL {
                let mut row = Vec::new();
                for s in Service::ALL {
                    let mut a = base;
                    if (dc, s) != (Dc::Us, Service::Accounts) {
                        a.set_port(0);
                    }
                    let l = TcpListener::bind(a).await?;
                    let local = l.local_addr()?;
                    let url = match &self.public_base {
                        Some(b) => {
                            let mut u = join_dir(b, "")?;
                            u.set_port(Some(local.port())).map_err(|()| Error::PublicUrl(b.to_string()))?;
                            u
                        }
                        None => bound_url(local)?,
                    };
                    row.push(url);
                    listeners.push((l, Binding::Fixed(dc, s)));
                }
                urls.push(row);
            }
        }
        for (dc, s, u) in &self.public_urls {
            urls[dc.index()][s.index()] = join_dir(u, "")?;
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
        let bound = listeners.iter().map(|(l, _)| l.local_addr()).collect::<Result<_, _>>()?;
        let tasks = listeners
            .into_iter()
            .map(|(l, binding)| tokio::spawn(serve(l, binding, shared.clone(), rx.clone())))
            .collect();
        Ok(Sandbox { shared, shutdown: tx, tasks, bound })
    }
}

/// A public URL must be an absolute http(s) URL with a host and no query or fragment.
fn check_public(u: &Url) -> Result<(), Error> {
    if !matches!(u.scheme(), "http" | "https") || u.host().is_none() || u.query().is_some() || u.fragment().is_some() {
        return Err(Error::PublicUrl(u.to_string()));
    }
    Ok(())
}

/// `http://IP:PORT/` for a bound address (`127.0.0.1` for an unspecified IPv4 address).
fn bound_url(local: SocketAddr) -> Result<Url, Error> {
    let host = match local.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => "127.0.0.1".to_owned(),
        std::net::IpAddr::V4(ip) => ip.to_string(),
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => "[::1]".to_owned(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
    };
    Url::parse(&format!("http://{host}:{}/", local.port())).map_err(|e| Error::PublicUrl(e.to_string()))
}

/// `base` with `path` appended (no leading slash needed) and a trailing `/`, so that
/// `join("oauth/v2/token")` keeps every segment.
fn join_dir(base: &Url, path: &str) -> Result<Url, Error> {
    let mut u = base.clone();
    let joined = format!("{}/{}", u.path().trim_end_matches('/'), path.trim_matches('/'));
    let joined = if joined.ends_with('/') { joined } else { format!("{joined}/") };
    u.set_path(&joined.replace("//", "/"));
    Ok(u)
}

/// A running sandbox. Dropping it stops the listeners.
pub struct Sandbox {
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    bound: Vec<SocketAddr>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Sandbox");
        for dc in Dc::ALL {
            d.field(dc.location(), &self.accounts_url(dc).as_str());
        }
        d.finish_non_exhaustive()
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
            single_port: false,
            public_base: None,
            public_urls: Vec::new(),
        }
    }

    /// The advertised base URL of `service` in `dc`, ending in `/` (so `join("oauth/v2/token")`
    /// keeps it whole): `http://127.0.0.1:PORT/` with separate listeners,
    /// `http://127.0.0.1:PORT/eu/projectsapi/` in single-port mode.
    pub fn url(&self, dc: Dc, service: Service) -> Url {
        self.shared.url(dc, service).clone()
    }

    /// The addresses actually bound: nine (DC by DC, in [`Dc::ALL`] order, each host in
    /// [`Service::ALL`] order) with separate listeners, one in single-port mode. They differ
    /// from the advertised URLs when a public URL is set.
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.bound.clone()
    }

    /// The accounts server of `dc` (Zoho's `accounts.zoho.<tld>`; routes `oauth/...`).
    pub fn accounts_url(&self, dc: Dc) -> Url {
        self.url(dc, Service::Accounts)
    }

    /// The Projects API host of `dc` (Zoho's `projectsapi.zoho.<tld>`; routes `api/v3/...`,
    /// `restapi/...`).
    pub fn api_url(&self, dc: Dc) -> Url {
        self.url(dc, Service::Projects)
    }

    /// The `api_domain` host of `dc` (Zoho's `www.zohoapis.<tld>`), as token answers carry it;
    /// the sandbox serves a WorkDrive subset there (`workdrive/api/v1/...`).
    pub fn api_domain_url(&self, dc: Dc) -> Url {
        self.url(dc, Service::ApiDomain)
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

    /// The resource id of `dc`'s one seeded WorkDrive file, served on the `api_domain` host at
    /// `workdrive/api/v1/files/{id}` (scope `WorkDrive.files.READ`).
    pub fn demo_file(&self, dc: Dc) -> String {
        crate::apis::demo_file(dc).0.to_owned()
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
