//! Operating the sandbox: one implementation behind both the Rust [`crate::Sandbox`] methods
//! and the HTTP control API under [`PREFIX`] (JSON in and out, for curl, Python, JS…).
//!
//! Adversary: anyone who can reach a listener can drive the control API (it is a local test
//! server: on by default, off with `SandboxBuilder::control_api(false)` / `--no-control`). What it
//! can never do: show secrets seen in requests unless asked with `?reveal=true`, move the clock
//! backwards, or make the sandbox panic: every input is checked and refused with a typed
//! `{"error":…,"message":…}` answer.

use std::sync::RwLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::config::{Dc, Limits};
use crate::fault::{Fault, FaultKind, Route};
use crate::hosts::Service;
use crate::sandbox::{DemoPortal, DemoProject, Error};
use crate::server::Shared;
use crate::state::{
    ActiveFault, ClientCredentials, ClientSpec, Counters, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_REDIRECT,
    DeviceState, SeenRequest, State, UserInfo,
};
use crate::util::{Req, Resp, json, redact_query};

/// Where the control API lives on every listener (no Zoho path starts with it).
pub(crate) const PREFIX: &str = "/__sandbox";

/// The limits in force, switchable while running ([`set_limits`]) and read through `Deref` as
/// a plain `&Limits` everywhere else.
///
/// Each value is leaked once: the builder's limits at start, and each named profile at most
/// once per process (they are statics), so switching back and forth costs no memory.
pub(crate) struct LimitsCell(RwLock<&'static Limits>);

impl LimitsCell {
    pub(crate) fn new(limits: Limits) -> Self {
        LimitsCell(RwLock::new(Box::leak(Box::new(limits))))
    }

    fn set(&self, limits: &'static Limits) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = limits;
    }
}

impl std::ops::Deref for LimitsCell {
    type Target = Limits;
    fn deref(&self) -> &Limits {
        *self.0.read().unwrap_or_else(|e| e.into_inner())
    }
}

/// A named limits profile: `default` (Zoho's documented limits), `relaxed`, `strict`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// [`Limits::default`].
    Default,
    /// [`Limits::relaxed`].
    Relaxed,
    /// [`Limits::strict`].
    Strict,
}

impl Profile {
    /// Parses `default`, `relaxed` or `strict`.
    pub fn from_name(s: &str) -> Option<Profile> {
        match s {
            "default" => Some(Profile::Default),
            "relaxed" => Some(Profile::Relaxed),
            "strict" => Some(Profile::Strict),
            _ => None,
        }
    }

    fn limits(self) -> &'static Limits {
        static DEFAULT: std::sync::LazyLock<Limits> = std::sync::LazyLock::new(Limits::default);
        static RELAXED: std::sync::LazyLock<Limits> = std::sync::LazyLock::new(Limits::relaxed);
        static STRICT: std::sync::LazyLock<Limits> = std::sync::LazyLock::new(Limits::strict);
        match self {
            Profile::Default => &DEFAULT,
            Profile::Relaxed => &RELAXED,
            Profile::Strict => &STRICT,
        }
    }

    /// The profile `limits` equal, if any.
    fn of(limits: &Limits) -> Option<Profile> {
        [Profile::Default, Profile::Relaxed, Profile::Strict].into_iter().find(|p| p.limits() == limits)
    }

    fn name(self) -> &'static str {
        match self {
            Profile::Default => "default",
            Profile::Relaxed => "relaxed",
            Profile::Strict => "strict",
        }
    }
}

// ---- the shared implementation -------------------------------------------------------------

pub(crate) fn set_limits(sh: &Shared, p: Profile) {
    sh.limits.set(p.limits());
}

pub(crate) fn register_client(sh: &Shared, spec: &ClientSpec) -> ClientCredentials {
    sh.lock().register_client(spec)
}

pub(crate) fn add_user(sh: &Shared, email: &str, dc: Dc) -> UserInfo {
    sh.lock().add_user(email, None, dc)
}

