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
use crate::control::{self, Profile};
use crate::fault::Fault;
use crate::hosts::Service;
use crate::server::{Binding, Shared, serve};
use crate::state::{ClientCredentials, ClientKind, ClientSpec, Counters, SeenRequest, State, UserInfo};

/// Errors from the sandbox's library API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Binding a listener failed.
    #[error("cannot bind a listener")]
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
    /// No project has this id in the DC (its demo portal, or any portal for
    /// [`Sandbox::add_project_member`]).
    #[error("unknown project {0}")]
    UnknownProject(String),
    /// [`Clock::set`] was asked to move the clock backwards.
    #[error("the clock stands at {now_ms} ms; it cannot be set back to {asked_ms} ms")]
    ClockBackwards {
        /// Where the clock stands (ms since the epoch).
        now_ms: i64,
        /// Where it was asked to go.
        asked_ms: i64,
    },
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
    control: bool,
    real_clock: bool,
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

    /// Serve the control API under `/__sandbox` on every listener (default `true`): the HTTP
    /// face of the [`Sandbox`] methods, for tests in any language. Anyone who can reach a
    /// listener can use it; turn it off when the sandbox is reachable by others.
    pub fn control_api(mut self, on: bool) -> Self {
        self.control = on;
        self
    }

    /// Let the clock follow real time from the start ([`Clock::run_real`]); default: it stands
    /// still until advanced.
    pub fn real_clock(mut self, yes: bool) -> Self {
        self.real_clock = yes;
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
        let mut control_url = None;
        if self.single_port {
            let l = TcpListener::bind(base).await?;
            let root = match &self.public_base {
                Some(b) => b.clone(),
                None => bound_url(l.local_addr()?)?,
            };
            control_url = Some(join_dir(&root, crate::control::PREFIX)?);
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
        let control_url = match control_url {
            Some(u) => u,
            None => join_dir(&urls[Dc::Us.index()][Service::Accounts.index()], crate::control::PREFIX)?,
        };
        for (dc, s, u) in &self.public_urls {
            urls[dc.index()][s.index()] = join_dir(u, "")?;
        }
        let clock = Clock::new(self.start_time.unwrap_or_else(SystemTime::now));
        clock.run_real(self.real_clock);
        let mut control_url = control_url;
        control_url.set_path(control_url.path().trim_end_matches('/').to_owned().as_str());
        let shared = Arc::new(Shared {
            clock,
            limits: crate::control::LimitsCell::new(self.limits),
            control: self.control,
            control_url,
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
    /// The V3 portal id (9 digits), used in `/api/v3/portal/{id}`.
    pub id: String,
    /// The same portal's id in the older API (7 digits), used in `/restapi/portal/{id}`; at Zoho
    /// the two differ and each API refuses the other's.
    pub v2_id: String,
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
            control: true,
            real_clock: false,
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
        control::demo_client()
    }

    /// Registers a client, as in the API console.
    pub fn register_client(&self, spec: ClientSpec) -> ClientCredentials {
        control::register_client(&self.shared, &spec)
    }

    /// The demo user (portal owner, US DC, signed in by default).
    pub fn demo_user(&self) -> UserInfo {
        self.shared.lock().users[0].clone()
    }

    /// Adds a user homed in `dc` (and a member of that DC's demo portal); returns the existing
    /// one if the e-mail is known.
    pub fn add_user(&self, email: &str, dc: Dc) -> UserInfo {
        control::add_user(&self.shared, email, dc)
    }

    /// The second seeded account, `omar@initech.example` (US DC): another company's user who
    /// owns the portal [`Sandbox::other_portal`] and is no member of the demo portal, so their
    /// tokens get Zoho's permission error there (V3 403 `NO_PERMISSION`, restapi 400 code 6403).
    /// Mint a token for them with [`Sandbox::mint_access_token`] or sign them in with
    /// [`Sandbox::sign_in`].
    pub fn other_user(&self) -> UserInfo {
        control::other_user(&self.shared)
    }

    /// The ids of the second account's portal `initech` (US DC): one project `IN1` with one task
    /// list and two tasks. No demo user is a member of it.
    pub fn other_portal(&self) -> DemoPortal {
        control::other_portal(&self.shared)
    }

    /// Makes the user `email` a member of the project `project_id` in `dc` (whichever portal
    /// holds it), and so one of that portal's people (as an employee) if they were not. Returns
    /// their zpuid in that portal. A member who is not a portal admin sees only the projects they
    /// are a member of.
    pub fn add_project_member(&self, dc: Dc, project_id: &str, email: &str) -> Result<String, Error> {
        control::add_project_member(&self.shared, dc, project_id, email)
    }

    /// Every known user.
    pub fn users(&self) -> Vec<UserInfo> {
        control::users(&self.shared)
    }

    /// Makes `email` the browser's signed-in user: the one who sees the consent page.
    pub fn sign_in(&self, email: &str) -> Result<UserInfo, Error> {
        control::sign_in(&self.shared, email)
    }

    /// "Generate Code" for a client (self clients in Zoho's console; any client here), as the
    /// client's owner. The code needs no `redirect_uri` at the token endpoint and yields a
    /// refresh token. It counts towards the code limit.
    pub fn self_client_code(&self, client_id: &str, scopes: &[&str]) -> Result<String, Error> {
        control::self_client_code(&self.shared, client_id, scopes)
    }

    /// Mints an access token for `email` with `scopes` directly (as if the demo client had run
    /// the flow), bound to no refresh token: a shortcut for tests that only need to call the API.
    pub fn mint_access_token(&self, email: &str, scopes: &[&str]) -> Result<String, Error> {
        control::mint_access_token(&self.shared, email, scopes)
    }

    /// What a user does on the device verification page: enter `user_code` and accept.
    pub fn approve_device(&self, user_code: &str, email: &str) -> Result<(), Error> {
        control::answer_device(&self.shared, user_code, email, true)
    }

    /// The same, but the user presses Deny.
    pub fn deny_device(&self, user_code: &str, email: &str) -> Result<(), Error> {
        control::answer_device(&self.shared, user_code, email, false)
    }

    /// Injects a fault for the next matching requests.
    pub fn inject(&self, fault: Fault) {
        control::inject(&self.shared, fault)
    }

    /// Removes every pending fault.
    pub fn clear_faults(&self) {
        control::clear_faults(&self.shared)
    }

    /// The pending faults, each with how many uses it has left (`None`: until cleared).
    pub fn faults(&self) -> Vec<(Fault, Option<u32>)> {
        control::faults(&self.shared)
    }

    /// A snapshot of the counters.
    pub fn counters(&self) -> Counters {
        control::counters(&self.shared)
    }

    /// Every request received so far, oldest first.
    pub fn requests_seen(&self) -> Vec<SeenRequest> {
        control::requests_seen(&self.shared)
    }

    /// The ids of `dc`'s demo portal and its seeded projects.
    pub fn demo_portal(&self, dc: Dc) -> DemoPortal {
        control::demo_portal(&self.shared, dc)
    }

    /// The resource id of `dc`'s one seeded WorkDrive file, served on the `api_domain` host at
    /// `workdrive/api/v1/files/{id}` (scope `WorkDrive.files.READ`).
    pub fn demo_file(&self, dc: Dc) -> String {
        crate::apis::demo_file(dc).0.to_owned()
    }

    /// Bulk-creates `n` tasks named `Bulk task 1..n` in a project of `dc`'s demo portal (in its
    /// first task list) and returns their ids, for paging tests.
    pub fn seed_tasks(&self, dc: Dc, project_id: &str, n: usize) -> Result<Vec<String>, Error> {
        control::seed_tasks(&self.shared, dc, project_id, n)
    }

    /// Stores `data` as an attachment of task `task_id` in project `project_id` of `dc` (in
    /// whichever portal holds the project), as an upload by the project's owner would, and
    /// returns its id. Not bound by the request body limit: for downloads of large files.
    pub fn seed_attachment(
        &self,
        dc: Dc,
        project_id: &str,
        task_id: &str,
        name: &str,
        content_type: &str,
        data: Vec<u8>,
    ) -> Result<String, Error> {
        let now = self.shared.clock.now_ms();
        let mut st = self.shared.lock();
        let unknown = || Error::UnknownProject(format!("{project_id}/tasks/{task_id}"));
        let (pid, tid) =
            (crate::data::path_id(project_id).ok_or_else(unknown)?, crate::data::path_id(task_id).ok_or_else(unknown)?);
        let s = st
            .data
            .iter_mut()
            .find(|s| s.dc == dc && s.tasks.get(&tid).is_some_and(|t| t.project == pid))
            .ok_or_else(unknown)?;
        let id = s.next_id();
        let created_by = s.projects.get(&pid).map_or(0, |p| p.owner);
        let a = crate::attachments::Attachment {
            id,
            owner: crate::attachments::Owner::Task(tid),
            name: name.to_owned(),
            content_type: content_type.to_owned(),
            data: data.into(),
            created_by,
            created_time: now,
        };
        s.attachments.insert(id, a);
        Ok(id.to_string())
    }

    /// The attachment `id` as the sandbox stored it in `dc` (what an upload delivered), if any
    /// portal of `dc` holds it.
    pub fn attachment(&self, dc: Dc, id: &str) -> Option<StoredAttachment> {
        let id = crate::data::path_id(id)?;
        let st = self.shared.lock();
        st.data.iter().filter(|s| s.dc == dc).find_map(|s| s.attachments.get(&id)).map(|a| StoredAttachment {
            name: a.name.clone(),
            content_type: a.content_type.clone(),
            owner_id: match a.owner {
                crate::attachments::Owner::Task(t) | crate::attachments::Owner::Issue(t) => t.to_string(),
            },
            data: a.data.to_vec(),
        })
    }

    /// How many attachments `dc`'s portals hold.
    pub fn attachment_count(&self, dc: Dc) -> usize {
        self.shared.lock().data.iter().filter(|s| s.dc == dc).map(|s| s.attachments.len()).sum()
    }

    /// Switches the limits in force to a named profile while running.
    pub fn set_limits(&self, profile: Profile) {
        control::set_limits(&self.shared, profile)
    }

    /// Back to the seed: users, clients, codes, tokens, data, faults, counters and requests
    /// seen as at start. The clock (it only moves forward), the limits and auto-approval stay.
    pub fn reset(&self) {
        control::reset(&self.shared)
    }

    /// Where the control API answers (`http://…/__sandbox`), or `None` when it is off.
    pub fn control_url(&self) -> Option<Url> {
        self.shared.control.then(|| self.shared.control_url.clone())
    }

    /// What `GET /__sandbox` and `zoho-sandbox --json` print: every URL, the demo client, user,
    /// portals and files, the clock and the limits profile.
    pub fn info(&self) -> serde_json::Value {
        control::info(&self.shared)
    }

    /// Stops the listeners and waits for them.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks.drain(..) {
            let _ = t.await;
        }
    }
}

/// A file stored as a task or issue attachment ([`Sandbox::attachment`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoredAttachment {
    /// The file name the upload gave.
    pub name: String,
    /// The content type the upload gave (`application/octet-stream` if none).
    pub content_type: String,
    /// The id of the task or issue it belongs to.
    pub owner_id: String,
    /// The stored bytes.
    pub data: Vec<u8>,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        for t in &self.tasks {
            t.abort();
        }
    }
}
