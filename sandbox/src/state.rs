//! In-memory state of the whole sandbox (accounts side) and the public handle types.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;

use crate::config::{Dc, Limits};
use crate::fault::{Fault, Route};
use crate::util::{random_upper, zoho_token};

/// The kind of OAuth client registered in the (sandbox) API console.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClientKind {
    /// A server-based web client: authorization-code flow with a registered redirect URI.
    Web,
    /// A self client: codes from "Generate Code" ([`crate::Sandbox::self_client_code`]) and the
    /// `client_credentials` grant; no redirect URI.
    SelfClient,
    /// A non-browser (device) client: the device flow.
    Device,
}

/// What to register with [`crate::Sandbox::register_client`].
#[derive(Clone, Debug)]
pub struct ClientSpec {
    /// Display name shown on the consent page.
    pub name: String,
    /// Client type.
    pub kind: ClientKind,
    /// Registered redirect URIs (exact match; web clients need at least one).
    pub redirect_uris: Vec<String>,
    /// E-mail of the user who owns the client (self clients act as this user with
    /// `client_credentials`); default: the demo user.
    pub owner: Option<String>,
}

impl Default for ClientSpec {
    fn default() -> Self {
        ClientSpec {
            name: "Sandbox test client".to_owned(),
            kind: ClientKind::Web,
            redirect_uris: vec!["http://localhost:8080/callback".to_owned()],
            owner: None,
        }
    }
}

impl ClientSpec {
    /// A web client with one redirect URI.
    pub fn web(redirect_uri: &str) -> Self {
        ClientSpec { redirect_uris: vec![redirect_uri.to_owned()], ..ClientSpec::default() }
    }

    /// A self client.
    pub fn self_client() -> Self {
        ClientSpec {
            name: "Self Client".to_owned(),
            kind: ClientKind::SelfClient,
            redirect_uris: Vec::new(),
            owner: None,
        }
    }

    /// A device (non-browser) client.
    pub fn device() -> Self {
        ClientSpec {
            name: "Sandbox device client".to_owned(),
            kind: ClientKind::Device,
            redirect_uris: Vec::new(),
            owner: None,
        }
    }
}

/// A registered client's credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientCredentials {
    /// `client_id`, e.g. `1000.ABC…`.
    pub client_id: String,
    /// `client_secret`.
    pub client_secret: String,
    /// The first registered redirect URI (empty for self and device clients).
    pub redirect_uri: String,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("redirect_uri", &self.redirect_uri)
            .finish()
    }
}

/// A Zoho user account known to the sandbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserInfo {
    /// Login e-mail.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Zoho user id (a number in Zoho's JSON).
    pub zuid: u64,
    /// Projects portal user id (a 19-digit string in V3).
    pub zpuid: String,
    /// Home data centre.
    pub dc: Dc,
}

#[derive(Clone, Debug)]
pub(crate) struct Client {
    pub(crate) id: String,
    pub(crate) secret: String,
    pub(crate) name: String,
    pub(crate) kind: ClientKind,
    pub(crate) redirect_uris: Vec<String>,
    pub(crate) owner_zuid: u64,
}