pub(crate) fn users(sh: &Shared) -> Vec<UserInfo> {
    sh.lock().users.clone()
}

pub(crate) fn sign_in(sh: &Shared, email: &str) -> Result<UserInfo, Error> {
    let mut st = sh.lock();
    let u = st.user_by_email(email).cloned().ok_or_else(|| Error::UnknownUser(email.to_owned()))?;
    st.signed_in = u.email.clone();
    Ok(u)
}

pub(crate) fn self_client_code(sh: &Shared, client_id: &str, scopes: &[&str]) -> Result<String, Error> {
    let now = sh.clock.now_ms();
    let mut st = sh.lock();
    let client = st.clients.get(client_id).cloned().ok_or_else(|| Error::UnknownClient(client_id.to_owned()))?;
    if let Some(bad) = scopes.iter().find(|s| !crate::scopes::is_known(s)) {
        return Err(Error::UnknownScope((*bad).to_owned()));
    }
    let owner = st.user_by_zuid(client.owner_zuid).cloned().unwrap_or_else(|| st.users[0].clone());
    st.issue_code(
        now,
        &sh.limits,
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

pub(crate) fn mint_access_token(sh: &Shared, email: &str, scopes: &[&str]) -> Result<String, Error> {
    let now = sh.clock.now_ms();
    let mut st = sh.lock();
    let user = st.user_by_email(email).cloned().ok_or_else(|| Error::UnknownUser(email.to_owned()))?;
    if let Some(bad) = scopes.iter().find(|s| !crate::scopes::is_known(s)) {
        return Err(Error::UnknownScope((*bad).to_owned()));
    }
    let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
    st.mint_access(now, &sh.limits, DEMO_CLIENT_ID, user.zuid, user.dc, &scopes, None).map_err(|_| Error::CodesBlocked)
}

pub(crate) fn answer_device(sh: &Shared, user_code: &str, email: &str, accept: bool) -> Result<(), Error> {
    let now = sh.clock.now_ms();
    let mut st = sh.lock();
    let user = st.user_by_email(email).cloned().ok_or_else(|| Error::UnknownUser(email.to_owned()))?;
    let Some((_, rec)) = st.device_by_user_code(user_code) else {
        return Err(Error::UnknownUserCode(user_code.to_owned()));
    };
    if now >= rec.expires_ms || rec.state != DeviceState::Pending {
        return Err(Error::UnknownUserCode(user_code.to_owned()));
    }
    rec.state = if accept { DeviceState::Approved { zuid: user.zuid, user_dc: user.dc } } else { DeviceState::Denied };
    Ok(())
}

pub(crate) fn inject(sh: &Shared, fault: Fault) {
    let left = fault.times;
    sh.lock().faults.push(ActiveFault { fault, left });
}

pub(crate) fn clear_faults(sh: &Shared) {
    sh.lock().faults.clear();
}

/// Pending faults with how many uses each has left (`None`: until cleared).
pub(crate) fn faults(sh: &Shared) -> Vec<(Fault, Option<u32>)> {
    sh.lock().faults.iter().map(|f| (f.fault.clone(), f.left)).collect()
}

pub(crate) fn counters(sh: &Shared) -> Counters {
    let now = sh.clock.now_ms();
    let st = sh.lock();
    let mut c = st.counters.clone();
    c.active_per_refresh = st
        .refresh
        .iter()
        .map(|(rt, r)| {
            let n = r.access.iter().filter(|a| st.access.get(*a).is_some_and(|x| x.expires_ms > now)).count() as u64;
            (rt.clone(), n)
        })
        .collect();
    c
}

pub(crate) fn requests_seen(sh: &Shared) -> Vec<SeenRequest> {
    sh.lock().seen.clone()
}

pub(crate) fn demo_portal(sh: &Shared, dc: Dc) -> DemoPortal {
    portal_ids(&sh.lock().data[dc.index()])
}

/// The second seeded account's portal (`initech`, US DC; see [`crate::members`]).
pub(crate) fn other_portal(sh: &Shared) -> DemoPortal {
    let st = sh.lock();
    let other =
        st.data.iter().find(|s| s.person_by_zuid(crate::members::OTHER_ZUID).is_some_and(|p| p.role == "admin"));
    portal_ids(other.unwrap_or(&st.data[Dc::Us.index()]))
}

/// The second seeded account (another company's user, with a portal of their own).
pub(crate) fn other_user(sh: &Shared) -> UserInfo {
    let st = sh.lock();
    st.user_by_zuid(crate::members::OTHER_ZUID).cloned().unwrap_or_else(|| st.users[0].clone())
}

/// Makes the user `email` a member of the project `project_id` of `dc` (of whichever portal
/// holds it), and so one of that portal's people. Returns their zpuid in that portal.
pub(crate) fn add_project_member(sh: &Shared, dc: Dc, project_id: &str, email: &str) -> Result<String, Error> {
    let mut st = sh.lock();
    let u = st.user_by_email(email).cloned().ok_or_else(|| Error::UnknownUser(email.to_owned()))?;
    let unknown = || Error::UnknownProject(project_id.to_owned());
    let pid = crate::data::path_id(project_id).ok_or_else(unknown)?;
    let s = st.data.iter_mut().find(|s| s.dc == dc && s.projects.contains_key(&pid)).ok_or_else(unknown)?;
    s.add_project_member(pid, u.zuid, &u.name, &u.email).map(|z| z.to_string()).ok_or_else(unknown)
}

fn portal_ids(s: &crate::data::Store) -> DemoPortal {
    let ids = |it: Vec<u64>| it.into_iter().map(|i| i.to_string()).collect::<Vec<_>>();
    DemoPortal {
        id: s.portal_id.to_string(),
        v2_id: s.v2_portal_id.to_string(),
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

pub(crate) fn seed_tasks(sh: &Shared, dc: Dc, project_id: &str, n: usize) -> Result<Vec<String>, Error> {
    let now = sh.clock.now_ms();
    let mut st = sh.lock();
    let s = &mut st.data[dc.index()];
    let pid: u64 = project_id
        .parse()
        .ok()
        .filter(|p| s.projects.contains_key(p))
        .ok_or_else(|| Error::UnknownProject(project_id.to_owned()))?;
    Ok(s.bulk_tasks(pid, n, now).into_iter().map(|i| i.to_string()).collect())
}

/// Back to the seed: users, clients, codes, tokens, data, faults, counters and requests seen
/// as at start. The clock (forward only), the limits and auto-approval stay as they are.
pub(crate) fn reset(sh: &Shared) {
    *sh.lock() = State::new();
}

pub(crate) fn demo_client() -> ClientCredentials {
    ClientCredentials {
        client_id: DEMO_CLIENT_ID.to_owned(),
        client_secret: DEMO_CLIENT_SECRET.to_owned(),
        redirect_uri: DEMO_REDIRECT.to_owned(),
    }
}

// ---- JSON views ----------------------------------------------------------------------------

fn user_json(u: &UserInfo) -> Value {
    json!({"email": u.email, "name": u.name, "zuid": u.zuid, "zpuid": u.zpuid, "dc": u.dc.location()})
}

fn clock_json(sh: &Shared) -> Value {
    json!({
        "now_ms": sh.clock.now_ms(),
        "now": sh.clock.now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "mode": if sh.clock.is_real() { "real" } else { "virtual" },
    })
}

fn limits_json(l: &Limits) -> Value {
    let s = |d: Duration| d.as_secs_f64();
    json!({
        "profile": Profile::of(l).map_or("custom", Profile::name),
        "code_ttl_s": s(l.code_ttl),
        "codes_per_window": l.codes_per_window,
        "code_window_s": s(l.code_window),
        "code_block_s": s(l.code_block),
        "refresh_tokens_per_user": l.refresh_tokens_per_user,
        "refresh_tokens_per_minute": l.refresh_tokens_per_minute,
        "refresh_overflow_replaces_oldest": l.refresh_overflow_replaces_oldest,
        "access_tokens_per_refresh_token": l.access_tokens_per_refresh_token,
        "access_token_mints_per_window": l.access_token_mints_per_window,
        "access_token_mint_window_s": s(l.access_token_mint_window),
        "access_token_ttl_s": s(l.access_token_ttl),
        "device_code_ttl_s": s(l.device_code_ttl),
        "device_poll_interval_s": s(l.device_poll_interval),
        "api_requests_per_window": l.api_requests_per_window,
        "api_window_s": s(l.api_window),
        "api_block_s": s(l.api_block),
    })
}

fn route_name(r: &Route) -> Value {
    match r {
        Route::Path(p) => json!({"path": p}),
        Route::Any => json!("any"),
        other => json!(other.name()),
    }
}

fn fault_json(f: &Fault, left: Option<u32>) -> Value {
    let mut v = match &f.kind {
        FaultKind::Status(s) => json!({"kind": "status", "status": s}),
        FaultKind::Respond { status, content_type, body } => {
            json!({"kind": "respond", "status": status, "content_type": content_type, "body": body})
        }
        FaultKind::Delay(d) => json!({"kind": "delay", "ms": d.as_millis() as u64}),
        FaultKind::MalformedBody => json!({"kind": "malformed_body"}),
        FaultKind::DropConnection => json!({"kind": "drop_connection"}),
        FaultKind::OkWithError(e) => json!({"kind": "ok_with_error", "error": e}),
    };
    v["route"] = route_name(&f.route);
    v["times"] = json!(f.times);
    v["left"] = json!(left);
    v["headers"] = f.headers.iter().map(|(k, v)| json!([k, v])).collect();
    v
}

fn counters_json(c: &Counters) -> Value {
    let routes = [
        Route::Token,
        Route::Revoke,
        Route::Auth,
        Route::DeviceCode,
        Route::DeviceToken,
        Route::DeviceVerify,
        Route::ServerInfo,
        Route::Api,
        Route::ApiDomain,
    ];
    let per_route: serde_json::Map<String, Value> =
        routes.iter().map(|r| (r.name().to_owned(), json!(c.requests(r)))).collect();
    json!({
        "codes_issued": c.codes_issued,
        "access_tokens_minted": c.access_tokens_minted,
        "refresh_tokens_issued": c.refresh_tokens_issued,
        "refresh_grants": c.refresh_grants,
        "token_requests": c.token_requests,
        "token_errors": c.token_errors,
        "access_denied": c.access_denied,
        "device_codes_issued": c.device_codes_issued,
        "revocations": c.revocations,
        "api_requests": c.api_requests,
        "api_rate_limited": c.api_rate_limited,
        "faults_applied": c.faults_applied,
        "requests": per_route,
    })
}

/// Header names whose values are secrets.
const SECRET_HEADERS: &[&str] = &["authorization", "cookie", "proxy-authorization"];

fn seen_json(r: &SeenRequest, reveal: bool) -> Value {
    let (path_and_query, headers): (String, Vec<Value>) = if reveal {
        (r.path_and_query.clone(), r.headers.iter().map(|(k, v)| json!([k, v])).collect())
    } else {
        let pq = match r.path_and_query.split_once('?') {
            Some((p, q)) => format!("{p}?{}", redact_query(q)),
            None => r.path_and_query.clone(),
        };
        let hs = r
            .headers
            .iter()
            .map(|(k, v)| {
                if SECRET_HEADERS.contains(&k.to_ascii_lowercase().as_str()) {
                    // keep the scheme (e.g. `Zoho-oauthtoken`), never the credential
                    let scheme = v.split_once(' ').map_or("", |(s, _)| s);
                    json!([k, format!("{scheme} ***").trim_start()])
                } else {
                    json!([k, v])
                }
            })
            .collect();
        (pq, hs)
    };
    json!({
        "dc": r.dc.location(),
        "service": r.service.name(),
        "method": r.method,
        "path_and_query": path_and_query,
        "headers": headers,
        "route": route_name(&r.route),
        "at_ms": r.at_ms,
    })
}

fn portal_json(p: &DemoPortal) -> Value {
    json!({
        "id": p.id,
        "v2_id": p.v2_id,
        "projects": p.projects.iter().map(|p| json!({
            "id": p.id, "name": p.name, "tasklists": p.tasklists, "milestones": p.milestones,
            "tasks": p.tasks, "issues": p.issues,
        })).collect::<Vec<_>>(),
    })
}

/// Everything a script needs to start: every URL, the demo client, user and portals. The
/// `--json` start-up line and `GET /__sandbox` both print it.
pub(crate) fn info(sh: &Shared) -> Value {
    let mut urls = serde_json::Map::new();
    let mut portals = serde_json::Map::new();
    for dc in Dc::ALL {
        let mut one = serde_json::Map::new();
        for s in Service::ALL {
            one.insert(s.name().to_owned(), json!(sh.url(dc, s).as_str()));
        }
        urls.insert(dc.location().to_owned(), Value::Object(one));
        portals.insert(dc.location().to_owned(), portal_json(&demo_portal(sh, dc)));
    }
    let c = demo_client();
    let user = sh.lock().users[0].clone();
    json!({
        "other_user": user_json(&other_user(sh)),
        "other_portal": portal_json(&other_portal(sh)),
        "sandbox": env!("CARGO_PKG_VERSION"),
        "urls": urls,
        "control": sh.control.then(|| sh.control_url.as_str()),
        "client": {"client_id": c.client_id, "client_secret": c.client_secret, "redirect_uri": c.redirect_uri},
        "user": user_json(&user),
        "portals": portals,
        "demo_files": Dc::ALL.iter().map(|dc| (dc.location().to_owned(), json!(crate::apis::demo_file(*dc).0))).collect::<serde_json::Map<_, _>>(),
        "auto_approve": sh.auto_approve(),
        "clock": clock_json(sh),
        "limits": Profile::of(&sh.limits).map_or("custom", Profile::name),
    })
}

// ---- HTTP ----------------------------------------------------------------------------------

/// A refused control call: `{"error": kind, "message": …}` with this status.
struct CtlErr {
    status: u16,
    kind: String,
    message: String,
}

fn err(status: u16, error: &str, message: &str) -> CtlErr {
    CtlErr { status, kind: error.to_owned(), message: message.to_owned() }
}

fn from_error(e: &Error) -> CtlErr {
    let (status, kind) = match e {
        Error::UnknownUser(_) => (404, "unknown_user"),
        Error::UnknownClient(_) => (404, "unknown_client"),
        Error::UnknownUserCode(_) => (404, "unknown_user_code"),
        Error::UnknownProject(_) => (404, "unknown_project"),
        Error::UnknownScope(_) => (400, "unknown_scope"),
        Error::WrongClientKind(..) => (400, "wrong_client_kind"),
        Error::CodesBlocked => (429, "blocked"),
        Error::ClockBackwards { .. } => (409, "clock_backwards"),
        _ => (400, "invalid_request"),
    };
    err(status, kind, &e.to_string())
}

/// A JSON body (empty = `{}`) into `T`; a typed 400 otherwise.
fn body<T: for<'de> Deserialize<'de>>(req: &Req) -> Result<T, CtlErr> {
    let bytes: &[u8] = if req.body.iter().all(u8::is_ascii_whitespace) { b"{}" } else { &req.body };
    serde_json::from_slice(bytes).map_err(|e| err(400, "invalid_json", &e.to_string()))
}

fn dc_of(s: Option<&str>) -> Result<Dc, CtlErr> {
    match s {
        None => Ok(Dc::Us),
        Some(v) => {
            Dc::from_location(v).ok_or_else(|| err(400, "unknown_dc", &format!("unknown dc {v:?} (us, eu, in)")))
        }
    }
}

/// Scopes as a JSON list or Zoho's comma-separated string.
#[derive(Deserialize)]
#[serde(untagged)]
enum Scopes {
    List(Vec<String>),
    Joined(String),
}

impl Scopes {
    fn list(&self) -> Vec<String> {
        match self {
            Scopes::List(v) => v.clone(),
            Scopes::Joined(s) => s.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvanceIn {
    seconds: Option<f64>,
    ms: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetIn {
    now_ms: Option<i64>,
    now: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModeIn {
    mode: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsIn {
    profile: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultIn {
    kind: Option<String>,
    status: Option<u16>,
    content_type: Option<String>,
    body: Option<String>,
    ms: Option<u64>,
    error: Option<String>,
    route: Option<Value>,
    times: Option<Value>,
    #[serde(default)]
    headers: Vec<(String, String)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserIn {
    email: String,
    dc: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EmailIn {
    email: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeIn {
    client_id: Option<String>,
    scopes: Scopes,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenIn {
    email: Option<String>,
    scopes: Scopes,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceIn {
    user_code: String,
    email: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberIn {
    dc: Option<String>,
    project_id: String,
    email: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TasksIn {
    dc: Option<String>,
    project_id: Option<String>,
    count: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AutoApproveIn {
    on: bool,
}

/// Largest task batch one control call may seed (a bound on memory, not a Zoho limit).
const MAX_SEED: usize = 100_000;

fn parse_route(v: Option<&Value>) -> Result<Route, CtlErr> {
    let bad = || {
        err(
            400,
            "unknown_route",
            "route: token, revoke, auth, device_code, device_token, device_verify, serverinfo, api, api_domain, any, or {\"path\": \"/api/v3/**\"}",
        )
    };
    Ok(match v {
        None => Route::Any,
        Some(Value::String(s)) => match s.as_str() {
            "token" => Route::Token,
            "revoke" => Route::Revoke,
            "auth" => Route::Auth,
            "device_code" => Route::DeviceCode,
            "device_token" => Route::DeviceToken,
            "device_verify" => Route::DeviceVerify,
            "serverinfo" => Route::ServerInfo,
            "api" => Route::Api,
            "api_domain" => Route::ApiDomain,
            "any" | "other" => Route::Any,
            _ => return Err(bad()),
        },
        Some(Value::Object(o)) => match o.get("path").and_then(Value::as_str) {
            Some(p) if o.len() == 1 && p.starts_with('/') => Route::Path(p.to_owned()),
            _ => return Err(bad()),
        },
        Some(_) => return Err(bad()),
    })
}

fn parse_fault(f: FaultIn) -> Result<Fault, CtlErr> {
    let kind = f.kind.as_deref().unwrap_or(if f.status.is_some() { "status" } else { "" });
    let need_status = |s: Option<u16>| match s {
        Some(s) if (100..=599).contains(&s) => Ok(s),
        _ => Err(err(400, "invalid_fault", "status must be an HTTP status (100-599)")),
    };
    let mut fault = match kind {
        "status" => Fault::status(need_status(f.status)?),
        "respond" => Fault::respond(
            need_status(f.status)?,
            f.content_type.as_deref().unwrap_or("application/json;charset=UTF-8"),
            f.body.as_deref().unwrap_or(""),
        ),
        "delay" => {
            Fault::delay(Duration::from_millis(f.ms.ok_or_else(|| err(400, "invalid_fault", "delay needs ms"))?))
        }
        "malformed_body" => Fault::malformed_body(),
        "drop_connection" => Fault::drop_connection(),
        "ok_with_error" => Fault::ok_with_error(
            f.error.as_deref().ok_or_else(|| err(400, "invalid_fault", "ok_with_error needs error"))?,
        ),
        "throttled" => Fault::throttled(),
        _ => {
            return Err(err(
                400,
                "invalid_fault",
                "kind: status, respond, delay, malformed_body, drop_connection, ok_with_error, throttled",
            ));
        }
    };
    fault = fault.on(parse_route(f.route.as_ref())?);
    match f.times {
        None => {}
        Some(Value::String(s)) if s == "always" => fault = fault.always(),
        Some(Value::Null) => fault = fault.always(),
        Some(v) => match v.as_u64().and_then(|n| u32::try_from(n).ok()).filter(|n| *n > 0) {
            Some(n) => fault = fault.times(n),
            None => return Err(err(400, "invalid_fault", "times: a positive count, or \"always\"")),
        },
    }
    for (k, v) in &f.headers {
        if axum::http::HeaderName::from_bytes(k.as_bytes()).is_err() || axum::http::HeaderValue::from_str(v).is_err() {
            return Err(err(400, "invalid_fault", &format!("not a valid HTTP header: {k:?}")));
        }
        fault = fault.header(k, v);
    }
    Ok(fault)
}

fn time_of(s: &SetIn) -> Result<SystemTime, CtlErr> {
    match (s.now_ms, &s.now) {
        (Some(ms), None) => u64::try_from(ms)
            .ok()
            .map(|ms| UNIX_EPOCH + Duration::from_millis(ms))
            .ok_or_else(|| err(400, "invalid_time", "now_ms must not be negative")),
        (None, Some(t)) => chrono::DateTime::parse_from_rfc3339(t)
            .map(SystemTime::from)
            .map_err(|e| err(400, "invalid_time", &format!("now: an RFC 3339 time ({e})"))),
        _ => Err(err(400, "invalid_time", "give exactly one of now_ms or now")),
    }
}

/// Serves `/__sandbox/...`; `path` is the part after the prefix.
pub(crate) fn handle(sh: &Shared, req: &Req, path: &str) -> Resp {
    match run(sh, req, path) {
        Ok(r) => r,
        Err(e) => json(e.status, &json!({"error": e.kind, "message": e.message})),
    }
}

fn run(sh: &Shared, req: &Req, path: &str) -> Result<Resp, CtlErr> {
    let m = &req.method;
    let get = m == Method::GET;
    let post = m == Method::POST;
    let demo_email = || sh.lock().users[0].email.clone();
    Ok(match path.trim_end_matches('/') {
        "" if get => json(200, &info(sh)),
        "/clock" if get => json(200, &clock_json(sh)),
        "/clock/advance" if post => {
            let a: AdvanceIn = body(req)?;
            let by = match (a.seconds, a.ms) {
                (Some(s), None) if (0.0..1e12).contains(&s) => Duration::from_secs_f64(s),
                (None, Some(ms)) => Duration::from_millis(ms),
                _ => return Err(err(400, "invalid_duration", "give exactly one of seconds (≥ 0) or ms")),
            };
            sh.clock.advance(by);
            json(200, &clock_json(sh))
        }
        "/clock/set" if post => {
            let s: SetIn = body(req)?;
            sh.clock.set(time_of(&s)?).map_err(|e| from_error(&e))?;
            json(200, &clock_json(sh))
        }
        "/clock/mode" if post => {
            let s: ModeIn = body(req)?;
            match s.mode.as_str() {
                "real" => sh.clock.run_real(true),
                "virtual" => sh.clock.run_real(false),
                _ => return Err(err(400, "invalid_mode", "mode: real or virtual")),
            }
            json(200, &clock_json(sh))
        }
        "/limits" if get => json(200, &limits_json(&sh.limits)),
        "/limits" if m == Method::PUT || post => {
            let l: LimitsIn = body(req)?;
            let p = Profile::from_name(&l.profile)
                .ok_or_else(|| err(400, "unknown_profile", "profile: default, relaxed or strict"))?;
            set_limits(sh, p);
            json(200, &limits_json(&sh.limits))
        }
        "/auto-approve" if post => {
            let a: AutoApproveIn = body(req)?;
            sh.auto_approve.store(a.on, std::sync::atomic::Ordering::SeqCst);
            json(200, &json!({"auto_approve": a.on}))
        }
        "/faults" if get => json(200, &Value::Array(faults(sh).iter().map(|(f, l)| fault_json(f, *l)).collect())),
        "/faults" if post => {
            let f = parse_fault(body(req)?)?;
            let v = fault_json(&f, f.times);
            inject(sh, f);
            json(201, &v)
        }
        "/faults" if m == Method::DELETE => {
            clear_faults(sh);
            json(200, &json!([]))
        }
        "/counters" if get => json(200, &counters_json(&counters(sh))),
        "/requests" if get => {
            let reveal = req.q("reveal").is_some_and(|v| v == "true" || v == "1");
            json(200, &Value::Array(requests_seen(sh).iter().map(|r| seen_json(r, reveal)).collect()))
        }
        "/reset" if post => {
            reset(sh);
            json(200, &info(sh))
        }
        "/users" if get => json(200, &Value::Array(users(sh).iter().map(user_json).collect())),
        "/users" if post => {
            let u: UserIn = body(req)?;
            let email = u.email.trim();
            if email.is_empty() || !email.contains('@') || email.len() > 254 {
                return Err(err(400, "invalid_email", "email: an e-mail address"));
            }
            json(201, &user_json(&add_user(sh, email, dc_of(u.dc.as_deref())?)))
        }
        "/sign-in" if post => {
            let e: EmailIn = body(req)?;
            json(200, &user_json(&sign_in(sh, &e.email).map_err(|e| from_error(&e))?))
        }
        "/self-client-code" if post => {
            let c: CodeIn = body(req)?;
            let scopes = c.scopes.list();
            let refs: Vec<&str> = scopes.iter().map(String::as_str).collect();
            let id = c.client_id.unwrap_or_else(|| DEMO_CLIENT_ID.to_owned());
            let code = self_client_code(sh, &id, &refs).map_err(|e| from_error(&e))?;
            json(201, &json!({"code": code}))
        }
        "/tokens" if post => {
            let t: TokenIn = body(req)?;
            let scopes = t.scopes.list();
            let refs: Vec<&str> = scopes.iter().map(String::as_str).collect();
            let email = t.email.unwrap_or_else(demo_email);
            let at = mint_access_token(sh, &email, &refs).map_err(|e| from_error(&e))?;
            json(201, &json!({"access_token": at, "expires_in": sh.limits.access_token_ttl.as_secs()}))
        }
        "/device/approve" | "/device/deny" if post => {
            let d: DeviceIn = body(req)?;
            let email = d.email.unwrap_or_else(demo_email);
            let accept = path.trim_end_matches('/') == "/device/approve";
            answer_device(sh, &d.user_code, &email, accept).map_err(|e| from_error(&e))?;
            json(200, &json!({"user_code": d.user_code, "approved": accept}))
        }
        "/project-members" if post => {
            let m: MemberIn = body(req)?;
            let zpuid =
                add_project_member(sh, dc_of(m.dc.as_deref())?, &m.project_id, &m.email).map_err(|e| from_error(&e))?;
            json(201, &json!({"project_id": m.project_id, "email": m.email, "zpuid": zpuid}))
        }
        "/tasks" if post => {
            let t: TasksIn = body(req)?;
            let dc = dc_of(t.dc.as_deref())?;
            if t.count == 0 || t.count > MAX_SEED {
                return Err(err(400, "invalid_count", &format!("count: 1 to {MAX_SEED}")));
            }
            let project = match t.project_id {
                Some(p) => p,
                None => demo_portal(sh, dc)
                    .projects
                    .first()
                    .map(|p| p.id.clone())
                    .ok_or_else(|| err(404, "unknown_project", "no project"))?,
            };
            let ids = seed_tasks(sh, dc, &project, t.count).map_err(|e| from_error(&e))?;
            json(201, &json!({"project_id": project, "ids": ids}))
        }
        "" | "/clock" | "/clock/advance" | "/clock/set" | "/clock/mode" | "/limits" | "/auto-approve" | "/faults"
        | "/counters" | "/requests" | "/reset" | "/users" | "/sign-in" | "/self-client-code" | "/tokens"
        | "/device/approve" | "/device/deny" | "/tasks" | "/project-members" => {
            return Err(err(405, "method_not_allowed", &format!("{m} is not allowed here")));
        }
        _ => return Err(err(404, "unknown_verb", "see GET /__sandbox and the sandbox README")),
    })
}
