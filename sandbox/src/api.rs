//! Projects API intake: authentication, rate limit, scopes, error shapes; then V3 or restapi.

use axum::http::header;
use serde_json::{Value, json};

use crate::config::Dc;
use crate::data::Store;
use crate::scopes;
use crate::server::Shared;
use crate::util::{Req, Resp, json};

/// Which generation of the API a request addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Gen {
    V3,
    Rest,
}

/// The V3 error body (`{"error":{status_code,instance,title,error_type,details}}`).
pub(crate) fn v3_error(status: u16, instance: &str, title: &str, message: &str) -> Resp {
    v3_error_field(status, instance, title, message, None)
}

pub(crate) fn v3_error_field(status: u16, instance: &str, title: &str, message: &str, field: Option<&str>) -> Resp {
    let error_type = match status {
        401 => "AUTHENTICATION_ERROR",
        403 => "AUTHORIZATION_ERROR",
        405 => "METHOD_ERROR",
        413 => "REQUEST_ERROR",
        429 => "RATE_LIMIT_ERROR",
        s if s >= 500 => "SERVER_ERROR",
        _ => "FIELDS_VALIDATION_ERROR",
    };
    let mut detail = json!({ "message": message });
    if let Some(f) = field {
        detail["field_name"] = json!(f);
    }
    json(
        status,
        &json!({"error": {
            "status_code": status.to_string(),
            "instance": instance,
            "title": title,
            "error_type": error_type,
            "details": [detail],
        }}),
    )
}

/// The restapi error body (`{"error":{"code":6xxx,"message":…}}`).
pub(crate) fn rest_error(status: u16, code: u32, message: &str) -> Resp {
    json(status, &json!({"error": {"code": code, "message": message}}))
}

/// An API error in the shape of whichever generation was called.
#[derive(Debug)]
pub(crate) enum ApiErr {
    /// Unknown path.
    NoRoute,
    /// Known path, wrong verb.
    Method,
    /// Unknown id in the path (field name, e.g. `task_id`).
    NotFound(&'static str),
    /// Body key not accepted.
    ExtraKey(String),
    /// Bad value (field).
    Invalid(String),
    /// Required field missing.
    Missing(String),
    /// Malformed JSON / wrong JSON shape.
    Parse,
    /// Missing scope (module, op).
    Scope,
    /// A business-rule refusal with a message (400).
    Rule(String),
    /// The caller may not use this portal or project (the other generation's portal id, or a
    /// user who is not a member).
    NoPortalAccess,
}

impl ApiErr {
    pub(crate) fn into_resp(self, g: Gen, path: &str) -> Resp {
        match g {
            Gen::V3 => match self {
                ApiErr::NoRoute => v3_error(400, path, "URL_RULE_NOT_CONFIGURED", "Given URL is wrong"),
                ApiErr::Method => {
                    v3_error(405, path, "INVALID_METHOD", "The HTTP method is not supported for this URL")
                }
                ApiErr::NotFound(f) => {
                    v3_error_field(400, path, "INVALID_PARAMETER_VALUE", "Given resource id does not exist", Some(f))
                }
                ApiErr::ExtraKey(f) => {
                    v3_error_field(400, path, "EXTRA_KEY_FOUND_IN_JSON", "Extra key found in JSON.", Some(&f))
                }
                ApiErr::Invalid(f) => v3_error_field(
                    400,
                    path,
                    "INVALID_PARAMETER_VALUE",
                    "Invalid value passed for the field.",
                    Some(&f),
                ),
                ApiErr::Missing(f) => {
                    v3_error_field(400, path, "LESS_THAN_MIN_OCCURANCE", "Required field is missing.", Some(&f))
                }
                ApiErr::Parse => {
                    v3_error(400, path, "JSON_PARSE_ERROR", "The JSON in the request could not be parsed.")
                }
                ApiErr::Scope => {
                    v3_error(403, path, "INVALID_OAUTHSCOPE", "The OAuth token does not have the scope this URL needs.")
                }
                ApiErr::Rule(m) => v3_error(400, path, "INVALID_OPERATION", &m),
                ApiErr::NoPortalAccess => {
                    v3_error(403, path, "NO_PERMISSION", "You do not have permission to access this portal or project.")
                }
            },
            Gen::Rest => match self {
                ApiErr::NoRoute => rest_error(404, 6404, "Given URL is wrong"),
                ApiErr::Method => rest_error(400, 6404, "The HTTP method is not supported for this URL"),
                ApiErr::NotFound(f) => {
                    rest_error(404, 6504, &format!("Invalid value for {f}: resource does not exist"))
                }
                ApiErr::ExtraKey(f) | ApiErr::Invalid(f) => {
                    rest_error(400, 6832, &format!("Input Parameter Does not Match the Pattern Specified: {f}"))
                }
                ApiErr::Missing(f) => rest_error(400, 6831, &format!("Input Parameter Missing: {f}")),
                ApiErr::Parse => rest_error(400, 6832, "Input Parameter Does not Match the Pattern Specified"),
                ApiErr::Scope => rest_error(400, 6403, "Invalid OAuth scope"),
                ApiErr::Rule(m) => rest_error(400, 6500, &m),
                ApiErr::NoPortalAccess => {
                    rest_error(400, 6403, "You do not have permission to access this portal or project.")
                }
            },
        }
    }
}

pub(crate) type ApiResult = Result<Resp, ApiErr>;

/// Who is calling.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    pub(crate) zuid: u64,
    pub(crate) scopes: Vec<String>,
}