#[derive(Clone, Debug)]
pub(crate) struct AuthCode {
    pub(crate) client_id: String,
    pub(crate) zuid: u64,
    pub(crate) dc: Dc,
    pub(crate) scopes: Vec<String>,
    /// `Some` for web-flow codes: the token request must repeat it.
    pub(crate) redirect_uri: Option<String>,
    /// Whether the token answer carries a refresh token.
    pub(crate) grants_refresh: bool,
    pub(crate) challenge: Option<(String, String)>,
    pub(crate) expires_ms: i64,
    pub(crate) used: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct RefreshRec {
    pub(crate) client_id: String,
    pub(crate) zuid: u64,
    pub(crate) dc: Dc,
    pub(crate) scopes: Vec<String>,
    /// Issue order (the clock may stand still).
    pub(crate) order: u64,
    pub(crate) revoked: bool,
    /// Access tokens made from it, oldest first.
    pub(crate) access: VecDeque<String>,
    pub(crate) mint_times: VecDeque<i64>,
    pub(crate) minted: u64,
}

#[derive(Clone, Debug)]
pub(crate) struct AccessRec {
    pub(crate) zuid: u64,
    pub(crate) dc: Dc,
    pub(crate) scopes: Vec<String>,
    pub(crate) expires_ms: i64,
    pub(crate) refresh: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum DeviceState {
    Pending,
    Approved { zuid: u64, user_dc: Dc },
    Denied,
}

#[derive(Clone, Debug)]
pub(crate) struct DeviceRec {
    pub(crate) client_id: String,
    pub(crate) dc: Dc,
    pub(crate) scopes: Vec<String>,
    pub(crate) offline: bool,
    pub(crate) force_consent: bool,
    pub(crate) user_code: String,
    pub(crate) expires_ms: i64,
    pub(crate) last_poll_ms: Option<i64>,
    pub(crate) state: DeviceState,
}

/// A consent page waiting for Accept/Deny.
#[derive(Clone, Debug)]
pub(crate) struct PendingConsent {
    pub(crate) dc: Dc,
    pub(crate) client_id: String,
    pub(crate) zuid: u64,
    pub(crate) scopes: Vec<String>,
    pub(crate) redirect_uri: String,
    pub(crate) state: Option<String>,
    pub(crate) offline: bool,
    pub(crate) force_consent: bool,
    pub(crate) challenge: Option<(String, String)>,
}

/// One request as the sandbox saw it (for assertions such as "no secret ever sat in a URL").
#[derive(Clone, Debug)]
pub struct SeenRequest {
    /// Data centre whose host received it.
    pub dc: Dc,
    /// Which of that DC's hosts received it (accounts, Projects, `api_domain`).
    pub service: crate::hosts::Service,
    /// HTTP method, e.g. `POST`.
    pub method: String,
    /// Path and query exactly as sent (not redacted).
    pub path_and_query: String,
    /// Request headers (name, value), not redacted.
    pub headers: Vec<(String, String)>,
    /// The route it was classified as ([`Route::Any`] for unknown paths).
    pub route: Route,
    /// Virtual time of arrival, ms since the epoch.
    pub at_ms: i64,
    /// The body as received, not redacted: its first [`SEEN_BODY_BYTES`] bytes (the rest is not
    /// kept, so that a long-running sandbox's memory stays bounded). Empty when the request had
    /// none, or was answered before its body was read (an injected fault, a body over the size
    /// limit). Not shown by the control API.
    pub body: Vec<u8>,
    /// Which request this was, to attach its body once read.
    pub(crate) seq: u64,
}

/// How much of each request's body [`SeenRequest::body`] keeps.
pub const SEEN_BODY_BYTES: usize = 16 * 1024;

/// A snapshot of the sandbox's counters ([`crate::Sandbox::counters`]).
#[derive(Clone, Debug, Default)]
pub struct Counters {
    /// Authorization codes issued (web flow, self-client "Generate Code").
    pub codes_issued: u64,
    /// Access tokens minted, all grants.
    pub access_tokens_minted: u64,
    /// Refresh tokens issued.
    pub refresh_tokens_issued: u64,
    /// Successful `grant_type=refresh_token` requests.
    pub refresh_grants: u64,
    /// Token-endpoint requests (all grants, successful or not).
    pub token_requests: u64,
    /// Token-endpoint answers carrying an `error`.
    pub token_errors: u64,
    /// Answers throttled with "Access Denied".
    pub access_denied: u64,
    /// Device codes issued.
    pub device_codes_issued: u64,
    /// Successful revocations.
    pub revocations: u64,
    /// Projects API requests (V3 and restapi).
    pub api_requests: u64,
    /// Projects API requests answered 429.
    pub api_rate_limited: u64,
    /// Faults applied.
    pub faults_applied: u64,
    pub(crate) minted_per_refresh: HashMap<String, u64>,
    pub(crate) active_per_refresh: HashMap<String, u64>,
    pub(crate) hits: Vec<(Route, String)>,
}

impl Counters {
    /// Access tokens ever minted from `refresh_token` (0 if unknown).
    pub fn access_tokens_minted_for(&self, refresh_token: &str) -> u64 {
        self.minted_per_refresh.get(refresh_token).copied().unwrap_or(0)
    }

    /// Access tokens made from `refresh_token` that are still valid now.
    pub fn active_access_tokens(&self, refresh_token: &str) -> u64 {
        self.active_per_refresh.get(refresh_token).copied().unwrap_or(0)
    }