/// Everything a resource handler needs.
pub(crate) struct Ctx<'a> {
    pub(crate) req: &'a Req,
    pub(crate) store: &'a mut Store,
    pub(crate) caller: Caller,
    pub(crate) now: i64,
    pub(crate) base: String,
    /// `Limits::page_info_as_strings_every`.
    pub(crate) page_info_strings_every: u32,
    /// For the portal lists only: the caller's portals in this DC other than `store`.
    pub(crate) other_portals: Vec<Store>,
}

impl Ctx<'_> {
    /// Requires `ZohoProjects.<module>.<op>` (ALL implies every op).
    pub(crate) fn need(&self, module: &str, op: &str) -> Result<(), ApiErr> {
        if scopes::allows(&self.caller.scopes, module, op) { Ok(()) } else { Err(ApiErr::Scope) }
    }

    /// Refuses a caller who is not one of this portal's people.
    pub(crate) fn member(&self) -> Result<(), ApiErr> {
        if self.store.is_member(self.caller.zuid) { Ok(()) } else { Err(ApiErr::NoPortalAccess) }
    }

    /// Refuses a caller who may not use project `p` (see [`Store::can_see`]).
    pub(crate) fn may_use(&self, p: &crate::data::Project) -> Result<(), ApiErr> {
        if self.store.can_see(self.caller.zuid, p) { Ok(()) } else { Err(ApiErr::NoPortalAccess) }
    }

    /// Whether the caller may see project `p` (for lists: others' projects are left out).
    pub(crate) fn sees(&self, p: &crate::data::Project) -> bool {
        !p.trashed && self.store.can_see(self.caller.zuid, p)
    }

    /// The calling user's portal id (zpuid) in this DC's portal.
    pub(crate) fn me(&self) -> u64 {
        self.store.person_by_zuid(self.caller.zuid).map(|p| p.zpuid).unwrap_or(0)
    }
}