    /// Requests received that fall under `route` (e.g. `Route::Token`, `Route::Api`,
    /// `Route::Path("/api/v3/portals".into())`).
    pub fn requests(&self, route: &Route) -> u64 {
        self.hits.iter().filter(|(kind, path)| route.matches(kind, path)).count() as u64
    }
}

#[derive(Default, Debug)]
pub(crate) struct ApiWindow {
    pub(crate) hits: VecDeque<i64>,
    pub(crate) blocked_until: Option<i64>,
}

pub(crate) struct ActiveFault {
    pub(crate) fault: Fault,
    pub(crate) left: Option<u32>,
}

/// Everything mutable. Guarded by one mutex; no lock is held across an await.
pub(crate) struct State {
    pub(crate) clients: HashMap<String, Client>,
    pub(crate) users: Vec<UserInfo>,
    pub(crate) signed_in: String,
    pub(crate) pending: HashMap<String, PendingConsent>,
    pub(crate) codes: HashMap<String, AuthCode>,
    pub(crate) code_log: HashMap<(String, u64), VecDeque<i64>>,
    pub(crate) code_blocked: HashMap<(String, u64), i64>,
    pub(crate) refresh: HashMap<String, RefreshRec>,
    pub(crate) access: HashMap<String, AccessRec>,
    pub(crate) got_refresh: HashSet<(String, u64)>,
    /// When each user's refresh tokens of the last minute were issued (kept only under
    /// [`Limits::refresh_tokens_per_minute`]).
    pub(crate) refresh_log: HashMap<u64, VecDeque<i64>>,
    pub(crate) devices: HashMap<String, DeviceRec>,
    pub(crate) counters: Counters,
    pub(crate) faults: Vec<ActiveFault>,
    pub(crate) seen: Vec<SeenRequest>,
    pub(crate) api_windows: HashMap<u64, ApiWindow>,
    /// Every portal: `data[dc.index()]` is the demo portal of `dc`; others follow.
    pub(crate) data: Vec<crate::data::Store>,
    next_zuid: u64,
}

/// Why an access token could not be minted.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum MintError {
    Throttled,
}

pub(crate) const DEMO_CLIENT_ID: &str = "1000.SANDBOXDEMOCLIENT00000000000001";
pub(crate) const DEMO_CLIENT_SECRET: &str = "5a4db0c1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8";
pub(crate) const DEMO_REDIRECT: &str = "http://localhost:8080/callback";
pub(crate) const DEMO_EMAIL: &str = "demo@zylker.example";

impl State {
    pub(crate) fn new() -> Self {
        let mut st = State {
            clients: HashMap::new(),
            users: Vec::new(),
            signed_in: DEMO_EMAIL.to_owned(),
            pending: HashMap::new(),
            codes: HashMap::new(),
            code_log: HashMap::new(),
            code_blocked: HashMap::new(),
            refresh: HashMap::new(),
            access: HashMap::new(),
            got_refresh: HashSet::new(),
            refresh_log: HashMap::new(),
            devices: HashMap::new(),
            counters: Counters::default(),
            faults: Vec::new(),
            seen: Vec::new(),
            api_windows: HashMap::new(),
            data: Dc::ALL.iter().map(|dc| crate::data::Store::seeded(*dc)).collect(),
            next_zuid: 60_000_000,
        };
        // The seeded portal people are accounts users too (all homed in the US DC);
        // the demo user (portal owner) is the default signed-in browser user.
        for p in st.data[Dc::Us.index()].people.clone() {
            st.users.push(UserInfo {
                email: p.email.clone(),
                name: p.name.clone(),
                zuid: p.zuid,
                zpuid: p.zpuid.to_string(),
                dc: Dc::Us,
            });
        }
        // A second account with a portal of their own, who is no member of `zylker` (and no one
        // of `zylker` is a member of theirs). Portals after the first three are not demo portals.
        let other = crate::data::Store::other_portal();
        let zpuid = other.person_by_zuid(crate::members::OTHER_ZUID).map(|p| p.zpuid).unwrap_or(0);
        st.users.push(UserInfo {
            email: crate::members::OTHER_EMAIL.to_owned(),
            name: crate::members::OTHER_NAME.to_owned(),
            zuid: crate::members::OTHER_ZUID,
            zpuid: zpuid.to_string(),
            dc: Dc::Us,
        });
        st.data.push(other);
        st.clients.insert(
            DEMO_CLIENT_ID.to_owned(),
            Client {
                id: DEMO_CLIENT_ID.to_owned(),
                secret: DEMO_CLIENT_SECRET.to_owned(),
                name: "Sandbox Demo App".to_owned(),
                kind: ClientKind::Web,
                redirect_uris: vec![DEMO_REDIRECT.to_owned()],
                owner_zuid: st.users[0].zuid,
            },
        );
        st
    }

    pub(crate) fn user_by_email(&self, email: &str) -> Option<&UserInfo> {
        self.users.iter().find(|u| u.email.eq_ignore_ascii_case(email))
    }

    pub(crate) fn user_by_zuid(&self, zuid: u64) -> Option<&UserInfo> {
        self.users.iter().find(|u| u.zuid == zuid)
    }

    pub(crate) fn signed_in_user(&self) -> UserInfo {
        self.user_by_email(&self.signed_in).cloned().unwrap_or_else(|| self.users[0].clone())
    }

    pub(crate) fn add_user(&mut self, email: &str, name: Option<&str>, dc: Dc) -> UserInfo {
        if let Some(u) = self.user_by_email(email) {
            return u.clone();
        }
        self.next_zuid += 7;
        let zuid = self.next_zuid;
        let name = name.map(str::to_owned).unwrap_or_else(|| email.split('@').next().unwrap_or(email).to_owned());
        let zpuid = self.data[dc.index()].add_person(zuid, &name, email);
        let u = UserInfo { email: email.to_owned(), name, zuid, zpuid: zpuid.to_string(), dc };
        self.users.push(u.clone());
        u
    }

    pub(crate) fn register_client(&mut self, spec: &ClientSpec) -> ClientCredentials {
        let id = format!("1000.{}", random_upper(30));
        let secret = crate::util::hex(21);
        let owner_zuid =
            spec.owner.as_deref().and_then(|e| self.user_by_email(e)).map(|u| u.zuid).unwrap_or(self.users[0].zuid);
        self.clients.insert(
            id.clone(),
            Client {
                id: id.clone(),
                secret: secret.clone(),
                name: spec.name.clone(),
                kind: spec.kind,
                redirect_uris: spec.redirect_uris.clone(),
                owner_zuid,
            },
        );
        ClientCredentials {
            client_id: id,
            client_secret: secret,
            redirect_uri: spec.redirect_uris.first().cloned().unwrap_or_default(),
        }
    }

    /// Issues an authorization code, applying the per client+user code limit.
    /// `Err(())` means "blocked".
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn issue_code(
        &mut self,
        now: i64,
        limits: &Limits,
        client_id: &str,
        zuid: u64,
        dc: Dc,
        scopes: Vec<String>,
        redirect_uri: Option<String>,
        grants_refresh: bool,
        challenge: Option<(String, String)>,
    ) -> Result<String, ()> {
        let key = (client_id.to_owned(), zuid);
        if let Some(until) = self.code_blocked.get(&key) {
            if now < *until {
                return Err(());
            }
            self.code_blocked.remove(&key);
        }
        let window = crate::util::ms(limits.code_window);
        let log = self.code_log.entry(key.clone()).or_default();
        while log.front().is_some_and(|t| now - *t >= window) {
            log.pop_front();
        }
        if log.len() as u64 >= u64::from(limits.codes_per_window) {
            log.clear();
            self.code_blocked.insert(key, now.saturating_add(crate::util::ms(limits.code_block)));
            return Err(());
        }
        log.push_back(now);
        let code = zoho_token("1000");
        self.codes.insert(
            code.clone(),
            AuthCode {
                client_id: client_id.to_owned(),
                zuid,
                dc,
                scopes,
                redirect_uri,
                grants_refresh,
                challenge,
                expires_ms: now.saturating_add(crate::util::ms(limits.code_ttl)),
                used: false,
            },
        );
        self.counters.codes_issued += 1;
        Ok(code)
    }