pub(crate) fn handle(sh: &Shared, req: &Req) -> Resp {
    let g = if req.path.starts_with("/restapi") { Gen::Rest } else { Gen::V3 };
    let path = req.path.as_str();

    // 1. Authorization header.
    let auth = req.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::trim).unwrap_or("");
    let token = match auth.split_once(' ') {
        Some((scheme, t)) if scheme.eq_ignore_ascii_case("Zoho-oauthtoken") && !t.trim().is_empty() => {
            t.trim().to_owned()
        }
        _ => {
            return match g {
                Gen::V3 => v3_error(
                    401,
                    path,
                    "INVALID_TICKET",
                    "The Authorization header is missing or is not 'Zoho-oauthtoken <token>'.",
                ),
                Gen::Rest => rest_error(401, 6890, "Invalid Ticket"),
            };
        }
    };
    let mut st = sh.lock();
    // Read under the lock, so that the rate window's hits are in time order across requests.
    let now = sh.clock.now_ms();
    st.counters.api_requests += 1;
    let caller = match st.access.get(&token) {
        Some(a) if a.dc == req.dc && a.expires_ms > now => Caller { zuid: a.zuid, scopes: a.scopes.clone() },
        _ => {
            return match g {
                Gen::V3 => {
                    v3_error(401, path, "INVALID_OAUTHTOKEN", "The OAuth access token is invalid or has expired.")
                }
                Gen::Rest => rest_error(401, 6401, "Invalid OAuth access token"),
            };
        }
    };

    // 2. Rate limit per user.
    let limits = &sh.limits;
    let win = st.api_windows.entry(caller.zuid).or_default();
    if let Some(until) = win.blocked_until {
        if now < until {
            st.counters.api_rate_limited += 1;
            return too_many(g, path);
        }
        win.blocked_until = None;
        win.hits.clear();
    }
    let window = crate::util::ms(limits.api_window);
    while win.hits.front().is_some_and(|t| now - *t >= window) {
        win.hits.pop_front();
    }
    if win.hits.len() as u64 >= u64::from(limits.api_requests_per_window) {
        win.blocked_until = Some(now.saturating_add(crate::util::ms(limits.api_block)));
        st.counters.api_rate_limited += 1;
        return too_many(g, path);
    }
    win.hits.push_back(now);

    // 3. The portal the path names (in this DC), else the caller's first portal here, else the
    // demo portal (whose routes then answer "not found"). Membership is checked by the routes,
    // after the path shape and the portal id.
    let dc: Dc = req.dc;
    let segs = crate::util::path_segments(path);
    let named = match (g, segs.iter().map(String::as_str).collect::<Vec<_>>().as_slice()) {
        (Gen::V3, ["api", "v3", "portal", p, ..]) | (Gen::Rest, ["restapi", "portal", p, ..]) => {
            crate::members::portal_named(&st.data, dc, p)
        }
        _ => None,
    };
    let mine: Vec<usize> =
        (0..st.data.len()).filter(|i| st.data[*i].dc == dc && st.data[*i].is_member(caller.zuid)).collect();
    let at = named.or(mine.first().copied()).unwrap_or(dc.index());
    // The caller's other portals, for the portal lists.
    let other_portals: Vec<Store> = match (g, segs.as_slice()) {
        (Gen::V3, [a, b, c]) if a == "api" && b == "v3" && c == "portals" => {
            mine.iter().filter(|i| **i != at).map(|i| st.data[*i].clone()).collect()
        }
        (Gen::Rest, [a, b]) if a == "restapi" && b == "portals" => {
            mine.iter().filter(|i| **i != at).map(|i| st.data[*i].clone()).collect()
        }
        _ => Vec::new(),
    };
    let store = &mut st.data[at];
    let base = sh.projects_base(dc);
    let page_info_strings_every = limits.page_info_as_strings_every;
    let mut ctx = Ctx { req, store, caller, now, base, page_info_strings_every, other_portals };
    let res = match g {
        Gen::V3 => crate::v3::route(&mut ctx),
        Gen::Rest => crate::restapi::route(&mut ctx),
    };
    res.unwrap_or_else(|e| e.into_resp(g, path))
}

fn too_many(g: Gen, path: &str) -> Resp {
    match g {
        Gen::V3 => {
            v3_error(429, path, "TOO_MANY_REQUESTS", "You have exceeded the API request limit. Please try again later.")
        }
        Gen::Rest => rest_error(429, 6429, "You have exceeded the API request limit. Please try again later."),
    }
}

/// Parses the JSON body as an object (empty body = `{}`).
pub(crate) fn body_obj(req: &Req) -> Result<serde_json::Map<String, Value>, ApiErr> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Map::new());
    }
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(ApiErr::Parse),
    }
}