    /// A new refresh token for client+user, or `None` when the user may not have one now: more
    /// than [`Limits::refresh_tokens_per_minute`] issued to the user in the last minute, or the
    /// cap of live ones reached. Both count the user's tokens of every client (Projects FAQ and
    /// the Accounts notes: per user). The throttle is checked first, so a refused request never
    /// deletes the oldest token under `refresh_overflow_replaces_oldest`.
    pub(crate) fn new_refresh(
        &mut self,
        now: i64,
        limits: &Limits,
        client_id: &str,
        zuid: u64,
        dc: Dc,
        scopes: &[String],
    ) -> Option<String> {
        if let Some(max) = limits.refresh_tokens_per_minute {
            let log = self.refresh_log.entry(zuid).or_default();
            while log.front().is_some_and(|t| now - *t >= 60_000) {
                log.pop_front();
            }
            if log.len() as u64 >= u64::from(max) {
                return None;
            }
        }
        let mut live: Vec<(u64, String)> = self
            .refresh
            .iter()
            .filter(|(_, r)| !r.revoked && r.zuid == zuid)
            .map(|(t, r)| (r.order, t.clone()))
            .collect();
        if live.len() as u64 >= u64::from(limits.refresh_tokens_per_user) {
            if !limits.refresh_overflow_replaces_oldest {
                return None;
            }
            live.sort();
            if let Some((_, oldest)) = live.first() {
                let oldest = oldest.clone();
                self.revoke_refresh(&oldest);
            }
        }
        let token = zoho_token("1000");
        self.refresh.insert(
            token.clone(),
            RefreshRec {
                client_id: client_id.to_owned(),
                zuid,
                dc,
                scopes: scopes.to_vec(),
                order: self.counters.refresh_tokens_issued,
                revoked: false,
                access: VecDeque::new(),
                mint_times: VecDeque::new(),
                minted: 0,
            },
        );
        self.got_refresh.insert((client_id.to_owned(), zuid));
        if limits.refresh_tokens_per_minute.is_some() {
            self.refresh_log.entry(zuid).or_default().push_back(now);
        }
        self.counters.refresh_tokens_issued += 1;
        Some(token)
    }

    pub(crate) fn revoke_refresh(&mut self, token: &str) {
        if let Some(r) = self.refresh.get_mut(token) {
            r.revoked = true;
            for a in r.access.drain(..) {
                self.access.remove(&a);
            }
        }
    }

    /// Mints an access token (bound to `refresh` if given), applying the per-refresh-token
    /// throttle and the active-token cap (the oldest one is deleted).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn mint_access(
        &mut self,
        now: i64,
        limits: &Limits,
        _client_id: &str,
        zuid: u64,
        dc: Dc,
        scopes: &[String],
        refresh: Option<&str>,
    ) -> Result<String, MintError> {
        let token = zoho_token("1000");
        if let Some(rt) = refresh {
            let Some(r) = self.refresh.get_mut(rt) else {
                return Err(MintError::Throttled);
            };
            if let Some(max) = limits.access_token_mints_per_window {
                let window = crate::util::ms(limits.access_token_mint_window);
                while r.mint_times.front().is_some_and(|t| now - *t >= window) {
                    r.mint_times.pop_front();
                }
                if r.mint_times.len() as u64 >= u64::from(max) {
                    return Err(MintError::Throttled);
                }
                // Kept only under a throttle: without one it would grow with every grant.
                r.mint_times.push_back(now);
            }
            while r.access.len() as u64 >= u64::from(limits.access_tokens_per_refresh_token) {
                match r.access.pop_front() {
                    Some(old) => {
                        self.access.remove(&old);
                    }
                    None => break,
                }
            }
            r.access.push_back(token.clone());
            r.minted += 1;
            *self.counters.minted_per_refresh.entry(rt.to_owned()).or_default() += 1;
        }
        self.access.insert(
            token.clone(),
            AccessRec {
                zuid,
                dc,
                scopes: scopes.to_vec(),
                expires_ms: now.saturating_add(crate::util::ms(limits.access_token_ttl)),
                refresh: refresh.map(str::to_owned),
            },
        );
        self.counters.access_tokens_minted += 1;
        Ok(token)
    }

    /// Takes one use of the first fault matching the request, if any.
    pub(crate) fn take_fault(&mut self, kind: &Route, path: &str) -> Option<Fault> {
        let idx = self.faults.iter().position(|f| f.fault.route.matches(kind, path))?;
        let f = self.faults[idx].fault.clone();
        if let Some(left) = self.faults[idx].left.as_mut() {
            *left = left.saturating_sub(1);
            if *left == 0 {
                self.faults.remove(idx);
            }
        }
        self.counters.faults_applied += 1;
        Some(f)
    }

    pub(crate) fn new_device(&mut self, rec: DeviceRec) -> String {
        let device_code = zoho_token("1004");
        self.devices.insert(device_code.clone(), rec);
        self.counters.device_codes_issued += 1;
        device_code
    }

    pub(crate) fn device_by_user_code(&mut self, user_code: &str) -> Option<(&String, &mut DeviceRec)> {
        let wanted: String =
            user_code.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_uppercase();
        self.devices
            .iter_mut()
            .find(|(_, d)| d.user_code.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>() == wanted)
    }
}
